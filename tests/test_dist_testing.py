"""torch.testing.make_tensor and the deprecated assert_allclose, against torch."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.testing import assert_allclose, make_tensor

torch = pytest.importorskip("torch")

PAIRS = [(ta.bool, torch.bool), (ta.uint8, torch.uint8), (ta.int8, torch.int8),
         (ta.int16, torch.int16), (ta.int32, torch.int32), (ta.int64, torch.int64),
         (ta.float16, torch.float16), (ta.float32, torch.float32),
         (ta.float64, torch.float64)]


def _outcome(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - the error type is the outcome
            return type(e), None, [w.category for w in caught]
    return None, out, [w.category for w in caught]


@pytest.mark.parametrize("ours,theirs", PAIRS)
@pytest.mark.parametrize("kw", [{}, {"low": -3, "high": 4}, {"low": 0.5, "high": 2.5},
                                {"low": 5, "high": 5}, {"low": 4, "high": 3},
                                {"low": float("nan")}, {"low": -1e6, "high": 1e6},
                                {"low": 300, "high": 400}, {"requires_grad": True},
                                {"noncontiguous": True}, {"exclude_zero": True},
                                {"low": -1, "high": 1, "exclude_zero": True}])
def test_make_tensor_matches_torch(ours, theirs, kw):
    a_err, a, a_warn = _outcome(lambda: make_tensor(2000, dtype=ours, device="cpu", **kw))
    b_err, b, b_warn = _outcome(lambda: torch.testing.make_tensor(2000, dtype=theirs,
                                                                  device="cpu", **kw))
    assert a_err is b_err and a_warn == b_warn
    if b is None:
        return
    x, y = a.numpy().astype(np.float64), b.detach().numpy().astype(np.float64)
    assert a.dtype == np.dtype(str(theirs).split(".")[1]) and a.shape == tuple(b.shape)
    assert a.requires_grad == b.requires_grad and a.is_contiguous() == b.is_contiguous()
    slack = 1 + 0.02 * (y.max() - y.min())  # the same range (2000 draws fill it)
    assert abs(x.min() - y.min()) <= slack and abs(x.max() - y.max()) <= slack
    if theirs.is_floating_point and kw.get("low") != kw.get("high", 9):
        lo, hi = kw.get("low", -9), kw.get("high", 9)
        lo, hi = max(lo, float(torch.finfo(theirs).min)), min(hi, float(torch.finfo(theirs).max))
        assert x.min() >= lo and x.max() < hi
    if kw.get("exclude_zero"):
        assert (x != 0).all()


def test_make_tensor_shapes_and_errors():
    assert make_tensor((2, 3), dtype=ta.float32, device="cpu").shape == (2, 3)
    assert make_tensor([4], dtype=ta.float32, device="cpu").shape == (4,)
    assert make_tensor(dtype=ta.float32, device="cpu").shape == ()
    t = make_tensor(3, 4, dtype=ta.float64, device="cpu", noncontiguous=True)
    assert t.shape == (3, 4) and not t.is_contiguous()
    assert make_tensor(1, dtype=ta.float64, device="cpu", noncontiguous=True).is_contiguous()
    with pytest.raises(TypeError):
        make_tensor(2, dtype=ta.float32)  # device is required, as torch's
    with pytest.raises(ValueError):
        make_tensor(2, dtype=ta.float32, device="cpu", noncontiguous=True,
                    memory_format=ta.contiguous_format)
    with pytest.raises(RuntimeError):
        make_tensor(2, dtype=ta.float32, device="cuda")
    ta.manual_seed(3)
    a = make_tensor(5, dtype=ta.float32, device="cpu")
    ta.manual_seed(3)
    assert (make_tensor(5, dtype=ta.float32, device="cpu") == a).all()


@pytest.mark.parametrize("actual,expected,kw", [
    (np.float32([1.0, 2.0]), [1.00005, 2.0], {}),        # inside float32's rtol 1e-4
    (np.float32([1.0, 2.0]), [1.0005, 2.0], {}),          # outside
    (np.float64([1.0]), [1.000001], {}),                  # inside float64's 1e-5
    (np.float64([1.0]), [1.0001], {}),
    (np.float64([np.nan]), [np.nan], {}),                 # equal_nan defaults to True
    (np.float64([np.nan]), [np.nan], {"equal_nan": False}),
    (np.int64([1, 2]), [1, 2], {}),
    (np.int64([1, 2]), [1.0, 2.0], {}),                   # expected takes actual's dtype
    (np.float64([1.0]), [1.1], {"rtol": 0.2, "atol": 0}),
])
def test_assert_allclose_matches_torch(actual, expected, kw):
    def ours():
        assert_allclose(ta.tensor(actual), expected, **kw)

    def theirs():
        torch.testing.assert_allclose(torch.tensor(actual), expected, **kw)
    a_err, _, a_warn = _outcome(ours)
    b_err, _, b_warn = _outcome(theirs)
    assert a_err is b_err and a_warn == b_warn
