"""Independent: reinterpret some batch dims of a distribution as event dims."""
from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, size_of
from .utils import sum_rightmost

__all__ = ["Independent"]


class Independent(Distribution):
    """The base distribution with its ``reinterpreted_batch_ndims`` rightmost batch dims
    made event dims: log_prob and entropy are summed over them (a diagonal Gaussian over
    vectors is ``Independent(Normal(loc, scale), 1)``).

    Args:
        base_distribution: any distribution.
        reinterpreted_batch_ndims: how many batch dims become event dims.

    Shape: batch_shape = base.batch_shape[:-n]; event_shape = base.batch_shape[-n:] +
    base.event_shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Independent, Normal
        >>> d = Independent(Normal(ta.zeros(3, 2), ta.ones(3, 2)), 1)
        >>> d.batch_shape, d.event_shape, tuple(d.log_prob(ta.zeros(3, 2)).shape)
        ((3,), (2,), (3,))
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None):
        n = reinterpreted_batch_ndims
        shape = base_distribution.batch_shape + base_distribution.event_shape
        if n > len(base_distribution.batch_shape):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= "
                             f"len(base_distribution.batch_shape), actual {n} vs "
                             f"{len(base_distribution.batch_shape)}")
        event_dim = n + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        super().__init__(shape[:len(shape) - event_dim], shape[len(shape) - event_dim:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Independent, _instance)
        shape = size_of(batch_shape)
        base_batch = self.base_dist.batch_shape
        n = self.reinterpreted_batch_ndims
        new.base_dist = self.base_dist.expand(shape + base_batch[len(base_batch) - n:])
        new.reinterpreted_batch_ndims = n
        return self._expanded(new, shape)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = constraints.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
