"""Recurrent layers: RNN / LSTM / GRU and their cells against torch (the same state_dict
gives the same outputs and gradients to 1e-10 in float64, for every layer and option),
backprop through time by gradcheck and gradgradcheck, packed sequences, init, errors."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn
from tinygrad_acts.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from tinygrad_acts.ops.rnn import Scan

LAYERS = [("LSTM", {}), ("GRU", {}), ("RNN", {}), ("RNN", {"nonlinearity": "relu"})]
OPTIONS = [{}, {"num_layers": 2}, {"bias": False}, {"batch_first": True},
           {"bidirectional": True}, {"num_layers": 2, "bidirectional": True, "bias": False}]


@pytest.fixture(autouse=True)
def float64():
    old = ta.get_default_dtype()
    ta.set_default_dtype(np.float64)
    yield
    ta.set_default_dtype(old)


def _pair(torch, name, **kw):
    """Our layer and torch's, torch's loaded strictly from ours."""
    ours = getattr(nn, name)(4, 3, **kw)
    theirs = getattr(torch.nn, name)(4, 3, **kw).double()
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                            ours.state_dict().items()}, strict=True)
    return ours, theirs


def _leaf(torch, a):
    return ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a.detach().numpy() if hasattr(a, "detach") else a),
                               b.detach().numpy(), rtol=tol, atol=tol)


def _backward_both(ours_out, theirs_out, rng):
    """sum(out * G) backward on both, with the same random G per output."""
    total_o, total_t = 0, 0
    for o, t in zip(ours_out, theirs_out):
        g = rng.standard_normal(o.shape)
        total_o = total_o + (o * ta.tensor(g)).sum()
        total_t = total_t + (t * __import__("torch").tensor(g)).sum()
    total_o.backward()
    total_t.backward()


def _flat(out):
    o, h = out
    return [getattr(o, "data", o)] + (list(h) if isinstance(h, tuple) else [h])


@pytest.mark.parametrize("name,kw", LAYERS)
@pytest.mark.parametrize("opt", OPTIONS)
@pytest.mark.parametrize("with_hx", [False, True])
def test_layers_match_torch_outputs_and_gradients(name, kw, opt, with_hx):
    torch = pytest.importorskip("torch")
    kw = {**kw, **opt}
    ours, theirs = _pair(torch, name, **kw)
    rng = np.random.default_rng(0)
    shape = (2, 5, 4) if kw.get("batch_first") else (5, 2, 4)
    x, tx = _leaf(torch, rng.standard_normal(shape))
    args, targs = [x], [tx]
    if with_hx:
        d = 2 if kw.get("bidirectional") else 1
        states = [_leaf(torch, rng.standard_normal((kw.get("num_layers", 1) * d, 2, 3)))
                  for _ in range(2 if name == "LSTM" else 1)]
        hx = tuple(s[0] for s in states) if name == "LSTM" else states[0][0]
        thx = tuple(s[1] for s in states) if name == "LSTM" else states[0][1]
        args.append(hx)
        targs.append(thx)
    out, tout = _flat(ours(*args)), _flat(theirs(*targs))
    for o, t in zip(out, tout):
        assert o.shape == tuple(t.shape)
        _close(o, t)
    _backward_both(out, tout, rng)
    _close(x.grad, tx.grad)
    if with_hx:
        for s in states:
            _close(s[0].grad, s[1].grad)
    for (k, p), (k2, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == k2
        _close(p.grad, tp.grad)


@pytest.mark.parametrize("name,kw", LAYERS)
def test_unbatched_input_matches_torch(name, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, name, **kw, num_layers=2, bidirectional=True)
    x = np.random.default_rng(1).standard_normal((6, 4))
    for o, t in zip(_flat(ours(ta.tensor(x))), _flat(theirs(torch.tensor(x)))):
        assert o.shape == tuple(t.shape)
        _close(o, t)


@pytest.mark.parametrize("name,kw", LAYERS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(name, kw, bidirectional, enforce_sorted):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, name, **kw, num_layers=2, bidirectional=bidirectional)
    rng = np.random.default_rng(2)
    lengths = [5, 3, 2] if enforce_sorted else [2, 5, 3]
    x, tx = _leaf(torch, rng.standard_normal((5, 3, 4)))
    n_states = 2 if name == "LSTM" else 1
    states = [_leaf(torch, rng.standard_normal((2 * (1 + bidirectional), 3, 3)))
              for _ in range(n_states)]
    hx = tuple(s[0] for s in states) if n_states == 2 else states[0][0]
    thx = tuple(s[1] for s in states) if n_states == 2 else states[0][1]
    p = pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    (po, h), (tpo, th) = ours(p, hx), theirs(tp, thx)
    assert type(po).__name__ == "PackedSequence"
    np.testing.assert_array_equal(po.batch_sizes.numpy(), tp.batch_sizes.numpy())
    out, _ = pad_packed_sequence(po)
    tout, _ = torch.nn.utils.rnn.pad_packed_sequence(tpo)
    outs = [out] + (list(h) if n_states == 2 else [h])
    touts = [tout] + (list(th) if n_states == 2 else [th])
    for o, t in zip(outs, touts):
        _close(o, t)  # h_n holds each sequence's last valid step
    _backward_both(outs, touts, rng)
    _close(x.grad, tx.grad)
    for s in states:
        _close(s[0].grad, s[1].grad)
    for p_, tp_ in zip(ours.parameters(), theirs.parameters()):
        _close(p_.grad, tp_.grad)


@pytest.mark.parametrize("name,kw", [("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {}),
                                     ("RNNCell", {"nonlinearity": "relu"}),
                                     ("LSTMCell", {"bias": False}), ("GRUCell", {"bias": False})])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(name, kw, batched):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, name, **kw)
    rng = np.random.default_rng(3)
    x, tx = _leaf(torch, rng.standard_normal((2, 4) if batched else (4,)))
    hshape = (2, 3) if batched else (3,)
    states = [_leaf(torch, rng.standard_normal(hshape)) for _ in range(2 if "LSTM" in name
                                                                      else 1)]
    hx = tuple(s[0] for s in states) if "LSTM" in name else states[0][0]
    thx = tuple(s[1] for s in states) if "LSTM" in name else states[0][1]
    out, tout = ours(x, hx), theirs(tx, thx)
    out, tout = (list(out), list(tout)) if "LSTM" in name else ([out], [tout])
    for o, t in zip(out, tout):
        assert o.shape == tuple(t.shape)
        _close(o, t)
    _backward_both(out, tout, rng)
    _close(x.grad, tx.grad)
    for s in states:
        _close(s[0].grad, s[1].grad)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        _close(p.grad, tp.grad)
    default, tdefault = ours(x), theirs(tx)  # hx defaults to zeros
    for o, t in zip(default if "LSTM" in name else [default],
                    tdefault if "LSTM" in name else [tdefault]):
        _close(o, t)


def test_state_dict_keys_order_and_shapes_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ("LSTM", "GRU", "RNN"):
        kw = dict(num_layers=2, bidirectional=True)
        ours, theirs = getattr(nn, name)(4, 3, **kw), getattr(torch.nn, name)(4, 3, **kw)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for name in ("LSTMCell", "GRUCell", "RNNCell"):
        assert list(getattr(nn, name)(4, 3).state_dict()) == list(
            getattr(torch.nn, name)(4, 3).state_dict())


def test_reprs_are_torchs():
    torch = pytest.importorskip("torch")
    for name, kw in [("LSTM", dict(num_layers=2, bidirectional=True)),
                     ("RNN", dict(nonlinearity="relu", bias=False, batch_first=True,
                                  dropout=0.5, num_layers=2)), ("GRU", {}),
                     ("GRUCell", dict(bias=False)), ("RNNCell", dict(nonlinearity="relu")),
                     ("LSTMCell", {})]:
        assert repr(getattr(nn, name)(4, 3, **kw)) == repr(getattr(torch.nn, name)(4, 3, **kw))


def test_init_is_uniform_in_one_over_sqrt_hidden_from_the_package_generator():
    ta.manual_seed(0)
    a = nn.LSTM(8, 16, num_layers=2)
    ta.manual_seed(0)
    b = nn.LSTM(8, 16, num_layers=2)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert np.abs(p.numpy()).max() <= 0.25 and np.abs(p.numpy()).max() > 0.2
    assert nn.GRUCell(3, 4, dtype=np.float32).weight_ih.dtype == np.float32


@pytest.mark.parametrize("mode,gates,act", [("lstm", 4, "tanh"), ("gru", 3, "tanh"),
                                            ("rnn", 1, "tanh"), ("rnn", 1, "relu")])
@pytest.mark.parametrize("reverse", [False, True])
def test_backprop_through_time_gradcheck(mode, gates, act, reverse):
    """A four-step scan with variable lengths (batch sizes 3, 3, 2, 1), float64."""
    rng = np.random.default_rng(4)
    sizes, hid = (3, 3, 2, 1), 2
    gx = ta.tensor(rng.standard_normal((9, gates * hid)), requires_grad=True)
    h0 = ta.tensor(rng.standard_normal((3, hid)), requires_grad=True)
    c0 = ta.tensor(rng.standard_normal((3, hid)), requires_grad=True)
    w = ta.tensor(rng.standard_normal((gates * hid, hid)), requires_grad=True)
    b = ta.tensor(rng.standard_normal(gates * hid), requires_grad=True)
    if mode == "lstm":
        def fn(gx, h0, c0, w, b):
            return Scan.apply(gx, h0, c0, w, b, mode=mode, sizes=sizes, reverse=reverse)
        inputs = (gx, h0, c0, w, b)
    else:
        def fn(gx, h0, w, b):
            return Scan.apply(gx, h0, None, w, b, mode=mode, sizes=sizes, reverse=reverse,
                              act=act)
        inputs = (gx, h0, w, b)
    if act == "relu":
        with ta.no_grad():
            gx += 0.01 * np.sign(gx.numpy())  # keep the pre-activations off relu's kink
    assert ta.gradcheck(fn, inputs)
    if act != "relu":
        assert ta.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("proj", [0, 2])
@pytest.mark.parametrize("steps,batch,hid", [(5, 3, 4), (1, 2, 3), (4, 7, 9)])
def test_padded_lstm_fast_path_is_the_step_by_step_scan(reverse, bias, proj, steps, batch,
                                                        hid):
    """A padded batch (every step the same rows) runs ops.rnn._lstm_scan, which keeps the
    steps feature-major, the gates reordered i, f, o, g and activated in place, and whose
    backward takes every step's slopes at once: its outputs and gradients must be the
    general step-by-step scan's (the packed path) to 1e-12 (the same elementwise
    operations; the matmuls W h and W^T dz instead of h W^T and dz W round differently),
    with and without a projection (proj_size: h (B, P), W_hr (P, H))."""
    from tinygrad_acts.ops import rnn as R
    rng = np.random.default_rng(7)
    out = proj or hid
    arrays = [rng.standard_normal(s) for s in ((steps * batch, 4 * hid), (batch, out),
                                                (batch, hid), (4 * hid, out), (4 * hid,),
                                                (proj, hid))]
    gx, h0, c0, w, b, wr = arrays
    b, wr = (b if bias else None), (wr if proj else None)
    sizes = (batch,) * steps
    y, caches = R._lstm_scan(gx, h0, c0, w, b, steps, reverse, wr)
    y_ref, caches_ref = R._scan("lstm", "tanh", gx, (h0, c0), w, b, sizes, reverse, wr)
    assert y.shape == (steps * batch, out + hid)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12 * np.abs(y_ref).max())
    g = rng.standard_normal(y.shape)
    got = R._lstm_scan_back(g, y, h0, c0, w, caches, reverse, wr)
    want = R._scan_back("lstm", "tanh", g, caches_ref, (h0.shape, c0.shape), w, sizes,
                        reverse, wr)
    assert (got[4] is None) == (want[4] is None) == (not proj)
    names = ["d gx", "d h0", "d c0", "d W_hh", "d b_hh", "d W_hr"]
    for name, a, e in zip(names, [got[0], *got[1], *got[2:]], [want[0], *want[1], *want[2:]]):
        if e is not None:
            assert a.shape == e.shape and a.dtype == e.dtype, name
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12 * np.abs(e).max(),
                                       err_msg=name)
    np.testing.assert_array_equal(gx, arrays[0])  # the input projection is not written


def test_padded_lstm_fast_path_in_float32_is_the_step_by_step_scan():
    from tinygrad_acts.ops import rnn as R
    rng = np.random.default_rng(8)
    steps, batch, hid = 6, 4, 5
    gx, h0, c0, w, b = (rng.standard_normal(s).astype(np.float32) for s in (
        (steps * batch, 4 * hid), (batch, hid), (batch, hid), (4 * hid, hid), (4 * hid,)))
    y, caches = R._lstm_scan(gx, h0, c0, w, b, steps, False)
    y_ref, caches_ref = R._scan("lstm", "tanh", gx, (h0, c0), w, b, (batch,) * steps, False)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, y_ref, rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(y.shape).astype(np.float32)
    got = R._lstm_scan_back(g, y, h0, c0, w, caches, False)
    want = R._scan_back("lstm", "tanh", g, caches_ref, (h0.shape, c0.shape), w,
                        (batch,) * steps, False)
    for a, e in zip([got[0], *got[1], *got[2:4]], [want[0], *want[1], *want[2:4]]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5 * np.abs(e).max())


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("run", [1, 2, 3])
def test_padded_lstm_slopes_taken_in_runs_of_steps(monkeypatch, reverse, run):
    """The backward takes the slopes of a run of steps at once (ops.rnn._RUN numbers per
    gate): runs of 1, 2 and 3 of 5 steps (the last one short) give the step-by-step scan's
    gradients."""
    from tinygrad_acts.ops import rnn as R
    rng = np.random.default_rng(9)
    steps, batch, hid = 5, 2, 3
    monkeypatch.setattr(R, "_RUN", run * batch * hid)
    gx, h0, c0, w, b, g = (rng.standard_normal(s) for s in (
        (steps * batch, 4 * hid), (batch, hid), (batch, hid), (4 * hid, hid), (4 * hid,),
        (steps * batch, 2 * hid)))
    y, caches = R._lstm_scan(gx, h0, c0, w, b, steps, reverse)
    got = R._lstm_scan_back(g, y, h0, c0, w, caches, reverse)
    _, ref = R._scan("lstm", "tanh", gx, (h0, c0), w, b, (batch,) * steps, reverse)
    want = R._scan_back("lstm", "tanh", g, ref, (h0.shape, c0.shape), w, (batch,) * steps,
                        reverse)
    for a, e in zip([got[0], *got[1], *got[2:4]], [want[0], *want[1], *want[2:4]]):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12 * np.abs(e).max())


@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("steps,batch,hid", [(5, 3, 4), (1, 2, 3)])
def test_padded_rnn_fast_path_is_the_step_by_step_scan(act, reverse, bias, steps, batch,
                                                       hid):
    """A padded Elman RNN runs ops.rnn._rnn_scan, in place in its output: the same
    operations as the step-by-step scan, so the same bits forward, and its backward (tanh's
    slopes taken for all steps at once) the same gradients to 1e-12."""
    from tinygrad_acts.ops import rnn as R
    rng = np.random.default_rng(10)
    gx, h0, w, b, g = (rng.standard_normal(s) for s in (
        (steps * batch, hid), (batch, hid), (hid, hid), (hid,), (steps * batch, hid)))
    b = b if bias else None
    sizes = (batch,) * steps
    y = R._rnn_scan(gx, h0, w, b, steps, reverse, act)
    y_ref, caches = R._scan("rnn", act, gx, (h0,), w, b, sizes, reverse)
    np.testing.assert_array_equal(y, y_ref)
    got = R._rnn_scan_back(g, y, h0, w, reverse, act)
    want = R._scan_back("rnn", act, g, caches, (h0.shape,), w, sizes, reverse)
    assert got[4] is None and len(got[1]) == 1
    for name, a, e in zip(["d gx", "d h0", "d W_hh", "d b_hh"], [got[0], got[1][0], *got[2:4]],
                          [want[0], want[1][0], *want[2:4]]):
        assert a.shape == e.shape and a.dtype == e.dtype, name
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12 * np.abs(e).max(),
                                   err_msg=name)


def test_padded_rnn_output_changed_in_place_refuses_backward():
    # the fast path's backward reads the states from the output, as the LSTM's
    m = nn.RNN(2, 3, dtype=np.float64)
    out, _ = m(ta.randn(4, 2, 2, dtype=np.float64))
    out.mul_(2)
    with pytest.raises(RuntimeError, match="in-place|inplace|modified"):
        out.sum().backward()


def test_scan_arrays_are_reused_only_once_nothing_holds_them():
    from tinygrad_acts.ops import rnn as R
    shape = (7, 11)
    a = R._empty(shape, np.float64)
    assert R._empty(shape, np.float64) is not a  # held by a name
    view = a[:, :3]
    del a
    assert R._empty(shape, np.float64) is not view.base  # held by a view
    t = ta.from_numpy(view.base)
    ident = id(t._array)
    del view
    assert id(R._empty(shape, np.float64)) != ident  # held by a Tensor
    del t
    again = R._empty(shape, np.float64)
    assert id(again) == ident  # free again: reused
    assert R._empty(shape, np.float32).dtype == np.float32
    big = R._empty((R._SPARE_ARRAY_BYTES // 8 + 1,), np.float64)
    assert not any(big is s for s in R._SPARE)  # too big to keep
    assert sum(s.nbytes for s in R._SPARE) <= R._SPARE_BYTES


def test_an_lstm_output_kept_across_training_steps_is_never_overwritten():
    """The layer's arrays come back to later steps once free: outputs, states and
    gradients the caller still holds must keep their values."""
    ta.manual_seed(3)
    m = nn.LSTM(3, 4, dtype=np.float64)
    x = ta.randn(6, 2, 3, dtype=np.float64)
    out1, (h1, c1) = m(x)
    out1.sum().backward()
    kept = out1.numpy().copy(), h1.numpy().copy(), c1.numpy().copy()
    grad = m.weight_hh_l0.grad.numpy().copy()
    for _ in range(3):
        m.zero_grad()
        with ta.no_grad():
            m.weight_hh_l0 -= 0.1
        out, _ = m(ta.randn(6, 2, 3, dtype=np.float64))
        (out * 2).sum().backward()
    for a, e in zip((out1, h1, c1), kept):
        np.testing.assert_array_equal(a.numpy(), e)
    m.zero_grad()
    with ta.no_grad():
        m.weight_hh_l0 += 0.3
    m(x)[0].sum().backward()
    np.testing.assert_allclose(m.weight_hh_l0.grad.numpy(), grad, rtol=1e-12)


def test_padded_lstm_output_changed_in_place_refuses_backward():
    # the fast path's caches read the states back from the output: an in-place change of
    # the output must be an error, as in torch, never a silent wrong gradient
    m = nn.LSTM(2, 3, dtype=np.float64)
    out, _ = m(ta.randn(4, 2, 2, dtype=np.float64))
    out.mul_(2)
    with pytest.raises(RuntimeError, match="in-place|inplace|modified"):
        out.sum().backward()


def test_gradcheck_through_a_two_layer_bidirectional_lstm():
    m = nn.LSTM(2, 2, num_layers=2, bidirectional=True)
    x = ta.randn(3, 2, 2, requires_grad=True)
    assert ta.gradcheck(lambda x: m(x)[0], (x,))
    assert ta.gradcheck(lambda x: m(x)[1][1], (x,))


def test_dropout_only_between_layers_and_only_in_training():
    m = nn.GRU(4, 3, num_layers=2, dropout=0.5)
    x = ta.randn(5, 2, 4)
    m.eval()
    np.testing.assert_array_equal(m(x)[0].numpy(), m(x)[0].numpy())
    m.train()
    assert not np.array_equal(m(x)[0].numpy(), m(x)[0].numpy())
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(4, 3, dropout=0.5)
    with pytest.raises(ValueError, match="range"):
        nn.LSTM(4, 3, dropout=1.5)


def test_errors_are_torchs():
    lstm = nn.LSTM(4, 3)
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(ta.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(ta.randn(5, 2, 5))
    with pytest.raises(RuntimeError, match="Expected hidden\\[0\\] size \\(1, 2, 3\\)"):
        lstm(ta.randn(5, 2, 4), (ta.randn(1, 3, 3), ta.randn(1, 2, 3)))
    with pytest.raises(RuntimeError, match="should also be 2-D"):
        nn.GRU(4, 3)(ta.randn(5, 4), ta.randn(1, 2, 3))
    with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
        nn.GRU(4, 3)(ta.randn(0, 2, 4))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(4, 3, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match="type"):
        nn.RNN(4, 3)(ta.randn(5, 2, 4, dtype=np.float32))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        nn.GRUCell(4, 3)(ta.randn(2, 2, 4))
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 4"):
        nn.LSTMCell(4, 3)(ta.randn(2, 5))
    with pytest.raises(RuntimeError, match="doesn't match hidden0 batch size 3"):
        nn.LSTMCell(4, 3)(ta.randn(2, 4), (ta.randn(3, 3), ta.randn(3, 3)))


def test_empty_batch_runs_as_torch():
    out, h = nn.GRU(4, 3)(ta.randn(3, 0, 4))
    assert out.shape == (3, 0, 3) and h.shape == (1, 0, 3)


def test_float32_layers_stay_float32_and_train():
    ta.set_default_dtype(np.float32)
    m = nn.LSTM(4, 8, batch_first=True)
    head = nn.Linear(8, 1)
    opt = ta.optim.Adam([*m.parameters(), *head.parameters()], lr=0.05)
    x = ta.randn(16, 6, 4)
    target = x.sum(dim=(1, 2)).reshape(16, 1) / 6
    losses = []
    for _ in range(60):
        out, _ = m(x)
        loss = ((head(out[:, -1]) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert out.dtype == np.float32 and losses[-1] < 0.2 * losses[0]


def test_the_numpy_benchmark_lstm_matches_torch_gradients():
    torch = pytest.importorskip("torch")
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "numpy_lstm.py"
    spec = importlib.util.spec_from_file_location("numpy_lstm", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(5)
    lstm = torch.nn.LSTM(4, 3).double()
    x = rng.standard_normal((6, 2, 4))
    g = rng.standard_normal((6, 2, 3))
    params = [p.detach().numpy().copy() for p in lstm.parameters()]
    out, grads = mod.lstm_step(x, g, *params)
    tx = torch.tensor(x, requires_grad=True)
    tout, _ = lstm(tx)
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out, tout.detach().numpy(), atol=1e-12)
    for ours, p in zip(grads, [tx, *lstm.parameters()]):
        np.testing.assert_allclose(ours, p.grad.numpy(), atol=1e-12)


# --- LSTM with projections (proj_size) --------------------------------------------------------

PROJ_OPTIONS = [{}, {"bidirectional": True}, {"num_layers": 2}, {"batch_first": True},
                {"num_layers": 2, "bidirectional": True, "batch_first": True},
                {"num_layers": 2, "bias": False}]


def _proj_pair(torch, **kw):
    """torch's LSTM(4, 5, proj_size=3) and ours, ours loaded strictly from torch's."""
    theirs = torch.nn.LSTM(4, 5, proj_size=3, dtype=torch.float64, **kw)
    ours = nn.LSTM(4, 5, proj_size=3, **kw)
    ours.load_state_dict({k: ta.tensor(v.detach().numpy().copy()) for k, v in
                          theirs.state_dict().items()}, strict=True)
    return ours, theirs


@pytest.mark.parametrize("opt", PROJ_OPTIONS)
@pytest.mark.parametrize("with_hx", [False, True])
def test_lstm_proj_size_matches_torch_outputs_and_gradients(opt, with_hx):
    torch = pytest.importorskip("torch")
    ours, theirs = _proj_pair(torch, **opt)
    rng = np.random.default_rng(5)
    d, layers = 1 + opt.get("bidirectional", False), opt.get("num_layers", 1)
    x, tx = _leaf(torch, rng.standard_normal((2, 6, 4) if opt.get("batch_first") else (6, 2, 4)))
    args, targs = [x], [tx]
    if with_hx:  # h0 has proj_size numbers, c0 hidden_size
        states = [_leaf(torch, rng.standard_normal((d * layers, 2, n))) for n in (3, 5)]
        args.append(tuple(s[0] for s in states))
        targs.append(tuple(s[1] for s in states))
    out, tout = _flat(ours(*args)), _flat(theirs(*targs))
    t, b = (2, 6) if opt.get("batch_first") else (6, 2)
    assert [o.shape for o in out] == [(t, b, 3 * d), (d * layers, 2, 3), (d * layers, 2, 5)]
    for o, to in zip(out, tout):
        assert o.shape == tuple(to.shape)
        _close(o, to)
    _backward_both(out, tout, rng)
    _close(x.grad, tx.grad)
    for s in states if with_hx else []:
        _close(s[0].grad, s[1].grad)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.shape == tuple(tp.shape), k
        _close(p.grad, tp.grad)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_proj_size_packed_and_unbatched_match_torch(bidirectional):
    torch = pytest.importorskip("torch")
    ours, theirs = _proj_pair(torch, num_layers=2, bidirectional=bidirectional)
    rng = np.random.default_rng(6)
    x, tx = _leaf(torch, rng.standard_normal((5, 3, 4)))
    lengths = [2, 5, 3]
    p = pack_padded_sequence(x, lengths, enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    (po, (h, c)), (tpo, (th, tc)) = ours(p), theirs(tp)
    outs = [pad_packed_sequence(po)[0], h, c]
    touts = [torch.nn.utils.rnn.pad_packed_sequence(tpo)[0], th, tc]
    for o, t in zip(outs, touts):
        _close(o, t)
    _backward_both(outs, touts, rng)
    _close(x.grad, tx.grad)
    for q, tq in zip(ours.parameters(), theirs.parameters()):
        _close(q.grad, tq.grad)
    x1 = rng.standard_normal((4, 4))  # unbatched (T, I)
    for o, t in zip(_flat(ours(ta.tensor(x1))), _flat(theirs(torch.tensor(x1)))):
        assert o.shape == tuple(t.shape)
        _close(o, t)


def test_lstm_proj_size_parameters_repr_and_hidden_checks_are_torchs():
    torch = pytest.importorskip("torch")
    kw = dict(num_layers=2, bidirectional=True, proj_size=2)
    ours, theirs = nn.LSTM(4, 3, **kw), torch.nn.LSTM(4, 3, **kw)
    assert repr(ours) == repr(theirs)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert [[w.shape for w in ws] for ws in ours.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in theirs.all_weights]
    assert all(np.abs(p.numpy()).max() <= 1 / np.sqrt(3) for p in ours.parameters())
    x = ta.randn(5, 2, 4)
    with pytest.raises(RuntimeError, match=r"hidden\[0\] size \(4, 2, 2\), got \[4, 2, 3\]"):
        ours(x, (ta.zeros(4, 2, 3), ta.zeros(4, 2, 3)))
    with pytest.raises(RuntimeError, match=r"hidden\[1\] size \(4, 2, 3\), got \[4, 2, 2\]"):
        ours(x, (ta.zeros(4, 2, 2), ta.zeros(4, 2, 2)))


@pytest.mark.parametrize("make", [
    lambda m: m.LSTM(4, 3, proj_size=3), lambda m: m.LSTM(4, 3, proj_size=5),
    lambda m: m.LSTM(4, 3, proj_size=-1), lambda m: m.GRU(4, 3, proj_size=2),
    lambda m: m.RNN(4, 3, proj_size=0), lambda m: m.GRU(4, 3, proj_size=0)])
def test_bad_proj_size_raises_torchs_error(make):
    """proj_size >= hidden_size or < 0, and any proj_size given to RNN or GRU (even 0):
    torch's ValueError with torch's message."""
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        make(torch.nn)
    with pytest.raises(ValueError) as ours:
        make(nn)
    assert str(ours.value) == str(theirs.value)


def test_lstm_proj_size_gradgradcheck_through_the_layer():
    m = nn.LSTM(2, 3, proj_size=2, bidirectional=True)
    x = ta.randn(3, 2, 2, requires_grad=True)
    assert ta.gradcheck(lambda x: m(x)[0], (x,))
    assert ta.gradgradcheck(lambda x: m(x)[1][0], (x,))
