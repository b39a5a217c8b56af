"""Indexing and selection: getitem / scatter / setitem, where / clamp / maximum / minimum."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, IndexedGrad
from .helpers import is_basic_index, is_tensor, scatter_array, shape_of, unbroadcast


def where(cond: Any, a: Any, b: Any) -> Any:
    """``np.where`` that is differentiable in ``a`` and ``b`` when either is a Tensor."""
    if is_tensor(a) or is_tensor(b):
        return Where.apply(cond.data if is_tensor(cond) else cond, a, b)
    return np.where(cond, a, b)


def scatter(grad: Any, index: Any, shape: tuple) -> Any:
    """A zero array of ``shape`` with ``grad`` added at ``index`` (repeats accumulate)."""
    if is_tensor(grad):
        return Scatter.apply(grad, index=index, shape=shape)
    return scatter_array(grad, index, shape)


# --- indexing: getitem / scatter / setitem ---------------------------------------------------


class GetItem(Function):
    """x[index]; dx = zeros with g added at index (repeated indices accumulate)."""

    is_view = True

    def forward(self, x, index):
        self.save(x.shape, index)
        try:
            out = x[index]
            if type(out) is not np.ndarray:
                # NOTE: numpy returns a scalar (a copy) for one element; adding ... makes
                # it a 0-d view, so x[i, j].mul_(10) changes x, as in PyTorch
                out = x[(*index, ...) if type(index) is tuple else (index, ...)]
            return out
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None

    def backward(self, g, in_shape, index):
        if not is_tensor(g) and is_basic_index(index):  # kept sparse: see IndexedGrad
            return IndexedGrad(in_shape, g.dtype, [(index, g)])
        return scatter(g, index, in_shape)


class Scatter(Function):
    """zeros(shape) with x added at index (the backward of getitem); dx = g[index]."""

    def forward(self, x, index, shape):
        self.save(index)
        return scatter_array(x, index, shape)

    def backward(self, g, index):
        return g[index]


class SetItem(Function):
    """x with x[index] replaced by v; dx = g with 0 at index, dv = g[index] summed back."""

    def forward(self, x, v, index):
        self.save(index, shape_of(v))
        out = x.copy()
        out[index] = v
        return out

    def backward(self, g, index, v_shape):
        need_x, need_v = self.needs_input_grad
        gx = gv = None
        if need_x:
            overwritten = np.zeros(g.shape, dtype=bool)
            overwritten[index] = True
            gx = where(overwritten, 0.0, g)
        if need_v:
            gv = unbroadcast(g[index], v_shape)
        return gx, gv


class TakeAlong(Function):
    """y = x picked along ``dim`` at ``index`` (numpy's take_along_axis, torch's gather);
    dx = zeros with g added at index (repeated indices accumulate)."""

    def forward(self, x, index, dim):
        self.save(x.shape, index, dim)
        return np.take_along_axis(x, index, axis=dim)

    def backward(self, g, in_shape, index, dim):
        where_ = list(np.ix_(*[np.arange(n) for n in index.shape]))
        where_[dim] = index
        return scatter(g, tuple(where_), in_shape)


# --- selection: where / clamp / maximum / minimum --------------------------------------------


class Where(Function):
    """cond ? a : b; da = g where cond, db = g elsewhere."""

    def forward(self, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        self.save(cond, shape_of(a), shape_of(b))
        return np.where(cond, a, b)

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

    def forward(self, x, lo, hi):
        _, need_lo, need_hi = self.needs_input_grad
        inside = np.ones(np.shape(x), dtype=bool)
        below = above = None
        if lo is not None:
            inside &= x >= lo
            below = (x < lo) & (lo < hi) if hi is not None else x < lo
        if hi is not None:
            inside &= x <= hi
            above = (x > hi) | (hi < lo) if lo is not None else x > hi
        self.save(inside, below if need_lo else None, above if need_hi else None,
                  shape_of(lo), shape_of(hi))
        y = np.maximum(x, lo) if lo is not None else x
        return np.minimum(y, hi) if hi is not None else y

    def backward(self, g, inside, below, above, lo_shape, hi_shape):
        need_x, need_lo, need_hi = self.needs_input_grad
        return (g * inside if need_x else None,  # a product, as relu's (docs/guarantees.md)
                unbroadcast(where(below, g, 0.0), lo_shape) if need_lo else None,
                unbroadcast(where(above, g, 0.0), hi_shape) if need_hi else None)


class Maximum(Function):
    """elementwise max(a, b); the larger gets g. NOTE: a tie gives each g / 2."""

    pick = staticmethod(np.maximum)

    def forward(self, a, b):
        wins = (a > b) if self.pick is np.maximum else (a < b)
        share_a = np.where(a == b, 0.5, wins.astype(np.result_type(a, b, np.float32)))
        self.save(share_a, shape_of(a), shape_of(b))
        return self.pick(a, b)

    def backward(self, g, share_a, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        # NOTE: where, not a product, for the loser: an inf or nan g stays with the winner
        with np.errstate(invalid="ignore"):
            ga = where(share_a == 0, 0.0, g * share_a) if need_a else None
            gb = where(share_a == 1, 0.0, g * (1 - share_a)) if need_b else None
        return (unbroadcast(ga, a_shape) if need_a else None,
                unbroadcast(gb, b_shape) if need_b else None)


class Minimum(Maximum):
    """elementwise min(a, b); the smaller gets g. NOTE: a tie gives each g / 2."""

    pick = staticmethod(np.minimum)
