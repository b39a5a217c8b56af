"""Regressions for issue #13: the PyTorch idioms where an adversary found tinygrad_acts
silently differing from torch (dtype inference, uniform bounds, inference_mode nesting,
in-place binary forms, factory out=/dtype/arange checks)."""
import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


# --- 1. dtype inference for tensor() and new_tensor() -----------------------------------------

@pytest.mark.parametrize("make", [
    lambda m: [m.tensor(0.1, dtype=m.float64)], lambda m: [np.float64(0.1)],
    lambda m: [np.array([0.1])], lambda m: [np.float16(1)], lambda m: [np.float16(1), 2.5],
    lambda m: [True, 2], lambda m: [m.tensor(1, dtype=m.int8), 3], lambda m: [[1.5, 2]],
    lambda m: [m.tensor(1), 1.5], lambda m: [m.tensor(1.0, dtype=m.float16), 3]])
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list")
def test_tensor_infers_dtype_as_torch(make):
    ours, theirs = ta.tensor(make(ta)), torch.tensor(make(torch))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_new_tensor_keeps_exact_value_in_self_dtype():
    ours = ta.zeros(1, dtype=ta.float64).new_tensor(1 / 3)
    theirs = torch.zeros(1, dtype=torch.float64).new_tensor(1 / 3)
    assert ours.dtype == np.float64 and ours.item() == theirs.item() == 1 / 3


# --- 2. uniform draws stay below the upper bound ----------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_uniform_draws_never_reach_high(dtype):
    g = ta.Generator().manual_seed(0)
    x = ta.rand(300_000, dtype=dtype, generator=g)
    assert x.dtype == dtype and float(x.max().item()) < 1.0
    assert float(ta.rand_like(x, generator=g).max().item()) < 1.0
    assert float(ta.zeros(300_000, dtype=dtype).uniform_(5, 6, generator=g).max().item()) < 6


def test_below_maps_rounded_up_draws_to_the_next_value_down():
    from tinygrad_acts.api.factories import _below
    out = _below(np.array([1 - 2.0 ** -30, 0.5]), 1.0, np.dtype(np.float32))
    assert out.dtype == np.float32 and out[0] == np.nextafter(np.float32(1), np.float32(0))


# --- 3. inference_mode nesting ----------------------------------------------------------------

def _modes(m, outer, inner):
    w = m.ones(2, requires_grad=True)
    with outer(m), inner(m):
        return m.is_grad_enabled(), m.is_inference_mode_enabled(), (w * 2).requires_grad


@pytest.mark.parametrize("outer", [lambda m: m.inference_mode(), lambda m: m.no_grad()])
def test_inference_mode_false_turns_grad_back_on(outer):
    inner = lambda m: m.inference_mode(False)  # noqa: E731
    assert _modes(ta, outer, inner) == _modes(torch, outer, inner) == (True, False, True)
    with ta.no_grad():
        with ta.inference_mode(False):
            pass
        assert not ta.is_grad_enabled()  # restored on exit, as torch


# --- 4. in-place binary forms when another input requires grad --------------------------------

@pytest.mark.parametrize("op", [
    lambda x, w: x.pow_(w), lambda x, w: x.atan2_(w), lambda x, w: x.xlogy_(w),
    lambda x, w: x.fmod_(w), lambda x, w: x.remainder_(w), lambda x, w: x[:].pow_(w),
    lambda x, w: x.lerp_(x.new_tensor([5.0, 7.0]), w)])
def test_inplace_binary_form_gives_torch_gradient(op):
    grads = []
    for m in (ta, torch):
        x, w = m.tensor([2.0, 3.0]), m.tensor([2.0, 0.5], requires_grad=True)
        op(x, w)
        x.sum().backward()
        grads.append(np.asarray(w.grad.tolist()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_rounded_div_has_zero_gradient(mode):
    out = []
    for m in (ta, torch):
        w = m.tensor([2.0, -3.0], requires_grad=True)
        r = m.div(m.tensor([7.0, -7.0]), w, rounding_mode=mode)
        r.sum().backward()
        out.append((r.tolist(), w.grad.tolist(), r.requires_grad))
    assert out[0] == out[1]


def test_div_number_on_the_left_is_a_weak_scalar():
    assert ta.div(7.5, ta.tensor([2, 2])).dtype == np.float32
    assert str(torch.div(7.5, torch.tensor([2, 2])).dtype) == "torch.float32"


# --- 5. factories' out= / dtype / arange checks -----------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.randn(3, out=m.zeros(3, dtype=m.int64)),
    lambda m: m.zeros(2, out=m.zeros(2), dtype=m.float64),
    lambda m: m.rand(3, out=m.zeros(3), dtype=m.float64),
    lambda m: m.arange(0, 2, 0.5, dtype=m.int64), lambda m: m.arange(0, 5, -1),
    lambda m: m.arange(0, 5, 0), lambda m: m.arange(start=3)])
def test_factory_refuses_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(ta)


@pytest.mark.parametrize("call", [
    lambda m: m.full((2,), m.tensor(3)), lambda m: m.arange(end=3),
    lambda m: m.arange(start=1, end=4, step=2), lambda m: m.arange(5, 0, -2),
    lambda m: m.zeros(2, out=m.zeros(2, dtype=m.int64)),
    lambda m: m.rand(3, out=m.zeros(3, dtype=m.float64)).dtype])
def test_factory_dtype_as_torch(call):
    ours, theirs = call(ta), call(torch)
    if not isinstance(ours, ta.Tensor):
        assert str(ours) == str(theirs).removeprefix("torch.")
        return
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


# --- 6. comparisons and rounded division with out-of-range Python ints ------------------------

def _same(call):
    """call(ta) and call(torch) agree: the same values and dtype, or the same error type."""
    try:
        theirs = call(torch)
    except Exception as e:  # noqa: BLE001 (whichever torch raises, ours must too)
        with pytest.raises(type(e)):
            call(ta)
        return
    ours = call(ta)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("call", [
    lambda m: m.lt(m.tensor([0, 5], dtype=m.uint8), -1),
    lambda m: m.eq(m.tensor([-128], dtype=m.int8), 128),
    lambda m: m.gt(m.tensor([0, 5], dtype=m.uint8), 300),
    lambda m: m.tensor([0, 5], dtype=m.uint8).ge(256),
    lambda m: m.ne(m.tensor([0, 5], dtype=m.uint8), 261),
    lambda m: m.tensor([0, 5], dtype=m.uint8).gt_(-1),
    lambda m: m.tensor([0, 5], dtype=m.uint8).le_(-1),
    lambda m: m.eq(m.tensor([0, 5], dtype=m.uint8), 2 ** 63),
    lambda m: m.eq(m.tensor([0, 5], dtype=m.uint8), 2 ** 64 + 5),
    lambda m: m.lt(m.tensor([0, 5], dtype=m.uint8), -1.0),
    lambda m: m.lt(m.tensor([True]), 2),
    lambda m: m.div(m.tensor([100, -100], dtype=m.int8), 1000, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([100, -100], dtype=m.int8), 1000, rounding_mode="floor"),
    lambda m: m.div(m.tensor([100, -100], dtype=m.int8), 300, rounding_mode="trunc"),
    lambda m: m.div(1000, m.tensor([7], dtype=m.int8), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([100, -100], dtype=m.int8), 1000)])
def test_python_int_wraps_into_the_tensor_dtype_as_torch(call):
    _same(call)


@pytest.mark.parametrize("other", [[1.0, 2.0], None, "a", np.array(1.0)])
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "ge"])
def test_comparison_function_refuses_a_non_number_as_torch(name, other):
    with pytest.raises(TypeError):
        getattr(torch, name)(torch.tensor([1.0, 2.0]), other)
    with pytest.raises(TypeError, match=name):
        getattr(ta, name)(ta.tensor([1.0, 2.0]), other)


# --- 7. as_tensor / asarray share an ndarray's memory ----------------------------------------

@pytest.mark.parametrize("make", [
    lambda m, a: m.as_tensor(a), lambda m, a: m.asarray(a),
    lambda m, a: m.as_tensor(a, dtype=m.float64), lambda m, a: m.asarray(a, copy=True),
    lambda m, a: m.as_tensor(a[::2])])
def test_as_tensor_shares_memory_as_torch(make):
    seen = []
    for m in (ta, torch):
        a = np.zeros(4, np.float32)
        make(m, a).add_(1)
        seen.append(a.tolist())
    assert seen[0] == seen[1]


def test_asarray_copy_false_refuses_a_conversion_as_torch():
    a = np.zeros(2, np.float32)
    with pytest.raises(ValueError):
        torch.asarray(a, dtype=torch.float64, copy=False)
    with pytest.raises(ValueError, match="asarray"):
        ta.asarray(a, dtype=ta.float64, copy=False)
    t = ta.asarray(a, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.dtype == np.float32


# --- 8. float16 reductions accumulate in float32 ---------------------------------------------

_H = [60000.0, 60000.0]


@pytest.mark.parametrize("call", [
    lambda m: m.tensor(_H, dtype=m.float16).mean(),
    lambda m: m.tensor(_H, dtype=m.float16).sum(),
    lambda m: m.tensor([[6e4, 6e4]], dtype=m.float16).mean(1),
    lambda m: m.tensor([1.0] + [1e-3] * 2000, dtype=m.float16).mean(),
    lambda m: m.tensor([300.0, 300.0], dtype=m.float16).norm(),
    lambda m: m.linalg.vector_norm(m.tensor([300.0, 300.0], dtype=m.float16)),
    lambda m: m.dist(m.tensor([300.0, 300.0], dtype=m.float16),
                     m.zeros(2, dtype=m.float16)),
    lambda m: m.tensor([6e4, 6e4, -6e4], dtype=m.float16).cumsum(0),
    lambda m: m.tensor([1.0] + [1e-3] * 2000, dtype=m.float16).cumsum(0),
    lambda m: m.tensor([300.0, 300.0, 1 / 300], dtype=m.float16).cumprod(0),
    lambda m: m.tensor([6e4, -6e4], dtype=m.float16).var(),
    lambda m: m.tensor([11.0, 11.0], dtype=m.float16).logsumexp(0),
    lambda m: m.nanmean(m.tensor(_H, dtype=m.float16))])
def test_float16_reduction_accumulates_as_torch(call):
    _same(call)


@pytest.mark.parametrize("reduce", [lambda x: x.norm(), lambda x: x.mean(),
                                    lambda x: x.cumsum(0).sum(), lambda x: x.var()])
def test_float16_reduction_gradient_stays_float16(reduce):
    grads = []
    for m in (ta, torch):
        x = m.tensor([300.0, 200.0], dtype=m.float16, requires_grad=True)
        reduce(x).backward()
        grads.append((str(x.grad.dtype).removeprefix("torch."), x.grad.tolist()))
    assert grads[0] == grads[1]


# --- 9. tensor() refuses numbers its integer dtype cannot hold; seeds as torch ----------------

@pytest.mark.parametrize("call", [
    lambda m: m.tensor([200], dtype=m.int8), lambda m: m.tensor(200, dtype=m.int8),
    lambda m: m.tensor([[1], [-129]], dtype=m.int8), lambda m: m.tensor([-1], dtype=m.uint8),
    lambda m: m.tensor([-255], dtype=m.uint8), lambda m: m.tensor([-256], dtype=m.uint8),
    lambda m: m.tensor([float("nan")], dtype=m.int64), lambda m: m.tensor([127.9], dtype=m.int8),
    lambda m: m.tensor([-1.0], dtype=m.uint8), lambda m: m.tensor([1.5], dtype=m.int8),
    lambda m: m.tensor([2 ** 63]), lambda m: m.tensor([True, 2 ** 63]),
    lambda m: m.tensor(2 ** 63, dtype=m.float64), lambda m: m.tensor([2 ** 63], dtype=m.float32),
    lambda m: m.tensor([200], dtype=m.bool), lambda m: m.tensor([1e5], dtype=m.float16)])
def test_tensor_checks_integer_range_as_torch(call):
    _same(call)


@pytest.mark.parametrize("seed", [1.5, 2 ** 64, True, -2 ** 63 - 1])
def test_manual_seed_refuses_as_torch(seed):
    with pytest.raises(Exception) as theirs:
        torch.Generator().manual_seed(seed)
    with pytest.raises(type(theirs.value)):
        ta.Generator().manual_seed(seed)


@pytest.mark.parametrize("seed", [-1, 2 ** 64 - 1, -2 ** 63, 7])
def test_manual_seed_initial_seed_as_torch(seed):
    assert ta.Generator().manual_seed(seed).initial_seed() == \
        torch.Generator().manual_seed(seed).initial_seed()


# --- 10. out= on div, the comparisons and the logical ops; true_divide_ -----------------------

_X = [1.0, 2.0]


@pytest.mark.parametrize("call", [
    lambda m: m.lt(m.tensor(_X), 1.5, out=m.zeros(2, dtype=m.bool)),
    lambda m: m.lt(m.tensor(_X), 1.5, out=m.zeros(2)),
    lambda m: m.eq(m.tensor(_X), m.tensor(_X), out=m.zeros(2, dtype=m.int64)),
    lambda m: m.div(m.tensor(_X), 2, out=m.zeros(2, dtype=m.float64)),
    lambda m: m.div(m.tensor(_X), 2, out=m.zeros(2, dtype=m.int64)),
    lambda m: m.div(m.tensor(_X), 2, out=m.zeros(2, dtype=m.bool)),
    lambda m: m.div(m.tensor([7, 8]), 2, rounding_mode="floor", out=m.zeros(2, dtype=m.int64)),
    lambda m: m.true_divide(m.tensor(_X), 4, out=m.zeros(2)),
    lambda m: m.logical_and(m.tensor(_X), m.tensor(_X), out=m.zeros(2)),
    lambda m: m.logical_not(m.tensor(_X), out=m.zeros(2, dtype=m.int64)),
    lambda m: m.logical_xor(m.tensor(_X), m.tensor([0.0, 1.0]), out=m.zeros(2, dtype=m.bool)),
    lambda m: m.div(m.tensor(_X, requires_grad=True), 2, out=m.zeros(2)),
    lambda m: m.tensor([4, 6]).true_divide_(2), lambda m: m.tensor([4.0, 6.0]).true_divide_(4),
    lambda m: m.tensor([7.0, -7.0]).divide_(2, rounding_mode="trunc")])
def test_out_and_inplace_division_as_torch(call):
    _same(call)


def test_out_returns_the_out_tensor():
    out = ta.zeros(2, dtype=ta.bool)
    assert ta.gt(ta.tensor(_X), 1.5, out=out) is out and out.tolist() == [False, True]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("vals, dim, correction", [
    ([300.0, -300.0], None, 1), ([1.0, 1.0], None, 1), ([2.0], None, 1),
    ([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], 1, 0), ([[1.0, 2.0], [5.0, 3.0]], 0, 1)])
@pytest.mark.filterwarnings("ignore:std....degrees of freedom")
def test_var_root_is_torch_std_in_one_node(dtype, vals, dim, correction):
    # (ops.Var(root=True): the std rounded once, for Tensor.std to use; see the report)
    x = ta.tensor(vals, dtype=getattr(ta, dtype), requires_grad=True)
    y = ta.ops.Var.apply(x, axis=dim, keepdims=False, correction=correction, root=True)
    y.sum().backward()
    t = torch.tensor(vals, dtype=getattr(torch, dtype), requires_grad=True)
    s = t.std(dim=dim, correction=correction)
    s.sum().backward()
    assert y.dtype == x.grad.dtype == np.dtype(dtype)
    rtol = 4e-3 if dtype == "float16" else 1e-6  # (float16: a few units in the last place)
    np.testing.assert_allclose(y.data.numpy().astype(float), s.detach().numpy().astype(float),
                               rtol=rtol)
    np.testing.assert_allclose(x.grad.data.numpy().astype(float), t.grad.numpy().astype(float),
                               rtol=rtol)


@pytest.mark.parametrize("call", [
    lambda m: m.as_tensor([np.float64(0.1), np.float64(0.2)]),
    lambda m: m.as_tensor([np.float16(1)]), lambda m: m.as_tensor([2 ** 63]),
    lambda m: m.as_tensor([200], dtype=m.int8)])
def test_as_tensor_of_a_list_is_tensor_of_it(call):
    _same(call)
