"""Adamax: Adam with the infinity norm in place of the root mean square."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_betas_range, check_min, implementation_options, lerp_

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, section 7): p <- p - lr / (1 - b1^t) * m / u, with
    u = max(b2 * u, |g|) a decaying infinity norm of the gradients.

    One step at step count t (PyTorch's order)::

        g = grad + wd * p
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, |g| + eps)
        p = p - lr / (1 - b1^t) * m / u

    NOTE: the paper divides by u alone; PyTorch adds eps to |g| inside the max, so u > 0
    even where every gradient so far was zero.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 2e-3).
        betas: (b1, b2) (default (0.9, 0.999)).
        eps: added to |g| (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: ascend instead of descend.
        foreach, differentiable, capturable: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.Adamax([w], lr=0.1)
        >>> w.grad = ta.tensor([4.0, -0.5])
        >>> opt.step()                    # the first step moves each element by lr
        >>> w.numpy().round(4)
        array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        check_min("Adamax", "lr", lr, "learning rate")
        check_min("Adamax", "eps", eps, "epsilon value")
        check_betas_range("Adamax", betas)
        check_min("Adamax", "weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize, **implementation_options(
                            "Adamax", foreach=foreach, differentiable=differentiable,
                            capturable=capturable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        b1, b2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_inf"] = np.zeros_like(p._array)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._array
        m, u = state["exp_avg"], state["exp_inf"]
        lerp_(m, grad, 1 - b1)
        u *= b2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)
        clr = group["lr"] / (1 - b1 ** state["step"])
        p._array -= clr * (m / u)
