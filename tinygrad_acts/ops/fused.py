"""Fused nodes: one node where a chain of primitives would cost more time or precision.

linear (x @ W^T + b), cross_entropy (log_softmax + nll), nll_loss, binary_cross_entropy and
binary_cross_entropy_with_logits. Each has a stable forward and its textbook gradient
written out. ``functional.py`` checks the arguments and calls these.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import expand, is_tensor
from .indexing import scatter

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
        self.save(x if need_w else None, w if need_x or need_w else None)
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g, x, w):
        needs = self.needs_input_grad
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gx = g @ w if needs[0] else None
        gw = None
        if needs[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            # NOTE: nn.Linear stores W column-major (W.T is a plain (in, out) array, so the
            # forward x @ W.T is BLAS's fastest case); the gradient comes in the same layout
            # so the optimizer's update runs on contiguous memory.
            column_major = type(w) is np.ndarray and w.flags.f_contiguous and w.ndim == 2
            gw = (x2.T @ g2).T if column_major else g2.T @ x2
        if len(needs) == 2:
            return gx, gw
        return gx, gw, g2.sum(axis=0) if needs[2] else None


# --- losses: cross_entropy / nll_loss / binary_cross_entropy(_with_logits) --------------------


def _total(losses: np.ndarray, reduction: str, dtype: np.dtype) -> np.ndarray:
    """Sum or mean of per-sample losses as a 0-d array (sum / n: ndarray.mean costs 4x more
    on a batch of 100)."""
    total = losses.sum()
    if reduction == "sum":
        return np.asarray(total, dtype)
    with np.errstate(invalid="ignore"):  # NOTE: the mean of no losses is nan, as in torch
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

    def forward(self, x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
        n, c = x.shape
        # flat index of each row's target score: a take in forward, a cheap in-place
        # subtraction in backward (2-D fancy indexing costs twice as much)
        picks = np.arange(0, n * c, c) + target.astype(np.intp, copy=False)
        # NOTE: subtracting the row max keeps every e^z <= 1 (no overflow for logits like
        # 1e4); tiny e^z underflow to 0, which is the right answer, so that is not an error.
        z = np.subtract(x, _row_max(x)[:, None], order="C")  # C order: picks index it flat
        picked = z.take(picks)
        with np.errstate(under="ignore"):
            np.exp(z, out=z)
        totals = _row_sum(z)  # softmax = exps / totals, formed in backward
        self.save(x, z, totals, picks, reduction)
        losses = np.log(totals) - picked
        return losses if reduction == "none" else _total(losses, reduction, x.dtype)

    def backward(self, g: Any, x: Any, exps: Any, totals: Any, picks: Any,
                 reduction: str) -> Any:
        # g / N for the mean; for reduction='none', g holds one scale per row
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = g / len(picks) if reduction == "mean" else g
        if is_tensor(x):  # create_graph: keep the graph through softmax
            onehot = np.zeros(x.shape, dtype=x.dtype)
            onehot.reshape(-1)[picks] = 1
            return (x.softmax(-1) - onehot) * (scale.reshape(-1, 1) if scale.ndim else scale)
        # NOTE: the softmax's division and the scaling are one multiplication per element
        grad = exps * (scale / totals)[:, None]
        grad.reshape(-1)[picks] -= scale
        return grad


class NLL(Function):
    """nll_loss: l_i = -x_i[t_i]; dx = -g at (i, t_i), 0 elsewhere (/ N for the mean)."""

    def forward(self, x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
        self.save(target, reduction, x.shape)
        losses = -x[np.arange(len(target)), target]
        if reduction == "none":
            return losses
        return _total(losses, reduction, x.dtype)

    def backward(self, g: Any, target: Any, reduction: str, shape: tuple) -> Any:
        n = len(target)
        scale = g / n if reduction == "mean" else g
        return scatter(expand(-scale, (n,)), (np.arange(n), target), shape)


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
    """bce_with_logits: l = (1 - t) softplus(x) + w t softplus(-x); dx = sigmoid(x) - t (w = 1).

    NOTE: softplus(-x) = softplus(x) - x, so logits like +-1e4 give exact, finite losses.
    """

    def forward(self, x: np.ndarray, t: np.ndarray, pos_weight: Any = None) -> np.ndarray:
        self.save(x, t, pos_weight)
        sp = _softplus(x)
        if pos_weight is None:
            return sp - x * t
        return (1 - t) * sp + pos_weight * t * (sp - x)

    def backward(self, g: Any, x: Any, t: Any, w: Any) -> Any:
        need_x, need_t = self.needs_input_grad
        gx = gt = None
        if need_x:
            s = _sigmoid(x)
            gx = g * (s - t) if w is None else g * (s * (w * t + 1 - t) - w * t)
        if need_t:
            if w is None:
                gt = -g * x
            else:
                sp = _softplus(x)
                gt = g * (w * (sp - x) - sp)
        return gx, gt
