"""Every basic op: forward against numpy, gradient against central differences (float64),
second derivative against differences of the first; broadcasting; ties; repeated indices;
comparisons; and, when torch is installed, gradients against torch.

The ops are one table (OPS): adding an op adds a row.
"""
from typing import Callable, NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_acts as ta
from tests.helpers import check_grads, check_second_grads

_rng = np.random.default_rng(2024)


def U(*shape):
    """Values in [-2, 2] (distinct with probability 1, so no ties)."""
    return _rng.uniform(-2, 2, shape)


def P(*shape):
    """Positive values in [0.5, 2] (for log, sqrt, divisors and bases of a power)."""
    return _rng.uniform(0.5, 2, shape)


def A(*shape):
    """Values in [-2, 2] but at least 0.1 away from 0 (for abs and kinks at 0)."""
    x = _rng.uniform(0.1, 2, shape)
    return x * _rng.choice([-1.0, 1.0], shape)


class Op(NamedTuple):
    name: str
    fn: Callable        # on Tensors
    ref: Callable       # the same math on ndarrays, written with numpy
    inputs: list        # float64 arrays
    torch: bool = False  # fn also runs on torch tensors as written (cross-checked)


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False,
                                                                            False]])
COND = np.array([[True, False, False, True], [False, True, True, False], [True, True, False,
                                                                            True]])

OPS = [
    # --- + - * / ** with the broadcasting cases of the issue ---
    Op("add (3,1)+(1,4)", lambda a, b: a + b, np.add, [U(3, 1), U(1, 4)], True),
    Op("add (4,)+(3,4)", lambda a, b: a + b, np.add, [U(4), U(3, 4)], True),
    Op("add ()+(2,3)", lambda a, b: a + b, np.add, [U(), U(2, 3)], True),
    Op("add (2,3,4)+(3,1)", lambda a, b: a + b, np.add, [U(2, 3, 4), U(3, 1)], True),
    Op("sub (3,1)-(1,4)", lambda a, b: a - b, np.subtract, [U(3, 1), U(1, 4)], True),
    Op("sub (4,)-(3,4)", lambda a, b: a - b, np.subtract, [U(4), U(3, 4)], True),
    Op("mul (2,3,4)*(3,1)", lambda a, b: a * b, np.multiply, [U(2, 3, 4), U(3, 1)], True),
    Op("mul ()*(2,3)", lambda a, b: a * b, np.multiply, [U(), U(2, 3)], True),
    Op("mul (4,)*(3,4)", lambda a, b: a * b, np.multiply, [U(4), U(3, 4)], True),
    Op("div (3,1)/(1,4)", lambda a, b: a / b, np.divide, [U(3, 1), P(1, 4)], True),
    Op("div (2,3)/()", lambda a, b: a / b, np.divide, [U(2, 3), -P()], True),
    Op("div (2,3,4)/(3,1)", lambda a, b: a / b, np.divide, [U(2, 3, 4), P(3, 1)], True),
    Op("pow tensor (3,1)**(1,4)", lambda a, b: a ** b, np.power, [P(3, 1), U(1, 4)], True),
    Op("pow tensor ()**(3,)", lambda a, b: a ** b, np.power, [P(), U(3)], True),
    # --- Python scalars on either side ---
    Op("x + 2", lambda a: a + 2, lambda a: a + 2, [U(2, 3)], True),
    Op("2 + x", lambda a: 2 + a, lambda a: 2 + a, [U(2, 3)], True),
    Op("x - 1.5", lambda a: a - 1.5, lambda a: a - 1.5, [U(2, 3)], True),
    Op("1.5 - x", lambda a: 1.5 - a, lambda a: 1.5 - a, [U(2, 3)], True),
    Op("x * 3", lambda a: a * 3, lambda a: a * 3, [U(2, 3)], True),
    Op("3 * x", lambda a: 3 * a, lambda a: 3 * a, [U(2, 3)], True),
    Op("x / 4", lambda a: a / 4, lambda a: a / 4, [U(2, 3)], True),
    Op("4 / x", lambda a: 4 / a, lambda a: 4 / a, [A(2, 3)], True),
    Op("x ** 2", lambda a: a ** 2, lambda a: a ** 2, [U(2, 3)], True),
    Op("x ** 3 (int)", lambda a: a ** 3, lambda a: a ** 3, [U(2, 3)], True),
    Op("x ** 0.5", lambda a: a ** 0.5, np.sqrt, [P(2, 3)], True),
    Op("x ** -1.5", lambda a: a ** -1.5, lambda a: a ** -1.5, [P(2, 3)], True),
    Op("2 ** x", lambda a: 2 ** a, lambda a: 2 ** a, [U(2, 3)], True),
    Op("neg", lambda a: -a, np.negative, [U(2, 3)], True),
    Op("neg method", lambda a: a.neg(), np.negative, [U(2, 3)], True),
    Op("add/sub/mul/div methods", lambda a, b: a.add(b).mul(b).sub(a).div(b),
       lambda a, b: ((a + b) * b - a) / b, [U(3), P(3)], True),
    # --- elementwise math ---
    Op("abs", lambda a: a.abs(), np.abs, [A(2, 3)], True),
    Op("abs builtin", lambda a: abs(a), np.abs, [A(2, 3)], True),
    Op("exp", lambda a: a.exp(), np.exp, [U(2, 3)], True),
    Op("log", lambda a: a.log(), np.log, [P(2, 3)], True),
    Op("sqrt", lambda a: a.sqrt(), np.sqrt, [P(2, 3)], True),
    Op("expm1", lambda a: a.expm1(), np.expm1, [U(2, 3)], True),
    Op("log1p", lambda a: a.log1p(), np.log1p, [P(2, 3)], True),
    Op("erf", lambda a: a.erf(), np.vectorize(__import__("math").erf), [U(2, 3)], True),
    Op("square", lambda a: a.square(), np.square, [U(2, 3)], True),
    # --- matmul: 1-D, 2-D, batched ---
    Op("matmul (3,4)@(4,5)", lambda a, b: a @ b, np.matmul, [U(3, 4), U(4, 5)], True),
    Op("matmul (4,)@(4,3)", lambda a, b: a @ b, np.matmul, [U(4), U(4, 3)], True),
    Op("matmul (3,4)@(4,)", lambda a, b: a @ b, np.matmul, [U(3, 4), U(4)], True),
    Op("matmul (4,)@(4,)", lambda a, b: a @ b, np.matmul, [U(4), U(4)], True),
    Op("matmul (2,3,4)@(4,5)", lambda a, b: a @ b, np.matmul, [U(2, 3, 4), U(4, 5)], True),
    Op("matmul (2,3,4)@(2,4,5)", lambda a, b: a @ b, np.matmul, [U(2, 3, 4), U(2, 4, 5)],
       True),
    Op("matmul (3,4)@(2,4,5)", lambda a, b: a @ b, np.matmul, [U(3, 4), U(2, 4, 5)], True),
    Op("matmul (2,1,3,4)@(3,4,2)", lambda a, b: a @ b, np.matmul, [U(2, 1, 3, 4), U(3, 4, 2)],
       True),
    Op("matmul (4,)@(2,4,3)", lambda a, b: a @ b, np.matmul, [U(4), U(2, 4, 3)], True),
    Op("matmul (2,3,4)@(4,)", lambda a, b: a @ b, np.matmul, [U(2, 3, 4), U(4)], True),
    Op("matmul method", lambda a, b: a.matmul(b), np.matmul, [U(2, 3), U(3, 2)], True),
    # --- reductions: dim int/tuple/negative, keepdim, and the numpy aliases ---
    Op("sum all", lambda a: a.sum(), np.sum, [U(2, 3, 4)], True),
    Op("sum dim=1", lambda a: a.sum(dim=1), lambda a: a.sum(axis=1), [U(2, 3, 4)], True),
    Op("sum dim=(0,2)", lambda a: a.sum(dim=(0, 2)), lambda a: a.sum(axis=(0, 2)),
       [U(2, 3, 4)], True),
    Op("sum dim=-1 keepdim", lambda a: a.sum(-1, keepdim=True),
       lambda a: a.sum(axis=-1, keepdims=True), [U(2, 3, 4)], True),
    Op("sum axis= keepdims=", lambda a: a.sum(axis=0, keepdims=True),
       lambda a: a.sum(axis=0, keepdims=True), [U(2, 3)]),
    Op("sum dim list", lambda a: a.sum(dim=[0, 1]), lambda a: a.sum(axis=(0, 1)), [U(2, 3, 4)]),
    Op("mean all", lambda a: a.mean(), np.mean, [U(2, 3, 4)], True),
    Op("mean dim=1", lambda a: a.mean(dim=1), lambda a: a.mean(axis=1), [U(2, 3, 4)], True),
    Op("mean dim=(0,2) keepdim", lambda a: a.mean((0, 2), keepdim=True),
       lambda a: a.mean(axis=(0, 2), keepdims=True), [U(2, 3, 4)], True),
    Op("mean axis=-1", lambda a: a.mean(axis=-1), lambda a: a.mean(axis=-1), [U(2, 3)]),
    Op("max all", lambda a: a.max(), np.max, [U(2, 3, 4)], True),
    Op("max dim=1", lambda a: a.max(dim=1), lambda a: a.max(axis=1), [U(2, 3, 4)]),
    Op("max dim=(0,2) keepdim", lambda a: a.max((0, 2), keepdim=True),
       lambda a: a.max(axis=(0, 2), keepdims=True), [U(2, 3, 4)]),
    Op("max axis=0 keepdims", lambda a: a.max(axis=0, keepdims=True),
       lambda a: a.max(axis=0, keepdims=True), [U(3, 2)]),
    Op("min all", lambda a: a.min(), np.min, [U(2, 3, 4)], True),
    Op("min dim=-1", lambda a: a.min(dim=-1), lambda a: a.min(axis=-1), [U(2, 3, 4)]),
    Op("min dim=(1,2)", lambda a: a.min(dim=(1, 2)), lambda a: a.min(axis=(1, 2)),
       [U(2, 3, 4)]),
    Op("var all", lambda a: a.var(), lambda a: a.var(ddof=1), [U(2, 3, 4)], True),
    Op("var dim=1", lambda a: a.var(dim=1), lambda a: a.var(axis=1, ddof=1), [U(2, 3, 4)],
       True),
    Op("var dim=(0,2) keepdim", lambda a: a.var((0, 2), keepdim=True),
       lambda a: a.var(axis=(0, 2), ddof=1, keepdims=True), [U(2, 3, 4)], True),
    Op("var correction=0", lambda a: a.var(dim=0, correction=0), lambda a: a.var(axis=0),
       [U(3, 4)], True),
    Op("var unbiased=False", lambda a: a.var(unbiased=False), np.var, [U(3, 4)], True),
    Op("std all", lambda a: a.std(), lambda a: a.std(ddof=1), [U(2, 3, 4)], True),
    Op("std dim=-1 keepdim", lambda a: a.std(-1, keepdim=True),
       lambda a: a.std(axis=-1, ddof=1, keepdims=True), [U(2, 3, 4)], True),
    Op("std axis=0 correction=0", lambda a: a.std(axis=0, correction=0),
       lambda a: a.std(axis=0), [U(3, 4)]),
    # --- shape ops ---
    Op("reshape", lambda a: a.reshape(4, 6), lambda a: a.reshape(4, 6), [U(2, 3, 4)], True),
    Op("reshape tuple -1", lambda a: a.reshape((3, -1)), lambda a: a.reshape(3, -1),
       [U(2, 3, 4)], True),
    Op("view", lambda a: a.view(6, 4), lambda a: a.reshape(6, 4), [U(2, 3, 4)], True),
    Op("flatten", lambda a: a.flatten(), np.ravel, [U(2, 3, 4)], True),
    Op("flatten(1)", lambda a: a.flatten(1), lambda a: a.reshape(2, 12), [U(2, 3, 4)], True),
    Op("flatten(0, 1)", lambda a: a.flatten(0, 1), lambda a: a.reshape(6, 4), [U(2, 3, 4)],
       True),
    Op("transpose(0, 1)", lambda a: a.transpose(0, 1), lambda a: a.transpose(1, 0, 2),
       [U(2, 3, 4)], True),
    Op("transpose(-1, 0)", lambda a: a.transpose(-1, 0), lambda a: a.transpose(2, 1, 0),
       [U(2, 3, 4)], True),
    Op("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [U(2, 3, 4)],
       True),
    Op("permute tuple", lambda a: a.permute((1, 2, 0)), lambda a: a.transpose(1, 2, 0),
       [U(2, 3, 4)], True),
    Op("T", lambda a: a.T, np.transpose, [U(3, 4)], True),
    Op("squeeze", lambda a: a.squeeze(), np.squeeze, [U(3, 1, 4, 1)], True),
    Op("squeeze(1)", lambda a: a.squeeze(1), lambda a: a.squeeze(1), [U(3, 1, 4)], True),
    Op("squeeze(0) no-op", lambda a: a.squeeze(0), lambda a: a, [U(3, 1, 4)], True),
    Op("unsqueeze(0)", lambda a: a.unsqueeze(0), lambda a: a[None], [U(3, 4)], True),
    Op("unsqueeze(-1)", lambda a: a.unsqueeze(-1), lambda a: a[..., None], [U(3, 4)], True),
    Op("expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
       [U(3, 1)], True),
    Op("expand -1", lambda a: a.expand(-1, 4), lambda a: np.broadcast_to(a, (3, 4)),
       [U(3, 1)], True),
    # --- indexing: ints, slices, None, Ellipsis, integer arrays, masks ---
    Op("getitem int", lambda a: a[1], lambda a: a[1], [U(3, 4)], True),
    Op("getitem negative int", lambda a: a[-1, -2], lambda a: a[-1, -2], [U(3, 4)], True),
    Op("getitem slice", lambda a: a[1:, :3], lambda a: a[1:, :3], [U(3, 4)], True),
    Op("getitem step", lambda a: a[::2, 1::2], lambda a: a[::2, 1::2], [U(3, 4)], True),
    Op("getitem reversed", lambda a: a[::-1], lambda a: a[::-1], [U(3, 4)]),
    Op("getitem None", lambda a: a[None, :, None], lambda a: a[None, :, None], [U(3, 4)],
       True),
    Op("getitem Ellipsis", lambda a: a[..., 1], lambda a: a[..., 1], [U(2, 3, 4)], True),
    Op("getitem int array", lambda a: a[np.array([2, 0])], lambda a: a[np.array([2, 0])],
       [U(3, 4)], True),
    Op("getitem repeated", lambda a: a[np.array([0, 2, 0, 0])],
       lambda a: a[np.array([0, 2, 0, 0])], [U(3, 4)], True),
    Op("getitem pairs repeated", lambda a: a[[0, 0, 2], [1, 1, 3]],
       lambda a: a[[0, 0, 2], [1, 1, 3]], [U(3, 4)], True),
    Op("getitem list and slice", lambda a: a[:, [3, 3, 0]], lambda a: a[:, [3, 3, 0]],
       [U(3, 4)], True),
    Op("getitem tensor index", lambda a: a[ta.tensor([1, 1])], lambda a: a[[1, 1]], [U(3, 4)]),
    Op("getitem bool mask", lambda a: a[MASK], lambda a: a[MASK], [U(3, 4)]),
    Op("getitem row mask", lambda a: a[np.array([True, False, True])],
       lambda a: a[np.array([True, False, True])], [U(3, 4)]),
    # --- joining and selecting ---
    Op("cat dim=0", lambda a, b: ta.cat([a, b]), lambda a, b: np.concatenate([a, b]),
       [U(2, 3), U(1, 3)]),
    Op("cat dim=-1", lambda a, b: ta.cat([a, b], dim=-1), lambda a, b: np.concatenate([a, b], 1),
       [U(2, 3), U(2, 2)]),
    Op("cat axis=1 three", lambda a, b: ta.cat([a, b, a], axis=1),
       lambda a, b: np.concatenate([a, b, a], 1), [U(2, 1), U(2, 2)]),
    Op("stack dim=0", lambda a, b: ta.stack([a, b]), lambda a, b: np.stack([a, b]),
       [U(2, 3), U(2, 3)]),
    Op("stack dim=-1", lambda a, b: ta.stack([a, b, a], dim=-1),
       lambda a, b: np.stack([a, b, a], -1), [U(2, 3), U(2, 3)]),
    Op("where", lambda a, b: ta.where(COND, a, b), lambda a, b: np.where(COND, a, b),
       [U(3, 4), U(3, 4)]),
    Op("where broadcast", lambda a, b: ta.where(COND, a, b), lambda a, b: np.where(COND, a, b),
       [U(3, 1), U(4)]),
    Op("where tensor cond", lambda a, b: ta.where(a > b, a, b * 2),
       lambda a, b: np.where(a > b, a, b * 2), [U(3, 4), U(3, 4)]),
    Op("clamp", lambda a: a.clamp(-0.5, 1.0), lambda a: np.clip(a, -0.5, 1.0), [U(3, 4)],
       True),
    Op("clamp min only", lambda a: a.clamp(min=0.3), lambda a: np.maximum(a, 0.3), [U(3, 4)],
       True),
    Op("clamp max only", lambda a: a.clamp(max=0.3), lambda a: np.minimum(a, 0.3), [U(3, 4)],
       True),
    Op("clip", lambda a: a.clip(-1.0, 0.2), lambda a: np.clip(a, -1.0, 0.2), [U(3, 4)], True),
    Op("maximum", lambda a, b: a.maximum(b), np.maximum, [U(3, 4), U(3, 4)], True),
    Op("maximum broadcast", lambda a, b: ta.maximum(a, b), np.maximum, [U(3, 1), U(4)]),
    Op("maximum scalar", lambda a: a.maximum(0.25), lambda a: np.maximum(a, 0.25), [U(3, 4)]),
    Op("minimum", lambda a, b: a.minimum(b), np.minimum, [U(3, 4), U(3, 4)], True),
    Op("minimum broadcast", lambda a, b: ta.minimum(a, b), np.minimum, [U(2, 1, 3), U(4, 1)]),
    Op("clone", lambda a: a.clone() * a, np.square, [U(3)], True),
]
IDS = [op.name for op in OPS]


def _as_tensors(arrays, requires_grad=False, dtype=np.float64):
    return [ta.tensor(a.astype(dtype), requires_grad=requires_grad) for a in arrays]


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_forward_matches_numpy(op):
    got = op.fn(*_as_tensors(op.inputs))
    want = op.ref(*[a.copy() for a in op.inputs])
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_float32_in_float32_out(op):
    out = op.fn(*_as_tensors(op.inputs, requires_grad=True, dtype=np.float32))
    assert out.dtype == np.float32
    out.sum().backward() if out.ndim else out.backward()


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_gradient_matches_central_differences(op):
    check_grads(op.fn, *op.inputs)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_second_derivative_matches_differences_of_the_first(op):
    check_second_grads(op.fn, *op.inputs)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_gradient_has_each_inputs_shape_and_dtype(op):
    for dtype in (np.float32, np.float64):
        ts = _as_tensors(op.inputs, requires_grad=True, dtype=dtype)
        out = op.fn(*ts)
        out.backward(ta.ones_like(out))
        for t in ts:
            assert t.grad is not None and t.grad.shape == t.shape and t.grad.dtype == dtype


# --- ties and repeated indices, exactly at the point ----------------------------------------

# (name, fn, input, exact gradient of fn(x).sum())
EXACT = [
    ("max tie of two", lambda x: x.max(), [1.0, 3.0, 3.0, 0.0], [0, 0.5, 0.5, 0]),
    ("max tie of three", lambda x: x.max(), [2.0, 2.0, 2.0], [1 / 3, 1 / 3, 1 / 3]),
    ("min tie", lambda x: x.min(), [0.0, 1.0, 0.0, 5.0], [0.5, 0, 0.5, 0]),
    ("max dim ties per row", lambda x: x.reshape(2, 3).max(dim=1),
     [1.0, 1.0, 0.0, 4.0, 4.0, 4.0], [0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3]),
    ("min dim keepdim tie", lambda x: x.reshape(2, 2).min(0, keepdim=True),
     [1.0, 2.0, 1.0, 3.0], [0.5, 1, 0.5, 0]),
    ("maximum tie", lambda x: x.maximum(ta.tensor([1.0, 0.0, 5.0], dtype=np.float64)),
     [1.0, 2.0, 5.0], [0.5, 1, 0.5]),
    ("minimum tie", lambda x: x.minimum(2.0), [2.0, 1.0, 3.0], [0.5, 1, 0]),
    ("clamp at the bounds", lambda x: x.clamp(0.0, 1.0), [0.0, 1.0, 2.0, -1.0], [1, 1, 0, 0]),
    ("abs at 0", lambda x: x.abs(), [0.0, -1.0, 2.0], [0, -1, 1]),
    ("repeated indices", lambda x: x[np.array([0, 0, 2, 0])], [1.0, 2.0, 3.0], [3, 0, 1]),
    ("repeated list index", lambda x: x[[1, 1]], [1.0, 2.0, 3.0], [0, 2, 0]),
    ("repeated pairs", lambda x: x.reshape(2, 2)[[0, 0, 1], [1, 1, 1]],
     [1.0, 2.0, 3.0, 4.0], [0, 2, 0, 1]),
    ("repeated tensor index", lambda x: x[ta.tensor([2, 2, 2])], [1.0, 2.0, 3.0], [0, 0, 3]),
]


@pytest.mark.parametrize("name, fn, x, want", EXACT, ids=[e[0] for e in EXACT])
def test_exact_gradient_at_ties_kinks_and_repeats(name, fn, x, want):
    t = ta.tensor(np.array(x), requires_grad=True)
    fn(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-15, atol=0)


@given(st.lists(st.sampled_from([-1.0, 0.0, 2.0]), min_size=1, max_size=8))
def test_max_and_min_ties_preserve_the_sum_of_the_gradient(values):
    for reduce in (lambda t: t.max(), lambda t: t.min()):
        t = ta.tensor(np.array(values), requires_grad=True)
        reduce(t).backward()
        g = t.grad.numpy()
        winners = np.array(values) == reduce(np.array(values))
        np.testing.assert_allclose(g.sum(), 1.0)
        np.testing.assert_allclose(g[winners], 1.0 / winners.sum())
        assert np.all(g[~winners] == 0)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=12))
def test_repeated_indices_accumulate(index):
    x = ta.tensor(np.arange(5.0), requires_grad=True)
    x[np.array(index)].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.bincount(index, minlength=5))


# --- comparisons: bool tensors, no gradient -------------------------------------------------

COMPARISONS = [
    ("<", lambda a, b: a < b, np.less), ("<=", lambda a, b: a <= b, np.less_equal),
    (">", lambda a, b: a > b, np.greater), (">=", lambda a, b: a >= b, np.greater_equal),
    ("==", lambda a, b: a == b, np.equal), ("!=", lambda a, b: a != b, np.not_equal),
]


@pytest.mark.parametrize("name, fn, ref", COMPARISONS, ids=[c[0] for c in COMPARISONS])
@pytest.mark.parametrize("other", ["tensor", "scalar", "array", "reflected"])
def test_comparisons_give_bool_tensors_without_grad(name, fn, ref, other):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    b = np.array([2.0, 2.0, 2.0])
    x = ta.tensor(a, requires_grad=True)
    operands = {"tensor": (x, ta.tensor(b)), "scalar": (x, 2.0), "array": (x, b),
                "reflected": (2.0, x)}[other]
    got = fn(*operands)
    want = ref(*[o.numpy() if isinstance(o, ta.Tensor) else o for o in operands])
    assert isinstance(got, ta.Tensor) and got.dtype == np.bool_
    assert not got.requires_grad and got.grad_fn is None
    np.testing.assert_array_equal(got.numpy(), want)


def test_logical_ops_on_bool_tensors():
    a, b = ta.tensor([True, True, False]), ta.tensor([True, False, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, False]
    assert (~a).tolist() == [False, False, True]
    assert a.any().item() and not b.all().item()
    assert a.eq(b).tolist() == [True, False, True]


def test_argmax_argmin_give_indices_without_grad():
    x = ta.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    assert x.argmax().item() == 3 and x.argmin().item() == 4
    assert x.argmax(dim=1).tolist() == [1, 0] and x.argmin(axis=0).tolist() == [0, 1, 0]
    assert not x.argmax().requires_grad


# --- errors name the op and the shapes ----------------------------------------------------------

SHAPE_ERRORS = [
    ("add", lambda: ta.ones(2, 3) + ta.ones(4), r"add.*\(2, ?3\).*\(4,\)"),
    ("mul", lambda: ta.ones(2, 3) * ta.ones(2), r"mul.*\(2, ?3\).*\(2,\)"),
    ("sub", lambda: ta.ones(3) - ta.ones(2, 2), r"sub.*\(3,\).*\(2, ?2\)"),
    ("div", lambda: ta.ones(3) / ta.ones(4), r"div.*\(3,\).*\(4,\)"),
    ("matmul", lambda: ta.ones(2, 3) @ ta.ones(2, 3), r"matmul.*\(2, 3\).*\(2, 3\)"),
    ("matmul 0-d", lambda: ta.ones(()) @ ta.ones(3), r"matmul.*\(\).*\(3,\)"),
    ("reshape", lambda: ta.ones(2, 3).reshape(5), r"reshape.*\(2, 3\).*\(5,\)"),
    ("expand", lambda: ta.ones(2, 3).expand(3, 3), r"expand.*\(2, 3\).*\(3, 3\)"),
    ("cat", lambda: ta.cat([ta.ones(2, 3), ta.ones(2, 2)]), r"cat.*\(2, 3\).*\(2, 2\)"),
    ("stack", lambda: ta.stack([ta.ones(2), ta.ones(3)]), r"stack.*\(2,\).*\(3,\)"),
    ("max of empty", lambda: ta.ones(0).max(), r"max.*\(0,\)"),
]


@pytest.mark.parametrize("name, make, pattern", SHAPE_ERRORS, ids=[e[0] for e in SHAPE_ERRORS])
def test_shape_mismatch_errors_name_the_op_and_the_shapes(name, make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_index_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        ta.ones(2, 3)[5]


# --- properties with random shapes and values -----------------------------------------------

finite = dict(allow_nan=False, allow_infinity=False)
BINARY = [
    ("+", lambda a, b: a + b, (-3, 3), (-3, 3)),
    ("-", lambda a, b: a - b, (-3, 3), (-3, 3)),
    ("*", lambda a, b: a * b, (-3, 3), (-3, 3)),
    ("/", lambda a, b: a / b, (-3, 3), (0.5, 3)),
    ("**", lambda a, b: a ** b, (0.5, 2), (-2, 2)),
]


@st.composite
def broadcast_pair(draw, a_range, b_range):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    arrays = [draw(hnp.arrays(np.float64, s, elements=st.floats(lo, hi, **finite)))
              for s, (lo, hi) in zip(shapes.input_shapes, (a_range, b_range))]
    return arrays


@pytest.mark.parametrize("name, fn, a_range, b_range", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_ops_with_random_broadcasting(name, fn, a_range, b_range, data):
    a, b = data.draw(broadcast_pair(a_range, b_range))
    got = fn(ta.tensor(a), ta.tensor(b))
    np.testing.assert_allclose(got.numpy(), fn(a, b), rtol=1e-12)
    check_grads(fn, a, b, atol=1e-5, rtol=1e-5)


REDUCTIONS = [
    ("sum", lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: a.sum(d, keepdims=k)),
    ("mean", lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: a.mean(d, keepdims=k)),
    ("var", lambda t, d, k: t.var(d, keepdim=k), lambda a, d, k: a.var(d, ddof=1, keepdims=k)),
    ("std", lambda t, d, k: t.std(d, keepdim=k), lambda a, d, k: a.std(d, ddof=1, keepdims=k)),
    ("max", lambda t, d, k: t.max(d, keepdim=k), lambda a, d, k: a.max(d, keepdims=k)),
    ("min", lambda t, d, k: t.min(d, keepdim=k), lambda a, d, k: a.min(d, keepdims=k)),
]


@pytest.mark.parametrize("name, fn, ref", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),
       data=st.data(), keep=st.booleans())
def test_reductions_over_random_dims(name, fn, ref, shape, data, keep):
    n = int(np.prod(shape))
    # distinct values, at least 0.1 apart: no ties, and var/std stay away from 0
    a = np.asarray(data.draw(st.permutations(np.arange(n) * 0.1 - 1.0))).reshape(shape)
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    dim = None if not axes else (axes[0] if len(axes) == 1 else tuple(axes))
    np.testing.assert_allclose(fn(ta.tensor(a), dim, keep).numpy(), ref(a, dim, keep),
                               rtol=1e-12)
    check_grads(lambda t: fn(t, dim, keep), a)


@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       vec=st.sampled_from(["none", "left", "right"]))
def test_matmul_random_shapes(batch, n, k, m, vec):
    a_shape = (k,) if vec == "left" else batch.input_shapes[0] + (n, k)
    b_shape = (k,) if vec == "right" else batch.input_shapes[1] + (k, m)
    a, b = U(*a_shape), U(*b_shape)
    np.testing.assert_allclose((ta.tensor(a) @ ta.tensor(b)).numpy(), a @ b, rtol=1e-12)
    check_grads(lambda x, y: x @ y, a, b)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
def test_shape_ops_round_trip_gradients(shape, data):
    a = U(*shape)
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    check_grads(lambda t: t.permute(*perm).reshape(-1).unsqueeze(0) * 2, a)
    np.testing.assert_array_equal(ta.tensor(a).permute(*perm).numpy(), a.transpose(perm))


@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=3),
                    elements=st.floats(-2, 2, **finite)),
       lo=st.floats(-1.5, 0), width=st.floats(0.1, 2))
def test_clamp_random(a, lo, width):
    hi = lo + width
    assume(np.all(np.abs(a - lo) > 1e-4) and np.all(np.abs(a - hi) > 1e-4))
    np.testing.assert_array_equal(ta.tensor(a).clamp(lo, hi).numpy(), np.clip(a, lo, hi))
    check_grads(lambda t: t.clamp(lo, hi), a)


# --- cross-check against PyTorch -------------------------------------------------------------

TORCH_OPS = [op for op in OPS if op.torch]


@pytest.mark.torch
@pytest.mark.parametrize("op", TORCH_OPS, ids=[op.name for op in TORCH_OPS])
def test_forward_and_gradient_match_torch(op):
    torch = pytest.importorskip("torch")
    ours = _as_tensors(op.inputs, requires_grad=True)
    theirs = [torch.tensor(a, requires_grad=True) for a in op.inputs]
    weight = np.random.default_rng(0).standard_normal(op.fn(*ours).shape)
    out, tout = op.fn(*ours), op.fn(*theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    out.backward(weight)
    tout.backward(torch.tensor(weight))
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-12)
