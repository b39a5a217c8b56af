"""gradcheck / gradgradcheck: they pass on every op and activation, and they FAIL, naming the
right elements and the right mistake, on deliberately wrong rules (a checker that cannot
fail proves nothing)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_acts as ta
from tinygrad_acts import testing
from tinygrad_acts.activations import _stable_sigmoid
from tinygrad_acts.autograd import Function

# gradgradcheck over every activation is the slow part of this file: fewer examples there
FEW = settings(max_examples=min(settings.default.max_examples, 12))


def T(values, **kw):
    return ta.tensor(np.asarray(values, dtype=np.float64), requires_grad=True, **kw)


def make_op(forward, backward, saves="output"):
    """A one-input op with the given rule (``backward(grad, saved)``), outside the registry."""
    class Op(Function):
        def forward(self, x):
            y = forward(x)
            self.save(y if saves == "output" else x)
            return y

        def backward(self, g, s):
            return backward(g, s)

    return lambda x: Op.apply(x)


# --- the table of classic mistakes ------------------------------------------------------
# name -> (op with the wrong rule, the diagnosis it must get (None: no fixed wording))
sigmoid, tanh = _stable_sigmoid, np.tanh
MISTAKES = {
    "sign": (make_op(sigmoid, lambda g, y: -g * y * (1 - y)), "sign error"),
    "factor 2": (make_op(sigmoid, lambda g, y: 2 * g * y * (1 - y)), "constant factor"),
    "factor 1/2": (make_op(tanh, lambda g, y: g * (1 - y * y) / 2), "constant factor"),
    "missing upstream": (make_op(sigmoid, lambda g, y: y * (1 - y)),
                         "missing upstream gradient"),
    "rule fed x, needs y": (make_op(sigmoid, lambda g, x: g * x * (1 - x), "input"),
                            "rule fed the input where it needs the output"),
    "rule fed y, needs x": (make_op(tanh, lambda g, y: g * (1 - np.tanh(y) ** 2)),
                            "rule fed the output where it needs the input"),
    "wrong formula": (make_op(tanh, lambda g, y: g * (1 - y)), None),
}
CORRECT = {
    "sigmoid": make_op(sigmoid, lambda g, y: g * y * (1 - y)),
    "tanh": make_op(tanh, lambda g, y: g * (1 - y * y)),
}
X = T(np.linspace(-3, 3, 12).reshape(3, 4))


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_fails_with_its_own_diagnosis_only(name):
    fn, expected = MISTAKES[name]
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(fn, X)
    err = info.value
    if expected is None:
        assert err.diagnoses == []
    else:
        assert len(err.diagnoses) == 1, err.diagnoses
        assert err.diagnoses[0].startswith(expected)
        assert "diagnosis:" in str(err)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_rules_pass_and_rounding_noise_gets_no_diagnosis(name):
    assert ta.gradcheck(CORRECT[name], X)
    # with zero tolerance a correct rule fails on rounding alone: no mistake may be named
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(CORRECT[name], X, atol=0, rtol=0)
    assert info.value.diagnoses == []


def test_factor_diagnosis_names_the_factor():
    for name, shown in (("factor 2", "analytic = 2 x numeric"),
                        ("factor 1/2", "analytic = 1/2 x numeric"),
                        ("sign", "analytic = -numeric")):
        with pytest.raises(ta.GradcheckError) as info:
            ta.gradcheck(MISTAKES[name][0], X)
        assert shown in info.value.diagnoses[0]


def test_off_by_2x_only_where_y_above_07_flags_exactly_those_elements():
    wrong = make_op(sigmoid, lambda g, y: np.where(y > 0.7, 2.0, 1.0) * g * y * (1 - y))
    x = T(np.linspace(-3, 3, 25).reshape(5, 5))
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(wrong, x)
    err = info.value
    want = {tuple(int(i) for i in idx) for idx in np.argwhere(sigmoid(x.numpy()) > 0.7)}
    assert {m.element for m in err.mismatches} == want
    assert err.n_failed == len(want) and err.n_total == 25
    assert f"{len(want)} of 25 input elements" in str(err)
    for m in err.mismatches:
        assert m.analytic == pytest.approx(2 * m.numeric, rel=1e-6)
        assert m.x == x.numpy()[m.element]
    assert "analytic = 2 x numeric" in err.diagnoses[0]


def test_report_is_a_short_table_worst_first():
    x = T(np.linspace(-3, 3, 30))
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(MISTAKES["sign"][0], x)
    err = info.value
    text = str(err)
    header = next(line for line in text.splitlines() if line.startswith("input"))
    for column in ("element", "x", "analytic", "numeric", "abs err", "rel err"):
        assert column in header
    rows = [line for line in text.splitlines() if line.startswith("0 ")]
    assert len(rows) == 10
    assert "... and 20 more" in text and "30 of 30 input elements" in text
    errors = [m.abs_err for m in err.mismatches]
    assert errors == sorted(errors, reverse=True)
    assert max(len(line) for line in text.splitlines()) <= 100


def test_missing_upstream_caught_even_through_a_sum():
    # a scalar output sends exactly 1 upstream without the row scaling gradcheck applies
    fn = MISTAKES["missing upstream"][0]
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(lambda x: fn(x).sum(), X)
    assert info.value.diagnoses[0].startswith("missing upstream gradient")


def test_wrong_shape_forgot_to_unbroadcast():
    class BadAdd(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g, g  # forgot to sum b's gradient back to (1, 3)

    a, b = T(np.ones((4, 3))), T(np.ones((1, 3)))
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(lambda a, b: BadAdd.apply(a, b), (a, b))
    err = info.value
    assert "shape (4, 3) for input 1, which has shape (1, 3)" in str(err).replace("\n", " ")
    assert err.diagnoses[0].startswith("wrong shape")
    assert "axes (0,)" in err.diagnoses[0] and "agrees" in err.diagnoses[0]
    assert ta.gradcheck(lambda a, b: a + b, (a, b))


def test_zero_gradient_diagnosis():
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(make_op(np.tanh, lambda g, y: g * 0), X)
    assert info.value.diagnoses[0].startswith("zero gradient")


# --- kinks -------------------------------------------------------------------------------


def test_declared_kink_accepts_any_subgradient():
    x = T([0.0, 1e-7, -1e-7, 1.0, -1.0])
    assert ta.gradcheck(ta.activations["relu"], x)          # kinks from the registry
    assert ta.gradcheck(lambda t: t.relu(), x, kinks=[0.0])  # or given
    assert ta.gradcheck(lambda t: t.relu(), x, kinks=[0.0], fast_mode=True)
    assert ta.gradcheck(ta.activations["leaky_relu"], x)
    assert ta.gradcheck(ta.activations["hardtanh"], T([-1.0, 1.0, 0.5]))
    assert ta.gradgradcheck(ta.activations["relu"], x)


def test_undeclared_kink_fails_and_says_kink():
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(lambda t: t.relu(), T([0.0, 1.0]))
    err = info.value
    assert [m.element for m in err.mismatches] == [(0,)]
    assert err.diagnoses[-1].startswith("kink: the one-sided differences disagree at x=0")


def test_invalid_subgradient_at_a_kink_fails():
    bad = make_op(lambda x: np.maximum(x, 0), lambda g, y: g * np.where(y > 0, 1.0, 2.0))
    for fast in (False, True):
        with pytest.raises(ta.GradcheckError) as info:
            ta.gradcheck(bad, T([0.0, 1.0, -1.0]), kinks=[0.0], fast_mode=fast)
        at_kink = [m for m in info.value.mismatches if m.element == (0,)]
        assert at_kink and at_kink[0].kink == (0.0, 1.0)
        assert "kink: want a value in [0, 1]" in str(info.value)


# --- fast mode ---------------------------------------------------------------------------

BIG = T(np.random.default_rng(1).uniform(-3, 3, 1000))


@pytest.mark.parametrize("name", MISTAKES)
def test_fast_mode_catches_the_same_mistakes_on_1000_elements(name):
    fn = MISTAKES[name][0]
    for fast in (True, False):
        assert not ta.gradcheck(fn, BIG, fast_mode=fast, raise_exception=False)


def test_fast_mode_failure_still_names_elements():
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(MISTAKES["factor 2"][0], X, fast_mode=True)
    text = str(info.value)
    assert "fast_mode" in text and "The full check locates it" in text
    assert info.value.n_failed == 12


def test_fast_mode_does_one_backward_and_two_forwards_per_input():
    calls = {"forward": 0, "backward": 0}

    def forward(x):
        calls["forward"] += 1
        return np.tanh(x)

    def backward(g, y):
        calls["backward"] += 1
        return g * (1 - y * y)

    fn = make_op(forward, backward)
    assert ta.gradcheck(fn, BIG, fast_mode=True)
    # setup: the graph's forward, plus one backward to check the gradient's shape
    assert calls == {"forward": 1 + 2, "backward": 1}
    calls.update(forward=0, backward=0)
    assert ta.gradcheck(fn, T(np.linspace(-1, 1, 50)))
    assert calls == {"forward": 1 + 2 * 50, "backward": 1 + 50}


@pytest.mark.parametrize("name", CORRECT)
def test_fast_mode_passes_correct_rules(name):
    assert ta.gradcheck(CORRECT[name], BIG, fast_mode=True)
    assert ta.gradgradcheck(lambda t: t.tanh(), BIG[:50], fast_mode=True)


# --- inputs, outputs, errors --------------------------------------------------------------


def test_float32_is_refused_with_the_fix():
    with pytest.raises(TypeError) as info:
        ta.gradcheck(lambda t: t.tanh(), ta.tensor([1.0], requires_grad=True))
    text = str(info.value)
    assert "float32" in text and ".double()" in text and "set_default_dtype" in text
    ta.set_default_dtype(np.float64)
    assert ta.gradcheck(lambda t: t.tanh(), ta.tensor([1.0], requires_grad=True))


def test_float32_output_and_nothing_to_check_are_errors():
    with pytest.raises(TypeError, match="output 0 of fn has dtype float32"):
        ta.gradcheck(lambda t: t.float() * 2, T([1.0]))
    with pytest.raises(ValueError, match="no input requires grad"):
        ta.gradcheck(lambda t: t * 2, ta.tensor([1.0], dtype=np.float64))


def test_inputs_and_their_grad_are_left_alone():
    x = T([0.5, -0.25])
    before = x.numpy().copy()
    assert ta.gradcheck(lambda t: t.sigmoid() * t, x)
    assert x.grad is None and np.array_equal(x.numpy(), before)


def test_raise_exception_false_returns_false():
    assert ta.gradcheck(MISTAKES["sign"][0], X, raise_exception=False) is False
    assert ta.gradgradcheck(MISTAKES["sign"][0], X, raise_exception=False) is False


def test_several_inputs_outputs_constants_and_unused_inputs():
    a, b, unused = T([[1.0, 2.0]]), T([[0.5], [-1.5]]), T([3.0])
    const = ta.tensor([2.0, 3.0], dtype=np.float64)
    assert ta.gradcheck(lambda a, b, c, u: (a * b + c, (a - b).exp()), (a, b, const, unused))
    assert ta.gradgradcheck(lambda a, b: (a * b.tanh(), a @ b), (a, b))


def test_gradgradcheck_fails_where_only_the_second_derivative_is_wrong():
    class Square(Function):
        def forward(self, x):
            self.save(x)
            return x * x

        def backward(self, g, x):
            # NOTE the mistake: .data cuts x out of the graph, so d(2 g x)/dx is lost
            raw = x.data if isinstance(x, ta.Tensor) else x
            return g * 2 * raw

    x = T([1.0, 2.0, -0.5])
    assert ta.gradcheck(lambda t: Square.apply(t), x)
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradgradcheck(lambda t: Square.apply(t), x)
    err = info.value
    assert str(err).startswith("gradgradcheck failed: 3 of 6 input elements")
    assert {m.input for m in err.mismatches} == {0}   # the upstream-gradient inputs are right
    assert err.diagnoses[0].startswith("zero gradient")


# --- everything registered, every basic op -------------------------------------------------


@pytest.mark.parametrize("name", list(ta.activations))
@FEW
@given(data=st.data())
def test_every_activation_passes_gradcheck_and_gradgradcheck(name, data):
    x = data.draw(testing.activation_inputs(name))
    spec = ta.activations[name]
    assert ta.gradcheck(spec, x)
    if spec.twice:  # (hardsigmoid has no second derivative, as in torch)
        assert ta.gradgradcheck(spec, x)


def _pos(shape):
    return testing.tensors(shape, min_value=0.1, max_value=5.0)


# name -> (fn, strategy of the input tuple)
OPS = {
    "add": (lambda a, b: a + b, testing.broadcastable_shapes()),
    "sub": (lambda a, b: a - b, testing.broadcastable_shapes()),
    "mul": (lambda a, b: a * b, testing.broadcastable_shapes()),
    "div": (lambda a, b: a / b, testing.broadcastable_shapes()),
    "pow": (lambda a, b: a ** b, testing.broadcastable_shapes()),
    "matmul": (lambda a, b: a @ b, st.just(((2, 3), (3, 4)))),
    "exp": (lambda a: a.exp(), testing.shapes().map(lambda s: (s,))),
    "log": (lambda a: a.log(), testing.shapes().map(lambda s: (s,))),
    "sqrt": (lambda a: a.sqrt(), testing.shapes().map(lambda s: (s,))),
    "sum": (lambda a: a.sum(-1), testing.shapes(min_dims=1).map(lambda s: (s,))),
    "mean": (lambda a: a.mean(0, keepdim=True),
             testing.shapes(min_dims=1).map(lambda s: (s,))),
    "reshape+T": (lambda a: a.reshape(-1, 2).T * 1, st.just(((2, 3),))),
    "getitem": (lambda a: a[1:, ::2] * a[0, 1::2], st.just(((3, 4),))),
    "cat+stack": (lambda a, b: ta.stack([ta.cat([a, b]), ta.cat([b, a])]),
                  st.just(((2,), (3,)))),
    "where": (lambda a, b: ta.where(a.numpy() > 2.5, a, b), testing.broadcastable_shapes()),
}
POSITIVE = {"div", "pow", "log", "sqrt"}


@pytest.mark.parametrize("name", list(OPS))
@FEW
@given(data=st.data())
def test_every_basic_op_passes_gradcheck_and_gradgradcheck(name, data):
    fn, shapes = OPS[name]
    make = _pos if name in POSITIVE else (lambda s: testing.tensors(s, min_value=-5,
                                                                     max_value=5))
    inputs = tuple(data.draw(make(s)) for s in data.draw(shapes))
    assert ta.gradcheck(fn, inputs)
    assert ta.gradgradcheck(fn, inputs)


def test_ops_with_kinks_and_ties_at_safe_points():
    x = T([[0.3, -1.2, 2.5], [1.1, 0.4, -0.7]])
    assert ta.gradcheck(lambda t: t.abs(), x, kinks=[0.0])
    assert ta.gradcheck(lambda t: t.amax(1), x)
    assert ta.gradcheck(lambda t: t.max(1).values, x)
    assert ta.gradcheck(lambda t: t.clamp(-1.0, 1.0), x, kinks=[-1.0, 1.0])
    assert ta.gradcheck(lambda a, b: a.maximum(b), (x, T([0.0, 0.5, 1.0])))
    # an exact tie in max: the even split is what central differences measure
    assert ta.gradcheck(lambda t: t.max(), T([1.0, 3.0, 3.0]))


@pytest.mark.parametrize("result", [lambda t: np.float64(3.0), lambda t: t.numpy() * 2,
                                    lambda t: 3.0, lambda t: None],
                         ids=["numpy-scalar", "ndarray", "float", "None"])
@pytest.mark.parametrize("check", [ta.gradcheck, ta.gradgradcheck])
def test_a_function_returning_a_non_tensor_is_a_clear_type_error(check, result):
    x = T([0.5, -1.0])
    with pytest.raises(TypeError, match=r"fn must return a Tensor or a tuple of Tensors, "
                                        r"got (float64|ndarray|float|NoneType)"):
        check(result, x)
