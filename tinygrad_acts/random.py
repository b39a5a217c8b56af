"""``torch.random``'s place: seeding and saving the package generator.

One generator (numpy's PCG64, ``ta.generator()``) draws every random number the package
makes: ``randn``, ``rand``, Dropout's masks, the layers' initial weights. These functions
seed it, read its seed, and save or restore its state, with torch's names; the same names
are at the top level (``ta.manual_seed``, ``ta.seed``, ``ta.initial_seed``).

Example:
    >>> import tinygrad_acts as ta
    >>> _ = ta.random.manual_seed(7)
    >>> ta.random.initial_seed()
    7
    >>> with ta.random.fork_rng():
    ...     inside = ta.rand(2)
    >>> bool((ta.rand(2) == inside).all())  # the draw inside did not advance the stream
    True
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .runtime import get_rng_state, set_rng_state
from .tensor import Tensor, generator
from .tensor import manual_seed as _reseed

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "fork_rng"]

_seeded: list[int] = []  # the last seed given to manual_seed, once there has been one


def manual_seed(seed: Any) -> np.random.Generator:
    """Seed the package generator (``ta.manual_seed``); returns it. As torch's, the seed is
    ``int(seed)``, in [-2**63, 2**64); a negative seed counts from 2**64."""
    value = _as_seed(seed)
    _seeded[:] = [value]
    return _reseed(value)


def seed() -> int:
    """Seed the generator with a fresh non-deterministic 64-bit number, and return it."""
    value = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed the generator was last seeded with (``manual_seed`` or ``seed``); before
    any, the seed numpy drew from the OS for it at import."""
    if _seeded:
        return _seeded[0]
    return int(generator().bit_generator.seed_seq.entropy)  # type: ignore[attr-defined]


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """Run the block with the generator's state saved and restored on exit, so draws inside
    do not change the stream outside (torch's ``fork_rng``; there are no CUDA devices, so
    ``devices`` and ``device_type`` change nothing)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _as_seed(seed: Any) -> int:
    """torch's rule: ``int(seed)`` (so 1.5 seeds 1 and "3" seeds 3), within 64 bits."""
    value = int(seed.item() if isinstance(seed, Tensor) else seed)
    if not -2**63 <= value < 2**64:
        raise ValueError(f"manual_seed: the seed {value} overflows 64 bits (it must be in "
                         "[-2**63, 2**64))")
    return value + 2**64 if value < 0 else value
