"""MixtureSameFamily: a mixture of K components of one family, the component picked by a
Categorical (torch's ``MixtureSameFamily``): a Gaussian mixture model is
``MixtureSameFamily(Categorical(weights), Normal(locs, scales))``.

The component distribution's rightmost batch dim indexes the K components; the mixture's
batch shape is the component's without it. log_prob is a log-sum-exp over the components,
so its gradients reach the weights and every component's parameters; sampling has no
reparameterisation (the pick is discrete), as in torch.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from . import constraints
from .discrete import Categorical
from .distribution import Distribution, size_of

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """p(x) = sum_k w_k p_k(x), w = mixture_distribution.probs, p_k the k-th component:
    log p(x) = logsumexp_k(log w_k + log p_k(x)).

    Args:
        mixture_distribution: a Categorical over the K components; its batch shape is ()
            or broadcasts with component_distribution.batch_shape[:-1].
        component_distribution: any Distribution whose rightmost batch dim has size K.

    Shape: batch_shape = component.batch_shape[:-1]; event_shape = component.event_shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions import Categorical, MixtureSameFamily, Normal
        >>> gmm = MixtureSameFamily(Categorical(ta.tensor([0.5, 0.5])),
        ...                         Normal(ta.tensor([-1.0, 1.0]), ta.tensor([1.0, 1.0])))
        >>> gmm.mean, gmm.variance  # E[x] = 0; Var = 1 + E[loc^2] = 2
        (tensor(0.), tensor(2.))
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None):
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of "
                             "torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of "
                             "torch.distributions.Distribution")
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not "
                                 f"compatible with `component_distribution.batch_shape`"
                                 f"({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1] if component_distribution.batch_shape \
            else None
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(cdbs, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        shape = size_of(batch_shape)
        new._component_distribution = self._component_distribution.expand(
            shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        return self._expanded(new, shape, new._component_distribution.event_shape)

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        """x with a size-1 component dim before the event dims."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        """The (..., K) weights reshaped to line up with the components' (batch, K, event)
        values (torch's rule for how many batch dims to insert)."""
        dist_batch_ndims = len(self._batch_shape)
        cat_batch_ndims = len(self._mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        shape = tuple(x.shape)
        return x.reshape(shape[:-1] + (1,) * pad_ndims + shape[-1:]
                         + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        """sum_k w_k mean_k."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """E[Var(x | k)] + Var(E[x | k]) (the law of total variance)."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self._component_distribution.variance).sum(dim)
        spread = (self._component_distribution.mean - self._pad(self.mean)) ** 2.0
        return mean_cond_var + (probs * spread).sum(dim)

    def cdf(self, value: Any) -> Tensor:
        """sum_k w_k F_k(x) (for components that have a cdf)."""
        cdf_x = self._component_distribution.cdf(self._pad(value))
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        value = self._checked(value)
        log_prob_x = self._component_distribution.log_prob(self._pad(value))  # (S, B, K)
        log_mix_prob = self._mixture_distribution.logits.log_softmax(-1)  # (B, K)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw every component, then keep the one the Categorical picks."""
        sample_shape = size_of(sample_shape)
        gather_dim = len(sample_shape) + len(self._batch_shape)
        mix_shape = self._mixture_distribution.batch_shape
        if len(mix_shape) != len(self._batch_shape):
            # NOTE: torch's gather refuses this case too (log_prob and the moments broadcast)
            raise RuntimeError(f"MixtureSameFamily.sample: the index and the input must have "
                               f"the same number of dimensions: mixture_distribution batch "
                               f"shape {mix_shape} vs component batch shape "
                               f"{self._component_distribution.batch_shape}")
        with no_grad():
            pick = self._mixture_distribution.sample(sample_shape).numpy()
            comp = self._component_distribution.sample(sample_shape).numpy()
        index = pick.reshape(pick.shape + (1,) * (self._event_ndims + 1))
        index = np.broadcast_to(index, comp.shape[:gather_dim] + (1,) + self._event_shape)
        return Tensor._wrap(np.take_along_axis(comp, index, gather_dim).squeeze(gather_dim))

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  "
                f"{self._component_distribution!r})")
