"""F.scaled_dot_product_attention and friends (functional.py exports this module's
__all__)."""
from __future__ import annotations

__all__: list[str] = []
