"""Which activation should I use? CS231n's "in practice" advice, measured.

Tests claims of two texts. Stanford's CS231n lecture on activation functions and
neural-network architectures advises: "use ReLU, mind the learning rate; try Leaky ReLU /
Maxout; try tanh but don't expect much; never use sigmoid", and ReLU "converges about 6x
faster than sigmoid/tanh". This lab trains the same 784-128-128-10 network on 4,000 real
MNIST digits once per registered activation (every one, including any you register yourself)
with the same plain SGD, and reports test accuracy, how many steps it took to first reach
85% on the test digits, time per epoch, and the dead and saturated fractions of its hidden
units at the end (``ActivationMonitor``).

Then the argument of Andrew Trask's *Grokking Deep Learning*, chapter 9 ("Modeling
probabilities and nonlinearities: activation functions") at the output: sigmoid gives every
class its own independent 0..1 score, softmax makes the classes compete for one unit of
probability. The book's raw outputs [0, ..., 0, 100] first, then both output layers trained
on the digits.

    python examples/compare_activations.py             # about 25 s
    python examples/compare_activations.py --epochs 5 --only relu tanh sigmoid
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
import time
from pathlib import Path

# NOTE: small matrices: one BLAS thread beats several fighting over busy cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # after the thread settings, which numpy reads on import

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim
from tinygrad_acts.data import DataLoader, mnist_split
from tinygrad_acts.diagnostics import ActivationMonitor
from tinygrad_acts.plots import save_figure

ADVICE = ("In practice: use ReLU, mind the learning rate; try Leaky ReLU / Maxout; try tanh "
          "but don't expect much; never use sigmoid.")


def mlp(activation: str, hidden: int, out_features: int = 10) -> nn.Sequential:
    if activation == "maxout":
        return nn.Sequential(nn.Maxout(784, hidden), nn.Maxout(hidden, hidden),
                             nn.Linear(hidden, out_features))
    act = nn.activation_module(activation)
    return nn.Sequential(nn.Linear(784, hidden), act(), nn.Linear(hidden, hidden), act(),
                         nn.Linear(hidden, out_features))


def accuracy(net: nn.Module, x: ta.Tensor, y: np.ndarray) -> float:
    with ta.no_grad():
        return float((net(x).numpy().argmax(1) == y).mean())


def run(activation: str, data: tuple, args: argparse.Namespace) -> dict:
    """Train one network; test accuracy every ``args.every`` steps."""
    xtr, ytr, xte, yte = data
    test_x = ta.tensor(xte)
    ta.manual_seed(args.seed)
    net = mlp(activation, args.hidden)
    opt = optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    curve, step, seconds = [(0, accuracy(net, test_x, yte))], 0, 0.0
    with np.errstate(all="ignore"):
        for epoch in range(args.epochs):
            start = time.perf_counter()
            for xb, yb in DataLoader(xtr, ytr, args.batch, shuffle=True, seed=epoch):
                opt.zero_grad()
                F.cross_entropy(net(xb), yb).backward()
                opt.step()
                step += 1
                if step % args.every == 0:
                    seconds += time.perf_counter() - start
                    curve.append((step, accuracy(net, test_x, yte)))
                    start = time.perf_counter()
            seconds += time.perf_counter() - start
    monitor = ActivationMonitor(net)
    with ta.no_grad():
        net(ta.tensor(xtr))
    stats = list(monitor.stats().values())
    monitor.remove()
    units = sum(s.units for s in stats)
    saturated = [s.saturated for s in stats]
    reached = next((s for s, a in curve if a >= args.target), None)
    return dict(name=activation, saves=ta.activations[activation].saves,
                acc=accuracy(net, test_x, yte), curve=curve, reached=reached,
                epoch_ms=1000 * seconds / args.epochs,
                dead=sum(s.dead * s.units for s in stats) / units,
                saturated=None if None in saturated else
                sum(f * s.units for f, s in zip(saturated, stats)) / units)


def book_outputs() -> None:
    """Trask's chapter 9: raw outputs [0, ..., 0, 100] through sigmoid and softmax."""
    raw = ta.tensor([0.0] * 9 + [100.0], dtype=np.float64)
    target = np.eye(10)[9]
    sig, soft = raw.sigmoid().numpy(), raw.softmax(-1).numpy()
    print("Trask, Grokking Deep Learning, ch. 9: raw outputs [0, 0, 0, 0, 0, 0, 0, 0, 0, 100], "
          "the answer is 9")
    for name, y in (("sigmoid", sig), ("softmax", soft)):
        shown = " ".join(f"{v:.2f}" for v in y)
        print(f"  {name} [{shown}]  sum {y.sum():.2f}, squared error "
              f"{((y - target) ** 2)[0]:.2f} x 9")
    print(f"  e^100 = {math.exp(100):.4g} (Trask: about 2.688 * 10^43)")


def train_head(head: str, lr: float, x: np.ndarray, y: np.ndarray,
               args: argparse.Namespace) -> nn.Module:
    """A relu network trained with a sigmoid output and squared error against one-hot rows,
    or with a softmax output and cross-entropy."""
    onehot = np.eye(10, dtype=np.float32)
    ta.manual_seed(args.seed)
    net = mlp("relu", args.hidden)
    opt = optim.SGD(net.parameters(), lr=lr)
    with np.errstate(all="ignore"):
        for epoch in range(args.epochs):
            for xb, yb in DataLoader(x, y, args.batch, shuffle=True, seed=epoch):
                opt.zero_grad()
                logits = net(xb)
                if head == "sigmoid":
                    loss = ((logits.sigmoid() - onehot[yb.numpy()]) ** 2).sum(1).mean()
                else:
                    loss = F.cross_entropy(logits, yb)   # softmax inside, fused gradient
                loss.backward()
                opt.step()
    return net


def output_layers(data: tuple, args: argparse.Namespace) -> list[tuple]:
    """Each output layer at its best learning rate (chosen on 500 held-out training digits):
    test accuracy, and how its outputs add up."""
    xtr, ytr, xte, yte = data
    fit_x, fit_y, val_x, val_y = xtr[:-500], ytr[:-500], xtr[-500:], ytr[-500:]
    rows = []
    for head in ("sigmoid", "softmax"):
        tried = [(accuracy(train_head(head, lr, fit_x, fit_y, args), ta.tensor(val_x), val_y),
                  lr) for lr in args.head_lrs]
        best_lr = max(tried)[1]
        net = train_head(head, best_lr, fit_x, fit_y, args)
        with ta.no_grad():
            logits = net(ta.tensor(xte))
            probs = (logits.sigmoid() if head == "sigmoid" else logits.softmax(-1)).numpy()
        sums = probs.sum(1)
        rows.append((head, best_lr, float((probs.argmax(1) == yte).mean()), float(sums.min()),
                     float(sums.max()), float(probs.max(1).mean())))
    return rows


def plot(results: list[dict], path: Path, target: float) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install matplotlib for the plot)")
        return
    fig, ax = plt.subplots(figsize=(7.6, 3.8))
    for i, r in enumerate(results):
        steps, accs = zip(*r["curve"])
        ax.plot(steps, [100 * a for a in accs], color=f"C{i % 10}",
                ls="-" if i < 10 else "--", lw=1.4, label=f"{r['name']} ({100 * r['acc']:.0f}%)")
    ax.axhline(100 * target, color="0.6", ls=":", lw=1)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("the same MLP on MNIST digits, one run per registered activation",
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    save_figure(fig, path)      # a 256-colour PNG: small enough to commit
    plt.close(fig)
    print(f"wrote {path}")


def say(text: str, indent: int = 10) -> None:
    print(textwrap.fill(text, 96, subsequent_indent=" " * indent))


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", metavar="NAME", help="activations to compare "
                   "(default: every registered one)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--every", type=int, default=10, help="test every N steps")
    p.add_argument("--head-lrs", type=float, nargs="+", default=[0.05, 0.2, 0.5],
                   help="learning rates tried for each output layer")
    p.add_argument("--target", type=float, default=0.85, help="accuracy for 'steps to'")
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=None,
                   help="PNG to write (none by default, so a run changes no tracked file; "
                        "the committed picture: --plot docs/img/compare_activations.png)")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)

    names = args.only or list(ta.activations)
    data = mnist_split(args.train, args.test, args.seed)
    say("Claims (Stanford's CS231n, lecture on activation functions and neural-network "
        "architectures): \"use ReLU ... never use sigmoid\", and ReLU converges about 6x "
        "faster; (Andrew Trask, Grokking Deep Learning, ch. 9): softmax, not sigmoid, at the "
        "output", indent=2)
    print()
    say(f"Every activation on the same 784-{args.hidden}-{args.hidden}-10 network: "
        f"{args.train:,} real MNIST digits, SGD lr {args.lr} momentum {args.momentum}, "
        f"batch {args.batch}, {args.epochs} epochs", indent=2)
    print()
    goal = f"steps to {100 * args.target:.0f}%"
    print(f"{'activation':<12} {'keeps':<7} {'test acc':>8} {goal:>13} {'ms/epoch':>9} "
          f"{'dead':>6} {'saturated':>9}")
    results = []
    for name in names:
        r = run(name, data, args)
        results.append(r)
        reached = "never" if r["reached"] is None else str(r["reached"])
        print(f"{name:<12} {r['saves']:<7} {100 * r['acc']:>7.1f}% {reached:>13} "
              f"{r['epoch_ms']:>9.0f} {pct(r['dead']):>6} {pct(r['saturated']):>9}")
    say("(dead: outputs exactly 0 for all training digits; saturated: outputs in the flat "
        "zone, e.g. tanh |y| > 0.99)", indent=1)
    print()

    ranking = sorted(results, key=lambda r: -r["acc"])
    say(f"CS231n:  \"{ADVICE}\"")
    say("here:    ranked by test accuracy: " +
        ", ".join(f"{r['name']} {100 * r['acc']:.1f}%" for r in ranking))
    by = {r["name"]: r for r in results}
    if "relu" in by and by["relu"]["reached"]:
        relu = by["relu"]["reached"]
        parts = []
        for other in ("tanh", "sigmoid"):
            if other in by:
                steps = by[other]["reached"]
                parts.append(f"{other} {steps} ({steps / relu:.1f}x relu's)" if steps
                             else f"{other} never in {args.epochs} epochs")
        say(f"CS231n:  ReLU \"converges about 6x faster than sigmoid/tanh\"; here, steps to "
            f"{100 * args.target:.0f}% test accuracy: relu {relu}, " + ", ".join(parts) +
            " (the 6x was measured on a deep convolutional network; on this shallow MLP the "
            "gap is between sigmoid and the rest)")
    say("note:    softmax and log_softmax normalise across a layer's units: they belong at "
        "the output, as the next part shows")
    print()
    book_outputs()
    lrs = ", ".join(f"{lr:g}" for lr in args.head_lrs)
    print()
    say(f"trained on the digits (relu hidden layers, plain SGD, {args.epochs} epochs, the "
        f"best of lr {lrs} on held-out digits):", indent=2)
    print(f"  {'output':<8} {'loss':<14} {'lr':>5} {'test acc':>8} {'outputs sum to':>15} "
          f"{'mean top score':>15}")
    for head, lr, acc, lo, hi, top in output_layers(data, args):
        loss = "squared error" if head == "sigmoid" else "cross-entropy"
        print(f"  {head:<8} {loss:<14} {lr:>5g} {100 * acc:>7.1f}% {lo:>7.2f} .. {hi:<5.2f} "
              f"{top:>15.2f}")
    say("  sigmoid scores each class on its own, so its outputs need not sum to 1; softmax's "
        "always do, and its cross-entropy gradient is Trask's (labels - layer_2) / "
        "batch_size with the sign of a descent step.", indent=2)
    if args.plot is not None and not args.no_plot:
        plot(results, args.plot, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
