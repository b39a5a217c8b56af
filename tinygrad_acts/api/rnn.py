"""Recurrent functional forms (functional.py exports this module's __all__): one step of
torch's cells, ``lstm_cell`` / ``gru_cell`` / ``rnn_tanh_cell`` / ``rnn_relu_cell``, with
torch's arguments (its top-level ``torch.lstm_cell`` ...). The layers are in nn/rnn.py."""
from __future__ import annotations

from typing import Any

from ..ops.fused import Linear
from ..ops.rnn import Scan, cell_dtype
from ..tensor import Tensor

__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]


def _step(who: str, mode: str, x: Tensor, h: Tensor, c: Any, w_ih: Tensor, w_hh: Tensor,
          b_ih: Any, b_hh: Any, act: str = "tanh") -> Tensor:
    """gx = x W_ih^T + b_ih (one Linear node), then one step of ``Scan``."""
    if x.ndim != 2 or h.ndim != 2 or x.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"{who}: input {x.shape} and hidden {h.shape} must be 2-D, and "
                           f"the input's size must be {w_ih.shape[1]} (w_ih {w_ih.shape})")
    if x.shape[0] != h.shape[0] or h.shape[1] != w_hh.shape[1] or (
            c is not None and c.shape != h.shape):
        raise RuntimeError(f"{who}: hidden state {h.shape} does not fit input {x.shape} and "
                           f"w_hh {w_hh.shape} (expected ({x.shape[0]}, {w_hh.shape[1]}))")
    dtype = cell_dtype(who, mode, x, h, c, w_ih, w_hh, b_ih, b_hh)  # torch's promotion
    gx = Linear.apply(x, w_ih, b_ih) if b_ih is not None else Linear.apply(x, w_ih)
    cast = [t if t is None or t.dtype == dtype else t.to(dtype) for t in (gx, h, c, w_hh, b_hh)]
    return Scan.apply(*cast, mode=mode, sizes=(x.shape[0],), act=act)


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step: i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the quarters of
    x W_ih^T + b_ih + h W_hh^T + b_hh; c' = f c + i g, h' = o tanh(c').

    Args:
        input: (B, I). hx: (h, c), each (B, H).
        w_ih, w_hh: (4H, I) and (4H, H), gates in torch's order i, f, g, o.
        b_ih, b_hh: (4H,) or None.

    Shape:
        Returns (h', c'), each (B, H).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> h, c = F.lstm_cell(ta.ones(2, 4), (ta.zeros(2, 3), ta.zeros(2, 3)),
        ...                    ta.zeros(12, 4), ta.zeros(12, 3))
        >>> c                                # f c + i g = 0.5 * 0 + 0.5 * tanh(0)
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
    """
    h, c = hx
    y = _step("lstm_cell", "lstm", input, h, c, w_ih, w_hh, b_ih, b_hh)
    n = h.shape[1]
    return y[:, :n], y[:, n:]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (torch's): r, z = sigmoid(x W_i{r,z}^T + b_i + h W_h{r,z}^T + b_h);
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)); h' = (1 - z) n + z h.

    Args:
        input: (B, I). hx: (B, H). w_ih, w_hh: (3H, I), (3H, H), gates r, z, n.
        b_ih, b_hh: (3H,) or None.

    Shape:
        Returns h' (B, H).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.gru_cell(ta.ones(1, 2), ta.ones(1, 3), ta.zeros(9, 2), ta.zeros(9, 3))
        tensor([[0.5000, 0.5000, 0.5000]])
    """
    return _step("gru_cell", "gru", input, hx, None, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Args:
        input: (B, I). hx: (B, H). w_ih, w_hh: (H, I), (H, H). b_ih, b_hh: (H,) or None.

    Shape:
        Returns h' (B, H).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.rnn_tanh_cell(ta.zeros(1, 2), ta.zeros(1, 2), ta.ones(2, 2), ta.ones(2, 2))
        tensor([[0., 0.]])
    """
    return _step("rnn_tanh_cell", "rnn", input, hx, None, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step with relu: h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Args:
        input: (B, I). hx: (B, H). w_ih, w_hh: (H, I), (H, H). b_ih, b_hh: (H,) or None.

    Shape:
        Returns h' (B, H).

    Example:
        >>> import tinygrad_acts as ta
        >>> import tinygrad_acts.functional as F
        >>> F.rnn_relu_cell(-ta.ones(1, 2), ta.zeros(1, 2), ta.ones(2, 2), ta.ones(2, 2))
        tensor([[0., 0.]])
    """
    return _step("rnn_relu_cell", "rnn", input, hx, None, w_ih, w_hh, b_ih, b_hh, "relu")
