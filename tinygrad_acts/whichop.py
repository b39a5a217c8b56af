"""Which op is wrong? Re-check the backward rule of every node of a real loss's graph.

``gradcheck`` tests one function at a time on inputs you choose. When a real model trains
badly and you suspect a gradient, you want the opposite: take the loss you have, and check
*each node* of its graph, on the very inputs that node saw, against finite differences.
``which_op_is_wrong`` does that and names the earliest node whose rule disagrees: its op,
its shapes and dtypes, the line of your code that created it, and by how much it is off.

How one node is checked (see ``docs/whichop.md`` for the long version):

1. **Re-evaluate it.** The graph alone cannot do this: a node keeps what its backward
   needs, not its inputs or its parameters. So the graph is *recorded* while it is built
   (``record()``, or pass a function that builds the loss): every ``Function.apply`` call
   leaves a copy of its input arrays, its parameters, its output and the user line. The
   op is then re-run on fresh nodes of its class, in float64, never touching the graph
   (so ``.grad``, ``retain_graph`` and freed graphs do not matter).
2. **Project.** For a random upstream gradient v and a random direction u (one input at a
   time), the rule's vector-Jacobian product gives ``<J^T v, u>`` and central differences
   give ``(f(x + h u) - f(x - h u)) . v / 2h``: one backward and two forwards, whatever
   the size of the tensors.
3. **Do not cry wolf at kinks and ties.** relu at exactly 0 or a max over tied values has
   no derivative for differences to find. A disagreement counts only if it persists at a
   nudged point (every input moved by about 1%, off the kinks and ties); the conventions
   there are checked on their own: tied values moved *together* (a direction along which
   a max is differentiable) for the ops the op table marks with ties, and PyTorch's slope
   at each kink an activation declares.

A node that cannot be re-evaluated (a random forward, one that refuses float64, one built
outside the recording) is listed as unchecked, with the reason: never silently "ok".
"""
from __future__ import annotations

import linecache
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from . import ops
from .activations import ActivationSpec
from .autograd import Function, IndexedGrad
from .ops import decompositions as _decomp
from .ops.linalg import SlogDet
from .ops.norm import Norm, moments
from .tensor import Tensor

__all__ = ["which_op_is_wrong", "record", "Report", "Finding", "Unchecked"]


# --- recording: what each node was computed from ------------------------------------------


@dataclass
class _Call:
    """One ``Function.apply`` call: enough to run the op again on perturbed inputs."""

    cls: type[Function]
    arrays: list              # per input: a copy of its array, or the constant it was
    params: dict
    needs: tuple[bool, ...]   # the node's needs_input_grad
    output: np.ndarray        # a copy of what the op returned
    line: str                 # the user code that called it


#: node -> its call. Weak keys: a record lives exactly as long as its graph.
_RECORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PACKAGE = str(Path(__file__).parent)
_depth = 0  # how many record() blocks are open
_real_apply: Any = None  # the engine's Function.apply, while record() replaces it


def _caller() -> str:
    """file:line (code) of the innermost frame outside this package."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    name, lineno = frame.f_code.co_filename, frame.f_lineno
    return f"{name}:{lineno} ({linecache.getline(name, lineno).strip()})"


def _copy(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._array.copy()
    return x.copy() if isinstance(x, np.ndarray) else x


@contextmanager
def record() -> Iterator[None]:
    """Record every op run inside the block, so ``which_op_is_wrong`` can re-run it.

    Each op's input arrays and output are copied (about twice the activations' memory).
    NOTE: it works by replacing ``Function.apply`` for the duration of the block (and the
    ``finally`` puts it back), so ops that other threads run meanwhile are recorded too.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> with record():
        ...     loss = (w.tanh() * 3).sum()
        >>> which_op_is_wrong(loss).first is None
        True
    """
    global _depth, _real_apply
    if _depth == 0:
        _real_apply = Function.__dict__["apply"]
        Function.apply = classmethod(_recording_apply)  # type: ignore[method-assign, assignment]
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            Function.apply = _real_apply  # type: ignore[method-assign]


def _recording_apply(cls: type[Function], *inputs: Any, **params: Any) -> Any:
    """``Function.apply`` inside ``record()``: the real one, then the call is kept."""
    result = _real_apply.__func__(cls, *inputs, **params)
    node = result.grad_fn
    if type(node) is cls and node not in _RECORDS:
        _RECORDS[node] = _Call(cls, [_copy(x) for x in inputs], params, node.needs_input_grad,
                               result._array.copy(), _caller())
    return result


# --- re-running one op ----------------------------------------------------------------------


def _norm_statistics(arrays: list, params: dict) -> tuple[list, dict]:
    """Norm takes its statistics as parameters; when they are x's own (``batch``) they
    depend on x, so a perturbed x needs its own."""
    if not params["batch"]:
        return arrays, params
    mean, var = moments(arrays[0].reshape(params["view"]), params["axes"])
    return arrays, {**params, "mean": mean, "var": var}


def _slogdet_value(arrays: list, params: dict) -> tuple[list, dict]:
    """SlogDet is handed log|det a| (the api gets it with the sign in one LAPACK call)."""
    return arrays, {**params, "logabsdet": np.linalg.slogdet(arrays[0])[1]}


def _lu_factors(arrays: list, params: dict) -> tuple[list, dict]:
    """Lu is handed LU and P (the api gets them with the pivots in one LAPACK call)."""
    lu, piv, _ = _decomp.lu_factor(arrays[0])
    return arrays, {**params, "lu": lu, "perm": _decomp.permutation(piv, arrays[0].shape[-2],
                                                                     arrays[0].dtype)}


#: NOTE: the ops that are handed something their caller computed from an input (as a
#: parameter or a constant input): re-run on a perturbed input, it must be computed anew
_COMPUTED_BY_CALLER: dict[type, Callable[[list, dict], tuple[list, dict]]] = {
    Norm: _norm_statistics, SlogDet: _slogdet_value, _decomp.Lu: _lu_factors}


def _run(call: _Call, arrays: list) -> tuple[Function, np.ndarray]:
    """A fresh node of the call's class, run forward on ``arrays``: (node, output)."""
    params = call.params
    if call.cls in _COMPUTED_BY_CALLER:
        arrays, params = _COMPUTED_BY_CALLER[call.cls](arrays, params)
    node = call.cls.__new__(call.cls)
    node.needs_input_grad = call.needs
    node.saved = ()
    with np.errstate(all="ignore"):
        out = node.forward(*arrays, **params)
    return node, np.asarray(out)


def _value(call: _Call, arrays: list, v: np.ndarray) -> float:
    """f(arrays) . v, the scalar whose differences give the vjp along a direction."""
    return float(np.vdot(_run(call, arrays)[1], v))


class _RuleCrashed(Exception):
    """The backward rule raised (on inputs where the op's forward runs fine)."""


def _rule(call: _Call, arrays: list, v: np.ndarray) -> list:
    """The backward rule at ``arrays`` for upstream ``v``: one gradient per input (None
    where the rule gave none)."""
    node, _ = _run(call, arrays)
    try:
        with np.errstate(all="ignore"):
            out = node.backward(v, *node.saved)
    except Exception as e:  # whatever it raised, the rule is what failed
        raise _RuleCrashed(f"{type(e).__name__}: {e}") from e
    out = out if isinstance(out, tuple) else (out,)
    return [o.dense() if isinstance(o, IndexedGrad) else None if o is None else np.asarray(o)
            for o in out]


def _float64(call: _Call) -> list:
    """The recorded inputs, floating arrays as float64 (constants as they were)."""
    return [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in call.arrays]


def _perturbable(call: _Call) -> list[int]:
    """The inputs whose gradient the rule computes: those that need one."""
    return [i for i, (a, need) in enumerate(zip(call.arrays, call.needs))
            if need and isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _shifted(arrays: list, step: dict[int, np.ndarray], h: float) -> list:
    return [a + h * step[i] if i in step else a for i, a in enumerate(arrays)]


# --- comparing the rule with finite differences -------------------------------------------


@dataclass
class _Tolerance:
    steps: tuple[float, ...]  # finite-difference steps; agreeing at any one of them is enough
    atol: float
    rtol: float
    elements: int             # at most this many elements of an input move at once


def _direction(x: np.ndarray, rng: np.random.Generator, elements: int) -> np.ndarray:
    """A random direction u for input ``x``: normal values on at most ``elements`` random
    elements, zero elsewhere, scaled by x's typical size (so a step h u is as small, next
    to x, for pixels of 0-255 as for weights of 1e-8).

    NOTE: a large input is moved on a random slice only. Among a million elements some sit
    within one step h of a kink or of a near-tie, and each one crossed adds an error that
    no right rule can match; a small slice crosses none, and still sees a rule that is
    wrong anywhere (each check draws a new slice)."""
    size = x.size
    if size <= elements:
        u = rng.standard_normal(size)
    else:
        u = np.zeros(size)
        u[rng.choice(size, elements, replace=False)] = rng.standard_normal(elements)
    return u.reshape(x.shape) * _typical(x)


def _typical(x: np.ndarray) -> float:
    """The root mean square of x's finite elements (1 if that is 0: all zeros)."""
    finite = x[np.isfinite(x)]
    rms = float(np.sqrt(np.mean(finite * finite))) if finite.size else 0.0
    return rms or 1.0


def _disagreement(call: _Call, arrays: list, grads: list, v: np.ndarray,
                  step: dict[int, np.ndarray], tol: _Tolerance) -> tuple[float, float] | None:
    """(analytic, numeric) of the vjp along the direction ``step`` (input -> its u) if they
    disagree at every step h; None if they agree at one. Raises FloatingPointError where
    the differences are not finite (a domain edge)."""
    analytic = sum(float(np.vdot(grads[i], u)) for i, u in step.items())
    # the typical size of the analytic value, so that a chance cancellation is no alarm
    scale = float(np.sqrt(sum(np.sum((grads[i] * u) ** 2) for i, u in step.items())))
    numeric = np.nan
    for h in tol.steps:
        plus = _value(call, _shifted(arrays, step, h), v)
        minus = _value(call, _shifted(arrays, step, -h), v)
        numeric = (plus - minus) / (2 * h)
        if not np.isfinite(numeric):
            raise FloatingPointError("the forward is not finite around its inputs")
        err = abs(analytic - numeric)
        if err <= tol.atol + tol.rtol * max(abs(analytic), abs(numeric), scale):
            return None
    return analytic, float(numeric)


@dataclass
class _Miss:
    """One disagreement found while checking a node."""

    check: str
    input: int | None
    analytic: float = np.nan
    numeric: float = np.nan
    detail: str = ""


def _gradients(call: _Call, arrays: list, v: np.ndarray) -> list:
    """The rule's gradients for upstream ``v``; zeros for a wanted one it left out (None)."""
    grads = _rule(call, arrays, v)
    for i in _perturbable(call):
        if grads[i] is None:
            grads[i] = np.zeros_like(arrays[i])
    return grads


def _projections(call: _Call, arrays: list, rng: np.random.Generator, pairs: int,
                 tol: _Tolerance) -> _Miss | None:
    """The random-projection check at ``arrays``: ``pairs`` upstream gradients v, and for
    each a random direction u in each input in turn."""
    out = _run(call, arrays)[1]
    for _ in range(pairs):
        v = rng.standard_normal(out.shape)
        grads = _gradients(call, arrays, v)
        for i in _perturbable(call):
            if grads[i].shape != arrays[i].shape:
                return _Miss("gradient shape", i, detail=f"the rule returned a gradient of "
                             f"shape {grads[i].shape} for an input of shape {arrays[i].shape}")
            if not np.all(np.isfinite(grads[i])):
                continue  # NOTE: sqrt'(0) is inf: a rule may be right and not finite
            u = _direction(arrays[i], rng, tol.elements)
            found = _disagreement(call, arrays, grads, v, {i: u}, tol)
            if found is not None:
                return _Miss("finite differences", i, *found)
    return None


def _projections_here_and_nearby(call: _Call, arrays: list, rng: np.random.Generator,
                                 pairs: int, tol: _Tolerance) -> _Miss | None:
    """The projections at the node's inputs and, if they disagree, at a nudged point too.

    NOTE: at a kink or a tie (relu at exactly 0, a max over equal values) differences see
    no derivative, so a right rule disagrees there; but a wrong rule is wrong a hair away
    too, where a right one agrees. Only a disagreement at both points counts."""
    miss = _projections(call, arrays, rng, pairs, tol)
    if miss is None or miss.check != "finite differences":
        return miss
    nearby = _nudged(arrays, _perturbable(call), rng)
    return miss if _projections(call, nearby, rng, pairs, tol) is not None else None


#: how far ``_nudged`` moves an input, relative to its elements (and its typical size)
NUDGE = 1e-2


def _nudged(arrays: list, which: list[int], rng: np.random.Generator) -> list:
    """The inputs moved off kinks and ties, keeping each element's sign (so a positive
    input stays in the domain of log): x (1 + d r) + sign(x) d s |r'|, with d = NUDGE, s
    the input's typical size and r, r' uniform in [-1, 1]: tied values are pulled apart
    by about d s, far more than a difference step."""
    out = list(arrays)
    for i in which:
        x = arrays[i]
        sign = np.where(x < 0, -1.0, 1.0)
        out[i] = x * (1 + NUDGE * rng.uniform(-1, 1, x.shape)) \
            + sign * NUDGE * _typical(x) * np.abs(rng.uniform(-1, 1, x.shape))
    return out


def _spec(call: _Call) -> ActivationSpec | None:
    spec = getattr(call.cls, "spec", None)
    return spec if isinstance(spec, ActivationSpec) else None


def _rows(cls: type) -> list[str]:
    """The op-table rows whose node is ``cls``."""
    return [name for name, row in ops.OPS.items() if row.node is cls]


def _has_ties(call: _Call) -> bool:
    spec = _spec(call)
    return bool(spec.ties) if spec is not None else any(
        row.ties for row in ops.OPS.values() if row.node is call.cls)


#: at most this many groups of tied values move in one tie-split check
TIE_GROUPS = 32


def _tie_split(call: _Call, arrays: list, rng: np.random.Generator,
               tol: _Tolerance) -> _Miss | None:
    """For an op with ties (max, maximum, maxout, ...) at inputs that hold tied values:
    the vjp along a direction that moves each group of equal values by one amount (a few
    random groups; the rest stays still), along which a max *is* differentiable. An even
    split of the gradient among the ties passes exactly; giving each tie all of it does
    not. (Values on an activation's declared kinks stay still.)"""
    which = _perturbable(call)
    if not which or not _has_ties(call):
        return None
    pooled = np.concatenate([arrays[i].ravel() for i in which])
    values, inverse, counts = np.unique(pooled, return_inverse=True, return_counts=True)
    tied = np.flatnonzero(counts > 1)
    spec = _spec(call)
    if spec is not None:
        tied = tied[~np.isin(values[tied], spec.kink_points(**call.params))]
    if not len(tied):
        return None
    speed = np.zeros(len(values))
    moving = rng.choice(tied, min(len(tied), TIE_GROUPS), replace=False)
    speed[moving] = rng.standard_normal(len(moving))
    moves = np.split(speed[inverse], np.cumsum([arrays[i].size for i in which])[:-1])
    step = {i: m.reshape(arrays[i].shape) for i, m in zip(which, moves)}
    v = rng.standard_normal(_run(call, arrays)[1].shape)
    found = _disagreement(call, arrays, _gradients(call, arrays, v), v, step, tol)
    if found is None:
        return None
    return _Miss("tie split", None, *found, detail="with tied values moved together, the "
                 "rule's gradient does not match: tied elements must share it evenly")


def _kink_convention(call: _Call, arrays: list, rng: np.random.Generator) -> _Miss | None:
    """For an elementwise activation with declared slopes at its kinks (relu'(0) = 0),
    at the elements that sit exactly on a kink: the rule's slope is that one."""
    spec = _spec(call)
    if spec is None or not spec.elementwise or not call.needs[0]:
        return None
    x = arrays[0]
    slopes = spec.subgradients(**call.params)
    on = {k: x == k for k in slopes if np.any(x == k)}
    if not on:
        return None
    v = rng.uniform(0.5, 2, np.shape(_run(call, arrays)[1]))
    g = _gradients(call, arrays, v)[0]
    for kink, mask in on.items():
        slope = g[mask] / v[mask]
        if not np.allclose(slope, slopes[kink], rtol=1e-9, atol=1e-12):
            bad = float(slope[np.argmax(np.abs(slope - slopes[kink]))])
            return _Miss("kink convention", 0, bad, slopes[kink],
                         f"at x = {kink:g} ({int(mask.sum())} element(s)) the rule's slope is "
                         f"{bad:g}; PyTorch's (declared) is {slopes[kink]:g}")
    return None


def _same(out: np.ndarray, ref: np.ndarray) -> bool:
    """Whether a re-run output ``out`` is the recorded ``ref``, to ``ref``'s precision."""
    loose = 1e-7 if ref.dtype == np.float64 else 1e-3
    scale = float(np.max(np.abs(ref), initial=0.0, where=np.isfinite(ref)))
    return out.shape == ref.shape and bool(np.allclose(out, ref, rtol=loose,
                                                       atol=loose * scale, equal_nan=True))


def _check_call(call: _Call, rng: np.random.Generator, pairs: int,
                tol: _Tolerance) -> _Miss | str | None:
    """One node: None if its rule agrees, a ``_Miss`` if not, a string (the reason) if it
    cannot be checked."""
    if any(not row.differentiable for row in ops.OPS.values() if row.node is call.cls):
        return "its backward refuses by design, as PyTorch's"
    arrays = _float64(call)
    try:
        out = _run(call, arrays)[1]
    except Exception as e:  # noqa: BLE001 - any failure to re-run is a reason to skip
        return f"its forward cannot be re-run in float64 ({type(e).__name__}: {e})"
    if not _same(out, call.output):
        try:
            again = _same(_run(call, list(call.arrays))[1], call.output)
        except Exception:  # noqa: BLE001
            again = False
        return ("in float64 its output jumps away from the recorded one (an input on a "
                "discontinuity that the lower precision rounds onto)" if again else
                "re-running its forward does not give its output (random, or state the "
                "graph does not hold)")
    try:
        return (_projections_here_and_nearby(call, arrays, rng, pairs, tol)
                or _tie_split(call, arrays, rng, tol) or _kink_convention(call, arrays, rng))
    except _RuleCrashed as e:
        return _Miss("backward raised", None, detail=str(e))
    except FloatingPointError as e:
        return f"{e} (a domain edge?)"
    except Exception as e:  # noqa: BLE001 - a forward that refuses a perturbed input
        return f"its forward fails at a perturbed input ({type(e).__name__}: {e})"


# --- the report -----------------------------------------------------------------------------


def _shapes(call: _Call) -> tuple[list[str], str]:
    ins = [f"{a.shape} {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
           for a in call.arrays]
    return ins, f"{call.output.shape} {call.output.dtype}"


@dataclass
class Finding:
    """One node whose backward rule disagrees.

    Attributes:
        op: the node's class name (``"Relu"``), ``rows``: the op-table rows that use it.
        check: ``"finite differences"``, ``"tie split"``, ``"kink convention"``,
            ``"gradient shape"`` or ``"backward raised"``.
        input: which input's gradient is off (None: all of them together).
        inputs / output: shapes and dtypes, as strings.
        line: the user code that created the node.
        analytic / numeric: the vjp from the rule and from differences (nan if n/a).
        node: the graph node itself.
    """

    op: str
    rows: list[str]
    check: str
    input: int | None
    inputs: list[str]
    output: str
    line: str
    analytic: float
    numeric: float
    detail: str
    node: Function = field(repr=False)

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)

    def __str__(self) -> str:
        rows = f" (op-table row{'s' * (len(self.rows) > 1)}: {', '.join(self.rows)})" \
            if self.rows else ""
        which = "" if self.input is None else f" of input {self.input}"
        lines = [f"{self.op}{rows}, created at {self.line}",
                 f"  inputs {', '.join(self.inputs)} -> output {self.output}"]
        if self.check in ("finite differences", "tie split"):
            rel = self.error / max(abs(self.analytic), abs(self.numeric), 1e-300)
            lines.append(f"  {self.check}{which}: the rule gives <J^T v, u> = "
                         f"{self.analytic:.6g}, finite differences {self.numeric:.6g} (off "
                         f"by {self.error:.3g}, relative {rel:.3g})")
            if self.detail:
                lines.append(f"  {self.detail}")
        else:
            lines.append(f"  {self.check}{which}: {self.detail}")
        return "\n".join(lines)


@dataclass
class Unchecked:
    """A node that could not be checked, and why."""

    op: str
    line: str
    reason: str


@dataclass
class Report:
    """What ``which_op_is_wrong`` found: ``wrong`` (in creation order), ``first`` (the
    earliest, or None), ``checked`` (how many nodes were checked) and ``unchecked``."""

    wrong: list[Finding]
    checked: int
    unchecked: list[Unchecked]

    @property
    def first(self) -> Finding | None:
        return self.wrong[0] if self.wrong else None

    def __str__(self) -> str:
        head = (f"which op is wrong: {len(self.wrong)} of {self.checked} checked nodes "
                f"disagree" if self.wrong else
                f"which op is wrong: none; all {self.checked} checked nodes agree")
        lines = [head + (f" ({len(self.unchecked)} unchecked)" if self.unchecked else "")]
        if self.first is not None:
            lines.append("first: " + str(self.first))
            lines += [f"also: {f.op} at {f.line} ({f.check})" for f in self.wrong[1:]]
        lines += [f"unchecked: {u.op} at {u.line}: {u.reason}" for u in self.unchecked]
        return "\n".join(lines)


def _nodes(loss: Tensor) -> list[Function]:
    """Every node of the loss's graph, in creation order (a topological order)."""
    seen: dict[int, Function] = {}
    stack = [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, Tensor) or id(node) in seen:
            continue
        seen[id(node)] = node
        stack += node.parents
    return sorted(seen.values(), key=lambda n: n.seq)


def which_op_is_wrong(loss: Tensor | Callable[[], Tensor], *, eps: float = 1e-7,
                      atol: float = 1e-10, rtol: float = 1e-3, pairs: int = 2,
                      elements: int = 128, seed: int = 0,
                      stop_at_first: bool = False) -> Report:
    """Check the backward rule of every node of ``loss``'s graph against finite differences
    on that node's own inputs, and report the nodes whose rule disagrees, earliest first.

    Args:
        loss: a Tensor built inside ``record()``, or a function of no arguments that builds
            one (it is then run inside ``record()``).
        eps: the first finite-difference step; 10, 1000 and 10^4 eps are tried next (a
            forward that rounds through float32 needs a larger one).
        atol, rtol: a vjp passes if |rule - differences| <= atol + rtol * scale.
        pairs: random (v, u) pairs per node and input.
        elements: at most this many elements of an input move in one direction u.
        seed: for the random projections (the package's generator is not touched).
        stop_at_first: stop at the first wrong node (faster on a large graph).

    Returns:
        a ``Report``; ``report.first`` is the earliest wrong node (None if every rule
        agrees), ``str(report)`` says it all. No ``.grad`` is changed, and backward need
        not have run (nor must it not have).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.randn(4, 3)
        >>> lin = ta.nn.Linear(3, 2)
        >>> report = which_op_is_wrong(lambda: lin(x).relu().sum())
        >>> report.first is None, report.checked
        (True, 3)
    """
    if callable(loss) and not isinstance(loss, Tensor):
        with record():
            loss = loss()
    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise TypeError(f"which_op_is_wrong: expected a Tensor with a graph (a loss), or a "
                        f"function that builds one; got {type(loss).__name__}"
                        + (f" of shape {loss.shape} with no grad_fn"
                           if isinstance(loss, Tensor) else ""))
    nodes = _nodes(loss)
    if not any(n in _RECORDS for n in nodes):
        raise ValueError(f"which_op_is_wrong: the graph of this loss (shape {loss.shape}, "
                         f"{len(nodes)} nodes) was not recorded, so its ops cannot be re-run; "
                         "build it inside `with whichop.record():`, or pass a function that "
                         "builds it: which_op_is_wrong(lambda: loss_fn(model(x), y))")
    rng = np.random.default_rng(seed)
    tol = _Tolerance((eps, 10 * eps, 1000 * eps, 10000 * eps), atol, rtol, elements)
    report = Report([], 0, [])
    for node in nodes:
        call = _RECORDS.get(node)
        if call is None:
            report.unchecked.append(Unchecked(type(node).__name__, getattr(
                node, "trace", "<built outside record()>"), "not recorded (built outside "
                "record())"))
            continue
        found = _check_call(call, rng, pairs, tol)
        if isinstance(found, str):
            report.unchecked.append(Unchecked(call.cls.__name__, call.line, found))
            continue
        report.checked += 1
        if found is not None:
            ins, out = _shapes(call)
            report.wrong.append(Finding(call.cls.__name__, _rows(call.cls), found.check,
                                        found.input, ins, out, call.line, found.analytic,
                                        found.numeric, found.detail, node))
            if stop_at_first:
                break
    return report
