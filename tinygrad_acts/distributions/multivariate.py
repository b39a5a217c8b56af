"""Distributions over vectors: Dirichlet (over the simplex) and MultivariateNormal."""
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

__all__ = ["Dirichlet", "MultivariateNormal"]


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
