"""Timing helpers shared by the benchmarks: alternating runs in one process, medians."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def alternate(contenders: dict[str, Callable[[], None]], rounds: int, number: int = 1,
              warmup: int = 1, clock: Callable[[], float] | None = None) -> dict[str, float]:
    """Median seconds per call of each contender, measured in alternating rounds so that
    a slow moment of the machine hits every contender alike. ``clock`` defaults to
    ``bench_clock()``."""
    clock = clock or bench_clock()
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = clock()
            for _ in range(number):
                fn()
            times[name].append((clock() - start) / number)
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench_clock() -> Callable[[], float]:
    """The clock to time with: this thread's CPU time when all the work runs on it (BLAS
    on one thread: ``OPENBLAS_NUM_THREADS=1``), else wall time. NOTE: on a shared machine
    wall time also counts the moments another process had the core (this project's 2-core
    machine, shared with other jobs, has shown 2-4x swings); CPU time does not, so the
    single-thread ratios are the steady ones."""
    return time.thread_time if os.environ.get("OPENBLAS_NUM_THREADS") == "1" else \
        time.perf_counter


def clock_name() -> str:
    return "thread CPU time" if bench_clock() is time.thread_time else "wall time"


def machine() -> str:
    """One line naming the machine and the BLAS threads, for the tables."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    cpu = platform.processor() or platform.machine()
    return (f"{platform.python_implementation()} {platform.python_version()}, {cpu}, "
            f"{os.cpu_count()} cores, OPENBLAS_NUM_THREADS={threads}")


def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo (Linux), else the platform's word for it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_name() -> str:
    """The BLAS numpy runs on, with its version and the kernel it picked (threadpoolctl,
    when installed), e.g. ``OpenBLAS 0.3.31 (Haswell kernels)``."""
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                name = {"openblas": "OpenBLAS", "mkl": "MKL"}.get(lib["internal_api"],
                                                                  lib["internal_api"])
                arch = f" ({lib['architecture']} kernels)" if lib.get("architecture") else ""
                return f"{name} {lib.get('version') or ''}".strip() + arch
    except ImportError:
        pass
    import numpy as np
    info = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return f"{info.get('name', 'unknown BLAS')} {info.get('version', '')}".strip()


def emit(path: str | None, **row: Any) -> None:
    """Append one result row (JSON, one object a line) to ``path`` for benchmarks/report.py;
    nothing without a path. Times are seconds."""
    if path:
        row.setdefault("threads", os.environ.get("OPENBLAS_NUM_THREADS", "default"))
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")


def try_compile(ta: Any, fn: Callable) -> Callable | None:
    """``ta.compile(fn)`` when the step compiler exists (tinygrad_acts/compiler.py), else
    None, so the benchmarks have a compiled column only where there is one."""
    compile_step = getattr(ta, "compile", None)
    return None if compile_step is None else compile_step(fn)


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
