"""Functions in PyTorch's ``torch.nn.functional`` style: ``F.relu(x)``, ``F.softmax(x, dim)``.

Activations route to the registry (``activations.py``); one written out per built-in so a
reader can find it, and any activation a user registers is reachable here too
(``F.softsign(x)``) through the module's ``__getattr__``. ``F.linear``, ``F.dropout`` and the
losses (``F.cross_entropy``, ``F.nll_loss``, ``F.mse_loss``, ``F.binary_cross_entropy``,
``F.binary_cross_entropy_with_logits``) follow at the end, under their banners.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes, ops
from .activations import apply, apply_, apply_prelu, registry
from .autograd import is_recording, no_grad
from .ops.fused import (
    NLL,
    BCEWithLogits,
    BinaryCrossEntropy,
    CosineSimilarity,
    CrossEntropy,
    Embedding,
    Glu,
    Linear,
    Normalize,
    PadConstant,
    PadIndexed,
    PairwiseDistance,
)
from .ops.losses import KLDiv, SmoothL1, SoftMargin, WeightedCrossEntropy
from .ops.resample import Resample, cubic_plan, linear_plan, nearest_plan
from .tensor import Tensor, _dim, generator

# convolution, pooling and normalization live in api/conv.py and api/norm.py (their
# __all__ joins this module's)
from .api import conv as _conv  # isort: skip
from .api import norm as _norm  # isort: skip
from .api import attention as _attention  # isort: skip
from .api import rnn as _rnn  # isort: skip
from .api import functional_extras as _extras  # isort: skip
from .api.conv import *  # noqa: F403  isort: skip
from .api.norm import *  # noqa: F403  isort: skip
from .api.attention import *  # noqa: F403  isort: skip
from .api.rnn import *  # noqa: F403  isort: skip
from .api.functional_extras import *  # noqa: F403  isort: skip

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu",
           "softplus", "silu", "gelu", "hardtanh", "maxout", "relu_", "sigmoid_", "tanh_",
           "relu6", "hardsigmoid", "softsign", "selu", "celu", "softshrink", "hardshrink",
           "threshold", "tanhshrink", "mish", "hardswish", "logsigmoid", "prelu",
           # layers and losses
           "linear", "dropout", "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits",
           # functional ops and the further losses
           "one_hot", "pad", "normalize", "cosine_similarity", "pairwise_distance", "softmin",
           "glu", "dropout1d", "dropout2d", "dropout3d", "embedding", "l1_loss",
           "smooth_l1_loss",
           "huber_loss", "kl_div", "embedding_bag", "interpolate", "upsample",
           "upsample_nearest", "upsample_bilinear", "margin_ranking_loss",
           "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "triplet_margin_loss", "poisson_nll_loss",
           "triplet_margin_with_distance_loss", "rrelu", "rrelu_", *_conv.__all__,
           *_norm.__all__,
           *_extras.__all__,
           *_attention.__all__,
           *_rnn.__all__]


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


# --- activations: relu6 / hardsigmoid / softsign / selu / celu / ... / prelu ------------

def relu6(input: Any, inplace: bool = False) -> Tensor:
    """relu6: y = min(max(0, x), 6); dy/dx = 1 if 0 < y < 6 else 0 (from the output)."""
    x = _t(input, "relu6")
    return apply_("relu6", x) if inplace else apply("relu6", x)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """hardsigmoid: y = relu6(x + 3) / 6; dy/dx = 1/6 if 0 < y < 1 else 0 (from the output)."""
    x = _t(input, "hardsigmoid")
    return apply_("hardsigmoid", x) if inplace else apply("hardsigmoid", x)


def softsign(input: Any) -> Tensor:
    """softsign: y = x / (1 + |x|); dy/dx = (1 - |y|)**2 (from the output)."""
    return apply("softsign", _t(input, "softsign"))


def selu(input: Any, inplace: bool = False) -> Tensor:
    """selu: y = scale * (x if x > 0 else alpha * (e^x - 1)); dy/dx from the output."""
    x = _t(input, "selu")
    return apply_("selu", x) if inplace else apply("selu", x)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """celu: y = x if x > 0 else alpha * (e^(x/alpha) - 1); dy/dx = 1 or y / alpha + 1."""
    x = _t(input, "celu")
    return apply_("celu", x, alpha=alpha) if inplace else apply("celu", x, alpha=alpha)


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """softshrink: y = x -+ lambd outside [-lambd, lambd], else 0; dy/dx = (y != 0)."""
    return apply("softshrink", _t(input, "softshrink"), lambd=lambd)


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """hardshrink: y = x if |x| > lambd else 0; dy/dx = (y != 0) (from the output)."""
    return apply("hardshrink", _t(input, "hardshrink"), lambd=lambd)


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """threshold: y = x if x > threshold else value; dy/dx = 1 if x > threshold else 0.

    Its rule keeps the input, so ``inplace=True`` raises (as for mish and hardswish).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.threshold(ta.tensor([-1.0, 0.5, 2.0]), 0.1, 20.0)
        tensor([20.0000,  0.5000,  2.0000])
    """
    x = _t(input, "threshold")
    route = apply_ if inplace else apply
    return route("threshold", x, threshold=threshold, value=value)


def tanhshrink(input: Any) -> Tensor:
    """tanhshrink: y = x - tanh(x); dy/dx = tanh(x)**2 (from the input)."""
    return apply("tanhshrink", _t(input, "tanhshrink"))


def mish(input: Any, inplace: bool = False) -> Tensor:
    """mish: y = x * tanh(softplus(x)); its rule keeps the input (mish is not monotonic)."""
    x = _t(input, "mish")
    return apply_("mish", x) if inplace else apply("mish", x)


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """hardswish: y = x * relu6(x + 3) / 6; its rule keeps the input (not monotonic)."""
    x = _t(input, "hardswish")
    return apply_("hardswish", x) if inplace else apply("hardswish", x)


def logsigmoid(input: Any) -> Tensor:
    """logsigmoid: y = -log(1 + e^-x); dy/dx = 1 - e^y (from the output)."""
    return apply("logsigmoid", _t(input, "logsigmoid"))


def prelu(input: Any, weight: Tensor) -> Tensor:
    """prelu: y = x if x > 0 else w * x, w one slope or one per channel (dim 1).

    Args:
        input: the input.
        weight: the slopes, 0-d or 1-d: one element, or input.shape[1] of them.

    Shape:
        Input (N, C, *) or any shape for one slope; output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.prelu(ta.tensor([[-2.0, 3.0]]), ta.tensor([0.25, 0.5]))
        tensor([[-0.5000,  3.0000]])
    """
    return apply_prelu(_t(input, "prelu"), weight)


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
    if weight.ndim != 2:  # torch's x @ w.t(): a vector weight is a dot product
        # (torch's addmm path, a 2-d input with a bias, needs the matrix: it refuses)
        if weight.ndim != 1 or (x.ndim == 2 and bias is not None):
            raise RuntimeError(f"linear: weight must be 2-d here, got shape {weight.shape} "
                               f"(input {x.shape})")
        y = x.matmul(weight)
        return y if bias is None else y + bias
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
    if not training or p == 0 or x._array.size == 0:  # NOTE: torch returns x itself, empty or not
        return x
    if p == 1:  # everything dropped: zeros of any dtype (torch multiplies by 0)
        mask = np.zeros(x.shape, dtype=x.dtype)
    elif x.dtype.kind != "f":  # the 1 / (1 - p) scale would be cut to an integer, so torch
        raise RuntimeError(f"dropout: result type Float can't be cast to the input's dtype "
                           f"{x.dtype} (shape {x.shape}), as in torch; use .float() first")
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


def _class_targets(x: Tensor, target: Any, who: str,
                   ignore_index: int = -100) -> tuple[np.ndarray, np.ndarray | None]:
    """Check class-index targets against logits ``x`` of shape (N, C): an integer array
    of shape (N,) with values in [0, C) or equal to ``ignore_index``. Returns the targets
    (ignored ones as 0) and the mask of the rows kept (None when none is ignored)."""
    t = target._array if isinstance(target, Tensor) else np.asarray(target)
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
    in_range = not t.size or (t.view(t.dtype.str.replace("i", "u")) if t.dtype.kind == "i"
                              else t).max() < n_classes
    # NOTE: an ignore_index inside [0, C) can hide among valid labels
    if in_range and not (0 <= ignore_index < n_classes and (t == ignore_index).any()):
        return t, None
    valid = t != ignore_index
    bad = t[valid & ((t < 0) | (t >= n_classes))]
    if bad.size:
        raise IndexError(f"{who}: target {bad[0]} is out of range for {n_classes} classes "
                         f"(input shape {x.shape}, target shape {t.shape}); labels must be "
                         f"in [0, {n_classes - 1}] or ignore_index ({ignore_index})")
    return np.where(valid, t, 0), valid


def _legacy(size_average: Any, reduce: Any, reduction: str, who: str) -> str:
    """PyTorch's deprecated ``size_average`` / ``reduce`` flags, as the reduction they mean."""
    if size_average is not None or reduce is not None:
        reduce = True if reduce is None else reduce
        size_average = True if size_average is None else size_average
        reduction = "none" if not reduce else "mean" if size_average else "sum"
    _check_reduction(reduction, who)
    return reduction


def _constant_weight(weight: Any, who: str, name: str = "weight") -> None:
    """As torch: these losses are not differentiable in their class weights (it raises
    rather than give no gradient)."""
    if isinstance(weight, Tensor) and weight.requires_grad and is_recording():
        raise RuntimeError(f"{who}: the derivative for '{name}' is not implemented (as in "
                           f"torch); pass {name}.detach()")


def _class_weight(weight: Any, x: Tensor, who: str) -> np.ndarray | None:
    """A class-weight vector of shape (C,), as an array of the input's dtype."""
    if weight is None:
        return None
    w = np.asarray(weight._array if isinstance(weight, Tensor) else weight, dtype=x.dtype)
    c = x.shape[1] if x.ndim > 1 else x.shape[0]
    if w.shape != (c,):
        raise RuntimeError(f"{who}: weight tensor should be defined either for all {c} "
                           f"classes or no classes but got weight tensor of shape: {w.shape}")
    return w


def _as_rows(x: Tensor, target: Any, who: str) -> tuple[Tensor, Any, tuple | None]:
    """Bring (C,) and (N, C, d1, ...) inputs to the (rows, C) layout the fused losses use;
    returns the input, the target and the shape to give back to reduction='none' results."""
    if x.ndim == 2:
        return x, target, None
    t = target._array if isinstance(target, Tensor) else np.asarray(target)
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


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of raw scores against class indices (log_softmax + nll in one step).

    loss_i = -log(softmax(x_i)[t_i]) = logsumexp(x_i) - x_i[t_i];
    dloss/dx_i = (softmax(x_i) - onehot(t_i)) / N for reduction='mean'.

    Args:
        input: raw, unnormalised scores (logits).
        target: class indices, an integer tensor/array with values in [0, C) (or class
            probabilities of the input's shape).
        weight: optional class weights of shape (C,); the mean is then weighted:
            sum_i w[t_i] l_i / sum_i w[t_i], as torch's.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        ignore_index: a target value whose rows count for nothing (default -100).
        reduction: 'mean' (default, over the kept samples), 'sum', or 'none' (one loss each).
        label_smoothing: e in [0, 1]: the target becomes (1 - e) onehot + e / C.

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
    reduction = _legacy(size_average, reduce, reduction, "cross_entropy")
    x = _t(input, "cross_entropy")
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must hold float scores (logits), got dtype "
                        f"{x.dtype} with shape {x.shape}")
    if not label_smoothing <= 1:  # NOTE: torch checks the upper bound only, and a
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    label_smoothing = max(label_smoothing, 0.0)  # negative one smooths nothing, as there
    w: Any = _class_weight(weight, x, "cross_entropy")
    probs = target._array if isinstance(target, Tensor) else np.asarray(target)
    if probs.dtype.kind == "f" and probs.shape == x.shape and x.ndim >= 1:
        if ignore_index >= 0:  # NOTE: torch accepts (and ignores) any negative one
            raise RuntimeError(f"cross_entropy: ignore_index is not supported for floating "
                               f"point (probability) targets (target shape {probs.shape})")
        if isinstance(weight, Tensor) and weight.requires_grad:  # as torch: differentiable
            w = weight.to(x.dtype)
        return _soft_cross_entropy(x, target, reduction, w, label_smoothing)
    _constant_weight(weight, "cross_entropy")
    rows, t, shape = _as_rows(x, target, "cross_entropy")
    t, valid = _class_targets(rows, t, "cross_entropy", ignore_index)
    out_shape = shape if shape is not None else (len(t),)
    if w is None and valid is None and not label_smoothing:
        return CrossEntropy.apply(rows, target=t, reduction=reduction, out_shape=out_shape)
    return WeightedCrossEntropy.apply(
        rows, target=t, valid=np.ones(len(t), bool) if valid is None else valid, weight=w,
        eps=float(label_smoothing), reduction=reduction, out_shape=out_shape)


def _weighted(loss: Tensor, weight: Any, who: str) -> Tensor:
    """loss * weight, where the weight may broadcast to the loss's shape but not beyond it
    (as in PyTorch, a weight may not make the loss bigger)."""
    if weight is None:
        return loss
    w_shape = np.shape(weight._array if isinstance(weight, Tensor) else weight)
    if np.broadcast_shapes(w_shape, loss.shape) != loss.shape:
        raise ValueError(f"{who}: weight of shape {w_shape} does not broadcast to the "
                         f"loss's shape {loss.shape}")
    return loss * weight


def _soft_cross_entropy(x: Tensor, target: Any, reduction: str, w: Any = None,
                        smoothing: float = 0.0) -> Tensor:
    """Cross-entropy against class probabilities (PyTorch's float targets of the input's
    shape): l = -sum_c w_c t_c log_softmax(x)_c, the class dim being 1 (0 for one sample);
    with label smoothing e the target is (1 - e) t + e / C. The mean is over the samples."""
    dim = 1 if x.ndim > 1 else 0
    t = target if isinstance(target, Tensor) else Tensor._wrap(np.asarray(target, dtype=x.dtype))
    if smoothing:
        t = t * (1 - smoothing) + smoothing / x.shape[dim]
    logp = x.log_softmax(dim)
    if w is not None:
        logp = logp * w.reshape((-1,) + (1,) * (x.ndim - dim - 1))
    return _reduce(-(t * logp).sum(dim), reduction)


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities against class indices.

    loss_i = -x_i[t_i]; use it after ``log_softmax`` (``cross_entropy`` does both at once).

    Args:
        input: log-probabilities.
        target: class indices, an integer tensor/array with values in [0, C).
        weight: optional class weights of shape (C,): l_i = -w[t_i] x_i[t_i], and the mean
            is sum_i l_i / sum_i w[t_i] (torch's weighted mean).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        ignore_index: a target value whose rows count for nothing (default -100).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (N, C), (C,) or (N, C, d1, ...); target (N,), () or (N, d1, ...).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> logp = ta.tensor([[-0.1, -2.4], [-1.2, -0.4]])
        >>> F.nll_loss(logp, ta.tensor([0, 1]))
        tensor(0.2500)
    """
    reduction = _legacy(size_average, reduce, reduction, "nll_loss")
    x = _t(input, "nll_loss")
    w = _class_weight(weight, x, "nll_loss")
    _constant_weight(weight, "nll_loss")
    rows, t, shape = _as_rows(x, target, "nll_loss")
    t, valid = _class_targets(rows, t, "nll_loss", ignore_index)
    r = None
    if w is not None or valid is not None:
        r = (w[t] if w is not None else np.ones(len(t), x.dtype)) * (1 if valid is None else valid)
    return NLL.apply(rows, target=t, reduction=reduction, r=r,
                     out_shape=shape if shape is not None else (len(t),))


def _torch_name(t: Tensor) -> str:
    """torch's name of a dtype in its messages (Float, Double, Long, Bool ...)."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return names.get(str(t.dtype), str(t.dtype))


def _target_kind(who: str, x: Tensor, target: Tensor) -> None:
    """torch's refusals of a bool or integer target tensor where a loss subtracts it or
    writes the float result into the target's dtype."""
    if target.dtype == np.bool_:
        raise RuntimeError(f"{who}: Subtraction, the `-` operator, with a bool tensor is not "
                           f"supported (target of shape {target.shape}); convert it with "
                           ".float()")
    if target.dtype.kind != "f":
        raise RuntimeError(f"{who}: result type {_torch_name(x)} can't be cast to the desired "
                           f"output type {_torch_name(target)} (target of shape "
                           f"{target.shape}); convert it with .float()")


def _same_shape_target(x: Tensor, target: Any, who: str) -> Any:
    t = target if isinstance(target, Tensor) else np.asarray(target)
    if t.shape != x.shape:
        # NOTE: a deliberate difference from PyTorch, which warns and broadcasts: a (N, 1)
        # prediction against a (N,) target silently becomes an (N, N) loss.
        raise ValueError(f"{who}: input shape {x.shape} and target shape {t.shape} differ; "
                         "reshape one of them (broadcasting here is almost always a bug)")
    data = t._array if isinstance(t, Tensor) else t
    if data.dtype != x.dtype:  # integer or bool labels are fine: use the input's dtype
        t = t.astype(x.dtype) if isinstance(t, Tensor) else data.astype(x.dtype)
    return t


def mse_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Tensor:
    """Mean squared error: loss = mean((x - y)^2); dx = 2 (x - y) / N.

    Args:
        input: predictions.
        target: values of the same shape.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.
        weight: per-element weights of the loss's shape; the mean is then sum(w l) / sum(w).

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.mse_loss(ta.tensor([1.0, 2.0]), ta.tensor([1.0, 4.0]))
        tensor(2.)
    """
    reduction = _legacy(size_average, reduce, reduction, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    x, t = _loss_pair(input, target, "mse_loss")  # NOTE: promotes, as torch (f32, f64 -> f64)
    diff = x - t
    return _elementwise_loss(diff * diff, weight, reduction, "mse_loss")


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities: loss = -w (t log p + (1 - t) log(1 - p)).

    Args:
        input: probabilities in [0, 1] (e.g. the output of a sigmoid).
        target: values in [0, 1] of the same shape.
        weight: optional rescaling, broadcast against the loss.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
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
    reduction = _legacy(size_average, reduce, reduction, "binary_cross_entropy")
    _check_reduction(reduction, "binary_cross_entropy")
    x = _t(input, "binary_cross_entropy")
    if isinstance(target, Tensor) and target.dtype != x.dtype:  # NOTE: torch never casts here
        raise RuntimeError(f"binary_cross_entropy: Found dtype {_torch_name(target)} but "
                           f"expected {_torch_name(x)} (target of shape {target.shape}); "
                           "convert the target with .to(input.dtype)")
    t = _same_shape_target(x, target, "binary_cross_entropy")
    _constant_weight(weight, "binary_cross_entropy")
    lo, hi = (float(x._array.min()), float(x._array.max())) if x._array.size else (0.0, 0.0)
    if not (lo >= 0 and hi <= 1):
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1] "
                         f"(apply sigmoid first, or use binary_cross_entropy_with_logits); "
                         f"got values from {lo} to {hi} in a tensor of shape {x.shape}")
    loss = BinaryCrossEntropy.apply(x, t)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step, from logits x.

    loss = -w [p_w t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))];
    dloss/dx = sigmoid(x) - t (for w = p_w = 1), divided by N for the mean.

    Args:
        input: raw scores (logits), any real numbers.
        target: values in [0, 1] of the same shape.
        weight: optional rescaling of each element's loss, broadcast against it.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
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
    reduction = _legacy(size_average, reduce, reduction, "binary_cross_entropy_with_logits")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    x = _t(input, "binary_cross_entropy_with_logits")
    if isinstance(target, Tensor) and target.dtype != x.dtype:
        _target_kind("binary_cross_entropy_with_logits", x, target)
        x = x.to(target.dtype)  # NOTE: torch computes in the target's float dtype
    t = _same_shape_target(x, target, "binary_cross_entropy_with_logits")
    _constant_weight(weight, "binary_cross_entropy_with_logits")
    _constant_weight(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    if pos_weight is not None:
        pos_weight = np.asarray(pos_weight._array if isinstance(pos_weight, Tensor)
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


# --- functional ops: one_hot / pad / normalize / cosine_similarity / pairwise_distance /
# softmin / glu / dropout1d / dropout2d / embedding -------------------------------------------

def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """one_hot: y[..., c] = 1 where c == x[...], else 0 (int64, no gradient).

    Args:
        tensor: class indices, an int64 tensor of any shape.
        num_classes: the number of classes; -1 (default) means max(tensor) + 1.

    Shape:
        Input (*), output (*, num_classes).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.one_hot(ta.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    t = _t(tensor, "one_hot")._array
    if t.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor "
                           f"(got dtype {t.dtype}, shape {t.shape})")
    if num_classes == -1:
        if not t.size:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               f"tensor (shape {t.shape}); pass num_classes")
        num_classes = int(t.max()) + 1
    if t.size and t.min() < 0:
        raise RuntimeError(f"one_hot: Class values must be non-negative (shape {t.shape})")
    if t.size and t.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                           f"({num_classes}); got {int(t.max())} (shape {t.shape})")
    out = np.zeros((*t.shape, num_classes), dtype=np.int64)
    np.put_along_axis(out, t[..., None], 1, axis=-1)
    return Tensor._wrap(out)


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """The source position of each output position along one dim of size n. As torch,
    reflect and replicate mirror or repeat at the edges of the whole input (a negative
    width only moves the window: reflect (-2, 3) of [1, 2, 3, 4] is [3, 4, 3, 2, 1]);
    circular wraps around the part that the negative widths keep."""
    j = np.arange(-before, n + after)  # each output's position in the whole input
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "reflect":
        period = 2 * (n - 1)  # the edge is not repeated
        j = np.abs(j) % period if period else np.zeros_like(j)
        return np.where(j >= n, period - j, j)
    lo = max(-before, 0)  # circular wraps around the part the negative widths keep
    kept = n - lo - max(-after, 0)
    return lo + (j - lo) % kept if kept > 0 else j[:0]


def _check_pad(x: Tensor, pad: Any, widths: list, mode: str, value: Any) -> None:
    """torch's limits on the reflect / replicate / circular modes."""
    k = len(widths)
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    if k > 3 or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: Padding size {len(pad)} is not supported for "
                                  f"{x.ndim}D input tensor (mode {mode!r}: pad the last 1, 2 "
                                  "or 3 dims of a 2-3, 3-4 or 4-5 dim tensor)")
    if any(n == 0 for n in x.shape[x.ndim - k - 1 + (x.ndim == k + 1):]):
        raise RuntimeError(f"pad: expected a tensor with non-zero dims besides the batch, "
                           f"got shape {x.shape} (mode {mode!r})")
    for d, a, b in widths:
        n = x.shape[d]
        if mode == "reflect" and (a >= n or b >= n):
            raise RuntimeError(f"pad: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({a}, {b}) at dimension "
                               f"{d} of input {list(x.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise RuntimeError(f"pad: Padding value causes wrapping around more than once "
                               f"(padding ({a}, {b}) at dimension {d} of input {x.shape})")
        kept = n - max(-a, 0) - max(-b, 0)
        size = n + a + b  # NOTE: torch allows an empty result unless it pads one dim only
        if size < 0 or (size == 0 and k == 1 and mode != "circular"):
            raise RuntimeError(f"pad: input (size {n} at dimension {d}) is too small: the "
                               f"padding ({a}, {b}) makes it {size} (input {list(x.shape)}, "
                               f"mode {mode!r})")
        if mode == "circular" and size > 0 and max(a, b, 0) > kept:
            # NOTE: torch runs here and reads memory it never wrote (its result is garbage)
            raise RuntimeError(f"pad: circular padding ({a}, {b}) at dimension {d} of input "
                               f"{list(x.shape)} wraps more than the {max(kept, 0)} cells "
                               "left after the negative padding crops it")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """pad: y = x widened along its last len(pad) / 2 dims, pad = (last_before, last_after,
    second_last_before, ...); a negative width crops. dx = g's part that came from x.

    Args:
        input: the tensor to pad.
        pad: an even-length sequence of ints, the last dim's pair first.
        mode: 'constant' (fill with ``value``, default 0), 'reflect' (mirror without the
            edge), 'replicate' (repeat the edge) or 'circular' (wrap around).
        value: the fill of 'constant' mode.

    NOTE: with a negative width, reflect and replicate still mirror or repeat at the
    edges of the whole input, and circular wraps the part that is kept, as torch; a
    circular wrap wider than that part is refused (torch reads uninitialized memory).

    Shape:
        Input (*, d_k, ..., d_1), output with d_i + pad[2i - 2] + pad[2i - 1]. The other modes
        pad the last 1, 2 or 3 dims of a 2-3, 3-4 or 4-5 dim input, as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.pad(ta.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
        tensor([[3., 2., 1., 2., 3., 2.]])
    """
    x = _t(input, "pad")
    if any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, got {pad}")
    if len(pad) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2, got {len(pad)}")
    k = len(pad) // 2
    if k > x.ndim:
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times "
                           f"the input dimension but got padding length {len(pad)} and input "
                           f"of dimension {x.ndim}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    widths = [(x.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)]
    if mode == "constant":
        shape = list(x.shape)
        src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for d, a, b in widths:
            shape[d] = x.shape[d] + a + b
            if shape[d] < 0:
                raise RuntimeError(f"pad: the padding {pad} makes dim {d} of a tensor of "
                                   f"shape {x.shape} negative")
            src[d] = slice(max(-a, 0), max(x.shape[d] - max(-b, 0), max(-a, 0)))
            dst[d] = slice(max(a, 0), max(a, 0) + max(src[d].stop - src[d].start, 0))
        fill = 0 if value is None else value
        return PadConstant.apply(x, out_shape=tuple(shape), src=tuple(src), dst=tuple(dst),
                                 value=fill)
    _check_pad(x, pad, widths, mode, value)
    index = tuple((d, _pad_index(x.shape[d], a, b, mode)) for d, a, b in widths)
    return PadIndexed.apply(x, index=index)


def _float_dim(x: Tensor, dim: Any, who: str) -> int:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point tensor, got dtype {x.dtype} "
                           f"(shape {x.shape})")
    return _dim(who, x, dim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Any = None) -> Tensor:
    """normalize: y = x / max(||x||_p, eps) along dim.

    dx = (g - dnorm/dx sum(g x) / d) / d with d = max(||x||_p, eps) (the norm's term only
    where ||x|| >= eps); at x = 0 the gradient is g / eps, as torch's.

    Args:
        input: a float tensor.
        p: the norm's exponent (2, 1, inf or any positive number).
        dim: the dim to normalize along (default 1).
        eps: the smallest denominator.
        out: not supported (must be None).

    Shape:
        Input (*), output (*), the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.normalize(ta.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    x = _t(input, "normalize")
    if out is not None:
        raise TypeError("normalize: out= is not supported; use the returned tensor")
    d = _float_dim(x, dim, "normalize") if x.ndim else None
    return Normalize.apply(x, p=float(p), dim=d, eps=eps)


def _pair(x1: Any, x2: Any, who: str) -> tuple[Tensor, Tensor, tuple]:
    """Two float tensors of one promoted dtype, and their broadcast shape."""
    a, b = _t(x1, who), _t(x2, who)
    dtype = dtypes.result_type(a, b)
    if dtype.kind != "f":
        raise RuntimeError(f"{who}: expected common dtype to be floating point, yet common "
                           f"dtype is {dtype} (shapes {a.shape} and {b.shape})")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{who}: the shapes {a.shape} and {b.shape} do not "
                           "broadcast") from None
    return a.to(dtype), b.to(dtype), shape


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cosine_similarity: y = sum(x1 x2, dim) / (max(||x1||, eps) max(||x2||, eps)), as
    torch 2.13 computes it: each input divided by its clamped norm, then the dot product.

    Args:
        x1, x2: float tensors that broadcast together.
        dim: the dim of the vectors (default 1).
        eps: the smallest norm in a denominator.

    Shape:
        Inputs broadcast to (*, D, *) with D at ``dim``; output (*, *) without it.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.cosine_similarity(ta.tensor([[1.0, 0.0]]), ta.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    a, b, shape = _pair(x1, x2, "cosine_similarity")
    d = _dim("cosine_similarity", Tensor._wrap(np.empty(shape, dtype=bool)), dim)
    # NOTE: broadcast first: a norm over a dim of size 1 is not the norm of its expansion
    a, b = (t if t.shape == shape else t.expand(*shape) for t in (a, b))
    return CosineSimilarity.apply(a, b, dim=d - len(shape), eps=eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """pairwise_distance: y = ||x1 - x2 + eps||_p over the last dim; the gradient is 0 where
    the distance is 0 (torch's subgradient of a norm).

    Args:
        x1, x2: float tensors that broadcast together.
        p: the norm's exponent (default 2).
        eps: added to the difference, as torch does.
        keepdim: keep the last dim (size 1).

    Shape:
        Inputs (*, D) (broadcast), output (*) or (*, 1).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.pairwise_distance(ta.tensor([[3.0, 0.0]]), ta.tensor([[0.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    for t in (x1, x2):  # NOTE: torch subtracts first, and refuses a bool tensor there
        if isinstance(t, Tensor) and t.dtype == np.bool_:
            _target_kind("pairwise_distance", t, t)
    a, b, shape = _pair(x1, x2, "pairwise_distance")
    if not shape:  # two 0-d tensors: one-element vectors, as torch
        out = PairwiseDistance.apply(a.reshape(1), b.reshape(1), p=float(p), eps=eps,
                                     keepdim=keepdim)
        return out if keepdim else out.reshape(())
    return PairwiseDistance.apply(a, b, p=float(p), eps=eps, keepdim=keepdim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """softmin: y = softmax(-x) along dim; composed (negation, then the softmax node), which
    is exact and costs one negation more.

    Args:
        input: a tensor.
        dim: the dim that sums to 1.
        dtype: convert the input to this dtype first.

    Shape:
        Input (*), output (*), the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.softmin(ta.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    t = _t(input, "softmin")
    return softmax(-(t if dtype is None else t.to(dtype)), dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """glu: a, b = x split in halves along dim; y = a * sigmoid(b) (one node).

    Args:
        input: a float tensor whose size along ``dim`` is even.
        dim: the dim to split (default -1).

    Shape:
        Input (*, 2N, *), output (*, N, *).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.glu(ta.tensor([2.0, 0.0]))
        tensor([1.])
    """
    x = _t(input, "glu")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _dim("glu", x, dim)
    if x.shape[d] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size "
                           f"{x.shape[d]} (shape {x.shape})")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"glu: not implemented for dtype {x.dtype}")
    return Glu.apply(x, dim=d)


def _channel_dropout(x: Tensor, p: float, training: bool, inplace: bool, who: str,
                     batched: bool) -> Tensor:
    """Zero whole channels: one Bernoulli(1 - p) draw per (sample, channel), kept ones
    scaled by 1 / (1 - p); dx = g * mask / (1 - p). ``batched`` is False for (C, *)."""
    if not 0 <= p <= 1:
        raise ValueError(f"{who}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return x
    if x.dtype.kind != "f":
        raise RuntimeError(f"{who}: result type Float can't be cast to the input's dtype "
                           f"{x.dtype} (shape {x.shape}), as in torch")
    lead = 2 if batched else 1
    shape = x.shape[:lead] + (1,) * (x.ndim - lead)
    keep = generator().random(shape) >= p if p < 1 else np.zeros(shape, bool)
    mask = keep * np.asarray(1 / (1 - p) if p < 1 else 0, dtype=x.dtype)
    return x.mul_(mask) if inplace else x * mask


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """dropout1d: zero each channel of a (N, C, L) or (C, L) input with probability p and
    scale the rest by 1 / (1 - p).

    Args:
        input: (N, C, L) or (C, L).
        p: the probability of zeroing a channel.
        training: apply it (default True); with False, y = x.
        inplace: multiply ``input`` in place.

    Shape:
        Input (N, C, L) or (C, L), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> y = F.dropout1d(ta.ones(1, 4, 3))
        >>> sorted(set(y.sum(2).flatten().tolist())) in ([0.0, 6.0], [0.0], [6.0])
        True
    """
    x = _t(input, "dropout1d")
    if x.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D "
                           f"input (shape {x.shape})")
    return _channel_dropout(x, p, training, inplace, "dropout1d", x.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """dropout2d: zero each channel of a (N, C, H, W) input with probability p and scale
    the rest by 1 / (1 - p). As torch, a 3-D input is taken as (N, C, L).

    Args:
        input: (N, C, H, W) (or (N, C, L)).
        p: the probability of zeroing a channel.
        training: apply it (default True); with False, y = x.
        inplace: multiply ``input`` in place.

    Shape:
        Input (N, C, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.dropout2d(ta.ones(1, 2, 2, 2), training=False).shape
        torch.Size([1, 2, 2, 2])
    """
    x = _t(input, "dropout2d")
    if x.ndim < 2:
        raise RuntimeError(f"dropout2d: Feature dropout requires at least 2 dimensions in the "
                           f"input (shape {x.shape})")
    return _channel_dropout(x, p, training, inplace, "dropout2d", x.ndim > 1)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """dropout3d: zero each channel of a (N, C, D, H, W) or (C, D, H, W) input with
    probability p and scale the rest by 1 / (1 - p). As torch, another number of dims warns
    and is taken as unbatched (C, *).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        p: the probability of zeroing a channel.
        training: apply it (default True); with False, y = x.
        inplace: multiply ``input`` in place.

    Shape:
        Input (N, C, D, H, W) or (C, D, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.dropout3d(ta.ones(1, 2, 2, 2, 2), training=False).shape
        torch.Size([1, 2, 2, 2, 2])
    """
    x = _t(input, "dropout3d")
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if x.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {x.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. "
                      "Note that dropout3d exists to provide channel-wise dropout on inputs "
                      "with 3 spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _channel_dropout(x, p, training, inplace, "dropout3d", x.ndim == 5)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """embedding: y = W[input], a table lookup; dW gets each g row added into the row it
    came from (linear in the number of indices), none into ``padding_idx``'s row.

    Args:
        input: integer indices of any shape, in [0, num_embeddings).
        weight: the table, (num_embeddings, embedding_dim).
        padding_idx: a row that gets no gradient (negative counts from the end).
        max_norm: rows looked up with a larger norm are rescaled to it, in place in
            ``weight`` (no gradient flows through the rescaling, as torch).
        norm_type: the p of that norm (default 2).
        scale_grad_by_freq: divide each row's gradient by its index's count in the batch.
        sparse: sparse gradients are not supported (must be False).

    Shape:
        Input (*), weight (V, D), output (*, D).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.embedding(ta.tensor([2, 0]), ta.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
        tensor([[4., 5.],
                [0., 1.]])
    """
    idx, w = _t(input, "embedding"), _t(weight, "embedding")
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: Expected tensor for argument #1 'indices' to have one "
                           f"of the following scalar types: Long, Int; but got dtype "
                           f"{idx.dtype} instead (shape {idx.shape})")
    if w.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {w.shape}")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    n = w.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    i = idx._array
    if i.size and (i.min() < 0 or i.max() >= n):
        raise IndexError(f"embedding: index out of range in self (indices from {i.min()} to "
                         f"{i.max()} for a table of {n} rows)")
    if max_norm is not None:
        rows = np.unique(i)
        norms = np.linalg.norm(w._array[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        if big.any():
            with no_grad():  # NOTE: in place, as torch's embedding_renorm_ (the version bumps)
                w[Tensor._wrap(rows[big])] = w[Tensor._wrap(rows[big])] * Tensor._wrap(
                    (max_norm / (norms[big] + 1e-7)).astype(w.dtype)[:, None])
    return Embedding.apply(w, idx=i, padding_idx=padding_idx,
                           scale_grad_by_freq=scale_grad_by_freq)


# --- further losses: l1_loss / smooth_l1_loss / huber_loss / kl_div --------------------------

def _loss_pair(input: Any, target: Any, who: str) -> tuple[Tensor, Any]:
    """input and target of one shape (refused otherwise, as ``mse_loss``) in one float
    dtype (torch's promotion); integer results are a RuntimeError, as torch's mean."""
    x = _t(input, who)
    dtype = dtypes.result_type(x, target if isinstance(target, Tensor) else np.asarray(target))
    if dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point result, got dtype {dtype} "
                           f"(input {x.dtype}, shape {x.shape})")
    x = x.to(dtype)
    return x, _same_shape_target(x, target, who)


def _elementwise_loss(loss: Tensor, weight: Any, reduction: str, who: str) -> Tensor:
    """The weighted loss, reduced. As torch 2.13: the weight has the loss's shape, and
    l1_loss's and mse_loss's mean is sum(w l) / sum(w), huber_loss's the plain mean of
    w l."""
    if weight is not None and np.shape(weight._array if isinstance(weight, Tensor)
                                        else weight) != loss.shape:
        raise ValueError(f"{who}: Weights and input must have the same size (weight shape "
                         f"{np.shape(weight)}, input shape {loss.shape})")
    weighted = _weighted(loss, weight, who)
    if weight is None or reduction != "mean" or who not in ("l1_loss", "mse_loss"):
        return _reduce(weighted, reduction)
    if isinstance(weight, Tensor):  # NOTE: sum(w) in the graph: w's gradient has its term
        return weighted.sum() / weight.to(weighted.dtype).sum()
    return weighted.sum() / float(np.sum(weight))


def l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Any = None) -> Tensor:
    """l1_loss: l = |x - t| (times ``weight``); dx = sign(x - t), 0 where x = t (torch's).

    Args:
        input: predictions.
        target: values of the same shape.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.
        weight: optional elementwise weight (broadcast to the loss's shape).

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.l1_loss(ta.tensor([1.0, 2.0]), ta.tensor([0.0, 4.0]))
        tensor(1.5000)
    """
    reduction = _legacy(size_average, reduce, reduction, "l1_loss")
    if isinstance(target, Tensor) and target.dtype == np.bool_:
        _target_kind("l1_loss", _t(input, "l1_loss"), target)
    x, t = _loss_pair(input, target, "l1_loss")
    return _elementwise_loss(SmoothL1.apply(x, t, beta=0.0, huber=False), weight, reduction,
                             "l1_loss")


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """smooth_l1_loss: l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - t);
    dx = clip(d / beta, -1, 1); beta = 0 is l1_loss.

    Args:
        input: predictions.
        target: values of the same shape.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.
        beta: where the quadratic zone ends (>= 0).

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.smooth_l1_loss(ta.tensor([0.5, 3.0]), ta.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    reduction = _legacy(size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, t = _loss_pair(input, target, "smooth_l1_loss")
    return _reduce(SmoothL1.apply(x, t, beta=float(beta), huber=False), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Tensor:
    """huber_loss: l = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - t);
    dx = clip(d, -delta, delta). It is delta * smooth_l1_loss(beta=delta), computed directly.

    Args:
        input: predictions.
        target: values of the same shape.
        reduction: 'mean' (default), 'sum' or 'none'.
        delta: where the quadratic zone ends (> 0).
        weight: optional elementwise weight (broadcast to the loss's shape).

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.huber_loss(ta.tensor([0.5, 3.0]), ta.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = _loss_pair(input, target, "huber_loss")
    # NOTE: torch's huber_loss runs with a float target of another dtype, but its backward
    # kernel then refuses (it expects one dtype): the node remembers, to refuse the same way
    mixed = isinstance(input, Tensor) and isinstance(target, Tensor) \
        and input.dtype.kind == target.dtype.kind == "f" and input.dtype != target.dtype
    if isinstance(input, Tensor) and input.dtype.kind == "f" and x.dtype != input.dtype:
        # NOTE: torch's huber_loss keeps the input's float dtype (it does not promote)
        x, t = x.to(input.dtype), t.to(input.dtype) if isinstance(t, Tensor) else t
    dtypes = (input.dtype.name, target.dtype.name) if mixed else None
    return _elementwise_loss(SmoothL1.apply(x, t, beta=float(delta), huber=True,
                                            mixed=dtypes), weight, reduction, "huber_loss")


def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """kl_div: l = t (log t - x) for log-probabilities x (0 where t = 0), or
    e^t (t - x) with ``log_target``; dx = -t (or -e^t).

    Args:
        input: log-probabilities (e.g. log_softmax's output).
        target: probabilities (log-probabilities with ``log_target``) of the same shape.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (over every element, as torch), 'batchmean' (the sum over the
            batch size, the true KL divergence per sample), 'sum' or 'none'.
        log_target: the target is given as log-probabilities.

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> p = ta.tensor([[0.5, 0.5]])
        >>> F.kl_div(p.log(), p, reduction="batchmean")
        tensor(0.)
    """
    batchmean = reduction == "batchmean"
    reduction = _legacy(size_average, reduce, "mean" if batchmean else reduction, "kl_div")
    x = _t(input, "kl_div")
    if x.dtype.kind != "f" or _t(target, "kl_div").dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    x, t = _loss_pair(x, target, "kl_div")
    loss = KLDiv.apply(x, t, log_target=log_target)
    if batchmean and reduction == "mean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


# --- margin and embedding losses: margin_ranking / hinge_embedding / cosine_embedding /
# soft_margin / multilabel_soft_margin / triplet_margin ----------------------------------------
# Composed from primitives where torch composes them (so the subgradients at the hinges are
# torch's: clamp_min passes the gradient where its input is >= 0); soft_margin is one node.

def _float_result(who: str, *ts: Tensor) -> Any:
    """The promoted float dtype of the inputs (torch's), refusing an integer result."""
    dtype = dtypes.result_type(*ts)
    if dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point result, got dtype {dtype} "
                           f"(shapes {', '.join(str(t.shape) for t in ts)})")
    return dtype


def _broadcast(who: str, *shapes: tuple) -> tuple:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{who}: the shapes {', '.join(map(str, shapes))} do not "
                           "broadcast") from None


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """margin_ranking_loss: l = max(0, -y (x1 - x2) + margin) for y = 1 (x1 should rank
    higher) or -1; dx1 = -y, dx2 = y where the hinge is active (>= 0, as torch), else 0.

    Args:
        input1, input2: scores of one shape (or broadcasting, of one number of dims).
        target: 1 or -1 per pair (its gradient is -(x1 - x2) where active, as torch's).
        margin: how far apart the scores must be (default 0).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input1, input2, target (*) with one number of dims; output a scalar, or (*).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.margin_ranking_loss(ta.tensor([1.0, 0.0]), ta.tensor([0.0, 1.0]),
        ...                       ta.tensor([1.0, 1.0]), margin=0.5, reduction="none")
        tensor([0.0000, 1.5000])
    """
    reduction = _legacy(size_average, reduce, reduction, "margin_ranking_loss")
    a, b, y = (_t(v, "margin_ranking_loss") for v in (input1, input2, target))
    if not a.ndim == b.ndim == y.ndim:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {a.shape}, input2: {b.shape}, "
                           f"target: {y.shape}")
    _broadcast("margin_ranking_loss", a.shape, b.shape, y.shape)
    _float_result("margin_ranking_loss", a, b, y)
    return _reduce((-y * (a - b) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """hinge_embedding_loss: l = x where y = 1, max(0, margin - x) where y = -1 (x is
    usually a distance; a y of another value counts both terms, as torch); dx = 1, or -1
    where the hinge is active (margin - x >= 0), else 0.

    Args:
        input: distances (any float shape).
        target: 1 (similar) or -1 (dissimilar), broadcasting with the input.
        margin: the distance dissimilar pairs are pushed past (default 1).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (*), target broadcasting with it; output a scalar, or the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.hinge_embedding_loss(ta.tensor([0.3, 0.3]), ta.tensor([1, -1]),
        ...                        reduction="none")
        tensor([0.3000, 0.7000])
    """
    reduction = _legacy(size_average, reduce, reduction, "hinge_embedding_loss")
    x, y = _t(input, "hinge_embedding_loss"), _t(target, "hinge_embedding_loss")
    _broadcast("hinge_embedding_loss", x.shape, y.shape)
    if x.dtype.kind != "f":
        raise RuntimeError(f"hinge_embedding_loss: expected a float input, got {x.dtype} "
                           f"(shape {x.shape})")
    y = y.detach()  # NOTE: torch's target is used only in comparisons: it gets no gradient
    hinge = _where_else_0(y._array != 1, (margin - x).clamp(min=0))
    return _reduce(hinge + _where_else_0(y._array != -1, x), reduction)


def _where_else_0(cond: np.ndarray, x: Tensor) -> Tensor:
    """x where cond, else 0, in x's dtype and the broadcast shape (torch's where(c, x, 0))."""
    return ops.Where.apply(cond, x, np.zeros((), x.dtype))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """cosine_embedding_loss: with c = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) per
    row, l = 1 - c where y = 1, max(0, c - margin) where y = -1, 0 for other y (torch's
    formula, composed as torch composes it, so the gradients are its).

    Args:
        input1, input2: (N, D) rows (or (D,) vectors with a 0-d target), broadcasting.
        target: 1 (similar) or -1 (dissimilar) per row; no gradient.
        margin: in [-1, 1], 0 to 0.5 suggested (default 0).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input1, input2 (N, D) with target (N,), or (D,) with a 0-d target; output a
        scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> x = ta.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> F.cosine_embedding_loss(x, ta.tensor([[1.0, 0.0], [1.0, 0.0]]),
        ...                         ta.tensor([1, -1]), reduction="none")
        tensor([0.0000, 0.7071])
    """
    who = "cosine_embedding_loss"
    reduction = _legacy(size_average, reduce, reduction, who)
    a, b, y = (_t(v, who) for v in (input1, input2, target))
    if y.ndim not in (0, 1):
        raise RuntimeError(f"{who}: 0D or 1D target tensor expected, multi-target not "
                           f"supported (target shape {y.shape})")
    if y.ndim == 1 and not a.ndim == b.ndim == 2:
        raise RuntimeError(f"{who}: 1D target tensor expects 2D input tensors, but found "
                           f"inputs with sizes {list(a.shape)} and {list(b.shape)}.")
    if y.ndim == 0 and not a.ndim == b.ndim == 1:
        raise RuntimeError(f"{who}: 0D target tensor expects 1D input tensors, but found "
                           f"inputs with sizes {list(a.shape)} and {list(b.shape)}.")
    shape = _broadcast(who, a.shape, b.shape)
    _broadcast(who, shape[:-1], y.shape)
    dtype = _float_result(who, a, b)
    a, b, dim = a.to(dtype), b.to(dtype), y.ndim
    # NOTE: 1e-12 inside each squared norm (torch's EPSILON): a zero row gives c = 0, not nan
    denom = (((a * a).sum(dim) + 1e-12) * ((b * b).sum(dim) + 1e-12)).sqrt()
    cos = (a * b).sum(dim) / denom
    t = y._array
    loss = _where_else_0(t == 1, 1 - cos) + _where_else_0(t == -1, (cos - margin).clamp(min=0))
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """soft_margin_loss: l = log(1 + e^(-y x)) for labels y = 1 or -1 (a smooth hinge);
    dx = -y sigmoid(-y x). Computed stably (no overflow for large -y x).

    Args:
        input: scores (any float shape).
        target: labels of the input's shape (or broadcasting to it); no gradient (torch
            refuses a target that requires one).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (*), target (*); output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> loss = F.soft_margin_loss(ta.tensor([0.0, 2.0]), ta.tensor([1.0, -1.0]),
        ...                           reduction="none")
        >>> [round(v, 4) for v in loss.tolist()]
        [0.6931, 2.1269]
    """
    reduction = _legacy(size_average, reduce, reduction, "soft_margin_loss")
    x = _t(input, "soft_margin_loss")
    t = target._array if isinstance(target, Tensor) else np.asarray(target)
    if isinstance(target, Tensor) and target.requires_grad and is_recording():
        raise RuntimeError("soft_margin_loss: The function 'soft_margin_loss' is not "
                           "differentiable with respect to argument 'target'. This input "
                           f"cannot have requires_grad True (target shape {t.shape}).")
    shape = _broadcast("soft_margin_loss", x.shape, t.shape)
    if shape != x.shape:
        raise RuntimeError(f"soft_margin_loss: output with shape {list(x.shape)} doesn't "
                           f"match the broadcast shape {list(shape)}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"soft_margin_loss: expected a float input, got {x.dtype} "
                           f"(shape {x.shape})")
    y = np.broadcast_to(t.astype(x.dtype, copy=False), x.shape)
    return _reduce(SoftMargin.apply(x, y), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None,
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Tensor:
    """multilabel_soft_margin_loss: per sample, the mean over the C classes of
    -(t log sigmoid(x) + (1 - t) log sigmoid(-x)) (times ``weight``), for 0/1 targets t;
    dx = (sigmoid(x) - t) w / C (then the reduction's 1 / N).

    Args:
        input: (N, C) scores (or (C,), or (*, C): the last dim holds the classes).
        target: 0/1 labels broadcasting with the input (float: its gradient is -x w / C).
        weight: optional per-class weight (C,) (broadcasting with the loss).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (N, C), target (N, C); output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.multilabel_soft_margin_loss(ta.tensor([[0.0, 0.0]]), ta.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """
    who = "multilabel_soft_margin_loss"
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction, who)
    _check_reduction(reduction, who)
    x = _t(input, who)
    if x.ndim == 0:
        raise IndexError(f"{who}: Dimension specified as -1 but tensor has no dimensions "
                         f"(input shape {x.shape}: it needs a class dim)")
    t = target if isinstance(target, Tensor) else Tensor._wrap(np.asarray(target))
    _broadcast(who, x.shape, t.shape)
    loss = -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=x.ndim - 1) / x.shape[-1]
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """triplet_margin_loss: l = max(0, d(a, p) - d(a, n) + margin), d the pairwise_distance
    (||x - y + eps||_p over the last dim); ``swap`` uses min(d(a, n), d(p, n)) for the
    negative's distance (the distance swap). Gradients through pairwise_distance.

    Args:
        anchor, positive, negative: (N, D) (or (D,), or (*, D)) of one number of dims,
            broadcasting.
        margin: how much nearer the positive must be (> 0, default 1).
        p: the norm's exponent (default 2).
        eps: added to each difference, as pairwise_distance.
        swap: the distance swap of Balntas et al. (2016).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        (N, D) each; output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> a = ta.tensor([[0.0, 0.0]])
        >>> F.triplet_margin_loss(a, ta.tensor([[0.0, 1.0]]), ta.tensor([[3.0, 0.0]]), eps=0)
        tensor(0.)
    """
    who = "triplet_margin_loss"
    reduction = _legacy(size_average, reduce, reduction, who)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = (_t(v, who) for v in (anchor, positive, negative))
    for t in (pos, neg):
        if t.dtype == np.bool_:
            _target_kind(who, a, t)
    if not a.ndim == pos.ndim == neg.ndim:
        raise RuntimeError(f"{who}: The anchor, positive, and negative tensors are expected "
                           f"to have the same number of dimensions, but got: anchor "
                           f"{a.ndim}D, positive {pos.ndim}D, and negative {neg.ndim}D inputs "
                           f"(shapes {a.shape}, {pos.shape}, {neg.shape})")
    _broadcast(who, a.shape, pos.shape, neg.shape)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(pos, neg, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """poisson_nll_loss: loss = exp(input) - target * input (log_input, the default), or
    input - target * log(input + eps); with ``full``, Stirling's term target log(target) -
    target + 0.5 log(2 pi target) is added where target > 1.

    Args:
        input: the predicted log-rates (or rates with log_input=False).
        target: the counts, broadcastable against input.
        log_input, full, eps: as above.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        A scalar, or the broadcast shape with reduction='none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.poisson_nll_loss(ta.zeros(2), ta.ones(2))
        tensor(1.)
    """
    reduction = _legacy(size_average, reduce, reduction, "poisson_nll_loss")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    x, t = _t(input, "poisson_nll_loss"), _t(target, "poisson_nll_loss")
    try:
        np.broadcast_shapes(x.shape, t.shape)
    except ValueError:
        raise RuntimeError(f"poisson_nll_loss: the shapes of input {x.shape} and target "
                           f"{t.shape} do not broadcast") from None
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + stirling.masked_fill(t <= 1, 0)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """triplet_margin_with_distance_loss: loss = max(d(a, p) - d(a, n) + margin, 0), with
    any distance d (default F.pairwise_distance); ``swap`` uses min(d(a, n), d(p, n)).

    Args:
        anchor, positive, negative: tensors of one number of dims.
        distance_function: (x1, x2) -> distances; None is pairwise_distance.
        margin: a positive margin (default 1).
        swap: the distance swap of Balntas et al.
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        A scalar, or the distances' shape with reduction='none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> a, p, n = ta.zeros(1, 2), ta.zeros(1, 2), ta.ones(1, 2)
        >>> F.triplet_margin_with_distance_loss(a, p, n, margin=2.0).item() > 0.5
        True
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, p, n = (_t(t, "triplet_margin_with_distance_loss") for t in (anchor, positive,
                                                                     negative))
    if not a.ndim == p.ndim == n.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a.ndim}D, "
                           f"positive {p.ndim}D, and negative {n.ndim}D inputs")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(a, p), dist(a, n)
    if swap:
        d_neg = d_neg.minimum(dist(p, n))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """rrelu (randomized leaky relu): y = x for x > 0, a x otherwise, with a ~ U(lower,
    upper) drawn per element in training, and a = (lower + upper) / 2 in eval (then it is
    leaky_relu). dy/dx = 1 or a (a at x = 0, as torch).

    Args:
        input: a float tensor.
        lower, upper: the range of the slope a (lower <= upper).
        training: draw the slopes (default False).
        inplace: overwrite ``input``.

    Shape:
        Output the same as input.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.rrelu(ta.tensor([-2.0, 1.0]), 0.25, 0.75)
        tensor([-1.,  1.])
    """
    x = _t(input, "rrelu")
    if x.dtype.kind != "f":
        raise NotImplementedError(f'rrelu: "leaky_relu_cpu" not implemented for {x.dtype} '
                                  f"(input of shape {x.shape}), as in torch")
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper "
                           f"bound (lower={lower}, upper={upper})")
    if not training:
        return leaky_relu(x, (lower + upper) / 2, inplace)
    slope = generator().uniform(lower, upper, x.shape)
    noise = np.where(x._array > 0, 1, slope).astype(x.dtype)
    return x.mul_(noise) if inplace else x * noise


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """rrelu in place (see ``rrelu``).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.rrelu_(ta.tensor([-2.0, 1.0]), 0.25, 0.75)
        tensor([-1.,  1.])
    """
    return rrelu(input, lower, upper, training, inplace=True)


# --- resampling: interpolate (upsample) -------------------------------------------------------

_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}
_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _per_dim(value: Any, x: Tensor, what: str) -> list:
    """``size`` or ``scale_factor`` as one value per spatial dim (torch's checks)."""
    dims = x.ndim - 2
    if not isinstance(value, (list, tuple)):
        return [value] * max(dims, 0)
    if len(value) != dims:
        name, fmt = ("output size of", "output size in (o1, o2, ...,oK)") if what == "size" \
            else ("scale_factor of shape", "scale_factor in (s1, s2, ...,sK)")
        first = "Input and output" if what == "size" else "Input and scale_factor"
        raise ValueError(f"{first} must have the same number of spatial dimensions, but got "
                         f"input with spatial dimensions of {list(x.shape[2:])} and {name} "
                         f"{value}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                         f"format and {fmt} format.")
    if what == "size" and not all(isinstance(v, (int, np.integer)) for v in value):
        raise TypeError("interpolate: expected size to be one of int or Tuple[int] or "
                        "Tuple[int, int] or Tuple[int, int, int], but got size with types "
                        f"{[type(v) for v in value]}")
    return list(value)


def _output_size(x: Tensor, size: Any, scale_factor: Any, recompute: Any) -> tuple:
    """(output size per spatial dim, the scale factors the kernel uses or None per dim)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if recompute and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if size is not None:
        out = _per_dim(size, x, "size")
        if not all(isinstance(v, (int, np.integer)) for v in out):
            raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {size!r}")
        return [int(v) for v in out], [None] * len(out)
    scales = [float(s) for s in _per_dim(scale_factor, x, "scale_factor")]
    # NOTE: floor(n * s) in double, as torch; with recompute_scale_factor the kernel then
    # uses n_in / n_out instead of 1 / s (they differ when n * s is not an integer)
    out = [int(np.floor(n * s)) for n, s in zip(x.shape[2:], scales)]
    return out, [None] * len(out) if recompute else scales


def _check_sizes(x: Tensor, out: list) -> None:
    if all(n > 0 for n in x.shape[2:]) and all(n > 0 for n in out):
        return
    names = _SPATIAL[len(out)]
    ins = ", ".join(f"{d}: {n}" for d, n in zip(names, x.shape[2:]))
    outs = ", ".join(f"{d}: {n}" for d, n in zip(names, out))
    link = " and output" if len(out) == 1 else " output"
    raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                       f"({ins}){link} ({outs})")


def _resample_mode(x: Tensor, mode: str, align_corners: Any) -> None:
    """torch's refusals of a mode that does not fit the input, or is not computed here."""
    modes = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
    if x.ndim not in (3, 4, 5) or mode not in ("nearest", "nearest-exact", "area",
                                                *_LINEAR_MODES, "bicubic", "lanczos"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {x.ndim}D) for the modes: {modes} (got {mode})")
    if mode in _LINEAR_MODES and x.ndim != _LINEAR_MODES[mode]:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs "
                                  f"{_LINEAR_MODES[mode]}D input")
    if mode == "bicubic" and x.ndim != 4:
        raise NotImplementedError(f"Got {x.ndim}D input, but bicubic mode needs 4D input")
    if mode == "bicubic" and x.dtype.kind != "f":
        raise NotImplementedError(f'"compute_indices_weights_cubic" not implemented for '
                                  f"{x.dtype} (interpolate, input shape {x.shape}; torch's "
                                  "uint8 bicubic is not implemented in tinygrad_acts)")
    if mode == "lanczos" or (mode == "area" and x.ndim == 5):
        raise NotImplementedError(f"interpolate: mode {mode!r} on a {x.ndim}-d input (shape "
                                  f"{x.shape}) is not implemented in tinygrad_acts")
    kind = "linear" if mode in _LINEAR_MODES else "nearest"
    if x.dtype.kind != "f" and not (kind == "nearest" and x.dtype == np.uint8):
        raise NotImplementedError(f'"compute_indices_weights_{kind}" not implemented for '
                                  f"{x.dtype} (interpolate, input shape {x.shape})")


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """interpolate: resize the spatial dims (all but N, C) by nearest or linear sampling.

    nearest: y[i] = x[floor(i * s)] (s = n_in / n_out, or 1 / scale_factor); its gradient
    is g added back at each picked source. linear / bilinear / trilinear: y[i] =
    (1 - l) x[i0] + l x[i0 + 1] at the source position p = (i + 0.5) s - 0.5 (pixel
    centres; p = i (n_in - 1) / (n_out - 1) with ``align_corners=True``), l = p - i0, per
    spatial dim in turn; its gradient is g spread back with the same weights (one node).

    Args:
        input: (N, C, W), (N, C, H, W) or (N, C, D, H, W).
        size: the output's spatial size (an int for every dim, or one per dim).
        scale_factor: a multiplier per spatial dim instead (the size is floor(n * s)).
        mode: 'nearest' (default), 'nearest-exact' (floor((i + 0.5) s)), 'linear' (3-d),
            'bilinear' (4-d), 'bicubic' (4-d; 4 taps per dim, Keys' kernel a = -0.75,
            border pixels repeated), 'trilinear' (5-d) or 'area' (adaptive average pooling).
        align_corners: linear modes only: False (None, the default, means False, without
            a warning, as torch 2.x) samples at pixel centres; True lines up the corners.
        recompute_scale_factor: with ``scale_factor``, sample at n_in / n_out (the size's
            own ratio) instead of 1 / scale_factor.
        antialias: refused here (torch's bilinear / bicubic low-pass option).

    Shape:
        Input (N, C, *in), output (N, C, *size).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.interpolate(ta.tensor([[[1.0, 2.0]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]])
        >>> F.interpolate(ta.tensor([[[1.0, 2.0]]]), size=4, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    x = _t(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating "
                         "modes: linear | bilinear | bicubic | trilinear")
    out, scales = _output_size(x, size, scale_factor, recompute_scale_factor)
    if mode == "area" and scale_factor is not None:
        scales = [None] * len(out)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and x.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    _resample_mode(x, mode, align_corners)
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in "
                                  f"tinygrad_acts (input shape {x.shape})")
    _check_sizes(x, out)
    if mode == "area":
        pool = _conv.adaptive_avg_pool1d if x.ndim == 3 else _conv.adaptive_avg_pool2d
        return pool(x, tuple(out))
    if mode == "bicubic":
        plans = tuple(cubic_plan(n, m, s, bool(align_corners), x.dtype)
                      for n, m, s in zip(x.shape[2:], out, scales))
    elif mode in _LINEAR_MODES:
        plans = tuple(linear_plan(n, m, s, bool(align_corners), x.dtype)
                      for n, m, s in zip(x.shape[2:], out, scales))
    else:
        plans = tuple(nearest_plan(n, m, s, exact=mode == "nearest-exact", shortcut=x.ndim == 4)
                      for n, m, s in zip(x.shape[2:], out, scales))
    return Resample.apply(x, plans=plans)


def _deprecated_upsample(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=3)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """upsample: ``interpolate`` under its old name (deprecated in torch: it warns)."""
    _deprecated_upsample("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """upsample_nearest: ``interpolate(mode='nearest')`` (deprecated in torch: it warns)."""
    _deprecated_upsample("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """upsample_bilinear: ``interpolate(mode='bilinear', align_corners=True)`` (deprecated
    in torch: it warns)."""
    _deprecated_upsample("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# embedding_bag lives with its layer (nn/sparse.py); imported last, as nn imports this module
from .nn.sparse import embedding_bag  # noqa: E402  isort: skip
