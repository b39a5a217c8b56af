"""``x.data`` as torch's: a Tensor sharing the values, outside the graph, with a version
counter of its own. Each idiom is run here and, when torch is installed, in torch too."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.nn as nn

try:
    import torch  # type: ignore[no-redef]
except ImportError:  # pragma: no cover - torch is optional
    torch = None

both = pytest.mark.parametrize("lib", ["ta", "torch"])


def _lib(name: str):
    if name == "torch":
        if torch is None:
            pytest.skip("torch is not installed")
        return torch
    return ta


def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


@both
def test_data_is_a_detached_tensor_sharing_memory(lib):
    m = _lib(lib)
    x = m.ones(2, 3, requires_grad=True)
    d = x.data
    assert type(d) is m.Tensor and not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), x.detach().numpy())
    d[0, 1] = 5.0
    assert x[0, 1].item() == 5.0
    assert x._version == 0  # torch: the write through .data is not counted on x


@both
def test_data_of_a_parameter_is_a_plain_tensor(lib):
    m = _lib(lib)
    p = m.nn.Linear(3, 2).weight
    assert type(p.data) is m.Tensor


@both
def test_tutorial_initialisation_through_data(lib):
    m = _lib(lib)
    m.manual_seed(0)
    layer = m.nn.Linear(50, 40)
    layer.weight.data.normal_(0.0, 0.02)
    layer.bias.data.fill_(0)
    assert abs(float(layer.weight.std()) - 0.02) < 0.004
    assert float(layer.bias.abs().sum()) == 0.0
    layer.weight.data.uniform_(-0.1, 0.1)
    assert float(layer.weight.abs().max()) <= 0.1
    layer.weight.data.zero_()
    assert float(layer.weight.abs().sum()) == 0.0
    src = m.full((40, 50), 3.0)
    layer.weight.data.copy_(src)
    assert float(layer.weight.sum()) == 3.0 * 2000
    layer.weight.data.mul_(2).add_(1).clamp_(0, 6.5)
    assert float(layer.weight.max()) == 6.5


@both
def test_hand_written_sgd_through_data(lib):
    m = _lib(lib)
    w = m.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data -= 0.1 * w.grad.data
        w.grad.data.zero_()
    np.testing.assert_allclose(_np(w), np.array([1.0, -2.0]) * 0.8 ** 3)
    w.data = w.data - 0.5 * w.data
    np.testing.assert_allclose(_np(w), np.array([1.0, -2.0]) * 0.8 ** 3 * 0.5)


@both
def test_a_change_through_data_is_invisible_to_autograd(lib):
    """The graph saved x; x.data.mul_(2) changes it without a version bump, so backward
    runs with the new values (in torch as here): the documented hazard of .data."""
    m = _lib(lib)
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    y = (x * x).sum()
    x.data.mul_(2)
    y.backward()
    np.testing.assert_allclose(_np(x.grad), [4.0, 8.0])


@both
def test_data_to_numpy_and_python(lib):
    m = _lib(lib)
    x = m.tensor([[1.5, 2.5]], requires_grad=True)
    assert x.data.numpy().tolist() == [[1.5, 2.5]]
    assert x.data.cpu().numpy().shape == (1, 2)
    assert x.sum().data.item() == 4.0
    assert x.data.tolist() == [[1.5, 2.5]]
    assert x.data.dtype == m.float32 and x.data.shape == (1, 2)


@both
def test_setting_data_keeps_the_graph_leaf(lib):
    m = _lib(lib)
    w = m.zeros(2, requires_grad=True)
    w.data = m.tensor([1.0, 2.0, 3.0])  # shape may change, as torch's
    assert w.shape == (3,) and w.requires_grad and w.is_leaf
    (w * 2).sum().backward()
    np.testing.assert_allclose(_np(w.grad), [2.0, 2.0, 2.0])


def test_setting_data_to_something_else_names_data():
    w = ta.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="data"):
        w.data = [1.0, 2.0]
    w.data = np.array([4.0, 5.0], np.float32)  # an ndarray is taken as the values
    assert w.tolist() == [4.0, 5.0]


def test_weight_data_of_a_module_initialises_like_nn_init():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))

    def init(mod):
        if isinstance(mod, nn.Linear):
            mod.weight.data.normal_(0.0, 0.02)
            mod.bias.data.zero_()

    model.apply(init)
    assert all(float(p.abs().sum()) == 0.0 for n, p in model.named_parameters() if "bias" in n)
    out = model(ta.ones(5, 4))
    out.sum().backward()
    assert model[0].weight.grad is not None
