"""Convolution and pooling rules: conv (1-d, 2-d and 3-d, transposed), max / avg / adaptive
pooling, unfold / fold (im2col / col2im).

Every rule works on ``(N, C, *spatial)`` arrays with one, two or three spatial dims and is built
on two linear maps that are each other's adjoint:

- ``windows`` / ``unfold``: im2col, a strided view ``(N, C, *kernel, *out)`` of the padded
  input (``[n, c, *i, *o] = xp[n, c, *(o * stride + i * dilation)]``), no copy;
- ``fold``: col2im, the sum of such windows back into the input's positions (a loop over
  the kernel offsets, each a strided add of a whole block: no loop over pixels).

A convolution is an unfold and one batched BLAS matmul; its input gradient is a fold of
w^T g and its weight gradient g @ cols^T. ``padding`` is one (lo, hi) pair per spatial dim.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function
from .helpers import is_tensor, permute, swap_last
from .indexing import along, scatter, where
from .linalg import einsum
from .spec import lib, row

Pads = tuple[tuple[int, int], ...]


def out_size(n: int, k: int, s: int, pad: tuple[int, int], d: int = 1,
             ceil: bool = False) -> int:
    """Windows along one dim: floor((n + lo + hi - d (k - 1) - 1) / s) + 1; with ``ceil``,
    rounded up unless the last window would start past the input (torch's rule; so a
    dilated kernel longer than the input still has its one window, which starts inside)."""
    span = n + pad[0] + pad[1] - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + pad[0]:
        out -= 1
    return max(out, 0)


def padded(x: np.ndarray, pads: Pads, value: Any = 0) -> np.ndarray:
    """x with ``pads[j]`` (lo, hi) of ``value`` around spatial dim j (x itself if none)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    out = np.full(x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)),
                  value, x.dtype)
    out[_inner(x.shape[2:], pads)] = x
    return out


def _inner(size: tuple, pads: Pads) -> tuple:
    """The index of the unpadded part of a padded array."""
    return (slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                              zip(size, pads))


def windows(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple,
            out: tuple) -> np.ndarray:
    """im2col as a read-only view: ``(N, C, *kernel, *out)`` of the padded ``xp``."""
    st = xp.strides[2:]
    return as_strided(xp, xp.shape[:2] + tuple(kernel) + tuple(out),
                      xp.strides[:2] + tuple(a * d for a, d in zip(st, dilation))
                      + tuple(a * s for a, s in zip(st, stride)), writeable=False)


def col2im(cols: Any, shape: tuple, stride: tuple, dilation: tuple,
           kernel: tuple = ()) -> np.ndarray:
    """The adjoint of ``windows``: zeros of the padded ``shape`` with each window's values
    added where they were read. ``cols`` is (N, C, *kernel, *out), or a list of the
    (N, C, *out) blocks of each kernel offset (row-major) with ``kernel`` given.
    NOTE: one strided add per kernel offset (overlapping windows accumulate); no Python
    loop over output positions."""
    nd = len(shape) - 2
    acc = np.zeros(shape, cols.dtype if type(cols) is np.ndarray else cols[0].dtype)
    if not kernel:
        kernel = cols.shape[2:2 + nd]
        cols = [cols[(slice(None), slice(None)) + i] for i in np.ndindex(*kernel)]
    out = cols[0].shape[2:]
    if cols[0].size == 0:
        return acc
    for i, block in zip(np.ndindex(*kernel), cols):
        at = tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                   for k, d, s, o in zip(i, dilation, stride, out))
        acc[(slice(None), slice(None)) + at] += block
    return acc


def unfold(x: Any, kernel: tuple, stride: tuple, dilation: tuple, pads: Pads) -> Any:
    """im2col ``(N, C, *kernel, *out)`` of x (a copy); differentiable for a Tensor x."""
    if is_tensor(x):
        return Unfold.apply(x, kernel=kernel, stride=stride, dilation=dilation, pads=pads)
    xp = padded(x, pads)
    out = tuple(out_size(n, k, s, p, d) for n, k, s, p, d in
                zip(x.shape[2:], kernel, stride, pads, dilation))
    return windows(xp, kernel, stride, dilation, out).copy()


def fold(cols: Any, size: tuple, stride: tuple, dilation: tuple, pads: Pads) -> Any:
    """col2im onto an input of spatial ``size`` (padding cropped); differentiable too."""
    if is_tensor(cols):
        return Fold.apply(cols, size=size, stride=stride, dilation=dilation, pads=pads)
    full = cols.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(size, pads))
    # (contiguous, as torch's: the padding cut off would leave a strided slice)
    return np.ascontiguousarray(col2im(cols, full, stride, dilation)[_inner(size, pads)])


class Unfold(Function):
    """F.unfold (im2col): y[n, c, *i, *o] = xp[n, c, *(o s + i d)] (xp: x zero-padded);
    dx = fold(g), the sum of each window's gradient back where it was read."""

    def forward(self, x, kernel, stride, dilation, pads, flat=False):
        cols = unfold(x, kernel, stride, dilation, pads)
        self.save(x.shape[2:], stride, dilation, pads, cols.shape if flat else None)
        # flat: F.unfold's (N, C * K, L) layout made here, so the result is no view
        return cols.reshape(cols.shape[0], cols.shape[1] * math.prod(kernel),
                            math.prod(cols.shape[2 + len(kernel):])) if flat else cols

    def backward(self, g, size, stride, dilation, pads, shape):
        return fold(g if shape is None else g.reshape(shape), size, stride, dilation, pads)


class Fold(Function):
    """F.fold (col2im): y = the windows in x added into an input of spatial ``size``
    (overlaps accumulate, padding cropped); dx = unfold(g), each window's part of g."""

    def forward(self, cols, size, stride, dilation, pads, kernel=None):
        flat = cols.shape if kernel is not None else None  # F.fold's (N, C * K, L) layout
        if kernel is not None:
            out = tuple(out_size(n, k, s, p, d) for n, k, s, p, d in
                        zip(size, kernel, stride, pads, dilation))
            cols = cols.reshape(cols.shape[0], cols.shape[1] // math.prod(kernel), *kernel,
                                *out)
        self.save(cols.shape[2:2 + len(size)], stride, dilation, pads, flat)
        return fold(cols, size, stride, dilation, pads)

    def backward(self, g, kernel, stride, dilation, pads, flat):
        cols = unfold(g, kernel, stride, dilation, pads)
        return cols if flat is None else cols.reshape(flat)


# --- convolution: conv1d / conv2d, conv_transpose ----------------------------------------


def _spatial(shape: tuple) -> tuple[tuple, int]:
    """The spatial dims of an (N, C, *spatial) shape and their product."""
    return shape[2:], math.prod(shape[2:])


def batch_last(x: np.ndarray, pads: Pads) -> np.ndarray:
    """x (N, C, *spatial) zero-padded and laid out (C, *padded, N): the batch innermost."""
    out = np.zeros(x.shape[1:2] + tuple(n + lo + hi for n, (lo, hi) in
                                        zip(x.shape[2:], pads)) + x.shape[:1], x.dtype)
    out[_inner(x.shape[2:], pads)[1:] + (slice(None),)] = np.moveaxis(x, 0, -1)
    return out


def windows_last(xt: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple,
                 out: tuple) -> np.ndarray:
    """im2col of a batch-last ``xt`` (C, *padded, N) as a read-only view (C, *kernel, *out,
    N): ``[c, *i, *o, n] = xt[c, *(o * stride + i * dilation), n]``."""
    st = xt.strides[1:-1]
    return as_strided(xt, xt.shape[:1] + tuple(kernel) + tuple(out) + xt.shape[-1:],
                      xt.strides[:1] + tuple(a * d for a, d in zip(st, dilation))
                      + tuple(a * s for a, s in zip(st, stride)) + xt.strides[-1:],
                      writeable=False)


def col2im_last(dcols: np.ndarray, shape: tuple, stride: tuple, dilation: tuple,
                nd: int) -> np.ndarray:
    """The adjoint of ``windows_last``: ``dcols`` (C, *kernel, *out, N) added into zeros of
    the batch-last padded ``shape`` (C, *padded, N), one strided add per kernel offset.
    NOTE: with the batch innermost each add runs over out[-1] * N contiguous numbers, not
    over rows of out[-1]: this is what makes col2im cheap (a 5x5 LeNet kernel: ~6x)."""
    acc = np.zeros(shape, dcols.dtype)
    kernel, out = dcols.shape[1:1 + nd], dcols.shape[1 + nd:1 + 2 * nd]
    if 0 in out:
        return acc
    for i in np.ndindex(*kernel):
        at = tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                   for k, d, s, o in zip(i, dilation, stride, out))
        acc[(slice(None),) + at] += dcols[(slice(None),) + i]
    return acc


class Conv(Function):
    """conv1d / conv2d: y[n, o] = b[o] + sum_{c, i} w[o, c, i] xp[n, c_o + c, o s + i d]
    (xp: x zero-padded, c_o the first channel of o's group). Per group, with cols the
    im2col matrix (C/G * K, L * N) of the whole batch: y = W @ cols; dx = col2im(W^T @ g);
    dW = g @ cols^T; db = sum g: one BLAS call each.

    NOTE: the columns are laid out batch-last (``batch_last``): the im2col copy, the one
    GEMM over the whole batch and the col2im adds all run over long contiguous stretches;
    only the (small) input, output and their gradients are transposed. cols is saved when
    W needs a gradient (it costs the input size times the kernel size, but the weight
    gradient then needs no second im2col); under create_graph it is rebuilt from the
    Tensor x (an Unfold), so the graph reaches it. x and w are kept as torch keeps them
    (version-checked; ``fused``: under create_graph each gradient depends on both).
    """

    fused = True

    def forward(self, x, w, b=None, *, stride, dilation, pads, groups):
        need_w = self.needs_input_grad[1]
        nd, out = len(stride), _conv_out(x.shape, w.shape, stride, dilation, pads)
        cols = _columns(x, w.shape[2:], stride, dilation, pads, out, groups)
        y = np.moveaxis((_grouped(w, groups) @ cols).reshape(w.shape[0], *out, x.shape[0]),
                        -1, 0)
        self.save(x, cols if need_w else None, w, x.shape, w.shape, stride, dilation, pads,
                  groups)
        if b is None:
            return np.ascontiguousarray(y)
        return np.add(y, b.reshape(-1, *(1,) * nd), order="C")  # bias and layout: one pass

    def backward(self, g, x, cols, w, x_shape, w_shape, stride, dilation, pads, groups):
        needs, nd = self.needs_input_grad, len(stride)
        gt = _grad_last(g, groups)
        gx = gw = None
        if needs[0]:
            dcols = (swap_last(_grouped(w, groups)) @ gt).reshape(
                x_shape[1], *w_shape[2:], *g.shape[2:], g.shape[0])
            gx = _conv_input_grad(dcols, x_shape, stride, dilation, pads)
        if needs[1]:
            if is_tensor(x) or is_tensor(g):  # create_graph: cols from the Tensor x
                cols = permute(unfold(x, w_shape[2:], stride, dilation, pads),
                               (*range(1, 2 + 2 * nd), 0)).reshape(cols.shape)
            gw = (gt @ swap_last(cols)).reshape(w_shape)
        if len(needs) == 2:
            return gx, gw
        return gx, gw, gt.sum(2).reshape(w_shape[0]) if needs[2] else None


def _grad_last(g: Any, groups: int) -> Any:
    """The output gradient (N, O, *out) batch-last, per group: (G, O/G, L * N)."""
    gt = permute(g, (*range(1, g.ndim), 0))
    gt = gt if is_tensor(gt) else np.ascontiguousarray(gt)
    return gt.reshape(groups, g.shape[1] // groups, math.prod(g.shape[2:]) * g.shape[0])


def _columns(x: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, pads: Pads,
             out: tuple, groups: int) -> np.ndarray:
    """The batch-last im2col matrices of x, one per group: (G, C/G * K, L * N), a copy.
    (NOTE: no -1 in the shape: an empty batch cannot infer it.)"""
    cols = windows_last(batch_last(x, pads), kernel, stride, dilation, out)
    return cols.reshape(groups, x.shape[1] // groups * math.prod(kernel),
                        math.prod(out) * x.shape[0])


def _conv_out(x_shape: tuple, w_shape: tuple, stride: tuple, dilation: tuple,
              pads: Pads) -> tuple:
    return tuple(out_size(n, k, s, p, d) for n, k, s, p, d in
                 zip(x_shape[2:], w_shape[2:], stride, pads, dilation))


def _grouped(w: Any, groups: int) -> Any:
    """A conv weight (O, C/G, *kernel) as G matrices (G, O/G, C/G * K)."""
    return w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))


def _conv_input_grad(dcols: Any, x_shape: tuple, stride: tuple, dilation: tuple,
                     pads: Pads) -> Any:
    """dx (N, C, *spatial) from the batch-last column gradient (C, *kernel, *out, N)."""
    nd = len(stride)
    if is_tensor(dcols):  # create_graph: a differentiable Fold of the (N, C, ...) columns
        return fold(permute(dcols, (dcols.ndim - 1, *range(dcols.ndim - 1))), x_shape[2:],
                    stride, dilation, pads)
    padded_shape = (x_shape[1], *(n + lo + hi for n, (lo, hi) in zip(x_shape[2:], pads)),
                    x_shape[0])
    acc = col2im_last(dcols, padded_shape, stride, dilation, nd)
    return np.ascontiguousarray(np.moveaxis(acc[_inner(x_shape[2:], pads)[1:]], -1, 0))


class ConvTranspose(Function):
    """conv_transpose1d / 2d, the adjoint of conv in its input: per group, with W
    (C_in/G, C_out/G * K): y = fold(W^T @ x) + b onto the output's ``size``;
    dx = W @ unfold(g); dW = sum_n x @ unfold(g)^T; db = sum g. x and w are kept as torch
    keeps them (``fused``: under create_graph each gradient depends on both)."""

    fused = True

    def forward(self, x, w, b=None, *, stride, dilation, pads, groups, size):
        n, spatial = x.shape[0], x.shape[2:]
        x4 = x.reshape(n, groups, x.shape[1] // groups, math.prod(spatial))
        cols = swap_last(w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))) @ x4
        y = fold(cols.reshape(n, w.shape[1] * groups, *w.shape[2:], *spatial), size, stride,
                 dilation, pads)
        self.save(x, w, x.shape, w.shape, stride, dilation, pads, groups)
        if b is not None:
            y += b.reshape(-1, *(1,) * len(size))
        # NOTE: with padding, fold's result is a crop of a larger array: torch's is C-ordered
        return np.ascontiguousarray(y)

    def backward(self, g, x, w, x_shape, w_shape, stride, dilation, pads, groups):
        needs = self.needs_input_grad
        n, spatial = g.shape[0], x_shape[2:]
        # NOTE: an output_padding past the stride (but under the dilation) adds windows
        # that no input position made: they are cut off
        cols = unfold(g, w_shape[2:], stride, dilation, pads)[
            (Ellipsis,) + tuple(slice(0, m) for m in spatial)].reshape(
            n, groups, w_shape[1] * math.prod(w_shape[2:]), math.prod(spatial))
        w3 = w.reshape(groups, w_shape[0] // groups, cols.shape[2]) if needs[0] else None
        gx = (w3 @ cols).reshape(x_shape) if needs[0] else None
        gw = None
        if needs[1]:
            x4 = x.reshape(n, groups, x_shape[1] // groups, math.prod(spatial))
            gw = (x4 @ swap_last(cols)).sum(0).reshape(w_shape)
        if len(needs) == 2:
            return gx, gw
        return gx, gw, g.sum(axis=(0, *range(2, g.ndim))) if needs[2] else None


# --- pooling: max / avg / adaptive ------------------------------------------------------------


def scan_max(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """The max of arrays given in scan order and the position of its winner, with torch's
    rule: a later value wins only if it is larger, or nan. NOTE: so a tie goes to the FIRST
    max and a nan to the LAST nan, exactly as torch's max_pool / adaptive_max_pool."""
    values = iter(values)
    first = next(values)
    best, arg = first.copy(), np.zeros(first.shape, np.int64)
    for j, v in enumerate(values, 1):
        win = v > best
        if v.dtype.kind == "f":
            win |= np.isnan(v)
        np.copyto(best, v, where=win)
        np.copyto(arg, j, where=win)
    return best, arg


def lowest(dtype: np.dtype) -> Any:
    """The padding of max pooling: -inf, or an integer dtype's smallest value."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def max_scan(x: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, pads: Pads,
             out: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Each window's max and winner (an offset into the kernel, row-major)."""
    win = windows(padded(x, pads, lowest(x.dtype)), kernel, stride, dilation, out)
    return scan_max(win[(slice(None), slice(None)) + i] for i in np.ndindex(*kernel))


def _taps(x: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, pads: Pads,
          out: tuple) -> list[np.ndarray]:
    """The window cells at each kernel offset, as strided views of the padded x."""
    win = windows(padded(x, pads, lowest(x.dtype)), kernel, stride, dilation, out)
    return [win[(slice(None), slice(None)) + i] for i in np.ndindex(*kernel)]


def _first_wins(taps: list, best: np.ndarray) -> list[np.ndarray]:
    """Per kernel offset, where it holds its window's winner: the first cell equal to
    the max (torch's tie rule); a window with a nan falls back to torch's scan."""
    if best.dtype.kind == "f" and np.isnan(best).any():
        _, arg = scan_max(taps)
        return [arg == j for j in range(len(taps))]
    taken = np.zeros(best.shape, bool)
    wins = []
    for v in taps:
        won = (v == best) > taken  # equal to the max and no earlier cell took it
        taken |= won
        wins.append(won)
    return wins


def max_indices(arg: np.ndarray, size: tuple, kernel: tuple, stride: tuple,
                dilation: tuple, pads: Pads) -> np.ndarray:
    """torch's return_indices: each winner's flat position in its (unpadded) plane."""
    at = np.unravel_index(arg, kernel)
    pos = [np.arange(o).reshape((-1,) + (1,) * (len(kernel) - 1 - j)) * s - lo + a * d
           for j, (o, s, (lo, _), a, d) in enumerate(zip(arg.shape[2:], stride, pads, at,
                                                         dilation))]
    flat = pos[0]
    for n, p in zip(size[1:], pos[1:]):
        flat = flat * n + p
    return np.asarray(flat, np.int64)


def _route(g: np.ndarray, wins: list, shape: tuple, kernel: tuple, stride: tuple,
           dilation: tuple) -> np.ndarray:
    """col2im of g masked by each offset's winners (NOTE: an inf or nan g reaches the
    winner only, as torch). Where windows overlap, g is added in place where a cell won;
    where they are disjoint (stride past the dilated kernel, LeNet's 2x2 pools), each cell
    gets at most one value, so each offset's block is written once, by a bit mask."""
    disjoint = all(s > d * (k - 1) for k, s, d in zip(kernel, stride, dilation))
    tiled = disjoint and all(s == k and d == 1 and n == s * o for k, s, d, n, o in
                             zip(kernel, stride, dilation, shape[2:], g.shape[2:]))
    acc = np.empty(shape, g.dtype) if tiled else np.zeros(shape, g.dtype)  # tiled: all set
    if g.size == 0:
        return acc
    bits = np.dtype(f"i{g.itemsize}")
    if disjoint and g.dtype.kind == "f":
        g = g + 0.0  # NOTE: -0.0 becomes +0.0, as the scatter's 0 + g gives (torch's bits)
    for i, won in zip(np.ndindex(*kernel), wins):
        at = acc[(slice(None), slice(None)) + tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s) for k, d, s, o in
            zip(i, dilation, stride, g.shape[2:]))]
        if disjoint:
            # NOTE: g's bits where the cell won, all-zero bits (+0.0) elsewhere: an exact
            # select, 4x faster than copyto(where=); g * won would give -0.0 and inf * 0 nan
            np.bitwise_and(g.view(bits), -won.view(np.int8), out=at.view(bits))
        else:
            np.add(at, g, out=at, where=won)
    return acc


class MaxPool(Function):
    """max_pool1d / 2d: maxout over windows: y = the max of each window of x (padded with
    -inf); dx = g routed to each window's winner (overlapping windows accumulate).

    NOTE: ties give the whole gradient to the FIRST max in the window (row-major scan
    order), as torch's max_pool does, not amax's even split; a window with a nan returns
    nan and routes g to its last nan, as torch. The winners are found in backward, from
    x and y (saved without copies), by one comparison per kernel offset.
    """

    def forward(self, x, kernel, stride, dilation, pads, out):
        taps = _taps(x, kernel, stride, dilation, pads, out)
        y = np.maximum(taps[0], taps[1]) if len(taps) > 1 else taps[0].copy()
        for v in taps[2:]:
            np.maximum(y, v, out=y)  # NOTE: propagates nan, as torch's max_pool
        self.save(x, y, kernel, stride, dilation, pads)
        return y

    def backward(self, g, x, y, kernel, stride, dilation, pads):
        n, c, out = g.shape[0], g.shape[1], g.shape[2:]
        x, y = (v._array if is_tensor(v) else v for v in (x, y))  # masks: constants
        wins = _first_wins(_taps(x, kernel, stride, dilation, pads, out), y)
        if is_tensor(g):  # create_graph: g picked by constant masks, then a Fold
            cols = where(np.stack(wins, 2), g.reshape(n, c, 1, *out), 0.0)
            return fold(cols.reshape(n, c, *kernel, *out), x.shape[2:], stride, dilation,
                        pads)
        full = x.shape[:2] + tuple(m + lo + hi for m, (lo, hi) in zip(x.shape[2:], pads))
        return _route(g, wins, full, kernel, stride, dilation)[_inner(x.shape[2:], pads)]


def avg_divisor(size: tuple, kernel: tuple, stride: tuple, pads: Pads, out: tuple,
                include_pad: bool, override: int | None) -> np.ndarray:
    """Each window's divisor (torch's): its cells inside x, or also those inside the
    padding with ``include_pad`` (never past it, as a ceil_mode window may reach)."""
    if override:
        return np.full(out, float(override))
    div = np.ones(())
    for n, k, s, (lo, _), o in zip(size, kernel, stride, pads, out):
        start = np.arange(o) * s - lo
        end = np.minimum(start + k, n + lo)
        count = end - start if include_pad else np.minimum(end, n) - np.maximum(start, 0)
        div = np.multiply.outer(div, count)
    return div


class AvgPool(Function):
    """avg_pool1d / 2d: y = the sum of each window of x zero-padded, / the window's divisor
    (avg_divisor); dx = fold(g / divisor spread evenly over each window)."""

    def forward(self, x, kernel, stride, pads, out, divisor):
        ones = (1,) * len(kernel)
        win = windows(padded(x, pads), kernel, stride, ones, out)
        # (x kept as torch keeps it: version-checked, and a create_graph gradient depends on it)
        self.save(divisor.astype(x.dtype), x.shape[2:], kernel, stride, pads, x)
        return (win.sum(axis=tuple(range(2, 2 + len(kernel)))) / divisor).astype(x.dtype)

    def backward(self, g, divisor, size, kernel, stride, pads, x):
        n, c, out = g.shape[0], g.shape[1], g.shape[2:]
        share = (g / divisor).reshape(n, c, *(1,) * len(kernel), *out)
        cols = share.expand(n, c, *kernel, *out) if is_tensor(share) else np.broadcast_to(
            share, (n, c, *kernel, *out))
        return fold(cols, size, stride, (1,) * len(kernel), pads)


def adaptive_bounds(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's adaptive windows: output i covers [floor(i n / m), ceil((i + 1) n / m))."""
    i = np.arange(m)
    return i * n // m, -((-(i + 1) * n) // m)


def adaptive_matrix(n: int, m: int, dtype: Any) -> np.ndarray:
    """(m, n): row i averages the adaptive window i of a length-n dim."""
    start, end = adaptive_bounds(n, m)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool(Function):
    """adaptive_avg_pool1d / 2d: separable averages, y = A x (1-d), y = A_h x A_w^T per
    plane (2-d), A's rows averaging the adaptive windows; dx = A^T g (A_h^T g A_w).

    NOTE: computed window by window (a loop over the output size of each dim), not as the
    products with A: A's zeros would turn an inf anywhere in the plane into nan everywhere
    (0 * inf). x is kept, as torch keeps it (its create_graph gradient depends on x).
    """

    def forward(self, x, mats):
        self.save(mats, x)
        for axis, mat in zip(range(2, x.ndim), mats):
            x = _window_means(x, axis, adaptive_bounds(x.shape[axis], mat.shape[0]))
        return x

    def backward(self, g, mats, x):
        ins, out = _adaptive_eq(len(mats)).split("->")
        x_sub, *mat_subs = ins.split(",")
        if is_tensor(g):  # create_graph: the products, differentiable in g
            return einsum(f"{out},{','.join(mat_subs)}->{x_sub}", g, *mats)
        for axis, mat in zip(range(2, g.ndim), mats):
            g = _window_means_grad(g, axis, adaptive_bounds(mat.shape[1], mat.shape[0]))
        return g


def _window_means(x: np.ndarray, axis: int, bounds: tuple) -> np.ndarray:
    x = np.moveaxis(x, axis, -1)
    out = np.stack([x[..., a:b].mean(-1) for a, b in zip(*bounds)], -1)
    return np.moveaxis(out, -1, axis)


def _window_means_grad(g: np.ndarray, axis: int, bounds: tuple) -> np.ndarray:
    g = np.moveaxis(g, axis, -1)
    dx = np.zeros((*g.shape[:-1], int(bounds[1][-1])), g.dtype)
    for j, (a, b) in enumerate(zip(*bounds)):
        dx[..., a:b] += g[..., j:j + 1] / (b - a)
    return np.moveaxis(dx, -1, axis)


def _adaptive_eq(nd: int) -> str:
    """The pooling as an einsum of x with one (out, in) matrix per spatial dim:
    "ncl,ol->nco", "nchw,ih,jw->ncij", "ncdhw,id,jh,kw->ncijk"."""
    ins, outs = "dhw"[3 - nd:] if nd > 1 else "l", "ijk"[:nd] if nd > 1 else "o"
    mats = ",".join(o + i for o, i in zip(outs, ins))
    return f"nc{ins},{mats}->nc{outs}"


def adaptive_max_index(x: np.ndarray, out: tuple) -> np.ndarray:
    """Each adaptive window's winner as a flat index into its plane (torch's scan rule)."""
    bounds = [adaptive_bounds(n, m) for n, m in zip(x.shape[2:], out)]
    span = [int((end - start).max()) if len(start) else 1 for start, end in bounds]
    # NOTE: a window shorter than the longest repeats its last cell: a repeat never wins
    idx = [np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)
           for (start, end), k in zip(bounds, span)]
    nd = len(idx)
    flat = np.zeros((1,) * (2 * nd), np.int64)
    for d, (n, ix) in enumerate(zip(x.shape[2:], idx)):  # axes (*out, *kernel), row-major
        shape = [1] * (2 * nd)
        shape[d], shape[nd + d] = ix.shape
        flat = flat * n + ix.reshape(shape)
    flat = flat.reshape(*out, -1)
    planes = x.reshape(*x.shape[:2], -1)
    _, arg = scan_max(planes[:, :, flat[..., j]] for j in range(flat.shape[-1]))
    return np.take_along_axis(np.broadcast_to(flat, x.shape[:2] + flat.shape),
                              arg[..., None], -1)[..., 0]


class AdaptiveMaxPool(Function):
    """adaptive_max_pool1d / 2d / 3d: y = the max of each adaptive window (torch's scan picks
    the winner); dx = g added at the winners.

    NOTE: x is kept (not only the winners), as torch keeps it: under create_graph the
    gradient then depends on x, so it requires grad there as torch's does.
    """

    def forward(self, x, out):
        index = adaptive_max_index(x, out)
        self.save(x, index)
        planes = x.reshape(*x.shape[:2], -1)
        return np.take_along_axis(planes, index.reshape(*x.shape[:2], -1), 2).reshape(
            index.shape)

    def backward(self, g, x, index):
        n, c = x.shape[:2]
        at = along(index.reshape(n, c, -1), 2)
        return scatter(g.reshape(n, c, -1), at, (n, c, math.prod(x.shape[2:]))).reshape(
            x.shape)


# --- the rows: numpy references written out, one output position or kernel offset at a time --


def _f(a: Any) -> Any:
    return lib(a).nn.functional


def _conv_ref(x: np.ndarray, w: np.ndarray, b: Any = None, stride: int = 1, pad: Any = 0,
              dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """conv2d by its definition: a sum over kernel offsets of channel contractions."""
    (ph, pw), (dh, dw) = np.broadcast_to(pad, (2,)), np.broadcast_to(dilation, (2,))
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    kh, kw = w.shape[2:]
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // stride + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // stride + 1
    cin, cout = w.shape[1], w.shape[0] // groups
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                part = xp[:, g * cin:(g + 1) * cin, i * dh:, j * dw:][
                    :, :, :stride * oh:stride, :stride * ow:stride]
                y[:, g * cout:(g + 1) * cout] += np.einsum(
                    "nchw,oc->nohw", part, w[g * cout:(g + 1) * cout, :, i, j])
    return y if b is None else y + b[:, None, None]


def _convt_ref(x: np.ndarray, w: np.ndarray, b: Any = None, stride: int = 1, pad: int = 0,
               extra: int = 0, groups: int = 1, dilation: int = 1) -> np.ndarray:
    """conv_transpose2d by its definition: each input pixel spreads w * x."""
    kh, kw = w.shape[2:]
    cin, cout = x.shape[1] // groups, w.shape[1]
    full = [(n - 1) * stride + dilation * (k - 1) + 1 + extra for n, k in
            zip(x.shape[2:], (kh, kw))]
    y = np.zeros((x.shape[0], cout * groups, *full))
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                y[:, g * cout:(g + 1) * cout, i * dilation:, j * dilation:][
                    :, :, :stride * x.shape[2]:stride, :stride * x.shape[3]:stride] += \
                    np.einsum("nchw,co->nohw", x[:, g * cin:(g + 1) * cin],
                              w[g * cin:(g + 1) * cin, :, i, j])
    y = y[:, :, pad:full[0] - pad, pad:full[1] - pad]
    return y if b is None else y + b[:, None, None]


def _pool_ref(x: np.ndarray, k: Any, s: Any, pad: Any, reduce: Any, dilation: Any = 1,
              ceil: bool = False, fill: float = -np.inf) -> np.ndarray:
    """2-d pooling position by position: reduce(window, its cells inside x, start, pads);
    k, s, pad, dilation: ints or pairs."""
    k, s, pad, dilation = (tuple(np.broadcast_to(v, (2,))) for v in (k, s, pad, dilation))
    n = x.shape[2:]
    out = [out_size(*a, ceil) for a in zip(n, k, s, ((p, p) for p in pad), dilation)]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p + kk * d) for p, kk, d in zip(pad, k, dilation)])
    y = np.zeros(x.shape[:2] + tuple(out))
    for at in np.ndindex(*out):
        cells = [np.arange(kk) * d + o * st - p for kk, d, o, st, p in
                 zip(k, dilation, at, s, pad)]
        win = xp[:, :, cells[0][:, None] + pad[0], cells[1][None, :] + pad[1]]
        hits = ((cells[0] >= 0) & (cells[0] < n[0]))[:, None] & (
            (cells[1] >= 0) & (cells[1] < n[1]))[None, :]
        y[(slice(None), slice(None)) + at] = reduce(np.where(hits, win, fill), hits,
                                                    [c[0] for c in cells], pad)
    return y


def _max(v: np.ndarray, hits: np.ndarray, at: list, pad: tuple) -> np.ndarray:
    return v.max((2, 3))


def _avg(count_pad: bool, k: Any, n: tuple) -> Any:
    """torch's mean: the window's cells inside x, or inside x and its padding."""
    def reduce(win: np.ndarray, hits: np.ndarray, at: list, pad: tuple) -> np.ndarray:
        span = [min(a + kk, m + p) - a for a, kk, m, p in zip(at, np.broadcast_to(k, (2,)),
                                                                n, pad)]
        div = span[0] * span[1] if count_pad else hits.sum()
        return win.sum(axis=(2, 3)) / div
    return reduce


def _adaptive_ref(x: np.ndarray, out: tuple, reduce: Any) -> np.ndarray:
    """adaptive pooling window by window (the last dims of x)."""
    bounds = [adaptive_bounds(n, m) for n, m in zip(x.shape[2:], out)]
    y = np.zeros(x.shape[:2] + out)
    for at in np.ndindex(*out):
        part = x[(slice(None), slice(None)) + tuple(slice(b[0][i], b[1][i]) for b, i in
                                                    zip(bounds, at))]
        y[(slice(None), slice(None)) + at] = reduce(part, axis=tuple(range(2, x.ndim)))
    return y


def _unfold_ref(x: np.ndarray, k: int, s: int, pad: int, dilation: int) -> np.ndarray:
    c = x.shape[1]
    w = np.eye(c * k * k).reshape(c * k * k, c, k, k)  # one output channel per block pixel
    y = _conv_ref(x, w, None, s, pad, dilation)
    return y.reshape(y.shape[0], y.shape[1], -1)


def _fold_ref(cols: np.ndarray, size: tuple, k: int) -> np.ndarray:
    c = cols.shape[1] // (k * k)
    oh, ow = size[0] - k + 1, size[1] - k + 1
    w = np.eye(c * k * k).reshape(c * k * k, c, k, k)
    return _convt_ref(cols.reshape(cols.shape[0], -1, oh, ow), w)


_N44 = (4, 4)
# NOTE: the max-pooling rows do not set ties (that flag means amax's even split): their
# first-max rule is checked against torch in tests/test_conv.py.
row("conv2d", Conv, lambda x, w, b: _f(x).conv2d(x, w, b), _conv_ref,
    ((1, 2, 4, 4), (2, 2, 3, 3), (2,)), ((2, 1, 4, 3), (2, 1, 2, 2), (2,)), torch=True)
row("conv2d(stride=2, padding=1)", Conv, lambda x, w: _f(x).conv2d(x, w, stride=2, padding=1),
    lambda x, w: _conv_ref(x, w, stride=2, pad=1), ((1, 2, 5, 5), (3, 2, 3, 3)), torch=True)
row("conv2d(dilation, padding=same)", Conv,
    lambda x, w: _f(x).conv2d(x, w, padding="same", dilation=(2, 1)),
    lambda x, w: _conv_ref(np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)]), w, dilation=(2, 1)),
    ((1, 2, 5, 4), (2, 2, 2, 3)), torch=True)
row("conv2d(groups=2)", Conv, lambda x, w, b: _f(x).conv2d(x, w, b, groups=2),
    lambda x, w, b: _conv_ref(x, w, b, groups=2), ((1, 4, 4, 4), (4, 2, 3, 3), (4,)),
    torch=True)
row("conv1d(stride=2, padding=1)", Conv,
    lambda x, w, b: _f(x).conv1d(x, w, b, stride=2, padding=1),
    lambda x, w, b: _conv_ref(x[:, :, None], w[:, :, None], b, 2, (0, 1))[:, :, 0],
    ((2, 2, 6), (3, 2, 3), (3,)), torch=True)
row("conv_transpose2d(stride, padding, output_padding)", ConvTranspose,
    lambda x, w, b: _f(x).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
    lambda x, w, b: _convt_ref(x, w, b, 2, 1, 1), ((1, 2, 2, 3), (2, 2, 2, 2), (2,)),
    torch=True)
row("conv_transpose2d(groups, dilation)", ConvTranspose,
    lambda x, w: _f(x).conv_transpose2d(x, w, groups=2, dilation=2),
    lambda x, w: _convt_ref(x, w, groups=2, dilation=2), ((1, 4, 2, 2), (4, 1, 2, 2)),
    torch=True)
row("conv_transpose1d(stride=2)", ConvTranspose,
    lambda x, w: _f(x).conv_transpose1d(x, w, stride=2),
    lambda x, w: _convt_ref(x[:, :, None], w[:, :, None], stride=2)[:, :, 0],
    ((2, 2, 3), (2, 3, 3)), torch=True)
row("max_pool2d", MaxPool, lambda x: _f(x).max_pool2d(x, 2),
    lambda x: _pool_ref(x, 2, 2, 0, _max), ((1, 2, 4, 4),),
    ((2, 1, 5, 4),), torch=True)
row("max_pool2d(overlapping, padding)", MaxPool,
    lambda x: _f(x).max_pool2d(x, 3, stride=1, padding=1),
    lambda x: _pool_ref(x, 3, 1, 1, _max), ((1, 1, 4, 5),),
    torch=True)
row("max_pool2d(dilation, ceil_mode)", MaxPool,
    lambda x: _f(x).max_pool2d(x, 2, stride=2, dilation=2, ceil_mode=True),
    lambda x: _pool_ref(x, 2, 2, 0, _max, 2, True),
    ((1, 2, 5, 5),), torch=True)
row("max_pool1d(stride=2, padding=1)", MaxPool,
    lambda x: _f(x).max_pool1d(x, 3, stride=2, padding=1),
    lambda x: _pool_ref(x[:, :, None], (1, 3), (1, 2), (0, 1), _max)[:, :, 0],
    ((2, 2, 7),), torch=True)
row("avg_pool2d", AvgPool, lambda x: _f(x).avg_pool2d(x, 2),
    lambda x: _pool_ref(x, 2, 2, 0, _avg(True, 2, _N44), fill=0.0), ((1, 2, 4, 4),),
    torch=True)
row("avg_pool2d(padding, ceil_mode, count_include_pad)", AvgPool,
    lambda x: _f(x).avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: _pool_ref(x, 3, 2, 1, _avg(True, 3, (4, 4)), ceil=True, fill=0.0),
    ((1, 2, 4, 4),), torch=True)
row("avg_pool2d(padding, count_include_pad=False)", AvgPool,
    lambda x: _f(x).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda x: _pool_ref(x, 3, 2, 1, _avg(False, 3, (5, 5)), fill=0.0), ((1, 2, 5, 5),),
    torch=True)
row("avg_pool2d(divisor_override=3)", AvgPool,
    lambda x: _f(x).avg_pool2d(x, 2, divisor_override=3),
    lambda x: _pool_ref(x, 2, 2, 0, lambda v, h, a, p: v.sum((2, 3)) / 3, fill=0.0),
    ((1, 2, 4, 4),), torch=True)
row("avg_pool1d(stride=2)", AvgPool, lambda x: _f(x).avg_pool1d(x, 3, stride=2),
    lambda x: _pool_ref(x[:, :, None], (1, 3), (1, 2), 0, _avg(True, (1, 3), (1, 7)),
                        fill=0.0)[:, :, 0], ((2, 2, 7),), torch=True)
row("adaptive_avg_pool2d", AdaptiveAvgPool, lambda x: _f(x).adaptive_avg_pool2d(x, (2, 3)),
    lambda x: _adaptive_ref(x, (2, 3), np.mean), ((1, 2, 5, 7),), torch=True)
row("adaptive_avg_pool1d", AdaptiveAvgPool, lambda x: _f(x).adaptive_avg_pool1d(x, 3),
    lambda x: _adaptive_ref(x, (3,), np.mean), ((2, 2, 7),), torch=True)
row("adaptive_max_pool2d", AdaptiveMaxPool, lambda x: _f(x).adaptive_max_pool2d(x, (2, 3)),
    lambda x: _adaptive_ref(x, (2, 3), np.max), ((1, 2, 5, 7),), torch=True)
row("adaptive_max_pool1d", AdaptiveMaxPool, lambda x: _f(x).adaptive_max_pool1d(x, 3),
    lambda x: _adaptive_ref(x, (3,), np.max), ((2, 2, 7),), torch=True)
row("unfold", Unfold, lambda x: _f(x).unfold(x, 2, stride=2),
    lambda x: _unfold_ref(x, 2, 2, 0, 1), ((1, 2, 4, 4),), torch=True)
row("unfold(dilation, padding)", Unfold,
    lambda x: _f(x).unfold(x, 2, dilation=2, padding=1, stride=2),
    lambda x: _unfold_ref(x, 2, 2, 1, 2), ((1, 1, 4, 4),), torch=True)
row("fold", Fold, lambda x: _f(x).fold(x, (3, 3), 2), lambda x: _fold_ref(x, (3, 3), 2),
    ((1, 8, 4),), torch=True)
