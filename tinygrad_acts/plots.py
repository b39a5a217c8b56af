"""Activation plots: each activation and its derivative, the derivative computed by autograd.

- ``activation_curve(name, x)``: f(x) and f'(x) by a backward pass, for any registry entry;
- ``plot_activations(names, "acts.png")``: a grid of them (needs matplotlib);
- ``plot_gradient_through_time(curves, "bptt.png")``: the norm of the gradient reaching each
  time step (``diagnostics.gradient_through_time``), one curve per model, log scale;
- ``plot_attention(weights, "attn.png")``: attention weights as heat maps, one per head;
- ``save_figure(fig, path)``: the small-PNG saver the examples use for their figures;
- ``pyplot()``: matplotlib.pyplot with the Agg backend in a script, and the notebook's own
  (inline) backend in a Jupyter kernel, where the figures above are also shown;
- the ``plot`` command (``python -m tinygrad_acts plot [NAME ...] -o acts.png``).

matplotlib is imported only when something is drawn, so importing this module is cheap.
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .activations import ActivationSpec, registry
from .tensor import Tensor

__all__ = ["activation_curve", "plot_activations", "plot_gradient_through_time",
           "plot_attention", "save_figure", "pyplot", "in_notebook", "add_arguments", "main"]


def _row_width(spec: ActivationSpec) -> int:
    """How many inputs a row needs to trace an activation that mixes elements: one group
    of pieces if the entry declares groups (maxout), else two (softmax([x, 0]))."""
    group = spec.group()
    return group[1] if group is not None else 2


def _grad(leaf: Tensor) -> np.ndarray:
    """The gradient a backward pass left in ``leaf``."""
    assert leaf.grad is not None, "backward reached every input"
    return leaf.grad._array


def activation_curve(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """f(x) and f'(x) for registry entry ``name``, the derivative computed by autograd
    (a backward pass), not by a formula.

    NOTE: activations that mix elements (softmax, log_softmax, maxout) are traced along one
    input of a row (along the last dim) whose other inputs are held at 0:
    softmax([x, 0])[0], maxout([x, 0]) = max(x, 0).

    Args:
        name: a registry name.
        x: 1-D float64 grid.

    Returns:
        (f(x), f'(x), the curve's label).

    Example:
        >>> import numpy as np
        >>> y, dy, label = activation_curve("sigmoid", np.array([0.0]))
        >>> float(y[0]), float(dy[0]), label
        (0.5, 0.25, 'sigmoid(x)')
        >>> activation_curve("maxout", np.array([1.0]))[2]
        'maxout([x, 0])[0]'
    """
    spec = registry[name]
    if spec.elementwise:
        xt = Tensor._wrap(np.array(x, dtype=np.float64), requires_grad=True)
        y = spec(xt)
        y.backward(np.ones_like(y._array))
        return y._array, _grad(xt), f"{name}(x)"
    width = _row_width(spec)
    rows = np.zeros((len(x), width), dtype=np.float64)
    rows[:, 0] = x
    xt = Tensor._wrap(rows, requires_grad=True)
    y = spec(xt)
    pick = np.zeros_like(y._array)
    pick[:, 0] = 1.0
    y.backward(pick)
    others = ", 0" * (width - 1)
    return y._array[:, 0], _grad(xt)[:, 0], f"{name}([x{others}])[0]"


def plot_activations(names: list[str], path: str | Path, lo: float = -5.0, hi: float = 5.0,
                     points: int = 1001) -> Path:
    """Draw each activation (solid) and its autograd derivative (dashed) in a grid; PNG/SVG/PDF
    by the suffix. Needs matplotlib (a clear ImportError says how to get it).

    Args:
        names: registry names to draw.
        path: output file.
        lo, hi, points: the x grid.

    Returns:
        the path written.

    Example:
        >>> plot_activations(["relu", "tanh"], "acts.png")    # doctest: +SKIP
        PosixPath('acts.png')
    """
    plt = pyplot()
    x = np.linspace(lo, hi, points)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        y, dy, label = activation_curve(name, x)
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0, color="0.85", lw=0.8)
        ax.plot(x, y, lw=1.8, label=label)
        ax.plot(x, dy, "--", lw=1.4, label="derivative (autograd)")
        shown = name if registry[name].elementwise else label
        ax.set_title(f"{shown}  (keeps {registry[name].saves})", fontsize=10)
        ax.set_ylim(max(-2.0, min(y.min(), dy.min()) - 0.2), min(5.5, max(y.max(), 1) + 0.3))
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("activations and their derivatives, computed by backward()", fontsize=11)
    fig.tight_layout()
    path = save_figure(fig, path)
    _done(plt, fig)
    return path


def plot_gradient_through_time(curves: dict[str, Any], path: str | Path,
                               title: str = "gradient reaching each time step") -> Path:
    """One line per model: ||dL/dh_t|| against the time step t, on a log scale, each
    curve divided by its value at the last step (so they start together at 1 and the
    slope is the loss of gradient per step back in time). Needs matplotlib.

    Args:
        curves: label -> norms (T,) or (T, layers) (the top layer is drawn), as returned by
            ``diagnostics.gradient_through_time``.
        path: output file (PNG/SVG/PDF by the suffix).
        title: the figure's title.

    Returns:
        the path written.

    Example:
        >>> plot_gradient_through_time({"rnn": norms}, "bptt.png")    # doctest: +SKIP
        PosixPath('bptt.png')
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    for i, (label, norms) in enumerate(curves.items()):
        y = np.asarray(norms, dtype=np.float64)
        y = y[:, -1] if y.ndim == 2 else y
        steps = np.arange(1, len(y) + 1)
        # NOTE: a gradient that vanished to exactly 0 has no logarithm: drawn at the floor
        y = np.maximum(y / y[-1], 1e-30) if y[-1] > 0 else y
        ax.semilogy(steps, y, "-", color=f"C{i}", lw=1.6, label=label)
    ax.set_xlabel("time step t (the loss is read at the last one)")
    ax.set_ylabel("||dL/dh_t|| / ||dL/dh_T||")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = save_figure(fig, path)
    _done(plt, fig)
    return path


def plot_attention(weights: Any, path: str | Path, queries: list[str] | None = None,
                   keys: list[str] | None = None, title: str = "attention weights") -> Path:
    """Attention weights as heat maps, one panel per head (rows: queries, columns: keys).
    Needs matplotlib.

    Args:
        weights: (L, S) or (heads, L, S), e.g. ``diagnostics.attention_weights(...)[0]``.
        path: output file.
        queries, keys: tick labels (e.g. the tokens).
        title: the figure's title.

    Returns:
        the path written.

    Example:
        >>> plot_attention(weights[0], "attn.png", list("3141"), list("3141"))  # doctest: +SKIP
        PosixPath('attn.png')
    """
    plt = pyplot()
    w = np.asarray(weights, dtype=np.float64)
    w = w[None] if w.ndim == 2 else w
    fig, axes = plt.subplots(1, len(w), figsize=(2.6 * len(w) + 0.6, 2.8), squeeze=False)
    for h, ax in enumerate(axes[0]):
        image = ax.imshow(w[h], vmin=0.0, vmax=1.0, cmap="viridis")
        ax.set_title(f"head {h}" if len(w) > 1 else title, fontsize=9)
        for ticks, labels, axis in ((ax.set_yticks, queries, "y"), (ax.set_xticks, keys, "x")):
            if labels is not None:
                ticks(range(len(labels)))
                getattr(ax, f"set_{axis}ticklabels")(labels, fontsize=7)
        ax.set_xlabel("key", fontsize=8)
    axes[0][0].set_ylabel("query", fontsize=8)
    fig.colorbar(image, ax=list(axes[0]), shrink=0.8)
    if len(w) > 1:
        fig.suptitle(title, fontsize=10)
    path = save_figure(fig, path)
    _done(plt, fig)
    return path


def save_figure(fig: Any, path: str | Path, dpi: int = 80) -> Path:
    """Save a matplotlib figure; a PNG is stored with a 256-colour palette when Pillow is
    installed (matplotlib brings it), about 3x smaller and fine for line plots, so the
    regenerated images stay small enough to commit.

    Args:
        fig: the figure.
        path: where to write (the suffix picks the format); parent folders are created.
        dpi: resolution.

    Returns:
        the path written.

    Example:
        >>> import matplotlib.pyplot as plt                  # doctest: +SKIP
        >>> fig, ax = plt.subplots(); _ = ax.plot([0, 1])    # doctest: +SKIP
        >>> save_figure(fig, "docs/img/line.png")            # doctest: +SKIP
        PosixPath('docs/img/line.png')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() != ".png":
        fig.savefig(path, dpi=dpi)
        return path
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png")
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(buffer.getvalue())
        return path
    image = Image.open(buffer).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def in_notebook() -> bool:
    """True inside a Jupyter kernel (ipykernel is loaded), where figures show inline."""
    return "ipykernel" in sys.modules


def pyplot() -> Any:
    """matplotlib.pyplot, for drawing into files: the headless Agg backend in a script, but
    the backend already chosen inside a Jupyter kernel (so a notebook's figures show inline).

    Every plot of this module gets pyplot here; use it for your own figures too.

    Example:
        >>> plt = pyplot()                                    # doctest: +SKIP
        >>> fig, ax = plt.subplots()                          # doctest: +SKIP
    """
    try:
        import matplotlib
        if not in_notebook():
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib, which is not installed: "
                          "pip install matplotlib (or pip install -e \".[examples]\")") from None
    return plt


def _done(plt: Any, fig: Any) -> None:
    """Close a saved figure in a script (no figure piles up); in a notebook leave it open,
    so the inline backend shows it under the cell (and closes it then)."""
    if not in_notebook():
        plt.close(fig)


# --- the plot command ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="activations to draw (default: every registered one)")
    parser.add_argument("-o", "--output", default="activations.png",
                        help="image file to write (default: activations.png)")
    parser.add_argument("--range", nargs=2, type=float, default=(-5.0, 5.0),
                        metavar=("LO", "HI"), help="x range (default: -5 5)")


def main(args: argparse.Namespace) -> int:
    """Print each activation's slope summary (by autograd) and draw the grid."""
    names = args.names or list(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        print(f"plot: unknown activation(s) {', '.join(unknown)}; "
              f"registered: {', '.join(registry)}")
        return 2
    lo, hi = args.range
    x = np.linspace(lo, hi, 2001)
    print(f"slopes by autograd over x in [{lo:g}, {hi:g}]:")
    print(f"  {'name':<12} {'keeps':<7} {'f(0)':>8} {'slope at 0':>11} {'max slope':>10} "
          f"{'min slope':>10}")
    for name in names:
        y0, d0, _ = activation_curve(name, np.array([0.0]))
        _, dy, _ = activation_curve(name, x)
        print(f"  {name:<12} {registry[name].saves:<7} {y0[0]:>8.4f} {d0[0]:>11.4f} "
              f"{dy.max():>10.4f} {dy.min():>10.4f}")
    try:
        out = plot_activations(names, args.output, lo, hi)
    except ImportError as e:
        print(f"plot: {e}")
        return 1
    print(f"wrote {out}")
    return 0
