"""ta.compile: a recorded-and-replayed step must be exactly the eager step.

Each test runs one step function twice from the same seed, eagerly and compiled, over
many calls, and compares everything the step leaves behind bit for bit (float64): what it
returns, every parameter's ``.data`` and ``.grad``, the optimizer's state. The first two
compiled calls are recordings; the rest are replays (checked with ``stats()``).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim
from tinygrad_acts.autograd import Function
from tinygrad_acts.compiler import CompiledStep, CompileWarning
from tinygrad_acts.tensor import Tensor

from tests.programs import programs, run

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def float64():
    prev = ta.get_default_dtype()
    ta.set_default_dtype(np.float64)
    yield
    ta.set_default_dtype(prev)


def batches(shape, classes, n, size=None):
    return [(ta.tensor(RNG.standard_normal(shape)),
             ta.tensor(RNG.integers(0, classes, size or shape[0]))) for _ in range(n)]


def state_of(model, opt):
    """Everything a step changes: parameters, gradients, optimizer state (as arrays)."""
    out = []
    for p in model.parameters():
        out += [p.data, None if p.grad is None else p.grad.data]
    for p in model.parameters():
        for key, value in sorted(opt.state[p].items()) if opt is not None else ():
            out.append((key, value))
    return out


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, tuple):
            assert x[0] == y[0]
            x, y = x[1], y[1]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), "arrays differ"
        elif isinstance(x, Tensor):
            assert np.array_equal(x.data, y.data)
        else:
            assert x == y or (x != x and y != y), (x, y)


def compare(build, data, replays=None, seed=3, before=None):
    """Run ``build()``'s step eagerly and compiled over ``data``; assert they agree.
    ``before(k, model)`` runs before call k, outside the step."""
    results = []
    for compiled in (False, True):
        ta.manual_seed(seed)
        model, opt, step = build()
        fn = ta.compile(step) if compiled else step
        ta.manual_seed(seed + 1)
        outs = []
        for k, args in enumerate(data):
            if before is not None:
                before(k, model)
            outs.append(fn(*args))
        results.append((outs, state_of(model, opt), fn))
    (eager_outs, eager_state, _), (outs, state, fn) = results
    assert_same([o.data if isinstance(o, Tensor) else o for o in eager_outs],
                [o.data if isinstance(o, Tensor) else o for o in outs])
    assert_same(eager_state, state)
    if replays is not None:
        assert fn.stats()["replays"] == replays, fn.eager_reasons()
    return fn, outs


def sgd_step(model, opt, loss_fn=F.cross_entropy, returns="item"):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item() if returns == "item" else loss
    return step


# --- the models of the brief -----------------------------------------------------------------

def ch9():
    model = nn.Sequential(nn.Linear(12, 16, bias=False), nn.Tanh(), nn.Dropout(0.5),
                          nn.Linear(16, 4, bias=False))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, opt, sgd_step(model, opt)


def test_ch9_network_with_dropout_replays_bit_for_bit():
    compare(ch9, batches((6, 12), 4, 20), replays=18)


def test_dropout_draws_fresh_masks_on_every_replay():
    ta.manual_seed(0)
    model, opt, _ = ch9()
    opt.param_groups[0]["lr"] = 0.0  # the same weights every call: only the mask changes
    x, y = batches((6, 12), 4, 1)[0]
    step = ta.compile(lambda x, y: F.cross_entropy(model(x), y).item())
    losses = [step(x, y) for _ in range(8)]
    assert step.stats()["replays"] == 6
    assert len(set(losses[2:])) > 3  # fresh draws: the losses differ from replay to replay


def test_mlp_with_adam_and_biases():
    def build():
        model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
        opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
        return model, opt, sgd_step(model, opt)
    compare(build, batches((7, 5), 3, 15), replays=13)


def test_cnn_step_with_conv_and_max_pool():
    def build():
        model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(3 * 3 * 3, 4))
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
        return model, opt, sgd_step(model, opt)
    compare(build, batches((4, 1, 6, 6), 4, 8, size=4), replays=6)


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(3, 5), nn.Linear(5, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[-1])


def test_lstm_step():
    def build():
        model = Recurrent()
        opt = optim.SGD(model.parameters(), lr=0.05)
        return model, opt, sgd_step(model, opt, F.mse_loss, returns="tensor")
    data = [(ta.tensor(RNG.standard_normal((4, 2, 3))), ta.tensor(RNG.standard_normal((2, 1))))
            for _ in range(8)]
    _, outs = compare(build, data, replays=6)
    assert isinstance(outs[-1], Tensor) and not outs[-1].requires_grad  # detached


def test_manual_sgd_under_no_grad_and_grad_set_to_none():
    w = ta.zeros(4, 2, requires_grad=True)

    def build():
        with ta.no_grad():
            w.zero_()
        model = nn.Module()
        model.w = nn.Parameter(w.data.copy())

        def step(x, y):
            loss = ((x @ model.w - y) ** 2).mean()
            loss.backward()
            with ta.no_grad():
                model.w -= 0.1 * model.w.grad
            model.w.grad = None
            return loss
        return model, None, step
    data = [(ta.tensor(RNG.standard_normal((3, 4))), ta.tensor(RNG.standard_normal((3, 2))))
            for _ in range(6)]
    compare(build, data, replays=4)


def test_gradients_reach_inputs_that_require_grad():
    def step(x):
        loss = (x.tanh() * x).sum()
        loss.backward()
        return loss
    compiled = ta.compile(step)
    for _ in range(5):
        a = RNG.standard_normal(5)
        x1, x2 = ta.tensor(a, requires_grad=True), ta.tensor(a, requires_grad=True)
        step(x1), compiled(x2)
        assert np.array_equal(x1.grad.data, x2.grad.data)
    assert compiled.stats()["replays"] == 3


# --- the fuzzer's programs --------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(program=programs(max_steps=6), scale=st.floats(0.5, 1.5))
def test_fuzzer_programs_compiled_equal_eager(program, scale):
    weight = None

    def step(*inputs):
        nonlocal weight
        out = run(program, inputs)
        if weight is None:
            weight = np.random.default_rng(1).standard_normal(out.shape)
        loss = (out * weight).sum() if out.requires_grad else out.sum()
        if loss.requires_grad:
            loss.backward()
        return loss
    compiled = ta.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for k in range(4):
            arrays = [a * (scale if k % 2 else 1.0) for a in program.inputs]
            eager_in = [ta.tensor(a, requires_grad=True) for a in arrays]
            compiled_in = [ta.tensor(a, requires_grad=True) for a in arrays]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expect, got = step(*eager_in), compiled(*compiled_in)
            assert np.array_equal(expect.data, got.data, equal_nan=True)
            for a, b in zip(eager_in, compiled_in):
                assert (a.grad is None) == (b.grad is None)
                if a.grad is not None:
                    assert np.array_equal(a.grad.data, b.grad.data, equal_nan=True)
    stats = compiled.stats()
    assert stats["replays"] == 2 or compiled.eager_reasons()  # replayed, or says why not


# --- guards: what makes it record again --------------------------------------------------------

def test_a_new_input_shape_or_dtype_records_again():
    data = batches((6, 12), 4, 4) + batches((3, 12), 4, 4) + batches((6, 12), 4, 3)
    fn, _ = compare(ch9, data)
    assert fn.stats()["records"] == 4 and fn.stats()["replays"] == 7


def test_requires_grad_change_of_a_parameter_records_again():
    def before(k, model):
        model[0].weight.requires_grad_(k < 5)
    fn, _ = compare(ch9, batches((6, 12), 4, 10), before=before)
    assert fn.stats()["records"] == 4 and fn.stats()["replays"] == 6


def test_train_and_eval_mode_are_guarded():
    def before(k, model):
        model.train(k < 5)
    fn, _ = compare(ch9, batches((6, 12), 4, 10), before=before)
    assert fn.stats()["records"] == 4 and fn.stats()["replays"] == 6


def test_a_python_branch_on_a_value_is_a_guard():
    def build():
        model = nn.Linear(3, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            if loss.item() > 1.0:  # a branch on data: the replay must check it
                loss = loss * 0.5
            loss.backward()
            opt.step()
            return loss.item()
        return model, opt, step
    small = [(ta.tensor(RNG.standard_normal((4, 3)) * 0.01), ta.zeros(4, 1)) for _ in range(6)]
    big = [(ta.tensor(RNG.standard_normal((4, 3)) * 10), ta.ones(4, 1) * 30)
           for _ in range(3)]
    fn, _ = compare(build, small + big + small)
    assert fn.stats()["records"] >= 4 and fn.stats()["replays"] >= 4


def test_schedulers_change_the_replayed_learning_rate():
    def before(k, model):
        if k:
            scheds[-1].step()  # outside the step, as with torch.compile

    scheds = []

    def build():
        model, opt, step = ch9()
        scheds.append(optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5))
        return model, opt, step
    compare(build, batches((6, 12), 4, 10), replays=8, before=before)


# --- what it cannot record: eager, with a warning naming the op -----------------------------

def test_an_in_place_op_inside_the_graph_runs_eagerly_with_a_warning():
    w = ta.tensor(RNG.standard_normal(3), requires_grad=True)

    def step(x):
        h = x * w
        h.relu_()
        h.sum().backward()
        return h.sum().item()
    compiled = ta.compile(step)
    with pytest.warns(CompileWarning, match="relu_"):
        compiled(ta.tensor(RNG.standard_normal(3)))
    assert compiled(ta.tensor([1.0, -2.0, 3.0])) == pytest.approx(step(ta.tensor(
        [1.0, -2.0, 3.0])))
    assert compiled.stats()["replays"] == 0 and "relu_" in compiled.eager_reasons()[0]


def test_numpy_glue_on_the_data_is_detected():
    w = ta.tensor(RNG.standard_normal(3), requires_grad=True)

    def step(x):
        doubled = ta.tensor(x.numpy() * 2)  # computed outside the ops: not replayable
        loss = (doubled * w).sum()
        loss.backward()
        return loss.item()
    compiled = ta.compile(step)
    with pytest.warns(CompileWarning, match="Mul"):
        for _ in range(3):
            x = ta.tensor(RNG.standard_normal(3))
            assert compiled(x) == step(x)
    assert compiled.stats()["replays"] == 0


def test_ta_grad_runs_eagerly():
    w = ta.tensor([1.0, 2.0], requires_grad=True)
    compiled = ta.compile(lambda x: ta.grad((x * w).sum(), w)[0])
    with pytest.warns(CompileWarning, match="ta.grad"):
        out = compiled(ta.tensor([3.0, 4.0]))
    assert out.tolist() == [3.0, 4.0]


# --- what a replay is and returns -------------------------------------------------------------

def test_a_replay_makes_no_tensors_and_no_nodes(monkeypatch):
    ta.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 2))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    compiled = ta.compile(step)
    x, y = batches((5, 4), 2, 1)[0]
    compiled(x, y), compiled(x, y)
    made = []
    make, apply = Tensor._make, Function.__dict__["apply"]
    monkeypatch.setattr(Tensor, "_make", staticmethod(lambda *a: made.append(1) or make(*a)))
    monkeypatch.setattr(Function, "apply", classmethod(
        lambda cls, *a, **k: made.append(cls) or apply.__func__(cls, *a, **k)))
    compiled(x, y)
    assert compiled.stats()["replays"] == 1 and made == []


def test_returns_numbers_as_numbers_and_structures_as_given():
    w = ta.tensor([0.5, -1.0], requires_grad=True)

    @ta.compile
    def step(x):
        loss = (x * w).sum()
        loss.backward()
        return {"loss": loss, "value": loss.item(), "half": loss.item() / 2, "tag": "ok"}
    assert isinstance(step, CompiledStep)
    for k in range(4):
        out = step(ta.tensor([1.0, float(k)]))
        assert type(out["value"]) is float and out["value"] == 0.5 - k
        assert out["half"] == (0.5 - k) / 2 and out["tag"] == "ok"
        assert out["loss"].item() == 0.5 - k
    assert step.stats()["replays"] == 2


def test_compile_refuses_a_non_callable():
    with pytest.raises(TypeError, match="compile"):
        ta.compile(3)
