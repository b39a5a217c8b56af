"""PyTorch's legacy spellings, which older scripts, tutorials and test suites still type:
the typed tensor classes (``ta.FloatTensor([1, 2])``, ``isinstance(x, ta.LongTensor)``,
``x.type(ta.DoubleTensor)``), ``autograd.Variable`` and ``ta.version``.

Each typed class makes an ordinary ``Tensor`` of its dtype, as torch's legacy constructors
do: from sizes (``FloatTensor(2, 3)``, or a ``Size``) a zero-filled tensor (torch leaves it
uninitialised), from a sequence or an ndarray a copy converted to the dtype, from a Tensor of
the same dtype an alias of it (another dtype raises, as torch). ``isinstance`` asks the dtype.

Example:
    >>> import tinygrad_acts as ta
    >>> x = ta.FloatTensor([1, 2])
    >>> x.dtype, isinstance(x, ta.FloatTensor), isinstance(x, ta.LongTensor)
    (dtype('float32'), True, False)
    >>> ta.LongTensor(2, 3).shape
    torch.Size([2, 3])
"""
from __future__ import annotations

import types
import warnings
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "Variable", "version"]


class _TypedTensor(type):
    """The metaclass: calling the class makes a Tensor; isinstance asks the dtype."""

    dtype: np.dtype

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
        if kwargs:
            raise TypeError(f"{cls.__name__}(): got unexpected keyword arguments "
                            f"{sorted(kwargs)} (the legacy constructors take data or sizes "
                            f"only; for requires_grad use ta.tensor(data, dtype=ta."
                            f"{cls.dtype.name}, requires_grad=True))")
        if not args:
            return Tensor._make(np.zeros(0, cls.dtype), False, None)
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return _zeros(cls, tuple(int(a) for a in args))
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): takes sizes (ints) or one sequence of data, "
                            f"got {len(args)} arguments of types "
                            f"{[type(a).__name__ for a in args]}")
        (data,) = args
        if type(data).__name__ == "Size":
            return _zeros(cls, tuple(data))
        if isinstance(data, Tensor):
            if data.dtype != cls.dtype:
                raise TypeError(f"{cls.__name__}(): expected a tensor of dtype {cls.dtype} "
                                f"(got {data.dtype}, shape {data.shape})")
            return data.view(data.shape)
        if not isinstance(data, (list, tuple, np.ndarray)):
            raise TypeError(f"{cls.__name__}(): data must be a sequence (got "
                            f"{type(data).__name__})")
        from .api.factories import tensor
        return tensor(np.asarray(data).astype(cls.dtype) if isinstance(data, np.ndarray)
                      else data, dtype=cls.dtype)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'tinygrad_acts.{cls.__name__}'>"


def _zeros(cls: Any, shape: tuple) -> Tensor:
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{cls.__name__}(): negative dimension in the size {shape}")
    return Tensor._make(np.zeros(shape, cls.dtype), False, None)


def _typed(name: str, dtype: str) -> Any:
    return _TypedTensor(name, (), {"dtype": np.dtype(dtype), "__module__": __name__,
                                   "__doc__": f"torch.{name}: a Tensor of dtype {dtype}."})


FloatTensor = _typed("FloatTensor", "float32")
DoubleTensor = _typed("DoubleTensor", "float64")
HalfTensor = _typed("HalfTensor", "float16")
LongTensor = _typed("LongTensor", "int64")
IntTensor = _typed("IntTensor", "int32")
ShortTensor = _typed("ShortTensor", "int16")
CharTensor = _typed("CharTensor", "int8")
ByteTensor = _typed("ByteTensor", "uint8")
BoolTensor = _typed("BoolTensor", "bool")


def Variable(data: Any, requires_grad: bool = False, volatile: Any = None) -> Tensor:
    """``torch.autograd.Variable``, merged into Tensor since torch 0.4: a new Tensor sharing
    ``data``'s values, outside any graph, a leaf that requires grad if asked."""
    if volatile is not None:
        warnings.warn("volatile was removed and now has no effect. Use `with ta.no_grad():` "
                      "instead.", UserWarning, stacklevel=2)
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    out = data.detach()
    return out.requires_grad_(True) if requires_grad else out


#: ``torch.version``: the package's version; no CUDA, HIP or cuDNN build
version = types.ModuleType("tinygrad_acts.version", "The build's versions, as torch.version.")
version.cuda = version.hip = version.git_version = None  # type: ignore[attr-defined]
version.debug = False  # type: ignore[attr-defined]
