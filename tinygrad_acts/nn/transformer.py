"""Attention and transformer layers: MultiheadAttention, TransformerEncoderLayer,
TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and Transformer, with
PyTorch's arguments, defaults, parameter names (``in_proj_weight``, ``out_proj.weight``,
``self_attn.in_proj_bias``, ``linear1.weight``, ``norm1.bias`` ...), initialisation and
mask conventions, so a torch ``state_dict`` loads strictly and the outputs agree.

Masks, as in torch: ``F.scaled_dot_product_attention`` takes bool masks with True = *takes
part*; the modules here take torch's module convention, True = *masked out* (a padding
position, a future token), or float masks that are added to the scores (-inf masks out).
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor, cat, check_device, get_default_dtype
from . import init
from .activation import GELU, ReLU
from .layers import Dropout, Linear, ModuleList
from .module import Module, Parameter
from .norm import LayerNorm

__all__ = ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
           "TransformerDecoderLayer", "TransformerDecoder", "Transformer"]


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention's ``out_proj`` (a plain Linear), kept so the
    repr is torch's."""


def _float_mask(mask: Any, name: str, dtype: np.dtype) -> Tensor | None:
    """torch's ``_canonical_mask``: a bool mask (True = masked out) as a float one, -inf
    where True and 0 elsewhere; a float mask as it is."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"MultiheadAttention: {name} must be a Tensor, not "
                        f"{type(mask).__name__}")
    if mask.dtype == np.bool_:
        return Tensor._wrap(np.where(mask.numpy(), -np.inf, 0.0).astype(dtype))
    if mask.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported, got "
                             f"{mask.dtype} (shape {mask.shape})")
    return mask


def _check_shapes(q: Tensor, k: Tensor, v: Tensor, kpm: Any, mask: Any) -> bool:
    """torch's ``_mha_shape_check``: whether the input is batched (3-D) or not (2-D)."""
    if q.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but "
                             f"received {q.ndim}-D query tensor")
    batched = q.ndim == 3
    if k.ndim != q.ndim or v.ndim != q.ndim:
        raise AssertionError(f"For {'' if batched else 'un'}batched ({q.ndim}-D) `query`, "
                             f"expected `key` and `value` to be {q.ndim}-D but found "
                             f"{k.ndim}-D and {v.ndim}-D tensors respectively")
    if kpm is not None and kpm.ndim != q.ndim - 1:
        raise AssertionError(f"For {q.ndim}-D `query`, expected `key_padding_mask` to be "
                             f"`None` or {q.ndim - 1}-D but found {kpm.ndim}-D tensor instead")
    if mask is not None and mask.ndim not in (2, 3):
        raise AssertionError(f"For {q.ndim}-D `query`, expected `attn_mask` to be `None`, "
                             f"2-D or 3-D but found {mask.ndim}-D tensor instead")
    return batched


class MultiheadAttention(Module):
    """Multi-head attention: head_i = attention(q W_q^i, k W_k^i, v W_v^i),
    y = concat(head_1 .. head_h) W_o^T + b_o, each head softmax(q k^T / sqrt(d)) v.

    Args:
        embed_dim: model width E (split into num_heads heads of E / num_heads).
        num_heads: number of heads (must divide embed_dim).
        dropout: dropout on the attention weights in training (default 0.0).
        bias: learn in_proj_bias and out_proj.bias (default True).
        add_bias_kv: learn bias_k and bias_v, appended to key and value (default False).
        add_zero_attn: append a zero key and value (default False).
        kdim, vdim: key and value widths (default E); when they differ from E the
            projections are q_proj_weight, k_proj_weight and v_proj_weight.
        batch_first: inputs and outputs are (N, L, E) instead of (L, N, E).
        device, dtype: None or "cpu"; the parameters' dtype.

    Shape:
        query (L, N, E) (or (N, L, E), or unbatched (L, E)), key (S, N, kdim), value
        (S, N, vdim); key_padding_mask (N, S); attn_mask (L, S) or (N * num_heads, L, S).
        Returns the output (L, N, E) and, with need_weights, the attention weights
        (N, L, S), or (N, num_heads, L, S) with average_attn_weights=False.

    Example:
        >>> import tinygrad_acts as ta
        >>> mha = ta.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = ta.randn(3, 5, 8)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        (torch.Size([3, 5, 8]), torch.Size([3, 5, 5]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError(f"embed_dim must be divisible by num_heads (got {embed_dim} "
                                 f"and {num_heads})")
        dt = np.dtype(dtype or get_default_dtype())
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first, self.head_dim = batch_first, embed_dim // num_heads
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.zeros((3 * e, e), dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.zeros((e, e), dt))
            self.k_proj_weight = Parameter(np.zeros((e, self.kdim), dt))
            self.v_proj_weight = Parameter(np.zeros((e, self.vdim), dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * e, dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dt)
        self.bias_k: Parameter | None = None
        self.bias_v: Parameter | None = None
        if add_bias_kv:
            self.bias_k = Parameter(np.zeros((1, 1, e), dt))
            self.bias_v = Parameter(np.zeros((1, 1, e), dt))
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """torch's: xavier-uniform projections, zero biases, xavier-normal bias_k / v."""
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight,
                  self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        batched = _check_shapes(query, key, value, key_padding_mask, attn_mask)
        kpm = _float_mask(key_padding_mask, "key_padding_mask", query.dtype)
        mask = _float_mask(attn_mask, "attn_mask", query.dtype)
        if is_causal and mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "the Transformer module method `generate_square_subsequent_"
                               "mask` to create this mask.")
        if is_causal and kpm is None and not need_weights:
            mask = None  # the hint alone: sdpa makes the causal mask
        else:
            is_causal = False
        if not batched:  # one sample: a batch of one (dim 1 as torch, or 0 batch-first)
            query, key, value = (t.unsqueeze(0 if self.batch_first else 1)
                                 for t in (query, key, value))
            kpm = None if kpm is None else kpm.unsqueeze(0)
        q, k, v = self._project(query, key, value)
        out, weights = self._attend(q, k, v, kpm, mask, need_weights, is_causal)
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        n, length = out.shape[0], out.shape[2]
        out = self.out_proj(out.permute(0, 2, 1, 3).reshape(n, length, self.embed_dim))
        if not self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            weights = None if weights is None else weights.squeeze(0)
        return out, weights

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        """q, k and v projected, batch first: (N, L, E), (N, S, E), (N, S, E).

        NOTE: self-attention (query is key is value) is one matmul with the packed
        (3E, E) weight, as in torch; the inputs are made batch-first before projecting.
        """
        if not self.batch_first:
            same_kv, same_qk = key is value, query is key
            query = query.transpose(0, 1)
            key = query if same_qk else key.transpose(0, 1)
            value = key if same_kv else value.transpose(0, 1)
        e, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias
        bs = (None,) * 3 if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if w is None:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
            return tuple(F.linear(x, wi, bi) for x, wi, bi in zip((query, key, value), ws, bs))
        if query is key and key is value:
            n, length, _ = query.shape
            qkv = F.linear(query, w, b).reshape(n, length, 3, e)
            return qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        ws = (w[:e], w[e:2 * e], w[2 * e:])
        return tuple(F.linear(x, wi, bi) for x, wi, bi in zip((query, key, value), ws, bs))

    def _attend(self, q: Tensor, k: Tensor, v: Tensor, kpm: Any, mask: Any,
                need_weights: bool, is_causal: bool) -> tuple[Tensor, Tensor | None]:
        """The heads' outputs (N, H, L, D) and, with need_weights, their weights."""
        n, length, h, d = q.shape[0], q.shape[1], self.num_heads, self.head_dim
        if mask is not None:
            mask = self._check_mask(mask, n, length, k.shape[1])
        if self.bias_k is not None and self.bias_v is not None:
            k = cat([k, self.bias_k.expand(n, 1, self.embed_dim)], dim=1)
            v = cat([v, self.bias_v.expand(n, 1, self.embed_dim)], dim=1)
            mask, kpm = _pad_key(mask), _pad_key(kpm)
        q, k, v = (t.reshape(n, t.shape[1], h, d).permute(0, 2, 1, 3) for t in (q, k, v))
        if self.add_zero_attn:
            k, v = F.pad(k, (0, 0, 0, 1)), F.pad(v, (0, 0, 0, 1))
            mask, kpm = _pad_key(mask), _pad_key(kpm)
        s = k.shape[2]
        if kpm is not None:
            if kpm.shape != (n, s):
                raise AssertionError(f"expecting key_padding_mask shape of {(n, s)}, but got "
                                     f"{kpm.shape}")
            kpm = kpm.reshape(n, 1, 1, s)
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        if not need_weights:
            return F.scaled_dot_product_attention(q, k, v, mask, p, is_causal), None
        scores = (q * (1 / math.sqrt(d))) @ k.transpose(-2, -1)
        with np.errstate(invalid="ignore"):  # NOTE: a fully masked row is nan, as torch's
            weights = (scores if mask is None else scores + mask).softmax(-1)
        if p > 0:
            weights = F.dropout(weights, p)
        return weights @ v, weights

    def _check_mask(self, mask: Tensor, n: int, length: int, s: int) -> Tensor:
        """attn_mask as (1, 1, L, S) or (N, H, L, S), checked as torch checks it."""
        if mask.ndim == 2:
            if mask.shape != (length, s):
                raise RuntimeError(f"The shape of the 2D attn_mask is {mask.shape}, but "
                                   f"should be {(length, s)}.")
            return mask.reshape(1, 1, length, s)
        if mask.shape != (n * self.num_heads, length, s):
            raise RuntimeError(f"The shape of the 3D attn_mask is {mask.shape}, but should "
                               f"be {(n * self.num_heads, length, s)}.")
        return mask.reshape(n, self.num_heads, length, s)


def _pad_key(mask: Any) -> Any:
    """A mask with one more key (a 0: it takes part), for bias_k or add_zero_attn."""
    return None if mask is None else F.pad(mask, (0, 1))


def _activation(activation: str | Callable) -> Callable:
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """One encoder block: self-attention and a feed-forward net, each with a residual
    connection and layer norm: x = norm1(x + sa(x)), x = norm2(x + ff(x)) (post-norm, the
    default), or x = x + sa(norm1(x)), x = x + ff(norm2(x)) with norm_first;
    ff(x) = linear2(dropout(activation(linear1(x)))).

    Args:
        d_model: model width; nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward net (default 2048).
        dropout: dropout rate (default 0.1).
        activation: "relu" (default), "gelu" or a callable.
        layer_norm_eps: eps of both layer norms (default 1e-5).
        batch_first: (N, S, E) instead of (S, N, E) (default False).
        norm_first: pre-norm (default False).
        bias: learn the biases of the linear and norm layers (default True).
        device, dtype: None or "cpu"; the parameters' dtype.

    Shape:
        src (S, N, E) (or (N, S, E), or unbatched (S, E)); src_mask (S, S) or
        (N * nhead, S, S); src_key_padding_mask (N, S). Output like src.

    Example:
        >>> import tinygrad_acts as ta
        >>> layer = ta.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        >>> layer(ta.randn(3, 5, 8)).shape
        torch.Size([3, 5, 8])
    """

    linear1: Linear
    dropout: Dropout
    linear2: Linear

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        _feed_forward(self, d_model, dim_feedforward, dropout, bias, kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = _activation(activation)
        act = self.activation
        self.activation_relu_or_gelu = (1 if act is F.relu or isinstance(act, ReLU) else
                                        2 if act is F.gelu or isinstance(act, GELU) else 0)

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=kpm, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


def _feed_forward(m: Module, d_model: int, dim_ff: int, dropout: float, bias: bool,
                  kw: dict) -> None:
    """The feed-forward net's layers (torch's order: linear1, dropout, linear2)."""
    m.linear1 = Linear(d_model, dim_ff, bias=bias, **kw)
    m.dropout = Dropout(dropout)
    m.linear2 = Linear(dim_ff, d_model, bias=bias, **kw)


def _detect_is_causal(mask: Any, is_causal: bool | None, size: int) -> bool:
    """torch's ``_detect_is_causal_mask``: the hint, or whether ``mask`` is the causal one."""
    if is_causal is None and mask is not None and mask.shape == (size, size):
        causal = np.triu(np.ones((size, size), bool), 1)
        data = mask.numpy()
        return bool(np.array_equal(data, causal) if data.dtype == np.bool_ else
                    np.array_equal(data, np.where(causal, -np.inf, 0.0)))
    return bool(is_causal)


def _clones(layer: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (deep copies, as torch's),
    then ``norm`` if given.

    Args:
        encoder_layer: a TransformerEncoderLayer to copy.
        num_layers: how many layers.
        norm: an optional final norm (a LayerNorm) (default None).
        enable_nested_tensor, mask_check: accepted for torch's sake (no nested tensors
            here: padded positions are computed, not skipped).

    Shape:
        As TransformerEncoderLayer's.

    Example:
        >>> import tinygrad_acts as ta
        >>> layer = ta.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
        >>> enc = ta.nn.TransformerEncoder(layer, num_layers=2)
        >>> enc(ta.randn(5, 3, 8)).shape
        torch.Size([5, 3, 8])
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.use_nested_tensor = enable_nested_tensor, False
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        first = self.layers[0] if len(self.layers) else None
        batch_first = first is not None and first.self_attn.batch_first
        size = src.shape[1 if batch_first and src.ndim == 3 else 0]
        is_causal = _detect_is_causal(mask, is_causal, size)
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=is_causal,
                      src_key_padding_mask=src_key_padding_mask)
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(Module):
    """One decoder block: self-attention on the target, attention to the encoder's output
    (``memory``) and a feed-forward net, each with a residual connection and layer norm
    (post-norm by default, pre-norm with norm_first).

    Args:
        As TransformerEncoderLayer's (d_model, nhead, dim_feedforward=2048, dropout=0.1,
        activation="relu", layer_norm_eps=1e-5, batch_first=False, norm_first=False,
        bias=True, device, dtype).

    Shape:
        tgt (T, N, E), memory (S, N, E) (batch first: (N, T, E), (N, S, E)); tgt_mask
        (T, T), memory_mask (T, S), tgt_key_padding_mask (N, T),
        memory_key_padding_mask (N, S). Output like tgt.

    Example:
        >>> import tinygrad_acts as ta
        >>> layer = ta.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
        >>> layer(ta.randn(4, 3, 8), ta.randn(6, 3, 8)).shape
        torch.Size([4, 3, 8])
    """

    self_attn: MultiheadAttention
    multihead_attn: MultiheadAttention
    linear1: Linear
    dropout: Dropout
    linear2: Linear
    norm1: LayerNorm
    norm2: LayerNorm
    norm3: LayerNorm
    dropout1: Dropout
    dropout2: Dropout
    dropout3: Dropout

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        for name in ("self_attn", "multihead_attn"):
            setattr(self, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                   batch_first=batch_first, **kw))
        _feed_forward(self, d_model, dim_feedforward, dropout, bias, kw)
        self.norm_first = norm_first
        for name in ("norm1", "norm2", "norm3"):
            setattr(self, name, LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        for name in ("dropout1", "dropout2", "dropout3"):
            setattr(self, name, Dropout(dropout))
        self.activation = _activation(activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        sa = (tgt_mask, tgt_key_padding_mask, tgt_is_causal)
        ca = (memory_mask, memory_key_padding_mask, memory_is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), *sa)
            x = x + self._mha_block(self.norm2(x), memory, *ca)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, *sa))
        x = self.norm2(x + self._mha_block(x, memory, *ca))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=kpm,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, mask: Any, kpm: Any,
                   is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=kpm,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer``, then ``norm`` if given.

    Args:
        decoder_layer: a TransformerDecoderLayer to copy.
        num_layers: how many layers.
        norm: an optional final norm (default None).

    Shape:
        As TransformerDecoderLayer's.

    Example:
        >>> import tinygrad_acts as ta
        >>> layer = ta.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
        >>> dec = ta.nn.TransformerDecoder(layer, num_layers=2)
        >>> dec(ta.randn(4, 3, 8), ta.randn(6, 3, 8)).shape
        torch.Size([4, 3, 8])
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        first = self.layers[0] if len(self.layers) else None
        batch_first = first is not None and first.self_attn.batch_first
        size = tgt.shape[1 if batch_first and tgt.ndim == 3 else 0]
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, size)
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder transformer of "Attention is all you need": an encoder stack
    over ``src`` and a decoder stack over ``tgt`` that attends to the encoder's output,
    each ending in a LayerNorm; weights with more than one dim are xavier-uniform.

    Args:
        d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
        dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
        custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
        bias=True, device=None, dtype=None: as torch's.

    Shape:
        src (S, N, E), tgt (T, N, E) (batch first: (N, S, E), (N, T, E)); output like tgt.

    Example:
        >>> import tinygrad_acts as ta
        >>> model = ta.nn.Transformer(8, 2, 1, 1, dim_feedforward=16)
        >>> model(ta.randn(6, 3, 8), ta.randn(4, 3, 8)).shape
        torch.Size([4, 3, 8])
        >>> ta.nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 custom_encoder: Any = None, custom_decoder: Any = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias)
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(*args, **kw), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(*args, **kw), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise RuntimeError(f"the batch number of src and tgt must be equal (src "
                               f"{src.shape}, tgt {tgt.shape})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}; src {src.shape}, tgt {tgt.shape})")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None,
                                        dtype: Any = None) -> Tensor:
        """The causal mask of size (sz, sz): -inf above the diagonal (future positions),
        0 on and below it."""
        check_device(device)
        mask = np.triu(np.full((sz, sz), -np.inf), 1)
        return Tensor._wrap(mask.astype(dtype or get_default_dtype()))
