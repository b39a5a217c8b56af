"""RAdam: Adam with its early steps' variance rectified (or plain momentum while it cannot be)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    check_betas_range,
    check_min,
    implementation_options,
    lerp_,
    signed_decayed,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al. 2020): Adam's adaptive step times a rectification r_t, used only
    once the length rho_t of the approximated moving average exceeds 5.

    One step at step count t (PyTorch's order)::

        g = grad + wd * p                  (or p = p (1 - lr wd): decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1^t)
        rho_inf = 2 / (1 - b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
        r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        p = p - lr * mhat * sqrt(1 - b2^t) / (sqrt(v) + eps) * r_t      (rho_t > 5)
        p = p - lr * mhat                                                 (otherwise)

    NOTE: the paper switches at rho_t > 4; PyTorch (and the authors' code) at 5.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 1e-3).
        betas: (b1, b2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        decoupled_weight_decay: decay p directly, as AdamW, instead of adding wd * p to the
            gradient (default False).
        maximize: ascend instead of descend.
        foreach, capturable, differentiable: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.RAdam([w], lr=0.1)
        >>> w.grad = ta.tensor([4.0, -0.5])
        >>> opt.step()                    # rho_1 = 1: a plain momentum step, lr * g
        >>> w.numpy().round(4)
        array([ 0.6 , -1.95], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        check_min("RAdam", "lr", lr, "learning rate")
        check_min("RAdam", "eps", eps, "epsilon value")
        check_betas_range("RAdam", betas)
        check_min("RAdam", "weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
                        **implementation_options("RAdam", foreach=foreach,
                                                 capturable=capturable,
                                                 differentiable=differentiable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        lr, (b1, b2) = group["lr"], group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        step = state["step"]
        grad = signed_decayed(p, grad, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, grad, 1 - b1)
        v *= b2
        v += (1 - b2) * grad * grad
        bias1, bias2 = 1 - b1 ** step, 1 - b2 ** step
        mhat = m / bias1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * step * (b2 ** step) / bias2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = bias2 ** 0.5 / (np.sqrt(v) + group["eps"])
            p._array -= mhat * lr * adaptive * rect
        else:
            p._array -= mhat * lr
