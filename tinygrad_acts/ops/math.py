"""Elementwise math beyond the arithmetic: trigonometric, hyperbolic, rounding, logs and
exponentials in other bases, comparisons that select (fmin/fmax), nan handling."""
from __future__ import annotations
