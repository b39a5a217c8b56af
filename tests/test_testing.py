"""tinygrad_acts.testing: the public strategies draw what they promise, and the one-call
property test passes correct ops and shrinks failures of wrong ones."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_acts as ta
from tinygrad_acts import testing
from tinygrad_acts.autograd import Function


@given(testing.shapes(min_dims=1, max_dims=2, min_side=2, max_side=3))
def test_shapes_respect_their_bounds(shape):
    assert 1 <= len(shape) <= 2 and all(2 <= n <= 3 for n in shape)


@given(testing.arrays((2, 3), min_value=-1, max_value=1),
       testing.arrays(dtype=np.float32))
def test_arrays_are_finite_and_bounded(a, b):
    assert a.shape == (2, 3) and a.dtype == np.float64
    assert np.all(np.abs(a) <= 1)
    assert b.dtype == np.float32 and np.all(np.isfinite(b))


@given(testing.tensors(testing.shapes(max_dims=2)), testing.tensors((2,), requires_grad=False))
def test_tensors_are_float64_leaves_ready_for_gradcheck(t, c):
    assert isinstance(t, ta.Tensor) and t.dtype == np.float64
    assert t.requires_grad and t.is_leaf and not c.requires_grad


@given(testing.broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)  # raises if they do not


@pytest.mark.parametrize("name", list(ta.activations))
@settings(max_examples=min(settings.default.max_examples, 20))
@given(data=st.data())
def test_activation_inputs_keep_away_from_kinks_and_ties(name, data):
    spec = ta.activations[name]
    x = data.draw(testing.activation_inputs(name, margin=1e-3))
    arr = x.numpy()
    assert x.requires_grad and x.dtype == np.float64
    spec(x)  # a shape the activation accepts
    for k in spec.kink_points():
        assert np.all(np.abs(arr - k) >= 0.99e-3)
    if spec.ties and arr.size > 1:
        assert np.min(np.diff(np.sort(arr.reshape(-1)))) >= 1.98e-3


@given(testing.activation_inputs("leaky_relu", shape=(4,), negative_slope=0.2),
       testing.activation_inputs("hardtanh", shape=(5,), min_val=-2.0, max_val=0.5))
def test_activation_inputs_follow_the_parameters(x, y):
    assert np.all(np.abs(x.numpy()) >= 0.99e-3)
    assert np.all(np.abs(y.numpy() + 2.0) >= 0.99e-3)
    assert np.all(np.abs(y.numpy() - 0.5) >= 0.99e-3)


def test_away_from_kinks_and_separate_ties():
    out = testing.away_from_kinks(np.array([0.0, 5e-4, -5e-4, 2.0, 0.9995]), [0.0, 1.0])
    np.testing.assert_allclose(out, [1e-3, 1e-3, -1e-3, 2.0, 0.999])
    ties = testing.separate_ties(np.array([[3.0, 3.0], [1.0, 3.0]]))
    assert len(np.unique(ties)) == 4
    assert np.argsort(ties.reshape(-1), kind="stable").tolist() == [2, 0, 1, 3]


def test_check_op_passes_correct_ops():
    testing.check_op(lambda a, b: (a * b).tanh() + a / (1 + b * b), (2, 3), (3,),
                     second_order=True, max_examples=10)
    testing.check_op(lambda x: x.relu(), testing.activation_inputs("relu"), max_examples=10)


class _SignError(Function):
    def forward(self, x):
        y = np.tanh(x)
        self.save(y)
        return y

    def backward(self, g, y):
        return -g * (1 - y * y)


def test_check_op_raises_with_the_shrunk_input():
    with pytest.raises(ta.GradcheckError) as info:
        testing.check_op(lambda x: _SignError.apply(x), testing.tensors(testing.shapes()))
    err = info.value
    (x,) = err.example
    assert x.numpy().size == 1 and abs(float(x.numpy().reshape(-1)[0])) <= 1  # shrunk
    assert str(err).startswith("Hypothesis shrank the failure to this input:")
    assert "sign error" in err.diagnoses[0]


def test_sweep_reports_examples_and_the_largest_error():
    ok = testing.sweep(lambda x: x.sigmoid(), (3,), max_examples=7)
    assert ok.ok and ok.examples == 7 and 0 <= ok.max_abs_err < 1e-8
    bad = testing.sweep(lambda x: _SignError.apply(x), (3,), max_examples=7)
    assert not bad.ok and isinstance(bad.error, ta.GradcheckError)
    second = testing.sweep(lambda x: x.tanh(), (2,), order=2, max_examples=5)
    assert second.ok


@pytest.fixture
def registered():
    names = []

    def register(name, *args, **kw):
        names.append(name)
        return ta.register_activation(name, *args, replace=True, **kw)

    yield register
    for name in names:
        ta.unregister_activation(name)


def test_check_activation_on_user_activations(registered):
    registered("t_softsign", lambda x: x / (1 + np.abs(x)),
               lambda g, x: g / (1 + np.abs(x)) ** 2, saves="input", kinks=(0.0,))
    testing.check_activation("t_softsign", max_examples=10)
    registered("t_softsign_bad", lambda x: x / (1 + np.abs(x)),
               lambda g, x: g / (1 + np.abs(x)) ** 2)  # saves="output": gets y, not x
    with pytest.raises(ta.GradcheckError) as info:
        testing.check_activation("t_softsign_bad", max_examples=10)
    assert "rule fed the output where it needs the input" in info.value.diagnoses[0]


def test_activation_inputs_of_a_grouped_activation_follow_its_entry(registered):
    from tinygrad_acts.activations import _maxout, _maxout_backward
    registered("t_maxout3_rows", _maxout, _maxout_backward, "input",
               params={"pieces": 3, "dim": 0}, ties=True, elementwise=False, module_name="",
               grouping=lambda pieces=3, dim=0: (dim, pieces))
    spec = ta.activations["t_maxout3_rows"]

    @settings(max_examples=15)
    @given(testing.activation_inputs("t_maxout3_rows"))
    def draws(x):
        assert x.ndim >= 1 and x.shape[0] % 3 == 0
        assert spec(x).shape[0] == x.shape[0] // 3

    draws()


def test_the_hypothesis_profiles():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.deadline is None
    assert ci.max_examples >= settings.get_profile("dev").max_examples
