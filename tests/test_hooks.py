"""Hooks, PyTorch-style: on tensors (gradient), on modules (forward output, backward
gradients); every registration returns a handle whose ``remove()`` undoes it."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn


def leaf(values):
    return ta.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# --- Tensor.register_hook ------------------------------------------------------------------


def test_leaf_hook_sees_gradient_and_can_replace_it():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_nonleaf_hook_changes_what_flows_upstream():
    x = leaf([1.0, -2.0])
    h = x * 2
    h.register_hook(lambda g: g * 0)   # block the gradient here
    (h * h + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])  # only the direct path


def test_hook_chain_runs_in_registration_order():
    x = leaf([1.0])
    order = []
    x.register_hook(lambda g: order.append("a"))
    x.register_hook(lambda g: order.append("b"))
    x.sum().backward()
    assert order == ["a", "b"]


def test_tensor_hook_remove():
    x = leaf([1.0, 2.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    handle.remove()
    handle.remove()  # a second remove is harmless
    (x * 2).sum().backward()
    assert calls == []
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_hook_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ta.tensor([1.0]).register_hook(lambda g: None)


def test_hook_runs_under_create_graph_and_stays_differentiable():
    x = leaf([3.0])
    x_sq = x * x
    x_sq.register_hook(lambda g: g * 2)
    (dx,) = ta.grad(x_sq.sum(), x, create_graph=True)   # 2 * 2x
    assert dx.item() == pytest.approx(12.0)
    (d2x,) = ta.grad(dx.sum(), x)
    assert d2x.item() == pytest.approx(4.0)


# --- Module.register_forward_hook ----------------------------------------------------------


def test_forward_hook_sees_inputs_and_output():
    m = nn.Tanh()
    seen = []
    m.register_forward_hook(lambda mod, inp, out: seen.append((mod, inp, out)))
    x = ta.tensor([0.5])
    y = m(x)
    mod, inp, out = seen[0]
    assert mod is m and inp[0] is x and out is y


def test_forward_hook_can_replace_output():
    m = nn.ReLU()
    m.register_forward_hook(lambda mod, inp, out: out * 0 + 7)
    np.testing.assert_array_equal(m(ta.tensor([-1.0, 1.0])).numpy(), [7.0, 7.0])


def test_forward_hook_remove_and_stale_handle():
    m = nn.ReLU()
    calls = []
    first = m.register_forward_hook(lambda *a: calls.append("first"))
    first.remove()
    m.register_forward_hook(lambda *a: calls.append("second"))
    first.remove()  # a stale handle must not remove the newer hook
    m(ta.tensor([1.0]))
    assert calls == ["second"]


def test_forward_hooks_on_children_of_sequential():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Tanh())
    shapes = []
    handles = [m.register_forward_hook(lambda mod, i, o: shapes.append(o.shape))
               for m in net if isinstance(m, nn.Activation)]
    net(ta.randn(5, 3))
    assert shapes == [(5, 4), (5, 2)]
    for h in handles:
        h.remove()
    net(ta.randn(5, 3))
    assert len(shapes) == 2


# --- Module.register_full_backward_hook ----------------------------------------------------


def test_backward_hook_gets_grad_input_and_grad_output():
    m = nn.Tanh()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = leaf([0.0, 1.0])
    (m(x) * ta.tensor([2.0, 3.0], dtype=np.float64)).sum().backward()
    (gi,), (go,) = seen[0]
    np.testing.assert_allclose(go.numpy(), [2.0, 3.0])
    np.testing.assert_allclose(gi.numpy(), [2.0, 3.0 * (1 - np.tanh(1.0) ** 2)])
    np.testing.assert_allclose(x.grad.numpy(), gi.numpy())  # observing changes nothing


def test_backward_hook_input_without_grad_is_none():
    layer = nn.Linear(2, 3)
    seen = []
    layer.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    layer(ta.ones(1, 2)).sum().backward()
    (gi,), (go,) = seen[0]
    assert gi is None
    np.testing.assert_array_equal(go.numpy(), np.ones((1, 3)))
    assert layer.weight.grad is not None


def test_backward_hook_per_call_when_module_is_reused():
    m = nn.Sigmoid()
    grads_out = []
    m.register_full_backward_hook(lambda mod, gi, go: grads_out.append(go[0].item()))
    x = leaf([0.0])
    (m(x) * 2 + m(x) * 5).sum().backward()
    assert sorted(grads_out) == [2.0, 5.0]


def test_backward_hook_on_identity_module_sees_both_sides():
    m = nn.Identity()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi[0], go[0])))
    x = leaf([1.0, 2.0])
    (m(x) * 3).sum().backward()
    assert len(seen) == 1
    gi, go = seen[0]
    np.testing.assert_array_equal(gi.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(go.numpy(), [3.0, 3.0])


def test_backward_hook_second_pass_reports_second_gradients():
    m = nn.Tanh()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(go[0].numpy().copy()))
    y = m(leaf([0.5]))
    y.backward(ta.tensor([2.0], dtype=np.float64), retain_graph=True)
    y.backward(ta.tensor([5.0], dtype=np.float64))
    assert [s.item() for s in seen] == [2.0, 5.0]


def test_backward_hook_remove():
    m = nn.ReLU()
    calls = []
    handle = m.register_full_backward_hook(lambda *a: calls.append(1))
    handle.remove()
    x = leaf([1.0])
    m(x).sum().backward()
    assert calls == []
    assert x.grad.item() == 1.0


def test_backward_hook_refuses_an_inplace_activation():
    """As torch: a full backward hook wraps the module's output, which an in-place
    activation would then change, so it is refused."""
    m = nn.ReLU(inplace=True)
    m.register_full_backward_hook(lambda mod, gi, go: None)
    with pytest.raises(RuntimeError, match="BackwardHookFunction.*modified inplace"):
        m(leaf([-1.0, 2.0]) * 1)
