"""Constraints: the sets a distribution's parameters and samples live in (torch's
``torch.distributions.constraints``).

A constraint's ``check(value)`` returns a bool Tensor, one entry per event: ``event_dim`` is
how many rightmost dims make one event (1 for a simplex or a vector, 2 for a matrix), and
those dims are reduced away. ``is_discrete`` marks integer-valued sets. The distributions use
them when ``validate_args`` is on: each parameter is checked against ``arg_constraints``, and
every value given to ``log_prob`` / ``cdf`` against ``support``.

Example:
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts.distributions import constraints
    >>> constraints.positive.check(ta.tensor([1.0, -1.0]))
    tensor([ True, False])
    >>> constraints.simplex.check(ta.tensor([0.25, 0.75]))
    tensor(True)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "Constraint", "MixtureSameFamilyConstraint", "boolean", "cat", "dependent",
    "dependent_property", "greater_than", "greater_than_eq", "half_open_interval",
    "independent", "integer_interval", "interval", "is_dependent", "less_than",
    "lower_cholesky", "lower_triangular", "multinomial", "nonnegative",
    "nonnegative_integer", "one_hot", "positive", "positive_definite", "positive_integer",
    "positive_semidefinite", "real", "real_vector", "simplex", "square", "stack", "symmetric",
    "unit_interval",
]


def _array(value: Any) -> np.ndarray:
    return value._array if isinstance(value, Tensor) else np.asarray(value)


def _bool_tensor(arr: Any) -> Tensor:
    return Tensor._wrap(np.asarray(arr, dtype=np.bool_))


def _shown(value: Any) -> Any:
    """A bound as torch prints it: a 0-d Tensor as its number."""
    return value.item() if isinstance(value, Tensor) and value.ndim == 0 else value


def _all_last(arr: np.ndarray, n: int) -> np.ndarray:
    """arr reduced with ``all`` over its n rightmost dims."""
    return np.asarray(arr.all(axis=tuple(range(-n, 0)))) if n else arr


class Constraint:
    """A set of valid values: ``check(value)`` is a bool Tensor, True where value is inside.

    Attributes:
        is_discrete: whether the set is integer-valued.
        event_dim: the number of rightmost dims that together form one event.
    """

    is_discrete = False
    event_dim = 0

    def check(self, value: Any) -> Tensor:
        return _bool_tensor(self._check(_array(value)))

    def _check(self, value: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A placeholder for a constraint that depends on other parameters (Uniform's low and
    high): it cannot be checked, and validation skips it."""

    def __init__(self, *, is_discrete: Any = NotImplemented, event_dim: Any = NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete: Any = NotImplemented,
                 event_dim: Any = NotImplemented) -> _Dependent:
        if is_discrete is NotImplemented:
            is_discrete = self._is_discrete
        if event_dim is NotImplemented:
            event_dim = self._event_dim
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value: Any) -> Tensor:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: Any) -> bool:
    """Whether ``constraint`` is a dependent one (so validation must skip it)."""
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property whose class-level value is a dependent constraint (a distribution's
    ``support`` that depends on its parameters): ``Uniform.support`` is dependent,
    ``Uniform(0, 2).support`` is ``Interval(0, 2)``."""

    def __init__(self, fn: Callable | None = None, *, is_discrete: Any = NotImplemented,
                 event_dim: Any = NotImplemented):
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn: Callable) -> _DependentProperty:  # type: ignore[override]
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


def dependent_property(fn: Callable | None = None, *, is_discrete: Any = NotImplemented,
                       event_dim: Any = NotImplemented) -> Any:
    """Decorator: a property that is a dependent constraint on the class (torch's)."""
    if fn is None:
        return _DependentProperty(is_discrete=is_discrete, event_dim=event_dim)
    return _DependentProperty(fn, is_discrete=is_discrete, event_dim=event_dim)


class _IndependentConstraint(Constraint):
    """A base constraint with ``reinterpreted_batch_ndims`` more dims making one event."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"independent: expected a Constraint, got "
                            f"{type(base_constraint).__name__}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(f"independent: reinterpreted_batch_ndims must be an int >= 0, got "
                             f"{reinterpreted_batch_ndims!r}")
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def _check(self, value: np.ndarray) -> np.ndarray:
        result = self.base_constraint._check(value)
        n = self.reinterpreted_batch_ndims
        if result.ndim < n:
            raise ValueError(f"Expected value.dim() >= {n + self.base_constraint.event_dim} "
                             f"but got {value.ndim}")
        return _all_last(result, n)

    def __repr__(self) -> str:
        return (f"IndependentConstraint({self.base_constraint!r}, "
                f"{self.reinterpreted_batch_ndims})")


# --- real intervals ---------------------------------------------------------------------------


class _Real(Constraint):
    """The extended real line (-inf, inf): everything but NaN."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        return value == value  # NOTE: False only for NaN


class _Bound(Constraint):
    """Shared by the one- and two-sided intervals: bounds are numbers or Tensors."""

    def _bounds(self) -> dict[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_shown(v)}" for k, v in self._bounds().items())
        return f"{type(self).__name__.lstrip('_')}({args})"


class _GreaterThan(_Bound):
    """(lower_bound, inf)."""

    def __init__(self, lower_bound: Any):
        self.lower_bound = lower_bound

    def _bounds(self) -> dict[str, Any]:
        return {"lower_bound": self.lower_bound}

    def _check(self, value: np.ndarray) -> np.ndarray:
        return _array(self.lower_bound) < value


class _GreaterThanEq(_GreaterThan):
    """[lower_bound, inf)."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        return _array(self.lower_bound) <= value


class _LessThan(_Bound):
    """(-inf, upper_bound)."""

    def __init__(self, upper_bound: Any):
        self.upper_bound = upper_bound

    def _bounds(self) -> dict[str, Any]:
        return {"upper_bound": self.upper_bound}

    def _check(self, value: np.ndarray) -> np.ndarray:
        return value < _array(self.upper_bound)


class _Interval(_Bound):
    """[lower_bound, upper_bound]."""

    def __init__(self, lower_bound: Any, upper_bound: Any):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def _bounds(self) -> dict[str, Any]:
        return {"lower_bound": self.lower_bound, "upper_bound": self.upper_bound}

    def _check(self, value: np.ndarray) -> np.ndarray:
        return (_array(self.lower_bound) <= value) & (value <= _array(self.upper_bound))


class _HalfOpenInterval(_Interval):
    """[lower_bound, upper_bound)."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        return (_array(self.lower_bound) <= value) & (value < _array(self.upper_bound))


# --- integers ---------------------------------------------------------------------------------


class _Boolean(Constraint):
    """{0, 1}."""

    is_discrete = True

    def _check(self, value: np.ndarray) -> np.ndarray:
        return (value == 0) | (value == 1)


class _IntegerInterval(_Interval):
    """{lower_bound, lower_bound + 1, ..., upper_bound}."""

    is_discrete = True

    def _check(self, value: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (value % 1 == 0) & super()._check(value)


class _IntegerGreaterThan(_GreaterThan):
    """{lower_bound, lower_bound + 1, ...}."""

    is_discrete = True

    def _check(self, value: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (value % 1 == 0) & (_array(self.lower_bound) <= value)


class _OneHot(Constraint):
    """One-hot vectors: 0/1 entries summing to 1."""

    is_discrete = True
    event_dim = 1

    def _check(self, value: np.ndarray) -> np.ndarray:
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _Multinomial(Constraint):
    """Count vectors: non-negative entries summing to at most ``upper_bound``.

    NOTE: torch checks sum <= upper_bound, not == (so does this), because Multinomial's
    log_prob accepts counts of any total."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: Any):
        self.upper_bound = upper_bound

    def _check(self, value: np.ndarray) -> np.ndarray:
        return (value >= 0).all(-1) & (value.sum(-1) <= _array(self.upper_bound))


# --- vectors and matrices ---------------------------------------------------------------------


class _Simplex(Constraint):
    """Non-negative vectors summing to 1 (to 1e-6)."""

    event_dim = 1

    def _check(self, value: np.ndarray) -> np.ndarray:
        return (value >= 0).all(-1) & (np.abs(value.sum(-1) - 1) < 1e-6)


class _Square(Constraint):
    """Square matrices."""

    event_dim = 2

    def _check(self, value: np.ndarray) -> np.ndarray:
        return np.full(value.shape[:-2], value.shape[-2] == value.shape[-1])


class _Symmetric(_Square):
    """Symmetric matrices (to an absolute 1e-6)."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        square = super()._check(value)
        if not square.all():
            return square
        close = np.isclose(value, np.swapaxes(value, -1, -2), atol=1e-6)
        return close.all(axis=(-2, -1))


class _PositiveSemidefinite(_Symmetric):
    """Symmetric matrices with eigenvalues >= 0."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        symmetric = super()._check(value)
        if not symmetric.all():
            return symmetric
        return np.asarray((np.linalg.eigvalsh(value) >= 0).all(-1))


class _PositiveDefinite(_Symmetric):
    """Symmetric matrices with eigenvalues > 0."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        symmetric = super()._check(value)
        if not symmetric.all():
            return symmetric
        return np.asarray((np.linalg.eigvalsh(value) > 0).all(-1))


class _LowerTriangular(Constraint):
    """Lower-triangular square matrices."""

    event_dim = 2

    def _check(self, value: np.ndarray) -> np.ndarray:
        return np.asarray((np.tril(value) == value).all(axis=(-2, -1)))


class _LowerCholesky(_LowerTriangular):
    """Lower-triangular matrices with a positive diagonal (Cholesky factors)."""

    def _check(self, value: np.ndarray) -> np.ndarray:
        diagonal = np.diagonal(value, axis1=-2, axis2=-1)
        return np.asarray(super()._check(value) & (diagonal > 0).all(-1))


# --- combining constraints ----------------------------------------------------------------------


class _Cat(Constraint):
    """Constraints applied to consecutive slices of ``dim``, of the given lengths."""

    def __init__(self, cseq: list, dim: int = 0, lengths: list | None = None):
        self.cseq = list(cseq)
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.cseq)
        if len(self.lengths) != len(self.cseq):
            raise ValueError(f"cat: {len(self.cseq)} constraints but {len(self.lengths)} "
                             f"lengths")
        self.dim = dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return max(c.event_dim for c in self.cseq)

    def _check(self, value: np.ndarray) -> np.ndarray:
        bounds = np.cumsum([0] + self.lengths)
        parts = [c._check(np.take(value, range(lo, hi), axis=self.dim))
                 for c, lo, hi in zip(self.cseq, bounds[:-1], bounds[1:])]
        return np.concatenate(parts, axis=self.dim)


class _Stack(Constraint):
    """Constraints applied to consecutive indices of ``dim``."""

    def __init__(self, cseq: list, dim: int = 0):
        self.cseq = list(cseq)
        self.dim = dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        dim = max(c.event_dim for c in self.cseq)
        return dim + 1 if self.dim + dim < 0 else dim

    def _check(self, value: np.ndarray) -> np.ndarray:
        parts = [c._check(np.take(value, i, axis=self.dim)) for i, c in enumerate(self.cseq)]
        return np.stack(parts, axis=self.dim)


class MixtureSameFamilyConstraint(Constraint):
    """A mixture's support: the component's ``base_constraint`` checked on the value with
    the component dim put back (value.unsqueeze(-1 - event_dim)), all over that dim."""

    def __init__(self, base_constraint: Constraint):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"MixtureSameFamilyConstraint: base_constraint must be a "
                            f"Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim

    def _check(self, value: np.ndarray) -> np.ndarray:
        n = self.event_dim
        if value.ndim < n:
            raise ValueError(f"Expected value.dim() >= {n} but got {value.ndim}")
        result = np.asarray(self.base_constraint._check(np.expand_dims(value, -1 - n)))
        keep = value.ndim - n
        return np.asarray(result.reshape(result.shape[:keep] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


# --- the public instances and factories (torch's names) ----------------------------------------

dependent = _Dependent()
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
multinomial = _Multinomial
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()
cat = _Cat
stack = _Stack
