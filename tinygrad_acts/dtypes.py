"""Result dtypes by PyTorch's type promotion rules, in one place.

numpy and PyTorch disagree on mixed dtypes (numpy: ``float32 * int64 -> float64``; torch:
``float32``). Every binary op, ``where``, ``cat``/``stack`` and the numpy ufuncs called on
Tensors ask ``result_type`` here, which follows torch:

- categories: bool < integer < floating;
- operands come in three ranks: tensors with at least one dimension (and ndarrays), 0-d
  tensors, and Python or numpy scalars ("weak": they never widen a tensor's dtype within
  its category);
- within each rank the dtypes promote as usual (int32 + int64 -> int64, float32 + float64
  -> float64, any float beats any integer); the highest rank decides, unless a lower rank
  brings a higher category, whose dtype then joins in (a float scalar with an integer
  tensor gives the default float dtype);
- true division of integers gives the default float dtype (``true_divide_type``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

_default = np.dtype(np.float32)

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype used for Python floats and factories (float32 by default):
    ``ta.float16``, ``ta.float32`` or ``ta.float64`` (numpy's ``np.float64`` and friends
    are those dtypes too). As torch, anything that is not a dtype (a string, the Python
    ``float``, a tensor) is a TypeError, and so is a dtype that is not floating."""
    global _default
    if not isinstance(dtype, np.dtype) and not (
            isinstance(dtype, type) and issubclass(dtype, np.generic)):
        raise TypeError(f"set_default_dtype: invalid dtype object {dtype!r} (a "
                        f"{type(dtype).__name__}): only floating-point types are supported "
                        "as the default type (ta.float16, ta.float32, ta.float64)")
    dtype = np.dtype(dtype)
    if dtype.kind != "f" or dtype.itemsize > 8:
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default = dtype


def get_default_dtype() -> np.dtype:
    return _default


def promote_types(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    """The smallest dtype holding both, torch's lattice: any float beats any integer or bool
    (``int64 + float32 -> float32``, unlike numpy's float64)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ca, cb = _CATEGORY.get(a.kind, 3), _CATEGORY.get(b.kind, 3)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _scalar_dtype(x: Any) -> np.dtype:
    """The dtype a Python or numpy scalar stands for: bool, int64, or the default float."""
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(x, (float, np.floating)):
        return _default
    raise TypeError(f"unsupported operand of type {type(x).__name__}: tensors hold float, "
                    "int or bool numbers")


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an elementwise op on ``operands`` (Tensors, ndarrays, numbers)."""
    dimmed = zero_d = weak = None
    for x in operands:
        if x is None:
            continue
        data = x._array if hasattr(x, "grad_fn") else x
        if isinstance(data, np.ndarray):
            if data.ndim or not hasattr(x, "grad_fn"):  # an ndarray counts as dimensioned
                dimmed = promote_types(dimmed, data.dtype)
            else:
                zero_d = promote_types(zero_d, data.dtype)
        else:
            weak = promote_types(weak, _scalar_dtype(data))
    out = _combine(dimmed, _combine(zero_d, weak))
    if out is None:
        raise TypeError("result_type: no operands")
    return out


def wrap_int(value: int, dtype: np.dtype) -> int:
    """``value`` (a Python int) as the integer ``dtype`` holds it, wrapped around as a C cast
    does: torch converts a number to the tensor's dtype before comparing or dividing, so -1
    meets a uint8 tensor as 255 and 128 an int8 one as -128. Outside what int64 or uint64
    can hold, OverflowError (as torch).

    Example:
        >>> import numpy as np
        >>> wrap_int(-1, np.dtype(np.uint8)), wrap_int(128, np.dtype(np.int8))
        (255, -128)
    """
    if not -(1 << 63) <= value < 1 << 64:
        raise OverflowError(f"the Python int {value} is too big to convert to {dtype} (it "
                            "must fit int64 or uint64)")
    bits = dtype.itemsize * 8
    wrapped = value % (1 << bits)
    return wrapped - (1 << bits) if dtype.kind == "i" and wrapped >> (bits - 1) else wrapped


_RANGES = {np.dtype(t): range(int(np.iinfo(t).min), int(np.iinfo(t).max) + 1)
           for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                     np.uint64)}


def int_scalar(value: int, dtype: np.dtype, wrap: bool = False) -> int:
    """A Python int meeting an integer tensor of ``dtype``, as torch converts it. ``wrap``
    (the arithmetic ops: ``+ - * // %``): wrapped around the dtype as a C cast does
    (``uint8 + 300`` adds 44, ``int8 + 200`` adds -56). Otherwise (a power's exponent, a
    fill, a bound, ``where``'s value) checked: outside the dtype it is torch's RuntimeError,
    but for a negative int into an unsigned dtype (-1 as uint8 is 255). Outside what int64
    or uint64 can hold, OverflowError either way (as torch).

    Example:
        >>> import numpy as np
        >>> int_scalar(300, np.dtype(np.uint8), wrap=True), int_scalar(-1, np.dtype(np.uint8))
        (44, 255)
    """
    span = _RANGES[dtype]
    if value in span:
        return value
    unsigned_wrap = dtype.kind == "u" and -span.stop < value < 0
    if not wrap and not unsigned_wrap and -(1 << 63) <= value < 1 << 64:
        raise RuntimeError(f"value cannot be converted to type {dtype} without overflow (the "
                           f"number {value}; {dtype} holds {span.start} to {span.stop - 1})")
    return wrap_int(value, dtype)


def fill_value(value: Any, dtype: np.dtype) -> Any:
    """A number written into a tensor of ``dtype`` (``fill_``, ``full``, ``new_full``,
    ``where``), checked as torch checks it: into an integer dtype, an int must fit (but for
    a negative one into an unsigned dtype, see ``int_scalar``) and a float must lie in its
    range (NaN never does), else RuntimeError; a float is then truncated, as a C cast.
    Into a float dtype, a finite number beyond the dtype's largest is that RuntimeError too
    (1e300 as float32; inf and NaN pass). Anything else is returned as it is."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if dtype.kind == "f" and isinstance(value, (int, float, np.number)):
        big = float(np.finfo(dtype).max)
        if abs(value) > big and (isinstance(value, (int, np.integer)) or np.isfinite(value)):
            raise RuntimeError(f"value cannot be converted to type {dtype} without overflow "
                               f"(the number {value}; {dtype} holds at most {big:g})")
        return value
    if dtype.kind not in "iu":
        return value
    if isinstance(value, (int, np.integer)):
        return int_scalar(int(value), dtype)
    if isinstance(value, (float, np.floating)):
        span = _RANGES[dtype]
        if not span.start <= value <= span.stop - 1:
            raise RuntimeError(f"value cannot be converted to type {dtype} without overflow "
                               f"(the number {value}; {dtype} holds {span.start} to "
                               f"{span.stop - 1})")
        return int(value)
    return value


def true_divide_type(dtype: np.dtype) -> np.dtype:
    """Dividing integers (or bools) gives the default float dtype, as in PyTorch."""
    return dtype if dtype.kind == "f" else _default


def infer_dtype(data: Any) -> np.dtype | None:
    """The dtype ``torch.tensor(data)`` gives nested data, or None when there is nothing to
    infer from (an empty list: the default float dtype).

    Python floats stand for the default float dtype, ints for int64, bools for bool; numpy
    scalars, ndarrays and tensors inside a list keep their own dtype; the elements' dtypes
    then promote as torch's ``promote_types`` (no weak scalars here: ``[np.float16(1), 2.5]``
    is float32, ``[np.float64(0.1)]`` float64).
    """
    if hasattr(data, "grad_fn"):  # a Tensor
        return data._array.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return data.dtype
    if isinstance(data, (list, tuple)):
        out = None
        for item in data:
            out = promote_types(out, infer_dtype(item))
        return out
    return _scalar_dtype(data)
