"""``ta.accelerator``: torch.accelerator (torch 2.6+) on a machine with no accelerator.

The official quickstart picks its device with
``ta.accelerator.current_accelerator().type if ta.accelerator.is_available() else "cpu"``:
here ``is_available()`` is False and ``current_accelerator()`` None, so it picks "cpu".
The calls that need an accelerator raise torch's RuntimeError.

Example:
    >>> import tinygrad_acts as ta
    >>> ta.accelerator.current_accelerator().type if ta.accelerator.is_available() else "cpu"
    'cpu'
"""
from __future__ import annotations

from typing import Any

from .devices import device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "memory_stats",
           "reset_peak_memory_stats", "get_memory_info", "get_device_capability",
           "empty_host_cache"]


def is_available() -> bool:
    """False: there is no accelerator (GPU, MPS, XPU, ...) here."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type, or None: always None here."""
    return None


def device_count() -> int:
    """0 accelerators."""
    return 0


def _none(*args: Any, **kwargs: Any) -> Any:
    """torch's error for a call that needs an accelerator."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


current_device_index = set_device_index = synchronize = empty_cache = _none
memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _none
memory_stats = reset_peak_memory_stats = get_memory_info = _none
get_device_capability = empty_host_cache = _none
