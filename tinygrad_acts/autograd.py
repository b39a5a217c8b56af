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

import heapq
import itertools
import traceback
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Tensor

# --- grad mode --------------------------------------------------------------------------

_grad_enabled = True
_anomaly_enabled = False


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default; off inside ``no_grad()``)."""
    return _grad_enabled


def set_grad_enabled(mode: bool) -> None:
    global _grad_enabled
    _grad_enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    mode = True

    def __enter__(self) -> None:
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        mode_cls = type(self)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode_cls():
                return fn(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        wrapper.__wrapped__ = fn
        return wrapper


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


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off (see ``detect_anomaly``)."""
    global _anomaly_enabled
    _anomaly_enabled = bool(mode)


class detect_anomaly:
    """Raise as soon as a backward rule produces NaN or inf, naming the forward op and
    the line of user code that created it. Off by default; costs nothing when off.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([0.0], requires_grad=True)
        >>> with ta.detect_anomaly():
        ...     y = x.sqrt().sum()
        ...     y.backward()                      # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        FloatingPointError: backward of SqrtBackward produced inf ...
    """

    def __enter__(self) -> None:
        self._prev = _anomaly_enabled
        set_detect_anomaly(True)

    def __exit__(self, *exc: Any) -> None:
        set_detect_anomaly(self._prev)


def _user_frame() -> str:
    """file:line of the innermost stack frame outside this package (for anomaly reports)."""
    here = __file__.rsplit("/", 1)[0]
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(here):
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "<unknown>"


_sequence = itertools.count()  # creation order of nodes: a topological order of the graph


# --- the Function node ------------------------------------------------------------------


class Function:
    """One differentiable op: ``forward`` on arrays, ``backward`` from the saved arrays.

    Subclasses set ``save_inputs`` (indices of inputs whose arrays backward needs) and
    ``save_output`` (whether it needs the output array); ``apply`` saves exactly those.
    ``backward(grad, *saved)`` receives the saved arrays in that order (inputs, then the
    output) and returns one gradient per input (a tuple, or a single value for one input).
    Under ``create_graph=True`` the same backward runs on Tensors, so it must use only
    arithmetic that works on both (operators, numpy ufuncs, and ``ops.where``/``expand``).
    """

    __slots__ = ("parents", "saved", "versions", "hooks", "trace", "seq", "__weakref__")
    save_inputs: tuple[int, ...] = ()
    save_output = False

    def forward(self, *args: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: Any, *saved: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name}>"

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> "Tensor":
        """Run forward on the inputs' arrays and, if any input needs a gradient, record
        a node. Non-Tensor inputs (Python numbers, arrays) are constants."""
        node = cls.__new__(cls)
        arrays = []
        parents = []
        needs_grad = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                if x.requires_grad:
                    needs_grad = True
                    parents.append(x.grad_fn or x)
                    continue
            else:
                arrays.append(x)
            parents.append(None)
        try:
            out = node.forward(*arrays, **params)
        except ValueError as e:
            if "broadcast" not in str(e) or str(e).startswith(cls.__name__.lower()):
                raise
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            raise ValueError(f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast "
                             "together (numpy's rule: aligned from the right, each pair of "
                             "sizes must be equal or one of them 1)") from None
        if type(out) is not np.ndarray:  # NOTE: numpy returns scalars for 0-d results
            out = np.asarray(out)
        if not (needs_grad and _grad_enabled):
            return Tensor._make(out, False, None)
        node.parents, node.hooks, node.seq = parents, None, next(_sequence)
        result = Tensor._make(out, True, node)
        saved, versions = [], []
        for i in cls.save_inputs:
            saved.append(arrays[i])
            x = inputs[i]
            if isinstance(x, Tensor):
                versions.append((x._version, x._version[0]))
        if cls.save_output:
            saved.append(out)
            versions.append((result._version, 0))
        node.saved, node.versions = saved, versions
        if _anomaly_enabled:
            node.trace = _user_frame()
        return result


# --- backward ---------------------------------------------------------------------------

_FREED = "freed"


def _saved_for_backward(node: Function, create_graph: bool) -> list:
    """The node's saved arrays, checked against in-place changes; as graph-connected
    Tensors when the backward itself must be differentiable."""
    saved = node.saved
    if saved is _FREED:
        raise RuntimeError(
            f"Trying to backward through {node.name} a second time: its saved arrays were "
            "freed after the first backward. Pass retain_graph=True to the first "
            "backward() if you need to backward through the graph again.")
    for cell, version in node.versions:
        if cell[0] != version:
            raise RuntimeError(
                f"An array that {node.name} saved for backward was modified by an in-place "
                f"operation (version {cell[0]}, expected {version}). Use the out-of-place "
                "op, or clone() the tensor before changing it in place.")
    if not create_graph or not saved:
        return saved
    # Reconnect each saved array to where it came from, so the backward builds a graph.
    out = []
    cls = type(node)
    sources = [node.parents[i] for i in cls.save_inputs]
    if cls.save_output:
        sources.append(node)
    for array, source in zip(saved, sources):
        if isinstance(source, Tensor):
            out.append(source)
        elif source is None:
            out.append(Tensor._make(array, False, None) if isinstance(array, np.ndarray) else array)
        else:
            out.append(Tensor._make(array, True, source))
    return out


def _check_finite(node: Function, grads: Sequence) -> None:
    for i, g in enumerate(grads):
        if g is None:
            continue
        arr = g.data if isinstance(g, Tensor) else np.asarray(g)
        if not np.all(np.isfinite(arr)):
            what = "nan" if np.any(np.isnan(arr)) else "inf"
            where = getattr(node, "trace", None) or "<created outside detect_anomaly>"
            raise FloatingPointError(
                f"backward of {node.name} produced {what} in the gradient of its input {i} "
                f"(shape {arr.shape}); the forward op was created at {where}")


def _run_hooks(hooks: list, grad: Any, create_graph: bool) -> Any:
    wrapped = grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None)
    for hook in hooks:
        new = hook(wrapped)
        if new is not None:
            wrapped = new if isinstance(new, Tensor) else Tensor._make(np.asarray(new), False, None)
    return wrapped if create_graph else wrapped.data


def _owned(g: np.ndarray, leaf: "Tensor", seen: set) -> np.ndarray:
    """A gradient array that a leaf may keep: writable, the leaf's dtype, and sharing no
    memory with another leaf's gradient from this backward (``seen`` holds the ids of the
    memory blocks already handed out). Gradients are made fresh by the rules, so this
    copies only when two leaves got the same block, e.g. both inputs of an add."""
    if type(g) is not np.ndarray:  # NOTE: numpy hands back 0-d results as scalars
        return np.array(g, dtype=leaf.data.dtype)
    if g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
    base = g.base
    block = id(g if base is None else base)
    # NOTE: only views can be read-only here (np.broadcast_to and friends)
    if block in seen or base is not None and not g.flags.writeable:
        g = g.copy()
        block = id(g)
    seen.add(block)
    return g


def run_backward(roots: Sequence["Tensor"], root_grads: Sequence[Any], retain_graph: bool,
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
    global _grad_enabled
    grads: dict[Function, Any] = {}
    heap: list = []
    seen_leaf_grads: set[int] = set()
    for r, g in zip(roots, root_grads):
        node = r.grad_fn
        if node is None:
            _accumulate_leaf(r, g, create_graph, capture, seen_leaf_grads)
        elif node in grads:
            grads[node] = grads[node] + g
        else:
            grads[node] = g
            heapq.heappush(heap, (-node.seq, node))

    prev_mode, _grad_enabled = _grad_enabled, create_graph
    # NOTE: in anomaly mode numpy stays quiet and _check_finite names the op instead (a
    # warning, or an error under -W error, would otherwise come first and name no op).
    quiet = np.seterr(divide="ignore", over="ignore", invalid="ignore") \
        if _anomaly_enabled else None
    heappop, heappush = heapq.heappop, heapq.heappush
    try:
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph)
            if capture is not None and id(node) in capture:
                capture[id(node)] = g
            saved = node.saved
            if create_graph or saved is _FREED:
                saved = _saved_for_backward(node, create_graph)
            else:
                for cell, version in node.versions:
                    if cell[0] != version:
                        _saved_for_backward(node, create_graph)  # raises, naming the op
            if create_graph:
                in_grads = _differentiable_backward(node, g, saved)
            else:
                in_grads = node.backward(g, *saved)
            parents = node.parents
            if len(parents) == 1:
                in_grads = (in_grads,)
            if _anomaly_enabled:
                _check_finite(node, in_grads)
            if not retain_graph:
                node.saved = _FREED
            for p, pg in zip(parents, in_grads):
                if p is None or pg is None:
                    continue
                if isinstance(p, Tensor):
                    _accumulate_leaf(p, pg, create_graph, capture, seen_leaf_grads, node)
                elif p in grads:
                    grads[p] = grads[p] + pg
                else:
                    grads[p] = pg
                    heappush(heap, (-p.seq, p))
    finally:
        _grad_enabled = prev_mode
        if quiet is not None:
            np.seterr(**quiet)


def _differentiable_backward(node: Function, g: Any, saved: list) -> Any:
    if not isinstance(g, Tensor):
        g = Tensor._make(g, False, None)
    try:
        return node.backward(g, *saved)
    except TypeError as e:
        if "Tensor" in str(e):
            raise TypeError(f"{node.name}: its backward rule does not work on Tensors "
                            f"(needed for create_graph=True): {e}") from e
        raise


def _accumulate_leaf(leaf: "Tensor", g: Any, create_graph: bool, capture: dict | None,
                     seen: set, source: Any = None) -> None:
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, create_graph)
    if capture is not None:
        key = id(leaf)
        if key in capture:
            capture[key] = g if capture[key] is None else capture[key] + g
        return
    if create_graph:
        if not isinstance(g, Tensor):
            g = Tensor._make(g, False, None)
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    if isinstance(g, Tensor):
        g = g.data
    if (g.shape if type(g) is np.ndarray else np.shape(g)) != leaf.data.shape:
        raise RuntimeError(f"{getattr(source, 'name', 'backward')}: a backward rule returned "
                           f"a gradient of shape "
                           f"{np.shape(g)} for a leaf of shape {leaf.shape}; a rule must "
                           "return one gradient per input, shaped like that input (undo any "
                           "broadcasting)")
    if leaf.grad is None:
        g = _owned(g, leaf, seen)
        leaf.grad = Tensor._make(g, False, None)
    else:
        # NOTE: out of place, so a gradient array is never shared with another leaf.
        total = leaf.grad.data + g
        if type(total) is not np.ndarray or total.dtype != leaf.data.dtype:
            total = np.asarray(total, dtype=leaf.data.dtype)  # a 0-d sum, or promoted
        leaf.grad = Tensor._make(total, False, None)


def grad(outputs: "Tensor | Sequence[Tensor]", inputs: "Tensor | Sequence[Tensor]",
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
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

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor(3.0, requires_grad=True)
        >>> (dx,) = ta.grad(x ** 3, x, create_graph=True)
        >>> (d2x,) = ta.grad(dx, x)
        >>> float(dx), float(d2x)
        (27.0, 18.0)
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    root_grads = [_root_grad(o, g, "grad") for o, g in zip(outputs, grad_outputs)]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {t.shape} does not require grad")
    capture = {id(t.grad_fn if t.grad_fn is not None else t): None for t in inputs}
    run_backward(outputs, root_grads, create_graph if retain_graph is None else retain_graph,
                 create_graph, capture)
    result = []
    for i, t in enumerate(inputs):
        g = capture[id(t.grad_fn if t.grad_fn is not None else t)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else Tensor._make(np.array(g), False, None))
    return tuple(result)


def _root_grad(root: "Tensor", gradient: Any, who: str) -> Any:
    """The starting gradient for ``root``: ones for a scalar, else the one given."""
    if not root.requires_grad:
        raise RuntimeError(f"{who}: the tensor (shape {root.shape}) does not require grad "
                           "and has no grad_fn; did you compute it inside no_grad()?")
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{who}: grad can be implicitly created only for scalar outputs; this tensor "
                f"has shape {root.shape}. Pass gradient= (a tensor of shape {root.shape}), "
                "or reduce it first, e.g. y.sum().backward()")
        return np.array(1, root.data.dtype).reshape(root.data.shape)  # 4x cheaper than ones
    if isinstance(gradient, Tensor) and gradient.requires_grad:  # for higher derivatives
        if gradient.shape != root.shape:
            raise RuntimeError(f"{who}: gradient has shape {gradient.shape} but the tensor "
                               f"has shape {root.shape}; they must match")
        return gradient
    g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != root.shape:
        raise RuntimeError(f"{who}: gradient has shape {g.shape} but the tensor has shape "
                           f"{root.shape}; they must match")
    if not np.issubdtype(g.dtype, np.floating):
        raise TypeError(f"{who}: gradient must be a floating-point tensor, got dtype {g.dtype} "
                        f"(shape {g.shape}) for a tensor of dtype {root.dtype}")
    return g.astype(root.data.dtype, copy=True)


from .tensor import Tensor  # noqa: E402  (Tensor needs this module first)
