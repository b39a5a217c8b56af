"""``ta.linalg``: PyTorch's torch.linalg names (det, inv, solve, slogdet, cross, matmul,
the norms ...), implemented in api/linalg.py (vector_norm in api/reduce.py); the
decompositions (svd, qr, eigh, cholesky, lstsq, pinv ...) in decompositions.py."""
from __future__ import annotations

from .api.linalg import (
    det,
    inv,
    linalg_cross,
    linalg_norm,
    linalg_slogdet,
    matmul,
    matrix_norm,
    solve,
    svdvals,
)
from .api.reduce import vector_norm
from .decompositions import (
    LinAlgError,
    eigh,
    eigvalsh,
    linalg_cholesky,
    linalg_qr,
    linalg_svd,
    lstsq,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    solve_triangular,
)

cross = linalg_cross
slogdet = linalg_slogdet
norm = linalg_norm
svd, qr, cholesky = linalg_svd, linalg_qr, linalg_cholesky

__all__ = ["det", "inv", "solve", "slogdet", "cross", "matmul", "vector_norm", "matrix_norm",
           "norm", "svdvals", "LinAlgError", "svd", "qr", "eigh", "eigvalsh", "cholesky", "lstsq",
           "pinv", "matrix_rank", "matrix_power", "multi_dot", "solve_triangular"]
