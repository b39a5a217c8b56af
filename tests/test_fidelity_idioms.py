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
