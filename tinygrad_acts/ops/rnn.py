"""Recurrent rules: fused cell steps for RNN / LSTM / GRU (their gates use the registry's
output-based sigmoid and tanh)."""
from __future__ import annotations
