"""Recurrent layers: RNNCell / LSTMCell / GRUCell, RNN / LSTM / GRU, as torch.nn's: the same
arguments and defaults, parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse`` ...),
layouts and gate orders (LSTM i, f, g, o; GRU r, z, n), initialisation (every parameter
uniform in +-1/sqrt(hidden_size)) and shapes, so a torch ``state_dict`` loads strictly.

Each layer and direction is two nodes: a ``Linear`` for the input projection of every step
at once, and one ``ops.rnn.Scan`` running the steps (its gates the registry's sigmoid and
tanh; its backward backprop through time on their output-based rules). A PackedSequence
(``nn.utils.rnn``) runs as torch's: step t takes its first ``batch_sizes[t]`` sequences.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import functional as F
from ..ops.fused import Linear
from ..ops.rnn import Scan
from ..tensor import Tensor, cat, check_device, generator, get_default_dtype, stack
from .module import Module, Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_CELL = {"LSTM": ("lstm", "tanh"), "GRU": ("gru", "tanh"), "RNN_TANH": ("rnn", "tanh"),
         "RNN_RELU": ("rnn", "relu")}


def _uniform(m: Module, hidden_size: int) -> None:
    """torch's reset_parameters: every parameter, in order, from U(-k, k), k = 1/sqrt(H)."""
    k = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    rng = generator()
    for p in m.parameters():
        p._array[...] = rng.uniform(-k, k, p.shape)


def _ints(v: Any) -> list[int]:
    return np.asarray(v.numpy() if isinstance(v, Tensor) else v).astype(np.int64).tolist()


def _check_dtype(who: str, x: Tensor, w: Tensor) -> None:
    if x.dtype != w.dtype:
        raise RuntimeError(f"{who}: input must have the type {w.dtype} of the weights, got "
                           f"type {x.dtype}")


def _check_proj(mode: str, proj_size: Any, hidden_size: int) -> None:
    """torch's checks of proj_size (an LSTM's projection of h, 0 < proj_size < H)."""
    if not isinstance(proj_size, int) or isinstance(proj_size, bool):
        raise TypeError(f"proj_size should be of type int, got: {type(proj_size).__name__}")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable "
                         "projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if proj_size and mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


def _no_proj(kwargs: dict) -> None:
    """torch's RNN and GRU refuse the proj_size keyword outright, even proj_size=0."""
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNNBase(Module):
    """The shared part of RNN, LSTM and GRU (torch's ``RNNBase``): arguments, parameters,
    init, repr and the run over layers and directions (``_run``). As torch's, it has no
    ``forward`` of its own: calling an ``RNNBase`` itself raises NotImplementedError."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or \
                not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=2)
        for name, v in (("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name} must be an integer greater than zero, got {v!r}")
        _check_proj(mode, proj_size, hidden_size)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        dtype = np.dtype(dtype or get_default_dtype())
        gates, out = _GATES[mode] * hidden_size, self._out_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:1 + bidirectional]:
                fan = input_size if layer == 0 else out * (1 + bidirectional)
                shapes: dict[str, tuple[int, ...]] = {"weight_ih": (gates, fan),
                                                      "weight_hh": (gates, out)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if proj_size:
                    shapes.update(weight_hr=(proj_size, hidden_size))
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(np.zeros(shape, dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        _uniform(self, self.hidden_size)

    @property
    def _out_size(self) -> int:
        """The size of h (and of each direction's output): proj_size if set, else H."""
        return self.proj_size or self.hidden_size

    @property
    def _per_layer(self) -> int:
        """Parameters per layer and direction: w_ih, w_hh[, b_ih, b_hh][, w_hr]."""
        return 2 + 2 * self.bias + (self.proj_size > 0)

    def flatten_parameters(self) -> None:
        """A no-op (torch packs the weights for cuDNN)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = self._per_layer
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in (("proj_size", 0), ("num_layers", 1), ("bias", True),
                              ("batch_first", False), ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    def _states(self, hx: Any, batch: int, unbatched: bool, dtype: Any) -> list:
        """The initial states as a list of (L * D, B, H) Tensors or arrays (h, and c); h's
        last dim is proj_size when set."""
        n, lead = 1 + (self.mode == "LSTM"), (self.num_layers * (1 + self.bidirectional), batch)
        shapes = [(*lead, self._out_size), (*lead, self.hidden_size)][:n]
        if hx is None:
            return [np.zeros(shape, dtype) for shape in shapes]
        states = list(hx) if n == 2 else [hx]
        if len(states) != n or not all(isinstance(s, Tensor) for s in states):
            raise TypeError(f"{type(self).__name__}: hx must be {'a tuple (h_0, c_0) of' if n == 2 else 'a'} Tensor{'s' if n == 2 else ''}")  # noqa: E501
        want = 2 if unbatched else 3
        if any(s.ndim != want for s in states):
            dims = ", ".join(f"{s.ndim}-D" for s in states)
            raise RuntimeError(f"For {'unbatched 2-D' if unbatched else 'batched 3-D'} input, "
                               f"hx should also be {want}-D but got ({dims}) tensor")
        states = [s.unsqueeze(1) if unbatched else s for s in states]
        for i, (s, shape) in enumerate(zip(states, shapes)):
            if s.shape != shape:
                what = f"hidden[{i}]" if n == 2 else "hidden"
                raise RuntimeError(f"Expected {what} size {shape}, got {list(s.shape)}")
            _check_dtype(type(self).__name__, s, getattr(self, self._flat_weights_names[1]))
        return states

    def _run(self, input: Any, hx: Any = None) -> tuple:
        """The forward of RNN, LSTM and GRU: (output, final state)."""
        who = type(self).__name__
        packed = hasattr(input, "batch_sizes") and not isinstance(input, Tensor)
        if packed:
            x, sizes = input.data, _ints(input.batch_sizes)
            batch, order = sizes[0], input.sorted_indices
            if hx is not None and order is not None:  # hx is in the caller's batch order
                idx = np.asarray(_ints(order))
                hx = (tuple(s[:, idx] for s in hx) if self.mode == "LSTM" else hx[:, idx])
            unbatched = False
        else:
            if not isinstance(input, Tensor) or input.ndim not in (2, 3):
                dims = input.ndim if isinstance(input, Tensor) else type(input).__name__
                raise ValueError(f"{who}: Expected input to be 2D or 3D, got {dims}D instead")
            unbatched = input.ndim == 2
            x = input.unsqueeze(1) if unbatched else (
                input.transpose(0, 1) if self.batch_first else input)
            if x.shape[0] == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            batch, sizes = x.shape[1], [x.shape[1]] * x.shape[0]
            x = x.reshape(x.shape[0] * batch, x.shape[2])
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        _check_dtype(who, x, getattr(self, self._flat_weights_names[0]))
        y, finals = self._layers(x, self._states(hx, batch, unbatched, x.dtype), tuple(sizes))
        if packed:
            order = input.unsorted_indices
            if order is not None:
                finals = [f[:, np.asarray(_ints(order))] for f in finals]
            out: Any = type(input)(y, input.batch_sizes, input.sorted_indices, order)
        else:
            out = y.reshape(len(sizes), batch, y.shape[-1])
            out = out[:, 0] if unbatched else (out.transpose(0, 1) if self.batch_first else out)
            finals = [f[:, 0] for f in finals] if unbatched else finals
        return out, (tuple(finals) if self.mode == "LSTM" else finals[0])

    def _layers(self, x: Tensor, states: list, sizes: tuple) -> tuple[Tensor, list]:
        """Every layer and direction over the packed input x (N, I): (output, final states)."""
        mode, act = _CELL[self.mode]
        hid, n_dir, per = self._out_size, 1 + self.bidirectional, self._per_layer
        lengths = (np.asarray(sizes)[:, None] > np.arange(sizes[0])).sum(axis=0)
        ends = np.asarray(np.cumsum(sizes)) - np.asarray(sizes)
        last: Any = slice(len(x) - sizes[0], None) if len(set(sizes)) == 1 else (
            ends[lengths - 1] + np.arange(sizes[0]))
        finals: list[list] = [[] for _ in states]
        names = self._flat_weights_names
        for layer in range(self.num_layers):
            outs = []
            for d in range(n_dir):
                k = layer * n_dir + d
                w = [getattr(self, n) for n in names[k * per:(k + 1) * per]]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                gx = Linear.apply(x, w[0], b_ih) if self.bias else Linear.apply(x, w[0])
                proj = (w[-1],) if self.proj_size else ()
                y = Scan.apply(gx, states[0][k], states[1][k] if mode == "lstm" else None,
                               w[1], b_hh, *proj, mode=mode, sizes=sizes, reverse=d == 1,
                               act=act)
                end = y[:sizes[0]] if d == 1 else y[last]  # the state after each one's last step
                if mode == "lstm":  # y = [h, c]: h of size hid (proj_size or H), then c
                    finals[0].append(end[:, :hid])
                    finals[1].append(end[:, hid:])
                else:
                    finals[0].append(end)
                outs.append(y[:, :hid] if mode == "lstm" else y)
            x = outs[0] if n_dir == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        return x, [stack(f, 0) for f in finals]


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu,
    stacked ``num_layers`` deep (each layer's outputs the next one's inputs).

    Args:
        input_size, hidden_size: features of x and h.
        num_layers: stacked layers (default 1). nonlinearity: "tanh" (default) or "relu".
        bias: learn b_ih and b_hh (default True). batch_first: input (B, T, I) (default False).
        dropout: dropout on each layer's outputs but the last's, in training (default 0).
        bidirectional: a second, reversed pass per layer, outputs concatenated (default False).
        device, dtype: "cpu" only; the parameters' dtype (default: the default float).

    Shape:
        Input (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence;
        h_0 (D * num_layers, B, H) (default zeros). Output (T, B, D * H) and h_n
        (D * num_layers, B, H); ``weight_ih_l{k}`` (H, I), ``weight_hh_l{k}`` (H, H).

    Example:
        >>> import tinygrad_acts as ta
        >>> out, h = ta.nn.RNN(4, 3, num_layers=2)(ta.randn(5, 2, 4))
        >>> out.shape, h.shape
        (torch.Size([5, 2, 3]), torch.Size([2, 2, 3]))
    """

    def __init__(self, *args: Any, nonlinearity: str = "tanh", **kwargs: Any) -> None:
        _no_proj(kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def forward(self, input: Any, hx: Any = None) -> tuple:
        return self._run(input, hx)


class LSTM(RNNBase):
    """Long short-term memory: i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the quarters
    of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh; c_t = f c_{t-1} + i g; h_t = o tanh(c_t),
    or with ``proj_size`` P > 0 (torch's LSTM with projections) h_t = W_hr (o tanh(c_t)):
    h shrinks to P numbers while the cell c keeps H.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
        device, dtype: as ``RNN``. proj_size: P, 0 < P < hidden_size, or 0 (default: none).

    Shape:
        Input as ``RNN``; (h_0, c_0), (D * num_layers, B, P or H) and (D * num_layers, B, H)
        (default zeros). Output (T, B, D * (P or H)) and (h_n, c_n); ``weight_ih_l{k}``
        (4H, I), gates i, f, g, o; ``weight_hh_l{k}`` (4H, P or H); ``weight_hr_l{k}`` (P, H).

    Example:
        >>> import tinygrad_acts as ta
        >>> out, (h, c) = ta.nn.LSTM(4, 3, batch_first=True)(ta.randn(2, 5, 4))
        >>> out.shape, h.shape, c.shape
        (torch.Size([2, 5, 3]), torch.Size([1, 2, 3]), torch.Size([1, 2, 3]))
        >>> out, (h, c) = ta.nn.LSTM(4, 3, proj_size=2)(ta.randn(5, 2, 4))
        >>> out.shape, h.shape, c.shape
        (torch.Size([5, 2, 2]), torch.Size([1, 2, 2]), torch.Size([1, 2, 3]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Any, hx: Any = None) -> tuple:
        return self._run(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit (torch's): r, z = sigmoid(x W_i{r,z}^T + b_i + h W_h{r,z}^T +
    b_h); n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)); h_t = (1 - z) n + z h_{t-1}.

    Args:
        as ``RNN`` (no nonlinearity).

    Shape:
        As ``RNN``; ``weight_ih_l{k}`` (3H, I), gates r, z, n.

    Example:
        >>> import tinygrad_acts as ta
        >>> out, h = ta.nn.GRU(4, 3, bidirectional=True)(ta.randn(5, 4))   # unbatched
        >>> out.shape, h.shape
        (torch.Size([5, 6]), torch.Size([2, 3]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _no_proj(kwargs)
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Any, hx: Any = None) -> tuple:
        return self._run(input, hx)


# --- cells: one step ----------------------------------------------------------------------


class RNNCellBase(Module):
    """The shared part of the cells: ``weight_ih`` (G H, I), ``weight_hh`` (G H, H),
    ``bias_ih`` and ``bias_hh`` (G H,), all uniform in +-1/sqrt(H), as torch."""

    nonlinearity = "tanh"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = np.dtype(dtype or get_default_dtype())
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(np.zeros((g, input_size), dtype))
        self.weight_hh = Parameter(np.zeros((g, hidden_size), dtype))
        if bias:
            self.bias_ih = Parameter(np.zeros(g, dtype))
            self.bias_hh = Parameter(np.zeros(g, dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        s += "" if self.bias else ", bias=False"
        return s + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}")

    def _prepare(self, x: Any, hx: Any, n: int) -> tuple[Tensor, list, bool]:
        """x as (B, I) and the n states as (B, H) (zeros by default); whether unbatched."""
        who = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim not in (1, 2):
            dims = x.ndim if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{who}: Expected input to be 1D or 2D, got {dims}D instead")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x.shape[-1]} "
                               f"expected {self.input_size}")
        _check_dtype(who, x, self.weight_ih)
        unbatched = x.ndim == 1
        x = x.unsqueeze(0) if unbatched else x
        if hx is None:
            zeros = Tensor._wrap(np.zeros((x.shape[0], self.hidden_size), x.dtype))
            return x, [zeros] * n, unbatched
        states = list(hx) if n == 2 else [hx]
        states = [s.unsqueeze(0) if unbatched and s.ndim == 1 else s for s in states]
        for i, s in enumerate(states):
            if s.ndim != 2 or s.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} "
                                   f"batch size {s.shape[0] if s.ndim else s.shape}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got "
                                   f"{s.shape[1]}, expected {self.hidden_size}")
            if i == 0:  # NOTE: c may differ (it promotes: see ops.rnn.cell_dtype), as torch
                _check_dtype(who, s, self.weight_hh)
        return x, states, unbatched

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu.

    Args:
        input_size, hidden_size: features of x and h. bias: default True.
        nonlinearity: "tanh" (default) or "relu". device, dtype: as ``RNN``.

    Shape:
        Input (B, I) or (I,); hx (B, H) or (H,) (default zeros); output h' like hx.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.RNNCell(4, 3)(ta.randn(2, 4)).shape
        torch.Size([2, 3])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), unbatched = self._prepare(input, hx, 1)
        cell = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        h = cell(x, h, *self._weights())
        return h[0] if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step: i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the quarters of
    x W_ih^T + b_ih + h W_hh^T + b_hh; c' = f c + i g; h' = o tanh(c').

    Args:
        input_size, hidden_size, bias, device, dtype: as ``RNNCell``.

    Shape:
        Input (B, I) or (I,); hx = (h, c), each (B, H) or (H,) (default zeros); output
        (h', c').

    Example:
        >>> import tinygrad_acts as ta
        >>> h, c = ta.nn.LSTMCell(4, 3)(ta.randn(2, 4))
        >>> h.shape, c.shape
        (torch.Size([2, 3]), torch.Size([2, 3]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        x, (h, c), unbatched = self._prepare(input, hx, 2)
        h, c = F.lstm_cell(x, (h, c), *self._weights())
        return (h[0], c[0]) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step (torch's): r, z = sigmoid(...); n = tanh(x W_in^T + b_in +
    r (h W_hn^T + b_hn)); h' = (1 - z) n + z h.

    Args:
        input_size, hidden_size, bias, device, dtype: as ``RNNCell``.

    Shape:
        Input (B, I) or (I,); hx (B, H) or (H,) (default zeros); output h' like hx.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.GRUCell(4, 3)(ta.randn(4)).shape
        torch.Size([3])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), unbatched = self._prepare(input, hx, 1)
        h = F.gru_cell(x, h, *self._weights())
        return h[0] if unbatched else h
