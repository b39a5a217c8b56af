"""``tinygrad_acts.utils``: as ``torch.utils``; ``utils.data`` is the data module itself, so
``from tinygrad_acts.utils.data import DataLoader, Dataset`` reads as torch's import."""
import sys

from .. import data
from . import checkpoint

sys.modules[__name__ + ".data"] = data

__all__ = ["data", "checkpoint"]
