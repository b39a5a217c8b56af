"""Reductions: sum / max / min / std, prod / cumsum / cumprod, logsumexp, vector norms,
median.

NOTE: float16 accumulates in float32, as torch's CPU kernels do for sum / mean / var /
std / cumsum / cumprod / logsumexp / norm: the result is computed in float32 and rounded
to float16 once, so the mean of [6e4, 6e4] is 6e4 (not inf) and a cumsum that overflows
midway comes back. (prod and nansum / nanmean stay in float16, as torch's.)
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd import Function
from .elementwise import Sub
from .helpers import expand, is_tensor, keepdim_shape, quiet, row_major, torch_sign
from .indexing import GetItem, TakeAlong, scatter, where
from .spec import lib, row


def _wide(x: np.ndarray) -> Any:
    """The dtype to accumulate ``x`` in: float32 for float16 (torch's rule), else None
    (x's own)."""
    return np.float32 if x.dtype == np.float16 else None


def _narrow(y: Any, x: np.ndarray) -> Any:
    """A result accumulated by ``_wide`` back in x's dtype (a no-op but for float16)."""
    if x.dtype != np.float16:
        return y
    with np.errstate(over="ignore"):  # beyond float16's range: inf, as torch
        return np.asarray(y).astype(np.float16)


class Sum(Function):
    """sum over ``axis``, times ``scale`` (1/n: the mean); dx = g * scale broadcast back."""

    @quiet
    def forward(self, x, axis=None, keepdims=False, scale=None):
        self.save(x.shape, axis, keepdims, scale)
        # (numpy sums small unsigned ints as uint64; torch, as every integer, in int64)
        wide = np.int64 if x.dtype.kind == "u" and x.dtype.itemsize < 8 else _wide(x)
        total = x.sum(axis=axis, keepdims=keepdims, dtype=wide)
        # (a Python float scale keeps the dtype)
        return _narrow(total if scale is None else total * scale, x)

    @quiet
    def backward(self, g, in_shape, axis, keepdims, scale):
        if not keepdims and axis is not None:  # a full sum's 0-d g broadcasts as is
            g = g.reshape(keepdim_shape(in_shape, axis))
        return expand(g if scale is None else g * scale, in_shape)


class Max(Function):
    """max over ``axis``; dx = g at the maximum.

    NOTE: ties split the gradient evenly (each of k tied elements gets g / k), so the
    gradient still sums to g. The input and the output are kept (as torch keeps them), and
    the shares are found from them in backward. Two rules, both torch's, differ only at
    nan and inf: ``amax`` (the default) multiplies, dx = g * mask / k, so a slice whose max
    is nan has no winner and gets nan everywhere, and an inf g gives nan at the losers
    (inf * 0); the full ``max()`` (``evenly=True``) puts g / k at the winners, nan ones
    winning when the max is nan, and exactly 0 at the losers.
    """

    reduce = staticmethod(np.max)
    masks_only = True

    @quiet
    def forward(self, x, axis=None, keepdims=False, evenly=False):
        reduced = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
        if any(x.shape[i] == 0 for i in reduced) or (x.ndim == 0 and x.size == 0):
            raise ValueError(f"{type(self).__name__.lower()}: cannot reduce an empty dim of a "
                             f"tensor of shape {x.shape} (there is no largest of nothing)")
        if x.size == 0:  # reducing a non-empty dim of an empty tensor: an empty result
            out = np.zeros(keepdim_shape(x.shape, axis), dtype=x.dtype)
        else:
            out = self.reduce(x, axis=axis, keepdims=True)
        out = out if keepdims else np.squeeze(out, axis=axis)
        self.save(x, out, axis, keepdims, evenly)
        return out

    @quiet
    def backward(self, g, x, out, axis, keepdims, evenly):
        x, out = _data(x), _data(out)
        if evenly:
            return _evenly(self.tie_share, g, x, out)
        mask = x == (out if keepdims else out.reshape(keepdim_shape(x.shape, axis)))
        # NOTE: bool / int is float64; cast, or a float32 graph's gradients turn float64.
        with np.errstate(invalid="ignore", divide="ignore"):  # no winner (nan): 0 / 0
            share = self.tie_share(mask, axis).astype(np.result_type(x.dtype, np.float32))
        return _spread(g, share, axis, keepdims)

    @staticmethod
    def tie_share(mask, axis):
        """Each of k tied winners' share of g: 1 / k."""
        return mask / mask.sum(axis=axis, keepdims=True)


def _evenly(tie_share, g, x, out):
    """torch's rule for the full max() / min(): g / k at the k winners (the nan elements
    when the result is nan), exactly 0 elsewhere, whatever g is."""
    mask = np.isnan(x) if np.isnan(out) else x == out
    share = tie_share(mask, None).astype(np.result_type(x.dtype, np.float32))
    if is_tensor(g):
        return where(mask, g * share, 0.0)
    grad = np.zeros(x.shape, dtype=np.result_type(g, share))
    with np.errstate(invalid="ignore"):  # inf * 0 at the losers, not kept
        grad[mask] = (g * share)[mask]
    return grad


def _spread(g, share, axis, keepdims):
    """g (reduced over ``axis``) sent back to the elements by their ``share`` (a product:
    an inf g gives nan at a loser, as torch's amax)."""
    if not keepdims:
        g = g.reshape(keepdim_shape(share.shape, axis))
    with np.errstate(invalid="ignore"):
        return expand(g, share.shape) * share


class Min(Max):
    """min over ``axis``; dx = g at the minimum (ties split evenly, as for max)."""

    reduce = staticmethod(np.min)


class Std(Function):
    """y = sqrt(v) of a variance v; dv = g / (2 y), and 0 where y = 0.

    NOTE: at zero spread (a constant row) the true slope of sqrt is infinite; PyTorch's std
    takes 0 there, so a layer norm over a constant row does not poison its weights.
    """

    @quiet
    def forward(self, v):
        y = np.sqrt(v)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = g / (2 * y)
        return where(y == 0, 0.0, slope)


class Var(Function):
    """v = sum (x - mean)^2 / (n - correction) over ``axis``; dx = 2 g (x - mean) / (n - c).

    NOTE: torch's rule at the edges, where n - correction <= 0: the forward divides by
    max(n - c, 0) (so 0 / 0 is nan), the backward by n - c itself (a negative count gives
    a finite slope, -0 at zero spread); a full reduction with n - c <= 0 takes torch's
    g * (nan where x = mean, inf elsewhere).

    ``root=True`` gives the standard deviation y = sqrt(v) in the same node (dv = g / (2 y),
    0 where y = 0, as ``Std``): the root is taken before rounding, so a float16 std of
    [300, -300] is 424.25 though its variance overflows float16, as torch's.
    """

    @quiet
    def forward(self, x, axis=None, keepdims=False, correction=1, root=False):
        n = x.size if axis is None else int(np.prod([x.shape[a] for a in (
            (axis,) if isinstance(axis, int) else axis)]))
        wide = x if _wide(x) is None else x.astype(_wide(x))
        # NOTE: sum / n is numpy's mean bit for bit, without its "Mean of empty slice"
        # warning: an empty reduction is nan quietly, with torch's own warning below
        centred = wide - wide.sum(axis=axis, keepdims=True) / n
        v = (centred * centred).sum(axis=axis, keepdims=keepdims) / max(n - correction, 0)
        if x.size // max(v.size, 1) - correction <= 0:  # (torch's count: numel per output)
            warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly "
                          "less than the reduction factor (input numel divided by output "
                          "numel).", UserWarning, stacklevel=5)
        out = np.asarray(np.sqrt(v) if root else v, dtype=x.dtype)
        self.save(x, axis, keepdims, n - correction, out if root else None)
        return out

    @quiet
    def backward(self, g, x, axis, keepdims, dof, root):
        if root is not None:
            g = Std.backward(self, g, root)
        if not keepdims and axis is not None:
            g = g.reshape(keepdim_shape(x.shape, axis))
        mean = x.mean(axis=axis, keepdims=True)
        if axis is None and dof <= 0:
            edge = np.where(_data(x) == _data(mean), np.nan, np.inf).astype(x.dtype)
            return g * edge
        with np.errstate(divide="ignore"):
            scale = np.float64(2.0) / dof  # inf at n = correction, as torch's 2 / 0
        with np.errstate(invalid="ignore"):  # inf * 0: nan, as torch
            return float(scale) * g * (x - mean)


# --- products and running reductions: prod / cumsum / cumprod ------------------------------


def _data(x: Any) -> np.ndarray:
    """The array of a Tensor (for masks, which are constants of the graph), or x itself."""
    return x._array if is_tensor(x) else x


def _flip(a: Any, axis: int) -> Any:
    index = (slice(None),) * axis + (slice(None, None, -1),)
    return GetItem.apply(a, index=index) if is_tensor(a) else a[index]


def _cumsum(a: Any, axis: int) -> Any:
    return Cumsum.apply(a, axis=axis) if is_tensor(a) else np.cumsum(a, axis)


def _cumprod(a: Any, axis: int) -> Any:
    return Cumprod.apply(a, axis=axis) if is_tensor(a) else np.cumprod(a, axis)


def _rcumsum(a: Any, axis: int) -> Any:
    """sum_{k >= i} a_k along ``axis`` (a cumsum from the end, flipped: torch's order)."""
    return _flip(_cumsum(_flip(a, axis), axis), axis)


def _cumprod_grad(g: Any, x: Any, y: Any, axis: int) -> Any:
    """dx_i = sum_{k >= i} g_k prod_{j <= k, j != i} x_j, the gradient of y = cumprod(x),
    exact with zeros and differentiable again (so second derivatives are exact too).

    NOTE: the textbook rcumsum(g * y) / x is 0 / 0 at a zero. With z the first zero of a
    slice: before it the textbook form is exact (x_i != 0); at it, the products skip x_z,
    so they are the cumprod of x with x_z set to 1; after it every product holds the factor
    x_z = 0: dx_i = x_z * (the same gradient for x with x_z set to 1), which is 0 but has a
    slope in x_z (computed only when that slope is wanted, under create_graph).
    """
    zero = _data(x) == 0
    if not zero.any():
        return _rcumsum(g * y, axis) / x
    seen = np.cumsum(zero, axis)
    before, first = seen == 0, zero & (seen == 1)
    skip = where(first, 1.0, x)
    prod_skip = _cumprod(skip, axis)
    out = where(before, _rcumsum(g * y, axis) / where(before, x, 1.0),
                where(first, _rcumsum(g * prod_skip, axis), 0.0))
    if is_tensor(x):  # create_graph: the zeros after z still have a slope in x_z
        x_z = (x * first).sum(axis=axis, keepdims=True)
        out = out + where(before | first, 0.0, x_z * _cumprod_grad(g, skip, prod_skip, axis))
    return out


def _reduced_shape(shape: tuple, axis: Any) -> tuple:
    """``shape`` without the reduced ``axis`` (an int, a tuple, or None for all)."""
    if axis is None:
        return ()
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class Prod(Function):
    """y = prod x over ``axis`` (an int, or None for all); dx_i = g * prod_{j != i} x_j,
    which is g * y / x_i when no x is 0 (torch's fast path).

    NOTE: with a zero in a slice y / x is 0 / 0. One zero: the product of the others at the
    zero, 0 elsewhere; two: 0 everywhere. The products of the others are read off the exact
    cumprod gradient (y is the cumprod's last element), so second derivatives stay exact.
    """

    @quiet
    def forward(self, x, axis=None, keepdims=False):
        y = np.asarray(np.prod(x, axis=axis, keepdims=keepdims))
        self.save(x, y, axis, keepdims)
        return y

    @quiet
    def backward(self, g, x, y, axis, keepdims):
        if x.ndim == 0:
            return g
        shape = keepdim_shape(x.shape, axis)
        g, y = g.reshape(shape), y.reshape(shape)
        if not (_data(x) == 0).any():
            return g * y / x
        flat, ax = (x.reshape(-1), 0) if axis is None else (x, axis)
        n = flat.shape[ax]
        last = scatter(g.reshape(keepdim_shape(flat.shape, ax)), index=(slice(None),) * ax
                       + (slice(n - 1, None),), shape=flat.shape)  # g at k = n - 1 only
        return _cumprod_grad(last, flat, _cumprod(flat, ax), ax).reshape(x.shape)


class Cumsum(Function):
    """y_i = sum_{j <= i} x_j along ``axis``; dx_i = sum_{k >= i} g_k (a cumsum from the end)."""

    @quiet
    def forward(self, x, axis):
        self.save(axis)  # (a 0-d x is its own running sum)
        return row_major(_narrow(np.cumsum(x, axis if x.ndim else None, dtype=_wide(x)),
                                 x).reshape(x.shape))

    @quiet
    def backward(self, g, axis):
        return _rcumsum(g, axis) if g.ndim else g


class Cumprod(Function):
    """y_i = prod_{j <= i} x_j along ``axis``; dx_i = sum_{k >= i} g_k y_k / x_i.

    NOTE: the division is 0 / 0 at a zero: ``_cumprod_grad`` is exact there (torch's rule).
    """

    @quiet
    def forward(self, x, axis):
        y = row_major(_narrow(np.cumprod(x, axis if x.ndim else None, dtype=_wide(x)),
                              x).reshape(x.shape))
        self.save(x, y, axis)
        return y

    @quiet
    def backward(self, g, x, y, axis):
        # (a running product of one element is the element: its slope is 1, inf or not)
        return _cumprod_grad(g, x, y, axis) if g.ndim and g.shape[axis] != 1 else g


# --- logsumexp, vector norms, median -------------------------------------------------------


class LogSumExp(Function):
    """y = log sum e^x over ``axis``; dx = g * e^(x - y), the softmax (from x and y).

    NOTE: computed as m + log sum e^(x - m), m the max, so e^x never overflows. A slice whose
    max is inf or -inf shifts by 0 instead: all -inf gives -inf (its gradient nan), and an
    inf gives inf, as in torch.
    """

    @quiet
    def forward(self, x, axis=None, keepdims=False):
        wide = x if _wide(x) is None else x.astype(_wide(x))
        m = np.max(wide, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0).astype(wide.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = _narrow(np.log(np.exp(wide - m).sum(axis=axis, keepdims=True)) + m, x)
        y = y if keepdims else y.reshape(_reduced_shape(x.shape, axis))
        self.save(x, y, axis)
        return y

    @quiet
    def backward(self, g, x, y, axis):
        shape = keepdim_shape(x.shape, axis)
        with np.errstate(invalid="ignore"):  # inf - inf: nan, as torch
            return g.reshape(shape) * np.exp(x - y.reshape(shape))


class NanSum(Function):
    """nansum over ``axis`` (nans count as 0), times ``scale`` (kept-dims shaped: 1 / the
    count of non-nans gives nanmean); dx = g * scale where x is not nan, 0 at a nan.

    NOTE: a product with the mask, as torch's, not a selection: the nanmean of an all-nan
    slice has the gradient (g / 0) * 0 = nan there, as in torch.
    """

    @quiet
    def forward(self, x, axis=None, keepdims=False, scale=None):
        keep = ~np.isnan(x)
        self.save(keep, axis, scale)
        total = np.where(keep, x, 0).sum(axis=axis, keepdims=True)
        if scale is not None:
            with np.errstate(invalid="ignore"):  # an empty slice: 0 * inf = nan
                total = total * scale
        return total if keepdims else total.reshape(_reduced_shape(x.shape, axis))

    @quiet
    def backward(self, g, keep, axis, scale):
        g = g.reshape(keepdim_shape(keep.shape, axis))
        with np.errstate(invalid="ignore"):
            return expand(g if scale is None else g * scale, keep.shape) * keep


class VectorNorm(Function):
    """y = (sum |x|^p)^(1/p) over ``axis``, for a finite p (p = 0: the count of nonzeros);
    dx = g * sign(x) |x|^(p-1) / y^(p-1): g * x / y for p = 2, g * sign(x) for p = 1, 0 for
    p = 0 (torch's rules).

    NOTE: the subgradient is 0 where y = 0 (all of a slice is 0), as torch's; for p < 1
    |x|^(p-1) is inf at x = 0, where the slope is taken as 0. |x|^p is not rescaled, so a
    large p overflows as in torch.
    """

    @quiet
    def forward(self, x, p=2.0, axis=None, keepdims=False):
        x16, x = x, x if _wide(x) is None else x.astype(_wide(x))
        a = np.abs(x)
        with np.errstate(divide="ignore", over="ignore"):
            y = (np.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype) if p == 0 else
                 a.sum(axis=axis, keepdims=keepdims) if p == 1 else
                 np.sqrt((x * x).sum(axis=axis, keepdims=keepdims)) if p == 2 else
                 (a ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p))
        x, y = x16, np.asarray(_narrow(y, x16))
        self.save(x, y, p, axis, keepdims)
        return y

    @quiet
    def backward(self, g, x, y, p, axis, keepdims):
        shape = keepdim_shape(x.shape, axis)
        g, y = g.reshape(shape), y.reshape(shape)
        if p == 0:
            return expand(g * 0, x.shape) if is_tensor(g) else np.zeros(x.shape, g.dtype)
        if p == 1:
            return g * torch_sign(_data(x))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = where(_data(y) == 0, 0.0, g / (y if p == 2 else y ** (p - 1)))
            if p == 2:
                return x * scale
            slope = torch_sign(_data(x)) * abs(x) ** (p - 1)
            return (where(_data(x) == 0, 0.0, slope) if p < 1 else slope) * scale


class Median(Function):
    """m = the lower median of all elements (of the non-nan ones if ``ignore_nan``: torch's
    nanmedian); dx = g shared evenly among the elements equal to m (torch's rule; see Max).

    NOTE: an even count takes the lower of the two middle values (torch's, not numpy's
    mean of both). A nan makes the median nan (nanmedian ignores nans, unless all are), and
    then the nans share the gradient.
    """

    @quiet
    def forward(self, x, ignore_nan=False):
        flat = np.sort(x.reshape(-1))  # nan sorts last
        nans = np.isnan(flat) if flat.dtype.kind == "f" else np.zeros(flat.shape, bool)
        n = flat.size - int(nans.sum()) if ignore_nan else flat.size
        if flat.size == 0 or (nans.any() and not ignore_nan) or n == 0:
            # NOTE: an empty integer tensor has no nan: torch gives the dtype's minimum (nan
            # cast to it), and True for bool
            kind = x.dtype.kind
            m = np.asarray(np.nan if kind == "f" else True if kind == "b" else
                           np.iinfo(x.dtype).min, x.dtype)
        else:
            m = np.asarray(flat[(n - 1) // 2])
        mask = np.isnan(x) if np.isnan(m) else x == m
        self.save((mask / max(mask.sum(), 1)).astype(np.result_type(x.dtype, np.float32)))
        return m

    @quiet
    def backward(self, g, share):
        # NOTE: torch's rule for median, as for the full max(): exactly 0 at the losers,
        # even where g is inf or nan
        with np.errstate(invalid="ignore"):
            return where(share == 0, 0.0, _spread(g, share, None, True))


# --- the rows ----------------------------------------------------------------------------------
# (sum / max / min / std rows are in table.py)

ONE = (((3, 4),), ((2, 3, 4),), ((),))
DIMS = (((2, 3, 4),), ((3, 4),))


def _lse(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.log(np.exp(a).sum(axis=axis, keepdims=keepdims))


def _pnorm(a: np.ndarray, p: float, axis: Any = None) -> np.ndarray:
    return (np.abs(a) ** p).sum(axis=axis) ** (1 / p)


def _lower_median(a: np.ndarray, axis: Any = None) -> np.ndarray:
    s = np.sort(a.reshape(-1) if axis is None else a, axis=0 if axis is None else axis)
    return np.take(s, (s.shape[0 if axis is None else axis] - 1) // 2, axis=axis or 0)


def _running(pick: Any) -> Any:
    return lambda a: pick.accumulate(a, axis=1)


def _cumsum_ref(a: np.ndarray, axis: int) -> np.ndarray:
    return np.cumsum(a.reshape(-1) if a.ndim == 0 else a, axis).reshape(a.shape)


row("prod", Prod, lambda a: a.prod(), np.prod, *ONE, kind="elementwise", torch=True)
row("prod(dim=1)", Prod, lambda a: a.prod(1), lambda a: a.prod(axis=1), *DIMS, torch=True)
row("prod(dim=0, keepdim)", Prod, lambda a: a.prod(0, keepdim=True),
    lambda a: a.prod(axis=0, keepdims=True), ((3, 4),), ((4,),), torch=True)
row("cumsum(dim=0)", Cumsum, lambda a: a.cumsum(0), lambda a: _cumsum_ref(a, 0), *ONE,
    kind="elementwise", torch=True)
row("cumsum(dim=-1)", Cumsum, lambda a: a.cumsum(-1), lambda a: np.cumsum(a, -1), *DIMS,
    torch=True)
row("cumprod(dim=1)", Cumprod, lambda a: a.cumprod(1), lambda a: np.cumprod(a, 1), *DIMS,
    torch=True)
row("cumprod(dim=0)", Cumprod, lambda a: a.cumprod(0), lambda a: np.cumprod(a, 0),
    ((4,),), ((3, 2),), torch=True)
row("cummax(dim=1).values", TakeAlong, lambda a: a.cummax(1).values,
    _running(np.maximum), *DIMS, torch=True)
row("cummin(dim=1).values", TakeAlong, lambda a: a.cummin(dim=1).values,
    _running(np.minimum), *DIMS, torch=True)
row("logsumexp(dim=1)", LogSumExp, lambda a: a.logsumexp(1), lambda a: _lse(a, 1), *DIMS,
    torch=True)
row("logsumexp(dim=(0, 2), keepdim)", LogSumExp, lambda a: a.logsumexp((0, 2), keepdim=True),
    lambda a: _lse(a, (0, 2), True), ((2, 3, 4),), torch=True)
row("logsumexp(dim=0) 1-d", LogSumExp, lambda a: lib(a).logsumexp(a, 0),
    lambda a: _lse(a, 0), ((5,),), torch=True)
row("norm", VectorNorm, lambda a: a.norm(), lambda a: np.sqrt((a * a).sum()), *ONE,
    kind="elementwise", torch=True)
row("norm(dim=1, keepdim)", VectorNorm, lambda a: a.norm(dim=1, keepdim=True),
    lambda a: np.sqrt((a * a).sum(1, keepdims=True)), *DIMS, torch=True)
row("norm(p=1, dim=1)", VectorNorm, lambda a: a.norm(1, dim=1), lambda a: np.abs(a).sum(1),
    *DIMS, domain=("nonzero",), kinks=(0.0,), torch=True)
row("norm(p=3, dim=(0, 1))", VectorNorm, lambda a: a.norm(3, dim=(0, 1)),
    lambda a: _pnorm(a, 3, (0, 1)), *DIMS, torch=True)
row("norm(p=0.5)", VectorNorm, lambda a: a.norm(0.5), lambda a: _pnorm(a, 0.5), ((3, 4),),
    ((5,),), domain=("nonzero",), kinks=(0.0,), torch=True)
row("norm(p=-1.5, dim=0)", VectorNorm, lambda a: a.norm(-1.5, 0),
    lambda a: _pnorm(a, -1.5, 0), ((3, 4),), domain=("nonzero",), kinks=(0.0,), torch=True)
row("norm(p=inf, dim=1)", Max, lambda a: a.norm(float("inf"), 1),
    lambda a: np.abs(a).max(1), *DIMS, domain=("positive",), ties=True, torch=True)
row("norm(p=-inf)", Min, lambda a: a.norm(float("-inf")), lambda a: np.abs(a).min(),
    ((3, 4),), domain=("positive",), ties=True, torch=True)  # positive: |x| keeps sums
row("dist", Sub, lambda a, b: a.dist(b), lambda a, b: np.sqrt(((a - b) ** 2).sum()),
    ((3, 4), (3, 4)), ((3, 1), (1, 4)), torch=True)
row("dist(p=1)", Sub, lambda a, b: a.dist(b + 5, 1), lambda a, b: np.abs(a - b - 5).sum(),
    ((3, 4), (3, 4)), ((4,), (2, 4)), torch=True)  # NOTE: + 5: a - b never near the kink
row("median", Median, lambda a: a.median(), _lower_median, *ONE, ties=True,
    kind="elementwise", torch=True)
row("nanmedian", Median, lambda a: a.nanmedian(), _lower_median, ((3, 4),), ((4,),),
    ties=True, torch=True)
row("median(dim=1).values", TakeAlong, lambda a: a.median(1).values,
    lambda a: _lower_median(a, 1), *DIMS, torch=True)
row("nanmedian(dim=0).values", TakeAlong, lambda a: a.nanmedian(0).values,
    lambda a: _lower_median(a, 0), ((4, 3),), ((5,),), torch=True)
row("mode(dim=1).values", TakeAlong, lambda a: a.mode(1).values, lambda a: a.min(1),
    *DIMS, torch=True)
row("nansum(dim=1)", NanSum, lambda a: a.nansum(1), lambda a: np.nansum(a, 1), *DIMS,
    torch=True)
row("nanmean", NanSum, lambda a: a.nanmean(), np.nanmean, *ONE, kind="elementwise",
    torch=True)
row("nanmean(dim=(0, 2), keepdim)", NanSum, lambda a: a.nanmean((0, 2), keepdim=True),
    lambda a: np.nanmean(a, (0, 2), keepdims=True), ((2, 3, 4),), torch=True)
row("aminmax(dim=1).max", Max, lambda a: a.aminmax(dim=1).max, lambda a: a.max(1), *DIMS,
    ties=True, torch=True)
row("aminmax().min", Min, lambda a: a.aminmax().min, np.min, ((3, 4),), ties=True,
    torch=True)
