"""The speed work of issue 17 tried to break: every shortcut the engine, the fused nodes and
the optimizers take must give exactly what the plain code gave, including where the user
holds an array (a reference to ``.grad``, a view of a parameter, a hook, a retained grad).

One section per shortcut: the optimizers' in-place updates (chunked SGD step, Adam's one
scratch array, ``lerp_`` into a scratch), the backward's fast leaf accumulation, the
``tensor * ndarray`` fast path, the Linear node's row handling and bias gradient, and the
cross-entropy node's empty batch.
"""
import math

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim
from tinygrad_acts.autograd import Function
from tinygrad_acts.optim import optimizer as optimizer_module
from tinygrad_acts.optim.optimizer import CHUNK, add_scaled_, lerp_

# --- optimizers: the step formed in pieces, Adam's scratch, lerp_ into a scratch --------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3,), (CHUNK + 5,), (2, CHUNK // 2 + 3)])
def test_add_scaled_is_bit_for_bit_the_plain_update(dtype, shape):
    rng = np.random.default_rng(0)
    p, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    plain = p.copy()
    plain -= 0.05 * g
    add_scaled_(p, -0.05, g)
    assert p.dtype == dtype and np.array_equal(p, plain)


def test_add_scaled_on_a_strided_parameter_falls_back_and_is_right():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((CHUNK // 64, 256))
    p = base.T  # not C-contiguous: updated through the plain path, in place
    g = rng.standard_normal(p.shape)
    want = p - 0.1 * g
    add_scaled_(p, -0.1, g)
    assert np.array_equal(p, want) and np.array_equal(base.T, want)


def _big_model(dtype=np.float32):
    ta.manual_seed(0)
    return nn.Linear(CHUNK // 100 + 7, 120, dtype=dtype)   # weight past CHUNK elements


def _one_backward(model, dtype=np.float32):
    x = ta.tensor(np.random.default_rng(2).standard_normal((4, model.in_features)), dtype=dtype)
    model(x).tanh().sum().backward()


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                    {"weight_decay": 0.1, "maximize": True},
                                    {"momentum": 0.5, "dampening": 0.3}])
def test_sgd_on_a_large_weight_matches_the_textbook_update(kwargs):
    model = _big_model()
    opt = optim.SGD(model.parameters(), lr=0.01, **kwargs)
    mu, damp = kwargs.get("momentum", 0), kwargs.get("dampening", 0)
    wd, sign = kwargs.get("weight_decay", 0), -1 if kwargs.get("maximize") else 1
    buf = None
    for step in range(3):
        opt.zero_grad()
        _one_backward(model)
        w, g = model.weight.numpy().copy(), model.weight.grad.numpy().copy()
        d = sign * g + wd * w if wd else sign * g
        if mu:
            buf = d.copy() if buf is None else buf * mu + (d if damp == 0 else (1 - damp) * d)
            d = d + mu * buf if kwargs.get("nesterov") else buf
        opt.step()
        assert np.array_equal(model.weight.numpy(), w - 0.01 * d), step


def test_sgd_never_writes_into_the_gradient_the_user_holds():
    model = _big_model()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    _one_backward(model)
    held = model.weight.grad
    before = held.numpy().copy()
    opt.step()
    opt.step()
    assert np.array_equal(held.numpy(), before)


def test_sgd_updates_views_of_the_parameter_and_bumps_its_version():
    model = _big_model()
    opt = optim.SGD(model.parameters(), lr=0.5)
    row = model.weight.numpy()[0]              # a numpy view: shares the memory
    _one_backward(model)
    y = (model.weight * 2.0).sum()             # saves nothing of the weight ...
    z = (model.weight * model.weight).sum()    # ... this saves it
    expected = row - 0.5 * model.weight.grad.numpy()[0]
    opt.step()
    assert np.array_equal(row, expected)
    y.backward()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def _adam_reference(p, grad, m, v, vmax, step, lr, b1, b2, eps, wd, amsgrad, decoupled):
    """Adam as written before the scratch array (each temporary its own array)."""
    if wd:
        if decoupled:
            p *= 1 - lr * wd
        else:
            grad = grad + wd * p
    m += (1 - b1) * (grad - m)
    v *= b2
    v += (1 - b2) * grad * grad
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    denom = np.sqrt(v) / math.sqrt(1 - b2 ** step) + eps
    p -= lr / (1 - b1 ** step) * (m / denom)


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_with_one_scratch_array_is_bit_for_bit_the_old_adam(cls, amsgrad, dtype):
    rng = np.random.default_rng(3)
    w = ta.tensor(rng.standard_normal((5, 7)).astype(dtype), requires_grad=True)
    opt = cls([w], lr=0.01, weight_decay=0.1, amsgrad=amsgrad)
    p = w.numpy().copy()
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for step in range(1, 5):
        w.grad = ta.tensor(rng.standard_normal(p.shape).astype(dtype))
        held = w.grad.numpy().copy()
        _adam_reference(p, held.copy(), m, v, vmax, step, 0.01, 0.9, 0.999, 1e-8, 0.1,
                        amsgrad, cls is optim.AdamW)
        opt.step()
        assert np.array_equal(w.numpy(), p), step
        assert np.array_equal(w.grad.numpy(), held)          # the grad is the user's
        state = opt.state[w]
        assert np.array_equal(state["exp_avg"], m) and np.array_equal(state["exp_avg_sq"], v)
        assert not np.shares_memory(state["exp_avg"], state["exp_avg_sq"])


@pytest.mark.parametrize("weight", [0.1, 0.5, 0.9, 1.0])
def test_lerp_into_a_scratch_is_bit_for_bit_lerp(weight):
    rng = np.random.default_rng(4)
    start, end = rng.standard_normal(50).astype(np.float32), rng.standard_normal(50)
    end = end.astype(np.float32)
    a, b = start.copy(), start.copy()
    lerp_(a, end, weight)
    lerp_(b, end, weight, np.empty_like(b))
    assert np.array_equal(a, b)
    if weight == 1.0:
        assert np.array_equal(a, end)


def test_the_chunk_size_only_changes_memory_not_results(monkeypatch):
    results = []
    for chunk in (CHUNK, 1000):
        monkeypatch.setattr(optimizer_module, "CHUNK", chunk)
        model = _big_model()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(2):
            opt.zero_grad()
            _one_backward(model)
            opt.step()
        results.append(model.weight.numpy().copy())
    assert np.array_equal(*results)


# --- the backward's fast leaf accumulation --------------------------------------------


def test_two_leaves_never_share_a_gradient_array():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = ta.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()          # Add hands the same array to both inputs
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    x.grad.numpy()[0] = 100.0
    assert y.grad.tolist() == [1.0, 1.0]


def test_a_leaf_hook_still_runs_and_its_result_is_the_grad():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()) or g * 3)
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0]] and x.grad.tolist() == [6.0, 12.0]


def test_a_second_backward_accumulates_into_the_grad_the_user_holds():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).sum().backward()
    held = x.grad
    (x * 3.0).sum().backward()
    assert held is x.grad and held.tolist() == [5.0, 5.0]


class _Float64Grad(Function):
    """y = x; dx = g in float64, whatever x's dtype (a rule that forgets to cast)."""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return np.asarray(g, dtype=np.float64)


def test_a_gradient_of_another_dtype_is_cast_to_the_leafs():
    x = ta.tensor([1.0, 2.0], requires_grad=True)          # float32
    _Float64Grad.apply(x).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]


def test_a_retained_non_leaf_grad_and_the_leaf_grad_are_separate():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    h.sum().backward()
    assert h.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [1.0, 1.0]
    h.grad.numpy()[0] = 7.0
    assert x.grad.tolist() == [1.0, 1.0]


def test_create_graph_still_makes_graph_connected_grads():
    x = ta.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (gx,) = ta.grad(x.grad.sum(), x)
    assert gx.tolist() == [6.0, 12.0]


# --- tensor * ndarray of the same dtype (dropout's mask) ------------------------------


@pytest.mark.parametrize("other", [np.array([2.0, 0.0], np.float32),
                                   np.array(2.0, np.float32),
                                   np.array([2.0, 0.0], np.float64),
                                   np.array([2, 0], np.int64)])
def test_tensor_times_an_array_is_as_with_the_array_wrapped(other):
    x = ta.tensor([1.5, -3.0], requires_grad=True)
    fast = x * other
    fast.sum().backward()
    g_fast = x.grad.numpy().copy()
    x.grad = None
    slow = x * ta.tensor(other)
    slow.sum().backward()
    assert fast.dtype == slow.dtype and np.array_equal(fast.numpy(), slow.numpy())
    assert np.array_equal(g_fast, x.grad.numpy())


def test_an_array_operand_is_not_aliased_by_the_result():
    mask = np.array([2.0, 0.0], np.float32)
    x = ta.tensor([1.0, 1.0], requires_grad=True)
    y = x * mask
    y.numpy()[0] = 9.0
    assert mask.tolist() == [2.0, 0.0]


# --- Linear: rows of any shape, the bias gradient -------------------------------------


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,), (2, 1, 2, 3)])
def test_linear_matches_its_composite_on_any_leading_shape(shape):
    rng = np.random.default_rng(5)
    x = ta.tensor(rng.standard_normal(shape), requires_grad=True)
    w = ta.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = ta.tensor(rng.standard_normal(2), requires_grad=True)
    assert ta.gradcheck(lambda x, w, b: F.linear(x, w, b), (x, w, b))
    F.linear(x, w, b).sum().backward()
    grads = [t.grad.numpy().copy() for t in (x, w, b)]
    for t in (x, w, b):
        t.grad = None
    (x @ w.T + b).sum().backward()
    for got, t in zip(grads, (x, w, b)):
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_linear_second_derivatives_through_the_bias_gradient():
    rng = np.random.default_rng(6)
    x = ta.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = ta.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = ta.tensor(rng.standard_normal(2), requires_grad=True)
    assert ta.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), (x, w, b))


def test_linear_on_an_empty_batch_gives_zero_gradients():
    w = ta.tensor(np.ones((2, 3)), requires_grad=True)
    b = ta.tensor(np.ones(2), requires_grad=True)
    F.linear(ta.zeros(0, 3, dtype=np.float64), w, b).sum().backward()
    assert w.grad.tolist() == [[0.0] * 3] * 2 and b.grad.tolist() == [0.0, 0.0]


# --- cross-entropy: the mean of no rows -----------------------------------------------


def test_cross_entropy_of_an_empty_batch_is_nan_with_empty_gradients_and_no_warnings():
    x = ta.zeros(0, 4, dtype=np.float64, requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(x, ta.tensor(np.zeros(0, np.int64)))
        loss.backward()
    assert np.isnan(loss.item()) and x.grad.shape == (0, 4)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradient_is_softmax_minus_onehot(reduction):
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((5, 3))
    target = np.array([0, 2, 1, 1, 0])
    x = ta.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, ta.tensor(target), reduction=reduction)
    (loss.sum() if reduction == "none" else loss).backward()
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    want = (p - np.eye(3)[target]) / (5 if reduction == "mean" else 1)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12, atol=1e-15)


# --- activations: the one-comparison check of a rule's result -------------------------


def test_a_user_rule_of_the_wrong_shape_is_still_refused():
    ta.register_activation("bad_shape_rule", forward=lambda x: x * 1.0,
                           backward=lambda grad, y: grad.sum(), saves="output")
    try:
        with pytest.raises(RuntimeError, match="bad_shape_rule"):
            ta.tensor([1.0, 2.0], requires_grad=True).bad_shape_rule().sum().backward()
    finally:
        ta.unregister_activation("bad_shape_rule")
