"""The top-level names a PyTorch tutorial reaches for first: ``ta.sigmoid`` / ``relu`` /
``tanh`` / ``softmax`` / ``log_softmax`` (the registry's activations), ``allclose`` /
``isclose`` / ``equal``, ``is_tensor`` / ``numel`` / ``as_tensor`` / ``asarray``, and
``ta.device`` (torch.device's value type, from ``devices.py``; ``ta.cuda``, ``ta.backends``,
``ta.accelerator`` and ``ta.amp`` are modules of their own)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..devices import device
from ..tensor import Tensor, _tensor_arg, check_device
from . import function_of, idioms, method
from .factories import tensor
from .idioms import (
    Size,
    add,
    clone,
    div,
    divide,
    eq,
    ge,
    greater,
    greater_equal,
    gt,
    inference_mode,
    is_inference_mode_enabled,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    mul,
    ne,
    not_equal,
    pow,
    sub,
    true_divide,
)

# the idioms (api/idioms.py) join ta. through this module's __all__
__all__ = ["sigmoid", "relu", "tanh", "softmax", "log_softmax", "allclose", "isclose",
           "equal", "is_tensor", "numel", "as_tensor", "asarray", "device", *idioms.__all__]
_IDIOMS = (Size, div, divide, eq, ge, greater, greater_equal, gt, inference_mode,
           is_inference_mode_enabled, le, less, less_equal, logical_and, logical_not, logical_or,
           logical_xor, lt, ne, not_equal, true_divide, add, sub, mul, pow, clone)


sigmoid, relu, tanh = (function_of(name) for name in ("sigmoid", "relu", "tanh"))


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``ta.softmax(x, dim)`` is ``x.softmax(dim)`` (dim is required, as torch's)."""
    x = _tensor_arg("softmax", input, "input")
    return (x if dtype is None else x.to(dtype)).softmax(dim)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``ta.log_softmax(x, dim)`` is ``x.log_softmax(dim)``."""
    x = _tensor_arg("log_softmax", input, "input")
    return (x if dtype is None else x.to(dtype)).log_softmax(dim)


@method
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol |other|, elementwise, as a bool tensor (no gradient).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isclose(ta.tensor([1.0, 2.0]), ta.tensor([1.0, 2.1]))
        tensor([ True, False])
    """
    a, b = _tensor_arg("isclose", input, "input"), _tensor_arg("isclose", other)
    if a.dtype != b.dtype:  # torch: "Double did not match Float", for any two dtypes
        raise RuntimeError(f"isclose: {a.dtype} did not match {b.dtype} (shapes {a.shape} "
                           f"and {b.shape}); convert one, e.g. other.to(input.dtype)")
    return Tensor._make(np.asarray(np.isclose(a._array, b._array, rtol, atol, equal_nan)),
                        False, None)


@method
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element is close (see ``isclose``); shapes must broadcast."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


@method
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and the same elements (torch.equal)."""
    a, b = _tensor_arg("equal", input, "input"), _tensor_arg("equal", other)
    return a.shape == b.shape and bool(np.array_equal(a._array, b._array))


def is_tensor(obj: Any) -> bool:
    """True for a Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements."""
    return _tensor_arg("numel", input, "input").numel()


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor, sharing its memory when no conversion is needed (as torch): a
    Tensor of that dtype is returned itself, an ndarray of that dtype is wrapped (writes
    through either side show in the other); anything else is copied as ``tensor`` would.

    Example:
        >>> import numpy as np, tinygrad_acts as ta
        >>> a = np.zeros(2, np.float32)
        >>> _ = ta.as_tensor(a).add_(1)
        >>> a
        array([1., 1.], dtype=float32)
    """
    check_device(device)
    shared = _shared("as_tensor", data, dtype)
    if shared is not None:
        return shared
    if isinstance(data, Tensor):
        return data.to(dtype)
    return tensor(data, dtype=dtype)


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """torch.asarray: ``obj`` as a Tensor. ``copy=None`` shares memory when it can (as
    ``as_tensor``), ``copy=True`` always copies, ``copy=False`` refuses (ValueError) when a
    copy would be needed. ``requires_grad`` makes the result require grad (a leaf, or the
    shared tensor itself).

    Example:
        >>> import numpy as np, tinygrad_acts as ta
        >>> a = np.zeros(2, np.float32)
        >>> ta.asarray(a, copy=True).add_(1).tolist(), a.tolist()
        ([1.0, 1.0], [0.0, 0.0])
    """
    check_device(device)
    out = None if copy else _shared("asarray", obj, dtype)
    if out is None:
        if copy is False:
            have = obj.dtype if isinstance(obj, (Tensor, np.ndarray)) else type(obj).__name__
            raise ValueError(f"asarray: can't alias {have} into dtype {np.dtype(dtype)} "
                             "without a copy (copy=False)")
        source = obj.detach() if isinstance(obj, Tensor) else obj
        out = tensor(source, dtype=dtype)
    return out.requires_grad_(True) if requires_grad else out


def _shared(who: str, data: Any, dtype: Any) -> Tensor | None:
    """``data`` as a Tensor with no copy, when it is a Tensor or an ndarray already of
    ``dtype`` (None: its own); None when a copy is needed."""
    if not isinstance(data, (Tensor, np.ndarray)) or (
            dtype is not None and np.dtype(dtype) != data.dtype):
        return None
    if isinstance(data, Tensor):
        return data
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{who}: can't convert an ndarray of dtype {data.dtype} (shape "
                        f"{data.shape}); tensors hold bool, integer or float numbers")
    return Tensor._make(data, False, None)
