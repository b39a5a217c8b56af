"""Review 7's optimizer, module and custom-Function findings, each checked against torch in
the same process: Parameter deepcopy, optimizer state_dict sharing and state types, Tensor
lr, duplicate parameters, load_state_dict of non-tensors, forward parameter names, and
integer or marked outputs of a custom Function."""
from __future__ import annotations

import copy
import inspect
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

LIBS = [torch, ta]
OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta",
              "RMSprop", "Rprop", "ASGD", "LBFGS", "Adafactor"]
OPTIONS = {"SGD": dict(momentum=0.9), "RMSprop": dict(momentum=0.9, centered=True)}


def _kind(v: object) -> str:
    """A state value's type as one string: tensor (dtype, shape), list, or Python type."""
    if isinstance(v, (torch.Tensor, ta.Tensor)):
        return f"tensor {str(v.dtype).replace('torch.', '')} {tuple(v.shape)}"
    if isinstance(v, list):
        return "list of " + ", ".join(_kind(x) for x in v if x is not None)
    return type(v).__name__


def _stepped(lib, name: str, shape: tuple = (2, 3), steps: int = 2, **options):
    """An optimizer of ``lib`` over one parameter, after ``steps`` steps of a quadratic."""
    p = lib.arange(float(np.prod(shape))).reshape(shape).requires_grad_()
    opt = getattr(lib.optim, name)([p], **{**OPTIONS.get(name, {}), **options})

    def closure():
        opt.zero_grad()
        loss = (p * p * (lib.arange(float(p.numel())).reshape(shape) + 1)).sum()
        loss.backward()
        return loss
    for _ in range(steps):
        opt.step(closure)
    return opt, p


# --- #11: copy.deepcopy of a module drops the parameters' .grad ------------------------------

def _deepcopy_story(lib):
    m = lib.nn.Linear(2, 2)
    m(lib.ones(1, 2)).sum().backward()
    m2 = copy.deepcopy(m)
    p = lib.nn.Parameter(lib.ones(2), requires_grad=False)
    pair = copy.deepcopy([p, p])
    return dict(grad=m2.weight.grad is None, kept=m.weight.grad is not None,
                cls=type(m2.weight).__name__, requires_grad=m2.weight.requires_grad,
                equal=bool((m2.weight == m.weight).all()),
                shares=np.shares_memory(m2.weight.detach().numpy(), m.weight.detach().numpy()),
                one_copy=pair[0] is pair[1], pair_requires_grad=pair[0].requires_grad)


def test_deepcopy_of_a_module_drops_grads_as_torch():
    ours = _deepcopy_story(ta)
    assert ours == _deepcopy_story(torch)
    assert ours["grad"] and ours["kept"] and not ours["shares"]


# --- #13: state_dict() shares the state; load_state_dict keeps what it loads ------------------

def _sharing_story(lib):
    opt, p = _stepped(lib, "Adam", lr=0.1)
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"].fill_(7.0)
    out = dict(edit_shows=opt.state[p]["exp_avg"].tolist())
    snapshot = copy.deepcopy(opt.state_dict())
    q = lib.zeros(2, 3, requires_grad=True)
    opt2 = lib.optim.Adam([q], lr=0.1)
    opt2.load_state_dict(snapshot)
    snapshot["state"][0]["exp_avg_sq"].fill_(5.0)  # same dtype: kept, so shared
    out["load_shares"] = opt2.state[q]["exp_avg_sq"].tolist()
    doubled = copy.deepcopy(opt.state_dict())
    doubled["state"][0]["exp_avg"] = doubled["state"][0]["exp_avg"].double()
    opt2.load_state_dict(doubled)
    doubled["state"][0]["exp_avg"].fill_(3.0)      # another dtype: cast, a copy
    out["cast"] = (_kind(opt2.state[q]["exp_avg"]), opt2.state[q]["exp_avg"].tolist())
    out["step"] = _kind(opt2.state[q]["step"]), opt2.state[q]["step"].item()
    return out


def test_state_dict_shares_and_load_keeps_as_torch():
    ours = _sharing_story(ta)
    assert ours == _sharing_story(torch)
    assert ours["edit_shows"] == [[7.0] * 3] * 2 and ours["load_shares"] == [[5.0] * 3] * 2


@pytest.mark.parametrize("name", ["Adam", "LBFGS", "ASGD", "NAdam"])
def test_a_loaded_state_continues_as_the_saved_one(name):
    """Loading a state dict that shares memory still resumes exactly."""
    _, straight = _stepped(ta, name, steps=4)
    half, q = _stepped(ta, name, steps=2)
    r = ta.tensor(q.detach().numpy(), requires_grad=True)
    resumed = getattr(ta.optim, name)([r], **OPTIONS.get(name, {}))
    resumed.load_state_dict(half.state_dict())

    def closure():
        resumed.zero_grad()
        loss = (r * r * (ta.arange(6.0).reshape(2, 3) + 1)).sum()
        loss.backward()
        return loss
    for _ in range(2):
        resumed.step(closure)
    np.testing.assert_array_equal(r.detach().numpy(), straight.detach().numpy())


# --- #14: the types of every state entry, in .state and in state_dict() ----------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_entry_types_are_torchs(name, dtype):
    shape = (3,) if name == "LBFGS" else (2, 3)
    kinds = []
    for lib in LIBS:
        lib.set_default_dtype(getattr(lib, dtype))
        try:
            opt, p = _stepped(lib, name, shape)
            kinds.append(({k: _kind(v) for k, v in opt.state[p].items()},
                          {k: _kind(v) for k, v in opt.state_dict()["state"][0].items()}))
        finally:
            lib.set_default_dtype(lib.float32)
    assert kinds[1] == kinds[0]


def test_step_of_a_state_dict_is_a_tensor():
    for lib in LIBS:
        opt, _ = _stepped(lib, "ASGD")
        state = opt.state_dict()["state"][0]
        assert [state[k].item() for k in ("step", "mu")] == [2.0, 1.0]


# --- #20: load_state_dict refuses a value that is not a tensor ---------------------------------

@pytest.mark.parametrize("value", [[1.0, 2.0], 3.0, "ab"])
def test_load_state_dict_refuses_non_tensors(value):
    messages = []
    for lib in LIBS:
        m = lib.nn.Linear(2, 2)
        sd = dict(m.state_dict(), bias=value)
        with pytest.raises(RuntimeError) as caught:
            m.load_state_dict(sd)
        messages.append(str(caught.value).replace("torch.Tensor", "Tensor"))
    tail = (f'While copying the parameter named "bias", expected Tensor or Tensor-like object '
            f"from checkpoint but received {type(value)}")
    assert all(tail in message for message in messages)
    assert "Error(s) in loading state_dict for Linear:" in messages[1]


# --- #24: duplicate parameters, Tensor lr ------------------------------------------------------

def test_a_parameter_twice_in_a_group_warns_and_steps_twice():
    results = []
    for lib in LIBS:
        q = lib.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt = lib.optim.Adam([q, q], lr=0.1)
        q.sum().backward()
        opt.step()
        with pytest.raises(ValueError) as error:
            lib.optim.Adam([{"params": [q]}, {"params": [q]}])
        results.append(([(w.category, str(w.message)) for w in caught], q.tolist(),
                        "some parameters appear in more than one parameter group"
                        in str(error.value), len(opt.param_groups[0]["params"])))
    assert results[1] == results[0]
    assert results[1][1] == pytest.approx([0.8, 1.8]) and results[1][2]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_tensor_lr_is_torchs(name):
    runs = []
    for lib in LIBS:
        opt, p = _stepped(lib, name, steps=3, lr=lib.tensor(0.01))
        runs.append((p.detach().numpy().copy(), type(opt.param_groups[0]["lr"]).__name__))
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            getattr(lib.optim, name)([p], lr=lib.tensor([0.01, 0.02]))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-6)
    assert runs[1][1] == runs[0][1] == "Tensor"


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_a_tensor_lr_with_foreach_is_refused_as_torch(name):
    for lib in LIBS:
        p = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match="lr as a Tensor is not supported for "
                                             "capturable=False and foreach=True"):
            getattr(lib.optim, name)([p], lr=lib.tensor(0.01), foreach=True)


def _scheduled(lib, name: str):
    S = lib.optim.lr_scheduler
    lr = lib.tensor(0.1)
    opt = lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=lr, momentum=0.9)
    make = {"StepLR": lambda: S.StepLR(opt, 1, gamma=0.5),
            "OneCycleLR": lambda: S.OneCycleLR(opt, 1.0, total_steps=10),
            "ReduceLROnPlateau": lambda: S.ReduceLROnPlateau(opt, patience=0),
            "CyclicLR": lambda: S.CyclicLR(opt, 0.01, 0.1, 2),
            "SequentialLR": lambda: S.SequentialLR(opt, [S.ConstantLR(opt, 0.5, 2),
                                                         S.ExponentialLR(opt, 0.9)], [2])}
    sched = make[name]()
    rates = []
    for _ in range(4):
        opt.step()
        sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
        rates.append(round(lr.item(), 6))
    initial = opt.param_groups[0].get("initial_lr")
    return rates, opt.param_groups[0]["lr"] is lr, None if initial is None else initial is lr


@pytest.mark.parametrize("name", ["StepLR", "OneCycleLR", "ReduceLROnPlateau", "CyclicLR",
                                  "SequentialLR"])
def test_schedulers_fill_a_tensor_lr_in_place(name):
    assert _scheduled(ta, name) == _scheduled(torch, name)


LAYERS = ["Linear", "Dropout", "Identity", "Flatten", "Sequential", "Dropout1d", "Dropout2d",
          "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "CosineSimilarity",
          "PairwiseDistance", "Softmin", "GLU", "PixelShuffle", "PixelUnshuffle",
          "ChannelShuffle", "Bilinear", "LazyLinear"]


@pytest.mark.parametrize("name", LAYERS)
def test_forward_parameter_names_are_torchs(name):
    names = [list(inspect.signature(getattr(lib.nn, name).forward).parameters)
             for lib in LIBS]
    assert names[1] == names[0]


def test_linear_takes_input_by_keyword():
    outs = []
    for lib in LIBS:
        lin = lib.nn.Linear(2, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
            lin.bias.fill_(0.5)
        outs.append(lin(input=lib.ones(1, 2)).tolist())
    assert outs[1] == outs[0] == [[3.5, 7.5]]


# --- #16 and #9: integer and marked outputs of a custom Function -------------------------------

def _function_story(lib):
    seen = {}

    class ValuesAndIndex(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.argmax()

        @staticmethod
        def backward(ctx, g, gi):
            seen["gi"] = (str(gi.dtype).replace("torch.", ""), gi.tolist())
            return g * 2

    class OnlyIndex(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.argmax()

        @staticmethod
        def backward(ctx, g):
            return g

    class PassThrough(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.mark_non_differentiable(y)
            return x * 2, y

        @staticmethod
        def backward(ctx, g, gy):
            seen["gy"] = gy.tolist()
            return g * 2, None

    x = lib.tensor([1.0, 3.0, 2.0], requires_grad=True)
    a, b = ValuesAndIndex.apply(x)
    a.sum().backward()
    out = dict(index=(b.item(), b.requires_grad, b.grad_fn is None), grad=x.grad.tolist())
    c = OnlyIndex.apply(x)
    out["only"] = (c.item(), c.requires_grad, c.grad_fn is None)
    for y in (lib.tensor([1.0]), lib.tensor([1.0], requires_grad=True)):
        a, b = PassThrough.apply(lib.tensor([1.0, 2.0], requires_grad=True), y)
        a.sum().backward()
        out[f"marked {y.requires_grad}"] = (b.requires_grad, b.grad_fn is None, b.tolist(),
                                            a.requires_grad)
    return out, seen


def test_integer_and_marked_outputs_are_torchs():
    ours = _function_story(ta)
    assert ours == _function_story(torch)
    assert ours[0]["index"] == (1, False, True) and not ours[0]["marked True"][0]
