"""A hand-written numpy LSTM training step: the yardstick for bench_lstm.py.

The same math as torch's nn.LSTM (gates i, f, g, o; c' = f c + i g; h' = o tanh(c')) and
the same sigmoid as the registry's (torch's formula), written the way a careful person
would: the input projection of every step in one matmul, one ``h @ W_hh^T`` per step into a
preallocated buffer, the gate activations in place, and in backprop through time one
matmul per step for dh, then single matmuls over all steps for dW_ih, dW_hh and dx.
The model: LSTM(I, H), a linear head on the last step's h, mean squared error, SGD.
tests/test_rnn.py checks ``lstm_step``'s outputs and gradients against torch's.
"""
from __future__ import annotations

import numpy as np


def sigmoid_(z: np.ndarray) -> np.ndarray:
    """In place: the registry's (and torch's) 1 / (1 + e^-z); e^-z overflows to inf only
    where the result is 0 anyway, so that overflow is silenced."""
    with np.errstate(over="ignore"):
        np.exp(np.negative(z, out=z), out=z)
    z += 1
    return np.divide(1, z, out=z)


def init_params(inp: int, hid: int, seed: int = 0, dtype=np.float32) -> dict:
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(hid)
    shapes = {"weight_ih_l0": (4 * hid, inp), "weight_hh_l0": (4 * hid, hid),
              "bias_ih_l0": (4 * hid,), "bias_hh_l0": (4 * hid,), "head.weight": (1, hid),
              "head.bias": (1,)}
    return {n: rng.uniform(-k, k, s).astype(dtype) for n, s in shapes.items()}


def forward(x: np.ndarray, w_ih, w_hh, b_ih, b_hh) -> tuple[np.ndarray, tuple]:
    """x (T, B, I) -> h for every step (T, B, H), and what backward needs."""
    steps, batch, _ = x.shape
    hid = w_hh.shape[1]
    gates = (x.reshape(steps * batch, -1) @ w_ih.T).reshape(steps, batch, 4 * hid)
    gates += b_ih + b_hh
    hs = np.zeros((steps + 1, batch, hid), x.dtype)   # hs[t] is the h step t starts from
    cs = np.zeros((steps + 1, batch, hid), x.dtype)
    tanh_c = np.empty((steps, batch, hid), x.dtype)
    rec = np.empty((batch, 4 * hid), x.dtype)
    for t in range(steps):
        z = gates[t]
        np.matmul(hs[t], w_hh.T, out=rec)
        z += rec
        sigmoid_(z[:, :2 * hid])
        np.tanh(z[:, 2 * hid:3 * hid], out=z[:, 2 * hid:3 * hid])
        sigmoid_(z[:, 3 * hid:])
        i, f, g, o = z[:, :hid], z[:, hid:2 * hid], z[:, 2 * hid:3 * hid], z[:, 3 * hid:]
        np.multiply(f, cs[t], out=cs[t + 1])
        cs[t + 1] += i * g
        np.tanh(cs[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])
    return hs[1:], (x, gates, hs, cs, tanh_c, w_ih, w_hh)


def backward(dh_all: np.ndarray, cache: tuple) -> list[np.ndarray]:
    """Backprop through time from dL/dh for every step: [dx, dW_ih, dW_hh, db_ih, db_hh]."""
    x, gates, hs, cs, tanh_c, w_ih, w_hh = cache
    steps, batch, _ = x.shape
    hid = w_hh.shape[1]
    dz = np.empty_like(gates)
    dh = np.zeros((batch, hid), x.dtype)
    dc = np.zeros((batch, hid), x.dtype)
    for t in reversed(range(steps)):
        a = gates[t]
        i, f, g, o = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:3 * hid], a[:, 3 * hid:]
        dh += dh_all[t]
        tc = tanh_c[t]
        dc += dh * o * (1 - tc * tc)
        d = dz[t]
        np.multiply(dc * g, i * (1 - i), out=d[:, :hid])
        np.multiply(dc * cs[t], f * (1 - f), out=d[:, hid:2 * hid])
        np.multiply(dc * i, 1 - g * g, out=d[:, 2 * hid:3 * hid])
        np.multiply(dh * tc, o * (1 - o), out=d[:, 3 * hid:])
        dc *= f
        np.matmul(d, w_hh, out=dh)
    flat = dz.reshape(steps * batch, 4 * hid)
    dx = (flat @ w_ih).reshape(x.shape)
    dw_ih = flat.T @ x.reshape(steps * batch, -1)
    dw_hh = flat.T @ hs[:-1].reshape(steps * batch, hid)
    db = flat.sum(axis=0)
    return [dx, dw_ih, dw_hh, db, db.copy()]


def lstm_step(x, g, w_ih, w_hh, b_ih, b_hh) -> tuple[np.ndarray, list[np.ndarray]]:
    """The outputs and the gradients of sum(out * g) (for the torch check)."""
    out, cache = forward(x, w_ih, w_hh, b_ih, b_hh)
    return out.copy(), backward(g, cache)


def loss_and_grads(p: dict, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """MSE of the head on the last step's h; the gradients of every parameter."""
    out, cache = forward(x, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"],
                         p["bias_hh_l0"])
    last = out[-1]
    pred = last @ p["head.weight"].T + p["head.bias"]
    err = pred - y
    loss = float((err * err).mean())
    dpred = (2 / err.size) * err
    dh_all = np.zeros_like(out)
    dh_all[-1] = dpred @ p["head.weight"]
    _, dw_ih, dw_hh, db_ih, db_hh = backward(dh_all, cache)
    return loss, {"weight_ih_l0": dw_ih, "weight_hh_l0": dw_hh, "bias_ih_l0": db_ih,
                  "bias_hh_l0": db_hh, "head.weight": dpred.T @ last,
                  "head.bias": dpred.sum(axis=0)}


def sgd_step(p: dict, x: np.ndarray, y: np.ndarray, lr: float) -> float:
    loss, grads = loss_and_grads(p, x, y)
    for k, g in grads.items():
        p[k] -= lr * g
    return loss
