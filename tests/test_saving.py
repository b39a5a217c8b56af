"""One way to keep state: what a node saves, per wanted gradient, and when it is freed.

Each behaviour is PyTorch's (cross-checked when torch is installed): a node keeps only what
the gradients that are actually wanted need, so a constant's gradient never costs memory
and never raises a false in-place error.
"""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F


def arrays_kept(t):
    return [s for s in t.grad_fn.saved if isinstance(s, np.ndarray)]


def test_a_constant_factor_keeps_nothing_of_the_other_operand():
    x = ta.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    y = (h * np.array([1.0, 2.0, 3.0])).sum()
    h.add_(1.0)                     # h is not needed for the gradient of x: no error
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])


def test_scalar_products_and_quotients_keep_no_array():
    x = ta.randn(4, 5, requires_grad=True)
    for y in (x * 2.0, 2.0 * x, x / 2, x * np.float32(3)):
        assert arrays_kept(y) == [] or all(a.ndim == 0 for a in arrays_kept(y))
        assert not any(a is x._array for a in arrays_kept(y))


def test_a_quotient_keeps_its_output_only_when_the_divisor_needs_a_gradient():
    a = ta.randn(3, requires_grad=True)
    b = ta.tensor([1.0, 2.0, 4.0], requires_grad=True)
    y = a / b
    assert any(s is y._array for s in y.grad_fn.saved)
    z = a / ta.tensor([1.0, 2.0, 4.0])
    assert not any(s is z._array for s in z.grad_fn.saved)
    z.add_(1.0)                      # allowed: the output is not needed
    z.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.0, 0.5, 0.25])


def test_matmul_and_linear_keep_only_the_operand_the_wanted_gradient_needs():
    x = ta.randn(4, 3)                    # data: no gradient wanted
    w = ta.randn(2, 3, requires_grad=True)
    y = F.linear(x, w)
    assert any(s is x._array for s in y.grad_fn.saved)
    z = x @ w.T
    assert not any(s is w._array for s in z.grad_fn.saved)


def test_everything_saved_is_freed_after_backward():
    logits = ta.randn(5, 3, requires_grad=True)
    loss = F.cross_entropy(logits, np.array([0, 1, 2, 0, 1]))
    node = loss.grad_fn
    assert any(isinstance(s, np.ndarray) and s.shape == (5, 3) and s is not logits._array
               for s in node.saved)   # the exponentials
    loss.backward()
    assert node.saved == "freed"


def test_backward_twice_follows_pytorch():
    """Only a node that saved values is freed: a graph of shapes only runs again."""
    x = ta.ones(2, 3, requires_grad=True)
    y = (x + 1).reshape(-1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
    for make in (lambda x: (x * 2.0).sum(), lambda x: (x / 2).sum(), lambda x: x.max()):
        x = ta.ones(2, 3, requires_grad=True)
        y = make(x)
        y.backward()
        with pytest.raises(RuntimeError, match="second time"):
            y.backward()


def test_in_place_after_an_output_based_op_is_still_caught():
    x = ta.randn(3, requires_grad=True)
    y = x.exp()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="ExpBackward.*in-place"):
        y.sum().backward()


def test_the_saved_values_are_version_checked_where_they_alias_an_input():
    a = ta.randn(3, requires_grad=True)
    b = ta.randn(3)
    y = (a * b).sum()
    b.add_(1.0)                                    # b is what a's gradient needs
    with pytest.raises(RuntimeError, match="MulBackward"):
        y.backward()


def test_torch_agrees_on_which_of_these_raise():
    torch = pytest.importorskip("torch")

    def outcome(lib, tensor, program):
        x = tensor(np.arange(1.0, 4.0), requires_grad=True)
        try:
            program(lib, x)
            return "ran"
        except RuntimeError:
            return "raised"

    def constant_factor(lib, x):
        h = x * 1.0
        y = (h * tensor(np.array([1.0, 2.0, 3.0]))).sum()
        h.add_(1.0)
        y.backward()

    def twice_shapes_only(lib, x):
        y = (x + 1).sum()
        y.backward()
        y.backward()

    def twice_scaled(lib, x):
        y = (x * 2.0).sum()
        y.backward()
        y.backward()

    def divided_then_changed(lib, x):
        z = x / tensor(np.array([1.0, 2.0, 4.0]))
        z.add_(1.0)
        z.sum().backward()

    def exp_then_changed(lib, x):
        y = x.exp()
        y.add_(1.0)
        y.sum().backward()

    for program in (constant_factor, twice_shapes_only, twice_scaled, divided_then_changed,
                    exp_then_changed):
        def tensor(data, requires_grad=False):
            return ta.tensor(data, requires_grad=requires_grad)
        ours = outcome(ta, tensor, program)

        def tensor(data, requires_grad=False):
            return torch.tensor(data, requires_grad=requires_grad)
        theirs = outcome(torch, tensor, program)
        assert ours == theirs, program.__name__


def test_linear_keeps_the_weight_only_when_the_input_needs_a_gradient():
    """An optimizer step between forward and backward is fine when only the weight wants a
    gradient (the input is data): torch's addmm saves W for dx only, so does ours."""
    layer = ta.nn.Linear(3, 2)
    opt = ta.optim.SGD(layer.parameters(), lr=0.1)
    x = ta.ones(4, 3)
    a, b = layer(x).sum(), (layer(x) ** 2).sum()
    a.backward()
    opt.step()
    b.backward()  # runs, as in torch: dW = g^T x needs x only
    x = ta.ones(4, 3, requires_grad=True)
    c = layer(x).sum()
    with ta.no_grad():
        layer.weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        c.backward()  # dx = g W needs W: the change is caught
