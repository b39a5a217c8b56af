"""Sorting and selection by value: sort / topk / kthvalue / median-style picks."""
from __future__ import annotations
