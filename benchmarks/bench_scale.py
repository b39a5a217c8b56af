"""At scale: a 784-256-256-10 ReLU MLP, one epoch over 60,000 images, against hand-written
numpy (and PyTorch when installed); then how time grows with batch size and width, and
the share of the time spent in BLAS (the matrix multiplies).

Data: the Fashion-MNIST IDX files from Debian's `dataset-fashion-mnist` package when
present (apt-get install dataset-fashion-mnist), else random data of the same shape.

    python benchmarks/bench_scale.py [--quick] [--data-dir DIR]
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

from common import alternate, machine, torch_epoch, try_torch

LR = 0.05


def find_fashion_mnist() -> str | None:
    for pattern in ("/usr/share/dataset-fashion-mnist*", "/usr/share/*/fashion*mnist*",
                    "/usr/share/*fashion*"):
        for root in glob.glob(pattern):
            if glob.glob(os.path.join(root, "**", "train-images-idx3-ubyte*"), recursive=True):
                hit = glob.glob(os.path.join(root, "**", "train-images-idx3-ubyte*"),
                                recursive=True)[0]
                return os.path.dirname(hit)
    return None


def load(data_dir: str | None, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    root = data_dir or find_fashion_mnist()
    if root:
        (x, y), _ = ta.data.load_mnist(root)
        return x[:n].astype(np.float32), y[:n].astype(np.int64), f"Fashion-MNIST ({root})"
    rng = np.random.default_rng(0)
    return (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n),
            "synthetic data of MNIST's shape")


def framework(widths, x_all, y_all, batch):
    ta.manual_seed(0)
    layers = []
    for a, b in pairwise(widths):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    opt = optim.SGD(model.parameters(), lr=LR)

    def run():
        for i in range(0, len(x_all), batch):
            loss = F.cross_entropy(model(ta.from_numpy(x_all[i:i + batch])),
                                   ta.from_numpy(y_all[i:i + batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return run


def hand_numpy(widths, x_all, y_all, batch, matmul_time=None):
    """Forward, backward and SGD written out; ``matmul_time`` (a list) collects the time
    spent in the matrix multiplies when given."""
    rng = np.random.default_rng(0)
    ws = [(rng.uniform(-1, 1, (a, b)) / np.sqrt(a)).astype(np.float32)
          for a, b in pairwise(widths)]
    bs = [np.zeros(b, np.float32) for b in widths[1:]]
    mm = np.matmul
    if matmul_time is not None:
        def mm(a, b):
            t = time.perf_counter()
            out = a @ b
            matmul_time[0] += time.perf_counter() - t
            return out

    def run():
        for i in range(0, len(x_all), batch):
            x, t = x_all[i:i + batch], y_all[i:i + batch]
            acts = [x]
            for j, (w, b) in enumerate(zip(ws, bs)):
                z = mm(acts[-1], w) + b
                acts.append(np.maximum(z, 0) if j < len(ws) - 1 else z)
            z = acts[-1]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(t)), t] -= 1
            g = p / len(t)
            for j in range(len(ws) - 1, -1, -1):
                gw, gb = mm(acts[j].T, g), g.sum(axis=0)
                if j:
                    g = mm(g, ws[j].T) * (acts[j] > 0)
                ws[j] -= LR * gw
                bs[j] -= LR * gb
    return run


def torch_run(torch, widths, x_all, y_all, batch):
    torch.manual_seed(0)
    layers = []
    for a, b in pairwise(widths):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    return torch_epoch(torch, model, opt, x_all, y_all, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--data-dir", help="a directory with the four MNIST-style IDX files")
    args = parser.parse_args()
    n = 6000 if args.quick else 60000
    rounds = 1 if args.quick else 5
    x_all, y_all, source = load(args.data_dir, n)
    torch = try_torch()
    if torch is not None:
        threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "0"))
        if threads:
            torch.set_num_threads(threads)
    print(f"784-256-256-10 ReLU MLP, SGD, one epoch over {n:,} images of {source}")
    print(f"[{machine()}]")
    widths = (784, 256, 256, 10)
    headline = alternate({"numpy": hand_numpy(widths, x_all, y_all, 128),
                          "ours": framework(widths, x_all, y_all, 128)}, rounds,
                         warmup=0 if args.quick else 1)
    print(f"batch 128: numpy {headline['numpy']:.3f} s, ours {headline['ours']:.3f} s, "
          f"ours/numpy {headline['ours'] / headline['numpy']:.3f}")

    sub = max(n // 6, 1000)  # the sweeps use a sixth of the epoch to stay short
    print(f"\nhow time grows (one pass over {sub:,} images; ratio = ours / numpy; "
          f"BLAS share = time in numpy's matmuls / numpy's total)")
    print(f"{'setting':<22}{'numpy s':>9}{'ours s':>9}{'ratio':>8}{'BLAS share':>12}")
    settings = [(f"batch {b}", widths, b) for b in (32, 128, 512, 1024)]
    settings += [(f"width {w}", (784, w, w, 10), 128) for w in (64, 256, 1024)]
    for label, ws, batch in settings:
        xs, ys = x_all[:sub], y_all[:sub]
        med = alternate({"numpy": hand_numpy(ws, xs, ys, batch),
                         "ours": framework(ws, xs, ys, batch)}, max(rounds // 2, 1), warmup=0)
        spent = [0.0]
        start = time.perf_counter()
        hand_numpy(ws, xs, ys, batch, spent)()
        share = spent[0] / (time.perf_counter() - start)
        print(f"{label:<22}{med['numpy']:>9.3f}{med['ours']:>9.3f}"
              f"{med['ours'] / med['numpy']:>8.3f}{share:>11.0%}")

    # NOTE: torch runs last and on its own: its OpenMP threads keep spinning after each
    # op, which on a 2-core machine slows whatever runs in between (see bench_ch9.py).
    if torch is not None:
        med = alternate({"torch": torch_run(torch, widths, x_all, y_all, 128)}, rounds,
                        warmup=0 if args.quick else 1)
        print(f"\nbatch 128, PyTorch: {med['torch']:.3f} s, torch/ours "
              f"{med['torch'] / headline['ours']:.2f}")


if __name__ == "__main__":
    main()
