"""nn: Linear, Dropout, Maxout, Identity, Flatten, Sequential, ModuleList and Module's
state handling, with PyTorch cross-checks where a torch model is the reference."""
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

from tests.helpers import check_grads

RNG = np.random.default_rng(0)


# --- Linear ---------------------------------------------------------------------------------

def test_linear_shapes_and_formula():
    layer = nn.Linear(3, 5)
    assert layer.weight.shape == (5, 3) and layer.bias.shape == (5,)
    x = ta.randn(4, 3)
    expected = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)
    assert layer(ta.randn(2, 7, 3)).shape == (2, 7, 5)
    assert nn.Linear(3, 5, bias=False).bias is None
    assert repr(nn.Linear(3, 5, bias=False)) == "Linear(in_features=3, out_features=5, bias=False)"


def test_linear_init_is_pytorchs_uniform():
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert np.abs(p).max() <= bound
    w = layer.weight.numpy()
    assert abs(w.mean()) < 0.05 * bound and w.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    assert layer.weight.dtype == np.float32
    assert nn.Linear(2, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_wrong_input_names_the_shapes():
    with pytest.raises(ValueError, match=r"Linear\(3, 5\): expected input of shape \(\*, 3\), "
                                         r"got \(4, 2\)"):
        nn.Linear(3, 5)(ta.zeros(4, 2))


def test_functional_linear_gradients():
    x, w, b = RNG.standard_normal((4, 3)), RNG.standard_normal((2, 3)), RNG.standard_normal(2)
    check_grads(lambda x, w, b: F.linear(x, w, b), x, w, b)
    check_grads(lambda x, w: F.linear(x, w), x, w)


@pytest.mark.torch
def test_linear_matches_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    ours = nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ta.tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)


# --- Dropout ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_half_is_a_fair_coin_per_element(dtype):
    # p = 0.5 draws single random bits (its own fast path): same contract as any p
    ta.manual_seed(3)
    x = ta.ones(300, 100, dtype=dtype, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    assert y.dtype == dtype
    assert set(np.unique(y.numpy()).tolist()) == {0.0, 2.0}
    assert (y.numpy() == 0).mean() == pytest.approx(0.5, abs=0.01)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    ta.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).numpy(), y.numpy())  # seeded


def test_dropout_is_inverted_in_training_and_identity_in_eval():
    drop = nn.Dropout(0.25)
    x = ta.ones(200, 50, requires_grad=True)
    y = drop(x)
    values = set(np.unique(y.numpy()).tolist())
    assert values == {0.0, np.float32(1 / 0.75)}
    assert (y.numpy() == 0).mean() == pytest.approx(0.25, abs=0.02)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())      # grad = the scaled mask
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).numpy(), 0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout(0.5)) == "Dropout(p=0.5, inplace=False)"      # PyTorch's


def test_functional_dropout_draws_the_same_mask_as_the_module():
    ta.manual_seed(5)
    a = nn.Dropout(0.5)(ta.ones(10, 10)).numpy()
    ta.manual_seed(5)
    b = F.dropout(ta.ones(10, 10), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    x = ta.ones(4)
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="dropout: p"):
        F.dropout(x, -0.1)


# --- Maxout, Identity, Flatten ----------------------------------------------------------------

def test_maxout_is_the_max_over_linear_pieces():
    layer = nn.Maxout(3, 4, pieces=2)
    x = ta.randn(5, 3)
    z = x.numpy() @ layer.linear.weight.numpy().T + layer.linear.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), z.reshape(5, 4, 2).max(-1), rtol=1e-6)
    assert layer.num_parameters() == 2 * (3 * 4 + 4)   # twice a Linear(3, 4): the lecture
    assert "pieces=2" in repr(layer)


def test_identity_and_flatten():
    x = ta.randn(2, 3, 4)
    assert nn.Identity(54, unused="ok")(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)


# --- containers -----------------------------------------------------------------------------

def _mlp():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_sequential_indexing_slicing_and_keys():
    net = _mlp()
    assert len(net) == 3 and isinstance(net[-1], nn.Linear)
    head = net[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is net[0]
    x = ta.randn(5, 3)
    np.testing.assert_array_equal(net(x).numpy(), net[2](head(x)).numpy())
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.fc is named[0]
    net.append(nn.Softmax(dim=1))
    assert len(net) == 4 and list(net)[-1] is net[3]


def test_module_list_registers_its_modules():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    assert list(net.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                      "layers.1.bias"]
    assert len(net.layers) == 2 and net.layers[1].out_features == 1
    assert net(ta.randn(4, 2)).shape == (4, 1)


# --- Module ---------------------------------------------------------------------------------

def test_module_tree_walks_and_modes():
    net = _mlp()
    assert [n for n, _ in net.named_children()] == ["0", "1", "2"]
    assert [n for n, _ in net.named_modules()] == ["", "0", "1", "2"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "Tanh", "Linear", "Sequential"]
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_module_zero_grad_and_repr():
    net = _mlp()
    net(ta.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert repr(net).splitlines()[1] == "  (0): Linear(in_features=3, out_features=4, bias=True)"


def test_module_without_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Broken()


def test_load_state_dict_strict_and_not():
    net = _mlp()
    state = {k: v.clone() for k, v in net.state_dict().items()}   # a snapshot (torch's way)
    state["0.weight"][:] = 1.0
    assert not np.all(net[0].weight.numpy() == 1.0)
    version = net[0].weight._version
    net.load_state_dict(state)
    assert np.all(net[0].weight.numpy() == 1.0) and net[0].weight._version == version + 1
    partial = {"0.weight": state["0.weight"], "junk": np.zeros(1)}
    with pytest.raises(RuntimeError, match=r"missing key: 0\.bias"):
        net.load_state_dict(partial)
    missing, unexpected = net.load_state_dict(partial, strict=False)
    assert missing == ["0.bias", "2.weight", "2.bias"] and unexpected == ["junk"]
    with pytest.raises(RuntimeError, match=r"0.bias: checkpoint shape \(3,\), model shape"):
        net.load_state_dict({**state, "0.bias": np.zeros(3)}, strict=False)


@pytest.mark.torch
def test_state_dicts_move_both_ways_between_torch_and_us():
    torch = pytest.importorskip("torch")
    ours = _mlp()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ta.tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    back = _mlp()
    back.load_state_dict({k: v.numpy() for k, v in fresh.state_dict().items()})
    np.testing.assert_allclose(back(ta.tensor(x)).numpy(),
                               fresh(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


# --- found by the differential fuzzer (tests/torchdiff_nn.py) ----------------------------


def test_weighted_losses_keep_their_weights_as_buffers_as_torch():
    """torch's weighted losses register ``weight`` (and ``pos_weight``) as buffers: they are
    in state_dict under those keys and follow ``.to(dtype)``."""
    w = np.array([0.5, 2.0, 1.0])
    ce = ta.nn.CrossEntropyLoss(weight=ta.tensor(w))
    bce = ta.nn.BCEWithLogitsLoss(weight=[1.0, 2.0, 3.0], pos_weight=ta.tensor(w))
    assert list(ce.state_dict()) == ["weight"]
    assert list(bce.state_dict()) == ["weight", "pos_weight"]
    assert list(ta.nn.NLLLoss().state_dict()) == []
    assert ce.to(np.float64).weight.dtype == np.float64
    x, t = ta.tensor(np.zeros((2, 3))), ta.tensor([0, 1])
    np.testing.assert_allclose(ce(x, t).item(), np.log(3))


def test_hardsigmoid_and_hardswish_repr_hide_inplace_as_torch():
    assert repr(ta.nn.Hardsigmoid(inplace=True)) == "Hardsigmoid()"
    assert repr(ta.nn.ReLU6(inplace=True)) == "ReLU6(inplace=True)"
