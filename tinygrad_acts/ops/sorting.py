"""Sorting and selection by value: sort / argsort / topk / kthvalue / unique, and the rows
of every selection op (gather, scatter, index_select, masked_fill, take, ...).

Sorting has no rule of its own: ``sort`` is an index (``order``) and a pick along a dim,
so its gradient is ``TakeAlong``'s (g sent back to where each value came from). The rows
of the index-based ops of ``ops/indexing.py`` sit here too, after the table's own rows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from . import indexing as ix
from .spec import lib, row

#: ties are resolved as torch resolves them (a replay of its selection, in Python) in
#: tensors up to this many elements; beyond, at numpy's speed, any tied element may be picked
REPLAY_LIMIT = 1024


def order(x: np.ndarray, dim: int, descending: bool = False) -> np.ndarray:
    """The indices that sort ``x`` along ``dim``, as torch's sort orders them.

    NOTE: ties keep their original order (a stable sort, as torch's CPU sort gives) in both
    directions; nan sorts above every number (last ascending, first descending). A
    descending sort is the stable ascending sort of the reversed array, reversed back.
    """
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    flipped = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return np.flip(x.shape[dim] - 1 - flipped, dim)


def top(x: np.ndarray, k: int, dim: int, largest: bool = True) -> np.ndarray:
    """The indices of the k largest (smallest) along ``dim``, in sorted order: a partition
    (linear) and a sort of those k only, as a top-k should cost.

    NOTE: which of several tied elements torch returns, and in which order, is whatever
    its CPU top-k (std::nth_element, then std::sort of the first k - 1) leaves; rows with
    ties among the k values or at the k-th place replay it (``_torch_topk``), so indices
    and the gradient's place are torch's (for k <= 17 and k * 64 > n, where torch takes
    that path, in tensors up to REPLAY_LIMIT elements; elsewhere any tied element may be
    picked, as torch documents). nan counts as the largest.
    """
    n = x.shape[dim]
    if k in (0, n):
        idx = np.take(order(x, dim, largest), np.arange(k), axis=dim)
    else:
        part = np.argpartition(x, n - k if largest else k - 1, axis=dim)
        part = np.sort(np.take(part, np.arange(n - k, n) if largest else np.arange(k),
                               axis=dim), axis=dim)
        idx = np.take_along_axis(part, order(np.take_along_axis(x, part, dim), dim, largest),
                                 dim)
    if not k or k > 17 or k * 64 <= n or x.size > REPLAY_LIMIT:
        return idx
    rows, picks = np.moveaxis(x, dim, -1), np.moveaxis(idx, dim, -1)  # views: picks is idx
    vals = np.take_along_axis(rows, picks, -1)
    inner = _same(vals[..., 1:], vals[..., :-1]).any(-1)
    edge = _same(rows, vals[..., -1:]).sum(-1) > _same(vals, vals[..., -1:]).sum(-1)
    for i in map(tuple, np.argwhere(inner | edge)):
        picks[i] = _torch_topk(rows[i], k, largest)
    return idx


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | ((a != a) & (b != b))  # nan == nan here


def _torch_topk(row: np.ndarray, k: int, largest: bool) -> list:
    """The indices torch's CPU top-k returns for ``row`` (libstdc++'s introselect to place
    k - 1, then an insertion sort of the first k - 1: what std::sort does below 17)."""
    def before(a: tuple, b: tuple) -> bool:
        if largest:
            return bool((a[0] != a[0] and b[0] == b[0]) or a[0] > b[0])
        return bool((b[0] != b[0] and a[0] == a[0]) or a[0] < b[0])

    q = [(v, j) for j, v in enumerate(row.tolist())]
    first, last, depth = 0, len(q), 2 * int(np.log2(len(q)))
    while last - first > 3 and depth:
        depth -= 1
        a, b, c = first + 1, first + (last - first) // 2, last - 1  # median of three
        m = (b if before(q[b], q[c]) else c if before(q[a], q[c]) else a) if before(
            q[a], q[b]) else a if before(q[a], q[c]) else c if before(q[b], q[c]) else b
        q[first], q[m] = q[m], q[first]
        lo, hi = first + 1, last
        while True:  # an unguarded partition around q[first]
            while before(q[lo], q[first]):
                lo += 1
            hi -= 1
            while before(q[first], q[hi]):
                hi -= 1
            if lo >= hi:
                break
            q[lo], q[hi] = q[hi], q[lo]
            lo += 1
        first, last = (lo, last) if lo <= k - 1 else (first, lo)
    _insertion_sort(q, first, last, before)
    _insertion_sort(q, 0, k - 1, before)
    return [j for _, j in q[:k]]


def _insertion_sort(q: list, lo: int, hi: int, before: Any) -> None:
    for i in range(lo + 1, hi):
        val, j = q[i], i
        while j > lo and before(val, q[j - 1]):
            q[j] = q[j - 1]
            j -= 1
        q[j] = val


def kth(x: np.ndarray, k: int, dim: int) -> np.ndarray:
    """The index of the k-th smallest (from 1) along ``dim``, kept as a size-1 dim: a
    partition, linear.

    NOTE: which of several tied elements is the k-th is not defined by the math; torch's
    is whatever its quickselect leaves there. Rows whose k-th value is tied replay that
    quickselect (``_torch_select``), so the index, and the gradient's place, are torch's
    (in tensors up to REPLAY_LIMIT elements; beyond, any tied element may be returned).
    """
    idx = np.take(np.argpartition(x, k - 1, axis=dim), [k - 1], axis=dim)
    if x.size > REPLAY_LIMIT:
        return idx
    rows, picks = np.moveaxis(x, dim, -1), np.moveaxis(idx, dim, -1)  # views: picks is idx
    value = np.take_along_axis(rows, picks, -1)
    for i in map(tuple, np.argwhere(_same(rows, value).sum(-1) > 1)):
        picks[i] = _torch_select(rows[i], k - 1)
    return idx


def _torch_select(row: np.ndarray, k: int) -> int:
    """The index torch's CPU quickselect (median of three, then a Hoare partition; nan
    counts as the largest) leaves at place k of ``row``."""
    def gt(a: Any, b: Any) -> bool:
        return bool((a != a and b == b) or a > b)

    v, ix = list(row), list(range(len(row)))

    def swap(i: int, j: int) -> None:
        v[i], v[j], ix[i], ix[j] = v[j], v[i], ix[j], ix[i]
    lo, hi = 0, len(v) - 1
    while hi > lo + 1:
        swap(lo + (hi - lo) // 2, lo + 1)
        for a, b in ((lo + 1, hi), (lo, hi), (lo + 1, lo)):
            if gt(v[a], v[b]):
                swap(a, b)
        i, j, pivot = lo + 1, hi, v[lo]
        while True:
            i += 1
            while gt(pivot, v[i]):
                i += 1
            j -= 1
            while gt(v[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        lo, hi = (i if j <= k else lo), (j - 1 if j >= k else hi)
    if hi == lo + 1 and gt(v[lo], v[hi]):
        swap(lo, hi)
    return ix[k]


class Unique(Function):
    """The distinct values of x, sorted (``values`` computed by the caller with the
    inverse and counts); no gradient: as in PyTorch, a backward through it raises."""

    def forward(self, x, values):
        return values

    def backward(self, g):
        raise NotImplementedError("UniqueBackward: the derivative for 'unique' is not "
                                  "implemented, as in PyTorch")


# --- rows: sorting ---------------------------------------------------------------------------

def _kth(a: np.ndarray, k: int, dim: int) -> np.ndarray:
    return np.take(np.sort(a, axis=dim), k - 1, axis=dim)


row("sort(dim=1)", ix.TakeAlong, lambda a: a.sort(dim=1).values, lambda a: np.sort(a, 1),
    ((3, 4),), ((2, 3, 4),), torch=True)
row("sort(descending)", ix.TakeAlong, lambda a: a.sort(0, descending=True).values,
    lambda a: -np.sort(-a, 0), ((3, 4),), ((5,),), torch=True)
row("msort", ix.TakeAlong, lambda a: a.msort(), lambda a: np.sort(a, 0), ((4, 3),),
    torch=True)
row("topk(2)", ix.TakeAlong, lambda a: a.topk(2).values, lambda a: -np.sort(-a, -1)[..., :2],
    ((3, 4),), ((2, 3, 5),), torch=True)
row("topk(2, dim=0, largest=False)", ix.TakeAlong,
    lambda a: a.topk(2, dim=0, largest=False).values, lambda a: np.sort(a, 0)[:2],
    ((3, 4),), torch=True)
row("kthvalue(2, dim=1)", ix.TakeAlong, lambda a: a.kthvalue(2, dim=1).values,
    lambda a: _kth(a, 2, 1), ((3, 4),), ((2, 3, 4),), torch=True)
row("kthvalue(3, keepdim)", ix.TakeAlong, lambda a: a.kthvalue(3, 0, True).values,
    lambda a: _kth(a, 3, 0)[None], ((4, 2),), torch=True)
row("unique", Unique, lambda a: a.unique(), np.unique, ((3, 4),), torch=True,
    differentiable=False)

# --- rows: indexing and selection ------------------------------------------------------------
GATHER = np.array([[0, 3, 0], [2, 2, 1]])          # into rows 0-1 of a (3, 4): repeats add up
SCATTER = np.array([[3, 0], [1, 2], [0, 3]])       # distinct within each row (no ties)
PICK = np.array([0, 2, 0])                         # index_select / index_add: a repeat
COPY = np.array([3, 1])                            # index_copy / index_fill: distinct
MASK = np.array([[True, False, False, True], [False, True, True, False],
                 [True, True, False, True]])
TAKE = np.array([[0, 11], [-1, 5], [5, 2]])         # flat indices, negative and repeated
FLAT = np.array([[5, 11, 5]])                       # take_along_dim(dim=None): flat indices


def _t(a: Any, idx: np.ndarray) -> Any:
    return lib(a).tensor(idx)


def _scatter_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a.copy()
    np.put_along_axis(out, SCATTER, b, 1)
    return out


def _scatter_add_ref(a: np.ndarray, b: np.ndarray, idx: np.ndarray = GATHER) -> np.ndarray:
    out = a.copy()
    for (i, j), v in np.ndenumerate(b[:idx.shape[0], :idx.shape[1]]):
        out[i, idx[i, j]] += v
    return out


def _reduce_ref(a: np.ndarray, b: np.ndarray, how: str, include_self: bool) -> np.ndarray:
    out = a.copy()
    for i, j in np.ndindex(a.shape):
        got = [b[i, k] for k in range(SCATTER.shape[1]) if SCATTER[i, k] == j]
        if got:
            vals = got + [a[i, j]] * include_self
            pick: Any = {"mean": np.mean, "amax": np.max, "amin": np.min, "sum": np.sum,
                         "prod": np.prod}[how]
            out[i, j] = pick(vals)
    return out


def _index_add_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a.copy()
    np.add.at(out, (slice(None), PICK), 2.0 * b)  # type: ignore[arg-type]
    return out


def _index_set_ref(a: np.ndarray, v: Any) -> np.ndarray:
    out = a.copy()
    out[:, COPY] = v
    return out


def _masked_scatter_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a.copy()
    out[MASK] = b.reshape(-1)[:MASK.sum()]
    return out


row("gather(dim=1)", ix.TakeAlong, lambda a: a.gather(1, _t(a, GATHER)),
    lambda a: np.take_along_axis(a[:2], GATHER, 1), ((3, 4),), torch=True)
row("scatter(dim=1, src)", ix.SetItem, lambda a, b: a.scatter(1, _t(a, SCATTER), b),
    _scatter_ref, ((3, 4), (3, 2)), torch=True)
row("scatter(dim=1, value)", ix.SetItem, lambda a: a.scatter(1, _t(a, SCATTER), 0.5),
    lambda a: _scatter_ref(a, np.full((3, 2), 0.5)), ((3, 4),), torch=True)
row("scatter_add(dim=1)", ix.IndexAdd, lambda a, b: a.scatter_add(1, _t(a, GATHER), b),
    _scatter_add_ref, ((3, 4), (2, 3)), torch=True)
# NOTE: prod is smooth, but its row is not: its second derivative is refused (ScatterReduce)
for _how, _self in (("amax", True), ("amin", False), ("mean", True), ("sum", False),
                    ("prod", True)):
    row(f"scatter_reduce({_how}, include_self={_self})", ix.ScatterReduce,
        lambda a, b, h=_how, s=_self: a.scatter_reduce(1, _t(a, SCATTER), b, h,
                                                      include_self=s),
        lambda a, b, h=_how, s=_self: _reduce_ref(a, b, h, s), ((3, 4), (3, 2)),
        smooth=_how in ("mean", "sum"), ties=_how in ("amax", "amin"), torch=True)
row("index_select(dim=1)", ix.GetItem, lambda a: a.index_select(1, _t(a, PICK)),
    lambda a: a[:, PICK], ((3, 4),), ((2, 4, 2),), torch=True)
row("index_add(dim=1, alpha=2)", ix.IndexAdd,
    lambda a, b: a.index_add(1, _t(a, PICK), b, alpha=2.0), _index_add_ref, ((3, 4), (3, 3)),
    torch=True)
row("index_fill(dim=1)", ix.SetItem, lambda a: a.index_fill(1, _t(a, COPY), -1.0),
    lambda a: _index_set_ref(a, -1.0), ((3, 4),), torch=True)
row("index_fill(tensor value)", ix.SetItem, lambda a, v: a.index_fill(1, _t(a, COPY), v),
    _index_set_ref, ((3, 4), ()), torch=True)
row("index_copy(dim=1)", ix.SetItem, lambda a, b: a.index_copy(1, _t(a, COPY), b),
    _index_set_ref, ((3, 4), (3, 2)), torch=True)
row("masked_fill", ix.Where, lambda a: a.masked_fill(_t(a, MASK), 0.5),
    lambda a: np.where(MASK, 0.5, a), ((3, 4),), ((2, 3, 4),), torch=True)
row("masked_fill(tensor value)", ix.Where, lambda a, v: a.masked_fill(_t(a, MASK), v),
    lambda a, v: np.where(MASK, v, a), ((3, 4), ()), torch=True)
row("masked_select", ix.GetItem, lambda a: a.masked_select(_t(a, MASK)), lambda a: a[MASK],
    ((3, 4),), torch=True)
row("masked_scatter", ix.SetItem, lambda a, b: a.masked_scatter(_t(a, MASK), b),
    _masked_scatter_ref, ((3, 4), (3, 3)), torch=True)
row("take", ix.GetItem, lambda a: a.take(_t(a, TAKE)), lambda a: a.reshape(-1)[TAKE],
    ((3, 4),), torch=True)
row("take_along_dim(dim=1)", ix.TakeAlong,
    lambda a: lib(a).take_along_dim(a, _t(a, GATHER[:1]), dim=1),
    lambda a: np.take_along_axis(a, GATHER[:1], 1), ((3, 4),), torch=True)
row("take_along_dim(flat)", ix.TakeAlong, lambda a: lib(a).take_along_dim(a, _t(a, FLAT)),
    lambda a: a.reshape(-1)[FLAT.reshape(-1)], ((3, 4),), torch=True)
