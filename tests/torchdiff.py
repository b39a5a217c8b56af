"""Differential testing against PyTorch: random programs run in tinygrad_acts and in torch.

A *program* is a list of steps, each a line (or a few) of Python over named values
``v0, v1, ...``, written once with two template words, ``$lib`` (``ta`` or ``torch``) and
``$grad`` (``ta.grad`` or ``torch.autograd.grad``); a step whose call has no common
spelling (an op-table row that calls a graph node) carries one text per library. So the
SAME program runs on both *backends*, and ``Program.source(backend)`` is the exact Python
that ran, ready to paste (imports included).

``compare(program)`` runs the two in lockstep. After every step it checks

- raise versus raise: both raised or neither (the exception types may differ);
- every named value in both namespaces: Python type, tensor shape, dtype (numpy's name
  against torch's), values (rtol 1e-10 in float64; 1e-4 in float32, and for float64 values
  too once the program holds a float32 tensor they may come from; nan and inf must sit
  at the same places), ``requires_grad``, ``is_leaf``, which earlier value it *is* (an op
  returning its input where torch returns a new tensor), and ``.grad`` (None against a
  tensor, then shape, dtype, values and requires_grad: first and, through
  ``create_graph``, second derivatives);
- the grad mode and the default dtype,

and returns the first ``Difference`` (later ones are usually its consequences), or None.

``generate(seed)`` writes a program at random, deterministic per seed. It runs each step on
torch as it goes, so the next step can be chosen to fit (an operand that broadcasts, a dim
that exists, the shape an index selects); a step torch refuses is kept on purpose, to
check that we refuse it too. Its steps come from:

- every row of the op table ``ops.OPS`` (so a new row or a newly registered activation is
  covered with no edit here), with the row's own ``fn`` on our side and, for rows whose
  ``fn`` does not run on torch, the same call spelled for torch (``TORCH_ROWS``);
- the Tensor API: zero-argument methods and ``other``-methods discovered from the Tensor
  class (any dtype: bool, int32, int64, float32, float64), their in-place forms
  (``x.exp_()``, ``x.atan2_(y)``), the methods with dims, k, sizes, indices or masks
  (``METHOD_ARGS``: cumsum, topk, chunk, narrow, gather, masked_fill, ...); random and
  uninitialised results (``RANDOM``: bernoulli, new_empty) are replaced in both libraries
  by a deterministic summary (shape, dtype, requires_grad, range); the operators with tensors,
  0-d tensors, Python and numpy scalars on either side, reductions over dims (valid and
  not, keepdim), ``max(dim)``/``min(dim)`` with indices, views (reshape/view on
  non-contiguous tensors, permute, transpose, expand, squeeze/unsqueeze/flatten with valid
  and invalid dims), indexing (ints, slices, None, Ellipsis, int lists and tensors, bool
  masks), ``__setitem__``, in-place ops on leaves, non-leaves and views, cat / stack /
  where, matmul, factories;
- ``F.`` activations with their parameters and their ``nn`` modules, the losses
  (functional and modules), ``nn.Linear`` (weights set to the same numbers), Flatten,
  Identity, Sequential, Dropout (deterministic settings only);
- autograd: ``backward`` (gradient, retain_graph, create_graph, twice), ``$grad`` with
  grad_outputs / allow_unused / create_graph / retain_graph / intermediate inputs, hooks on
  leaves and non-leaves (returning None, a new gradient, a wrong one; recording; removed),
  ``retain_grad``, ``requires_grad_``, ``.grad = None``; any step may run under
  ``no_grad``, ``enable_grad`` inside ``no_grad``, ``set_grad_enabled(False)``, the
  ``no_grad`` decorator, or in another thread (grad mode is per thread);
- edge values: 0 and -0, ties and kinks (half the floats come from a coarse grid), inf and
  nan, empty tensors, 0-d tensors.

Ops whose result jumps (comparisons, sign, argmax, ``//``, ``%``, casts to int) only get
operands computed exactly (IEEE-identical in both libraries: leaves, + - * /, views, ...),
so a last-bit difference in ``exp`` cannot be amplified into a false alarm.

``shrink(difference)`` removes steps while the same class of difference remains, so
``Difference.report()`` is a minimal reproducer: the program as Python for both
libraries. ``Difference.cls`` names the class (what differs @ which op, e.g.
``"dtype @ binary //"``); ``Known`` entries (``KNOWN_DIFFERENCES`` in
tests/test_torch_diff.py) recognise the deliberate ones. ``generate(seed, focus=row)``
leans on one row of the op table (the tests run the mutation lab's wrong backward rules
through it: the harness must find each). ``sweep_programs(op)`` is the dtype-promotion
sweep.

Run a campaign by hand::

    python -m tests.torchdiff 0 2000          # seeds 0..1999: classes, counts, reproducers
"""
from __future__ import annotations

import functools
import inspect
import itertools
import math
import string
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_acts as ta
import tinygrad_acts.functional as taF
from tinygrad_acts.ops import OPS
from tinygrad_acts.ops import table as T

# --- backends --------------------------------------------------------------------------------


def in_thread(fn: Callable[[], Any]) -> Any:
    """``fn()`` run in a new thread (which starts in grad mode, as in PyTorch)."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = fn()
        except Exception as e:  # noqa: BLE001 - handed back to the caller's thread
            out["error"] = e

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


@dataclass
class Backend:
    """One library as the programs see it: the template words, the imports, the names."""

    name: str                   # "ta" or "torch"
    lib: Any
    words: dict[str, str]       # $lib, $grad
    imports: str                # the import lines of a pasted program
    base: dict                  # the names every program starts with
    tensor_type: Any            # the library's Tensor class
    is_grad_enabled: Callable[[], bool]
    default_dtype: Callable[[], str]
    reset: Callable[[], None]   # grad mode on, float32 default: after every program

    def namespace(self) -> dict:
        return dict(self.base)

    def render(self, template: str) -> str:
        return string.Template(template).substitute(self.words)


_COMMON = {"math": math, "np": np, "OPS": OPS, "T": T, "in_thread": in_thread}


@functools.cache
def ta_backend() -> Backend:
    def reset() -> None:
        ta.set_grad_enabled(True)
        ta.set_default_dtype(np.float32)

    return Backend(
        "ta", ta, {"lib": "ta", "grad": "ta.grad"},
        "import tinygrad_acts as ta\nimport tinygrad_acts.functional as F",
        {**_COMMON, "ta": ta, "F": taF}, ta.Tensor, ta.is_grad_enabled,
        lambda: np.dtype(ta.get_default_dtype()).name, reset)


@functools.cache
def torch_backend() -> Backend:
    import torch
    import torch.nn.functional as tF

    torch.set_num_threads(1)  # tiny tensors: threads only cost

    def reset() -> None:
        torch.set_grad_enabled(True)
        torch.set_default_dtype(torch.float32)

    return Backend(
        "torch", torch, {"lib": "torch", "grad": "torch.autograd.grad"},
        "import torch\nimport torch.nn.functional as F",
        {**_COMMON, "torch": torch, "F": tF}, torch.Tensor, torch.is_grad_enabled,
        lambda: str(torch.get_default_dtype()).removeprefix("torch."), reset)


def backends() -> tuple[Backend, Backend]:
    """(ours, theirs)."""
    return ta_backend(), torch_backend()


# --- programs --------------------------------------------------------------------------------


@dataclass
class Step:
    """One statement (or a few lines) of a program.

    ``code`` is a template for both libraries, or ``{"ta": ..., "torch": ...}``; ``tag``
    names the op for classifying differences (``"binary //"``, ``"F.cross_entropy"``,
    ``"backward"``); ``sig`` describes the operands (``"int32[3] // py-int"``); ``mode`` is
    the grad-mode wrapper the step runs under, if any."""

    code: str | dict[str, str]
    tag: str
    sig: str = ""
    mode: str = ""

    def source(self, backend: Backend) -> str:
        code = self.code if isinstance(self.code, str) else self.code[backend.name]
        return backend.render(code)


@dataclass
class Program:
    steps: list[Step]
    seed: int | None = None
    name: str = ""

    def source(self, backend: Backend) -> str:
        """The program as Python for ``backend``, imports included."""
        body = "\n".join(step.source(backend) for step in self.steps)
        lines = ["import math"] if "math." in body else []
        lines += ["import numpy as np"] if "np." in body else []
        lines.append(backend.imports)
        if "OPS[" in body or "T." in body:
            lines.append("from tinygrad_acts.ops import OPS, table as T")
        if "in_thread(" in body:
            lines.append("from tests.torchdiff import in_thread")
        return "\n".join(lines) + "\n\n" + body

    def without(self, index: int) -> Program:
        return Program(self.steps[:index] + self.steps[index + 1:], self.seed, self.name)

    @classmethod
    def parse(cls, text: str, name: str = "") -> Program:
        """A hand-written program: one step per statement (indented lines join the one
        above: blocks, continued expressions); a step's tag is the program's name, or the
        ``# tag: ...`` comment on its line."""
        steps: list[Step] = []
        for line in inspect.cleandoc(text).splitlines():
            if not line.strip():
                continue
            if line[0] in " \t" and steps:
                code = steps[-1].code
                assert isinstance(code, str)
                steps[-1].code = code + "\n" + line
                continue
            code, _, tag = line.partition("# tag:")
            steps.append(Step(code.rstrip(), tag.strip() or name or "hand"))
        return cls(steps, None, name)


# --- snapshots: every value, as something the two libraries can be compared by -------------


@dataclass
class Snap:
    kind: str                    # tensor, ndarray, scalar, seq, dtype, none, opaque, error
    type: str = ""               # Python type (scalars), named tuple name (seqs)
    dtype: str = ""
    shape: tuple = ()
    value: Any = None            # ndarray (tensors), the number (scalars), Snaps (seqs)
    requires_grad: bool | str = False   # or what reading it raised
    is_leaf: bool | str = True
    grad: Snap | None = None
    alias: str = ""              # the first name bound to the same object


_NONE = Snap("none")


def _dtype_name(d: Any) -> str:
    s = str(d)
    return s.removeprefix("torch.") if s.startswith("torch.") else np.dtype(d).name


def _attr(get: Callable[[], Any]) -> Any:
    """An attribute, or what reading it raised (torch refuses to say whether an invalidated
    view is a leaf)."""
    try:
        return get()
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        return f"raises {type(e).__name__}"


def snapshot(x: Any, backend: Backend, depth: int = 0) -> Snap:
    if x is None:
        return _NONE
    if isinstance(x, backend.tensor_type):
        if backend.name == "torch":
            arr = x.detach().numpy(force=True).copy()  # force: torch's ZeroTensor grads
            grad = _attr(lambda: x.grad if x.is_leaf or x.retains_grad else None)
        else:
            if type(x._array) is not np.ndarray:  # a leak: numpy handed back a scalar
                return Snap("error", f"a Tensor holding a {type(x._array).__name__}")
            # as torch's side: a non-leaf's .grad (kept from when it was a leaf) is not read
            arr = np.array(x.data, copy=True)
            grad = _attr(lambda: x.grad if x.is_leaf or x._retains_grad else None)
        return Snap("tensor", "", _dtype_name(x.dtype), tuple(x.shape), arr,
                    _attr(lambda: bool(x.requires_grad)), _attr(lambda: bool(x.is_leaf)),
                    None if depth or grad is None else Snap("error", grad)
                    if isinstance(grad, str) else snapshot(grad, backend, depth + 1))
    if isinstance(x, np.ndarray):
        return Snap("ndarray", "", x.dtype.name, x.shape, x.copy())
    if isinstance(x, (bool, int, float, np.generic)):
        return Snap("scalar", type(x).__name__, value=x.item() if isinstance(x, np.generic)
                    else x)
    if isinstance(x, (tuple, list)):
        if type(x).__name__ == "Size":
            return Snap("seq", "tuple", value=tuple(Snap("scalar", "int", value=n) for n in x))
        name = type(x).__name__ if hasattr(x, "_fields") or hasattr(type(x), "n_fields") \
            else "list" if isinstance(x, list) else "tuple"
        return Snap("seq", name, value=tuple(snapshot(v, backend, depth) for v in x))
    if type(x).__name__ == "dtype" or (isinstance(x, type) and issubclass(x, np.generic)):
        return Snap("dtype", value=_dtype_name(x))
    return Snap("opaque", type(x).__name__)


def _tolerance(dtype: str) -> tuple[float, float]:
    return {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}.get(dtype, (1e-2, 1e-3))


def same_values(ours: np.ndarray, theirs: np.ndarray, dtype: str) -> bool:
    if ours.shape != theirs.shape:
        return False
    if theirs.dtype.kind not in "fc" or ours.dtype.kind not in "fc":
        return bool(np.array_equal(ours, theirs))
    a, b = ours.astype(np.float64), theirs.astype(np.float64)
    nan = np.isnan(b)
    if not np.array_equal(np.isnan(a), nan):
        return False
    inf = np.isinf(b)
    if not np.array_equal(a[inf], b[inf]) or not np.array_equal(np.isinf(a), inf):
        return False
    fin = ~(nan | inf)
    if not fin.any():
        return True
    rtol, atol = _tolerance(dtype)
    scale = max(1.0, float(np.abs(b[fin]).max()))
    return bool(np.all(np.abs(a[fin] - b[fin]) <= atol * scale + rtol * np.abs(b[fin])))


def _short(v: Any) -> str:
    text = np.array2string(v, precision=6, threshold=24) if isinstance(v, np.ndarray) \
        else repr(v)
    return text if len(text) < 300 else text[:300] + "..."


def _describe(s: Snap) -> str:
    if s.kind in ("tensor", "ndarray"):
        return f"{s.kind} {s.dtype}{list(s.shape)}"
    if s.kind == "scalar":
        return f"{s.type} {s.value!r}"
    if s.kind == "seq":
        return f"{s.type} of {len(s.value)}"
    return f"dtype {s.value}" if s.kind == "dtype" else s.type if s.kind == "error" else s.kind


Found = tuple[str, str, str, str]   # (kind, where, ours, theirs)


def diff_snaps(ours: Snap, theirs: Snap, where: str, loose: str = "") -> Found | None:
    """The first way two snapshots differ: (kind, where, ours, theirs), or None. With
    ``loose`` (a float dtype), float64 values are compared with that dtype's tolerance
    (they may have been computed from values of that precision)."""
    if ours.kind != theirs.kind or (ours.kind == "scalar" and ours.type != theirs.type):
        return "type", where, _describe(ours), _describe(theirs)
    if ours.kind == "seq":
        return _diff_seq(ours, theirs, where, loose)
    if ours.kind == "scalar":
        a, b = ours.value, theirs.value
        same = same_values(np.array(a, float), np.array(b), "float32") \
            if isinstance(b, float) else a == b
        return None if same else ("value", where, repr(a), repr(b))
    if ours.kind == "dtype" and ours.value != theirs.value:
        return "value", where, ours.value, theirs.value
    if ours.kind in ("tensor", "ndarray"):
        return _diff_tensor(ours, theirs, where, loose)
    return None


def _diff_seq(ours: Snap, theirs: Snap, where: str, loose: str) -> Found | None:
    if ours.type != theirs.type or len(ours.value) != len(theirs.value):
        return "type", where, _describe(ours), _describe(theirs)
    for i, (a, b) in enumerate(zip(ours.value, theirs.value)):
        d = diff_snaps(a, b, f"{where}[{i}]", loose)
        if d:
            return d
    return None


def _diff_tensor(ours: Snap, theirs: Snap, where: str, loose: str) -> Found | None:
    checks: tuple = (("shape", ours.shape, theirs.shape), ("dtype", ours.dtype, theirs.dtype))
    for kind, a, b in checks:
        if a != b:
            return kind, where, str(a), str(b)
    if not same_values(ours.value, theirs.value, loose or theirs.dtype):
        return "value", where, _short(ours.value), _short(theirs.value)
    checks = (("requires_grad", ours.requires_grad, theirs.requires_grad),
                     ("is_leaf", ours.is_leaf, theirs.is_leaf),
                     ("alias", ours.alias or "a new object", theirs.alias or "a new object"),
                     ("grad", ours.grad is None, theirs.grad is None))
    for kind, a, b in checks:
        if a != b:
            if kind == "grad":
                a, b = ("None" if a else "a tensor"), ("None" if b else "a tensor")
                return kind, where + ".grad", a, b
            return kind, where, str(a), str(b)
    if ours.grad is not None and theirs.grad is not None:
        d = diff_snaps(ours.grad, theirs.grad, where + ".grad", loose)
        if d:
            return ("grad " + d[0] if d[0] != "grad" else d[0],) + d[1:]
    return None


def _program_names(env: dict, backend: Backend) -> dict[str, Any]:
    return {k: v for k, v in env.items() if k not in backend.base and not k.startswith("_")}


def _snapshots(env: dict, backend: Backend) -> dict[str, Snap]:
    names = _program_names(env, backend)
    first: dict[int, str] = {}
    out = {}
    for k, v in names.items():
        s = snapshot(v, backend)
        if s.kind == "tensor":
            earlier = first.setdefault(id(v), k)
            s.alias = earlier if earlier != k else ""
        out[k] = s
    return out


# --- running and comparing --------------------------------------------------------------------


@dataclass
class Difference:
    """The first difference between the two runs of a program."""

    kind: str        # we-raise, we-run, type, shape, dtype, value, requires_grad, is_leaf,
    #                  alias, grad, grad <kind>, grad-mode, default-dtype
    step: int        # the step after which it showed
    where: str       # the value ("v3", "v3.grad") or the exception
    ours: str
    theirs: str
    program: Program
    raised: bool = False  # the step raised in both libraries (the state after it differs)

    @property
    def tag(self) -> str:
        return self.program.steps[self.step].tag

    @property
    def cls(self) -> str:
        """The class of the difference: what differs, at which op."""
        return f"{self.kind} @ {self.tag}"

    @property
    def detail(self) -> str:
        """A finer grouping inside the class (dtypes, exception types)."""
        step = self.program.steps[self.step]
        if self.kind in ("we-raise", "we-run"):
            return (self.ours if self.kind == "we-raise" else self.theirs).split(":")[0]
        mode = f"under {step.mode}: " if step.mode else ""
        if self.kind == "dtype":
            return f"{mode}{step.sig}: ours {self.ours}, torch {self.theirs}"
        return mode + step.sig

    def report(self) -> str:
        ours, theirs = backends()
        step = self.program.steps[self.step]
        head = {"we-raise": "we raise, torch runs", "we-run": "torch raises, we run"}.get(
            self.kind, f"{self.kind} of {self.where} differs")
        seed = f" (seed {self.program.seed})" if self.program.seed is not None else ""
        return (f"{self.cls}{seed}: {head} after step {self.step + 1}:\n"
                + "".join(f"    {line}\n" for line in step.source(ours).splitlines())
                + f"  ours:  {self.ours}\n  torch: {self.theirs}\n"
                f"--- tinygrad_acts ---\n{self.program.source(ours)}\n"
                f"--- torch ---\n{self.program.source(theirs)}\n")


_compiled: dict[str, Any] = {}


def execute(source: str, env: dict) -> BaseException | None:
    """Run one step's source in ``env``; the exception it raised, or None."""
    code = _compiled.get(source)
    if code is None:
        if len(_compiled) > 20000:
            _compiled.clear()
        code = _compiled[source] = compile(source, "<program>", "exec")
    try:
        exec(code, env)
    except Exception as e:  # noqa: BLE001 - any exception is an outcome to compare
        return e
    return None


def _exc(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0][:240] if msg else ''}"


def compare(program: Program, stats: Counter | None = None) -> Difference | None:
    """Run ``program`` in both libraries, step by step; the first difference, or None.
    ``stats`` counts the steps both ran and both refused."""
    ours, theirs = backends()
    envs = ours.namespace(), theirs.namespace()
    low = ""  # the lowest float precision a step has used, named or not
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i, step in enumerate(program.steps):
                low = _lowest(step.source(ours), low)
                a = execute(step.source(ours), envs[0])
                b = execute(step.source(theirs), envs[1])
                if stats is not None:
                    stats["both raised" if a is not None and b is not None else "ran"] += 1
                if (a is None) != (b is None):
                    kind = "we-raise" if a is not None else "we-run"
                    return Difference(kind, i, "exception", _exc(a) if a else "ran",
                                      _exc(b) if b else "ran", program)
                d = _compare_state(envs, ours, theirs, low)
                if d:
                    kind, where, a_text, b_text = d
                    return Difference(kind, i, where, a_text, b_text, program,
                                      raised=a is not None)
    finally:
        ours.reset()
        theirs.reset()
    return None


def _lowest(source: str, low: str) -> str:
    """The lowest float precision after a step: a float32 literal that no name holds (``x *
    ta.tensor(..., dtype=ta.float32)``) still rounds the float64 values it meets."""
    if low == "float16" or "float16" in source:
        return "float16"
    return "float32" if low or "float32" in source else ""


def _compare_state(envs: tuple[dict, dict], ours: Backend, theirs: Backend,
                   low_source: str = "") -> Found | None:
    if ours.is_grad_enabled() != theirs.is_grad_enabled():
        return ("grad-mode", "is_grad_enabled()", str(ours.is_grad_enabled()),
                str(theirs.is_grad_enabled()))
    if ours.default_dtype() != theirs.default_dtype():
        return "default-dtype", "get_default_dtype()", ours.default_dtype(), \
            theirs.default_dtype()
    a, b = _snapshots(envs[0], ours), _snapshots(envs[1], theirs)
    low = {s.dtype for s in b.values() if s.kind == "tensor"} & {"float16", "float32"}
    low |= {low_source} - {""}
    loose = "float16" if "float16" in low else "float32" if low else ""
    for name in {**b, **a}:
        if name not in a or name not in b:
            return ("type", name, "defined" if name in a else "undefined",
                    "defined" if name in b else "undefined")
        d = diff_snaps(a[name], b[name], name, loose)
        if d:
            return d
    return None


def shrink(diff: Difference, budget: int = 400) -> Difference:
    """A smaller program with a difference of the same class: steps are removed, one at a
    time, while the class stays (a greedy one-minimal reduction)."""
    best = diff
    changed = True
    while changed and budget > 0:
        changed = False
        for i in reversed(range(len(best.program.steps))):
            if i >= len(best.program.steps) or budget <= 0:
                continue
            budget -= 1
            d = compare(best.program.without(i))
            if d is not None and d.cls == best.cls:
                best, changed = d, True
    return best


@dataclass(frozen=True)
class Known:
    """A deliberate difference: why, and how to recognise it."""

    reason: str
    match: Callable[[Difference], bool]


def explain(diff: Difference, known: dict[str, Known]) -> str | None:
    """The name of the known difference ``diff`` is, or None."""
    for name, k in known.items():
        if k.match(diff):
            return name
    return None


# --- the op table's rows, spelled for torch ---------------------------------------------------

#: Rows whose ``fn`` calls a graph node (so does not run on torch): the same call in torch.
#: Activation rows are added below from the registry (``F.<name>(x, **params)``).
TORCH_ROWS: dict[str, str] = {
    "digamma": "{0}.digamma()",  # (torch=False there: torch's trigamma, its gradient, is coarse)
    "cast": "{0}.to(torch.float64).to({0}.dtype) * {0}",
    "cat": "torch.cat([{0}, {1}, {0}], dim=1)",
    "stack": "torch.stack([{0}, {1}, {0}], dim=-1)",
    "take_along": "torch.take_along_dim({0}, torch.tensor(T.IDX2), dim=1)",
    "scatter": "torch.zeros(3, 4, dtype={0}.dtype).index_add(0, torch.tensor(T.IDX), {0})",
    "setitem": "torch.select_scatter({0}, {1}.expand(3), 1, 1)",
    "where": "torch.where(torch.tensor(T.COND), {0}, {1})",
    "linear": "F.linear({0}, {1}, {2})",
    "cross_entropy": "F.cross_entropy({0}, torch.tensor(T.TARGET))",
    "nll_loss": "F.nll_loss({0}, torch.tensor(T.TARGET), reduction='sum')",
    "binary_cross_entropy": "F.binary_cross_entropy({0}, {1}, reduction='none')",
    "binary_cross_entropy_with_logits":
        "F.binary_cross_entropy_with_logits({0}, {1}, reduction='none')",
}

#: Rows with no torch counterpart at all (name -> why); tests check this stays honest.
NO_TORCH_ROW: dict[str, str] = {
    "linalg.cond(p='fro')": "torch's backward of cond with a norm order raises inside torch "
                            "(its inverse is modified in place); tests/test_linalg_more.py "
                            "checks the values against torch and the gradient by gradcheck",
    **{name: "a packed recurrent scan has no function form in torch (it runs inside "
             "nn.LSTM / nn.GRU / nn.RNN); tests/test_rnn.py checks the packed layers against "
             "torch's modules" for name in ("lstm(packed)", "gru(packed, reverse)",
                                              "rnn(packed, reverse)")},
    "depends_on": "an engine node (y is x itself, recorded as depending on the others with "
                  "zero gradient, for create_graph); no torch op is a view of one tensor that "
                  "depends on another. It runs inside the create_graph programs instead",
}


def _activation_row(name: str) -> str | None:
    """An activation's row in torch: ``F.<name>(x, **defaults)``; maxout (no torch op) as
    torch's amax over groups of ``pieces`` (ties split the gradient evenly, as ours)."""
    spec = ta.activations[name]
    params = dict(spec.params)
    if name == "maxout":
        d, k = params["dim"], params["pieces"]
        return f"{{0}}.unflatten({d}, (-1, {k})).amax({d + 1 if d >= 0 else d})"
    tF = torch_backend().base["F"]
    if not hasattr(tF, name):
        return None
    args = "".join(f", {k}={v!r}" for k, v in params.items())
    return f"F.{name}({{0}}{args})"


def torch_row(name: str) -> str | None:
    """How row ``name`` is called in torch, as a template over ``{0}, {1}, ...``; None if it
    cannot be."""
    row = OPS[name]
    if name in TORCH_ROWS:
        return TORCH_ROWS[name]
    if name in ta.activations and OPS[name].node is ta.activations[name].node:
        return _activation_row(name)
    if row.torch:
        return f"OPS[{name!r}].fn(" + ", ".join(f"{{{i}}}" for i in range(row.arity)) + ")"
    return None


# --- the Tensor API the generator uses, discovered from the Tensor class -----------------------

#: methods that are not values to compare, or have effects the harness controls itself
_NOT_METHODS = {"backward", "register_hook", "retain_grad", "requires_grad_", "bump_version",
                "cuda", "cpu", "astype",
                # an address and the process-level sharing calls: no value to compare
                "data_ptr", "share_memory_", "pin_memory", "is_pinned", "is_shared"}


@functools.cache
def tensor_methods() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(zero-argument methods, methods of one ``other``) that ours and torch's Tensor share;
    a method added to the Tensor class is fuzzed with no edit here."""
    torch = torch_backend().lib
    zero, other = [], []
    for name, fn in vars(ta.Tensor).items():
        if name.startswith("_") or name in _NOT_METHODS or not callable(fn) \
                or not hasattr(torch.Tensor, name):
            continue
        params = list(inspect.signature(fn).parameters.values())[1:]
        required = [p for p in params if p.default is p.empty
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if not required and not name.endswith("_"):
            zero.append(name)
        elif len(required) == 1 and required[0].name == "other":
            other.append(name)
    return tuple(zero), tuple(other)


@functools.cache
def inplace_methods() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(in-place forms of the zero-argument methods, of the ``other``-methods) that ours and
    torch's Tensor share: ``x.exp_()``, ``x.atan2_(y)``; the random fills are left out."""
    torch = torch_backend().lib
    zero, other = tensor_methods()
    names = [n for n in vars(ta.Tensor) if n.endswith("_") and not n.startswith("_")
             and hasattr(torch.Tensor, n) and n[:-1] not in RANDOM]
    return (tuple(n for n in names if n[:-1] in zero),
            tuple(n for n in names if n[:-1] in other))


#: ops whose float results are IEEE-identical in both libraries (so safe to compare exactly
#: and to feed into ops that jump): the operators, views, selections, piecewise-linear maps
EXACT = {"+", "-", "*", "/", "neg", "abs", "relu", "clamp", "maximum", "minimum", "where",
         "cat", "stack", "index", "view", "leaf", "sign", "float", "double", "long", "int",
         "bool", "short", "half", "clone", "detach", "contiguous", "t", "T", "square",
         "hardtanh", "add", "sub", "mul", "div", "setitem", "to", "type_as", "eq", "<",
         "<=", ">", ">=", "==", "!=", "&", "|", "^", "max(dim)", "amax", "amin", "sqrt",
         "zero_", "fill_", "relu_", "flatten", "squeeze", "unsqueeze", "reshape", "permute",
         "transpose", "expand", "maxout", "all", "any", "argmax", "argmin", "max", "min",
         # the op surface (api/): roundings, selections and nan tests are exact too
         "floor", "ceil", "trunc", "round", "fix", "frac", "fmod", "fmax", "fmin", "clamp_min",
         "clamp_max", "nan_to_num", "negative", "absolute", "isnan", "isinf", "isfinite",
         "isposinf", "isneginf", "median", "nanmedian", "mode", "aminmax", "cummax",
         "cummin", "flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "diagonal",
         "diag", "narrow", "tile", "repeat", "movedim", "sort", "msort", "topk", "kthvalue",
         "gather", "take", "masked_fill", "index_select", "relu6", "hardshrink"}
#: ops whose result jumps with the last bit of their operands
JUMPS = {"sign", "<", "<=", ">", ">=", "==", "!=", "//", "%", "floor_divide", "remainder",
         "long", "int", "short", "bool", "argmax", "argmin", "eq", "&", "|", "^", "all", "any",
         "mask", "floor", "ceil", "trunc", "round", "fix", "frac", "fmod", "count_nonzero",
         "mode", "median", "nanmedian", "argsort", "unique", "isnan", "isinf", "isfinite",
         # the same tests spelled as methods, and the ops whose result is a set of places
         "gt", "ge", "lt", "le", "ne", "greater", "greater_equal", "less", "less_equal",
         "not_equal", "isclose", "allclose", "equal", "isposinf", "isneginf", "logical_not",
         "logical_and", "logical_or", "logical_xor", "nonzero", "argwhere", "sort",
         "cummax", "cummin", "topk", "kthvalue", "max(dim)", "min(dim)", "masked_select"}
#: ops whose values are drawn at random (bernoulli) or left uninitialised (new_empty): their
#: results are compared by shape, dtype, requires_grad and range only (``RANDOM_SUMMARY``)
RANDOM = {"bernoulli", "new_empty"}
#: how a random result is replaced, in both libraries, by something deterministic: the same
#: dtype and shape, 1 where the drawn value is in range (bernoulli draws 0 or 1), else 0
RANDOM_SUMMARY = {"bernoulli": "{0} = {0} * 0 + (({0} == 0) | ({0} == 1))",
                  "new_empty": "{0} = $lib.zeros_like({0})"}

FLOATS = ("float64", "float32")
INTS = ("int64", "int32")
DTYPES = ("float64", "float64", "float64", "float64", "float32", "int64", "int32", "bool")
SHAPES = ((), (1,), (3,), (4,), (2, 3), (3, 4), (3, 1), (1, 4), (4, 3), (2, 3, 4),
          (2, 1, 4), (1, 3, 1), (2, 2), (0,), (2, 0), (0, 3))
SHAPE_P = np.array([4, 2, 4, 4, 5, 6, 3, 3, 3, 5, 3, 2, 3, 1, 1, 1], float)
GRID = np.arange(-2, 2.01, 0.5)


def literal(arr: np.ndarray) -> str:
    """Nested-list Python for an array (inf and nan through ``math``)."""
    def one(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(one(x) for x in v) + "]"
        if isinstance(v, float):
            if math.isnan(v):
                return "math.nan"
            if math.isinf(v):
                return "math.inf" if v > 0 else "-math.inf"
        return repr(v)
    return one(arr.tolist())


def desc(x: Any) -> str:
    """A short description of an operand: ``f64[3,4]``, ``i32[]``, ``py-float``."""
    if hasattr(x, "dtype") and hasattr(x, "shape") and not isinstance(x, np.generic):
        d = _dtype_name(x.dtype).replace("float", "f").replace("int", "i")
        return f"{d}[{','.join(map(str, x.shape))}]"
    if isinstance(x, np.generic):
        return f"np.{type(x).__name__}"
    return f"py-{type(x).__name__}"


# --- the generator ----------------------------------------------------------------------------


class Builder:
    """Writes one random program, running each step on torch as it goes (see the module
    docstring). ``exact`` holds the names of values computed exactly."""

    P_MODE = 0.1          # a step runs under a grad-mode wrapper
    P_INVALID = 0.1       # a step asks for something invalid on purpose

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.backend = torch_backend()
        self.torch = self.backend.lib
        self.env = self.backend.namespace()
        self.steps: list[Step] = []
        self.count = 0
        self.exact: set[str] = set()
        self.focus: str | None = None

    # --- bookkeeping ------------------------------------------------------------------

    def new(self, prefix: str = "v") -> str:
        self.count += 1
        return f"{prefix}{self.count - 1}"

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def choice(self, items: Any) -> Any:
        items = list(items)
        return items[int(self.rng.integers(len(items)))]

    def emit(self, code: str | dict, tag: str, sig: str = "", *, out: str | None = None,
             expr: str | dict | None = None, exact: bool = False) -> bool:
        """Add a step (perhaps under a grad-mode wrapper) and run it on torch; whether torch
        ran it. ``expr`` (the expression ``out`` is bound to) allows the wrappers that need
        an expression (a thread, a decorator)."""
        step = Step(code, tag, sig)
        if self.chance(self.P_MODE):
            step = self._wrap(step, out, expr)
        error = self.run(step)
        if error is None and exact and out:
            self.exact.add(out)
        return error is None

    def run(self, step: Step) -> BaseException | None:
        """Run a step on torch (and add it to the program)."""
        self.steps.append(step)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return execute(step.source(self.backend), self.env)

    def _wrap(self, step: Step, out: str | None, expr: str | dict | None) -> Step:
        modes = ["no_grad", "enable_grad", "set_grad_enabled"]
        if out and isinstance(expr, str):
            modes += ["thread", "thread in no_grad", "decorator"]
        mode = self.choice(modes)
        code = step.code

        def indent(c: str | dict, head: str, depth: int = 1) -> str | dict:
            if isinstance(c, dict):
                return {k: indent(v, head, depth) for k, v in c.items()}
            pad = "    " * depth
            return head + "\n" + "\n".join(pad + line for line in c.splitlines())

        if mode == "no_grad":
            code = indent(code, "with $lib.no_grad():")
        elif mode == "enable_grad":
            code = indent(indent(code, "with $lib.enable_grad():"), "with $lib.no_grad():")
        elif mode == "set_grad_enabled":
            code = indent(code, "with $lib.set_grad_enabled(False):")
        elif mode == "thread":
            code = f"{out} = in_thread(lambda: {expr})"
        elif mode == "thread in no_grad":
            code = f"with $lib.no_grad():\n    {out} = in_thread(lambda: {expr})"
        else:
            code = f"{out} = $lib.no_grad()(lambda: {expr})()"
        return Step(code, step.tag, step.sig, mode)

    # --- values -----------------------------------------------------------------------

    def names(self, pred: Callable[[Any], bool] = lambda t: True) -> list[str]:
        tensor = self.torch.Tensor

        def ok(v: Any) -> bool:
            try:
                return bool(pred(v))
            except Exception:  # noqa: BLE001 - torch refuses to describe invalidated views
                return False
        return [k for k, v in self.env.items() if k[0] == "v" and isinstance(v, tensor) and ok(v)]

    def pick(self, pred: Callable[[Any], bool] = lambda t: True, *,
             exact: bool = False) -> str | None:
        """A value satisfying ``pred`` (recent ones more often), or None."""
        names = [n for n in self.names(pred) if not exact or n in self.exact]
        if not names:
            return None
        w = np.arange(1, len(names) + 1, dtype=float) ** 1.5
        return names[int(self.rng.choice(len(names), p=w / w.sum()))]

    def value(self, name: str) -> Any:
        return self.env[name]

    def dtype_of(self, name: str) -> str:
        return _dtype_name(self.env[name].dtype)

    def is_float(self, t: Any) -> bool:
        return t.dtype.is_floating_point

    def shape(self) -> tuple:
        return SHAPES[int(self.rng.choice(len(SHAPES), p=SHAPE_P / SHAPE_P.sum()))]

    def data(self, shape: tuple, dtype: str, domain: str = "real") -> np.ndarray:
        rng = self.rng
        if dtype == "bool":
            return rng.random(shape) < 0.5
        if dtype not in ("float64", "float32", "float16"):
            lo = 1 if domain in ("positive", "nonzero") else -3
            return rng.integers(lo, 4, shape).astype(np.int64)
        if domain == "positive":
            x = rng.choice(GRID[GRID > 0], shape) if self.chance(0.5) else \
                rng.uniform(0.5, 2, shape).round(2)
        elif domain == "unit":
            x = rng.uniform(0.05, 0.95, shape).round(2)
        elif domain == "nonzero":
            x = rng.uniform(0.1, 2, shape).round(2) * rng.choice([-1, 1], shape)
        else:
            x = rng.choice(GRID, shape) if self.chance(0.4) else \
                rng.uniform(-2, 2, shape).round(2)
            if x.size and self.chance(0.06):
                x = np.array(x, dtype=float)
                x.flat[int(rng.integers(x.size))] = self.choice(
                    [0.0, -0.0, math.inf, -math.inf, math.nan, 1e3, -1e3])
        return np.asarray(x, dtype=np.float64)

    def leaf(self, shape: tuple | None = None, dtype: str | None = None,
             requires_grad: bool | None = None, domain: str = "real") -> str:
        shape = self.shape() if shape is None else tuple(shape)
        dtype = dtype or self.choice(DTYPES)
        if requires_grad is None:
            requires_grad = dtype in FLOATS and self.chance(0.85)
        rg = ", requires_grad=True" if requires_grad else ""
        name = self.new()
        if 0 in shape:
            code = f"{name} = $lib.zeros({shape}, dtype=$lib.{dtype}{rg})"
        else:
            code = f"{name} = $lib.tensor({literal(self.data(shape, dtype, domain))}, " \
                   f"dtype=$lib.{dtype}{rg})"
        self.run(Step(code, "leaf"))
        self.exact.add(name)
        return name

    def operand(self, pred: Callable[[Any], bool], make: Callable[[], str], *,
                exact: bool = False, p_fresh: float = 0.3) -> str:
        name = None if self.chance(p_fresh) else self.pick(pred, exact=exact)
        return name if name is not None else make()

    def float_operand(self, *, domain: str = "real", shape: tuple | None = None,
                      exact: bool = False) -> str:
        def ok(t: Any) -> bool:
            return self.is_float(t) and (shape is None or tuple(t.shape) == shape) \
                and _in_domain(t, domain)
        return self.operand(ok, lambda: self.leaf(shape, self.choice(FLOATS + ("float64",)),
                                                  domain=domain), exact=exact)

    def broadcast_shape(self, shape: tuple) -> tuple:
        """A shape that broadcasts with ``shape``: fewer leading dims, some dims 1, or one
        more leading dim."""
        s = list(shape[int(self.rng.integers(0, len(shape) + 1)):])
        s = [1 if self.chance(0.3) else n for n in s]
        if self.chance(0.2) and len(s) < 4:
            s = [2] + s
        return tuple(s)

    def scalar(self, dtype_hint: str = "") -> str:
        """A Python or numpy scalar operand, as code."""
        kind = self.choice(["int", "float", "float", "bool", "np"])
        if kind == "int":
            return str(self.choice([-2, -1, 0, 1, 2, 3]))
        if kind == "float":
            return repr(self.choice([0.5, -1.5, 2.0, 0.0, 1.25, -0.75]))
        if kind == "bool":
            return self.choice(["True", "False"])
        return self.choice(["np.float64(1.5)", "np.float32(-0.5)", "np.int64(2)",
                            "np.int32(-1)", "np.bool_(True)", "np.float64(-2.0)"])


def _in_domain(t: Any, domain: str) -> bool:
    if domain == "real" or not t.numel():
        return True
    x = t.detach().double()
    if domain == "positive":
        return bool((x > 0.2).all())
    if domain == "nonzero":
        return bool((x.abs() > 0.05).all())
    return bool(((x > 0.02) & (x < 0.98)).all())


def _leafness(t: Any) -> str:
    """"" for a leaf, " non-leaf" otherwise (for step descriptions)."""
    return "" if _attr(lambda: t.grad_fn is None) is True else " non-leaf"


def _dims_text(shape: tuple | list) -> str:
    return ", ".join(map(str, shape))


def _storage(t: Any) -> int:
    return t.untyped_storage().data_ptr() if t.numel() else -1


def _changed(b: Builder, name: str, exact: bool) -> None:
    """``name`` was changed in place: if not exactly, neither is anything sharing its memory."""
    if exact:
        return
    t = b.env.get(name)
    if t is None or not isinstance(t, b.torch.Tensor):
        b.exact.discard(name)
        return
    ptr = _storage(t)
    for other in b.names(lambda u: _storage(u) == ptr):
        b.exact.discard(other)
    b.exact.discard(name)


# --- the steps the generator draws from ---------------------------------------------------------


def step_leaf(b: Builder) -> None:
    b.leaf()


TENSOR_DATA = ("3", "2.5", "True", "[1, 2.5]", "[True, 2]", "[[1, 2], [3, 4]]", "[]",
               "np.float32(1.5)", "np.array([1, 2], dtype=np.int32)", "np.arange(3.0)",
               "[True, False]", "np.float64(2.0)", "[np.int32(1), 2]")


def step_factory(b: Builder) -> None:
    """The factories, with the dtypes they infer from their arguments."""
    out = b.new()
    shape = b.choice([(2, 3), (3,), (), (0,), (4,)])
    dims = _dims_text(shape) or "()"
    x = b.pick()
    forms = [
        f"$lib.zeros({shape}, dtype=$lib.{b.choice(DTYPES)})",
        f"$lib.ones({dims})",
        f"$lib.zeros({dims}, requires_grad=True)",
        f"$lib.full({shape}, {b.scalar()})",
        f"$lib.arange({b.choice([0, 3, 5])})",
        f"$lib.arange({b.choice(['0.0, 2.0, 0.5', '1, 7, 2', '-1, 1, 0.25', '3, 0, -1'])})",
        f"$lib.eye({b.choice(['3', '2, 3', '3, dtype=$lib.float64'])})",
        f"$lib.tensor({b.choice(TENSOR_DATA)})",
        f"$lib.tensor({b.choice(['[1.0, -2.0]', '0.5', '[[0.5], [1.5]]'])}, requires_grad=True)",
        f"$lib.Tensor({b.choice(['[1, 2]', '[[1.5, 2.0]]', 'np.array([1, 2])'])})",
    ]
    if x is not None:
        forms += [f"$lib.zeros_like({x})", f"$lib.ones_like({x}, dtype=$lib.float64)"]
    expr = b.choice(forms)
    b.emit(f"{out} = {expr}", "factory " + expr.split("(")[0].removeprefix("$lib."), out=out,
           expr=expr, exact=True)


def _row_operand(b: Builder, row: Any, i: int, shape: tuple | None = None,
                 dtype: str | None = None) -> str:
    """An input of a row: a float tensor inside the row's domain; for a row that calls a
    graph node directly (no dtype promotion in front), of the first input's dtype; for an
    elementwise user-level row, sometimes an integer tensor."""
    domain = row.domain[min(i, len(row.domain) - 1)]
    if shape is None and row.torch and row.kind == "elementwise" and b.chance(0.1):
        return b.operand(lambda t: not b.is_float(t), lambda: b.leaf(dtype=b.choice(INTS)))
    if dtype is None:
        return b.float_operand(domain=domain, shape=shape)
    return b.operand(lambda t: _dtype_name(t.dtype) == dtype and tuple(t.shape) == shape
                     and _in_domain(t, domain), lambda: b.leaf(shape, dtype, domain=domain))


def step_row(b: Builder) -> None:
    """One row of the op table: its ``fn`` here, the same call in torch."""
    if b.focus is not None and torch_row(b.focus) is not None and b.chance(0.8):
        row = OPS[b.focus]
    else:
        row = b.choice([r for r in OPS.values() if torch_row(r.name) is not None])
    if row.kind == "elementwise":
        args = [_row_operand(b, row, 0)]
    elif row.kind == "broadcast":
        a = _row_operand(b, row, 0)
        shape = b.broadcast_shape(tuple(b.value(a).shape))
        args = [a, _row_operand(b, row, 1, shape)]
        if b.chance(0.3) and row.domain[0] == row.domain[-1]:
            args.reverse()
    else:
        case = b.choice(row.cases)
        args = [_row_operand(b, row, 0, case[0])]
        dtype = None if row.torch else b.dtype_of(args[0])
        args += [_row_operand(b, row, i, s, dtype) for i, s in enumerate(case) if i]
    out = b.new()
    ours = f"{out} = OPS[{row.name!r}].fn({', '.join(args)})"
    theirs = f"{out} = " + str(torch_row(row.name)).format(*args)
    code: str | dict = ours if ours == theirs else {"ta": ours, "torch": theirs}
    b.emit(code, f"row {row.name}", ", ".join(desc(b.value(a)) for a in args), out=out,
           expr=ours.split(" = ", 1)[1] if ours == theirs else None,
           exact=row.name in EXACT and all(a in b.exact for a in args))


def step_cast(b: Builder) -> None:
    """``x.to(dtype)``, ``x.to(dtype=)``, ``x.type_as(y)``."""
    dtype = b.choice(DTYPES + ("float16",))
    jumps = dtype not in ("float64", "float32", "float16")
    x = b.pick(exact=jumps) or b.leaf()
    form = b.choice(["to", "to dtype=", "type_as"])
    expr = f"{x}.to($lib.{dtype})" if form == "to" else f"{x}.to(dtype=$lib.{dtype})" \
        if form == "to dtype=" else f"{x}.type_as({b.leaf((), dtype, False)})"
    out = b.new()
    b.emit(f"{out} = {expr}", f"cast {form}", f"{desc(b.value(x))} -> {dtype}", out=out,
           expr=expr, exact=x in b.exact)


def step_unary(b: Builder) -> None:
    """A zero-argument Tensor method, on a tensor of any dtype."""
    if b.chance(0.15):
        step_cast(b)
        return
    name = b.choice(tensor_methods()[0])
    x = b.pick(exact=name in JUMPS) or b.leaf()
    out = b.new()
    expr = f"{x}.{name}()"
    if name in RANDOM:   # one step: if the draw raises, the summary does not run
        b.emit(f"{out} = {expr}\n" + RANDOM_SUMMARY[name].format(out), f".{name}()",
               desc(b.value(x)), out=out)
        return
    b.emit(f"{out} = {expr}", f".{name}()", desc(b.value(x)), out=out, expr=expr,
           exact=name in EXACT and x in b.exact)


def _gather_index(b: Builder, d: int, size: int, shape: tuple) -> str:
    index = literal(b.rng.integers(0, max(size, 1), shape))
    return f"{d}, $lib.tensor({index}, dtype=$lib.int64)"   # int64 even when empty


def _mask(b: Builder, shape: tuple) -> str:
    return f"$lib.tensor({literal(b.rng.random(shape) < 0.5)}, dtype=$lib.bool)"


def _index(b: Builder, size: int) -> str:
    return f"$lib.tensor({[int(i) for i in b.rng.integers(0, max(size, 1), 2)]})"


#: Tensor methods whose required parameters are not just ``other``: how to write their
#: arguments, from the builder, a dim (in range mostly), that dim's size and the shape
METHOD_ARGS: dict[str, Callable[[Builder, int, int, tuple], str]] = {
    **{name: (lambda b, d, n, s: str(d)) for name in (
        "cumsum", "cumprod", "cummax", "cummin", "logsumexp", "softmax", "log_softmax",
        "unbind")},
    **{name: (lambda b, d, n, s: f"{b.choice([1, 2, n, n + 1])}, {d}")
       for name in ("topk", "kthvalue")},
    **{name: (lambda b, d, n, s: f"{b.choice([1, 2, 3])}, {d}")
       for name in ("chunk", "split", "tensor_split")},
    "roll": lambda b, d, n, s: b.choice([f"{b.choice([1, -2])}", f"{b.choice([1, -2])}, {d}"]),
    "narrow": lambda b, d, n, s: f"{d}, {b.choice([0, 1])}, {b.choice([0, 1, 2])}",
    "clamp_min": lambda b, d, n, s: b.choice(["0.5", "-1.0", "0"]),
    "clamp_max": lambda b, d, n, s: b.choice(["0.5", "-1.0", "0"]),
    "masked_fill": lambda b, d, n, s: f"{_mask(b, s)}, {b.choice(['0.5', '-2', 'math.inf'])}",
    "masked_select": lambda b, d, n, s: _mask(b, s),
    "repeat_interleave": lambda b, d, n, s: b.choice(["2", f"2, dim={d}"]),
    "unflatten": lambda b, d, n, s: f"{d}, ({n}, 1)" if b.chance(0.8) else f"{d}, (2, -1)",
    "index_select": lambda b, d, n, s: f"{d}, {_index(b, n)}",
    "take": lambda b, d, n, s: _index(b, n),
    "gather": _gather_index,
}


def step_method(b: Builder) -> None:
    """A Tensor method with arguments: dims, k, sizes, an index or a mask."""
    name = b.choice([m for m in METHOD_ARGS if hasattr(ta.Tensor, m)])
    x = b.pick(exact=name in JUMPS) or b.leaf()
    t = b.value(x)
    d = _dim(b, t.dim())
    size = t.shape[d] if t.dim() and -t.dim() <= d < t.dim() else 1
    out = b.new()
    expr = f"{x}.{name}({METHOD_ARGS[name](b, d, size, tuple(t.shape))})"
    b.emit(f"{out} = {expr}", f".{name}(args)", desc(t), out=out, expr=expr,
           exact=name in EXACT and x in b.exact)


OPERATORS = ("+", "-", "*", "/", "**", "//", "%", "<", "<=", ">", ">=", "==", "!=", "&", "|",
             "^")


def _other(b: Builder, x: str, exact: bool) -> tuple[str, str]:
    """The second operand of a binary op with tensor ``x``: (code, description)."""
    kind = b.choice(["tensor", "tensor", "tensor", "0-d", "scalar", "scalar"])
    if kind == "scalar":
        s = b.scalar()
        return s, desc(eval(s, {"np": np}))
    if kind == "0-d":
        y = b.leaf((), b.choice(DTYPES))
    elif b.chance(b.P_INVALID):
        y = b.leaf((5,), b.choice(DTYPES))
    else:
        shape = b.broadcast_shape(tuple(b.value(x).shape))
        y = b.operand(lambda t: tuple(t.shape) == shape, lambda: b.leaf(shape, b.choice(DTYPES)),
                      exact=exact, p_fresh=0.5)
    return y, desc(b.value(y))


def step_binary(b: Builder) -> None:
    """An operator, an ``other``-method or a top-level function of two operands: tensors of
    any dtypes and broadcasting shapes, 0-d tensors, Python and numpy scalars, either side."""
    form = b.choice(["op"] * 4 + ["method", "function"])
    others = [m for m in tensor_methods()[1] if m != "matmul"]
    op = b.choice(OPERATORS) if form == "op" else b.choice(others) if form == "method" \
        else b.choice([f for f in ("maximum", "minimum") if hasattr(ta, f)])
    exact = op in JUMPS
    x = b.pick(exact=exact) or b.leaf()
    y, ydesc = _other(b, x, exact)
    xdesc = desc(b.value(x))
    if form == "op":
        left, right, sig = (x, y, f"{xdesc} {op} {ydesc}") if b.chance(0.65) else \
            (y, x, f"{ydesc} {op} {xdesc}")
        expr, tag = f"{left} {op} {right}", f"binary {op}"
    elif form == "method":
        expr, tag, sig = f"{x}.{op}({y})", f".{op}(other)", f"{xdesc}, {ydesc}"
    else:
        expr, tag, sig = f"$lib.{op}({x}, {y})", f"{op}()", f"{xdesc}, {ydesc}"
    out = b.new()
    b.emit(f"{out} = {expr}", tag, sig, out=out, expr=expr,
           exact=op in EXACT and x in b.exact and (y in b.exact or y not in b.env))


REDUCTIONS = ("sum", "mean", "amax", "amin", "max", "min", "var", "std", "argmax", "argmin",
              "all", "any")


def _dim(b: Builder, ndim: int, extra: int = 0) -> int:
    """A dim: in range mostly, out of range sometimes."""
    n = max(ndim + extra, 1)
    if b.chance(b.P_INVALID):
        return b.choice([n, -n - 1])
    return int(b.rng.integers(-n, n))


def step_reduce(b: Builder) -> None:
    name = b.choice(REDUCTIONS)
    how = b.choice(["all", "int", "int", "int", "tuple", "kw"])
    # NOTE: max(dim) / min(dim) return indices, which jump with the last bit of a tie
    jumps = name in JUMPS or (name in ("max", "min") and how in ("int", "kw"))
    x = b.pick(exact=jumps) or b.leaf()
    ndim = b.value(x).dim()
    args = []
    if how == "int":
        args.append(str(_dim(b, ndim)))
    elif how == "kw":
        args.append(f"dim={_dim(b, ndim)}")
    elif how == "tuple" and ndim >= 2:
        d = b.rng.choice(ndim, 2, replace=b.chance(b.P_INVALID))
        args.append(f"dim=({int(d[0])}, {int(d[1]) - (ndim if b.chance(0.3) else 0)})")
    if args and b.chance(0.4):
        args.append(f"keepdim={b.choice([True, False])}")
    if name in ("var", "std") and b.chance(0.3):
        args.append(b.choice(["correction=0", "correction=2", "unbiased=False"]))
    call = f"{x}.{name}({', '.join(args)})"
    sig = desc(b.value(x))
    exact = name in EXACT and x in b.exact
    if name in ("max", "min") and how in ("int", "kw"):
        out, out2 = b.new(), b.new()
        form = b.choice(["unpack", "values", "indices", "tuple"])
        code = {"unpack": f"{out}, {out2} = {call}", "values": f"{out} = {call}.values",
                "indices": f"{out} = {call}.indices", "tuple": f"{out} = {call}"}[form]
        b.emit(code, f"{name}(dim)", sig, out=out, exact=exact)
        return
    out = b.new()
    b.emit(f"{out} = {call}", f".{name}({'dim' if args else ''})", sig, out=out, expr=call,
           exact=exact)


def _reshape_target(b: Builder, numel: int) -> tuple:
    if b.chance(b.P_INVALID):
        return b.choice([(numel + 1,), (-1, -1), (-2,)])
    factors = [n for n in range(1, numel + 1) if numel % n == 0] or [0]
    a = b.choice(factors)
    shape: list[int] = [a, numel // a if a else b.choice([0, 3])]
    if b.chance(0.3):
        shape.insert(0, 1)
    if b.chance(0.3) and numel:
        shape[int(b.rng.integers(len(shape)))] = -1
    return tuple(shape[b.choice([0, 1]) if b.chance(0.3) else 0:])


def _view_args(b: Builder, kind: str, t: Any) -> str:
    """The arguments of view op ``kind`` for tensor ``t``: valid mostly, invalid sometimes."""
    shape, n = tuple(t.shape), t.dim()
    if kind in ("reshape", "view"):
        target = _reshape_target(b, t.numel())
        return _dims_text(target) if b.chance(0.6) and target else repr(tuple(target))
    if kind == "flatten":
        return b.choice(["", f"{_dim(b, n)}", f"{_dim(b, n)}, {_dim(b, n)}",
                         f"start_dim={_dim(b, n)}"])
    if kind == "permute":
        perm = list(b.rng.permutation(n))
        if b.chance(b.P_INVALID):
            perm = perm[1:] if n and b.chance(0.5) else perm + [0]
        perm = [int(p) - (n if b.chance(0.2) else 0) for p in perm]
        return _dims_text(perm) if b.chance(0.7) else repr(tuple(perm))
    if kind in ("transpose", "swapaxes"):
        return f"{_dim(b, n)}, {_dim(b, n)}"
    if kind == "expand":
        dims: list = [3 if s == 1 and b.chance(0.6) else (-1 if b.chance(0.3) else s)
                      for s in shape]
        if b.chance(0.4):
            dims.insert(0, 2)
        if b.chance(b.P_INVALID) and dims:
            dims[-1] = 5
        return _dims_text(dims) if dims else "()"
    if kind == "squeeze":
        return b.choice(["", f"{_dim(b, n)}", f"dim={_dim(b, n)}"])
    if kind == "unsqueeze":
        return str(_dim(b, n, extra=1))
    return ""


def step_shape(b: Builder) -> None:
    """A view or a shape query."""
    x = b.pick() or b.leaf()
    t = b.value(x)
    kind = b.choice(["reshape", "view", "view", "flatten", "permute", "transpose", "swapaxes",
                     "T", "expand", "squeeze", "unsqueeze", "size", "contiguous"])
    if kind == "T":
        expr = f"{x}.T"
    elif kind == "size":
        n = t.dim()
        expr = b.choice([f"{x}.size()", f"{x}.size({_dim(b, n)})", f"{x}.shape", f"{x}.dim()",
                         f"{x}.ndim", f"{x}.numel()", f"len({x})", f"{x}.shape[{_dim(b, n)}]"])
    else:
        expr = f"{x}.{kind}({_view_args(b, kind, t)})"
    out = b.new()
    b.emit(f"{out} = {expr}", kind, desc(t), out=out, expr=expr, exact=x in b.exact)


def index_text(b: Builder, x: str) -> str:
    """An index for ``x``: ints, slices, None, Ellipsis, int lists and tensors, bool masks."""
    t = b.value(x)
    shape = list(t.shape)
    if b.chance(0.08) and x in b.exact and t.dtype.is_floating_point:
        return f"{x} > 0"
    parts: list[str] = []
    dim = 0
    for _ in range(int(b.rng.integers(1, min(len(shape), 3) + 2))):
        kind = b.choice(["int", "slice", "slice", "None", "...", "list", "tensor", "mask"])
        if kind == "None":
            parts.append("None")
            continue
        if kind == "..." and "..." not in parts:
            parts.append("...")
            dim = len(shape) if dim == 0 else dim
            continue
        if dim >= len(shape):
            break
        size = shape[dim]
        dim += 1
        if kind == "int":
            i = int(b.rng.integers(-size, size)) if size else 0
            parts.append(str(size if b.chance(b.P_INVALID) else i))
        elif kind in ("slice", "..."):
            lo = b.choice(["", "", "1", "-2", "0"])
            hi = b.choice(["", "", "2", "-1", "5"])
            step = b.choice(["", "", "2", "3"] + (["-1"] if b.chance(b.P_INVALID) else []))
            parts.append(f"{lo}:{hi}" + (f":{step}" if step else ""))
        elif kind in ("list", "tensor"):
            idx = [int(b.rng.integers(-size, size)) for _ in range(int(b.rng.integers(1, 4)))] \
                if size else []
            parts.append(repr(idx) if kind == "list" else f"$lib.tensor({idx!r}, "
                         f"dtype=$lib.{b.choice(['int64', 'int64', 'int32'])})")
        else:
            mask = [bool(v) for v in b.rng.random(size) < 0.5]
            parts.append(repr(mask) if b.chance(0.3) else f"$lib.tensor({mask!r})")
    if not parts:
        return "()" if b.chance(0.5) else "..."
    return ", ".join(parts)


def step_index(b: Builder) -> None:
    x = b.pick() or b.leaf()
    idx = index_text(b, x)
    out = b.new()
    expr = f"{x}[{idx}]"
    b.emit(f"{out} = {expr}", "index", desc(b.value(x)) + f"[{idx}]", out=out, expr=expr,
           exact=x in b.exact)


def _selected_shape(b: Builder, x: str, idx: str) -> tuple | None:
    try:
        return tuple(eval(b.backend.render(f"{x}[{idx}]"), b.env).shape)
    except Exception:  # noqa: BLE001 - an index torch refuses: the step will raise
        return None


def step_setitem(b: Builder) -> None:
    x = b.pick() or b.leaf()
    idx = index_text(b, x)
    shape = _selected_shape(b, x, idx) or ()
    kind = b.choice(["scalar", "tensor", "tensor", "broadcast", "grad", "wrong"])
    if kind == "scalar":
        value = b.scalar()
    elif kind == "wrong":
        value = b.leaf((7,), b.choice(DTYPES))
    else:
        s = shape if kind != "broadcast" else tuple(shape[1:])
        value = b.leaf(s, b.choice(DTYPES) if b.chance(0.3) else b.dtype_of(x),
                       requires_grad=kind == "grad" or None)
    b.emit(f"{x}[{idx}] = {value}", "setitem", f"{desc(b.value(x))}[{idx}] = {value}")
    _changed(b, x, value in b.exact or value not in b.env)


INPLACE = ("add_", "sub_", "mul_", "div_", "+=", "-=", "*=", "/=", "clamp_", "zero_", "fill_",
           "relu_", "sigmoid_", "tanh_", "F.relu", "F.leaky_relu", "F.relu_", "method_",
           "method_")


def _inplace_target(b: Builder) -> str:
    kind = b.choice(["non-leaf", "non-leaf", "view", "any"])
    if kind == "non-leaf":
        x = b.pick(lambda t: t.grad_fn is not None)
    elif kind == "view":
        x = b.pick(lambda t: t._base is not None)
    else:
        x = b.pick()
    return x or b.leaf()


def step_inplace(b: Builder) -> None:
    """An in-place op on a leaf, a non-leaf or a view (some must raise, now or at backward)."""
    x = _inplace_target(b)
    op = b.choice(INPLACE)
    out = ""
    exact = op in ("zero_", "fill_", "relu_", "F.relu", "F.relu_")
    operand_exact = True
    if op in ("add_", "sub_", "mul_", "div_", "+=", "-=", "*=", "/="):
        y = b.scalar() if b.chance(0.4) else _other(b, x, False)[0]
        operand_exact = y in b.exact or y not in b.env
        exact = op[0] in "+-*/asmd" and operand_exact
        code = f"{x}.{op}({y})" if op[-1] == "_" else f"{x} {op} {y}"
    elif op == "clamp_":
        code = f"{x}.clamp_({b.choice(['-0.5, 1.0', 'min=0.0', 'max=0.5', '0, 1', '1.0, -1.0'])})"
        exact = True
    elif op == "fill_":
        v = b.scalar() if b.chance(0.7) else b.leaf((), b.choice(DTYPES))
        code = f"{x}.fill_({v})"
    elif op in ("zero_", "relu_", "sigmoid_", "tanh_"):
        code = f"{x}.{op}()"
    elif op == "method_":   # any other in-place method of the Tensor class
        unary, binary = inplace_methods()
        op = b.choice(unary + binary)
        jumps = op[:-1] in JUMPS
        if jumps and x not in b.exact:
            x = b.pick(exact=True) or b.leaf()
        exact = op[:-1] in EXACT and op in unary
        code = f"{x}.{op}()" if op in unary else f"{x}.{op}({_other(b, x, jumps)[0]})"
    else:
        out = b.new()
        args = {"F.relu": "inplace=True", "F.leaky_relu": "0.2, inplace=True",
                "F.relu_": ""}[op]
        code = f"{out} = {op}({x}{', ' + args if args else ''})"
    b.emit(code, f"inplace {op}", desc(b.value(x)) + _leafness(b.value(x)), out=out or None)
    _changed(b, x, exact and x in b.exact)
    if out and out in b.env:
        b.exact.discard(out)


def step_join(b: Builder) -> None:
    """cat / stack / where, with mixed dtypes, broadcasting, 0-d and empty tensors."""
    kind = b.choice(["cat", "cat", "stack", "where", "where"])
    x = b.pick() or b.leaf()
    t = b.value(x)
    shape, n = tuple(t.shape), t.dim()
    if kind in ("cat", "stack"):
        d = _dim(b, n, extra=1 if kind == "stack" else 0)
        parts = [x]
        for _ in range(int(b.rng.integers(0, 3))):
            s = list(shape)
            if kind == "cat" and s and -len(s) <= d < len(s):
                s[d] = b.choice([1, 2, 0])
            if b.chance(b.P_INVALID):
                s = [5] if b.chance(0.5) else [0]
            dtype = b.choice(DTYPES) if b.chance(0.3) else _dtype_name(t.dtype)
            parts.append(b.leaf(tuple(s), dtype))
        seq = "[" + ", ".join(parts) + "]" if b.chance(0.8) else "(" + ", ".join(parts) + ",)"
        expr = f"$lib.{kind}({seq}, dim={d})" if b.chance(0.7) else f"$lib.{kind}({seq}, {d})"
        sig = ", ".join(desc(b.value(p)) for p in parts)
        out = b.new()
        b.emit(f"{out} = {expr}", kind, sig, out=out, expr=expr,
               exact=all(p in b.exact for p in parts))
        return
    if b.chance(0.5) and x in b.exact and t.dtype.is_floating_point:
        cond = f"{x} > 0"
    else:
        cond = b.leaf(b.broadcast_shape(shape), "bool" if not b.chance(b.P_INVALID) else "int64")
    a, adesc = _other(b, x, False)
    c, cdesc = (x, desc(t)) if b.chance(0.5) else _other(b, x, False)
    if b.chance(0.5):
        a, adesc, c, cdesc = c, cdesc, a, adesc
    expr = f"$lib.where({cond}, {a}, {c})"
    out = b.new()
    b.emit(f"{out} = {expr}", "where", f"{adesc}, {cdesc}", out=out, expr=expr,
           exact=all(v in b.exact or v not in b.env for v in (a, c)))


MATMUL_SHAPES = (((3, 4), (4, 5)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                 ((2, 3), (4, 2)), ((), (3,)), ((0, 3), (3, 2)))


def step_matmul(b: Builder) -> None:
    sa, sb = b.choice(MATMUL_SHAPES)
    dtype = "float64" if b.chance(0.7) else b.choice(DTYPES)
    x = b.operand(lambda t: tuple(t.shape) == sa, lambda: b.leaf(sa, dtype))
    y = b.operand(lambda t: tuple(t.shape) == sb, lambda: b.leaf(sb, dtype if b.chance(0.85)
                                                                else b.choice(DTYPES)))
    out = b.new()
    expr = b.choice([f"{x} @ {y}", f"{x}.matmul({y})"])
    b.emit(f"{out} = {expr}", "matmul", f"{desc(b.value(x))} @ {desc(b.value(y))}", out=out,
           expr=expr)


ACT_PARAMS: dict[str, dict[str, tuple]] = {
    "leaky_relu": {"negative_slope": (0.01, 0.2, 1.5, -0.5, 0.0)},
    "elu": {"alpha": (1.0, 0.5, 2.0, 0.0)},
    "softplus": {"beta": (1.0, 2.0, 0.5), "threshold": (20.0, 1.0, 0.5)},
    "gelu": {"approximate": ("none", "tanh")},
    "hardtanh": {"min_val": (-1.0, -0.5, 0.0), "max_val": (1.0, 0.5, 2.0)},
}


def step_activation(b: Builder) -> None:
    """A registered activation through ``F.``, its ``nn`` module, or the Tensor method,
    with parameters."""
    tF, tnn = b.backend.base["F"], b.torch.nn
    names = [n for n in ta.activations if hasattr(tF, n)]
    name = b.choice(names)
    spec = ta.activations[name]
    x = b.float_operand() if b.chance(0.9) else b.leaf(dtype=b.choice(INTS))
    params = {}
    for p, default in spec.params.items():
        if p == "dim":
            if b.chance(0.9):
                params[p] = _dim(b, b.value(x).dim())
        elif b.chance(0.5):
            params[p] = b.choice(ACT_PARAMS.get(name, {}).get(p, (default,)))
    kw = ", ".join(f"{k}={v!r}" for k, v in params.items())
    forms = [f"F.{name}({x}{', ' + kw if kw else ''})"]
    if spec.module_name and hasattr(tnn, spec.module_name):
        forms.append(f"$lib.nn.{spec.module_name}({kw})({x})")
    if hasattr(b.torch.Tensor, name):
        forms.append(f"{x}.{name}({kw})")
    expr = b.choice(forms)
    out = b.new()
    b.emit(f"{out} = {expr}", f"activation {name}", desc(b.value(x)) + f" {kw}", out=out,
           expr=expr, exact=name in EXACT and not params and x in b.exact)


def _int_literal(b: Builder, shape: tuple, hi: int) -> str:
    return literal(b.rng.integers(0, hi, shape))


def _class_target(b: Builder, shape: tuple, classes: int, xshape: tuple) -> str:
    kind = "good" if not b.chance(2 * b.P_INVALID) else b.choice(
        ["out of range", "int32", "probabilities", "wrong shape"])
    if kind == "probabilities":
        p = b.rng.uniform(0.1, 1, xshape)
        p = (p / p.sum(axis=1 if len(xshape) > 1 else 0, keepdims=True)).round(2)
        return f"$lib.tensor({literal(p)}, dtype=$lib.float64)"
    if kind == "wrong shape":
        shape = (5,)
    data = _int_literal(b, shape, classes + (1 if kind == "out of range" else 0))
    if kind == "out of range":
        data = _int_literal(b, shape, 1).replace("0", str(classes)) if shape else str(classes)
    return f"$lib.tensor({data}{', dtype=$lib.int32' if kind == 'int32' else ''})"


LOSS_MODULES = {"cross_entropy": "CrossEntropyLoss", "nll_loss": "NLLLoss",
                "mse_loss": "MSELoss", "binary_cross_entropy": "BCELoss",
                "binary_cross_entropy_with_logits": "BCEWithLogitsLoss"}


def step_loss(b: Builder) -> None:
    """A loss through ``F.`` or its ``nn`` module, with reductions, weights and targets of
    every kind (some invalid)."""
    name = b.choice(list(LOSS_MODULES))
    reduction = b.choice([None, "mean", "sum", "none"])
    extra = ""
    if name in ("cross_entropy", "nll_loss"):
        xshape = b.choice([(3, 4), (3, 4), (4,), (2, 3, 2)])
        x = b.float_operand(shape=xshape)
        classes = xshape[1] if len(xshape) > 1 else xshape[0]
        tshape = xshape[:1] + xshape[2:] if len(xshape) > 1 else ()
        target = _class_target(b, tshape, classes, xshape)
    else:
        domain = "unit" if name == "binary_cross_entropy" else "real"
        x = b.float_operand(domain=domain)
        xshape = tuple(b.value(x).shape)
        tshape = xshape if not b.chance(b.P_INVALID) else b.broadcast_shape(xshape)
        target = b.leaf(tshape, b.dtype_of(x), domain="unit" if name != "mse_loss" else "real",
                        requires_grad=b.chance(0.3))
        if name != "mse_loss" and b.chance(0.25):
            extra += f", weight={b.leaf(b.broadcast_shape(xshape), b.dtype_of(x), False)}"
        if name == "binary_cross_entropy_with_logits" and b.chance(0.25) and xshape:
            extra += f", pos_weight={b.leaf(xshape[-1:], b.dtype_of(x), False, 'positive')}"
    if reduction is not None:
        extra += f", reduction={reduction!r}"
    out = b.new()
    if b.chance(0.7):
        expr = f"F.{name}({x}, {target}{extra})"
    else:
        expr = f"$lib.nn.{LOSS_MODULES[name]}({extra.removeprefix(', ')})({x}, {target})"
    b.emit(f"{out} = {expr}", f"loss {name}", f"{desc(b.value(x))} {reduction}", out=out,
           expr=expr)


def _linear(b: Builder) -> None:
    x = b.pick(lambda t: t.dim() >= 1 and t.dtype.is_floating_point) or b.leaf((2, 3), "float64")
    t = b.value(x)
    n_in, n_out = int(t.shape[-1]), b.choice([1, 2, 3])
    dtype = _dtype_name(t.dtype) if not b.chance(b.P_INVALID) else "float32"
    bias = b.chance(0.8)
    m, w = b.new("m"), b.new()
    lines = [f"{m} = $lib.nn.Linear({n_in}, {n_out}{'' if bias else ', bias=False'}, "
             f"dtype=$lib.{dtype})", "with $lib.no_grad():",
             f"    {m}.weight[...] = $lib.tensor({literal(b.data((n_out, n_in), 'float64'))})"]
    if bias:
        lines.append(f"    {m}.bias[...] = $lib.tensor({literal(b.data((n_out,), 'float64'))})")
    lines.append(f"{w} = {m}.weight")
    if bias:
        lines.append(f"{b.new()} = {m}.bias")
    code = "\n".join(lines)
    b.run(Step(code, "nn.Linear()"))
    out = b.new()
    b.emit(f"{out} = {m}({x})", "nn.Linear forward", f"{desc(t)}, {dtype}", out=out,
           expr=f"{m}({x})")


def step_layer(b: Builder) -> None:
    kind = b.choice(["linear", "linear", "flatten", "identity", "sequential", "dropout"])
    if kind == "linear":
        _linear(b)
        return
    x = b.pick() or b.leaf()
    n = b.value(x).dim()
    if kind == "flatten":
        args = b.choice(["", f"{_dim(b, n)}", f"{_dim(b, n)}, {_dim(b, n)}"])
        expr = f"$lib.nn.Flatten({args})({x})"
    elif kind == "identity":
        expr = f"$lib.nn.Identity()({x})"
    elif kind == "sequential":
        mods = [b.choice(["$lib.nn.ReLU()", "$lib.nn.Tanh()", "$lib.nn.Sigmoid()",
                          "$lib.nn.Flatten(0)", "$lib.nn.Identity()", "$lib.nn.LeakyReLU(0.1)",
                          "$lib.nn.Softmax(dim=-1)"]) for _ in range(int(b.rng.integers(1, 4)))]
        expr = f"$lib.nn.Sequential({', '.join(mods)})({x})"
    else:
        expr = b.choice([f"F.dropout({x}, p=0.0)", f"F.dropout({x}, 0.5, training=False)",
                         f"F.dropout({x}, p=1.0)", f"$lib.nn.Dropout(0.3).eval()({x})",
                         f"$lib.nn.Dropout(0.0)({x})", f"F.dropout({x}, p=1.5)"])
    out = b.new()
    b.emit(f"{out} = {expr}", f"nn {kind}", desc(b.value(x)), out=out, expr=expr)


def _grad_output(b: Builder, t: Any) -> str:
    """The vector of a vector-Jacobian product for ``t``: a constant, or sometimes a leaf
    that requires grad (so a later backward differentiates with respect to it too)."""
    dtype = _dtype_name(t.dtype) if not b.chance(b.P_INVALID) else "float32"
    shape = tuple(t.shape) if not b.chance(b.P_INVALID) else (7,)
    if b.chance(0.25) and dtype in FLOATS:
        return b.leaf(shape, dtype, requires_grad=True)
    data = b.data(shape, "float64")
    return f"$lib.tensor({literal(data)}, dtype=$lib.{dtype})" if 0 not in shape else \
        f"$lib.zeros({shape}, dtype=$lib.{dtype})"


def _differentiable(b: Builder) -> str | None:
    return b.pick(lambda t: t.requires_grad and t.dtype.is_floating_point)


def step_backward(b: Builder) -> None:
    y = _differentiable(b)
    if y is None:
        return
    t = b.value(y)
    form = b.choice(["plain", "sum", "gradient", "weighted"])
    if form == "plain" and t.numel() != 1 and not b.chance(b.P_INVALID):
        form = "sum"
    opts = []
    if b.chance(0.3):
        opts.append("retain_graph=True")
    if b.chance(0.15):
        opts.append("create_graph=True")
    kw = ", ".join(opts)
    if form == "plain":
        code = f"{y}.backward({kw})"
    elif form == "sum":
        code = f"{y}.sum().backward({kw})"
    elif form == "gradient":
        code = f"{y}.backward({_grad_output(b, t)}{', ' + kw if kw else ''})"
    else:
        code = f"({y} * {_grad_output(b, t)}).sum().backward({kw})"
    b.emit(code, "backward", f"{form} {kw}")


def step_grad(b: Builder) -> None:
    """``$grad(outputs, inputs, grad_outputs=, retain_graph=, create_graph=, allow_unused=)``."""
    y = _differentiable(b)
    if y is None:
        return
    t = b.value(y)
    pool = b.names(lambda u: u.requires_grad and u.dtype.is_floating_point)
    k = min(len(pool), int(b.rng.integers(1, 3)))
    inputs = [str(n) for n in b.rng.choice(pool, k, replace=b.chance(0.1))]
    if b.chance(0.2):
        inputs.append(b.leaf(dtype="float64", requires_grad=True))      # unused
    if b.chance(b.P_INVALID):
        inputs.append(b.leaf(dtype="float64", requires_grad=False))     # needs no grad
    opts = []
    if (t.numel() != 1 or b.chance(0.3)) and not b.chance(b.P_INVALID):
        go = _grad_output(b, t)
        opts.append(f"grad_outputs={go if b.chance(0.6) else '[' + go + ']'}")
    for opt, p in (("create_graph=True", 0.3), ("allow_unused=True", 0.4),
                   ("retain_graph=True", 0.25)):
        if b.chance(p):
            opts.append(opt)
    outputs = y
    if b.chance(0.2):   # two outputs, one grad_output each
        y2 = _differentiable(b)
        outputs = f"[{y}, {y2}]"
        opts = [o for o in opts if not o.startswith("grad_outputs")]
        if not b.chance(b.P_INVALID):
            opts.insert(0, f"grad_outputs=[{_grad_output(b, t)}, "
                           f"{_grad_output(b, b.value(str(y2)))}]")
    outs = [b.new() for _ in inputs]
    lhs = f"({outs[0]},)" if len(outs) == 1 else ", ".join(outs)
    target = f"[{', '.join(inputs)}]" if len(inputs) > 1 or b.chance(0.5) else inputs[0]
    code = f"{lhs} = $grad({outputs}, {target}{''.join(', ' + o for o in opts)})"
    b.emit(code, "grad", " ".join(o.split("=")[0] for o in opts))


def step_hook(b: Builder) -> None:
    handles = [k for k in b.env if k.startswith("h") and k[1:].isdigit()]
    if handles and b.chance(0.2):
        b.emit(f"{b.choice(handles)}.remove()", "hook remove")
        return
    x = _differentiable(b)
    if x is None:
        return
    leaf = not _leafness(b.value(x))
    kind = b.choice(["double", "none", "record", "record", "clamp", "wrong", "retain_grad"])
    if kind == "retain_grad":
        b.emit(f"{x}.retain_grad()", "retain_grad", "leaf" if leaf else "non-leaf")
        return
    h = b.new("h")
    fn = {"double": "lambda g: g * 2", "none": "lambda g: None",
          "clamp": "lambda g: g.clamp(-0.5, 0.5)", "wrong": "lambda g: g.sum() + 1",
          "record": ""}[kind]
    if kind == "record":
        c = b.new("c")
        code = f"{c} = []\n{h} = {x}.register_hook(lambda g: {c}.append(g.clone()))"
    else:
        code = f"{h} = {x}.register_hook({fn})"
    b.emit(code, f"hook {kind}", "leaf" if leaf else "non-leaf")


def step_autograd_misc(b: Builder) -> None:
    x = b.pick() or b.leaf()
    t = b.value(x)
    out = b.new()
    kind = b.choice(["grad=None", "requires_grad_", "detach", "read grad", "is_grad_enabled",
                     "grad_fn"])
    if kind == "grad=None":
        b.emit(f"{x}.grad = None", kind, desc(t))
    elif kind == "requires_grad_":
        b.emit(f"{out} = {x}.requires_grad_({b.choice(['', 'True', 'False'])})", kind,
               desc(t) + _leafness(t), out=out)
    elif kind == "detach":
        b.emit(f"{out} = {x}.detach()", kind, desc(t), out=out, expr=f"{x}.detach()",
               exact=x in b.exact)
    elif kind == "read grad":
        b.emit(f"{out} = {x}.grad", kind, desc(t), out=out)
    elif kind == "is_grad_enabled":
        b.emit(f"{out} = $lib.is_grad_enabled()", kind, out=out, expr="$lib.is_grad_enabled()")
    else:
        b.emit(f"{out} = {x}.grad_fn is None", kind, desc(t), out=out)


def step_global_mode(b: Builder) -> None:
    """Grad mode and the default dtype set as functions (they last until set back)."""
    if b.chance(0.7):
        b.emit(f"$lib.set_grad_enabled({b.choice([False, True])})", "set_grad_enabled(flag)")
    else:
        b.emit(f"$lib.set_default_dtype($lib.{b.choice(['float64', 'float32'])})",
               "set_default_dtype")


FAMILIES: tuple[tuple[float, Callable[[Builder], None]], ...] = (
    (3, step_leaf), (1, step_factory), (10, step_row), (5, step_unary), (8, step_binary),
    (5, step_reduce), (6, step_shape), (5, step_index), (3, step_setitem), (5, step_inplace),
    (3, step_join), (2, step_matmul), (4, step_activation), (3, step_loss), (2, step_layer),
    (3, step_backward), (3, step_grad), (3, step_hook), (2, step_autograd_misc),
    (0.7, step_global_mode), (3, step_method),
)
_WEIGHTS = np.array([w for w, _ in FAMILIES]) / sum(w for w, _ in FAMILIES)


def generate(seed: int, size: int | None = None, focus: str | None = None) -> Program:
    """A random program, the same one for the same seed (and torch version). With
    ``focus`` (a row of the op table), about a third of its steps apply that row."""
    b = Builder(seed)
    b.focus = focus
    try:
        for _ in range(int(b.rng.integers(1, 3))):
            b.leaf(dtype="float64" if b.chance(0.7) else None)
        n = int(b.rng.integers(3, 11)) if size is None else size
        for _ in range(n):
            if focus is not None and b.chance(0.35):
                step_row(b)
                continue
            FAMILIES[int(b.rng.choice(len(FAMILIES), p=_WEIGHTS))][1](b)
        if b.chance(0.85):
            (step_backward if b.chance(0.6) else step_grad)(b)
        if b.chance(0.25):
            step_backward(b)
    finally:
        b.backend.reset()
    return Program(b.steps, seed)


# --- the dtype-promotion sweep -------------------------------------------------------------------

SWEEP_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                "float64")
SWEEP_SCALARS = ("True", "2", "2.5", "np.bool_(True)", "np.int32(2)", "np.int64(2)",
                 "np.float32(2.5)", "np.float64(2.5)")
SWEEP_OPS = OPERATORS + ("maximum", "minimum", "where", "cat")


def _sweep_tensor(dtype: str, zero_d: bool, right: bool) -> str:
    """A small tensor of ``dtype``; on the right no zeros (so ``//`` and ``%`` are defined)."""
    if dtype == "bool":
        data = "True" if zero_d else ("[True, True]" if right else "[True, False]")
    else:
        data = "2" if zero_d else ("[2, 1]" if right else "[1, 2]")
    return f"$lib.tensor({data}, dtype=$lib.{dtype})"


def sweep_operands(right: bool) -> list[tuple[str, str]]:
    """(code, description) of every operand kind: 1-d and 0-d tensors of every dtype, and
    Python and numpy scalars."""
    out = [(_sweep_tensor(d, z, right), f"{d}[{'' if z else '2'}]")
           for d in SWEEP_DTYPES for z in (False, True)]
    return out + [(s, s) for s in SWEEP_SCALARS]


def sweep_programs(op: str) -> list[Program]:
    """One program per pair of operand kinds for ``op`` (at least one a tensor): its result
    dtype, its values and raise-versus-raise are compared."""
    programs = []
    for (a, da), (b, db) in itertools.product(sweep_operands(False), sweep_operands(True)):
        if "tensor" not in a + b:
            continue
        if op in OPERATORS:
            expr = f"a {op} b"
        elif op == "where":
            expr = "$lib.where($lib.tensor([True, False]), a, b)"
        elif op == "cat":
            if "tensor" not in a or "tensor" not in b:
                continue
            expr = "$lib.cat([a, b])"
        else:
            expr = f"$lib.{op}(a, b)"
        steps = [Step(f"a = {a}", "leaf"), Step(f"b = {b}", "leaf"),
                 Step(f"c = {expr}", f"sweep {op}", f"{da} {op} {db}")]
        programs.append(Program(steps, name=f"{da} {op} {db}"))
    return programs


# --- campaigns ---------------------------------------------------------------------------------


@dataclass
class Summary:
    """What a campaign found: differences by class, with a (shrunk) reproducer of each."""

    programs: int = 0
    steps: int = 0
    raised: int = 0                 # steps both libraries refused
    seconds: float = 0.0
    counts: Counter = field(default_factory=Counter)
    details: dict[str, Counter] = field(default_factory=dict)
    examples: dict[str, Difference] = field(default_factory=dict)
    known: Counter = field(default_factory=Counter)
    tags: Counter = field(default_factory=Counter)

    @property
    def unknown(self) -> int:
        return sum(self.counts.values())

    def text(self, examples: bool = True) -> str:
        lines = [f"{self.programs} programs ({self.steps} steps, {self.raised} refused by "
                 f"both) in {self.seconds:.0f} s: "
                 f"{self.unknown} with a difference, in {len(self.counts)} classes; "
                 f"{sum(self.known.values())} hit a known difference {dict(self.known)}"]
        for cls, n in self.counts.most_common():
            top = ", ".join(f"{d or '-'} ({k})" for d, k in self.details[cls].most_common(4))
            lines.append(f"{n:6d}  {cls}   [{top}]")
        if examples:
            for cls, _ in self.counts.most_common():
                lines.append("\n" + "=" * 90 + "\n" + self.examples[cls].report())
        return "\n".join(lines)


def campaign(seeds: Iterable[int], known: dict[str, Known] | None = None,
             shrink_examples: bool = True) -> Summary:
    """Generate and compare a program per seed; group the differences by class."""
    known = known or {}
    s = Summary()
    start = time.perf_counter()
    for seed in seeds:
        program = generate(seed)
        s.programs += 1
        s.steps += len(program.steps)
        s.tags.update(step.tag for step in program.steps)
        outcomes: Counter = Counter()
        d = compare(program, outcomes)
        s.raised += outcomes["both raised"]
        if d is None:
            continue
        name = explain(d, known)
        if name:
            s.known[name] += 1
            continue
        s.counts[d.cls] += 1
        s.details.setdefault(d.cls, Counter())[d.detail] += 1
        if d.cls not in s.examples:
            s.examples[d.cls] = shrink(d) if shrink_examples else d
    s.seconds = time.perf_counter() - start
    return s


def main(argv: list[str]) -> None:
    """``python -m tests.torchdiff [LO HI]``: the campaign over seeds LO..HI-1 (known
    differences from tests/test_torch_diff.py set aside), with a reproducer per class."""
    from tests.test_torch_diff import KNOWN_DIFFERENCES

    lo, hi = (int(argv[0]), int(argv[1])) if len(argv) >= 2 else (0, 1000)
    print(campaign(range(lo, hi), KNOWN_DIFFERENCES).text())


if __name__ == "__main__":
    main(sys.argv[1:])
