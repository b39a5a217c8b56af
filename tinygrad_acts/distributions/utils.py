"""Helpers shared by the distributions (torch's ``torch.distributions.utils``): broadcasting
parameters together, converting between probabilities and logits, lazy parameters."""
from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits", "sum_rightmost"]


def _float_dtype(values: tuple) -> np.dtype:
    """The dtype numbers become: the first Tensor's when it is a float one (torch's rule),
    else the default float dtype."""
    for v in values:
        if isinstance(v, Tensor) and v.dtype.kind == "f":
            return v.dtype
    return np.dtype(get_default_dtype())


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values as Tensors broadcast to one shape: numbers become Tensors of the first
    float Tensor's dtype (or the default dtype); Tensors keep theirs and their graph
    (``expand`` is differentiable), as torch.distributions.utils.broadcast_all.

    Example:
        >>> import tinygrad_acts as ta
        >>> loc, scale = broadcast_all(ta.zeros(3), 1.0)
        >>> tuple(scale.shape), scale.dtype
        ((3,), dtype('float32'))
    """
    dtype = _float_dtype(values)
    tensors = []
    for v in values:
        if isinstance(v, Tensor):
            tensors.append(v)
        elif isinstance(v, numbers.Number):
            tensors.append(Tensor._wrap(np.asarray(v, dtype=dtype)))
        else:
            raise ValueError("Input arguments must all be instances of numbers.Number or "
                             f"Tensor (got {type(v).__name__})")
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """value summed over its ``dim`` rightmost dims (unchanged for dim = 0)."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped to [eps, 1 - eps] (eps: the dtype's machine epsilon), so their logs
    are finite."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for a binary variable, else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log(p) - log(1 - p) for a binary variable, else log(p) (probs clamped first)."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


class lazy_property:  # torch's name (lower case: it is used like property)
    """A property computed on first use and then stored on the instance (Bernoulli's probs
    from its logits, or the other way round): the instance attribute shadows it after."""

    def __init__(self, wrapped: Callable):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
