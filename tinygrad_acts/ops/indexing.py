"""Indexing and selection: getitem / scatter / setitem / take_along (gather) / index_add
(scatter_add) / scatter_reduce, where / clamp / maximum / minimum.

The rows of the selection ops built on these rules (gather, scatter, index_select,
masked_fill, sort, ...) are at the end of ``ops/sorting.py``, after the table's own rows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, IndexedGrad
from .helpers import is_basic_index, is_tensor, masked, quiet, scatter_array, shape_of, unbroadcast


def where(cond: Any, a: Any, b: Any) -> Any:
    """``np.where`` that is differentiable in ``a`` and ``b`` when either is a Tensor."""
    if is_tensor(a) or is_tensor(b):
        return Where.apply(cond._array if is_tensor(cond) else cond, a, b)
    return np.where(cond, a, b)


def along(index: np.ndarray, dim: int) -> tuple:
    """The numpy index that picks ``index`` along ``dim`` (torch's gather): ``index`` at
    ``dim`` and an open grid ``arange(n)`` at every other dim, so ``x[along(i, d)]`` has
    ``i``'s shape (which may be smaller than x's in the other dims, as torch allows)."""
    grid = list(np.ix_(*[np.arange(n) for n in index.shape])) if index.ndim else []
    if index.ndim:
        grid[dim] = index
    return tuple(grid) if grid else (index,)


def scatter(grad: Any, index: Any, shape: tuple) -> Any:
    """A zero array of ``shape`` with ``grad`` added at ``index`` (repeats accumulate)."""
    if is_tensor(grad):
        return Scatter.apply(grad, index=index, shape=shape)
    return scatter_array(grad, index, shape)


# --- indexing: getitem / scatter / setitem ---------------------------------------------------


def _one_array_at_end(index: Any) -> bool:
    """index is ``(:, ..., :, integer array)`` (index_select's form, x[:, idx])."""
    return (type(index) is tuple and len(index) > 1 and type(index[-1]) is np.ndarray
            and index[-1].dtype.kind in "iu"
            and all(type(i) is slice and i == slice(None) for i in index[:-1]))


class GetItem(Function):
    """x[index]; dx = zeros with g added at index (repeated indices accumulate)."""

    is_view = True

    def forward(self, x, index):
        self.save(x.shape, index)
        try:
            if _one_array_at_end(index):  # NOTE: np.take is faster and C-ordered (torch's)
                return np.take(x, index[-1], axis=len(index) - 1)
            out = x[index]
            if type(out) is not np.ndarray:
                # NOTE: numpy returns a scalar (a copy) for one element; adding ... makes
                # it a 0-d view, so x[i, j].mul_(10) changes x, as in PyTorch
                out = x[(*index, ...) if type(index) is tuple else (index, ...)]
            elif out.base is not None and not is_basic_index(index):
                # NOTE: an advanced index's result may be a transposed view of numpy's own
                # buffer; a tensor of its own (torch's C-contiguous strides) is a fresh copy
                out = out.copy()
            return out
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None

    @quiet
    def backward(self, g, in_shape, index):
        if not is_tensor(g) and is_basic_index(index):  # kept sparse: see IndexedGrad
            return IndexedGrad(in_shape, g.dtype, [(index, g)])
        if not is_tensor(g) and type(index) is np.ndarray and index.dtype == np.bool_:
            out = np.zeros(in_shape, g.dtype)  # NOTE: a mask never repeats: no add.at
            out[index] = g
            return out
        return scatter(g, index, in_shape)


class Scatter(Function):
    """zeros(shape) with x added at index (the backward of getitem); dx = g[index]."""

    @quiet
    def forward(self, x, index, shape):
        self.save(index)
        return scatter_array(x, index, shape)

    @quiet
    def backward(self, g, index):
        return g[index]


def assign(out: np.ndarray, index: Any, v: Any) -> None:
    """``out[index] = v``, where (as torch) v may have leading 1-dims its target lacks."""
    try:
        out[index] = v
    except ValueError:  # numpy refuses z[3] = ones(1) (a sequence into an element)
        lead = next((i for i, n in enumerate(np.shape(v)) if n != 1), np.ndim(v))
        if not lead:
            raise
        out[index] = np.reshape(v, np.shape(v)[lead:])


class SetItem(Function):
    """x with x[index] replaced by v; dx = g with 0 at index, dv = g[index] summed back."""

    def forward(self, x, v, index):
        self.save(index, shape_of(v))
        out = x.copy()
        assign(out, index, v)
        return out

    @quiet
    def backward(self, g, index, v_shape):
        need_x, need_v = self.needs_input_grad
        gx = gv = None
        if need_x:
            overwritten = np.zeros(g.shape, dtype=bool)
            overwritten[index] = True
            whole = overwritten.all() and is_basic_index(index)  # fill_: a constant zero
            gx = np.zeros(g.shape, g.dtype) if whole else where(overwritten, 0.0, g)
        if need_v:
            gv = unbroadcast(g[index], v_shape)
        return gx, gv


class TakeAlong(Function):
    """y = x picked along ``dim`` at ``index`` (torch's gather; numpy's take_along_axis);
    dx = zeros with g added at index (repeated indices accumulate: linear in the index
    size, never a dense one-hot)."""

    def forward(self, x, index, dim):
        where_ = along(index, dim)
        self.save(x.shape, where_)
        return x[where_] if x.ndim else np.full(index.shape, x, x.dtype)

    @quiet
    def backward(self, g, in_shape, where_):
        if not in_shape:  # NOTE: a 0-d x: every pick is x itself
            return g.sum()
        return scatter(g, where_, in_shape)


class IndexAdd(Function):
    """out = x with alpha * src added at ``index`` (a numpy index; repeats accumulate):
    torch's scatter_add and index_add. dx = g; dsrc = alpha * g[index]."""

    @quiet
    def forward(self, x, src, index, alpha=1):
        self.save(index, alpha)
        out = x.copy()
        np.add.at(out, index, src if alpha == 1 else alpha * src)
        return out

    @quiet
    def backward(self, g, index, alpha):
        need_x, need_src = self.needs_input_grad
        gsrc = (g[index] if alpha == 1 else alpha * g[index]) if need_src else None
        return g if need_x else None, gsrc


def _extreme(dtype: np.dtype, lowest: bool) -> Any:
    """The lowest (or highest) value ``dtype`` holds: -inf / inf for floats."""
    if dtype.kind == "f":
        return -np.inf if lowest else np.inf
    if dtype.kind == "b":
        return not lowest
    info = np.iinfo(dtype)
    return info.min if lowest else info.max


class ScatterReduce(Function):
    """out = x with the src values sent to each position at ``index`` reduced into it
    ("sum", "mean", "prod", "amax", "amin"; x itself takes part when include_self). The
    gradient is shared: dx = g * sx, dsrc = g[index] * ssrc, with shares from forward: 1
    for a sum, 1 / count for a mean, the product of the others for a prod, 1 / (number of
    tied winners) to each winner of amax / amin (NOTE: ties split evenly, as torch), 0 to
    the losers and to an x left out.

    NOTE: a prod's shares depend on x and src, so its second derivative is not this rule's
    (g * sx is linear in g only): a backward under create_graph is refused for "prod".
    """

    @quiet
    def forward(self, x, src, index, reduce, include_self):
        hit = np.zeros(x.shape, np.int64)
        np.add.at(hit, index, 1)
        keep = ~hit.astype(bool) | include_self
        # NOTE: a left-out x starts from the reduction's identity: 0, or for amax / amin the
        # lowest / highest value of the dtype (-inf / inf; a nan in src then stays where it
        # was sent, as torch's)
        start = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        out = np.where(keep, x, _extreme(x.dtype, reduce == "amax") if start is None
                       else start).astype(x.dtype)
        _UFUNCS[reduce].at(out, index, src)
        out, sx, ssrc = _shares(reduce, x, src, index, keep, hit, out)
        left_out = None if keep.all() else ~keep  # (their gradient is 0, even for inf g)
        self.save(index, sx.astype(x.dtype), ssrc.astype(x.dtype), reduce == "prod", left_out)
        return out

    @quiet
    def backward(self, g, index, sx, ssrc, prod, left_out):
        if prod and is_tensor(g):
            raise NotImplementedError(
                f"scatter_reduce(reduce='prod'): second derivatives are not implemented in "
                f"tinygrad_acts (input shape {sx.shape}); backward with create_graph=False")
        need_x, need_src = self.needs_input_grad
        gx = g * sx if need_x else None
        if gx is not None and left_out is not None:  # masked, as torch's masked_fill
            gx = where(left_out, 0.0, gx) if is_tensor(gx) else np.where(left_out, 0, gx)
        return gx, g[index] * ssrc if need_src else None


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
           "amin": np.minimum}


def _shares(reduce: str, x: np.ndarray, src: np.ndarray, index: Any, keep: np.ndarray,
            hit: np.ndarray, out: np.ndarray) -> tuple:
    """scatter_reduce's result (a mean divides) and the shares of x and src in it."""
    if reduce == "prod":
        return (out, *_prod_shares(x, src, index, keep, out))
    if reduce == "mean":
        count = np.maximum(hit + keep, 1)
        out = (out / count).astype(x.dtype) if out.dtype.kind == "f" else out // count
        return out, keep / count, (1 / count)[index]
    if reduce == "sum":
        return out, keep, np.ones(src.shape)
    return (out, *_extreme_shares(x, src, index, keep, out))


@quiet
def _extreme_shares(x: np.ndarray, src: np.ndarray, index: Any, keep: np.ndarray,
                    out: np.ndarray) -> tuple:
    """The shares of amax / amin: 1 / (number of tied winners) to each winner.

    NOTE: as torch, an x equal to the result counts as a tie even when left out (it then
    gets no share), and a nan result (no winner: nan != nan) gives nan gradients, 0 / 0.
    """
    tied, won = x == out, src == out[index]
    n = tied.astype(np.int64)
    np.add.at(n, index, won)
    return np.where(keep, tied / n, 0), won / n[index]


@quiet
def _prod_shares(x: np.ndarray, src: np.ndarray, index: Any, keep: np.ndarray,
                 out: np.ndarray) -> tuple:
    """The shares of scatter_reduce's prod (torch's formula): an x gets the product of the
    others (its result with x replaced by 1, so an x of 0 is right); a src gets the result
    divided by it, or, for the only 0 sent to its position, the product of the others."""
    def product(base: np.ndarray, values: np.ndarray) -> np.ndarray:
        res = np.where(keep, base, 1).astype(x.dtype)
        np.multiply.at(res, index, values)
        return res

    masked_x = np.where(x == 0, 1, x)
    sx = np.where(keep, product(masked_x, src) / masked_x, 0)
    zero = src == 0
    zeros = np.zeros(x.shape, np.int64)
    np.add.at(zeros, index, zero)
    single = zero & (zeros[index] == 1)
    ssrc = np.where(single, product(x, np.where(single, 1, src))[index],
                    out[index] / np.where(zero, 1, src))
    return sx, ssrc


# --- selection: where / clamp / maximum / minimum --------------------------------------------


class Where(Function):
    """cond ? a : b; da = g where cond, db = g elsewhere."""

    def forward(self, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        self.save(cond, shape_of(a), shape_of(b))
        return np.where(cond, a, b)

    @quiet
    def backward(self, g, cond, a_shape, b_shape):
        _, need_a, need_b = self.needs_input_grad
        return (None,
                unbroadcast(where(cond, g, 0.0), a_shape) if need_a else None,
                unbroadcast(where(cond, 0.0, g), b_shape) if need_b else None)


class Clamp(Function):
    """clip x to [lo, hi] (numbers, arrays or Tensors; None for no bound).

    dx = g where lo <= x <= hi (inclusive, as in PyTorch); dlo = g where x < lo < hi;
    dhi = g where x > hi or hi < lo (an empty range gives hi, as min(max(x, lo), hi) does).
    """

    @quiet
    def forward(self, x, lo, hi):
        _, need_lo, need_hi = self.needs_input_grad
        inside = np.ones(np.broadcast_shapes(*(np.shape(v) for v in (x, lo, hi)
                                                if v is not None)), dtype=bool)
        below = above = None
        if lo is not None:
            inside &= x >= lo
            below = (x < lo) & (lo < hi) if hi is not None else x < lo
        if hi is not None:
            inside &= x <= hi
            above = (x > hi) | (hi < lo) if lo is not None else x > hi
        self.save(inside, below if need_lo else None, above if need_hi else None,
                  shape_of(x), shape_of(lo), shape_of(hi))
        y = np.maximum(x, lo) if lo is not None else x
        return np.minimum(y, hi) if hi is not None else y

    @quiet
    def backward(self, g, inside, below, above, x_shape, lo_shape, hi_shape):
        need_x, need_lo, need_hi = self.needs_input_grad
        return (unbroadcast(masked(g, inside), x_shape) if need_x else None,  # torch's where
                unbroadcast(where(below, g, 0.0), lo_shape) if need_lo else None,
                unbroadcast(where(above, g, 0.0), hi_shape) if need_hi else None)


class Maximum(Function):
    """elementwise max(a, b); the larger gets g. NOTE: a tie gives each g / 2, and a nan
    (no order) gives both the whole g, as PyTorch. Both inputs are kept, as torch keeps
    them: changing either in place before backward raises."""

    pick = staticmethod(np.maximum)

    @quiet
    def forward(self, a, b):
        self.save(a, b, shape_of(a), shape_of(b))
        return self.pick(a, b)

    @quiet
    def backward(self, g, a, b, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        a, b = (v._array if is_tensor(v) else v for v in (a, b))  # masks: constants
        share = where(a == b, self.tie_share(g), g)
        a_loses, b_loses = (a < b, a > b) if self.pick is np.maximum else (a > b, a < b)
        # NOTE: where, not a product, for the loser: an inf or nan g stays with the winner
        return (unbroadcast(where(a_loses, 0.0, share), a_shape) if need_a else None,
                unbroadcast(where(b_loses, 0.0, share), b_shape) if need_b else None)

    @staticmethod
    def tie_share(g):
        """What each of two tied inputs gets: half of g."""
        return g / 2


class Minimum(Maximum):
    """elementwise min(a, b); the smaller gets g. NOTE: a tie gives each g / 2."""

    pick = staticmethod(np.minimum)
