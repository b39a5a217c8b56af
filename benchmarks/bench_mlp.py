"""The 784-256-256-10 ReLU MLP training step over Fashion-MNIST: tinygrad_acts against
hand-written numpy (and the step compiler, and PyTorch, when there).

Data: the 60,000 training images of Fashion-MNIST (Debian's ``dataset-fashion-mnist``, in
/usr/share/datasets/fashion-mnist), scaled to [0, 1]; random pixels of the same shape when
the files are missing (the speed does not depend on the values). Ours is written as a
PyTorch user writes it (nn.Sequential of nn.Linear and nn.ReLU, F.cross_entropy,
optim.SGD, zero_grad / backward / step); the numpy step is benchmarks/numpy_mlp.py. Both
start from the same weights, and the first step's loss and gradients are compared before
any timing, so the two do the same work. Each round runs ``--steps`` consecutive batches
(the next round goes on where the last stopped, so the rounds walk through the 60,000
images), the contenders alternating; medians per step, and the epoch (60,000 images) they
imply. PyTorch, when installed, is timed afterwards on its own.

    python benchmarks/bench_mlp.py [--quick]                # one BLAS thread, then default
    python benchmarks/bench_mlp.py --threads 1 --batch 128 --dtype float32
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
from pathlib import Path

# NOTE: BLAS reads its thread count when numpy loads, so each setting runs in its own
# process (see main): these imports come after the caller has set the variable.
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from numpy_mlp import MLP_KEYS, init_params, loss_and_grads, sgd_step

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

LR = 0.05
DATA = "/usr/share/datasets/fashion-mnist"


def load_images() -> tuple[np.ndarray, np.ndarray, str]:
    """(images (60000, 784) float64 in [0, 1], labels int64, where they came from)."""
    try:
        train = ta.data.FashionMNIST(DATA, train=True)
        return (train.data.numpy().reshape(len(train), 784) / 255.0, train.targets.numpy(),
                f"Fashion-MNIST ({DATA})")
    except (OSError, ValueError):
        rng = np.random.default_rng(0)
        return rng.random((60000, 784)), rng.integers(0, 10, 60000), "random pixels"


def mlp(module=nn, dtype=None):
    """The network, in tinygrad_acts (module=nn) or torch (module=torch.nn): same code."""
    kw = {} if dtype is None else {"dtype": dtype}
    return module.Sequential(module.Linear(784, 256, **kw), module.ReLU(),
                             module.Linear(256, 256, **kw), module.ReLU(),
                             module.Linear(256, 10, **kw))


class Batches:
    """The next ``batch`` images and labels on every call, walking through all of them and
    starting over (the last partial batch is skipped, so every step has the same shape)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch: int) -> None:
        self.x, self.y, self.batch, self.i = x, y, batch, 0

    def __call__(self) -> tuple[np.ndarray, np.ndarray]:
        if self.i + self.batch > len(self.x):
            self.i = 0
        i, self.i = self.i, self.i + self.batch
        return self.x[i:i + self.batch], self.y[i:i + self.batch]


def ours_step(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def ours_run(step, batches: Batches, steps: int):
    def run():
        for _ in range(steps):
            x, y = batches()
            step(ta.from_numpy(x), ta.from_numpy(y))
    return run


def numpy_run(params, batches: Batches, steps: int):
    def run():
        for _ in range(steps):
            sgd_step(params, *batches(), LR)
    return run


def torch_run(torch, params, batches: Batches, steps: int):
    model = mlp(torch.nn).to(getattr(torch, str(next(iter(params.values())).dtype)))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def run():
        for _ in range(steps):
            x, y = batches()
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)),
                                                     torch.from_numpy(y))
            loss.backward()
            opt.step()
    return run


def framework_model(params: dict, dtype) -> nn.Module:
    model = mlp(nn, dtype)
    model.load_state_dict({k: ta.tensor(v.copy()) for k, v in params.items()})
    return model


def same_work(model, params, x, y) -> tuple[float, float]:
    """(|loss difference|, largest gradient difference relative to the gradient's scale)
    between ours and the numpy step on one batch from the same weights."""
    loss, grads = loss_and_grads(params, x, y)
    model.zero_grad()
    ours = F.cross_entropy(model(ta.from_numpy(x)), ta.from_numpy(y))
    ours.backward()
    named = dict(model.named_parameters())
    worst = max(float(np.abs(named[k].grad.numpy() - grads[k]).max()
                      / (np.abs(grads[k]).max() + 1e-30)) for k in MLP_KEYS)
    model.zero_grad()
    return abs(float(ours.item()) - float(loss)), worst


def measure(dtype_name: str, batch: int, steps: int, rounds: int, json_path: str | None,
            images: tuple, quick: bool = False) -> None:
    """One (dtype, batch) in this process's thread setting: print a table row for it."""
    dtype = np.dtype(dtype_name)
    x_all, y_all = images[0].astype(dtype), images[1]
    params = init_params(seed=0, dtype=dtype)
    model = framework_model(params, dtype)
    loss_diff, grad_diff = same_work(model, params, x_all[:batch], y_all[:batch])
    contenders = {"numpy": numpy_run(params, Batches(x_all, y_all, batch), steps),
                  "ours": ours_run(ours_step(model, optim.SGD(model.parameters(), lr=LR)),
                                   Batches(x_all, y_all, batch), steps)}
    twin = framework_model(init_params(seed=0, dtype=dtype), dtype)
    compiled = try_compile(ta, ours_step(twin, optim.SGD(twin.parameters(), lr=LR)))
    if compiled is not None:
        contenders["compiled"] = ours_run(compiled, Batches(x_all, y_all, batch), steps)
    med = {k: v / steps for k, v in alternate(contenders, rounds, warmup=2).items()}
    compiled_fields = settle_compiled(med, compiled)
    torch = try_torch()
    if torch is not None:
        # NOTE: torch runs on its own, after the others: its OpenMP threads keep spinning
        # after each op and slow whatever runs in between (see bench_ch9.py).
        threads = os.environ.get("OPENBLAS_NUM_THREADS")
        if threads:
            torch.set_num_threads(int(threads))
        run = torch_run(torch, init_params(seed=0, dtype=dtype), Batches(x_all, y_all, batch),
                        steps)
        med["torch"] = alternate({"torch": run}, rounds, warmup=2)["torch"] / steps
    epoch = math.floor(len(x_all) / batch)
    label = f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default'):<9}{dtype_name:<9}{batch:<7}"
    line = (f"{label}{med['numpy'] * 1e3:>10.3f}{med['ours'] * 1e3:>10.3f}"
            f"{med['ours'] / med['numpy']:>9.3f}")
    line += compiled_cells(compiled_fields, med["numpy"], digits=3)
    line += (f"{med['torch'] * 1e3:>10.3f}{med['torch'] / med['numpy']:>9.3f}" if "torch" in med
             else f"{'-':>10}{'-':>9}")
    print(line + f"{med['ours'] * epoch:>9.2f}   (loss diff {loss_diff:.1e}, "
          f"grad diff {grad_diff:.1e})", flush=True)
    if "compiled_eager" in compiled_fields:
        print(f"  compiled: ran eagerly: {compiled_fields['compiled_eager']}")
    check_same_weights("bench_mlp", model, twin, compiled_fields)
    emit(json_path, bench="mlp", label=f"MLP 784-256-256-10, batch {batch}", dtype=dtype_name,
         unit="ms/step", rounds=rounds, quick=quick, **med, **compiled_fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both",
                        help="BLAS threads: one, the library's default, or both (default)")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--batch", type=int, nargs="+", default=[128, 32])
    parser.add_argument("--steps", type=int, default=None,
                        help="batches per round (default: 3,072 images' worth)")
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = 3 if args.quick else 21
    if args.child:                       # the environment was set by the parent
        images = load_images()
        if args.quick:
            images = (images[0][:2048], images[1][:2048], images[2])
        for dtype in ["float32", "float64"] if args.dtype == "both" else [args.dtype]:
            for batch in args.batch:
                steps = args.steps or (2 if args.quick else max(3072 // batch, 4))
                measure(dtype, batch, steps, rounds, args.json, images, args.quick)
        return
    source = f"Fashion-MNIST ({DATA})" if os.path.isdir(DATA) else "random pixels"
    print(f"784-256-256-10 ReLU MLP training step (SGD), {source}  "
          f"[{machine().rsplit(', OPENBLAS', 1)[0]}, {cpu_model()}, {blas_name()}]")
    has_torch = importlib.util.find_spec("torch") is not None
    print(f"{'threads':<9}{'dtype':<9}{'batch':<7}{'numpy ms':>10}{'ours ms':>10}"
          f"{'ours/np':>9}{'comp ms':>10}{'comp/np':>9}"
          + (f"{'torch ms':>10}{'torch/np':>9}" if has_torch else f"{'':>19}")
          + f"{'epoch s':>9}")
    child = [f"--dtype={args.dtype}", "--batch", *map(str, args.batch)]
    child += ["--quick"] if args.quick else []
    child += [f"--steps={args.steps}"] if args.steps else []
    child += [f"--json={args.json}"] if args.json else []
    run_in_thread_settings(__file__, args.threads, child)


if __name__ == "__main__":
    main()
