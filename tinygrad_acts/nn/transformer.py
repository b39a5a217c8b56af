"""Attention and transformer layers: MultiheadAttention, TransformerEncoderLayer, ..."""
from __future__ import annotations

__all__: list[str] = []
