"""torch's signal helpers:

- the window functions hann_window / hamming_window / blackman_window / bartlett_window /
  kaiser_window (``periodic=True``, the default, is the window for spectral analysis: the
  symmetric window of length + 1 without its last point);
- ``histogram`` (counts and bin edges, as numpy's; no gradient) and ``gradient`` (central
  differences, one tensor per dim, differentiable as the sums of products they are).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes, return_types
from .api import method
from .ops.helpers import linspace_array
from .tensor import Tensor, _tensor_arg, cat

__all__ = [
    "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window",
    "histogram", "gradient",
]


def _const(arr: Any, requires_grad: bool = False) -> Tensor:
    return Tensor._make(np.asarray(arr), requires_grad, None)


# --- windows ----------------------------------------------------------------------------------


def _window(who: str, length: int, periodic: bool, dtype: Any, requires_grad: bool,
            shape: Any) -> Tensor:
    """``shape(t)`` of t = 2n / (N - 1) - 1 in [-1, 1] (n = 0..N-1), N = length + periodic,
    the last point dropped when periodic; computed in float64, returned in ``dtype``."""
    dt = np.dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if dt.kind != "f":
        raise RuntimeError(f"{who} expects floating point dtypes, got {dt}")
    if length < 0:
        raise RuntimeError(f"{who} requires non-negative window_length, got "
                           f"window_length={length}")
    if length <= 1:
        return _const(np.ones(length, dt), requires_grad)
    n = length + 1 if periodic else length
    t = 2 * np.arange(n) / (n - 1) - 1
    return _const(np.asarray(shape(t)[:length], dt), requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hann window, 0.5 - 0.5 cos(2 pi n / (N - 1)) (N: length, + 1 when periodic).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.hann_window(4).tolist()
        [0.0, 0.5, 1.0, 0.5]
    """
    return _window("hann_window", window_length, periodic, dtype, requires_grad,
                   lambda t: 0.5 + 0.5 * np.cos(np.pi * t))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hamming window, alpha - beta cos(2 pi n / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda t: alpha + beta * np.cos(np.pi * t))


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Tensor:
    """The Blackman window, 0.42 - 0.5 cos(2 pi n / (N-1)) + 0.08 cos(4 pi n / (N-1))."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda t: 0.42 + 0.5 * np.cos(np.pi * t) + 0.08 * np.cos(2 * np.pi * t))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window, 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda t: 1 - np.abs(t))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """The Kaiser window, i0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / i0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad,
                   lambda t: np.i0(beta * np.sqrt(np.clip(1 - t * t, 0, None))) / np.i0(beta))


# --- histogram / gradient ---------------------------------------------------------------------

#: torch.return_types.histogram's fields


@method
def histogram(input: Tensor, bins: Any = 100, *, range: tuple[float, float] | None = None,
              weight: Tensor | None = None, density: bool = False) -> tuple[Tensor, Tensor]:
    """Counts of input's values in ``bins`` (a number of equal bins over ``range``, by
    default the data's min to max, or a 1-d tensor of edges); the last bin includes its
    right edge. ``weight`` sums weights instead of counting; ``density`` divides by the
    total and the bin widths. Floats only; no gradient.

    Example:
        >>> import tinygrad_acts as ta
        >>> h = ta.histogram(ta.tensor([1.0, 2.0, 1.0, 4.0]), bins=3)
        >>> h.hist.tolist(), h.bin_edges.tolist()
        ([2.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    """
    x = _tensor_arg("histogram", input, "input")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histogram: not implemented for dtype {x.dtype} (shape "
                                  f"{x.shape}), as in torch: floats only")
    edges = bins._array if isinstance(bins, Tensor) else _uniform_edges(x._array, int(bins),
                                                                         range)
    w = None if weight is None else _tensor_arg("histogram", weight, "weight")._array
    if w is not None and w.shape != x.shape:
        raise RuntimeError(f"histogram: weight of shape {w.shape} must have input's shape "
                           f"{x.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):  # (density of an empty histogram)
        hist, out_edges = np.histogram(x._array.ravel(), edges,
                                       weights=None if w is None else w.ravel(),
                                       density=density)
    return return_types.histogram(_const(hist.astype(x.dtype)), _const(out_edges.astype(x.dtype)))


def _uniform_edges(x: np.ndarray, bins: int, range: Any) -> np.ndarray:
    """``bins + 1`` equal-width edges over ``range`` (default: the data's min and max, widened
    by 0.5 each way when they are equal; [0, 1] for no data), as torch makes them: a
    linspace in x's dtype, each half counted from its own end.
    """
    if bins < 1:
        raise RuntimeError(f"histogram: bins must be > 0, got {bins}")
    dt = x.dtype
    lo, hi = (np.asarray(v, dt) for v in (range if range is not None else (
        (x.min(), x.max()) if x.size else (0.0, 1.0))))  # (torch's, for no data)
    if lo == hi:
        lo, hi = lo - dt.type(0.5), hi + dt.type(0.5)
    if lo > hi or not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histogram: range of [{lo}, {hi}] is not finite or is reversed")
    return linspace_array(lo, hi, bins + 1, dt)


def _spacings(who: str, x: Tensor, spacing: Any, dims: list[int]) -> list[Any]:
    """Per dim: a number (uniform) or the coordinates along it (an array)."""
    if isinstance(spacing, (int, float)):
        return [float(spacing)] * len(dims)
    items = list(spacing)
    if len(items) == 1 and len(dims) != 1 and not isinstance(items[0], Tensor):
        return [float(items[0])] * len(dims)
    if len(items) != len(dims):
        raise RuntimeError(f"{who} expected spacing to be unspecified, a scalar, or a list of "
                           f"length equal to 'self.dim() = {x.ndim}', since dim argument was "
                           f"not given, but got a list of length {len(items)}")
    out = []
    for item, d in zip(items, dims):
        if isinstance(item, Tensor):
            coords = item._array.astype(np.float64)
            if coords.shape != (x.shape[d],):
                raise RuntimeError(f"{who} expected each tensor to be on the same device "
                                   f"and of length {x.shape[d]} along dim {d}, got shape "
                                   f"{coords.shape}")
            out.append(coords)
        else:
            out.append(float(item))
    return out


def _weights(h: Any, n: int, edge_order: int) -> tuple[tuple, tuple, tuple]:
    """The stencil weights along one dim (numpy's formulas): for the interior points
    (a, b, c on f[i-1], f[i], f[i+1]), then for the first and last point."""
    dx = np.full(n - 1, h) if isinstance(h, float) else np.diff(h)
    hd, hs = dx[:-1], dx[1:]
    inner = (-hs / (hd * (hd + hs)), (hs - hd) / (hd * hs), hd / (hs * (hd + hs)))
    if edge_order == 1:
        first = (-1 / dx[0], 1 / dx[0], 0.0)
        last = (0.0, -1 / dx[-1], 1 / dx[-1])
    else:
        d1, d2 = dx[0], dx[1]
        first = (-(2 * d1 + d2) / (d1 * (d1 + d2)), (d1 + d2) / (d1 * d2),
                 -d1 / (d2 * (d1 + d2)))
        d1, d2 = dx[-2], dx[-1]
        last = (d2 / (d1 * (d1 + d2)), -(d2 + d1) / (d1 * d2), (2 * d2 + d1) / (d2 * (d1 + d2)))
    return inner, first, last


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of sampled values along each dim (or ``dim``): central differences
    inside, one-sided ones of order ``edge_order`` (1 or 2) at the ends. ``spacing`` is a
    number (uniform), one number per dim, or one coordinate tensor per dim. Integers become
    the default float dtype. Differentiable in input.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.gradient(ta.tensor([1.0, 4.0, 9.0, 16.0]))[0].tolist()
        [3.0, 4.0, 6.0, 7.0]
    """
    x = _tensor_arg("gradient", input, "input")
    if x.dtype.kind != "f":
        x = x.astype(dtypes.get_default_dtype())
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(x.ndim)) if dim is None else (
        [dim] if isinstance(dim, int) else list(dim))
    dims = [d % max(x.ndim, 1) for d in dims]
    if any(x.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least "
                           f"edge_order+1 (edge_order {edge_order}, shape {x.shape})")
    outs = []
    for d, h in zip(dims, _spacings("torch.gradient", x, spacing, dims)):
        n = x.shape[d]
        inner, first, last = _weights(h, n, edge_order)
        f = x.movedim(d, -1)
        pieces = [_edge(f[..., 0:3], first), _stencil(f, inner),
                  _edge(f[..., max(n - 3, 0):n], last, right=True)]
        outs.append(cat(pieces, -1).movedim(-1, d))
    return tuple(outs)


def _weight(w: Any, dtype: np.dtype) -> Any:
    return _const(np.asarray(w, dtype)) if isinstance(w, np.ndarray) else float(w)


def _stencil(f: Tensor, inner: tuple) -> Tensor:
    a, b, c = (_weight(w, f.dtype) for w in inner)
    return f[..., :-2] * a + f[..., 1:-1] * b + f[..., 2:] * c


def _edge(window: Tensor, weights: tuple, right: bool = False) -> Tensor:
    """One end point: the weights on the first (or last) two or three values."""
    k = window.shape[-1]
    ws = weights if k == 3 else (weights[1:] if right else weights[:2])
    terms = [window[..., i:i + 1] * float(w) for i, w in enumerate(ws) if w != 0.0]
    return sum(terms[1:], terms[0])
