"""Losses beyond the fused four in fused.py: l1 / smooth_l1 / huber / kl_div ..."""
from __future__ import annotations
