"""``ta.testing.assert_close``: torch.testing.assert_close, with torch's rules and messages.

Two values are close when ``|actual - expected| <= atol + rtol * |expected|`` elementwise
(the definition ``isclose`` uses). The default tolerances come from the dtype, torch's table:

    dtype      rtol     atol
    float16    1e-3     1e-5
    float32    1.3e-6   1e-5
    float64    1e-7     1e-7
    integers, bool   0 (they must be equal)

Inputs are Tensors, ndarrays, Python or numpy numbers, None, and sequences and mappings of
these (compared item by item). Shapes must match, and dtypes too unless
``check_dtype=False`` (then both are promoted by torch's rules and the looser tolerance of
the two is used). A failure raises AssertionError with torch's message: how many elements
mismatch, the greatest absolute and relative differences and where they are, and which item
of a container failed.

Example:
    >>> import tinygrad_acts as ta
    >>> ta.testing.assert_close(ta.tensor([1.0, 2.0]), ta.tensor([1.0, 2.0 + 1e-7]))
    >>> ta.testing.assert_close(ta.tensor([1.0, 2.0, 3.0]), ta.tensor([1.0, 2.5, 3.1]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 2 / 3 (66.7%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
"""
from __future__ import annotations

import cmath
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .dtypes import get_default_dtype, promote_types
from .tensor import Tensor

__all__ = ["assert_close"]

#: torch's default (rtol, atol) per dtype; every other dtype compares exactly
_PRECISIONS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
               np.dtype(np.complex128): (1e-7, 1e-7)}
_NUMBER_DTYPES = {int: np.dtype(np.int64), float: np.dtype(np.float64),
                  complex: np.dtype(np.complex128)}


class _Mismatch(Exception):
    """A failed comparison: the exception type torch raises, its message, the item's path."""

    def __init__(self, kind: type[Exception], message: str, where: tuple = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close (see the module).

    Args:
        actual, expected: Tensors, ndarrays, numbers, None, or sequences / mappings of them.
        allow_subclasses: a Parameter compares with a Tensor (default True).
        rtol, atol: give both or neither (default: by dtype, the table above).
        equal_nan: nan equals nan (default False).
        check_dtype: the dtypes (the types, for numbers) must be equal (default True).
        check_stride: the strides must be equal too (default False).
        check_device, check_layout: accepted (one device and one layout exist here).
        msg: a message to raise instead, or a function of the generated message.

    Raises:
        AssertionError on a mismatch; TypeError for inputs of types it cannot compare;
        ValueError when only one of rtol, atol is given.
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but "
                         f"got no {'rtol' if rtol is None else 'atol'}.")
    try:
        pairs = _pairs(actual, expected, ())
        for a, e, where in pairs:
            _compare(a, e, where, allow_subclasses=allow_subclasses, rtol=rtol, atol=atol,
                     equal_nan=equal_nan, check_dtype=check_dtype, check_stride=check_stride)
    except _Mismatch as failure:
        raise failure.kind(_final_message(failure, msg)) from None


def _final_message(failure: _Mismatch, msg: Any) -> str:
    if isinstance(msg, str):
        return msg
    text = failure.message
    if failure.where:
        text += "\n\nThe failure occurred for item " + "".join(str([k]) for k in failure.where)
    return msg(text) if callable(msg) else text


def _pairs(actual: Any, expected: Any, where: tuple) -> list[tuple[Any, Any, tuple]]:
    """The leaves to compare, with their paths; containers are checked on the way."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", where)
        return [p for i in range(len(actual))
                for p in _pairs(actual[i], expected[i], (*where, i))]
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        have, want = set(actual.keys()), set(expected.keys())
        if have != want:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(want - have)}\n"
                            f"Additional keys in the actual mapping: {sorted(have - want)}",
                            where)
        try:
            keys = sorted(have)
        except TypeError:
            keys = list(actual.keys())
        return [p for k in keys for p in _pairs(actual[k], expected[k], (*where, k))]
    return [(actual, expected, where)]


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _compare(actual: Any, expected: Any, where: tuple, *, allow_subclasses: bool,
             rtol: float | None, atol: float | None, equal_nan: bool, check_dtype: bool,
             check_stride: bool) -> None:
    if actual is None or expected is None:
        if actual is not expected:
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", where)
        return
    if _is_bool(actual) and _is_bool(expected):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {bool(actual)} is not "
                            f"{bool(expected)}", where)
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(_number(actual), _number(expected), where, rtol, atol, equal_nan,
                         check_dtype)
        return
    if _tensor_like_pair(actual, expected, allow_subclasses):
        _compare_arrays(actual, expected, where, rtol, atol, equal_nan, check_dtype,
                        check_stride)
        return
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.", where)


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex, np.number)) and not _is_bool(x)


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, np.number) else x


def _tensor_like_pair(actual: Any, expected: Any, allow_subclasses: bool) -> bool:
    """Both Tensors or both ndarrays (a subclass of the other's type when allowed)."""
    if not (isinstance(actual, (Tensor, np.ndarray)) and
            isinstance(expected, (Tensor, np.ndarray))):
        return False
    if allow_subclasses:
        return isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    return type(actual) is type(expected)


def _tolerances(dtypes: tuple, rtol: float | None, atol: float | None) -> tuple[float, float]:
    """The given tolerances, else the loosest of the dtypes' defaults."""
    if rtol is not None and atol is not None:
        return rtol, atol
    rtols, atols = zip(*(_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in dtypes))
    return max(rtols), max(atols)


# --- numbers ----------------------------------------------------------------------------------


def _compare_numbers(actual: Any, expected: Any, where: tuple, rtol: float | None,
                     atol: float | None, equal_nan: bool, check_dtype: bool) -> None:
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != "
                        f"{type(expected)}.", where)
    rtol, atol = _tolerances((_NUMBER_DTYPES[type(actual)], _NUMBER_DTYPES[type(expected)]),
                             rtol, atol)
    if _numbers_close(actual, expected, rtol, atol, equal_nan):
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol), where)


def _numbers_close(actual: Any, expected: Any, rtol: float, atol: float,
                   equal_nan: bool) -> bool:
    if actual == expected:
        return True
    if equal_nan and cmath.isnan(actual) and cmath.isnan(expected):
        return True
    diff = abs(actual - expected)
    return cmath.isfinite(diff) and diff <= atol + rtol * abs(expected)


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    diff = abs(actual - expected)
    rel = float("inf") if expected == 0 else diff / abs(expected)
    return _message("Scalars", rtol, atol, f"Expected {expected} but got {actual}.",
                    (diff, None), (rel, None))


def _message(what: str, rtol: float, atol: float, extra: str, absolute: tuple,
             relative: tuple) -> str:
    """torch's mismatch message: a header, ``extra``, then both greatest differences."""
    exact = rtol == 0 and atol == 0
    lines = [f"{what} are not {'equal' if exact else 'close'}!", "", extra]
    for kind, (diff, index), tol in (("absolute", absolute, atol), ("relative", relative, rtol)):
        line = f"{kind.title()} difference: {diff}" if index is None else \
            f"Greatest {kind} difference: {diff} at index {index}"
        lines.append(line if exact else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)


# --- tensors and arrays -----------------------------------------------------------------------


def _compare_arrays(actual: Any, expected: Any, where: tuple, rtol: float | None,
                    atol: float | None, equal_nan: bool, check_dtype: bool,
                    check_stride: bool) -> None:
    a, e = (x._array if isinstance(x, Tensor) else x for x in (actual, expected))
    _check_attributes(a, e, where, check_dtype, check_stride)
    rtol, atol = _tolerances((a.dtype, e.dtype), rtol, atol)
    if a.dtype != e.dtype:
        common = promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    matches = _isclose(a, e, rtol, atol, equal_nan)
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol), where)
    raise _Mismatch(AssertionError, _array_message(a, e, matches, rtol, atol), where)


def _check_attributes(a: np.ndarray, e: np.ndarray, where: tuple, check_dtype: bool,
                      check_stride: bool) -> None:
    def fail(name: str, have: Any, want: Any) -> None:
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: "
                        f"{have} != {want}.", where)
    if a.shape != e.shape:
        fail("shape", a.shape, e.shape)
    if check_stride and _strides(a) != _strides(e):
        fail("stride()", _strides(a), _strides(e))
    if check_dtype and a.dtype != e.dtype:
        fail("dtype", a.dtype, e.dtype)


def _strides(a: np.ndarray) -> tuple[int, ...]:
    return tuple(s // a.itemsize for s in a.strides)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
             equal_nan: bool) -> np.ndarray:
    if a.dtype.kind in "biu":
        if rtol == 0 and atol == 0:
            return np.asarray(a == e)
        a, e = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _array_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float,
                   atol: float) -> str:
    """Mismatch count, and the greatest differences among the mismatched elements only
    (integers compared as int64, their relative difference in the default float dtype)."""
    total, bad = matches.size, int(matches.size - matches.sum())
    extra = f"Mismatched elements: {bad} / {total} ({bad / total:.1%})"
    if a.dtype.kind in "biu":
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.abs(a - e).ravel()
        diff[matches.ravel()] = 0
        scale = np.abs(e).ravel()
        if diff.dtype.kind != "f":
            float_dtype = get_default_dtype()
            rel = diff.astype(float_dtype) / scale.astype(float_dtype)
        else:
            rel = diff / scale
        rel[matches.ravel()] = 0
    return _message("Tensor-likes", rtol, atol, extra, _greatest(diff, a.shape),
                    _greatest(rel, a.shape))


def _greatest(values: np.ndarray, shape: tuple) -> tuple[Any, tuple[int, ...]]:
    """The largest value (nan counts as largest, as torch.max) and its index in ``shape``."""
    flat = int(np.argmax(values))
    return values[flat].item(), tuple(int(i) for i in np.unravel_index(flat, shape))
