"""Which number does Becker's forward-propagation chapter really print?

Tests a worked example of DataCamp's *Introduction to Deep Learning in Python* (Dan Becker),
the chapter on forward propagation and activation functions ("the chapter" below). It shows
a two-input network with two tanh hidden nodes and one linear output, and prints
1.2382242525694254. Its code, run as printed (input [-1, 2], node weights [3, 3] and [1, 5],
output weights [2, -1]), gives 0.99010953783342 instead. The printed number is what input
[2, 3] with node weights [1, 1] and [-1, 1] gives: the slide's output belongs to another
version of its inputs. This script builds both networks as nn.Linear layers, checks each
against the hand-written numpy, and then stacks hidden layers with ReLU, as the chapter goes
on to do.

    python examples/forward_pass.py
"""
from __future__ import annotations

import numpy as np

import tinygrad_acts as ta
from tinygrad_acts import nn

SLIDE_PRINTS = 1.2382242525694254
CODE_GIVES = 0.99010953783342


def network(hidden_layers: list[list[list[float]]], output: list[float],
            activation: str) -> nn.Sequential:
    """Bias-free layers with the given node weights (one row per node), float64."""
    layers: list[nn.Module] = []
    for rows in hidden_layers:
        linear = nn.Linear(len(rows[0]), len(rows), bias=False, dtype=np.float64)
        with ta.no_grad():
            linear.weight[...] = ta.tensor(rows, dtype=ta.float64)
        layers += [linear, ta.nn.Tanh() if activation == "tanh" else ta.nn.ReLU()]
    out = nn.Linear(len(output), 1, bias=False, dtype=np.float64)
    with ta.no_grad():
        out.weight[...] = ta.tensor([output], dtype=ta.float64)
    return nn.Sequential(*layers, out)


def by_hand(x: list[float], node_0: list[float], node_1: list[float],
            output: list[float]) -> float:
    """The chapter's numpy: each node is (input * weights).sum(), then tanh."""
    x = np.array(x, dtype=np.float64)
    hidden = np.array([np.tanh((x * node_0).sum()), np.tanh((x * node_1).sum())])
    return float((hidden * np.array(output)).sum())


def show_tanh(title: str, x: list[float], node_0: list[float], node_1: list[float],
              output: list[float]) -> float:
    model = network([[node_0, node_1]], output, "tanh")
    hidden = model[:2](ta.tensor(np.array(x, dtype=np.float64)))
    result = model(ta.tensor(np.array(x, dtype=np.float64))).item()
    print(title)
    print(f"  input {x}, node_0 weights {node_0}, node_1 weights {node_1}, "
          f"output weights {output}")
    print(f"  hidden = tanh([{np.dot(x, node_0):g}, {np.dot(x, node_1):g}]) = "
          f"{np.round(hidden.numpy(), 6).tolist()}")
    print(f"  output = {result!r}   (hand-written numpy: {by_hand(x, node_0, node_1, output)!r})")
    return result


def main() -> tuple[float, float, float]:
    print("Claim (DataCamp's Introduction to Deep Learning in Python, Dan Becker, the chapter "
          "on\n  forward propagation and activation functions): this network prints "
          f"{SLIDE_PRINTS!r}\n")
    print("The chapter's tanh network, 2 inputs -> 2 tanh nodes -> 1 linear output\n")
    as_printed = show_tanh("1. The code as the chapter prints it:",
                           [-1, 2], [3, 3], [1, 5], [2, -1])
    print(f"     the slide shows {SLIDE_PRINTS!r}; this code gives {as_printed!r}\n")
    slide = show_tanh("2. The inputs that do give the slide's number:",
                      [2, 3], [1, 1], [-1, 1], [2, -1])
    match = "matches" if slide == SLIDE_PRINTS else "does NOT match"
    print(f"     {slide!r} {match} the slide's {SLIDE_PRINTS!r} exactly.\n")
    print("   Why the first is smaller: with inputs [-1, 2] both hidden sums (3 and 9) sit on")
    print("   tanh's flat top, so both nodes say ~1 and the output is ~2*1 - 1*1 = 1; with")
    print("   [2, 3] the second sum is 1, tanh(1) = 0.76, and the output is ~2 - 0.76 = 1.24.\n")

    print("3. Stacking hidden layers with ReLU (2 inputs -> 2 -> 2 -> 1):")
    x = [3.0, 5.0]
    model = network([[[2, 4], [4, -5]], [[-1, 2], [1, 2]]], [2, 7], "relu")
    h = ta.tensor(np.array(x))
    for i, layer in enumerate(model):
        h = layer(h)
        if isinstance(layer, ta.nn.ReLU):
            print(f"   hidden layer {i // 2 + 1}: relu -> {h.numpy().tolist()}")
    relu_out = h.item()
    print(f"   output: {relu_out:g}   (input {x}; layer 1 weights [[2, 4], [4, -5]], layer 2 "
          "[[-1, 2], [1, 2]], output [2, 7])")
    print("   ReLU zeroes node 0_1's sum of -13 and node 1_0's -26; only one path carries the"
          " signal.")
    return as_printed, slide, relu_out


if __name__ == "__main__":
    main()
