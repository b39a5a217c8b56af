"""The report card of the activations: what ``python -m tinygrad_acts check`` prints.

``report_card(name)`` grades one registered activation; the ``check`` command,
``python -m tinygrad_acts check [NAME ...] [--json]``, grades every activation in the
registry (yours too: register it, or load the file that does with ``--import``):

- a gradient check (``gradcheck``) and a second-derivative check (``gradgradcheck``) over
  Hypothesis examples kept away from the declared kinks, with the largest error seen;
- what the backward rule keeps (the output or the input);
- prelu too, though not a registry entry (its slope is a second, learnable input): graded at
  slope 0.25 for the properties, and with random positive slopes for the gradient checks
  (of x and of the slope);
- the book's four properties of a good activation, **measured** on the function itself:
  defined and finite everywhere (a grid out to +-1e4, float32 and float64, no numpy
  warnings, no jumps), monotonic (signs of finite differences), non-linear (second
  differences), and cheap (forward + backward time per element, relative to relu).

The exit status is 1 if any gradient or second-derivative check fails, 2 on bad arguments.

Not to be confused with ``gradcheck`` (one function, one input) or with
``testing.check_activation`` (a property test that raises on the first failure): the report
card runs those checks and measures the rest, and reports instead of raising.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .activations import ActivationSpec, apply_prelu, registry
from .tensor import Tensor

__all__ = ["add_arguments", "main", "report_card", "measure_properties", "format_table"]

# The grid the properties are measured on: dense near 0, logarithmic out to 1e4.
_DENSE = np.linspace(-20.0, 20.0, 8001)           # step 0.005, includes 0 exactly
_WIDE = np.geomspace(20.0, 1e4, 400)[1:]
GRID = np.concatenate([-_WIDE[::-1], _DENSE, _WIDE])
_TIMING_ELEMENTS = 100_000
#: The yardstick of the cost column: every activation's time is given relative to it.
BASELINE = "relu"
#: Graded with the registry's activations, though not one of them (two inputs: x, slope).
PRELU = "prelu"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="activations to check (default: every registered one)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--examples", type=int, default=25, metavar="N",
                        help="Hypothesis examples per gradient check (default 25)")
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        metavar="MODULE_OR_FILE",
                        help="import a module or .py file first (where you register your "
                             "own activations); may be repeated")
    parser.add_argument("--no-timing", action="store_true",
                        help="skip the cost measurement (faster)")


def main(args: argparse.Namespace) -> int:
    try:
        for target in args.imports:
            _import(target)
    except (ImportError, OSError) as e:
        print(f"check: cannot import {e}", file=sys.stderr)
        return 2
    names = args.names or [*registry, PRELU]
    unknown = [n for n in names if n not in registry and n != PRELU]
    if unknown:
        print(f"check: no activation named {', '.join(map(repr, unknown))}; registered: "
              f"{', '.join(registry)}", file=sys.stderr)
        return 2
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print("check: the gradient checks draw their examples with hypothesis, which is not "
              "installed: pip install hypothesis (or pip install -e '.[dev]')", file=sys.stderr)
        return 2
    relu_ns = _cost_ns(registry[BASELINE]) if not args.no_timing and BASELINE in registry \
        else None
    results = [report_card(n, args.examples, not args.no_timing, relu_ns) for n in names]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_table(results, args.examples, relu_ns))
    return 1 if any(not r["gradient"]["ok"] or r["second_derivative"]["ok"] is False
                    for r in results) else 0


def _import(target: str) -> None:
    """Import a module by name, or run a .py file as a module (to register activations)."""
    if target.endswith(".py"):
        path = Path(target)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None or not path.exists():
            raise ImportError(f"{target}: no such file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    else:
        importlib.import_module(target)


# --- one activation ----------------------------------------------------------------------


def report_card(name: str, examples: int = 25, timing: bool = True,
                relu_ns: float | None = None) -> dict:
    """The report card of one activation: everything ``check`` reports for it, as a
    JSON-ready dict.

    Args:
        name: a registry name.
        examples: Hypothesis examples per gradient check.
        timing: measure the cost (forward + backward per element).
        relu_ns: relu's cost in ns/element, to express the cost relative to it.

    Returns:
        A dict with keys name, keeps, doc, gradient, second_derivative, finite, monotonic,
        nonlinear, cost.

    Example:
        >>> from tinygrad_acts.report_card import report_card
        >>> r = report_card("tanh", examples=3, timing=False)
        >>> r["gradient"]["ok"], r["keeps"], r["monotonic"]["measured"]
        (True, 'output', True)
    """
    from . import testing  # needs hypothesis: imported only when checks run

    spec: Any = _PReLUCard() if name == PRELU else registry[name]
    kinks = spec.kink_points()
    strategies = [testing.activation_inputs(name)] if name != PRELU else [
        testing.tensors((3, 4)), testing.tensors((4,), min_value=0.1, max_value=2.0)]
    fn = spec if name != PRELU else apply_prelu
    result: dict = {"name": name, "keeps": spec.saves, "doc": spec.doc}
    for key, order in (("gradient", 1), ("second_derivative", 2)):
        if order == 2 and not getattr(spec, "twice", True):  # (hardsigmoid: none in torch)
            result[key] = {"ok": None, "examples": 0, "max_abs_err": None,
                           "error": "not available: torch has no second derivative"}
            continue
        try:
            sweep = testing.sweep(fn, *strategies, order=order, kinks=kinks,
                                  max_examples=examples, derandomize=True)
        except TypeError as e:  # a rule that works on ndarrays only: no second derivatives
            if order == 2 and "does not work on Tensors" in str(e):
                result[key] = {"ok": None, "examples": 0, "max_abs_err": None,
                               "error": f"not available: {e}"}
                continue
            raise
        result[key] = {"ok": sweep.ok, "examples": sweep.examples,
                       "max_abs_err": sweep.max_abs_err,
                       "error": None if sweep.ok else str(sweep.error)}
    result.update(measure_properties(spec))
    if timing:
        ns = relu_ns if name == BASELINE and relu_ns else _cost_ns(spec)
        result["cost"] = {"ns_per_element": ns,
                          "relative_to_relu": ns / relu_ns if relu_ns else None}
    else:
        result["cost"] = None
    return result


class _PReLUCard:
    """prelu at one fixed slope (torch's init, 0.25), shaped like a registry entry for the
    properties and the timing; its gradient checks vary the slope too."""

    name, saves, monotonic, elementwise = PRELU, "output", True, True
    doc = ("prelu: y = x if x > 0 else w * x; dy/dx = 1 if y > 0 else w, dy/dw = y / w "
           "where y <= 0 (from the output while every w > 0)")

    def kink_points(self) -> list:
        return [0.0]

    def group(self) -> None:
        return None

    def __call__(self, x: Tensor) -> Tensor:
        return apply_prelu(x, Tensor._wrap(np.full(1, 0.25, x._array.dtype)))


# --- the four properties, measured -------------------------------------------------------


def _row_width(spec: ActivationSpec) -> int:
    """The width of a row for an activation that mixes elements along the last dim: two
    groups if the entry declares groups (maxout's pieces), else 4."""
    group = spec.group()
    return 2 * group[1] if group is not None else 4


def _grad(leaf: Tensor) -> np.ndarray:
    """The gradient a backward pass left in ``leaf``."""
    assert leaf.grad is not None, "backward reached every input"
    return leaf.grad.numpy()


def _slice(spec: ActivationSpec, dtype: Any) -> Callable[[np.ndarray], tuple]:
    """phi(t) and dphi/dt over a vector of t, through the framework (forward and backward).

    Elementwise activations: phi = f. Others (softmax, maxout) mix a row, so phi(t) is
    output [0] of a row whose element [0] is t and whose other elements are fixed.
    """
    width = _row_width(spec)
    base = np.linspace(-1.0, 1.0, width) + 0.1

    def phi(t: np.ndarray) -> tuple:
        t = np.asarray(t, dtype=dtype)
        if spec.elementwise:
            x = Tensor._wrap(t.copy(), requires_grad=True)
            y = spec(x)
            y.backward(np.ones(y.shape, dtype=dtype))
            return y.numpy().astype(np.float64), _grad(x).astype(np.float64)
        rows = np.tile(base.astype(dtype), (t.size, 1))
        rows[:, 0] = t
        x = Tensor._wrap(rows, requires_grad=True)
        y = spec(x)
        pick = np.zeros(y.shape, dtype=dtype)
        pick[:, 0] = 1
        y.backward(pick)
        return (y.numpy()[:, 0].astype(np.float64), _grad(x)[:, 0].astype(np.float64))

    return phi


def measure_properties(spec: ActivationSpec) -> dict:
    """The book's four properties, measured (the cost is measured separately by timing).

    - finite: outputs and derivatives finite with no numpy warnings on ``GRID`` (-1e4..1e4)
      in float64 and float32, and no jumps (a bisection on the largest steps shrinks them
      to 0 if the function is continuous);
    - monotonic: the finite differences on ``GRID`` never change sign;
    - nonlinear: second differences on the dense part (step 0.005) not all zero.

    Returns:
        ``{"finite": {...}, "monotonic": {...}, "nonlinear": {...}}``, each with a
        measured value and a short human-readable ``detail``.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.report_card import measure_properties
        >>> p = measure_properties(ta.activations["relu"])
        >>> p["monotonic"]["measured"], p["nonlinear"]["detail"]
        (True, 'yes (bends at 0)')
    """
    phi64 = _slice(spec, np.float64)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # NOTE: underflow (e^-1e4 -> 0) is the right answer, not a problem; overflow,
            # division by zero and invalid operations are.
            with np.errstate(all="warn", under="ignore"):
                y, g = phi64(GRID)
                y32, g32 = _slice(spec, np.float32)(GRID)
    except Exception as e:  # noqa: BLE001 - report any failure as "not defined"
        na = {"measured": None, "detail": "n/a"}
        return {"finite": {"measured": False, "detail": f"error: {e}"[:60]},
                "monotonic": dict(na, declared=spec.monotonic), "nonlinear": na}
    finite = _finite(y, g, y32, g32, caught)
    with np.errstate(all="ignore"):  # inf - inf where the function overflows: ignored below
        if finite["measured"]:
            finite = _jumps(phi64, y, g)
        return {"finite": finite, "monotonic": _monotonic(y, spec.monotonic),
                "nonlinear": _nonlinear(y)}


def _finite(y: np.ndarray, g: np.ndarray, y32: np.ndarray, g32: np.ndarray,
            caught: list) -> dict:
    for what, arr, kind in (("output", y, "float64"), ("gradient", g, "float64"),
                            ("output", y32, "float32"), ("gradient", g32, "float32")):
        bad = ~np.isfinite(arr)
        if bad.any():
            x = GRID[np.argmax(bad)]
            return {"measured": False, "detail": f"no: {what} {arr[bad][0]} at {x:g} ({kind})"}
    if caught:
        return {"measured": False, "detail": f"no: numpy warning {str(caught[0].message)!r}"}
    return {"measured": True, "detail": "yes"}


def _jumps(phi: Callable, y: np.ndarray, g: np.ndarray) -> dict:
    """Bisect the steps that the slopes do not explain: a jump stays, a steep rise shrinks."""
    step = np.abs(np.diff(y))
    explained = np.diff(GRID) * np.maximum(np.abs(g[:-1]), np.abs(g[1:]))
    for i in np.argsort(explained - step)[:5]:
        a, b = GRID[i], GRID[i + 1]
        fa, fb = y[i], y[i + 1]
        for _ in range(45):
            m = (a + b) / 2
            fm = phi(np.array([m]))[0][0]
            if abs(fm - fa) >= abs(fb - fm):
                b, fb = m, fm
            else:
                a, fa = m, fm
        if abs(fb - fa) > 1e-6 * (1 + abs(fa)):
            return {"measured": False, "detail": f"no: jumps by {fb - fa:.3g} at {a:.4g}"}
    return {"measured": True, "detail": "yes"}


def _monotonic(y: np.ndarray, declared: bool | None) -> dict:
    dy = np.diff(y)
    # NOTE: an absolute floor, so rounding noise in a flat tail (gelu's 1 + erf(x) near
    # x = -8 cancels to a few ulps) does not count as a change of direction.
    dense = np.abs(y[len(_WIDE):len(_WIDE) + len(_DENSE)])
    tol = 1e-12 * (np.abs(y[:-1]) + np.abs(y[1:]) + np.max(dense, initial=0.0))
    signs = np.where(dy > tol, 1, np.where(dy < -tol, -1, 0))
    moving = signs[signs != 0]
    if moving.size == 0 or np.all(moving == moving[0]):
        detail = "yes" if declared in (None, True) else "yes (declared False!)"
        return {"measured": True, "declared": declared, "detail": detail}
    first = np.flatnonzero(signs == moving[0])[0]
    turn = np.flatnonzero((signs != 0) & (signs != moving[0]))
    turn = turn[turn > first][0]
    detail = f"no (turns at {GRID[turn]:.3g})"
    if declared:
        detail += " (declared True!)"
    return {"measured": False, "declared": declared, "detail": detail}


def _nonlinear(y: np.ndarray) -> dict:
    start = len(_WIDE)
    dense = y[start:start + len(_DENSE)]
    d2 = dense[2:] - 2 * dense[1:-1] + dense[:-2]
    bent = np.abs(d2) > 1e-9 * (1 + np.abs(dense[1:-1]))
    count = int(bent.sum())
    if count == 0:
        return {"measured": False, "points": 0, "detail": "no (linear)"}
    if count <= 6:
        # a bend between two grid points shows at both: report each cluster once
        xs = _DENSE[1:-1][bent]
        clusters = np.split(xs, np.flatnonzero(np.diff(xs) > 0.011) + 1)
        where = ", ".join(f"{c.mean():.3g}" for c in clusters)
        return {"measured": True, "points": count, "detail": f"yes (bends at {where})"}
    return {"measured": True, "points": count, "detail": "yes (curved)"}


def _cost_ns(spec: Any, budget: float = 0.1) -> float:
    """Forward + backward time per element (float32, 100,000 elements): the best of as many
    runs as fit in ``budget`` seconds (at least 5), so a busy machine disturbs it less."""
    group = spec.group()
    cols = 100 * group[1] if group is not None else 100  # whole groups of pieces per row
    x = np.random.default_rng(0).standard_normal((_TIMING_ELEMENTS // cols, cols))
    x = x.astype(np.float32)
    best, spent, runs = math.inf, 0.0, 0
    while runs < 6 or (spent < budget and runs < 2000):  # the first run warms up
        t = Tensor._wrap(x, requires_grad=True)
        start = time.perf_counter()
        y = spec(t)
        y.backward(np.ones(y.shape, dtype=np.float32))
        took = time.perf_counter() - start
        spent, runs = spent + took, runs + 1
        if runs > 1:
            best = min(best, took)
    return best / x.size * 1e9


# --- the table ---------------------------------------------------------------------------


def _check_cell(r: dict) -> str:
    if r["ok"] is None:
        return "n/a"
    if not r["ok"]:
        return "FAIL"
    return "pass 0" if r["max_abs_err"] == 0 else f"pass {r['max_abs_err']:.0e}"


def format_table(results: list, examples: int, relu_ns: float | None = None) -> str:
    """The report ``check`` prints: one row per activation, a legend, then any failures."""
    header = ["activation", "keeps", "gradient", "2nd deriv", "finite", "monotonic",
              "non-linear", "cost"]
    rows = []
    for r in results:
        cost = r["cost"]
        cost_cell = "-" if not cost else (f"{cost['relative_to_relu']:.1f}x"
                                          if cost["relative_to_relu"] else
                                          f"{cost['ns_per_element']:.1f}ns")
        rows.append([r["name"], r["keeps"], _check_cell(r["gradient"]),
                     _check_cell(r["second_derivative"]), r["finite"]["detail"],
                     r["monotonic"]["detail"], r["nonlinear"]["detail"], cost_cell])
    widths = [max(len(row[c]) for row in [header] + rows) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    relu = f"relu = {relu_ns:.1f} ns/element" if relu_ns else "relu not timed"
    lines += [
        "",
        f"gradient, 2nd deriv: gradcheck / gradgradcheck in float64 on {examples} Hypothesis",
        "  examples kept away from declared kinks; pass shows the largest |analytic - numeric|",
        "finite: outputs and gradients finite, no numpy warnings, on a grid from -1e4 to 1e4",
        "  (float32 and float64), and no jumps; monotonic: signs of finite differences on it",
        "non-linear: second differences on [-20, 20], step 0.005",
        f"cost: forward + backward time per element, float32, relative to relu ({relu})",
        "softmax-like activations are measured along x[0] of a row, output [0]",
    ]
    failed = [r for r in results if not r["gradient"]["ok"] or
              r["second_derivative"]["ok"] is False]
    for r in failed:
        for key in ("gradient", "second_derivative"):
            if r[key]["ok"] is False:
                lines += ["", f"{r['name']}: {key.replace('_', ' ')} check FAILED", "",
                          r[key]["error"]]
    n = len(results)
    if failed:
        lines += ["", f"{len(failed)} of {n} activations FAILED a gradient check"]
    else:
        lines += ["", f"gradient checks pass ({n} activation{'s' if n != 1 else ''})"]
    return "\n".join(lines)
