"""``ta.linalg``: PyTorch's torch.linalg names (det, inv, solve, vector_norm, norm, cross ...),
implemented in api/linalg.py."""
from __future__ import annotations

__all__: list[str] = []
