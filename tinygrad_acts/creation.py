"""The factories that make a new tensor from a size: zeros, ones, full, randn, rand, arange,
eye and the ``_like`` forms (PyTorch's names, defaults and dtype rules), and the public
constructor ``Tensor(...)``, torch.Tensor's (``_construct``).

They build on the Tensor (``tensor.py`` re-exports them, so ``ta.zeros`` is this module's);
the engine itself never needs them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes, ops
from .dtypes import get_default_dtype
from .size import Size, size_arg
from .tensor import Tensor, _float, _new, _operand, _rng, check_device, preserved


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn list / scalar / ndarray data into an ndarray following PyTorch's dtype rules:
    Python floats become the default float dtype; an ndarray keeps its dtype."""
    if isinstance(data, Tensor):
        arr = data._array
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:
            lengths = [len(row) if hasattr(row, "__len__") else "scalar" for row in data] \
                if isinstance(data, (list, tuple)) else "?"
            raise ValueError(f"tensor: cannot make a tensor from ragged data (row lengths "
                             f"{lengths} differ): {e}") from None
        if arr.dtype == object:
            kinds = sorted({type(v).__name__ for v in arr.flat})
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data "
                            f"holding {', '.join(kinds)} (numpy made an object array of shape "
                            f"{arr.shape}); tensors hold numbers only (float, int or bool)")
        # NOTE: not via the default dtype when one is given: float32 would round the values
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, np.generic):
            arr = arr.astype(dtypes.get_default_dtype())
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"tensor: unsupported dtype {arr.dtype} (need float, int or bool)")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def _shape(size: tuple, who: str = "factory") -> tuple:
    """The size a factory was given (ints, numpy's, integer tensors of one element)."""
    size = size_arg(who, size, "size")
    if any(n < 0 for n in size):
        raise RuntimeError(f"{who}: sizes must be non-negative ints, got {size}")
    return size


class memory_format:
    """torch.memory_format: the layout a new tensor's memory takes. ``ta.contiguous_format``
    (row-major), ``ta.preserve_format`` (the input's layout), ``ta.channels_last`` (a 4-d
    tensor stored as N, H, W, C) and ``ta.channels_last_3d`` (5-d, as N, D, H, W, C); numpy
    honours each (``stride()`` shows it)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


contiguous_format, preserve_format, channels_last, channels_last_3d = (memory_format(n) for n in (
    "contiguous_format", "preserve_format", "channels_last", "channels_last_3d"))
_LAST = {"channels_last": (4, (0, 2, 3, 1)), "channels_last_3d": (5, (0, 2, 3, 4, 1))}


def laid_out(who: str, arr: np.ndarray, fmt: Any, preserve: bool = True) -> np.ndarray:
    """``arr`` in the memory format ``fmt`` (None: the default, preserve_format, or
    contiguous_format where ``preserve`` is False): the array itself when it is laid out so
    already, else a copy. channels_last of a tensor that is not 4-d (5-d for _3d) is torch's
    RuntimeError; a format that is not one of torch's, a TypeError."""
    name = str(fmt).replace("torch.", "") if fmt is not None else (
        "preserve_format" if preserve else "contiguous_format")
    if name == "preserve_format":
        return arr
    if name == "contiguous_format":
        return np.ascontiguousarray(arr)
    if name not in _LAST:
        raise TypeError(f"{who}: memory_format must be a ta.memory_format (contiguous_format, "
                        f"preserve_format, channels_last, channels_last_3d), got {fmt!r}")
    rank, order = _LAST[name]
    if arr.ndim != rank:
        raise RuntimeError(f"{who}: required rank {rank} tensor to use {name} format (shape "
                           f"{arr.shape})")
    last = arr.transpose(order)
    return arr if last.flags.c_contiguous else np.ascontiguousarray(last).transpose(
        np.argsort(order))


def relaid(who: str, t: Tensor, fmt: Any, preserve: bool = True) -> Tensor:
    """``t`` in the memory format ``fmt`` (see ``laid_out``): itself when it already is,
    else a copy that stays in the graph."""
    arr = laid_out(who, t._array, fmt, preserve)
    if arr is t._array:
        return t
    out = t.clone() if t.requires_grad else Tensor._make(arr, False, None)
    out._array = arr  # NOTE: clone's node saves nothing, so its output may take a new array
    return out


def _strided(who: str, layout: Any) -> None:
    if layout is not None and str(layout) not in ("strided", "torch.strided"):
        raise RuntimeError(f"{who}: layout={layout} is not supported (dense strided tensors "
                           "only)")


def _construct(t: Tensor, args: tuple, kwargs: dict) -> None:
    """``Tensor(...)``, torch.Tensor's constructor, into the new tensor ``t``: ``Tensor()``
    is empty, ``Tensor(2, 3)`` (ints, or a Size) a new (2, 3) tensor (zero-filled here,
    where torch leaves it uninitialised), ``Tensor(data)`` a copy of a list, tuple or
    ndarray in the default float dtype (an ndarray already of that dtype is shared, as
    torch's), and ``Tensor(tensor)`` an alias of it (same memory, dtype and version counter,
    in its graph). As torch's, it takes no ``dtype`` or ``requires_grad``: that is
    ``ta.tensor(data, dtype=..., requires_grad=...)``."""
    check_device(kwargs.pop("device", None))
    if "data" in kwargs:
        args = (*args, kwargs.pop("data"))
    if kwargs:
        raise TypeError(f"Tensor(): got unexpected keyword arguments {sorted(kwargs)} (as "
                        "torch.Tensor, it takes data or sizes and device only; use "
                        "ta.tensor(data, dtype=..., requires_grad=...))")
    data = args[0] if len(args) == 1 else None
    if isinstance(data, Tensor):
        return _alias(t, data)
    default = get_default_dtype()
    if isinstance(data, (list, tuple, range, np.ndarray)) and not isinstance(data, Size):
        with np.errstate(over="ignore", invalid="ignore"):  # Tensor([1e40]) is inf, as torch
            arr = np.asarray(_as_array(list(data) if isinstance(data, range) else data),
                             default)
        return t._init(arr, False, None)
    if len(args) != 1 or (isinstance(data, (int, np.integer, Size)) and not isinstance(
            data, (bool, np.bool_))):
        sizes = size_arg("Tensor", args, "size") if args else (0,)
        if any(n < 0 for n in sizes):
            raise RuntimeError(f"Tensor: Trying to create tensor with negative dimension "
                               f"{min(sizes)}: {list(sizes)}")
        return t._init(np.zeros(sizes, default), False, None)
    raise TypeError(f"Tensor(): data must be a sequence (got {type(data).__name__}); "
                    "for a 0-d tensor use ta.tensor(value)")


def _alias(t: Tensor, of: Tensor) -> None:
    """``t`` as torch's alias of ``of``: its memory, dtype and version counter, in its graph
    (a view of the same shape)."""
    out = ops.Reshape.apply(of, shape=of._array.shape)
    t._init(out._array, False, None)
    t._requires_grad, t.grad_fn = out._requires_grad, out.grad_fn
    of._view_of(t, "reshape")


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_shape(size, "zeros"), _float(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_shape(size, "ones"), _float(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """As torch.full: the dtype follows the fill value (int -> int64, bool -> bool)."""
    fill_value = _operand(fill_value)  # NOTE: np.bool_ is a float to torch
    if dtype is None and isinstance(fill_value, int):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    dtype = _float(dtype)
    return _new(np.full(_shape((size,)), dtypes.fill_value(fill_value, dtype), dtype),
                requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, layout: Any = None,
               memory_format: Any = None) -> Tensor:
    """Zeros of ``input``'s shape and (unless ``dtype`` says otherwise) dtype, in its layout
    (torch's preserve_format: ``zeros_like(x.t())`` is a transpose too)."""
    check_device(device)
    _strided("zeros_like", layout)
    arr = np.zeros_like(input._array, dtype or input.dtype, order=preserved(input._array))
    return _new(laid_out("zeros_like", arr, memory_format), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, layout: Any = None,
              memory_format: Any = None) -> Tensor:
    """Ones of ``input``'s shape and (unless ``dtype`` says otherwise) dtype, in its layout."""
    check_device(device)
    _strided("ones_like", layout)
    arr = np.ones_like(input._array, dtype or input.dtype, order=preserved(input._array))
    return _new(laid_out("ones_like", arr, memory_format), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the package generator (see ``manual_seed``)."""
    return _new(_rng.standard_normal(_shape(size)).astype(_float(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the package generator."""
    return _new(_rng.random(_shape(size)).astype(_float(dtype)), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like PyTorch: integers give int64, any float gives the default float dtype."""
    if end is None:
        start, end = 0, start
    arr = np.arange(start, end, step)
    if dtype is not None or arr.dtype.kind == "f":
        arr = arr.astype(_float(dtype))
    return _new(arr, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=_float(dtype)), requires_grad)


# --- for tensor.py: the checks of `t.grad = value`, and `t.view(dtype)` -----------------------

def _check_grad(t: Tensor, value: Any) -> None:
    """``t.grad = value`` as torch checks it: None or a Tensor (not t itself) of t's shape
    and dtype."""
    if not isinstance(value, Tensor):
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(value).__name__}")
    if value is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if value._array.dtype != t._array.dtype:
        raise RuntimeError(f"attempting to assign a gradient with dtype {value.dtype} to a "
                           f"tensor with dtype {t.dtype}: the gradient must match the "
                           "tensor's dtype")
    if value._array.shape != t._array.shape:
        raise RuntimeError(f"attempting to assign a gradient of size {list(value.shape)} to a "
                           f"tensor of size {list(t.shape)}. Please ensure that the gradient "
                           "and the tensor are the same size")


def _view_as_dtype(t: Tensor, dtype: np.dtype) -> Tensor:
    """``t.view(dtype)``, torch's rules: the same memory (and version counter) read as
    ``dtype``, out of the graph. Of another item size, the last dim is rescaled: it must
    have stride 1, and (going to a wider dtype) a size and an offset the ratio divides."""
    arr, old = t._array, t._array.dtype
    if dtype.itemsize != old.itemsize:
        why = f"to view {old} as {dtype} (different element sizes)"
        ratio = max(dtype.itemsize, old.itemsize) // min(dtype.itemsize, old.itemsize)
        if not arr.ndim:
            raise RuntimeError(f"view: self.dim() cannot be 0 {why}")
        if arr.strides[-1] != old.itemsize and arr.shape[-1] != 1:
            raise RuntimeError(f"view: self.stride(-1) must be 1 {why}, but got "
                               f"{arr.strides[-1] // old.itemsize} (shape {t.shape})")
        if dtype.itemsize > old.itemsize:
            if arr.shape[-1] % ratio:
                raise RuntimeError(f"view: self.size(-1) must be divisible by {ratio} {why}, "
                                   f"but got {arr.shape[-1]}")
            offset = t.storage_offset()
            if offset % ratio:
                raise RuntimeError(f"view: self.storage_offset() must be divisible by "
                                   f"{ratio} {why}, but got {offset}")
        if arr.shape[-1] == 1 and arr.strides[-1] != old.itemsize:
            arr = np.lib.stride_tricks.as_strided(arr, strides=arr.strides[:-1] + (
                old.itemsize,))
    out = Tensor._make(arr.view(dtype), False, None)
    out._counter = t._counter
    return out
