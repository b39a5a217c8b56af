"""Relaxed (Concrete / Gumbel-softmax) distributions: continuous stand-ins for Bernoulli and
OneHotCategorical whose samples are reparameterised, so gradients reach the probabilities
through ``rsample`` (Maddison et al. 2017; Jang et al. 2017). As in torch, each is a
TransformedDistribution of a distribution over logits:

    LogitRelaxedBernoulli     (log u - log(1 - u) + logits) / temperature, u uniform
    RelaxedBernoulli          its sigmoid, in (0, 1)
    ExpRelaxedCategorical     log_softmax((logits + g) / temperature), g Gumbel noise
    RelaxedOneHotCategorical  its exp, on the simplex

``temperature`` is a Tensor (not broadcast with the parameters): low temperatures give
samples close to the discrete ones, high temperatures smooth ones.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..tensor import Tensor
from . import constraints
from .continuous import _noise
from .discrete import Categorical, _one_of, _softplus
from .distribution import Distribution, size_of
from .special import lgamma
from .transformed import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ExpRelaxedCategorical", "LogitRelaxedBernoulli", "RelaxedBernoulli",
           "RelaxedOneHotCategorical"]


def _uniform(dist: Distribution, shape: tuple, like: Tensor) -> Tensor:
    """Uniform noise on (0, 1), clamped off 0 and 1 (torch's clamp_probs), as a constant."""
    return clamp_probs(_noise(dist._rng().random, shape, like))


class LogitRelaxedBernoulli(Distribution):
    """The logit of a RelaxedBernoulli: X = (logit(u) + logits) / t, u uniform, t the
    temperature; log p(x) = log t + d - 2 softplus(d), d = logits - t x.

    Args:
        temperature: t > 0 (a Tensor). probs / logits: as Bernoulli's (exactly one).

    Shape: batch_shape = the parameter's; event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions.relaxed import LogitRelaxedBernoulli
        >>> d = LogitRelaxedBernoulli(ta.tensor(1.0), logits=ta.tensor(0.0))
        >>> round(d.log_prob(ta.tensor(0.0)).exp().item(), 4)  # the logistic density at 0
        0.25
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    # NOTE: torch leaves has_rsample False here (RelaxedBernoulli sets it), rsample works

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        self.temperature = temperature
        _one_of(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        shape = size_of(batch_shape)
        new.temperature = self.temperature
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

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """(log u - log1p(-u) + log p - log1p(-p)) / temperature (p and u clamped)."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = _uniform(self, shape, probs)
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        value = self._checked(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        # NOTE: softplus(d) for torch's log1p(exp(d)): equal where that is finite, and no
        # overflow for large d
        return self.temperature.log() + diff - 2 * _softplus(diff)


class RelaxedBernoulli(TransformedDistribution):
    """The Concrete relaxation of Bernoulli(probs) on (0, 1): sigmoid of a
    LogitRelaxedBernoulli(temperature, probs / logits); reparameterised.

    Args:
        temperature: t > 0 (a Tensor). probs / logits: as Bernoulli's (exactly one).

    Shape: batch_shape = the parameter's; event_shape = ().

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import RelaxedBernoulli
        >>> p = ta.tensor([0.1, 0.9], requires_grad=True)
        >>> x = RelaxedBernoulli(ta.tensor(0.5), probs=p).rsample()
        >>> x.sum().backward()
        >>> bool((p.grad > 0).all())  # a larger p gives a larger sample
        True
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    base_dist: LogitRelaxedBernoulli

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs


class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical sample: X = log_softmax((logits + g) / t),
    g_i Gumbel(0, 1), t the temperature;
    log p(x) = lgamma(K) + (K - 1) log t + sum_i log_softmax(logits - t x)_i.

    Args:
        temperature: t > 0 (a Tensor). probs / logits: as Categorical's (exactly one).

    Shape: batch_shape = param.shape[:-1]; event_shape = (K,).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions.relaxed import ExpRelaxedCategorical
        >>> d = ExpRelaxedCategorical(ta.tensor(1.0), logits=ta.zeros(3))
        >>> x = d.rsample((2,))
        >>> tuple(x.shape), [round(v, 6) for v in x.exp().sum(-1).tolist()]
        ((2, 3), [1.0, 1.0])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector  # NOTE: really a K-1 dim submanifold of it (torch's)
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        shape = size_of(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(shape)
        return self._expanded(new, shape)

    @property
    def param_shape(self) -> tuple:
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """log_softmax((logits + g) / temperature), g = -log(-log u)."""
        shape = self._extended_shape(sample_shape)
        u = _uniform(self, shape, self.logits)
        gumbels = -(-u.log()).log()
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        k = self._categorical._num_events
        value = self._checked(value)
        logits, value = broadcast_all(self.logits, value)
        t = self.temperature
        k_full = Tensor._wrap(np.full(t.shape, float(k), dtype=t.dtype))
        log_scale = lgamma(k_full) + (k - 1) * t.log()
        score = logits - value * t
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """The Concrete / Gumbel-softmax relaxation of OneHotCategorical, on the simplex:
    softmax((logits + g) / t), the exp of an ExpRelaxedCategorical; reparameterised.

    Args:
        temperature: t > 0 (a Tensor). probs / logits: as Categorical's (exactly one).

    Shape: batch_shape = param.shape[:-1]; event_shape = (K,).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import RelaxedOneHotCategorical
        >>> d = RelaxedOneHotCategorical(ta.tensor(0.5), probs=ta.tensor([0.2, 0.3, 0.5]))
        >>> d.batch_shape, d.event_shape, round(d.rsample().sum().item(), 6)
        ((), (3,), 1.0)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True
    base_dist: ExpRelaxedCategorical

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
