"""The torch functions a tutorial or a test suite calls that are not ops of their own:
each is composed from the framework's differentiable Tensor ops, so its gradient comes from
rules the op table already checks (no new Function, no new op-table row).

- pointwise: ``addcmul`` / ``addcdiv``, ``copysign``, ``sgn``, ``signbit``, ``heaviside``,
  ``logit``, ``float_power``, ``positive``, the aliases ``multiply`` / ``subtract``, and the
  special functions ``lgamma`` / ``digamma`` / ``erfinv`` (series and Newton steps built of
  ops, from ``distributions/special.py``);
- along a dim: ``diff``, ``logcumsumexp``, ``quantile`` / ``nanquantile``, ``trapezoid``
  (``trapz``), ``cumulative_trapezoid``, ``renorm``, ``cov``, ``corrcoef``;
- pairs and products: ``cdist``, ``cartesian_prod``, ``combinations``, ``block_diag``,
  ``vander``, and ``ta.cosine_similarity`` (``F.cosine_similarity``);
- indexing: ``select``, ``ravel``, ``index_put`` / ``index_put_``, ``x.fill_diagonal_``,
  ``x.unfold(dimension, size, step)``, ``x.where(condition, other)``, ``x.take_along_dim``;
- no gradient, as in torch: ``bincount``, ``histc``, ``isin``, ``tril_indices`` /
  ``triu_indices``, ``unique_consecutive``; and ``x.detach_()``, ``x.byte()``, ``x.char()``.

Every function is a ``ta.`` name and, where torch has one, a Tensor method (``@method``);
the in-place forms (``addcmul_``, ``logit_``, ...) write the out-of-place result back through
the engine's in-place path, so version counters and gradients behave as for ``copy_``.
"""
from __future__ import annotations

import itertools
import math
import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import autograd, dtypes, ops
from .api import method
from .api.idioms import _inplace_form, _scalar_name, mul, sub
from .api.linalg import _scaled_sum, bmm, mv, outer, vector_norm
from .api.math import lerp, logaddexp
from .api.selection import take_along_dim as _take_along_dim
from .api.shape import meshgrid
from .distributions import special as _special
from .functional import cosine_similarity
from .ops import special as _rules
from .tensor import (
    Tensor,
    _array,
    _cast,
    _dim,
    _floating,
    _operand,
    _tensor_arg,
    cat,
    stack,
    where,
)

__all__ = [
    "addcmul", "addcdiv", "copysign", "sgn", "signbit", "heaviside", "logit", "float_power",
    "positive", "multiply", "subtract", "lgamma", "digamma", "erfinv",
    "diff", "logcumsumexp", "quantile", "nanquantile", "trapezoid", "trapz",
    "cumulative_trapezoid", "renorm", "cov", "corrcoef",
    "cdist", "cartesian_prod", "combinations", "block_diag", "vander", "cosine_similarity",
    "select", "ravel", "index_put",
    "bincount", "histc", "isin", "tril_indices", "triu_indices", "unique_consecutive",
    "addmv", "addr", "addbmm",
]

_INT64 = np.dtype(np.int64)


def _const(arr: Any) -> Tensor:
    """An array as a Tensor outside any graph."""
    return Tensor._make(np.asarray(arr), False, None)


def _shapes(*xs: Any) -> str:
    return ", ".join(str(tuple(np.shape(_array(x)))) for x in xs)


# --- pointwise: addcmul / addcdiv / copysign / sgn / signbit / heaviside / logit / ... ------


def _addc(who: str, input: Any, tensor1: Any, tensor2: Any, value: Any) -> tuple:
    """The three operands in torch's promoted dtype, and ``value`` as that dtype takes it
    (an integer result truncates it, as torch casts the scalar)."""
    x = _tensor_arg(who, input, "input")
    a, b = _tensor_arg(who, tensor1, "tensor1"), _tensor_arg(who, tensor2, "tensor2")
    dtype = dtypes.result_type(x, a, b)
    if dtype.kind == "b":
        raise NotImplementedError(f"{who}: not implemented for bool tensors (shapes "
                                  f"{_shapes(x, a, b)}), as in torch")
    if dtype.kind in "iu":
        value = int(value)
    return _cast(x, dtype), _cast(a, dtype), _cast(b, dtype), value


@method
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """addcmul: out = input + value * tensor1 * tensor2, elementwise, broadcast.

    Args:
        input, tensor1, tensor2: Tensors (torch's promoted dtype; bool refused).
        value: the multiplier (keyword-only; an integer result truncates it).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.addcmul(ta.tensor([1.0, 1.0]), ta.tensor([2.0, 3.0]), ta.tensor(2.0),
        ...            value=0.5).tolist()
        [3.0, 4.0]
    """
    x, a, b, value = _addc("addcmul", input, tensor1, tensor2, value)
    return x + (a if value == 1 else value * a) * b


@method
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """addcdiv: out = input + value * tensor1 / tensor2 (true division), broadcast. As
    torch, integer tensor1 and tensor2 are refused (RuntimeError).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.addcdiv(ta.tensor([1.0]), ta.tensor([3.0]), ta.tensor([2.0]), value=2).tolist()
        [4.0]
    """
    a, b = _tensor_arg("addcdiv", tensor1, "tensor1"), _tensor_arg("addcdiv", tensor2, "tensor2")
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        raise RuntimeError(f"addcdiv: integer division with addcdiv is no longer supported "
                           f"(tensor1 {a.dtype}, tensor2 {b.dtype}, shapes {_shapes(a, b)}), "
                           "as in torch; convert them with .float() first")
    x, a, b, value = _addc("addcdiv", input, a, b, value)
    return x + (a / b if value == 1 else value * (a / b))


@method
def copysign(input: Tensor, other: Any) -> Tensor:
    """copysign: |input| with the sign of other (-0.0 counts as negative), elementwise;
    d/dinput = sign(input) * sign(other) (0 at input = 0), d/dother = 0, as torch.
    Integers and bools become the default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.copysign(ta.tensor([1.0, -2.0, 3.0]), ta.tensor([-0.0, 1.0, -1.0])).tolist()
        [-1.0, 2.0, -3.0]
    """
    x, other = _tensor_arg("copysign", input, "input"), _operand(other)
    dtype = dtypes.result_type(x, other)
    if dtype.kind != "f":
        dtype = dtypes.get_default_dtype()
    negative = np.signbit(np.asarray(_array(other), dtype=dtype))
    out = _cast(x, dtype).abs() * _const(np.where(negative, -1, 1).astype(dtype))
    if isinstance(other, Tensor) and other.requires_grad:
        out = ops.DependsOn.apply(out, other)  # NOTE: torch's gradient for other: zeros
    return out


@method
def sgn(input: Tensor) -> Tensor:
    """sgn: the sign, -1 / 0 / 1 (``sign`` for real tensors; a bool stays itself)."""
    return _tensor_arg("sgn", input, "input").sign()


@method
def signbit(input: Tensor) -> Tensor:
    """Whether the sign bit is set (True for -0.0 and negative values), a bool tensor with
    no gradient; unsigned and bool tensors are all False.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.signbit(ta.tensor([-0.0, 0.0, -2.0])).tolist()
        [True, False, True]
    """
    arr = _tensor_arg("signbit", input, "input")._array
    return _const(np.signbit(arr) if arr.dtype.kind in "fi" else np.zeros(arr.shape, bool))


@method
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where input < 0, ``values`` where input == 0, 1 where input > 0
    (NaN gives 0, as torch). Both tensors must have one dtype; no gradient, as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.heaviside(ta.tensor([-1.0, 0.0, 2.0]), ta.tensor(0.5)).tolist()
        [0.0, 0.5, 1.0]
    """
    x, v = _tensor_arg("heaviside", input, "input"), _tensor_arg("heaviside", values, "values")
    if x.dtype != v.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different "
                           f"dtypes ({x.dtype} and {v.dtype}, shapes {_shapes(x, v)}), as "
                           "in torch")
    a = x._array
    return _const(np.where(a == 0, v._array, a > 0).astype(x.dtype))


@method
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """logit: y = log(z / (1 - z)), z = input clamped to [eps, 1 - eps] when eps is given;
    dy/dinput = 1 / (z (1 - z)) inside the clamp, 0 outside (as torch). Integers become the
    default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logit(ta.tensor([0.5, 0.0, 1.0]), eps=0.25).tolist()
        [0.0, -1.0986123085021973, 1.0986123085021973]
    """
    return _rules.Logit.apply(_floating(_tensor_arg("logit", input, "input")), eps=eps)


@method
def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64 (both made float64 first), as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.float_power(ta.tensor([2, 3]), 2).dtype
        dtype('float64')
    """
    f64 = np.dtype(np.float64)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power(): one of input and exponent must be a Tensor, got "
                        f"{type(input).__name__} and {type(exponent).__name__}")
    base, power = (_cast(_operand(v), f64) if isinstance(v, Tensor) else float(v)
                   for v in (input, exponent))
    return base ** power


@method
def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself (a bool tensor is refused, as torch)."""
    x = _tensor_arg("positive", input, "input")
    if x.dtype == np.bool_:
        raise RuntimeError(f"positive: the `+` operator, on a bool tensor is not supported "
                           f"(shape {x.shape}), as in torch")
    return x


@method
def multiply(input: Tensor, other: Any) -> Tensor:
    """Alias of ``mul``: input * other."""
    return mul(input, other)


@method
def subtract(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """Alias of ``sub``: input - alpha * other."""
    return sub(input, other, alpha=alpha)


@method(name="multiply_")
def _multiply_(self: Tensor, other: Any) -> Tensor:
    """In place: ``x.multiply_(y)`` is ``x.mul_(y)``."""
    return self.mul_(other)


@method(name="subtract_")
def _subtract_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In place: ``x.subtract_(y, alpha=a)`` is ``x.sub_(y, alpha=a)``."""
    return self.sub_(other, alpha=alpha)


@method
def lgamma(input: Tensor) -> Tensor:
    """log |Gamma(input)|, elementwise; +inf at 0, -1, -2, ... The gradient is that of the
    series (digamma to float64's resolution). Integers become the default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.lgamma(ta.tensor(5.0)).item(), 4)  # log(4!)
        3.1781
    """
    return _special.lgamma(_floating(_tensor_arg("lgamma", input, "input")))


@method
def digamma(input: Tensor) -> Tensor:
    """digamma = d lgamma / dx, elementwise; -inf at 0, NaN at the negative integers."""
    return _special.digamma(_floating(_tensor_arg("digamma", input, "input")))


@method
def erfinv(input: Tensor) -> Tensor:
    """The inverse error function, elementwise; +-inf at +-1, NaN beyond. The gradient is
    that of the Halley steps, which converge to sqrt(pi)/2 exp(erfinv(x)**2)."""
    return _special.erfinv(_floating(_tensor_arg("erfinv", input, "input")))


@method(name="float_power_")
def _float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In place: ``x.float_power_(e)``; x must be float64 (the result's dtype), as torch."""
    if self.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype "
                           f"{_scalar_name(self.dtype)} but the operation's result requires "
                           f"dtype Double (shape {self.shape})")
    return _FLOAT_POWER_(self, exponent)


_FLOAT_POWER_ = _inplace_form("float_power")


# --- along a dim: diff / logcumsumexp / quantile / trapezoid / renorm / cov / corrcoef -----


@method
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along dim: out[i] = x[i + 1] - x[i], n times, after
    joining ``prepend`` and ``append`` (same number of dims) to the ends. Bool tensors
    give x[i + 1] ^ x[i], as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.diff(ta.tensor([1, 3, 6, 10]), n=2).tolist()
        [1, 1]
    """
    x = _tensor_arg("diff", input, "input")
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    d = _dim("diff", x, dim)
    ends = [_tensor_arg("diff", e, name) for e, name in ((prepend, "prepend"),
                                                         (append, "append")) if e is not None]
    for e in ends:
        if e.ndim != x.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as "
                               f"input (shapes {e.shape} and {x.shape})")
    if ends:
        x = cat([*([prepend] if prepend is not None else []), x,
                 *([append] if append is not None else [])], dim=d)
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        hi, lo = x.narrow(d, 1, size - 1), x.narrow(d, 0, size - 1)
        x = hi ^ lo if x.dtype == np.bool_ else hi - lo
    return x


@method
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """out[i] = log(sum_{j <= i} exp(x[j])) along dim, stable for any magnitudes.

    NOTE: computed as a scan of ``logaddexp`` (log2(n) steps, each pairing an element with
    the one 2^k before it), never as log(cumsum(exp(x))), which overflows for x ~ 100 and
    loses small terms; the gradient is logaddexp's, a softmax of the prefix.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logcumsumexp(ta.tensor([0.0, 0.0, 1000.0]), 0).tolist()
        [0.0, 0.6931471824645996, 1000.0]
    """
    x = _tensor_arg("logcumsumexp", input, "input")
    d = _dim("logcumsumexp", x, dim)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp: not implemented for {x.dtype} tensors "
                                  f"(shape {x.shape}), as in torch")
    if x.ndim == 0:
        return x.clone()
    n, step, y = x.shape[d], 1, x
    while step < n:
        shifted = logaddexp(y.narrow(d, step, n - step), y.narrow(d, 0, n - step))
        y = cat([y.narrow(d, 0, step), shifted], dim=d)
        step *= 2
    return y if y is not x else x.clone()


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")
_ROUNDINGS: dict[str, Any] = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}


def _quantile_q(who: str, x: Tensor, q: Any) -> tuple[np.ndarray, bool]:
    """q as a 1-d array of x's dtype, and whether q was a scalar (no leading dim)."""
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{who}() q must be a scalar or 1D tensor (got shape {q.shape})")
        if q.dtype != x.dtype:
            raise RuntimeError(f"{who}() q tensor must be same dtype as the input tensor "
                               f"({q.dtype} and {x.dtype})")
        qs, scalar = q._array.reshape(-1), q.ndim == 0
    else:
        qs, scalar = np.asarray([q], dtype=x.dtype), True
    if np.any((qs < 0) | (qs > 1)):
        raise RuntimeError(f"{who}() q must be in the range [0, 1] but got "
                           f"{qs.tolist() if not scalar else qs[0]}")
    return qs, scalar


def _quantile(who: str, input: Any, q: Any, dim: Any, keepdim: bool, interpolation: str,
              ignore_nan: bool) -> Tensor:
    """Sort, pick the two order statistics around rank q (n - 1), and lerp between them,
    as torch: a slice holding NaN gives NaN (quantile) or ignores its NaNs (nanquantile)."""
    x = _tensor_arg(who, input, "input")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{who}() input tensor must be either float or double dtype (got "
                           f"{x.dtype}, shape {x.shape})")
    if x.numel() == 0:
        raise RuntimeError(f"{who}() input tensor must be non-empty (shape {x.shape})")
    qs, scalar = _quantile_q(who, x, q)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{who}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    d = None if dim is None else _dim(who, x, dim)
    rows = x.reshape(-1) if d is None else x.reshape(1) if x.ndim == 0 else x.movedim(d, -1)
    ordered = rows.sort(dim=-1).values                       # (B..., n)
    n = ordered.shape[-1]
    nans = np.isnan(ordered._array)
    lead = qs.reshape((-1,) + (1,) * ordered.ndim)           # (Q, 1..., 1)
    if ignore_nan:  # NOTE: an all-NaN slice gets rank 0 (a NaN too), as torch
        scale = (~nans).sum(-1, keepdims=True).astype(x.dtype) - 1
        fixed = scale < 0
    else:  # NOTE: a slice holding NaN gets the last rank, where its NaNs sort
        scale, fixed = np.asarray(n - 1, x.dtype), nans.any(-1, keepdims=True)
    ranks = np.asarray(np.where(fixed, 0 if ignore_nan else n - 1, lead * scale), x.dtype)
    if interpolation in _ROUNDINGS:  # NOTE: "nearest" rounds half to even, as torch
        ranks = _ROUNDINGS[interpolation](ranks)
    shape = ranks.shape[:1] + ordered.shape[:-1] + (1,)
    ranks = np.broadcast_to(ranks, shape)
    stacked = ordered.unsqueeze(0).expand(shape[0], *ordered.shape)
    below = np.floor(ranks).astype(np.int64)
    out = stacked.gather(-1, _const(below))
    if interpolation in ("linear", "midpoint"):
        above = stacked.gather(-1, _const(np.ceil(ranks).astype(np.int64)))
        weights: Any = np.full(shape, 0.5, x.dtype) if interpolation == "midpoint" else \
            _const((ranks - below).astype(x.dtype))
        if interpolation == "linear" and isinstance(q, Tensor) and q.requires_grad:
            # q in the graph, as torch: d out / d q = scale (above - below)
            moved = q.reshape((-1,) + (1,) * ordered.ndim) * _const(scale) - _const(
                below.astype(x.dtype))
            weights = where(_const(np.broadcast_to(fixed, shape)), weights, moved)
        out = lerp(out, above, weights if isinstance(weights, Tensor) else _const(weights))
    out = out.squeeze(-1)                                    # (Q, B...)
    if keepdim:
        out = out.reshape(shape[0], *([1] * x.ndim)) if d is None else out.unsqueeze(d + 1)
    elif x.ndim == 0:
        out = out.reshape(shape[0])
    return out[0] if scalar else out


@method
def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along dim (all elements for dim=None), as torch.quantile: with
    rank r = q (n - 1) in the sorted slice, ``linear`` lerps between the order statistics
    at floor(r) and ceil(r), ``lower`` / ``higher`` / ``nearest`` (half to even) pick one,
    ``midpoint`` averages the two. A slice holding NaN gives NaN. Differentiable in input
    (the gradient goes to the picked elements, through sort and gather).

    Args:
        input: a float tensor, non-empty.
        q: a number or a 0-d / 1-d tensor of input's dtype, values in [0, 1]; a 1-d q puts
            its dim first in the result.
        dim, keepdim: the reduced dim (None: all), and whether it is kept with size 1.
        interpolation: linear, lower, higher, midpoint or nearest.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.quantile(ta.tensor([1.0, 2.0, 4.0, 8.0]), ta.tensor([0.5, 1.0])).tolist()
        [3.0, 8.0]
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@method
def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` ignoring NaNs: each slice's ranks count only its non-NaN elements (an
    all-NaN slice gives NaN).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nanquantile(ta.tensor([1.0, float("nan"), 3.0]), 0.5).item()
        2.0
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _spacing(who: str, y: Tensor, x: Any, dx: Any, d: int) -> Any:
    """The sample spacing: x's differences along d (a 1-d x laid along d; fewer dims
    broadcast from the left), or the number dx (1 by default)."""
    if x is not None and dx is not None:
        raise TypeError(f"{who}() received an invalid combination of arguments: give x or "
                        "dx, not both")
    if x is None:
        return 1 if dx is None else dx
    x = _tensor_arg(who, x, "x")
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{who}: There must be one `x` value for each sample point "
                               f"(x has shape {x.shape}, y has {y.shape} along dim {d})")
        x = x.reshape([-1 if i == d else 1 for i in range(y.ndim)])
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + x.shape)
    return diff(x, dim=d)


def _pair_sums(y: Tensor, d: int) -> Tensor:
    """y[i + 1] + y[i] along d (empty for fewer than two samples)."""
    n = y.shape[d]
    return y.narrow(d, min(1, n), max(n - 1, 0)) + y.narrow(d, 0, max(n - 1, 0))


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along dim: sum_i (x[i+1] - x[i]) (y[i+1] + y[i]) / 2, or with
    a constant spacing dx (default 1): dx (sum y - (y[0] + y[-1]) / 2). Differentiable in y
    and x.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.trapezoid(ta.tensor([1.0, 2.0, 3.0]), ta.tensor([0.0, 1.0, 3.0])).item()
        6.5
    """
    y = _tensor_arg("trapezoid", y, "y")
    if y.ndim == 0:
        raise IndexError("trapezoid: Dimension specified as -1 but tensor has no dimensions")
    d = _dim("trapezoid", y, dim)
    spacing = _spacing("trapezoid", y, x, dx, d)
    if y.shape[d] == 0:
        return y.sum(d) * 0.0
    if isinstance(spacing, Tensor):
        return (spacing * _pair_sums(y, d)).sum(d) / 2.0
    return (y.sum(d) - (select(y, d, 0) + select(y, d, -1)) * 0.5) * spacing


def trapz(y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid`` (torch's older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Any = None,
                         dim: int = -1) -> Tensor:
    """The running trapezoidal rule along dim: n - 1 partial integrals (see ``trapezoid``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cumulative_trapezoid(ta.tensor([1.0, 2.0, 3.0])).tolist()
        [1.5, 4.0]
    """
    y = _tensor_arg("cumulative_trapezoid", y, "y")
    if y.ndim == 0:
        raise IndexError("cumulative_trapezoid: Dimension specified as -1 but tensor has no "
                         "dimensions")
    d = _dim("cumulative_trapezoid", y, dim)
    spacing = _spacing("cumulative_trapezoid", y, x, dx, d)
    if isinstance(spacing, Tensor):
        return (spacing * _pair_sums(y, d)).cumsum(d) / 2.0
    return (spacing / 2.0 * _pair_sums(y, d)).cumsum(d)


@method
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice input.select(dim, i) whose p-norm exceeds maxnorm scaled to norm
    maxnorm: out = x * (maxnorm / (norm + 1e-7) where norm > maxnorm, else 1), with the
    norm in the graph (torch's gradient).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.renorm(ta.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0).tolist()
        [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]]
    """
    x = _tensor_arg("renorm", input, "input")
    if x.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} "
                           "dimensions")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"renorm: not implemented for {x.dtype} tensors (shape "
                                  f"{x.shape}), as in torch")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = _dim("renorm", x, dim)
    norm = vector_norm(x, p, tuple(i for i in range(x.ndim) if i != d), keepdim=True)
    return x * where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


def _cov_weights(x: Tensor, fweights: Any, aweights: Any) -> Tensor | None:
    """The product of the frequency and the observation weights, checked as torch does."""
    n, w = x.shape[1], None
    for weights, name, kind in ((fweights, "fweights", "iu"), (aweights, "aweights", "f")):
        if weights is None:
            continue
        wt = _tensor_arg("cov", weights, name)
        if wt.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but "
                               f"got {name} with {wt.ndim} dimensions")
        if wt.dtype.kind not in kind:
            which = "integral" if kind == "iu" else "floating point"
            raise RuntimeError(f"cov(): expected {name} to have {which} dtype but got "
                               f"{name} with {wt.dtype} dtype")
        if wt.numel() != n:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                               f"observations in the input but got {wt.numel()} != {n}")
        if n and wt._array.min() < 0:
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = wt if w is None else w * wt
    return w


@method
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in input's rows (observations in columns),
    as torch.cov: C = (x - mean)(w (x - mean))^T / (sum w - correction * norm), with the
    frequency weights ``fweights`` and observation weights ``aweights``. A 1-d input is one
    variable (a 0-d result). Differentiable in input and aweights.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cov(ta.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
    """
    x = _tensor_arg("cov", input, "input")
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    if x.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = x if x.ndim == 2 else x.reshape(1, -1)
    w = _cov_weights(x, fweights, aweights)
    w_sum = x.shape[1] if w is None else w.sum()
    if w is not None and w_sum.item() == 0:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if float(_array(norm)) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    centred = x - avg.unsqueeze(1)
    c = centred @ (centred if w is None else centred * w).T
    return (c / norm).squeeze()


@method
def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients of input's rows: cov(x) / (s_i s_j), clipped to
    [-1, 1] (as torch; the clip's gradient is zero outside).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.corrcoef(ta.tensor([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])).tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """
    x = _tensor_arg("corrcoef", input, "input")
    if x.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but "
                           f"got an input with {x.ndim} dimensions")
    c = cov(x)
    if c.ndim == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1)
    c = c / stddev.reshape(1, -1)
    return c.clamp(-1, 1)


# --- pairs and products: cdist / cartesian_prod / combinations / block_diag / vander -------

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distances between each row of x1 (..., P, M) and each row of x2
    (..., R, M): a (..., P, R) tensor, batch dims broadcast. p = 0 counts the differing
    coordinates, p = inf takes the largest. Differentiable (the norm's gradient; 0 at a
    zero distance).

    NOTE: computed from the differences for every ``compute_mode`` (the modes are checked
    and accepted): torch's matmul form |a|^2 + |b|^2 - 2 a.b differs from it in the last
    bits and loses precision for nearby points.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cdist(ta.tensor([[0.0, 0.0]]), ta.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
        [[5.0, 1.0]]
    """
    a, b = _tensor_arg("cdist", x1, "x1"), _tensor_arg("cdist", x2, "x2")
    for t, name in ((a, "X1"), (b, "X2")):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{a.shape[-1]} X2: {b.shape[-1]}")
    for t, name in ((a, "X1"), (b, "X2")):
        if t.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_scalar_name(t.dtype)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"cdist: expected scalar type {_scalar_name(a.dtype)} but found "
                           f"{_scalar_name(b.dtype)} (shapes {a.shape} and {b.shape})")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got {p})")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"cdist: the batch dims of X1 {a.shape} and X2 {b.shape} do not "
                           "broadcast") from None
    differences = a.unsqueeze(-2) - b.unsqueeze(-3)          # (..., P, R, M)
    return vector_norm(differences, p, -1)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The Cartesian product of 1-d tensors of one dtype, as rows (itertools.product's
    order): shape (n1 * n2 * ..., k); a single tensor is returned as it is.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cartesian_prod(ta.tensor([1, 2]), ta.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    for t in tensors:
        t = _tensor_arg("cartesian_prod", t, "tensors")
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: Expect a 1D vector, but got shape "
                               f"{list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-d tensor's elements, as rows (itertools'
    ``combinations`` order, or ``combinations_with_replacement``); differentiable.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.combinations(ta.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    x = _tensor_arg("combinations", input, "input")
    if x.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return _const(np.empty(0, dtype=x.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    index = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[_const(index)]


def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix of 0-d (1x1), 1-d (1xn) and 2-d tensors, zeros elsewhere,
    in their promoted dtype; differentiable in each block.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.block_diag(ta.tensor([[1, 2]]), ta.tensor(3)).tolist()
        [[1, 2, 0], [0, 0, 3]]
    """
    if not tensors:
        return _const(np.zeros((1, 0), dtype=dtypes.get_default_dtype()))
    blocks = []
    for i, t in enumerate(tensors):
        t = _tensor_arg("block_diag", t, "tensors")
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
        blocks.append(t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1
                      else t)
    dtype = dtypes.result_type(*blocks)
    width, left, rows = sum(b.shape[1] for b in blocks), 0, []
    for b in blocks:
        h, w = b.shape
        pads = (_const(np.zeros((h, left), dtype)), _cast(b, dtype),
                _const(np.zeros((h, width - left - w), dtype)))
        rows.append(cat(list(pads), dim=1))
        left += w
    return cat(rows, dim=0)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-d x: columns x^(N-1), ..., x, 1 (or increasing
    powers), N = len(x) by default; integers and bools give int64, as torch. Built with
    cumprod, so it is differentiable in x.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.vander(ta.tensor([2, 3]), N=3).tolist()
        [[4, 2, 1], [9, 3, 1]]
    """
    x = _tensor_arg("vander", x, "x")
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor (got shape {x.shape})")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative (got {n})")
    dtype = x.dtype if x.dtype.kind == "f" else _INT64
    x = _cast(x, dtype)
    ones = _const(np.ones((x.shape[0], min(n, 1)), dtype))
    if n > 1:
        powers = x.unsqueeze(1).expand(x.shape[0], n - 1).cumprod(1)
        ones = cat([ones, powers], dim=1)
    return ones if increasing else ones.flip(1)


# --- indexing: select / ravel / index_put / fill_diagonal_ / unfold / where / take_along ---


@method
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """input[..., index, ...] at dim: the slice with that dim removed (a view).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.select(ta.tensor([[1, 2], [3, 4]]), 1, -1).tolist()
        [2, 4]
    """
    x = _tensor_arg("select", input, "input")
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _dim("select", x, dim)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    return x[(slice(None),) * d + (int(index),)]


@method
def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor (a view when the memory allows, as ``reshape(-1)``)."""
    return _tensor_arg("ravel", input, "input").reshape(-1)


def _index_arrays(x: Tensor, indices: Sequence) -> list[np.ndarray]:
    """The index tensors as int arrays, one per leading dim of x: a bool mask of k dims
    becomes its k nonzero coordinates; negative indices wrap; out of range is an
    IndexError as torch's."""
    arrays: list[np.ndarray] = []
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"index_put(): expected Tensor as element {i} in argument 1, but "
                            f"got {type(t).__name__}")
        if t.dtype.kind not in "iub":
            raise IndexError(f"index_put: tensors used as indices must be long, int, byte or "
                             f"bool tensors (got {t.dtype})")
        arrays += list(np.nonzero(t._array)) if t.dtype == np.bool_ else [t._array]
    if len(arrays) > x.ndim:
        raise IndexError(f"index_put: too many indices for tensor of dimension {x.ndim} "
                         f"(got {len(arrays)})")
    for d, a in enumerate(arrays):
        n = x.shape[d]
        bad = (a < -n) | (a >= n)
        if bad.any():
            raise IndexError(f"index {int(a[bad].flat[0])} is out of bounds for dimension {d} "
                             f"with size {n}")
        arrays[d] = np.where(a < 0, a + n, a).astype(np.int64)
    return arrays


@method
def index_put(input: Tensor, indices: Sequence, values: Tensor,
              accumulate: bool = False) -> Tensor:
    """A copy of input with input[indices] = values (indices: a tuple of index or mask
    tensors, as advanced indexing), or ``+= values`` with ``accumulate=True`` (repeated
    indices add up). values broadcasts to the indexed shape and must have input's dtype.
    Differentiable in input and values.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.zeros(3)
        >>> ta.index_put(x, (ta.tensor([0, 0, 2]),), ta.tensor(1.0), accumulate=True).tolist()
        [2.0, 0.0, 1.0]
    """
    x = _tensor_arg("index_put", input, "input")
    v = _tensor_arg("index_put", values, "values")
    if v.dtype != x.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_scalar_name(x.dtype)} for the destination and "
                           f"{_scalar_name(v.dtype)} for the source (shapes {x.shape} and "
                           f"{v.shape})")
    arrays = _index_arrays(x, list(indices))
    if not accumulate:
        out = x.clone()
        out[tuple(_const(a) for a in arrays)] = v
        return out
    k = len(arrays)
    picked = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    lead, rest = x.shape[:k], x.shape[k:]
    flat_index = np.ravel_multi_index(np.broadcast_arrays(*arrays), lead).reshape(-1) \
        if arrays else np.zeros(1, np.int64)
    source = v.expand(*picked, *rest).reshape(-1, *rest)
    flat = x.reshape(-1, *rest)
    return flat.index_add(0, _const(flat_index), source).reshape(x.shape)


method(_inplace_form("index_put"))


@method(name="fill_diagonal_")
def _fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """In place: the main diagonal (x[i, i, ...]) set to fill_value; a tall matrix with
    ``wrap=True`` starts the diagonal again every (columns + 1) rows, as torch."""
    if self.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1 (shape "
                           f"{self.shape})")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length "
                           f"(shape {self.shape})")
    mask = np.zeros(self.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    self[_const(mask)] = fill_value
    return self


@method(name="unfold")
def _unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """The windows of ``size`` elements, ``step`` apart, along ``dimension``: that dim
    becomes the window count (n - size) // step + 1 and a last dim of ``size`` is added
    (torch's Tensor.unfold). Differentiable (overlapping windows add their gradients).

    NOTE: a view, as torch's, when the windows do not overlap (``step >= size``, the
    common case: made of slicing and reshaping, views all); overlapping windows are a copy
    here (advanced indexing), where torch's are a strided view that shares elements.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.arange(5).unfold(0, 2, 2).tolist()
        [[0, 1], [2, 3]]
    """
    d = _dim("unfold", self, dimension)
    n = self.shape[d] if self.ndim else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if self.ndim == 0:
        return self.reshape(1)[:size]
    windows = (n - size) // step + 1
    if step >= size and windows * step <= n:  # the windows as views: split the dim, slice
        moved = self.movedim(d, -1)[..., :windows * step]
        split = moved.reshape(*moved.shape[:-1], windows, step)[..., :size]
        return split.movedim(-2, d)
    index = np.arange(windows)[:, None] * step + np.arange(size)[None, :]
    picked = self.movedim(d, -1)[..., _const(index.astype(np.int64))]
    return picked.movedim(-2, d)


@method(name="where")
def _where(self: Tensor, condition: Tensor, y: Any) -> Tensor:
    """``x.where(condition, y)`` is ``ta.where(condition, x, y)``."""
    return where(condition, self, y)


@method(name="take_along_dim")
def _take_along(self: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``x.take_along_dim(indices, dim)`` is ``ta.take_along_dim(x, indices, dim)``."""
    return _take_along_dim(self, indices, dim)


@method(name="register_post_accumulate_grad_hook")
def _register_post_accumulate_grad_hook(self: Tensor, hook: Any) -> Any:
    """Call ``hook(tensor)`` after backward has accumulated this leaf's ``.grad`` (each
    backward, once; not for ``grad()``, which accumulates nothing), as torch's: the place
    for an optimizer step inside backward. Returns a handle with ``remove()``."""
    from .tensor import RemovableHandle
    if not self.requires_grad:
        raise RuntimeError(f"register_post_accumulate_grad_hook: cannot register a hook on a "
                           f"tensor that doesn't require gradient (shape {self.shape})")
    if self.grad_fn is not None:
        raise RuntimeError(f"register_post_accumulate_grad_hook: post accumulate grad hooks "
                           f"cannot be registered on non-leaf tensors (shape {self.shape})")
    hooks = autograd.post_accumulate_hooks.get(id(self))
    if hooks is None:
        hooks = autograd.post_accumulate_hooks[id(self)] = []
        weakref.finalize(self, autograd.post_accumulate_hooks.pop, id(self), None)
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


@method(name="detach_")
def _detach_(self: Tensor) -> Tensor:
    """In place: cut this tensor from its graph (a leaf that does not require grad now).
    A view is refused, as torch: detach() it instead."""
    if self._base is not None:
        raise RuntimeError(f"detach_: Can't detach views in-place (shape {self.shape}). Use "
                           "detach() instead.")
    self.grad_fn = None
    self._requires_grad = False
    self._counter[0] += 1  # NOTE: a node that saved it refuses to use it now, as torch's
    return self


@method(name="byte")
def _byte(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.byte()`` is ``x.to(uint8)`` (floats truncate toward zero, then wrap); the
    ``memory_format`` is accepted and ignored (the copy is row-major)."""
    return _wrapped_cast(self, np.dtype(np.uint8))


@method(name="char")
def _char(self: Tensor, memory_format: Any = None) -> Tensor:
    """``x.char()`` is ``x.to(int8)`` (floats truncate toward zero, then wrap); the
    ``memory_format`` is accepted and ignored (the copy is row-major)."""
    return _wrapped_cast(self, np.dtype(np.int8))


def _wrapped_cast(x: Tensor, dtype: np.dtype) -> Tensor:
    """x in a small integer dtype, as torch converts: a float goes through int64 first
    (truncated), so -1.5 becomes 255 as a uint8, not numpy's undefined cast."""
    arr = x._array
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            arr = arr.astype(np.int64)
    return x if x.dtype == dtype else _const(arr.astype(dtype))


# --- no gradient: bincount / histc / isin / tril_indices / triu_indices / unique_consecutive


@method
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """The count of each value 0..max(input) in a 1-d tensor of non-negative integers (at
    least ``minlength`` bins), or the sum of ``weights`` per value; int64 counts, float
    weights keep their dtype (integer weights give float64), as torch. No gradient.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.bincount(ta.tensor([1, 1, 3]), minlength=5).tolist()
        [0, 2, 0, 1, 0]
    """
    x = _tensor_arg("bincount", input, "input")
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: not implemented for {x.dtype} tensors (shape "
                                  f"{x.shape}), as in torch")
    if x.ndim != 1 or (x.numel() and x._array.min() < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (shape "
                           f"{x.shape})")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0 (got {minlength})")
    if weights is None:
        return _const(np.bincount(x._array, minlength=minlength).astype(np.int64))
    w = _tensor_arg("bincount", weights, "weights")
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input "
                           f"(shapes {w.shape} and {x.shape})")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return _const(np.bincount(x._array, w._array.astype(np.float64),
                              minlength=minlength).astype(dtype))


@method
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``bins`` equal bins over [min, max] (min = max = 0: the data's range;
    an empty range is widened by 1 each side); elements outside are ignored, max falls in
    the last bin. The result has input's float dtype; no gradient.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.histc(ta.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
        [0.0, 2.0, 1.0, 0.0]
    """
    x = _tensor_arg("histc", input, "input")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc: not implemented for {x.dtype} tensors (shape "
                                  f"{x.shape}), as in torch")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")
    lo, hi = float(min), float(max)
    data = x._array.reshape(-1)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min ({hi} < {lo})")
    kept = data[(data >= lo) & (data <= hi)]
    left, span = np.asarray(lo, x.dtype), np.asarray(hi, x.dtype) - np.asarray(lo, x.dtype)
    position = ((kept - left) * np.asarray(bins, x.dtype) / span).astype(np.int64)
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)
    return _const(counts.astype(x.dtype))


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each of ``elements`` is in ``test_elements`` (either may be a number), a
    bool tensor of elements' shape; no gradient.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isin(ta.tensor([1, 2, 3]), ta.tensor([2, 5])).tolist()
        [False, True, False]
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): one of elements and test_elements must be a Tensor")
    a, b = np.asarray(_array(elements)), np.asarray(_array(test_elements))
    return _const(np.isin(a, b, assume_unique=assume_unique, invert=invert))


def _triangle_indices(who: str, pick: Any, row: int, col: int, offset: int,
                      dtype: Any) -> Tensor:
    dtype = _INT64 if dtype is None else np.dtype(dtype)
    if dtype.kind not in "iu":
        raise NotImplementedError(f'"{who}" not implemented for {_scalar_name(dtype)}')
    for n, name in ((row, "row"), (col, "col")):
        if n < 0:
            raise RuntimeError(f"{who}: {name} must be non-negative, got {n}")
    rows, cols = pick(row, offset, col)
    return _const(np.stack([rows, cols]).astype(dtype).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (row, column) coordinates of the lower triangle of a row x col matrix (on and
    below diagonal ``offset``), row by row: a (2, N) int64 tensor.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tril_indices(2, 2).tolist()
        [[0, 1, 1], [0, 0, 1]]
    """
    return _triangle_indices("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (row, column) coordinates of the upper triangle (on and above ``offset``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.triu_indices(2, 2).tolist()
        [[0, 0, 1], [0, 1, 1]]
    """
    return _triangle_indices("triu_indices", np.triu_indices, row, col, offset, dtype)


@method
def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """The tensor with each run of equal consecutive elements (or slices along ``dim``)
    kept once; with ``return_inverse`` the run each element belongs to, with
    ``return_counts`` each run's length (a tuple then, in that order). No gradient (torch's
    backward is not implemented either).

    Example:
        >>> import tinygrad_acts as ta
        >>> out, counts = ta.unique_consecutive(ta.tensor([1, 1, 2, 1]), return_counts=True)
        >>> out.tolist(), counts.tolist()
        ([1, 2, 1], [2, 1, 1])
    """
    x = _tensor_arg("unique_consecutive", input, "input")
    arr = x._array
    if dim is None:
        rows, axis = arr.reshape(-1, 1), None
    else:
        axis = _dim("unique_consecutive", x, dim)
        moved = np.moveaxis(arr, axis, 0) if arr.ndim else arr.reshape(1)
        rows = moved.reshape(moved.shape[0], -1)
    changed = np.any(rows[1:] != rows[:-1], axis=1)
    starts = np.flatnonzero(np.concatenate([[True], changed])) if len(rows) else \
        np.zeros(0, np.int64)
    if axis is None:
        values = arr.reshape(-1)[starts]
    else:
        values = np.take(arr, starts, axis=axis) if arr.ndim else arr.reshape(1)[starts]
    out = [_const(values)]
    if return_inverse:
        inverse = np.cumsum(np.concatenate([[0], changed])).astype(np.int64)
        out.append(_const(inverse.reshape(arr.shape) if axis is None else inverse))
    if return_counts:
        out.append(_const(np.diff(np.append(starts, len(rows))).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


# --- products added to a tensor: addmv / addr / addbmm ------------------------------------


@method
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec): mat (n, m), vec (m,), input broadcastable to
    (n,); beta = 0 ignores input (its nan and inf too), as torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.addmv(ta.ones(2), ta.ones(2, 3), ta.ones(3), beta=2).tolist()
        [5.0, 5.0]
    """
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


@method
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2): vec1 (n,), vec2 (m,), input broadcastable
    to (n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.addr(ta.zeros(2, 2), ta.tensor([1.0, 2.0]), ta.tensor([3.0, 4.0])).tolist()
        [[3.0, 4.0], [6.0, 8.0]]
    """
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if _tensor_arg("addr", v, name).ndim != 1:
            raise RuntimeError(f"addr: {name} must be a 1-d tensor, got shape {v.shape}")
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


@method
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]: batch1 (b, n, k), batch2
    (b, k, m), input broadcastable to (n, m) (the batch summed away, unlike baddbmm).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.addbmm(ta.zeros(1, 1), ta.ones(2, 1, 3), ta.ones(2, 3, 1)).tolist()
        [[6.0]]
    """
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


# --- the in-place forms: x.addcmul_(...) writes x.addcmul(...) into x ------------------------

for _name in ("addcmul", "addcdiv", "copysign", "sgn", "heaviside", "logit", "renorm",
              "lgamma", "digamma", "erfinv", "addmm", "baddbmm", "addmv", "addr", "addbmm"):
    method(_inplace_form(_name))
