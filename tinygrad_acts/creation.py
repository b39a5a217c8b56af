"""The factories that make a new tensor from a size: zeros, ones, full, randn, rand, arange,
eye and the ``_like`` forms (PyTorch's names, defaults and dtype rules).

They build on the Tensor (``tensor.py`` re-exports them, so ``ta.zeros`` is this module's);
the engine itself never needs them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, _float, _new, _operand, _rng, _size, check_device, preserved


def _shape(size: tuple, who: str = "factory") -> tuple:
    size = _size(size)
    if any(not isinstance(n, (int, np.integer)) or n < 0 for n in size):
        raise ValueError(f"{who}: sizes must be non-negative ints, got {size}")
    return size


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_shape(size, "zeros"), _float(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_shape(size, "ones"), _float(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """As torch.full: the dtype follows the fill value (int -> int64, bool -> bool)."""
    fill_value = _operand(fill_value)  # NOTE: np.bool_ is a float to torch
    if dtype is None and isinstance(fill_value, int):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _new(np.full(_shape((size,)), fill_value, _float(dtype)), requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape and (unless ``dtype`` says otherwise) dtype, in its layout
    (torch's preserve_format: ``zeros_like(x.t())`` is a transpose too)."""
    check_device(device)
    arr = np.zeros_like(input._array, dtype or input.dtype, order=preserved(input._array))
    return _new(arr, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape and (unless ``dtype`` says otherwise) dtype, in its layout."""
    check_device(device)
    arr = np.ones_like(input._array, dtype or input.dtype, order=preserved(input._array))
    return _new(arr, requires_grad)


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
