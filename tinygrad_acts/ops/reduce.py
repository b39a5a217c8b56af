"""Reductions: sum / max / min."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from .helpers import expand, keepdim_shape
from .indexing import where


class Sum(Function):
    """sum over ``axis``; dx = g broadcast back to the input's shape."""

    def forward(self, x, axis=None, keepdims=False):
        self.save(x.shape, axis, keepdims)
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    def backward(self, g, in_shape, axis, keepdims):
        if not keepdims and axis is not None:  # a full sum's 0-d g broadcasts as is
            g = g.reshape(keepdim_shape(in_shape, axis))
        return expand(g, in_shape)


class Max(Function):
    """max over ``axis``; dx = g at the maximum.

    NOTE: ties split the gradient evenly (each of k tied elements gets g / k), so the
    gradient still sums to g.
    """

    reduce = staticmethod(np.max)

    def forward(self, x, axis=None, keepdims=False):
        if x.size == 0:
            raise ValueError(f"{type(self).__name__.lower()}: cannot reduce an empty tensor "
                             f"of shape {x.shape}")
        out = self.reduce(x, axis=axis, keepdims=True)
        mask = x == out
        # NOTE: bool / int is float64; cast, or a float32 graph's gradients turn float64.
        share = (mask / mask.sum(axis=axis, keepdims=True)).astype(
            np.result_type(x.dtype, np.float32))
        self.save(share, axis, keepdims)
        return out if keepdims else np.squeeze(out, axis=axis)

    def backward(self, g, share, axis, keepdims):
        if not keepdims:
            g = g.reshape(keepdim_shape(share.shape, axis))
        return expand(g, share.shape) * share


class Min(Max):
    """min over ``axis``; dx = g at the minimum (ties split evenly, as for max)."""

    reduce = staticmethod(np.min)


class Std(Function):
    """y = sqrt(v) of a variance v; dv = g / (2 y), and 0 where y = 0.

    NOTE: at zero spread (a constant row) the true slope of sqrt is infinite; PyTorch's std
    takes 0 there, so a layer norm over a constant row does not poison its weights.
    """

    def forward(self, v):
        y = np.sqrt(v)
        self.save(y)
        return y

    def backward(self, g, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = g / (2 * y)
        return where(y == 0, 0.0, slope)
