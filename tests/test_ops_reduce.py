"""Reductions (ops/reduce.py, api/reduce.py) beyond what the op-table sweeps cover: the
API variants (dims, keepdim, negative dims, dtype=, int / bool inputs, empty and 0-d
tensors, bad arguments), exact gradients at zeros (prod, cumprod: first and second
derivatives), ties and nans (cummax, median, mode), each cross-checked against torch
(values, dtypes, gradients, raise versus raise); the ops with no gradient (count_nonzero,
indices) by value; and the doctests of api/reduce.py.
"""
import doctest

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.api.reduce as api_reduce
from tinygrad_acts.api.reduce import vector_norm
from tinygrad_acts.ops import reduce as R

NAN, INF = float("nan"), float("inf")
rng = np.random.default_rng(14)


def _lib_call(fn, lib, arrays, dtype, grad):
    import torch
    if lib is ta:
        xs = [ta.tensor(np.array(a, dtype=dtype), requires_grad=grad) for a in arrays]
    else:
        xs = [torch.tensor(np.array(a, dtype=dtype), requires_grad=grad) for a in arrays]
    try:
        return xs, fn(lib, *xs), None
    except Exception as e:  # noqa: BLE001 - compared across the libraries
        return xs, None, e


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def _name(dtype):
    return str(dtype).replace("torch.", "")


def check_vs_torch(fn, *arrays, dtype="float64", grad=None):
    """fn(lib, *tensors) on ta and torch: both raise, or the same values, dtypes, named
    tuple fields, and (for float inputs) the same gradients of a random weighting."""
    torch = pytest.importorskip("torch")
    grad = np.dtype(dtype).kind == "f" if grad is None else grad
    ours, out, err = _lib_call(fn, ta, arrays, dtype, grad)
    theirs, tout, terr = _lib_call(fn, torch, arrays, dtype, grad)
    assert (err is None) == (terr is None), f"ours: {err!r}; torch: {terr!r}"
    if err is not None:
        return
    if hasattr(tout, "_fields") or type(tout).__module__ == "torch.return_types":
        assert type(out).__name__ == type(tout).__name__
        assert out._fields == tuple(tout._fields) if hasattr(tout, "_fields") else True
    outs, touts = _outputs(out), _outputs(tout)
    assert len(outs) == len(touts)
    low = dtype == "float32" or any(o.dtype == np.float32 for o in outs)
    tol = dict(rtol=2e-6, atol=1e-6) if low else dict(rtol=1e-10, atol=1e-12)
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape) and o.dtype.name == _name(t.dtype), (o, t)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **tol)
    if not grad:
        return
    pairs = [(o, t) for o, t in zip(outs, touts) if t.requires_grad]
    if not pairs:
        return
    weights = [rng.standard_normal(t.shape) for _, t in pairs]
    total = sum((o * ta.tensor(w)).sum() for (o, _), w in zip(pairs, weights))
    ttotal = sum((t * torch.tensor(w)).sum() for (_, t), w in zip(pairs, weights))
    total.backward()
    ttotal.backward()
    for x, tx in zip(ours, theirs):
        if tx.grad is None:
            assert x.grad is None or not np.any(x.grad.numpy())
            continue
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


def check_second_vs_torch(fn, x):
    """Second derivatives (the Hessian-vector product of sum(w * fn(x))) against torch."""
    torch = pytest.importorskip("torch")
    ours = ta.tensor(np.asarray(x, float), requires_grad=True)
    theirs = torch.tensor(np.asarray(x, float), requires_grad=True)
    y, ty = fn(ta, ours), fn(torch, theirs)
    weight = rng.standard_normal(tuple(ty.shape))
    (g,) = ta.grad((y * ta.tensor(weight)).sum(), [ours], create_graph=True)
    (tg,) = torch.autograd.grad((ty * torch.tensor(weight)).sum(), [theirs], create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(np.shape(x))
    (h,) = ta.grad((g * ta.tensor(v)).sum(), [ours], allow_unused=True)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), [theirs], allow_unused=True)
    want = np.zeros(np.shape(x)) if th is None else th.numpy()
    got = np.zeros(np.shape(x)) if h is None else h.numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# --- exact gradients at zeros: prod and cumprod -------------------------------------------------

ZEROS = [
    ("one zero", [2.0, 0.0, 3.0, 5.0]),
    ("two zeros", [0.0, 2.0, 0.0, 3.0]),
    ("zero first", [0.0, 1.5, -2.0]),
    ("zero last", [1.5, -2.0, 0.0]),
    ("all zero", [0.0, 0.0, 0.0]),
    ("rows", [[1.0, 0.0, 2.0], [3.0, 4.0, 5.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]),
]
PRODS = [
    ("prod", lambda lib, x: x.prod()),
    ("prod(0)", lambda lib, x: x.prod(0)),
    ("prod(-1, keepdim)", lambda lib, x: x.prod(-1, keepdim=True)),
    ("cumprod(0)", lambda lib, x: x.cumprod(0)),
    ("cumprod(-1)", lambda lib, x: x.cumprod(-1)),
]


@pytest.mark.parametrize("name, fn", PRODS, ids=[p[0] for p in PRODS])
@pytest.mark.parametrize("case, x", ZEROS, ids=[z[0] for z in ZEROS])
def test_prod_and_cumprod_at_zeros_match_torch(name, fn, case, x):
    check_vs_torch(fn, x)


@pytest.mark.parametrize("name, fn", PRODS, ids=[p[0] for p in PRODS])
@pytest.mark.parametrize("case, x", ZEROS, ids=[z[0] for z in ZEROS])
def test_prod_and_cumprod_second_derivatives_at_zeros_match_torch(name, fn, case, x):
    check_second_vs_torch(fn, x)


def test_prod_gradient_at_one_zero_is_the_product_of_the_others():
    x = ta.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]


def test_cumprod_backward_never_divides_by_zero():
    x = ta.tensor(np.array([[0.0, 2.0, 0.0, 4.0]]), requires_grad=True)
    with np.errstate(all="raise"):
        x.cumprod(1).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_a_wrong_zero_rule_is_caught():
    """The zero checks can fail: the textbook rcumsum(g * y) / x gives nan at a zero."""
    real = R._cumprod_grad
    R._cumprod_grad = lambda g, x, y, axis: R._rcumsum(g * y, axis) / x
    try:
        with pytest.raises(AssertionError), np.errstate(all="ignore"):
            check_vs_torch(lambda lib, x: x.cumprod(0), [2.0, 0.0, 3.0])
    finally:
        R._cumprod_grad = real


# --- the API variants, each against torch ------------------------------------------------------

A34 = rng.uniform(-2, 2, (3, 4))
A234 = rng.uniform(-2, 2, (2, 3, 4))
TIES = np.array([[1.0, 2.0, 2.0, 1.0, 3.0], [2.0, 1.0, 2.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0],
                 [3.0, 3.0, 1.0, 1.0, 2.0]])
NANS = np.array([[1.0, NAN, 2.0, 0.0], [NAN, NAN, 1.0, 1.0], [NAN, NAN, NAN, NAN],
                 [0.5, -1.0, INF, -INF]])
EMPTY = np.zeros((0, 3))
I34 = np.array([[1, 0, 3, 2], [0, 0, 5, 1], [2, 2, 2, 7]])
B34 = I34 > 1

V = [
    # prod / cumsum / cumprod: dims, keepdim, dtype=, 0-d, empty
    ("prod(dim=-2)", lambda lib, x: x.prod(-2), [A234]),
    ("prod 0-d", lambda lib, x: x.prod(), [np.array(1.5)]),
    ("prod 0-d dim=0", lambda lib, x: x.prod(0), [np.array(-1.5)]),
    ("prod empty", lambda lib, x: x.prod(), [EMPTY]),
    ("prod empty dim=0", lambda lib, x: x.prod(0), [EMPTY]),
    ("prod dim out of range", lambda lib, x: x.prod(2), [A34]),
    ("prod dim tuple", lambda lib, x: x.prod((0, 1)), [A34]),
    ("prod dtype=float32", lambda lib, x: x.prod(1, dtype=lib.float32), [A34]),
    ("lib.prod", lambda lib, x: lib.prod(x, 1, True), [A34]),
    ("cumsum(dim=1)", lambda lib, x: x.cumsum(dim=1), [A234]),
    ("cumsum 0-d", lambda lib, x: x.cumsum(0), [np.array(2.5)]),
    ("cumsum 0-d dim=1", lambda lib, x: x.cumsum(1), [np.array(2.5)]),
    ("cumsum empty", lambda lib, x: x.cumsum(0), [EMPTY]),
    ("cumsum no dim", lambda lib, x: x.cumsum(), [A34]),
    ("cumsum dtype=float32", lambda lib, x: x.cumsum(0, dtype=lib.float32), [A34]),
    ("lib.cumsum", lambda lib, x: lib.cumsum(x, -1), [A34]),
    ("cumprod 0-d", lambda lib, x: x.cumprod(0), [np.array(2.5)]),
    ("lib.cumprod", lambda lib, x: lib.cumprod(x, dim=0), [A34]),
    # cummax / cummin: ties, nans, 0-d, empty
    ("cummax ties", lambda lib, x: x.cummax(1), [TIES]),
    ("cummin ties", lambda lib, x: x.cummin(-1), [TIES]),
    ("cummax nan", lambda lib, x: x.cummax(1), [NANS]),
    ("cummin nan", lambda lib, x: lib.cummin(x, 1), [NANS]),
    ("cummax dim=0", lambda lib, x: x.cummax(0), [TIES]),
    ("cummax 0-d", lambda lib, x: x.cummax(0), [np.array(2.0)]),
    ("cummax empty", lambda lib, x: x.cummax(0), [EMPTY]),
    ("cummax bad dim", lambda lib, x: x.cummax(2), [A34]),
    # logsumexp
    ("logsumexp dim=-1", lambda lib, x: x.logsumexp(-1), [A234]),
    ("logsumexp dims keepdim", lambda lib, x: x.logsumexp((0, 1), keepdim=True), [A234]),
    ("logsumexp dim list", lambda lib, x: lib.logsumexp(x, [0, 2]), [A234]),
    ("logsumexp dim=()", lambda lib, x: x.logsumexp(()), [A34]),
    ("logsumexp 0-d dim=()", lambda lib, x: x.logsumexp(()), [np.array(1.5)]),
    ("logsumexp large", lambda lib, x: x.logsumexp(1), [A34 * 1000]),
    ("logsumexp -inf rows", lambda lib, x: x.logsumexp(1),
     [np.array([[-INF, -INF], [1.0, -INF], [INF, 1.0]])]),
    ("logsumexp nan", lambda lib, x: x.logsumexp(1), [NANS[:2]]),
    ("logsumexp 0-d", lambda lib, x: x.logsumexp(0), [np.array(0.5)]),
    ("logsumexp empty", lambda lib, x: x.logsumexp(0), [EMPTY]),
    ("logsumexp no dim", lambda lib, x: x.logsumexp(), [A34]),
    # norm / vector_norm / dist
    ("norm fro dim=(0, 1)", lambda lib, x: x.norm("fro", (0, 1)), [A234]),
    ("norm fro 3 dims", lambda lib, x: x.norm("fro", (0, 1, 2)), [A234]),
    ("norm p=2 dim=-1 keepdim", lambda lib, x: x.norm(2, -1, True), [A234]),
    ("norm p=1 dims", lambda lib, x: x.norm(1, (0, 1)), [A34]),
    ("norm p=0", lambda lib, x: x.norm(0), [np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]])]),
    ("norm p=0 dim=1", lambda lib, x: x.norm(0, 1), [np.array([[0.0, 1.0], [0.0, 0.0]])]),
    ("norm p=inf ties", lambda lib, x: x.norm(INF, 1), [np.array([[1.0, -2.0, 2.0]])]),
    ("norm p=-inf", lambda lib, x: x.norm(-INF), [A34]),
    ("norm p=3 dim=0", lambda lib, x: x.norm(3, 0), [A34]),
    ("norm p=0.5", lambda lib, x: x.norm(0.5, 1), [np.array([[1.0, 0.0, -2.0]])]),
    ("norm at 0", lambda lib, x: x.norm(), [np.zeros((2, 2))]),
    ("norm p=1 at 0", lambda lib, x: x.norm(1), [np.zeros(3)]),
    ("norm p=3 at 0", lambda lib, x: x.norm(3), [np.zeros(3)]),
    ("norm p=1.5 at 0", lambda lib, x: x.norm(1.5), [np.array([0.0, 1.0])]),
    ("norm rows at 0", lambda lib, x: x.norm(dim=1), [np.array([[0.0, 0.0], [3.0, 4.0]])]),
    ("norm 0-d", lambda lib, x: x.norm(), [np.array(-2.0)]),
    ("norm 0-d dim=0", lambda lib, x: x.norm(dim=0), [np.array(-2.0)]),
    ("norm empty", lambda lib, x: x.norm(), [EMPTY]),
    ("norm inf empty", lambda lib, x: x.norm(INF), [EMPTY]),
    ("norm inf empty dim", lambda lib, x: x.norm(INF, 1), [EMPTY]),
    ("norm inf nonempty dim of empty", lambda lib, x: x.norm(INF, 0), [EMPTY]),
    ("norm nuc unsupported", lambda lib, x: x.norm("abc"), [A34]),
    ("norm dtype", lambda lib, x: x.norm(dtype=lib.float32), [A34]),
    ("lib.norm", lambda lib, x: lib.norm(x, 1), [A34]),
    ("vector_norm", lambda lib, x: lib.linalg.vector_norm(x) if lib is not ta else
     vector_norm(x), [A234]),
    ("vector_norm ord=inf dim", lambda lib, x: lib.linalg.vector_norm(x, INF, (0, 2))
     if lib is not ta else vector_norm(x, INF, (0, 2)), [A234]),
    ("vector_norm ord=-1 keepdim", lambda lib, x: lib.linalg.vector_norm(x, -1, 1, True)
     if lib is not ta else vector_norm(x, -1, 1, True), [A34]),
    ("dist broadcast", lambda lib, x, y: x.dist(y), [A34, A34[:1]]),
    ("dist p=inf", lambda lib, x, y: x.dist(y, INF), [A34, A34[::-1]]),
    ("dist p=0", lambda lib, x, y: lib.dist(x, y, 0).detach(), [A34, A34.round()]),
    ("dist same", lambda lib, x, y: x.dist(y), [A34, A34]),
    ("dist bad shapes", lambda lib, x, y: x.dist(y), [A34, A234[:, :2]]),
    # var_mean / std_mean / var / std with correction
    ("var_mean", lambda lib, x: lib.var_mean(x), [A34]),
    ("var_mean dim keepdim", lambda lib, x: lib.var_mean(x, 1, keepdim=True), [A234]),
    ("var_mean correction=0", lambda lib, x: lib.var_mean(x, (0, 2), correction=0), [A234]),
    ("var_mean correction=0.5", lambda lib, x: lib.var_mean(x, 0, correction=0.5), [A34]),
    ("var_mean unbiased=False", lambda lib, x: lib.var_mean(x, 1, unbiased=False), [A34]),
    ("var_mean(x, False)", lambda lib, x: lib.var_mean(x, False), [A34]),
    ("std_mean", lambda lib, x: lib.std_mean(x, -1), [A234]),
    ("std_mean correction=2", lambda lib, x: lib.std_mean(x, correction=2), [A34]),
    ("var correction=1.5", lambda lib, x: x.var(1, correction=1.5), [A34]),
    ("std dim tuple unbiased=False", lambda lib, x: x.std((0, 2), unbiased=False), [A234]),
    ("var keepdim kw", lambda lib, x: x.var(0, keepdim=True, correction=0), [A34]),
    # median / nanmedian / mode: ties (which index), nans, 0-d, empty
    ("median", lambda lib, x: x.median(), [A34]),
    ("median even count", lambda lib, x: x.median(), [A34[:2, :2]]),
    ("median ties", lambda lib, x: x.median(), [TIES]),
    ("median dim ties", lambda lib, x: x.median(1), [TIES]),
    ("median dim=0 keepdim", lambda lib, x: x.median(0, keepdim=True), [TIES]),
    ("median nan", lambda lib, x: x.median(), [NANS[:1]]),
    ("median dim nan", lambda lib, x: x.median(1), [NANS]),
    ("median 0-d", lambda lib, x: x.median(), [np.array(3.0)]),
    ("median 0-d dim", lambda lib, x: x.median(0), [np.array(3.0)]),
    ("median empty", lambda lib, x: x.median(), [EMPTY]),
    ("median empty dim", lambda lib, x: x.median(0), [EMPTY]),
    ("median nonempty dim of empty", lambda lib, x: x.median(1), [EMPTY]),
    ("lib.median", lambda lib, x: lib.median(x, -1), [A234]),
    ("nanmedian", lambda lib, x: x.nanmedian(), [NANS]),
    ("nanmedian dim", lambda lib, x: x.nanmedian(1), [NANS[[0, 1, 3]]]),
    ("nanmedian dim all nan", lambda lib, x: x.nanmedian(1).values.detach(), [NANS]),
    ("nanmedian all nan", lambda lib, x: x.nanmedian(), [NANS[2:3]]),
    ("nanmedian ties", lambda lib, x: x.nanmedian(1), [TIES]),
    ("mode", lambda lib, x: x.mode(), [TIES]),
    ("mode dim=0 keepdim", lambda lib, x: x.mode(0, True), [TIES]),
    ("mode distinct", lambda lib, x: lib.mode(x, 1), [A34]),
    ("mode 0-d", lambda lib, x: x.mode(), [np.array(1.0)]),
    ("mode empty", lambda lib, x: x.mode(0), [EMPTY]),
    # nansum / nanmean
    ("nansum", lambda lib, x: x.nansum(), [NANS[:2]]),
    ("nansum dim keepdim", lambda lib, x: x.nansum(1, keepdim=True), [NANS[:2]]),
    ("nansum dims", lambda lib, x: lib.nansum(x, (0, 1)), [A234]),
    ("nanmean", lambda lib, x: x.nanmean(), [NANS[:2]]),
    ("nanmean dim", lambda lib, x: x.nanmean(1), [NANS[:3]]),
    ("nanmean dim=0 keepdim", lambda lib, x: x.nanmean(0, True), [NANS[:2]]),
    ("nanmean empty", lambda lib, x: x.nanmean(), [EMPTY]),
    # aminmax
    ("aminmax", lambda lib, x: x.aminmax(), [A34]),
    ("aminmax dim keepdim", lambda lib, x: lib.aminmax(x, dim=-1, keepdim=True), [TIES]),
    ("aminmax ties", lambda lib, x: x.aminmax(dim=0), [TIES]),
    ("aminmax keepdim", lambda lib, x: x.aminmax(keepdim=True), [A34]),
    ("aminmax empty", lambda lib, x: x.aminmax(), [EMPTY]),
    ("aminmax empty dim", lambda lib, x: x.aminmax(dim=0), [EMPTY]),
    ("aminmax nonempty dim of empty", lambda lib, x: x.aminmax(dim=1), [EMPTY]),
    # module-level functions
    ("lib.sum", lambda lib, x: lib.sum(x, (0, 1), keepdim=True), [A234]),
    ("lib.mean", lambda lib, x: lib.mean(x, -1), [A234]),
    ("lib.max", lambda lib, x: lib.max(x), [A34]),
    ("lib.max dim", lambda lib, x: lib.max(x, 1), [A34]),
    ("lib.max other", lambda lib, x, y: lib.max(x, y), [A34, A34[::-1]]),
    ("lib.min dim keepdim", lambda lib, x: lib.min(x, 0, keepdim=True), [A34]),
    ("lib.amax", lambda lib, x: lib.amax(x, (0, 2)), [A234]),
    ("lib.amin", lambda lib, x: lib.amin(x, 1), [A234]),
    ("lib.argmax", lambda lib, x: lib.argmax(x, 1), [A34]),
    ("lib.argmin", lambda lib, x: lib.argmin(x), [A34]),
    ("lib.std", lambda lib, x: lib.std(x, 1), [A34]),
    ("lib.var", lambda lib, x: lib.var(x, dim=(0, 1), correction=0), [A234]),
    ("lib.all", lambda lib, x: lib.all(x > 0, 1), [A34]),
    ("lib.any", lambda lib, x: lib.any(x > 1), [A34]),
    ("lib.sum not a tensor", lambda lib, x: lib.sum([1.0, 2.0]), [A34]),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, fn, arrays", V, ids=[v[0] for v in V])
def test_api_variant_matches_torch(name, fn, arrays):
    check_vs_torch(fn, *arrays)


# int and bool inputs: torch's result dtypes (int64 sums and products, float logsumexp, ...)
# or its refusals (norms, nanmean, median of bool ...)
INTEGRAL = [
    ("prod", lambda lib, x: x.prod()),
    ("prod dim", lambda lib, x: x.prod(1)),
    ("prod dtype", lambda lib, x: x.prod(1, dtype=lib.float64)),
    ("cumsum", lambda lib, x: x.cumsum(1)),
    ("cumsum dtype", lambda lib, x: x.cumsum(0, dtype=lib.float32)),
    ("cumprod", lambda lib, x: x.cumprod(0)),
    ("cummax", lambda lib, x: x.cummax(1)),
    ("cummin", lambda lib, x: x.cummin(0)),
    ("logsumexp", lambda lib, x: x.logsumexp(1)),
    ("norm", lambda lib, x: x.norm()),
    ("norm dtype", lambda lib, x: x.norm(dtype=lib.float64)),
    ("dist", lambda lib, x: x.dist(x)),
    ("median", lambda lib, x: x.median()),
    ("median dim", lambda lib, x: x.median(1)),
    ("nanmedian", lambda lib, x: x.nanmedian(0)),
    ("mode", lambda lib, x: x.mode()),
    ("nansum", lambda lib, x: x.nansum(1)),
    ("nanmean", lambda lib, x: x.nanmean()),
    ("count_nonzero", lambda lib, x: x.count_nonzero()),
    ("count_nonzero dims", lambda lib, x: x.count_nonzero((0, 1))),
    ("count_nonzero dim", lambda lib, x: lib.count_nonzero(x, dim=-1)),
    ("aminmax", lambda lib, x: x.aminmax()),
    ("aminmax dim", lambda lib, x: x.aminmax(dim=1)),
    ("var_mean", lambda lib, x: lib.var_mean(x)),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype, data", [("int64", I34), ("int32", I34), ("bool", B34)])
@pytest.mark.parametrize("name, fn", INTEGRAL, ids=[i[0] for i in INTEGRAL])
def test_int_and_bool_inputs_match_torch(name, fn, dtype, data):
    check_vs_torch(fn, data, dtype=dtype)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn", INTEGRAL, ids=[i[0] for i in INTEGRAL])
def test_float_dtypes_are_kept_as_torch(name, fn, dtype):
    check_vs_torch(fn, A34, dtype=dtype)


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(30))
def test_median_mode_cummax_indices_at_random_ties_match_torch(seed):
    """Which index wins a tie: torch's (median: the stable sort's middle; mode: the last
    occurrence of the smallest most frequent value; cummax: the later one)."""
    g = np.random.default_rng(seed)
    x = g.integers(0, 3, (4, int(g.integers(1, 7)))).astype(float)
    if seed % 3 == 0:
        x[g.random(x.shape) < 0.2] = NAN
    for fn in (lambda lib, t: t.median(1), lambda lib, t: t.nanmedian(1),
               lambda lib, t: t.median(0), lambda lib, t: t.cummax(1),
               lambda lib, t: t.cummin(0), lambda lib, t: t.median(),
               lambda lib, t: t.nanmedian()):
        check_vs_torch(fn, x)
    if seed % 3:  # torch's mode with nans follows its sort's nan order: not mirrored
        check_vs_torch(lambda lib, t: t.mode(1), x)
        check_vs_torch(lambda lib, t: t.mode(0), x)


# --- no gradient, no torch needed ---------------------------------------------------------------


@pytest.mark.torch
def test_median_of_an_empty_integer_tensor_matches_torch():
    check_vs_torch(lambda lib, x: x.median(), np.zeros(0, np.int64), dtype="int64")


def test_count_nonzero_is_int64_without_gradient():
    x = ta.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]], requires_grad=True)
    n = x.count_nonzero(1)
    assert n.tolist() == [2, 1] and n.dtype == np.int64 and not n.requires_grad
    assert ta.count_nonzero(x).item() == 3


def test_indices_carry_no_gradient_and_values_scatter_to_them():
    x = ta.tensor([[3.0, 1.0, 3.0, 0.0]], requires_grad=True)
    values, indices = x.cummax(1)
    assert indices.tolist() == [[0, 0, 2, 2]] and not indices.requires_grad
    values.sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0, 2.0, 0.0]]


def test_global_median_shares_the_gradient_among_ties():
    x = ta.tensor([1.0, 2.0, 2.0, 5.0, 0.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0, 0.0]


def test_logsumexp_is_stable_and_needs_a_dim():
    x = ta.tensor([1e4, 1e4], requires_grad=True, dtype=ta.float64)
    y = x.logsumexp(0)
    np.testing.assert_allclose(y.item(), 1e4 + np.log(2), rtol=1e-6)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])
    with pytest.raises(TypeError):
        x.logsumexp()


def test_norm_subgradient_at_zero_is_zero():
    for p in (1, 2, 3, 0.5, INF):
        x = ta.tensor([0.0, 0.0], requires_grad=True)
        x.norm(p).backward()
        assert x.grad.tolist() == [0.0, 0.0], p


def test_the_reductions_are_tensor_methods_and_module_functions():
    for name in ("prod", "cumsum", "cumprod", "cummax", "cummin", "logsumexp", "norm",
                 "dist", "median", "nanmedian", "mode", "nansum", "nanmean",
                 "aminmax"):
        assert getattr(ta.Tensor, name) is getattr(ta, name), name
    # (the method takes several dims positionally, x.count_nonzero(0, 1), as torch's does)
    assert ta.Tensor.count_nonzero is not ta.count_nonzero
    for name in ("sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "std",
                 "var", "all", "any", "var_mean", "std_mean"):
        assert callable(getattr(ta, name)), name


def test_doctests_of_the_reductions_pass():
    result = doctest.testmod(api_reduce, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20 and result.failed == 0
