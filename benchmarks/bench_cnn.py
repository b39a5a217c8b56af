"""The LeNet-5 training step: tinygrad_acts against hand-written numpy (and the step
compiler, and PyTorch, when there).

conv 1->6 5x5 pad 2, relu, maxpool 2, conv 6->16 5x5, relu, maxpool 2, flatten, 400->120
->84->10 with relu, cross-entropy, one SGD step, batch 64 of 28x28 images, float32. Ours is
written as a PyTorch user writes it (nn.Sequential of nn.Conv2d, nn.ReLU, nn.MaxPool2d,
nn.Flatten, nn.Linear; F.cross_entropy; optim.SGD; zero_grad / backward / step); the numpy
step is benchmarks/numpy_lenet.py (im2col by strides and BLAS, by hand). Both start from the
same weights, and the first step's losses and gradients are compared before any timing, so
the two do the same work. Steps alternate in one process; medians. When the step compiler
exists (``ta.compile``), the same step compiled on a twin model is a third contender, and
after the timing the twin's weights must equal the eager model's bit for bit (both took the
same steps on the same batch); a compiled step that falls back to eager is reported as such,
never as a compiled time. PyTorch, when installed, is timed afterwards on its own.

    python benchmarks/bench_cnn.py [--quick] [--json PATH]     # one BLAS thread, then default
    python benchmarks/bench_cnn.py --threads 1                 # just one of the two
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

# NOTE: BLAS reads its thread count when numpy loads, so each setting runs in its own
# process (see main): these imports come after the caller has set the variable.
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from numpy_lenet import init_params, loss_and_grads, sgd_step

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

from common import (
    alternate,
    blas_name,
    check_same_weights,
    compiled_cells,
    cpu_model,
    emit,
    machine,
    run_in_thread_settings,
    settle_compiled,
    try_compile,
    try_torch,
)

BATCH, LR = 64, 0.05


def lenet(module=nn):
    """The network, in tinygrad_acts (module=nn) or torch (module=torch.nn): same code."""
    return module.Sequential(
        module.Conv2d(1, 6, 5, padding=2), module.ReLU(), module.MaxPool2d(2),
        module.Conv2d(6, 16, 5), module.ReLU(), module.MaxPool2d(2), module.Flatten(),
        module.Linear(400, 120), module.ReLU(), module.Linear(120, 84), module.ReLU(),
        module.Linear(84, 10))


def load_batch() -> tuple[np.ndarray, np.ndarray]:
    """64 real MNIST digits when the sample is available, else random pixels (the speed
    does not depend on the values)."""
    try:
        x, y = ta.data.mnist_sample()
        order = np.random.default_rng(0).permutation(len(x))[:BATCH]
        return x[order].reshape(BATCH, 1, 28, 28), y[order]
    except Exception:  # noqa: BLE001 - any reason the sample is unavailable
        rng = np.random.default_rng(0)
        return rng.random((BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, BATCH)


def ours_step(model, opt):
    """The training step as a PyTorch user writes it; the batch comes in as arguments (so
    that ``ta.compile`` sees it as the step's input, not as a constant)."""
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def framework_model(params: dict) -> nn.Module:
    model = lenet()
    model.load_state_dict({k: ta.tensor(v.copy()) for k, v in params.items()})
    return model


def torch_step(torch, params, x, y):
    model = lenet(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xs), ys)
        loss.backward()
        opt.step()
    return run


def same_work(model, params, x, y) -> tuple[float, float]:
    """(|loss difference|, largest gradient difference relative to the gradient's scale)
    between ours and the numpy step on one batch from the same weights."""
    loss, grads = loss_and_grads(params, x, y)
    model.zero_grad()
    ours = F.cross_entropy(model(ta.from_numpy(x)), ta.from_numpy(y))
    ours.backward()
    named = dict(model.named_parameters())
    worst = max(float(np.abs(named[k].grad.numpy() - g).max() / (np.abs(g).max() + 1e-30))
                for k, g in grads.items())
    model.zero_grad()
    return abs(float(ours.item()) - loss), worst


def measure(rounds: int, json_path: str | None = None, quick: bool = False) -> None:
    """One thread setting (this process's): print a table row for it."""
    x, y = load_batch()
    params = init_params(seed=0)
    model = framework_model(params)
    loss_diff, grad_diff = same_work(model, params, x, y)
    xs, ys = ta.from_numpy(x), ta.from_numpy(y)
    eager = ours_step(model, optim.SGD(model.parameters(), lr=LR))
    steps = {"numpy": lambda: sgd_step(params, x, y, LR), "ours": lambda: eager(xs, ys)}
    twin = framework_model(init_params(seed=0))
    compiled = try_compile(ta, ours_step(twin, optim.SGD(twin.parameters(), lr=LR)))
    if compiled is not None:
        steps["compiled"] = lambda: compiled(xs, ys)
    med = alternate(steps, rounds, warmup=3)
    compiled_fields = settle_compiled(med, compiled)
    torch = try_torch()
    if torch is not None:
        # NOTE: torch runs on its own, after numpy and ours: its OpenMP threads keep
        # spinning after each op and slow whatever runs in between (see bench_ch9.py).
        threads = os.environ.get("OPENBLAS_NUM_THREADS")
        if threads:
            torch.set_num_threads(int(threads))
        med.update(alternate({"torch": torch_step(torch, init_params(seed=0), x, y)},
                             rounds, warmup=3))
    label = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    line = (f"{label:<9}{med['numpy'] * 1e3:>10.2f}{med['ours'] * 1e3:>10.2f}"
            f"{med['ours'] / med['numpy']:>9.3f}" + compiled_cells(compiled_fields, med["numpy"]))
    line += (f"{med['torch'] * 1e3:>10.2f}{med['torch'] / med['numpy']:>9.3f}" if "torch" in med
             else f"{'-':>10}{'-':>9}")
    print(line + f"   (same batch and weights: loss diff {loss_diff:.1e}, "
          f"gradient diff {grad_diff:.1e})", flush=True)
    if "compiled_eager" in compiled_fields:
        print(f"  compiled: ran eagerly: {compiled_fields['compiled_eager']}")
    check_same_weights("bench_cnn", model, twin, compiled_fields)
    emit(json_path, bench="cnn", label=f"LeNet-5, batch {BATCH}", dtype="float32",
         unit="ms/step", rounds=rounds, quick=quick, **med, **compiled_fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both",
                        help="BLAS threads: one, the library's default, or both (default)")
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = 3 if args.quick else 41
    if args.child:                       # the environment was set by the parent
        measure(rounds, args.json, args.quick)
        return
    print(f"LeNet-5 training step, batch {BATCH}, float32, forward + backward + SGD  "
          f"[{machine().rsplit(', OPENBLAS', 1)[0]}, {cpu_model()}, {blas_name()}]")
    print(f"{'threads':<9}{'numpy ms':>10}{'ours ms':>10}{'ours/np':>9}{'comp ms':>10}"
          f"{'comp/np':>9}" + (f"{'torch ms':>10}{'torch/np':>9}"
                               if importlib.util.find_spec("torch") else ""))
    child = (["--quick"] if args.quick else []) + ([f"--json={args.json}"] if args.json else [])
    run_in_thread_settings(__file__, args.threads, child)


if __name__ == "__main__":
    main()
