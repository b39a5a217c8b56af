"""Discrete distributions: Bernoulli, Categorical, OneHotCategorical, Binomial, Poisson,
Geometric, Multinomial.

All but Poisson take ``probs`` or ``logits`` (exactly one); the other is computed when
first used. Their ``sample`` draws indices with no graph (a discrete draw has no
reparameterisation): policy gradients use ``log_prob(sample)``.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..api.math import logaddexp
from ..tensor import Tensor, where
from . import constraints
from .distribution import Distribution, size_of
from .special import lgamma
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical", "Binomial", "Poisson", "Geometric",
           "Multinomial"]


def _one_of(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), stable for any x, with the exact slope sigmoid(x) (also at 0)."""
    return logaddexp(x, Tensor._wrap(np.zeros((), dtype=x.dtype)))


def _as_float(value: Any, like: Tensor) -> Tensor:
    """value as a float Tensor (integers and numbers take like's dtype)."""
    if not isinstance(value, Tensor):
        return Tensor._wrap(np.asarray(value, dtype=like.dtype))
    return value if value.dtype.kind == "f" else value.to(like.dtype)


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) with slope 1/2 at 0 (torch's, so Binomial's gradients match there)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


def _constant(arr: np.ndarray) -> Tensor:
    return Tensor._wrap(arr)


class Bernoulli(Distribution):
    """The Bernoulli distribution on {0, 1}: P(1) = probs = sigmoid(logits);
    log p(x) = x logits - softplus(logits).

    Args:
        probs: P(x = 1), in [0, 1]. logits: its log-odds. Exactly one.

    Shape: batch_shape = the parameter's; event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Bernoulli
        >>> Bernoulli(probs=ta.tensor([0.25])).log_prob(ta.tensor([1.0])).exp()
        tensor([0.2500])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        _one_of(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Bernoulli, _instance)
        shape = size_of(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape))
                new._param = getattr(new, name)
        return self._expanded(new, shape)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tuple:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where below, NaN at exactly 1/2 (a tie)."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.numpy(), shape)
        return _constant((self._rng().random(shape) < p).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = _as_float(self._checked(value), self._param)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - _softplus(logits)

    def entropy(self) -> Tensor:
        return _softplus(self.logits) - self.logits * self.probs

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = np.arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(
            self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (2,) + self._batch_shape)
        return _constant(np.ascontiguousarray(values))


class Categorical(Distribution):
    """A distribution over the indices 0 .. K-1 of the last dim: P(i) = probs[..., i]
    (normalised to sum 1) = softmax(logits)[..., i].

    Args:
        probs: non-negative weights (they need not sum to 1). logits: unnormalised log
            probabilities. Exactly one, at least 1-d.

    Shape: batch_shape = param.shape[:-1]; event_shape = (); samples are int64.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Categorical
        >>> d = Categorical(logits=ta.zeros(4))
        >>> round(d.entropy().item(), 4)  # log 4
        1.3863
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        _one_of(probs, logits)
        if probs is not None:
            if not isinstance(probs, Tensor) or probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if not isinstance(logits, Tensor) or logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            # NOTE: normalised, so that logits[..., i] is log P(i) itself
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Categorical, _instance)
        shape = size_of(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape + (self._num_events,)))
                new._param = getattr(new, name)
        new._num_events = self._num_events
        return self._expanded(new, shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return _constant(np.full(self._extended_shape(), np.nan, dtype=self._param.dtype))

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return self.mean

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Indices by inverse transform: the count of cumulative probabilities below u."""
        shape = self._extended_shape(sample_shape)
        cdf = np.cumsum(self.probs.numpy().astype(np.float64), axis=-1)
        # NOTE: u scaled by the last cumulative sum, which rounding may leave below 1
        u = self._rng().random(shape + (1,)) * cdf[..., -1:]
        index = (np.broadcast_to(cdf, shape + (self._num_events,)) <= u).sum(-1)
        return _constant(np.minimum(index, self._num_events - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        value = self._checked(value)
        if not isinstance(value, Tensor):
            value = Tensor._wrap(np.asarray(value))
        index = value.long().unsqueeze(-1)
        shape = tuple(np.broadcast_shapes(index.shape[:-1], self.logits.shape[:-1]))
        log_pmf = self.logits.expand(shape + (self._num_events,))
        return log_pmf.gather(-1, index.expand(shape + (1,))).squeeze(-1)

    def entropy(self) -> Tensor:
        # NOTE: logits of -inf (probability 0) would give 0 * -inf = NaN: clamped first
        low = float(np.finfo(self.logits.dtype).min)
        p_log_p = self.logits.clamp(min=low) * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = np.arange(self._num_events, dtype=np.int64).reshape(
            (-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (self._num_events,) + self._batch_shape)
        return _constant(np.ascontiguousarray(values))


class OneHotCategorical(Distribution):
    """A Categorical whose samples are one-hot vectors of length K.

    Args:
        probs / logits: as Categorical's (exactly one).

    Shape: batch_shape = param.shape[:-1]; event_shape = (K,).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import OneHotCategorical
        >>> OneHotCategorical(probs=ta.tensor([0.0, 1.0])).sample()
        tensor([0., 1.])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(OneHotCategorical, _instance)
        shape = size_of(batch_shape)
        new._categorical = self._categorical.expand(shape)
        return self._expanded(new, shape)

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        return self._one_hot(self.probs.argmax(-1).numpy())

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def _one_hot(self, index: np.ndarray) -> Tensor:
        k = self._event_shape[0]
        return _constant(np.eye(k, dtype=self._param.dtype)[index])

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self._one_hot(self._categorical.sample(sample_shape).numpy())

    def log_prob(self, value: Any) -> Tensor:
        value = self._checked(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        k = self._event_shape[0]
        batch = (1,) * len(self._batch_shape)
        values = np.eye(k, dtype=self._param.dtype).reshape((k,) + batch + (k,))
        if expand:
            values = np.broadcast_to(values, (k,) + self._batch_shape + (k,))
        return _constant(np.ascontiguousarray(values))


class Binomial(Distribution):
    """The number of successes in ``total_count`` independent trials with probability
    ``probs``: log p(k) = log C(n, k) + k logits - n softplus(logits).

    Args:
        total_count: n, a non-negative integer (number or Tensor; default 1).
        probs / logits: the success probability or its log-odds (exactly one).

    Shape: batch_shape = broadcast(total_count, param); event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Binomial
        >>> Binomial(10, ta.tensor(0.5)).mean
        tensor(5.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        _one_of(probs, logits)
        if probs is not None:
            total, self.probs = broadcast_all(total_count, probs)
            self._param = self.probs
        else:
            total, self.logits = broadcast_all(total_count, logits)
            self._param = self.logits
        self.total_count = total.to(self._param.dtype)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Binomial, _instance)
        shape = size_of(batch_shape)
        new.total_count = self.total_count.expand(shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape))
                new._param = getattr(new, name)
        return self._expanded(new, shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tuple:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(self.total_count.numpy(), shape).astype(np.int64)
        p = np.broadcast_to(self.probs.numpy(), shape).astype(np.float64)
        return _constant(self._rng().binomial(n, p).astype(self._param.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = _as_float(self._checked(value), self._param)
        n, logits = self.total_count, self.logits
        log_factorial_n = lgamma(n + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(n - value + 1)
        # NOTE: n log(1 + e^logits) = n max(logits, 0) + n log1p(e^-|logits|): no overflow
        normalizer = (n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p()
                      - log_factorial_n)
        return value * logits - log_factorial_k - log_factorial_nmk - normalizer

    def _homogeneous_count(self, who: str) -> int:
        counts = self.total_count.numpy()
        total = int(counts.max()) if counts.size else 0
        if counts.size and counts.min() != total:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{who}`.")
        return total

    def entropy(self) -> Tensor:
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total = self._homogeneous_count("enumerate_support")
        values = np.arange(1 + total, dtype=self._param.dtype).reshape(
            (-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (1 + total,) + self._batch_shape)
        return _constant(np.ascontiguousarray(values))


class Poisson(Distribution):
    """The Poisson distribution: log p(k) = k log(rate) - rate - lgamma(k + 1).

    Args:
        rate: the mean (>= 0).

    Shape: batch_shape = rate's; event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Poisson
        >>> round(Poisson(ta.tensor(2.0)).log_prob(ta.tensor(0.0)).exp().item(), 4)  # e^-2
        0.1353
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Poisson, _instance)
        shape = size_of(batch_shape)
        new.rate = self.rate.expand(shape)
        return self._expanded(new, shape)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        rate = np.broadcast_to(self.rate.numpy(), shape).astype(np.float64)
        return _constant(self._rng().poisson(rate).astype(self.rate.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = _as_float(self._checked(value), self.rate)
        return value.xlogy(self.rate) - self.rate - lgamma(value + 1)


class Geometric(Distribution):
    """The number of failures before the first success in Bernoulli(probs) trials:
    P(k) = (1 - p)^k p, k = 0, 1, 2, ...; log p(k) = k log1p(-p) + log p.

    Args:
        probs: the success probability, in (0, 1]. logits: its log-odds. Exactly one.

    Shape: batch_shape = the parameter's; event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Geometric
        >>> d = Geometric(ta.tensor([0.5]))
        >>> d.mean, d.log_prob(ta.tensor([1.0])).exp()  # E = 1/p - 1; P(1) = (1 - p) p
        (tensor([1.]), tensor([0.2500]))
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        _one_of(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            param = self.logits
        super().__init__(param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            # NOTE: p = 0 (never a success) has no distribution: torch's extra check
            valid = (self.probs > 0).numpy()
            if not valid.all():
                bad = Tensor._wrap(self.probs.numpy()[~valid])
                raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of "
                                 f"shape {tuple(self.probs.shape)}) of distribution {self!r} "
                                 f"to be positive but found invalid values:\n{bad}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Geometric, _instance)
        shape = size_of(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape))
        return self._expanded(new, shape)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return _constant(np.zeros(self.probs.shape, dtype=self.probs.dtype))

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """floor(log u / log(1 - p)), u uniform on [tiny, 1) (inverse transform)."""
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.numpy(), shape)
        tiny = float(np.finfo(p.dtype).tiny)
        u = self._rng().uniform(tiny, 1.0, shape).astype(p.dtype)
        with np.errstate(divide="ignore"):  # NOTE: p = 1 gives log u / -inf = -0: floor 0
            return _constant(np.floor(np.log(u) / np.log1p(-p)).astype(p.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = _as_float(self._checked(value), self.probs)
        value, probs = broadcast_all(value, self.probs)
        # NOTE: at p = 1 and k = 0, k log1p(-p) is 0 * -inf: p is taken as 0 there (torch)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """H = (softplus(logits) - logits p) / p (binary cross-entropy of p with itself,
        over p)."""
        return (_softplus(self.logits) - self.logits * self.probs) / self.probs


class Multinomial(Distribution):
    """The counts of each of K outcomes in ``total_count`` independent Categorical(probs)
    draws: log p(x) = lgamma(n + 1) - sum_i lgamma(x_i + 1) + sum_i x_i log p_i,
    n = sum_i x_i.

    Args:
        total_count: n, a Python int (one count shared by the batch; log_prob accepts
            counts of any total). probs / logits: as Categorical's (exactly one, at least
            1-d; normalised over the last dim).

    Shape: batch_shape = param.shape[:-1]; event_shape = (K,).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Multinomial
        >>> d = Multinomial(4, ta.tensor([1.0, 1.0]))
        >>> d.mean, round(d.log_prob(ta.tensor([2.0, 2.0])).exp().item(), 4)  # 6 / 16
        (tensor([2., 2.]), 0.375)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        # NOTE: the parts are validated with the default setting whatever validate_args
        # says, as torch's (a negative probs raises from Categorical)
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(Multinomial, _instance)
        shape = size_of(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(shape)
        new._binomial = self._binomial.expand(shape + self._event_shape)
        return self._expanded(new, shape)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.numpy().astype(np.float64), shape)
        # NOTE: renormalised in float64, so rounding cannot push a sum past numpy's check
        p = p / p.sum(-1, keepdims=True)
        counts = self._rng().multinomial(self.total_count, p)
        return _constant(counts.astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = _as_float(self._checked(value), self.logits)
        logits, value = broadcast_all(self.logits, value)
        # NOTE: a zero count of an impossible outcome (logit -inf) adds 0, not 0 * -inf
        logits = where((value == 0) & (logits == -np.inf), 0.0, logits)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        """n H(Categorical) - lgamma(n + 1) + sum_i E[lgamma(x_i + 1)], each x_i a
        Binomial(n, p_i) (enumerated over 1..n)."""
        # NOTE: n is an int64 Tensor, so lgamma(n + 1) is float32 whatever the parameters'
        # dtype: torch's rounding, kept so the values agree
        n = Tensor._wrap(np.asarray(self.total_count, dtype=np.int64))
        term1 = n * self._categorical.entropy() - lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = lgamma(support + 1)
        return term1 + (binomial_probs * weights).sum((0, -1))
