"""Array helpers for backward rules: each works on ndarrays (the fast path) and on Tensors
(under ``create_graph=True``), so a rule is written once.

A rule asks ``is_tensor(x)`` where it must choose; nothing here imports the Tensor class.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

#: numpy's floating-point warnings a rule silences: torch gives inf and nan quietly
#: (log 0 = -inf, sqrt(-1) = nan, inf * 0 = nan), so numpy must not warn either
QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


_ERRSTATE: Any
try:  # numpy 2 keeps its error state in a context variable
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE  # type: ignore
except ImportError:  # pragma: no cover - another numpy: np.errstate itself, slower
    _ERRSTATE = None
_QUIETED: dict = {}  # an error state -> the same state with QUIET applied (see quiet)


def quiet(rule: Callable) -> Callable:
    """Run a forward or backward under ``np.errstate(**QUIET)``: where an op meets 0,
    negatives, inf or nan, it returns inf or nan silently, as torch does. (A decorator,
    so the rule's body stays as the formula reads.)

    NOTE: ``np.errstate`` costs about a microsecond, most of an elementwise op on a small
    array, so the quiet state np.errstate makes from the caller's is kept, and entered and
    left as np.errstate does (a context variable): the same state, a sixth of the cost."""
    if _ERRSTATE is None:  # pragma: no cover
        return _errstate_quiet(rule)
    get, enter, leave = _ERRSTATE.get, _ERRSTATE.set, _ERRSTATE.reset

    @functools.wraps(rule)
    def silenced(*args: Any, **kwargs: Any) -> Any:
        outer = get()
        calm = _QUIETED.get(outer)
        if calm is None:
            calm = _quieted(outer)
        token = enter(calm)
        try:
            return rule(*args, **kwargs)
        finally:
            leave(token)
    return silenced


def _quieted(outer: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (it keeps the rest
        calm = _ERRSTATE.get()  # of the outer state: under, the error callback)
    if len(_QUIETED) > 64:  # (np.seterr makes a new state each call)
        _QUIETED.clear()
    _QUIETED[outer] = calm
    return calm


def _errstate_quiet(rule: Callable) -> Callable:  # pragma: no cover - another numpy
    @functools.wraps(rule)
    def silenced(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return rule(*args, **kwargs)
    return silenced


def is_tensor(x: Any) -> bool:
    """True for a Tensor (a graph-building value), False for arrays and numbers."""
    # NOTE: arrays first: hasattr fails slowly (an AttributeError inside), and rules ask
    # this of ndarrays on every backward
    return type(x) is not np.ndarray and hasattr(x, "grad_fn")


def shape_of(x: Any) -> tuple:
    """The shape of an array, a Tensor or a Python number (``()``)."""
    return x.shape if type(x) is np.ndarray else np.shape(x)


def masked(grad: Any, mask: np.ndarray) -> Any:
    """``grad`` where ``mask``, exactly 0 elsewhere (torch's ``where(mask, grad, 0)``).

    NOTE: a product with the mask is 15x faster than np.where, but an inf or nan in grad at
    a masked-out element gives nan (inf * 0); so the product is taken, and np.where only
    when the product holds a nan (rare: a check costs a third of the product).
    """
    if is_tensor(grad):
        from .indexing import where  # (indexing imports this module)
        return where(mask, grad, 0.0)
    with np.errstate(invalid="ignore"):
        out = grad * mask
    if out.dtype.kind == "f" and np.isnan(out).any():
        return np.where(mask, grad, np.zeros((), out.dtype))
    return out


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` down to ``shape``: the one place that undoes numpy broadcasting.

    A (3,1)+(1,4) add sends a (3,4) gradient to both inputs; each gets it summed over the
    axes it was broadcast along.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:  # a setitem value with leading 1-dims its target lacks (as torch drops)
        return unbroadcast(grad, shape[-extra:]).reshape(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def expand(grad: Any, shape: tuple) -> Any:
    """Broadcast ``grad`` to ``shape``."""
    if is_tensor(grad):
        return grad.expand(shape)
    # NOTE: a filled new array, not np.broadcast_to: that view is read-only and costs
    # several microseconds of Python per call, and the next rule would copy it anyway.
    out = np.empty(shape, dtype=grad.dtype)
    out[...] = grad
    return out


def permute(grad: Any, axes: tuple) -> Any:
    return grad.permute(*axes) if is_tensor(grad) else grad.transpose(axes)


def swap_last(x: Any) -> Any:
    """Swap the last two axes (a batched transpose); 0-d and 1-d stay as they are."""
    if x.ndim < 2:
        return x
    return permute(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def keepdim_shape(shape: tuple, axis: Any) -> tuple:
    """``shape`` with the reduced ``axis`` (int, tuple or None for all) kept as size 1."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def is_basic_index(index: Any) -> bool:
    """True for an index of ints, slices, None and Ellipsis (numpy returns a view)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer))
               for i in items)


def scatter_array(grad: np.ndarray, index: Any, shape: tuple) -> np.ndarray:
    """A zero array of ``shape`` with ``grad`` added at ``index`` (repeats accumulate)."""
    out = np.zeros(shape, dtype=grad.dtype)
    if is_basic_index(index):
        out[index] = grad
    else:
        np.add.at(out, index, grad)  # NOTE: add.at, so repeated indices accumulate
    return out


def torch_sign(x: Any) -> Any:
    """np.sign as torch's sign: 0 (not nan) at nan, so a gradient through |x| is 0 there."""
    out = np.sign(x)
    if type(out) is np.ndarray and out.dtype.kind == "f" and np.isnan(out).any():
        out = np.where(np.isnan(out), 0.0, out).astype(out.dtype)
    return out


def row_major(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous array, copied only if it is not one (a 0-d array stays 0-d,
    where np.ascontiguousarray makes it 1-d): torch's running reductions are row-major."""
    return a if a.flags.c_contiguous else a.copy()


def linspace_array(start: Any, end: Any, steps: int, dtype: Any) -> np.ndarray:
    """``steps`` values from start to end as torch's CPU kernel makes them, bit for bit: the
    first half start + i step, the second end - (steps - 1 - i) step, with step =
    (end - start) / (steps - 1) in the float dtype, and each value a fused multiply-add (one
    rounding; see ``_fused``)."""
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64) or steps < 2:  # (ints, halves: numpy's)
        return np.linspace(float(start), float(end), steps).astype(dt)
    lo, hi = dt.type(start), dt.type(end)
    with np.errstate(over="ignore", invalid="ignore"):
        step = (hi - lo) / dt.type(steps - 1)
        i = np.arange(steps)
        first = i < steps // 2
        return np.where(first, _fused(step, i, lo, dt), _fused(-step, steps - 1 - i, hi, dt))


def _fused(a: Any, k: np.ndarray, c: Any, dt: np.dtype) -> np.ndarray:
    """a * k + c rounded once to ``dt`` (k small integers): in long double the product is
    exact and the sum is s + err exactly (TwoSum); rounding s to dt is then right except
    where s sits exactly half-way between two values of dt and err decides the side."""
    if dt.itemsize <= 4:  # a float64 holds the product exactly, and rounding its sum again
        return (np.float64(a) * k + np.float64(c)).astype(dt)  # is exact (53 >= 2 * 24 + 2)
    wide = np.longdouble
    p = wide(a) * k.astype(wide)
    s = p + wide(c)
    out = s.astype(dt)
    if np.finfo(wide).nmant <= np.finfo(dt).nmant:
        return out  # (a long double no wider than a double: rounded twice, 1 ulp at worst)
    bb = s - p
    err = (p - (s - bb)) + (wide(c) - bb)
    other = np.nextafter(out, np.where(s > out, np.inf, -np.inf).astype(dt))
    tie = (err != 0) & ((out.astype(wide) + other.astype(wide)) / 2 == s) & np.isfinite(s)
    wrong = tie & ((out.astype(wide) > s) != (err > 0))
    return np.where(wrong, other, out)
