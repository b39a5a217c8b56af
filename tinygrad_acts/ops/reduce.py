"""Reductions: sum / max / min."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from .helpers import expand, keepdim_shape
from .indexing import where


class Sum(Function):
    """sum over ``axis``, times ``scale`` (1/n: the mean); dx = g * scale broadcast back."""

    def forward(self, x, axis=None, keepdims=False, scale=None):
        self.save(x.shape, axis, keepdims, scale)
        total = x.sum(axis=axis, keepdims=keepdims)
        return total if scale is None else total * scale  # a Python float keeps the dtype

    def backward(self, g, in_shape, axis, keepdims, scale):
        if not keepdims and axis is not None:  # a full sum's 0-d g broadcasts as is
            g = g.reshape(keepdim_shape(in_shape, axis))
        return expand(g if scale is None else g * scale, in_shape)


class Max(Function):
    """max over ``axis``; dx = g at the maximum.

    NOTE: ties split the gradient evenly (each of k tied elements gets g / k), so the
    gradient still sums to g.
    """

    reduce = staticmethod(np.max)

    def forward(self, x, axis=None, keepdims=False):
        reduced = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
        if any(x.shape[i] == 0 for i in reduced) or (x.ndim == 0 and x.size == 0):
            raise ValueError(f"{type(self).__name__.lower()}: cannot reduce an empty dim of a "
                             f"tensor of shape {x.shape} (there is no largest of nothing)")
        if x.size == 0:  # reducing a non-empty dim of an empty tensor: an empty result
            out = np.zeros(keepdim_shape(x.shape, axis), dtype=x.dtype)
            self.save(np.zeros(x.shape, np.result_type(x.dtype, np.float32)), axis, keepdims)
            return out if keepdims else np.squeeze(out, axis=axis)
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
        with np.errstate(invalid="ignore"):  # an inf g at a loser: 0, not nan
            return where(share == 0, 0.0, expand(g, share.shape) * share)


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
