"""Reductions beyond sum / mean / max / min: products and running reductions (prod / cumsum /
cumprod / cummax / cummin), logsumexp, norms (norm / vector_norm / dist), var_mean /
std_mean, order statistics (median / nanmedian / mode), nan-ignoring sums (nansum /
nanmean), count_nonzero and aminmax; and the module-level ``ta.sum / mean / max / ...``.

The rules are in ops/reduce.py; here are PyTorch's signatures, dtype rules and errors.
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import ops, return_types
from ..autograd import is_recording
from ..tensor import Tensor, _dim, _dims, _floating, _tensor_arg
from . import function_of, method

__all__ = [
    "prod", "cumsum", "cumprod", "cummax", "cummin", "logsumexp", "norm", "dist", "var_mean",
    "std_mean", "median", "nanmedian", "mode", "nansum", "nanmean",
    "count_nonzero", "aminmax",
    "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "all",
    "any",
]


# --- helpers -------------------------------------------------------------------------------


def _accumulating(who: str, x: Any, dtype: Any) -> Tensor:
    """x cast to ``dtype`` if given, else integers and bools as int64 (torch's rule for
    sums and products)."""
    x = _tensor_arg(who, x, "input")
    if dtype is not None:
        if np.dtype(dtype).kind not in "fc" and x.requires_grad and is_recording():
            raise RuntimeError(f"{who}: dtype={np.dtype(dtype)} of an input that requires "
                               f"grad (shape {x.shape}): autograd does not support integer "
                               "results, as torch")
        return x.astype(dtype)
    return x if x._array.dtype.kind == "f" else x.astype(np.int64)


def _in_dtype(y: Tensor, dtype: Any) -> Tensor:
    """The result in the ``dtype`` asked for (numpy accumulates int32 as int64)."""
    return y if dtype is None or y.dtype == np.dtype(dtype) else y.astype(dtype)


def _float_only(who: str, x: Tensor) -> Tensor:
    if x._array.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point tensor as input, got dtype "
                           f"{x.dtype} (shape {x.shape}), as torch")
    return x


def _axes(who: str, x: Tensor, dim: Any) -> Any:
    """The reduced dims: None for all (also for ``dim=()``, as torch), an int or a tuple."""
    d = _dims(who, x, dim, None)
    return None if d == () else d


def _index(index: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(index, dtype=np.int64), False, None)


def _picked(x: Tensor, index: np.ndarray, d: int, keepdim: bool, result: Any) -> Any:
    """(values, indices) of x at ``index`` (keepdim-shaped) along ``d``; the values'
    gradient goes to the indices picked (a linear scatter, as for max(dim))."""
    values = ops.TakeAlong.apply(x, index=index, dim=d)
    if not keepdim:  # NOTE: not a view (squeeze would make one), as in torch
        index = np.squeeze(index, axis=d)
        values = ops.Reshape.apply(values, shape=index.shape)
    return result(values, _index(index))


def _scalar_pick(x: Tensor, result: Any) -> Any:
    """The (values, indices) of a reduction of a 0-d tensor: itself, at index 0. (``x * 1``,
    not a clone: as torch's scatter, the gradient is a new tensor, not the one handed in.)"""
    return result(x * 1 if x.requires_grad else x.clone(), _index(np.zeros((), np.int64)))


def _along(shape: tuple, d: int) -> np.ndarray:
    """0, 1, ... n - 1 along dim d, broadcastable against ``shape``."""
    return np.arange(shape[d]).reshape([-1 if i == d else 1 for i in range(len(shape))])


def _nonempty(who: str, x: Tensor, d: int) -> None:
    if x.shape[d] == 0:
        raise IndexError(f"{who}(): expected reduction dim {d} to have non-zero size "
                         f"(shape {x.shape})")


def _no_bool(who: str, x: Tensor) -> None:
    if x._array.dtype == np.bool_:
        raise NotImplementedError(f"{who}: not implemented for bool tensors (shape "
                                  f"{x.shape}), as in torch")


# --- products and running reductions --------------------------------------------------------


@method
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """The product of the elements (over ``dim``): y = prod_i x_i.

    Args:
        dim (int, optional): the one dim to reduce; default all.
        keepdim (bool): keep the reduced dim as size 1. Default False.
        dtype: cast the input to it first; default int64 for integer and bool inputs.

    Shape:
        input (*); output () for all, else the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[1.0, 2.0], [0.0, 4.0]], requires_grad=True)
        >>> x.prod(1)
        tensor([2., 0.], grad_fn=<ProdBackward>)
        >>> x.prod(1).sum().backward(); x.grad  # at the zero: the product of the others
        tensor([[2., 1.],
                [4., 0.]])
    """
    x = _accumulating("prod", input, dtype)
    if dim is None:
        if keepdim:
            raise TypeError("prod(): keepdim needs a dim (as torch: prod(dim, keepdim))")
        return _in_dtype(ops.reduce.Prod.apply(x, axis=None, keepdims=False), dtype)
    d = _dim("prod", x, dim)
    return _in_dtype(ops.reduce.Prod.apply(x, axis=d if x.ndim else None, keepdims=keepdim),
                     dtype)


def _running_sum(who: str, op: Any, input: Tensor, dim: int, dtype: Any) -> Tensor:
    x = _accumulating(who, input, dtype)
    return _in_dtype(op.apply(x, axis=_dim(who, x, dim)), dtype)


@method
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim``: y_i = x_0 + ... + x_i.

    Args:
        dim (int): the dim to run along (required, as in torch).
        dtype: cast the input to it first; default int64 for integer and bool inputs.

    Shape:
        input (*); output the same shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 2.0, 3.0]).cumsum(0)
        tensor([1., 3., 6.])
    """
    return _running_sum("cumsum", ops.reduce.Cumsum, input, dim, dtype)


@method
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along ``dim``: y_i = x_0 * ... * x_i (its gradient is exact at
    zeros).

    Args:
        dim (int): the dim to run along (required, as in torch).
        dtype: cast the input to it first; default int64 for integer and bool inputs.

    Shape:
        input (*); output the same shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 2.0, 3.0]).cumprod(0)
        tensor([1., 2., 6.])
    """
    return _running_sum("cumprod", ops.reduce.Cumprod, input, dim, dtype)


def _running_extreme(who: str, pick: Any, input: Tensor, dim: int) -> Any:
    x = _tensor_arg(who, input, "input")
    d = _dim(who, x, dim)
    result = getattr(return_types, who)
    if x.ndim == 0:
        return _scalar_pick(x, result)
    data = x._array
    best = pick.accumulate(data, axis=d)
    # NOTE: a tie moves the index to the later element, and a nan wins from there on (each
    # later nan taking the index), as torch's x >= best (x <= best) || isnan(x)
    update = (data == best) | np.isnan(data) if data.dtype.kind == "f" else data == best
    seen = np.where(update, _along(data.shape, d), 0)
    index = ops.helpers.row_major(np.maximum.accumulate(seen, axis=d))
    return result(ops.TakeAlong.apply(x, index=index, dim=d), _index(index))


@method
def cummax(input: Tensor, dim: int) -> Any:
    """Running maxima along ``dim`` and where they are: y_i = max(x_0, ..., x_i).

    The gradient of y_i goes to the element it came from (for ties, the later one, as
    torch).

    Args:
        dim (int): the dim to run along.

    Shape:
        input (*); values and indices the same shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 3.0, 2.0, 5.0]).cummax(0)
        cummax(values=tensor([1., 3., 3., 5.]), indices=tensor([0, 1, 1, 3]))
    """
    return _running_extreme("cummax", np.maximum, input, dim)


@method
def cummin(input: Tensor, dim: int) -> Any:
    """Running minima along ``dim`` and where they are: y_i = min(x_0, ..., x_i).

    Args:
        dim (int): the dim to run along.

    Shape:
        input (*); values and indices the same shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([3.0, 1.0, 2.0]).cummin(0).indices
        tensor([0, 1, 1])
    """
    return _running_extreme("cummin", np.minimum, input, dim)


# --- logsumexp and norms ---------------------------------------------------------------------


@method
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """y = log(sum_i exp(x_i)) over ``dim``, computed stably (shifted by the max).

    Args:
        dim (int or tuple of ints): the dims to reduce (required, as in torch).
        keepdim (bool): keep the reduced dims as size 1. Default False.

    Shape:
        input (*); output the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1000.0, -1000.0]).logsumexp(0)  # e^1000 would overflow
        tensor(1000.)
        >>> ta.tensor([0.0, 0.0]).logsumexp(0).exp()
        tensor(2.)
    """
    x = _floating(_tensor_arg("logsumexp", input, "input"))
    if isinstance(dim, (tuple, list)) and not dim and x.ndim:
        raise RuntimeError(f"logsumexp: dim=() reduces nothing here, and torch refuses it "
                           f"(shape {x.shape}); pass the dims to reduce")
    return ops.reduce.LogSumExp.apply(x, axis=_axes("logsumexp", x, dim), keepdims=keepdim)


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The vector ord-norm over ``dim``: (sum_i |x_i|^ord)^(1/ord); max |x_i| for inf,
    min |x_i| for -inf, the count of nonzeros for 0.

    The subgradient is 0 where the norm is 0 (as torch); ties of the inf-norm share the
    gradient evenly.

    Args:
        ord (int, float, inf or -inf): the order. Default 2.
        dim (int or tuple of ints, optional): the dims to reduce; default all.
        keepdim (bool): keep the reduced dims as size 1. Default False.
        dtype: cast the input to it first.

    Shape:
        x (*); output the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.api.reduce import vector_norm  # also ta.linalg.vector_norm
        >>> vector_norm(ta.tensor([3.0, -4.0]))
        tensor(5.)
    """
    who = "linalg.vector_norm"
    x = _float_only(who, _tensor_arg(who, x, "input"))
    if dtype is not None:
        if np.dtype(dtype).itemsize < x._array.dtype.itemsize:
            raise RuntimeError(f"{who}: the input's dtype {x.dtype} cannot be converted "
                               f"without narrowing to the dtype {np.dtype(dtype)}, as torch")
        x = x.astype(dtype)
    if isinstance(ord, builtins.bool) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"{who}: ord must be a number, got {ord!r}")
    d = _axes(who, x, dim)
    if math.isinf(ord):
        reduced = x.shape if d is None else [x.shape[i] for i in ((d,) if isinstance(
            d, int) else d)]
        if 0 in reduced:
            raise RuntimeError(f"{who}: cannot compute the {ord} norm over an empty dim "
                               f"(shape {x.shape}): the operation has no identity")
        pick = abs(x).amax if ord > 0 else abs(x).amin
        return pick(() if d is None else d, keepdim)
    return ops.reduce.VectorNorm.apply(x, p=float(ord), axis=d, keepdims=keepdim)


@method
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """The p-norm of the elements (over ``dim``): ``linalg.vector_norm(input, p, dim)``;
    ``p="fro"`` is the 2-norm (over at most two dims), ``p="nuc"`` the nuclear norm
    ``linalg.matrix_norm(input, "nuc", dim)`` (over two dims: by default the only two).

    Args:
        p (number, "fro" or "nuc"): the order. Default "fro".
        dim (int or tuple of ints, optional): the dims to reduce; default all.
        keepdim (bool): keep the reduced dims as size 1. Default False.
        dtype: cast the input to it first.

    Shape:
        input (*); output the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[3.0, 4.0], [0.0, 0.0]]).norm(dim=1)
        tensor([5., 0.])
    """
    x = _tensor_arg("norm", input, "input")
    if x._array.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be floating point, got {x.dtype} "
                           f"(shape {x.shape}), as torch")
    if p is None or (p == "fro" and not (isinstance(dim, (tuple, list)) and len(dim) > 2)):
        p = 2
    elif isinstance(p, str):  # "nuc" (or an order matrix_norm refuses, naming it), as torch
        from .linalg import matrix_norm

        dims = tuple(range(x.ndim)) if dim is None else dim
        return matrix_norm(x, p, dims, keepdim, dtype=dtype)
    return vector_norm(x, p, dim, keepdim, dtype=dtype)


@method
def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    """The p-norm of the difference: ``(input - other).norm(p)`` (the two broadcast).

    Args:
        other (Tensor): the other operand.
        p (number): the order. Default 2.

    Shape:
        input and other broadcastable; output ().

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 1.0]).dist(ta.tensor([4.0, 5.0]))
        tensor(5.)
    """
    diff = _tensor_arg("dist", input, "input") - _tensor_arg("dist", other)
    return vector_norm(_float_only("dist", diff), p)


def _moments(who: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
             correction: Any) -> tuple[Tensor, Tensor]:
    x = _tensor_arg(who, input, "input")
    if isinstance(dim, builtins.bool):  # torch's var_mean(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{who}(): pass unbiased or correction, not both")
    c = 1 if correction is None else correction
    if x._array.dtype.kind != "f":
        raise RuntimeError(f"{who}(): needs a floating point tensor, got {x.dtype}")
    return (x.var(dim, unbiased, keepdim, correction=None if unbiased is not None else c),
            x.mean(dim, keepdim))


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False,
             *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """The variance and the mean over ``dim``, as a tuple (var, mean).

    var = sum (x - mean)^2 / (N - correction).

    Args:
        dim (int or tuple of ints, optional): the dims to reduce; default all.
        unbiased (bool, optional): torch's older spelling of correction=1 (True) or 0.
        keepdim (bool): keep the reduced dims as size 1. Default False.
        correction (int or float): subtracted from N. Default 1 (Bessel's correction).

    Shape:
        input (*); both outputs the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.var_mean(ta.tensor([1.0, 2.0, 3.0]))
        (tensor(1.), tensor(2.))
    """
    return _moments("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False,
             *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """The standard deviation and the mean over ``dim``, as a tuple (std, mean).

    std = sqrt(sum (x - mean)^2 / (N - correction)).

    Args:
        dim (int or tuple of ints, optional): the dims to reduce; default all.
        unbiased (bool, optional): torch's older spelling of correction=1 (True) or 0.
        keepdim (bool): keep the reduced dims as size 1. Default False.
        correction (int or float): subtracted from N. Default 1.

    Shape:
        input (*); both outputs the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.std_mean(ta.tensor([1.0, 3.0, 5.0]))
        (tensor(2.), tensor(3.))
    """
    v, m = _moments("std_mean", input, dim, unbiased, keepdim, correction)
    return ops.Std.apply(v), m


# --- order statistics: median / nanmedian / mode ---------------------------------------------


def _median(who: str, input: Tensor, dim: Any, keepdim: bool, ignore_nan: bool) -> Any:
    x = _tensor_arg(who, input, "input")
    if dim is None and not x.numel():  # NOTE: nan cast to the dtype (True for bool), as torch
        return ops.reduce.Median.apply(x, ignore_nan=ignore_nan)
    _no_bool(who, x)
    if dim is None:
        return ops.reduce.Median.apply(x, ignore_nan=ignore_nan)
    d = _dim(who, x, dim)
    result = getattr(return_types, who)
    if x.ndim == 0:
        return _scalar_pick(x, result)
    _nonempty(who, x, d)
    data = x._array
    order = np.argsort(data, axis=d, kind="stable")  # NOTE: nans last, in order
    nans = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    n_nan = nans.sum(axis=d, keepdims=True)
    valid = data.shape[d] - n_nan
    # the lower median of the valid values; median: the first nan if there is one
    k = np.maximum(valid - 1, 0) // 2 if ignore_nan else np.where(
        n_nan > 0, valid, (data.shape[d] - 1) // 2)
    return _picked(x, np.take_along_axis(order, k, axis=d), d, keepdim, result)


@method
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median: of all elements (a 0-d tensor), or along ``dim`` (values and
    indices). A nan anywhere makes the median nan.

    Over all elements the gradient is shared evenly among the elements equal to the median
    (torch's rule); along a dim it goes to the index returned.

    Args:
        dim (int, optional): the dim to reduce; default all elements.
        keepdim (bool): keep the reduced dim as size 1. Default False.

    Shape:
        input (*); output () for all, else the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([4.0, 1.0, 3.0, 2.0]).median()  # the lower of 2 and 3
        tensor(2.)
    """
    return _median("median", input, dim, keepdim, ignore_nan=False)


@method
def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """As ``median``, ignoring nans (nan only where every value is nan).

    Args:
        dim (int, optional): the dim to reduce; default all elements.
        keepdim (bool): keep the reduced dim as size 1. Default False.

    Shape:
        input (*); output () for all, else the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, float("nan"), 3.0]).nanmedian()
        tensor(1.)
    """
    return _median("nanmedian", input, dim, keepdim, ignore_nan=True)


@method
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and
    the index of its last occurrence (torch's choices).

    The gradient of each value goes to the index returned.

    Args:
        dim (int): the dim to reduce. Default -1.
        keepdim (bool): keep the reduced dim as size 1. Default False.

    Shape:
        input (*); values and indices the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([2.0, 1.0, 2.0, 1.0, 3.0]).mode()
        mode(values=tensor(1.), indices=tensor(3))
    """
    x = _tensor_arg("mode", input, "input")
    d = _dim("mode", x, dim)
    if x.ndim == 0:
        return _scalar_pick(x, return_types.mode)
    _nonempty("mode", x, d)
    data = np.moveaxis(x._array, d, -1)
    order = np.argsort(data, axis=-1, kind="stable")
    ranked = np.take_along_axis(data, order, axis=-1)
    start = np.ones(ranked.shape, bool)
    start[..., 1:] = ranked[..., 1:] != ranked[..., :-1]
    at = np.arange(ranked.shape[-1])
    count = at - np.maximum.accumulate(np.where(start, at, 0), axis=-1) + 1
    # NOTE: the first largest count ends the run of the smallest most frequent value, at
    # its last occurrence (a stable sort keeps equal values in their order)
    last = np.take_along_axis(order, count.argmax(axis=-1)[..., None], axis=-1)
    return _picked(x, np.moveaxis(last, -1, d), d, keepdim, return_types.mode)


# --- nan-ignoring sums, counts, aminmax ------------------------------------------------------


@method
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *,
           dtype: Any = None) -> Tensor:
    """The sum over ``dim``, with nans counted as 0 (their gradient is 0).

    Args:
        dim (int or tuple of ints, optional): the dims to reduce; default all.
        keepdim (bool): keep the reduced dims as size 1. Default False.
        dtype: cast the input to it first; default int64 for integer and bool inputs.

    Shape:
        input (*); output the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, float("nan"), 2.0]).nansum()
        tensor(3.)
    """
    x = _accumulating("nansum", input, dtype)
    d = _axes("nansum", x, dim)
    if x._array.dtype.kind != "f":
        return _in_dtype(x.sum(d, keepdim), dtype)
    return ops.reduce.NanSum.apply(x, axis=d, keepdims=keepdim)


@method
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *,
            dtype: Any = None) -> Tensor:
    """The mean over ``dim`` of the values that are not nan (nan if all are).

    Args:
        dim (int or tuple of ints, optional): the dims to reduce; default all.
        keepdim (bool): keep the reduced dims as size 1. Default False.
        dtype: cast the input to it first.

    Shape:
        input (*); output the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, float("nan"), 3.0]).nanmean()
        tensor(2.)
    """
    x = _tensor_arg("nanmean", input, "input")
    x = _float_only("nanmean()", x if dtype is None else x.astype(dtype))
    d = _axes("nanmean", x, dim)
    count = np.sum(~np.isnan(x._array), axis=d, keepdims=True)
    with np.errstate(divide="ignore"):  # NOTE: no values: 1 / 0 = inf, and a nan mean
        scale = (1 / count).astype(x._array.dtype)
    return ops.reduce.NanSum.apply(x, axis=d, keepdims=keepdim, scale=scale)


@method(name="count_nonzero")
def _count_nonzero_method(self: Tensor, dim: Any = None, *dims: Any) -> Tensor:
    """``x.count_nonzero(dim)``; the method also takes the dims one by one
    (``x.count_nonzero(0, 1)``), as torch's (the function ``ta.count_nonzero`` does not)."""
    return count_nonzero(self, (dim, *dims) if dims else dim)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (over ``dim``), as int64; no gradient.

    Args:
        dim (int or tuple of ints, optional): the dims to count over; default all.

    Shape:
        input (*); output the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[0.0, 1.0], [2.0, 0.0]]).count_nonzero(0)
        tensor([1, 1])
    """
    x = _tensor_arg("count_nonzero", input, "input")
    d = _axes("count_nonzero", x, dim)
    return _index(np.count_nonzero(x._array, axis=d))


@method
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """The smallest and the largest values (over ``dim``), as a named tuple (min, max);
    ties share the gradient evenly, as amin / amax.

    Args:
        dim (int, optional): the dim to reduce; default all.
        keepdim (bool): keep the reduced dims as size 1. Default False.

    Shape:
        input (*); both outputs the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([3.0, 1.0, 2.0]).aminmax()
        aminmax(min=tensor(1.), max=tensor(3.))
    """
    x = _tensor_arg("aminmax", input, "input")
    d: Any = () if dim is None else _dim("aminmax", x, dim)
    if x._array.size == 0 and (dim is None or x.ndim == 0 or x.shape[d] == 0):
        raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty dim (shape "
                           f"{x.shape}): the operation has no identity")
    return return_types.aminmax(x.amin(d, keepdim), x.amax(d, keepdim))


# --- module-level functions of the Tensor methods (torch.sum(x, ...) is x.sum(...)) ---------


amax, amin, argmax, argmin, std, var, all, any = (
    function_of(name) for name in ("amax", "amin", "argmax", "argmin", "std", "var", "all",
                                   "any"))


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
        **kwargs: Any) -> Tensor:
    """``ta.sum(x, dim, keepdim, dtype=)``: ``x.sum(dim, keepdim)`` of x cast to ``dtype``
    first (torch's accumulation dtype; integers and bools sum to int64 without it)."""
    x = _tensor_arg("sum", input, "input")
    if dtype is None:
        return x.sum(dim, keepdim, **kwargs)
    out = _accumulating("sum", x, dtype).sum(dim, keepdim, **kwargs)
    return out if out.dtype == np.dtype(dtype) else out.astype(dtype)  # int32 stays int32


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         **kwargs: Any) -> Tensor:
    """``ta.mean(x, dim, keepdim, dtype=)``: ``x.mean(dim, keepdim)`` of x cast to ``dtype``
    first (so an integer tensor has a mean given a float dtype, as in torch)."""
    x = _tensor_arg("mean", input, "input")
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        raise RuntimeError(f"mean(): dtype must be a floating point dtype, got "
                           f"{np.dtype(dtype)} (input shape {x.shape}), as torch")
    return (x if dtype is None else x.astype(dtype)).mean(dim, keepdim, **kwargs)


max = function_of("max", "``ta.max(x)``, ``ta.max(x, dim)`` (values, indices), "
                  "``ta.max(x, other)``.")
min = function_of("min", "``ta.min(x)``, ``ta.min(x, dim)`` (values, indices), "
                  "``ta.min(x, other)``.")
