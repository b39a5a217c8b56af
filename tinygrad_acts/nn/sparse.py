"""Embedding layers: Embedding, EmbeddingBag, and the functional ``embedding_bag``, with
torch's arguments, attributes, init (N(0, 1), the padding row zeroed), ``weight`` key and
reprs. ``Embedding`` runs ``F.embedding`` (ops/fused.py's rule); ``embedding_bag`` reduces
each bag in one node (ops/embedding_bag.py)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import no_grad
from ..ops.embedding_bag import EmbeddingBagMax, EmbeddingBagSum
from ..tensor import Tensor, check_device, get_default_dtype
from . import init
from .module import Module, Parameter

__all__ = ["Embedding", "EmbeddingBag", "embedding_bag"]

_MODES = ("sum", "mean", "max")


def _padding_idx(padding_idx: int | None, n: int, who: str) -> int | None:
    """padding_idx in [0, n) (a negative one counts from the end), as torch checks it."""
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise AssertionError(f"{who}: padding_idx must be within num_embeddings "
                             f"({n}), got {padding_idx}")
    return padding_idx % n


def _int_tensor(x: Any, who: str, what: str) -> np.ndarray:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: {what} must be a Tensor, not {type(x).__name__}")
    if x.dtype.kind not in "iu":
        raise RuntimeError(f"{who}: Expected tensor for argument '{what}' to have one of the "
                           f"following scalar types: Long, Int; but got dtype {x.dtype} "
                           f"instead (shape {x.shape})")
    return x._array.astype(np.int64, copy=False)


def _renorm_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside the graph, each looked-up row whose norm exceeds
    max_norm to max_norm (torch's embedding_renorm_: scale max_norm / (norm + 1e-7))."""
    rows = np.unique(idx)
    norms = np.linalg.norm(weight._array[rows], ord=norm_type, axis=1)
    big = rows[norms > max_norm]
    if big.size:
        scale = (max_norm / (norms[norms > max_norm] + 1e-7)).astype(weight.dtype)
        with no_grad():
            weight[Tensor._wrap(big)] = weight[Tensor._wrap(big)] * Tensor._wrap(scale[:, None])


def _bags(who: str, idx: np.ndarray, offsets: Any, include_last_offset: bool
          ) -> tuple[np.ndarray, np.ndarray]:
    """The flat indices in bags and the number of them in each bag (a 1-d input's bags run
    from each offset to the next, the last to the input's end or the last offset)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: if input is 2D, then offsets has to be None, as input "
                             "is treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets).__name__}")
        if idx.shape[1] == 0:
            raise RuntimeError(f"{who}: a 2-D input needs bags of at least one index, got "
                               f"shape {idx.shape}")
        return idx.reshape(-1), np.full(idx.shape[0], idx.shape[1], np.int64)
    if idx.ndim != 1:
        raise ValueError(f"{who}: input has to be 1D or 2D Tensor, but got Tensor of "
                         f"dimension {idx.ndim}")
    if offsets is None:
        raise ValueError(f"{who}: offsets has to be a 1D Tensor but got None")
    off = _int_tensor(offsets, who, "offsets")
    if off.ndim != 1:
        raise ValueError(f"{who}: offsets has to be a 1D Tensor, got shape {off.shape}")
    if include_last_offset and not off.size:
        raise RuntimeError(f"{who}: include_last_offset: number of offset should be at least 1")
    if off.size and off[0] != 0:
        raise RuntimeError(f"{who}: offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got {off[0]}")
    if off.size and (off[-1] > idx.size or (np.diff(off) < 0).any()):
        raise RuntimeError(f"{who}: offsets must be non-decreasing and at most the input's "
                           f"length {idx.size}, got {off.tolist()}")
    if include_last_offset:
        # NOTE: the last offset ends the last bag, as documented: indices after it are in
        # no bag (torch's CPU kernels disagree: float64 folds them into the last bag,
        # float32 leaves them out of its sum but counts them in its mean)
        return idx[:off[-1]], np.diff(off)
    return idx, np.diff(np.append(off, idx.size)) if off.size else off


def _sample_weights(who: str, p: Any, mode: str, idx: np.ndarray, weight: Tensor) -> Any:
    """per_sample_weights, flat, once checked: mode "sum", input's shape, weight's dtype."""
    if p is None:
        return None
    if mode != "sum":
        raise NotImplementedError(f"{who}: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}')")
    if tuple(p.shape) != idx.shape:
        raise ValueError(f"{who}: If per_sample_weights ({p.shape}) is not None, then it "
                         f"must have the same shape as the input ({idx.shape})")
    if p.dtype != weight.dtype:
        raise RuntimeError(f"{who}: per_sample_weights ({p.dtype}) and weight "
                           f"({weight.dtype}) must have the same dtype")
    return p.reshape(-1)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """embedding_bag: y[b] = sum / mean / max of the rows W[i] over the indices i of bag b,
    without the (B, L, D) tensor of F.embedding; dW gets each bag's gradient added into its
    rows (linear in the number of indices; max: into the row that wins each column).

    Args:
        input: integer indices, (B, L) (B bags of L) or 1-d with ``offsets``.
        weight: the table, (num_embeddings, embedding_dim).
        offsets: for a 1-d input, where each bag starts (offsets[0] == 0).
        max_norm, norm_type: renormalise the looked-up rows in place, as F.embedding.
        scale_grad_by_freq: divide each row's gradient by its index's count in the batch
            (not with mode "max").
        mode: "sum", "mean" (default) or "max"; an empty bag gives zeros.
        sparse: sparse gradients are not supported (must be False).
        per_sample_weights: weights of input's shape that scale each row (mode "sum" only).
        include_last_offset: offsets has B + 1 entries, the last the input's length.
        padding_idx: indices equal to it are left out of their bags (negative counts from
            the end).

    Shape:
        Input (B, L) or (N,) with offsets (B,) (or (B + 1,)); output (B, embedding_dim).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.nn.sparse import embedding_bag
        >>> w = ta.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
        >>> embedding_bag(ta.tensor([0, 2, 1]), w, ta.tensor([0, 2]), mode="sum")
        tensor([[4., 6.],
                [2., 3.]])
    """
    who = "embedding_bag"
    idx = _int_tensor(input, who, "indices")
    if not isinstance(weight, Tensor) or weight.ndim != 2 or weight.dtype.kind != "f":
        raise ValueError(f"{who}: weight has to be a 2D float Tensor, got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    if mode not in _MODES:
        raise ValueError(f"{who}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{who}: max mode does not support scaling the gradient by the "
                         "frequency")
    if sparse:
        raise NotImplementedError(f"{who}: sparse gradients are not supported")
    p = _sample_weights(who, per_sample_weights, mode, idx, weight)
    flat, counts = _bags(who, idx, offsets, include_last_offset)
    if p is not None and p.shape[0] > flat.size:
        p = p[:flat.size]
    n = weight.shape[0]
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        bad = flat.min() if flat.min() < 0 else flat.max()
        raise RuntimeError(f"{who}: Expected idx >= 0 && idx < num_embeddings ({n}) but "
                           f"found idx to be {bad}")
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    pad = _padding_idx(padding_idx, n, who)
    if pad is not None and (flat == pad).any():  # padding indices leave their bags
        keep = flat != pad
        bag = np.repeat(np.arange(counts.size), counts)
        flat, counts = flat[keep], np.bincount(bag[keep], minlength=counts.size)
        p = None if p is None else p[Tensor._wrap(np.flatnonzero(keep))]
    if mode == "max":
        return EmbeddingBagMax.apply(weight, idx=flat, counts=counts)
    freq = np.bincount(flat, minlength=n)[flat].astype(weight.dtype) \
        if scale_grad_by_freq else None
    args = (weight,) if p is None else (weight, p)
    return EmbeddingBagSum.apply(*args, idx=flat, counts=counts, mean=mode == "mean",
                                 freq=freq)


# --- layers ---------------------------------------------------------------------------------


def _table(m: _EmbeddingBase, who: str, shape: tuple, _weight: Any, requires_grad: bool,
           dtype: Any) -> None:
    """m.weight: ``_weight`` itself (shared, as torch's Parameter) or N(0, 1) with the
    padding row zeroed."""
    if _weight is None:
        m.weight = Parameter(np.empty(shape, dtype or get_default_dtype()), requires_grad)
        m.reset_parameters()
        return
    if tuple(_weight.shape) != shape:
        raise AssertionError(f"{who}: Shape of weight does not match num_embeddings and "
                             f"embedding_dim: {tuple(_weight.shape)} vs {shape}")
    m.weight = Parameter(_weight, requires_grad)


class _EmbeddingBase(Module):
    """What Embedding and EmbeddingBag share: the table, its init and the repr's head."""

    num_embeddings: int
    embedding_dim: int
    weight: Parameter
    padding_idx: int | None
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def _repr_norms(self) -> str:
        """The repr's norm arguments, those that differ from their defaults."""
        s = ""
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s


def _no_sparse(sparse: bool, who: str) -> None:
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True (sparse gradients) is not supported; "
                                  "use sparse=False")


def _pretrained(embeddings: Any, who: str) -> tuple[int, int]:
    if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
        raise AssertionError(f"{who}.from_pretrained: Embeddings parameter is expected to be "
                             f"2-dimensional, got {getattr(embeddings, 'shape', embeddings)}")
    return embeddings.shape


class Embedding(_EmbeddingBase):
    """A lookup table: y = weight[input], one row of embedding_dim per index.

    Args:
        num_embeddings: the size of the table (indices in [0, num_embeddings)).
        embedding_dim: the size of each row.
        padding_idx: a row that gets no gradient and starts at zero (negative counts from
            the end; stored as the non-negative index).
        max_norm: rows looked up with a larger norm are rescaled to it, in place.
        norm_type: the p of that norm (default 2).
        scale_grad_by_freq: divide each row's gradient by its index's count in the batch.
        sparse: must be False (sparse gradients are not supported).
        _weight, _freeze: a table to use as the weight (shared, not copied), and whether it
            is frozen (torch's private arguments, used by from_pretrained).
        device, dtype: "cpu" only; the table's dtype (default: the default float).

    Shape:
        Input (*) integers, output (*, embedding_dim). ``weight`` is
        (num_embeddings, embedding_dim), N(0, 1) as torch's init.

    Example:
        >>> import tinygrad_acts as ta
        >>> emb = ta.nn.Embedding(10, 3, padding_idx=0)
        >>> emb
        Embedding(10, 3, padding_idx=0)
        >>> emb(ta.tensor([[0, 2], [4, 9]])).shape
        torch.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        _no_sparse(sparse, "Embedding")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_idx(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        _table(self, "Embedding", (num_embeddings, embedding_dim), _weight, not _freeze, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s + self._repr_norms()

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (shared, as torch), frozen unless
        ``freeze=False``.

        Example:
            >>> import tinygrad_acts as ta
            >>> emb = ta.nn.Embedding.from_pretrained(ta.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> emb(ta.tensor([1])), emb.weight.requires_grad
            (tensor([[3., 4.]]), False)
        """
        rows, cols = _pretrained(embeddings, "Embedding")
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)


class EmbeddingBag(_EmbeddingBase):
    """Sums, means or maxima of bags of embeddings: y[b] = reduce(weight[bag b's indices]),
    without the (B, L, D) tensor of Embedding (F.embedding_bag).

    Args:
        num_embeddings, embedding_dim: the table's size, as Embedding.
        max_norm, norm_type, scale_grad_by_freq: as Embedding (no scale_grad_by_freq with
            mode "max").
        mode: "sum", "mean" (default) or "max".
        sparse: must be False (sparse gradients are not supported).
        _weight: a table to use as the weight (shared, not copied).
        include_last_offset: offsets has B + 1 entries, the last the input's length.
        padding_idx: indices equal to it are left out of their bags, and its row starts at
            zero.
        device, dtype: "cpu" only; the table's dtype (default: the default float).

    Shape:
        Input (B, L), or (N,) with offsets (B,); per_sample_weights (mode "sum") of input's
        shape; output (B, embedding_dim). ``weight`` is N(0, 1) as torch's init.

    Example:
        >>> import tinygrad_acts as ta
        >>> bag = ta.nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag
        EmbeddingBag(10, 3, mode='sum')
        >>> bag(ta.tensor([1, 2, 4, 5, 4]), ta.tensor([0, 2])).shape
        torch.Size([2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        _no_sparse(sparse, "EmbeddingBag")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_idx(padding_idx, num_embeddings, "EmbeddingBag")
        _table(self, "EmbeddingBag", (num_embeddings, embedding_dim), _weight, True, dtype)
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}{self._repr_norms()}, mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is ``embeddings`` (shared), frozen unless
        ``freeze=False``."""
        rows, cols = _pretrained(embeddings, "EmbeddingBag")
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag
