"""Linear algebra: mm / mv / bmm / dot / vdot / outer / inner / tensordot / einsum / kron /
cross / matmul / addmm / baddbmm, and det / inverse / slogdet / logdet; ``ta.linalg``
(tinygrad_acts/linalg.py) adds inv / solve / cross / slogdet under torch.linalg's names,
and the norms: svdvals / matrix_norm / norm (linalg_norm here).

The rules are ops/linalg.py's: MatMul for the matrix products, Einsum for the contractions
(tensordot and inner are einsums), Mul for outer and kron (exact), Cross, Det, SlogDet, Inv
and Solve. Errors are torch's: RuntimeError for shapes and mixed dtypes, naming the op and
both shapes; NotImplementedError for bool where torch has no kernel.
"""
from __future__ import annotations

import functools
import math
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes, ops, return_types
from ..ops import linalg as L
from ..ops.spec import lib, row
from ..tensor import Tensor, _dim, _matmul, _tensor_arg
from . import method
from .reduce import vector_norm

__all__ = ["mm", "mv", "bmm", "dot", "vdot", "outer", "ger", "inner", "tensordot", "einsum",
           "kron", "cross", "matmul", "addmm", "baddbmm", "det", "inverse", "slogdet",
           "logdet", "matrix_exp"]


def _same_dtype(who: str, *ts: Tensor) -> None:
    dts = [t.dtype for t in ts]
    if any(d != dts[0] for d in dts):
        raise RuntimeError(f"{who}: expected both operands to have the same dtype, got "
                           f"{' and '.join(map(str, dts))} (shapes "
                           f"{' and '.join(str(t.shape) for t in ts)})")


def _no_bool(who: str, *ts: Tensor) -> None:
    if any(t.dtype == np.bool_ for t in ts):
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch "
                                  f"(shapes {' and '.join(str(t.shape) for t in ts)})")


def _shapes(a: Tensor, b: Tensor) -> str:
    return f"{a.shape} and {b.shape}"


# --- matrix products: mm / mv / bmm / dot / vdot / matmul / addmm / baddbmm -----------------


@method
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two matrices: out[i, j] = sum_k input[i, k] mat2[k, j].

    Args:
        input: (n, k). mat2: (k, m), the same dtype (no promotion, as in torch).

    Shape: (n, k) @ (k, m) -> (n, m); no broadcasting (see ``matmul``).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.mm(ta.tensor([[1.0, 2.0]]), ta.tensor([[3.0], [4.0]]))
        tensor([[11.]])
    """
    mat2 = _tensor_arg("mm", mat2, "mat2")
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: both arguments must be matrices, got shapes "
                           f"{_shapes(input, mat2)}")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                           f"({_shapes(input, mat2)})")
    return _matmul(input, mat2)


@method
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector: out[i] = sum_k input[i, k] vec[k].

    Args:
        input: (n, k). vec: (k,), the same dtype.

    Shape: (n, k), (k,) -> (n,).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.mv(ta.tensor([[1.0, 2.0], [0.0, 1.0]]), ta.tensor([1.0, 1.0]))
        tensor([3., 1.])
    """
    vec = _tensor_arg("mv", vec, "vec")
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: expected a (n, k) matrix and a (k,) vector, got shapes "
                           f"{_shapes(input, vec)}")
    return _matmul(input, vec)


@method
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product: out[b] = input[b] @ mat2[b].

    Args:
        input: (b, n, k). mat2: (b, k, m), the same batch size (no broadcasting).

    Shape: (b, n, k), (b, k, m) -> (b, n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.bmm(ta.ones(2, 1, 3), ta.ones(2, 3, 1)).shape)
        (2, 1, 1)
    """
    mat2 = _tensor_arg("bmm", mat2, "mat2")
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: both arguments must be 3-D tensors, got shapes "
                           f"{_shapes(input, mat2)}")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"bmm: batch sizes and inner sizes must match, got shapes "
                           f"{_shapes(input, mat2)}")
    return _matmul(input, mat2)


def _vectors(who: str, input: Tensor, other: Any) -> Tensor:
    other = _tensor_arg(who, other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"{who}: 1-D tensors expected, got shapes {_shapes(input, other)}")
    if input.shape != other.shape:
        raise RuntimeError(f"{who}: the vectors must have the same size, got shapes "
                           f"{_shapes(input, other)}")
    _same_dtype(who, input, other)
    _no_bool(who, input, other)
    return other


@method
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two vectors: sum_i input[i] other[i] (through matmul).

    Args:
        input, other: 1-D, the same size and dtype.

    Shape: (n,), (n,) -> ().

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.dot(ta.tensor([1.0, 2.0]), ta.tensor([3.0, 4.0]))
        tensor(11.)
    """
    return ops.MatMul.apply(input, _vectors("dot", input, other))


@method
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """sum_i conj(input[i]) other[i]: ``dot`` for real tensors (no complex dtypes here).

    Args:
        input, other: 1-D, the same size and dtype.

    Shape: (n,), (n,) -> ().

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.vdot(ta.tensor([1.0, 2.0]), ta.tensor([3.0, 4.0]))
        tensor(11.)
    """
    return ops.MatMul.apply(input, _vectors("vdot", input, other))


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other`` at every rank (numpy's and torch's rule): 1-D @ 1-D is a dot
    product, a 1-D operand is a row (left) or column (right) vector that is removed
    afterwards, and the batch dims of N-D operands broadcast.

    Args:
        input, other: at least 1-D each, the same dtype.

    Shape: (..., n, k) @ (..., k, m) -> (broadcast ..., n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.matmul(ta.ones(3), ta.ones(2, 3, 4)).shape)
        (2, 4)
    """
    return _matmul(_tensor_arg("matmul", input, "input"), other)


@method
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2) (input broadcast; beta = 0 ignores input,
    nan included, as torch).

    Args:
        input: broadcastable to (n, m). mat1: (n, k). mat2: (k, m). beta, alpha: numbers.

    Shape: -> (n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.addmm(ta.ones(2, 2), ta.ones(2, 3), ta.ones(3, 2), alpha=2)
        tensor([[7., 7.],
                [7., 7.]])
    """
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


@method
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
            alpha: float = 1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2) (input broadcast).

    Args:
        input: broadcastable to (b, n, m). batch1: (b, n, k). batch2: (b, k, m).

    Shape: -> (b, n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> out = ta.baddbmm(ta.zeros(2, 1, 1), ta.ones(2, 1, 3), ta.ones(2, 3, 1))
        >>> tuple(out.shape)
        (2, 1, 1)
    """
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def _scaled_sum(who: str, input: Tensor, product: Tensor, beta: float, alpha: float) -> Tensor:
    input = _tensor_arg(who, input, "input")
    _same_dtype(who, input, product)  # NOTE: torch refuses mixed dtypes here, beta = 0 too
    if np.broadcast_shapes(input.shape, product.shape) != product.shape:
        raise RuntimeError(f"{who}: input of shape {input.shape} does not broadcast to the "
                           f"product's shape {product.shape}")
    out = product if alpha == 1 else product * alpha
    if beta == 0:  # NOTE: as torch, input is then not read (its nan and inf do not spread)
        return out
    return out + (input if beta == 1 else input * beta)


# --- outer, inner, tensordot, einsum, kron ---------------------------------------------------


@method
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product: out[i, j] = input[i] * vec2[j] (a broadcast product: exact; the
    dtypes promote, as torch's outer does).

    Args:
        input: (n,). vec2: (m,).

    Shape: (n,), (m,) -> (n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.outer(ta.tensor([1.0, 2.0]), ta.tensor([1.0, 10.0]))
        tensor([[ 1., 10.],
                [ 2., 20.]])
    """
    vec2 = _tensor_arg("outer", vec2, "vec2")
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D arguments, got shapes {_shapes(input, vec2)}")
    return input.reshape(-1, 1) * vec2


@method
def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """The old name of ``outer``: out[i, j] = input[i] * vec2[j].

    Args:
        input: (n,). vec2: (m,).

    Shape: (n,), (m,) -> (n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.ger(ta.ones(2), ta.ones(3)).shape)
        (2, 3)
    """
    return outer(input, vec2)


@method
def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dims: out[..., ...'] = sum_k input[..., k] other[...', k]; with a
    0-d operand, the product input * other.

    Args:
        input, other: the same dtype; the last dims of equal size.

    Shape: (*a, k), (*b, k) -> (*a, *b).

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.inner(ta.ones(2, 3), ta.ones(4, 3)).shape)
        (2, 4)
    """
    other = _tensor_arg("inner", other)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    _same_dtype("inner", input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dimension must match on both inputs, got shapes "
                           f"{_shapes(input, other)}")
    _no_bool("inner", input, other)
    return tensordot(input, other, ([-1], [-1]))


def _dims_pair(a: Tensor, b: Tensor, dims: Any) -> tuple[list[int], list[int]]:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot: expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot: expects dims <= ndim of both operands, got "
                               f"dims={dims} for shapes {_shapes(a, b)}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if not isinstance(dims, Sequence) or len(dims) != 2:
        raise RuntimeError(f"tensordot: dims must be an int or two lists of dims, got {dims!r}")
    da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dim lists must have the same length, got "
                           f"{da} and {db}")
    return ([_dim("tensordot", a, d) for d in da], [_dim("tensordot", b, d) for d in db])


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract dims of a with dims of b (an einsum):
    out[free a, free b] = sum over the paired dims of a[...] * b[...].

    Args:
        a, b: the same dtype. dims: an int n (a's last n dims with b's first n), or two
            lists ``([dims of a], [dims of b])``, paired in order.

    Shape: the free dims of a, then those of b.

    Example:
        >>> import tinygrad_acts as ta
        >>> a, b = ta.ones(2, 3, 4), ta.ones(4, 3, 5)
        >>> tuple(ta.tensordot(a, b, dims=([1, 2], [1, 0])).shape)
        (2, 5)
    """
    a, b = _tensor_arg("tensordot", a, "a"), _tensor_arg("tensordot", b, "b")
    da, db = _dims_pair(a, b, dims)
    _same_dtype("tensordot", a, b)
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but a has "
                               f"size {a.shape[i]} in dim {i} and b size {b.shape[j]} in dim "
                               f"{j} (shapes {_shapes(a, b)})")
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb)
                                                          if j not in db]
    return _einsum("tensordot", "".join(sa) + "," + "".join(sb) + "->" + "".join(out), [a, b])


@functools.lru_cache(maxsize=512)
def _plan(equation: str, shapes: tuple) -> str:
    """The explicit equation for operands of ``shapes`` (checked; cached: a training loop
    calls one equation on the same shapes again and again)."""
    eq = _parse(equation, shapes)
    _check_sizes(eq, shapes)
    for s, shape in zip(eq.split("->")[0].split(","), shapes):
        for c in set(s):
            if len({n for ch, n in zip(s, shape) if ch == c}) > 1:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for an operand of "
                                   f"shape {shape} but the sizes don't match")
    return eq


def _parse(equation: str, shapes: tuple) -> str:
    """The equation with explicit letters only: each ``...`` replaced by letters of its own
    (right-aligned across operands), and the implicit output (the ellipsis dims, then the
    letters seen once, in alphabetical order) written out."""
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    subs = ins.split(",")
    if len(subs) != len(shapes):
        raise RuntimeError(f"einsum(): {len(subs)} operands in the equation {equation!r} but "
                           f"{len(shapes)} given")
    bad = set(eq) - set(string.ascii_letters + ".,->")
    if bad:
        raise RuntimeError(f"einsum(): invalid subscript {sorted(bad)[0]!r} in {equation!r}")
    free = [c for c in string.ascii_letters if c not in eq]
    n_ell = max([len(sh) - len(s.replace("...", "")) for s, sh in zip(subs, shapes)
                 if "..." in s] or [0])
    ell = "".join(free[:n_ell])
    explicit = []
    for s, shape in zip(subs, shapes):
        k = len(shape) - len(s.replace("...", ""))
        if ("..." in s and k < 0) or ("..." not in s and k != 0):
            raise RuntimeError(f"einsum(): the subscripts {s!r} do not match the number of "
                               f"dimensions ({len(shape)}) of an operand of shape {shape}")
        explicit.append(s.replace("...", ell[n_ell - k:]))
    if not arrow:
        seen = "".join(explicit)
        out = "..." * bool(n_ell) + "".join(sorted(c for c in set(seen) - set(ell)
                                                   if seen.count(c) == 1))
    out = out.replace("...", ell)
    for c in out:
        if out.count(c) > 1 or c not in "".join(explicit):
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                               f"the output or in no input ({equation!r})")
    return ",".join(explicit) + "->" + out


def _check_sizes(equation: str, shapes: tuple) -> None:
    size: dict[str, int] = {}
    for s, shape in zip(equation.split("->")[0].split(","), shapes):
        for c, n in zip(s, shape):
            if size.get(c, 1) != 1 and n not in (1, size[c]):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for an operand of "
                                   f"shape {shape}, which does not broadcast with the size "
                                   f"{size[c]} seen before (shapes {list(shapes)})")
            size[c] = n if size.get(c, 1) == 1 else size[c]


def _einsum(who: str, equation: str, operands: list[Tensor]) -> Tensor:
    ins, out = equation.split("->")
    if who == "einsum" and set(ins.replace(",", "")) <= set(out):
        # NOTE: as torch: an einsum that sums nothing away is a product, which promotes;
        # one that contracts runs a matmul, which needs one dtype (tensordot and inner too)
        common: Any = operands[0].dtype
        for t in operands[1:]:
            common = dtypes.promote_types(common, t.dtype)
        operands = [t if t.dtype == common else t.to(common) for t in operands]
    _same_dtype(who, *operands)
    # a view, as torch: a permute ("ij->ji") or a matrix's diagonal ("ii->i")
    if len(operands) == 1 and sorted(ins) == sorted(out) and len(set(ins)) == len(ins):
        return operands[0].permute(*[ins.index(c) for c in out])
    if len(operands) == 1 and len(ins) == 2 and ins[0] == ins[1] == out:
        return operands[0].diagonal()
    if operands[0].dtype == np.bool_:
        if len(operands) > 1:
            _no_bool(who, *operands)
        ins, out = equation.split("->")
        if sorted(ins) != sorted(out):  # NOTE: torch sums bools as int64, as sum() does
            operands = [operands[0].long()]
    return L.Einsum.apply(*operands, equation=equation)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: the product of the operands, summed over the letters that are
    not in the output: einsum("ij,jk->ik", a, b) is a @ b.

    Repeated letters in one operand take its diagonal ("ii->i"), ``...`` stands for the
    leading dims (broadcast across operands), and without ``->`` the output is the
    ellipsis dims then the letters seen once, alphabetically (as torch and numpy). The
    gradient of each operand is the einsum of the upstream gradient with the others.

    Args:
        equation: the subscripts, e.g. ``"bij,bjk->bik"``.
        operands: tensors of one dtype, one per comma-separated term (or one list of them).

    Shape: the output letters' sizes.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.einsum("ii", ta.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(5.)
    """
    ops_ = list(operands[0]) if len(operands) == 1 and isinstance(
        operands[0], (list, tuple)) else list(operands)
    ops_ = [_tensor_arg("einsum", t, "operands") for t in ops_]
    if not ops_:
        raise RuntimeError("einsum(): must provide at least one operand")
    return _einsum("einsum", _plan(equation, tuple(t.shape for t in ops_)), ops_)


@method
def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: out[i*B + k, ...] = input[i, ...] * other[k, ...] (a broadcast
    product of interleaved dims, then a reshape: exact; dtypes promote as ``*``).

    Args:
        input, other: any shapes (the shorter is padded with leading 1s).

    Shape: (a0, a1, ...), (b0, b1, ...) -> (a0*b0, a1*b1, ...).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.kron(ta.tensor([1.0, 2.0]), ta.tensor([1.0, 10.0]))
        tensor([ 1., 10.,  2., 20.])
    """
    other = _tensor_arg("kron", other)
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + input.shape
    sb = (1,) * (n - other.ndim) + other.shape
    a = input.reshape(tuple(x for d in sa for x in (d, 1)))
    b = other.reshape(tuple(x for d in sb for x in (1, d)))
    # (cloned: a tensor of its own, as torch's, not a view of the product)
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb))).clone()


# --- cross ------------------------------------------------------------------------------------


def _cross(who: str, input: Tensor, other: Any, dim: int | None) -> Tensor:
    other = _tensor_arg(who, other)
    if input.ndim != other.ndim:
        raise RuntimeError(f"{who}: inputs must have the same number of dimensions, got "
                           f"shapes {_shapes(input, other)}")
    if dim is None:  # NOTE: torch.cross's deprecated default: the first dim of size 3
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"{who}: no dimension of size 3 in input (shape {input.shape})")
    d = _dim(who, input, dim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"{who}: inputs dimension {dim} must have length 3, got shapes "
                           f"{_shapes(input, other)}")
    try:
        np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise RuntimeError(f"{who}: shapes {_shapes(input, other)} do not broadcast") from None
    _same_dtype(who, input, other)
    _no_bool(who, input, other)
    return L.Cross.apply(input, other, dim=d)


@method
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim``: (a x b)_i = a_j b_k - a_k b_j for (i, j, k)
    cyclic; the other dims broadcast. da = b x g, db = g x a.

    Args:
        input, other: the same rank and dtype, size 3 along dim.
        dim: the dim of the vectors; default the first of size 3 (torch.cross's old
            default; ``ta.linalg.cross`` takes -1).

    Shape: broadcast(input, other).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cross(ta.tensor([1.0, 0.0, 0.0]), ta.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    return _cross("cross", input, other, dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``ta.linalg.cross``: the cross product along ``dim`` (default the last).

    Args:
        input, other: the same rank and dtype, size 3 along dim; other dims broadcast.

    Shape: broadcast(input, other).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.cross(ta.ones(2, 3), ta.tensor([[1.0, 0.0, 0.0]]))
        tensor([[ 0.,  1., -1.],
                [ 0.,  1., -1.]])
    """
    return _cross("linalg.cross", input, other, dim)


# --- det / inv / solve / slogdet ---------------------------------------------------------------


def _square(who: str, a: Any, name: str = "A") -> Tensor:
    a = _tensor_arg(who, a, name)
    if a.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point tensor as input, got {a.dtype} "
                           f"(shape {a.shape})")
    if a.dtype == np.float16:
        raise NotImplementedError(f"{who}: not implemented for float16, as in torch")
    if a.ndim < 2:
        raise RuntimeError(f"{who}: the input tensor {name} must have at least 2 dimensions, "
                           f"got shape {a.shape}")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{who}: {name} must be batches of square matrices, got shape "
                           f"{a.shape}")
    return a


@method
def det(input: Tensor) -> Tensor:
    """Determinant of each square matrix; d det(A)/dA = det(A) * inv(A)^T (the cofactors,
    from the SVD where A is singular).

    Args:
        input: (..., n, n), float.

    Shape: (..., n, n) -> (...).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.det(ta.tensor([[2.0, 1.0], [1.0, 3.0]]))
        tensor(5.)
    """
    return L.Det.apply(_square("linalg.det", input))


@method
def inverse(input: Tensor) -> Tensor:
    """Inverse of each square matrix; dA = -inv(A)^T g inv(A)^T. A singular matrix is a
    RuntimeError, as torch.

    Args:
        input: (..., n, n), float.

    Shape: (..., n, n) -> (..., n, n).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.inverse(ta.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return L.Inv.apply(_square("linalg.inv", input))


def inv(A: Tensor) -> Tensor:
    """``ta.linalg.inv``: the inverse of each square matrix (see ``inverse``).

    Args:
        A: (..., n, n), float, invertible (a singular one is a RuntimeError).

    Shape: (..., n, n) -> (..., n, n).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.inv(ta.tensor([[1.0, 1.0], [0.0, 1.0]]))
        tensor([[ 1., -1.],
                [ 0.,  1.]])
    """
    return L.Inv.apply(_square("linalg.inv", A))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``ta.linalg.solve``: X with A X = B (or X A = B with ``left=False``);
    dB = solve(A^T, g), dA = -dB X^T.

    Args:
        A: (..., n, n), float, invertible. B: (..., n, k), or a vector (n,) or (..., n)
            (when its shape is A's without the last dim), the same dtype; batch dims
            broadcast.
        left: solve A X = B (True) or X A = B.

    Shape: X has B's shape (batch dims broadcast).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.solve(ta.tensor([[2.0, 0.0], [0.0, 4.0]]), ta.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    A = _square("linalg.solve", A)
    B = _tensor_arg("linalg.solve", B, "B")
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: expected A and B to have the same dtype, got "
                           f"{A.dtype} and {B.dtype} (shapes {_shapes(A, B)})")
    if not left:  # X A = B is A^T X^T = B^T
        return solve(A.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    B2 = B.unsqueeze(-1) if vector else B
    try:
        np.broadcast_shapes(A.shape[:-2], B2.shape[:-2])
        ok = B2.ndim >= 2 and B2.shape[-2] == A.shape[-1]
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"linalg.solve: incompatible shapes of A and B for the equation "
                           f"AX = B ({_shapes(A, B)})")
    X = L.Solve.apply(A, B2)
    return X.squeeze(-1) if vector else X


def _slogdet(who: str, input: Tensor) -> tuple[Tensor, Tensor]:
    a = _square(who, input)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # nan in, nan out
        sign, logabs = np.linalg.slogdet(a._array)
    # NOTE: the sign is in the graph with a zero gradient (it is piecewise constant), so it
    # requires grad when the matrix does, as torch's
    sign = ops.DependsOn.apply(Tensor._make(np.asarray(sign), False, None), a)
    return sign, L.SlogDet.apply(a, logabsdet=np.asarray(logabs))


@method
def slogdet(input: Tensor) -> Any:
    """(sign, log|det|) of each square matrix, without the overflow of det itself;
    d log|det A| / dA = inv(A)^T (the sign has no gradient).

    Args:
        input: (..., n, n), float.

    Shape: (..., n, n) -> (...) and (...), as ``return_types.slogdet(sign, logabsdet)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.slogdet(ta.tensor([[-2.0, 0.0], [0.0, 1.0]])).sign
        tensor(-1.)
    """
    return return_types.slogdet(*_slogdet("slogdet", input))


def linalg_slogdet(A: Tensor) -> Any:
    """``ta.linalg.slogdet``: (sign, log|det|) of each square matrix (see ``slogdet``).

    Args:
        A: (..., n, n), float.

    Shape: (...) and (...), as ``return_types.linalg_slogdet(sign, logabsdet)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.slogdet(ta.eye(3) * 2).sign
        tensor(1.)
    """
    return return_types.linalg_slogdet(*_slogdet("linalg.slogdet", A))


@method
def logdet(input: Tensor) -> Tensor:
    """log det(A): log|det A| where det A > 0, nan where it is negative, -inf at 0 (as
    torch); d/dA = inv(A)^T.

    Args:
        input: (..., n, n), float.

    Shape: (..., n, n) -> (...).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.logdet(ta.eye(2)), ta.logdet(-ta.eye(3))
        (tensor(0.), tensor(nan))
    """
    sign, logabs = _slogdet("logdet", input)
    if not np.any(sign._array < 0):
        return logabs
    return ops.Where.apply(sign._array < 0, math.nan, logabs)


# --- norms: svdvals / matrix_norm / norm (torch.linalg's) ---------------------------------------

def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    """The singular values of each matrix, descending: s with A = U diag(s) V^T; dA =
    U diag(g) V^T (exact; second derivatives are refused).

    Args:
        A: (..., m, n), float.
        driver: torch's cuSOLVER choice: refused on the CPU, as torch refuses it.

    Shape: (..., m, n) -> (..., min(m, n)).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.svdvals(ta.tensor([[3.0, 0.0], [0.0, -4.0]]))
        tensor([4., 3.])
    """
    who = "linalg.svdvals"
    a = _tensor_arg(who, A, "A")
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           f"CUDA inputs with cuSOLVER backend (linalg.svdvals, shape {a.shape}).")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{who}: Expected a floating point or complex tensor as input. "
                           f"Got {a.dtype} (shape {a.shape})")
    if a.ndim < 2:
        raise RuntimeError(f"{who}: The input tensor A must have at least 2 dimensions "
                           f"(shape {a.shape}).")
    return L.SvdVals.apply(a)


def _matrix_ord(ord: Any) -> bool:
    """An order matrix_norm computes: 'fro', 'nuc', or a number among +-1, +-2, +-inf."""
    if isinstance(ord, str):
        return ord in ("fro", "nuc")
    return isinstance(ord, (int, float, np.number)) and not isinstance(ord, bool) \
        and abs(ord) in (1, 2, math.inf)


def _matrix_dims(who: str, a: Tensor, dim: Any) -> tuple[int, int]:
    """torch's checks of matrix_norm's input and dim pair; the two dims, wrapped."""
    if a.ndim < 2:
        raise RuntimeError(f"{who}: The input tensor A must have at least 2 dimensions "
                           f"(shape {a.shape}).")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{who}: Expected a floating point or complex tensor as input. "
                           f"Got {a.dtype} (shape {a.shape})")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"{who}: dim must be a 2-tuple. Got {list(dims)}")
    d0, d1 = (_dim(who, a, d) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"{who}: dims must be different. Got ({d0}, {d1})")
    return d0, d1


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The matrix norm of each matrix (over the two dims ``dim``):

    'fro' sqrt(sum a_ij^2); 'nuc' the sum of the singular values; 2 / -2 the largest /
    smallest singular value; 1 / -1 the max / min column sum of |a_ij|; inf / -inf the
    max / min row sum. Gradients: the vector norm's for 'fro'; U diag(g) V^T through the
    singular values for 'nuc' and 2 / -2 (ties of the max share it evenly, as torch); the
    abs-sums' for 1 and inf (ties of the max / min share it evenly, sign(0) = 0).

    Args:
        A: (..., m, n), float.
        ord: 'fro' (default), 'nuc', 1, -1, 2, -2, inf or -inf.
        dim: the two dims holding the matrices (default the last two).
        keepdim: keep them as size 1.
        dtype: compute in this float dtype (the input is cast first).

    Shape: (..., m, n) -> (...).

    Example:
        >>> import tinygrad_acts as ta
        >>> A = ta.tensor([[1.0, -2.0], [3.0, 4.0]])
        >>> ta.linalg.matrix_norm(A, 1), ta.linalg.matrix_norm(A, float("inf"))
        (tensor(6.), tensor(7.))
    """
    who = "linalg.matrix_norm"
    a = _tensor_arg(who, A, "A")
    if not _matrix_ord(ord):
        raise RuntimeError(f"{who}: Order {ord} not supported.")
    d0, d1 = _matrix_dims(who, a, dim)
    if dtype is not None:
        a = _cast(who, a, dtype)
    if ord == "fro":
        return vector_norm(a, 2, (d0, d1), keepdim)
    if ord == "nuc" or abs(ord) == 2:
        perm = [i for i in range(a.ndim) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(a.permute(*perm))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord > 0 else s.amin(-1))
        return out.reshape(_kept(a.shape, d0, d1)) if keepdim else out
    if math.isinf(ord):  # NOTE: the inf norm is the 1 norm of the transpose
        d0, d1 = d1, d0
    sums = vector_norm(a, 1, d0, keepdim)
    pick = sums.amax if ord > 0 else sums.amin
    return pick(d1 - 1 if not keepdim and d0 < d1 else d1, keepdim)


def _kept(shape: tuple, d0: int, d1: int) -> tuple:
    return tuple(1 if i in (d0, d1) else n for i, n in enumerate(shape))


def _cast(who: str, a: Tensor, dtype: Any) -> Tensor:
    """The input in ``dtype``: a float dtype no narrower than the input's (torch's rule)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"{who}: dtype should be floating point, but got {dtype}")
    if dtype.itemsize < a._array.dtype.itemsize:
        raise RuntimeError(f"{who}: the input's dtype {a.dtype} cannot be converted without "
                           f"narrowing to the dtype {dtype}, as torch")
    return a.astype(dtype)


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a vector norm or a matrix norm, chosen as torch chooses.

    - ``ord=None``: the 2-norm of the elements over ``dim`` (all of them by default; over
      two dims this is the Frobenius norm).
    - ``dim`` an int, or a 1-D input: ``vector_norm(A, ord, dim)``.
    - ``dim`` a pair, or a 2-D input: ``matrix_norm(A, ord, dim)`` ('fro', 'nuc', +-1,
      +-2, +-inf).

    Args:
        A: float tensor; 1-D or 2-D when ``ord`` is given without ``dim``.
        ord: the order (see above); a string is a matrix norm.
        dim: an int or a pair of ints.
        keepdim: keep the reduced dims as size 1.
        dtype: compute in this float dtype.

    Shape: the input's shape without ``dim``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.norm(ta.tensor([3.0, 4.0])), ta.linalg.norm(ta.eye(2), "nuc")
        (tensor(5.), tensor(2.))
    """
    who = "linalg.norm"
    a = _tensor_arg(who, A, "A")
    dims = None if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    if dims is not None and len(dims) not in (1, 2):
        raise RuntimeError(f"{who}: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dims)}")
    if dims is None and (ord is not None) and a.ndim not in (1, 2):
        raise RuntimeError(f"{who}: If dim is not specified but ord is, the input must be 1D "
                           f"or 2D. Got {a.ndim}D.")
    if isinstance(ord, str) or (ord is not None and (
            (dims is not None and len(dims) == 2) or (dims is None and a.ndim == 2))):
        return matrix_norm(a, ord, (0, 1) if dims is None else dims, keepdim, dtype=dtype)
    return vector_norm(a, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


# --- matrix_exp, vecdot, vander, tensorinv / tensorsolve, diagonal (torch.linalg's) ---------

#: Pade(13, 13) coefficients of e^x (Higham 2005), b_0 ... b_13
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152  # the 1-norm up to which Pade(13) is exact to float64


@method
def matrix_exp(A: Tensor) -> Tensor:
    """e^A = sum_k A^k / k! of each square matrix (``ta.linalg.matrix_exp``,
    ``ta.matrix_exp``) by scaling and squaring (Higham 2005): A / 2^s with |A / 2^s|_1 <=
    5.37, its Pade(13, 13) approximant (one ``solve``), squared s times. Written with
    matmul and solve, so it is differentiable to any order.

    Shape: (..., n, n) -> (..., n, n).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.matrix_exp(ta.tensor([[0.0, 1.0], [0.0, 0.0]]))
        tensor([[1., 1.],
                [0., 1.]])
    """
    who = "linalg.matrix_exp"
    a = _tensor_arg(who, A, "A")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{who}: Expected a floating point or complex tensor as input. Got "
                           f"{a.dtype} (shape {a.shape})")
    a = _square(who, a)
    if a.numel() == 0:
        return a.clone()
    with np.errstate(invalid="ignore", over="ignore"):
        norm = float(np.abs(a._array).sum(-2).max())
    s = max(0, math.ceil(math.log2(norm / _THETA13))) if math.isfinite(norm) and norm > 0 else 0
    b = a / 2.0 ** s if s else a
    eye = Tensor._wrap(np.eye(a.shape[-1], dtype=a.dtype))
    c = _PADE13
    b2 = b @ b
    b4 = b2 @ b2
    b6 = b4 @ b2
    u = b @ (b6 @ (c[13] * b6 + c[11] * b4 + c[9] * b2) + c[7] * b6 + c[5] * b4 + c[3] * b2
             + c[1] * eye)
    v = b6 @ (c[12] * b6 + c[10] * b4 + c[8] * b2) + c[6] * b6 + c[4] * b4 + c[2] * b2 \
        + c[0] * eye
    r = solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum_i x_i y_i along ``dim`` (``ta.linalg.vecdot``), the other dims broadcast.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.vecdot(ta.ones(2, 3), ta.tensor([1.0, 2.0, 3.0]))
        tensor([6., 6.])
    """
    who = "linalg.vecdot"
    x, y = _tensor_arg(who, x, "x"), _tensor_arg(who, y, "y")
    if x.dtype != y.dtype:
        raise RuntimeError(f"{who}: Expected x and y to have the same dtype, but found x of "
                           f"type {x.dtype} and y of type {y.dtype} instead.")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{who}: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype}")
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"{who}: the shapes of x {x.shape} and y {y.shape} do not "
                           "broadcast") from None
    _dim(who, Tensor._wrap(np.empty(shape, np.bool_)), dim)
    return (x * y).sum(dim)


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """The Vandermonde matrix (``ta.linalg.vander``): out[..., i, j] = x[..., i]^j for j <
    N (increasing powers; N = x.shape[-1] by default, at least 2), in x's dtype (integers
    stay integers). Built with cumprod: differentiable in x.

    Shape: (..., n) -> (..., n, N).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.vander(ta.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [1, 2, 4],
                [1, 3, 9]])
    """
    who = "linalg.vander"
    x = _tensor_arg(who, x, "x")
    if x.dtype == np.bool_:
        raise RuntimeError(f"{who} supports floating point, complex, and integer tensors, but "
                           "got Bool")
    n = N if N is not None else (x.shape[-1] if x.ndim else 1)
    if n <= 1:
        raise RuntimeError(f"{who}: N must be greater than 1 (got {n}).")
    ones = Tensor._wrap(np.ones(x.shape + (1,), x.dtype))
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1)
    return ops.Cat.apply(ones, powers, axis=-1)


def _prod(shape: tuple) -> int:
    return math.prod(shape)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of A for ``tensordot(A, X, ind)``: A's first ``ind`` dims against the
    rest, as one square matrix, inverted (``ta.linalg.tensorinv``).

    Shape: (*a, *b) with prod(a) == prod(b) -> (*b, *a).

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.linalg.tensorinv(ta.eye(6).reshape(6, 2, 3), ind=1).shape)
        (2, 3, 6)
    """
    who = "linalg.tensorinv"
    a = _tensor_arg(who, A, "A")
    if isinstance(ind, bool) or not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"{who}: Expected a strictly positive integer for 'ind', but got "
                           f"{ind}")
    rows, cols = a.shape[:ind], a.shape[ind:]
    if _prod(rows) != _prod(cols):
        raise RuntimeError(f"{who}: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{_prod(cols)} != {_prod(rows)} (shape {a.shape})")
    return inv(a.reshape(_prod(rows), _prod(cols))).reshape(*cols, *rows)


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:
    """X with ``tensordot(A, X, X.ndim) == B`` (``ta.linalg.tensorsolve``); ``dims`` are
    dims of A moved to its end first.

    Shape: A (*b, *x) with B of shape b -> X of shape x (prod(x) == prod(b)).

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.linalg.tensorsolve(ta.eye(6).reshape(6, 2, 3), ta.ones(6)).shape)
        (2, 3)
    """
    who = "linalg.tensorsolve"
    a, b = _tensor_arg(who, A, "A"), _tensor_arg(who, B, "B")
    if dims is not None:
        dims = [_dim(who, a, d) for d in dims]
        a = a.movedim(dims, list(range(a.ndim - len(dims), a.ndim)))
    rows, cols = a.shape[:b.ndim], a.shape[b.ndim:]
    if _prod(rows) != _prod(cols):
        raise RuntimeError(f"{who}: Expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
                           f"but got {_prod(cols)} != {_prod(rows)} (shapes {a.shape} and "
                           f"{b.shape})")
    return solve(a.reshape(_prod(rows), _prod(cols)), b.reshape(-1)).reshape(*cols)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``ta.linalg.diagonal``: ``A.diagonal(offset, dim1, dim2)``, the last two dims by
    default (a view).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.diagonal(ta.eye(3) * 2)
        tensor([2., 2., 2.])
    """
    return _tensor_arg("linalg.diagonal", A, "A").diagonal(offset, dim1, dim2)


# --- the rows of what is written with the rules above ---------------------------------------


def _expm_ref(a: np.ndarray) -> np.ndarray:
    """e^a by its Taylor series at a / 2^10, squared back (a numpy reference)."""
    b, term = a / 1024.0, np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    out = term.copy()
    for k in range(1, 20):
        term = term @ b / k
        out = out + term
    for _ in range(10):
        out = out @ out
    return out


row("linalg.matrix_exp", L.Solve, lambda a: lib(a).linalg.matrix_exp(a), _expm_ref, ((3, 3),),
    ((2, 2, 2),), torch=True)
row("linalg.matrix_exp (scaled)", L.Solve, lambda a: lib(a).linalg.matrix_exp(a * 4),
    lambda a: _expm_ref(a * 4), ((3, 3),), torch=True)
row("linalg.vecdot", ops.Mul, lambda x, y: lib(x).linalg.vecdot(x, y),
    lambda x, y: (x * y).sum(-1), ((2, 3), (3,)), torch=True)
row("linalg.vander", ops.reduce.Cumprod, lambda x: lib(x).linalg.vander(x, N=4),
    lambda x: x[..., None] ** np.arange(4), ((3,),), ((2, 3),), torch=True)
row("linalg.tensorinv", L.Inv, lambda a: lib(a).linalg.tensorinv(
    (a / 4 + lib(a).eye(6, dtype=a.dtype) * 3).reshape(2, 3, 6), ind=2),
    lambda a: np.linalg.tensorinv((a / 4 + np.eye(6) * 3).reshape(2, 3, 6), ind=2),
    ((6, 6),), torch=True)
row("linalg.tensorsolve", L.Solve, lambda a, b: lib(a).linalg.tensorsolve(
    (a / 4 + lib(a).eye(6, dtype=a.dtype) * 3).reshape(6, 2, 3), b),
    lambda a, b: np.linalg.tensorsolve((a / 4 + np.eye(6) * 3).reshape(6, 2, 3), b),
    ((6, 6), (6,)), torch=True)
