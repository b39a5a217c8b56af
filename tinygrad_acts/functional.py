"""Functions in PyTorch's ``torch.nn.functional`` style: ``F.relu(x)``, ``F.softmax(x, dim)``.

Activations route to the registry (``activations.py``); one written out per built-in so a
reader can find it, and any activation a user registers is reachable here too
(``F.softsign(x)``) through the module's ``__getattr__``. ``F.linear``, ``F.dropout`` and the
losses (``F.cross_entropy``, ``F.nll_loss``, ``F.mse_loss``, ``F.binary_cross_entropy``,
``F.binary_cross_entropy_with_logits``) follow at the end, under their banners.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .activations import apply, apply_, registry
from .ops.fused import NLL, BCEWithLogits, BinaryCrossEntropy, CrossEntropy, Linear
from .tensor import Tensor, generator

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu",
           "softplus", "silu", "gelu", "hardtanh", "maxout", "relu_", "sigmoid_", "tanh_",
           # layers and losses
           "linear", "dropout", "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]


def _t(x: Any, who: str = "functional") -> Tensor:
    """The input as a Tensor: a Tensor, as in PyTorch (lists and arrays are refused)."""
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{who}: input must be a Tensor, not {type(x).__name__} (wrap it: "
                    "ta.tensor(data)), as in PyTorch")


# --- activations: relu / leaky_relu / sigmoid / tanh / softmax / ... ------------------

def relu(x: Any, inplace: bool = False) -> Tensor:
    """relu: y = max(0, x); dy/dx = (y > 0) (from the output)."""
    return _t(x, "relu").relu_() if inplace else _t(x, "relu").relu()


def leaky_relu(x: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """leaky_relu: y = x if x > 0 else slope * x; dy/dx = 1 if y > 0 else slope."""
    x = _t(x, "leaky_relu")
    return x.leaky_relu_(negative_slope) if inplace else x.leaky_relu(negative_slope)


def sigmoid(x: Any) -> Tensor:
    """sigmoid: y = 1 / (1 + e^-x); dy/dx = y * (1 - y) (from the output)."""
    return _t(x, "sigmoid").sigmoid()


def tanh(x: Any) -> Tensor:
    """tanh: y = tanh(x); dy/dx = 1 - y**2 (from the output)."""
    return _t(x, "tanh").tanh()


def softmax(x: Any, dim: int | None = None, *, dtype: Any = None,
            axis: int | None = None) -> Tensor:
    """softmax: y = e^x / sum(e^x) along dim (``axis`` is an alias); dx = y * (g - sum(g * y)).

    As in PyTorch, ``dtype`` converts the input first, and no dim means the legacy
    implicit choice (0 for 0-, 1- and 3-d inputs, else 1) with a warning."""
    t = _t(x, "softmax")
    return apply("softmax", t if dtype is None else t.to(dtype), dim=_alias(dim, axis))


def log_softmax(x: Any, dim: int | None = None, *, dtype: Any = None,
                axis: int | None = None) -> Tensor:
    """log_softmax: y = x - logsumexp(x) along dim (``axis`` is an alias); dx = g - e^y * sum(g).

    ``dtype`` and a missing dim as for ``softmax``."""
    t = _t(x, "log_softmax")
    return apply("log_softmax", t if dtype is None else t.to(dtype), dim=_alias(dim, axis))


def _alias(dim: Any, axis: Any) -> Any:
    if dim is not None and axis is not None:
        raise TypeError("pass dim or axis, not both")
    return dim if axis is None else axis


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """elu: y = x if x > 0 else alpha * (e^x - 1); dy/dx = 1 if y > 0 else y + alpha."""
    return _t(x, "elu").elu(alpha)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus: y = log(1 + e^(beta x)) / beta; dy/dx = 1 - e^(-beta y)."""
    return _t(x, "softplus").softplus(beta, threshold)


def silu(x: Any) -> Tensor:
    """silu: y = x * sigmoid(x); its rule keeps the input (silu is not monotonic)."""
    return _t(x, "silu").silu()


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """gelu: y = x * Phi(x) (or the tanh approximation); its rule keeps the input."""
    return _t(x, "gelu").gelu(approximate)


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh: y = clip(x, min_val, max_val); dy/dx = 1 inside, 0 outside."""
    return _t(x, "hardtanh").hardtanh(min_val, max_val)


def maxout(x: Any, pieces: int, dim: int = -1) -> Tensor:
    """maxout: the max over consecutive groups of ``pieces`` elements along ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.maxout(ta.tensor([[1.0, 3.0, -2.0, -5.0]]), pieces=2)
        tensor([[ 3., -2.]])
    """
    return _t(x, "maxout").maxout(pieces, dim)


def relu_(x: Tensor) -> Tensor: return x.relu_()
def sigmoid_(x: Tensor) -> Tensor: return x.sigmoid_()
def tanh_(x: Tensor) -> Tensor: return x.tanh_()


def __getattr__(name: str) -> Any:
    """``F.<name>`` for activations registered after import (e.g. by users)."""
    base = name[:-1] if name.endswith("_") else name
    if base in registry:
        route = apply_ if base != name else apply
        return lambda x, **params: route(base, _t(x, name), **params)
    raise AttributeError(f"module 'tinygrad_acts.functional' has no attribute '{name}'")


# --- layers: linear / dropout -----------------------------------------------------------

def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """linear: y = x @ W^T + b.

    Args:
        x: input of shape (*, in_features).
        weight: (out_features, in_features), PyTorch's layout.
        bias: (out_features,) or None.

    Shape:
        Input (*, in), output (*, out).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.linear(ta.tensor([[1.0, 2.0]]), ta.tensor([[1.0, 1.0], [0.0, -1.0]]))
        tensor([[ 3., -2.]])
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linear: input must be a Tensor, not {type(x).__name__} (wrap it: "
                        "ta.tensor(data))")
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise RuntimeError(f"linear: input dtype {x.dtype} and weight dtype {weight.dtype} "
                           "differ (as in PyTorch, layers do not promote); convert the input "
                           f"with .to({weight.dtype}) or the layer with .to(dtype)")
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: y = x * mask / (1 - p), mask ~ Bernoulli(1 - p); dx = g * mask / (1 - p).

    Args:
        x: input tensor.
        p: probability of zeroing an element (default 0.5).
        training: apply dropout (default True); with False, y = x.
        inplace: multiply ``x`` in place by the scaled mask.

    Shape:
        Input (*), output (*), the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> y = F.dropout(ta.ones(1000), p=0.5)
        >>> sorted(set(y.tolist()))          # each element is dropped (0) or kept and doubled
        [0.0, 2.0]
    """
    x = _t(x, "dropout")
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if x.dtype.kind != "f":  # the 1 / (1 - p) scale would be cut to an integer
        raise TypeError(f"dropout: input must be floating point, got dtype {x.dtype} with "
                        f"shape {x.shape}; use .float() first")
    if p == 1:
        mask = np.zeros(x.shape, dtype=x.dtype)
    elif p == 0.5:
        # NOTE: the usual rate is a fair coin per element, which numpy draws from single
        # random bits: twice as fast as comparing uniform floats with p
        mask = generator().integers(0, 2, x.shape, dtype=bool) * np.asarray(2, dtype=x.dtype)
    else:
        # NOTE: uniform draws in the input's float dtype (float32 draws are cheaper)
        dtype = x.dtype if x.dtype == np.float32 else np.float64
        keep = generator().random(x.shape, dtype=dtype) >= p
        mask = keep * np.asarray(1 / (1 - p), dtype=x.dtype)
    return x.mul_(mask) if inplace else x * mask


# --- losses: cross_entropy / nll_loss / mse_loss / binary_cross_entropy(_with_logits) -----
# cross_entropy, nll_loss and the two binary losses are one fused node each (ops/fused.py):
# these wrappers check the arguments and route. mse_loss is composed from ops.

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _class_targets(x: Tensor, target: Any, who: str) -> np.ndarray:
    """Check class-index targets against logits ``x`` of shape (N, C): an integer array
    of shape (N,) with values in [0, C). Returns the targets as an ndarray."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    n_classes = x.shape[1]
    if t.dtype not in (np.int64, np.uint8):  # NOTE: PyTorch's Long or Byte, nothing else
        hint = (" (one-hot rows? pass target.argmax(1))" if t.shape == x.shape else
                " (pass int64 labels: target.long())")
        raise TypeError(f"{who}: target must hold class indices as int64 (or uint8), got "
                        f"dtype {t.dtype} with shape {t.shape} for input of shape "
                        f"{x.shape}{hint}")
    if t.shape != x.shape[:1]:
        raise ValueError(f"{who}: input of shape {x.shape} needs a target of shape "
                         f"({x.shape[0]},), got {t.shape}")
    # NOTE: one pass: seen as unsigned, a negative label is huge, so max() catches both ends
    if t.size and (t.view(t.dtype.str.replace("i", "u")) if t.dtype.kind == "i" else t).max() \
            >= n_classes:
        bad = t[(t < 0) | (t >= n_classes)][0]
        raise IndexError(f"{who}: target {bad} is out of range for {n_classes} classes "
                         f"(input shape {x.shape}, target shape {t.shape}); labels must be "
                         f"in [0, {n_classes - 1}]")
    return t


def _as_rows(x: Tensor, target: Any, who: str) -> tuple[Tensor, Any, tuple | None]:
    """Bring (C,) and (N, C, d1, ...) inputs to the (rows, C) layout the fused losses use;
    returns the input, the target and the shape to give back to reduction='none' results."""
    if x.ndim == 2:
        return x, target, None
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if x.ndim == 1:  # one unbatched sample: (C,) with a 0-d target
        return x.reshape(1, -1), t.reshape(-1), ()
    if x.ndim < 1:
        raise ValueError(f"{who}: input needs a class dimension, got shape {x.shape}")
    # (N, C, d1, ...): move the classes last, then one row per (N, d1, ...) position.
    order = (0, *range(2, x.ndim), 1)
    if t.shape != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"{who}: input of shape {x.shape} needs a target of shape "
                         f"{(x.shape[0], *x.shape[2:])}, got {t.shape}")
    return x.permute(*order).reshape(-1, x.shape[1]), t.reshape(-1), t.shape


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of raw scores against class indices (log_softmax + nll in one step).

    loss_i = -log(softmax(x_i)[t_i]) = logsumexp(x_i) - x_i[t_i];
    dloss/dx_i = (softmax(x_i) - onehot(t_i)) / N for reduction='mean'.

    Args:
        input: raw, unnormalised scores (logits).
        target: class indices, an integer tensor/array with values in [0, C).
        reduction: 'mean' (default, over all N samples), 'sum', or 'none' (one loss each).

    Shape:
        Input (N, C), (C,) or (N, C, d1, ...); target (N,), () or (N, d1, ...) respectively;
        output a scalar, or the target's shape with reduction='none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> logits = ta.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
        >>> loss = F.cross_entropy(logits, ta.tensor([0, 2]))
        >>> round(loss.item(), 4)
        0.6691
        >>> loss.backward()
        >>> logits.grad.numpy().round(4)            # (softmax - onehot) / 2
        array([[-0.1065,  0.0533,  0.0533],
               [ 0.1667,  0.1667, -0.3333]], dtype=float32)

    NOTE: a float target is refused (PyTorch would read it as class probabilities); pass
    ``onehot.argmax(1)`` for one-hot rows.
    """
    _check_reduction(reduction, "cross_entropy")
    x = _t(input, "cross_entropy")
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must hold float scores (logits), got dtype "
                        f"{x.dtype} with shape {x.shape}")
    probs = target.data if isinstance(target, Tensor) else np.asarray(target)
    if probs.dtype.kind == "f" and probs.shape == x.shape and x.ndim >= 1:
        return _soft_cross_entropy(x, target, reduction)
    rows, t, shape = _as_rows(x, target, "cross_entropy")
    t = _class_targets(rows, t, "cross_entropy")
    out = CrossEntropy.apply(rows, target=t, reduction=reduction)
    return out if shape is None or reduction != "none" else out.reshape(shape)


def _weighted(loss: Tensor, weight: Any, who: str) -> Tensor:
    """loss * weight, where the weight may broadcast to the loss's shape but not beyond it
    (as in PyTorch, a weight may not make the loss bigger)."""
    if weight is None:
        return loss
    w_shape = np.shape(weight.data if isinstance(weight, Tensor) else weight)
    if np.broadcast_shapes(w_shape, loss.shape) != loss.shape:
        raise ValueError(f"{who}: weight of shape {w_shape} does not broadcast to the "
                         f"loss's shape {loss.shape}")
    return loss * weight


def _soft_cross_entropy(x: Tensor, target: Any, reduction: str) -> Tensor:
    """Cross-entropy against class probabilities (PyTorch's float targets of the input's
    shape): l = -sum_c t_c log_softmax(x)_c, the class dim being 1 (0 for one sample)."""
    dim = 1 if x.ndim > 1 else 0
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=x.dtype))
    losses = -(t * x.log_softmax(dim)).sum(dim)
    return _reduce(losses, reduction)  # the mean is over the samples (and positions)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities against class indices.

    loss_i = -x_i[t_i]; use it after ``log_softmax`` (``cross_entropy`` does both at once).

    Args:
        input: log-probabilities.
        target: class indices, an integer tensor/array with values in [0, C).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (N, C), (C,) or (N, C, d1, ...); target (N,), () or (N, d1, ...).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> logp = ta.tensor([[-0.1, -2.4], [-1.2, -0.4]])
        >>> F.nll_loss(logp, ta.tensor([0, 1]))
        tensor(0.25)
    """
    _check_reduction(reduction, "nll_loss")
    x = _t(input, "nll_loss")
    rows, t, shape = _as_rows(x, target, "nll_loss")
    t = _class_targets(rows, t, "nll_loss")
    out = NLL.apply(rows, target=t, reduction=reduction)
    return out if shape is None or reduction != "none" else out.reshape(shape)


def _same_shape_target(x: Tensor, target: Any, who: str) -> Any:
    t = target if isinstance(target, Tensor) else np.asarray(target)
    if t.shape != x.shape:
        # NOTE: a deliberate difference from PyTorch, which warns and broadcasts: a (N, 1)
        # prediction against a (N,) target silently becomes an (N, N) loss.
        raise ValueError(f"{who}: input shape {x.shape} and target shape {t.shape} differ; "
                         "reshape one of them (broadcasting here is almost always a bug)")
    data = t.data if isinstance(t, Tensor) else t
    if data.dtype != x.dtype:  # integer or bool labels are fine: use the input's dtype
        t = t.astype(x.dtype) if isinstance(t, Tensor) else data.astype(x.dtype)
    return t


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: loss = mean((x - y)^2); dx = 2 (x - y) / N.

    Args:
        input: predictions.
        target: values of the same shape.
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.mse_loss(ta.tensor([1.0, 2.0]), ta.tensor([1.0, 4.0]))
        tensor(2.)
    """
    _check_reduction(reduction, "mse_loss")
    x = _t(input, "mse_loss")
    diff = x - _same_shape_target(x, target, "mse_loss")
    return _reduce(diff * diff, reduction)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities: loss = -w (t log p + (1 - t) log(1 - p)).

    Args:
        input: probabilities in [0, 1] (e.g. the output of a sigmoid).
        target: values in [0, 1] of the same shape.
        weight: optional rescaling, broadcast against the loss.
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> round(F.binary_cross_entropy(ta.tensor([0.9, 0.2]), ta.tensor([1.0, 0.0])).item(), 4)
        0.1643

    NOTE: sigmoid followed by this loss saturates: for a logit of -30 the probability
    rounds to 0 in float32 and the gradient is lost. ``binary_cross_entropy_with_logits``
    takes the logit and stays exact.
    """
    _check_reduction(reduction, "binary_cross_entropy")
    x = _t(input, "binary_cross_entropy")
    t = _same_shape_target(x, target, "binary_cross_entropy")
    lo, hi = (float(x.data.min()), float(x.data.max())) if x.data.size else (0.0, 0.0)
    if not (lo >= 0 and hi <= 1):
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1] "
                         f"(apply sigmoid first, or use binary_cross_entropy_with_logits); "
                         f"got values from {lo} to {hi} in a tensor of shape {x.shape}")
    loss = BinaryCrossEntropy.apply(x, t)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step, from logits x.

    loss = -w [p_w t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))];
    dloss/dx = sigmoid(x) - t (for w = p_w = 1), divided by N for the mean.

    Args:
        input: raw scores (logits), any real numbers.
        target: values in [0, 1] of the same shape.
        weight: optional rescaling of each element's loss, broadcast against it.
        reduction: 'mean' (default), 'sum' or 'none'.
        pos_weight: optional weight of the positive term (per class: broadcast along the
            last dimension), to balance rare positives.

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.binary_cross_entropy_with_logits(ta.tensor([1e4, -1e4]), ta.tensor([1.0, 0.0]))
        tensor(0.)
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    x = _t(input, "binary_cross_entropy_with_logits")
    t = _same_shape_target(x, target, "binary_cross_entropy_with_logits")
    if pos_weight is not None:
        pos_weight = np.asarray(pos_weight.data if isinstance(pos_weight, Tensor)
                                else pos_weight, dtype=x.dtype)
        try:
            np.broadcast_shapes(pos_weight.shape, x.shape)
        except ValueError:
            raise ValueError(f"binary_cross_entropy_with_logits: pos_weight of shape "
                             f"{pos_weight.shape} does not broadcast against the input of "
                             f"shape {x.shape} (one weight per class: shape "
                             f"({x.shape[-1] if x.ndim else 1},))") from None
    loss = BCEWithLogits.apply(x, t, pos_weight=pos_weight)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy_with_logits"), reduction)
