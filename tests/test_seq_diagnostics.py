"""Sequence diagnostics: gates replayed from a recurrent layer's inputs (checked against the
layer's own outputs and against torch), saturated gates counted by hand, attention weights
and their entropy (against torch's returned weights), and the gradient through time
(against gradients taken by hand through an unrolled cell)."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn
from tinygrad_acts.diagnostics import (
    ActivationMonitor,
    attention_entropy,
    attention_weights,
    gradient_through_time,
    recurrent_gates,
    step_gradient_norms,
)


def f64(*shape, seed=0):
    return ta.tensor(np.random.default_rng(seed).standard_normal(shape))


def lstm_h(gates, c0, reverse=False):
    """The LSTM's hidden states rebuilt from its gates: c = f c + i g, h = o tanh(c)."""
    steps = range(len(gates["i"]))
    hs, c = [None] * len(gates["i"]), c0
    for t in (reversed(steps) if reverse else steps):
        c = gates["f"][t] * c + gates["i"][t] * gates["g"][t]
        hs[t] = gates["o"][t] * np.tanh(c)
    return np.stack(hs)


# --- the replay reproduces the layer -------------------------------------------------------


def test_lstm_gates_rebuild_the_layers_output_in_both_directions():
    ta.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    x, h0, c0 = f64(6, 5, 3), f64(4, 5, 4, seed=1), f64(4, 5, 4, seed=2)
    out, _ = lstm(x, (h0, c0))
    gates = recurrent_gates(lstm, x, (h0, c0))
    assert sorted(gates) == ["l0", "l0_reverse", "l1", "l1_reverse"]
    rebuilt = np.concatenate([lstm_h(gates["l1"], c0.numpy()[2]),
                              lstm_h(gates["l1_reverse"], c0.numpy()[3], reverse=True)], -1)
    np.testing.assert_allclose(rebuilt, out.numpy(), atol=1e-12)


def test_gru_and_rnn_gates_rebuild_the_output_batch_first_and_unbatched():
    ta.manual_seed(1)
    gru = nn.GRU(3, 4, batch_first=True).double()
    x = f64(2, 6, 3)
    out, _ = gru(x)
    g = recurrent_gates(gru, x)["l0"]
    h, hs = np.zeros((2, 4)), []
    for t in range(6):
        h = (1 - g["z"][t]) * g["n"][t] + g["z"][t] * h
        hs.append(h)
    np.testing.assert_allclose(np.stack(hs, 1), out.numpy(), atol=1e-12)
    rnn = nn.RNN(3, 4, num_layers=2, nonlinearity="relu").double()
    x = f64(5, 3)                                              # unbatched (T, I)
    out, _ = rnn(x)
    np.testing.assert_allclose(recurrent_gates(rnn, x)["l1"]["h"][:, 0], out.numpy(),
                               atol=1e-12)


def test_cell_gates_are_one_step():
    ta.manual_seed(2)
    cell = nn.LSTMCell(3, 4).double()
    x, h, c = f64(5, 3), f64(5, 4, seed=1), f64(5, 4, seed=2)
    h1, _ = cell(x, (h, c))
    g = recurrent_gates(cell, x, (h, c))[""]
    assert g["f"].shape == (1, 5, 4)
    np.testing.assert_allclose(lstm_h(g, c.numpy())[0], h1.numpy(), atol=1e-12)


def test_packed_input_gates_are_nan_on_the_padding():
    ta.manual_seed(3)
    from tinygrad_acts.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    rnn = nn.RNN(3, 4, bidirectional=True).double()
    x, lengths = f64(6, 4, 3), [3, 6, 1, 4]
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    out, _ = pad_packed_sequence(rnn(packed)[0])
    g = recurrent_gates(rnn, packed)
    got = np.concatenate([g["l0"]["h"], g["l0_reverse"]["h"]], -1)
    padding = np.arange(6)[:, None] >= np.array(lengths)
    assert (np.isnan(got).all(-1) == padding).all()
    np.testing.assert_allclose(got[~padding], out.numpy()[~padding], atol=1e-12)


def test_the_replay_agrees_with_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for cls, kw in [("LSTM", dict(num_layers=2)), ("GRU", dict(num_layers=2)),
                    ("RNN", dict(bidirectional=True))]:
        theirs = getattr(torch.nn, cls)(3, 4, **kw).double()
        x = torch.randn(5, 2, 3, dtype=torch.float64)
        ours = getattr(nn, cls)(3, 4, **kw).double()
        ours.load_state_dict({k: ta.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
        mine, torchs = recurrent_gates(ours, ta.tensor(x.numpy())), recurrent_gates(theirs, x)
        assert mine.keys() == torchs.keys()
        for row in mine:
            for gate in mine[row]:
                np.testing.assert_allclose(mine[row][gate], torchs[row][gate], atol=1e-14)
    lstm = torch.nn.LSTM(3, 4, num_layers=2, proj_size=2).double()   # torch's projection
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    out, _ = lstm(x)
    rebuilt = lstm_h(recurrent_gates(lstm, x)["l1"], np.zeros((2, 4)))
    np.testing.assert_allclose(rebuilt @ lstm.weight_hr_l1.detach().numpy().T,
                               out.detach().numpy(), atol=1e-12)


# --- saturated gates in the monitor ------------------------------------------------------------


def test_gate_saturation_counted_by_hand():
    """An LSTMCell with zero recurrent weights: each gate is sigmoid/tanh of w x + b, set
    so that unit 0 of every gate is flat (pre-activation +-10) and unit 1 is not (0)."""
    cell = nn.LSTMCell(1, 2).double()
    with ta.no_grad():
        cell.weight_hh[...] = 0.0
        cell.weight_ih[...] = 0.0
        cell.bias_hh[...] = 0.0
        cell.bias_ih[...] = ta.tensor([10.0, 0.0, -10.0, 0.0, 10.0, 0.0, 0.0, 0.0],
                                      dtype=np.float64)       # i f g o, 2 units each
    monitor = ActivationMonitor(nn.Sequential(cell))
    cell(ta.zeros(3, 1, dtype=np.float64))
    s = monitor.stats()["0"]
    assert s.gates == {"i": 0.5, "f": 0.5, "g": 0.5, "o": 0.0}
    assert s.sigmoid_saturated == pytest.approx(1 / 3)       # i and f half each, o none
    assert s.tanh_saturated == 0.5
    assert s.saturated == pytest.approx(3 / 8)
    assert (s.units, s.samples) == (2, 3)
    assert "saturated gates" in str(monitor) and "i 50.0%" in str(monitor)


def test_lstm_rows_per_layer_and_direction_and_the_gradient_halves():
    ta.manual_seed(4)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    net = nn.Sequential(lstm)
    monitor = ActivationMonitor(net)
    assert monitor.layers == ["0.l0", "0.l0_reverse", "0.l1", "0.l1_reverse"]
    x = f64(6, 5, 3)
    out, _ = lstm(x)
    weight = np.concatenate([np.ones(4), 3 * np.ones(4)])      # the reverse half gets 3x
    (out * ta.tensor(weight)).sum().backward()
    stats = monitor.stats()
    assert stats["0.l0"].grad_mean is None                     # not the output's layer
    assert stats["0.l1"].grad_mean == pytest.approx(1.0)
    assert stats["0.l1_reverse"].grad_mean == pytest.approx(3.0)
    gates = recurrent_gates(lstm, x)
    sig = np.concatenate([gates["l1"][g].ravel() for g in "ifo"])
    assert stats["0.l1"].sigmoid_saturated == pytest.approx(((sig < 0.01) | (sig > 0.99)).mean())
    hist_keys = set(monitor.snapshot() and monitor.history()["0.l1"])
    assert {"sigmoid_saturated", "tanh_saturated"} <= hist_keys


def test_a_plain_rnns_tanh_state_and_a_relu_rnns_dead_units():
    rnn = nn.RNN(1, 2, nonlinearity="relu", bias=False).double()
    with ta.no_grad():
        rnn.weight_ih_l0[...] = ta.tensor([[1.0], [-1.0]], dtype=np.float64)
        rnn.weight_hh_l0[...] = 0.0
    monitor = ActivationMonitor(nn.Sequential(rnn))
    rnn(ta.ones(4, 3, 1, dtype=np.float64))                    # unit 1 is always 0
    s = monitor.stats()["0.l0"]
    assert s.dead == 0.5 and s.saturated is None and (s.samples, s.units) == (12, 2)
    tanh = nn.RNN(1, 2, bias=False).double()
    with ta.no_grad():
        tanh.weight_ih_l0[...] = ta.tensor([[10.0], [0.1]], dtype=np.float64)
        tanh.weight_hh_l0[...] = 0.0
    monitor = ActivationMonitor(nn.Sequential(tanh))
    tanh(ta.ones(4, 3, 1, dtype=np.float64))
    assert monitor.stats()["0.l0"].tanh_saturated == 0.5


# --- attention ------------------------------------------------------------------------------


def test_attention_entropy_by_hand():
    h = attention_entropy(np.array([[1.0, 0.0, 0.0, 0.0], [0.25] * 4, [0.5, 0.5, 0, 0]]))
    np.testing.assert_allclose(h, [0.0, np.log(4), np.log(2)])
    assert np.isnan(attention_entropy(np.full((1, 3), np.nan))).all()


def test_attention_weights_match_the_modules_own():
    ta.manual_seed(5)
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    q, k = f64(3, 4, 8), f64(3, 5, 8, seed=1)
    mask = ta.tensor(np.triu(np.ones((4, 5), bool), 2))
    kpm = ta.tensor(np.array([[False] * 4 + [True]] * 3))
    _, w = mha(q, k, k, key_padding_mask=kpm, attn_mask=mask, average_attn_weights=False)
    np.testing.assert_allclose(attention_weights(mha, q, k, k, kpm, mask), w.numpy(),
                               atol=1e-12)


def test_attention_weights_match_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for kw in [dict(), dict(add_bias_kv=True, add_zero_attn=True), dict(kdim=5, vdim=6)]:
        mha = torch.nn.MultiheadAttention(8, 2, **kw).double()
        q = torch.randn(4, 3, 8, dtype=torch.float64)
        k = torch.randn(5, 3, kw.get("kdim", 8), dtype=torch.float64)
        v = torch.randn(5, 3, kw.get("vdim", 8), dtype=torch.float64)
        kpm = torch.tensor([[False] * 5, [False, True, True, False, False], [True] + [False] * 4])
        kpm = torch.zeros(3, 5, dtype=torch.float64).masked_fill(kpm, -np.inf)
        mask = torch.randn(4, 5, dtype=torch.float64)
        _, w = mha(q, k, v, key_padding_mask=kpm, attn_mask=mask, average_attn_weights=False)
        np.testing.assert_allclose(attention_weights(mha, q, k, v, kpm, mask),
                                   w.detach().numpy(), atol=1e-13)


def test_monitor_reads_attention_entropy_inside_an_encoder_layer():
    ta.manual_seed(6)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    monitor = ActivationMonitor(layer)
    assert monitor.layers == ["self_attn"]
    with ta.no_grad():
        layer.self_attn.in_proj_weight[...] = 0.0              # scores all 0: even spread
    x = f64(2, 5, 8)
    layer(x).sum().backward()
    s = monitor.stats()["self_attn"]
    assert s.head_entropy == pytest.approx([np.log(5)] * 2) and s.entropy == pytest.approx(
        np.log(5))
    assert s.grad_mean is not None and s.units == 2
    monitor.reset()
    causal = nn.Transformer.generate_square_subsequent_mask(5).double()
    layer(x, src_mask=causal)               # query i spreads over i + 1 keys
    expected = np.mean([np.log(i + 1) for i in range(5)])
    assert monitor.stats()["self_attn"].entropy == pytest.approx(expected)
    assert "attention entropy" in str(monitor)


# --- the gradient through time -----------------------------------------------------------------


def test_gradient_through_time_equals_an_unrolled_cells_gradients():
    """nn.RNN stepped by gradient_through_time against RNNCell with the same weights,
    unrolled by hand and differentiated with respect to each h_t."""
    ta.manual_seed(7)
    rnn = nn.RNN(2, 3).double()
    cell = nn.RNNCell(2, 3).double()
    cell.load_state_dict({k[:-3]: v for k, v in rnn.state_dict().items()})
    x, target = f64(6, 4, 2), f64(4, 3, seed=1)

    def loss_fn(out):
        return ((out[-1] - target) ** 2).sum() + out[2].sum()

    norms = gradient_through_time(rnn, x, loss_fn)
    h, hs = None, []
    for xt in x.unbind(0):
        h = cell(xt, h)
        hs.append(h)
    by_hand = step_gradient_norms(loss_fn(ta.stack(hs)), hs)
    np.testing.assert_allclose(norms[:, 0], by_hand, rtol=1e-12)
    full, _ = rnn(x)                                # the stepped output is the full one's
    step = []
    gradient_through_time(rnn, x, lambda out: step.append(out) or out.sum())
    np.testing.assert_allclose(step[0].numpy(), full.numpy(), atol=1e-14)


def test_gradient_through_time_per_layer_for_lstm_and_gru():
    ta.manual_seed(8)
    for kind in ("LSTM", "GRU"):
        rnn = getattr(nn, kind)(2, 3, num_layers=2, batch_first=True).double()
        norms = gradient_through_time(rnn, f64(4, 7, 2), lambda out: out[:, -1].sum())
        assert norms.shape == (7, 2) and (norms[:-1] > 0).all() and norms[-1, 1] > 0
        assert norms[-1, 0] == 0.0      # the first layer's last state feeds no later step
    with pytest.raises(ValueError, match="bidirectional"):
        gradient_through_time(nn.GRU(2, 3, bidirectional=True), ta.randn(4, 1, 2),
                              lambda out: out.sum())


def test_a_plain_rnns_gradient_vanishes_and_the_last_step_gets_the_most():
    ta.manual_seed(9)
    rnn = nn.RNN(2, 16).double()
    with ta.no_grad():
        rnn.weight_hh_l0.mul_(0.5)
    norms = gradient_through_time(rnn, f64(20, 8, 2), lambda out: out[-1].sum())[:, 0]
    assert norms[0] < 1e-4 * norms[-1]
    assert (np.diff(norms) > 0).all()


def test_step_gradient_norms_zero_for_an_unused_state():
    a = ta.tensor([3.0, 4.0], requires_grad=True)
    b = ta.tensor([1.0], requires_grad=True)
    np.testing.assert_allclose(step_gradient_norms((a * a).sum(), [a, b]), [10.0, 0.0])
