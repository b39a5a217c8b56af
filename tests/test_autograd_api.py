"""torch.autograd's entry points as a PyTorch user calls them: ``Tensor.backward(inputs=)``,
``autograd.backward`` with several roots, ``grad(materialize_grads=)``, and
``set_detect_anomaly`` as a function and as a context manager; plus the in-place operators
and casts of the same user code (``**=``, ``//=``, ``%=``, a uint8 tensor plus int8).

Each program runs in both libraries; what it returns (values, None, dtypes) and what it
raises (the exception type) must agree."""
import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


def shown(value):
    """What a program returned, comparable across the libraries."""
    if isinstance(value, (tuple, list)):
        return [shown(v) for v in value]
    if isinstance(value, (ta.Tensor, torch.Tensor)):
        arr = value.detach().numpy()
        return ("tensor", str(arr.dtype), arr.shape, arr.tolist())
    return value


def run(program, lib):
    try:
        return shown(program(lib))
    except Exception as e:  # noqa: BLE001 (the type is what is compared)
        return ("raised", type(e).__name__)


def leaf(lib, values):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


def only_inputs(m):
    a, b, c = leaf(m, [1., 2.]), leaf(m, [3., 4.]), leaf(m, [1.])
    (a * b).sum().backward(inputs=[a])
    out = [a.grad, b.grad]
    (a * b).sum().backward(inputs=[c])  # an input the output does not depend on: nothing
    return out + [c.grad, a.grad]


def intermediate_input(m):
    a, b = leaf(m, [1., 2.]), leaf(m, [3., 4.])
    h = a * 2
    (h * b).sum().backward(inputs=[h])
    return h.grad, a.grad, b.grad


def two_inputs_one_array(m):
    a, b = leaf(m, [1., 2.]), leaf(m, [3., 4.])
    (a + b).sum().backward(inputs=[a, b])
    a.grad.mul_(5)  # b.grad must not see it
    return a.grad, b.grad


def accumulates(m):
    a = leaf(m, [1., 2.])
    (a * a).sum().backward(inputs=[a])
    (a * a).sum().backward(inputs=a)
    return a.grad


def with_hook(m):
    a = leaf(m, [1., 2.])
    a.register_hook(lambda g: g * 10)
    (a * a).sum().backward(inputs=[a])
    return a.grad


def create_graph(m):
    a = leaf(m, [1., 2.])
    (a * a * a).sum().backward(inputs=[a], create_graph=True)
    return a.grad.requires_grad, m.autograd.grad(a.grad.sum(), a)


def empty_inputs(m):
    a = leaf(m, [1., 2.])
    (a * a).sum().backward(inputs=[])


def input_without_grad(m):
    a = leaf(m, [1., 2.])
    (a * a).sum().backward(inputs=[m.ones(2)])


def several_roots(m):
    a, b = leaf(m, [1., 2.]), leaf(m, [3.])
    m.autograd.backward([(a * 2).sum(), (b * a).sum()])
    out = [a.grad, b.grad]
    m.autograd.backward([a * 2, a.sum()], grad_tensors=[m.ones(2, dtype=m.float64), None])
    return out + [a.grad]


def several_roots_some_inputs(m):
    a, b = leaf(m, [1., 2.]), leaf(m, [3.])
    m.autograd.backward([(a * 2).sum(), (b * a).sum()], inputs=[b])
    return a.grad, b.grad


def one_gradient_for_two_roots(m):
    a = leaf(m, [1., 2.])
    m.autograd.backward([a * 2, a.sum()], grad_tensors=[m.ones(2)])


def non_scalar_root_without_gradient(m):
    a = leaf(m, [1., 2.])
    m.autograd.backward(a * 2)


def materialized(m):
    a, c = leaf(m, [1., 2.]), leaf(m, [1.])
    return m.autograd.grad((a * 2).sum(), [a, c], materialize_grads=True)


def materialized_not_allow_unused(m):
    a, c = leaf(m, [1., 2.]), leaf(m, [1.])
    return m.autograd.grad((a * 2).sum(), [a, c], materialize_grads=True, allow_unused=False)


def unused_still_raises(m):
    a, c = leaf(m, [1., 2.]), leaf(m, [1.])
    return m.autograd.grad((a * 2).sum(), [a, c])


def anomaly_function_and_context(m):
    seen = []
    with m.autograd.set_detect_anomaly(True):
        seen.append(m.is_anomaly_enabled())
    seen.append(m.is_anomaly_enabled())
    m.autograd.set_detect_anomaly(True)
    seen.append(m.is_anomaly_enabled())
    m.autograd.set_detect_anomaly(False)
    with m.autograd.detect_anomaly(check_nan=True):
        seen.append(m.is_anomaly_enabled())
    return seen + [m.is_anomaly_enabled()]


def in_place_operators(m):
    x = m.tensor([1., 2., 3.])
    y = x
    y **= 2
    n = m.tensor([5, 7, -7])
    k = n
    k //= 2
    r = m.tensor([5, 7, -7])
    q = r
    q %= 3
    return x, y is x, n, k is n, r, q is r


def in_place_operator_on_a_leaf(m):
    w = leaf(m, [1., 2.])
    w **= 2


def uint8_plus_int8(m):
    x = m.tensor([1, 2, 250], dtype=m.uint8)
    x += m.tensor([-2, 2, 10], dtype=m.int8)
    return x


def int32_plus_int64(m):
    x = m.tensor([1, 2], dtype=m.int32)
    x += m.tensor([3, 2 ** 40])
    return x


def int_plus_float_refused(m):
    x = m.tensor([1, 2])
    x += 0.5


def bool_plus_int_refused(m):
    x = m.tensor([True, False])
    x += m.tensor([1, 2])


def float32_plus_float64(m):
    x = m.tensor([1., 2.], dtype=m.float32)
    x += m.tensor([1e-9, 2.], dtype=m.float64)
    return x


def setitem_with_ellipsis(m):
    x = m.arange(12.).reshape(3, 4)
    x[..., 1:] = x[..., 1:] * 2
    y = m.arange(12.).reshape(3, 4)
    y[0, ...] = y[1, ...]
    z = m.arange(24.).reshape(2, 3, 4)
    z[1, ..., 0] = -1
    return x, y, z


PROGRAMS = [only_inputs, intermediate_input, two_inputs_one_array, accumulates, with_hook,
            create_graph, empty_inputs, input_without_grad, several_roots,
            several_roots_some_inputs, one_gradient_for_two_roots,
            non_scalar_root_without_gradient, materialized, materialized_not_allow_unused,
            unused_still_raises, anomaly_function_and_context, in_place_operators,
            in_place_operator_on_a_leaf, uint8_plus_int8, int32_plus_int64,
            int_plus_float_refused, bool_plus_int_refused, float32_plus_float64,
            setitem_with_ellipsis]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_as_torch(program):
    ours, theirs = run(program, ta), run(program, torch)
    assert ours == theirs, f"tinygrad_acts: {ours}\ntorch:         {theirs}"


def test_backward_inputs_leaves_other_grads_alone():
    w, b = ta.ones(3, requires_grad=True), ta.ones(3, requires_grad=True)
    loss = (w * b * 2).sum()
    loss.backward(inputs=[w])
    np.testing.assert_array_equal(w.grad.numpy(), [2., 2., 2.])
    assert b.grad is None


def test_grad_fn_name_is_called_as_in_torch():
    x = ta.ones(2, requires_grad=True)
    y = x * 2
    assert y.grad_fn.name() == "MulBackward" == y.grad_fn.name
    assert type(y.grad_fn.name()) is str


@pytest.mark.torch
def test_a_hook_handle_is_a_context_manager_as_torch():
    for m in (ta, torch):
        x, seen = m.ones(2, requires_grad=True), []
        with x.register_hook(lambda g, seen=seen: seen.append(1)):
            (x * 2).sum().backward()
        (x * 2).sum().backward()
        assert seen == [1], m.__name__
