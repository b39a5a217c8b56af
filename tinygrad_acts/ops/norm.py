"""Normalization rules with closed-form (fused) backwards: batch / layer / group / instance
norm."""
from __future__ import annotations
