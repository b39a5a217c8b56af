"""Functions in PyTorch's ``torch.nn.functional`` style: ``F.relu(x)``, ``F.softmax(x, dim)``.

Activations route to the registry (``activations.py``); one written out per built-in so a
reader can find it, and any activation a user registers is reachable here too
(``F.softsign(x)``) through the module's ``__getattr__``.
"""
from __future__ import annotations

from typing import Any

from .activations import apply, apply_, registry
from .tensor import Tensor

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu",
           "softplus", "silu", "gelu", "hardtanh", "maxout", "relu_", "sigmoid_", "tanh_"]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# --- activations: relu / leaky_relu / sigmoid / tanh / softmax / ... ------------------

def relu(x: Any, inplace: bool = False) -> Tensor:
    """relu: y = max(0, x); dy/dx = (y > 0) (from the output)."""
    return _t(x).relu_() if inplace else _t(x).relu()


def leaky_relu(x: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """leaky_relu: y = x if x > 0 else slope * x; dy/dx = 1 if y > 0 else slope."""
    x = _t(x)
    return x.leaky_relu_(negative_slope) if inplace else x.leaky_relu(negative_slope)


def sigmoid(x: Any) -> Tensor:
    """sigmoid: y = 1 / (1 + e^-x); dy/dx = y * (1 - y) (from the output)."""
    return _t(x).sigmoid()


def tanh(x: Any) -> Tensor:
    """tanh: y = tanh(x); dy/dx = 1 - y**2 (from the output)."""
    return _t(x).tanh()


def softmax(x: Any, dim: int = -1) -> Tensor:
    """softmax: y = e^x / sum(e^x) along dim; dx = y * (g - sum(g * y))."""
    return _t(x).softmax(dim)


def log_softmax(x: Any, dim: int = -1) -> Tensor:
    """log_softmax: y = x - logsumexp(x) along dim; dx = g - e^y * sum(g)."""
    return _t(x).log_softmax(dim)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """elu: y = x if x > 0 else alpha * (e^x - 1); dy/dx = 1 if y > 0 else y + alpha."""
    return _t(x).elu(alpha)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus: y = log(1 + e^(beta x)) / beta; dy/dx = 1 - e^(-beta y)."""
    return _t(x).softplus(beta, threshold)


def silu(x: Any) -> Tensor:
    """silu: y = x * sigmoid(x); its rule keeps the input (silu is not monotonic)."""
    return _t(x).silu()


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """gelu: y = x * Phi(x) (or the tanh approximation); its rule keeps the input."""
    return _t(x).gelu(approximate)


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh: y = clip(x, min_val, max_val); dy/dx = 1 inside, 0 outside."""
    return _t(x).hardtanh(min_val, max_val)


def maxout(x: Any, pieces: int, dim: int = -1) -> Tensor:
    """maxout: the max over consecutive groups of ``pieces`` elements along ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.maxout(ta.tensor([[1.0, 3.0, -2.0, -5.0]]), pieces=2)
        tensor([[ 3., -2.]])
    """
    return _t(x).maxout(pieces, dim)


def relu_(x: Tensor) -> Tensor: return x.relu_()
def sigmoid_(x: Tensor) -> Tensor: return x.sigmoid_()
def tanh_(x: Tensor) -> Tensor: return x.tanh_()


def __getattr__(name: str) -> Any:
    """``F.<name>`` for activations registered after import (e.g. by users)."""
    base = name[:-1] if name.endswith("_") else name
    if base in registry:
        route = apply_ if base != name else apply
        return lambda x, **params: route(base, _t(x), **params)
    raise AttributeError(f"module 'tinygrad_acts.functional' has no attribute '{name}'")
