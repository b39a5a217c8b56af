"""``ta.linalg``: PyTorch's torch.linalg names (det, inv, solve, slogdet, cross, matmul,
the norms, matrix_exp, vecdot, vander, tensorinv, tensorsolve, diagonal ...), implemented
in api/linalg.py (vector_norm in api/reduce.py); the decompositions (svd, qr, eigh,
cholesky, lu, lstsq, pinv, householder_product, the _ex forms, cond ...) in
decompositions.py."""
from __future__ import annotations

from .api.linalg import (
    det,
    inv,
    linalg_cross,
    linalg_diagonal,
    linalg_norm,
    linalg_slogdet,
    matmul,
    matrix_exp,
    matrix_norm,
    solve,
    svdvals,
    tensorinv,
    tensorsolve,
    vander,
    vecdot,
)
from .api.reduce import vector_norm
from .decompositions import (
    LinAlgError,
    cholesky_ex,
    cond,
    eigh,
    eigvalsh,
    householder_product,
    inv_ex,
    ldl_factor,
    ldl_factor_ex,
    ldl_solve,
    linalg_cholesky,
    linalg_lu,
    linalg_lu_factor,
    linalg_lu_factor_ex,
    linalg_lu_solve,
    linalg_qr,
    linalg_svd,
    lstsq,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    solve_ex,
    solve_triangular,
)

cross = linalg_cross
slogdet = linalg_slogdet
norm = linalg_norm
svd, qr, cholesky = linalg_svd, linalg_qr, linalg_cholesky
lu, lu_factor, lu_factor_ex, lu_solve = linalg_lu, linalg_lu_factor, linalg_lu_factor_ex, \
    linalg_lu_solve
diagonal = linalg_diagonal

__all__ = ["det", "inv", "solve", "slogdet", "cross", "matmul", "vector_norm", "matrix_norm",
           "norm", "svdvals", "LinAlgError", "svd", "qr", "eigh", "eigvalsh", "cholesky", "lstsq",
           "pinv", "matrix_rank", "matrix_power", "multi_dot", "solve_triangular", "lu",
           "lu_factor", "lu_factor_ex", "lu_solve", "solve_ex", "inv_ex", "cholesky_ex",
           "matrix_exp", "vecdot", "vander", "tensorinv", "tensorsolve", "cond", "diagonal",
           "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve"]
