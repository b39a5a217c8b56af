"""Every bug the fuzzer (tests/test_fuzz.py) or the reliability tests have found, pinned
so it stays fixed. Each test says how the bug was found and what went wrong.
"""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

from tests.programs import Program, Step, check_program


def test_inplace_activation_on_a_0d_result():
    """Fuzzer: ``v1 = v0.sum(); v2 = (v1 + 0.3).sigmoid_()`` raised TypeError. numpy
    returns a scalar, not an array, for 0-d arithmetic, so a 0-d result's ``.data`` was
    an ``np.float64`` and in-place ops could not write into it."""
    program = Program([np.array([0.2, -0.5])],
                      [Step("sum", (0,), {"dim": None, "keepdim": False}),
                       Step("sigmoid_", (1,), {"shift": 0.3, "params": {}})])
    check_program(program)


def test_inplace_add_to_a_scalar_loss():
    """The same bug as a user meets it: ``loss += penalty`` on a 0-d loss."""
    w = ta.tensor([0.5, -1.0], requires_grad=True)
    loss = (w * w).sum() * 0.5
    loss += w.abs().sum() * 0.1
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.6, -1.1], rtol=1e-6)
    assert type((ta.tensor(2.0) * 3.0).numpy()) is np.ndarray


def test_gradient_of_a_0d_leaf_is_an_array():
    """Found while fixing the above: a 0-d leaf's ``.grad`` held a numpy scalar, so
    ``x.grad.zero_()`` raised TypeError."""
    x = ta.tensor(0.3, requires_grad=True)
    (x * 2.0).backward()
    (x * 2.0).backward()                 # the accumulating path too
    assert type(x.grad.numpy()) is np.ndarray and x.grad.item() == pytest.approx(4.0)
    x.grad.zero_()
    assert x.grad.item() == 0.0


def test_leaf_grad_keeps_the_leaf_dtype_when_a_path_promotes():
    """Found while fixing the above: a float32 leaf used twice with float64 constants got a
    float64 ``.grad`` (the first gradient was cast, the accumulated sum was not)."""
    x = ta.ones(3, requires_grad=True)
    c = np.ones(3)                       # float64
    ((x * c).sum() + (x * c).sum()).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_tensor_from_a_list_with_dtype_float64_keeps_every_digit():
    """Found while reproducing a fuzzer report: ``ta.tensor([1.1], dtype=np.float64)``
    went through float32 first and held 1.100000023841858."""
    assert ta.tensor([0.1, 1.1], dtype=np.float64).tolist() == [0.1, 1.1]
    assert ta.tensor([[0.1]], dtype=np.float64).tolist() == [[0.1]]
    assert ta.tensor([0.1]).dtype == np.float32          # the default is unchanged


def test_anomaly_mode_names_the_op_even_when_numpy_would_warn():
    """Found by the detect_anomaly doctest under ``-W error``: numpy's divide-by-zero
    RuntimeWarning in sqrt's backward fired first, so the error named no op."""
    x = ta.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ta.detect_anomaly():
            y = (x.sqrt() * 0.0).sum()
            with pytest.raises(FloatingPointError, match="SqrtBackward"):
                y.backward()


def test_softplus_refuses_a_threshold_that_makes_its_rule_ambiguous():
    """Fuzzer: ``(v0 - 0.7).softplus(threshold=1.0)`` at v0 = 1.80 (x = 1.10) gave slope
    0.667 instead of 1. Above the threshold the forward is x (PyTorch's), but it jumps down
    by log1p(e^-threshold) there, so an output in (threshold, softplus(threshold)] can come
    from either branch and the output-based rule had to guess (error up to e^-threshold).
    Now a threshold below 20 is refused, as a negative leaky slope is; from 20 on the
    error is below 2e-9, under float32's resolution of the slope."""
    x = ta.tensor([1.1], dtype=np.float64, requires_grad=True)
    with pytest.raises(ValueError, match="threshold=1.0 < 20"):
        x.softplus(threshold=1.0)
    x.softplus(threshold=25.0).sum().backward()
    assert x.grad.item() == pytest.approx(1 / (1 + np.exp(-1.1)))


def test_a_rule_returning_a_wrongly_shaped_gradient_is_an_error():
    """Review: a backward rule that forgot to undo broadcasting handed a (4, 3) gradient to
    a (1, 3) leaf, and it was stored silently (an optimizer would then broadcast the step).
    Now backward() refuses it, naming the op; gradcheck still explains it in its table."""
    from tinygrad_acts.autograd import Function

    class ForgetfulAdd(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g, g          # forgot unbroadcast

    a = ta.ones(4, 3, requires_grad=True)
    b = ta.ones(1, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"ForgetfulAddBackward.*\(4, 3\).*\(1, 3\)"):
        ForgetfulAdd.apply(a, b).sum().backward()


def test_second_derivatives_through_nn_linear():
    """Review: nn.Linear stores its weight column-major, and Linear's backward asked the
    weight for numpy's .flags, which a Tensor (under create_graph) does not have."""
    import tinygrad_acts.functional as F
    ta.set_default_dtype(np.float64)
    layer = ta.nn.Linear(3, 2)
    x = ta.randn(4, 3, requires_grad=True)
    assert ta.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), (x, layer.weight,
                                                                       layer.bias))
    (gx,) = ta.grad(layer(x).tanh().sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    assert layer.weight.grad.shape == (2, 3)


def test_review_api_aliases_and_messages():
    """Review: axis/keepdims aliases on F.softmax and argmax, and messages naming the op."""
    import tinygrad_acts.functional as F
    x = ta.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])
    np.testing.assert_allclose(F.softmax(x, axis=0).numpy(), x.softmax(0).numpy())
    np.testing.assert_allclose(F.log_softmax(x, axis=1).numpy(), x.log_softmax(1).numpy())
    assert x.argmax(axis=1, keepdims=True).shape == (2, 1)
    with pytest.raises(RuntimeError, match="^zero_: a leaf"):
        ta.randn(3, requires_grad=True).zero_()
    with pytest.raises(IndexError, match="^log_softmax:"):
        ta.tensor(1.0).log_softmax(2)


def test_a_user_rule_that_forgets_to_return_is_named():
    """Review: a student's rule without `return` gave "'NoneType' has no attribute shape"."""
    ta.register_activation("forgetful", forward=lambda x: x * 2.0,
                           backward=lambda grad, x: None, saves="input")
    try:
        with pytest.raises(TypeError, match="forgetful: its backward rule returned NoneType"):
            ta.randn(3, requires_grad=True).forgetful().sum().backward()
    finally:
        ta.unregister_activation("forgetful")
