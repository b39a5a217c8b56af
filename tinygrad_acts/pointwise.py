"""torch's remaining pointwise functions: special functions (erfc, i0, polygamma, mvlgamma,
igamma / igammac), bits (bitwise_and / or / xor / not / left_shift / right_shift and the
``<<`` ``>>`` operators), integers (gcd, lcm), floats taken apart (ldexp, frexp,
nextafter), and the dtype predicates (is_floating_point, is_signed, is_nonzero, isreal,
ndimension).

Differentiable ones run rules of the op table (``ops/special.py`` for erfc, i0 and
polygamma; the arithmetic rules for ldexp, frexp and mvlgamma); the integer and bit ops
have no gradient, as in torch. Each is a ``ta.`` name and a Tensor method; the in-place
forms write the out-of-place result back through the engine's in-place path.
"""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from . import dtypes, return_types
from .api import method
from .api.idioms import _inplace_form
from .composites import lgamma
from .ops import special as MX
from .tensor import Tensor, _bitwise, _floating, _operand, _tensor_arg

__all__ = [
    "erfc", "i0", "polygamma", "mvlgamma", "igamma", "igammac",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift", "gcd", "lcm", "ldexp", "frexp", "nextafter",
    "is_floating_point", "is_signed", "is_nonzero", "isreal",
]


def _const(arr: Any) -> Tensor:
    """An array as a Tensor outside any graph."""
    return Tensor._make(np.asarray(arr), False, None)


def _shapes(*xs: Any) -> str:
    return " and ".join(str(tuple(x.shape)) if isinstance(x, Tensor) else type(x).__name__
                        for x in xs)


def _dtype_name(dtype: np.dtype) -> str:
    return {"b": "Bool", "f": {2: "Half", 4: "Float", 8: "Double"}.get(dtype.itemsize, "Float"),
            "u": "Byte"}.get(dtype.kind, {1: "Char", 2: "Short", 4: "Int", 8: "Long"}.get(
                dtype.itemsize, "Long"))


def _refuse(who: str, dtype: np.dtype, *xs: Any) -> None:
    raise NotImplementedError(f"{who}: not implemented for '{_dtype_name(dtype)}' (shapes "
                              f"{_shapes(*xs)}), as in torch")


# --- special functions: erfc / i0 / polygamma / mvlgamma / igamma / igammac --------------


@method
def erfc(input: Tensor) -> Tensor:
    """The complementary error function, 1 - erf(input), without the cancellation:
    d/dx = -2/sqrt(pi) e^(-x^2). Integers and bools become the default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.erfc(ta.tensor(1.0)).item(), 6)
        0.157299
    """
    return MX.Erfc.apply(_floating(_tensor_arg("erfc", input, "input")))


@method
def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 0; d/dx = i1(x).
    Integers and bools become the default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.i0(ta.tensor(1.0)).item(), 6)
        1.266066
    """
    return MX.I0.apply(_floating(_tensor_arg("i0", input, "input")))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma: polygamma(0, x) = digamma(x), and for n >= 1
    (-1)^(n+1) n! zeta(n + 1, x); d/dx = polygamma(n + 1, x). inf at the poles
    0, -1, -2, ... (where torch's trigamma may give a huge finite value instead).

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.polygamma(1, ta.tensor(1.0)).item(), 6)  # pi^2 / 6
        1.644934
    """
    x = _floating(_tensor_arg("polygamma", input, "input"))
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return x.digamma()
    return MX.Polygamma.apply(x, n=int(n))


@method(name="polygamma")
def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``x.polygamma(n)`` is ``ta.polygamma(n, x)``."""
    return polygamma(n, self)


@method
def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension p:
    sum_{i<p} lgamma(x - i/2) + p (p - 1)/4 log(pi) (its poles give inf, as torch's;
    torch no longer refuses elements below (p - 1) / 2).

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.mvlgamma(ta.tensor(3.0), 2).item(), 6)
        1.550195
    """
    x = _floating(_tensor_arg("mvlgamma", input, "input"))
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p} "
                           f"(shape {x.shape})")
    shifts = _const(-np.arange(p, dtype=x.dtype) / 2)
    terms = lgamma(x.unsqueeze(-1) + shifts).sum(-1)
    return terms + p * (p - 1) / 4 * math.log(math.pi)


def _igamma(who: str, input: Any, other: Any, upper: bool) -> Tensor:
    a, x = _tensor_arg(who, input, "input"), _tensor_arg(who, other, "other")
    dtype = dtypes.result_type(a, x)
    if dtype.kind != "f":
        _refuse(who, dtype, a, x)
    return MX.IGamma.apply(a.astype(dtype), x.astype(dtype), upper=upper)


@method
def igamma(input: Tensor, other: Tensor) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other) =
    1/Gamma(a) int_0^x t^(a-1) e^-t dt, a = input, x = other (floats only; torch's edges:
    P(a, 0) = 0, P(0, x) = 1, nan for a negative argument). Differentiable in other,
    d/dx = x^(a-1) e^-x / Gamma(a); the derivative in input is not implemented (backward
    raises), as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.igamma(ta.tensor(1.0), ta.tensor(1.0)).item(), 6)  # 1 - 1/e
        0.632121
    """
    return _igamma("igamma", input, other, upper=False)


@method
def igammac(input: Tensor, other: Tensor) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P (computed
    directly in the tail, so a tiny Q keeps its precision); d/dx = -x^(a-1) e^-x / Gamma(a)."""
    return _igamma("igammac", input, other, upper=True)


# --- bits: bitwise_and / or / xor / not / left_shift / right_shift -----------------------


@method
def bitwise_and(input: Tensor, other: Any) -> Tensor:
    """input & other, for integer and bool tensors (torch's promoted dtype)."""
    return _bitwise(operator.and_, _tensor_arg("bitwise_and", input, "input"), other)


@method
def bitwise_or(input: Tensor, other: Any) -> Tensor:
    """input | other, for integer and bool tensors (torch's promoted dtype)."""
    return _bitwise(operator.or_, _tensor_arg("bitwise_or", input, "input"), other)


@method
def bitwise_xor(input: Tensor, other: Any) -> Tensor:
    """input ^ other, for integer and bool tensors (torch's promoted dtype)."""
    return _bitwise(operator.xor, _tensor_arg("bitwise_xor", input, "input"), other)


@method
def bitwise_not(input: Tensor) -> Tensor:
    """~input: the bits flipped (logical not for a bool tensor); floats are refused.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.bitwise_not(ta.tensor([0, 5])).tolist()
        [-1, -6]
    """
    x = _tensor_arg("bitwise_not", input, "input")
    if x.dtype.kind == "f":
        _refuse("bitwise_not", x.dtype, x)
    return _const(~x._array)


def _shift(who: str, fn: Any, a: Any, b: Any) -> Tensor:
    """a << b or a >> b of integer tensors in torch's promoted dtype. A shift by a
    negative count or by the width or more gives 0 (or -1 for a negative a shifted right),
    as torch's kernels do (numpy's too)."""
    a, b = _operand(a), _operand(b)
    dtype = dtypes.result_type(a, b)
    if dtype.kind in "fb":
        _refuse(who, dtype, a, b)
    x, y = (np.asarray(v._array if isinstance(v, Tensor) else v).astype(dtype) for v in (a, b))
    return _const(fn(x, y))


@method
def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """input << other (integers; bools and floats refused, as torch).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.bitwise_left_shift(ta.tensor([1, -3]), 2).tolist()
        [4, -12]
    """
    return _shift("bitwise_left_shift", np.left_shift, input, other)


@method
def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """input >> other, arithmetic (the sign is kept): -8 >> 1 is -4."""
    return _shift("bitwise_right_shift", np.right_shift, input, other)


method(bitwise_left_shift, name="__lshift__")
method(bitwise_right_shift, name="__rshift__")


@method(name="__rlshift__")
def _rlshift(self: Tensor, other: Any) -> Tensor:
    return bitwise_left_shift(other, self)


@method(name="__rrshift__")
def _rrshift(self: Tensor, other: Any) -> Tensor:
    return bitwise_right_shift(other, self)


# --- integers: gcd / lcm -------------------------------------------------------------------


def _integers(who: str, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = _tensor_arg(who, input, "input"), _tensor_arg(who, other, "other")
    dtype = dtypes.result_type(a, b)
    if dtype.kind not in "iu":
        _refuse(who, dtype, a, b)
    return a._array.astype(dtype), b._array.astype(dtype)


@method
def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor, elementwise, of integer tensors (never negative;
    gcd(0, 0) = 0).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.gcd(ta.tensor([-4, 0, 9]), ta.tensor([6, 0, 6])).tolist()
        [2, 0, 3]
    """
    return _const(np.gcd(*_integers("gcd", input, other)))


@method
def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple, elementwise, of integer tensors (never negative;
    0 where either is 0)."""
    a, b = _integers("lcm", input, other)
    with np.errstate(over="ignore"):  # NOTE: wraps around in the dtype, as torch's
        return _const(np.lcm(a, b).astype(a.dtype))


# --- floats taken apart: ldexp / frexp / nextafter -----------------------------------------


@method
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2 ** other (a float result: integers become the default float dtype);
    differentiable in both, as the product and the power it is.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ldexp(ta.tensor([1.0, 3.0]), ta.tensor([3, -1])).tolist()
        [8.0, 1.5]
    """
    x, e = _tensor_arg("ldexp", input, "input"), _tensor_arg("ldexp", other, "other")
    if e.dtype == np.bool_ and x.dtype.kind == "f":  # NOTE: torch's kernel (not a bool input)
        raise NotImplementedError(f"ldexp: a bool exponent is not implemented for a "
                                  f"{x.dtype} input (shapes {x.shape} and {e.shape}), as in "
                                  "torch")
    return x * (2.0 ** e)


#: torch.return_types.frexp's fields


def frexp(input: Tensor) -> tuple[Tensor, Tensor]:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, 0.5 <= |mantissa| < 1
    (0, inf and nan keep themselves, exponent 0); the exponent is int32. The mantissa's
    gradient is g / 2 ** exponent, as torch's. Floats only.

    Example:
        >>> import tinygrad_acts as ta
        >>> m, e = ta.frexp(ta.tensor([8.0, -0.3]))
        >>> m.tolist(), e.tolist()
        ([0.5, -0.6000000238418579], [4, -1])
    """
    x = _tensor_arg("frexp", input, "input")
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes (got "
                           f"{x.dtype}, shape {x.shape})")
    exponent = np.frexp(x._array)[1].astype(np.int32)
    mantissa = x * _const(np.ldexp(np.ones((), x.dtype), -exponent))  # (exact: a power of 2)
    return return_types.frexp(mantissa, _const(exponent))


method(frexp)


@method
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next float after input towards other, elementwise (floats; torch's promoted
    dtype). The gradient is torch's: g for input, 0 for other.

    Example:
        >>> import tinygrad_acts as ta
        >>> (ta.nextafter(ta.tensor([1.0]), ta.tensor([2.0])) - 1).item() > 0
        True
    """
    a, b = _tensor_arg("nextafter", input, "input"), _tensor_arg("nextafter", other, "other")
    dtype = dtypes.result_type(a, b)
    if dtype.kind != "f":
        _refuse("nextafter", dtype, a, b)
    return MX.Nextafter.apply(a.astype(dtype), b.astype(dtype))


# --- dtype predicates: is_floating_point / is_signed / is_nonzero / isreal / ndimension -----


def is_floating_point(input: Tensor) -> bool:
    """True for a float dtype (float16, float32, float64)."""
    return _tensor_arg("is_floating_point", input, "input").dtype.kind == "f"


@method
def is_signed(input: Tensor) -> bool:
    """True unless the dtype is unsigned or bool (uint8 and bool are not signed)."""
    return _tensor_arg("is_signed", input, "input").dtype.kind in "fi"


@method
def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor (nan counts as nonzero); more or fewer elements
    are ambiguous (RuntimeError), as torch."""
    x = _tensor_arg("is_nonzero", input, "input")
    if x._array.size != 1:
        which = "no values" if x._array.size == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {which} is ambiguous (shape "
                           f"{x.shape})")
    return bool(x._array.reshape(()) != 0)


@method
def isreal(input: Tensor) -> Tensor:
    """True everywhere for a real tensor (there are no complex tensors here): a bool
    tensor of input's shape, without gradient."""
    return _const(np.ones(_tensor_arg("isreal", input, "input").shape, bool))


@method
def ndimension(self: Tensor) -> int:
    """The number of dims, as ``dim()``."""
    return self.ndim


# --- the in-place forms ----------------------------------------------------------------------

for _name in ("erfc", "i0", "igamma", "igammac", "bitwise_and", "bitwise_or", "bitwise_xor",
              "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm", "ldexp",
              "nextafter"):
    method(_inplace_form(_name))


@method(name="polygamma_")
def _polygamma_(self: Tensor, n: int) -> Tensor:
    """In place: ``x.polygamma_(n)`` writes ``x.polygamma(n)`` into x."""
    return _POLYGAMMA_(self, n)


@method(name="mvlgamma_")
def _mvlgamma_(self: Tensor, p: int) -> Tensor:
    """In place: ``x.mvlgamma_(p)`` writes ``x.mvlgamma(p)`` into x."""
    return _MVLGAMMA_(self, p)


_POLYGAMMA_ = _inplace_form("polygamma")
_MVLGAMMA_ = _inplace_form("mvlgamma")


@method(name="__ilshift__")
def _ilshift(self: Tensor, other: Any) -> Tensor:
    return self.bitwise_left_shift_(other)


@method(name="__irshift__")
def _irshift(self: Tensor, other: Any) -> Tensor:
    return self.bitwise_right_shift_(other)

