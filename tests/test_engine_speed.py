"""The engine's fast paths give what the general ones give: ``Function.apply`` builds its
output Tensor inline (every slot set), and a plain ``backward()`` runs a chain without the
heap (the same gradients, bit for bit, as ``grad()``, which takes the general path, and
torch's values)."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.tensor import Tensor


@pytest.mark.parametrize("requires_grad", [True, False])
def test_an_op_output_has_every_tensor_slot(requires_grad):
    x = ta.tensor([0.5, -1.0], requires_grad=requires_grad)
    made = Tensor._make(np.zeros(2), False, None)
    for out in (x.tanh(), x * 2, x.sum()):
        for slot in Tensor.__slots__:
            if slot != "__weakref__":
                assert type(getattr(out, slot)) is type(getattr(made, slot)) or slot in (
                    "grad_fn", "_requires_grad", "_data"), slot
        assert out.requires_grad is requires_grad and out.is_leaf is not requires_grad
        assert out._counter == [0] and out._counter is not x._counter


def _graphs(lib, x):
    """A chain, a diamond, a node used three times, two leaves, a root that is a leaf."""
    w = lib.tensor([0.3, -0.7, 1.1], dtype=lib.float64, requires_grad=True)
    y = x * w
    z = y.tanh() + y.sigmoid() * y - (y * y).exp()
    chain = y.sin().cos().tanh().sum()
    return w, [chain, z.sum(), (z * x).sum() + (x * 3).sum(), x.sum()]


@pytest.mark.parametrize("which", range(4))
def test_backward_equals_grad_bit_for_bit(which):
    x = ta.tensor([0.2, -1.5, 0.8], dtype=ta.float64, requires_grad=True)
    w, roots = _graphs(ta, x)
    wanted = [x, w] if which != 3 else [x]
    expected = ta.grad(roots[which], wanted, retain_graph=True)
    roots[which].backward()
    for t, g in zip(wanted, expected):
        assert t.grad.numpy().tobytes() == g.numpy().tobytes()


@pytest.mark.parametrize("which", range(4))
def test_backward_of_each_graph_matches_torch(which):
    torch = pytest.importorskip("torch")
    found = []
    for lib in (ta, torch):
        x = lib.tensor([0.2, -1.5, 0.8], dtype=lib.float64, requires_grad=True)
        w, roots = _graphs(lib, x)
        roots[which].backward()
        found.append([x.grad.detach().numpy(), None if w.grad is None else w.grad.numpy()])
    for a, b in zip(*found):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_long_chain_runs_without_the_heap_and_is_freed():
    x = ta.tensor([0.5], dtype=ta.float64, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 20000], rtol=1e-9)
    with pytest.raises(RuntimeError, match="second time"):
        (y * x).sum().backward()
