"""nn.utils: gradient clipping and parameter vectors (nn.utils.rnn comes with the sequence
models)."""
from __future__ import annotations

__all__: list[str] = []
