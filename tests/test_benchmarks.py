"""Smoke runs of the benchmarks (no timing assertions: speed is reported, not tested)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.parametrize("script", ["bench_ch9.py", "bench_ops.py", "bench_scale.py"])
def test_benchmark_runs_in_quick_mode(script):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "ours" in done.stdout


def _run(script, *args, timeout=300):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_mlp_benchmark_runs_and_checks_it_does_the_numpy_work(tmp_path):
    rows = tmp_path / "rows.jsonl"
    done = _run("bench_mlp.py", "--quick", "--threads=1", "--dtype=float32", "--batch", "32",
                "--steps=2", f"--json={rows}")
    assert done.returncode == 0, done.stderr
    assert "grad diff" in done.stdout
    (row,) = [json.loads(line) for line in rows.read_text().splitlines()]
    assert row["bench"] == "mlp" and row["threads"] == "1" and row["numpy"] > 0 < row["ours"]


def test_the_memory_benchmark_reports_both_peaks(tmp_path):
    rows = tmp_path / "rows.jsonl"
    done = _run("bench_memory.py", "--quick", f"--json={rows}")
    assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in rows.read_text().splitlines()]
    assert {r["label"] for r in found} == {"ch9 net, batch 100", "MLP 784-256-256-10, batch 128"}
    for r in found:   # a step holds at least its weights' gradients at its peak
        assert r["numpy"] > 300_000 and r["ours"] > 300_000


def test_the_hand_written_mlp_step_has_the_frameworks_gradients():
    import numpy as np
    sys.path.insert(0, str(BENCHMARKS))
    import bench_mlp
    import numpy_mlp
    params = numpy_mlp.init_params(seed=1, dtype=np.float64)
    model = bench_mlp.framework_model(params, np.float64)
    rng = np.random.default_rng(1)
    x, y = rng.random((6, 784)), rng.integers(0, 10, 6)
    loss_diff, grad_diff = bench_mlp.same_work(model, params, x, y)
    assert loss_diff < 1e-12 and grad_diff < 1e-12


ROWS = [
    {"bench": "ch9", "label": "book's ch-9 net, 1 epoch of 1,000 images", "dtype": "float32",
     "unit": "ms/epoch", "numpy": 0.004, "ours": 0.0042, "torch": 0.006, "threads": "1"},
    {"bench": "mlp", "label": "MLP 784-256-256-10, batch 128", "dtype": "float64",
     "unit": "ms/step", "numpy": 0.002, "ours": 0.0021, "compiled": 0.0019,
     "threads": "default"},
    {"bench": "ops", "label": "act tanh", "unit": "µs", "numpy": 2e-6, "ours": 6e-6,
     "threads": "1"},
    {"bench": "ops", "label": "tanh with creation", "unit": "µs", "numpy": 2.5e-6,
     "ours": 8.5e-6, "threads": "1"},
    {"bench": "memory", "label": "ch9 net, batch 100", "dtype": "float32", "unit": "bytes",
     "numpy": 2048 * 1024, "ours": 1024 * 1024, "threads": "default"},
]


def _report():
    sys.path.insert(0, str(BENCHMARKS))
    import report
    return report


def test_the_report_formats_rows_as_the_readme_tables():
    text = _report().section(ROWS)
    assert text.splitlines()[0].startswith("Measured on ")
    assert "| book's ch-9 net, 1 epoch of 1,000 images (`bench_ch9.py`) | 1 | float32 | " \
           "4.00 ms | 4.20 ms | 1.05 | - | - | 6.00 ms | 1.50 |" in text
    assert "| 2.00 ms | 2.10 ms | 1.05 | 1.90 ms | 0.95 | - | - |" in text
    assert "| tanh with creation | 2.5 µs | 8.5 µs | 6.0 µs | - |" in text
    assert "| ch9 net, batch 100 | float32 | 2048 KiB | 1024 KiB | 0.50 |" in text


def test_the_report_replaces_only_the_generated_block(tmp_path):
    report = _report()
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n## Performance\n\nprose\n{report.BEGIN}\nold table\n"
                      f"{report.END}\nmore prose\n")
    report.write_readme("new table\n", readme)
    assert readme.read_text() == (f"# x\n\n## Performance\n\nprose\n{report.BEGIN}\nnew table\n"
                                  f"{report.END}\nmore prose\n")
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit, match="no '<!-- generated: performance -->'"):
        report.write_readme("new table\n", readme)
