"""Differential fuzzing of ``ta.nn`` modules, ``ta.optim`` optimizers, ``optim.lr_scheduler``
and ``nn.utils`` against PyTorch: the same random constructor arguments and inputs run in
both libraries, and everything observable is compared.

**Modules.** ``MODULES`` has one ``Entry`` per ``nn.Module`` class that ``ta.nn`` exports
(``module_classes()`` discovers them, and a test fails for a class without an entry). An
entry's ``gen(r)`` draws a ``Case``: constructor arguments (valid and, now and then, not)
and forward inputs. ``compare_module(name, seed, dtype)`` then

- builds torch's module (``torch.manual_seed(seed)`` first) and ours from the same
  arguments; when one raises, the other must raise too (errors are compared at every
  stage: construction, forward, backward, double backward);
- compares ``state_dict`` keys (in order), shapes and dtypes, then copies torch's initial
  state into ours (``load_state_dict`` of torch's values), and compares ``repr``;
- in train mode and then in eval mode, runs the forward on the same inputs (float ones are
  leaves that require grad, passed through ``clone()`` so in-place modules may write to
  them) and compares the outputs (structure, shape, dtype, values, ``requires_grad``);
  backpropagates the same random ``grad_outputs`` with ``create_graph=True`` and compares
  the gradients of every input and parameter; then differentiates ``sum(grad * v)`` again
  and compares the second derivatives (None and zeros count as equal there); and compares
  the buffers after the forward (BatchNorm's running statistics, ``num_batches_tracked``).

Values agree to rtol 1e-10 in float64 and 1e-5 in float32 (atol scaled by the largest
magnitude). A module that draws random numbers in train mode (dropout) is compared there on
structure, shapes and dtypes only.

**Optimizers.** ``OPTIMIZERS`` draws random hyperparameters (lr, momentum, betas,
weight_decay, nesterov, amsgrad, maximize, foreach=None, capturable, ... as torch accepts
them, and invalid ones) for every ``ta.optim`` class; ``compare_optimizer`` runs both on the
same parameters of a small non-quadratic loss for 5-10 steps (one or two param groups,
``zero_grad`` either way), compares the parameters after every step, the ``state_dict``
(state and param groups), and round-trips the state dict into a fresh optimizer halfway.

**Schedulers.** ``SCHEDULERS`` does the same for every class in ``optim.lr_scheduler``:
``compare_scheduler`` steps both for a dozen epochs, comparing ``get_last_lr()``, the
groups' lr (and momentum or betas where the scheduler cycles them) and a state-dict round
trip. **nn.utils**: ``UTILS`` (gradient clipping, parameter vectors, sequence padding and
packing) compares returned values, the gradients changed in place, and errors.

Every comparison returns the first ``Difference`` (or None); ``Difference.report()`` is a
reproducer: the module, the seed, the arguments and the command that replays it. By hand::

    python -m tests.torchdiff_nn 0 50            # seeds 0..49 of everything: counts, reports
    python -m tests.torchdiff_nn 0 50 BatchNorm1d Adam
"""
from __future__ import annotations

import functools
import inspect
import itertools
import math
import random
import sys
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_acts as ta

# --- values that name a thing in either library ---------------------------------------------


@dataclass
class Build:
    """``lib.nn.<name>(*args, **kwargs)`` in each library (a child module, an encoder layer)."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"nn.{self.name}({_call_args(self.args, self.kwargs)})"


@dataclass
class Param:
    """``lib.nn.Parameter(array)`` in each library."""

    value: np.ndarray

    def __repr__(self) -> str:
        return f"nn.Parameter({_array_repr(self.value)})"


@dataclass
class Const:
    """A float array passed as a tensor that does not require grad (a target, a weight)."""

    value: np.ndarray

    def __repr__(self) -> str:
        return _array_repr(self.value)


def _array_repr(a: np.ndarray) -> str:
    """A small array as its values (floats in the run's dtype, unless it keeps its own)."""
    dtype = f", dtype={a.dtype}" if a.dtype.kind != "f" or isinstance(a, KeepDtype) else ""
    if a.size > 12:
        return f"<array{list(a.shape)}{dtype}>"
    return f"tensor({np.asarray(a).tolist()!r}{dtype})"


def _value_repr(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return _array_repr(v)
    if callable(v) and getattr(v, "__name__", "") == "<lambda>":
        return getattr(v, "text", "lambda")
    return repr(v)


def _call_args(args: tuple, kwargs: dict) -> str:
    return ", ".join([_value_repr(a) for a in args]
                     + [f"{k}={_value_repr(v)}" for k, v in kwargs.items()])


def named_lambda(text: str) -> Callable:
    """A lambda that reports as its source text in reproducers (``"lambda e: 0.9 ** e"``)."""
    fn = eval(text, {"math": math})  # the harness's own constant texts
    fn.text = text
    return fn


@dataclass
class Lib:
    """One library as the harness uses it."""

    name: str
    mod: Any          # ta or torch
    nn: Any
    optim: Any
    tensor_type: type

    def tensor(self, a: np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Any:
        if self.name == "ta":
            return ta.tensor(np.array(a, dtype=dtype or a.dtype), requires_grad=requires_grad)
        import torch
        return torch.tensor(np.array(a, dtype=dtype or a.dtype), requires_grad=requires_grad)

    def grad(self, outputs: Any, inputs: Any, **kw: Any) -> tuple:
        if self.name == "ta":
            return ta.grad(outputs, inputs, **kw)
        import torch
        return torch.autograd.grad(outputs, inputs, **kw)

    def numpy(self, t: Any) -> np.ndarray:
        if self.name == "torch":
            return np.array(t.detach().numpy(force=True))  # force: torch's ZeroTensor too
        return np.array(t.numpy())

    def dtype_name(self, t: Any) -> str:
        return str(t.dtype).removeprefix("torch.") if self.name == "torch" \
            else np.dtype(t.dtype).name


def libs() -> tuple[Lib, Lib]:
    """(ours, torch's)."""
    import torch
    torch.set_num_threads(1)
    return (Lib("ta", ta, ta.nn, ta.optim, ta.Tensor),
            Lib("torch", torch, torch.nn, torch.optim, torch.Tensor))


def convert(v: Any, lib: Lib, dtype: np.dtype, leaves: list | None = None) -> Any:
    """A generated value as ``lib`` takes it: float arrays become tensors of ``dtype``
    (leaves that require grad when ``leaves`` collects them), int and bool arrays keep
    their dtype, ``Build`` / ``Param`` / ``Const`` make their objects; containers recurse."""
    if isinstance(v, Build):
        return _build(lib, v, dtype)
    if isinstance(v, Param):
        return lib.nn.Parameter(lib.tensor(v.value, dtype))
    if isinstance(v, Const):
        return lib.tensor(v.value, dtype if v.value.dtype.kind == "f" else None)
    if isinstance(v, np.ndarray):
        if v.dtype.kind != "f":
            return lib.tensor(v)
        # a float32 array in a float64 run (or the reverse) is a deliberate dtype mismatch
        want = v.dtype if getattr(v, "keep_dtype", False) else dtype
        if leaves is None:
            return lib.tensor(v, want)
        leaf = lib.tensor(v, want, requires_grad=True)
        leaves.append(leaf)
        return leaf.clone()
    if isinstance(v, tuple):
        return tuple(convert(x, lib, dtype, leaves) for x in v)
    if isinstance(v, list):
        return [convert(x, lib, dtype, leaves) for x in v]
    if isinstance(v, dict):
        return {k: convert(x, lib, dtype, leaves) for k, x in v.items()}
    return v


class KeepDtype(np.ndarray):
    """A float array that keeps its own dtype in a run of the other float dtype."""

    keep_dtype = True


def _build(lib: Lib, b: Build, dtype: np.dtype) -> Any:
    args = convert(b.args, lib, dtype)
    kwargs = convert(b.kwargs, lib, dtype)
    if b.name in TORCH_STANDINS and lib.name == "torch":
        return TORCH_STANDINS[b.name](*args, **kwargs)
    return getattr(lib.nn, b.name)(*args, **kwargs)


# --- random draws -----------------------------------------------------------------------------


class R:
    """The random source of one case: Python's ``random`` for choices, numpy's for arrays,
    both seeded from (name, seed) so a case is the same in every process."""

    def __init__(self, name: str, seed: int):
        key = zlib.crc32(name.encode()) ^ (seed * 0x9E3779B1 & 0xFFFFFFFF)
        self.r = random.Random(key)
        self.np = np.random.default_rng(key)

    def pick(self, *options: Any) -> Any:
        return options[self.r.randrange(len(options))]

    def int(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def p(self, prob: float) -> bool:
        return self.r.random() < prob

    def x(self, *shape: int, lo: float | None = None, hi: float | None = None) -> np.ndarray:
        """Floats: normal, uniform in [lo, hi], or (one draw in six) a coarse grid with
        ties and zeros, where kinks and subgradient conventions show."""
        if lo is not None and hi is not None:
            return self.np.uniform(lo, hi, shape)
        if self.p(1 / 6):
            return self.np.integers(-4, 5, shape).astype(np.float64) / 2
        return self.np.standard_normal(shape)

    def ints(self, hi: int, *shape: int, lo: int = 0) -> np.ndarray:
        return self.np.integers(lo, hi, shape).astype(np.int64)

    def signs(self, *shape: int) -> np.ndarray:
        return self.np.choice([-1.0, 1.0], shape)


@dataclass
class Case:
    """One drawn module: constructor arguments and forward inputs (plain numbers, arrays,
    ``Const`` targets, ``Build`` objects). ``random_train`` marks a module that draws
    random numbers in train mode."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    inputs: tuple = ()
    fkwargs: dict = field(default_factory=dict)
    random_train: bool = False
    modes: tuple = ("train", "eval")

    def source(self, name: str) -> str:
        call = f"nn.{name}({_call_args(self.args, self.kwargs)})"
        return f"m = {call}\nm({_call_args(self.inputs, self.fkwargs)})"


@dataclass
class Entry:
    """How to fuzz one module class: ``gen(r)`` draws a ``Case``; ``torch`` builds the
    reference where torch.nn has no class of the name; ``ours_only`` explains a class with
    no torch counterpart at all (then ``gen`` draws cases whose construction must raise)."""

    gen: Callable[[R], Case]
    ours_only: str = ""


@dataclass
class Difference:
    """The first difference of one comparison."""

    kind: str        # we-raise, we-run, structure, shape, dtype, value, requires_grad, repr,
    #                  state_dict, lr, ...
    where: str       # what differs ("output", "grad of input 0", "buffer running_mean")
    ours: str
    theirs: str
    subject: str     # "Linear", "optim Adam", "lr_scheduler StepLR", "utils clip_grad_norm_"
    seed: int
    dtype: str
    source: str      # the case as code
    stage: str = ""  # construct, train forward, eval backward, ...

    @property
    def cls(self) -> str:
        return f"{self.kind} @ {self.subject}"

    def report(self) -> str:
        head = {"we-raise": "we raise, torch runs", "we-run": "torch raises, we run"}.get(
            self.kind, f"{self.kind} of {self.where} differs")
        kind, _, name = self.subject.rpartition(" ")
        replay = f"python -m tests.torchdiff_nn {self.seed} {self.seed + 1} {name}"
        return (f"{self.cls} (seed {self.seed}, {self.dtype}, {self.stage}): {head}\n"
                + "".join(f"    {line}\n" for line in self.source.splitlines())
                + f"  ours:  {self.ours}\n  torch: {self.theirs}\n  replay: {replay}"
                + (f"  ({kind})" if kind else ""))


class Found(Exception):
    """Raised inside a comparison to hand back its first difference."""

    def __init__(self, kind: str, where: str, ours: Any, theirs: Any):
        super().__init__(kind)
        self.kind, self.where = kind, where
        self.ours, self.theirs = str(ours)[:400], str(theirs)[:400]


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def both(stage: str, fo: Callable[[], Any], ft: Callable[[], Any]) -> tuple[Any, Any, bool]:
    """Run ours and torch's; (ours, theirs, raised): when exactly one raises, ``Found``."""
    eo = et = None
    o = t = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t = ft()
        except Exception as e:  # noqa: BLE001 - compared with ours
            et = e
        try:
            o = fo()
        except Exception as e:  # noqa: BLE001 - compared with torch's
            eo = e
    if (eo is None) != (et is None):
        if eo is not None:
            raise Found("we-raise", stage, _err(eo), "runs")
        raise Found("we-run", stage, "runs", _err(et))  # type: ignore[arg-type]
    return o, t, eo is not None


# --- comparing values ------------------------------------------------------------------------

RTOL = {"float64": 1e-10, "float32": 1e-5}


def close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    """Equal shapes, nan and inf at the same places, the rest within ``rtol`` (atol scaled
    by b's largest finite magnitude, so a sum of many terms near zero is not a false
    alarm)."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "biu" or b.dtype.kind in "biu":
        return bool(np.array_equal(a, b))
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
        return False
    if not fa.any():
        return True
    scale = max(1.0, float(np.abs(b[fb]).max()))
    return bool(np.allclose(a[fa], b[fb], rtol=rtol, atol=rtol * scale))


def _describe(v: Any, lib: Lib) -> str:
    if isinstance(v, lib.tensor_type):
        a = lib.numpy(v)
        return f"{lib.dtype_name(v)}{list(a.shape)} {np.array2string(a, threshold=12)}"
    return f"{type(v).__name__} {v!r}"[:300]


def compare_values(o: Any, t: Any, where: str, ours: Lib, theirs: Lib, rtol: float,
                   grad_check: bool = True, none_is_zero: bool = False) -> None:
    """Raise ``Found`` at the first difference between ``o`` (ours) and ``t`` (torch's)."""
    if none_is_zero and (o is None) != (t is None):
        other, lib = (t, theirs) if o is None else (o, ours)
        if isinstance(other, lib.tensor_type) and not np.any(lib.numpy(other)):
            return
    if isinstance(t, theirs.tensor_type):
        _compare_tensors(o, t, where, ours, theirs, rtol, grad_check)
        return
    if isinstance(t, (tuple, list, dict)):
        same = isinstance(o, dict) and list(o) == list(t) if isinstance(t, dict) else \
            isinstance(o, (tuple, list)) and len(o) == len(t)
        if not same:
            raise Found("structure", where, _describe(o, ours), _describe(t, theirs))
        keys = list(t) if isinstance(t, dict) else range(len(t))
        for k in keys:
            compare_values(o[k], t[k], f"{where}[{k!r}]", ours, theirs, rtol, grad_check,
                           none_is_zero)
        return
    if isinstance(t, float) and isinstance(o, (int, float)):
        if not close(np.array(float(o)), np.array(t), rtol):
            raise Found("value", where, o, t)
        return
    if type(o) is not type(t) or o != t:
        raise Found("structure", where, _describe(o, ours), _describe(t, theirs))


def _compare_tensors(o: Any, t: Any, where: str, ours: Lib, theirs: Lib, rtol: float,
                     grad_check: bool) -> None:
    if not isinstance(o, ours.tensor_type):
        raise Found("structure", where, _describe(o, ours), _describe(t, theirs))
    a, b = ours.numpy(o), theirs.numpy(t)
    if a.shape != b.shape:
        raise Found("shape", where, a.shape, tuple(b.shape))
    if ours.dtype_name(o) != theirs.dtype_name(t):
        raise Found("dtype", where, ours.dtype_name(o), theirs.dtype_name(t))
    if not close(a, b, max(rtol, RTOL.get(theirs.dtype_name(t), rtol))):
        raise Found("value", where, _describe(o, ours), _describe(t, theirs))
    if grad_check and bool(o.requires_grad) != bool(t.requires_grad):
        raise Found("requires_grad", where, o.requires_grad, t.requires_grad)


def tensors_in(v: Any, lib: Lib) -> list:
    """The float tensors inside an output (tuples and lists searched in order)."""
    if isinstance(v, lib.tensor_type):
        return [v] if lib.dtype_name(v).startswith("float") else []
    if isinstance(v, (tuple, list)):
        return [t for x in v for t in tensors_in(x, lib)]
    return []


# --- modules: the comparison -----------------------------------------------------------------


def _state(m: Any, lib: Lib) -> dict:
    return {k: (list(v.shape), lib.dtype_name(v)) for k, v in m.state_dict().items()}


def _mixed_dtype(case: Case, r: R, dtype: np.dtype) -> Case:
    """Now and then, the first float input in the other float dtype (layers refuse it as
    torch does; elementwise modules promote)."""
    if not r.p(0.06):
        return case
    other = np.float32 if dtype == np.float64 else np.float64
    inputs = list(case.inputs)
    for i, v in enumerate(inputs):
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            inputs[i] = v.astype(other).view(KeepDtype)
            return Case(case.args, case.kwargs, tuple(inputs), case.fkwargs,
                        case.random_train, case.modes)
    return case


def compare_module(name: str, seed: int, dtype: Any = np.float64) -> Difference | None:
    """Fuzz ``nn.<name>`` once (see the module docstring); the first difference or None."""
    dtype = np.dtype(dtype)
    entry = MODULES[name]
    r = R(name, seed)
    case = _mixed_dtype(entry.gen(r), r, dtype)
    mixed = any(isinstance(v, KeepDtype) for v in case.inputs)
    stage = ["construct"]
    try:
        if entry.ours_only:
            _check_ours_only(name, case)
        else:
            _run_module(name, case, seed, dtype, r, stage, mixed)
    except Found as f:
        return Difference(f.kind, f.where, f.ours, f.theirs, name, seed, dtype.name,
                          case.source(name), stage[0])
    return None


def _check_ours_only(name: str, case: Case) -> None:
    try:
        getattr(ta.nn, name)(*case.args, **case.kwargs)
    except (TypeError, ValueError, KeyError, NotImplementedError):
        return
    raise Found("we-run", "construct", "runs", "no such class in torch.nn: must raise")


def _run_module(name: str, case: Case, seed: int, dtype: np.dtype, r: R,
                stage: list, mixed: bool) -> None:
    import torch
    ours, theirs = libs()
    # a float32 input in a float64 module: float64 results may come from float32 values
    rtol = RTOL["float32" if mixed else dtype.name]

    def build(lib: Lib) -> Any:
        torch.manual_seed(seed)
        return _build(lib, Build(name, case.args, case.kwargs), dtype)

    om, tm, raised = both("construct", lambda: build(ours), lambda: build(theirs))
    if raised:
        return
    stage[0] = "state_dict"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm.to(torch.float64 if dtype == np.float64 else torch.float32)
        om.to(dtype)
    so, st = _state(om, ours), _state(tm, theirs)
    if so != st:
        raise Found("state_dict", "keys, shapes and dtypes", so, st)
    om.load_state_dict({k: ta.from_numpy(theirs.numpy(v).copy())
                        for k, v in tm.state_dict().items()})
    for mode in case.modes:
        om.train(mode == "train")
        tm.train(mode == "train")
        random_run = case.random_train and mode == "train"
        _compare_pass(om, tm, case, dtype, r, rtol, mode, random_run, stage)
    stage[0] = "repr"
    if name not in REPR_DEPARTURES and repr(om) != repr(tm):
        raise Found("repr", "repr(module)", repr(om), repr(tm))


def _compare_pass(om: Any, tm: Any, case: Case, dtype: np.dtype, r: R, rtol: float,
                  mode: str, random_run: bool, stage: list) -> None:
    """One forward and the first and second derivatives, in one mode."""
    ours, theirs = libs()
    lo: list = []
    lt: list = []
    stage[0] = f"{mode} forward"
    out_o, out_t, raised = both(
        stage[0], lambda: om(*convert(case.inputs, ours, dtype, lo),
                             **convert(case.fkwargs, ours, dtype, lo)),
        lambda: tm(*convert(case.inputs, theirs, dtype, lt),
                   **convert(case.fkwargs, theirs, dtype, lt)))
    if raised:
        return
    if random_run:
        # only the structure: shapes and dtypes (values are random draws)
        _compare_shapes(out_o, out_t, "output", ours, theirs)
        return
    compare_values(out_o, out_t, "output", ours, theirs, rtol)
    bo = {k: v for k, v in om.state_dict().items()}
    bt = {k: v for k, v in tm.state_dict().items()}
    compare_values(bo, bt, f"state after {mode} forward", ours, theirs, rtol, grad_check=False)
    fo = [t for t in tensors_in(out_o, ours) if t.requires_grad]
    ft = [t for t in tensors_in(out_t, theirs) if t.requires_grad]
    if len(fo) != len(ft) or not ft:
        return
    po, pt = list(om.parameters()), list(tm.parameters())
    wrt_o, wrt_t = lo + po, lt + pt
    if not wrt_t:
        return
    gs = [r.x(*t.shape) for t in ft]
    stage[0] = f"{mode} backward"
    g1o, g1t, raised = both(
        stage[0], lambda: _grads(ours, fo, gs, wrt_o, dtype),
        lambda: _grads(theirs, ft, gs, wrt_t, dtype))
    if raised:
        return
    names = [f"input {i}" for i in range(len(lo))] + \
        [f"parameter {n}" for n, _ in tm.named_parameters()]
    for n, a, b in zip(names, g1o, g1t):
        compare_values(a, b, f"grad of {n}", ours, theirs, rtol, grad_check=False)
    vs = [r.x(*g.shape) if g is not None else None for g in g1t]
    stage[0] = f"{mode} double backward"
    try:
        g2o, g2t, raised = both(
            stage[0], lambda: _second(ours, g1o, vs, wrt_o, dtype),
            lambda: _second(theirs, g1t, vs, wrt_t, dtype))
    except Found as f:
        if f.kind == "we-run" and "derivative for" in f.theirs and "not implemented" in f.theirs:
            return  # torch has no second derivative of this kernel: no oracle to compare
        raise
    if raised:
        return
    for n, a, b in zip(names, g2o, g2t):
        compare_values(a, b, f"second derivative of {n}", ours, theirs, 10 * rtol,
                       grad_check=False, none_is_zero=True)


def _compare_shapes(o: Any, t: Any, where: str, ours: Lib, theirs: Lib) -> None:
    to, tt = tensors_in(o, ours), tensors_in(t, theirs)
    so = [(tuple(x.shape), ours.dtype_name(x)) for x in to]
    st = [(tuple(x.shape), theirs.dtype_name(x)) for x in tt]
    if so != st:
        raise Found("shape", where, so, st)


def _grads(lib: Lib, outs: list, gs: list, wrt: list, dtype: np.dtype) -> tuple:
    """d(sum_i outs_i * g_i)/d wrt, with the graph kept for a second derivative."""
    total = None
    for o, g in zip(outs, gs):
        term = (o * lib.tensor(g, np.dtype(lib.dtype_name(o)))).sum()
        total = term if total is None else total + term
    return lib.grad(total, wrt, create_graph=True, allow_unused=True)


def _second(lib: Lib, g1: tuple, vs: list, wrt: list, dtype: np.dtype) -> tuple:
    total = None
    for g, v in zip(g1, vs):
        if g is None or v is None or not g.requires_grad:
            continue
        term = (g * lib.tensor(v, np.dtype(lib.dtype_name(g)))).sum()
        total = term if total is None else total + term
    if total is None:
        return tuple(None for _ in wrt)
    return lib.grad(total, wrt, allow_unused=True)


#: classes whose repr departs from torch's on purpose (the reason): the rest must match
REPR_DEPARTURES = {
    **dict.fromkeys(
        ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
         "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
         "CosineEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
         "TripletMarginLoss", "CosineSimilarity", "PairwiseDistance", "GaussianNLLLoss",
         "PoissonNLLLoss", "TripletMarginWithDistanceLoss", "MultiMarginLoss",
         "MultiLabelMarginLoss", "CTCLoss"],
        "shows its options (MSELoss(reduction='sum')), where torch's repr is bare "
        "(tests/test_losses.py pins it)"),
    **dict.fromkeys(["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
                     "LazyConvTranspose2d", "LazyConvTranspose3d"],
                    "compared with a torch Conv(0, ...) stand-in (see _torch_lazy_conv); "
                    "torch's own lazy class prints as ours (tests/test_nn_extras.py pins it)"),
    "ParameterList": "one line per parameter, where torch prints them on one line",
    "ParameterDict": "one line per parameter, where torch prints them on one line",
}


# --- modules: the table ---------------------------------------------------------------------

REDUCTIONS = ("mean", "sum", "none")


def _torch_maxout(in_features: int, out_features: int, pieces: int = 2,
                  bias: bool = True) -> Any:
    """torch's spelling of nn.Maxout: a Linear to out*pieces, then the max over each
    consecutive group of ``pieces`` (same parameter names: ``linear.weight``)."""
    import torch

    class Maxout(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
            self.linear = torch.nn.Linear(in_features, out_features * pieces, bias=bias)

        def forward(self, x: Any) -> Any:
            y = self.linear(x)
            return y.unflatten(-1, (-1, self.pieces)).amax(-1)

        def extra_repr(self) -> str:
            return (f"in_features={in_features}, out_features={out_features}, "
                    f"pieces={pieces}")

    if pieces < 1 or out_features * pieces < 0:
        raise ValueError("Maxout: invalid pieces")
    return Maxout()


def _torch_lazy_linear(out_features: int, bias: bool = True) -> Any:
    """LazyLinear before its first forward is a Linear(0, out): compared as that (with
    inputs of 0 features); materialization is tested in tests/test_nn_extras.py."""
    import torch

    return torch.nn.Linear(0, out_features, bias=bias)


def _torch_lazy_conv(nd: int, kind: str = "Conv") -> Callable[..., Any]:
    """LazyConv{nd}d (LazyConvTranspose{nd}d) before its first forward is a
    Conv{nd}d(0, out, ...): compared as that (construction, state_dict, a refused input);
    materialization is tested in tests/test_nn_extras.py."""
    def build(out_channels: int, kernel_size: Any, **kw: Any) -> Any:
        import torch

        return getattr(torch.nn, f"{kind}{nd}d")(0, out_channels, kernel_size, **kw)
    return build


TORCH_STANDINS: dict[str, Callable[..., Any]] = {
    "Maxout": _torch_maxout, "LazyLinear": _torch_lazy_linear,
    **{f"LazyConv{nd}d": _torch_lazy_conv(nd) for nd in (1, 2, 3)},
    **{f"LazyConvTranspose{nd}d": _torch_lazy_conv(nd, "ConvTranspose") for nd in (1, 2, 3)}}


def batch(r: R, *shape: int, unbatched_ok: bool = True) -> tuple:
    """A shape with a batch dim of 1-3 in front (or, now and then, none)."""
    if unbatched_ok and r.p(0.2):
        return shape
    return (r.int(1, 3), *shape)


def g_linear(r: R) -> Case:
    i, o = r.int(0, 4) if r.p(0.1) else r.int(1, 4), r.int(1, 4)
    lead = r.pick((), (2,), (2, 3))
    fin = i if r.p(0.9) else i + 1
    return Case((i, o), {"bias": r.p(0.7)}, (r.x(*lead, fin),))


def g_dropout(cls_dims: tuple) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        p = r.pick(0.0, 1.0, 0.3, 0.5, -0.1, 1.5)
        shape = r.pick(*cls_dims)
        return Case((p,), {"inplace": r.p(0.3)}, (r.x(*shape),), random_train=0 < p < 1)
    return gen


def g_maxout(r: R) -> Case:
    i, o, k = r.int(1, 4), r.int(1, 3), r.int(1, 3)
    return Case((i, o), {"pieces": k, "bias": r.p(0.7)}, (r.x(r.int(1, 3), i),))


def g_identity(r: R) -> Case:
    return Case(r.pick((), (3,), (3, "x")), r.pick({}, {"k": 1}), (r.x(*r.pick((), (2, 3))),))


def g_flatten(r: R) -> Case:
    rank = r.int(1, 4)
    kw = {"start_dim": r.int(-rank - 1, rank), "end_dim": r.int(-rank - 1, rank)}
    return Case((), kw, (r.x(*[r.int(1, 3) for _ in range(rank)]),))


def g_unflatten(r: R) -> Case:
    sizes = r.pick((2, 3), (3, 2), (-1, 2), (6,), (4, 2), (-1, -1))
    return Case((r.int(-2, 1),), {"unflattened_size": sizes}, (r.x(2, 6),))


def g_sequential(r: R) -> Case:
    n = r.int(0, 3)
    width = [r.int(1, 4) for _ in range(n + 1)]
    mods: list = []
    for a, b in itertools.pairwise(width):
        mods += [Build("Linear", (a, b)), Build(r.pick("ReLU", "Tanh", "Identity"))]
    return Case(tuple(mods), {}, (r.x(2, width[0]),))


def g_module_list(r: R) -> Case:
    mods = [Build("Linear", (2, r.int(1, 3))), Build("ReLU")][:r.int(0, 2)]
    return Case((mods,), {}, (r.x(2, 2),))


def g_module_dict(r: R) -> Case:
    mods = {"lin": Build("Linear", (2, 3)), "act": Build("Tanh")}
    return Case((mods if r.p(0.8) else list(mods.items()),), {}, (r.x(2, 2),))


def g_param_list(r: R) -> Case:
    return Case(([Param(r.x(2)), Param(r.x(1, 3))][:r.int(0, 2)],), {}, (r.x(2),))


def g_param_dict(r: R) -> Case:
    return Case(({"a": Param(r.x(2)), "b": Param(r.x(3))},), {}, (r.x(2),))


def g_module(r: R) -> Case:
    return Case((), {}, (r.x(2),))


def g_cosine_similarity(r: R) -> Case:
    dim = r.int(-2, 1)
    a, b = r.pick(((3, 4), (3, 4)), ((3, 4), (1, 4)), ((4,), (4,)), ((3, 4), (2, 4)))
    x1 = r.x(*a) if r.p(0.9) else np.zeros(a)
    return Case((), {"dim": dim, "eps": r.pick(1e-8, 1e-3)}, (x1, r.x(*b)))


def g_pairwise(r: R) -> Case:
    shape = r.pick((3, 4), (4,))
    p = r.pick(2.0, 1.0, 3.0, 0.5, math.inf)
    return Case((), {"p": p, "eps": r.pick(1e-6, 0.1), "keepdim": r.p(0.5)},
                (r.x(*shape), r.x(*shape)))


def g_softmin(r: R) -> Case:
    return Case((), {"dim": r.pick(0, 1, -1)}, (r.x(2, 3),))


def g_glu(r: R) -> Case:
    return Case((), {"dim": r.pick(-1, 0, 1)}, (r.x(r.pick(2, 3), 4),))


def g_activation(name: str, params: Callable[[R], dict] | None = None,
                 inplace: bool = False) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        kw = params(r) if params else {}
        if inplace and r.p(0.3):
            kw["inplace"] = True
        return Case((), kw, (r.x(*r.pick((5,), (2, 3), (2, 3, 2))),))
    return gen


def g_prelu(r: R) -> Case:
    n = r.pick(1, 3)
    return Case((), {"num_parameters": n, "init": r.pick(0.25, -0.1, 1.0)},
                (r.x(*r.pick((2, 3), (2, 3, 4), (4, 3), (3,))),))


# losses


def _red(r: R) -> dict:
    return {"reduction": r.pick(*REDUCTIONS, "mean", "batchmean" if r.p(0.05) else "mean")}


def g_pair_loss(extra: Callable[[R], dict] | None = None) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        shape = r.pick((4,), (2, 3), (2, 3, 2))
        target = r.x(*shape) if r.p(0.6) else Const(r.x(*shape))
        kw = {**_red(r), **(extra(r) if extra else {})}
        return Case((), kw, (r.x(*shape), target))
    return gen


def g_cross_entropy(r: R, nll: bool = False) -> Case:
    n, c = r.int(1, 4), r.int(2, 4)
    spatial = r.pick((), (), (2,))
    shape = (n, c, *spatial) if r.p(0.85) else (c,)
    kw: dict = _red(r)
    if r.p(0.3):
        kw["weight"] = Const(r.x(c, lo=0.1, hi=2.0))
    if r.p(0.3):
        kw["ignore_index"] = r.pick(0, 1, -1, -100)
    if not nll and r.p(0.3):
        kw["label_smoothing"] = r.pick(0.1, 0.0, 0.5, 1.2)
    tshape = (shape[0], *spatial) if len(shape) > 1 else ()
    if not nll and r.p(0.25):
        target: Any = Const(r.x(*shape, lo=0.0, hi=1.0))    # class probabilities
    else:
        target = r.ints(c if r.p(0.95) else c + 1, *tshape)
    x = r.x(*shape)
    if nll:
        x = x - np.log(np.exp(x).sum(axis=1 if x.ndim > 1 else 0, keepdims=True))
    return Case((), kw, (x, target))


def g_bce(r: R, logits: bool) -> Case:
    shape = r.pick((4,), (2, 3))
    kw: dict = _red(r)
    if r.p(0.3):
        kw["weight"] = Const(r.x(*shape[-1:], lo=0.1, hi=2.0))
    if logits and r.p(0.3):
        kw["pos_weight"] = Const(r.x(*shape[-1:], lo=0.1, hi=2.0))
    x = r.x(*shape) if logits else r.x(*shape, lo=0.02, hi=0.98)
    t = r.x(*shape, lo=0.0, hi=1.0)
    return Case((), kw, (x, t if r.p(0.5) else Const(t)))


def g_kl_div(r: R) -> Case:
    shape = r.pick((2, 3), (4,))
    log_target = r.p(0.4)
    t = r.x(*shape, lo=0.05, hi=1.0)
    kw = {"reduction": r.pick("mean", "sum", "none", "batchmean"), "log_target": log_target}
    x = np.log(r.x(*shape, lo=0.05, hi=1.0))
    return Case((), kw, (x, np.log(t) if log_target else t))


def g_margin_ranking(r: R) -> Case:
    n = r.pick(3, 1)
    return Case((), {"margin": r.pick(0.0, 0.5, -0.2), **_red(r)},
                (r.x(n), r.x(n), Const(r.signs(n))))


def g_hinge(r: R) -> Case:
    shape = r.pick((4,), (2, 3))
    return Case((), {"margin": r.pick(1.0, 0.5, 2.0), **_red(r)},
                (r.x(*shape), Const(r.signs(*shape))))


def g_cosine_embedding(r: R) -> Case:
    n, d = r.int(1, 3), r.int(2, 4)
    shapes = ((n, d), (n,)) if r.p(0.85) else ((d,), ())
    # NOTE: normal draws only: a zero vector makes the gradient ~1e5, where the last
    # digits of the two libraries' eps handling part
    x1, x2 = r.np.standard_normal(shapes[0]), r.np.standard_normal(shapes[0])
    return Case((), {"margin": r.pick(0.0, 0.3, -0.5), **_red(r)},
                (x1, x2, Const(r.signs(*shapes[1]))))


def g_soft_margin(r: R) -> Case:
    shape = r.pick((4,), (2, 3))
    return Case((), _red(r), (r.x(*shape), Const(r.signs(*shape))))


def g_multilabel_soft_margin(r: R) -> Case:
    n, c = r.int(1, 3), r.int(2, 4)
    kw: dict = _red(r)
    if r.p(0.3):
        kw["weight"] = Const(r.x(c, lo=0.1, hi=2.0))
    return Case((), kw, (r.x(n, c), Const(r.ints(2, n, c).astype(np.float64))))


def g_multi_margin(r: R) -> Case:
    n, c = r.int(1, 3), r.int(2, 4)
    kw: dict = {"p": r.pick(1, 2), "margin": r.pick(1.0, 0.5), **_red(r)}
    if r.p(0.3):
        kw["weight"] = Const(r.x(c, lo=0.1, hi=2.0))
    if r.p(0.2):  # unbatched
        return Case((), kw, (r.x(c), r.ints(c)))
    return Case((), kw, (r.x(n, c), r.ints(c, n)))


def g_multilabel_margin(r: R) -> Case:
    n, c = r.int(1, 3), r.int(1, 4)
    return Case((), _red(r), (r.x(n, c), r.ints(c, n, c, lo=-1)))  # (-1 ends a row's labels)


def g_ctc(r: R) -> Case:
    t, n, c = r.int(3, 6), r.int(1, 3), r.int(2, 4)
    s = r.int(1, 3)
    x = r.x(t, n, c)
    x = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))  # log-probabilities
    targets = r.ints(c, n, s, lo=1)  # (blank 0 never a label)
    kw = {"blank": 0, "zero_infinity": r.p(0.5), **{"reduction": r.pick("mean", "sum", "none")}}
    return Case((), kw, (x, targets, (t,) * n, (s,) * n))


def g_triplet(r: R) -> Case:
    shape = r.pick((3, 4), (4,))
    kw = {"margin": r.pick(1.0, 0.0, 2.0), "p": r.pick(2.0, 1.0, 3.0),
          "eps": r.pick(1e-6, 0.1), "swap": r.p(0.3), **_red(r)}
    return Case((), kw, (r.x(*shape), r.x(*shape), r.x(*shape)))


# convolution and pooling


def _nd(r: R, n: int, lo: int, hi: int) -> Any:
    """An int, or a tuple of ``n`` ints."""
    if n == 1 or r.p(0.5):
        return r.int(lo, hi)
    return tuple(r.int(lo, hi) for _ in range(n))


def g_conv(n: int, transpose: bool) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        groups = r.pick(1, 1, 2)
        cin, cout = groups * r.int(1, 2), groups * r.int(1, 2)
        k = _nd(r, n, 1, 3)
        kw: dict = {"stride": _nd(r, n, 1, 2), "dilation": _nd(r, n, 1, 2), "groups": groups,
                    "bias": r.p(0.7)}
        if transpose:
            kw["padding"] = _nd(r, n, 0, 1)
            kw["output_padding"] = r.pick(0, 0, 1)
        else:
            kw["padding"] = r.pick(_nd(r, n, 0, 2), "same", "valid")
            if r.p(0.3):
                kw["padding_mode"] = r.pick("reflect", "replicate", "circular")
        shape = batch(r, cin, *[r.int(3, 6) for _ in range(n)])
        return Case((cin, cout, k), kw, (r.x(*shape),))
    return gen


def g_maxpool(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        k = _nd(r, n, 1, 3)
        kw = {"stride": r.pick(None, _nd(r, n, 1, 2)), "padding": _nd(r, n, 0, 1),
              "dilation": _nd(r, n, 1, 2), "return_indices": r.p(0.3),
              "ceil_mode": r.p(0.3)}
        return Case((k,), kw, (r.x(*batch(r, 2, *[r.int(3, 6) for _ in range(n)])),))
    return gen


def g_avgpool(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        k = _nd(r, n, 1, 3)
        kw: dict = {"stride": r.pick(None, _nd(r, n, 1, 2)), "padding": _nd(r, n, 0, 1),
                    "ceil_mode": r.p(0.3), "count_include_pad": r.p(0.5)}
        if n == 2 and r.p(0.2):
            kw["divisor_override"] = r.pick(2, 3)
        return Case((k,), kw, (r.x(*batch(r, 2, *[r.int(3, 6) for _ in range(n)])),))
    return gen


def g_adaptive(n: int, is_max: bool) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        size: Any = r.int(1, 4)
        if n == 2 and r.p(0.4):
            size = (r.pick(None, 1, 2, 3), r.pick(None, 1, 2, 3))
        kw = {"return_indices": r.p(0.3)} if is_max else {}
        return Case((size,), kw, (r.x(*batch(r, 2, *[r.int(2, 6) for _ in range(n)])),))
    return gen


def g_unfold(r: R) -> Case:
    kw = {"dilation": r.pick(1, 2), "padding": r.pick(0, 1), "stride": r.pick(1, 2)}
    return Case((r.pick(1, 2, (2, 1)),), kw, (r.x(*batch(r, 2, 4, 5)),))


def g_fold(r: R) -> Case:
    k, out = r.pick(1, 2), r.pick((3, 4), 4)
    oh, ow = (out, out) if isinstance(out, int) else out
    stride = r.pick(1, 2)
    blocks = ((oh - k) // stride + 1) * ((ow - k) // stride + 1)
    blocks = blocks if r.p(0.9) else blocks + 1
    return Case((out, k), {"stride": stride}, (r.x(*batch(r, 2 * k * k, blocks)),))


# normalization


def g_batchnorm(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        c = r.int(1, 3)
        kw = {"eps": r.pick(1e-5, 0.1), "momentum": r.pick(0.1, None, 0.5),
              "affine": r.p(0.7), "track_running_stats": r.p(0.7)}
        spatial = {1: r.pick((), (3,)), 2: (2, 3), 3: (2, 2, 2)}[n]
        nb = r.pick(2, 3, 1) if spatial else r.pick(2, 3)
        shape = (nb, c, *spatial) if r.p(0.9) else (c, *spatial)
        return Case((c,), kw, (r.x(*shape),))
    return gen


def g_instancenorm(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        c = r.int(1, 3)
        kw = {"eps": r.pick(1e-5, 0.1), "momentum": r.pick(0.1, 0.5),
              "affine": r.p(0.5), "track_running_stats": r.p(0.4)}
        spatial = (r.int(2, 4),) * n
        return Case((c,), kw, (r.x(*batch(r, c, *spatial)),))
    return gen


def g_layernorm(r: R) -> Case:
    shape = r.pick((2, 3), (2, 3, 4))
    norm = shape[-r.int(1, len(shape) - 1):]
    arg: Any = norm[0] if len(norm) == 1 and r.p(0.5) else list(norm)
    kw = {"eps": r.pick(1e-5, 0.1), "elementwise_affine": r.p(0.7), "bias": r.p(0.8)}
    return Case((arg,), kw, (r.x(*shape),))


def g_groupnorm(r: R) -> Case:
    g = r.pick(1, 2, 3)
    c = g * r.int(1, 2) if r.p(0.9) else g + 1
    kw = {"eps": r.pick(1e-5, 0.1), "affine": r.p(0.7)}
    return Case((g, c), kw, (r.x(r.int(1, 3), c, *r.pick((), (3,), (2, 2))),))


# recurrent (nn/rnn.py)


def g_rnn(mode: str) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        i, h, layers = r.int(1, 3), r.int(1, 3), r.int(1, 2)
        bi = r.p(0.4)
        kw: dict = {"num_layers": layers, "bias": r.p(0.8), "batch_first": r.p(0.4),
                    "bidirectional": bi}
        if mode == "RNN":
            kw["nonlinearity"] = r.pick("tanh", "relu")
        proj = mode == "LSTM" and r.p(0.25) and h > 1
        if proj:
            kw["proj_size"] = h - 1
        length, n = r.int(1, 3), r.int(1, 2)
        batched = r.p(0.8)
        shape = ((n, length) if kw["batch_first"] else (length, n)) if batched else (length,)
        inputs: tuple = (r.x(*shape, i),)
        if r.p(0.4):
            d = 2 if bi else 1
            hshape = (layers * d, n) if batched else (layers * d,)
            h0 = r.x(*hshape, kw.get("proj_size", h))
            inputs += ((h0, r.x(*hshape, h)),) if mode == "LSTM" else (h0,)
        return Case((i, h), kw, inputs)
    return gen


def g_rnn_base(r: R) -> Case:
    return Case((r.pick("LSTM", "GRU", "RNN_TANH", "RNN_RELU"), 2, 3), {}, (r.x(1, 1, 2),))


def g_cell(mode: str) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        i, h = r.int(1, 3), r.int(1, 3)
        kw: dict = {"bias": r.p(0.8)}
        if mode == "RNNCell":
            kw["nonlinearity"] = r.pick("tanh", "relu")
        lead = (r.int(1, 3),) if r.p(0.8) else ()
        inputs: tuple = (r.x(*lead, i),)
        if r.p(0.5):
            hx = r.x(*lead, h)
            inputs += ((hx, r.x(*lead, h)),) if mode == "LSTMCell" else (hx,)
        return Case((i, h), kw, inputs)
    return gen


def g_cell_base(r: R) -> Case:
    return Case((2, 3), {"bias": True, "num_chunks": r.pick(1, 3, 4)}, (r.x(1, 2),))


# sparse


def g_embedding(r: R) -> Case:
    num, dim = r.int(2, 5), r.int(1, 3)
    kw: dict = {}
    if r.p(0.3):
        kw["padding_idx"] = r.pick(0, -1, num - 1)
    if r.p(0.3):
        kw["max_norm"] = r.pick(1.0, 0.5)
        kw["norm_type"] = r.pick(2.0, 1.0)
    if r.p(0.2):
        kw["scale_grad_by_freq"] = True
    idx = r.ints(num if r.p(0.95) else num + 1, *r.pick((3,), (2, 2), ()))
    return Case((num, dim), kw, (idx,))


def g_embedding_bag(r: R) -> Case:
    num, dim = r.int(2, 5), r.int(1, 3)
    mode = r.pick("mean", "sum", "max")
    kw: dict = {"mode": mode}
    if r.p(0.2):
        kw["padding_idx"] = r.pick(0, num - 1)
    if r.p(0.2):
        kw["max_norm"] = 1.0
    if r.p(0.3):
        idx = r.ints(num, 2, 3)
        inputs: tuple = (idx,)
        fkw: dict = {}
    else:
        idx = r.ints(num, 5)
        offsets = np.array(sorted([0, *r.ints(6, 2)]), np.int64)
        kw["include_last_offset"] = r.p(0.3)
        inputs, fkw = (idx, offsets), {}
    if mode == "sum" and r.p(0.4):
        fkw["per_sample_weights"] = r.x(*idx.shape)
    return Case((num, dim), kw, inputs, fkw)


# attention and transformers


def g_mha(r: R) -> Case:
    heads = r.pick(1, 2)
    e = heads * r.int(1, 2)
    kw: dict = {"bias": r.p(0.8), "add_bias_kv": r.p(0.2), "add_zero_attn": r.p(0.2),
                "batch_first": r.p(0.4), "dropout": r.pick(0.0, 0.0, 0.5)}
    kd = vd = e
    if r.p(0.25):
        kd, vd = r.int(1, 3), r.int(1, 3)
        kw["kdim"], kw["vdim"] = kd, vd
    lq, lk, n = r.int(1, 3), r.int(1, 3), r.int(1, 2)
    batched = r.p(0.85)

    def shape(length: int, d: int) -> tuple:
        if not batched:
            return (length, d)
        return (n, length, d) if kw["batch_first"] else (length, n, d)

    fkw: dict = {"need_weights": r.p(0.7), "average_attn_weights": r.p(0.7)}
    if r.p(0.3):
        fkw["attn_mask"] = r.pick(np.triu(np.ones((lq, lk), bool), 1),
                                  Const(r.x(lq, lk)))
    if r.p(0.2) and batched:
        mask = np.zeros((n, lk), bool)
        mask[:, -1] = lk > 1
        fkw["key_padding_mask"] = mask
    return Case((e, heads), kw, (r.x(*shape(lq, e)), r.x(*shape(lk, kd)), r.x(*shape(lk, vd))),
                fkw, random_train=kw["dropout"] > 0)


def _layer_kwargs(r: R, d: int) -> dict:
    return {"dim_feedforward": r.int(1, 4), "dropout": r.pick(0.0, 0.0, 0.1),
            "activation": r.pick("relu", "gelu"), "layer_norm_eps": r.pick(1e-5, 0.1),
            "batch_first": r.p(0.5), "norm_first": r.p(0.5), "bias": r.p(0.8)}


def _seq(r: R, batch_first: bool, length: int, n: int, d: int) -> np.ndarray:
    return r.x(*((n, length, d) if batch_first else (length, n, d)))


def g_encoder_layer(r: R) -> Case:
    heads = r.pick(1, 2)
    d = heads * 4  # NOTE: LayerNorm over 2 features is too ill-conditioned for float32 grads
    kw = _layer_kwargs(r, d)
    x = _seq(r, kw["batch_first"], r.int(1, 3), r.int(1, 2), d)
    fkw = {"is_causal": False}
    return Case((d, heads), kw, (x,), fkw if r.p(0.2) else {}, random_train=kw["dropout"] > 0)


def g_decoder_layer(r: R) -> Case:
    heads = r.pick(1, 2)
    d = heads * 4  # NOTE: LayerNorm over 2 features is too ill-conditioned for float32 grads
    kw = _layer_kwargs(r, d)
    n = r.int(1, 2)
    tgt = _seq(r, kw["batch_first"], r.int(1, 3), n, d)
    mem = _seq(r, kw["batch_first"], r.int(1, 3), n, d)
    return Case((d, heads), kw, (tgt, mem), random_train=kw["dropout"] > 0)


def g_encoder(r: R) -> Case:
    inner = g_encoder_layer(r)
    kw: dict = {"enable_nested_tensor": False}
    if r.p(0.5):
        kw["norm"] = Build("LayerNorm", (inner.args[0],))
    return Case((Build("TransformerEncoderLayer", inner.args, inner.kwargs), r.int(1, 2)), kw,
                inner.inputs, random_train=inner.random_train)


def g_decoder(r: R) -> Case:
    inner = g_decoder_layer(r)
    kw: dict = {}
    if r.p(0.5):
        kw["norm"] = Build("LayerNorm", (inner.args[0],))
    return Case((Build("TransformerDecoderLayer", inner.args, inner.kwargs), r.int(1, 2)), kw,
                inner.inputs, random_train=inner.random_train)


def g_transformer(r: R) -> Case:
    heads = r.pick(1, 2)
    d = heads * 4  # NOTE: LayerNorm over 2 features is too ill-conditioned for float32 grads
    kw = {"d_model": d, "nhead": heads, "num_encoder_layers": r.int(1, 2),
          "num_decoder_layers": r.int(1, 2), **_layer_kwargs(r, d)}
    n = r.int(1, 2)
    src = _seq(r, kw["batch_first"], r.int(1, 3), n, d)
    tgt = _seq(r, kw["batch_first"], r.int(1, 3), n, d)
    return Case((), kw, (src, tgt), random_train=kw["dropout"] > 0)


# upsampling


def g_upsample(r: R) -> Case:
    mode = r.pick("nearest", "linear", "bilinear", "bicubic", "nearest-exact", "trilinear")
    n = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode, r.int(1, 2))
    kw: dict = {"mode": mode}
    if r.p(0.5):
        kw["scale_factor"] = r.pick(2, 1.5, 0.5, 3.0)
    else:
        kw["size"] = r.int(1, 5)
    if mode not in ("nearest", "nearest-exact") and r.p(0.5):
        kw["align_corners"] = r.p(0.5)
    return Case((), kw, (r.x(r.int(1, 2), 2, *[r.int(2, 4) for _ in range(n)]),))


def g_upsampling2d(r: R) -> Case:
    kw = {"scale_factor": r.pick(2, 3)} if r.p(0.5) else {"size": r.pick(3, (2, 5))}
    return Case((), kw, (r.x(1, 2, r.int(2, 4), r.int(2, 4)),))


# nn breadth beyond the basics: padding, shuffles, 3-d, unpool, LP pool, new norms and losses


def g_pad(kind: str, n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        pad: Any = r.int(0, 2) if r.p(0.4) else tuple(r.int(-1, 2) for _ in range(2 * n))
        args = (pad, r.pick(0.0, 1.5, -2.0)) if kind == "ConstantPad" else (pad,)
        sizes = [r.int(2, 4) for _ in range(n)]
        if isinstance(pad, tuple):
            # NOTE: no dim padded to nothing (torch's gradient of an empty result is
            # uninitialized memory), and no circular wrap past the cells a negative width
            # keeps (refused here; torch raises or returns uninitialized memory), both
            # pinned in tests/test_nn_extras.py
            least = [1 - pad[2 * i] - pad[2 * i + 1] for i in range(n)]
            if kind == "CircularPad":
                least = [2 * max(pad[2 * i:2 * i + 2]) + 2 for i in range(n)]
            sizes = [max(m, k) for m, k in zip(sizes, reversed(least))]
        return Case(args, {}, (r.x(*batch(r, 2, *sizes)),))
    return gen


def g_pixel_shuffle(unshuffle: bool) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        f = r.pick(1, 2, 2, 3)
        c = r.int(1, 2)
        shape = (c, 2 * f, f) if unshuffle else (c * f * f, 2, 1)
        return Case((f,), {}, (r.x(*batch(r, *shape)),))
    return gen


def g_channel_shuffle(r: R) -> Case:
    return Case((r.pick(1, 2, 3, 4),), {}, (r.x(r.int(1, 2), 6, *r.pick((2,), (2, 2))),))


def g_softmax2d(r: R) -> Case:
    return Case((), {}, (r.x(*batch(r, 3, 2, 2)),))


def g_rrelu(r: R) -> Case:
    lo, hi = r.pick((0.125, 1 / 3), (0.1, 0.3), (0.2, 0.2), (0.5, 0.1))
    return Case((lo, hi), {"inplace": r.p(0.3)}, (r.x(2, 3),), random_train=True)


def g_rmsnorm(r: R) -> Case:
    shape = r.pick((2, 3), (2, 3, 4))
    norm = shape[-r.int(1, len(shape) - 1):]
    arg: Any = norm[0] if len(norm) == 1 and r.p(0.5) else list(norm)
    kw = {"eps": r.pick(None, 1e-5, 0.1), "elementwise_affine": r.p(0.7)}
    return Case((arg,), kw, (r.x(*shape),))


def g_lrn(r: R) -> Case:
    kw = {"alpha": r.pick(1e-4, 0.5), "beta": r.pick(0.75, 1.0), "k": r.pick(1.0, 2.0)}
    return Case((r.pick(1, 2, 3),), kw, (r.x(r.int(1, 2), 4, *r.pick((3,), (2, 2))),))


def g_bilinear(r: R) -> Case:
    i1, i2, o = r.int(1, 3), r.int(1, 3), r.int(1, 3)
    lead = r.pick((2,), (2, 2), ())
    return Case((i1, i2, o), {"bias": r.p(0.7)}, (r.x(*lead, i1), r.x(*lead, i2)))


def g_lazy_conv(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        kw = {"stride": _nd(r, n, 1, 2), "bias": r.p(0.7)}
        return Case((r.int(1, 3), _nd(r, n, 1, 3)), kw, (r.x(*([2] * r.pick(n, n + 3))),))
    return gen


def g_lazy_linear(r: R) -> Case:
    return Case((r.int(1, 3),), {"bias": r.p(0.7)}, (r.x(2, 0),))


def g_gaussian_nll(r: R) -> Case:
    shape = r.pick((4,), (2, 3))
    var_shape = r.pick(shape, (*shape[:-1], 1), shape[:-1]) if len(shape) > 1 else shape
    kw = {"full": r.p(0.5), "eps": r.pick(1e-6, 0.5), **_red(r)}
    return Case((), kw, (r.x(*shape), r.x(*shape), r.x(*var_shape, lo=0.1, hi=2.0)))


def g_poisson_nll(r: R) -> Case:
    shape = r.pick((4,), (2, 3))
    log_input = r.p(0.6)
    x = r.x(*shape) if log_input else r.x(*shape, lo=0.1, hi=3.0)
    target = Const(r.ints(5, *shape).astype(np.float64))
    return Case((), {"log_input": log_input, "full": r.p(0.4), **_red(r)}, (x, target))


def g_triplet_distance(r: R) -> Case:
    shape = r.pick((3, 4), (4,))
    kw = {"margin": r.pick(1.0, 0.5, 2.0), "swap": r.p(0.3), **_red(r)}
    if r.p(0.3):
        kw["distance_function"] = Build("PairwiseDistance", (), {"p": 1.0})
    return Case((), kw, (r.x(*shape), r.x(*shape), r.x(*shape)))


def g_max_unpool(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        c, out = r.int(1, 2), [r.int(1, 3) for _ in range(n)]
        full = [2 * o for o in out]
        grids = np.meshgrid(*[np.arange(o) for o in out], indexing="ij")
        pos = [(2 * g + r.np.integers(0, 2, g.shape)) for g in grids]
        flat = np.ravel_multi_index(pos, full).astype(np.int64)
        idx = np.broadcast_to(flat, (1, c, *out)).copy()
        fkw = {"output_size": tuple(f + 1 for f in full)} if r.p(0.3) else {}
        return Case((2,), {}, (r.x(1, c, *out), idx), fkw)
    return gen


def g_lp_pool(n: int) -> Callable[[R], Case]:
    def gen(r: R) -> Case:
        k = _nd(r, n, 1, 3)
        kw = {"stride": r.pick(None, _nd(r, n, 1, 2)), "ceil_mode": r.p(0.3)}
        norm = r.pick(2, 1, 3.0, 1.5)
        shape = batch(r, 2, *[r.int(3, 5) for _ in range(n)])
        return Case((norm, k), kw, (r.x(*shape, lo=0.1, hi=2.0),))
    return gen


def _softplus(r: R) -> dict:
    return {"beta": r.pick(1.0, 2.0, 0.5), "threshold": r.pick(20.0, 30.0)}


MODULES: dict[str, Entry] = {
    "Module": Entry(g_module),
    "Linear": Entry(g_linear),
    "Dropout": Entry(g_dropout(((5,), (2, 3), (2, 3, 4)))),
    "Dropout1d": Entry(g_dropout(((2, 3, 4), (3, 4)))),
    "Dropout2d": Entry(g_dropout(((2, 3, 2, 2), (3, 2, 2)))),
    "Maxout": Entry(g_maxout),
    "Identity": Entry(g_identity),
    "Flatten": Entry(g_flatten),
    "Unflatten": Entry(g_unflatten),
    "Sequential": Entry(g_sequential),
    "ModuleList": Entry(g_module_list),
    "ModuleDict": Entry(g_module_dict),
    "ParameterList": Entry(g_param_list),
    "ParameterDict": Entry(g_param_dict),
    "CosineSimilarity": Entry(g_cosine_similarity),
    "PairwiseDistance": Entry(g_pairwise),
    "Softmin": Entry(g_softmin),
    "GLU": Entry(g_glu),
    "Activation": Entry(lambda r: Case(), ours_only=(
        "the registry-driven base of the activation modules: it has no activation of its "
        "own, so constructing it raises")),
    "ReLU": Entry(g_activation("relu", inplace=True)),
    "LeakyReLU": Entry(g_activation(
        "leaky_relu", lambda r: {"negative_slope": r.pick(0.01, 0.2, 1.0, -0.1)}, inplace=True)),
    "Sigmoid": Entry(g_activation("sigmoid")),
    "Tanh": Entry(g_activation("tanh")),
    "Softmax": Entry(g_activation("softmax", lambda r: {"dim": r.pick(0, -1, 1)})),
    "LogSoftmax": Entry(g_activation("log_softmax", lambda r: {"dim": r.pick(0, -1, 1)})),
    "ELU": Entry(g_activation("elu", lambda r: {"alpha": r.pick(1.0, 0.5, 2.0)}, inplace=True)),
    "Softplus": Entry(g_activation("softplus", _softplus)),
    "SiLU": Entry(g_activation("silu", inplace=True)),
    "GELU": Entry(g_activation("gelu", lambda r: {"approximate": r.pick("none", "tanh")})),
    "Hardtanh": Entry(g_activation("hardtanh", lambda r: {
        "min_val": r.pick(-1.0, -2.0, 0.0), "max_val": r.pick(1.0, 0.5, 2.0)}, inplace=True)),
    "ReLU6": Entry(g_activation("relu6", inplace=True)),
    "Hardsigmoid": Entry(g_activation("hardsigmoid", inplace=True)),
    "Softsign": Entry(g_activation("softsign")),
    "SELU": Entry(g_activation("selu", inplace=True)),
    "CELU": Entry(g_activation("celu", lambda r: {"alpha": r.pick(1.0, 0.5, 2.0)},
                               inplace=True)),
    "Softshrink": Entry(g_activation("softshrink", lambda r: {"lambd": r.pick(0.5, 1.0, 0.0)})),
    "Hardshrink": Entry(g_activation("hardshrink", lambda r: {"lambd": r.pick(0.5, 1.0, 0.0)})),
    "Threshold": Entry(g_activation("threshold", lambda r: {
        "threshold": r.pick(0.0, 0.5, -1.0), "value": r.pick(0.0, -2.0, 1.5)}, inplace=True)),
    "Tanhshrink": Entry(g_activation("tanhshrink")),
    "Mish": Entry(g_activation("mish", inplace=True)),
    "Hardswish": Entry(g_activation("hardswish", inplace=True)),
    "LogSigmoid": Entry(g_activation("logsigmoid")),
    "PReLU": Entry(g_prelu),
    "MSELoss": Entry(g_pair_loss()),
    "L1Loss": Entry(g_pair_loss()),
    "SmoothL1Loss": Entry(g_pair_loss(lambda r: {"beta": r.pick(1.0, 0.5, 0.0)})),
    "HuberLoss": Entry(g_pair_loss(lambda r: {"delta": r.pick(1.0, 0.5, 2.0)})),
    "CrossEntropyLoss": Entry(g_cross_entropy),
    "NLLLoss": Entry(lambda r: g_cross_entropy(r, nll=True)),
    "BCELoss": Entry(lambda r: g_bce(r, logits=False)),
    "BCEWithLogitsLoss": Entry(lambda r: g_bce(r, logits=True)),
    "KLDivLoss": Entry(g_kl_div),
    "MarginRankingLoss": Entry(g_margin_ranking),
    "HingeEmbeddingLoss": Entry(g_hinge),
    "CosineEmbeddingLoss": Entry(g_cosine_embedding),
    "SoftMarginLoss": Entry(g_soft_margin),
    "MultiLabelSoftMarginLoss": Entry(g_multilabel_soft_margin),
    "MultiMarginLoss": Entry(g_multi_margin),
    "MultiLabelMarginLoss": Entry(g_multilabel_margin),
    "CTCLoss": Entry(g_ctc),
    "TripletMarginLoss": Entry(g_triplet),
    "Conv1d": Entry(g_conv(1, transpose=False)),
    "Conv2d": Entry(g_conv(2, transpose=False)),
    "ConvTranspose1d": Entry(g_conv(1, transpose=True)),
    "ConvTranspose2d": Entry(g_conv(2, transpose=True)),
    "MaxPool1d": Entry(g_maxpool(1)),
    "MaxPool2d": Entry(g_maxpool(2)),
    "AvgPool1d": Entry(g_avgpool(1)),
    "AvgPool2d": Entry(g_avgpool(2)),
    "AdaptiveAvgPool1d": Entry(g_adaptive(1, is_max=False)),
    "AdaptiveAvgPool2d": Entry(g_adaptive(2, is_max=False)),
    "AdaptiveMaxPool1d": Entry(g_adaptive(1, is_max=True)),
    "AdaptiveMaxPool2d": Entry(g_adaptive(2, is_max=True)),
    "Unfold": Entry(g_unfold),
    "Fold": Entry(g_fold),
    "BatchNorm1d": Entry(g_batchnorm(1)),
    "BatchNorm2d": Entry(g_batchnorm(2)),
    "BatchNorm3d": Entry(g_batchnorm(3)),
    "InstanceNorm1d": Entry(g_instancenorm(1)),
    "InstanceNorm2d": Entry(g_instancenorm(2)),
    "LayerNorm": Entry(g_layernorm),
    "GroupNorm": Entry(g_groupnorm),
    "RNNBase": Entry(g_rnn_base),
    "RNN": Entry(g_rnn("RNN")),
    "LSTM": Entry(g_rnn("LSTM")),
    "GRU": Entry(g_rnn("GRU")),
    "RNNCellBase": Entry(g_cell_base),
    "RNNCell": Entry(g_cell("RNNCell")),
    "LSTMCell": Entry(g_cell("LSTMCell")),
    "GRUCell": Entry(g_cell("GRUCell")),
    "Embedding": Entry(g_embedding),
    "EmbeddingBag": Entry(g_embedding_bag),
    "MultiheadAttention": Entry(g_mha),
    "TransformerEncoderLayer": Entry(g_encoder_layer),
    "TransformerEncoder": Entry(g_encoder),
    "TransformerDecoderLayer": Entry(g_decoder_layer),
    "TransformerDecoder": Entry(g_decoder),
    "Transformer": Entry(g_transformer),
    "Upsample": Entry(g_upsample),
    "UpsamplingNearest2d": Entry(g_upsampling2d),
    "UpsamplingBilinear2d": Entry(g_upsampling2d),
    **{f"{kind}{n}d": Entry(g_pad(kind, n)) for kind in
       ("ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad")
       for n in (1, 2, 3)},
    "PixelShuffle": Entry(g_pixel_shuffle(unshuffle=False)),
    "PixelUnshuffle": Entry(g_pixel_shuffle(unshuffle=True)),
    "ChannelShuffle": Entry(g_channel_shuffle),
    "Softmax2d": Entry(g_softmax2d),
    "RReLU": Entry(g_rrelu),
    "RMSNorm": Entry(g_rmsnorm),
    "LocalResponseNorm": Entry(g_lrn),
    "InstanceNorm3d": Entry(g_instancenorm(3)),
    "Bilinear": Entry(g_bilinear),
    "LazyLinear": Entry(g_lazy_linear),
    **{f"LazyConv{n}d": Entry(g_lazy_conv(n)) for n in (1, 2, 3)},
    **{f"LazyConvTranspose{n}d": Entry(g_lazy_conv(n)) for n in (1, 2, 3)},
    "GaussianNLLLoss": Entry(g_gaussian_nll),
    "PoissonNLLLoss": Entry(g_poisson_nll),
    "TripletMarginWithDistanceLoss": Entry(g_triplet_distance),
    "Conv3d": Entry(g_conv(3, transpose=False)),
    "ConvTranspose3d": Entry(g_conv(3, transpose=True)),
    "MaxPool3d": Entry(g_maxpool(3)),
    "AvgPool3d": Entry(g_avgpool(3)),
    "AdaptiveAvgPool3d": Entry(g_adaptive(3, is_max=False)),
    "AdaptiveMaxPool3d": Entry(g_adaptive(3, is_max=True)),
    "MaxUnpool1d": Entry(g_max_unpool(1)),
    "MaxUnpool2d": Entry(g_max_unpool(2)),
    "MaxUnpool3d": Entry(g_max_unpool(3)),
    "LPPool1d": Entry(g_lp_pool(1)),
    "LPPool2d": Entry(g_lp_pool(2)),
    "LPPool3d": Entry(g_lp_pool(3)),
    "Dropout3d": Entry(g_dropout(((2, 3, 2, 2, 2), (3, 2, 2, 2)))),
    "AlphaDropout": Entry(g_dropout(((5,), (2, 3)))),
    "FeatureAlphaDropout": Entry(g_dropout(((2, 3, 4), (2, 3, 2, 2)))),
}


def module_classes() -> list[str]:
    """Every ``nn.Module`` subclass that ``ta.nn`` exports, by name."""
    names = []
    for name in ta.nn.__all__:
        obj = getattr(ta.nn, name, None)
        if inspect.isclass(obj) and issubclass(obj, ta.nn.Module):
            names.append(name)
    return names


# --- optimizers ------------------------------------------------------------------------------

#: hyperparameter draws by name (the first value is drawn most often; the last ones are
#: invalid now and then, to compare errors)
HYPER: dict[str, Callable[[R], Any]] = {
    "lr": lambda r: r.pick(1e-2, 1e-3, 0.1, 0.5) if r.p(0.95) else r.pick(-0.1, 0.0),
    "momentum": lambda r: r.pick(0.9, 0.0, 0.5) if r.p(0.95) else -0.1,
    "dampening": lambda r: r.pick(0.0, 0.1, 0.5),
    "weight_decay": lambda r: r.pick(0.0, 0.01, 0.1) if r.p(0.95) else -0.1,
    "nesterov": lambda r: r.p(0.5),
    "betas": lambda r: r.pick((0.9, 0.999), (0.5, 0.9), (0.0, 0.99), (0.99, 0.0))
    if r.p(0.95) else r.pick((1.0, 0.9), (0.9, -0.1)),
    "eps": lambda r: r.pick(1e-8, 1e-3, 0.1) if r.p(0.95) else -1.0,
    "amsgrad": lambda r: r.p(0.5),
    "maximize": lambda r: r.p(0.3),
    "foreach": lambda r: r.pick(None, False, True),
    "capturable": lambda r: r.p(0.1),
    "centered": lambda r: r.p(0.5),
    # NOTE: not alpha=0 with centered: v - gbar^2 is then g^2 - g^2, exactly 0 here and a
    # rounding error of either sign in torch's fused addcmul (sqrt of it: nan or noise)
    "alpha": lambda r: r.pick(0.99, 0.5, 0.9) if r.p(0.95) else -0.5,
    "lr_decay": lambda r: r.pick(0.0, 0.1) if r.p(0.95) else -0.1,
    "initial_accumulator_value": lambda r: r.pick(0.0, 0.1) if r.p(0.95) else -0.1,
    "rho": lambda r: r.pick(0.9, 0.5, 0.0) if r.p(0.95) else 1.5,
    "momentum_decay": lambda r: r.pick(4e-3, 0.1) if r.p(0.95) else -0.1,
    "decoupled_weight_decay": lambda r: r.p(0.5),
}

#: per-group overrides a second param group draws
GROUP_KEYS = ("lr", "weight_decay", "momentum", "betas", "eps", "maximize", "alpha", "rho")


#: optimizers cross-checked with torch by their own tests (tests/test_optim_torchlike.py:
#: LBFGS needs a closure, the others have options the draws below do not know)
OWN_TESTS = {"LBFGS", "Rprop", "ASGD", "Adafactor"}


def optimizer_classes() -> list[str]:
    """Every optimizer class that ``ta.optim`` exports (the base ``Optimizer`` and the
    ones in OWN_TESTS aside)."""
    return [n for n in ta.optim.__all__
            if inspect.isclass(getattr(ta.optim, n)) and issubclass(getattr(ta.optim, n),
                                                                    ta.optim.Optimizer)
            and n != "Optimizer" and n not in OWN_TESTS]


@dataclass
class OptCase:
    """One drawn optimizer run: kwargs, an optional second group's overrides, the
    parameters' starting values, the steps, and where the state dict is round-tripped."""

    name: str
    kwargs: dict
    group2: dict | None
    values: list
    steps: int
    reload_at: int
    set_to_none: bool
    reload_from_torch: bool

    def source(self) -> str:
        groups = "params" if self.group2 is None else \
            f"[{{'params': params[:2]}}, {{'params': params[2:], {_call_args((), self.group2)}}}]"
        return (f"params = [{', '.join(f'nn.Parameter(<{list(v.shape)}>)' for v in self.values)}]"
                f"\nopt = optim.{self.name}({groups}, {_call_args((), self.kwargs)})"
                f"\n{self.steps} steps of loss(params).backward(); opt.step(); state dict "
                f"round trip after step {self.reload_at}"
                + (" (torch's state dict into ours)" if self.reload_from_torch else ""))


def draw_optimizer(name: str, r: R) -> OptCase:
    import torch
    sig = inspect.signature(getattr(torch.optim, name).__init__)
    kwargs = {k: HYPER[k](r) for k in sig.parameters if k in HYPER and r.p(0.6)}
    group2 = None
    if r.p(0.4):
        group2 = {k: HYPER[k](r) for k in GROUP_KEYS if k in sig.parameters and r.p(0.5)}
    values = [r.x(3, 2), r.x(2), r.x(4)]
    if r.p(0.3):
        values.append(r.x(2))  # a parameter the loss does not use: its grad stays None
    steps = r.int(5, 10)
    return OptCase(name, kwargs, group2, values, steps, r.int(1, steps - 1), r.p(0.5),
                   r.p(0.3))


def _loss(ps: list) -> Any:
    """A small non-quadratic loss of the first three parameters."""
    p0, p1, p2 = ps[:3]
    return ((p0 * p0).sum() * 0.5 + (p0.sum(0) * p1).sum() + (p1 ** 4).sum() * 0.1
            + (p2 * p2 * p2).sum() * 0.2 + p2.sum())


def _make_optimizer(lib: Lib, case: OptCase, ps: list) -> Any:
    spec: Any = ps if case.group2 is None else \
        [{"params": ps[:2]}, {"params": ps[2:], **case.group2}]
    return getattr(lib.optim, case.name)(spec, **case.kwargs)


def _plain(v: Any, lib: Lib) -> Any:
    """A state-dict value as plain Python and numpy, to compare across libraries."""
    if isinstance(v, lib.tensor_type):
        return lib.numpy(v)
    if isinstance(v, np.ndarray):
        return np.array(v)
    if isinstance(v, dict):
        return {k: _plain(x, lib) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x, lib) for x in v)
    return v


def compare_plain(o: Any, t: Any, where: str, rtol: float) -> None:
    """Compare plain values: dict keys and list lengths exactly, numbers as floats (torch
    keeps ``step`` as a float tensor where ours may keep an int), arrays by ``close``."""
    if isinstance(t, dict):
        if not isinstance(o, dict) or sorted(map(str, o)) != sorted(map(str, t)):
            raise Found("state_dict", where, sorted(map(str, o)) if isinstance(o, dict) else o,
                        sorted(map(str, t)))
        for k in t:
            compare_plain(o[k], t[k], f"{where}[{k!r}]", rtol)
        return
    if isinstance(t, (list, tuple)) and not (t and isinstance(t[0], (int, float))
                                             and isinstance(o, (list, tuple))
                                             and all(isinstance(x, (int, float)) for x in o)):
        if not isinstance(o, (list, tuple)) or len(o) != len(t):
            raise Found("state_dict", where, o, t)
        for i, (x, y) in enumerate(zip(o, t)):
            compare_plain(x, y, f"{where}[{i}]", rtol)
        return
    if isinstance(t, (bool, str, type(None))) or isinstance(o, (bool, str, type(None))):
        if o != t or type(o) is not type(t):
            raise Found("state_dict", where, repr(o), repr(t))
        return
    a, b = np.asarray(o, dtype=np.float64), np.asarray(t, dtype=np.float64)
    if not close(a, b, rtol):
        raise Found("state_dict", where, a, b)


def compare_optimizer(name: str, seed: int, dtype: Any = np.float64) -> Difference | None:
    """Fuzz ``optim.<name>`` once (see the module docstring); the first difference or None."""
    dtype = np.dtype(dtype)
    case = draw_optimizer(name, R("optim " + name, seed))
    stage = ["construct"]
    try:
        _run_optimizer(case, dtype, stage)
    except Found as f:
        return Difference(f.kind, f.where, f.ours, f.theirs, f"optim {name}", seed,
                          dtype.name, case.source(), stage[0])
    return None


def _run_optimizer(case: OptCase, dtype: np.dtype, stage: list) -> None:
    ours, theirs = libs()
    rtol = RTOL[dtype.name]
    po = [ours.nn.Parameter(ours.tensor(v, dtype)) for v in case.values]
    pt = [theirs.nn.Parameter(theirs.tensor(v, dtype)) for v in case.values]
    oo, ot, raised = both("construct", lambda: _make_optimizer(ours, case, po),
                          lambda: _make_optimizer(theirs, case, pt))
    if raised:
        return
    for step in range(1, case.steps + 1):
        stage[0] = f"step {step}"

        def one(lib: Lib, opt: Any, ps: list) -> None:
            opt.zero_grad(set_to_none=case.set_to_none)
            _loss(ps).backward()
            opt.step()

        _, _, raised = both(stage[0], functools.partial(one, ours, oo, po),
                            functools.partial(one, theirs, ot, pt))
        if raised:
            return
        compare_values(po, pt, f"parameters after step {step}", ours, theirs, rtol)
        if step == case.reload_at:
            stage[0] = f"state dict round trip after step {step}"
            oo, ot = _reload(case, oo, ot, po, pt, ours, theirs, rtol)
    stage[0] = "state_dict"
    compare_plain(_plain(oo.state_dict(), ours), _plain(ot.state_dict(), theirs),
                  "state_dict()", rtol)


def _reload(case: OptCase, oo: Any, ot: Any, po: list, pt: list, ours: Lib, theirs: Lib,
            rtol: float) -> tuple[Any, Any]:
    """Fresh optimizers that load the state dicts (ours from torch's, converted to numpy,
    when ``reload_from_torch``): the run continues with them."""
    import copy
    so, st = _plain(oo.state_dict(), ours), _plain(ot.state_dict(), theirs)
    compare_plain(so, st, "state_dict()", rtol)
    new_o, new_t = _make_optimizer(ours, case, po), _make_optimizer(theirs, case, pt)
    source = st if case.reload_from_torch else copy.deepcopy(oo.state_dict())
    both("load_state_dict", lambda: new_o.load_state_dict(source),
         lambda: new_t.load_state_dict(ot.state_dict()))
    return new_o, new_t


# --- learning-rate schedulers ----------------------------------------------------------------


@dataclass
class Sched:
    """``lib.optim.lr_scheduler.<name>(optimizer, **kwargs)`` (a child of SequentialLR)."""

    name: str
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"lr_scheduler.{self.name}(opt, {_call_args((), self.kwargs)})"


def _lam(r: R) -> Callable:
    return named_lambda(r.pick("lambda e: 0.9 ** e", "lambda e: 1 / (e + 1)",
                               "lambda e: 0.5 if e % 2 else 1.0"))


def s_simple(r: R, name: str) -> dict:
    """Constructor kwargs of the schedulers that take numbers only."""
    n = r.int(1, 5)
    draws: dict[str, Callable[[], dict]] = {
        "LambdaLR": lambda: {"lr_lambda": _lam(r)},
        "MultiplicativeLR": lambda: {"lr_lambda": named_lambda(
            r.pick("lambda e: 0.9", "lambda e: 0.5 if e % 3 == 0 else 1.0"))},
        "StepLR": lambda: {"step_size": n if r.p(0.95) else 0, "gamma": r.pick(0.1, 0.5)},
        "MultiStepLR": lambda: {"milestones": sorted({r.int(1, 8) for _ in range(3)}),
                                "gamma": r.pick(0.1, 0.5)},
        "ConstantLR": lambda: {"factor": r.pick(1 / 3, 0.5, 1.0) if r.p(0.95) else 1.5,
                               "total_iters": n},
        "LinearLR": lambda: {"start_factor": r.pick(1 / 3, 0.5, 1.0) if r.p(0.95) else 0.0,
                             "end_factor": r.pick(1.0, 0.5), "total_iters": n},
        "ExponentialLR": lambda: {"gamma": r.pick(0.9, 0.5)},
        "PolynomialLR": lambda: {"total_iters": n, "power": r.pick(1.0, 2.0, 0.5)},
        "CosineAnnealingLR": lambda: {"T_max": n, "eta_min": r.pick(0.0, 1e-3)},
        "CosineAnnealingWarmRestarts": lambda: {
            "T_0": n if r.p(0.95) else 0, "T_mult": r.pick(1, 2), "eta_min": r.pick(0.0, 1e-3)},
    }
    return draws[name]()


SIMPLE = ("LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
          "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts")


def draw_scheduler(name: str, r: R) -> dict:
    if name in SIMPLE:
        return s_simple(r, name)
    if name == "SequentialLR":
        kids = [Sched(k, s_simple(r, k)) for k in (r.pick(*SIMPLE[2:]), r.pick(*SIMPLE[2:]))]
        return {"schedulers": kids, "milestones": [r.int(1, 6)]}
    if name == "ChainedScheduler":
        kids = [Sched(k, s_simple(r, k)) for k in (r.pick(*SIMPLE[2:]), r.pick(*SIMPLE[2:]))]
        return {"schedulers": kids}
    if name == "ReduceLROnPlateau":
        return {"mode": r.pick("min", "max"), "factor": r.pick(0.1, 0.5) if r.p(0.95) else 1.0,
                "patience": r.int(0, 3), "threshold": r.pick(1e-4, 0.1),
                "threshold_mode": r.pick("rel", "abs"), "cooldown": r.int(0, 2),
                "min_lr": r.pick(0.0, 1e-3), "eps": r.pick(1e-8, 1e-3)}
    if name == "CyclicLR":
        return {"base_lr": r.pick(1e-3, 0.01), "max_lr": r.pick(0.1, 0.05),
                "step_size_up": r.int(1, 4), "step_size_down": r.pick(None, 2),
                "mode": r.pick("triangular", "triangular2", "exp_range"),
                "gamma": r.pick(1.0, 0.9), "cycle_momentum": r.p(0.5),
                "base_momentum": 0.8, "max_momentum": 0.9}
    if name == "OneCycleLR":
        return {"max_lr": r.pick(0.1, 1.0), "total_steps": r.int(13, 20) if r.p(0.95) else 5,
                "pct_start": r.pick(0.3, 0.5), "anneal_strategy": r.pick("cos", "linear"),
                "cycle_momentum": r.p(0.5), "div_factor": r.pick(25.0, 10.0),
                "final_div_factor": r.pick(1e4, 100.0), "three_phase": r.p(0.3)}
    raise KeyError(name)


def scheduler_classes() -> list[str]:
    """Every scheduler class in ``ta.optim.lr_scheduler`` (the base aside)."""
    mod = ta.optim.lr_scheduler
    return [n for n in mod.__all__ if inspect.isclass(getattr(mod, n)) and n != "LRScheduler"]


def compare_scheduler(name: str, seed: int) -> Difference | None:
    """Fuzz ``lr_scheduler.<name>`` once; the first difference or None."""
    r = R("sched " + name, seed)
    kwargs = draw_scheduler(name, r)
    opt_name = r.pick("SGD", "Adam") if name in ("CyclicLR", "OneCycleLR") else "SGD"
    groups = r.int(1, 2)
    metrics = list(r.np.integers(0, 4, 14).astype(float))
    source = (f"opt = optim.{opt_name}({groups} group(s), lr=0.1, momentum=0.9 for SGD)\n"
              f"s = lr_scheduler.{name}(opt, {_call_args((), kwargs)})\n"
              f"12 epochs of opt.step(); s.step(); state dict round trip at epoch 6")
    try:
        _run_scheduler(name, kwargs, opt_name, groups, metrics)
    except Found as f:
        return Difference(f.kind, f.where, f.ours, f.theirs, f"lr_scheduler {name}", seed,
                          "float64", source, "epochs")
    return None


def _scheduler_pair(lib: Lib, name: str, kwargs: dict, opt_name: str, groups: int) -> tuple:
    p = [lib.nn.Parameter(lib.tensor(np.ones(2))) for _ in range(groups)]
    spec = [{"params": [q], "lr": 0.1 * (i + 1)} for i, q in enumerate(p)]
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(lib.optim, opt_name)(spec, lr=0.1, **extra)
    mod = lib.optim.lr_scheduler
    kw = {k: ([getattr(mod, c.name)(opt, **c.kwargs) for c in v] if k == "schedulers" else v)
          for k, v in kwargs.items()}
    if name == "ChainedScheduler":  # its children hold the optimizer
        return opt, mod.ChainedScheduler(optimizer=opt, **kw)
    return opt, getattr(mod, name)(opt, **kw)


def _observe(opt: Any, sched: Any) -> dict:
    out = {"last_lr": [float(x) for x in sched.get_last_lr()],
           "lr": [float(g["lr"]) for g in opt.param_groups]}
    for key in ("momentum", "betas"):
        if key in opt.param_groups[0]:
            out[key] = [g[key] for g in opt.param_groups]
    return out


def _run_scheduler(name: str, kwargs: dict, opt_name: str, groups: int, metrics: list) -> None:
    ours, theirs = libs()
    pair_o, pair_t, raised = both(
        "construct", lambda: _scheduler_pair(ours, name, kwargs, opt_name, groups),
        lambda: _scheduler_pair(theirs, name, kwargs, opt_name, groups))
    if raised:
        return
    (oo, so), (ot, st) = pair_o, pair_t
    compare_plain(_observe(oo, so), _observe(ot, st), "before the first step", 1e-12)
    for epoch in range(1, 13):
        _, _, raised = both(f"epoch {epoch}",
                            functools.partial(_epoch, name, oo, so, metrics[epoch]),
                            functools.partial(_epoch, name, ot, st, metrics[epoch]))
        if raised:
            return
        compare_plain(_observe(oo, so), _observe(ot, st), f"after epoch {epoch}", 1e-12)
        if epoch == 6 and name not in ("SequentialLR", "ChainedScheduler"):
            (oo, so), (ot, st), _ = both(
                "load_state_dict",
                functools.partial(_resumed, ours, name, kwargs, opt_name, groups, oo, so),
                functools.partial(_resumed, theirs, name, kwargs, opt_name, groups, ot, st))
            compare_plain(_observe(oo, so), _observe(ot, st), "after the round trip", 1e-12)


def _epoch(name: str, opt: Any, sched: Any, metric: float) -> None:
    opt.step()
    if name == "ReduceLROnPlateau":
        sched.step(metric)
    else:
        sched.step()


def _resumed(lib: Lib, name: str, kwargs: dict, opt_name: str, groups: int, opt: Any,
             sched: Any) -> tuple:
    """A fresh optimizer and scheduler that load the running pair's state dicts."""
    new_opt, new_sched = _scheduler_pair(lib, name, kwargs, opt_name, groups)
    new_opt.load_state_dict(opt.state_dict())
    new_sched.load_state_dict(sched.state_dict())
    return new_opt, new_sched


# --- nn.utils --------------------------------------------------------------------------------


def _params_with_grads(lib: Lib, values: list, grads: list, dtype: np.dtype) -> list:
    ps = [lib.nn.Parameter(lib.tensor(v, dtype)) for v in values]
    for p, g in zip(ps, grads):
        if g is not None:
            p.grad = lib.tensor(g, dtype)
    return ps


def _grad_draws(r: R) -> tuple[list, list]:
    values = [r.x(3, 2), r.x(4), r.x(2)][:r.int(1, 3)]
    grads: list = [r.x(*v.shape) * r.pick(1.0, 10.0, 1e-3) for v in values]
    if r.p(0.2):
        grads[0] = None
    if r.p(0.1):
        grads[-1] = grads[-1] if grads[-1] is None else np.where(
            grads[-1] > 0, r.pick(np.inf, np.nan), grads[-1])
    return values, grads


def u_clip_grad_norm(r: R) -> tuple[Callable, str]:
    values, grads = _grad_draws(r)
    kw = {"max_norm": r.pick(1.0, 0.5, 100.0), "norm_type": r.pick(2.0, 1.0, 3.0, math.inf,
                                                                    "inf", 0.5),
          "error_if_nonfinite": r.p(0.3), "foreach": r.pick(None, False)}

    def run(lib: Lib, dtype: np.dtype) -> Any:
        ps = _params_with_grads(lib, values, grads, dtype)
        total = lib.nn.utils.clip_grad_norm_(ps, **kw)
        return total, [p.grad for p in ps]
    shapes = [None if g is None else g.shape for g in grads]
    return run, f"clip_grad_norm_(params with grads {shapes}, {_call_args((), kw)})"


def u_clip_grad_value(r: R) -> tuple[Callable, str]:
    values, grads = _grad_draws(r)
    if all(g is None for g in grads):
        # NOTE: torch's foreach kernel fails on an empty list of grads (an internal assert)
        grads[0] = r.x(*values[0].shape)
    kw = {"clip_value": r.pick(0.5, 1.0, 0.0), "foreach": r.pick(None, False)}

    def run(lib: Lib, dtype: np.dtype) -> Any:
        ps = _params_with_grads(lib, values, grads, dtype)
        out = lib.nn.utils.clip_grad_value_(ps, **kw)
        return out, [p.grad for p in ps]
    return run, f"clip_grad_value_(params, {_call_args((), kw)})"


def u_total_norm(r: R) -> tuple[Callable, str]:
    _, grads = _grad_draws(r)
    grads = [g for g in grads if g is not None]
    kw = {"norm_type": r.pick(2.0, 1.0, math.inf, 4.0), "error_if_nonfinite": r.p(0.3)}

    def run(lib: Lib, dtype: np.dtype) -> Any:
        return lib.nn.utils.get_total_norm([lib.tensor(g, dtype) for g in grads], **kw)
    return run, f"get_total_norm({len(grads)} tensors, {_call_args((), kw)})"


def u_clip_with_norm(r: R) -> tuple[Callable, str]:
    values, grads = _grad_draws(r)
    max_norm, total = r.pick(1.0, 0.1), r.pick(0.5, 2.0, 0.0)

    def run(lib: Lib, dtype: np.dtype) -> Any:
        ps = _params_with_grads(lib, values, grads, dtype)
        lib.nn.utils.clip_grads_with_norm_(ps, max_norm, lib.tensor(np.array(total), dtype))
        return [p.grad for p in ps]
    return run, f"clip_grads_with_norm_(params, {max_norm}, tensor({total}))"


def u_to_vector(r: R) -> tuple[Callable, str]:
    values = [r.x(3, 2), r.x(4), r.x(2)][:r.int(1, 3)]
    g = r.x(sum(v.size for v in values))

    def run(lib: Lib, dtype: np.dtype) -> Any:
        ps = [lib.nn.Parameter(lib.tensor(v, dtype)) for v in values]
        vec = lib.nn.utils.parameters_to_vector(ps)
        (vec * lib.tensor(g, dtype)).sum().backward()
        return vec, [p.grad for p in ps]
    return run, f"parameters_to_vector({len(values)} params) and backward"


def u_from_vector(r: R) -> tuple[Callable, str]:
    values = [r.x(3, 2), r.x(4)][:r.int(1, 2)]
    n = sum(v.size for v in values) + (0 if r.p(0.9) else 1)
    vec = r.x(n)

    def run(lib: Lib, dtype: np.dtype) -> Any:
        ps = [lib.nn.Parameter(lib.tensor(v, dtype)) for v in values]
        lib.nn.utils.vector_to_parameters(lib.tensor(vec, dtype), ps)
        return [p.detach() for p in ps]
    return run, f"vector_to_parameters(vector of {n}, {len(values)} params)"


def _sequences(r: R) -> list:
    feat = r.pick((), (2,))
    return [r.x(r.int(1 if r.p(0.9) else 0, 4), *feat) for _ in range(r.int(1, 3))]


def u_pad_sequence(r: R) -> tuple[Callable, str]:
    seqs = _sequences(r)
    kw = {"batch_first": r.p(0.5), "padding_value": r.pick(0.0, -1.0),
          "padding_side": r.pick("right", "left")}

    def run(lib: Lib, dtype: np.dtype) -> Any:
        leaves = [lib.tensor(s, dtype, requires_grad=True) for s in seqs]
        out = lib.nn.utils.rnn.pad_sequence(leaves, **kw)
        out.sum().backward()
        return out, [x.grad for x in leaves]
    return run, f"pad_sequence({[s.shape for s in seqs]}, {_call_args((), kw)})"


def u_pack(r: R) -> tuple[Callable, str]:
    seqs = _sequences(r)
    lengths = [len(s) for s in seqs]
    batch_first, enforce_sorted = r.p(0.5), r.p(0.5)
    total_length = r.pick(None, max(lengths), max(lengths) + 1, max(lengths) - 1)
    padding_value = r.pick(0.0, 2.0)

    def run(lib: Lib, dtype: np.dtype) -> Any:
        utils = lib.nn.utils.rnn
        leaves = [lib.tensor(s, dtype, requires_grad=True) for s in seqs]
        padded = utils.pad_sequence(leaves, batch_first=batch_first)
        packed = utils.pack_padded_sequence(padded, lib.tensor(np.array(lengths)),
                                            batch_first=batch_first,
                                            enforce_sorted=enforce_sorted)
        fields = (packed.data, packed.batch_sizes, packed.sorted_indices,
                  packed.unsorted_indices)
        out, lens = utils.pad_packed_sequence(packed, batch_first=batch_first,
                                              padding_value=padding_value,
                                              total_length=total_length)
        unpacked = utils.unpack_sequence(packed)
        repacked = utils.pack_sequence(leaves, enforce_sorted=enforce_sorted).data
        (out * out).sum().backward()
        return fields, out, lens, unpacked, repacked, [x.grad for x in leaves]
    return run, (f"pack_padded_sequence(pad_sequence({[s.shape for s in seqs]}), {lengths}, "
                 f"batch_first={batch_first}, enforce_sorted={enforce_sorted}); "
                 f"pad_packed_sequence(total_length={total_length}, "
                 f"padding_value={padding_value}); unpack_sequence; pack_sequence")


def u_unpad(r: R) -> tuple[Callable, str]:
    seqs = [r.x(r.int(1, 3), 2) for _ in range(r.int(1, 3))]
    batch_first = r.p(0.5)

    def run(lib: Lib, dtype: np.dtype) -> Any:
        utils = lib.nn.utils.rnn
        padded = utils.pad_sequence([lib.tensor(s, dtype) for s in seqs],
                                    batch_first=batch_first)
        return utils.unpad_sequence(padded, lib.tensor(np.array([len(s) for s in seqs])),
                                    batch_first=batch_first)
    shapes = [s.shape for s in seqs]
    return run, f"unpad_sequence(pad_sequence({shapes}), batch_first={batch_first})"


def _linear(lib: Lib, w: np.ndarray, b: np.ndarray, dtype: np.dtype) -> Any:
    m = lib.nn.Linear(w.shape[1], w.shape[0]).to(dtype)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w, dtype=m.weight.dtype))
        m.bias.copy_(lib.tensor(b, dtype=m.bias.dtype))
    return m


def u_weight_norm(r: R, remove: bool = False) -> tuple[Callable, str]:
    w, b, x = r.x(3, 4), r.x(3), r.x(2, 4)
    dim = r.pick(0, 1, None)

    def run(lib: Lib, dtype: np.dtype) -> Any:
        m = lib.nn.utils.weight_norm(_linear(lib, w, b, dtype), dim=dim)
        if remove:
            lib.nn.utils.remove_weight_norm(m)
        y = m(lib.tensor(x, dtype=m.bias.dtype))
        y.sum().backward()
        return y, sorted(m.state_dict()), [(n, p.grad) for n, p in m.named_parameters()]
    return run, f"weight_norm(Linear(4, 3), dim={dim}){'; remove' if remove else ''}"


def u_spectral_norm(r: R, remove: bool = False) -> tuple[Callable, str]:
    w, b, x = r.x(3, 4), r.x(3), r.x(2, 4)
    u, v = r.x(3), r.x(4)  # (torch draws them at random: both libraries get these)
    steps = r.pick(1, 2)

    def run(lib: Lib, dtype: np.dtype) -> Any:
        m = lib.nn.utils.spectral_norm(_linear(lib, w, b, dtype), n_power_iterations=steps)
        with lib.no_grad():
            m.weight_u.copy_(lib.tensor(u / np.linalg.norm(u), dtype=m.bias.dtype))
            m.weight_v.copy_(lib.tensor(v / np.linalg.norm(v), dtype=m.bias.dtype))
        y = m(lib.tensor(x, dtype=m.bias.dtype))
        if remove:
            lib.nn.utils.remove_spectral_norm(m)
            y = m(lib.tensor(x, dtype=m.bias.dtype))
        y.sum().backward()
        return y, sorted(m.state_dict()), [(n, p.grad) for n, p in m.named_parameters()]
    return run, f"spectral_norm(Linear(4, 3), n_power_iterations={steps})" + (
        "; remove" if remove else "")


UTILS: dict[str, Callable[[R], tuple[Callable, str]]] = {
    "weight_norm": u_weight_norm,
    "remove_weight_norm": lambda r: u_weight_norm(r, remove=True),
    "spectral_norm": u_spectral_norm,
    "remove_spectral_norm": lambda r: u_spectral_norm(r, remove=True),
    "clip_grad_norm_": u_clip_grad_norm,
    "clip_grad_value_": u_clip_grad_value,
    "get_total_norm": u_total_norm,
    "clip_grads_with_norm_": u_clip_with_norm,
    "parameters_to_vector": u_to_vector,
    "vector_to_parameters": u_from_vector,
    "pad_sequence": u_pad_sequence,
    "pack_padded_sequence": u_pack,
    "unpad_sequence": u_unpad,
}


def utils_functions() -> list[str]:
    """The functions of ``ta.nn.utils`` and ``ta.nn.utils.rnn`` that the table must cover
    (the rnn ones pack and unpack together in one entry)."""
    rnn = ta.nn.utils.rnn
    names = [n for n in ta.nn.utils.__all__ if callable(getattr(ta.nn.utils, n))
             and not inspect.ismodule(getattr(ta.nn.utils, n))]
    return names + [n for n in rnn.__all__ if inspect.isfunction(getattr(rnn, n))]


#: the rnn functions that one entry of UTILS covers together
COVERED_BY = {"pad_packed_sequence": "pack_padded_sequence", "pack_sequence":
              "pack_padded_sequence", "unpack_sequence": "pack_padded_sequence",
              "invert_permutation": "pack_padded_sequence"}


def compare_util(name: str, seed: int, dtype: Any = np.float64) -> Difference | None:
    """Fuzz one ``nn.utils`` function once; the first difference or None."""
    dtype = np.dtype(dtype)
    run, source = UTILS[name](R("utils " + name, seed))
    ours, theirs = libs()
    try:
        o, t, raised = both("call", lambda: run(ours, dtype), lambda: run(theirs, dtype))
        if not raised:
            compare_values(o, t, "result", ours, theirs, RTOL[dtype.name], grad_check=False)
    except Found as f:
        return Difference(f.kind, f.where, f.ours, f.theirs, f"utils {name}", seed, dtype.name,
                          source, "call")
    return None


# --- campaigns -------------------------------------------------------------------------------


def campaign(seeds: range, only: list[str] | None = None) -> list[Difference]:
    """Every table entry over ``seeds`` (modules and optimizers in float64 and float32)."""
    found: list[Difference] = []
    for name in MODULES:
        if not only or name in only:
            found += [d for s in seeds for dt in (np.float64, np.float32)
                      if (d := compare_module(name, s, dt))]
    for name in optimizer_classes():
        if not only or name in only:
            found += [d for s in seeds for dt in (np.float64, np.float32)
                      if (d := compare_optimizer(name, s, dt))]
    for name in scheduler_classes():
        if not only or name in only:
            found += [d for s in seeds if (d := compare_scheduler(name, s))]
    for name in UTILS:
        if not only or name in only:
            found += [d for s in seeds if (d := compare_util(name, s))]
    return found


def main(argv: list[str]) -> int:
    lo, hi = (int(argv[0]), int(argv[1])) if len(argv) >= 2 else (0, 20)
    found = campaign(range(lo, hi), argv[2:] or None)
    by_class: dict[str, list[Difference]] = {}
    for d in found:
        by_class.setdefault(d.cls, []).append(d)
    for cls, ds in sorted(by_class.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(ds):5d}  {cls}")
    for ds in by_class.values():
        print("\n" + ds[0].report())
    print(f"\n{len(found)} difference(s) in seeds {lo}..{hi - 1}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
