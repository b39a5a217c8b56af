"""Interop: DLPack exchange (Tensor.__dlpack__, ta.from_dlpack) with numpy and torch."""
from __future__ import annotations

__all__: list[str] = []
