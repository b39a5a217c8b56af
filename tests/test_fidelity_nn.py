"""nn and optim behave as PyTorch's where a user porting a tutorial would notice: what
load_state_dict returns and refuses, tied weights in state_dict, Module.to and friends,
layers refusing lists and mixed dtypes, containers refusing non-Modules, optimizers
refusing bad hyper-parameters. Each case is checked against torch when it is installed."""
import re

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn, optim


def _torch():
    return pytest.importorskip("torch")


def _raises(fn):
    """The exception type fn raises (None if it runs)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (any type: it is compared with torch's)
        return type(e)
    return None


# --- load_state_dict: what it returns, what it refuses, all or nothing --------------------

def test_load_state_dict_returns_a_named_tuple_like_torch():
    layer = nn.Linear(3, 2)
    result = layer.load_state_dict(layer.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    missing, unexpected = layer.load_state_dict({"weight": np.zeros((2, 3))}, strict=False)
    assert (missing, unexpected) == (["bias"], [])
    partial = layer.load_state_dict({"weight": np.zeros((2, 3)), "x": np.ones(1)},
                                    strict=False)
    assert partial == (["bias"], ["x"])
    assert repr(partial) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['x'])"


@pytest.mark.torch
def test_load_state_dict_result_prints_as_torchs():
    torch = _torch()
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    assert repr(ours.load_state_dict(ours.state_dict())) == \
        repr(theirs.load_state_dict(theirs.state_dict()))
    state = {"weight": torch.zeros(2, 3), "extra": torch.ones(1)}
    assert repr(ours.load_state_dict({k: v.numpy() for k, v in state.items()}, strict=False)) \
        == repr(theirs.load_state_dict(state, strict=False))


@pytest.mark.parametrize("path", ["model.npz", b"model.npz"])
def test_load_state_dict_of_a_path_says_to_call_ta_load(tmp_path, path):
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"pass ta\.load\(path\)"):
        layer.load_state_dict(path)
    with pytest.raises(TypeError, match=r"pass ta\.load\(path\)"):
        layer.load_state_dict(tmp_path / "model.npz")
    opt = optim.SGD(layer.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"pass ta\.load\(path\)"):
        opt.load_state_dict(path)


def _three_layers():
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.Tanh(),
                         nn.Linear(3, 1))


def _snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}   # (sd values share memory)


def _assert_unchanged(model, before):
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_is_all_or_nothing_for_a_dtype_that_cannot_be_cast():
    model = _three_layers()
    before = _snapshot(model)
    state = {k: np.zeros_like(v) for k, v in before.items()}
    state["4.bias"] = np.zeros(1, dtype=np.complex64)        # the last entry cannot be cast
    with pytest.raises(RuntimeError, match=r"4\.bias: checkpoint dtype complex64"):
        model.load_state_dict(state)
    _assert_unchanged(model, before)                        # the earlier ones did not move


def test_load_state_dict_is_all_or_nothing_for_a_read_only_parameter():
    model = _three_layers()
    model[4].weight._array.flags.writeable = False
    before = _snapshot(model)
    with pytest.raises(RuntimeError, match=r"4\.weight: the parameter's array is read-only"):
        model.load_state_dict({k: np.zeros_like(v) for k, v in before.items()})
    _assert_unchanged(model, before)


def test_load_state_dict_restores_what_it_wrote_when_a_copy_fails(monkeypatch):
    model = _three_layers()
    before = _snapshot(model)
    real_copyto, calls = np.copyto, []

    def copyto(dst, src, **kwargs):
        calls.append(1)
        if len(calls) == 3:                                  # the third parameter's copy
            raise KeyboardInterrupt
        return real_copyto(dst, src, **kwargs)

    monkeypatch.setattr(np, "copyto", copyto)
    with pytest.raises(KeyboardInterrupt):
        model.load_state_dict({k: np.zeros_like(v) for k, v in before.items()})
    monkeypatch.undo()
    _assert_unchanged(model, before)


def test_load_state_dict_names_a_value_it_cannot_read():
    layer = nn.Linear(2, 1)
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight", '
                                           "expected Tensor or Tensor-like object"):
        layer.load_state_dict({"weight": [[1.0, 2.0], [3.0]], "bias": np.zeros(1)})


# --- tied weights ---------------------------------------------------------------------------

def _tied(lib, ones):
    """A tied parameter (decoder.weight is encoder.weight) and a shared module."""

    class Tied(lib.Module):
        def __init__(self):
            super().__init__()
            self.encoder = lib.Linear(3, 3, bias=False)
            self.decoder = lib.Linear(3, 3, bias=False)
            self.decoder.weight = self.encoder.weight
            shared = lib.Linear(3, 3)
            self.blocks = lib.Sequential(shared, lib.Tanh(), shared)

        def forward(self, x):
            return self.decoder(self.blocks(self.encoder(x)))

    return Tied()


TIED_KEYS = ["encoder.weight", "decoder.weight", "blocks.0.weight", "blocks.0.bias",
             "blocks.2.weight", "blocks.2.bias"]


def test_state_dict_lists_every_name_of_a_tied_parameter():
    model = _tied(nn, ta.ones)
    assert list(model.state_dict()) == TIED_KEYS
    assert [n for n, _ in model.named_parameters()] == ["encoder.weight", "blocks.0.weight",
                                                         "blocks.0.bias"]
    assert [n for n, _ in model.named_parameters(remove_duplicate=False)] == TIED_KEYS
    assert len(list(model.parameters())) == 3
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == \
        ["", "encoder", "decoder", "blocks", "blocks.0", "blocks.1", "blocks.2"]
    assert list(model.state_dict(keep_vars=True).values())[1] is model.encoder.weight
    assert list(model.state_dict(prefix="net.")) == ["net." + k for k in TIED_KEYS]


def test_a_tied_state_dict_round_trips_through_a_file(tmp_path):
    model, other = _tied(nn, ta.ones), _tied(nn, ta.ones)
    ta.save(model.state_dict(), tmp_path / "tied.npz")
    assert other.load_state_dict(ta.load(tmp_path / "tied.npz")) == ([], [])
    x = ta.randn(2, 3)
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())
    assert other.decoder.weight is other.encoder.weight           # still tied


@pytest.mark.torch
def test_tied_models_move_both_ways_between_torch_and_us():
    torch = _torch()
    ours, theirs = _tied(nn, ta.ones), _tied(torch.nn, torch.ones)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_modules(remove_duplicate=False)]
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    partial = {k: v for k, v in theirs.state_dict().items() if k != "decoder.weight"}
    assert ours.load_state_dict({k: v.numpy() for k, v in partial.items()}, strict=False) \
        == tuple(theirs.load_state_dict(partial, strict=False))
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(ours(ta.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5)


# --- Module.to, double, float, half, cpu ------------------------------------------------

def test_module_to_converts_parameters_in_place_and_returns_self():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    weight = model[0].weight
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(ta.randn(4, 3)).sum().backward()
    assert model.double() is model
    assert model[0].weight is weight and isinstance(weight, nn.Parameter)
    assert weight.dtype == np.float64 and weight.grad.dtype == np.float64
    opt.step()                                  # the optimizer still holds the parameters
    out = model(ta.randn(4, 3, dtype=ta.float64))
    assert out.dtype == np.float64
    for call, dtype in [(lambda m: m.float(), np.float32), (lambda m: m.half(), np.float16),
                        (lambda m: m.to(ta.float64), np.float64),
                        (lambda m: m.to("cpu", ta.float32), np.float32),
                        (lambda m: m.to("float64"), np.float64),
                        (lambda m: m.to(np.float32), np.float32),
                        (lambda m: m.to(device="cpu", dtype="float64"), np.float64),
                        (lambda m: m.to(ta.ones(1, dtype=ta.float32)), np.float32),
                        (lambda m: m.to("cpu"), np.float32), (lambda m: m.cpu(), np.float32)]:
        assert call(model) is model
        assert all(p.dtype == dtype for p in model.parameters())


def test_module_to_refuses_what_torch_refuses():
    model = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"only accepts floating point dtypes.*int64"):
        model.to(ta.int64)
    with pytest.raises(RuntimeError, match="cuda"):
        model.to("cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        model.cuda()
    with pytest.raises(TypeError, match="two dtypes"):
        model.to(ta.float32, ta.float64)
    assert model.weight.dtype == np.float32


@pytest.mark.torch
def test_module_to_matches_torch():
    torch = _torch()
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    pairs = [((ta.float64,), (torch.float64,)), (("cpu", ta.float32), ("cpu", torch.float32)),
             (("cpu",), ("cpu",)), ((ta.float16,), (torch.float16,))]
    for mine, torchs in pairs:
        assert ours.to(*mine) is ours and theirs.to(*torchs) is theirs
        assert str(ours.weight.dtype) == str(theirs.weight.dtype).replace("torch.", "")
    assert _raises(lambda: ours.to(ta.int64)) is _raises(lambda: theirs.to(torch.int64)) \
        is TypeError


# --- layers: inputs that torch refuses ---------------------------------------------------

def test_linear_given_a_list_is_torchs_type_error_naming_the_layer():
    with pytest.raises(TypeError, match=r"Linear\(3, 2\): linear\(\): argument 'input' "
                                        r"\(position 1\) must be Tensor, not list"):
        nn.Linear(3, 2)([[1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match=r"Maxout\(3, 2, pieces=2\).*not ndarray"):
        nn.Maxout(3, 2)(np.ones((1, 3), np.float32))
    with pytest.raises(TypeError, match=r"dropout.*must be Tensor, not list"):
        nn.Dropout()([1.0, 2.0])
    with pytest.raises(TypeError, match=r"MSELoss: argument 'input'.*not list"):
        nn.MSELoss()([1.0, 2.0], ta.ones(2))


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int64])
def test_a_layer_refuses_an_input_of_another_dtype_than_its_weights(dtype):
    x = ta.ones(4, 3, dtype=dtype)
    with pytest.raises(RuntimeError, match=rf"Linear\(3, 2\): .*same dtype.*{np.dtype(dtype)} "
                                           r"\(the input\) and float32 \(the weight\)"):
        nn.Linear(3, 2)(x)
    with pytest.raises(RuntimeError, match=rf"Maxout\(3, 2, pieces=2\).*{np.dtype(dtype)}"):
        nn.Maxout(3, 2)(x)
    assert nn.Linear(3, 2).to(dtype)(x).dtype == dtype if dtype != np.int64 else True


@pytest.mark.torch
def test_layer_input_errors_have_torchs_types():
    torch = _torch()
    assert _raises(lambda: nn.Linear(3, 2)([[1.0, 2.0, 3.0]])) is \
        _raises(lambda: torch.nn.Linear(3, 2)([[1.0, 2.0, 3.0]])) is TypeError
    for np_dtype, torch_dtype in [(np.float64, torch.float64), (np.int64, torch.int64)]:
        ours = _raises(lambda d=np_dtype: nn.Linear(3, 2)(ta.ones(1, 3, dtype=d)))
        theirs = _raises(lambda d=torch_dtype: torch.nn.Linear(3, 2)(torch.ones(1, 3, dtype=d)))
        assert ours is theirs is RuntimeError
    assert _raises(lambda: nn.Dropout()([1.0])) is _raises(lambda: torch.nn.Dropout()([1.0]))


# --- containers and registration ---------------------------------------------------------

@pytest.mark.parametrize("make", [lambda lib: lib.Sequential(lib.Linear(2, 2), lambda x: x),
                                  lambda lib: lib.Sequential(dict(a=lib.Tanh())),
                                  lambda lib: lib.ModuleList([lib.Tanh(), abs]),
                                  lambda lib: lib.Sequential().append(3),
                                  lambda lib: lib.ModuleList(lib.Tanh())],
                         ids=["lambda", "dict", "builtin", "int", "module-not-iterable"])
def test_containers_refuse_what_is_not_a_module(make):
    with pytest.raises(TypeError, match=r"is not a Module subclass|should be called with an "
                                        r"iterable"):
        make(nn)


@pytest.mark.torch
def test_container_errors_match_torchs_messages():
    torch = _torch()
    for make in [lambda lib: lib.Sequential(lib.Linear(2, 2), lambda x: x),
                 lambda lib: lib.Sequential().append(3), lambda lib: lib.Sequential({})]:
        with pytest.raises(TypeError) as ours:
            make(nn)
        with pytest.raises(TypeError) as theirs:
            make(torch.nn)
        assert str(ours.value) == str(theirs.value)


def test_registration_names_and_values_follow_torch():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.add_module("a.b", nn.Tanh())
    with pytest.raises(KeyError, match="empty string"):
        m.add_module("", nn.Tanh())
    with pytest.raises(TypeError, match="should be a string"):
        m.add_module(1, nn.Tanh())
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.add_module("x", nn.Tanh())
    with pytest.raises(TypeError, match=r"parameter 'w' \(nn.Parameter or None required\)"):
        m.register_parameter("w", ta.ones(1))
    m.register_parameter("w", None)
    m.fc = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc'"):
        m.fc = 3
    m.fc = None                                  # None keeps the slot, as in torch
    assert list(m._modules.items()) == [("fc", None)] and m.fc is None
    assert list(m.state_dict()) == []


def test_module_list_slices_are_module_lists_and_extend_works():
    layers = nn.ModuleList([nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 2)])
    head = layers[1:]
    assert isinstance(head, nn.ModuleList) and len(head) == 2 and head[1] is layers[2]
    assert list(head.state_dict()) == ["1.weight", "1.bias"]
    layers.extend([nn.ReLU()])
    assert len(layers) == 4 and nn.ModuleList(nn.Sequential(nn.Tanh(), nn.ReLU()))[1] \
        is not None


def test_train_eval_and_zero_grad_follow_torch():
    model = nn.Linear(2, 1)
    assert model.train() is model and model.eval() is model
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("no")
    model(ta.ones(3, 2)).sum().backward()
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)           # zeroed in place: the same grad tensor
    assert model.weight.grad is grad and not grad.numpy().any()
    model.zero_grad()
    assert model.weight.grad is None


def test_dropout_has_torchs_inplace_argument_and_repr():
    assert repr(nn.Dropout(0.2, inplace=True)) == "Dropout(p=0.2, inplace=True)"
    x = ta.ones(100)
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x or np.array_equal(y.numpy(), x.numpy())


# --- optimizers: hyper-parameters checked at construction, as in torch --------------------

BAD_HYPERPARAMETERS = [
    ("SGD", dict(lr="0.1"), TypeError, "lr must be a number, got str '0.1'"),
    ("SGD", dict(lr=None), TypeError, "lr must be a number"),
    ("SGD", dict(lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=-1), ValueError, "Invalid momentum value: -1"),
    ("SGD", dict(lr=0.1, momentum="0.9"), TypeError, "momentum must be a number"),
    ("SGD", dict(lr=0.1, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    ("SGD", dict(lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
    ("Adam", dict(lr="1e-3"), TypeError, "lr must be a number"),
    ("Adam", dict(lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    ("Adam", dict(lr=float("nan")), ValueError, "Invalid learning rate: nan"),
    ("Adam", dict(eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(betas=(0, 0.999)), ValueError, "both floats"),
    ("Adam", dict(weight_decay=-1.0), ValueError, "Invalid weight_decay value: -1.0"),
    ("AdamW", dict(weight_decay=-1.0), ValueError, "Invalid weight_decay value: -1.0"),
    ("AdamW", dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
]


@pytest.mark.parametrize("name, kwargs, error, words", BAD_HYPERPARAMETERS,
                         ids=[f"{c[0]}-{c[1]}" for c in BAD_HYPERPARAMETERS])
def test_bad_hyperparameters_are_refused_at_construction(name, kwargs, error, words):
    with pytest.raises(error) as info:
        getattr(optim, name)([ta.ones(2, requires_grad=True)], **kwargs)
    assert words in str(info.value) and name in str(info.value)


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs, error, words", BAD_HYPERPARAMETERS,
                         ids=[f"{c[0]}-{c[1]}" for c in BAD_HYPERPARAMETERS])
def test_bad_hyperparameters_raise_what_torch_raises(name, kwargs, error, words):
    torch = _torch()
    with pytest.raises(error) as theirs:
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)
    if error is ValueError:                      # the same message, prefixed by the name
        with pytest.raises(ValueError, match=f"{name}: " + re.escape(str(theirs.value))):
            getattr(optim, name)([ta.ones(2, requires_grad=True)], **kwargs)


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda o, p: o.SGD(p, lr=0.1, dampening=-1.0),                  # torch does not check it
    lambda o, p: o.SGD(p, lr=float("nan")),                          # nan < 0 is False
    lambda o, p: o.SGD(p, lr=True),
    lambda o, p: o.SGD(p[:1], lr=0.1).add_param_group({"params": p[1:], "lr": -1.0}),
    lambda o, p: o.Adam(p[:1]).add_param_group({"params": p[1:], "betas": (0.9, 1.5)}),
], ids=["dampening", "sgd-nan-lr", "bool-lr", "negative-group-lr", "group-betas"])
def test_what_torch_accepts_we_accept(make):
    torch = _torch()
    make(torch.optim, [torch.ones(2, requires_grad=True), torch.ones(1, requires_grad=True)])
    make(optim, [ta.ones(2, requires_grad=True), ta.ones(1, requires_grad=True)])


def test_param_groups_refuse_sets_and_non_numbers():
    a, b = ta.ones(2, requires_grad=True), ta.ones(1, requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {b}})
    with pytest.raises(TypeError, match="SGD: lr must be a number"):
        opt.add_param_group({"params": [b], "lr": "fast"})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([b])


def test_optimizer_state_is_a_defaultdict_as_in_torch():
    w = ta.ones(2, requires_grad=True)
    opt = optim.Adam([w])
    assert opt.state[w] == {}
    w.grad = ta.ones(2)
    opt.step()
    assert opt.state[w]["step"] == 1 and set(opt.state[w]) >= {"exp_avg", "exp_avg_sq"}


@pytest.mark.torch
def test_a_torch_adam_checkpoint_resumes_here_identically():
    torch = _torch()
    rng = np.random.default_rng(0)
    init, grads = rng.standard_normal((3, 2)), [rng.standard_normal((3, 2)) for _ in range(6)]
    tp = torch.tensor(init, requires_grad=True)
    topt = torch.optim.Adam([tp], lr=0.01, weight_decay=0.1)
    for g in grads[:3]:
        tp.grad = torch.tensor(g)
        topt.step()
    ours = ta.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = optim.Adam([ours], lr=0.5)
    opt.load_state_dict(topt.state_dict())       # torch tensors inside, step as a tensor
    assert opt.param_groups[0]["lr"] == 0.01
    for g in grads[3:]:
        tp.grad, ours.grad = torch.tensor(g), ta.tensor(g)
        topt.step()
        opt.step()
    np.testing.assert_allclose(ours.numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-15)


# --- printing and construction ------------------------------------------------------------

def _repeated(lib):
    return lib.ModuleList([lib.Linear(1, 1), lib.Linear(1, 1), lib.Tanh(),
                           lib.Sequential(lib.Tanh(), lib.ReLU()),
                           lib.Sequential(lib.Tanh(), lib.ReLU())])


def test_module_list_prints_runs_of_identical_modules_once():
    assert repr(_repeated(nn)) == (
        "ModuleList(\n"
        "  (0-1): 2 x Linear(in_features=1, out_features=1, bias=True)\n"
        "  (2): Tanh()\n"
        "  (3-4): 2 x Sequential(\n"
        "    (0): Tanh()\n"
        "    (1): ReLU()\n"
        "  )\n"
        ")")
    assert repr(nn.ModuleList()) == "ModuleList()"


@pytest.mark.torch
def test_module_list_repr_is_torchs():
    torch = _torch()
    assert repr(_repeated(nn)) == repr(_repeated(torch.nn))
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))


def test_linear_accepts_torchs_device_argument_and_refuses_negative_sizes():
    assert nn.Linear(3, 2, device="cpu").weight.shape == (2, 3)
    with pytest.raises(RuntimeError, match="cuda"):
        nn.Linear(3, 2, device="cuda")
    with pytest.raises(RuntimeError, match="must be >= 0, got -1 and 2"):
        nn.Linear(-1, 2)


def test_optimizers_take_named_parameters_as_torch_does():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.named_parameters(), lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"][0] is model.weight
    model(ta.ones(1, 2)).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["param_names"] == ["weight", "bias"]
    assert list(state["state"]) == [0, 1]
    with pytest.raises(ValueError, match="Some param names are missing"):
        optim.SGD([("weight", model.weight), model.bias], lr=0.1)


@pytest.mark.torch
def test_named_parameter_groups_match_torchs_state_dict_layout():
    torch = _torch()
    ours = optim.SGD(nn.Linear(2, 1).named_parameters(), lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD(torch.nn.Linear(2, 1).named_parameters(), lr=0.1, momentum=0.9)
    mine, torchs = ours.state_dict()["param_groups"][0], theirs.state_dict()["param_groups"][0]
    assert next(iter(mine)) == next(iter(torchs)) == "param_names"
    assert list(mine)[-1] == "params"
    assert mine == {k: torchs[k] for k in mine}
