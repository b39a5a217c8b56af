"""Layers: Linear, LazyLinear, Bilinear, the dropouts, Maxout, Identity, Flatten, the
shuffles, and the containers Sequential, ModuleList, ModuleDict, ParameterList and
ParameterDict."""
from __future__ import annotations

import math
import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from .. import functional as F
from .. import ops
from ..tensor import Tensor, check_device, generator, get_default_dtype
from .module import Module, Parameter

__all__ = ["Linear", "Dropout", "Maxout", "Identity", "Flatten", "Sequential", "ModuleList",
           "ModuleDict", "ParameterList", "ParameterDict",
           "Dropout1d", "Dropout2d", "CosineSimilarity", "PairwiseDistance", "Softmin", "GLU",
           "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "PixelShuffle",
           "PixelUnshuffle", "ChannelShuffle", "Bilinear", "LazyLinear"]


def _check_tensor(x: Any, who: str, op: str) -> None:
    """PyTorch's TypeError for a non-Tensor input (a list, an ndarray), naming the layer."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: {op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _check_linear_input(x: Any, layer: Linear, who: str, weight: Any) -> None:
    """The input of a Linear layer (also inside Maxout, named ``who``): a Tensor of the
    weight's dtype whose last dim is ``in_features``. (``weight`` read once by the caller:
    a parametrized weight is computed at each read, as torch's.)"""
    _check_tensor(x, who, "linear")
    # NOTE: PyTorch refuses to mix dtypes here (float64 or int64 input, float32 weight)
    # rather than promote: a silently float64 model would be slower and differ from torch
    if x.dtype != weight.dtype:
        raise RuntimeError(f"{who}: mat1 and mat2 must have the same dtype, but got "
                           f"{x.dtype} (the input) and {weight.dtype} (the weight); "
                           f"convert the input (x.to({weight.dtype})) or the layer "
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
        torch.Size([2, 4])
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

    def forward(self, input: Tensor) -> Tensor:
        weight = self.weight
        _check_linear_input(input, self, f"Linear({self.in_features}, {self.out_features})",
                            weight)
        if self.bias is None:
            return ops.Linear.apply(input, weight)
        return ops.Linear.apply(input, weight, self.bias)

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

    def forward(self, input: Tensor) -> Tensor:
        _check_tensor(input, "Dropout", "dropout")
        return F.dropout(input, self.p, self.training, self.inplace)

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
        torch.Size([5, 4])
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        self.linear = Linear(in_features, out_features * pieces, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        _check_linear_input(x, self.linear, f"Maxout({self.in_features}, {self.out_features}, "
                                            f"pieces={self.pieces})", self.linear.weight)
        return self.linear(x).maxout(self.pieces)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}")


class Identity(Module):
    """Returns its input unchanged (a placeholder in Sequential)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

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

    def forward(self, input: Any) -> Any:
        for m in _held(self).values():
            input = m(input)
        return input

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

    def _key(self, index: int) -> str:
        """The key of the index-th module (negative counts from the end), as torch."""
        n, i = len(self), operator.index(index)
        if not -n <= i < n:
            raise IndexError(f"Sequential: index {i} is out of range (length {n})")
        return list(_held(self))[i % n]

    def __setitem__(self, index: int, module: Module) -> None:
        """Replace the index-th module (its key is kept)."""
        self.add_module(self._key(index), module)

    def __delitem__(self, index: int | slice) -> None:
        """Remove a module (or a slice of them); the rest are renumbered 0, 1, ... as torch."""
        keys = list(_held(self))[index] if isinstance(index, slice) else [self._key(index)]
        gone = set(keys)
        self._renumber([m for k, m in _held(self).items() if k not in gone])

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (-len <= index <= len)."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: module should be a Module, got "
                            f"{type(module).__name__}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range (length {n})")
        items = list(_held(self).values())
        items.insert(index, module)  # (a negative index counts from the end, as torch's)
        self._renumber(items)
        return self

    def _renumber(self, modules: list[Module]) -> None:
        """Hold exactly ``modules``, keyed "0", "1", ... (torch's numbering after a change)."""
        for key in list(_held(self)):
            delattr(self, key)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append every module of ``sequential`` (any iterable of modules)."""
        for m in sequential:
            self.append(m)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module at ``key`` (a slice gives a Sequential)."""
        popped = self[key]
        del self[key]
        return popped

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of both's modules, numbered 0, 1, ... (torch's)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        offset = len(self)
        for i, m in enumerate(list(other)):
            self.add_module(str(i + offset), m)
        return self

    def _factor(self, other: Any) -> int:
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return other

    def __mul__(self, other: int) -> Sequential:
        """The modules repeated ``other`` times (the same module objects, as torch's)."""
        return Sequential(*(list(self) * self._factor(other)))

    def __rmul__(self, other: int) -> Sequential:
        return self.__mul__(other)

    def __imul__(self, other: int) -> Sequential:
        modules = list(self)
        offset = len(self)
        for _ in range(self._factor(other) - 1):
            for i, m in enumerate(modules):
                self.add_module(str(i + offset), m)
            offset += len(modules)
        return self

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


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

    def _key(self, index: int) -> str:
        """torch's: the key of the index-th module (negative counts from the end)."""
        n, i = len(self), operator.index(index)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range")
        return str(i % n)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(_held(self).values())[index])
        return _held(self)[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, self._key(index), module)

    def __delitem__(self, index: int | slice) -> None:
        """Remove a module (or a slice of them); the rest are renumbered 0, 1, ... as torch."""
        keys = list(_held(self))[index] if isinstance(index, slice) else [self._key(index)]
        gone = set(keys)
        self._renumber([m for k, m in _held(self).items() if k not in gone])

    def _renumber(self, modules: list[Module]) -> None:
        for key in list(_held(self)):
            delattr(self, key)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (0 <= index; past the end appends).
        NOTE: torch's own insert fails on a negative index (a KeyError), so it is refused."""
        index = operator.index(index)
        if index < 0:
            raise IndexError(f"ModuleList.insert: index {index} is negative (torch's "
                             "ModuleList.insert does not support negative indices)")
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        items = list(_held(self).values())
        items.insert(index, module)
        self._renumber(items)

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module at ``key`` (a slice gives a ModuleList)."""
        popped = self[key]
        del self[key]
        return popped

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList of both's modules (``other`` any iterable of modules)."""
        return ModuleList([*self, *other])

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

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


def _pairs(who: str, items: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a container's ``update`` argument, as PyTorch reads it:
    an OrderedDict or a container in its order, a plain mapping (ParameterDict sorts it),
    or an iterable of pairs."""
    if isinstance(items, (OrderedDict, ModuleDict, ParameterDict)):
        return list(items.items())
    if isinstance(items, Mapping):
        return sorted(items.items()) if who == "ParameterDict" else list(items.items())
    if not isinstance(items, Iterable):
        raise TypeError(f"{who}.update should be called with an iterable of key/value pairs, "
                        f"but got {type(items).__name__}")
    pairs = []
    for j, pair in enumerate(items):
        if not isinstance(pair, Iterable):
            raise TypeError(f"{who} update sequence element #{j} should be Iterable; is "
                            f"{type(pair).__name__}")
        pair = list(pair)
        if len(pair) != 2:
            raise ValueError(f"{who} update sequence element #{j} has length {len(pair)}; "
                             "2 is required")
        pairs.append((pair[0], pair[1]))
    return pairs


class ModuleDict(Module):
    """A dict of named modules whose parameters are registered (it has no forward); keys
    keep their insertion order.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "act": nn.ReLU()})
        >>> list(heads), heads["act"], heads.num_parameters()
        (['cls', 'act'], ReLU(), 15)
    """

    def __init__(self, modules: Any = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return _held(self)[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return _held(self).items()

    def values(self) -> Iterable[Module]:
        return _held(self).values()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    def update(self, modules: Any) -> None:
        for key, module in _pairs("ModuleDict", modules):
            self[key] = module


def _entry_repr(key: Any, value: Any) -> str:
    """One line of a ParameterList's / ParameterDict's repr (PyTorch's form)."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    size = "x".join(str(n) for n in value.shape)
    return f"  ({key}): {kind} containing: [{value.dtype} of size {size}]"


def _entries_repr(container: Module, pairs: Iterable[tuple[Any, Any]]) -> str:
    lines = [_entry_repr(k, v) for k, v in pairs]
    if not lines:
        return f"{type(container).__name__}()"
    return f"{type(container).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _as_parameter(value: Any) -> Any:
    """A container's entry: a Tensor becomes a Parameter (sharing its memory), as in
    PyTorch; anything else is stored as it is."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value._array, requires_grad=True)
    return value


class ParameterList(Module):
    """A list of parameters, registered under "0", "1", ... (a Tensor added is made a
    Parameter; other objects are held but not registered).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> ps = nn.ParameterList([ta.zeros(2), ta.ones(3)])
        >>> len(ps), [n for n, _ in ps.named_parameters()], type(ps[0]).__name__
        (2, ['0', '1'], 'Parameter')
    """

    _size: int

    def __init__(self, values: Iterable[Any] | None = None):
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> str:
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range")
        return str(idx % len(self))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(*idx.indices(len(self)))])
        return getattr(self, self._index(idx))

    def __setitem__(self, idx: int, value: Any) -> None:
        """As torch's: a Tensor becomes a Parameter; an object cannot replace a parameter
        (``setattr``'s TypeError), only another object."""
        setattr(self, self._index(idx), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        object.__setattr__(self, "_size", self._size + 1)
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but "
                            f"got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def __repr__(self) -> str:
        return _entries_repr(self, enumerate(self))

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


class ParameterDict(Module):
    """A dict of named parameters (a Tensor stored is made a Parameter; other objects
    are held but not registered); keys keep their insertion order, except that a plain
    dict given to the constructor or ``update`` is added in sorted order, as in PyTorch.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> ps = nn.ParameterDict({"scale": ta.ones(2)})
        >>> ps["shift"] = ta.zeros(2)
        >>> list(ps), list(ps.state_dict())
        (['scale', 'shift'], ['scale', 'shift'])
    """

    _keys: dict[str, None]

    def __init__(self, parameters: Any = None):
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key(key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"Index given to ParameterDict cannot be used as a key as it is "
                            f"not a string (type is '{type(key).__name__}')")
        return key

    def __getitem__(self, key: str) -> Any:
        return getattr(self, self._key(key))

    def __setitem__(self, key: str, value: Any) -> None:
        key, value = self._key(key), _as_parameter(value)
        if isinstance(value, Parameter):
            self.register_parameter(key, value)
        else:
            self._parameters.pop(key, None)
            object.__setattr__(self, key, value)
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return [(k, self[k]) for k in self._keys]

    def values(self) -> Iterable[Any]:
        return [self[k] for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._keys else default

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    def copy(self) -> ParameterDict:
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        return ParameterDict(OrderedDict((k, default) for k in keys))

    def update(self, parameters: Any) -> None:
        for key, value in _pairs("ParameterDict", parameters):
            self[key] = value

    def __or__(self, other: ParameterDict) -> ParameterDict:
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other: Any) -> Any:
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        """torch's lines (the tensor's type name, ``torch.FloatTensor``); Module's repr
        puts them on the first line when there is one."""
        lines = []
        for k, v in self.items():
            if isinstance(v, Tensor):
                kind = "Parameter" if isinstance(v, Parameter) else "Tensor"
                size = "x".join(str(n) for n in v.shape)
                lines.append(f"  ({k}): {kind} containing: [{v.type()} of size {size}]")
            else:
                lines.append(f"  ({k}): Object of type: {type(v).__name__}")
        return "\n".join(lines)


# --- functional ops as modules: channel dropout, distances, softmin, glu ----------------------


class Dropout1d(Dropout):
    """Channel dropout for (N, C, L) or (C, L): each channel zeroed with probability p, the
    rest scaled by 1 / (1 - p); identity in eval mode (``F.dropout1d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Dropout1d(0.5).eval()(ta.ones(1, 2, 3)).shape
        torch.Size([1, 2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Channel dropout for (N, C, H, W): each channel zeroed with probability p, the rest
    scaled by 1 / (1 - p); identity in eval mode (``F.dropout2d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Dropout2d(0.5).eval()(ta.ones(1, 2, 3, 3)).shape
        torch.Size([1, 2, 3, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


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
        tensor([0.5000, 0.5000])
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

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

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


# --- nn breadth: 3-d and alpha dropouts, shuffles, Bilinear, LazyLinear ------------------------


class Dropout3d(Dropout):
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W): each channel zeroed with
    probability p, the rest scaled by 1 / (1 - p); identity in eval mode (``F.dropout3d``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Dropout3d(0.5).eval()(ta.ones(1, 2, 2, 2, 2)).shape
        torch.Size([1, 2, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Alpha dropout (for SELU networks): dropped elements set to SELU's saturation value
    and the result scaled and shifted to keep zero mean and unit variance
    (``F.alpha_dropout``); identity in eval mode.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.AlphaDropout(0.2)
        AlphaDropout(p=0.2, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels of an (N, C, *) input (``F.feature_alpha_dropout``);
    identity in eval mode.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.FeatureAlphaDropout(0.2).eval()(ta.ones(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)


class PixelShuffle(Module):
    """Sub-pixel upsampling: (*, C r^2, H, W) -> (*, C, H r, W r) (``F.pixel_shuffle``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.PixelShuffle(2)(ta.ones(1, 8, 3, 3)).shape
        torch.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """PixelShuffle's inverse: (*, C, H r, W r) -> (*, C r^2, H, W) (``F.pixel_unshuffle``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.PixelUnshuffle(2)(ta.ones(1, 2, 6, 6)).shape
        torch.Size([1, 8, 3, 3])
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """ShuffleNet's channel shuffle: channels as (groups, C / groups), transposed
    (``F.channel_shuffle``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.ChannelShuffle(2)(ta.arange(4.0).reshape(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class Bilinear(Module):
    """y = x1^T A x2 + b: y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o].

    Args:
        in1_features, in2_features: the sizes of the two inputs' last dims.
        out_features: the output's last dim.
        bias: learn an additive bias (default True).
        device, dtype: None or "cpu"; the parameters' dtype.

    Shape:
        Inputs (*, in1) and (*, in2), output (*, out). ``weight`` is (out, in1, in2) and
        ``bias`` (out,), both uniform in +-1/sqrt(in1_features), torch's init.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.Bilinear(2, 3, 4)
        >>> m
        Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)
        >>> m(ta.randn(5, 2), ta.randn(5, 3)).shape
        torch.Size([5, 4])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        check_device(device)
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        dtype = dtype or get_default_dtype()
        bound = 1 / math.sqrt(in1_features) if in1_features else 0.0
        rng = generator()
        self.weight = Parameter(rng.uniform(-bound, bound, (
            out_features, in1_features, in2_features)).astype(dtype))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, out_features).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose in_features is read from its first input: until then ``weight`` is
    (out_features, 0); the first forward makes (out_features, in_features) parameters with
    Linear's init and turns the module into a ``Linear``, as torch's LazyLinear.

    NOTE: an optimizer made before that first forward holds the empty parameters; make it
    after one forward (a dry run), as torch advises.

    Args:
        out_features: size of each output sample.
        bias, device, dtype: as Linear's.

    Shape:
        Input (*, in_features), output (*, out_features).

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.LazyLinear(3)
        >>> m
        LazyLinear(in_features=0, out_features=3, bias=True)
        >>> m(ta.randn(2, 5)).shape, m
        (torch.Size([2, 3]), Linear(in_features=5, out_features=3, bias=True))
    """

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None):
        super().__init__(0, out_features, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        _check_tensor(input, "LazyLinear", "linear")
        if input.ndim == 0:
            raise RuntimeError("LazyLinear: the input must have at least one dim, got a 0-d "
                               "tensor")
        fresh = Linear(input.shape[-1], self.out_features, self.bias is not None,
                       dtype=self.weight.dtype)
        self.in_features = fresh.in_features
        self.weight, self.bias = fresh.weight, fresh.bias
        # NOTE: from now on a plain Linear, as torch's LazyLinear becomes one (cls_to_become)
        self.__class__ = Linear  # type: ignore[assignment]
        return Linear.forward(self, input)
