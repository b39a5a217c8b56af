"""The op table: one row per op, fused node and activation node.

Each row says how a user calls the op (``fn``, on Tensors), the same math in numpy
(``ref``), the input shapes to try, which inputs are allowed (``domain``), where the
derivative jumps (``kinks``) and whether ties matter. The generic gradient tests, the
program fuzzer, the mutation lab and the torch cross-checks iterate over ``OPS``: adding
an op is adding a row here (and its Function in its family file). Activations add their
own rows when they are registered.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import erf_numpy
from . import elementwise as E
from . import fused, indexing, linalg, reduce, shape
from .spec import OPS, OpSpec, Shapes, add_row, remove_row, sample
from .spec import row as _row

__all__ = ["OPS", "OpSpec", "add_row", "remove_row", "sample"]


BCAST: tuple[Shapes, ...] = (((3, 1), (1, 4)), ((4,), (3, 4)), ((), (2, 3)), ((2, 3, 4), (3, 1)))
ONE: tuple[Shapes, ...] = (((3, 4),), ((2, 3, 4),), ((),))
COND = np.array([[True, False, False, True], [False, True, True, False], [True, True, False,
                                                                          True]])
TARGET = np.array([2, 0, 3])   # class indices for a (3, 4) batch of scores
IDX = np.array([0, 2, 0, 0])   # repeated indices: their gradients accumulate
IDX2 = np.array([[0, 0], [3, 1], [2, 2]])  # per row of a (3, 4): repeats accumulate too


def _ce_ref(x: np.ndarray) -> np.ndarray:
    z = x - x.max(1, keepdims=True)
    return np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(3), TARGET])


def _scatter(x: Any) -> Any:
    return indexing.Scatter.apply(x, index=IDX, shape=(3, 4))


def _scatter_ref(x: np.ndarray) -> np.ndarray:
    out = np.zeros((3, 4))
    np.add.at(out, IDX, x)
    return out


def _cat(a: Any, b: Any) -> Any:
    return shape.Cat.apply(a, b, a, axis=1)


def _setitem(a: Any, b: Any) -> Any:
    return indexing.SetItem.apply(a, b, index=(slice(None), 1))


def _setitem_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a.copy()
    out[:, 1] = b
    return out


# --- arithmetic and elementwise math ------------------------------------------------------
_row("add", E.Add, lambda a, b: a + b, np.add, *BCAST, kind="broadcast", torch=True)
_row("sub", E.Sub, lambda a, b: a - b, np.subtract, *BCAST, kind="broadcast", torch=True)
_row("mul", E.Mul, lambda a, b: a * b, np.multiply, *BCAST, kind="broadcast", torch=True)
_row("div", E.Div, lambda a, b: a / b, np.divide, *BCAST, kind="broadcast",
     domain=("real", "positive"), torch=True)
_row("pow", E.Pow, lambda a, b: a ** b, np.power, ((3, 1), (1, 4)), ((), (3,)),
     kind="broadcast", domain=("positive", "real"), torch=True)
_row("x * 3", E.Mul, lambda a: a * 3, lambda a: a * 3, *ONE, kind="elementwise", torch=True)
_row("4 / x", E.Div, lambda a: 4 / a, lambda a: 4 / a, *ONE, kind="elementwise",
     domain=("nonzero",), torch=True)
_row("x ** 3", E.Pow, lambda a: a ** 3, lambda a: a ** 3, *ONE, kind="elementwise",
     torch=True)
_row("2 ** x", E.Pow, lambda a: 2 ** a, lambda a: 2 ** a, *ONE, kind="elementwise",
     torch=True)
_row("x % 7", E.Remainder, lambda a: a % 7.0, lambda a: np.remainder(a, 7.0), *ONE,
     kind="elementwise", kinks=(0.0,), torch=True)
_row("remainder", E.Remainder, lambda a, b: a % b, np.remainder, ((3, 1), (1, 4)),
     domain=("positive",), torch=True)
_row("floor_divide", E.FloorDivide, lambda a, b: a // b, np.floor_divide, ((3, 1), (1, 4)),
     kind="broadcast", domain=("real", "positive"), torch=True, differentiable=False)
_row("neg", E.Neg, lambda a: -a, np.negative, *ONE, kind="elementwise", torch=True)
_row("cast", E.Cast, lambda a: E.Cast.apply(E.Cast.apply(a, dtype=np.float64), dtype=a.dtype) * a,
     lambda a: a * a, *ONE, kind="elementwise")  # up to float64 and back: exact both ways
_row("abs", E.Abs, lambda a: a.abs(), np.abs, *ONE, kind="elementwise",
     domain=("nonzero",), kinks=(0.0,), torch=True)
_row("exp", E.Exp, lambda a: a.exp(), np.exp, *ONE, kind="elementwise", torch=True)
_row("expm1", E.Expm1, lambda a: a.expm1(), np.expm1, *ONE, kind="elementwise", torch=True)
_row("log", E.Log, lambda a: a.log(), np.log, *ONE, kind="elementwise",
     domain=("positive",), torch=True)
_row("log1p", E.Log1p, lambda a: a.log1p(), np.log1p, *ONE, kind="elementwise",
     domain=("positive",), torch=True)
_row("sqrt", E.Sqrt, lambda a: a.sqrt(), np.sqrt, *ONE, kind="elementwise",
     domain=("positive",), torch=True)
_row("erf", E.Erf, lambda a: a.erf(), erf_numpy.erf, *ONE, kind="elementwise", torch=True)

# --- reductions ---------------------------------------------------------------------------
_row("sum", reduce.Sum, lambda a: a.sum(), np.sum, *ONE, kind="elementwise", torch=True)
_row("sum(dim=1)", reduce.Sum, lambda a: a.sum(dim=1), lambda a: a.sum(axis=1),
     ((2, 3, 4),), ((3, 4),), torch=True)
_row("mean(dim=(0, 2), keepdim)", reduce.Sum, lambda a: a.mean((0, 2), keepdim=True),
     lambda a: a.mean(axis=(0, 2), keepdims=True), ((2, 3, 4),), torch=True)
_row("max", reduce.Max, lambda a: a.max(), np.max, ((3, 4),), ((2, 3, 4),), ties=True,
     kind="elementwise", torch=True)
_row("amax(dim=1)", reduce.Max, lambda a: a.amax(dim=1), lambda a: a.max(axis=1),
     ((2, 3, 4),), ((3, 4),), ties=True, torch=True)
_row("max(dim=1).values", indexing.TakeAlong, lambda a: a.max(dim=1).values,
     lambda a: a.max(axis=1), ((2, 3, 4),), ((3, 4),), torch=True)
_row("min", reduce.Min, lambda a: a.min(), np.min, ((3, 4),), ((2, 3, 4),), ties=True,
     kind="elementwise", torch=True)
_row("std(dim=1)", reduce.Std, lambda a: a.std(dim=1), lambda a: a.std(axis=1, ddof=1),
     ((2, 3, 4),), ((3, 4),), torch=True)
_row("var(dim=1)", reduce.Var, lambda a: a.var(dim=1), lambda a: a.var(axis=1, ddof=1),
     ((2, 3, 4),), ((3, 4),), torch=True)

# --- shape and views ----------------------------------------------------------------------
_row("reshape", shape.Reshape, lambda a: a.reshape(4, 6), lambda a: a.reshape(4, 6),
     ((2, 3, 4),), torch=True)
_row("permute", shape.Permute, lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1),
     ((2, 3, 4),), torch=True)
_row("T", shape.Permute, lambda a: a.T, np.transpose, ((3, 4),), torch=True)
_row("expand", shape.Expand, lambda a: a.expand(2, 3, 4),
     lambda a: np.broadcast_to(a, (2, 3, 4)), ((3, 1),), ((1, 4),), torch=True)
_row("cat", shape.Cat, lambda a, b: _cat(a, b),
     lambda a, b: np.concatenate([a, b, a], 1), ((2, 1), (2, 2)), ((3, 3), (3, 1)))
_row("stack", shape.Stack, lambda a, b: shape.Stack.apply(a, b, a, axis=-1),
     lambda a, b: np.stack([a, b, a], -1), ((2, 3), (2, 3)))

_row("depends_on", shape.DependsOn, lambda a, b: shape.DependsOn.apply(a, b),
     lambda a, b: a, ((3, 4), (2,)))

# --- indexing and selection ---------------------------------------------------------------
_row("getitem", indexing.GetItem, lambda a: a[1:, ::2], lambda a: a[1:, ::2], ((3, 4),),
     torch=True)
_row("getitem repeated", indexing.GetItem, lambda a: a[IDX], lambda a: a[IDX], ((3, 4),),
     torch=True)
_row("take_along", indexing.TakeAlong,
     lambda a: indexing.TakeAlong.apply(a, index=IDX2, dim=1),
     lambda a: np.take_along_axis(a, IDX2, axis=1), ((3, 4),))
_row("scatter", indexing.Scatter, _scatter, _scatter_ref, ((4, 4),))
_row("setitem", indexing.SetItem, _setitem, _setitem_ref, ((3, 4), (3,)), ((3, 4), ()))
_row("where", indexing.Where, lambda a, b: indexing.where(COND, a, b),
     lambda a, b: np.where(COND, a, b), ((3, 4), (3, 4)), ((3, 1), (4,)))
_row("clamp", indexing.Clamp, lambda a: a.clamp(-0.5, 1.0), lambda a: np.clip(a, -0.5, 1.0),
     *ONE, kind="elementwise", kinks=(-0.5, 1.0), torch=True)
_row("maximum", indexing.Maximum, lambda a, b: a.maximum(b), np.maximum, *BCAST,
     kind="broadcast", ties=True, torch=True)
_row("minimum", indexing.Minimum, lambda a, b: a.minimum(b), np.minimum, *BCAST,
     kind="broadcast", ties=True, torch=True)

# --- linear algebra -----------------------------------------------------------------------
_row("matmul", linalg.MatMul, lambda a, b: a @ b, np.matmul, ((3, 4), (4, 5)), ((4,), (4, 3)),
     ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
     ((2, 1, 3, 4), (3, 4, 2)), torch=True)

# --- fused nodes --------------------------------------------------------------------------
_row("linear", fused.Linear, lambda x, w, b: fused.Linear.apply(x, w, b),
     lambda x, w, b: x @ w.T + b, ((3, 4), (2, 4), (2,)), ((2, 3, 4), (5, 4), (5,)))
_row("cross_entropy", fused.CrossEntropy,
     lambda x: fused.CrossEntropy.apply(x, target=TARGET, reduction="mean"), _ce_ref,
     ((3, 4),))
_row("nll_loss", fused.NLL, lambda x: fused.NLL.apply(x, target=TARGET, reduction="sum"),
     lambda x: -x[np.arange(3), TARGET].sum(), ((3, 4),), smooth=False)
_row("binary_cross_entropy", fused.BinaryCrossEntropy,
     lambda p, t: fused.BinaryCrossEntropy.apply(p, t),
     lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)), ((3, 4), (3, 4)),
     domain=("unit",))
_row("binary_cross_entropy_with_logits", fused.BCEWithLogits,
     lambda x, t: fused.BCEWithLogits.apply(x, t),
     lambda x, t: np.logaddexp(0, x) - x * t, ((3, 4), (3, 4)), domain=("real", "unit"))
