"""nn.Module's API against torch: forward hooks (with_kwargs, always_call, prepend, global
hooks), state_dict / load_state_dict, the get_/set_submodule family, traversal, modes,
dtype conversion, repr, attribute registration.

Each case is written once, in torch terms, and run in both libraries (``lib`` is torch or
tinygrad_acts); ``same`` compares the results (values, dtypes, which calls raise, the
warnings). dtypes are compared by name (``dt``): they print as numpy's here (guarantees.md)."""

import contextlib
import copy
from collections import OrderedDict

import pytest

from tests.test_module_hooks import run

torch = pytest.importorskip("torch")
import tinygrad_acts as ta  # noqa: E402

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def dt(dtype):
    """A dtype's name in either library (``float32``)."""
    return str(dtype).replace("torch.", "")


def names(modules):
    return [type(m).__name__ for m in modules]


def keys(container):
    return list(container._modules)


def lin(lib):
    layer = lib.nn.Linear(2, 1)
    with lib.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(0.0)
    return layer


@case
def fwd_hook_kwargs(lib):
    class M(lib.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    m = M()
    log = []
    m.register_forward_hook(
        lambda mod, a, k, o: log.append((len(a), sorted(k))) or o + 1, with_kwargs=True
    )
    m.register_forward_pre_hook(lambda mod, a, k: ((a[0] * 2,), {"scale": 3.0}), with_kwargs=True)
    return m(lib.ones(2), scale=5.0), log


@case
def pre_hook_bad_return(lib):
    m = lin(lib)
    m.register_forward_pre_hook(lambda mod, a, k: a, with_kwargs=True)
    return m(lib.ones(1, 2))


@case
def pre_hook_nontuple(lib):
    m = lin(lib)
    m.register_forward_pre_hook(lambda mod, a: a[0] * 2)
    return m(lib.ones(1, 2))


@case
def always_call(lib):
    class Bad(lib.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Bad()
    log = []
    m.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
    m.register_forward_hook(lambda mod, a, o: log.append("normal"))
    with contextlib.suppress(ValueError):
        m(lib.ones(1))
    return log


@case
def always_call_raises_in_hook(lib):
    class Bad(lib.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Bad()
    m.register_forward_hook(lambda mod, a, o: 1 / 0, always_call=True)
    try:
        m(lib.ones(1))
    except ValueError:
        return "value error"


@case
def always_call_ok(lib):
    m = lin(lib)
    log = []
    m.register_forward_hook(lambda mod, a, o: log.append(1), always_call=True)
    m(lib.ones(1, 2))
    return log


@case
def fwd_prepend(lib):
    m = lin(lib)
    log = []
    m.register_forward_hook(lambda mod, a, o: log.append(1))
    m.register_forward_hook(lambda mod, a, o: log.append(0), prepend=True)
    m.register_forward_pre_hook(lambda mod, a: log.append(-1))
    m.register_forward_pre_hook(lambda mod, a: log.append(-2), prepend=True)
    m(lib.ones(1, 2))
    return log


@case
def global_hooks(lib):
    mm = lib.nn.modules.module if lib is torch else lib.nn.module
    log = []
    h1 = mm.register_module_forward_pre_hook(
        lambda mod, a: log.append(("gpre", type(mod).__name__))
    )
    h2 = mm.register_module_forward_hook(lambda mod, a, o: log.append(("gfwd", type(mod).__name__)))
    m = lin(lib)
    m.register_forward_hook(lambda mod, a, o: log.append("own"))
    m.register_forward_pre_hook(lambda mod, a: log.append("ownpre"))
    m(lib.ones(1, 2))
    h1.remove()
    h2.remove()
    m(lib.ones(1, 2))
    return log


@case
def global_bw(lib):
    mm = lib.nn.modules.module if lib is torch else lib.nn.module
    log = []
    h = mm.register_module_full_backward_hook(lambda mod, gi, go: log.append(type(mod).__name__))
    h2 = mm.register_module_full_backward_pre_hook(lambda mod, go: log.append("pre"))
    try:
        m = lin(lib)
        x = lib.ones(1, 2, requires_grad=True)
        m(x).sum().backward()
    finally:
        h.remove()
        h2.remove()
    return log


@case
def sd_prefix(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
    sd = m.state_dict(prefix="model.")
    return list(sd), dict(sd._metadata)


@case
def sd_keep_vars(lib):
    m = lin(lib)
    sd = m.state_dict(keep_vars=True)
    return (
        [type(v).__name__ for v in sd.values()],
        [v.requires_grad for v in sd.values()],
        sd["weight"] is m.weight,
    )


@case
def sd_destination(lib):
    m = lin(lib)
    d = OrderedDict()
    r = m.state_dict(destination=d)
    return r is d, list(d), hasattr(d, "_metadata")


@case
def sd_dest_dict(lib):
    m = lin(lib)
    d = {}
    r = m.state_dict(destination=d, prefix="a.")
    return r is d, list(d)


@case
def sd_positional(lib):
    m = lin(lib)
    d = OrderedDict()
    r = m.state_dict(d, "p.")
    return list(r)


@case
def nonpersistent(lib):
    m = lin(lib)
    m.register_buffer("b", lib.ones(2), persistent=False)
    m.register_buffer("c", lib.zeros(1))
    return list(m.state_dict()), [n for n, _ in m.named_buffers()]


@case
def load_result(lib):
    m = lin(lib)
    r = m.load_state_dict({"weight": lib.ones(1, 2) * 3, "extra": lib.ones(1)}, strict=False)
    return r.missing_keys, r.unexpected_keys, repr(r), m.weight


@case
def load_ok_repr(lib):
    m = lin(lib)
    r = m.load_state_dict(m.state_dict())
    return repr(r), str(r), list(r)


@case
def load_strict_error(lib):
    m = lin(lib)
    m.load_state_dict({"weight": lib.ones(1, 2)})


@case
def load_shape_error_nonstrict(lib):
    m = lin(lib)
    m.load_state_dict({"weight": lib.ones(2, 2)}, strict=False)


@case
def load_assign(lib):
    m = lin(lib)
    w = lib.full((1, 2), 7.0, dtype=lib.float64)
    b = lib.zeros(1, dtype=lib.float64)
    m.load_state_dict({"weight": w, "bias": b}, assign=True)
    return m.weight.dtype == lib.float64, type(m.weight).__name__, m.weight.requires_grad, m.weight


@case
def load_dtype_cast(lib):
    m = lin(lib)
    m.load_state_dict({"weight": lib.full((1, 2), 2.0, dtype=lib.float64), "bias": lib.zeros(1)})
    return m.weight


@case
def load_int_into_float(lib):
    m = lin(lib)
    m.load_state_dict({"weight": lib.tensor([[1, 2]]), "bias": lib.zeros(1)})
    return m.weight


@case
def load_nonpersistent(lib):
    m = lin(lib)
    m.register_buffer("b", lib.ones(2), persistent=False)
    r = m.load_state_dict(
        {"weight": lib.ones(1, 2), "bias": lib.zeros(1), "b": lib.zeros(2)}, strict=False
    )
    return list(r.unexpected_keys), m.b


@case
def get_sub(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sequential(lib.nn.ReLU()))
    return type(m.get_submodule("1.0")).__name__, type(m.get_submodule("")).__name__


@case
def get_sub_missing(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.get_submodule("3")


@case
def get_sub_notmodule(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.get_submodule("0.weight")


@case
def get_param(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    return m.get_parameter("0.bias").shape == (2,)


@case
def get_param_err(lib):
    m = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
    m.get_parameter("0.running_mean")


@case
def get_buffer(lib):
    m = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
    return m.get_buffer("0.running_var")


@case
def get_buffer_err(lib):
    m = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
    m.get_buffer("0.weight")


@case
def get_buffer_missing(lib):
    m = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
    m.get_buffer("0.nothing")


@case
def set_sub(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sequential(lib.nn.ReLU()))
    m.set_submodule("1.0", lib.nn.Tanh())
    return repr(m)


@case
def set_sub_missing(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.set_submodule("5.x", lib.nn.Tanh())


@case
def set_sub_new(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.set_submodule("new", lib.nn.Tanh())
    return repr(m)


@case
def set_sub_strict(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.set_submodule("new", lib.nn.Tanh(), strict=True)


@case
def set_sub_notmod(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.set_submodule("0", 3)


@case
def set_sub_empty(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 2))
    m.set_submodule("", lib.nn.Tanh())


def net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(2, 3)
            self.blocks = lib.nn.ModuleList([lib.nn.Linear(3, 3), lib.nn.ReLU()])
            self.head = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Dropout(0.5))
            self.register_buffer("steps", lib.zeros(1))
            self.scale = lib.nn.Parameter(lib.ones(1))

        def forward(self, x):
            return x

    return Net()


@case
def nm_names(lib):
    return [n for n, _ in net(lib).named_modules()]


@case
def nm_prefix(lib):
    return [n for n, _ in net(lib).named_modules(prefix="m")]


@case
def nm_memo(lib):
    n = net(lib)
    memo = {n.fc}
    return [k for k, _ in n.named_modules(memo=memo)], len(memo)


@case
def nm_dup(lib):
    n = net(lib)
    n.alias = n.fc
    return [k for k, _ in n.named_modules()], [
        k for k, _ in n.named_modules(remove_duplicate=False)
    ]


@case
def np_dup(lib):
    n = net(lib)
    n.alias = n.fc
    return [k for k, _ in n.named_parameters()], [
        k for k, _ in n.named_parameters(remove_duplicate=False)
    ]


@case
def np_tied(lib):
    n = net(lib)
    n.tied = n.scale
    return (
        [k for k, _ in n.named_parameters()],
        [k for k, _ in n.named_parameters(remove_duplicate=False)],
        list(n.state_dict()),
    )


@case
def params_norecurse(lib):
    return [p.shape == (1,) for p in net(lib).parameters(recurse=False)]


@case
def np_prefix_norec(lib):
    return [k for k, _ in net(lib).named_parameters(prefix="x", recurse=False)]


@case
def nb(lib):
    return [k for k, _ in net(lib).named_buffers(prefix="p")], [
        k for k, _ in net(lib).named_buffers(recurse=False)
    ]


@case
def children(lib):
    return [type(c).__name__ for c in net(lib).children()], [
        k for k, _ in net(lib).named_children()
    ]


@case
def apply_order(lib):
    log = []
    r = net(lib).apply(lambda m: log.append(type(m).__name__))
    return log, type(r).__name__


@case
def zero_grad_none(lib):
    n = net(lib)
    n.fc(lib.ones(1, 2)).sum().backward()
    n.zero_grad()
    return n.fc.weight.grad


@case
def zero_grad_zero(lib):
    n = net(lib)
    n.fc(lib.ones(1, 2)).sum().backward()
    g = n.fc.weight.grad
    n.zero_grad(set_to_none=False)
    return n.fc.weight.grad, n.fc.weight.grad is g


@case
def zero_grad_returns(lib):
    return net(lib).zero_grad()


@case
def requires_grad_(lib):
    n = net(lib)
    r = n.requires_grad_(False)
    return r is n, [p.requires_grad for p in n.parameters()], n.steps.requires_grad


@case
def train_eval(lib):
    n = net(lib)
    a = n.eval()
    b = n.train()
    c = n.train(False)
    return a is n, b is n, c is n, [m.training for m in n.modules()]


@case
def train_bad(lib):
    net(lib).train(1)


@case
def to_double(lib):
    n = net(lib)
    r = n.to(lib.float64)
    return r is n, [dt(p.dtype) for p in n.parameters()], dt(n.steps.dtype)


@case
def to_int(lib):
    net(lib).to(lib.int32)


@case
def half_float_double(lib):
    n = net(lib)
    a = n.half()
    d1 = dt(n.fc.weight.dtype)
    b = n.double()
    d2 = dt(n.fc.weight.dtype)
    c = n.float()
    return a is n, b is n, c is n, d1, d2, dt(n.fc.weight.dtype), dt(n.steps.dtype)


@case
def int_buffer_kept(lib):
    n = lib.nn.BatchNorm1d(2).double()
    return dt(n.num_batches_tracked.dtype), dt(n.running_mean.dtype)


@case
def repr_seq(lib):
    return repr(lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Dropout(0.2)))


@case
def repr_net(lib):
    return repr(net(lib))


@case
def repr_empty_list(lib):
    class M(lib.nn.Module):
        def __init__(s):
            super().__init__()
            s.l = lib.nn.ModuleList()
            s.d = lib.nn.ModuleDict()
            s.s = lib.nn.Sequential()

    return repr(M())


@case
def repr_repeated(lib):
    return repr(lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(4)] + [lib.nn.ReLU()]))


@case
def repr_repeated_seq(lib):
    return repr(lib.nn.Sequential(*[lib.nn.ReLU() for _ in range(3)]))


@case
def repr_moddict(lib):
    return repr(lib.nn.ModuleDict({"a": lib.nn.ReLU(), "b": lib.nn.Linear(1, 1)}))


@case
def repr_plist(lib):
    return dt(
        repr(
            lib.nn.ParameterList(
                [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2, 3, dtype=lib.float64))]
            )
        )
    )


@case
def repr_pdict(lib):
    return repr(lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2))}))


@case
def extra_repr_multi(lib):
    class M(lib.nn.Module):
        def __init__(s):
            super().__init__()
            s.fc = lib.nn.Linear(1, 1)

        def extra_repr(s):
            return "a=1\nb=2"

    class N(lib.nn.Module):
        def extra_repr(s):
            return "a=1\nb=2"

    return repr(M()), repr(N())


@case
def dir_(lib):
    n = net(lib)
    d = dir(n)
    return [
        k in d for k in ("fc", "blocks", "steps", "scale", "forward", "training", "_parameters")
    ]


@case
def delattr_all(lib):
    n = net(lib)
    del n.scale
    del n.steps
    del n.fc
    return (
        [k for k, _ in n.named_parameters()],
        list(n.state_dict()),
        hasattr(n, "fc"),
        hasattr(n, "scale"),
    )


@case
def delattr_missing(lib):
    n = net(lib)
    del n.nothing


@case
def assign_none(lib):
    n = net(lib)
    n.scale = None
    n.fc = None
    n.steps = None
    return (
        [k for k, _ in n.named_parameters()],
        list(n.state_dict()),
        n.scale,
        n.fc,
        n.steps,
        [k for k, _ in n.named_children()],
    )


@case
def assign_tensor_to_param(lib):
    n = net(lib)
    n.scale = lib.ones(1)


@case
def assign_int_to_module(lib):
    n = net(lib)
    n.fc = 3


@case
def assign_int_to_buffer(lib):
    n = net(lib)
    n.steps = 3


@case
def assign_param_over_buffer(lib):
    n = net(lib)
    n.steps = lib.nn.Parameter(lib.ones(1))
    return [k for k, _ in n.named_parameters()], [k for k, _ in n.named_buffers()]


@case
def assign_module_over_param(lib):
    n = net(lib)
    n.scale = lib.nn.ReLU()
    return [k for k, _ in n.named_parameters()], [k for k, _ in n.named_children()]


@case
def assign_param_over_plain(lib):
    n = net(lib)
    n.plain = 5
    n.plain = lib.nn.Parameter(lib.ones(1))
    return [k for k, _ in n.named_parameters()]


@case
def reg_param_none(lib):
    n = net(lib)
    n.register_parameter("extra", None)
    return (
        [k for k, _ in n.named_parameters()],
        n.extra,
        "extra" in n._parameters,
        list(n.state_dict()),
    )


@case
def reg_param_existing_attr(lib):
    n = net(lib)
    n.foo = 1
    n.register_parameter("foo", None)


@case
def reg_param_tensor(lib):
    n = net(lib)
    n.register_parameter("p", lib.ones(1))


@case
def reg_param_before_init(lib):
    class M(lib.nn.Module):
        def __init__(s):
            s.register_parameter("p", None)

    M()


@case
def assign_before_init(lib):
    class M(lib.nn.Module):
        def __init__(s):
            s.p = lib.nn.Parameter(lib.ones(1))

    M()


@case
def reg_buffer_bad(lib):
    n = net(lib)
    n.register_buffer("fc", lib.ones(1))


@case
def reg_buffer_dot(lib):
    n = net(lib)
    n.register_buffer("a.b", lib.ones(1))


@case
def add_module_bad(lib):
    n = net(lib)
    n.add_module("x", 3)


@case
def getattr_missing(lib):
    n = net(lib)
    n.nothing


@case
def modules_count(lib):
    return len(list(net(lib).modules()))


@case
def buffers_after_to(lib):
    n = net(lib)
    b = n.steps
    n.double()
    return n.steps is b


@case
def param_after_to(lib):
    n = net(lib)
    w = n.fc.weight
    n.double()
    return n.fc.weight is w


@case
def get_extra_state(lib):
    class M(lib.nn.Module):
        def get_extra_state(s):
            return {"k": 1}

        def set_extra_state(s, st):
            s.got = st

    m = M()
    sd = m.state_dict()
    m.load_state_dict(sd)
    return list(sd), m.got


@case
def share_memory(lib):
    n = net(lib)
    return n.share_memory() is n


@case
def type_dtype(lib):
    n = net(lib)
    return n.type(lib.float64) is n, dt(n.fc.weight.dtype)


@case
def parameters_generator(lib):
    import types

    return isinstance(net(lib).parameters(), types.GeneratorType)


@case
def state_dict_values_detached(lib):
    sd = net(lib).state_dict()
    return [v.requires_grad for v in sd.values()], list(sd)


@case
def load_missing_nested(lib):
    n = net(lib)
    sd = n.state_dict()
    del sd["head.0.bias"]
    sd["zzz"] = lib.ones(1)
    r = n.load_state_dict(sd, strict=False)
    return r


@case
def load_bad_type(lib):
    net(lib).load_state_dict([1, 2])


@case
def register_module_name(lib):
    n = net(lib)
    n.register_module("extra", lib.nn.ReLU())
    return [k for k, _ in n.named_children()]


@case
def to_device_cpu(lib):
    n = net(lib)
    return n.to("cpu") is n, n.cpu() is n


@case
def to_tensor(lib):
    n = net(lib)
    n.to(lib.ones(1, dtype=lib.float64))
    return dt(n.fc.weight.dtype)


def hookfn(m, gi, go):
    return (gi[0] * 2,)


def prefn(m, go):
    return None


@case
def deepcopy_hooks(lib):
    m = lib.nn.Linear(2, 1)
    m.register_full_backward_hook(hookfn)
    m.register_full_backward_pre_hook(prefn)
    c = copy.deepcopy(m)
    x = lib.ones(1, 2, requires_grad=True)
    c(x).sum().backward()
    return x.grad.shape, len(c._backward_hooks), len(c._backward_pre_hooks)


@case
def none_child(lib):
    m = lib.nn.Sequential(lib.nn.ReLU())
    m.add_module("x", None)
    m.register_parameter("p", None)
    m.register_buffer("b", None)
    return (
        [k for k, _ in m.named_modules()],
        [k for k, _ in m.named_children()],
        list(m.state_dict()),
        repr(m),
    )


@case
def call_none_child(lib):
    m = lib.nn.Sequential(lib.nn.ReLU())
    m.add_module("x", None)
    return m(lib.ones(1))


@case
def add_module_existing(lib):
    m = lib.nn.Linear(1, 1)
    m.add_module("weight", lib.nn.ReLU())


@case
def add_module_empty(lib):
    m = lib.nn.Linear(1, 1)
    m.add_module("", lib.nn.ReLU())


@case
def buffer_assign_tensor(lib):
    m = lib.nn.BatchNorm1d(2)
    m.running_mean = lib.ones(2)
    return list(m.state_dict())[:3], m.running_mean


@case
def buffer_nonpersist_assign(lib):
    m = lib.nn.Module()
    m.register_buffer("b", lib.ones(1), persistent=False)
    m.b = lib.zeros(1)
    return list(m.state_dict()), [k for k, _ in m.named_buffers()]


@case
def fwd_hook_returns_replace(lib):
    m = lib.nn.ReLU()
    m.register_forward_hook(lambda mod, a, o: o * 10)
    return m(lib.ones(2))


@case
def fwd_hook_kwargs_with_call_kwargs(lib):
    class M(lib.nn.Module):
        def forward(self, x, *, k=1):
            return x * k

    m = M()
    log = []
    m.register_forward_pre_hook(lambda mod, a, kw: log.append(dict(kw)), with_kwargs=True)
    m.register_forward_pre_hook(lambda mod, a: log.append(len(a)))
    return m(lib.ones(1), k=3), log


@case
def hook_remove_twice(lib):
    m = lib.nn.ReLU()
    h = m.register_forward_hook(lambda *a: None)
    h.remove()
    h.remove()
    return len(m._forward_hooks)


@case
def handle_context(lib):
    m = lib.nn.ReLU()
    log = []
    with m.register_forward_hook(lambda *a: log.append(1)):
        m(lib.ones(1))
    m(lib.ones(1))
    return log


@case
def train_returns_children(lib):
    m = lib.nn.Sequential(lib.nn.Dropout(), lib.nn.Sequential(lib.nn.Dropout()))
    m.eval()
    return [c.training for c in m.modules()]


@case
def zero_grad_no_grad(lib):
    m = lib.nn.Linear(1, 1)
    m.zero_grad()
    return m.weight.grad


@case
def state_dict_shared_module(lib):
    layer = lib.nn.Linear(1, 1)
    m = lib.nn.Sequential(layer, layer)
    return list(m.state_dict()), [k for k, _ in m.named_parameters()]


@case
def load_shared_module(lib):
    layer = lib.nn.Linear(1, 1)
    m = lib.nn.Sequential(layer, layer)
    sd = {
        "0.weight": lib.ones(1, 1),
        "0.bias": lib.ones(1),
        "1.weight": lib.full((1, 1), 2.0),
        "1.bias": lib.ones(1),
    }
    r = m.load_state_dict(sd)
    return m[0].weight, r


@case
def extra_state_missing(lib):
    class M(lib.nn.Module):
        def get_extra_state(s):
            return 1

        def set_extra_state(s, st):
            pass

    M().load_state_dict({})


@case
def extra_state_unexpected(lib):
    return lib.nn.Linear(1, 1).load_state_dict(
        {"weight": lib.ones(1, 1), "bias": lib.ones(1), "_extra_state": 3}, strict=False
    )


@case
def extra_state_nested(lib):
    class M(lib.nn.Module):
        def __init__(s):
            super().__init__()
            s.w = lib.nn.Parameter(lib.ones(1))

        def get_extra_state(s):
            return "hi"

        def set_extra_state(s, st):
            s.got = st

    outer = lib.nn.Sequential(M(), lib.nn.Linear(1, 1))
    sd = outer.state_dict()
    outer.load_state_dict(sd)
    return list(sd), outer[0].got


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_torch(name):
    want, got = run(CASES[name], torch), run(CASES[name], ta)
    assert got == want
