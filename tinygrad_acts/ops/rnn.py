"""Recurrent rules: ``Scan`` runs one layer (one direction) of an RNN, LSTM or GRU over
every time step as one node, its gates computed by the registry's sigmoid and tanh and
its backprop through time run on their output-based rules.

The layer's input projection ``gx = x @ W_ih^T + b_ih`` for all steps at once is a
``Linear`` node before it (one big matmul); each step inside costs one ``h @ W_hh^T`` and
a few elementwise passes; the backward ends with one matmul for ``dW_hh`` over all steps.
Steps use torch's packed layout: ``gx`` is (N, G) with step t's rows at
``offset[t]:offset[t] + sizes[t]`` (a padded (T, B) batch is ``sizes = (B,) * T``), so
variable lengths are PackedSequence's batch sizes: only the first ``sizes[t]`` sequences
run at step t and the others keep their state. An LSTM over a padded batch (the common
case) takes ``_lstm_scan``: the same elementwise arithmetic on every element, feature-major
(each gate a contiguous block) with nothing allocated per step (gates activated in place,
reordered so one sigmoid call covers i, f, o), and a backward that takes the rules' slopes
for runs of steps at once; a padded GRU takes ``_gru_scan``, built the same way (r and z
side by side for one sigmoid call, gh_n kept for the backward), and a padded Elman RNN
``_rnn_scan``, in place in its output.
Their large arrays are reused from one training step to the next (``_empty``).
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import Function
from .fused import _col_sum
from .helpers import is_tensor
from .spec import lib, row

_REGISTRY: dict = {}


def _rule(name: str) -> Any:
    """The registry's entry ``name`` (imported late: the registry imports ops)."""
    if not _REGISTRY:
        from ..activations import registry
        _REGISTRY["r"] = registry
    return _REGISTRY["r"][name]


def _act(name: str, x: Any) -> Any:
    """The registry's activation: the rule's forward on an array, the method on a Tensor."""
    return getattr(x, name)() if is_tensor(x) else _rule(name).forward(x)


def _cat(parts: list, axis: int = 1) -> Any:
    return np.concatenate(parts, axis=axis)  # (ta.cat on Tensors, under create_graph)


def _put(buf: Any, parts: list) -> Any:
    """``parts`` side by side: written into ``buf`` (arrays: rows of a buffer made once for
    all steps, no copy per step) or concatenated (Tensors, buf None)."""
    if buf is None:
        return parts[0] if len(parts) == 1 else _cat(parts)
    k = 0
    for p in parts:
        buf[:, k:k + p.shape[1]] = p
        k += p.shape[1]
    return buf


# --- one step forward and back, per cell: (input rows, state) -> (output, state, cache) ------


def _lstm(x: Any, state: tuple, w_t: Any, b: Any, act: str, buf: Any,
          wr_t: Any = None) -> tuple:
    """z = x + h W^T (x holds both biases); i, f, o = sigmoid, g = tanh of z's quarters;
    c' = f c + i g; h' = o tanh(c'), or with a projection (torch's proj_size) h' =
    (o tanh(c')) W_hr^T, of size P < H. Output [h', c']."""
    h, c = state
    n = c.shape[1]
    z = x + h @ w_t
    a = _put(buf if buf is None else z, [_act("sigmoid", z[:, :2 * n]),
                                         _act("tanh", z[:, 2 * n:3 * n]),
                                         _act("sigmoid", z[:, 3 * n:])])
    c2 = a[:, n:2 * n] * c + a[:, :n] * a[:, 2 * n:3 * n]
    tc = _act("tanh", c2)
    hr = a[:, 3 * n:] * tc
    h2 = hr if wr_t is None else hr @ wr_t
    return (h2, c2), (a, tc, c, hr, h)


def _lstm_back(dy: Any, carry: tuple, cache: tuple, w: Any, act: str, buf: Any,
               wr: Any = None) -> tuple:
    """The step back; its third output is dh', from which dW_hr = sum_t dh'_t^T hr_t."""
    a, tc, c, _, h = cache
    n, p = c.shape[1], h.shape[1]
    i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
    dh = dy[:, :p] + carry[0]
    dhr = dh if wr is None else dh @ wr  # the gradient of o tanh(c'), before the projection
    sig, tanh = _rule("sigmoid").backward, _rule("tanh").backward
    # NOTE: tanh's rule from its output tc: dc gets dh o (1 - tc^2) on top of what flows in
    dc = dy[:, p:] + carry[1] + tanh(dhr * o, tc)
    dz = _put(buf, [sig(dc * g, i), sig(dc * c, f), tanh(dc * i, g), sig(dhr * tc, o)])
    return dz, (dz @ w, dc * f), dh


def _gru(x: Any, state: tuple, w_t: Any, b: Any, act: str, buf: Any) -> tuple:
    """gh = h W^T + b_hh; r, z = sigmoid(x + gh) halves; n = tanh(x_n + r gh_n);
    h' = (1 - z) n + z h = n + z (h - n)."""
    (h,) = state
    n = h.shape[1]
    gh = h @ w_t if b is None else h @ w_t + b
    rz = _act("sigmoid", x[:, :2 * n] + gh[:, :2 * n])
    new = _act("tanh", x[:, 2 * n:] + rz[:, :n] * gh[:, 2 * n:])
    h2 = new + rz[:, n:] * (h - new)
    return (h2,), (rz, new, gh[:, 2 * n:], h)


def _gru_back(dy: Any, carry: tuple, cache: tuple, w: Any, act: str, buf: Any) -> tuple:
    rz, new, ghn, h = cache
    n = h.shape[1]
    dh = dy + carry[0]
    z = rz[:, n:]
    dn = _rule("tanh").backward(dh - dh * z, new)
    drz = _rule("sigmoid").backward(_cat([dn * ghn, dh * (h - new)]), rz)
    dgh = _cat([drz, dn * rz[:, :n]])  # NOTE: r gates gh's third part: b_hn sits inside r
    return _put(buf, [drz, dn]), (dgh @ w + dh * z,), dgh


def _rnn(x: Any, state: tuple, w_t: Any, b: Any, act: str, buf: Any) -> tuple:
    """h' = act(x + h W^T), act tanh or relu (x holds both biases)."""
    (h,) = state
    h2 = _act(act, x + h @ w_t)
    return (h2,), (h2, h)


def _rnn_back(dy: Any, carry: tuple, cache: tuple, w: Any, act: str, buf: Any) -> tuple:
    h2, _ = cache
    dz = _put(buf, [_rule(act).backward(dy + carry[0], h2)])  # NOTE: from the output
    return dz, (dz @ w,), dz


_CELLS = {"lstm": (_lstm, _lstm_back), "gru": (_gru, _gru_back), "rnn": (_rnn, _rnn_back)}


def _offsets(sizes: tuple) -> list[int]:
    return [0, *np.cumsum(sizes).tolist()]


def _rows(new: tuple, old: tuple, n: int) -> tuple:
    """The state with its first n rows replaced (the sequences still running)."""
    return new if n == old[0].shape[0] else tuple(
        _cat([a, s[n:]], 0) for a, s in zip(new, old))


def _scan(mode: str, act: str, gx: Any, states: tuple, w: Any, b: Any, sizes: tuple,
          reverse: bool, wr: Any = None) -> tuple:
    """Every step forward, in time order or reversed: (packed outputs, per-step caches).
    ``wr``: an LSTM's projection W_hr (P, H), or None."""
    step, arrays = _CELLS[mode][0], not is_tensor(gx) and not is_tensor(w)
    if mode != "gru" and b is not None:
        gx, b = gx + b, None  # b_hh folded into the projection: one add for all steps
    offs, w_t, proj = _offsets(sizes), w.T, () if wr is None else (wr.T,)
    outs, caches = [None] * len(sizes), [None] * len(sizes)
    width = sum(s.shape[1] for s in states)
    y = np.empty((offs[-1], width), gx.dtype) if arrays else None
    for t in (reversed(range(len(sizes))) if reverse else range(len(sizes))):
        n = sizes[t]
        part = tuple(s[:n] for s in states) if n < states[0].shape[0] else states
        new, caches[t] = step(gx[offs[t]:offs[t + 1]], part, w_t, b, act, arrays or None,
                              *proj)
        outs[t] = _put(None if y is None else y[offs[t]:offs[t + 1]], list(new))
        states = _rows(new, states, n)
    return (y if arrays else _cat(outs, 0)), caches


def _scan_back(mode: str, act: str, g: Any, caches: list, shapes: tuple, w: Any,
               sizes: tuple, reverse: bool, wr: Any = None) -> tuple:
    """Backprop through time: (d gx, d initial states, d W_hh, d b_hh, d W_hr or None)."""
    back, arrays = _CELLS[mode][1], not is_tensor(g) and not is_tensor(w)
    proj = () if wr is None else (wr,)
    offs = _offsets(sizes)
    carry = tuple(np.zeros(s, g.dtype) for s in shapes)
    dgx, dhh = [None] * len(sizes), [None] * len(sizes)
    buf = np.empty((offs[-1], w.shape[0]), g.dtype) if arrays else None
    for t in (range(len(sizes)) if reverse else reversed(range(len(sizes)))):
        n, rows = sizes[t], slice(offs[t], offs[t + 1])
        part = tuple(s[:n] for s in carry) if n < shapes[0][0] else carry
        dgx[t], new, dhh[t] = back(g[rows], part, caches[t], w, act,
                                   None if buf is None else buf[rows], *proj)
        carry = _rows(new, carry, n)
    dz: Any = buf if arrays else _cat(dgx, 0)
    dh = dz if mode != "gru" else _cat(dhh, 0)
    hs = _cat([c[-1] for c in caches], 0)  # the state h each step started from
    dwr = None if wr is None else _cat(dhh, 0).T @ _cat([c[3] for c in caches], 0)
    return dz, carry, dh.T @ hs, dh.sum(axis=0), dwr


# --- padded batches, on arrays: the hot path, feature-major and without per-step copies ----
#
# NOTE: numpy runs an elementwise op on a contiguous array as one loop, but on a (B, H)
# slice of a (B, 4H) row as B short loops; on (32, 64) gate slices that is 2-4x slower.
# So the padded paths keep every step's arrays feature-major, (features, batch): a gate
# is a block of H rows, contiguous, and a step's gates are one contiguous block (the
# sigmoid gates side by side, so one call covers them). The recurrent matmul becomes
# W_hh (G, H) @ h (H, B) and its backward W_hh^T @ dz. The inputs and outputs keep the
# layer's (N, features) rows: gx, y and their gradients are transposed once per layer.


_SPARE: list = []  # arrays made by _empty, newest last
_SPARE_LOCK = threading.Lock()
_SPARE_BYTES, _SPARE_ARRAY_BYTES = 64 << 20, 16 << 20
_RUN = 16384  # numbers per gate in a run of steps whose slopes are taken together


def _held(a: np.ndarray) -> int:
    return sys.getrefcount(a)


def _free_count() -> int:
    """The reference count of an array that only ``_SPARE`` holds, as ``_empty`` sees it
    (probed, not assumed: interpreters count borrowed references differently)."""
    for a in [np.empty(0)]:
        return _held(a)
    return 0


_FREE = _free_count()


def _empty(shape: tuple, dtype: Any) -> np.ndarray:
    """np.empty(shape, dtype), reusing an array an earlier scan made once nothing holds it.

    NOTE: a training step frees its large arrays at its end, and glibc hands that memory
    back to the system; the next step's arrays then take a page fault for every 4 KiB they
    touch (~2 us each on a VM: a third of a small LSTM step). An array here is free when
    this list holds its only reference (the graph drops its saved arrays after backward):
    a view, a Tensor or a saved copy each hold one, so a used array is never handed out.
    At most 64 MiB are kept, arrays of up to 16 MiB."""
    dtype = np.dtype(dtype)
    with _SPARE_LOCK:
        for a in _SPARE:
            if a.shape == shape and a.dtype == dtype and _held(a) == _FREE:
                return a
        a = np.empty(shape, dtype)
        if a.nbytes <= _SPARE_ARRAY_BYTES:
            _SPARE.append(a)
            while sum(b.nbytes for b in _SPARE) > _SPARE_BYTES:
                del _SPARE[0]
        return a


def _by_step(rows: np.ndarray, steps: int, k: int) -> np.ndarray:
    """(steps * B, k * H) rows as (steps, k, H, B) (a view): step t's gate j, feature-major."""
    batch = rows.shape[0] // steps if steps else 0
    return rows.reshape(steps, batch, k, -1).transpose(0, 2, 3, 1)


_CHUNK = 128  # features per pass of a transposing copy


def _swap_into(dst: np.ndarray, src: np.ndarray) -> np.ndarray:
    """dst = src with its last two axes swapped, (steps, X, Y) -> (steps, Y, X): a copy
    from feature-major blocks to rows or back. NOTE: in passes of 128 along the longer
    axis, whose reads and writes stay in the cache (one pass over a (64, 512, 32) float32
    array is twice as slow)."""
    if src.shape[1] >= src.shape[2]:
        for k in range(0, src.shape[1], _CHUNK):
            dst[:, :, k:k + _CHUNK] = src[:, k:k + _CHUNK].transpose(0, 2, 1)
    else:
        for k in range(0, src.shape[2], _CHUNK):
            dst[:, k:k + _CHUNK] = src[:, :, k:k + _CHUNK].transpose(0, 2, 1)
    return dst


def _to_rows(blocks: np.ndarray) -> np.ndarray:
    """(steps, F, B) feature-major blocks as (steps * B, F) rows (one copy)."""
    steps, width, batch = blocks.shape
    rows = _swap_into(_empty((steps, batch, width), blocks.dtype), blocks)
    return rows.reshape(steps * batch, width)


def _states(first: np.ndarray, steps: int, reverse: bool, dtype: Any) -> np.ndarray:
    """The state before and after every step, feature-major (steps + 1, F, B): step t reads
    slot t and writes slot t + 1 (reversed: reads t + 1, writes t); the first state,
    h0 or c0 (B, F), goes in slot 0 (reversed: slot steps)."""
    slots = _empty((steps + 1, first.shape[1], first.shape[0]), dtype)
    slots[steps if reverse else 0] = first.T
    return slots


def _slots(t: int, reverse: bool) -> tuple[int, int]:
    """(the slot step t reads its state from, the slot it writes to)."""
    return (t + 1, t) if reverse else (t, t + 1)


def _outputs(slots: np.ndarray, reverse: bool) -> np.ndarray:
    """The states after each step, in step order: (steps, F, B) of the (steps + 1) slots."""
    return slots[:-1] if reverse else slots[1:]


def _order(steps: int, reverse: bool, backward: bool = False) -> Iterable[int]:
    """The steps in the order a scan runs them (backprop runs them the other way)."""
    return reversed(range(steps)) if reverse != backward else range(steps)


_IFOG = (slice(0, 2), slice(3, 4), slice(2, 3))  # torch's gates i f | o | g, as i, f, o, g


def _lstm_scan(gx: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: np.ndarray, b: Any,
               steps: int, reverse: bool, wr: Any = None) -> tuple:
    """Every step of an LSTM whose batch runs every step (sizes all equal), as ``_scan``
    does it step by step (the same elementwise operations on every element; the matmul
    W_hh h instead of h W_hh^T, so equal to rounding), feature-major and with nothing
    allocated per step. Its cache ``acts`` (steps, 5H, B) holds each step's gates in the
    order i, f, o, g (W_hh's rows reordered once), then tanh(c'): a step adds W_hh h to
    z = gx + b_hh there and runs the registry's sigmoid in place on the first three
    gates (one call) and its tanh on the fourth. The states h (or with a projection wr,
    h = W_hr (o tanh c')) and c go to slots (``_states``), copied to the output y
    (N, P + H) rows once at the end. Returns y and the caches (acts, the c slots, and
    with a projection every step's o tanh(c'), else None)."""
    (batch, n), p = c0.shape, h0.shape[1]
    dtype = np.result_type(gx, w)
    acts = _empty((steps, 5 * n, batch), dtype)
    gates = _by_step(gx, steps, 4)
    bias = np.zeros((4, n), dtype) if b is None else b.reshape(4, n)
    into = acts[:, :4 * n].reshape(steps, 4, n, batch)
    for k, src in zip((slice(0, 2), slice(2, 3), slice(3, 4)), _IFOG):
        # NOTE: gx is not written; this add (gx + b_hh) is also its transposition
        np.add(gates[:, src], bias[src, :, None], out=into[:, k])
    w4 = w.reshape(4, n, p)
    w_ifog = np.concatenate([w4[0], w4[1], w4[3], w4[2]])  # (4H, P)
    hs, cs = _states(h0, steps, reverse, dtype), _states(c0, steps, reverse, dtype)
    hr_all = None if wr is None else _empty((steps, n, batch), dtype)
    rec, ig = np.empty((4 * n, batch), dtype), np.empty((n, batch), dtype)
    sigmoid, tanh = _rule("sigmoid").forward, _rule("tanh").forward
    for t in _order(steps, reverse):
        before, after = _slots(t, reverse)
        z = acts[t]
        z[:4 * n] += np.matmul(w_ifog, hs[before], out=rec)
        sigmoid(z[:3 * n], out=z[:3 * n])
        tanh(z[3 * n:4 * n], out=z[3 * n:4 * n])
        i, f, o, g = z[:n], z[n:2 * n], z[2 * n:3 * n], z[3 * n:4 * n]
        c2 = np.multiply(f, cs[before], out=cs[after])
        c2 += np.multiply(i, g, out=ig)
        tc = tanh(c2, out=z[4 * n:])
        if hr_all is None:
            np.multiply(o, tc, out=hs[after])
        else:
            np.matmul(wr, np.multiply(o, tc, out=hr_all[t]), out=hs[after])
    y = _empty((steps, batch, p + n), dtype)
    _swap_into(y[:, :, :p], _outputs(hs, reverse))
    _swap_into(y[:, :, p:], _outputs(cs, reverse))
    return y.reshape(steps * batch, p + n), (acts, cs, hr_all)


def _lstm_slopes(k: np.ndarray, acts: np.ndarray, c_prev: np.ndarray) -> None:
    """What backprop through time multiplies by, for a run of steps at once, written into
    k (steps, 5H, B): torch's gate order i, f, g, o, then kc. dz = dc k for the i, f, g
    gates and dh k for the o gate; kc is dc's share of dh:
    dz_i = dc g sigmoid'(i), dz_f = dc c_{t-1} sigmoid'(f), dz_g = dc i tanh'(g),
    dz_o = dh tanh(c) sigmoid'(o), and dc gets dh o tanh'(c).
    NOTE: a backward rule is linear in its upstream gradient (the mutation lab checks it),
    so rule(1, y) is the slope: the registry's rules run once for many steps, not per step."""
    n = c_prev.shape[1]
    i, o, g, tc = acts[:, :n], acts[:, 2 * n:3 * n], acts[:, 3 * n:4 * n], acts[:, 4 * n:]
    sig, tanh = _rule("sigmoid").backward, _rule("tanh").backward
    slope = sig(1, acts[:, :3 * n])
    np.multiply(slope[:, :n], g, out=k[:, :n])
    np.multiply(slope[:, n:2 * n], c_prev, out=k[:, n:2 * n])
    np.multiply(i, tanh(1, g), out=k[:, 2 * n:3 * n])
    np.multiply(slope[:, 2 * n:], tc, out=k[:, 3 * n:4 * n])
    np.multiply(o, tanh(1, tc), out=k[:, 4 * n:])


def _runs(steps: int, run: int, reverse: bool) -> dict:
    """{the step backprop reaches first in each run of ``run`` steps: the run's steps}."""
    starts = range(0, steps, run)
    return {(s if reverse else min(s + run, steps) - 1): slice(s, min(s + run, steps))
            for s in starts}


def _lstm_scan_back(g: np.ndarray, y: np.ndarray, h0: np.ndarray, c0: np.ndarray,
                    w: np.ndarray, caches: tuple, reverse: bool, wr: Any = None) -> tuple:
    """Backprop through time for ``_lstm_scan``, feature-major. The slopes of a run of
    steps are taken together (``_lstm_slopes``, into dz's blocks; runs of ~16K numbers a
    gate keep the temporaries small), then each step is, in place: [dh, dc] += g_t;
    [dz_o, kc] *= dh; dc += kc; dz_{i,f,g} *= dc; then dh = W_hh^T dz and dc *= f for
    the step before. dW_hh reads h back from the rows of y (``_dw_hh``).
    Returns as ``_scan_back``."""
    acts, cs, hr_all = caches
    (batch, n), p = c0.shape, h0.shape[1]
    steps = acts.shape[0]
    runs = _runs(steps, max(1, _RUN // max(1, batch * n)), reverse)
    g_t = _swap_into(_empty((steps, p + n, batch), g.dtype), g.reshape(steps, batch, p + n))
    dz = _empty((steps, 5 * n, batch), g.dtype)  # per step dz (4H, torch's order), then kc
    dh_all = None if wr is None else _empty((steps, p, batch), g.dtype)
    carry = np.zeros((p + n, batch), g.dtype)  # [dh; dc], as g_t's blocks
    dh, dc = carry[:p], carry[p:]
    w_t = w.T
    for t in _order(steps, reverse, backward=True):
        if t in runs:
            r = runs[t]
            before = slice(r.start + 1, r.stop + 1) if reverse else r
            _lstm_slopes(dz[r], acts[r], cs[before])
        carry += g_t[t]
        dhr = dh
        if dh_all is not None:  # the projection: dh' kept for dW_hr, W_hr^T dh' goes on
            dh_all[t] = dh
            dhr = wr.T @ dh
        d = dz[t]
        d[3 * n:].reshape(2, n, batch)[...] *= dhr  # dz_o and dh's share of dc
        dc += d[4 * n:]
        d[:3 * n].reshape(3, n, batch)[...] *= dc
        np.matmul(w_t, d[:4 * n], out=dh)
        dc *= acts[t, n:2 * n]
    rows = _to_rows(dz[:, :4 * n])
    dw = _dw_hh(rows, y[:, :p], h0, batch, reverse)
    dwr = None if dh_all is None else np.tensordot(dh_all, hr_all, axes=([0, 2], [0, 2]))
    return rows, (dh.T.copy(), dc.T.copy()), dw, _col_sum(rows), dwr


def _dw_hh(dz: np.ndarray, h: np.ndarray, h0: np.ndarray, batch: int,
             reverse: bool) -> np.ndarray:
    """dW_hh = sum_t dz_t^T h_{t-1}, from the rows: h_{t-1} is the step before's output
    (reversed: the step after's), h0 for the first step; two matmuls, nothing copied."""
    if reverse:
        first, rest, prev = slice(len(dz) - batch, None), slice(None, -batch), h[batch:]
    else:
        first, rest, prev = slice(None, batch), slice(batch, None), h[:-batch]
    return dz[first].T @ h0 + dz[rest].T @ prev


def _rnn_scan(gx: np.ndarray, h0: np.ndarray, w: np.ndarray, b: Any, steps: int,
              reverse: bool, act: str) -> np.ndarray:
    """Every step of an Elman RNN over a padded batch, as ``_scan`` (the same operations,
    so the same bits) but in place in the output y (N, H), whose rows are contiguous:
    y = gx + b_hh for all steps at once, then each step y_t += h_{t-1} W_hh^T and the
    registry's activation (tanh in place). y is also the backward's cache."""
    batch = h0.shape[0]
    y = _empty(gx.shape, np.result_type(gx, w))
    if b is None:  # NOTE: gx is not written
        np.copyto(y, gx)
    else:
        np.add(gx, b, out=y)
    rec, w_t, h = np.empty(h0.shape, y.dtype), w.T, h0
    forward = _rule(act).forward
    for t in _order(steps, reverse):
        z = y[t * batch:(t + 1) * batch]
        z += np.matmul(h, w_t, out=rec)
        if act == "tanh":
            forward(z, out=z)
        else:  # relu's forward makes a new array
            z[...] = forward(z)
        h = z
    return y


def _rnn_scan_back(g: np.ndarray, y: np.ndarray, h0: np.ndarray, w: np.ndarray,
                   reverse: bool, act: str) -> tuple:
    """Backprop through time for ``_rnn_scan``: each step dz_t = rule(g_t + dh, y_t), the
    registry's rule from the output (tanh's slopes for all steps at once: the rule is
    linear in its upstream gradient), then dh = dz_t W_hh. Returns as ``_scan_back``."""
    batch = h0.shape[0]
    steps = len(y) // batch if batch else 0
    rule = _rule(act).backward
    dz = _empty(y.shape, g.dtype)
    slopes = rule(1, y) if act == "tanh" else None
    carry = np.zeros(h0.shape, g.dtype)
    for t in _order(steps, reverse, backward=True):
        at = slice(t * batch, (t + 1) * batch)
        d = np.add(g[at], carry, out=dz[at])
        if slopes is None:
            d[...] = rule(d, y[at])  # NOTE: relu's rule: masked, so an inf upstream gives 0
        else:
            d *= slopes[at]
        np.matmul(d, w, out=carry)
    return dz, (carry,), _dw_hh(dz, y, h0, batch, reverse), _col_sum(dz), None


def _gru_scan(gx: np.ndarray, h0: np.ndarray, w: np.ndarray, b: Any, steps: int,
              reverse: bool) -> tuple:
    """Every step of a GRU over a padded batch, as ``_gru`` does it step by step (the same
    elementwise operations; W_hh h instead of h W_hh^T, so equal to rounding), feature-major
    with nothing allocated per step. Its cache ``acts`` (steps, 4H, B) holds r, z (the
    registry's sigmoid, in place: one call), n (its tanh) and gh_n = W_hn h + b_hn (r gates
    all of it: b_hn cannot join the input's bias); the states h go to slots and to the
    output y (N, H) rows once at the end. Returns y and the caches (acts, the h slots)."""
    batch, n = h0.shape
    dtype = np.result_type(gx, w)
    acts = _empty((steps, 4 * n, batch), dtype)
    bias = np.zeros((3, n), dtype) if b is None else b.reshape(3, n)
    fold = bias.copy()
    fold[2] = 0  # NOTE: b_hh's r and z parts join gx; b_hn stays out, as r gates it
    # NOTE: gx is not written; this add is also its transposition
    np.add(_by_step(gx, steps, 3), fold[:, :, None],
           out=acts[:, :3 * n].reshape(steps, 3, n, batch))
    hs = _states(h0, steps, reverse, dtype)
    rec, b_n = np.empty((3 * n, batch), dtype), bias[2][:, None]
    sigmoid, tanh = _rule("sigmoid").forward, _rule("tanh").forward
    for t in _order(steps, reverse):
        before, after = _slots(t, reverse)
        a = acts[t]
        np.matmul(w, hs[before], out=rec)
        a[:2 * n] += rec[:2 * n]
        sigmoid(a[:2 * n], out=a[:2 * n])
        ghn = np.add(rec[2 * n:], b_n, out=a[3 * n:])
        new = a[2 * n:3 * n]
        new += np.multiply(a[:n], ghn, out=rec[:n])
        tanh(new, out=new)
        h2 = np.subtract(hs[before], new, out=hs[after])  # h' = n + z (h - n)
        h2 *= a[n:2 * n]
        h2 += new
    y = _to_rows(_outputs(hs, reverse))
    return y, (acts, hs)


def _gru_slopes(k: np.ndarray, acts: np.ndarray, h_prev: np.ndarray) -> None:
    """The multipliers of backprop through a run of GRU steps, into k (steps, 4H, B) in the
    order the step uses them: kr = sigmoid'(r) gh_n, kz = sigmoid'(z) (h - n), r, and
    kn = tanh'(n) (1 - z); then dz = dh kz, dn = dh kn, dr = dn kr, d gh_n = dn r. The
    registry's output-based rules (linear in the upstream gradient: rule(1, y) is the slope)."""
    n = h_prev.shape[1]
    r, z, new, ghn = (acts[:, j * n:(j + 1) * n] for j in range(4))
    sig, tanh = _rule("sigmoid").backward, _rule("tanh").backward
    slope = sig(1, acts[:, :2 * n])
    np.multiply(slope[:, :n], ghn, out=k[:, :n])
    np.multiply(slope[:, n:], np.subtract(h_prev, new, out=k[:, n:2 * n]), out=k[:, n:2 * n])
    k[:, 2 * n:3 * n] = r
    np.multiply(tanh(1, new), np.subtract(1, z, out=k[:, 3 * n:]), out=k[:, 3 * n:])


def _gru_scan_back(g: np.ndarray, y: np.ndarray, h0: np.ndarray, w: np.ndarray,
                   caches: tuple, reverse: bool) -> tuple:
    """Backprop through time for ``_gru_scan``, feature-major: the slopes of a run of steps
    at once (``_gru_slopes``), then each step in place: dh += g_t; [dz, dn] = [kz, kn] dh;
    [dr, d gh_n] = [kr, r] dn; dh = W_hh^T [dr, dz, d gh_n] + z dh for the step before.
    d gx = [dr, dz, dn]; dW_hh = sum_t [dr, dz, d gh_n]_t h_{t-1}^T and d b_hh their sum.
    Returns as ``_scan_back``."""
    acts, hs = caches
    batch, n = h0.shape
    steps = acts.shape[0]
    runs = _runs(steps, max(1, _RUN // max(1, batch * n)), reverse)
    g_t = _swap_into(_empty((steps, n, batch), g.dtype), g.reshape(steps, batch, n))
    d = _empty((steps, 4 * n, batch), g.dtype)  # per step dr, dz, d gh_n, dn
    dh, rec = np.zeros((n, batch), g.dtype), np.empty((n, batch), g.dtype)
    w_t = w.T
    for t in _order(steps, reverse, backward=True):
        if t in runs:
            r = runs[t]
            _gru_slopes(d[r], acts[r], hs[slice(r.start + 1, r.stop + 1) if reverse else r])
        dh += g_t[t]
        blocks = d[t].reshape(4, n, batch)
        blocks[1::2] *= dh
        blocks[0::2] *= blocks[3]
        np.matmul(w_t, d[t, :3 * n], out=rec)
        dh *= acts[t, n:2 * n]
        dh += rec
    rows = _to_rows(d)  # (N, 4H): dr, dz, d gh_n, dn
    dgx = np.concatenate([rows[:, :2 * n], rows[:, 3 * n:]], axis=1)
    dgh = rows[:, :3 * n]
    dw = _dw_hh(dgh, y, h0, batch, reverse)
    return dgx, (dh.T.copy(),), dw, _col_sum(dgh), None


def _padded_scan(how: tuple, gx: np.ndarray, h0: np.ndarray, c0: Any, w: np.ndarray,
                 b: Any, wr: Any) -> tuple:
    """The padded batch's forward, LSTM, GRU or Elman RNN: (y, the caches)."""
    mode, act, sizes, reverse = how
    if mode == "lstm":
        return _lstm_scan(gx, h0, c0, w, b, len(sizes), reverse, wr)
    if mode == "gru":
        return _gru_scan(gx, h0, w, b, len(sizes), reverse)
    return _rnn_scan(gx, h0, w, b, len(sizes), reverse, act), None


def _padded_scan_back(how: tuple, g: np.ndarray, y: np.ndarray, h0: np.ndarray, c0: Any,
                      w: np.ndarray, caches: Any, wr: Any) -> tuple:
    mode, act, _, reverse = how
    if mode == "lstm":
        return _lstm_scan_back(g, y, h0, c0, w, caches, reverse, wr)
    if mode == "gru":
        return _gru_scan_back(g, y, h0, w, caches, reverse)
    return _rnn_scan_back(g, y, h0, w, reverse, act)


class Scan(Function):
    """One recurrent layer over all steps: y_t, s_t = cell(gx_t, s_{t-1}; W_hh, b_hh), the
    cell ``mode`` "lstm" (y = [h, c]), "gru" or "rnn" (y = h; ``act`` tanh or relu);
    backward is backprop through time, step by step in reverse, each gate's slope the
    registry's rule from the gate's output; dW_hh = sum_t dz_t^T h_{t-1} (one matmul).

    Inputs gx (N, G) packed (see the module doc), h0 and c0 (B, H), w_hh (G, H), b_hh (G,)
    or None, and for an LSTM with projections (torch's proj_size P) w_hr (P, H): then h0
    and h are (B, P), w_hh (G, P), and dW_hr = sum_t dh_t^T (o_t tanh c_t) (one matmul).
    Output (N, P + H) or (N, 2H) for an LSTM, else (N, H).
    NOTE: under create_graph the caches are recomputed from the (Tensor) inputs, so the
    same backward builds the graph of the gradient (second derivatives).
    """

    def forward(self, gx: np.ndarray, h0: np.ndarray, c0: Any, w_hh: np.ndarray, b_hh: Any,
                w_hr: Any = None, *, mode: str, sizes: tuple, reverse: bool = False,
                act: str = "tanh") -> Any:
        states = (h0,) if c0 is None else (h0, c0)
        how = (mode, act, sizes, reverse)
        if len(set(sizes)) == 1 and sizes[0]:  # the hot path: a padded batch
            y, caches = _padded_scan(how, gx, h0, c0, w_hh, b_hh, w_hr)
            # NOTE: the backward reads the states back from y: saving y itself makes the
            # engine refuse a backward after an in-place change of the output
            self.save(gx, h0, c0, w_hh, b_hh, w_hr, y, caches, how)
            return y
        y, caches = _scan(mode, act, gx, states, w_hh, b_hh, sizes, reverse, w_hr)
        self.save(gx, h0, c0, w_hh, b_hh, w_hr, None, caches, how)
        return y

    def backward(self, g: Any, gx: Any, h0: Any, c0: Any, w: Any, b: Any, wr: Any, y: Any,
                 caches: Any, how: tuple) -> tuple:
        mode, act, sizes, reverse = how
        states = (h0,) if c0 is None else (h0, c0)
        if is_tensor(g) or is_tensor(w):  # create_graph: the caches as Tensors
            caches = _scan(mode, act, gx, states, w, b, sizes, reverse, wr)[1]
        elif y is not None:
            return self._wanted(*_padded_scan_back(how, g, y, h0, c0, w, caches, wr))
        shapes = tuple(s.shape for s in states)
        return self._wanted(*_scan_back(mode, act, g, caches, shapes, w, sizes, reverse, wr))

    def _wanted(self, dgx: Any, ds: tuple, dw: Any, db: Any, dwr: Any) -> tuple:
        need = self.needs_input_grad
        grads = (dgx, ds[0] if need[1] else None, ds[1] if need[2] else None,
                 dw if need[3] else None, db if need[4] else None)
        return grads if len(need) == 5 else (*grads, dwr if need[5] else None)


# --- dtypes: what torch's cells promote, and what they refuse ---------------------------------

def cell_dtype(who: str, mode: str, x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any,
               b_ih: Any = None, b_hh: Any = None, w_hr: Any = None, steps: int = 1) -> Any:
    """The dtype a recurrent cell computes and returns in, from its operands' (torch 2.13's
    CPU cells), or the RuntimeError torch raises. x, w_ih and b_ih meet in one matmul (torch's
    linear: one dtype, I), and so do h, w_hh and b_hh (H); the gates are then added into
    the h part, and the rest promotes: an LSTM returns promote(H, c's dtype) (c' = f c + i
    g), a GRU promote(I, H) (n = tanh(gx_n + r gh_n)), an Elman RNN H. A projection w_hr
    meets o tanh(c') in a matmul, so it must have that dtype; over more than one step the
    state must keep H (it meets w_hh again).

    Example:
        >>> import numpy as np
        >>> f, d = np.zeros(1, np.float32), np.zeros(1, np.float64)
        >>> cell_dtype("lstm_cell", "lstm", f, f, d, f, f)    # a float64 cell state
        dtype('float64')
    """
    i = _one_dtype(who, ("input", "w_ih", "b_ih"), (x, w_ih, b_ih))
    hd = _one_dtype(who, ("hidden", "w_hh", "b_hh"), (h, w_hh, b_hh))
    out = np.promote_types(hd, c.dtype) if mode == "lstm" else \
        np.promote_types(i, hd) if mode == "gru" else hd
    if w_hr is not None and np.dtype(w_hr.dtype) != out:
        raise RuntimeError(f"{who}: w_hr has dtype {w_hr.dtype}, but o tanh(c') it multiplies "
                           f"has {out}: they meet in one matmul and must have one dtype")
    if steps > 1 and out != hd:
        raise RuntimeError(f"{who}: the state comes out of a step as {out}, and {out} and "
                           f"w_hh's {hd} cannot meet in the next step's matmul (as in torch)")
    return out


def _one_dtype(who: str, names: tuple, items: tuple) -> Any:
    found = {n: np.dtype(t.dtype) for n, t in zip(names, items) if t is not None}
    if len(set(found.values())) > 1:
        listed = ", ".join(f"{n} {d}" for n, d in found.items())
        raise RuntimeError(f"{who}: {', '.join(found)} meet in one matmul and must have one "
                           f"dtype (as in torch), got {listed}")
    return next(iter(found.values()))


# --- the rows: cell steps as torch's lstm_cell / gru_cell / rnn_*_cell, and short scans ------


def _fn(x: Any, name: str) -> Any:
    """torch.<name> (torch.lstm_cell ...) or tinygrad_acts.functional.<name>."""
    mod = lib(x)
    return getattr(mod, name, None) or getattr(sys.modules[mod.__name__ + ".functional"], name)


def _sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _ref_step(mode: str, x: np.ndarray, h: np.ndarray, c: Any, wi: np.ndarray,
              wh: np.ndarray, bi: np.ndarray, bh: np.ndarray, wr: Any = None) -> tuple:
    """One step of torch's cell equations, written out plainly (the rows' references);
    ``wr``: an LSTM's projection, h' = W_hr (o tanh c')."""
    gi, gh, n = x @ wi.T + bi, h @ wh.T + bh, h.shape[1]
    if mode == "gru":
        r, z = _sig(gi[:, :n] + gh[:, :n]), _sig(gi[:, n:2 * n] + gh[:, n:2 * n])
        new = np.tanh(gi[:, 2 * n:] + r * gh[:, 2 * n:])
        return (1 - z) * new + z * h, None
    if mode != "lstm":
        return (np.tanh if mode == "tanh" else lambda v: np.maximum(0, v))(gi + gh), None
    i, f, g, o = np.split(gi + gh, 4, axis=1)
    c2 = _sig(f) * c + _sig(i) * np.tanh(g)
    h2 = _sig(o) * np.tanh(c2)
    return (h2 if wr is None else h2 @ wr.T), c2


def _seq(x: Any, h: Any, c: Any, wi: Any, wh: Any, bh: Any, mode: str, sizes: tuple,
         reverse: bool) -> Any:
    """A short packed scan (the rows' multi-step case): x (N, I) packed, no b_ih."""
    return Scan.apply(x @ wi.T, h, c, wh, bh, mode=mode, sizes=sizes, reverse=reverse)


def _seq_ref(mode: str, x: np.ndarray, h: np.ndarray, c: Any, wi: np.ndarray,
             wh: np.ndarray, bh: np.ndarray, sizes: tuple, reverse: bool,
             wr: Any = None, bi: Any = None) -> np.ndarray:
    offs, out = _offsets(sizes), [np.empty(0)] * len(sizes)
    zero = np.zeros(wi.shape[0]) if bi is None else bi
    for t in (reversed(range(len(sizes))) if reverse else range(len(sizes))):
        n = sizes[t]
        h2, c2 = _ref_step(mode, x[offs[t]:offs[t + 1]], h[:n], None if c is None else c[:n],
                           wi, wh, zero, bh, wr)
        h, c = np.concatenate([h2, h[n:]]), None if c is None else np.concatenate([c2, c[n:]])
        out[t] = h2 if c is None else np.concatenate([h2, c2], 1)
    return np.concatenate(out)


def _lstm_proj(args: tuple, sizes: tuple = ()) -> Any:
    """One LSTM layer with projections, its outputs h; args (x, h0, c0, w_ih, w_hh, b_ih,
    b_hh, w_hr), x (T, B, I) padded, or (N, I) packed by ``sizes``; in torch, its
    nn.LSTM module run on these weights."""
    x, h, c, wi, wh, bi, bh, wr = args
    if lib(x).__name__ == "torch":
        return _torch_lstm_proj(x, (h, c), dict(weight_ih_l0=wi, weight_hh_l0=wh,
                                                bias_ih_l0=bi, bias_hh_l0=bh,
                                                weight_hr_l0=wr), sizes)
    steps = sizes or (x.shape[1],) * x.shape[0]
    dtype = cell_dtype("lstm", "lstm", x, h, c, wi, wh, bi, bh, wr, steps=len(steps))
    flat = x if sizes else x.reshape(x.shape[0] * x.shape[1], x.shape[2])
    gx, h0, c0, wh, bh, wr = (t.to(dtype) for t in (flat @ wi.T + bi, h[0], c[0], wh, bh, wr))
    y = Scan.apply(gx, h0, c0, wh, bh, wr, mode="lstm", sizes=steps)
    return y[:, :wr.shape[0]] if sizes else y[:, :wr.shape[0]].reshape(*x.shape[:2], -1)


def _torch_lstm_proj(x: Any, hx: tuple, weights: dict, sizes: tuple) -> Any:
    torch = lib(x)
    # NOTE: a module on the meta device draws no random numbers; functional_call runs it
    # on the given weights
    module = torch.nn.LSTM(x.shape[-1], weights["weight_hr_l0"].shape[1],
                           proj_size=weights["weight_hr_l0"].shape[0], dtype=x.dtype,
                           device="meta")
    if sizes:
        x = torch.nn.utils.rnn.PackedSequence(x, torch.tensor(sizes))
    out = torch.func.functional_call(module, weights, (x, hx))[0]
    return out.data if sizes else out


def _lstm_proj_ref(args: tuple, sizes: tuple = ()) -> np.ndarray:
    x, h, c, wi, wh, bi, bh, wr = args
    flat = x if sizes else x.reshape(-1, x.shape[-1])
    out = _seq_ref("lstm", flat, h[0], c[0], wi, wh, bh, sizes or (x.shape[1],) * x.shape[0],
                   False, wr, bi)[:, :wr.shape[0]]
    return out if sizes else out.reshape(*x.shape[:2], -1)


# batch 2, input 4, hidden 3: each row's output is at most 48 numbers
_GRU = ((2, 4), (2, 3), (9, 4), (9, 3), (9,), (9,))
_RNN = ((2, 4), (2, 3), (3, 4), (3, 3), (3,), (3,))
row("lstm_cell", Scan,
    lambda x, h, c, wi, wh, bi, bh: lib(x).cat(_fn(x, "lstm_cell")(x, (h, c), wi, wh, bi, bh),
                                               1),
    lambda x, h, c, *w: _cat(list(_ref_step("lstm", x, h, c, *w))),
    ((2, 4), (2, 3), (2, 3), (12, 4), (12, 3), (12,), (12,)), torch=True)
row("gru_cell", Scan, lambda x, h, *w: _fn(x, "gru_cell")(x, h, *w),
    lambda *a: _ref_step("gru", a[0], a[1], None, *a[2:])[0], _GRU, torch=True)
row("rnn_tanh_cell", Scan, lambda x, h, *w: _fn(x, "rnn_tanh_cell")(x, h, *w),
    lambda *a: _ref_step("tanh", a[0], a[1], None, *a[2:])[0], _RNN, torch=True)
row("rnn_relu_cell", Scan, lambda x, h, *w: _fn(x, "rnn_relu_cell")(x, h, *w),
    lambda *a: _ref_step("relu", a[0], a[1], None, *a[2:])[0], _RNN, kinks=(0.0,),
    smooth=False, torch=True)
# three steps of batch sizes 3, 2, 1 (variable lengths, as a PackedSequence), both directions
row("lstm(packed)", Scan,
    lambda x, h, c, wi, wh, bh: _seq(x, h, c, wi, wh, bh, "lstm", (3, 2, 1), False),
    lambda x, h, c, wi, wh, bh: _seq_ref("lstm", x, h, c, wi, wh, bh, (3, 2, 1), False),
    ((6, 2), (3, 2), (3, 2), (8, 2), (8, 2), (8,)))
# with a projection (proj_size 1 of hidden 2), as torch's nn.LSTM runs it: padded (the fast
# path, _lstm_scan) and packed (the step-by-step scan); x, h0 (1, B, 1), c0 (1, B, 2),
# w_ih, w_hh, b_ih, b_hh, w_hr (1, 2)
_W_PROJ = ((8, 2), (8, 1), (8,), (8,), (1, 2))
row("lstm(proj_size)", Scan, lambda *a: _lstm_proj(a), lambda *a: _lstm_proj_ref(a),
    ((3, 2, 2), (1, 2, 1), (1, 2, 2), *_W_PROJ), torch=True)
row("lstm(packed, proj_size)", Scan, lambda *a: _lstm_proj(a, (3, 2, 1)),
    lambda *a: _lstm_proj_ref(a, (3, 2, 1)), ((6, 2), (1, 3, 1), (1, 3, 2), *_W_PROJ),
    torch=True)
row("gru(packed, reverse)", Scan,
    lambda x, h, wi, wh, bh: _seq(x, h, None, wi, wh, bh, "gru", (3, 2, 1), True),
    lambda x, h, wi, wh, bh: _seq_ref("gru", x, h, None, wi, wh, bh, (3, 2, 1), True),
    ((6, 2), (3, 2), (6, 2), (6, 2), (6,)))
row("rnn(packed, reverse)", Scan,
    lambda x, h, wi, wh, bh: _seq(x, h, None, wi, wh, bh, "rnn", (3, 2, 1), True),
    lambda x, h, wi, wh, bh: _seq_ref("tanh", x, h, None, wi, wh, bh, (3, 2, 1), True),
    ((6, 2), (3, 2), (2, 2), (2, 2), (2,)))
