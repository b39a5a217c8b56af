"""Adafactor: Adam-like steps whose second moment, for a matrix, is kept as one row and one
column average instead of a full array (memory sublinear in the parameter's size)."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_number, implementation_options, lerp_

__all__ = ["Adafactor"]


def _sq_norm(x: np.ndarray, axis: int, n: int) -> np.ndarray:
    """mean of x^2 along ``axis`` (kept), as torch's ``norm(x, dim).square() / n``."""
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=True)) ** 2 / n


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern 2018), PyTorch's variant (no first moment). One step at
    count t, with b = t^beta2_decay, rho = min(lr, 1 / sqrt(t)) and alpha = max(eps2,
    rms(p)) rho (rms of the parameter before the decay)::

        p = p (1 - lr wd)
        matrices (the last two dims): R = lerp(R, mean_cols(g^2), b), C = lerp(C,
            mean_rows(g^2), b), V = R C / max(mean(R), eps1);  vectors: V = lerp(V, g^2, b)
        u = g / sqrt(max(V, eps1^2));  p = p - alpha / max(1, rms(u) / d) u

    Args:
        params: parameters (or dicts defining parameter groups).
        lr: the largest relative step (default 1e-2).
        beta2_decay: the exponent of the second moment's averaging weight (<= 0, -0.8).
        eps: (eps1, eps2): eps1 bounds the variance from below (None: the dtype's machine
            epsilon); eps2 bounds the parameter's rms (default (None, 1e-3)).
        d: the clipping threshold of the update's rms (>= 1, default 1).
        weight_decay: decoupled decay (default 0).
        foreach: torch's switch (see ``implementation_options``). maximize: ascend.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([[1.0, -2.0], [0.5, 1.0]], requires_grad=True)
        >>> opt = ta.optim.Adafactor([w])
        >>> w.grad = ta.ones(2, 2)
        >>> opt.step()
        >>> st = opt.state[w]
        >>> tuple(st["row_var"].shape), tuple(st["col_var"].shape)
        ((2, 1), (1, 2))
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1e-2,
                 beta2_decay: float = -0.8, eps: tuple[float | None, float] = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False):
        who = "Adafactor"
        for name, v in (("lr", lr), ("beta2_decay", beta2_decay), ("d", d),
                        ("weight_decay", weight_decay)):
            check_number(who, name, v)
        if not lr >= 0.0:
            raise ValueError(f"{who}: Learning rate should be >= 0 but is: {lr}")
        if not beta2_decay <= 0.0:
            raise ValueError(f"{who}: beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not eps[0] >= 0.0:
            raise ValueError(f"{who}: epsilon1 should be >= 0 but is: {eps[0]}")
        if not eps[1] >= 0.0:
            raise ValueError(f"{who}: epsilon2 should be >= 0 but is: {eps[1]}")
        if not d >= 1.0:
            raise ValueError(f"{who}: Clipping threshold d should be >= 1 but is: {d}")
        if not weight_decay >= 0.0:
            raise ValueError(f"{who}: weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                        weight_decay=weight_decay, maximize=maximize,
                        **implementation_options(who, foreach=foreach))
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict[str, Any]) -> None:
        lr, wd = group["lr"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype).eps)
        if group["maximize"]:
            grad = -grad
        x = p._array
        if not state:
            state["step"] = 0
            if grad.ndim > 1:
                state["row_var"] = np.zeros(grad.shape[:-1] + (1,), p.dtype)
                state["col_var"] = np.zeros(grad.shape[:-2] + (1, grad.shape[-1]), p.dtype)
            else:
                state["variance"] = np.zeros_like(x)
        state["step"] += 1
        step = float(state["step"])
        weight = step ** group["beta2_decay"]
        rho = min(lr, 1 / step ** 0.5)
        alpha = max(eps2, float(np.sqrt(np.sum(x * x))) / x.size ** 0.5) * rho
        if wd != 0:
            x *= 1 - lr * wd
        if grad.ndim > 1:
            r, c = state["row_var"], state["col_var"]
            lerp_(r, _sq_norm(grad, -1, grad.shape[-1]), weight)
            lerp_(c, _sq_norm(grad, -2, grad.shape[-2]), weight)
            var = (r @ c) / np.maximum(r.mean(-2, keepdims=True), eps1)
        else:
            v = state["variance"]
            lerp_(v, grad * grad, weight)
            var = v.copy()
        update = 1 / np.sqrt(np.maximum(var, eps1 * eps1))
        update *= grad
        denom = max(1.0, float(np.sqrt(np.sum(update * update))) / (
            math.sqrt(update.size) * group["d"]))
        x += (-alpha / denom) * update

    @staticmethod
    def _load_value(who: str, key: Any, name: str, value: Any, p: Tensor) -> Any:
        """The factored second moments have their own shapes: (..., m, 1) and (..., 1, n)."""
        if name not in ("row_var", "col_var"):
            return Optimizer._load_value(who, key, name, value, p)
        arr = np.asarray(value._array if isinstance(value, Tensor) else value)
        want = p.shape[:-1] + (1,) if name == "row_var" else p.shape[:-2] + (1, p.shape[-1])
        if arr.shape != want:
            raise ValueError(f"{who}: state {name!r} of parameter {key} has shape {arr.shape}, "
                             f"but a parameter of shape {p.shape} needs {want}")
        return arr.astype(p.dtype, copy=True)
