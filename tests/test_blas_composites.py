"""addmv / addr / addbmm and the in-place addmm_ / baddbmm_ / addmv_ / addr_ / addbmm_
(tinygrad_acts/composites.py) against torch: values, dtypes, gradients, errors."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_acts as ta

from tests.test_torch_compare_helpers import compare, raises_as_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

RNG = np.random.default_rng(5)
M, V3, V2 = RNG.standard_normal((2, 3)), RNG.standard_normal(3), RNG.standard_normal(2)
B1, B2 = RNG.standard_normal((4, 2, 3)), RNG.standard_normal((4, 3, 2))
NAN = np.full(2, np.nan)

CASES = [
    ("addmv", lambda m, i, a, v: m.addmv(i, a, v), [V2, M, V3]),
    ("addmv beta alpha", lambda m, i, a, v: i.addmv(a, v, beta=0.5, alpha=-2), [V2, M, V3]),
    ("addmv beta=0 ignores nan", lambda m, i, a, v: m.addmv(i, a, v, beta=0), [NAN, M, V3]),
    ("addmv broadcast", lambda m, i, a, v: m.addmv(i, a, v), [V2[:1].copy(), M, V3]),
    ("addmv float32", lambda m, i, a, v: m.addmv(i, a, v),
     [x.astype(np.float32) for x in (V2, M, V3)]),
    ("addr", lambda m, i, a, b: m.addr(i, a, b), [M, V2, V3]),
    ("addr beta alpha", lambda m, i, a, b: i.addr(a, b, beta=2, alpha=0.5), [M, V2, V3]),
    ("addr broadcast", lambda m, i, a, b: m.addr(i, a, b), [V3, V2, V3]),
    ("addbmm", lambda m, i, a, b: m.addbmm(i, a, b), [M[:, :2].copy(), B1, B2]),
    ("addbmm beta alpha", lambda m, i, a, b: i.addbmm(a, b, beta=-1, alpha=3),
     [M[:, :2].copy(), B1, B2]),
    ("addbmm broadcast", lambda m, i, a, b: m.addbmm(i, a, b), [V2, B1, B2]),
]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_same_as_torch(name, fn, arrays):
    compare(torch, fn, arrays)


@pytest.mark.parametrize("name, args", [
    ("addmm_", (M, M.T.copy())), ("baddbmm_", (B1[:, :, :2].copy(), B2[:, :2].copy())),
    ("addmv_", (M, V3)), ("addr_", (V2, V3)), ("addbmm_", (B1, B2))])
def test_inplace(name, args):
    shape = {"addmm_": (2, 2), "baddbmm_": (4, 2, 2), "addmv_": (2,), "addr_": (2, 3),
             "addbmm_": (2, 2)}[name]
    start = RNG.standard_normal(shape)
    results = []
    for m in (ta, torch):
        w = m.tensor(start.copy(), requires_grad=True)
        x = w * 1
        ops = [m.tensor(a, requires_grad=True) for a in args]
        assert getattr(x, name)(*ops, beta=0.5, alpha=2) is x
        x.sum().backward()
        results.append([x.detach().numpy(), w.grad.numpy()] + [o.grad.numpy() for o in ops])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


ERRORS = [
    ("addmv shapes", lambda m, i, a, v: m.addmv(i, a, v), [V2, M, V2]),
    ("addmv vec 2-d", lambda m, i, a, v: m.addmv(i, a, v), [V2, M, M.T.copy()]),
    ("addmv input too big", lambda m, i, a, v: m.addmv(i, a, v), [M, M, V3]),
    ("addmv dtypes", lambda m, i, a, v: m.addmv(i.float(), a, v), [V2, M, V3]),
    ("addr 2-d", lambda m, i, a, b: m.addr(i, a, b), [M, M, V3]),
    ("addbmm batches", lambda m, i, a, b: m.addbmm(i, a, b), [M[:, :2].copy(), B1, B2[:2]]),
    ("addbmm 2-d", lambda m, i, a, b: m.addbmm(i, a, b), [M, M, M]),
    ("addmv_ broadcast", lambda m, i, a, v: i.addmv_(a, v), [V2[:1].copy(), M, V3]),
]


@pytest.mark.parametrize("name, fn, arrays", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_as_torch(name, fn, arrays):
    raises_as_torch(torch, fn, arrays, ours_type=(RuntimeError, ValueError, IndexError))


def test_gradcheck_float64():
    a = ta.tensor(M, requires_grad=True)
    v = ta.tensor(V3, requires_grad=True)
    i = ta.tensor(V2, requires_grad=True)
    assert ta.gradcheck(lambda i, a, v: ta.addmv(i, a, v, beta=0.3, alpha=1.7), (i, a, v))
    b1, b2 = ta.tensor(B1, requires_grad=True), ta.tensor(B2, requires_grad=True)
    assert ta.gradcheck(lambda b1, b2: ta.addbmm(ta.zeros(2, 2, dtype=ta.float64), b1, b2),
                        (b1, b2))
