"""Timing helpers shared by the benchmarks: alternating runs in one process, medians."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable


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


def ratio_row(label: str, med: dict[str, float], scale: float, width: int = 18) -> str:
    """One table row: numpy and ours (times ``scale``), ours/numpy, and torch when present."""
    line = (f"{label:<{width}}{med['numpy'] * scale:>10.2f}{med['ours'] * scale:>10.2f}"
            f"{med['ours'] / med['numpy']:>9.3f}")
    if "torch" in med:
        line += f"{med['torch'] * scale:>10.2f}{med['torch'] / med['ours']:>11.2f}"
    return line


def torch_epoch(torch, model, opt, x_all, y_all, batch: int):
    """One SGD epoch of a torch model over numpy data, as a PyTorch user writes it."""
    xs, ys = torch.from_numpy(x_all), torch.from_numpy(y_all)

    def run():
        for i in range(0, len(x_all), batch):
            loss = torch.nn.functional.cross_entropy(model(xs[i:i + batch]), ys[i:i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return run


def run_in_thread_settings(script: str, threads: str, child_args: list[str]) -> None:
    """Run ``script --child *child_args`` once per BLAS thread setting ("1", "default" or
    "both"), each in a fresh process with OPENBLAS/OMP_NUM_THREADS set (a library reads
    them once, at import); exit with the first child's failure."""
    for setting in ["1", "default"] if threads == "both" else [threads]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        if setting != "default":
            env.update(OPENBLAS_NUM_THREADS=setting, OMP_NUM_THREADS=setting)
        done = subprocess.run([sys.executable, script, "--child", *child_args], env=env)
        if done.returncode:
            sys.exit(done.returncode)
