"""ActivationMonitor: dead and saturated fractions exactly as defined, gradient sizes,
history, pausing and hook removal."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn
from tinygrad_acts.diagnostics import ActivationMonitor, dead_fraction, saturated_fraction


def relu_net(weight, bias):
    """Linear(2, k) + ReLU with the given parameters: the units' fate is set by hand."""
    net = nn.Sequential(nn.Linear(2, len(weight)), nn.ReLU())
    with ta.no_grad():
        net[0].weight[...] = ta.tensor(weight)
        net[0].bias[...] = ta.tensor(bias)
    return net


# unit 0 fires for x0 > 0, unit 1 for x0 < 0, unit 2 never (bias -100), unit 3 fires for x1 > 0
WEIGHT = [[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]
BIAS = [0.0, 0.0, -100.0, 0.0]


def test_dead_fraction_exact_on_a_constructed_case():
    net = relu_net(WEIGHT, BIAS)
    monitor = ActivationMonitor(net)
    net(ta.tensor([[1.0, -1.0], [2.0, -3.0]]))      # only unit 0 fires
    assert monitor.stats()["1"].dead == 0.75
    net(ta.tensor([[-1.0, -1.0]]))                  # unit 1 fires: alive from now on
    assert monitor.stats()["1"].dead == 0.5
    stats = monitor.stats()["1"]
    assert (stats.units, stats.samples) == (4, 3)
    monitor.reset()
    net(ta.tensor([[1.0, 5.0]]))                   # a new window: units 0 and 3 fire
    assert monitor.stats()["1"].dead == 0.5


def test_exact_zero_is_dead_but_tiny_positive_is_alive():
    net = relu_net([[1.0, 0.0], [1.0, 0.0]], [0.0, 1e-30]).double()
    monitor = ActivationMonitor(net)
    net(ta.tensor([[0.0, 0.0]], dtype=np.float64))
    assert monitor.stats()["1"].dead == 0.5


def test_dead_fraction_function_matches_the_monitor():
    y = np.array([[0.0, 0.0, 1.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    assert dead_fraction(y) == pytest.approx(1 / 3)
    assert dead_fraction(ta.tensor(np.zeros((5, 4)))) == 1.0


def test_saturated_fraction_tanh_and_sigmoid_thresholds():
    y_tanh = np.array([0.995, -0.995, 0.98, 0.0])
    assert saturated_fraction(y_tanh, "tanh") == 0.5
    y_sig = np.array([0.005, 0.995, 0.5, 0.02])
    assert saturated_fraction(y_sig, "sigmoid") == 0.5
    with pytest.raises(KeyError, match="no saturation rule"):
        saturated_fraction(y_sig, "relu")


def test_monitor_saturated_fraction_on_a_sigmoid_layer():
    net = nn.Sequential(nn.Linear(1, 2), nn.Sigmoid())
    with ta.no_grad():
        net[0].weight[...] = ta.tensor([[1.0], [0.0]])
        net[0].bias[...] = ta.tensor([0.0, 0.0])
    monitor = ActivationMonitor(net)
    net(ta.tensor([[10.0], [-10.0], [0.0], [1.0]]))   # unit 0: 2 of 4 flat; unit 1 never
    assert monitor.stats()["1"].saturated == pytest.approx(2 / 8)
    assert monitor.stats()["1"].dead == 0.0


def test_relu_layer_has_no_saturation_rule():
    net = relu_net(WEIGHT, BIAS)
    monitor = ActivationMonitor(net)
    net(ta.randn(3, 2))
    assert monitor.stats()["1"].saturated is None
    assert "-" in str(monitor).splitlines()[2]


def test_gradient_arriving_at_each_layer():
    net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1), nn.Sigmoid())
    monitor = ActivationMonitor(net)
    out = net(ta.randn(4, 2))
    (out * ta.tensor([[1.0], [-2.0], [3.0], [-4.0]])).sum().backward()
    s = monitor.stats()["3"]
    assert s.grad_mean == pytest.approx(2.5) and s.grad_max == pytest.approx(4.0)
    assert monitor.stats()["1"].backward_passes == 1
    w2 = np.abs(net[2].weight.numpy()).max()
    assert monitor.stats()["1"].grad_max <= 4.0 * 0.25 * w2 + 1e-6  # sigmoid's slope <= 1/4


def test_inplace_relu_layer_is_watched():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True))
    monitor = ActivationMonitor(net)
    net(ta.randn(5, 2)).sum().backward()
    s = monitor.stats()["1"]
    assert s.samples == 5 and s.backward_passes == 1


def test_maxout_layer_is_watched_and_does_not_die():
    net = nn.Sequential(nn.Maxout(3, 4, pieces=2))
    monitor = ActivationMonitor(net)
    net(ta.randn(8, 3))
    assert monitor.layers == ["0"]
    assert monitor.stats()["0"].dead == 0.0


def test_hook_removal_stops_counting_and_leaves_model_clean():
    net = relu_net(WEIGHT, BIAS)
    monitor = ActivationMonitor(net)
    out = net(ta.randn(2, 2))
    monitor.remove()
    assert not net[1]._forward_hooks
    net(ta.randn(6, 2))
    out.sum().backward()                 # a tensor hook placed before removal stays silent
    s = monitor.stats()["1"]
    assert s.samples == 2 and s.backward_passes == 0


def test_with_block_removes_hooks():
    net = relu_net(WEIGHT, BIAS)
    with ActivationMonitor(net) as monitor:
        net(ta.randn(2, 2))
    assert not net[1]._forward_hooks
    assert monitor.stats()["1"].samples == 2


def test_paused_block_is_not_counted():
    net = relu_net(WEIGHT, BIAS)
    monitor = ActivationMonitor(net)
    with monitor.paused():
        net(ta.randn(3, 2))
    assert monitor.stats()["1"].samples == 0
    assert monitor.stats()["1"].dead is None
    net(ta.randn(1, 2))
    assert monitor.stats()["1"].samples == 1


def test_history_columns_and_snapshot_reset():
    net = relu_net(WEIGHT, BIAS)
    monitor = ActivationMonitor(net)
    net(ta.tensor([[1.0, 1.0]]))
    monitor.snapshot(step="epoch 1")
    net(ta.tensor([[-1.0, -1.0]]))
    monitor.snapshot()
    h = monitor.history()["1"]
    assert h["step"] == ["epoch 1", 1]
    assert h["dead"] == [0.5, 0.75]
    assert h["samples"] == [1, 1]
    assert monitor.stats()["1"].samples == 0


def test_table_has_one_row_per_layer():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh())
    monitor = ActivationMonitor(net)
    net(ta.randn(2, 3)).sum().backward()
    text = str(monitor)
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].startswith("layer")
    assert "ReLU" in lines[2] and "Tanh" in lines[3]


def test_choosing_layers_by_name_or_module():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh())
    assert ActivationMonitor(net, layers=["3"]).layers == ["3"]
    assert ActivationMonitor(net, layers=[net[1]]).layers == ["1"]
    with pytest.raises(KeyError):
        ActivationMonitor(net, layers=["7"])
    with pytest.raises(ValueError, match="no activation layers"):
        ActivationMonitor(nn.Sequential(nn.Linear(2, 2)))


def test_dead_mask_names_the_dead_units():
    net = relu_net(WEIGHT, BIAS)
    monitor = ActivationMonitor(net)
    assert monitor.dead_mask("1").size == 0
    net(ta.tensor([[1.0, -1.0], [2.0, -3.0]]))
    assert monitor.dead_mask("1").tolist() == [False, True, True, True]
    with pytest.raises(KeyError):
        monitor.dead_mask("0")


def test_saturation_rules_are_the_registry_entries():
    for name in ("tanh", "sigmoid", "hardtanh", "elu", "softplus"):
        assert ta.activations[name].saturation is not None
    y = np.array([-1.99, -1.0, 0.5])                   # elu with alpha=2: y + 2 < 0.02 flat
    assert saturated_fraction(y, "elu", alpha=2.0) == pytest.approx(1 / 3)
    assert saturated_fraction(np.array([-0.995, 0.0]), "elu") == 0.5   # alpha's default


def test_a_user_activation_with_a_saturation_rule_is_monitored():
    ta.register_activation("t_clip01", forward=lambda x: np.clip(x, 0.0, 1.0),
                           backward=lambda g, y: g * ((y > 0) & (y < 1)), kinks=(0.0, 1.0),
                           monotonic=True,
                           saturation=(lambda y: (y <= 0) | (y >= 1), "y at 0 or 1"))
    try:
        assert saturated_fraction(np.array([0.0, 0.5, 1.0, 1.0]), "t_clip01") == 0.75
        net = nn.Sequential(nn.Linear(1, 1), nn.TClip01())
        with ta.no_grad():
            net[0].weight[...] = ta.tensor([[1.0]])
            net[0].bias[...] = ta.tensor([0.0])
        with ActivationMonitor(net) as monitor:
            net(ta.tensor([[-3.0], [0.25], [0.5], [7.0]]))
        assert monitor.stats()["1"].saturated == 0.5
    finally:
        ta.unregister_activation("t_clip01")
