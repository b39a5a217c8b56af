"""Smoke runs of the benchmarks (no timing assertions: speed is reported, not tested)."""
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
