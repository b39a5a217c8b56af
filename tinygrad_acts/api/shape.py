"""shape: split / chunk / unbind / tensor_split / narrow (views), flip / roll / rot90 /
repeat / tile / repeat_interleave (copies), movedim / unflatten / broadcast_to / meshgrid /
atleast_Nd (views), tril / triu / diag / diag_embed / diagonal (a view) / trace, and the
stacks (hstack / vstack / dstack / column_stack); plus ``ta.`` functions for the shape
methods of the Tensor class (reshape, permute, transpose, squeeze, flatten, concat ...).

The views are PyTorch's: they share memory and the version counter with their base (a
split's pieces are basic indexing, a diagonal a strided view), so a write through one is
seen, and checked, by the other. See api/__init__.py for how a function becomes a method.
"""
from __future__ import annotations

import itertools
import math
import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import autograd
from ..ops import shape as S
from ..tensor import Tensor, _dim, _size_arg, _tensor_arg, cat
from ..views import multi_output
from . import method

__all__ = [
    "split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit", "narrow",
    "flip", "fliplr", "flipud", "roll", "rot90", "tile", "repeat_interleave", "movedim",
    "moveaxis", "unflatten", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
    "meshgrid", "atleast_1d", "atleast_2d", "atleast_3d", "tril", "triu", "diag",
    "diag_embed", "diagonal", "trace", "hstack", "vstack", "dstack", "column_stack",
    "swapdims", "swapaxes", "reshape", "permute", "transpose", "squeeze", "unsqueeze",
    "flatten", "t", "concat", "concatenate", "unsafe_split", "unsafe_chunk",
    "unsafe_split_with_sizes",
]


def _int(who: str, n: Any, name: str) -> int:
    """An int argument (numpy's ints and 0-d integer tensors too); a bool or a float is a
    TypeError, as in torch."""
    if isinstance(n, Tensor) and n.ndim == 0 and n.dtype.kind in "iu":
        return int(n.item())
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{who}(): argument '{name}' must be int, not {type(n).__name__}")
    return int(n)


def _ints(who: str, v: Any, name: str) -> tuple[int, ...]:
    """An int or a sequence of ints, as a tuple."""
    if isinstance(v, (list, tuple)):
        return tuple(_int(who, n, name) for n in v)
    return (_int(who, v, name),)


def _at_least(who: str, x: Tensor, ndim: int) -> Tensor:
    x = _tensor_arg(who, x, "input")
    if x.ndim < ndim:
        raise RuntimeError(f"{who}: expects a tensor of at least {ndim} dims, got shape "
                           f"{x.shape}")
    return x


def _along(x: Tensor, dim: int, part: Any) -> Tensor:
    """x[..., part, ...] with ``part`` at ``dim``: a view (basic indexing)."""
    return x[(slice(None),) * dim + (part,)]


def _pieces(x: Tensor, dim: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    ends = np.cumsum([0, *sizes])
    return tuple(_along(x, dim, slice(int(a), int(b))) for a, b in itertools.pairwise(ends))


# --- splitting: split / chunk / unbind / tensor_split / hsplit / vsplit / dsplit / narrow ---


@method
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into views of ``split_size`` along ``dim`` (the last may be smaller), or of
    the given ``sections`` sizes.

    Args:
        tensor: the tensor to split (at least 1-d).
        split_size_or_sections: an int (the size of each piece) or a list of sizes.
        dim: the dim to split along (default 0).

    Shape:
        pieces of ``tensor.shape`` with ``dim`` cut to each size.

    Example:
        >>> import tinygrad_acts as ta
        >>> [p.shape for p in ta.arange(5).split(2)]
        [torch.Size([2]), torch.Size([2]), torch.Size([1])]
    """
    x = _at_least("split", tensor, 1)
    d = _dim("split", x, dim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = _ints("split", split_size_or_sections, "split_sizes")
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}, shape {x.shape}), "
                               f"but got split_sizes={list(sizes)}")
        return multi_output(_pieces(x, d, sizes), "SplitWithSizes")
    size = _int("split", split_size_or_sections, "split_size")
    if size < 0 or (size == 0 and n):
        raise RuntimeError(f"split: split_size must be positive (or 0 for a dim of size 0), "
                           f"got {size} for dim {d} of shape {x.shape}")
    whole, rest = divmod(n, size) if size else (0, 0)
    return multi_output(_pieces(x, d, [size] * whole + [rest] * bool(rest) or [0]), "Split")


@method
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` views of equal size along ``dim`` (ceil(n / chunks) each, so
    there may be fewer pieces, and the last may be smaller), as torch.

    Args:
        input: the tensor (at least 1-d).
        chunks: how many pieces (at most), > 0.
        dim: the dim to split along (default 0).

    Shape:
        pieces of ``input.shape`` with ``dim`` cut to ceil(n / chunks) (the last: the rest).

    Example:
        >>> import tinygrad_acts as ta
        >>> [p.tolist() for p in ta.arange(5).chunk(3)]
        [[0, 1], [2, 3], [4]]
    """
    x = _at_least("chunk", input, 1)
    chunks = _int("chunk", chunks, "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim("chunk", x, dim)
    n = x.shape[d]
    if not n:  # NOTE: as torch, an empty dim gives `chunks` empty pieces
        return multi_output(_pieces(x, d, [0] * chunks), "Split")
    return split(x, -(-n // chunks), d)


@method
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, as views, that dim removed.

    Args:
        input: the tensor (at least 1-d).
        dim: the dim to remove (default 0).

    Shape:
        ``input.shape[dim]`` tensors of ``input.shape`` without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> [r.tolist() for r in ta.tensor([[1, 2], [3, 4]]).unbind(1)]
        [[1, 3], [2, 4]]
    """
    x = _tensor_arg("unbind", input, "input")
    if not x.ndim:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    d = _dim("unbind", x, dim)
    return multi_output(tuple(_along(x, d, i) for i in range(x.shape[d])), "Unbind")


@method
def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``sections`` views whose sizes differ by at most one (the first ones
    larger), or at the given ``indices`` (Python's slicing: empty where they cross).

    Args:
        input: the tensor (at least 1-d).
        indices_or_sections: an int (sections), a list of indices, or an int64 tensor
            (0-d: sections, 1-d: indices).
        dim: the dim to split along (default 0).

    Shape:
        pieces of ``input.shape`` with ``dim`` cut.

    Example:
        >>> import tinygrad_acts as ta
        >>> [p.tolist() for p in ta.arange(7).tensor_split(3)]
        [[0, 1, 2], [3, 4], [5, 6]]
        >>> [p.tolist() for p in ta.arange(7).tensor_split([1, 5])]
        [[0], [1, 2, 3, 4], [5, 6]]
    """
    x = _at_least("tensor_split", input, 1)
    d = _dim("tensor_split", x, dim)
    split_at = indices_or_sections
    if isinstance(split_at, Tensor):
        if split_at.dtype != np.int64 or split_at.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a 0-d "
                               f"or 1-d tensor of dtype int64, got {split_at.dtype} of shape "
                               f"{split_at.shape}")
        split_at = split_at.tolist()
    n = x.shape[d]
    if isinstance(split_at, (list, tuple)):
        cuts = [0, *_ints("tensor_split", split_at, "indices"), n]
        return tuple(_along(x, d, slice(a, b)) for a, b in itertools.pairwise(cuts))
    sections = _int("tensor_split", split_at, "sections")
    if sections <= 0:
        raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got "
                           f"{sections}")
    q, r = divmod(n, sections)
    return _pieces(x, d, [q + 1] * r + [q] * (sections - r))


def _even_split(who: str, x: Tensor, at: Any, dim: int, ndim: int) -> tuple[Tensor, ...]:
    x = _at_least(who, x, ndim)
    if not isinstance(at, (list, tuple, Tensor)):
        at = _int(who, at, "sections")
        if at == 0 or x.shape[dim] % at:
            raise RuntimeError(f"{who}: torch.{who} attempted to split along dimension {dim}, "
                               f"but the size of the dimension {x.shape[dim]} is not "
                               f"divisible by the split_size {at}! (shape {x.shape})")
    return tensor_split(x, at, dim)


@method
def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 1 (dim 0 of a 1-d tensor); an int must divide the dim.

    Args:
        input: the tensor (at least 1-d).
        indices_or_sections: as tensor_split's.

    Shape:
        pieces of ``input.shape`` cut along dim 1 (0 for a 1-d input).

    Example:
        >>> import tinygrad_acts as ta
        >>> [p.shape for p in ta.zeros(2, 4).hsplit(2)]
        [torch.Size([2, 2]), torch.Size([2, 2])]
    """
    dim = 0 if _tensor_arg("hsplit", input, "input").ndim == 1 else 1
    return _even_split("hsplit", input, indices_or_sections, dim, 1)


@method
def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 0 of a tensor of at least 2 dims; an int must divide it.

    Args:
        input: the tensor (at least 2-d).
        indices_or_sections: as tensor_split's.

    Shape:
        pieces of ``input.shape`` cut along dim 0.

    Example:
        >>> import tinygrad_acts as ta
        >>> [p.shape for p in ta.zeros(4, 2).vsplit([1])]
        [torch.Size([1, 2]), torch.Size([3, 2])]
    """
    return _even_split("vsplit", input, indices_or_sections, 0, 2)


@method
def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 2 of a tensor of at least 3 dims; an int must divide it.

    Args:
        input: the tensor (at least 3-d).
        indices_or_sections: as tensor_split's.

    Shape:
        pieces of ``input.shape`` cut along dim 2.

    Example:
        >>> import tinygrad_acts as ta
        >>> [p.shape for p in ta.zeros(1, 2, 4).dsplit(2)]
        [torch.Size([1, 2, 2]), torch.Size([1, 2, 2])]
    """
    return _even_split("dsplit", input, indices_or_sections, 2, 3)


@method
def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """input[..., start:start + length, ...] along ``dim``, a view (``start`` may be
    negative, or a 0-d integer tensor).

    Args:
        input: the tensor (at least 1-d).
        dim: the dim to narrow.
        start: the first index kept.
        length: how many are kept (>= 0).

    Shape:
        ``input.shape`` with ``dim`` of size ``length``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.arange(6).narrow(0, 1, 3).tolist()
        [1, 2, 3]
    """
    x = _at_least("narrow", input, 1)
    d = _dim("narrow", x, dim)
    n = x.shape[d]
    start, length = _int("narrow", start, "start"), _int("narrow", length, "length")
    if not -n <= start <= n:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, "
                         f"{n}], but got {start}) for dim {d} of shape {x.shape}")
    start += n if start < 0 else 0
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}) of shape {x.shape}")
    return _along(x, d, slice(start, start + length))


# --- reordering copies: flip / fliplr / flipud / roll / rot90 -------------------------------


@method
def flip(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """y = input reversed along ``dims`` (a copy, as torch; ``x.flip(0, 1)`` or
    ``ta.flip(x, (0, 1))``).

    Args:
        input: the tensor.
        dims: the dims to reverse (distinct).

    Shape:
        the input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2], [3, 4]]).flip(1).tolist()
        [[2, 1], [4, 3]]
    """
    x = _tensor_arg("flip", input, "input")
    dims = _size_arg("flip", args, "dims", dims)
    axes = tuple(_dim("flip", x, d) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {dims} repeat a dim (shape {x.shape})")
    return S.Flip.apply(x, dims=axes if x.ndim else ())


@method
def fliplr(input: Tensor) -> Tensor:
    """input flipped left to right: flip(input, 1), for at least 2 dims (a copy).

    Args:
        input: the tensor (at least 2-d).

    Shape:
        the input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2, 3]]).fliplr().tolist()
        [[3, 2, 1]]
    """
    return flip(_at_least("fliplr", input, 2), 1)


@method
def flipud(input: Tensor) -> Tensor:
    """input flipped upside down: flip(input, 0), for at least 1 dim (a copy).

    Args:
        input: the tensor (at least 1-d).

    Shape:
        the input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1], [2]]).flipud().tolist()
        [[2], [1]]
    """
    return flip(_at_least("flipud", input, 1), 0)


@method
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """y = input shifted cyclically by ``shifts`` along ``dims`` (an element moved past
    the end comes back at the start); without dims, of the flattened tensor, reshaped
    back. A copy.

    Args:
        input: the tensor.
        shifts: an int or a tuple of ints, one per dim.
        dims: an int or a tuple of ints (default None: flattened).

    Shape:
        the input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.arange(5).roll(2).tolist()
        [3, 4, 0, 1, 2]
    """
    x = _tensor_arg("roll", input, "input")
    by = _ints("roll", shifts, "shifts")
    axes = () if dims is None else _ints("roll", dims, "dims")
    if not by:
        raise RuntimeError("roll: `shifts` required")
    if len(by) != len(axes) and (dims is not None or len(by) != 1):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(by)}, "
                           f"dims: {len(axes)}")
    if not x.numel():  # NOTE: as torch, an empty tensor is copied before dims are read
        return S.Roll.apply(x, shifts=0, dims=None)
    if dims is None:
        return S.Roll.apply(x, shifts=by[0], dims=None)
    if not x.ndim:
        raise IndexError("roll: dimension specified as 0 but tensor has no dimensions")
    axes = tuple(_dim("roll", x, d) for d in axes)
    return S.Roll.apply(x, shifts=by, dims=axes)


@method
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """input rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first
    towards the second (a copy: flips and a transpose).

    Args:
        input: the tensor (at least 2-d).
        k: the number of quarter turns (any int; negative turns the other way).
        dims: the two distinct dims of the plane (default (0, 1)).

    Shape:
        the input's, with the two dims swapped for an odd k.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2], [3, 4]]).rot90().tolist()
        [[2, 4], [1, 3]]
    """
    x = _tensor_arg("rot90", input, "input")
    plane = _ints("rot90", dims, "dims")
    if len(plane) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(plane)}")
    x = _at_least("rot90", x, 2)
    a, b = (_dim("rot90", x, d) for d in plane)
    if a == b:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{a} and dim1 = {b}")
    turns = _int("rot90", k, "k") % 4
    if turns == 0:
        return x.clone()
    if turns == 2:
        return flip(x, (a, b))
    # (cloned, in its layout: a tensor of its own, as torch's, not a view of the flip)
    return flip(x, b if turns == 1 else a).transpose(a, b).clone()


# --- repeating copies: repeat / tile / repeat_interleave ------------------------------------


@method
def repeat(self: Tensor, *sizes: Any, repeats: Any = None) -> Tensor:
    """torch's x.repeat(*repeats): the tensor tiled ``repeats[i]`` times along dim i (at
    least one count per dim; extra counts add leading dims). A copy. (numpy's tile.)

    Args:
        repeats: ints, or one tuple of ints, each >= 0.

    Shape:
        ``(r0 * n0, r1 * n1, ...)`` with x's shape padded by leading 1s.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1, 2]).repeat(2, 2).tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    reps = _size_arg("repeat", sizes, "repeats", repeats)
    if len(reps) < self.ndim:
        raise RuntimeError(f"repeat: number of dimensions of repeat dims ({len(reps)}) can "
                           f"not be smaller than number of dimensions of tensor {self.shape}")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
    return S.Tile.apply(self, reps=tuple(reps))


@method
def tile(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """repeat with fewer counts allowed: missing leading counts are 1 (numpy's tile).

    Args:
        input: the tensor.
        dims: ints, or one tuple of ints, each >= 0 (positionally, or as ``dims=``).

    Shape:
        as repeat's, after padding ``dims`` with leading 1s to input's ndim.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2]]).tile(2).tolist()
        [[1, 2, 1, 2]]
    """
    x = _tensor_arg("tile", input, "input")
    reps = _size_arg("tile", args, "dims", dims)
    return repeat(x, (1,) * (x.ndim - len(reps)) + tuple(reps))


@method(name="repeat_interleave")
def _repeat_interleave(self: Tensor, repeats: Any, dim: int | None = None, *,
                       output_size: int | None = None) -> Tensor:
    x = _tensor_arg("repeat_interleave", self, "input")
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise NotImplementedError(f"repeat_interleave: repeats must be an integer tensor, "
                                      f"got {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, "
                               f"got shape {repeats.shape}")
        counts = repeats._array.astype(np.int64).reshape(-1)
    else:
        counts = np.array([_int("repeat_interleave", repeats, "repeats")])
    if dim is None:
        x, d = x.flatten(), 0
    elif not x.ndim:
        raise IndexError("repeat_interleave: dimension specified as 0 but tensor has no "
                         "dimensions")
    else:
        d = _dim("repeat_interleave", x, dim)
    n = x.shape[d] if x.ndim else 1
    if counts.size not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                           f"along dim, but got repeats.size(0) = {counts.size} and "
                           f"input.size({d}) = {n}")
    if np.any(counts < 0):
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    total = int(counts.sum()) * (n if counts.size == 1 else 1)
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the "
                           f"required size {total}")
    if not x.ndim:
        x = x.reshape(1)
    counts_or_int = int(counts[0]) if counts.size == 1 else counts
    return S.RepeatInterleave.apply(x, repeats=counts_or_int, dim=d)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (slice along ``dim``) repeated ``repeats`` times in place, in order:
    [a, b] -> [a, a, b, b]. ``repeats``: an int, or one count per slice (an integer
    tensor); without dim, of the flattened input. ``ta.repeat_interleave(counts)`` alone
    repeats the indices 0 .. n-1 ``counts`` times. A copy.

    Args:
        input: the tensor (or, alone, the counts).
        repeats: an int or an integer tensor of counts (>= 0).
        dim: the dim (default None: the flattened input).
        output_size: the total size of that dim in the result, if known (checked).

    Shape:
        ``input.shape`` with ``dim`` of size sum(repeats) (or n * repeats).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2], [3, 4]]).repeat_interleave(2, dim=0).tolist()
        [[1, 2], [1, 2], [3, 4], [3, 4]]
        >>> ta.repeat_interleave(ta.tensor([1, 2])).tolist()
        [0, 1, 1]
    """
    if repeats is None:
        counts = _tensor_arg("repeat_interleave", input, "repeats")
        if counts.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, "
                               f"got shape {counts.shape}")
        index = Tensor._make(np.arange(counts.numel(), dtype=np.int64), False, None)
        return _repeat_interleave(index, counts, 0, output_size=output_size)
    return _repeat_interleave(input, repeats, dim, output_size=output_size)


# --- views that move or regroup dims: movedim / unflatten / broadcast / atleast -------------


@method
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """The dims ``source`` moved to positions ``destination``, the others keeping their
    order (a view: a permute).

    Args:
        input: the tensor.
        source: an int or a tuple of distinct dims.
        destination: as many distinct dims.

    Shape:
        the input's dims reordered.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 3, 4).movedim(0, -1).shape
        torch.Size([3, 4, 2])
    """
    x = _tensor_arg("movedim", input, "input")
    src, dst = _ints("movedim", source, "source"), _ints("movedim", destination, "destination")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} "
                           f"dims) should contain the same number of dims as destination "
                           f"({dst} dims)")
    src = tuple(_dim("movedim", x, d) for d in src)
    dst = tuple(_dim("movedim", x, d) for d in dst)
    for what, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{what}` ({list(dims)})")
    if not x.ndim:
        return x._permute(())
    order = [i for i in range(x.ndim) if i not in src]
    for to, frm in sorted(zip(dst, src)):
        order.insert(to, frm)
    return x._permute(tuple(order))


@method
def moveaxis(input: Tensor, source: Any, destination: Any) -> Tensor:
    """numpy's name for movedim (see movedim).

    Args:
        input: the tensor.
        source: an int or a tuple of distinct dims.
        destination: as many distinct dims.

    Shape:
        the input's dims reordered.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 3).moveaxis(1, 0).shape
        torch.Size([3, 2])
    """
    return movedim(input, source, destination)


@method
def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose(dim0, dim1) under numpy's other name (a view).

    Args:
        input: the tensor.
        dim0: a dim.
        dim1: the dim to swap it with.

    Shape:
        the input's with the two dims swapped.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 3).swapdims(0, 1).shape
        torch.Size([3, 2])
    """
    return _tensor_arg("swapdims", input, "input").transpose(dim0, dim1)


@method
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim ``dim`` split into ``sizes`` (one may be -1, inferred): a view (a reshape).

    Args:
        input: the tensor (at least 1-d).
        dim: the dim to split.
        sizes: the new sizes, whose product is that dim's size.

    Shape:
        ``input.shape[:dim] + sizes + input.shape[dim + 1:]``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(2, 6).unflatten(1, (3, -1)).shape
        torch.Size([2, 3, 2])
    """
    x = _at_least("unflatten", input, 1)
    d = _dim("unflatten", x, dim)
    new = _ints("unflatten", sizes, "sizes")
    if not isinstance(sizes, (list, tuple)) or not new:
        raise RuntimeError("unflatten: sizes must be a non-empty list or tuple of ints")
    known = math.prod(n for n in new if n != -1)
    n = x.shape[d]
    if new.count(-1) > 1 or any(s < -1 for s in new) or (known != n if -1 not in new else (
            known == 0 or n % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(new)} don't multiply up to the "
                           f"size of dim {d} ({n}) in the input tensor of shape {x.shape}")
    new = tuple(n // known if s == -1 else s for s in new)
    return x.reshape(x.shape[:d] + new + x.shape[d + 1:])


@method
def view_as(self: Tensor, other: Tensor) -> Tensor:
    """self.view(other.shape): a view (refused where a view cannot be made).

    Args:
        other: the tensor whose shape to take.

    Shape:
        ``other.shape``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(6).view_as(ta.zeros(2, 3)).shape
        torch.Size([2, 3])
    """
    return self.view(_tensor_arg("view_as", other).shape)


@method
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """self.reshape(other.shape): a view where possible, else a copy.

    Args:
        other: the tensor whose shape to take.

    Shape:
        ``other.shape``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(6).reshape_as(ta.zeros(3, 2)).shape
        torch.Size([3, 2])
    """
    return self.reshape(_tensor_arg("reshape_as", other).shape)


@method
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """self.expand(other.shape): a broadcast view (no copy).

    Args:
        other: the tensor whose shape to take.

    Shape:
        ``other.shape``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(3, 1).expand_as(ta.zeros(3, 4)).shape
        torch.Size([3, 4])
    """
    return self.expand(_tensor_arg("expand_as", other).shape)


@method(name="broadcast_to")
def _broadcast_to(self: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    """``x.broadcast_to(2, 2)`` or ``x.broadcast_to((2, 2))`` (the method takes the sizes
    either way, as torch's); ``ta.broadcast_to(x, (2, 2))`` takes one shape."""
    if not size:
        return broadcast_to(self, **kwargs)
    one = len(size) == 1 and not isinstance(size[0], (int, np.integer))
    return broadcast_to(self, size[0] if one else size, **kwargs)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """input broadcast to ``size`` (-1 keeps a size): expand, a view.

    Args:
        input: the tensor.
        size: the shape to broadcast to.

    Shape:
        ``size``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1, 2]).broadcast_to((2, 2)).tolist()
        [[1, 2], [1, 2]]
    """
    return _tensor_arg("broadcast_to", input, "input").expand(*_size_arg(
        "broadcast_to", (size,), "size"))


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape that tensors of ``shapes`` broadcast to (an int is a 1-d shape).

    Args:
        shapes: shapes (tuples of ints) or ints.

    Shape:
        the broadcast shape, as a tuple.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.broadcast_shapes((2, 1), (3,))
        (2, 3)
    """
    sizes = [tuple(_ints("broadcast_shapes", s, "shape")) for s in shapes]
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*sizes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {sizes} cannot be broadcast together "
                           "(aligned from the right, each pair of sizes must be equal or "
                           "one of them 1)") from None


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Each tensor expanded to the shape they all broadcast to (views).

    Args:
        tensors: the tensors.

    Shape:
        each: ``broadcast_shapes(*shapes)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> [t.shape for t in ta.broadcast_tensors(ta.zeros(2, 1), ta.zeros(3))]
        [torch.Size([2, 3]), torch.Size([2, 3])]
    """
    ts = [_tensor_arg("broadcast_tensors", t, "tensors") for t in tensors]
    shape = broadcast_shapes(*[t.shape for t in ts])
    return tuple(t.expand(shape) for t in ts)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors: output i holds tensors[i] along its own dim
    (``indexing="ij"``: dim i; ``"xy"``: the first two swapped, as numpy's default). Views
    (expands). Without ``indexing`` it is "ij", with torch's warning.

    Args:
        tensors: 0-d or 1-d tensors of one dtype (or one list of them).
        indexing: "ij" or "xy".

    Shape:
        each: ``(n0, n1, ...)`` ("ij") or ``(n1, n0, ...)`` ("xy").

    Example:
        >>> import tinygrad_acts as ta
        >>> x, y = ta.meshgrid(ta.tensor([1, 2]), ta.tensor([3, 4, 5]), indexing="ij")
        >>> x.shape, y[0].tolist()
        (torch.Size([2, 3]), [3, 4, 5])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = [_tensor_arg("meshgrid", t, "tensors") for t in tensors]
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument (as in torch); using 'ij'", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be one of "xy" or "ij", got {indexing!r}')
    if any(t.ndim > 1 for t in ts) or len({t.dtype for t in ts}) > 1:
        raise RuntimeError(f"meshgrid expects 0-d or 1-d tensors of one dtype, got shapes "
                           f"{[t._array.shape for t in ts]} and dtypes "
                           f"{[str(t.dtype) for t in ts]}")
    place = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        place[0], place[1] = 1, 0
    shape = [0] * len(ts)
    for i, t in zip(place, ts):
        shape[i] = t.numel()
    return tuple(t.reshape([-1 if j == i else 1 for j in range(len(ts))]).expand(*shape)
                 for i, t in zip(place, ts))


def _atleast(who: str, tensors: tuple, grow: Any) -> Any:
    many = len(tensors) != 1 or isinstance(tensors[0], (list, tuple))
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = tuple(grow(_tensor_arg(who, t, "tensors")) for t in tensors)
    return out if many else out[0]


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim: a 0-d one as shape (1,) (a view), others as they
    are (the same tensor). One tensor in, one out; several (or a list), a tuple.

    Args:
        tensors: tensors, or one list of them.

    Shape:
        ``()`` -> ``(1,)``; others unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.atleast_1d(ta.tensor(3.0)).shape
        torch.Size([1])
    """
    return _atleast("atleast_1d", tensors, lambda t: t.reshape(1) if not t.ndim else t)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n) (views); others as
    they are.

    Args:
        tensors: tensors, or one list of them.

    Shape:
        ``()`` -> ``(1, 1)``, ``(n,)`` -> ``(1, n)``; others unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.atleast_2d(ta.zeros(3)).shape
        torch.Size([1, 3])
    """
    return _atleast("atleast_2d", tensors,
                    lambda t: t.reshape(1, t.numel()) if t.ndim < 2 else t)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) ->
    (m, n, 1) (views); others as they are.

    Args:
        tensors: tensors, or one list of them.

    Shape:
        as above; 3 or more dims unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.atleast_3d(ta.zeros(2, 3)).shape
        torch.Size([2, 3, 1])
    """
    def grow(t: Tensor) -> Tensor:
        shape = {0: (1, 1, 1), 1: (1, t.numel(), 1)}.get(t.ndim, t.shape + (1,))
        return t.reshape(shape) if t.ndim < 3 else t
    return _atleast("atleast_3d", tensors, grow)


# --- stacking: hstack / vstack / dstack / column_stack --------------------------------------


def _seq(who: str, tensors: Any) -> list:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{who}(): argument 'tensors' must be a tuple or list of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{who}: expects a non-empty TensorList")
    return list(tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-d tensors), after atleast_1d.

    Args:
        tensors: a list of tensors.

    Shape:
        the join of the shapes along dim 1 (or 0).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.hstack([ta.tensor([1, 2]), ta.tensor([3])]).tolist()
        [1, 2, 3]
    """
    ts = atleast_1d(_seq("hstack", tensors))
    return cat(list(ts), 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, after atleast_2d (1-d tensors become rows).

    Args:
        tensors: a list of tensors.

    Shape:
        the join of the (at least 2-d) shapes along dim 0.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.vstack([ta.tensor([1, 2]), ta.tensor([3, 4])]).tolist()
        [[1, 2], [3, 4]]
    """
    return cat(list(atleast_2d(_seq("vstack", tensors))), 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2, after atleast_3d.

    Args:
        tensors: a list of tensors.

    Shape:
        the join of the (at least 3-d) shapes along dim 2.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.dstack([ta.tensor([1, 2]), ta.tensor([3, 4])]).shape
        torch.Size([1, 2, 2])
    """
    return cat(list(atleast_3d(_seq("dstack", tensors))), 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, 0-d and 1-d tensors first made columns (n, 1).

    Args:
        tensors: a list of tensors.

    Shape:
        the join along dim 1.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.column_stack([ta.tensor([1, 2]), ta.tensor([3, 4])]).tolist()
        [[1, 3], [2, 4]]
    """
    ts = [_tensor_arg("column_stack", t, "tensors") for t in _seq("column_stack", tensors)]
    return cat([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in ts], 1)


# --- triangles and diagonals: tril / triu / diag / diag_embed / diagonal / trace ------------


@method
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: y[i, j] = x[i, j] if j - i <= diagonal,
    else 0 (a copy).

    Args:
        input: the tensor (at least 2-d).
        diagonal: which diagonal bounds it (0 main, > 0 above, < 0 below).

    Shape:
        the input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ones(2, 2).tril().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    x = _at_least("tril", input, 2)
    return S.Tril.apply(x, diagonal=_int("tril", diagonal, "diagonal"))


@method
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: y[i, j] = x[i, j] if j - i >= diagonal,
    else 0 (a copy).

    Args:
        input: the tensor (at least 2-d).
        diagonal: which diagonal bounds it (0 main, > 0 above, < 0 below).

    Shape:
        the input's.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ones(2, 2).triu(1).tolist()
        [[0.0, 1.0], [0.0, 0.0]]
    """
    x = _at_least("triu", input, 2)
    return S.Triu.apply(x, diagonal=_int("triu", diagonal, "diagonal"))


@method
def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """tril in place (bumps the version; refused on a leaf that requires grad).

    Args:
        diagonal: as tril's.

    Shape:
        unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ones(2, 2).tril_().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    _at_least("tril_", self, 2)
    return self._inplace(S.Tril, diagonal=_int("tril_", diagonal, "diagonal"), _name="tril_")


@method
def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """triu in place (bumps the version; refused on a leaf that requires grad).

    Args:
        diagonal: as triu's.

    Shape:
        unchanged.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.ones(2, 2).triu_().tolist()
        [[1.0, 1.0], [0.0, 1.0]]
    """
    _at_least("triu_", self, 2)
    return self._inplace(S.Triu, diagonal=_int("triu_", diagonal, "diagonal"), _name="triu_")


def _diagonal_index(shape: tuple, offset: int, d1: int, d2: int, k: int) -> tuple:
    """The positions the (offset, d1, d2) diagonal of ``shape`` views, as an array index
    of the view's shape (how the view's base gets its graph after an in-place write)."""
    step = np.arange(k)
    rows, cols = (step, step + offset) if offset >= 0 else (step - offset, step)
    others = [i for i in range(len(shape)) if i not in (d1, d2)]
    index: list = [None] * len(shape)
    for j, i in enumerate(others):
        index[i] = np.arange(shape[i]).reshape([-1 if m == j else 1 for m in range(
            len(others) + 1)])
    index[d1], index[d2] = rows, cols
    return tuple(index)


@method
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the (dim1, dim2) planes, as a new last dim: a view
    (a write through it changes input), as torch.

    Args:
        input: the tensor (at least 2-d).
        offset: 0 the main diagonal, > 0 above it, < 0 below.
        dim1: the first dim of the plane (default 0).
        dim2: the second (default 1), distinct from dim1.

    Shape:
        input's shape without dim1 and dim2, plus the diagonal's length.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2], [3, 4]]).diagonal().tolist()
        [1, 4]
    """
    x = _tensor_arg("diagonal", input, "input")
    d1, d2 = _dim("diagonal", x, dim1), _dim("diagonal", x, dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _int("diagonal", offset, "offset")
    out = S.Diagonal.apply(x, offset=offset, dim1=d1, dim2=d2)
    return x._view_of(out, "index", _diagonal_index(x.shape, offset, d1, d2, out.shape[-1]))


@method
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor of zeros whose (dim1, dim2) planes have input's last dim on their
    ``offset``-th diagonal (the inverse of diagonal).

    Args:
        input: the tensor (at least 1-d).
        offset: 0 the main diagonal, > 0 above it, < 0 below.
        dim1: the first dim of the plane in the result (default -2).
        dim2: the second (default -1).

    Shape:
        ``(*, n)`` -> ``(*, m, m)`` with m = n + abs(offset) (at dim1, dim2).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1, 2]).diag_embed().tolist()
        [[1, 0], [0, 2]]
    """
    x = _tensor_arg("diag_embed", input, "input")
    d1, d2 = _dim("diag_embed", x, dim1, extra=1), _dim("diag_embed", x, dim2, extra=1)
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _int("diag_embed", offset, "offset")
    shape = list(x.shape[:-1])
    m = x.shape[-1] + abs(offset)
    for d in sorted((d1, d2)):
        shape.insert(d, m)
    return S.DiagEmbed.apply(x, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2)


@method
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-d input: the square matrix with input on its ``diagonal``-th diagonal; 2-d input:
    that diagonal of it (a copy, unlike diagonal()).

    Args:
        input: a 1-d or 2-d tensor.
        diagonal: 0 the main diagonal, > 0 above it, < 0 below.

    Shape:
        ``(n,)`` -> ``(n + |k|, n + |k|)``; ``(m, n)`` -> the diagonal's length.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([1, 2]).diag().tolist()
        [[1, 0], [0, 2]]
        >>> ta.tensor([[1, 2], [3, 4]]).diag(1).tolist()
        [2]
    """
    x = _tensor_arg("diag", input, "input")
    k = _int("diag", diagonal, "diagonal")
    if x.ndim == 1:
        m = x.shape[0] + abs(k)
        return S.DiagEmbed.apply(x, shape=(m, m), offset=k, dim1=0, dim2=1)
    if x.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D (shape "
                           f"{x.shape})")
    out = S.Diagonal.apply(x, offset=k, dim1=0, dim2=1)
    out._array = out._array.copy()  # NOTE: a copy, as torch's diag (Diagonal saves no values)
    return out


@method
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-d tensor (integers: an int64 sum, as torch).

    Args:
        input: a 2-d tensor (not bool).

    Shape:
        ``(m, n)`` -> ``()``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[1, 2], [3, 4]]).trace().item()
        5
    """
    x = _tensor_arg("trace", input, "input")
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim} "
                           f"(shape {x.shape})")
    if x.dtype == np.bool_:
        raise NotImplementedError('"trace" not implemented for \'Bool\'')
    return S.Diagonal.apply(x, offset=0, dim1=0, dim2=1).sum()


# --- ta. functions for the Tensor class's own shape methods ---------------------------------


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """``input.reshape(shape)``: see Tensor.reshape."""
    return _tensor_arg("reshape", input, "input").reshape(shape)


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input.permute(dims)``: see Tensor.permute."""
    return _tensor_arg("permute", input, "input").permute(*dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``input.transpose(dim0, dim1)``: see Tensor.transpose."""
    return _tensor_arg("transpose", input, "input").transpose(dim0, dim1)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``input.swapaxes(axis0, axis1)``: see Tensor.transpose."""
    return _tensor_arg("swapaxes", input, "input").transpose(axis0, axis1)


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """``input.squeeze(dim)``: see Tensor.squeeze."""
    return _tensor_arg("squeeze", input, "input").squeeze(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """``input.unsqueeze(dim)``: see Tensor.unsqueeze."""
    return _tensor_arg("unsqueeze", input, "input").unsqueeze(dim)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input.flatten(start_dim, end_dim)``: see Tensor.flatten."""
    return _tensor_arg("flatten", input, "input").flatten(start_dim, end_dim)


def t(input: Tensor) -> Tensor:
    """``input.t()``: see Tensor.t."""
    return _tensor_arg("t", input, "input").t()


def concat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """``ta.cat(tensors, dim)`` under torch's other name."""
    return cat(list(tensors), dim)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """``ta.cat(tensors, axis)`` under numpy's name (torch's ``concatenate``)."""
    return cat(list(tensors), axis)


# --- unsafe_split / unsafe_chunk, and the in-place metadata ops (t_, transpose_ ...) ----------

@method
def unsafe_split(tensor: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``split`` under torch's "unsafe" name (torch skips a view check there; the pieces
    and their gradients are the same)."""
    return split(tensor, split_size, dim)


@method
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``chunk`` under torch's "unsafe" name."""
    return chunk(input, chunks, dim)


@method
def unsafe_split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``split`` with a list of sizes, under torch's "unsafe" name."""
    return split(input, list(split_sizes), dim)


_STATE = ("_data", "_requires_grad", "grad_fn", "_counter", "_retains_grad", "_hooks", "_base",
          "_views")


def _reshaped_in_place(self: Tensor, name: str, make: Any) -> Tensor:
    """This very tensor becomes ``make(self)`` (a view of its memory with new sizes and
    strides), as torch's in-place metadata ops: the version counter moves (a node that saved
    it refuses it then), and in grad mode the change is a node of the graph (a leaf that
    requires grad, or a view of one, refuses it). Recording, the old state lives on as a
    hidden tensor that this one is a view of, so the view machinery stays exact."""
    if not autograd.is_recording() or not self.requires_grad:  # (no graph to keep)
        out = make(self)
        self._data = out._array
        self._counter[0] += 1
        return self
    self._check_graph(name)
    ghost = Tensor.__new__(type(self))
    for slot in _STATE:
        setattr(ghost, slot, getattr(self, slot))
    ghost._grad = None
    for view in list(self._views or ()):  # the old tensor's views are views of the ghost
        if view._base is not None and view._base[0] is self:
            view._base = (ghost, *view._base[1:])
    if self._base is not None and self._base[0]._views is not None:
        _swap(self._base[0], self, ghost)
    out = make(ghost)
    for slot in ("_data", "_requires_grad", "grad_fn", "_counter", "_base"):
        setattr(self, slot, getattr(out, slot))
    self._views = None
    if ghost._views is not None:
        _swap(ghost, out, self)
    self._counter[0] += 1
    return self


def _swap(base: Tensor, old: Tensor, new: Tensor) -> None:
    """In base's set of views, ``new`` in place of ``old`` (a new WeakSet: its ``discard``
    would compare tensors with ``==``)."""
    kept = [v for v in base._views or () if v is not old]
    if len(kept) < len(base._views or ()):
        base._views = weakref.WeakSet([*kept, new])


@method
def t_(self: Tensor) -> Tensor:
    """``t()`` in place: this tensor becomes its transpose (at most 2 dims)."""
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{self.ndim}D (shape {self.shape})")
    return _reshaped_in_place(self, "t_", lambda x: x.t())


@method
def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose(dim0, dim1)`` in place: this tensor's sizes and strides change."""
    _dim("transpose_", self, dim0), _dim("transpose_", self, dim1)
    return _reshaped_in_place(self, "transpose_", lambda x: x.transpose(dim0, dim1))


@method
def swapaxes_(self: Tensor, axis0: int, axis1: int) -> Tensor:
    """``swapaxes`` in place (``transpose_``)."""
    return transpose_(self, axis0, axis1)


@method
def swapdims_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``swapdims`` in place (``transpose_``)."""
    return transpose_(self, dim0, dim1)


@method
def squeeze_(self: Tensor, dim: Any = None) -> Tensor:
    """``squeeze(dim)`` in place: this tensor drops the size-1 dims."""
    self.squeeze(dim)  # checks the dims
    return _reshaped_in_place(self, "squeeze_", lambda x: x.squeeze(dim))


@method
def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """``unsqueeze(dim)`` in place: this tensor gains a size-1 dim at ``dim``."""
    _dim("unsqueeze_", self, dim, extra=1)
    return _reshaped_in_place(self, "unsqueeze_", lambda x: x.unsqueeze(dim))
