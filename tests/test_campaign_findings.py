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
    "lstm(proj_size)": "ops/rnn.py",
}
#: rows fixed since the campaign found them (their results are made C-contiguous)
CONTIGUOUS_NOW = ("interpolate(nearest, size)", "interpolate(nearest, scale_factor=2)",
                  "interpolate(linear)", "interpolate(linear, align_corners)",
                  "pad(replicate)", "einsum ij,jk,kl->il",
                  "conv_transpose2d(stride, padding, output_padding)")


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


# --- xlogy: torch's x-gradient is xlogy(g, y), 0 where g = 0 ----------------------------------


def test_xlogy_gradient_is_zero_where_the_upstream_gradient_is():
    """torch's rule for x is ``xlogy(g, y)`` masked where x = 0 and y <= 0: a zero upstream
    gradient gives 0 even where log y is nan or -inf (ours multiplied: 0 * nan = nan)."""
    def grad(lib):
        x = lib.tensor([-0.28, 0.0, 0.21, 1.0], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([-math.inf, 2.0, -1.0, math.nan], dtype=lib.float64)
        x.xlogy(y).backward(lib.tensor([0.0, 0.0, 0.0, 0.0], dtype=lib.float64))
        return np.asarray(x.grad.tolist())
    np.testing.assert_array_equal(grad(torch), [0.0, 0.0, 0.0, math.nan])
    np.testing.assert_array_equal(grad(ta), grad(torch))


def test_xlogy_with_a_number_runs_under_create_graph():
    """x.xlogy(-1) under create_graph: the rule's mask ``(x == 0) & (y <= 0)`` met a numpy
    bool (a float to the Tensor's ``&``, as torch takes it) and raised NotImplementedError."""
    found = []
    for lib, grad in ((torch, torch.autograd.grad), (ta, ta.grad)):
        x = lib.tensor([0.58, 0.0], dtype=lib.float64, requires_grad=True)
        (g,) = grad(x.xlogy(-1).sum(), x, create_graph=True)
        found.append(np.asarray(g.tolist()))
    np.testing.assert_array_equal(found[1], found[0])


# --- cross_entropy: an ignored row's gradient is 0, whatever the upstream gradient -------------


def test_cross_entropy_ignored_rows_get_zero_even_for_a_nan_upstream():
    """torch's nll_loss backward writes nothing into an ignored row, so a nan upstream
    gradient (asin of a loss above 1) leaves it 0; ours was (p * 0 - 0) * nan = nan."""
    def grad(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor([0, -100]), label_smoothing=0.2)
        loss.backward(lib.tensor(math.nan, dtype=lib.float64))
        return np.asarray(x.grad.tolist())
    np.testing.assert_array_equal(grad(torch), [[math.nan, math.nan], [0.0, 0.0]])
    np.testing.assert_array_equal(grad(ta), grad(torch))


# --- fill_ / zero_ / x[...] = v: the gradient left for x is a constant zero --------------------


@pytest.mark.parametrize("how", ["x.fill_(0.5)", "x.zero_()", "x[...] = 0.5", "x[:] = 0.5"])
def test_a_filled_tensor_passes_back_a_constant_zero_gradient(how):
    """torch's fill_ / zero_ backward is ``zeros_like(grad)``: under create_graph it requires
    no grad even when grad_outputs does (ours was ``where(everywhere, 0, g)``, which does)."""
    for lib, grad in ((torch, torch.autograd.grad), (ta, ta.grad)):
        w = lib.tensor([-0.04], dtype=lib.float64, requires_grad=True)
        x = lib.zeros(3, dtype=lib.float64)
        x[lib.tensor([False, True, False])] = w
        exec(how, {"x": x})
        g = lib.tensor([0.73, 1.04, 1.2], dtype=lib.float64, requires_grad=True)
        (gw,) = grad(x * 2, [w], grad_outputs=[g], create_graph=True)
        assert gw.tolist() == [0.0] and not gw.requires_grad, lib.__name__
