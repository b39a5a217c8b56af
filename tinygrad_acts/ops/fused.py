"""Fused nodes: one node where a chain of primitives would cost more time or precision.

linear (x @ W^T + b), cross_entropy (log_softmax + nll), nll_loss, binary_cross_entropy and
binary_cross_entropy_with_logits; then the functional ops that are one node each: pad
(constant, and reflect / replicate / circular by index), embedding, normalize,
cosine_similarity, pairwise_distance and glu. Each has a stable forward and its textbook
gradient written out. ``functional.py`` checks the arguments and calls these; the rows of
the functional ops close the file (those of the first losses are in ``table.py``).
"""
from __future__ import annotations

import functools
import math
import sys
from typing import Any

import numpy as np

from ..autograd import Function, IndexedGrad
from .helpers import expand, is_tensor, shape_of, torch_sign, unbroadcast
from .indexing import scatter, where
from .shape import DependsOn
from .spec import lib, row

# --- linear -----------------------------------------------------------------------------------


class Linear(Function):
    """y = x @ W^T + b (PyTorch's layout, W is (out, in)); dx = g @ W, dW = g^T @ x, db = sum g.

    One node instead of three (transpose, matmul, add): the layer every model uses most.
    """

    def forward(self, x, w, b=None):
        if x.shape[-1:] != w.shape[1:]:
            raise ValueError(f"linear: input of shape {x.shape} does not fit a weight of shape "
                             f"{w.shape} (expected input (*, {w.shape[1]}))")
        need_x, need_w = self.needs_input_grad[:2]
        self.save(x if need_w else None, w if need_x else None)  # as torch's addmm
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g, x, w):
        needs = self.needs_input_grad
        gx = g @ w if needs[0] else None
        # NOTE: explicit row counts, not -1: an empty batch (or 0 features) cannot infer one,
        # and its gradients are zeros, as torch's
        g2 = g if g.ndim == 2 else g.reshape(math.prod(g.shape[:-1]), g.shape[-1])
        if needs[1]:
            x2 = x if x.ndim == 2 else x.reshape(math.prod(x.shape[:-1]), x.shape[-1])
            gw = g2.T @ x2
        else:
            gw = None
        if len(needs) == 2:
            return gx, gw
        return gx, gw, _col_sum(g2) if needs[2] else None


def _col_sum(g: Any) -> Any:
    """The bias gradient: g summed over its rows. NOTE: for arrays, a vector-matrix product
    with ones (BLAS) is several times faster than ``sum(axis=0)`` on a batch of rows."""
    return g.sum(axis=0) if is_tensor(g) or not g.shape[0] else _ones(g.shape[0], g.dtype) @ g


# --- losses: cross_entropy / nll_loss / binary_cross_entropy(_with_logits) --------------------


def _total(losses: np.ndarray, reduction: str, dtype: np.dtype) -> np.ndarray:
    """Sum or mean of per-sample losses as a 0-d array (sum / n: ndarray.mean costs 4x more
    on a batch of 100)."""
    total = losses.sum()
    if reduction == "sum":
        return np.asarray(total, dtype)
    if not len(losses):  # NOTE: the mean of no losses is nan, as in torch
        return np.asarray(np.nan, dtype)
    return np.asarray(total / len(losses), dtype)


def _row_max(x: np.ndarray) -> np.ndarray:
    """Each row's max of a 2-D array. NOTE: numpy reduces short rows slowly (5 µs for 100
    rows of 10 classes); for narrow rows, reducing a transposed copy down its columns runs
    as a few whole-row maximums, 3x faster."""
    return x.T.copy().max(axis=0) if x.shape[1] <= 32 else x.max(axis=1)


def _row_sum(x: np.ndarray) -> np.ndarray:
    """Each row's sum of a 2-D array, as a matrix-vector product: BLAS does it 2-10x faster
    than ``sum(axis=1)`` for the shapes of a classifier's scores."""
    return x @ _ones(x.shape[1], x.dtype)


@functools.lru_cache(maxsize=32)
def _row_starts(n: int, c: int) -> np.ndarray:
    """The flat index of each row's first element in an (n, c) array: 0, c, 2c, ...
    (made once per shape and shared, like ``_ones``: a training loop asks for the same
    batch shape at every step)."""
    starts = np.arange(0, n * c, c, dtype=np.intp)
    starts.flags.writeable = False
    return starts


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False  # shared between calls
    return ones


class CrossEntropy(Function):
    """cross_entropy: l_i = logsumexp(x_i) - x_i[t_i]; dx = (softmax(x) - onehot(t)) * g / N.

    One fused node for log_softmax + nll: the exponentials and row sums computed in forward
    are reused by backward, and the gradient is the book's (labels - prediction) / batch
    with the sign of a descent step. Under create_graph the softmax is recomputed from the
    saved logits as a Tensor, so second derivatives are right.
    """

    def forward(self, x: np.ndarray, target: np.ndarray, reduction: str,
                out_shape: tuple | None = None) -> np.ndarray:
        n, c = x.shape
        # flat index of each row's target score: a take in forward, a cheap in-place
        # subtraction in backward (2-D fancy indexing costs twice as much)
        picks = _row_starts(n, c) + target.astype(np.intp, copy=False)
        # NOTE: subtracting the row max keeps every e^z <= 1 (no overflow for logits like
        # 1e4); tiny e^z underflow to 0, which is the right answer, so that is not an error.
        z = np.subtract(x, _row_max(x)[:, None], order="C")  # C order: picks index it flat
        picked = z.take(picks)
        with np.errstate(under="ignore"):
            np.exp(z, out=z)
        totals = _row_sum(z)  # softmax = exps / totals, formed in backward
        self.save(x, z, totals, picks, reduction)
        losses = np.log(totals)
        losses -= picked  # (in place: one temporary fewer, the same rounding)
        if reduction == "none":  # NOTE: shaped here, so the result is not a view of a node's
            return losses if out_shape is None else losses.reshape(out_shape)
        return _total(losses, reduction, x.dtype)

    def backward(self, g: Any, x: Any, exps: Any, totals: Any, picks: Any,
                 reduction: str) -> Any:
        # g / N for the mean (any scale for no rows: their gradient is empty); for
        # reduction='none', g holds one scale per row
        scale = g / (len(picks) or 1) if reduction == "mean" else g
        scale = scale.reshape(-1) if reduction == "none" else scale
        if is_tensor(x):  # create_graph: keep the graph through softmax
            onehot = np.zeros(x.shape, dtype=x.dtype)
            onehot.reshape(-1)[picks] = 1
            return (x.softmax(-1) - onehot) * (scale.reshape(-1, 1) if scale.ndim else scale)
        # NOTE: the softmax's division and the scaling are one multiplication per element
        grad = exps * (scale / totals)[:, None]
        grad.reshape(-1)[picks] -= scale
        return grad


class NLL(Function):
    """nll_loss: l_i = -r_i x_i[t_i] with row weights r_i = w[t_i] (0 for an ignored row;
    1 without weights); dx = -g r_i at (i, t_i), 0 elsewhere; the mean divides by sum(r)
    (N without weights), as torch's weighted mean."""

    def forward(self, x: np.ndarray, target: np.ndarray, reduction: str, r: Any = None,
                out_shape: tuple | None = None) -> np.ndarray:
        # NOTE: x is kept though the rule reads only its shape: torch's nll_loss keeps it, so
        # changing x in place before backward raises, and a create_graph gradient depends on x
        self.save(target, reduction, x.shape, r, x)
        losses = -x[np.arange(len(target)), target]  # a fresh array: no view of x
        if r is not None:
            losses *= r
        if reduction == "none":
            return losses if out_shape is None else losses.reshape(out_shape)
        if r is None:
            return _total(losses, reduction, x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):  # NOTE: 0 / 0 is nan, as torch
            return np.asarray(losses.sum() / (r.sum() if reduction == "mean" else 1), x.dtype)

    def backward(self, g: Any, target: Any, reduction: str, shape: tuple, r: Any,
                 x: Any) -> Any:
        n = len(target)
        with np.errstate(invalid="ignore", divide="ignore"):
            denom = n if r is None else r.sum()  # NOTE: all ignored: zero grads, as torch
            scale = (g / denom if denom else g * 0.0) if reduction == "mean" else g
        rows = expand(-scale, (n,)) if reduction != "none" else -scale.reshape(n)
        with np.errstate(invalid="ignore"):  # NOTE: every row ignored: inf * 0, nan as torch
            return scatter(rows if r is None else rows * r, (np.arange(n), target), shape)


class BinaryCrossEntropy(Function):
    """bce: l = -(t log p + (1 - t) log(1 - p)); dp = g (p - t) / (p (1 - p)).

    NOTE: as in PyTorch, each log is clamped at -100, so p = 0 or 1 gives a finite loss,
    and the denominator p (1 - p) is kept >= 1e-12, so the gradient stays finite too.
    """

    @staticmethod
    def _logs(p: Any) -> tuple[Any, Any]:
        if is_tensor(p):
            return np.maximum(p.log(), -100.0), np.maximum((1 - p).log(), -100.0)
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(p), -100.0), np.maximum(np.log(1 - p), -100.0)

    def forward(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        self.save(p, t)
        log_p, log_q = self._logs(p)
        return -(t * log_p + (1 - t) * log_q)

    def backward(self, g: Any, p: Any, t: Any) -> Any:
        need_p, need_t = self.needs_input_grad
        gp = gt = None
        if need_p:
            gp = g * (p - t) / np.maximum(p * (1 - p), 1e-12)
        if need_t:
            log_p, log_q = self._logs(p)
            gt = g * (log_q - log_p)
        return gp, gt


def _softplus(x: Any) -> Any:
    """log(1 + e^x) for arrays and Tensors. NOTE: max(x, 0) + log1p(e^-|x|) never
    exponentiates a positive number, so logits like +-1e4 are exact."""
    if is_tensor(x):
        return x.softplus()
    with np.errstate(under="ignore"):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x: Any) -> Any:
    if is_tensor(x):
        return x.sigmoid()
    # NOTE: two branches from e = exp(-|x|) <= 1, so nothing overflows
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


class BCEWithLogits(Function):
    """bce_with_logits: l = (1 - t) x + (1 + (w - 1) t) softplus(-x); dx = sigmoid(x) - t
    (w = 1), (w t + 1 - t) sigmoid(x) - w t in general; dt = -x (w = 1), else
    w softplus(-x) - softplus(x).

    NOTE: softplus(-x) = -log sigmoid(x) never exponentiates a positive number, so logits
    like +-1e4 give exact, finite losses; at x = +-inf the loss is torch's (inf or nan, as
    (1 - t) x is) and the gradient is finite, as torch's.
    """

    def forward(self, x: np.ndarray, t: np.ndarray, pos_weight: Any = None) -> np.ndarray:
        self.save(x, t, pos_weight)
        sp = _softplus(-x)
        with np.errstate(invalid="ignore"):  # NOTE: 0 * inf at x = +-inf is nan, as torch
            return (1 - t) * x + (sp if pos_weight is None else (1 + (pos_weight - 1) * t) * sp)

    def backward(self, g: Any, x: Any, t: Any, w: Any) -> Any:
        need_x, need_t = self.needs_input_grad
        gx = gt = None
        if need_x:
            s = _sigmoid(x)
            gx = g * (s - t) if w is None else g * (s * (w * t + 1 - t) - w * t)
        if need_t:
            with np.errstate(invalid="ignore"):
                gt = -g * x if w is None else g * (w * _softplus(-x) - _softplus(x))
        return gx, gt


# --- functional: pad / embedding / normalize / cosine_similarity / pairwise_distance / glu ----


class PadConstant(Function):
    """F.pad, constant mode: y = x inside a border of ``value`` (a negative width crops);
    dx = g's interior, the part that came from x.

    ``src`` / ``dst`` are per-dim slices: y[dst] = x[src].
    """

    def forward(self, x: np.ndarray, out_shape: tuple, src: tuple, dst: tuple,
                value: Any) -> np.ndarray:
        self.save(x.shape, src, dst)
        y = np.full(out_shape, value, dtype=x.dtype)
        y[dst] = x[src]
        return y

    def backward(self, g: Any, in_shape: tuple, src: tuple, dst: tuple) -> Any:
        return scatter(g[dst], src, in_shape)


class PadIndexed(Function):
    """F.pad, reflect / replicate / circular modes: y = x[idx_d] along each padded dim d
    (one index array per dim, made by the caller); dx = g summed back into x's positions.

    NOTE: the backward adds each dim's gradient into the positions it was read from
    (np.add.at on x's size along that dim): linear in the output's size, no dense map.
    """

    def forward(self, x: np.ndarray, index: tuple) -> np.ndarray:
        # (the index arrays saved as values: the node is freed after a backward, as torch's;
        # and x, as torch keeps it: a create_graph gradient depends on it)
        self.save(x.shape, tuple(d for d, _ in index), tuple(idx for _, idx in index), x)
        for d, idx in index:
            x = x[(slice(None),) * d + (idx,)]
        return np.asarray(x, order="C")  # torch's result is contiguous (view() works on it)

    def backward(self, g: Any, in_shape: tuple, dims: tuple, picks: tuple, x: Any) -> Any:
        for d, idx in reversed(list(zip(dims, picks))):
            shape = (*g.shape[:d], in_shape[d], *g.shape[d + 1:])
            g = scatter(g, (slice(None),) * d + (idx,), shape)
        return g


class Embedding(Function):
    """F.embedding: y = W[idx] (one row of the table per index); dW = zeros with each g row
    added into the table row it came from, except ``padding_idx``'s, divided by the index's
    count in the batch with ``scale_grad_by_freq``.

    NOTE: the gradient is accumulated with np.add.at on the indices: linear in their number
    (repeated indices add up), never a dense one-hot of indices x table rows.
    """

    def forward(self, w: np.ndarray, idx: np.ndarray, padding_idx: Any,
                scale_grad_by_freq: bool) -> np.ndarray:
        self.save(idx, w.shape, padding_idx, scale_grad_by_freq)
        return w.take(idx, axis=0)

    def backward(self, g: Any, idx: Any, shape: tuple, padding_idx: Any, by_freq: bool) -> Any:
        flat = idx.reshape(-1)
        rows = g.reshape(flat.size, shape[1])
        if padding_idx is not None or by_freq:
            scale = np.ones(flat.size, g.dtype)
            if by_freq:
                scale /= np.bincount(flat, minlength=shape[0])[flat]
            if padding_idx is not None:
                scale[flat == padding_idx] = 0
            rows = rows * scale[:, None]
        if is_tensor(rows):
            return scatter(rows, flat, shape)
        # NOTE: kept sparse (the engine adds the rows into one table-sized array when the
        # gradient is used): k lookups of one table cost one dense array, not k
        return IndexedGrad(shape, rows.dtype, [(flat, rows)])


def _norm(u: Any, p: float, dim: Any) -> Any:
    """The p-norm of arrays or Tensors along ``dim``, keepdim (p = 0 counts nonzeros)."""
    a = np.abs(u)
    if p == 2:
        return np.sqrt((u * u).sum(axis=dim, keepdims=True))
    if p == 1:
        return a.sum(axis=dim, keepdims=True)
    if p == np.inf:
        return a.amax(dim, keepdim=True) if is_tensor(a) else a.max(axis=dim, keepdims=True)
    if p == 0:
        return (a != 0).sum(axis=dim, keepdims=True).astype(u.dtype)
    return (a ** p).sum(axis=dim, keepdims=True) ** (1 / p)


def _dnorm(u: Any, n: Any, p: float, dim: Any) -> Any:
    """d norm / du, for ``n = _norm(u, p, dim)``. NOTE: 0 where the norm is 0 (torch's
    subgradient); for p = inf the slope is shared evenly by the tied maxima."""
    sign = torch_sign(u._array if is_tensor(u) else u)
    if p in (0, 1):
        return sign * (p == 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if p == np.inf:
            top = np.abs(u._array if is_tensor(u) else u) == (n._array if is_tensor(n) else n)
            # (the tie count is an integer array: keep u's float dtype)
            return sign * top / top.sum(axis=dim, keepdims=True).astype(sign.dtype)
        slope = u / n if p == 2 else sign * (np.abs(u) / n) ** (p - 1)
    return where((n == 0)._array if is_tensor(n) else n == 0, 0.0, slope)


class Normalize(Function):
    """F.normalize: y = x / max(||x||_p, eps) along dim;
    dx = (g - [||x|| >= eps] dnorm/dx sum(g x) / d) / d, d = max(||x||_p, eps).
    Backward recomputes the norm from x (so create_graph differentiates it too)."""

    def forward(self, x: np.ndarray, p: float, dim: Any, eps: float) -> np.ndarray:
        self.save(x, p, dim, eps)
        with np.errstate(under="ignore"):
            return x / np.maximum(_norm(x, p, dim), eps)

    def backward(self, g: Any, x: Any, p: float, dim: Any, eps: float) -> Any:
        n = _norm(x, p, dim)
        d = np.maximum(n, eps)
        # NOTE: below eps the denominator is the constant eps: no gradient through the norm
        inner = _dnorm(x, n, p, dim) * ((g * x).sum(axis=dim, keepdims=True) / d)
        return (g - where((n >= eps)._array if is_tensor(n) else n >= eps, inner, 0.0)) / d


class CosineSimilarity(Function):
    """F.cosine_similarity (torch 2.13's): y = sum(u1 u2, dim), u_i = x_i / max(||x_i||, eps);
    dx1 = g (u2 - y x1 / ||x1||) / max(||x1||, eps), dx2 likewise (x1 / ||x1|| is 0 at 0).

    NOTE: as torch's, the slope through a norm below eps is kept (the eps only guards the
    division), so tiny vectors get the same direction-correcting term as large ones.
    """

    def forward(self, a: np.ndarray, b: np.ndarray, dim: int, eps: float) -> np.ndarray:
        self.save(a, b, dim, eps)
        with np.errstate(under="ignore"):
            na, nb = (np.maximum(_norm(v, 2, dim), eps) for v in (a, b))
            return ((a / na) * (b / nb)).sum(axis=dim)

    def backward(self, g: Any, a: Any, b: Any, dim: int, eps: float) -> Any:
        ns = [_norm(v, 2, dim) for v in (a, b)]
        us = [v / np.maximum(n, eps) for v, n in zip((a, b), ns)]
        y = (us[0] * us[1]).sum(axis=dim, keepdims=True)
        g = g.reshape(y.shape)
        grads = [g * (us[1 - i] - y * _dnorm(v, ns[i], 2, dim)) / np.maximum(ns[i], eps)
                 for i, v in enumerate((a, b))]
        return tuple(unbroadcast(gr, shape_of(v)) if need else None
                     for gr, v, need in zip(grads, (a, b), self.needs_input_grad))


class PairwiseDistance(Function):
    """F.pairwise_distance: y = ||x1 - x2 + eps||_p over the last dim; dx1 = g dnorm(u),
    dx2 = -dx1 (each summed back to its shape). NOTE: 0 where the distance is 0."""

    def forward(self, a: np.ndarray, b: np.ndarray, p: float, eps: float,
                keepdim: bool) -> np.ndarray:
        self.save(a, b, p, eps)
        n = _norm(a - b + eps, p, -1)
        return n if keepdim else n[..., 0]

    def backward(self, g: Any, a: Any, b: Any, p: float, eps: float) -> Any:
        u = a - b + eps
        n = _norm(u, p, -1)
        gu = g.reshape(n.shape) * _dnorm(u, n, p, -1)
        tracked = [v for v in (a, b) if is_tensor(v) and v.requires_grad]
        if is_tensor(gu) and tracked:  # NOTE: p = 1's sign(u) reads u, as torch's graph
            gu = DependsOn.apply(gu, *tracked)
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(gu, shape_of(a)) if need_a else None,
                unbroadcast(-gu, shape_of(b)) if need_b else None)


class Glu(Function):
    """F.glu: x split in halves a, b along dim; y = a sigmoid(b);
    da = g sigmoid(b), db = g a sigmoid(b) (1 - sigmoid(b))."""

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        self.save(x, dim)
        a, b = np.split(x, 2, axis=dim)
        return a * _sigmoid(b)

    def backward(self, g: Any, x: Any, dim: int) -> Any:
        h = x.shape[dim] // 2
        a, b = (x[(slice(None),) * dim + (part,)] for part in (slice(0, h), slice(h, None)))
        s = _sigmoid(b)
        return np.concatenate([g * s, g * a * s * (1 - s)], axis=dim)


# --- the rows of the functional ops -------------------------------------------------------------


def F(x: Any) -> Any:
    """torch.nn.functional or tinygrad_acts.functional, for the library of tensor ``x``, so
    a row's fn runs on both: ``lambda a: F(a).pad(a, (1, 2))``."""
    mod = lib(x)
    return getattr(mod.nn, "functional", None) or sys.modules[mod.__name__ + ".functional"]


# repeated indices: their rows' gradients add up. (padding_idx and scale_grad_by_freq are
# not rows: their gradients differ from the function's on purpose; tests/test_functional_ops.py
# checks them against torch.)
EMB_IDX = np.array([[0, 3, 3], [4, 0, 1]])


def _pad_ref(x: np.ndarray, widths: list, mode: str) -> np.ndarray:
    mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    return np.pad(x, [(0, 0)] * (x.ndim - len(widths)) + widths, mode=mode)  # type: ignore


def _norm_ref(x: np.ndarray, p: float, axis: int) -> np.ndarray:
    return (np.abs(x) ** p).sum(axis, keepdims=True) ** (1 / p)


row("pad(constant)", PadConstant, lambda a: F(a).pad(a, (1, 2, 0, 1), value=0.5),
    lambda a: np.pad(a, [(0, 0)] * (a.ndim - 2) + [(0, 1), (1, 2)], constant_values=0.5),
    ((3, 4),), ((2, 3, 4),), torch=True)
row("pad(negative)", PadConstant, lambda a: F(a).pad(a, (-1, 2, 1, -2)),
    lambda a: np.pad(a, [(1, 0), (0, 2)])[:-2, 1:], ((3, 4),), torch=True)
row("pad(reflect)", PadIndexed, lambda a: F(a).pad(a, (1, 2, 1, 0), mode="reflect"),
    lambda a: _pad_ref(a, [(1, 0), (1, 2)], "reflect"), ((1, 3, 4),), torch=True)
row("pad(replicate)", PadIndexed, lambda a: F(a).pad(a, (2, 1), mode="replicate"),
    lambda a: _pad_ref(a, [(2, 1)], "replicate"), ((2, 3, 4),), ((3, 4),), torch=True)
row("pad(circular)", PadIndexed, lambda a: F(a).pad(a, (1, 3, 2, 0), mode="circular"),
    lambda a: _pad_ref(a, [(2, 0), (1, 3)], "circular"), ((1, 3, 4),), torch=True)
row("embedding", Embedding, lambda w: F(w).embedding(lib(w).tensor(EMB_IDX), w),
    lambda w: w[EMB_IDX], ((5, 3),), smooth=False, torch=True)
row("normalize", Normalize, lambda a: F(a).normalize(a),
    lambda a: a / _norm_ref(a, 2, 1), ((3, 4),), ((2, 3, 4),), torch=True)
row("normalize(p=1, dim=0)", Normalize, lambda a: F(a).normalize(a, p=1, dim=0),
    lambda a: a / _norm_ref(a, 1, 0), ((3, 4),), domain=("nonzero",), kinks=(0.0,),
    smooth=False, torch=True)
row("normalize(p=3, dim=-1)", Normalize, lambda a: F(a).normalize(a, p=3.0, dim=-1),
    lambda a: a / _norm_ref(a, 3, -1), ((3, 4),), domain=("nonzero",), torch=True)


def _cos_ref(a: np.ndarray, b: np.ndarray, dim: int) -> np.ndarray:
    a, b = np.broadcast_arrays(a, b)
    return (a * b).sum(dim) / np.sqrt((a * a).sum(dim) * (b * b).sum(dim))


row("cosine_similarity", CosineSimilarity, lambda a, b: F(a).cosine_similarity(a, b),
    lambda a, b: _cos_ref(a, b, 1),
    ((3, 4), (3, 4)), ((2, 4, 1), (4, 3)), torch=True)
row("cosine_similarity(dim=-1)", CosineSimilarity,
    lambda a, b: F(a).cosine_similarity(a, b, dim=-1),
    lambda a, b: _cos_ref(a, b, -1),
    ((2, 3, 4), (3, 4)), torch=True)
row("pairwise_distance", PairwiseDistance, lambda a, b: F(a).pairwise_distance(a, b),
    lambda a, b: np.sqrt(((a - b + 1e-6) ** 2).sum(-1)), ((3, 4), (3, 4)), ((3, 4), (4,)),
    torch=True)
row("pairwise_distance(p=1, keepdim)", PairwiseDistance,
    lambda a, b: F(a).pairwise_distance(a, b / 25, p=1.0, keepdim=True),
    lambda a, b: np.abs(a - b / 25 + 1e-6).sum(-1, keepdims=True), ((3, 4), (3, 4)),
    domain=("nonzero", "real"), smooth=False, torch=True)
row("glu", Glu, lambda a: F(a).glu(a), lambda a: a[:, :2] / (1 + np.exp(-a[:, 2:])),
    ((3, 4),), torch=True)
row("glu(dim=0)", Glu, lambda a: F(a).glu(a, dim=0),
    lambda a: a[:2] / (1 + np.exp(-a[2:])), ((4, 3),), ((4,),), torch=True)
