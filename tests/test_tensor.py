"""Tensor: construction, dtype rules, factories, seeding, repr and conversions."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_acts as ta
from tinygrad_acts import Tensor

# --- construction and dtype rules ---------------------------------------------------------

# (data, expected dtype under the float32 default): PyTorch's inference rules
DTYPE_CASES = [
    ([1.0, 2.0], np.float32),
    ([1, 2.5], np.float32),
    (1.5, np.float32),
    ([[1, 2], [3, 4]], np.int64),
    (7, np.int64),
    ([True, False], np.bool_),
    (True, np.bool_),
    (np.arange(3.0), np.float64),               # an ndarray keeps its dtype
    (np.arange(3, dtype=np.float32), np.float32),
    (np.arange(3, dtype=np.int32), np.int32),
    (np.float64(2.0), np.float64),              # so does a numpy scalar
]


@pytest.mark.parametrize("data, dtype", DTYPE_CASES)
def test_dtype_inference(data, dtype):
    assert ta.tensor(data).dtype == dtype
    if type(data) is not int:  # Tensor(7) is a size, as torch.Tensor(7): see below
        assert ta.as_tensor(data).dtype == dtype  # (Tensor(data) is torch's: float32)
    np.testing.assert_array_equal(ta.tensor(data).numpy(), np.asarray(data))


def test_tensor_of_ints_is_a_new_tensor_of_that_size_as_in_torch():
    assert Tensor(2, 3).shape == (2, 3) and Tensor(2, 3).dtype == np.float32
    assert Tensor(7).shape == (7,)
    assert ta.tensor([1.0, 2.0], requires_grad=True).requires_grad  # (torch.Tensor takes none)


@pytest.mark.parametrize("data", [[1.0, 2.0], 3.0, [[0.5]]])
def test_set_default_dtype_changes_python_floats_only(data):
    ta.set_default_dtype(np.float64)
    assert ta.get_default_dtype() == np.float64
    assert ta.tensor(data).dtype == np.float64
    assert ta.zeros(2).dtype == ta.ones(2).dtype == ta.randn(2).dtype == np.float64
    assert ta.tensor(np.ones(2, np.float32)).dtype == np.float32  # arrays keep theirs
    assert ta.tensor([1, 2]).dtype == np.int64                  # ints stay ints


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, "int8"])
def test_set_default_dtype_refuses_non_floats(dtype):
    with pytest.raises(TypeError, match="floating"):
        ta.set_default_dtype(dtype)
    assert ta.get_default_dtype() == np.float32


@pytest.mark.parametrize("make", [
    lambda: ta.tensor([1, 2], requires_grad=True),
    lambda: ta.tensor([True], requires_grad=True),
    lambda: ta.tensor(np.arange(3), requires_grad=True),
    lambda: ta.zeros(2, dtype=np.int64, requires_grad=True),
    lambda: ta.arange(4, requires_grad=True),
    lambda: ta.tensor([1, 2]).requires_grad_(),
])
def test_int_and_bool_tensors_cannot_require_grad(make):
    with pytest.raises(RuntimeError, match="floating point"):
        make()


def test_int_and_bool_tensors_are_allowed_without_grad():
    x = ta.tensor([1, 2, 3])
    assert not x.requires_grad
    assert (x * 2).tolist() == [2, 4, 6]
    assert ta.tensor([True, False]).tolist() == [True, False]


@pytest.mark.parametrize("data, error", [
    ([[1, 2], [3]], ValueError),          # ragged
    ([[1.0], [2.0, 3.0]], ValueError),
    (["a", "b"], TypeError),              # strings
    ([object()], TypeError),              # objects
    ({"a": 1}, TypeError),
    (None, TypeError),
    ([1 + 2j], TypeError),                # complex is not supported
])
def test_bad_data_is_a_clear_error(data, error):
    with pytest.raises(error, match="tensor"):
        ta.tensor(data)


def test_tensor_copies_but_Tensor_and_from_numpy_share():
    a = np.arange(3.0, dtype=np.float32)  # (Tensor(a) shares an array of the default dtype)
    assert not np.shares_memory(ta.tensor(a).numpy(), a)       # torch.tensor copies
    assert np.shares_memory(Tensor(a).numpy(), a)
    assert np.shares_memory(ta.from_numpy(a).numpy(), a)
    t = ta.tensor([1.0, 2.0])
    assert not np.shares_memory(ta.tensor(t).numpy(), t.numpy())


def test_numpy_shares_memory_with_the_tensor():
    x = ta.tensor([1.0, 2.0, 3.0])
    arr = x.numpy()
    assert arr is x.numpy()
    arr[0] = 10.0
    assert x.tolist() == [10.0, 2.0, 3.0]


# --- factories ------------------------------------------------------------------------------

# (factory call, expected shape, expected dtype, expected values or None for random)
FACTORIES = [
    (lambda: ta.zeros(2, 3), (2, 3), np.float32, np.zeros((2, 3))),
    (lambda: ta.zeros((2, 3)), (2, 3), np.float32, np.zeros((2, 3))),
    (lambda: ta.ones(4), (4,), np.float32, np.ones(4)),
    (lambda: ta.ones(2, dtype=np.float64), (2,), np.float64, np.ones(2)),
    (lambda: ta.zeros_like(ta.tensor([[1, 2]])), (1, 2), np.int64, [[0, 0]]),
    (lambda: ta.ones_like(ta.zeros(3, dtype=np.float64)), (3,), np.float64, np.ones(3)),
    (lambda: ta.full((2, 2), 1.5), (2, 2), np.float32, np.full((2, 2), 1.5)),
    (lambda: ta.full((3,), 7), (3,), np.int64, [7, 7, 7]),           # as torch.full
    (lambda: ta.randn(3, 4), (3, 4), np.float32, None),
    (lambda: ta.rand(5), (5,), np.float32, None),
    (lambda: ta.arange(5), (5,), np.int64, np.arange(5)),
    (lambda: ta.arange(1, 7, 2), (3,), np.int64, [1, 3, 5]),
    (lambda: ta.arange(0, 1, 0.25), (4,), np.float32, [0, 0.25, 0.5, 0.75]),
    (lambda: ta.arange(3, dtype=np.float64), (3,), np.float64, [0.0, 1.0, 2.0]),
    (lambda: ta.eye(3), (3, 3), np.float32, np.eye(3)),
    (lambda: ta.eye(2, 3), (2, 3), np.float32, np.eye(2, 3)),
]


@pytest.mark.parametrize("make, shape, dtype, values", FACTORIES)
def test_factories(make, shape, dtype, values):
    t = make()
    assert isinstance(t, Tensor)
    assert t.shape == shape and t.dtype == dtype
    assert t.is_leaf and not t.requires_grad and t.grad is None
    if values is not None:
        np.testing.assert_array_equal(t.numpy(), values)


@pytest.mark.parametrize("factory", [ta.zeros, ta.ones, ta.randn, ta.rand])
def test_factories_can_make_leaves_that_require_grad(factory):
    t = factory(2, 2, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    (t * t).sum().backward()
    assert t.grad.shape == (2, 2)


def test_rand_is_uniform_in_unit_interval():
    x = ta.rand(1000).numpy()
    assert x.min() >= 0 and x.max() < 1


@pytest.mark.parametrize("draw", [
    lambda: ta.randn(4, 3), lambda: ta.rand(7), lambda: ta.nn.Linear(3, 2).weight,
    lambda: ta.nn.Dropout(0.5)(ta.ones(20)),
])
def test_manual_seed_makes_runs_reproducible(draw):
    ta.manual_seed(123)
    first = draw().numpy().copy()
    second = draw().numpy().copy()
    ta.manual_seed(123)
    np.testing.assert_array_equal(draw().numpy(), first)
    assert not np.array_equal(first, second)  # the generator advances


# --- repr ---------------------------------------------------------------------------------

REPRS = [
    (lambda: ta.tensor([1.0, -2.0]), "tensor([ 1., -2.])"),
    (lambda: ta.tensor(3.0), "tensor(3.)"),
    (lambda: ta.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: ta.tensor([True, False]), "tensor([ True, False])"),
    (lambda: ta.tensor([[1.0, -2.0]], requires_grad=True),
     "tensor([[ 1., -2.]], requires_grad=True)"),
    (lambda: ta.tensor([1.5]).double(), "tensor([1.5000], dtype=float64)"),
    (lambda: ta.tensor(np.array([1, 2], np.int32)), "tensor([1, 2], dtype=int32)"),
    (lambda: ta.tensor([0.0], requires_grad=True).tanh(), "tensor([0.], grad_fn=<TanhBackward>)"),
    (lambda: ta.tensor([1.0], requires_grad=True) * 2, "tensor([2.], grad_fn=<MulBackward>)"),
    (lambda: ta.zeros(2, 2), "tensor([[0., 0.],\n        [0., 0.]])"),
]


@pytest.mark.parametrize("make, text", REPRS)
def test_repr_like_pytorch(make, text):
    assert repr(make()) == text


def test_repr_of_float64_under_float64_default_has_no_dtype():
    ta.set_default_dtype(np.float64)
    assert repr(ta.tensor([1.5])) == "tensor([1.5000])"
    assert repr(ta.tensor([1.5], dtype=np.float32)) == "tensor([1.5000], dtype=float32)"


# --- properties and conversions ------------------------------------------------------------


def test_shape_properties():
    x = ta.zeros(2, 3, 4)
    assert x.shape == x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == x.dim() == 3
    assert x.numel() == 24 and len(x) == 2
    assert x.device.type == "cpu" and str(x.device) == "cpu" and x.device == ta.device("cpu")


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_T_reverses_the_axes(shape):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(ta.tensor(a).T.numpy(), a.T)


def test_item_and_tolist():
    assert ta.tensor(2.5).item() == 2.5 and isinstance(ta.tensor(2.5).item(), float)
    assert ta.tensor([[3]]).item() == 3 and isinstance(ta.tensor([[3]]).item(), int)
    assert ta.tensor([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]
    assert float(ta.tensor([4.0])) == 4.0 and int(ta.tensor(5)) == 5
    with pytest.raises(ValueError, match=r"one-element.*\(2,\)"):
        ta.tensor([1.0, 2.0]).item()


def test_detach_shares_memory_and_leaves_the_graph():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.numpy())
    assert y.requires_grad and not y.is_leaf


# (method, expected dtype)
CASTS = [
    (lambda t: t.double(), np.float64),
    (lambda t: t.float(), np.float32),
    (lambda t: t.astype(np.float64), np.float64),
    (lambda t: t.astype(np.float32), np.float32),
    (lambda t: t.to(np.float64), np.float64),
]


@pytest.mark.parametrize("cast, dtype", CASTS)
@pytest.mark.parametrize("start", [np.float32, np.float64])
def test_casts_are_differentiable(cast, dtype, start):
    x = ta.tensor(np.array([1.0, -2.0], dtype=start), requires_grad=True)
    y = cast(x)
    assert y.dtype == dtype
    (y * y).sum().backward()
    assert x.grad.dtype == start  # the gradient comes back in the input's dtype
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_int_tensor_cast_to_float_can_then_require_grad():
    x = ta.tensor([1, 2]).float()
    assert x.dtype == np.float32
    x.requires_grad_()
    assert x.requires_grad


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-1e6, 1e6)))
def test_roundtrip_through_numpy_and_tolist(a):
    t = ta.tensor(a)
    assert t.dtype == np.float64 and t.shape == a.shape
    np.testing.assert_array_equal(t.numpy(), a)
    np.testing.assert_array_equal(np.array(t.tolist()), a)
