"""Gradient clipping, as ``torch.nn.utils``: clip_grad_norm_ / clip_grad_value_, and the two
halves of the first (get_total_norm, clip_grads_with_norm_)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

Tensors = Tensor | Iterable[Tensor]


def _listed(tensors: Tensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grads(parameters: Tensors) -> list[Tensor]:
    return [p.grad for p in _listed(parameters) if p.grad is not None]


def get_total_norm(tensors: Tensors, norm_type: float | str = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """||(||t_1||_p, ..., ||t_n||_p)||_p: the p-norm of all the tensors' elements taken
    together (``inf``: the largest absolute value), as a 0-d Tensor; 0 for no tensors.

    Args:
        tensors: a Tensor or an iterable of them. norm_type: p (a float, ``inf`` or "inf").
        error_if_nonfinite: raise if the norm is nan or inf. foreach: ignored (numpy).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.utils.get_total_norm([ta.tensor([3.0]), ta.tensor([4.0])])
        tensor(5.)
    """
    order = float(norm_type)
    arrays = [t._array for t in _listed(tensors)]
    if not arrays:
        return Tensor._wrap(np.array(0.0, np.float32))
    # NOTE: each tensor's norm in its own dtype, then the norm of the norms (PyTorch's
    # order of operations), so a float32 model gets float32 rounding, as in torch
    norms = [np.asarray(np.linalg.norm(a.ravel(), order), a.dtype) for a in arrays]
    dtype = np.result_type(*norms)
    total = np.asarray(np.linalg.norm(np.array(norms, dtype), order), dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {order} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return Tensor._wrap(total)


def clip_grads_with_norm_(parameters: Tensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale every ``.grad`` in place by min(1, max_norm / (total_norm + 1e-6)).

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.nn.Parameter(ta.zeros(2)); p.grad = ta.tensor([3.0, 4.0])
        >>> ta.nn.utils.clip_grads_with_norm_([p], 1.0, ta.tensor(5.0))
        >>> [round(g, 4) for g in p.grad.tolist()]
        [0.6, 0.8]
    """
    grads = _grads(parameters)
    if not grads:
        return
    norm = total_norm._array if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    # NOTE: the 1e-6 keeps a zero norm from dividing by zero; the coefficient is capped at 1,
    # so gradients inside the ball are multiplied by exactly 1 (unchanged), as torch
    coef = np.minimum(np.asarray(max_norm, norm.dtype) / (norm + norm.dtype.type(1e-6)),
                      norm.dtype.type(1.0))
    with no_grad():
        for g in grads:
            g.mul_(Tensor._wrap(coef))


def clip_grad_norm_(parameters: Tensors, max_norm: float, norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients in place so that their total p-norm (all of them as one
    vector) is at most ``max_norm``: g <- g * min(1, max_norm / (norm + 1e-6)).

    Args:
        parameters: a Tensor or an iterable of them (those without ``.grad`` are skipped).
        max_norm: the largest norm allowed. norm_type: p (default 2; ``inf``: max |g|).
        error_if_nonfinite: raise instead of scaling by a nan or inf norm (default False:
            the gradients become nan, as in torch). foreach: ignored (numpy).

    Returns:
        The total norm before clipping, a 0-d Tensor (log it: spikes show instability).

    Shape: gradients keep their shapes.

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.nn.Parameter(ta.zeros(2)); p.grad = ta.tensor([3.0, 4.0])
        >>> ta.nn.utils.clip_grad_norm_(p, max_norm=1.0)
        tensor(5.)
        >>> [round(g, 4) for g in p.grad.tolist()]
        [0.6, 0.8]
    """
    parameters = _listed(parameters)  # NOTE: model.parameters() is a generator: read once
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters: Tensors, clip_value: float, foreach: bool | None = None
                     ) -> None:
    """Clamp every ``.grad`` in place to [-clip_value, clip_value].

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.nn.Parameter(ta.zeros(2)); p.grad = ta.tensor([3.0, -0.5])
        >>> ta.nn.utils.clip_grad_value_(p, 1.0); p.grad
        tensor([ 1.0000, -0.5000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
