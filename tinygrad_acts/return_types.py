"""The named tuples some ops return, named as PyTorch's ``torch.return_types``:
``values, indices = x.max(dim)`` and ``x.max(dim).indices`` both work."""
from collections import namedtuple

max = namedtuple("max", ["values", "indices"])
min = namedtuple("min", ["values", "indices"])

__all__ = ["max", "min"]

# --- selection (sort / topk / kthvalue) ---
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
kthvalue = namedtuple("kthvalue", ["values", "indices"])
__all__ += ["sort", "topk", "kthvalue"]

# --- linear algebra ---
slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
linalg_slogdet = namedtuple("linalg_slogdet", ["sign", "logabsdet"])

__all__ += ["slogdet", "linalg_slogdet"]

# --- reductions ---
cummax = namedtuple("cummax", ["values", "indices"])
cummin = namedtuple("cummin", ["values", "indices"])
median = namedtuple("median", ["values", "indices"])
nanmedian = namedtuple("nanmedian", ["values", "indices"])
mode = namedtuple("mode", ["values", "indices"])
aminmax = namedtuple("aminmax", ["min", "max"])
__all__ += ["cummax", "cummin", "median", "nanmedian", "mode", "aminmax"]
