"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_min, implementation_options, lerp_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e): p <- p - lr * g / (sqrt(v) + eps), v a running mean of g^2.

    One step with weight decay wd, smoothing alpha, momentum mu (PyTorch's order)::

        g = grad + wd * p
        v = alpha * v + (1 - alpha) * g * g
        a = v - gbar^2,  gbar = alpha * gbar + (1 - alpha) * g    (centered)
        a = v                                                     (otherwise)
        d = sqrt(a) + eps
        b = mu * b + g / d;  p = p - lr * b                        (momentum > 0)
        p = p - lr * g / d                                         (otherwise)

    NOTE: eps is added outside the square root (as PyTorch; TensorFlow adds it inside), and
    the momentum buffer starts at zero, so the first step is lr * g / d whatever mu is.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the square average (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        momentum: momentum factor mu (default 0).
        centered: divide by the estimated variance of the gradient instead of its second
            moment (default False).
        maximize: ascend instead of descend.
        capturable, foreach, differentiable: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.RMSprop([w], lr=0.01)
        >>> w.grad = ta.tensor([0.5, 0.5])
        >>> opt.step()                    # v = 0.01 g^2: the step is lr * g / |0.1 g| = 10 lr
        >>> w.numpy().round(4)
        array([ 0.9, -2.1], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        check_min("RMSprop", "lr", lr, "learning rate")
        check_min("RMSprop", "eps", eps, "epsilon value")
        check_min("RMSprop", "momentum", momentum)
        check_min("RMSprop", "weight_decay", weight_decay)
        check_min("RMSprop", "alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize,
                        **implementation_options("RMSprop", capturable=capturable,
                                                 foreach=foreach,
                                                 differentiable=differentiable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
        # the optional buffers appear when first needed (a scheduler may turn momentum on)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(p._array)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(p._array)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._array
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            gbar = state["grad_avg"]
            lerp_(gbar, grad, 1 - alpha)
            denom = np.sqrt(v - gbar * gbar)
        else:
            denom = np.sqrt(v)
        denom += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / denom
            p._array -= group["lr"] * buf
        else:
            p._array -= group["lr"] * (grad / denom)
