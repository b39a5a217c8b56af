"""torch.linalg's decompositions and what is built on them, as ``ta.linalg`` names: svd,
qr, eigh / eigvalsh, cholesky, solve_triangular, pinv, lstsq, matrix_rank, matrix_power,
multi_dot; and torch's older names ``ta.svd`` (V, not Vh), ``ta.qr``, ``ta.cholesky``,
``ta.pinverse``, ``ta.matrix_power``, ``ta.cholesky_solve``, ``ta.cholesky_inverse``,
``ta.triangular_solve``, with their Tensor methods.

The rules are ops/decompositions.py's (Svd, Qr, Eigh, Cholesky, SolveTriangular, Pinv);
the rest is written with them and the ops of ops/linalg.py, so every gradient is
analytic. Several factors come back as torch's named tuples (``U, S, Vh = ...``,
``.Q``, ``.eigenvalues``), each factor a view of the one node's packed output. Errors are
torch's: RuntimeError for shapes and dtypes, ``ta.linalg.LinAlgError`` (a RuntimeError)
for a matrix the factorization cannot take.

Example:
    >>> import tinygrad_acts as ta
    >>> A = ta.tensor([[3.0, 0.0], [0.0, -4.0]])
    >>> ta.linalg.svd(A).S
    tensor([4., 3.])
    >>> ta.linalg.eigh(ta.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops, return_types
from .api import method
from .api.linalg import inv, matrix_norm, solve, svdvals
from .ops import decompositions as D
from .ops import linalg as L
from .ops.spec import lib, row
from .tensor import Tensor, _tensor_arg
from .tensor import cat as ta_cat

LinAlgError = D.LinAlgError


results = return_types  # (this module's named tuples: torch.return_types')


__all__ = ["svd", "qr", "cholesky", "pinverse", "matrix_power", "cholesky_solve",
           "cholesky_inverse", "triangular_solve", "lu", "lu_unpack", "lu_solve", "orgqr"]


# --- argument checks ---------------------------------------------------------------------


def _matrix(who: str, A: Any, name: str = "A", square: bool = False,
            not_implemented: bool = False) -> Tensor:
    """A float tensor of at least 2 dims (square matrices if ``square``), or torch's error:
    RuntimeError, or NotImplementedError for float16 and (where torch has no kernel at
    all, ``not_implemented``) for integers."""
    a = _tensor_arg(who, A, name)
    if (a.dtype.kind != "f" and not_implemented) or a.dtype == np.float16:
        raise NotImplementedError(f"{who}: not implemented for {a.dtype} (shape {a.shape}), "
                                  "as in torch")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{who}: Expected a floating point or complex tensor as input. "
                           f"Got {a.dtype} (shape {a.shape})")
    if a.ndim < 2:
        raise RuntimeError(f"{who}: The input tensor {name} must have at least 2 dimensions "
                           f"(shape {a.shape}).")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{who}: {name} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    return a


def _symmetric(a: Tensor, upper: bool = False) -> Tensor:
    """The symmetric matrix made of a's lower (or upper) triangle, the one that torch's
    eigh, cholesky and pinv(hermitian=True) read, as the value; as the gradient, a's
    own (torch's: the rule assumes a symmetric a, and so gives a symmetric gradient).
    NOTE: a shift by a constant: exact where a is symmetric; else the mirrored elements
    may be off by an ulp, which the rules' (a + a^T) / 2 then averages."""
    x = a._array
    if np.array_equal(x, np.swapaxes(x, -1, -2)):
        return a
    if not np.isfinite(x).all():  # NOTE: the shift would spread the other triangle's inf
        return a.triu() + a.triu(1).mT if upper else a.tril() + a.tril(-1).mT
    tri, rest = (np.triu(x), np.triu(x, 1)) if upper else (np.tril(x), np.tril(x, -1))
    with np.errstate(invalid="ignore"):  # (inf - inf: nan, as the mirrored inf reads)
        return a + Tensor._wrap(tri + np.swapaxes(rest, -1, -2) - x)


# --- svd / qr / eigh ------------------------------------------------------------------------


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> Any:
    """A = U diag(S) Vh, S descending (``ta.linalg.svd``). Differentiable for losses that
    do not depend on the signs of the vector pairs (U S Vh, |U|, S ...); with repeated
    singular values only S's gradient is finite, as in torch.

    Args:
        A: (..., m, n), float.
        full_matrices: U (m, m) and Vh (n, n) (default), else (m, k) and (k, n), k =
            min(m, n). The extra vectors are any basis: their gradients are ignored.
        driver: cuSOLVER's choice: refused on the CPU, as torch.

    Shape: ``linalg_svd(U, S, Vh)``, S (..., k).

    Example:
        >>> import tinygrad_acts as ta
        >>> U, S, Vh = ta.linalg.svd(ta.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), False)
        >>> S, tuple(U.shape), tuple(Vh.shape)
        (tensor([2., 1.]), (2, 2), (2, 3))
    """
    a = _matrix("linalg.svd", A, not_implemented=A.dtype == np.float16)
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           f"CUDA inputs with cuSOLVER backend (shape {a.shape}).")
    m, n = a.shape[-2:]
    k = min(m, n)
    u, s, vh = D.unpack(D.Svd.apply(a), ((m, k), (k,), (k, n)))
    if full_matrices and m > k:
        u = ta_cat([u, Tensor._wrap(_complement(u._array))], -1)
    if full_matrices and n > k:
        vh = ta_cat([vh, Tensor._wrap(_complement(vh.mT._array)).mT], -2)
    return results.linalg_svd(u, s, vh)


def _complement(q: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the space orthogonal to q's columns (a full svd's extra
    vectors: any basis will do, and nothing flows back through them, as in torch)."""
    return np.linalg.qr(q, "complete")[0][..., q.shape[-1]:]


@method
def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """torch.svd: A = U diag(S) V^T, V (not Vh); ``some`` gives the reduced factors.
    Without ``compute_uv``, U and V are zeros of (m, m) and (n, n) and S alone is computed
    (its gradient then is torch.linalg.svdvals').

    Shape: ``svd(U, S, V)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.svd(ta.tensor([[0.0, 2.0], [1.0, 0.0]])).V.abs()
        tensor([[0., 1.],
                [1., 0.]])
    """
    a = _matrix("svd", input)
    if not compute_uv:
        m, n = a.shape[-2:]
        zeros = (Tensor._wrap(np.zeros(a.shape[:-2] + (d, d), a.dtype)) for d in (m, n))
        return results.svd(next(zeros), L.SvdVals.apply(a), next(zeros))
    u, s, vh = linalg_svd(a, full_matrices=not some)
    return results.svd(u, s, vh.mT)


_QR_MODES = ("reduced", "complete", "r")


def linalg_qr(A: Tensor, mode: str = "reduced") -> Any:
    """A = Q R, Q with orthonormal columns and R upper triangular (``ta.linalg.qr``).

    Args:
        A: (..., m, n), float.
        mode: "reduced" (Q (m, k), R (k, n), k = min(m, n)), "complete" (Q (m, m), R (m, n);
            not differentiable when m > n) or "r" (R only, Q empty; not differentiable),
            as torch.

    Shape: ``linalg_qr(Q, R)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.qr(ta.tensor([[3.0], [4.0]])).R.abs()
        tensor([[5.]])
    """
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    a = _matrix("linalg.qr", A)
    m, n = a.shape[-2:]
    if mode == "r":
        return results.linalg_qr(Tensor._wrap(np.zeros(0, a.dtype)), D.Qr.apply(a, mode=mode))
    k = m if mode == "complete" else min(m, n)
    return results.linalg_qr(*D.unpack(D.Qr.apply(a, mode=mode), ((m, k), (k, n))))


@method
def qr(input: Tensor, some: bool = True) -> Any:
    """torch.qr: ``linalg.qr(input, "reduced" if some else "complete")``.

    Example:
        >>> import tinygrad_acts as ta
        >>> tuple(ta.qr(ta.ones(3, 2), some=False).Q.shape)
        (3, 3)
    """
    return results.qr(*linalg_qr(input, "reduced" if some else "complete"))


def eigh(A: Tensor, UPLO: str = "L") -> Any:
    """A = V diag(L) V^T for a symmetric A, L ascending (``ta.linalg.eigh``); only the
    triangle ``UPLO`` is read, and the gradient is symmetric (it assumes A is), as torch.
    Finite only for distinct eigenvalues when the loss reads V.

    Args:
        A: (..., n, n), float.
        UPLO: "L" (default) or "U": the triangle read.

    Shape: ``linalg_eigh(eigenvalues (..., n), eigenvectors (..., n, n))``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.eigh(ta.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvectors.abs()
        tensor([[0., 1.],
                [1., 0.]])
    """
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    a = _symmetric(_matrix("linalg.eigh", A, square=True, not_implemented=True), UPLO == "U")
    n = a.shape[-1]
    return results.linalg_eigh(*D.unpack(D.Eigh.apply(a), ((n,), (n, n))))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of a symmetric A, ascending (see ``eigh``); dA = V diag(g) V^T.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.eigvalsh(ta.tensor([[1.0, 2.0], [2.0, 1.0]]))
        tensor([-1.,  3.])
    """
    return eigh(A, UPLO).eigenvalues.clone()  # (a tensor of its own, not a view, as torch's)


# --- cholesky and triangular solves ---------------------------------------------------------


def _not_positive_definite(who: str, a: np.ndarray) -> LinAlgError:
    """torch's error: the first failing matrix of the batch and its first leading minor
    that is not positive-definite (found by bisection: once one fails, all larger do)."""
    n = a.shape[-1]
    flat = a.reshape((-1, n, n))
    if not np.isfinite(a).all():  # (inf / nan: the column loop's own pivots, as torch's)
        info = D.cholesky_steps(flat)[1]
        b = int(np.flatnonzero(info)[0])
        return _pd_error(who, a, b, int(info[b]))

    def fails(m: np.ndarray, k: int) -> bool:
        try:
            np.linalg.cholesky(m[:k, :k])
            return False
        except np.linalg.LinAlgError:
            return True

    b = next(i for i, m in enumerate(flat) if fails(m, n))
    order = bisect.bisect_left(range(1, n + 1), True, key=lambda k: fails(flat[b], k)) + 1
    return _pd_error(who, a, b, order)


def _pd_error(who: str, a: np.ndarray, b: int, order: int) -> LinAlgError:
    where = f"(Batch element {b}): " if a.ndim > 2 else ""
    return LinAlgError(f"{who}: {where}The factorization could not be completed because the "
                       f"input is not positive-definite (the leading minor of order {order} "
                       f"is not positive-definite).")


def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """A = L L^T for a symmetric positive-definite A, L lower triangular
    (``ta.linalg.cholesky``); with ``upper``, U = L^T from A's upper triangle. Only that
    triangle is read; the gradient is symmetric, as torch's. A matrix that is not
    positive-definite raises ``ta.linalg.LinAlgError`` naming its leading minor.

    Shape: (..., n, n) -> (..., n, n).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.cholesky(ta.tensor([[4.0, 2.0], [2.0, 2.0]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    return _cholesky("linalg.cholesky", _matrix("linalg.cholesky", A, square=True), upper)


def _cholesky(who: str, a: Tensor, upper: bool) -> Tensor:
    a = _symmetric(a, upper)
    x = a._array
    if not np.isfinite(x).all() and D.cholesky_steps(np.tril(x))[1].any():
        raise _not_positive_definite(who, x)
    try:
        lo = D.Cholesky.apply(a)
    except np.linalg.LinAlgError:
        raise _not_positive_definite(who, x) from None
    return lo.mT.clone() if upper else lo  # (U: a tensor of its own, as torch's)


@method
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated there): ``linalg.cholesky(input, upper=upper)``, with
    torch.cholesky's own checks: an empty input comes back as it is (any shape, any dtype,
    as torch's), integers and float16 are NotImplementedError.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cholesky(ta.tensor([[4.0, 2.0], [2.0, 2.0]]), upper=True)
        tensor([[2., 1.],
                [0., 1.]])
    """
    who = "cholesky"
    a = _tensor_arg(who, input, "input")
    if a.numel() == 0:
        return a.clone()
    if a.ndim < 2:
        raise RuntimeError(f"{who}: The input tensor A must have at least 2 dimensions "
                           f"(shape {a.shape}).")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{who}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if a.dtype.kind != "f" or a.dtype == np.float16:
        raise NotImplementedError(f"{who}: not implemented for {a.dtype} (shape {a.shape}), "
                                  "as in torch")
    return _cholesky(who, a, upper)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with T X = B (or X T = B with ``left=False``), T the upper or lower triangle of
    A (with ones on its diagonal if ``unitriangular``: A's is not read); batch dims
    broadcast; computed in A's dtype, as torch. dB = T^-T g, dA = -triangle(dB X^T). A
    zero on T's diagonal gives inf / nan, as torch.

    Shape: B (..., n, k) (or (..., k, n) for ``left=False``) -> X, B's shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.solve_triangular(ta.tensor([[2.0, 1.0], [0.0, 1.0]]),
        ...                            ta.tensor([[3.0], [1.0]]), upper=True)
        tensor([[1.],
                [1.]])
    """
    who = "linalg.solve_triangular"
    a = _matrix(who, A, square=True, not_implemented=True)
    # NOTE: torch computes in A's dtype (B is cast to it; B's gradient comes back in B's)
    b = _matrix(who, B, "B", not_implemented=True).to(a.dtype)
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{who}: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({n}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{who}: the batch dims of A {a.shape} and B {b.shape} do not "
                           "broadcast") from None
    if not left:  # X T = B is T^T X^T = B^T
        return D.SolveTriangular.apply(a.mT, b.mT, upper=not upper,
                                       unit=unitriangular).mT.clone()  # (not a view)
    return D.SolveTriangular.apply(a, b, upper=upper, unit=unitriangular)


@method
def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> Any:
    """torch.triangular_solve (deprecated there): X with op(T) X = b, op the transpose if
    ``transpose``; returns ``triangular_solve(solution, cloned_coefficient)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.triangular_solve(ta.ones(2, 1), ta.eye(2) * 2).solution
        tensor([[0.5000],
                [0.5000]])
    """
    a = A.mT if transpose else A
    x = solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    return results.triangular_solve(x, A.clone())


def _triangle(who: str, L_: Tensor, upper: bool) -> Tensor:
    """L_'s triangle as its value, with the gradient of all of L_: torch's cholesky_solve
    and cholesky_inverse read one triangle but differentiate as if L_ were all of it."""
    lo = _matrix(who, L_, "A", square=True)
    x = lo._array
    with np.errstate(invalid="ignore"):
        return lo + Tensor._wrap((np.triu(x) if upper else np.tril(x)) - x)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """X = (L L^T)^-1 B (or (U^T U)^-1 B with ``upper``) from a Cholesky factor (torch's
    argument order: B first). dB = (L L^T)^-1 g; the factor's gradient is torch's, for
    all of it (not only its triangle).

    Shape: B (..., n, k), L (..., n, n) -> (..., n, k).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cholesky_solve(ta.ones(2, 1), ta.tensor([[2.0, 0.0], [0.0, 1.0]]))
        tensor([[0.2500],
                [1.0000]])
    """
    who = "cholesky_solve"
    b = _tensor_arg(who, B, "B")
    if b.ndim < 2:
        raise RuntimeError(f"{who}: b should have at least 2 dimensions, but has {b.ndim} "
                           f"dimensions instead (shape {b.shape})")
    lo = _triangle(who, L, upper)
    if b.dtype != lo.dtype:
        raise RuntimeError(f"{who}: Expected b and A to have the same dtype, but found b of "
                           f"type {b.dtype} and A of type {lo.dtype} instead.")
    if b.shape[-2] != lo.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{lo.shape[-1]} by {lo.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    return solve(lo.mT @ lo if upper else lo @ lo.mT, b)


@method(name="cholesky_solve")
def _cholesky_solve_method(self: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """``B.cholesky_solve(L)`` is ``ta.cholesky_solve(B, L)``."""
    return cholesky_solve(self, input2, upper)


@method
def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """(L L^T)^-1 (or (U^T U)^-1 with ``upper``) from a Cholesky factor; the gradient is
    torch's, for all of the factor.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.cholesky_inverse(ta.tensor([[2.0, 0.0], [0.0, 1.0]]))
        tensor([[0.2500, 0.0000],
                [0.0000, 1.0000]])
    """
    lo = _triangle("cholesky_inverse", L, upper)
    return inv(lo.mT @ lo if upper else lo @ lo.mT)


# --- pinv / lstsq / matrix_rank -------------------------------------------------------------


def _tolerances(a: Tensor, atol: Any, rtol: Any) -> tuple[np.ndarray, np.ndarray]:
    """torch's atol and rtol, per matrix, as (..., 1) arrays: atol 0 when None; rtol
    eps * max(m, n) when None, unless atol is given and > 0 (then 0)."""
    def array(t: Any) -> np.ndarray:
        x = np.asarray(t._array if isinstance(t, Tensor) else t, dtype=a.dtype)
        return np.broadcast_to(x, a.shape[:-2])[..., None]

    eps = np.finfo(a.dtype).eps * max(a.shape[-2:])
    at = array(0.0 if atol is None else atol)
    if rtol is not None:
        return at, array(rtol)
    return at, np.where(at > 0, 0, eps).astype(a.dtype) if atol is not None else array(eps)


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The pseudo-inverse: V diag(1/s) U^T over the singular values s > max(atol, rtol *
    s_max) (torch's tolerances); with ``hermitian``, of the symmetric matrix of A's lower
    triangle (by the SVD all the same: it is a speed hint in torch, not new math).
    dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A), as torch.

    Args:
        A: (..., m, n), float.
        atol, rtol: numbers or tensors broadcast to the batch (see above; None: 0 and
            eps * max(m, n), or rtol 0 when atol > 0).
        hermitian: A is symmetric (only its lower triangle is read).

    Shape: (..., m, n) -> (..., n, m).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.pinv(ta.tensor([[2.0, 0.0], [0.0, 0.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    who = "linalg.pinv"
    a = _matrix(who, A, square=hermitian)
    at, rt = _tolerances(a, atol, rtol)
    return D.Pinv.apply(_symmetric(a) if hermitian else a, atol=at, rtol=rt)


@method
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: ``linalg.pinv(input, rtol=rcond)``."""
    return pinv(input, rtol=rcond)


def _singular_values(a: Tensor, hermitian: bool = False) -> np.ndarray:
    x = D.no_nan("linalg.svd", a._array)
    return np.abs(np.linalg.eigvalsh(x)[..., ::-1]) if hermitian else \
        np.linalg.svd(x, compute_uv=False)


def _rank(s: np.ndarray, atol: np.ndarray, rtol: np.ndarray) -> np.ndarray:
    smax = s.max(-1, keepdims=True, initial=0)
    return (s > np.maximum(atol, rtol * smax)).sum(-1).astype(np.int64)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None,
                hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol * s_max), the tolerances of
    ``pinv``; int64, of A's batch shape (no gradient).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.matrix_rank(ta.ones(3, 3))
        tensor(1)
    """
    a = _matrix("linalg.matrix_rank", A, square=hermitian)
    s = _singular_values(a, hermitian)
    return Tensor._wrap(_rank(s, *_tolerances(a, atol, rtol)))


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,
          driver: str | None = None) -> Any:
    """The least-squares solution of A X = B (the minimum-norm one where A is wide or
    rank-deficient): X = pinv(A, rtol=rcond) B, differentiable as torch's (through pinv).

    Args:
        A: (..., m, n), float. B: (..., m, k), or (..., m) as a vector; the same dtype.
        rcond: singular values below rcond * s_max count as zero (default eps * max(m, n)).
        driver: LAPACK's, as torch's CPU: "gelsy" (default), "gels", "gelsd" or "gelss".
            It decides what else is returned, as in torch: rank for all but gels,
            singular_values for gelsd / gelss, residuals ||A X - B||^2 per column for gels
            when m > n and for gelsd / gelss when also every A has full rank; the others
            empty. (These carry no gradient.)

    Shape: ``linalg_lstsq(solution (..., n, k), residuals (..., k), rank (...),
    singular_values (..., min(m, n)))``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.lstsq(ta.tensor([[1.0], [1.0]]), ta.tensor([[1.0], [3.0]])).solution
        tensor([[2.0000]])
    """
    who = "torch.linalg.lstsq"
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{who}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           "gelss)")
    a = _matrix(who, A, "input")
    b = _tensor_arg(who, B, "other")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{who}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {a.dtype} and other's dtype {b.dtype}")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    b2 = b.unsqueeze(-1) if vector else b
    if b2.ndim < 2 or b2.shape[-2] != a.shape[-2]:
        raise RuntimeError(f"{who}: input.size(-2) should match other.size(-2) (shapes "
                           f"{a.shape} and {b.shape})")
    m, n = a.shape[-2:]
    at, rt = _tolerances(a, 0.0, rcond)
    x = D.Pinv.apply(a, atol=at, rtol=rt) @ b2
    empty = Tensor._wrap(np.zeros(0, a.dtype))
    s = _singular_values(a)
    rank = _rank(s, at, rt)
    full = bool(np.all(rank == n))
    residuals = empty
    if m > n and (driver == "gels" or (driver != "gelsy" and full)):
        residuals = ((a @ x - b2) ** 2).sum(-2).detach()
    return results.linalg_lstsq(x.squeeze(-1) if vector else x, residuals,
                        Tensor._wrap(np.zeros(0, np.int64) if driver == "gels" else rank),
                        Tensor._wrap(s) if driver in ("gelsd", "gelss") else empty)


# --- matrix_power / multi_dot ---------------------------------------------------------------


@method
def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for an integer n (``ta.linalg.matrix_power``, ``ta.matrix_power``) by repeated
    squaring; n = 0 gives the identity (with a zero gradient), n < 0 inv(A)^-n.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.matrix_power(ta.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    who = "linalg.matrix_power"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{who}: argument 'n' must be int, not {type(n).__name__}")
    a = _tensor_arg(who, A, "A")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{who}: A must be batches of square matrices, but they are "
                           f"{' by '.join(map(str, a.shape[-2:]))} matrices")
    if n == 0:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()
        return ops.DependsOn.apply(Tensor._wrap(eye), a)
    base, k = (inv(a) if n < 0 else a), abs(int(n))
    while not k & 1:  # the lowest bit of |n| that is set
        base, k = base @ base, k >> 1
    result = base
    while k > 1:
        base, k = base @ base, k >> 1
        if k & 1:
            result = result @ base
    return result


def _chain_order(dims: list) -> list:
    """The cheapest parenthesisation of a matrix chain (dims[i] x dims[i + 1] for matrix
    i), by the textbook dynamic programme: split[i][j] is where the product i..j splits."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))
    return split


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices, in the order that costs the fewest
    multiplications (as torch); the first may be a row vector (1-D), the last a column.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.multi_dot([ta.ones(2), ta.ones(2, 3), ta.ones(3)])
        tensor(6.)
    """
    who = "multi_dot()"
    ts = [_tensor_arg(who, t, f"tensors[{i}]") for i, t in enumerate(tensors)]
    if len(ts) < 2:
        raise RuntimeError(f"{who}: expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        ok = t.ndim in (1, 2) if i in (0, len(ts) - 1) else t.ndim == 2
        if not ok:
            what = "first" if i == 0 else "last" if i == len(ts) - 1 else None
            raise RuntimeError(f"{who}: the {what} tensor must be 1D or 2D but got {t.ndim}D"
                               if what else f"{who}: tensor {i} must be 2D but got {t.ndim}D")
        if t.dtype != ts[0].dtype:
            raise RuntimeError(f"{who}: all tensors must have be the same dtype but tensor 0 "
                               f"is {ts[0].dtype} and tensor {i} {t.dtype}")
    row_vec, col_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    mats = [ts[0].unsqueeze(0) if row_vec else ts[0], *ts[1:-1],
            ts[-1].unsqueeze(-1) if col_vec else ts[-1]]
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"{who}: tensors {i} and {i + 1} with shapes "
                               f"{list(ts[i].shape)} and {list(ts[i + 1].shape)} cannot be "
                               "multiplied")
    split = _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

    def product(i: int, j: int) -> Tensor:
        return mats[i] if i == j else product(i, split[i][j]) @ product(split[i][j] + 1, j)

    out = product(0, len(mats) - 1)
    if row_vec:
        out = out.squeeze(0)
    return out.squeeze(-1) if col_vec else out


# --- the rows of what is written with the rules (the rules' own are in ops/) ----------------

row("svd (some, V)", D.Svd, lambda a: D.pairs(*(lambda u, s, v: (u, s, v.mT))(
    *lib(a).svd(D.spread(a)))), lambda a: D.pairs(*np.linalg.svd(D.spread(a), False)),
    ((4, 3),), ((3, 3),), torch=True)
row("linalg.lstsq", L.MatMul, lambda a, b: lib(a).linalg.lstsq(D.spread(a), b).solution,
    lambda a, b: np.linalg.pinv(D.spread(a)) @ b, ((4, 3), (4, 2)), ((3, 4), (3, 2)),
    ((2, 4, 3), (2, 4, 2)), torch=True)
row("cholesky_solve", L.Solve, lambda b, c: lib(b).cholesky_solve(b, D.spread(c).tril()),
    lambda b, c: np.linalg.solve(np.tril(D.spread(c)) @ np.tril(D.spread(c)).T, b),
    ((3, 2), (3, 3)), torch=True)
row("cholesky_inverse(upper=True)", L.Inv,
    lambda c: lib(c).cholesky_inverse(D.spread(c).triu(), upper=True),
    lambda c: np.linalg.inv(np.triu(D.spread(c)).T @ np.triu(D.spread(c))), ((3, 3),),
    torch=True)
row("linalg.matrix_power(n=3)", L.MatMul, lambda a: lib(a).linalg.matrix_power(a, 3),
    lambda a: np.linalg.matrix_power(a, 3), ((3, 3),), ((2, 2, 2),), torch=True)
row("linalg.matrix_power(n=-2)", L.Inv, lambda a: lib(a).linalg.matrix_power(D.spread(a), -2),
    lambda a: np.linalg.matrix_power(D.spread(a), -2), ((3, 3),), torch=True)
row("linalg.multi_dot", L.MatMul, lambda *ts: lib(ts[0]).linalg.multi_dot(ts),
    lambda *ts: np.linalg.multi_dot(ts), ((2, 3), (3, 4), (4, 2)),
    ((3,), (3, 4), (4,)), torch=True)


# --- LU, the _ex forms (an info tensor instead of an error), householder_product, cond ---


def _batch_where(a: Any, b: int) -> str:
    return f"(Batch element {b}): " if a.ndim > 2 else ""


def _lu(who: str, A: Any, pivot: bool) -> tuple[Tensor, np.ndarray, np.ndarray, np.ndarray]:
    """(LU as a node of A, pivots, info, P) for torch's LU functions."""
    a = _matrix(who, A, not_implemented=True)
    if not pivot:
        raise RuntimeError(f"{who}: LU without pivoting is not implemented on the CPU "
                           f"(shape {a.shape})")
    lu_, piv, info = D.lu_factor(a._array)
    p = D.permutation(piv, a.shape[-2], a.dtype)
    return D.Lu.apply(a, lu=lu_, perm=p), piv, info, p


def _singular_lu(who: str, a: Any, info: np.ndarray) -> RuntimeError:
    b = int(np.flatnonzero(info)[0])
    i = int(info.reshape(-1)[b])
    return RuntimeError(f"torch.{who}: {_batch_where(a, b)}U[{i},{i}] is zero and using it on "
                        "lu_solve would result in a division by zero. If you still want to "
                        "perform the factorization, consider calling linalg.lu(A, pivot) or "
                        "linalg.lu_factor_ex(A, pivot)")


def linalg_lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> Any:
    """``linalg.lu_factor`` returning, instead of raising, ``info``: per matrix the 1-based
    column of the first zero pivot (int32, 0 where U is invertible); ``check_errors``
    raises then. Shape: ``linalg_lu_factor_ex(LU, pivots, info)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.lu_factor_ex(ta.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=int32)
    """
    lu_, piv, info, _ = _lu("linalg.lu_factor_ex", A, pivot)
    if check_errors and info.any():
        raise _singular_lu("linalg.lu_factor_ex", lu_, info)
    return results.linalg_lu_factor_ex(lu_, Tensor._wrap(piv), Tensor._wrap(info))


def linalg_lu_factor(A: Tensor, *, pivot: bool = True) -> Any:
    """A = P L U in LAPACK's compact form (``ta.linalg.lu_factor``): L (unit lower, its
    ones not stored) and U in one matrix LU, and the row swaps as 1-based int32 pivots
    (row i was swapped with row pivots[i] - 1, in order: partial pivoting). Differentiable
    in LU (torch's rule, for square, wide and tall A); a zero pivot raises, as torch's
    (``lu_factor_ex`` returns it), and ``pivot=False`` is refused, as torch's CPU.

    Shape: (..., m, n) -> ``linalg_lu_factor(LU (..., m, n), pivots (..., min(m, n)))``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.lu_factor(ta.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
        tensor([2, 2], dtype=int32)
    """
    lu_, piv, info, _ = _lu("linalg.lu_factor", A, pivot)
    if info.any():
        raise _singular_lu("linalg.lu_factor", lu_, info)
    return results.linalg_lu_factor(lu_, Tensor._wrap(piv))


def _unpacked(lu_: Tensor) -> tuple[Tensor, Tensor]:
    m, n = lu_.shape[-2:]
    k = min(m, n)
    eye = Tensor._wrap(np.eye(m, k, dtype=lu_.dtype))
    return lu_[..., :, :k].tril(-1) + eye, lu_[..., :k, :].triu()


def linalg_lu(A: Tensor, *, pivot: bool = True) -> Any:
    """A = P L U with partial pivoting (``ta.linalg.lu``): P a permutation matrix, L
    (m, k) unit lower triangular, U (k, n) upper (k = min(m, n)); L and U differentiable
    (see ``lu_factor``); a singular A is fine here, as torch's.

    Example:
        >>> import tinygrad_acts as ta
        >>> P, L, U = ta.linalg.lu(ta.tensor([[0.0, 1.0], [2.0, 3.0]]))
        >>> P, U
        (tensor([[0., 1.],
                [1., 0.]]), tensor([[2., 3.],
                [0., 1.]]))
    """
    lu_, _, _, p = _lu("linalg.lu", A, pivot)
    return results.linalg_lu(Tensor._wrap(p), *_unpacked(lu_))


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> Any:
    """(P, L, U) from ``lu_factor``'s compact form (torch.lu_unpack); L and U are
    differentiable in LU_data. A part not asked for comes back empty, as torch's.

    Example:
        >>> import tinygrad_acts as ta
        >>> LU, piv = ta.linalg.lu_factor(ta.tensor([[0.0, 1.0], [2.0, 3.0]]))
        >>> ta.lu_unpack(LU, piv).L
        tensor([[1., 0.],
                [0., 1.]])
    """
    who = "lu_unpack"
    lu_ = _matrix(who, LU_data, "LU_data")
    piv = _tensor_arg(who, LU_pivots, "LU_pivots")
    m, n = lu_.shape[-2:]
    if piv.dtype.kind not in "iu" or piv.shape != lu_.shape[:-2] + (min(m, n),):
        raise RuntimeError(f"{who}: LU_pivots must be an integer tensor of shape "
                           f"{lu_.shape[:-2] + (min(m, n),)} for LU_data of shape "
                           f"{lu_.shape}, got {piv.dtype} of shape {piv.shape}")
    empty = Tensor._wrap(np.zeros(0, lu_.dtype))
    p = Tensor._wrap(D.permutation(piv._array, m, lu_.dtype)) if unpack_pivots else empty
    lo, up = _unpacked(lu_) if unpack_data else (empty, empty)
    return results.lu_unpack(p, lo, up)


def linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
                    adjoint: bool = False) -> Tensor:
    """X with A X = B from A's ``lu_factor`` (A^T X = B with ``adjoint``; X A = B with
    ``left=False``): two triangular solves and the row swaps, differentiable in LU and B.

    Shape: LU (..., n, n), pivots (..., n), B (..., n, k) (batch dims broadcast).

    Example:
        >>> import tinygrad_acts as ta
        >>> A = ta.tensor([[2.0, 1.0], [1.0, 3.0]])
        >>> ta.linalg.lu_solve(*ta.linalg.lu_factor(A), ta.tensor([[3.0], [4.0]]))
        tensor([[1.],
                [1.]])
    """
    who = "linalg.lu_solve"
    lu_ = _tensor_arg(who, LU, "LU")
    b = _tensor_arg(who, B, "B")
    if b.ndim < 2:
        raise RuntimeError(f"{who}: The input tensor B must have at least 2 dimensions "
                           f"(shape {b.shape}).")
    lu_ = _matrix(f"torch.{who}", lu_, square=True)
    if lu_.dtype != b.dtype:
        raise RuntimeError(f"{who}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {lu_.dtype} and B of type {b.dtype} instead.")
    n = lu_.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{who}: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({n}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    p = lu_unpack(lu_, pivots, unpack_data=False).P
    if not left:  # X A = B is A^T X^T = B^T (and X A^T = B is A X^T = B^T)
        return linalg_lu_solve(lu_, pivots, b.mT, adjoint=not adjoint).mT.clone()  # (own)
    if adjoint:  # A^T X = U^T L^T P^T X = B
        y = solve_triangular(lu_.mT, b, upper=False)
        return p @ solve_triangular(lu_.mT, y, upper=True, unitriangular=True)
    y = solve_triangular(lu_, p.mT @ b, upper=False, unitriangular=True)
    return solve_triangular(lu_, y, upper=True)


@method(name="lu")
def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> Any:
    """torch.lu (deprecated there): ``(LU, pivots)`` of ``lu_factor``, or with
    ``get_infos`` also ``info``; a singular A is fine (torch's checks nothing here).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.tensor([[0.0, 1.0], [2.0, 3.0]]).lu()[1]
        tensor([2, 2], dtype=int32)
    """
    lu_, piv, info = linalg_lu_factor_ex(A, pivot=pivot)
    return (lu_, piv, info) if get_infos else (lu_, piv)


@method(name="lu_solve")
def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """torch.lu_solve (deprecated there): ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    return linalg_lu_solve(LU_data, LU_pivots, b)


def _info_tensor(info: np.ndarray) -> Tensor:
    return Tensor._wrap(np.asarray(info, np.int32))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> Any:
    """``linalg.solve`` returning ``info`` (int32 per matrix: the LU's first zero pivot,
    0 where A is invertible) instead of raising; a singular A gives inf / nan, as
    torch's; ``check_errors`` raises ``LinAlgError`` then.

    Shape: ``linalg_solve_ex(result, info)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.solve_ex(ta.eye(2) * 2, ta.ones(2)).result
        tensor([0.5000, 0.5000])
    """
    who = "torch.linalg.solve_ex"
    a = _matrix(who, A, square=True)
    info = D.lu_factor(a._array)[2]
    if not info.any():
        return results.linalg_solve_ex(solve(a, B, left=left), _info_tensor(info))
    if check_errors:
        b = int(np.flatnonzero(info)[0])
        raise LinAlgError(f"{who}: {_batch_where(a, b)}The solver failed because the input "
                          "matrix is singular.")
    b_ = _tensor_arg(who, B, "B")
    vector = b_.ndim == 1 or (b_.ndim == a.ndim - 1 and b_.shape == a.shape[:-1])
    b2 = b_.unsqueeze(-1 if left else -2) if vector else b_
    lu_, piv = linalg_lu_factor_ex(a)[:2]
    x = linalg_lu_solve(lu_, piv, b2, left=left)
    return results.linalg_solve_ex(x.squeeze(-1 if left else -2) if vector else x,
                                   _info_tensor(info))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> Any:
    """``linalg.inv`` returning ``info`` (see ``solve_ex``) instead of raising.

    Shape: ``linalg_inv_ex(inverse, info)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.inv_ex(ta.eye(2) * 2).inverse
        tensor([[0.5000, 0.0000],
                [0.0000, 0.5000]])
    """
    who = "linalg.inv_ex"
    a = _matrix(who, A, square=True)
    info = D.lu_factor(a._array)[2]
    if not info.any():
        return results.linalg_inv_ex(inv(a), _info_tensor(info))
    if check_errors:
        b = int(np.flatnonzero(info)[0])
        raise LinAlgError(f"{who}: {_batch_where(a, b)}The diagonal element "
                          f"{int(info.reshape(-1)[b])} is zero, the inversion could not be "
                          "completed because the input matrix is singular.")
    lu_, piv = linalg_lu_factor_ex(a)[:2]
    eye = Tensor._wrap(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy())
    return results.linalg_inv_ex(linalg_lu_solve(lu_, piv, eye), _info_tensor(info))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> Any:
    """``linalg.cholesky`` returning ``info`` instead of raising: per matrix the order of
    the first leading minor that is not positive-definite (int32, 0: none). Where it is
    not 0, L is what LAPACK's potrf leaves, as torch's: the columns before the failing
    one factored, its pivot the (non-positive) value it found, the rest A's own triangle
    (no gradient flows through those).

    Shape: ``linalg_cholesky_ex(L, info)``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.cholesky_ex(ta.tensor([[1.0, 2.0], [2.0, 1.0]]))
        linalg_cholesky_ex(L=tensor([[ 1.,  0.],
                [ 2., -3.]]), info=tensor(2, dtype=int32))
    """
    who = "linalg.cholesky_ex"
    a = _symmetric(_matrix(who, A, square=True), upper)
    x = a._array
    finite = np.isfinite(x).all()
    try:
        if not finite and D.cholesky_steps(np.tril(x))[1].any():
            raise np.linalg.LinAlgError
        return results.linalg_cholesky_ex(_cholesky(who, a, upper),
                                          _info_tensor(np.zeros(x.shape[:-2])))
    except (np.linalg.LinAlgError, LinAlgError):
        if check_errors:
            raise _not_positive_definite(who, x) from None
    lo, info, pivot = D.cholesky_steps(np.tril(x), partial=True)
    flat = lo.reshape((-1,) + x.shape[-2:])
    for b in np.flatnonzero(info):  # (the failed matrices: as potrf leaves them)
        k = int(info.reshape(-1)[b]) - 1
        part = np.tril(x.reshape(flat.shape)[b])
        part[:, :k] = flat[b][:, :k]
        part[k, k] = pivot.reshape(-1)[b]
        flat[b] = part
    out = ops.DependsOn.apply(Tensor._wrap(np.swapaxes(lo, -1, -2).copy() if upper else lo), a)
    return results.linalg_cholesky_ex(out, _info_tensor(info))


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T, v_i = A's column
    i below its diagonal with a 1 on it (``ta.linalg.householder_product``, LAPACK's
    orgqr: Q from ``geqrf``'s compact form). Written with products: differentiable in A and
    tau, to any order.

    Shape: A (..., m, n), m >= n; tau (..., k), k <= n -> (..., m, n).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.householder_product(ta.tensor([[1.0], [1.0]]), ta.tensor([1.0]))
        tensor([[ 0.],
                [-1.]])
    """
    who = "torch.linalg.householder_product"
    a = _matrix(who, A, "input")
    t = _tensor_arg(who, tau, "tau")
    m, n = a.shape[-2:]
    if m < n:
        raise RuntimeError(f"{who}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1] (shape {a.shape})")
    if t.ndim < 1 or t.shape[-1] > n:
        raise RuntimeError(f"{who}: input.shape[-1] must be greater than or equal to "
                           f"tau.shape[-1] (shapes {a.shape} and {t.shape})")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"{who}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(t.shape[:-1])}")
    if t.dtype != a.dtype:
        raise RuntimeError(f"{who}: tau dtype {t.dtype} does not match input dtype {a.dtype}")
    v = a.tril(-1) + Tensor._wrap(np.eye(m, n, dtype=a.dtype))
    q = Tensor._wrap(np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape).copy())
    for i in range(t.shape[-1] - 1, -1, -1):  # Q = H_1 (H_2 (... (H_k I)))
        vi = v[..., :, i:i + 1]
        q = q - (t[..., i, None, None] * vi) @ (vi.mT @ q)
    return q


@method(name="orgqr")
def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """torch.orgqr: ``linalg.householder_product(input, tau)``."""
    return householder_product(input, tau)


_COND_NORMS = ("fro", "nuc", math.inf, -math.inf, 1, -1)


def cond(A: Tensor, p: Any = None) -> Tensor:
    """The condition number of each matrix (``ta.linalg.cond``): for p None / 2 (-2),
    s_max / s_min (s_min / s_max) of the singular values (any shape); for 'fro', 'nuc',
    +-1 and +-inf, norm(A, p) norm(inv(A), p) (square A; inf where A is singular, as
    torch's). Differentiable as its parts are.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.cond(ta.tensor([[4.0, 0.0], [0.0, 2.0]]))
        tensor(2.)
    """
    if p is None or (not isinstance(p, str) and p in (2, -2)):
        s = svdvals(A)
        if s.shape[-1] == 0:  # (torch's: 0 for empty matrices)
            return Tensor._wrap(np.zeros(s.shape[:-1], s.dtype))
        return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    if isinstance(p, bool) or p not in _COND_NORMS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    a = _matrix(f"linalg.cond(ord={p})", A, square=True)
    inverse, info = inv_ex(a)
    out = matrix_norm(a, p) * matrix_norm(inverse, p)
    singular = info._array > 0
    return ops.Where.apply(singular, math.inf, out) if singular.any() else out


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> Any:
    """``ldl_factor`` with ``info``: per matrix the 1-based index of the first zero of D
    (int32; 0: none), where ``ldl_factor`` raises (``check_errors`` raises too).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.ldl_factor_ex(ta.zeros(2, 2)).info
        tensor(1, dtype=int32)
    """
    who = "torch.linalg.ldl_factor_ex"
    a = _matrix(who, A, square=True)
    ld, piv, info = D.ldl_factor(a._array)
    if check_errors and info.any():
        raise _ldl_singular(who, a, info)
    return results.linalg_ldl_factor_ex(Tensor._wrap(ld), Tensor._wrap(piv), _info_tensor(info))


def _ldl_singular(who: str, a: Tensor, info: np.ndarray) -> RuntimeError:
    b = int(np.flatnonzero(info)[0])
    i = int(info.reshape(-1)[b])
    return RuntimeError(f"{who}: {_batch_where(a, b)}D[{i},{i}] is zero: the matrix is "
                        "singular (ldl_factor_ex returns the factor with info instead)")


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> Any:
    """A = P L D L^T P^T for a symmetric A (only its lower triangle is read), LAPACK's
    sytrf (Bunch-Kaufman): D block diagonal with 1x1 and 2x2 blocks, L unit lower, both in
    LD; pivots int32 in LAPACK's form (k > 0: rows k and pivots[k] - 1 swapped, a 1x1
    block; two equal negative entries: a 2x2 block). ``hermitian`` is the same for real
    matrices. A singular A raises, as torch's (``ldl_factor_ex`` returns ``info``).
    NOTE: no gradient: torch has no derivative for it (its backward raises).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.linalg.ldl_factor(ta.tensor([[4.0, 2.0], [2.0, 3.0]])).LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
    """
    ld, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    if info._array.any():
        raise _ldl_singular("torch.linalg.ldl_factor", ld, info._array)
    return results.linalg_ldl_factor(ld, piv)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """X with A X = B from A's ``ldl_factor`` (LAPACK's sytrs); batch dims broadcast. No
    gradient, as torch's (whose backward raises).

    Example:
        >>> import tinygrad_acts as ta
        >>> A = ta.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> ta.linalg.ldl_solve(*ta.linalg.ldl_factor(A), ta.tensor([[6.0], [5.0]]))
        tensor([[1.],
                [1.]])
    """
    who = "torch.linalg.ldl_solve"
    ld = _matrix(who, LD, "LD", square=True)
    piv = _tensor_arg(who, pivots, "pivots")
    b = _tensor_arg(who, B, "B")
    if b.ndim < 2:
        raise IndexError(f"{who}: B must have at least 2 dimensions (shape {b.shape})")
    if b.dtype != ld.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{b.dtype} and A of type {ld.dtype} instead.")
    n = ld.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {who}: each A matrix is {n} by {n} "
                           f"but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    if piv.dtype.kind not in "iu" or piv.shape != ld.shape[:-1]:
        raise RuntimeError(f"{who}: pivots must be integers of shape {ld.shape[:-1]}, got "
                           f"{piv.dtype} of shape {piv.shape}")
    try:
        np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{who}: the batch dims of LD {ld.shape} and B {b.shape} do not "
                           "broadcast") from None
    return Tensor._wrap(D.ldl_solve(ld._array, piv._array, b._array))


# --- the rows of LU and what is built on it -------------------------------------------------


def _lu_ref(a: np.ndarray) -> np.ndarray:
    return D.lu_factor(D.spread(a))[0]


# NOTE: the rows factor spread(a) (a dominant diagonal): partial pivoting then picks the same
# rows for every nearby input, so the gradient is smooth there (a pivot choice is a jump;
# tests/test_linalg_more.py checks the permutations themselves against torch)
row("linalg.lu_factor", D.Lu, lambda a: lib(a).linalg.lu_factor(D.spread(a)).LU, _lu_ref,
    ((3, 3),), ((2, 3, 3),), torch=True)
row("linalg.lu_factor (wide)", D.Lu, lambda a: lib(a).linalg.lu_factor(D.spread(a)).LU,
    _lu_ref, ((2, 4),), torch=True)
row("linalg.lu_factor (tall)", D.Lu, lambda a: lib(a).linalg.lu_factor(D.spread(a)).LU,
    _lu_ref, ((4, 2),), torch=True)
row("linalg.lu (L U)", D.Lu,
    lambda a: (lambda p, lo, up: lo @ up)(*lib(a).linalg.lu(D.spread(a))),
    lambda a: np.linalg.inv(D.permutation(D.lu_factor(D.spread(a))[1], a.shape[-2],
                                          a.dtype)) @ D.spread(a),
    ((3, 3),), ((3, 4),), torch=True)
row("linalg.lu_solve", D.SolveTriangular,
    lambda a, b: lib(a).linalg.lu_solve(*lib(a).linalg.lu_factor(D.spread(a)), b),
    lambda a, b: np.linalg.solve(D.spread(a), b), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1)),
    torch=True)
row("linalg.lu_solve(adjoint, left=False)", D.SolveTriangular,
    lambda a, b: lib(a).linalg.lu_solve(*lib(a).linalg.lu_factor(D.spread(a)), b,
                                        adjoint=True, left=False),
    lambda a, b: b @ np.linalg.inv(D.spread(a).T), ((3, 3), (2, 3)), torch=True)
row("linalg.householder_product", L.MatMul,
    lambda a, t: lib(a).linalg.householder_product(a, t),
    lambda a, t: _householder_ref(a, t), ((4, 3), (3,)), ((2, 3, 2), (2, 1)), torch=True)
row("linalg.cond", L.SvdVals, lambda a: lib(a).linalg.cond(D.spread(a)),
    lambda a: np.linalg.cond(D.spread(a)), ((3, 3),), ((3, 4),), torch=True, smooth=False)
# NOTE: not torch=True: torch's backward of the norm-based cond raises (it changes its
# inv_ex output in place)
row("linalg.cond(p='fro')", L.Inv, lambda a: lib(a).linalg.cond(D.spread(a), "fro"),
    lambda a: np.linalg.cond(D.spread(a), "fro"), ((3, 3),))


def _householder_ref(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    m, n = a.shape[-2:]
    v = np.tril(a, -1) + np.eye(m, n)
    q = np.broadcast_to(np.eye(m), a.shape[:-2] + (m, m)).copy()
    for i in range(tau.shape[-1]):
        vi = v[..., :, i:i + 1]
        q = q - (q @ vi) @ (tau[..., i, None, None] * np.swapaxes(vi, -1, -2))
    return q[..., :, :n]
