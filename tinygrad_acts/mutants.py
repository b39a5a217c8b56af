"""The mutation lab: do our gradient checks have teeth?

A *mutant* is a backward rule with one classic mistake in it: the sign flipped, the rule fed
x where it needs y (or y where it needs x), the upstream gradient forgotten, a factor of 2,
a reduction whose result broadcasts along the wrong axis, the wrong side taken at a kink,
the whole gradient sent to every tied maximum, a binary op that forgets to undo
broadcasting. The lab installs each mutant for a moment (``register_activation(...,
replace=True)`` for activations; the op's ``backward`` for the basic ops), runs every check
against it, and puts the real rule back.

A check *kills* a mutant when it fails (``X``) or crashes (``E``) on it. A mutant that no
check kills is either **equivalent** (it gives the real rule's numbers on every input tried,
so it is not wrong at all: relu's rule reads only the sign of its argument, and x and y share
it) or a **survivor**, a hole in the tests. The mutation score is
killed / (mutants - equivalent); the target is 100%.

Command line: ``python -m tinygrad_acts mutants [NAME ...]``.
"""
from __future__ import annotations

import argparse
import importlib
import json
import textwrap
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from . import ops
from .activations import register_activation, registry
from .autograd import grad as ta_grad
from .ops import unbroadcast, where
from .tensor import Tensor
from .testing import away_from_kinks

__all__ = ["Mutant", "Target", "CHECKS", "mutants_for", "targets", "run_lab", "format_table",
           "add_arguments", "main"]


# --- what is being mutated: activations (by registry name) and the broadcasting ops --------


@dataclass
class Target:
    """Something with a backward rule: ``fn(*tensors)`` and how to make its inputs."""

    name: str
    fn: Callable[..., Tensor]
    shapes: list[tuple]                       # the default input shapes
    is_op: bool = False
    monotonic: bool | None = None
    ties: bool = False
    kinks: list = field(default_factory=list)
    pieces: int = 1                           # last dim must be a multiple of this

    def inputs(self, rng: np.random.Generator, dtype: Any = np.float64,
               shapes: list[tuple] | None = None) -> list[np.ndarray]:
        """Random inputs in [-3, 3], kept 1e-3 away from kinks and free of ties."""
        out = []
        for shape in shapes or self.shapes:
            x = rng.uniform(-3, 3, shape)
            out.append(away_from_kinks(x, self.kinks).astype(dtype))
        return out


def _activation_target(name: str) -> Target:
    spec = registry[name]
    pieces = int(spec.params.get("pieces", 1)) if spec.ties else 1
    return Target(name=name, fn=lambda x, _n=name: registry[_n](x), shapes=[(3, 4)],
                  monotonic=spec.monotonic, ties=spec.ties, kinks=spec.kink_points(),
                  pieces=pieces)


OP_TARGETS: dict[str, Target] = {
    "add": Target("add", lambda a, b: a + b, [(3, 1), (1, 4)], is_op=True),
    "sub": Target("sub", lambda a, b: a - b, [(3, 1), (1, 4)], is_op=True),
    "mul": Target("mul", lambda a, b: a * b, [(3, 1), (1, 4)], is_op=True),
    "div": Target("div", lambda a, b: a / (b * b + 1), [(3, 1), (1, 4)], is_op=True),
    "max": Target("max", lambda a: a.max(1), [(3, 4)], is_op=True, ties=True),
    "maximum": Target("maximum", lambda a, b: a.maximum(b), [(3, 4), (1, 4)], is_op=True,
                      ties=True),
}


def targets(names: list[str] | None = None) -> list[Target]:
    """The targets named (activations by registry name, or one of ``OP_TARGETS``).

    Args:
        names: names to pick; default every registered activation, then the ops.

    Returns:
        a list of ``Target``.

    Example:
        >>> [(t.name, t.shapes) for t in targets(["tanh", "add"])]
        [('tanh', [(3, 4)]), ('add', [(3, 1), (1, 4)])]
    """
    if not names:
        return [_activation_target(n) for n in registry] + list(OP_TARGETS.values())
    out = []
    for n in names:
        if n in registry:
            out.append(_activation_target(n))
        elif n in OP_TARGETS:
            out.append(OP_TARGETS[n])
        else:
            raise KeyError(f"mutants: no activation or op named {n!r}; activations: "
                           f"{', '.join(registry)}; ops: {', '.join(OP_TARGETS)}")
    return out


# --- the mutants ----------------------------------------------------------------------------


@dataclass
class Mutant:
    """One wrong rule: ``install()`` is a context manager that puts it in place."""

    target: str
    kind: str
    wrong_rule: str
    install: Callable[[], Any] = field(repr=False)


@contextmanager
def _swap_rule(name: str, backward: Callable, saves: str | None = None) -> Iterator[None]:
    """Register ``backward`` as ``name``'s rule for the duration, then restore the entry."""
    spec = registry[name]
    register_activation(name, spec.forward, backward, saves or spec.saves, params=spec.params,
                        doc=spec.doc, module_name=spec.module_name, kinks=spec.kinks,
                        ties=spec.ties, monotonic=spec.monotonic, elementwise=spec.elementwise,
                        validate=spec.validate, replace=True)
    try:
        yield
    finally:
        registry[name] = spec


@contextmanager
def _swap_op(cls: type, backward: Callable) -> Iterator[None]:
    real = cls.__dict__["backward"]
    cls.backward = backward
    try:
        yield
    finally:
        cls.backward = real


def _generic(name: str) -> list[Mutant]:
    """The four mistakes any rule can suffer."""
    spec = registry[name]
    rule = spec.backward
    other = "input" if spec.saves == "output" else "output"
    swapped = "x used for y" if spec.saves == "output" else "y used for x"
    return [
        Mutant(name, "sign flip", "returns -(the real rule)",
               lambda: _swap_rule(name, lambda g, s, **p: -rule(g, s, **p))),
        Mutant(name, swapped, f"the real rule, but handed the {other} (saves={other!r})",
               lambda: _swap_rule(name, rule, saves=other)),
        Mutant(name, "missing upstream grad", "the real rule with g replaced by 1",
               lambda: _swap_rule(name, lambda g, s, **p: rule(np.ones(np.shape(g),
                                                                       np.asarray(g).dtype),
                                                               s, **p))),
        Mutant(name, "factor of 2", "returns 2 * (the real rule)",
               lambda: _swap_rule(name, lambda g, s, **p: 2 * rule(g, s, **p))),
    ]


# Mistakes that belong to one activation: (name, kind, wrong rule, backward, saves)
_SPECIFIC: list[tuple[str, str, str, Callable, str]] = [
    ("relu", "kink: >= for >", "g * (x >= 0), so relu'(0) = 1",
     lambda g, x: g * (x >= 0), "input"),
    ("leaky_relu", "kink: >= for >", "where(x >= 0, g, slope * g), so leaky_relu'(0) = 1",
     lambda g, x, negative_slope=0.01: where(x >= 0, g, g * negative_slope), "input"),
    ("hardtanh", "kink: >= for >", "g * (min <= x <= max), so the slope at +-1 is 1",
     lambda g, x, min_val=-1.0, max_val=1.0: g * ((x >= min_val) & (x <= max_val)), "input"),
    ("elu", "kink: >= for >", "where(x >= 0, g, g * alpha * e^x)",
     lambda g, x, alpha=1.0: where(x >= 0, g, g * alpha * np.exp(np.minimum(x, 0))), "input"),
    ("softmax", "sum without keepdims", "y * (g - sum(g * y, dim)) with the sum's dim dropped",
     lambda g, y, dim=-1: y * (g - (g * y).sum(axis=dim)), "output"),
    ("log_softmax", "sum without keepdims", "g - e^y * sum(g, dim) with the sum's dim dropped",
     lambda g, y, dim=-1: g - np.exp(y) * g.sum(axis=dim), "output"),
    ("maxout", "gradient to every tie", "each tied winner gets all of g (not g / ties)",
     lambda g, x, pieces=2, dim=-1: _maxout_every_tie(g, x, pieces, dim), "input"),
]


def _maxout_every_tie(g: Any, x: Any, pieces: int, dim: int) -> Any:
    d = dim % x.ndim
    grouped = x.shape[:d] + (x.shape[d] // pieces, pieces) + x.shape[d + 1:]
    xs = x.reshape(grouped)
    winners = (xs == xs.max(axis=d + 1, keepdims=True)).astype(g.dtype)
    return (g.reshape(grouped[:d + 1] + (1,) + grouped[d + 2:]) * winners).reshape(x.shape)


def _op_mutants(name: str) -> list[Mutant]:
    if name in ("add", "sub", "mul", "div"):
        cls = {"add": ops.Add, "sub": ops.Sub, "mul": ops.Mul, "div": ops.Div}[name]
        rules = {
            "add": (lambda self, g: (g, g), "da = g, db = g (not summed back to each shape)"),
            "sub": (lambda self, g: (g, -g), "da = g, db = -g (not summed back)"),
            "mul": (lambda self, g, a, b: (g * b, g * a), "da = g * b, db = g * a (not summed)"),
            "div": (lambda self, g, b, y: (g / b, -g * y / b), "da = g / b, db = -g y / b "
                                                                 "(not summed)"),
        }
        fn, text = rules[name]
        return [Mutant(name, "no unbroadcast", text, lambda: _swap_op(cls, fn))]
    if name == "max":
        def every_tie(self: Any, g: Any) -> Any:
            if not self.keepdims:
                g = g.reshape(ops._keepdim_shape(self.in_shape, self.axis))
            return ops.expand(g, self.in_shape) * (self.share > 0)
        return [Mutant(name, "gradient to every tie", "each tied maximum gets all of g",
                       lambda: _swap_op(ops.Max, every_tie))]
    if name == "maximum":
        def both_win(self: Any, g: Any) -> Any:
            share = np.ceil(self.share_a)            # a tie (0.5) counts as a win for a ...
            other = np.ceil(1 - self.share_a)        # ... and for b
            return (unbroadcast(g * share, self.shapes[0]),
                    unbroadcast(g * other, self.shapes[1]))
        return [Mutant(name, "gradient to every tie", "on a tie both a and b get all of g",
                       lambda: _swap_op(ops.Maximum, both_win))]
    return []


def mutants_for(target: Target) -> list[Mutant]:
    """Every mutant the lab knows for ``target``.

    Args:
        target: from ``targets()``.

    Returns:
        the mutants, generic mistakes first.

    Example:
        >>> [m.kind for m in mutants_for(targets(["relu"])[0])]
        ['sign flip', 'x used for y', 'missing upstream grad', 'factor of 2', 'kink: >= for >']
    """
    if target.is_op:
        return _op_mutants(target.name)
    found = _generic(target.name)
    for name, kind, text, backward, saves in _SPECIFIC:
        if name == target.name:
            found.append(Mutant(name, kind, text,
                                lambda b=backward, s=saves, n=name: _swap_rule(n, b, s)))
    return found


# --- the checks -----------------------------------------------------------------------------
# Each returns (verdict, detail): "pass", "fail", "error" or "n/a".

Verdict = tuple[str, str]


def _leaves(arrays: list[np.ndarray]) -> list[Tensor]:
    return [Tensor(a.copy(), requires_grad=True) for a in arrays]


def _grads(target: Target, arrays: list[np.ndarray], g: np.ndarray | None = None) -> list:
    xs = _leaves(arrays)
    y = target.fn(*xs)
    upstream = np.ones(y.shape, y.dtype) if g is None else np.asarray(g, y.dtype)
    outs = ta_grad(y, xs, grad_outputs=[upstream], allow_unused=True)
    return [np.zeros_like(a) if o is None else o.data for o, a in zip(outs, arrays)]


def _gradcheck(target: Target, fast: bool) -> Verdict:
    from .gradcheck import GradcheckError, gradcheck
    xs = _leaves(target.inputs(np.random.default_rng(0)))
    try:
        gradcheck(target.fn, xs, fast_mode=fast, kinks=target.kinks or None)
    except GradcheckError as e:
        diagnosis = e.diagnoses[0] if e.diagnoses else f"{e.n_failed}/{e.n_total} elements off"
        return "fail", diagnosis
    return "pass", ""


def check_gradcheck(target: Target) -> Verdict:
    """``ta.gradcheck`` (full Jacobian) at one random point."""
    return _gradcheck(target, fast=False)


def check_gradcheck_fast(target: Target) -> Verdict:
    """``ta.gradcheck(fast_mode=True)``: one random projection per input."""
    return _gradcheck(target, fast=True)


def _drawn_inputs(target: Target, draw: Any) -> list[np.ndarray]:
    """One example from the project's own strategies (``tinygrad_acts.testing``): an
    activation's inputs kept off its kinks and ties; for an op, shapes that broadcast."""
    from . import testing
    if not target.is_op:
        x = draw(testing.activation_inputs(target.name, min_value=-4.0, max_value=4.0))
        return [x.data]
    if len(target.shapes) == 2:
        shapes = draw(testing.broadcastable_shapes(2, min_dims=1, max_dims=2))
    else:
        shapes = (draw(testing.shapes(min_dims=2, max_dims=2)),)
    arrays = [draw(testing.arrays(s, min_value=-4.0, max_value=4.0)) for s in shapes]
    if target.ties and len(arrays) == 1:
        # NOTE: three tied maxima get 1/3 each from the rule but 1/2 from central
        # differences; no rule can match both, so ties are drawn apart (as the suite does).
        arrays = [testing.separate_ties(arrays[0])]
    elif target.ties:
        # a and b exactly tied is fine (1/2 each, as differences say); closer than eps but
        # not equal is a kink no difference quotient can resolve
        from hypothesis import assume
        gap = np.abs(arrays[0] - arrays[1])
        assume(np.all((gap == 0) | (gap > 1e-3)))
    return arrays


def _numeric_vjp(target: Target, arrays: list[np.ndarray], w: np.ndarray, i: int,
                 eps: float = 1e-6) -> np.ndarray:
    """d sum(w * fn(...)) / d arrays[i] by central differences."""
    out = np.zeros_like(arrays[i])
    for idx in np.ndindex(out.shape):
        shifted = [a.copy() for a in arrays]
        shifted[i][idx] += eps
        plus = np.sum(w * target.fn(*[Tensor(a) for a in shifted]).data)
        shifted[i][idx] -= 2 * eps
        minus = np.sum(w * target.fn(*[Tensor(a) for a in shifted]).data)
        out[idx] = (plus - minus) / (2 * eps)
    return out


def check_property_fd(target: Target, examples: int = 25, shrink: bool = False) -> Verdict:
    """Hypothesis property: backward against central differences, on inputs drawn from
    ``tinygrad_acts.testing`` (any shape the activation accepts; broadcasting pairs for the
    ops), with a random upstream gradient."""
    try:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import strategies as st
    except ImportError:
        return "n/a", "hypothesis not installed"
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    failure: list[str] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=phases, suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(st.data())
    def prop(data: Any) -> None:
        arrays = _drawn_inputs(target, data.draw)
        shape = target.fn(*[Tensor(a) for a in arrays]).shape
        w = np.random.default_rng(len(failure)).standard_normal(shape)
        got = _grads(target, arrays, w)
        for i, a in enumerate(arrays):
            want = _numeric_vjp(target, arrays, w, i)
            if np.shape(got[i]) != a.shape or not np.allclose(got[i], want, atol=1e-5,
                                                              rtol=1e-4):
                if np.shape(got[i]) != a.shape:
                    failure[:] = [f"input {i}: gradient shape {np.shape(got[i])}, input "
                                  f"shape {a.shape}"]
                else:
                    k = int(np.argmax(np.abs(got[i] - want)))
                    failure[:] = [f"input {i} of shape {a.shape}, at x = {a.flat[k]:.4g}: "
                                  f"backward {got[i].flat[k]:.4g}, differences "
                                  f"{want.flat[k]:.4g}"]
                raise AssertionError(failure[0])

    try:
        prop()
    except AssertionError:
        return "fail", failure[0] if failure else "property failed"
    return "pass", ""


def check_linear_in_upstream(target: Target) -> Verdict:
    """A vector-Jacobian product is linear in the upstream gradient g:
    vjp(2 g1 - 3 g2) = 2 vjp(g1) - 3 vjp(g2), and vjp(0) = 0.

    Args:
        target: what to check (its currently installed rule).

    Returns:
        ``("pass", "")`` or ``("fail", what went wrong)``; every check has this shape.

    Example:
        >>> check_linear_in_upstream(targets(["sigmoid"])[0])
        ('pass', '')
    """
    rng = np.random.default_rng(1)
    arrays = target.inputs(rng)
    shape = target.fn(*[Tensor(a) for a in arrays]).shape
    g1, g2 = rng.standard_normal(shape), rng.standard_normal(shape)
    mixed = _grads(target, arrays, 2 * g1 - 3 * g2)
    parts = zip(_grads(target, arrays, g1), _grads(target, arrays, g2))
    for m, (a, b) in zip(mixed, parts):
        if not np.allclose(m, 2 * a - 3 * b, rtol=1e-9, atol=1e-12):
            return "fail", "vjp(2 g1 - 3 g2) != 2 vjp(g1) - 3 vjp(g2)"
    if any(np.any(z != 0) for z in _grads(target, arrays, np.zeros(shape))):
        return "fail", "a zero upstream gradient gave a non-zero gradient"
    return "pass", ""


def check_monotone_slope(target: Target) -> Verdict:
    """A monotonic activation's slope is never negative (dense grid over [-6, 6])."""
    if target.is_op or not target.monotonic:
        return "n/a", "not a monotonic activation"
    x = np.concatenate([np.linspace(-6, 6, 1201), np.asarray(target.kinks, dtype=float)])
    (d,) = _grads(target, [x.reshape(-1, 1) * np.ones((1, max(target.pieces, 1)))])
    if np.any(d < 0):
        return "fail", f"slope {d.min():.3g} < 0 at x = {x[np.argmin(d.min(axis=1))]:.3g}"
    return "pass", ""


# PyTorch's subgradient at each kink, as DESIGN.md fixes it: params -> {x: slope}
KINK_CONVENTION: dict[str, Callable[..., dict]] = {
    "relu": lambda **p: {0.0: 0.0},
    "leaky_relu": lambda negative_slope=0.01, **p: {0.0: negative_slope},
    "hardtanh": lambda min_val=-1.0, max_val=1.0, **p: {min_val: 0.0, max_val: 0.0},
    "elu": lambda alpha=1.0, **p: {0.0: alpha},
}


def check_kink_convention(target: Target) -> Verdict:
    """At a kink the subgradient is PyTorch's (relu'(0) = 0, leaky_relu'(0) = slope, ...)."""
    if target.name not in KINK_CONVENTION or target.is_op:
        return "n/a", "no kink convention recorded"
    want = KINK_CONVENTION[target.name](**registry[target.name].params)
    x = np.array(list(want), dtype=np.float64)
    (d,) = _grads(target, [x])
    expected = np.array(list(want.values()))
    if not np.array_equal(d, expected):
        return "fail", f"slopes {d.tolist()} at kinks {x.tolist()}, want {expected.tolist()}"
    return "pass", ""


def check_ties_split(target: Target) -> Verdict:
    """Tied maxima share the gradient evenly, so the gradient's total is kept."""
    if not target.ties:
        return "n/a", "no ties"
    g_rng = np.random.default_rng(2)
    if target.name == "maximum":
        a = np.array([[1.0, 2.0, -1.0, 0.5]])
        arrays, want_share = [a, a.copy()], 0.5
    elif target.name == "max":
        arrays, want_share = [np.array([[1.0, 1.0, 1.0, -2.0], [3.0, 0.0, 3.0, 3.0]])], None
    else:
        k = target.pieces
        arrays, want_share = [np.repeat(np.array([[1.0, -2.0], [0.5, 3.0]]), k, axis=1)], 1 / k
    shape = target.fn(*[Tensor(a) for a in arrays]).shape
    g = g_rng.standard_normal(shape)
    grads = _grads(target, arrays, g)
    total = sum(float(np.sum(d)) for d in grads)
    if not np.isclose(total, float(np.sum(g)), rtol=1e-12):
        return "fail", f"gradient total {total:.4g}, upstream total {np.sum(g):.4g}"
    if want_share is not None and target.name != "maximum":
        if not np.allclose(grads[0], np.repeat(g, target.pieces, axis=1) * want_share):
            return "fail", "ties not split evenly"
    return "pass", ""


def check_shape_dtype(target: Target) -> Verdict:
    """Each input's gradient has its shape and dtype (float32 inputs, broadcasting pairs)."""
    arrays = target.inputs(np.random.default_rng(3), dtype=np.float32)
    xs = _leaves(arrays)
    y = target.fn(*xs)
    outs = ta_grad(y, xs, grad_outputs=[np.ones(y.shape, y.dtype)], allow_unused=True)
    for i, (o, a) in enumerate(zip(outs, arrays)):
        if o is not None and (o.shape != a.shape or o.dtype != a.dtype):
            return "fail", f"input {i}: gradient {o.shape} {o.dtype}, input {a.shape} {a.dtype}"
    return "pass", ""


CHECKS: dict[str, Callable[[Target], Verdict]] = {
    "gradcheck": check_gradcheck,
    "fast": check_gradcheck_fast,
    "hyp-fd": check_property_fd,
    "linear": check_linear_in_upstream,
    "monotone": check_monotone_slope,
    "kink": check_kink_convention,
    "ties": check_ties_split,
    "shape": check_shape_dtype,
}


def _run_check(check: Callable, target: Target, **kw: Any) -> Verdict:
    try:
        with np.errstate(all="ignore"):
            return check(target, **kw)
    except Exception as e:  # a crash on a wrong rule is a kill too: the mutant was noticed
        return "error", f"{type(e).__name__}: {str(e).splitlines()[0][:90]}"


# --- equivalence: a mutant no check kills may not be wrong at all --------------------------


def _probe_inputs(target: Target) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(4)
    cases = [target.inputs(rng, shapes=s) for s in
             ([[(3, 4)], [(4, 4)], [(1, 2)]] if len(target.shapes) == 1 else
              [[(3, 1), (1, 4)], [(4, 4), (4, 4)], [(2, 3), (1, 3)]])]
    if not target.is_op:
        cols = 2 * target.pieces if target.pieces > 1 else 1
        grid = np.concatenate([np.linspace(-8, 8, 801), target.kinks, [0.0]])
        cases.append([grid[: len(grid) // cols * cols].reshape(-1, cols)])
        cases.append([np.zeros((2, 2 * target.pieces))])      # ties and the point 0
    return cases


def _backward_numbers(target: Target) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    found = []
    for arrays in _probe_inputs(target):
        shape = target.fn(*[Tensor(a) for a in arrays]).shape
        for g in (np.ones(shape), rng.standard_normal(shape)):
            found += _grads(target, arrays, g)
    return found


def is_equivalent(target: Target, mutant: Mutant) -> bool:
    """True if the mutant's gradients equal the real rule's (to 1e-12) on every probe input
    (a dense grid with the kinks, ties, square and broadcasting shapes) for two upstream
    gradients: a mutant that is not wrong at all.

    Args:
        target: the target the mutant belongs to.
        mutant: one of ``mutants_for(target)``.

    Returns:
        True for an equivalent mutant.

    Example:
        >>> relu = targets(["relu"])[0]
        >>> [(m.kind, is_equivalent(relu, m)) for m in mutants_for(relu)][:2]
        [('sign flip', False), ('x used for y', True)]
    """
    with np.errstate(all="ignore"):
        real = _backward_numbers(target)
        try:
            with mutant.install():
                wrong = _backward_numbers(target)
        except Exception:
            return False
    return all(np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-12, atol=1e-15)
               for a, b in zip(real, wrong))


# Why the equivalent mutants we know of are not mistakes.
WHY_EQUIVALENT: dict[tuple[str, str], str] = {
    ("relu", "x used for y"): "the rule only asks 'is it > 0?', and x > 0 exactly when "
                              "y = max(0, x) > 0 (the price is memory: it now keeps x, "
                              "and relu_ can no longer run in place)",
    ("leaky_relu", "x used for y"): "with a slope >= 0, x > 0 exactly when y > 0, and that "
                                    "is all the rule asks (but now it keeps x)",
    ("hardtanh", "x used for y"): "the rule asks 'is min < y < max?', and clipping never "
                                  "moves a point across the bounds (but now it keeps x)",
    ("elu", "kink: >= for >"): "with alpha = 1 both sides of the kink have slope 1 "
                               "(e^0 = 1), so the side taken at 0 changes nothing",
}


# --- the lab --------------------------------------------------------------------------------


@dataclass
class Row:
    """One mutant's results: check name -> (verdict, detail), and the outcome."""

    target: str
    kind: str
    wrong_rule: str
    results: dict[str, Verdict]
    outcome: str            # "killed", "equivalent" or "SURVIVED"
    note: str = ""


def _kw(check: str, examples: int, shrink: bool) -> dict:
    return {"examples": examples, "shrink": shrink} if check == "hyp-fd" else {}


def run_lab(names: list[str] | None = None, checks: list[str] | None = None,
            examples: int = 25, shrink: bool = False) -> list[Row]:
    """Install every mutant of every target in turn and run the checks on it.

    Args:
        names: activation or op names (default: all activations, then the ops).
        checks: which of ``CHECKS`` to run (default: all).
        examples: Hypothesis examples per property run.
        shrink: let Hypothesis shrink failures (slower; smaller counterexamples).

    Returns:
        one ``Row`` per mutant.

    Example:
        >>> rows = run_lab(["tanh"], checks=["linear", "monotone"])
        >>> [(r.kind, r.outcome) for r in rows]          # doctest: +NORMALIZE_WHITESPACE
        [('sign flip', 'killed'), ('x used for y', 'killed'),
         ('missing upstream grad', 'killed'), ('factor of 2', 'SURVIVED')]
    """
    chosen = {k: CHECKS[k] for k in (checks or CHECKS)}
    rows = []
    for target in targets(names):
        real = {name: _run_check(fn, target, **_kw(name, examples, shrink))
                for name, fn in chosen.items()}
        broken = [name for name, (v, _) in real.items() if v in ("fail", "error")]
        if broken:  # a check that fails on the real rule cannot judge its mutants
            raise RuntimeError(f"mutants: check(s) {broken} fail on the real rule of "
                               f"{target.name}: {real[broken[0]][1]}")
        for mutant in mutants_for(target):
            results = {}
            with mutant.install():
                for name, fn in chosen.items():
                    results[name] = _run_check(fn, target, **_kw(name, examples, shrink))
            killed = any(v in ("fail", "error") for v, _ in results.values())
            outcome, note = "killed", ""
            if not killed:
                if is_equivalent(target, mutant):
                    outcome = "equivalent"
                    note = WHY_EQUIVALENT.get((target.name, mutant.kind),
                                              "gives the real rule's numbers on every probe "
                                              "input (grid, kinks, ties, shapes)")
                else:
                    outcome, note = "SURVIVED", "no check noticed this wrong rule"
            rows.append(Row(target.name, mutant.kind, mutant.wrong_rule, results, outcome,
                            note))
    return rows


_MARK = {"fail": "X", "error": "E", "pass": ".", "n/a": "-"}


def format_table(rows: list[Row], verbose: bool = False) -> str:
    """The lab's report: one line per mutant, one column per check, then the score.

    Cells: ``X`` the check failed on the mutant (killed it), ``E`` it crashed (also a kill),
    ``.`` it passed (the mutant got past it), ``-`` it does not apply.
    """
    if not rows:
        return "no mutants"
    checks = list(rows[0].results)
    head = f"{'target':<12} {'mutant':<22} " + " ".join(checks) + "  outcome"
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = " ".join(f"{_MARK[r.results[c][0]]:^{len(c)}}" for c in checks)
        lines.append(f"{r.target:<12} {r.kind:<22} {cells}  {r.outcome}")
        if verbose:
            lines.append(f"{'':<12}   wrong rule: {r.wrong_rule}")
            for c in checks:
                v, detail = r.results[c]
                if v in ("fail", "error") and detail:
                    lines.append(f"{'':<12}   {c}: {detail}")
        if r.note and (verbose or r.outcome != "killed"):
            lines.append(textwrap.fill(f"why: {r.note}", 98, initial_indent=" " * 15,
                                       subsequent_indent=" " * 20))
    lines.append("X failed on the mutant (a kill)   E crashed on it (a kill)   "
                 ". passed   - does not apply")
    lines.append("")
    lines += score_lines(rows)
    return "\n".join(lines)


def score_lines(rows: list[Row]) -> list[str]:
    """The mutation score and what each check kills on its own."""
    killed = sum(r.outcome == "killed" for r in rows)
    equivalent = sum(r.outcome == "equivalent" for r in rows)
    survived = [r for r in rows if r.outcome == "SURVIVED"]
    judged = len(rows) - equivalent
    score = 100.0 * killed / judged if judged else 100.0
    out = [f"mutation score: {killed}/{judged} = {score:.1f}% killed "
           f"({len(rows)} mutants, {equivalent} equivalent, {len(survived)} survived)"]
    for c in rows[0].results:
        alone = sum(r.results[c][0] in ("fail", "error") for r in rows)
        only = sum(1 for r in rows if r.outcome == "killed" and
                   [k for k, (v, _) in r.results.items() if v in ("fail", "error")] == [c])
        out.append(f"  {c:<10} kills {alone:>3}/{judged}" +
                   (f"  (the only check to kill {only})" if only else ""))
    for r in survived:
        out.append(f"  SURVIVED: {r.target} / {r.kind}: {r.wrong_rule}")
    return out


# --- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"activations or ops ({', '.join(OP_TARGETS)}) to mutate "
                             "(default: all)")
    parser.add_argument("--checks", nargs="+", choices=list(CHECKS), metavar="CHECK",
                        help=f"run only these checks ({', '.join(CHECKS)})")
    parser.add_argument("--examples", type=int, default=25,
                        help="Hypothesis examples per property run (default 25)")
    parser.add_argument("--shrink", action="store_true",
                        help="let Hypothesis shrink failures to minimal inputs (slower)")
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        metavar="MODULE", help="import MODULE first (to register your own "
                                               "activations); may repeat")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show each wrong rule and what each check said")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")


def main(args: argparse.Namespace) -> int:
    """Run the lab; exit status 1 if any mutant survived."""
    for module in args.imports:
        importlib.import_module(module)
    try:
        chosen = targets(args.names)
    except KeyError as e:
        print(e.args[0])
        return 2
    start = time.perf_counter()
    rows = run_lab([t.name for t in chosen], args.checks, args.examples, args.shrink)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=1))
    else:
        print(f"mutation lab: {len(chosen)} targets, {len(rows)} mutants, "
              f"{len(rows[0].results) if rows else 0} checks\n")
        print(format_table(rows, args.verbose))
        print(f"\n({time.perf_counter() - start:.1f} s)")
    return 1 if any(r.outcome == "SURVIVED" for r in rows) else 0
