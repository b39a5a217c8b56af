"""torch's view ops as copies, the scatters that write a view's worth into a copy, and the
index helpers around them:

- ``*_copy``: view_copy / permute_copy / t_copy / transpose_copy / squeeze_copy /
  unsqueeze_copy / diagonal_copy / expand_copy / detach_copy / select_copy / slice_copy /
  split_copy / split_with_sizes_copy / unbind_copy / narrow_copy / unfold_copy / alias_copy:
  each is the view op followed by a copy into fresh row-major memory, so the result never
  shares memory with its input (the gradient is the view's);
- select_scatter / slice_scatter / diagonal_scatter: a copy of input with src written where
  the view would look (differentiable in both, as setitem is);
- diagflat, unravel_index, put / put_, sum_to_size, index_reduce / index_reduce_.

Everything here is composed from the framework's differentiable ops: no rule of its own.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .api import method
from .api.idioms import _inplace_form
from .tensor import Tensor, _tensor_arg

__all__ = [
    "view_copy", "permute_copy", "t_copy", "transpose_copy", "squeeze_copy",
    "unsqueeze_copy", "diagonal_copy", "expand_copy", "detach_copy", "select_copy",
    "slice_copy", "split_copy", "split_with_sizes_copy", "unbind_copy", "narrow_copy",
    "unfold_copy", "alias_copy", "select_scatter", "slice_scatter", "diagonal_scatter",
    "diagflat", "unravel_index", "put", "index_reduce",
]


def _fresh(t: Tensor) -> Tensor:
    """t copied into new C-contiguous memory (in the graph when t is)."""
    if not t._array.flags.c_contiguous:
        return t.contiguous()
    return t.clone()


def _arg(who: str, x: Any) -> Tensor:
    return _tensor_arg(who, x, "input")


# --- the view ops as copies ------------------------------------------------------------------


def view_copy(input: Tensor, *shape: Any) -> Tensor:
    """``input.view(*shape)`` as a copy; as torch's, it takes any input layout (the copy
    is made as reshape's)."""
    return _fresh(_arg("view_copy", input).reshape(*shape))


def permute_copy(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input.permute(dims)`` as a row-major copy."""
    return _fresh(_arg("permute_copy", input).permute(*dims))


def t_copy(input: Tensor) -> Tensor:
    """``input.t()`` as a copy."""
    return _fresh(_arg("t_copy", input).t())


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``input.transpose(dim0, dim1)`` as a copy."""
    return _fresh(_arg("transpose_copy", input).transpose(dim0, dim1))


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    """``input.squeeze(dim)`` as a copy (dim: an int, a tuple, or None for every size-1 dim)."""
    x = _arg("squeeze_copy", input)
    return _fresh(x.squeeze() if dim is None else x.squeeze(dim))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """``input.unsqueeze(dim)`` as a copy."""
    return _fresh(_arg("unsqueeze_copy", input).unsqueeze(dim))


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """``input.diagonal(offset, dim1, dim2)`` as a copy."""
    return _fresh(_arg("diagonal_copy", input).diagonal(offset, dim1, dim2))


def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False) -> Tensor:
    """``input.expand(size)`` materialised: every element its own memory."""
    return _fresh(_arg("expand_copy", input).expand(*size))


def detach_copy(input: Tensor) -> Tensor:
    """``input.detach()`` as a copy: outside the graph, sharing nothing."""
    return _fresh(_arg("detach_copy", input).detach())


def alias_copy(input: Tensor) -> Tensor:
    """A copy of input (torch's alias, materialised), in the graph."""
    return _fresh(_arg("alias_copy", input))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """``input.select(dim, index)`` as a copy."""
    return _fresh(_arg("select_copy", input).select(dim, index))


def _slice_index(x: Tensor, who: str, dim: int, start: Any, end: Any, step: int) -> tuple:
    if not -x.ndim <= dim < max(x.ndim, 1):
        raise IndexError(f"{who}: dim {dim} is out of range for a tensor of shape {x.shape}")
    if step < 1:
        raise ValueError(f"{who}: step must be positive, got {step} (shape {x.shape})")
    return (slice(None),) * (dim % x.ndim) + (slice(start, end, step),)


def slice_copy(input: Tensor, dim: int = 0, start: Any = None, end: Any = None,
               step: int = 1) -> Tensor:
    """``input[..., start:end:step, ...]`` along ``dim``, as a copy."""
    x = _arg("slice_copy", input)
    return _fresh(x[_slice_index(x, "slice_copy", dim, start, end, step)])


def split_copy(input: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``input.split(split_size, dim)``, each piece a copy."""
    return tuple(_fresh(p) for p in _arg("split_copy", input).split(split_size, dim))


def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int],
                          dim: int = 0) -> tuple[Tensor, ...]:
    """``input.split(list(split_sizes), dim)``, each piece a copy (the sizes must add up
    to the dim's size)."""
    x = _arg("split_with_sizes_copy", input)
    if sum(split_sizes) != x.shape[dim]:
        raise RuntimeError(f"split_with_sizes_copy: the sizes {list(split_sizes)} must sum "
                           f"to the size {x.shape[dim]} of dim {dim} (shape {x.shape})")
    return tuple(_fresh(p) for p in x.split(list(split_sizes), dim))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """``input.unbind(dim)``, each slice a copy."""
    return tuple(_fresh(p) for p in _arg("unbind_copy", input).unbind(dim))


@method
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``input.narrow(dim, start, length)`` as a copy."""
    return _fresh(_arg("narrow_copy", input).narrow(dim, start, length))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``input.unfold(dimension, size, step)`` as a copy."""
    return _fresh(_arg("unfold_copy", input).unfold(dimension, size, step))


# --- the scatters: a copy of input with src where a view would look ------------------------


def _scatter_into(who: str, input: Any, src: Any, index: Any, view: Tensor) -> Tensor:
    x, s = _arg(who, input), _tensor_arg(who, src, "src")
    if tuple(s.shape) != tuple(view.shape):
        raise RuntimeError(f"{who}: expected src to have a size equal to the slice of self: "
                           f"src shape {tuple(s.shape)}, slice shape {tuple(view.shape)} "
                           f"(self shape {tuple(x.shape)})")
    out = x.clone()
    out[index] = s.to(x.dtype)  # (src takes self's dtype, as torch's)
    return out


@method
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input with ``src`` written at ``index`` along ``dim`` (src has the shape
    of ``input.select(dim, index)``); gradients flow to both.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.select_scatter(ta.zeros(2, 2), ta.ones(2), 0, 0).tolist()
        [[1.0, 1.0], [0.0, 0.0]]
    """
    x = _arg("select_scatter", input)
    view = x.select(dim, index)
    d = dim % x.ndim
    return _scatter_into("select_scatter", x, src, (slice(None),) * d + (index,), view)


@method
def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: Any = None,
                  end: Any = None, step: int = 1) -> Tensor:
    """A copy of input with ``src`` written at ``start:end:step`` along ``dim``."""
    x = _arg("slice_scatter", input)
    index = _slice_index(x, "slice_scatter", dim, start, end, step)
    return _scatter_into("slice_scatter", x, src, index, x[index])


@method
def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of input with ``src`` written on the diagonal ``input.diagonal(offset, dim1,
    dim2)`` looks at (src has that diagonal's shape: the other dims, then its length)."""
    x = _arg("diagonal_scatter", input)
    view = x.diagonal(offset, dim1, dim2)
    d1, d2 = dim1 % x.ndim, dim2 % x.ndim
    steps = np.arange(view.shape[-1])
    rows, cols = (steps, steps + offset) if offset >= 0 else (steps - offset, steps)
    index: list[Any] = [slice(None)] * x.ndim
    index[d1], index[d2] = rows, cols
    # NOTE: numpy puts the two index arrays' dim where they stand when they are adjacent,
    # first otherwise; src holds it last (diagonal's layout), so it is moved to match
    where = min(d1, d2) if abs(d1 - d2) == 1 else 0
    s = _tensor_arg("diagonal_scatter", src, "src")
    if tuple(s.shape) != tuple(view.shape):
        raise RuntimeError(f"diagonal_scatter: expected src to have a size equal to the "
                           f"diagonal of self: src shape {tuple(s.shape)}, diagonal shape "
                           f"{tuple(view.shape)} (self shape {tuple(x.shape)})")
    moved = s.movedim(-1, where) if s.ndim > 1 else s
    return _scatter_into("diagonal_scatter", x, moved, tuple(index), x[tuple(index)])


# --- diagflat / unravel_index / put / sum_to_size -------------------------------------------


@method
def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-d tensor with the flattened input on its ``offset``-th diagonal.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.diagflat(ta.tensor([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    return _arg("diagflat", input).flatten().diag(offset)


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates of flat ``indices`` in a tensor of ``shape``, one int64 tensor per dim
    (as torch, an index is taken modulo the number of elements: -1 is the last).

    Example:
        >>> import tinygrad_acts as ta
        >>> [t.tolist() for t in ta.unravel_index(ta.tensor([4, 7]), (2, 4))]
        [[1, 1], [0, 3]]
    """
    idx = indices._array if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu" or idx.dtype == np.bool_:
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, got "
                        f"dtype {idx.dtype}")
    dims: tuple[int, ...] = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(
        int(n) for n in shape)
    if any(n < 0 for n in dims):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, got {dims}")
    total = math.prod(dims)
    flat = np.mod(idx, total).astype(np.int64) if total else idx.astype(np.int64)
    coords = np.unravel_index(flat, dims) if dims else ()
    return tuple(Tensor._make(np.asarray(c, np.int64), False, None) for c in coords)


@method
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of input, seen flat, with ``source`` written at the flat ``index``
    (added, with repeats summed, when ``accumulate``); gradients flow to input and source."""
    x = _arg("put", input)
    i = _tensor_arg("put", index, "index")
    s = _tensor_arg("put", source, "source")
    if i.dtype != np.int64:
        raise RuntimeError(f"put: expected index of dtype int64, got {i.dtype}")
    if i.numel() != s.numel():
        raise IndexError(f"put: expected source and index to have the same number of "
                           f"elements, got {s.numel()} and {i.numel()}")
    n = x.numel()
    flat_i = i._array.reshape(-1)
    if flat_i.size and (flat_i.min() < -n or flat_i.max() >= n):
        raise IndexError(f"put: index out of range for a tensor of {n} elements "
                         f"(shape {tuple(x.shape)})")
    flat = x.reshape(-1)
    where = Tensor._make(np.where(flat_i < 0, flat_i + n, flat_i), False, None)
    values = s.reshape(-1).to(x.dtype)
    out = flat.index_add(0, where, values) if accumulate else flat.index_put((where,), values)
    return out.reshape(x.shape)


_PUT_ = method(_inplace_form("put"))  # x.put_(index, source, accumulate): put written into x


@method
def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum ``self`` down to ``size``, which self's shape must expand from (the reverse of
    expand: the gradient of a broadcast). RuntimeError otherwise, as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ones(2, 3).sum_to_size(1, 3).tolist()
        [[2.0, 2.0, 2.0]]
    """
    if not size:
        raise TypeError("sum_to_size() missing 1 required positional argument: 'size'")
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
    shape = tuple(int(n) for n in shape)
    extra = self.ndim - len(shape)
    if extra < 0 or any(n not in (1, m) for n, m in zip(shape, self.shape[extra:])):
        raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to size "
                           f"{list(self.shape)}")
    out = self.sum(tuple(range(extra))) if extra else self
    dims = tuple(i for i, (n, m) in enumerate(zip(shape, out.shape)) if n == 1 and m != 1)
    return out.sum(dims, keepdim=True) if dims else out


_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


@method
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of input where slice ``index[i]`` along ``dim`` is reduced (``"prod"``,
    ``"mean"``, ``"amax"`` or ``"amin"``) with slice i of source, and with itself when
    ``include_self``; it is scatter_reduce with the index spread over the other dims, so
    its gradients are scatter_reduce's.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.ones(3)
        >>> x.index_reduce(0, ta.tensor([0, 0, 2]), ta.tensor([2.0, 3.0, 4.0]), "prod").tolist()
        [6.0, 1.0, 4.0]
    """
    x = _arg("index_reduce", input)
    i = _tensor_arg("index_reduce", index, "index")
    s = _tensor_arg("index_reduce", source, "source")
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError(f"index_reduce(): expected reduce to be one of prod, mean, amax "
                           f"or amin but got {reduce}.")
    d = dim % max(x.ndim, 1)
    if i.ndim > 1 or i.dtype.kind not in "iu":
        raise IndexError(f"index_reduce(): index must be a 1-d integer tensor, got shape "
                         f"{tuple(i.shape)} and dtype {i.dtype}")
    if s.ndim != x.ndim or i.numel() != (s.shape[d] if s.ndim else 1) or any(
            a != b for k, (a, b) in enumerate(zip(s.shape, x.shape)) if k != d):
        raise RuntimeError(f"index_reduce(): source of shape {tuple(s.shape)} must match "
                           f"self's shape {tuple(x.shape)} except along dim {dim}, where its "
                           f"size must be index's length {i.numel()}")
    if s.dtype != x.dtype:
        raise RuntimeError(f"index_reduce(): self ({x.dtype}) and source ({s.dtype}) must "
                           "have the same scalar type")
    view = [1] * max(s.ndim, 1)
    view[d] = -1
    spread = np.broadcast_to(i._array.astype(np.int64).reshape(view), s.shape)
    where = Tensor._make(np.ascontiguousarray(spread), False, None)
    return x.scatter_reduce(d, where, s, reduce, include_self=include_self)


_INDEX_REDUCE_ = method(_inplace_form("index_reduce"))
