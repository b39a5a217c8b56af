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
  (they read the current ``lr``, so schedulers keep working);
- ``Tensor._inplace`` outside a graph (``p -= lr * p.grad`` under ``no_grad``): an in-place
  step;
- the package's random generator: each draw is a *random* step, redrawn on every replay,
  and numpy arithmetic on a draw (Dropout's mask) is followed through an ndarray subclass;
- ``item()``, ``float()``, ``bool()``, ``tolist()``, ``numpy()``: Python reading values.

Guards. A replay is only valid for the call it was recorded from. The cache key is each
argument's kind, shape, dtype and ``requires_grad`` (numbers by value), the grad mode and
the default dtype; the tensors the step found outside its arguments (parameters, buffers)
are checked for shape, dtype and ``requires_grad`` before each replay, and the modules it
called for ``training``. A value Python read and then computed with, compared or branched on
(``if loss.item() > 1:``) is a guard: the replay recomputes it and records again when it
differs. A value only returned or printed is not. The step is recorded twice (the first two
calls run eagerly) and the two recordings must agree: an array that numpy code outside the
ops made from the data (a copy of an input, a mask from a comparison) differs between the
two calls, and such a step runs eagerly, with a ``CompileWarning`` naming the op that
received it. So does any op the recording cannot follow (in-place ops inside the graph,
hooks, ``create_graph``, ``ta.grad``): it runs eagerly, never wrongly.

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
import math
import operator
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd, dtypes
from .autograd import Function
from .nn.module import Module
from .optim.optimizer import Optimizer
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


# --- arrays followed through numpy: the random draws ---------------------------------------

class _Traced(np.ndarray):
    """An array whose slot the recording knows: a random draw, or numpy arithmetic on one.

    Ufunc calls on it are recorded (``draw * 2``, ``draw >= p``); any other way of making
    a new array from it leaves the result without a slot, and an op that receives such an
    array makes the step run eagerly."""

    _slot: int | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self._slot = None

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        plain = [x.view(_ndarray) if type(x) is _Traced else x for x in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        rec = _recorder()
        if rec is None or type(result) is not _ndarray:
            return result
        if method != "__call__" or kwargs or any(type(x) is _Traced and x._slot is None
                                                 for x in inputs):
            return result.view(_Traced)  # no slot: an op given it makes the step eager
        slots = [rec.array_slot(x) for x in inputs]
        out = rec.new_slot(result)
        rec.add(_Rec("ufunc", (ufunc,), slots, (out,)))
        traced = result.view(_Traced)
        traced._slot = out
        return traced

    def _unsupported_read(self, *args: Any) -> Any:
        raise _Unsupported("Python read the values of a random draw (a branch on random "
                           "numbers cannot be replayed)")

    __bool__ = __float__ = __int__ = __index__ = item = tolist = _unsupported_read


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
            traced = result.view(_Traced)
            traced._slot = out
            return traced

        return draw


# --- values Python read ------------------------------------------------------------------

class _Read:
    """A value Python read from a slot (``how``: item / bool / tolist / numpy / index), then
    maybe computed with (``chain``: the float or int methods applied, with their
    arguments), so the replay can compute it again from the replayed array."""

    __slots__ = ("slot", "how", "chain")

    def __init__(self, slot: int, how: str, chain: tuple = ()):
        self.slot, self.how, self.chain = slot, how, chain

    def evaluate(self, v: list) -> Any:
        value = _READERS[self.how](v[self.slot])
        for name, base, args in self.chain:
            value = getattr(base, name)(base(value), *args)
        return value

    def key(self) -> tuple:
        return (self.slot, self.how, self.chain)


class _ReadFloat(float):
    """``item()`` / ``float()`` of a tensor during a recording. Storing, printing or
    returning it costs nothing; arithmetic gives another tagged value (its recipe grows);
    a comparison or ``bool()`` becomes a guard: the replay checks it takes the same path."""

    read: _Read | None = None


class _ReadInt(int):
    read: _Read | None = None


_COMPARISONS = ("__bool__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
_ARITHMETIC = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
               "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
               "__pow__", "__rpow__", "__neg__", "__abs__", "__round__", "__trunc__",
               "__floor__", "__ceil__", "__int__", "__float__", "__pos__")


def _tag(value: Any, read: _Read) -> Any:
    kind = _ReadFloat if type(value) is float else _ReadInt if type(value) is int else None
    if kind is None:
        return value
    out = kind(value)
    out.read = read
    return out


def _marking(name: str, base: type) -> Callable:
    method = getattr(base, name)
    compare = name in _COMPARISONS

    unwrap = float.__float__ if base is float else int.__int__

    def use(self: Any, *args: Any) -> Any:
        result = method(unwrap(self), *args)
        read, rec = self.read, _recorder()
        if read is None or rec is None or result is NotImplemented:
            return result
        if any(isinstance(a, (_ReadFloat, _ReadInt)) for a in args):
            rec.fail("Python combined two values read from tensors")
            return result
        if compare:
            rec.guards.append((len(rec.steps), read, name, base, args, result))
            return result
        return _tag(result, _Read(read.slot, read.how, (*read.chain, (name, base, args))))

    use.__name__ = name
    return use


for _base, _cls in ((float, _ReadFloat), (int, _ReadInt)):
    for _name in _COMPARISONS + _ARITHMETIC:
        if hasattr(_base, _name):
            setattr(_cls, _name, _marking(_name, _base))
    _cls.__hash__ = _base.__hash__  # type: ignore[method-assign]


_READERS: dict[str, Callable] = {
    "item": lambda a: a.item(), "bool": lambda a: bool(a), "tolist": lambda a: a.tolist(),
    "index": lambda a: operator.index(a.item()), "numpy": lambda a: a,
}


def _same_value(a: Any, b: Any) -> bool:
    """Equal, with nan equal to nan and arrays compared whole (dtype and shape too)."""
    if isinstance(a, _ndarray) or isinstance(b, _ndarray):
        return (isinstance(a, _ndarray) and isinstance(b, _ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and bool(np.array_equal(
                    a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (
            int, float))):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 (an object without a usable ==)
        return a is b


# --- the recording -----------------------------------------------------------------------

class _Ref:
    """A slot inside an op's parameters (a target array, an index)."""

    __slots__ = ("slot",)

    def __init__(self, slot: int):
        self.slot = slot

    def __eq__(self, other: Any) -> bool:
        return type(other) is _Ref and other.slot == self.slot

    __hash__ = None  # type: ignore[assignment]


class _Rec:
    """One recorded step: its kind, what is fixed about it (``key``: the op class and its
    parameters), the slots it reads and the slots it writes. Two recordings of the same
    step have equal records; the replay builds one small function from each."""

    __slots__ = ("kind", "key", "ins", "outs", "extra")

    def __init__(self, kind: str, key: tuple, ins: list, outs: tuple, extra: Any = None):
        self.kind, self.key, self.ins, self.outs, self.extra = kind, key, ins, outs, extra

    def same(self, other: _Rec) -> bool:
        return (self.kind == other.kind and self.ins == other.ins and self.outs == other.outs
                and len(self.key) == len(other.key)
                and all(a is b or _same_value(a, b) for a, b in zip(self.key, other.key)))

    def label(self) -> str:
        head = self.key[0] if self.key else self.kind
        return getattr(head, "__name__", str(head))


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
        self.guards: list[tuple] = []    # (position, read, method, type, args, result)
        self.numpy_reads: list[tuple] = []
        self.modules: dict[int, tuple[Module, bool]] = {}
        self.written: set[int] = set()   # ext slots that in-place steps write
        self.initial: dict[int, np.ndarray] = {}  # ext slot -> a copy of its first value
        self.reason: str | None = None
        self.inputs: list[tuple[int, int, int]] = []  # (arg position, array slot, obj slot)
        for pos, x in enumerate(list(args) + list(kwargs.values())):
            if isinstance(x, Tensor):
                obj = self._slot(x, "in")
                arr = self._slot(x.data, "in")
                self.by_array[id(x.data)] = arr
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
            self.by_tensor[id(obj)] = (slot, obj.data)
            self.by_array[id(obj.data)] = slot
            self.initial[slot] = np.array(obj.data, copy=True)
        elif isinstance(obj, _ndarray):
            self.by_array[id(obj)] = slot
            self.initial[slot] = np.array(obj, copy=True)
        return slot

    def array_slot(self, a: Any) -> int:
        """The slot of an array (or number) an op or a numpy call receives."""
        if type(a) is _Traced:
            if a._slot is None:
                raise _Unsupported("numpy made an array from a random draw in a way the "
                                   "recording cannot follow")
            return a._slot
        if isinstance(a, _ndarray):
            slot = self.by_array.get(id(a))
            return self.external(a) if slot is None else slot
        if isinstance(a, (_ReadFloat, _ReadInt)) and a.read is not None:
            out = self._slot(a, "step")  # a number computed from a value read: recomputed
            self.add(_Rec("pyvalue", (a.read.how, a.read.chain), [a.read.slot], (out,),
                          a.read))
            return out
        if a is None or isinstance(a, (bool, int, float, complex, np.generic)):
            return self.external(a)
        raise _Unsupported(f"an argument of type {type(a).__name__}")

    def tensor_slot(self, t: Tensor, who: str) -> int:
        """The slot of a Tensor's array (the Tensor's array is made plain if traced)."""
        data = t.data
        if type(data) is _Traced:
            slot = self.array_slot(data)
            t.data = plain = data.view(_ndarray)
            self.by_array[id(plain)] = slot
            self.values.append(plain)  # keep it alive: ids stay unique
            self.kinds.append("keep")
            return slot
        found = self.by_array.get(id(data))
        if found is not None:
            return found
        known = self.by_tensor.get(id(t))
        if known is not None and self.kinds[known[0]] == "step":
            return self._changed(t, known[0], who)
        if known is not None:
            raise _Unsupported(f"{who}: a tensor's array was replaced (t.data = ...) "
                               "inside the step")
        return self.external(t)

    def _changed(self, t: Tensor, slot: int, who: str) -> int:
        """A tensor whose array the Python around an op replaced after the op made it:
        followed only for the copy to C order that indexing and cat make."""
        old, new = self.values[slot], t.data
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
        if isinstance(v, _ndarray):
            return _Ref(self.array_slot(v))
        if type(v) is tuple or type(v) is list:
            return type(v)(self._param(x, who) for x in v)
        if type(v) is dict:
            return {k: self._param(x, who) for k, x in v.items()}
        return v

    def lookup(self, t: Tensor) -> int | None:
        """The slot of a tensor the step made or read, without making a new one."""
        slot = self.by_array.get(id(t.data))
        if slot is None and id(t) in self.by_tensor:
            slot = self.by_tensor[id(t)][0]
        return slot


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
    if kind is _ReadFloat:
        return float.__float__(x)
    if kind is _ReadInt:
        return int.__int__(x)
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
        slot = rec.new_slot(out.data)
        rec.by_tensor[id(out)] = (slot, out.data)
        rec.values.append(out)  # keep the tensor alive: ids stay unique
        rec.kinds.append("keep")
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
        tracked = autograd.is_grad_enabled() and (self.requires_grad or any(
            isinstance(a, Tensor) and a.requires_grad for a in args))
        try:
            if tracked:
                raise _Unsupported("an in-place op inside the graph")
            if not self.data.flags.writeable:
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
        read = _Read(slot, how)
        if how == "item":
            return _tag(value, read)
        if how == "numpy":  # a guard unless it is what the step returns
            rec.numpy_reads.append((len(rec.steps), read, value))
            return value
        rec.guards.append((len(rec.steps), read, None, None, (), value))
        return value

    return read


def _wrapped_float(how: type) -> Callable:
    def convert(self: Tensor) -> Any:
        value = self.item()
        return value if isinstance(value, (_ReadFloat, _ReadInt)) and type(value).__mro__[
            1] is how else how(value)

    return convert


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
    return {key: (None if t.grad is None else np.array(t.grad.data, copy=True))
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
        expect = _accumulate_value(old, total, leaf.data.dtype)
        grad = leaf.grad
        if grad is None or grad.requires_grad or not _same_value(
                np.asarray(grad.data), expect):
            raise _Unsupported(f"backward: the gradient of a leaf of shape {leaf.shape} "
                               "differs from the recording's own sum")
        obj = -1
        for _, _, obj_slot in rec.inputs:
            if obj_slot >= 0 and rec.values[obj_slot] is leaf:
                obj = obj_slot
        out = rec.new_slot(grad.data)
        rec.by_tensor[id(grad)] = (out, grad.data)
        rec.add(_Rec("accumulate", (None if obj >= 0 else leaf,), [obj, slot, seen], (out,)))
        for index, engine_sum in rec.sums:
            if engine_sum is not None and np.shares_memory(grad.data, engine_sum):
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
        (Module, "__call__", _wrapped_module_call(Module.__call__)),
        (_tensor_module, "_rng", _RecordingGenerator(_tensor_module._rng, rec)),
    ]
    for name, how in (("item", "item"), ("tolist", "tolist"), ("numpy", "numpy"),
                      ("__bool__", "bool"), ("__index__", "index")):
        out.append((Tensor, name, _wrapped_read(getattr(Tensor, name), how)))
    out.append((Tensor, "__float__", _wrapped_float(float)))
    out.append((Tensor, "__int__", _wrapped_float(int)))
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
    if isinstance(result, (_ReadFloat, _ReadInt)) and result.read is not None:
        return ("read", result.read)
    if isinstance(result, Tensor):
        slot = rec.lookup(result)
        return ("obj", result) if slot is None or rec.kinds[slot] == "ext" else (
            "tensor", slot)
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


def _returned_arrays(template: Any, rec: _Recorder) -> set[int]:
    if template[0] in ("tensor", "array"):
        return {id(rec.values[template[1]])}
    if template[0] in ("seq", "dict"):
        return set().union(*(_returned_arrays(t, rec) for t in template[2]))
    return set()


class _Trace:
    """A finished recording: steps, slots, guards, and what the step returns."""

    def __init__(self, rec: _Recorder, result: Any):
        self.rec = rec
        self.template = _template(rec, result)
        returned = _returned_arrays(self.template, rec)
        guards = list(rec.guards)
        for position, read, value in rec.numpy_reads:
            if id(value) not in returned:
                guards.append((position, read, None, None, (), np.array(value, copy=True)))
        # a value read after the last array step changes nothing the replay computes
        self.guards = [g for g in guards if g[0] < len(rec.steps)]


def _difference(a: _Trace, b: _Trace) -> str | None:
    """Why two recordings of one step differ (None if they agree). ``b`` is the later."""
    ra, rb = a.rec, b.rec
    if len(ra.steps) != len(rb.steps) or ra.kinds != rb.kinds:
        return "the two recorded calls ran different ops (a Python branch on data?)"
    for x, y in zip(ra.steps, rb.steps):
        if not x.same(y):
            return f"{y.label()}: the two recorded calls ran it differently"
    if len(a.guards) != len(b.guards) or any(
            (g[0], g[1].key(), g[2], g[4]) != (h[0], h[1].key(), h[2], h[4])
            for g, h in zip(a.guards, b.guards)):
        return "Python read different values at different points in the two recorded calls"
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
        if slot in step.ins or any(type(v) is _Ref and v.slot == slot
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


def _params(key: tuple) -> Callable | dict:
    """An op's parameters: a dict (fixed), or a function of the slots (arrays inside)."""
    if not any(type(x) is _Ref for x in _flat(key)):
        return dict(key)

    def resolve(x: Any, v: list) -> Any:
        if type(x) is _Ref:
            return v[x.slot]
        if type(x) in (tuple, list):
            return type(x)(resolve(y, v) for y in x)
        if type(x) is dict:
            return {k: resolve(y, v) for k, y in x.items()}
        return x

    return lambda v: {k: resolve(x, v) for k, x in key}


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

    def __init__(self, trace: _Trace, first: _Trace):
        rec = trace.rec
        self.inputs = rec.inputs
        self.base: list[Any] = [None] * len(rec.values)
        self.tensors: list[tuple[int, Tensor, tuple, np.dtype, bool]] = []
        self.fresh: list[tuple[int, np.ndarray]] = []
        self.constants: set[int] = set()
        for slot, kind in enumerate(rec.kinds):
            if kind == "ext":
                self._external(rec, slot, first.rec.values[slot])
        self.modules = list(rec.modules.values())
        self.nodes: dict[int, Any] = {}
        last = {}
        for i, step in enumerate(rec.steps):
            if step.kind == "backward":
                last[step.key[0]] = i
        guards = sorted(trace.guards, key=lambda g: g[0])
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
                step.kind == "inplace" and rec.kinds[step.ins[0]] == "ext")
        self.has_guards = bool(self.writes_before)
        self.random = any(s.kind == "random" for s in rec.steps)
        self.steps = steps
        self.result = self._return(rec, trace.template)

    # slots ----------------------------------------------------------------------------------
    def _external(self, rec: _Recorder, slot: int, before: Any) -> None:
        value = rec.values[slot]
        if value is before:  # the same object in both recordings: read at each replay
            if isinstance(value, Tensor):
                self.tensors.append((slot, value, value.data.shape, value.data.dtype,
                                     value.requires_grad))
                return
            self.base[slot] = value
            return
        constant = rec.initial.get(slot, value)  # a constant: the value it had when met
        if isinstance(value, Tensor) and slot not in rec.initial:
            constant = value.data
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
        forward, ins, out = node.forward, tuple(step.ins), step.outs[0]
        params = _params(key)
        if step.extra == "run":
            fixed = params if type(params) is dict else None

            def run(v: list) -> None:
                p = fixed if fixed is not None else params(v)  # type: ignore[operator]
                v[out] = forward(*[v[k] for k in ins], **p)
            return run
        is_view = cls.is_view
        if type(params) is dict:
            fixed = params

            def forward_fixed(v: list) -> None:
                node.saved = ()
                arrays = [v[k] for k in ins]
                raw = forward(*arrays, **fixed)
                a = raw if type(raw) is _ndarray else np.asarray(raw)
                if not is_view and (a.base is not None or (arrays and a is arrays[0])):
                    a = _unaliased(a, arrays)
                if raw is not a and node.saved:  # a 0-d result numpy gave as a scalar
                    node.saved = tuple(a if s is raw else s for s in node.saved)
                v[out] = a
            return forward_fixed

        def forward_dynamic(v: list) -> None:
            node.saved = ()
            arrays = [v[k] for k in ins]
            raw = forward(*arrays, **params(v))  # type: ignore[operator]
            a = raw if type(raw) is _ndarray else np.asarray(raw)
            if not is_view and (a.base is not None or (arrays and a is arrays[0])):
                a = _unaliased(a, arrays)
            if raw is not a and node.saved:
                node.saved = tuple(a if s is raw else s for s in node.saved)
            v[out] = a
        return forward_dynamic

    def _backward(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        index = step.key[0]
        node = self.nodes[index]
        backward, g, pairs = node.backward, step.ins[0], tuple(zip(step.extra, step.outs))
        free = last[index] == i

        def run(v: list) -> None:
            grads = backward(v[g], *node.saved)
            if type(grads) is not tuple:
                grads = (grads,)
            for j, s in pairs:
                v[s] = grads[j]
            if free:  # as the engine frees a graph: the saved arrays go after their backward
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
            dtype = leaf.data.dtype
            if grad is None:
                leaf.grad = grad = _make(_owned(g, dtype, v[seen], constants), False, None)
            elif grad.requires_grad:
                raise RuntimeError("ta.compile: a .grad in a graph (from create_graph) "
                                   f"cannot be accumulated by a replay (leaf {leaf.shape})")
            else:
                old = grad.data
                if old.flags.writeable and old.shape == np.shape(g):
                    np.add(old, g, out=old, casting="unsafe")  # in place, as the engine
                    grad._version[0] += 1
                else:
                    leaf.grad = grad = _make(np.asarray(old + g, dtype=dtype), False, None)
            v[out] = grad.data
        return run

    def _call(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        fn, args, kwargs = step.key
        obj, kw = step.ins[0], dict(kwargs)

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
                bump._version[0] += 1
        return run

    def _random(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        name, args, kwargs = step.key
        out, kw, generator = step.outs[0], dict(kwargs), _tensor_module.generator

        def run(v: list) -> None:
            v[out] = getattr(generator(), name)(*args, **kw)  # a fresh draw every replay
        return run

    def _ufunc(self, rec: _Recorder, step: _Rec, i: int, last: dict) -> Callable:
        ufunc, ins, out = step.key[0], tuple(step.ins), step.outs[0]

        def run(v: list) -> None:
            v[out] = ufunc(*[v[k] for k in ins])
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
        _, read, method, base, args, result = guard
        index = len(self.writes_before)

        def run(v: list) -> None:
            value = read.evaluate(v)
            if method is not None:
                value = getattr(base, method)(base(value), *args)
            if not _same_value(value, result):
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
    def fits(self) -> bool:
        """The guards on what lies outside the arguments: parameters and modules."""
        for _, t, shape, dtype, requires_grad in self.tensors:
            d = t.data
            if d.shape != shape or d.dtype != dtype or t.requires_grad != requires_grad:
                return False
        return all(module.training == training for module, training in self.modules)

    def run(self, args: tuple, kwargs: dict) -> Any:
        v = list(self.base)
        given = args + tuple(kwargs.values()) if kwargs else args
        for pos, arr, obj in self.inputs:
            x = given[pos]
            if obj >= 0:
                v[arr], v[obj] = x.data, x
            else:
                v[arr] = x
        for slot, t, _, _, _ in self.tensors:
            v[slot] = t.data
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
                    "ta.compile: a value Python read (item(), bool(), ...) differs from the "
                    "recording after the step had already written gradients or parameters; "
                    "read values before backward, or run this step eagerly") from None
            if state is not None:
                _tensor_module.generator().bit_generator.state = state
            raise _Stale from None
        return self.result(v)


# --- the public wrapper --------------------------------------------------------------------

def _describe(x: Any) -> Any:
    if isinstance(x, Tensor):
        return (type(x), x.data.shape, x.data.dtype, x.requires_grad, x.grad_fn is None)
    if type(x) is _ndarray:
        return ("array", x.shape, x.dtype)
    if x is None or type(x) in (bool, int, float, str):
        return (type(x), x)
    return ("object", id(x))


def _plain_result(x: Any) -> Any:
    """The recorded call's result with the recording's tagged numbers made plain."""
    if isinstance(x, (_ReadFloat, _ReadInt)):
        return _plain(x)
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
        key = (tuple(_describe(a) for a in args),
               tuple((k, _describe(v)) for k, v in kwargs.items()),
               autograd.is_grad_enabled(), dtypes.get_default_dtype())
        with self._lock:
            self._stats["calls"] += 1
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            if entry.eager is not None or _active is not None:
                self._stats["eager"] += 1
                return self.fn(*args, **kwargs)
            program = entry.program
            if program is not None and program.fits():
                try:
                    result = program.run(args, kwargs)
                except _Stale:
                    self._stale(entry, "a value Python read takes another path")
                else:
                    self._stats["replays"] += 1
                    return result
            elif program is not None:
                self._stale(entry, "a parameter or module changed (shape, dtype, "
                                   "requires_grad or training)")
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
                    if why is not None:
                        self._eager(entry, why)
                    else:
                        entry.program = _Program(trace, entry.first)
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
