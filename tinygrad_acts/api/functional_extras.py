"""More of ``torch.nn.functional``, composed from the differentiable ops (no new rules):
pixel / channel shuffles, local response norm, bilinear, pdist, the Gaussian NLL loss,
max unpooling, power-average (LP) pooling, the alpha dropouts, gumbel_softmax, the class
margin losses (multi_margin_loss, multilabel_margin_loss), the CTC loss, and (from
grid_sample.py) affine_grid and grid_sample.
functional.py exports this module's ``__all__`` (and holds rrelu, poisson_nll_loss and
triplet_margin_with_distance_loss, which build on its functions).

Each checks its arguments as torch does (the same errors, naming the op and the shapes);
the gradients are those of the composition, which is torch's own composition where torch
writes these in Python (local_response_norm, lp_pool, gaussian_nll_loss, gumbel_softmax).
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor, _tensor_arg, cat, generator, stack, where
from . import conv as _conv
from .grid_sample import affine_grid, grid_sample

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
           "local_response_norm", "bilinear", "pdist", "gaussian_nll_loss", "max_unpool1d",
           "max_unpool2d", "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "affine_grid",
           "grid_sample", "multi_margin_loss", "multilabel_margin_loss", "ctc_loss"]


def _factor(who: str, name: str, r: Any) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise TypeError(f"{who}(): argument '{name}' must be int, not {type(r).__name__}")
    if r <= 0:
        raise RuntimeError(f"{who} expects a positive {name}, but got {r}")
    return int(r)


# --- shuffles ---------------------------------------------------------------------------------


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """pixel_shuffle: (*, C r^2, H, W) -> (*, C, H r, W r), y[c, h r + i, w r + j] =
    x[c r^2 + i r + j, h, w] (sub-pixel convolution's upsampling; a permutation, so the
    gradient is the inverse permutation of g).

    Args:
        input: (*, C r^2, H, W), at least 3-D.
        upscale_factor: r, a positive int.

    Shape:
        Output (*, C, H r, W r).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.pixel_shuffle(ta.arange(4.0).reshape(4, 1, 1), 2)
        tensor([[[0., 1.],
                 [2., 3.]]])
    """
    x = _tensor_arg("pixel_shuffle", input, "input")
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {x.ndim} dimension(s)")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)="
                           f"{c} is not divisible by {r * r}")
    k = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """pixel_unshuffle, pixel_shuffle's inverse: (*, C, H r, W r) -> (*, C r^2, H, W).

    Args:
        input: (*, C, H r, W r), at least 3-D.
        downscale_factor: r, a positive int dividing H and W.

    Shape:
        Output (*, C r^2, H, W).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.pixel_unshuffle(ta.arange(4.0).reshape(1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    x = _tensor_arg("pixel_unshuffle", input, "input")
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, "
                           f"but got input with {x.ndim} dimension(s)")
    *lead, c, h, w = x.shape
    for name, n, d in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({d})={n} is not divisible "
                               f"by {r}")
    k = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle (ShuffleNet): the C channels seen as (groups, C / groups) and
    transposed, y[:, j * groups + g] = x[:, g * (C / groups) + j].

    Args:
        input: (N, C, *), at least 3-D.
        groups: a positive divisor of C.

    Shape:
        Output the same as input.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.channel_shuffle(ta.arange(4.0).reshape(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    x = _tensor_arg("channel_shuffle", input, "input")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"channel_shuffle(): argument 'groups' must be int, not "
                        f"{type(groups).__name__}")
    if x.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(x.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value "
                           f"of groups:{groups}")
    n, c, *rest = x.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    y = x.reshape(n, int(groups), c // groups, *rest).transpose(1, 2)
    return y.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


# --- local response norm, bilinear, pdist -----------------------------------------------------


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """local_response_norm (AlexNet): y = x / (k + alpha / size * sum x^2)^beta, the sum
    over the ``size`` channels around each one (zero beyond the ends), as torch composes it.

    Args:
        input: (N, C, *), at least 3-D.
        size: the number of neighbouring channels summed.
        alpha, beta, k: the formula's constants.

    Shape:
        Output the same as input.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.local_response_norm(ta.ones(1, 3, 1), 2, alpha=1.0, beta=1.0)
        tensor([[[0.6667],
                 [0.5000],
                 [0.5000]]])
    """
    x = _tensor_arg("local_response_norm", input, "input")
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                         f"(got {x.ndim} dimensions)")
    if x.numel() == 0:
        return x
    div = (x * x).reshape(x.shape[0], 1, x.shape[1], x.shape[2], -1)  # (N, 1, C, H, rest)
    before, after = (np.zeros((*div.shape[:2], m, *div.shape[3:]), x.dtype) for m in
                     (size // 2, (size - 1) // 2))
    div = cat([Tensor._wrap(before), div, Tensor._wrap(after)], 2)  # zeros around C
    div = _conv.avg_pool3d(div, (size, 1, 1), stride=1).reshape(x.shape)
    return x / (div * alpha + k) ** beta


def _dtype_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double"}.get(str(t.dtype), str(t.dtype))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """bilinear: y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o].

    Args:
        input1: (*, in1); input2: (*, in2) with the same leading dims.
        weight: (out, in1, in2); bias: (out,) or None.

    Shape:
        Output (*, out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.bilinear(ta.ones(1, 2), ta.ones(1, 3), ta.ones(4, 2, 3)).shape
        torch.Size([1, 4])
    """
    x1, x2 = (_tensor_arg("bilinear", t, name) for t, name in ((input1, "input1"),
                                                              (input2, "input2")))
    w = _tensor_arg("bilinear", weight, "weight")
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim} (shapes {x1.shape} and {x2.shape})")
    for d, (a, b) in enumerate(zip(x1.shape[:-1], x2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {a} and {b}")
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape "
                           f"{w.shape}")
    for name, t, want in (("input1", x1, w.shape[1]), ("input2", x2, w.shape[2])):
        if t.shape[-1] != want:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got "
                               f"{t.shape[-1]} but expected {want}")
    if bias is not None:
        bias = _tensor_arg("bilinear", bias, "bias")
        if bias.ndim != 1 or bias.shape[0] != w.shape[0]:
            raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                               f"{bias.shape[-1] if bias.ndim else 1} but expected "
                               f"{w.shape[0]}")
    if not x1.dtype == x2.dtype == w.dtype or (bias is not None and bias.dtype != w.dtype):
        raise RuntimeError(f"bilinear: All tensors must have the same dtype, got input1: "
                           f"{_dtype_name(x1)}, input2: {_dtype_name(x2)}, weight: "
                           f"{_dtype_name(w)}")
    from .linalg import einsum

    lead = x1.shape[:-1]
    y = einsum("bi,oij,bj->bo", x1.reshape(-1, x1.shape[-1]), w, x2.reshape(-1, x2.shape[-1]))
    y = y.reshape(*lead, w.shape[0])
    return y if bias is None else y + bias


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """pdist: the p-norm distance between every pair of rows, y = [||x_i - x_j||_p for
    i < j] (row-major over the upper triangle, as torch); at a zero distance the gradient is
    0, as torch's.

    Args:
        input: (N, M), a float tensor.
        p: the norm's order, >= 0 (inf allowed).

    Shape:
        Output (N (N - 1) / 2,).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.pdist(ta.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    from ..linalg import vector_norm

    x = _tensor_arg("pdist", input, "input")
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D (shape {x.shape})")
    if x.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {x.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got p={p}")
    i, j = np.triu_indices(x.shape[0], 1)
    return vector_norm(x[i] - x[j], ord=p, dim=1)


# --- losses -----------------------------------------------------------------------------------


def _reduction(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """gaussian_nll_loss: loss = 0.5 (log(max(var, eps)) + (input - target)^2 /
    max(var, eps)) (+ 0.5 log(2 pi) with ``full``), then reduced.

    NOTE: as torch, the clamp at eps changes the value only: the gradient with respect to
    var is that of the unclamped var (torch clamps a clone under no_grad).

    Args:
        input: the predicted means, (N, *) or (*).
        target: the samples, input's shape (or broadcastable to it).
        var: the predicted variances, input's shape, or input's shape with one dim of size
            1, or without its last dim; or a non-negative float.
        full: add the constant 0.5 log(2 pi).
        eps: the clamp of var, for stability.
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        A scalar, or input's shape with reduction='none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.gaussian_nll_loss(ta.zeros(2), ta.ones(2), ta.ones(2))
        tensor(0.5000)
    """
    x = _tensor_arg("gaussian_nll_loss", input, "input")
    t = _tensor_arg("gaussian_nll_loss", target, "target")
    if isinstance(var, float):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        v = x.detach() * 0 + var
    elif not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss(): argument 'var' must be Tensor or float, not "
                        f"{type(var).__name__}")
    else:
        v = var
        if v.dtype.kind != "f":
            raise RuntimeError(f"gaussian_nll_loss: result type Float can't be cast to the "
                               f"desired output type of var, {v.dtype} (var of shape "
                               f"{v.shape}); pass a float var")
        if (v._array < 0).any():
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.unsqueeze(-1)
        elif not (x.ndim == v.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size (var {v.shape}, "
                             f"input {x.shape})")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    v = v + (v.detach().clamp_min(eps) - v.detach())  # the clamp, with var's gradient
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduction(loss, reduction)


# --- max unpooling and LP pooling -------------------------------------------------------------


def _unpool_size(who: str, x: Tensor, kernel: tuple, stride: tuple, pad: tuple,
                 output_size: Any) -> tuple:
    nd = len(kernel)
    default = tuple((n - 1) * s + k - 2 * p for n, s, k, p in
                    zip(x.shape[-nd:], stride, kernel, pad))
    if output_size is None:
        return default
    size = tuple(output_size)
    if len(size) == nd + 2:
        size = size[2:]
    if len(size) != nd:
        raise ValueError(f"{who}: output_size should be a sequence containing {nd} or "
                         f"{nd + 2} elements, but it has a length of '{len(size)}'")
    for d, (m, s, want) in enumerate(zip(size, stride, default)):
        if not want - s < m < want + s:
            raise ValueError(f'{who}: invalid output_size "{list(output_size)}" (dim {d} '
                             f"must be between {want - s} and {want + s})")
    return size


def _max_unpool(who: str, nd: int, input: Any, indices: Any, kernel_size: Any, stride: Any,
                padding: Any, output_size: Any) -> Tensor:
    x = _tensor_arg(who, input, "input")
    idx = _tensor_arg(who, indices, "indices")
    kernel = _conv._tuple(who, kernel_size, nd, "kernel_size")
    stride = kernel if stride is None else _conv._tuple(who, stride, nd, "stride")
    pad = _conv._tuple(who, padding, nd, "padding")
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{who}: expected {nd + 1}D or {nd + 2}D input, but got input of "
                           f"shape {x.shape}")
    if idx.dtype != np.int64:
        raise RuntimeError(f"{who}: elements in indices should be type int64 but got: "
                           f"{idx.dtype}")
    if idx.shape != x.shape:
        raise RuntimeError(f"{who}: Expected shape of indices to be same as that of the input "
                           f"tensor ({x.shape}) but got indices tensor with shape {idx.shape}")
    size = _unpool_size(who, x, kernel, stride, pad, output_size)
    lead, plane = x.shape[:-nd], math.prod(size)
    flat = idx._array.reshape(*lead, -1)
    if flat.size and (flat.min() < 0 or flat.max() >= plane):
        bad = flat[(flat < 0) | (flat >= plane)].flat[0]
        raise RuntimeError(f"{who}: Found an invalid max index: {bad} (output volumes are of "
                           f"size {'x'.join(map(str, size))})")
    zeros = Tensor._wrap(np.zeros((*lead, plane), x.dtype))
    y = zeros.scatter(-1, Tensor._wrap(flat), x.reshape(*lead, -1))
    return y.reshape(*lead, *size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """max_unpool1d, max_pool1d's partial inverse: each value put back at its index, zeros
    elsewhere (dx = g at the indices).

    Args:
        input: (N, C, L) or (C, L), pooled values; indices: max_pool1d's (int64).
        kernel_size, stride (default: kernel_size), padding: the pooling's.
        output_size: the wanted length (to undo a floor), default (L - 1) s + k - 2 p.

    Shape:
        Output (N, C, L_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> y, i = F.max_pool1d(ta.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2)
        tensor([[[0., 3., 2., 0.]]])
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """max_unpool2d, max_pool2d's partial inverse: each value put back at its flat index
    h * W + w of its plane, zeros elsewhere.

    Args:
        input: (N, C, H, W) or (C, H, W); indices: max_pool2d's (int64).
        kernel_size, stride (default: kernel_size), padding: ints or pairs, the pooling's.
        output_size: (H_out, W_out) (or with N, C first), default (H - 1) s + k - 2 p.

    Shape:
        Output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> y, i = F.max_pool2d(ta.tensor([[[[1.0, 2.0], [4.0, 3.0]]]]), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2)
        tensor([[[[0., 0.],
                  [4., 0.]]]])
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """max_unpool3d, max_pool3d's partial inverse: each value put back at its flat index
    (d H + h) W + w, zeros elsewhere.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W); indices: max_pool3d's (int64).
        kernel_size, stride (default: kernel_size), padding: the pooling's.
        output_size: (D_out, H_out, W_out), default (D - 1) s + k - 2 p for each.

    Shape:
        Output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> y, i = F.max_pool3d(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(y, i, 2).flatten()
        tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)


def _lp_pool(who: str, nd: int, x: Any, norm_type: float, kernel_size: Any, stride: Any,
             ceil_mode: bool) -> Tensor:
    x = _tensor_arg(who, x, "input")
    max_pool = getattr(_conv, f"max_pool{nd}d")
    if norm_type == math.inf:
        return max_pool(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = getattr(_conv, f"avg_pool{nd}d")(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    count = math.prod(_conv._tuple(who, kernel_size, nd, "kernel_size"))
    return (out.sign() * out.abs().relu() * count).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """lp_pool1d (power-average pooling): y = (sum over the window of x^p)^(1/p), as torch
    composes it (p = inf is max pooling of |x|).

    Args:
        input: (N, C, L) or (C, L).
        norm_type: p. kernel_size: the window; stride: its step (default: kernel_size).
        ceil_mode: round the output size up.

    Shape:
        Output (N, C, L_out), L_out = floor((L - k) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.lp_pool1d(ta.tensor([[[3.0, 4.0]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """lp_pool2d (power-average pooling): y = (sum over the window of x^p)^(1/p).

    Args:
        input: (N, C, H, W) or (C, H, W).
        norm_type: p. kernel_size: int or pair; stride: the step (default: kernel_size).
        ceil_mode: round the output size up.

    Shape:
        Output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.lp_pool2d(ta.ones(1, 1, 2, 2), 2, 2)
        tensor([[[[2.]]]])
    """
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """lp_pool3d (power-average pooling): y = (sum over the window of x^p)^(1/p).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        norm_type: p. kernel_size: int or triple; stride: the step (default: kernel_size).
        ceil_mode: round the output size up.

    Shape:
        Output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.lp_pool3d(ta.ones(1, 1, 2, 2, 2), 1, 2)
        tensor([[[[[8.]]]]])
    """
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


# --- randomized activations and dropouts ------------------------------------------------------


_SELU_ALPHA = 1.7580993408473766  # NOTE: -SELU's saturation value, lambda * alpha


def _alpha_dropout(who: str, x: Any, p: float, training: bool, inplace: bool,
                   feature: bool) -> Tensor:
    """Dropped units set to SELU's saturation value, then an affine map a y + b that keeps
    a zero-mean, unit-variance input so: a = ((alpha^2 p + 1)(1 - p))^-1/2."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _tensor_arg(who, x, "input")
    if feature and x.ndim < 2:
        raise RuntimeError(f"{who}: Feature dropout requires at least 2 dimensions in the "
                           f"input (shape {x.shape})")
    if p == 0 or not training or x.numel() == 0:
        return x
    if p == 1:
        zero = np.zeros((), x.dtype)
        return x.mul_(zero) if inplace else x * zero
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = (generator().random(shape) >= p).astype(x.dtype)
    a = 1 / math.sqrt((_SELU_ALPHA ** 2 * p + 1) * (1 - p))
    b = ((keep - 1) * _SELU_ALPHA * a + _SELU_ALPHA * a * p).astype(x.dtype)
    scale = (keep * a).astype(x.dtype)
    return x.mul_(scale).add_(b) if inplace else x * scale + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """alpha_dropout (for SELU networks): each element dropped with probability p to
    SELU's saturation value, then all scaled and shifted to keep the mean and variance;
    dy/dx = a for the kept ones, 0 for the dropped. Identity unless ``training``.

    Args:
        input: any shape. p: the drop probability.
        training: apply it (default False, as torch's functional form).
        inplace: overwrite ``input``.

    Shape:
        Output the same as input.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.alpha_dropout(ta.ones(3), 0.2)
        tensor([1., 1., 1.])
    """
    return _alpha_dropout("alpha_dropout", input, p, training, inplace, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """feature_alpha_dropout: alpha_dropout of whole channels, one draw per (sample,
    channel) of an (N, C, *) input. Identity unless ``training``.

    Args:
        input: (N, C, *), at least 2-D. p: the drop probability.
        training: apply it (default False). inplace: overwrite ``input``.

    Shape:
        Output the same as input.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.feature_alpha_dropout(ta.ones(2, 3), 0.2).shape
        torch.Size([2, 3])
    """
    return _alpha_dropout("feature_alpha_dropout", input, p, training, inplace, True)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """gumbel_softmax: y = softmax((logits + g) / tau, dim), g ~ Gumbel(0, 1); with
    ``hard`` the one-hot of its argmax, with the soft sample's gradient (straight-through:
    y_hard - y_soft.detach() + y_soft).

    Args:
        logits: unnormalized log-probabilities (a float tensor).
        tau: the temperature. hard: return one-hot samples.
        eps: deprecated, no effect (a warning, as torch). dim: the categories' dim.

    Shape:
        Output the same as logits.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.gumbel_softmax(ta.zeros(2, 3), hard=True).sum(1)
        tensor([1., 1.])
    """
    x = _tensor_arg("gumbel_softmax", logits, "logits")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if x.dtype.kind != "f":
        raise RuntimeError(f"gumbel_softmax: Exponential distribution is a continuous "
                           f"probability distribution. dtype must be a floating point but you "
                           f"specified {x.dtype}")
    gumbels = (-np.log(generator().exponential(1.0, x.shape))).astype(x.dtype)
    soft = ((x + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    index = soft._array.argmax(dim)
    one_hot = np.zeros(x.shape, x.dtype)
    np.put_along_axis(one_hot, np.expand_dims(index, dim), 1, dim)
    return Tensor._wrap(one_hot) - soft.detach() + soft  # torch's order of the sums


# --- margin losses over classes ---------------------------------------------------------------


def _class_rows(who: str, x: Tensor, t: Tensor) -> tuple[int, int]:
    """(samples, classes) of a (C,) or (N, C) input (a 0-d input is one class), checked
    as torch's: non-empty classes, an int64 target, a float input."""
    if not ((x.ndim <= 1 and x.numel() > 0) or (x.ndim == 2 and x.shape[1] > 0)):
        raise RuntimeError(f"{who}: Expected non-empty vector or matrix with optional 0-dim "
                           f"batch size, but got: {list(x.shape)}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{who}: not implemented for input dtype {x.dtype} (input "
                                  f"shape {x.shape}); pass a float input")
    if t.dtype != np.int64:
        raise RuntimeError(f"{who}: expected scalar type Long but found {t.dtype} for target "
                           f"(shape {t.shape}); pass int64 class indices")
    return (1, max(x.numel(), 1)) if x.ndim <= 1 else (x.shape[0], x.shape[1])


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: Any = None,
                      reduce: Any = None, reduction: str = "mean") -> Tensor:
    """multi_margin_loss (the multi-class hinge): per sample, with y its class,
    l = sum_{j != y} w[y] max(0, margin - x[y] + x[j])^p / C; dl/dx[j] = w[y] p z^(p-1) / C
    where z = margin - x[y] + x[j] > 0 (and minus their sum at x[y]).

    Args:
        input: (N, C) scores, or (C,) for one sample.
        target: (N,) int64 class indices in [0, C) (a 0-d or (1,) one for a (C,) input).
        p: 1 (default) or 2. margin: the wanted gap (default 1).
        weight: optional per-class weight (C,), input's dtype (no gradient, as torch).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Output a scalar, or (N,) with 'none' (the target's shape for a (C,) input).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.multi_margin_loss(ta.tensor([[0.1, 0.2, 0.4, 0.8]]), ta.tensor([3]))
        tensor(0.3250)
    """
    from .. import functional as F

    who = "multi_margin_loss"
    reduction = F._legacy(size_average, reduce, reduction, who)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError(f"weight must be one-dimensional (got shape {tuple(weight.shape)})")
    x = _tensor_arg(who, input, "input")
    t = _tensor_arg(who, target, "target")
    rows, classes = _class_rows(who, x, t)
    if t.ndim > 1 or t.numel() != rows:
        raise RuntimeError(f"{who}: target tensor should be 1-D with size equal to the number "
                           f"of input samples (batch size). Expected target size [{rows}], but "
                           f"got {list(t.shape)}. Input has shape {list(x.shape)}.")
    y = t._array.reshape(rows, 1)
    w = None
    if weight is not None:
        F._constant_weight(weight, who)
        if weight.numel() != classes:
            raise RuntimeError(f"{who}: inconsistent weight size, expected {classes} but got "
                               f"{list(weight.shape)}")
        if weight.dtype != x.dtype:
            raise RuntimeError(f"{who}: expected scalar type {x.dtype} but found "
                               f"{weight.dtype} for weight (shape {weight.shape})")
        w = weight._array
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise RuntimeError(f"{who}: target out of range (targets must be in [0, {classes}), "
                           f"input shape {x.shape})")
    scores = x.reshape(rows, classes)
    z = scores - scores.gather(1, Tensor._wrap(y)) + margin
    # NOTE: relu'(0) = 0, so a sample exactly at the margin gets no gradient (torch's z > 0)
    h = z.relu() if p == 1 else z.relu() ** 2
    if w is not None:
        h = h * w[y]
    loss = where(np.arange(classes) != y, h, 0.0).sum(1) / classes
    if reduction == "none":
        return loss if t.ndim else loss.reshape(())
    return _reduction(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """multilabel_margin_loss (a multi-label hinge): per sample, over its target classes
    j (the target's entries up to the first -1) and the other classes i,
    l = sum_j sum_i max(0, 1 - (x[j] - x[i])) / C.

    Args:
        input: (N, C) scores, or (C,) for one sample.
        target: int64, input's shape: each row's class indices, ended by a -1 (or full).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Output a scalar, or (N,) with 'none' (a scalar for a (C,) input).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> x = ta.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> F.multilabel_margin_loss(x, ta.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    from .. import functional as F

    who = "multilabel_margin_loss"
    reduction = F._legacy(size_average, reduce, reduction, who)
    x = _tensor_arg(who, input, "input")
    t = _tensor_arg(who, target, "target")
    rows, classes = _class_rows(who, x, t)
    fits = (t.ndim <= 1 and t.numel() == classes) if x.ndim <= 1 else t.shape == x.shape
    if not fits:
        raise RuntimeError(f"{who}: inconsistent target size: {list(t.shape)} for input of "
                           f"size: {list(x.shape)}")
    labels = t._array.reshape(rows, classes)
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise RuntimeError(f"{who}: argument #2 'target' is out of range (entries must be in "
                           f"[-1, {classes}), input shape {x.shape})")
    valid = np.cumprod(labels != -1, axis=1).astype(bool)  # NOTE: the first -1 ends a row
    labels = np.where(valid, labels, 0)
    is_target = np.zeros((rows, classes), bool)
    row, slot = np.nonzero(valid)
    is_target[row, labels[row, slot]] = True
    scores = x.reshape(rows, classes)
    picked = scores.gather(1, Tensor._wrap(labels))  # (rows, K): x at each target slot
    z = (scores.unsqueeze(1) - picked.unsqueeze(2) + 1).relu()  # (rows, K, C)
    pairs = valid[:, :, None] & ~is_target[:, None, :]
    loss = where(pairs, z, 0.0).sum((1, 2)) / classes
    if reduction == "none":
        return loss if x.ndim == 2 else loss.reshape(())
    return _reduction(loss, reduction)


# --- connectionist temporal classification ----------------------------------------------------


def _lengths(who: str, name: str, value: Any, batch: int) -> np.ndarray:
    """input_lengths / target_lengths: a Tensor, list or tuple of ints, one per sample."""
    if isinstance(value, Tensor):
        a = value._array
    elif isinstance(value, (list, tuple)):
        a = np.asarray(value)
    else:
        raise TypeError(f"{who}(): argument '{name}' must be a Tensor or a tuple of ints, not "
                        f"{type(value).__name__}")
    if a.size and a.dtype.kind not in "iu":
        raise RuntimeError(f"{who}: {name} must be integral (got dtype {a.dtype})")
    a = a.reshape(-1).astype(np.int64)
    if a.shape[0] != batch:
        raise RuntimeError(f"{who}: {name} must be of size batch_size ({batch}), got shape "
                           f"{a.shape}")
    return a


def _ctc_targets(who: str, targets: Tensor, lengths: np.ndarray, batched: bool) -> np.ndarray:
    """The targets as an (N, S_max) int array: from padded rows (N, S) (one row (S,) for an
    unbatched input), or from the 1-D concatenation of a batch's targets."""
    t, batch = targets._array, lengths.shape[0]
    width = int(lengths.max(initial=0))
    if batched and t.ndim == 1:
        if t.shape[0] != lengths.sum():
            raise RuntimeError(f"{who}: Expected tensor to have size {lengths.sum()} at "
                               f"dimension 0, but got size {t.shape[0]} for argument #2 "
                               f"'targets' (the concatenated targets)")
        rows = np.zeros((batch, width), np.int64)
        starts = np.cumsum(lengths) - lengths
        for n, (a, k) in enumerate(zip(starts, lengths)):
            rows[n, :k] = t[a:a + k]
        return rows
    t = t if batched else t.reshape(1, -1)
    if t.ndim != 2 or t.shape[0] != batch:
        raise RuntimeError(f"{who}: Expected tensor to have size {batch} at dimension 0, but got "
                           f"size {t.shape[0] if t.ndim else 0} for argument #2 'targets' (shape "
                           f"{targets.shape})")
    if t.shape[1] < width:
        raise RuntimeError(f"{who}: Expected tensor to have size at least {width} at dimension "
                           f"1, but got size {t.shape[1]} for argument #2 'targets'")
    return t[:, :width].astype(np.int64)


def _log_sum_exp(x: Tensor) -> Tensor:
    """log sum exp over the last dim, -inf where every entry is -inf (with no nan in the
    gradient there: the empty sums are taken out before the log)."""
    m = x._array.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    total = (x - m).exp().sum(-1)
    some = total._array > 0
    return where(some, where(some, total, 1.0).log() + m[..., 0], -math.inf)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """ctc_loss (connectionist temporal classification): loss_n = -log p(target_n |
    log_probs_n), p summed over every alignment of the target (with blanks between and
    around, repeats merged) by the forward algorithm in log space:
    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) [when l'_s is
    not blank and differs from l'_{s-2}]) + log_probs[t, l'_s].

    NOTE: the gradient is torch's, which adds exp(log_probs) to the exact one (for t below
    the input length): the two agree after a log_softmax (whose backward removes that
    term), so pass normalized log-probabilities. An impossible target (input too short)
    costs inf, with nan gradients as torch's, unless ``zero_infinity`` makes both 0.

    Args:
        log_probs: (T, N, C) log-probabilities (log_softmax over C), or (T, C).
        targets: (N, S) padded class indices, or their 1-D concatenation, never blank.
        input_lengths: (N,) lengths <= T (a Tensor or a tuple of ints).
        target_lengths: (N,) lengths of the targets.
        blank: the blank class (default 0). zero_infinity: inf losses (and their
            gradients) become 0.
        reduction: 'mean' (default: each loss divided by its target length, then the mean
            over the batch), 'sum' or 'none'.

    Shape:
        Output a scalar, or (N,) with 'none' (a scalar for a (T, C) input).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> log_probs = ta.zeros(2, 1, 2).log_softmax(2)  # two steps, each class p = 1/2
        >>> F.ctc_loss(log_probs, ta.tensor([[1]]), [2], [1], reduction="sum")
        tensor(0.2877)
    """
    from .. import functional as F

    who = "ctc_loss"
    lp = _tensor_arg(who, log_probs, "log_probs")
    t = _tensor_arg(who, targets, "targets")
    F._check_reduction(reduction, who)
    if lp.ndim not in (2, 3) or lp.dtype.kind != "f":
        raise RuntimeError(f"{who}: log_probs must be a float (T, N, C) or (T, C) tensor, got "
                           f"shape {lp.shape} and dtype {lp.dtype}")
    batched = lp.ndim == 3
    x = lp if batched else lp.unsqueeze(1)
    steps, batch, classes = x.shape
    if not 0 <= blank < classes:
        raise RuntimeError(f"{who}: blank must be in label range (blank={blank}, {classes} "
                           f"classes)")
    in_len = _lengths(who, "input_lengths", input_lengths, batch)
    tgt_len = _lengths(who, "target_lengths", target_lengths, batch)
    for name, a, low, high in (("input_lengths", in_len, 0, steps),
                               ("target_lengths", tgt_len, 0, None)):
        if a.size and a.min() < low:
            raise RuntimeError(f"{who}: Expected {name} to have value at least {low}, but got "
                               f"value {a.min()}")
        if high is not None and a.size and a.max() > high:
            raise RuntimeError(f"{who}: Expected {name} to have value at most {high}, but got "
                               f"value {a.max()}")
    labels = _ctc_targets(who, t, tgt_len, batched)
    given = labels[np.arange(labels.shape[1]) < tgt_len[:, None]]
    if given.size and (given.min() < 0 or given.max() >= classes):
        raise RuntimeError(f"{who}: target label out of range [0, {classes}) (targets shape "
                           f"{t.shape})")
    # the extended targets l': blank, l1, blank, l2, ..., blank (padded with blanks)
    width = 2 * labels.shape[1] + 1
    ext = np.full((batch, width), blank, np.int64)
    ext[:, 1::2] = np.where(np.arange(labels.shape[1]) < tgt_len[:, None], labels, blank)
    skip = np.zeros((batch, width), bool)  # may alpha(s) come from alpha(s - 2)?
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    emit = x.gather(2, Tensor._wrap(np.broadcast_to(ext, (steps, batch, width))))
    neg = Tensor._wrap(np.full((batch, 2), -np.inf, x.dtype))
    alpha = Tensor._wrap(np.where(np.arange(width) == 0, 0.0, -np.inf).astype(x.dtype)
                         * np.ones((batch, 1), x.dtype))  # NOTE: "before t = 0": state 0
    for step in range(int(in_len.max(initial=0))):
        shifted = cat([neg, alpha], 1)
        before2 = where(skip, shifted[:, :-2], -math.inf)
        new = _log_sum_exp(stack([alpha, shifted[:, 1:-1], before2], -1)) + emit[step]
        alpha = where((step < in_len)[:, None], new, alpha)
    last = np.stack([2 * tgt_len, np.maximum(2 * tgt_len - 1, 0)], 1)
    ends = where(np.stack([tgt_len >= 0, tgt_len > 0], 1), alpha.gather(1, Tensor._wrap(last)),
                 -math.inf)
    nll = -_log_sum_exp(ends)
    # torch's extra term exp(log_probs) in the gradient: its value is exactly 0 (lp - lp)
    used = (np.arange(steps)[:, None] < in_len)[:, :, None] & np.isfinite(x._array)
    zero = x - x.detach()
    loss = nll + where(used, zero * np.exp(x._array), 0.0).sum((0, 2))
    impossible = np.isinf(nll._array)
    if zero_infinity:
        loss = where(impossible, 0.0, loss)
    elif impossible.any():
        # NOTE: torch's gradient there is nan (its formula meets inf - inf), and ours: the
        # value inf (1 + d) with d = sum(x - x) = 0, whose gradient is inf - inf
        d = where(used, x - x, 0.0).sum((0, 2))
        loss = where(impossible, np.where(impossible, math.inf, 0).astype(x.dtype) * (1 + d),
                     loss)
    if reduction == "mean":
        return (loss / np.maximum(tgt_len, 1).astype(x.dtype)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.reshape(())
