"""``ta.backends.mps``: Apple's Metal backend, which this build does not have."""
from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: no MPS device (tinygrad_acts runs on numpy, on the CPU)."""
    return False


def is_built() -> bool:
    """False: not built with MPS."""
    return False
