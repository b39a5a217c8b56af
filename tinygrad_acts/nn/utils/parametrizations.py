"""Ready-made parametrizations, as ``torch.nn.utils.parametrizations``: weight_norm and
spectral_norm in the ``parametrize`` form (the originals under
``module.parametrizations.weight``), the newer spelling of ``nn.utils.weight_norm`` and
``nn.utils.spectral_norm``; and orthogonal (a weight kept orthogonal by construction).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import linalg
from ...autograd import no_grad
from ...tensor import Tensor, cat, generator
from ..module import Module
from .parametrize import register_parametrization
from .spectral_norm import _normalize
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


class _WeightNorm(Module):
    """w = v g / ||v|| from (original0, original1) = (g, v); right_inverse splits w."""

    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalization as a parametrization: ``module.<name>`` = g v / ||v||, with
    g = ``parametrizations.<name>.original0`` and v = ``original1``.

    Args:
        module: the module. name: the parameter (default "weight").
        dim: the dim with one magnitude per slice (default 0); None: one for all.

    Returns:
        The module.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.utils.parametrizations.weight_norm(ta.nn.Linear(3, 2))
        >>> list(m.state_dict())
        ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
    """
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """W / sigma, sigma the top singular value of W (dim first, the rest flattened),
    estimated by power iteration on the buffers ``_u`` and ``_v`` (15 steps at creation,
    ``n_power_iterations`` per call in training); a 1-D W is just normalized."""

    _u: Tensor
    _v: Tensor

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = self._reshape_weight_to_matrix(weight)
            h, w = mat.shape
            rng = generator()
            u = _normalize(rng.standard_normal(h).astype(weight.dtype), eps)
            v = _normalize(rng.standard_normal(w).astype(weight.dtype), eps)
            self.register_buffer("_u", Tensor._wrap(u))
            self.register_buffer("_v", Tensor._wrap(v))
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, mat: Tensor, n_power_iterations: int) -> None:
        """u <- normalize(W v), v <- normalize(W^T u), in place, without gradient (note the
        order: u first, unlike the hook-based spectral_norm)."""
        m = mat._array
        with no_grad():
            for _ in range(n_power_iterations):
                self._u._array[...] = _normalize(m @ self._v._array, self.eps)
                self._v._array[...] = _normalize(m.T @ self._u._array, self.eps)
            self._u.bump_version()
            self._v.bump_version()

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            from ... import functional as F

            return F.normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Spectral normalization as a parametrization: ``module.<name>`` = W / sigma(W), the
    original W under ``parametrizations.<name>.original``, the power iteration's vectors
    as the buffers ``parametrizations.<name>.0._u`` and ``._v``.

    Args:
        module: the module. name: the parameter or buffer (default "weight").
        n_power_iterations: steps per call in training (default 1). eps: the floor.
        dim: the output dim (default 0; 1 for the ConvTranspose layers).

    Returns:
        The module.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.utils.parametrizations.spectral_norm(ta.nn.Linear(3, 2))
        >>> list(m.state_dict())[1:]
        ['parametrizations.weight.original', 'parametrizations.weight.0._u', \
'parametrizations.weight.0._v']
    """
    weight: Any = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..conv import ConvTranspose1d  # (2d and 3d are its subclasses)

        dim = 1 if isinstance(module, ConvTranspose1d) else 0
    register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# --- orthogonal -------------------------------------------------------------------------------

_MAPS = ("matrix_exp", "cayley", "householder")


def _make_orthogonal(a: np.ndarray) -> np.ndarray:
    """The Q of a = QR with diag(R) >= 0 (unique for a full-rank a), as torch's."""
    q, r = np.linalg.qr(a)
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _is_orthogonal(q: np.ndarray) -> bool:
    n, k = q.shape[-2:]
    eps = 10.0 * n * np.finfo(q.dtype).eps
    return bool(np.allclose(q.swapaxes(-1, -2) @ q, np.eye(k), rtol=1e-5, atol=eps))


class _Orthogonal(Module):
    """Q(X) orthogonal for any X (tall: n >= k; a wide one is transposed first):
    matrix_exp: e^(A), A = L - L^T from X's lower triangle L; cayley: (I - A/2)^-1 (I + A/2);
    householder: the product of the reflectors below X's diagonal. With the
    trivialization, Q = base @ Q(X), ``base`` a buffer (the orthogonal start point)."""

    base: Tensor

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        n, k = x.shape[-2:]
        transposed = n < k
        if transposed:
            x, (n, k) = x.mT, (k, n)
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:
                pad = Tensor._wrap(np.zeros((*x.shape[:-2], n, n - k), x.dtype))
                x = cat([x, pad], -1)
            a = x - x.mT
            if self.orthogonal_map == "matrix_exp":
                q = linalg.matrix_exp(a)
            else:
                eye = np.eye(n, dtype=x.dtype)
                q = linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
            q = q[..., :k] if n != k else q
        else:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(-2))
            q = linalg.householder_product(a, tau)
            # NOTE: the sign of each column from X's diagonal, truncated to an integer
            signs = np.trunc(np.diagonal(x._array, axis1=-2, axis2=-1)).astype(x.dtype)
            q = q * signs[..., None, :]
        if "base" in self._buffers:
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, q: Tensor) -> Tensor:
        if q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {q.shape}.")
        m = q._array
        transposed = m.shape[-2] < m.shape[-1]
        if transposed:
            m = m.swapaxes(-1, -2)
        n, k = m.shape[-2:]
        if "base" not in self._buffers:
            if self.orthogonal_map != "householder":
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            # LAPACK's geqrf: the reflectors below the diagonal, the signs of R on it
            h, tau = np.linalg.qr(m, mode="raw")
            x = h.swapaxes(-1, -2).copy()
            d = np.sign(np.diagonal(x, axis1=-2, axis2=-1)) * np.where(tau == 0, -1, 1)
            idx = np.arange(k)
            x[..., idx, idx] = d
            return Tensor._wrap((x.swapaxes(-1, -2) if transposed else x).astype(m.dtype))
        if n == k:
            base = m.copy() if _is_orthogonal(m) else _make_orthogonal(m)
        else:
            extra = generator().standard_normal((*m.shape[:-2], n, n - k)).astype(m.dtype)
            base = _make_orthogonal(np.concatenate([m, extra], -1))
        self.base = Tensor._wrap(base.astype(m.dtype))
        neg_eye = np.zeros(q.shape, q.dtype)
        idx = np.arange(min(q.shape[-2:]))
        neg_eye[..., idx, idx] = -1
        return Tensor._wrap(neg_eye)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Keep ``module.<name>`` orthogonal (Q^T Q = I for a tall matrix, Q Q^T = I for a wide
    one) by computing it from an unconstrained original (``parametrizations.<name>.
    original``), so any optimizer step stays on the orthogonal matrices.

    Args:
        module: the module. name: a matrix (or batch of them) parameter or buffer.
        orthogonal_map: "matrix_exp", "cayley" or "householder"; default matrix_exp for
            a square matrix, householder otherwise.
        use_trivialization: keep the start point as a buffer ``base`` and learn a
            rotation from it (default, as torch).

    Returns:
        The module.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.utils.parametrizations.orthogonal(ta.nn.Linear(3, 3))
        >>> w = m.weight.detach().numpy()
        >>> bool(abs(w @ w.T - __import__("numpy").eye(3)).max() < 1e-5)
        True
    """
    weight: Any = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    register_parametrization(module, name, orth, unsafe=True)
    return module
