"""Upsampling layers: Upsample and its two fixed-mode forms, thin holders of the options
of ``F.interpolate`` (the math and its one-node gradient live in ops/resample.py)."""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resizes the spatial dims of (N, C, W), (N, C, H, W) or (N, C, D, H, W) inputs:
    y = F.interpolate(x, size, scale_factor, mode, align_corners).

    Args:
        size: the output's spatial size (one int for every dim, or one per dim).
        scale_factor: a multiplier per spatial dim instead (kept as floats, as torch).
        mode: 'nearest' (default), 'nearest-exact', 'linear', 'bilinear', 'bicubic',
            'trilinear' or 'area'.
        align_corners: linear and bicubic modes only (None means False).
        recompute_scale_factor: sample at the size's own ratio, not 1 / scale_factor.

    Shape:
        Input (N, C, *in), output (N, C, *out).

    Example:
        >>> import tinygrad_acts as ta
        >>> up = ta.nn.Upsample(scale_factor=2, mode="nearest")
        >>> up
        Upsample(scale_factor=2.0, mode='nearest')
        >>> up(ta.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode,
                             self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None \
            else f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample with mode='nearest', for (N, C, H, W) inputs.

    Args:
        size: the output's (H, W) (or one int for both).
        scale_factor: a multiplier for H and W instead.

    Shape:
        Input (N, C, H, W), output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.UpsamplingNearest2d(scale_factor=2)(ta.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample with mode='bilinear' and align_corners=True (the corners line up), for
    (N, C, H, W) inputs.

    Args:
        size: the output's (H, W) (or one int for both).
        scale_factor: a multiplier for H and W instead.

    Shape:
        Input (N, C, H, W), output (N, C, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.UpsamplingBilinear2d(size=3)(ta.tensor([[[[0.0, 2.0], [4.0, 6.0]]]]))
        tensor([[[[0., 1., 2.],
                  [2., 3., 4.],
                  [4., 5., 6.]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
