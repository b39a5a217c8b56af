"""``tinygrad_acts.utils``: as ``torch.utils`` (``utils.data`` is the data module)."""
from .. import data

__all__ = ["data"]
