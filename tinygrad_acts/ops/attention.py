"""Attention rules: scaled dot-product attention as one fused node.

``F.scaled_dot_product_attention`` (api/attention.py) checks the arguments, turns
``is_causal`` into a bool mask, repeats key and value heads for grouped-query attention and
draws the dropout mask from the package generator; ``Attention`` does the math and its
closed-form backward. The rows close the file.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import is_tensor, swap_last, unbroadcast
from .indexing import where
from .spec import lib, row


def scores(q: Any, k: Any, mask: Any, keep: Any, scale: float) -> Any:
    """s = q k^T * scale + mask, plus -inf where ``keep`` (a bool mask) is False (added, as
    torch's: a masked +inf or nan score makes its row nan); arrays or Tensors."""
    s = (q @ swap_last(k)) * scale
    if mask is not None:
        s = s + mask
    if keep is None:
        return s
    data = s._array if is_tensor(s) else s
    return s + np.where(keep, data.dtype.type(0), data.dtype.type(-np.inf))


def probs(s: Any) -> Any:
    """softmax(s) over the last dim, 0 on a row that is all -inf (torch's safe softmax).

    NOTE: the row max is taken as 0 on such a row, so every e^(s - max) is e^-inf = 0 and
    the row sum is 0: dividing by 1 there gives the zero row instead of 0 / 0 = nan. The
    max of an empty row (no keys) is -inf too (``initial``), so no keys give zeros.
    """
    data = s._array if is_tensor(s) else s
    top = data.max(axis=-1, keepdims=True, initial=-np.inf)
    empty = top == -np.inf
    if is_tensor(s):  # create_graph: the dead rows are constants (their slope is 0)
        return where(empty, 0.0, where(empty, 0.0, s).softmax(-1))
    # NOTE: s is a temporary (scores' output): shifted and exponentiated in its own memory
    with np.errstate(under="ignore", invalid="ignore"):  # (inf - inf: nan, as torch's)
        e = np.subtract(s, np.where(empty, 0.0, top), out=s)
        np.exp(e, out=e)
    total = e.sum(axis=-1, keepdims=True)
    e /= np.where(total == 0, 1, total)
    return e


def softmax_grad(p: Any, dp: Any) -> Any:
    """dS = P (dP - sum(dP P, -1)), the softmax's backward; on arrays in dP's memory (a
    temporary of backward: the same operations, so the same bits)."""
    if is_tensor(p) or is_tensor(dp):
        return p * (dp - (dp * p).sum(axis=-1, keepdims=True))
    dp -= (dp * p).sum(axis=-1, keepdims=True)
    dp *= p
    return dp


class Attention(Function):
    """sdpa: P = softmax(q k^T * scale + mask) (-inf where ``keep`` is False), y = (P d) v
    with d the dropout mask (kept / (1 - p), or 1); dv = (P d)^T g, dP = (g v^T) d,
    dS = P (dP - sum(dP P, -1)), dq = dS k * scale, dk = dS^T q * scale, dmask = dS
    (each summed back over the dims it was broadcast along).

    NOTE: P is saved (the softmax is the costly part); under create_graph it is recomputed
    from the Tensors q, k and mask, so second derivatives see its dependence on them. On
    arrays dP becomes dS in its own memory (``softmax_grad``): no score-sized temporaries
    but one.
    """

    def forward(self, q, k, v, mask=None, *, keep, scale, drop):
        p = probs(scores(q, k, mask, keep, scale))
        self.save(q, k, v, mask, keep, scale, drop, p)
        return (p if drop is None else p * drop) @ v

    def backward(self, g, q, k, v, mask, keep, scale, drop, p):
        needs = self.needs_input_grad
        if is_tensor(q):
            p = probs(scores(q, k, mask, keep, scale))
        pd = p if drop is None else p * drop
        gv = unbroadcast(swap_last(pd) @ g, v.shape) if needs[2] else None
        dp = g @ swap_last(v)
        if drop is not None:
            dp = dp * drop if is_tensor(dp) else np.multiply(dp, drop, out=dp)
        ds = softmax_grad(p, dp)
        gq = unbroadcast(ds @ k, q.shape) * scale if needs[0] else None
        gk = unbroadcast(swap_last(ds) @ q, k.shape) * scale if needs[1] else None
        if len(needs) == 3:
            return gq, gk, gv
        return gq, gk, gv, unbroadcast(ds, mask.shape) if needs[3] else None


# --- the rows: plain, scaled, causal, bool and float masks, broadcast batch dims --------------


def _sdpa(x: Any) -> Any:
    return lib(x).nn.functional.scaled_dot_product_attention


def _ref(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: Any = 0.0,
         scale: float | None = None) -> np.ndarray:
    s = q @ np.swapaxes(k, -1, -2) * (scale or 1 / np.sqrt(q.shape[-1])) + mask
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True) @ v


# a bool mask (True takes part) with a row of one key only, and the causal one
KEEP = np.array([[True, False, True, True, False], [False, False, True, False, False],
                 [True, True, True, True, True]])
CAUSAL = np.tril(np.ones((3, 5), bool))
QKV = ((2, 3, 4), (2, 5, 4), (2, 5, 3))

row("scaled_dot_product_attention", Attention, lambda q, k, v: _sdpa(q)(q, k, v), _ref,
    QKV, ((2, 2, 3, 2), (2, 2, 4, 2), (2, 2, 4, 3)), ((3, 4), (5, 4), (5, 2)), torch=True)
row("scaled_dot_product_attention(scale)", Attention,
    lambda q, k, v: _sdpa(q)(q, k, v, scale=0.7), lambda q, k, v: _ref(q, k, v, scale=0.7),
    QKV, torch=True)
row("scaled_dot_product_attention(is_causal)", Attention,
    lambda q, k, v: _sdpa(q)(q, k, v, is_causal=True),
    lambda q, k, v: _ref(q, k, v, np.where(CAUSAL, 0.0, -np.inf)), QKV, torch=True)
row("scaled_dot_product_attention(bool mask)", Attention,
    lambda q, k, v: _sdpa(q)(q, k, v, attn_mask=lib(q).tensor(KEEP)),
    lambda q, k, v: _ref(q, k, v, np.where(KEEP, 0.0, -np.inf)), QKV, torch=True)
row("scaled_dot_product_attention(float mask)", Attention,
    lambda q, k, v, m: _sdpa(q)(q, k, v, attn_mask=m), lambda q, k, v, m: _ref(q, k, v, m),
    (*QKV, (3, 5)), ((1, 2, 4), (2, 3, 4), (2, 3, 2), (2, 1, 3)), torch=True)
