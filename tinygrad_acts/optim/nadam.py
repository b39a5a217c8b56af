"""NAdam: Adam with Nesterov momentum, and Dozat's warming momentum schedule."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    check_betas_range,
    check_min,
    implementation_options,
    lerp_,
    signed_decayed,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat 2016): Adam whose step looks one momentum step ahead.

    One step at step count t, with psi = momentum_decay (PyTorch's order)::

        g = grad + wd * p                  (or p = p (1 - lr wd): decoupled_weight_decay)
        mu_t = b1 (1 - 0.5 * 0.96^(t psi)),  P_t = mu_1 mu_2 ... mu_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        d = sqrt(v / (1 - b2^t)) + eps
        p = p - lr (1 - mu_t) / (1 - P_t) * g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) * m / d

    NOTE: the moving averages use b1 itself, not mu_t (as PyTorch; the paper's m uses mu_t),
    and the product P_t is kept, as PyTorch keeps it, as a scalar of the default dtype:
    float32 unless ``ta.set_default_dtype(np.float64)``, rounded after every multiply.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 2e-3).
        betas: (b1, b2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: psi, how fast mu_t warms up to b1 (default 4e-3).
        decoupled_weight_decay: decay p directly, as AdamW (NAdamW), instead of adding
            wd * p to the gradient (default False).
        maximize: ascend instead of descend.
        foreach, capturable, differentiable: torch's implementation switches, accepted with torch's
            defaults; they change nothing here (numpy has one implementation),
            and differentiable=True is refused (see ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.NAdam([w], lr=0.1)
        >>> w.grad = ta.tensor([4.0, -0.5])
        >>> opt.step()                    # about lr per element on the first step
        >>> w.numpy().round(3)
        array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        check_min("NAdam", "lr", lr, "learning rate")
        check_min("NAdam", "eps", eps, "epsilon value")
        check_betas_range("NAdam", betas)
        check_min("NAdam", "weight_decay", weight_decay)
        check_min("NAdam", "momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        **implementation_options("NAdam", foreach=foreach,
                                                 capturable=capturable,
                                                 differentiable=differentiable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        lr, (b1, b2) = group["lr"], group["betas"]
        if not state:
            state["step"] = 0
            # NOTE: kept as a 0-d array of the default dtype (torch's scalar dtype), which
            # a load_state_dict turns into the parameter's dtype, as torch's does
            state["mu_product"] = np.ones((), get_default_dtype())
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        step = state["step"]
        grad = signed_decayed(p, grad, group)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        held = state["mu_product"]
        if not isinstance(held, np.ndarray):  # a state saved as a float by an older version
            held = state["mu_product"] = np.asarray(held, get_default_dtype())
        held *= held.dtype.type(mu)  # rounded to its dtype every step, as torch's tensor
        mu_product = float(held)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, grad, 1 - b1)
        v *= b2
        v += (1 - b2) * grad * grad
        denom = np.sqrt(v / (1 - b2 ** step))
        denom += group["eps"]
        p._array += -lr * (1.0 - mu) / (1.0 - mu_product) * (grad / denom)
        p._array += -lr * mu_next / (1.0 - mu_product * mu_next) * (m / denom)
