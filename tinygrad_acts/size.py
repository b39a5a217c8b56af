"""``Size``, torch.Size: the shape of a tensor (``x.shape``, ``x.size()``), and the parsing of
the size arguments every factory and shape op takes (``zeros(2, 3)``, ``view((2, -1))``).

A Size is a tuple of ints: it equals, hashes and unpacks as the plain tuple, numpy takes it as
a shape, and slicing, ``+`` and ``*`` keep it a Size; it prints as torch prints it (but in
an f-string, as the tuple: the form of the package's error messages).

Example:
    >>> import tinygrad_acts as ta
    >>> s = ta.zeros(2, 3).shape
    >>> s, s == (2, 3), s.numel(), s[1:]
    (torch.Size([2, 3]), True, 6, torch.Size([3]))
"""
from __future__ import annotations

import operator
from typing import Any, SupportsIndex

import numpy as np

__all__ = ["Size"]


def _element(i: int, n: Any) -> int:
    """One entry of a Size: an int (numpy's, a bool, or an integer tensor of one element
    too, as torch); a float, a float tensor or anything else is torch's TypeError."""
    if type(n) is int:
        return n
    array = getattr(n, "_array", None)
    try:
        if array is None:
            return operator.index(n)
        if array.size == 1 and array.dtype.kind in "iub":
            return int(array.reshape(()))
    except TypeError:
        pass
    raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is "
                    f"'{type(n).__name__}')")


class Size(tuple):
    """torch.Size: a tuple of ints, the shape of a tensor (``numel()`` is the product)."""

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        return tuple.__new__(cls, [_element(i, n) for i, n in enumerate(sizes)])

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        n = 1
        for k in self:
            n *= k
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        # NOTE: an f-string shows the plain tuple, "(2, 3)", the form every error message
        # of the package is written in; print, str and repr are torch's "torch.Size([2, 3])"
        return format(tuple.__repr__(self), spec)

    def __getitem__(self, index: Any) -> Any:
        got = tuple.__getitem__(self, index)
        return tuple.__new__(Size, got) if type(index) is slice else got

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(other, self))

    def __mul__(self, times: SupportsIndex) -> Size:
        return tuple.__new__(Size, tuple.__mul__(self, times))

    __rmul__ = __mul__

    def __reduce__(self) -> tuple:
        return Size, (tuple(self),)


#: A shape as a Size without checks (the shape of an ndarray is ints already).
shape_of = tuple.__new__


def size_arg(who: str, args: tuple, name: str = "shape", keyword: Any = None) -> tuple:
    """PyTorch's size argument: ``f(2, 3)`` or ``f((2, 3))`` (a list or a Size too), or
    ``keyword``, the same as torch's keyword (``view(size=(2, 3))``), of ints (numpy's and
    integer tensors of one element included, as torch: ``zeros(ta.tensor(3))``); none at
    all, a float, a bool or any other tensor is a TypeError."""
    if keyword is not None:
        if args:
            raise TypeError(f"{who}() got multiple values for argument '{name}'")
        args = (keyword,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    elif not args:
        raise TypeError(f"{who}() missing 1 required positional argument: '{name}'")
    if all(type(n) is int for n in args):  # the common case
        return args
    ints = [_size_int(n) for n in args]
    if None not in ints:
        return tuple(ints)
    raise TypeError(f"{who}(): {name} must be ints or one tuple of ints, got "
                    f"{tuple(_kind(n) for n in args)}")


def _size_int(n: Any) -> int | None:
    """An int of a size: a Python or numpy int (a 0-d integer ndarray too), or an integer
    tensor of one element, as torch; else None (a bool, a float, a tensor of 2 elements)."""
    if isinstance(n, (bool, np.bool_)):
        return None
    array = getattr(n, "_array", None)
    if array is not None:
        return int(array.reshape(())) if array.size == 1 and array.dtype.kind in "iu" else None
    try:
        return operator.index(n)
    except TypeError:
        return None


def dim_int(who: str, dim: Any) -> int:
    """A dim given as an integer tensor of one element (``x.sum(ta.tensor(0))``), as torch
    takes it; anything else but an int is a TypeError naming the op."""
    n = _size_int(dim) if getattr(dim, "_array", None) is not None else None
    if n is None:
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    return n


def _kind(n: Any) -> str:
    array = getattr(n, "_array", None)
    return type(n).__name__ if array is None else \
        f"Tensor(dtype={array.dtype}, shape={array.shape})"


def size_args(args: tuple) -> tuple:
    """A size given as ``f(2, 3)`` or ``f((2, 3))``, unchecked."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
