"""Where do output-based derivative rules lose precision, and why keep them anyway?

tanh's slope can be written from its output, 1 - y**2, or from its input, sech(x)**2; the
sigmoid's from its output, y * (1 - y), or from its input, e^-|x| / (1 + e^-|x|)**2. The
output forms are what this framework uses and what Andrew Trask's *Grokking Deep Learning*,
chapter 9 ("Modeling probabilities and nonlinearities: activation functions") teaches: its
table gives each derivative from the output (tanh: 1 - output**2, sigmoid:
output * (1 - output)). This lab tests the price of that claim. They lose precision where the
function saturates: once y rounds to 1, 1 - y**2 is exactly 0 although the true slope is not.
This lab measures where that happens in float32 and float64, against a reference computed in
extended precision (numpy's longdouble), and then shows what the output form buys: less
memory kept for backward, in-place activations, and a cheaper rule.

    python examples/precision_lab.py                    # about 3 s
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
from tinygrad_acts import nn
from tinygrad_acts.plots import save_figure
from tinygrad_acts.viz import kept_alive_bytes

WIDE = np.longdouble   # 64-bit mantissa on x86-64 Linux: the reference


# --- the rules, each in the dtype it is given ------------------------------------------------

def tanh_from_output(x: np.ndarray) -> np.ndarray:
    y = np.tanh(x)
    return 1 - y * y


def tanh_from_input(x: np.ndarray) -> np.ndarray:
    # NOTE: sech(x) = 2 e^-|x| / (1 + e^-2|x|): no cancellation, no overflow.
    e = np.exp(-np.abs(x))
    return (2 * e / (1 + e * e)) ** 2


def sigmoid_from_output(x: np.ndarray) -> np.ndarray:
    y = ta.activations["sigmoid"].forward(x)
    return y * (1 - y)


def sigmoid_from_input(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


FUNCTIONS = {
    "tanh": (tanh_from_output, tanh_from_input, "1 - y**2", "sech(x)**2"),
    "sigmoid": (sigmoid_from_output, sigmoid_from_input, "y * (1 - y)",
                "e^-|x| / (1 + e^-|x|)**2"),
}


def rel_error(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got.astype(WIDE) - want) / want


def rule_error(rule, dtype, exact, xs: np.ndarray) -> np.ndarray:
    """Relative error of ``rule`` run in ``dtype``, against the exact slope at the same,
    already rounded, x (so rounding x itself, which no rule can undo, is not counted)."""
    x = xs.astype(dtype)
    return rel_error(rule(x), exact(x.astype(WIDE)))


def first_x(rule, dtype, exact, xs: np.ndarray, test) -> float | None:
    """The smallest grid point where ``test(relative error)`` holds."""
    hit = np.nonzero(test(rule_error(rule, dtype, exact, xs)))[0]
    return float(xs[hit[0]]) if hit.size else None


def precision_tables(args: argparse.Namespace) -> dict:
    xs = np.array(args.points, dtype=np.float64)
    dense = np.linspace(0, 45, 45001)
    found = {}
    for name, (out_rule, in_rule, out_text, in_text) in FUNCTIONS.items():
        want = in_rule(xs.astype(WIDE))
        print(f"{name}: output-based {out_text} vs input-based {in_text}; relative error "
              f"against a longdouble reference")
        print(f"  {'x':>5} {'true slope':>11} {'out f32':>10} {'in f32':>9} {'out f64':>10} "
              f"{'in f64':>9}")
        for i, x in enumerate(xs):
            cells = []
            for dtype in (np.float32, np.float64):
                for rule in (out_rule, in_rule):
                    err = rule_error(rule, dtype, in_rule, np.array([x]))[0]
                    cells.append("exact 0" if rule(np.array([x], dtype))[0] == 0
                                 else f"{float(err):.0e}")
            print(f"  {x:>5g} {float(want[i]):>11.3e} {cells[0]:>10} {cells[1]:>9} "
                  f"{cells[2]:>10} {cells[3]:>9}")
        summary = {}
        for dtype in (np.float32, np.float64):
            summary[np.dtype(dtype).name] = (
                first_x(out_rule, dtype, in_rule, dense, lambda e: e > 0.01),
                first_x(out_rule, dtype, in_rule, dense, lambda e: e >= 1),
                float(np.max(np.abs(out_rule(dense.astype(dtype)).astype(WIDE)
                                    - in_rule(dense.astype(WIDE))))),
                float(np.max(rule_error(in_rule, dtype, in_rule, dense))))
        for dt, (one_pct, total, abs_err, in_err) in summary.items():
            say(f"  {dt}: the output rule is off by more than 1% from x = {one_pct:g} and "
                f"returns exactly 0 (100% off) from x = {total:g}; its absolute error never "
                f"exceeds {abs_err:.1e}; the input rule stays within {in_err:.0e} relative "
                f"all the way to x = 45")
        found[name] = summary
        print()
    negative = np.linspace(-80, 0, 8001)
    err = rule_error(sigmoid_from_output, np.float32, sigmoid_from_input, negative)
    say(f"  sigmoid on the negative side (x from -80 to 0): y itself is tiny but exact and "
        f"1 - y is about 1, so y * (1 - y) keeps float32 precision (worst relative error "
        f"{float(err.max()):.0e}, a few units in the last place): the loss is one-sided.")
    return found


def through_autograd() -> None:
    """The framework's own tanh and sigmoid use the output rules: see the zeros."""
    points = [10.0, 20.0]
    print("the framework's own backward (output-based rules):")
    print(f"  {'':<8}" + "".join(f"{f'{n}({x:g})':>14}" for n in ("tanh'", "sigmoid'")
                                 for x in points))
    for dtype in (np.float32, np.float64):
        cells = []
        for name in ("tanh", "sigmoid"):
            x = ta.tensor(points, dtype=dtype, requires_grad=True)
            ta.activations[name](x).sum().backward()
            cells += [f"{v:.3e}" if v else "0" for v in x.grad.numpy()]
        print(f"  {np.dtype(dtype).name:<8}" + "".join(f"{c:>14}" for c in cells))
    exact = [f"{float(f(np.array([x], WIDE))[0]):.3e}" for f in (tanh_from_input,
                                                                  sigmoid_from_input)
             for x in points]
    print(f"  {'exact':<8}" + "".join(f"{c:>14}" for c in exact))
    print()


def what_the_output_buys(args: argparse.Namespace) -> None:
    """Memory kept for backward, in-place legality, and the cost of the rule itself."""
    ta.register_activation(
        "tanh_from_x", forward=np.tanh, saves="input", monotonic=True,
        backward=lambda grad, x: grad * (2 * np.exp(-abs(x)) / (1 + np.exp(-2 * abs(x)))) ** 2)
    try:
        sizes = {}
        for name in ("tanh", "tanh_from_x"):
            ta.manual_seed(0)
            act = nn.activation_module(name)
            net = nn.Sequential(nn.Linear(784, args.width), act(), nn.Linear(args.width,
                                args.width), act(), nn.Linear(args.width, 10))
            loss = net(ta.randn(args.batch, 784)).sum()
            sizes[name] = kept_alive_bytes(loss)
        extra = sizes["tanh_from_x"] - sizes["tanh"]
        print(f"why keep the output: a 784-{args.width}-{args.width}-10 tanh MLP on a batch of "
              f"{args.batch}")
        say(f"  memory kept for backward (viz.kept_alive_bytes): {sizes['tanh'] / 2**20:.2f} MiB "
            f"with the output rule, {sizes['tanh_from_x'] / 2**20:.2f} MiB with the input rule "
            f"(+{extra / 2**20:.2f} MiB = one {args.batch}x{args.width} float32 array per "
            "layer: the next Linear already keeps tanh's output, so the output rule costs "
            "nothing extra, while the input rule keeps the pre-activation too)")
        z = ta.randn(4, 3, requires_grad=True) * 1
        z.tanh_()
        z.sum().backward()
        try:
            w = ta.randn(4, 3, requires_grad=True) * 1
            w.tanh_from_x_()
            verdict = "ran (unexpected)"
        except RuntimeError as e:
            verdict = f"refused: {e}"
        say("  in place: tanh_() overwrites its input and still backprops (its rule needs "
            f"only y); the input-based rule in place is {verdict}")
        x = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)
        y = np.tanh(x)
        timings = {}
        for label, fn in (("1 - y**2 (from y)", lambda: 1 - y * y),
                          ("sech(x)**2 (from x)", lambda: tanh_from_input(x))):
            best = min(_timed(fn) for _ in range(5))
            timings[label] = best
        a, b = timings.values()
        print(f"  the rule itself on 10^6 float32: 1 - y**2 {1e3 * a:.2f} ms, "
              f"sech(x)**2 {1e3 * b:.2f} ms ({b / a:.1f}x)")
    finally:
        ta.unregister_activation("tanh_from_x")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def say(text: str) -> None:
    lead = text[:len(text) - len(text.lstrip())]
    print(textwrap.fill(text.strip(), 96, initial_indent=lead, subsequent_indent=lead + "  "))


def plot(path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install matplotlib for the plot)")
        return
    xs = np.linspace(0.05, 40, 2000)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.3), sharey=True)
    for ax, (name, (out_rule, in_rule, out_text, in_text)) in zip(axes, FUNCTIONS.items()):
        for dtype, color in ((np.float32, "C0"), (np.float64, "C1")):
            dt = np.dtype(dtype).name
            for rule, style, text in ((out_rule, "-", out_text), (in_rule, ":", in_text)):
                err = np.maximum(rule_error(rule, dtype, in_rule, xs).astype(np.float64),
                                 1e-20)
                ax.semilogy(xs, err, style, color=color, lw=1.3, label=f"{text}, {dt}")
        ax.set_title(f"{name}: relative error of the slope", fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylim(1e-20, 10)
    axes[0].set_ylabel("relative error (1 = 100%)")
    for ax in axes:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_figure(fig, path)      # a 256-colour PNG: small enough to commit
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=float, nargs="+",
                   default=[1, 4, 8, 9, 10, 16, 17, 19, 20, 30, 40], help="x values to tabulate")
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--plot", type=Path, default=None,
                   help="PNG to write (none by default, so a run changes no tracked file; "
                        "the committed picture is made with --plot docs/img/precision_lab.png)")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)
    print("Claim (Andrew Trask, Grokking Deep Learning, ch. 9): tanh's and sigmoid's derivatives "
          "can be\n  computed from their outputs, 1 - y**2 and y * (1 - y); at what cost in "
          "precision?\n")
    with np.errstate(all="ignore"):
        precision_tables(args)
    through_autograd()
    what_the_output_buys(args)
    if args.plot is not None and not args.no_plot:
        with np.errstate(all="ignore"):
            plot(args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
