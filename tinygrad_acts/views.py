"""Views and in-place changes: the graphs an in-place change gives a view's base and its
other views (``sync``, ``rebase``, as torch's CopySlices), the views PyTorch treats
specially (the pieces of ``split``, ``chunk`` and ``unbind``), and views that partially
overlap the memory an in-place op writes.

``split``, ``chunk`` and ``unbind`` return several views of one tensor from one node, and
PyTorch will not rebuild the graph of such a view after an in-place change (as it does for
the view of ``x[0]``).
So, as in torch:

- changing a piece (or a view of a piece) in place in grad mode raises at once;
- after its base, a sibling or the piece itself changed in place (in any mode), the piece
  may no longer be used in a graph: reading its ``grad_fn`` in grad mode (what every op
  does), ``is_leaf`` or a backward through it raises. Uses made before the change stay
  valid.

``check_overlap`` refuses an in-place op whose operand partially overlaps the memory it
writes (torch's rule, shared by the engine's in-place path and the in-place forms).

``multi_output(pieces, op)`` marks the pieces an op returns (``tensor_split``, ``hsplit``,
``vsplit`` and ``dsplit`` are not multi-output in torch: their pieces are plain slices).

Example:
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts.views import multi_output
    >>> x = ta.ones(4, requires_grad=True) * 1
    >>> u, w = multi_output(x.split(2), "Split")      # (what split itself will do)
    >>> u.mul_(2)                                        # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: mul_: output 0 of Split (shape (2,)) is a view and is being modified inplace...
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from . import autograd, ops
from .tensor import _GRAD_FN, _MULTI_OUTPUT, _NO_GRAD_VIEW, Tensor, _NoGradViewTensor

_WHY = ("This view is the output of a function that returns multiple views. Such functions "
        "do not allow the output views to be modified inplace (as in PyTorch). You should "
        "replace the inplace operation by an out-of-place one (or clone() the piece first).")


# --- the graphs of views after an in-place change (torch's CopySlices and view replay) ------


def replay(me: Tensor, how: str, arg: Any, shape: tuple) -> Tensor:
    """The view ``how`` of ``me`` (see ``Tensor._view_of``), as a new node."""
    return (ops.GetItem.apply(me, index=arg) if how == "index" else
            ops.Reshape.apply(me, shape=shape) if how == "reshape" else
            ops.Expand.apply(me, shape=shape) if how == "expand" else
            ops.Permute.apply(me, axes=arg))


def sync(tensor: Tensor) -> None:
    """After an in-place change of ``tensor`` inside a graph, rebuild the graph of each of
    its live views from its new graph: their values changed too. As torch, a view of a view
    reads from this graph through nodes of its own, not through the view between (whose
    hooks do not run for it, and grad() with respect to which finds it unused). Iterative,
    so views of views of ... any depth need no deep Python stack."""
    # (a leaf that requires grad is its own edge)
    me = Tensor._make(tensor._array, True, tensor.grad_fn) if tensor.grad_fn else tensor
    stack: list[tuple[Tensor, Tensor]] = [(tensor, me)]
    while stack:
        tensor, me = stack.pop()
        for view in list(tensor._views or ()):
            if view._base is None:
                continue
            _, how, arg = view._base
            if how is _MULTI_OUTPUT:  # stale now, as in torch (see MultiOutputView)
                continue
            if how is _NO_GRAD_VIEW:  # as in PyTorch: it requires grad now, and is stale
                view._requires_grad, view.__class__ = True, _NoGradViewTensor
                continue
            view._set_graph(replay(me, how, arg, view.shape).grad_fn)
            if view._views:  # its views read from this graph through a twin of its node
                stack.append((view, replay(me, how, arg, view.shape)))


def replayed(view: Tensor) -> list[Tensor]:
    """The first base of ``view`` that is not a view, then each view down to ``view``, as
    fresh views of that base's graph: as torch's CopySlices, an in-place change of a view
    reads the old value from there, so the old nodes of the views (and their hooks) are not
    in the new graph."""
    chain, root = [], view
    while root._base is not None:
        chain.append((root, root._base))
        root = root._base[0]
    olds = [Tensor._make(root._array, True, root.grad_fn) if root.grad_fn else root]
    for v, (_, how, arg) in reversed(chain):
        olds.append(replay(olds[-1], how, arg, v.shape))
    return olds


def rebase(view: Tensor, olds: list[Tensor], written: Any = None) -> None:
    """After an in-place change of ``view`` inside a graph, give its base a graph that says
    so: the base becomes its old value (``olds``, from ``replayed``) with the view's part
    replaced by the view's new value (PyTorch's CopySlices), and so on up to the first
    tensor that is not a view. Without it the base's values would change while its graph
    did not: a silent wrong gradient."""
    while view._base is not None:
        base, how, arg = view._base
        olds.pop()
        if how == "index":
            new = ops.SetItem.apply(olds[-1], view, index=arg)
        elif how == "reshape":
            new = ops.Reshape.apply(view, shape=base.shape)
        elif how == "expand":
            if not view._array.size:
                return
            new = _expanded_base(view, base.shape, written)
            written = None  # (a base above it changed as a whole)
        else:
            new = ops.Permute.apply(view, axes=tuple(int(a) for a in np.argsort(arg)))
        base._set_graph(new.grad_fn)
        view = base
    # NOTE: then every view, this one too, reads from the first base's new graph (torch:
    # the view's grad_fn views CopySlices), so grad() wrt the base sees this change
    sync(view)


def _expanded_base(view: Tensor, shape: tuple, written: Any) -> Tensor:
    """The base of an expand after a write into the view: each base element read at a
    position of the view that was written (``written``: setitem's index; torch's
    CopySlices routes the gradient there), else at the first (the old value). Several
    positions of one element are never written: torch refuses that, and so does
    ``Tensor._writable``."""
    lead = view.ndim - len(shape)
    spread = [i for i, n in enumerate(view.shape)
              if i < lead or (n != 1 and shape[i - lead] == 1)]
    keep = [i for i in range(view.ndim) if i not in spread]
    mask = np.zeros(view.shape, bool)
    mask[Ellipsis if written is None else written] = True
    mask = np.transpose(mask, keep + spread).reshape(
        tuple(view.shape[i] for i in keep) + (-1,))
    at = np.where(mask.any(-1), mask.argmax(-1), 0)[..., None]
    moved = ops.Permute.apply(view, axes=tuple(keep + spread))
    flat = ops.Reshape.apply(moved, shape=mask.shape)
    picked = ops.TakeAlong.apply(flat, index=at, dim=-1)
    return ops.Reshape.apply(picked, shape=shape)


# --- split / chunk / unbind: views that may not change in place --------------------------


def multi_output(pieces: tuple, op: str) -> tuple:
    """Mark the views ``op`` (torch's node name: "Split", "SplitWithSizes", "Unbind")
    returned, as torch marks a multi-output view; returns them."""
    for i, piece in enumerate(pieces):
        if type(piece) is Tensor and piece.requires_grad and piece._base is not None \
                and piece._base[1] == "index":
            piece._base = (piece._base[0], _MULTI_OUTPUT, (op, i, piece._counter[0]))
            piece.__class__ = MultiOutputView
    return pieces


def refused(piece: Any, name: str, changed: Tensor) -> RuntimeError:
    """The error for ``name`` (an in-place op) on ``changed``, a piece or a view of one."""
    op, i, _ = piece._base[2]
    via = "" if changed is piece else f" (through a view of it, of shape {changed.shape})"
    return RuntimeError(f"{name}: output {i} of {op} (shape {piece.shape}) is a view and is "
                        f"being modified inplace{via}. {_WHY}")


class MultiOutputView(Tensor):
    """A piece of split / chunk / unbind (or a view of one): stale once its memory changed
    in place after it was made."""

    __slots__ = ()
    _stale_with_base = True  # a view of it is marked too (see Tensor._view_of)

    def _check(self) -> None:
        view: Tensor = self
        while view._base is not None:
            base, how, made = view._base
            if how is _MULTI_OUTPUT:
                op, i, version = made
                if view._counter[0] != version:
                    raise RuntimeError(
                        f"output {i} of {op} (shape {view.shape}) is a view and its base or "
                        f"another view of its base has been modified inplace. {_WHY}")
                return
            view = base

    @property
    def grad_fn(self) -> Any:
        if autograd.is_recording():
            self._check()
        return _GRAD_FN.__get__(self)

    @property
    def is_leaf(self) -> bool:
        self._check()
        return _GRAD_FN.__get__(self) is None


# --- in-place ops whose operand overlaps the memory they write ------------------------------

def check_overlap(name: str, written: np.ndarray, operands: Iterable) -> None:
    """Refuse ``name`` (an in-place op writing ``written``) when a Tensor operand partially
    overlaps that memory, as torch's ``assert_no_partial_overlap``: ``x.add_(x)`` runs,
    ``x[1:].add_(x[:-1])`` and ``x.copy_(x.t())`` raise. Nothing has been written then."""
    for a in operands:
        if isinstance(a, Tensor) and _partial_overlap(written, a._array):
            raise RuntimeError(f"{name}: unsupported operation: some elements of the input "
                               f"tensor and the written-to tensor (shapes {a.shape} and "
                               f"{written.shape}) refer to a single memory location. Please "
                               "clone() the tensor before performing the operation.")


def _partial_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """torch's test (``get_overlap_status``): both arrays dense, their memory ranges meet,
    and they are not the same elements in the same layout. Where an array has gaps or
    negative steps torch calls it "too hard" and lets it run: so do we (numpy buffers a
    ufunc's overlapping operands, so the result is still right)."""
    if not a.size or not b.size or not np.may_share_memory(a, b):  # (bounds only: cheap)
        return False
    if not (_dense(a) and _dense(b)):
        return False
    start_a, start_b = _address(a), _address(b)
    if (start_a, a.nbytes) == (start_b, b.nbytes):
        return _layout(a) != _layout(b)
    return start_a < start_b + b.nbytes and start_b < start_a + a.nbytes


def _dense(a: np.ndarray) -> bool:
    """No gaps, no element twice, no negative step: the dims, taken by their strides, each
    step exactly over the dims inside them (torch's is_non_overlapping_and_dense)."""
    step = a.itemsize
    for stride, n in sorted((s, n) for n, s in zip(a.shape, a.strides) if n != 1):
        if stride != step:
            return False
        step *= n
    return True


def _layout(a: np.ndarray) -> tuple:
    """The dims and the steps that matter (numpy's step over a dim of size 1 is arbitrary)."""
    return a.ndim, tuple((n, s) for n, s in zip(a.shape, a.strides) if n != 1)


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]
