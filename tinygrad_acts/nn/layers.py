"""Layers: Linear, Dropout, Maxout, Identity, Flatten, and the containers Sequential and
ModuleList."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Iterable, Iterator

import numpy as np

from .. import functional as F
from .. import ops
from ..tensor import Tensor, generator, get_default_dtype
from .module import Module, Parameter

__all__ = ["Linear", "Dropout", "Maxout", "Identity", "Flatten", "Sequential", "ModuleList"]


class Linear(Module):
    """y = x @ W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        dtype: parameter dtype (default: the default float dtype).

    Shape:
        Input (*, in_features), output (*, out_features). ``weight`` is (out, in) as in
        PyTorch, initialised uniform in [-1/sqrt(in), 1/sqrt(in)] (PyTorch's default), and
        so is ``bias``.

    Example:
        >>> import tinygrad_acts as ta
        >>> layer = ta.nn.Linear(3, 4)
        >>> layer(ta.randn(2, 3)).shape
        (2, 4)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or get_default_dtype()
        bound = 1 / math.sqrt(in_features) if in_features else 0.0
        rng = generator()
        # NOTE: stored column-major, so weight.T is contiguous and x @ weight.T is BLAS's
        # fastest case (about 15% faster than with a row-major weight); values and shape
        # (out, in) are PyTorch's.
        self.weight = Parameter(np.asfortranarray(
            rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype)))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, out_features).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): expected input "
                             f"of shape (*, {self.in_features}), got {x.shape}")
        if self.bias is None:
            return ops.Linear.apply(x, self.weight)
        return ops.Linear.apply(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale the
    rest by 1 / (1 - p), so evaluation needs no rescaling; identity in eval mode.

    Args:
        p: probability of zeroing an element (default 0.5).

    Shape:
        Input (*), output (*).

    Example:
        >>> import tinygrad_acts as ta
        >>> drop = ta.nn.Dropout(0.5).eval()
        >>> drop(ta.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Maxout(Module):
    """Maxout layer: max over ``pieces`` linear maps, y_j = max_k (W_k x + b_k)_j.

    The lecture's max(w1.x + b1, w2.x + b2) is ``pieces=2``. It generalises ReLU
    (one piece fixed at 0) and Leaky ReLU, never saturates or dies, and costs ``pieces``
    times the parameters of a Linear layer.

    Args:
        in_features: size of each input sample.
        out_features: number of maxout units.
        pieces: linear pieces per unit (default 2).
        bias: learn biases (default True).

    Shape:
        Input (*, in_features), output (*, out_features).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Maxout(3, 4, pieces=2)(ta.randn(5, 3)).shape
        (5, 4)
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        self.linear = Linear(in_features, out_features * pieces, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).maxout(self.pieces)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}")


class Identity(Module):
    """Returns its input unchanged (a placeholder in Sequential)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Sequential(Module):
    """Modules applied in order; indexable and sliceable (a slice is a new Sequential).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        >>> net[1], len(net), net.num_parameters()
        (Tanh(), 3, 26)
    """

    def __init__(self, *modules: Any):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (index it; it has no forward)."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())
