"""The LeNet-5 training step: tinygrad_acts against hand-written numpy (and PyTorch).

conv 1->6 5x5 pad 2, relu, maxpool 2, conv 6->16 5x5, relu, maxpool 2, flatten, 400->120
->84->10 with relu, cross-entropy, one SGD step, batch 64 of 28x28 images, float32. Ours is
written as a PyTorch user writes it (nn.Sequential of nn.Conv2d, nn.ReLU, nn.MaxPool2d,
nn.Flatten, nn.Linear; F.cross_entropy; optim.SGD; zero_grad / backward / step); the numpy
step is benchmarks/numpy_lenet.py (im2col by strides and BLAS, by hand). Both start from the
same weights, and the first step's losses and gradients are compared before any timing, so
the two do the same work. Steps alternate in one process; medians. PyTorch, when installed,
is timed afterwards on its own.

    python benchmarks/bench_cnn.py [--quick]                   # one BLAS thread, then default
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

from common import alternate, machine, run_in_thread_settings, try_torch

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


def ours_step(model, opt, x, y):
    xs, ys = ta.from_numpy(x), ta.from_numpy(y)

    def run():
        opt.zero_grad()
        loss = F.cross_entropy(model(xs), ys)
        loss.backward()
        opt.step()
    return run


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


def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo (Linux), else the platform's word for it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def measure(rounds: int) -> None:
    """One thread setting (this process's): print a table row for it."""
    x, y = load_batch()
    params = init_params(seed=0)
    model = lenet()
    model.load_state_dict({k: ta.tensor(v.copy()) for k, v in params.items()})
    loss_diff, grad_diff = same_work(model, params, x, y)
    opt = optim.SGD(model.parameters(), lr=LR)
    steps = {"numpy": lambda: sgd_step(params, x, y, LR), "ours": ours_step(model, opt, x, y)}
    med = alternate(steps, rounds, warmup=3)
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
            f"{med['ours'] / med['numpy']:>9.3f}")
    if "torch" in med:
        line += f"{med['torch'] * 1e3:>10.2f}{med['ours'] / med['torch']:>11.2f}"
    print(line + f"   (same batch and weights: loss diff {loss_diff:.1e}, "
          f"gradient diff {grad_diff:.1e})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both",
                        help="BLAS threads: one, the library's default, or both (default)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = 3 if args.quick else 41
    if args.child:                       # the environment was set by the parent
        measure(rounds)
        return
    print(f"LeNet-5 training step, batch {BATCH}, float32, forward + backward + SGD  "
          f"[{machine().rsplit(', OPENBLAS', 1)[0]}, {cpu_model()}]")
    print(f"{'threads':<9}{'numpy ms':>10}{'ours ms':>10}{'ours/np':>9}"
          + (f"{'torch ms':>10}{'ours/torch':>11}" if importlib.util.find_spec("torch") else ""))
    run_in_thread_settings(__file__, args.threads, ["--quick"] if args.quick else [])


if __name__ == "__main__":
    main()
