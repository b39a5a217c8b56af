"""``ta.linalg``: PyTorch's torch.linalg names (det, inv, solve, slogdet, cross, matmul ...),
implemented in api/linalg.py."""
from __future__ import annotations

from .api.linalg import det, inv, linalg_cross, linalg_slogdet, matmul, solve
from .api.reduce import vector_norm

cross = linalg_cross
slogdet = linalg_slogdet

__all__ = ["det", "inv", "solve", "slogdet", "cross", "matmul", "vector_norm"]
