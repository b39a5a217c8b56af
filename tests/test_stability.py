"""Numerical stability: every activation, every loss and the softmax family give finite
outputs and finite gradients, with no numpy warning, for inputs up to |x| = 1e4 in float32
and float64; and the textbook extreme cases give the exact answer.

Each check runs under ``strict_numpy()``: numpy raises on overflow, invalid (nan-making)
operations and division by zero, and any warning is an error.
"""
import contextlib
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_acts as ta
import tinygrad_acts.functional as F

BIG = 1e4
DTYPES = [np.float32, np.float64]
EXTREMES = [BIG, -BIG, 0.0, 1.0, -1.0, 20.0, -20.0, 88.7, -88.7, 709.0, -745.0, 1e-30]


@contextlib.contextmanager
def strict_numpy():
    # NOTE: underflow is left alone on purpose: e^-1e4 rounding to 0 (in a softmax, a
    # sigmoid, a gelu's e^(-x^2/2)) is the correct float answer, not an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def extreme_arrays(dtype, shape):
    """Arrays up to |x| = 1e4, biased towards the values where things go wrong."""
    width = 32 if dtype == np.float32 else 64
    values = st.floats(-BIG, BIG, width=width) | st.sampled_from(EXTREMES)
    return arrays(dtype, shape, elements=values)


def shapes():
    # an even last dimension, so maxout's groups of two fit
    return st.tuples(st.integers(1, 3), st.sampled_from([2, 4, 6]))


def assert_finite(name, **arrays_by_role):
    for role, value in arrays_by_role.items():
        arr = np.asarray(value.numpy() if isinstance(value, ta.Tensor) else value)
        assert np.isfinite(arr).all(), f"{name}: non-finite {role}: {arr}"


# --- every activation, by name from the registry ----------------------------------------

EXTRA_PARAMS = {
    "leaky_relu": [{"negative_slope": 0.2}],
    "elu": [{"alpha": 0.5}],
    "softplus": [{"beta": 2.0}, {"beta": 0.5, "threshold": 25.0}],
    "gelu": [{"approximate": "tanh"}],
    "hardtanh": [{"min_val": -2.0, "max_val": 3.0}],
    "softmax": [{"dim": 0}],
    "log_softmax": [{"dim": 0}],
    "maxout": [{"pieces": 2, "dim": -1}],
}
ACTIVATION_CASES = [(name, params) for name in ta.activations
                    for params in [{}] + EXTRA_PARAMS.get(name, [])]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name, params", ACTIVATION_CASES,
                         ids=[f"{n}{p or ''}" for n, p in ACTIVATION_CASES])
@given(data=st.data())
def test_activation_is_finite_at_extremes(name, params, dtype, data):
    shape = data.draw(shapes())
    x_arr = data.draw(extreme_arrays(dtype, shape))
    x = ta.tensor(x_arr, requires_grad=True)
    with strict_numpy():
        y = ta.activations[name](x, **params)
        weight = np.linspace(-1, 1, y.numel()).reshape(y.shape).astype(dtype)
        y.backward(weight)
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert_finite(name, output=y, gradient=x.grad)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@given(data=st.data())
def test_softmax_family_keeps_its_invariants_at_extremes(dtype, data):
    x = ta.tensor(data.draw(extreme_arrays(dtype, data.draw(shapes()))))
    with strict_numpy():
        p = x.softmax(dim=1).numpy()
        logp = x.log_softmax(dim=1).numpy()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=tol)
    assert (p >= 0).all() and (p <= 1).all() and (logp <= 0).all()
    # log_softmax is exact where log(softmax) would say log(0) = -inf
    np.testing.assert_allclose(np.exp(logp), p, rtol=tol, atol=tol)


# --- every loss --------------------------------------------------------------------------

def labels_for(data, rows, classes):
    return np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=rows,
                                       max_size=rows)))


def run_loss(name, fn, *inputs):
    with strict_numpy():
        loss = fn(*inputs)
        loss.backward()
    assert_finite(name, loss=loss)
    for i, t in enumerate(inputs):
        if isinstance(t, ta.Tensor) and t.requires_grad:
            assert_finite(name, **{f"gradient of input {i}": t.grad})
    return loss


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@given(data=st.data())
def test_cross_entropy_and_nll_are_finite_at_extremes(dtype, reduction, data):
    rows, classes = data.draw(shapes())
    logits = data.draw(extreme_arrays(dtype, (rows, classes)))
    labels = ta.tensor(labels_for(data, rows, classes))

    def summed(loss):
        return loss.sum() if reduction == "none" else loss

    x = ta.tensor(logits, requires_grad=True)
    run_loss("cross_entropy", lambda x: summed(F.cross_entropy(x, labels, reduction=reduction)), x)
    x = ta.tensor(logits, requires_grad=True)
    run_loss("nll_loss(log_softmax)",
             lambda x: summed(F.nll_loss(x.log_softmax(dim=1), labels, reduction=reduction)), x)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@given(data=st.data())
def test_binary_losses_and_mse_are_finite_at_extremes(dtype, data):
    shape = data.draw(shapes())
    logits = data.draw(extreme_arrays(dtype, shape))
    targets = data.draw(arrays(dtype, shape, elements=st.sampled_from([0.0, 1.0, 0.25])))
    x = ta.tensor(logits, requires_grad=True)
    t = ta.tensor(targets, requires_grad=True)
    run_loss("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, x, t)
    # probabilities of exactly 0 and 1 (sigmoid(+-1e4)) are clamped, as in PyTorch
    x = ta.tensor(logits, requires_grad=True)
    run_loss("binary_cross_entropy(sigmoid)",
             lambda x, t: F.binary_cross_entropy(x.sigmoid(), t), x, ta.tensor(targets))
    other = ta.tensor(data.draw(extreme_arrays(dtype, shape)), requires_grad=True)
    x = ta.tensor(logits, requires_grad=True)
    run_loss("mse_loss", F.mse_loss, x, other)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_binary_cross_entropy_of_exact_zeros_and_ones(dtype):
    p = ta.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype), requires_grad=True)
    t = ta.tensor(np.array([0.0, 1.0, 1.0, 0.0], dtype))
    loss = run_loss("binary_cross_entropy",
                    lambda p: F.binary_cross_entropy(p, t, None, reduction="sum"), p)
    assert loss.item() == pytest.approx(200.0)    # two logs clamped at -100


# --- exact answers at the extremes ---------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_cross_entropy_of_huge_logits_is_exact(dtype):
    logits = ta.tensor(np.array([[BIG, -BIG], [BIG, -BIG], [BIG, BIG]], dtype),
                       requires_grad=True)
    with strict_numpy():
        losses = F.cross_entropy(logits, ta.tensor([0, 1, 1]), reduction="none")
        losses.sum().backward()
    assert losses.numpy()[0] == 0.0                      # -log(1): exactly right
    assert losses.numpy()[1] == 2 * BIG                  # logsumexp - x[1] = 1e4 + 1e4
    assert losses.numpy()[2] == pytest.approx(math.log(2), rel=1e-6)
    np.testing.assert_array_equal(logits.grad.numpy(),
                                  np.array([[0, 0], [1, -1], [0.5, -0.5]], dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_softmax_family_of_huge_logits_is_exact(dtype):
    x = ta.tensor(np.array([BIG, -BIG], dtype))
    with strict_numpy():
        np.testing.assert_array_equal(x.softmax(-1).numpy(), [1.0, 0.0])
        np.testing.assert_array_equal(x.log_softmax(-1).numpy(), [0.0, -2 * BIG])
        np.testing.assert_array_equal(x.sigmoid().numpy(), [1.0, 0.0])
        np.testing.assert_array_equal(x.softplus().numpy(), [BIG, 0.0])
    with strict_numpy():
        loss = F.binary_cross_entropy_with_logits(x, ta.tensor(np.array([0.0, 1.0], dtype)),
                                                  reduction="none")
    np.testing.assert_array_equal(loss.numpy(), [BIG, BIG])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_log_sigmoid_has_a_stable_spelling(dtype):
    """log(sigmoid(x)) overflows to -inf for very negative x (and its gradient to nan);
    -softplus(-x) is the same function, exact and finite everywhere (docs/guarantees.md)."""
    values = np.array([-BIG, -100.0, -1.0, 0.0, 1.0, 100.0, BIG], dtype)
    x = ta.tensor(values, requires_grad=True)
    with strict_numpy():
        y = -(-x).softplus()
        y.sum().backward()
    exact = values.astype(np.float64)
    want = -np.logaddexp(0.0, -exact)                   # log(sigmoid(x)), stably
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6, atol=1e-40)
    slope = np.exp(-np.logaddexp(0.0, exact))           # sigmoid(-x), its derivative
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-6, atol=1e-40)
    # the naive spelling really does break (quietly, as in torch: -inf where sigmoid
    # underflows): this is why the alternative is documented
    naive = ta.tensor(values).sigmoid().log().numpy()
    assert np.isneginf(naive[0]) and np.isfinite(y.numpy()[0])
