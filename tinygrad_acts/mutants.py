"""The mutation lab: do our gradient checks have teeth?

A *mutant* is a backward rule with one classic mistake in it: the sign flipped, the upstream
gradient forgotten, a factor of 2, the gradients of two inputs swapped, a binary op that
forgets to undo broadcasting, the rule fed x where it needs y (or y where it needs x), the
wrong side taken at a kink, the whole gradient sent to every tie, a reduction whose result
broadcasts along the wrong axis.

The targets are the rows of the op table (``ops.OPS``): every basic op, fused node and
activation, so a row added to the table is mutated with no edit here. Everything the lab
knows about a target comes from its row (inputs, domains, kinks, ties, broadcasting) and,
for an activation, from its registry entry (``spec``: saves, monotonic, subgradients,
group). A mutant is installed one way only: for a moment it replaces one attribute of the
row's node class (the op's ``backward``, or the activation node's ``spec``, a
``dataclasses.replace`` of it with another ``backward`` or ``saves``) and a ``finally``
puts the real one back.

A check *kills* a mutant when it fails (``X``) or crashes (``E``) on it. A mutant that no
check kills is either **equivalent** (it gives the real rule's numbers on every input tried,
so it is not wrong at all: relu's rule reads only the sign of its argument, and x and y share
it) or a **survivor**, a hole in the tests. The mutation score is
killed / (mutants - equivalent); the target is 100%.

Command line: ``python -m tinygrad_acts mutants [NAME ...]`` (names are rows of ``ops.OPS``).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from .activations import ActivationSpec
from .autograd import grad as ta_grad
from .ops import where
from .ops.table import OpSpec, sample
from .tensor import Tensor
from .testing import away_from_kinks, separate_ties

__all__ = ["Mutant", "Target", "CHECKS", "mutants_for", "targets", "run_lab", "format_table",
           "add_arguments", "main", "revealing_inputs"]


# --- what is being mutated: the rows of the op table -------------------------------------


@dataclass
class Target:
    """One row of ``ops.OPS``, as the lab sees it: ``fn(*tensors)``, the node class whose
    backward it exercises, and what the row says about its inputs."""

    name: str
    row: OpSpec = field(repr=False)
    fn: Callable[..., Tensor] = field(repr=False)
    shapes: list[tuple]                       # the default case's input shapes
    node: type = field(repr=False)
    cases: tuple = ()
    kind: str = "fixed"
    domain: tuple[str, ...] = ("real",)
    kinks: tuple[float, ...] = ()
    ties: bool = False
    spec: ActivationSpec | None = None        # the registry entry, for activation rows
    eps: float = 1e-6                         # finite-difference step (see _calibrated)

    @property
    def arity(self) -> int:
        return len(self.shapes)

    @property
    def monotonic(self) -> bool:
        return bool(self.spec is not None and self.spec.monotonic)

    def domain_of(self, i: int) -> str:
        return self.domain[min(i, len(self.domain) - 1)]

    def inputs(self, rng: np.random.Generator, dtype: Any = np.float64,
               case: int = 0) -> list[np.ndarray]:
        """The row's random inputs for ``case`` (each inside its domain), kept 1e-3 away
        from the kinks and, where ties matter, from near-ties."""
        return _prepared(self, self.row.inputs(rng, case), dtype)


def _prepared(target: Target, arrays: list[np.ndarray], dtype: Any = np.float64) -> list:
    out = [away_from_kinks(np.asarray(a, dtype=np.float64), target.kinks) for a in arrays]
    if target.ties and (len(out) == 1 or target.kind != "broadcast"):
        # NOTE: three tied maxima get 1/3 each from the rule but 1/2 from central
        # differences; no rule can match both, so ties are kept apart here (the ties
        # check makes them on purpose). Inputs that compete (a scatter_reduce's x and
        # src) are kept apart from each other too.
        pooled = separate_ties(np.concatenate([a.reshape(-1) for a in out]))
        ends = np.cumsum([a.size for a in out])[:-1]
        out = [part.reshape(a.shape) for part, a in zip(np.split(pooled, ends), out)]
    return [np.asarray(a).astype(dtype) for a in out]


def _target(row: OpSpec) -> Target:
    spec = getattr(row.node, "spec", None)
    return Target(name=row.name, row=row, fn=row.fn, shapes=list(row.cases[0]), node=row.node,
                  cases=row.cases, kind=row.kind, domain=row.domain, kinks=tuple(row.kinks),
                  ties=row.ties, spec=spec if isinstance(spec, ActivationSpec) else None)


def targets(names: list[str] | None = None) -> list[Target]:
    """The targets named: rows of ``ops.OPS`` (all but those with no gradient to break,
    such as floor division, whose backward refuses by design).

    Args:
        names: row names to pick; default every differentiable row, in table order.

    Returns:
        a list of ``Target``.

    Example:
        >>> [(t.name, t.shapes) for t in targets(["tanh", "add"])]
        [('tanh', [(3, 4)]), ('add', [(3, 1), (1, 4)])]
    """
    if not names:
        return [_target(row) for row in ops.OPS.values() if row.differentiable]
    missing = [n for n in names if n not in ops.OPS]
    if missing:
        raise KeyError(f"mutants: no row named {missing[0]!r} in the op table; rows: "
                       f"{', '.join(ops.OPS)}")
    return [_target(ops.OPS[n]) for n in names]


# --- the mutants ----------------------------------------------------------------------------


@dataclass
class Mutant:
    """One wrong rule: ``install()`` is a context manager that puts it in place."""

    target: str
    kind: str
    wrong_rule: str
    install: Callable[[], Any] = field(repr=False)


@contextmanager
def _swapped(node: type, attr: str, value: Any) -> Iterator[None]:
    """The one way a mutant is installed: ``node.attr = value`` for the duration."""
    had = attr in node.__dict__
    old = node.__dict__.get(attr)
    setattr(node, attr, value)
    try:
        yield
    finally:
        if had:
            setattr(node, attr, old)
        else:  # it was inherited (Minimum's backward is Maximum's)
            delattr(node, attr)


def _mutant(target: Target, kind: str, text: str, make: Callable[[Any], Any]) -> Mutant:
    """A mutant that replaces the row node's ``spec`` (activations) or ``backward`` (every
    other row) by ``make(the real one)``, built when it is installed."""
    attr = "spec" if target.spec is not None else "backward"
    node = target.node
    return Mutant(target.name, kind, text,
                  lambda: _swapped(node, attr, make(getattr(node, attr))))


def _each(out: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` applied to each gradient a backward returned (a tuple, or one value)."""
    if isinstance(out, tuple):
        return tuple(None if o is None else fn(o) for o in out)
    return None if out is None else fn(out)


def _ones(g: Any) -> np.ndarray:
    return np.ones(np.shape(g), np.asarray(g).dtype)


def _op_rule(pre: Callable | None = None, post: Callable | None = None,
             items: Callable | None = None) -> Callable[[Callable], Callable]:
    """``make`` for an op row: the real backward with g, the saved items or the result
    changed."""
    def make(real: Callable) -> Callable:
        def backward(self: Any, g: Any, *saved: Any) -> Any:
            if items is not None:
                saved = items(g, saved)
            out = real(self, g if pre is None else pre(g), *saved)
            return out if post is None else post(self, out)
        return backward
    return make


def _spec_rule(pre: Callable | None = None, post: Callable | None = None,
               saves: str | None = None) -> Callable[[ActivationSpec], ActivationSpec]:
    """``make`` for an activation row: the entry with its rule's g or result changed."""
    def make(spec: ActivationSpec) -> ActivationSpec:
        rule = spec.backward

        def backward(g: Any, s: Any, **p: Any) -> Any:
            out = rule(g if pre is None else pre(g), s, **p)
            return out if post is None else post(out)
        return dataclasses.replace(spec, backward=backward, saves=saves or spec.saves)
    return make


def _generic(target: Target) -> list[Mutant]:
    """The three mistakes any rule can suffer."""
    flip: Callable[[Any], Any]
    forget: Callable[[Any], Any]
    twice: Callable[[Any], Any]
    if target.spec is not None:
        flip, forget, twice = (_spec_rule(post=lambda o: -o), _spec_rule(pre=_ones),
                               _spec_rule(post=lambda o: 2 * o))
    else:
        flip = _op_rule(post=lambda _, out: _each(out, lambda o: -o))
        forget = _op_rule(pre=_ones)
        twice = _op_rule(post=lambda _, out: _each(out, lambda o: 2 * o))
    return [_mutant(target, "sign flip", "returns -(the real rule)", flip),
            _mutant(target, "missing upstream grad", "the real rule with g replaced by 1",
                    forget),
            _mutant(target, "factor of 2", "returns 2 * (the real rule)", twice)]


def _swap_inputs(self: Any, out: Any) -> Any:
    """The gradients of the first two inputs that want one, exchanged."""
    wanted = [i for i, need in enumerate(self.needs_input_grad) if need]
    if not isinstance(out, tuple) or len(wanted) < 2:
        return out
    i, j = wanted[:2]
    swapped = list(out)
    swapped[i], swapped[j] = out[j], out[i]
    return tuple(swapped)


def _is_shape(item: Any) -> bool:
    return isinstance(item, tuple) and all(isinstance(n, (int, np.integer)) for n in item)


def _at_output_shape(g: Any, saved: tuple) -> tuple:
    """Every saved shape replaced by g's shape and every saved array broadcast to it: the
    rule then never learns that its inputs were broadcast, so it sums nothing back."""
    out = []
    for item in saved:
        if _is_shape(item):
            item = tuple(np.shape(g))
        elif type(item) is np.ndarray and item.shape != np.shape(g):
            with suppress(ValueError):  # not broadcastable: keep it as it is
                item = np.broadcast_to(item, np.shape(g))
        out.append(item)
    return tuple(out)


def _shares(saved: tuple) -> list[int]:
    """Positions of the saved tie shares: float arrays with every value in [0, 1]."""
    return [k for k, s in enumerate(saved) if type(s) is np.ndarray and s.dtype.kind == "f"
            and s.size and bool(np.all((s >= 0) & (s <= 1)))]


def _every_tie(real: Callable) -> Callable:
    """An op's rule with each tie resolved in favour of every tied input at once: the rule
    runs with its saved shares rounded up and rounded down, and each input keeps the run
    that gives it more (max: each tied maximum gets all of g; maximum: a and b both do)."""
    def backward(self: Any, g: Any, *saved: Any) -> Any:
        cls = type(self)
        if hasattr(cls, "tie_share"):  # a rule that splits ties in backward: no split
            own = cls.__dict__.get("tie_share")
            cls.tie_share = staticmethod(lambda whole, *_: whole)
            try:
                return real(self, g, *saved)
            finally:
                if own is None:
                    del cls.tie_share
                else:
                    cls.tie_share = own
        runs = []
        for rounding in (np.ceil, np.floor):
            items = list(saved)
            for k in _shares(saved):
                items[k] = rounding(saved[k])
            runs.append((real(self, g, *items), real(self, _ones(g), *items)))
        (up, up1), (down, down1) = runs
        if not isinstance(up, tuple):
            return up if np.sum(up1) >= np.sum(down1) else down
        return tuple(u if u is None or np.sum(u1) >= np.sum(d1) else d
                     for u, d, u1, d1 in zip(up, down, up1, down1))
    return backward


def _one_sided_slopes(spec: ActivationSpec, kink: float, params: dict) -> tuple[float, float]:
    """The real rule's slope just left and just right of ``kink`` (one float step away)."""
    slopes = []
    for side in (-np.inf, np.inf):
        x = np.array([np.nextafter(kink, side)])
        s = spec.forward(x, **params) if spec.saves == "output" else x
        slopes.append(float(spec.backward(np.ones(1), s, **params)[0]))
    return slopes[0], slopes[1]


def _wrong_sides(spec: ActivationSpec, params: dict) -> dict[float, float]:
    """kink -> the one-sided slope PyTorch does not take there."""
    out = {}
    for kink, slope in spec.subgradients(**params).items():
        left, right = _one_sided_slopes(spec, kink, params)
        out[kink] = right if slope != right else left
    return out


def _wrong_kink_side(spec: ActivationSpec) -> ActivationSpec:
    """The entry with the other one-sided slope at each kink (relu'(0) = 1, as ``x >= 0``
    gives). It keeps the input, to see the kink; the output-based rules get y from it."""
    rule, saves = spec.backward, spec.saves

    def backward(g: Any, x: Any, **p: Any) -> Any:
        out = rule(g, spec.forward(x, **p) if saves == "output" else x, **p)
        for kink, slope in _wrong_sides(spec, p).items():
            out = where(x == kink, g * slope, out)
        return out
    return dataclasses.replace(spec, backward=backward, saves="input")


def _maxout_every_tie(spec: ActivationSpec) -> ActivationSpec:
    def backward(g: Any, x: Any, **p: Any) -> Any:
        dim, k = spec.group(**p) or (-1, 1)
        d = dim % x.ndim
        grouped = x.shape[:d] + (x.shape[d] // k, k) + x.shape[d + 1:]
        xs = x.reshape(grouped)
        winners = (xs == xs.max(axis=d + 1, keepdims=True)).astype(g.dtype)
        return (g.reshape(grouped[:d + 1] + (1,) + grouped[d + 2:]) * winners).reshape(x.shape)
    return dataclasses.replace(spec, backward=backward)


def _sum_without_keepdims(body: Callable) -> Callable[[ActivationSpec], ActivationSpec]:
    def make(spec: ActivationSpec) -> ActivationSpec:
        return dataclasses.replace(spec, backward=lambda g, y, **p: body(g, y, p.get("dim", -1)))
    return make


# Mistakes that belong to one activation: row name -> [(kind, wrong rule, make(spec))].
CLASSIC: dict[str, list[tuple[str, str, Callable[[ActivationSpec], ActivationSpec]]]] = {
    "softmax": [("sum without keepdims",
                 "y * (g - sum(g * y, dim)) with the sum's dim dropped",
                 _sum_without_keepdims(lambda g, y, dim: y * (g - (g * y).sum(axis=dim))))],
    "log_softmax": [("sum without keepdims", "g - e^y * sum(g, dim) with the sum's dim dropped",
                     _sum_without_keepdims(lambda g, y, dim: g - np.exp(y) * g.sum(axis=dim)))],
    "maxout": [("gradient to every tie", "each tied winner gets all of g (not g / ties)",
                _maxout_every_tie)],
}


def mutants_for(target: Target) -> list[Mutant]:
    """Every mutant the lab knows for ``target``: the generic mistakes, then those its row
    and registry entry call for (inputs, broadcasting, saves, kinks, ties), then the
    classic ones of ``CLASSIC``.

    Args:
        target: from ``targets()``.

    Returns:
        the mutants, generic mistakes first.

    Example:
        >>> [m.kind for m in mutants_for(targets(["relu"])[0])]
        ['sign flip', 'missing upstream grad', 'factor of 2', 'x used for y', 'kink: wrong side']
        >>> [m.kind for m in mutants_for(targets(["maximum"])[0])][3:]
        ['inputs swapped', 'no unbroadcast', 'gradient to every tie']
    """
    found = _generic(target)
    spec = target.spec
    if spec is None:  # an op: its node's backward is swapped
        if target.arity >= 2:
            found.append(_mutant(target, "inputs swapped",
                                 "the first two inputs get each other's gradient",
                                 _op_rule(post=_swap_inputs)))
        if target.kind == "broadcast":
            found.append(_mutant(target, "no unbroadcast",
                                 "the real rule told that every input has the output's "
                                 "shape, so nothing is summed back",
                                 _op_rule(items=_at_output_shape)))
        if target.ties and _tie_shapes(target) is not None:  # (only where ties can be made)
            found.append(_mutant(target, "gradient to every tie",
                                 "each tied element gets all of g (not an even share)",
                                 _every_tie))
    else:  # an activation: its node's spec is swapped
        other = "input" if spec.saves == "output" else "output"
        kind = "x used for y" if spec.saves == "output" else "y used for x"
        found.append(_mutant(target, kind, f"the real rule, but handed the {other} "
                             f"(saves={other!r})", _spec_rule(saves=other)))
        if spec.subgradients():
            found.append(_mutant(target, "kink: wrong side", "at each kink the slope of the "
                                 "side PyTorch does not take (relu'(0) = 1)", _wrong_kink_side))
    for kind, text, make in CLASSIC.get(target.name, []):
        found.append(_mutant(target, kind, text, make))
    return found


# --- the checks -----------------------------------------------------------------------------
# Each returns (verdict, detail): "pass", "fail", "error" or "n/a".

Verdict = tuple[str, str]


def _leaves(arrays: list[np.ndarray]) -> list[Tensor]:
    return [Tensor._wrap(a.copy(), requires_grad=True) for a in arrays]


def _grads(target: Target, arrays: list[np.ndarray], g: np.ndarray | None = None) -> list:
    xs = _leaves(arrays)
    y = target.fn(*xs)
    upstream = np.ones(y.shape, y.dtype) if g is None else np.asarray(g, y.dtype)
    outs = ta_grad(y, xs, grad_outputs=[upstream], allow_unused=True)
    return [np.zeros_like(a) if o is None else o._array for o, a in zip(outs, arrays)]


def _out_shape(target: Target, arrays: list[np.ndarray]) -> tuple:
    return target.fn(*[Tensor._wrap(a) for a in arrays]).shape


def _gradcheck(target: Target, fast: bool) -> Verdict:
    from .gradcheck import GradcheckError, gradcheck
    xs = _leaves(target.inputs(np.random.default_rng(0)))
    try:
        gradcheck(target.fn, xs, eps=target.eps, fast_mode=fast,
                  kinks=list(target.kinks) or None)
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
    """One example: an activation's inputs from the project's own strategy
    (``testing.activation_inputs``: off its kinks and ties); for any other row, shapes the
    row accepts (pairs that broadcast, any shape, or one of its cases) with values from
    each input's domain."""
    from hypothesis import assume
    from hypothesis import strategies as st

    from . import testing
    if target.spec is not None:
        return [draw(testing.activation_inputs(target.name, min_value=-4.0,
                                               max_value=4.0))._array]
    if target.kind == "broadcast":
        shapes = draw(testing.broadcastable_shapes(target.arity, max_dims=2, max_side=3))
    elif target.kind == "elementwise":
        shapes = tuple(draw(testing.shapes(max_dims=2, max_side=3)) for _ in target.shapes)
    else:
        shapes = draw(st.sampled_from(target.cases))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    arrays = _prepared(target, [sample(target.domain_of(i), s, rng)
                                for i, s in enumerate(shapes)])
    if target.ties and len(arrays) == 2 and target.kind == "broadcast":
        # a and b exactly tied is fine (1/2 each, as differences say); closer than a few
        # eps but not equal is a kink no difference quotient can resolve
        gap = np.abs(arrays[0] - arrays[1])
        assume(bool(np.all((gap == 0) | (gap > 1e-3))))
    return arrays


#: at most this many elements of each input are differentiated numerically per example
VJP_ELEMENTS = 24


def _numeric_vjp(target: Target, arrays: list[np.ndarray], w: np.ndarray, i: int,
                 at: list[tuple]) -> np.ndarray:
    """d sum(w * fn(...)) / d arrays[i] at the elements ``at``, by central differences."""
    eps = target.eps
    out = np.zeros(len(at))
    shifted = [a.copy() for a in arrays]
    for n, idx in enumerate(at):
        old = shifted[i][idx]
        shifted[i][idx] = old + eps
        plus = np.sum(w * target.fn(*[Tensor._wrap(a) for a in shifted])._array)
        shifted[i][idx] = old - eps
        minus = np.sum(w * target.fn(*[Tensor._wrap(a) for a in shifted])._array)
        shifted[i][idx] = old
        out[n] = (plus - minus) / (2 * eps)
    return out


def check_property_fd(target: Target, examples: int = 25, shrink: bool = False) -> Verdict:
    """Hypothesis property: backward against central differences, on inputs drawn from
    ``tinygrad_acts.testing`` and the row's domains (any shape the row accepts), with a
    random upstream gradient; at most ``VJP_ELEMENTS`` elements per input are checked."""
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
        rng = np.random.default_rng(0)
        w = rng.standard_normal(_out_shape(target, arrays))
        got = _grads(target, arrays, w)
        for i, a in enumerate(arrays):
            if np.shape(got[i]) != a.shape:
                failure[:] = [f"input {i}: gradient shape {np.shape(got[i])}, input "
                              f"shape {a.shape}"]
                raise AssertionError(failure[0])
            at = list(np.ndindex(a.shape))
            if len(at) > VJP_ELEMENTS:
                at = [at[k] for k in sorted(rng.choice(len(at), VJP_ELEMENTS, replace=False))]
            want = _numeric_vjp(target, arrays, w, i, at)
            have = np.array([got[i][idx] for idx in at])
            if not np.allclose(have, want, atol=1e-5, rtol=1e-4):
                k = int(np.argmax(np.abs(have - want)))
                failure[:] = [f"input {i} of shape {a.shape}, at x = {a[at[k]]:.4g}: "
                              f"backward {have[k]:.4g}, differences {want[k]:.4g}"]
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
    shape = _out_shape(target, arrays)
    g1, g2 = rng.standard_normal(shape), rng.standard_normal(shape)
    mixed = _grads(target, arrays, 2 * g1 - 3 * g2)
    parts = zip(_grads(target, arrays, g1), _grads(target, arrays, g2))
    for m, (a, b) in zip(mixed, parts):
        # NOTE: 1e-6, not 1e-9: a row that rounds through float32 (cast) rounds each vjp
        # to ~6e-8; a rule that is not linear in g is off by far more than that
        if not np.allclose(m, 2 * a - 3 * b, rtol=1e-6, atol=1e-9):
            return "fail", "vjp(2 g1 - 3 g2) != 2 vjp(g1) - 3 vjp(g2)"
    if any(np.any(z != 0) for z in _grads(target, arrays, np.zeros(shape))):
        return "fail", "a zero upstream gradient gave a non-zero gradient"
    return "pass", ""


def check_monotone_slope(target: Target) -> Verdict:
    """A monotonic activation's slope is never negative (dense grid over [-6, 6])."""
    if not target.monotonic or target.spec is None or not target.spec.elementwise:
        return "n/a", "not a monotonic elementwise activation"
    x = np.concatenate([np.linspace(-6, 6, 1201), np.asarray(target.kinks, dtype=float)])
    (d,) = _grads(target, [x])
    if np.any(d < 0):
        return "fail", f"slope {d.min():.3g} < 0 at x = {x[np.argmin(d)]:.3g}"
    return "pass", ""


def check_kink_convention(target: Target) -> Verdict:
    """At each kink the slope is PyTorch's, as the entry declares (``spec.subgradients()``:
    relu'(0) = 0, leaky_relu'(0) = slope, ...)."""
    want = target.spec.subgradients() if target.spec is not None else {}
    if not want:
        return "n/a", "no subgradients declared"
    x = np.array(list(want), dtype=np.float64)
    (d,) = _grads(target, [x])
    expected = np.array(list(want.values()))
    if not np.array_equal(d, expected):
        return "fail", f"slopes {d.tolist()} at kinks {x.tolist()}, want {expected.tolist()}"
    return "pass", ""


def _tie_shapes(target: Target) -> list[tuple] | None:
    """Input shapes under which every input can equal every other (None if no case has)."""
    if target.arity == 1:
        return list(target.shapes)
    if target.kind == "broadcast":
        return [tuple(np.broadcast_shapes(*target.shapes))] * target.arity
    for case in target.cases:
        if len(set(case)) == 1:
            return list(case)
    return None


def _tied_inputs(target: Target) -> list[list[np.ndarray]]:
    """Inputs full of ties: every element equal (all tied), then each element one of two
    values (a single input) or a equal to b at about half the elements (pairs)."""
    shapes = _tie_shapes(target)
    if shapes is None:
        return []
    rng = np.random.default_rng(6)
    lo, hi = np.sort(sample(target.domain_of(0), (2,), rng))
    constant = [np.full(s, lo) for s in shapes]
    first = np.where(rng.random(shapes[0]) < 0.5, lo, hi)
    mixed = [first] + [np.where(rng.random(s) < 0.5, first, lo + hi - first)
                       for s in shapes[1:]]
    return [constant, mixed]


def check_ties_split(target: Target) -> Verdict:
    """Tied elements share the gradient evenly, and a selection op routes the gradient,
    never makes it: at an input with every element tied the gradient (for g = 1) is the
    same everywhere, and at inputs full of ties its total is the upstream total."""
    if not target.ties:
        return "n/a", "no ties"
    tied = _tied_inputs(target)
    if not tied:
        return "n/a", "no case where the inputs can be tied"
    constant, mixed = tied
    grads = _grads(target, constant)
    flat = np.concatenate([np.ravel(d) for d in grads])
    if not np.allclose(flat, flat[0], rtol=1e-12, atol=0):
        return "fail", (f"all elements tied: gradients from {flat.min():.4g} to "
                        f"{flat.max():.4g}, not an even split")
    g_rng = np.random.default_rng(2)
    for arrays, g in ((constant, np.ones(_out_shape(target, constant))),
                      (mixed, g_rng.standard_normal(_out_shape(target, mixed)))):
        total = sum(float(np.sum(d)) for d in _grads(target, arrays, g))
        if not np.isclose(total, float(np.sum(g)), rtol=1e-12):
            return "fail", f"gradient total {total:.4g}, upstream total {np.sum(g):.4g}"
    return "pass", ""


def check_shape_dtype(target: Target) -> Verdict:
    """Each input's ``.grad`` after ``backward()`` has its shape and dtype (float32 inputs,
    the default case, which broadcasts for the broadcasting rows)."""
    xs = _leaves(target.inputs(np.random.default_rng(3), dtype=np.float32))
    y = target.fn(*xs)
    y.backward(Tensor._wrap(np.ones(y.shape, y.dtype)))
    for i, x in enumerate(xs):
        if x.grad is not None and (x.grad.shape != x.shape or x.grad.dtype != x.dtype):
            return "fail", (f"input {i}: gradient {x.grad.shape} {x.grad.dtype}, input "
                            f"{x.shape} {x.dtype}")
    return "pass", ""


CHECKS: dict[str, Callable[..., Verdict]] = {
    "gradcheck": check_gradcheck,
    "fast": check_gradcheck_fast,
    "hyp-fd": check_property_fd,
    "linear": check_linear_in_upstream,
    "monotone": check_monotone_slope,
    "kink": check_kink_convention,
    "ties": check_ties_split,
    "shape": check_shape_dtype,
}

#: the checks that compare against finite differences (their step is target.eps)
NUMERIC = ("gradcheck", "fast", "hyp-fd")


def _run_check(check: Callable, target: Target, **kw: Any) -> Verdict:
    try:
        with np.errstate(all="ignore"):
            return check(target, **kw)
    except Exception as e:  # noqa: BLE001 - a crash on a wrong rule is a kill too
        return "error", f"{type(e).__name__}: {str(e).splitlines()[0][:90]}"


# --- equivalence: a mutant no check kills may not be wrong at all --------------------------

_GRIDS: dict[str, Callable[[], np.ndarray]] = {
    "real": lambda: np.linspace(-8, 8, 801),
    "positive": lambda: np.linspace(0.05, 8, 401),
    "nonzero": lambda: np.concatenate([np.linspace(-8, -0.05, 200), np.linspace(0.05, 8, 200)]),
    "unit": lambda: np.linspace(0.01, 0.99, 99),
}


def _grid(target: Target) -> list[np.ndarray] | None:
    """A dense grid over the domain with the kinks (and 0 where allowed), shaped like the
    default input's last dimension; for one-input rows that take any shape, or activations."""
    if target.arity != 1 or (target.kind != "elementwise" and target.spec is None):
        return None
    domain = target.domain_of(0)
    grid = _GRIDS[domain]()
    extra = np.asarray([k for k in (*target.kinks, 0.0)
                        if domain == "real" or grid.min() < k < grid.max()], dtype=float)
    if domain == "nonzero":
        extra = extra[extra != 0]
    grid = np.concatenate([extra, grid])
    shape = target.shapes[0]
    width = shape[-1] if len(shape) else 1
    return [grid[: len(grid) // width * width].reshape(-1, width)]


def _probe_inputs(target: Target) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(4)
    cases = [target.row.inputs(rng, c) for c in range(len(target.cases))]
    if target.kind == "elementwise":
        cases += [[sample(target.domain_of(0), s, rng)] for s in ((4, 4), (1, 2))]
    elif target.kind == "broadcast":
        cases += [[sample(target.domain_of(i), s, rng) for i, s in enumerate(pair)]
                  for pair in (((4, 4), (4, 4)), ((2, 3), (1, 3)))]
    grid = _grid(target)
    if grid is not None:
        cases.append(grid)
    return cases + (_tied_inputs(target) if target.ties else [])


def _backward_numbers(target: Target) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    found = []
    for arrays in _probe_inputs(target):
        shape = _out_shape(target, arrays)
        for g in (np.ones(shape), rng.standard_normal(shape)):
            found += _grads(target, arrays, g)
    return found


def is_equivalent(target: Target, mutant: Mutant) -> bool:
    """True if the mutant's gradients equal the real rule's (to 1e-12) on every probe input
    (each of the row's cases, square and broadcasting shapes, a dense grid over the domain
    with the kinks, inputs full of ties) for two upstream gradients: a mutant that is not
    wrong at all.

    Args:
        target: the target the mutant belongs to.
        mutant: one of ``mutants_for(target)``.

    Returns:
        True for an equivalent mutant.

    Example:
        >>> relu = targets(["relu"])[0]
        >>> {m.kind: is_equivalent(relu, m) for m in mutants_for(relu)}["x used for y"]
        True
    """
    with np.errstate(all="ignore"):
        real = _backward_numbers(target)
        try:
            with mutant.install():
                wrong = _backward_numbers(target)
        except Exception:  # noqa: BLE001 - a mutant that crashes is not equivalent
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
    ("elu", "kink: wrong side"): "with alpha = 1 both sides of the kink have slope 1 "
                                 "(e^0 = 1), so the side taken at 0 changes nothing",
    ("cast", "sign flip"): "not for this row: it casts twice (to float32 and back), so the "
                           "gradient passes two Cast rules in series and the two flipped "
                           "signs cancel; a row with one cast would see the mistake",
    ("relu6", "x used for y"): "the rule asks 'is 0 < y < 6?', and clipping never moves a "
                               "point across the bounds (but now it keeps x)",
    ("softsign", "kink: wrong side"): "its slope 1 / (1 + |x|)^2 is continuous at 0 (only the "
                                      "second derivative jumps), so either side gives 1",
    ("celu", "kink: wrong side"): "slope 1 on both sides of 0 (e^0 = 1), as elu's with "
                                  "alpha = 1",
}
WHY_EQUIVALENT.update({(op, kind): "a rounding op's gradient is 0 everywhere (torch's "
                       "convention): negated, doubled or fed the wrong upstream it is still 0"
                       for op in ("floor", "ceil", "trunc", "round")
                       for kind in ("sign flip", "missing upstream grad", "factor of 2")})


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
    eps: float = 1e-6       # the finite-difference step the numeric checks used


#: finite-difference steps tried in turn until the real rule passes the numeric checks
EPS_STEPS = (1e-6, 1e-4, 1e-3)


def _kw(check: str, examples: int, shrink: bool) -> dict:
    return {"examples": examples, "shrink": shrink} if check == "hyp-fd" else {}


def _calibrated(target: Target, chosen: dict, examples: int, shrink: bool) -> dict:
    """Run the checks on the real rule, with the numeric ones at the smallest step of
    ``EPS_STEPS`` at which they pass (a forward that rounds through float32 needs a larger
    step than 1e-6). A check that still fails cannot judge the mutants: that is an error."""
    def bad(results: dict) -> list[str]:
        return [name for name, (v, _) in results.items() if v in ("fail", "error")]

    target.eps = EPS_STEPS[0]
    real = {name: _run_check(fn, target, **_kw(name, examples, shrink))
            for name, fn in chosen.items()}
    for eps in EPS_STEPS[1:]:
        if not any(name in NUMERIC for name in bad(real)):
            break
        target.eps = eps
        real.update({name: _run_check(fn, target, **_kw(name, examples, shrink))
                     for name, fn in chosen.items() if name in NUMERIC})
    broken = bad(real)
    if broken:
        raise RuntimeError(f"mutants: check(s) {broken} fail on the real rule of "
                           f"{target.name}: {real[broken[0]][1]}")
    return real


def run_lab(names: list[str] | None = None, checks: list[str] | None = None,
            examples: int = 25, shrink: bool = False) -> list[Row]:
    """Install every mutant of every target in turn and run the checks on it.

    Args:
        names: row names of ``ops.OPS`` (default: every row).
        checks: which of ``CHECKS`` to run (default: all).
        examples: Hypothesis examples per property run.
        shrink: let Hypothesis shrink failures (slower; smaller counterexamples).

    Returns:
        one ``Row`` per mutant.

    Example:
        >>> rows = run_lab(["tanh"], checks=["linear", "monotone"])
        >>> [(r.kind, r.outcome) for r in rows]          # doctest: +NORMALIZE_WHITESPACE
        [('sign flip', 'killed'), ('missing upstream grad', 'killed'),
         ('factor of 2', 'SURVIVED'), ('x used for y', 'killed')]
    """
    chosen = {k: CHECKS[k] for k in (checks or CHECKS)}
    rows = []
    for target in targets(names):
        _calibrated(target, chosen, examples, shrink)
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
                                              "input (cases, grid, kinks, ties, shapes)")
                else:
                    outcome, note = "SURVIVED", "no check noticed this wrong rule"
            rows.append(Row(target.name, mutant.kind, mutant.wrong_rule, results, outcome,
                            note, target.eps))
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
    width = max(12, *(len(r.target) for r in rows))
    head = f"{'target':<{width}} {'mutant':<22} " + " ".join(checks) + "  outcome"
    lines = [head, "-" * len(head)]
    pad = " " * width
    for r in rows:
        cells = " ".join(f"{_MARK[r.results[c][0]]:^{len(c)}}" for c in checks)
        lines.append(f"{r.target:<{width}} {r.kind:<22} {cells}  {r.outcome}")
        if verbose:
            lines.append(f"{pad}   wrong rule: {r.wrong_rule}")
            for c in checks:
                v, detail = r.results[c]
                if v in ("fail", "error") and detail:
                    lines.append(f"{pad}   {c}: {detail}")
        if r.note and (verbose or r.outcome != "killed"):
            lines.append(textwrap.fill(f"why: {r.note}", 98, initial_indent=" " * 15,
                                       subsequent_indent=" " * 20))
    lines.append("X failed on the mutant (a kill)   E crashed on it (a kill)   "
                 ". passed   - does not apply")
    steps = sorted({(r.target, r.eps) for r in rows if r.eps != EPS_STEPS[0]})
    if steps:
        lines.append("finite-difference step raised (the real rule needs it): " +
                     ", ".join(f"{t} (eps={e:g})" for t, e in steps))
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
                        help="rows of the op table to mutate, e.g. relu add 'sum(dim=1)' "
                             "(default: every row)")
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


# --- inputs that reveal a mutant (for checks that see a mutant only where it differs) ------


def revealing_inputs(target: Target, mutant: Mutant,
                     rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """Float64 inputs at which ``mutant`` differs from the real rule: the row's random
    inputs (off kinks and ties), except that a kink mutant gets an input with elements
    exactly on each declared kink, and a tie mutant inputs full of ties. Every other
    mistake shows at any input. (``which_op_is_wrong``'s tests put these inside a model.)

    Example:
        >>> relu = targets(["relu"])[0]
        >>> kink = [m for m in mutants_for(relu) if m.kind == "kink: wrong side"][0]
        >>> float(revealing_inputs(relu, kink)[0].ravel()[0])
        0.0
    """
    rng = np.random.default_rng(0) if rng is None else rng
    arrays = target.inputs(rng)
    if mutant.kind == "kink: wrong side" and target.spec is not None:
        x = arrays[0].copy()
        kinks = list(target.spec.subgradients())
        flat = x.reshape(-1)
        for k, kink in enumerate(kinks * 2):  # two elements on each kink
            flat[k % flat.size] = kink
        return [x]
    if mutant.kind == "gradient to every tie":
        tied = _tied_inputs(target)
        return tied[1] if tied else arrays
    return arrays
