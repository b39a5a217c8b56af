"""Peak memory of one training step: tinygrad_acts against the hand-written numpy loop.

Two steps, each written as in the speed benchmarks: the book's chapter-9 network
(bench_ch9.py: 784 -> 100 tanh -> dropout -> 10, no biases, softmax cross-entropy, SGD,
batch 100) and the 784-256-256-10 ReLU MLP (bench_mlp.py, batch 128). Python's
``tracemalloc`` counts every block numpy allocates for array data (numpy reports them to
it), so for each contender, alone, from a fresh start:

- ``resting``: what it holds between steps once warmed up (weights, optimizer state, the
  last gradients, if it keeps them) above what it held before it was built;
- ``peak``: the most it held at any moment during one more step, on the same scale.

The target (issue 17) is a peak no larger than the hand-written loop's.

    python benchmarks/bench_memory.py [--quick] [--json PATH]
"""
from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import bench_ch9
import bench_mlp
import numpy_mlp

import tinygrad_acts as ta
from tinygrad_acts import optim

from common import emit

# a function of (dtype, *extra) that builds one step, ready to be called
Builder = Callable[..., Callable[[], Callable[[], None]]]


def measure(build: Callable[[], Callable[[], None]], warmup: int = 3) -> tuple[int, int]:
    """(resting bytes, peak bytes during one step) of the step that ``build`` makes, both
    above the memory traced before it was built."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        step = build()
        for _ in range(warmup):
            step()
        gc.collect()
        resting = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return resting - before, peak - before


def ch9_data(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((bench_ch9.BATCH, 784)).astype(dtype)
    labels = rng.integers(0, 10, bench_ch9.BATCH)
    return x, labels, np.eye(10, dtype=dtype)[labels]


def ch9_ours(dtype: np.dtype) -> Callable[[], Callable[[], None]]:
    def build():
        x, labels, _ = ch9_data(dtype)
        model = bench_ch9.Chapter9Net(dtype)
        run = bench_ch9.framework_epoch(model, optim.SGD(model.parameters(), lr=bench_ch9.LR),
                                        x, labels)
        return run
    return build


def ch9_numpy(dtype: np.dtype) -> Callable[[], Callable[[], None]]:
    def build():
        x, _, onehot = ch9_data(dtype)
        rng = np.random.default_rng(0)
        w01 = rng.uniform(-0.01, 0.01, (784, 100)).astype(dtype)
        w12 = rng.uniform(-0.1, 0.1, (100, 10)).astype(dtype)
        return bench_ch9.numpy_epoch(w01, w12, x, onehot, rng)
    return build


def mlp_data(dtype: np.dtype, batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((batch, 784)).astype(dtype), rng.integers(0, 10, batch)


def mlp_ours(dtype: np.dtype, batch: int) -> Callable[[], Callable[[], None]]:
    def build():
        x, y = mlp_data(dtype, batch)
        model = bench_mlp.framework_model(numpy_mlp.init_params(0, dtype), dtype)
        step = bench_mlp.ours_step(model, optim.SGD(model.parameters(), lr=bench_mlp.LR))
        xs, ys = ta.from_numpy(x), ta.from_numpy(y)
        return lambda: step(xs, ys)
    return build


def mlp_numpy(dtype: np.dtype, batch: int) -> Callable[[], Callable[[], None]]:
    def build():
        x, y = mlp_data(dtype, batch)
        params = numpy_mlp.init_params(0, dtype)
        return lambda: numpy_mlp.sgd_step(params, x, y, bench_mlp.LR)
    return build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="float32 only")
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    args = parser.parse_args()
    print("peak traced memory of one training step, KiB above the memory before the model "
          "was built (tracemalloc)")
    print(f"{'step':<30}{'dtype':<9}{'numpy rest':>11}{'numpy peak':>11}{'ours rest':>11}"
          f"{'ours peak':>11}{'ours/np':>9}")
    # (label, ours, hand-written, the builders' extra arguments)
    cases: list[tuple[str, Builder, Builder, tuple]] = [
        ("ch9 net, batch 100", ch9_ours, ch9_numpy, ()),
        ("MLP 784-256-256-10, batch 128", mlp_ours, mlp_numpy, (128,))]
    for dtype in ["float32"] if args.quick else ["float32", "float64"]:
        for label, ours, hand, extra in cases:
            ta.manual_seed(0)
            n_rest, n_peak = measure(hand(np.dtype(dtype), *extra))
            o_rest, o_peak = measure(ours(np.dtype(dtype), *extra))
            print(f"{label:<30}{dtype:<9}{n_rest / 1024:>11.0f}{n_peak / 1024:>11.0f}"
                  f"{o_rest / 1024:>11.0f}{o_peak / 1024:>11.0f}{o_peak / n_peak:>9.3f}")
            emit(args.json, bench="memory", label=label, dtype=dtype, unit="bytes",
                 numpy=n_peak, ours=o_peak, numpy_resting=n_rest, ours_resting=o_rest,
                 quick=args.quick)


if __name__ == "__main__":
    main()
