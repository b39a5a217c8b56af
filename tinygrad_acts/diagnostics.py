"""Diagnostics: watch a network's activation layers while it trains.

``ActivationMonitor(model)`` puts a forward hook on every activation layer (the ``nn``
activation modules and ``nn.Maxout``). From the outputs it sees it keeps, per layer:

- the **dead fraction**: the share of units whose output was exactly 0 for *every* sample
  seen since the last ``reset()`` (the lecture's dead ReLU; a unit is one element of one
  sample's output, so a (batch, 64) output has 64 units);
- the **saturated fraction**: the share of output values where the function is flat, so the
  output-based slope is nearly 0 (tanh: |y| > 0.99; sigmoid: y < 0.01 or y > 0.99). The
  rule is the registry entry's ``saturation`` (``ta.activations[name].saturation``, yours
  too); layers whose activation declares none show ``-``;
- the mean and max |gradient| arriving at the layer's output on backward (a tensor hook on
  the output, so nothing extra is kept), which shows gradients vanishing or exploding.

It costs a comparison or two per output element: the outputs are already there, because
the output-based rules keep them anyway.

Sequence layers are watched too, by the same forward hooks and with no change to the layers:

- recurrent layers (``nn.RNN LSTM GRU`` and their cells): one row per layer and direction
  (``lstm.l0``, ``lstm.l0_reverse``, ...; a cell is one row) with the share of **saturated
  gates**, sigmoid gates (LSTM i f o, GRU r z) and tanh gates (LSTM g, GRU n, the tanh RNN's
  state) apart, by the registry's rules above. The gates are not outputs of the layer, so
  the hook *replays* the layer's recurrence in numpy from its inputs and weights
  (``recurrent_gates``), at the cost of one more forward;
- ``nn.MultiheadAttention``: the **entropy of the attention weights** per head, in nats
  (0: each query looks at one key; log S: it spreads evenly over the S keys), replayed the
  same way (``attention_weights``), so it works inside ``nn.TransformerEncoderLayer``,
  which asks for no weights.

``gradient_through_time(rnn, x, loss_fn)`` is the view through time: the norm of the
gradient reaching the hidden state of each time step, which is where a plain RNN loses its
memory.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .activations import registry
from .autograd import grad as ta_grad
from .nn.activation import Activation
from .nn.layers import Maxout
from .nn.module import Module
from .tensor import Tensor, stack

__all__ = ["ActivationMonitor", "LayerStats", "dead_fraction", "saturated_fraction",
           "recurrent_gates", "attention_weights", "attention_entropy",
           "gradient_through_time", "step_gradient_norms"]


def dead_fraction(outputs: np.ndarray | Tensor) -> float:
    """Share of units whose output is exactly 0 for every sample (rows are samples).

    Args:
        outputs: activations of shape (samples, *unit_shape); each element of a row is a unit.

    Returns:
        a number in [0, 1]; units that were 0 for every sample count as dead.

    Example:
        >>> import numpy as np
        >>> dead_fraction(np.array([[0.0, 1.0, 0.0, 0.0],
        ...                         [0.0, 0.0, 2.0, 0.0]]))   # units 0 and 3 never fire
        0.5
    """
    y = np.asarray(outputs._array if isinstance(outputs, Tensor) else outputs)
    alive = (y.reshape(len(y), -1) != 0).any(axis=0)
    return float(1.0 - alive.mean())


def saturated_fraction(outputs: np.ndarray | Tensor, name: str, **params: Any) -> float:
    """Share of output values in the flat zone of activation ``name``: where its registry
    entry's ``saturation`` rule holds (``ta.activations[name].saturation``).

    Args:
        outputs: activation outputs, any shape.
        name: a registry name with a saturation rule (tanh, sigmoid, hardtanh, elu, softplus).
        params: the activation's parameters (e.g. ``alpha`` for elu; default the entry's).

    Returns:
        a number in [0, 1].

    Example:
        >>> import numpy as np
        >>> saturated_fraction(np.tanh(np.array([0.0, 1.0, 3.0, -4.0])), "tanh")
        0.5
    """
    spec = registry[name]
    if spec.saturation is None:
        known = sorted(n for n, entry in registry.items() if entry.saturation is not None)
        raise KeyError(f"saturated_fraction: no saturation rule for {name!r}; "
                       f"known: {', '.join(known)}")
    y = np.asarray(outputs._array if isinstance(outputs, Tensor) else outputs)
    return float(spec.saturation[0](y, **{**spec.params, **params}).mean())


@dataclass
class LayerStats:
    """What the monitor saw at one layer since the last reset (None: nothing seen yet)."""

    name: str
    kind: str
    units: int
    samples: int
    dead: float | None
    saturated: float | None
    grad_mean: float | None
    grad_max: float | None
    backward_passes: int
    sigmoid_saturated: float | None = None
    tanh_saturated: float | None = None
    gates: dict[str, float] | None = None
    entropy: float | None = None
    head_entropy: list[float] | None = None


class _Watch:
    """The running counts for one layer; fed by the layer's hooks."""

    def __init__(self, name: str, module: Module):
        self.name, self.module = name, module
        spec = registry.get(module.name) if isinstance(module, Activation) else None
        self.saturation: Callable[..., np.ndarray] | None = \
            spec.saturation[0] if spec is not None and spec.saturation is not None else None
        self.params = dict(getattr(module, "params", {}))
        self.reset()

    def reset(self) -> None:
        self.alive: np.ndarray | None = None
        self.samples = 0
        self.flat = 0
        self.values = 0
        self.grad_sum = 0.0
        self.grad_max = 0.0
        self.passes = 0

    def forward(self, y: np.ndarray) -> None:
        rows = y.reshape(len(y), -1) if y.ndim > 1 else y.reshape(1, -1)
        alive = (rows != 0).any(axis=0)
        self.alive = alive if self.alive is None else self.alive | alive
        self.samples += len(rows)
        if self.saturation is not None:
            self.flat += int(np.count_nonzero(self.saturation(y, **self.params)))
            self.values += y.size

    def backward(self, g: np.ndarray) -> None:
        a = np.abs(g)
        self.grad_sum += float(a.mean()) if a.size else 0.0
        self.grad_max = max(self.grad_max, float(a.max()) if a.size else 0.0)
        self.passes += 1

    def stats(self) -> LayerStats:
        return self.stats_base()

    def stats_base(self) -> LayerStats:
        alive = self.alive
        return LayerStats(
            name=self.name, kind=type(self.module).__name__,
            units=0 if alive is None else alive.size, samples=self.samples,
            dead=None if alive is None else float(1.0 - alive.mean()),
            saturated=self.flat / self.values if self.values else None,
            grad_mean=self.grad_sum / self.passes if self.passes else None,
            grad_max=self.grad_max if self.passes else None,
            backward_passes=self.passes)


def _sequence_kind(module: Module) -> str | None:
    """'attention' for a MultiheadAttention, the gate family for a recurrent layer or cell,
    None for anything else (by class name, so a subclass of ours counts too)."""
    for cls in type(module).__mro__:
        if cls.__name__ == "MultiheadAttention":
            return "attention"
        if cls.__name__ in RECURRENT:
            return cls.__name__.removesuffix("Cell")
    return None


def _gate_watches(name: str, module: Any) -> list[_GateWatch]:
    """One watch per layer and direction (``lstm.l0``, ``lstm.l0_reverse``...; a cell is one
    row), the top layer's watches taking their half of the output's gradient."""
    kind = _sequence_kind(module)
    assert kind is not None
    if type(module).__name__.endswith("Cell"):
        watch = _GateWatch(name, module, kind, slice(None))
        watch.row = ""
        return [watch]
    layers, directions = module.num_layers, 2 if module.bidirectional else 1
    width = getattr(module, "proj_size", 0) or module.hidden_size
    out = []
    for layer in range(layers):
        for d in range(directions):
            row = f"l{layer}" + ("_reverse" if d else "")
            top = slice(d * width, (d + 1) * width) if layer == layers - 1 else None
            watch = _GateWatch(f"{name}.{row}", module, kind, top)
            watch.row = row
            out.append(watch)
    return out


class _GateWatch(_Watch):
    """One layer and direction of a recurrent module: saturated gates, fed by the replay."""

    def __init__(self, name: str, module: Module, kind: str, top: slice | None):
        self.kind, self.top = kind, top        # top: the slice of the output it feeds
        self.row = ""                          # its key in recurrent_gates' result
        super().__init__(name, module)
        rule = {g: registry["sigmoid" if g in SIGMOID_GATES else "tanh"].saturation
                for g in GATES[kind]}
        if kind == "RNN" and getattr(module, "nonlinearity", "tanh") == "relu":
            rule = {}                          # relu's state is never flat: dead units only
        self.rules = {g: r[0] for g, r in rule.items() if r is not None}

    def reset(self) -> None:
        super().reset()
        self.gate_flat = {g: 0 for g in GATES[self.kind]}
        self.gate_values = {g: 0 for g in GATES[self.kind]}

    def gates(self, values: dict[str, np.ndarray]) -> None:
        state = values["h" if self.kind == "RNN" else "o" if self.kind == "LSTM" else "n"]
        valid = ~np.isnan(state).any(-1).reshape(-1)
        if self.kind == "RNN":                 # the state itself: dead units, as for relu
            self.forward(state.reshape(-1, state.shape[-1])[valid])
        else:
            self.samples += int(valid.sum())
        for g, rule in self.rules.items():
            v = values[g].reshape(-1, values[g].shape[-1])[valid]
            self.gate_flat[g] += int(np.count_nonzero(rule(v)))
            self.gate_values[g] += v.size

    def stats(self) -> LayerStats:
        s = self.stats_base()
        share = {g: self.gate_flat[g] / n for g, n in self.gate_values.items() if n}

        def pooled(names: Iterable[str]) -> float | None:
            ruled = [g for g in names if g in self.rules]
            n = sum(self.gate_values[g] for g in ruled)
            return sum(self.gate_flat[g] for g in ruled) / n if n else None

        s.sigmoid_saturated = pooled(g for g in GATES[self.kind] if g in SIGMOID_GATES)
        s.tanh_saturated = pooled(g for g in GATES[self.kind] if g not in SIGMOID_GATES)
        s.saturated = pooled(GATES[self.kind])
        s.gates = share or None
        s.units = getattr(self.module, "hidden_size", 0)
        return s


class _AttentionWatch(_Watch):
    """An attention module: the entropy of its weights per head, fed by the replay."""

    def reset(self) -> None:
        super().reset()
        self.entropy_sum: np.ndarray | None = None
        self.queries = 0
        self.keys = 0

    def weights(self, w: np.ndarray) -> None:
        h = attention_entropy(w)                         # (N, heads, L)
        ok = ~np.isnan(h)
        total = np.where(ok, h, 0.0).sum((0, 2))
        self.entropy_sum = total if self.entropy_sum is None else self.entropy_sum + total
        self.queries += int(ok[:, 0].sum())
        self.samples += w.shape[0]
        self.keys = w.shape[-1]

    def stats(self) -> LayerStats:
        s = self.stats_base()
        s.units = getattr(self.module, "num_heads", 0)
        if self.entropy_sum is not None and self.queries:
            heads = self.entropy_sum / self.queries
            s.head_entropy = [float(v) for v in heads]
            s.entropy = float(heads.mean())
        return s


class ActivationMonitor:
    """Dead and saturated fractions and gradient sizes of every activation layer of a model.

    Built on ``Module.register_forward_hook`` (the outputs) and ``Tensor.register_hook``
    on each output (the gradient arriving at the layer). Counts accumulate over every
    forward and backward until ``reset()``; ``snapshot()`` records the current numbers in
    the history and starts a new window. Use ``paused()`` around evaluation passes you do
    not want counted, and ``remove()`` (or a ``with`` block) to take the hooks off.

    Args:
        model: the network to watch.
        layers: which sub-modules to watch (default: every ``nn`` activation module and
            ``nn.Maxout``); a list of modules or of their names in ``model``.

    Shape:
        A unit is one element of one sample's output (the first dim is the batch), so a
        layer with output (batch, 64) has 64 units.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        >>> with ta.no_grad():
        ...     net[0].weight[...] = ta.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, -1.0]])
        ...     net[0].bias[...] = ta.zeros(3)
        >>> monitor = ActivationMonitor(net)
        >>> y = net(ta.tensor([[1.0, 1.0], [2.0, 3.0]]))   # units 1 and 2 never fire
        >>> round(monitor.stats()["1"].dead, 3)
        0.667
        >>> monitor.remove()
    """

    def __init__(self, model: Module, layers: Iterable[Module | str] | None = None):
        named = dict(model.named_modules())
        chosen: list[tuple[str, Module]] = []
        if layers is None:
            chosen = [(n, m) for n, m in named.items() if isinstance(m, (Activation, Maxout))
                      or _sequence_kind(m) is not None]
        else:
            by_id = {id(m): n for n, m in named.items()}
            for layer in layers:
                if isinstance(layer, str):
                    if layer not in named:
                        raise KeyError(f"ActivationMonitor: model has no sub-module {layer!r}")
                    chosen.append((layer, named[layer]))
                elif id(layer) in by_id:
                    chosen.append((by_id[id(layer)], layer))
                else:
                    raise ValueError(f"ActivationMonitor: {layer!r} is not part of the model")
        if not chosen:
            raise ValueError("ActivationMonitor: the model has no activation layers to watch "
                             "(pass layers=[...] to choose some)")
        self._watches: list[_Watch] = []
        self._handles = []
        for name, m in chosen:
            name = name or type(m).__name__
            kind = _sequence_kind(m)
            if kind == "attention":
                heads = _AttentionWatch(name, m)
                self._watches.append(heads)
                self._handles.append(m.register_forward_hook(
                    self._attention_hook(heads), with_kwargs=True))
            elif kind is not None:
                group = _gate_watches(name, m)
                self._watches += group
                self._handles.append(m.register_forward_hook(
                    self._recurrent_hook(group), with_kwargs=True))
            else:
                watch = _Watch(name, m)
                self._watches.append(watch)
                self._handles.append(m.register_forward_hook(self._forward_hook(watch)))
        self._history: list[tuple[Any, list[LayerStats]]] = []
        self._paused = False
        self._steps = 0

    # --- hooks --------------------------------------------------------------------------

    def _forward_hook(self, watch: _Watch) -> Callable:
        def hook(module: Module, inputs: tuple, out: Any) -> None:
            if self._paused or not isinstance(out, Tensor):
                return
            watch.forward(out._array)
            if out.requires_grad:
                out.register_hook(lambda g: self._backward(watch, g))
        return hook

    def _backward(self, watch: _Watch, grad: Tensor, part: slice | None = None) -> None:
        if not self._paused:
            watch.backward(grad._array if part is None else grad._array[..., part])

    def _grad_on(self, out: Any, watches: list[_Watch]) -> None:
        """Tensor hooks on the module's main output (the packed data of a PackedSequence),
        feeding the watches that produced it (a bidirectional layer's halves apart)."""
        out = out[0] if isinstance(out, tuple) else out
        out = getattr(out, "data", out) if hasattr(out, "batch_sizes") else out
        if not isinstance(out, Tensor) or not out.requires_grad:
            return
        for w in watches:
            part = getattr(w, "top", None)
            out.register_hook(lambda g, w=w, part=part: self._backward(w, g, part))

    def _recurrent_hook(self, group: list[_GateWatch]) -> Callable:
        def hook(module: Module, args: tuple, kwargs: dict, out: Any) -> None:
            if self._paused:
                return
            x = args[0] if args else kwargs["input"]
            hx = args[1] if len(args) > 1 else kwargs.get("hx")
            rows = recurrent_gates(module, x, hx)
            for w in group:
                w.gates(rows[w.row])
            self._grad_on(out, [w for w in group if w.top is not None])
        return hook

    def _attention_hook(self, watch: _AttentionWatch) -> Callable:
        names = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask")

        def hook(module: Module, args: tuple, kwargs: dict, out: Any) -> None:
            if self._paused:
                return
            given = {**dict(zip(names, args)), **kwargs}
            mask = given.get("attn_mask")
            if mask is None and given.get("is_causal"):
                size = (given["query"].shape[-2], given["key"].shape[-2]) if getattr(
                    module, "batch_first", False) or given["query"].ndim == 2 else \
                    (given["query"].shape[0], given["key"].shape[0])
                mask = np.triu(np.ones(size, bool), 1)
            watch.weights(attention_weights(
                module, given["query"], given["key"], given["value"],
                given.get("key_padding_mask"), mask))
            self._grad_on(out, [watch])
        return hook

    # --- reading ------------------------------------------------------------------------

    @property
    def layers(self) -> list[str]:
        """Names of the watched layers, in the model's order."""
        return [w.name for w in self._watches]

    def stats(self) -> dict[str, LayerStats]:
        """name -> the layer's numbers since the last reset."""
        return {w.name: w.stats() for w in self._watches}

    def dead_mask(self, layer: str) -> np.ndarray:
        """Boolean mask of ``layer``'s dead units (zero for every sample since the reset),
        one entry per unit (a sample's output flattened); empty before any forward."""
        for w in self._watches:
            if w.name == layer:
                return np.zeros(0, bool) if w.alive is None else ~w.alive
        raise KeyError(f"ActivationMonitor: not watching {layer!r}; watching {self.layers}")

    def reset(self) -> None:
        """Forget everything seen so far (the history is kept)."""
        for w in self._watches:
            w.reset()

    def snapshot(self, step: Any = None) -> dict[str, LayerStats]:
        """Append the current numbers to the history (tagged ``step``, default a counter),
        then reset; returns what was recorded."""
        stats = self.stats()
        self._history.append((self._steps if step is None else step, list(stats.values())))
        self._steps += 1
        self.reset()
        return stats

    def history(self) -> dict[str, dict[str, list]]:
        """The snapshots, per layer, as columns ready to plot:
        ``{layer: {"step": [...], "dead": [...], "saturated": [...], "grad_mean": [...],
        "grad_max": [...], "samples": [...]}}`` (None where nothing was seen); recurrent
        rows add "sigmoid_saturated" and "tanh_saturated", attention rows "entropy"."""
        out: dict[str, dict[str, list]] = {}
        for step, rows in self._history:
            for row in rows:
                keys = ["dead", "saturated", "grad_mean", "grad_max", "samples"]
                if row.gates is not None or row.kind in RECURRENT:
                    keys += ["sigmoid_saturated", "tanh_saturated"]
                if row.units and row.kind == "MultiheadAttention":
                    keys += ["entropy"]
                col = out.setdefault(row.name, {k: [] for k in ["step", *keys]})
                values = asdict(row)
                col["step"].append(step)
                for k in keys:
                    col[k].append(values[k])
        return out

    # --- control ------------------------------------------------------------------------

    def paused(self) -> _Paused:
        """A ``with`` block in which nothing is counted (e.g. an evaluation pass)."""
        return _Paused(self)

    def remove(self) -> None:
        """Take every hook off the model (tensor hooks already placed stay harmless)."""
        for h in self._handles:
            h.remove()
        self._handles = []
        self._paused = True

    def __enter__(self) -> ActivationMonitor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    # --- printing -----------------------------------------------------------------------

    def __str__(self) -> str:
        head = (f"{'layer':<12} {'kind':<10} {'units':>6} {'samples':>8} {'dead':>7} "
                f"{'saturated':>9} {'|grad| mean':>11} {'|grad| max':>10}")
        lines = [head, "-" * len(head)]
        for s in self.stats().values():
            lines.append(f"{s.name[:12]:<12} {s.kind[:10]:<10} {s.units:>6} {s.samples:>8} "
                         f"{_pct(s.dead):>7} {_pct(s.saturated):>9} {_sci(s.grad_mean):>11} "
                         f"{_sci(s.grad_max):>10}")
        return "\n".join(lines + self._sequence_lines())

    def _sequence_lines(self) -> list[str]:
        """The gate and attention sections of the table (none for a model without them)."""
        lines = []
        gates = [(w, w.stats()) for w in self._watches if isinstance(w, _GateWatch)]
        if gates:
            lines += ["", "saturated gates (sigmoid: y < 0.01 or y > 0.99; tanh: |y| > 0.99):",
                      f"{'layer':<16} {'kind':<9} {'sigmoid':>8} {'tanh':>8}  per gate"]
            for _, s in gates:
                each = "  ".join(f"{g} {_pct(v)}" for g, v in (s.gates or {}).items())
                lines.append(f"{s.name[:16]:<16} {s.kind[:9]:<9} {_pct(s.sigmoid_saturated):>8} "
                             f"{_pct(s.tanh_saturated):>8}  {each}")
        heads = [(a, a.stats()) for a in self._watches if isinstance(a, _AttentionWatch)]
        if heads:
            lines += ["", "attention entropy (nats; 0 = one key, log S = even over S keys):",
                      f"{'layer':<16} {'keys S':>6} {'log S':>6} {'mean':>6}  per head"]
            for a, s in heads:
                each = " ".join(f"{v:.2f}" for v in s.head_entropy or [])
                top = f"{np.log(a.keys):.2f}" if a.keys else "-"
                mean = "-" if s.entropy is None else f"{s.entropy:.2f}"
                lines.append(f"{s.name[:16]:<16} {a.keys or '-':>6} {top:>6} {mean:>6}  {each}")
        return lines

    def __repr__(self) -> str:
        return f"<ActivationMonitor watching {len(self._watches)} layers: {self.layers}>"


class _Paused:
    def __init__(self, monitor: ActivationMonitor):
        self.monitor = monitor

    def __enter__(self) -> None:
        self.prev, self.monitor._paused = self.monitor._paused, True

    def __exit__(self, *exc: Any) -> None:
        self.monitor._paused = self.prev


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _sci(x: float | None) -> str:
    return "-" if x is None else f"{x:.2e}"


# --- sequence layers: gates and attention weights, replayed from the layer's inputs --------

RECURRENT = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
GATES = {"LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n"), "RNN": ("h",)}
SIGMOID_GATES = frozenset("ifor z".replace(" ", ""))       # i f o (LSTM), r z (GRU)


def _numpy(t: Any) -> np.ndarray:
    """A float64 copy of a tinygrad_acts or torch tensor (or array)."""
    if hasattr(t, "detach"):
        t = t.detach().numpy()
    return np.asarray(t, dtype=np.float64)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # NOTE: the tanh form never overflows, where 1 / (1 + exp(-x)) does for x << 0
    return 0.5 * np.tanh(0.5 * x) + 0.5


def _recurrent_kind(module: Any) -> tuple[str, bool]:
    """('LSTM' | 'GRU' | 'RNN', is_cell) from the class name, ours or torch's."""
    name = type(module).__name__
    if name not in RECURRENT:
        raise TypeError(f"recurrent_gates: {name} is not one of {', '.join(RECURRENT)}")
    return name.removesuffix("Cell"), name.endswith("Cell")


def _replay_layer(kind: str, x: np.ndarray, h: np.ndarray, c: np.ndarray,
                  w: dict[str, Any], relu: bool) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One layer, one direction, over time-major ``x`` (T, N, I) from state ``h`` (and
    ``c``): every gate's values (T, N, H) and the hidden states (T, N, H_out), torch's
    formulas and gate order. The input projection of all steps is one matmul."""
    xw = x @ w["ih"].T + (0.0 if w["b_ih"] is None else w["b_ih"])
    b_hh = 0.0 if w["b_hh"] is None else w["b_hh"]
    gates: dict[str, list] = {g: [] for g in GATES[kind]}
    hs = []
    for t in range(len(x)):
        hw = h @ w["hh"].T + b_hh
        if kind == "LSTM":
            i, f, g, o = np.split(xw[t] + hw, 4, axis=-1)
            step = dict(i=_sigmoid(i), f=_sigmoid(f), g=np.tanh(g), o=_sigmoid(o))
            c = step["f"] * c + step["i"] * step["g"]
            h = step["o"] * np.tanh(c)
            h = h if w["hr"] is None else h @ w["hr"].T
        elif kind == "GRU":
            (xr, xz, xn), (hr, hz, hn) = np.split(xw[t], 3, -1), np.split(hw, 3, -1)
            step = dict(r=_sigmoid(xr + hr), z=_sigmoid(xz + hz))
            step["n"] = np.tanh(xn + step["r"] * hn)
            h = (1.0 - step["z"]) * step["n"] + step["z"] * h
        else:
            a = xw[t] + hw
            h = np.maximum(a, 0.0) if relu else np.tanh(a)
            step = dict(h=h)
        for k, v in step.items():
            gates[k].append(v)
        hs.append(h)
    return {k: np.stack(v) for k, v in gates.items()}, np.stack(hs)


def _unpack(packed: Any) -> tuple[np.ndarray, np.ndarray]:
    """A PackedSequence (ours or torch's) as (padded (T, N, *), lengths (N,)) in the
    caller's batch order."""
    data, sizes = _numpy(packed.data), _numpy(packed.batch_sizes).astype(int)
    padded = np.zeros((len(sizes), sizes[0], *data.shape[1:]))
    ends = np.cumsum(sizes)
    for t, (end, size) in enumerate(zip(ends, sizes)):   # a loop over time steps only
        padded[t, :size] = data[end - size:end]
    lengths = (sizes[None, :] > np.arange(sizes[0])[:, None]).sum(1)
    if packed.unsorted_indices is not None:
        order = _numpy(packed.unsorted_indices).astype(int)
        padded, lengths = padded[:, order], lengths[order]
    return padded, lengths


def recurrent_gates(module: Any, input: Any, hx: Any = None) -> dict[str, dict[str, np.ndarray]]:
    """The gate values of a recurrent layer on ``input``, replayed in numpy (float64) from
    the layer's weights and torch's formulas: LSTM i f g o, GRU r z n, RNN h.

    NOTE: in training mode, the replay does not see the dropout between stacked layers,
    so the numbers for layers above the first are those of eval mode.

    Args:
        module: ``nn.RNN | LSTM | GRU`` or a cell (ours or torch's).
        input: what the module was called with (batched, unbatched, batch_first, or a
            PackedSequence).
        hx: the initial state the module was called with (``(h0, c0)`` for LSTMs).

    Returns:
        ``{row: {gate: values}}`` with rows ``l0``, ``l0_reverse``, ``l1``, ... (a cell's
        one row is ``""``); values are (T, N, hidden) time-major (a cell: (1, N, hidden)),
        nan at the padding of a packed batch.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> lstm = nn.LSTM(3, 4, num_layers=2)
        >>> gates = recurrent_gates(lstm, ta.randn(5, 2, 3))     # (T, N, input)
        >>> sorted(gates), gates["l1"]["f"].shape
        (['l0', 'l1'], (5, 2, 4))
    """
    kind, cell = _recurrent_kind(module)
    params = {n: _numpy(p) for n, p in module.named_parameters()}
    layers = 1 if cell else module.num_layers
    directions = 2 if getattr(module, "bidirectional", False) else 1
    relu = getattr(module, "nonlinearity", "tanh") == "relu"
    lengths = None
    if hasattr(input, "batch_sizes"):
        x, lengths = _unpack(input)
    else:
        x = _numpy(input)
        batched = x.ndim == (2 if cell else 3)
        if cell:                                             # one time step
            x = x[None] if batched else x[None, None]
        elif not batched:
            x = x[:, None]
        elif getattr(module, "batch_first", False):
            x = x.swapaxes(0, 1)
    steps, n = x.shape[:2]
    h_size = module.hidden_size
    out_size = getattr(module, "proj_size", 0) or h_size
    h0, c0 = (hx if kind == "LSTM" else (hx, None)) if hx is not None else (None, None)
    h0 = np.zeros((layers * directions, n, out_size)) if h0 is None else \
        _numpy(h0).reshape(layers * directions, n, out_size)
    c0 = np.zeros((layers * directions, n, h_size)) if c0 is None else \
        _numpy(c0).reshape(layers * directions, n, h_size)
    valid = np.ones((steps, n), bool) if lengths is None else \
        np.arange(steps)[:, None] < lengths[None, :]
    # each sequence reversed within its own length (the padding stays where it is)
    t = np.arange(steps)[:, None]
    back = np.where(valid, valid.sum(0) - 1 - t, t)
    cols = np.arange(n)[None, :]
    rows: dict[str, dict[str, np.ndarray]] = {}
    for layer in range(layers):
        outs = []
        for d in range(directions):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            key = "" if cell else sfx
            w = {k: params.get(f"{name}{key}") for k, name in (
                ("ih", "weight_ih"), ("hh", "weight_hh"), ("b_ih", "bias_ih"),
                ("b_hh", "bias_hh"), ("hr", "weight_hr"))}
            seq = x[back, cols] if d else x
            gates, hs = _replay_layer(kind, seq, h0[layer * directions + d],
                                      c0[layer * directions + d], w, relu)
            if d:
                gates = {k: v[back, cols] for k, v in gates.items()}
                hs = hs[back, cols]
            rows["" if cell else sfx[1:]] = {k: np.where(valid[..., None], v, np.nan)
                                             for k, v in gates.items()}
            outs.append(hs)
        x = np.concatenate(outs, axis=-1)
    return rows


def attention_weights(module: Any, query: Any, key: Any, value: Any,
                      key_padding_mask: Any = None, attn_mask: Any = None) -> np.ndarray:
    """The attention weights of ``nn.MultiheadAttention`` on these inputs, per head,
    replayed in numpy (float64) from its projections: softmax(q k^T / sqrt(d) + masks).

    NOTE: the weights before dropout (torch returns them after it in training mode); a
    query whose keys are all masked has no distribution and gets nan.

    Args:
        module: ``nn.MultiheadAttention`` (ours or torch's).
        query, key, value, key_padding_mask, attn_mask: as passed to the module.

    Returns:
        (N, num_heads, L, S) weights (N = 1 for unbatched inputs).

    Example:
        >>> import numpy as np
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = ta.randn(3, 5, 8)
        >>> w = attention_weights(mha, x, x, x)
        >>> w.shape, bool(np.allclose(w.sum(-1), 1.0))
        ((3, 2, 5, 5), True)
    """
    q, k, v = (_numpy(t) for t in (query, key, value))
    if q.ndim == 2:
        q, k, v = q[None], k[None], v[None]
    elif not getattr(module, "batch_first", False):
        q, k, v = q.swapaxes(0, 1), k.swapaxes(0, 1), v.swapaxes(0, 1)
    p = {n: _numpy(t) for n, t in module.named_parameters()}
    e, heads = module.embed_dim, module.num_heads
    if "in_proj_weight" in p:
        wq, wk, _ = np.split(p["in_proj_weight"], 3)
    else:
        wq, wk = p["q_proj_weight"], p["k_proj_weight"]
    bq, bk, _ = np.split(p["in_proj_bias"], 3) if "in_proj_bias" in p else (0.0, 0.0, 0.0)
    qh, kh = q @ wq.T + bq, k @ wk.T + bk
    n, length = qh.shape[:2]
    pad = np.zeros((n, kh.shape[1]))
    if key_padding_mask is not None:
        m = _numpy(key_padding_mask).reshape(n, -1)
        pad = np.where(m != 0, -np.inf, 0.0) if _is_bool(key_padding_mask) else m
    extra = [p["bias_k"].reshape(1, 1, e).repeat(n, 0)] if "bias_k" in p else []
    if getattr(module, "add_zero_attn", False):
        extra.append(np.zeros((n, 1, e)))
    kh = np.concatenate([kh, *extra], axis=1)
    pad = np.concatenate([pad, np.zeros((n, len(extra)))], axis=1)
    d = e // heads
    qs = qh.reshape(n, length, heads, d).transpose(0, 2, 1, 3)
    ks = kh.reshape(n, -1, heads, d).transpose(0, 2, 1, 3)
    scores = qs @ ks.swapaxes(-1, -2) / np.sqrt(d) + pad[:, None, None, :]
    if attn_mask is not None:
        am = _numpy(attn_mask)
        am = np.where(am != 0, -np.inf, 0.0) if _is_bool(attn_mask) else am
        am = am.reshape(-1, heads, *am.shape[-2:]) if am.ndim == 3 else am
        scores = scores + np.pad(am, [(0, 0)] * (am.ndim - 1) + [(0, len(extra))])
    # NOTE: softmax shifted by each row's max; a row of -inf only stays nan (no keys)
    with np.errstate(invalid="ignore"):
        z = np.exp(scores - scores.max(-1, keepdims=True))
        return z / z.sum(-1, keepdims=True)


def _is_bool(t: Any) -> bool:
    return "bool" in str(getattr(t, "dtype", np.asarray(t).dtype))


def attention_entropy(weights: np.ndarray | Tensor) -> np.ndarray:
    """-sum_s p_s log p_s of each attention distribution (the last dim), in nats; 0 log 0
    counts as 0.

    Args:
        weights: attention weights (..., S), each row summing to 1.

    Returns:
        an array of shape weights.shape[:-1].

    Example:
        >>> import numpy as np
        >>> attention_entropy(np.array([[1.0, 0.0], [0.5, 0.5]])).round(4)
        array([0.    , 0.6931])
    """
    p = _numpy(weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(-1) + np.where(
            np.isnan(p).any(-1), np.nan, 0.0)


# --- the gradient through time --------------------------------------------------------------


def step_gradient_norms(loss: Tensor, states: Any) -> np.ndarray:
    """||d loss / d state|| for each tensor in ``states`` (e.g. the hidden state of each time
    step, kept as you unroll a cell): the norm over all its elements; 0 for a state the
    loss does not depend on. The graph is kept (retain_graph), so a backward can follow.

    Args:
        loss: a scalar tensor.
        states: the tensors, in time order.

    Returns:
        an array with one norm per state.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> cell = nn.RNNCell(2, 3)
        >>> h, hs = None, []
        >>> for x in ta.randn(4, 1, 2):
        ...     h = cell(x, h)
        ...     hs.append(h)
        >>> step_gradient_norms(hs[-1].sum(), hs).shape
        (4,)
    """
    states = list(states)
    grads = ta_grad(loss, states, retain_graph=True, allow_unused=True)
    return np.array([0.0 if g is None else float(np.sqrt((g._array ** 2).sum())) for g in grads])


def gradient_through_time(rnn: Any, input: Tensor, loss_fn: Callable[[Tensor], Tensor],
                          hx: Any = None) -> np.ndarray:
    """The norm of the gradient of a loss reaching each time step's hidden state, per
    layer: ||dL/dh_t|| with h_t the state after step t, every path to the loss counted
    (through the later steps and through the output at t).

    The module is stepped one time step at a time with its state passed on (the same
    computation as one call), so each step's state is a tensor of the graph to
    differentiate by.

    Args:
        rnn: a unidirectional ``nn.RNN | LSTM | GRU`` or a cell.
        input: the input sequence, in the module's layout ((T, N, I), batch_first
            (N, T, I), or unbatched (T, I)).
        loss_fn: output -> scalar loss; output has the module's output layout (the top
            layer's h_t for each t).
        hx: the initial state, as the module takes it.

    Returns:
        an array (T, num_layers) of norms over the batch and hidden units.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts import nn
        >>> rnn = nn.RNN(2, 8)
        >>> norms = gradient_through_time(rnn, ta.randn(6, 4, 2), lambda out: out[-1].sum())
        >>> norms.shape
        (6, 1)
    """
    kind, cell = _recurrent_kind(rnn)
    if getattr(rnn, "bidirectional", False):
        raise ValueError("gradient_through_time: a bidirectional layer cannot be run one "
                         "time step at a time (its reverse direction starts at the end)")
    time_dim = 1 if getattr(rnn, "batch_first", False) and input.ndim == 3 else 0
    state, hs, outs = hx, [], []
    for x in input.unbind(time_dim):
        if cell:
            state = rnn(x, state)
            h = state[0] if kind == "LSTM" else state
            outs.append(h)
        else:
            _, state = rnn(x.unsqueeze(time_dim), state)
            h = state[0] if kind == "LSTM" else state
            outs.append(h[-1])
        hs.append(h)
    loss = loss_fn(stack(outs, time_dim))
    grads = ta_grad(loss, hs, retain_graph=True, allow_unused=True)
    layers = 1 if cell else rnn.num_layers
    norms = np.zeros((len(hs), layers))
    for t, g in enumerate(grads):
        if g is not None:
            a = g._array.reshape(layers, -1) if not cell else g._array.reshape(1, -1)
            norms[t] = np.sqrt((a ** 2).sum(1))
    return norms
