"""``ta.backends.cudnn``: torch.backends.cudnn's switches with torch's defaults.

cuDNN is not present (``is_available()`` is False, ``version()`` None), so setting
``deterministic`` or ``benchmark`` changes nothing here, exactly as on a CPU-only torch:
numpy's CPU kernels are deterministic already. ``import tinygrad_acts.backends.cudnn as
cudnn; cudnn.benchmark = True`` works too.
"""
from __future__ import annotations

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic",
           "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: there is no cuDNN."""
    return False


def version() -> None:
    """cuDNN's version: None, as torch's without it."""
    return None

