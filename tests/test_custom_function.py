"""PyTorch-style custom autograd Functions (``forward(ctx, ...)`` / ``backward(ctx, ...)``
staticmethods): the tutorial's LegendrePolynomial3, ctx's API, torch's errors, double
backward, once_differentiable; each behaviour checked against torch where it is there."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.autograd.function import FunctionCtx, once_differentiable


def _classes(lib):  # noqa: C901 (one class per behaviour)
    """The same custom Functions written against ``lib`` (tinygrad_acts or torch)."""
    Function = lib.autograd.Function

    class P3(Function):  # PyTorch's tutorial: LegendrePolynomial3
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class Scale(Function):  # a non-Tensor argument, and ctx attributes
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class TooFew(Scale):
        @staticmethod
        def backward(ctx, g):
            return g * 2

    class ExtraNone(Scale):
        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    class GradForNumber(Scale):
        @staticmethod
        def backward(ctx, g):
            return g * 2, g

    class WrongShape(Scale):
        @staticmethod
        def backward(ctx, g):
            return g[:1], None

    class Two(Function):  # two outputs; the second maybe unused
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = g2
            return g1 * 2 + (0 if g2 is None else g2 * 3)

    class TwoLazy(Two):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

    class Double(Function):  # in place, marked dirty
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x.mul_(2)

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class WithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            return x * 2, i

        @staticmethod
        def backward(ctx, g, gi):
            ctx.seen = gi
            return g * 2

    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Modes(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.forward_mode = (lib.is_grad_enabled(), x.requires_grad, ctx.needs_input_grad)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            ctx.backward_mode = lib.is_grad_enabled()
            return g * 2

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @(lib.autograd.function.once_differentiable)
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    return {c.__name__: c for c in (P3, Scale, TooFew, ExtraNone, GradForNumber, WrongShape,
                                    Two, TwoLazy, Double, WithIndex, Identity, Modes, Square)}


F = _classes(ta)


def test_the_tutorial_legendre_polynomial():
    x = ta.tensor([0.5, -1.0], requires_grad=True)
    y = F["P3"].apply(x)
    np.testing.assert_allclose(y.numpy(), [-0.4375, -1.0])
    assert y.grad_fn.name == "P3Backward" and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.375, 6.0])


def test_gradcheck_and_gradgradcheck_a_custom_function():
    x = ta.tensor([0.5, -1.0, 0.3], dtype=np.float64, requires_grad=True)
    assert ta.gradcheck(F["P3"].apply, (x,))
    assert ta.gradgradcheck(F["P3"].apply, (x,))  # its backward is Tensor ops: a graph


def test_double_backward_through_a_custom_backward():
    x = ta.tensor([0.5, -1.0], dtype=np.float64, requires_grad=True)
    (g,) = ta.grad(F["P3"].apply(x).sum(), x, create_graph=True)
    (gg,) = ta.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 15 * x.numpy())  # d/dx 1.5 (5x^2 - 1)


def test_forward_runs_without_grad_and_backward_in_the_create_graph_mode():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = F["Modes"].apply(x)
    assert y.grad_fn.forward_mode == (False, True, (True,))
    y.sum().backward()
    assert y.grad_fn.backward_mode is False
    y = F["Modes"].apply(x)
    y.sum().backward(create_graph=True)
    assert y.grad_fn.backward_mode is True


def test_no_input_needs_grad_no_node():
    y = F["P3"].apply(ta.tensor([1.0]))
    assert not y.requires_grad and y.grad_fn is None
    x = ta.tensor([1.0], requires_grad=True)
    with ta.no_grad():
        assert F["P3"].apply(x).grad_fn is None


def test_non_tensor_arguments_pass_through_and_get_none():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    F["Scale"].apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    x.grad = None
    F["ExtraNone"].apply(x, 3.0).sum().backward()  # extra trailing Nones are allowed
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("name, message", [
    ("TooFew", "TooFewBackward returned an incorrect number of gradients \\(expected 2, got 1"),
    ("GradForNumber", "different than None at position 2, but the corresponding forward "
                      "input was not a Variable"),
    ("WrongShape", "invalid gradient at index 0 - got \\[1\\] but expected shape compatible "
                   "with \\[2\\]"),
])
def test_wrong_gradients_raise_torchs_errors(name, message):
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=message):
        F[name].apply(x, 3.0).sum().backward()


def test_saved_tensors_are_version_checked_and_freed():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = F["P3"].apply(x)
    with ta.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*P3Backward"):
        y.sum().backward()
    y = F["P3"].apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="a second time"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="a second time"):
        y.grad_fn.saved_tensors


def test_two_outputs_and_materialized_grads():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    a, b = F["Two"].apply(x)
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(a.grad_fn.parents[0].seen.numpy(), [0.0, 0.0])  # zeros
    x.grad = None
    a, b = F["TwoLazy"].apply(x)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])
    x.grad = None
    a, b = F["TwoLazy"].apply(x)
    a.sum().backward()
    assert a.grad_fn.parents[0].seen is None


def test_mark_dirty_and_mark_non_differentiable():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    z = x * 1
    version = z._version
    y = F["Double"].apply(z)
    assert y is z and z.grad_fn.name == "DoubleBackward" and z._version == version + 2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F["Double"].apply(x)
    x.grad = None
    a, i = F["WithIndex"].apply(x)
    assert a.requires_grad and not i.requires_grad
    a.sum().backward()
    seen = a.grad_fn.parents[0].seen  # (the node of several outputs: behind each one's)
    assert seen.item() == 0 and seen.dtype == np.int64


def test_an_input_returned_as_it_is_becomes_a_new_tensor():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = F["Identity"].apply(x)
    assert y is not x and y.grad_fn is not None and np.shares_memory(y.numpy(), x.numpy())


def test_once_differentiable():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ta.grad(F["Square"].apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert not g.requires_grad  # the seed needs no grad: nothing to refuse, as torch
    y = F["Square"].apply(x)
    seed = ta.ones(2, requires_grad=True)
    (g,) = ta.grad(y, x, grad_outputs=seed, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice.*once_differentiable"):
        g.sum().backward()
    assert once_differentiable is ta.autograd.function.once_differentiable


def test_function_ctx_is_torchs_name():
    ctx = FunctionCtx()
    t = ta.ones(2)
    ctx.save_for_backward(t, None)
    assert ctx.saved_tensors == (t, None)
    with pytest.raises(TypeError, match="save_for_backward can only save variables"):
        ctx.save_for_backward(t, 3)


def test_the_engines_own_protocol_is_untouched():
    class Twice(ta.autograd.Function):  # instance methods on arrays, self.save
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return grad * 2

    x = ta.tensor([1.0], requires_grad=True)
    Twice.apply(x).sum().backward()
    assert x.grad.item() == 2.0 and not hasattr(Twice, "_torch_style")


@pytest.mark.torch
def test_against_torch():
    torch = pytest.importorskip("torch")
    T = _classes(torch)

    def run(lib, classes, name, args, use=lambda out: out):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        out = classes[name].apply(x * 1, *args)
        use(out).sum().backward()
        return np.asarray(use(out).detach().numpy()), x.grad.numpy()

    cases = [("P3", (), lambda o: o), ("Scale", (2.5,), lambda o: o),
             ("Two", (), lambda o: o[0] + o[1]), ("Two", (), lambda o: o[1]),
             ("Double", (), lambda o: o), ("WithIndex", (), lambda o: o[0]),
             ("Identity", (), lambda o: o)]
    for name, args, use in cases:
        ours, theirs = run(ta, F, name, args, use), run(torch, T, name, args, use)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, err_msg=name)
    for name in ("TooFew", "GradForNumber", "WrongShape"):
        for lib, classes in ((ta, F), (torch, T)):
            with pytest.raises(RuntimeError):
                classes[name].apply(lib.tensor([1.0, 2.0], requires_grad=True), 3.0
                                    ).sum().backward()
