"""``ta.backends.cuda``: torch.backends.cuda's ``is_built()`` (False) and its TF32 switch
``matmul.allow_tf32`` (False, torch's default; settable, with no effect on the CPU)."""
from __future__ import annotations

import types

__all__ = ["is_built", "matmul"]

#: torch.backends.cuda.matmul: ``allow_tf32`` and ``allow_fp16_reduced_precision_reduction``
matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built() -> bool:
    """False: not built with CUDA."""
    return False
