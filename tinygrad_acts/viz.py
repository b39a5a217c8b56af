"""Graph views: see what autograd recorded and what it keeps for backward.

- ``graph_str(t)``: the graph that produced ``t`` as an indented text tree; no dependency,
  for terminals and notebooks.
- ``to_dot(t)``: the same graph as Graphviz DOT text: op names, shapes, dtypes, and what each
  node saved for backward (its output, its inputs, helper arrays) with the bytes it keeps
  alive.
- ``render(t, "graph.svg")``: DOT drawn by Graphviz's ``dot`` program when it is installed
  (``apt-get install graphviz`` / ``brew install graphviz``); ``.dot`` files need nothing.

What a node keeps is read from the engine: ``node.saved`` (the items its forward passed to
``save``), named by the parameters of its ``backward``, and ``node.watched`` (which of them
is its output or an input's array). Only arrays are shown and counted; shapes, parameters
and None are not memory worth drawing. The activation plots live in ``plots.py``.

Shapes of intermediate results are not stored in the graph (a node keeps only what its
backward needs), so the views find them by a probe: one backward pass of ones through the
graph with every hook muted and nothing accumulated. When the graph was already freed by a
``backward()`` the probe cannot run, and intermediate shapes show as ``?``.
"""
from __future__ import annotations

import inspect
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
           "saved_names"]


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


_NAMES: dict[type[Function], tuple[str, ...]] = {}


def saved_names(cls: type[Function]) -> tuple[str, ...]:
    """The names of what a node class saves for backward: the parameters of its
    ``backward`` after ``(self, grad)``, in order (cached per class). A ``*saved``
    parameter gives ``("saved*",)``: the items are then numbered.

    Example:
        >>> from tinygrad_acts import ops
        >>> saved_names(ops.Div)
        ('number', 'b', 'y', 'a_shape', 'b_shape')
    """
    names = _NAMES.get(cls)
    if names is None:
        params = list(inspect.signature(cls.backward).parameters.values())[2:]
        names = tuple(p.name + "*" if p.kind is p.VAR_POSITIONAL else p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                    p.VAR_POSITIONAL))
        _NAMES[cls] = names
    return names


def _item_names(node: Function, count: int) -> list[str]:
    """A name for each of ``count`` saved items: the output and the inputs' arrays by their
    role (``output``, ``input 1``), the rest by their backward parameter's name."""
    declared = saved_names(type(node))
    names = []
    for k in range(count):
        if k < len(declared) and not declared[k].endswith("*"):
            names.append(declared[k])
        elif declared and declared[-1].endswith("*"):
            names.append(f"{declared[-1][:-1]}[{k - len(declared) + 1}]")
        else:
            names.append(f"item {k}")
    for k, role in _roles(node).items():
        if k < count:
            names[k] = role
    return names


def _roles(node: Function) -> dict[int, str]:
    """position -> "output" or "input i" for the saved items that alias the output or an
    input's array (``node.watched``). An input is found by its place among the parents;
    where several inputs share that parent (``x * x``, or constants), by the saved item's
    name matching the name of forward's parameter for that input."""
    roles: dict[int, str] = {}
    parents = getattr(node, "parents", ())
    forward = _forward_names(type(node))
    declared = saved_names(type(node))
    for k, _, _, source in node.watched:
        # NOTE: the engine marks the output with a string (no reference cycle to the node)
        if source is node or isinstance(source, str):
            roles[k] = "output"
            continue
        places = [i for i, p in enumerate(parents) if p is source]
        if len(places) > 1 and k < len(declared):
            places = [i for i in places if i < len(forward) and forward[i] == declared[k]] \
                or places
        if len(places) == 1:
            roles[k] = f"input {places[0]}"
    return roles


_FORWARD: dict[type[Function], tuple[str, ...]] = {}


def _forward_names(cls: type[Function]) -> tuple[str, ...]:
    names = _FORWARD.get(cls)
    if names is None:
        params = list(inspect.signature(cls.forward).parameters.values())[1:]
        names = tuple(p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        _FORWARD[cls] = names
    return names


def _saved_desc(node: Function, leaves: dict[int, str]) -> tuple[str, int, list]:
    """What ``node`` keeps for backward, as text, the bytes it alone keeps alive (each
    array once), and those arrays. ``leaves`` maps id(base array) -> name for leaf
    tensors: their memory lives as long as the leaf does, so it is named, not counted."""
    saved = node.saved
    if isinstance(saved, str):        # the engine freed it after backward
        roles = list(_roles(node).values())
        return f"{', '.join(roles) or 'values'} ({saved})", 0, []
    parts, arrays, seen = [], [], set()
    for name, a in zip(_item_names(node, len(saved)), saved):
        if type(a) is not np.ndarray:  # shapes, parameters, None: not memory worth showing
            continue
        if id(_base(a)) in leaves:
            parts.append(f"{name} (= {leaves[id(_base(a))]}'s array)")
            continue
        parts.append(f"{name} ({_meta(a)})")
        if id(a) not in seen:
            seen.add(id(a))
            arrays.append(a)
    return (", ".join(parts) or "nothing"), sum(a.nbytes for a in arrays), arrays


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

    def recorder(node: Function) -> Any:
        def hook(g: Tensor) -> None:
            # NOTE: a freed node stops the probe; whether its own hook ran first is the
            # engine's business, so it is always shown as unknown, like the nodes below it.
            if not isinstance(node.saved, str):
                found[id(node)] = (g.shape, g.dtype)
        return hook

    try:
        for n in nodes:
            n.hooks = [recorder(n)]
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


def _bytes(count: int) -> str:
    n = float(count)
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
