"""Matrix decompositions and their backward rules: svd, qr, eigh, cholesky, and
solve_triangular and pinv, which the others' rules (and lstsq, cholesky_solve) are made of.

A node has one output, so a decomposition with several factors returns them packed flat
along the last axis (``pack``); the api (tinygrad_acts/decompositions.py) hands them out
as views of it, and the backward receives one gradient holding all the factors' (zero
where a factor was not used) and unpacks it the same way. Each rule saves only the packed
output (and the input where the rule needs it), so under ``create_graph`` the same
backward, written in array arithmetic, builds the graph of the gradient.

NOTE: the factors are unique only up to a gauge: each singular / eigen vector up to its
sign, and a repeated value's vectors up to a rotation. A loss that depends on the gauge has
no derivative; the rules give the one of gauge-invariant losses (|U|, U S Vh, ...), and
divide by s_j^2 - s_i^2 (svd) or l_j - l_i (eigh): infinite where values repeat, as torch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from .helpers import is_tensor, quiet, swap_last, unbroadcast
from .shape import Cat
from .spec import lib, row


class LinAlgError(RuntimeError, np.linalg.LinAlgError):
    """torch.linalg.LinAlgError: a factorization or an inversion that cannot be completed
    (a matrix that is not positive-definite, a singular one, nan). A RuntimeError, as
    torch's, and numpy's LinAlgError too, so either ``except`` catches it."""


def pack(batch: tuple, *parts: np.ndarray) -> np.ndarray:
    """The factors (each (*batch, *dims)) side by side, flat: (*batch, total)."""
    return np.concatenate([p.reshape(batch + (-1,)) for p in parts], -1)


def unpack(y: Any, shapes: tuple) -> list:
    """The factors of shapes ``shapes`` (matrix dims only) back out of y (..., total):
    slices of it, so on a Tensor they are views whose gradients meet in y's."""
    parts, at = [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(y[..., at:at + size].reshape(y.shape[:-1] + tuple(shape)))
        at += size
    return parts


def _eye(n: int, like: Any) -> np.ndarray:
    return np.eye(n, dtype=like.dtype)


def _tri(x: Any, upper: bool, k: int = 0) -> Any:
    """The upper (from diagonal k up) or lower (from -k down) triangle of x (batched)."""
    if is_tensor(x):
        return x.triu(k) if upper else x.tril(-k)
    return np.triu(x, k) if upper else np.tril(x, -k)


def _cat(a: Any, b: Any) -> Any:
    return Cat.apply(a, b, axis=-1) if is_tensor(a) or is_tensor(b) else \
        np.concatenate([a, b], -1)


def _skew(x: Any) -> Any:
    return x - swap_last(x)


def no_nan(who: str, a: np.ndarray) -> np.ndarray:
    """a, refused if it holds nan (LAPACK's iterations may never return on it; torch raises
    LinAlgError), with each matrix holding an inf zeroed: the caller makes its results nan."""
    if np.isnan(a).any():
        raise LinAlgError(f"{who}: The algorithm failed to converge because the input matrix "
                          f"contained non-finite values (shape {a.shape}).")
    inf = np.isinf(a).any(axis=(-2, -1))
    return np.where(inf[..., None, None], 0, a) if inf.any() else a


def solve_triangular(a: Any, b: Any, upper: bool, unit: bool = False) -> Any:
    """X with T X = B, T the upper or lower triangle of a (ones on its diagonal if
    ``unit``); differentiable when an operand is a Tensor."""
    if is_tensor(a) or is_tensor(b):
        return SolveTriangular.apply(a, b, upper=upper, unit=unit)
    n = a.shape[-1]
    x = np.empty(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                 np.result_type(a, b))
    for i in range(n - 1, -1, -1) if upper else range(n):  # substitution, as LAPACK's trsm
        done = slice(i + 1, n) if upper else slice(0, i)
        r = b[..., i, :] - (a[..., i:i + 1, done] @ x[..., done, :])[..., 0, :]
        # NOTE: a zero on the diagonal gives inf / nan, not an error (torch's trsm)
        x[..., i, :] = r if unit else r / a[..., i, i, None]
    return x


class SolveTriangular(Function):
    """X = T^-1 B, T = triangle(A) (``upper``; unit diagonal if ``unit``), batch dims
    broadcast; dB = T^-T g, dA = -triangle(dB X^T) (strictly, if ``unit``: its diagonal
    is not read)."""

    @quiet
    def forward(self, a, b, upper, unit):
        x = solve_triangular(a, b, upper, unit)
        self.save(a, x if self.needs_input_grad[0] else None, a.shape, b.shape, upper, unit)
        return x

    @quiet
    def backward(self, g, a, x, a_shape, b_shape, upper, unit):
        need_a, need_b = self.needs_input_grad
        gb = solve_triangular(swap_last(a), g, not upper, unit)
        ga = -_tri(gb @ swap_last(x), upper, int(unit)) if need_a else None
        return (unbroadcast(ga, a_shape) if need_a else None,
                unbroadcast(gb, b_shape) if need_b else None)


class Svd(Function):
    """[U, S, Vh] = svd(A) packed, reduced (A (..., m, n), k = min(m, n): U (m, k), Vh
    (k, n)). With J = U^T gU, K = Vh gVh^T and E_ij = s_j^2 - s_i^2: dA = U [(skew(J) S +
    S skew(K)) / E + diag(gS)] Vh, plus (I - U U^T) gU S^-1 Vh if m > k and U S^-1 gVh
    (I - Vh^T Vh) if n > k (skew(J) = J - J^T)."""

    @quiet
    def forward(self, a):
        inf = np.isinf(a).any(axis=(-2, -1))
        u, s, vh = np.linalg.svd(no_nan("linalg.svd", a), full_matrices=False)
        for f in (u, s, vh):
            f[inf] = np.nan
        y = pack(a.shape[:-2], u, s, vh)
        self.save(y, a.shape[-2:])
        return y

    @quiet
    def backward(self, g, y, mn):
        m, n = mn
        k = min(m, n)
        shapes = ((m, k), (k,), (k, n))
        (u, s, vh), (gu, gs, gvh) = unpack(y, shapes), unpack(g, shapes)
        j, kk, eye = swap_last(u) @ gu, vh @ swap_last(gvh), _eye(k, y)
        e = s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye
        inner = (_skew(j) * s[..., None, :] + s[..., :, None] * _skew(kk)) / e
        ga = u @ (inner + gs[..., None, :] * eye) @ vh
        if m > k:
            ga = ga + ((gu - u @ j) / s[..., None, :]) @ vh
        if n > k:
            ga = ga + u @ ((gvh - (gvh @ swap_last(vh)) @ vh) / s[..., :, None])
        return ga


def _qr_grad(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """dA of A = QR for m >= n: [gQ + Q sym_u(M)] R^-T with M = gR R^T - Q^T gQ, sym_u(M)
    the symmetric matrix with M's upper triangle."""
    m = gr @ swap_last(r) - swap_last(q) @ gq
    b = gq + q @ (_tri(m, True) + swap_last(_tri(m, True, 1)))
    return swap_last(solve_triangular(r, swap_last(b), True))


class Qr(Function):
    """[Q, R] = qr(A) packed (A (..., m, n), k = min(m, n); Q (m, k) and R (k, n), or Q
    (m, m) and R (m, n) in "complete" mode). For m >= n, dA = [gQ + Q sym_u(M)] R^-T,
    M = gR R^T - Q^T gQ; for m < n, A = [X | Y] with X = Q R1 square: dY = Q gR2, and dX
    is the square rule's with gQ + Y gR2^T. Refused as torch: "r" mode (no Q kept), and
    "complete" mode when m > n (Q's extra columns are any basis)."""

    @quiet
    def forward(self, a, mode):
        bad = ~np.isfinite(a).all(axis=(-2, -1))  # NOTE: inf / nan: all-nan factors (torch's
        a = np.where(bad[..., None, None], 0, a) if bad.any() else a  # are a nan / inf mix)
        y = np.linalg.qr(a, "r") if mode == "r" else pack(a.shape[:-2], *np.linalg.qr(a, mode))
        y[bad] = np.nan
        self.save(y if mode != "r" else None, a.shape[-2:], mode)
        return y

    @quiet
    def backward(self, g, y, mn, mode):
        m, n = mn
        if mode == "r" or (mode == "complete" and m > n):
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                               "going to differentiate through linalg.qr." if mode == "r" else
                               "The QR decomposition is not differentiable when mode='complete' "
                               f"and nrows > ncols (shape {mn}).")
        k = min(m, n)
        (q, r), (gq, gr) = unpack(y, ((m, k), (k, n))), unpack(g, ((m, k), (k, n)))
        if m >= n:
            return _qr_grad(q, r, gq, gr)
        y2, gr2 = q @ r[..., m:], gr[..., m:]  # A's last columns: Y = Q R2
        gx = _qr_grad(q, r[..., :m], gq + y2 @ swap_last(gr2), gr[..., :m])
        return _cat(gx, q @ gr2)


def _sym(a: np.ndarray) -> np.ndarray:
    return (a + swap_last(a)) / 2  # (exact where a is symmetric)


class Eigh(Function):
    """[L, V] = eigh(sym(A)) packed, sym(A) = (A + A^T) / 2 (L ascending; the api hands in
    a symmetric A, made from the triangle torch reads). With E_ij = l_j - l_i:
    dA = V [diag(gL) + skew(V^T gV) / (2E)] V^T (symmetric, as torch's)."""

    @quiet
    def forward(self, a):
        inf = np.isinf(a).any(axis=(-2, -1))
        w, v = np.linalg.eigh(_sym(no_nan("linalg.eigh", a)))
        w[inf], v[inf] = np.nan, np.nan
        y = pack(a.shape[:-2], w, v)
        self.save(y, a.shape[-1])
        return y

    @quiet
    def backward(self, g, y, n):
        (w, v), (gw, gv) = unpack(y, ((n,), (n, n))), unpack(g, ((n,), (n, n)))
        eye = _eye(n, y)
        e = w[..., None, :] - w[..., :, None] + eye
        inner = _skew(swap_last(v) @ gv) / (2 * e) + gw[..., None, :] * eye
        return v @ inner @ swap_last(v)


class Cholesky(Function):
    """L = cholesky(sym(A)), lower (sym(A) = (A + A^T) / 2 positive-definite); with phi(X)
    = X's lower triangle with half its diagonal, G = L^-T phi(L^T gL) L^-1 and dA = (G +
    G^T) / 2 (symmetric, as torch's)."""

    @quiet
    def forward(self, a):
        lo = np.linalg.cholesky(_sym(a))  # (the api turns numpy's error into torch's)
        self.save(lo)
        return lo

    @quiet
    def backward(self, g, lo):
        lt = swap_last(lo)
        p = lt @ g
        p = _tri(p, False) - 0.5 * p * _eye(lo.shape[-1], lo)
        x = solve_triangular(lt, p, True)  # L^-T phi
        ga = swap_last(solve_triangular(lt, swap_last(x), True))  # (L^-T x^T)^T = x L^-1
        return (ga + swap_last(ga)) * 0.5


class Pinv(Function):
    """P = pinv(A) = V diag(1/s) U^T from A's SVD, 1/s only where s > max(atol, rtol s_max)
    (arrays, per matrix); dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A), as
    torch's (exact while the rank does not change)."""

    @quiet
    def forward(self, a, atol, rtol):
        u, s, vh = np.linalg.svd(no_nan("linalg.svd", a), full_matrices=False)
        keep = s > np.maximum(atol, rtol * s.max(-1, keepdims=True, initial=0))
        inv = np.divide(1, s, out=np.zeros_like(s), where=keep)
        p = (swap_last(vh) * inv[..., None, :]) @ swap_last(u)
        self.save(a, p)
        return p

    @quiet
    def backward(self, g, a, p):
        pt, gt = swap_last(p), swap_last(g)
        return -(pt @ g @ pt) + (gt - a @ (p @ gt)) @ (p @ pt) + \
            (pt @ p) @ (gt - (gt @ p) @ a)


# --- the rows ------------------------------------------------------------------------------
# Gauge-invariant functions of the factors (squares of the vectors, products of matching
# pairs), of well-conditioned inputs: a / 8 plus a diagonal 2n, ..., 4, 2 keeps the values
# (singular or eigen) about 2 apart, so central differences and the 1 / (s_j - s_i) terms
# stay tame; eigh gets the symmetric matrix of a's lower triangle, cholesky a Gram matrix. Each
# fn runs on numpy too (``lib``), which makes it its own ref.


def spread(a: Any) -> Any:
    t, (m, n) = lib(a), a.shape[-2:]
    return a / 8 + t.eye(m, n, dtype=a.dtype) * t.arange(2 * n, 0, -2, dtype=a.dtype)


def spread_sym(a: Any) -> Any:
    """spread() of the symmetric matrix of a's lower triangle (no inf + -inf on the way)."""
    t = lib(a)
    return spread(t.tril(a) + swap_last(t.tril(a, -1)))


def gram(a: Any) -> Any:
    """a a^T / 4 + I: positive-definite, whatever a is."""
    return a @ swap_last(a) / 4 + lib(a).eye(a.shape[-2], dtype=a.dtype)


def pairs(u: Any, s: Any, vh: Any) -> Any:
    """(u*u) diag(s) (vh*vh) + u_1 vh_1 over the first k pairs (k = len(s), or vh's rows if
    s is None, for ones): unchanged when a pair (u_i, vh_i) flips its sign, and blind to a
    full svd's extra vectors."""
    k = vh.shape[-2] if s is None else s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    vv = vh * vh if s is None else s[..., :, None] * vh * vh
    return (u * u) @ vv + u[..., :, :1] * vh[..., :1, :]


def _svd(a: Any, full: bool = False) -> Any:
    return pairs(*lib(a).linalg.svd(spread(a), full_matrices=full))


def _qr(a: Any) -> Any:
    q, r = lib(a).linalg.qr(spread(a))
    return pairs(q, None, r)


def _eigh(a: Any, uplo: str = "L") -> Any:
    w, v = lib(a).linalg.eigh(spread_sym(a), UPLO=uplo)
    return pairs(v, w, swap_last(v))


def _solve_tri_ref(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    t = np.triu(a, int(unit)) if upper else np.tril(a, -int(unit))
    return np.linalg.solve(t + np.eye(a.shape[-1]) * unit, b)


row("linalg.svd", Svd, _svd, _svd, ((3, 4),), ((4, 3),), ((2, 3, 3),), torch=True)
row("linalg.svd(full_matrices=True)", Svd, lambda a: _svd(a, True), _svd, ((3, 4),),
    ((4, 2),), torch=True)
row("linalg.qr", Qr, _qr, _qr, ((4, 3),), ((3, 4),), ((2, 3, 3),), torch=True)
row("linalg.eigh", Eigh, _eigh, _eigh, ((3, 3),), ((2, 4, 4),), torch=True)
row("linalg.eigh(UPLO='U')", Eigh, lambda a: _eigh(a, "U"), _eigh, ((3, 3),), torch=True)
row("linalg.eigvalsh", Eigh, lambda a: lib(a).linalg.eigvalsh(spread_sym(a)),
    lambda a: np.linalg.eigvalsh(spread_sym(a)), ((4, 4),), torch=True)
row("linalg.cholesky", Cholesky, lambda a: lib(a).linalg.cholesky(gram(a)),
    lambda a: np.linalg.cholesky(gram(a)), ((3, 3),), ((2, 3, 4),), torch=True)
row("linalg.cholesky(upper=True)", Cholesky,
    lambda a: lib(a).linalg.cholesky(gram(a), upper=True),
    lambda a: swap_last(np.linalg.cholesky(gram(a))), ((3, 3),), torch=True)
row("linalg.solve_triangular", SolveTriangular,
    lambda a, b: lib(a).linalg.solve_triangular(spread(a), b, upper=True),
    lambda a, b: _solve_tri_ref(spread(a), b, True, False), ((3, 3), (3, 2)),
    ((2, 3, 3), (3, 1)), ((3, 3), (2, 3, 2)), torch=True)
row("linalg.solve_triangular(lower, unitriangular, left=False)", SolveTriangular,
    lambda a, b: lib(a).linalg.solve_triangular(a, b, upper=False, left=False,
                                                unitriangular=True),
    lambda a, b: swap_last(_solve_tri_ref(swap_last(a), swap_last(b), True, True)),
    ((3, 3), (2, 3)), torch=True)
row("linalg.pinv", Pinv, lambda a: lib(a).linalg.pinv(spread(a)),
    lambda a: np.linalg.pinv(spread(a)), ((4, 3),), ((3, 4),), ((2, 3, 3),), torch=True)
row("linalg.pinv(hermitian=True)", Pinv,
    lambda a: lib(a).linalg.pinv(spread_sym(a), hermitian=True),
    lambda a: np.linalg.pinv(spread_sym(a)), ((3, 3),), torch=True)
