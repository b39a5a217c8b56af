"""Adadelta: steps whose units match the parameter's, from two running averages."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_min, implementation_options

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012): d = sqrt(u + eps) / sqrt(v + eps) * g; p <- p - lr * d.

    One step with decay rho (PyTorch's order)::

        g = grad + wd * p
        v = rho * v + (1 - rho) * g * g
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d
        p = p - lr * d

    NOTE: the paper has no learning rate (lr = 1, PyTorch's default); PyTorch scales the
    step by lr, and adds eps inside both square roots.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: a factor on the step (default 1.0).
        rho: decay of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: ascend instead of descend.
        foreach, capturable, differentiable: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0], requires_grad=True)
        >>> opt = ta.optim.Adadelta([w])
        >>> w.grad = ta.tensor([1.0])
        >>> opt.step()                    # sqrt(eps) / sqrt(0.1 + eps): a tiny first step
        >>> w.numpy().round(5)
        array([0.99683], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False):
        check_min("Adadelta", "lr", lr, "learning rate")
        if not 0.0 <= check_min("Adadelta", "rho", rho) <= 1.0:
            raise ValueError(f"Adadelta: Invalid rho value: {rho}")
        check_min("Adadelta", "eps", eps, "epsilon value")
        check_min("Adadelta", "weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        **implementation_options("Adadelta", foreach=foreach,
                                                 capturable=capturable,
                                                 differentiable=differentiable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
            state["acc_delta"] = np.zeros_like(p._array)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._array
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        p._array -= group["lr"] * delta
