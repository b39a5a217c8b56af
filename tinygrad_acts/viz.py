"""Graph views: see what autograd recorded and what it keeps for backward.

- ``graph_str(t)``: the graph that produced ``t`` as an indented text tree; no dependency,
  for terminals and notebooks.
- ``to_dot(t)``: the same graph as Graphviz DOT text: op names, shapes, dtypes, and what each
  node saved for backward (its output, its inputs, helper arrays) with the bytes it keeps
  alive.
- ``render(t, "graph.svg")``: DOT drawn by Graphviz's ``dot`` program when it is installed
  (``apt-get install graphviz`` / ``brew install graphviz``); ``.dot`` files need nothing.
- ``Graph(t)``: the graph as an object that shows itself: ``print`` gives the text tree, and
  as the last line of a notebook cell it is drawn (an SVG where Graphviz is installed, the
  text tree otherwise). ``values=True`` adds each node's value and the gradient reaching it.
- In a notebook a Tensor shows itself as a small table (values, shape, dtype, grad_fn):
  ``tensor_html`` is installed as ``Tensor._repr_html_`` through the op surface's ``method``.

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

import html
import inspect
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import autograd
from .api import method
from .autograd import Function
from .tensor import Tensor

__all__ = ["graph_str", "to_dot", "render", "graph_nodes", "NodeInfo", "kept_alive_bytes",
           "saved_names", "Graph", "tensor_html"]


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
    requires_grad: bool = True
    #: with ``values=True``: what the node produced (None where nothing keeps it) and the
    #: gradient of the root reaching it (None where the graph was freed)
    value: Any = field(default=None, repr=False)
    grad: Any = field(default=None, repr=False)


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


def _probe_shapes(root: Tensor, nodes: list[Function],
                  grads: dict[int, np.ndarray] | None = None) -> dict[int, tuple]:
    """id(node) -> (shape, dtype) of its output, from the gradient that reaches it in one
    silent backward pass (hooks muted, nothing accumulated, the graph retained).

    With ``grads`` (a dict to fill) the gradients themselves are kept too: id(node) -> the
    gradient reaching its output, id(leaf) -> the gradient reaching the leaf (taken the way
    ``ta.grad`` takes an input's, so ``.grad`` is not touched)."""
    found: dict[int, tuple] = {}
    saved_hooks = [(n, n.hooks) for n in nodes]
    leaves = [p for n in nodes for p in n.parents
              if isinstance(p, Tensor) and (p._hooks or grads is not None)]
    leaf_hooks = [(t, t._hooks) for t in leaves]
    capture: dict = {} if grads is None else {id(t): None for t in leaves}

    def recorder(node: Function) -> Any:
        def hook(g: Tensor) -> None:
            # NOTE: a freed node stops the probe; whether its own hook ran first is the
            # engine's business, so it is always shown as unknown, like the nodes below it.
            if not isinstance(node.saved, str):
                found[id(node)] = (g.shape, g.dtype)
                if grads is not None:
                    grads[id(node)] = np.array(g._array)
        return hook

    try:
        for n in nodes:
            n.hooks = [recorder(n)]
        for t in leaves:
            t._hooks = None
        _silent_backward(root, capture)
    except RuntimeError:
        pass  # freed graph (or a changed saved array): shapes stay unknown
    finally:
        for n, hooks in saved_hooks:
            n.hooks = hooks
        for t, hooks in leaf_hooks:
            t._hooks = hooks
    if grads is not None:
        grads.update((k, np.asarray(g)) for k, g in capture.items() if g is not None)
    return found


def _silent_backward(root: Tensor, capture: dict) -> None:
    """One backward pass of ones from ``root`` that keeps the graph, accumulates nothing
    (gradients reaching the leaves in ``capture`` are stored there) and warns of nothing."""
    prev = autograd.is_anomaly_enabled()
    autograd.set_detect_anomaly(False)
    try:
        with np.errstate(all="ignore"):
            ones = np.ones(root.shape, dtype=root.dtype)
            autograd.run_backward([root], [ones], True, False, capture=capture)
    finally:
        autograd.set_detect_anomaly(prev)


def _output_value(node: Function) -> np.ndarray | None:
    """The node's output, where it saved it for backward (output-based rules), else None."""
    if isinstance(node.saved, str):
        return None
    for k, role in _roles(node).items():
        if role == "output" and k < len(node.saved) and type(node.saved[k]) is np.ndarray:
            return node.saved[k]
    return None


def graph_nodes(t: Tensor, params: dict[str, Tensor] | None = None,
                values: bool = False) -> tuple[list[NodeInfo], int]:
    """The graph behind ``t`` as a list of NodeInfo (inputs before the ops that use them)
    and the key of the root.

    Args:
        t: a tensor; if it has no ``grad_fn`` the graph is just itself.
        params: optional name -> tensor (e.g. ``dict(model.named_parameters())``) to label
            leaves by name; an intermediate result given here labels its op
            (``h = TanhBackward``) and gives its value.
        values: also fill each node's ``value`` (a leaf's data, a named result's, or an
            output the op saved) and ``grad``: the gradient of ``t`` reaching it, from a
            silent backward pass of ones (so for a scalar ``t``, d t / d node), or a
            tensor's own ``.grad`` once ``backward()`` has freed the graph.

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
    named = {id(v.grad_fn): v for v in (params or {}).values() if v.grad_fn is not None}
    if t.grad_fn is None:
        info = NodeInfo(id(t), names.get(id(t), "leaf"), t.shape, t.dtype, True,
                        requires_grad=t.requires_grad)
        if values:
            info.value, info.grad = t._array, _own_grad(t)
        return [info], info.key
    order = _post_order(t.grad_fn)
    fn_nodes = [n for n in order if isinstance(n, Function)]
    leaves = {id(_base(n._array)): names.get(id(n), "a leaf") for n in order
              if isinstance(n, Tensor)}
    grads: dict[int, np.ndarray] | None = {} if values else None
    shapes = _probe_shapes(t, fn_nodes, grads)
    shapes[id(t.grad_fn)] = (t.shape, t.dtype)
    infos = []
    for item in order:
        if isinstance(item, Tensor):
            label = names.get(id(item), "leaf")
            infos.append(NodeInfo(id(item), label, item.shape, item.dtype, True,
                                  requires_grad=item.requires_grad))
        else:
            shape, dtype = shapes.get(id(item), (None, None))
            saves, nbytes, arrays = _saved_desc(item, leaves)
            result = named.get(id(item))
            label = item.name if result is None else f"{names[id(result)]} = {item.name}"
            infos.append(NodeInfo(id(item), label, shape, dtype, False, saves, nbytes,
                                  [id(p) for p in item.parents if p is not None], arrays))
        if values:
            _fill_values(infos[-1], item, named.get(id(item)), grads or {})
    if values:
        infos[-1].value = t._array              # the root (last): its own tensor is at hand
    return infos, id(t.grad_fn)


def _post_order(root: Function) -> list[Any]:
    """Nodes and leaves below ``root``, each after its inputs (an iterative DFS post-order:
    a 100,000-op chain needs no deep Python stack)."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
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
    return order


def _own_grad(t: Tensor | None) -> np.ndarray | None:
    return None if t is None or t.grad is None else t.grad._array


def _fill_values(info: NodeInfo, item: Any, result: Tensor | None,
                 grads: dict[int, np.ndarray]) -> None:
    """A node's value and gradient for ``values=True``: the probe's gradient while the graph
    lives, else what ``backward()`` left in ``.grad`` (leaves, retained results)."""
    own = item if isinstance(item, Tensor) else result
    info.value = own._array if own is not None else _output_value(item)
    info.grad = grads.get(id(item))
    if info.grad is None:
        info.grad = _own_grad(own)


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
              max_depth: int | None = None, values: bool = False) -> str:
    """The graph that produced ``t`` as an indented tree, root first.

    Each line is an op (``TanhBackward``) or a leaf, with the shape and dtype of what it
    produced and what the op keeps for backward. A node used twice is printed once; the
    second time it reads ``(shown above)``.

    Args:
        t: the tensor whose history to show.
        params: optional name -> tensor to label leaves (``dict(model.named_parameters())``)
            and intermediate results (``{"h": h}`` labels h's op ``h = TanhBackward``).
        max_depth: stop after this many levels (``...`` marks the cut).
        values: under each node, a line with its value and the gradient reaching it
            (``graph_nodes`` says where they come from): ``value not kept`` where the op
            did not save its output, ``grad ?`` once ``backward()`` freed the graph.

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
        >>> print(graph_str(x.relu().sum(), params={"x": x}, values=True))
        SumBackward () float32  saves nothing
        │  value 1  grad 1
        └─ ReluBackward (1, 2) float32  saves output (1x2 float32) = 8 B
           │  value [[1, 0]]  grad [[1, 1]]
           └─ x (1, 2) float32
                 value [[1, -2]]  grad [[1, 0]]
        kept alive for backward: 8 B
    """
    return _tree(*graph_nodes(t, params, values), max_depth, values)


def _tree(infos: list[NodeInfo], root: int, max_depth: int | None, values: bool) -> str:
    """The text tree of ``graph_str`` from ``graph_nodes``' answer."""
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
        if values:
            lines.append(tail + ("│  " if kids else "   ") + _value_line(info))
        if max_depth is not None and depth >= max_depth and kids:
            lines.append(tail + "└─ ...")
            continue
        for i in reversed(range(len(kids))):
            last = i == len(kids) - 1
            stack.append((kids[i], tail + ("└─ " if last else "├─ "),
                          tail + ("   " if last else "│  "), depth + 1))
    lines.append(f"kept alive for backward: {_bytes(_kept_alive(infos))}")
    return "\n".join(lines)


def _number(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def _numbers(a: Any, unknown: str = "?") -> str:
    """A small array on one line, 4 significant digits, long ones elided (``...``)."""
    if a is None:
        return unknown
    a = np.asarray(a)
    if a.ndim == 0:
        return _number(a.item())
    text = np.array2string(a, threshold=8, edgeitems=2, separator=", ", max_line_width=10**6,
                           formatter={"all": _number})
    return " ".join(text.split())


def _value_line(info: NodeInfo) -> str:
    return f"value {_numbers(info.value, 'not kept')}  grad {_numbers(info.grad)}"


# --- DOT and rendering ------------------------------------------------------------------


def _quote(s: str) -> str:
    # NOTE: a raw newline inside a DOT string is not a line break; "\n" (escaped) is.
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(t: Tensor, params: dict[str, Tensor] | None = None, title: str | None = None,
           values: bool = False) -> str:
    """The graph that produced ``t`` as Graphviz DOT text.

    Ops are boxes (name, output shape and dtype, what they saved and its bytes); leaves are
    ellipses (blue if they require grad); the root has a double border. Arrows follow the
    data, from inputs to the op that used them.

    Args:
        t: the tensor whose history to draw.
        params: optional name -> tensor to label leaves (``dict(model.named_parameters())``)
            and intermediate results, as for ``graph_str``.
        title: a caption for the drawing.
        values: add each node's value and the gradient reaching it, as for ``graph_str``.

    Returns:
        DOT text; feed it to ``dot -Tsvg`` or use ``render``.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.ones(2, requires_grad=True)
        >>> dot = to_dot(x.sigmoid().sum(), params={"x": x})
        >>> dot.splitlines()[0], "SigmoidBackward" in dot, "saves: output" in dot
        ('digraph autograd {', True, True)
    """
    return _dot(*graph_nodes(t, params, values), title, values)


def _dot(infos: list[NodeInfo], root: int, title: str | None, values: bool) -> str:
    """The DOT text of ``to_dot`` from ``graph_nodes``' answer."""
    ids = {info.key: f"n{i}" for i, info in enumerate(infos)}
    lines = ["digraph autograd {", "  rankdir=BT;",
             '  node [shape=box, fontname="monospace", fontsize=10];']
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=t;")
    for info in infos:
        name = ids[info.key]
        shown = f"\nvalue {_numbers(info.value, 'not kept')}\ngrad {_numbers(info.grad)}" \
            if values else ""
        if info.is_leaf:
            label = f"{info.label}\n{_shape_text(info)}{shown}"
            color = "lightblue" if info.requires_grad else "lightgrey"
            lines.append(f"  {name} [label={_quote(label)}, shape=ellipse, style=filled, "
                         f"fillcolor={color}];")
            continue
        label = f"{info.label}\n{_shape_text(info)}\nsaves: {info.saves}"
        if info.saved_bytes:
            label += f"\nkeeps {_bytes(info.saved_bytes)} alive"
        extra = ", peripheries=2" if info.key == root else ""
        lines.append(f"  {name} [label={_quote(label + shown)}{extra}];")
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
    exe = _dot_program(f"render: drawing a .{fmt} file")
    done = subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=dot_text.encode(),
                          capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"render: dot failed: {done.stderr.decode().strip()}")
    return path


def _dot_program(task: str) -> str:
    """The path of Graphviz's ``dot``, or a RuntimeError that says how to install it."""
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(
            f"{task} needs Graphviz's `dot` program, which is not "
            "installed. Install it (`apt-get install graphviz` or `brew install graphviz`), "
            "or save a .dot file instead and open it in any Graphviz viewer.")
    return exe


# --- showing itself in a notebook ---------------------------------------------------------


class Graph:
    """The graph behind a tensor, as an object that shows itself.

    ``print(g)`` gives the text tree of ``graph_str``. As the last line of a Jupyter cell
    it is drawn: as an SVG when Graphviz's ``dot`` is installed, else as the same text tree
    (IPython asks for ``_repr_svg_``, ``_repr_html_`` and ``_repr_pretty_``; a method that
    answers None lets the next one speak). The graph is read once, when the Graph is made,
    so a ``backward()`` afterwards (which frees the saved arrays) does not change it.

    Args:
        t: the tensor whose history to show.
        params: name -> tensor, for leaves and intermediate results (as for ``graph_str``).
        values: show each node's value and the gradient reaching it (as for ``graph_str``).
        max_depth: cut the text tree after this many levels.
        title: a caption for the drawing.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([2.0], requires_grad=True)
        >>> g = Graph((x * x).sum(), params={"x": x}, values=True)
        >>> print(g)
        SumBackward () float32  saves nothing
        │  value 4  grad 1
        └─ MulBackward (1,) float32  saves input 1 (= x's array), input 0 (= x's array)
           │  value not kept  grad [1]
           ├─ x (1,) float32
           │     value [2]  grad [4]
           └─ x (1,) float32
                 value [2]  grad [4]
        kept alive for backward: 0 B
    """

    def __init__(self, t: Tensor, params: dict[str, Tensor] | None = None,
                 values: bool = False, max_depth: int | None = None,
                 title: str | None = None):
        infos, root = graph_nodes(t, params, values)
        self.nodes = infos
        self.text = _tree(infos, root, max_depth, values)
        self.dot = _dot(infos, root, title, values)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def svg(self) -> str:
        """The drawing as SVG text (needs Graphviz's ``dot``; a RuntimeError says so)."""
        done = subprocess.run([_dot_program("Graph.svg: drawing the graph"), "-Tsvg"],
                              input=self.dot.encode(), capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"Graph.svg: dot failed: {done.stderr.decode().strip()}")
        return done.stdout.decode()

    def _repr_svg_(self) -> str | None:
        return self.svg() if shutil.which("dot") else None

    def _repr_html_(self) -> str | None:
        # NOTE: notebooks prefer HTML to SVG, so with Graphviz there is no HTML: the SVG shows
        if shutil.which("dot"):
            return None
        return f'<pre style="line-height:1.25">{html.escape(self.text)}</pre>'

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)


_CELLS = 8      # rows or columns shown in full; beyond it, the first and last three


def _cut(n: int) -> list[int | None]:
    """Which indices of a dim of size ``n`` to show; None marks the elided middle."""
    if n <= _CELLS:
        return list(range(n))
    return [0, 1, 2, None, n - 3, n - 2, n - 1]


def _html_cells(a: np.ndarray) -> str:
    """A 0-, 1- or 2-D array as HTML table rows, long dims elided."""
    grid = a.reshape(1, -1) if a.ndim < 2 else a
    rows = []
    for i in _cut(grid.shape[0]):
        cells = []
        for j in _cut(grid.shape[1]):
            text = "&vellip;" if i is None else "&hellip;" if j is None else \
                html.escape(_number(grid[i, j].item()))
            cells.append(f'<td style="text-align:right;padding:1px 6px">{text}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return "".join(rows)


def tensor_html(t: Tensor) -> str:
    """A Tensor as a small HTML table, the way a notebook shows it (``Tensor._repr_html_``):
    the values (4 significant digits; beyond 8 rows or columns, the first and last three),
    then the shape, the dtype and the ``grad_fn`` (or ``requires_grad``). Tensors of more than
    two dims show numpy's text instead of a table.

    Args:
        t: the tensor.

    Returns:
        HTML text.

    Example:
        >>> import tinygrad_acts as ta
        >>> page = tensor_html(ta.ones(2, 3, requires_grad=True).tanh())
        >>> page.count("<tr>"), "shape (2, 3)" in page, "grad_fn=&lt;TanhBackward&gt;" in page
        (2, True, True)
    """
    a = t._array
    if a.ndim <= 2:
        body = f'<table style="font-family:monospace">{_html_cells(a)}</table>'
    else:
        text = np.array2string(a, precision=4, threshold=64, edgeitems=2, separator=", ")
        body = f"<pre>{html.escape(text)}</pre>"
    about = [f"shape {tuple(a.shape)}", str(a.dtype)]
    if t.grad_fn is not None:
        about.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        about.append("requires_grad=True")
    caption = html.escape("tensor · " + " · ".join(about))
    return f'<div>{body}<div style="font-family:monospace;color:gray">{caption}</div></div>'


# the table a notebook shows for a Tensor; installed the way the op surface adds methods
method(tensor_html, name="_repr_html_")
