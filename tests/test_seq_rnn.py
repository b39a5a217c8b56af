"""The padded GRU fast path (ops.rnn._gru_scan): the step-by-step scan's outputs and
gradients, torch's nn.GRU for every option, and the engine's checks; and the sigmoid the
gates run on, against torch's."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn
from tinygrad_acts.ops import rnn as R


@pytest.fixture(autouse=True)
def float64():
    old = ta.get_default_dtype()
    ta.set_default_dtype(np.float64)
    yield
    ta.set_default_dtype(old)


def _arrays(rng, steps, batch, hid, dtype=np.float64):
    shapes = ((steps * batch, 3 * hid), (batch, hid), (3 * hid, hid), (3 * hid,),
              (steps * batch, hid))
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _compare(steps, batch, hid, reverse, bias, dtype=np.float64, tol=1e-12, seed=7):
    rng = np.random.default_rng(seed)
    gx, h0, w, b, g = _arrays(rng, steps, batch, hid, dtype)
    b = b if bias else None
    keep = gx.copy()
    sizes = (batch,) * steps
    y, caches = R._gru_scan(gx, h0, w, b, steps, reverse)
    y_ref, caches_ref = R._scan("gru", "tanh", gx, (h0,), w, b, sizes, reverse)
    assert y.shape == y_ref.shape and y.dtype == y_ref.dtype
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol * np.abs(y_ref).max())
    got = R._gru_scan_back(g, y, h0, w, caches, reverse)
    want = R._scan_back("gru", "tanh", g, caches_ref, (h0.shape,), w, sizes, reverse)
    assert got[4] is None and len(got[1]) == 1
    for name, a, e in zip(["d gx", "d h0", "d W_hh", "d b_hh"], [got[0], got[1][0], *got[2:4]],
                          [want[0], want[1][0], *want[2:4]]):
        assert a.shape == e.shape and a.dtype == e.dtype, name
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol * np.abs(e).max(), err_msg=name)
    np.testing.assert_array_equal(gx, keep)  # the input projection is not written


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("steps,batch,hid", [(5, 3, 4), (1, 2, 3), (4, 7, 9), (3, 1, 1)])
def test_padded_gru_fast_path_is_the_step_by_step_scan(reverse, bias, steps, batch, hid):
    """Feature-major, r and z activated in place by one sigmoid call, slopes taken for runs
    of steps: the same gradients as the general scan to 1e-12 (the matmuls W h and W^T dz
    instead of h W^T and dz W round differently)."""
    _compare(steps, batch, hid, reverse, bias)


def test_padded_gru_fast_path_in_float32_stays_float32():
    _compare(6, 4, 5, False, True, np.float32, tol=1e-5, seed=8)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("run", [1, 2, 3])
def test_padded_gru_slopes_taken_in_runs_of_steps(monkeypatch, reverse, run):
    monkeypatch.setattr(R, "_RUN", run * 2 * 3)
    _compare(5, 2, 3, reverse, True, seed=9)


def test_padded_gru_takes_the_fast_path(monkeypatch):
    calls = []
    real = R._gru_scan
    monkeypatch.setattr(R, "_gru_scan", lambda *a: calls.append(1) or real(*a))
    nn.GRU(3, 4, num_layers=2, bidirectional=True)(ta.randn(5, 2, 3))
    assert len(calls) == 4


OPTIONS = [{}, {"num_layers": 2}, {"bias": False}, {"batch_first": True},
           {"bidirectional": True}, {"num_layers": 3, "bidirectional": True, "bias": False},
           {"num_layers": 2, "dropout": 0.0}]


@pytest.mark.parametrize("opt", OPTIONS, ids=str)
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("steps,batch", [(6, 3), (1, 1)])
def test_gru_layer_matches_torch(opt, with_hx, steps, batch):
    torch = pytest.importorskip("torch")
    ours = nn.GRU(4, 5, **opt)
    theirs = torch.nn.GRU(4, 5, **opt).double()
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                            ours.state_dict().items()}, strict=True)
    rng = np.random.default_rng(3)
    shape = (batch, steps, 4) if opt.get("batch_first") else (steps, batch, 4)
    x = rng.standard_normal(shape)
    mine, tx = ta.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    args, targs = [mine], [tx]
    if with_hx:
        layers = opt.get("num_layers", 1) * (2 if opt.get("bidirectional") else 1)
        h = rng.standard_normal((layers, batch, 5))
        hx, thx = ta.tensor(h, requires_grad=True), torch.tensor(h, requires_grad=True)
        args.append(hx)
        targs.append(thx)
    (y, hn), (ty, thn) = ours(*args), theirs(*targs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(hn.numpy(), thn.detach().numpy(), rtol=1e-10, atol=1e-10)
    gy, gh = rng.standard_normal(y.shape), rng.standard_normal(hn.shape)
    ((y * ta.tensor(gy)).sum() + (hn * ta.tensor(gh)).sum()).backward()
    ((ty * torch.tensor(gy)).sum() + (thn * torch.tensor(gh)).sum()).backward()
    np.testing.assert_allclose(mine.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    if with_hx:
        np.testing.assert_allclose(hx.grad.numpy(), thx.grad.numpy(), rtol=1e-10, atol=1e-10)
    for (k, p), (k2, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == k2
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-10,
                                   err_msg=k)


def test_gru_fast_path_gradgradcheck_and_float32():
    gru = nn.GRU(2, 3, bidirectional=True)
    x = ta.tensor(np.random.default_rng(4).standard_normal((3, 2, 2)), requires_grad=True)
    assert ta.gradcheck(lambda v: gru(v)[0], [x])
    assert ta.gradgradcheck(lambda v: gru(v)[0], [x])
    ta.set_default_dtype(np.float32)
    gru32 = nn.GRU(2, 3)
    y, h = gru32(ta.randn(4, 2, 2))
    assert y.dtype == h.dtype == np.float32
    y.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in gru32.parameters())


@pytest.mark.parametrize("name", ["GRU", "LSTM", "RNN"])
def test_an_empty_batch_runs_as_torch(name):
    out, _ = getattr(nn, name)(4, 3)(ta.randn(3, 0, 4, requires_grad=True))
    assert out.shape == (3, 0, 3)
    out.sum().backward()


def test_padded_gru_output_changed_in_place_refuses_backward():
    y, _ = nn.GRU(2, 3)(ta.randn(4, 2, 2, requires_grad=True))
    with ta.no_grad():
        y += 1  # a view of the scan's output
    with pytest.raises(RuntimeError):
        y.sum().backward()


# --- the registry's sigmoid: torch's formula ------------------------------------------


@pytest.mark.parametrize("dtype,tol", [(np.float64, 2e-15), (np.float32, 1e-6)])
def test_sigmoid_matches_torch_everywhere(dtype, tol):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(20000) * s for s in (1, 10, 100, 1000)] + [
        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e4, -1e4, -88.7, -88.8, -104.0,
                  -745.0, -746.0, 36.0, 17.0, 1e-30, -1e-30])]).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ours = ta.tensor(x).sigmoid().numpy()
    theirs = torch.sigmoid(torch.from_numpy(x)).numpy()
    assert ours.dtype == dtype
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(ours == 0, theirs == 0)  # torch's underflow, exactly
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=0)
    assert not np.signbit(ours[~np.isnan(ours)]).any()  # no -0
    y = ta.tensor(np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype))
    y.sigmoid_()
    np.testing.assert_array_equal(y.numpy(), [0.5, 0.5, 1.0, 0.0, np.nan])
