"""Adam and AdamW: adaptive moment estimation, in PyTorch's exact order of operations."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    check_betas_range,
    check_number,
    implementation_options,
    lerp_,
)

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
        lr: learning rate (default 1e-3); a one-element Tensor too, as in torch (not
            with foreach=True).
        betas: (b1, b2), the averaging coefficients (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        amsgrad: use the running maximum of v (default False).
        maximize: ascend instead of descend.
        foreach, capturable, differentiable, fused: torch's implementation switches,
            accepted with torch's defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).
        decoupled_weight_decay: decay the weights as AdamW does (default False).

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
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        who = type(self).__name__
        _check_hyperparameters(who, lr, betas, eps, weight_decay)
        if isinstance(lr, Tensor) and foreach and not capturable:  # torch's refusal
            raise ValueError(f"{who}: lr as a Tensor is not supported for capturable=False "
                             "and foreach=True")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, **implementation_options(
                            who, foreach=foreach, capturable=capturable,
                            differentiable=differentiable, fused=fused),
                        decoupled_weight_decay=bool(decoupled_weight_decay or self.decoupled))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        lr, (b1, b2), wd = group["lr"], group["betas"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        step = state["step"]
        if wd:
            if group.get("decoupled_weight_decay", self.decoupled):
                p._array *= 1 - lr * wd
            else:
                grad = grad + wd * p._array
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # NOTE: every elementwise step runs in place in one scratch array (PyTorch's order
        # and rounding, one temporary instead of seven: parameters can be large)
        tmp = np.empty_like(m)
        lerp_(m, grad, 1 - b1, tmp)
        v *= b2
        np.multiply(grad, 1 - b2, out=tmp)   # v += (1 - b2) * g * g, torch's addcmul_
        tmp *= grad
        v += tmp
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = lr / (1 - b1 ** step)
        denom = np.sqrt(v, out=tmp)          # sqrt(v) / sqrt(1 - b2^t) + eps
        denom /= math.sqrt(1 - b2 ** step)
        denom += group["eps"]
        update = np.divide(m, denom, out=tmp)
        update *= step_size
        p._array -= update


def _check_hyperparameters(who: str, lr: Any, betas: Any, eps: Any, weight_decay: Any) -> None:
    """PyTorch's constructor checks, in its order and with its messages (ValueError for a
    value out of range; ``not x >= 0.0`` so that nan is refused)."""
    if not check_number(who, "lr", lr) >= 0.0:
        raise ValueError(f"{who}: Invalid learning rate: {lr}")
    if not check_number(who, "eps", eps) >= 0.0:
        raise ValueError(f"{who}: Invalid epsilon value: {eps}")
    check_betas_range(who, betas)
    if not check_number(who, "weight_decay", weight_decay) >= 0.0:
        raise ValueError(f"{who}: Invalid weight_decay value: {weight_decay}")
    # NOTE: PyTorch refuses integer betas, e.g. (0, 0.999): "both floats or both Tensors"
    if not all(isinstance(b, float) for b in betas):
        raise ValueError(f"{who}: betas must be either both floats or both Tensors (as in "
                         f"PyTorch), got {tuple(betas)!r}; write 0.0 for 0")


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr wd) before the Adam step, instead of
    adding wd p to the gradient (which Adam's scaling would weaken).

    Args:
        params, lr, betas, eps, amsgrad, maximize, foreach, capturable, differentiable,
            fused: as for ``Adam``.
        weight_decay: decoupled decay factor (default 1e-2, as PyTorch).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0], requires_grad=True)
        >>> opt = ta.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = ta.zeros(1)          # no gradient: only the decay acts
        >>> opt.step()
        >>> w
        tensor([0.9500], requires_grad=True)
    """

    decoupled = True

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused)
