"""Factories: linspace / logspace / empty / empty_like / full_like / rand_like / randn_like /
randint / randint_like / randperm / normal / bernoulli / multinomial, and the in-place fills
uniform_ / normal_ / random_ / exponential_ / bernoulli_ / copy_ (fill_ and zero_ are in
tensor.py).

The first factories a script calls (``tensor / zeros / ones / full / arange / eye / randn /
rand``) are here too, with torch's keywords: ``dtype``, ``device`` ("cpu", ``ta.device("cpu")``
or None; "cuda" is refused as torch refuses it without CUDA), ``requires_grad``, ``out=``,
``layout`` / ``pin_memory`` (the defaults only) and ``generator`` for the random ones.

Random values come from the package generator (``ta.generator()``, reseeded by
``ta.manual_seed``), or from ``generator=``: a ``ta.Generator`` (torch.Generator's API) or a
``numpy.random.Generator``. The streams are numpy's, not torch's: the same seed gives the
same draws here every time, but not torch's numbers; only the distributions match torch.
The in-place fills go through ``Tensor._inplace`` (a leaf that requires grad is refused
outside no_grad, the version counter is bumped, a non-leaf's old values get a zero
gradient); ``copy_`` is
differentiable, its gradient flowing to ``src`` (summed over the dims it was broadcast
along).
"""
from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from .. import dtypes, ops
from ..creation import laid_out
from ..devices import CPU_DEVICE, device
from ..ops.helpers import linspace_array
from ..tensor import Tensor, _new, _size_arg, _tensor_arg, check_device, generator, preserved
from ..tensor import arange as _arange
from ..tensor import eye as _eye
from ..tensor import full as _full
from ..tensor import ones as _ones
from ..tensor import tensor as _tensor
from ..tensor import zeros as _zeros
from . import method

__all__ = ["Generator", "tensor", "zeros", "ones", "full", "arange", "eye", "randn", "rand",
           "linspace", "logspace", "empty", "empty_like", "full_like", "rand_like",
           "randn_like", "randint", "randint_like", "randperm", "normal", "bernoulli",
           "multinomial"]


class Generator:
    """A source of random numbers with torch.Generator's API: ``manual_seed`` (returns the
    generator), ``seed``, ``initial_seed``, ``get_state`` / ``set_state``, ``device``. Pass
    it as ``generator=`` to the random factories, the in-place fills, ``nn.init``,
    ``DataLoader``, ``random_split`` and the samplers.

    Draws come from numpy's PCG64: the same seed gives the same draws here, every run,
    but not torch's numbers.

    Example:
        >>> import tinygrad_acts as ta
        >>> g = ta.Generator().manual_seed(0)
        >>> a = ta.randn(3, generator=g)
        >>> bool((a == ta.randn(3, generator=g.manual_seed(0))).all())
        True
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device)
        self._initial = 67280421310721  # torch's default seed
        self.rng = np.random.default_rng(self._initial)

    @property
    def device(self) -> device:
        """The CPU (the only device here)."""
        return CPU_DEVICE

    def manual_seed(self, seed: int) -> Generator:
        """Reset to the stream of ``seed`` (an int from -2**63 to 2**64 - 1; a negative one
        wraps modulo 2**64, as torch: ``manual_seed(-1).initial_seed()`` is 2**64 - 1);
        returns the generator itself."""
        # NOTE: numpy refuses negative seeds; torch wraps them modulo 2**64
        self._initial = _seed_arg("manual_seed", seed) % 2 ** 64
        self.rng.bit_generator.state = np.random.default_rng(self._initial).bit_generator.state
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed chosen."""
        seed = int(np.random.SeedSequence().entropy) % 2 ** 63  # type: ignore[arg-type]
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed of the last ``manual_seed`` / ``seed`` (torch's default if neither)."""
        return self._initial

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor (torch's ByteTensor form)."""
        return rng_state(self.rng)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state``; returns the generator itself."""
        restore_rng_state(self.rng, new_state, "Generator.set_state")
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_acts.Generator (seed {self._initial})>"


# NOTE: the state is numpy's PCG64 (128-bit state and increment, then the cached 32 bits):
# 37 bytes, where torch's Mersenne Twister state is 5056; the two never mix
_STATE_BYTES = 37


def rng_state(rng: np.random.Generator) -> Tensor:
    """The state of the numpy Generator ``rng`` as a uint8 tensor of 37 bytes (what
    ``Generator.get_state`` and ``ta.get_rng_state`` return)."""
    st = rng.bit_generator.state
    words = [st["state"]["state"], st["state"]["inc"]]
    raw = b"".join(w.to_bytes(16, "little") for w in words)
    raw += bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little")
    return Tensor._make(np.frombuffer(raw, np.uint8).copy(), False, None)


def restore_rng_state(rng: np.random.Generator, new_state: Any, who: str) -> None:
    """Put ``rng`` back in the state ``rng_state`` returned: a uint8 tensor (torch's
    ByteTensor; anything else is torch's TypeError) of 37 bytes (else RuntimeError)."""
    if not isinstance(new_state, Tensor):
        raise TypeError(f"{who}: expected a torch.ByteTensor (a uint8 Tensor), but got "
                        f"{type(new_state).__name__}")
    raw = new_state._array
    if raw.dtype != np.uint8:
        raise TypeError(f"{who}: RNG state must be a torch.ByteTensor (a uint8 Tensor), got "
                        f"{raw.dtype}")
    if raw.shape != (_STATE_BYTES,):
        raise RuntimeError(f"{who}: expects the uint8 tensor of shape ({_STATE_BYTES},) that "
                           f"get_state returns, got shape {raw.shape}")
    b = raw.tobytes()
    rng.bit_generator.state = {
        "bit_generator": "PCG64", "has_uint32": b[32],
        "uinteger": int.from_bytes(b[33:37], "little"),
        "state": {"state": int.from_bytes(b[:16], "little"),
                  "inc": int.from_bytes(b[16:32], "little")}}


def _rng(gen: Any, who: str = "generator") -> np.random.Generator:
    """The numpy Generator to draw from: the package one for None, a ``ta.Generator``'s, or
    a numpy Generator itself."""
    if gen is None:
        return generator()
    if isinstance(gen, Generator):
        return gen.rng
    if not isinstance(gen, np.random.Generator):
        raise TypeError(f"{who}: generator must be a ta.Generator or a numpy.random.Generator "
                        f"(or None for the package generator), got {type(gen).__name__}")
    return gen


def _dtype(dtype: Any, default: Any) -> np.dtype:
    return np.dtype(default if dtype is None else dtype)


def _float_only(who: str, dtype: np.dtype, error: type[Exception] = NotImplementedError) -> None:
    if dtype.kind != "f":
        raise error(f"{who}: not implemented for {dtype} tensors (a floating point dtype is "
                    "needed), as in torch")


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


# --- the first factories: tensor / zeros / ones / full / arange / eye / randn / rand ----------


def _seed_arg(who: str, seed: Any) -> int:
    """A seed as torch takes it: an int (not a bool or a float, a RuntimeError) that fits
    int64 or uint64 (else ValueError, torch's "Overflow when unpacking long long")."""
    if isinstance(seed, (bool, np.bool_)) or not hasattr(seed, "__index__"):
        raise RuntimeError(f"{who} expected a long, but got {type(seed).__name__}")
    value = operator.index(seed)
    if not -(2 ** 63) <= value < 2 ** 64:
        raise ValueError(f"{who}: Overflow when unpacking long long (the seed {value} does "
                         "not fit 64 bits)")
    return value


def _torch_keywords(who: str, device: Any, layout: Any, pin_memory: bool = False) -> None:
    """device / layout / pin_memory as torch takes them; only the CPU and dense strided
    tensors exist here (the defaults), anything else is refused naming the factory."""
    check_device(device)
    if layout is not None and str(layout) not in ("strided", "torch.strided"):
        raise RuntimeError(f"{who}: layout={layout} is not supported (dense strided tensors "
                           "only)")
    if pin_memory:
        raise RuntimeError(f"{who}: pin_memory=True needs CUDA; tinygrad_acts runs on the CPU "
                           "only")


def _sizes(who: str, args: tuple, size: Any) -> tuple:
    """The size a factory was given, positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or
    by torch's keyword (``zeros(size=(2, 3))``, a tuple or list only, as torch's), as the
    positional arguments ``_size_arg`` reads; both at once is torch's TypeError."""
    if size is None:
        if not args:
            raise TypeError(f'{who}() missing 1 required positional arguments: "size"')
        return args
    if args:
        raise TypeError(f"{who}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{who}(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    return (tuple(size),)


def _into(who: str, out: Any, result: Tensor, dtype: Any = None) -> Tensor:
    """``out=``: the result written into ``out`` (a tensor of the result's shape; its dtype
    is kept, as torch's out= tensors, and a ``dtype`` given too must be it); returns
    ``out``."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: out must be a Tensor, got {type(out).__name__}")
    if dtype is not None and np.dtype(dtype) != out.dtype:
        raise RuntimeError(f"{who}: dtype {np.dtype(dtype)} does not match the dtype of the "
                           f"out= tensor ({out.dtype})")
    if out.shape != result.shape:
        raise RuntimeError(f"{who}: out= has shape {out.shape} but the result has shape "
                           f"{result.shape} (resizing an out tensor is not supported here)")
    if out.requires_grad:
        raise RuntimeError(f"{who}: out= does not support automatic differentiation (the out "
                           "tensor requires grad)")
    out._array[...] = result._array
    out.bump_version()
    return out


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data`` (lists, numbers, ndarrays, tensors): Python
    floats become the default float dtype, ints int64, bools bool; numpy scalars, ndarrays
    and tensors keep their dtype, inside a list too (``[np.float64(0.1)]`` is float64), and
    mixed elements promote as torch's.

    Args:
        data: the values. dtype: convert to it. device: "cpu" or None.
        requires_grad: record operations on the result (float dtypes only).

    Shape: data's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 2.0], device="cpu").dtype
        dtype('float32')
    """
    if device is not None or pin_memory:
        _torch_keywords("tensor", device, None, pin_memory)
    if dtype is None:
        fast = _plain(data)
        if fast is not None and (fast.kind == "f" or not requires_grad):  # flat Python
            # numbers of one kind, or one number: nothing to check
            return _new(np.array(data, fast), requires_grad)
    if isinstance(data, (list, tuple)):
        data, inferred = _scanned(data)
        if dtype is None:  # NOTE: inferred first, so numpy never rounds a float64 element
            dtype = inferred  # through float32
    target = np.dtype(np.int64) if dtype is None and type(data) is int else dtype
    if target is not None and np.dtype(target).kind in "iu":
        _check_fits("tensor", data, np.dtype(target))
    # (past the check, a cast that overflows is torch's too: 1e5 as float16 is inf, silently)
    with np.errstate(over="ignore", invalid="ignore"):
        return _tensor(data, requires_grad=requires_grad, dtype=dtype)


_INT64_RANGE = range(-(2 ** 63), 2 ** 63)
_BOOL, _INT64 = np.dtype(np.bool_), np.dtype(np.int64)


def _plain(data: Any) -> np.dtype | None:
    """The dtype of ``data`` when it is one Python number or a flat list or tuple of them
    of one kind that needs no check (ints within int64, floats the default float dtype
    holds without overflow); None for anything else (the general path decides)."""
    kinds: Any = type(data)
    if kinds is list or kinds is tuple:
        if not data:
            return None
        kinds = set(map(type, data))
        if len(kinds) != 1:
            return dtypes.get_default_dtype() if (kinds == {int, float} and _finite(data)) \
                else None
        (kinds,) = kinds
    if kinds is float:
        return dtypes.get_default_dtype() if _finite(data) else None
    if kinds is int:
        lo, hi = (min(data), max(data)) if type(data) is not int else (data, data)
        return _INT64 if lo in _INT64_RANGE and hi in _INT64_RANGE else None  # type: ignore[operator]
    return _BOOL if kinds is bool else None


def _finite(data: Any) -> bool:
    """Whether the numbers all fit the default float dtype (no overflow to warn about;
    NaN falls to the general path too)."""
    big = float(np.finfo(dtypes.get_default_dtype()).max)
    if type(data) is float:
        return -big <= data <= big
    return -big <= min(data) and max(data) <= big


_NUMBERS = {bool: _BOOL, int: _INT64, float: None}  # float: the default float dtype


def _scanned(data: Any) -> tuple[Any, np.dtype | None]:
    """One pass over nested data: the data with each Tensor inside taken as the number it
    holds, and the dtype torch infers (None when nothing tells: an empty list). As torch's,
    a tensor in a list is one element (of any shape, holding one value; its dtype joins the
    inference as a numpy scalar's does); one of more elements is torch's ValueError, a 0-d
    ndarray inside a list its TypeError."""
    kinds = set(map(type, data))
    if kinds <= _NUMBERS.keys():  # a row of Python numbers (the common case)
        out_dtype = None
        for kind in kinds:
            out_dtype = dtypes.promote_types(out_dtype, _NUMBERS[kind] or
                                             dtypes.get_default_dtype())
        return data, out_dtype
    out, out_dtype = None, None
    # NOTE: torch reads the shape from the first elements: a tensor there is one number,
    # but where the first element is a sequence, a tensor is a sequence too
    rows = isinstance(data[0], (list, tuple)) or (getattr(data[0], "ndim", 0) > 0 and not \
        isinstance(data[0], Tensor))
    for i, item in enumerate(data):
        new, dtype = item, None
        if type(item) in _NUMBERS:
            dtype = _NUMBERS[type(item)] or dtypes.get_default_dtype()
        elif rows and isinstance(item, Tensor) and item.ndim:
            new = item._array
            dtype = new.dtype
        elif isinstance(item, Tensor):
            if item._array.size != 1:
                raise ValueError(f"tensor: only one element tensors can be converted to Python "
                                 f"scalars (a tensor of shape {item._array.shape} inside the "
                                 "list; use ta.stack to join tensors)")
            new = item._array.reshape(())[()]  # a numpy scalar: its dtype is kept
            dtype = new.dtype
        elif isinstance(item, (list, tuple)):
            new, dtype = _scanned(item)
        elif isinstance(item, np.ndarray) and item.ndim == 0:
            raise TypeError("tensor: len() of unsized object (a 0-d ndarray inside the list; "
                            "use its .item())")
        else:
            try:
                dtype = dtypes.infer_dtype(item)
            except TypeError:  # numpy's own error explains it better
                return data, None
        out_dtype = dtypes.promote_types(out_dtype, dtype)
        if new is not item:
            out = list(data) if out is None else out
            out[i] = new
    return (data if out is None else out), out_dtype


def _check_fits(who: str, data: Any, dtype: np.dtype) -> None:
    """torch's checked conversion of the Python numbers in ``data`` to an integer dtype:
    a float or int outside the dtype's range (NaN and inf too) is a RuntimeError, but for
    the two's-complement wrap of a negative int into an unsigned dtype (-1 as uint8 is 255);
    an int outside int64 is a ValueError ("Overflow when unpacking long long"). (Float and
    bool dtypes take any number, unchecked: 1e5 as float16 is inf, 200 as bool True.)"""
    if isinstance(data, (list, tuple)):
        for item in data:
            _check_fits(who, item, dtype)
        return
    if type(data) is int:
        if not -(2 ** 63) <= data < 2 ** 63:
            raise ValueError(f"{who}: Overflow when unpacking long long (the int {data} does "
                             "not fit int64)")
        info = np.iinfo(dtype)
        low = -int(info.max) if dtype.kind == "u" else int(info.min)
        if low <= data <= info.max:
            return
    elif type(data) is float and dtype.kind in "iu":
        info = np.iinfo(dtype)
        if float(info.min) <= data <= float(info.max):  # (NaN fails both)
            return
    else:
        return
    raise RuntimeError(f"{who}: value cannot be converted to type {dtype} without overflow "
                       f"(the element {data})")


def zeros(*args: Any, size: Any = None, out: Any = None, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros, ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``, the
    default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, device="cpu"), ta.zeros(size=(1, 2)).shape
        (tensor([0., 0.]), torch.Size([1, 2]))
    """
    _torch_keywords("zeros", device, layout)
    made = _zeros(*_sizes("zeros", args, size), dtype=dtype, requires_grad=requires_grad)
    return _into("zeros", out, made, dtype)


def ones(*args: Any, size: Any = None, out: Any = None, dtype: Any = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones, ``ones(2, 3)``, ``ones((2, 3))`` or ``ones(size=(2, 3))``, the
    default float dtype."""
    _torch_keywords("ones", device, layout)
    made = _ones(*_sizes("ones", args, size), dtype=dtype, requires_grad=requires_grad)
    return _into("ones", out, made, dtype)


def full(size: Any, fill_value: Any, *, out: Any = None, dtype: Any = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``size`` filled with ``fill_value``; the dtype follows the value (int -> int64,
    bool -> bool, float -> the default float dtype), as torch.full."""
    _torch_keywords("full", device, layout)
    if isinstance(fill_value, Tensor) and fill_value.ndim == 0:
        fill_value = fill_value.item()  # a 0-d tensor counts as its number (torch)
    made = _full(size, fill_value, dtype=dtype, requires_grad=requires_grad)
    return _into("full", out, made, dtype)


def arange(*args: Any, out: Any = None, dtype: Any = None, layout: Any = None,
           device: Any = None, requires_grad: bool = False, **bounds: Any) -> Tensor:
    """start, start + step, ... up to end (excluded): ints give int64, any float the
    default float dtype. ``arange(end)`` starts at 0; ``arange(start=3)`` without an end is
    a TypeError, as torch's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.arange(1, 2, 0.25)
        tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    _torch_keywords("arange", device, layout)
    start, end, step = _range_args(args, bounds)
    int_step = dtype is not None and np.dtype(dtype).kind in "iub"
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if int_step and int(step) == 0:  # NOTE: 0.5 as an int64 step is 0 (torch: ValueError)
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    made = _arange(start, end, step, dtype=dtype, requires_grad=requires_grad)
    return _into("arange", out, made, dtype)


def _range_args(args: tuple, bounds: dict) -> tuple:
    """arange's (start, end, step) from torch's forms: (end), (start, end), (start, end,
    step), positionally or by name; each a number (a 0-d tensor is its number)."""
    extra = set(bounds) - {"start", "end", "step"}
    if extra or len(args) > 3:
        raise TypeError(f"arange() got unexpected arguments {sorted(extra) or args}")
    names = ("end",) if len(args) == 1 and not bounds.keys() & {"end"} else \
        ("start", "end", "step")
    given = dict(zip(names, args))
    if given.keys() & bounds.keys():
        raise TypeError(f"arange() got multiple values for {sorted(given.keys() & bounds.keys())}")
    given.update(bounds)
    if "end" not in given:
        raise TypeError('arange() missing 1 required positional arguments: "end"')
    return tuple(_number(given.get(k, d)) for k, d in (("start", 0), ("end", None),
                                                        ("step", 1)))


def eye(n: int, m: int | None = None, *, out: Any = None, dtype: Any = None,
        layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix (m defaults to n)."""
    _torch_keywords("eye", device, layout)
    return _into("eye", out, _eye(n, m, dtype=dtype, requires_grad=requires_grad), dtype)


def _below(values: np.ndarray, high: float, dtype: np.dtype) -> np.ndarray:
    """``values`` (float64 draws below ``high``) in ``dtype``, kept below ``high`` as torch's
    uniform draws are.

    NOTE: rounding to float32 or float16 can carry a draw just under ``high`` up to ``high``
    itself (any draw above 1 - 2**-25 becomes 1.0 in float32); those become the largest
    value of the dtype below ``high``.
    """
    cast = np.asarray(values).astype(dtype)
    top = np.nextafter(dtype.type(high), dtype.type(-np.inf))
    return np.where(cast >= dtype.type(high), top, cast).astype(dtype)


def _random(who: str, draw: str, size: tuple, generator: Any, out: Any, dtype: Any,
            requires_grad: bool) -> Tensor:
    dt = _dtype(dtype, dtypes.get_default_dtype() if out is None else out.dtype)
    _float_only(who, dt)
    if out is not None and dt != out.dtype:
        raise RuntimeError(f"{who}: dtype {dt} does not match the out= tensor's dtype "
                           f"{out.dtype}")
    sample = getattr(_rng(generator, who), draw)(_size_arg(who, size, "size"))
    sample = _below(sample, 1.0, dt) if draw == "random" else sample.astype(dt)
    return _into(who, out, _new(sample, requires_grad))


def randn(*args: Any, size: Any = None, generator: Any = None, out: Any = None,
          dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples of ``size`` (from ``generator``, default the package one);
    the size positionally or as ``size=``, as ``zeros``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.randn(2, 3, generator=ta.Generator().manual_seed(1)).shape
        torch.Size([2, 3])
    """
    _torch_keywords("randn", device, layout, pin_memory)
    shape = _sizes("randn", args, size)
    return _random("randn", "standard_normal", shape, generator, out, dtype, requires_grad)


def rand(*args: Any, size: Any = None, generator: Any = None, out: Any = None,
         dtype: Any = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of ``size`` (from ``generator``, default the package one);
    the size positionally or as ``size=``, as ``zeros``."""
    _torch_keywords("rand", device, layout, pin_memory)
    shape = _sizes("rand", args, size)
    return _random("rand", "random", shape, generator, out, dtype, requires_grad)


# --- ranges and uninitialised tensors --------------------------------------------------------


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, layout: Any = None) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included:
    out[i] = start + i * (end - start) / (steps - 1).

    Args:
        start, end: numbers (or 0-d tensors). steps: the number of values (>= 0).
        dtype: default the default float dtype; an integer dtype truncates the values.
        requires_grad: make a leaf that requires grad.

    Shape: (steps,).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    _torch_keywords("linspace", device, layout)
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dt = _dtype(dtype, dtypes.get_default_dtype())
    return _new(linspace_array(_number(start), _number(end), steps, dt), requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False, layout: Any = None) -> Tensor:
    """``steps`` values base ** linspace(start, end, steps).

    Args:
        start, end: exponents. steps: the number of values. base: default 10.
        dtype, requires_grad: as ``linspace``.

    Shape: (steps,).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    _torch_keywords("logspace", device, layout)
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    values = float(base) ** np.linspace(_number(start), _number(end), steps)
    return _new(values.astype(_dtype(dtype, dtypes.get_default_dtype())), requires_grad)


def empty(*args: Any, size: Any = None, out: Any = None, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format: Any = None) -> Tensor:
    """A new tensor of ``size``. torch leaves its memory uninitialised; here it is zeros
    (never garbage or nan that a forgotten write would let through).

    Args:
        size: ints, or one tuple, positionally or as ``size=``.
        dtype: default the default float dtype. out, layout, pin_memory: as ``zeros``.
        memory_format: contiguous_format (the default) or channels_last (a 4-d size).

    Shape: size.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.empty(2, 3).shape
        torch.Size([2, 3])
    """
    _torch_keywords("empty", device, layout, pin_memory)
    shape = _size_arg("empty", _sizes("empty", args, size), "size")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"empty: negative dimension in size {shape}")
    if "preserve_format" in str(memory_format):
        raise RuntimeError("empty: unsupported memory format Preserve (a new tensor has no "
                           "layout to preserve)")
    arr = np.zeros(shape, _dtype(dtype, dtypes.get_default_dtype()))
    made = _new(laid_out("empty", arr, memory_format, preserve=False), requires_grad)
    return _into("empty", out, made, dtype)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, layout: Any = None,
               memory_format: Any = None) -> Tensor:
    """``empty`` with input's shape and (by default) dtype.

    Args:
        input: the tensor whose shape is taken. dtype: default input's.

    Shape: input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.empty_like(ta.arange(3)).dtype
        dtype('int64')
    """
    _torch_keywords("empty_like", device, layout)
    input = _tensor_arg("empty_like", input, "input")
    arr = np.zeros(input._array.shape, _dtype(dtype, input.dtype))
    return _new(_like_layout("empty_like", input, arr, memory_format), requires_grad)


def _like_layout(who: str, input: Tensor, arr: np.ndarray, fmt: Any) -> np.ndarray:
    """A ``_like`` factory's values ``arr`` (row-major) in ``fmt``; by default torch's
    preserve_format, the layout of ``input``."""
    if fmt is not None and "preserve_format" not in str(fmt):
        return laid_out(who, arr, fmt)
    if preserved(input._array) == "C" or input._array.flags.c_contiguous:
        return arr
    out = np.empty_like(input._array, arr.dtype, order="K")
    out[...] = arr
    return out


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, layout: Any = None,
              memory_format: Any = None) -> Tensor:
    """A tensor of input's shape filled with ``fill_value``, in input's dtype by default
    (the value is cast: ``full_like(int_tensor, 2.5)`` holds 2s, as torch).

    Args:
        input: the tensor whose shape is taken. fill_value: a number. dtype: default input's.

    Shape: input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.full_like(ta.zeros(2), 7.0)
        tensor([7., 7.])
    """
    _torch_keywords("full_like", device, layout)
    input = _tensor_arg("full_like", input, "input")
    dt = _dtype(dtype, input.dtype)
    value = dtypes.fill_value(_number(fill_value), dt)  # checked, as torch: 300 as uint8
    with np.errstate(over="ignore"):  # (1e40 as float32 is inf, as torch)
        arr = np.full(input._array.shape, value).astype(dt)
    return _new(_like_layout("full_like", input, arr, memory_format), requires_grad)


# --- random tensors ----------------------------------------------------------------------------


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, generator: Any = None, layout: Any = None,
              memory_format: Any = None) -> Tensor:
    """Uniform samples in [0, 1) of input's shape and (float) dtype.

    Args:
        input: the tensor whose shape is taken. dtype: default input's (a float dtype).

    Shape: input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.rand_like(ta.zeros(2, 2)).shape
        torch.Size([2, 2])
    """
    _torch_keywords("rand_like", device, layout)
    input = _tensor_arg("rand_like", input, "input")
    dt = _dtype(dtype, input.dtype)
    _float_only("rand_like", dt)
    arr = _below(_rng(generator).random(input.shape), 1.0, dt)
    return _new(_like_layout("rand_like", input, arr, memory_format), requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, generator: Any = None, layout: Any = None,
               memory_format: Any = None) -> Tensor:
    """Standard normal samples of input's shape and (float) dtype.

    Args:
        input: the tensor whose shape is taken. dtype: default input's (a float dtype).

    Shape: input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.randn_like(ta.zeros(3)).dtype
        dtype('float32')
    """
    _torch_keywords("randn_like", device, layout)
    input = _tensor_arg("randn_like", input, "input")
    dt = _dtype(dtype, input.dtype)
    _float_only("randn_like", dt)
    arr = _rng(generator).standard_normal(input.shape).astype(dt)
    return _new(_like_layout("randn_like", input, arr, memory_format), requires_grad)


def _integers(who: str, low: int, high: int, shape: tuple, dtype: np.dtype,
              gen: Any) -> np.ndarray:
    if low >= high:
        raise RuntimeError(f"{who}: expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    return _rng(gen).integers(low, high, shape).astype(dtype)


def randint(*args: Any, low: Any = None, high: Any = None, size: Any = None,
            generator: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Uniform random integers in [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``.

    Args:
        low: default 0. high: one past the largest value. size: a tuple of ints.
        dtype: default int64 (a float dtype holds the integers as floats).
        generator: a numpy Generator (default the package generator).

    Shape: size.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.randint(3, 10, (2, 2)).dtype
        dtype('int64')
    """
    _torch_keywords("randint", device, layout)
    if size is None and args:
        args, size = args[:-1], args[-1]
    args = (*(() if low is None else (low,)), *args, *(() if high is None else (high,)))
    if size is None or len(args) not in (1, 2):
        raise TypeError("randint() takes (high, size) or (low, high, size), positionally or "
                        "by keyword")
    low, high = (0, args[0]) if len(args) == 1 else args
    dt = _dtype(dtype, np.int64)
    shape = _size_arg("randint", (size,), "size")
    return _new(_integers("randint", int(low), int(high), shape, dt, generator), requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False, generator: Any = None,
                 layout: Any = None, memory_format: Any = None) -> Tensor:
    """Random integers in [low, high) of input's shape and dtype: ``randint_like(x, high)``
    or ``randint_like(x, low, high)``.

    Args:
        input: the tensor whose shape is taken. low, high: the range. dtype: default input's.

    Shape: input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.randint_like(ta.zeros(4), 5).dtype
        dtype('float32')
    """
    _torch_keywords("randint_like", device, layout)
    input = _tensor_arg("randint_like", input, "input")
    if high is None:
        low, high = 0, low
    dt = _dtype(dtype, input.dtype)
    arr = _integers("randint_like", int(low), int(high), input.shape, dt, generator)
    return _new(_like_layout("randint_like", input, arr, memory_format), requires_grad)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, layout: Any = None,
             pin_memory: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1.

    Args:
        n: the length (>= 0). dtype: default int64.

    Shape: (n,).

    Example:
        >>> import tinygrad_acts as ta
        >>> sorted(ta.randperm(4).tolist())
        [0, 1, 2, 3]
    """
    _torch_keywords("randperm", device, layout, pin_memory)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    return _new(_rng(generator).permutation(n).astype(_dtype(dtype, np.int64)), requires_grad)


def _depends(out: np.ndarray, *sources: Any) -> Tensor:
    """``out`` as a Tensor that, like torch's random ops, requires grad when a source does,
    with a zero gradient for each (the sample does not move with its parameters)."""
    tracked = [s for s in sources if isinstance(s, Tensor) and s.requires_grad]
    if not tracked:
        return Tensor._make(out, False, None)
    return ops.DependsOn.apply(Tensor._make(out, False, None), *tracked)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples: out = mean + std * z, z standard normal. The forms: two tensors
    (broadcast), a tensor and a float, or two floats with ``size``.

    Args:
        mean, std: tensors (float) or numbers; std >= 0.
        size: the shape, for two numbers. generator: a numpy Generator.

    Shape: broadcast(mean, std), or size.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.normal(ta.zeros(3), 1.0).shape
        torch.Size([3])
    """
    check_device(device)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for t in tensors:
        _float_only("normal", t.dtype)
    m, s = (t._array if isinstance(t, Tensor) else t for t in (mean, std))
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal: expects std >= 0.0, but found std {np.min(s)}")
    if not tensors:
        shape = _size_arg("normal", (size,), "size") if size is not None else ()
        dt = _dtype(dtype, dtypes.get_default_dtype())
        z = _rng(generator).standard_normal(shape)
        return _new((m + s * z).astype(dt), requires_grad)
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {np.shape(m)} and std {np.shape(s)} "
                           "do not broadcast") from None
    dt = dtypes.result_type(*tensors)
    z = _rng(generator).standard_normal(shape)
    return _depends((m + s * z).astype(dt), mean, std)


@method
def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 samples: out[i] = 1 with probability input[i] (or ``p`` for all), in input's
    dtype.

    Args:
        input: probabilities in [0, 1] (float). p: one probability for every element.

    Shape: input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.bernoulli(ta.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    input = _tensor_arg("bernoulli", input, "input")
    _float_only("bernoulli", input.dtype)
    prob = input._array if p is None else p
    if not np.all((np.asarray(prob) >= 0) & (np.asarray(prob) <= 1)):
        raise RuntimeError(f"bernoulli: expects every probability in [0, 1] (shape "
                           f"{input.shape})")
    u = _rng(generator).random(input.shape)
    return _depends((u < prob).astype(input.dtype), input)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Category indices drawn with probabilities proportional to input's rows (weights need
    not sum to 1); without replacement, each row's draws are distinct.

    Args:
        input: (n,) or (rows, n) non-negative float weights, each row with a positive sum.
        num_samples: draws per row (at most n without replacement).
        replacement: draw with replacement.

    Shape: (num_samples,) or (rows, num_samples), int64.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.multinomial(ta.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
        tensor([1, 1])
    """
    input = _tensor_arg("multinomial", input, "input")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial: only supports floating-point dtypes for input, got "
                           f"{input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    w = input._array.reshape(-1, input.shape[-1]).astype(np.float64)
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples ({num_samples})")
    if not replacement and num_samples > w.shape[1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement ({num_samples} > {w.shape[1]})")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    total = w.sum(1, keepdims=True)
    if np.any(total <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    if not replacement and np.any((w > 0).sum(1) < num_samples):
        raise RuntimeError("multinomial: invalid multinomial distribution (with replacement="
                           "False, not enough non-negative category to sample)")
    rng, rows = _rng(generator), np.arange(len(w))[:, None]
    if replacement:  # inverse CDF; NOTE: rows offset by their index, so one searchsorted
        cdf = np.cumsum(w / total, 1)  # does every row; a 0 weight is never picked
        cdf[:, -1] = 1.0
        u = rng.random((len(w), num_samples))
        idx = np.searchsorted((cdf + rows).ravel(), (u + rows).ravel(), side="right")
        out = np.minimum(idx.reshape(u.shape) - rows * w.shape[1], w.shape[1] - 1)
    else:  # NOTE: the exponential-races trick: the k smallest E_i / w_i (E ~ Exp(1)) are a
        with np.errstate(divide="ignore"):  # draw of k without replacement
            keys = rng.standard_exponential(w.shape) / w
        out = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(out.reshape(input.shape[:-1] + (num_samples,)).astype(np.int64),
                        False, None)


# --- in-place fills: uniform_ / normal_ / random_ / exponential_ / bernoulli_ / copy_ -------


def _fill(t: Tensor, name: str, values: Any) -> Tensor:
    return t._inplace(ops.SetItem, values, index=Ellipsis, _name=name)


def _from(kw: dict, default: Any) -> Any:
    """torch's ``from`` argument (a Python keyword: only ``**{"from": 2}`` can pass it)."""
    extra = set(kw) - {"from"}
    if extra:
        raise TypeError(f"unexpected keyword argument {sorted(extra)[0]!r}")
    return kw.get("from", default)


@method
def uniform_(self: Tensor, *args: Any, to: float = 1.0, generator: Any = None,
             **kw: Any) -> Tensor:
    """Fill in place with uniform samples in [from, to): ``x.uniform_(from=0, to=1)``.

    Args:
        from, to: the range (from <= to), positionally or by name. generator: a numpy
            Generator.

    Shape: unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.zeros(3).uniform_(2, 3)
        >>> bool(((x >= 2) & (x < 3)).all())
        True
    """
    lo = args[0] if args else _from(kw, 0.0)
    hi = args[1] if len(args) > 1 else to
    _float_only("uniform_", self.dtype)
    if lo > hi:
        raise RuntimeError(f"uniform_: expects to return a [from, to) range, but found "
                           f"from={lo} > to={hi}")
    values = _rng(generator).uniform(lo, hi, self.shape)
    return _fill(self, "uniform_", _below(values, hi, self.dtype) if lo < hi else values)


@method
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Fill in place with normal samples, mean + std * z.

    Args:
        mean: default 0. std: default 1, >= 0. generator: a numpy Generator.

    Shape: unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2).normal_(5.0, 0.0)
        tensor([5., 5.])
    """
    _float_only("normal_", self.dtype)
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
    return _fill(self, "normal_", mean + std * _rng(generator).standard_normal(self.shape))


_RANDOM_TOP = {"f": {2: 2 ** 11, 4: 2 ** 24, 8: 2 ** 53}, "b": {1: 2}}


@method
def random_(self: Tensor, *args: Any, to: int | None = None, generator: Any = None,
            **kw: Any) -> Tensor:
    """Fill in place with uniform random integers in [from, to): ``x.random_(to)``,
    ``x.random_(from, to)``; with no bounds, [0, 2**mantissa] for floats (every integer
    exactly representable, as torch), [0, max] for integers, 0/1 for bools.

    Args:
        from, to: the range, positionally or by name. generator: a numpy Generator.

    Shape: unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> set(ta.zeros(20).random_(2).tolist()) <= {0.0, 1.0}
        True
    """
    lo, hi = 0, to
    if len(args) == 1 and to is None and "from" not in kw:
        hi = args[0]
    elif args:
        lo, hi = args[0], (args[1] if len(args) > 1 else to)
    else:
        lo = _from(kw, 0)
    if hi is None:
        kind, size = self.dtype.kind, self.dtype.itemsize
        hi = _RANDOM_TOP[kind][size] + (kind == "f") if kind in "fb" else \
            int(np.iinfo(self.dtype).max)
    return _fill(self, "random_", _integers("random_", int(lo), int(hi), self.shape,
                                            self.dtype, generator))


@method
def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill in place with exponential samples of rate ``lambd``: density lambd e^(-lambd x).

    Args:
        lambd: the rate, > 0. generator: a numpy Generator.

    Shape: unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> bool((ta.zeros(5).exponential_(2.0) >= 0).all())
        True
    """
    _float_only("exponential_", self.dtype, RuntimeError)
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, "exponential_", _rng(generator).exponential(1 / lambd, self.shape))


@method
def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill in place with 0/1 samples, 1 with probability p (a number, or a tensor of
    probabilities that broadcasts to this one).

    Args:
        p: in [0, 1]. generator: a numpy Generator.

    Shape: unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(3).bernoulli_(1.0)
        tensor([1., 1., 1.])
    """
    prob = p._array if isinstance(p, Tensor) else p
    if not np.all((np.asarray(prob) >= 0) & (np.asarray(prob) <= 1)):
        raise RuntimeError(f"bernoulli_: expects p to be in [0, 1], but got p={prob}")
    u = _rng(generator).random(self.shape)
    return _fill(self, "bernoulli_", (u < prob).astype(self.dtype))


@method
def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy src's values into this tensor in place (src broadcast to its shape and cast to
    its dtype); differentiable: the gradient flows to src, summed back over the broadcast
    dims, and this tensor's old values get none.

    Args:
        src: a tensor whose shape broadcasts to this one's. non_blocking: ignored (CPU).

    Shape: unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 2).copy_(ta.tensor([1.0, 2.0]))
        tensor([[1., 2.],
                [1., 2.]])
    """
    src = _tensor_arg("copy_", src, "src")
    try:
        fits = np.broadcast_shapes(src.shape, self.shape) == self.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"copy_: the source of shape {src.shape} does not broadcast to the "
                           f"destination's shape {self.shape}")
    if src.dtype != self.dtype and self.dtype.kind == "f" and src.dtype.kind == "f":
        src = src.astype(self.dtype)  # differentiable, so the gradient returns in src's dtype
    elif src.dtype != self.dtype:
        src = Tensor._make(src._array.astype(self.dtype), False, None)
    return self._inplace(ops.SetItem, src, index=Ellipsis, _name="copy_")


# --- torch's older factories: scalar_tensor, range (these join ta. from __init__.py) ----------

def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None, layout: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, in the default float dtype unless ``dtype``
    says otherwise (``scalar_tensor(1)`` and ``scalar_tensor(True)`` are ``tensor(1.)``)."""
    _torch_keywords("scalar_tensor", device, layout, pin_memory)
    if isinstance(s, Tensor) and not s.ndim:
        s = s.item()  # a 0-d tensor stands for its number, as in torch
    if not isinstance(s, (int, float, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not {type(s).__name__}")
    return _full((), s, dtype=_dtype(dtype, dtypes.get_default_dtype()),
                 requires_grad=requires_grad)


def range(start: Any = 0, end: Any = None, step: Any = 1, *, out: Any = None,
          dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """torch's deprecated ``range``: start, start + step, ... up to ``end`` *included*
    (``arange`` excludes it), in the default float dtype unless ``dtype`` says otherwise;
    it warns, as torch's, to use ``arange``."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    _torch_keywords("range", device, layout)
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"range: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    count = int((end - start) // step) + 1
    values = start + np.arange(count, dtype=np.float64) * step
    made = Tensor._make(values.astype(_dtype(dtype, dtypes.get_default_dtype())),
                        bool(requires_grad), None)
    return _into("range", out, made, dtype)
