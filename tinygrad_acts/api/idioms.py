"""The small PyTorch idioms a first script reaches for, each as torch spells it:

- comparisons as functions and methods, with their in-place forms: ``ta.gt(a, b)``,
  ``a.lt(b)``, ``a.ge_(b)`` (the bool result is written back in a's dtype);
- logical ops (no gradient, bool results): ``logical_not / and / or / xor`` and their
  in-place forms;
- division with ``rounding_mode`` (``ta.div``; "trunc" and "floor" have zero gradient, as
  torch), ``true_divide``;
- ``new_zeros / new_ones / new_empty / new_full / new_tensor`` (this tensor's dtype by
  default), ``.type()`` (torch's type string, or a cast), ``.mT / .mH / .H``;
- layout queries on the ndarray underneath: ``stride()`` (in elements), ``is_contiguous()``,
  ``storage_offset()``, ``element_size()``, ``nbytes``, ``itemsize``;
- ``ta.Size`` (torch.Size, from ``size.py``), ``ta.inference_mode`` (no_grad
  as torch's inference mode: context manager and decorator) and
  ``ta.is_inference_mode_enabled()``;
- the in-place forms of the elementwise ops (``sqrt_``, ``exp_``, ``clamp_min_`` ...):
  ``x.sqrt_()`` writes ``x.sqrt()`` into x through the engine's in-place path, so the version
  counter and the gradient behave as for ``copy_``.
"""
from __future__ import annotations

import operator
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import autograd, dtypes, ops, views
from ..creation import laid_out, relaid
from ..size import Size  # ta.Size, torch.Size
from ..tensor import (
    Tensor,
    _as_array,
    _check_sub,
    _new,
    _NoGradViewTensor,
    _operand,
    _scaled,
    _size_arg,
    _tensor_arg,
    check_device,
    is_dtype_name,
)
from . import factories, method

__all__ = ["Size", "inference_mode", "is_inference_mode_enabled", "gt", "ge", "lt", "le",
           "ne", "eq", "greater", "greater_equal", "less", "less_equal", "not_equal",
           "logical_not", "logical_and", "logical_or", "logical_xor", "div", "divide",
           "true_divide", "add", "sub", "mul", "pow", "clone"]
# (more of torch's functions, which join ta. from __init__.py: rsub, detach, is_complex,
# typename, chain_matmul)


# --- comparisons: gt / ge / lt / le / ne / eq, functions and methods --------------------------

def _comparison(name: str, fn: Any) -> Any:
    def compare(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
        x = _tensor_arg(name, input, "input")
        return _into(name, out, fn(x, _compared(name, x, other)))
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (f"``ta.{name}(a, b)`` is ``a.{name}(b)``: the elementwise comparison, "
                       "a bool tensor with no gradient (b a tensor that broadcasts, or a "
                       "number; a Python int meets an integer tensor wrapped into its dtype, "
                       "as torch: a uint8 tensor's ``lt(-1)`` compares with 255). ``out=``: "
                       "written into that tensor.")
    return compare


#: what torch's comparisons and divisions take as ``other`` besides a tensor
_NUMBERS = (bool, int, float, np.bool_, np.integer, np.floating)


def _compared(who: str, x: Tensor, other: Any) -> Any:
    """``other`` as torch's comparison sees it next to ``x``: a tensor or a number (a list,
    None or an ndarray is a TypeError), a Python int wrapped into x's integer dtype."""
    if isinstance(other, Tensor):
        return other
    if not isinstance(other, _NUMBERS):
        raise TypeError(f"{who}(): expected other to be a Tensor or a number, got "
                        f"{type(other).__name__} (input of shape {x.shape})")
    return _wrapped(x, other)


def _wrapped(x: Tensor, number: Any) -> Any:
    """A Python int next to an integer tensor, as that dtype holds it (torch converts the
    number first: -1 with uint8 is 255); any other number unchanged."""
    if isinstance(number, (int, np.integer)) and not isinstance(number, (bool, np.bool_)) \
            and x.dtype.kind in "iu":
        return dtypes.wrap_int(int(number), x.dtype)
    return number


def _into(who: str, out: Tensor | None, result: Tensor, *inputs: Any) -> Tensor:
    """torch's ``out=``: ``result`` written into ``out`` (same shape; its dtype must hold the
    result: no float into an integer tensor, only bool into a bool one), which is returned.
    No gradient flows through out=, so an input that requires grad is refused, as torch."""
    if out is None:
        return result
    if _tracked(*inputs):
        raise RuntimeError(f"{who}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    if isinstance(out, Tensor) and not _castable(result.dtype, out.dtype):
        raise RuntimeError(f"{who}: result type {_scalar_name(result.dtype)} can't be cast to "
                           f"the desired output type {_scalar_name(out.dtype)}")
    return factories._into(who, out, result)


def _castable(source: np.dtype, target: np.dtype) -> bool:
    """torch's rule for writing a result into an existing tensor: no float into an integer
    or bool, no number but a bool into a bool."""
    return not ((source.kind == "f" and target.kind != "f")
                or (source.kind != "b" and target.kind == "b"))


gt, ge, lt, le, ne, eq = (method(_comparison(n, f)) for n, f in (
    ("gt", operator.gt), ("ge", operator.ge), ("lt", operator.lt), ("le", operator.le),
    ("ne", operator.ne), ("eq", operator.eq)))
# torch's long names are the same functions, methods too
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
for _long, _fn in (("greater", gt), ("greater_equal", ge), ("less", lt),
                   ("less_equal", le), ("not_equal", ne)):
    setattr(Tensor, _long, _fn)


# --- logical ops: logical_not / logical_and / logical_or / logical_xor ------------------------

def _truth(x: Any) -> np.ndarray:
    return np.asarray(x._array if isinstance(x, Tensor) else x).astype(bool)


@method
def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """NOT of each element's truth (nonzero is True), as a bool tensor; no gradient.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logical_not(ta.tensor([0.0, 2.0]))
        tensor([ True, False])
    """
    # NOTE: numpy hands back 0-d results as scalars; a Tensor holds an ndarray
    result = Tensor._make(np.asarray(~_truth(_tensor_arg("logical_not", input, "input"))),
                          False, None)
    return _into("logical_not", out, result)


def _logical(name: str, fn: Any) -> Any:
    def logical(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
        # NOTE: torch's other must be a tensor too (a number is a TypeError)
        a, b = _truth(_tensor_arg(name, input, "input")), _truth(_tensor_arg(name, other))
        try:
            result = Tensor._make(np.asarray(fn(a, b)), False, None)
        except ValueError:
            raise RuntimeError(f"{name}: the shapes {a.shape} and {b.shape} do not "
                               "broadcast") from None
        return _into(name, out, result)
    logical.__name__ = logical.__qualname__ = name
    logical.__doc__ = (f"``{name}(a, b)``: the elementwise {name[8:].upper()} of a's and b's "
                       "truth (nonzero is True), a bool tensor; no gradient. ``out=``: "
                       "written into that tensor.")
    return logical


logical_and, logical_or, logical_xor = (method(_logical(n, f)) for n, f in (
    ("logical_and", np.logical_and), ("logical_or", np.logical_or),
    ("logical_xor", np.logical_xor)))


# --- division: div(rounding_mode=) / divide / true_divide -------------------------------------

@method
def div(input: Any, other: Any, *, rounding_mode: str | None = None,
        out: Tensor | None = None) -> Tensor:
    """input / other; ``rounding_mode`` "trunc" rounds toward zero, "floor" down (both with
    a zero gradient, as torch), None is true division.

    Args:
        input, other: tensors or numbers (at least one a tensor); they broadcast.
        rounding_mode: None, "trunc" or "floor". Integer inputs keep their dtype when
            rounded (a Python int is first wrapped into it, as torch: int8 by 1000 divides
            by -24); true division gives the default float dtype.
        out: write the result into this tensor (its dtype must hold it: a true quotient
            never goes into an integer tensor).

    Shape: the broadcast of both.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.div(ta.tensor([-7, 7]), 2, rounding_mode="trunc")
        tensor([-3,  3])
    """
    if rounding_mode not in (None, "trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or "
                         f"'floor' but found '{rounding_mode}'")
    a = input if isinstance(input, Tensor) else _number_tensor(input, other, rounding_mode)
    if rounding_mode is None:
        return _into("div", out, a / other, a, other)
    if not isinstance(other, Tensor):
        other = _wrapped(a, _compared("div", a, other))
    with autograd.no_grad():
        result = _floor(a, other) if rounding_mode == "floor" else _trunc(a, other)
    tracked = [t for t in (a, other) if isinstance(t, Tensor) and t.requires_grad]
    if out is not None or not tracked or not autograd.is_recording():
        return _into("div", out, result, a, other)
    return ops.DependsOn.apply(result, *tracked)  # NOTE: a rounded quotient has zero gradient


def _floor(a: Tensor, other: Any) -> Tensor:
    return a // other


def _trunc(a: Tensor, other: Any) -> Tensor:
    q = a / other
    if q.dtype.kind == "f" and dtypes.result_type(a, other).kind == "f":
        return q.trunc()
    floor = a // other  # an integer quotient: floor, then toward zero where the signs differ
    exact = (floor * other)._array == a._array
    return Tensor._make(np.where((q._array < 0) & ~exact, floor._array + 1, floor._array),
                        False, None)


def _number_tensor(value: Any, other: Any, rounding_mode: str | None) -> Tensor:
    """A number on the left of a division as a 0-d tensor (other must be a tensor), in the
    dtype it stands for as a weak scalar (7.5 with an int64 tensor: the default float; a
    rounded int with an int8 tensor: wrapped into int8, as torch)."""
    _tensor_arg("div", other, "other")
    dtype = dtypes.result_type(value, other)
    if rounding_mode is not None:
        value = _wrapped(Tensor._make(np.zeros((), dtype), False, None), value)
    return Tensor._make(np.asarray(value, dtype), False, None)


divide = div


def true_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input / other, true division (``div`` without rounding)."""
    return div(input, other, out=out)


Tensor.divide = div  # type: ignore[attr-defined]
Tensor.true_divide = true_divide  # type: ignore[attr-defined]


# --- new_* factories: this tensor's dtype by default ------------------------------------------

def _like(self: Tensor, arr: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    check_device(device)
    return _new(arr.astype(self.dtype if dtype is None else np.dtype(dtype), copy=False),
                requires_grad)


@method
def new_zeros(self: Tensor, *args: Any, size: Any = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, layout: Any = None,
              pin_memory: bool = False) -> Tensor:
    """Zeros of ``size``, in this tensor's dtype unless ``dtype`` is given.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1, 2]).new_zeros(2, 2).dtype
        dtype('int64')
    """
    _layout("new_zeros", layout, pin_memory)
    return _like(self, np.zeros(_size_arg("new_zeros", args, "size", size)), dtype, device,
                 requires_grad)


@method
def new_ones(self: Tensor, *args: Any, size: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, layout: Any = None,
             pin_memory: bool = False) -> Tensor:
    """Ones of ``size``, in this tensor's dtype unless ``dtype`` is given."""
    _layout("new_ones", layout, pin_memory)
    return _like(self, np.ones(_size_arg("new_ones", args, "size", size)), dtype, device,
                 requires_grad)


@method
def new_empty(self: Tensor, *args: Any, size: Any = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, layout: Any = None,
              pin_memory: bool = False) -> Tensor:
    """A tensor of ``size`` in this tensor's dtype (zeros here: never uninitialised memory)."""
    _layout("new_empty", layout, pin_memory)
    return _like(self, np.zeros(_size_arg("new_empty", args, "size", size)), dtype, device,
                 requires_grad)


@method
def new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False, layout: Any = None,
             pin_memory: bool = False) -> Tensor:
    """``size`` filled with ``fill_value``, cast to this tensor's dtype (3.5 in an int64
    tensor's new_full is 3, as torch)."""
    _layout("new_full", layout, pin_memory)
    shape = _size_arg("new_full", (size,), "size")
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    dt = self.dtype if dtype is None else np.dtype(dtype)
    value = dtypes.fill_value(value, dt)  # checked, as torch's: 300 is no uint8
    return _like(self, np.full(shape, value, dt), dtype, device, requires_grad)


@method
def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, layout: Any = None,
               pin_memory: bool = False) -> Tensor:
    """A copy of ``data`` as a new leaf, in this tensor's dtype unless ``dtype`` is given
    (converted straight from the exact values: a float64 tensor's ``new_tensor(1/3)`` is
    1/3 in float64, never rounded through float32 on the way).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(1, dtype=ta.float64).new_tensor(1 / 3).item() == 1 / 3
        True
    """
    _layout("new_tensor", layout, pin_memory)
    target = self.dtype if dtype is None else np.dtype(dtype)
    arr = np.array(_as_array(data, target), copy=True)
    return _like(self, arr, dtype, device, requires_grad)


@method
def new(self: Tensor, *args: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """torch's legacy constructor in this tensor's dtype: no argument, an empty tensor;
    ints (or a ``Size``), zeros of that size (torch leaves them uninitialised); a list or
    tuple, a copy of that data (``x.new((2, 3))`` holds 2 and 3). A Tensor is refused, as
    torch's (use ``new_tensor`` or ``clone``)."""
    check_device(device)
    target = self.dtype if dtype is None else np.dtype(dtype)
    if any(isinstance(a, Tensor) for a in args):
        raise TypeError(f"new(): a Tensor argument is not accepted (got "
                        f"{[type(a).__name__ for a in args]}); use x.new_tensor(t) or "
                        "t.clone()")
    if not args:
        return Tensor._make(np.zeros(0, target), False, None)
    if len(args) == 1 and not isinstance(args[0], Size) and isinstance(
            args[0], (list, tuple, np.ndarray)):
        return Tensor._make(np.array(_as_array(args[0], target), copy=True), False, None)
    return Tensor._make(np.zeros(_size_arg("new", args, "size", None), target), False, None)


@method
def data_ptr(self: Tensor) -> int:
    """The address of this tensor's first element (0 for an empty tensor), as torch's: a
    view at offset 0 has its base's address."""
    return 0 if self._array.size == 0 else int(self._array.__array_interface__["data"][0])


@method
def is_same_size(self: Tensor, other: Tensor) -> bool:
    """Whether ``other`` has this tensor's shape."""
    return self.shape == _tensor_arg("is_same_size", other, "other").shape


def _resized(self: Tensor, who: str, shape: tuple) -> Tensor:
    """This tensor, given ``shape`` in place: the same memory when the element count
    stays (and the memory is contiguous), else a new array keeping the first elements
    (the new ones are 0; torch leaves them uninitialised)."""
    if self.requires_grad:
        raise RuntimeError(f"{who}: cannot resize variables that require grad (shape "
                           f"{self.shape})")
    n = int(np.prod(shape, dtype=np.int64))
    if n == self._array.size and self._array.flags.c_contiguous:
        self._data = self._array.reshape(shape)
    else:
        flat = np.zeros(n, self._array.dtype)
        keep = min(n, self._array.size)
        flat[:keep] = self._array.reshape(-1)[:keep]
        self._data = flat.reshape(shape)
    self._counter[0] += 1
    return self


@method
def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """This tensor with the size ``sizes``, in place (see ``resize_as_``)."""
    return _resized(self, "resize_", _size_arg("resize_", sizes, "size", None))


@method
def resize_as_(self: Tensor, the_template: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor with ``the_template``'s size, in place: the same memory if the number
    of elements is unchanged, else new memory keeping the first elements. A tensor that
    requires grad is refused, as in torch."""
    return _resized(self, "resize_as_",
                    tuple(_tensor_arg("resize_as_", the_template, "the_template").shape))


_SHARED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


@method
def share_memory_(self: Tensor) -> Tensor:
    """Mark this tensor as shared (torch moves it to shared memory for multiprocessing;
    here it stays where it is) and return it; ``is_shared()`` then says True."""
    _SHARED[id(self)] = self
    return self


@method
def is_shared(self: Tensor) -> bool:
    """Whether ``share_memory_()`` was called on this tensor."""
    return _SHARED.get(id(self)) is self


@method
def pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """Pinned memory needs an accelerator: refused here, as torch refuses it without one."""
    raise RuntimeError("pin_memory: Cannot access accelerator device when none is available "
                       "(tinygrad_acts runs on the CPU only)")


@method
def is_pinned(self: Tensor, device: Any = None) -> bool:
    """Never pinned (CPU only)."""
    return False


def _layout(who: str, layout: Any, pin_memory: bool) -> None:
    """torch's layout / pin_memory keywords: the defaults (strided, unpinned) only."""
    if layout is not None and str(layout) not in ("strided", "torch.strided"):
        raise RuntimeError(f"{who}: layout {layout} is not supported (dense strided "
                           "tensors only)")
    if pin_memory:
        raise RuntimeError(f"{who}: pin_memory=True needs CUDA; tinygrad_acts runs on the "
                           "CPU only")


# --- .type(), .mT / .mH / .H ------------------------------------------------------------------

#: torch's legacy type names for each dtype (``x.type()`` returns "torch.FloatTensor")
TYPE_NAMES = {np.dtype(k): v for k, v in (
    ("float32", "FloatTensor"), ("float64", "DoubleTensor"), ("float16", "HalfTensor"),
    ("int64", "LongTensor"), ("int32", "IntTensor"), ("int16", "ShortTensor"),
    ("int8", "CharTensor"), ("uint8", "ByteTensor"), ("bool", "BoolTensor"))}


@method(name="type")
def type_(self: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """No argument: torch's type string (``'torch.FloatTensor'``). With a dtype or a type
    string: this tensor cast to it (itself when it already has it).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2).type(), ta.zeros(2).type(ta.int64).dtype
        ('torch.FloatTensor', dtype('int64'))
    """
    if dtype is None:
        return "torch." + TYPE_NAMES.get(self.dtype, self.dtype.name)
    if isinstance(dtype, str) and dtype.rpartition(".")[2] in TYPE_NAMES.values():
        name = dtype.rpartition(".")[2]
        dtype = next(k for k, v in TYPE_NAMES.items() if v == name)
    return self.to(dtype)


def _mT(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return self.transpose(-2, -1)


def _H(self: Tensor) -> Tensor:
    if self.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor. For batches of matrices, consider using "
                           "tensor.mH")
    return self if self.ndim == 0 else self.transpose(0, 1)


# (real tensors only: the conjugate transpose is the transpose)
Tensor.mT = property(_mT, doc="The transpose of the last two dims (a batch of matrices).")  # type: ignore[attr-defined]
Tensor.mH = property(_mT, doc="The conjugate transpose of the last two dims (= mT, real).")  # type: ignore[attr-defined]
Tensor.H = property(_H, doc="The conjugate transpose of a matrix (= T for real 2-D).")  # type: ignore[attr-defined]


# --- layout: stride / is_contiguous / storage_offset / element_size / nbytes / itemsize -------

@method
def stride(self: Tensor, dim: int | None = None) -> Any:
    """The step in elements between neighbours along each dim (of the ndarray underneath;
    a flipped view has negative ones, where torch's flip copies).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 3).stride(), ta.zeros(2, 3).T.stride()
        ((3, 1), (1, 3))
    """
    a = self._array
    if not a.size or (a.base is None and a.flags.c_contiguous):
        backwards, step = [], 1  # NOTE: a new tensor's: a dim of size 0 or 1 still steps
        for n in reversed(a.shape):  # over the dims after it, as in torch
            backwards.append(step)
            step *= max(n, 1)
        steps = list(reversed(backwards))
    else:  # a view, or a result in its input's layout: numpy's steps...
        steps = [s // a.itemsize for s in a.strides]
        for d in reversed(range(a.ndim)):  # ...but over a new dim of size 1 (x[None], an
            if a.shape[d] == 1 and not steps[d]:  # expand's), torch's unsqueeze step
                steps[d] = steps[d + 1] * a.shape[d + 1] if d + 1 < a.ndim else 1
    return tuple(steps) if dim is None else steps[dim]


@method
def is_contiguous(self: Tensor, memory_format: Any = None) -> bool:
    """True when the elements lie in row-major (C) order with no gaps."""
    return bool(self._array.flags.c_contiguous)


@method
def storage_offset(self: Tensor) -> int:
    """Where this tensor starts in the memory it views, in elements (0 for its own)."""
    root = self._array
    while isinstance(root.base, np.ndarray):
        root = root.base
    offset = self._array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return offset // self._array.itemsize


@method
def element_size(self: Tensor) -> int:
    """Bytes per element (4 for float32)."""
    return self._array.itemsize


Tensor.nbytes = property(lambda self: self._array.nbytes, doc="Bytes of all elements.")  # type: ignore[attr-defined]
Tensor.itemsize = property(lambda self: self._array.itemsize, doc="Bytes per element.")  # type: ignore[attr-defined]


# --- in-place forms: x.sqrt_() writes x.sqrt() into x ----------------------------------------

#: the ops whose torch in-place form is ``<name>_``: the result is computed as by the method,
#: then written into this tensor (its shape and dtype must hold it, as torch's rule)
INPLACE = (
    "abs", "absolute", "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "clamp_max",
    "clamp_min", "clip", "cos", "cosh", "deg2rad", "erf", "exp", "exp2", "expm1", "fix",
    "floor", "floor_divide", "fmod", "frac", "hypot", "lerp", "log", "log10", "log1p",
    "log2", "nan_to_num", "neg", "negative", "pow", "rad2deg", "reciprocal", "remainder",
    "round", "rsqrt", "sign", "sin", "sinc", "sinh", "sqrt", "square", "tan", "trunc",
    "xlogy", "cumsum", "cumprod", "eq", "ne", "lt", "le", "gt", "ge", "logical_not",
    "logical_and", "logical_or", "logical_xor", "greater", "greater_equal", "less",
    "less_equal", "not_equal", "divide", "true_divide",
)


_COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                "less_equal", "not_equal")


def _scalar_name(dtype: np.dtype) -> str:
    """torch's scalar type name (Float, Long, Bool ...) for a dtype."""
    return TYPE_NAMES.get(dtype, dtype.name).removesuffix("Tensor")


def _refused_inplace(who: str, self: Tensor, args: tuple, kwargs: dict) -> None:
    """What torch refuses of an in-place form before computing anything: ``out=`` (no
    in-place op takes it), a ``dtype=`` other than this tensor's, a cumulative op on a bool
    tensor, and an operand that partially overlaps this tensor's memory."""
    if "out" in kwargs:
        raise TypeError(f"{who}() got an unexpected keyword argument 'out'")
    dtype = kwargs.get("dtype")
    if dtype is not None and np.dtype(dtype) != self.dtype:
        raise RuntimeError(f"{who}: Bad in-place call: input tensor dtype {self.dtype} and "
                           f"output tensor dtype {np.dtype(dtype)} should match (shape "
                           f"{self.shape})")
    if who in ("cumsum_", "cumprod_") and self.dtype == np.bool_:
        raise NotImplementedError(f"{who}: not implemented for bool tensors (shape "
                                  f"{self.shape}), as in torch")
    views.check_overlap(who, self._array, (*args, *kwargs.values()))


def _inplace_form(name: str) -> Any:
    def inplace(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _refused_inplace(name + "_", self, args, kwargs)
        # NOTE: a graph's rule may save this tensor's old values (sin saves x, pow_(w) saves
        # x for w's gradient): whenever any input requires grad, compute on a clone, so the
        # in-place write does not change what the rule saved (torch does the same)
        source = self.clone() if _tracked(self, *args, *kwargs.values()) else self
        out = getattr(source, name)(*args, **kwargs)
        if out.shape != self.shape:
            raise RuntimeError(f"{name}_: output with shape {self.shape} doesn't match the "
                               f"broadcast shape {out.shape}")
        if out.dtype != self.dtype and out.dtype != np.bool_ and not np.can_cast(
                out.dtype, self.dtype, "same_kind"):
            raise RuntimeError(f"{name}_: result type {_scalar_name(out.dtype)} can't be cast "
                               f"to the desired output type {_scalar_name(self.dtype)}")
        out = out.astype(self.dtype)
        if name.startswith("logical_"):  # NOTE: torch's autograd never sees these: the
            with autograd.no_grad():  # values change, the graph (a leaf's too) does not
                return self._inplace(ops.SetItem, out, index=Ellipsis, _name=name + "_")
        tracked = [t for t in (self, *args) if isinstance(t, Tensor) and t.requires_grad]
        if name in _COMPARISONS and tracked and autograd.is_recording():
            # NOTE: as torch, a comparison written back is in the graph (zero gradient) when
            # an input requires grad, even into an integer or bool tensor
            out = ops.DependsOn.apply(out, *tracked)
        return self._inplace(ops.SetItem, out, index=Ellipsis, _name=name + "_")
    inplace.__name__ = inplace.__qualname__ = name + "_"
    inplace.__doc__ = f"In place: ``x.{name}_(...)`` writes ``x.{name}(...)`` into x."
    return inplace


def _tracked(*inputs: Any) -> bool:
    """Whether an op on ``inputs`` records a graph (grad mode on, a tensor requires grad)."""
    return autograd.is_recording() and any(
        isinstance(x, Tensor) and x.requires_grad for x in inputs)


def _bind_inplace() -> None:
    for name in INPLACE:
        if not hasattr(Tensor, name + "_"):
            method(_inplace_form(name))


_bind_inplace()


# --- inference_mode (ta.Size is size.py's) ------------------------------------------------------

def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (in this thread)."""
    return autograd._state.inference


class inference_mode:
    """torch.inference_mode: no graph is recorded inside (as ``no_grad``), and
    ``is_inference_mode_enabled()`` says so. ``inference_mode(False)`` leaves inference
    mode and turns grad mode on, as torch's (inside ``no_grad()`` too); both are restored on
    exit. A context manager and a decorator (bare or called), thread-local as grad mode is.

    Inference mode wins over grad mode: ``enable_grad()`` or ``set_grad_enabled(True)``
    inside records nothing (the engine reads the thread's inference flag), as in torch,
    although ``is_grad_enabled()`` then answers True, as torch's does.

    NOTE: torch also marks the tensors made inside as inference tensors, which later
    refuse autograd; here they are ordinary tensors that do not require grad.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.ones(2, requires_grad=True)
        >>> with ta.inference_mode():
        ...     (w * 2).requires_grad, ta.is_inference_mode_enabled()
        (False, True)
    """

    mode: bool
    _prev: tuple[bool, bool, bool]

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):  # @inference_mode, bare
            self.mode = True
            return self(mode)
        self.mode = bool(mode)
        return self

    def __enter__(self) -> None:
        state = autograd._state
        self._prev = (state.inference, state.grad_mode, state.grad_enabled)
        state.inference = self.mode
        state.grad_mode = state.grad_enabled = not self.mode

    def __exit__(self, *exc: Any) -> None:
        state = autograd._state
        state.inference, state.grad_mode, state.grad_enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        return autograd.in_mode(fn, lambda mode=self.mode: inference_mode(mode))


# --- queries: nelement / is_floating_point / is_complex / get_device / is_cuda / is_cpu -------

@method
def nelement(self: Tensor) -> int:
    """The number of elements (torch's older name for ``numel()``)."""
    return self._array.size


@method
def is_floating_point(self: Tensor) -> bool:
    """Whether the dtype is a floating-point one (float16 / float32 / float64)."""
    return self._array.dtype.kind == "f"


@method
def is_complex(self: Tensor) -> bool:
    """Whether the dtype is complex: never here (tensors hold float, int or bool); also
    ``ta.is_complex(x)``."""
    return _tensor_arg("is_complex", self, "input")._array.dtype.kind == "c"


def detach(input: Tensor) -> Tensor:
    """``ta.detach(x)`` is ``x.detach()``: the same memory, out of the graph."""
    return _tensor_arg("detach", input, "input").detach()


def typename(obj: Any) -> str:
    """torch's name of an object's type: ``'torch.FloatTensor'`` for a float32 tensor (as
    ``x.type()``), else the class's qualified name (``'int'``, ``'torch.nn...Linear'`` is
    this package's module path here)."""
    if isinstance(obj, Tensor):
        return type_(obj)
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of the matrices, left to right (torch's deprecated name for
    ``linalg.multi_dot``, which takes a list); one matrix is returned as a copy."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two "
                  "or more tensors rather than multiple parameters.", UserWarning,
                  stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if _tensor_arg("chain_matmul", m, "matrices").ndim != 2:
            raise RuntimeError(f"chain_matmul(): Expected 2-d tensors, got shapes "
                               f"{[tuple(t.shape) for t in matrices]}")
    out = matrices[0]
    for m in matrices[1:]:
        out = out @ m
    return out.clone() if len(matrices) == 1 else out


@method
def get_device(self: Tensor) -> int:
    """The CUDA device index, -1 for a CPU tensor (always, here), as torch."""
    return -1


Tensor.is_cuda = property(lambda self: False, doc="False: tensors live on the CPU.")  # type: ignore[attr-defined]
Tensor.is_cpu = property(lambda self: True, doc="True: tensors live on the CPU.")  # type: ignore[attr-defined]


@method(name="__format__")
def format_(self: Tensor, spec: str) -> str:
    """``f"{t:.4f}"``, as torch: a 0-d tensor formats as its number (``f"{loss}"`` is the
    number's text, not the repr), any other (and a subclass's, a Parameter's) as an object:
    its ``str`` for an empty spec, a TypeError for any other spec.

    Example:
        >>> import tinygrad_acts as ta
        >>> f"{ta.tensor(0.25):.3f} {ta.tensor(3)}"
        '0.250 3'
    """
    if self._array.ndim == 0 and type(self) in _PLAIN:
        return self._array.item().__format__(spec)
    return object.__format__(self, spec)


#: the classes torch formats as a number when 0-d: the Tensor and the engine's own marks
_PLAIN = (Tensor, views.MultiOutputView, _NoGradViewTensor)


# --- function forms: ta.add / sub / mul / pow / clone ------------------------------------------

def _either(who: str, a: Any, b: Any) -> None:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        _tensor_arg(who, a, "input")


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other``: tensors or numbers (not both numbers), broadcast, with
    torch's result dtype; ``out=``: written into that tensor (no gradient through it).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.api.idioms import add
        >>> add(ta.tensor([1.0, 2.0]), 1, alpha=2)
        tensor([3., 4.])
    """
    _either("add", input, other)
    return _into("add", out, input + _alpha_times(input, other, alpha), input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``, as ``add``."""
    _either("sub", input, other)
    _check_sub(_operand(input), _operand(other))  # (before alpha turns a bool into an int)
    return _into("sub", out, input - _alpha_times(input, other, alpha), input, other)


def _alpha_times(input: Any, other: Any, alpha: Any) -> Any:
    """``alpha * other`` as the methods scale it (an integer result refuses a float alpha)."""
    return other if alpha == 1 else _scaled(input if isinstance(input, Tensor) else other,
                                            other, alpha)


def rsub(input: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``other - alpha * input`` (``sub`` with its operands swapped), as torch's ``rsub``:
    ``input`` must be a Tensor, ``other`` a tensor or a number."""
    return sub(other, _tensor_arg("rsub", input, "input"), alpha=alpha)


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * other``, as ``add``."""
    _either("mul", input, other)
    return _into("mul", out, input * other, input, other)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` (either a number: ``ta.pow(2, x)``), as ``add``."""
    _either("pow", input, exponent)
    return _into("pow", out, input ** exponent, input, exponent)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph (``x.clone()``); torch's ``contiguous_format`` gives
    a row-major copy, any other format the input's layout (preserve_format)."""
    copy = _tensor_arg("clone", input, "input").clone()
    return copy.contiguous() if "contiguous" in str(memory_format) else copy


# --- conversions: to / cpu / cuda / type_as / float / double / ... / contiguous / t ----------

@method
def to(self: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
       non_blocking: bool = False) -> Tensor:
    """``to(dtype)``, ``to("cpu")``, ``to("cpu", dtype)``, ``to(other)`` (its dtype): itself
    when nothing changes (``copy=True``: a copy then), else the cast (in the graph between
    float dtypes). Any device but the CPU is refused."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif (isinstance(a, str) and not is_dtype_name(a)) or type(a).__name__ == "device":
            device = a
        else:
            dtype = a
    check_device(device)
    out = self if dtype is None else self.astype(dtype)
    return out.clone() if copy and out is self else out


@method
def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """Itself: tensors live on the CPU (``memory_format`` is taken, as torch's, which
    returns the tensor itself on the CPU too)."""
    laid_out("cpu", self._array, memory_format)  # checked only (no copy: nothing moves)
    return self


def _converted(self: Tensor, dtype: np.dtype, fmt: Any, who: str) -> Tensor:
    """The cast of ``x.float()`` and friends: itself when the dtype already matches (torch
    ignores the format then), else a new tensor in ``fmt`` (default preserve_format)."""
    if dtype == self._array.dtype:
        if fmt is not None:
            laid_out(who, self._array, fmt)  # checked, as torch's (channels_last of 2-d)
        return self
    return relaid(who, self.astype(dtype), fmt)


@method
def cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Refused: there is no CUDA device here (a RuntimeError, as torch's without one)."""
    return check_device("cuda")


@method
def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to ``other``'s dtype."""
    return self.astype(_tensor_arg("type_as", other).dtype)


@method(name="float")
def float_(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.float()`` is ``x.to(float32)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is float32 already)."""
    return _converted(self, np.dtype(np.float32), memory_format, "float")


@method(name="double")
def double(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.double()`` is ``x.to(float64)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is float64 already)."""
    return _converted(self, np.dtype(np.float64), memory_format, "double")


@method(name="half")
def half(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.half()`` is ``x.to(float16)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is float16 already)."""
    return _converted(self, np.dtype(np.float16), memory_format, "half")


@method(name="long")
def long(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.long()`` is ``x.to(int64)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is int64 already)."""
    return _converted(self, np.dtype(np.int64), memory_format, "long")


@method(name="int")
def int_(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.int()`` is ``x.to(int32)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is int32 already)."""
    return _converted(self, np.dtype(np.int32), memory_format, "int")


@method(name="short")
def short(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.short()`` is ``x.to(int16)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is int16 already)."""
    return _converted(self, np.dtype(np.int16), memory_format, "short")


@method(name="bool")
def bool_(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.bool()`` is ``x.to(bool)`` (a new tensor in ``memory_format``, by default
    its layout, unless it is bool already)."""
    return _converted(self, np.dtype(np.bool_), memory_format, "bool")


@method
def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """Itself if its memory is C-contiguous, else a row-major copy (in the graph);
    ``memory_format=ta.channels_last`` lays a 4-d tensor out as N, H, W, C instead (and
    ``preserve_format`` keeps its layout), as torch."""
    if "preserve_format" in str(memory_format):
        raise RuntimeError("contiguous: preserve memory format is unsupported by the "
                           "contiguous operator (as torch's)")
    if memory_format is not None and "contiguous_format" not in str(memory_format):
        return relaid("contiguous", self, memory_format)
    if self._array.flags.c_contiguous:
        return self
    if not self.requires_grad:
        return Tensor._make(np.ascontiguousarray(self._array), False, None)
    out = self.clone()  # NOTE: in the layout it had; row-major now (AddBackward saves none)
    out._array = np.ascontiguousarray(out._array)
    return out


@method
def t(self: Tensor) -> Tensor:
    """The transpose of a tensor of at most 2 dims (as torch's ``t()``)."""
    if self.ndim > 2:
        raise RuntimeError(f"t: expects a tensor of at most 2 dims, got shape "
                           f"{self.shape}; use transpose(dim0, dim1)")
    return self.T
