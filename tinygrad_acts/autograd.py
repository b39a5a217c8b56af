"""The autograd engine: grad mode, the Function node, and backward.

A Tensor that came out of an op points at a Function node (``grad_fn``). A node keeps
only what its backward needs: the arrays it saved (ndarrays, never Tensors) and, for each
input, where that input's gradient goes next:

- another Function node (the input was computed by an op),
- the input Tensor itself (a leaf that requires grad: its ``.grad`` is accumulated), or
- None (the input needs no gradient).

Because nodes point at nodes, not at intermediate Tensors, dropping an intermediate Tensor
frees its array unless a backward rule saved it (see the output-based activations).
"""
from __future__ import annotations

import contextlib
import functools
import heapq
import inspect
import itertools
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine_sparse import IndexedGrad

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Tensor as TensorT


# --- grad mode --------------------------------------------------------------------------

class _ThreadState(threading.local):
    """Grad mode and inference mode, per thread (as in PyTorch): another thread's
    ``no_grad()`` or backward never changes what this thread records. ``grad_mode`` is the
    grad mode as set (what ``is_grad_enabled()`` answers); ``grad_enabled`` is what ops read
    to decide whether to record: grad mode on and inference mode off (``enable_grad()``
    inside ``inference_mode()`` records nothing, as in torch)."""

    grad_enabled = True
    grad_mode = True
    inference = False  # inside inference_mode() (see api/idioms.py)
    exposed: Any = None  # a backward's set of the gradient blocks hooks saw (see _run_hooks)


_state = _ThreadState()
_anomaly_enabled = False
_anomaly_check_nan = True


def is_grad_enabled() -> bool:
    """Grad mode, as torch answers it: off inside ``no_grad()``, on inside ``enable_grad()``
    even within ``inference_mode()``, where nothing is recorded all the same (whether ops
    record is ``is_recording()``)."""
    return _state.grad_mode


def is_recording() -> bool:
    """Whether ops record the graph now: grad mode on and inference mode off. The one
    question every op and the engine ask before recording a node."""
    return _state.grad_enabled


def _set_grad_mode(mode: bool) -> tuple[bool, bool]:
    """Set this thread's grad mode (recording follows it, but stays off in inference
    mode); returns what to restore: ``_state.grad_mode, _state.grad_enabled = prev``."""
    prev = (_state.grad_mode, _state.grad_enabled)
    _state.grad_mode, _state.grad_enabled = mode, mode and not _state.inference
    return prev


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit.

    Used bare or called: ``@no_grad``, ``@no_grad()``, ``with no_grad():``.
    """

    mode = True

    def __new__(cls, fn: Callable | None = None) -> Any:
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self

    def __enter__(self) -> None:
        self._prev = _set_grad_mode(self.mode)

    def __exit__(self, *exc: Any) -> None:
        _state.grad_mode, _state.grad_enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        return in_mode(fn, lambda mode=self.mode: _grad_mode(mode))


@contextlib.contextmanager
def _grad_mode(mode: bool) -> Any:
    prev = _set_grad_mode(mode)
    try:
        yield
    finally:
        _state.grad_mode, _state.grad_enabled = prev


def in_mode(fn: Callable, context: Callable) -> Callable:
    """``fn`` run inside ``context()`` (a fresh context manager per call); a generator
    function's body runs inside it at each resume, as torch's decorators do."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                with context():
                    gen = fn(*args, **kwargs)
                    answer = gen.send(None)
                while True:
                    try:
                        sent = yield answer
                    except GeneratorExit:
                        with context():
                            gen.close()
                        raise
                    except BaseException as e:  # noqa: BLE001 (handed to the generator)
                        with context():
                            answer = gen.throw(e)
                    else:
                        with context():
                            answer = gen.send(sent)
            except StopIteration as stop:
                return stop.value
        return generator

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with context():
            return fn(*args, **kwargs)
    return wrapper


class set_grad_enabled(_GradMode):
    """Set grad mode: as a function (``set_grad_enabled(False)``, at once, for this
    thread), a context manager (restored on exit) or a decorator, as in PyTorch.

    Example:
        >>> import tinygrad_acts as ta
        >>> with ta.set_grad_enabled(False):
        ...     ta.is_grad_enabled()
        False
        >>> ta.is_grad_enabled()
        True
    """

    def __new__(cls, mode: bool) -> Any:
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = _set_grad_mode(self.mode)

    def __enter__(self) -> None:
        pass  # already set by the constructor (as in PyTorch)

    def __call__(self, fn: Callable) -> Callable:
        _state.grad_mode, _state.grad_enabled = self._prev  # a decorator: only inside fn
        return super().__call__(fn)


class no_grad(_GradMode):
    """Build no graph and save nothing inside the block (or the decorated function).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.ones(2, requires_grad=True)
        >>> with ta.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    mode = False


class enable_grad(_GradMode):
    """Record the graph again inside a ``no_grad()`` block."""

    mode = True


def is_anomaly_enabled() -> bool:
    return _anomaly_enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _anomaly_check_nan


def _set_anomaly(mode: bool, check_nan: bool = True) -> tuple[bool, bool]:
    global _anomaly_enabled, _anomaly_check_nan
    prev = _anomaly_enabled, _anomaly_check_nan
    _anomaly_enabled, _anomaly_check_nan = bool(mode), bool(check_nan)
    return prev


class AnomalyError(RuntimeError, FloatingPointError):
    """A backward rule made nan in anomaly mode: torch's RuntimeError, and a
    FloatingPointError (what it is)."""


class set_detect_anomaly:
    """Turn anomaly detection on or off (see ``detect_anomaly``): at once, as a function;
    restored on exit, as a context manager (PyTorch's two uses)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = _set_anomaly(mode, check_nan)

    def __enter__(self) -> None:
        pass  # already set by the constructor (as in PyTorch)

    def __exit__(self, *exc: Any) -> None:
        _set_anomaly(*self._prev)


class detect_anomaly:
    """Raise as soon as a backward rule produces NaN, naming the forward op and the line
    of user code that created it (``check_nan=False``: record the lines, check nothing).
    An inf is no anomaly, as in torch. Off by default; costs nothing when off.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([0.0], requires_grad=True)
        >>> with ta.detect_anomaly():
        ...     y = (x.sqrt() * 0.0).sum()            # 0 * inf on the way back: nan
        ...     y.backward()                      # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tinygrad_acts.autograd.AnomalyError: backward of SqrtBackward produced nan ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _set_anomaly(True, self.check_nan)

    def __exit__(self, *exc: Any) -> None:
        _set_anomaly(*self._prev)


def _user_frame() -> str:
    """file:line of the innermost stack frame outside this package (for anomaly reports)."""
    here = __file__.rsplit("/", 1)[0]
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(here):
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "<unknown>"


_sequence = itertools.count()  # creation order of nodes: a topological order of the graph


# --- the Function node ------------------------------------------------------------------

#: The Tensor class. tensor.py binds it (``bind_tensor_class``) when it is defined, so
#: imports run one way: tensor -> activations -> ops -> autograd, and never back.
Tensor: Any = None
_depends_on: Any = None  # ops.DependsOn, bound with it


def bind_tensor_class(cls: type, depends_on: type) -> None:
    global Tensor, _depends_on
    Tensor, _depends_on = cls, depends_on


class _NodeName(str):
    """A node's name, also callable (torch's ``grad_fn.name()`` is a method)."""

    def __call__(self) -> str:
        return str(self)


class Function:
    """One differentiable op: ``forward`` on arrays, ``backward`` from what forward saved.

    ``forward(*arrays, **params)`` computes the output and calls ``self.save(...)`` once
    with everything ``backward`` will need (arrays, shapes, parameters); ``backward(grad,
    *saved)`` receives exactly those, in that order, and returns one gradient per input
    (a tuple, or a single value for one input; None for an input that needs none).

    ``self.needs_input_grad[i]`` says whether input i wants a gradient. A rule saves only
    what the wanted gradients need (``x * 2.0`` keeps nothing of x): saving is per
    gradient, not per op. The engine frees the saved arrays after a backward (unless
    ``retain_graph``), version-checks each one that is an input's array or the output
    (an in-place change after saving is an error, never a silent wrong gradient), and
    under ``create_graph=True`` hands those back as graph-connected Tensors, so the same
    backward builds a graph: it must use only arithmetic that works on ndarrays and
    Tensors alike (operators, numpy ufuncs, methods, and the helpers in ``ops.helpers``).
    """

    __slots__ = ("parents", "needs_input_grad", "saved", "watched", "frees", "hooks", "trace",
                 "seq", "__weakref__")
    parents: list            # per input: its node, the leaf Tensor itself, or None
    needs_input_grad: tuple[bool, ...]
    saved: Any               # what forward saved (a tuple), or _FREED after backward
    watched: tuple           # (position, version cell, version, source) per aliased item
    frees: bool              # whether backward frees the saved items (they hold values)
    hooks: list | None
    trace: str
    seq: int

    is_view = False  # True for the ops whose output may share the input's memory
    # True for a rule that reads its saved values only through comparisons (max's winner
    # mask): under create_graph its gradient then does not depend on them, as in torch
    masks_only = False
    # True for an op that torch differentiates with one fused kernel (conv, conv_transpose,
    # prelu): under create_graph EACH of its gradients then depends on all it saved (the
    # inputs torch saves), whatever its own formula reads (a bias gradient sums g only)
    fused = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass written the PyTorch way (a staticmethod ``forward(ctx, ...)``) gets
        torch's protocol instead (see custom_function)."""
        if isinstance(cls.__dict__.get("forward"), staticmethod) or "_torch_style" in dir(cls):
            function.adopt(cls)

    def forward(self, *args: Any, **params: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: Any, *saved: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, *items: Any) -> None:
        """Keep ``items`` for backward (call it once, from forward)."""
        self.saved = items

    @property
    def name(self) -> str:
        """"MulBackward": read as an attribute, or called as torch's ``grad_fn.name()``."""
        return _NodeName(type(self).__name__ + "Backward")

    def __repr__(self) -> str:
        return f"<{self.name}>"

    @property
    def next_functions(self) -> tuple:
        """torch's edges out of this node, one ``(node, 0)`` per input: the node that made
        it, a leaf's ``AccumulateGrad`` (its ``.variable`` is the leaf), or None."""
        return tuple((AccumulateGrad(p) if isinstance(p, Tensor) else p, 0)
                     for p in getattr(self, "parents", ()))

    @classmethod
    def run(cls, *arrays: Any, **params: Any) -> Any:
        """Only the forward, on arrays, recording nothing (for in-place ops outside a graph)."""
        node = cls.__new__(cls)
        node.needs_input_grad = (False,) * len(arrays)
        return node.forward(*arrays, **params)

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run forward on the inputs' arrays and, if any input needs a gradient, record
        a node. Non-Tensor inputs (Python numbers, arrays) are constants."""
        node = cls.__new__(cls)
        arrays = []
        parents = []
        needs = []
        record = False
        grad_mode = _state.grad_enabled
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)  # (the slot, not the _array property: the hot path)
                if x._requires_grad and grad_mode:
                    record = True
                    # NOTE: a view made under no_grad requires grad but has no edge back
                    # (torch: its gradient goes nowhere), so no gradient is wanted for it
                    edge = x.grad_fn or (None if x._no_edge else x)
                    needs.append(edge is not None)
                    parents.append(edge)
                    continue
            else:
                arrays.append(x)
            needs.append(False)
            parents.append(None)
        node.needs_input_grad = tuple(needs)
        node.saved = ()
        try:
            raw = node.forward(*arrays, **params)
        except ValueError as e:
            if "broadcast" not in str(e) or str(e).startswith(cls.__name__.lower()):
                raise
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            raise ValueError(f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast "
                             "together (numpy's rule: aligned from the right, each pair of "
                             "sizes must be equal or one of them 1)") from None
        # NOTE: numpy returns scalars for 0-d results
        out = raw if type(raw) is np.ndarray else np.asarray(raw)
        if (out.base is not None or out is arrays[0]) and not cls.is_view:
            out = _unaliased(out, arrays)
        if not record:
            return Tensor._make(out, False, None)
        node.parents, node.hooks, node.seq = parents, None, next(_sequence)
        result = Tensor._make(out, True, node)
        if node.saved:
            node.watched, node.frees = _watch(node, inputs, arrays, raw, result)
        else:
            node.watched, node.frees = (), False
        if _anomaly_enabled:
            node.trace = _user_frame()
        return result


class AccumulateGrad:
    """torch's node for a leaf that requires grad, as ``next_functions`` shows it: the
    backward accumulates into ``variable.grad``. Equal for the same leaf."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


_OUTPUT = "output"  # where a watched item comes from when it is the node's own output


def _unaliased(out: np.ndarray, arrays: list) -> np.ndarray:
    """``out``, copied if it is (a view of) an input's array: only the view ops may share
    memory with their input (a maxout over pieces of 1 or an activation returning its
    input must not let ``y.add_(1)`` overwrite x)."""
    base = out.base
    for a in arrays:
        if type(a) is np.ndarray and (out is a or (base is not None and (
                base is a or base is a.base))):
            return out.copy()
    return out


def _watch(node: Function, inputs: tuple, arrays: list, raw: Any,  # noqa: C901 (hot path)
           result: Any) -> tuple[tuple, bool]:
    """Which saved items are an input's array or the output: (position, version counter,
    version at saving, where the item comes from in the graph) for each. The engine
    checks the versions before backward and reconnects those items under create_graph.
    (The output is marked ``_OUTPUT``, not by the node itself: no reference cycle.)

    Also whether the node keeps values (arrays, an advanced index, or an input even if it
    is a number), as opposed to shapes and parameters only: as in PyTorch, only such a node
    is freed after a backward, so ``(x + 1).sum()`` can run backward twice but
    ``(x * 2).sum()`` cannot."""
    watched = []
    saved = node.saved
    out = result._array
    frees = False
    k = -1
    for item in saved:
        k += 1
        kind = type(item)
        if kind is np.ndarray:
            frees = True
            if item is out:
                watched.append((k, result._counter, 0, _OUTPUT))
                continue
            for i, a in enumerate(arrays):
                if item is a:
                    x = inputs[i]
                    if isinstance(x, Tensor):
                        cell = x._counter
                        watched.append((k, cell, cell[0], node.parents[i]))
                    break
        elif item is raw:  # a 0-d output that numpy handed over as a scalar
            saved = saved[:k] + (out,) + saved[k + 1:]
            watched.append((k, result._counter, 0, _OUTPUT))
            frees = True
        elif frees:
            continue
        elif kind is tuple:  # an advanced index (arrays in a tuple) is a value, as in torch
            for i in item:
                if type(i) is np.ndarray:
                    frees = True
                    break
        elif kind is float or kind is int:
            for a in arrays:  # a number saved because it is an input (x * 2.0)
                if item is a:
                    frees = True
                    break
    node.saved = saved
    return tuple(watched), frees


def rebind_inplace(node: Function, old: np.ndarray, new: Any, aliased: bool) -> None:
    """After ``node`` ran as an in-place op whose output is copied into ``new`` (a Tensor
    whose array was ``old``): what the node saved of the old values gets its own copy
    (the write would change it), and its saved output becomes ``new``'s array at the
    version the write gives it. But where an operand shares ``new``'s version counter
    (``x.mul_(x)``, ``x.mul_(x.detach())``), what was saved of it stays watched, so that
    backward refuses it, as torch's does (it saved that operand, then changed it)."""
    saved = list(node.saved)
    watched = []
    for k, cell, version, source in node.watched:
        if source is _OUTPUT:
            saved[k] = new._array
            watched.append((k, new._counter, new._counter[0] + 1, source))
        elif saved[k] is old and not aliased:
            saved[k] = old.copy()
            watched.append((k, [0], 0, source))
        else:
            watched.append((k, cell, version, source))
    node.saved, node.watched = tuple(saved), tuple(watched)


# --- backward ---------------------------------------------------------------------------


def _add(a: Any, b: Any) -> Any:
    """Two gradients of one tensor, summed."""
    if type(a) is IndexedGrad:
        return a.dense() + b if isinstance(b, Tensor) else a.add(b)
    if type(b) is IndexedGrad:
        return a + b.dense() if isinstance(a, Tensor) else b.add(a)
    return a + b


_FREED = "freed"


def _check_versions(node: Function) -> None:
    for _, cell, version, source in node.watched:
        if cell[0] != version and source is _OUTPUT:
            raise RuntimeError(
                f"{node.name} computes its gradient from the op's output (an output-based "
                f"rule), and that output was modified by an in-place operation (version "
                f"{cell[0]}, expected {version}). Change a clone() of the output instead, "
                "or use the out-of-place op.")
        if cell[0] != version:
            raise RuntimeError(
                f"An array that {node.name} saved for backward was modified by an in-place "
                f"operation (version {cell[0]}, expected {version}). Use the out-of-place "
                "op, or clone() the tensor before changing it in place.")


def _saved_for_backward(node: Function, create_graph: bool) -> tuple:
    """The node's saved items, checked against in-place changes; those that are an input
    or the output as graph-connected Tensors when the backward must be differentiable."""
    saved = node.saved
    if saved is _FREED:
        raise RuntimeError(
            f"Trying to backward through {node.name} a second time: its saved arrays were "
            "freed after the first backward. Pass retain_graph=True to the first "
            "backward() if you need to backward through the graph again.")
    _check_versions(node)
    if not create_graph or not node.watched:
        return saved
    out = list(saved)
    for k, _, _, source in node.watched:
        if isinstance(source, Tensor):
            out[k] = source
        elif source is None:
            out[k] = Tensor._make(saved[k], False, None)
        else:
            out[k] = Tensor._make(saved[k], True, node if source is _OUTPUT else source)
    return tuple(out)


def _check_nan(node: Function, grads: Sequence) -> None:
    for i, g in enumerate(grads):
        if g is None:
            continue
        if type(g) is IndexedGrad:
            g = g.dense()
        arr = g._array if isinstance(g, Tensor) else np.asarray(g)
        if np.isnan(arr).any():  # NOTE: nan only: an inf is no anomaly in torch either
            where = getattr(node, "trace", None) or "<created outside detect_anomaly>"
            raise AnomalyError(
                f"backward of {node.name} produced nan in the gradient of its input {i} "
                f"(shape {arr.shape}); the forward op was created at {where}")


def _run_hooks(hooks: list, grad: Any, create_graph: bool) -> Any:
    """The gradient after the hooks. The array a hook saw (or returned) may be held by the
    user now: as torch's AccumulateGrad (which steals a gradient only when nothing else
    references it), no ``.grad`` may take it as its own, to be summed into later."""
    # NOTE: numpy hands back 0-d results as scalars; a hook sees a Tensor of an ndarray
    wrapped = grad if isinstance(grad, Tensor) else Tensor._make(np.asarray(grad), False, None)
    _state.exposed.add(_block(wrapped._array))
    for hook in hooks:
        new = hook(wrapped)
        if new is None:
            continue
        name = getattr(hook, "__name__", repr(hook))
        if not isinstance(new, Tensor):
            raise TypeError(f"hook {name!r} returned {type(new).__name__}; a hook must return "
                            "a Tensor (the new gradient) or None")
        if new.shape != wrapped.shape:
            raise RuntimeError(f"hook {name!r} returned a gradient of shape {new.shape} for a "
                               f"tensor whose gradient has shape {wrapped.shape}")
        wrapped = new
        _state.exposed.add(_block(new._array))
    return wrapped if create_graph else wrapped._array


def _block(a: Any) -> int:
    """The id of the memory block an array lives in (its base's, for a view)."""
    return id(a if a.base is None else a.base)


def _owned(g: np.ndarray, leaf: TensorT, seen: set) -> np.ndarray:
    """A gradient array that a leaf may keep: writable, the leaf's dtype, and sharing no
    memory with another leaf's gradient from this backward (``seen`` holds the ids of the
    memory blocks already handed out). Gradients are made fresh by the rules, so this
    copies only when two leaves got the same block, e.g. both inputs of an add."""
    dtype = leaf._data.dtype
    if type(g) is not np.ndarray:  # NOTE: numpy hands back 0-d results as scalars
        return np.array(g, dtype=dtype)
    if g.dtype != dtype:
        g = g.astype(dtype)
    base = g.base
    block = id(g if base is None else base)
    # NOTE: only views can be read-only here (np.broadcast_to and friends)
    if block in seen or (base is not None and not g.flags.writeable):
        g = g.copy()
        block = id(g)
    seen.add(block)
    return g


def run_backward(roots: Sequence[TensorT], root_grads: Sequence[Any], retain_graph: bool,
                 create_graph: bool, capture: dict | None = None) -> None:
    """Propagate gradients from ``roots`` to every leaf that requires grad.

    Every node gets a sequence number when it is created, and a node is always created
    after the nodes it consumes; so running the pending node with the highest number first
    guarantees that all of its consumers have already handed their gradient over (PyTorch
    orders its engine the same way). A heap holds the pending nodes: no recursion, no
    separate topological sort, and a 100,000-op chain needs no deep Python stack.

    ``capture`` maps id(node-or-leaf) -> None; when given, gradients that reach those are
    stored there instead of being accumulated into ``.grad`` (used by ``grad()``).
    """
    if capture is None and not create_graph and not _anomaly_enabled:
        return _plain_backward(roots, root_grads, retain_graph)
    grads: dict[Function, Any] = {}
    heap: list = []
    leaves: dict[int, list] = {}  # id -> [leaf, the sum of its gradients so far]
    state = _state
    needed = _needed(roots, capture) if capture else None
    prev_mode = (state.grad_mode, state.grad_enabled)
    state.grad_mode = state.grad_enabled = create_graph
    prev_exposed, state.exposed = state.exposed, set()  # (a backward inside a hook: nested)
    # NOTE: in anomaly mode numpy stays quiet and _check_nan names the op instead (a
    # warning, or an error under -W error, would otherwise come first and name no op).
    quiet = np.seterr(divide="ignore", over="ignore", invalid="ignore") \
        if _anomaly_enabled else None
    heappop = heapq.heappop
    try:
        _seed(roots, root_grads, grads, heap, leaves)  # summed in backward's grad mode
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            if type(g) is IndexedGrad:
                g = g.dense()
            if needed is not None and node not in needed \
                    and id(node) not in capture:  # type: ignore[operator]
                # grad(): a node leading to no input runs nothing; as in torch, the root's
                # hooks still see its gradient when it is the only root (torch's graph root)
                if node.hooks and len(roots) == 1 and roots[0].grad_fn is node:
                    _run_hooks(node.hooks, g, create_graph)
                continue
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph)
            if needed is not None:  # grad(): take the inputs' gradients, run what leads on
                if id(node) in capture:  # type: ignore[operator]
                    capture[id(node)] = g  # type: ignore[index]
                if node not in needed:
                    continue
            in_grads = _run_node(node, g, retain_graph, create_graph)
            _hand_over(node, in_grads, grads, heap, leaves, needed, capture)
        _accumulate_leaves(leaves, create_graph, capture, roots)
    finally:
        (state.grad_mode, state.grad_enabled), state.exposed = prev_mode, prev_exposed
        if quiet is not None:
            np.seterr(**quiet)


#: id(leaf) -> its post-accumulate-grad hooks (``Tensor.register_post_accumulate_grad_hook``;
#: the entry goes with the leaf)
post_accumulate_hooks: dict[int, list] = {}


def _accumulate_leaves(leaves: dict, create_graph: bool, capture: dict | None,
                       roots: Sequence) -> None:
    """Each leaf's summed gradient into its ``.grad`` (or grad()'s capture), then its
    post-accumulate-grad hooks. The common case, a leaf with no hooks and no ``.grad`` yet,
    takes the array as it is (owned)."""
    seen = _state.exposed  # NOTE: a block a hook saw is "handed out" already
    for leaf, g in leaves.values():
        if capture is None and not leaf._requires_grad:
            continue  # NOTE: requires_grad_(False) after the forward, as torch's AccumulateGrad
        if leaf.grad is None and capture is None and not create_graph and not leaf._hooks \
                and type(g) is np.ndarray and g.dtype is leaf._data.dtype:
            leaf.grad = Tensor._make(_owned(g, leaf, seen), False, None)
        else:
            _accumulate_leaf(leaf, g, create_graph, capture, seen, roots)
        if post_accumulate_hooks and capture is None and id(leaf) in post_accumulate_hooks:
            for hook in list(post_accumulate_hooks[id(leaf)]):
                hook(leaf)


def _seed(roots: Sequence, root_grads: Sequence, grads: dict, heap: list,
          leaves: dict) -> None:
    """The roots' gradients: a root that is a leaf collects its own."""
    for r, g in zip(roots, root_grads):
        node = r.grad_fn
        if node is None:
            _collect_leaf(leaves, r, g)
        elif node in grads:
            grads[node] = grads[node] + g
        else:
            grads[node] = g
            heapq.heappush(heap, (-node.seq, node))


def _plain_backward(roots: Sequence, root_grads: Sequence, retain_graph: bool) -> None:  # noqa: C901
    """The common backward (a plain ``backward()``: no grad(), create_graph or anomaly
    mode) in one loop: the steps of ``_run_node`` and ``_hand_over``, inlined, because this
    loop is most of the framework's per-op cost in a training step. Where the graph is a
    chain (a node hands its gradient to the one node left to run) the heap is skipped."""
    state = _state
    prev = state.grad_mode, state.grad_enabled, state.exposed
    state.grad_mode = state.grad_enabled = False
    state.exposed = set()  # (a backward inside a hook: nested)
    grads: dict = {}
    heap: list = []
    leaves: dict = {}
    heappop, heappush = heapq.heappop, heapq.heappush
    try:
        node = roots[0].grad_fn if len(roots) == 1 else None
        if node is not None:  # (one root with a node: what backward() gives, no heap)
            grads[node] = root_grads[0]
        else:
            _seed(roots, root_grads, grads, heap, leaves)
            node = heappop(heap)[1] if heap else None
        while node is not None:
            g = grads.pop(node)
            if type(g) is IndexedGrad:
                g = g.dense()
            if node.hooks:
                g = _run_hooks(node.hooks, g, False)
            saved = node.saved
            if saved is _FREED:
                _saved_for_backward(node, False)  # raises, naming the op
            for _, cell, version, _ in node.watched:
                if cell[0] != version:
                    _check_versions(node)  # raises, naming the op
            # NOTE: a grad_outputs that requires grad seeds its values only (no create_graph)
            in_grads = node.backward(g if type(g) is np.ndarray or not isinstance(g, Tensor)
                                     else g._data, *saved)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if node.frees and not retain_graph:
                node.saved = _FREED
            chain = None  # a new node to run next, while no other waits (no heap)
            for p, pg in zip(node.parents, in_grads):
                if p is None or pg is None:
                    continue
                if p in grads:
                    grads[p] = _add(grads[p], pg)
                elif not isinstance(p, Tensor):
                    grads[p] = pg
                    if chain is None and not heap:
                        chain = p
                        continue
                    if chain is not None:
                        heappush(heap, (-chain.seq, chain))
                        chain = None
                    heappush(heap, (-p.seq, p))
                elif id(p) in leaves or type(pg) is not np.ndarray or pg.shape != p._data.shape:
                    _collect_leaf(leaves, p, pg, node)  # a sum, or a shape to check and name
                else:
                    leaves[id(p)] = [p, pg]
            node = chain if chain is not None else heappop(heap)[1] if heap else None
        _accumulate_leaves(leaves, False, None, roots)
    finally:
        state.grad_mode, state.grad_enabled, state.exposed = prev


def _hand_over(node: Function, in_grads: Sequence, grads: dict, heap: list, leaves: dict,
               needed: set | None, capture: dict | None) -> None:
    """Give each input of ``node`` its gradient: a leaf collects it; a node sums it and
    waits in the heap (grad() skips the nodes that lead to none of its inputs)."""
    for p, pg in zip(node.parents, in_grads):
        if p is None or pg is None:
            continue
        if isinstance(p, Tensor):
            _collect_leaf(leaves, p, pg, node, capture is None)
        elif needed is not None and p not in needed and id(p) not in capture:  # type: ignore[operator]
            continue
        elif p in grads:
            grads[p] = _add(grads[p], pg)
        else:
            grads[p] = pg
            heapq.heappush(heap, (-p.seq, p))


def _run_node(node: Function, g: Any, retain_graph: bool, create_graph: bool) -> Sequence:
    """One step of backward: the node's rule on its (hooked) gradient; one per input."""
    saved = node.saved
    if create_graph or saved is _FREED:
        saved = _saved_for_backward(node, create_graph)
    elif node.watched:
        _check_versions(node)
    if create_graph:
        in_grads = _differentiable_backward(node, g, saved)
    else:  # (a grad_outputs that requires grad: its values only, as in _plain_backward)
        in_grads = node.backward(g._array if isinstance(g, Tensor) else g, *saved)
    # one input: one gradient (variadic ops return a tuple, even of one)
    in_grads = in_grads if type(in_grads) is tuple else (in_grads,)
    if _anomaly_enabled and _anomaly_check_nan:
        _check_nan(node, in_grads)
    if not retain_graph and node.frees:
        node.saved = _FREED
    return in_grads


def _differentiable_backward(node: Function, g: Any, saved: Sequence) -> Any:
    if not isinstance(g, Tensor):
        g = Tensor._make(np.asarray(g), False, None)
    try:
        grads = node.backward(g, *saved)
    except TypeError as e:
        if "Tensor" in str(e):
            raise TypeError(f"{node.name}: its backward rule does not work on Tensors "
                            f"(needed for create_graph=True): {e}") from e
        raise
    # NOTE: the gradient depends on what the rule read, as in PyTorch, even where its
    # formula happens to be constant in it (relu's where(y > 0, g, 0)): ta.grad of it then
    # gives zeros, not "unused".
    # (one-input nodes only: there the gradient is the rule's one formula, so it read what
    # it saved; a multi-input rule's gradients each read only some of it)
    needed = [s for s in saved if isinstance(s, Tensor) and s.requires_grad]
    if not needed or (len(node.parents) != 1 and not node.fused) or node.masks_only:
        return grads
    if isinstance(grads, Tensor):
        return _depends_on.apply(grads, *needed)
    if node.fused:
        return tuple(None if g is None else _depends_on.apply(g, *needed) for g in grads)
    return grads


def _collect_leaf(pending: dict, leaf: TensorT, g: Any, source: Any = None,
                  check: bool = True) -> None:
    """Sum the gradients reaching a leaf along every edge; its hooks then run once, on the
    total (as in PyTorch). ``grad()`` passes ``check=False``: it hands a wrongly shaped
    gradient back, so gradcheck can diagnose the rule that made it."""
    if check and (g.shape if type(g) is np.ndarray else np.shape(g)) != leaf._array.shape:
        raise RuntimeError(f"{getattr(source, 'name', 'backward')}: a backward rule returned "
                           f"a gradient of shape {np.shape(g)} for a leaf of shape "
                           f"{leaf.shape}; a rule must return one gradient per input, shaped "
                           "like that input (undo any broadcasting)")
    key = id(leaf)
    if key in pending:
        pending[key][1] = _add(pending[key][1], g)
    else:
        pending[key] = [leaf, g]


def _accumulate_in_graph(leaf: TensorT, g: Any, seen: set) -> None:
    """create_graph (or a .grad already in a graph): .grad is a graph-connected tensor."""
    prev, _state.grad_enabled = _state.grad_enabled, True
    try:
        if not isinstance(g, Tensor):
            g = Tensor._make(_owned(g, leaf, seen), False, None)
        elif g.dtype != leaf._array.dtype:  # a gradient has its leaf's dtype (in the graph)
            g = g.to(leaf._array.dtype)
        elif leaf.grad is None:  # NOTE: torch clones it (in the graph): .grad is not the seed
            g = g.clone()
        # NOTE: a .grad in a graph (from create_graph) stays in it, as in torch
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    finally:
        _state.grad_enabled = prev


def _accumulate_leaf(leaf: TensorT, g: Any, create_graph: bool, capture: dict | None,
                     seen: set, roots: Sequence = ()) -> None:
    if capture is not None and id(leaf) not in capture:
        # grad(): a leaf that is not an input gets nothing; as in torch, the root's hooks
        # still see its gradient when it is the only root (torch's graph root)
        if leaf._hooks and len(roots) == 1 and roots[0] is leaf:
            _run_hooks(leaf._hooks, g.dense() if type(g) is IndexedGrad else g, create_graph)
        return
    if type(g) is IndexedGrad:
        g = g.dense()
    if leaf._hooks:  # as in PyTorch, grad() hands back the hooked gradient too
        g = _run_hooks(leaf._hooks, _in_dtype(g, leaf._array.dtype), create_graph)
    if capture is not None:
        key = id(leaf)
        if key in capture:  # a gradient has its leaf's dtype, as with .grad
            if np.result_type(g) != leaf._array.dtype:  # (in the graph under create_graph)
                g = g.to(leaf._array.dtype) if isinstance(g, Tensor) else np.asarray(
                    g, dtype=leaf._array.dtype)
            capture[key] = g
        return
    _store_grad(leaf, g, create_graph, seen)


def _store_grad(leaf: TensorT, g: Any, create_graph: bool, seen: set) -> None:
    """Add ``g`` into ``leaf.grad`` (hooks already run): in place, as torch's AccumulateGrad,
    unless under create_graph (then a sum in the graph)."""
    if create_graph:
        _accumulate_in_graph(leaf, g, seen)
        return
    if isinstance(g, Tensor):  # a tensor the caller holds (a seed, a hook's): torch copies
        g = np.array(g._array, dtype=leaf._array.dtype)
    if leaf.grad is None:
        g = _owned(g, leaf, seen)
        leaf.grad = Tensor._make(g, False, None)
        return
    old = leaf.grad._array
    if old.flags.writeable and old.shape == (g.shape if type(g) is np.ndarray else np.shape(g)):
        # NOTE: in place, as PyTorch's AccumulateGrad: a reference to x.grad sees the sum
        np.add(old, g, out=old, casting="unsafe")
        leaf.grad._counter[0] += 1
    else:
        leaf.grad = Tensor._make(np.asarray(old + g, dtype=leaf._array.dtype), False, None)


def _in_dtype(g: Any, dtype: np.dtype) -> Any:
    """NOTE: torch's hooks see a gradient in its tensor's dtype (``x -= w`` with x float32
    and w float64: w's hook sees float64)."""
    return g if np.result_type(g) == dtype else g.astype(dtype)


def _check_inputs(inputs: list) -> None:
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {t.shape} does not require grad")
        if hasattr(t, "_check"):  # a no_grad view whose memory changed refuses, in any mode
            t._check()


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated.

    Args:
        outputs: tensor(s) to differentiate.
        inputs: tensor(s) (leaves or intermediates) to differentiate with respect to.
        grad_outputs: the vector in the vector-Jacobian product, one per output; may be
            omitted for scalar outputs.
        retain_graph: keep the saved arrays for another backward (defaults to create_graph).
        create_graph: make the returned gradients differentiable (higher derivatives).
        allow_unused: return None for an input the outputs do not depend on, instead of
            raising.
        materialize_grads: return zeros instead of None for such an input (implies
            allow_unused, as in torch).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor(3.0, requires_grad=True)
        >>> (dx,) = ta.grad(x ** 3, x, create_graph=True)
        >>> (d2x,) = ta.grad(dx, x)
        >>> float(dx), float(d2x)
        (27.0, 18.0)
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got allow_unused=False")
    allow_unused = bool(allow_unused) or materialize_grads
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if not isinstance(grad_outputs, (list, tuple)):  # None: one per output; or one output's
        grad_outputs = [grad_outputs] * (len(outputs) if grad_outputs is None else 1)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} "
                           "outputs; pass one per output (None for a scalar output)")
    # NOTE: torch casts the grad_outputs in the caller's grad mode (under no_grad the cast
    # of a float32 grad_output for a float64 output requires no grad, create_graph or not)
    root_grads = [_root_grad(o, g, "grad", create_graph) for o, g in zip(outputs, grad_outputs)]
    _check_inputs(inputs)
    capture = {id(t.grad_fn if t.grad_fn is not None else t): None for t in inputs}
    run_backward(outputs, root_grads, create_graph if retain_graph is None else retain_graph,
                 create_graph, capture)
    result: list[TensorT | None] = []
    made: dict[int, TensorT] = {}  # the same input twice gets the same gradient object
    for i, t in enumerate(inputs):
        key = id(t.grad_fn if t.grad_fn is not None else t)
        g = capture[key]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it")
            result.append(Tensor._make(np.zeros_like(t._array), False, None)
                          if materialize_grads else None)
            continue
        if key not in made:
            if type(g) is IndexedGrad:
                g = g.dense()
            if t._array.flags.c_contiguous and not (g._array if isinstance(
                    g, Tensor) else np.asarray(g)).flags.c_contiguous:
                if isinstance(g, Tensor):  # (its graph, if any, kept in any grad mode)
                    with enable_grad() if g.requires_grad else contextlib.nullcontext():
                        g = g.contiguous()
                else:
                    g = np.ascontiguousarray(g)
            # NOTE: a gradient of a contiguous input is contiguous, as torch's backwards make
            made[key] = g if isinstance(g, Tensor) else Tensor._make(
                np.asarray(g, dtype=t._array.dtype), False, None)
        result.append(made[key])
    return tuple(result)


def _needed(roots: Sequence, capture: dict) -> set:
    """The nodes ``grad()`` must run: those with an input of ``grad()`` below them. The
    rest are never executed (nor freed, nor their hooks run), as in PyTorch."""
    leads: dict[Function, bool] = {}
    stack = [(r.grad_fn, False) for r in roots if r.grad_fn is not None]
    while stack:
        node, ready = stack.pop()
        if node in leads:
            continue
        if not ready:
            stack.append((node, True))
            stack += [(p, False) for p in node.parents
                      if p is not None and not isinstance(p, Tensor) and p not in leads]
            continue
        leads[node] = any(p is not None and (id(p) in capture or leads.get(p, False))
                          for p in node.parents)
    return {node for node, below in leads.items() if below}


def _root_grad(root: TensorT, gradient: Any, who: str, create_graph: bool = True) -> Any:
    """The starting gradient for ``root``: ones for a scalar, else the one given."""
    if not root._requires_grad or (root._no_edge and root.grad_fn is None):
        raise RuntimeError(f"{who}: the tensor (shape {root.shape}) does not require grad "
                           "and has no grad_fn (element 0 of tensors); did you compute it "
                           "inside no_grad()?")
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"{who}: grad can be implicitly created only for scalar outputs; this tensor "
                f"has shape {root.shape}. Pass gradient= (a tensor of shape {root.shape}), "
                "or reduce it first, e.g. y.sum().backward()")
        return np.array(1, root._data.dtype).reshape(root._data.shape)  # 4x cheaper than ones
    if isinstance(gradient, Tensor) and gradient.requires_grad:  # for higher derivatives
        if gradient.shape != root.shape:
            raise RuntimeError(f"{who}: gradient has shape {gradient.shape} but the tensor "
                               f"has shape {root.shape}; they must match")
        return gradient.astype(root._array.dtype)
    if not isinstance(gradient, (Tensor, np.ndarray)):  # NOTE: a number too, as torch
        raise TypeError(f"{who}: gradients can be either Tensors or None, but got "
                        f"{type(gradient).__name__} (for a tensor of shape {root.shape})")
    g = gradient._array if isinstance(gradient, Tensor) else gradient
    if g.shape != root.shape:
        raise RuntimeError(f"{who}: gradient has shape {g.shape} but the tensor has shape "
                           f"{root.shape}; they must match")
    if not np.issubdtype(g.dtype, np.floating):
        raise TypeError(f"{who}: gradient must be a floating-point tensor, got dtype {g.dtype} "
                        f"(shape {g.shape}) for a tensor of dtype {root.dtype}")
    return g.astype(root._array.dtype, copy=True)


from . import autograd_functional as functional  # noqa: E402,F401 (torch.autograd.functional)
from . import custom_function as function  # noqa: E402 (torch's autograd.function; it uses us)
from .autograd_backward import backward  # noqa: E402,F401 (torch.autograd.backward)


def __getattr__(name: str) -> Any:
    """``from tinygrad_acts.autograd import gradcheck`` (torch's spelling), imported late:
    gradcheck needs Tensor, which imports this module."""
    if name in ("gradcheck", "gradgradcheck"):
        import importlib
        return getattr(importlib.import_module(".gradcheck", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
