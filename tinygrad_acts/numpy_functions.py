"""numpy's function protocol for Tensors (``Tensor.__array_function__``): which numpy
functions run the framework's differentiable op (``np.concatenate(ts)`` is ``ta.cat(ts)``),
which ones give no gradient (comparisons, shapes, indices) and so may take any Tensor, and
how Tensors inside their arguments become arrays. Any other numpy function refuses a
Tensor that requires grad (its graph would be lost).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor, _matmul, _operand, cat, stack, where


def _np_reduce(method: str) -> Callable:
    def reduce(a: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        return getattr(_operand(a), method)(axis=axis, keepdims=keepdims, **kw)
    return reduce


def _np_extreme(method: str) -> Callable:
    def extreme(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return getattr(_operand(a), method)(() if axis is None else axis, keepdims)
    return extreme


# numpy function -> the differentiable op (numpy's signature and defaults: ddof=0 for var)
_ARRAY_FUNCTIONS: dict = {
    np.sum: _np_reduce("sum"), np.mean: _np_reduce("mean"),
    np.max: _np_extreme("amax"), np.amax: _np_extreme("amax"),
    np.min: _np_extreme("amin"), np.amin: _np_extreme("amin"),
    np.var: lambda a, axis=None, ddof=0, keepdims=False: _operand(a).var(
        axis=axis, correction=ddof, keepdims=keepdims),
    np.std: lambda a, axis=None, ddof=0, keepdims=False: _operand(a).std(
        axis=axis, correction=ddof, keepdims=keepdims),
    np.concatenate: lambda arrays, axis=0: cat(list(arrays), axis=axis),
    np.stack: lambda arrays, axis=0: stack(list(arrays), axis=axis),
    np.reshape: lambda a, shape: _operand(a).reshape(shape),
    np.transpose: lambda a, axes=None: _operand(a).permute(*axes) if axes is not None
    else _operand(a).T,
    np.squeeze: lambda a, axis=None: _operand(a).squeeze(axis),
    np.expand_dims: lambda a, axis: _operand(a).unsqueeze(axis),
    np.where: lambda cond, a, b: where(cond, a, b),
    np.clip: lambda a, a_min=None, a_max=None: _operand(a).clamp(a_min, a_max),
    np.dot: lambda a, b: _matmul(a, b), np.abs: lambda a: abs(_operand(a)),
}
# functions whose result carries no gradient (comparisons, shapes, indices)
_NO_GRADIENT = {np.isclose, np.allclose, np.array_equal, np.array_equiv, np.shape, np.ndim,
                np.size, np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero,
                np.result_type, np.may_share_memory, np.shares_memory, np.array2string,
                np.array_repr, np.array_str, np.any, np.all, np.searchsorted,
                np.testing.assert_array_equal, np.testing.assert_allclose}


def _any_requires_grad(*items: Any) -> bool:
    for x in items:
        if isinstance(x, Tensor):
            if x.requires_grad:
                return True
        elif isinstance(x, (list, tuple)):
            if _any_requires_grad(*x):
                return True
        elif isinstance(x, dict) and _any_requires_grad(*x.values()):
            return True
    return False


def _unwrap(x: Any) -> Any:
    """Tensors inside numpy arguments become their arrays."""
    if isinstance(x, Tensor):
        return x._array
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _ufunc_with_keywords(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__`` for a call with keywords or by another method: numpy's
    ``out=`` into plain ndarrays only: ``np.add(w.numpy(), t, out=(a,))`` runs the ufunc on the
    arrays and writes ``a``, with no graph, and the ndarray is returned.

    A Tensor as ``out`` is refused, naming the ufunc: numpy would write its array behind
    autograd's back (no version bump, a graph silently dropped). Anything else (``where=``
    or ``dtype=`` without ``out``, ``np.add.at``) is left to numpy, which refuses it.
    """
    outs = kwargs.get("out", ())
    outs = outs if isinstance(outs, tuple) else (outs,)
    if any(isinstance(o, Tensor) for o in outs):
        raise TypeError(f"numpy.{ufunc.__name__}(..., out=Tensor): numpy cannot write into a "
                        f"Tensor (shapes {[np.shape(x) for x in inputs]}); use the Tensor's "
                        "in-place ops (add_, mul_, copy_ ...), which keep autograd right")
    if not outs or not all(type(o) is np.ndarray for o in outs):
        return NotImplemented
    return getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
