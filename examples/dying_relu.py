"""Why did my ReLUs die?

Tests a claim of Stanford's CS231n lecture on activation functions and neural-network
architectures (and of the course lesson on ReLU and softmax activations, which quotes it).
The lecture warns that ReLU units can "die" (output 0 for every input, so their gradient is
0 and they never learn again) and that "as much as 40% of a network can be dead if the
learning rate is too high". This lab trains the same 784-128-128-10 network on 4,000 real
MNIST digits at a sane and at a too-high learning rate, counts dead units with
``ActivationMonitor`` (a unit is dead when it outputs exactly 0 for all 4,000 training
images), checks that the dead ones really receive no gradient at all, and then trains
Leaky ReLU and Maxout networks at the same too-high rate.

    python examples/dying_relu.py                       # about 10 s
    python examples/dying_relu.py --runs relu:0.3 elu:0.3 --epochs 2

The optimizer is Adam, whose steps are about ``lr`` in size whatever the gradient, so a
too-high rate moves weights too far without overflowing (with plain SGD the same mistake
mostly ends in NaN first; try ``--sgd``).
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from pathlib import Path

# NOTE: the matrices here are small, and BLAS threads fighting over a few busy cores cost
# far more than they save (10x slower on a loaded 2-core machine). Export the variable
# yourself to override this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # after the thread settings, which numpy reads on import

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim
from tinygrad_acts.data import DataLoader, mnist_split
from tinygrad_acts.diagnostics import ActivationMonitor
from tinygrad_acts.plots import save_figure

LECTURE = "as much as 40% of a network can be dead if the learning rate is too high"


def mlp(activation: str, hidden: int) -> nn.Module:
    """Two hidden layers of ``hidden`` units; maxout layers carry their own Linear."""
    if activation == "maxout":
        return nn.Sequential(nn.Maxout(784, hidden), nn.Maxout(hidden, hidden),
                             nn.Linear(hidden, 10))
    act = nn.activation_module(activation)
    return nn.Sequential(nn.Linear(784, hidden), act(), nn.Linear(hidden, hidden), act(),
                         nn.Linear(hidden, 10))


def never_positive(net: nn.Module, x: np.ndarray) -> float:
    """Share of hidden units whose output is <= 0 for every image: for ReLU these are the
    dead ones; a Leaky ReLU unit there still passes 1% of its gradient and can recover."""
    outs: list = []
    layers = [m for m in net if isinstance(m, (nn.Activation, nn.Maxout))]
    handles = [m.register_forward_hook(lambda m, i, o: outs.append(o.numpy() > 0))
               for m in layers]
    with ta.no_grad():
        net(ta.tensor(x))
    for h in handles:
        h.remove()
    fired = np.concatenate([o.any(axis=0) for o in outs])
    return float(1 - fired.mean())


def run(activation: str, lr: float, data: tuple, args: argparse.Namespace) -> dict:
    """Train one network; after every epoch, count its dead units over the training set."""
    xtr, ytr, xte, yte = data
    ta.manual_seed(args.seed)
    net = mlp(activation, args.hidden)
    opt = optim.SGD(net.parameters(), lr=lr) if args.sgd else optim.Adam(net.parameters(), lr=lr)
    monitor = ActivationMonitor(net)
    everything = ta.tensor(xtr)

    def census() -> None:          # one pass over all training images: who ever fired?
        monitor.reset()
        with ta.no_grad():
            net(everything)
        monitor.snapshot()

    census()
    start = time.perf_counter()
    with np.errstate(all="ignore"):  # a diverging run is a result here, not a crash
        for epoch in range(args.epochs):
            with monitor.paused():
                for xb, yb in DataLoader(xtr, ytr, args.batch, shuffle=True, seed=epoch):
                    opt.zero_grad()
                    F.cross_entropy(net(xb), yb).backward()
                    opt.step()
            census()
        with ta.no_grad():
            acc = float((net(ta.tensor(xte)).numpy().argmax(1) == yte).mean())
    seconds = time.perf_counter() - start
    history = monitor.history()
    layer_dead = [history[name]["dead"] for name in monitor.layers]
    units = [monitor.stats()[name].units or args.hidden for name in monitor.layers]
    network = [sum(d[e] * u for d, u in zip(layer_dead, units)) / sum(units)
               for e in range(args.epochs + 1)]
    # The dead units' proof: one backward over every training image gives their incoming
    # weights exactly zero gradient, so no step of any optimizer can ever revive them.
    monitor.reset()
    net.zero_grad()
    with np.errstate(all="ignore"):
        F.cross_entropy(net(everything), ytr).backward()
    first = monitor.layers[0]
    dead = monitor.dead_mask(first)
    weight = net[0].linear.weight if activation == "maxout" else net[0].weight
    zero_grad = int(np.all(weight.grad.numpy()[dead] == 0, axis=1).sum()) if dead.any() else 0
    monitor.remove()
    return dict(activation=activation, lr=lr, layer_dead=[d[-1] for d in layer_dead],
                network=network, acc=acc, seconds=seconds, dead_first=int(dead.sum()),
                zero_grad=zero_grad, never_positive=never_positive(net, xtr))


def say(text: str) -> None:
    """Print a long line wrapped, continuation lines indented under its first word."""
    print(textwrap.fill(text.strip(), 96, initial_indent=text[:len(text) - len(text.lstrip())],
                        subsequent_indent=" " * 9))


def plot(results: list[dict], path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install matplotlib for the plot)")
        return
    fig, ax = plt.subplots(figsize=(7.6, 3.6))
    for r in results:
        label = f"{r['activation']}, lr={r['lr']:g} (test {100 * r['acc']:.0f}%)"
        style = "o-" if r["activation"] == "relu" else "s--"
        ax.plot(range(len(r["network"])), [100 * d for d in r["network"]], style, label=label)
    ax.axhline(40, color="0.6", ls=":", lw=1)
    ax.text(0.02, 41, "CS231n: 'as much as 40%'", fontsize=8, color="0.4")
    ax.set_xlabel("epoch")
    ax.set_ylabel("dead hidden units (%)")
    ax.set_title("units that output exactly 0 for all 4,000 training digits", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    save_figure(fig, path)      # a 256-colour PNG: small enough to commit
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", default=["relu:0.001", "relu:0.01", "relu:0.03",
                                                 "relu:0.1", "leaky_relu:0.1", "maxout:0.1"],
                   help="activation:learning_rate pairs")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--sgd", action="store_true", help="plain SGD instead of Adam")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=None,
                   help="PNG to write (none by default, so a run changes no tracked file; "
                        "the committed picture is made with --plot docs/img/dying_relu.png)")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)

    data = mnist_split(args.train, args.test, args.seed)
    print("Claim (Stanford's CS231n, lecture on activation functions and neural-network "
          "architectures):\n  ReLU units can die, \"as much as 40% of a network\" if the "
          "learning rate is too high\n")
    print(f"Dying ReLUs: 784-{args.hidden}-{args.hidden}-10 on {args.train:,} real MNIST "
          f"digits, {'SGD' if args.sgd else 'Adam'}, batch {args.batch}, "
          f"{args.epochs} epochs\n")
    print(f"{'activation':<11} {'lr':>6} {'dead at init':>12} {'layer 1':>8} {'layer 2':>8} "
          f"{'network':>8} {'never > 0':>9} {'test acc':>8} {'time':>6}")
    results = []
    for spec in args.runs:
        activation, lr = spec.split(":")
        r = run(activation, float(lr), data, args)
        results.append(r)
        print(f"{activation:<11} {float(lr):>6g} {100 * r['network'][0]:>11.1f}% "
              f"{100 * r['layer_dead'][0]:>7.1f}% {100 * r['layer_dead'][1]:>7.1f}% "
              f"{100 * r['network'][-1]:>7.1f}% {100 * r['never_positive']:>8.1f}% "
              f"{100 * r['acc']:>7.1f}% {r['seconds']:>5.1f}s")
    print("\n(dead: outputs exactly 0 for all training images; never > 0: outputs <= 0 for "
          "all of them)")

    relus = [r for r in results if r["activation"] == "relu"]
    print(f"\nCS231n:  \"{LECTURE}\"")
    if relus:
        rates = ", ".join(f"{100 * r['network'][-1]:.1f}% at lr={r['lr']:g}" for r in relus)
        say(f"here:    dead share of the ReLU network after {args.epochs} epochs: {rates}")
        worst = max(relus, key=lambda r: r["network"][-1])
        if worst["dead_first"]:
            say(f"         at lr={worst['lr']:g}, all {worst['zero_grad']} of the "
                  f"{worst['dead_first']} dead units in layer 1 get exactly zero gradient "
                  f"from all {args.train:,} images: no step can revive them")
    for r in results:
        if r["activation"] == "leaky_relu":
            say(f"leaky_relu at lr={r['lr']:g}: {100 * r['network'][-1]:.1f}% dead; "
                  f"{100 * r['never_positive']:.1f}% of its units sit on the negative side "
                  f"for every image, yet still get 1% of their gradient; test accuracy "
                  f"{100 * r['acc']:.1f}%")
        elif r["activation"] == "maxout":
            say(f"maxout at lr={r['lr']:g}: {100 * r['network'][-1]:.1f}% dead; every unit "
                  f"passes its gradient to its winning piece; test accuracy "
                  f"{100 * r['acc']:.1f}%")
    if args.plot is not None and not args.no_plot:
        plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
