"""The named tuples some ops return, named as PyTorch's ``torch.return_types``:
``values, indices = x.max(dim)`` and ``x.max(dim).indices`` both work."""
from collections import namedtuple

max = namedtuple("max", ["values", "indices"])
min = namedtuple("min", ["values", "indices"])

__all__ = ["max", "min"]
