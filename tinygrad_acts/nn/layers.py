"""Layers: Linear, Dropout, Maxout, Identity, Flatten, and the containers Sequential and
ModuleList."""
from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any, cast

from .. import functional as F
from .. import ops
from ..tensor import Tensor, check_device, generator, get_default_dtype
from .module import Module, Parameter

__all__ = ["Linear", "Dropout", "Maxout", "Identity", "Flatten", "Sequential", "ModuleList",
           "Dropout1d", "Dropout2d", "CosineSimilarity", "PairwiseDistance", "Softmin", "GLU"]


def _check_tensor(x: Any, who: str, op: str) -> None:
    """PyTorch's TypeError for a non-Tensor input (a list, an ndarray), naming the layer."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: {op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _check_linear_input(x: Any, layer: Linear, who: str) -> None:
    """The input of a Linear layer (also inside Maxout, named ``who``): a Tensor of the
    weight's dtype whose last dim is ``in_features``."""
    _check_tensor(x, who, "linear")
    # NOTE: PyTorch refuses to mix dtypes here (float64 or int64 input, float32 weight)
    # rather than promote: a silently float64 model would be slower and differ from torch
    if x.dtype != layer.weight.dtype:
        raise RuntimeError(f"{who}: mat1 and mat2 must have the same dtype, but got "
                           f"{x.dtype} (the input) and {layer.weight.dtype} (the weight); "
                           f"convert the input (x.to({layer.weight.dtype})) or the layer "
                           f"(layer.to({x.dtype}))")
    if x.shape[-1:] != (layer.in_features,):
        raise ValueError(f"{who}: expected input of shape (*, {layer.in_features}), got "
                         f"{x.shape}")


class Linear(Module):
    """y = x @ W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device: accepted for PyTorch's sake: None or "cpu" (the only device).
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
                 device: Any = None, dtype: Any = None):
        super().__init__()
        check_device(device)
        if in_features < 0 or out_features < 0:
            raise RuntimeError(f"Linear: in_features and out_features must be >= 0, got "
                               f"{in_features} and {out_features}")
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or get_default_dtype()
        bound = 1 / math.sqrt(in_features) if in_features else 0.0
        rng = generator()
        # NOTE: C-contiguous (row-major), as torch's, so weight.view(...) works; values and
        # shape (out, in) are PyTorch's.
        self.weight = Parameter(
            rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, out_features).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        _check_linear_input(x, self, f"Linear({self.in_features}, {self.out_features})")
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
        inplace: overwrite the input (default False).

    Shape:
        Input (*), output (*).

    Example:
        >>> import tinygrad_acts as ta
        >>> drop = ta.nn.Dropout(0.5).eval()
        >>> drop(ta.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x: Tensor) -> Tensor:
        _check_tensor(x, "Dropout", "dropout")
        return F.dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


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
        _check_linear_input(x, self.linear, f"Maxout({self.in_features}, {self.out_features}, "
                                            f"pieces={self.pieces})")
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


def _held(container: Module) -> OrderedDict[str, Module]:
    """The sub-modules of a Sequential or ModuleList, which hold modules, never None."""
    return cast("OrderedDict[str, Module]", container._modules)


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
        # NOTE: add_module refuses anything but a Module (a lambda, a function, a plain
        # dict), as PyTorch does; only an OrderedDict gives the children names
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x: Any) -> Any:
        for m in _held(self).values():
            x = m(x)
        return x

    def __getitem__(self, index: int | slice) -> Module:
        items = list(_held(self).items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(_held(self).values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (index it; it has no forward).
    A slice is a new ModuleList of the same modules."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, index: int | slice) -> Any:
        items = list(_held(self).values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(_held(self).values())

    def __repr__(self) -> str:
        """PyTorch's: runs of identical modules print once, as ``(0-2): 3 x Linear(...)``."""
        runs: list[list] = []  # [first index, last index, repr]
        for i, m in enumerate(self):
            text = repr(m)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        if not runs:
            return "ModuleList()"
        lines = [(f"({a}): " if a == b else f"({a}-{b}): {b - a + 1} x ") + text
                 for a, b, text in runs]
        return "ModuleList(\n  " + "\n  ".join(line.replace("\n", "\n  ")
                                                for line in lines) + "\n)"


# --- functional ops as modules: channel dropout, distances, softmin, glu ----------------------


class Dropout1d(Dropout):
    """Channel dropout for (N, C, L) or (C, L): each channel zeroed with probability p, the
    rest scaled by 1 / (1 - p); identity in eval mode (``F.dropout1d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Dropout1d(0.5).eval()(ta.ones(1, 2, 3)).shape
        (1, 2, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout1d(x, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Channel dropout for (N, C, H, W): each channel zeroed with probability p, the rest
    scaled by 1 / (1 - p); identity in eval mode (``F.dropout2d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Dropout2d(0.5).eval()(ta.ones(1, 2, 3, 3)).shape
        (1, 2, 3, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace)


class CosineSimilarity(Module):
    """y = sum(x1 x2, dim) / (max(||x1||, eps) max(||x2||, eps)) (``F.cosine_similarity``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.CosineSimilarity(dim=0)(ta.tensor([1.0, 0.0]), ta.tensor([2.0, 0.0]))
        tensor(1.)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """y = ||x1 - x2 + eps||_p over the last dim (``F.pairwise_distance``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.PairwiseDistance(eps=0.0)(ta.tensor([[3.0, 4.0]]), ta.zeros(1, 2))
        tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"


class Softmin(Module):
    """y = softmax(-x) along dim (``F.softmin``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Softmin(dim=0)(ta.tensor([0.0, 0.0]))
        tensor([0.5, 0.5])
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """y = a * sigmoid(b), a and b the halves of x along dim (``F.glu``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.GLU()(ta.tensor([2.0, 0.0]))
        tensor([1.])
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
