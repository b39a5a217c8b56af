"""Convolution and pooling layers: Conv1d / Conv2d / ConvTranspose2d / MaxPool / AvgPool /
Adaptive pools / Unfold / Fold / Unflatten / Dropout2d."""
from __future__ import annotations

__all__: list[str] = []
