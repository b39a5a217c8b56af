"""Real differences from torch found by the differential campaign (``python -m tests.torchdiff``,
issue #13), pinned before their fix lands: each test is what torch does, marked
``xfail(strict=True)`` with the campaign's class of difference, so it turns into a failure
(XPASS) the moment the owner's fix makes it pass, and the marker is then removed.

The deliberate differences are not here: they are ``KNOWN_DIFFERENCES`` in
tests/test_torch_diff.py, each with its line in docs/guarantees.md.
"""
import math

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.ops import OPS

torch = pytest.importorskip("torch")


def xfail(cls: str, fix: str):
    return pytest.mark.xfail(strict=True, reason=f"campaign class {cls!r}; fix in {fix}")


# --- isclose / allclose: torch refuses operands of different dtypes -----------------------------


@pytest.mark.parametrize("name", ["isclose", "allclose"])
@pytest.mark.parametrize("dtypes", [("float64", "float32"), ("int64", "int32")])
def test_isclose_refuses_mixed_dtypes(name, dtypes):
    """torch: ``RuntimeError: Double did not match Float`` (any two dtypes that differ)."""
    for lib in (torch, ta):
        a = lib.tensor([1, 2], dtype=getattr(lib, dtypes[0]))
        b = lib.tensor([1], dtype=getattr(lib, dtypes[1]))
        with pytest.raises((RuntimeError, TypeError)):
            getattr(a, name)(b)


# --- op outputs laid out as torch's: view() works on them --------------------------------------

#: rows whose result is a non-contiguous array where torch's is contiguous (so
#: ``F.interpolate(x, size=7).view(-1)`` raises here, ``.contiguous()`` copies, and a
#: ``Flatten`` of the result copies instead of aliasing it)
NON_CONTIGUOUS_ROWS = {
    "conv_transpose2d(stride, padding, output_padding)": "ops/conv.py",
    "lstm(proj_size)": "ops/rnn.py",
}
#: rows fixed since the campaign found them (their results are made C-contiguous)
CONTIGUOUS_NOW = ("interpolate(nearest, size)", "interpolate(nearest, scale_factor=2)",
                  "interpolate(linear)", "interpolate(linear, align_corners)",
                  "pad(replicate)", "einsum ij,jk,kl->il")


def _row_inputs(name: str) -> list[np.ndarray]:
    row = OPS[name]
    shapes = [(3, 4)] * row.arity if row.kind in ("elementwise", "broadcast") else row.cases[0]
    rng = np.random.default_rng(0)
    return [rng.uniform(0.3, 0.9, s) for s in shapes]


@pytest.mark.parametrize("name", [*CONTIGUOUS_NOW, *[
    pytest.param(n, marks=xfail("we-raise @ view / alias @ contiguous", f))
    for n, f in NON_CONTIGUOUS_ROWS.items()]])
def test_row_results_are_contiguous_where_torchs_are(name):
    from tests.torchdiff import torch_backend, torch_row

    arrays = _row_inputs(name)
    env = {**torch_backend().base, **{f"a{i}": torch.tensor(x) for i, x in enumerate(arrays)}}
    theirs = eval(torch_row(name).format(*[f"a{i}" for i in range(len(arrays))]), env)
    ours = OPS[name].fn(*[ta.tensor(x) for x in arrays])
    assert theirs.is_contiguous()
    assert ours.is_contiguous(), f"{name}: strides {ours.stride()}, torch's {theirs.stride()}"
    ours.view(-1)


# --- requires_grad_(False) on a no-grad view of a tensor that requires grad ---------------------


@xfail("requires_grad @ requires_grad_", "views.py / tensor.py requires_grad_ (engine)")
def test_requires_grad_false_on_a_no_grad_view_keeps_its_base():
    """torch: a view's requires_grad follows its base, so requires_grad_(False) on a no-grad
    view of a tensor that requires grad leaves it True (and is not an error)."""
    for lib in (torch, ta):
        x = lib.tensor(-2.0, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v = x.transpose(-1, -1)
        v.requires_grad_(False)
        assert v.requires_grad, lib.__name__


# --- abs (and dist(p=1), norm(p=1)) at nan: torch's gradient is sgn(nan) = 0 ------------------


@xfail("grad value @ backward (abs at nan)", "ops/elementwise.py Abs.backward")
@pytest.mark.parametrize("how", ["abs", "dist(p=1)", "norm(p=1)"])
def test_abs_gradient_at_nan_is_zero(how):
    """torch's abs backward is g * sgn(x), and sgn(nan) is 0 (as x.sign() is here too)."""
    def grad(lib):
        x = lib.tensor([math.nan, 1.0, -2.0], dtype=lib.float64, requires_grad=True)
        y = {"abs": lambda: x.abs().sum(), "dist(p=1)": lambda: lib.dist(x, x.detach() * 0, p=1),
             "norm(p=1)": lambda: x.norm(p=1)}[how]()
        y.backward()
        return np.asarray(x.grad.tolist())
    np.testing.assert_array_equal(grad(torch), [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(grad(ta), grad(torch))


# --- prod with two zeros: torch's gradient is exactly 0, whatever the upstream gradient --------


@xfail("grad value @ backward (prod with two zeros)", "ops/reduce.py prod's backward")
def test_prod_gradient_with_two_zeros_is_zero_even_for_an_infinite_upstream():
    """prod(x) ** -1.8 at prod 0 sends an infinite gradient into prod; with two zeros in x
    every partial derivative is exactly 0, and torch returns zeros (no inf * 0 = nan)."""
    def grad(lib):
        x = lib.tensor([[-1.5, 0.0, 1.0, 1.5], [1.5, -0.5, 0.0, 0.5]], dtype=lib.float64,
                       requires_grad=True)
        (x.prod() ** lib.tensor(-1.8, dtype=lib.float64)).backward()
        return np.asarray(x.grad.tolist())
    np.testing.assert_array_equal(grad(torch), np.zeros((2, 4)))
    np.testing.assert_array_equal(grad(ta), grad(torch))


# --- a numpy integer scalar ** a float32 tensor: the gradient keeps float32 ---------------------


@xfail("grad dtype @ backward", "ops/elementwise.py Pow (log of the numpy base in float64)")
def test_numpy_int_scalar_power_keeps_the_gradient_float32():
    """np.int64(2) ** x (x float32) is float32 in both; the gradient reaching a retained
    non-leaf (here a view) must be float32 too (ours is float64, numpy's promotion of
    log(np.int64(2)))."""
    for lib in (torch, ta):
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        v = x.view(1, 2)
        v.retain_grad()
        (np.int64(2) ** v).sum().backward()
        assert str(v.grad.dtype).endswith("float32"), (lib.__name__, v.grad.dtype)
        assert str(x.grad.dtype).endswith("float32"), (lib.__name__, x.grad.dtype)


# --- masked_fill of a bool tensor: any number converts (inf and nan to True) ------------------


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_masked_fill_of_a_bool_tensor_takes_any_number(value):
    """torch: bool(value) for a bool tensor (True for inf and nan); the overflow error is for
    integer dtypes only (int64 with inf raises in both)."""
    for lib in (torch, ta):
        y = lib.tensor([False, True]).masked_fill(lib.tensor([True, False]), value)
        assert y.tolist() == [True, True], lib.__name__


# --- found by the reviewer's port of real PyTorch code -----------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "bool"])
def test_small_integer_sums_are_int64_as_torch(dtype):
    """numpy sums uint8 as uint64, so ``x.sum() - 400`` wrapped around; torch sums every
    integer (and bool) dtype in int64."""
    for lib in (torch, ta):
        x = lib.tensor([1, 0, 1], dtype=getattr(lib, dtype))
        assert str(x.sum().dtype).endswith("int64") and str(x.sum(0).dtype).endswith("int64")
    assert (ta.tensor([200, 100], dtype=ta.uint8).sum() - 400).item() == -100
