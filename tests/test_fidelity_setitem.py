"""A setitem value may have leading 1-dims its target lacks (``outputs[t] = fc(h)`` with a
(1, H) result): torch drops them, forward and backward; so do we."""
from __future__ import annotations

import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

CASES = {
    "into an element": lambda m: _fill(m, (4,), 3, (1,)),
    "into a row, grad mode": lambda m: _grad(m, (3, 4), 0, (1, 4)),
    "into an element, ellipsis": lambda m: _grad(m, (3, 4), (0, Ellipsis, 3), (1,)),
    "two leading ones": lambda m: _grad(m, (2,), 1, (1, 1)),
    "under no_grad": lambda m: _no_grad(m, (2, 3), 1, (1, 1, 3)),
}


def _fill(m, shape, index, value_shape):
    z = m.zeros(shape, dtype=m.float64)
    z[index] = m.ones(value_shape, dtype=m.float64) * 7
    return z.tolist()


def _grad(m, shape, index, value_shape):
    x = m.ones(shape, dtype=m.float64, requires_grad=True)
    w = m.full(value_shape, 2.0, dtype=m.float64, requires_grad=True)
    z = x * 1
    z[index] = w * 3
    weights = m.arange(float(z.numel()), dtype=m.float64).reshape(z.shape)
    (z * weights).sum().backward()
    return z.tolist(), x.grad.tolist(), w.grad.tolist()


def _no_grad(m, shape, index, value_shape):
    z = m.zeros(shape, dtype=m.float64)
    with m.no_grad():
        z[index] = m.arange(3.0, dtype=m.float64).reshape(value_shape)
    return z.tolist()


@pytest.mark.parametrize("name", CASES)
def test_a_value_with_leading_ones_is_assigned_as_torch(name):
    assert CASES[name](ta) == CASES[name](torch)


def test_a_value_that_does_not_fit_still_raises():
    z = ta.zeros(4)
    with pytest.raises(ValueError):
        z[3] = ta.ones(2)
