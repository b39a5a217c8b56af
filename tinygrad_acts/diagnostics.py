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
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .activations import registry
from .nn.activation import Activation
from .nn.layers import Maxout
from .nn.module import Module
from .tensor import Tensor

__all__ = ["ActivationMonitor", "LayerStats", "dead_fraction", "saturated_fraction"]


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
    y = np.asarray(outputs.data if isinstance(outputs, Tensor) else outputs)
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
    y = np.asarray(outputs.data if isinstance(outputs, Tensor) else outputs)
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
        alive = self.alive
        return LayerStats(
            name=self.name, kind=type(self.module).__name__,
            units=0 if alive is None else alive.size, samples=self.samples,
            dead=None if alive is None else float(1.0 - alive.mean()),
            saturated=self.flat / self.values if self.values else None,
            grad_mean=self.grad_sum / self.passes if self.passes else None,
            grad_max=self.grad_max if self.passes else None,
            backward_passes=self.passes)


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
            chosen = [(n, m) for n, m in named.items() if isinstance(m, (Activation, Maxout))]
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
        self._watches = [_Watch(name or type(m).__name__, m) for name, m in chosen]
        self._handles = [w.module.register_forward_hook(self._forward_hook(w))
                         for w in self._watches]
        self._history: list[tuple[Any, list[LayerStats]]] = []
        self._paused = False
        self._steps = 0

    # --- hooks --------------------------------------------------------------------------

    def _forward_hook(self, watch: _Watch) -> Callable:
        def hook(module: Module, inputs: tuple, out: Any) -> None:
            if self._paused or not isinstance(out, Tensor):
                return
            watch.forward(out.data)
            if out.requires_grad:
                out.register_hook(lambda g: self._backward(watch, g))
        return hook

    def _backward(self, watch: _Watch, grad: Tensor) -> None:
        if not self._paused:
            watch.backward(grad.data)

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
        "grad_max": [...], "samples": [...]}}`` (None where nothing was seen)."""
        out: dict[str, dict[str, list]] = {}
        for step, rows in self._history:
            for row in rows:
                col = out.setdefault(row.name, {k: [] for k in (
                    "step", "dead", "saturated", "grad_mean", "grad_max", "samples")})
                values = asdict(row)
                col["step"].append(step)
                for k in ("dead", "saturated", "grad_mean", "grad_max", "samples"):
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
        return "\n".join(lines)

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
