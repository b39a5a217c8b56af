"""The training kit's optimizers and schedulers against PyTorch's: RMSprop, Adagrad,
Adadelta, Adamax, NAdam and RAdam step for step (float64, 25 steps, to 1e-12), their state
and state_dict round trips, param groups and errors; every learning-rate scheduler's
sequence (chained, closed form, combined, resumed) against torch.optim.lr_scheduler."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import optim
from tinygrad_acts.optim import lr_scheduler as sched

NEW = ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]

# (optimizer, keyword arguments): each row is run against PyTorch's optimizer
CONFIGS = [
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True)),          # lerp's other branch
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, weight_decay=0.01)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),     # rectified from step 6
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.95), maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9))),                       # Adam's lerp too
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), amsgrad=True)),
]
STEPS = 25


def _grads(shapes, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]


def _init(seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4)), rng.standard_normal(4)]


def _run_ours(name, kwargs, init, grads, groups=False):
    params = [ta.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(_groups(params) if groups else params, **kwargs)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ta.tensor(g.astype(p.dtype))
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history, opt


def _groups(params):
    return [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.03, "weight_decay": 0.2}]


@pytest.fixture
def float64_default():
    """Both frameworks' default dtype float64: NAdam keeps its momentum product in it."""
    torch = pytest.importorskip("torch")
    old, told = ta.get_default_dtype(), torch.get_default_dtype()
    ta.set_default_dtype(np.float64)
    torch.set_default_dtype(torch.float64)
    yield
    ta.set_default_dtype(old)
    torch.set_default_dtype(told)


def _torch_run(torch, name, kwargs, init, grads, groups=False):
    params = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(_groups(params) if groups else params, **kwargs)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt


@pytest.mark.torch
@pytest.mark.parametrize("default", ["float32-default", "float64-default"])
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_update_sequence_matches_pytorch(name, kwargs, default, request):
    torch = pytest.importorskip("torch")
    if default == "float64-default":
        request.getfixturevalue("float64_default")
    init, grads = _init(), _grads([(3, 4), (4,)], STEPS)
    ours, _ = _run_ours(name, kwargs, init, grads)
    theirs, _ = _torch_run(torch, name, kwargs, init, grads)
    for step, (mine, ref) in enumerate(zip(ours, theirs)):
        for a, b in zip(mine, ref):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14,
                                       err_msg=f"{name}{kwargs} step {step}")


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_float32_parameters_track_pytorch(name, kwargs):
    """float32 parameters and gradients: the state stays float32 and the steps agree with
    torch's float32 ones to float32 rounding."""
    torch = pytest.importorskip("torch")
    init = [a.astype(np.float32) for a in _init()]
    grads = [[g.astype(np.float32) for g in gs] for gs in _grads([(3, 4), (4,)], STEPS)]
    ours, opt = _run_ours(name, kwargs, init, grads)
    params = [torch.tensor(a, requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(params, **kwargs)
    for step, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        topt.step()
        for a, b in zip(ours[step], params):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b.detach().numpy(), rtol=2e-5, atol=2e-6)
    assert all(v.dtype == np.float32 for st in opt.state.values() for v in st.values()
               if isinstance(v, np.ndarray))


@pytest.mark.torch
@pytest.mark.parametrize("name", NEW)
def test_param_groups_and_state_match_pytorch(name):
    """Two groups with their own lr and weight decay; the state's keys, shapes and values
    (PyTorch keeps 'step' as a 0-d tensor: here a number) equal torch's."""
    torch = pytest.importorskip("torch")
    init, grads = _init(2), _grads([(3, 4), (4,)], 8, seed=3)
    ours, opt = _run_ours(name, {}, init, grads, groups=True)
    theirs, topt = _torch_run(torch, name, {}, init, grads, groups=True)
    for a, b in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert list(sd["state"]) == list(tsd["state"])
    for i, tstate in tsd["state"].items():
        assert list(sd["state"][i]) == list(tstate), name
        for key, tvalue in tstate.items():
            value = np.asarray(sd["state"][i][key])
            assert value.shape == tuple(tvalue.shape), (name, key)
            np.testing.assert_allclose(value, tvalue.numpy(), rtol=1e-6 if key ==
                                       "mu_product" else 1e-12, err_msg=f"{name} {key}")
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group["params"] == tgroup["params"]
        for key, value in group.items():
            assert tgroup[key] == (list(value) if key == "betas" and
                                   isinstance(tgroup[key], list) else value), (name, key)


@pytest.mark.torch
@pytest.mark.parametrize("name", NEW)
def test_a_torch_state_dict_loads_and_continues_as_torch(name, float64_default):
    torch = pytest.importorskip("torch")
    init, grads = _init(4), _grads([(3, 4), (4,)], 10, seed=6)
    theirs, _ = _torch_run(torch, name, dict(lr=0.02), init, grads)
    _, half = _torch_run(torch, name, dict(lr=0.02), init, grads[:5])
    params = [ta.tensor(p.detach().numpy().copy(), requires_grad=True)
              for p in half.param_groups[0]["params"]]
    opt = getattr(optim, name)(params, lr=0.5)
    opt.load_state_dict(half.state_dict())
    assert opt.param_groups[0]["lr"] == 0.02
    for step_grads in grads[5:]:
        for p, g in zip(params, step_grads):
            p.grad = ta.tensor(g)
        opt.step()
    for p, ref in zip(params, theirs[-1]):
        np.testing.assert_allclose(p.numpy(), ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NEW)
def test_state_dict_round_trip_continues_identically(name):
    init, grads = _init(0), _grads([(3, 4), (4,)], 8, seed=5)
    straight, _ = _run_ours(name, dict(lr=0.05), init, grads)
    params = [ta.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(params, lr=0.05)
    for step_grads in grads[:4]:
        for p, g in zip(params, step_grads):
            p.grad = ta.tensor(g)
        opt.step()
    saved = opt.state_dict()
    resumed = [ta.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    opt2 = getattr(optim, name)(resumed, lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.05
    for step_grads in grads[4:]:
        for p, g in zip(resumed, step_grads):
            p.grad = ta.tensor(g)
        opt2.step()
    for a, b in zip(straight[-1], resumed):
        if name == "NAdam":  # as torch: the reload casts mu_product (float32) to float64
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-6)
            assert opt2.state[resumed[0]]["mu_product"].dtype == np.float64
        else:
            np.testing.assert_array_equal(a, b.numpy())


@pytest.mark.parametrize("name", NEW)
def test_step_is_in_place_skips_missing_grads_and_bumps_the_version(name):
    w, idle = ta.tensor([1.0, 2.0], requires_grad=True), ta.ones(2, requires_grad=True)
    array, version = w.numpy(), w._version
    opt = getattr(optim, name)([w, idle], lr=0.1)
    w.grad = ta.tensor([0.5, -0.5])
    opt.step()
    assert w.numpy() is array and w._version == version + 1
    assert not np.allclose(w.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(idle.numpy(), 1.0)
    assert (idle in opt.state) == (name == "Adagrad")      # Adagrad's state is eager


def test_adagrad_state_exists_before_the_first_step():
    w = ta.ones((2, 3), requires_grad=True)
    opt = optim.Adagrad([w], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"][0]
    assert state["step"] == 0 and state["sum"].shape == (2, 3)
    np.testing.assert_array_equal(state["sum"], 0.25)


def test_rmsprop_momentum_turned_on_later_starts_a_buffer():
    w = ta.ones(2, requires_grad=True)
    opt = optim.RMSprop([w], lr=0.1)
    w.grad = ta.ones(2)
    opt.step()
    assert "momentum_buffer" not in opt.state[w]
    opt.param_groups[0]["momentum"] = 0.9
    opt.step()
    assert "momentum_buffer" in opt.state[w]


def test_nadam_momentum_product_is_a_default_dtype_scalar():
    w = ta.ones(2, requires_grad=True)
    opt = optim.NAdam([w])
    w.grad = ta.ones(2)
    opt.step()
    mu = 0.9 * (1 - 0.5 * 0.96 ** 0.004)
    assert opt.state[w]["mu_product"] == float(np.float32(mu))


@pytest.mark.parametrize("name, kwargs, message", [
    ("RMSprop", dict(lr=-1.0), "RMSprop: Invalid learning rate: -1.0"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("RMSprop", dict(momentum=-0.1), "Invalid momentum value"),
    ("RMSprop", dict(eps=float("nan")), "Invalid epsilon value: nan"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adamax", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
])
def test_constructor_errors_are_pytorchs(name, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        getattr(optim, name)([ta.ones(1, requires_grad=True)], **kwargs)


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", [
    ("RMSprop", dict(lr=-1.0)), ("RMSprop", dict(alpha=-0.1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adadelta", dict(rho=1.5)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(momentum_decay=-1)), ("RAdam", dict(eps=-1.0))])
def test_torch_refuses_the_same_values(name, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.ones(1, requires_grad=True)], **kwargs)


def test_group_hyper_parameters_must_be_numbers():
    w = ta.ones(1, requires_grad=True)
    with pytest.raises(TypeError, match="RMSprop: alpha must be a number"):
        optim.RMSprop([{"params": [w], "alpha": "0.9"}])
    with pytest.raises(ValueError, match="NAdam: betas must be a pair"):
        optim.NAdam([{"params": [w], "betas": 0.9}])


# --- learning-rate schedulers against torch.optim.lr_scheduler ------------------------------

def _sgd(S):
    """Two groups (lr 0.1 and 0.05) with momentum: SGD of either framework."""
    if S is sched:
        p, q = ta.zeros(1, requires_grad=True), ta.zeros(1, requires_grad=True)
        return optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1, momentum=0.9)
    import torch
    p, q = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    return torch.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1,
                           momentum=0.9)


def _adam(S):
    if S is sched:
        return optim.Adam([ta.zeros(1, requires_grad=True)], lr=0.01)
    import torch
    return torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=0.01)


def _torch_sched():
    return pytest.importorskip("torch").optim.lr_scheduler


class Halve:
    """A callable object (its state travels in state_dict, unlike a lambda's)."""

    def __init__(self):
        self.factor = 0.5

    def __call__(self, x):
        return self.factor ** x


# name -> (optimizer factory, scheduler factory (S, opt) -> scheduler, steps)
SCHEDULES = {
    "StepLR": (_sgd, lambda S, o: S.StepLR(o, step_size=3, gamma=0.3), 20),
    "ExponentialLR": (_sgd, lambda S, o: S.ExponentialLR(o, gamma=0.9), 20),
    "MultiStepLR": (_sgd, lambda S, o: S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.5), 20),
    "ConstantLR": (_sgd, lambda S, o: S.ConstantLR(o, factor=0.3, total_iters=4), 12),
    "LinearLR": (_sgd, lambda S, o: S.LinearLR(o, 0.25, 0.9, total_iters=7), 15),
    "LinearLR-default": (_sgd, lambda S, o: S.LinearLR(o), 10),
    "PolynomialLR": (_sgd, lambda S, o: S.PolynomialLR(o, total_iters=6, power=2.0), 10),
    "CosineAnnealingLR": (_sgd, lambda S, o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
                          30),
    "LambdaLR": (_sgd, lambda S, o: S.LambdaLR(o, lambda e: 0.95 ** e), 15),
    "LambdaLR-per-group": (_sgd, lambda S, o: S.LambdaLR(o, [lambda e: 1 / (1 + e),
                                                             lambda e: 0.9 ** e]), 15),
    "LambdaLR-object": (_sgd, lambda S, o: S.LambdaLR(o, Halve()), 8),
    "MultiplicativeLR": (_sgd, lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9), 15),
    "WarmRestarts": (_sgd, lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4), 20),
    "WarmRestarts-mult": (_sgd, lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001), 30),
    "CyclicLR-triangular": (_sgd, lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3), 20),
    "CyclicLR-triangular2": (_sgd, lambda S, o: S.CyclicLR(
        o, [0.01, 0.02], [0.1, 0.3], step_size_up=2, step_size_down=4, mode="triangular2"),
        30),
    "CyclicLR-exp_range": (_sgd, lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9, base_momentum=0.7,
        max_momentum=0.95), 25),
    "CyclicLR-adam": (_adam, lambda S, o: S.CyclicLR(o, 0.001, 0.01, step_size_up=2), 12),
    "CyclicLR-no-momentum": (_adam, lambda S, o: S.CyclicLR(
        o, 0.001, 0.01, step_size_up=2, cycle_momentum=False), 10),
    "CyclicLR-scale_fn": (_sgd, lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
        12),
    "OneCycleLR-cos": (_sgd, lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 0.5],
                                                        total_steps=20), 20),
    "OneCycleLR-linear-adam": (_adam, lambda S, o: S.OneCycleLR(
        o, max_lr=0.1, epochs=3, steps_per_epoch=5, anneal_strategy="linear",
        pct_start=0.4), 15),
    "OneCycleLR-three-phase": (_sgd, lambda S, o: S.OneCycleLR(
        o, max_lr=1.0, total_steps=16, three_phase=True, div_factor=10.0,
        final_div_factor=100.0), 16),
    "OneCycleLR-no-momentum": (_sgd, lambda S, o: S.OneCycleLR(
        o, max_lr=1.0, total_steps=10, cycle_momentum=False), 10),
    "SequentialLR": (_sgd, lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.8)], milestones=[3]),
        15),
    "SequentialLR-three": (_sgd, lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, 0.5, total_iters=2), S.CosineAnnealingLR(o, T_max=4),
            S.StepLR(o, 2, 0.5)], milestones=[2, 6]), 16),
    "ChainedScheduler": (_sgd, lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, 0.5, total_iters=3), S.ExponentialLR(o, 0.9)]), 12),
    "ChainedScheduler-warmup-cosine": (_sgd, lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, 0.2, total_iters=4), S.CosineAnnealingLR(o, T_max=8, eta_min=0.001)],
        optimizer=o), 20),
}


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _walk(opt, scheduler, steps, stepper=None):
    """The lr (and momentum) after construction and after each optimizer+scheduler step."""
    seen = [(scheduler.get_last_lr(), _momenta(opt))]
    for i in range(steps):
        opt.step()
        scheduler.step() if stepper is None else stepper(scheduler, i)
        seen.append((scheduler.get_last_lr(), _momenta(opt)))
        assert scheduler.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return seen


def _keys(state):
    return {k: ([_keys(s) for s in v] if k == "_schedulers" else None)
            for k, v in state.items()}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(SCHEDULES))
def test_schedule_matches_pytorch(case):
    T = _torch_sched()
    make_opt, make, steps = SCHEDULES[case]
    opt, topt = make_opt(sched), make_opt(T)
    ours, theirs = make(sched, opt), make(T, topt)
    assert _walk(opt, ours, steps) == _walk(topt, theirs, steps)
    assert _keys(ours.state_dict()) == _keys(theirs.state_dict())


@pytest.mark.torch
@pytest.mark.parametrize("case", list(SCHEDULES))
def test_a_torch_scheduler_state_dict_loads_and_continues(case):
    """Midway, a fresh scheduler of ours takes torch's state dict (and the groups' lr and
    momentum, which the optimizer's state dict carries) and follows torch from there."""
    T = _torch_sched()
    make_opt, make, steps = SCHEDULES[case]
    topt = make_opt(T)
    theirs = make(T, topt)
    half = steps // 2
    _walk(topt, theirs, half)
    opt = make_opt(sched)
    ours = make(sched, opt)
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        group.update({k: v for k, v in tgroup.items() if k in (
            "lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr")})
    ours.load_state_dict(theirs.state_dict())
    assert ours.get_last_lr() == theirs.get_last_lr()
    assert _walk(opt, ours, steps - half) == _walk(topt, theirs, steps - half)


@pytest.mark.parametrize("case", list(SCHEDULES))
def test_schedule_state_dict_round_trip_through_a_checkpoint(case, tmp_path):
    make_opt, make, steps = SCHEDULES[case]
    opt = make_opt(sched)
    straight = make(sched, opt)
    half = steps // 2
    _walk(opt, straight, half)
    ta.save(straight.state_dict(), tmp_path / "sched.npz")
    saved = ta.load(tmp_path / "sched.npz")
    lrs = [dict(g) for g in opt.param_groups]
    rest = _walk(opt, straight, steps - half)
    opt2 = make_opt(sched)
    resumed = make(sched, opt2)
    for group, old in zip(opt2.param_groups, lrs):
        group.update({k: v for k, v in old.items() if k != "params"})
    resumed.load_state_dict(saved)
    assert _walk(opt2, resumed, steps - half) == rest


@pytest.mark.torch
@pytest.mark.parametrize("kind, kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("MultiStepLR", dict(milestones=[2, 4, 4])),
    ("ExponentialLR", dict(gamma=0.8)), ("ConstantLR", dict(factor=0.25, total_iters=3)),
    ("LinearLR", dict(start_factor=0.2, total_iters=4)), ("PolynomialLR", dict(power=0.5)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01))])
def test_step_with_an_epoch_uses_the_closed_form_as_pytorch(kind, kwargs):
    T = _torch_sched()
    opt, topt = _sgd(sched), _sgd(T)
    ours, theirs = getattr(sched, kind)(opt, **kwargs), getattr(T, kind)(topt, **kwargs)
    epochs = [1, 2, 5, 3, 7, 7, 0, 9]
    opt.step(), topt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        ours.step(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.step(1)
        for epoch in epochs[1:]:
            ours.step(epoch)
            theirs.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr(), (kind, epoch)


@pytest.mark.torch
@pytest.mark.parametrize("kind, kwargs", [
    ("StepLR", dict(step_size=2)), ("ExponentialLR", dict(gamma=0.8)),
    ("CosineAnnealingLR", dict(T_max=6)), ("LinearLR", dict(total_iters=8)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=20))])
def test_resuming_with_last_epoch_matches_pytorch(kind, kwargs):
    T = _torch_sched()
    opt, topt = _sgd(sched), _sgd(T)
    for o in (opt, topt):
        for group, lr in zip(o.param_groups, (0.1, 0.05)):
            group["initial_lr"], group["lr"] = lr, lr * 0.5
            group.update(max_lr=lr * 5, min_lr=lr / 1000, max_momentum=0.95,
                         base_momentum=0.85)
    ours = getattr(sched, kind)(opt, last_epoch=4, **kwargs)
    theirs = getattr(T, kind)(topt, last_epoch=4, **kwargs)
    assert _walk(opt, ours, 8) == _walk(topt, theirs, 8)


@pytest.mark.torch
def test_two_schedulers_on_one_optimizer_compose_as_pytorch():
    """Each chainable scheduler multiplies the current lr: StepLR and ExponentialLR stepped
    one after the other give the product; a manual lr change is respected."""
    T = _torch_sched()
    runs = []
    for S in (sched, T):
        opt = _sgd(S)
        a, b = S.StepLR(opt, step_size=2, gamma=0.5), S.ExponentialLR(opt, gamma=0.9)
        lrs = []
        for epoch in range(10):
            opt.step()
            a.step()
            b.step()
            if epoch == 4:
                opt.param_groups[0]["lr"] = 0.3
            lrs.append((a.get_last_lr(), b.get_last_lr()))
        runs.append(lrs)
    assert runs[0] == runs[1]


PLATEAU = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=1, threshold=0.1),
    dict(mode="max", threshold_mode="abs", threshold=0.05, patience=0, cooldown=2),
    dict(threshold_mode="abs", threshold=0.2, patience=1, min_lr=[0.02, 0.001]),
    dict(patience=0, factor=0.5, min_lr=0.01, eps=0.02),
]


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_pytorch(kwargs):
    T = _torch_sched()
    rng = np.random.default_rng(0)
    metrics = list(np.round(np.cumsum(rng.normal(0, 1, 40)), 1))
    opt, topt = _sgd(sched), _sgd(T)
    ours, theirs = sched.ReduceLROnPlateau(opt, **kwargs), T.ReduceLROnPlateau(topt, **kwargs)
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
            (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best)
    assert _keys(ours.state_dict()) == _keys(theirs.state_dict())
    again = sched.ReduceLROnPlateau(_sgd(sched))
    again.load_state_dict(theirs.state_dict())
    assert again.best == theirs.best and again.mode == theirs.mode


def test_reduce_lr_on_plateau_by_hand_and_with_a_tensor_metric():
    opt = _sgd(sched)
    plateau = sched.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    lrs = []
    for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]:
        plateau.step(ta.tensor(loss))
        lrs.append(plateau.get_last_lr()[0])
    assert lrs == [0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025]


def test_scheduler_warnings_as_pytorch():
    opt = _sgd(sched)
    s = sched.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        s.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()                                     # in order: no warning


@pytest.mark.parametrize("make, error, message", [
    (lambda o: sched.StepLR(ta.ones(1), 2), TypeError, "is not an Optimizer"),
    (lambda o: sched.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
    (lambda o: sched.LinearLR(o, start_factor=0), ValueError, "greater than 0"),
    (lambda o: sched.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
    (lambda o: sched.MultiplicativeLR(o, 0.5), TypeError, "should be a function"),
    (lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer"),
    (lambda o: sched.CosineAnnealingWarmRestarts(o, 2, T_mult=1.5), ValueError, "T_mult"),
    (lambda o: sched.CyclicLR(o, 0.1, 1.0, mode="sawtooth"), ValueError, "invalid"),
    (lambda o: sched.CyclicLR(o, [0.1], 1.0), ValueError, "same length"),
    (lambda o: sched.CyclicLR(optim.Adagrad([ta.ones(1, requires_grad=True)]), 0.1, 1.0),
     ValueError, "momentum or beta1"),
    (lambda o: sched.OneCycleLR(o, 1.0), ValueError, "total_steps OR"),
    (lambda o: sched.OneCycleLR(o, 1.0, total_steps=10, pct_start=1), ValueError, "pct_start"),
    (lambda o: sched.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"), ValueError, "'cos'"),
    (lambda o: sched.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda o: sched.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up is unknown"),
    (lambda o: sched.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    (lambda o: sched.SequentialLR(o, [], []), ValueError, "at least one"),
    (lambda o: sched.SequentialLR(o, [sched.StepLR(o, 2)], [3]), ValueError, "milestone"),
    (lambda o: sched.SequentialLR(o, [sched.ReduceLROnPlateau(o)], []), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda o: sched.ChainedScheduler([sched.StepLR(o, 2), sched.StepLR(_sgd(sched), 2)]),
     ValueError, "same optimizer"),
    (lambda o: sched.StepLR(o, 2, last_epoch=3), KeyError, "initial_lr"),
])
def test_scheduler_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(_sgd(sched))


def test_one_cycle_refuses_to_step_past_its_end():
    opt = _sgd(sched)
    one = sched.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        one.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        one.step()


def test_warm_restarts_takes_fractional_epochs():
    opt = _sgd(sched)
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    s.step(0.5)
    assert s.get_last_lr()[0] == pytest.approx(0.05 * (1 + math.cos(math.pi / 4)))
    s.step(2.5)                                      # inside the second cycle (length 4)
    assert s.T_i == 4 and s.T_cur == pytest.approx(0.5)
    with pytest.raises(ValueError, match="non-negative epoch"):
        s.step(-1)
