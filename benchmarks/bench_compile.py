"""The step compiler: eager against ``ta.compile`` against hand-written numpy (and PyTorch).

Two steps, each written once the PyTorch way and run eagerly and compiled:

- the book's chapter-9 network (bench_ch9.py: 784 -> 100 tanh + dropout(0.5) -> 10,
  cross-entropy, SGD, batch 100), one pass over 1,000 images, float32 and float64;
- the LSTM step (bench_lstm.py: nn.LSTM(32, H) + a linear head, MSE, SGD, batch 32,
  float32) for (H, T) = (64, 32) and (128, 64);
- a 784-256-256-10 ReLU MLP with BatchNorm1d (or LayerNorm) after each hidden layer, batch
  64, float32 (no numpy reference: eager, compiled and torch).

Before timing, the compiled step is checked against the eager one (same seed, same data,
several steps: the parameters must agree bit for bit). "guards µs" is the time one replay
spends checking the world around the step (per replay; a ch9 epoch has 10). Runs alternate
in one process;
medians. PyTorch, when installed, is timed afterwards on its own (its threads spin after
each op and slow whatever runs in between, see bench_ch9.py). The machine may be shared:
read the figures as rough.

    python benchmarks/bench_compile.py [--quick]               # one BLAS thread, then default
    python benchmarks/bench_compile.py --threads 1             # just one of the two
"""
from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_ch9 import BATCH, LR, Chapter9Net, load_images, numpy_epoch, torch_model_epoch
from bench_lstm import BATCH as LSTM_BATCH
from bench_lstm import INPUT, SIZES, Model, data
from bench_lstm import LR as LSTM_LR
from numpy_lstm import init_params, sgd_step

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

from common import alternate, machine, run_in_thread_settings, try_torch


def ch9_step(model: Chapter9Net, opt: optim.SGD):
    def step(x, t):
        loss = F.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def ch9_epoch(step, images: np.ndarray, labels: np.ndarray):
    def run():
        for i in range(0, len(images), BATCH):
            step(ta.from_numpy(images[i:i + BATCH]), ta.from_numpy(labels[i:i + BATCH]))
    return run


def lstm_step(model: Model, opt: optim.SGD):
    def step(x, y):
        opt.zero_grad()
        loss = model.loss(x, y)
        loss.backward()
        opt.step()
        return loss
    return step


def check_same(make, batches, steps: int = 4) -> None:
    """The compiled step must leave the parameters exactly where the eager one does."""
    finals = []
    for compiled in (False, True):
        ta.manual_seed(0)
        params, step = make()
        run = ta.compile(step) if compiled else step
        for i in range(steps):
            run(*batches[i % len(batches)])
        finals.append([p.numpy().copy() for p in params])
        if compiled and run.stats()["replays"] != steps - 2:
            raise SystemExit(f"bench_compile: the step did not replay: {run.eager_reasons()}")
    if not all(np.array_equal(a, b) for a, b in zip(*finals)):
        raise SystemExit("bench_compile: the compiled step differs from the eager step")


def guard_seconds(compiled) -> float:
    """The time a replay spends checking its guards on the world around the step (modules,
    optimizers, globals: ``fits()``), before any array work; the best of a few runs."""
    program = next(e.program for e in compiled._entries.values() if e.program is not None)
    return min(timeit.repeat(program.fits, number=200, repeat=5)) / 200


def ch9_rows(rounds: int, label: str, torch) -> None:
    images64, labels = load_images()
    for name in ("float32", "float64"):
        dtype = np.dtype(name)
        images = images64.astype(dtype)
        onehot = np.eye(10, dtype=dtype)[labels]
        batches = [(ta.from_numpy(images[i:i + BATCH]), ta.from_numpy(labels[i:i + BATCH]))
                   for i in range(0, 400, BATCH)]

        def make(dtype=dtype):
            model = Chapter9Net(dtype)
            return model.parameters(), ch9_step(model, optim.SGD(model.parameters(), lr=LR))
        check_same(make, batches)
        ta.manual_seed(0)
        eager_model, compiled_model = Chapter9Net(dtype), Chapter9Net(dtype)
        eager = ch9_step(eager_model, optim.SGD(eager_model.parameters(), lr=LR))
        compiled = ta.compile(ch9_step(compiled_model, optim.SGD(compiled_model.parameters(),
                                                                   lr=LR)))
        rng = np.random.default_rng(0)
        w01 = rng.uniform(-0.01, 0.01, (784, 100)).astype(dtype)
        w12 = rng.uniform(-0.1, 0.1, (100, 10)).astype(dtype)
        med = alternate({"numpy": numpy_epoch(w01, w12, images, onehot, rng),
                         "eager": ch9_epoch(eager, images, labels),
                         "compiled": ch9_epoch(compiled, images, labels)}, rounds, warmup=2)
        med["guards"] = guard_seconds(compiled)
        if torch is not None:
            epoch = torch_model_epoch(torch, images, labels, dtype)
            med["torch"] = alternate({"torch": epoch}, rounds, warmup=2)["torch"]
        row(label, f"ch9 {name}", med)


def lstm_rows(rounds: int, label: str, torch) -> None:
    for hidden, steps in SIZES:
        x, y = data(hidden, steps)
        batch = (ta.from_numpy(x), ta.from_numpy(y))

        def make(hidden=hidden):
            model = Model(nn, hidden)
            model.load(init_params(INPUT, hidden, seed=0), ta.tensor)
            return model.parameters(), lstm_step(model, optim.SGD(model.parameters(),
                                                                  lr=LSTM_LR))
        check_same(make, [batch])
        params = init_params(INPUT, hidden, seed=0)
        _, eager = make()
        _, compiled_step = make()
        compiled = ta.compile(compiled_step)
        med = alternate({"numpy": lambda p=params, x=x, y=y: sgd_step(p, x, y, LSTM_LR),
                         "eager": lambda f=eager, b=batch: f(*b),
                         "compiled": lambda f=compiled, b=batch: f(*b)}, rounds, warmup=3)
        med["guards"] = guard_seconds(compiled)
        if torch is not None:
            tmodel = Model(torch.nn, hidden)
            tmodel.load(init_params(INPUT, hidden, seed=0), torch.from_numpy)
            tstep = lstm_step(tmodel, torch.optim.SGD(tmodel.parameters(), lr=LSTM_LR))
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            med["torch"] = alternate({"torch": lambda f=tstep, a=tx, b=ty: f(a, b)}, rounds,
                                     warmup=2)["torch"]
        row(label, f"LSTM H={hidden} T={steps}", med)


def norm_model(module, kind: str):
    """784 -> 256 -> 256 -> 10 with ReLU and a normalization after each hidden linear
    layer (BatchNorm1d or LayerNorm), in tinygrad_acts (module=nn) or torch: same code."""
    def norm():
        return module.BatchNorm1d(256) if kind == "batch" else module.LayerNorm(256)
    return module.Sequential(module.Linear(784, 256), norm(), module.ReLU(),
                             module.Linear(256, 256), norm(), module.ReLU(),
                             module.Linear(256, 10))


def norm_rows(rounds: int, label: str, torch) -> None:
    """The normalization layers' steps (no numpy reference: eager, compiled and torch).
    Their statistics are numpy on the data outside the ops, which the recording follows
    as steps (running averages included), so these steps replay."""
    rng = np.random.default_rng(0)
    x = rng.random((NORM_BATCH, 784), dtype=np.float32)
    y = rng.integers(0, 10, NORM_BATCH)
    batch = (ta.from_numpy(x), ta.from_numpy(y))
    for kind in ("batch", "layer"):
        def make(kind=kind):
            model = norm_model(nn, kind)
            return model.parameters(), ch9_step(model, optim.SGD(model.parameters(), lr=LR))
        check_same(make, [batch])
        _, eager = make()
        _, compiled_step = make()
        compiled = ta.compile(compiled_step)
        med = alternate({"eager": lambda f=eager: f(*batch),
                         "compiled": lambda f=compiled: f(*batch)}, rounds, warmup=3)
        med["guards"] = guard_seconds(compiled)
        if torch is not None:
            tmodel = norm_model(torch.nn, kind)
            topt = torch.optim.SGD(tmodel.parameters(), lr=LR)

            def tstep(a, b, model=tmodel, opt=topt):
                loss = torch.nn.functional.cross_entropy(model(a), b)
                opt.zero_grad()
                loss.backward()
                opt.step()
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            med["torch"] = alternate({"torch": lambda f=tstep, a=tx, b=ty: f(a, b)}, rounds,
                                     warmup=2)["torch"]
        row(label, f"{kind}norm MLP b{NORM_BATCH}", med)


NORM_BATCH = 64


def row(label: str, what: str, med: dict[str, float]) -> None:
    """One table row; a step without a numpy reference shows dashes in its columns."""
    numpy_ms = med.get("numpy")
    if numpy_ms is None:
        reference = f"{'-':>10}{med['eager'] * 1e3:>10.2f}{med['compiled'] * 1e3:>10.2f}" \
                    f"{'-':>9}{'-':>9}"
    else:
        reference = (f"{numpy_ms * 1e3:>10.2f}{med['eager'] * 1e3:>10.2f}"
                     f"{med['compiled'] * 1e3:>10.2f}{med['eager'] / numpy_ms:>9.3f}"
                     f"{med['compiled'] / numpy_ms:>9.3f}")
    line = (f"{label:<9}{what:<20}{reference}{med['eager'] / med['compiled']:>9.2f}"
            f"{med['guards'] * 1e6:>10.1f}")
    if "torch" in med:
        line += f"{med['torch'] * 1e3:>10.2f}{med['compiled'] / med['torch']:>9.2f}"
    print(line, flush=True)


def measure(rounds: int) -> None:
    label = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    torch = try_torch()
    if torch is not None and os.environ.get("OPENBLAS_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))
    ch9_rows(rounds, label, torch)
    lstm_rows(rounds, label, torch)
    norm_rows(rounds, label, torch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both",
                        help="BLAS threads: one, the library's default, or both (default)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = 3 if args.quick else 21
    if args.child:  # the environment was set by the parent
        measure(rounds)
        return
    print(f"eager vs compiled (ms per ch9 epoch of 1,000 images / per LSTM and norm MLP "
          f"step, batch {BATCH} / {LSTM_BATCH} / {NORM_BATCH})  "
          f"[{machine().rsplit(', OPENBLAS', 1)[0]}]")
    print(f"{'threads':<9}{'step':<20}{'numpy':>10}{'eager':>10}{'compiled':>10}"
          f"{'eager/np':>9}{'comp/np':>9}{'speedup':>9}{'guards µs':>10}"
          + (f"{'torch':>10}{'comp/tor':>9}" if try_torch() is not None else ""))
    run_in_thread_settings(__file__, args.threads, ["--quick"] if args.quick else [])


if __name__ == "__main__":
    main()
