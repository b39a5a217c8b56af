"""Gradient checking: compare what backward computes with central finite differences.

``gradcheck(fn, inputs)`` builds two Jacobians for every input that requires grad:

- **analytic**, row by row, from backward: each row is a vector-Jacobian product
  ``ta.grad(fn(x), x, grad_outputs=e_j)`` with a one-hot ``e_j``;
- **numeric**, column by column, from central differences
  ``(f(x + eps e_k) - f(x - eps e_k)) / 2 eps``,

and compares them entry by entry. On a mismatch it raises ``GradcheckError`` with a small
table (which input, which element, x, analytic, numeric, errors; worst first) and, where it
recognises one, a diagnosis of the classic mistake behind it: a sign error, a constant
factor, a forgotten upstream gradient, a rule fed the input where it needs the output (or
the reverse), a gradient of the wrong shape (broadcasting not undone), an undeclared kink.

``fast_mode=True`` compares one random projection ``v^T J u`` per input instead of the
whole Jacobian: one backward and two forwards per input, whatever the size.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .activations import ActivationSpec
from .autograd import enable_grad, no_grad
from .autograd import grad as _autograd_grad
from .tensor import Tensor, from_numpy

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]

# NOTE: one-hot rows are scaled by this power of two (exact in floating point) and divided
# back, so the upstream gradient reaching each rule is never exactly 1: a rule that forgets
# to multiply by its incoming gradient cannot pass by luck.
_ROW_SCALE = 2.0
# A point within this many eps of a declared kink is checked as a kink (see _kink_ok).
_KINK_WIDTH = 2.0
_MAX_ROWS = 10


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` / ``gradgradcheck`` when backward disagrees with finite
    differences. ``str(err)`` is the report; the parts are attributes:

    - ``mismatches``: one ``Mismatch`` per failing input element, worst first;
    - ``diagnoses``: list of strings naming the likely mistake(s);
    - ``n_failed`` / ``n_total``: failing and checked input elements;
    - ``max_abs_err``: the largest |analytic - numeric| seen;
    - ``example``: the failing inputs, when Hypothesis found them (``tinygrad_acts.testing``).
    """

    def __init__(self, message: str, mismatches: Sequence[Mismatch] = (),
                 diagnoses: Sequence[str] = (), n_failed: int = 0, n_total: int = 0,
                 max_abs_err: float = math.nan):
        super().__init__(message)
        self.mismatches = list(mismatches)
        self.diagnoses = list(diagnoses)
        self.n_failed = n_failed
        self.n_total = n_total
        self.max_abs_err = max_abs_err
        self.example: tuple | None = None  # set by tinygrad_acts.testing: the shrunk input


@dataclass
class Mismatch:
    """One failing input element: its worst Jacobian entry."""

    input: int                 # position in ``inputs``
    element: tuple             # index into that input
    output: tuple              # (output number, index into that output) of the worst entry
    x: float
    analytic: float
    numeric: float
    kink: tuple | None = None  # (left, right) one-sided differences at a declared kink

    @property
    def abs_err(self) -> float:
        err = abs(self.analytic - self.numeric)
        return math.inf if math.isnan(err) else err

    @property
    def rel_err(self) -> float:
        return self.abs_err / abs(self.numeric) if self.numeric != 0 else math.inf


@dataclass
class CheckResult:
    """What one check found (``gradcheck`` raises or returns from this)."""

    ok: bool
    message: str = ""
    mismatches: list | None = None
    diagnoses: list | None = None
    n_failed: int = 0
    n_total: int = 0
    max_abs_err: float = 0.0

    def error(self) -> GradcheckError:
        return GradcheckError(self.message, self.mismatches or [], self.diagnoses or [],
                              self.n_failed, self.n_total, self.max_abs_err)


# --- public API --------------------------------------------------------------------------


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, fast_mode: bool = False, raise_exception: bool = True,
              kinks: Sequence[float] | None = None, seed: int = 0) -> bool:
    """Check ``fn``'s backward against central differences, element by element.

    An entry of the Jacobian fails when ``|analytic - numeric| > atol + rtol * |numeric|``,
    where ``numeric = (f(x + eps) - f(x - eps)) / (2 eps)``. Near a declared kink (within
    2 eps), the analytic value passes if it lies between the two one-sided differences
    (any valid subgradient, e.g. relu'(0) = 0).

    NOTE: where a function saturates, both sides lose the slope: the output-based rule
    (tanh: 1 - y**2) is exactly 0 in float64 for |x| >= 20 although the true slope is
    ~1e-17, and central differences see one ulp of y over 2 eps (~1e-10) or nothing.
    Such entries pass on ``atol``: that is what ``atol`` is for.

    Args:
        fn: function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a sequence of them (non-Tensors are passed through as
            constants); those with ``requires_grad=True`` are checked and must be float64.
        eps: finite-difference step.
        atol, rtol: tolerances (see the rule above).
        fast_mode: compare one random projection ``v^T J u`` per input instead of every
            entry (one backward and two forwards per input). A failure is then located
            element by element with the full check, so the report still names elements.
        raise_exception: raise ``GradcheckError`` on failure (else return False).
        kinks: input values where ``fn`` is not differentiable. Default: the registry's
            declared kinks when ``fn`` is a registry entry (``ta.activations["relu"]``).
        seed: seed of the random vectors (fast mode, diagnoses).

    Returns:
        True if every entry agrees. Inputs are not modified and their ``.grad`` is untouched.

    Example:
        >>> import numpy as np
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[0.5, -1.0, 2.0]], dtype=np.float64, requires_grad=True)
        >>> ta.gradcheck(lambda t: t.tanh(), x)
        True
        >>> ta.gradcheck(ta.activations["relu"], ta.tensor([0.0, 1.0], dtype=np.float64,
        ...                                                requires_grad=True))  # kink at 0
        True
    """
    result = _check(fn, inputs, eps, atol, rtol, fast_mode, kinks, seed)
    if not result.ok and raise_exception:
        raise result.error()
    return result.ok


def gradgradcheck(fn: Callable[..., Any], inputs: Any, grad_outputs: Any = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  fast_mode: bool = False, raise_exception: bool = True,
                  kinks: Sequence[float] | None = None, seed: int = 0) -> bool:
    """Check second derivatives: ``gradcheck`` of ``(x, g) -> ta.grad(fn(x), x, g,
    create_graph=True)`` with respect to both the inputs x and the upstream gradients g.

    Args:
        fn, inputs, eps, atol, rtol, fast_mode, raise_exception, kinks, seed: as in
            ``gradcheck`` (kinks apply to the inputs, not to the upstream gradients).
        grad_outputs: the upstream gradients g (one per output of ``fn``); default random
            normal float64 (from ``seed``).

    Returns:
        True if every second-derivative entry agrees; the report labels the upstream
        gradients ``g0, g1, ...``.

    Example:
        >>> import numpy as np
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([0.3, -1.2], dtype=np.float64, requires_grad=True)
        >>> ta.gradgradcheck(lambda t: t.sigmoid(), x)
        True
    """
    result = _gradgrad(fn, inputs, grad_outputs, eps, atol, rtol, fast_mode, kinks, seed)
    if not result.ok and raise_exception:
        raise result.error()
    return result.ok


def _gradgrad(fn: Callable, inputs: Any, grad_outputs: Any, eps: float, atol: float,
              rtol: float, fast_mode: bool, kinks: Sequence[float] | None,
              seed: int) -> CheckResult:
    """gradgradcheck's work, returning what it found (never raises GradcheckError)."""
    xs = _as_inputs(inputs)
    _require_float64(xs, "gradgradcheck")
    with enable_grad():
        outs = _as_outputs(fn(*_fresh_leaves(xs)), "gradgradcheck")
    diff = [k for k, o in enumerate(outs) if o.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no output of fn requires grad, so there is no "
                         "gradient to differentiate")
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        gs = [from_numpy(rng.standard_normal(outs[k].shape)).requires_grad_() for k in diff]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) \
            else list(grad_outputs)
        gs = [from_numpy(np.array(g._array if isinstance(g, Tensor) else g, dtype=np.float64)
                         ).requires_grad_() for g in given]
    n_x, checked = len(xs), [k for k, x in enumerate(xs) if _is_checked(x)]
    if kinks is None and isinstance(fn, ActivationSpec):
        kinks = fn.kink_points()

    def first_derivative(*args: Any) -> tuple:
        x_args, g_args = args[:n_x], args[n_x:]
        with enable_grad():
            out = _as_outputs(fn(*x_args), "gradgradcheck")
            roots = [out[k] for k in diff]
            wrt = [x_args[k] for k in checked]
            grads = _autograd_grad(roots, wrt, list(g_args), create_graph=True,
                                   allow_unused=True)
        return tuple(from_numpy(np.zeros(w.shape)) if g is None else g
                     for g, w in zip(grads, wrt))

    kinks_per_input = [tuple(kinks or ())] * n_x + [()] * len(gs)
    labels = [str(k) for k in range(n_x)] + [f"g{k}" for k in range(len(gs))]
    return _check(first_derivative, list(xs) + gs, eps, atol, rtol, fast_mode, None, seed,
                  labels=labels, what="gradgradcheck", kinks_per_input=kinks_per_input)


# --- inputs and outputs ------------------------------------------------------------------


def _as_inputs(inputs: Any) -> tuple:
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _is_checked(x: Any) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _require_float64(xs: tuple, who: str) -> None:
    checked = [k for k, x in enumerate(xs) if _is_checked(x)]
    if not checked:
        raise ValueError(f"{who}: no input requires grad, so there is nothing to check; "
                         "create the inputs with requires_grad=True")
    for k in checked:
        if xs[k].dtype != np.float64:
            raise TypeError(
                f"{who}: input {k} has dtype {xs[k].dtype}, but finite differences need "
                "float64 (in float32, rounding in f(x + eps) - f(x - eps) swamps the "
                "derivative). Pass x.double() instead, create it with dtype=np.float64, or "
                "call ta.set_default_dtype(np.float64) before creating your inputs.")
        bad = ~np.isfinite(xs[k]._array)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            value = xs[k]._array[where]
            raise ValueError(f"{who}: input {k} has {value} at element {where} (shape "
                             f"{xs[k].shape}); derivatives there are undefined, so check "
                             "at finite points only")


def _fresh_leaves(xs: Sequence, arrays: Mapping[int, np.ndarray] | None = None) -> list:
    """New leaf tensors over copies (or the given arrays, by input index), so the caller's
    tensors and their .grad are never touched."""
    out = []
    for k, x in enumerate(xs):
        if _is_checked(x):
            data = arrays[k] if arrays is not None else np.array(x._array, dtype=np.float64)
            out.append(from_numpy(data).requires_grad_())
        else:
            out.append(x)
    return out


def _as_outputs(out: Any, who: str) -> list:
    if isinstance(out, Tensor):
        outs = [out]
    elif isinstance(out, (tuple, list)):
        outs = list(out)
    else:  # NOTE: a numpy scalar or array is iterable (or not): say what went wrong
        raise TypeError(f"{who}: fn must return a Tensor or a tuple of Tensors, got "
                        f"{type(out).__name__}; build the result from the input Tensors "
                        "(a numpy value has no graph, so there is no gradient to check)")
    result = []
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"{who}: fn must return a Tensor or a tuple of Tensors; output "
                            f"{k} is a {type(o).__name__}")
        if o.dtype.kind == "f" and o.dtype != np.float64:
            raise TypeError(f"{who}: output {k} of fn has dtype {o.dtype} although the inputs "
                            "are float64; fn lowers the precision somewhere (a .float() or "
                            "a float32 tensor), and finite differences need float64 "
                            "throughout")
        if o.dtype.kind == "f":
            result.append(o)
    return result


class _Problem:
    """Everything one check needs: the function, its inputs, and ways to evaluate it."""

    def __init__(self, fn: Callable, xs: tuple, kinks: Sequence, labels: Sequence[str],
                 what: str):
        self.fn, self.xs, self.what = fn, xs, what
        self.checked = [k for k, x in enumerate(xs) if _is_checked(x)]
        self.labels = list(labels) if labels else [str(k) for k in range(len(xs))]
        self.kinks = kinks
        # input index -> a float64 copy of its array, for the checked inputs only
        self.base = {k: np.array(xs[k]._array, dtype=np.float64) for k in self.checked}
        # the arrays that finite differences perturb in place (restored after each step)
        self.work = {k: b.copy() for k, b in self.base.items()}
        self.work_leaves = _fresh_leaves(xs, self.work)
        with enable_grad():
            self.leaves = _fresh_leaves(xs, {k: b.copy() for k, b in self.base.items()})
            self.outs = _as_outputs(fn(*self.leaves), what)
        self.out_shapes = [o.shape for o in self.outs]
        self.out_sizes = [o._array.size for o in self.outs]
        self.m = sum(self.out_sizes)
        self.f0 = self.flat(self.outs)

    @staticmethod
    def flat(outs: Sequence[Tensor]) -> np.ndarray:
        if not outs:
            return np.zeros(0)
        return np.concatenate([np.asarray(o._array, dtype=np.float64).reshape(-1) for o in outs])

    def evaluate(self) -> np.ndarray:
        """fn at the current (perturbed) ``work`` arrays, outputs flattened into one vector."""
        with no_grad():
            return self.flat(_as_outputs(self.fn(*self.work_leaves), self.what))

    def vjp(self, vectors: Sequence[np.ndarray]) -> list:
        """backward's vector-Jacobian product, one array (or None) per checked input."""
        roots = [o for o in self.outs if o.requires_grad]
        grads = [v for o, v in zip(self.outs, vectors) if o.requires_grad]
        if not roots:
            return [None] * len(self.checked)
        wrt = [self.leaves[k] for k in self.checked]
        res = _autograd_grad(roots, wrt, grads, retain_graph=True, allow_unused=True)
        return [None if r is None else np.asarray(r._array, dtype=np.float64) for r in res]

    def split(self, flat: np.ndarray) -> list:
        """A flat output-space vector as one array per output."""
        parts, start = [], 0
        for shape, size in zip(self.out_shapes, self.out_sizes):
            parts.append(flat[start:start + size].reshape(shape))
            start += size
        return parts

    def output_index(self, row: int) -> tuple:
        for k, size in enumerate(self.out_sizes):
            if row < size:
                return (k, tuple(int(i) for i in np.unravel_index(row, self.out_shapes[k])))
            row -= size
        raise IndexError(row)

    def near_kink(self, k: int, eps: float) -> np.ndarray:
        """Mask of the elements of input k within a few eps of a declared kink."""
        x = self.base[k]
        mask = np.zeros(x.shape, dtype=bool)
        for point in self.kinks[k]:
            mask |= np.abs(x - point) <= _KINK_WIDTH * eps
        return mask


# --- the check ---------------------------------------------------------------------------


def _check(fn: Callable, inputs: Any, eps: float, atol: float, rtol: float,
           fast_mode: bool, kinks: Sequence[float] | None, seed: int,
           labels: Sequence[str] | None = None, what: str = "gradcheck",
           kinks_per_input: list | None = None) -> CheckResult:
    """Run one check and return what it found (never raises a GradcheckError)."""
    xs = _as_inputs(inputs)
    _require_float64(xs, what)
    if kinks is None and isinstance(fn, ActivationSpec):
        kinks = fn.kink_points()
    per_input = kinks_per_input or [tuple(kinks or ())] * len(xs)
    p = _Problem(fn, xs, per_input, labels or [], what)
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(p.m)
    first = p.vjp(p.split(v))
    for k, g in zip(p.checked, first):
        if g is not None and g.shape != p.base[k].shape:
            return _shape_failure(p, k, g, eps, atol, rtol)
    if fast_mode:
        result = _fast(p, v, first, rng, eps, atol, rtol)
        if result.ok:
            return result
        full = _full(p, eps, atol, rtol, seed)
        if full.ok:  # the projection failed but no single entry does: report the projection
            return result
        full.message = result.message + "\n\nThe full check locates it:\n" + full.message
        return full
    return _full(p, eps, atol, rtol, seed)


def _analytic_jacobians(p: _Problem) -> list:
    jac = [np.zeros((p.m, p.base[k].size)) for k in p.checked]
    vectors = [np.zeros(s) for s in p.out_shapes]
    row = 0
    for out, vec in zip(p.outs, vectors):
        if not out.requires_grad:
            row += out._array.size
            continue
        flat = vec.reshape(-1)
        for j in range(flat.size):
            flat[j] = _ROW_SCALE
            for J, g in zip(jac, p.vjp(vectors)):
                if g is not None:
                    J[row] = g.reshape(-1) / _ROW_SCALE
            flat[j] = 0.0
            row += 1
    return jac


def _numeric_jacobian(p: _Problem, k: int, eps: float) -> tuple:
    """Central differences for input k, and the two one-sided differences (for kinks)."""
    x = p.work[k].reshape(-1)  # a view: writing into it perturbs the input
    n = x.size
    central, left, right = (np.zeros((p.m, n)) for _ in range(3))
    for e in range(n):
        old = x[e]
        x[e] = old + eps
        hi, f_hi = x[e], p.evaluate()
        x[e] = old - eps
        lo, f_lo = x[e], p.evaluate()
        x[e] = old
        # NOTE: divide by the step actually taken: x + eps rounds, and for |x| ~ 1e4 the
        # representable step differs from 2 eps in the 6th digit.
        central[:, e] = (f_hi - f_lo) / (hi - lo)
        right[:, e] = (f_hi - p.f0) / (hi - old)
        left[:, e] = (p.f0 - f_lo) / (old - lo)
    return central, left, right


def _kink_ok(a: np.ndarray, left: np.ndarray, right: np.ndarray, atol: float,
             rtol: float) -> np.ndarray:
    """True where a lies between the one-sided differences (a valid subgradient)."""
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    slack = atol + rtol * np.maximum(np.abs(left), np.abs(right))
    return (a >= lo - slack) & (a <= hi + slack)


def _full(p: _Problem, eps: float, atol: float, rtol: float, seed: int) -> CheckResult:
    analytic = _analytic_jacobians(p)
    mismatches, bad_entries, n_total, max_err = [], [], 0, 0.0
    numerics, sides = [], []
    for slot, k in enumerate(p.checked):
        A = analytic[slot]
        N, L, R = _numeric_jacobian(p, k, eps)
        numerics.append(N)
        sides.append((L, R))
        err = np.abs(A - N)
        bad = ~(err <= atol + rtol * np.abs(N))  # NOTE: written so that NaN counts as bad
        err = np.where(np.isnan(err), np.inf, err)
        at_kink = p.near_kink(k, eps).reshape(-1)
        for c in np.flatnonzero(at_kink):
            bad[:, c] = ~_kink_ok(A[:, c], L[:, c], R[:, c], atol, rtol)
        if (~at_kink).any() and err.size:
            max_err = max(max_err, float(err[:, ~at_kink].max()))
        n_total += p.base[k].size
        plain_bad = bad & ~at_kink
        bad_entries.append((A[plain_bad], N[plain_bad]))
        score = np.where(bad, err, -1.0)
        worst = score.argmax(axis=0)  # the worst entry of each column
        if len(p.outs) == 1 and p.out_shapes[0] == p.base[k].shape:
            # NOTE: on a near tie, show the diagonal entry d out[i] / d x[i], the one a
            # reader expects (a forgotten upstream gradient ties it with off-diagonals)
            diag = np.arange(score.shape[1])
            close = bad[diag, diag] & (score[diag, diag] >= (1 - 1e-6) * score.max(axis=0))
            worst = np.where(close, diag, worst)
        for c in np.flatnonzero(bad.any(axis=0)):
            j = worst[c]
            sides_at = (float(L[j, c]), float(R[j, c])) if at_kink[c] else None
            element = tuple(int(i) for i in np.unravel_index(c, p.base[k].shape))
            mismatches.append(Mismatch(k, element, p.output_index(j), float(p.base[k].flat[c]),
                                       float(A[j, c]), float(N[j, c]), sides_at))
    if not mismatches:
        return CheckResult(True, n_total=n_total, max_abs_err=max_err)
    mismatches.sort(key=lambda mm: -mm.abs_err)
    diagnoses = _diagnose(p, analytic, numerics, mismatches, bad_entries, eps, atol, rtol,
                          seed, sides)
    message = _report(p, mismatches, diagnoses, n_total, eps, atol, rtol)
    return CheckResult(False, message, mismatches, diagnoses, len(mismatches), n_total,
                       max(max_err, max(mm.abs_err for mm in mismatches)))


def _fast(p: _Problem, v: np.ndarray, vjp_v: list, rng: np.random.Generator, eps: float,
          atol: float, rtol: float) -> CheckResult:
    """Compare v^T J u for one random unit u per input; elements at kinks one by one."""
    lines, max_err, n_total = [], 0.0, 0
    for slot, k in enumerate(p.checked):
        x = p.work[k]
        n_total += x.size
        g = np.zeros(x.shape) if vjp_v[slot] is None else vjp_v[slot]
        near = p.near_kink(k, eps)
        u = rng.standard_normal(x.shape) * ~near
        norm = np.linalg.norm(u)
        if norm > 0:
            u /= norm
            old = x.copy()
            x += eps * u
            f_hi = p.evaluate()
            x[...] = old - eps * u
            f_lo = p.evaluate()
            x[...] = old
            numeric = float(v @ (f_hi - f_lo)) / (2 * eps)
            analytic = float(np.sum(g * u))
            err = abs(analytic - numeric)
            max_err = max(max_err, err if err == err else math.inf)
            if not err <= atol + rtol * abs(numeric):
                lines.append(f"input {p.labels[k]}: v^T J u analytic {analytic:.6g}, "
                             f"numeric {numeric:.6g} (abs err {err:.3g})")
        flat = x.reshape(-1)
        for e in np.flatnonzero(near.reshape(-1)):
            old = flat[e]
            flat[e] = old + eps
            right = float(v @ (p.evaluate() - p.f0)) / (flat[e] - old)
            flat[e] = old - eps
            left = float(v @ (p.f0 - p.evaluate())) / (old - flat[e])
            flat[e] = old
            a = float(g.reshape(-1)[e])
            if not _kink_ok(np.array(a), np.array(left), np.array(right), atol, rtol):
                lines.append(f"input {p.labels[k]} element {e} at a kink: v^T J e analytic "
                             f"{a:.6g} is not between the one-sided {left:.6g} and "
                             f"{right:.6g}")
    if not lines:
        return CheckResult(True, n_total=n_total, max_abs_err=max_err)
    message = (f"{p.what} (fast_mode) failed: a random projection of the Jacobian "
               "disagrees with finite differences\n" +
               "\n".join(textwrap.fill(ln, 96, initial_indent="  ", subsequent_indent="    ")
                         for ln in lines))
    return CheckResult(False, message, [], [], len(lines), n_total, max_err)


def _shape_failure(p: _Problem, k: int, g: np.ndarray, eps: float, atol: float,
                   rtol: float) -> CheckResult:
    shape = p.base[k].shape
    label = p.labels[k]
    message = (f"{p.what} failed: backward returned a gradient of shape {g.shape} for input "
               f"{label}, which has shape {shape}; a gradient must have its input's shape.")
    diagnoses = []
    try:
        broadcast = np.broadcast_shapes(shape, g.shape) == g.shape
    except ValueError:
        broadcast = False
    if broadcast:
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                          if n == 1 and g.shape[lead + i] != 1)
        # would the gradient, summed back to the input's shape, agree? (one more backward)
        ones = p.vjp([np.ones(s) for s in p.out_shapes])[p.checked.index(k)]
        got = ones.sum(axis=axes).reshape(shape)
        want = (np.ones(p.m) @ _numeric_jacobian(p, k, eps)[0]).reshape(shape)
        verdict = "agrees" if np.allclose(got, want, atol=atol, rtol=rtol) else \
            "still disagrees"
        diagnoses.append(
            f"wrong shape: input {label} was broadcast from {shape} to {g.shape} in the "
            f"forward, and the backward forgot to undo it: sum the gradient over axes {axes} "
            f"back to the input's shape (ops.unbroadcast does this). Summed that way, it "
            f"{verdict} with finite differences.")
    else:
        diagnoses.append(f"wrong shape: {g.shape} cannot come from broadcasting {shape}; "
                         "the rule returns the gradient of a different input, or reshapes "
                         "it wrongly.")
    message = textwrap.fill(message, width=96) + "\n\ndiagnosis:\n" + \
        "\n".join(_bullet(d) for d in diagnoses)
    n = p.base[k].size
    return CheckResult(False, message, [], diagnoses, n, n, math.inf)


# --- diagnoses ---------------------------------------------------------------------------


def _nice_ratio(r: float) -> str | None:
    """'2', '1/2', '-1', ... if r is a small fraction (p/q with p, q <= 4), else None."""
    frac = Fraction(r).limit_denominator(4)
    if frac != 0 and abs(frac.numerator) <= 4 and abs(float(frac) - r) <= 1e-4 * abs(r):
        return str(frac)
    return None


def _diagnose(p: _Problem, analytic: list, numerics: list, mismatches: list,
              bad_entries: list, eps: float, atol: float, rtol: float, seed: int,
              sides: list) -> list:
    """Name the likely mistake behind the failing entries (empty if none fits)."""
    diagnoses = []
    upstream = _upstream_diagnosis(p, seed)
    if upstream:
        diagnoses.append(upstream)
    else:
        ratio = _ratio_diagnosis(bad_entries, atol)
        if ratio:
            diagnoses.append(ratio)
    saved = _saved_array_diagnosis(p, analytic, numerics, mismatches, eps, atol, rtol)
    if saved:
        diagnoses.append(saved)
    missing = [p.labels[k] for slot, k in enumerate(p.checked)
               if not analytic[slot].any() and numerics[slot].any()]
    if missing and not upstream:
        diagnoses.append(f"zero gradient: backward gives 0 everywhere for input(s) "
                         f"{', '.join(missing)}, finite differences do not; the rule returns "
                         "zeros (or None), or fn uses the input through something backward "
                         "cannot see (.numpy(), .data, a comparison, no_grad())")
    kinks = _undeclared_kinks(p, mismatches, sides, eps, atol, rtol)
    if kinks:
        diagnoses.append(kinks)
    return diagnoses


def _ratio_diagnosis(bad_entries: list, atol: float) -> str | None:
    """analytic / numeric constant over the failing entries: a sign error or a factor."""
    if not bad_entries:
        return None
    a = np.concatenate([e[0] for e in bad_entries])
    n = np.concatenate([e[1] for e in bad_entries])
    keep = np.abs(n) > 10 * atol
    if not keep.any() or not np.all(np.isfinite(a[keep])):
        return None
    ratios = a[keep] / n[keep]
    r = float(np.median(ratios))
    if r == 0 or np.max(np.abs(ratios - r)) > 1e-3 * abs(r) or not keep.all():
        return None
    if abs(r - 1) < 1e-3:  # agreeing to 3 digits: a tolerance question, not a mistake
        return None
    nice = _nice_ratio(r)
    count = f"on all {len(ratios)} failing entries"
    if nice == "-1":
        return (f"sign error: analytic = -numeric {count}; a minus sign is missing or "
                "extra in the backward rule")
    if nice is None and len(ratios) < 3:
        return None
    shown = nice if nice is not None else f"{r:.4g}"
    sign = " and a sign error" if r < 0 else ""
    return (f"constant factor{sign}: analytic = {shown} x numeric {count}; the rule has "
            f"an extra or missing factor (a 2 from a square, a 1/2, a slope parameter)")


def _upstream_diagnosis(p: _Problem, seed: int) -> str | None:
    """A correct backward is linear in its incoming gradient: test vjp(3 v) = 3 vjp(v)."""
    v = np.random.default_rng(seed + 1).standard_normal(p.m)
    try:
        one = p.vjp(p.split(v))
        three = p.vjp(p.split(3 * v))
    except Exception:  # noqa: BLE001 - a diagnosis must never hide the real report
        return None
    a1 = np.concatenate([np.zeros(0) if g is None else g.reshape(-1) for g in one])
    a3 = np.concatenate([np.zeros(0) if g is None else g.reshape(-1) for g in three])
    scale = float(np.max(np.abs(a1))) if a1.size else 0.0
    if scale == 0 or not np.all(np.isfinite(a1)) or not np.all(np.isfinite(a3)):
        return None
    rtol, atol = 1e-7, 1e-12 * scale
    if np.allclose(a3, 3 * a1, rtol=rtol, atol=atol):
        return None
    if np.allclose(a3, a1, rtol=rtol, atol=atol):
        return ("missing upstream gradient: backward gives the same result whatever "
                "gradient flows in (backward(3g) = backward(g)), so analytic = numeric / "
                f"upstream gradient (the table's rows send {_ROW_SCALE:g}); the rule must "
                "multiply by its incoming grad (chain rule), e.g. grad * y * (1 - y), not "
                "y * (1 - y)")
    return ("backward is not linear in its incoming gradient (backward(3g) != 3 "
            "backward(g)): the rule uses grad more than once, or adds it instead of "
            "multiplying")


def _saved_array_diagnosis(p: _Problem, analytic: list, numerics: list, mismatches: list,
                           eps: float, atol: float, rtol: float) -> str | None:
    """For an elementwise function: was the rule fed x where it needs y = f(x), or the
    reverse? Re-evaluate at y and compare."""
    if len(p.checked) != 1 or len(p.outs) != 1:
        return None
    k = p.checked[0]
    x, N, A = p.base[k], numerics[0], analytic[0]
    if p.out_shapes[0] != x.shape or x.size == 0:
        return None
    diag = np.eye(x.size, dtype=bool)
    if np.any(np.abs(N[~diag]) > atol):
        return None  # not elementwise
    y = p.f0.reshape(x.shape)
    fail = np.zeros(x.size, dtype=bool)
    for mm in mismatches:
        fail[np.ravel_multi_index(mm.element, x.shape) if x.ndim else 0] = True
    if np.allclose(y.reshape(-1)[fail], x.reshape(-1)[fail]):
        return None
    slope_x, rule_x = np.diagonal(N), np.diagonal(A)
    try:
        with np.errstate(all="ignore"):
            rule_y = _rule_at(p, k, y)
            numeric_y = _elementwise_slope(p, k, y, eps)
    except Exception:  # noqa: BLE001 - y may be outside fn's domain: no diagnosis then
        return None

    def agree(a: np.ndarray, b: np.ndarray) -> bool:
        a, b = a[fail], b[fail]
        return bool(np.all(np.isfinite(a)) and np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))

    if agree(rule_y, slope_x):
        return ("rule fed the input where it needs the output: on every failing element the "
                "rule evaluated at y = f(x) gives the true slope at x, so it is written in y "
                "but receives x (e.g. x * (1 - x) instead of y * (1 - y) for sigmoid); "
                "register it with saves='output', or rewrite it in x")
    if agree(rule_x, numeric_y):
        return ("rule fed the output where it needs the input: on every failing element the "
                "analytic value is the true slope at y = f(x) instead of at x (e.g. "
                "1 - tanh(y)**2 where 1 - tanh(x)**2 was meant); register it with "
                "saves='input', or rewrite it in y")
    return None


def _rule_at(p: _Problem, k: int, point: np.ndarray) -> np.ndarray:
    """The analytic derivative of an elementwise fn at another point (one backward)."""
    args = list(p.xs)
    with enable_grad():
        leaf = from_numpy(np.array(point, dtype=np.float64)).requires_grad_()
        args[k] = leaf
        out = _as_outputs(p.fn(*args), p.what)[0]
        (g,) = _autograd_grad([out], [leaf], [np.full(out.shape, _ROW_SCALE)],
                              allow_unused=True)
    return np.zeros(point.size) if g is None else g._array.reshape(-1) / _ROW_SCALE


def _elementwise_slope(p: _Problem, k: int, point: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of an elementwise fn at another point (all elements at once)."""
    args = list(p.xs)
    values = []
    with no_grad():
        for step in (eps, -eps):
            args[k] = from_numpy(point + step)
            values.append(_Problem.flat(_as_outputs(p.fn(*args), p.what)))
    return (values[0] - values[1]) / (2 * eps)


def _undeclared_kinks(p: _Problem, mismatches: list, sides: list, eps: float, atol: float,
                      rtol: float) -> str | None:
    """Failing elements where the one-sided differences disagree: fn has a kink there."""
    found = []
    for mm in mismatches[:_MAX_ROWS]:
        if mm.kink is not None:
            continue
        left, right = sides[p.checked.index(mm.input)]
        c = int(np.ravel_multi_index(mm.element, p.base[mm.input].shape)) if mm.element else 0
        o, index = mm.output
        j = sum(p.out_sizes[:o]) + (int(np.ravel_multi_index(index, p.out_shapes[o]))
                                    if index else 0)
        lo, hi = float(left[j, c]), float(right[j, c])
        big = max(abs(lo), abs(hi))
        # NOTE: on a smooth function the one-sided slopes differ by about eps * |f''|
        # (first-order error); a kink's difference does not shrink with eps.
        if abs(lo - hi) > max(10 * (atol + rtol * big), 1e3 * eps * (1 + big)):
            found.append(f"x={mm.x:.6g} (left {lo:.4g}, right {hi:.4g})")
    if not found:
        return None
    return ("kink: the one-sided differences disagree at " + ", ".join(found[:3]) +
            "; fn is not differentiable there. If that is expected, pass kinks=[...] "
            "so any value between them (a subgradient) is accepted")


# --- the report --------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _report(p: _Problem, mismatches: list, diagnoses: list, n_total: int, eps: float,
            atol: float, rtol: float) -> str:
    shown = mismatches[:_MAX_ROWS]
    with_output = len(p.outs) > 1 or any(
        mm.output[1] != mm.element or p.out_shapes[0] != p.base[mm.input].shape
        for mm in shown)
    header = ["input", "element", "x", "analytic", "numeric", "abs err", "rel err"]
    if with_output:
        header.insert(2, "output")
    rows = []
    for mm in shown:
        row = [p.labels[mm.input], str(mm.element), _fmt(mm.x), _fmt(mm.analytic),
               _fmt(mm.numeric), f"{mm.abs_err:.3g}", f"{mm.rel_err:.3g}"]
        if with_output:
            out = mm.output[1] if len(p.outs) == 1 else mm.output
            row.insert(2, str(out))
        if mm.kink is not None:
            row.append(f"kink: want a value in [{_fmt(min(mm.kink))}, {_fmt(max(mm.kink))}]")
        rows.append(row)
    widths = [max(len(r[c]) for r in [header] + rows) for c in range(len(header))]

    def line(cells: list) -> str:
        body = "  ".join(cell.rjust(w) if c >= 2 else cell.ljust(w)
                         for c, (cell, w) in enumerate(zip(cells, widths)))
        return (body + ("  " + cells[len(header)] if len(cells) > len(header) else "")).rstrip()

    what = " (second derivatives)" if p.what == "gradgradcheck" else ""
    lines = [f"{p.what} failed: {len(mismatches)} of {n_total} input elements disagree with "
             f"finite differences{what}",
             "(an entry fails when |analytic - numeric| > atol + rtol * |numeric|;",
             f" eps={eps:g}, atol={atol:g}, rtol={rtol:g})", "",
             line(header)]
    lines += [line(r) for r in rows]
    if with_output:
        lines.append("(output: the output element whose derivative with respect to the input "
                     "element is worst)")
    if len(mismatches) > len(shown):
        lines.append(f"... and {len(mismatches) - len(shown)} more (worst first; all in "
                     "GradcheckError.mismatches)")
    if p.what == "gradgradcheck" and any(lab.startswith("g") for lab in p.labels):
        lines.append("(inputs g0, g1, ... are the upstream gradients the first derivative "
                     "is taken with)")
    if diagnoses:
        lines += ["", "diagnosis:"] + [_bullet(d) for d in diagnoses]
    return "\n".join(lines)


def _bullet(text: str) -> str:
    return textwrap.fill(text, width=96, initial_indent="  * ", subsequent_indent="    ")
