"""Spatial transformers, as ``torch.nn.functional``: affine_grid builds a sampling grid from
affine matrices, grid_sample reads an image at the grid's (normalized) positions.

Both are composed from differentiable ops (matmul, gather, where, arithmetic): no new rule.
grid_sample's recipe, per spatial dim (grid component k reads input dim -1 - k):

1. the source index: unnormalize the coordinate to pixels, then apply the padding mode
   (border: clip; reflection: reflect, then clip). Each step is affine in the coordinate
   with a slope of 0 or +-1 times the unnormalizing factor, so it is computed in numpy,
   and the fraction the weights need is rebuilt as ``(g - g.value) * slope + fraction``:
   torch's values exactly, and torch's gradients (clip's slope is 0 on the border itself).
2. the taps: nearest (one, rounded half to even), bilinear (two, weights 1 - f and f) or
   bicubic (four, the cubic convolution with A = -0.75, each tap's integer index padded).
3. out = sum over the taps of the weights' product times the input there (0 out of bounds).
"""
from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor, _tensor_arg, where

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def _base_coords(n: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """n points spread over [-1, 1] (pixel centres: shrunk by (n - 1) / n unless
    align_corners); a unit dim is the single point 0, as torch."""
    if n <= 1:
        return np.zeros(n, dtype)
    i = np.arange(n)
    step = dtype.type(2.0 / (n - 1))
    # NOTE: torch's linspace fills each half from its own end (exact endpoints, symmetric)
    r = np.where(i < n // 2, -1 + step * i, 1 - step * (n - 1 - i)).astype(dtype)
    return r if align_corners else (r * (n - 1) / n).astype(dtype)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """affine_grid: grid[n, h, w] = theta[n] @ (x_w, y_h, 1), the base coordinates x, y in
    [-1, 1] (torch's, see align_corners); 3-D: theta[n] @ (x_w, y_h, z_d, 1).

    Args:
        theta: affine matrices, (N, 2, 3) for a 4-D size or (N, 3, 4) for a 5-D one.
        size: the output image size, (N, C, H, W) or (N, C, D, H, W).
        align_corners: -1 and 1 are the corner pixels' centres (True) or their outer
            corners (False); None is False with torch's warning.

    Shape:
        Output (N, H, W, 2) or (N, D, H, W, 3).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.affine_grid(ta.tensor([[[1.0, 0, 0], [0, 1, 0]]]), (1, 1, 1, 2), False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    th = _tensor_arg("affine_grid", theta, "theta")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if th.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {th.dtype} "
                         f"(theta shape {th.shape})")
    size = list(size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    nd = len(size) - 2
    if th.ndim != 3 or th.shape[1:] != (nd, nd + 1):
        raise ValueError(f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} "
                         f"for size {size}. Got {th.shape}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if th.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta has a batch of {th.shape[0]} matrices but size "
                           f"asks for {size[0]} (theta shape {th.shape}, size {size})")
    axes = [_base_coords(n, align_corners, th.dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # (D,) H, W: each coordinate's values
    base = np.stack([*mesh[::-1], np.ones(mesh[0].shape, th.dtype)], -1)  # x first
    rows = Tensor._wrap(base.reshape(1, -1, nd + 1))
    return (rows @ th.transpose(1, 2)).reshape(size[0], *spatial, nd)


# --- grid_sample: source indices, taps, gather ------------------------------------------------


def _clip(ix: np.ndarray, slope: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    # NOTE: as torch's, the slope is 1 strictly inside (0, size - 1) and 0 on the border itself
    inside = (ix > 0) & (ix < size - 1)
    return np.clip(ix, 0, size - 1).astype(ix.dtype), slope * inside


def _reflect(ix: np.ndarray, slope: np.ndarray, twice_low: int, twice_high: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Fold ix into [low, high] by repeated mirroring at the ends (torch's
    reflect_coordinates: an even number of flips keeps the direction, an odd one turns it)."""
    if twice_low == twice_high:
        return np.zeros_like(ix), slope * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    sign = np.where(ix < low, -1, 1)
    a = np.abs(ix - low)
    extra, flips = np.fmod(a, span), np.floor(a / span)
    odd = flips % 2 == 1
    out = np.where(odd, span - extra + low, extra + low).astype(ix.dtype)
    return out, (slope * sign * np.where(odd, -1, 1)).astype(slope.dtype)


def _source_index(g: np.ndarray, size: int, padding_mode: str, align_corners: bool,
                  pad: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The pixel index that a normalized coordinate g reads, and d(index)/dg."""
    if align_corners:
        ix, scale = (g + 1) / 2 * (size - 1), (size - 1) / 2
    else:
        ix, scale = ((g + 1) * size - 1) / 2, size / 2
    ix = ix.astype(g.dtype)
    slope = np.full(g.shape, scale, g.dtype)
    if not pad or padding_mode == "zeros":
        return ix, slope
    if padding_mode == "reflection":
        ix, slope = (_reflect(ix, slope, 0, 2 * (size - 1)) if align_corners
                     else _reflect(ix, slope, -1, 2 * size - 1))
    return _clip(ix, slope, size)


def _pad_tap(i: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """bicubic: each tap's integer index goes through the padding mode on its own."""
    if padding_mode == "reflection":
        i = (_reflect(i, i, 0, 2 * (size - 1)) if align_corners
             else _reflect(i, i, -1, 2 * size - 1))[0]
    return np.clip(i, 0, size - 1) if padding_mode != "zeros" else i


def _cubic_weights(f: Tensor) -> list[Tensor]:
    """The cubic convolution kernel (A = -0.75) at distances 1 + f, f, 1 - f, 2 - f."""
    a = -0.75

    def near(x: Tensor) -> Tensor:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(f + 1), near(f), near(1 - f), far(2 - f)]


def _taps(g: Tensor, size: int, mode: str, padding_mode: str, align_corners: bool
          ) -> list[tuple[np.ndarray, Tensor | None]]:
    """One spatial dim's taps: (integer index, weight) pairs; weight None means 1."""
    gn = g._array
    if mode == "nearest":
        ix, _ = _source_index(gn, size, padding_mode, align_corners)
        return [(np.rint(ix), None)]  # NOTE: rint rounds half to even, as nearbyint
    ix, slope = _source_index(gn, size, padding_mode, align_corners, mode == "bilinear")
    i0 = np.floor(ix)
    if not np.isfinite(gn).all():  # NOTE: keep inf * 0 out of the weights
        g = where(np.isfinite(gn), g, 0.0)
        gn = np.where(np.isfinite(gn), gn, 0)
    # the fraction ix - i0, exactly torch's value ((g - g) is 0), with d/dg = slope
    f = (g - gn) * slope + (ix - i0)
    if mode == "bilinear":
        return [(i0, 1 - f), (i0 + 1, f)]
    return [(_pad_tap(i0 + k, size, padding_mode, align_corners), w)
            for k, w in zip((-1, 0, 1, 2), _cubic_weights(f))]


def _check_grid_sample(x: Tensor, g: Tensor, mode: str, padding_mode: str) -> None:
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    sizes = f"input with sizes {list(x.shape)} and grid with sizes {list(g.shape)}"
    if x.ndim not in (4, 5) or g.ndim != x.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got {sizes}")
    if x.dtype.kind != "f" or g.dtype != x.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same floating "
                           f"point dtype, but input has {x.dtype} and grid has {g.dtype} "
                           f"({sizes})")
    if x.shape[0] != g.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got {sizes}")
    if g.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {x.ndim - 2} in last "
                           f"dimension, but got grid with sizes {list(g.shape)}")
    for d in range(2, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(x.shape)} with "
                               f"dimension {d} being empty")
    if mode == "bicubic" and x.ndim != 4:
        raise RuntimeError(f"grid_sampler(): bicubic interpolation only supports 4D input "
                           f"(got {sizes})")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """grid_sample: out[n, c, h, w] = input[n, c] read at the pixel position of
    grid[n, h, w] = (x, y) in [-1, 1] (x along W, y along H), interpolated;
    differentiable in input and (except for 'nearest') in grid.

    The pixel position is ix = ((x + 1) W - 1) / 2 (align_corners=False: -1 and 1 are the
    image's outer edges) or (x + 1) (W - 1) / 2 (True: the corner pixels' centres).

    Args:
        input: (N, C, H, W), or (N, C, D, H, W) (not with 'bicubic').
        grid: (N, H_out, W_out, 2), or (N, D_out, H_out, W_out, 3), input's dtype.
        mode: 'bilinear' (default; trilinear in 3-D), 'nearest' or 'bicubic'.
        padding_mode: outside the image read 'zeros' (default), the 'border' pixels, or the
            image mirrored at its edges ('reflection').
        align_corners: see above; None is False with torch's warning.

    Shape:
        Output (N, C, H_out, W_out), or (N, C, D_out, H_out, W_out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> image = ta.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
        >>> F.grid_sample(image, ta.tensor([[[[0.0, 0.0], [1.0, -1.0]]]]), align_corners=True)
        tensor([[[[1.5000, 1.0000]]]])
    """
    x = _tensor_arg("grid_sample", input, "input")
    g = _tensor_arg("grid_sample", grid, "grid")
    _check_grid_sample(x, g, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    n, c, *spatial = x.shape
    out_shape = g.shape[1:-1]
    points = math.prod(out_shape)
    g = g.reshape(n, 1, points, len(spatial))
    with np.errstate(invalid="ignore"):  # NOTE: a nan or inf coordinate reads nothing (0)
        per_dim = [_taps(g[..., len(spatial) - 1 - d], size, mode, padding_mode, align_corners)
                   for d, size in enumerate(spatial)]
    strides = [math.prod(spatial[d + 1:]) for d in range(len(spatial))]
    flat = x.reshape(n, c, math.prod(spatial))
    out: Tensor | None = None
    for taps in itertools.product(*per_dim):
        inside = np.ones((n, 1, points), bool)
        index = np.zeros((n, 1, points), np.int64)
        for (i, _), size, stride in zip(taps, spatial, strides):
            ok = (i >= 0) & (i <= size - 1)  # NOTE: False for nan and inf too
            inside &= ok
            index += np.where(ok, i, 0).astype(np.int64) * stride
        picked = flat.gather(2, Tensor._wrap(np.broadcast_to(index, (n, c, points))))
        term = where(inside, picked, 0.0)
        for _, w in taps:
            if w is not None:
                term = term * w
        out = term if out is None else out + term
    assert out is not None
    if mode == "nearest" and g.requires_grad:  # torch's grid gradient: zeros, not None
        out = out + where(np.zeros(g.shape, bool), g, 0.0).sum()
    return out.reshape(n, c, *out_shape)
