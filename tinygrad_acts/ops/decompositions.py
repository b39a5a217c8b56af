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
        # NOTE: inf / nan: all-nan factors (torch's are a nan / inf mix), but one row is its
        # own R with Q = 1 (LAPACK's reflector of one element is the identity, as torch's)
        bad = ~np.isfinite(a).all(axis=(-2, -1)) & (a.shape[-2] > 1)
        a = np.where(bad[..., None, None], 0, a) if bad.any() else a
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


def cholesky_steps(a: np.ndarray, partial: bool = False) -> tuple:
    """(L, info) of a symmetric a by the textbook column loop (a's lower triangle read),
    info per matrix the order of the first leading minor whose pivot is not > 0 (0: none);
    with ``partial``, (L, info, pivots) with each failed matrix's failing pivot value.
    NOTE: for inputs holding inf or nan, where numpy's and torch's LAPACK part ways: this
    loop fails and propagates exactly where torch's potrf does (an inf on the diagonal
    passes, with L_jj = inf and zeros below it; an inf below the diagonal makes a later
    pivot -inf and fails; nan fails at its pivot)."""
    n = a.shape[-1]
    lo, info = np.zeros_like(a), np.zeros(a.shape[:-2], np.int64)
    pivots = np.zeros(a.shape[:-2], a.dtype)
    with np.errstate(all="ignore"):
        for j in range(n):
            row = lo[..., j, :j]
            d = a[..., j, j] - (row[..., None, :] @ row[..., :, None])[..., 0, 0]
            new = ~(d > 0) & (info == 0)
            info[new], pivots[new] = j + 1, d[new]
            lo[..., j, j] = np.sqrt(d)
            rest = a[..., j + 1:, j] - (lo[..., j + 1:, :j] @ row[..., :, None])[..., 0]
            lo[..., j + 1:, j] = rest / lo[..., j, j, None]
    return (lo, info, pivots) if partial else (lo, info)


class Cholesky(Function):
    """L = cholesky(sym(A)), lower (sym(A) = (A + A^T) / 2 positive-definite); with phi(X)
    = X's lower triangle with half its diagonal, G = L^-T phi(L^T gL) L^-1 and dA = (G +
    G^T) / 2 (symmetric, as torch's)."""

    @quiet
    def forward(self, a):
        s = _sym(a)  # (the api turns numpy's error into torch's, and checks non-finite a)
        lo = np.linalg.cholesky(s) if np.isfinite(s).all() else cholesky_steps(s)[0]
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


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LU, pivots, info) of a (..., m, n) by Gaussian elimination with partial pivoting,
    LAPACK's getrf: L unit lower (below LU's diagonal), U upper; pivots (..., k) int32,
    1-based (row i was swapped with row pivots[i] - 1, in order); info the 1-based column of
    the first zero pivot (0: none), where nothing is divided (getrf goes on past it).
    NOTE: the pivot is the first largest |a_ij| of the column (idamax): a nan wins only as
    the column's first element, as there."""
    m, n = a.shape[-2:]
    k = min(m, n)
    lu = np.array(a.reshape((math.prod(a.shape[:-2]), m, n)), dtype=a.dtype, copy=True)
    piv = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    at = np.arange(lu.shape[0])
    with np.errstate(all="ignore"):
        for j in range(k):
            col = np.abs(lu[:, j:, j])
            p = np.argmax(np.where(np.isnan(col), -1, col), -1)
            p[np.isnan(col[:, 0])] = 0
            p += j
            piv[:, j] = p + 1
            lu[at, j], lu[at, p] = lu[at, p], lu[at, j]
            pivot = lu[:, j, j]
            zero = pivot == 0
            info[zero & (info == 0)] = j + 1
            lu[:, j + 1:, j] = np.divide(lu[:, j + 1:, j], pivot[:, None],
                                         where=~zero[:, None], out=lu[:, j + 1:, j])
            lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    batch = a.shape[:-2]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def permutation(piv: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """P (..., m, m) with A = P L U from getrf's pivots (the row swaps, in order)."""
    rows = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    count = math.prod(piv.shape[:-1])
    flat, fp = rows.reshape(count, m), piv.reshape(count, piv.shape[-1]).astype(np.int64) - 1
    at = np.arange(flat.shape[0])
    for j in range(fp.shape[-1]):
        p = fp[:, j]
        flat[at, j], flat[at, p] = flat[at, p], flat[at, j]
    # (P^T A)[i] = A[rows[i]]: P[rows[i], i] = 1
    eye = np.eye(m, dtype=dtype)
    return np.swapaxes(eye[rows], -1, -2)


class Lu(Function):
    """LU = getrf(A) packed (A (..., m, n) = P L U, k = min(m, n): L (m, k) unit lower, U
    (k, n) upper; the api computes it, with the pivots, and passes LU and P in). With gL
    = LU's gradient below the diagonal and gU on and above it (torch's rules):
    square: dA = P L^-T [tril_-1(L^T gL) + triu(gU U^T)] U^-T; wide (m < n, U = [U1 U2]):
    dA = P L^-T [triu(gU1) + X | gU2], X = tril_-1(L^T gL - triu(gU) U^T) U1^-T; tall:
    dA = P [tril_-1(gL1) + Y; gL2] U^-T, Y = L1^-T triu(gU U^T - L^T tril_-1(gL))."""

    def forward(self, a, lu, perm):
        self.save(lu, perm)
        return lu

    @quiet
    def backward(self, g, lu, perm):
        m, n = lu.shape[-2:]
        k = min(m, n)
        gl, gu = _tri(g, False, 1)[..., :, :k], _tri(g, True)[..., :k, :]
        lo, up = lu[..., :, :k], lu[..., :k, :]  # (the solves read their triangles only)
        lt = swap_last(_tri(lo, False, 1) + np.eye(m, k, dtype=lu.dtype))
        ut = swap_last(_tri(up, True))

        def right_u(x: Any, u: Any) -> Any:  # x U^-T, U upper (k, k)
            return swap_last(solve_triangular(u, swap_last(x), True))

        if m == n:
            inner = _tri(lt @ gl, False, 1) + _tri(gu @ ut, True)
            ga = solve_triangular(lt, right_u(inner, up), True, True)
        elif m < n:
            x = right_u(_tri(lt @ gl - gu @ ut, False, 1),
                        up[..., :, :k])
            ga = solve_triangular(lt, _cat(x + _tri(gu[..., :, :k], True), gu[..., :, k:]),
                                  True, True)
        else:
            l1t = swap_last(lo[..., :k, :])
            y = solve_triangular(l1t, _tri(gu @ ut - lt @ gl, True), True, True)
            top = y + _tri(gl[..., :k, :], False, 1)
            ga = right_u(swap_last(_cat(swap_last(top), swap_last(gl[..., k:, :]))), up)
        return perm @ ga


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
        p[np.isinf(a).any(axis=(-2, -1))] = np.nan  # NOTE: torch's is nan (or raises) there
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


# --- LDL^T (Bunch-Kaufman), LAPACK's sytrf / sytrs, lower: no gradient (as torch's) ---------

_BK_ALPHA = (1 + math.sqrt(17)) / 8


def _idamax(x: np.ndarray) -> int:
    """LAPACK's idamax: the first index of the largest |x_i| (a nan wins only first)."""
    v = np.abs(x)
    best, at = v[0], 0
    for i in range(1, len(v)):
        if v[i] > best:
            best, at = v[i], i
    return at


def _sytf2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(LD, pivots, info) of one symmetric matrix (its lower triangle read), LAPACK's
    dsytf2 with UPLO = 'L', step for step: 1x1 or 2x2 pivots by Bunch-Kaufman's test."""
    n = a.shape[-1]
    a = np.tril(a).astype(a.dtype, copy=True)
    piv = np.zeros(n, np.int32)
    info, k = 0, 0
    with np.errstate(all="ignore"):
        while k < n:
            kstep, absakk = 1, abs(a[k, k])
            imax = k + 1 + _idamax(a[k + 1:, k]) if k < n - 1 else k
            colmax = abs(a[imax, k]) if k < n - 1 else 0.0
            if max(absakk, colmax) == 0 or np.isnan(absakk):
                info = info or k + 1
                kp = k
            else:
                if absakk >= _BK_ALPHA * colmax:
                    kp = k
                else:
                    rowmax = abs(a[imax, k + _idamax(a[imax, k:imax])])
                    if imax < n - 1:
                        rowmax = max(rowmax, abs(a[imax + 1 + _idamax(a[imax + 1:, imax]),
                                                   imax]))
                    if absakk >= _BK_ALPHA * colmax * (colmax / rowmax):
                        kp = k
                    elif abs(a[imax, imax]) >= _BK_ALPHA * rowmax:
                        kp = imax
                    else:
                        kp, kstep = imax, 2
                kk = k + kstep - 1
                if kp != kk:  # swap rows and columns kk and kp of the trailing matrix
                    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                    seg = a[kk + 1:kp, kk].copy()
                    a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
                    a[kp, kk + 1:kp] = seg
                    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                    if kstep == 2:
                        a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
                if kstep == 1:
                    d11 = 1 / a[k, k]
                    x = a[k + 1:, k].copy()
                    a[k + 1:, k + 1:] -= np.tril(d11 * np.outer(x, x))
                    a[k + 1:, k] *= d11
                elif k < n - 2:
                    d21 = a[k + 1, k]
                    d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                    d21 = (1 / (d11 * d22 - 1)) / d21
                    wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                    wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                    a[k + 2:, k + 2:] -= np.tril(np.outer(a[k + 2:, k], wk)
                                                 + np.outer(a[k + 2:, k + 1], wkp1))
                    a[k + 2:, k], a[k + 2:, k + 1] = wk, wkp1
            if kstep == 1:
                piv[k] = kp + 1
            else:
                piv[k] = piv[k + 1] = -(kp + 1)
            k += kstep
    return a, piv, info


def ldl_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_sytf2`` over a batch: (LD, pivots, info)."""
    n = a.shape[-1]
    flat = a.reshape((math.prod(a.shape[:-2]), n, n))
    out = [_sytf2(m) for m in flat]
    batch = a.shape[:-2]
    return (np.array([o[0] for o in out], a.dtype).reshape(a.shape),
            np.array([o[1] for o in out], np.int32).reshape(batch + (n,)),
            np.array([o[2] for o in out], np.int32).reshape(batch))


def _sytrs(ld: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """X with A X = B from one ``_sytf2`` factor: LAPACK's dsytrs, UPLO = 'L'."""
    n, b = ld.shape[-1], b.astype(np.result_type(ld, b), copy=True)
    with np.errstate(all="ignore"):
        k = 0
        while k < n:  # L D X = P B
            if piv[k] > 0:
                kp = piv[k] - 1
                b[[k, kp]] = b[[kp, k]]
                b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
                b[k] /= ld[k, k]
                k += 1
            else:
                kp = -piv[k] - 1
                b[[k + 1, kp]] = b[[kp, k + 1]]
                b[k + 2:] -= np.outer(ld[k + 2:, k], b[k]) + np.outer(ld[k + 2:, k + 1], b[k + 1])
                akm1k = ld[k + 1, k]
                akm1, ak = ld[k, k] / akm1k, ld[k + 1, k + 1] / akm1k
                denom = akm1 * ak - 1
                bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
                b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
                k += 2
        k = n - 1
        while k >= 0:  # L^T X = B, then the swaps back
            if piv[k] > 0:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
                kp = piv[k] - 1
                b[[k, kp]] = b[[kp, k]]
                k -= 1
            else:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
                b[k - 1] -= ld[k + 1:, k - 1] @ b[k + 1:]
                kp = -piv[k] - 1
                b[[k, kp]] = b[[kp, k]]
                k -= 2
    return b


def ldl_solve(ld: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``_sytrs`` over broadcast batches."""
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    n = ld.shape[-1]
    lds = np.broadcast_to(ld, batch + ld.shape[-2:]).reshape((-1, n, n))
    ps = np.broadcast_to(piv, batch + (n,)).reshape((-1, n))
    bs = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    out = [_sytrs(x, p, y) for x, p, y in zip(lds, ps, bs)]
    return np.array(out).reshape(batch + b.shape[-2:])
