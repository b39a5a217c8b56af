"""The autograd engine: accumulation, graph shapes, grad mode, ta.grad, errors, second
derivatives, hooks, in-place safety and memory (no reference cycles)."""
import gc
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_acts as ta

from tests.helpers import check_grads, check_second_grads


def leaf(values, dtype=np.float64):
    return ta.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# --- accumulation and graph shapes ----------------------------------------------------------


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3 + 2, 3 + 4])


def test_tensor_used_twice_gets_the_sum():
    x = leaf([1.0, 2.0])
    (x * 2 + x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0])


# Diamond graphs: one value feeds two branches that meet again.
DIAMONDS = [
    ("a*a + a*3", lambda x: (lambda a: a * a + a * 3)(x * 2)),
    ("exp(a) * log(a)", lambda x: (lambda a: a.exp() * a.log())(x * x + 1)),
    ("a.T @ a", lambda x: (lambda a: a.T @ a)(x.reshape(2, 2).tanh())),
    ("three branches", lambda x: (lambda a: a.sigmoid() + a * a - a.sum())(x - 1)),
    ("nested diamonds", lambda x: (lambda a: (lambda b: b * b + b)(a * a + a))(x * 0.5)),
]


@pytest.mark.parametrize("name, fn", DIAMONDS, ids=[d[0] for d in DIAMONDS])
def test_diamond_graphs_match_finite_differences(name, fn):
    check_grads(fn, np.array([0.3, -0.7, 1.1, 0.5]))


def test_grads_of_two_separate_leaves_are_not_shared():
    x, y = leaf([1.0]), leaf([1.0])
    (x + y).sum().backward()
    x.grad.numpy()[0] = 100.0
    assert y.grad.item() == 1.0


@pytest.mark.parametrize("n", [20_000, 100_000])
def test_long_chain_backprops_without_recursion_error(n):
    x = leaf(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** n, rtol=1e-9)


def test_leaf_used_by_a_100k_chain_accumulates_every_use():
    x = leaf(2.0)
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()
    assert x.grad.item() == 100_001.0


# --- retain_graph and retain_grad -----------------------------------------------------------


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    other = x * 2
    (h * h + other).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), [6.0, 12.0])
    assert other.grad is None            # not kept without retain_grad
    assert h.is_leaf is False and x.is_leaf


def test_retain_grad_on_a_leaf_is_a_no_op():
    x = leaf([1.0])
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.item() == 2.0


# --- grad mode: no_grad / enable_grad ---------------------------------------------------------


def test_no_grad_builds_nothing_and_saves_nothing():
    x = leaf(np.ones(3))
    with ta.no_grad():
        h = x * 3
        y = h * h                 # Mul would save h's array if it recorded a node
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    ref = weakref.ref(h._array)
    del h
    assert ref() is None


def test_no_grad_and_enable_grad_nest():
    x = leaf([1.0])
    assert ta.is_grad_enabled()
    with ta.no_grad():
        assert not (x * 2).requires_grad
        with ta.enable_grad():
            assert (x * 2).requires_grad
            with ta.no_grad():
                assert not ta.is_grad_enabled()
            assert ta.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert ta.is_grad_enabled() and (x * 2).requires_grad


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), ta.no_grad():
        1 / 0
    assert ta.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators():
    x = leaf([1.0])

    @ta.no_grad()
    def frozen(t):
        """doc kept"""
        return t * 2

    @ta.enable_grad()
    def tracked(t):
        return t * 2

    assert not frozen(x).requires_grad and frozen.__doc__ == "doc kept"
    with ta.no_grad():
        assert tracked(x).requires_grad
        assert not ta.is_grad_enabled()
    assert ta.is_grad_enabled()


def test_set_grad_enabled():
    x = leaf([1.0])
    ta.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ta.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_parameter_update_in_no_grad_is_allowed():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with ta.no_grad():
        w -= 0.1 * w.grad
        w[0] = 5.0
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.numpy(), [5.0, 1.6])


# --- ta.grad ----------------------------------------------------------------------------------


def test_grad_returns_without_touching_dot_grad():
    x = leaf([1.0, 2.0])
    (g,) = ta.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    assert x.grad is None
    assert isinstance(ta.grad((x * x).sum(), [x]), tuple)


def test_grad_with_respect_to_non_leaf_inputs():
    x = leaf([1.0, 2.0])
    h = x * 3
    gh, gx = ta.grad((h * h).sum(), [h, x])
    np.testing.assert_array_equal(gh.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(gx.numpy(), [18.0, 36.0])


def test_grad_allow_unused():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    with pytest.raises(RuntimeError, match="input 1.*allow_unused=True"):
        ta.grad((x * x).sum(), [x, unused])
    gx, gu = ta.grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.shape == (2,)


def test_grad_with_grad_outputs_and_several_outputs():
    x = leaf([1.0, 2.0])
    a, b = x * 2, x * x
    (g,) = ta.grad([a, b], x, grad_outputs=[ta.tensor([1.0, 1.0]), ta.tensor([0.5, 2.0])])
    np.testing.assert_array_equal(g.numpy(), [2 + 0.5 * 2, 2 + 2.0 * 4])


def test_grad_of_input_that_does_not_require_grad_is_an_error():
    x, c = leaf([1.0]), ta.tensor([2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ta.grad((x * c).sum(), c)


# --- backward's gradient argument -------------------------------------------------------------


def test_non_scalar_backward_needs_a_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2,\)"):
        y.backward()


def test_backward_with_gradient_is_the_vector_jacobian_product():
    x = leaf([1.0, 2.0])
    (x * x).backward(ta.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0])


@pytest.mark.parametrize("gradient, error, pattern", [
    (np.ones(3), RuntimeError, r"shape \(3,\).*shape \(2,\)"),
    (np.ones((2, 1)), RuntimeError, r"shape \(2, 1\).*shape \(2,\)"),
    (np.ones(2, dtype=np.int64), TypeError, "floating.*int64"),
    (ta.tensor([True, False]), TypeError, "floating.*bool"),
])
def test_bad_gradient_argument_is_a_clear_error(gradient, error, pattern):
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(error, match=pattern):
        y.backward(gradient)


def test_gradient_of_another_float_dtype_is_cast():
    x = leaf([1.0, 2.0], dtype=np.float32)
    (x * 2).backward(np.ones(2, dtype=np.float64))
    assert x.grad.dtype == np.float32


def test_backward_of_a_tensor_without_graph_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ta.tensor([1.0]).sum().backward()


# --- second derivatives (create_graph) --------------------------------------------------------

SECOND_ORDER = [
    ("mul", lambda a, b: a * b * a, [np.array([0.5, -1.2, 2.0]), np.array([1.5, 0.3, -0.7])]),
    ("exp", lambda a: (a * 0.5).exp(), [np.array([0.5, -1.2, 2.0])]),
    ("log", lambda a: a.log(), [np.array([0.5, 1.2, 2.0])]),
    ("pow const", lambda a: a ** 3, [np.array([0.5, -1.2, 2.0])]),
    ("pow tensor", lambda a, b: a ** b, [np.array([0.5, 1.2, 2.0]), np.array([1.5, -0.3, 2.5])]),
    ("rpow", lambda a: 2.0 ** a, [np.array([0.5, -1.2, 2.0])]),
    ("div", lambda a, b: a / b, [np.array([0.5, -1.2, 2.0]), np.array([1.5, 0.8, -0.7])]),
    ("rdiv", lambda a: 1.0 / a, [np.array([0.5, -1.2, 2.0])]),
    ("matmul", lambda a, b: (a @ b) * (a @ b),
     [np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(-0.5, 1, 12).reshape(3, 4)]),
    ("batched matmul", lambda a, b: (a @ b).exp(),
     [np.linspace(-1, 1, 12).reshape(2, 2, 3), np.linspace(-0.5, 1, 6).reshape(3, 2)]),
    ("vector matmul", lambda a, b: (a @ b) ** 2,
     [np.array([0.5, -1.0, 2.0]), np.linspace(-1, 1, 12).reshape(3, 4)]),
]


@pytest.mark.parametrize("name, fn, arrays", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_derivatives_match_finite_differences_of_the_first(name, fn, arrays):
    check_second_grads(fn, *arrays)


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_third_derivative():
    x = leaf(2.0)
    (d1,) = ta.grad(x ** 4, x, create_graph=True)
    (d2,) = ta.grad(d1, x, create_graph=True)
    (d3,) = ta.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (32.0, 48.0, 48.0)


@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(0.2, 3.0)))
def test_second_derivative_of_log_property(a):
    x = leaf(a)
    (g,) = ta.grad(x.log().sum(), x, create_graph=True)
    (gg,) = ta.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), -1 / a ** 2, rtol=1e-12)


# --- hooks ------------------------------------------------------------------------------------


def test_register_hook_can_replace_the_gradient_and_be_removed():
    x = leaf([1.0, 2.0])
    handle = x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_hook_on_an_intermediate_sees_its_gradient():
    x = leaf([1.0, 2.0])
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    (h * h).sum().backward()
    np.testing.assert_array_equal(seen[0], [4.0, 8.0])


def test_hook_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ta.tensor([1.0]).register_hook(lambda g: g)


# --- in-place safety --------------------------------------------------------------------------

# (forward that saves an array, in-place change of that array, name of the op in the error)
VERSION_CONFLICTS = [
    ("mul saves inputs", lambda x: (lambda a: (a * a, a))(x * 1), lambda a: a.mul_(2),
     "MulBackward"),
    ("exp saves output", lambda x: (lambda y: (y, y))(x.exp()), lambda y: y.add_(1),
     "ExpBackward"),
    ("tanh saves output", lambda x: (lambda y: (y, y))(x.tanh()),
     lambda y: y.__setitem__(0, 0.0), "TanhBackward"),
    ("log saves input", lambda x: (lambda a: (a.log(), a))(x + 1), lambda a: a.fill_(2.0),
     "LogBackward"),
    ("matmul saves inputs", lambda x: (lambda a: (a @ a.T, a))(x.reshape(1, 3) * 1),
     lambda a: a.sub_(1), "MatMulBackward"),
    ("div saves output", lambda x: (lambda y: (y, y))(1.0 / x), lambda y: y.div_(2),
     "DivBackward"),
    ("relu_ saves output", lambda x: (lambda y: (y, y))((x * 1).relu_()),
     lambda y: y.clamp_(0.5, 1.0), "ReluBackward"),
    ("zero_ after save", lambda x: (lambda a: (a * a, a))(x - 0), lambda a: a.zero_(),
     "MulBackward"),
]


VERSION_CONFLICTS += [
    ("view changed after its base was saved", lambda x: (lambda y: (y * y, y[0:2]))(x * 1),
     lambda v: v.mul_(10), "MulBackward"),
    ("base changed after its view was saved", lambda x: (lambda y: (y[1:] * y[1:], y))(x * 1),
     lambda y: y.add_(1), "MulBackward"),
    ("reshape view changed in no_grad", lambda x: (lambda y: (y.log(), y.reshape(3, 1)))(
        x * 1), lambda v: _no_grad(v.mul_, 2), "LogBackward"),
]


def _no_grad(fn, *args):
    with ta.no_grad():
        return fn(*args)


@pytest.mark.parametrize("name, forward, change, op", VERSION_CONFLICTS,
                         ids=[c[0] for c in VERSION_CONFLICTS])
def test_in_place_change_of_a_saved_array_is_caught(name, forward, change, op):
    x = leaf([0.5, 1.0, 2.0])
    out, saved = forward(x)
    change(saved)
    with pytest.raises(RuntimeError, match=f"{op}.*modified by an in-place operation"):
        out.sum().backward()


def test_in_place_change_of_a_detached_alias_is_caught():
    x = leaf([0.5, 1.0])
    a = x * 1
    y = a * a
    a.detach().add_(1)          # shares memory and the version counter with a
    with pytest.raises(RuntimeError, match="in-place"):
        y.sum().backward()


def test_in_place_change_in_no_grad_of_a_saved_parameter_is_caught():
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    with ta.no_grad():
        w[...] = 0.0
    with pytest.raises(RuntimeError, match="MulBackward"):
        y.backward()


@pytest.mark.parametrize("change", [
    lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.fill_(1.0),
    lambda t: t.__iadd__(1), lambda t: t.__setitem__(0, 1.0), lambda t: t.clamp_(0, 1),
    lambda t: t.relu_(), lambda t: t.tanh_(),
])
def test_in_place_on_a_leaf_that_requires_grad_is_an_error(change):
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf"):
        change(x)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])   # and nothing was changed


def _setitem(t, index, value):
    t[index] = value
    return t


def _iops(x):
    y = x * 2
    y += 1
    y.mul_(3)
    y -= x
    y /= 2
    return y


# In-place ops inside a graph give the same gradients as the math they stand for.
INPLACE_IN_GRAPH = [
    ("y=x*2; y+=1; y.mul_(3)", lambda x: (lambda y: (y.__iadd__(1), y.mul_(3))[1])(x * 2)),
    ("+= -= /= *=", _iops),
    ("setitem constant", lambda x: _setitem(x * 2, 0, 5.0)),
    ("setitem slice", lambda x: _setitem(x * 3, slice(1, 3), 0.5).exp()),
    ("setitem mask", lambda x: (lambda y: _setitem(y, y.numpy() > 1.5, 0.0))(x * 2)),
    ("setitem from graph", lambda x: _setitem(x * 1, 1, x[0] * x[2])),
    ("clamp_", lambda x: (x * 3).clamp_(-1.0, 1.5)),
    ("div_ by tensor", lambda x: (x + 3).div_(x * x + 1)),
    ("add_ then tanh", lambda x: (x * 1).add_(x * x).tanh()),
    ("zero_ then add", lambda x: (x * 1).zero_() + x),
    ("relu_ in place", lambda x: (x * 1).relu_() * x),
]


@pytest.mark.parametrize("name, fn", INPLACE_IN_GRAPH, ids=[c[0] for c in INPLACE_IN_GRAPH])
def test_in_place_ops_in_a_graph_give_correct_gradients(name, fn):
    check_grads(fn, np.array([0.3, -0.6, 1.2, 0.45]))


def _augmented(x):
    y = x * 1
    y[0:2] *= 10
    return y.exp()


def _reassigned(x):
    y = x * 1
    y[0:2] = y[0:2] * 3
    return y.exp()


def _overlapping_siblings(x):
    y = x * 1
    v1, v2 = y[0:2], y[1:3]
    v1.mul_(10)
    return v2 * v2


def _view_after_base_change(x):
    y = x * 1
    v = y[0:2]
    y.mul_(x)
    return v.exp()


# In-place changes through views (slices, reshape, transpose) show in the base's gradient,
# and changes of the base show in its views' (PyTorch's view semantics).
VIEW_ALIASING = [
    ("slice mul_ then base", lambda x: (lambda y: (y[0:2].mul_(10), y.exp())[1])(x * 1)),
    ("reshape relu_ then base", lambda x: (lambda y: (y.reshape(2, 2).relu_(), y * y)[1])(
        x - 0.5)),
    ("transpose mul_ by a tensor", lambda x: (lambda y: (y.T.mul_(x.reshape(2, 2)), y.sum(1))[
        1])((x * 1).reshape(2, 2))),
    ("view of a view", lambda x: (lambda y: (y[0:3][1:].add_(5), y * y)[1])(x * 1)),
    ("overlapping sibling views", _overlapping_siblings),
    ("view used after base mul_", _view_after_base_change),
    ("view used after base setitem", lambda x: (lambda y: (lambda v: (
        y.__setitem__(2, x[0] * 7), v * 3)[1])(y[1:3]))(x * 1)),
    ("view of a view after base add_", lambda x: (lambda y: (lambda w: (
        y.add_(x * x), w * 1)[1])(y[0:3][1:]))(x * 1)),
    ("constant buffer slice add_", lambda x: (lambda b: (b[1:3].add_(x[:2] * 2), b * b)[1])(
        ta.zeros(4, dtype=x.dtype))),
    ("augmented y[0:2] *= 10", _augmented),
    ("y[0:2] = y[0:2] * 3", _reassigned),
]


@pytest.mark.parametrize("name, fn", VIEW_ALIASING, ids=[c[0] for c in VIEW_ALIASING])
def test_in_place_through_views_gives_correct_gradients(name, fn):
    check_grads(fn, np.array([0.3, -0.6, 1.2, 0.45]))


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_is_an_error():
    w = leaf([1.0, 2.0, 3.0])
    for view in (lambda: w[0:2], lambda: w.reshape(3, 1), lambda: w.T):
        with pytest.raises(RuntimeError, match="view of a leaf"):
            view().mul_(2)
    with ta.no_grad():
        w[0:2].mul_(2)       # allowed, as a parameter update
    np.testing.assert_array_equal(w.numpy(), [2.0, 4.0, 3.0])


def test_multiplying_by_a_number_saves_nothing():
    x = leaf([1.0, 2.0])
    h = x * 1
    z = h * 3                # PyTorch saves only the number, so h may change afterwards
    ref = weakref.ref(h._array)
    h.add_(1)
    del h
    assert ref() is None
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_setitem_of_a_graph_value_into_a_constant_tensor():
    x = leaf([1.0, 2.0])
    buf = ta.zeros(3, dtype=np.float64)
    buf[1:] = x * x
    buf += x.sum()
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2 + 3, 4 + 3])


# --- memory: no reference cycles --------------------------------------------------------------


def test_a_training_step_leaves_no_reference_cycles():
    model = ta.nn.Sequential(ta.nn.Linear(4, 8), ta.nn.Tanh(), ta.nn.Linear(8, 3))
    model[0].register_full_backward_hook(lambda m, grad_input, grad_output: None)
    model[2].register_forward_hook(lambda m, inputs, output: None)
    x, target = ta.randn(5, 4), ta.randn(5, 3)
    hooked = ta.randn(5, 4, requires_grad=True)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(2):
            model.zero_grad()
            h = hooked * 2
            h.retain_grad()
            h[0:2] *= 3                       # in place through a view
            out = model(x + h).softmax(-1)
            loss = ((out - target) ** 2).mean() + out.log_softmax(-1).sum() * 0.0
            loss.backward()
            with ta.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            (g,) = ta.grad((hooked * hooked).sum(), hooked, create_graph=True)
            g.sum().backward()
        del h, out, loss, g
        found = gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert found == 0, f"reference cycles: {[type(o).__name__ for o in garbage][:10]}"


def test_dropping_the_output_frees_the_graph():
    x = leaf(np.ones(1000))
    y = (x * 2).exp()
    ref = weakref.ref(y.grad_fn)
    del y
    assert ref() is None   # freed by reference counting alone, no gc needed
