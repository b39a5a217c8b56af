"""Shape and views: reshape / permute / expand / cat / stack, then the copies and views
of torch's shape surface: flip / roll / repeat (tile) / repeat_interleave / tril / triu /
diagonal / diag_embed. Split, chunk, unbind, narrow, movedim, unflatten, broadcast_to,
meshgrid, atleast_*d and the stacks are made of these (and of indexing) in api/shape.py.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import is_tensor, permute, quiet, unbroadcast
from .indexing import GetItem, scatter
from .spec import lib, row


def _run(cls: type[Function], g: Any, **params: Any) -> Any:
    """``cls``'s forward on a gradient: directly on an array, through the graph on a
    Tensor (under create_graph). For the linear ops whose backward is such an op."""
    return cls.apply(g, **params) if is_tensor(g) else cls.run(g, **params)


class Reshape(Function):
    """Same elements, new shape; dx = g reshaped back."""

    is_view = True

    def forward(self, x, shape):
        self.save(x.shape)
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                             f"({x.size} elements) into shape {tuple(shape)}") from None

    def backward(self, g, in_shape):
        return g.reshape(in_shape)


class Permute(Function):
    """Reorder the axes; dx = g with the inverse order."""

    is_view = True

    def forward(self, x, axes):
        self.save(axes)
        return x.transpose(axes)

    def backward(self, g, axes):
        return permute(g, tuple(np.argsort(axes)))


class Expand(Function):
    """Broadcast to ``shape`` without copying; dx = g summed back."""

    is_view = True

    def forward(self, x, shape):
        self.save(x.shape)
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: cannot broadcast shape {x.shape} "
                             f"to {tuple(shape)}") from None

    @quiet
    def backward(self, g, in_shape):
        return unbroadcast(g, in_shape)


class DependsOn(Function):
    """y = x, recorded as depending on ``others`` with zero gradient: dx = g, d others = 0.

    The engine wraps a gradient that came out constant under create_graph (relu's
    g * (y > 0)) so it still depends on what its rule read, as PyTorch's graph does.
    """

    is_view = True  # y is x itself

    def forward(self, x, *others):
        self.save(tuple(np.shape(o) for o in others))
        return x

    def backward(self, g, shapes):
        return (g, *(np.zeros(s, dtype=g.dtype) for s in shapes))


class Cat(Function):
    """Join along ``axis``; each input's gradient is its slice of g."""

    def forward(self, *arrays, axis=0):
        ends = np.cumsum([a.shape[axis] for a in arrays])
        self.save(axis, list(zip([0, *ends[:-1]], ends)))
        return np.concatenate(arrays, axis=axis)

    def backward(self, g, axis, bounds):
        lead = (slice(None),) * (axis % g.ndim)
        return tuple(g[lead + (slice(int(s), int(e)),)] for s, e in bounds)


class Stack(Function):
    """Stack along a new ``axis``; input i's gradient is g[..., i, ...]."""

    def forward(self, *arrays, axis=0):
        self.save(axis, len(arrays))
        return np.stack(arrays, axis=axis)

    def backward(self, g, axis, count):
        lead = (slice(None),) * (axis % g.ndim)
        return tuple(g[lead + (i,)] for i in range(count))


# --- the copies and views of torch's shape surface ----------------------------------------


class Flip(Function):
    """y = x reversed along ``dims`` (a copy, as torch); dx = g reversed along them."""

    def forward(self, x, dims):
        self.save(dims)
        return np.flip(x, dims).copy()

    def backward(self, g, dims):
        return _run(Flip, g, dims=dims)


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (None: the flattened x);
    dx = g shifted back by -shifts."""

    def forward(self, x, shifts, dims):
        self.save(shifts, dims)
        return np.roll(x, shifts, dims)

    def backward(self, g, shifts, dims):
        back = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return _run(Roll, g, shifts=back, dims=dims)


class Tile(Function):
    """torch's x.repeat(*reps): y = x tiled ``reps`` times per dim (numpy's tile; x gets
    leading 1s first); dx = g seen as (r0, n0, r1, n1, ...) summed over the r axes."""

    def forward(self, x, reps):
        self.save(x.shape, reps)
        return np.tile(x, reps)

    @quiet
    def backward(self, g, in_shape, reps):
        full = (1,) * (len(reps) - len(in_shape)) + tuple(in_shape)
        split = tuple(n for pair in zip(reps, full) for n in pair)
        if not split:  # a 0-d x, repeated ()
            return g.reshape(in_shape)
        return g.reshape(split).sum(tuple(range(0, len(split), 2))).reshape(in_shape)


class RepeatInterleave(Function):
    """y = each slice of x along ``dim`` repeated (an int, or one count per slice);
    dx = the sum of each slice's copies: a reshape and sum for an int, else the copies
    added back at their source index (np.add.at on x's shape: linear in y's size)."""

    def forward(self, x, repeats, dim):
        self.save(x.shape, repeats, dim)
        return np.repeat(x, repeats, axis=dim)

    @quiet
    def backward(self, g, in_shape, repeats, dim):
        if isinstance(repeats, int):
            split = in_shape[:dim] + (in_shape[dim], repeats) + in_shape[dim + 1:]
            return g.reshape(split).sum(dim + 1)
        source = np.repeat(np.arange(in_shape[dim]), repeats)
        return scatter(g, (slice(None),) * dim + (source,), in_shape)


class Tril(Function):
    """y = x with the entries above the ``diagonal``-th diagonal of its last two dims set
    to 0 (a copy); dx = tril(g): the same mask."""

    mask = staticmethod(np.tril)

    def forward(self, x, diagonal):
        self.save(diagonal)
        return self.mask(x, diagonal)

    def backward(self, g, diagonal):
        return _run(type(self), g, diagonal=diagonal)


class Triu(Tril):
    """y = x with the entries below the ``diagonal``-th diagonal set to 0; dx = triu(g)."""

    mask = staticmethod(np.triu)


class Diagonal(Function):
    """y = the ``offset``-th diagonal of the (dim1, dim2) planes of x, as a new last dim (a
    view, as torch); dx = g placed on that diagonal of zeros (diag_embed's forward)."""

    is_view = True

    def forward(self, x, offset, dim1, dim2):
        self.save(x.shape, offset, dim1, dim2)
        y = np.diagonal(x, offset, dim1, dim2)
        if x.flags.writeable:  # NOTE: numpy's diagonal is read-only; torch's writes through
            y.flags.writeable = True
        return y

    def backward(self, g, in_shape, offset, dim1, dim2):
        return _run(DiagEmbed, g, shape=in_shape, offset=offset, dim1=dim1, dim2=dim2)


class DiagEmbed(Function):
    """y = zeros(shape) with x's last dim written on the ``offset``-th diagonal of the
    (dim1, dim2) planes; dx = that diagonal of g (diagonal's forward)."""

    def forward(self, x, shape, offset, dim1, dim2):
        self.save(offset, dim1, dim2)
        y = np.zeros(shape, x.dtype)
        y_diagonal = np.diagonal(y, offset, dim1, dim2)
        y_diagonal.flags.writeable = True
        y_diagonal[...] = x
        return y

    def backward(self, g, offset, dim1, dim2):
        return _run(Diagonal, g, offset=offset, dim1=dim1, dim2=dim2)


# --- rows (the first shape ops' rows are in table.py) --------------------------------------
REPS = np.array([2, 0, 1])  # repeat_interleave's counts: one slice dropped, one doubled


def _product(x: Any, y: Any) -> Any:
    return x * y


def _meshgrid(a: Any) -> Any:
    x, y = lib(a).meshgrid(a, a[:2], indexing="xy")
    return x * y + x


def _meshgrid_ref(a: np.ndarray) -> np.ndarray:
    x, y = np.meshgrid(a, a[:2])
    return x * y + x


# splitting: views made by basic indexing (GetItem), as torch's are views
row("split", GetItem, lambda a: lib(a).cat(a.split([1, 3], dim=1)[::-1], 1),
    lambda a: np.concatenate([a[:, 1:], a[:, :1]], 1), ((3, 4),), ((2, 4, 2),), torch=True)
row("split(int)", GetItem, lambda a: a.split(2)[1], lambda a: a[2:4], ((3, 4),), torch=True)
row("chunk", GetItem, lambda a: a.chunk(2, dim=-1)[1], lambda a: a[..., 2:], ((3, 4),),
    ((2, 3, 4),), torch=True)
row("unbind", GetItem, lambda a: a.unbind(1)[2] * a.unbind(1)[0],
    lambda a: a[:, 2] * a[:, 0], ((3, 4),), torch=True)
row("tensor_split", GetItem, lambda a: a.tensor_split([1, 3], dim=1)[1],
    lambda a: a[:, 1:3], ((3, 4),), torch=True)
row("narrow", GetItem, lambda a: a.narrow(-1, 1, 2), lambda a: a[..., 1:3], ((3, 4),),
    ((2, 3, 4),), torch=True)
# reordering copies
row("flip", Flip, lambda a: a.flip(0, -1), lambda a: np.flip(a, (0, -1)), ((3, 4),),
    ((2, 3, 4),), torch=True)
row("fliplr", Flip, lambda a: a.fliplr(), np.fliplr, ((3, 4),), torch=True)
row("flipud", Flip, lambda a: a.flipud(), np.flipud, ((3, 4),), torch=True)
row("rot90", Flip, lambda a: a.rot90(1, (0, 2)), lambda a: np.rot90(a, 1, (0, 2)),
    ((2, 3, 4),), torch=True)
row("rot90(k=-1)", Flip, lambda a: a.rot90(-1), lambda a: np.rot90(a, -1), ((3, 4),),
    torch=True)
row("roll", Roll, lambda a: a.roll((1, -2), (0, 1)), lambda a: np.roll(a, (1, -2), (0, 1)),
    ((3, 4),), ((2, 3, 4),), torch=True)
row("roll flat", Roll, lambda a: a.roll(5), lambda a: np.roll(a, 5), ((3, 4),), torch=True)
# repeating copies
row("repeat", Tile, lambda a: a.repeat(2, 1, 2), lambda a: np.tile(a, (2, 1, 2)), ((3, 4),),
    torch=True)
row("tile", Tile, lambda a: a.tile((2,)), lambda a: np.tile(a, 2), ((3, 4),), ((3,),),
    torch=True)
row("repeat_interleave", RepeatInterleave, lambda a: a.repeat_interleave(2, dim=1),
    lambda a: np.repeat(a, 2, 1), ((3, 4),), torch=True)
row("repeat_interleave flat", RepeatInterleave, lambda a: a.repeat_interleave(3),
    lambda a: np.repeat(a, 3), ((3, 4),), torch=True)
row("repeat_interleave(tensor)", RepeatInterleave,
    lambda a: a.repeat_interleave(lib(a).tensor(REPS), dim=0),
    lambda a: np.repeat(a, REPS, 0), ((3, 4),), ((3,),), torch=True)
# views that move or regroup dims
row("movedim", Permute, lambda a: a.movedim((0, 1), (2, 0)),
    lambda a: np.moveaxis(a, (0, 1), (2, 0)), ((2, 3, 4),), torch=True)
row("unflatten", Reshape, lambda a: a.unflatten(1, (2, -1)), lambda a: a.reshape(3, 2, 2),
    ((3, 4),), torch=True)
row("view_as", Reshape, lambda a: a.contiguous().view_as(a.T), lambda a: a.reshape(4, 3), ((3, 4),),
    torch=True)
row("reshape_as", Reshape, lambda a: a.T.reshape_as(a), lambda a: a.T.reshape(3, 4),
    ((3, 4),), torch=True)
row("expand_as", Expand, lambda a: a[:1].expand_as(a), lambda a: np.broadcast_to(
    a[:1], a.shape), ((3, 4),), torch=True)
row("broadcast_to", Expand, lambda a: a.broadcast_to((2, 3, 4)),
    lambda a: np.broadcast_to(a, (2, 3, 4)), ((3, 1),), ((4,),), torch=True)
row("broadcast_tensors", Expand, lambda a: _product(*lib(a).broadcast_tensors(a, a.T[:, :2])),
    lambda a: a * a.T[:, :2], ((3, 1),), torch=True)
row("meshgrid", Expand, _meshgrid, _meshgrid_ref, ((4,),), torch=True)
row("atleast_3d", Reshape, lambda a: lib(a).atleast_3d(a), lambda a: a.reshape(1, 4, 1),
    ((4,),), torch=True)
row("atleast_2d", Reshape, lambda a: lib(a).atleast_2d(a), lambda a: a.reshape(1, 1), ((),),
    torch=True)
# stacking
row("hstack", Cat, lambda a, b: lib(a).hstack([a, b, a]), lambda a, b: np.hstack([a, b, a]),
    ((3, 2), (3, 1)), ((3,), (2,)), torch=True)
row("vstack", Cat, lambda a, b: lib(a).vstack([a, b]), lambda a, b: np.vstack([a, b]),
    ((4,), (2, 4)), torch=True)
row("dstack", Cat, lambda a, b: lib(a).dstack([a, b]), lambda a, b: np.dstack([a, b]),
    ((3, 4), (3, 4)), ((3,), (3,)), torch=True)
row("column_stack", Cat, lambda a, b: lib(a).column_stack([a, b]),
    lambda a, b: np.column_stack([a, b]), ((3,), (3, 2)), torch=True)
# triangles and diagonals
row("tril", Tril, lambda a: a.tril(-1), lambda a: np.tril(a, -1), ((3, 4),), ((2, 3, 4),),
    torch=True)
row("triu", Triu, lambda a: a.triu(1), lambda a: np.triu(a, 1), ((3, 4),), ((2, 4, 3),),
    torch=True)
row("diagonal", Diagonal, lambda a: a.diagonal(1, -1, 0), lambda a: np.diagonal(a, 1, -1, 0),
    ((3, 4),), ((2, 3, 4),), torch=True)
row("diag(matrix)", Diagonal, lambda a: a.diag(1), lambda a: np.diag(a, 1), ((3, 4),),
    torch=True)
row("trace", Diagonal, lambda a: a.trace(), np.trace, ((3, 4),), ((4, 3),), torch=True)
row("diag", DiagEmbed, lambda a: a.diag(-1), lambda a: np.diag(a, -1), ((3,),), torch=True)
row("diag_embed", DiagEmbed, lambda a: a.diag_embed(),
    lambda a: a[..., None] * np.eye(a.shape[-1]), ((3,),), ((2, 3),), torch=True)
