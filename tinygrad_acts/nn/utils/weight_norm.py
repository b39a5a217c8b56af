"""Weight normalization, torch's older hook-based form (``nn.utils.weight_norm``): the
parameter ``weight`` is replaced by a magnitude ``weight_g`` and a direction ``weight_v``,
and a forward pre-hook recomputes weight = g v / ||v|| before every call (Salimans and
Kingma, 2016). ``nn.utils.parametrizations.weight_norm`` is the newer form of the same.
"""
from __future__ import annotations

import warnings
from typing import Any

from ...linalg import vector_norm
from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The p-norm of v over every dim but ``dim`` (kept, size 1 elsewhere, so it
    broadcasts against v); ``dim=-1`` is the norm of all of v, a 0-d tensor (torch's
    convention here, not the last dim).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.nn.utils.weight_norm import norm_except_dim
        >>> norm_except_dim(ta.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([[5.],
                [1.]])
    """
    if dim == -1:
        return vector_norm(v, pow)
    d = dim % v.ndim
    return vector_norm(v, pow, tuple(i for i in range(v.ndim) if i != d), keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """w = v (g / ||v||), the norm over every dim but ``dim`` (all of v for dim = -1)."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: sets ``module.<name>`` from ``<name>_g`` and
    ``<name>_v`` before each call."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                            self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, -1 if dim is None else dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim)
                                                         .detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as w = g v / ||v||: new parameters ``<name>_g``
    (the norms, ||w|| over every dim but ``dim``) and ``<name>_v`` (w itself at first);
    a forward pre-hook recomputes w before each call, so the optimizer trains g and v.
    Deprecated in torch (a FutureWarning) for ``parametrizations.weight_norm``.

    Args:
        module: the module. name: the parameter's name (default "weight").
        dim: the dim whose slices get one magnitude each (default 0: one per output);
            None (or -1) normalizes the whole tensor with one scalar g.

    Returns:
        The module.

    Example:
        >>> import tinygrad_acts as ta
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     m = ta.nn.utils.weight_norm(ta.nn.Linear(3, 2))
        >>> list(m.state_dict()), m.weight_g.shape
        (['bias', 'weight_g', 'weight_v'], torch.Size([2, 1]))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``weight_norm``: ``<name>`` is a Parameter again, holding g v / ||v||.

    Example:
        >>> import tinygrad_acts as ta
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     m = ta.nn.utils.weight_norm(ta.nn.Linear(3, 2))
        >>> list(ta.nn.utils.remove_weight_norm(m).state_dict())
        ['bias', 'weight']
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
