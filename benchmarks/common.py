"""Timing helpers shared by the benchmarks: alternating runs in one process, medians."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def alternate(contenders: Mapping[str, Callable[[], object]], rounds: int, number: int = 1,
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
        from threadpoolctl import threadpool_info  # type: ignore[import-untyped]
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
    nothing without a path. Times are seconds. A row says how it was measured: ``bench``,
    ``label``, ``unit``, the contenders' medians (``numpy``, ``ours``, ``compiled``,
    ``torch``), ``compiled_eager`` (why the compiled step ran eagerly), ``rounds``,
    ``quick`` (a smoke run) and ``threads`` (added here from OPENBLAS_NUM_THREADS)."""
    if path:
        row.setdefault("threads", os.environ.get("OPENBLAS_NUM_THREADS", "default"))
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")


def try_compile(ta: Any, fn: Callable) -> Callable | None:
    """``ta.compile(fn)`` when the step compiler exists (tinygrad_acts/compiler.py), else
    None, so the benchmarks have a compiled column only where there is one."""
    compile_step = getattr(ta, "compile", None)
    return None if compile_step is None else compile_step(fn)


def compile_fallback(step: Any) -> str | None:
    """Why a compiled step (``try_compile``'s) did not run as a replay, or None when every
    call after its two recordings replayed. A step the recorder cannot follow runs eagerly
    (``step.eager_reasons()`` says why): its time is then the eager one, and the benchmarks
    report the reason instead of a "compiled" number."""
    reasons = step.eager_reasons()
    if reasons:
        return "; ".join(dict.fromkeys(reasons))
    if step.stats()["replays"] == 0:
        return "it never replayed (only recordings ran)"
    return None


def settle_compiled(med: dict[str, float], step: Any) -> dict[str, Any]:
    """Take the compiled contender's time out of ``med`` and return its row fields: ``{}``
    without one, ``{"compiled": seconds}`` when it replayed, else ``{"compiled_eager":
    reason}`` and no time (the time it took is the eager step's, never shown as a
    compiled one)."""
    seconds = med.pop("compiled", None)
    if step is None or seconds is None:
        return {}
    reason = compile_fallback(step)
    return {"compiled": seconds} if reason is None else {"compiled_eager": reason}


def check_same_weights(script: str, eager: Any, compiled: Any, fields: dict[str, Any]) -> None:
    """Exit naming ``script`` unless a model trained by the compiled step ended with the
    eager twin's weights, bit for bit (both took the same steps on the same data from the
    same weights; only for steps without random draws). Nothing to check when the compiled
    step ran eagerly or is absent."""
    if "compiled" not in fields:
        return
    if not all(np.array_equal(p.numpy(), q.numpy())
               for p, q in zip(eager.parameters(), compiled.parameters(), strict=True)):
        raise SystemExit(f"{script}: the compiled step's weights differ from the eager "
                         "step's after the same steps")


def compiled_cells(fields: dict[str, Any], base: float | None, scale: float = 1e3,
                   width: int = 10, digits: int = 2) -> str:
    """The compiled step's two printed columns (time, ratio to ``base``): the figures,
    ``eager`` when it fell back (the reason follows the table), or dashes without one."""
    if "compiled" in fields:
        ratio = f"{fields['compiled'] / base:>9.3f}" if base else f"{'-':>9}"
        return f"{fields['compiled'] * scale:>{width}.{digits}f}{ratio}"
    if "compiled_eager" in fields:
        return f"{'eager':>{width}}{'-':>9}"
    return f"{'-':>{width}}{'-':>9}"


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
