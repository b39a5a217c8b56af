"""The step compiler: ``step = ta.compile(train_step)`` records the array work of one call
and replays it on new inputs, with no Tensors, graph nodes or Python glue in between.

What one call of a training step does, seen from numpy, is a fixed list of array operations:
each op's forward, each op's backward (in the engine's order), the sums of gradients that
meet, the accumulation into each ``.grad``, the optimizer's update. Everything else the
eager step runs is bookkeeping that only has to happen once: making Tensors and nodes,
checking shapes and dtypes, promoting types, ordering the backward on a heap, checking
versions. A recording keeps the list (the ``Function`` classes' own ``forward`` and
``backward``, so the replay computes exactly what the eager step computes, bit for bit) and
drops the bookkeeping.

How a recording is made (nothing in the engine changes: for the length of one call, and in
the recording thread only, the points the engine already has are wrapped):

- ``Function.apply`` / ``Function.run``: one *forward* step per op, its inputs named by
  *slot* (a position in the replay's list of arrays), its parameters kept;
- ``run_backward``: each node's ``backward`` becomes one *backward* step; where gradients
  meet, a *sum* step (into a preallocated buffer); each leaf gets an *accumulate* step that
  does what the engine does with ``.grad`` (set it, or add in place);
- ``Optimizer.step`` / ``zero_grad`` and ``Module.zero_grad`` are replayed by calling them
  (they read the current ``lr``, so schedulers keep working; plain SGD as a lean loop with
  the same arithmetic, see _plain_sgd);
- ``Tensor._inplace`` outside a graph (``p -= lr * p.grad`` under ``no_grad``): an in-place
  step;
- the package's random generator: each draw is a *random* step, redrawn on every replay,
  and numpy arithmetic on a draw (Dropout's mask) is followed through an ndarray subclass;
- ``item()``, ``bool()``, ``tolist()``, ``.data``, ``numpy()``, ``np.asarray(t)``:
  Python reading values (numpy's work on what it read is recorded too, see _Traced; so are
  the normalizations' statistics, which ``api/norm.py`` computes with numpy on ``x._array``);
  ``t.data`` is a Tensor on the same slot.

Guards. A replay is only valid for the call it was recorded from. The cache key is each
argument's kind, shape, dtype and ``requires_grad`` (numbers by value), the grad mode and
the default dtype. Before each replay, the world around the step is checked (_World): the
tensors it found outside its arguments (shape, dtype, ``requires_grad``, no new hook), the
modules it called or can reach (their parameters, buffers and submodules by identity, their
hooks, their number and string attributes such as ``training`` and ``Dropout.p``), the
optimizers (param groups and their parameters), and the globals and closure cells its code
names. A value Python read is a *read number*: returning or storing it costs nothing, a
comparison is a guard on the outcome (``if loss.item() > 1:``), a conversion to a plain
number (``float()``, ``math.isfinite``, ``np.clip``) a guard on the exact value. The step is
recorded twice (the first two calls run eagerly) and the two recordings must agree (else it
records again, and after four tries stays eager): an array that numpy made from the data in
a way the recording cannot follow differs between the two calls, and such a step runs
eagerly, with a ``CompileWarning`` naming the op that received it. So does any op the
recording cannot follow (in-place ops inside the graph, hooks, ``create_graph``,
``ta.grad``): it runs eagerly, never wrongly. docs/compile.md lists what stays unguarded.

Example:
    >>> import numpy as np
    >>> import tinygrad_acts as ta
    >>> _ = ta.manual_seed(0)
    >>> model = ta.nn.Linear(3, 2)
    >>> opt = ta.optim.SGD(model.parameters(), lr=0.1)
    >>> @ta.compile
    ... def train_step(x, y):
    ...     opt.zero_grad()
    ...     loss = ta.nn.functional.cross_entropy(model(x), y)
    ...     loss.backward()
    ...     opt.step()
    ...     return loss.item()
    >>> x, y = ta.randn(4, 3), ta.tensor([0, 1, 1, 0])
    >>> losses = [train_step(x, y) for _ in range(4)]   # two recordings, then replays
    >>> train_step.stats()["replays"]
    2
"""
from __future__ import annotations

import functools
import importlib
import itertools
import math
import numbers
import operator
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd, dtypes
from .autograd import Function
from .nn import utils as _nn_utils
from .nn.module import Module
from .nn.utils import clip_grad as _clip_grad
from .optim.optimizer import Optimizer
from .optim.optimizer import add_scaled_ as _add_scaled
from .optim.sgd import SGD as _SGD
from .tensor import Tensor

__all__ = ["compile", "CompiledStep", "CompileWarning"]

# NOTE: the package exports a function named ``tensor``, which hides the module of that name
_tensor_module = importlib.import_module(".tensor", __package__)

_ndarray = np.ndarray
_make = Tensor._make


class CompileWarning(UserWarning):
    """A compiled step (or one of its calls) runs eagerly; the message says why."""


class _Unsupported(Exception):
    """Raised inside a recording for what it cannot follow (the message names the op)."""


class _GuardFailed(Exception):
    """A value the recording read differs in this replay."""


# --- arrays followed through numpy: random draws, and tensor data read by Python ----------

class _Traced(np.ndarray):
    """An array whose slot the recording knows: a random draw, a tensor's array that code
    outside the engine read (``t._array``, ``t.numpy()``), or numpy's work on one of those.

    Numpy's calls on it (ufuncs and their methods, numpy functions, indexing, the common
    methods below) are recorded as steps and give traced results; reading it into Python
    is a guard (``item()`` gives a read number, as ``Tensor.item``); writing into it is a
    recorded step. Any other way of making an array from it leaves the result without a
    slot: an op or a read that meets such an array makes the step run eagerly."""

    _slot: int | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self._slot = None

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None:
            return getattr(ufunc, method)(*_unwrapped(inputs), **_unwrapped(kwargs))
        return rec.numpy_call((ufunc, method), inputs, kwargs, f"numpy.{ufunc.__name__}")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None:
            return func(*_unwrapped(args), **_unwrapped(kwargs))
        return rec.numpy_call(func, args, kwargs, f"numpy.{func.__name__}")

    def _read_into_python(self, how: str) -> Any:
        """A conversion to Python: a guard on the value it gives (bool: the branch)."""
        value = _READERS[how](self.view(_ndarray))
        rec = _recorder()
        if rec is not None:
            slot = rec.traced_slot(self, f"{how}() of an array")
            if slot is not None:
                rec.guard(_Read(slot, how), value, f"{how}() of an array")
        return value

    def __float__(self) -> float:
        return self._read_into_python("float")

    def __int__(self) -> int:
        return self._read_into_python("int")

    def __index__(self) -> int:
        return self._read_into_python("index")

    def __complex__(self) -> complex:
        return self._read_into_python("complex")

    def __bool__(self) -> bool:  # a branch: the guard is on the outcome, as a comparison
        return self._read_into_python("bool")

    def __hash__(self) -> int:  # type: ignore[override]
        raise TypeError("unhashable type: 'numpy.ndarray'")

    def tolist(self) -> Any:
        return self._read_into_python("tolist")

    def tobytes(self, order: Any = "C") -> bytes:
        self._read_into_python("tolist")
        return self.view(_ndarray).tobytes(order)

    def item(self, *args: Any) -> Any:
        """A read number (as ``Tensor.item``); with an index, a guard on the whole value."""
        plain = self.view(_ndarray)
        rec = _recorder()
        if rec is None:
            return plain.item(*args)
        if args:
            self._read_into_python("tolist")
            return plain.item(*args)
        slot = rec.traced_slot(self, "item()")
        value = plain.item()
        return value if slot is None else _tag(value, _Read(slot, "item"), rec)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __reduce__(self) -> Any:
        self._read_into_python("tolist")
        return self.view(_ndarray).__reduce__()


def _traced_method(name: str) -> Callable:
    method = getattr(_ndarray, name)

    def call(self: _Traced, *args: Any, **kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None:
            return method(self.view(_ndarray), *_unwrapped(args), **_unwrapped(kwargs))
        return rec.numpy_call(method, (self, *args), kwargs, f"ndarray.{name}")

    call.__name__ = name
    return call


# NOTE: numpy's methods that read or write values without a ufunc or a numpy function;
# each is recorded as one step (``__setitem__``, ``fill``, ``sort``, ``put`` write in place)
_TRACED_METHODS = ("__getitem__", "__setitem__", "copy", "astype", "reshape", "ravel",
                   "flatten", "transpose", "squeeze", "swapaxes", "sum", "mean",
                   "max", "min", "std", "var", "prod", "any", "all", "argmax", "argmin",
                   "argsort", "clip", "round", "cumsum", "cumprod", "dot", "nonzero",
                   "fill", "sort", "put", "take", "repeat", "diagonal", "trace",
                   "__copy__", "__deepcopy__")
_WRITING = frozenset({"__setitem__", "fill", "sort", "put", "copyto", "place", "putmask",
                      "fill_diagonal", "put_along_axis"})
for _name in _TRACED_METHODS:
    setattr(_Traced, _name, _traced_method(_name))
_Traced.T = property(lambda self: self.transpose())  # type: ignore[assignment]


def _unwrapped(x: Any) -> Any:
    """Arguments as numpy sees them outside a recording: plain arrays and numbers."""
    if type(x) is _Traced:
        return x.view(_ndarray)
    if isinstance(x, _ReadNumber):
        return x.value
    if type(x) in (tuple, list):
        return type(x)(_unwrapped(y) for y in x)
    if type(x) is dict:
        return {k: _unwrapped(y) for k, y in x.items()}
    return x


class _RecordingGenerator:
    """Stands in for the package's generator during a recording: each draw is recorded as
    a random step (redrawn from the real generator on every replay) and returned traced."""

    def __init__(self, real: np.random.Generator, rec: _Recorder):
        self._real, self._rec = real, rec

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._real, name)
        rec = _recorder()
        if rec is not self._rec:  # the engine's own draws (inside an op) replay themselves
            return attr
        if not callable(attr):
            rec.fail(f"the random generator's {name} was read or set inside the step "
                     "(ta.manual_seed?)")
            return attr

        def draw(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if _recorder() is not rec:
                return result
            if type(result) is not _ndarray:
                rec.fail(f"a random draw ({name}) returned a Python number")
                return result
            out = rec.new_slot(result)
            rec.add(_Rec("random", (name, args, tuple(sorted(kwargs.items()))), [], (out,)))
            return _traced(result, out)

        return draw


def _traced(array: np.ndarray, slot: int) -> _Traced:
    traced = array.view(_Traced)
    traced._slot = slot
    return traced


# --- values Python read ------------------------------------------------------------------

class _Read:
    """A value Python read from a slot (``how``: item / bool / tolist / float / ...), then
    maybe computed with (``chain``: the number methods applied, with their arguments; an
    argument may be another read), so the replay can compute it again from its arrays."""

    __slots__ = ("slot", "how", "chain")

    def __init__(self, slot: int, how: str, chain: tuple = ()):
        self.slot, self.how, self.chain = slot, how, chain

    def evaluate(self, v: list) -> Any:
        value = _READERS[self.how](v[self.slot])
        for name, args in self.chain:
            value = getattr(value, name)(*[a.evaluate(v) if type(a) is _Read else a
                                           for a in args])
        return value

    def then(self, name: str, args: tuple) -> _Read:
        return _Read(self.slot, self.how, (*self.chain, (name, args)))

    def slots(self) -> set[int]:
        out = {self.slot}
        for _, args in self.chain:
            for a in args:
                if type(a) is _Read:
                    out |= a.slots()
        return out

    def key(self) -> tuple:
        return (self.slot, self.how, tuple(
            (name, tuple(a.key() if type(a) is _Read else a for a in args))
            for name, args in self.chain))


class _ReadNumber:
    """A number Python read from a tensor during a recording (``loss.item()``).

    It is *not* a float or int subclass, so that nothing reads it without asking: storing,
    printing or returning it costs nothing; arithmetic gives another read number (its
    recipe grows, so the replay computes it again); a comparison or ``bool()`` is a guard
    on the outcome (the replay checks it takes the same path); a conversion to a plain
    number (``float()``, ``int()``, ``math.isfinite``, ``np.asarray``, an index, a hash,
    any other attribute) is a guard on the exact value. Outside its recording it acts as
    the plain number it holds."""

    __slots__ = ("value", "read", "rec")

    def __init__(self, value: Any, read: _Read, rec: _Recorder):
        self.value, self.read, self.rec = value, read, rec

    def _mine(self) -> _Recorder | None:
        """The recording this number belongs to, if it is running (else: a plain number)."""
        rec = _recorder()
        if rec is None:
            return None
        if rec is not self.rec:
            rec.fail("Python used a value read from a tensor in an earlier call (state "
                     "kept between calls is not replayed)")
            return None
        return rec

    def _convert(self, how: Callable, label: str, *args: Any) -> Any:
        rec = self._mine()
        if rec is not None:
            rec.guard(self.read, self.value, label)
        return how(self.value, *args)

    def __float__(self) -> float:
        return self._convert(float, "float()")

    def __int__(self) -> int:
        return self._convert(int, "int()")

    def __complex__(self) -> complex:
        return self._convert(complex, "complex()")

    def __index__(self) -> int:
        return self._convert(operator.index, "an index")

    def __hash__(self) -> int:
        return self._convert(hash, "hash()")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._convert(lambda v: np.array(v, dtype=dtype), "numpy")

    def __bool__(self) -> bool:
        rec = self._mine()
        result = bool(self.value)
        if rec is not None:
            rec.guard(self.read.then("__bool__", ()), result, "bool()")
        return result

    def __getattr__(self, name: str) -> Any:  # is_integer(), real, hex(): the exact value
        if name.startswith("__"):
            raise AttributeError(name)
        return self._convert(getattr, f".{name}", name)

    def __repr__(self) -> str:  # NOTE: printing is not a guard (a branch on a string is
        return repr(self.value)  # not seen: documented)

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __reduce__(self) -> Any:  # pickle, copy: the plain number
        return (type(self.value), (self._convert(lambda v: v, "pickle/copy"),))


class _ReadFloat(_ReadNumber):
    __slots__ = ()


class _ReadInt(_ReadNumber):
    __slots__ = ()


numbers.Real.register(_ReadFloat)
numbers.Integral.register(_ReadInt)

_NUMBER_TYPES = (bool, int, float, complex, np.bool_, np.integer, np.floating,
                 np.complexfloating)
_COMPARISONS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
_ARITHMETIC = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
               "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
               "__rmod__", "__divmod__", "__pow__", "__rpow__", "__neg__", "__abs__",
               "__pos__", "__round__", "__trunc__", "__floor__", "__ceil__", "__and__",
               "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__lshift__",
               "__rshift__", "__invert__")


def _tag(value: Any, read: _Read, rec: _Recorder) -> Any:
    """``value`` as a read number (a float, int or bool; numpy's too), else as it is."""
    if isinstance(value, (bool, int, np.bool_, np.integer)):
        return _ReadInt(value, read, rec)
    if isinstance(value, (float, np.floating)):
        return _ReadFloat(value, read, rec)
    return value


def _number_method(name: str) -> Callable:
    compare = name in _COMPARISONS

    def use(self: _ReadNumber, *args: Any) -> Any:
        plain = [a.value if isinstance(a, _ReadNumber) else a for a in args]
        if not all(isinstance(a, _NUMBER_TYPES) or (a is None and name == "__round__")
                   for a in plain):
            return NotImplemented  # a Tensor, an array: their own reflected method decides
        method = getattr(self.value, name, None)
        result = NotImplemented if method is None else method(*plain)
        rec = self._mine()
        if rec is None or result is NotImplemented:
            return result
        recipe = tuple(a.read if isinstance(a, _ReadNumber) and a._mine() is rec else p
                       for a, p in zip(args, plain))
        read = self.read.then(name, recipe)
        if compare:
            rec.guard(read, result, "a comparison")
            return result
        if type(result) is tuple:  # divmod
            rec.guard(read, result, "divmod()")
            return result
        return _tag(result, read, rec)

    use.__name__ = name
    return use


for _name in _COMPARISONS + _ARITHMETIC:
    setattr(_ReadNumber, _name, _number_method(_name))


class _CarriedFloat(float):
    """A read number handed to the tensor glue (``x * loss.item()``): a float there, and
    the op that receives it records a step that computes it again."""

    read: _Read


class _CarriedInt(int):
    read: _Read


def _carried(x: _ReadNumber) -> Any:
    value = x.value
    if isinstance(value, (bool, np.bool_)):
        return value  # NOTE: no bool subclass exists; a bool operand is guarded exactly
    out = (_CarriedFloat if isinstance(value, (float, np.floating)) else _CarriedInt)(value)
    out.read = x.read
    return out


_READERS: dict[str, Callable] = {
    "item": lambda a: a.item(), "bool": lambda a: bool(a), "tolist": lambda a: a.tolist(),
    "index": lambda a: operator.index(a), "float": lambda a: float(a),
    "int": lambda a: int(a), "complex": lambda a: complex(a), "value": lambda a: a,
    "numpy": lambda a: a,
}


def _same_value(a: Any, b: Any) -> bool:
    """Equal, with nan equal to nan and arrays compared whole (dtype and shape too);
    tensors, modules and other objects by identity."""
    if a is b:
        return True
    if isinstance(a, _ndarray) or isinstance(b, _ndarray):
        return (isinstance(a, _ndarray) and isinstance(b, _ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and bool(np.array_equal(
                    a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)) and \
            math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, _NUMBER_TYPES) and isinstance(b, _NUMBER_TYPES):
        return type(a) is type(b) and bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, (str, bytes, slice, type(Ellipsis), np.dtype, type, _Ref)):
        return bool(a == b)
    return False  # tensors, modules, functions, other objects: the same object only


# --- the recording -----------------------------------------------------------------------

class _Ref:
    """A slot inside an op's parameters or a numpy call's arguments (an array, a number)."""

    __slots__ = ("slot",)

    def __init__(self, slot: int):
        self.slot = slot

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.slot == self.slot

    __hash__ = None  # type: ignore[assignment]


class _TensorRef(_Ref):
    """A slot whose array the replay hands on as a Tensor (a method's ``self``)."""

    __slots__ = ()


class _Rec:
    """One recorded step: its kind, what is fixed about it (``key``: the op class and its
    parameters), the slots it reads and the slots it writes. Two recordings of the same
    step have equal records; the replay builds one small function from each."""

    __slots__ = ("kind", "key", "ins", "outs", "extra")

    def __init__(self, kind: str, key: tuple, ins: list, outs: tuple, extra: Any = None):
        self.kind, self.key, self.ins, self.outs, self.extra = kind, key, ins, outs, extra

    def same(self, other: _Rec) -> bool:
        return (self.kind == other.kind and self.ins == other.ins and self.outs == other.outs
                and self._same_extra(other) and len(self.key) == len(other.key)
                and all(a is b or _same_value(a, b) for a, b in zip(self.key, other.key)))

    def _same_extra(self, other: _Rec) -> bool:
        a, b = self.extra, other.extra
        if self.kind == "sum":
            # NOTE: "fresh" (the sum became a .grad) or into a buffer may differ between
            # the two calls (.grad None or set): both replay exactly, because a buffer that
            # becomes a .grad is copied first (see _owned); sparse or dense may not differ
            return (a == "sparse") == (b == "sparse")
        if type(a) is _Read:
            return type(b) is _Read and a.key() == b.key()
        return _same_value(a, b)

    def label(self) -> str:
        head = self.key[0] if self.key else self.kind
        if type(head) is tuple:  # a ufunc's method
            head = head[0]
        if isinstance(head, Tensor):
            return f"the .grad of a tensor of shape {head.shape}"
        return getattr(head, "__name__", type(head).__name__)


class _Recorder:
    """The state of one recording: the steps, the slots and what each one holds."""

    def __init__(self, args: tuple, kwargs: dict):
        self.thread = threading.get_ident()
        self.depth = 0           # > 0 inside the engine, an optimizer, a replayed call
        self.in_backward = False
        self.steps: list[_Rec] = []
        self.values: list[Any] = []      # slot -> its array (or object) in this recording
        self.kinds: list[str] = []       # slot -> "in", "step" or "ext"
        self.by_array: dict[int, int] = {}
        self.by_tensor: dict[int, tuple[int, Any]] = {}
        self.nodes: dict[int, int] = {}  # id(node) -> index of its forward step
        self.node_objects: list[Any] = []
        self.contrib: dict[Any, list] = {}   # gradient key -> [(slot, array)] in order
        self.leaf_order: dict[int, Tensor] = {}
        self.sums: list[tuple[int, Any]] = []  # (step index, the engine's sum array)
        self.guards: list[tuple] = []    # (position, read, expected value, what read it)
        self.modules: dict[int, tuple[Module, bool]] = {}
        self.written: set[int] = set()   # ext slots that in-place steps write
        self.initial: dict[int, np.ndarray] = {}  # ext slot -> a copy of its first value
        self.reason: str | None = None
        self.inputs: list[tuple[int, int, int]] = []  # (arg position, array slot, obj slot)
        for pos, x in enumerate(list(args) + list(kwargs.values())):
            if isinstance(x, Tensor):
                obj = self._slot(x, "in")
                arr = self._slot(x._array, "in")
                self.by_array[id(x._array)] = arr
                self.inputs.append((pos, arr, obj))
            elif type(x) is _ndarray:
                arr = self._slot(x, "in")
                self.by_array[id(x)] = arr
                self.inputs.append((pos, arr, -1))

    # slots ------------------------------------------------------------------------------
    def _slot(self, value: Any, kind: str) -> int:
        self.values.append(value)
        self.kinds.append(kind)
        return len(self.values) - 1

    def new_slot(self, array: Any) -> int:
        slot = self._slot(array, "step")
        if isinstance(array, _ndarray):
            self.by_array[id(array)] = slot
        return slot

    def keep(self, obj: Any) -> None:
        """Keep ``obj`` alive for the recording's length (the ids it maps stay unique)."""
        self.values.append(obj)
        self.kinds.append("keep")

    def add(self, rec: _Rec) -> None:
        self.steps.append(rec)

    def fail(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    def external(self, obj: Any) -> int:
        """A slot for something the step did not make from its inputs: a parameter, a
        buffer, a constant made inside the step, a number. Two recordings tell which
        (the same object both times: read afresh at each replay; equal values: a
        constant; else the step depends on data in a way it cannot replay)."""
        slot = self._slot(obj, "ext")
        if isinstance(obj, Tensor):
            self.by_tensor[id(obj)] = (slot, obj._array)
            self.by_array[id(obj._array)] = slot
            self.initial[slot] = np.array(obj._array, copy=True)
        elif isinstance(obj, _ndarray):
            self.by_array[id(obj)] = slot
            self.initial[slot] = np.array(obj, copy=True)
        return slot

    def array_slot(self, a: Any) -> int:
        """The slot of an array (or number) an op or a numpy call receives."""
        if type(a) is _Traced:
            if a._slot is None:
                raise _Unsupported("numpy made an array from tensor data (or a random draw) "
                                   "in a way the recording cannot follow")
            return a._slot
        if isinstance(a, _ndarray):
            slot = self.by_array.get(id(a))
            return self._unknown_array(a) if slot is None else slot
        read = self.number_read(a)
        if read is not None:  # a number computed from a value read: computed again
            out = self._slot(a, "step")
            self.add(_Rec("pyvalue", (read.key(),), sorted(read.slots()), (out,), read))
            return out
        if a is None or isinstance(a, (bool, int, float, complex, np.generic)):
            return self.external(a)
        raise _Unsupported(f"an argument of type {type(a).__name__}")

    def number_read(self, a: Any) -> _Read | None:
        """The recipe of a number read from a tensor in this recording (None: a plain one)."""
        if isinstance(a, _ReadNumber):
            if a.rec is not self:
                raise _Unsupported("a value read from a tensor in an earlier call (Python "
                                   "state kept between calls is not replayed)")
            return a.read
        if type(a) is _CarriedFloat or type(a) is _CarriedInt:
            return a.read
        return None

    def _unknown_array(self, a: np.ndarray) -> int:
        """An array no step made: a constant, unless numpy made it as a view of one that a
        step made (``np.asarray(t.numpy())``: the same array, followed; any other view: not)."""
        base = a.base
        while base is not None:
            slot = base._slot if type(base) is _Traced else self.by_array.get(id(base))
            if slot is not None:
                if (a.shape == base.shape and a.dtype == base.dtype and a.strides ==
                        base.strides and a.ctypes.data == base.ctypes.data):
                    return slot
                raise _Unsupported(f"numpy made a view (shape {a.shape}) of a tensor's array "
                                   "outside the ops")
            base = getattr(base, "base", None)
        return self.external(a)

    def tensor_slot(self, t: Tensor, who: str) -> int:
        """The slot of a Tensor's array (the Tensor's array is made plain if traced)."""
        data = t._array
        if type(data) is _Traced:
            slot = self.array_slot(data)
            t._array = plain = data.view(_ndarray)
            self.by_array[id(plain)] = slot
            self.keep(plain)
            return slot
        found = self.by_array.get(id(data))
        if found is not None:
            return found
        known = self.by_tensor.get(id(t))
        if known is not None and self.kinds[known[0]] == "step":
            return self._changed(t, known[0], who)
        if known is not None:
            raise _Unsupported(f"{who}: a tensor's array was replaced (t._array = ...) "
                               "inside the step")
        if data.base is not None:
            self._unknown_array(data)  # a view of a step's array made by numpy: refused
        return self.external(t)

    def _changed(self, t: Tensor, slot: int, who: str) -> int:
        """A tensor whose array the Python around an op replaced after the op made it:
        followed only for the copy to C order that indexing and cat make."""
        old, new = self.values[slot], t._array
        if (isinstance(old, _ndarray) and new.flags.c_contiguous and not old.flags.c_contiguous
                and old.shape == new.shape and old.dtype == new.dtype
                and np.array_equal(old, new, equal_nan=True)):
            out = self.new_slot(new)
            self.add(_Rec("contiguous", (), [slot], (out,)))
            self.by_tensor[id(t)] = (out, new)
            return out
        raise _Unsupported(f"{who}: an input's array was replaced by numpy code after the "
                           "op that made it")

    def params(self, params: dict, who: str) -> tuple:
        """An op's keyword parameters, with arrays replaced by slot references."""
        return tuple((k, self._param(v, who)) for k, v in params.items())

    def _param(self, v: Any, who: str) -> Any:
        if isinstance(v, Tensor):
            raise _Unsupported(f"{who}: a Tensor among its parameters")
        if isinstance(v, _ndarray) or self.number_read(v) is not None:
            return _Ref(self.array_slot(v))
        if type(v) is tuple or type(v) is list:
            return type(v)(self._param(x, who) for x in v)
        if type(v) is dict:
            return {k: self._param(x, who) for k, x in v.items()}
        return v

    def lookup(self, t: Tensor) -> int | None:
        """The slot of a tensor the step made or read, without making a new one."""
        slot = self.by_array.get(id(t._array))
        if slot is None and id(t) in self.by_tensor:
            slot = self.by_tensor[id(t)][0]
        return slot

    # what Python reads ------------------------------------------------------------------
    def guard(self, read: _Read, expected: Any, what: str) -> None:
        """The replay computes ``read`` again at this point and checks it gives
        ``expected`` (else it records again)."""
        if isinstance(expected, _ndarray):
            expected = np.array(expected, copy=True)
        self.guards.append((len(self.steps), read, expected, what))

    def traced_read(self, t: Tensor, data: np.ndarray, who: str) -> np.ndarray:
        """A tensor's array as code outside the engine gets it: traced (see _Traced)."""
        if type(data) is _Traced or self.reason is not None:
            return data
        try:
            slot = self.lookup(t)
            if slot is None:
                slot = self.tensor_slot(t, who)
        except _Unsupported as e:
            self.fail(f"{who}: {e}")
            return data
        return _traced(data, slot)

    def traced_slot(self, a: _Traced, what: str) -> int | None:
        if a._slot is None:
            self.fail(f"{what}: Python read the values of an array that numpy made from "
                      "tensor data in a way the recording cannot follow")
        return a._slot

    def numpy_call(self, fn: Any, args: Any, kwargs: dict, who: str) -> Any:
        """A numpy function, ufunc (``fn``: (ufunc, method)) or array method on tensor
        data, outside the engine: one step, replayed by calling it again on the replay's
        arrays; its results are traced (arrays) or read numbers."""
        call = getattr(fn[0], fn[1]) if type(fn) is tuple else fn
        plain_args, plain_kwargs = _numpy_arguments(args), _numpy_arguments(kwargs)
        if self.reason is not None:
            return call(*plain_args, **plain_kwargs)
        try:
            spec = self._spec((tuple(args), dict(kwargs)), who)
        except _Unsupported as e:
            self.fail(f"{who}: {e}")
            return call(*plain_args, **plain_kwargs)
        self.depth += 1
        try:
            result = call(*plain_args, **plain_kwargs)
        finally:
            self.depth -= 1
        out = self.new_slot(result)
        name = fn[0].__name__ if type(fn) is tuple else getattr(fn, "__name__", "")
        writes = "out" in kwargs or name in _WRITING
        for slot in _flat(spec):
            if writes and isinstance(slot, _Ref) and self.kinds[slot.slot] == "ext":
                self.written.add(slot.slot)
        self.add(_Rec("numpy", (fn, spec), [], (out,), writes))
        return self._results(result, out)

    def _spec(self, x: Any, who: str, tensors: bool = False) -> Any:
        if isinstance(x, Tensor):
            slot = self.tensor_slot(x, who)
            return _TensorRef(slot) if tensors else _Ref(slot)
        if isinstance(x, _ndarray) or self.number_read(x) is not None:
            return _Ref(self.array_slot(x))
        if type(x) in (tuple, list):
            return type(x)(self._spec(y, who, tensors) for y in x)
        if type(x) is dict:
            return {k: self._spec(y, who, tensors) for k, y in x.items()}
        return x

    def _results(self, result: Any, slot: int) -> Any:
        """A numpy call's result as Python gets it: arrays traced, numbers read."""
        if type(result) is _ndarray:
            return _traced(result, slot)
        if isinstance(result, _NUMBER_TYPES):
            return _tag(result, _Read(slot, "value"), self)
        if type(result) in (tuple, list):
            parts = []
            for i, part in enumerate(result):
                out = self.new_slot(part)
                self.add(_Rec("part", (i,), [slot], (out,)))
                parts.append(self._results(part, out))
            return type(result)(parts) if type(result) is list else tuple(parts)
        return result


def _numpy_arguments(x: Any) -> Any:
    """A numpy call's arguments as numpy gets them: plain arrays and numbers."""
    if isinstance(x, Tensor):
        return _DATA.__get__(x)
    if type(x) is _Traced:
        return x.view(_ndarray)
    if isinstance(x, _ReadNumber):
        return x.value
    if type(x) in (tuple, list):
        return type(x)(_numpy_arguments(y) for y in x)
    if type(x) is dict:
        return {k: _numpy_arguments(y) for k, y in x.items()}
    return x


_DATA = Tensor.__dict__["_array"]  # the array property (the framework's own access)
_recording_lock = threading.Lock()
_active: _Recorder | None = None


def _recorder() -> _Recorder | None:
    """The recording of this thread, outside the engine (None otherwise)."""
    rec = _active
    if rec is None or rec.depth or rec.thread != threading.get_ident():
        return None
    return rec


def _plain(x: Any) -> Any:
    """An argument as the eager op sees it: a plain array, a plain number."""
    kind = type(x)
    if kind is _Traced:
        return x.view(_ndarray)
    if kind is _CarriedFloat:
        return float.__float__(x)
    if kind is _CarriedInt:
        return int.__int__(x)
    if isinstance(x, _ReadNumber):
        return x.value
    return x


# --- the wrappers installed for one recording ------------------------------------------------

def _wrapped_apply(orig: Callable) -> Callable:
    def apply(cls: type, *inputs: Any, **params: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(cls, *inputs, **params)
        who = cls.__name__
        try:
            ins = [rec.tensor_slot(x, who) if isinstance(x, Tensor) else rec.array_slot(x)
                   for x in inputs]
            key = rec.params(params, who)
        except _Unsupported as e:
            rec.fail(f"{who}: {e}")
            return orig(cls, *[_plain(x) for x in inputs], **params)
        inputs = tuple(_plain(x) for x in inputs)
        params = {k: _plain(v) for k, v in params.items()}
        rec.depth += 1
        try:
            out = orig(cls, *inputs, **params)
        finally:
            rec.depth -= 1
        node = out.grad_fn if out.requires_grad else None
        needs = node.needs_input_grad if node is not None else (False,) * len(inputs)
        slot = rec.new_slot(out._array)
        rec.by_tensor[id(out)] = (slot, out._array)
        rec.keep(out)  # keep the tensor alive: ids stay unique
        if node is not None:
            rec.nodes[id(node)] = len(rec.steps)
            rec.node_objects.append(node)
        rec.add(_Rec("forward", (cls, needs, key), ins, (slot,)))
        return out

    return apply


def _wrapped_run(orig: Callable) -> Callable:
    def run(cls: type, *arrays: Any, **params: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(cls, *arrays, **params)
        try:
            ins = [rec.array_slot(a) for a in arrays]
            key = rec.params(params, cls.__name__)
        except _Unsupported as e:
            rec.fail(f"{cls.__name__}: {e}")
            return orig(cls, *[_plain(a) for a in arrays], **params)
        rec.depth += 1
        try:
            out = orig(cls, *[_plain(a) for a in arrays], **params)
        finally:
            rec.depth -= 1
        rec.add(_Rec("forward", (cls, (False,) * len(arrays), key), ins,
                     (rec.new_slot(out),), "run"))
        return out

    return run


def _wrapped_inplace(orig: Callable) -> Callable:
    def _inplace(self: Tensor, op: Any, *args: Any, _name: str = "", **params: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(self, op, *args, _name=_name, **params)
        name = _name or op.__name__.lower() + "_"
        tracked = autograd.is_recording() and (self.requires_grad or any(
            isinstance(a, Tensor) and a.requires_grad for a in args))
        try:
            if tracked:
                raise _Unsupported("an in-place op inside the graph")
            if not self._array.flags.writeable:
                raise _Unsupported("an in-place write into read-only memory")
            target = rec.tensor_slot(self, name)
            ins = [rec.tensor_slot(a, name) if isinstance(a, Tensor) else rec.array_slot(a)
                   for a in args]
            key = rec.params(params, name)
        except _Unsupported as e:
            rec.fail(f"{name}: {e}")
            return orig(self, op, *args, _name=_name, **params)
        if rec.kinds[target] == "ext":
            rec.written.add(target)
        rec.depth += 1
        try:
            out = orig(self, op, *[_plain(a) for a in args], _name=_name, **params)
        finally:
            rec.depth -= 1
        obj = rec.by_tensor.get(id(self), (None, None))[0]
        rec.add(_Rec("inplace", (op, key), [target, *ins], (), obj))
        return out

    return _inplace


def _wrapped_call(orig: Callable, what: str) -> Callable:
    """An optimizer's step / zero_grad or a module's zero_grad: replayed by calling it."""

    @functools.wraps(orig)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(self, *args, **kwargs)
        if what == "step" and (args or kwargs.get("closure") is not None):
            rec.fail(f"{type(self).__name__}.step with a closure")
            return orig(self, *args, **kwargs)
        rec.depth += 1
        try:
            out = orig(self, *args, **kwargs)
        finally:
            rec.depth -= 1
        slot = rec.external(self)
        rec.add(_Rec("call", (orig, args, tuple(sorted(kwargs.items()))), [slot], ()))
        return out

    return call


def _wrapped_module_call(orig: Callable) -> Callable:
    @functools.wraps(orig)
    def __call__(self: Module, *args: Any, **kwargs: Any) -> Any:
        rec = _recorder()
        if rec is not None:
            rec.modules.setdefault(id(self), (self, self.training))
        return orig(self, *args, **kwargs)

    return __call__


def _wrapped_read(orig: Callable, how: str) -> Callable:
    """``item`` (a read number), ``tolist`` and ``bool`` (guards) of a Tensor."""
    def read(self: Tensor, *args: Any) -> Any:
        value = orig(self, *args)
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return value
        slot = rec.lookup(self)
        if slot is None:
            try:
                slot = rec.tensor_slot(self, how)
            except _Unsupported as e:
                rec.fail(str(e))
                return value
        if how == "item":
            return _tag(value, _Read(slot, how), rec)
        rec.guard(_Read(slot, how), value, f"Tensor.{how}()" if how != "bool" else "bool()")
        return value

    return read


# NOTE: the modules whose reads of ``.data`` are the engine's own (they compute through ops,
# or read shapes and dtypes); a read from anywhere else (the user's code, nn.utils) is
# followed as tensor data that Python reads (see _Traced)
_ENGINE_MODULES = ("tinygrad_acts.tensor", "tinygrad_acts.autograd", "tinygrad_acts.ops",
                   "tinygrad_acts.activations", "tinygrad_acts.functional",
                   "tinygrad_acts.dtypes", "tinygrad_acts.compiler", "tinygrad_acts.optim",
                   "tinygrad_acts.api", "tinygrad_acts.linalg", "tinygrad_acts.special",
                   "tinygrad_acts.return_types", "tinygrad_acts.nn.")


# NOTE: these compute with numpy on ``x._array`` outside the ops (the normalizations'
# statistics and running averages, nn.utils' norms): their reads are followed, so the
# statistics become numpy steps of the recording instead of stale constants
_FOLLOWED_MODULES = ("tinygrad_acts.nn.utils", "tinygrad_acts.api.norm")


def _from_engine(depth: int) -> bool:
    name = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return name.startswith(_ENGINE_MODULES) and not name.startswith(_FOLLOWED_MODULES)


class _DataProperty:
    """``t._array`` while recording: code outside the engine gets its array traced."""

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        data = _DATA.__get__(obj, cls)
        rec = _active
        if rec is None or rec.depth or rec.thread != threading.get_ident() or \
                _from_engine(1):
            return data
        return rec.traced_read(obj, data, "Tensor._array")

    def __set__(self, obj: Any, value: Any) -> None:
        if type(value) is _Traced:  # ``t._array -= x`` sets back the array it changed
            try:
                current = _DATA.__get__(obj, type(obj))
            except AttributeError:  # a new tensor's __init__
                current = None
            if isinstance(current, _ndarray) and value.base is current and \
                    value.shape == current.shape and value.strides == current.strides:
                return
        _DATA.__set__(obj, value)


def _wrapped_numpy(orig: Callable) -> Callable:
    def numpy(self: Tensor) -> Any:
        data = orig(self)
        rec = _recorder()
        if rec is None or _from_engine(1):
            return data
        return rec.traced_read(self, data, "Tensor.numpy()")

    return numpy


def _wrapped_array(orig: Callable) -> Callable:
    """``np.asarray(t)``: numpy gets a plain array it can no longer be followed through,
    so the read is a guard on the whole value."""
    def __array__(self: Tensor, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = orig(self, dtype, copy)
        rec = _recorder()
        if rec is not None and rec.reason is None and not _from_engine(1):
            try:
                slot = rec.lookup(self)
                if slot is None:
                    slot = rec.tensor_slot(self, "np.asarray")
            except _Unsupported as e:
                rec.fail(str(e))
                return out
            rec.guard(_Read(slot, "numpy"), _DATA.__get__(self), "np.asarray(tensor)")
        return out

    return __array__


def _wrapped_array_ufunc(orig: Callable) -> Callable:
    """A numpy ufunc that is not an op (``np.isfinite(t)``) computes from the data: a step."""
    def __array_ufunc__(self: Tensor, ufunc: Any, method: str, *inputs: Any,
                        **kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None or (
                method == "__call__" and not kwargs and ufunc in _tensor_module._UFUNCS):
            return orig(self, ufunc, method, *inputs, **kwargs)
        rec.depth += 1
        try:
            out = orig(self, ufunc, method, *inputs, **kwargs)
        finally:
            rec.depth -= 1
        if not isinstance(out, Tensor):
            return out
        try:
            spec = rec._spec((ufunc, *inputs), f"numpy.{ufunc.__name__}")
        except _Unsupported as e:
            rec.fail(f"numpy.{ufunc.__name__}: {e}")
            return out
        slot = rec.new_slot(_DATA.__get__(out))
        rec.by_tensor[id(out)] = (slot, _DATA.__get__(out))
        rec.keep(out)
        rec.add(_Rec("numpy", (_ufunc_as_array, (spec, {})), [], (slot,), False))
        return out

    return __array_ufunc__


def _ufunc_as_array(ufunc: Any, *arrays: Any) -> np.ndarray:
    """What ``Tensor.__array_ufunc__`` computes for a ufunc that is not an op."""
    return np.asarray(ufunc(*arrays))


def _wrapped_array_function(orig: Callable) -> Callable:
    """A numpy function that is not an op (``np.linalg.norm(t)``): a numpy step."""
    def __array_function__(self: Tensor, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None or func in _tensor_module._ARRAY_FUNCTIONS \
                or (func not in _tensor_module._NO_GRADIENT
                    and _tensor_module._any_requires_grad(args, kwargs)):
            return orig(self, func, types, args, kwargs)
        return rec.numpy_call(func, args, kwargs, f"numpy.{func.__name__}")

    return __array_function__


def _wrapped_method(orig: Callable, name: str) -> Callable:
    """A Tensor method that may compute its result with numpy outside the ops (a
    comparison, ``argmax``, ``isfinite``): if it made a tensor no step made, that is one
    step, replayed by calling the method again on the replay's arrays."""
    @functools.wraps(orig)
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(self, *args, **kwargs)
        before = len(rec.steps)
        out = orig(self, *args, **kwargs)
        if rec.reason is not None or _recorder() is not rec:
            return out
        made = [t for t in _flat(out) if isinstance(t, Tensor) and rec.lookup(t) is None]
        if not made:
            return out
        if len(rec.steps) != before or any(t.requires_grad for t in made):
            rec.fail(f"Tensor.{name}: computed part of its result outside the ops")
            return out
        try:
            spec = rec._spec(((self, *args), kwargs), f"Tensor.{name}", tensors=True)
        except _Unsupported as e:
            rec.fail(f"Tensor.{name}: {e}")
            return out
        slot = rec.new_slot(out)
        rec.keep(out)
        rec.add(_Rec("method", (orig, spec), [], (slot,)))
        for t in made:
            path = _path(out, t)
            part = rec.new_slot(_DATA.__get__(t))
            rec.by_tensor[id(t)] = (part, _DATA.__get__(t))
            rec.add(_Rec("part", (path,), [slot], (part,), "tensor"))
        return out

    return method


def _path(out: Any, t: Tensor) -> tuple:
    """Where tensor ``t`` is inside a method's result (a tensor, or a tuple of them)."""
    if out is t:
        return ()
    for i, x in enumerate(out):
        if x is t:
            return (i,)
    raise _Unsupported("a tensor nested deeper in a method's result")


# NOTE: the methods that are not wrapped: reads (wrapped on their own), in-place ones,
# autograd's, and the ones that only read shapes
_NOT_GLUE = frozenset({"item", "tolist", "numpy", "backward", "register_hook", "retain_grad",
                       "requires_grad_", "size", "dim", "numel", "detach", "__len__",
                       "__iter__", "__repr__", "__str__", "__format__", "__bool__",
                       "__float__", "__int__", "__index__", "__array__", "__array_ufunc__",
                       "__array_function__", "__init__", "__new__", "__setitem__",
                       "__hash__", "__reduce__", "__reduce_ex__", "__getstate__",
                       "__setstate__", "__deepcopy__", "__copy__", "__getattr__",
                       "__init_subclass__", "__class_getitem__", "_make"})


def _glue_methods() -> list[tuple[str, Callable]]:
    out: list[tuple[str, Callable]] = []
    for name, value in Tensor.__dict__.items():
        if not isinstance(value, types.FunctionType) or name in _NOT_GLUE:
            continue
        if name.endswith("_") and not name.endswith("__"):
            continue  # in place
        if name.startswith("_") and not name.startswith("__"):
            continue  # the engine's own helpers
        out.append((name, value))
    return out


def _wrapped_operand(orig: Callable) -> Callable:
    """The tensor glue's operand: a read number goes on as a float the op records."""
    def _operand(x: Any) -> Any:
        if isinstance(x, _ReadNumber):
            rec = _recorder()
            if rec is not None and x.rec is rec:
                return _carried(x)
        return orig(x)

    return _operand


def _wrapped_total_norm(orig: Callable) -> Callable:
    """``nn.utils.get_total_norm``: one step over the tensors' arrays, computed again."""
    @functools.wraps(orig)
    def get_total_norm(tensors: Any, norm_type: Any = 2.0, error_if_nonfinite: bool = False,
                       foreach: Any = None) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(tensors, norm_type, error_if_nonfinite, foreach)
        listed = [tensors] if isinstance(tensors, Tensor) else list(tensors)
        try:
            ins = [rec.tensor_slot(t, "get_total_norm") for t in listed]
            if not isinstance(norm_type, (int, float, str)):
                raise _Unsupported(f"a norm_type of type {type(norm_type).__name__}")
        except _Unsupported as e:
            rec.fail(f"get_total_norm: {e}")
            return orig(listed, norm_type, error_if_nonfinite, foreach)
        rec.depth += 1
        try:
            out = orig(listed, norm_type, error_if_nonfinite, foreach)
        finally:
            rec.depth -= 1
        slot = rec.new_slot(_DATA.__get__(out))
        rec.by_tensor[id(out)] = (slot, _DATA.__get__(out))
        rec.keep(out)
        rec.add(_Rec("norm", (orig, norm_type, error_if_nonfinite), ins, (slot,)))
        return out

    return get_total_norm


def _wrapped_clip(orig: Callable) -> Callable:
    """``nn.utils.clip_grads_with_norm_`` (the second half of ``clip_grad_norm_``): one
    step, replayed by calling it on the same parameters with the replayed norm."""
    @functools.wraps(orig)
    def clip_grads_with_norm_(parameters: Any, max_norm: Any, total_norm: Any,
                              foreach: Any = None) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(parameters, max_norm, total_norm, foreach)
        listed = [parameters] if isinstance(parameters, Tensor) else list(parameters)
        try:
            if not isinstance(max_norm, (int, float)):
                raise _Unsupported(f"a max_norm of type {type(max_norm).__name__}")
            norm = rec.tensor_slot(total_norm, "clip_grads_with_norm_") if isinstance(
                total_norm, Tensor) else rec.array_slot(total_norm)
            grads = [rec.tensor_slot(p.grad, "clip_grads_with_norm_") for p in listed
                     if p.grad is not None]
        except _Unsupported as e:
            rec.fail(f"clip_grads_with_norm_: {e}")
            return orig(listed, max_norm, total_norm, foreach)
        rec.depth += 1
        try:
            out = orig(listed, max_norm, total_norm, foreach)
        finally:
            rec.depth -= 1
        rec.add(_Rec("clip", (orig, tuple(listed), max_norm), [norm, *grads], ()))
        return out

    return clip_grads_with_norm_


def _wrapped_backward(orig: Callable) -> Callable:
    def backward(node: Any, g: Any, *saved: Any) -> Any:
        rec = _active
        if rec is None or not rec.in_backward or rec.thread != threading.get_ident() \
                or rec.reason is not None:
            return orig(node, g, *saved)
        try:
            index = rec.nodes.get(id(node))
            if index is None:
                raise _Unsupported(f"backward reaches {node.name}, an op recorded outside "
                                   "the compiled function")
            if node.hooks:
                raise _Unsupported(f"{node.name}: a hook on its gradient")
            g_slot = _gradient_in(rec, ("node", id(node)), g, node.name)
        except _Unsupported as e:
            rec.fail(str(e))
            return orig(node, g, *saved)
        result = orig(node, g, *saved)
        grads = result if type(result) is tuple else (result,)
        outs = []
        for j, (p, pg) in enumerate(zip(node.parents, grads)):
            if p is None or pg is None:
                continue
            if type(pg) is _Indexed:  # a copy: the engine's sums extend the original
                pg = _Indexed(pg.shape, pg.dtype, list(pg.parts))
            slot = rec.new_slot(pg)
            outs.append((j, slot))
            if isinstance(p, Tensor):
                rec.leaf_order.setdefault(id(p), p)
                key: Any = ("leaf", id(p))
            else:
                key = ("node", id(p))
            rec.contrib.setdefault(key, []).append((slot, pg))
        rec.add(_Rec("backward", (index,), [g_slot], tuple(s for _, s in outs),
                     tuple(j for j, _ in outs)))
        return result

    return backward


_Indexed = autograd.IndexedGrad  # an embedding's or an index's sparse gradient


def _add(a: Any, b: Any) -> Any:
    """Two gradients summed as the engine sums them (sparse ones through its IndexedGrad)."""
    if type(a) is _Indexed or type(b) is _Indexed:
        return autograd._add(a, b)
    return a + b


def _gradient_in(rec: _Recorder, key: Any, g: Any, who: str) -> int:
    """The slot of the gradient the engine hands to a node or a leaf: the one that reached
    it, or the sum of those that did, in the engine's order (checked against its sum)."""
    parts = rec.contrib.pop(key, [])
    if not parts:
        raise _Unsupported(f"{who}: a gradient the recording did not see arrive")
    slot, total = parts[0]
    if type(total) is _Indexed:
        total = _Indexed(total.shape, total.dtype, list(total.parts))
    for s, part in parts[1:]:
        sparse = type(total) is _Indexed or type(part) is _Indexed
        total = _add(total, part)
        out = rec.new_slot(total)
        fresh = sparse or key[0] != "node"
        rec.add(_Rec("sum", (), [slot, s], (out,), "sparse" if sparse else
                     "fresh" if fresh else None))
        if not fresh:
            rec.sums.append((len(rec.steps) - 1, g))
        slot = out
    if type(total) is _Indexed:  # the engine makes it dense before a rule or a .grad
        total = total.dense()
        out = rec.new_slot(total)
        rec.add(_Rec("dense", (), [slot], (out,)))
        slot = out
    if key[0] == "node" and total is not g and not _same_value(np.asarray(total),
                                                                np.asarray(g)):
        raise _Unsupported(f"{who}: the engine summed its gradients differently")
    return slot


def _wrapped_run_backward(orig: Callable) -> Callable:
    def run_backward(roots: Any, root_grads: Any, retain_graph: bool, create_graph: bool,
                     capture: Any = None) -> Any:
        rec = _recorder()
        if rec is None or rec.reason is not None:
            return orig(roots, root_grads, retain_graph, create_graph, capture)
        if create_graph or capture is not None or autograd.is_anomaly_enabled():
            rec.fail("ta.grad / create_graph / detect_anomaly (a backward the recording "
                     "does not replay)")
            return orig(roots, root_grads, retain_graph, create_graph, capture)
        try:
            _seed(rec, roots, root_grads)
        except _Unsupported as e:
            rec.fail(str(e))
            return orig(roots, root_grads, retain_graph, create_graph, capture)
        before = _grads_before(rec, roots)
        classes = {type(n) for n in rec.node_objects}
        saved = {cls: cls.__dict__.get("backward") for cls in classes}
        for cls in classes:
            cls.backward = _wrapped_backward(cls.backward)
        rec.depth += 1
        rec.in_backward = True
        try:
            out = orig(roots, root_grads, retain_graph, create_graph, capture)
        finally:
            rec.in_backward = False
            rec.depth -= 1
            for cls, method in saved.items():
                if method is None:
                    del cls.backward
                else:
                    cls.backward = method
        if rec.reason is None:
            try:
                _leaves(rec, before)
            except _Unsupported as e:
                rec.fail(str(e))
        return out

    return run_backward


def _seed(rec: _Recorder, roots: Any, root_grads: Any) -> None:
    for r, g in zip(roots, root_grads):
        if type(g) is not _ndarray:
            raise _Unsupported("backward: a root gradient that is not an array")
        slot = rec.array_slot(g)
        node = r.grad_fn
        if node is None:
            rec.leaf_order.setdefault(id(r), r)
            key: Any = ("leaf", id(r))
        elif id(node) in rec.nodes:
            key = ("node", id(node))
        else:
            raise _Unsupported(f"backward from {node.name}, an op recorded outside the "
                               "compiled function")
        rec.contrib.setdefault(key, []).append((slot, g))


def _grads_before(rec: _Recorder, roots: Any) -> dict[int, Any]:
    """A copy of each leaf's .grad before the backward (to check the replay's sums)."""
    leaves = {id(r): r for r in roots if r.grad_fn is None}
    for node in rec.node_objects:
        for p in node.parents:
            if isinstance(p, Tensor):
                leaves[id(p)] = p
    return {key: (None if t.grad is None else np.array(t.grad._array, copy=True))
            for key, t in leaves.items()}


def _leaves(rec: _Recorder, before: dict[int, Any]) -> None:
    """An accumulate step per leaf, in the engine's order, checked against its .grad."""
    if any(k[0] == "node" for k in rec.contrib):
        raise _Unsupported("backward: an op's gradient was never used (a node the "
                           "recording did not see run)")
    seen = rec._slot(None, "step")
    rec.add(_Rec("seen", (), [], (seen,)))
    for key, leaf in rec.leaf_order.items():
        if leaf._hooks:
            raise _Unsupported("backward: a hook on a leaf's gradient")
        slot = _gradient_in(rec, ("leaf", key), None, "backward")
        total = rec.values[slot]
        old = before.get(key)
        expect = _accumulate_value(old, total, leaf._array.dtype)
        grad = leaf.grad
        if grad is None or grad.requires_grad or not _same_value(
                np.asarray(grad._array), expect):
            raise _Unsupported(f"backward: the gradient of a leaf of shape {leaf.shape} "
                               "differs from the recording's own sum")
        obj = -1
        for _, _, obj_slot in rec.inputs:
            if obj_slot >= 0 and rec.values[obj_slot] is leaf:
                obj = obj_slot
        out = rec.new_slot(grad._array)
        rec.by_tensor[id(grad)] = (out, grad._array)
        rec.add(_Rec("accumulate", (None if obj >= 0 else leaf,), [obj, slot, seen], (out,)))
        for index, engine_sum in rec.sums:
            if engine_sum is not None and np.shares_memory(grad._array, engine_sum):
                rec.steps[index].extra = "fresh"  # it became a .grad: no shared buffer
    rec.leaf_order.clear()
    rec.sums = [s for s in rec.sums if rec.steps[s[0]].extra != "fresh"]


def _accumulate_value(old: Any, g: Any, dtype: np.dtype) -> np.ndarray:
    """What the engine's accumulation leaves in .grad (for the recording's check)."""
    g = np.asarray(g)
    if old is None:
        return g.astype(dtype, copy=False)
    if old.shape == g.shape:
        out = old.copy()
        np.add(out, g, out=out, casting="unsafe")
        return out
    return np.asarray(old + g, dtype=dtype)


class _GradProperty:
    """``t.grad`` while recording: a user's ``p.grad = None`` becomes a step."""

    def __init__(self, slot_descriptor: Any):
        self.descriptor = slot_descriptor

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        return self.descriptor.__get__(obj, cls)

    def __set__(self, obj: Any, value: Any) -> None:
        rec = _recorder()
        try:
            old = self.descriptor.__get__(obj, type(obj))
        except AttributeError:  # a new tensor's __init__
            old = None
        if rec is not None and rec.reason is None and (old is not None or value is not None):
            if value is not None:
                rec.fail("an assignment of a tensor to .grad inside the step")
            else:
                rec.add(_Rec("no_grad", (obj,), [], ()))
        self.descriptor.__set__(obj, value)


def _patches(rec: _Recorder) -> list[tuple[Any, str, Any]]:
    """(owner, name, replacement) for every point a recording wraps."""
    fn_apply = Function.__dict__["apply"].__func__
    fn_run = Function.__dict__["run"].__func__
    out: list[tuple[Any, str, Any]] = [
        (Function, "apply", classmethod(_wrapped_apply(fn_apply))),
        (Function, "run", classmethod(_wrapped_run(fn_run))),
        (autograd, "run_backward", _wrapped_run_backward(autograd.run_backward)),
        (Tensor, "_inplace", _wrapped_inplace(Tensor._inplace)),
        (Tensor, "grad", _GradProperty(Tensor.__dict__["grad"])),
        (Tensor, "_array", _DataProperty()),
        (Tensor, "numpy", _wrapped_numpy(Tensor.numpy)),
        (Tensor, "__array__", _wrapped_array(Tensor.__array__)),
        (Tensor, "__array_ufunc__", _wrapped_array_ufunc(Tensor.__array_ufunc__)),
        (Tensor, "__array_function__", _wrapped_array_function(Tensor.__array_function__)),
        (Module, "__call__", _wrapped_module_call(Module.__call__)),
        (_tensor_module, "_rng", _RecordingGenerator(_tensor_module._rng, rec)),
        (_tensor_module, "_operand", _wrapped_operand(_tensor_module._operand)),
    ]
    for owner in (_clip_grad, _nn_utils):
        out.append((owner, "get_total_norm", _wrapped_total_norm(_clip_grad.get_total_norm)))
        out.append((owner, "clip_grads_with_norm_",
                    _wrapped_clip(_clip_grad.clip_grads_with_norm_)))
    for name, how in (("item", "item"), ("tolist", "tolist"), ("__bool__", "bool")):
        out.append((Tensor, name, _wrapped_read(getattr(Tensor, name), how)))
    for name, method in _glue_methods():
        out.append((Tensor, name, _wrapped_method(method, name)))
    for cls in _subclasses(Optimizer):
        for name in ("step", "zero_grad"):
            if name in cls.__dict__:
                out.append((cls, name, _wrapped_call(cls.__dict__[name], name)))
    for cls in _subclasses(Module):
        if "zero_grad" in cls.__dict__:
            out.append((cls, "zero_grad", _wrapped_call(cls.__dict__["zero_grad"],
                                                        "zero_grad")))
    return out


def _subclasses(cls: type) -> list[type]:
    found, stack = [], [cls]
    while stack:
        c = stack.pop()
        found.append(c)
        stack.extend(c.__subclasses__())
    return found


def _record(fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, _Recorder]:
    """Run ``fn`` eagerly with the recording points wrapped; (its result, the recording)."""
    global _active
    rec = _Recorder(args, kwargs)
    with _recording_lock:
        patches = _patches(rec)
        old = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
        for owner, name, new in patches:
            setattr(owner, name, new)
        _active = rec
        try:
            result = fn(*args, **kwargs)
        finally:
            _active = None
            for owner, name, value in old:
                setattr(owner, name, value)
    if rec.contrib and rec.reason is None:
        rec.fail("backward: gradients that never reached a leaf (an interrupted backward)")
    return result, rec


# --- two recordings make a trace --------------------------------------------------------------

def _template(rec: _Recorder, result: Any) -> Any:
    """What the step returns, as a recipe over slots."""
    if isinstance(result, _ReadNumber) and result.rec is rec:
        return ("read", result.read)
    if isinstance(result, Tensor):
        data = _DATA.__get__(result)
        slot = data._slot if type(data) is _Traced else rec.lookup(result)
        return ("obj", result) if slot is None or rec.kinds[slot] == "ext" else (
            "tensor", slot)
    if type(result) is _Traced and result._slot is not None:
        return ("array", result._slot)
    if type(result) is _ndarray and id(result) in rec.by_array:
        return ("array", rec.by_array[id(result)])
    if type(result) in (tuple, list):
        return ("seq", type(result), [_template(rec, x) for x in result])
    if type(result) is dict:
        return ("dict", list(result), [_template(rec, x) for x in result.values()])
    return ("obj", result)


def _same_template(a: Any, b: Any) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "read":
        return a[1].key() == b[1].key()
    if a[0] in ("seq", "dict"):
        return a[1] == b[1] and len(a[2]) == len(b[2]) and all(
            _same_template(x, y) for x, y in zip(a[2], b[2]))
    return a[1] is b[1] or _same_value(a[1], b[1])


class _Trace:
    """A finished recording: steps, slots, guards, and what the step returns."""

    def __init__(self, rec: _Recorder, result: Any):
        self.rec = rec
        self.template = _template(rec, result)
        self.guards = sorted(_hoisted(rec), key=lambda g: g[0])


# NOTE: steps whose output array nothing later writes into unless a step names it as its
# target: a guard on such a value can be checked right after the step that made it
_STABLE = frozenset({"forward", "pyvalue", "random", "norm", "numpy", "part"})


def _hoisted(rec: _Recorder) -> list[tuple]:
    """The guards, each moved to just after the steps that made the values it reads,
    where that is safe: a guard that fails before anything was written records again
    instead of raising (``if loss.item() > 10: print()`` after ``opt.step()``)."""
    made: dict[int, int] = {}
    written: set[int] = set()
    for i, step in enumerate(rec.steps):
        if step.kind in _STABLE and not (step.kind == "numpy" and step.extra):
            for s in step.outs:
                made[s] = i
        if step.kind == "inplace" or step.kind == "clip":
            written.update(step.ins if step.kind == "inplace" else step.ins[1:])
        elif step.kind == "numpy" and step.extra:
            written.update(r.slot for r in _flat(step.key) if isinstance(r, _Ref))
    out = []
    for position, read, expected, what in rec.guards:
        slots = read.slots()
        if all(s in made and s not in written and getattr(rec.values[s], "base", None)
               is None for s in slots):
            position = min(position, max(made[s] for s in slots) + 1)
        out.append((position, read, expected, what))
    return out


_BRANCHES = ("a comparison", "bool()", "bool() of an array")


def _guards_differ(first: list, later: list) -> str | None:
    if len(first) != len(later):
        return "Python read values at different points in the two recorded calls"
    for g, h in zip(first, later):
        if g[0] != h[0] or g[1].key() != h[1].key():
            return "Python read values at different points in the two recorded calls"
        if not _same_value(g[2], h[2]) and h[3] in _BRANCHES:
            return f"Python took another branch ({h[3]}) in the two recorded calls"
        if not _same_value(g[2], h[2]):
            return (f"{h[3]} of a value read from a tensor: it differs between the two "
                    "recorded calls, and a replay can only check its exact value (return "
                    "loss.item() or the tensor itself, or branch on a comparison)")
    return None


def _difference(a: _Trace, b: _Trace) -> str | None:
    """Why two recordings of one step differ (None if they agree). ``b`` is the later."""
    ra, rb = a.rec, b.rec
    if len(ra.steps) != len(rb.steps) or ra.kinds != rb.kinds:
        return "the two recorded calls ran different ops (a Python branch on data?)"
    for x, y in zip(ra.steps, rb.steps):
        if not x.same(y):
            return f"{y.label()}: the two recorded calls ran it differently"
    why = _guards_differ(a.guards, b.guards)
    if why is not None:
        return why
    for slot, (kind, first, later) in enumerate(zip(rb.kinds, ra.values, rb.values)):
        if kind != "ext" or first is later:
            continue
        # the values they had when the step met them (a constant may be written later)
        first, later = ra.initial.get(slot, first), rb.initial.get(slot, later)
        if not _same_value(first, later):
            return (f"{_consumer(rb, slot)}: an input array (shape {np.shape(later)}) was "
                    "computed "
                    "outside the ops (numpy or Python on the data) and changes from call to "
                    "call, so a recording cannot replay it")
    if not _same_template(a.template, b.template):
        return "the step returns a value computed in Python that changes from call to call"
    return None


def _consumer(rec: _Recorder, slot: int) -> str:
    for step in rec.steps:
        if slot in step.ins or any(isinstance(v, _Ref) and v.slot == slot
                                   for v in _flat(step.key)):
            return step.label()
    return "the step"


def _flat(key: Any) -> list:
    out: list = []
    stack = [key]
    while stack:
        x = stack.pop()
        if type(x) in (tuple, list):
            stack.extend(x)
        elif type(x) is dict:
            stack.extend(x.values())
        else:
            out.append(x)
    return out


# --- guards on the world around the step: modules, optimizers, Python values --------------

_MISSING = object()
#: containers (a dict of settings, a list) larger than this are guarded by identity only
_SMALL = 64


def _scalar(x: Any) -> bool:
    """A value a guard compares by value (else: by identity)."""
    return x is None or type(x) in (bool, int, float, complex, str) or isinstance(
        x, np.generic) or (type(x) is tuple and len(x) <= _SMALL and all(_scalar(y) for y in x))


class _World:
    """What a replay assumes about the objects around the step, checked before each
    replay in one loop over flat entries (cheap: a dict lookup and an ``is`` each):

    - each module the step called, and every module, optimizer and tensor its code can
      reach (its globals and closure cells, and those of the functions they name): the
      identity of each parameter, buffer and submodule, the number of each kind of hook,
      every attribute that holds a number, string or None (``training``, ``Dropout.p``);
    - each optimizer: its param groups and the identity of their parameters;
    - each tensor the step read from outside its arguments: no hook was added;
    - the Python values the code names: a global or closure number by value, a module or
      optimizer by identity, a small dict or list of settings entry by entry.

    ``check()`` returns None, or what changed."""

    def __init__(self, rec: _Recorder, fn: Callable, tensors: list[Tensor]):
        self.entries: list[tuple] = []   # (kind, container, key, expected, label)
        self._seen: set[int] = set()
        self._modules: set[int] = set()
        for module, _ in rec.modules.values():
            self._module(module, type(module).__name__)
        for step in rec.steps:
            if step.kind == "call":
                obj = rec.values[step.ins[0]]
                if isinstance(obj, Optimizer):
                    self._optimizer(obj, type(obj).__name__)
        for t in tensors:
            self.entries.append(("hooks", t, None, None, f"a tensor of shape {t.shape}"))
        self._function(fn, 0)
        self.freeze()

    # what is guarded ------------------------------------------------------------------
    def _value(self, container: Any, key: Any, value: Any, label: str, depth: int) -> None:
        """A guard on ``container[key]`` (a dict entry, a cell, a list item), and on what
        the value holds."""
        self.entries.append(("in", container, key, value, label))
        self._holds(value, label, depth)

    def _holds(self, value: Any, label: str, depth: int) -> None:
        """Guards on what ``value`` holds (a module's parameters, a dict's entries)."""
        if _scalar(value) or id(value) in self._seen or depth > 3:
            return
        self._seen.add(id(value))
        if isinstance(value, Module):
            self._module(value, label)
        elif isinstance(value, Optimizer):
            self._optimizer(value, label)
        elif isinstance(value, Tensor):
            self.entries.append(("hooks", value, None, None, label))
        elif type(value) in (dict, list) and len(value) <= _SMALL:
            self.entries.append(("len", value, None, len(value), label))
            items = value.items() if type(value) is dict else enumerate(value)
            for k, x in items:
                self._value(value, k, x, f"{label}[{k!r}]", depth + 1)
        elif isinstance(value, (types.FunctionType, types.MethodType)):
            self._function(value, depth + 1)
        elif _user_object(value):
            attrs = vars(value)
            if len(attrs) <= _SMALL:
                for k, x in attrs.items():
                    self._value(attrs, k, x, f"{label}.{k}", depth + 1)

    def _module(self, module: Module, label: str) -> None:
        for name, m in module.named_modules():
            if id(m) in self._modules:
                continue
            self._modules.add(id(m))
            self._seen.add(id(m))
            where = f"{label}.{name}" if name else label
            attrs = vars(m)
            self._dict(attrs, {k: x for k, x in attrs.items() if _scalar(x) or isinstance(
                x, (Tensor, Module))}, where)
            for registry in ("_parameters", "_buffers", "_modules"):
                d = attrs[registry]
                self._dict(d, dict(d), where, exact=True)
                for k, x in d.items():
                    if isinstance(x, Tensor):
                        self.entries.append(("hooks", x, None, None, f"{where}.{k}"))
            for hooks in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks",
                          "_backward_pre_hooks"):
                d = attrs[hooks]
                self.entries.append(("len", d, None, len(d), f"{where} ({hooks[1:-1]})"))

    def _dict(self, d: dict, guarded: dict, where: str, exact: bool = False) -> None:
        """One entry for a whole dict: its values are the same objects as now (fast), or
        else each guarded key still holds its value (``exact``: and nothing was added)."""
        self.entries.append(("dict", d, (tuple(d.values()), exact), guarded, where))

    def _optimizer(self, opt: Optimizer, label: str) -> None:
        if id(opt) in self._seen and label != type(opt).__name__:
            return
        self._seen.add(id(opt))
        groups = opt.param_groups
        self.entries.append(("len", groups, None, len(groups), f"{label}.param_groups"))
        for i, group in enumerate(groups):
            self.entries.append(("in", groups, i, group, f"{label}.param_groups[{i}]"))
            params = group["params"]
            self.entries.append(("in", group, "params", params, f"{label} params"))
            self.entries.append(("len", params, None, len(params), f"{label} params"))
            for j, p in enumerate(params):
                self.entries.append(("in", params, j, p, f"{label} parameter {j}"))

    def _function(self, fn: Any, depth: int) -> None:
        """The globals a function names and its closure cells (and theirs, for the user's
        functions they hold: the package's and numpy's are not followed)."""
        if isinstance(fn, types.MethodType):
            owner = fn.__self__
            if _user_object(owner) or isinstance(owner, (Module, Optimizer)):
                self._holds(owner, "self", depth)
            fn = fn.__func__
        if not isinstance(fn, types.FunctionType) or id(fn.__code__) in self._seen or \
                depth > 3 or not _user_function(fn):
            return
        self._seen.add(id(fn.__code__))
        names = _names(fn.__code__)
        glob = fn.__globals__
        for name in names:
            value = glob.get(name, _MISSING)
            if value is _MISSING or isinstance(value, (types.ModuleType, type)) or (
                    callable(value) and not _user_callable(value)):
                continue
            self._value(glob, name, value, name, depth)
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # a cell not filled yet
                continue
            if isinstance(value, (types.ModuleType, type)) or (
                    callable(value) and not _user_callable(value)):
                continue
            self.entries.append(("cell", cell, None, value, name))
            self._holds(value, name, depth)

    # checking ---------------------------------------------------------------------------
    def freeze(self) -> None:
        """Drop repeated entries and lay the rest out for ``check``'s fast path: flat
        lists that a few C-level passes (``map``, ``all``) compare by identity."""
        unique: dict[tuple, tuple] = {}
        for entry in self.entries:
            kind, container, key = entry[:3]
            ident = key if kind in ("in", "len") and _scalar(key) else id(key)
            unique.setdefault((kind, id(container), ident), entry)
        self.entries = list(unique.values())
        by_kind: dict[str, list[tuple]] = {k: [] for k in _CHECKS}
        for entry in self.entries:
            by_kind[entry[0]].append(entry)
        dicts = by_kind["dict"]
        self._sized = [e[1] for e in by_kind["len"]] + [e[1] for e in dicts]
        self._lengths = [e[3] for e in by_kind["len"]] + [len(e[2][0]) for e in dicts]
        self._dicts = [e[1] for e in dicts]
        self._dict_values = [v for e in dicts for v in e[2][0]]
        self._containers = [e[1] for e in by_kind["in"]]
        self._keys = [e[2] for e in by_kind["in"]]
        self._expected = [e[3] for e in by_kind["in"]]
        self._cells = [e[1] for e in by_kind["cell"]]
        self._cell_values = [e[3] for e in by_kind["cell"]]
        self._hooked = [e[1] for e in by_kind["hooks"]]

    def check(self) -> str | None:
        """None if nothing changed, else what did. NOTE: the fast path asks for the very
        same objects everywhere (about 3 µs for an MLP's 60 entries); anything else (a
        number equal but not identical, a new attribute) goes through the entries one by
        one, which compare numbers by value and name what changed."""
        try:
            if (list(map(len, self._sized)) == self._lengths
                    and all(map(operator.is_, itertools.chain.from_iterable(
                        map(dict.values, self._dicts)), self._dict_values))
                    and all(map(operator.is_, map(operator.getitem, self._containers,
                                                  self._keys), self._expected))
                    and all(map(operator.is_, map(_CELL, self._cells), self._cell_values))
                    and not any(map(_HOOKS, self._hooked))):
                return None
        except (LookupError, ValueError, TypeError):  # removed, deleted: named below
            pass
        for kind, container, key, expected, label in self.entries:
            changed = _CHECKS[kind](container, key, expected, label)
            if changed is not None:
                return changed
        return None


_CELL = operator.attrgetter("cell_contents")
_HOOKS = operator.attrgetter("_hooks")


def _check_dict(d: dict, key: tuple, guarded: dict, where: str) -> str | None:
    values, exact = key
    if len(d) == len(values) and all(map(operator.is_, d.values(), values)):
        return None
    return _dict_changed(d, guarded, exact, where)


def _check_in(container: Any, key: Any, expected: Any, label: str) -> str | None:
    try:
        value = container[key]
    except (KeyError, IndexError):
        return f"{label} was removed"
    return _changed_value(value, expected, label)


def _check_cell(cell: Any, key: Any, expected: Any, label: str) -> str | None:
    try:
        value = cell.cell_contents
    except ValueError:
        return f"{label} was deleted"
    return _changed_value(value, expected, label)


def _changed_value(value: Any, expected: Any, label: str) -> str | None:
    if value is expected or (_scalar(value) and _same_value(value, expected)):
        return None
    return f"{label} changed"


_CHECKS: dict[str, Callable] = {
    "dict": _check_dict, "in": _check_in, "cell": _check_cell,
    "len": lambda c, k, n, label: None if len(c) == n else f"{label} changed size",
    "hooks": lambda t, k, e, label: f"a hook was registered on {label}" if t._hooks else None,
}


def _dict_changed(d: dict, guarded: dict, exact: bool, where: str) -> str | None:
    """The slow half of a dict's guard: which guarded key changed (None: none did)."""
    if exact and len(d) != len(guarded):
        return f"{where} changed size"
    for k, x in guarded.items():
        value = d.get(k, _MISSING)
        if value is not x and not (_scalar(value) and _same_value(value, x)):
            return f"{where}.{k} changed"
    return None


def _names(code: types.CodeType) -> set[str]:
    """The global names a code object (and the code nested in it: lambdas,
    comprehensions) can read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _user_function(fn: Any) -> bool:
    module = getattr(fn, "__module__", None) or ""
    return not module.startswith(("tinygrad_acts", "numpy", "builtins", "functools",
                                  "math", "torch"))


def _user_callable(value: Any) -> bool:
    """A callable whose state a guard follows: the user's functions, bound methods of
    modules and of the user's objects, modules and optimizers themselves."""
    if isinstance(value, (Module, Optimizer)):
        return True
    if isinstance(value, types.MethodType):
        return _user_callable(value.__self__) or _user_object(value.__self__)
    return isinstance(value, types.FunctionType) and _user_function(value)


def _user_object(value: Any) -> bool:
    """An instance of a class the user wrote (a config object), not a module or tensor."""
    cls = type(value)
    return hasattr(value, "__dict__") and not isinstance(
        value, (type, types.ModuleType, types.FunctionType, types.MethodType, Tensor,
                Module, Optimizer, np.ndarray)) and _user_function(cls)


def _resolver(spec: Any) -> Callable:
    """A function of the slots that rebuilds ``spec`` with each ``_Ref`` resolved."""
    if not any(isinstance(x, _Ref) for x in _flat(spec)):
        return lambda v: spec

    def resolve(x: Any, v: list) -> Any:
        if type(x) is _Ref:
            return v[x.slot]
        if type(x) is _TensorRef:
            return _make(v[x.slot], False, None)
        if type(x) in (tuple, list):
            return type(x)(resolve(y, v) for y in x)
        if type(x) is dict:
            return {k: resolve(y, v) for k, y in x.items()}
        return x

    if type(spec) is tuple and len(spec) == 2 and type(spec[0]) is tuple and \
            type(spec[1]) is dict and not any(isinstance(x, _Ref) for x in _flat(spec[1])) \
            and all(type(x) is _Ref or not any(isinstance(y, _Ref) for y in _flat(x))
                    for x in spec[0]):
        # NOTE: a call's arguments with arrays only at the top (``draw * scale``): a copy
        # of the fixed list with those set
        fixed, kwargs = list(spec[0]), spec[1]
        refs = tuple((i, x.slot) for i, x in enumerate(spec[0]) if type(x) is _Ref)

        def top(v: list) -> tuple:
            args = fixed.copy()
            for i, slot in refs:
                args[i] = v[slot]
            return args, kwargs
        return top
    return lambda v: resolve(spec, v)


# --- the replay ------------------------------------------------------------------------------

class _Stale(Exception):
    """The recording no longer fits (a guard failed before anything was written)."""


def _unaliased(out: np.ndarray, arrays: list) -> np.ndarray:
    """As the engine: an op that is not a view must not return (a view of) its input."""
    base = out.base
    for a in arrays:
        if type(a) is _ndarray and (out is a or (base is not None and (
                base is a or base is a.base))):
            return out.copy()
    return out


def _getter(slots: list) -> Callable[[list], tuple]:
    """A function of the slot list that gives the arrays in ``slots``, as a tuple (one C
    call: ``operator.itemgetter``)."""
    if not slots:
        return lambda v: ()
    if len(slots) == 1:
        k = slots[0]
        return lambda v: (v[k],)
    return operator.itemgetter(*slots)


def _finished(raw: Any, arrays: tuple, node: Any, is_view: bool) -> np.ndarray:
    """An op's forward result as the engine keeps it: an ndarray (a 0-d result numpy gave
    as a scalar is made one, in the node's saved arrays too), and, unless the op is a view,
    not (a view of) one of its inputs."""
    a = raw if type(raw) is _ndarray else np.asarray(raw)
    if not is_view and (a.base is not None or (arrays and a is arrays[0])):
        a = _unaliased(a, list(arrays))
    if raw is not a and node.saved:
        node.saved = tuple(a if s is raw else s for s in node.saved)
    return a


def _params(key: tuple) -> Callable | dict:
    """An op's parameters: a dict (fixed), or a function of the slots (arrays inside)."""
    if not any(isinstance(x, _Ref) for x in _flat(key)):
        return dict(key)

    def resolve(x: Any, v: list) -> Any:
        if isinstance(x, _Ref):
            return v[x.slot]
        if type(x) in (tuple, list):
            return type(x)(resolve(y, v) for y in x)
        if type(x) is dict:
            return {k: resolve(y, v) for k, y in x.items()}
        return x

    return lambda v: {k: resolve(x, v) for k, x in key}


_OPTIMIZER_STEP = Optimizer.__dict__["step"]
_SGD_UPDATE = _SGD.__dict__["_update"]


def _plain_sgd(opt: Optimizer, step: Callable) -> Callable:
    """``opt.step()`` of an SGD as a lean loop while every group is plain SGD (no momentum,
    weight decay or maximize): ``p += -lr * grad`` in one pass per parameter, the product
    formed in a preallocated scratch array (``_Scratch``), so bit for bit the optimizer's
    ``add_scaled_`` (the same two roundings) without its temporary or its per-parameter
    dispatch. The settings and ``lr`` are read at every replay (a scheduler keeps working);
    any other setting calls ``step()`` itself."""
    scratch = _Scratch()

    def run(v: list) -> None:
        groups = opt.param_groups
        for group in groups:
            if group["momentum"] or group["weight_decay"] or group["maximize"]:
                step(opt)
                return
        opt._opt_called = True
        for group in groups:
            alpha = -group["lr"]
            weak = type(alpha) is float  # NOTE: a numpy or array lr may promote the product
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    data, g = p._array, grad._array
                    piece = scratch.like(data, g) if weak else None
                    if piece is None:
                        _add_scaled(data, alpha, g)
                    else:
                        np.multiply(g, alpha, out=piece)
                        np.add(data, piece, out=data)
                    p._counter[0] += 1
    return run


class _Scratch:
    """One preallocated array per dtype, as large as the largest parameter met, and a view
    of it shaped like each parameter: where plain SGD's replay forms ``-lr * grad`` (the
    memory of one parameter, allocated once, instead of a temporary per parameter and
    step). NOTE: ``like`` gives None (the caller uses ``add_scaled_``) for a gradient of
    another shape or dtype, a non-contiguous one, or a product of another dtype than the
    parameter's (a float64 ``lr`` array, say): the arithmetic then stays add_scaled_'s."""

    def __init__(self) -> None:
        self.blocks: dict[np.dtype, np.ndarray] = {}
        self.views: dict[tuple, np.ndarray] = {}

    def like(self, data: np.ndarray, g: np.ndarray) -> np.ndarray | None:
        key = (data.shape, data.dtype)
        view = self.views.get(key)
        if view is not None and g.dtype == data.dtype and g.shape == data.shape:
            return view
        if g.shape != data.shape or g.dtype != data.dtype or data.dtype.kind != "f" or \
                not (data.flags.c_contiguous and g.flags.c_contiguous):
            return None
        block = self.blocks.get(data.dtype)
        if block is None or block.size < data.size:
            block = self.blocks[data.dtype] = np.empty(data.size, data.dtype)
            self.views.clear()  # the old views point into the old block
        view = self.views[key] = block[:data.size].reshape(data.shape)
        return view


def _owned(g: Any, dtype: np.dtype, seen: set, constants: set) -> np.ndarray:
    """As the engine's: a gradient array a leaf may keep (its dtype, writable, shared with
    no other leaf's gradient); a constant of the recording is copied too."""
    if type(g) is not _ndarray:
        return np.array(g, dtype=dtype)
    if g.dtype != dtype:
        g = g.astype(dtype)
    base = g.base
    block = id(g if base is None else base)
    if block in seen or block in constants or (base is not None and not g.flags.writeable):
        g = g.copy()
        block = id(g)
    seen.add(block)
    return g


class _Program:
    """A trace made runnable: the slot list's fixed part, and one function per step."""

    def __init__(self, trace: _Trace, first: _Trace, fn: Callable):
        rec = trace.rec
        self.inputs = rec.inputs
        self.base: list[Any] = [None] * len(rec.values)
        self.tensors: list[tuple[int, Tensor, tuple, np.dtype, bool]] = []
        self.fresh: list[tuple[int, np.ndarray]] = []
        self.constants: set[int] = set()
        self.buffers: list[np.ndarray] = []
        self.guard_labels: list[str] = []
        for slot, kind in enumerate(rec.kinds):
            if kind == "ext":
                self._external(rec, slot, first.rec.values[slot])
        self.modules = list(rec.modules.values())
        self.nodes: dict[int, Any] = {}
        last = {}
        for i, step in enumerate(rec.steps):
            if step.kind == "backward":
                last[step.key[0]] = i
        guards = list(trace.guards)
        steps: list[Callable] = []
        self.writes_before: list[bool] = []  # per guard: was anything written before it?
        written = False
        for i, step in enumerate(rec.steps):
            while guards and guards[0][0] == i:
                steps.append(self._guard(guards.pop(0)))
                self.writes_before.append(written)
            steps.append(getattr(self, "_" + step.kind)(rec, step, i, last))
            # NOTE: zero_grad may run twice (a guard fails after it, the step records
            # again): the state is the same; an update or an accumulation may not
            written = written or step.kind in ("accumulate", "no_grad") or (
                step.kind == "call" and step.key[0].__name__ != "zero_grad") or (
                step.kind == "inplace" and rec.kinds[step.ins[0]] == "ext") or (
                step.kind == "clip") or (step.kind == "numpy" and step.extra)
        while guards:  # read after the last step: checked at the end
            steps.append(self._guard(guards.pop(0)))
            self.writes_before.append(written)
        self.has_guards = bool(self.writes_before)
        self.random = any(s.kind == "random" for s in rec.steps)
        self.steps = steps
        self.result = self._return(rec, trace.template)
        self.world = _World(rec, fn, [t for _, t, _, _, _ in self.tensors])

    # slots ----------------------------------------------------------------------------------
    def _external(self, rec: _Recorder, slot: int, before: Any) -> None:
        value = rec.values[slot]
        if value is before:  # the same object in both recordings: read at each replay
            if isinstance(value, Tensor):
                self.tensors.append((slot, value, value._array.shape, value._array.dtype,
                                     value.requires_grad))
                return
            self.base[slot] = value
            return
        constant = rec.initial.get(slot, value)  # a constant: the value it had when met
        if isinstance(value, Tensor) and slot not in rec.initial:
            constant = value._array
        self.base[slot] = constant
        if isinstance(constant, _ndarray):
            self.constants.add(id(constant))
            if slot in rec.written:
                self.fresh.append((slot, constant))

    # one builder per kind of step ------------------------------------------------------------
    def _forward(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        cls, needs, key = step.key
        node = cls.__new__(cls)
        node.needs_input_grad = needs
        node.saved = ()
        self.nodes[i] = node
        forward, out = node.forward, step.outs[0]
        arrays_of, params = _getter(step.ins), _params(key)
        if step.extra == "run":
            fixed = params if type(params) is dict else None

            def run(v: list) -> None:
                p = fixed if fixed is not None else params(v)  # type: ignore[operator]
                v[out] = forward(*arrays_of(v), **p)
            return run
        is_view = cls.is_view
        if type(params) is dict:
            fixed = params

            def forward_fixed(v: list) -> None:
                node.saved = ()
                arrays = arrays_of(v)
                raw = forward(*arrays, **fixed)
                # NOTE: the usual case (a fresh array, not a view) is tested first, cheaply
                if type(raw) is _ndarray and (raw.base is None or is_view) and (
                        not arrays or raw is not arrays[0] or is_view):
                    v[out] = raw
                else:
                    v[out] = _finished(raw, arrays, node, is_view)
            return forward_fixed

        def forward_dynamic(v: list) -> None:
            node.saved = ()
            arrays = arrays_of(v)
            v[out] = _finished(forward(*arrays, **params(v)), arrays,  # type: ignore[operator]
                               node, is_view)
        return forward_dynamic

    def _backward(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        index = step.key[0]
        node = self.nodes[index]
        backward, g, pairs = node.backward, step.ins[0], tuple(zip(step.extra, step.outs))
        free = last[index] == i
        if len(pairs) == 1:  # one input needs a gradient (the usual case): no loop
            (j, s), = pairs

            def one(v: list) -> None:
                grads = backward(v[g], *node.saved)
                v[s] = grads[j] if type(grads) is tuple else grads
                if free:  # as the engine frees a graph: saved arrays go after their backward
                    node.saved = ()
            return one

        def run(v: list) -> None:
            grads = backward(v[g], *node.saved)
            if type(grads) is not tuple:
                grads = (grads,)
            for j, s in pairs:
                v[s] = grads[j]
            if free:
                node.saved = ()
        return run

    def _sum(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        a, b = step.ins
        out = step.outs[0]
        x, y, total = rec.values[a], rec.values[b], rec.values[out]
        if step.extra == "sparse":
            def sparse(v: list) -> None:
                v[out] = _add(v[a], v[b])
            return sparse
        if step.extra != "fresh" and type(x) is _ndarray and type(y) is _ndarray and \
                type(total) is _ndarray:
            buffer = np.empty_like(total)  # preallocated: the same buffer every replay
            self.constants.add(id(buffer))  # a .grad made from it is a copy (see _owned)
            self.buffers.append(buffer)

            def into(v: list) -> None:
                v[out] = np.add(v[a], v[b], out=buffer)
            return into

        def add(v: list) -> None:
            v[out] = v[a] + v[b]
        return add

    def _dense(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        a, out = step.ins[0], step.outs[0]

        def run(v: list) -> None:
            v[out] = v[a].dense()
        return run

    def _seen(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        out = step.outs[0]

        def run(v: list) -> None:
            v[out] = set()
        return run

    def _accumulate(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        obj, total, seen = step.ins
        out = step.outs[0]
        fixed = step.key[0]
        constants = self.constants

        def run(v: list) -> None:
            leaf = fixed if obj < 0 else v[obj]
            g = v[total]
            grad = leaf.grad
            dtype = leaf._array.dtype
            if grad is None:
                leaf.grad = grad = _make(_owned(g, dtype, v[seen], constants), False, None)
            elif grad.requires_grad:
                raise RuntimeError("ta.compile: a .grad in a graph (from create_graph) "
                                   f"cannot be accumulated by a replay (leaf {leaf.shape})")
            else:
                old = grad._array
                if old.flags.writeable and old.shape == np.shape(g):
                    np.add(old, g, out=old, casting="unsafe")  # in place, as the engine
                    grad._counter[0] += 1
                else:
                    leaf.grad = grad = _make(np.asarray(old + g, dtype=dtype), False, None)
            v[out] = grad._array
        return run

    def _call(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        fn, args, kwargs = step.key
        obj, kw = step.ins[0], dict(kwargs)
        target = rec.values[obj]
        if fn is _OPTIMIZER_STEP and not args and not kw and type(target).step is fn and \
                getattr(type(target), "_update", None) is _SGD_UPDATE:
            return _plain_sgd(target, fn)

        def run(v: list) -> None:
            fn(v[obj], *args, **kw)
        return run

    def _no_grad(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        t = step.key[0]

        def run(v: list) -> None:
            t.grad = None
        return run

    def _inplace(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        op, key = step.key
        target, ins = step.ins[0], tuple(step.ins[1:])
        params = _params(key)
        ufunc = getattr(_tensor_module, "_INPLACE_UFUNCS", {}).get(op)
        setitem = op is _tensor_module.ops.SetItem
        owner = rec.values[target]
        bump = owner if isinstance(owner, Tensor) and rec.kinds[target] == "ext" else None

        def run(v: list) -> None:
            data = v[target]
            arrays = [v[k] for k in ins]
            p = params if type(params) is dict else params(v)  # type: ignore[operator]
            if ufunc is not None:
                ufunc(data, arrays[0], out=data, casting="same_kind")
            elif setitem:
                data[p["index"]] = arrays[0]
            else:
                np.copyto(data, op.run(data, *arrays, **p), casting="same_kind")
            if bump is not None:
                bump._counter[0] += 1
        return run

    def _random(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        name, args, kwargs = step.key
        out, kw, generator = step.outs[0], dict(kwargs), _tensor_module.generator

        def run(v: list) -> None:
            v[out] = getattr(generator(), name)(*args, **kw)  # a fresh draw every replay
        return run

    def _numpy(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        fn, spec = step.key
        call = getattr(fn[0], fn[1]) if type(fn) is tuple else fn
        arguments, out = _resolver(spec), step.outs[0]

        def run(v: list) -> None:
            args, kwargs = arguments(v)
            v[out] = call(*args, **kwargs)
        return run

    def _part(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        index, whole, out = step.key[0], step.ins[0], step.outs[0]
        if step.extra == "tensor":  # a tensor in a method's result: its array
            def tensor(v: list) -> None:
                part = v[whole]
                for k in index:
                    part = part[k]
                v[out] = part._array
            return tensor

        def run(v: list) -> None:
            v[out] = v[whole][index]
        return run

    def _method(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        method, spec = step.key
        arguments, out = _resolver(spec), step.outs[0]

        def run(v: list) -> None:
            args, kwargs = arguments(v)
            v[out] = method(*args, **kwargs)
        return run

    def _norm(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        total_norm, norm_type, error_if_nonfinite = step.key
        ins, out = tuple(step.ins), step.outs[0]

        def run(v: list) -> None:
            tensors = [_make(v[k], False, None) for k in ins]
            v[out] = total_norm(tensors, norm_type, error_if_nonfinite)._array
        return run

    def _clip(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        clip, parameters, max_norm = step.key
        norm = step.ins[0]

        def run(v: list) -> None:
            clip(parameters, max_norm, _make(np.asarray(v[norm]), False, None))
        return run

    def _contiguous(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        a, out = step.ins[0], step.outs[0]

        def run(v: list) -> None:
            v[out] = np.ascontiguousarray(v[a])
        return run

    def _pyvalue(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        read, out = step.extra, step.outs[0]

        def run(v: list) -> None:
            v[out] = read.evaluate(v)
        return run

    def _guard(self, guard: tuple) -> Callable:
        _, read, expected, what = guard
        index = len(self.writes_before)
        self.guard_labels.append(what)

        def run(v: list) -> None:
            if not _same_value(read.evaluate(v), expected):
                raise _GuardFailed(index)
        return run

    def _return(self, rec: _Recorder, template: Any) -> Callable:
        kind = template[0]
        if kind == "tensor" or kind == "array":
            slot = template[1]
            if kind == "array":
                return lambda v: v[slot]
            return lambda v: _make(v[slot], False, None)
        if kind == "read":
            return template[1].evaluate
        if kind == "seq":
            parts = [self._return(rec, t) for t in template[2]]
            cls = template[1]
            return lambda v: cls(p(v) for p in parts)
        if kind == "dict":
            keys, parts = template[1], [self._return(rec, t) for t in template[2]]
            return lambda v: {k: p(v) for k, p in zip(keys, parts)}
        obj = template[1]
        return lambda v: obj

    # running ---------------------------------------------------------------------------------
    def fits(self) -> str | None:
        """What changed outside the arguments since the recording (None: nothing)."""
        for _, t, shape, dtype, requires_grad in self.tensors:
            d = t._array
            if d.shape != shape or d.dtype != dtype or t.requires_grad != requires_grad:
                return (f"a tensor the step reads changed (shape {shape} -> {d.shape}, "
                        f"{dtype} -> {d.dtype}, requires_grad {requires_grad} -> "
                        f"{t.requires_grad})")
        for module, training in self.modules:
            if module.training != training:
                return f"{type(module).__name__}.training changed"
        return self.world.check()

    def run(self, args: tuple, kwargs: dict) -> Any:
        v = list(self.base)
        given = args + tuple(kwargs.values()) if kwargs else args
        for pos, arr, obj in self.inputs:
            x = given[pos]
            if obj >= 0:
                v[arr], v[obj] = x._array, x
            else:
                v[arr] = x
        for slot, t, _, _, _ in self.tensors:
            v[slot] = t._array
        for slot, constant in self.fresh:
            v[slot] = constant.copy()
        if not self.has_guards:
            for step in self.steps:
                step(v)
            return self.result(v)
        state = _tensor_module.generator().bit_generator.state if self.random else None
        try:
            for step in self.steps:
                step(v)
        except _GuardFailed as e:
            if self.writes_before[e.args[0]]:
                raise RuntimeError(
                    f"ta.compile: a value Python read ({self.guard_labels[e.args[0]]}) "
                    "differs from the recording after the step had already written "
                    "gradients or parameters; read values before backward, or run this step "
                    "eagerly") from None
            if state is not None:
                _tensor_module.generator().bit_generator.state = state
            raise _Stale(self.guard_labels[e.args[0]]) from None
        return self.result(v)


# --- the public wrapper --------------------------------------------------------------------

def _describe(x: Any) -> Any:
    if isinstance(x, Tensor):
        return (type(x), x._array.shape, x._array.dtype, x.requires_grad, x.grad_fn is None)
    if type(x) is _ndarray:
        return ("array", x.shape, x.dtype)
    if x is None or type(x) in (bool, int, float, str):
        return (type(x), x)
    return ("object", id(x))


def _plain_result(x: Any) -> Any:
    """The recorded call's result with the recording's read numbers and arrays plain."""
    if isinstance(x, _ReadNumber) or type(x) is _Traced:
        return _plain(x)
    if isinstance(x, Tensor) and type(_DATA.__get__(x)) is _Traced:
        _DATA.__set__(x, _DATA.__get__(x).view(_ndarray))
        return x
    if type(x) in (tuple, list):
        return type(x)(_plain_result(y) for y in x)
    if type(x) is dict:
        return {k: _plain_result(y) for k, y in x.items()}
    return x


class _Entry:
    """What the compiled step knows about one signature of its arguments."""

    def __init__(self) -> None:
        self.first: _Trace | None = None
        self.program: _Program | None = None
        self.eager: str | None = None
        self.stale = 0


class CompiledStep:
    """A function recorded on its first two calls and replayed after (see ``compile``)."""

    #: after this many failed guards for one signature, it stays eager
    max_rerecords = 4

    def __init__(self, fn: Callable):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self._entries: dict[Any, _Entry] = {}
        self._lock = threading.RLock()
        self._stats = {"calls": 0, "records": 0, "replays": 0, "eager": 0}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = (tuple(map(_describe, args)),
               tuple((k, _describe(v)) for k, v in kwargs.items()) if kwargs else (),
               autograd.is_recording(), dtypes.get_default_dtype())
        with self._lock:
            self._stats["calls"] += 1
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            if entry.eager is not None or _active is not None:
                self._stats["eager"] += 1
                return self.fn(*args, **kwargs)
            program = entry.program
            if program is not None:
                changed = program.fits()
                if changed is None:
                    try:
                        result = program.run(args, kwargs)
                    except _Stale as e:
                        self._stale(entry, f"a value Python read ({e.args[0]}) takes "
                                           "another path")
                    else:
                        self._stats["replays"] += 1
                        return result
                else:
                    self._stale(entry, changed)
            return self._record(entry, args, kwargs)

    def _stale(self, entry: _Entry, why: str) -> None:
        entry.program, entry.first = None, None
        entry.stale += 1
        if entry.stale >= self.max_rerecords:
            self._eager(entry, f"recorded again {entry.stale} times ({why})")

    def _eager(self, entry: _Entry, reason: str) -> None:
        entry.eager = reason
        warnings.warn(f"ta.compile({getattr(self.fn, '__name__', 'step')}): {reason}; this "
                      "step runs eagerly", CompileWarning, stacklevel=4)

    def _record(self, entry: _Entry, args: tuple, kwargs: dict) -> Any:
        self._stats["records"] += 1
        result, rec = _record(self.fn, args, kwargs)
        if entry.eager is None:
            if rec.reason is not None:
                self._eager(entry, rec.reason)
            else:
                trace = _Trace(rec, result)
                if entry.first is None:
                    entry.first = trace
                else:
                    why = _difference(entry.first, trace)
                    if why is None:
                        entry.program = _Program(trace, entry.first, self.fn)
                        entry.first = None
                    elif entry.stale + 1 < self.max_rerecords:
                        # a branch went the other way, or the world changed between the two
                        # calls, or the step depends on data it cannot replay: try again
                        entry.first = trace
                        entry.stale += 1
                    else:
                        self._eager(entry, why)
                        entry.first = None
        return _plain_result(result)

    def stats(self) -> dict[str, int]:
        """How many calls were recorded, replayed, or run eagerly."""
        return dict(self._stats)

    def eager_reasons(self) -> list[str]:
        """Why each signature that runs eagerly does."""
        return [e.eager for e in self._entries.values() if e.eager is not None]


def compile(fn: Callable) -> CompiledStep:  # NOTE: torch.compile's name, on purpose
    """Record a training step once and replay it as a flat list of array operations.

    ``step = ta.compile(train_step)`` (or ``@ta.compile``) returns a callable with the same
    arguments and results. The first two calls for a given signature run eagerly and are
    recorded (the two recordings must agree); later calls replay the recording on the new
    argument arrays: the ops' own forward and backward array code in the recorded order,
    the gradient sums into preallocated buffers, the accumulation into ``.grad``, and the
    optimizer called as recorded. Returned tensors are detached (the replay already ran
    backward); numbers read with ``.item()`` come back as numbers.

    Args:
        fn: a function doing forward, backward and optimizer step, whose tensors and
            arrays come in through its arguments or live in modules and optimizers.

    Returns:
        A ``CompiledStep``; ``step.stats()`` counts recordings and replays.

    A step the recording cannot follow runs eagerly with a ``CompileWarning`` naming the
    op. See docs/compile.md for what the recording holds and what its guards check.
    """
    if not callable(fn):
        raise TypeError(f"compile: expects a function, got {type(fn).__name__}")
    return CompiledStep(fn)
