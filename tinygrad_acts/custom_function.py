"""PyTorch's custom autograd Function, for users: ``forward(ctx, ...)`` and ``backward(ctx,
...)`` as staticmethods, on Tensors (``ta.autograd.function``: ``FunctionCtx``,
``once_differentiable``).

The framework's own ops use the engine's protocol (instance methods on arrays, one
``self.save``: see ``autograd.Function``). A subclass whose ``forward`` is a staticmethod is
one written the PyTorch way; ``Function.__init_subclass__`` hands it to ``adopt`` here, which
gives it torch's ``apply`` and an engine-side ``backward`` that calls the user's. As in torch:

- ``forward`` runs in no_grad mode on the Tensors given (other arguments pass through); each
  floating output Tensor gets the node as its ``grad_fn``, unless
  ``ctx.mark_non_differentiable`` (integer and bool outputs never do).
- the node is the ``ctx`` (arbitrary attributes allowed): ``ctx.save_for_backward(*tensors)``
  and ``ctx.saved_tensors`` (version-checked: an in-place change in between raises; freed
  after a backward without ``retain_graph``), ``ctx.needs_input_grad``, ``ctx.mark_dirty``
  (an input changed in place and returned), ``ctx.set_materialize_grads``.
- ``backward`` gets one gradient per output (zeros for an unused one, or None once
  ``set_materialize_grads(False)``) and returns one per forward input (None for a non-Tensor
  input; extra trailing Nones are allowed). It runs on Tensors, so under
  ``create_graph=True`` its Tensor ops build the graph of a double backward.

Example:
    >>> import tinygrad_acts as ta
    >>> class Cube(ta.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> x = ta.tensor([1.0, 2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    tensor([ 3., 12.])
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd

_MAIN, _OUTPUT_OF, _REFUSES = "main", "output of", "refuses"  # a node's role (see _role)


class FunctionCtx:
    """What ``forward`` and ``backward`` get as ``ctx`` (the node itself, in fact: these
    methods are given to every PyTorch-style Function class)."""

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep Tensors (or None) for backward; read them back with ``saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, autograd.Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self._to_save = tuple(tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The saved Tensors; raises if one was changed in place since, or after the
        backward that freed them (torch's errors)."""
        if getattr(self, "saved", None) is autograd._FREED:
            raise RuntimeError(
                f"{_name(self)}: trying to backward through the graph a second time (or "
                "directly access saved tensors after they have already been freed). Saved "
                "intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through "
                "the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        saved = getattr(self, "_saved", None)
        if saved is None:  # inside forward, or a ctx of its own
            return getattr(self, "_to_save", ())
        for t, cell, version in saved:
            if t is not None and cell[0] != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [tensor of shape {t.shape}, dtype {t.dtype}], "
                    f"saved by {_name(self)}, is at version {cell[0]}; expected version "
                    f"{version} instead")
        return tuple(t for t, _, _ in saved)

    def mark_dirty(self, *tensors: Any) -> None:
        """Say that forward changed these inputs in place (and returns them)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Say that these outputs have no gradient (indices, masks): they will not require
        grad, and backward gets zeros for them."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward gets zeros (True, the default) or None for an output whose
        gradient was not computed."""
        self._materialize = bool(value)


def _name(node: Any) -> str:
    return type(node).__name__ + "Backward"


def adopt(cls: type) -> None:
    """Give a PyTorch-style Function class torch's protocol: ``apply`` and the ctx methods
    (those it does not define itself), and an engine-side ``backward`` that calls its own."""
    cls._torch_style = True  # type: ignore[attr-defined]
    user = cls.__dict__.get("backward")
    if isinstance(user, staticmethod):
        cls._user_backward = user  # type: ignore[attr-defined]
    cls.backward = _engine_backward  # type: ignore[attr-defined]
    cls.apply = classmethod(_apply)  # type: ignore[attr-defined]
    for name, value in vars(FunctionCtx).items():
        if not name.startswith("__") and name not in vars(cls):
            setattr(cls, name, value)


def _new_node(cls: Any, role: str, parents: list, needs: tuple) -> Any:
    node = cls.__new__(cls)
    node._role, node.parents, node.needs_input_grad = role, parents, needs
    node.saved, node.watched, node.frees, node.hooks = (), (), False, None
    node.seq = next(autograd._sequence)
    if autograd.is_anomaly_enabled():
        node.trace = autograd._user_frame()
    return node


def _apply(cls: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``forward`` (no_grad, on the Tensors given) and connect its outputs to a node
    whose backward is the class's ``backward``."""
    Tensor = autograd.Tensor
    grad_mode = autograd.is_recording()
    parents: list = []
    for a in args:
        wants = grad_mode and isinstance(a, Tensor) and a.requires_grad
        parents.append((a.grad_fn or (None if a._no_edge else a)) if wants else None)
    ctx = _new_node(cls, _MAIN, parents, tuple(p is not None for p in parents))
    ctx._inputs = [(a.shape, a.dtype) if isinstance(a, Tensor) else None for a in args]
    with autograd.no_grad():
        if "setup_context" in vars(cls):  # torch's newer style: forward without ctx
            raw = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, raw)
        else:
            raw = cls.forward(ctx, *args, **kwargs)
    outputs = list(raw) if type(raw) is tuple else [raw]
    record = any(ctx.needs_input_grad)
    dirty = getattr(ctx, "_dirty", ())
    # NOTE: read before the aliasing below: an input marked and returned as it is
    marked = getattr(ctx, "_non_differentiable", ())
    skip = [any(out is m for m in marked) for out in outputs]
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            continue
        if any(out is d for d in dirty):
            _check_dirty(cls, out, record)
            out._counter[0] += 1
        elif out._base is not None or any(out is a for a in args):
            alias = Tensor._make(out._array, False, None)  # torch: a view of the input
            alias._counter = out._counter
            outputs[i] = alias
    ctx._outputs = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outputs]
    _keep_saved(ctx)
    if record:
        _connect(ctx, outputs, skip)
    return tuple(outputs) if type(raw) is tuple else outputs[0]


def _check_dirty(cls: type, t: Any, record: bool) -> None:
    if record and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"{cls.__name__}.apply: a leaf Variable that requires grad (shape "
                           f"{t.shape}) has been used in an in-place operation (mark_dirty)")


def _keep_saved(ctx: Any) -> None:
    """What ``save_for_backward`` got, with each Tensor's version now (checked on reading)."""
    kept = getattr(ctx, "_to_save", ())
    ctx._saved = tuple((t, None, 0) if t is None else (t, t._counter, t._counter[0])
                       for t in kept)
    ctx._to_save = ()
    ctx.frees = bool(kept)


def _connect(ctx: Any, outputs: list, skip: list) -> None:
    """Each differentiable output gets the node (one output) or a node that hands its
    gradient on to it, in its place among the outputs (several). As in torch, the outputs
    marked non-differentiable (``skip``) and the integer or bool ones (argmax's indices, a
    mask) are left out: they do not require grad, and backward gets zeros for them."""
    Tensor = autograd.Tensor
    several = len(outputs) > 1
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor) or skip[i] or out._array.dtype.kind not in "fc":
            continue
        node = ctx
        if several:
            node = _new_node(type(ctx), _OUTPUT_OF, [ctx], (True,))
            node._index, node._of = i, len(outputs)
        if any(out is d for d in getattr(ctx, "_dirty", ())):
            out._set_graph(node)  # an input changed in place: this node makes it now
        else:
            out.grad_fn, out.requires_grad = node, True


class _Grads:
    """The gradients of a node's several outputs, by position (None where none came)."""

    __slots__ = ("parts",)
    __array_ufunc__ = None  # numpy leaves ``array + _Grads`` to us

    def __init__(self, parts: list) -> None:
        self.parts = parts

    def __add__(self, other: Any) -> _Grads:
        return _Grads([b if a is None else a if b is None else a + b
                       for a, b in zip(self.parts, other.parts)])

    __radd__ = __add__


def _engine_backward(node: Any, grad: Any, *saved: Any) -> Any:
    """The engine's call (``node.backward(grad)``), in torch's protocol: the user's
    ``backward(ctx, *grads)`` on Tensors, its results checked, one per input."""
    role = getattr(node, "_role", None)
    if role is None:  # called directly, as torch users may: the user's own
        return type(node)._user_backward(node, grad, *saved)
    Tensor = autograd.Tensor
    create = autograd.is_recording()  # the engine's grad mode is create_graph
    if isinstance(grad, Tensor) and type(grad._array) is _Grads:
        grad = grad._array
    if role == _OUTPUT_OF:
        parts = [None] * node._of
        parts[node._index] = grad
        return _Grads(parts)
    if role == _REFUSES:
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           f"@once_differentiable ({_name(node)})")
    grads = grad.parts if type(grad) is _Grads else [grad]
    wrapped = []
    for g, meta in zip(grads, node._outputs):
        if g is None and getattr(node, "_materialize", True) and meta is not None:
            g = np.zeros(*meta)
        wrapped.append(g if g is None or isinstance(g, Tensor) else Tensor._make(
            np.asarray(g), False, None))
    result = type(node)._user_backward(node, *wrapped)
    return _checked(node, result if type(result) is tuple else (result,), create)


def _checked(node: Any, result: tuple, create: bool) -> tuple:
    """torch's checks of what a backward returned: the count, None for a non-Tensor
    input, a shape the input's (or one it broadcasts to: summed back)."""
    inputs = node._inputs
    if len(result) < len(inputs) or any(r is not None for r in result[len(inputs):]):
        raise RuntimeError(f"function {_name(node)} returned an incorrect number of gradients "
                           f"(expected {len(inputs)}, got {len(result)})")
    out: list = []
    for i, (r, meta) in enumerate(zip(result, inputs)):
        if r is None or not node.needs_input_grad[i]:
            if r is not None and meta is None:
                raise RuntimeError(f"function {_name(node)} returned a gradient different than "
                                   f"None at position {i + 1}, but the corresponding forward "
                                   "input was not a Variable")
            out.append(None)
            continue
        shape = meta[0]
        r = r if isinstance(r, autograd.Tensor) else autograd.Tensor._make(
            np.asarray(r, meta[1]), False, None)
        if r.shape != shape:
            r = _summed_to(node, i, r, shape)
        out.append(r if create else np.asarray(r._array, meta[1]))
    return tuple(out)


def _summed_to(node: Any, i: int, r: Any, shape: tuple) -> Any:
    lead = r.ndim - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, r.shape[lead:])):
        raise RuntimeError(f"Function {_name(node)} returned an invalid gradient at index {i} - "
                           f"got {list(r.shape)} but expected shape compatible with "
                           f"{list(shape)}")
    dims = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(shape)
                                      if n == 1 and r.shape[lead + k] != 1)
    return r.sum(dims, keepdim=True).reshape(shape) if dims else r.reshape(shape)


def once_differentiable(backward: Callable) -> Callable:
    """Decorate a PyTorch-style ``backward`` that is not itself differentiable (it may use
    numpy freely): it runs in no_grad mode, and differentiating its result again raises,
    as torch's."""
    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with autograd.no_grad():
            result = backward(ctx, *grads)
        Tensor = autograd.Tensor
        wanted = [g for g in grads if isinstance(g, Tensor) and g.requires_grad]
        if not autograd.is_recording() or not wanted:
            return result
        parts = list(result) if type(result) is tuple else [result]
        edges = [g.grad_fn or g for g in wanted]
        for k, r in enumerate(parts):
            if isinstance(r, Tensor) and r._array.dtype.kind == "f":
                node = _new_node(type(ctx), _REFUSES, edges, (True,) * len(edges))
                parts[k] = Tensor._make(r._array, True, node)
        return tuple(parts) if type(result) is tuple else parts[0]
    return wrapper


# ``ta.autograd.function`` is this module (torch's ``torch.autograd.function``)
sys.modules[__name__.rsplit(".", 1)[0] + ".autograd.function"] = sys.modules[__name__]
