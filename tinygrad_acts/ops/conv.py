"""Convolution and pooling rules: conv (1-d and 2-d, transposed), max / avg / adaptive
pooling, unfold / fold (im2col / col2im)."""
from __future__ import annotations
