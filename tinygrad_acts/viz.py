"""Graph views and activation plots: see what autograd recorded and what it keeps.

- ``graph_str(t)`` (also ``t.graph_str()``): the graph that produced ``t`` as an indented
  text tree; no dependency, for terminals and notebooks.
- ``to_dot(t)``: the same graph as Graphviz DOT text: op names, shapes, dtypes, and what each
  node saved for backward (output, inputs or nothing) with the bytes it keeps alive.
- ``render(t, "graph.svg")``: DOT drawn by Graphviz's ``dot`` program when it is installed
  (``apt-get install graphviz`` / ``brew install graphviz``); ``.dot`` files need nothing.
- the ``plot`` command: each activation and its derivative, computed by autograd.

Shapes of intermediate results are not stored in the graph (a node keeps only what its
backward needs), so the views find them by a probe: one backward pass of ones through the
graph with every hook muted and nothing accumulated. When the graph was already freed by a
``backward()`` the probe cannot run, and intermediate shapes show as ``?``.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import autograd
from .autograd import Function
from .tensor import Tensor

__all__ = ["graph_str", "to_dot", "render", "graph_nodes", "NodeInfo", "kept_alive_bytes",
           "activation_curve", "plot_activations", "save_figure", "add_arguments", "main"]


# --- walking the graph ------------------------------------------------------------------


@dataclass
class NodeInfo:
    """One box of the drawing: an op node or a leaf tensor."""

    key: int
    label: str
    shape: tuple | None
    dtype: Any
    is_leaf: bool
    saves: str = "nothing"
    saved_bytes: int = 0
    parents: list[int] = field(default_factory=list)
    arrays: list = field(default_factory=list, repr=False)


def _meta(a: np.ndarray) -> str:
    shape = "x".join(str(n) for n in a.shape) or "scalar"
    return f"{shape} {a.dtype}"


def _base(a: np.ndarray) -> np.ndarray:
    while a.base is not None and isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _saved_desc(node: Function, leaves: dict[int, str]) -> tuple[str, int, list]:
    """What ``node`` keeps for backward, as text, the bytes it alone keeps alive, and those
    arrays. ``leaves`` maps id(base array) -> name for leaf tensors: their memory lives as
    long as the leaf does, so it is named, not counted."""
    cls = type(node)
    saved = node.saved
    kinds = [f"input {i}" for i in cls.save_inputs] + (["output"] if cls.save_output else [])
    if isinstance(saved, str):        # the engine freed it after backward
        return (", ".join(kinds) + " (freed)" if kinds else "nothing"), 0, []
    named = list(zip(kinds, saved))
    # Some ops keep helper arrays in their own slots (a max's tie shares, a where's mask):
    # they are kept alive as much as the saved arrays, so count them too.
    for name in _slots(cls):
        value = getattr(node, name, None)
        if isinstance(value, np.ndarray) and value.ndim > 0:
            named.append((name, value))
    parts, arrays = [], []
    for kind, a in named:
        if not isinstance(a, np.ndarray):
            parts.append(f"{kind} (constant)")
        elif id(_base(a)) in leaves:
            parts.append(f"{kind} (= {leaves[id(_base(a))]}'s array)")
        else:
            arrays.append(a)
            parts.append(f"{kind} ({_meta(a)})")
    return (", ".join(parts) or "nothing"), sum(a.nbytes for a in arrays), arrays


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        if klass is Function:
            break
        names += [s for s in getattr(klass, "__slots__", ()) if s not in ("params",)]
    return names


def _probe_shapes(root: Tensor, nodes: list[Function]) -> dict[int, tuple]:
    """id(node) -> (shape, dtype) of its output, from the gradient that reaches it in one
    silent backward pass (hooks muted, nothing accumulated, the graph retained)."""
    found: dict[int, tuple] = {}
    saved_hooks = [(n, n.hooks) for n in nodes]
    leaves: list[Tensor] = []
    for n in nodes:
        for p in n.parents:
            if isinstance(p, Tensor) and p._hooks:
                leaves.append(p)
    leaf_hooks = [(t, t._hooks) for t in leaves]

    def recorder(key: int) -> Any:
        def hook(g: Tensor) -> None:
            found[key] = (g.shape, g.dtype)
        return hook

    try:
        for n in nodes:
            n.hooks = [recorder(id(n))]
        for t in leaves:
            t._hooks = None
        prev = autograd.is_anomaly_enabled()
        autograd.set_detect_anomaly(False)
        try:
            with np.errstate(all="ignore"):
                ones = np.ones(root.shape, dtype=root.dtype)
                autograd.run_backward([root], [ones], True, False, capture={})
        finally:
            autograd.set_detect_anomaly(prev)
    except RuntimeError:
        pass  # freed graph (or a changed saved array): shapes stay unknown
    finally:
        for n, hooks in saved_hooks:
            n.hooks = hooks
        for t, hooks in leaf_hooks:
            t._hooks = hooks
    return found


def graph_nodes(t: Tensor, params: dict[str, Tensor] | None = None) -> tuple[list[NodeInfo],
                                                                               int]:
    """The graph behind ``t`` as a list of NodeInfo (inputs before the ops that use them)
    and the key of the root.

    Args:
        t: a tensor; if it has no ``grad_fn`` the graph is just itself.
        params: optional name -> tensor (e.g. ``dict(model.named_parameters())``) to label
            leaves by name.

    Returns:
        (nodes, root_key).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.ones(2, 3, requires_grad=True)
        >>> nodes, root = graph_nodes(x.tanh().sum())
        >>> [n.label for n in nodes]
        ['leaf', 'TanhBackward', 'SumBackward']
    """
    names = {id(v): k for k, v in (params or {}).items()}
    if t.grad_fn is None:
        info = NodeInfo(id(t), names.get(id(t), "leaf"), t.shape, t.dtype, True)
        return [info], info.key
    # iterative DFS post-order: a 100,000-op chain needs no deep Python stack
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(t.grad_fn, False)]
    while stack:
        item, expanded = stack.pop()
        if expanded:
            order.append(item)
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        stack.append((item, True))
        if isinstance(item, Function):
            for p in reversed(item.parents):
                if p is not None and id(p) not in seen:
                    stack.append((p, False))
    fn_nodes = [n for n in order if isinstance(n, Function)]
    leaves = {id(_base(n.data)): names.get(id(n), "a leaf") for n in order
              if isinstance(n, Tensor)}
    shapes = _probe_shapes(t, fn_nodes)
    shapes[id(t.grad_fn)] = (t.shape, t.dtype)
    infos = []
    for item in order:
        if isinstance(item, Tensor):
            label = names.get(id(item), "leaf")
            infos.append(NodeInfo(id(item), label, item.shape, item.dtype, True))
            continue
        shape, dtype = shapes.get(id(item), (None, None))
        saves, nbytes, arrays = _saved_desc(item, leaves)
        infos.append(NodeInfo(id(item), item.name, shape, dtype, False, saves, nbytes,
                              [id(p) for p in item.parents if p is not None], arrays))
    return infos, id(t.grad_fn)


def _shape_text(info: NodeInfo) -> str:
    if info.shape is None:
        return "?"
    return f"{tuple(info.shape)} {np.dtype(info.dtype)}"


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def _kept_alive(infos: list[NodeInfo]) -> int:
    """Bytes the whole graph keeps alive for backward, each array counted once (two nodes
    often hold the same array: a relu's output is the next matmul's saved input)."""
    seen: set[int] = set()
    total = 0
    for info in infos:
        for a in info.arrays:
            if id(_base(a)) not in seen:
                seen.add(id(_base(a)))
                total += _base(a).nbytes
    return total


def kept_alive_bytes(t: Tensor) -> int:
    """Bytes the graph behind ``t`` keeps alive for its backward pass.

    Each saved array counts once (a relu's output is often also the next matmul's saved
    input), and leaves' own arrays count not at all (they live as long as the leaves do).

    Args:
        t: the tensor whose graph to measure (before ``backward()`` frees it).

    Returns:
        a number of bytes.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.ones(1000, requires_grad=True)
        >>> kept_alive_bytes(x.tanh().sum())      # tanh keeps its output: 1000 float32
        4000
        >>> kept_alive_bytes(x.silu().sum())      # silu keeps its input, here the leaf x
        0
    """
    return _kept_alive(graph_nodes(t)[0])


# --- the text tree ------------------------------------------------------------------------


def graph_str(t: Tensor, params: dict[str, Tensor] | None = None,
              max_depth: int | None = None) -> str:
    """The graph that produced ``t`` as an indented tree, root first.

    Each line is an op (``TanhBackward``) or a leaf, with the shape and dtype of what it
    produced and what the op keeps for backward. A node used twice is printed once; the
    second time it reads ``(shown above)``.

    Args:
        t: the tensor whose history to show.
        params: optional name -> tensor to label leaves (``dict(model.named_parameters())``).
        max_depth: stop after this many levels (``...`` marks the cut).

    Returns:
        the tree as one string (print it).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[1.0, -2.0]], requires_grad=True)
        >>> print(graph_str(x.relu().sum(), params={"x": x}))
        SumBackward () float32  saves nothing
        └─ ReluBackward (1, 2) float32  saves output (1x2 float32) = 8 B
           └─ x (1, 2) float32
        kept alive for backward: 8 B
    """
    infos, root = graph_nodes(t, params)
    by_key = {i.key: i for i in infos}
    lines: list[str] = []
    shown: set[int] = set()
    # iterative pre-order: (key, prefix for this line, prefix for its children, depth)
    stack: list[tuple[int, str, str, int]] = [(root, "", "", 0)]
    while stack:
        key, head, tail, depth = stack.pop()
        info = by_key[key]
        text = f"{info.label} {_shape_text(info)}"
        if not info.is_leaf:
            if key in shown:
                lines.append(f"{head}{info.label} (shown above)")
                continue
            text += f"  saves {info.saves}"
            if info.saved_bytes:
                text += f" = {_bytes(info.saved_bytes)}"
        shown.add(key)
        lines.append(head + text)
        kids = info.parents
        if max_depth is not None and depth >= max_depth and kids:
            lines.append(tail + "└─ ...")
            continue
        for i in reversed(range(len(kids))):
            last = i == len(kids) - 1
            stack.append((kids[i], tail + ("└─ " if last else "├─ "),
                          tail + ("   " if last else "│  "), depth + 1))
    lines.append(f"kept alive for backward: {_bytes(_kept_alive(infos))}")
    return "\n".join(lines)


# --- DOT and rendering ------------------------------------------------------------------


def _quote(s: str) -> str:
    # NOTE: a raw newline inside a DOT string is not a line break; "\n" (escaped) is.
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(t: Tensor, params: dict[str, Tensor] | None = None, title: str | None = None) -> str:
    """The graph that produced ``t`` as Graphviz DOT text.

    Ops are boxes (name, output shape and dtype, what they saved and its bytes); leaves are
    ellipses (blue if they require grad); the root has a double border. Arrows follow the
    data, from inputs to the op that used them.

    Args:
        t: the tensor whose history to draw.
        params: optional name -> tensor to label leaves (``dict(model.named_parameters())``).
        title: a caption for the drawing.

    Returns:
        DOT text; feed it to ``dot -Tsvg`` or use ``render``.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.ones(2, requires_grad=True)
        >>> dot = to_dot(x.sigmoid().sum(), params={"x": x})
        >>> dot.splitlines()[0], "SigmoidBackward" in dot, "saves: output" in dot
        ('digraph autograd {', True, True)
    """
    infos, root = graph_nodes(t, params)
    ids = {info.key: f"n{i}" for i, info in enumerate(infos)}
    lines = ["digraph autograd {", "  rankdir=BT;",
             '  node [shape=box, fontname="monospace", fontsize=10];']
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=t;")
    for info in infos:
        name = ids[info.key]
        if info.is_leaf:
            label = f"{info.label}\n{_shape_text(info)}"
            leaf = next((p for p in (params or {}).values() if id(p) == info.key), None)
            color = "lightblue" if leaf is None or leaf.requires_grad else "lightgrey"
            lines.append(f"  {name} [label={_quote(label)}, shape=ellipse, style=filled, "
                         f"fillcolor={color}];")
            continue
        label = f"{info.label}\n{_shape_text(info)}\nsaves: {info.saves}"
        if info.saved_bytes:
            label += f"\nkeeps {_bytes(info.saved_bytes)} alive"
        extra = ", peripheries=2" if info.key == root else ""
        lines.append(f"  {name} [label={_quote(label)}{extra}];")
        for p in info.parents:
            lines.append(f"  {ids[p]} -> {name};")
    total = "kept alive for backward: " + _bytes(_kept_alive(infos))
    lines.append(f"  total [shape=plaintext, label={_quote(total)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(t: Tensor | str, path: str | Path, params: dict[str, Tensor] | None = None) -> Path:
    """Write the graph of ``t`` (or ready DOT text) to ``path``: ``.dot`` needs nothing;
    ``.svg``, ``.png`` and ``.pdf`` need Graphviz's ``dot`` program.

    Args:
        t: a tensor, or DOT text from ``to_dot``.
        path: where to write; the suffix picks the format.
        params: leaf names, as for ``to_dot``.

    Returns:
        the path written.

    Example:
        >>> import os, tempfile, tinygrad_acts as ta
        >>> x = ta.ones(2, requires_grad=True)
        >>> out = render(x.tanh().sum(), os.path.join(tempfile.mkdtemp(), "g.dot"))
        >>> out.read_text().startswith("digraph")
        True
    """
    path = Path(path)
    dot_text = t if isinstance(t, str) else to_dot(t, params)
    fmt = path.suffix.lstrip(".").lower()
    if fmt in ("dot", "gv", ""):
        path.write_text(dot_text)
        return path
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(
            f"render: drawing a .{fmt} file needs Graphviz's `dot` program, which is not "
            "installed. Install it (`apt-get install graphviz` or `brew install graphviz`), "
            "or save a .dot file instead and open it in any Graphviz viewer.")
    done = subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=dot_text.encode(),
                          capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"render: dot failed: {done.stderr.decode().strip()}")
    return path


# --- the plot command: each activation and its derivative --------------------------------


def activation_curve(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """f(x) and f'(x) for registry entry ``name``, the derivative computed by autograd
    (a backward pass), not by a formula.

    NOTE: activations that mix elements (softmax, log_softmax, maxout) are traced along one
    input with a second input held at 0: softmax([x, 0])[0], maxout([x, 0]) = max(x, 0).

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
    """
    from .activations import registry
    spec = registry[name]
    if spec.elementwise:
        xt = Tensor(np.array(x, dtype=np.float64), requires_grad=True)
        y = spec(xt)
        y.backward(np.ones_like(y.data))
        return y.data, xt.grad.data, f"{name}(x)"
    pairs = np.stack([x, np.zeros_like(x)], axis=1).astype(np.float64)
    xt = Tensor(pairs, requires_grad=True)
    y = spec(xt)
    pick = np.zeros_like(y.data)
    pick[:, 0] = 1.0
    y.backward(pick)
    return y.data[:, 0], xt.grad.data[:, 0], f"{name}([x, 0])[0]"


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
    plt = _pyplot()
    x = np.linspace(lo, hi, points)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    from .activations import registry
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
    plt.close(fig)
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
    import io
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


def _pyplot() -> Any:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib, which is not installed: "
                          "pip install matplotlib (or pip install -e \".[examples]\")") from None
    return plt


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="activations to draw (default: every registered one)")
    parser.add_argument("-o", "--output", default="activations.png",
                        help="image file to write (default: activations.png)")
    parser.add_argument("--range", nargs=2, type=float, default=(-5.0, 5.0),
                        metavar=("LO", "HI"), help="x range (default: -5 5)")


def main(args: argparse.Namespace) -> int:
    """Print each activation's slope summary (by autograd) and draw the grid."""
    from .activations import registry
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
