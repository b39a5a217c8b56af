"""Memory: the graph makes no reference cycles (reference counting alone frees it), and a
very long chain of ops backprops and frees without touching Python's recursion limit.

The long-run check (10,000 training steps, resident memory flat) is
``benchmarks/memory_soak.py``; a shortened run of it is the slow test at the bottom.
"""
import gc
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim


def chapter9_network() -> nn.Module:
    """The book's 784-100-10 network: tanh, dropout, softmax + cross-entropy."""
    return nn.Sequential(nn.Linear(784, 100, bias=False), nn.Tanh(), nn.Dropout(0.5),
                         nn.Linear(100, 10, bias=False))


def cycles_made_by(step, repeats: int = 3) -> list:
    """The objects that only the cycle collector could free after running ``step``."""
    step()                     # warm-up: caches and lazily made objects are not garbage
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)   # keep what the collector finds, to show it
    try:
        for _ in range(repeats):
            step()
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    return [type(obj).__name__ for obj in found]


def test_the_cycle_finder_can_fail():
    def step_with_a_cycle():
        y = ta.randn(2, requires_grad=True) * 2.0
        y.grad_fn.hooks = [y]        # a node that points back at its own output

    assert "Tensor" in cycles_made_by(step_with_a_cycle)


def test_a_training_step_makes_no_reference_cycles():
    model = chapter9_network()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ta.rand(16, 784)
    labels = ta.tensor(np.arange(16) % 10)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()

    assert cycles_made_by(step) == []


@pytest.mark.parametrize("extra", ["retain_grad", "hook", "retain_graph", "grad_of_grad",
                                   "inplace", "every_activation"])
def test_graph_features_make_no_reference_cycles(extra):
    w = ta.randn(4, 4, dtype=np.float64, requires_grad=True)
    x = ta.randn(3, 4, dtype=np.float64)

    def step():
        h = x @ w
        if extra == "retain_grad":
            h.retain_grad()
        if extra == "hook":
            h.register_hook(lambda g: g * 2.0)
        if extra == "inplace":
            h = h.clone().tanh_()
        if extra == "every_activation":
            for name in ta.activations:
                h = h + ta.activations[name](h).sum() * 0.01
        loss = (h * h).sum()
        if extra == "grad_of_grad":
            (gw,) = ta.grad(loss, w, create_graph=True)
            (gw * gw).sum().backward()
        else:
            loss.backward(retain_graph=extra == "retain_graph")
        w.grad = None

    assert cycles_made_by(step) == []


def test_the_graph_is_freed_by_reference_counting_alone():
    w = ta.randn(5, 5, requires_grad=True)
    gc.disable()
    try:
        loss = (w @ w).tanh().sum()
        node = weakref.ref(loss.grad_fn)
        loss.backward()
        del loss
        assert node() is None        # no cycle kept the graph alive: no gc needed
    finally:
        gc.enable()


def test_a_parameter_keeps_no_graph_after_backward():
    w = ta.randn(3, requires_grad=True)
    y = (w * 2.0).sum()
    node = weakref.ref(y.grad_fn)
    y.backward()
    del y
    assert node() is None and w.grad.grad_fn is None


# --- very long chains -------------------------------------------------------------------

CHAIN = 100_000


def test_a_100000_op_chain_backprops_without_recursion_error():
    assert sys.getrecursionlimit() <= 10_000   # the chain is 10x deeper than the stack
    x = ta.tensor([1.0], dtype=np.float64, requires_grad=True)
    c = 1.0 + 1e-5
    y = x
    for _ in range(CHAIN // 2):      # CHAIN ops: a multiply and an add each round
        y = y * c + 1e-6
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [c ** (CHAIN // 2)], rtol=1e-9)
    del y                            # freeing a 100,000-deep graph must not crash either


def test_a_100000_op_chain_of_activations_and_reductions():
    x = ta.tensor([[0.5, -0.25]], dtype=np.float64, requires_grad=True)
    y = x
    ops = [lambda t: t.tanh(), lambda t: t * 1.5, lambda t: t.relu() + t.sigmoid() - 0.5,
           lambda t: t.softmax(dim=1) + t, lambda t: t.reshape(2, 1).reshape(1, 2)]
    for _ in range(CHAIN // 10):     # the five lines above make ten graph nodes
        for op in ops:
            y = op(y)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_a_100000_op_chain_with_ta_grad_and_create_graph():
    x = ta.tensor(0.3, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(CHAIN // 4):      # two ops forward, about as many again in the backward
        y = (y * 1.01).tanh()
    (g,) = ta.grad(y, x, create_graph=True)
    assert np.isfinite(g.item())


def test_a_deep_graph_is_freed_without_gc_or_crash():
    gc.disable()
    try:
        x = ta.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(CHAIN):
            y = y + 1.0
        first = weakref.ref(y.grad_fn)
        del y
        assert first() is None
    finally:
        gc.enable()


# --- the soak, shortened ------------------------------------------------------------------

@pytest.mark.slow
def test_memory_soak_is_flat():
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    try:
        import memory_soak
    finally:
        sys.path.pop(0)
    result = memory_soak.soak(steps=3_000, warmup=500, report_every=0)
    if result is None:
        pytest.skip("resident memory is not readable on this platform")
    assert result["growth_mb"] < 5.0, result
