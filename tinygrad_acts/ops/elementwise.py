"""Arithmetic and elementwise math: add / sub / mul / div / pow / neg / cast, then
abs / exp / expm1 / log / log1p / sqrt / erf.

Every rule that can meet 0, inf or nan runs under ``@quiet`` (``np.errstate``): torch's
log(0) is -inf, x / 0 inf and inf * 0 nan without a word, so numpy must not warn either.

Each rule saves only what the gradients that are wanted need: ``x * 2.0`` keeps nothing
of x, and ``x / 2`` keeps neither x nor its output.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import erf_numpy
from ..autograd import Function
from .helpers import is_tensor, quiet, shape_of, torch_sign, unbroadcast
from .indexing import where
from .shape import DependsOn

# --- arithmetic: add / sub / mul / div / pow / neg / cast -----------------------------------


class Add(Function):
    """a + b; da = g, db = g (each summed back to its shape)."""

    @quiet
    def forward(self, a, b):
        self.save(getattr(a, "shape", ()), getattr(b, "shape", ()))  # () for a number
        return a + b

    @quiet
    def backward(self, g, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(g, a_shape) if need_a else None,
                unbroadcast(g, b_shape) if need_b else None)


class Sub(Function):
    """a - b; da = g, db = -g."""

    @quiet
    def forward(self, a, b):
        self.save(getattr(a, "shape", ()), getattr(b, "shape", ()))
        return a - b

    @quiet
    def backward(self, g, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(g, a_shape) if need_a else None,
                -unbroadcast(g, b_shape) if need_b else None)


class Mul(Function):
    """a * b; da = g * b, db = g * a (each saved only if the other's gradient is wanted)."""

    @quiet
    def forward(self, a, b):
        need_a, need_b = self.needs_input_grad
        self.save(b if need_a else None, a if need_b else None, getattr(a, "shape", ()),
                  getattr(b, "shape", ()))
        return a * b

    @quiet
    def backward(self, g, b, a, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(g * b, a_shape) if need_a else None,
                unbroadcast(g * a, b_shape) if need_b else None)


class Div(Function):
    """y = a / b; da = g / b, db = -g * y / b (from the output, kept only if db is wanted).

    A nonzero number over a tensor (``4 / x``) is PyTorch's ``x.reciprocal() * 4``: the
    same bits, and only the output is kept (r = y / a, db = -(g * a) * r * r), so x may
    change in place before backward, as in torch.
    """

    @quiet
    def forward(self, a, b):
        # (x / 0 is inf, 0 / 0 nan; with or without a graph: the same bits either way)
        if type(a) in (float, int) and a != 0 and b.dtype.kind == "f":
            y = np.reciprocal(b) * a
            self.save(a, None, y, (), b.shape)
            return y
        y = a / b
        self.save(None, b, y if self.needs_input_grad[1] else None, getattr(a, "shape", ()),
                  getattr(b, "shape", ()))
        return y

    @quiet
    def backward(self, g, number, b, y, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        if number is not None:
            r = y / number
            return None, -(g * number) * (r * r)
        return (unbroadcast(g / b, a_shape) if need_a else None,
                unbroadcast(-g * y / b, b_shape) if need_b else None)


def power(a: Any, b: Any) -> Any:
    """a ** b as torch computes it: a number exponent of 0.5 or -0.5 is a square root or its
    reciprocal (sqrt(-0) = -0, sqrt(-inf) = nan), where C's pow gives +0 and inf."""
    if type(b) is float and (b == 0.5 or b == -0.5) and type(a) is np.ndarray:
        root = np.sqrt(a)
        return root if b > 0 else 1 / root
    return a ** b


class Pow(Function):
    """y = a ** b; da = g * b * a ** (b - 1), db = g * y * log(a) (0 where a = 0 <= b)."""

    @quiet
    def forward(self, a, b):
        y = power(a, b)  # (0 ** -1 is inf, (-8) ** 0.5 nan)
        self.save(a, b, y if self.needs_input_grad[1] else None)
        return y

    @quiet
    def backward(self, g, a, b, y):
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a and getattr(b, "dtype", None) == np.bool_:
            # NOTE: torch's rule computes b - 1, which it refuses on a bool tensor; so do we
            raise RuntimeError(f"PowBackward: the derivative of a ** b in a (shape "
                               f"{shape_of(a)}) for a bool tensor b (shape {shape_of(b)}) is "
                               "refused, as in PyTorch (its rule takes b - 1); use b.to(a.dtype)")
        if need_a:
            # NOTE: d(a^0)/da is 0 everywhere, even at a = 0 where 0 * 0^-1 would be nan
            # (PyTorch's convention); 0^-1 itself is inf there, so numpy is kept quiet.
            slope = b * power(a, b - 1)
            if is_tensor(b) or np.any(np.asarray(b) == 0):
                slope = where(b == 0, 0.0, slope)
            ga = unbroadcast(g * slope, shape_of(a))
        if need_b:
            # NOTE: as PyTorch: 0 where a = 0 and b >= 0 (y is 0 or 1 there), y * log(a)
            # elsewhere: -inf at a = 0 > b, nan for a negative base (log(a) is undefined)
            slope = where((a == 0) & (b >= 0), 0.0, y * np.log(a))
            gb = unbroadcast(g * slope, shape_of(b))
        return ga, gb


class Remainder(Function):
    """a % b (the sign of b, as Python and torch); da = g, db = -g * floor(a / b)."""

    @quiet
    def forward(self, a, b):
        need_b = self.needs_input_grad[1]  # (nothing of a number b is kept: as torch's)
        self.save(a if need_b else None, b if need_b else None, shape_of(a), shape_of(b))
        return remainder(a, b)

    @quiet
    def backward(self, g, a, b, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        if need_b and not isinstance(a, np.ndarray) and not is_tensor(a) and a is not None:
            # NOTE: as in PyTorch, number % tensor has no derivative in the tensor
            raise RuntimeError("RemainderBackward: the derivative of number % tensor in the "
                               "tensor is not implemented, as in PyTorch")
        return (unbroadcast(g, a_shape) if need_a else None,
                unbroadcast(-g * _floor_quotient(a, b), b_shape) if need_b else None)


def remainder(a, b):
    """torch's a % b: fmod(a, b), moved by b where its sign differs from b's.

    NOTE: a zero result keeps the sign of a, as torch's (-1.0 % 0.5 is -0.0; numpy's
    remainder gives +0.0), which a later atan2 or 1 / x can tell apart."""
    if np.result_type(a, b).kind != "f":
        return np.remainder(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        mod = np.fmod(a, b)
        return np.asarray(np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod),
                          dtype=mod.dtype)


def _floor_quotient(a, b):
    """floor(a / b) as Python and torch define it (1 // -inf is -1, not floor(-0.0) = -0).
    Under create_graph it depends on a and b with a zero gradient, as torch's div_floor."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor_divide(*(v._array if is_tensor(v) else v for v in (a, b)))
    tensors = [v for v in (a, b) if is_tensor(v)]
    return DependsOn.apply(q, *tensors) if tensors else q


class FloorDivide(Function):
    """a // b, rounded down; no gradient: as in PyTorch, a backward through it raises."""

    @quiet
    def forward(self, a, b):
        return np.floor_divide(a, b)

    @quiet
    def backward(self, g):
        raise RuntimeError("FloorDivideBackward: the derivative of floor_divide (//) is not "
                           "implemented, as in PyTorch (it is 0 almost everywhere); detach() "
                           "its inputs, or use a smooth op")


class Neg(Function):
    """-x; dx = -g."""

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Cast(Function):
    """x as another dtype; dx = g cast back to x's dtype."""

    @quiet
    def forward(self, x, dtype):
        self.save(x.dtype)  # (an expand's copy is row-major, as torch's preserve_format)
        return x.astype(dtype, order="C" if 0 in x.strides and x.size > 1 else "K")

    @quiet
    def backward(self, g, in_dtype):
        return g.astype(in_dtype)


# --- elementwise math: abs / exp / expm1 / log / log1p / sqrt / erf -------------------------


class Abs(Function):
    """|x|; dx = g * sign(x). NOTE: the subgradient at 0 is 0, as in PyTorch."""

    def forward(self, x):
        self.save(x)
        return np.abs(x)

    def backward(self, g, x):
        return g * torch_sign(x)  # NOTE: torch's sign(nan) is 0: the gradient at nan is 0


class Exp(Function):
    """y = e^x; dx = g * y (from the output)."""

    @quiet
    def forward(self, x):
        y = np.exp(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g * y


class Expm1(Function):
    """y = e^x - 1; dx = g * (y + 1) (from the output)."""

    @quiet
    def forward(self, x):
        y = np.expm1(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g * (y + 1)


class Log(Function):
    """log x; dx = g / x."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.log(x)

    @quiet
    def backward(self, g, x):
        return g / x


class Log1p(Function):
    """log(1 + x); dx = g / (1 + x). NOTE: log1p keeps full precision for tiny x."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.log1p(x)

    @quiet
    def backward(self, g, x):
        return g / (1 + x)


class Sqrt(Function):
    """y = sqrt x; dx = g / (2 y) (from the output)."""

    @quiet
    def forward(self, x):
        y = np.sqrt(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g / (2 * y)


class Erf(Function):
    """erf x; dx = g * 2/sqrt(pi) * e^(-x^2). Used by the exact gelu."""

    @quiet
    def forward(self, x):
        self.save(x)
        return erf_numpy.erf(x)  # NOTE: numpy has no erf

    @quiet
    def backward(self, g, x):
        return g * (2 / math.sqrt(math.pi)) * np.exp(-(x * x))
