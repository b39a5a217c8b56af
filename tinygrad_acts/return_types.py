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

linalg_svd = namedtuple("linalg_svd", ["U", "S", "Vh"])
linalg_qr = namedtuple("linalg_qr", ["Q", "R"])
linalg_eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
svd = namedtuple("svd", ["U", "S", "V"])
qr = namedtuple("qr", ["Q", "R"])
triangular_solve = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
linalg_lu_factor = namedtuple("linalg_lu_factor", ["LU", "pivots"])
linalg_lu_factor_ex = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
linalg_lu = namedtuple("linalg_lu", ["P", "L", "U"])
lu_unpack = namedtuple("lu_unpack", ["P", "L", "U"])
linalg_solve_ex = namedtuple("linalg_solve_ex", ["result", "info"])
linalg_inv_ex = namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = namedtuple("linalg_cholesky_ex", ["L", "info"])
linalg_ldl_factor = namedtuple("linalg_ldl_factor", ["LD", "pivots"])
linalg_ldl_factor_ex = namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])

__all__ += ["slogdet", "linalg_slogdet", "linalg_svd", "linalg_qr", "linalg_eigh",
            "linalg_lstsq", "svd", "qr", "triangular_solve", "linalg_lu_factor",
            "linalg_lu_factor_ex", "linalg_lu", "lu_unpack", "linalg_solve_ex",
            "linalg_inv_ex", "linalg_cholesky_ex", "linalg_ldl_factor", "linalg_ldl_factor_ex"]

# --- pointwise and signal ---
frexp = namedtuple("frexp", ["mantissa", "exponent"])
histogram = namedtuple("histogram", ["hist", "bin_edges"])
__all__ += ["frexp", "histogram"]

# --- reductions ---
cummax = namedtuple("cummax", ["values", "indices"])
cummin = namedtuple("cummin", ["values", "indices"])
median = namedtuple("median", ["values", "indices"])
nanmedian = namedtuple("nanmedian", ["values", "indices"])
mode = namedtuple("mode", ["values", "indices"])
aminmax = namedtuple("aminmax", ["min", "max"])
__all__ += ["cummax", "cummin", "median", "nanmedian", "mode", "aminmax"]
