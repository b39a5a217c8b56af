"""Linear algebra: matmul at every rank, einsum (tensordot, inner, dot ... are written
with it or with matmul), cross, det / slogdet / inv / solve, svdvals (for the nuclear and
spectral norms)."""
from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from ..autograd import Function
from .elementwise import Mul
from .helpers import is_tensor, quiet, swap_last, unbroadcast
from .shape import Diagonal, Permute
from .spec import lib, row


class MatMul(Function):
    """a @ b (1-D, 2-D or batched); da = g @ b^T, db = a^T @ g (batch dims summed back).
    As torch's, it keeps b only for a's gradient and a only for b's (and both shapes)."""

    @quiet
    def forward(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{np.shape(a)} and {np.shape(b)}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not line up "
                             f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})")
        need_a, need_b = self.needs_input_grad
        self.save(b if need_a else None, a if need_b else None, a.shape, b.shape)
        return a @ b

    @quiet
    def backward(self, g, b, a, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        if len(a_shape) == 2 and len(b_shape) == 2:  # no reshaping
            return (g @ b.T if need_a else None, a.T @ g if need_b else None)
        # Promote 1-D operands to matrices, as matmul itself does, then undo it.
        a_vec, b_vec = len(a_shape) == 1, len(b_shape) == 1
        a2, b2 = (1, *a_shape) if a_vec else a_shape, (*b_shape, 1) if b_vec else b_shape
        g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if a_vec else g
        g = g.reshape(g.shape + (1,)) if b_vec else g
        ga = unbroadcast(g @ swap_last(b.reshape(b2) if b_vec else b), a2) if need_a else None
        gb = unbroadcast(swap_last(a.reshape(a2) if a_vec else a) @ g, b2) if need_b else None
        return (None if ga is None else ga.reshape(a_shape),
                None if gb is None else gb.reshape(b_shape))


def saved_copies(a: np.ndarray, b: np.ndarray, grad_a: bool, grad_b: bool) -> tuple[bool, bool]:
    """Whether torch's matmul computes with a copy of ``a`` (of ``b``) rather than a view:
    an operand it expands to the broadcast batch and cannot then reshape without copying
    (or, folding a batch into one matrix, cannot fold without copying). torch saves that
    copy for backward, so the operand may change in place after the call and backward
    uses the values it had (``grad_a``, ``grad_b``: whether each requires grad)."""
    d1, d2 = a.ndim, b.ndim
    if d1 == 0 or d2 == 0 or (d1 <= 2 and d2 <= 2):
        return False, False
    if d1 == d2 == 3 and (a.shape[0] == 1) != (b.shape[0] == 1):
        # NOTE: torch squeezes a 3-D operand's batch of 1 when it requires grad (it folds)
        if a.shape[0] == 1 and grad_a:
            return saved_copies(a[0], b, grad_a, grad_b)
        if b.shape[0] == 1 and grad_b:
            return saved_copies(a, b[0], grad_a, grad_b)
    big, small = (_geometry(a), d2) if d1 >= d2 else (_geometry(b, transpose=True), d1)
    if small <= 2 and _folds(big, grad_b if d1 >= d2 else grad_a, d1):
        shape, strides = big
        fine = _viewable(shape, strides, (math.prod(shape[:-1]), shape[-1]))
        return (not fine, False) if d1 >= d2 else (False, not fine)
    n, m1, m2 = a.shape[-2] if d1 > 1 else 1, a.shape[-1], b.shape[-2] if d2 > 1 else b.shape[0]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    size = math.prod(batch)
    ta = _expanded(a, (*batch, n, m1))
    tb = _expanded(b, (*batch, m2) if d2 == 1 else (*batch, m2, b.shape[-1]))
    return (not _viewable(*ta, (size, n, m1)),
            not _viewable(*tb, (size, m2) if d2 == 1 else (size, m2, b.shape[-1])))


def _geometry(x: np.ndarray, transpose: bool = False) -> tuple[tuple, tuple]:
    """Shape and strides in elements (torch's), of x or of its batched transpose x.mT."""
    shape, strides = list(x.shape), [s // x.itemsize for s in x.strides]
    if transpose:
        shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
    return tuple(shape), tuple(strides)


def _folds(big: tuple, small_grad: bool, d1: int) -> bool:
    """torch's ``should_fold``: the larger operand (at least 3-D, the other at most 2-D) is
    folded into one matrix when the smaller requires grad, or when it folds as a view."""
    shape, strides = big
    if small_grad:
        return True
    if d1 == 2:
        return False
    return math.prod(shape) == 0 or all(
        n == 1 or strides[i] == strides[i + 1] * shape[i + 1]
        for i, n in enumerate(shape[:-2]))


def _expanded(x: np.ndarray, shape: tuple) -> tuple[tuple, tuple]:
    """torch's geometry of ``x.expand(shape)``: a broadcast dim and a new one of size > 1
    have stride 0; a new dim of size 1 gets the stride a contiguous layout would give it."""
    size, stride = _geometry(x)
    out_size, out_stride = list(shape), [0] * len(shape)
    for i in range(len(shape) - 1, -1, -1):
        j = i - (len(shape) - len(size))
        n, s = (size[j], stride[j]) if j >= 0 else (1, out_size[i + 1] * out_stride[i + 1]
                                                     if i + 1 < len(shape) else 1)
        out_stride[i] = s if n == shape[i] else 0
    return tuple(out_size), tuple(out_stride)


def _viewable(shape: tuple, strides: tuple, new: tuple) -> bool:
    """Whether torch's ``reshape(new)`` of a tensor of this geometry is a view (its
    ``computeStride``): each run of dims that is contiguous in memory must be split into
    dims of the new shape exactly."""
    if math.prod(shape) == 0:
        return True
    view_d, chunk, numel, view_numel = len(new) - 1, strides[-1], 1, 1
    for d in range(len(shape) - 1, -1, -1):
        numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != numel * chunk):
            while view_d >= 0 and (view_numel < numel or new[view_d] == 1):
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != numel:
                return False
            if d > 0:
                chunk, numel, view_numel = strides[d - 1], 1, 1
    return view_d == -1


# --- contractions: einsum (tensordot, inner and the products are written with it) ------------


def einsum(equation: str, *operands: Any) -> Any:
    """``np.einsum`` that is differentiable when an operand is a Tensor (so a backward
    written with it also runs under create_graph)."""
    if any(is_tensor(x) for x in operands):
        return Einsum.apply(*operands, equation=equation)
    return _np_einsum(equation, operands)


def _np_einsum(equation: str, operands: tuple) -> np.ndarray:
    # NOTE: numpy's path optimiser costs tens of microseconds but turns big contractions
    # into BLAS calls (tensordot); without it einsum loops in C, slow past a few thousand
    # elements. Small ones skip it.
    big = len(operands) > 2 or sum(np.size(x) for x in operands) > 4096
    return np.einsum(equation, *operands, optimize=big)


def _grad_equation(equation: str, shapes: list, k: int, dtype: Any) -> tuple[str, list]:
    """The einsum that gives operand k's gradient: g and the other operands contracted to
    k's letters, with an identity matrix for each repeated letter of k (its gradient sits on
    the diagonal), a ones vector for each letter nothing else has (summed in the forward,
    so broadcast back), and a size-1 dim that was broadcast taken as such a letter."""
    ins, out = equation.split("->")
    subs = ins.split(",")
    size: dict = {}  # each letter's size after broadcasting
    for sub, shape in zip(subs, shapes):
        for c, n in zip(sub, shape):
            size[c] = n if n != 1 else size.get(c, 1)
    full = set(out) | {c for j, (sub, shape) in enumerate(zip(subs, shapes)) if j != k
                       for c, n in zip(sub, shape) if n == size[c]}
    free = iter(sorted(set(string.ascii_letters) - set(ins)))
    terms, target = [out] + subs[:k] + subs[k + 1:], ""
    extra: list[np.ndarray] = []
    for c, n in zip(subs[k], shapes[k]):
        if c in target:  # repeated: the gradient sits on the diagonal
            new = next(free)
            terms, extra, c = terms + [c + new], extra + [np.eye(n, dtype=dtype)], new
        elif n != size[c]:  # broadcast from size 1: summed over c, kept as size 1
            new = next(free)
            terms, extra, c = terms + [new], extra + [np.ones(1, dtype)], new
        elif c not in full:  # summed in the forward (or broadcast elsewhere): spread back
            terms, extra = terms + [c], extra + [np.ones(n, dtype)]
        target += c
    return ",".join(terms) + "->" + target, extra


class Einsum(Function):
    """y = einsum(equation, *x) (explicit letters, ``->`` given); dx_k = einsum of g with
    the other operands, to x_k's letters (see _grad_equation). Saves each operand only if
    another operand's gradient needs it."""

    @quiet
    def forward(self, *operands, equation):
        needs = self.needs_input_grad
        if True in needs:  # (no node is recorded otherwise)
            keep = [x if any(n for j, n in enumerate(needs) if j != i) else None
                    for i, x in enumerate(operands)]
            self.save(equation, [np.shape(x) for x in operands], *keep)
        return np.asarray(_np_einsum(equation, operands), order="C")  # torch's layout

    @quiet
    def backward(self, g, equation, shapes, *operands):
        grads = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            eq, extra = _grad_equation(equation, shapes, k, g.dtype)
            others = [x for j, x in enumerate(operands) if j != k]
            grads.append(einsum(eq, g, *others, *extra))
        return tuple(grads)


# --- cross product --------------------------------------------------------------------------


def cross(a: Any, b: Any, dim: int) -> Any:
    if is_tensor(a) or is_tensor(b):
        return Cross.apply(a, b, dim=dim)
    return np.cross(a, b, axis=dim)


class Cross(Function):
    """y = a x b along ``dim`` (size 3; the others broadcast); da = b x g, db = g x a."""

    @quiet
    def forward(self, a, b, dim):
        need_a, need_b = self.needs_input_grad
        self.save(b if need_a else None, a if need_b else None, a.shape, b.shape, dim)
        return np.cross(a, b, axis=dim)

    @quiet
    def backward(self, g, b, a, a_shape, b_shape, dim):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(cross(b, g, dim), a_shape) if need_a else None,
                unbroadcast(cross(g, a, dim), b_shape) if need_b else None)


# --- determinants, inverses and solves ------------------------------------------------------


def inv(a: Any) -> Any:
    """The inverse of a (batched), differentiable for a Tensor; a RuntimeError (as torch's)
    for a singular matrix."""
    if is_tensor(a):
        return Inv.apply(a)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise RuntimeError(f"linalg.inv: the input matrix is singular (shape {a.shape}): "
                           "the inversion could not be completed") from None


def cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix det(a) * inv(a)^T, also where a is singular: from a's SVD
    a = u diag(s) v, it is det(u) det(v) u diag(prod_{j != i} s_j) v."""
    u, s, v = np.linalg.svd(a)
    one = np.ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([one, s[..., :-1]], -1), -1)        # prod_{j < i}
    right = np.cumprod(np.concatenate([one, s[..., :0:-1]], -1), -1)[..., ::-1]  # j > i
    sign = np.linalg.det(u) * np.linalg.det(v)
    return sign[..., None, None] * (u * (left * right)[..., None, :]) @ v


class Det(Function):
    """y = det(a) (batched); da = g * y * inv(a)^T, the cofactor matrix times g.

    NOTE: at a singular a, inv(a) does not exist but the cofactors do (the gradient of det
    is never undefined): they come from the SVD there, as in PyTorch.
    """

    @quiet
    def forward(self, a):
        y = np.linalg.det(a)
        self.save(a, y)
        return y

    @quiet
    def backward(self, g, a, y):
        if is_tensor(g) or is_tensor(a):  # under create_graph: differentiable ops
            return (g * y)[..., None, None] * swap_last(inv(a))
        if a.size and np.any(y == 0):  # NOTE: exactly singular: no inverse to use
            return g[..., None, None] * cofactors(a)
        with np.errstate(all="ignore"):
            return (g * y)[..., None, None] * swap_last(np.linalg.inv(a))


class SlogDet(Function):
    """y = log|det(a)| (batched; the api computes it with the sign in one LAPACK call and
    passes it in); da = g * inv(a)^T."""

    @quiet
    def forward(self, a, logabsdet):
        self.save(a)
        return logabsdet

    @quiet
    def backward(self, g, a):
        return g[..., None, None] * swap_last(inv(a))


class Inv(Function):
    """y = inv(a) (batched); da = -y^T g y^T (from the output)."""

    def forward(self, a):
        y = inv(a)
        self.save(y)
        return y

    def backward(self, g, y):
        yt = swap_last(y)
        return -(yt @ g @ yt)


def solve(a: Any, b: Any) -> Any:
    if is_tensor(a) or is_tensor(b):
        return Solve.apply(a, b)
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise RuntimeError(f"linalg.solve: the solver failed because the input matrix is "
                           f"singular (shapes {a.shape} and {b.shape})") from None


class Solve(Function):
    """x = solve(a, b) = inv(a) b (b a batch of matrices; batch dims broadcast);
    db = solve(a^T, g), da = -db x^T (from the output)."""

    def forward(self, a, b):
        x = solve(a, b)
        self.save(a, x if self.needs_input_grad[0] else None, a.shape, b.shape)
        return x

    def backward(self, g, a, x, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        gb = solve(swap_last(a), g)
        return (unbroadcast(-(gb @ swap_last(x)), a_shape) if need_a else None,
                unbroadcast(gb, b_shape) if need_b else None)


class SvdVals(Function):
    """s = the singular values of a (batched, descending); da = u diag(g) v^T from a's
    reduced SVD a = u diag(s) v^T (torch's svdvals rule: the u and v terms vanish when only
    s is used, so this is exact, repeated singular values included).

    NOTE: its second derivative needs the derivatives of u and v (1 / (s_i^2 - s_j^2)
    terms); those are not computed here, so a backward under create_graph is refused.
    """

    @quiet
    def forward(self, a):
        # NOTE: LAPACK's SVD may never return on inf / nan, so they never reach it. torch's
        # LAPACK refuses a nan (its first check) but scales an inf into nan: each matrix
        # holding an inf gets all-nan singular values (and gradient), a nan raises
        if np.isnan(a).any():
            raise np.linalg.LinAlgError(f"linalg.svd: the input of shape {a.shape} contains "
                                        "nan (the SVD cannot converge), as torch")
        inf = np.isinf(a).any(axis=(-2, -1))
        u, s, vh = np.linalg.svd(np.where(inf[..., None, None], 0, a) if inf.any() else a,
                                 full_matrices=False)
        for x in (u, s, vh):
            x[inf] = np.nan
        self.save(u, vh)
        return s

    def backward(self, g, u, vh):
        if is_tensor(g):
            raise NotImplementedError(
                f"linalg.svdvals (nuclear / spectral norms): second derivatives are not "
                f"implemented in tinygrad_acts (input shape {u.shape[:-1] + vh.shape[-1:]}); "
                "backward with create_graph=False")
        return (u * g[..., None, :]) @ vh


# --- the rows ------------------------------------------------------------------------------
# (matmul's row is in table.py.) The products that are written with MatMul, Mul or Einsum
# have rows on that node; inv / solve / slogdet / logdet take a / 8 + I, whose eigenvalues
# lie in the right half plane (Gershgorin), so central differences stay well conditioned
# and the determinant stays positive.


def _near_eye(a: Any) -> Any:
    return a / 8 + lib(a).eye(a.shape[-1], dtype=a.dtype)


def _near_eye_ref(a: np.ndarray) -> np.ndarray:
    return a / 8 + np.eye(a.shape[-1])


def _einsum_row(equation: str, *cases: Any, name: str = "", ref: Any = None,
                node: type | None = None) -> None:
    row(name or f"einsum {equation}", node or Einsum,
        lambda *xs: lib(xs[0]).einsum(equation, *xs),
        ref or (lambda *xs: np.einsum(equation, *xs)), *cases, torch=True)


row("mm", MatMul, lambda a, b: a.mm(b), np.matmul, ((3, 4), (4, 5)), ((1, 3), (3, 1)),
    torch=True)
row("mv", MatMul, lambda a, b: a.mv(b), np.matmul, ((3, 4), (4,)), torch=True)
row("bmm", MatMul, lambda a, b: a.bmm(b), np.matmul, ((2, 3, 4), (2, 4, 5)), torch=True)
row("dot", MatMul, lambda a, b: a.dot(b), np.dot, ((4,), (4,)), torch=True)
row("vdot", MatMul, lambda a, b: a.vdot(b), np.vdot, ((4,), (4,)), torch=True)
row("addmm", MatMul, lambda c, a, b: lib(a).addmm(c, a, b, beta=0.5, alpha=2.0),
    lambda c, a, b: 0.5 * c + 2.0 * (a @ b), ((3, 5), (3, 4), (4, 5)), ((5,), (3, 4), (4, 5)),
    torch=True)
row("baddbmm", MatMul, lambda c, a, b: lib(a).baddbmm(c, a, b, alpha=-1.5),
    lambda c, a, b: c - 1.5 * (a @ b), ((2, 3, 5), (2, 3, 4), (2, 4, 5)),
    ((1, 5), (2, 3, 4), (2, 4, 5)), torch=True)
row("outer", Mul, lambda a, b: a.outer(b), np.outer, ((3,), (4,)), torch=True)
row("ger", Mul, lambda a, b: a.ger(b), np.outer, ((2,), (3,)), torch=True)
row("kron", Mul, lambda a, b: a.kron(b), np.kron, ((2, 3), (3, 2)), ((3,), (2, 2)),
    ((), (2,)), torch=True)
row("inner", Einsum, lambda a, b: a.inner(b), np.inner, ((3, 4), (2, 4)), ((4,), (4,)),
    ((2, 3, 4), (4,)), torch=True)
row("tensordot(dims=1)", Einsum, lambda a, b: lib(a).tensordot(a, b, dims=1),
    lambda a, b: np.tensordot(a, b, axes=1), ((3, 4), (4, 2)), ((2, 3, 4), (4,)), torch=True)
row("tensordot(dims=pairs)", Einsum,
    lambda a, b: lib(a).tensordot(a, b, dims=([1, 2], [1, 0])),
    lambda a, b: np.tensordot(a, b, axes=([1, 2], [1, 0])), ((2, 3, 4), (4, 3, 5)),
    torch=True)
_einsum_row("ij,jk->ik", ((3, 4), (4, 5)))
_einsum_row("bij,bjk->bik", ((2, 3, 4), (2, 4, 5)))
_einsum_row("ii->i", ((4, 4),), node=Diagonal)  # a view, as torch: the diagonal
_einsum_row("ii", ((4, 4),), name="einsum ii (trace, implicit output)")
_einsum_row("iji->j", ((3, 2, 3),))
_einsum_row("...ij->...ji", ((2, 3, 4),), ((3, 4),), node=Permute)  # a view: a permute
_einsum_row("i,j", ((3,), (4,)), name="einsum i,j (implicit outer)")
_einsum_row("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2)))
_einsum_row("ij,ij->i", ((1, 3), (2, 3)), name="einsum ij,ij->i (size-1 broadcast)")
_einsum_row("i...,...->i", ((3, 2), (2,)), ((3, 1, 4), (2, 4)),  # numpy can't drop "..."
            ref=lambda a, b: np.einsum("i...,...->i...", a, b).reshape(len(a), -1).sum(1))
_einsum_row("ij->", ((3, 4),))
row("cross", Cross, lambda a, b: a.cross(b, dim=1), lambda a, b: np.cross(a, b, axis=1),
    ((4, 3), (4, 3)), ((2, 3, 2), (1, 3, 1)), torch=True)
row("linalg.cross", Cross, lambda a, b: lib(a).linalg.cross(a, b),
    lambda a, b: np.cross(a, b), ((3,), (3,)), ((2, 3), (1, 3)), torch=True)
row("det", Det, lambda a: lib(a).linalg.det(a), np.linalg.det, ((3, 3),), ((2, 4, 4),),
    ((1, 1),), torch=True)
row("inverse", Inv, lambda a: lib(a).linalg.inv(_near_eye(a)),
    lambda a: np.linalg.inv(_near_eye_ref(a)), ((3, 3),), ((2, 2, 2),), torch=True)
row("linalg.solve", Solve, lambda a, b: lib(a).linalg.solve(_near_eye(a), b),
    lambda a, b: np.linalg.solve(_near_eye_ref(a), b[..., None])[..., 0] if b.ndim == 1
    else np.linalg.solve(_near_eye_ref(a), b), ((3, 3), (3, 2)), ((3, 3), (3,)),
    ((2, 3, 3), (3, 1)), torch=True)
row("slogdet", SlogDet, lambda a: lib(a).linalg.slogdet(_near_eye(a)).logabsdet,
    lambda a: np.linalg.slogdet(_near_eye_ref(a))[1], ((3, 3),), ((2, 2, 2),), torch=True)
row("logdet", SlogDet, lambda a: _near_eye(a).logdet(),
    lambda a: np.log(np.linalg.det(_near_eye_ref(a))), ((3, 3),), torch=True)
row("linalg.svdvals", SvdVals, lambda a: lib(a).linalg.svdvals(a),
    lambda a: np.linalg.svd(a, compute_uv=False), ((3, 4),), ((2, 3, 2),), smooth=False,
    torch=True)
row("linalg.matrix_norm(nuc)", SvdVals, lambda a: lib(a).linalg.matrix_norm(a, "nuc"),
    lambda a: np.linalg.norm(a, "nuc"), ((4, 3),), smooth=False, torch=True)
row("linalg.matrix_norm(2)", SvdVals, lambda a: lib(a).linalg.matrix_norm(a, 2),
    lambda a: np.linalg.norm(a, 2), ((3, 3),), smooth=False, torch=True)
