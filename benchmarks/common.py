"""Timing helpers shared by the benchmarks: alternating runs in one process, medians."""
from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable


def alternate(contenders: dict[str, Callable[[], None]], rounds: int, number: int = 1,
              warmup: int = 1) -> dict[str, float]:
    """Median seconds per call of each contender, measured in alternating rounds so that
    a slow moment of the machine hits every contender alike."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(ts) for name, ts in times.items()}


def machine() -> str:
    """One line naming the machine and the BLAS threads, for the tables."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    cpu = platform.processor() or platform.machine()
    return (f"{platform.python_implementation()} {platform.python_version()}, {cpu}, "
            f"{os.cpu_count()} cores, OPENBLAS_NUM_THREADS={threads}")


def try_torch():
    """torch if installed (the optional reference), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch
