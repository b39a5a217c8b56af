"""nn.init: PyTorch's parameter initialisers (uniform_, kaiming_normal_, ...)."""
from __future__ import annotations

__all__: list[str] = []
