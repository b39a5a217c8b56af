"""Elementwise math, as PyTorch spells it: ``ta.sin(x)`` and ``x.sin()`` (the rules are in
ops/math.py), and module-level ``ta.exp`` / ``ta.clamp`` / ... for the ops the Tensor class
has itself.

dtype rules (torch's): the transcendental ops (sin ... rsqrt, atan2, xlogy) turn integers
and bools into the default float dtype; rounding keeps an integer tensor as it is and
refuses a bool one; hypot / logaddexp / lerp / frac refuse integers; fmin / fmax / fmod
keep the promoted dtype.
"""
from __future__ import annotations

import math as _math
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import Function
from ..ops import math as M
from ..tensor import (
    _UFUNCS,
    IntegerDivisionByZero,
    Tensor,
    _binary,
    _cast,
    _floating,
    _operand,
    _tensor_arg,
)
from . import method

__all__ = [
    "sin", "cos", "tan", "asin", "acos", "atan", "sinc", "sinh", "cosh", "asinh", "acosh",
    "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "exp2", "log2",
    "log10", "rsqrt", "reciprocal", "deg2rad", "rad2deg", "floor", "ceil", "trunc", "fix",
    "round", "frac", "nan_to_num", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
    "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "fmod", "fmax", "fmin", "xlogy",
    "lerp", "clamp_min", "clamp_max",
    # module-level forms of the Tensor class's own methods
    "exp", "expm1", "log", "log1p", "sqrt", "erf", "square", "sign", "abs", "absolute", "neg",
    "negative", "clamp", "clip", "remainder", "floor_divide",
]


def _float(who: str, x: Any, op: type[Function]) -> Tensor:
    """``op`` on x, an integer or bool x first made the default float dtype (torch's rule)."""
    return op.apply(_floating(_tensor_arg(who, x, "input")))


def _shapes(*xs: Any) -> str:
    return " and ".join(str(np.shape(x._array if isinstance(x, Tensor) else x)) for x in xs)


def _floats(who: str, a: Any, b: Any, ints: bool = True) -> tuple:
    """a and b in torch's promoted dtype, which must be a float one: an integer or bool
    result becomes the default float dtype (``ints``) or is refused (NotImplementedError,
    as torch's "not implemented for 'Long'")."""
    dtype = dtypes.result_type(a, b)
    if dtype.kind != "f":
        if not ints:
            raise NotImplementedError(f"{who}: not implemented for {dtype} tensors (shapes "
                                      f"{_shapes(a, b)}), as in torch; convert with .float()")
        dtype = dtypes.get_default_dtype()
    return _cast(a, dtype), _cast(b, dtype)


def _any_bool(*xs: Any) -> bool:
    return any(isinstance(x, Tensor) and x.dtype == np.bool_ for x in xs)


def _rounded(who: str, x: Any, op: type[Function], **params: Any) -> Tensor:
    """Rounding: an integer tensor is already round (a copy, as torch); bool is refused."""
    x = _tensor_arg(who, x, "input")
    kind = x._array.dtype.kind
    if kind == "f":
        return op.apply(x, **params)
    if kind == "b" or "decimals" in params:
        raise NotImplementedError(f"{who}: not implemented for {x.dtype} tensors (shape "
                                  f"{x.shape}{', with decimals' if kind != 'b' else ''}), as "
                                  "in torch")
    return Tensor._make(x._array.copy(), False, None)


def _clamped(who: str, x: Any, lo: Any, hi: Any) -> Tensor:
    """x.clamp(lo, hi), for the function forms (torch's result shape: all three broadcast)."""
    return _tensor_arg(who, x, "input").clamp(lo, hi)


def _mask(who: str, x: Any, test: Any, other: bool = False) -> Tensor:
    """A bool tensor, no gradient: ``test`` of a float tensor, ``other`` everywhere else."""
    x = _tensor_arg(who, x, "input")
    if x._array.dtype.kind != "f":
        return Tensor._make(np.full(x.shape, other), False, None)
    return Tensor._make(np.asarray(test(x._array)), False, None)


# --- trigonometric ---------------------------------------------------------------------------


@method
def sin(input: Tensor) -> Tensor:
    """sin: y = sin(x), elementwise; dy/dx = cos(x).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.sin(ta.tensor([0.0, 1.5707964])).tolist()
        [0.0, 1.0]
    """
    return _float("sin", input, M.Sin)


@method
def cos(input: Tensor) -> Tensor:
    """cos: y = cos(x), elementwise; dy/dx = -sin(x).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([0.0, 3.1415927]).cos().tolist()
        [1.0, -1.0]
    """
    return _float("cos", input, M.Cos)


@method
def tan(input: Tensor) -> Tensor:
    """tan: y = tan(x), elementwise; dy/dx = 1 + y**2.

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tan(ta.tensor([0.0, 0.7853982])).tolist()
        [0.0, 1.0]
    """
    return _float("tan", input, M.Tan)


@method
def asin(input: Tensor) -> Tensor:
    """asin: y = arcsin(x) in [-pi/2, pi/2], nan outside [-1, 1]; dy/dx = 1/sqrt(1 - x**2).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.asin(ta.tensor([0.0, 1.0])).tolist()
        [0.0, 1.5707963]
    """
    return _float("asin", input, M.Asin)


@method
def acos(input: Tensor) -> Tensor:
    """acos: y = arccos(x) in [0, pi], nan outside [-1, 1]; dy/dx = -1/sqrt(1 - x**2).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.acos(ta.tensor([1.0, -1.0])).tolist()
        [0.0, 3.1415927]
    """
    return _float("acos", input, M.Acos)


@method
def atan(input: Tensor) -> Tensor:
    """atan: y = arctan(x) in (-pi/2, pi/2); dy/dx = 1/(1 + x**2).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.atan(ta.tensor([0.0, 1.0])).tolist()
        [0.0, 0.7853982]
    """
    return _float("atan", input, M.Atan)


@method
def sinc(input: Tensor) -> Tensor:
    """sinc: y = sin(pi x) / (pi x), and 1 at x = 0 (normalized, as torch and numpy).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.sinc(ta.tensor([0.0, 0.5])).tolist()
        [1.0, 0.63662]
    """
    return _float("sinc", input, M.Sinc)


@method
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """atan2: y = the angle of the point (other, input), in [-pi, pi], broadcast.

    d/dinput = other / r2, d/dother = -input / r2 (r2 = input**2 + other**2), both 0 at the
    origin (torch's convention).

    Args:
        input: a Tensor (the y coordinate).
        other: a Tensor (the x coordinate); torch's dtype promotion, then the default float
            dtype for integers and bools.

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.atan2(ta.tensor([1.0, 1.0]), ta.tensor([1.0, -1.0])).tolist()
        [0.7853982, 2.3561945]
    """
    a = _tensor_arg("atan2", input, "input")
    return M.Atan2.apply(*_floats("atan2", a, _tensor_arg("atan2", other)))


# --- hyperbolic ------------------------------------------------------------------------------


@method
def sinh(input: Tensor) -> Tensor:
    """sinh: y = (e**x - e**-x) / 2; dy/dx = cosh(x).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.sinh(ta.tensor([0.0, 1.0])).tolist()
        [0.0, 1.1752012]
    """
    return _float("sinh", input, M.Sinh)


@method
def cosh(input: Tensor) -> Tensor:
    """cosh: y = (e**x + e**-x) / 2; dy/dx = sinh(x).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cosh(ta.tensor([0.0, 1.0])).tolist()
        [1.0, 1.5430806]
    """
    return _float("cosh", input, M.Cosh)


@method
def asinh(input: Tensor) -> Tensor:
    """asinh: y = log(x + sqrt(x**2 + 1)); dy/dx = 1/sqrt(x**2 + 1).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.asinh(ta.tensor([0.0, 1.0])).tolist()
        [0.0, 0.8813736]
    """
    return _float("asinh", input, M.Asinh)


@method
def acosh(input: Tensor) -> Tensor:
    """acosh: y = log(x + sqrt(x**2 - 1)) for x >= 1 (nan below); dy/dx = 1/sqrt(x**2 - 1).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.acosh(ta.tensor([1.0, 2.0])).tolist()
        [0.0, 1.3169579]
    """
    return _float("acosh", input, M.Acosh)


@method
def atanh(input: Tensor) -> Tensor:
    """atanh: y = log((1 + x) / (1 - x)) / 2 for |x| < 1 (+-inf at +-1); dy/dx = 1/(1 - x**2).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.atanh(ta.tensor([0.0, 0.5])).tolist()
        [0.0, 0.5493061]
    """
    return _float("atanh", input, M.Atanh)


# torch's numpy-style aliases: the same functions under a second name
arcsin = method(asin, name="arcsin")
arccos = method(acos, name="arccos")
arctan = method(atan, name="arctan")
arctan2 = method(atan2, name="arctan2")
arcsinh = method(asinh, name="arcsinh")
arccosh = method(acosh, name="arccosh")
arctanh = method(atanh, name="arctanh")


# --- powers and logs -------------------------------------------------------------------------


@method
def exp2(input: Tensor) -> Tensor:
    """exp2: y = 2**x; dy/dx = y * ln 2.

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.exp2(ta.tensor([3, -1])).tolist()
        [8.0, 0.5]
    """
    return _float("exp2", input, M.Exp2)


@method
def log2(input: Tensor) -> Tensor:
    """log2: y = log(x) / log(2); dy/dx = 1 / (x ln 2).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.log2(ta.tensor([8.0, 0.5])).tolist()
        [3.0, -1.0]
    """
    return _float("log2", input, M.Log2)


@method
def log10(input: Tensor) -> Tensor:
    """log10: y = log(x) / log(10); dy/dx = 1 / (x ln 10).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.log10(ta.tensor([100.0, 0.1])).tolist()
        [2.0, -1.0]
    """
    return _float("log10", input, M.Log10)


@method
def rsqrt(input: Tensor) -> Tensor:
    """rsqrt: y = 1 / sqrt(x) (inf at 0, nan below); dy/dx = -y**3 / 2.

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.rsqrt(ta.tensor([4.0, 0.25])).tolist()
        [0.5, 2.0]
    """
    return _float("rsqrt", input, M.Rsqrt)


@method
def reciprocal(input: Tensor) -> Tensor:
    """reciprocal: y = 1 / x (inf at 0); dy/dx = -y**2.

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([2, -4]).reciprocal().tolist()
        [0.5, -0.25]
    """
    return _float("reciprocal", input, M.Reciprocal)


@method
def xlogy(input: Any, other: Any) -> Tensor:
    """xlogy: y = input * log(other), and 0 where input is 0 (unless other is nan), broadcast.

    d/dinput = log(other) where input != 0 (else 0); d/dother = input / other.

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number (not both numbers); torch's dtype promotion, then the
            default float dtype for integers and bools.

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.xlogy(ta.tensor([0.0, 2.0]), ta.tensor([0.0, 1.0])).tolist()
        [0.0, 0.0]
    """
    return _xlogy("xlogy", input, other)


def _xlogy(name: str, input: Any, other: Any, plus_one: bool = False) -> Tensor:
    """xlogy, or (``plus_one``) torch.special.xlog1py."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): one of input and other must be a Tensor, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    x, y = _floats(name, _operand(input), _operand(other))
    dtype = dtypes.result_type(x, y)
    # NOTE: a number stays a weak constant as an array of the result's dtype (np.log of a
    # Python number is a numpy float64, which would widen a float32 result)
    x, y = (v if isinstance(v, Tensor) else np.asarray(v, dtype) for v in (x, y))
    return M.Xlogy.apply(x, y, plus_one=plus_one)


# --- degrees, rounding, nan handling ---------------------------------------------------------


@method
def deg2rad(input: Tensor) -> Tensor:
    """deg2rad: y = x * pi / 180 (a product: Mul's rule, exact and as fast).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.deg2rad(ta.tensor([180.0, 90.0])).tolist()
        [3.1415927, 1.5707964]
    """
    return M.Degrees.apply(_floating(_tensor_arg("deg2rad", input, "input")),
                           factor=_math.pi / 180)


@method
def rad2deg(input: Tensor) -> Tensor:
    """rad2deg: y = x * 180 / pi (a product: Mul's rule, exact and as fast).

    Args:
        input: a Tensor (integers and bools become the default float dtype, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.rad2deg(ta.tensor([3.1415927, -1.5707964])).tolist()
        [180.0, -90.0]
    """
    return M.Degrees.apply(_floating(_tensor_arg("rad2deg", input, "input")),
                           factor=180 / _math.pi)


@method
def floor(input: Tensor) -> Tensor:
    """floor: y = the largest integer <= x; dy/dx = 0 (torch's convention, still in the graph).

    Args:
        input: a Tensor; an integer tensor comes back as a copy, a bool one is refused
            (NotImplementedError), as torch.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.floor(ta.tensor([-1.5, 1.5])).tolist()
        [-2.0, 1.0]
    """
    return _rounded("floor", input, M.Floor)


@method
def ceil(input: Tensor) -> Tensor:
    """ceil: y = the smallest integer >= x; dy/dx = 0 (torch's convention).

    Args:
        input: a Tensor; an integer tensor comes back as a copy, a bool one is refused.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ceil(ta.tensor([-1.5, 1.5])).tolist()
        [-1.0, 2.0]
    """
    return _rounded("ceil", input, M.Ceil)


@method
def trunc(input: Tensor) -> Tensor:
    """trunc: y = x rounded toward zero; dy/dx = 0 (torch's convention). Alias: ``fix``.

    Args:
        input: a Tensor; an integer tensor comes back as a copy, a bool one is refused.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.trunc(ta.tensor([-1.5, 1.5])).tolist()
        [-1.0, 1.0]
    """
    return _rounded("trunc", input, M.Trunc)


fix = method(trunc, name="fix")


@method
def round(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """round: y = x rounded to ``decimals`` places, halves to even; dy/dx = 0 (torch's).

    Args:
        input: a Tensor; an integer tensor comes back as a copy (refused with decimals, as
            torch), a bool one is refused.
        decimals: places after the point (negative: before it). Default: 0 (given
            explicitly, an integer tensor is refused, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.round(ta.tensor([0.5, 1.5, 2.5])).tolist()
        [0.0, 2.0, 2.0]
        >>> ta.tensor([1234.5678], dtype=ta.float64).round(decimals=-2).tolist()
        [1200.0]
    """
    if decimals is None:
        return _rounded("round", input, M.Round)
    return _rounded("round", input, M.Round, decimals=decimals)


@method
def frac(input: Tensor) -> Tensor:
    """frac: y = x - trunc(x), with the sign of x; dy/dx = 1.

    Args:
        input: a float Tensor (integers and bools are refused, NotImplementedError, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.frac(ta.tensor([-1.25, 2.5])).tolist()
        [-0.25, 0.5]
    """
    x = _tensor_arg("frac", input, "input")
    if x._array.dtype.kind != "f":
        raise NotImplementedError(f"frac: not implemented for {x.dtype} tensors (shape "
                                  f"{x.shape}), as in torch")
    return M.Frac.apply(x)


@method
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """nan_to_num: nan, inf and -inf replaced by numbers; the gradient passes where x is
    finite and is 0 where it was replaced.

    Args:
        input: a Tensor (an integer or bool one comes back as a copy).
        nan: the value for nan. Default: 0.0 (None means 0.0 too).
        posinf: the value for inf. Default: the largest finite value of the dtype.
        neginf: the value for -inf. Default: the most negative finite value of the dtype.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nan_to_num(ta.tensor([float("nan"), float("inf"), 1.0]), posinf=9.0).tolist()
        [0.0, 9.0, 1.0]
    """
    x = _tensor_arg("nan_to_num", input, "input")
    if x._array.dtype.kind != "f":
        return Tensor._make(x._array.copy(), False, None)
    return M.NanToNum.apply(x, nan=0.0 if nan is None else nan, posinf=posinf, neginf=neginf)


@method
def isnan(input: Tensor) -> Tensor:
    """isnan: True where x is nan (a bool tensor, no gradient).

    Args:
        input: a Tensor of any dtype (integers and bools are never nan).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isnan(ta.tensor([1.0, float("nan")])).tolist()
        [False, True]
    """
    return _mask("isnan", input, np.isnan)


@method
def isinf(input: Tensor) -> Tensor:
    """isinf: True where x is inf or -inf (a bool tensor, no gradient).

    Args:
        input: a Tensor of any dtype (integers and bools are never infinite).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isinf(ta.tensor([1.0, float("-inf")])).tolist()
        [False, True]
    """
    return _mask("isinf", input, np.isinf)


@method
def isposinf(input: Tensor) -> Tensor:
    """isposinf: True where x is inf (a bool tensor, no gradient).

    Args:
        input: a Tensor of any dtype.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isposinf(ta.tensor([float("inf"), float("-inf")])).tolist()
        [True, False]
    """
    return _mask("isposinf", input, np.isposinf)


@method
def isneginf(input: Tensor) -> Tensor:
    """isneginf: True where x is -inf (a bool tensor, no gradient).

    Args:
        input: a Tensor of any dtype.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isneginf(ta.tensor([float("inf"), float("-inf")])).tolist()
        [False, True]
    """
    return _mask("isneginf", input, np.isneginf)


@method
def isfinite(input: Tensor) -> Tensor:
    """isfinite: True where x is neither nan nor +-inf (a bool tensor, no gradient).

    Args:
        input: a Tensor of any dtype (integers and bools are always finite).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.isfinite(ta.tensor([1.0, float("nan"), float("inf")])).tolist()
        [True, False, False]
    """
    return _mask("isfinite", input, np.isfinite, other=True)


# --- binary: hypot / logaddexp / fmod / fmax / fmin / lerp / clamp_min / clamp_max -----------


@method
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """hypot: y = sqrt(input**2 + other**2), without overflow; dy/dinput = input / y.

    Args:
        input: a float Tensor.
        other: a Tensor; torch's dtype promotion, which must give a float dtype
            (integers alone are refused, NotImplementedError, as torch).

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.hypot(ta.tensor([3.0, 5.0]), ta.tensor([4.0, 12.0])).tolist()
        [5.0, 13.0]
    """
    a = _tensor_arg("hypot", input, "input")
    return M.Hypot.apply(*_floats("hypot", a, _tensor_arg("hypot", other), ints=False))


@method
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """logaddexp: y = log(e**input + e**other), stable for any size; dy/dinput =
    1 / (1 + e**(other - input)).

    Args:
        input: a float Tensor.
        other: a Tensor; the promoted dtype must be a float one (as torch).

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logaddexp(ta.tensor([1000.0, 0.0]), ta.tensor([1000.0, 0.0])).tolist()
        [1000.6931, 0.6931472]
    """
    a, b = _tensor_arg("logaddexp", input, "input"), _tensor_arg("logaddexp", other)
    return M.Logaddexp.apply(*_floats("logaddexp", a, b, False), bools=_any_bool(a, b))


@method
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """logaddexp2: y = log2(2**input + 2**other), stable; dy/dinput = 1 / (1 + 2**(other -
    input)).

    Args:
        input: a float Tensor.
        other: a Tensor; the promoted dtype must be a float one (as torch).

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logaddexp2(ta.tensor([3.0, 0.0]), ta.tensor([3.0, 0.0])).tolist()
        [4.0, 1.0]
    """
    a, b = _tensor_arg("logaddexp2", input, "input"), _tensor_arg("logaddexp2", other)
    return M.Logaddexp2.apply(*_floats("logaddexp2", a, b, False), bools=_any_bool(a, b))


@method
def fmod(input: Tensor, other: Any) -> Tensor:
    """fmod: y = input - trunc(input / other) * other, with the sign of input (C's fmod;
    ``remainder`` / ``%`` takes the sign of other). d/dinput = 1, d/dother = -trunc(input /
    other).

    Args:
        input: a Tensor.
        other: a Tensor or a number; torch's dtype promotion (integers stay integers, and an
            integer fmod by 0 raises; bools are refused).

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.fmod(ta.tensor([-3, 3]), 2).tolist(), ta.tensor([-3, 3]).remainder(2).tolist()
        ([-1, 1], [1, 1])
    """
    a, b = _tensor_arg("fmod", input, "input"), _operand(other)
    kind = dtypes.result_type(a, b).kind
    if kind == "b":
        raise NotImplementedError(f"fmod: not implemented for bool tensors (shapes "
                                  f"{_shapes(a, b)}), as in torch")
    if kind in "iu" and a.numel() and np.any(np.equal(b._array if isinstance(b, Tensor) else b,
                                                      0)):
        raise IntegerDivisionByZero(f"ZeroDivisionError: fmod of integers by zero (shapes "
                                    f"{_shapes(a, b)})")
    return _binary(M.Fmod, a, b)


@method
def fmax(input: Tensor, other: Tensor) -> Tensor:
    """fmax: the larger of input and other, ignoring nan (nan only where both are); the
    gradient goes to input where input >= other (a tie too, as torch) or other is nan.

    Args:
        input: a Tensor.
        other: a Tensor; torch's dtype promotion (integers and bools are kept).

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> nan = float("nan")
        >>> ta.fmax(ta.tensor([1.0, nan, nan]), ta.tensor([2.0, 0.5, nan])).tolist()
        [2.0, 0.5, nan]
    """
    return _binary(M.Fmax, _tensor_arg("fmax", input, "input"), _tensor_arg("fmax", other))


@method
def fmin(input: Tensor, other: Tensor) -> Tensor:
    """fmin: the smaller of input and other, ignoring nan (nan only where both are); the
    gradient goes to input where input <= other (a tie too, as torch) or other is nan.

    Args:
        input: a Tensor.
        other: a Tensor; torch's dtype promotion (integers and bools are kept).

    Shape:
        input and other broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.fmin(ta.tensor([1.0, float("nan")]), ta.tensor([2.0, 0.5])).tolist()
        [1.0, 0.5]
    """
    return _binary(M.Fmin, _tensor_arg("fmin", input, "input"), _tensor_arg("fmin", other))


@method
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """lerp: y = input + weight * (end - input); d/dinput = 1 - weight, d/dend = weight,
    d/dweight = end - input.

    Args:
        input: a float Tensor.
        end: a Tensor of input's dtype (torch does not promote here: RuntimeError).
        weight: a number, a 0-d Tensor (taken as input's dtype) or a Tensor of input's dtype.

    Shape:
        input, end and weight broadcast together; the output has the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.lerp(ta.tensor([0.0, 10.0]), ta.tensor([10.0, 20.0]), 0.25).tolist()
        [2.5, 12.5]
    """
    a, b = _tensor_arg("lerp", input, "input"), _tensor_arg("lerp", end, "end")
    w = weight
    if isinstance(w, Tensor) and w.ndim == 0 and w.dtype != a.dtype:
        w = w.astype(a.dtype)
    for name, t in (("end", b), ("weight", w)):
        if isinstance(t, Tensor) and t.dtype != a.dtype:
            raise RuntimeError(f"lerp: expected dtype {a.dtype} for `{name}` but got dtype "
                               f"{t.dtype} (shapes {a.shape} and {t.shape}), as torch")
    if a._array.dtype.kind != "f":
        raise NotImplementedError(f"lerp: not implemented for {a.dtype} tensors (shape "
                                  f"{a.shape}), as in torch")
    if not isinstance(w, Tensor):
        w = float(_operand(w))
    return M.Lerp.apply(a, b, w)


@method
def clamp_min(input: Tensor, min: Any) -> Tensor:
    """clamp_min: y = max(x, min) (``x.clamp(min=min)``; the gradient passes where x >= min).

    Args:
        input: a Tensor.
        min: a number or a Tensor (differentiable), with torch's dtype promotion.

    Shape:
        input and a Tensor min broadcast together.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.clamp_min(ta.tensor([-1.0, 2.0]), 0.5).tolist()
        [0.5, 2.0]
    """
    return _clamped("clamp_min", input, min, None)


@method
def clamp_max(input: Tensor, max: Any) -> Tensor:
    """clamp_max: y = min(x, max) (``x.clamp(max=max)``; the gradient passes where x <= max).

    Args:
        input: a Tensor.
        max: a number or a Tensor (differentiable), with torch's dtype promotion.

    Shape:
        input and a Tensor max broadcast together.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.clamp_max(ta.tensor([-1.0, 2.0]), 0.5).tolist()
        [-1.0, 0.5]
    """
    return _clamped("clamp_max", input, None, max)


# --- module-level forms of the Tensor class's own ops (``ta.exp(x)`` is ``x.exp()``) -------


def exp(input: Tensor) -> Tensor:
    """exp: y = e**x (``x.exp()``).

    Args:
        input: a Tensor (integers and bools become the default float dtype).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.exp(ta.tensor([0.0])).tolist()
        [1.0]
    """
    return _tensor_arg("exp", input, "input").exp()


def expm1(input: Tensor) -> Tensor:
    """expm1: y = e**x - 1, exact for tiny x (``x.expm1()``).

    Args:
        input: a Tensor (integers and bools become the default float dtype).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.expm1(ta.tensor([0.0])).tolist()
        [0.0]
    """
    return _tensor_arg("expm1", input, "input").expm1()


def log(input: Tensor) -> Tensor:
    """log: y = the natural log of x (``x.log()``).

    Args:
        input: a Tensor (integers and bools become the default float dtype).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.log(ta.tensor([1.0])).tolist()
        [0.0]
    """
    return _tensor_arg("log", input, "input").log()


def log1p(input: Tensor) -> Tensor:
    """log1p: y = log(1 + x), exact for tiny x (``x.log1p()``).

    Args:
        input: a Tensor (integers and bools become the default float dtype).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.log1p(ta.tensor([0.0])).tolist()
        [0.0]
    """
    return _tensor_arg("log1p", input, "input").log1p()


def sqrt(input: Tensor) -> Tensor:
    """sqrt: y = the square root of x (``x.sqrt()``).

    Args:
        input: a Tensor (integers and bools become the default float dtype).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.sqrt(ta.tensor([4.0])).tolist()
        [2.0]
    """
    return _tensor_arg("sqrt", input, "input").sqrt()


def erf(input: Tensor) -> Tensor:
    """erf: y = 2/sqrt(pi) * the integral of e**-t**2 from 0 to x (``x.erf()``).

    Args:
        input: a Tensor (integers and bools become the default float dtype).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.erf(ta.tensor([0.0])).tolist()
        [0.0]
    """
    return _tensor_arg("erf", input, "input").erf()


def square(input: Tensor) -> Tensor:
    """square: y = x * x (``x.square()``; a bool tensor gives int64, as torch).

    Args:
        input: a Tensor.

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.square(ta.tensor([-3])).tolist()
        [9]
    """
    return _tensor_arg("square", input, "input").square()


def sign(input: Tensor) -> Tensor:
    """sign: y = -1, 0 or 1 by the sign of x, zero gradient (``x.sign()``).

    Args:
        input: a Tensor (a bool tensor comes back unchanged).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.sign(ta.tensor([-2.0, 0.0, 3.0])).tolist()
        [-1.0, 0.0, 1.0]
    """
    return _tensor_arg("sign", input, "input").sign()


def abs(input: Tensor) -> Tensor:
    """abs: y = |x|, subgradient 0 at 0 (``x.abs()``). Alias: ``absolute``.

    Args:
        input: a Tensor (a bool tensor is refused, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.abs(ta.tensor([-2.0, 3.0])).tolist()
        [2.0, 3.0]
    """
    return _tensor_arg("abs", input, "input").abs()


absolute = method(abs, name="absolute")


def neg(input: Tensor) -> Tensor:
    """neg: y = -x (``x.neg()``). Alias: ``negative``.

    Args:
        input: a Tensor (a bool tensor is refused, as torch).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.neg(ta.tensor([-2.0, 3.0])).tolist()
        [2.0, -3.0]
    """
    return _tensor_arg("neg", input, "input").neg()


negative = method(neg, name="negative")


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """clamp: y = min(max(x, min), max) (``x.clamp(min, max)``). Alias: ``clip``.

    Args:
        input: a Tensor.
        min: a number, a Tensor (differentiable) or None. Default: None.
        max: a number, a Tensor (differentiable) or None. Default: None.

    Shape:
        input and Tensor bounds broadcast together.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.clamp(ta.tensor([-2.0, 0.5, 3.0]), -1, 1).tolist()
        [-1.0, 0.5, 1.0]
    """
    return _clamped("clamp", input, min, max)


clip = clamp


def remainder(input: Any, other: Any) -> Tensor:
    """remainder: y = input - floor(input / other) * other, the sign of other (``%``).

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number (not both numbers).

    Shape:
        input and other broadcast together.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.remainder(ta.tensor([-3, 3]), 2).tolist()
        [1, 1]
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"remainder(): one of input and other must be a Tensor, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return input % other


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor_divide: y = floor(input / other) (``//``; no gradient, as torch).

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number (not both numbers).

    Shape:
        input and other broadcast together.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.floor_divide(ta.tensor([-3, 3]), 2).tolist()
        [-2, 1]
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"floor_divide(): one of input and other must be a Tensor, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return input // other


# numpy's ufuncs on Tensors run these, in the graph: np.sin(t) is t.sin() (see
# Tensor.__array_ufunc__), so a backward rule written with numpy works under create_graph
_UFUNCS.update({
    np.sin: sin, np.cos: cos, np.tan: tan, np.arcsin: asin, np.arccos: acos, np.arctan: atan,
    np.sinh: sinh, np.cosh: cosh, np.arcsinh: asinh, np.arccosh: acosh, np.arctanh: atanh,
    np.exp2: exp2, np.log2: log2, np.log10: log10, np.reciprocal: reciprocal,
    np.floor: floor, np.ceil: ceil, np.trunc: trunc, np.arctan2: atan2, np.hypot: hypot,
    np.logaddexp: logaddexp, np.logaddexp2: logaddexp2, np.fmod: fmod, np.fmax: fmax,
    np.fmin: fmin, np.deg2rad: deg2rad, np.rad2deg: rad2deg, np.sign: sign,
})
