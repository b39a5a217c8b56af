"""Smoke runs of the benchmarks (no timing assertions: speed is reported, not tested)."""
import json
import os
import re
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


def test_the_new_step_benchmarks_write_rows_with_a_compiled_cell(tmp_path):
    """LeNet, LSTM and the transformer emit rows like the others: every contender's median,
    and for the compiled step either a time (it replayed) or the reason it ran eagerly."""
    rows = tmp_path / "rows.jsonl"
    for script, extra in [("bench_cnn.py", []), ("bench_lstm.py", []),
                          ("bench_transformer.py", ["--activation=relu"])]:
        done = _run(script, "--quick", "--threads=1", *extra, f"--json={rows}")
        assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in rows.read_text().splitlines()]
    assert [r["bench"] for r in found] == ["cnn", "lstm", "lstm", "transformer"]
    for r in found:
        assert r["threads"] == "1" and r["quick"] is True and r["rounds"] == 3
        assert r["ours"] > 0 and r["unit"] == "ms/step"
        assert ("compiled" in r) != ("compiled_eager" in r)   # a time or a reason, never both
        assert ("numpy" in r) == (r["bench"] != "transformer")


def test_compile_fallback_tells_a_replayed_step_from_an_eager_one():
    import warnings

    import tinygrad_acts as ta
    sys.path.insert(0, str(BENCHMARKS))
    from common import compile_fallback, settle_compiled

    layer = ta.nn.Linear(3, 1)
    opt = ta.optim.SGD(layer.parameters(), lr=0.1)

    def train(x):
        opt.zero_grad()
        layer(x).sum().backward()
        opt.step()

    def gradient(x):              # ta.grad: a backward the recording does not replay
        (g,) = ta.grad((x * x).sum(), x)
        return g

    replayed, eager, unreplayed = ta.compile(train), ta.compile(gradient), ta.compile(train)
    x = ta.randn(2, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            replayed(x)
            eager(x)
    unreplayed(x)
    unreplayed(x)
    assert compile_fallback(replayed) is None
    assert "ta.grad" in compile_fallback(eager)
    assert "never replayed" in compile_fallback(unreplayed)
    med = {"ours": 2.0, "compiled": 1.0}
    assert settle_compiled(dict(med), replayed) == {"compiled": 1.0}
    fields = settle_compiled(med, eager)
    assert "compiled" not in fields and "ta.grad" in fields["compiled_eager"]
    assert med == {"ours": 2.0}                    # the eager time is not kept as compiled
    assert settle_compiled({"ours": 2.0}, None) == {}


# One row of every kind the benchmarks write (their medians made up: nothing is timed).
ROWS = [
    {"bench": "ch9", "label": "book's ch-9 net, 1 epoch of 1,000 images", "dtype": "float32",
     "unit": "ms/epoch", "numpy": 0.004, "ours": 0.0042, "torch": 0.006, "threads": "1"},
    {"bench": "mlp", "label": "MLP 784-256-256-10, batch 128", "dtype": "float64",
     "unit": "ms/step", "numpy": 0.002, "ours": 0.0021, "compiled": 0.0019,
     "threads": "default"},
    {"bench": "mlp", "label": "MLP 784-256-256-10, batch 32", "dtype": "float32",
     "unit": "ms/step", "numpy": 0.0005, "ours": 0.0006, "compiled": 0.00055,
     "torch": 0.0007, "threads": "1"},
    {"bench": "cnn", "label": "LeNet-5, batch 64", "dtype": "float32", "unit": "ms/step",
     "numpy": 0.008, "ours": 0.006, "compiled": 0.0056, "torch": 0.004, "threads": "1"},
    {"bench": "lstm", "label": "LSTM, hidden 64, 32 steps, batch 32", "dtype": "float32",
     "unit": "ms/step", "numpy": 0.004, "ours": 0.005, "torch": 0.002, "threads": "default",
     "compiled_eager": "Norm: an input array was computed outside the ops"},
    {"bench": "transformer", "label": "transformer encoder, relu", "dtype": "float32",
     "unit": "ms/step", "ours": 0.016, "torch": 0.018, "threads": "1",
     "compiled_eager": "Norm: an input array was computed outside the ops"},
    {"bench": "transformer", "label": "transformer encoder, gelu", "dtype": "float32",
     "unit": "ms/step", "ours": 0.023, "compiled": 0.02, "threads": "default"},
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


def _table_after(text: str, title: str) -> list[str]:
    """The rows of the markdown table that follows the line starting with ``title``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    table = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table[2:]


def test_the_report_formats_rows_of_every_kind_as_the_readme_tables():
    text = _report().section(ROWS)
    assert text.splitlines()[0].startswith("Measured on ")
    assert "--quick" not in text.split("Generated by")[0]   # no smoke-run warning: none was
    one = _table_after(text, "**One BLAS thread")
    default = _table_after(text, "**Default BLAS threads")
    assert one == [
        "| book's ch-9 net, 1 epoch of 1,000 images (`bench_ch9.py`) | float32 | 4.00 ms "
        "| 4.20 ms | - | 6.00 ms | 1.05 | - | 1.50 |",
        "| MLP 784-256-256-10, batch 32 (`bench_mlp.py`) | float32 | 0.50 ms | 0.60 ms "
        "| 0.55 ms | 0.70 ms | 1.20 | 1.10 | 1.40 |",
        "| LeNet-5, batch 64 (`bench_cnn.py`) | float32 | 8.00 ms | 6.00 ms | 5.60 ms "
        "| 4.00 ms | 0.75 | 0.70 | 0.50 |",
        "| transformer encoder, relu (`bench_transformer.py`) | float32 | none | 16.00 ms "
        "| eager [1] | 18.00 ms | - | - | - |"]
    assert default == [
        "| MLP 784-256-256-10, batch 128 (`bench_mlp.py`) | float64 | 2.00 ms | 2.10 ms "
        "| 1.90 ms | - | 1.05 | 0.95 | - |",
        "| LSTM, hidden 64, 32 steps, batch 32 (`bench_lstm.py`) | float32 | 4.00 ms "
        "| 5.00 ms | eager [1] | 2.00 ms | 1.25 | - | 0.50 |",
        "| transformer encoder, gelu (`bench_transformer.py`) | float32 | none | 23.00 ms "
        "| 20.00 ms | - | - | - | - |"]
    # one reason, one note, shared by both tables
    assert text.count("[1] `ta.compile` could not replay this step, so it ran eagerly: "
                      "Norm: an input array was computed outside the ops.") == 1
    assert "[2]" not in text
    assert "| tanh with creation | 2.5 µs | 8.5 µs | 6.0 µs | - |" in text
    assert "| ch9 net, batch 100 | float32 | 2048 KiB | 1024 KiB | 0.50 |" in text


def test_the_report_says_when_its_figures_come_from_a_quick_run():
    report = _report()
    rows = [dict(r, quick=True) for r in ROWS]
    head = report.section(rows).split("**One BLAS thread")[0]
    assert "from a `--quick` smoke run" in head


def _threads_setting(extra: list[str], threads: str | None) -> str:
    """The BLAS threads a RUNS entry measures with: its ``--threads=`` flag, else the
    OPENBLAS_NUM_THREADS it sets (None: the default)."""
    flags = [a.split("=", 1)[1] for a in extra if a.startswith("--threads=")]
    return flags[0] if flags else (threads or "default")


def test_the_report_runs_every_step_benchmark_at_one_and_at_default_threads():
    report = _report()
    for script in report.STEPS.values():
        settings = [_threads_setting(extra, threads)
                    for name, extra, threads in report.RUNS if name == script]
        assert sorted(settings) == ["1", "default"], script


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


def _performance_section() -> str:
    text = (BENCHMARKS.parent / "README.md").read_text()
    start = text.index("\n## Performance\n")
    return text[start:text.index("\n## ", start + 1)]


def test_readmes_performance_block_is_generated_and_names_the_machine():
    report = _report()
    section = _performance_section()
    assert section.count(report.BEGIN) == 1 and section.count(report.END) == 1
    before, rest = section.split(report.BEGIN)
    block, after = rest.split(report.END)
    first = block.strip().splitlines()[0]
    assert re.fullmatch(r"Measured on .+ \(\d+ cores\), .+, numpy \d+\.\d+\S*, "
                        r"\w*Python \d+\.\d+\.\d+(, PyTorch \S+ CPU)?\.", first), first
    for script in report.STEPS.values():
        assert f"(`{script}`)" in block, script
    assert "`bench_ops.py`" in block and "`bench_memory.py`" in block
    # the tables live only in the generated block: nothing hand-typed around it
    assert not [line for line in before.splitlines() + after.splitlines()
                if line.startswith("|")]
    assert "python benchmarks/report.py --write" in after
