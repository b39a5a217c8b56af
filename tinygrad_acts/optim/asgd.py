"""ASGD: averaged stochastic gradient descent, SGD whose iterates are also averaged."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor, get_default_dtype
from .optimizer import Optimizer, check_min, check_number, implementation_options

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky 1992), PyTorch's schedule. One step at count t::

        g = grad + wd * p
        p = p * (1 - lambd * eta) - eta * g
        ax = p                      while mu == 1, else  ax = ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

    ``opt.state[p]["ax"]`` is the averaged parameter (what the method returns in the
    paper); the parameter itself follows plain SGD with a decaying rate.

    NOTE: torch keeps eta and mu as 0-d tensors of its scalar dtype (float32, or float64
    under a float64 default dtype), so both are rounded to it at every step; so are
    they here, which keeps float64 runs equal to torch's to the last bits.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the eta schedule (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: ascend instead of descend.
        foreach, differentiable, capturable: torch's implementation switches (see
            ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0], requires_grad=True)
        >>> opt = ta.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> w.grad = ta.tensor([2.0])
        >>> opt.step()
        >>> w, opt.state[w]["ax"]
        (tensor([0.8000], requires_grad=True), tensor([0.8000]))
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        who = "ASGD"
        check_min(who, "lr", lr, "learning rate")
        check_min(who, "weight_decay", weight_decay)
        for name, v in (("lambd", lambd), ("alpha", alpha), ("t0", t0)):
            check_number(who, name, v)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize, **implementation_options(
                            who, foreach=foreach, differentiable=differentiable,
                            capturable=capturable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        scalar = np.dtype(get_default_dtype()).type
        if scalar is not np.float64:
            scalar = np.float32
        lr, lambd = group["lr"], group["lambd"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["eta"] = float(scalar(lr))
            state["mu"] = 1.0
            state["ax"] = np.zeros_like(p._array)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._array
        eta = state["eta"]
        p._array *= 1 - lambd * eta
        p._array -= eta * grad
        ax = state["ax"]
        if state["mu"] != 1:
            ax += (p._array - ax) * state["mu"]
        else:
            ax[...] = p._array
        step = state["step"]
        state["eta"] = float(scalar(lr / ((1 + lambd * lr * step) ** group["alpha"])))
        state["mu"] = float(scalar(1 / max(1, step - group["t0"])))
