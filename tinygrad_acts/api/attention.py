"""F.scaled_dot_product_attention (functional.py exports this module's __all__).

The function checks its arguments as torch does (the same errors, naming the op and the
shapes), turns ``is_causal`` into a bool mask, repeats the key and value heads for
grouped-query attention and draws the dropout mask from the package generator; the math
and its closed-form backward are one node, ops/attention.py's ``Attention``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops.attention import Attention
from ..tensor import Tensor, _tensor_arg, generator

__all__ = ["scaled_dot_product_attention"]

_WHO = "scaled_dot_product_attention"


def _check(q: Tensor, k: Tensor, v: Tensor) -> None:
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(f"{_WHO}: expected query, key and value to be at least 2 "
                           f"dimensional, but got shapes {q.shape}, {k.shape} and {v.shape}")
    if not q.dtype == k.dtype == v.dtype:
        raise RuntimeError(f"{_WHO}: expected query, key and value to have the same dtype, "
                           f"but got {q.dtype}, {k.dtype} and {v.dtype}")
    if q.dtype.kind != "f":
        raise RuntimeError(f"{_WHO}: expected a floating point query, key and value (as "
                           f"torch), got {q.dtype}; convert them with .float()")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"{_WHO}: query {q.shape}, key {k.shape} and value {v.shape} do "
                           "not fit: expected query (..., L, E), key (..., S, E) and value "
                           "(..., S, Ev)")


def _gqa(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """key and value with each head repeated to query's number of heads (dim -3)."""
    if q.ndim < 3 or k.ndim < 3 or v.ndim < 3:
        raise IndexError(f"{_WHO}: enable_gqa needs a heads dim (-3), but got shapes "
                         f"{q.shape}, {k.shape} and {v.shape}")
    h = q.shape[-3]
    if h % k.shape[-3] or h % v.shape[-3]:
        raise RuntimeError(f"{_WHO}: the number of heads in key ({k.shape[-3]}) and value "
                           f"({v.shape[-3]}) must divide the number of heads in query ({h})")
    return (k.repeat_interleave(h // k.shape[-3], dim=-3),
            v.repeat_interleave(h // v.shape[-3], dim=-3))


def _mask(attn_mask: Any, q: Tensor) -> tuple[Any, Any]:
    """(float mask or None, bool mask or None), the float one in query's dtype."""
    m = _tensor_arg(_WHO, attn_mask, "attn_mask")
    if m.dtype == np.bool_:
        return None, m._array
    if m.dtype not in (np.float32, q.dtype):
        raise RuntimeError(f"{_WHO}: expected attn_mask dtype to be bool or float or to "
                           f"match query dtype, but got {m.dtype} and query {q.dtype}")
    return (m if m.dtype == q.dtype else m.to(q.dtype)), None


def _weights_shape(q: Tensor, k: Tensor, mask: Any) -> tuple:
    """The attention weights' shape (..., L, S): the scores q k^T's. The mask must
    broadcast to it without growing it (torch adds it in place: a mask with more or larger
    batch dims is its "output with shape ... doesn't match the broadcast shape" error)."""
    try:
        shape = np.broadcast_shapes(q.shape[:-2], k.shape[:-2]) + (q.shape[-2], k.shape[-2])
        both = np.broadcast_shapes(shape, np.shape(mask))
    except ValueError:
        raise RuntimeError(f"{_WHO}: attn_mask of shape {np.shape(mask)} does not broadcast "
                           f"to the attention weights of query {q.shape} and key "
                           f"{k.shape}") from None
    if both != shape:
        raise RuntimeError(f"{_WHO}: output with shape {list(shape)} doesn't match the "
                           f"broadcast shape {list(both)}: attn_mask of shape "
                           f"{np.shape(mask)} has dims the attention weights of query "
                           f"{q.shape} and key {k.shape} lack")
    return shape


def _fused_path(q: Tensor, k: Tensor, v: Tensor, mask: Any, dropout_p: float) -> bool:
    """Whether torch 2.13 runs these inputs through its fused CPU kernel (flash attention),
    which reads the mask's dim -2: 4-d query, key and value (key and value after grouped
    heads are repeated) of one batch size and one number of heads, nothing empty, no
    dropout, and no float mask that requires grad."""
    if not q.ndim == k.ndim == v.ndim == 4 or dropout_p > 0 or (
            mask is not None and mask.requires_grad):
        return False
    same = all(q.shape[d] == k.shape[d] == v.shape[d] for d in (0, 1))
    return same and 0 not in (*q.shape, *k.shape, *v.shape)


def _dropout(shape: tuple, p: float, dtype: np.dtype) -> np.ndarray:
    """The scaled keep mask: 1 / (1 - p) with probability 1 - p, else 0."""
    if p > 1:
        raise RuntimeError(f"{_WHO}: dropout probability has to be between 0 and 1, but "
                           f"got {p}")
    if p == 1:
        return np.zeros(shape, dtype)
    keep = generator().random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    return (keep >= p) * np.asarray(1 / (1 - p), dtype)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Scaled dot-product attention: y = softmax(q k^T * scale + mask) v.

    A bool mask says which keys each query may attend to (True takes part); a float mask
    is added to the scores. A query row with no key left attends to nothing: its output
    (and gradient) is 0, as in torch. One fused node with a closed-form backward.

    Args:
        query, key, value: (..., L, E), (..., S, E) and (..., S, Ev); leading dims broadcast.
        attn_mask: bool or float, broadcastable to (..., L, S); default None.
        dropout_p: probability of dropping an attention weight (default 0.0; applied
            whenever it is > 0, as torch's: pass 0.0 in evaluation).
        is_causal: query i attends to keys 0..i only (the mask tril(ones(L, S))); not
            together with attn_mask.
        scale: the factor on q k^T (default 1 / sqrt(E)).
        enable_gqa: key and value may have fewer heads (dim -3) than query, each shared
            by a group of query heads.

    Shape:
        Output (..., L, Ev).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> q = k = ta.zeros(1, 2, 2)            # equal scores: the weights are uniform
        >>> v = ta.tensor([[[1.0, 2.0], [3.0, 4.0]]])
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
        tensor([[[1., 2.],
                 [2., 3.]]])
    """
    q, k, v = (_tensor_arg(_WHO, t, name) for t, name in
               ((query, "query"), (key, "key"), (value, "value")))
    _check(q, k, v)
    if enable_gqa:
        k, v = _gqa(q, k, v)
    mask = keep = None
    if attn_mask is not None:
        if is_causal:
            raise RuntimeError(f"_{_WHO}: Explicit attn_mask should not be set when "
                               "is_causal=True")
        mask, keep = _mask(attn_mask, q)
        if (keep if mask is None else mask).ndim < 2 and _fused_path(q, k, v, mask, dropout_p):
            # NOTE: torch's fused kernel for 4-d inputs takes the mask's dim -2 (IndexError);
            # its other paths broadcast a 0- or 1-d mask as numpy does
            raise IndexError(f"{_WHO}: attn_mask of shape {tuple(np.shape(attn_mask))} needs at "
                             f"least 2 dims (..., L, S) with 4-d query {q.shape}, key "
                             f"{k.shape} and value {v.shape}, as in torch")
    elif is_causal:
        keep = np.tril(np.ones((q.shape[-2], k.shape[-2]), bool))
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    shape = _weights_shape(q, k, keep if mask is None else mask)
    drop = _dropout(shape, dropout_p, q.dtype) if dropout_p > 0 else None
    args = (q, k, v) if mask is None else (q, k, v, mask)
    return Attention.apply(*args, keep=keep, scale=scale, drop=drop)
