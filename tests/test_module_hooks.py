"""nn.Module backward hooks and pre-hooks, forward hooks: each case written once and run in
both libraries (``lib`` is torch or tinygrad_acts), the results compared: values, dtypes,
what each hook saw, which calls raise and which warnings come out."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


def _plain(v):
    """A result in comparable form: tensors as (dtype name, nested lists)."""
    if isinstance(v, (ta.Tensor, torch.Tensor)):
        arr = v.detach().numpy() if isinstance(v, torch.Tensor) else v.numpy()
        return Close(arr.copy())
    if isinstance(v, (list, tuple)):
        return type(v).__name__ if not v else [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


class Close:
    """A tensor's values: equal to another's with the same dtype and shape and values
    within float64's 1e-10 (float32's and float16's 1e-5), nan where it is nan."""

    def __init__(self, arr):
        self.arr = arr

    def __eq__(self, other):
        a, b = self.arr, other.arr
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        tol = 1e-10 if a.dtype == np.float64 else 1e-5
        return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=tol,
                                atol=tol, equal_nan=True))

    def __repr__(self):
        return f"tensor({self.arr.tolist()}, {self.arr.dtype})"


def run(case, lib):
    """(result or the exception's class family, the warnings' first words)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = _plain(case(lib))
        except Exception as e:  # noqa: BLE001 (the kind is compared, not the message)
            out = ("raises", "TypeError" if isinstance(e, TypeError) else "Error")
    return out, sorted(" ".join(str(w.message).split()[:4]) for w in caught)


def same(case):
    want, got = run(case, torch), run(case, ta)
    assert got == want


def lin(lib):
    layer = lib.nn.Linear(2, 1)
    with lib.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(0.0)
    return layer


def ones(lib, *shape, grad=True):
    return lib.ones(*shape, requires_grad=grad)


# --- register_full_backward_hook ---------------------------------------------------------


def test_return_value_replaces_grad_input():
    def case(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,))
        x = ones(lib, 1, 2)
        m(x).sum().backward()
        return x.grad, m.weight.grad
    same(case)


def test_hooks_chain_in_order_and_prepend_goes_first():
    def case(lib):
        m, log = lin(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("a", gi)) or (gi[0] * 2,))
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("b", gi)) or (gi[0] + 1,))
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("c", gi)), prepend=True)
        x = ones(lib, 1, 2)
        m(x).sum().backward()
        return x.grad, log
    same(case)


def test_list_return_and_tensor_return():
    def as_list(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: [gi[0] * 3])
        x = ones(lib, 1, 2)
        m(x).sum().backward()
        return x.grad
    same(as_list)

    def bare_tensor(lib):  # len() 1 matches, then its row has the wrong size
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: gi[0] * 3)
        m(ones(lib, 1, 2)).sum().backward()
    same(bare_tensor)


@pytest.mark.parametrize("bad", ["length", "shape", "dtype"])
def test_bad_return_values_raise(bad):
    def case(lib):
        m = lin(lib)
        value = {"length": lambda gi: (gi[0], gi[0]),
                 "shape": lambda gi: (lib.ones(2),),
                 "dtype": lambda gi: (gi[0].double(),)}[bad]
        m.register_full_backward_hook(lambda mod, gi, go: value(gi))
        m(ones(lib, 1, 2)).sum().backward()
    same(case)


class Two:
    """forward(a, b, k=3) -> (a * b, a + 1), in either library."""

    @staticmethod
    def make(lib):
        class TwoOut(lib.nn.Module):
            def forward(self, a, b, k=3):
                return a * b, a + 1
        return TwoOut()


def test_several_inputs_and_outputs():
    def case(lib):
        m, log = Two.make(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        u, v = m(a, lib.tensor([3.0, 4.0]))
        (u.sum() + 2 * v.sum()).backward()
        return a.grad, log
    same(case)


def test_an_output_without_gradient_is_none_in_grad_output():
    def case(lib):
        m, log = Two.make(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        _u, v = m(a, b)
        v.sum().backward()
        return a.grad, b.grad, log
    same(case)


def test_a_returned_gradient_for_an_input_without_grad_is_ignored():
    def case(lib):
        m = Two.make(lib)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10, lib.ones(2)))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        u, _ = m(a, lib.tensor([3.0, 4.0]))
        u.sum().backward()
        return a.grad
    same(case)


def test_non_tensor_arguments_are_none_and_kwargs_are_left_out():
    def case(lib):
        m, log = Two.make(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(gi))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        m(a, 3.0)[0].sum().backward()
        m(a, b=ones(lib, 2))[0].sum().backward()
        return log
    same(case)


def test_integer_and_other_dtype_inputs_get_zeros_of_their_dtype():
    def case(lib):
        class M(lib.nn.Module):
            def forward(self, a, b):
                return a * b.float()
        m, log = M(), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(gi))
        m(ones(lib, 2), lib.tensor([1, 2])).sum().backward()
        m(ones(lib, 2), lib.tensor([1.0, 2.0], dtype=lib.float64)).sum().backward()
        return log
    same(case)


def test_mixed_float_dtypes_that_both_require_grad():
    def case(lib):
        class M(lib.nn.Module):
            def forward(self, a, b):
                return a.double() * b
        m, log = M(), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(gi) or (gi[0] * 2, gi[1]))
        a = lib.tensor([1.5, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        m(a, b).sum().backward()
        return a.grad, b.grad, log
    same(case)


def test_no_input_requires_grad_fires_at_the_outputs_with_a_warning():
    def case(lib):
        m, log = lin(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        m(ones(lib, 1, 2, grad=False)).sum().backward()
        return log, m.weight.grad
    same(case)

    def returning(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: (lib.ones(1, 2),))
        m(ones(lib, 1, 2, grad=False)).sum().backward()
    same(returning)

    def returning_nones(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: (None,))
        m(ones(lib, 1, 2, grad=False)).sum().backward()
        return m.bias.grad
    same(returning_nones)


def test_inplace_change_of_the_output_or_input_raises():
    def output(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: None)
        m(ones(lib, 1, 2)).add_(1)
    same(output)

    def inplace_relu(lib):
        m = lib.nn.ReLU(inplace=True)
        m.register_full_backward_hook(lambda mod, gi, go: None)
        m(ones(lib, 1, 2) * 1)
    same(inplace_relu)


def test_identity_module_and_remove():
    def case(lib):
        m, log = lib.nn.Identity(), []
        h = m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        x = ones(lib, 1, 2)
        (m(x) * 2).sum().backward()
        h.remove()
        (m(x) * 2).sum().backward()
        return x.grad, log
    same(case)


def test_hooks_are_the_ones_registered_at_call_time():
    def case(lib):
        m, log = lin(lib), []
        h = m.register_full_backward_hook(lambda mod, gi, go: log.append("early"))
        y = m(ones(lib, 1, 2))
        h.remove()
        m.register_full_backward_hook(lambda mod, gi, go: log.append("late"))
        y.sum().backward()
        return log
    same(case)


def test_retain_graph_twice_and_autograd_grad():
    def case(lib):
        m, log = lin(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(gi))
        x = ones(lib, 1, 2)
        y = m(x).sum()
        y.backward(retain_graph=True)
        y.backward()
        (g,) = lib.autograd.grad(m(x).sum(), x)
        return x.grad, g, log
    same(case)


def test_create_graph_keeps_the_hook_and_second_derivatives():
    def case(lib):
        m, log = lib.nn.Tanh(), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(1) or (gi[0] * 2,))
        x = lib.tensor([0.3, -0.8], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(m(x).sum(), x, create_graph=True)
        g.sum().backward()
        return g, g.requires_grad, x.grad, log
    same(case)


def test_list_output_warns_and_no_hook_fires():
    def case(lib):
        class L(lib.nn.Module):
            def forward(self, a):
                return [a * 2]
        m, log = L(), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(1))
        m(ones(lib, 2))[0].sum().backward()
        return log
    same(case)


def test_under_no_grad_nothing_is_wrapped():
    def case(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: None)
        with lib.no_grad():
            y = m(ones(lib, 1, 2))
        return y.requires_grad, y
    same(case)


def test_legacy_and_full_hooks_do_not_mix():
    def case(lib):
        m = lin(lib)
        m.register_backward_hook(lambda mod, gi, go: None)
        m.register_full_backward_hook(lambda mod, gi, go: None)
    same(case)

    def other_way(lib):
        m = lin(lib)
        m.register_full_backward_hook(lambda mod, gi, go: None)
        m.register_backward_hook(lambda mod, gi, go: None)
    same(other_way)


def test_lstm_tuple_output_with_a_nested_tuple():
    def case(lib):
        lib.manual_seed(0)
        m = lib.nn.LSTM(2, 3, batch_first=True)
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))
        log = []
        m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        x = lib.linspace(-1, 1, 12).reshape(2, 3, 2).requires_grad_()
        out, (_h, _c) = m(x)
        out.sum().backward()
        return x.grad, log
    same(case)


# --- register_full_backward_pre_hook -----------------------------------------------------


def test_pre_hook_replaces_grad_output():
    def case(lib):
        m, log = lin(lib), []
        m.register_full_backward_pre_hook(lambda mod, go: log.append(go) or (go[0] * 3,))
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("full", gi, go)))
        x = ones(lib, 1, 2)
        m(x).sum().backward()
        return x.grad, m.weight.grad, m.bias.grad, log
    same(case)


def test_pre_hooks_prepend_remove_and_without_input_grad():
    def case(lib):
        m, log = lin(lib), []
        h = m.register_full_backward_pre_hook(lambda mod, go: log.append(1))
        m.register_full_backward_pre_hook(lambda mod, go: log.append(0), prepend=True)
        x = ones(lib, 1, 2, grad=False)
        m(x).sum().backward()
        h.remove()
        m(x).sum().backward()
        return log
    same(case)


def test_pre_hook_wrong_length_raises():
    def case(lib):
        m = lin(lib)
        m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        m(ones(lib, 1, 2)).sum().backward()
    same(case)


def test_pre_hook_on_two_outputs():
    def case(lib):
        m, log = Two.make(lib), []
        m.register_full_backward_pre_hook(lambda mod, go: log.append(go) or
                                          (go[0], None if go[1] is None else go[1] * 5))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        u, v = m(a, lib.tensor([3.0, 4.0]))
        (u.sum() + v.sum()).backward()
        return a.grad, log
    same(case)


# --- hooks together: nesting, reuse, aliasing, forward pre-hooks, global hooks ------------


def test_nested_modules_with_hooks_fire_inner_first_and_compose():
    def case(lib):
        inner = lib.nn.Tanh()
        outer = lib.nn.Sequential(lib.nn.Linear(2, 2).double(), inner)
        with lib.no_grad():
            outer[0].weight.copy_(lib.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=lib.float64))
            outer[0].bias.fill_(0.1)
        log = []
        inner.register_full_backward_hook(lambda m, gi, go: log.append(("inner", gi, go))
                                          or (gi[0] * 2,))
        outer.register_full_backward_hook(lambda m, gi, go: log.append(("outer", gi, go))
                                          or (gi[0] - 1,))
        x = lib.tensor([[0.3, -0.7]], dtype=lib.float64, requires_grad=True)
        outer(x).sum().backward()
        return x.grad, outer[0].weight.grad, log
    same(case)


def test_a_module_called_twice_and_an_input_passed_twice():
    def case(lib):
        m, log = Two.make(lib), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(gi) or (gi[0] * 3, gi[1]))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        u, _ = m(a, a)
        w, _ = m(u, a)
        w.sum().backward()
        return a.grad, log
    same(case)


def test_forward_pre_hook_result_is_what_the_backward_hook_sees():
    def case(lib):
        m, log = lib.nn.Sigmoid(), []
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_full_backward_hook(lambda mod, gi, go: log.append(gi) or (gi[0] * 0 + 1,))
        x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        m(x).sum().backward()
        return x.grad, log
    same(case)


def test_global_backward_hooks_run_before_the_modules_own():
    def case(lib):
        mm = lib.nn.modules.module if lib is torch else lib.nn.module
        log = []
        handles = [
            mm.register_module_full_backward_hook(
                lambda m, gi, go: log.append(("global", type(m).__name__)) or (gi[0] * 10,)),
            mm.register_module_full_backward_pre_hook(
                lambda m, go: log.append(("global pre", type(m).__name__))),
        ]
        try:
            m = lin(lib)
            m.register_full_backward_hook(lambda mod, gi, go: log.append(("own", gi)))
            x = ones(lib, 1, 2)
            m(x).sum().backward()
        finally:
            for h in handles:
                h.remove()
        return x.grad, log
    same(case)


def test_second_derivatives_through_both_hooks_on_two_inputs_and_outputs():
    def case(lib):
        class M(lib.nn.Module):
            def forward(self, a, b):
                return (a * b).sin(), a.exp() * b
        m, log = M(), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(1)
                                      or (gi[0] * 3, gi[1] * 0.5))
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2, go[1]))
        a = lib.tensor([0.3, -0.2], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([1.5, 0.7], dtype=lib.float64, requires_grad=True)
        u, v = m(a, b)
        ga, gb = lib.autograd.grad((u * v).sum(), (a, b), create_graph=True)
        (ga.sum() + (gb ** 2).sum()).backward()
        return ga, gb, a.grad, b.grad, log
    same(case)
