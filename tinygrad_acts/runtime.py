"""The process-wide settings a PyTorch script sets up first, torch's names and behaviour:

- ``ta.finfo(dtype)`` / ``ta.iinfo(dtype)``: a float or integer dtype's limits (bits, eps,
  max, min, tiny, smallest_normal, resolution; bits, max, min), with torch's fields.
- ``ta.get_rng_state()`` / ``ta.set_rng_state(state)``: the package generator's state (the
  one ``ta.manual_seed`` seeds) as a uint8 tensor, and back.
- ``ta.get_num_threads()`` / ``ta.set_num_threads(n)`` (the BLAS threads numpy's matmuls
  use, through ``threadpoolctl`` when it is installed), and the interop pair.
- ``ta.use_deterministic_algorithms(mode, warn_only=False)`` and its queries: every kernel
  here is deterministic already, so the mode is recorded and reported, and nothing raises.
- ``ta.get_default_device()`` / ``ta.set_default_device("cpu")``,
  ``ta.get_float32_matmul_precision()`` / ``ta.set_float32_matmul_precision(p)``.

Example (the usual ``seed_everything`` helper runs):
    >>> import tinygrad_acts as ta
    >>> _ = ta.manual_seed(0); ta.cuda.manual_seed_all(0)
    >>> ta.backends.cudnn.deterministic = True
    >>> ta.use_deterministic_algorithms(True)
    >>> state = ta.get_rng_state()
    >>> a = ta.rand(2); ta.set_rng_state(state)
    >>> bool((ta.rand(2) == a).all()), ta.finfo(ta.float32).eps
    (True, 1.1920928955078125e-07)
    >>> ta.use_deterministic_algorithms(False)
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .api.factories import restore_rng_state, rng_state
from .devices import CPU_DEVICE, device
from .dtypes import get_default_dtype
from .tensor import Tensor, check_device, generator

__all__ = ["finfo", "iinfo", "get_rng_state", "set_rng_state", "get_num_threads",
           "set_num_threads", "get_num_interop_threads", "set_num_interop_threads",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "get_deterministic_debug_mode",
           "set_deterministic_debug_mode", "get_default_device", "set_default_device",
           "get_float32_matmul_precision", "set_float32_matmul_precision"]


# --- finfo / iinfo ----------------------------------------------------------------------------


def _dtype_of(who: str, type: Any) -> np.dtype:
    if isinstance(type, Tensor):
        raise TypeError(f"{who}(): argument 'type' (position 1) must be a dtype, not Tensor")
    return np.dtype(get_default_dtype() if type is None else type)


@dataclass(frozen=True)
class finfo:
    """torch.finfo: the numerical limits of a floating point dtype (default: the default
    float dtype). Complex dtypes give their float part's.

    Fields: bits, eps (the gap from 1.0 to the next float), max, min (= -max), tiny and
    smallest_normal (the smallest positive normal number), resolution (10 ** -precision,
    the decimal resolution), dtype (its name, "float32", as torch's).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.finfo(ta.float16).max, ta.finfo(ta.float16).eps, ta.finfo().dtype
        (65504.0, 0.0009765625, 'float32')
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: Any = None) -> None:
        dt = _dtype_of("finfo", type)
        if dt.kind not in "fc":
            raise TypeError(f"finfo() requires a floating point input type, got {dt}. Use "
                            "ta.iinfo to handle integer types")
        info = np.finfo(dt)
        values = {"bits": int(info.bits), "eps": float(info.eps), "max": float(info.max),
                  "min": float(info.min), "tiny": float(info.tiny),
                  "smallest_normal": float(info.smallest_normal),
                  "resolution": 10.0 ** -int(info.precision), "dtype": info.dtype.name}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


@dataclass(frozen=True)
class iinfo:
    """torch.iinfo: the limits of an integer dtype (bool is refused, as torch's).

    Fields: bits, max, min, dtype (its name).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.iinfo(ta.uint8).max, ta.iinfo(ta.int64).min
        (255, -9223372036854775808)
    """

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: Any) -> None:
        dt = _dtype_of("iinfo", type)
        if dt == np.bool_:
            raise TypeError("iinfo(): bool is not supported (as torch.bool by torch.iinfo)")
        if dt.kind not in "iu":
            raise TypeError(f"iinfo() requires an integer input type, got {dt}. Use ta.finfo "
                            "to handle floating point types")
        info = np.iinfo(dt)
        values = {"bits": int(info.bits), "max": int(info.max), "min": int(info.min),
                  "dtype": dt.name}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


# --- the package generator's state ----------------------------------------------------------


def get_rng_state() -> Tensor:
    """The package generator's state (``ta.manual_seed``'s) as a uint8 tensor.

    NOTE: the generator is numpy's PCG64, so the state is 37 bytes (torch's Mersenne
    Twister state is 5056): save and restore it here, do not hand it to torch."""
    return rng_state(generator())


def set_rng_state(new_state: Tensor) -> None:
    """Restore the package generator to a state ``get_rng_state`` returned."""
    restore_rng_state(generator(), new_state, "set_rng_state")


# --- threads ----------------------------------------------------------------------------------


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1


_threads = {"intra": 0, "interop": 0}  # 0: not set, the machine's cores
_blas_limit: list[Any] = []


def _thread_count(who: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise RuntimeError(f"{who} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{who} expects a positive integer")
    return int(n)


def get_num_threads() -> int:
    """The threads used within an op (numpy's BLAS): the last ``set_num_threads``, or the
    cores this process may use."""
    return _threads["intra"] or _cores()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads within an op: limits the BLAS behind numpy's matmuls through
    ``threadpoolctl`` when it is installed (without it the number is only recorded, and
    the BLAS keeps its own setting, e.g. from ``OMP_NUM_THREADS``)."""
    _threads["intra"] = _thread_count("set_num_threads", n)
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the environment
        return
    _blas_limit[:] = [threadpool_limits(limits=_threads["intra"], user_api="blas")]


def get_num_interop_threads() -> int:
    """The threads for running ops in parallel: ops run one at a time here, so this is
    the recorded setting (default: the cores), reported as torch's."""
    return _threads["interop"] or _cores()


def set_num_interop_threads(n: int) -> None:
    """Record the inter-op thread count (ops run one at a time here)."""
    _threads["interop"] = _thread_count("set_num_interop_threads", n)


# --- determinism ------------------------------------------------------------------------------

_determinism = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch's switch that makes nondeterministic ops raise (or warn, ``warn_only``). Every
    op here is deterministic (numpy's kernels, ``scatter_add`` included), so none raises;
    the mode is kept for ``are_deterministic_algorithms_enabled``."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got "
                        f"{type(mode).__name__}")
    _determinism.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is on."""
    return _determinism["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether it is on with ``warn_only=True``."""
    return _determinism["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def get_deterministic_debug_mode() -> int:
    """0 (off), 1 (warn) or 2 (error), from ``use_deterministic_algorithms``, as torch's."""
    if not _determinism["mode"]:
        return 0
    return 1 if _determinism["warn_only"] else 2


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """"default" / 0, "warn" / 1, "error" / 2: ``use_deterministic_algorithms`` off, on
    with warnings, on with errors."""
    mode = _DEBUG_MODES.get(debug_mode, debug_mode) if isinstance(debug_mode, str) \
        else debug_mode
    if mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of "
                           f"'default', 'warn', 'error' or 0, 1, 2, got {debug_mode!r}")
    use_deterministic_algorithms(mode != 0, warn_only=mode == 1)


# --- default device, matmul precision ---------------------------------------------------------


def get_default_device() -> device:
    """The device factories put tensors on: the CPU, always."""
    return CPU_DEVICE


def set_default_device(device: Any) -> None:
    """Accepts the CPU (or None) only; another device is refused, as ``.to`` refuses it."""
    check_device(device)


_matmul_precision = ["highest"]


def get_float32_matmul_precision() -> str:
    """"highest" unless set: numpy's float32 matmuls always compute in full float32."""
    return _matmul_precision[0]


def set_float32_matmul_precision(precision: str) -> None:
    """torch's "highest" / "high" / "medium" (permission to use TF32 or bfloat16 inside
    float32 matmuls on hardware that has them); recorded here, where numpy has neither,
    and an unknown value is ignored with torch's warning."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the "
                      "current set_float32_matmul_precision call has no effect.",
                      UserWarning, stacklevel=2)
        return
    _matmul_precision[0] = precision
