"""README's ``## Performance`` tables, generated from the benchmarks (never typed by hand).

Runs the benchmarks that write result rows (``--json``: one JSON object a line, made by
``common.emit``), or reads rows saved earlier, and prints the section's generated part as
markdown: the machine (CPU model, BLAS, numpy, Python, PyTorch), then the training steps
(the book's chapter-9 net, the MLP at batch 32 and 128, LeNet-5, the LSTM, the transformer
encoder) with the eager column, the step compiler's (when ``ta.compile`` exists) and
PyTorch's side by side, as times and as ratios to the hand-written numpy step, once with
one BLAS thread and once with the library's default threads; the per-op overheads; and the
peak memory of a step. A compiled step that ran eagerly shows as ``eager`` with the reason
in a note, never as a compiled time; rows from ``--quick`` runs say so above the tables.

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
    ("bench_cnn.py", ["--threads=1"], None),
    ("bench_cnn.py", ["--threads=default"], None),
    ("bench_lstm.py", ["--threads=1"], None),
    ("bench_lstm.py", ["--threads=default"], None),
    ("bench_transformer.py", ["--threads=1"], None),
    ("bench_transformer.py", ["--threads=default"], None),
    ("bench_ops.py", [], "1"),
    ("bench_memory.py", [], None),
]
# the benchmark kinds of the steps table, in its order, and the script that makes each
STEPS = {"ch9": "bench_ch9.py", "mlp": "bench_mlp.py", "cnn": "bench_cnn.py",
         "lstm": "bench_lstm.py", "transformer": "bench_transformer.py"}
COMMANDS = {**STEPS, "ops": "bench_ops.py", "memory": "bench_memory.py"}


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
        setting = f"OPENBLAS_NUM_THREADS={threads} " if threads else ""
        print(f"running {setting}{script} {' '.join(extra)}".rstrip(), file=sys.stderr,
              flush=True)
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


def _ratio(value: float | None, base: float | None) -> str:
    return "-" if value is None or not base else f"{value / base:.2f}"


def _step_rows(rows: list[dict], threads: str) -> list[dict]:
    """The training-step rows measured with ``threads`` BLAS threads, in STEPS's order
    (and, within a benchmark, in the order they were measured)."""
    order = list(STEPS)
    mine = [r for r in rows if r["bench"] in STEPS and r["threads"] == threads]
    return sorted(mine, key=lambda r: order.index(r["bench"]))


def steps_table(rows: list[dict], threads: str, notes: dict[str, int]) -> list[str]:
    """One markdown table of the training steps measured with ``threads`` BLAS threads;
    the reasons compiled steps ran eagerly are numbered in ``notes`` (shared between the
    tables, so one reason keeps one number)."""
    lines = ["| training step | dtype | numpy by hand | eager | compiled | PyTorch "
             "| eager / numpy | compiled / numpy | PyTorch / numpy |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in _step_rows(rows, threads):
        unit, base = r["unit"], r.get("numpy")
        compiled = _time(r.get("compiled"), unit)
        if "compiled_eager" in r:
            compiled = f"eager [{notes.setdefault(r['compiled_eager'], len(notes) + 1)}]"
        lines.append(
            f"| {r['label']} (`{STEPS[r['bench']]}`) | {r['dtype']} "
            f"| {_time(base, unit) if base else 'none'} | {_time(r['ours'], unit)} "
            f"| {compiled} | {_time(r.get('torch'), unit)} | {_ratio(r['ours'], base)} "
            f"| {_ratio(r.get('compiled'), base)} | {_ratio(r.get('torch'), base)} |")
    return lines


def steps_tables(rows: list[dict]) -> list[str]:
    """The training steps at one BLAS thread, then at the default threads, and the notes
    on compiled steps that ran eagerly."""
    notes: dict[str, int] = {}
    parts: list[str] = []
    for threads, title in (("1", "One BLAS thread (medians of the thread's CPU time)"),
                           ("default", "Default BLAS threads (medians of wall time)")):
        if _step_rows(rows, threads):
            parts += [f"**{title}**, per step (the ch-9 row: per epoch of 1,000 images):", "",
                      *steps_table(rows, threads, notes), ""]
    for reason, number in notes.items():   # each note a paragraph of its own
        parts += [f"[{number}] `ta.compile` could not replay this step, so it ran "
                  f"eagerly: {reason}.", ""]
    if any(r["bench"] in STEPS and not r.get("numpy") for r in rows):
        parts.append("The transformer has no hand-written numpy version: its yardstick is "
                     "PyTorch.")
    while parts and not parts[-1]:
        parts.pop()
    return parts


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


def quick_line(rows: list[dict]) -> list[str]:
    """A warning when any row comes from a ``--quick`` (smoke) run."""
    if not any(r.get("quick") for r in rows):
        return []
    return ["**These figures are from a `--quick` smoke run** (a few rounds per median, on "
            "a shared machine): they show the tables' layout, not settled speeds. "
            "`python benchmarks/report.py --write` measures them properly.", ""]


def section(rows: list[dict]) -> str:
    """The generated part of README's Performance section, as markdown."""
    parts = [machine_line(), "", *quick_line(rows), *steps_tables(rows)]
    for table in (ops_table(rows), memory_table(rows)):
        if table:
            parts += ["", *table]
    parts += ["", "Single-thread rows are medians of the thread's CPU time (steady on a "
              "busy machine), the others of wall time; every ratio compares contenders run "
              "alternately in one process (PyTorch runs after them, on its own). Generated "
              "by `python benchmarks/report.py --write`."]
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
