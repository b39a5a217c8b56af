"""selection: sort / argsort / msort / topk / kthvalue / unique, gather / scatter /
scatter_add / scatter_reduce / index_select / index_add / index_fill / index_copy /
masked_fill / masked_select / masked_scatter / take / take_along_dim, nonzero / argwhere /
where(cond), searchsorted / bucketize, and the in-place forms torch users reach for.

Every differentiable op here is a rule of ``ops/indexing.py`` applied to a checked numpy
index: picks are ``TakeAlong`` (gather, sort, topk, kthvalue) or ``GetItem``
(index_select, take, masked_select), writes are ``SetItem`` (scatter, index_fill,
index_copy, masked_scatter) or ``IndexAdd`` (scatter_add, index_add), and masked_fill is
``Where``; their backwards are scatter-adds and picks, linear in the index size.
Index errors are torch's: an index out of range names the dim and its size.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops, return_types
from ..ops import indexing as ix
from ..ops import sorting
from ..tensor import Tensor, _dim, _number, _tensor_arg, full
from ..tensor import where as _where
from . import method

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "gather", "scatter",
           "scatter_add", "scatter_reduce", "index_select", "index_add", "index_fill",
           "index_copy", "masked_fill", "masked_select", "masked_scatter", "take",
           "take_along_dim", "nonzero", "argwhere", "searchsorted", "bucketize", "where"]


def _long(arr: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(arr, np.int64), False, None)


def _fresh(out: Tensor) -> Tensor:
    """A pick's result as torch makes it: contiguous (numpy's fancy indexing may not be)."""
    if not out._array.flags.c_contiguous:
        out._array = np.ascontiguousarray(out._array)
    return out


def _index(who: str, index: Any, int32: bool = True, error: type = RuntimeError,
           name: str = "index") -> np.ndarray:
    """The array of an index Tensor, int64 (or int32 where torch takes it)."""
    dt = _tensor_arg(who, index, name)._array.dtype
    if dt != np.int64 and not (int32 and dt == np.int32):
        raise error(f"{who}(): Expected dtype {'int32/int64' if int32 else 'int64'} for "
                    f"{name}, got {index.dtype} (shape {index.shape})")
    return index._array


def _bounded(who: str, idx: np.ndarray, size: int, dim: int, negative: bool = False,
             error: type = RuntimeError) -> np.ndarray:
    """idx checked against [0, size) ([-size, size) with ``negative``, then wrapped)."""
    bad = idx[(idx < (-size if negative else 0)) | (idx >= size)]
    if bad.size:
        raise error(f"{who}(): index {bad.flat[0]} is out of bounds for dimension {dim} "
                    f"with size {size}")
    return idx % size if negative and idx.size else idx


def _same_dtype(who: str, x: Tensor, src: Tensor, what: str = "src") -> None:
    if src._array.dtype != x._array.dtype:
        raise RuntimeError(f"{who}(): expected self and {what} to have the same dtype, got "
                           f"{x.dtype} and {src.dtype} (shapes {x.shape} and {src.shape})")


def _value(who: str, x: Tensor, value: Any) -> Any:
    """A fill value: a number (cast to x's dtype) or a 0-d Tensor (differentiable)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{who}: only supports a 0-dimensional value tensor, got shape "
                               f"{value.shape}")
        return value if value._array.dtype == x._array.dtype else value.astype(x.dtype)
    value = value.item() if isinstance(value, np.generic) else _number(who, x, value)
    if x._array.dtype.kind == "b":  # as torch: bool(value), so inf and nan are True
        return np.asarray(bool(value), np.bool_)
    if x._array.dtype.kind != "f" and isinstance(value, float) and not (
            np.isfinite(value) and abs(value) < 2.0 ** 63):
        raise RuntimeError(f"{who}: value {value} cannot be converted to type {x.dtype} "
                           "without overflow")
    return np.asarray(int(value) if x._array.dtype.kind in "iu" else value, x._array.dtype)


def _not_0d(who: str, x: Tensor) -> None:
    if not x.ndim:  # the out-of-place forms lift a 0-d x to shape (1,): see _lifted
        raise RuntimeError(f"{who}: a 0-d tensor is not supported in place; use reshape(1)")


def _lifted(fn: Any, x: Tensor, dim: int, *tensors: Any, **kw: Any) -> Tensor:
    """``fn`` on a 0-d x as torch runs it: on x seen as shape (1,), then back to 0-d."""
    flat = [t.reshape(-1) if isinstance(t, Tensor) else t for t in tensors]
    return ops.Reshape.apply(fn(x.reshape(1), dim, *flat, **kw), shape=())


# --- sorting: sort / argsort / msort / topk / kthvalue / unique -----------------------------


@method
def sort(input: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> Any:
    """Sort along ``dim``: y = x[order]; dx = g sent back to where each value came from.

    Args:
        dim: the dim to sort (default the last). descending: largest first.
        stable: accepted for torch's signature; the sort is always stable.

    Shape:
        values and indices have x's shape. NOTE: ties keep their order, nan sorts last
        (first when descending), as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([3.0, 1.0, 2.0]).sort()
        sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    x = _tensor_arg("sort", input, "input")
    d = _dim("sort", x, dim)
    if not x.ndim:
        return return_types.sort(x.clone(), _long(np.zeros((), np.int64)))
    idx = sorting.order(x._array, d, descending)
    return return_types.sort(_fresh(ops.TakeAlong.apply(x, index=idx, dim=d)), _long(idx))


@method
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices that sort x along ``dim`` (``sort(...).indices``); no gradient.

    Args:
        dim: the dim to sort. descending: largest first. stable: always so here.

    Shape:
        x's shape, int64.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([3, 1, 2]).argsort(descending=True)
        tensor([0, 2, 1])
    """
    return sort(input, dim, descending).indices


@method
def msort(input: Tensor) -> Tensor:
    """``sort(x, dim=0).values``.

    Args:
        input: the tensor.

    Shape:
        x's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[2, 0], [1, 3]]).msort()
        tensor([[1, 0],
                [2, 3]])
    """
    return sort(input, 0).values


def _picked(who: str, x: Tensor, idx: np.ndarray, d: int, keepdim: bool, result: Any) -> Any:
    values = ops.TakeAlong.apply(x, index=idx, dim=d)
    if not keepdim:
        idx = np.squeeze(idx, axis=d)
        values = ops.Reshape.apply(values, shape=idx.shape)
    return result(values, _long(idx))


@method
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> Any:
    """The k largest (or smallest) values along ``dim`` and their indices; the gradient
    goes to the picked elements.

    Args:
        k: how many. dim: the dim (default the last). largest: False for the smallest.
        sorted: accepted; the values always come sorted (torch leaves it unspecified).

    Shape:
        x's shape with ``dim`` of size k. NOTE: which of tied elements at the k-th place
        is picked is unspecified, as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 3.0, 2.0]).topk(2)
        topk(values=tensor([3., 2.]), indices=tensor([1, 2]))
    """
    x = _tensor_arg("topk", input, "input")
    d = _dim("topk", x, dim)
    n = x.shape[d] if x.ndim else 1
    if x._array.dtype == np.bool_:
        raise RuntimeError("topk: does not support bool dtypes (as torch on CPU)")
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k={k} out of range for dim {d} of size {n}")
    if not x.ndim:
        return return_types.topk(x.clone(), _long(np.zeros((), np.int64)))
    idx = sorting.top(x._array, k, d, largest)
    return return_types.topk(_fresh(ops.TakeAlong.apply(x, index=idx, dim=d)), _long(idx))


@method
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The k-th smallest value along ``dim`` (k from 1) and its index; the gradient goes
    to that element.

    Args:
        k: which (1 is the smallest). dim: the dim. keepdim: keep ``dim`` as size 1.

    Shape:
        x's shape without ``dim`` (kept as 1 with keepdim). NOTE: among ties the earliest
        index of the stable sort is returned; torch may return another tied index.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([4.0, 1.0, 3.0]).kthvalue(2)
        kthvalue(values=tensor(3.), indices=tensor(2))
    """
    x = _tensor_arg("kthvalue", input, "input")
    d = _dim("kthvalue", x, dim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k={k} out of range for dimension "
                           f"{d} of size {n}")
    if not x.ndim:  # NOTE: a 0-d tensor is its own first value, of any dtype (bool too, as torch)
        return return_types.kthvalue(x.clone(), _long(np.zeros((), np.int64)))
    if x._array.dtype == np.bool_:
        raise NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\' (as torch)')
    idx = sorting.kth(x._array, k, d)
    return _picked("kthvalue", x, idx, d, keepdim, return_types.kthvalue)


@method
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values, sorted (always, as torch on CPU); no gradient (a backward
    through them raises, as torch's). NOTE: each nan is distinct (nan != nan), as torch.

    Args:
        return_inverse: also the index of each element's value in the result.
        return_counts: also how many times each value occurs. dim: unique slices along
            ``dim`` instead of values.

    Shape:
        values 1-d (or x's shape with ``dim`` shrunk); inverse x's shape (or
        ``(x.shape[dim],)``); counts like values along its first (or ``dim``) axis.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([2, 1, 2]).unique(return_counts=True)
        (tensor([1, 2]), tensor([1, 2]))
    """
    x = _tensor_arg("unique", input, "input")
    d = None if dim is None else _dim("unique", x, dim)
    found = np.unique(x._array, return_inverse=return_inverse,  # type: ignore[call-overload]
                      return_counts=return_counts, axis=d, equal_nan=False)
    if not (return_inverse or return_counts):
        return sorting.Unique.apply(x, values=found)
    values, *rest = found
    if return_inverse:
        rest[0] = rest[0].reshape(x.shape if d is None else (x.shape[d],))
    return (sorting.Unique.apply(x, values=values), *map(_long, rest))


# --- picks: gather / take_along_dim / index_select / take / masked_select ------------------


def _along(who: str, x: Tensor, dim: int, index: Any, src: Tensor | None = None,
           int32: bool = True) -> tuple:
    """(dim, index array) for gather / scatter, checked as torch checks them."""
    d = _dim(who, x, dim)
    idx = _index(who, index, int32)
    if not idx.size:
        return d, idx
    if max(idx.ndim, 1) != max(x.ndim, 1) or (src is not None and src.ndim != idx.ndim):
        raise RuntimeError(f"{who}(): index tensor must have the same number of dimensions "
                           f"as the input (and src) tensor: shapes {idx.shape} and {x.shape}")
    for k, n in enumerate(idx.shape):
        if (k != d and n > x.shape[k]) or (src is not None and n > src.shape[k]):
            raise RuntimeError(f"{who}(): size does not match at dim {k}: index {idx.shape} "
                               f"must be no larger than self {x.shape} apart from dim {d}"
                               + ("" if src is None else f" and no larger than src {src.shape}"))
    return d, _bounded(who, idx, x.shape[d] if x.ndim else 1, d)


@method
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """y[i][j] = x[i][index[i][j]] (for dim=1); dx = zeros with g added at index
    (repeats accumulate; linear in the index size).

    Args:
        dim: the dim to pick along. index: int64 (or int32) Tensor, with x's number of
            dims and no larger than x in the other dims. sparse_grad: accepted, ignored.

    Shape:
        index's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, ta.tensor([[1], [0]]))
        tensor([[2.],
                [3.]])
    """
    x = _tensor_arg("gather", input, "input")
    d, idx = _along("gather", x, dim, index)
    if not idx.size:
        return ops.GetItem.apply(x.reshape(-1), index=idx)
    return _fresh(ops.TakeAlong.apply(x, index=idx, dim=d))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather with broadcasting (numpy's take_along_axis); ``dim=None`` picks from the
    flattened x with flat indices. The gradient is gather's.

    Args:
        indices: int64 Tensor. dim: the dim, or None for the flattened tensor.

    Shape:
        x and indices broadcast against each other except along ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.take_along_dim(ta.tensor([[1.0, 2.0], [3.0, 4.0]]), ta.tensor([[1]]), dim=1)
        tensor([[2.],
                [4.]])
    """
    x = _tensor_arg("take_along_dim", input, "input")
    idx = _index("take_along_dim", indices, int32=False, name="indices")
    if dim is None:
        return gather(x.reshape(-1), 0, _long(idx.reshape(-1)))
    d = _dim("take_along_dim", x, dim)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, got shapes {x.shape} and {idx.shape}")
    try:
        shape = np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                    idx.shape[:d] + (1,) + idx.shape[d + 1:])
    except ValueError:
        raise RuntimeError(f"take_along_dim(): shapes {x.shape} and {idx.shape} do not "
                           f"broadcast apart from dim {d}") from None
    want = shape[:d] + (x.shape[d],) + shape[d + 1:]
    x = x if x.shape == want else x.expand(want)
    idx = np.broadcast_to(idx, shape[:d] + (idx.shape[d],) + shape[d + 1:])
    return gather(x, d, _long(idx))


@method
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """y = x[..., index, ...] (index at ``dim``); dx = zeros with g added at index.

    Args:
        dim: the dim. index: a 1-d int64 (or int32) Tensor, values in [0, size).

    Shape:
        x's shape with ``dim`` of size len(index).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2, 3]]).index_select(1, ta.tensor([2, 0]))
        tensor([[3, 1]])
    """
    x = _tensor_arg("index_select", input, "input")
    d = _dim("index_select", x, dim)
    idx = _index("index_select", index)
    if idx.ndim > 1:
        raise IndexError(f"index_select(): index is supposed to be a vector, got shape "
                         f"{idx.shape}")
    if not x.ndim:
        if idx.size != 1 or idx.reshape(-1)[0] != 0:
            raise IndexError(f"index_select(): index {idx.tolist()} out of range for a 0-d "
                             "tensor")
        return x.clone()
    idx = _bounded("index_select", idx.reshape(-1), x.shape[d], d)
    return _fresh(ops.GetItem.apply(x, index=(slice(None),) * d + (idx,)))


@method
def take(input: Tensor, index: Tensor) -> Tensor:
    """y = x.flatten()[index] (negative indices count from the end); dx = zeros with g
    added at index.

    Args:
        index: an int64 Tensor of any shape, values in [-numel, numel).

    Shape:
        index's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2], [3, 4]]).take(ta.tensor([0, -1]))
        tensor([1, 4])
    """
    x = _tensor_arg("take", input, "input")
    idx = _index("take", index, int32=False)
    n = x.numel()
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"take(): out of range: tried to access index {bad.flat[0]} on a "
                         f"tensor of {n} elements (shape {x.shape})")
    if not idx.ndim:  # NOTE: Reshape, not a view of the pick (torch's result is not)
        return ops.Reshape.apply(take(x, _long(idx.reshape(1))), shape=())
    return ops.GetItem.apply(x.reshape(-1), index=idx)  # negative ones wrap, as torch's


def _mask(who: str, mask: Any) -> np.ndarray:
    m = _tensor_arg(who, mask, "mask")._array
    if m.dtype != np.bool_:
        raise RuntimeError(f"{who}: expected a boolean mask, got dtype {m.dtype} (shape "
                           f"{m.shape})")
    return m


def _broadcast(who: str, x: Tensor, mask: np.ndarray) -> tuple:
    try:
        shape = np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise RuntimeError(f"{who}: the mask's shape {mask.shape} does not broadcast with "
                           f"the tensor's {x.shape}") from None
    return (x if x.shape == shape else x.expand(shape)), np.broadcast_to(mask, shape)


@method
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of x where mask is True, as a 1-d tensor; dx = g scattered back.

    Args:
        mask: a bool Tensor that broadcasts with x.

    Shape:
        (number of True elements of the broadcast mask,).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1, 2, 3]).masked_select(ta.tensor([True, False, True]))
        tensor([1, 3])
    """
    x = _tensor_arg("masked_select", input, "input")
    x, m = _broadcast("masked_select", x, _mask("masked_select", mask))
    return _fresh(ops.GetItem.apply(x, index=m))


# --- writes: scatter / scatter_add / scatter_reduce / index_* / masked_* --------------------


def _scatter_plan(who: str, x: Tensor, dim: int, index: Any, src: Any, value: Any,
                  reduce: str | None) -> tuple:
    """(op, args, params) for scatter / scatter_ (applied out of place or in place)."""
    _not_0d(who, x)
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError(f"{who}(): give exactly one of src (a Tensor) and value (a number)")
    if src is not None:
        _same_dtype(who, x, src)
    d, idx = _along(who, x, dim, index, src)
    where_ = ix.along(idx, d) if idx.size else (np.zeros(0, np.int64),) * x.ndim
    if src is not None and src.shape != idx.shape:
        src = src[tuple(slice(0, n) for n in idx.shape)] if idx.size else src.reshape(-1)[:0]
    if reduce is None:
        return ops.SetItem, (src if src is not None else _value(who, x, value),), \
            {"index": where_}
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"{who}(): reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    part = src if src is not None else full(idx.shape, value, dtype=x.dtype)
    if reduce == "multiply":  # NOTE: no gradient, as in torch (forward only, detached)
        out = x._array.copy()
        np.multiply.at(out, where_, part._array)
        return None, (out,), {}
    return ix.IndexAdd, (part,), {"index": where_}


@method
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
            reduce: str | None = None) -> Tensor:
    """out = x with out[i][index[i][j]] = src[i][j] (dim=1), or = value; dx = g with 0
    where written, dsrc = g picked at index (gather).

    Args:
        dim: the dim. index: int64 (or int32) Tensor with x's number of dims. src: a
            Tensor of x's dtype, at least index's size (or a number: the value).
            value: a number. reduce: "add" (differentiable) or "multiply" (no gradient).

    Shape:
        x's shape. NOTE: where index repeats a position the last write wins (torch
        leaves it unspecified).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 3).scatter(1, ta.tensor([[2], [0]]), 5.0)
        tensor([[0., 0., 5.],
                [5., 0., 0.]])
    """
    x = _tensor_arg("scatter", input, "input")
    if not x.ndim:
        return _lifted(scatter, x, dim, index, src, value, reduce=reduce)
    op, args, params = _scatter_plan("scatter", x, dim, index, src, value, reduce)
    return Tensor._make(args[0], False, None) if op is None else op.apply(x, *args,
                                                                              **params)


@method
def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
             reduce: str | None = None) -> Tensor:
    """In-place ``scatter`` (a leaf that requires grad is refused outside no_grad)."""
    op, args, params = _scatter_plan("scatter_", self, dim, index, src, value, reduce)
    if op is None:
        return self._inplace(ops.SetItem, *args, index=Ellipsis, _name="scatter_")
    return self._inplace(op, *args, _name="scatter_", **params)


def _add_plan(who: str, x: Tensor, dim: int, index: Any, src: Any) -> tuple:
    _not_0d(who, x)
    src = _tensor_arg(who, src, "src")
    _same_dtype(who, x, src)
    d, idx = _along(who, x, dim, index, src)
    if not idx.size:
        return (src[(slice(0, 0),) * src.ndim],), {"index": (np.zeros(0, np.int64),) * x.ndim}
    part = src if src.shape == idx.shape else src[tuple(slice(0, n) for n in idx.shape)]
    return (part,), {"index": ix.along(idx, d)}


@method
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """out = x with src[i][j] added at out[i][index[i][j]] (dim=1; repeats add up);
    dx = g, dsrc = g picked at index.

    Args:
        dim: the dim. index: int64 (or int32) Tensor. src: x's dtype, at least index's size.

    Shape:
        x's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(3).scatter_add(0, ta.tensor([0, 0, 2]), ta.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
    x = _tensor_arg("scatter_add", input, "input")
    if not x.ndim:
        return _lifted(scatter_add, x, dim, index, src)
    args, params = _add_plan("scatter_add", x, dim, index, src)
    return ix.IndexAdd.apply(x, *args, **params)


@method
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``."""
    args, params = _add_plan("scatter_add_", self, dim, index, src)
    return self._inplace(ix.IndexAdd, *args, _name="scatter_add_", **params)


def _reduction(who: str, reduce: str) -> None:
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"{who}(): reduce argument must be either sum, prod, mean, amax or "
                           f"amin, got {reduce}")


@method
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """out = x with the src values sent to each position reduced into it ("sum", "prod",
    "mean", "amax", "amin"); the gradient is shared among what made each result (prod: the
    product of the others; amax / amin: evenly among the tied winners, as torch).

    Args:
        dim, index, src: as scatter_add. reduce: the reduction (no second derivative for
            "prod").
        include_self: whether x's own value takes part where something is scattered.

    Shape:
        x's shape. NOTE: an integer "mean" rounds down, as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2).scatter_reduce(0, ta.tensor([0, 0]), ta.tensor([1.0, 3.0]), "amax")
        tensor([3., 0.])
    """
    x = _tensor_arg("scatter_reduce", input, "input")
    _reduction("scatter_reduce", reduce)
    if not x.ndim:
        return _lifted(scatter_reduce, x, dim, index, src, reduce, include_self=include_self)
    (part,), params = _add_plan("scatter_reduce", x, dim, index, src)
    if reduce == "sum" and include_self:
        return ix.IndexAdd.apply(x, part, **params)
    return ix.ScatterReduce.apply(x, part, reduce=reduce, include_self=include_self,
                                   **params)


@method
def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """In-place ``scatter_reduce``."""
    _reduction("scatter_reduce_", reduce)
    (part,), params = _add_plan("scatter_reduce_", self, dim, index, src)
    if reduce == "sum" and include_self:
        return self._inplace(ix.IndexAdd, part, _name="scatter_reduce_", **params)
    return self._inplace(ix.ScatterReduce, part, reduce=reduce, include_self=include_self,
                         _name="scatter_reduce_", **params)


def _dim_plan(who: str, x: Tensor, dim: int, index: Any, int32: bool = True,
              negative: bool = False, error: type = RuntimeError) -> tuple:
    """(dim, numpy index) for the index_* ops: a 1-d index at ``dim``."""
    _not_0d(who, x)
    d = _dim(who, x, dim)
    idx = _index(who, index, int32, IndexError if who.startswith("index_fill") else
                 RuntimeError)
    if idx.ndim > 1:
        raise IndexError(f"{who}(): index is supposed to be a vector, got shape {idx.shape}")
    idx = _bounded(who, idx.reshape(-1), x.shape[d], d, negative, error)
    return d, (slice(None),) * d + (idx,)


def _source(who: str, x: Tensor, d: int, where_: tuple, source: Any,
            error: type = RuntimeError) -> Tensor:
    source = _tensor_arg(who, source, "source")
    _same_dtype(who, x, source, "source")
    want = x.shape[:d] + (len(where_[d]),) + x.shape[d + 1:]
    if source.shape != want:
        raise error(f"{who}(): source of shape {source.shape} does not fit: {len(where_[d])} "
                    f"indices at dim {d} of a tensor of shape {x.shape} need shape {want}")
    return source


@method
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Any = 1) -> Tensor:
    """out = x with alpha * source[..., i, ...] added at x[..., index[i], ...] (repeats
    add up); dx = g, dsource = alpha * g[..., index, ...].

    Args:
        dim: the dim. index: 1-d int64 (or int32) Tensor. source: x's dtype, x's shape
            with ``dim`` of size len(index). alpha: the scale (cast to int for an integer x).

    Shape:
        x's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(3).index_add(0, ta.tensor([0, 0]), ta.tensor([1.0, 2.0]), alpha=2)
        tensor([6., 0., 0.])
    """
    x = _tensor_arg("index_add", input, "input")
    if not x.ndim:
        return _lifted(index_add, x, dim, index, source, alpha=alpha)
    d, where_ = _dim_plan("index_add", x, dim, index)
    src = _source("index_add", x, d, where_, source)
    alpha = alpha if x._array.dtype.kind == "f" else int(alpha)
    return ix.IndexAdd.apply(x, src, index=where_, alpha=alpha)


@method
def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *,
               alpha: Any = 1) -> Tensor:
    """In-place ``index_add``."""
    d, where_ = _dim_plan("index_add_", self, dim, index)
    src = _source("index_add_", self, d, where_, source)
    alpha = alpha if self._array.dtype.kind == "f" else int(alpha)
    return self._inplace(ix.IndexAdd, src, index=where_, alpha=alpha, _name="index_add_")


@method
def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """out = x with x[..., index, ...] = value; dx = g with 0 there, dvalue (a 0-d
    Tensor) = the sum of g there.

    Args:
        dim: the dim. index: 1-d int64 Tensor (negative counts from the end).
        value: a number or a 0-d Tensor.

    Shape:
        x's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 2).index_fill(1, ta.tensor([1]), 7.0)
        tensor([[0., 7.],
                [0., 7.]])
    """
    x = _tensor_arg("index_fill", input, "input")
    if not x.ndim:
        return _lifted(lambda x1, d, i: index_fill(x1, d, i, value), x, dim, index)
    _, where_ = _dim_plan("index_fill", x, dim, index, False, True, IndexError)
    return ops.SetItem.apply(x, _value("index_fill", x, value), index=_once(where_))


def _once(where_: tuple) -> tuple:
    """NOTE: a fill index with repeats, each position once: the value's gradient is the
    sum of g over the filled positions, not over the index."""
    return where_[:-1] + (np.unique(where_[-1]),)


@method
def index_fill_(self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """In-place ``index_fill``."""
    _, where_ = _dim_plan("index_fill_", self, dim, index, False, True, IndexError)
    v = _value("index_fill_", self, value)
    return self._inplace(ops.SetItem, v, index=_once(where_), _name="index_fill_")


@method
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """out = x with x[..., index[i], ...] = source[..., i, ...]; dx = g with 0 where
    written, dsource = g[..., index, ...].

    Args:
        dim: the dim. index: 1-d int64 Tensor. source: x's dtype and shape, with ``dim``
            of size len(index).

    Shape:
        x's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(3).index_copy(0, ta.tensor([2]), ta.tensor([9.0]))
        tensor([0., 0., 9.])
    """
    x = _tensor_arg("index_copy", input, "input")
    if not x.ndim:
        return _lifted(index_copy, x, dim, index, source)
    d, where_ = _dim_plan("index_copy", x, dim, index, False, False, IndexError)
    src = _source("index_copy", x, d, where_, source, IndexError)
    return ops.SetItem.apply(x, src, index=where_)


@method
def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In-place ``index_copy``."""
    d, where_ = _dim_plan("index_copy_", self, dim, index, False, False, IndexError)
    src = _source("index_copy_", self, d, where_, source, IndexError)
    return self._inplace(ops.SetItem, src, index=where_, _name="index_copy_")


@method
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """out = value where mask, else x; dx = g where not mask, dvalue (a 0-d Tensor) = the
    sum of g where mask.

    Args:
        mask: a bool Tensor that broadcasts with x. value: a number or a 0-d Tensor
            (cast to x's dtype).

    Shape:
        x and mask broadcast.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 2.0]).masked_fill(ta.tensor([True, False]), 0.0)
        tensor([0., 2.])
    """
    x = _tensor_arg("masked_fill", input, "input")
    m = _mask("masked_fill", mask)
    _broadcast("masked_fill", x, m)
    return ops.Where.apply(m, _value("masked_fill", x, value), x)


@method
def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place ``masked_fill`` (the mask broadcasts to x's shape)."""
    _, m = _broadcast("masked_fill_", self, _mask("masked_fill_", mask))
    if m.shape != self.shape:
        raise RuntimeError(f"masked_fill_: mask of shape {mask.shape} does not broadcast to "
                           f"the tensor's shape {self.shape}")
    v = _value("masked_fill_", self, value)
    return self._inplace(ops.SetItem, v, index=m, _name="masked_fill_")


def _masked_scatter_plan(who: str, x: Tensor, mask: Any, source: Any) -> tuple:
    x, m = _broadcast(who, x, _mask(who, mask))
    source = _tensor_arg(who, source, "source")
    _same_dtype(who, x, source, "source")
    n = int(m.sum())
    if source.numel() < n:
        raise RuntimeError(f"{who}: number of elements of source ({source.numel()}) < "
                           f"number of ones in mask ({n})")
    return x, source.reshape(-1)[:n], m


@method
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """out = x with the True positions of mask filled, in order, from source's first
    elements; dx = g where not mask, dsource = g at the mask (then zeros).

    Args:
        mask: a bool Tensor that broadcasts with x. source: x's dtype, at least as many
            elements as True values in the mask.

    Shape:
        x and mask broadcast.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(3).masked_scatter(ta.tensor([True, False, True]), ta.tensor([1.0, 2.0]))
        tensor([1., 0., 2.])
    """
    x, part, where_ = _masked_scatter_plan("masked_scatter", input, mask, source)
    return ops.SetItem.apply(x, part, index=where_)


@method
def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place ``masked_scatter`` (the mask broadcasts to x's shape)."""
    x, part, where_ = _masked_scatter_plan("masked_scatter_", self, mask, source)
    if x.shape != self.shape:
        raise RuntimeError(f"masked_scatter_: mask of shape {mask.shape} does not broadcast "
                           f"to the tensor's shape {self.shape}")
    return self._inplace(ops.SetItem, part, index=where_, _name="masked_scatter_")


# --- positions: nonzero / argwhere / where(cond) / searchsorted / bucketize -----------------


@method
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or with as_tuple
    one 1-d tensor per dim (a 0-d x counts as 1-d there, as torch).

    Args:
        as_tuple: return a tuple of index tensors (usable as ``x[...]``).

    Shape:
        (n, x.ndim), or x.ndim (at least 1) tensors of shape (n,).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[0, 1], [2, 0]]).nonzero()
        tensor([[0, 1],
                [1, 0]])
    """
    x = _tensor_arg("nonzero", input, "input")._array
    if as_tuple:
        return tuple(_long(i) for i in np.nonzero(x if x.ndim else x.reshape(1)))
    return _long(np.argwhere(x))


@method
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(x)``: the (n, ndim) indices of the non-zero elements.

    Args:
        input: the tensor.

    Shape:
        (n, x.ndim).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([0.0, 3.0]).argwhere()
        tensor([[1]])
    """
    return nonzero(input)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``where(cond, a, b)``: a where cond, else b (differentiable in a and b);
    ``where(cond)``: ``nonzero(cond, as_tuple=True)``, as torch.

    Args:
        condition: a bool Tensor. input, other: Tensors or numbers (both or neither).

    Shape:
        cond, a and b broadcast; or cond.ndim index tensors.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.api.selection import where  # ta.where, once exported
        >>> where(ta.tensor([False, True]))
        (tensor([1]),)
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return _where(condition, input, other)


def _positions(who: str, seq: np.ndarray, values: np.ndarray, side: str,
               out_int32: bool) -> Tensor:
    if seq.ndim <= 1:
        out = np.searchsorted(seq, values, side=side)  # type: ignore[call-overload]
    elif seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"{who}: boundaries of shape {seq.shape} and input of shape "
                           f"{values.shape} must agree in all but the last dim")
    else:
        out = np.empty(values.shape, np.int64)
        for i in np.ndindex(seq.shape[:-1]):
            out[i] = np.searchsorted(seq[i], values[i], side=side)  # type: ignore
    return Tensor._make(np.asarray(out, np.int32 if out_int32 else np.int64), False, None)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """For each value, the index where it would go in the sorted last dim of
    ``sorted_sequence`` (the first such with right=False); no gradient.

    Args:
        input: a Tensor or a number. right / side ("left" or "right"): which end of a run
            of equal values. out_int32: int32 indices. sorter: indices that sort the
            sequence.

    Shape:
        input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.searchsorted(ta.tensor([1, 3, 5]), ta.tensor([3, 6]))
        tensor([1, 3])
    """
    seq = _tensor_arg("searchsorted", sorted_sequence, "sorted_sequence")._array
    if not seq.ndim:
        raise RuntimeError("searchsorted(): boundaries tensor should have positive dimension, "
                           "got a 0-d tensor")
    if (side is not None and side not in ("left", "right")) or (side == "left" and right):
        raise RuntimeError(f"searchsorted(): side {side!r} with right={right}: side must be "
                           "'left' or 'right' and agree with right")
    if sorter is not None:
        seq = np.take_along_axis(seq, _index("searchsorted", sorter, False, name="sorter"), -1)
    values = input._array if isinstance(input, Tensor) else np.asarray(input)
    return _positions("searchsorted", seq, values, side or ("right" if right else "left"),
                      out_int32)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value among 1-d sorted ``boundaries``: i with
    boundaries[i-1] < x <= boundaries[i] (``<=`` and ``<`` swapped with right=True).

    Args:
        boundaries: a 1-d sorted Tensor. out_int32: int32 indices. right: as above.

    Shape:
        input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.bucketize(ta.tensor([1, 4, 9]), ta.tensor([2, 4, 6]))
        tensor([0, 1, 3])
    """
    b = _tensor_arg("bucketize", boundaries, "boundaries")._array
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-d, got shape {b.shape}")
    values = input._array if isinstance(input, Tensor) else np.asarray(input)
    return _positions("bucketize", b, values, "right" if right else "left", out_int32)
