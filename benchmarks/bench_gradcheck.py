"""gradcheck's fast mode against the full check on a 1,000-element input: the time of a
passing check, and whether both catch the same deliberately wrong rules.

    python benchmarks/bench_gradcheck.py [--size 1000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import tinygrad_acts as ta
from tinygrad_acts.activations import _stable_sigmoid
from tinygrad_acts.autograd import Function

from common import alternate, machine


def rule(forward, backward, saves="output"):
    class Op(Function):
        def forward(self, x):
            y = forward(x)
            self.save(y if saves == "output" else x)
            return y

        def backward(self, g, s):
            return backward(g, s)

    return lambda x: Op.apply(x)


WRONG = {
    "sign error": rule(_stable_sigmoid, lambda g, y: -g * y * (1 - y)),
    "factor 2": rule(_stable_sigmoid, lambda g, y: 2 * g * y * (1 - y)),
    "2x where y > 0.7": rule(_stable_sigmoid,
                             lambda g, y: np.where(y > 0.7, 2.0, 1.0) * g * y * (1 - y)),
    "missing upstream": rule(_stable_sigmoid, lambda g, y: y * (1 - y)),
    "rule fed x, needs y": rule(_stable_sigmoid, lambda g, x: g * x * (1 - x), "input"),
    "rule fed y, needs x": rule(np.tanh, lambda g, y: g * (1 - np.tanh(y) ** 2)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    x = ta.tensor(np.random.default_rng(0).uniform(-3, 3, args.size), dtype=np.float64,
                  requires_grad=True)
    print(machine())
    print(f"\npassing checks on a {args.size}-element input (median of {args.rounds} rounds):")
    print(f"{'activation':<12} {'full':>10} {'fast_mode':>10} {'speedup':>8}")
    for name in ("relu", "sigmoid", "tanh", "gelu"):
        spec = ta.activations[name]
        t = alternate({"full": lambda s=spec: ta.gradcheck(s, x),
                       "fast": lambda s=spec: ta.gradcheck(s, x, fast_mode=True)},
                      rounds=args.rounds)
        print(f"{name:<12} {t['full'] * 1e3:>8.1f}ms {t['fast'] * 1e3:>8.2f}ms "
              f"{t['full'] / t['fast']:>7.0f}x")
    print("\nwrong rules caught (full / fast_mode):")
    same = True
    for name, fn in WRONG.items():
        full = not ta.gradcheck(fn, x, raise_exception=False)
        fast = not ta.gradcheck(fn, x, fast_mode=True, raise_exception=False)
        same &= full == fast
        print(f"  {name:<22} {'caught' if full else 'MISSED'} / {'caught' if fast else 'MISSED'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
