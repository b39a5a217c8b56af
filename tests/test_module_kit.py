"""The training kit around Module: buffers, containers (ModuleDict, ParameterList,
ParameterDict), forward pre-hooks, get_submodule; nn.init; nn.utils (clipping, parameter
vectors). Each behaviour is checked against PyTorch where torch is installed."""
import doctest
import math
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn
from tinygrad_acts.nn import init, layers, module
from tinygrad_acts.nn.utils import clip_grad, convert_parameters


class Norm(nn.Module):
    """A BatchNorm-shaped module: two parameters, three buffers (one not persistent)."""

    def __init__(self, n: int = 3):
        super().__init__()
        self.weight = nn.Parameter(ta.ones(n))
        self.bias = nn.Parameter(ta.zeros(n))
        self.register_buffer("running_mean", ta.zeros(n))
        self.register_buffer("running_var", ta.ones(n))
        self.register_buffer("num_batches_tracked", ta.tensor(0, dtype=ta.int64))
        self.register_buffer("scratch", ta.zeros(1), persistent=False)

    def forward(self, x):
        return x * self.weight + self.bias


def net():
    return nn.Sequential(nn.Linear(3, 3), Norm(3), nn.Sequential(Norm(3)))


# --- buffers ------------------------------------------------------------------------------


def test_buffers_are_registered_listed_and_not_parameters():
    m = net()
    assert [n for n, _ in m.named_buffers()] == [
        "1.running_mean", "1.running_var", "1.num_batches_tracked", "1.scratch",
        "2.0.running_mean", "2.0.running_var", "2.0.num_batches_tracked", "2.0.scratch"]
    assert len(list(m.buffers())) == 8 and len(list(m.buffers(recurse=False))) == 0
    assert next(n for n, _ in m[1].named_buffers(prefix="bn")) == "bn.running_mean"
    assert len(list(m.parameters())) == 6


def test_state_dict_holds_persistent_buffers_in_torch_order():
    keys = list(net().state_dict())
    assert keys == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                    "1.running_var", "1.num_batches_tracked", "2.0.weight", "2.0.bias",
                    "2.0.running_mean", "2.0.running_var", "2.0.num_batches_tracked"]
    assert net().state_dict()["1.num_batches_tracked"].dtype == np.int64
    kept = net().state_dict(keep_vars=True)
    assert isinstance(kept["1.running_mean"], ta.Tensor)


def test_load_state_dict_checks_and_copies_buffers_keeping_their_dtype():
    a, b = net(), net()
    with ta.no_grad():
        a[1].running_mean.add_(2.0)
    a[1].num_batches_tracked = ta.tensor(7, dtype=ta.int32)  # replaced by assignment
    state = a.state_dict()
    assert b.load_state_dict(state) == ([], [])
    assert b[1].running_mean.tolist() == [2.0] * 3
    assert b[1].num_batches_tracked.dtype == np.int64 and b[1].num_batches_tracked.item() == 7
    del state["2.0.running_var"]
    with pytest.raises(RuntimeError, match="missing key: 2.0.running_var"):
        b.load_state_dict(state)
    assert b.load_state_dict(state, strict=False).missing_keys == ["2.0.running_var"]
    state["1.scratch"] = np.zeros(1)  # a non-persistent buffer is not expected
    with pytest.raises(RuntimeError, match="unexpected key: 1.scratch"):
        b.load_state_dict(state)
    bad = net().state_dict()
    bad["1.running_mean"] = np.zeros(4)
    with pytest.raises(RuntimeError, match="1.running_mean: checkpoint shape"):
        b.load_state_dict(bad)


def test_to_converts_floating_buffers_only():
    m = net().double()
    assert m[1].running_mean.dtype == np.float64 and m[1].scratch.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64
    assert m[1]._buffers["running_mean"] is m[1].running_mean
    m.to(ta.float32)
    assert m[2][0].running_var.dtype == np.float32


def test_buffer_assignment_none_and_errors_as_torch():
    m = Norm()
    m.running_mean = ta.ones(3)
    assert m.state_dict()["running_mean"].tolist() == [1.0] * 3
    m.running_mean = None
    assert "running_mean" not in m.state_dict() and "running_mean" in m._buffers
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'running_var'"):
        m.running_var = 3
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'x'"):
        m.register_buffer("x", [1.0])
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", ta.zeros(1))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", ta.zeros(1))
    m.running_var = nn.Parameter(ta.ones(3))  # a Parameter takes over the name
    assert "running_var" not in m._buffers and "running_var" in m._parameters
    del m.num_batches_tracked
    assert "num_batches_tracked" not in m._buffers
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Norm.__new__(Norm).register_buffer("x", None)


def test_torch_model_with_buffers_loads_strictly_both_ways():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3))
    tm.train()
    tm(torch.randn(8, 3))  # moves the running statistics
    ours = nn.Sequential(nn.Linear(3, 3), Norm(3))
    assert list(ours.state_dict()) == list(tm.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    assert ours[1].num_batches_tracked.item() == 1
    np.testing.assert_array_equal(ours[1].running_var.numpy(), tm[1].running_var.numpy())
    back = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3))
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    assert back[1].num_batches_tracked.dtype == torch.int64
    assert torch.equal(back[1].running_mean, tm[1].running_mean)


# --- hooks, submodules, modes -------------------------------------------------------------


def test_forward_pre_hook_return_values_as_torch():
    lin = nn.Linear(2, 2)
    x = ta.ones(1, 2)
    h = lin.register_forward_pre_hook(lambda m, args: args[0] * 0)  # not a tuple: the input
    assert lin(x).tolist() == lin.bias.reshape(1, 2).tolist()
    h.remove()
    seen = []
    lin.register_forward_pre_hook(lambda m, args: seen.append("second"))
    lin.register_forward_pre_hook(lambda m, args: seen.append("first"), prepend=True)
    lin.register_forward_pre_hook(lambda m, args, kw: ((args[0] * 2,), kw), with_kwargs=True)
    lin.register_forward_hook(lambda m, args, out: seen.append(args[0].tolist()))
    lin(x)
    assert seen == ["first", "second", [[2.0, 2.0]]]
    bad = nn.Identity()
    bad.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        bad(x)


def test_forward_hook_with_kwargs_sees_them():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m, got = Scale(), {}
    m.register_forward_hook(lambda mod, args, kwargs, out: got.update(kwargs), with_kwargs=True)
    m(ta.ones(1), factor=3.0)
    assert got == {"factor": 3.0}


def test_get_submodule_parameter_buffer_as_torch():
    m = net()
    assert m.get_submodule("") is m and m.get_submodule("2.0") is m[2][0]
    assert m.get_parameter("0.weight") is m[0].weight
    assert m.get_buffer("2.0.running_mean") is m[2][0].running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `9`"):
        m.get_submodule("9")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        m.get_submodule("0.weight")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        m.get_buffer("0.weight")
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Parameter"):
        m.get_parameter("1.running_mean")


def test_train_reaches_every_child_and_requires_grad_only_parameters():
    m = nn.ModuleDict({"a": net(), "b": nn.ModuleList([nn.Dropout()])})
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


# --- containers -----------------------------------------------------------------------------


def test_module_dict_as_torch():
    d = nn.ModuleDict({"x": nn.Linear(1, 2), "y": nn.ReLU()})
    assert list(d) == ["x", "y"] and "x" in d and len(d) == 2
    assert [n for n, _ in d.named_parameters()] == ["x.weight", "x.bias"]
    assert isinstance(d.pop("y"), nn.ReLU) and list(d.keys()) == ["x"]
    d.update([("z", nn.Tanh())])
    d["w"] = nn.Identity()
    assert list(d) == ["x", "z", "w"]
    del d["z"]
    assert list(d) == ["x", "w"] and not hasattr(d, "z")
    with pytest.raises(TypeError, match="is not a Module subclass"):
        d["q"] = 3
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        d.update([("a",)])
    assert repr(nn.ModuleDict()) == "ModuleDict()"
    d.clear()
    assert len(d) == 0


def test_parameter_list_as_torch():
    pl = nn.ParameterList([nn.Parameter(ta.ones(2)), ta.zeros(3)])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    assert list(pl.state_dict()) == ["0", "1"]
    pl.append(ta.ones(1)).extend([ta.ones(4)])
    pl += [ta.ones(5)]
    assert len(pl) == 5 and pl[-1].shape == (5,)
    assert isinstance(pl[1:3], nn.ParameterList) and len(pl[1:3]) == 2
    pl[0] = ta.zeros(7)
    assert pl[0].shape == (7,) and next(n for n, _ in pl.named_parameters()) == "0"
    with pytest.raises(IndexError, match="out of range"):
        pl[5]
    with pytest.raises(TypeError, match="cannot assign"):
        pl[4] = "not a tensor"  # as torch's: an object may not replace a parameter
    assert len(list(pl.parameters())) == 5
    assert repr(nn.ParameterList([ta.zeros(2, 3)])) == (
        "ParameterList(\n    (0): Parameter containing: [float32 of size 2x3]\n)")


def test_parameter_dict_as_torch():
    pd = nn.ParameterDict({"b": ta.ones(1), "a": ta.ones(2)})  # a plain dict: sorted
    assert list(pd) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    pd["c"] = ta.zeros(3)
    assert list(pd.state_dict()) == ["a", "b", "c"]
    assert pd.pop("a").shape == (2,) and list(pd) == ["b", "c"] and pd.get("zz") is None
    assert pd.setdefault("d", ta.ones(1)).shape == (1,)
    assert pd.popitem()[0] == "d"
    assert list(pd.copy()) == ["b", "c"] and list(reversed(pd)) == ["c", "b"]
    with pytest.raises(TypeError, match="not a string"):
        pd[3] = ta.ones(1)
    with pytest.raises(KeyError, match="attribute 'keys' already exists"):
        pd["keys"] = ta.ones(1)
    assert repr(pd).startswith("ParameterDict(\n    (b): Parameter containing: "
                               "[torch.FloatTensor")  # torch's: the type name


def test_containers_match_torch_state_dict_keys():
    torch = pytest.importorskip("torch")
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "ps": nn.ParameterList([ta.zeros(2)]),
                          "pd": nn.ParameterDict({"s": ta.ones(1)})})
    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3),
                                  "ps": torch.nn.ParameterList([torch.zeros(2)]),
                                  "pd": torch.nn.ParameterDict({"s": torch.ones(1)})})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})


# --- nn.init --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 3), (8, 3, 5, 5), (4, 2, 7), (6, 1, 2, 3, 2)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(ta.empty(*shape)) == expected
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ta.empty(3))


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",),
                                  ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                                  ("leaky_relu", 1), ("selu",)])
def test_calculate_gain_matches_torch(args):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="Mode fan_sideways not supported"):
        init.kaiming_normal_(ta.empty(2, 2), mode="fan_sideways")


STATS = [  # (initialiser, kwargs, expected std of the entries given the shape (out, in, k, k))
    (init.xavier_uniform_, {}, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    (init.xavier_normal_, {"gain": 2.0}, lambda fi, fo: 2 * math.sqrt(2 / (fi + fo))),
    (init.kaiming_uniform_, {}, lambda fi, fo: math.sqrt(2 / (1 + 0.01 ** 2) / fi)),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"},
     lambda fi, fo: 5 / 3 / math.sqrt(fo)),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, lambda fi, fo: math.sqrt(1 / 3 / fi)),
]


@pytest.mark.parametrize("fill, kwargs, std", STATS)
def test_init_statistics_match_the_formula_and_torch(fill, kwargs, std):
    torch = pytest.importorskip("torch")
    shape = (64, 32, 3, 3)
    ta.manual_seed(0)
    w = fill(nn.Parameter(ta.empty(*shape)), **kwargs)
    fan_in, fan_out = 32 * 9, 64 * 9
    assert abs(float(w.std()) / std(fan_in, fan_out) - 1) < 0.02
    assert abs(float(w.mean())) < 0.02 * std(fan_in, fan_out) * 5
    torch.manual_seed(0)
    tw = getattr(torch.nn.init, fill.__name__)(torch.empty(shape), **kwargs)
    assert abs(float(w.std()) / float(tw.std()) - 1) < 0.03
    if "uniform" in fill.__name__:  # the same bound as torch's
        assert abs(float(w.abs().max()) / float(tw.abs().max()) - 1) < 0.01


def test_init_is_in_place_seeded_and_bumps_the_version():
    p = nn.Parameter(ta.zeros(20, 10))
    x = ta.ones(3, 10)
    y = (x @ p.T).sum()  # p's gradient needs only x: still fine after p changes
    z = (p * p).sum()  # saves p itself
    v = p._version
    ta.manual_seed(3)
    out = init.kaiming_uniform_(p)
    assert out is p and p._version > v and p.requires_grad and p.is_leaf
    first = p.numpy().copy()
    ta.manual_seed(3)
    init.kaiming_uniform_(p)
    np.testing.assert_array_equal(first, p.numpy())
    gen = np.random.default_rng(1)
    init.normal_(p, generator=gen)
    np.testing.assert_array_equal(p.numpy(), np.random.default_rng(1).standard_normal(
        (20, 10)).astype(np.float32))
    y.backward()
    with pytest.raises(RuntimeError):
        z.backward()  # p was changed in place after (p * p) saved it


def test_deterministic_fills_match_torch():
    torch = pytest.importorskip("torch")
    for shape in [(3, 5), (5, 3), (4, 4)]:
        np.testing.assert_array_equal(init.eye_(ta.empty(*shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(shape)).numpy())
    for shape, groups in [((4, 2, 3), 1), ((6, 4, 3, 3), 2), ((4, 6, 3, 2), 2),
                          ((3, 3, 3, 3, 3), 3)]:
        np.testing.assert_array_equal(init.dirac_(ta.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    assert init.constant_(ta.empty(2, dtype=ta.int64), 3).tolist() == [3, 3]
    assert init.zeros_(ta.ones(2)).tolist() == [0, 0] and init.ones_(ta.zeros(1)).tolist() == [1]
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(ta.empty(2, 2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(ta.empty(3, 2, 3), groups=2)


def test_orthogonal_and_trunc_normal():
    for shape in [(3, 5), (5, 3), (4, 2, 3)]:
        w = init.orthogonal_(ta.empty(*shape, dtype=ta.float64), gain=2.0).numpy()
        flat = w.reshape(shape[0], -1)
        small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-12)
    ta.manual_seed(0)
    w = init.trunc_normal_(ta.empty(20000), mean=1.0, std=2.0, a=-1.0, b=2.0).numpy()
    assert w.min() >= -1.0 and w.max() <= 2.0
    # the truncated normal's mean: mu + sigma (phi(alpha) - phi(beta)) / Z
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda t: (1 + math.erf(t / math.sqrt(2))) / 2  # noqa: E731
    al, be = -1.0, 0.5
    assert abs(w.mean() - (1 + 2 * (phi(al) - phi(be)) / (cdf(be) - cdf(al)))) < 0.02
    # little mass in [1.5, 2]: the uniform-proposal branch; the density falls, so mean < 1.75
    narrow = init.trunc_normal_(ta.empty(5000), mean=0.0, std=1.0, a=1.5, b=2.0).numpy()
    assert narrow.min() >= 1.5 and narrow.max() <= 2.0 and 1.7 < narrow.mean() < 1.74
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(ta.empty(10), mean=10.0, std=1.0, a=0.0, b=1.0)


def test_zero_element_tensors():
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_normal_(ta.empty(0, 3)).shape == (0, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert init.orthogonal_(ta.empty(0, 3)).shape == (0, 3)
        assert init.xavier_uniform_(ta.empty(0, 3)).shape == (0, 3)


# --- nn.utils -------------------------------------------------------------------------------


def _grads(values):
    params = []
    for v in values:
        p = nn.Parameter(ta.zeros(*np.shape(v), dtype=np.asarray(v).dtype))
        p.grad = ta.tensor(np.array(v))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf", 0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    values = [rng.standard_normal((3, 4)).astype(np.float32),
              rng.standard_normal(5).astype(np.float32)]
    ours = _grads(values)
    theirs = [torch.nn.Parameter(torch.zeros(v.shape)) for v in values]
    for t, v in zip(theirs, values):
        t.grad = torch.from_numpy(v.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, ta.Tensor) and total.dtype == np.float32
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-6)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([nn.Parameter(ta.zeros(2))], 1.0).item() == 0.0
    (p,) = _grads([np.array([3.0, np.nan])])
    assert np.isnan(nn.utils.clip_grad_norm_(p, 1.0).item()) and np.isnan(p.grad.numpy()).all()
    (p,) = _grads([np.array([3.0, np.inf])])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    mixed = _grads([np.array([3.0], np.float32), np.array([4.0], np.float64)])
    assert nn.utils.clip_grad_norm_(mixed, 10.0).dtype == np.float64
    assert mixed[0].grad.dtype == np.float32


def test_clip_grad_value_and_total_norm():
    ps = _grads([np.array([3.0, -0.5, -2.0], np.float32)])
    assert nn.utils.clip_grad_value_(ps, 1) is None
    assert ps[0].grad.tolist() == [1.0, -0.5, -1.0]
    total = nn.utils.get_total_norm([ta.tensor([3.0]), ta.tensor([4.0])])
    assert total.item() == 5.0


def test_parameter_vectors_as_torch():
    a, b = nn.Parameter(ta.ones(2, 2)), nn.Parameter(ta.zeros(3))
    v = nn.utils.parameters_to_vector([a, b])
    assert v.shape == (7,) and v.requires_grad
    (v * ta.arange(7.0)).sum().backward()
    assert a.grad.tolist() == [[0, 1], [2, 3]] and b.grad.tolist() == [4, 5, 6]
    vec = ta.arange(7.0)
    version = a._version
    nn.utils.vector_to_parameters(vec, [a, b])
    assert a.tolist() == [[0, 1], [2, 3]] and b.tolist() == [4, 5, 6]
    assert a._version > version
    with ta.no_grad():
        vec[0] = 100.0  # shares memory, as torch's param.data = slice
    assert a[0, 0].item() == 100.0
    with pytest.raises(TypeError, match="expected Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], [a])
    with pytest.raises(RuntimeError, match="too short"):
        nn.utils.vector_to_parameters(ta.zeros(3), [a, b])


# --- the examples and doctests --------------------------------------------------------------


@pytest.mark.parametrize("mod", [module, layers, init, clip_grad, convert_parameters])
def test_doctests_pass(mod):
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_multi_line_extra_repr_is_laid_out_as_torch():
    class Two(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    m = Two()
    assert repr(m) == "Two(\n  a=1\n  b=2\n)"
    m.act = nn.ReLU()
    assert repr(m) == "Two(\n  a=1\n  b=2\n  (act): ReLU()\n)"
