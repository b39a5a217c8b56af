"""Spectral normalization, torch's older hook-based form (``nn.utils.spectral_norm``,
Miyato et al., 2018): weight = weight_orig / sigma, sigma the largest singular value of the
weight seen as a matrix (dim ``dim`` first, the rest flattened), estimated by power
iteration on the buffers ``weight_u`` and ``weight_v``: in training mode each call runs
``n_power_iterations`` steps v <- normalize(W^T u), u <- normalize(W v) (no gradient, in
place), then sigma = u . W v with u, v held constant, so the gradient flows through W only.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor, generator
from ..module import Module, Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _normalize(a: np.ndarray, eps: float) -> np.ndarray:
    """a / max(||a||, eps) (F.normalize of a vector), in a's dtype."""
    return (a / max(np.linalg.norm(a), eps)).astype(a.dtype)


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: sets ``module.<name>`` to
    ``<name>_orig / sigma`` before each call (power iteration first, when training)."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """The weight as a (size along dim, everything else) matrix."""
        w = weight
        if self.dim != 0:
            w = w.permute(self.dim, *(d for d in range(w.ndim) if d != self.dim))
        return w.reshape(w.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u: Tensor = getattr(module, self.name + "_u")
        v: Tensor = getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            m = mat._array
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v._array[...] = _normalize(m.T @ u._array, self.eps)
                    u._array[...] = _normalize(m @ v._array, self.eps)
                u.bump_version()
                v.bump_version()
            u, v = u.clone(), v.clone()
        sigma = u.dot(mat.mv(v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        h, w = fn.reshape_weight_to_matrix(weight).shape
        dtype = weight.dtype
        u = _normalize(generator().standard_normal(h).astype(dtype), eps)
        v = _normalize(generator().standard_normal(w).astype(dtype), eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", Tensor._wrap(u))
        module.register_buffer(name + "_v", Tensor._wrap(v))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm sigma before each call: the parameter
    becomes ``<name>_orig``, with buffers ``<name>_u`` (size of dim) and ``<name>_v`` (the
    rest) for the power iteration, run ``n_power_iterations`` times per call in training
    mode only (eval reuses u and v).

    Args:
        module: the module. name: the parameter's name (default "weight").
        n_power_iterations: steps per call (default 1, > 0). eps: the normalizing floor.
        dim: the output dim (default 0; 1 for the ConvTranspose layers).

    Returns:
        The module.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.utils.spectral_norm(ta.nn.Linear(3, 2))
        >>> list(m.state_dict())
        ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    if dim is None:
        from ..conv import ConvTranspose1d  # (2d and 3d are its subclasses)

        dim = 1 if isinstance(module, ConvTranspose1d) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``spectral_norm``: ``<name>`` is a Parameter again, holding
    ``<name>_orig / sigma`` (sigma from the current u and v).

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.utils.spectral_norm(ta.nn.Linear(3, 2))
        >>> list(ta.nn.utils.remove_spectral_norm(m).state_dict())
        ['bias', 'weight']
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
