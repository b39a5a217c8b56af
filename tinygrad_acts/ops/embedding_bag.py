"""embedding_bag: one node per bag reduction of table rows ("sum" / "mean" and "max").

The caller (``F.embedding_bag``) turns its input into the flat list of indices that take
part (``padding_idx``'s left out) and the number of them in each bag, in order: bag b is
the run of ``counts[b]`` indices after the previous bags'. A node then gathers the rows,
reduces each run with one ``reduceat`` and, in backward, accumulates the gradient into the
table with one scatter over the indices: linear in their number, never a dense
indices x table one-hot.
"""
from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..autograd import Function
from .indexing import scatter
from .spec import lib, row


def _starts(counts: np.ndarray) -> np.ndarray:
    """Where each non-empty bag's run begins in the flat indices."""
    return (np.cumsum(counts) - counts)[counts > 0]


class EmbeddingBagSum(Function):
    """F.embedding_bag, mode "sum" / "mean": y[b] = sum_i c_i W[idx_i] over bag b's indices,
    with c_i = p_i (per_sample_weights; 1 without) for sum and 1 / counts[b] for mean;
    dW = zeros with c_i g[b] added into row idx_i (divided by idx_i's count in the batch
    with scale_grad_by_freq), dp_i = g[b] . W[idx_i].

    NOTE: empty bags are left out of the reduceat (it would give them the next row) and
    stay 0, as torch's. A mean divides the sum by the count (and g by it in backward), as
    torch does: (-2 + 1 + 1000) / 3 is 333, where times 1 / 3 it is 332.99999999999994.
    """

    def forward(self, w, p=None, *, idx, counts, mean, freq):
        bag = np.repeat(np.arange(counts.size), counts)
        needs = self.needs_input_grad
        self.save(w if len(needs) > 1 and needs[1] else None, p if needs[0] else None,
                  counts[bag, None].astype(w.dtype) if mean and needs[0] else None,
                  idx, bag, freq, w.shape)
        rows = w.take(idx, axis=0)
        if p is not None:
            rows *= p[:, None]
        out = np.zeros((counts.size, w.shape[1]), w.dtype)
        if idx.size:
            full = counts > 0
            out[full] = np.add.reduceat(rows, _starts(counts), axis=0)
            if mean:
                out[full] /= counts[full, None]
        return out

    def backward(self, g, w, p, count, idx, bag, freq, shape):
        needs = self.needs_input_grad
        gb = g[bag]
        gw = gp = None
        if needs[0]:
            rows = gb if p is None else gb * p[:, None]
            rows = rows if count is None else rows / count
            gw = scatter(rows if freq is None else rows / freq[:, None], idx, shape)
        if len(needs) == 1:
            return gw
        if needs[1]:
            gp = (gb * w[idx]).sum(-1)
        return gw, gp


class EmbeddingBagMax(Function):
    """F.embedding_bag, mode "max": y[b, d] = max_i W[idx_i, d] over bag b's indices (0 for
    an empty bag); dW[idx_win, d] += g[b, d] for the one index that wins column d.

    NOTE: ties go to the first index of the bag (torch's kernel keeps a max only when a
    later row is strictly greater), never split; a nan wins its column (np.maximum
    propagates it).
    """

    def forward(self, w, *, idx, counts):
        full = np.flatnonzero(counts > 0)
        out = np.zeros((counts.size, w.shape[1]), w.dtype)
        win = np.zeros((full.size, w.shape[1]), np.int64)
        if idx.size:
            starts, rows = _starts(counts), w.take(idx, axis=0)
            top = np.maximum.reduceat(rows, starts, axis=0)
            out[full] = top
            at = top[np.repeat(np.arange(full.size), counts[full])]
            first = np.where((rows == at) | (rows != rows), np.arange(idx.size)[:, None],
                             idx.size)
            win = idx[np.minimum.reduceat(first, starts, axis=0)]
        self.save(win, full, w.shape)
        return out

    def backward(self, g, win, full, shape):
        return scatter(g[full], (win, np.arange(shape[1])[None, :]), shape)


# --- rows -----------------------------------------------------------------------------------


def _F(x: Any) -> Any:
    """The library of ``x``'s functional module (``F.embedding_bag``)."""
    mod = lib(x)
    if mod.__name__ == "torch":
        return mod.nn.functional
    f = importlib.import_module(mod.__name__ + ".functional")
    # NOTE: until functional.py exports embedding_bag, it is nn/sparse.py's
    return f if hasattr(f, "embedding_bag") else importlib.import_module(
        mod.__name__ + ".nn.sparse")


# bags of 2, 0 (empty), 3 and 1 indices, with repeats: rows 3 and 0 collect from two bags
BAG_IDX = np.array([0, 3, 3, 4, 0, 1])
BAG_OFF = np.array([0, 2, 2, 5])
EMB2 = np.array([[0, 3, 1], [2, 2, 0]])  # a 2-d input: bags of equal length, no offsets


def _bag_ref(w: np.ndarray, reduce: Any, p: Any = None) -> np.ndarray:
    vals = w[BAG_IDX] if p is None else w[BAG_IDX] * p[:, None]
    runs = np.split(vals, BAG_OFF[1:])
    return np.stack([reduce(r, 0) if len(r) else np.zeros(w.shape[1]) for r in runs])


def _bag(w: Any, mode: str, p: Any = None) -> Any:
    t = lib(w).tensor
    return _F(w).embedding_bag(t(BAG_IDX), w, t(BAG_OFF), mode=mode, per_sample_weights=p)


row("embedding_bag(sum)", EmbeddingBagSum, lambda w: _bag(w, "sum"),
    lambda w: _bag_ref(w, np.sum), ((5, 3),), torch=True)
row("embedding_bag(mean)", EmbeddingBagSum, lambda w: _bag(w, "mean"),
    lambda w: _bag_ref(w, np.mean), ((5, 3),), torch=True)
row("embedding_bag(per_sample_weights)", EmbeddingBagSum, lambda w, p: _bag(w, "sum", p),
    lambda w, p: _bag_ref(w, np.sum, p), ((5, 3), (6,)), torch=True)
row("embedding_bag(max)", EmbeddingBagMax, lambda w: _bag(w, "max"),
    lambda w: _bag_ref(w, np.max), ((5, 3),), smooth=False, torch=True)
row("embedding_bag(2-d, max)", EmbeddingBagMax,
    lambda w: _F(w).embedding_bag(lib(w).tensor(EMB2), w, mode="max"),
    lambda w: w[EMB2].max(1), ((4, 2),), smooth=False, torch=True)
