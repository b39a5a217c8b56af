"""The ``Distribution`` base class: shapes, argument validation, sampling conventions.

Shapes, as in torch: a distribution holds a batch of independent distributions
(``batch_shape``), each over events of ``event_shape``; ``sample(sample_shape)`` has shape
``sample_shape + batch_shape + event_shape``, and ``log_prob(value)`` has value's shape
minus the event dims (broadcast against the batch).

Sampling: ``rsample`` (where ``has_rsample``) is reparameterised, value = f(params, noise)
with the noise drawn from the package generator (``ta.manual_seed`` reseeds it), so gradients
flow into the parameters; ``sample`` is the same draw with no graph. NOTE: the noise streams
are numpy's, not torch's: the same seed gives other numbers than torch does.

Validation (on by default, as torch; ``Distribution.set_default_validate_args(False)`` or
``validate_args=False`` turns it off): each parameter is checked against
``arg_constraints`` when the distribution is built, and every value given to ``log_prob`` /
``cdf`` / ``icdf`` against the shapes and the ``support``; a failure is torch's ValueError.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor, generator
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def show(value: Any) -> str:
    """How torch's messages print a parameter: a 0-d Tensor as its number."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return str(value.item())
    return str(value)


def size_of(sample_shape: Any) -> tuple:
    """A sample_shape (tuple, list, int or Size) as a tuple of ints."""
    if isinstance(sample_shape, (int, np.integer)):
        return (int(sample_shape),)
    return tuple(int(s) for s in sample_shape)


class Distribution:
    """The abstract base of probability distributions (torch.distributions.Distribution).

    Args:
        batch_shape: the shape over which parameters are batched.
        event_shape: the shape of one sample (without batching).
        validate_args: check parameters and values (default: the class setting, True).
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for every distribution made afterwards."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got "
                             f"{value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = (), event_shape: Any = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = size_of(batch_shape)
        self._event_shape = size_of(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._validate_parameters()

    def _validate_parameters(self) -> None:
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(f"{type(self)} does not define `arg_constraints`. Please set "
                          "`arg_constraints = {}` or initialize the distribution with "
                          "`validate_args=False` to turn off validation.", stacklevel=3)
        for param, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue  # NOTE: cannot be checked (it depends on other parameters)
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                         lazy_property):
                continue  # NOTE: a lazily computed parameter (probs from logits) is skipped
            value = getattr(self, param)
            if not bool(constraint.check(value).numpy().all()):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {constraint!r}, but found invalid values:\n{show(value)}")

    # --- shapes ------------------------------------------------------------------------------

    @property
    def batch_shape(self) -> tuple:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple:
        """sample_shape + batch_shape + event_shape."""
        return size_of(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A new distribution with its batch dims expanded to ``batch_shape`` (the
        parameters are expanded views: no copy, no new validation)."""
        raise NotImplementedError

    def _get_checked_instance(self, cls: type, _instance: Any = None) -> Any:
        if _instance is None and type(self).__init__ is not cls.__init__:  # type: ignore[misc]
            raise NotImplementedError(f"Subclass {type(self).__name__} of {cls.__name__} that "
                                      "defines a custom __init__ method must also define a "
                                      "custom .expand() method.")
        return type(self).__new__(type(self)) if _instance is None else _instance

    def _expanded(self, new: Distribution, batch_shape: tuple,
                  event_shape: tuple | None = None) -> Distribution:
        """Finish an ``expand``: the shapes and validation flag, without revalidating."""
        Distribution.__init__(new, batch_shape, self._event_shape if event_shape is None
                              else event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    # --- what subclasses define --------------------------------------------------------------

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """Each parameter's name and the constraint it must satisfy."""
        raise NotImplementedError

    @property
    def support(self) -> Any:
        """The constraint the samples satisfy."""
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        """sqrt(variance)."""
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A sample of shape sample_shape + batch_shape + event_shape, with no graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised sample (differentiable in the parameters)."""
        raise NotImplementedError(f"{type(self).__name__} does not support rsample "
                                  f"(has_rsample is False)")

    def sample_n(self, n: int) -> Tensor:
        """n samples (deprecated in torch: use sample((n,)))."""
        warnings.warn("`sample_n(n)` will be deprecated. Use `sample((n,))` instead.",
                      FutureWarning, stacklevel=2)
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at value."""
        raise NotImplementedError

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at value."""
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of the cumulative distribution function at value."""
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete distribution, along dim 0: shape (cardinality,) +
        batch_shape + event_shape (ones for the batch dims if not ``expand``)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy, batched over batch_shape."""
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        """exp(entropy)."""
        return self.entropy().exp()

    # --- helpers for subclasses ----------------------------------------------------------------

    def _rng(self) -> np.random.Generator:
        return generator()

    def _validate_sample(self, value: Any) -> None:
        """Check value's shape against batch_shape + event_shape and its entries against
        the support; raise torch's ValueError if they do not fit."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = tuple(value.shape)
        n_event = len(self._event_shape)
        if shape[len(shape) - n_event:] != self._event_shape or len(shape) < n_event:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} "
                             f"vs {self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{shape} vs {expected}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{type(self)} does not define `support` to enable sample "
                          "validation. Please initialize the distribution with "
                          "`validate_args=False` to turn off validation.", stacklevel=3)
            return
        if not bool(support.check(value).numpy().all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {shape}) to be "
                f"within the support ({support!r}) of the distribution {self!r}, but found "
                f"invalid values:\n{show(value)}")

    def _checked(self, value: Any) -> Any:
        """value, after _validate_sample when validation is on."""
        if self._validate_args:
            self._validate_sample(value)
        return value

    def __repr__(self) -> str:
        try:
            names = [k for k in self.arg_constraints if k in self.__dict__]
        except NotImplementedError:
            names = []
        parts = []
        for name in names:
            v = self.__dict__[name]
            parts.append(f"{name}: {show(v) if v.numel() == 1 else tuple(v.shape)}")
        return f"{type(self).__name__}({', '.join(parts)})"
