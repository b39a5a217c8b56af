"""How many neurons, weights and parameters does a network have?

Tests the counts of Stanford's CS231n lecture on activation functions and neural-network
architectures ("the lecture" below), which counts them for two small fully
connected networks: a 3-4-2 network has 6 neurons, 20 weights and 26 parameters; a 3-4-4-1
network has 9 neurons, 32 weights and 41 parameters. Here the counts are read off the
models themselves (input units are not neurons: they compute nothing), and the lecture's
3-layer forward pass h1 = f(W1 x + b1), h2 = f(W2 h1 + b2), out = f(W3 h2 + b3) is run
with nn.Linear layers and checked against the same three lines of numpy.

    python examples/architectures.py
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np

import tinygrad_acts as ta
from tinygrad_acts import nn

LECTURE = {(3, 4, 2): (6, 20, 26), (3, 4, 4, 1): (9, 32, 41)}


def mlp(sizes: tuple[int, ...], activation: type = nn.Sigmoid) -> nn.Sequential:
    """Fully connected layers of the given sizes, ``activation`` after every layer."""
    layers: list[nn.Module] = []
    for n_in, n_out in pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), activation()]
    return nn.Sequential(*layers)


def count(model: nn.Module) -> tuple[int, int, int]:
    """(neurons, weights, parameters): a neuron is an output unit of a Linear layer."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    neurons = sum(m.out_features for m in linears)
    weights = sum(m.weight.numel() for m in linears)
    return neurons, weights, model.num_parameters()


def f(v: np.ndarray) -> np.ndarray:
    """The lecture's activation, sigmoid, written by hand."""
    return 1 / (1 + np.exp(-v))


def rounded(a: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in a]


def main() -> dict:
    ta.manual_seed(0)
    print("Claim (Stanford's CS231n, lecture on activation functions and neural-network "
          "architectures):\n  a 3-4-2 network has 6 neurons, 20 weights, 26 parameters; "
          "3-4-4-1 has 9, 32, 41\n")
    print(f"{'network':<10} {'neurons':>8} {'weights':>8} {'parameters':>11}   lecture")
    counted = {}
    for sizes, lecture in LECTURE.items():
        counted[sizes] = count(mlp(sizes))
        name = "-".join(map(str, sizes))
        ok = "same" if counted[sizes] == lecture else "DIFFERENT"
        print(f"{name:<10} {counted[sizes][0]:>8} {counted[sizes][1]:>8} "
              f"{counted[sizes][2]:>11}   {'/'.join(map(str, lecture))} ({ok})")
    print("(weights are the entries of the W matrices; parameters add one bias per neuron)\n")

    model = mlp((3, 4, 4, 1))
    x = ta.randn(3)
    out = model(x)
    (W1, b1), (W2, b2), (W3, b3) = [(m.weight.numpy(), m.bias.numpy())
                                     for m in model if isinstance(m, nn.Linear)]
    x_ = x.numpy()
    h1 = f(W1 @ x_ + b1)
    h2 = f(W2 @ h1 + b2)
    by_hand = f(W3 @ h2 + b3)
    print("The lecture's 3-layer forward pass on x =", rounded(x_))
    print(f"  h1 = f(W1 x + b1)   -> {rounded(h1)}")
    print(f"  h2 = f(W2 h1 + b2)  -> {rounded(h2)}")
    print(f"  out = f(W3 h2 + b3) -> {by_hand[0]:.6f} by hand, {out.item():.6f} from the "
          f"nn.Sequential (difference {abs(by_hand[0] - out.item()):.1e})")
    return counted


if __name__ == "__main__":
    main()
