"""Univariate continuous distributions: Normal, LogNormal, Uniform, Exponential, Laplace,
Gamma, Beta (torch's formulas, so values agree with torch to rounding).

All are reparameterised (``has_rsample``): Normal, LogNormal, Uniform, Exponential and
Laplace transform standard noise; Gamma and Beta use the implicit gradient of a Gamma draw
(special.standard_gamma).
"""
from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..pointwise import igamma
from ..tensor import Tensor, stack
from . import constraints
from .distribution import Distribution, size_of
from .multivariate import Dirichlet
from .special import digamma, erfinv, lgamma, standard_gamma
from .utils import broadcast_all

__all__ = ["Normal", "LogNormal", "Uniform", "Exponential", "Laplace", "Gamma", "Beta"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


def _value(value: Any, like: Tensor) -> Tensor:
    """value as a Tensor (a number becomes one of like's dtype)."""
    if isinstance(value, Tensor):
        return value
    return Tensor._wrap(np.asarray(value, dtype=like.dtype))


def _noise(draw: Any, shape: tuple, like: Tensor) -> Tensor:
    """A constant Tensor of ``draw(shape)`` (a numpy generator method) in like's dtype."""
    return Tensor._wrap(np.asarray(draw(shape), dtype=like.dtype))


class _Univariate(Distribution):
    """Shared by the distributions whose parameters broadcast elementwise: ``expand``."""

    _params: tuple[str, ...] = ()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(type(self), _instance)
        shape = size_of(batch_shape)
        for name in self._params:
            setattr(new, name, getattr(self, name).expand(shape))
        return self._expanded(new, shape)


class _LocationScale(_Univariate):
    """Shared by Normal and Laplace: real-valued, a location (the mean and the mode) and a
    positive scale, broadcast together; reparameterised sampling."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc


class Normal(_LocationScale):
    """The normal distribution N(loc, scale^2):
    log p(x) = -(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi).

    Args:
        loc: the mean (number or Tensor). scale: the standard deviation (> 0).
        validate_args: check the parameters and the values scored.

    Shape: batch_shape = broadcast(loc, scale); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Normal
        >>> d = Normal(ta.tensor(0.0), ta.tensor(1.0))
        >>> round(d.log_prob(ta.tensor(0.0)).item(), 4)
        -0.9189
    """

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + scale * eps, eps ~ N(0, 1)."""
        eps = _noise(self._rng().standard_normal, self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value: Any) -> Tensor:
        """(1 + erf((x - loc) / (scale sqrt 2))) / 2."""
        value = _value(self._checked(value), self.loc)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal()
                           / math.sqrt(2)).erf())

    def icdf(self, value: Any) -> Tensor:
        """loc + scale sqrt(2) erfinv(2p - 1)."""
        value = _value(value, self.loc)
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class LogNormal(_Univariate):
    """exp(X) for X ~ Normal(loc, scale): log p(y) = log N(log y; loc, scale) - log y.

    Args:
        loc, scale: the mean and standard deviation of log(Y) (scale > 0).

    Shape: batch_shape = broadcast(loc, scale); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import LogNormal
        >>> round(LogNormal(0.0, 1.0).mean.item(), 4)  # e^(1/2)
        1.6487
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def base_dist(self) -> Normal:
        """The Normal distribution of log(Y)."""
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale ** 2 / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale ** 2).exp()

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale ** 2
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        log_value = value.log()
        return self.base_dist.log_prob(log_value) - log_value

    def cdf(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        return self.base_dist.cdf(value.log())

    def icdf(self, value: Any) -> Tensor:
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc


class Uniform(_Univariate):
    """The uniform distribution on [low, high): p(x) = 1 / (high - low) there.

    Args:
        low, high: the bounds, low < high (numbers or Tensors).

    Shape: batch_shape = broadcast(low, high); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Uniform
        >>> Uniform(0.0, 4.0).log_prob(ta.tensor([1.0, 3.0])).exp()
        tensor([0.2500, 0.2500])
    """

    has_rsample = True
    _params = ("low", "high")

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return self.high * math.nan

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = _noise(self._rng().random, self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.low)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        with np.errstate(divide="ignore"):
            return inside.log() - (self.high - self.low).log()

    def cdf(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.low)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Any) -> Tensor:
        value = _value(value, self.low)
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()


class Exponential(_Univariate):
    """The exponential distribution: p(x) = rate e^(-rate x), x >= 0.

    Args:
        rate: the rate (> 0), 1 / mean.

    Shape: batch_shape = rate's; event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Exponential
        >>> Exponential(ta.tensor([2.0])).mean
        tensor([0.5000])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return Tensor._wrap(np.zeros(self.rate.shape, dtype=self.rate.dtype))

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate ** -2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        e = _noise(self._rng().standard_exponential, self._extended_shape(sample_shape),
                   self.rate)
        return e / self.rate

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.rate)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.rate)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Any) -> Tensor:
        value = _value(value, self.rate)
        return -(-value).log1p() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()


class Laplace(_LocationScale):
    """The Laplace distribution: p(x) = exp(-|x - loc| / scale) / (2 scale).

    Args:
        loc: the mean. scale: the scale (> 0); the variance is 2 scale^2.

    Shape: batch_shape = broadcast(loc, scale); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Laplace
        >>> Laplace(0.0, 1.0).cdf(ta.tensor(0.0))
        tensor(0.5000)
    """

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc - scale sign(u) log(1 - |u|), u uniform on (-1, 1)."""
        eps = float(np.finfo(self.loc.dtype).eps)
        # NOTE: u stays off -1 (log(0)); torch draws it from [eps - 1, 1) too
        draw = self._rng().uniform
        u = _noise(lambda shape: draw(eps - 1, 1, shape), self._extended_shape(sample_shape),
                   self.loc)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        diff = value - self.loc
        return 0.5 - 0.5 * diff.sign() * (-diff.abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Tensor:
        value = _value(value, self.loc)
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()


class Gamma(_Univariate):
    """The gamma distribution with shape ``concentration`` (alpha) and ``rate`` (beta):
    log p(x) = alpha log beta + (alpha - 1) log x - beta x - lgamma(alpha).

    Args:
        concentration: alpha > 0. rate: beta > 0 (1 / scale).

    Shape: batch_shape = broadcast(concentration, rate); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Gamma
        >>> Gamma(ta.tensor(3.0), ta.tensor(2.0)).mean
        tensor(1.5000)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("concentration", "rate")

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """G / rate, G ~ Gamma(concentration, 1) with its implicit gradient."""
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration.expand(shape), self._rng()) / self.rate

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.concentration)
        c = self.concentration
        return (c.xlogy(self.rate) + (c - 1).xlogy(value) - self.rate * value - lgamma(c))

    def cdf(self, value: Any) -> Tensor:
        """P(alpha, beta x), the regularized lower incomplete gamma function (``ta.igamma``):
        differentiable in rate and value; in concentration backward raises, as torch's."""
        value = _value(self._checked(value), self.concentration)
        return igamma(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)


class Beta(Distribution):
    """The beta distribution on [0, 1]: p(x) = x^(a - 1) (1 - x)^(b - 1) / B(a, b), with
    a = concentration1, b = concentration0 (a Dirichlet over (x, 1 - x)).

    Args:
        concentration1: a > 0. concentration0: b > 0.

    Shape: batch_shape = broadcast(concentration1, concentration0); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Beta
        >>> Beta(ta.tensor(2.0), ta.tensor(2.0)).mean
        tensor(0.5000)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None):
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Beta, _instance)
        shape = size_of(batch_shape)
        new._dirichlet = self._dirichlet.expand(shape)
        return self._expanded(new, shape)

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.concentration1)
        heads_tails = stack(list(broadcast_all(value, 1.0 - value)), -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()
