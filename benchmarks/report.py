"""README's ``## Performance`` tables, generated from the benchmarks (never typed by hand).

Runs the benchmarks that write result rows (``--json``: one JSON object a line, made by
``common.emit``), or reads rows saved earlier, and prints the section's generated part as
markdown: the machine (CPU model, BLAS, numpy, Python, PyTorch), then one table of training
steps with the eager column, the step compiler's (when ``ta.compile`` exists) and PyTorch's
side by side, each as time and as a ratio to the hand-written numpy loop; the per-op
overheads; and the peak memory of a step.

    python benchmarks/report.py                    # run everything (~10 minutes), print
    python benchmarks/report.py --quick            # smoke-sized runs, same tables
    python benchmarks/report.py --save rows.jsonl  # ... and keep the rows
    python benchmarks/report.py --rows rows.jsonl  # only format rows saved before
    python benchmarks/report.py --write            # also replace README's generated block

``--write`` replaces what lies between ``<!-- generated: performance -->`` and
``<!-- end: performance -->`` in README.md (both markers must be there already).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import blas_name, cpu_model, try_torch

HERE = Path(__file__).parent
README = HERE.parent / "README.md"
BEGIN, END = "<!-- generated: performance -->", "<!-- end: performance -->"

# (script, arguments, OPENBLAS_NUM_THREADS or None for the library's default)
RUNS = [
    ("bench_ch9.py", [], "1"),
    ("bench_ch9.py", [], None),
    ("bench_mlp.py", ["--threads=1"], None),
    ("bench_mlp.py", ["--threads=default"], None),
    ("bench_ops.py", [], "1"),
    ("bench_memory.py", [], None),
]
COMMANDS = {"ch9": "bench_ch9.py", "mlp": "bench_mlp.py", "ops": "bench_ops.py",
            "memory": "bench_memory.py"}


def run_all(path: str, quick: bool) -> None:
    """Run every benchmark of ``RUNS``, each appending its rows to ``path``."""
    for script, extra, threads in RUNS:
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        if threads:
            env.update(OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        args = [sys.executable, str(HERE / script), *extra, f"--json={path}"]
        if quick:
            args.append("--quick")
        print(f"running {script} {' '.join(extra)} (threads: {threads or 'default'})",
              file=sys.stderr, flush=True)
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)


def read_rows(path: str) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def machine_line() -> str:
    torch = try_torch()
    torch_part = f", PyTorch {torch.__version__.split('+')[0]} CPU" if torch else ""
    return (f"Measured on {cpu_model()} ({os.cpu_count()} cores), {blas_name()}, "
            f"numpy {np.__version__}, {platform.python_implementation()} "
            f"{platform.python_version()}{torch_part}.")


def _time(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit.startswith("µs"):
        return f"{value * 1e6:.1f} µs"
    return f"{value * 1e3:.2f} ms"


def _ratio(value: float | None, base: float) -> str:
    return "-" if value is None else f"{value / base:.2f}"


def steps_table(rows: list[dict]) -> list[str]:
    lines = ["| training step | BLAS threads | dtype | numpy by hand | eager | eager / numpy "
             "| compiled | compiled / numpy | PyTorch | PyTorch / numpy |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["bench"] not in ("ch9", "mlp"):
            continue
        unit, base = r["unit"], r["numpy"]
        label = f"{r['label']} (`{COMMANDS[r['bench']]}`)"
        lines.append(
            f"| {label} | {r['threads']} | {r['dtype']} | {_time(base, unit)} "
            f"| {_time(r['ours'], unit)} | {_ratio(r['ours'], base)} "
            f"| {_time(r.get('compiled'), unit)} | {_ratio(r.get('compiled'), base)} "
            f"| {_time(r.get('torch'), unit)} | {_ratio(r.get('torch'), base)} |")
    return lines


def ops_table(rows: list[dict]) -> list[str]:
    ops = [r for r in rows if r["bench"] == "ops"]
    if not ops:
        return []
    acts = [r for r in ops if r["label"].startswith("act ")]
    shown = [r for r in ops if not r["label"].startswith(("act ", "op "))]
    shown += [r for r in ops if r["label"] in ("act relu", "act tanh", "op mul", "op matmul")]
    lines = ["| one element, forward + backward (`bench_ops.py`) | numpy by hand | eager "
             "| eager - numpy | PyTorch |", "|---|---|---|---|---|"]
    for r in shown:
        lines.append(f"| {r['label']} | {r['numpy'] * 1e6:.1f} µs | {r['ours'] * 1e6:.1f} µs "
                     f"| {(r['ours'] - r['numpy']) * 1e6:.1f} µs "
                     f"| {_time(r.get('torch'), 'µs')} |")
    if acts:
        over = sorted((r["ours"] - r["numpy"]) * 1e6 for r in acts)
        lines += ["", f"Over the {len(acts)} registered activations the framework adds "
                  f"{over[0]:.1f}-{over[-1]:.1f} µs (median {over[len(over) // 2]:.1f} µs) to "
                  "the op's own numpy math, on one element."]
    return lines


def memory_table(rows: list[dict]) -> list[str]:
    mem = [r for r in rows if r["bench"] == "memory"]
    if not mem:
        return []
    lines = ["| peak memory of one step (`bench_memory.py`, tracemalloc) | dtype "
             "| numpy by hand | eager | eager / numpy |", "|---|---|---|---|---|"]
    for r in mem:
        lines.append(f"| {r['label']} | {r['dtype']} | {r['numpy'] / 1024:.0f} KiB "
                     f"| {r['ours'] / 1024:.0f} KiB | {r['ours'] / r['numpy']:.2f} |")
    return lines


def section(rows: list[dict]) -> str:
    """The generated part of README's Performance section, as markdown."""
    parts = [machine_line(), "", *steps_table(rows)]
    for table in (ops_table(rows), memory_table(rows)):
        if table:
            parts += ["", *table]
    parts += ["", "Single-thread rows are medians of the thread's CPU time (steady on a "
              "busy machine), the others of wall time; every ratio compares contenders run "
              "alternately in one process. Regenerate with `python benchmarks/report.py "
              "--write`."]
    return "\n".join(parts) + "\n"


def write_readme(text: str, readme: Path = README) -> None:
    """Replace the block between the two markers in ``readme`` with ``text``."""
    old = readme.read_text()
    if BEGIN not in old or END not in old:
        raise SystemExit(f"report.py: {readme} has no '{BEGIN}' ... '{END}' block; add the "
                         "two markers to its Performance section first")
    head, rest = old.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{text}{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", help="format these saved rows instead of running")
    parser.add_argument("--save", help="keep the rows of this run in this file")
    parser.add_argument("--quick", action="store_true", help="smoke-sized runs")
    parser.add_argument("--write", action="store_true",
                        help="replace the generated block of README.md's Performance section")
    args = parser.parse_args()
    if args.rows:
        rows = read_rows(args.rows)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.save or os.path.join(tmp, "rows.jsonl")
            if os.path.exists(path):
                os.remove(path)
            run_all(path, args.quick)
            rows = read_rows(path)
    text = section(rows)
    print(text, end="")
    if args.write:
        write_readme(text)


if __name__ == "__main__":
    main()
