"""Every backward rule of the framework, one small Function per op, grouped by family:

- ``elementwise``: add / sub / mul / div / pow / neg / cast / abs / exp / log / sqrt / erf ...
- ``math``: sin / cos / atan2 / hypot / floor / round / frac / lerp / fmod / nan_to_num ...
- ``reduce``: sum / max / min / std, prod / cumsum / cumprod / logsumexp / norms / median
- ``shape``: reshape / permute / expand / cat / stack, flip / roll / tile /
  repeat_interleave / tril / triu / diagonal / diag_embed
- ``indexing``: getitem / scatter / setitem / where / clamp / maximum / minimum,
  index_add (scatter_add) / scatter_reduce
- ``sorting``: sort / topk / kthvalue / unique (and the rows of the selection ops)
- ``linalg``: matmul / einsum / cross / det / slogdet / inv / solve
- ``fused``: linear and the losses (cross_entropy, nll_loss, binary cross-entropies), and
  pad / embedding / normalize / cosine_similarity / pairwise_distance / glu
- ``losses``: l1 / smooth_l1 / huber, kl_div, weighted cross_entropy
- ``conv``: conv1d / conv2d / conv_transpose2d, max / avg / adaptive pooling, unfold / fold
- ``norm``: batch / layer / group / instance norm, each with its closed-form backward
- ``rnn``: Scan, one recurrent layer (RNN / LSTM / GRU, one direction) over all time steps
- ``attention``: scaled dot-product attention with its fused backward
- ``embedding_bag``: embedding_bag sum / mean and max, one node per bag reduction
- ``resample``: interpolate's nearest and (bi/tri)linear modes, one separable node
- ``helpers``: the array helpers rules share (unbroadcast, expand, where, ...)
- ``spec`` and ``table``: the op table ``OPS``, one row per op (each family file ends with
  its rows; activations add theirs)

The first families' Functions are importable from here (``ops.Add``); the later ones from
their module (``ops.math.Sin``). The activation nodes are made by the registry in
``activations.py``; the user-facing functions are in ``api/``.
"""
from .elementwise import (
    Abs,
    Add,
    Cast,
    Div,
    Erf,
    Exp,
    Expm1,
    FloorDivide,
    Log,
    Log1p,
    Mul,
    Neg,
    Pow,
    Remainder,
    Sqrt,
    Sub,
)
from .fused import NLL, BCEWithLogits, BinaryCrossEntropy, CrossEntropy, Linear
from .helpers import expand, is_tensor, keepdim_shape, permute, shape_of, unbroadcast
from .indexing import (
    Clamp,
    GetItem,
    Maximum,
    Minimum,
    Scatter,
    SetItem,
    TakeAlong,
    Where,
    scatter,
    where,
)
from .linalg import MatMul
from .reduce import Max, Min, Std, Sum, Var
from .shape import Cat, DependsOn, Expand, Permute, Reshape, Stack
from .table import OPS, OpSpec, add_row, remove_row

# the later families: importing each adds its rows to OPS (after table's, so row order holds)
from . import attention, conv, embedding_bag, linalg, losses, math, norm, rnn, sorting  # isort: skip
from . import resample  # isort: skip
from . import decompositions  # isort: skip

__all__ = [
    # elementwise
    "Abs", "Add", "Cast", "Div", "Erf", "Exp", "Expm1", "FloorDivide", "Log", "Log1p", "Mul",
    "Neg", "Pow", "Remainder", "Sqrt", "Sub",
    # reduce, shape, indexing, linalg
    "Max", "Min", "Std", "Sum", "Var", "Cat", "DependsOn", "Expand", "Permute", "Reshape", "Stack",
    "Clamp", "GetItem", "Maximum", "Minimum", "Scatter", "SetItem", "TakeAlong", "Where",
    "MatMul",
    # fused
    "NLL", "BCEWithLogits", "BinaryCrossEntropy", "CrossEntropy", "Linear",
    # helpers and the table
    "expand", "is_tensor", "keepdim_shape", "permute", "shape_of", "unbroadcast", "scatter",
    "where", "OPS", "OpSpec", "add_row", "remove_row", "attention", "conv", "embedding_bag",
    "linalg",
    "losses", "math", "norm", "rnn", "sorting", "resample", "decompositions",
]
