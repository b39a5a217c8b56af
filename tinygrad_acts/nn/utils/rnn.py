"""nn.utils.rnn: variable-length batches for the recurrent layers, as torch's.

pad_sequence / unpad_sequence turn a list of (L_i, *) sequences into one padded (T, B, *)
tensor and back; pack_padded_sequence / pad_packed_sequence (and pack_sequence /
unpack_sequence) turn a padded batch into a ``PackedSequence`` and back: the time steps
stacked, each holding only the sequences still running (torch's exact layout).

Each conversion is one gather (a getitem with an index array, after at most one ``cat``),
so gradients flow back to the inputs through ``data``: no Python loop over time steps.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ...tensor import Tensor, cat, full

__all__ = ["PackedSequence", "pad_sequence", "unpad_sequence", "pack_padded_sequence",
           "pad_packed_sequence", "pack_sequence", "unpack_sequence", "invert_permutation"]


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None stays None), as int64.

    Example:
        >>> import tinygrad_acts as ta
        >>> invert_permutation(ta.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = np.asarray(permutation._array if isinstance(permutation, Tensor) else permutation)
    out = np.empty_like(p, dtype=np.int64)
    out[p] = np.arange(p.size)
    return Tensor._wrap(out)


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A packed batch of variable-length sequences (a named tuple, as torch's).

    ``data`` (sum(lengths), *) stacks the time steps: step t holds the ``batch_sizes[t]``
    sequences still running, in order of decreasing length. ``batch_sizes`` is an int64
    Tensor of length max(lengths); ``sorted_indices`` is the batch order that sorting by
    length made (None when the input was sorted) and ``unsorted_indices`` its inverse
    (computed from it when not given).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([ta.tensor([1.0, 2.0, 3.0]), ta.tensor([4.0])])
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 3.]), tensor([2, 1, 1]))
    """

    __slots__ = ()

    def __new__(cls, data: Any, batch_sizes: Any = None,
                sorted_indices: Tensor | None = None, unsorted_indices: Tensor | None = None
                ) -> PackedSequence:
        if batch_sizes is None:  # torch's legacy form: PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same packing with ``data.to(...)`` (the indices stay int64)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    def half(self) -> PackedSequence:
        return self.to(np.float16)

    def long(self) -> PackedSequence:
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        return self.to(np.int32)


def _gather(flat: Tensor, index: np.ndarray, padding_value: float) -> Tensor:
    """flat (N, *) read at ``index`` (any shape), where the index N reads padding_value."""
    pad = full((1, *flat.shape[1:]), padding_value, dtype=flat.dtype)
    return cat([flat, pad])[index]


def _lengths(lengths: Any, who: str) -> np.ndarray:
    arr = np.asarray(lengths._array if isinstance(lengths, Tensor) else lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"{who}: 'lengths' argument should be a 1D CPU int64 tensor, but "
                           f"got a {arr.ndim}D one (shape {arr.shape})")
    return arr.astype(np.int64)


def pad_sequence(sequences: Sequence[Tensor] | Tensor, batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths, padded to the longest:
    out[t, b] = sequences[b][t] for t < len(sequences[b]), else padding_value.

    Args:
        sequences: tensors (L_i, *) with the same trailing dims (the first's dtype is the
            result's; a Tensor counts as a list of its rows).
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: the value of the padding (default 0).
        padding_side: "right" (default) pads after each sequence, "left" before it.

    Shape:
        Output (T, B, *) with T = max L_i, or (B, T, *) with batch_first.

    Example:
        >>> import tinygrad_acts as ta
        >>> pad_sequence([ta.tensor([1.0, 2.0, 3.0]), ta.tensor([4.0])], batch_first=True)
        tensor([[1., 2., 3.],
                [4., 0., 0.]])
    """
    who = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"{who}: Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    seqs = [sequences[i] for i in range(len(sequences))] if isinstance(
        sequences, Tensor) else list(sequences)
    if not seqs:
        raise RuntimeError(f"{who}: received an empty list of sequences")
    if any(s.ndim == 0 for s in seqs):
        raise IndexError(f"{who}: Dimension specified as 0 but tensor has no dimensions "
                         f"(shapes {[tuple(s.shape) for s in seqs]})")
    tail = seqs[0].shape[1:]
    if any(s.shape[1:] != tail for s in seqs):
        raise RuntimeError(f"{who}: every sequence needs the trailing shape {tail} of the "
                           f"first, got shapes {[tuple(s.shape) for s in seqs]}")
    dtype = seqs[0].dtype
    lengths = np.array([s.shape[0] for s in seqs], np.int64)
    starts, total = np.cumsum(lengths) - lengths, int(lengths.sum())
    t = np.arange(lengths.max())[:, None]
    pos = t - (lengths.max() - lengths if padding_side == "left" else 0)
    index = np.where((pos >= 0) & (pos < lengths), starts + pos, total)
    flat = cat([s if s.dtype == dtype else s.to(dtype) for s in seqs])
    return _gather(flat, index.T if batch_first else index, padding_value)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """The sequences of a padded batch: [padded[:L_b, b] for each b] (views).

    Example:
        >>> import tinygrad_acts as ta
        >>> unpad_sequence(ta.tensor([[1.0, 4.0], [2.0, 0.0]]), ta.tensor([2, 1]))
        [tensor([1., 2.]), tensor([4.])]
    """
    lens = _lengths(lengths, "unpad_sequence")
    if batch_first:
        return [padded_sequences[b, :n] for b, n in enumerate(lens.tolist())]
    return [padded_sequences[:n, b] for b, n in enumerate(lens.tolist())]


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch: data holds, for each time step t, the rows input[t, b] of the
    sequences with lengths[b] > t, longest first (the padding is dropped).

    Args:
        input: the padded batch, (T, B, *) (or (B, T, *) with batch_first).
        lengths: each sequence's length (a list or a 1-d int Tensor), all in [1, T].
        batch_first: the input is (B, T, *).
        enforce_sorted: the lengths must be non-increasing; with False they are sorted here
            (stably) and the order kept in sorted_indices / unsorted_indices.

    Shape:
        data (sum(lengths), *); batch_sizes (max(lengths),).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]])
        >>> pack_padded_sequence(x, [3, 1]).data
        tensor([1., 4., 2., 3.])
    """
    who = "pack_padded_sequence"
    lens = _lengths(lengths, who)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lens.size != batch:
        raise RuntimeError(f"{who}: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={batch})")
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise RuntimeError(f"{who}: `lengths` array must be sorted in decreasing order "
                               "when `enforce_sorted` is True (got lengths "
                               f"{lens.tolist()}). You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement.")
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    if lens.size and lens.min() <= 0:
        raise RuntimeError(f"{who}: Length of all samples has to be greater than 0, but found "
                           "an element in 'lengths' that is <= 0")
    if lens.size and lens.max() > steps:
        raise ValueError(f"{who}: a length {lens.max()} is longer than the input's "
                         f"{steps} time steps (input shape {input.shape})")
    t, b = np.nonzero(np.arange(lens.max() if lens.size else 0)[:, None] < lens)
    b = b if order is None else order[b]
    data = input[b, t] if batch_first else input[t, b]
    batch_sizes = Tensor._wrap((lens[None, :] > np.arange(lens[0] if lens.size else 0)[:, None])
                         .sum(1).astype(np.int64))
    sorted_indices = None if order is None else Tensor._wrap(order.astype(np.int64))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Undo pack_padded_sequence: the padded batch, in the original batch order, and the
    lengths (int64).

    Args:
        sequence: a PackedSequence.
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: the value of the padding (default 0).
        total_length: pad to this many time steps (at least the longest length).

    Shape:
        Output (T, B, *) with T = total_length or max(lengths); lengths (B,).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]])
        >>> pad_packed_sequence(pack_padded_sequence(x, [3, 1]), padding_value=-1.0)
        (tensor([[ 1.,  4.],
                [ 2., -1.],
                [ 3., -1.]]), tensor([3, 1]))
    """
    sizes = np.asarray(sequence.batch_sizes._array, np.int64)
    steps = sizes.size if total_length is None else total_length
    if steps < sizes.size:
        raise ValueError("pad_packed_sequence: Expected total_length to be at least the length "
                         f"of the longest sequence in input, but got total_length="
                         f"{total_length} and max sequence length being {sizes.size}")
    batch = int(sizes[0]) if sizes.size else 0
    lens = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # per sorted sequence
    unsorted = sequence.unsorted_indices
    cols = np.arange(batch) if unsorted is None else np.asarray(unsorted._array)
    t = np.arange(steps)[:, None]
    first = np.concatenate([[0], np.cumsum(sizes)])  # where step t begins in data
    index = np.where(t < lens[cols], first[np.minimum(t, sizes.size)] + cols,
                     sequence.data.shape[0])
    padded = _gather(sequence.data, index.T if batch_first else index, padding_value)
    return padded, Tensor._wrap(lens[cols].astype(np.int64))


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) sequences: pack_padded_sequence(pad_sequence(sequences),
    their lengths).

    Example:
        >>> import tinygrad_acts as ta
        >>> p = pack_sequence([ta.tensor([1.0]), ta.tensor([2.0, 3.0])], enforce_sorted=False)
        >>> p.data, p.batch_sizes, p.sorted_indices
        (tensor([2., 1., 3.]), tensor([2, 1]), tensor([1, 0]))
    """
    lengths = [s.shape[0] if s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in the original order.

    Example:
        >>> import tinygrad_acts as ta
        >>> unpack_sequence(pack_sequence([ta.tensor([1.0]), ta.tensor([2.0, 3.0])], False))
        [tensor([1.]), tensor([2., 3.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
