"""``ta.cuda``: torch.cuda as it behaves on a PyTorch built without CUDA.

Tutorials guard every GPU line with ``ta.cuda.is_available()`` (False here) and seed the
GPU unconditionally (``ta.cuda.manual_seed_all(seed)``), so each function does what torch's
does on a CPU-only build: the seeding calls and ``empty_cache`` do nothing, the memory
counters are 0, and what needs a GPU (``synchronize``, ``current_device``,
``get_device_name``, ...) raises torch's ``AssertionError("Torch not compiled with CUDA
enabled")``.

``ta.cuda.amp.GradScaler`` / ``ta.cuda.amp.autocast`` are ``ta.amp``'s, with torch's
FutureWarning (their torch 2.4+ spelling is ``ta.amp.GradScaler("cuda", ...)``).

Example:
    >>> import tinygrad_acts as ta
    >>> ta.cuda.is_available(), ta.cuda.device_count(), ta.cuda.manual_seed_all(0)
    (False, 0, None)
    >>> device = ta.device("cuda" if ta.cuda.is_available() else "cpu")
    >>> ta.ones(2, device=device).sum().item()
    2.0
"""
from __future__ import annotations

import types
import warnings
from collections import OrderedDict
from typing import Any

from . import amp as _amp

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "initial_seed", "empty_cache", "synchronize", "current_device",
           "get_device_name", "get_device_capability", "get_device_properties", "init",
           "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "memory_stats", "get_rng_state", "get_rng_state_all",
           "set_rng_state", "set_rng_state_all", "is_bf16_supported", "get_arch_list", "amp"]

_NO_CUDA = "Torch not compiled with CUDA enabled (tinygrad_acts runs on numpy, on the CPU)"


def _no_cuda(*args: Any, **kwargs: Any) -> Any:
    """What torch does when a CUDA device is needed and there is none."""
    raise AssertionError(_NO_CUDA)


def is_available() -> bool:
    """False: there is no GPU here."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialised."""
    return False


def manual_seed(seed: int) -> None:
    """Seed the current GPU: nothing to seed here (torch queues it until CUDA starts, which
    on a CPU build is never). ``seed`` must still convert to an int, as torch's."""
    int(seed)


def manual_seed_all(seed: int) -> None:
    """Seed every GPU: as ``manual_seed``, a no-op here."""
    int(seed)


def seed() -> None:
    """Seed the current GPU from entropy: a no-op here (torch returns None too)."""


def seed_all() -> None:
    """Seed every GPU from entropy: a no-op here."""


def empty_cache() -> None:
    """Release the GPU memory cache: there is none, nothing happens (as in torch)."""


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by tensors: 0."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """The peak of ``memory_allocated``: 0."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """Bytes the caching allocator holds: 0."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """The peak of ``memory_reserved``: 0."""
    return 0


def memory_stats(device: Any = None) -> OrderedDict:
    """The allocator's statistics: none (an empty OrderedDict, as torch's)."""
    return OrderedDict()


def get_rng_state_all() -> list:
    """The states of every GPU's generator: an empty list (no GPUs)."""
    return []


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    """Restore a GPU's generator: queued until CUDA starts in torch, so a no-op here."""


def set_rng_state_all(new_states: Any) -> None:
    """Restore every GPU's generator: there are none, nothing happens."""


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: no GPU, no bfloat16."""
    return False


def get_arch_list() -> list[str]:
    """The CUDA architectures this build supports: none."""
    return []


# torch raises on these without CUDA; so do they here
synchronize = current_device = get_device_name = get_device_capability = _no_cuda
get_device_properties = init = initial_seed = get_rng_state = _no_cuda


def _warn_deprecated(name: str) -> None:
    warnings.warn(f"`torch.cuda.amp.{name}(args...)` is deprecated. Please use "
                  f"`torch.amp.{name}('cuda', args...)` instead.", FutureWarning, stacklevel=3)


def _grad_scaler(init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> _amp.GradScaler:
    """torch.cuda.amp.GradScaler: ``ta.amp.GradScaler("cuda", ...)`` (disabled, with a
    warning, when enabled: there is no CUDA)."""
    _warn_deprecated("GradScaler")
    return _amp.GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                           enabled)


def _autocast(enabled: bool = True, dtype: Any = "float16",
              cache_enabled: bool = True) -> _amp.autocast:
    """torch.cuda.amp.autocast: ``ta.amp.autocast("cuda", dtype, enabled)``, a
    pass-through here (disabled with a warning when enabled: there is no CUDA)."""
    _warn_deprecated("autocast")
    return _amp.autocast("cuda", dtype, enabled, cache_enabled)


#: torch.cuda.amp: GradScaler and autocast for "cuda", under their deprecated names
amp = types.SimpleNamespace(GradScaler=_grad_scaler, autocast=_autocast)
