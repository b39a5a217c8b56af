"""Recurrent functional forms (functional.py exports this module's __all__)."""
from __future__ import annotations

__all__: list[str] = []
