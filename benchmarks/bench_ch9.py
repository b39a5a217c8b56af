"""The book's chapter-9 network: tinygrad_acts against hand-written numpy (and PyTorch).

784 -> 100 tanh + dropout(0.5) -> 10, no biases, softmax cross-entropy, SGD, batch 100, one
pass over 1,000 images per run. The framework version is written the way a PyTorch user
would (nn.Linear(bias=False), nn.Dropout, F.cross_entropy, optim.SGD, zero_grad / backward
/ step); the numpy version is the book's loop. Runs alternate in one process; medians.
PyTorch, when installed, is timed afterwards on its own (see the NOTE in main).

With ``OPENBLAS_NUM_THREADS=1`` the runs are timed in the thread's CPU time (steady on a
busy machine), else in wall time. When the step compiler exists (``ta.compile``), the same
step compiled is a third contender.

    python benchmarks/bench_ch9.py [--quick] [--dtype float32|float64] [--json PATH]
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_ch9.py      # single-threaded BLAS
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

from common import (
    alternate,
    clock_name,
    compiled_cells,
    emit,
    machine,
    ratio_row,
    settle_compiled,
    torch_epoch,
    try_compile,
    try_torch,
)

BATCH, LR = 100, 0.02   # the book's alpha = 2 with its extra 1/batch: lr = 2 / 100


def load_images(n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The first n images of the real MNIST sample when cached/installed, else random
    pixels of the same shape (speed does not depend on the values)."""
    try:
        x, y = ta.data.mnist_sample()
        return (x[:n].reshape(n, 784) / 255.0), np.asarray(y[:n], dtype=np.int64)
    except Exception:  # noqa: BLE001 - any reason the sample is unavailable
        rng = np.random.default_rng(0)
        return rng.random((n, 784)), rng.integers(0, 10, n)


class Chapter9Net(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.hidden = nn.Linear(784, 100, bias=False, dtype=dtype)
        self.output = nn.Linear(100, 10, bias=False, dtype=dtype)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        return self.output(self.dropout(self.hidden(x).tanh()))


def framework_step(model, opt):
    def step(x, t):
        loss = F.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def framework_epoch(model, opt, images, labels, step=None):
    """One epoch of ``step`` (the eager step by default; a compiled one when given)."""
    step = step or framework_step(model, opt)

    def run():
        for i in range(0, len(images), BATCH):
            step(ta.from_numpy(images[i:i + BATCH]), ta.from_numpy(labels[i:i + BATCH]))
    return run


def numpy_epoch(w01, w12, images, onehot, rng):
    """The book's loop, with its weights as (in, out) and its output-based tanh rule."""
    def run():
        for i in range(0, len(images), BATCH):
            x, t = images[i:i + BATCH], onehot[i:i + BATCH]
            h = np.tanh(x @ w01)
            mask = rng.integers(0, 2, h.shape).astype(h.dtype)
            h_drop = h * mask * 2
            z = h_drop @ w12
            z = np.exp(z - z.max(axis=1, keepdims=True))
            p = z / z.sum(axis=1, keepdims=True)
            delta2 = (t - p) / (BATCH * BATCH)
            delta1 = (delta2 @ w12.T) * (1 - h * h) * mask * 2
            np.add(w12, 2.0 * h_drop.T @ delta2, out=w12)
            np.add(w01, 2.0 * x.T @ delta1, out=w01)
    return run


def torch_model_epoch(torch, images, labels, dtype):
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    model = torch.nn.Sequential(torch.nn.Linear(784, 100, bias=False), torch.nn.Tanh(),
                                torch.nn.Dropout(0.5), torch.nn.Linear(100, 10, bias=False)
                                ).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    return torch_epoch(torch, model, opt, images, labels, BATCH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    args = parser.parse_args()
    rounds = 3 if args.quick else 61
    torch = try_torch()
    if torch is not None:
        torch.set_num_threads(int(__import__("os").environ.get("OPENBLAS_NUM_THREADS", "0"))
                              or torch.get_num_threads())
    images64, labels = load_images()
    print(f"chapter-9 network, one epoch of 1,000 images, batch {BATCH}, medians of "
          f"{clock_name()}  [{machine()}]")
    print(f"{'dtype':<9}{'numpy ms':>10}{'ours ms':>10}{'ours/np':>9}"
          + (f"{'torch ms':>10}{'torch/ours':>11}" if torch else "")
          + (f"{'compiled ms':>12}{'comp/np':>9}" if hasattr(ta, "compile") else ""))
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    med, compiled_fields = {}, {}
    for name in dtypes:
        dtype = np.dtype(name)
        images = images64.astype(dtype)
        onehot = np.eye(10, dtype=dtype)[labels]
        ta.manual_seed(0)
        model = Chapter9Net(dtype)
        opt = optim.SGD(model.parameters(), lr=LR)
        rng = np.random.default_rng(0)
        w01 = rng.uniform(-0.01, 0.01, (784, 100)).astype(dtype)
        w12 = rng.uniform(-0.1, 0.1, (100, 10)).astype(dtype)
        contenders = {"numpy": numpy_epoch(w01, w12, images, onehot, rng),
                      "ours": framework_epoch(model, opt, images, labels)}
        twin = Chapter9Net(dtype)
        twin_opt = optim.SGD(twin.parameters(), lr=LR)
        compiled = try_compile(ta, framework_step(twin, twin_opt))
        if compiled is not None:
            contenders["compiled"] = framework_epoch(twin, twin_opt, images, labels, compiled)
        med[name] = alternate(contenders, rounds, warmup=2)
        compiled_fields[name] = settle_compiled(med[name], compiled)
    # NOTE: torch runs on its own, after numpy and ours: its OpenMP threads keep spinning
    # after each op, which on this 2-core machine slowed whatever ran in between (the
    # numpy loop, ours) by 2x or more. Each is timed as its own user would run it.
    for name in dtypes:
        if torch is not None:
            epoch = torch_model_epoch(torch, images64.astype(name), labels, np.dtype(name))
            med[name]["torch"] = alternate({"torch": epoch}, rounds, warmup=2)["torch"]
        line = ratio_row(name, med[name], 1e3, width=9)
        if compiled_fields[name]:
            line += compiled_cells(compiled_fields[name], med[name]["numpy"], width=12)
        print(line)
        emit(args.json, bench="ch9", label="book's ch-9 net, 1 epoch of 1,000 images",
             dtype=name, unit="ms/epoch", rounds=rounds, quick=args.quick, **med[name],
             **compiled_fields[name])
    for name, fields in compiled_fields.items():
        if "compiled_eager" in fields:
            print(f"compiled {name}: ran eagerly: {fields['compiled_eager']}")


if __name__ == "__main__":
    main()
