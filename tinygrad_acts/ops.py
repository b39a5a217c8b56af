"""The basic differentiable ops: one small Function per op, forward and backward together.

Every backward is written once, in arithmetic that works on ndarrays (the normal, fast
path) and on Tensors (under ``create_graph=True``, so the backward builds a graph and
second derivatives come for free). The few helpers that need to know which of the two they
got (``unbroadcast``, ``expand``, ``where``, ``permute``, ``scatter``) sit at the top.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import special
from .autograd import Function
from .tensor import Tensor

# --- helpers that work on ndarrays and Tensors alike ------------------------------------


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` down to ``shape``: the one place that undoes numpy broadcasting.

    A (3,1)+(1,4) add sends a (3,4) gradient to both inputs; each gets it summed over the
    axes it was broadcast along.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def expand(grad: Any, shape: tuple) -> Any:
    """Broadcast ``grad`` to ``shape``."""
    if isinstance(grad, Tensor):
        return grad.expand(shape)
    # NOTE: a filled new array, not np.broadcast_to: that view is read-only and costs
    # several microseconds of Python per call, and the next rule would copy it anyway.
    out = np.empty(shape, dtype=grad.dtype)
    out[...] = grad
    return out


def where(cond: Any, a: Any, b: Any) -> Any:
    """``np.where`` that is differentiable in ``a`` and ``b`` when either is a Tensor."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return Where.apply(cond.data if isinstance(cond, Tensor) else cond, a, b)
    return np.where(cond, a, b)


def permute(grad: Any, axes: tuple) -> Any:
    return grad.permute(*axes) if isinstance(grad, Tensor) else grad.transpose(axes)


def scatter(grad: Any, index: Any, shape: tuple) -> Any:
    """A zero array of ``shape`` with ``grad`` added at ``index`` (repeats accumulate)."""
    if isinstance(grad, Tensor):
        return Scatter.apply(grad, index=index, shape=shape)
    return _scatter_array(grad, index, shape)


def _scatter_array(grad: np.ndarray, index: Any, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, dtype=grad.dtype)
    if _is_basic_index(index):
        out[index] = grad
    else:
        np.add.at(out, index, grad)  # NOTE: add.at, so repeated indices accumulate
    return out


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer))
               for i in items)


def _needs(node: Function, i: int) -> bool:
    """Whether input ``i`` of this node wants a gradient (skip the work if not)."""
    return node.parents[i] is not None


# --- arithmetic: add / sub / mul / div / pow / neg --------------------------------------


def _shape(v: Any) -> tuple:
    return v.shape if type(v) is np.ndarray else np.shape(v)


class Add(Function):
    """a + b; da = g, db = g (each summed back to its shape)."""
    __slots__ = ("shapes",)

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a + b

    def backward(self, g):
        ga = unbroadcast(g, self.shapes[0]) if self.parents[0] is not None else None
        gb = unbroadcast(g, self.shapes[1]) if self.parents[1] is not None else None
        return ga, gb


class Sub(Function):
    """a - b; da = g, db = -g."""
    __slots__ = ("shapes",)

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a - b

    def backward(self, g):
        ga = unbroadcast(g, self.shapes[0]) if self.parents[0] is not None else None
        gb = -unbroadcast(g, self.shapes[1]) if self.parents[1] is not None else None
        return ga, gb


class Mul(Function):
    """a * b; da = g * b, db = g * a."""
    __slots__ = ()
    save_inputs = (0, 1)

    def forward(self, a, b):
        return a * b

    def backward(self, g, a, b):
        # an input that needs a gradient came from a Tensor, so it has a .shape
        ga = unbroadcast(g * b, a.shape) if self.parents[0] is not None else None
        gb = unbroadcast(g * a, b.shape) if self.parents[1] is not None else None
        return ga, gb


class Scale(Function):
    """x * c for a Python number c; dx = g * c. NOTE: unlike Mul it saves nothing, so x's
    array is neither kept alive nor checked for later in-place changes (as in PyTorch)."""
    __slots__ = ("c",)
    name = "MulBackward"  # it is a multiplication, and PyTorch names it so

    def forward(self, x, c):
        self.c = c
        return x * c

    def backward(self, g):
        return g * self.c


class Div(Function):
    """y = a / b; da = g / b, db = -g * y / b (from the output)."""
    __slots__ = ("a_shape",)
    save_inputs = (1,)
    save_output = True

    def forward(self, a, b):
        self.a_shape = np.shape(a)
        return a / b

    def backward(self, g, b, y):
        ga = unbroadcast(g / b, self.a_shape) if _needs(self, 0) else None
        gb = unbroadcast(-g * y / b, b.shape) if _needs(self, 1) else None
        return ga, gb


class Pow(Function):
    """y = a ** b; da = g * b * a ** (b - 1), db = g * y * log(a) (taken as 0 where a <= 0)."""
    __slots__ = ()
    save_inputs = (0, 1)
    save_output = True

    def forward(self, a, b):
        return a ** b

    def backward(self, g, a, b, y):
        ga = unbroadcast(g * b * a ** (b - 1), np.shape(a)) if _needs(self, 0) else None
        gb = None
        if _needs(self, 1):
            # NOTE: log(a) is undefined for a <= 0; PyTorch's convention is a 0 gradient there.
            safe_a = where(a > 0, a, 1.0)
            gb = unbroadcast(g * y * np.log(safe_a), np.shape(b))
        return ga, gb


class Neg(Function):
    """-x; dx = -g."""
    __slots__ = ()

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Cast(Function):
    """x as another dtype; dx = g cast back to x's dtype."""
    __slots__ = ("in_dtype",)

    def forward(self, x, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        return g.astype(self.in_dtype)


# --- elementwise math: abs / exp / log / sqrt / erf / expm1 / log1p ---------------------


class Abs(Function):
    """|x|; dx = g * sign(x). NOTE: the subgradient at 0 is 0, as in PyTorch."""
    __slots__ = ()
    save_inputs = (0,)

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, x):
        return g * np.sign(x)


class Exp(Function):
    """y = e^x; dx = g * y (from the output)."""
    __slots__ = ()
    save_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, y):
        return g * y


class Expm1(Function):
    """y = e^x - 1; dx = g * (y + 1) (from the output)."""
    __slots__ = ()
    save_output = True

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g, y):
        return g * (y + 1)


class Log(Function):
    """log x; dx = g / x."""
    __slots__ = ()
    save_inputs = (0,)

    def forward(self, x):
        return np.log(x)

    def backward(self, g, x):
        return g / x


class Log1p(Function):
    """log(1 + x); dx = g / (1 + x)."""
    __slots__ = ()
    save_inputs = (0,)

    def forward(self, x):
        return np.log1p(x)

    def backward(self, g, x):
        return g / (1 + x)


class Sqrt(Function):
    """y = sqrt x; dx = g / (2 y) (from the output)."""
    __slots__ = ()
    save_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, y):
        return g / (2 * y)


class Erf(Function):
    """erf x; dx = g * 2/sqrt(pi) * e^(-x^2). Used by the exact gelu."""
    __slots__ = ()
    save_inputs = (0,)

    def forward(self, x):
        return special.erf(x)  # NOTE: numpy has no erf

    def backward(self, g, x):
        return g * (2 / math.sqrt(math.pi)) * np.exp(-(x * x))


# --- matmul -----------------------------------------------------------------------------


class MatMul(Function):
    """a @ b (1-D, 2-D or batched); da = g @ b^T, db = a^T @ g (batch dims summed back)."""
    __slots__ = ()
    save_inputs = (0, 1)

    def forward(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{np.shape(a)} and {np.shape(b)}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not line up "
                             f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})")
        return a @ b

    def backward(self, g, a, b):
        if a.ndim == 2 and b.ndim == 2:  # the common case, with no reshaping
            ga = g @ b.T if _needs(self, 0) else None
            gb = a.T @ g if _needs(self, 1) else None
            return ga, gb
        # Promote 1-D operands to matrices, as matmul itself does, then undo it.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:])
        if b.ndim == 1:
            g2 = g2.reshape(g2.shape + (1,))
        ga = gb = None
        if _needs(self, 0):
            ga = unbroadcast(g2 @ _swap_last(b2), a2.shape).reshape(a.shape)
        if _needs(self, 1):
            gb = unbroadcast(_swap_last(a2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """y = x @ W^T + b (PyTorch's layout, W is (out, in)); dx = g @ W, dW = g^T @ x, db = sum g.

    One node instead of three (transpose, matmul, add): the layer every model uses most.
    """
    __slots__ = ()
    save_inputs = (0, 1)

    def forward(self, x, w, b=None):
        if x.shape[-1:] != w.shape[1:]:
            raise ValueError(f"linear: input of shape {x.shape} does not fit a weight of shape "
                             f"{w.shape} (expected input (*, {w.shape[1]}))")
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g, x, w):
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gx = g @ w if self.parents[0] is not None else None
        gw = None
        if self.parents[1] is not None:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            # NOTE: nn.Linear stores W column-major (W.T is a plain (in, out) array, so the
            # forward x @ W.T is BLAS's fastest case); the gradient comes in the same layout
            # so the optimizer's update runs on contiguous memory.
            column_major = isinstance(w, np.ndarray) and w.flags.f_contiguous and w.ndim == 2
            gw = (x2.T @ g2).T if column_major else g2.T @ x2
        if len(self.parents) == 2:
            return gx, gw
        gb = g2.sum(axis=0) if self.parents[2] is not None else None
        return gx, gw, gb


def _swap_last(x: Any) -> Any:
    if x.ndim < 2:
        return x
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return permute(x, axes)


# --- reductions: sum / max / min --------------------------------------------------------


def _keepdim_shape(shape: tuple, axis: Any) -> tuple:
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """sum over ``axis``; dx = g broadcast back to the input's shape."""
    __slots__ = ("in_shape", "axis", "keepdims")

    def forward(self, x, axis=None, keepdims=False):
        self.in_shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    def backward(self, g):
        if not self.keepdims and self.axis is not None:  # a full sum's 0-d g broadcasts as is
            g = g.reshape(_keepdim_shape(self.in_shape, self.axis))
        return expand(g, self.in_shape)


class Max(Function):
    """max over ``axis``; dx = g at the maximum.

    NOTE: ties split the gradient evenly (each of k tied elements gets g / k), so the
    gradient still sums to g; PyTorch's max(dim) picks one element instead.
    """
    __slots__ = ("in_shape", "axis", "keepdims", "share")
    reduce = staticmethod(np.max)

    def forward(self, x, axis=None, keepdims=False):
        if x.size == 0:
            raise ValueError(f"{type(self).__name__.lower()}: cannot reduce an empty tensor "
                             f"of shape {x.shape}")
        self.in_shape, self.axis, self.keepdims = x.shape, axis, keepdims
        out = self.reduce(x, axis=axis, keepdims=True)
        mask = x == out
        # NOTE: bool / int is float64; cast, or a float32 graph's gradients turn float64.
        self.share = (mask / mask.sum(axis=axis, keepdims=True)).astype(
            np.result_type(x.dtype, np.float32))
        return out if keepdims else np.squeeze(out, axis=axis)

    def backward(self, g):
        if not self.keepdims:
            g = g.reshape(_keepdim_shape(self.in_shape, self.axis))
        return expand(g, self.in_shape) * self.share


class Min(Max):
    """min over ``axis``; dx = g at the minimum (ties split evenly, as for max)."""
    __slots__ = ()
    reduce = staticmethod(np.min)


# --- shape ops: reshape / permute / expand / getitem / cat / stack ----------------------


class Reshape(Function):
    """Same elements, new shape; dx = g reshaped back."""
    __slots__ = ("in_shape",)

    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                             f"({x.size} elements) into shape {tuple(shape)}") from None

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Function):
    """Reorder the axes; dx = g with the inverse order."""
    __slots__ = ("axes",)

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        return permute(g, tuple(np.argsort(self.axes)))


class Expand(Function):
    """Broadcast to ``shape`` without copying; dx = g summed back."""
    __slots__ = ("in_shape",)

    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: cannot broadcast shape {x.shape} "
                             f"to {tuple(shape)}") from None

    def backward(self, g):
        return unbroadcast(g, self.in_shape)


class GetItem(Function):
    """x[index]; dx = zeros with g added at index (repeated indices accumulate)."""
    __slots__ = ("in_shape", "index")

    def forward(self, x, index):
        self.in_shape, self.index = x.shape, index
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None

    def backward(self, g):
        return scatter(g, self.index, self.in_shape)


class Scatter(Function):
    """zeros(shape) with x added at index (the backward of getitem); dx = g[index]."""
    __slots__ = ("index",)

    def forward(self, x, index, shape):
        self.index = index
        return _scatter_array(x, index, shape)

    def backward(self, g):
        return g[self.index]


class SetItem(Function):
    """x with x[index] replaced by v; dx = g with 0 at index, dv = g[index] summed back."""
    __slots__ = ("index", "v_shape")

    def forward(self, x, v, index):
        self.index, self.v_shape = index, np.shape(v)
        out = x.copy()
        out[index] = v
        return out

    def backward(self, g):
        gx = gv = None
        if _needs(self, 0):
            overwritten = np.zeros(g.shape, dtype=bool)
            overwritten[self.index] = True
            gx = where(overwritten, 0.0, g)
        if _needs(self, 1):
            gv = unbroadcast(g[self.index], self.v_shape)
        return gx, gv


class Cat(Function):
    """Join along ``axis``; each input's gradient is its slice of g."""
    __slots__ = ("axis", "bounds")

    def forward(self, *arrays, axis=0):
        self.axis = axis
        ends = np.cumsum([a.shape[axis] for a in arrays])
        self.bounds = list(zip([0, *ends[:-1]], ends))
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        lead = (slice(None),) * (self.axis % g.ndim)
        return tuple(g[lead + (slice(int(s), int(e)),)] for s, e in self.bounds)


class Stack(Function):
    """Stack along a new ``axis``; input i's gradient is g[..., i, ...]."""
    __slots__ = ("axis", "count")

    def forward(self, *arrays, axis=0):
        self.axis, self.count = axis, len(arrays)
        return np.stack(arrays, axis=axis)

    def backward(self, g):
        lead = (slice(None),) * (self.axis % g.ndim)
        return tuple(g[lead + (i,)] for i in range(self.count))


# --- selection: where / clamp / maximum / minimum ---------------------------------------


class Where(Function):
    """cond ? a : b; da = g where cond, db = g elsewhere."""
    __slots__ = ("cond", "shapes")

    def forward(self, cond, a, b):
        self.cond, self.shapes = np.asarray(cond, dtype=bool), (np.shape(a), np.shape(b))
        return np.where(self.cond, a, b)

    def backward(self, g):
        ga = unbroadcast(where(self.cond, g, 0.0), self.shapes[0]) if _needs(self, 1) else None
        gb = unbroadcast(where(self.cond, 0.0, g), self.shapes[1]) if _needs(self, 2) else None
        return None, ga, gb


class Clamp(Function):
    """clip x to [lo, hi]; dx = g where lo <= x <= hi (inclusive, as in PyTorch), else 0."""
    __slots__ = ("inside",)

    def forward(self, x, lo=None, hi=None):
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        self.inside = inside
        return np.clip(x, lo, hi)

    def backward(self, g):
        return g * self.inside


class Maximum(Function):
    """elementwise max(a, b); the larger gets g. NOTE: a tie gives each g / 2."""
    __slots__ = ("share_a", "shapes")
    pick = staticmethod(np.maximum)

    def forward(self, a, b):
        self.shapes = (np.shape(a), np.shape(b))
        wins = (a > b) if self.pick is np.maximum else (a < b)
        self.share_a = np.where(a == b, 0.5, wins.astype(np.result_type(a, b, np.float32)))
        return self.pick(a, b)

    def backward(self, g):
        ga = unbroadcast(g * self.share_a, self.shapes[0]) if _needs(self, 0) else None
        gb = unbroadcast(g * (1 - self.share_a), self.shapes[1]) if _needs(self, 1) else None
        return ga, gb


class Minimum(Maximum):
    """elementwise min(a, b); the smaller gets g. NOTE: a tie gives each g / 2."""
    __slots__ = ()
    pick = staticmethod(np.minimum)
