"""F.batch_norm / layer_norm / group_norm / instance_norm: the functional forms
(functional.py exports this module's __all__)."""
from __future__ import annotations

__all__: list[str] = []
