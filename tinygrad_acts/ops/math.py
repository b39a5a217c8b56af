"""Elementwise math beyond the arithmetic: trigonometric, hyperbolic, rounding, logs and
exponentials in other bases, comparisons that select (fmin/fmax), nan handling.

Trigonometric and hyperbolic: sin / cos / tan / asin / acos / atan / sinh / cosh / asinh /
acosh / atanh / sinc; powers and logs: exp2 / log2 / log10 / rsqrt / reciprocal / xlogy;
rounding: floor / ceil / trunc / round (zero gradient, as torch) / frac (gradient 1);
binary: atan2 / hypot / logaddexp / logaddexp2 / fmod / fmax / fmin; ternary: lerp;
nan_to_num. Each backward runs on arrays and, under ``create_graph``, on Tensors (``_call``
picks ``np.cos(x)`` or ``x.cos()``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import QUIET, is_tensor, quiet, shape_of, unbroadcast
from .indexing import Clamp, where
from .spec import lib, row

LN2, LN10 = math.log(2), math.log(10)


def _call(x: Any, name: str) -> Any:
    """``np.<name>(x)`` on an array, ``x.<name>()`` on a Tensor (so it stays in the graph)."""
    return getattr(x, name)() if is_tensor(x) else getattr(np, name)(x)


def _zeros(g: Any) -> Any:
    """A zero gradient shaped like g: a constant, as torch's zeros_like(grad) (under
    create_graph it is not a node of the graph, so it does not require grad)."""
    return np.zeros(g.shape, g.dtype)


# --- trigonometric: sin / cos / tan / asin / acos / atan / sinc --------------------------------


class Sin(Function):
    """sin x; dx = g * cos x."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.sin(x)

    @quiet
    def backward(self, g, x):
        return g * _call(x, "cos")


class Cos(Function):
    """cos x; dx = -g * sin x."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.cos(x)

    @quiet
    def backward(self, g, x):
        return -g * _call(x, "sin")


class Tan(Function):
    """y = tan x; dx = g * (1 + y**2) (from the output)."""

    @quiet
    def forward(self, x):
        y = np.tan(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g * (1 + y * y)


class Asin(Function):
    """asin x; dx = g / sqrt(1 - x**2). NOTE: inf at |x| = 1, nan beyond (as torch)."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.arcsin(x)

    @quiet
    def backward(self, g, x):
        return g / np.sqrt(1 - x * x)


class Acos(Function):
    """acos x; dx = -g / sqrt(1 - x**2). NOTE: -inf at |x| = 1, nan beyond (as torch)."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.arccos(x)

    @quiet
    def backward(self, g, x):
        return -g / np.sqrt(1 - x * x)


class Atan(Function):
    """atan x; dx = g / (1 + x**2)."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.arctan(x)

    @quiet
    def backward(self, g, x):
        return g / (1 + x * x)


class Sinc(Function):
    """y = sin(pi x) / (pi x), 1 at 0; dx = g (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at
    x = 0: torch's formula, from the input (so an in-place change of y leaves it right)."""

    @quiet
    def forward(self, x):
        px = np.pi * x
        with np.errstate(**QUIET):
            # NOTE: 0 / 0 at the origin: sinc(0) = 1, its limit
            y = np.where(x == 0, 1.0, np.sin(px) / px).astype(px.dtype, copy=False)
        self.save(x)
        return y

    @quiet
    def backward(self, g, x):
        # NOTE: the slope's limit at 0 is 0 (sinc is even), as torch's masked_fill
        px = np.pi * x
        with np.errstate(**QUIET):
            square = px * x  # (0 also where it underflows: torch's mask)
            slope = (px * _call(px, "cos") - _call(px, "sin")) / square
            zero = (square._array if is_tensor(square) else square) == 0
            return where(zero, 0.0, g * slope)


# --- hyperbolic: sinh / cosh / asinh / acosh / atanh --------------------------------------------


class Sinh(Function):
    """sinh x; dx = g * cosh x."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.sinh(x)

    @quiet
    def backward(self, g, x):
        return g * _call(x, "cosh")


class Cosh(Function):
    """cosh x; dx = g * sinh x."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.cosh(x)

    @quiet
    def backward(self, g, x):
        return g * _call(x, "sinh")


class Asinh(Function):
    """asinh x; dx = g / sqrt(x**2 + 1)."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.arcsinh(x)

    @quiet
    def backward(self, g, x):
        return g / np.sqrt(x * x + 1)


class Acosh(Function):
    """acosh x (x >= 1); dx = g / sqrt(x**2 - 1). NOTE: inf at 1, nan below (as torch)."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.arccosh(x)

    @quiet
    def backward(self, g, x):
        return g / np.sqrt(x * x - 1)


class Atanh(Function):
    """atanh x (|x| < 1); dx = g / (1 - x**2). NOTE: inf at |x| = 1 (as torch)."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.arctanh(x)

    @quiet
    def backward(self, g, x):
        return g / (1 - x * x)


# --- powers and logs: exp2 / log2 / log10 / rsqrt / reciprocal ---------------------------------


class Exp2(Function):
    """y = 2**x; dx = g * y * ln 2 (from the output)."""

    @quiet
    def forward(self, x):
        with np.errstate(**QUIET):
            y = np.exp2(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g * y * LN2


class Log2(Function):
    """log2 x; dx = g / (x ln 2)."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.log2(x)

    @quiet
    def backward(self, g, x):
        return g / (x * LN2)


class Log10(Function):
    """log10 x; dx = g / (x ln 10)."""

    @quiet
    def forward(self, x):
        self.save(x)
        with np.errstate(**QUIET):
            return np.log10(x)

    @quiet
    def backward(self, g, x):
        return g / (x * LN10)


class Rsqrt(Function):
    """y = 1 / sqrt x; dx = -g * y**3 / 2 (from the output).

    NOTE: at 0 y is inf and the slope -inf (at -0: y = -inf, slope +inf), as torch.
    """

    @quiet
    def forward(self, x):
        with np.errstate(**QUIET):
            y = 1 / np.sqrt(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        with np.errstate(**QUIET):  # y**3 overflows for tiny x: -inf, as torch
            return -0.5 * g * y * y * y


class Reciprocal(Function):
    """y = 1 / x; dx = -g * y**2 (from the output). NOTE: 1 / 0 is inf, as torch."""

    @quiet
    def forward(self, x):
        with np.errstate(**QUIET):
            y = np.reciprocal(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        with np.errstate(**QUIET):
            return -g * y * y


class Xlogy(Function):
    """x * log y, 0 where x = 0 (but nan where y is nan); dx = g * log y, but 0 where x = 0
    and y <= 0; dy = g * x / y (torch's rule). ``plus_one``: xlog1py, x * log1p y, with
    y + 1 for y in the rule (torch's too)."""

    @quiet
    def forward(self, x, y, plus_one=False):
        self.save(x, y, shape_of(x), shape_of(y), plus_one)
        with np.errstate(**QUIET):
            out = np.where(np.equal(x, 0), 0.0, x * (np.log1p(y) if plus_one else np.log(y)))
        # NOTE: 0 * log(nan) is nan, not 0: the nan wins over the x = 0 rule (torch)
        return np.where(np.isnan(y), np.nan, out)

    @quiet
    def backward(self, g, x, y, x_shape, y_shape, plus_one):
        need_x, need_y = self.needs_input_grad
        gx = gy = None
        edge = -1.0 if plus_one else 0.0  # (where the log is -inf)
        with np.errstate(**QUIET):
            if need_x:  # NOTE: torch's masks: 0 where x = 0 and y <= 0 (log y is -inf or
                # nan), and where g = 0 meets log y = inf or nan (no 0 * inf)
                a, b, c = (np.asarray(v._array if is_tensor(v) else v) for v in (g, x, y))
                log = np.log1p(y) if plus_one else np.log(y)
                finite = where(((a == 0) | (b == 0)) & (c <= edge), 0.0, log)
                zero = ((a == 0) & (c == np.inf)) | ((b == 0) & (c <= edge))
                gx = unbroadcast(where(zero, 0.0, g * finite), x_shape)
            if need_y:
                gy = unbroadcast(g * x / (y + 1 if plus_one else y), y_shape)
        return gx, gy


# --- rounding: floor / ceil / trunc / round (zero gradient) and frac ---------------------------


class Floor(Function):
    """floor x; dx = 0 (torch's convention: rounding is flat almost everywhere, so its
    gradient is zero, and it stays in the graph). Ceil, Trunc and Round share the rule."""

    rounding = staticmethod(np.floor)

    @quiet
    def forward(self, x):
        return self.rounding(x)

    @quiet
    def backward(self, g):
        return _zeros(g)


class Ceil(Floor):
    """ceil x; dx = 0."""

    rounding = staticmethod(np.ceil)


class Trunc(Floor):
    """trunc x (toward zero); dx = 0."""

    rounding = staticmethod(np.trunc)


class Round(Floor):
    """x rounded to ``decimals`` places, halves to even (as torch and numpy); dx = 0."""

    @quiet
    def forward(self, x, decimals=0):
        # NOTE: x * 10**d rounded, then / 10**d (d < 0: / 10**-d, then *): torch's order
        return np.round(x, decimals)


class Degrees(Function):
    """deg2rad / rad2deg: y = x * factor (pi / 180 or 180 / pi); dx = g * factor. A
    parameter, not a saved input: as torch's own ops, nothing is kept, so the graph can run
    backward twice (x * 2.0 keeps its number, as torch's mul)."""

    @quiet
    def forward(self, x, factor):
        self.save(factor)
        return x * factor

    @quiet
    def backward(self, g, factor):
        return g * factor


class Frac(Function):
    """x - trunc(x) (the sign of x); dx = g (trunc's zero gradient does not subtract)."""

    @quiet
    def forward(self, x):
        with np.errstate(**QUIET):  # NOTE: frac(inf) is inf - inf = nan, as torch
            return x - np.trunc(x)

    @quiet
    def backward(self, g):
        return g


class NanToNum(Function):
    """x with nan, inf and -inf replaced; dx = g where x is finite, 0 elsewhere (torch).

    NOTE: the defaults are torch's: nan -> 0, inf -> the dtype's largest finite value,
    -inf -> its most negative (float32: +-3.4028e38, not float64's 1.8e308).
    """

    @quiet
    def forward(self, x, nan=0.0, posinf=None, neginf=None):
        self.save(np.isfinite(x))
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @quiet
    def backward(self, g, finite):
        return g * finite


# --- binary: atan2 / hypot / logaddexp / logaddexp2 / fmod / fmax / fmin ------------------------


class Atan2(Function):
    """atan2(a, b), the angle of (b, a); da = g * b / r2, db = -g * a / r2 (r2 = a**2 + b**2).

    NOTE: at the origin r2 = 0 and both slopes are taken as 0 (torch's convention: the
    reciprocal of r2 is masked where it is inf), not 0 * inf = nan.
    """

    @quiet
    def forward(self, a, b):
        self.save(a, b, shape_of(a), shape_of(b))
        return np.arctan2(a, b)

    @quiet
    def backward(self, g, a, b, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        r2 = a * a + b * b
        with np.errstate(**QUIET):
            inv = where(r2 == 0, 0.0, 1 / r2)
        return (unbroadcast(g * b * inv, a_shape) if need_a else None,
                unbroadcast(-g * a * inv, b_shape) if need_b else None)


class Hypot(Function):
    """y = sqrt(a**2 + b**2) (without overflow); da = g * a / y, db = g * b / y.

    NOTE: at (0, 0) both are 0 / 0 = nan, as torch's (hypot has no slope there).
    """

    @quiet
    def forward(self, a, b):
        y = np.hypot(a, b)
        need_a, need_b = self.needs_input_grad
        self.save(a if need_a else None, b if need_b else None, y, shape_of(a), shape_of(b))
        return y

    @quiet
    def backward(self, g, a, b, y, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        with np.errstate(**QUIET):
            return (unbroadcast(g * a / y, a_shape) if need_a else None,
                    unbroadcast(g * b / y, b_shape) if need_b else None)


class Logaddexp(Function):
    """log(e**a + e**b); da = g / (1 + e**(b - a)), db = g / (1 + e**(a - b)).

    NOTE: computed as max + log1p(e**-|a - b|) (numpy's), so e**a never overflows; the
    slopes use the difference only, so a = inf, b finite gives da = 1, db = 0 (torch).
    """

    combine: Any = staticmethod(np.logaddexp)
    power: Any = staticmethod(np.exp)

    @quiet
    def forward(self, a, b, bools=False):
        self.save(a, b, shape_of(a), shape_of(b), bools)
        with np.errstate(invalid="ignore"):  # inf - inf: nan, as torch
            return self.combine(a, b)

    @quiet
    def backward(self, g, a, b, a_shape, b_shape, bools):
        if bools:  # NOTE: torch's backward subtracts the inputs as given, and refuses bools
            raise RuntimeError(f"{self.name}: Subtraction, the `-` operator, with a bool "
                               "tensor is not supported (as torch's backward)")
        need_a, need_b = self.needs_input_grad
        with np.errstate(**QUIET):  # e**(b - a) may overflow: the slope is then 0
            return (unbroadcast(g / (1 + self.power(b - a)), a_shape) if need_a else None,
                    unbroadcast(g / (1 + self.power(a - b)), b_shape) if need_b else None)


class Logaddexp2(Logaddexp):
    """log2(2**a + 2**b); da = g / (1 + 2**(b - a)), db = g / (1 + 2**(a - b))."""

    combine = staticmethod(np.logaddexp2)
    power = staticmethod(lambda x: 2.0 ** x)


class Fmod(Function):
    """fmod(a, b) = a - trunc(a / b) * b; da = g, db = -g * trunc(a / b).

    NOTE: fmod takes the sign of a (C's fmod, rounding toward zero); remainder (%) takes
    the sign of b (rounding down): fmod(-3, 2) = -1, remainder(-3, 2) = 1.
    """

    @quiet
    def forward(self, a, b):
        need_b = self.needs_input_grad[1]  # only db reads a and b: save nothing otherwise
        self.save(a if need_b else None, b if need_b else None, shape_of(a), shape_of(b))
        with np.errstate(**QUIET):  # a float fmod by 0 is nan, as torch
            return np.fmod(a, b)

    @quiet
    def backward(self, g, a, b, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        with np.errstate(**QUIET):
            gb = unbroadcast(-g * _call(a / b, "trunc"), b_shape) if need_b else None
        return unbroadcast(g, a_shape) if need_a else None, gb


class Fmax(Function):
    """max(a, b) ignoring nan (nan only if both are); da = g where a >= b or b is nan,
    db = g elsewhere. NOTE: unlike maximum, a tie sends all of g to a (torch's rule)."""

    pick = staticmethod(np.fmax)

    @quiet
    def forward(self, a, b):
        wins = (a >= b) if self.pick is np.fmax else (a <= b)
        self.save(wins | np.isnan(b), shape_of(a), shape_of(b))
        return self.pick(a, b)

    @quiet
    def backward(self, g, a_wins, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(where(a_wins, g, 0.0), a_shape) if need_a else None,
                unbroadcast(where(a_wins, 0.0, g), b_shape) if need_b else None)


class Fmin(Fmax):
    """min(a, b) ignoring nan; da = g where a <= b or b is nan, db = g elsewhere."""

    pick = staticmethod(np.fmin)


# --- ternary: lerp -----------------------------------------------------------------------------


class Lerp(Function):
    """a + w * (b - a); da = g * (1 - w), db = g * w, dw = g * (b - a).

    NOTE: computed as torch does, from the nearer end: a + w * (b - a) for |w| < 0.5, else
    b - (b - a) * (1 - w), so w = 1 gives b exactly.
    """

    @quiet
    def forward(self, a, b, w):
        need_a, need_b, need_w = self.needs_input_grad
        # the ends, not their difference: under create_graph dw must stay a function of them
        # NOTE: a number weight is a parameter in torch (a Scalar, not a saved tensor), so a
        # second backward runs there: a copy of it is kept, which the engine does not take
        # for a saved input (that frees the node after one backward)
        if type(w) is float:
            w = w * 1.0
        self.save(w if need_a or need_b else None, a if need_w else None,
                  b if need_w else None, shape_of(a), shape_of(b), shape_of(w))
        d = b - a
        if not isinstance(w, np.ndarray):
            return a + w * d if abs(w) < 0.5 else b - d * (1 - w)
        return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w))

    @quiet
    def backward(self, g, w, a, b, a_shape, b_shape, w_shape):
        need_a, need_b, need_w = self.needs_input_grad
        return (unbroadcast(g * (1 - w), a_shape) if need_a else None,
                unbroadcast(g * w, b_shape) if need_b else None,
                unbroadcast(g * (b - a), w_shape) if need_w else None)


# --- the rows ----------------------------------------------------------------------------------

ONE = (((3, 4),), ((2, 3, 4),), ((),))
BCAST = (((3, 1), (1, 4)), ((4,), (3, 4)), ((), (2, 3)))
UNARY = dict(kind="elementwise", torch=True)
BINARY = dict(kind="broadcast", torch=True)
INTEGERS = (-2.0, -1.0, 0.0, 1.0, 2.0)

row("sin", Sin, lambda a: a.sin(), np.sin, *ONE, **UNARY)
row("cos", Cos, lambda a: a.cos(), np.cos, *ONE, **UNARY)
row("tan", Tan, lambda a: a.tan(), np.tan, *ONE, domain=("unit",), **UNARY)
row("asin", Asin, lambda a: a.asin(), np.arcsin, *ONE, domain=("unit",), **UNARY)
row("acos", Acos, lambda a: a.acos(), np.arccos, *ONE, domain=("unit",), **UNARY)
row("atan", Atan, lambda a: a.atan(), np.arctan, *ONE, **UNARY)
row("sinc", Sinc, lambda a: a.sinc(), np.sinc, *ONE, domain=("nonzero",), **UNARY)
row("sinh", Sinh, lambda a: a.sinh(), np.sinh, *ONE, **UNARY)
row("cosh", Cosh, lambda a: a.cosh(), np.cosh, *ONE, **UNARY)
row("asinh", Asinh, lambda a: a.asinh(), np.arcsinh, *ONE, **UNARY)
row("acosh", Acosh, lambda a: (a + 1).acosh(), lambda a: np.arccosh(a + 1), *ONE,
    domain=("positive",), **UNARY)
row("atanh", Atanh, lambda a: a.atanh(), np.arctanh, *ONE, domain=("unit",), **UNARY)
row("exp2", Exp2, lambda a: a.exp2(), np.exp2, *ONE, **UNARY)
row("log2", Log2, lambda a: a.log2(), np.log2, *ONE, domain=("positive",), **UNARY)
row("log10", Log10, lambda a: a.log10(), np.log10, *ONE, domain=("positive",), **UNARY)
row("rsqrt", Rsqrt, lambda a: a.rsqrt(), lambda a: 1 / np.sqrt(a), *ONE,
    domain=("positive",), **UNARY)
row("reciprocal", Reciprocal, lambda a: a.reciprocal(), np.reciprocal, *ONE,
    domain=("nonzero",), **UNARY)
row("xlogy", Xlogy, lambda a, b: lib(a).xlogy(a, b), lambda a, b: a * np.log(b), *BCAST,
    kind="broadcast", domain=("real", "positive"), torch=True)
row("special.xlog1py", Xlogy, lambda a, b: lib(a).special.xlog1py(a, b),
    lambda a, b: a * np.log1p(b), *BCAST, kind="broadcast", domain=("real", "positive"),
    torch=True)
row("xlogy(2, x)", Xlogy, lambda a: lib(a).xlogy(2, a), lambda a: 2 * np.log(a), *ONE,
    domain=("positive",), **UNARY)
row("floor", Floor, lambda a: a.floor(), np.floor, *ONE, kinks=INTEGERS, **UNARY)
row("ceil", Ceil, lambda a: a.ceil(), np.ceil, *ONE, kinks=INTEGERS, **UNARY)
row("trunc", Trunc, lambda a: a.trunc(), np.trunc, *ONE, kinks=INTEGERS, **UNARY)
row("round", Round, lambda a: a.round(), np.round, *ONE, kinks=(-1.5, -0.5, 0.5, 1.5),
    **UNARY)
row("frac", Frac, lambda a: a.frac(), lambda a: a - np.trunc(a), *ONE, kinks=INTEGERS,
    **UNARY)
row("nan_to_num", NanToNum, lambda a: a.nan_to_num(), np.nan_to_num, *ONE, **UNARY)
row("atan2", Atan2, lambda a, b: a.atan2(b), np.arctan2, *BCAST, domain=("nonzero",),
    **BINARY)
row("hypot", Hypot, lambda a, b: a.hypot(b), np.hypot, *BCAST, domain=("nonzero",), **BINARY)
row("logaddexp", Logaddexp, lambda a, b: a.logaddexp(b), np.logaddexp, *BCAST, **BINARY)
row("logaddexp2", Logaddexp2, lambda a, b: a.logaddexp2(b), np.logaddexp2, *BCAST, **BINARY)
row("fmod", Fmod, lambda a, b: a.fmod(b), np.fmod, *BCAST, domain=("real", "positive"),
    **BINARY)
row("fmod(x, 1.5)", Fmod, lambda a: a.fmod(1.5), lambda a: np.fmod(a, 1.5), *ONE,
    kinks=(-1.5, 0.0, 1.5), **UNARY)
row("fmax", Fmax, lambda a, b: a.fmax(b), np.fmax, *BCAST, **BINARY)
row("fmin", Fmin, lambda a, b: a.fmin(b), np.fmin, *BCAST, **BINARY)
row("lerp", Lerp, lambda a, b, w: a.lerp(b, w), lambda a, b, w: a + w * (b - a),
    ((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (2, 1, 1)), ((), (3,), ()), torch=True)
row("deg2rad", Degrees, lambda a: a.deg2rad(), np.deg2rad, *ONE, **UNARY)
row("rad2deg", Degrees, lambda a: a.rad2deg(), np.rad2deg, *ONE, **UNARY)
row("clamp_min", Clamp, lambda a: a.clamp_min(0.3), lambda a: np.maximum(a, 0.3), *ONE,
    kinks=(0.3,), **UNARY)
row("clamp_max(tensor)", Clamp, lambda a, b: lib(a).clamp_max(a, b), np.minimum,
    ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((3, 4), ()), torch=True)
row("lerp(weight=0.7)", Lerp, lambda a, b: a.lerp(b, 0.7), lambda a, b: a + 0.7 * (b - a),
    *BCAST, **BINARY)
