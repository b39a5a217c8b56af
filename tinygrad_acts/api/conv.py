"""F.conv1d / 2d / 3d, conv_transpose1d / 2d / 3d, max / avg / adaptive pools (1-d to 3-d),
unfold / fold: the functional forms (functional.py exports this module's __all__).

These check the arguments as torch does (same errors, naming the op and the shapes), turn
an unbatched input into a batch of one, and call the rules in ``ops/conv.py``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import conv as C
from ..tensor import Tensor, _tensor_arg

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d",
           "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "unfold",
           "fold", "conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d",
           "adaptive_avg_pool3d", "adaptive_max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices"]


# --- argument checks -------------------------------------------------------------------------


def _tuple(who: str, v: Any, nd: int, name: str) -> tuple[int, ...]:
    """An int or nd ints, as a tuple of nd ints (torch's ``_pair``)."""
    items = tuple(v) if isinstance(v, (list, tuple)) else (v,) * nd
    if len(items) == 1:
        items *= nd
    if len(items) != nd or not all(isinstance(i, (int, np.integer)) and not isinstance(
            i, bool) for i in items):
        raise RuntimeError(f"{who}: expected {name} to be a single integer value or a list "
                           f"of {nd} values, but got {name}={v!r}")
    return tuple(int(i) for i in items)


def _batched(who: str, x: Any, nd: int) -> tuple[Tensor, bool]:
    """x as (N, C, *spatial), and whether it came unbatched (C, *spatial)."""
    x = _tensor_arg(who, x, "input")
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{who}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                           f"input, but got input of shape {x.shape}")
    if x.dtype == np.bool_:
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch "
                                  f"(input of shape {x.shape})")
    return (x.reshape(1, *x.shape) if x.ndim == nd + 1 else x), x.ndim == nd + 1


def _unbatch(y: Tensor, unbatched: bool) -> Tensor:
    return y.reshape(y.shape[1:]) if unbatched else y


def _same_dtype(who: str, x: Tensor, *others: Any) -> None:
    for t in others:
        if t is not None and _tensor_arg(who, t, "weight").dtype != x.dtype:
            raise RuntimeError(f"{who}: the input's dtype {x.dtype} and the weight's "
                               f"{t.dtype} differ (as in torch, convolution does not "
                               "promote); convert one with .to(dtype)")


def _positive(who: str, name: str, values: tuple, least: int = 1) -> None:
    if min(values, default=least) < least:
        raise RuntimeError(f"{who}: {name} must be at least {least}, got {values}")


def _conv_pads(who: str, padding: Any, nd: int, kernel: tuple, stride: tuple,
               dilation: tuple) -> C.Pads:
    """padding (int, tuple, "valid" or "same") as (lo, hi) pairs; "same" with an even
    effective kernel pads one more at the end, as torch."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise RuntimeError(f"{who}: invalid padding string {padding!r}, should be one "
                               "of 'valid' and 'same'")
        if max(stride) > 1:
            raise RuntimeError(f"{who}: padding='same' is not supported for strided "
                               f"convolutions (stride={stride})")
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in total)
    pads = _tuple(who, padding, nd, "padding")
    _positive(who, "padding", pads, 0)
    return tuple((p, p) for p in pads)


def _check_conv(who: str, x: Tensor, w: Tensor, b: Any, groups: int, nd: int,
                transposed: bool = False) -> None:
    if w.ndim != nd + 2:
        raise RuntimeError(f"{who}: weight must be {nd + 2}-D, got shape {w.shape}")
    if groups < 1:
        raise RuntimeError(f"{who}: non-positive groups is not supported (groups={groups})")
    ins = w.shape[0] if transposed else w.shape[1] * groups
    if x.shape[1] != ins:
        raise RuntimeError(f"{who}: given groups={groups}, weight of shape {w.shape}, "
                           f"expected input {x.shape} to have {ins} channels, but got "
                           f"{x.shape[1]} channels instead")
    if w.shape[0] % groups:
        raise RuntimeError(f"{who}: given groups={groups}, expected weight to be divisible "
                           f"by {groups} at dimension 0, but got weight of shape {w.shape}")
    outs = w.shape[1] * groups if transposed else w.shape[0]
    if b is not None and tuple(b.shape) != (outs,):
        raise RuntimeError(f"{who}: given weight of shape {w.shape}, expected bias to be "
                           f"1-D with {outs} elements, but got bias of shape {b.shape}")


def _conv(who: str, nd: int, x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
          dilation: Any, groups: int) -> Tensor:
    x, unbatched = _batched(who, x, nd)
    _same_dtype(who, x, weight, bias)
    _check_conv(who, x, weight, bias, groups, nd)
    stride, dilation = _tuple(who, stride, nd, "stride"), _tuple(who, dilation, nd, "dilation")
    _positive(who, "stride", stride)
    _positive(who, "dilation", dilation)
    kernel = weight.shape[2:]
    pads = _conv_pads(who, padding, nd, kernel, stride, dilation)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    if any(p < d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilation)):
        raise RuntimeError(f"{who}: the padded input's size per channel {padded} is smaller "
                           f"than the (dilated) kernel {kernel} (input {x.shape})")
    args = (x, weight) if bias is None else (x, weight, bias)
    y = C.Conv.apply(*args, stride=stride, dilation=dilation, pads=pads, groups=groups)
    return _unbatch(y, unbatched)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as torch): y[n, o, l] = b[o] +
    sum_{c, i} w[o, c, i] x[n, c, l s + i d] (x zero-padded).

    Args:
        input: (N, C_in, L) or (C_in, L).
        weight: (C_out, C_in / groups, k).
        bias: (C_out,) or None.
        stride, padding, dilation: ints or 1-tuples; padding also "valid" or "same".
        groups: split the channels into this many independent convolutions.

    Shape:
        Output (N, C_out, L_out), L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.conv1d(ta.tensor([[[1.0, 2.0, 3.0, 4.0]]]), ta.tensor([[[1.0, -1.0]]]))
        tensor([[[-1., -1., -1.]]])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as torch): y[n, o, h, w] = b[o] +
    sum_{c, i, j} W[o, c, i, j] x[n, c, h s + i d, w s + j d] (x zero-padded).

    Args:
        input: (N, C_in, H, W) or (C_in, H, W).
        weight: (C_out, C_in / groups, kH, kW), torch's layout.
        bias: (C_out,) or None.
        stride, padding, dilation: ints or pairs; padding also "valid" or "same".
        groups: split the channels into this many independent convolutions.

    Shape:
        Output (N, C_out, H_out, W_out), H_out = floor((H + 2 p - d (kH - 1) - 1) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> x = ta.arange(9.0).reshape(1, 1, 3, 3)
        >>> F.conv2d(x, ta.ones(1, 1, 2, 2))
        tensor([[[[ 8., 12.],
                  [20., 24.]]]])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(who: str, nd: int, x: Any, weight: Any, bias: Any, stride: Any,
                    padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    x, unbatched = _batched(who, x, nd)
    if isinstance(bias, Tensor) and bias.dtype != x.dtype and bias.dtype.kind == "f" \
            and x.dtype.kind == "f":
        bias = bias.to(x.dtype)  # NOTE: torch's transposed convolution casts a float bias
    _same_dtype(who, x, weight, bias)
    _check_conv(who, x, weight, bias, groups, nd, transposed=True)
    stride, dilation = _tuple(who, stride, nd, "stride"), _tuple(who, dilation, nd, "dilation")
    pad, extra = _tuple(who, padding, nd, "padding"), _tuple(who, output_padding, nd,
                                                             "output_padding")
    _positive(who, "stride", stride)
    _positive(who, "dilation", dilation)
    _positive(who, "padding", pad + extra, 0)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise RuntimeError(f"{who}: output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={extra}, stride={stride}, "
                           f"dilation={dilation}")
    kernel = weight.shape[2:]
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, p, d, k, e in
                 zip(x.shape[2:], stride, pad, dilation, kernel, extra))
    if min(size) < 1:
        raise RuntimeError(f"{who}: the output size {size} is too small (input {x.shape}, "
                           f"weight {weight.shape}, padding {pad})")
    args = (x, weight) if bias is None else (x, weight, bias)
    y = C.ConvTranspose.apply(*args, stride=stride, dilation=dilation,
                              pads=tuple((p, p) for p in pad), groups=groups, size=size)
    return _unbatch(y, unbatched)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution (the gradient of conv1d with respect to its input):
    each input position adds w * x[n, c, l] to the output from l s - p on.

    Args:
        input: (N, C_in, L) or (C_in, L).
        weight: (C_in, C_out / groups, k), torch's layout.
        bias: (C_out,) or None.
        stride, padding, output_padding, dilation: ints or 1-tuples.
        groups: independent channel groups.

    Shape:
        Output (N, C_out, L_out), L_out = (L - 1) s - 2 p + d (k - 1) + output_padding + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.conv_transpose1d(ta.tensor([[[1.0, 2.0]]]), ta.tensor([[[1.0, 10.0]]]))
        tensor([[[ 1., 12., 20.]]])
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input):
    y = fold(W^T x), each input pixel spreading W * x[n, c, h, w] from (h s - p, w s - p).

    Args:
        input: (N, C_in, H, W) or (C_in, H, W).
        weight: (C_in, C_out / groups, kH, kW), torch's layout.
        bias: (C_out,) or None.
        stride, padding, output_padding, dilation: ints or pairs.
        groups: independent channel groups.

    Shape:
        Output (N, C_out, H_out, W_out), H_out = (H - 1) s - 2 p + d (kH - 1) +
        output_padding + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.conv_transpose2d(ta.ones(1, 1, 2, 2), ta.ones(1, 1, 2, 2), stride=2).shape
        torch.Size([1, 1, 4, 4])
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


# --- pooling ---------------------------------------------------------------------------------


def _pool_args(who: str, nd: int, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
               dilation: Any, ceil_mode: bool) -> tuple:
    """kernel, stride (default: the kernel), dilation, padding pairs (widened at the end
    for ceil_mode's last windows) and the output size, checked as torch."""
    kernel = _tuple(who, kernel_size, nd, "kernel_size")
    stride = kernel if stride is None or stride == [] else _tuple(who, stride, nd, "stride")
    pad, dilation = _tuple(who, padding, nd, "padding"), _tuple(who, dilation, nd, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{who}: kernel_size, stride and dilation must be positive, got "
                           f"{kernel}, {stride} and {dilation}")
    # NOTE: torch bounds the padding by half the kernel itself, not the dilated kernel
    if any(p < 0 or 2 * p > k for p, k in zip(pad, kernel)):
        raise RuntimeError(f"{who}: pad should be at most half of kernel size, but got "
                           f"pad={pad}, kernel_size={kernel} and dilation={dilation}")
    out = tuple(C.out_size(n, k, s, (p, p), d, ceil_mode) for n, k, s, p, d in
                zip(x.shape[2:], kernel, stride, pad, dilation))
    if min(out) < 1:
        raise RuntimeError(f"{who}: given input of shape {x.shape}, the calculated output "
                           f"size {out} is too small")
    pads = tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)) for n, k, s, p, d, o in
                 zip(x.shape[2:], kernel, stride, pad, dilation, out))
    return kernel, stride, dilation, pads, out


def _max_pool(who: str, nd: int, x: Any, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    x, unbatched = _batched(who, x, nd)
    kernel, stride, dilation, pads, out = _pool_args(who, nd, x, kernel_size, stride,
                                                     padding, dilation, ceil_mode)
    y = _unbatch(C.MaxPool.apply(x, kernel=kernel, stride=stride, dilation=dilation,
                                 pads=pads, out=out), unbatched)
    if not return_indices:
        return y
    _, arg = C.max_scan(x._array, kernel, stride, dilation, pads, out)
    index = C.max_indices(arg, x.shape[2:], kernel, stride, dilation, pads)
    return y, _unbatch(Tensor._wrap(index), unbatched)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-D max pooling, maxout over windows: y[n, c, l] = max_i x[n, c, l s - p + i d].

    The gradient goes to each window's winner; a tie to the FIRST max in the window, as
    torch (not an even split).

    Args:
        input: (N, C, L) or (C, L).
        kernel_size: the window; stride: its step (default: kernel_size).
        padding: -inf cells at both ends (at most half the kernel); dilation: cell spacing.
        ceil_mode: round the output size up (a last, partial window).
        return_indices: also return each winner's position in its row (int64).

    Shape:
        Output (N, C, L_out), L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.max_pool1d(ta.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
        tensor([[[3., 5.]]])
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-D max pooling, maxout over windows: y[n, c, h, w] = the max of x's window at
    (h s - p, w s - p).

    The gradient goes to each window's winner (overlapping windows add up); a tie gives
    it all to the FIRST max in the window in row-major order, as torch.

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size: the window (int or pair); stride: its step (default: kernel_size).
        padding: -inf border (at most half the kernel); dilation: cell spacing.
        ceil_mode: round the output size up (last, partial windows).
        return_indices: also return (values, indices), each index the winner's flat
            position h * W + w in its plane, as torch.

    Shape:
        Output (N, C, H_out, W_out), H_out = floor((H + 2 p - d (kH - 1) - 1) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> x = ta.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
        >>> F.max_pool2d(x, 2, return_indices=True)
        (tensor([[[[4.]]]]), tensor([[[[2]]]]))
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def _avg_pool(who: str, nd: int, x: Any, kernel_size: Any, stride: Any, padding: Any,
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Tensor:
    x, unbatched = _batched(who, x, nd)
    if x.dtype.kind != "f" and x.dtype != np.int64:
        raise NotImplementedError(f"{who}: not implemented for {x.dtype} (as torch: float "
                                  f"and int64 only; input of shape {x.shape})")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{who}: divisor must be not zero")
    kernel, stride, _, pads, out = _pool_args(who, nd, x, kernel_size, stride, padding, 1,
                                              ceil_mode)
    p = tuple((lo, lo) for lo, _ in pads)
    div = C.avg_divisor(x.shape[2:], kernel, stride, p, out, count_include_pad,
                        divisor_override)
    y = C.AvgPool.apply(x, kernel=kernel, stride=stride, pads=pads, out=out, divisor=div)
    return _unbatch(y, unbatched)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling: y[n, c, l] = the mean of x's window at l s - p.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size: the window; stride: its step (default: kernel_size).
        padding: zeros at both ends (at most half the kernel).
        ceil_mode: round the output size up (a last, partial window).
        count_include_pad: count the padding zeros in the divisor (default True).

    Shape:
        Output (N, C, L_out), L_out = floor((L + 2 p - k) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.avg_pool1d(ta.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling: y[n, c, h, w] = the sum of x's window at (h s - p, w s - p)
    divided by its size (its cells inside x only, without count_include_pad).

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size: the window (int or pair); stride: its step (default: kernel_size).
        padding: a zero border (at most half the kernel).
        ceil_mode: round the output size up (last, partial windows).
        count_include_pad: count the padding zeros in the divisor (default True).
        divisor_override: divide every window's sum by this instead.

    Shape:
        Output (N, C, H_out, W_out), H_out = floor((H + 2 p - kH) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.avg_pool2d(ta.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _adaptive_size(who: str, x: Tensor, output_size: Any, nd: int) -> tuple[int, ...]:
    items = tuple(output_size) if isinstance(output_size, (list, tuple)) else (
        output_size,) * nd
    if len(items) != nd:
        raise RuntimeError(f"{who}: output_size must have {nd} elements, got {output_size!r}")
    size = tuple(n if m is None else int(m) for n, m in zip(x.shape[2:], items))
    if min(size) < 0:
        raise RuntimeError(f"{who}: elements of output_size must be greater than or equal "
                           f"to 0, got {output_size!r}")
    return size


def _empty_pool(x: Tensor, size: tuple) -> Tensor:
    """An adaptive pool to a size with a 0 in it: an empty result (x's zero slice), as torch."""
    return x.reshape(*x.shape[:2], -1)[:, :, :0].reshape(*x.shape[:2], *size)


def _adaptive_avg(who: str, nd: int, x: Any, output_size: Any) -> Tensor:
    x, unbatched = _batched(who, x, nd)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{who}: mean(): could not infer output dtype; the input must be "
                           f"floating point, got {x.dtype} (shape {x.shape}), as in torch")
    size = _adaptive_size(who, x, output_size, nd)
    if 0 in size:
        return _unbatch(_empty_pool(x, size), unbatched)
    if set(size) == {1}:  # NOTE: a mean, as torch computes it (its gradient is free of x)
        return _unbatch(x.mean(tuple(range(2, x.ndim)), keepdim=True), unbatched)
    mats = tuple(C.adaptive_matrix(n, m, x.dtype) for n, m in zip(x.shape[2:], size))
    return _unbatch(C.AdaptiveAvgPool.apply(x, mats=mats), unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """1-D adaptive average pooling: output l is the mean of x over
    [floor(l L / L_out), ceil((l + 1) L / L_out)).

    Args:
        input: (N, C, L) or (C, L).
        output_size: L_out.

    Shape:
        Output (N, C, L_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_avg_pool1d(ta.tensor([[[1.0, 2.0, 3.0, 5.0]]]), 2)
        tensor([[[1.5000, 4.0000]]])
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """2-D adaptive average pooling: output (i, j) is the mean of x over rows
    [floor(i H / H_out), ceil((i + 1) H / H_out)) and the columns likewise.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: H_out or (H_out, W_out); None keeps that input size.

    Shape:
        Output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_avg_pool2d(ta.arange(16.0).reshape(1, 1, 4, 4), 1)
        tensor([[[[7.5000]]]])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def _adaptive_max(who: str, nd: int, x: Any, output_size: Any, return_indices: bool) -> Any:
    x, unbatched = _batched(who, x, nd)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{who}: not implemented for {x.dtype} (as torch; input "
                                  f"of shape {x.shape})")
    if 0 in x.shape[2:]:
        raise RuntimeError(f"{who}: expected input to have non-zero size for non-batch "
                           f"dimensions, but input has shape {x.shape}")
    size = _adaptive_size(who, x, output_size, nd)
    y = C.AdaptiveMaxPool.apply(x, out=size) if 0 not in size else _empty_pool(x, size)
    if not return_indices:
        return _unbatch(y, unbatched)
    index = C.adaptive_max_index(x._array, size) if 0 not in size else np.zeros(
        x.shape[:2] + size, np.int64)
    return _unbatch(y, unbatched), _unbatch(Tensor._wrap(index), unbatched)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """1-D adaptive max pooling: output l is the max of x over
    [floor(l L / L_out), ceil((l + 1) L / L_out)); the gradient goes to the first max.

    Args:
        input: (N, C, L) or (C, L).
        output_size: L_out.
        return_indices: also return each winner's position (int64).

    Shape:
        Output (N, C, L_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_max_pool1d(ta.tensor([[[1.0, 4.0, 3.0, 2.0, 5.0]]]), 2)
        tensor([[[4., 5.]]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-D adaptive max pooling: output (i, j) is the max of x over rows
    [floor(i H / H_out), ceil((i + 1) H / H_out)) and the columns likewise; the gradient
    goes to the window's first max (row-major), as torch.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: H_out or (H_out, W_out); None keeps that input size.
        return_indices: also return each winner's flat position h * W + w (int64).

    Shape:
        Output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_max_pool2d(ta.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


# --- unfold / fold (im2col / col2im) ------------------------------------------------------------


def _block_args(who: str, kernel_size: Any, dilation: Any, padding: Any,
                stride: Any) -> tuple:
    kernel = _tuple(who, kernel_size, 2, "kernel_size")
    dilation, stride = _tuple(who, dilation, 2, "dilation"), _tuple(who, stride, 2, "stride")
    pad = _tuple(who, padding, 2, "padding")
    _positive(who, "kernel_size, dilation and stride", kernel + dilation + stride)
    _positive(who, "padding", pad, 0)
    return kernel, dilation, tuple((p, p) for p in pad), stride


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """im2col: every sliding block of x as a column, y[n, (c, i, j), l] = the block l's
    pixel (i, j) of channel c (x zero-padded).

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size, dilation, padding, stride: ints or pairs (as conv2d's).

    Shape:
        Output (N, C * kH * kW, L), L the number of blocks (row-major).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.unfold(ta.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]])
    """
    x, unbatched = _batched("unfold", input, 2)
    kernel, dilation, pads, stride = _block_args("unfold", kernel_size, dilation, padding,
                                                 stride)
    out = tuple(C.out_size(n, k, s, p, d) for n, k, s, p, d in
                zip(x.shape[2:], kernel, stride, pads, dilation))
    if min(out) < 1:
        raise RuntimeError(f"unfold: given input of shape {x.shape}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={pads}, the array of sliding "
                           f"blocks {out} is empty")
    y = C.Unfold.apply(x, kernel=kernel, stride=stride, dilation=dilation, pads=pads,
                       flat=True)
    return _unbatch(y, unbatched)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """col2im, unfold's adjoint: the columns added back into an image, overlapping blocks
    summed (fold(unfold(x)) counts each pixel once per block that holds it).

    Args:
        input: (N, C * kH * kW, L) or (C * kH * kW, L).
        output_size: (H, W) of the image.
        kernel_size, dilation, padding, stride: as unfold's.

    Shape:
        Output (N, C, H, W).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.fold(ta.ones(1, 4, 4), (3, 3), 2)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    x = _tensor_arg("fold", input, "input")
    if x.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected 2D or 3D (batch mode) input, got shape {x.shape}")
    cols = x.reshape(1, *x.shape) if x.ndim == 2 else x
    size = _tuple("fold", output_size, 2, "output_size")
    kernel, dilation, pads, stride = _block_args("fold", kernel_size, dilation, padding,
                                                 stride)
    k = math.prod(kernel)
    out = tuple(C.out_size(n, kk, s, p, d) for n, kk, s, p, d in
                zip(size, kernel, stride, pads, dilation))
    if cols.shape[1] % k:
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by "
                           f"the product of kernel_size {kernel}, but got input of shape "
                           f"{x.shape}")
    if cols.shape[2] != math.prod(out) or min(out) < 1:
        raise RuntimeError(f"fold: given output_size={size}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={pads}, stride={stride}, expected "
                           f"input's dimension 2 to be the number of blocks {out}, but got "
                           f"input of shape {x.shape}")
    y = C.Fold.apply(cols, size=size, stride=stride, dilation=dilation, pads=pads,
                     kernel=kernel)
    return _unbatch(y, x.ndim == 2)


# --- 3-d forms and the *_with_indices names (the same rules, three spatial dims) ------------


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation, as torch): y[n, o, d, h, w] = b[o] +
    sum_{c, i, j, k} W[o, c, i, j, k] x[n, c, d s + i, h s + j, w s + k] (x zero-padded).

    Args:
        input: (N, C_in, D, H, W) or (C_in, D, H, W).
        weight: (C_out, C_in / groups, kD, kH, kW), torch's layout.
        bias: (C_out,) or None.
        stride, padding, dilation: ints or triples; padding also "valid" or "same".
        groups: split the channels into this many independent convolutions.

    Shape:
        Output (N, C_out, D_out, H_out, W_out), D_out = floor((D + 2 p - d (kD - 1) - 1) / s)
        + 1 (H, W likewise).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.conv3d(ta.ones(1, 1, 3, 3, 3), ta.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-D transposed convolution (the gradient of conv3d with respect to its input).

    Args:
        input: (N, C_in, D, H, W) or (C_in, D, H, W).
        weight: (C_in, C_out / groups, kD, kH, kW), torch's layout.
        bias: (C_out,) or None.
        stride, padding, output_padding, dilation: ints or triples.
        groups: independent channel groups.

    Shape:
        Output D_out = (D - 1) s - 2 p + d (kD - 1) + output_padding + 1 (H, W likewise).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.conv_transpose3d(ta.ones(1, 1, 2, 2, 2), ta.ones(1, 1, 2, 2, 2), stride=2).shape
        torch.Size([1, 1, 4, 4, 4])
    """
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """3-D max pooling: y[n, c, d, h, w] = the max of x's window at (d s - p, h s - p,
    w s - p); the gradient goes to the window's first max (row-major), as torch.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        kernel_size: the window (int or triple); stride: its step (default: kernel_size).
        padding: -inf border (at most half the kernel); dilation: cell spacing.
        ceil_mode: round the output size up (last, partial windows).
        return_indices: also return each winner's flat position (d H + h) W + w (int64).

    Shape:
        Output (N, C, D_out, H_out, W_out), D_out = floor((D + 2 p - d (kD - 1) - 1) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.max_pool3d(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[7.]]]]])
    """
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """3-D average pooling: y = the sum of x's window divided by its size (its cells inside
    x only, without count_include_pad), or by divisor_override.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override: as
            avg_pool2d's, with triples.

    Shape:
        Output (N, C, D_out, H_out, W_out), D_out = floor((D + 2 p - kD) / s) + 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.avg_pool3d(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[3.5000]]]]])
    """
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """3-D adaptive average pooling: output (i, j, k) is the mean of x over the adaptive
    window [floor(i D / D_out), ceil((i + 1) D / D_out)) by the H and W windows likewise.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        output_size: an int or (D_out, H_out, W_out); None keeps that input size.

    Shape:
        Output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_avg_pool3d(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
        tensor([[[[[3.5000]]]]])
    """
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-D adaptive max pooling: output (i, j, k) is the max of x over its adaptive window;
    the gradient goes to the window's first max (row-major), as torch.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        output_size: an int or (D_out, H_out, W_out); None keeps that input size.
        return_indices: also return each winner's flat position (d H + h) W + w (int64).

    Shape:
        Output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_max_pool3d(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
        tensor([[[[[7.]]]]])
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """max_pool1d that always returns (values, indices), as torch's (``return_indices`` is
    accepted and ignored, as there).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.max_pool1d_with_indices(ta.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2)
        (tensor([[[3., 5.]]]), tensor([[[1, 3]]]))
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                     ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """max_pool2d that always returns (values, indices), each index h * W + w.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.max_pool2d_with_indices(ta.tensor([[[[1.0, 2.0], [4.0, 3.0]]]]), 2)[1]
        tensor([[[[2]]]])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                     ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """max_pool3d that always returns (values, indices), each index (d H + h) W + w.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.max_pool3d_with_indices(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 2)[1]
        tensor([[[[[7]]]]])
    """
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                     ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool1d that always returns (values, indices).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_max_pool1d_with_indices(ta.tensor([[[1.0, 4.0, 3.0, 2.0]]]), 2)[1]
        tensor([[[1, 2]]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool2d that always returns (values, indices), each index h * W + w.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_max_pool2d_with_indices(ta.arange(4.0).reshape(1, 1, 2, 2), 1)[1]
        tensor([[[[3]]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool3d that always returns (values, indices), each index
    (d H + h) W + w.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.adaptive_max_pool3d_with_indices(ta.arange(8.0).reshape(1, 1, 2, 2, 2), 1)[1]
        tensor([[[[[7]]]]])
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, True)
