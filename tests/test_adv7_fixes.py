"""Regression tests for the seventh adversarial review (/tmp/adv7 in its session): each
program runs in both libraries and must give torch's answer (values, whether a write
reaches the base, dtypes, requires_grad, or the same exception type)."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def shown(value):
    if isinstance(value, (tuple, list)):
        return [shown(v) for v in value]
    if isinstance(value, (ta.Tensor, torch.Tensor)):
        a = value.detach().numpy()
        if a.dtype.kind == "f":  # (agreement to rounding; a nan equals a nan)
            a = np.where(np.isnan(a), 1.25e300, a.round(12))
        return ("tensor", str(a.dtype), a.shape, a.tolist())
    if isinstance(value, (ta.Size, torch.Size)):
        return tuple(value)
    return value


def builtin(e: Exception) -> str:
    return next(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins")


def run(program, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return shown(program(lib))
        except Exception as e:  # noqa: BLE001 (the type is compared)
            return ("raised", builtin(e))


def zero_d_index_is_a_view(t):
    x = t.arange(6.).reshape(2, 3)
    i = t.tensor(1)
    x[i][0] = 55
    x[i].zero_()
    y = x[:, t.tensor(1)]
    x.add_(1)
    z = t.arange(6.).reshape(2, 3)
    z[np.array(1)].fill_(3)
    return x, y, z


def zero_d_index_gradient(t):
    x = t.arange(6.).reshape(2, 3).requires_grad_()
    y = x * 1
    y[t.tensor(1)].mul_(0)
    y.sum().backward()
    return y, x.grad


def backward_inputs_with_retain_grad(t):
    a, b = t.tensor([1., 2.], requires_grad=True), t.tensor([3., 4.])
    c = a * 2
    c.retain_grad()
    (c * b).sum().backward(inputs=[c])
    d = a * 2
    d.retain_grad()
    d.register_hook(lambda g: g * 10)
    (d * b).sum().backward(inputs=[d, a])
    return c.grad, d.grad, a.grad


def var_of_no_dims_is_of_all(t):
    x = t.arange(6.).reshape(2, 3)
    return (x.var(dim=[]), x.std(dim=()), x.std((), unbiased=False), t.std_mean(x, dim=[])[0],
            x.var(dim=[], keepdim=True).shape)


def unfold_is_a_view(t):
    x = t.arange(6.)
    x.unfold(0, 2, 2)[0, 0] = 100
    y = t.arange(12.).reshape(3, 4)
    w = y.unfold(1, 2, 2)
    y.add_(1)
    return x, w


def add_with_a_float_alpha_on_integers(t):
    return t.add(t.tensor([1, 2, 3]), 1, alpha=2.5)


def sub_with_a_float_alpha_on_integers(t):
    return t.sub(t.tensor([1, 2, 3]), t.tensor([1, 1, 1]), alpha=0.5)


def rsub_of_bools(t):
    return t.rsub(t.tensor([True, False]), 1, alpha=2)


def uint8_index_is_a_mask(t):
    x = t.arange(6.).reshape(2, 3)
    return (x[t.tensor([0, 1], dtype=t.uint8)], x[:, t.tensor([1, 0, 1], dtype=t.uint8)],
            x[t.tensor(1, dtype=t.uint8)].shape)


def uint8_index_write_is_refused(t):
    x = t.arange(6.).reshape(2, 3)
    x[t.tensor([0, 1], dtype=t.uint8)] = -7.0


def no_grad_on_a_generator(t):
    x = t.tensor([1.], requires_grad=True)

    @t.no_grad()
    def gen():
        yield x * 2
        yield t.is_grad_enabled()
        return 7

    @t.inference_mode()
    def gen2():
        got = yield x * 2
        yield got

    g2 = gen2()
    first = next(g2)
    return [v.requires_grad if hasattr(v, "requires_grad") else v for v in gen()], \
        first.requires_grad, g2.send(5), t.is_grad_enabled()


def empty_mask_of_the_wrong_shape(t):
    return t.arange(6.).reshape(2, 3)[t.zeros(0, dtype=t.bool)]


def second_accumulation_after_create_graph_is_in_place(t):
    a = t.tensor([1., 2.], requires_grad=True)
    (a ** 2).sum().backward(create_graph=True)
    g = a.grad
    (a ** 2).sum().backward()
    return g, a.grad is g


def size_equals_a_tensor(t):
    return t.Size([2, 3]) == t.tensor([2, 3]), t.tensor([2, 3]) == t.Size([2, 3])


def backward_of_a_number(t):
    (t.ones(2, requires_grad=True) * 2).sum().backward(2.0)


def digamma_of_signed_zeros(t):
    return t.digamma(t.tensor([0.0, -0.0], dtype=t.float64))


def detached_saved_tensor(t):
    v0 = t.tensor([1.0, 0.0, -1.5], dtype=t.float64, requires_grad=True)
    v1 = v0.softmax(-1)
    v3 = t.minimum(v1, t.tensor(1.5, dtype=t.float64))
    v1.detach_()
    v3.sum().backward()


def hardsigmoid_second_derivative(t):
    x = t.tensor([0.3, -0.7], dtype=t.float64, requires_grad=True)
    (g,) = t.autograd.grad(t.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
    t.autograd.grad(g.sum(), x, allow_unused=True)


def cumsum_of_0d_after_a_view_write(t):
    v1 = t.tensor(-1.02, dtype=t.float64, requires_grad=True)
    v2 = v1.cumprod(-1)
    v3 = v2[...]
    v5 = v2.cosh()
    v7 = t.nn.functional.relu_(v3)
    return t.autograd.grad(v7, [v5, v2], allow_unused=True)


def ldexp_of_a_bool_exponent(t):
    return t.ldexp(t.tensor([1.0, 2.0]), t.tensor([True, False]))


def logit_with_eps_over_a_half(t):
    return t.logit(t.tensor([0.125, 0.75], dtype=t.float64), eps=0.7)


def broadcast_to_takes_sizes(t):
    x = t.ones(1, 2)
    return x.broadcast_to(2, 2).shape, x.broadcast_to((3, 2)).shape, x.broadcast_to(-1, 2).shape


def post_accumulate_grad_hook(t):
    x, seen = t.ones(2, requires_grad=True), []
    handle = x.register_post_accumulate_grad_hook(lambda v: seen.append(v.grad.clone()))
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    handle.remove()
    (x * 2).sum().backward()
    t.autograd.grad((x * 2).sum(), x)  # (grad() accumulates nothing: no call)
    w = t.ones(3, requires_grad=True)

    def step(p):  # an optimizer step inside backward
        with t.no_grad():
            p.sub_(0.1 * p.grad)
        p.grad = None
    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward()
    return seen, w, w.grad


def post_accumulate_grad_hook_on_a_non_leaf(t):
    (t.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda v: None)


def write_into_an_expanded_view(t):
    out = []
    for index in ((slice(0, 2), 1), (slice(None), 0), (1, slice(None, 1))):
        x = t.tensor([[-1.58], [1.15], [1.68]], requires_grad=True)
        base = x * 2
        v = t.tensor(0.5, requires_grad=True)
        base.expand(3, 3)[index] = v
        base.backward(t.tensor([[0.5], [-2.0], [1.0]]))
        out += [v.grad, x.grad, base]
    return out


def sinc_then_in_place(t):
    x = t.tensor([1.08, -0.93, 0.0], dtype=t.float64, requires_grad=True)
    y = t.sinc(x)
    y.sigmoid_()
    y.sum().backward()
    return x.grad


def t_of_a_no_grad_view_of_a_plain_tensor(t):
    v1 = t.ones(2, 3, 4)
    with t.no_grad():
        v3 = v1[-2]
    v3.t_()
    return v3.shape


def requires_grad_on_a_no_grad_view(t):
    v0 = t.tensor([1.0, 2.0], requires_grad=True)
    with t.no_grad():
        v6 = v0[...]
    v6.requires_grad_(True)
    (v6 * 2).sum().backward()
    return v6.grad, v0.grad


def elu_at_nan(t):
    x = t.tensor([0.38, -1.74, float("nan")], dtype=t.float64, requires_grad=True)
    t.nn.functional.elu(x, alpha=0.0).sum().backward()
    return x.grad


def histogram_of_nothing(t):
    return t.histogram(t.zeros(0, dtype=t.float64), 4)


def abs_gradient_at_nan(t):
    x = t.tensor([0.0, -2.0, 1.5], dtype=t.float64, requires_grad=True)
    x.acosh().abs().sum().backward()
    return x.grad


def cumprod_of_one_element_at_inf(t):
    w = t.tensor([[-0.87, -0.11, 1.26, float("inf")]], dtype=t.float64, requires_grad=True)
    w.cumprod(-2).sum().backward()
    return w.grad


def pooling_gradient_is_contiguous(t):
    x = t.ones(1, 2, 5, 5, dtype=t.float64, requires_grad=True)
    y = t.nn.functional.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
    (g,) = t.autograd.grad(y.sum(), x)
    return g.is_contiguous()


def sinc_gradient_where_x_squared_underflows(t):
    x = t.tensor([0.0, 1e-30, 1e-20, -1e-38], dtype=t.float32, requires_grad=True)
    t.sinc(x).sum().backward()
    return x.grad


def a_gradient_of_a_contiguous_input_is_contiguous(t):
    a = t.tensor([[[1.5, 0.5], [-2.0, 0.5], [0.5, -0.5]]], dtype=t.float64, requires_grad=True)
    b = t.tensor([[[-1.5], [0.0], [-0.5]]], dtype=t.float64, requires_grad=True)
    (ga,) = t.autograd.grad(t.cross(a, b.expand(1, 3, 2), dim=1).sum(), [a])
    flat = ga.flatten()
    flat[0] = 7.0  # (a view of ga only when ga is contiguous: the write shows there)
    return ga.is_contiguous(), ga


PROGRAMS = [a_gradient_of_a_contiguous_input_is_contiguous, abs_gradient_at_nan,
            cumprod_of_one_element_at_inf,
            pooling_gradient_is_contiguous, sinc_gradient_where_x_squared_underflows,
            write_into_an_expanded_view, sinc_then_in_place,
            t_of_a_no_grad_view_of_a_plain_tensor, requires_grad_on_a_no_grad_view, elu_at_nan,
            histogram_of_nothing, logit_with_eps_over_a_half, broadcast_to_takes_sizes,
            post_accumulate_grad_hook,
            post_accumulate_grad_hook_on_a_non_leaf, zero_d_index_is_a_view,
            zero_d_index_gradient, backward_inputs_with_retain_grad,
            var_of_no_dims_is_of_all, unfold_is_a_view, add_with_a_float_alpha_on_integers,
            sub_with_a_float_alpha_on_integers, rsub_of_bools, uint8_index_is_a_mask,
            uint8_index_write_is_refused, no_grad_on_a_generator,
            empty_mask_of_the_wrong_shape, second_accumulation_after_create_graph_is_in_place,
            size_equals_a_tensor, backward_of_a_number, digamma_of_signed_zeros,
            detached_saved_tensor, hardsigmoid_second_derivative,
            cumsum_of_0d_after_a_view_write, ldexp_of_a_bool_exponent]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_as_torch(program):
    ours, theirs = run(program, ta), run(program, torch)
    assert ours == theirs, f"tinygrad_acts: {ours}\ntorch:         {theirs}"
