"""Convolution and pooling layers: Conv1d / 2d / 3d, ConvTranspose1d / 2d / 3d,
MaxPool / AvgPool / adaptive pools, MaxUnpool and LPPool (1-d, 2-d and 3-d), Unfold / Fold
and Unflatten, with
PyTorch's arguments, attributes, parameter layouts, ``state_dict`` keys and reprs.
(Dropout2d and Flatten are in layers.py.)"""
from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..tensor import Tensor, check_device, generator, get_default_dtype
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d",
           "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Unfold", "Fold",
           "Unflatten", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d",
           "LPPool3d", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v: Any, nd: int) -> tuple:
    return tuple(v) if isinstance(v, (list, tuple)) else (v,) * nd


class _ConvNd(Module):
    """The shared part of the convolution layers: arguments, parameters, init and repr."""

    nd = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
                 output_padding: Any = 0):
        super().__init__()
        check_device(device)
        name = type(self).__name__
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups}) > 0")
        if padding_mode not in _MODES or (self.transposed and padding_mode != "zeros"):
            raise ValueError(f"{name}: padding_mode must be one of {_MODES} ('zeros' only "
                             f"for a transposed convolution), got {padding_mode!r}")
        nd = self.nd
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _ntuple(kernel_size, nd), _ntuple(stride, nd)
        self.dilation, self.output_padding = _ntuple(dilation, nd), _ntuple(output_padding, nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be "
                                 "one of 'valid' and 'same'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, nd)
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self._init_parameters(shape, bias, dtype or get_default_dtype())

    def _init_parameters(self, shape: tuple, bias: bool, dtype: Any) -> None:
        # NOTE: torch's default: kaiming_uniform_(a=sqrt(5)) is uniform in
        # +-gain * sqrt(3 / fan_in) with gain sqrt(2 / (1 + 5)), i.e. +-1 / sqrt(fan_in), the
        # same bound as the bias; fan_in = shape[1] * kernel size (torch's fan for a kernel)
        fan_in = shape[1] * math.prod(shape[2:])
        bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
        rng = generator()
        self.weight = Parameter(rng.uniform(-bound, bound, shape).astype(dtype))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, self.out_channels).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def _padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """x padded by padding_mode (torch's F.pad order: the last dim first) and the
        padding left for the convolution itself."""
        if self.padding_mode == "zeros":
            return x, self.padding
        pads = self.padding
        if isinstance(pads, str):  # "same": the total split as the convolution would
            total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            pairs = [(t // 2, t - t // 2) for t in total] if pads == "same" else [(0, 0)] * len(
                total)
        else:
            pairs = [(p, p) for p in pads]
        widths = [w for lo, hi in reversed(pairs) for w in (lo, hi)]
        return F.pad(x, widths, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        nd = self.nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution layer: y = conv1d(x, weight, bias) (cross-correlation, as torch).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: the kernel's length.
        stride, padding, dilation, groups: as F.conv1d (padding also "same" / "valid").
        bias: learn a bias per output channel (default True).
        padding_mode: "zeros" (default), "reflect", "replicate" or "circular".
        device, dtype: "cpu" only; the parameters' dtype (default: the default float).

    Shape:
        Input (N, C_in, L) or (C_in, L); output (N, C_out, L_out). ``weight`` is
        (C_out, C_in / groups, k), uniform in +-1/sqrt(fan_in) as torch's init, and so is
        ``bias``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Conv1d(2, 4, 3, padding=1)(ta.randn(5, 2, 10)).shape
        torch.Size([5, 4, 10])
    """

    nd = 1

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._padded(x)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """2-D convolution layer: y = conv2d(x, weight, bias) (cross-correlation, as torch).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: int or (kH, kW).
        stride, padding, dilation, groups: as F.conv2d (padding also "same" / "valid").
        bias: learn a bias per output channel (default True).
        padding_mode: "zeros" (default), "reflect", "replicate" or "circular".
        device, dtype: "cpu" only; the parameters' dtype (default: the default float).

    Shape:
        Input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, H_out, W_out). ``weight``
        is (C_out, C_in / groups, kH, kW), uniform in +-1/sqrt(fan_in) (torch's
        kaiming_uniform_ with a=sqrt(5)), and so is ``bias``.

    Example:
        >>> import tinygrad_acts as ta
        >>> conv = ta.nn.Conv2d(1, 6, 5)
        >>> conv
        Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
        >>> conv(ta.randn(2, 1, 28, 28)).shape
        torch.Size([2, 6, 24, 24])
    """

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._padded(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv3d(_ConvNd):
    """3-D convolution layer: y = conv3d(x, weight, bias) (cross-correlation, as torch).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: int or (kD, kH, kW).
        stride, padding, dilation, groups: as F.conv3d (padding also "same" / "valid").
        bias: learn a bias per output channel (default True).
        padding_mode: "zeros" (default), "reflect", "replicate" or "circular".
        device, dtype: "cpu" only; the parameters' dtype (default: the default float).

    Shape:
        Input (N, C_in, D, H, W) or (C_in, D, H, W); output (N, C_out, D_out, H_out, W_out).
        ``weight`` is (C_out, C_in / groups, kD, kH, kW), uniform in +-1/sqrt(fan_in) as
        torch's init, and so is ``bias``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Conv3d(2, 4, 3, padding=1)(ta.randn(1, 2, 4, 5, 6)).shape
        torch.Size([1, 4, 4, 5, 6])
    """

    nd = 3

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._padded(x)
        return F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class ConvTranspose1d(_ConvNd):
    """1-D transposed convolution layer: y = conv_transpose1d(x, weight, bias).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, output_padding, groups,
        bias, dilation, padding_mode ("zeros" only), device, dtype: as torch's.

    Shape:
        Input (N, C_in, L); output (N, C_out, (L - 1) s - 2 p + d (k - 1) +
        output_padding + 1). ``weight`` is (C_in, C_out / groups, k).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ConvTranspose1d(2, 3, 4, stride=2)(ta.randn(1, 2, 5)).shape
        torch.Size([1, 3, 12])
    """

    nd, transposed = 1, True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class ConvTranspose2d(ConvTranspose1d):
    """2-D transposed convolution layer: y = conv_transpose2d(x, weight, bias), the
    gradient of a conv2d with respect to its input (an upsampling layer).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size, stride, padding, output_padding, dilation: ints or pairs.
        groups: independent channel groups; bias: learn a bias (default True).
        padding_mode: "zeros" only, as torch; device, dtype: as Conv2d's.

    Shape:
        Input (N, C_in, H, W); output H_out = (H - 1) s - 2 p + d (kH - 1) +
        output_padding + 1 (W likewise). ``weight`` is (C_in, C_out / groups, kH, kW).

    Example:
        >>> import tinygrad_acts as ta
        >>> up = ta.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
        >>> up(ta.randn(1, 4, 5, 5)).shape
        torch.Size([1, 2, 10, 10])
    """

    nd = 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class ConvTranspose3d(ConvTranspose1d):
    """3-D transposed convolution layer: y = conv_transpose3d(x, weight, bias).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, output_padding, groups,
        bias, dilation, padding_mode ("zeros" only), device, dtype: as ConvTranspose2d's,
        with triples.

    Shape:
        Input (N, C_in, D, H, W); output D_out = (D - 1) s - 2 p + d (kD - 1) +
        output_padding + 1 (H, W likewise). ``weight`` is (C_in, C_out / groups, kD, kH, kW).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ConvTranspose3d(2, 3, 2, stride=2)(ta.randn(1, 2, 2, 3, 4)).shape
        torch.Size([1, 3, 4, 6, 8])
    """

    nd = 3

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


# --- pooling ---------------------------------------------------------------------------------


class MaxPool1d(Module):
    """1-D max pooling: F.max_pool1d (maxout over windows; a tie's gradient goes to the
    first max, as torch).

    Args:
        kernel_size: the window; stride: its step (default: kernel_size).
        padding, dilation, ceil_mode, return_indices: as F.max_pool1d.

    Shape:
        Input (N, C, L) or (C, L); output (N, C, L_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.MaxPool1d(2)(ta.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
        tensor([[[3., 2.]]])
    """

    pool = staticmethod(F.max_pool1d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        return self.pool(x, self.kernel_size, self.stride, self.padding, self.dilation,
                         ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding="
                f"{self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(MaxPool1d):
    """2-D max pooling: F.max_pool2d, maxout over each window (the gradient goes to the
    window's winner, a tie's to its first max in row-major order, as torch).

    Args:
        kernel_size: int or pair; stride: the step (default: kernel_size).
        padding, dilation, ceil_mode, return_indices: as F.max_pool2d.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> pool = ta.nn.MaxPool2d(2)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> pool(ta.randn(1, 6, 24, 24)).shape
        torch.Size([1, 6, 12, 12])
    """

    pool = staticmethod(F.max_pool2d)


class MaxPool3d(MaxPool1d):
    """3-D max pooling: F.max_pool3d, maxout over each window (a tie's gradient goes to
    its first max in row-major order, as torch).

    Args:
        kernel_size: int or triple; stride: the step (default: kernel_size).
        padding, dilation, ceil_mode, return_indices: as F.max_pool3d.

    Shape:
        Input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.MaxPool3d(2)(ta.randn(1, 2, 4, 4, 4)).shape
        torch.Size([1, 2, 2, 2, 2])
    """

    pool = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """1-D average pooling: F.avg_pool1d.

    Args:
        kernel_size: the window; stride: its step (default: kernel_size).
        padding, ceil_mode, count_include_pad: as F.avg_pool1d.

    Shape:
        Input (N, C, L) or (C, L); output (N, C, L_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AvgPool1d(2)(ta.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
        tensor([[[2., 1.]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__()
        one = (lambda v: _ntuple(v, 1))  # noqa: E731 (torch keeps 1-tuples here)
        self.kernel_size = one(kernel_size)
        self.stride = one(stride if stride is not None else kernel_size)
        self.padding = one(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """2-D average pooling: F.avg_pool2d.

    Args:
        kernel_size: int or pair; stride: the step (default: kernel_size).
        padding, ceil_mode, count_include_pad, divisor_override: as F.avg_pool2d.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AvgPool2d(2)(ta.ones(1, 1, 4, 4)).shape
        torch.Size([1, 1, 2, 2])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """3-D average pooling: F.avg_pool3d.

    Args:
        kernel_size: int or triple; stride: the step (default: kernel_size).
        padding, ceil_mode, count_include_pad, divisor_override: as F.avg_pool3d.

    Shape:
        Input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AvgPool3d(2)(ta.ones(1, 1, 4, 4, 4)).shape
        torch.Size([1, 1, 2, 2, 2])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool1d(Module):
    """1-D adaptive average pooling to ``output_size``: F.adaptive_avg_pool1d.

    Args:
        output_size: the output length.

    Shape:
        Input (N, C, L) or (C, L); output (N, C, output_size).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AdaptiveAvgPool1d(1)(ta.tensor([[[1.0, 3.0]]]))
        tensor([[[2.]]])
    """

    pool = staticmethod(F.adaptive_avg_pool1d)

    def __init__(self, output_size: Any):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Any:
        return self.pool(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """2-D adaptive average pooling to ``output_size``: F.adaptive_avg_pool2d (global
    average pooling with output_size=1).

    Args:
        output_size: H_out or (H_out, W_out); None keeps that input size.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AdaptiveAvgPool2d((1, 1))(ta.randn(2, 8, 5, 5)).shape
        torch.Size([2, 8, 1, 1])
    """

    pool = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(AdaptiveAvgPool1d):
    """3-D adaptive average pooling to ``output_size``: F.adaptive_avg_pool3d.

    Args:
        output_size: an int or (D_out, H_out, W_out); None keeps that input size.

    Shape:
        Input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AdaptiveAvgPool3d(1)(ta.randn(2, 8, 3, 4, 5)).shape
        torch.Size([2, 8, 1, 1, 1])
    """

    pool = staticmethod(F.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(AdaptiveAvgPool1d):
    """1-D adaptive max pooling to ``output_size``: F.adaptive_max_pool1d.

    Args:
        output_size: the output length.
        return_indices: also return the winners' positions.

    Shape:
        Input (N, C, L) or (C, L); output (N, C, output_size).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AdaptiveMaxPool1d(1)(ta.tensor([[[1.0, 3.0]]]))
        tensor([[[3.]]])
    """

    pool = staticmethod(F.adaptive_max_pool1d)

    def __init__(self, output_size: Any, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Any:
        return self.pool(x, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(AdaptiveMaxPool1d):
    """2-D adaptive max pooling to ``output_size``: F.adaptive_max_pool2d.

    Args:
        output_size: H_out or (H_out, W_out); None keeps that input size.
        return_indices: also return the winners' flat positions h * W + w.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AdaptiveMaxPool2d(2)(ta.randn(1, 3, 7, 7)).shape
        torch.Size([1, 3, 2, 2])
    """

    pool = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(AdaptiveMaxPool1d):
    """3-D adaptive max pooling to ``output_size``: F.adaptive_max_pool3d.

    Args:
        output_size: an int or (D_out, H_out, W_out); None keeps that input size.
        return_indices: also return the winners' flat positions (d H + h) W + w.

    Shape:
        Input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AdaptiveMaxPool3d(2)(ta.randn(1, 3, 4, 5, 6)).shape
        torch.Size([1, 3, 2, 2, 2])
    """

    pool = staticmethod(F.adaptive_max_pool3d)


# --- unfold / fold / unflatten -----------------------------------------------------------------


class Unfold(Module):
    """im2col as a layer: F.unfold, every sliding block of the input as a column.

    Args:
        kernel_size, dilation, padding, stride: as F.unfold.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C * kH * kW, L).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Unfold(2)(ta.randn(1, 3, 4, 4)).shape
        torch.Size([1, 12, 9])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding="
                f"{self.padding}, stride={self.stride}")


class Fold(Unfold):
    """col2im as a layer: F.fold, the columns added back into an image.

    Args:
        output_size: the image's (H, W); kernel_size, dilation, padding, stride: as F.fold.

    Shape:
        Input (N, C * kH * kW, L) or (C * kH * kW, L); output (N, C, H, W).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Fold((4, 4), 2)(ta.randn(1, 12, 9)).shape
        torch.Size([1, 3, 4, 4])
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()


class Unflatten(Module):
    """Unflatten: dim ``dim`` reshaped to ``unflattened_size`` (Flatten's inverse).

    Args:
        dim: the dim to split; unflattened_size: its new sizes (one may be -1).

    Shape:
        Input (*, S, *), S = prod(unflattened_size); output (*, *unflattened_size, *).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Unflatten(1, (2, 3))(ta.randn(4, 6)).shape
        torch.Size([4, 2, 3])
    """

    def __init__(self, dim: int, unflattened_size: Any):
        super().__init__()
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, x: Tensor) -> Tensor:
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


# --- max unpooling and power-average pooling ---------------------------------------------------


class MaxUnpool1d(Module):
    """max_pool1d's partial inverse: each value put back at its index, zeros elsewhere
    (``F.max_unpool1d``); ``forward(input, indices, output_size=None)``.

    Args:
        kernel_size, stride (default: kernel_size), padding: the pooling's.

    Shape:
        Input (N, C, L) or (C, L) with indices of its shape; output (N, C, L_out),
        L_out = (L - 1) s - 2 p + k, or output_size.

    Example:
        >>> import tinygrad_acts as ta
        >>> pool, unpool = ta.nn.MaxPool1d(2, return_indices=True), ta.nn.MaxUnpool1d(2)
        >>> unpool(*pool(ta.tensor([[[1.0, 3.0, 2.0, 0.0]]])))
        tensor([[[0., 3., 2., 0.]]])
    """

    nd = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self.nd)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self.nd)
        self.padding = _ntuple(padding, self.nd)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        unpool = getattr(F, f"max_unpool{self.nd}d")
        return unpool(input, indices, self.kernel_size, self.stride, self.padding,
                      output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(MaxUnpool1d):
    """max_pool2d's partial inverse (``F.max_unpool2d``): values back at their flat indices
    h * W + w, zeros elsewhere.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.MaxUnpool2d(2)
        MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """

    nd = 2


class MaxUnpool3d(MaxUnpool1d):
    """max_pool3d's partial inverse (``F.max_unpool3d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.MaxUnpool3d(2, 1)
        MaxUnpool3d(kernel_size=(2, 2, 2), stride=(1, 1, 1), padding=(0, 0, 0))
    """

    nd = 3


class LPPool1d(Module):
    """Power-average pooling: y = (sum over the window of x^p)^(1/p) (``F.lp_pool1d``);
    p = inf is max pooling of |x|, p = 1 sum pooling.

    Args:
        norm_type: p. kernel_size: the window; stride: its step (default: kernel_size).
        ceil_mode: round the output size up.

    Shape:
        Input (N, C, L) or (C, L); output (N, C, L_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LPPool1d(2, 2)(ta.tensor([[[3.0, 4.0]]]))
        tensor([[[5.]]])
    """

    nd = 1

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        pool = getattr(F, f"lp_pool{self.nd}d")
        return pool(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """2-D power-average pooling (``F.lp_pool2d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LPPool2d(2, 3)
        LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)
    """

    nd = 2


class LPPool3d(LPPool1d):
    """3-D power-average pooling (``F.lp_pool3d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LPPool3d(1, 2)(ta.ones(1, 1, 2, 2, 2)).flatten()
        tensor([8.])
    """

    nd = 3


# --- lazy convolutions: in_channels from the first input ----------------------------------------


class _LazyConvNd(_ConvNd):
    """The shared part of LazyConv1d / 2d / 3d (and the transposed ones): until the first
    forward ``in_channels`` is 0 and ``weight`` has a 0 in its in_channels place; the first
    forward reads in_channels from the input (dim 1, or dim 0 unbatched), makes the
    parameters with the layer's init and turns the module into that layer, as torch's lazy
    modules do.

    NOTE: make an optimizer after one forward (a dry run), as torch advises."""

    becomes: type[_ConvNd]

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        _ConvNd.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        nd = self.becomes.nd
        if not isinstance(x, Tensor) or x.ndim not in (nd + 1, nd + 2):
            raise RuntimeError(f"{type(self).__name__}: expected a {nd + 1}D (unbatched) or "
                               f"{nd + 2}D (batched) input, got "
                               f"{getattr(x, 'shape', type(x).__name__)}")
        fresh = self._fresh(x.shape[x.ndim - nd - 1])
        self.in_channels = fresh.in_channels
        self.weight, self.bias = fresh.weight, fresh.bias
        layer = self.becomes
        # NOTE: from now on the Conv layer, as torch's lazy module becomes one
        self.__class__ = layer  # type: ignore[assignment]
        return layer.forward(self, x)

    def _fresh(self, in_channels: int) -> Any:
        return self.becomes(in_channels, self.out_channels, self.kernel_size, self.stride,
                            self.padding, self.dilation, self.groups, self.bias is not None,
                            self.padding_mode, dtype=self.weight.dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    """A Conv1d whose in_channels is read from its first input (see ``_LazyConvNd``).

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.LazyConv1d(4, 3)
        >>> m
        LazyConv1d(0, 4, kernel_size=(3,), stride=(1,))
        >>> m(ta.randn(2, 5, 8)).shape, m
        (torch.Size([2, 4, 6]), Conv1d(5, 4, kernel_size=(3,), stride=(1,)))
    """

    becomes = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """A Conv2d whose in_channels is read from its first input (see ``_LazyConvNd``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LazyConv2d(4, 3)
        LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))
    """

    becomes = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """A Conv3d whose in_channels is read from its first input (see ``_LazyConvNd``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LazyConv3d(4, 3)
        LazyConv3d(0, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1))
    """

    becomes = Conv3d


class _LazyConvTransposeNd(_LazyConvNd):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None):
        _ConvNd.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def _fresh(self, in_channels: int) -> Any:
        layer: Any = self.becomes  # a ConvTranspose: output_padding comes fifth
        return layer(in_channels, self.out_channels, self.kernel_size, self.stride,
                     self.padding, self.output_padding, self.groups, self.bias is not None,
                     self.dilation, self.padding_mode, dtype=self.weight.dtype)


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """A ConvTranspose1d whose in_channels is read from its first input (see
    ``_LazyConvNd``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LazyConvTranspose1d(4, 3)
        LazyConvTranspose1d(0, 4, kernel_size=(3,), stride=(1,))
    """

    becomes = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """A ConvTranspose2d whose in_channels is read from its first input (see
    ``_LazyConvNd``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LazyConvTranspose2d(4, 3, stride=2)
        LazyConvTranspose2d(0, 4, kernel_size=(3, 3), stride=(2, 2))
    """

    becomes = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """A ConvTranspose3d whose in_channels is read from its first input (see
    ``_LazyConvNd``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LazyConvTranspose3d(4, 3)
        LazyConvTranspose3d(0, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1))
    """

    becomes = ConvTranspose3d
