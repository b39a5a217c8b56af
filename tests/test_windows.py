"""Windows, histogram, gradient and the top-level in-place activations
(tinygrad_acts/windows.py) against torch."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_acts as ta

from tests.test_torch_compare_helpers import compare, raises_as_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

RNG = np.random.default_rng(11)
A = RNG.standard_normal((4, 5))
V = RNG.standard_normal(6)
COORDS = np.cumsum(RNG.uniform(0.2, 1.5, 6))

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows(name, length, periodic):
    for dtype in (None, "float64"):
        kw = {} if dtype is None else {"dtype": getattr(ta, dtype)}
        tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
        ours = getattr(ta, name)(length, periodic, **kw)
        theirs = getattr(torch, name)(length, periodic, **tkw)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        tol = 1e-6 if dtype is None else 1e-12
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol)


def test_window_parameters():
    for m in (ta, torch):
        out = [m.hamming_window(7, True, 0.5, 0.5, dtype=m.float64),
               m.kaiser_window(7, False, 3.5, dtype=m.float64),
               m.hann_window(3, requires_grad=True)]
        if m is ta:
            ours = out
    for o, t in zip(ours, out):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-6)
        assert o.requires_grad == t.requires_grad


@pytest.mark.parametrize("name", WINDOWS)
def test_window_errors(name):
    raises_as_torch(torch, lambda m: getattr(m, name)(-1), [])
    raises_as_torch(torch, lambda m: getattr(m, name)(4, dtype=m.int64), [])


CASES = [
    # (torch's histogram of a tensor that requires grad claims a gradient it cannot give,
    # grad_fn=<NotImplemented>: ours has none, so the inputs here are constants)
    ("histogram", lambda m, x: m.histogram(x.detach(), bins=4), [V]),
    ("histogram float32 method", lambda m, x: x.detach().histogram(3), [V.astype(np.float32)]),
    ("histogram range density",
     lambda m, x: m.histogram(x.detach(), 5, range=(-1.0, 1.0), density=True), [V]),
    ("histogram edges", lambda m, x: m.histogram(x.detach(), m.tensor([-2.0, 0.0, 0.5, 3.0],
                                                                       dtype=m.float64)), [V]),
    ("histogram weight", lambda m, x, w: m.histogram(x.detach(), 3, weight=w.detach()),
     [V, V[::-1] ** 2]),
    ("gradient", lambda m, x: m.gradient(x), [A]),
    ("gradient spacing", lambda m, x: m.gradient(x, spacing=0.5), [A]),
    ("gradient per-dim spacing", lambda m, x: m.gradient(x, spacing=[2.0, 0.25]), [A]),
    ("gradient dim", lambda m, x: m.gradient(x, dim=1, edge_order=2), [A]),
    ("gradient dims", lambda m, x: m.gradient(x, dim=[1, 0], edge_order=2), [A]),
    ("gradient coordinates", lambda m, x, c: m.gradient(x, spacing=(c.detach(),)), [V, COORDS]),
    ("gradient coordinates order 2",
     lambda m, x, c: m.gradient(x, spacing=[c.detach()], edge_order=2), [V, COORDS]),
    ("gradient two points", lambda m, x: m.gradient(x), [V[:2].copy()]),
    ("gradient ints", lambda m, x: m.gradient(x), [np.array([1, 4, 9, 16])]),
    ("gradient float32", lambda m, x: m.gradient(x, edge_order=2), [A.astype(np.float32)]),
    ("gradient 0-d", lambda m, x: m.gradient(x), [np.array(1.0)]),
]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_same_as_torch(name, fn, arrays):
    compare(torch, fn, [np.array(a, order="C") for a in arrays])


def test_gradient_gradcheck():
    x = ta.tensor(A, requires_grad=True)
    assert ta.gradcheck(lambda x: ta.gradient(x, edge_order=2)[1], (x,))


ERRORS = [
    ("histogram ints", lambda m, x: m.histogram(x.long(), 3), [V]),
    ("gradient edge_order 3", lambda m, x: m.gradient(x, edge_order=3), [V]),
    ("gradient too short", lambda m, x: m.gradient(x[:2], edge_order=2), [V]),
    ("gradient spacing length", lambda m, x: m.gradient(x, spacing=[1.0, 2.0, 3.0]), [A]),
]


@pytest.mark.parametrize("name, fn, arrays", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_as_torch(name, fn, arrays):
    raises_as_torch(torch, fn, arrays)


# (ta.relu_ and friends live in functional_aliases.py: checked here as a user calls them)
@pytest.mark.parametrize("name, args", [("relu_", ()), ("selu_", ()), ("celu_", (0.7,))])
def test_inplace_activations(name, args):
    results = []
    for m in (ta, torch):
        w = m.tensor(V.copy(), requires_grad=True)
        x = w * 2
        assert getattr(m, name)(x, *args) is x
        (x * m.tensor(V)).sum().backward()
        results.append((x.detach().numpy(), w.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)

