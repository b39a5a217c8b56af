"""More univariate continuous distributions (torch's formulas): Cauchy, HalfCauchy,
HalfNormal, Gumbel, Chi2, StudentT, Weibull, Pareto. Gumbel, HalfNormal, HalfCauchy, Weibull
and Pareto are TransformedDistributions, as torch's; all are reparameterised.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..tensor import Tensor, where
from . import constraints
from .continuous import Exponential, Gamma, Normal, Uniform, _noise, _Univariate, _value
from .distribution import Distribution, size_of
from .special import digamma, lgamma
from .transformed import TransformedDistribution
from .transforms import AbsTransform, AffineTransform, ExpTransform, PowerTransform
from .utils import broadcast_all

__all__ = ["Cauchy", "Chi2", "Gumbel", "HalfCauchy", "HalfNormal", "Pareto", "StudentT",
           "Weibull"]

_EULER = 0.57721566490153286060


def _full(like: Tensor, value: float) -> Tensor:
    return Tensor._wrap(np.full(like.shape, value, dtype=like.dtype))


class Cauchy(_Univariate):
    """The Cauchy distribution: p(x) = 1 / (pi scale (1 + ((x - loc) / scale)^2)).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Cauchy
        >>> Cauchy(0.0, 1.0).cdf(ta.tensor(0.0))
        tensor(0.5000)
    """

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
        return _full(self.loc, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return _full(self.loc, math.inf)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = _noise(self._rng().standard_cauchy, self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        return (-math.log(math.pi) - self.scale.log()
                - (((value - self.loc) / self.scale) ** 2).log1p())

    def cdf(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        value = _value(value, self.loc)
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()


class _Folded(TransformedDistribution):
    """Shared by HalfNormal and HalfCauchy: |X| for a base centred at 0 with ``scale``."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _base: Any = Normal

    def __init__(self, scale: Any, validate_args: bool | None = None):
        base = self._base(0.0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(type(self), _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale  # type: ignore[attr-defined]

    @property
    def mode(self) -> Tensor:
        return Tensor._wrap(np.zeros(self.scale.shape, dtype=self.scale.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.scale)
        result = self.base_dist.log_prob(value) + math.log(2)
        return where(value >= 0, result, -math.inf)

    def cdf(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.scale)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Any) -> Tensor:
        return self.base_dist.icdf((_value(value, self.scale) + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Folded):
    """|X| for X ~ Normal(0, scale).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import HalfNormal
        >>> round(HalfNormal(1.0).log_prob(ta.tensor(0.0)).item(), 4)
        -0.2258
    """

    _base = Normal

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2 * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """|X| for X ~ Cauchy(0, scale)."""

    _base = Cauchy

    @property
    def mean(self) -> Tensor:
        return _full(self.scale, math.inf)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance


class Gumbel(TransformedDistribution):
    """The Gumbel distribution: log p(x) = z - e^z - log scale, z = (loc - x) / scale
    (a Uniform pushed through -log(-log u), scaled)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = np.finfo(self.loc.dtype)
        base = Uniform(_full(self.loc, float(finfo.tiny)), _full(self.loc, 1 - float(finfo.eps)),
                       validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -_full(self.scale, 1.0)),
                      ExpTransform().inv, AffineTransform(self.loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(size_of(batch_shape))
        new.scale = self.scale.expand(size_of(batch_shape))
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.loc)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev ** 2

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + _EULER)


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: Gamma(df / 2, 1 / 2)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None):
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2


class StudentT(_Univariate):
    """Student's t with ``df`` degrees of freedom, location and scale:
    log p = -(df + 1)/2 log(1 + y^2/df) - log scale - log(df pi)/2 - log B(df/2, 1/2),
    y = (x - loc) / scale."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("df", "loc", "scale")

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(self.df.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        big = where(df > 2, df, 3.0)
        result = where(df > 2, self.scale ** 2 * big / (big - 2), math.inf)
        return where(df <= 1, math.nan, result)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = _noise(self._rng().standard_normal, shape, self.df)
        z = Chi2(self.df, validate_args=False).rsample(sample_shape)
        return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value: Any) -> Tensor:
        value = _value(self._checked(value), self.df)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + lgamma(0.5 * self.df) - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * (y ** 2 / self.df).log1p() - z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (self.scale.log() + 0.5 * (df + 1) * (digamma(0.5 * (df + 1))
                                                     - digamma(0.5 * df))
                + 0.5 * df.log() + lbeta)


class Weibull(TransformedDistribution):
    """The Weibull distribution: scale * E^(1/concentration), E ~ Exponential(1)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(_full(self.scale, 1.0), validate_args=validate_args)
        super().__init__(base, [PowerTransform(self.concentration_reciprocal),
                                AffineTransform(0, self.scale)], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Weibull, _instance)
        shape = size_of(batch_shape)
        new.scale = self.scale.expand(shape)
        new.concentration = self.concentration.expand(shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        TransformedDistribution.__init__(
            new, self.base_dist.expand(shape), [PowerTransform(new.concentration_reciprocal),
                                                AffineTransform(0, new.scale)],
            validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.scale * lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        return self.scale * ((c - 1) / c) ** c.reciprocal()

    @property
    def variance(self) -> Tensor:
        r = self.concentration_reciprocal
        return self.scale ** 2 * (lgamma(1 + 2 * r).exp() - (2 * lgamma(1 + r)).exp())

    def entropy(self) -> Tensor:
        r = self.concentration_reciprocal
        return _EULER * (1 - r) + (self.scale * r).log() + 1


class Pareto(TransformedDistribution):
    """The Pareto (type I) distribution: scale * e^E, E ~ Exponential(alpha)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(0, self.scale)],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = self.scale.expand(size_of(batch_shape))
        new.alpha = self.alpha.expand(size_of(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self.alpha.clamp(min=2)
        return self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        return constraints.greater_than_eq(self.scale)

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
