"""``ta.linalg``: PyTorch's torch.linalg names (det, inv, solve, slogdet, cross, matmul,
the norms ...), implemented in api/linalg.py (vector_norm in api/reduce.py)."""
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

cross = linalg_cross
slogdet = linalg_slogdet
norm = linalg_norm

__all__ = ["det", "inv", "solve", "slogdet", "cross", "matmul", "vector_norm", "matrix_norm",
           "norm", "svdvals"]
