"""F.conv1d / conv2d / conv_transpose2d / max_pool / avg_pool / adaptive pools / unfold /
fold: the functional forms (functional.py exports this module's __all__)."""
from __future__ import annotations

__all__: list[str] = []
