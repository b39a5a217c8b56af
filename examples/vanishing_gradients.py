"""Does a deep sigmoid network really starve its first layers of gradient?

Tests a claim of the course lesson on ReLU and softmax activations (which quotes Andrej
Karpathy's CS231n). The lesson says the sigmoid's derivative is at most 0.25, "so each
sigmoid layer shrinks the backpropagated error by at least 75%". This lab builds the same
8-hidden-layer stack (784 -> 64 x 8 -> 10) with sigmoid, tanh and relu, and measures on real
MNIST digits:

- the mean |gradient| arriving at each hidden layer (``ActivationMonitor``), at
  initialisation and after a few epochs of training;
- the factor the activation alone applies on the way down, mean |grad in| / mean |grad out|
  of each activation module (``register_full_backward_hook``);
- what each stack learns: test accuracy.

The weights start "scaled" (normal with variance 1/fan_in, 2/fan_in for relu: Xavier and He
initialisation), so each layer's weights keep the gradient's size and what shrinks it is the
activation. PyTorch's default initialisation (uniform, a third of that variance) shrinks
every stack a little more; the lab shows it too.

    python examples/vanishing_gradients.py              # about 5 s
    python examples/vanishing_gradients.py --depth 12 --epochs 5
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
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

COURSE = ("the sigmoid's derivative is at most 0.25, so each sigmoid layer shrinks the "
          "backpropagated error by at least 75%")
ACTIVATIONS = ("sigmoid", "tanh", "relu")


def stack(activation: str, depth: int, width: int, init: str) -> nn.Sequential:
    act = nn.activation_module(activation)
    layers: list = [nn.Linear(784, width), act()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), act()]
    net = nn.Sequential(*layers, nn.Linear(width, 10))
    if init == "scaled":
        # Xavier (variance 1/fan_in) keeps a gradient's size through W^T; relu zeroes half
        # the units, so He doubles the variance to make up for it (gain sqrt(2)).
        nonlinearity = "relu" if activation == "relu" else "linear"
        for m in net:
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity=nonlinearity)
                nn.init.zeros_(m.bias)
    return net


def census(net: nn.Module, monitor: ActivationMonitor, x: np.ndarray, y: np.ndarray) -> tuple:
    """One forward and backward on a fixed batch: mean |grad| arriving at each hidden
    layer, and each activation's own factor mean |grad in| / mean |grad out|."""
    factors: list = []

    def own_factor(module: nn.Module, grad_in: tuple, grad_out: tuple) -> None:
        factors.append(float(np.abs(grad_in[0].numpy()).mean() /
                             np.abs(grad_out[0].numpy()).mean()))

    acts = [m for m in net if isinstance(m, nn.Activation)]
    handles = [m.register_full_backward_hook(own_factor) for m in acts]
    monitor.reset()
    net.zero_grad()
    F.cross_entropy(net(ta.tensor(x)), y).backward()
    for h in handles:
        h.remove()
    grads = [monitor.stats()[name].grad_mean for name in monitor.layers]
    return grads, factors[::-1]          # hooks fire from the top down: put layer 1 first


def run(activation: str, init: str, data: tuple, args: argparse.Namespace) -> dict:
    xtr, ytr, xte, yte = data
    ta.manual_seed(args.seed)
    net = stack(activation, args.depth, args.width, init)
    monitor = ActivationMonitor(net)
    probe_x, probe_y = xtr[:args.probe], ytr[:args.probe]
    before, own = census(net, monitor, probe_x, probe_y)
    opt = optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    with monitor.paused():
        for epoch in range(args.epochs):
            for xb, yb in DataLoader(xtr, ytr, args.batch, shuffle=True, seed=epoch):
                opt.zero_grad()
                F.cross_entropy(net(xb), yb).backward()
                opt.step()
    after, _ = census(net, monitor, probe_x, probe_y)
    with ta.no_grad():
        acc = float((net(ta.tensor(xte)).numpy().argmax(1) == yte).mean())
    monitor.remove()
    return dict(before=before, after=after, own=own, acc=acc,
                shrink=per_layer(before), shrink_after=per_layer(after))


def per_layer(grads: list) -> float:
    """How many times smaller the gradient gets per layer, top to bottom (geometric mean)."""
    return float((grads[-1] / grads[0]) ** (1 / (len(grads) - 1)))


def table(results: dict, key: str, title: str) -> None:
    print(title)
    print(f"  {'layer':<14}" + "".join(f"{a:>11}" for a in results))
    depth = len(next(iter(results.values()))[key])
    for i in reversed(range(depth)):
        name = f"{i + 1}" + (" (top)" if i == depth - 1 else " (input)" if i == 0 else "")
        print(f"  {name:<14}" + "".join(f"{r[key][i]:>11.1e}" for r in results.values()))
    shrink = "shrink" if key == "before" else "shrink_after"
    print(f"  {'per layer':<14}" + "".join(f"{'/ ' + format(r[shrink], '.2f'):>11}"
                                           for r in results.values()))


def say(text: str) -> None:
    """Print a long line wrapped, continuation lines indented under its first word."""
    lead = text[:len(text) - len(text.lstrip())]
    print(textwrap.fill(text.strip(), 96, initial_indent=lead,
                        subsequent_indent=lead + " " * 8))


def plot(scaled: dict, default: dict, path: Path, epochs: int) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install matplotlib for the plot)")
        return
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), sharey=True)
    for ax, key, title in ((axes[0], "before", "at initialisation"),
                           (axes[1], "after", f"after {epochs} epochs")):
        for i, (name, r) in enumerate(scaled.items()):
            layers = range(1, len(r[key]) + 1)
            ax.semilogy(layers, r[key], "o-", color=f"C{i}",
                        label=f"{name} (test {100 * r['acc']:.0f}%)")
            if name in default:
                ax.semilogy(layers, default[name][key], ":", color=f"C{i}")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("hidden layer (1 = input side)")
    axes[0].set_ylabel("mean |gradient| arriving")
    axes[0].legend(fontsize=8)
    fig.suptitle("8-layer stacks on MNIST: solid = scaled init, dotted = PyTorch default",
                 fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)      # a 256-colour PNG: small enough to commit
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--depth", type=int, default=8, help="hidden layers (default 8)")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--probe", type=int, default=500, help="images in the gradient census")
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=None,
                   help="PNG to write (none by default, so a run changes no tracked file; "
                        "the committed picture: --plot docs/img/vanishing_gradients.png)")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)

    data = mnist_split(args.train, args.test, args.seed)
    print("Claim (the course lesson on ReLU and softmax activations, quoting CS231n):\n  the "
          "sigmoid's derivative is at most 0.25, so a deep sigmoid stack starves its first "
          "layers\n")
    say(f"Vanishing gradients: {args.depth} hidden layers of {args.width} units on "
        f"{args.train:,} real MNIST digits; gradient census on {args.probe} images")
    print()
    scaled = {a: run(a, "scaled", data, args) for a in ACTIVATIONS}
    default = {a: run(a, "default", data, args) for a in ACTIVATIONS}

    table(scaled, "before", "mean |gradient| arriving at each hidden layer, at initialisation "
                            "(scaled init):")
    own = {a: r["own"] for a, r in scaled.items()}
    say("  activation's own factor (mean |grad in| / mean |grad out|, by backward hooks): " +
        ", ".join(f"{a} {min(f):.2f}..{max(f):.2f}" for a, f in own.items()))
    s, t, r = scaled["sigmoid"], scaled["tanh"], scaled["relu"]
    print()
    say(f"lesson: \"{COURSE}\"")
    say(f"here:   each sigmoid scales the gradient by {min(s['own']):.2f}..{max(s['own']):.2f}, "
        f"so it shrinks by {100 * (1 - max(s['own'])):.0f}-{100 * (1 - min(s['own'])):.0f}%; "
        f"with the weights the stack loses {s['shrink']:.1f}x per layer, and layer 1 gets "
        f"{s['before'][-1] / s['before'][0]:,.0f}x less gradient than layer {args.depth} "
        f"(tanh: {t['before'][-1] / t['before'][0]:.1f}x, relu: "
        f"{r['before'][-1] / r['before'][0]:.1f}x)")
    print()
    table(scaled, "after", f"after {args.epochs} epochs of SGD (lr {args.lr}, momentum "
                           f"{args.momentum}):")
    print("  test accuracy " + "".join(f"{100 * r['acc']:>10.1f}%" for r in scaled.values()))
    print()
    say("with PyTorch's default initialisation (uniform +-1/sqrt(fan_in), a third of Xavier's "
        "variance) every stack shrinks more per layer at init: " +
        ", ".join(f"{a} {r['shrink']:.1f}x" for a, r in default.items()) +
        "; test accuracy after training: " +
        ", ".join(f"{a} {100 * r['acc']:.1f}%" for a, r in default.items()) +
        ". The deep relu stack needs He initialisation to learn at all.")
    if args.plot is not None and not args.no_plot:
        plot(scaled, default, args.plot, args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
