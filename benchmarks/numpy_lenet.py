"""A LeNet-5-style training step in plain numpy: the reference that bench_cnn.py times.

conv 1->6 5x5 (padding 2), relu, maxpool 2, conv 6->16 5x5, relu, maxpool 2, flatten,
linear 400->120, relu, 120->84, relu, 84->10, mean cross-entropy, one SGD step; forward,
backward and update written by hand, the way a careful person would:

- images are kept channels-last (N, H, W, C) inside, so a convolution is one im2col
  (``sliding_window_view``, then one copy into a (N*OH*OW, C*kh*kw) matrix) and one BLAS
  matmul whose result is already channels-last: no transposes between layers;
- the input gradient of a convolution is the matmul dcols = dout @ W, then col2im: one
  strided add per kernel tap (25), never a loop over pixels, images or channels;
- 2x2 max pooling is the maximum of four strided views (x[:, i::2, j::2]); its gradient goes
  to the first maximum of each window (the tie rule of PyTorch), by four masks;
- the first convolution's input gradient is not computed (nobody needs it).

Parameters use PyTorch's names and layouts (those of ``LENET_KEYS``: a conv weight is (out,
in, kh, kw), a linear weight (out, in)), so the same dict of arrays also fills the torch and
tinygrad_acts models (tests/test_cnn_examples.py checks the gradients against torch's).

    python benchmarks/numpy_lenet.py       # one step's loss and its time
"""
from __future__ import annotations

import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# state_dict keys of nn.Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten,
# Linear, ReLU, Linear, ReLU, Linear): the parameterised layers sit at 0, 3, 7, 9, 11
LENET_SHAPES = {"0.weight": (6, 1, 5, 5), "0.bias": (6,), "3.weight": (16, 6, 5, 5),
                "3.bias": (16,), "7.weight": (120, 400), "7.bias": (120,),
                "9.weight": (84, 120), "9.bias": (84,), "11.weight": (10, 84), "11.bias": (10,)}
LENET_KEYS = tuple(LENET_SHAPES)


def init_params(seed: int = 0, dtype: type = np.float32) -> dict[str, np.ndarray]:
    """PyTorch's default initialisation: uniform(+-1/sqrt(fan_in)) for weights and biases."""
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for key, shape in LENET_SHAPES.items():
        weight = LENET_SHAPES[key.replace("bias", "weight")]
        bound = 1.0 / np.sqrt(np.prod(weight[1:]))
        params[key] = rng.uniform(-bound, bound, shape).astype(dtype)
    return params


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """x (N, H, W, C) channels-last, w (O, C, k, k) as torch: (out (N, OH, OW, O), cols)."""
    n, k = len(x), w.shape[2]
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = sliding_window_view(x, (k, k), axis=(1, 2))      # (N, OH, OW, C, k, k), a view
    oh, ow = windows.shape[1:3]
    # the one im2col copy, columns ordered (k, k, C): C innermost copies 4x faster than (C, k, k)
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, -1)
    out = cols @ w.transpose(0, 2, 3, 1).reshape(len(w), -1).T
    out += b
    return out.reshape(n, oh, ow, len(w)), cols


def conv_backward(dout: np.ndarray, cols: np.ndarray, w: np.ndarray, in_shape: tuple | None,
                  pad: int) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dx or None, dw, db) from dout (N, OH, OW, O); dx only when in_shape is given."""
    o, c, k = w.shape[:3]
    dmat = dout.reshape(-1, o)
    dw = (dmat.T @ cols).reshape(o, k, k, c).transpose(0, 3, 1, 2)
    db = dmat.sum(axis=0)
    if in_shape is None:
        return None, dw, db
    n, h, wd = in_shape[:3]
    oh, ow = dout.shape[1:3]
    dcols = (dmat @ w.reshape(o, -1)).reshape(n, oh, ow, c, k, k)
    dx = np.zeros((n, h + 2 * pad, wd + 2 * pad, c), dtype=dout.dtype)
    for i in range(k):              # col2im: one strided add per kernel tap, k*k in all
        for j in range(k):
            dx[:, i:i + oh, j:j + ow, :] += dcols[:, :, :, :, i, j]
    return (dx[:, pad:pad + h, pad:pad + wd, :] if pad else dx), dw, db


TAPS = ((0, 0), (0, 1), (1, 0), (1, 1))    # a 2x2 window's elements in row-major order


def pool_forward(x: np.ndarray) -> np.ndarray:
    """2x2 max pooling of (N, H, W, C), H and W even: the maximum of four strided views
    (10x faster than reshaping the windows onto one axis, which copies)."""
    return np.maximum(np.maximum(x[:, 0::2, 0::2], x[:, 0::2, 1::2]),
                      np.maximum(x[:, 1::2, 0::2], x[:, 1::2, 1::2]))


def pool_backward(dout: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The gradient of pool_forward: each window's dout goes to one element of x."""
    dx = np.zeros_like(x)
    taken = np.zeros(out.shape, dtype=bool)
    # NOTE: ties go to the first maximum in row-major order, PyTorch's max_pool2d rule
    for i, j in TAPS:
        wins = (x[:, i::2, j::2] == out) & ~taken
        taken |= wins
        dx[:, i::2, j::2] = dout * wins
    return dx


def loss_and_grads(params: dict[str, np.ndarray], images: np.ndarray, labels: np.ndarray
                   ) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy of the batch (images (N, 1, 28, 28), labels (N,) int) and the
    gradient of every parameter, keyed as ``params``."""
    p, n = params, len(images)
    x = images.transpose(0, 2, 3, 1)                        # (N, 28, 28, 1): free for C=1
    c1, cols1 = conv_forward(x, p["0.weight"], p["0.bias"], pad=2)
    r1 = np.maximum(c1, 0)
    m1 = pool_forward(r1)                             # (N, 14, 14, 6)
    c2, cols2 = conv_forward(m1, p["3.weight"], p["3.bias"], pad=0)
    r2 = np.maximum(c2, 0)
    m2 = pool_forward(r2)                             # (N, 5, 5, 16)
    flat = m2.transpose(0, 3, 1, 2).reshape(n, 400)         # torch's flatten order (C, H, W)
    h1 = np.maximum(flat @ p["7.weight"].T + p["7.bias"], 0)
    h2 = np.maximum(h1 @ p["9.weight"].T + p["9.bias"], 0)
    z = h2 @ p["11.weight"].T + p["11.bias"]
    # NOTE: shift by the row maximum before exp, so no logit overflows
    z = z - z.max(axis=1, keepdims=True)
    logsum = np.log(np.exp(z).sum(axis=1, keepdims=True))
    logp = z - logsum
    loss = float(-logp[np.arange(n), labels].mean())

    dz = np.exp(logp)
    dz[np.arange(n), labels] -= 1
    dz /= n
    g = {"11.weight": dz.T @ h2, "11.bias": dz.sum(axis=0)}
    dh2 = (dz @ p["11.weight"]) * (h2 > 0)
    g["9.weight"], g["9.bias"] = dh2.T @ h1, dh2.sum(axis=0)
    dh1 = (dh2 @ p["9.weight"]) * (h1 > 0)
    g["7.weight"], g["7.bias"] = dh1.T @ flat, dh1.sum(axis=0)
    dm2 = (dh1 @ p["7.weight"]).reshape(n, 16, 5, 5).transpose(0, 2, 3, 1)
    dc2 = pool_backward(dm2, r2, m2) * (r2 > 0)
    dm1, g["3.weight"], g["3.bias"] = conv_backward(dc2, cols2, p["3.weight"], m1.shape, 0)
    assert dm1 is not None
    dc1 = pool_backward(dm1, r1, m1) * (r1 > 0)
    _, g["0.weight"], g["0.bias"] = conv_backward(dc1, cols1, p["0.weight"], None, 2)
    return loss, {key: g[key] for key in params}


def sgd_step(params: dict[str, np.ndarray], images: np.ndarray, labels: np.ndarray,
             lr: float) -> float:
    """One training step: forward, backward, ``p -= lr * grad`` in place; returns the loss."""
    loss, grads = loss_and_grads(params, images, labels)
    for key, grad in grads.items():
        params[key] -= lr * grad
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.random((64, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 64)
    params = init_params()
    sgd_step(params, images, labels, 0.05)                 # warm-up
    start = time.perf_counter()
    loss = sgd_step(params, images, labels, 0.05)
    print(f"loss {loss:.4f}, one step of batch 64 in "
          f"{1e3 * (time.perf_counter() - start):.2f} ms")


if __name__ == "__main__":
    main()
