"""PyTorch fidelity at the edges the differential campaign found (issue #13): nan and inf
reaching a gradient, the sign of a zero, empty tensors, mixed dtypes.

Each test pins one difference tests/torchdiff.py found, with the value torch gives written
out (checked against torch when it is installed, in the torch-marked tests).
"""
import math

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import ops
from tinygrad_acts.ops.helpers import masked

NAN, INF = math.nan, math.inf


def f64(values, requires_grad=False):
    return ta.tensor(values, dtype=ta.float64, requires_grad=requires_grad)


def same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# --- max / amax / median: nan results and inf gradients ----------------------------------


def test_amax_of_a_nan_slice_gives_nan_gradients_to_the_whole_slice():
    x = f64([[1.0, NAN, 2.0], [3.0, 1.0, 3.0]], True)
    x.amax(1).backward(f64([1.0, 1.0]))
    same(x.grad.numpy(), [[NAN, NAN, NAN], [0.5, 0.0, 0.5]])


def test_amax_with_an_inf_gradient_gives_nan_at_the_losers():
    x = f64([[1.0, 4.0, 2.0], [3.0, 1.0, 3.0]], True)
    x.amax(1).backward(f64([1.0, INF]))
    same(x.grad.numpy(), [[0.0, 1.0, 0.0], [INF, NAN, INF]])


def test_full_max_rule_sends_the_gradient_to_the_nans_and_zero_elsewhere():
    x = f64([[1.0, NAN, 2.0], [3.0, 1.0, NAN]], True)
    ops.Max.apply(x, axis=None, keepdims=False, evenly=True).backward(f64(3.0))
    same(x.grad.numpy(), [[0.0, 1.5, 0.0], [0.0, 0.0, 1.5]])
    y = f64([1.0, 1.0, 0.0], True)
    ops.Min.apply(y, axis=None, keepdims=False, evenly=True).backward(f64(INF))
    same(y.grad.numpy(), [0.0, 0.0, INF])


def test_full_max_of_a_tensor_uses_torchs_even_rule():
    x = f64([[0.5, NAN], [NAN, 2.0]], True)
    x.max().backward()
    same(x.grad.numpy(), [[0.0, 0.5], [0.5, 0.0]])


def test_median_gives_exactly_zero_at_the_losers_even_for_an_inf_gradient():
    x = f64([3.0, 1.0, 2.0], True)
    x.median().backward(f64(INF))
    same(x.grad.numpy(), [0.0, 0.0, INF])


def test_evenly_split_max_rule_still_builds_a_graph():
    y = f64([1.0, 1.0, 0.0], True)
    (g,) = ta.grad(ops.Max.apply(y * y, axis=None, keepdims=False, evenly=True), y,
                   create_graph=True)
    same(g.numpy(), [1.0, 1.0, 0.0])
    assert g.requires_grad


# --- var with n - correction <= 0 ------------------------------------------------------------


@pytest.mark.parametrize("values, axis, correction, grad, expected", [
    ([-1.27], 0, 2, 1.0, [-0.0]),                       # a negative count: -0
    ([NAN], None, 1, -0.5, [-INF]),                     # full, x != mean (nan): g * inf
    ([1.0, 1.0], None, 3, 1.0, [NAN, NAN]),             # full, x = mean: g * nan
    ([[1.0, 2.0, 4.0]], 0, 1, [1.0, 1.0, 1.0], [[NAN, NAN, NAN]]),  # 2 / 0 * 0
    ([[1.0, 2.0, 4.0], [3.0, 3.0, 0.0]], 1, 1, [1.0, -2.0],
     [[-4 / 3, -1 / 3, 5 / 3], [-2.0, -2.0, 4.0]]),    # the ordinary case
])
def test_var_rule_matches_torch_at_every_correction(values, axis, correction, grad, expected):
    x = f64(values, True)
    ops.Var.apply(x, axis=axis, keepdims=False, correction=correction).backward(f64(grad))
    got, want = x.grad.numpy(), np.asarray(expected)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    zeros = want == 0
    assert np.array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))  # -0 is torch's


def test_var_rule_is_differentiable_twice():
    t = f64([1.0, 2.0, 4.0], True)
    (g,) = ta.grad(ops.Var.apply(t * t, axis=0, keepdims=False, correction=1), t,
                   create_graph=True)
    same(g.numpy(), [-12.0, -12.0, 72.0])  # (y - mean) * 2t with y = t^2, mean 7
    assert g.requires_grad


def test_tensor_var_with_correction_above_the_count_has_torchs_gradient():
    x = f64([-0.51, -1.27, 0.75, 1.32], True)
    x[1::3].var(0, correction=2).backward()
    same(x.grad.numpy(), [0.0, -0.0, 0.0, 0.0])
    assert not np.isnan(x.grad.numpy()).any()


# --- remainder: the sign of a zero -------------------------------------------------------------


def test_float_remainder_keeps_the_sign_of_a_zero_as_torch():
    a = f64([-1.0, 1.0, -0.5, 3.5, -3.5, 2.0])
    b = f64([0.5, -0.5, 0.5, -2.0, 2.0, INF])
    r = (a % b).numpy()
    same(r, [-0.0, 0.0, -0.0, -0.5, 0.5, 2.0])
    same(np.signbit(r), [True, False, True, True, False, False])
    assert math.copysign(1, (ta.tensor([-1]) % ta.tensor([0.5])).item()) == -1.0
    same((ta.tensor([-3, 3]) % 2).numpy(), [1, 1])  # integers: numpy's, the same as torch's


def test_atan2_sees_the_negative_zero_of_a_remainder():
    r = ta.tensor([-1], dtype=ta.int64) % f64([0.5])
    assert r.arctan2(f64([-1.0])).item() == -math.pi


# --- scatter_reduce, cross_entropy, huber_loss, dropout, slogdet -----------------------------


def test_scatter_reduce_amin_without_self_keeps_a_nan_where_it_was_sent():
    x = f64([[0.83, -0.76, 1.44, 0.63], [0.08, -1.66, 0.38, 1.53]])
    src = f64([[1.04, 0.49], [-1.17, NAN]])
    for how in ("amin", "amax"):
        out = x.scatter_reduce(1, ta.tensor([[1, 3], [0, 2]]), src, how, include_self=False)
        same(out.numpy(), [[0.83, 1.04, 1.44, 0.49], [-1.17, -1.66, NAN, 1.53]])
    ints = ta.tensor([[3, 1, 2, 5]]).scatter_reduce(1, ta.tensor([[1, 3]]), ta.tensor([[7, 2]]),
                                                     "amin", include_self=False)
    same(ints.numpy(), [[3, 7, 2, 2]])


def test_cross_entropy_leaves_an_ignored_row_with_a_nan_out_of_the_loss():
    rows = [[0.41, 1.83, -0.44, 0.81], [0.3, NAN, 1.21, 0.25], [0.58, 0.97, 1.66, 0.07]]
    x = f64(rows, True)
    loss = F.cross_entropy(x, ta.tensor([2, -100, 1]))
    kept = F.cross_entropy(f64([rows[0], rows[2]]), ta.tensor([2, 1]))
    assert loss.item() == pytest.approx(kept.item(), rel=1e-12)
    smooth = F.cross_entropy(x, ta.tensor([2, -100, 1]), label_smoothing=0.1)
    assert math.isfinite(smooth.item())
    loss.backward()
    assert np.isnan(x.grad.numpy()[1]).all()  # softmax's rule reads the row: torch's nan too
    assert np.isfinite(x.grad.numpy()[[0, 2]]).all()


def test_huber_loss_refuses_the_backward_of_mixed_float_dtypes_as_torch():
    x = ta.ones(3, dtype=ta.float32, requires_grad=True)
    loss = F.huber_loss(x, ta.zeros(3, dtype=ta.float64))
    assert loss.dtype == ta.float32  # the forward runs, in the input's dtype
    with pytest.raises(RuntimeError, match=r"huber_loss: .*float32.*float64"):
        loss.backward()
    same_dtype = F.huber_loss(x, ta.zeros(3, dtype=ta.float32))
    same_dtype.backward()
    assert x.grad is not None


@pytest.mark.parametrize("shape", [(0,), (2, 0)])
@pytest.mark.parametrize("p", [0.5, 1.0])
def test_dropout_of_an_empty_tensor_is_the_tensor_itself(shape, p):
    x = ta.zeros(shape, requires_grad=True)
    assert F.dropout(x, p) is x


def test_slogdet_sign_is_in_the_graph_with_a_zero_gradient():
    a = f64([[0.94, 1.86], [1.3, -0.12]], True)
    sign, logabs = a.slogdet()
    assert sign.requires_grad and not sign.is_leaf
    (g,) = ta.grad(sign.sum() + logabs, a)
    (g_log,) = ta.grad(a.slogdet()[1], a)
    np.testing.assert_allclose(g.numpy(), g_log.numpy(), rtol=1e-12)
    assert not a.detach().slogdet()[0].requires_grad


# --- masks: where(mask, g, 0), fast -------------------------------------------------------------


def test_masked_is_exactly_zero_where_the_mask_is_off_even_for_inf_and_nan():
    g = np.array([NAN, INF, 1.0, NAN], np.float32)
    out = masked(g, np.array([0, 0, 1, 1], bool))
    same(out, [0.0, 0.0, 1.0, NAN])
    assert out.dtype == np.float32
    same(masked(np.ones(3), np.array([1, 0, 1], bool)), [1.0, 0.0, 1.0])
    t = masked(f64([INF, 2.0], True), np.array([False, True]))
    same(t.numpy(), [0.0, 2.0])
    assert t.requires_grad


def test_relu_gives_zero_at_an_inactive_unit_whatever_arrives_and_passes_nan_inputs():
    x = f64([-1.0, 2.0, NAN], True)
    x.relu().backward(f64([NAN, 1.0, 1.0]))
    same(x.grad.numpy(), [0.0, 1.0, 1.0])


def test_gradient_of_a_power_with_a_bool_exponent_tensor_is_refused_as_torch():
    x = f64([1.5], True)
    y = x ** ta.tensor(True)
    same(y.detach().numpy(), [1.5])
    with pytest.raises(RuntimeError, match="PowBackward"):
        y.sum().backward()


# --- engine corners -------------------------------------------------------------------------


def test_a_retained_grad_does_not_change_with_a_later_backward():
    x = f64([1.0, 2.0], True)
    h = x.clone()
    h.retain_grad()
    h.sum().backward(retain_graph=True)
    x[0].backward()
    same(h.grad.numpy(), [1.0, 1.0])
    same(x.grad.numpy(), [2.0, 1.0])


def test_a_leaf_that_stopped_requiring_grad_collects_nothing():
    x = f64([1.0, 2.0], True)
    y = (x * 3).sum()
    x.requires_grad_(False)
    y.backward()
    assert x.grad is None


@pytest.mark.torch
def test_the_fixed_edges_agree_with_torch():
    torch = pytest.importorskip("torch")
    cases = {
        "amax nan": lambda lib: _amax_grad(lib, [[1.0, NAN, 2.0], [3.0, 1.0, 3.0]], [1.0, INF]),
        "remainder": lambda lib: (lib.tensor([-1.0, 1.0, -0.5], dtype=lib.float64)
                                  % lib.tensor([0.5, -0.5, 0.5], dtype=lib.float64)).numpy(),
        "scatter_reduce": lambda lib: lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64)
        .scatter_reduce(1, lib.tensor([[2, 0]]), lib.tensor([[NAN, 5.0]], dtype=lib.float64),
                        "amin", include_self=False).numpy(),
    }
    for name, case in cases.items():
        ours, theirs = case(ta), case(torch)
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
        assert np.array_equal(np.signbit(ours), np.signbit(theirs)), name


def _amax_grad(lib, values, grad):
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    x.amax(1).backward(lib.tensor(grad, dtype=lib.float64))
    return x.grad.numpy()
