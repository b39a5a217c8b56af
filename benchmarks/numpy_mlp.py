"""A 784-256-256-10 ReLU MLP training step in plain numpy: the reference that bench_mlp.py
times.

linear 784->256, relu, linear 256->256, relu, linear 256->10, mean cross-entropy, one SGD
step; forward, backward and update written by hand, the way a careful person would:

- weights keep PyTorch's layout (out, in), so a layer is ``x @ W.T + b`` and its weight
  gradient ``g.T @ x``: the same BLAS calls the framework makes, on the same memory layouts;
- the softmax is shifted by each row's maximum before ``exp`` (no overflow), and its
  gradient with the cross-entropy is the textbook ``(softmax - onehot) / N``;
- a ReLU's gradient is a product with the mask ``h > 0`` of its output;
- nothing is computed that the step does not need (the input's gradient, for one).

Parameters use PyTorch's names (those of ``nn.Sequential(Linear, ReLU, Linear, ReLU,
Linear)``), so the same dict of arrays fills the torch and tinygrad_acts models, and
bench_mlp.py checks the first step's gradients against the framework's before it times.

    python benchmarks/numpy_mlp.py       # one step's loss and its time
"""
from __future__ import annotations

import time

import numpy as np
from numpy.typing import DTypeLike

WIDTHS = (784, 256, 256, 10)
# state_dict keys of nn.Sequential(Linear, ReLU, Linear, ReLU, Linear): layers 0, 2, 4
MLP_SHAPES = {"0.weight": (256, 784), "0.bias": (256,), "2.weight": (256, 256),
              "2.bias": (256,), "4.weight": (10, 256), "4.bias": (10,)}
MLP_KEYS = tuple(MLP_SHAPES)


def init_params(seed: int = 0, dtype: DTypeLike = np.float32) -> dict[str, np.ndarray]:
    """PyTorch's default initialisation: uniform(+-1/sqrt(fan_in)) for weights and biases."""
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for key, shape in MLP_SHAPES.items():
        fan_in = MLP_SHAPES[key.replace("bias", "weight")][1]
        bound = 1.0 / np.sqrt(fan_in)
        params[key] = rng.uniform(-bound, bound, shape).astype(dtype)
    return params


def loss_and_grads(params: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Mean cross-entropy of the batch (x (N, 784), labels (N,) int) as a 0-d array, and
    the gradient of every parameter, keyed as ``params``."""
    p, n, rows = params, len(x), np.arange(len(x))
    h1 = np.maximum(x @ p["0.weight"].T + p["0.bias"], 0)
    h2 = np.maximum(h1 @ p["2.weight"].T + p["2.bias"], 0)
    z = h2 @ p["4.weight"].T + p["4.bias"]
    # NOTE: shift by the row maximum before exp, so no logit overflows
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=1)
    loss = (np.log(total) - z[rows, labels]).mean()

    dz = e / total[:, None]                           # softmax, then minus the one-hot
    dz[rows, labels] -= 1
    dz /= n
    g = {"4.weight": dz.T @ h2, "4.bias": dz.sum(axis=0)}
    dh2 = (dz @ p["4.weight"]) * (h2 > 0)
    g["2.weight"], g["2.bias"] = dh2.T @ h1, dh2.sum(axis=0)
    dh1 = (dh2 @ p["2.weight"]) * (h1 > 0)
    g["0.weight"], g["0.bias"] = dh1.T @ x, dh1.sum(axis=0)
    return loss, {key: g[key] for key in params}


def sgd_step(params: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray,
             lr: float) -> np.ndarray:
    """One training step: forward, backward, ``p -= lr * grad`` in place; returns the loss."""
    loss, grads = loss_and_grads(params, x, labels)
    for key, grad in grads.items():
        params[key] -= lr * grad
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((128, 784), dtype=np.float32)
    labels = rng.integers(0, 10, 128)
    params = init_params()
    sgd_step(params, x, labels, 0.05)                      # warm-up
    start = time.perf_counter()
    loss = sgd_step(params, x, labels, 0.05)
    print(f"loss {float(loss):.4f}, one step of batch 128 in "
          f"{1e3 * (time.perf_counter() - start):.2f} ms")


if __name__ == "__main__":
    main()
