"""Tensor: an ndarray plus what autograd needs (requires_grad, grad, grad_fn, a version).

Every method is written out, one line where possible, grouped under banners, so
``grep "def sigmoid"`` finds it. The math lives in ``ops.py`` (basic ops) and
``activations.py`` (the registry); this file only routes to it.
"""
from __future__ import annotations

import operator
import weakref
from typing import Any, Callable, Iterable

import numpy as np

# --- dtype defaults and the package-level random generator ------------------------------

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng()


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype used for new tensors made from Python floats (float32 default)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    return _default_dtype


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the package's random generator (randn, rand, Dropout, Linear's init, ...)."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def generator() -> np.random.Generator:
    """The package's random generator (use it for reproducible randomness)."""
    return _rng


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn list / scalar / ndarray data into an ndarray following PyTorch's dtype rules:
    Python floats become the default float dtype; an ndarray keeps its dtype."""
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:
            lengths = [len(row) if hasattr(row, "__len__") else "scalar" for row in data] \
                if isinstance(data, (list, tuple)) else "?"
            raise ValueError(f"tensor: cannot make a tensor from ragged data (row lengths "
                             f"{lengths} differ): {e}") from None
        if arr.dtype == object:
            kinds = sorted({type(v).__name__ for v in arr.flat})
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data "
                            f"holding {', '.join(kinds)} (numpy made an object array of shape "
                            f"{arr.shape}); tensors hold numbers only (float, int or bool)")
        # NOTE: not via the default dtype when one is given: float32 would round the values
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, np.generic):
            arr = arr.astype(_default_dtype)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"tensor: unsupported dtype {arr.dtype} (need float, int or bool)")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def _check_float(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind != "f":
        raise RuntimeError(f"{what}: only floating point tensors can require gradients; this "
                           f"one has dtype {arr.dtype} and shape {arr.shape}. "
                           "Use .float() or .double() first.")


def _axis(dim: Any, axis: Any) -> Any:
    """PyTorch's ``dim`` with numpy's ``axis`` accepted as an alias."""
    if dim is not None and axis is not None:
        raise TypeError("pass dim or axis, not both")
    d = dim if dim is not None else axis
    return tuple(d) if isinstance(d, list) else d


def _index(index: Any) -> Any:
    """Tensors inside an index become their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Args:
        data: a list, a scalar, an ndarray (shared, not copied, when its dtype fits) or a Tensor.
        requires_grad: record operations so ``backward()`` can compute ``.grad``.
        dtype: convert to this dtype (default: float32 for Python floats, kept for arrays).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[1.0, -2.0]], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([[ 2., -4.]])
    """

    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "_version", "_retains_grad",
                 "_hooks", "_base", "_views", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor lets the Tensor answer

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None):
        self.data = _as_array(data, dtype)
        if requires_grad:
            _check_float(self.data, "Tensor")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None
        self._version = [0]
        self._retains_grad = False
        self._hooks = None
        self._base = None  # (base tensor, "index" | "reshape" | "permute", arg) for op views
        self._views = None  # a WeakSet of this tensor's op views inside a graph

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Any) -> "Tensor":
        """Wrap an array without any checks (the engine's fast path)."""
        t = Tensor.__new__(Tensor)
        t.data, t.requires_grad, t.grad, t.grad_fn = data, requires_grad, None, grad_fn
        t._version, t._retains_grad, t._hooks = [0], False, None
        t._base = t._views = None
        return t

    def _view_of(self, out: "Tensor", how: str | None = None, arg: Any = None) -> "Tensor":
        """``out``, made by a shape op or basic indexing; if its array is a numpy view of
        this tensor's, it shares the version counter (PyTorch's rule), so an in-place change
        through either one is caught by every node that saved the other's array, and it
        remembers how it views this tensor (see ``_rebase``)."""
        owner = self.data if self.data.base is None else self.data.base
        if getattr(out.data, "base", None) is owner:
            out._version = self._version
            # Only views made while recording need a link back (an in-place change under
            # no_grad has no graph to update); a WeakSet forgets views that are gone.
            if how is not None and autograd._grad_enabled:
                out._base = (self, how, arg)
                if self._views is None:
                    self._views = weakref.WeakSet()
                self._views.add(out)
        return out

    def _sync_views(self, source: "Tensor | None" = None) -> None:
        """After an in-place change of this tensor inside a graph, rebuild the graph of each
        of its live views (but ``source``) from its new graph: their values changed too."""
        for view in list(self._views or ()):
            if view is source:
                continue
            _, how, arg = view._base
            me = Tensor._make(self.data, True, self.grad_fn)
            new = (ops.GetItem.apply(me, index=arg) if how == "index" else
                   ops.Reshape.apply(me, shape=view.shape) if how == "reshape" else
                   ops.Permute.apply(me, axes=arg))
            view.grad_fn, view.requires_grad = new.grad_fn, True
            view._sync_views()

    def _rebase(self) -> None:
        """After an in-place change of this view inside a graph, give its base a graph that
        says so: the base becomes itself with the view's part replaced by the view's new
        value (PyTorch's CopySlices). Without it the base's values would change while its
        graph did not: a silent wrong gradient."""
        base, how, arg = self._base
        if how == "index":
            old = Tensor._make(base.data, base.requires_grad, base.grad_fn)
            new = ops.SetItem.apply(old, self, index=arg)
        elif how == "reshape":
            new = ops.Reshape.apply(self, shape=base.shape)
        else:
            new = ops.Permute.apply(self, axes=tuple(int(a) for a in np.argsort(arg)))
        base.grad_fn, base.requires_grad = new.grad_fn, True
        base._sync_views(source=self)
        if base._base is not None:
            base._rebase()

    # --- properties -------------------------------------------------------------------

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> "Tensor":
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def device(self) -> str:
        return "cpu"

    def size(self, dim: int | None = None) -> Any:
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int: return self.data.ndim
    def numel(self) -> int: return self.data.size
    def __len__(self) -> int: return len(self.data)

    # --- conversion -------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The underlying ndarray, shared, not copied (as in PyTorch)."""
        return self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"scalar; this one has shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any: return self.data.tolist()
    def __float__(self) -> float: return float(self.item())
    def __int__(self) -> int: return int(self.item())
    def __index__(self) -> int: return operator.index(self.item())
    def __bool__(self) -> bool: return bool(self.data)
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def astype(self, dtype: Any) -> "Tensor":
        """A differentiable dtype conversion (a no-op when the dtype already matches)."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        return ops.Cast.apply(self, dtype=dtype)

    def float(self) -> "Tensor": return self.astype(np.float32)
    def double(self) -> "Tensor": return self.astype(np.float64)
    def to(self, dtype: Any) -> "Tensor": return self.astype(dtype)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory and the version counter)."""
        t = Tensor._make(self.data, False, None)
        t._version = self._version
        return t

    def clone(self) -> "Tensor":
        """A copy of the data that stays in the graph."""
        return ops.Add.apply(self, np.zeros((), dtype=self.dtype)) if self.requires_grad \
            else Tensor._make(self.data.copy(), False, None)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != _default_dtype and self.data.dtype.kind == "f" \
                or self.data.dtype.kind in "iub" and self.data.dtype != np.int64 \
                and self.data.dtype != np.bool_:
            extra += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # --- autograd ---------------------------------------------------------------------

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; "
                               "use detach() to make a new leaf")
        if requires_grad:
            _check_float(self.data, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is required when self is not a scalar (it is the vector in the
        vector-Jacobian product). Without ``retain_graph=True`` the saved arrays are freed.
        """
        g = autograd._root_grad(self, gradient, "backward")
        keep = create_graph if retain_graph is None else retain_graph
        autograd.run_backward([self], [g], keep, create_graph)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor too after backward."""
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad: "Tensor") -> None:
            t = ref()
            if t is not None:
                t.grad = grad if t.grad is None else t.grad + grad

        self.register_hook(keep)

    def register_hook(self, hook: Callable) -> "RemovableHandle":
        """Call ``hook(grad)`` when this tensor's gradient is computed; if it returns a
        tensor, that replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def graph_str(self, params: dict | None = None) -> str:
        """The graph that produced this tensor as an indented text tree (``viz.graph_str``)."""
        from .viz import graph_str
        return graph_str(self, params)

    # --- arithmetic: + - * / ** @ and their reflected forms ---------------------------

    def __add__(self, other: Any) -> "Tensor": return ops.Add.apply(self, _operand(other))
    def __radd__(self, other: Any) -> "Tensor": return ops.Add.apply(_operand(other), self)
    def __sub__(self, other: Any) -> "Tensor": return ops.Sub.apply(self, _operand(other))
    def __rsub__(self, other: Any) -> "Tensor": return ops.Sub.apply(_operand(other), self)
    def __mul__(self, other: Any) -> "Tensor":
        if type(other) in (int, float):
            return ops.Scale.apply(self, c=other)
        return ops.Mul.apply(self, _operand(other))

    def __rmul__(self, other: Any) -> "Tensor": return self * other
    def __truediv__(self, other: Any) -> "Tensor": return ops.Div.apply(self, _operand(other))
    def __rtruediv__(self, other: Any) -> "Tensor": return ops.Div.apply(_operand(other), self)
    def __pow__(self, other: Any) -> "Tensor": return ops.Pow.apply(self, _operand(other))
    def __rpow__(self, other: Any) -> "Tensor": return ops.Pow.apply(_operand(other), self)
    def __matmul__(self, other: Any) -> "Tensor": return ops.MatMul.apply(self, _operand(other))
    def __rmatmul__(self, other: Any) -> "Tensor": return ops.MatMul.apply(_operand(other), self)
    def __neg__(self) -> "Tensor": return ops.Neg.apply(self)
    def __pos__(self) -> "Tensor": return self
    def __abs__(self) -> "Tensor": return ops.Abs.apply(self)

    def add(self, other: Any) -> "Tensor": return self + other
    def sub(self, other: Any) -> "Tensor": return self - other
    def mul(self, other: Any) -> "Tensor": return self * other
    def div(self, other: Any) -> "Tensor": return self / other
    def pow(self, other: Any) -> "Tensor": return self ** other
    def matmul(self, other: Any) -> "Tensor": return self @ other
    def neg(self) -> "Tensor": return -self
    def abs(self) -> "Tensor": return ops.Abs.apply(self)

    # --- elementwise math: exp / log / sqrt / ... -------------------------------------

    def exp(self) -> "Tensor": return ops.Exp.apply(self)
    def expm1(self) -> "Tensor": return ops.Expm1.apply(self)
    def log(self) -> "Tensor": return ops.Log.apply(self)
    def log1p(self) -> "Tensor": return ops.Log1p.apply(self)
    def sqrt(self) -> "Tensor": return ops.Sqrt.apply(self)
    def erf(self) -> "Tensor": return ops.Erf.apply(self)
    def square(self) -> "Tensor": return self * self
    def sign(self) -> "Tensor": return Tensor._make(np.sign(self.data), False, None)

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min and max")
        return ops.Clamp.apply(self, lo=min, hi=max)

    clip = clamp
    def maximum(self, other: Any) -> "Tensor": return ops.Maximum.apply(self, _operand(other))
    def minimum(self, other: Any) -> "Tensor": return ops.Minimum.apply(self, _operand(other))

    # --- comparisons (bool tensors, no gradient) --------------------------------------

    def _compare(self, other: Any, fn: Callable) -> "Tensor":
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._make(np.asarray(fn(self.data, other)), False, None)

    def __lt__(self, other: Any) -> "Tensor": return self._compare(other, operator.lt)
    def __le__(self, other: Any) -> "Tensor": return self._compare(other, operator.le)
    def __gt__(self, other: Any) -> "Tensor": return self._compare(other, operator.gt)
    def __ge__(self, other: Any) -> "Tensor": return self._compare(other, operator.ge)
    def __eq__(self, other: Any) -> "Tensor": return self._compare(other, operator.eq)  # type: ignore[override]
    def __ne__(self, other: Any) -> "Tensor": return self._compare(other, operator.ne)  # type: ignore[override]
    def __and__(self, other: Any) -> "Tensor": return self._compare(other, operator.and_)
    def __or__(self, other: Any) -> "Tensor": return self._compare(other, operator.or_)
    def __invert__(self) -> "Tensor": return Tensor._make(~self.data, False, None)
    def eq(self, other: Any) -> "Tensor": return self == other
    def all(self) -> "Tensor": return Tensor._make(np.asarray(self.data.all()), False, None)
    def any(self) -> "Tensor": return Tensor._make(np.asarray(self.data.any()), False, None)

    # --- reductions: sum / mean / max / min / var / std / argmax ----------------------

    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> "Tensor":
        keep = keepdim if keepdims is None else keepdims
        if dim is None and axis is None:
            return ops.Sum.apply(self, axis=None, keepdims=keep)
        return ops.Sum.apply(self, axis=_axis(dim, axis), keepdims=keep)

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> "Tensor":
        d = _axis(dim, axis)
        total = self.sum(d, keepdim if keepdims is None else keepdims)
        return total * (total.data.size / max(self.data.size, 1)) if self.data.size else total

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> "Tensor":
        """The largest values along ``dim`` (values only; see ``argmax`` for indices)."""
        keep = keepdim if keepdims is None else keepdims
        return ops.Max.apply(self, axis=_axis(dim, axis), keepdims=keep)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> "Tensor":
        keep = keepdim if keepdims is None else keepdims
        return ops.Min.apply(self, axis=_axis(dim, axis), keepdims=keep)

    def var(self, dim: Any = None, keepdim: bool = False, *, correction: int = 1,
            unbiased: bool | None = None, axis: Any = None,
            keepdims: bool | None = None) -> "Tensor":
        """Variance with Bessel's correction by default (as PyTorch)."""
        d = _axis(dim, axis)
        keep = keepdim if keepdims is None else keepdims
        if unbiased is not None:
            correction = int(unbiased)
        centred = self - self.mean(d, keepdim=True)
        n = self.data.size // max(np.sum(self.data, axis=d, keepdims=True).size, 1)
        return (centred * centred).sum(d, keep) / max(n - correction, 0)

    def std(self, dim: Any = None, keepdim: bool = False, *, correction: int = 1,
            unbiased: bool | None = None, axis: Any = None,
            keepdims: bool | None = None) -> "Tensor":
        return self.var(dim, keepdim, correction=correction, unbiased=unbiased, axis=axis,
                        keepdims=keepdims).sqrt()

    def argmax(self, dim: int | None = None, keepdim: bool = False, *,
               axis: int | None = None, keepdims: bool | None = None) -> "Tensor":
        keep = keepdim if keepdims is None else keepdims
        return Tensor._make(np.asarray(self.data.argmax(axis=_axis(dim, axis), keepdims=keep)),
                            False, None)

    def argmin(self, dim: int | None = None, keepdim: bool = False, *,
               axis: int | None = None, keepdims: bool | None = None) -> "Tensor":
        keep = keepdim if keepdims is None else keepdims
        return Tensor._make(np.asarray(self.data.argmin(axis=_axis(dim, axis), keepdims=keep)),
                            False, None)

    # --- shape: reshape / view / flatten / transpose / permute / squeeze / expand -----

    def reshape(self, *shape: Any) -> "Tensor":
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) \
            else shape
        return self._view_of(ops.Reshape.apply(self, shape=shape), "reshape")

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        s = self.shape
        if not s:
            return self.reshape(1)
        start, end = start_dim % len(s), end_dim % len(s)
        return self.reshape(s[:start] + (-1,) + s[end + 1:])

    def permute(self, *axes: Any) -> "Tensor":
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(a % max(self.ndim, 1) for a in axes)
        return self._view_of(ops.Permute.apply(self, axes=axes), "permute", axes)

    def transpose(self, *dims: Any) -> "Tensor":
        """PyTorch's ``transpose(dim0, dim1)`` swaps two axes; with another number of
        arguments it is numpy's permutation (``transpose()`` reverses the axes)."""
        if len(dims) == 2:
            order = list(range(self.ndim))
            a, b = dims[0] % self.ndim, dims[1] % self.ndim
            order[a], order[b] = order[b], order[a]
            return self.permute(*order)
        return self.permute(*dims) if dims else self.T

    def swapaxes(self, a: int, b: int) -> "Tensor": return self.transpose(a, b)

    def squeeze(self, dim: int | None = None) -> "Tensor":
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        if self.shape[dim] != 1:
            return self
        return self.reshape(self.shape[:dim % self.ndim] + self.shape[dim % self.ndim + 1:])

    def unsqueeze(self, dim: int) -> "Tensor":
        d = dim % (self.ndim + 1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def expand(self, *shape: Any) -> "Tensor":
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) \
            else shape
        # PyTorch's -1 keeps the existing size
        lead = len(shape) - self.ndim
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
        return self._view_of(ops.Expand.apply(self, shape=shape))

    def __getitem__(self, index: Any) -> "Tensor":
        index = _index(index)
        return self._view_of(ops.GetItem.apply(self, index=index), "index", index)

    def __iter__(self) -> Iterable["Tensor"]:
        return (self[i] for i in range(len(self)))

    # --- in-place ops (each bumps the version counter) --------------------------------

    def _inplace(self, op: Any, *args: Any, _name: str = "", **params: Any) -> "Tensor":
        """Apply ``op`` to self in place.

        Outside a graph this is plain numpy on the array. Inside one, the op's node is
        recorded as if out of place and the result is copied into this tensor's array;
        the version counter then catches any earlier node that saved the old values.
        """
        name = _name or op.__name__.lower() + "_"
        tracked = autograd._grad_enabled and (self.requires_grad or any(
            isinstance(a, Tensor) and a.requires_grad for a in args))
        if not tracked:
            arrays = [a.data if isinstance(a, Tensor) else a for a in args]
            ufunc = _INPLACE_UFUNCS.get(op)
            if ufunc is not None:
                ufunc(self.data, arrays[0], out=self.data, casting="same_kind")
            elif op is ops.SetItem:
                self.data[params["index"]] = arrays[0]
            else:
                np.copyto(self.data, op().forward(self.data, *arrays, **params),
                          casting="same_kind")
            self._version[0] += 1
            return self
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad (shape {self.shape}) "
                "cannot be changed in place; wrap the update in `with ta.no_grad():`")
        root = self
        while root._base is not None:
            root = root._base[0]
        if root is not self and root.requires_grad and root.grad_fn is None:
            raise RuntimeError(
                f"{name}: a view of a leaf tensor that requires grad (shape "
                f"{root.shape}) cannot be changed in place; wrap the update in "
                "`with ta.no_grad():`")
        # The op's node may save the old values: give it a copy so they survive the write.
        old = self.data.copy() if 0 in op.save_inputs else self.data
        snapshot = Tensor._make(old, self.requires_grad, self.grad_fn)
        if old is self.data:
            snapshot._version = self._version
        out = op.apply(snapshot, *args, **params)
        np.copyto(self.data, out.data, casting="same_kind")
        self._version[0] += 1
        node = out.grad_fn
        if op.save_output:  # point the node at this array, at its new version
            node.saved[-1] = self.data
            node.versions[-1] = (self._version, self._version[0])
        self.grad_fn, self.requires_grad = node, True
        self._sync_views()
        if self._base is not None:
            self._rebase()
        return self

    def add_(self, other: Any) -> "Tensor": return self._inplace(ops.Add, _operand(other))
    def sub_(self, other: Any) -> "Tensor": return self._inplace(ops.Sub, _operand(other))
    def mul_(self, other: Any) -> "Tensor": return self._inplace(ops.Mul, _operand(other))
    def div_(self, other: Any) -> "Tensor": return self._inplace(ops.Div, _operand(other))

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":
        return self._inplace(ops.Clamp, lo=min, hi=max)

    def zero_(self) -> "Tensor":
        return self._inplace(ops.SetItem, 0, index=Ellipsis, _name="zero_")

    def fill_(self, value: Any) -> "Tensor":
        return self._inplace(ops.SetItem, _operand(value), index=Ellipsis, _name="fill_")

    def __iadd__(self, other: Any) -> "Tensor": return self.add_(other)
    def __isub__(self, other: Any) -> "Tensor": return self.sub_(other)
    def __imul__(self, other: Any) -> "Tensor": return self.mul_(other)
    def __itruediv__(self, other: Any) -> "Tensor": return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._inplace(ops.SetItem, _operand(value), index=_index(index), _name="__setitem__")

    # --- activations: relu / leaky_relu / sigmoid / tanh / softmax / ... --------------
    # Each is one entry of the registry in activations.py; these lines only route to it.

    def relu(self) -> "Tensor": return _activation("relu", self)
    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor":
        return _activation("leaky_relu", self, negative_slope=negative_slope)
    def sigmoid(self) -> "Tensor": return _activation("sigmoid", self)
    def tanh(self) -> "Tensor": return _activation("tanh", self)
    def softmax(self, dim: int = -1, *, axis: int | None = None) -> "Tensor":
        return _activation("softmax", self, dim=_axis(dim if axis is None else None, axis))
    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> "Tensor":
        return _activation("log_softmax", self,
                                 dim=_axis(dim if axis is None else None, axis))
    def elu(self, alpha: float = 1.0) -> "Tensor":
        return _activation("elu", self, alpha=alpha)
    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> "Tensor":
        return _activation("softplus", self, beta=beta, threshold=threshold)
    def silu(self) -> "Tensor": return _activation("silu", self)
    def gelu(self, approximate: str = "none") -> "Tensor":
        return _activation("gelu", self, approximate=approximate)
    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> "Tensor":
        return _activation("hardtanh", self, min_val=min_val, max_val=max_val)
    def maxout(self, pieces: int, dim: int = -1) -> "Tensor":
        return _activation("maxout", self, pieces=pieces, dim=dim)

    # in place: legal because these rules need only the output
    def relu_(self) -> "Tensor": return _activation_("relu", self)
    def sigmoid_(self) -> "Tensor": return _activation_("sigmoid", self)
    def tanh_(self) -> "Tensor": return _activation_("tanh", self)
    def leaky_relu_(self, negative_slope: float = 0.01) -> "Tensor":
        return _activation_("leaky_relu", self, negative_slope=negative_slope)

    def __getattr__(self, name: str) -> Any:
        """Activations registered by users become methods too (``x.softsign()``)."""
        if not name.startswith("__"):
            base, inplace = (name[:-1], True) if name.endswith("_") else (name, False)
            if base in _registry:
                route = _activation_ if inplace else _activation
                return lambda **params: route(base, self, **params)
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")

    # --- numpy interoperability -------------------------------------------------------

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Let numpy ufuncs take Tensors: ``np.exp(t)`` is ``t.exp()`` and stays in the
        graph, so a backward rule written with numpy works under create_graph too."""
        if method != "__call__" or kwargs:
            return NotImplemented
        fn = _UFUNCS.get(ufunc)
        if fn is not None:
            return fn(*[x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)
                        for x in inputs])
        if any(isinstance(x, Tensor) and x.requires_grad for x in inputs) \
                and ufunc not in _NON_DIFFERENTIABLE:
            raise TypeError(f"numpy.{ufunc.__name__} is not differentiable in tinygrad_acts; "
                            f"use Tensor methods (got shapes "
                            f"{[np.shape(x) for x in inputs]})")
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        return Tensor._make(np.asarray(ufunc(*arrays)), False, None)


class RemovableHandle:
    """Returned by ``register_hook``: call ``remove()`` to unregister the hook."""

    def __init__(self, hooks: list, hook: Callable):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _operand(x: Any) -> Any:
    """A Tensor stays; a Python number stays (a constant); anything else becomes a Tensor."""
    if isinstance(x, (Tensor, int, float, bool)):
        return x
    if type(x) is np.ndarray and x.dtype.kind in "fiub":  # the common case, without checks
        return Tensor._make(x, False, None)
    return Tensor(x)


_UFUNCS: dict = {
    np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
    np.true_divide: operator.truediv, np.power: operator.pow, np.matmul: operator.matmul,
    np.negative: operator.neg, np.absolute: operator.abs, np.exp: Tensor.exp,
    np.expm1: Tensor.expm1, np.log: Tensor.log, np.log1p: Tensor.log1p, np.sqrt: Tensor.sqrt,
    np.tanh: Tensor.tanh, np.square: Tensor.square, np.maximum: Tensor.maximum,
    np.minimum: Tensor.minimum,
}
_NON_DIFFERENTIABLE = {np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
                       np.not_equal, np.sign, np.isfinite, np.isnan, np.isinf, np.floor,
                       np.ceil, np.logical_and, np.logical_or, np.logical_not, np.invert,
                       np.bitwise_and, np.bitwise_or}


# --- factories ------------------------------------------------------------------------


def _shape(size: tuple) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def _new(arr: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad:
        _check_float(arr, "factory")
    return Tensor._make(arr, bool(requires_grad), None)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor with a copy of ``data`` (lists, scalars, ndarrays).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    arr = _as_array(data, dtype)
    if requires_grad:
        _check_float(arr, "tensor")
    return _new(arr.copy() if arr is data or isinstance(data, Tensor) else arr, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (dtype kept)."""
    return Tensor._make(np.asarray(array), False, None)


def _float(dtype: Any) -> np.dtype:
    return _default_dtype if dtype is None else np.dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_shape(size), _float(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """As torch.full: the dtype follows the fill value (int -> int64, bool -> bool)."""
    if dtype is None and isinstance(fill_value, (bool, int, np.integer, np.bool_)):
        dtype = np.bool_ if isinstance(fill_value, (bool, np.bool_)) else np.int64
    return _new(np.full(_shape((size,)), fill_value, _float(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(t.shape, dtype or t.dtype), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the package generator (see ``manual_seed``)."""
    return _new(_rng.standard_normal(_shape(size)).astype(_float(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the package generator."""
    return _new(_rng.random(_shape(size)).astype(_float(dtype)), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like PyTorch: integers give int64, any float gives the default float dtype."""
    if end is None:
        start, end = 0, start
    arr = np.arange(start, end, step)
    if dtype is not None or arr.dtype.kind == "f":
        arr = arr.astype(_float(dtype))
    return _new(arr, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def cat(tensors: list, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension."""
    d = _axis(dim if axis is None else None, axis)
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    try:
        return ops.Cat.apply(*tensors, axis=d)
    except ValueError as e:
        raise ValueError(f"cat: {e} (shapes {[t.shape for t in tensors]}, dim={d})") from None


def stack(tensors: list, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along a new dimension."""
    d = _axis(dim if axis is None else None, axis)
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    try:
        return ops.Stack.apply(*tensors, axis=d)
    except ValueError as e:
        raise ValueError(f"stack: {e} (shapes {[t.shape for t in tensors]})") from None


def where(condition: Any, a: Any, b: Any) -> Any:
    """``condition ? a : b`` elementwise; differentiable in a and b."""
    return ops.where(condition, a, b)


def maximum(a: Tensor, b: Any) -> Tensor: return a.maximum(b)
def minimum(a: Tensor, b: Any) -> Tensor: return a.minimum(b)


# Imported last: these modules build on Tensor (ops and activations subclass Function).
from . import autograd, ops  # noqa: E402
from .activations import apply as _activation  # noqa: E402
from .activations import apply_ as _activation_  # noqa: E402
from .activations import registry as _registry  # noqa: E402
_INPLACE_UFUNCS = {ops.Add: np.add, ops.Sub: np.subtract, ops.Mul: np.multiply,
                   ops.Div: np.true_divide}
