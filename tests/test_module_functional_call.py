"""nn.Buffer, torch.func.functional_call and nn.utils.stateless.functional_call against
torch: each case written once in torch terms (``lib`` is torch or tinygrad_acts) and run in
both; the results compared (values, dtypes, grads, which calls raise with which exception
class and message, the warnings)."""
import contextlib
import warnings

import pytest

from tests.test_module_hooks import _plain

torch = pytest.importorskip("torch")
import tinygrad_acts as ta  # noqa: E402

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def kind_only(fn):
    """A case whose error messages are the framework's own (only the class compared)."""
    fn.kind_only = True
    return case(fn)


def run(fn, lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = _plain(fn(lib))
        except Exception as e:  # noqa: BLE001 (class and message compared)
            msg = str(e).replace("torch.nn.", "nn.").replace("torch.", "")
            out = ("raises", type(e).__name__,
                   None if getattr(fn, "kind_only", False) else msg)
    return out, sorted((w.category.__name__, str(w.message)[:40]) for w in caught)


def lin(lib, n_in=2, n_out=1):
    layer = lib.nn.Linear(n_in, n_out).double()
    with lib.no_grad():
        layer.weight.copy_(lib.arange(n_in * n_out, dtype=lib.float64).reshape(n_out, n_in))
        layer.bias.fill_(0.5)
    return layer


def t(lib, *values, grad=False):
    return lib.tensor(values, dtype=lib.float64, requires_grad=grad)


def bufmod(lib):
    m = lib.nn.Module()
    m.a = lib.nn.Buffer(t(lib, 1.0, 2.0))
    m.b = lib.nn.Buffer(t(lib, 3.0), persistent=False)
    return m


# --- nn.Buffer ---------------------------------------------------------------------------


@case
def buffer_registers(lib):
    m = bufmod(lib)
    return ([n for n, _ in m.named_buffers()], list(m.state_dict()),
            sorted(m._non_persistent_buffers_set), isinstance(m.a, lib.Tensor),
            isinstance(m.a, lib.nn.Buffer), list(m.parameters()), m.a.persistent, m.b.persistent)


@case
def buffer_plain_tensor_keeps_it_a_buffer(lib):
    m = bufmod(lib)
    m.b = t(lib, 7.0, 8.0)
    m.a = t(lib, 5.0)
    return ([n for n, _ in m.named_buffers()], list(m.state_dict()), m.a, m.b,
            sorted(m._non_persistent_buffers_set))


@case
def buffer_reassigned_changes_persistence(lib):
    m = bufmod(lib)
    m.a = lib.nn.Buffer(t(lib, 1.0), persistent=False)
    m.b = lib.nn.Buffer(t(lib, 2.0))
    return list(m.state_dict()), [n for n, _ in m.named_buffers()]


@case
def buffer_load_state_dict(lib):
    m = bufmod(lib)
    keys = m.load_state_dict({"a": t(lib, 9.0, 9.5)})
    return m.a, list(keys.missing_keys), list(keys.unexpected_keys)


@kind_only
def buffer_load_state_dict_strict_non_persistent(lib):
    return bufmod(lib).load_state_dict({"a": t(lib, 9.0, 9.5), "b": t(lib, 1.0)})


@case
def buffer_alias_and_grad_flag(lib):
    x = t(lib, 1.0, 2.0, grad=True)
    b = lib.nn.Buffer(x)
    with lib.no_grad():
        x.mul_(3.0)
    return b, b.requires_grad, b.is_leaf, b is x, b._version == x._version


@case
def buffer_default_empty(lib):
    b = lib.nn.Buffer()
    return b.shape == (0,), str(b.dtype).replace("torch.", ""), b.persistent


@case
def buffer_repr(lib):
    return repr(lib.nn.Buffer(t(lib, 1.0, 2.0))).replace("torch.", "")  # dtypes: guarantees


@case
def buffer_of_non_tensor(lib):
    return lib.nn.Buffer(3)


@kind_only
def buffer_over_parameter_name(lib):
    m = lin(lib)
    m.weight = lib.nn.Buffer(t(lib, 1.0))


@kind_only
def buffer_over_module_name(lib):
    m = lib.nn.Module()
    m.c = lin(lib)
    m.c = lib.nn.Buffer(t(lib, 1.0))


@case
def buffer_over_plain_attribute(lib):
    m = lib.nn.Module()
    m.z = 5
    m.z = lib.nn.Buffer(t(lib, 1.0))


@case
def buffer_before_init(lib):
    class M(lib.nn.Module):
        def __init__(self):
            self.x = lib.nn.Buffer(t(lib, 1.0))

    M()


@case
def buffer_then_parameter(lib):
    m = bufmod(lib)
    m.a = lib.nn.Parameter(t(lib, 1.0))
    return [n for n, _ in m.named_buffers()], [n for n, _ in m.named_parameters()]


@case
def register_buffer_ignores_buffer_persistence(lib):
    m = lib.nn.Module()
    m.register_buffer("z", lib.nn.Buffer(t(lib, 1.0), persistent=False))
    return list(m.state_dict())


@case
def buffer_converted_by_to(lib):
    m = bufmod(lib).float()
    return m.a, m.b, list(m.state_dict())


# --- functional_call ---------------------------------------------------------------------


@case
def call_values_and_grads(lib):
    m = lin(lib, 3, 2)
    w = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
    b = t(lib, 1.0, -1.0, grad=True)
    x = lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64, requires_grad=True)
    out = lib.func.functional_call(m, {"weight": w, "bias": b}, (x,))
    (out * out).sum().backward()
    return out, w.grad, b.grad, x.grad, m.weight.grad, m.weight, m(x)


@case
def call_partial_keeps_others(lib):
    m = lin(lib)
    w = lib.zeros(1, 2, dtype=lib.float64, requires_grad=True)
    out = lib.func.functional_call(m, {"weight": w}, t(lib, 1.0, 2.0))
    out.sum().backward()
    return out, w.grad, m.bias.grad, type(m.weight).__name__, m.weight


@case
def call_second_derivative(lib):
    m = lin(lib)
    w = lib.tensor([[0.5, -1.0]], dtype=lib.float64, requires_grad=True)

    def loss(w):
        return lib.func.functional_call(m, {"weight": w}, (t(lib, 1.0, 2.0),)).pow(3).sum()

    (g,) = lib.autograd.grad(loss(w), w, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), w)
    return g, gg


@case
def call_nested_names_and_buffers(lib):
    net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2)).double()
    net.eval()
    given = {"0.weight": lib.eye(2, dtype=lib.float64), "0.bias": t(lib, 0.5, -0.5),
             "1.running_mean": t(lib, 1.0, 2.0), "1.running_var": t(lib, 4.0, 9.0)}
    x = lib.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=lib.float64)
    out = lib.func.functional_call(net, given, x)
    return out, net[1].running_mean, [n for n, _ in net.named_buffers()]


@case
def call_kwargs_and_list_arg(lib):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.s = lib.nn.Parameter(t(lib, 2.0))

        def forward(self, xs, scale=1.0):
            return sum(xs) * self.s * scale

    out = lib.func.functional_call(M(), {"s": t(lib, 3.0)}, [t(lib, 1.0), t(lib, 2.0)],
                                   {"scale": 10.0})
    return out


@case
def call_sequence_of_dicts(lib):
    m = lin(lib)
    return lib.func.functional_call(m, ({"weight": lib.ones(1, 2, dtype=lib.float64)},
                                        {"bias": t(lib, 0.0)}), (t(lib, 1.0, 2.0),))


@case
def call_repeated_key_in_dicts(lib):
    m = lin(lib)
    return lib.func.functional_call(m, ({"bias": t(lib, 1.0)}, {"bias": t(lib, 0.0)}),
                                    (t(lib, 1.0, 2.0),))


@case
def call_sequence_with_non_dict(lib):
    return lib.func.functional_call(lin(lib), [{"bias": t(lib, 1.0)}, 3], (t(lib, 1.0, 2.0),))


@case
def call_bad_container(lib):
    return lib.func.functional_call(lin(lib), 3, (t(lib, 1.0, 2.0),))


@case
def call_strict_unexpected_and_missing(lib):
    m = lin(lib)
    return lib.func.functional_call(m, {"weight": lib.ones(1, 2, dtype=lib.float64),
                                        "other": t(lib, 1.0)}, (t(lib, 1.0, 2.0),), strict=True)


@case
def call_strict_ok(lib):
    m = lin(lib)
    return lib.func.functional_call(m, {"weight": lib.ones(1, 2, dtype=lib.float64),
                                        "bias": t(lib, 1.0)}, (t(lib, 1.0, 2.0),), strict=True)


@case
def call_unknown_key_not_strict(lib):
    m = lin(lib)
    out = lib.func.functional_call(m, {"extra": t(lib, 1.0)}, (t(lib, 1.0, 2.0),))
    return out, hasattr(m, "extra")


@case
def call_unknown_submodule(lib):
    return lib.func.functional_call(lin(lib), {"nope.weight": t(lib, 1.0)}, (t(lib, 1.0, 2.0),))


@case
def call_non_tensor_value(lib):
    m = lin(lib)
    try:
        lib.func.functional_call(m, {"bias": 3.0}, (t(lib, 1.0, 2.0),))
    except TypeError:
        return "TypeError", m.bias, type(m.bias).__name__


@case
def call_restored_on_error(lib):
    class Boom(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(t(lib, 1.0))
            self.register_buffer("c", t(lib, 2.0))

        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    with contextlib.suppress(ValueError):
        lib.func.functional_call(m, {"w": t(lib, 5.0), "c": t(lib, 6.0), "q": t(lib, 0.0)},
                                 (t(lib, 1.0),))
    return m.w, m.c, type(m.w).__name__, list(m._parameters), list(m._buffers), hasattr(m, "q")


def tied(lib):
    class Tied(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(2, 2, bias=False).double()
            self.b = lib.nn.Linear(2, 2, bias=False).double()
            self.b.weight = self.a.weight
            self.register_buffer("u", t(lib, 1.0))
            self.register_buffer("v", self.u)

        def forward(self, x):
            return self.b(self.a(x)) + self.u + self.v

    return Tied()


@case
def call_tied_one_given(lib):
    m = tied(lib)
    w = lib.eye(2, dtype=lib.float64, requires_grad=True)
    out = lib.func.functional_call(m, {"a.weight": w, "u": t(lib, 10.0)}, (t(lib, 1.0, 2.0),))
    out.sum().backward()
    return out, w.grad


@case
def call_tied_off(lib):
    m = tied(lib)
    with lib.no_grad():
        m.a.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    out = lib.func.functional_call(m, {"a.weight": lib.eye(2, dtype=lib.float64)},
                                   (t(lib, 1.0, 2.0),), tie_weights=False)
    return out


@case
def call_tied_two_values(lib):
    m = tied(lib)
    return lib.func.functional_call(m, {"a.weight": lib.eye(2, dtype=lib.float64),
                                        "b.weight": lib.eye(2, dtype=lib.float64)},
                                    (t(lib, 1.0, 2.0),))


@case
def call_tied_same_value_twice(lib):
    m = tied(lib)
    e = lib.eye(2, dtype=lib.float64)
    return lib.func.functional_call(m, {"a.weight": e, "b.weight": e}, (t(lib, 1.0, 2.0),))


@case
def call_tied_strict_needs_both_names(lib):
    m = tied(lib)
    return lib.func.functional_call(m, {"a.weight": lib.eye(2, dtype=lib.float64),
                                        "u": t(lib, 0.0)}, (t(lib, 1.0, 2.0),), strict=True)


@case
def call_writes_back_reassigned_buffer(lib):
    class Counter(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("n", t(lib, 0.0))

        def forward(self, x):
            self.n = self.n + 1
            return x * self.n

    m = Counter()
    given = {"n": t(lib, 5.0)}
    out = lib.func.functional_call(m, given, (t(lib, 2.0),))
    return out, given["n"], m.n


@case
def call_with_hooks_and_train_mode(lib):
    m = lin(lib)
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(mod.weight.sum()))
    lib.func.functional_call(m, {"weight": lib.zeros(1, 2, dtype=lib.float64)},
                             (t(lib, 1.0, 2.0),))
    return seen, m.weight


@case
def stateless_warns_and_matches(lib):
    m = lin(lib)
    w = lib.ones(1, 2, dtype=lib.float64, requires_grad=True)
    out = lib.nn.utils.stateless.functional_call(m, {"weight": w}, (t(lib, 1.0, 2.0),))
    out.sum().backward()
    return out, w.grad


@case
def stateless_strict(lib):
    return lib.nn.utils.stateless.functional_call(lin(lib), {"x": t(lib, 1.0)},
                                                  (t(lib, 1.0, 2.0),), strict=True)


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_torch(name):
    want, got = run(CASES[name], torch), run(CASES[name], ta)
    assert got == want
