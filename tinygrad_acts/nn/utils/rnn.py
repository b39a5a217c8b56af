"""nn.utils.rnn: pad_sequence, PackedSequence, pack_padded_sequence, pad_packed_sequence."""
from __future__ import annotations

__all__: list[str] = []
