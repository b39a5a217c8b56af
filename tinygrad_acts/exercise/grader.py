"""Grading one task: run the student's rule, check it, and name the mistake.

The checks, in order (a task passes when all pass):

1. **runs**: the function is called on the first case; ``NotImplementedError`` means "not
   started", any other exception is reported by its last line (and where in the file);
2. **gradcheck**: ``ta.gradcheck`` (float64, central differences, the full Jacobian) of
   the op built from the student's rule, at the first case's inputs;
3. **conventions**: at inputs exactly on the kinks and inputs full of ties, the same
   numbers as the reference (gradcheck accepts any subgradient; PyTorch picks one);
4. **sweep**: a Hypothesis sweep: gradcheck at inputs drawn over every case's shapes and
   the task's domain (shrunk to the smallest failing input).

When a check fails, the **diagnosis** compares the student's gradients with the
reference's at the failing inputs and names the mistake (``DIAGNOSES``): the task's own
known wrong answers first, then the generic ones.
"""
from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Function
from ..gradcheck import GradcheckError, gradcheck
from ..tensor import Tensor, from_numpy
from .task import Task

__all__ = ["Result", "DIAGNOSES", "grade_rule", "diagnose", "op_from_rule"]

#: diagnosis name -> the generic hint (a task's ``hints`` may say it better)
DIAGNOSES: dict[str, str] = {
    "not started": "replace the `raise NotImplementedError(...)` with your rule",
    "error": "your function raised an exception: the last line of its traceback is above",
    "broadcast error": "two arrays of shapes that do not broadcast met in your rule: print "
                       "their shapes; a reduction usually needs keepdims=True",
    "axis error": "a reduction names a dim the array does not have: axis=-1 is the last "
                  "dim whatever the number of dims",
    "shape error": "two arrays of incompatible shapes met in your rule: write the shapes "
                   "of each product down",
    "wrong number of gradients": "return one gradient per input of the op, in order",
    "wrong shape": "each gradient has exactly its input's shape",
    "not summed back": "the gradient still has the broadcast result's shape: sum over "
                       "the dims that broadcasting stretched",
    "dims dropped": "the right numbers, but a dim went missing: reduce with keepdims=True",
    "transposed": "the right numbers, transposed: check the order of the product",
    "inputs swapped": "each input got the other one's gradient: return them in the "
                      "order of the inputs",
    "changed an argument in place": "your function wrote into an array it was given; "
                                    "the framework may still need it: build a new array "
                                    "(grad * mask) instead of assigning into grad",
    "sign flipped": "your gradient is minus the right one: check the sign of each term",
    "forgot the upstream gradient": "your result does not change with `grad`: multiply "
                                    "the local derivative by the upstream gradient "
                                    "(chain rule)",
    "factor off": "your gradient is a constant multiple of the right one: look for a "
                  "stray 2, 1/2 or a missing factor",
    "not linear in the upstream gradient": "a backward rule is linear in `grad`: doubling "
                                           "grad must double the result (no grad**2, no "
                                           "term without grad)",
    "used x for y": "your function receives the output y, but you wrote the formula in x "
                    "and applied it to y: write the slope in terms of y",
    "wrong at the kink": "right everywhere except at the kink: PyTorch's subgradient "
                         "there is the one the reference takes",
    "ties not split": "right where one element wins, wrong at ties: tied winners share "
                      "the gradient evenly",
    "wrong values": "the numbers are wrong, and not in a way the grader recognises: "
                    "rework the derivative on paper for one element",
}


@dataclass
class Result:
    """One task's grade: ``status`` is "PASS", "FAIL" or "not started"."""

    task: str
    status: str
    checks: dict[str, str] = field(default_factory=dict)   # check -> "ok" / what failed
    diagnosis: str = ""
    detail: str = ""
    hint: str = ""
    report: str = ""          # the gradcheck table, when gradcheck failed

    @property
    def passed(self) -> bool:
        return self.status == "PASS"


class _Crash(Exception):
    """The student's function raised: ``name`` is the diagnosis, ``line`` what it said."""

    def __init__(self, name: str, line: str):
        super().__init__(line)
        self.name, self.line = name, line


def _last_line(error: BaseException, path: str | None) -> str:
    """The exception's last traceback line, with the line of the student's file it came
    from (the innermost frame in ``path``)."""
    line = traceback.format_exception_only(type(error), error)[-1].strip()
    if path is not None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == path]
        if frames:
            line += f"  ({Path(path).name}, line {frames[-1].lineno}, in {frames[-1].name})"
    return line


def _call(task: Task, rule: Callable, grad: np.ndarray, saved: Sequence,
          path: str | None = None) -> tuple:
    """The input gradients ``rule`` gives, as float64 arrays; raises ``_Crash``."""
    try:
        with np.errstate(all="ignore"):
            out = task.input_grads(rule, grad, saved)
        return tuple(np.asarray(g, dtype=np.float64) for g in out)
    except NotImplementedError as e:
        raise _Crash("not started", _last_line(e, path)) from None
    except Exception as e:  # noqa: BLE001 - a student's exception is a grade, not a crash
        text = str(e)
        name = "error"
        if isinstance(e, np.exceptions.AxisError):
            name = "axis error"
        elif "broadcast" in text:
            name = "broadcast error"
        elif isinstance(e, ValueError) and ("shape" in text or "dimension" in text):
            name = "shape error"
        raise _Crash(name, _last_line(e, path)) from None


# --- the op built from a rule ---------------------------------------------------------------


def op_from_rule(task: Task, rule: Callable) -> Callable[..., Tensor]:
    """A differentiable op: the task's forward, with ``rule`` as its backward.

    NOTE: the node class is made here, for this rule, and belongs to the module that wrote
    the rule (the student's file, or the task's): it is their op, not one of the framework's.
    """
    def forward(self: Function, *arrays: np.ndarray) -> np.ndarray:
        out, saved = task.forward(*arrays)
        self.save(*saved)
        return np.asarray(out, dtype=np.float64)

    def backward(self: Function, grad: np.ndarray, *saved: Any) -> tuple:
        return tuple(np.asarray(g, dtype=np.float64)
                     for g in task.input_grads(rule, grad.copy(), saved))

    name = "".join(part.title() for part in task.name.split("_")) + "Exercise"
    node: type[Function] = type(name, (Function,), {
        "forward": forward, "backward": backward,
        "__module__": getattr(rule, "__module__", None)})
    return node.apply


def _gradcheck(op: Callable, task: Task, arrays: Sequence[np.ndarray]) -> GradcheckError | None:
    leaves = [from_numpy(np.array(a, dtype=np.float64)).requires_grad_() for a in arrays]
    try:
        with np.errstate(all="ignore"):
            gradcheck(op, leaves, kinks=list(task.kinks) or None)
    except GradcheckError as e:
        return e
    return None


# --- the diagnosis --------------------------------------------------------------------------


def _close(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        return False
    scale = max([float(np.max(np.abs(y))) for y in b if y.size] + [1.0])
    return all(np.allclose(x, y, rtol=1e-6, atol=1e-9 * scale) for x, y in zip(a, b))


def _flat(grads: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([g.reshape(-1) for g in grads]) if grads else np.zeros(0)


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(d for d, n in enumerate(shape) if n == 1), keepdims=True)


def _shape_diagnosis(have: tuple, want: tuple) -> tuple[str, str] | None:
    if len(have) != len(want):
        return "wrong number of gradients", f"{len(have)} returned, the op has {len(want)} inputs"
    if all(h.shape == w.shape for h, w in zip(have, want)):
        return None
    if len(want) == 2 and _close(have[::-1], want):
        return "inputs swapped", "gradient 0 is input 1's and gradient 1 is input 0's"
    for i, (h, w) in enumerate(zip(have, want)):
        if h.shape == w.shape:
            continue
        where = f"gradient {i} has shape {h.shape}, its input {w.shape}"
        if h.ndim == 2 and h.shape == w.shape[::-1] and _close([h.T], [w]):
            return "transposed", where
        if h.size == w.size and _close([h.reshape(w.shape)], [w]):
            return "dims dropped", where
        try:
            summed_back = h.ndim >= w.ndim and _close([_sum_to(h, w.shape)], [w])
        except ValueError:
            summed_back = False
        if summed_back:
            return "not summed back", where
        return "wrong shape", where
    return None


def _worst(have: tuple, want: tuple) -> str:
    for i, (h, w) in enumerate(zip(have, want)):
        if h.shape == w.shape and not _close([h], [w]):
            k = np.unravel_index(int(np.argmax(np.abs(h - w))), w.shape) if w.ndim else ()
            return f"gradient {i} at {tuple(int(j) for j in k)}: {h[k]:.6g}, want {w[k]:.6g}"
    return ""


def _kink_mask(task: Task, arrays: Sequence[np.ndarray], saved: Sequence) -> list:
    """Per input: its elements at a kink (or, for a rule from the output, whose output is
    the kink's output: relu's y = 0 stands for the whole flat side)."""
    masks = [np.isin(a, task.kinks) for a in arrays]
    if task.from_output and task.kinks and np.shape(saved[0]) == arrays[0].shape:
        at = np.asarray(task.forward(np.asarray(task.kinks, dtype=np.float64))[0])
        masks[0] = masks[0] | np.isin(saved[0], at)
    return masks


def diagnose(task: Task, rule: Callable, arrays: Sequence[np.ndarray], seed: int = 0,
             path: str | None = None) -> tuple[str, str]:
    """Name the student's mistake at ``arrays``: ``(diagnosis, detail)``, or ``("", "")``
    if their gradients equal the reference's there."""
    out, saved = task.forward(*arrays)
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(np.shape(out))
    try:
        originals = [np.array(s, copy=True) for s in (g, *saved)]
        mine = _call(task, rule, g, saved, path)
        if any(isinstance(s, np.ndarray) and not np.array_equal(s, o, equal_nan=True)
               for s, o in zip((g, *saved), originals)):
            return "changed an argument in place", "an argument differs after the call"
        right = _call(task, task.reference, g, saved)
        if _close(mine, right):
            return "", ""
        detail = _worst(mine, right) if len(mine) == len(right) else ""
        for name, wrong in task.mistakes.items():
            if _close(mine, _mistake(task, wrong, g, saved)):
                return name, detail
        shape = _shape_diagnosis(mine, right)
        if shape is not None:
            return shape
        name, why = _value_diagnosis(task, rule, arrays, saved, g, mine, right, path)
        return name, why or detail
    except _Crash as crash:
        return crash.name, crash.line


def _mistake(task: Task, wrong: Callable, g: np.ndarray, saved: Sequence) -> tuple:
    """A known wrong answer's gradients (none if it cannot run on these inputs)."""
    try:
        return _call(task, wrong, g, saved)
    except _Crash:
        return ()


def _factors(mine: tuple, right: tuple) -> list[float] | None:
    """Per gradient, c with mine = c * right, if each is such a multiple (else None)."""
    found = []
    for m, r in zip(mine, right):
        a, b = m.reshape(-1), r.reshape(-1)
        c = float(a @ b / (b @ b)) if b @ b else 1.0
        if not _close([a], [c * b]):
            return None
        found.append(round(c, 6))
    return found


def _value_diagnosis(task: Task, rule: Callable, arrays: Sequence[np.ndarray],
                     saved: Sequence, g: np.ndarray, mine: tuple, right: tuple,
                     path: str | None) -> tuple[str, str]:
    """The generic mistakes, most specific first: (name, detail or "")."""
    factors = _factors(mine, right)
    if factors is not None and any(c != 0 for c in factors):
        name = "sign flipped" if all(c in (1.0, -1.0) for c in factors) else "factor off"
        return name, ", ".join(f"gradient {i} is {c:g} x the right one"
                               for i, c in enumerate(factors) if c != 1.0)
    if len(right) == 2 and _close(mine[::-1], right):
        return "inputs swapped", ""
    rng = np.random.default_rng(7)
    g2 = rng.standard_normal(g.shape)
    thrice = _call(task, rule, 3 * g, saved, path)
    if _close(thrice, mine) and np.any(_flat(mine) != 0):
        return "forgot the upstream gradient", ""
    mixed = _call(task, rule, 2 * g - 3 * g2, saved, path)
    other = _call(task, rule, g2, saved, path)
    if not _close(mixed, tuple(2 * m - 3 * o for m, o in zip(mine, other))):
        return "not linear in the upstream gradient", ""
    if task.from_output:
        _, saved_at_y = task.forward(np.asarray(saved[0]))
        if _close(mine, _call(task, task.reference, g, saved_at_y)):
            return "used x for y", ""
    if task.kinks:
        masks = _kink_mask(task, arrays, saved)
        off = [~np.isclose(m, r, rtol=1e-6, atol=1e-9) for m, r in zip(mine, right)]
        if all(o.shape == k.shape and not np.any(o & ~k) for o, k in zip(off, masks)):
            return "wrong at the kink", ""
    if task.ties and _has_ties(arrays) and not diagnose(task, rule, task.prepare(arrays),
                                                       path=path)[0]:
        return "ties not split", ""  # right once the ties are pulled apart
    return "wrong values", ""


def _has_ties(arrays: Sequence[np.ndarray]) -> bool:
    return any(np.unique(a).size < a.size for a in arrays)


# --- grading ----------------------------------------------------------------------------------


def _sweep(task: Task, op: Callable, examples: int) -> tuple[str, list | None]:
    """Gradcheck at Hypothesis-drawn inputs: ("ok" or what failed, the failing inputs)."""
    try:
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st
        from hypothesis.extra import numpy as hnp
    except ImportError:
        return "n/a (pip install hypothesis)", None
    low, high = task.domain
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False,
                       allow_subnormal=False)
    failed: list = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(st.data())
    def prop(data: Any) -> None:
        shapes = data.draw(st.sampled_from(task.cases), label="shapes")
        arrays = task.prepare([data.draw(hnp.arrays(np.float64, s, elements=floats))
                               for s in shapes])
        try:
            error: Exception | None = _gradcheck(op, task, arrays)
        except Exception as e:  # noqa: BLE001 - a crash at some shape is a failure too
            error = e
        if error is not None:
            failed[:] = [arrays, error]
            raise AssertionError("gradcheck failed")

    try:
        prop()
    except AssertionError:
        arrays, error = failed
        shapes = ", ".join(str(a.shape) for a in arrays)
        what = "gradcheck failed" if isinstance(error, GradcheckError) else "it raised"
        return f"{what} at inputs of shape {shapes}", arrays
    return f"ok ({examples} examples)", None


def grade_rule(task: Task, rule: Callable, examples: int = 30,
               path: str | None = None) -> Result:
    """Grade ``rule`` (the student's function, or the reference) on ``task``.

    Args:
        task: the task.
        rule: the function the student wrote.
        examples: Hypothesis examples in the sweep.
        path: the student's file (to point at the line an exception came from).

    Returns:
        a ``Result``; its ``hint`` is the task's hint for the diagnosis, else the generic one.
    """
    result = Result(task.name, "FAIL")
    arrays = task.inputs()
    name, detail = diagnose(task, rule, arrays, path=path)
    if name == "not started":
        result.status = name
        return result
    problem = _runs(task, rule, arrays, path)
    if problem:
        result.checks["runs"] = problem
        result.diagnosis, result.detail = name, detail
        return _with_hint(task, result)
    result.checks["runs"] = "ok"
    _numeric_checks(task, rule, result, arrays, examples, path)
    if not result.diagnosis:
        result.status = "PASS"
    return _with_hint(task, result)


def _runs(task: Task, rule: Callable, arrays: Sequence[np.ndarray], path: str | None) -> str:
    """What stops the rule from being a backward at all ("" if nothing): it raises, writes
    into its arguments, or returns the wrong number or shapes of gradients."""
    out, saved = task.forward(*arrays)
    grad = np.random.default_rng(0).standard_normal(np.shape(out))
    before = [np.array(s, copy=True) for s in (grad, *saved)]
    try:
        mine = _call(task, rule, grad, saved, path)
    except _Crash:
        return "it raised"
    if any(isinstance(s, np.ndarray) and not np.array_equal(s, b, equal_nan=True)
           for s, b in zip((grad, *saved), before)):
        return "it writes into its arguments"
    shapes = [a.shape for a in arrays]
    if [m.shape for m in mine] != shapes:
        return f"gradient shapes {[m.shape for m in mine]}, inputs {shapes}"
    return ""


def _numeric_checks(task: Task, rule: Callable, result: Result, arrays: list,
                    examples: int, path: str | None) -> None:
    """gradcheck, the conventions and the sweep, each diagnosed where it fails."""
    op = op_from_rule(task, rule)
    try:
        error = _gradcheck(op, task, arrays)
    except Exception as e:  # noqa: BLE001 - a rule may crash only inside the engine
        result.checks["gradcheck"] = f"crashed: {_last_line(e, path)}"
        result.diagnosis, result.detail = "error", _last_line(e, path)
        return
    if error is not None:
        result.checks["gradcheck"] = f"failed on {error.n_failed} of {error.n_total} elements"
        result.report = str(error)
        result.diagnosis, result.detail = diagnose(task, rule, arrays, path=path)
        if not result.diagnosis:
            result.diagnosis = "wrong values"
        return
    result.checks["gradcheck"] = "ok"
    for check, probe in (("kink", task.kink_inputs()), ("ties", task.tied_inputs())):
        if probe is None:
            continue
        name, detail = diagnose(task, rule, probe, path=path)
        if name:
            result.checks[check] = f"differs from the reference ({name})"
            if name == "wrong values":
                name = "wrong at the kink" if check == "kink" else "ties not split"
            result.diagnosis, result.detail = name, detail
            return
        result.checks[check] = "ok"
    verdict, failing = _sweep(task, op, examples)
    result.checks["sweep"] = verdict
    if failing is not None:
        name, detail = diagnose(task, rule, failing, path=path)
        result.diagnosis = name or "wrong values"
        result.detail = detail or verdict


def _with_hint(task: Task, result: Result) -> Result:
    result.hint = task.hints.get(result.diagnosis) or DIAGNOSES.get(result.diagnosis, "")
    return result
