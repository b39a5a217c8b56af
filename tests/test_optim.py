"""Optimizers: the same update sequences as PyTorch, in-place updates that autograd sees,
param groups, zero_grad, state_dict round trips, the StepLR schedule, and clear errors."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

# (optimizer name, keyword arguments): each row is run against PyTorch's optimizer
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.3, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.01, foreach=True, fused=False)),  # (torch's capturable needs a GPU)
    ("SGD", dict(lr=0.1, momentum=0.9, foreach=False, fused=True)),
]


def _grads(shapes, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]


def _run_ours(name, kwargs, init, grads):
    params = [ta.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(params, **kwargs)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ta.tensor(g.astype(p.dtype))
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_update_sequence_matches_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    init = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    grads = _grads([a.shape for a in init], steps=6)
    ours = _run_ours(name, kwargs, init, grads)
    params = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(params, **kwargs)
    for step, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
        for mine, theirs in zip(ours[step], params):
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name}{kwargs} step {step}")


@pytest.mark.torch
def test_float32_training_tracks_pytorch():
    """A real float32 loop (forward, cross_entropy, backward, step) stays with PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 5)).astype(np.float32), rng.integers(0, 3, 16)
    ours = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    opt = optim.Adam(ours.parameters(), lr=0.01)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.01)
    for _ in range(20):
        loss = F.cross_entropy(ours(ta.tensor(x)), y)
        opt.zero_grad(); loss.backward(); opt.step()
        tloss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)),
                                                  torch.from_numpy(y))
        topt.zero_grad(); tloss.backward(); topt.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-4)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-4, atol=1e-5)


def test_sgd_by_hand():
    w = ta.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    opt = optim.SGD([w], lr=0.1, momentum=0.5)
    for expected in ([0.8, -1.6], [0.54, -1.08]):      # buf: g1; then 0.5 * g1 + g2
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        np.testing.assert_allclose(w.numpy(), expected)


def test_step_is_in_place_and_bumps_the_version():
    w = ta.tensor([1.0, 2.0], requires_grad=True)
    array, version = w.numpy(), w._version
    y = (w * w).sum()                              # Mul saved w for its backward
    y.backward(retain_graph=True)
    optim.SGD([w], lr=0.1).step()
    assert w.numpy() is array and w._version == version + 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_params_without_grad_are_skipped_and_groups_have_their_own_lr():
    a, b, c = (ta.ones(2, requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = ta.ones(2), ta.ones(2)
    opt.step()
    np.testing.assert_allclose(a.numpy(), 0.9)
    np.testing.assert_allclose(b.numpy(), 0.0)
    np.testing.assert_allclose(c.numpy(), 1.0)       # no grad: untouched
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[0]["momentum"] == 0      # defaults fill the rest


def test_zero_grad_to_none_or_to_zeros():
    w = ta.ones(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), 0)
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_called_and_its_loss_returned():
    w = ta.tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ta.no_grad():                               # the closure re-enables grad
        loss = opt.step(closure)
    assert loss.item() == 9.0 and w.item() == 1.5


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_state_dict_round_trip_continues_identically(name):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
    grads = _grads([a.shape for a in init], steps=6, seed=5)
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    straight = _run_ours(name, kwargs, init, grads)[-1]

    params = [ta.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(params, **kwargs)
    for step_grads in grads[:3]:
        for p, g in zip(params, step_grads):
            p.grad = ta.tensor(g)
        opt.step()
    saved = opt.state_dict()
    resumed = [ta.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    opt2 = getattr(optim, name)(resumed, lr=123.0)   # lr comes back from the state
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.1
    for step_grads in grads[3:]:
        for p, g in zip(resumed, step_grads):
            p.grad = ta.tensor(g)
        opt2.step()
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a, b.numpy())


def test_state_dict_layout_is_pytorchs():
    a, b = ta.ones(2, requires_grad=True), ta.ones(3, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    b.grad = ta.ones(3)
    opt.step()
    sd = opt.state_dict()
    assert list(sd["state"]) == [1] and list(sd["state"][1]) == ["momentum_buffer"]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    sd["state"][1]["momentum_buffer"][:] = 7           # the live buffer, as torch's
    assert opt.state[b]["momentum_buffer"][0] == 7


def test_load_state_dict_mismatches_are_clear():
    opt = optim.SGD([ta.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
    other = optim.SGD([ta.ones(2, requires_grad=True), ta.ones(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="group 0 has 2 parameter"):
        opt.load_state_dict(other.state_dict())
    bad = {"state": {0: {"momentum_buffer": np.zeros(5)}},
           "param_groups": opt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"shape \(5,\).*shape \(2,\)"):
        opt.load_state_dict(bad)


def test_constructor_errors_are_clear():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(nn.Module().parameters())
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(ta.ones(2, requires_grad=True), lr=0.1)
    w = ta.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):  # as torch: it runs
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Invalid beta parameter at index 1: 1\.0"):
        optim.Adam([w], betas=(0.9, 1.0))


def test_repr_lists_groups():
    text = repr(optim.SGD([ta.ones(1, requires_grad=True)], lr=0.1))
    assert text.startswith("SGD (") and "lr: 0.1" in text


# --- learning-rate schedules --------------------------------------------------------------

def test_step_lr_schedule_and_state():
    opt = optim.SGD([ta.ones(1, requires_grad=True)], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(7):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    assert sched.get_last_lr() == [0.25] and sched.last_epoch == 7
    state = sched.state_dict()
    assert "optimizer" not in state and state["step_size"] == 3
    with pytest.raises(ValueError, match="step_size"):
        optim.lr_scheduler.StepLR(opt, step_size=0)


@pytest.mark.torch
@pytest.mark.parametrize("kind, kwargs", [("StepLR", dict(step_size=2, gamma=0.3)),
                                          ("ExponentialLR", dict(gamma=0.9))])
def test_schedules_match_pytorch(kind, kwargs):
    torch = pytest.importorskip("torch")
    opt = optim.SGD([ta.ones(1, requires_grad=True)], lr=0.7)
    topt = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.7)
    ours = getattr(optim.lr_scheduler, kind)(opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, kind)(topt, **kwargs)
    for _ in range(9):
        assert ours.get_last_lr() == theirs.get_last_lr()
        opt.step(); topt.step(); ours.step(); theirs.step()


OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
              "RMSprop"]


@pytest.mark.torch
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_constructor_keywords_are_torchs(name):
    """Every keyword torch's constructor takes, in its order, kind and default; and the
    param groups carry the same keys."""
    import inspect
    torch = pytest.importorskip("torch")

    def keywords(cls):
        parameters = inspect.signature(cls.__init__).parameters
        return [(k, p.kind, p.default) for k, p in parameters.items()]

    assert keywords(getattr(optim, name)) == keywords(getattr(torch.optim, name))
    ours = getattr(optim, name)([ta.zeros(1, requires_grad=True)]).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).param_groups[0]
    assert sorted(ours) == sorted(theirs)
    assert {k: v for k, v in ours.items() if k != "params"} == {
        k: v for k, v in theirs.items() if k != "params"}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_implementation_switches_change_nothing(name):
    import inspect
    accepted = inspect.signature(getattr(optim, name).__init__).parameters
    switches = {k: True for k in ("foreach", "fused") if k in accepted}
    switches.update({"capturable": False} if "capturable" in accepted else {})
    runs = []
    for kwargs in ({}, switches, {k: None if k != "capturable" else False for k in switches}):
        w = ta.tensor([1.0, -2.0, 3.0], requires_grad=True)
        opt = getattr(optim, name)([w], **kwargs)
        for _ in range(3):
            w.grad = ta.tensor([0.5, -1.0, 2.0])
            opt.step()
        runs.append(w.numpy().copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_capturable_steps_refuse_cpu_parameters_as_torch(name):
    import inspect
    if "capturable" not in inspect.signature(getattr(optim, name).__init__).parameters:
        pytest.skip(f"{name} has no capturable switch (nor has torch's)")
    w = ta.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(optim, name)([w], capturable=True)
    opt.step()  # no gradient yet: nothing to do, as torch
    w.grad = ta.tensor([0.5, -1.0])
    with pytest.raises(RuntimeError, match=f"{name}: capturable=True needs"):
        opt.step()
    np.testing.assert_array_equal(w.numpy(), [1.0, -2.0])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_differentiable_steps_are_refused_and_switches_checked(name):
    w = ta.ones(2, requires_grad=True)
    getattr(optim, name)([w], differentiable=False)
    with pytest.raises(ValueError, match=f"{name}: differentiable=True is not supported"):
        getattr(optim, name)([w], differentiable=True)
    with pytest.raises(TypeError, match=f"{name}: foreach must be True or False \\(or None"):
        getattr(optim, name)([w], foreach="yes")


def test_adam_with_decoupled_weight_decay_is_adamw():
    runs = []
    for cls, kwargs in ((optim.Adam, dict(decoupled_weight_decay=True)), (optim.AdamW, {})):
        w = ta.tensor([1.0, -2.0], requires_grad=True)
        opt = cls([w], lr=0.1, weight_decay=0.5, **kwargs)
        for _ in range(3):
            w.grad = ta.tensor([0.3, 0.1])
            opt.step()
        runs.append(w.numpy().copy())
        assert opt.param_groups[0]["decoupled_weight_decay"] is True
    np.testing.assert_array_equal(*runs)


# --- found by the differential fuzzer (tests/torchdiff_nn.py) ----------------------------


def test_nadam_mu_product_is_rounded_in_the_default_dtype_as_torch():
    """torch keeps NAdam's mu_product as a tensor of the default dtype (float32), even for
    float64 parameters, so it is rounded to float32 after every step."""
    w = ta.tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.NAdam([w], lr=0.1)
    mu = []
    for step in (1, 2):
        w.grad = ta.tensor(np.array([0.3, -0.1]))
        opt.step()
        mu.append(0.9 * (1.0 - 0.5 * 0.96 ** (step * 4e-3)))
    held = opt.state[w]["mu_product"]
    assert held.dtype == np.float32 and held.shape == ()
    assert held == np.float32(np.float32(mu[0]) * np.float32(mu[1]))
    again = optim.NAdam([w], lr=0.1)
    again.load_state_dict(opt.state_dict())
    assert float(again.state[w]["mu_product"]) == float(held)
