"""Exercise: write the backward rule of a new activation, and let the checker mark it.

    softsign(x) = x / (1 + |x|)          d softsign / dx = 1 / (1 + |x|)**2

The story below makes two classic first attempts, shows what `ta.gradcheck` says about each
(which elements are wrong, by how much, and the likely mistake), what Hypothesis shrinks
the failure to, and then the fix passing every check.

Your turn: write `your_backward` below and run

    python examples/gradcheck_exercise.py --yours
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

import tinygrad_acts as ta
from tinygrad_acts import testing
from tinygrad_acts.__main__ import main as check_command

NAME = "my_softsign"


def forward(x):
    return x / (1 + np.abs(x))


def your_backward(grad, x):
    """Your rule: `grad` is the upstream gradient, `x` the saved input (saves="input")."""
    return grad * 0  # TODO: replace with the derivative of softsign, times grad


def install(backward, saves: str) -> None:
    # kinks=(0.0,): softsign's slope 1 / (1 + |x|)**2 has a corner at 0 (from |x|), so the
    # second-derivative check must keep away from it, like relu's first-derivative check.
    ta.register_activation(NAME, forward, backward, saves=saves, kinks=(0.0,),
                           monotonic=True, replace=True)


def attempt(title: str, backward, saves: str) -> bool:
    print(f"\n=== {title} ===\n")
    install(backward, saves)
    x = ta.tensor([-2.0, -0.5, 0.5, 1.0, 3.0], dtype=np.float64, requires_grad=True)
    try:
        ta.gradcheck(ta.activations[NAME], x)
    except ta.GradcheckError as err:
        print(err)
        try:  # Hypothesis searches for a failing input and shrinks it to the simplest one
            testing.check_activation(NAME, second_order=False, max_examples=50)
        except ta.GradcheckError as shrunk:
            print(f"\nHypothesis's smallest failing input: {shrunk.example[0]!r}")
        return False
    print("gradcheck passes")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--yours", action="store_true", help="check your_backward only")
    if parser.parse_args().yours:
        ok = attempt("your backward", your_backward, "input")
        if ok:
            testing.check_activation(NAME)  # first and second derivatives, many inputs
            print("and it passes on Hypothesis's inputs, second derivatives included")
        return 0 if ok else 1

    # 1. The rule is right, but register_activation's default is saves="output": the rule
    #    receives y = softsign(x), not x, and computes the slope at the wrong point.
    attempt("attempt 1: the right formula, but the rule is handed the output",
            lambda grad, x: grad / (1 + np.abs(x)) ** 2, saves="output")

    # 2. saves="input" now, but the chain rule is missing: the upstream gradient is dropped.
    attempt("attempt 2: saves='input', but the upstream gradient is forgotten",
            lambda grad, x: 1 / (1 + np.abs(x)) ** 2, saves="input")

    # 3. Both fixed.
    ok = attempt("attempt 3: grad / (1 + |x|)**2 with saves='input'",
                 lambda grad, x: grad / (1 + np.abs(x)) ** 2, saves="input")
    x = ta.tensor([-2.0, 0.5, 3.0], dtype=np.float64, requires_grad=True)
    print("gradgradcheck:", ta.gradgradcheck(ta.activations[NAME], x))
    testing.check_activation(NAME)  # raises if any Hypothesis example fails
    print("Hypothesis examples: pass (first and second derivatives)\n")
    print(f"What `python -m tinygrad_acts check {NAME}` prints for it:\n")
    check_command(["check", NAME])
    ta.unregister_activation(NAME)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
