"""Losses beyond the fused four in fused.py: l1 / smooth_l1 / huber (one rule), kl_div,
cross_entropy with class weights, ignore_index and label smoothing, and soft_margin.

Each elementwise loss is a node giving one loss per element (reduction='none'); the wrappers
in ``functional.py`` check the arguments and reduce. The weighted cross-entropy reduces
itself, since its mean is weighted (sum of w[t_i] l_i over sum of w[t_i]).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from .fused import F, _row_max
from .helpers import is_tensor, quiet, shape_of, torch_sign
from .indexing import where
from .spec import lib, row


class SmoothL1(Function):
    """Huber-type losses of d = x - t (|d| < beta is the quadratic zone):

    smooth_l1: l = 0.5 d^2 / beta inside, |d| - 0.5 beta outside; dx = clip(d / beta, -1, 1).
    huber (``huber=True``, beta is delta): l = 0.5 d^2 inside, beta (|d| - 0.5 beta) outside;
    dx = clip(d, -beta, beta). l1 is smooth_l1 with beta = 0: l = |d|, dx = sign(d) (0 at 0,
    as torch). dt = -dx. ``mixed`` is (input dtype, target dtype) of a huber_loss whose
    float dtypes differed: torch's backward refuses it, and so does this one.
    """

    @quiet
    def forward(self, x: np.ndarray, t: np.ndarray, beta: float, huber: bool,
                mixed: tuple | None = None) -> np.ndarray:
        self.save(x, t, beta, huber, mixed)
        d = x - t
        a = np.abs(d)
        if beta == 0:  # NOTE: l1: no quadratic zone, and no 0 / 0 below
            return a
        inside = a < beta
        if huber:
            return np.where(inside, 0.5 * d * d, beta * (a - 0.5 * beta))
        return np.where(inside, 0.5 * d * d / beta, a - 0.5 * beta)

    @quiet
    def backward(self, g: Any, x: Any, t: Any, beta: float, huber: bool,
                 mixed: tuple | None) -> Any:
        if mixed:
            raise RuntimeError(f"huber_loss: backward with an input of dtype {mixed[0]} and a "
                               f"target of dtype {mixed[1]} (shape {shape_of(x)}) is refused, "
                               "as in PyTorch (its kernel expects one dtype); cast the target "
                               "with .to(input.dtype)")
        d = x - t
        if beta == 0:
            slope = torch_sign(d)  # (a Tensor under create_graph: sign's zero gradient, as torch)
        elif huber:
            slope = d.clamp(-beta, beta) if is_tensor(d) else np.clip(d, -beta, beta)
        else:
            slope = (d / beta).clamp(-1, 1) if is_tensor(d) else np.clip(d / beta, -1, 1)
        gx = g * slope
        need_x, need_t = self.needs_input_grad
        return gx if need_x else None, -gx if need_t else None


class KLDiv(Function):
    """kl_div of log-probabilities x against t: l = t (log t - x) (0 where t = 0, as torch's
    xlogy); dx = -t, dt = log t + 1 - x. With ``log_target``: l = e^t (t - x), dx = -e^t,
    dt = e^t (t - x + 1)."""

    @quiet
    def forward(self, x: np.ndarray, t: np.ndarray, log_target: bool) -> np.ndarray:
        self.save(x, t, log_target)
        if log_target:
            return np.exp(t) * (t - x)
        # NOTE: t log t is taken as 0 at t = 0 (its limit); a negative t gives nan, as torch
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t == 0, 0.0, t * np.log(t)).astype(x.dtype, copy=False) - t * x

    @quiet
    def backward(self, g: Any, x: Any, t: Any, log_target: bool) -> Any:
        need_x, need_t = self.needs_input_grad
        p = np.exp(t) if log_target else t
        gx = -g * p if need_x else None
        gt = None
        if need_t:
            with np.errstate(divide="ignore"):
                gt = g * p * (t - x + 1) if log_target else g * (np.log(t) + 1 - x)
        return gx, gt


class WeightedCrossEntropy(Function):
    """cross_entropy with class weights w, ignored rows and label smoothing e (C classes):

    l_i = (1 - e) r_i (lse_i - x_i[t_i]) + (e / C) m_i sum_c w_c (lse_i - x_ic), where
    m_i = (t_i != ignore_index) and r_i = w[t_i] m_i; the mean is sum(l) / sum(r) (torch's).
    dx_i = s_i [(1 - e) r_i (p_i - onehot(t_i)) + (e / C) m_i (sum(w) p_i - w)], p = softmax,
    s_i = g / sum(r) for the mean, g (or g_i for 'none') otherwise.
    """

    @quiet
    def forward(self, x, target, valid, weight, eps, reduction, out_shape):
        n, c = x.shape
        t = np.where(valid, target, 0)
        w = np.ones(c, x.dtype) if weight is None else weight
        r = w[t] * valid
        # NOTE: shift by the row max so no e^z overflows; log p = z - log(sum e^z)
        z = x - _row_max(x)[:, None]
        with np.errstate(under="ignore"):
            logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        # NOTE: an ignored row is left out, not multiplied by 0: a nan in it stays out of
        # the loss, as torch's (its gradient is still nan: softmax's rule reads the row)
        nll = np.where(valid, -logp[np.arange(n), t] * r, 0.0)
        losses = (1 - eps) * nll - np.where(valid, (eps / c) * (logp @ w), 0.0) if eps else nll
        self.save(x, logp, t, r, valid, w, eps, reduction)
        if reduction == "none":
            return losses.reshape(out_shape)
        total = losses.sum()
        with np.errstate(invalid="ignore", divide="ignore"):  # NOTE: 0 / 0 is nan, as torch
            return np.asarray(total / r.sum() if reduction == "mean" else total, x.dtype)

    @quiet
    def backward(self, g, x, logp, t, r, valid, w, eps, reduction):
        n, c = logp.shape
        # NOTE: every row ignored (sum(r) = 0): zero gradients, as torch's
        s = (g / r.sum() if r.sum() else g * 0.0) if reduction == "mean" else g
        if reduction == "none":
            s = s.reshape(n)[:, None]
        s = where(valid[:, None], s, 0.0)  # an ignored row gets 0, even for a nan upstream
        # NOTE: in the input's dtype (a Python float times a bool mask is float64)
        a = ((1 - eps) * r + (eps / c) * valid * w.sum()).astype(logp.dtype)[:, None]
        p = x.softmax(-1) if is_tensor(x) else np.exp(logp)  # create_graph: through softmax
        shift = ((eps / c) * valid[:, None] * w).astype(logp.dtype)
        shift[np.arange(n), t] += (1 - eps) * r
        return (p * a - shift) * s  # NOTE: every row ignored: inf * 0 is nan, as torch


class SoftMargin(Function):
    """soft_margin_loss per element: l = log(1 + e^z), z = -y x (y a constant label);
    dx = -y sigmoid(z).

    NOTE: log(1 + e^z) as logaddexp(0, z) and sigmoid(z) as e^(-logaddexp(0, -z)): no
    overflow for any z (torch's log1p(exp(z)) is inf past z ~ 88 in float32), and no
    digits lost where sigmoid is tiny.
    """

    @quiet
    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save(x, y)
        with np.errstate(under="ignore"):  # NOTE: log(1 + e^z) -> 0 for z << 0, silently
            return np.logaddexp(0, -y * x)

    @quiet
    def backward(self, g: Any, x: Any, y: np.ndarray) -> Any:
        if is_tensor(x):  # create_graph: through the sigmoid node
            return g * -y * (-y * x).sigmoid()
        with np.errstate(under="ignore"):
            return g * -y * np.exp(-np.logaddexp(0, y * x))


# --- the rows ------------------------------------------------------------------------------

T = np.array([[0.6, -0.3, 1.2, 0.1], [-1.1, 0.4, -0.2, 0.9], [0.3, 0.0, -0.7, 1.5]])
TARGET = np.array([2, 0, 3])     # class indices for a (3, 4) batch of scores
TARGET2 = np.array([2, -100, 1])  # the middle row is ignored (torch's default ignore_index)
W = np.array([0.5, 2.0, 1.0, 1.5])
Y = np.array([[1.0, -1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0]])  # labels


def _const(x: Any, values: np.ndarray) -> Any:
    return lib(x).tensor(values, dtype=x.dtype)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _wce_ref(x: np.ndarray, target: np.ndarray, eps: float, w: np.ndarray) -> np.ndarray:
    logp, valid = _log_softmax(x), target != -100
    t = np.where(valid, target, 0)
    r = w[t] * valid
    losses = (1 - eps) * -logp[np.arange(len(t)), t] * r - eps / 4 * (logp @ w) * valid
    return losses.sum() / r.sum()


def _smooth_ref(x: np.ndarray, t: np.ndarray, beta: float, huber: bool) -> np.ndarray:
    a = np.abs(x - t)
    if huber:
        return np.where(a < beta, 0.5 * a * a, beta * (a - 0.5 * beta))
    return np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)


# x "nonzero" (|x| >= 0.1) against t = b / 25 (|t| <= 0.08): x - t never crosses 0
row("l1_loss", SmoothL1, lambda a, b: F(a).l1_loss(a, b / 25, reduction="none"),
    lambda a, b: np.abs(a - b / 25), ((3, 4), (3, 4)), ((5,), (5,)), domain=("nonzero", "real"),
    smooth=False, torch=True)
row("smooth_l1_loss(beta=0.5)", SmoothL1,
    lambda a, b: F(a).smooth_l1_loss(a, b / 25, reduction="none", beta=0.5),
    lambda a, b: _smooth_ref(a, b / 25, 0.5, False), ((3, 4), (3, 4)),
    domain=("nonzero", "real"), smooth=False, torch=True)
row("huber_loss(delta=0.8)", SmoothL1,
    lambda a, b: F(a).huber_loss(a, b / 25, reduction="none", delta=0.8),
    lambda a, b: _smooth_ref(a, b / 25, 0.8, True), ((3, 4), (3, 4)),
    domain=("nonzero", "real"), smooth=False, torch=True)
row("l1_loss(mean)", SmoothL1, lambda a: F(a).l1_loss(a, _const(a, T)),
    lambda a: np.abs(a - T).mean(), ((3, 4),), kinks=tuple(T.ravel()), smooth=False,
    torch=True)
row("kl_div", KLDiv, lambda a, b: F(a).kl_div(a, b, reduction="none"),
    lambda a, b: b * (np.log(b) - a), ((3, 4), (3, 4)), domain=("real", "unit"), torch=True)
row("kl_div(log_target, batchmean)", KLDiv,
    lambda a, b: F(a).kl_div(a, b, reduction="batchmean", log_target=True),
    lambda a, b: (np.exp(b) * (b - a)).sum() / 3, ((3, 4), (3, 4)), torch=True)
row("cross_entropy(weight, label_smoothing)", WeightedCrossEntropy,
    lambda a: F(a).cross_entropy(a, lib(a).tensor(TARGET), weight=_const(a, W),
                                 label_smoothing=0.1),
    lambda a: _wce_ref(a, TARGET, 0.1, W), ((3, 4),), torch=True)
row("cross_entropy(ignore_index)", WeightedCrossEntropy,
    lambda a: F(a).cross_entropy(a, lib(a).tensor(TARGET2), label_smoothing=0.2),
    lambda a: _wce_ref(a, TARGET2, 0.2, np.ones(4)), ((3, 4),), torch=True)
row("cross_entropy(weight, reduction='none')", WeightedCrossEntropy,
    lambda a: F(a).cross_entropy(a, lib(a).tensor(TARGET), weight=_const(a, W),
                                 reduction="none"),
    lambda a: -_log_softmax(a)[np.arange(3), TARGET] * W[TARGET], ((3, 4),), torch=True)
row("soft_margin_loss", SoftMargin,
    lambda a: F(a).soft_margin_loss(a, lib(a).tensor(Y), reduction="none"),
    lambda a: np.log1p(np.exp(-Y * a)), ((3, 4),), torch=True)
row("soft_margin_loss(mean)", SoftMargin,
    lambda a: F(a).soft_margin_loss(a, lib(a).tensor(Y)),
    lambda a: np.log1p(np.exp(-Y * a)).mean(), ((3, 4),), torch=True)

