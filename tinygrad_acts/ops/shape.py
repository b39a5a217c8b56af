"""Shape and views: reshape / permute / expand / cat / stack."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from .helpers import permute, unbroadcast


class Reshape(Function):
    """Same elements, new shape; dx = g reshaped back."""

    is_view = True

    def forward(self, x, shape):
        self.save(x.shape)
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                             f"({x.size} elements) into shape {tuple(shape)}") from None

    def backward(self, g, in_shape):
        return g.reshape(in_shape)


class Permute(Function):
    """Reorder the axes; dx = g with the inverse order."""

    is_view = True

    def forward(self, x, axes):
        self.save(axes)
        return x.transpose(axes)

    def backward(self, g, axes):
        return permute(g, tuple(np.argsort(axes)))


class Expand(Function):
    """Broadcast to ``shape`` without copying; dx = g summed back."""

    is_view = True

    def forward(self, x, shape):
        self.save(x.shape)
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: cannot broadcast shape {x.shape} "
                             f"to {tuple(shape)}") from None

    def backward(self, g, in_shape):
        return unbroadcast(g, in_shape)


class DependsOn(Function):
    """y = x, recorded as depending on ``others`` with zero gradient: dx = g, d others = 0.

    The engine wraps a gradient that came out constant under create_graph (relu's
    g * (y > 0)) so it still depends on what its rule read, as PyTorch's graph does.
    """

    is_view = True  # y is x itself

    def forward(self, x, *others):
        self.save(tuple(np.shape(o) for o in others))
        return x

    def backward(self, g, shapes):
        return (g, *(np.zeros(s, dtype=g.dtype) for s in shapes))


class Cat(Function):
    """Join along ``axis``; each input's gradient is its slice of g."""

    def forward(self, *arrays, axis=0):
        ends = np.cumsum([a.shape[axis] for a in arrays])
        self.save(axis, list(zip([0, *ends[:-1]], ends)))
        return np.concatenate(arrays, axis=axis)

    def backward(self, g, axis, bounds):
        lead = (slice(None),) * (axis % g.ndim)
        return tuple(g[lead + (slice(int(s), int(e)),)] for s, e in bounds)


class Stack(Function):
    """Stack along a new ``axis``; input i's gradient is g[..., i, ...]."""

    def forward(self, *arrays, axis=0):
        self.save(axis, len(arrays))
        return np.stack(arrays, axis=axis)

    def backward(self, g, axis, count):
        lead = (slice(None),) * (axis % g.ndim)
        return tuple(g[lead + (i,)] for i in range(count))
