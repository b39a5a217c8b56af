"""F.batch_norm / layer_norm / group_norm / instance_norm / rms_norm: the functional forms
(functional.py exports this module's __all__).

Each checks its arguments as torch does (the same errors, naming the op and the shapes),
computes the statistics and, in training with running statistics, updates those in place;
the normalization itself is one node, ops/norm.py's ``Norm``, with its closed-form backward.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..ops.norm import Norm, moments
from ..tensor import Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm"]


def _input(who: str, x: Any, kernel: str) -> Tensor:
    """The input: a float Tensor (torch has no integer or bool kernel)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f'{who}: "{kernel}" not implemented for {x.dtype} (input of '
                                  f"shape {x.shape}); convert it with .float()")
    return x


def _param(who: str, name: str, p: Any, x: Tensor, size: int, shape: Any = None,
           like: Any = True) -> Any:
    """A weight, bias or running statistic: None, or a Tensor with ``size`` elements (of
    shape ``shape``, for layer norm's parameters) and x's dtype (unless ``like`` is None)."""
    if p is None:
        return None
    if not isinstance(p, Tensor):
        raise TypeError(f"{who}(): argument '{name}' must be Tensor, not {type(p).__name__}")
    if shape is not None and p.shape != shape:
        raise RuntimeError(f"{who}: Expected {name} to be of same shape as normalized_shape, "
                           f"but got {name} of shape {list(p.shape)} and normalized_shape = "
                           f"{list(shape)}")
    if p.numel() != size:
        raise RuntimeError(f"{who}: {name} should contain {size} elements not {p.numel()} "
                           f"(input of shape {x.shape}, {name} of shape {p.shape})")
    if like is not None and p.dtype != x.dtype:
        raise RuntimeError(f"{who}: mixed dtype: {name} is {p.dtype} but the input is "
                           f"{x.dtype} (shapes {p.shape} and {x.shape}); all must share one "
                           "dtype, as in torch")
    return p


def _stats(who: str, running_mean: Any, running_var: Any, x: Tensor, c: int) -> tuple:
    """The running statistics, checked: both or neither, of c elements and x's dtype
    (instance norm takes any float dtype, as torch), and not requiring grad (torch has no
    gradient for them)."""
    like = x if who == "batch_norm" else None
    rm = _param(who, "running_mean", running_mean, x, c, like=like)
    rv = _param(who, "running_var", running_var, x, c, like=like)
    if (rm is None) != (rv is None):
        raise ValueError(f"{who}: running_mean and running_var must either both be None or "
                         "neither be None")
    if rm is not None and (rm.requires_grad or rv.requires_grad):
        raise RuntimeError(f"{who}: not differentiable with respect to the running "
                           "statistics: they cannot have requires_grad True")
    return rm, rv


def _update(running: Tensor, batch: np.ndarray, momentum: float) -> None:
    """running <- momentum * batch + (1 - momentum) * running, in place (torch's order)."""
    with no_grad():
        running.copy_(Tensor._wrap(momentum * batch + (1 - momentum) * running._array))


def _unbiased(var: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):  # NOTE: n = 1 gives inf, as torch
        return var * (n / (n - 1))


def _channels(who: str, x: Tensor) -> tuple[int, int, int]:
    """(N, C, M): batch, channels and the product of the remaining sizes."""
    if x.ndim < 2:
        raise IndexError(f"{who}: expected an input with at least 2 dims (N, C, *), got shape "
                         f"{x.shape} (dim 1 is out of range)")
    return x.shape[0], x.shape[1], math.prod(x.shape[2:])


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """batch_norm: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1),
    with the batch's mean and biased variance over every other dim in training (and then
    running <- momentum * batch + (1 - momentum) * running, with the unbiased variance),
    the running statistics in evaluation.

    Args:
        input: (N, C, *), a float tensor.
        running_mean, running_var: (C,) buffers, updated in place in training; both None
            to use the batch's statistics only.
        weight, bias: (C,), or None.
        training: use (and track) the batch's statistics.
        momentum: the running averages' weight for the new batch.
        eps: added to the variance (must be > 0 in training, as torch).

    Shape:
        Input (N, C, *), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> x = ta.tensor([[1.0], [3.0]])
        >>> F.batch_norm(x, None, None, training=True, eps=1e-12)
        tensor([[-1.],
                [ 1.]])
    """
    x = _input("batch_norm", input, "batch_norm")
    if not isinstance(momentum, (int, float)):
        raise TypeError(f"batch_norm(): argument 'momentum' (position 7) must be float, not "
                        f"{type(momentum).__name__}")
    n, c, m = _channels("batch_norm", x)
    rm, rv = _stats("batch_norm", running_mean, running_var, x, c)
    w, b = (_param("batch_norm", k, p, x, c) for k, p in (("weight", weight), ("bias", bias)))
    view, axes = (n, c, m), (0, 2)
    if not training:
        if rm is None:
            raise RuntimeError("batch_norm: running_mean must be defined in evaluation mode")
        return Norm.apply(x, w, b, view=view, axes=axes, wview=(1, c, 1), eps=eps,
                          mean=rm._array.reshape(1, c, 1), var=rv._array.reshape(1, c, 1),
                          batch=False)
    if n * m == 1:
        raise ValueError(f"batch_norm: Expected more than 1 value per channel when training, "
                         f"got input size {x.shape}")
    if eps <= 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    mean, var = moments(x._array.reshape(view), axes)
    if rm is not None and n * m:
        _update(rm, mean.reshape(c), momentum)
        _update(rv, _unbiased(var.reshape(c), n * m), momentum)
    return Norm.apply(x, w, b, view=view, axes=axes, wview=(1, c, 1), eps=eps, mean=mean,
                      var=var, batch=True)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """instance_norm: y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and
    biased variance of each sample's channel over its spatial dims (batch norm of each
    sample alone); running statistics, if given, average the batch's (torch's rule).

    Args:
        input: (N, C, *), a float tensor with more than one spatial element.
        running_mean, running_var: (C,) buffers updated in place, or None.
        weight, bias: (C,), or None.
        use_input_stats: normalize with each instance's statistics (else the running ones).
        momentum, eps: as in ``batch_norm``.

    Shape:
        Input (N, C, *), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.instance_norm(ta.tensor([[[1.0, 3.0]]]), eps=1e-12)
        tensor([[[-1.,  1.]]])
    """
    x = _input("instance_norm", input, "batch_norm")
    if use_input_stats and math.prod(x.shape[2:]) == 1:
        raise ValueError(f"instance_norm: Expected more than 1 spatial element when "
                         f"training, got input size {x.shape}")
    n, c, m = _channels("instance_norm", x)
    rm, rv = _stats("instance_norm", running_mean, running_var, x, c)
    w, b = (_param("instance_norm", k, p, x, c) for k, p in (("weight", weight), ("bias", bias)))
    view, wview = (n, c, m), (1, c, 1)
    if not use_input_stats:
        if rm is None:
            raise RuntimeError("instance_norm: Expected running_mean and running_var to be "
                               "defined when use_input_stats is false")
        return Norm.apply(x, w, b, view=view, axes=(2,), wview=wview, eps=eps, batch=False,
                          mean=rm._array.reshape(wview).astype(x.dtype),
                          var=rv._array.reshape(wview).astype(x.dtype))
    mean, var = moments(x._array.reshape(view), (2,))
    if rm is not None and n:  # each sample updates a copy; the copies are averaged
        _update(rm, mean.reshape(n, c).mean(0), momentum)
        _update(rv, _unbiased(var.reshape(n, c), m).mean(0), momentum)
    return Norm.apply(x, w, b, view=view, axes=(2,), wview=wview, eps=eps, mean=mean,
                      var=var, batch=True)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """layer_norm: y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and
    biased variance over the last len(normalized_shape) dims of each sample.

    Args:
        input: (*, normalized_shape), a float tensor.
        normalized_shape: the trailing shape normalized over (a tuple or list of ints).
        weight, bias: of shape normalized_shape, or None.
        eps: added to the variance.

    Shape:
        Input (*, normalized_shape), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.layer_norm(ta.tensor([[1.0, 3.0], [2.0, 0.0]]), (2,), eps=1e-12)
        tensor([[-1.,  1.],
                [ 1., -1.]])
    """
    x = _input("layer_norm", input, "LayerNormKernelImpl")
    if isinstance(normalized_shape, (int, np.integer)) or not all(
            isinstance(s, (int, np.integer)) for s in normalized_shape):
        raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be "
                        f"tuple of ints, not {type(normalized_shape).__name__}")
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if not k:
        raise RuntimeError("layer_norm: Expected normalized_shape to be at least "
                           "1-dimensional, i.e., containing at least one element, but got "
                           "normalized_shape = []")
    if k > x.ndim or x.shape[x.ndim - k:] != shape:
        raise RuntimeError(f"layer_norm: Given normalized_shape={list(shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                           f"size {x.shape}")
    size = math.prod(shape)
    w, b = (_param("layer_norm", name, p, x, size, shape)
            for name, p in (("weight", weight), ("bias", bias)))
    axes = tuple(range(x.ndim - k, x.ndim))
    mean, var = moments(x._array, axes)
    return Norm.apply(x, w, b, view=x.shape, axes=axes, wview=shape, eps=eps, mean=mean,
                      var=var, batch=True)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """group_norm: y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and
    biased variance of each sample over each group of C / num_groups channels (and all
    their spatial dims); weight and bias per channel.

    Args:
        input: (N, C, *), a float tensor, C divisible by num_groups.
        num_groups: how many groups the channels are split into.
        weight, bias: (C,), or None.
        eps: added to the variance.

    Shape:
        Input (N, C, *), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.group_norm(ta.tensor([[1.0, 3.0, 5.0, 5.0]]), 2, eps=1e-12)
        tensor([[-1.,  1.,  0.,  0.]])
    """
    x = _input("group_norm", input, "GroupNormKernelImpl")
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but "
                           f"received {x.ndim}")
    n, c, m = x.shape[0], x.shape[1], math.prod(x.shape[2:])
    if c % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible "
                           f"by num_groups, but got input of shape {x.shape} and "
                           f"num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and isinstance(p, Tensor) and (p.ndim != 1 or p.numel() != c):
            raise RuntimeError(f"group_norm: Expected {name} to be a vector of size equal to "
                               f"the number of channels in input, but got {name} of shape "
                               f"{p.shape} and input of shape {x.shape}")
    if n * (c // num_groups) * m == 1:  # torch's check (of the batch dims, as batch_norm's)
        raise ValueError(f"group_norm: Expected more than 1 value per channel when training, "
                         f"got input size {x.shape} with num_groups={num_groups}")
    w, b = (_param("group_norm", k, p, x, c) for k, p in (("weight", weight), ("bias", bias)))
    g = num_groups
    view, axes = (n, g, c // g, m), (2, 3)
    mean, var = moments(x._array.reshape(view), axes)
    return Norm.apply(x, w, b, view=view, axes=axes, wview=(1, g, c // g, 1), eps=eps,
                      mean=mean, var=var, batch=True)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """rms_norm: y = x / sqrt(mean(x^2) + eps) * weight, the mean over the last
    len(normalized_shape) dims (no centring, no bias), composed from the ops.

    NOTE: eps=None is torch's default: the machine epsilon of x's dtype
    (``finfo(dtype).eps``, 1.19e-07 for float32), not a fixed number. The result has x's
    dtype, as torch's.

    Args:
        input: (*, normalized_shape), a float tensor.
        normalized_shape: the trailing shape normalized over (a tuple or list of ints).
        weight: of shape normalized_shape, or None.
        eps: added to the mean square; None for the dtype's epsilon.

    Shape:
        Input (*, normalized_shape), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.rms_norm(ta.tensor([[3.0, -4.0]]), (2,), eps=0.0)
        tensor([[ 0.8485, -1.1314]])
    """
    x = _input("rms_norm", input, "rms_norm")
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if not k:
        raise RuntimeError("rms_norm: Expected normalized_shape to be at least "
                           "1-dimensional, i.e., containing at least one element, but got "
                           "normalized_shape = []")
    if k > x.ndim or x.shape[x.ndim - k:] != shape:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                           f"size {x.shape}")
    w = _param("rms_norm", "weight", weight, x, math.prod(shape), shape, like=None)
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x * ((x * x).mean(axes, keepdim=True) + eps).rsqrt()
    if w is not None:
        y = y * w
    return y if y.dtype == x.dtype else y.to(x.dtype)
