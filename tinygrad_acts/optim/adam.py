"""Adam and AdamW: adaptive moment estimation, in PyTorch's exact order of operations."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: a step scaled per element by running averages of the gradient and its square.

    One step at step count t (PyTorch's order; AdamW decays p first instead of adding wd p)::

        g = grad + wd * p
        m = m + (1 - b1) * (g - m)          (= b1 m + (1 - b1) g)
        v = b2 * v + (1 - b2) * g * g
        p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 1e-3).
        betas: (b1, b2), the averaging coefficients (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        amsgrad: use the running maximum of v (default False).
        maximize: ascend instead of descend.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()                    # the first step moves each element by about lr
        >>> w.numpy().round(4)
        array([ 0.9, -1.9], dtype=float32)
    """

    decoupled = False

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        b1, b2 = group["betas"]
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {(b1, b2)}")
        if group["eps"] < 0 or group["weight_decay"] < 0:
            raise ValueError(f"{type(self).__name__}: eps and weight_decay must be >= 0, got "
                             f"{group['eps']} and {group['weight_decay']}")

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        lr, (b1, b2), wd = group["lr"], group["betas"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        if wd:
            if self.decoupled:
                p.data *= 1 - lr * wd
            else:
                grad = grad + wd * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - b1) * (grad - m)
        v *= b2
        v += (1 - b2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = lr / (1 - b1 ** step)
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** step) + group["eps"]
        p.data -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr wd) before the Adam step, instead of
    adding wd p to the gradient (which Adam's scaling would weaken).

    Args:
        params, lr, betas, eps, amsgrad, maximize: as for ``Adam``.
        weight_decay: decoupled decay factor (default 1e-2, as PyTorch).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0], requires_grad=True)
        >>> opt = ta.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = ta.zeros(1)          # no gradient: only the decay acts
        >>> opt.step()
        >>> w
        tensor([0.95], requires_grad=True)
    """

    decoupled = True

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
