"""The composed torch functions (tinygrad_acts/composites.py) against torch itself: values,
result dtypes and shapes on random inputs, gradients where torch differentiates (from the
same random projection of the output), the in-place forms, and the errors torch raises.

The tables below are the tests: a row is (id, function of the library module and the
tensors, input maker, differentiable). Each function is written once and run on both
libraries (``m`` is ``torch`` or ``tinygrad_acts``).
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


# --- running one function on both libraries -----------------------------------------------

def _tensors(lib, arrays, grad):
    return [lib.tensor(a, requires_grad=bool(grad and a.dtype.kind == "f")) for a in arrays]


def _dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "")


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def _assert_same(ours, theirs, rtol, atol):
    for o, t in zip(_outputs(ours), _outputs(theirs), strict=True):
        assert isinstance(o, ta.Tensor)
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        assert _dtype_name(o) == _dtype_name(t), (o.dtype, t.dtype)
        np.testing.assert_allclose(o.numpy().astype(np.float64),
                                   t.detach().numpy().astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)


def check(fn, arrays, grad=True, rtol=None, atol=None):
    """fn on both libraries: same values, shape and dtype; with ``grad``, the same
    gradients of a random projection of the output for every float input."""
    low = any(a.dtype == np.float32 for a in arrays)
    rtol = rtol if rtol is not None else (2e-5 if low else 1e-9)
    atol = atol if atol is not None else (1e-5 if low else 1e-10)
    ours_in, theirs_in = _tensors(ta, arrays, grad), _tensors(torch, arrays, grad)
    ours, theirs = fn(ta, *ours_in), fn(torch, *theirs_in)
    _assert_same(ours, theirs, rtol, atol)
    if not grad:
        for o in _outputs(ours):
            assert not o.requires_grad
        return
    o, t = _outputs(ours)[0], _outputs(theirs)[0]
    assert o.requires_grad == t.requires_grad
    if not t.requires_grad:
        return
    weight = np.random.default_rng(7).standard_normal(t.shape).astype(_dtype_name(t))
    o.backward(ta.tensor(weight))
    t.backward(torch.tensor(weight))
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy()), f"input {i}: torch has none"
            continue
        assert a.grad is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(force=True), rtol=rtol * 10,
                                   atol=atol * 10, err_msg=f"gradient of input {i}")


# --- input makers ----------------------------------------------------------------------------

def normal(*shapes, scale=1.0, shift=0.0):
    return lambda rng, dt: [(rng.standard_normal(s) * scale + shift).astype(dt) for s in shapes]


def uniform(lo, hi, *shapes):
    return lambda rng, dt: [rng.uniform(lo, hi, s).astype(dt) for s in shapes]


def away_from_zero(*shapes):
    def make(rng, dt):
        return [(rng.uniform(0.5, 2.0, s) * rng.choice([-1, 1], s)).astype(dt) for s in shapes]
    return make


def with_zeros(rng, dt):
    x = rng.standard_normal((3, 4)).astype(dt)
    x[0, :2] = 0
    return [x, rng.standard_normal(4).astype(dt)]


def signed_zeros(rng, dt):
    x, y = rng.standard_normal((2, 5)).astype(dt), rng.standard_normal(5).astype(dt)
    y[0], y[1], x[1, 3] = -0.0, 0.0, 0.0
    return [x, y]


def gamma_inputs(rng, dt):
    return [np.concatenate([rng.uniform(0.1, 12, 8), -rng.uniform(0.1, 0.9, 3) - 2,
                            [1.0, 2.0, 0.5]]).astype(dt)]


def nan_rows(rng, dt):
    x = rng.standard_normal((3, 6)).astype(dt)
    x[0, 2], x[2, :] = np.nan, np.nan
    return [x]


def with_q(q):
    return lambda rng, dt: [rng.standard_normal((4, 7)).astype(dt), np.asarray(q, dt)]


def weighted_cov(rng, dt):
    return [rng.standard_normal((3, 6)).astype(dt), rng.integers(1, 4, 6),
            rng.uniform(0.1, 2, 6).astype(dt)]


def int_index(n, high):
    return lambda rng, dt: [rng.standard_normal((5, 3)).astype(dt), rng.integers(0, high, n)]


# --- differentiable functions: values, dtypes and gradients -----------------------------------

GRAD_CASES = [
    ("addcmul", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5), normal((3, 4), (4,), (3, 1))),
    ("addcmul_method", lambda m, x, y, z: x.addcmul(y, z), normal((3, 4), (3, 4), (4,))),
    ("addcdiv", lambda m, x, y, z: m.addcdiv(x, y, z, value=-2),
     lambda rng, dt: normal((2, 3), (2, 3))(rng, dt) + away_from_zero((3,))(rng, dt)),
    ("copysign", lambda m, x, y: m.copysign(x, y), signed_zeros),
    ("copysign_number", lambda m, x: m.copysign(x, -1.5), normal((4,))),
    ("sgn", lambda m, x, y: m.sgn(x) * y, with_zeros),
    ("logit", lambda m, x: m.logit(x), uniform(0.05, 0.95, (3, 4))),
    ("logit_eps", lambda m, x: x.logit(eps=0.2), uniform(0.01, 0.99, (20,))),
    ("float_power", lambda m, x: m.float_power(x, 1.7), uniform(0.5, 2.0, (5,))),
    ("float_power_tensor", lambda m, x, y: x.float_power(y), uniform(0.5, 2.0, (2, 3), (3,))),
    ("positive", lambda m, x: m.positive(x) * 2, normal((3,))),
    ("multiply", lambda m, x, y: m.multiply(x, y), normal((2, 3), (3,))),
    ("subtract", lambda m, x, y: x.subtract(y, alpha=2), normal((2, 3), (3,))),
    ("lgamma", lambda m, x: m.lgamma(x), gamma_inputs),
    ("digamma", lambda m, x: x.digamma(), gamma_inputs),
    ("erfinv", lambda m, x: m.erfinv(x), uniform(-0.95, 0.95, (12,))),
    ("diff", lambda m, x: m.diff(x), normal((3, 5))),
    ("diff_n2_dim0_ends", lambda m, x, p, a: m.diff(x, n=2, dim=0, prepend=p, append=a),
     normal((3, 4), (1, 4), (2, 4))),
    ("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), normal((3, 9), scale=40)),
    ("logcumsumexp_dim0", lambda m, x: x.logcumsumexp(0), normal((5, 2))),
    ("quantile", lambda m, x: m.quantile(x, 0.3), normal((4, 7))),
    ("quantile_dim_keepdim", lambda m, x, q: m.quantile(x, q, dim=1, keepdim=True),
     with_q([0.0, 0.25, 0.9, 1.0])),
    ("quantile_dim0", lambda m, x, q: x.quantile(q, 0), with_q(0.6)),
    ("quantile_all_keepdim", lambda m, x, q: m.quantile(x, q, keepdim=True),
     with_q([0.5, 0.1])),
    *[(f"quantile_{how}", lambda m, x, q, how=how: m.quantile(x, q, dim=-1,
                                                             interpolation=how),
       with_q([0.1, 0.5, 0.77])) for how in ("lower", "higher", "midpoint", "nearest")],
    ("nanquantile", lambda m, x: m.nanquantile(x, 0.4, dim=1), nan_rows),
    ("quantile_nan_rows", lambda m, x: m.quantile(x, 0.4, dim=1), nan_rows),
    ("trapezoid", lambda m, y: m.trapezoid(y), normal((3, 5))),
    ("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.5, dim=0), normal((3, 5))),
    ("trapezoid_x", lambda m, y, x: m.trapezoid(y, x), normal((3, 5), (5,))),
    ("trapezoid_x_2d", lambda m, y, x: m.trapezoid(y, x, dim=0), normal((3, 5), (3, 5))),
    ("trapz", lambda m, y, x: m.trapz(y, x), normal((4,), (4,))),
    ("cumulative_trapezoid", lambda m, y: m.cumulative_trapezoid(y), normal((3, 5))),
    ("cumulative_trapezoid_x", lambda m, y, x: m.cumulative_trapezoid(y, x, dim=0),
     normal((4, 2), (4,))),
    ("cumulative_trapezoid_dx", lambda m, y: m.cumulative_trapezoid(y, dx=2.0), normal((6,))),
    ("renorm", lambda m, x: m.renorm(x, 2, 0, 1.0), normal((4, 3), scale=2)),
    ("renorm_p1_dim1", lambda m, x: x.renorm(1, 1, 2.5), normal((3, 4, 2))),
    ("cov", lambda m, x: m.cov(x), normal((3, 6))),
    ("cov_1d_correction0", lambda m, x: m.cov(x, correction=0), normal((7,))),
    ("cov_weights", lambda m, x, f, a: m.cov(x, fweights=f, aweights=a), weighted_cov),
    ("corrcoef", lambda m, x: x.corrcoef(), normal((3, 8))),
    ("cdist", lambda m, a, b: m.cdist(a, b), normal((2, 5, 3), (2, 4, 3))),
    ("cdist_broadcast_p1", lambda m, a, b: m.cdist(a, b, p=1), normal((2, 3, 3), (1, 4, 3))),
    ("cdist_p3", lambda m, a, b: m.cdist(a, b, p=3.0), normal((5, 2), (4, 2))),
    ("cdist_inf", lambda m, a, b: m.cdist(a, b, p=float("inf")), normal((5, 2), (3, 2))),
    ("cdist_p0", lambda m, a, b: m.cdist(a, b, p=0), normal((3, 2), (3, 2))),
    ("cosine_similarity", lambda m, a, b: m.cosine_similarity(a, b), normal((3, 4), (3, 4))),
    ("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), normal((3,), (2,))),
    ("combinations", lambda m, x: m.combinations(x, 3), normal((5,))),
    ("combinations_replacement", lambda m, x: m.combinations(x, with_replacement=True),
     normal((4,))),
    ("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), normal((), (3,), (2, 2))),
    ("select", lambda m, x: m.select(x, 1, -2), normal((3, 4, 2))),
    ("ravel", lambda m, x: m.ravel(x.transpose(0, 1)), normal((3, 4))),
    ("unfold", lambda m, x: x.unfold(1, 3, 1), normal((2, 6, 3))),
    ("unfold_step", lambda m, x: x.unfold(0, 2, 3), normal((8,))),
    ("where_method", lambda m, x, y: x.where(x > 0, y), normal((3, 4), (4,))),
    ("take_along_dim", lambda m, x, i: x.take_along_dim(i.argsort(dim=1), dim=1),
     normal((3, 4), (3, 4))),
    ("index_put", lambda m, x, i: m.index_put(x, (i,), x[:2] * 3), int_index(2, 5)),
    ("index_put_accumulate", lambda m, x, i: x.index_put((i,), x[0] * 2, accumulate=True),
     int_index(7, 5)),
    ("index_put_two_indices", lambda m, x, i: x.index_put((i, i % 3), x[0, 0] + 1,
                                                          accumulate=True), int_index(6, 5)),
    ("index_put_mask", lambda m, x, i: x.index_put((x > 0,), x[0, 0] * 1, accumulate=True),
     int_index(1, 5)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,make", [c for c in GRAD_CASES],
                         ids=[c[0] for c in GRAD_CASES])
def test_matches_torch_with_gradients(name, fn, make, dtype):
    arrays = make(np.random.default_rng(zlib.crc32(name.encode())), dtype)
    rtol = 2e-4 if name in ("lgamma", "digamma", "erfinv") and dtype == np.float32 else None
    check(fn, arrays, rtol=rtol)


# --- integer and bool inputs: torch's result dtypes -------------------------------------------

def ints(*shapes, lo=-4, hi=5, dtype=np.int64):
    return lambda rng: [rng.integers(lo, hi, s).astype(dtype) for s in shapes]


INT_CASES = [
    ("addcmul_int", lambda m, x, y, z: m.addcmul(x, y, z, value=2), ints((3,), (3,), (3,))),
    ("addcmul_int_value_truncated", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5),
     ints((3,), (3,), (3,))),
    ("copysign_int", lambda m, x, y: m.copysign(x, y), ints((5,), (5,))),
    ("sgn_int", lambda m, x: m.sgn(x), ints((6,))),
    ("signbit_int", lambda m, x: m.signbit(x), ints((6,))),
    ("logit_int", lambda m, x: m.logit(x), ints((4,), lo=0, hi=2)),
    ("float_power_int", lambda m, x: m.float_power(x, 2), ints((4,))),
    ("lgamma_int", lambda m, x: m.lgamma(x), ints((4,), lo=1, hi=9)),
    ("diff_int_prepend_float", lambda m, x: m.diff(x, prepend=x[:1].double()), ints((5,))),
    ("diff_bool", lambda m, x: m.diff(x > 0), ints((6,))),
    ("diff_n_too_big", lambda m, x: m.diff(x, n=7), ints((3,))),
    ("trapezoid_int", lambda m, y: m.trapezoid(y), ints((5,))),
    ("trapezoid_int_x", lambda m, y, x: m.trapezoid(y, x), ints((5,), (5,))),
    ("cumulative_trapezoid_int", lambda m, y: m.cumulative_trapezoid(y), ints((5,))),
    ("cov_int", lambda m, x: m.cov(x), ints((2, 5))),
    ("corrcoef_int", lambda m, x: m.corrcoef(x), ints((2, 5))),
    ("vander_int32", lambda m, x: m.vander(x), ints((4,), dtype=np.int32)),
    ("vander_bool", lambda m, x: m.vander(x > 0, N=3), ints((4,))),
    ("cartesian_prod_int", lambda m, a, b, c: m.cartesian_prod(a, b, c), ints((2,), (3,), (2,))),
    ("combinations_r0", lambda m, x: m.combinations(x, 0), ints((3,))),
    ("combinations_r_too_big", lambda m, x: m.combinations(x, 4), ints((3,))),
    ("block_diag_mixed", lambda m, a, b: m.block_diag(a, b.double()), ints((2, 1), (1, 3))),
    ("block_diag_empty_blocks", lambda m, a: m.block_diag(a.reshape(0, 2), a.reshape(2, 0)),
     ints((0,))),
    ("byte", lambda m, x: (x.double() * 1.5).byte(), ints((6,), lo=-300, hi=300)),
    ("char", lambda m, x: (x.double() * 1.5).char(), ints((6,), lo=-300, hi=300)),
    ("bincount", lambda m, x: m.bincount(x), ints((9,), lo=0, hi=6)),
    ("bincount_minlength", lambda m, x: x.bincount(minlength=10), ints((9,), lo=0, hi=6)),
    ("bincount_empty", lambda m, x: m.bincount(x[:0]), ints((3,), lo=0)),
    ("bincount_weights", lambda m, x, w: m.bincount(x, weights=w.float()),
     ints((9,), (9,), lo=0, hi=6)),
    ("bincount_int_weights", lambda m, x, w: m.bincount(x, weights=w),
     ints((9,), (9,), lo=0, hi=6)),
    ("histc", lambda m, x: m.histc(x.float() / 3, bins=7), ints((40,), lo=-20, hi=20)),
    ("histc_range", lambda m, x: x.double().histc(5, min=-2, max=3), ints((40,), lo=-5, hi=5)),
    ("histc_single_value", lambda m, x: m.histc(x.float() * 0 + 1, bins=4), ints((3,))),
    ("histc_empty", lambda m, x: m.histc(x[:0].float(), bins=3), ints((3,))),
    ("isin", lambda m, x, y: m.isin(x, y), ints((3, 4), (5,))),
    ("isin_invert_scalar", lambda m, x: m.isin(x, 2, invert=True), ints((6,))),
    ("isin_scalar_elements", lambda m, x: m.isin(3, x), ints((6,))),
    ("isin_mixed_dtypes", lambda m, x, y: m.isin(x.float(), y), ints((6,), (3,))),
    ("unique_consecutive", lambda m, x: m.unique_consecutive(x, return_inverse=True,
                                                             return_counts=True),
     ints((12,), lo=0, hi=3)),
    ("unique_consecutive_counts", lambda m, x: x.unique_consecutive(return_counts=True),
     ints((3, 4), lo=0, hi=2)),
    ("unique_consecutive_dim0", lambda m, x: m.unique_consecutive(
        x.repeat_interleave(2, dim=0), return_inverse=True, return_counts=True, dim=0),
     ints((3, 2), lo=0, hi=2)),
    ("unique_consecutive_dim1", lambda m, x: m.unique_consecutive(x, return_inverse=True,
                                                                  dim=1),
     ints((2, 6), lo=0, hi=2)),
    ("unique_consecutive_0d", lambda m, x: m.unique_consecutive(
        x[0], return_inverse=True, return_counts=True), ints((2,))),
    ("select_int", lambda m, x: x.select(0, 1), ints((3, 2))),
    ("ravel_int", lambda m, x: x.ravel(), ints((3, 2))),
    ("unfold_0d", lambda m, x: x[0].unfold(0, 1, 1), ints((2,))),
    ("unfold_size0", lambda m, x: x.unfold(0, 0, 1), ints((3,))),
    ("take_along_dim_flat", lambda m, x: x.take_along_dim(x.abs() % 4), ints((2, 2))),
    ("index_put_int", lambda m, x: x.index_put((x > 0,), m.tensor(9)), ints((7,))),
]


@pytest.mark.parametrize("name,fn,make", INT_CASES, ids=[c[0] for c in INT_CASES])
def test_matches_torch_on_integers(name, fn, make):
    # (results that are float32 get float32's tolerance)
    check(fn, make(np.random.default_rng(zlib.crc32(name.encode()))), grad=False, rtol=1e-6,
          atol=1e-7)


@pytest.mark.parametrize("name,fn", [
    ("tril_indices", lambda m: m.tril_indices(4, 3)),
    ("tril_indices_offset", lambda m: m.tril_indices(3, 5, -1, dtype=m.int32)),
    ("tril_indices_empty", lambda m: m.tril_indices(3, 2, -5)),
    ("triu_indices", lambda m: m.triu_indices(4, 3)),
    ("triu_indices_offset", lambda m: m.triu_indices(3, 5, 2)),
    ("triu_indices_zero_rows", lambda m: m.triu_indices(0, 3)),
    ("block_diag_no_args", lambda m: m.block_diag()),
])
def test_factories_match_torch(name, fn):
    check(lambda m: fn(m), [], grad=False)


def test_non_differentiable_functions_return_no_grad():
    """As torch: counts, histograms, membership and run-lengths carry no gradient (torch
    marks a few of them differentiable but cannot backprop them)."""
    w = ta.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = ta.tensor([0, 1, 1])
    for out in (ta.bincount(idx, w), ta.histc(w), ta.isin(w, w), ta.signbit(w),
                ta.heaviside(w, ta.tensor(0.5)), *ta.unique_consecutive(w, return_counts=True)):
        assert not out.requires_grad


def test_heaviside_matches_torch():
    check(lambda m, x, v: m.heaviside(x, v), with_zeros(np.random.default_rng(1), np.float32)
          [:1] + [np.float32([0.25, -1, 2, 7])], grad=False)


# --- the in-place forms ----------------------------------------------------------------------

INPLACE = [
    ("addcmul_", lambda x, y: x.addcmul_(y, y, value=3)),
    ("addcdiv_", lambda x, y: x.addcdiv_(y, y * 0 + 2)),
    ("copysign_", lambda x, y: x.copysign_(y)),
    ("sgn_", lambda x, y: x.sgn_()),
    ("logit_", lambda x, y: (x * 0.1 + 0.5).logit_()),
    ("renorm_", lambda x, y: x.reshape(2, 2).renorm_(2, 0, 0.5)),
    ("lgamma_", lambda x, y: x.abs().lgamma_()),
    ("digamma_", lambda x, y: (x.abs() + 0.1).digamma_()),
    ("erfinv_", lambda x, y: (x * 0.2).erfinv_()),
    ("multiply_", lambda x, y: x.multiply_(y)),
    ("subtract_", lambda x, y: x.subtract_(y, alpha=3)),
    ("float_power_", lambda x, y: x.double().abs().float_power_(y.double())),
    ("index_put_", lambda x, y: x.index_put_((x > 0,), y[0], accumulate=True)),
    ("fill_diagonal_", lambda x, y: x.reshape(2, 2).fill_diagonal_(5.0)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_forms_match_torch_and_backprop(name, fn):
    """x.op_(...) on a non-leaf changes x itself (same object, version bumped) to torch's
    values, and the gradient through it is torch's."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(4), rng.standard_normal(4)
    results = []
    for lib in (ta, torch):
        leaf = lib.tensor(a, requires_grad=True)
        other = lib.tensor(b)
        x = leaf * 1.0
        out = fn(x, other)
        out.backward(lib.tensor(np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape))))
        grad = leaf.grad.numpy(force=True) if lib is torch else leaf.grad.numpy()
        results.append((out.detach().numpy(), grad))
    (ours, ours_grad), (theirs, theirs_grad) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-7, atol=1e-9)


def test_inplace_writes_into_the_same_tensor():
    x = ta.tensor([1.0, 2.0])
    v = x._version
    assert x.addcmul_(ta.tensor([1.0, 1.0]), ta.tensor([2.0, 3.0])) is x
    assert x.tolist() == [3.0, 5.0] and x._version > v
    y = ta.ones(7, 3)
    assert y.fill_diagonal_(2.0, wrap=True) is y
    want = torch.ones(7, 3).fill_diagonal_(2.0, wrap=True)
    np.testing.assert_array_equal(y.numpy(), want.numpy())


def test_detach_in_place():
    w = ta.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    assert y.detach_() is y
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert w.detach_() is w and not w.requires_grad
    with pytest.raises(RuntimeError, match="views in-place"):
        ta.ones(3)[:2].detach_()


def test_unfold_gradient_adds_overlapping_windows():
    x = ta.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    x.unfold(0, 2, 1).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 2.0, 1.0]


def test_logcumsumexp_is_stable_where_the_naive_formula_is_not():
    x = ta.tensor([-1000.0, 0.0, 1000.0, 1000.0], dtype=ta.float64)
    got = ta.logcumsumexp(x, 0).tolist()
    assert got == [-1000.0, 0.0, 1000.0, 1000.0 + np.log(2.0)]


def test_cov_warns_when_degrees_of_freedom_run_out():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        out = ta.cov(ta.tensor([1.0]))
    with pytest.warns(UserWarning):
        want = torch.cov(torch.tensor([1.0]))
    assert np.isnan(out.item()) and np.isnan(want.item())


# --- errors: ours raises where torch does, an exception of torch's type ----------------------

def _f(*values, dtype=np.float32):
    return np.asarray(values, dtype=dtype)


ERRORS = [
    ("addcmul_bool", lambda m: m.addcmul(*[m.tensor([True])] * 3)),
    ("addcdiv_ints", lambda m: m.addcdiv(m.tensor([1.0]), m.tensor([1]), m.tensor([2]))),
    ("positive_bool", lambda m: m.positive(m.tensor([True]))),
    ("heaviside_dtypes", lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1.0]).double())),
    ("float_power__float32", lambda m: m.tensor([1.0]).float_power_(2)),
    ("lgamma__int", lambda m: m.tensor([1, 2]).lgamma_()),
    ("diff_0d", lambda m: m.diff(m.tensor(1.0))),
    ("diff_negative_n", lambda m: m.diff(m.tensor([1.0, 2.0]), n=-1)),
    ("diff_prepend_dims", lambda m: m.diff(m.ones(2, 3), prepend=m.ones(3))),
    ("diff_bad_dim", lambda m: m.diff(m.ones(2, 3), dim=2)),
    ("logcumsumexp_int", lambda m: m.logcumsumexp(m.tensor([1, 2]), 0)),
    ("logcumsumexp_bad_dim", lambda m: m.logcumsumexp(m.ones(2), 1)),
    ("quantile_int", lambda m: m.quantile(m.tensor([1, 2]), 0.5)),
    ("quantile_q_range", lambda m: m.quantile(m.tensor([1.0, 2.0]), 1.5)),
    ("quantile_q_tensor_range", lambda m: m.quantile(m.tensor([1.0]), m.tensor([-0.1]))),
    ("quantile_q_dtype", lambda m: m.quantile(m.tensor([1.0]), m.tensor([0.5]).double())),
    ("quantile_q_2d", lambda m: m.quantile(m.tensor([1.0]), m.tensor([[0.5]]))),
    ("quantile_empty", lambda m: m.quantile(m.ones(2, 0), 0.5, dim=1)),
    ("quantile_interpolation", lambda m: m.quantile(m.tensor([1.0]), 0.5, interpolation="x")),
    ("quantile_bad_dim", lambda m: m.nanquantile(m.ones(2), 0.5, dim=3)),
    ("trapezoid_0d", lambda m: m.trapezoid(m.tensor(1.0))),
    ("trapezoid_x_length", lambda m: m.trapezoid(m.ones(3), m.ones(2))),
    ("trapezoid_x_and_dx", lambda m: m.trapezoid(m.ones(3), m.ones(3), dx=2)),
    ("cumulative_trapezoid_x_length", lambda m: m.cumulative_trapezoid(m.ones(3), m.ones(4))),
    ("renorm_1d", lambda m: m.renorm(m.ones(3), 2, 0, 1)),
    ("renorm_p0", lambda m: m.renorm(m.ones(2, 2), 0, 0, 1)),
    ("renorm_maxnorm", lambda m: m.renorm(m.ones(2, 2), 2, 0, -1)),
    ("renorm_dim", lambda m: m.renorm(m.ones(2, 2), 2, 3, 1)),
    ("cov_3d", lambda m: m.cov(m.ones(2, 2, 2))),
    ("cov_bool", lambda m: m.cov(m.tensor([True, False]))),
    ("cov_fweights_float", lambda m: m.cov(m.ones(2, 3), fweights=m.ones(3))),
    ("cov_fweights_negative", lambda m: m.cov(m.ones(2, 3), fweights=m.tensor([1, -1, 1]))),
    ("cov_aweights_int", lambda m: m.cov(m.ones(2, 3), aweights=m.tensor([1, 1, 1]))),
    ("cov_aweights_length", lambda m: m.cov(m.ones(2, 3), aweights=m.ones(2))),
    ("cov_weights_sum_zero", lambda m: m.cov(m.ones(2, 3), fweights=m.tensor([0, 0, 0]))),
    ("corrcoef_3d", lambda m: m.corrcoef(m.ones(2, 2, 2))),
    ("cdist_1d", lambda m: m.cdist(m.ones(3), m.ones(3))),
    ("cdist_columns", lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4))),
    ("cdist_negative_p", lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), p=-1)),
    ("cdist_int", lambda m: m.cdist(m.ones(2, 3).long(), m.ones(2, 3).long())),
    ("cdist_dtypes", lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3).double())),
    ("cdist_mode", lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), compute_mode="x")),
    ("cdist_batch", lambda m: m.cdist(m.ones(2, 2, 3), m.ones(3, 2, 3))),
    ("cartesian_prod_2d", lambda m: m.cartesian_prod(m.ones(1, 2), m.ones(2))),
    ("cartesian_prod_dtypes", lambda m: m.cartesian_prod(m.tensor([1]), m.tensor([1.0]))),
    ("combinations_2d", lambda m: m.combinations(m.ones(1, 2))),
    ("combinations_negative_r", lambda m: m.combinations(m.ones(2), r=-1)),
    ("block_diag_3d", lambda m: m.block_diag(m.ones(1, 1, 1))),
    ("vander_2d", lambda m: m.vander(m.ones(1, 2))),
    ("vander_negative_n", lambda m: m.vander(m.ones(2), N=-1)),
    ("select_0d", lambda m: m.select(m.tensor(1.0), 0, 0)),
    ("select_index", lambda m: m.select(m.ones(3), 0, 3)),
    ("select_dim", lambda m: m.ones(3).select(1, 0)),
    ("index_put_dtypes", lambda m: m.index_put(m.ones(2), (m.tensor([0]),), m.ones(1).double())),
    ("index_put_float_index", lambda m: m.ones(2).index_put((m.tensor([0.0]),), m.tensor(1.0))),
    ("index_put_out_of_range", lambda m: m.ones(2).index_put((m.tensor([2]),), m.tensor(1.0),
                                                             accumulate=True)),
    ("index_put_none", lambda m: m.ones(2).index_put((None,), m.tensor(1.0))),
    ("fill_diagonal_1d", lambda m: m.ones(3).fill_diagonal_(1)),
    ("fill_diagonal_unequal", lambda m: m.ones(3, 2, 3).fill_diagonal_(1)),
    ("fill_diagonal_leaf", lambda m: m.ones(2, 2, requires_grad=True).fill_diagonal_(1)),
    ("unfold_size", lambda m: m.ones(3).unfold(0, 4, 1)),
    ("unfold_step", lambda m: m.ones(3).unfold(0, 2, 0)),
    ("unfold_dim", lambda m: m.ones(3).unfold(1, 2, 1)),
    ("detach__view", lambda m: m.ones(3)[:2].detach_()),
    ("bincount_negative", lambda m: m.bincount(m.tensor([-1, 2]))),
    ("bincount_2d", lambda m: m.bincount(m.tensor([[1]]))),
    ("bincount_float", lambda m: m.bincount(m.tensor([1.0]))),
    ("bincount_bool", lambda m: m.bincount(m.tensor([True]))),
    ("bincount_minlength", lambda m: m.bincount(m.tensor([1]), minlength=-1)),
    ("bincount_weights_length", lambda m: m.bincount(m.tensor([1]), m.ones(2))),
    ("histc_int", lambda m: m.histc(m.tensor([1, 2]))),
    ("histc_bins", lambda m: m.histc(m.ones(2), bins=0)),
    ("histc_min_max", lambda m: m.histc(m.ones(2), bins=3, min=3, max=1)),
    ("histc_nan", lambda m: m.histc(m.tensor([1.0, float("nan")]), bins=3)),
    ("histc_inf", lambda m: m.histc(m.ones(2), bins=3, min=float("inf"))),
    ("tril_indices_float", lambda m: m.tril_indices(3, 3, dtype=m.float32)),
    ("tril_indices_negative", lambda m: m.tril_indices(-1, 3)),
    ("triu_indices_negative", lambda m: m.triu_indices(3, -1)),
    ("unique_consecutive_dim", lambda m: m.unique_consecutive(m.ones(2), dim=1)),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_as_torch_raises_them(name, fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(ta)
    # the message names the function (or is torch's own wording)
    assert str(ours.value)


def test_every_name_is_public_and_a_method_where_torch_has_one():
    from tinygrad_acts import composites
    for name in composites.__all__:
        assert getattr(ta, name) is getattr(composites, name)
        if hasattr(torch.Tensor, name):
            assert hasattr(ta.Tensor, name), name
    for name in ("addcmul_", "addcdiv_", "copysign_", "sgn_", "heaviside_", "logit_",
                 "renorm_", "lgamma_", "digamma_", "erfinv_", "float_power_", "multiply_",
                 "subtract_", "index_put_", "fill_diagonal_", "detach_", "unfold", "where",
                 "take_along_dim", "byte", "char"):
        assert hasattr(ta.Tensor, name), name


@pytest.mark.parametrize("increasing", [False, True])
def test_vander_values_and_gradient(increasing):
    """Values against torch (torch's own vander backward fails: it writes in place into a
    tensor its cumprod saved), the gradient against finite differences."""
    x = np.random.default_rng(5).standard_normal(4)
    check(lambda m, t: m.vander(t, N=5, increasing=increasing), [x], grad=False)
    assert ta.gradcheck(lambda t: ta.vander(t, N=5, increasing=increasing),
                        (ta.tensor(x, requires_grad=True),))


def test_heaviside_in_place_matches_torch():
    x, v = ta.tensor([-1.0, 0.0, 3.0]), ta.tensor([0.5, 0.25, 9.0])
    want = torch.tensor([-1.0, 0.0, 3.0]).heaviside_(torch.tensor([0.5, 0.25, 9.0]))
    assert x.heaviside_(v) is x and x.tolist() == want.tolist()
