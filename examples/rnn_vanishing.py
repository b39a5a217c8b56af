"""Why does a plain RNN forget, and how do the LSTM's and GRU's gates remember?

The adding problem (Hochreiter & Schmidhuber, 1997): each of T time steps carries a number
drawn from U(0, 1) and a marker bit; exactly two steps are marked, one in each half of the
sequence, and the target, read after the last step, is the sum of the two marked numbers.
Predicting 1.0 every time scores the baseline mean squared error 1/6 = 0.167; a model has
*solved* a sequence when its answer is within 0.04 of the sum.

Three models, each a recurrent layer and a Linear head on its last output, the same hidden
size, the same Adam steps: a plain tanh ``nn.RNN``, an ``nn.LSTM`` and an ``nn.GRU``
(PyTorch's default initialisation). For each the lab reports

- the gradient through time: ||dL/dh_t||, the norm of the loss's gradient reaching the
  hidden state of step t (``diagnostics.gradient_through_time``), at initialisation and
  after training: the plain RNN's shrinks by a constant factor per step back in time, so
  the marked steps in the first half get almost nothing to learn from;
- the test error and the share of sequences solved as T grows;
- the saturated gates of the trained gated models (``ActivationMonitor``).

    python examples/rnn_vanishing.py                     # about 30 s
    python examples/rnn_vanishing.py --lengths 10 50 100 --steps 3000 --plot bptt.png
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
from tinygrad_acts.diagnostics import ActivationMonitor, gradient_through_time

KINDS = ("RNN", "LSTM", "GRU")
BASELINE = 1 / 6          # the variance of the sum of two U(0, 1) numbers
TOLERANCE = 0.04          # Hochreiter & Schmidhuber's "solved" criterion


def adding_batch(rng: np.random.Generator, n: int, steps: int) -> tuple[ta.Tensor, ta.Tensor]:
    """(inputs (T, n, 2): value and marker, targets (n,): the sum of the marked values)."""
    values = rng.random((n, steps)).astype(np.float32)
    marks = np.zeros((n, steps), np.float32)
    rows = np.arange(n)
    marks[rows, rng.integers(0, steps // 2, n)] = 1.0
    marks[rows, rng.integers(steps // 2, steps, n)] = 1.0
    x = np.stack([values, marks], axis=-1).transpose(1, 0, 2)
    return ta.tensor(np.ascontiguousarray(x)), ta.tensor((values * marks).sum(1))


class Adder(nn.Module):
    """A recurrent layer (``kind``: RNN, LSTM or GRU) and a Linear head on the last step."""

    def __init__(self, kind: str, hidden: int):
        super().__init__()
        self.rnn = getattr(nn, kind)(2, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: ta.Tensor) -> ta.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[-1])[:, 0]


def through_time(model: Adder, x: ta.Tensor, y: ta.Tensor) -> np.ndarray:
    """||dL/dh_t|| for t = 1..T (the layer's hidden state), the loss being the batch's MSE."""
    norms = gradient_through_time(model.rnn, x, lambda out: F.mse_loss(
        model.head(out[-1])[:, 0], y))
    return norms[:, 0]


def train(kind: str, steps: int, args: argparse.Namespace) -> dict:
    ta.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = Adder(kind, args.hidden)
    probe = adding_batch(np.random.default_rng(args.seed + 1), args.batch, steps)
    before = through_time(model, *probe)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    start = time.perf_counter()
    for _ in range(args.steps):
        x, y = adding_batch(rng, args.batch, steps)
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    seconds = time.perf_counter() - start
    after = through_time(model, *probe)
    x, y = adding_batch(np.random.default_rng(args.seed + 2), args.test, steps)
    gates = None
    monitor = ActivationMonitor(model) if kind != "RNN" else None
    with ta.no_grad():
        error = model(x).numpy() - y.numpy()
    if monitor is not None:
        gates = monitor.stats()["rnn.l0"]
        monitor.remove()
    return dict(model=model, before=before, after=after, mse=float((error ** 2).mean()),
                solved=float((np.abs(error) < TOLERANCE).mean()), seconds=seconds,
                gates=gates)


def say(text: str) -> None:
    """Print a long line wrapped, continuation lines indented under its first word."""
    lead = text[:len(text) - len(text.lstrip())]
    print(textwrap.fill(text.strip(), 96, initial_indent=lead,
                        subsequent_indent=lead + " " * 4))


def decay_table(results: dict, key: str, steps: int) -> None:
    """||dL/dh_t|| relative to the last step, at a few t, and the factor lost per step."""
    marks = sorted({1, steps // 4, steps // 2, 3 * steps // 4, steps} - {0})
    print(f"  {'t':<10}" + "".join(f"{k:>12}" for k in results))
    for t in marks:
        print(f"  {t:<10}" + "".join(f"{r[key][t - 1] / r[key][-1]:>12.1e}"
                                       for r in results.values()))
    print(f"  {'per step':<10}" + "".join(f"{'x ' + format(per_step(r[key]), '.3f'):>12}"
                                           for r in results.values()))


def per_step(norms: np.ndarray) -> float:
    """The geometric-mean factor the gradient changes by per step back in time."""
    if norms[0] <= 0:
        return 0.0
    return float((norms[0] / norms[-1]) ** (1 / (len(norms) - 1)))


def plot(results: dict, path: Path, steps: int) -> None:
    try:
        from tinygrad_acts.plots import plot_gradient_through_time
        curves = {f"{k} at init": r["before"] for k, r in results.items()}
        curves.update({f"{k} trained": r["after"] for k, r in results.items()})
        plot_gradient_through_time(curves, path, title=f"adding problem, T = {steps}: "
                                   "gradient reaching each step")
    except ImportError as e:
        print(f"(no plot: {e})")
        return
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lengths", type=int, nargs="+", default=[10, 30, 60],
                   help="sequence lengths T (default 10 30 60)")
    p.add_argument("--steps", type=int, default=1500, help="Adam steps per model (1500)")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--test", type=int, default=1000, help="test sequences")
    p.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=None,
                   help="write the gradient-through-time figure of the longest T here")
    args = p.parse_args(argv)

    say(f"The adding problem: T steps of (value, marker), the target the sum of the two "
        f"marked values; baseline error {BASELINE:.3f} (always answer 1.0). Hidden size "
        f"{args.hidden}, {args.steps} Adam steps (lr {args.lr}, batch {args.batch}) per "
        f"model and length; solved = within {TOLERANCE} of the sum on {args.test} new "
        "sequences.")
    print()
    runs = {}
    print(f"  {'T':>4} {'model':<6} {'test MSE':>9} {'solved':>7} {'train':>7}")
    for steps in args.lengths:
        for kind in args.kinds:
            r = train(kind, steps, args)
            runs[steps, kind] = r
            flag = "   <- at the baseline: learned nothing" if r["mse"] > 0.8 * BASELINE else ""
            print(f"  {steps:>4} {kind:<6} {r['mse']:>9.4f} {100 * r['solved']:>6.1f}% "
                  f"{r['seconds']:>6.1f}s{flag}")
    longest = max(args.lengths)
    results = {k: runs[longest, k] for k in args.kinds}
    print()
    print(f"gradient reaching the hidden state of step t, relative to the last step "
          f"(T = {longest}), at initialisation:")
    decay_table(results, "before", longest)
    print("after training:")
    decay_table(results, "after", longest)
    gated = {k: r["gates"] for k, r in results.items() if r["gates"] is not None}
    if gated:
        print()
        print(f"saturated gates after training (T = {longest}; sigmoid y < 0.01 or > 0.99, "
              "tanh |y| > 0.99):")
        for kind, s in gated.items():
            each = ", ".join(f"{g} {100 * v:.0f}%" for g, v in s.gates.items())
            print(f"  {kind:<5} sigmoid gates {100 * s.sigmoid_saturated:5.1f}%, tanh gates "
                  f"{100 * s.tanh_saturated:5.1f}%   ({each})")
    if "RNN" in results and len(results) > 1:
        r = results["RNN"]
        others = [k for k in results if k != "RNN"]
        print()
        say(f"At initialisation every model passes back only x {per_step(r['before']):.2f}"
            f"..{max(per_step(results[k]['before']) for k in results):.2f} of the gradient "
            f"per step (the gates start near 0.5), so step 1 receives about "
            f"{r['before'][0] / r['before'][-1]:.0e} of what step {longest} does. Training "
            "opens the gated layers' memory (c_t = f c_{t-1} + i g for the LSTM, h_t = "
            "(1 - z) n + z h_{t-1} for the GRU: added to, not squashed through tanh): after "
            "training they pass back " + ", ".join(
                f"{k} x {per_step(results[k]['after']):.2f}" for k in others) +
            f" per step, while the plain RNN, still at x {per_step(r['after']):.2f}, never "
            "sees the marked values early in the sequence.")
    if args.plot is not None:
        plot(results, args.plot, longest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
