"""The engine's sparse gradient: what a basic index ``x[i]`` sends back to ``x``.

``autograd`` runs it (and re-exports it: ``from tinygrad_acts.autograd import IndexedGrad``);
it lives here, on numpy alone, so the engine's own files stay within their line budget.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class IndexedGrad:
    """A gradient that is zero except at a few basic indices: what ``x[i]`` sends back.

    ``for row in x`` makes one such gradient per row; summing them as dense arrays would
    cost O(rows^2), so the engine keeps the (index, values) parts and writes them into one
    array when the gradient is used: linear in the number of rows. Engine-owned: ``add``
    extends it in place.
    """

    __slots__ = ("shape", "dtype", "parts")

    def __init__(self, shape: tuple, dtype: np.dtype, parts: list) -> None:
        self.shape, self.dtype, self.parts = shape, dtype, parts

    def add(self, other: Any) -> Any:
        if type(other) is IndexedGrad:
            self.parts.extend(other.parts)
            return self
        out = np.array(np.broadcast_to(other, self.shape), dtype=np.result_type(
            self.dtype, other), copy=True)
        for index, values in self.parts:
            _accumulate(out, index, values)
        return out

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.dtype)
        for index, values in self.parts:
            _accumulate(out, index, values)
        return out

    def __neg__(self) -> IndexedGrad:
        return IndexedGrad(self.shape, self.dtype, [(i, -v) for i, v in self.parts])

    def __mul__(self, k: Any) -> IndexedGrad:  # by a number
        return IndexedGrad(self.shape, self.dtype, [(i, v * k) for i, v in self.parts])

    __rmul__ = __mul__


def _accumulate(out: np.ndarray, index: Any, values: Any) -> None:
    """out[index] += values; an index array may repeat (embedding rows): add.at sums them."""
    if type(index) is np.ndarray:
        np.add.at(out, index, values)
    else:
        out[index] += values
