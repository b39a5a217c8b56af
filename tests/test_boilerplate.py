"""The PyTorch boilerplate real tutorials type (issue #13), checked against torch itself:
devices, ta.cuda / ta.accelerator / ta.backends, AMP, positional ``inplace``, ``size=``,
assert_close, autograd.functional, finfo / iinfo, the rng state, nn.init on ndarrays,
_LRScheduler, and BatchNorm state dicts without ``num_batches_tracked``."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn


def _torch():
    return pytest.importorskip("torch")


def _outcome(fn):
    """("ok", repr of the result) or ("error", exception type name), for torch/ours alike."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Exception as e:  # noqa: BLE001 (the type is what is compared)
        return "error", type(e).__name__


# --- 1. devices ---------------------------------------------------------------------------

DEVICE_ARGS = [("cpu",), ("cuda:0",), ("cuda", 0), ("cpu", 0), ("cuda:1",), ("mps",),
               ("meta",), ("xyz",), ("cuda:a",), ("cpu:0", 1), ("cuda", -1)]


@pytest.mark.parametrize("args", DEVICE_ARGS)
def test_device_builds_prints_and_fails_as_torchs(args):
    torch = _torch()
    theirs = _outcome(lambda: torch.device(*args))
    ours = _outcome(lambda: ta.device(*args))
    assert ours[0] == theirs[0], (args, ours, theirs)
    if theirs[0] == "ok":
        t, o = theirs[1], ours[1]
        assert (repr(o), str(o), o.type, o.index) == (repr(t), str(t), t.type, t.index)
    else:
        assert ours[1] == theirs[1] == "RuntimeError"


def test_device_equality_hash_and_keywords_follow_torch():
    torch = _torch()
    pairs = [(("cpu",), ("cpu",)), (("cpu",), ("cpu", 0)), (("cuda", 0), ("cuda:0",))]
    for a, b in pairs:
        assert (ta.device(*a) == ta.device(*b)) == (torch.device(*a) == torch.device(*b))
    # NOTE: torch.device("cpu") == "cpu" is False in torch 2.13: a device never equals a str
    assert (ta.device("cpu") == "cpu") is (torch.device("cpu") == "cpu") is False
    assert ta.device(type="cpu") == ta.device(ta.device("cpu")) == ta.get_default_device()
    assert len({ta.device("cpu"), ta.device("cpu"), ta.device("cuda", 0)}) == 2
    assert copy.deepcopy(ta.device("cuda", 1)) == ta.device("cuda:1")  # via __reduce__
    with pytest.raises(AttributeError, match="read-only"):
        ta.device("cpu").type = "cuda"
    with pytest.raises(RuntimeError, match="accelerator"):
        ta.device(0)


def test_a_cuda_device_builds_but_placing_a_tensor_on_it_is_refused():
    dev = ta.device("cuda:0")
    for place in (lambda: ta.zeros(2, device=dev), lambda: ta.ones(1).to(dev)):
        with pytest.raises(RuntimeError, match="cuda.*CPU only"):
            place()
    assert ta.zeros(2, device=ta.device("cpu")).shape == (2,)
    with ta.device("cpu"):
        assert ta.ones(1).shape == (1,)
    with pytest.raises(RuntimeError, match="CPU only"), ta.device("cuda"):
        pass


def test_a_tensors_device_is_a_device_as_torchs():
    torch = _torch()
    x, t = ta.ones(1), torch.ones(1)
    assert (repr(x.device), str(x.device), x.device.type, x.device.index) == \
        (repr(t.device), str(t.device), t.device.type, t.device.index)
    assert x.device == ta.device("cpu") and x.to(x.device) is x


def test_the_quickstart_device_lines_run():
    device = ta.accelerator.current_accelerator().type if ta.accelerator.is_available() \
        else "cpu"
    assert device == "cpu"
    device = ta.device("cuda" if ta.cuda.is_available() else "cpu")
    assert ta.ones(2, device=device).sum().item() == 2.0
    # the usual seed_everything helper
    ta.manual_seed(0)
    ta.cuda.manual_seed(0)
    ta.cuda.manual_seed_all(0)
    ta.backends.cudnn.deterministic, ta.backends.cudnn.benchmark = True, False
    try:
        assert ta.backends.cudnn.deterministic is True
    finally:
        ta.backends.cudnn.deterministic = False


CUDA_CALLS = ["is_available()", "device_count()", "is_initialized()", "manual_seed(0)",
              "manual_seed_all(1)", "seed()", "seed_all()", "empty_cache()", "synchronize()",
              "current_device()", "get_device_name()", "get_device_capability()",
              "initial_seed()", "memory_allocated()", "max_memory_allocated()",
              "memory_reserved()", "max_memory_reserved()", "memory_stats()",
              "get_rng_state()", "get_rng_state_all()", "is_bf16_supported()",
              "get_arch_list()", "manual_seed('a')"]


@pytest.mark.parametrize("call", CUDA_CALLS)
def test_cuda_namespace_behaves_as_torchs_without_cuda(call):
    torch = _torch()
    if torch.cuda.is_available():  # pragma: no cover - a GPU machine
        pytest.skip("torch has CUDA here")
    theirs = _outcome(lambda: eval("torch.cuda." + call, {"torch": torch}))
    ours = _outcome(lambda: eval("ta.cuda." + call, {"ta": ta}))
    assert ours == theirs if theirs[0] == "error" else ours[0] == "ok" and \
        ours[1] == theirs[1], (call, ours, theirs)


ACCELERATOR_CALLS = ["is_available()", "current_accelerator()", "device_count()",
                     "current_device_index()", "synchronize()", "empty_cache()",
                     "memory_allocated()", "set_device_index(0)"]


@pytest.mark.parametrize("call", ACCELERATOR_CALLS)
def test_accelerator_namespace_behaves_as_torchs_without_one(call):
    torch = _torch()
    if torch.accelerator.is_available():  # pragma: no cover - an accelerator machine
        pytest.skip("torch has an accelerator here")
    theirs = _outcome(lambda: eval("torch.accelerator." + call, {"torch": torch}))
    ours = _outcome(lambda: eval("ta.accelerator." + call, {"ta": ta}))
    assert ours == theirs, (call, ours, theirs)


def test_backends_switches_have_torchs_defaults_and_are_settable():
    torch = _torch()
    for name in ("deterministic", "benchmark", "enabled", "allow_tf32"):
        assert getattr(ta.backends.cudnn, name) == getattr(torch.backends.cudnn, name)
    assert ta.backends.cudnn.is_available() is torch.backends.cudnn.is_available() is False
    assert ta.backends.mps.is_available() is ta.backends.mps.is_built() is False
    assert ta.backends.cuda.is_built() is False
    assert ta.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    import tinygrad_acts.backends.cudnn as cudnn
    cudnn.benchmark = True
    try:
        assert ta.backends.cudnn.benchmark is True
    finally:
        cudnn.benchmark = False


def test_runtime_settings_round_trip_as_torchs():
    torch = _torch()
    for lib in (ta, torch):
        lib.use_deterministic_algorithms(True)
        on = (lib.are_deterministic_algorithms_enabled(), lib.get_deterministic_debug_mode())
        lib.use_deterministic_algorithms(True, warn_only=True)
        warn = (lib.is_deterministic_algorithms_warn_only_enabled(),
                lib.get_deterministic_debug_mode())
        lib.set_deterministic_debug_mode("default")
        off = (lib.are_deterministic_algorithms_enabled(), lib.get_deterministic_debug_mode())
        if lib is ta:
            ours = (on, warn, off)
        else:
            assert ours == (on, warn, off)
    before = ta.get_num_threads()
    ta.set_num_threads(1)
    assert ta.get_num_threads() == 1
    ta.set_num_threads(before)
    for bad, error in ((0, "positive"), ("a", "an int")):
        with pytest.raises(RuntimeError, match=error):
            ta.set_num_threads(bad)
    assert ta.get_default_device() == ta.device("cpu")
    ta.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        ta.set_default_device("cuda")
    assert ta.get_float32_matmul_precision() == "highest"
    with pytest.warns(UserWarning, match="no effect"):
        ta.set_float32_matmul_precision("x")


# --- 1b. AMP: GradScaler and autocast ------------------------------------------------------


def _scaler_run(lib, scaler, steps):
    """A few training steps (one with an inf gradient): the trajectory of scale, params,
    state_dict and the scaled loss."""
    p = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
    opt = lib.optim.SGD([p], lr=0.1)
    seen = []
    for inf in steps:
        opt.zero_grad()
        loss = (p * p).sum()
        scaled = scaler.scale(loss)
        scaled.backward()
        if inf:
            with lib.no_grad():
                p.grad[0] = float("inf")
        scaler.step(opt)
        scaler.update()
        seen.append((scaled.item(), scaler.get_scale(), p.detach().numpy().tolist(),
                     scaler.state_dict()))
    return seen


@pytest.mark.parametrize("device,enabled", [("cpu", True), ("cpu", False), ("cuda", True)])
def test_grad_scaler_trajectory_matches_torch(device, enabled):
    torch = _torch()
    # an inf gradient only where a scaler skips the step (a plain step would write inf)
    steps = [False, False, device == "cpu" and enabled, False, False, False]
    runs = []
    for lib in (ta, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scaler = lib.amp.GradScaler(device, init_scale=8.0, growth_interval=2,
                                        enabled=enabled)
        runs.append((_scaler_run(lib, scaler, steps), scaler.is_enabled(),
                     [str(w.message) for w in caught]))
    assert runs[0] == runs[1]


def test_grad_scaler_misuse_raises_as_torchs():
    torch = _torch()

    def misuse(lib):
        scaler = lib.amp.GradScaler("cpu")
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        errors = [_outcome(lambda: scaler.step(opt)), _outcome(lambda: scaler.scale(3.0))]
        scaler.scale((p * p).sum()).backward()
        scaler.unscale_(opt)
        errors.append(_outcome(lambda: scaler.unscale_(opt)))
        errors.append(_outcome(lambda: scaler.load_state_dict({})))
        return errors
    assert misuse(ta) == misuse(torch)
    with pytest.warns(FutureWarning, match="deprecated"):
        assert not ta.cuda.amp.GradScaler(enabled=False).is_enabled()


def test_autocast_passes_through_when_disabled_and_refuses_cpu_bfloat16():
    with ta.autocast("cpu", enabled=False):
        y = ta.ones(2, 2) @ ta.ones(2, 2)
    assert y.dtype == np.float32

    @ta.amp.autocast(device_type="cuda", enabled=False)
    def f(x):
        return x * 2
    assert f(ta.ones(1)).item() == 2.0
    with pytest.warns(UserWarning, match="CUDA is not available"), ta.autocast("cuda"):
        assert (ta.ones(1) + 1).dtype == np.float32
    with pytest.warns(UserWarning, match="not supported"):
        ta.autocast("cpu", dtype=ta.float64)
    with pytest.raises(NotImplementedError, match="bfloat16"):
        ta.autocast("cpu")
    with pytest.raises(ValueError, match="device_type"):
        ta.autocast(ta.device("cpu"))
    assert not ta.is_autocast_enabled()
    assert ta.amp.custom_fwd(device_type="cpu")(f) is f


# --- 2. positional inplace -----------------------------------------------------------------

ACTIVATION_CALLS = ["ReLU(True)", "LeakyReLU(0.2, True)", "ELU(1.0, True)",
                    "Hardtanh(-2, 2, True)", "ReLU6(True)", "SELU(True)", "CELU(2.0, True)",
                    "Hardsigmoid(True)", "ReLU(1)", "ReLU(0)", "Softshrink(0.3)",
                    "GELU('tanh')", "Softplus(2, 20)", "Softmax(1)",
                    "Sigmoid(True)", "Tanh(True)", "Softplus(1, 20, True)", "Softmax(1, True)",
                    "ReLU(True, True)", "GELU('tanh', True)", "LeakyReLU(0.2, True, True)"]


@pytest.mark.parametrize("call", ACTIVATION_CALLS)
def test_activation_modules_take_torchs_positional_arguments(call):
    torch = _torch()
    theirs = _outcome(lambda: repr(eval("torch.nn." + call, {"torch": torch})))
    ours = _outcome(lambda: repr(eval("nn." + call, {"nn": nn})))
    assert ours == theirs, (call, ours, theirs)


def test_positional_inplace_really_works_in_place():
    x = ta.tensor([-1.0, 2.0])
    y = nn.LeakyReLU(0.5, True)(x)
    assert y.tolist() == x.tolist() == [-0.5, 2.0]
    with pytest.raises(TypeError, match="multiple values"):
        nn.ReLU(True, inplace=True)


# --- 3. factories' size= -------------------------------------------------------------------

SIZE_CALLS = ["zeros(size=(2, 1))", "ones(size=[3])", "rand(size=(2, 1, 4, 4))",
              "randn(size=(2,))", "empty(size=(2,))", "full(size=(2,), fill_value=3.0)",
              "zeros(size=())", "zeros(size=(2,), requires_grad=True)", "zeros(3, size=(2,))",
              "zeros(size=2)", "zeros()", "rand()", "ones(size=(2,), dtype=ta.float64)"]


@pytest.mark.parametrize("call", SIZE_CALLS)
def test_factories_take_size_by_keyword_as_torch(call):
    torch = _torch()
    theirs = _outcome(lambda: eval("torch." + call.replace("ta.", "torch."), {"torch": torch}))
    ours = _outcome(lambda: eval("ta." + call, {"ta": ta}))
    assert ours[0] == theirs[0], (call, ours, theirs)
    if ours[0] == "ok":
        o, t = ours[1], theirs[1]
        assert (o.shape, o.requires_grad, str(o.dtype)) == \
            (tuple(t.shape), t.requires_grad, str(t.dtype).removeprefix("torch."))
    else:
        assert ours[1] == theirs[1]


# --- 4. assert_close, gradcheck imports, autograd.functional -------------------------------

CLOSE_CASES = [
    "ac(T([1., 2., 3.]), T([1., 2.5, 3.1]))", "ac(T([1., 2., 3.]), T([1., 2., 3. + 1e-6]))",
    "ac(T([1., 2., 3.], dtype=F64), T([1., 2., 3. + 1e-6], dtype=F64))",
    "ac(T([1., 2.]), T([1., 2.], dtype=F64))",
    "ac(T([1., 2.]), T([1., 2.], dtype=F64), check_dtype=False)",
    "ac(T([1., 2.]), T([1., 2., 3.]))", "ac(T([1, 2]), T([1, 3]))",
    "ac(T([NAN]), T([NAN]))", "ac(T([NAN]), T([NAN]), equal_nan=True)",
    "ac(T([1., 2.]), T([1., 3.]), msg='custom')",
    "ac(T([1., 2.]), T([1., 3.]), msg=lambda m: 'X' + m)",
    "ac(T([1., 2.]), T([1., 3.]), rtol=1e-3)", "ac(1.0, 1.0 + 1e-9)", "ac(1.0, 1.1)",
    "ac(1, 2)", "ac(1, 1.0)", "ac([1., 2.], [1., 2.5])", "ac({'a': O(2)}, {'a': Z(2)})",
    "ac({'a': 1}, {'b': 1})", "ac(T([[1., 2.], [3., 4.]]), T([[1., 2.], [3., 5.]]))",
    "ac(T([0., 2.]), T([1e-3, 2.]))", "ac(T([1., 2.]), [1., 2.])",
    "ac(T(1.), T(2.))", "ac(T([True]), T([False]))", "ac(T([INF]), T([INF]))",
    "ac(T([INF]), T([-INF]))", "ac(T([1., 2, 3, 4]), T([1.1, 2, 3, 4.2]))",
    "ac(T([1, 2]), T([1., 2.]))", "ac(T([1, 3]), T([1., 2.]), check_dtype=False)",
    "ac(T([1.]), T([2.]), atol=0, rtol=0)", "ac((O(1),), [O(1)])",
    "ac((O(1),), (O(1), O(1)))", "ac(None, None)", "ac(None, 1)", "ac('a', 'a')",
    "ac(np.array([1., 2.]), np.array([1., 2.5]))", "ac(np.float32(1.0), np.float32(1.5))",
    "ac(np.array(1.0), np.array(1.5))", "ac(O(1), P(O(1)))",
    "ac(O(1), P(O(1)), allow_subclasses=False)", "ac(T([1., 2.], dtype=F16), "
    "T([1., 2.001], dtype=F16))", "ac(Z(0), Z(0))", "ac(True, False)"]


@pytest.mark.parametrize("case", CLOSE_CASES)
def test_assert_close_passes_and_fails_with_torchs_messages(case):
    torch = _torch()

    def run(lib, ac, param):
        names = {"ac": ac, "T": lib.tensor, "O": lib.ones, "Z": lib.zeros, "P": param,
                 "np": np, "NAN": float("nan"), "INF": float("inf"),
                 "F64": lib.float64, "F16": lib.float16}
        try:
            eval(case, names)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return "ok", ""

    theirs = run(torch, torch.testing.assert_close, torch.nn.Parameter)
    ours = run(ta, ta.testing.assert_close, nn.Parameter)
    # the messages name dtypes and shapes each framework's way: torch.float32 / float32,
    # torch.Size([2]) / (2,)
    normal = theirs[1].replace("torch.Size([", "(").replace("])", ",)").replace("torch.", "")
    normal = normal.replace("tinygrad_acts.tensor.Tensor", "Tensor")
    mine = ours[1].replace("tinygrad_acts.tensor.Tensor", "Tensor")
    mine = mine.replace("tinygrad_acts.nn.module.Parameter", "nn.parameter.Parameter")
    assert (ours[0], mine) == (theirs[0], normal)


def test_gradcheck_is_importable_from_torchs_paths():
    import tinygrad_acts.testing as testing
    assert testing.assert_close is ta.testing.assert_close
    from tinygrad_acts.autograd.functional import hessian, jacobian  # noqa: F401


def _functional_cases(lib):
    x = lib.tensor([1.0, 2.0], dtype=lib.float64)
    y = lib.tensor([3.0, 4.0, 5.0], dtype=lib.float64)
    v2, v3 = lib.ones(2, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
    return {
        "jac": lambda F: F.jacobian(lambda a: a ** 2, x),
        "jac_tuple": lambda F: F.jacobian(lambda a, b: a.sum() * b, (x, y)),
        "jac_two_outputs": lambda F: F.jacobian(lambda a: (a, a * 2), x),
        "jac_both": lambda F: F.jacobian(lambda a, b: (a, b * 2), (x, y)),
        "jac_constant": lambda F: F.jacobian(lambda a: lib.ones(2, dtype=lib.float64), x),
        "jac_scalar": lambda F: F.jacobian(lambda a: a.sum(), x),
        "jac_matrix": lambda F: F.jacobian(lambda a: a.reshape(2, 1) * y, x),
        "jac_vectorize": lambda F: F.jacobian(lambda a: a.exp(), x, vectorize=True),
        "hess": lambda F: F.hessian(lambda a: (a ** 3).sum(), x),
        "hess_tuple": lambda F: F.hessian(lambda a, b: (a ** 2).sum() * b.sum(), (x, y)),
        "hess_linear": lambda F: F.hessian(lambda a: a.sum(), x),
        "vjp": lambda F: F.vjp(lambda a: a ** 2, x, v2),
        "vjp_scalar": lambda F: F.vjp(lambda a: (a ** 3).sum(), x),
        "vjp_tuple": lambda F: F.vjp(lambda a, b: a.sum() * b, (x, y), v3),
        "jvp": lambda F: F.jvp(lambda a: a ** 2, x, v2),
        "jvp_scalar_out": lambda F: F.jvp(lambda a: (a ** 3).sum(), x, v2),
        "jvp_tuple": lambda F: F.jvp(lambda a, b: a.sum() * b, (x, y), (v2, v3)),
        "hvp": lambda F: F.hvp(lambda a: (a ** 3).sum(), x, v2),
        "vhp": lambda F: F.vhp(lambda a: (a ** 3).prod(), x, v2),
        "err_list": lambda F: F.jacobian(lambda a: a, [x]),
        "err_strict": lambda F: F.jacobian(lambda a: lib.ones(2), x, strict=True),
        "err_hess_vector": lambda F: F.hessian(lambda a: a ** 2, x),
        "err_hess_strict": lambda F: F.hessian(lambda a: a.sum(), x, strict=True),
        "err_vjp_none": lambda F: F.vjp(lambda a: a ** 2, x),
        "err_vjp_size": lambda F: F.vjp(lambda a: a ** 2, x, v3),
        "err_forward": lambda F: F.jacobian(lambda a: a, x, strategy="forward-mode"),
    }


def _nested_lists(value):
    if isinstance(value, tuple):
        return tuple(_nested_lists(v) for v in value)
    return (tuple(value.shape), np.asarray(value.detach().numpy()).round(12).tolist(),
            value.requires_grad)


@pytest.mark.parametrize("name", list(_functional_cases(ta)))
def test_autograd_functional_matches_torch(name):
    torch = _torch()
    import torch.autograd.functional as tf

    import tinygrad_acts.autograd.functional as af
    theirs = _outcome(lambda: _nested_lists(_functional_cases(torch)[name](tf)))
    ours = _outcome(lambda: _nested_lists(_functional_cases(ta)[name](af)))
    assert ours == theirs, (name, ours, theirs)


def test_autograd_functional_create_graph_is_differentiable():
    x = ta.tensor([1.0, 2.0], dtype=ta.float64, requires_grad=True)
    jac = ta.autograd_functional.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert jac.requires_grad
    (g,) = ta.grad(jac.sum(), x)
    assert g.tolist() == [6.0, 12.0]  # d/dx of 3x^2 on the diagonal


# --- 5. finfo / iinfo, the rng state, _LRScheduler, nn.init on ndarrays --------------------


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "int8", "uint8", "int16",
                                  "int32", "int64", "bool", None])
def test_finfo_and_iinfo_match_torch(name):
    torch = _torch()
    for info in ("finfo", "iinfo"):
        def of(lib, info=info):
            return getattr(lib, info)() if name is None else getattr(lib, info)(
                getattr(lib, name))
        theirs, ours = _outcome(lambda: of(torch)), _outcome(lambda: of(ta))
        if info == "iinfo" and name is None:
            continue  # torch.iinfo() needs a type; so does ours
        assert ours[0] == theirs[0], (info, name, ours, theirs)
        if ours[0] == "ok":
            fields = ("bits", "max", "min", "dtype") if info == "iinfo" else (
                "bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
            assert [getattr(ours[1], f) for f in fields] == \
                [getattr(theirs[1], f) for f in fields]
            assert repr(ours[1]) == repr(theirs[1])
        else:
            assert ours[1] == theirs[1] == "TypeError"


def test_rng_state_round_trips_the_default_generator():
    ta.manual_seed(3)
    state = ta.get_rng_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    a = (ta.rand(3), ta.randn(2), nn.Dropout(0.5)(ta.ones(8)))
    ta.set_rng_state(state)
    b = (ta.rand(3), ta.randn(2), nn.Dropout(0.5)(ta.ones(8)))
    assert all(ta.equal(x, y) for x, y in zip(a, b))
    with pytest.raises(TypeError, match="ByteTensor"):
        ta.set_rng_state(state.float())
    with pytest.raises(RuntimeError, match="shape"):
        ta.set_rng_state(state[:3])


def test_lr_scheduler_subclass_of_the_old_name_works():
    class Warmup(ta.optim.lr_scheduler._LRScheduler):
        def get_lr(self):
            return [base * min(1.0, (self.last_epoch + 1) / 2) for base in self.base_lrs]
    p = nn.Parameter(ta.ones(1))
    opt = ta.optim.SGD([p], lr=1.0)
    sched = Warmup(opt)
    assert isinstance(sched, ta.optim.lr_scheduler.LRScheduler)
    assert opt.param_groups[0]["lr"] == 0.5
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 1.0


def test_nn_init_fills_an_ndarray_or_data_in_place():
    conv = nn.Conv2d(3, 4, 3)
    data = conv.weight.data
    assert nn.init.normal_(data, 0.0, 0.02) is data
    array = conv.weight._array
    assert nn.init.constant_(np.zeros(3), 2.0).tolist() == [2.0] * 3
    assert 0.005 < float(conv.weight.std()) < 0.05
    nn.init.constant_(conv.bias.data, 0.5)
    assert conv.bias.tolist() == [0.5] * 4
    for fill in (nn.init.kaiming_uniform_, nn.init.xavier_normal_, nn.init.orthogonal_):
        before = array.copy()
        fill(array)
        assert not np.array_equal(before, array)
    plain = np.zeros((2, 3), np.float32)
    assert nn.init.eye_(plain) is plain and plain.tolist() == np.eye(2, 3).tolist()


# --- 6. BatchNorm state dicts without num_batches_tracked ---------------------------------


def _bn_dict(lib, prefix=""):
    return {prefix + "weight": lib.ones(2) * 2, prefix + "bias": lib.zeros(2),
            prefix + "running_mean": lib.ones(2), prefix + "running_var": lib.ones(2) * 3}


def test_batchnorm_loads_a_dict_without_num_batches_tracked_as_torch():
    torch = _torch()
    results = []
    for lib in (ta, torch):
        bn = lib.nn.BatchNorm1d(2)
        bn(lib.randn(4, 2))  # the counter is 1 now
        keys = bn.load_state_dict(_bn_dict(lib))
        results.append((list(keys.missing_keys), bn.num_batches_tracked.item(),
                        bn.running_var.tolist()))
        sd = bn.state_dict()
        del sd["num_batches_tracked"]  # version 2 metadata: now a missing key
        results.append(_outcome(lambda bn=bn, sd=sd: bn.load_state_dict(sd)))
    assert results[:2] == results[2:]


def test_batchnorm_nested_in_a_model_loads_without_num_batches_tracked():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    sd = {"0.weight": ta.ones(2, 2), "0.bias": ta.zeros(2), **_bn_dict(ta, "1.")}
    model.load_state_dict(sd)
    assert model[1].running_var.tolist() == [3.0, 3.0]
