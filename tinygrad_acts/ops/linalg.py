"""Linear algebra: matmul at every rank."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from .helpers import swap_last, unbroadcast


class MatMul(Function):
    """a @ b (1-D, 2-D or batched); da = g @ b^T, db = a^T @ g (batch dims summed back)."""

    def forward(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{np.shape(a)} and {np.shape(b)}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not line up "
                             f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})")
        need_a, need_b = self.needs_input_grad
        batched = a.ndim != 2 or b.ndim != 2  # the shapes of both are needed then
        self.save(b if need_a or batched else None, a if need_b or batched else None)
        return a @ b

    def backward(self, g, b, a):
        need_a, need_b = self.needs_input_grad
        if a is None or b is None or (a.ndim == 2 and b.ndim == 2):  # no reshaping
            return (g @ b.T if need_a else None, a.T @ g if need_b else None)
        # Promote 1-D operands to matrices, as matmul itself does, then undo it.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:])
        if b.ndim == 1:
            g2 = g2.reshape(g2.shape + (1,))
        ga = unbroadcast(g2 @ swap_last(b2), a2.shape).reshape(a.shape) if need_a else None
        gb = unbroadcast(swap_last(a2) @ g2, b2.shape).reshape(b.shape) if need_b else None
        return ga, gb
