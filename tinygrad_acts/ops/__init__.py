"""Every backward rule of the framework, one small Function per op, grouped by family:

- ``elementwise``: add / sub / mul / div / pow / neg / cast / abs / exp / log / sqrt / erf ...
- ``reduce``: sum / max / min
- ``shape``: reshape / permute / expand / cat / stack
- ``indexing``: getitem / scatter / setitem / where / clamp / maximum / minimum
- ``linalg``: matmul
- ``fused``: linear and the losses (cross_entropy, nll_loss, binary cross-entropies)
- ``helpers``: the array helpers rules share (unbroadcast, expand, where, ...)
- ``table``: the op table ``OPS``, one row per op (activations add theirs)

The activation nodes are made by the registry in ``activations.py``.
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
from .reduce import Max, Min, Std, Sum
from .shape import Cat, DependsOn, Expand, Permute, Reshape, Stack
from .table import OPS, OpSpec, add_row, remove_row

# the later families: importing each adds its rows to OPS (after table's, so row order holds)
from . import losses, math, sorting  # isort: skip

__all__ = [
    # elementwise
    "Abs", "Add", "Cast", "Div", "Erf", "Exp", "Expm1", "FloorDivide", "Log", "Log1p", "Mul",
    "Neg", "Pow", "Remainder", "Sqrt", "Sub",
    # reduce, shape, indexing, linalg
    "Max", "Min", "Std", "Sum", "Cat", "DependsOn", "Expand", "Permute", "Reshape", "Stack",
    "Clamp", "GetItem", "Maximum", "Minimum", "Scatter", "SetItem", "TakeAlong", "Where",
    "MatMul",
    # fused
    "NLL", "BCEWithLogits", "BinaryCrossEntropy", "CrossEntropy", "Linear",
    # helpers and the table
    "expand", "is_tensor", "keepdim_shape", "permute", "shape_of", "unbroadcast", "scatter",
    "where", "OPS", "OpSpec", "add_row", "remove_row", "losses", "math", "sorting",
]
