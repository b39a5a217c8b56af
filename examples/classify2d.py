"""More neurons, or stronger regularization? The 2-D classifier demo of CS231n.

Stanford's CS231n lecture on activation functions and neural-network architectures shows,
with its ConvNetJS 2-D classification demo, two pictures this lab redraws:

1. "more neurons = more capacity": the same data fitted by nets with 3, 6 and 20 hidden
   neurons; the bigger nets draw more complicated decision regions;
2. "do not use the size of the network as a regularizer; use stronger regularization
   instead": the 20-neuron net with L2 strength lambda = 0.001, 0.01 and 0.1; the larger
   lambda, the smoother its regions.

The data are two interleaved half-moons drawn with numpy from a seed, with Gaussian noise
and one label in ten swapped, so that fitting every training point means learning noise; the
nets see 100 training points and are judged on 1,000 fresh test points. Each net is a 2-H-2
MLP with ReLU trained on the whole training set with Adam; the loss is the data loss
(cross-entropy) plus the course's L2 term ``0.5 * lambda * sum(W**2)`` over the weight
matrices (not the biases), written out in the training step so the penalty is visible. How
smooth a net's regions are is measured, not only drawn: the boundary share is the share of
neighbouring cells of a fine grid that the net puts in different classes.

    python examples/classify2d.py                         # about 5 s
    python examples/classify2d.py --plot classify2d.png   # and the two grids of pictures
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: threads only cost

import numpy as np  # after the thread setting, which numpy reads on import

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

TEXT = ("Stanford CS231n, lecture on activation functions and neural-network architectures "
        "(the ConvNetJS 2-D classification demo)")
CLAIMS = {"width": "more neurons = more capacity",
          "lambda": "do not use the size of the network as a regularizer; "
                    "use stronger regularization instead"}


def moons(points: int, seed: int, noise: float = 0.25, flip: float = 0.1
          ) -> tuple[np.ndarray, np.ndarray]:
    """``points`` points on two interleaved half-moons (class 0 above, class 1 below),
    moved by Gaussian ``noise`` and with a share ``flip`` of the labels swapped, so a net
    that fits every training point has learned noise."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, points)
    y = rng.integers(0, 2, points)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) + rng.normal(0.0, noise, (points, 2))
    swapped = rng.random(points) < flip
    y[swapped] = 1 - y[swapped]
    return (1.5 * (x - [0.5, 0.25])).astype(np.float32), y


GRID = np.linspace(-3.0, 3.0, 121, dtype=np.float32)


def boundary_share(net: nn.Module) -> float:
    """How long the decision boundary is: the share of neighbouring cells of a 121 x 121
    grid over the picture that the net puts in different classes (smoother = smaller)."""
    gx, gy = np.meshgrid(GRID, GRID)
    regions = predict(net, np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
    return float(((regions[1:] != regions[:-1]).mean()
                  + (regions[:, 1:] != regions[:, :-1]).mean()) / 2)


def train(hidden: int, lam: float, data: tuple, args: argparse.Namespace) -> dict:
    """Fit one 2-hidden-3 net on the training set; accuracy on both sets and the losses."""
    xtr, ytr, xte, yte = data
    ta.manual_seed(args.seed)
    net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, int(ytr.max()) + 1))
    weights = [m.weight for m in net if isinstance(m, nn.Linear)]
    opt = optim.Adam(net.parameters(), lr=args.lr)
    x, y = ta.tensor(xtr), ta.tensor(ytr)
    for _ in range(args.steps):
        opt.zero_grad()
        data_loss = F.cross_entropy(net(x), y)
        l2 = 0.5 * lam * sum((w * w).sum() for w in weights)
        (data_loss + l2).backward()
        opt.step()
    with ta.no_grad():
        final = F.cross_entropy(net(x), y).item()
        penalty = float(0.5 * lam * sum((w.numpy().astype(np.float64) ** 2).sum()
                                        for w in weights))
    return dict(hidden=hidden, lam=lam, net=net, data_loss=final, l2=penalty,
                train=accuracy(net, xtr, ytr), test=accuracy(net, xte, yte),
                boundary=boundary_share(net))


def accuracy(net: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    return float((predict(net, x) == y).mean())


def predict(net: nn.Module, x: np.ndarray) -> np.ndarray:
    with ta.no_grad():
        return net(ta.tensor(x)).numpy().argmax(1)


def plot(rows: list[tuple[str, list[dict]]], data: tuple, path: Path) -> None:
    """Two rows of decision-region pictures, train and test accuracy under each."""
    from tinygrad_acts.plots import pyplot, save_figure
    try:
        plt = pyplot()
    except ImportError:
        print("(matplotlib is not installed: pip install matplotlib for the pictures)")
        return
    xtr, ytr, _, _ = data
    gx, gy = np.meshgrid(GRID, GRID)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    fig, axes = plt.subplots(len(rows), 3, figsize=(9, 6.4))
    for (title, results), line in zip(rows, axes):
        for r, ax in zip(results, line):
            regions = predict(r["net"], points).reshape(gx.shape)
            ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5], cmap="Pastel1", alpha=0.9)
            ax.scatter(xtr[:, 0], xtr[:, 1], c=ytr, cmap="Set1", s=6, edgecolors="none")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{r['hidden']} neurons, lambda={r['lam']:g}", fontsize=9)
            ax.set_xlabel(f"train {100 * r['train']:.0f}%, test {100 * r['test']:.0f}%, "
                          f"boundary {100 * r['boundary']:.1f}%", fontsize=8)
        line[0].set_ylabel(title, fontsize=9)
    fig.suptitle("CS231n's 2-D demo: capacity (top) and regularization (bottom)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=int, default=100, help="training points")
    p.add_argument("--test-points", type=int, default=1000)
    p.add_argument("--noise", type=float, default=0.25, help="std of the points' noise")
    p.add_argument("--flip", type=float, default=0.1, help="share of swapped labels")
    p.add_argument("--steps", type=int, default=3000, help="full-batch Adam steps per net")
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--widths", type=int, nargs=3, default=[3, 6, 20])
    p.add_argument("--lambdas", type=float, nargs=3, default=[0.001, 0.01, 0.1])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=None,
                   help="PNG to write (none by default, so a run changes no tracked file)")
    args = p.parse_args(argv)

    xtr, ytr = moons(args.points, args.seed, args.noise, args.flip)
    xte, yte = moons(args.test_points, args.seed + 100, args.noise, args.flip)
    data = (xtr, ytr, xte, yte)
    print(f"Testing {TEXT}:")
    print(f"two noisy half-moons ({100 * args.flip:g}% of labels swapped), {len(ytr)} training "
          f"and {len(yte):,} test points; 2-H-2 ReLU nets, {args.steps} full-batch Adam steps\n")
    start = time.perf_counter()
    big = max(args.widths)
    width = [train(h, args.lambdas[0], data, args) for h in args.widths]
    first = width[-1] if width[-1]["hidden"] == big else train(big, args.lambdas[0], data, args)
    reg = [first] + [train(big, lam, data, args) for lam in args.lambdas[1:]]
    rows = [("capacity", width), ("regularization", reg)]
    print(f"{'':<15} {'neurons':>7} {'lambda':>7} {'data loss':>9} {'L2 term':>8} "
          f"{'train':>6} {'test':>6} {'boundary':>8}")
    for (title, results), claim in zip(rows, CLAIMS.values()):
        print(f'CS231n: "{claim}"')
        for r in results:
            print(f"{title:<15} {r['hidden']:>7} {r['lam']:>7g} {r['data_loss']:>9.3f} "
                  f"{r['l2']:>8.3f} {100 * r['train']:>5.1f}% {100 * r['test']:>5.1f}% "
                  f"{100 * r['boundary']:>7.2f}%")
    best = max(reg, key=lambda r: r["test"])
    print(f"\nmore neurons: training accuracy {100 * width[0]['train']:.0f}% -> "
          f"{100 * width[-1]['train']:.0f}% from {width[0]['hidden']} to {width[-1]['hidden']} "
          f"neurons, boundary share {100 * width[0]['boundary']:.2f}% -> "
          f"{100 * width[-1]['boundary']:.2f}% (the regions bend more)")
    print(f"stronger L2 on the {big}-neuron net: boundary share "
          + " -> ".join(f"{100 * r['boundary']:.2f}%" for r in reg)
          + f" (smoother); the best test accuracy, {100 * best['test']:.1f}%, is at "
          f"lambda={best['lam']:g}")
    print(f"({time.perf_counter() - start:.1f} s)")
    if args.plot:
        plot(rows, data, args.plot)
    return {"width": width, "lambda": reg}


if __name__ == "__main__":
    main()
