"""nn.Module: registration, traversal order, modes, zero_grad, repr, hooks, state_dict keys
(PyTorch's, and checked against PyTorch when it is installed)."""
import itertools

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn


def net_class(lib, ones):
    """Own parameter, a layer, an activation and a nested Sequential, written once for
    tinygrad_acts.nn and (for cross-checks) torch.nn."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.Linear(3, 4)
            self.act = lib.LeakyReLU(0.1)
            self.block = lib.Sequential(lib.Linear(4, 4), lib.Tanh())
            self.scale = lib.Parameter(ones(1))

        def forward(self, x):
            return self.block(self.act(self.fc1(x))) * self.scale

    return Net


Net = net_class(nn, ta.ones)


PARAM_NAMES = ["scale", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias"]
MODULE_NAMES = ["", "fc1", "act", "block", "block.0", "block.1"]


# --- registration ---------------------------------------------------------------------------


def test_parameters_and_modules_register_on_assignment():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._modules) == ["fc1", "act", "block"]
    net.plain = ta.ones(2)           # a plain tensor is not a parameter
    net.number = 3
    assert "plain" not in dict(net.named_parameters())
    assert [n for n, _ in net.named_parameters()] == PARAM_NAMES


def test_reassigning_and_deleting_update_the_registries():
    net = Net()
    net.fc1 = nn.Linear(3, 4, bias=False)   # a replacement keeps its place, as in PyTorch
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "block.0.weight",
                                                       "block.0.bias"]
    net.act = nn.Parameter(ta.ones(2))      # a module replaced by a parameter
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "block", "block.0", "block.1"]
    assert list(net._parameters) == ["scale", "act"]
    del net.block
    assert [n for n, _ in net.named_modules()] == ["", "fc1"]
    net.scale = None                 # a parameter may be set to None
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="scale"):
        net.scale = ta.ones(1)       # but not to a plain tensor


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ta.ones(1))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_parameter_is_a_leaf_that_requires_grad():
    p = nn.Parameter(ta.zeros(2))
    assert isinstance(p, ta.Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(ta.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")


# --- traversal order ------------------------------------------------------------------------


def test_named_parameters_modules_and_children_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == PARAM_NAMES
    assert [n for n, _ in net.named_modules()] == MODULE_NAMES
    assert next(iter(net.modules())) is net
    assert [type(m).__name__ for m in net.children()] == ["Linear", "LeakyReLU", "Sequential"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "block"]
    assert [p.shape for p in net.parameters()] == [(1,), (4, 3), (4,), (4, 4), (4,)]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.Tanh(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


@pytest.mark.parametrize("sizes, parameters", [((3, 4, 2), 26), ((3, 4, 4, 1), 41)])
def test_parameter_counts_from_the_lecture(sizes, parameters):
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    assert nn.Sequential(*layers).num_parameters() == parameters


def test_apply_visits_children_first_then_self():
    net = Net()
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "LeakyReLU", "Linear", "Tanh", "Sequential", "Net"]


# --- modes, calling, zero_grad -----------------------------------------------------------------


def test_train_and_eval_set_every_module():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), Net().block)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not any(m.training for m in net.modules())


def test_dropout_follows_the_mode():
    drop = nn.Dropout(0.5)
    x = ta.ones(1000)
    assert set(np.unique(drop(x).numpy())) <= {0.0, 2.0}
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())


def test_call_runs_forward_with_args_and_kwargs():
    class Affine(nn.Module):
        def forward(self, x, shift=0.0):
            return x * 2 + shift

    assert Affine()(ta.tensor([1.0]), shift=3.0).item() == 5.0
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(ta.ones(1))


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    net = Net()
    net(ta.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=set_to_none)
    for p in net.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(p.grad.numpy(), np.zeros(p.shape))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_freezes_parameters():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    assert not net(ta.randn(2, 3)).requires_grad


# --- repr ---------------------------------------------------------------------------------------

# (module built from a library namespace, its repr: PyTorch's text)
REPRS = [
    (lambda lib: lib.LeakyReLU(negative_slope=0.1), "LeakyReLU(negative_slope=0.1)"),
    (lambda lib: lib.LeakyReLU(0.1), "LeakyReLU(negative_slope=0.1)"),
    (lambda lib: lib.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (lambda lib: lib.ReLU(), "ReLU()"),
    (lambda lib: lib.ReLU(inplace=True), "ReLU(inplace=True)"),
    (lambda lib: lib.Tanh(), "Tanh()"),
    (lambda lib: lib.Sigmoid(), "Sigmoid()"),
    (lambda lib: lib.Softmax(dim=1), "Softmax(dim=1)"),
    (lambda lib: lib.LogSoftmax(dim=0), "LogSoftmax(dim=0)"),
    (lambda lib: lib.ELU(alpha=0.5, inplace=True), "ELU(alpha=0.5, inplace=True)"),
    (lambda lib: lib.Softplus(beta=2.0, threshold=30.0), "Softplus(beta=2.0, threshold=30.0)"),
    (lambda lib: lib.GELU(approximate="tanh"), "GELU(approximate='tanh')"),
    (lambda lib: lib.Hardtanh(-2.0, 0.5), "Hardtanh(min_val=-2.0, max_val=0.5)"),
    (lambda lib: lib.SiLU(), "SiLU()"),
    (lambda lib: lib.Linear(3, 4), "Linear(in_features=3, out_features=4, bias=True)"),
    (lambda lib: lib.Linear(3, 4, bias=False),
     "Linear(in_features=3, out_features=4, bias=False)"),
    (lambda lib: lib.Sequential(lib.Linear(3, 4), lib.Tanh()),
     "Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): Tanh()\n)"),
    (lambda lib: net_class(lib, lib.ones)(),
     "Net(\n"
     "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
     "  (act): LeakyReLU(negative_slope=0.1)\n"
     "  (block): Sequential(\n"
     "    (0): Linear(in_features=4, out_features=4, bias=True)\n"
     "    (1): Tanh()\n"
     "  )\n"
     ")"),
]
REPR_IDS = [r[1].split("(")[0] + str(i) for i, r in enumerate(REPRS)]


class _Lib:
    """tinygrad_acts.nn plus the factories, in the shape the REPRS factories expect."""

    def __init__(self, nn_module, ones):
        self._nn, self.ones = nn_module, ones

    def __getattr__(self, name):
        return getattr(self._nn, name)


@pytest.mark.parametrize("make, text", REPRS, ids=REPR_IDS)
def test_repr_like_pytorch(make, text):
    assert repr(make(_Lib(nn, ta.ones))) == text


@pytest.mark.torch
@pytest.mark.parametrize("make, text", REPRS, ids=REPR_IDS)
def test_repr_text_is_what_pytorch_prints(make, text):
    torch = pytest.importorskip("torch")
    assert repr(make(_Lib(torch.nn, torch.ones))) == text


# --- hooks --------------------------------------------------------------------------------------


def test_forward_hooks_run_in_order_can_replace_the_output_and_be_removed():
    layer = nn.Linear(3, 2)
    x = ta.randn(4, 3)
    calls = []
    h1 = layer.register_forward_hook(lambda m, inputs, out: calls.append(("first", m, inputs,
                                                                          out.shape)))
    h2 = layer.register_forward_hook(lambda m, inputs, out: out * 0)
    y = layer(x)
    assert calls[0][0] == "first" and calls[0][1] is layer and calls[0][2][0] is x
    assert calls[0][3] == (4, 2)
    np.testing.assert_array_equal(y.numpy(), np.zeros((4, 2)))
    h2.remove()
    assert np.any(layer(x).numpy() != 0) and len(calls) == 2
    h1.remove()
    layer(x)
    assert len(calls) == 2
    h1.remove()  # removing twice is harmless


def test_full_backward_hook_receives_grad_input_and_grad_output():
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_full_backward_hook(
        lambda m, grad_input, grad_output: seen.append((m, grad_input, grad_output)))
    x = ta.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), requires_grad=True)
    y = layer(x)
    (y * y).sum().backward()
    module, grad_input, grad_output = seen[0]
    assert module is layer and len(seen) == 1
    assert isinstance(grad_input, tuple) and isinstance(grad_output, tuple)
    np.testing.assert_allclose(grad_output[0].numpy(), 2 * y.numpy(), rtol=1e-6)
    np.testing.assert_allclose(grad_input[0].numpy(), x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(grad_input[0].numpy(),
                               (2 * y.numpy()) @ layer.weight.numpy(), rtol=1e-5)
    handle.remove()
    layer(x).sum().backward()
    assert len(seen) == 1


def test_full_backward_hook_gives_none_for_inputs_without_grad():
    layer = nn.Linear(3, 2)
    seen = []
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    layer(ta.randn(4, 3)).sum().backward()
    grad_input, grad_output = seen[0]
    assert grad_input == (None,)
    np.testing.assert_array_equal(grad_output[0].numpy(), np.ones((4, 2)))


@pytest.mark.torch
def test_full_backward_hook_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.numpy()))
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    got, want = [], []
    ours.register_full_backward_hook(lambda m, gi, go: got.append((gi[0].numpy(),
                                                                   go[0].numpy())))
    theirs.register_full_backward_hook(lambda m, gi, go: want.append(
        (gi[0].detach().numpy(), go[0].detach().numpy())))
    (ours(ta.tensor(x, requires_grad=True)).tanh().sum()).backward()
    (theirs(torch.tensor(x, requires_grad=True)).tanh().sum()).backward()
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5)


# --- state_dict ---------------------------------------------------------------------------------


def test_state_dict_keys_are_pytorchs():
    assert list(Net().state_dict()) == PARAM_NAMES
    seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(nn.Maxout(3, 2, pieces=2).state_dict()) == ["linear.weight", "linear.bias"]


@pytest.mark.torch
def test_state_dict_keys_and_module_names_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = Net(), net_class(torch.nn, torch.ones)()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname and p.shape == tuple(tp.shape)


def test_state_dict_shares_the_parameters_and_load_state_dict_round_trips():
    """As torch: detached Tensors sharing memory and the version counter with the
    parameters (an in-place change is the model's, and autograd sees it)."""
    a, b = Net(), Net()
    state = a.state_dict()
    assert all(type(v) is ta.Tensor and not v.requires_grad for v in state.values())
    assert np.shares_memory(state["scale"].numpy(), a.scale.numpy())
    state["scale"][...] = 7.0
    assert a.scale.item() == 7.0
    loss = (a.scale * a.scale).sum()      # saves scale for its backward
    state["scale"].add_(1.0)
    with pytest.raises(RuntimeError, match="in place|modified"):
        loss.backward()
    assert a.scale.item() == 8.0
    missing, unexpected = b.load_state_dict(a.state_dict())
    assert missing == [] and unexpected == []
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert not np.shares_memory(p.numpy(), q.numpy())
    assert a.load_state_dict(a.state_dict()) == ([], [])   # its own views: a no-op copy


@pytest.mark.torch
def test_state_dict_sharing_is_torchs():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for module in (ours, theirs):
        sd = module.state_dict()
        sd["weight"].add_(1)
        snapshot = {k: v.clone() for k, v in module.state_dict().items()}
        snapshot["bias"].add_(1)
        assert not sd["weight"].requires_grad and not sd["bias"].requires_grad
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy())
    np.testing.assert_allclose(ours.bias.numpy(), theirs.bias.detach().numpy())
    assert [type(v).__name__ for v in ours.state_dict(keep_vars=True).values()] == \
        [type(v).__name__ for v in theirs.state_dict(keep_vars=True).values()]


def test_load_state_dict_errors_are_clear():
    net = Net()
    state = net.state_dict()
    bad_shape = dict(state, **{"fc1.weight": np.zeros((2, 2), np.float32)})
    with pytest.raises(RuntimeError, match=r"fc1.weight.*\(2, 2\).*\(4, 3\)"):
        net.load_state_dict(bad_shape)
    partial = {k: v for k, v in state.items() if k != "scale"}
    with pytest.raises(RuntimeError, match="missing key: scale"):
        net.load_state_dict(partial)
    with pytest.raises(RuntimeError, match="unexpected key: extra"):
        net.load_state_dict(dict(state, extra=np.zeros(1)))
    assert net.load_state_dict(partial, strict=False) == (["scale"], [])


def test_sequential_is_mutable_as_torchs():
    from tinygrad_acts import nn
    net = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    net[-1] = nn.Identity()
    assert isinstance(net[2], nn.Identity) and list(net._modules) == ["0", "1", "2"]
    del net[0]
    assert [type(m).__name__ for m in net] == ["Tanh", "Identity"]
    assert list(net._modules) == ["0", "1"]  # renumbered, as torch
    net.insert(-1, nn.ReLU())  # before the last, as list.insert and torch
    assert [type(m).__name__ for m in net] == ["Tanh", "ReLU", "Identity"]
    net.extend([nn.Sigmoid()]).append(nn.Tanh())
    assert len(net) == 5 and isinstance(net.pop(0), nn.Tanh) and len(net) == 4
    del net[1:3]
    assert [type(m).__name__ for m in net] == ["ReLU", "Tanh"]
    with pytest.raises(IndexError):
        net[5] = nn.ReLU()
    with pytest.raises(IndexError):
        net.insert(7, nn.ReLU())
    with pytest.raises(TypeError):
        net.insert(0, lambda x: x)
    lin = nn.Sequential(nn.Linear(2, 2))
    lin.insert(0, nn.Linear(3, 2))
    assert sorted(lin.state_dict()) == ["0.bias", "0.weight", "1.bias", "1.weight"]


# --- state_dict / load_state_dict arguments, as torch's ---------------------------------

def _state_dict_story(lib, nn_lib):
    """state_dict's arguments, run the same way on either library."""
    import warnings
    from collections import OrderedDict
    model = nn_lib.Sequential(nn_lib.Linear(2, 3), nn_lib.Sequential(nn_lib.Linear(3, 1)))
    model.register_buffer("seen", lib.zeros(1))
    model.register_buffer("scratch", lib.zeros(1), persistent=False)
    sd = model.state_dict()
    mine: OrderedDict = OrderedDict()
    filled = model.state_dict(destination=mine, prefix="net.")
    plain: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        positional = model.state_dict(None, "p.", True)
    kept = model.state_dict(keep_vars=True)
    return {
        "type": type(sd).__name__, "keys": list(sd), "metadata": sd._metadata,
        "prefixed metadata": model.state_dict(prefix="m.")._metadata,
        "filled is mine": filled is mine, "filled": list(mine),
        "mine has metadata": hasattr(mine, "_metadata"),
        "plain": type(model.state_dict(destination=plain)).__name__, "plain keys": list(plain),
        "positional": list(positional), "warned": [w.category.__name__ for w in caught],
        "positional keeps vars": positional["p.0.weight"] is model[0].weight,
        "kept": [type(v).__name__ for v in kept.values()],
        "kept is param": kept["0.weight"] is model[0].weight,
        "detached": [v.requires_grad for v in sd.values()],
    }


@pytest.mark.torch
def test_state_dict_arguments_and_metadata_are_torchs():
    torch = pytest.importorskip("torch")
    ours, theirs = _state_dict_story(ta, nn), _state_dict_story(torch, torch.nn)
    assert ours == theirs
    assert ours["metadata"] == {"": {"version": 1}, "0": {"version": 1},
                                "1": {"version": 1}, "1.0": {"version": 1}}


def _assign_story(lib, nn_lib, to_value):
    """load_state_dict(assign=True), and the values it takes, run on either library."""
    layer = nn_lib.Linear(2, 3)
    layer.register_buffer("count", lib.zeros(1))
    weight = to_value(np.full((3, 2), 2.0, np.float64))
    bias = nn_lib.Parameter(lib.zeros(3))
    count = to_value(np.ones(1, np.float32))
    layer.bias.requires_grad_(False)
    result = layer.load_state_dict({"weight": weight, "bias": bias, "count": count},
                                   assign=True)
    shares = np.shares_memory(layer.weight.detach().numpy(),
                              weight.detach().numpy() if hasattr(weight, "detach") else weight)
    out = {"result": tuple(result), "weight class": type(layer.weight).__name__,
           "weight dtype": str(layer.weight.dtype).replace("torch.", ""), "shares": shares,
           "weight requires grad": layer.weight.requires_grad, "bias is": layer.bias is bias,
           "bias requires grad": layer.bias.requires_grad, "count is": layer.count is count,
           "in state": list(layer.state_dict())}
    partial = layer.load_state_dict({"weight": to_value(np.zeros((3, 2))), "extra": count},
                                    strict=False, assign=True)
    out["partial"] = (partial.missing_keys, partial.unexpected_keys)
    with pytest.raises(RuntimeError) as caught:
        layer.load_state_dict({"weight": to_value(np.zeros((4, 2)))}, strict=False,
                              assign=True)
    out["error"] = "weight" in str(caught.value) and "4, 2" in str(caught.value) and \
        "3, 2" in str(caught.value) and "Error(s) in loading state_dict for Linear" in \
        str(caught.value)
    return out


@pytest.mark.torch
def test_load_state_dict_assign_is_torchs():
    torch = pytest.importorskip("torch")
    ours = _assign_story(ta, nn, ta.tensor)
    assert ours == _assign_story(torch, torch.nn, torch.tensor)
    assert ours["shares"] and ours["weight dtype"] == "float64" and ours["bias is"]


def test_load_state_dict_assign_without_torch():
    ours = _assign_story(ta, nn, ta.tensor)
    assert ours["weight class"] == "Parameter" and ours["shares"] and ours["count is"]
    assert ours["weight requires grad"] and not ours["bias requires grad"]
    assert ours["partial"] == (["bias", "count"], ["extra"]) and ours["error"]
    arrays = _assign_story(ta, nn, lambda a: a)          # ndarrays: assigned, shared
    assert arrays["shares"] and arrays["weight dtype"] == "float64"
    layer = nn.Linear(2, 1)
    with pytest.raises(RuntimeError, match="weight: cannot assign a int64 value to a "
                                           "parameter that requires grad"):
        layer.load_state_dict({"weight": np.ones((1, 2), np.int64)}, strict=False, assign=True)


@pytest.mark.torch
def test_load_state_dict_takes_tensors_arrays_and_torch_tensors():
    torch = pytest.importorskip("torch")
    layer = nn.Linear(2, 1)
    values = [ta.ones(1, 2), np.ones((1, 2)), torch.ones(1, 2, requires_grad=True),
              torch.ones(1, 2, dtype=torch.float64)]  # (a list is refused, as torch)
    for value in values:
        with ta.no_grad():
            layer.weight.zero_()
        assert layer.load_state_dict({"weight": value}, strict=False) == (["bias"], [])
        assert layer.weight.tolist() == [[1.0, 1.0]] and layer.weight.dtype == np.float32
    with pytest.raises(RuntimeError, match=r"Error\(s\) in loading state_dict for Linear:\n"
                                           r"  weight: checkpoint shape \(2, 2\), model shape"
                                           r" \(1, 2\)\n  missing key: bias"):
        layer.load_state_dict({"weight": torch.ones(2, 2)})
    theirs = torch.nn.Linear(2, 1)
    partial = {"weight": torch.ones(1, 2), "extra": torch.ones(1)}
    assert layer.load_state_dict(partial, strict=False) == \
        tuple(theirs.load_state_dict(partial, strict=False))
    assert repr(layer.load_state_dict(partial, strict=False)) == \
        repr(theirs.load_state_dict(partial, strict=False))
