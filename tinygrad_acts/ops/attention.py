"""Attention rules: scaled dot-product attention with a fused backward."""
from __future__ import annotations
