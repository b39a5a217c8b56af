"""ta.compile: a recorded-and-replayed step must be exactly the eager step.

Each test runs one step function twice from the same seed, eagerly and compiled, over
many calls, and compares everything the step leaves behind bit for bit (float64): what it
returns, every parameter's ``.data`` and ``.grad``, the optimizer's state. The first two
compiled calls are recordings; the rest are replays (checked with ``stats()``).
"""
from __future__ import annotations

import math
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
    """Everything a step changes: parameters, gradients, buffers (BatchNorm's running
    statistics), optimizer state (as arrays)."""
    out = []
    for p in model.parameters():
        out += [p.data, None if p.grad is None else p.grad.data]
    out += [b.data for b in model.buffers()]
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


# --- normalization and attention: statistics computed with numpy, followed as steps -----

def test_batch_norm_step_updates_the_running_statistics_bit_for_bit():
    def build():
        model = nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return model, opt, sgd_step(model, opt)
    fn, _ = compare(build, batches((8, 5), 3, 10), replays=8)
    assert not fn.eager_reasons()


def batch_norm_2d(momentum=0.1):
    def build():
        model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=momentum),
                              nn.Flatten(), nn.Linear(3 * 4 * 4, 4))
        opt = optim.SGD(model.parameters(), lr=0.05)
        return model, opt, sgd_step(model, opt)
    return build


def test_batch_norm_2d_with_conv_and_eval_mode_records_again():
    def switch(k, model):  # eval mode from call 6 on (the running statistics are used)
        model.train(k < 6)
    fn, _ = compare(batch_norm_2d(), batches((4, 2, 6, 6), 4, 10, size=4), before=switch)
    assert fn.stats()["records"] == 4 and fn.stats()["replays"] == 6, fn.stats()


def test_batch_norm_cumulative_average_runs_eagerly_and_right():
    # momentum=None weighs batch k by 1 / float(num_batches_tracked.item()): a guard on an
    # exact value that changes every call, so the step stays eager (with a warning)
    with pytest.warns(CompileWarning, match="ran it differently"):
        fn, _ = compare(batch_norm_2d(momentum=None), batches((4, 2, 6, 6), 4, 8, size=4))
    assert fn.stats()["replays"] == 0


def test_layer_and_group_norm_steps():
    def build():
        model = nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.Unflatten(1, (4, 2)),
                              nn.GroupNorm(2, 4), nn.Flatten(), nn.Linear(8, 3))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return model, opt, sgd_step(model, opt)
    compare(build, batches((5, 6), 3, 8), replays=6)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn, self.head = nn.MultiheadAttention(8, 2, batch_first=True), nn.Linear(8, 3)

    def forward(self, x):
        out, _ = self.attn(x, x, x)
        return self.head(out.mean(1))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.layer(x).mean(1))


@pytest.mark.parametrize("model_class", [Attention, Encoder])
def test_attention_and_transformer_steps_replay_bit_for_bit(model_class):
    def build():
        model = model_class()
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        return model, opt, sgd_step(model, opt)
    data = [(ta.tensor(RNG.standard_normal((3, 5, 8))), ta.tensor(RNG.integers(0, 3, 3)))
            for _ in range(8)]
    compare(build, data, replays=6)


def test_manual_sgd_under_no_grad_and_grad_set_to_none():
    w = ta.zeros(4, 2, requires_grad=True)

    def build():
        with ta.no_grad():
            w.zero_()
        model = nn.Module()
        model.w = nn.Parameter(w.data.clone())

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
        for k in range(6):  # a step that keeps changing re-records twice, then runs eagerly
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
    assert stats["replays"] == 4 or compiled.eager_reasons()  # replayed, or says why not


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


def test_plain_sgd_replays_follow_its_settings_changed_between_calls():
    # a replay of plain SGD runs a lean loop; it reads lr and the settings at every call,
    # and hands over to step() itself when momentum, weight decay or maximize is on
    def build():
        model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
        opt = optim.SGD([{"params": model[0].parameters()},
                         {"params": model[2].parameters(), "lr": 0.05}], lr=0.1)
        return model, opt, sgd_step(model, opt)

    def change(k, model):
        groups = opts[-1].param_groups
        groups[1]["lr"] *= 0.9
        groups[0]["momentum"] = 0.5 if 4 <= k < 7 else 0.0
        groups[1]["weight_decay"] = 0.01 if k == 8 else 0.0
        groups[0]["maximize"] = k == 9

    opts = []

    def tracked():
        model, opt, step = build()
        opts.append(opt)
        return model, opt, step
    compare(tracked, batches((6, 5), 3, 12), replays=10, before=change)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_sgd_replay_with_its_scratch_array_is_the_eager_update_bit_for_bit(dtype):
    # the replay forms -lr * grad in one preallocated array: the same two roundings as the
    # eager add_scaled_, for a weight above add_scaled_'s chunk (400 x 400 > CHUNK) and for
    # small ones; a numpy-float lr (a strong type: the product may promote) takes
    # add_scaled_ itself, and so does a changed lr
    def build():
        model = nn.Sequential(nn.Linear(3, 400, dtype=dtype), nn.ReLU(),
                              nn.Linear(400, 400, dtype=dtype), nn.ReLU(),
                              nn.Linear(400, 3, dtype=dtype))
        opt = optim.SGD(model.parameters(), lr=0.05)
        opts.append(opt)
        return model, opt, sgd_step(model, opt)

    def change(k, model):
        opts[-1].param_groups[0]["lr"] = np.float64(0.03) if k in (5, 6) else 0.05 / (1 + k)

    opts: list = []
    data = [(ta.tensor(RNG.standard_normal((4, 3)), dtype=dtype),
             ta.tensor(RNG.integers(0, 3, 4))) for _ in range(9)]
    compare(build, data, replays=7, before=change)


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


def test_numpy_on_the_data_is_recorded_as_steps():
    w = ta.tensor(RNG.standard_normal(3), requires_grad=True)

    def step(x):
        doubled = ta.tensor(x.numpy() * 2 + np.sin(x.data))  # numpy on the data: recorded
        loss = (doubled * w).sum()
        loss.backward()
        return loss.item()
    compiled = ta.compile(step)
    for _ in range(6):
        x = ta.tensor(RNG.standard_normal(3))
        assert compiled(x) == step(x)
    assert compiled.stats()["replays"] == 4


def test_numpy_that_cannot_be_followed_runs_eagerly():
    w = ta.tensor(RNG.standard_normal(3), requires_grad=True)

    def step(x):
        copied = ta.tensor(np.array(x.numpy()) * 2)  # a plain copy: numpy loses the trail
        loss = (copied * w).sum()
        loss.backward()
        return loss.item()
    compiled = ta.compile(step)
    with pytest.warns(CompileWarning, match="Mul"):
        for _ in range(6):
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


# --- issue #17: what must never be replayed silently wrong ---------------------------------

def run_both(build, n=8, between=None, data=None):
    """``build()`` -> (step, state); run eagerly and compiled from one seed, with
    ``between(k, world)`` run before call k (outside the step); assert every call's result
    and the state after it agree bit for bit. Returns the compiled step."""
    runs = []
    for compiled in (False, True):
        ta.manual_seed(5)
        world = build()
        fn = ta.compile(world["step"]) if compiled else world["step"]
        trail = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            for k in range(n):
                if between is not None:
                    between(k, world)
                out = fn(*data(k))
                trail.append((out, [np.array(a, copy=True) for a in world["state"]()]))
        runs.append((trail, fn))
    (eager, _), (compiled, fn) = runs
    for k, ((out_e, state_e), (out_c, state_c)) in enumerate(zip(eager, compiled)):
        assert same_output(out_e, out_c), (k, out_e, out_c)
        for a, b in zip(state_e, state_c):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), (k, a, b)
    return fn


def same_output(a, b):
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        return len(a) == len(b) and all(same_output(x, y) for x, y in zip(a, b))
    if type(a) is float:
        return a == b or (a != a and b != b)
    return a == b


@pytest.mark.parametrize("pass_through", ["add", "reshape", "transpose"])
def test_a_gradient_summed_at_a_pass_through_node_is_never_a_reused_buffer(pass_through):
    def build():
        w = ta.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        c = ta.tensor(np.ones((2, 3)))
        kept = []

        def step(x):
            u = {"add": lambda: w + c, "reshape": lambda: w.reshape(3, 2).reshape(2, 3),
                 "transpose": lambda: w.T.T}[pass_through]()
            ((u * x).sum() + (u * 3.0).sum()).backward()
        return {"step": step, "state": lambda: [w.grad.data] + kept, "w": w, "kept": kept}

    def between(k, world):
        if k % 2 == 0 and world["w"].grad is not None:
            world["kept"].append(world["w"].grad.data)  # a .grad the user holds on to
            world["w"].grad = None
    fn = run_both(build, 9, between, lambda k: (ta.tensor(np.full((2, 3), float(k))),))
    assert fn.stats()["replays"] >= 5


def clip_build(max_norm=1.0, clip=True):
    def build():
        model = nn.Linear(3, 2)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            if clip:
                norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
                return loss.item(), norm.item()
            return loss.item()
        return {"step": lambda x, y: (step(x, y), opt.step())[0], "state": lambda: [
            p.data for p in model.parameters()]}
    return build


def scaled_batches(scales):
    data = [(RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))) for _ in scales]
    return lambda k: (ta.tensor(data[k][0] * scales[k]), ta.tensor(data[k][1] * scales[k]))


def test_clip_grad_norm_is_one_replayed_step_that_clips_large_gradients_later():
    scales = [0.01, 0.01] + [100.0, 0.01, 100.0, 100.0, 0.01, 1.0]  # the coefficient is 1
    fn = run_both(clip_build(), 8, data=scaled_batches(scales))  # in both recorded calls
    assert fn.stats()["replays"] == 6


def saturated(where):
    def build():
        model = nn.Linear(3, 2)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            if where == "np.clip":
                scale = np.clip(loss.item(), 0.5, 1.0)
            elif where == "min":
                scale = min(loss.item(), 1.0)
            elif where == ".data":
                scale = np.minimum(loss.data, 1.0)
            else:
                scale = np.clip(np.asarray(loss), 0.5, 1.0)
            (loss * scale).backward()
            opt.step()
            return loss.item()
        return {"step": step, "state": lambda: [p.data for p in model.parameters()]}
    return build


@pytest.mark.parametrize("where", ["np.clip", "min", ".data", "np.asarray"])
def test_a_value_numpy_or_python_derives_from_data_is_never_a_frozen_constant(where):
    scales = [10.0, 10.0, 0.01, 10.0, 0.01, 0.01, 10.0, 0.01]  # saturated in both recordings
    run_both(saturated(where), 8, data=scaled_batches(scales))


@pytest.mark.parametrize("check", ["math.isfinite", "math.isnan", "np.isfinite",
                                   "tensor.isfinite"])
def test_a_nan_batch_skipped_eagerly_is_skipped_compiled(check):
    def build():
        model = nn.Linear(3, 2)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            ok = {"math.isfinite": lambda: math.isfinite(loss.item()),
                  "math.isnan": lambda: not math.isnan(loss.item()),
                  "np.isfinite": lambda: np.isfinite(loss.item()),
                  "tensor.isfinite": lambda: loss.isfinite().item()}[check]()
            if ok:
                loss.backward()
                opt.step()
            return loss.item()
        return {"step": step, "state": lambda: [p.data for p in model.parameters()]}
    scales = [1.0, 1.0, 1.0, np.nan, 1.0, 1.0, np.inf, 1.0]
    fn = run_both(build, 8, data=scaled_batches(scales))
    if check == "tensor.isfinite":  # a guard on the outcome: the replays go on
        assert fn.stats()["replays"] >= 1


def test_float_and_int_of_a_read_value_are_real_numbers_without_warnings():
    w = ta.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def step(x):
        loss = (w * x).sum()
        as_float, as_int, of_tensor = float(loss.item()), int(loss.item()), float(loss)
        seen.append((type(as_float), type(as_int), type(of_tensor), type(range(int(loss))[-1])))
        loss.backward()
        return loss.item()
    compiled = ta.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("ignore", CompileWarning)
        for k in range(4):
            assert compiled(ta.tensor([1.0, float(k + 1)])) == 1.0 + 2.0 * (k + 1)
    assert seen and all(s == (float, int, float, int) for s in seen)


def linear_world(extra=None):
    """A small model, its optimizer and a step; ``extra`` may change the step's loss."""
    def build():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.3), nn.Linear(4, 2))
        world = {"model": model, "opt": optim.SGD(model.parameters(), lr=0.1),
                 "cfg": {"beta": 1.0}}

        def step(x, y):
            opt = world["opt"]
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean() * world["cfg"]["beta"]
            loss.backward()
            opt.step()
            return loss.item()
        world["step"] = step
        world["state"] = lambda: [p.data for p in model.parameters()]
        return world
    return build


def replace_parameter(world):
    lin = world["model"][0]
    lin.weight = nn.Parameter(lin.weight.data * 0.5)
    world["opt"].param_groups[0]["params"][0] = lin.weight


MUTATIONS = {
    "a parameter replaced": replace_parameter,
    "a submodule replaced": lambda w: setattr(w["model"], "1", nn.ReLU()),
    "a new optimizer": lambda w: w.update(opt=optim.SGD(w["model"].parameters(), lr=0.1,
                                                        momentum=0.9)),
    "Dropout.p": lambda w: setattr(w["model"][2], "p", 0.9),
    "a global float": lambda w: w["cfg"].update(beta=0.0),
    "a tensor hook": lambda w: w["model"][0].weight.register_hook(lambda g: g * 0),
    "a forward hook": lambda w: w["model"][1].register_forward_hook(lambda m, i, o: o * 0),
    "eval mode": lambda w: w["model"].eval(),
    "requires_grad": lambda w: w["model"][3].weight.requires_grad_(False),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_state_changed_after_recording_is_never_replayed_stale(mutation):
    def between(k, world):
        if k == 4:
            MUTATIONS[mutation](world)
    data = scaled_batches([1.0] * 8)
    fn = run_both(linear_world(), 8, between, data)
    assert fn.stats()["records"] >= 3 or fn.stats()["eager"], mutation  # it noticed


CONSTANT = {"scale": 1.0, "limit": 2.0}


def toggle(d, key, a, b):
    d[key] = b if d[key] == a else a


def toggle_hook(world):
    if len(world["handles"]) < 2:
        world["handles"].append(world["model"][1].register_forward_hook(
            lambda m, i, o: o * 0.5))


def drop_hook(world):
    if world["handles"]:
        world["handles"].pop().remove()


def forget_grad(world):
    if world["model"][3].weight.grad is not None:
        world["model"][3].weight.grad = None


RANDOM_MUTATIONS = [
    lambda w: w["opt"].param_groups[0].update(lr=w["opt"].param_groups[0]["lr"] * 0.5),
    replace_parameter,
    lambda w: w["model"].train(not w["model"].training),
    lambda w: setattr(w["model"][2], "p", 0.6 if w["model"][2].p == 0.3 else 0.3),
    toggle_hook,
    drop_hook,
    lambda w: toggle(w, "none", True, False),
    lambda w: toggle(CONSTANT, "scale", 1.0, 2.0),
    lambda w: toggle(CONSTANT, "limit", 2.0, 0.5),
    lambda w: w.update(opt=optim.SGD(w["model"].parameters(), lr=0.05)),
    forget_grad,
    lambda w: w["model"][0].bias.requires_grad_(not w["model"][0].bias.requires_grad),
]


def mutable_world():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.3), nn.Linear(4, 2))
    world = {"model": model, "opt": optim.SGD(model.parameters(), lr=0.1, momentum=0.5),
             "handles": [], "none": True}
    alpha = 1.0  # a closure constant

    def step(x, y):
        loss = ((model(x) - y) ** 2).mean() * CONSTANT["scale"] * alpha
        if not loss.isfinite().item():  # a guard on the outcome (math.isfinite: eager)
            return loss.item()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), CONSTANT["limit"])
        world["opt"].step()
        world["opt"].zero_grad(set_to_none=world["none"])
        return loss.item(), norm.item()

    world["step"], world["state"] = step, lambda: [p.data for p in model.parameters()]
    return world


@pytest.mark.parametrize("seed", range(4))
def test_randomly_mutating_the_world_between_calls_never_fools_the_replay(seed):
    """Between calls, change at random what a training loop may change (the learning rate,
    a parameter, train/eval, Dropout.p, hooks, ``.grad``, a global constant, the
    optimizer, requires_grad, the size of the numbers in the batch, a nan batch):
    compiled must equal eager after every call."""
    rng = np.random.default_rng(seed)
    choices = rng.integers(0, len(RANDOM_MUTATIONS), size=14)
    scales = list(rng.choice([0.01, 1.0, 50.0, np.nan], p=[0.3, 0.4, 0.25, 0.05], size=14))

    def between(k, world):
        if k == 0:
            CONSTANT.update(scale=1.0, limit=2.0)
        elif k >= 3:
            RANDOM_MUTATIONS[choices[k]](world)
    try:
        run_both(mutable_world, 14, between, scaled_batches(scales))
    finally:
        CONSTANT.update(scale=1.0, limit=2.0)
