"""Activations, swept over the registry: every entry (built-in or user-registered) gets the
same checks, so registering an activation adds it here with no test edit.

Per entry: forward vs an independent numpy reference; gradient vs central differences
(float64, away from kinks and ties); second derivative vs differences of the first; the
output-based rule vs the textbook input-based derivative; reachable four ways; float32 kept;
in-place versions; the memory property; no numpy warnings for |x| up to 1e4; torch.
Then the invariants of particular activations, conventions at the kinks, and the textbook
facts the project was built from (derivatives from outputs, sigmoid's slope <= 0.25,
softmax against sigmoid on [0, ..., 0, 100], e^100).
"""
import math
import warnings
import weakref
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

from tests.helpers import check_grads, check_second_grads

# --- the table: independent numpy references (forward and textbook derivative) -------------

_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, dim=-1):
    e = np.exp(x)
    return e / e.sum(axis=dim, keepdims=True)


def _grouped(x, pieces, dim):
    """x with ``dim`` split into (groups, pieces), the pieces axis last."""
    x = np.moveaxis(x, dim, -1)
    return x.reshape(x.shape[:-1] + (x.shape[-1] // pieces, pieces))


def _maxout(x, pieces=2, dim=-1):
    return np.moveaxis(_grouped(x, pieces, dim).max(-1), -1, dim)


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
        return 0.5 * x * (1 + (np.exp(inner) - np.exp(-inner)) / (np.exp(inner) + np.exp(-inner)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


# name -> forward written from the definition (not from the library)
REFERENCES = {
    "relu": lambda x: x * (x > 0),                                   # the book's form
    "leaky_relu": lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x),
    "sigmoid": _sigmoid,
    "tanh": lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
    "softmax": _softmax,
    "log_softmax": lambda x, dim=-1: np.log(_softmax(x, dim)),
    "elu": lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(x) - 1)),
    "softplus": lambda x, beta=1.0, threshold=20.0:
        np.where(beta * x > threshold, x, np.log(1 + np.exp(beta * x)) / beta),
    "silu": lambda x: x * _sigmoid(x),
    "gelu": _gelu,
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: np.minimum(np.maximum(x, min_val), max_val),
    "maxout": _maxout,
}


def _softmax_vjp(x, g, dim=-1):
    """g . J with the explicit Jacobian J_ij = s_i (delta_ij - s_j)."""
    s, g = np.moveaxis(_softmax(x, dim), dim, -1), np.moveaxis(g, dim, -1)
    jac = np.einsum("...i,ij->...ij", s, np.eye(s.shape[-1])) - np.einsum("...i,...j->...ij", s, s)
    return np.moveaxis(np.einsum("...i,...ij->...j", g, jac), -1, dim)


def _log_softmax_vjp(x, g, dim=-1):
    """g . J with J_ij = delta_ij - s_j."""
    s = _softmax(x, dim)
    return g - s * g.sum(axis=dim, keepdims=True)


def _maxout_vjp(x, g, pieces=2, dim=-1):
    grouped = _grouped(x, pieces, dim)
    onehot = (np.arange(pieces) == grouped.argmax(-1)[..., None]) * 1.0
    out = onehot * np.moveaxis(g, dim, -1)[..., None]
    return np.moveaxis(out.reshape(out.shape[:-2] + (-1,)), -1, dim)


def _gelu_slope(x, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
        dinner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x ** 2)
        return 0.5 * (1 + np.tanh(inner)) + 0.5 * x * dinner / np.cosh(inner) ** 2
    return 0.5 * (1 + _erf(x / math.sqrt(2))) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)


# name -> the textbook derivative in terms of the INPUT, as a vector-Jacobian product
TEXTBOOK_VJP = {
    "relu": lambda x, g: g * (x > 0),
    "leaky_relu": lambda x, g, negative_slope=0.01: g * np.where(x > 0, 1.0, negative_slope),
    "sigmoid": lambda x, g: g * np.exp(-x) / (1 + np.exp(-x)) ** 2,
    "tanh": lambda x, g: g / np.cosh(x) ** 2,
    "softmax": _softmax_vjp,
    "log_softmax": _log_softmax_vjp,
    "elu": lambda x, g, alpha=1.0: g * np.where(x > 0, 1.0, alpha * np.exp(x)),
    "softplus": lambda x, g, beta=1.0, threshold=20.0:
        g * np.where(beta * x > threshold, 1.0, 1 / (1 + np.exp(-beta * x))),
    "silu": lambda x, g: g * (_sigmoid(x) + x * _sigmoid(x) * (1 - _sigmoid(x))),
    "gelu": lambda x, g, approximate="none": g * _gelu_slope(x, approximate),
    "hardtanh": lambda x, g, min_val=-1.0, max_val=1.0: g * ((x > min_val) & (x < max_val)),
    "maxout": _maxout_vjp,
}

# name -> parameter variants and input shapes; an entry not listed (e.g. a user's) is tested
# with its defaults on a (3, 4) input
VARIANTS = {
    "threshold": [{"threshold": 0.1, "value": 20.0}, {"threshold": -1.0, "value": -2.0}],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": 0.0}],
    "softmax": [{}, {"dim": 0}],
    "log_softmax": [{}, {"dim": 0}],
    "elu": [{}, {"alpha": 0.5}],
    "softplus": [{}, {"beta": 2.0, "threshold": 30.0}],
    "gelu": [{}, {"approximate": "tanh"}],
    "hardtanh": [{}, {"min_val": -2.0, "max_val": 0.5}],
    "maxout": [{"pieces": 2}, {"pieces": 3, "dim": 0}],
}
SHAPES = {("maxout", 3): (6, 2)}


class Case(NamedTuple):
    name: str
    params: dict
    shape: tuple

    @property
    def spec(self):
        return ta.activations[self.name]

    def __call__(self, x):
        return self.spec(x, **self.params)

    def __repr__(self):
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


def cases_for(name):
    return [Case(name, p, SHAPES.get((name, p.get("pieces")), (3, 4)))
            for p in VARIANTS.get(name, [{}])]


def all_cases():
    """Every registry entry, read when the tests are collected: the sweep IS the registry."""
    return [c for name in list(ta.activations) for c in cases_for(name)]


CASES = all_cases()


def away_from_kinks_and_ties(case, x, margin=0.01):
    """Move inputs off the entry's declared kinks, and (for max-like entries) off ties."""
    for k in case.spec.kink_points(**case.params):
        near = np.abs(x - k) < margin
        x = np.where(near, k + np.where(x >= k, margin, -margin), x)
    if case.spec.ties:
        x = x + np.arange(x.size).reshape(x.shape) * 0.0173
    return x


def min_gap(x):
    v = np.sort(x.ravel())
    return np.inf if v.size < 2 else np.diff(v).min()


@st.composite
def inputs(draw, case, bound=6.0):
    x = draw(hnp.arrays(np.float64, case.shape,
                        elements=st.floats(-bound, bound, allow_nan=False)))
    x = away_from_kinks_and_ties(case, x)
    if case.spec.ties:
        assume(min_gap(x) > 1e-3)
    return x


# --- the sweep: checks on random inputs -----------------------------------------------------


def check_forward(case, x):
    got = case(ta.tensor(x))
    ref = REFERENCES.get(case.name)
    # an entry without a reference (e.g. a user's) is compared to its own array forward
    want = ref(x, **case.params) if ref else case.spec.forward(x, **{**case.spec.params,
                                                                      **case.params})
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def check_gradient(case, x):
    check_grads(case, x, atol=1e-6, rtol=1e-5)


def check_gradient_saturating(case, x):
    # NOTE: at |x| ~ 40 output-based slopes are exactly 0 where the true slope is ~1e-17;
    # the comparison is dominated by atol there.
    check_grads(case, away_from_kinks_and_ties(case, x * 40 / 6), atol=1e-6, rtol=1e-3)


def check_second_derivative(case, x):
    if not case.spec.twice:  # (none in torch: tests/test_ops.py checks that it raises)
        return
    check_second_grads(case, away_from_kinks_and_ties(case, x * 0.7), atol=1e-5, rtol=1e-4)


def check_textbook_derivative(case, x):
    vjp = TEXTBOOK_VJP.get(case.name)
    if vjp is None:
        return  # user entries: the gradient check above is their test
    g = np.random.default_rng(0).standard_normal(case(ta.tensor(x)).shape)
    t = ta.tensor(x, requires_grad=True)
    case(t).backward(g)
    np.testing.assert_allclose(t.grad.numpy(), vjp(x, g, **case.params), rtol=1e-9, atol=1e-12)


def check_output_rule_needs_only_what_it_saves(case, x):
    """The rule, called directly on what the entry declares it saves, gives the gradient."""
    spec, params = case.spec, {**case.spec.params, **case.params}
    y = spec.forward(x, **params)
    g = np.random.default_rng(1).standard_normal(y.shape)
    saved = y if spec.saves == "output" else x
    t = ta.tensor(x, requires_grad=True)
    case(t).backward(g)
    np.testing.assert_allclose(spec.backward(g, saved, **params), t.grad.numpy(), rtol=1e-12)


def check_four_ways(case, x):
    t = ta.tensor(x)
    ways = {
        "functional": getattr(F, case.name)(t, **case.params),
        "registry": ta.activations[case.name](t, **case.params),
    }
    if "dim" not in case.spec.params or "dim" in case.params:  # torch's x.softmax() needs dim
        ways["method"] = getattr(t, case.name)(**case.params)
    if case.spec.module_name:  # maxout has none: nn.Maxout is a layer, tested below
        ways["module"] = getattr(nn, case.spec.module_name)(**case.params)(t)
    for way, y in ways.items():
        assert isinstance(y, ta.Tensor), way
        np.testing.assert_array_equal(y.numpy(), ways["functional"].numpy(), err_msg=way)


def check_float32_kept(case, x):
    t = ta.tensor(x.astype(np.float32), requires_grad=True)
    y = case(t)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, np.float32))
    assert t.grad.dtype == np.float32


def check_monotonic(case, x):
    if not case.spec.monotonic:
        return
    v = np.sort(x.ravel())
    assert np.all(np.diff(case(ta.tensor(v)).numpy()) >= 0)


RANDOM_CHECKS = [check_forward, check_gradient, check_gradient_saturating,
                 check_second_derivative, check_textbook_derivative,
                 check_output_rule_needs_only_what_it_saves, check_four_ways,
                 check_float32_kept, check_monotonic]


def run_checks(checks, case, x):
    for check in checks:
        try:
            check(case, x)
        except Exception as e:
            e.add_note(f"in {check.__name__} for {case!r}")
            raise


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_sweep_random(case, data):
    # all the checks on each drawn input (one draw, many checks: Hypothesis costs per draw)
    run_checks(RANDOM_CHECKS, case, data.draw(inputs(case)))


# --- the sweep: checks at fixed points ------------------------------------------------------

EXTREMES = np.array([-1e4, -100.0, -20.0, -1.0, -0.5, 0.0, 0.5, 1.0, 20.0, 100.0, 1e4, 3.0])


def check_no_warnings_at_extremes(case, _x):
    for dtype in (np.float32, np.float64):
        x = ta.tensor(np.resize(EXTREMES, case.shape).astype(dtype), requires_grad=True)
        with warnings.catch_warnings(), np.errstate(over="raise", divide="raise",
                                                    invalid="raise"):
            warnings.simplefilter("error")
            y = case(x)
            y.backward(np.ones(y.shape, dtype))
        assert np.all(np.isfinite(y.numpy())), f"{dtype.__name__} output"
        assert np.all(np.isfinite(x.grad.numpy())), f"{dtype.__name__} gradient"


def check_in_place(case, x):
    """Output-based elementwise rules run in place (method and nn module) with the same
    gradient; a later in-place change of the output is caught. Others refuse."""
    spec = case.spec
    module = getattr(nn, spec.module_name) if spec.module_name else None
    if not spec.inplace_ok:
        with pytest.raises(RuntimeError, match="in place"):
            getattr(ta.tensor(x) * 1, case.name + "_")(**case.params)
        if module is not None:
            with pytest.raises(ValueError, match="inplace"):
                module(inplace=True, **case.params)
        return
    g = np.random.default_rng(2).standard_normal(x.shape)
    want = ta.tensor(x, requires_grad=True)
    (case(want * 3) * 2).backward(g)
    routes = [lambda h: getattr(h, case.name + "_")(**case.params),
              lambda h: module(inplace=True, **case.params)(h)]
    for route in routes:
        t = ta.tensor(x, requires_grad=True)
        h = t * 3
        y = route(h)
        assert y is h and h.grad_fn.name.startswith(spec.node.__name__)
        np.testing.assert_array_equal(h.numpy(), case(ta.tensor(x * 3)).numpy())
        (y * 2).backward(g)
        np.testing.assert_allclose(t.grad.numpy(), want.grad.numpy(), rtol=1e-12)
    t = ta.tensor(x, requires_grad=True)
    y = getattr(t * 3, case.name + "_")(**case.params)
    y.add_(1.0)
    with pytest.raises(RuntimeError, match=f"{spec.node.__name__}Backward.*in-place"):
        y.sum().backward()


def check_memory(case, x):
    """h = a @ W; y = act(h); del h: an output-based rule lets h's array die, and y still
    backprops correctly; an input-based rule keeps it until backward."""
    rows, cols = case.shape
    a_np = np.linspace(-1, 1, rows * 5).reshape(rows, 5)
    w_np = np.linspace(-2, 2, 5 * cols).reshape(5, cols) + x[:1].sum()
    a, w = ta.tensor(a_np, requires_grad=True), ta.tensor(w_np, requires_grad=True)
    h = a @ w
    y = case(h)
    ref = weakref.ref(h._array)
    del h  # reference counting alone must free it: no gc.collect()
    if case.spec.saves == "output":
        assert ref() is None, "the graph kept the input array alive"
    else:
        assert ref() is not None, "an input-based rule must keep its input"
    g = np.random.default_rng(3).standard_normal(y.shape)
    y.backward(g)
    a2, w2 = ta.tensor(a_np, requires_grad=True), ta.tensor(w_np, requires_grad=True)
    case(a2 @ w2).backward(g)
    np.testing.assert_allclose(a.grad.numpy(), a2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy(), rtol=1e-12)
    assert ref() is None, "the saved array outlived backward"


def check_registry_entry(case, x):
    spec = case.spec
    assert spec.saves in ("output", "input")
    assert spec.inplace_ok == (spec.saves == "output" and spec.elementwise)
    assert spec.name == case.name and spec.doc
    # an nn class named as PyTorch's, or none ("") where the nn name is taken by a layer
    assert spec.module_name.isidentifier() or spec.module_name == ""
    if spec.module_name:
        assert issubclass(getattr(nn, spec.module_name), nn.Activation)
    assert set(case.params) <= set(spec.params)


FIXED_CHECKS = [check_no_warnings_at_extremes, check_in_place, check_memory,
                check_registry_entry]


@pytest.mark.parametrize("check", FIXED_CHECKS, ids=lambda c: c.__name__[6:])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_sweep_fixed(case, check):
    x = away_from_kinks_and_ties(case, np.random.default_rng(7).uniform(-3, 3, case.shape))
    check(case, x)


# --- proof that a user-registered activation is swept --------------------------------------


@pytest.fixture
def user_activations():
    """softsign written as a user would (input-based) and LeCun's scaled tanh
    (output-based)."""
    names = ["my_softsign", "scaled_tanh"]
    ta.register_activation(
        "my_softsign",
        forward=lambda x: x / (1 + abs(x)),
        backward=lambda grad, x: grad / (1 + abs(x)) ** 2,
        saves="input", monotonic=True)
    ta.register_activation(
        "scaled_tanh",
        forward=lambda x: 1.7159 * np.tanh(x * (2 / 3)),
        backward=lambda grad, y: grad * (2 / 3) * (1.7159 - y * y / 1.7159),
        saves="output", monotonic=True)
    yield names
    for name in names:
        ta.unregister_activation(name)


def test_user_registered_activation_is_swept_with_no_test_edit(user_activations):
    swept = {c.name for c in all_cases()}
    assert set(user_activations) <= swept
    rng = np.random.default_rng(11)
    for case in [c for c in all_cases() if c.name in user_activations]:
        run_checks(RANDOM_CHECKS + FIXED_CHECKS, case, rng.uniform(-3, 3, case.shape))
    t = ta.tensor([1.0, -3.0])
    assert t.my_softsign().tolist() == [0.5, -0.75]
    assert F.my_softsign(t).tolist() == nn.MySoftsign()(t).tolist() == [0.5, -0.75]
    assert repr(nn.ScaledTanh()) == "ScaledTanh()"


def test_unregistering_removes_it_everywhere(user_activations):
    for name in user_activations:
        ta.unregister_activation(name)
    for name, module in [("my_softsign", "MySoftsign"), ("scaled_tanh", "ScaledTanh")]:
        assert name not in ta.activations and name not in {c.name for c in all_cases()}
        assert not hasattr(F, name) and not hasattr(nn, module)
        with pytest.raises(AttributeError):
            getattr(ta.tensor([1.0]), name)


def test_a_wrong_user_rule_is_caught_by_the_sweep():
    """The sweep can fail: a rule with a wrong derivative does not pass the gradient check."""
    ta.register_activation("bad_softsign", forward=lambda x: x / (1 + abs(x)),
                           backward=lambda grad, x: grad / (1 + abs(x)), saves="input")
    try:
        case = cases_for("bad_softsign")[0]
        with pytest.raises(AssertionError):
            check_gradient(case, np.linspace(-2, 2, 12).reshape(case.shape))
    finally:
        ta.unregister_activation("bad_softsign")


@pytest.mark.parametrize("bad, error", [
    (dict(name="not an identifier"), ValueError),
    (dict(name="relu"), ValueError),                 # already registered
    (dict(name="reshape"), ValueError),              # would shadow a Tensor method
    (dict(name="ok_name", saves="both"), ValueError),
])
def test_register_activation_refuses_bad_entries(bad, error):
    args = dict(name="ok_name", forward=np.tanh, backward=lambda g, y: g * (1 - y * y),
                saves="output") | bad
    with pytest.raises(error):
        ta.register_activation(**args)
    assert "ok_name" not in ta.activations


# --- the layer nn.Maxout ----------------------------------------------------------------------


def test_maxout_layer_is_a_linear_map_then_maxout():
    layer = nn.Maxout(3, 4, pieces=2)
    assert layer.linear.weight.shape == (8, 3)
    x = ta.randn(5, 3)
    want = F.maxout(x @ layer.linear.weight.T + layer.linear.bias, 2)
    np.testing.assert_allclose(layer(x).numpy(), want.numpy(), rtol=1e-6)
    assert layer(x).shape == (5, 4)


def test_maxout_generalises_relu_and_leaky_relu():
    x = np.linspace(-2, 2, 9)
    pieces = ta.tensor(np.stack([x, 0 * x], axis=-1).reshape(-1))
    np.testing.assert_array_equal(F.maxout(pieces, 2).numpy(), ta.tensor(x).relu().numpy())
    pieces = ta.tensor(np.stack([x, 0.1 * x], axis=-1).reshape(-1))
    np.testing.assert_allclose(F.maxout(pieces, 2).numpy(),
                               ta.tensor(x).leaky_relu(0.1).numpy())


def test_maxout_refuses_a_size_that_is_not_a_multiple_of_pieces():
    with pytest.raises(ValueError, match="multiple of pieces=3"):
        F.maxout(ta.ones(2, 4), 3)


# --- invariants of particular activations ---------------------------------------------------

finite = dict(allow_nan=False, allow_infinity=False)
rows = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5),
                  elements=st.floats(-50, 50, **finite))
vectors = hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-30, 30, **finite))


@given(rows, st.floats(-100, 100, **finite), st.sampled_from([0, 1, -1]))
def test_softmax_rows_sum_to_one_and_ignore_shifts(x, shift, dim):
    y = ta.tensor(x).softmax(dim).numpy()
    np.testing.assert_allclose(y.sum(axis=dim), 1.0, rtol=1e-12)
    assert np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(ta.tensor(x + shift).softmax(dim).numpy(), y, atol=1e-12)


@given(rows, st.integers(0, 2 ** 32 - 1))
def test_softmax_gradient_rows_sum_to_zero(x, seed):
    t = ta.tensor(x, requires_grad=True)
    t.softmax(-1).backward(np.random.default_rng(seed).standard_normal(x.shape))
    np.testing.assert_allclose(t.grad.numpy().sum(axis=-1), 0.0, atol=1e-12)


@given(rows, st.sampled_from([0, -1]))
def test_log_softmax_exponentiates_to_a_distribution(x, dim):
    y = ta.tensor(x).log_softmax(dim).numpy()
    assert np.all(y <= 0)
    np.testing.assert_allclose(np.exp(y).sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_allclose(y, np.log(ta.tensor(x).softmax(dim).numpy()), atol=1e-9)


@given(vectors)
def test_sigmoid_symmetry_and_slope_bound(x):
    s = ta.tensor(x).sigmoid().numpy()
    np.testing.assert_allclose(ta.tensor(-x).sigmoid().numpy(), 1 - s, atol=1e-15)
    t = ta.tensor(x, requires_grad=True)
    t.sigmoid().sum().backward()
    assert np.all(t.grad.numpy() <= 0.25) and np.all(t.grad.numpy() >= 0)


@given(vectors)
def test_tanh_is_odd(x):
    np.testing.assert_array_equal(ta.tensor(-x).tanh().numpy(), -ta.tensor(x).tanh().numpy())


@given(vectors)
def test_relu_is_idempotent_and_leaky_is_identity_for_positive_inputs(x):
    r = ta.tensor(x).relu()
    np.testing.assert_array_equal(r.relu().numpy(), r.numpy())
    for slope in (0.01, 0.3):
        y = ta.tensor(x).leaky_relu(slope).numpy()
        np.testing.assert_array_equal(y[x > 0], x[x > 0])


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.sampled_from([2, 4, 6])),
                  elements=st.floats(-10, 10, **finite)), st.sampled_from([1, 2]))
def test_maxout_is_at_least_every_piece(x, pieces):
    y = ta.tensor(x).maxout(pieces).numpy()
    for k in range(pieces):
        assert np.all(y >= x[:, k::pieces])


# --- conventions exactly at the point -------------------------------------------------------

# (name, params, input, exact gradient of the sum)
AT_THE_POINT = [
    ("relu", {}, [0.0, -1.0, 2.0], [0.0, 0.0, 1.0]),                 # relu'(0) = 0
    ("leaky_relu", {}, [0.0], [0.01]),                                # leaky'(0) = slope
    ("leaky_relu", {"negative_slope": 0.2}, [0.0, -1.0, 1.0], [0.2, 0.2, 1.0]),
    ("elu", {"alpha": 0.5}, [0.0], [0.5]),                            # as PyTorch
    ("hardtanh", {}, [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]),              # as PyTorch
    ("sigmoid", {}, [0.0], [0.25]),                                   # the 0.25 bound
    ("tanh", {}, [0.0], [1.0]),
    ("maxout", {"pieces": 2}, [1.0, 1.0, 0.0, 2.0], [0.5, 0.5, 0.0, 1.0]),  # tie split
    ("maxout", {"pieces": 3}, [2.0, 2.0, 2.0], [1 / 3, 1 / 3, 1 / 3]),
    ("maxout", {"pieces": 4}, [5.0, -1.0, 5.0, 0.0], [0.5, 0.0, 0.5, 0.0]),
]


@pytest.mark.parametrize("name, params, x, want", AT_THE_POINT,
                         ids=[f"{r[0]}{r[1] or ''}@{r[2]}" for r in AT_THE_POINT])
def test_conventions_at_kinks_and_ties(name, params, x, want):
    t = ta.tensor(np.array(x), requires_grad=True)
    ta.activations[name](t, **params).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), want)


@pytest.mark.parametrize("inplace", ["relu_", "leaky_relu_"])
def test_in_place_convention_at_zero(inplace):
    t = ta.tensor(np.zeros(2), requires_grad=True)
    getattr(t * 1, inplace)().sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 0.0] if inplace == "relu_" else
                                  [0.01, 0.01])


@pytest.mark.parametrize("make", [
    lambda: ta.tensor([1.0]).leaky_relu(-0.1),
    lambda: F.leaky_relu(ta.tensor([1.0]), negative_slope=-0.1),
    lambda: ta.activations["leaky_relu"](ta.tensor([1.0]), negative_slope=-0.1),
    lambda: nn.LeakyReLU(-0.1),
    lambda: nn.LeakyReLU(negative_slope=-0.1),
])
def test_negative_leaky_slope_is_refused(make):
    with pytest.raises(ValueError, match="negative_slope"):
        make()


@pytest.mark.parametrize("make", [
    lambda: ta.activations["relu"](ta.tensor([1.0]), negative_slope=0.1),
    lambda: ta.tensor([1.0]).softmax(dim=0, bogus=1),
    lambda: nn.Tanh(alpha=2.0),
    lambda: nn.ReLU(True, True),
])
def test_unknown_parameter_is_an_error(make):
    with pytest.raises(TypeError):
        make()


def test_in_place_under_no_grad_and_on_a_leaf():
    x = ta.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.relu_()
    with ta.no_grad():
        x.relu_()
    assert x.tolist() == [0.0, 2.0]
    y = ta.tensor([-1.0, 2.0])
    assert F.relu(y, inplace=True) is y and y.tolist() == [0.0, 2.0]


# --- the textbook facts -----------------------------------------------------------------------


def test_seed_facts_2_derivatives_from_outputs():
    """The book's table: each derivative written from the output equals the true one."""
    x = np.linspace(-3, 3, 13)
    cases = {
        "relu": (lambda i: i * (i > 0), lambda o: o > 0),
        "sigmoid": (lambda i: 1 / (1 + np.exp(-i)), lambda o: o * (1 - o)),
        "tanh": (np.tanh, lambda o: 1 - o ** 2),
    }
    for name, (forward, deriv) in cases.items():
        t = ta.tensor(x, requires_grad=True)
        out = getattr(t, name)()
        np.testing.assert_allclose(out.numpy(), forward(x), rtol=1e-12)
        out.sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), deriv(forward(x)), rtol=1e-12)


@pytest.mark.parametrize("via", ["log_softmax", "softmax then log"])
def test_seed_facts_2_softmax_with_cross_entropy_gives_output_minus_true_over_n(via):
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 2.0, 2.0], [5.0, 0.0, 1.0]])
    true = np.eye(3)[[1, 2, 0, 0]]
    t = ta.tensor(logits, requires_grad=True)
    logp = t.log_softmax(-1) if via == "log_softmax" else t.softmax(-1).log()
    (-(logp * ta.tensor(true)).sum() / len(true)).backward()
    output = _softmax(logits)
    np.testing.assert_allclose(t.grad.numpy(), (output - true) / len(true), atol=1e-15)


def test_seed_facts_4_sigmoid_vs_softmax_on_raw_outputs():
    raw = ta.tensor([0.0] * 9 + [100.0])
    target = np.eye(10)[9]
    s = raw.sigmoid().numpy()
    np.testing.assert_array_equal(s[:9], 0.5)
    assert f"{s[9]:.2f}" == "1.00"
    np.testing.assert_array_equal((s[:9] - target[:9]) ** 2, 0.25)
    p = raw.softmax(-1).numpy()
    assert [f"{v:.1f}" for v in p] == ["0.0"] * 9 + ["1.0"]
    assert np.array2string(p, precision=4, suppress_small=True).count("0.") == 9
    e100 = ta.tensor(100.0, dtype=np.float64).exp().item()
    assert f"{e100:.3e}" == "2.688e+43"


def test_seed_facts_5_sigmoid_slope_is_at_most_a_quarter():
    x = ta.tensor(np.linspace(-10, 10, 2001), requires_grad=True)
    x.sigmoid().sum().backward()
    slope = x.grad.numpy()
    assert slope.max() == 0.25 and np.all(slope <= 0.25)
    # so each sigmoid layer shrinks the backpropagated error by at least 75%
    for layers in range(1, 6):
        h = ta.tensor(np.linspace(-3, 3, 7), requires_grad=True)
        y = h
        for _ in range(layers):
            y = y.sigmoid()
        y.sum().backward()
        assert np.all(h.grad.numpy() <= 0.25 ** layers)


def test_builtin_docs_give_both_rules_and_what_they_keep():
    for name in REFERENCES:
        spec = ta.activations[name]
        assert spec.doc.startswith(name) and f"(from the {spec.saves})" in spec.doc, spec.doc
        assert spec.saves == ("input" if name in ("silu", "gelu", "maxout") else "output")


# --- cross-check against PyTorch --------------------------------------------------------------


def _torch_fns(torch):
    tf = torch.nn.functional
    return {
        "relu": lambda x: torch.relu(x),
        "leaky_relu": lambda x, negative_slope=0.01: tf.leaky_relu(x, negative_slope),
        "sigmoid": torch.sigmoid, "tanh": torch.tanh,
        "softmax": lambda x, dim=-1: torch.softmax(x, dim),
        "log_softmax": lambda x, dim=-1: torch.log_softmax(x, dim),
        "elu": lambda x, alpha=1.0: tf.elu(x, alpha),
        "softplus": lambda x, beta=1.0, threshold=20.0: tf.softplus(x, beta, threshold),
        "silu": tf.silu, "gelu": lambda x, approximate="none": tf.gelu(x, approximate=approximate),
        "hardtanh": lambda x, min_val=-1.0, max_val=1.0: tf.hardtanh(x, min_val, max_val),
        "maxout": lambda x, pieces=2, dim=-1:
            x.unflatten(dim, (-1, pieces)).amax(dim % x.ndim + 1),
    }


@pytest.mark.torch
@pytest.mark.parametrize("case", [c for c in CASES if c.name in REFERENCES], ids=repr)
def test_forward_and_gradient_match_torch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.uniform(-5, 5, case.shape)
    if case.spec.elementwise:  # exactly at the kinks too: the conventions are PyTorch's
        kinks = case.spec.kink_points(**case.params)
        x.flat[:len(kinks)] = kinks
    t, tt = ta.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = case(t), _torch_fns(torch)[case.name](tt, **case.params)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-8)


@pytest.mark.torch
def test_module_names_are_pytorchs():
    torch = pytest.importorskip("torch")
    for name in REFERENCES:
        if ta.activations[name].module_name:
            assert hasattr(torch.nn, ta.activations[name].module_name), name
