"""Tensor: an ndarray plus what autograd needs (requires_grad, grad, grad_fn, a version).

Every method is written out, one line where possible, grouped under banners, so
``grep "def sigmoid"`` finds it. The math lives in ``ops.py`` (basic ops) and
``activations.py`` (the registry); this file only routes to it.
"""
from __future__ import annotations

import builtins
import math
import operator
import sys
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Literal

import numpy as np

from . import autograd, dtypes, ops, printing, return_types
from .activations import apply as _activation
from .activations import apply_prelu as _prelu
from .activations import inplace_node as _inplace_node
from .activations import registry as _registry
from .devices import CPU_DEVICE
from .dtypes import get_default_dtype, set_default_dtype  # noqa: F401 (re-exported)
from .index_keys import is_advanced as _is_advanced
from .index_keys import one_mask as _one_mask
from .index_keys import read_index as _index
from .size import Size, dim_int, shape_of
from .size import size_arg as _size_arg

# --- dtype defaults and the package-level random generator ------------------------------

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the package's random generator (randn, rand, Dropout, Linear's init, ...).

    The generator object stays the same (its state is reset), so a generator a user
    already holds from ``generator()`` is reseeded too, as in PyTorch.
    """
    _rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    return _rng


def generator() -> np.random.Generator:
    """The package's random generator (use it for reproducible randomness)."""
    return _rng


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


def _dim(who: str, t: Tensor, dim: Any, extra: int = 0) -> int:
    """``dim`` as a non-negative index into t's dims (``extra=1``: one past the end, for
    unsqueeze); out of range is an IndexError naming the op, the dim and the shape."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        dim = dim_int(who, dim)  # a 0-d integer tensor too, as torch; else a TypeError
    n = max(t.ndim + extra, 1)  # NOTE: a 0-d tensor takes dim 0 or -1, as in PyTorch
    if not -n <= dim < n:
        raise IndexError(f"{who}: dim {dim} is out of range for a tensor of shape {t.shape} "
                         f"(expected a dim in [{-n}, {n - 1}])")
    return int(dim) % n


def _required_dim(who: str, dim: Any, axis: Any) -> Any:
    d = _axis(dim, axis)
    if d is None:
        raise TypeError(f"{who}() missing 1 required positional argument: 'dim'")
    return d


def _dims(who: str, t: Tensor, dim: Any, axis: Any) -> Any:
    """The reduced dims (``dim``, or numpy's alias ``axis``): None for all, an int, or a
    tuple of distinct ints, each checked against t's shape."""
    d = _axis(dim, axis)
    if d is None:
        return None
    if isinstance(d, tuple):
        dims = tuple(_dim(who, t, i) for i in d)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{who}: dim {d} repeats a dim (shape {t.shape})")
        return dims if t.ndim else None
    d = _dim(who, t, d)  # NOTE: checked on a 0-d tensor too: only 0 and -1 are its dims
    return d if t.ndim else None


def _fits(shape: tuple, size: int) -> bool:
    """Whether ``size`` elements can take ``shape`` (with at most one -1, inferred)."""
    known = math.prod(n for n in shape if n != -1)
    return known == size if -1 not in shape else known > 0 and size % known == 0


def _invalid_shape(who: str, t: Tensor, shape: tuple) -> RuntimeError:
    """torch's message, with both element counts: what the tensor has, what the shape holds."""
    known = math.prod(n for n in shape if n != -1)
    holds = f"a multiple of {known}" if -1 in shape else known
    return RuntimeError(f"{who}: shape '{list(shape)}' is invalid for input of size "
                        f"{t._array.size} (a tensor of shape {t.shape}, {t._array.size} elements; "
                        f"the shape holds {holds})")


def _check_shape(who: str, t: Tensor, shape: tuple) -> tuple:
    if sum(n == -1 for n in shape) > 1 or any(n < -1 for n in shape):
        raise RuntimeError(f"{who}: invalid shape {shape} for a tensor of shape {t.shape}: "
                           "sizes must be >= 0, with at most one -1 (inferred)")
    return shape


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

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_counter", "_retains_grad",
                 "_hooks", "_base", "_views", "__weakref__")
    _grad: Tensor | None
    grad_fn: Any
    _counter: list[int]  # the version counter, one list shared by a base and its views
    _hooks: list | None
    _retains_grad: Any  # False, or retain_grad()'s hook
    _base: tuple[Tensor, str, Any] | None  # (base, how: see _view_of, arg)
    _views: weakref.WeakSet | None
    __array_priority__ = 1000  # ndarray <op> Tensor lets the Tensor answer
    _no_edge = False  # True for a view made under no_grad (see _NoGradViewTensor)
    _stale_with_base = False  # True for the views whose own views are marked like them

    def __init__(self, *args: Any, **kwargs: Any):
        _construct(self, args, kwargs)  # torch.Tensor's constructor: see creation.py

    def _init(self, data: Any, requires_grad: Any, dtype: Any) -> None:
        self._data = _as_array(data, dtype)
        if requires_grad:
            _check_float(self._array, "Tensor")
        self._requires_grad = bool(requires_grad)
        self._grad = None
        self.grad_fn = None
        self._counter = [0]
        self._retains_grad = False
        self._hooks = None
        self._base = None  # (base, "index" | "reshape" | "permute" | "expand", arg) for a
        # view made in grad mode; (base, _NO_GRAD_VIEW, base's version then) under no_grad
        self._views = None  # a WeakSet of the views of this tensor that views.sync updates

    @staticmethod
    def _wrap(data: Any, requires_grad: Any = False, dtype: Any = None) -> Tensor:
        """The framework's own wrapping of data: an ndarray keeps its dtype and memory (the
        public constructor ``Tensor(data)`` is torch's, which makes the default float)."""
        t = Tensor.__new__(Tensor)
        t._init(data, requires_grad, dtype)
        return t

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Wrap an array without any checks (the engine's fast path)."""
        t = Tensor.__new__(Tensor)
        t._data, t._requires_grad, t._grad, t.grad_fn = data, requires_grad, None, grad_fn
        t._counter, t._retains_grad, t._hooks, t._base, t._views = [0], False, None, None, None
        return t

    def _view_of(self, out: Tensor, how: str, arg: Any = None) -> Tensor:
        """``out``, made by a shape op or basic indexing; if its array is a numpy view of
        this tensor's, it shares the version counter (PyTorch's rule), so an in-place change
        through either one is caught by every node that saved the other's array, and it
        remembers how it views this tensor (see ``views.rebase``)."""
        owner = self._array if self._array.base is None else self._array.base
        if getattr(out._array, "base", None) is owner:
            out._counter = self._counter
            # A view made while recording links back, so that an in-place change through
            # it gives its base a graph (views.rebase), and one of its base gives it one
            # (views.sync); one made under no_grad is marked (as torch, it may not change
            # in place in grad mode). A WeakSet forgets views that are gone.
            if autograd.is_recording():
                out._base = (self, how, arg)
                if self._views is None:
                    self._views = weakref.WeakSet()
                self._views.add(out)
                if self._stale_with_base:  # stale with it, as in PyTorch
                    out.__class__ = type(self)
            else:
                out._base = (self, _NO_GRAD_VIEW, self._counter[0])
                if self.requires_grad:  # PyTorch's view then requires grad, as a leaf
                    out._requires_grad, out.__class__ = True, _NoGradViewTensor
                if self._views is None:  # it follows this tensor's requires_grad (and its
                    self._views = weakref.WeakSet()  # graph, see views.sync)
                self._views.add(out)
        return out

    def _set_graph(self, node: Any) -> None:
        """This tensor's value was changed in place inside a graph: ``node`` makes it now.
        Hooks stay with the old value; ``retain_grad()`` follows the new one (PyTorch)."""
        old, self.grad_fn, self._requires_grad = self.grad_fn, node, True
        keep = self._retains_grad
        if keep:
            if old is not None and old.hooks and keep in old.hooks:
                old.hooks.remove(keep)
            if node.hooks is None:
                node.hooks = []
            node.hooks.append(keep)

    def _renew_views(self) -> None:
        """After an in-place change outside the graph, give every view of this memory a new
        node, as torch regenerates a view's grad_fn once its version moved: hooks stay with
        the old node, and grad() with respect to the view sees none of its earlier uses."""
        root = self
        while root._base is not None and root._base[1] not in (_NO_GRAD_VIEW, _MULTI_OUTPUT):
            root = root._base[0]
        if root._base is not None and root._base[1] is _NO_GRAD_VIEW:
            return  # its views are stale with it (see _NoGradViewTensor), as in torch
        if root.requires_grad and root._views and not autograd._state.inference:
            with autograd.enable_grad():
                _views.sync(root)

    # --- properties -------------------------------------------------------------------

    def _set_data(self, value: Any) -> None:
        """``t.data = value``: as torch, the values of another Tensor (its array, shared, its
        graph not followed; shape and dtype may change), or an ndarray; nothing else."""
        if isinstance(value, Tensor):
            value = value._data
        elif not isinstance(value, np.ndarray):
            raise TypeError(f"data: a tensor's data must be set to a Tensor or an ndarray, got "
                            f"{type(value).__name__} (tensor shape {self._data.shape})")
        self._data = value

    #: The ndarray itself, shared: the framework's own access to the values.
    _array = property(operator.attrgetter("_data"), _set_data)

    def _get_data(self) -> Tensor:
        """``t.data``: as torch, a new Tensor sharing the values, outside the graph and with a
        version counter of its own (so changes through it are invisible to autograd)."""
        return Tensor._make(self._data, False, None)

    data = property(_get_data, _set_data)
    #: How many in-place changes this tensor's memory has had (torch's ``_version``).
    _version = property(lambda self: self._counter[0])

    @property
    def shape(self) -> Size:
        return shape_of(Size, self._array.shape)

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def T(self) -> Tensor:
        return self._permute(tuple(range(self.ndim - 1, -1, -1)))

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def device(self) -> Any:
        return CPU_DEVICE  # torch.device("cpu"): .type, .index, its repr

    def size(self, dim: int | None = None) -> Any:
        return shape_of(Size, self._array.shape) if dim is None else self._array.shape[dim]

    def dim(self) -> int: return self._array.ndim
    def numel(self) -> int: return self._array.size
    def __len__(self) -> int:
        if not self._array.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self._array)

    # --- conversion -------------------------------------------------------------------

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray, shared, not copied (as in PyTorch)."""
        return self._array

    def item(self) -> Any:
        if self._array.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"scalar; this one has shape {self.shape}")
        return self._array.item()

    def tolist(self) -> Any: return self._array.tolist()
    def __float__(self) -> float: return float(self.item())
    def __int__(self) -> int: return int(self.item())
    def __index__(self) -> int: return operator.index(self.item())
    def __bool__(self) -> bool: return bool(self._array)
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """numpy's access: shared (``np.asarray(t)``), but ``np.array(t)`` (numpy passes
        ``copy=True``) copies, as with torch's tensors."""
        a = self._array if dtype is None else self._array.astype(dtype)
        return a.copy() if copy and a is self._array else a

    def astype(self, dtype: Any) -> Tensor:
        """A dtype conversion (a no-op when the dtype already matches), differentiable
        between float dtypes; to an integer or bool dtype it leaves the graph, as in torch."""
        dtype = np.dtype(dtype)
        if dtype == self._array.dtype:
            return self
        if dtype.kind != "f":
            return Tensor._make(self._array.astype(dtype), False, None)
        return ops.Cast.apply(self, dtype=dtype)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and the version counter)."""
        t = Tensor._make(self._array, False, None)
        t._counter = self._counter
        return t

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy of the data that stays in the graph, in torch's layout (preserve_format: a
        transpose's clone is a transpose, a slice's is compact, an expand's row-major)."""
        if memory_format is not None:  # (contiguous_format, channels_last: see creation.py)
            return relaid("clone", self.clone(), memory_format, preserve=True)
        if not self.requires_grad:
            return Tensor._make(self._array.copy(order=preserved(self._array)), False, None)
        # NOTE: + (-0.0) is exact for every value (+ 0.0 would turn -0.0 into 0.0)
        return ops.Add.apply(self, np.array(-0.0, dtype=self.dtype))  # (numpy's K layout)

    def __repr__(self) -> str:
        """torch's layout and number format (printing.py; ta.set_printoptions changes it)."""
        return printing.tensor_repr(self)

    __hash__ = object.__hash__

    # --- autograd ---------------------------------------------------------------------

    def bump_version(self) -> None:
        """Record that this tensor's array was changed in place behind the ops' back (an
        optimizer's update, a loaded state): nodes that saved it will refuse to use it."""
        self._counter[0] += 1

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; "
                               "use detach() to make a new leaf")
        if not self.is_leaf:  # a non-leaf already requires grad: a no-op, as in torch
            return self
        self._leaf_requires_grad("requires_grad_", requires_grad)
        return self

    def _leaf_requires_grad(self, who: str, flag: Any) -> None:
        if flag:
            _check_float(self._array, who)
            if type(self) is _NoGradViewTensor:  # NOTE: as torch, a leaf of its own now
                self.__class__ = Tensor  # type: ignore[assignment]
        elif self._base is not None and self._base[1] is _NO_GRAD_VIEW and \
                self._base[0].requires_grad:
            return  # NOTE: as torch, a no_grad view requires grad while its base does
        self._requires_grad = bool(flag)
        stack = [self] if self._base is None else []  # as in torch, the views of a tensor
        while stack:  # (that is not a view) with no graph follow it
            for view in list(stack.pop()._views or ()):
                if _GRAD_FN.__get__(view) is None:
                    view._requires_grad = self._requires_grad
                    view.__class__ = _NoGradViewTensor if flag else Tensor
                    stack.append(view)

    def _set_requires_grad(self, flag: Any) -> None:
        """``t.requires_grad = flag``: as ``requires_grad_(flag)`` for a leaf; a non-leaf
        refuses either value (torch's rule)."""
        if self.grad_fn is None:
            self._leaf_requires_grad("requires_grad", flag)
        elif self._requires_grad:  # NOTE: else an op's output half made (custom_function)
            raise RuntimeError("requires_grad: you can only change requires_grad flags of leaf "
                               f"variables (this one, of shape {self.shape}, was computed by "
                               f"{self.grad_fn.name}); use .detach() for a tensor without "
                               "a graph")
        else:
            self._requires_grad = bool(flag)

    #: Whether ops on this tensor are recorded (set on leaves only, as torch's).
    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (only into ``inputs``'
        when given).

        ``gradient`` is required when self is not a scalar (it is the vector in the
        vector-Jacobian product). Without ``retain_graph=True`` the saved arrays are freed.
        """
        if inputs is not None:
            from .autograd_backward import backward  # (torch.autograd.backward)
            return backward(self, gradient, retain_graph, create_graph, inputs)
        g = autograd._root_grad(self, gradient, "backward", create_graph)
        keep = create_graph if retain_graph is None else retain_graph
        autograd.run_backward([self], [g], keep, create_graph)

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward accumulated into this tensor (None until then). Assigned,
        it must be None or a Tensor of this tensor's shape and dtype (torch's checks)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor too after backward."""
        if not self._requires_grad:
            raise RuntimeError(f"retain_grad: can't retain_grad on Tensor that has "
                               f"requires_grad=False (shape {self.shape})")
        if self.is_leaf or self._retains_grad:
            return
        ref = weakref.ref(self)

        def keep(grad: Tensor) -> None:
            t = ref()
            if t is None:
                return
            if t.grad is not None:
                t.grad = t.grad + grad
            elif grad.requires_grad and not autograd.is_recording():
                t.grad = grad.detach().clone()  # NOTE: torch's, outside create_graph
            else:  # NOTE: a copy, as torch's: the same array flows on to the inputs' .grad
                t.grad = grad.clone()

        self.register_hook(keep)
        self._retains_grad = keep  # the hook, to move it along an in-place change

    def register_hook(self, hook: Callable) -> RemovableHandle:
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
        keep = self._retains_grad
        # NOTE: retain_grad's hook runs last, so .grad is what the other hooks made (torch)
        hooks.insert(hooks.index(keep) if keep and keep in hooks else len(hooks), hook)
        return RemovableHandle(hooks, hook)

    # --- arithmetic: + - * / ** @ and their reflected forms ---------------------------

    def __add__(self, other: Any) -> Tensor: return _binary(ops.Add, self, other)
    def __radd__(self, other: Any) -> Tensor: return _binary(ops.Add, other, self)
    def __sub__(self, other: Any) -> Tensor: return _binary(ops.Sub, self, other)
    def __rsub__(self, other: Any) -> Tensor: return _binary(ops.Sub, other, self)
    def __mul__(self, other: Any) -> Tensor: return _binary(ops.Mul, self, other)
    def __rmul__(self, other: Any) -> Tensor: return _binary(ops.Mul, other, self)
    def __truediv__(self, other: Any) -> Tensor: return _binary(ops.Div, self, other)
    def __rtruediv__(self, other: Any) -> Tensor:
        if type(other) in (float, int) and other == 0 and self._array.dtype.kind == "f":
            with np.errstate(invalid="ignore", divide="ignore"):  # NOTE: torch's 0 / x, which
                return self.reciprocal() * other  # keeps 1 / x, not x (and 0 * inf is nan)
        return _binary(ops.Div, other, self)

    def __pow__(self, other: Any) -> Tensor: return _power(self, other)
    def __rpow__(self, other: Any) -> Tensor: return _power(other, self)
    def __floordiv__(self, other: Any) -> Tensor: return _division(ops.FloorDivide, self, other)
    def __rfloordiv__(self, other: Any) -> Tensor: return _division(ops.FloorDivide, other, self)
    def __mod__(self, other: Any) -> Tensor: return _division(ops.Remainder, self, other)
    def __rmod__(self, other: Any) -> Tensor: return _division(ops.Remainder, other, self)
    def __matmul__(self, other: Any) -> Tensor: return _matmul(self, other)
    def __rmatmul__(self, other: Any) -> Tensor: return _matmul(other, self)
    def __neg__(self) -> Tensor: return ops.Neg.apply(_not_bool(self, "neg", RuntimeError))
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return ops.Abs.apply(_not_bool(self, "abs", NotImplementedError))

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self + (other if alpha == 1 else _scaled(self, other, alpha))
    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self - (other if alpha == 1 else _scaled(self, other, alpha))
    def mul(self, other: Any) -> Tensor: return self * other
    def floor_divide(self, other: Any) -> Tensor: return self // other
    def remainder(self, other: Any) -> Tensor: return self % other
    def pow(self, other: Any) -> Tensor: return self ** other
    def matmul(self, other: Any) -> Tensor: return self @ other
    def neg(self) -> Tensor: return -self
    def abs(self) -> Tensor: return abs(self)

    # --- elementwise math: exp / log / sqrt / ... -------------------------------------

    def exp(self) -> Tensor: return ops.Exp.apply(_floating(self))
    def expm1(self) -> Tensor: return ops.Expm1.apply(_floating(self))
    def log(self) -> Tensor: return ops.Log.apply(_floating(self))
    def log1p(self) -> Tensor: return ops.Log1p.apply(_floating(self))
    def sqrt(self) -> Tensor: return ops.Sqrt.apply(_floating(self))
    def erf(self) -> Tensor: return ops.Erf.apply(_floating(self))
    def square(self) -> Tensor: return self * self if self._array.dtype != np.bool_ else self ** 2
    def sign(self) -> Tensor:
        """-1, 0 or 1 (0 for nan, a bool tensor unchanged), with a zero gradient (torch)."""
        x = self._array
        out = x.copy() if x.dtype == np.bool_ else np.sign(x)
        if x.dtype.kind == "f":
            out = np.where(np.isnan(out), np.zeros((), x.dtype), out)
        sign = Tensor._make(np.asarray(out, x.dtype), False, None)
        return ops.DependsOn.apply(sign, self) if self.requires_grad else sign

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Clip to [min, max]; each bound a number, a Tensor (differentiable) or None. The
        result has PyTorch's promoted dtype (an int tensor clamped to 0.5 is float32)."""
        return ops.Clamp.apply(*_clamp_operands("clamp", self, min, max))

    clip = clamp
    def maximum(self, other: Tensor) -> Tensor:
        return _binary(ops.Maximum, self, _tensor_arg("maximum", other))
    def minimum(self, other: Tensor) -> Tensor:
        return _binary(ops.Minimum, self, _tensor_arg("minimum", other))

    # --- comparisons and logic (bool or integer tensors, no gradient) ------------------

    def _compare(self, other: Any, fn: Callable) -> Any:
        """``fn`` on the operands brought to PyTorch's promoted dtype first (a float32
        tensor against a float64 0-d tensor compares in float32, as torch does); a Python
        int meets an integer tensor as its dtype holds it (uint8's ``== -1`` is ``== 255``)."""
        a = self._array
        if isinstance(other, Tensor):
            if other._array.dtype == a.dtype:
                return Tensor._make(np.asarray(fn(a, other._array)), False, None)
        elif type(other) is float and a.dtype.kind == "f":
            return Tensor._make(np.asarray(fn(a, other)), False, None)  # numpy agrees
        elif type(other) is int and a.dtype.kind in "iuf":
            return Tensor._make(np.asarray(fn(a, _int_operand(other, a.dtype))), False, None)
        elif isinstance(other, _SEQUENCES):  # NOTE: torch: x == [..] (or a Size) is False
            return NotImplemented
        try:
            other = _operand(other)
        except TypeError:
            return NotImplemented  # x == None is False, x < None a TypeError (torch)
        dtype = dtypes.result_type(self, other)
        if type(other) is int:
            other = _int_operand(other, dtype)
        b = _cast(_array(other), dtype)
        a = a.astype(dtype, order=preserved(a), copy=False)  # (an expand's: row-major)
        return Tensor._make(np.asarray(fn(a, b)), False, None)

    def __lt__(self, other: Any) -> Tensor: return self._compare(other, operator.lt)
    def __le__(self, other: Any) -> Tensor: return self._compare(other, operator.le)
    def __gt__(self, other: Any) -> Tensor: return self._compare(other, operator.gt)
    def __ge__(self, other: Any) -> Tensor: return self._compare(other, operator.ge)
    def __eq__(self, other: Any) -> Tensor: return self._compare(other, operator.eq)  # type: ignore[override]
    def __ne__(self, other: Any) -> Tensor: return self._compare(other, operator.ne)  # type: ignore[override]
    def __and__(self, other: Any) -> Tensor: return _bitwise(operator.and_, self, other)
    def __rand__(self, other: Any) -> Tensor: return _bitwise(operator.and_, other, self)
    def __or__(self, other: Any) -> Tensor: return _bitwise(operator.or_, self, other)
    def __ror__(self, other: Any) -> Tensor: return _bitwise(operator.or_, other, self)
    def __xor__(self, other: Any) -> Tensor: return _bitwise(operator.xor, self, other)
    def __rxor__(self, other: Any) -> Tensor: return _bitwise(operator.xor, other, self)
    def __iand__(self, other: Any) -> Tensor: return self._bitwise_(operator.and_, other)
    def __ior__(self, other: Any) -> Tensor: return self._bitwise_(operator.or_, other)
    def __ixor__(self, other: Any) -> Tensor: return self._bitwise_(operator.xor, other)
    def __invert__(self) -> Tensor: return Tensor._make(~self._array, False, None)

    def _bitwise_(self, fn: Callable, other: Any) -> Tensor:
        out = _bitwise(fn, self, other)
        _check_cast(f"{_BITWISE[fn]}=", self, out._array.dtype)
        return self._inplace(ops.SetItem, out, index=Ellipsis, _name=f"{_BITWISE[fn]}=")

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return self._logical(np.ndarray.all, "all", dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return self._logical(np.ndarray.any, "any", dim, keepdim)

    def _logical(self, fn: Callable, who: str, dim: Any, keepdim: bool) -> Tensor:
        """all / any over ``dim`` (an int, a tuple, or None for all dims): bool, but uint8
        for a uint8 tensor, as in torch."""
        if dim is None and not keepdim:
            out = np.asarray(fn(self._array))
        else:
            out = np.asarray(fn(self._array, axis=_dims(who, self, dim, None), keepdims=keepdim))
        return Tensor._make(out.astype(np.uint8) if self._array.dtype == np.uint8 else out,
                            False, None)

    # --- reductions: sum / mean / max / min / amax / amin / var / std / argmax ---------

    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None, dtype: Any = None) -> Tensor:
        if dtype is not None:  # torch's: the input cast first
            return self.astype(dtype).sum(dim, keepdim, axis=axis, keepdims=keepdims)
        keep = keepdim if keepdims is None else keepdims
        if dim is None and axis is None:
            return ops.Sum.apply(self, axis=None, keepdims=keep)
        d = _dims("sum", self, dim, axis)
        return ops.Sum.apply(self, axis=None if d == () else d, keepdims=keep)

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None, dtype: Any = None) -> Tensor:
        if dtype is not None:  # torch's: the input cast first (mean(dtype=float64) of ints)
            return self.astype(dtype).mean(dim, keepdim, axis=axis, keepdims=keepdims)
        if self._array.dtype.kind not in "fc":
            raise RuntimeError(f"mean: needs a floating-point tensor, got dtype {self.dtype} "
                               f"(shape {self.shape}); use .float() first, as in PyTorch")
        d = _dims("mean", self, dim, axis)
        d = None if d == () else d  # NOTE: as sum, no dims is all of them
        reduced = range(self.ndim) if d is None else (d,) if isinstance(d, int) else d
        n = math.prod(self._array.shape[i] for i in reduced)
        # NOTE: one node, as torch's MeanBackward, so a second backward is allowed too;
        # the mean of nothing is nan (0 / 0), as in torch
        return ops.Sum.apply(self, axis=d, keepdims=keepdim if keepdims is None else keepdims,
                             scale=1 / n if n else math.nan)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        """``max()``: the largest value (ties share the gradient evenly). ``max(dim)``:
        PyTorch's named tuple ``(values, indices)``; the gradient goes to the index
        returned (the first maximum). ``max(other)``: the elementwise ``maximum``."""
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        """As ``max``, for the smallest: ``min()``, ``min(dim)`` -> (values, indices)."""
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def _extreme(self, which: str, dim: Any, keepdim: bool, axis: Any,
                 keepdims: bool | None) -> Any:
        if isinstance(dim, Tensor):  # max(other): the elementwise maximum
            return self.maximum(dim) if which == "max" else self.minimum(dim)
        keep = keepdim if keepdims is None else keepdims
        if dim is None and axis is None:
            return (ops.Max if which == "max" else ops.Min).apply(self, axis=None, keepdims=False,
                                                                  evenly=True)
        if isinstance(_axis(dim, axis), tuple):
            raise TypeError(f"{which}(dim): dim must be one int (got {dim!r}); use "
                            f"a{which}(dim) to reduce several dims")
        d = _dims(which, self, dim, axis)
        result = return_types.max if which == "max" else return_types.min
        if d is None:  # a 0-d tensor: itself, at index 0
            return result(self * 1 if self.requires_grad else self.clone(),  # (torch's scatter:
                          Tensor._make(np.zeros((), np.int64), False, None))  # a new gradient)
        if not self._array.shape[d]:
            raise IndexError(f"{which}(dim={dim}): cannot reduce an empty dim of shape "
                             f"{self.shape}")
        pick = np.argmax if which == "max" else np.argmin
        index = pick(self._array, axis=d, keepdims=True)
        values = ops.TakeAlong.apply(self, index=index, dim=d)
        if not keep:  # NOTE: not a view (squeeze would make one), as in torch
            index = np.squeeze(index, axis=d)
            values = ops.Reshape.apply(values, shape=index.shape)
        return result(values, Tensor._make(index, False, None))

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (an int, a tuple, or () for all); tied maxima
        share the gradient evenly, as in PyTorch."""
        d = _dims("amax", self, dim, None)
        return ops.Max.apply(self, axis=None if d == () else d, keepdims=keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The smallest values over ``dim``; ties share the gradient evenly."""
        d = _dims("amin", self, dim, None)
        return ops.Min.apply(self, axis=None if d == () else d, keepdims=keepdim)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Variance, with Bessel's correction by default; PyTorch's three spellings:
        ``var(dim, unbiased, keepdim)``, ``var(dim, *, correction, keepdim)`` and
        ``var(unbiased)`` (``x.var(0, False)`` is the population variance, as in torch)."""
        if self._array.dtype.kind != "f":
            raise RuntimeError(f"var / std: only floating-point tensors, got dtype {self.dtype} "
                               f"(shape {self.shape}); use .float() first, as in PyTorch")
        if isinstance(dim, builtins.bool):  # var(unbiased)
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError("var / std: pass unbiased or correction, not both (as PyTorch)")
        correction = int(unbiased) if unbiased is not None else \
            1 if correction is None else correction
        d = _dims("var", self, dim, axis)
        d = None if d == () else d  # NOTE: as sum, no dims is all of them
        keep = keepdim if keepdims is None else keepdims
        return ops.Var.apply(self, axis=d, keepdims=keep, correction=correction)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Standard deviation: the square root of ``var`` (the same arguments)."""
        return ops.Std.apply(self.var(dim, unbiased, keepdim, correction=correction,
                                      axis=axis, keepdims=keepdims))

    def argmax(self, dim: int | None = None, keepdim: bool = False, *,
               axis: int | None = None, keepdims: bool | None = None) -> Tensor:
        return self._arg("argmax", dim, keepdim if keepdims is None else keepdims, axis)

    def argmin(self, dim: int | None = None, keepdim: bool = False, *,
               axis: int | None = None, keepdims: bool | None = None) -> Tensor:
        return self._arg("argmin", dim, keepdim if keepdims is None else keepdims, axis)

    def _arg(self, who: str, dim: Any, keep: bool, axis: Any) -> Tensor:
        d = _dims(who, self, dim, axis)
        if self._array.dtype == np.bool_:
            raise RuntimeError(f"{who}(): does not support bool input (shape {self.shape})")
        out = getattr(self._array, who)(axis=d, keepdims=keep)
        return Tensor._make(np.asarray(out), False, None)

    # --- shape: reshape / view / flatten / transpose / permute / squeeze / expand -----

    def reshape(self, *sizes: Any, shape: Any = None) -> Tensor:
        shape = _check_shape("reshape", self, _size_arg("reshape", sizes, "shape", shape))
        return self._view_of(ops.Reshape.apply(self, shape=shape), "reshape")

    def view(self, *shape: Any, size: Any = None, dtype: Any = None) -> Tensor:
        """The same memory seen with another shape; refused where that needs a copy (a
        non-contiguous tensor, e.g. a transpose), as in PyTorch: use ``reshape`` there.
        ``view(dtype)``: the same bytes read as another dtype (see ``_view_as_dtype``)."""
        if dtype is not None or (len(shape) == 1 and _is_dtype(shape[0])):
            return _view_as_dtype(self, np.dtype(shape[0] if dtype is None else dtype))
        shape = _check_shape("view", self, _size_arg("view", shape, "size", size))
        if not _fits(shape, self._array.size):
            raise _invalid_shape("view", self, shape)
        probe = self._array.view()
        try:
            probe.shape = shape
        except (AttributeError, ValueError):
            raise RuntimeError(f"view: a tensor of shape {self.shape} and strides "
                               f"{self._array.strides} cannot be seen as shape {shape} without "
                               "copying (it is not contiguous); use .reshape(...) instead"
                               ) from None
        return self.reshape(shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """As torch: a 0-d tensor becomes shape (1,); flattening one dim is the tensor
        itself (not a new view)."""
        s = self._array.shape
        if start_dim == 0 and end_dim == -1 and len(s) != 1:  # the common case
            return self.reshape(-1 if s else 1)
        start, end = _dim("flatten", self, start_dim), _dim("flatten", self, end_dim)
        if not s:
            return self.reshape(1)
        if start > end:
            raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                               f"(shape {s})")
        if start == end:
            return self
        return self.reshape(s[:start] + (math.prod(s[start:end + 1]),) + s[end + 1:])

    def permute(self, *order: Any, dims: Any = None) -> Tensor:
        # NOTE: no dims at all is refused (TypeError, as torch), but from ops.helpers.permute,
        # which spells a 0-d tensor's empty permutation permute(*()) in backward rules
        if not order and dims is None and (
                self.ndim or sys._getframe(1).f_code is not _PERMUTE_HELPER):
            raise TypeError("permute() missing 1 required positional argument: 'dims'")
        return self._permute(_size_arg("permute", order, "dims", dims) if order or dims
                             is not None else ())

    def _permute(self, dims: tuple) -> Tensor:
        axes = tuple(_dim("permute", self, a) for a in dims)
        if len(axes) != self.ndim or len(set(axes)) != len(axes):
            raise RuntimeError(f"permute: dims {dims} are not a permutation of the "
                               f"{self.ndim} dims of shape {self.shape}")
        return self._view_of(ops.Permute.apply(self, axes=axes), "permute", axes)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims (always a new view, even of a 0-d tensor), as torch."""
        a, b = _dim("transpose", self, dim0), _dim("transpose", self, dim1)
        order = list(range(self.ndim))
        if order:
            order[a], order[b] = order[b], order[a]
        return self._permute(tuple(order))

    def swapaxes(self, axis0: int, axis1: int) -> Tensor: return self.transpose(axis0, axis1)

    def squeeze(self, dim: Any = None, *dims: Any) -> Tensor:
        """Drop size-1 dims: all of them, the one ``dim`` or those in a tuple of dims (or
        given one by one, ``squeeze(0, 2)``); always a new view (even when nothing is
        dropped), as torch."""
        if dims:
            dim = (dim, *dims)
        if dim is None:
            return self.reshape(tuple(n for n in self._array.shape if n != 1))
        dims = _dims("squeeze", self, dim, None)
        dims = () if dims is None else (dims,) if isinstance(dims, int) else dims
        return self.reshape(tuple(n for i, n in enumerate(self._array.shape)
                                  if n != 1 or i not in dims))

    def unsqueeze(self, dim: int) -> Tensor:
        d = _dim("unsqueeze", self, dim, extra=1)
        s = self._array.shape
        return self.reshape(s[:d] + (1,) + s[d:])

    def expand(self, *sizes: Any, size: Any = None, implicit: bool = False) -> Tensor:
        shape = _size_arg("expand", sizes, "size", size)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the shape {shape} has fewer dims than the tensor's "
                               f"shape {self.shape}")
        for i, n in enumerate(shape):  # PyTorch's -1 keeps the existing size
            if n < -1 or (n == -1 and i < lead):
                raise RuntimeError(f"expand: size {n} is not allowed at dim {i} of {shape} "
                                   f"(tensor shape {self.shape}); -1 keeps an existing size")
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
        return self._view_of(ops.Expand.apply(self, shape=shape), "expand")

    def __getitem__(self, index: Any) -> Tensor:
        index = _index(index, self._array.shape)
        out = ops.GetItem.apply(self, index=index)
        if not out._array.flags.c_contiguous and _is_advanced(index):
            out._array = np.ascontiguousarray(out._array)  # a copy is contiguous, as in torch
        return self._view_of(out, "index", index)

    def __iter__(self) -> Iterable[Tensor]:
        return (self[i] for i in range(len(self)))

    # --- in-place ops (each bumps the version counter) --------------------------------

    def _inplace(self, op: Any, *args: Any, _name: str = "", **params: Any) -> Tensor:
        """Apply ``op`` to self in place.

        Outside a graph this is plain numpy on the array. Inside one, the op's node is
        recorded as if out of place and the result is copied into this tensor's array;
        the version counter then catches any earlier node that saved the old values.
        An integer or bool tensor is never in a graph (what is written is cast to it).
        """
        name = _name or op.__name__.lower() + "_"
        data = self._array
        kind = data.dtype.kind
        if kind != "f" or op is _SUB:
            _check_inplace(name, self, op, args)
        # NOTE: torch's fills (fill_, a mask's masked_fill_) and in-place comparisons of an
        # integer tensor with a value that requires grad make it require grad (torch's own
        # internal asserts then fail later): mirrored
        tracked = autograd.is_recording() and (kind == "f" or name in _GRAPH_FILLS) and (
            self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args))
        if tracked:
            self._check_graph(name)
        if not data.flags.writeable:
            data = self._writable(name, op, args, params)
        mine = data.base if data.base is not None else data
        for a in args:  # NOTE: arrays of two owners never share memory: the common case
            if isinstance(a, Tensor) and (a._array.base if a._array.base is not None
                                          else a._array) is mine:
                self._check_overlap(name, op, args, params)
        if not tracked:
            arrays = [a._array if isinstance(a, Tensor) else a for a in args]
            ufunc = _INPLACE_UFUNCS.get(op)
            if ufunc is not None:
                ufunc(data, arrays[0], out=data, casting="unsafe")  # (torch's rule: checked)
            elif op is ops.SetItem:
                ops.indexing.assign(data, params["index"], arrays[0])
            else:
                out = op.run(self._array, *arrays, **params)
                _check_cast(name, self, out.dtype)  # (then an integer result wraps, as torch)
                np.copyto(data, out, casting="unsafe")
            self._counter[0] += 1
            self._renew_views()
            return self
        # NOTE: as torch's CopySlices, a view's change reads its old value from the first
        # base's graph through nodes of its own: the old nodes of the views (and their
        # hooks) are not in the new graph
        olds = _views.replayed(self) if self._base is not None else [self]
        snapshot = Tensor._make(self._array, self.requires_grad, olds[-1].grad_fn)
        snapshot._counter = self._counter
        aliased = any(isinstance(a, Tensor) and a._counter is self._counter for a in args)
        first = snapshot
        if op in _INPLACE_UFUNCS and any(isinstance(a, Tensor) and a._array.dtype != data.dtype
                                         for a in args):  # NOTE: in torch's result dtype
            dtype = dtypes.result_type(self, *args)  # (so each node's gradient has its dtype)
            dtype = dtypes.true_divide_type(dtype) if op is _DIV else dtype
            first, args = _cast(snapshot, dtype), tuple(_cast(a, dtype) for a in args)
        out = op.apply(first, *args, **params)
        node = out.grad_fn
        # what the node saved of the old values gets a copy; its output is this array now
        autograd.rebind_inplace(node, self._array, self, aliased)
        if data is not self._array and op is ops.SetItem:  # the part only: memory is shared
            data[params["index"]] = out._array[params["index"]]
        else:
            np.copyto(data, out._array, casting="same_kind")
        self._counter[0] += 1
        self._set_graph(node)
        if self._base is None:
            _views.sync(self)
        else:
            _views.rebase(self, olds, params.get("index") if op is ops.SetItem else None)
        return self

    def _check_graph(self, name: str) -> None:
        """Refuse an in-place change inside a graph where PyTorch does: of a leaf that
        requires grad or a view of one, and of a view made under no_grad (or a view of such
        a view): ambiguous, as no graph links it to its base."""
        view = self
        while view._base is not None:
            base, how, _ = view._base
            if how is _MULTI_OUTPUT:
                raise _views.refused(view, name, self)
            if how is _NO_GRAD_VIEW:
                which = "this tensor" if view is self else "a tensor this one is a view of"
                raise RuntimeError(f"{name}: {which} (shape {view.shape}) is a view created "
                                   "in no_grad mode, and is being modified inplace with grad "
                                   "mode enabled: ambiguous, so refused, as in PyTorch")
            view = base
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape "
                               f"{self.shape}) cannot be changed in place; wrap the update "
                               "in `with ta.no_grad():`")
        if view is not self and self.requires_grad and view.grad_fn is None:
            raise RuntimeError(f"{name}: a view of a leaf tensor that requires grad (shape "
                               f"{view.shape}) cannot be changed in place; wrap the update "
                               "in `with ta.no_grad():`")

    def _check_overlap(self, name: str, op: Any, args: tuple, params: dict) -> None:
        """As torch: an operand that shares memory with the part written must be exactly
        that part (``x.add_(x)`` runs; ``x[1:].add_(x[:-1])`` and ``x.add_(x.T)`` don't)."""
        out = self._array
        if op is ops.SetItem:
            if name in _SCALAR_FILLS:  # NOTE: torch reads their (0-d) value as a number
                return
            index = params["index"]
            if index is not Ellipsis and not _is_advanced(index):  # (an Ellipsis: a view)
                index = index if type(index) is tuple else (index,)
                out = out[index if any(i is Ellipsis for i in index) else (*index, ...)]
        _views.check_overlap(name, out, args)

    def _writable(self, name: str, op: Any, args: tuple, params: dict) -> np.ndarray:
        """A writable alias of this tensor's read-only array (an expand()'s), where PyTorch
        writes too: a fill (one value everywhere), or a write to a part in which no two
        elements share one memory location."""
        alias = self._array.view()
        try:
            alias.flags.writeable = True
        except ValueError:
            raise RuntimeError(f"{name}: its memory is read-only (shape {self.shape})") from None
        index = params["index"] if op is ops.SetItem else Ellipsis
        if op is ops.SetItem and (name in _FILLS or _is_advanced(index)):
            return alias
        part = np.asarray(alias[index])
        if part.size and any(s == 0 and n > 1 for n, s in zip(part.shape, part.strides)):
            raise RuntimeError(
                f"{name}: unsupported operation: more than one element of the written-to "
                f"tensor (shape {part.shape}, strides {part.strides}) refers to a single "
                "memory location (it comes from expand()); clone() it first, as in PyTorch")
        return alias

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace(ops.Add, _wrapped(self, other if alpha == 1 else _scaled(
            self, other, alpha)))
    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace(ops.Sub, _wrapped(self, other if alpha == 1 else _scaled(
            self, other, alpha)))
    def mul_(self, other: Any) -> Tensor: return self._inplace(ops.Mul, _wrapped(self, other))
    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is not None:  # (api/idioms.py rounds, and writes it back)
            return self.divide_(other, rounding_mode=rounding_mode)
        return self._inplace(ops.Div, _operand(other))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        _, lo, hi = _clamp_operands("clamp_", self, min, max)
        return self._inplace(ops.Clamp, lo, hi)

    def zero_(self) -> Tensor:
        return self._inplace(ops.SetItem, 0, index=Ellipsis, _name="zero_")

    def fill_(self, value: Any) -> Tensor:
        value = dtypes.fill_value(_operand(value), self._array.dtype)  # checked, as torch
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError(f"fill_: only supports a 0-dimension value tensor, got shape "
                               f"{value.shape}")
        return self._inplace(ops.SetItem, value, index=Ellipsis, _name="fill_")

    def __iadd__(self, other: Any) -> Tensor: return self.add_(other)
    def __isub__(self, other: Any) -> Tensor: return self.sub_(other)
    def __imul__(self, other: Any) -> Tensor: return self.mul_(other)
    def __itruediv__(self, other: Any) -> Tensor: return self.div_(other)
    # (pow_, floor_divide_ and remainder_ are rows of the op table, attached at import)
    def __ipow__(self, other: Any) -> Tensor: return self.pow_(other)
    def __ifloordiv__(self, other: Any) -> Tensor: return self.floor_divide_(other)
    def __imod__(self, other: Any) -> Tensor: return self.remainder_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        """As torch: the value is a number or a Tensor, cast to this tensor's dtype; with
        an array index (an index_put) a Tensor value must have this tensor's dtype."""
        raw, index = index, _index(index, self._array.shape, write=True)
        name = "__setitem__"
        if not isinstance(value, Tensor):
            value = _number(name, self, value)
        elif not _is_advanced(index):
            if value.requires_grad and not value.ndim and self._array.dtype.kind != "f" \
                    and np.ndim(self._array[index]):
                name = _FILL  # torch fills the part (a 0-d value, a part of dims)
        else:
            if value._array.size == 1 and _one_mask(raw):
                name = _MASKED_FILL  # torch's masked_fill_: it casts (see _inplace)
            elif value._array.dtype != self._array.dtype:
                raise RuntimeError(f"__setitem__: Index put requires the source and "
                                   f"destination dtypes match, got {self.dtype} for the "
                                   f"destination and {value.dtype} for the source (shapes "
                                   f"{self.shape} and {value.shape})")
        self._inplace(ops.SetItem, value, index=index, _name=name)

    # --- activations: relu / leaky_relu / sigmoid / tanh / softmax / ... --------------
    # Each is one entry of the registry in activations.py; these lines only route to it.

    def relu(self) -> Tensor: return _activation("relu", self)
    def leaky_relu(self, negative_slope: builtins.float = 0.01) -> Tensor:
        return _activation("leaky_relu", self, negative_slope=negative_slope)
    def sigmoid(self) -> Tensor: return _activation("sigmoid", self)
    def tanh(self) -> Tensor: return _activation("tanh", self)
    def softmax(self, dim: int | None = None, dtype: Any = None, *,
                axis: int | None = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)  # torch casts the input first
        return _activation("softmax", x, dim=_required_dim("softmax", dim, axis))
    def log_softmax(self, dim: int | None = None, dtype: Any = None, *,
                    axis: int | None = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)
        return _activation("log_softmax", x, dim=_required_dim("log_softmax", dim, axis))
    def elu(self, alpha: builtins.float = 1.0) -> Tensor:
        return _activation("elu", self, alpha=alpha)
    def softplus(self, beta: builtins.float = 1.0, threshold: builtins.float = 20.0) -> Tensor:
        return _activation("softplus", self, beta=beta, threshold=threshold)
    def silu(self) -> Tensor: return _activation("silu", self)
    def gelu(self, approximate: str = "none") -> Tensor:
        return _activation("gelu", self, approximate=approximate)
    def hardtanh(self, min_val: builtins.float = -1.0, max_val: builtins.float = 1.0) -> Tensor:
        return _activation("hardtanh", self, min_val=min_val, max_val=max_val)
    def maxout(self, pieces: int, dim: int = -1) -> Tensor:
        return _activation("maxout", self, pieces=pieces, dim=dim)
    def hardshrink(self, lambd: builtins.float = 0.5) -> Tensor:
        return _activation("hardshrink", self, lambd=lambd)
    def prelu(self, weight: Tensor) -> Tensor: return _prelu(self, weight)

    # in place: legal because these rules need only the output
    def relu_(self) -> Tensor: return _activation_("relu", self)
    def sigmoid_(self) -> Tensor: return _activation_("sigmoid", self)
    def tanh_(self) -> Tensor: return _activation_("tanh", self)
    def leaky_relu_(self, negative_slope: builtins.float = 0.01) -> Tensor:
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
        graph (with PyTorch's result dtype), so a backward rule written with numpy works
        under create_graph too."""
        if method != "__call__" or kwargs:
            return _ufunc_with_keywords(ufunc, method, inputs, kwargs)
        fn = _UFUNCS.get(ufunc)
        if fn is not None:
            return fn(*[_operand(x) for x in inputs])
        if any(isinstance(x, Tensor) and x.requires_grad for x in inputs) \
                and ufunc not in _NON_DIFFERENTIABLE:
            raise TypeError(f"numpy.{ufunc.__name__} is not differentiable in tinygrad_acts; "
                            f"use Tensor methods (got shapes "
                            f"{[np.shape(x) for x in inputs]})")
        arrays = [x._array if isinstance(x, Tensor) else x for x in inputs]
        return Tensor._make(np.asarray(ufunc(*arrays)), False, None)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy functions on Tensors: those the framework has run its differentiable op
        (``np.concatenate`` is ``ta.cat``); any other refuses a Tensor that requires grad,
        naming the function, instead of silently dropping the graph."""
        fn = _ARRAY_FUNCTIONS.get(func)
        if fn is not None:
            return fn(*args, **kwargs)
        if func not in _NO_GRADIENT and _any_requires_grad(args, kwargs):
            raise TypeError(f"numpy.{func.__name__} is not differentiable in tinygrad_acts, "
                            "and the tensor requires grad: its graph would be lost. Use the "
                            "Tensor op, or .detach() first if no gradient is wanted")
        return func(*_unwrap(args), **_unwrap(kwargs))


class _NoGradViewTensor(Tensor):
    """A view made under no_grad() of a tensor that requires grad (or a view of one).
    PyTorch calls the first a leaf that requires grad, whose gradient goes nowhere: its
    ``.grad`` stays None. Once the memory it views is changed in place (through any
    tensor), using it in a graph (reading its ``grad_fn`` in grad mode), ``is_leaf`` and
    ``.grad`` raise, as in PyTorch."""

    __slots__ = ()
    _no_edge = True  # a leaf whose gradient goes nowhere: the engine records no edge to it
    _stale_with_base = True

    def _check(self) -> None:
        view: Tensor = self
        while view._base is not None:
            base, how, made_at = view._base
            if how is _NO_GRAD_VIEW:
                if view._counter[0] != made_at:
                    raise RuntimeError(_NO_GRAD_VIEW_CHANGED)
                return
            view = base

    @property
    def grad_fn(self) -> Any:
        if autograd.is_recording():  # NOTE: hasattr(x, "grad_fn") asks, in any mode (grad()
            self._check()  # checks its inputs itself, in any mode, as torch's)
        return _GRAD_FN.__get__(self)

    @property
    def is_leaf(self) -> bool:
        self._check()
        return _GRAD_FN.__get__(self) is None

    @property
    def grad(self) -> Any:
        self._check()
        return _GRAD.__get__(self)

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            _check_grad(self, value)
        if _GRAD_FN.__get__(self) is not None:  # a leaf's gradient goes nowhere
            _GRAD.__set__(self, value)


_GRAD_FN, _GRAD = Tensor.__dict__["grad_fn"], Tensor.__dict__["grad"]


class RemovableHandle:
    """Returned by ``register_hook``: call ``remove()`` to unregister the hook (or use it
    as a context manager: ``with x.register_hook(fn):`` removes it on exit, as torch's)."""

    def __init__(self, hooks: list, hook: Callable):
        self._hooks, self._hook = hooks, hook

    def __enter__(self) -> RemovableHandle: return self
    def __exit__(self, *exc: Any) -> None: self.remove()

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _binary(op: Any, a: Any, b: Any) -> Tensor:
    """``op(a, b)`` with PyTorch's result dtype: both operands are brought to it first
    (a Tensor by a differentiable cast), so numpy's own promotion never decides."""
    ta, tb = type(a), type(b)
    # the common cases first, with no conversion: numpy already agrees with torch there
    if ta is Tensor and tb is Tensor:
        dt = a._array.dtype
        if dt is b._array.dtype and (dt.kind == "f" or (op is not _DIV and dt.kind != "b")):
            return op.apply(a, b)
    elif (ta is Tensor and (tb is float or tb is int or (
            tb is np.ndarray and b.dtype is a._array.dtype)) and a._array.dtype.kind == "f") or (
            tb is Tensor and (ta is float or ta is int) and b._array.dtype.kind == "f"):
        return op.apply(a, b)  # (a float array of a's dtype: a constant, as dropout's mask)
    a, b = _operand(a), _operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._array.dtype == b._array.dtype \
            and (a._array.dtype.kind == "f" or (op is not _DIV and a._array.dtype.kind != "b")):
        return op.apply(a, b)
    if op is _SUB:
        _check_sub(a, b)
    dtype = dtypes.result_type(a, b)
    if op is ops.Div:
        dtype = dtypes.true_divide_type(dtype)
    wrap = op is not ops.Pow  # NOTE: torch wraps an arithmetic op's int, checks a power's
    return op.apply(_cast(a, dtype, wrap), _cast(b, dtype, wrap))


def _check_sub(*operands: Any) -> None:
    """PyTorch refuses ``-`` with a bool operand (a tensor or a number)."""
    kinds = [_dtype_of(x).kind for x in operands if x is not None]
    if kinds.count("b") > 1:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if "b" in kinds:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def _division(op: Any, a: Any, b: Any) -> Tensor:
    """``//`` and ``%`` as torch: refused for bools (NotImplementedError), and an integer
    division by zero raises (torch's RuntimeError "ZeroDivisionError")."""
    a, b = _operand(a), _operand(b)
    if _has_float(a, b):
        return _binary(op, a, b)
    common = type(b) is int and isinstance(a, Tensor) and a._array.dtype.kind in "iu"
    kind = "i" if common else dtypes.result_type(a, b).kind
    who = "floor_divide (//)" if op is ops.FloorDivide else "remainder (%)"
    if kind == "b":
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch "
                                  "(convert with .int() first)")
    zero = b == 0 if common else kind in "iu" and np.any(np.equal(_array(b), 0))
    if zero and np.size(_array(a)):
        raise IntegerDivisionByZero(f"ZeroDivisionError: {who} of integers by zero (shapes "
                                    f"{np.shape(_array(a))} and {np.shape(_array(b))})")
    return _binary(op, a, b)


class IntegerDivisionByZero(RuntimeError, ZeroDivisionError):
    """An integer ``//`` or ``%`` by zero: torch's RuntimeError("ZeroDivisionError"), and
    Python's ZeroDivisionError too."""


def _power(a: Any, b: Any) -> Tensor:
    """``**`` as torch: a bool result is refused (NotImplementedError) but for a bool
    tensor to a Python bool power (itself, or all True)."""
    a, b = _operand(a), _operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype.kind + b.dtype.char == "f?":
        return ops.Pow.apply(a, b)  # NOTE: uncast, so the rule refuses its gradient (torch)
    if _has_float(a, b):
        return _binary(ops.Pow, a, b)
    dtype = dtypes.result_type(a, b)
    if dtype.kind == "b":
        if isinstance(b, Tensor) or not isinstance(a, Tensor):
            raise NotImplementedError("pow (**): not implemented for bool tensors, as in "
                                      "torch (convert with .int() first)")
        return Tensor._make(a._array.copy() if b else np.ones_like(a._array), False, None)
    if dtype.kind in "iu" and np.any(np.less(_array(b), 0)):
        if not isinstance(b, Tensor):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        x, e = (np.asarray(_array(v)).astype(dtype, copy=False) for v in (a, b))
        # NOTE: as torch, x ** -n is 0 but for x = 1 (1) and x = -1 (1 or -1)
        out = np.where(e >= 0, x ** np.maximum(e, 0), (x == 1) | (x == -1) * (1 - e % 2 * 2))
        return Tensor._make(np.asarray(out, dtype=dtype), False, None)
    return _binary(ops.Pow, a, b)


def preserved(a: np.ndarray) -> Literal["C", "K"]:
    """numpy's order for a copy in torch's preserve_format: the layout kept ("K"), but
    row-major ("C") where an element repeats (an expand's), which numpy's K keeps too."""
    return "C" if 0 in a.strides and a.size > 1 else "K"


def _int_operand(value: int, dtype: np.dtype) -> int:
    """A Python int as torch meets it beside a tensor of ``dtype``: wrapped into an integer
    dtype (``dtypes.wrap_int``); either way an OverflowError past int64 and uint64."""
    wrapped = dtypes.wrap_int(value, dtype if dtype.kind in "iu" else _INT64)
    return wrapped if dtype.kind in "iu" else value


def _has_float(a: Any, b: Any) -> bool:
    """Whether an operand is a float Tensor (the result is a float then: the fast path)."""
    return (isinstance(a, Tensor) and a._array.dtype.kind == "f") or (
        isinstance(b, Tensor) and b._array.dtype.kind == "f")


def _array(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


_BITWISE = {operator.and_: "bitwise_and (&)", operator.or_: "bitwise_or (|)",
            operator.xor: "bitwise_xor (^)"}


def _bitwise(fn: Callable, a: Any, b: Any) -> Tensor:
    """``&``, ``|``, ``^`` of integer or bool tensors, in torch's promoted dtype; floats
    are refused (NotImplementedError, as torch)."""
    a, b = _operand(a), _operand(b)
    dtype = dtypes.result_type(a, b)
    if dtype.kind == "f":
        raise NotImplementedError(f"{_BITWISE[fn]}: not implemented for floating point "
                                  f"operands (dtypes {_dtype_of(a)} and {_dtype_of(b)})")
    x, y = (np.asarray(_array(v)).astype(dtype, copy=False) for v in (a, b))
    return Tensor._make(np.asarray(fn(x, y)), False, None)


def _check_cast(name: str, t: Tensor, dtype: np.dtype) -> None:
    """An in-place result of ``dtype`` must fit ``t`` by torch's rule: no float into an
    integer or bool tensor, nothing but bool into a bool tensor."""
    kind = t._array.dtype.kind
    if (dtype.kind == "f" and kind != "f") or (dtype.kind != "b" and kind == "b"):
        raise RuntimeError(f"{name}: result type {dtype} can't be cast to the desired output "
                           f"type {t.dtype} (shape {t.shape}), as in PyTorch")


def _check_inplace(name: str, t: Tensor, op: Any, args: tuple) -> None:
    if op is _SUB:
        _check_sub(t, *args)
    if t._array.dtype.kind != "f" and args and op is not ops.SetItem:
        dtype = dtypes.result_type(t, *args)
        _check_cast(name, t, dtypes.true_divide_type(dtype) if op is ops.Div else dtype)


def _number(who: str, t: Tensor, value: Any) -> Any:
    """A value to write that is not a Tensor: a Python number (numpy's ints and float64,
    which is a float, too), checked against t's dtype as torch's fill is (-0.5 or 256 into
    uint8 is a RuntimeError, see ``dtypes.fill_value``); as torch, lists, arrays and other
    numpy numbers are a TypeError."""
    if isinstance(value, (int, float)):
        return dtypes.fill_value(value, t._array.dtype)
    if isinstance(value, np.integer):
        return dtypes.fill_value(int(value), t._array.dtype)
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    raise TypeError(f"{who}: can't assign a {name} to a {t.type()} (shape {t.shape}); assign "
                    "a Python number or a Tensor (ta.tensor(...) of a list)")


def _tensor_arg(who: str, x: Any, name: str = "other") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _clamp_operands(who: str, x: Tensor, lo: Any, hi: Any) -> tuple:
    """x, min and max in torch's promoted dtype; the bounds are both numbers or both
    Tensors (with None for no bound), as torch asks."""
    if lo is None and hi is None:
        raise ValueError(f"{who}: give at least one of min and max")
    lo, hi = _bound(lo), _bound(hi)
    if x._array.dtype.kind == "f" and type(lo) in _BOUNDS and type(hi) in _BOUNDS:
        return x, lo, hi  # the common case: numpy keeps the float dtype, as torch does
    if lo is not None and hi is not None and isinstance(lo, Tensor) != isinstance(hi, Tensor):
        raise TypeError(f"{who}: min and max must both be numbers or both be Tensors, got "
                        f"{type(lo).__name__} and {type(hi).__name__}")
    dtype = dtypes.result_type(x, lo, hi)
    if dtype.kind == "b":
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch")
    if who.endswith("_"):  # in place: _inplace checks the result fits x
        return x, lo, hi
    return _cast(x, dtype), *(None if b is None else _cast(b, dtype) for b in (lo, hi))


_SUB = ops.Sub


_DIV = ops.Div


def _dtype_of(x: Any) -> np.dtype:
    return x._array.dtype if isinstance(x, Tensor) else dtypes.result_type(x)


def _cast(x: Any, dtype: np.dtype, wrap: bool = False) -> Any:
    if isinstance(x, Tensor):
        return x if x._array.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.generic):  # a numpy scalar acts as the Python number it holds
        x = x.item()
    if dtype.kind in "iu" and type(x) is int:  # wrapped (+ - * // %) or checked, as torch
        return dtypes.int_scalar(x, dtype, wrap)
    if (dtype.kind == "f" and isinstance(x, (int, float))) or (
            dtype.kind == "b" and type(x) is bool):
        return x  # numpy keeps a Python number weak, as torch does
    return np.asarray(x, dtype=dtype)


def _scaled(t: Tensor, other: Any, alpha: Any) -> Any:
    """``other * alpha`` for add / sub; as torch, with integer tensors alpha is an int that
    fits the result's dtype (checked: ``uint8.add(1, alpha=300)`` is a RuntimeError)."""
    dtype = dtypes.result_type(t, _operand(other))
    if dtype.kind in "iu" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           f"point number (alpha={alpha}, dtype {dtype})")
    return other * dtypes.fill_value(alpha, dtype)


def _wrapped(t: Tensor, x: Any) -> Any:
    """An in-place ``+ - *``'s operand: a Python int wrapped into t's integer dtype (torch)."""
    x = _operand(x)
    return dtypes.int_scalar(x, t._array.dtype, True) if type(x) is int and \
        t._array.dtype.kind in "iu" else x


def _matmul(a: Any, b: Any) -> Tensor:
    a, b = _operand(a), _operand(b)
    da, db = _dtype_of(a), _dtype_of(b)
    x, y = np.asarray(_array(a)), np.asarray(_array(b))
    if da == db == np.bool_ and ((x.ndim == y.ndim == 1) or (x.size and y.size)):
        raise NotImplementedError(f"matmul: not implemented for bool tensors, as in torch "
                                  f"(shapes {np.shape(_array(a))} and {np.shape(_array(b))})")
    if da != db:  # as in torch: matmul does not promote
        raise RuntimeError(f"matmul: both operands must have the same dtype, got {da} and "
                           f"{db} (shapes {np.shape(a)} and {np.shape(b)}); convert one "
                           "with .to(dtype)")
    grads = isinstance(a, Tensor) and a.requires_grad, isinstance(b, Tensor) and b.requires_grad
    if (x.ndim > 2 or y.ndim > 2) and any(grads) and autograd.is_recording():
        # NOTE: where torch's matmul computes with a copy of an operand (see saved_copies),
        # its backward uses the values of the call, and the operand may change in place
        copies = ops.linalg.saved_copies(x, y, *grads)
        a = a.clone() if copies[0] and grads[1] else a  # (a is kept for b's gradient only)
        b = b.clone() if copies[1] and grads[0] else b
    return ops.MatMul.apply(a, b)


def _floating(x: Tensor) -> Tensor:
    """x as the default float dtype if it holds integers or bools (``exp`` of an integer
    tensor is a float tensor, as in PyTorch); float tensors unchanged."""
    return x if x._array.dtype.kind == "f" else x.astype(dtypes.get_default_dtype())


def _not_bool(x: Tensor, who: str, error: type[Exception] = TypeError) -> Tensor:
    if x._array.dtype == np.bool_:
        raise error(f"{who}: not defined for a bool tensor (shape {x.shape}); use ~x "
                    "for logical not, or convert with .int() / .float()")
    return x


def _is_dtype(x: Any) -> bool:
    return isinstance(x, np.dtype) or (isinstance(x, type) and issubclass(x, np.generic))


def is_dtype_name(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def check_device(device: Any) -> Any:
    """Only the CPU exists here: "cpu" (or "cpu:0") is accepted, any other device refused."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"device {device!r}: tinygrad_acts runs on numpy, on the CPU only")
    return None


def _bound(x: Any) -> Any:
    return None if x is None else _operand(x)


_MASKED_FILL = "__setitem__ (a masked_fill_)"
_FILL = "__setitem__ (a fill_)"
_FILLS = ("zero_", "fill_")
_SCALAR_FILLS = (*_FILLS, "masked_fill_", "index_fill_")
_GRAPH_FILLS = ("fill_", _MASKED_FILL, _FILL, "eq_", "ne_", "lt_", "le_", "gt_", "ge_",
                "greater_", "greater_equal_", "less_", "less_equal_", "not_equal_")
_PERMUTE_HELPER = ops.helpers.permute.__code__
_NUMBERS = (int, float, bool)
_SEQUENCES = (list, tuple)
_INT64 = np.dtype(np.int64)
_BOUNDS = (int, float, type(None))
_MULTI_OUTPUT = "multi-output view"  # a piece of split / chunk / unbind (see views.py)
_NO_GRAD_VIEW = "no_grad view"  # marks a view made under no_grad (a view's _base[1])
_NO_GRAD_VIEW_CHANGED = (
    "A view was created in no_grad mode and its base or another view of its base has been "
    "modified inplace: ambiguous, so it is refused (as in PyTorch). Make the view and the "
    "in-place change both inside no_grad() or both outside it.")


def _operand(x: Any) -> Any:
    """A Tensor or a Python number stays (a number is a weak constant); a numpy number
    becomes the Python number torch takes it for (np.bool_ as a float, as torch does);
    anything else becomes a Tensor."""
    if isinstance(x, Tensor) or type(x) in _NUMBERS:
        return x
    if isinstance(x, np.generic):  # NOTE: before int and float: np.float64 is a float
        return int(x) if isinstance(x, np.integer) else float(x)
    if isinstance(x, (int, float)):
        return x
    if type(x) is np.ndarray and x.dtype.kind in "fiub":  # the common case, without checks
        return Tensor._make(x, False, None)
    return Tensor._wrap(x)


def _ufunc_pair(op: Any) -> Callable:
    return lambda a, b: _binary(op, a, b)


_UFUNCS: dict = {
    np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
    np.true_divide: operator.truediv, np.power: operator.pow, np.matmul: operator.matmul,
    np.negative: operator.neg, np.absolute: operator.abs, np.exp: Tensor.exp,
    np.expm1: Tensor.expm1, np.log: Tensor.log, np.log1p: Tensor.log1p, np.sqrt: Tensor.sqrt,
    np.tanh: Tensor.tanh, np.square: Tensor.square, np.maximum: _ufunc_pair(ops.Maximum),
    np.minimum: _ufunc_pair(ops.Minimum), np.remainder: operator.mod,
    np.floor_divide: operator.floordiv, np.greater: operator.gt, np.greater_equal: operator.ge,
    np.less: operator.lt, np.less_equal: operator.le, np.equal: operator.eq,
    np.not_equal: operator.ne, np.bitwise_and: operator.and_, np.bitwise_or: operator.or_,
    np.bitwise_xor: operator.xor, np.invert: operator.invert,
}
_NON_DIFFERENTIABLE = {np.sign, np.isfinite, np.isnan, np.isinf, np.floor, np.ceil,
                       np.logical_and, np.logical_or, np.logical_not}


# --- factories ------------------------------------------------------------------------


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
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def _joined(who: str, tensors: Any) -> list[Tensor]:
    """The tensors to join, in their common dtype (PyTorch's promotion)."""
    if isinstance(tensors, Tensor) or not len(tensors):
        raise TypeError(f"{who}: expects a non-empty list or tuple of tensors")
    tensors = [t if isinstance(t, Tensor) else Tensor._wrap(t) for t in tensors]
    dtype = dtypes.result_type(*[t._array for t in tensors])
    return [_cast(t, dtype) for t in tensors]


def cat(tensors: list, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = _joined("cat", tensors)
    if any(t.ndim == 0 for t in tensors):
        raise RuntimeError(f"cat: a zero-dimensional tensor cannot be concatenated (shapes "
                           f"{[t._array.shape for t in tensors]}); use stack, or reshape(1) first")
    # NOTE: as torch, legacy empty 1-d tensors (shape (0,)) join anything: they are skipped
    kept = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    d = _dim("cat", kept[0], _axis(dim if axis is None else None, axis)) \
        if kept[0].shape != (0,) else 0
    try:
        out = ops.Cat.apply(*kept, axis=d)
    except ValueError as e:
        shapes = [t._array.shape for t in tensors]
        raise ValueError(f"cat: {e} (shapes {shapes}, dim={d})") from None
    if not out._array.flags.c_contiguous:  # NOTE: numpy may keep an input's layout; torch not
        out._array = np.ascontiguousarray(out._array)
    skipped = [t for t in tensors if t.requires_grad and t.shape == (0,) and t is not kept[0]]
    return ops.DependsOn.apply(out, *skipped) if skipped else out  # their gradient: empty


def stack(tensors: list, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along a new dimension."""
    tensors = _joined("stack", tensors)
    d = _dim("stack", tensors[0], _axis(dim if axis is None else None, axis), extra=1)
    try:
        return ops.Stack.apply(*tensors, axis=d)
    except ValueError as e:
        raise ValueError(f"stack: {e} (shapes {[t._array.shape for t in tensors]})") from None


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``condition ? a : b`` elementwise; differentiable in a and b. The condition must be
    boolean (as in PyTorch); the result is always a Tensor."""
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a boolean tensor, got dtype "
                        f"{cond.dtype} (shape {cond.shape}); compare first, e.g. x > 0")
    a, b = _operand(a), _operand(b)
    dtype = dtypes.result_type(a, b)
    a, b = (x.astype(dtype) if isinstance(x, Tensor) else np.asarray(dtypes.fill_value(
        x, dtype), dtype) for x in (a, b))
    return ops.Where.apply(cond, a, b)


def maximum(a: Tensor, b: Tensor) -> Tensor: return _tensor_arg("maximum", a, "input").maximum(b)
def minimum(a: Tensor, b: Tensor) -> Tensor: return _tensor_arg("minimum", a, "input").minimum(b)


def _activation_(name: str, x: Tensor, **params: Any) -> Tensor:
    node, checked = _inplace_node(name, **params)
    return x._inplace(node, **checked)


autograd.bind_tensor_class(Tensor, ops.DependsOn)
# NOTE: these build on the Tensor, so they come after it (the factories are re-exported)
from . import views as _views  # noqa: E402
from .creation import (  # noqa: E402,F401
    _as_array,
    _check_grad,
    _construct,
    _view_as_dtype,
    arange,
    eye,
    full,
    ones,
    ones_like,
    rand,
    randn,
    relaid,
    zeros,
    zeros_like,
)
from .numpy_functions import (  # noqa: E402
    _ARRAY_FUNCTIONS,
    _NO_GRADIENT,
    _any_requires_grad,
    _ufunc_with_keywords,
    _unwrap,
)

_INPLACE_UFUNCS = {ops.Add: np.add, ops.Sub: np.subtract, ops.Mul: np.multiply,
                   ops.Div: np.true_divide}
