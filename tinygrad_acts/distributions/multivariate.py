"""Distributions over vectors: Dirichlet (over the simplex), MultivariateNormal and
LowRankMultivariateNormal (a covariance W W^T + diag(D) with a thin W)."""
from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..linalg import inv, solve_triangular
from ..tensor import Tensor, where
from . import constraints
from .distribution import Distribution, size_of
from .special import cholesky, digamma, lgamma, standard_gamma
from .utils import lazy_property

__all__ = ["Dirichlet", "LowRankMultivariateNormal", "MultivariateNormal"]


def _value(value: Any, like: Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, dtype=like.dtype))


class Dirichlet(Distribution):
    """The Dirichlet distribution over the simplex:
    log p(x) = sum_i (a_i - 1) log x_i + lgamma(sum_i a_i) - sum_i lgamma(a_i).

    Args:
        concentration: a > 0, at least 1-d; its last dim is the event.

    Shape: batch_shape = concentration.shape[:-1]; event_shape = concentration.shape[-1:].

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Dirichlet
        >>> Dirichlet(ta.tensor([1.0, 3.0])).mean
        tensor([0.2500, 0.7500])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None):
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Dirichlet, _instance)
        shape = size_of(batch_shape)
        new.concentration = self.concentration.expand(shape + self._event_shape)
        return self._expanded(new, shape)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(a - 1)+ normalised; one-hot where every a < 1 (torch's choice of vertex)."""
        shifted = (self.concentration - 1).clamp(min=0.0)
        with np.errstate(invalid="ignore"):
            mode = shifted / shifted.sum(-1, keepdim=True)
        # NOTE: with every a < 1 the density peaks at each vertex; torch takes the first
        # (argmax of an all-NaN row), and so do we
        all_below = (self.concentration < 1).all(-1, keepdim=True)
        vertex = np.zeros(self.concentration.shape[-1], dtype=mode.dtype)
        vertex[0] = 1
        return where(all_below, Tensor._wrap(vertex), mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        total = c.sum(-1, keepdim=True)
        return c * (total - c) / (total ** 2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """G / sum(G), G_i ~ Gamma(a_i, 1) (each with its implicit gradient)."""
        shape = self._extended_shape(sample_shape)
        gammas = standard_gamma(self.concentration.expand(shape), self._rng())
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.concentration)
        c = self.concentration
        return ((c - 1).xlogy(value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (lgamma(c).sum(-1) - lgamma(total) - (k - total) * digamma(total)
                - ((c - 1.0) * digamma(c)).sum(-1))


# --- MultivariateNormal -----------------------------------------------------------------------


def _column(x: Tensor) -> Tensor:
    return x.unsqueeze(-1)


def mahalanobis(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """|L^-1 d|^2 over the last dim, L lower-triangular; batch dims broadcast."""
    z = solve_triangular(scale_tril, _column(diff), upper=False)
    return (z * z).sum((-2, -1))


def _half_log_det(scale_tril: Tensor) -> Tensor:
    """log det(Sigma) / 2 for Sigma = L L^T: the sum of log diag(L)."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """The Cholesky factor of precision^-1, without inverting precision first: with
    flip(P) = Lf Lf^T, L^-1 = flip(Lf)^T is lower-triangular (torch's method)."""
    lf = cholesky(precision.flip((-2, -1)))
    l_inv = lf.flip((-2, -1)).transpose(-2, -1)
    n = precision.shape[-1]
    return solve_triangular(l_inv, Tensor._wrap(np.eye(n, dtype=precision.dtype)), upper=False)


def _matrix_arg(name: str, matrix: Any) -> Tensor:
    if not isinstance(matrix, Tensor) or matrix.ndim < 2:
        raise ValueError(f"{name} matrix must be at least two-dimensional, with optional "
                         f"leading batch dimensions")
    return matrix


class MultivariateNormal(Distribution):
    """The multivariate normal N(loc, Sigma), given by exactly one of the covariance
    Sigma, the precision Sigma^-1, or the lower Cholesky factor L (Sigma = L L^T):
    log p(x) = -(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum log diag(L).

    Args:
        loc: the mean, at least 1-d (its last dim is the event, size k).
        covariance_matrix / precision_matrix: (..., k, k) symmetric positive-definite.
        scale_tril: (..., k, k) lower-triangular with a positive diagonal.

    Shape: batch_shape = broadcast(loc.shape[:-1], matrix.shape[:-2]); event_shape = (k,).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import MultivariateNormal
        >>> d = MultivariateNormal(ta.zeros(2), covariance_matrix=ta.eye(2))
        >>> round(d.log_prob(ta.zeros(2)).item(), 4)  # -log(2 pi)
        -1.8379
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None):
        if not isinstance(loc, Tensor) or loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name, matrix = next((n, m) for n, m in (("scale_tril", scale_tril),
                                                ("covariance_matrix", covariance_matrix),
                                                ("precision_matrix", precision_matrix))
                            if m is not None)
        matrix = _matrix_arg(name, matrix)
        k = loc.shape[-1]
        if matrix.shape[-2:] != (k, k):
            raise ValueError(f"MultivariateNormal: loc of shape {tuple(loc.shape)} needs "
                             f"{k} x {k} matrices, but {name} has shape {tuple(matrix.shape)}")
        batch_shape = tuple(np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1]))
        setattr(self, name, matrix.expand(batch_shape + (k, k)))
        self.loc = loc.expand(batch_shape + (k,))
        super().__init__(batch_shape, (k,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(MultivariateNormal, _instance)
        shape = size_of(batch_shape)
        k = self._event_shape[0]
        new.loc = self.loc.expand(shape + (k,))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "precision_matrix", "scale_tril"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape + (k, k)))
        return self._expanded(new, shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        k = self._event_shape[0]
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + (k, k))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        low = self._unbroadcasted_scale_tril
        k = self._event_shape[0]
        return (low @ low.transpose(-2, -1)).expand(self._batch_shape + (k, k))

    @lazy_property
    def precision_matrix(self) -> Tensor:
        low = self._unbroadcasted_scale_tril
        k = self._event_shape[0]
        return inv(low @ low.transpose(-2, -1)).expand(self._batch_shape + (k, k))

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        low = self._unbroadcasted_scale_tril
        return (low ** 2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + L eps, eps ~ N(0, I)."""
        shape = self._extended_shape(sample_shape)
        eps = Tensor._wrap(self._rng().standard_normal(shape).astype(self.loc.dtype))
        return self.loc + (self._unbroadcasted_scale_tril @ _column(eps)).squeeze(-1)

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        k = self._event_shape[0]
        m = mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (k * math.log(2 * math.pi) + m) - _half_log_det(
            self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        k = self._event_shape[0]
        h = 0.5 * k * (1.0 + math.log(2 * math.pi)) + _half_log_det(
            self._unbroadcasted_scale_tril)
        return h if not self._batch_shape else h.expand(self._batch_shape)


# --- LowRankMultivariateNormal ----------------------------------------------------------------


def _batch_mv(matrix: Tensor, vector: Tensor) -> Tensor:
    """matrix @ vector over the last dims, batch dims broadcast."""
    return (matrix @ _column(vector)).squeeze(-1)


def _eye_like(x: Tensor, n: int) -> Tensor:
    return Tensor._wrap(np.eye(n, dtype=x.dtype))


def capacitance_tril(cov_factor: Tensor, cov_diag: Tensor) -> Tensor:
    """The Cholesky factor of the capacitance matrix C = I + W^T D^-1 W (m x m)."""
    m = cov_factor.shape[-1]
    wt_dinv = cov_factor.mT / cov_diag.unsqueeze(-2)
    return cholesky(wt_dinv @ cov_factor + _eye_like(cov_factor, m))


def lowrank_logdet(cov_factor: Tensor, cov_diag: Tensor, cap_tril: Tensor) -> Tensor:
    """log det(W W^T + D) = log det C + log det D (the matrix determinant lemma)."""
    return 2 * _half_log_det(cap_tril) + cov_diag.log().sum(-1)


def lowrank_mahalanobis(cov_factor: Tensor, cov_diag: Tensor, x: Tensor,
                        cap_tril: Tensor) -> Tensor:
    """x^T (W W^T + D)^-1 x = x^T D^-1 x - |L_C^-1 W^T D^-1 x|^2 (Woodbury's identity)."""
    wt_dinv = cov_factor.mT / cov_diag.unsqueeze(-2)
    return (x ** 2 / cov_diag).sum(-1) - mahalanobis(cap_tril, _batch_mv(wt_dinv, x))


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal N(loc, W W^T + diag(D)) with a rank-m factor W
    (``cov_factor``, k x m) and a positive diagonal D (``cov_diag``): log_prob and entropy
    use only m x m solves (Woodbury's identity and the matrix determinant lemma):
    log p(x) = -(k log(2 pi) + log det(Sigma) + (x - loc)^T Sigma^-1 (x - loc)) / 2.

    Args:
        loc: the mean, at least 1-d (its last dim is the event, size k).
        cov_factor: (..., k, m). cov_diag: (..., k), > 0.

    Shape: batch_shape = the broadcast batch dims of the three; event_shape = (k,).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import LowRankMultivariateNormal
        >>> d = LowRankMultivariateNormal(ta.zeros(2), ta.tensor([[1.0], [0.0]]), ta.ones(2))
        >>> d.covariance_matrix
        tensor([[2., 0.],
                [0., 1.]])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, cov_factor: Tensor, cov_diag: Tensor,
                 validate_args: bool | None = None):
        if not isinstance(loc, Tensor) or loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = tuple(loc.shape[-1:])
        if not isinstance(cov_factor, Tensor) or cov_factor.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != event_shape:
            raise ValueError(f"cov_factor must be a batch of matrices with shape "
                             f"{event_shape[0]} x m")
        if not isinstance(cov_diag, Tensor) or tuple(cov_diag.shape[-1:]) != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            shape = tuple(np.broadcast_shapes(loc.shape[:-1], cov_factor.shape[:-2],
                                              cov_diag.shape[:-1]))
        except ValueError:
            raise ValueError(f"Incompatible batch shapes: loc {tuple(loc.shape)}, cov_factor "
                             f"{tuple(cov_factor.shape)}, cov_diag {tuple(cov_diag.shape)}"
                             ) from None
        self.loc = loc.expand(shape + event_shape)
        self.cov_factor = cov_factor.expand(shape + tuple(cov_factor.shape[-2:]))
        self.cov_diag = cov_diag.expand(shape + event_shape)
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = capacitance_tril(cov_factor, cov_diag)
        super().__init__(shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        shape = size_of(batch_shape) + self._event_shape
        new.loc = self.loc.expand(shape)
        new.cov_diag = self.cov_diag.expand(shape)
        new.cov_factor = self.cov_factor.expand(shape + self.cov_factor.shape[-1:])
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        return self._expanded(new, size_of(batch_shape))

    def _matrix_shape(self) -> tuple:
        return self._batch_shape + self._event_shape + self._event_shape

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:
        """The diagonal of Sigma: sum_j W_ij^2 + D_i."""
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return ((w ** 2).sum(-1) + d).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """D^(1/2) chol(I + D^(-1/2) W W^T D^(-1/2)): the Cholesky factor of Sigma."""
        k = self._event_shape[0]
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / d_sqrt
        inner = dinvsqrt_w @ dinvsqrt_w.mT + _eye_like(d_sqrt, k)
        return (d_sqrt * cholesky(inner)).expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        w = self._unbroadcasted_cov_factor
        return (w @ w.mT + self._unbroadcasted_cov_diag.diag_embed()).expand(
            self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """D^-1 - A^T A, A = L_C^-1 W^T D^-1 (Woodbury's identity)."""
        d = self._unbroadcasted_cov_diag
        wt_dinv = self._unbroadcasted_cov_factor.mT / d.unsqueeze(-2)
        a = solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        return (d.reciprocal().diag_embed() - a.mT @ a).expand(self._matrix_shape())

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + W eps_W + sqrt(D) eps_D, eps_W ~ N(0, I_m), eps_D ~ N(0, I_k)."""
        shape = self._extended_shape(sample_shape)
        w_shape = shape[:-1] + self.cov_factor.shape[-1:]
        rng, dtype = self._rng(), self.loc.dtype
        eps_w = Tensor._wrap(rng.standard_normal(w_shape).astype(dtype))
        eps_d = Tensor._wrap(rng.standard_normal(shape).astype(dtype))
        return (self.loc + _batch_mv(self._unbroadcasted_cov_factor, eps_w)
                + self._unbroadcasted_cov_diag.sqrt() * eps_d)

    def _logdet(self) -> Tensor:
        return lowrank_logdet(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                              self._capacitance_tril)

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        m = lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                value - self.loc, self._capacitance_tril)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + self._logdet() + m)

    def entropy(self) -> Tensor:
        k = self._event_shape[0]
        h = 0.5 * (k * (1.0 + math.log(2 * math.pi)) + self._logdet())
        return h if not self._batch_shape else h.expand(self._batch_shape)
