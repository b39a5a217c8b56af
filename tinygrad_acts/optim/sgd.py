"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, add_scaled_, check_number, implementation_options

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent: p <- p - lr * g, optionally with momentum.

    With weight decay wd, momentum mu and dampening d, one step is (PyTorch's order)::

        g = grad + wd * p
        b = g                          (first step)
        b = mu * b + (1 - d) * g       (later steps)
        g = g + mu * b  if nesterov else  b
        p = p - lr * g

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 1e-3, as PyTorch).
        momentum: momentum factor mu (default 0).
        dampening: dampening d of the momentum (default 0).
        weight_decay: L2 penalty wd (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend instead of descend.
        foreach, differentiable, fused: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()      # grad = 2w
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None):
        # PyTorch's checks, messages and order (note: lr=nan passes `lr < 0`, as in torch)
        if check_number("SGD", "lr", lr) < 0.0:
            raise ValueError(f"SGD: Invalid learning rate: {lr}")
        if check_number("SGD", "momentum", momentum) < 0.0:
            raise ValueError(f"SGD: Invalid momentum value: {momentum}")
        if check_number("SGD", "weight_decay", weight_decay) < 0.0:
            raise ValueError(f"SGD: Invalid weight_decay value: {weight_decay}")
        check_number("SGD", "dampening", dampening)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        **implementation_options("SGD", foreach=foreach,
                                                 differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._array
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf *= momentum
                dampening = group["dampening"]
                # NOTE: (1 - 0) * g is g exactly: no temporary for the usual dampening 0
                buf += grad if dampening == 0 else (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        # NOTE: in place, so the parameter keeps its array (and anything sharing it); the
        # step -lr * g is formed in pieces (the gradient belongs to the user: never scaled)
        add_scaled_(p._array, -group["lr"], grad)
