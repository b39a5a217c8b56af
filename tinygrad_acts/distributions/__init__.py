"""``ta.distributions``: probability distributions with torch.distributions' API.

Sampling (``sample`` / ``rsample``), scoring (``log_prob``, ``cdf``, ``icdf``), moments
(``mean``, ``mode``, ``variance``, ``stddev``), ``entropy`` and ``kl_divergence``, all built
from the framework's differentiable ops: gradients reach the parameters through
``log_prob`` (score-function estimators: REINFORCE), through ``rsample`` (pathwise
estimators: the VAE's reparameterisation trick) and through the closed-form KLs.

Where the modules are:
    distribution.py   the Distribution base (shapes, validation, conventions)
    constraints.py    the supports and parameter constraints
    continuous.py     Normal, LogNormal, Uniform, Exponential, Laplace, Gamma, Beta
    discrete.py       Bernoulli, Categorical, OneHotCategorical, Binomial, Poisson, Geometric,
                      Multinomial
    multivariate.py   Dirichlet, MultivariateNormal, LowRankMultivariateNormal
    relaxed.py        RelaxedBernoulli, RelaxedOneHotCategorical (Gumbel-softmax) and their
                      logit-space bases LogitRelaxedBernoulli, ExpRelaxedCategorical (these
                      two only here, as torch keeps them out of its package namespace)
    mixture.py        MixtureSameFamily (a Categorical choice among K components)
    independent.py    Independent (batch dims as event dims)
    transforms.py     Exp/Affine/Sigmoid/Tanh/Power/Softmax/Abs/ComposeTransform
    transformed.py    TransformedDistribution
    univariate.py     Cauchy, HalfCauchy, HalfNormal, Gumbel, Chi2, StudentT, Weibull, Pareto
    kl.py             kl_divergence, register_kl
    special.py        lgamma, digamma, erfinv, cholesky, Gamma sampling with its gradient
    utils.py          broadcast_all, probs/logits conversions, lazy_property

Example (a policy-gradient step's loss):
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts.distributions import Categorical
    >>> logits = ta.zeros(2, 3, requires_grad=True)
    >>> policy = Categorical(logits=logits)
    >>> action = policy.sample()
    >>> loss = -(policy.log_prob(action) * ta.tensor([1.0, -1.0])).sum()
    >>> loss.backward()
    >>> tuple(logits.grad.shape)
    (2, 3)
"""
from __future__ import annotations

from . import (
    constraints,
    transforms,
)
from .continuous import Beta, Exponential, Gamma, Laplace, LogNormal, Normal, Uniform
from .discrete import (
    Bernoulli,
    Binomial,
    Categorical,
    Geometric,
    Multinomial,
    OneHotCategorical,
    Poisson,
)
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .mixture import MixtureSameFamily
from .multivariate import Dirichlet, LowRankMultivariateNormal, MultivariateNormal
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import TransformedDistribution
from .univariate import Cauchy, Chi2, Gumbel, HalfCauchy, HalfNormal, Pareto, StudentT, Weibull

__all__ = [
    "Distribution", "constraints", "kl_divergence", "register_kl",
    "Normal", "LogNormal", "Uniform", "Exponential", "Laplace", "Gamma", "Beta",
    "Bernoulli", "Categorical", "OneHotCategorical", "Binomial", "Poisson",
    "Dirichlet", "MultivariateNormal", "Independent", "TransformedDistribution",
    "transforms", "Cauchy", "Chi2", "Gumbel", "HalfCauchy", "HalfNormal", "Pareto",
    "StudentT", "Weibull", "Geometric", "Multinomial", "LowRankMultivariateNormal",
    "MixtureSameFamily", "RelaxedBernoulli", "RelaxedOneHotCategorical",
]
