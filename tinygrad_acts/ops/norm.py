"""Normalization rules with closed-form (fused) backwards: batch / layer / group / instance
norm.

All four are one rule, ``Norm``: x seen in a shape ``view`` is standardised over some of its
axes and then scaled and shifted per channel (or per element of ``normalized_shape``).
Which axes, which view and where the weight broadcasts is all that tells the four apart:

- batch norm, x (N, C, *): view (N, C, M), statistics over (0, 2), weight (1, C, 1)
- instance norm: the same view, statistics over (2,) only (one pair per sample and channel)
- group norm: view (N, G, C / G, M), statistics over (2, 3), weight (1, G, C / G, 1)
- layer norm: x itself, statistics over its last dims, weight shaped like those dims

The statistics come in from the caller (``moments``), who also needs them for running
averages; ``batch`` says whether they are x's own (their gradient is then part of dx) or
constants (batch norm in eval mode). The rows close the file.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import is_tensor, shape_of, unbroadcast
from .shape import DependsOn
from .spec import lib, row


def moments(x: Any, axes: tuple) -> tuple[Any, Any]:
    """The mean and the biased variance of ``x`` over ``axes`` (kept as size-1 dims), for
    arrays and Tensors alike.

    NOTE: two passes (the mean, then the mean of squared deviations), not E[x^2] - E[x]^2,
    which cancels catastrophically for data far from 0 (a channel of values near 1e4) and
    can even come out negative; the mean of nothing is nan, as in torch.
    """
    mean = _mean(x, axes)
    d = x - mean
    return mean, _mean(d * d, axes)


def _mean(x: Any, axes: tuple) -> Any:
    """The mean over ``axes``, kept as size-1 dims, as a sum over a count (the mean of
    nothing is nan, quietly)."""
    n = int(np.prod([x.shape[a] for a in axes]))
    with np.errstate(invalid="ignore", divide="ignore"):
        if type(x) is np.ndarray and x.dtype.kind == "f" and x.dtype.itemsize < 8:
            # NOTE: float32 sums in float64, as torch's CPU norms accumulate (so the gradient
            # of a sum of normalised values is 0, not 1e-5 of rounding times the weight)
            return (x.sum(axis=axes, keepdims=True, dtype=np.float64) / n).astype(x.dtype)
        return x.sum(axis=axes, keepdims=True) / n


class Norm(Function):
    """norm: xh = (x - mean) / sqrt(var + eps) over ``axes`` of x seen as ``view``, y = xh w + b
    (w, b broadcast as ``wview``); dw = sum(g xh), db = sum(g) over the dims w is broadcast
    along; with gh = g w, dx = (gh - mean(gh) - xh mean(gh xh)) / sqrt(var + eps) when the
    statistics are x's own (``batch``), dx = gh / sqrt(var + eps) when they are constants.

    NOTE: eps keeps every denominator >= sqrt(eps): a constant channel (zero variance) has
    xh = 0 and finite gradients. Backward keeps only the small statistics and recomputes xh
    from x (torch's save_mean / save_invstd); under create_graph it recomputes the
    statistics from x as Tensors too, so second derivatives see their dependence on x.
    """

    def forward(self, x, w, b, *, view, axes, wview, eps, mean, var, batch):
        xv = x.reshape(view)
        inv = 1 / np.sqrt(var + eps)
        y = (xv - mean) * inv
        if w is not None:
            y *= w.reshape(wview)
        if b is not None:
            y += b.reshape(wview)
        need_x, need_w = self.needs_input_grad[:2]
        # (w and b have one shape: the channels', or normalized_shape)
        self.save(x if need_x or need_w else None, w if need_x else None,
                  shape_of(b if w is None else w), mean, inv, view, axes, wview, eps, batch)
        return y.reshape(x.shape)

    def backward(self, g, x, w, p_shape, mean, inv, view, axes, wview, eps, batch):
        need_x, need_w, need_b = self.needs_input_grad
        gv = g.reshape(view)
        if x is not None and batch and is_tensor(x):  # create_graph: through the statistics
            mean, var = moments(x.reshape(view), axes)
            inv = (var + eps) ** -0.5
        d = x.reshape(view) - mean if x is not None else None
        xh = d * inv if x is not None else None
        gw = unbroadcast(gv * xh, wview).reshape(p_shape) if need_w else None
        gb = unbroadcast(gv, wview).reshape(p_shape) if need_b else None
        gx = None
        if need_x:
            gh = gv if w is None else gv * w.reshape(wview)
            if batch:  # NOTE: mean(gh xh) as mean(gh (x - mean)) inv, torch's order: exact
                # where x - mean is (a sum of normalised values then has gradient 0, exactly)
                gh = gh - _mean(gh, axes) - xh * (_mean(gh * d, axes) * inv)
            gx = (gh * inv).reshape(x.shape)
        return _reading(gx, gw, gb, x, w, group=axes == (2, 3)) if is_tensor(g) else (gx, gw, gb)


def _reading(gx: Any, gw: Any, gb: Any, x: Any, w: Any, group: bool) -> tuple:
    """create_graph: the gradients as depending on x and w, as torch's fused backward reads
    them for all three (group norm's db, sum(g), excepted, as there)."""
    tracked = [t for t in (x, w) if is_tensor(t) and t.requires_grad]
    if not tracked:
        return gx, gw, gb
    return tuple(v if v is None or (v is gb and group) else DependsOn.apply(v, *tracked)
                 for v in (gx, gw, gb))


# --- the rows: training-mode batch norm, eval-mode batch norm, layer / group / instance norm ---

# eval mode's running statistics (constants of the row): a channel's mean and variance
RUN_MEAN = np.array([0.5, -1.0, 0.0])
RUN_VAR = np.array([0.25, 2.0, 1.0])


def _std(x: np.ndarray, axes: tuple, eps: float = 1e-5) -> np.ndarray:
    mean = x.mean(axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axes, keepdims=True) + eps)


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _bn_ref(x: np.ndarray, w: Any = None, b: Any = None) -> np.ndarray:
    y = _std(x, (0,) + tuple(range(2, x.ndim)))
    return y if w is None else y * _per_channel(w, x.ndim) + _per_channel(b, x.ndim)


def _gn_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray, groups: int) -> np.ndarray:
    y = _std(x.reshape(x.shape[0], groups, -1), (2,)).reshape(x.shape)
    return y * _per_channel(w, x.ndim) + _per_channel(b, x.ndim)


def _eval_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    y = (x - _per_channel(RUN_MEAN, x.ndim)) / np.sqrt(_per_channel(RUN_VAR, x.ndim) + 1e-5)
    return y * _per_channel(w, x.ndim) + _per_channel(b, x.ndim)


def _F(x: Any) -> Any:
    return lib(x).nn.functional


row("batch_norm(training)", Norm, lambda a: _F(a).batch_norm(a, None, None, training=True),
    _bn_ref, ((4, 3),), ((2, 3, 4),), torch=True)
row("batch_norm(training, affine)", Norm,
    lambda a, w, b: _F(a).batch_norm(a, None, None, w, b, training=True, eps=1e-5),
    _bn_ref, ((2, 3, 2, 2), (3,), (3,)), ((5, 3), (3,), (3,)), torch=True)
row("batch_norm(eval)", Norm,
    lambda a, w, b: _F(a).batch_norm(a, lib(a).tensor(RUN_MEAN, dtype=a.dtype),
                                     lib(a).tensor(RUN_VAR, dtype=a.dtype), w, b),
    _eval_ref, ((2, 3, 4), (3,), (3,)), ((4, 3), (3,), (3,)), torch=True)
row("layer_norm", Norm, lambda a: _F(a).layer_norm(a, (4,)), lambda a: _std(a, (-1,)),
    ((3, 4),), ((2, 3, 4),), torch=True)
row("layer_norm(affine)", Norm, lambda a, w, b: _F(a).layer_norm(a, (3, 4), w, b),
    lambda a, w, b: _std(a, (-2, -1)) * w + b, ((2, 3, 4), (3, 4), (3, 4)), torch=True)
row("group_norm", Norm, lambda a, w, b: _F(a).group_norm(a, 2, w, b),
    lambda a, w, b: _gn_ref(a, w, b, 2), ((2, 4, 3), (4,), (4,)), ((3, 6), (6,), (6,)),
    torch=True)
row("instance_norm", Norm, lambda a: _F(a).instance_norm(a),
    lambda a: _std(a, tuple(range(2, a.ndim))), ((2, 3, 4),), ((1, 2, 3, 3),), torch=True)
