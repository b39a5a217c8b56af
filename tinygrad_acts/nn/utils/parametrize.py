"""Parametrizations, as ``torch.nn.utils.parametrize``: ``module.weight`` computed on every
read as f(original) by a small module f, the learned tensor kept as
``module.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when f's
``right_inverse`` returns several tensors).

How it works, as torch: the module's class is swapped for a subclass
``Parametrized<Name>`` that has a property for each parametrized name; the getter runs the
chain of parametrizations (cached inside ``with cached():``), the setter runs their
``right_inverse`` backwards and writes the result into the originals.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from ...autograd import no_grad
from ...tensor import Tensor
from ..layers import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
           "ParametrizationList", "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Inside this block each parametrized tensor is computed once, at its first read (for
    a recurrent net, or several reads of one weight in a forward pass).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.nn.utils import parametrize
        >>> with parametrize.cached():
        ...     pass
    """
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register_parameter_or_buffer(module: Module, name: str, x: Tensor) -> None:
    if isinstance(x, Parameter):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _set(dest: Tensor, value: Tensor) -> None:
    """torch's ``dest.set_(value)``: dest (the same object) takes value's data."""
    dest.data = value
    dest.bump_version()


def _check_like(what: str, new: Any, original: Tensor) -> None:
    if not isinstance(new, Tensor):
        raise ValueError(f"{what} must return a tensor. Got {type(new).__name__}.")
    if new.dtype != original.dtype:
        raise ValueError(f"{what} may not change the dtype of the tensor, unless `unsafe` "
                         f"flag is enabled.\nunparametrized dtype: {original.dtype}\n"
                         f"parametrized dtype: {new.dtype}")
    if new.shape != original.shape:
        raise ValueError(f"{what} may not change the shape of the tensor, unless `unsafe` "
                         f"flag is enabled.\nunparametrized shape: {original.shape}\n"
                         f"parametrized shape: {new.shape}")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order to the originals, which it
    holds as ``original`` (or ``original0``, ``original1``, ...).

    Args:
        modules: the parametrizations (at least one).
        original: the tensor being parametrized (a Parameter or a buffer).
        unsafe: skip the checks that the result keeps the original's shape and dtype.
    """

    original: Tensor  # (or original0, original1, ...: registered as parameters or buffers)

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        new: Any = original
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    with suppress(NotImplementedError):
                        new = module.right_inverse(new)
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if isinstance(new, Tensor):
            if original.dtype != new.dtype:
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change "
                                 f"the dtype.\noriginal.dtype: {original.dtype}\n"
                                 f"right_inverse(original).dtype: {new.dtype}")
            with no_grad():
                _set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of the "
                                     f"sequence with type {type(part).__name__}.")
                if isinstance(original, Parameter):
                    part = Parameter(part, original.requires_grad)
                part.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", part)
        if not self.unsafe:
            _check_like("A parametrization", self(), original)

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the chain gives ``value`` (each parametrization's
        right_inverse, last first)."""
        new: Any = value
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       f"implement right_inverse.")
                new = module.right_inverse(new)
            if self.is_tensor:
                if not self.unsafe:
                    _check_like("right_inverse", new, self.original)
                _set(self.original, new)
            else:
                if not isinstance(new, Sequence) or len(new) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of "
                                     f"{self.ntensors} tensors, got {type(new).__name__}")
                for i, part in enumerate(new):
                    _set(getattr(self, f"original{i}"), part)

    def __repr__(self) -> str:
        return type(self).__name__ + super().__repr__().removeprefix("ModuleList")

    def forward(self) -> Tensor:
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in mods[1:]:
            x = module(x)
        return x


def _lists(module: Module) -> Any:
    """``module.parametrizations``: the ModuleDict of a parametrized module."""
    return getattr(module, "parametrizations")  # noqa: B009 (set on the instance at run time)


def _refuse_pickle(self: Module) -> None:
    raise RuntimeError("Serialization of parametrized modules is only supported through "
                       "state_dict(). See:\nhttps://pytorch.org/tutorials/beginner/"
                       "saving_loading_models.html#saving-loading-a-general-checkpoint-for-"
                       "inference-and-or-resuming-training")


def _deepcopy(self: Module, memo: dict) -> Module:
    """copy.deepcopy without pickling's __getstate__ (which a parametrized module refuses)."""
    if id(self) in memo:
        return memo[id(self)]
    replica = self.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    return replica


def _inject_new_class(module: Module) -> None:
    """Swap the module's class for a subclass ``Parametrized<Name>`` (to hold the
    properties); it refuses pickling, as torch's (save the state_dict instead)."""
    cls = module.__class__
    namespace: dict[str, Any] = {"__getstate__": _refuse_pickle}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = _deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self: Module) -> Tensor:
        parametrization = _lists(self)[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self: Module, value: Tensor) -> None:
        _lists(self)[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.utils.parametrize.is_parametrized(ta.nn.Linear(2, 2))
        False
    """
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    """The module's class as it was before any parametrization."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original)`` on every read; a
    second call on the same name chains another parametrization after the first.

    The original is kept under ``_lists(module)[tensor_name].original`` (the same
    Parameter object, its value set to ``parametrization.right_inverse(original)`` when the
    parametrization has one); a right_inverse returning a tuple gives ``original0``,
    ``original1``, ... Assigning ``module.<tensor_name> = x`` runs right_inverse.

    Args:
        module: the module. tensor_name: a parameter or buffer of it (or an already
            parametrized name). parametrization: a Module whose forward maps the
            original(s) to the tensor (optionally with ``right_inverse``).
        unsafe: allow a parametrization that changes the shape or dtype.

    Returns:
        The module.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.nn.utils import parametrize
        >>> class Symmetric(ta.nn.Module):
        ...     def forward(self, x):
        ...         return x.triu() + x.triu(1).T
        >>> m = parametrize.register_parametrization(ta.nn.Linear(3, 3), "weight", Symmetric())
        >>> bool((m.weight == m.weight.T).all()), type(m).__name__
        (True, 'ParametrizedLinear')
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            _check_like("A parametrization", x, y)
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    _check_like("parametrization.right_inverse", z, y)
        plist = _lists(module)[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        _lists(module)[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo the parametrizations of ``tensor_name``: it becomes a plain parameter (or
    buffer) again, holding the parametrized value (``leave_parametrized``) or the original.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.utils.parametrizations.weight_norm(ta.nn.Linear(2, 2))
        >>> m = ta.nn.utils.parametrize.remove_parametrizations(m, "weight")
        >>> type(m).__name__, list(m.state_dict())
        ('Linear', ['bias', 'weight'])
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = _lists(module)[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _set(original, getattr(module, tensor_name))
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        t = getattr(module, tensor_name)
        original = Parameter(t) if t.requires_grad else t.detach()
    delattr(module.__class__, tensor_name)
    del _lists(module)[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module
