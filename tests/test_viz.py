"""Graph views (text tree, DOT, rendering) and the activation plots (plots.py)."""
import argparse
import re

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn, plots, viz
from tinygrad_acts.activations import registry


def small_net_loss():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Sigmoid())
    loss = net(ta.randn(5, 3)).sum()
    return net, loss


# --- the text tree --------------------------------------------------------------------------


def test_graph_str_names_ops_shapes_and_what_is_saved():
    net, loss = small_net_loss()
    text = viz.graph_str(loss, params=dict(net.named_parameters()))
    assert text.splitlines()[0] == "SumBackward () float32  saves nothing"
    assert "ReluBackward (5, 4) float32  saves output (5x4 float32) = 80 B" in text
    assert "SigmoidBackward (5, 2) float32  saves output (5x2 float32) = 40 B" in text
    for name in ("0.weight (4, 3) float32", "0.bias (4,)", "2.weight (2, 4)", "2.bias (2,)"):
        assert name in text
    # relu's output (80 B) is also the second matmul's saved input: counted once;
    # x (60 B) is saved by the first matmul; the weights are leaves and not counted
    assert text.splitlines()[-1] == "kept alive for backward: 180 B"


def test_graph_str_input_based_rule_names_the_leaf_it_keeps():
    x = ta.ones(2, 3, requires_grad=True)
    text = viz.graph_str(x.silu().sum(), params={"x": x})
    assert "SiluBackward (2, 3) float32  saves input 0 (= x's array)" in text
    assert text.endswith("kept alive for backward: 0 B")


def test_output_based_rules_keep_the_output_input_based_the_input():
    for name, spec in registry.items():
        x = ta.randn(*spec.example_shapes()[0], requires_grad=True)
        info = [n for n in viz.graph_nodes(spec(x * 1).sum())[0]
                if n.label.endswith("Backward") and n.label not in ("MulBackward",
                                                                   "SumBackward")]
        assert len(info) == 1, name
        want = "output" if spec.saves == "output" else "input 0"
        assert info[0].saves.startswith(want), (name, info[0].saves)


def test_shared_node_printed_once():
    x = ta.ones(2, requires_grad=True)
    y = x * 3
    text = viz.graph_str((y + y.tanh()).sum())
    assert text.count("MulBackward (2,)") == 1
    assert "MulBackward (shown above)" in text


def test_freed_graph_shows_unknown_shapes_but_root_and_leaves():
    x = ta.ones(2, requires_grad=True)
    loss = x.tanh().sum()
    loss.backward()
    text = viz.graph_str(loss)
    assert "TanhBackward ?  saves output (freed)" in text
    assert text.splitlines()[0].startswith("SumBackward () float32")
    assert "leaf (2,) float32" in text


def test_probe_has_no_side_effects():
    x = ta.ones(3, requires_grad=True)
    h = x.exp()
    h.retain_grad()
    calls = []
    x.register_hook(lambda g: calls.append(1))
    loss = (h * 2).sum()
    viz.graph_str(loss)
    viz.to_dot(loss)
    assert x.grad is None and h.grad is None and calls == []
    loss.backward()                       # the graph is intact and hooks still work
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.e * np.ones(3), rtol=1e-6)
    assert calls == [1]


def test_leaf_without_graph_and_max_depth():
    x = ta.ones(2, requires_grad=True)
    assert viz.graph_str(x).splitlines()[0] == "leaf (2,) float32"
    y = x
    for _ in range(6):
        y = y.tanh()
    text = viz.graph_str(y, max_depth=2)
    assert text.count("TanhBackward") == 3 and "└─ ..." in text


def test_deep_chain_needs_no_recursion():
    x = ta.ones(1, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    nodes, _ = viz.graph_nodes(y)
    assert len(nodes) == 3001


def test_helper_arrays_are_named_by_the_backward_signature_and_counted():
    x = ta.tensor([[1.0, 3.0], [2.0, 2.0]], requires_grad=True)
    (node,) = [n for n in viz.graph_nodes(x.clamp(1.5, 2.5).sum())[0]
               if n.label == "ClampBackward"]
    assert "inside (2x2 bool" in node.saves and node.saved_bytes > 0
    assert viz.saved_names(_KeepsShapes) == ("x", "shape", "dim")


class _KeepsShapes(ta.autograd.Function):
    def forward(self, x):
        self.save(x, x.shape, 0)
        return x * 2

    def backward(self, g, x, shape, dim):
        return g * 2


class _KeepsMany(ta.autograd.Function):
    def forward(self, x):
        self.save(x, np.ones(2), np.zeros(3))
        return x * 2

    def backward(self, g, x, *helpers):
        return g * 2


def test_a_starred_backward_parameter_names_its_items_by_number():
    assert viz.saved_names(_KeepsMany) == ("x", "helpers*")
    x = ta.ones(2, requires_grad=True)
    text = viz.graph_str(_KeepsMany.apply(x).sum(), params={"x": x})
    assert "saves input 0 (= x's array), helpers[0] (2 float64), helpers[1] (3 float64) " \
        "= 40 B" in text


def test_only_arrays_are_shown_and_each_array_counts_once():
    x = ta.ones(2, 3, requires_grad=True)
    text = viz.graph_str((x * 2.0).sum(), params={"x": x})   # keeps shapes and a number
    assert "MulBackward (2, 3) float32  saves nothing" in text
    h = x.exp()
    text = viz.graph_str((h * h).sum())           # both operands: the same (2, 3) array
    assert "MulBackward (2, 3) float32  saves input 1 (2x3 float32), input 0 (2x3 float32) " \
        "= 24 B" in text
    assert text.endswith("kept alive for backward: 24 B")   # h is also exp's output: once


def test_an_input_that_needs_no_grad_is_found_by_its_place():
    w = ta.ones(2, 3, requires_grad=True)
    x = ta.ones(4, 3)                             # no grad: no parent, but still an input
    text = viz.graph_str(ta.functional.linear(x, w).sum(), params={"w": w})
    # x (input 0, no parent) is named by its place; w is not kept: only dx would need it
    assert "LinearBackward (4, 2) float32  saves input 0 (4x3 float32) = 48 B" in text
    text = viz.graph_str(ta.functional.linear(x.requires_grad_(), w).sum(), params={"w": w})
    assert "saves input 0 (= a leaf's array), input 1 (= w's array)" in text


def test_freed_node_names_what_it_kept():
    a = ta.ones(3, requires_grad=True)
    b = ta.full((3,), 2.0, requires_grad=True)
    loss = (a / b).sum()
    loss.backward()
    assert "DivBackward ?  saves input 1, output (freed)" in viz.graph_str(loss)


# --- DOT and rendering ----------------------------------------------------------------------


def test_to_dot_is_wellformed_and_complete():
    net, loss = small_net_loss()
    dot = viz.to_dot(loss, params=dict(net.named_parameters()), title="tiny net")
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    node_ids = set(re.findall(r"^\s+(n\d+) \[", dot, flags=re.M))
    edges = re.findall(r"^\s+(n\d+) -> (n\d+);", dot, flags=re.M)
    assert edges and all(a in node_ids and b in node_ids for a, b in edges)
    assert dot.count("peripheries=2") == 1                    # the root
    assert '"0.weight\\n(4, 3) float32"' in dot                # leaves by name
    assert "saves: output (5x4 float32)\\nkeeps 80 B alive" in dot
    assert "\n\n" not in dot.split("}")[0]                    # no raw newlines in labels
    assert dot.count('"') % 2 == 0


def test_to_dot_escapes_quotes():
    x = ta.ones(1, requires_grad=True)
    dot = viz.to_dot(x.relu().sum(), params={'say "hi"': x})
    assert 'say \\"hi\\"' in dot


def test_render_dot_file_needs_nothing(tmp_path):
    x = ta.ones(2, requires_grad=True)
    out = viz.render(x.tanh().sum(), tmp_path / "g.dot")
    assert out.read_text().startswith("digraph")


def test_render_image_without_graphviz_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    x = ta.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        viz.render(x.tanh().sum(), tmp_path / "g.svg")


def test_render_calls_dot_when_present(tmp_path, monkeypatch):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\n# a stand-in for graphviz: copy stdin to the -o file\n"
                    'cat > "$3"\n')
    fake.chmod(0o755)
    monkeypatch.setattr(viz.shutil, "which", lambda name: str(fake))
    x = ta.ones(2, requires_grad=True)
    out = viz.render(x.tanh().sum(), tmp_path / "g.svg")
    assert out.read_text().startswith("digraph")


# --- the plots (plots.py) and the plot command -------------------------------------------


@pytest.mark.parametrize("name", list(registry))
def test_activation_curve_derivative_matches_finite_differences(name):
    x = np.linspace(-3, 3, 61) + 0.013       # off the kinks at 0 and +-1
    _, dy, label = plots.activation_curve(name, x)
    eps = 1e-6
    yp, _, _ = plots.activation_curve(name, x + eps)
    ym, _, _ = plots.activation_curve(name, x - eps)
    np.testing.assert_allclose(dy, (yp - ym) / (2 * eps), atol=1e-6)
    assert label.startswith(name)


def test_sigmoid_slope_never_exceeds_a_quarter():
    _, dy, _ = plots.activation_curve("sigmoid", np.linspace(-10, 10, 2001))
    assert dy.max() == pytest.approx(0.25) and dy.max() <= 0.25


def test_plot_command_prints_slopes_and_writes_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    args = argparse.Namespace(names=["sigmoid", "relu", "softmax"],
                              output=str(tmp_path / "a.png"), range=(-4.0, 4.0))
    assert plots.main(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"sigmoid\s+output\s+0\.5000\s+0\.2500\s+0\.2500", out)
    assert (tmp_path / "a.png").stat().st_size > 1000


def test_plot_command_without_matplotlib_is_a_clear_message(tmp_path, capsys, monkeypatch):
    def no_matplotlib():
        raise ImportError("plotting needs matplotlib, which is not installed: "
                          "pip install matplotlib")
    monkeypatch.setattr(plots, "pyplot", no_matplotlib)
    args = argparse.Namespace(names=["tanh"], output=str(tmp_path / "a.png"), range=(-1, 1))
    assert plots.main(args) == 1
    assert "pip install matplotlib" in capsys.readouterr().out


def test_plot_command_unknown_name(capsys):
    args = argparse.Namespace(names=["nope"], output="x.png", range=(-1, 1))
    assert plots.main(args) == 2
    assert "unknown activation" in capsys.readouterr().out


def test_cli_dispatches_plot(tmp_path):
    pytest.importorskip("matplotlib")
    from tinygrad_acts.__main__ import COMMANDS, main
    assert COMMANDS["plot"][0] == "tinygrad_acts.plots"
    assert main(["plot", "tanh", "-o", str(tmp_path / "t.png")]) == 0


def test_viz_keeps_graph_views_only():
    for name in ("activation_curve", "plot_activations", "save_figure", "main"):
        assert not hasattr(viz, name) and hasattr(ta.plots, name)
    assert not hasattr(ta.Tensor, "graph_str")      # the function is viz.graph_str


def test_curve_of_a_grouped_activation_uses_one_group():
    x = np.array([-1.0, 2.0])
    y, dy, label = plots.activation_curve("maxout", x)    # maxout([x, 0]) = max(x, 0)
    np.testing.assert_array_equal(y, [0.0, 2.0])
    np.testing.assert_array_equal(dy, [0.0, 1.0])
    assert label == "maxout([x, 0])[0]"


def test_curve_reads_the_group_size_from_the_registry():
    from tinygrad_acts.activations import _maxout, _maxout_backward
    ta.register_activation("t_maxout3", _maxout, _maxout_backward, "input",
                           params={"pieces": 3, "dim": -1}, ties=True, elementwise=False,
                           module_name="", grouping=lambda pieces=3, dim=-1: (dim, pieces))
    try:
        y, dy, label = plots.activation_curve("t_maxout3", np.array([-1.0, 2.0]))
    finally:
        ta.unregister_activation("t_maxout3")
    assert label == "t_maxout3([x, 0, 0])[0]"
    np.testing.assert_array_equal(y, [0.0, 2.0])
    np.testing.assert_array_equal(dy, [0.0, 1.0])


@pytest.mark.skipif(viz.shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_with_real_graphviz(tmp_path):
    x = ta.ones(2, requires_grad=True)
    out = viz.render(x.tanh().sum(), tmp_path / "g.svg", params={"x": x})
    text = out.read_text()
    assert "<svg" in text and "TanhBackward" in text


def test_save_figure_writes_a_small_png(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    out = plots.save_figure(fig, tmp_path / "sub" / "f.png")
    plt.close(fig)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_kept_alive_bytes_output_rule_vs_input_rule():
    ta.register_activation("tanh_in", forward=np.tanh, saves="input",
                           backward=lambda g, x: g * (1 - np.tanh(x) ** 2))
    try:
        x = ta.randn(8, 4, requires_grad=True)
        w = ta.randn(4, 4, requires_grad=True)
        out_rule = viz.kept_alive_bytes(((x @ w).tanh() @ w).sum())
        in_rule = viz.kept_alive_bytes(((x @ w).tanh_in() @ w).sum())
    finally:
        ta.unregister_activation("tanh_in")
    assert in_rule - out_rule == 8 * 4 * 4      # the pre-activation, one float32 (8, 4)


# --- values and gradients in the views; the notebook displays (Graph, Tensor) -----------


def test_values_show_each_nodes_value_and_the_gradient_reaching_it():
    x = ta.tensor([0.5, -1.0], requires_grad=True)
    h = (x * 3).tanh()
    h.retain_grad()
    loss = (h * h).sum()
    names = {"x": x, "h": h, "loss": loss}
    nodes = {n.label: n for n in viz.graph_nodes(loss, names, values=True)[0]}
    assert set(nodes) >= {"x", "h = TanhBackward", "loss = SumBackward", "MulBackward"}
    np.testing.assert_allclose(nodes["h = TanhBackward"].value, np.tanh([1.5, -3.0]),
                               rtol=1e-6)
    assert nodes["loss = SumBackward"].grad == 1
    assert x.grad is None and h.grad is None            # the probe accumulated nothing
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(nodes["x"].grad, x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(nodes["h = TanhBackward"].grad, h.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(nodes["x"].grad, 6 * np.tanh([1.5, -3.0]) / np.cosh(
        [1.5, -3.0]) ** 2, rtol=1e-5)


def test_values_after_backward_fall_back_on_grad_and_mark_the_rest_unknown():
    x = ta.tensor([2.0], requires_grad=True)
    loss = (x * 3.0).sum()
    loss.backward()
    text = viz.graph_str(loss, params={"x": x}, values=True)
    assert "│  value not kept  grad ?" in text         # x * 3.0 keeps no output; freed
    assert "value [2]  grad [3]" in text               # the leaf's own .grad
    assert text.splitlines()[1] == "│  value 6  grad 1"      # the root's is always known


def test_values_in_dot_labels():
    x = ta.tensor([1.0, -2.0], requires_grad=True)
    dot = viz.to_dot(x.relu().sum(), params={"x": x}, values=True)
    assert "value [1, 0]\\ngrad [1, 1]" in dot and "value [1, -2]\\ngrad [1, 0]" in dot


def test_long_values_are_elided_on_one_line():
    assert viz._numbers(np.arange(20)) == "[0, 1, ..., 18, 19]"
    assert viz._numbers(np.float32(1 / 3)) == "0.3333"
    assert viz._numbers(None) == "?" and viz._numbers(None, "not kept") == "not kept"


def test_graph_is_read_once_and_prints_as_the_text_tree():
    x = ta.ones(2, requires_grad=True)
    loss = x.tanh().sum()
    g = viz.Graph(loss, params={"x": x})
    loss.backward()                                 # frees the graph: g was read before
    assert str(g) == repr(g) and "TanhBackward (2,) float32  saves output" in str(g)
    assert [n.label for n in g.nodes] == ["x", "TanhBackward", "SumBackward"]
    assert g.dot.startswith("digraph autograd {")


def test_graph_without_graphviz_shows_the_text_tree_as_html(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    x = ta.ones(1, requires_grad=True)
    g = viz.Graph(x.relu().sum(), params={"a<b": x})
    assert g._repr_svg_() is None
    page = g._repr_html_()
    assert page.startswith("<pre") and "a&lt;b (1,) float32" in page and "a<b" not in page
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        g.svg()


def test_graph_with_graphviz_is_an_svg(tmp_path, monkeypatch):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\n# a stand-in for graphviz -Tsvg: wrap stdin in an svg\n"
                    'echo "<svg>"; cat; echo "</svg>"\n')
    fake.chmod(0o755)
    monkeypatch.setattr(viz.shutil, "which", lambda name: str(fake))
    x = ta.ones(1, requires_grad=True)
    g = viz.Graph(x.relu().sum())
    svg = g._repr_svg_()
    assert svg.startswith("<svg>") and "ReluBackward" in svg
    assert g._repr_html_() is None                  # notebooks prefer HTML: leave it to SVG


def test_ipython_shows_graphs_and_tensors():
    formatters = pytest.importorskip("IPython.core.formatters")
    pretty = pytest.importorskip("IPython.lib.pretty")
    x = ta.ones(2, 3, requires_grad=True)
    g = viz.Graph(x.sigmoid().sum())
    assert pretty.pretty(g) == str(g)
    shown, _ = formatters.DisplayFormatter().format(x.sigmoid())
    assert shown["text/plain"].startswith("tensor(") and "<table" in shown["text/html"]


def test_tensor_html_is_a_small_table_with_shape_dtype_and_grad_fn():
    assert ta.Tensor._repr_html_ is viz.tensor_html
    page = viz.tensor_html(ta.arange(600).reshape(20, 30).float().requires_grad_())
    assert page.count("<tr>") == 7 and page.count("<td") == 49       # 3 + ... + 3 each way
    assert page.count("&vellip;") == 7 and page.count("&hellip;") == 6
    assert ">599<" in page and "shape (20, 30) · float32 · requires_grad=True" in page
    x = ta.tensor([1.5, -2.0], requires_grad=True)
    assert "grad_fn=&lt;MulBackward&gt;" in viz.tensor_html(x * 2)
    scalar = viz.tensor_html(ta.tensor(3, dtype=ta.int64))
    assert scalar.count("<td") == 1 and ">3<" in scalar and "shape () · int64" in scalar
    cube = viz.tensor_html(ta.zeros(2, 2, 2))
    assert "<pre>" in cube and "<table" not in cube and "shape (2, 2, 2)" in cube


# --- pyplot(): Agg in a script, the notebook's backend in a kernel ---------------------------


def test_pyplot_picks_agg_only_outside_a_kernel(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    chosen = []
    monkeypatch.setattr(matplotlib, "use", lambda name, *a, **k: chosen.append(name))
    monkeypatch.delitem(plots.sys.modules, "ipykernel", raising=False)
    assert not plots.in_notebook()
    plots.pyplot()
    assert chosen == ["Agg"]
    monkeypatch.setitem(plots.sys.modules, "ipykernel", object())
    assert plots.in_notebook()
    plots.pyplot()
    assert chosen == ["Agg"]                        # the kernel's backend is left alone


def test_plots_leave_their_figure_open_in_a_kernel_only(tmp_path, monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.close("all")
    monkeypatch.delitem(plots.sys.modules, "ipykernel", raising=False)
    plots.plot_activations(["relu"], tmp_path / "a.png", points=11)
    assert plt.get_fignums() == []                  # a script: closed, nothing piles up
    monkeypatch.setitem(plots.sys.modules, "ipykernel", object())
    monkeypatch.setattr(plots, "pyplot", lambda: plt)   # (the Agg backend stays for the test)
    plots.plot_activations(["relu"], tmp_path / "b.png", points=11)
    assert len(plt.get_fignums()) == 1              # a notebook: the inline backend shows it
    plt.close("all")
