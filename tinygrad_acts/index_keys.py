"""How a Tensor's index reads as a numpy index, by PyTorch's rules (``x[...]`` and
``x[...] = v`` both go through ``read_index``):

- a Tensor index is its array; a 0-d integer index (a Tensor, an ndarray, a numpy integer)
  is an int, so ``x[t]`` is a view as ``x[1]`` is (torch's select); a uint8 index is a bool
  mask, with torch's deprecation warning;
- a slice's step must be positive; a list of numbers is an int64 (or bool) array;
- ints beside array indices apply first, as basic indexing (``zeros(2, 3, 4)[0, :, [1, 0]]``
  has shape (3, 2); numpy's own rule gives (2, 3)).
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

_EMPTY_INDEX = np.zeros(0, np.int64)
_INDEX_NUMBERS = (int, bool, np.bool_)


def read_index(index: Any, shape: tuple, write: bool = False) -> Any:
    """A Tensor's index as numpy's, by PyTorch's rules: Tensors become their arrays, a
    slice's step must be positive, and ints beside array indices apply first, as basic
    indexing (``zeros(2, 3, 4)[0, :, [1, 0]]`` has shape (3, 2); numpy's rule gives (2, 3))."""
    kind = type(index)
    if kind is int or index is None or index is Ellipsis:  # (the common cases first: no
        return index                                      # mask scan on the hot path)
    if kind is slice:
        return _check_step(index)
    index = uint8_as_mask(index, write)
    kind = type(index)
    index = _array_of(index)
    if type(index) is np.ndarray:  # NOTE: a 0-d integer index is an int (a view), as torch's
        if index.dtype == np.bool_ and index.ndim and index.shape != shape[:index.ndim]:
            raise IndexError(f"The shape of the mask {list(index.shape)} at index 0 does not "
                             f"match the shape of the indexed tensor {list(shape)} at index 0")
        return int(index) if _is_int(index) else index
    if kind is list:  # NOTE: as torch, a list of numbers is an int64 (or bool) tensor, a
        if all(type(i) in _INDEX_NUMBERS or isinstance(i, np.integer) for i in index):
            return np.asarray(index) if index else _EMPTY_INDEX  # else: a tuple (legacy)
        return read_index(tuple(index), shape)
    return _tuple_index(index, shape) if kind is tuple else index


def _tuple_index(index: tuple, shape: tuple) -> Any:
    items = []
    ints = arrays = False
    for i in index:
        kind = type(i)
        if kind is slice:
            if i.step is not None:
                _check_step(i)
        elif kind is int:
            ints = True
        elif i is not None and i is not Ellipsis:
            i = _array_of(i) if kind is not list else np.asarray(i) if i else _EMPTY_INDEX
            if _is_int(i):
                ints, i = True, int(i)
            else:
                arrays = True
        items.append(i)
    if not arrays:
        return tuple(items)
    if any(i is Ellipsis for i in items) and _spanned(items) == len(shape):
        items = [i for i in items if i is not Ellipsis]  # NOTE: torch reads the arrays
    return _ints_first(tuple(items), shape) if ints else tuple(items)  # around it adjacent


def _spanned(items: Any) -> int:
    """The dims an index's items take but its Ellipsis."""
    return sum(np.ndim(i) if isinstance(i, np.ndarray) and i.dtype == np.bool_ else
               0 if i is None or i is Ellipsis or type(i) is bool else 1 for i in items)


def _check_step(s: slice) -> slice:
    if s.step is not None and s.step <= 0:
        raise ValueError("step must be greater than zero" if s.step else
                         "slice step cannot be zero")
    return s


def uint8_as_mask(index: Any, write: bool = False) -> Any:
    """torch (2.13) still reads a uint8 index as a bool mask, with a deprecation warning
    (and refuses to write through one)."""
    items = index if type(index) is tuple else (index,)
    if not any(_dtype(i) == np.uint8 for i in items):
        return index
    if write:
        raise RuntimeError("__setitem__: masked_fill_ only supports boolean masks, but got "
                           "mask with dtype uint8 (use a bool mask, as in PyTorch)")
    warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                  "torch.bool instead.", UserWarning, stacklevel=4)
    masks = tuple(_array_of(i).astype(bool) if _dtype(i) == np.uint8 else i for i in items)
    return masks if type(index) is tuple else masks[0]


def _array_of(i: Any) -> Any:
    """A Tensor's array (anything else as it is)."""
    return getattr(i, "_array", i)


def _dtype(i: Any) -> Any:
    return getattr(_array_of(i), "dtype", None)


def _is_int(i: Any) -> bool:
    """An int index (numpy's, and 0-d integer arrays, too); a bool is not one."""
    if type(i) is int or isinstance(i, np.integer):
        return True
    return type(i) is np.ndarray and i.ndim == 0 and i.dtype.kind in "iu"


def _ints_first(items: tuple, shape: tuple) -> tuple:
    """PyTorch's reading of an index that mixes ints and arrays, as one numpy index: the
    ints (with the slices, None and ...) select first, then the arrays index what is left.
    Returned as the flat positions it picks, unravelled (a pure array index)."""
    first: list = []
    then: list = []
    for i in items:
        if _is_int(i):
            first.append(int(i))
        elif type(i) is slice or i is Ellipsis:
            first.append(i)
            then.append(slice(None) if i is not Ellipsis else i)
        elif i is None or isinstance(i, (bool, np.bool_)) or (
                type(i) is np.ndarray and i.ndim == 0 and i.dtype == np.bool_):
            first.append(None)  # NOTE: a bool scalar is a mask over a new dim of size 1
            then.append(slice(None) if i is None else np.array([bool(i)]))
        else:
            a = np.asarray(i)
            first.extend([slice(None)] * (a.ndim if a.dtype == np.bool_ else 1))
            then.append(a)
    try:
        picked = np.arange(math.prod(shape)).reshape(shape)[tuple(first)][tuple(then)]
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor shape {shape}, index {items})") from None
    return np.unravel_index(picked, shape)


def one_mask(index: Any) -> bool:
    """Whether the only array in ``index`` (as given) is one bool mask."""
    items = index if type(index) is tuple else (index,)
    arrays = [np.asarray(_array_of(i)) for i in items if not (
        _is_int(_array_of(i)) or type(i) in (slice, bool) or i is None or i is Ellipsis)]
    return len(arrays) == 1 and arrays[0].dtype == np.bool_ and arrays[0].ndim > 0


def is_advanced(index: Any) -> bool:
    """Whether numpy reads ``index`` (already through ``_index``) with arrays (a copy; an
    index_put when written), rather than as basic indexing (a view)."""
    items = index if type(index) is tuple else (index,)
    return any(type(i) is list or (type(i) is np.ndarray and (i.ndim or i.dtype == np.bool_))
               for i in items)
