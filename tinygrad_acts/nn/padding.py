"""Padding layers: ZeroPad / ConstantPad / ReflectionPad / ReplicationPad / CircularPad,
1-d, 2-d and 3-d, each a module around ``F.pad`` with torch's arguments and reprs.

``padding`` is an int (the same width on every side) or a tuple in F.pad's order, the last
dim's (before, after) pair first: (left, right), then (top, bottom), then (front, back).
A negative width crops, as in torch.
"""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    """The shared part: ``padding`` as a tuple (an int repeated 2 * nd times), the mode."""

    nd = 1
    mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = tuple(padding) if isinstance(padding, (list, tuple)) else (
            padding,) * (2 * self.nd)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with a constant: y = F.pad(x, padding, value=value).

    Args:
        padding: int or (left, right). value: the fill.

    Shape:
        Input (C, W) or (N, C, W); output W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ConstantPad1d((1, 2), 3.5)(ta.ones(1, 2))
        tensor([[3.5000, 1.0000, 1.0000, 3.5000, 3.5000]])
    """

    nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with a constant: y = F.pad(x, padding, value=value).

    Args:
        padding: int or (left, right, top, bottom). value: the fill.

    Shape:
        Input (C, H, W) or (N, C, H, W); output H + top + bottom, W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ConstantPad2d(1, 0.5)(ta.ones(1, 1, 2)).shape
        torch.Size([1, 3, 4])
    """

    nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with a constant: y = F.pad(x, padding, value=value).

    Args:
        padding: int or (left, right, top, bottom, front, back). value: the fill.

    Shape:
        Input (C, D, H, W) or (N, C, D, H, W); each padded dim widened by its pair.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ConstantPad3d(1, 2.0)(ta.ones(1, 1, 1, 1)).shape
        torch.Size([1, 3, 3, 3])
    """

    nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros: y = F.pad(x, padding).

    Args:
        padding: int or (left, right).

    Shape:
        Input (C, W) or (N, C, W); output W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ZeroPad1d((1, 0))(ta.ones(1, 2))
        tensor([[0., 1., 1.]])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros: y = F.pad(x, padding).

    Args:
        padding: int or (left, right, top, bottom).

    Shape:
        Input (C, H, W) or (N, C, H, W); output H + top + bottom, W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ZeroPad2d((1, 1, 2, 0))
        ZeroPad2d((1, 1, 2, 0))
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dims with zeros: y = F.pad(x, padding).

    Args:
        padding: int or (left, right, top, bottom, front, back).

    Shape:
        Input (C, D, H, W) or (N, C, D, H, W); each padded dim widened by its pair.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ZeroPad3d(1)(ta.ones(1, 1, 1, 1)).sum().item()
        1.0
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its mirror image, the edge not repeated (F.pad "reflect").

    Args:
        padding: int or (left, right), each less than the dim's size.

    Shape:
        Input (C, W) or (N, C, W); output W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ReflectionPad1d(2)(ta.tensor([[1.0, 2.0, 3.0]]))
        tensor([[3., 2., 1., 2., 3., 2., 1.]])
    """

    nd, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last two dims with their mirror image, the edges not repeated.

    Args:
        padding: int or (left, right, top, bottom), each less than its dim's size.

    Shape:
        Input (C, H, W) or (N, C, H, W); output H + top + bottom, W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ReflectionPad2d(1)(ta.ones(1, 2, 2)).shape
        torch.Size([1, 4, 4])
    """

    nd, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pads the last three dims with their mirror image, the edges not repeated.

    Args:
        padding: int or (left, right, top, bottom, front, back).

    Shape:
        Input (C, D, H, W) or (N, C, D, H, W); each padded dim widened by its pair.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ReflectionPad3d(1)(ta.ones(1, 2, 2, 2)).shape
        torch.Size([1, 4, 4, 4])
    """

    nd, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating its edge values (F.pad "replicate").

    Args:
        padding: int or (left, right).

    Shape:
        Input (C, W) or (N, C, W); output W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ReplicationPad1d((2, 1))(ta.tensor([[1.0, 2.0]]))
        tensor([[1., 1., 1., 2., 2.]])
    """

    nd, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last two dims by repeating their edge values.

    Args:
        padding: int or (left, right, top, bottom).

    Shape:
        Input (C, H, W) or (N, C, H, W); output H + top + bottom, W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ReplicationPad2d(1)(ta.ones(1, 1, 1)).shape
        torch.Size([1, 3, 3])
    """

    nd, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pads the last three dims by repeating their edge values.

    Args:
        padding: int or (left, right, top, bottom, front, back).

    Shape:
        Input (C, D, H, W) or (N, C, D, H, W); each padded dim widened by its pair.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ReplicationPad3d(1)(ta.ones(1, 1, 1, 1)).shape
        torch.Size([1, 3, 3, 3])
    """

    nd, mode = 3, "replicate"


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self.nd + 1, self.nd + 2):
            raise ValueError(f"expected {self.nd + 1}D or {self.nd + 2}D input (got "
                             f"{input.ndim}D input) in {type(self).__name__}, shape "
                             f"{input.shape}")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pads the last dim by wrapping around (F.pad "circular"): the left pad is the end.

    Args:
        padding: int or (left, right), each at most the dim's size.

    Shape:
        Input (C, W) or (N, C, W); output W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.CircularPad1d((1, 2))(ta.tensor([[1.0, 2.0, 3.0]]))
        tensor([[3., 1., 2., 3., 1., 2.]])
    """

    nd = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last two dims by wrapping around (a torus).

    Args:
        padding: int or (left, right, top, bottom).

    Shape:
        Input (C, H, W) or (N, C, H, W); output H + top + bottom, W + left + right.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.CircularPad2d(1)(ta.ones(1, 2, 2)).shape
        torch.Size([1, 4, 4])
    """

    nd = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last three dims by wrapping around.

    Args:
        padding: int or (left, right, top, bottom, front, back).

    Shape:
        Input (C, D, H, W) or (N, C, D, H, W); each padded dim widened by its pair.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.CircularPad3d(1)(ta.ones(1, 2, 2, 2)).shape
        torch.Size([1, 4, 4, 4])
    """

    nd = 3
