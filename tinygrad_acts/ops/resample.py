"""Resampling: interpolate's nearest and (bi/tri)linear modes as one node.

Both modes are separable: each spatial dim is resampled on its own, by a small plan that
``nearest_plan`` / ``linear_plan`` compute with torch's own arithmetic (the same rounding,
so the picked sources and the weights are torch's exactly). The node applies the plans
last dim first (width, then height: the order torch's bilinear kernel sums in) and its
backward is the transpose of each step, first dim first:

- nearest: y = x[src]; dx = zeros with g added at src (an index scatter-add; a source
  picked by several outputs collects all their gradients).
- linear: y = l0 x[i0] + l1 x[i1]; dx = the transposed weights: l0 g scattered to i0 plus
  l1 g scattered to i1.

``functional.interpolate`` checks the arguments (torch's errors) and computes the output
size; the rows close the file.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import quiet
from .indexing import scatter
from .spec import lib, row


def source_scale(n_in: int, n_out: int, scale: float | None, dtype: Any) -> Any:
    """torch's ``compute_scales_value``: 1 / scale_factor when one is given, else
    n_in / n_out, in ``dtype`` (float32 for nearest; the input's precision for linear)."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(n_in) / dtype(n_out)


def nearest_plan(n_in: int, n_out: int, scale: float | None, exact: bool = False,
                 shortcut: bool = False) -> tuple:
    """("nearest", src): output i reads input src[i] = min(floor(i * s), n_in - 1)
    (``exact``, torch's 'nearest-exact': floor((i + 0.5) s)).

    NOTE: torch computes s and i * s in float32 whatever the input's dtype, and so does
    this, so the picks agree even where float32 rounding decides them. Its 2-d kernel
    (``shortcut``) also takes src = i where n_out == n_in and src = i // 2 where
    n_out == 2 n_in, whatever the scale_factor; its 1-d and 3-d forwards do not (while
    their backward kernels do: with scale_factor=2.2 on 3 inputs torch's 1-d gradient is
    not the transpose of its forward). The gradient here is always the transpose."""
    i = np.arange(n_out)
    if shortcut and not exact and n_out in (n_in, 2 * n_in):
        return ("nearest", i if n_out == n_in else i >> 1)
    s = source_scale(n_in, n_out, scale, np.float32)
    pos = (i.astype(np.float32) + np.float32(0.5 if exact else 0.0)) * s
    return ("nearest", np.minimum(np.floor(pos).astype(np.int64), n_in - 1))


def linear_plan(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                dtype: Any) -> tuple:
    """("linear", i0, i1, l0, l1): output i = l0[i] x[i0[i]] + l1[i] x[i1[i]].

    The source position is p = i * (n_in - 1) / (n_out - 1) with ``align_corners`` (the
    corner pixels' centres line up), else p = max((i + 0.5) s - 0.5, 0) with s as
    ``source_scale``; i0 = floor(p) (NOTE: torch floors p in float32 even for float64
    inputs: a p just below an integer rounds up to it, and so it does here), i1 = i0 + 1
    but i0 at the last input, l1 = clip(p - i0, 0, 1), l0 = 1 - l1. Computed in
    ``dtype``, the input's float type (torch's opmath for float32 and float64).
    """
    dtype = np.dtype(dtype).type
    i = np.arange(n_out).astype(dtype)
    if align_corners:
        s = dtype(n_in - 1) / dtype(n_out - 1) if n_out > 1 else dtype(0)
        pos = s * i
    else:
        s = source_scale(n_in, n_out, scale, dtype)
        pos = np.maximum(s * (i + dtype(0.5)) - dtype(0.5), dtype(0))
    i0 = np.minimum(np.floor(pos.astype(np.float32)).astype(np.int64), n_in - 1)
    l1 = np.clip(pos - i0.astype(dtype), dtype(0), dtype(1)).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    return ("linear", i0, i1, dtype(1) - l1, l1)


def cubic_plan(n_in: int, n_out: int, scale: float | None, align_corners: bool,
               dtype: Any) -> tuple:
    """("cubic", i0, i1, i2, i3, w0, w1, w2, w3): output i = sum_k w_k[i] x[i_k[i]].

    The source position p is linear_plan's but not clamped at 0; f = floor(p) (in float32,
    as torch), t = p - f, the taps are f - 1 .. f + 2 clamped into the input (a border
    pixel repeats), and the weights Keys' cubic kernel with a = -0.75 at the distances
    1 + t, t, 1 - t, 2 - t: k(d) = ((a + 2) d - (a + 3)) d^2 + 1 for d <= 1 and
    ((a d - 5 a) d + 8 a) d - 4 a for 1 < d < 2. Computed in ``dtype`` (float32 for
    float16, torch's opmath), the weights then rounded to the input's type."""
    store = np.dtype(dtype).type
    dtype = np.float32 if np.dtype(dtype).itemsize < 4 else store
    i = np.arange(n_out).astype(dtype)
    if align_corners:
        s = dtype(n_in - 1) / dtype(n_out - 1) if n_out > 1 else dtype(0)
        pos = s * i
    else:
        pos = source_scale(n_in, n_out, scale, dtype) * (i + dtype(0.5)) - dtype(0.5)
    f = np.minimum(np.floor(pos.astype(np.float32)).astype(np.int64), n_in - 1)
    t = np.clip(pos - f.astype(dtype), dtype(0), dtype(1)).astype(dtype)
    a = dtype(-0.75)

    def near(d: Any) -> Any:
        return ((a + dtype(2)) * d - (a + dtype(3))) * d * d + dtype(1)

    def far(d: Any) -> Any:
        return ((a * d - dtype(5) * a) * d + dtype(8) * a) * d - dtype(4) * a

    one = dtype(1)
    weights = (far(t + one), near(t), near(one - t), far(one - t + one))
    taps = tuple(np.clip(f + k, 0, n_in - 1) for k in (-1, 0, 1, 2))
    return ("cubic", *taps, *(w.astype(store) for w in weights))


def _taps(plan: tuple) -> tuple:
    """(indices, weights) of a linear or cubic plan."""
    n = (len(plan) - 1) // 2
    return plan[1:1 + n], plan[1 + n:]


def _along(axis: int, index: np.ndarray) -> tuple:
    return (slice(None),) * axis + (index,)


def _column(w: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """Weights of one dim shaped to broadcast along ``axis`` of an ndim-d array."""
    return w.reshape(w.shape + (1,) * (ndim - axis - 1))


class Resample(Function):
    """interpolate (nearest / linear / bilinear / trilinear): one plan per spatial dim.

    y = each dim resampled in turn, last dim first: x[src] (nearest) or
    l0 x[i0] + l1 x[i1] (linear). dx = the transposes in the opposite order: g
    scattered back to src, or l0 g to i0 plus l1 g to i1 (the transposed weights).
    NOTE: an inf input meets a weight of 0 where it is not a neighbour's: 0 * inf is nan
    there, silently, as in torch's kernel (it computes the same products).
    """

    @quiet
    def forward(self, x, plans):
        self.save(x.shape, plans)
        for axis in reversed(range(2, x.ndim)):
            x = _step(x, axis, plans[axis - 2])
        return np.asarray(x, order="C")  # torch's result is contiguous (view() works on it)

    @quiet
    def backward(self, g, in_shape, plans):
        shape = list(g.shape)
        for axis in range(2, len(in_shape)):
            shape[axis] = in_shape[axis]
            g = _step_transposed(g, axis, plans[axis - 2], tuple(shape))
        return g


def _step(x: np.ndarray, axis: int, plan: tuple) -> np.ndarray:
    if plan[0] == "nearest":
        return x[_along(axis, plan[1])]
    index, weight = _taps(plan)
    out = _column(weight[0], axis, x.ndim) * x[_along(axis, index[0])]
    for i, w in zip(index[1:], weight[1:]):
        out = out + _column(w, axis, x.ndim) * x[_along(axis, i)]
    return out


def _step_transposed(g: Any, axis: int, plan: tuple, shape: tuple) -> Any:
    """The transpose of ``_step`` (on arrays, or on Tensors under create_graph)."""
    if plan[0] == "nearest":
        return scatter(g, _along(axis, plan[1]), shape)
    index, weight = _taps(plan)
    out = scatter(g * _column(weight[0], axis, g.ndim), _along(axis, index[0]), shape)
    for i, w in zip(index[1:], weight[1:]):
        out = out + scatter(g * _column(w, axis, g.ndim), _along(axis, i), shape)
    return out


# --- the rows ------------------------------------------------------------------------------

def _interp(x: Any, **kw: Any) -> Any:
    return lib(x).nn.functional.interpolate(x, **kw)


def _ref(x: np.ndarray, plans: list) -> np.ndarray:
    """interpolate by its definition: each output element as its sum over source weights."""
    for axis in reversed(range(2, x.ndim)):
        p = plans[axis - 2]
        moved = np.moveaxis(x, axis, -1)
        if p[0] == "nearest":
            out = moved[..., p[1]]
        else:
            index, weight = _taps(p)
            out = np.stack([sum(w[o] * moved[..., i[o]] for i, w in zip(index, weight))
                            for o in range(len(index[0]))], -1)
        x = np.moveaxis(out, -1, axis)
    return x


def _lin(n_in: int, n_out: int, align: bool = False, scale: float | None = None) -> tuple:
    return linear_plan(n_in, n_out, scale, align, np.float64)


row("interpolate(nearest, scale_factor=2)", Resample,
    lambda x: _interp(x, scale_factor=2), lambda x: _ref(x, [nearest_plan(2, 4, 2.0)] * 2),
    ((1, 2, 2, 2),), torch=True)
row("interpolate(nearest, size)", Resample, lambda x: _interp(x, size=7),
    lambda x: _ref(x, [nearest_plan(4, 7, None)]), ((2, 2, 4),), torch=True)
row("interpolate(nearest, downsample)", Resample, lambda x: _interp(x, size=(2, 3)),
    lambda x: _ref(x, [nearest_plan(5, 2, None), nearest_plan(4, 3, None)]),
    ((1, 1, 5, 4),), torch=True)
row("interpolate(linear)", Resample, lambda x: _interp(x, size=7, mode="linear"),
    lambda x: _ref(x, [_lin(4, 7)]), ((2, 3, 4),), torch=True)
row("interpolate(linear, align_corners)", Resample,
    lambda x: _interp(x, scale_factor=1.5, mode="linear", align_corners=True),
    lambda x: _ref(x, [_lin(4, 6, True)]), ((2, 1, 4),), torch=True)
row("interpolate(bilinear, scale_factor=1.7)", Resample,
    lambda x: _interp(x, scale_factor=1.7, mode="bilinear"),
    lambda x: _ref(x, [_lin(3, 5, scale=1.7), _lin(4, 6, scale=1.7)]), ((1, 1, 3, 4),),
    torch=True)
row("interpolate(bilinear, align_corners, downsample)", Resample,
    lambda x: _interp(x, size=(3, 2), mode="bilinear", align_corners=True),
    lambda x: _ref(x, [_lin(5, 3, True), _lin(4, 2, True)]), ((1, 1, 5, 4),), torch=True)
row("interpolate(bicubic, scale_factor=1.5)", Resample,
    lambda x: _interp(x, scale_factor=1.5, mode="bicubic"),
    lambda x: _ref(x, [cubic_plan(3, 4, 1.5, False, np.float64),
                       cubic_plan(4, 6, 1.5, False, np.float64)]), ((1, 2, 3, 4),), torch=True)
row("interpolate(bicubic, align_corners, downsample)", Resample,
    lambda x: _interp(x, size=(3, 5), mode="bicubic", align_corners=True),
    lambda x: _ref(x, [cubic_plan(5, 3, None, True, np.float64),
                       cubic_plan(4, 5, None, True, np.float64)]), ((1, 1, 5, 4),), torch=True)
