"""Anomaly detection: a NaN made by a backward rule is reported at the op that made it, with
the line of user code that created that op (PyTorch's anomaly mode: an inf is no anomaly,
and ``check_nan=False`` checks nothing)."""
import inspect
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn


def here(offset: int = 1) -> str:
    """'this_file:line' for the line ``offset`` lines below the caller's."""
    caller = inspect.currentframe().f_back
    return f"{caller.f_code.co_filename}:{caller.f_lineno + offset}"


def test_off_by_default_and_records_nothing():
    assert not ta.is_anomaly_enabled()
    x = ta.tensor([1.0], requires_grad=True)
    y = x.sqrt()
    assert getattr(y.grad_fn, "trace", None) is None  # nothing recorded: free when off


def test_nan_in_backward_names_the_op_and_the_users_line():
    x = ta.tensor([0.0, 4.0], requires_grad=True)
    with ta.detect_anomaly():
        line = here()
        root = x.sqrt()                      # d sqrt/dx at 0 is inf; inf * 0 below is nan
        loss = (root * 0.0).sum()
        with pytest.raises(FloatingPointError) as info:
            loss.backward()
    message = str(info.value)
    assert "SqrtBackward" in message and "nan" in message
    assert line in message
    assert "shape (2,)" in message


def test_an_inf_is_no_anomaly_as_in_torch():
    for lib in _libs():
        x = lib.tensor([0.0], requires_grad=True)
        with lib.autograd.detect_anomaly():
            (x ** 0.5).sum().backward()                 # 0.5 * 0 ** -0.5 = inf: runs
        assert np.isinf(x.grad.numpy()).all()


def test_check_nan_false_checks_nothing_as_in_torch():
    for lib in _libs():
        x = lib.tensor([0.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                (x.sqrt() * 0.0).sum().backward()     # nan, unchecked
            lib.autograd.set_detect_anomaly(True, check_nan=False)
            try:
                assert not lib.is_anomaly_check_nan_enabled()
                (x.sqrt() * 0.0).sum().backward()
            finally:
                lib.autograd.set_detect_anomaly(False)
        assert np.isnan(x.grad.numpy()).all()
        assert lib.is_anomaly_check_nan_enabled()


def test_the_error_is_torchs_runtime_error():
    x = ta.tensor([0.0], requires_grad=True)
    with ta.detect_anomaly(), pytest.raises(RuntimeError, match="SqrtBackward produced nan"):
        (x.sqrt() * 0.0).sum().backward()


def _libs():
    torch = pytest.importorskip("torch")
    return (ta, torch)


def test_the_first_bad_op_is_named_not_a_later_one():
    x = ta.tensor([0.0], requires_grad=True)
    with ta.detect_anomaly():
        y = (x.sqrt() * 0.0 * 3.0).exp().tanh().sum()   # only sqrt's backward makes nan
        with pytest.raises(FloatingPointError, match="SqrtBackward"):
            y.backward()


def test_set_detect_anomaly_function_form():
    x = ta.tensor([0.0], requires_grad=True)
    ta.set_detect_anomaly(True)
    try:
        assert ta.is_anomaly_enabled()
        y = (x.sqrt() * 0.0).sum()
        with pytest.raises(FloatingPointError, match="SqrtBackward"):
            y.backward()
    finally:
        ta.set_detect_anomaly(False)
    assert not ta.is_anomaly_enabled()


def test_context_restores_the_previous_mode_even_after_an_error():
    with pytest.raises(ValueError), ta.detect_anomaly():
        raise ValueError("boom")
    assert not ta.is_anomaly_enabled()
    ta.set_detect_anomaly(True)
    try:
        with ta.detect_anomaly():
            pass
        assert ta.is_anomaly_enabled()   # nested: the outer setting survives
    finally:
        ta.set_detect_anomaly(False)


def test_when_off_the_same_backward_is_silent():
    x = ta.tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with np.errstate(divide="ignore"):
        y.backward()
    assert np.isinf(x.grad.numpy()).all()


def test_node_made_before_anomaly_mode_says_so():
    x = ta.tensor([0.0], requires_grad=True)
    y = (x.sqrt() * 0.0).sum()
    with ta.detect_anomaly(), pytest.raises(FloatingPointError,
                                            match="created outside detect_anomaly"):
        y.backward()


def test_numpy_stays_quiet_and_its_error_state_is_restored():
    before = np.geterr()
    x = ta.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # a RuntimeWarning would hide the op's name
        with ta.detect_anomaly():
            y = (x.sqrt() * 0.0).sum()
            with pytest.raises(FloatingPointError):
                y.backward()
    assert np.geterr() == before


def test_the_line_inside_a_users_module_is_reported():
    class Bad(nn.Module):
        def forward(self, x):
            self.line = here()
            return (x.sqrt() * 0.0).sum()

    model = Bad()
    x = ta.tensor([0.0, 1.0], requires_grad=True)
    with ta.detect_anomaly():
        y = model(x)
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    assert model.line in str(info.value)


def test_second_derivatives_are_checked_too():
    x = ta.tensor([0.0], dtype=np.float64, requires_grad=True)
    with ta.detect_anomaly():
        y = (x ** 3).sum()
        (dx,) = ta.grad(y, x, create_graph=True)       # 3 x^2: finite
        z = (dx.sqrt() * 0.0).sum()                     # d sqrt/du at 0: inf * 0, nan
        with pytest.raises(FloatingPointError, match="SqrtBackward"):
            z.backward()


def test_a_healthy_training_step_raises_nothing():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    x = ta.randn(5, 4)
    with ta.detect_anomaly():
        out = model(x).log_softmax(dim=1)
        loss = -out[np.arange(5), np.array([0, 1, 2, 0, 1])].mean()
        loss.backward()
    assert all(np.isfinite(p.grad.numpy()).all() for p in model.parameters())
