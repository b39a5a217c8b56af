"""Adagrad: per-element learning rates that shrink with the sum of squared gradients."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_min, implementation_options

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011): p <- p - clr * g / (sqrt(sum of g^2) + eps).

    One step at step count t (PyTorch's order)::

        g = grad + wd * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                       (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    NOTE: as in PyTorch, the state (``step`` 0 and ``sum``) is created in the constructor
    for every parameter, so ``state_dict()`` lists all of them before the first step.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        initial_accumulator_value: the starting value of the sum s (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: ascend instead of descend.
        foreach, differentiable, fused: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.Adagrad([w], lr=0.1)
        >>> w.grad = ta.tensor([3.0, -0.5])
        >>> opt.step()                    # s = g^2: every element moves by lr
        >>> w.numpy().round(4)
        array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        check_min("Adagrad", "lr", lr, "learning rate")
        check_min("Adagrad", "lr_decay", lr_decay)
        check_min("Adagrad", "weight_decay", weight_decay)
        check_min("Adagrad", "initial_accumulator_value", initial_accumulator_value)
        check_min("Adagrad", "eps", eps, "epsilon value")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        maximize=maximize, **implementation_options(
                            "Adagrad", foreach=foreach, differentiable=differentiable,
                            fused=fused))
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self._state[p])

    def _init_state(self, p: Tensor, state: dict[str, Any]) -> None:
        # NOTE: PyTorch fills from the constructor's value even for a group that sets its own
        state["step"] = 0
        state["sum"] = np.full_like(p._array, self.defaults["initial_accumulator_value"])

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        if not state:  # a group added after construction (or a state loaded without it)
            self._init_state(p, state)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._array
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += grad * grad
        std = np.sqrt(s)
        std += group["eps"]
        p._array -= clr * (grad / std)
