"""Rprop: resilient backpropagation, a step per element that grows while the gradient keeps
its sign and shrinks when it flips (only the sign of the gradient is used)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_min, check_number, implementation_options

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (Riedmiller & Braun 1993), PyTorch's variant: each element has its own step
    size s, started at lr. One step, with the previous (masked) gradient g'::

        f = etaplus if g g' > 0, etaminus if g g' < 0, else 1
        s = clamp(s * f, step_min, step_max)
        g = 0 where the sign flipped (f == etaminus)
        p = p - sign(g) s;   g' = g

    NOTE: as in torch (the "Rprop-" of Igel & Huesken), a sign flip does not undo the
    previous step; it only skips this one, and the zeroed gradient makes the next factor 1.

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: the initial step size (default 1e-2).
        etas: (etaminus, etaplus), with 0 < etaminus < 1 < etaplus (default (0.5, 1.2)).
        step_sizes: (step_min, step_max) (default (1e-6, 50)).
        maximize: ascend instead of descend.
        capturable, foreach, differentiable: torch's implementation switches (see
            ``implementation_options``).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ta.optim.Rprop([w], lr=0.5)
        >>> w.grad = ta.tensor([3.0, -0.1])   # only the signs count
        >>> opt.step()
        >>> w
        tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        who = "Rprop"
        check_min(who, "lr", lr, "learning rate")
        for name, pair in (("etas", etas), ("step_sizes", step_sizes)):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"{who}: {name} must be a pair, got {pair!r}")
            for v in pair:
                check_number(who, name, v)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"{who}: Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                        maximize=maximize, **implementation_options(
                            who, foreach=foreach, differentiable=differentiable,
                            capturable=capturable))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(p._array)
            state["step_size"] = np.full_like(p._array, group["lr"])
        state["step"] += 1
        prev, size = state["prev"], state["step_size"]
        with np.errstate(invalid="ignore"):
            sign = np.sign(grad * prev)
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, np.where(
            sign == 0, 1.0, sign))).astype(size.dtype)
        size *= factor
        np.clip(size, lo, hi, out=size)
        grad = np.where(factor == size.dtype.type(etaminus), 0, grad).astype(p.dtype)
        p._array -= np.sign(grad) * size
        prev[...] = grad
