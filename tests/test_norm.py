"""Normalization (F.batch_norm / instance_norm / layer_norm / group_norm and the layers
BatchNorm1d/2d/3d, InstanceNorm1d/2d, LayerNorm, GroupNorm): the op-table rows' sweeps
cover the rule (tests/test_ops.py); here are the parts the rows cannot show: running
statistics, train and eval, buffers and state dicts, dtypes, errors, zero variance, and
everything against torch."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

from tests.helpers import check_grads, check_second_grads

RNG = np.random.default_rng(0)


def _x(*shape, scale=1.0, shift=0.0):
    return RNG.standard_normal(shape) * scale + shift


# --- the functional forms without torch -----------------------------------------------------


def test_batch_norm_standardises_each_channel():
    x = _x(8, 3, 5, scale=3.0, shift=2.0)
    y = F.batch_norm(ta.tensor(x), None, None, training=True).numpy()
    np.testing.assert_allclose(y.mean((0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var((0, 2)), 1, rtol=1e-4)


def test_a_constant_channel_has_finite_gradients():
    """Zero variance: eps keeps the denominator >= sqrt(eps), so x_hat = 0 and the
    gradients are finite (and right, by central differences)."""
    x = _x(4, 3, 2)
    x[:, 1] = 0.7  # channel 1 constant over the batch
    w, b = _x(3), _x(3)
    for fn in (lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
               lambda a, w, b: F.instance_norm(a, weight=w, bias=b),
               lambda a, w, b: F.group_norm(a, 3, w, b)):
        t = ta.tensor(x, requires_grad=True)
        fn(t, ta.tensor(w), ta.tensor(b)).backward(ta.tensor(_x(4, 3, 2)))
        assert np.isfinite(t.grad.numpy()).all()
        check_grads(fn, x, w, b)
    ln = ta.tensor(np.full((2, 4), 3.0), requires_grad=True)
    F.layer_norm(ln, (4,)).backward(ta.tensor(_x(2, 4)))
    assert np.isfinite(ln.grad.numpy()).all()


def test_far_from_zero_data_keeps_its_variance():
    """Two passes for the variance: E[x^2] - E[x]^2 would lose every digit at 1e8."""
    x = _x(16, 2, scale=1.0, shift=1e8)
    y = F.batch_norm(ta.tensor(x), None, None, training=True).numpy()
    np.testing.assert_allclose(y.var(0), 1, rtol=1e-4)


@pytest.mark.parametrize("fn, shapes", [
    (lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
     [(3, 2, 2, 3), (2,), (2,)]),
    (lambda a, w, b: F.batch_norm(a, ta.tensor([0.1, -0.2], dtype=np.float64),
                                 ta.tensor([0.5, 2.0], dtype=np.float64), w, b),
     [(3, 2, 4), (2,), (2,)]),
    (lambda a, w, b: F.layer_norm(a, (2, 3), w, b), [(2, 2, 3), (2, 3), (2, 3)]),
    (lambda a, w, b: F.group_norm(a, 3, w, b), [(2, 6, 2), (6,), (6,)]),
    (lambda a, w, b: F.instance_norm(a, None, None, w, b), [(2, 2, 2, 3), (2,), (2,)]),
])
def test_first_and_second_derivatives_of_every_form(fn, shapes):
    xs = [_x(*s) for s in shapes]
    check_grads(fn, *xs)
    check_second_grads(fn, *xs)


def test_weight_only_or_bias_only():
    x = _x(4, 3)
    for w, b in ((_x(3), None), (None, _x(3))):
        def fn(a, p, w=w):
            return F.batch_norm(a, None, None, p if w is not None else None,
                                p if w is None else None, training=True)
        check_grads(fn, x, w if w is not None else b)


def test_float32_stays_float32():
    x = ta.randn(4, 3, 2, requires_grad=True)
    for y in (F.batch_norm(x, None, None, ta.ones(3), ta.zeros(3), training=True),
              F.layer_norm(x, (2,)), F.group_norm(x, 3), F.instance_norm(x),
              nn.BatchNorm1d(3)(x), nn.BatchNorm1d(3).eval()(x)):
        assert y.dtype == np.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == np.float32
    bn = nn.BatchNorm1d(3)
    bn(x)
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    assert bn.num_batches_tracked.dtype == np.int64


def test_running_statistics_are_not_in_the_graph():
    bn = nn.BatchNorm1d(2)
    x = ta.randn(5, 2, requires_grad=True)
    bn(x).sum().backward()
    assert not bn.running_mean.requires_grad and bn.running_mean.grad_fn is None
    assert [name for name, _ in bn.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]


def test_eval_mode_does_not_touch_the_buffers():
    bn = nn.BatchNorm2d(2)
    bn(ta.randn(3, 2, 2, 2))
    before = {k: v.clone() for k, v in bn.state_dict().items()}
    bn.eval()
    bn(ta.randn(3, 2, 2, 2))
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_without_running_statistics_eval_uses_the_batch():
    bn = nn.BatchNorm1d(3, track_running_stats=False).eval()
    x = ta.tensor(_x(6, 3).astype(np.float32))
    np.testing.assert_allclose(bn(x).numpy(), F.batch_norm(
        x, None, None, bn.weight, bn.bias, training=True).numpy())
    assert list(bn.state_dict()) == ["weight", "bias"]
    assert bn.running_mean is None and bn.num_batches_tracked is None


def test_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [_x(4, 2, shift=k) for k in range(3)]
    for b in batches:
        bn(ta.tensor(b.astype(np.float32)))
    np.testing.assert_allclose(bn.running_mean.numpy(),
                               np.mean([b.mean(0) for b in batches], 0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 3


def test_reset_running_stats_and_parameters():
    bn = nn.BatchNorm1d(2)
    bn(ta.randn(4, 2))
    with ta.no_grad():
        bn.weight.fill_(3.0)
    bn.reset_parameters()
    np.testing.assert_array_equal(bn.running_mean.numpy(), [0, 0])
    np.testing.assert_array_equal(bn.running_var.numpy(), [1, 1])
    np.testing.assert_array_equal(bn.weight.numpy(), [1, 1])
    assert bn.num_batches_tracked.item() == 0 and bn.weight.requires_grad


def test_to_float64_converts_the_float_buffers_only():
    bn = nn.BatchNorm2d(2).to(ta.float64)
    assert bn.weight.dtype == bn.running_mean.dtype == bn.running_var.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64
    assert bn(ta.randn(2, 2, 3, 3, dtype=np.float64)).dtype == np.float64


def test_layer_and_group_norm_modules():
    ln = nn.LayerNorm((2, 3), elementwise_affine=False)
    assert ln.weight is None and list(ln.state_dict()) == []
    assert nn.LayerNorm(3, bias=False).bias is None
    gn = nn.GroupNorm(2, 4, affine=False)
    x = ta.tensor(_x(2, 4, 3))
    np.testing.assert_allclose(gn(x).numpy(), F.group_norm(x, 2).numpy())


@pytest.mark.parametrize("make, pattern", [
    (lambda: nn.BatchNorm2d(3)(ta.randn(2, 4, 5, 5)), r"4 elements not 3.*\(2, 4, 5, 5\)"),
    (lambda: nn.BatchNorm2d(3)(ta.randn(2, 3, 5)), r"expected 4D input \(got 3D"),
    (lambda: nn.BatchNorm1d(3)(ta.randn(2, 3, 4, 5)), r"expected 2D or 3D input"),
    (lambda: nn.BatchNorm1d(3)(ta.randn(1, 3)), "more than 1 value per channel"),
    (lambda: nn.BatchNorm1d(3)(ta.randn(4, 3, dtype=np.float64)), "mixed dtype"),
    (lambda: nn.LayerNorm(4)(ta.randn(2, 3)), r"normalized_shape=\[4\].*\(2, 3\)"),
    (lambda: nn.GroupNorm(2, 3), "divisible"),
    (lambda: F.group_norm(ta.randn(2, 3, 4), 2), r"divisible by num_groups.*\(2, 3, 4\)"),
    (lambda: F.group_norm(ta.randn(2, 4), 2, ta.ones(3)), r"weight of shape \(3,\)"),
    (lambda: F.batch_norm(ta.randn(2, 3), None, None), "running_mean must be defined"),
    (lambda: F.batch_norm(ta.randn(2, 3), ta.zeros(3), None, training=True), "both be None"),
    (lambda: F.batch_norm(ta.randn(2, 3), None, None, training=True, eps=0.0),
     "eps must be positive"),
    (lambda: F.batch_norm(ta.ones(2, 3, dtype=np.int64), None, None, training=True),
     "not implemented for int64"),
    (lambda: F.layer_norm(ta.randn(2, 3), 3), "tuple of ints"),
    (lambda: F.layer_norm(ta.randn(2, 3), (3,), ta.ones(4)), "weight of shape"),
    (lambda: F.instance_norm(ta.randn(2, 3, 1)), "more than 1 spatial element"),
    (lambda: F.instance_norm(ta.randn(2, 3, 4), use_input_stats=False), "to be defined"),
    (lambda: nn.InstanceNorm2d(3, affine=True)(ta.randn(2, 4, 3, 3)), "num_features"),
    (lambda: F.batch_norm([1.0, 2.0], None, None, training=True), "must be Tensor"),
    (lambda: F.batch_norm(ta.randn(2, 3), None, None, momentum=None), "must be float"),
    (lambda: F.instance_norm(ta.randn(3)), "more than 1 spatial element"),
    (lambda: F.batch_norm(ta.randn(3), None, None, training=True), r"at least 2 dims.*\(3,\)"),
])
def test_errors_name_the_op_and_the_shapes(make, pattern):
    with pytest.raises((RuntimeError, ValueError, TypeError, NotImplementedError, IndexError),
                       match=pattern):
        make()


def test_running_statistics_that_require_grad_are_refused():
    with pytest.raises(RuntimeError, match="not differentiable"):
        F.batch_norm(ta.randn(2, 3), ta.zeros(3, requires_grad=True), ta.ones(3),
                     training=True)


def test_instance_norm_without_affine_warns_on_a_channel_mismatch():
    with pytest.warns(UserWarning, match="num_features"):
        nn.InstanceNorm2d(3)(ta.randn(2, 4, 3, 3))


def test_empty_batches():
    x = ta.randn(0, 3, requires_grad=True)
    bn = nn.BatchNorm1d(3)
    y = bn(x)
    assert y.shape == (0, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [0, 0, 0])
    assert F.layer_norm(ta.randn(0, 4), (4,)).shape == (0, 4)


# --- against torch ---------------------------------------------------------------------------


def _torch_pair(arrays, torch):
    ours = [ta.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _same(ours, theirs, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours),
                               theirs.detach().numpy(), rtol=rtol, atol=atol)


FORMS = {
    "batch_norm 2d": (lambda m, x, w, b: m.batch_norm(x, None, None, w, b, training=True),
                      [(5, 3), (3,), (3,)]),
    "batch_norm 4d": (lambda m, x, w, b: m.batch_norm(x, None, None, w, b, True, 0.1, 1e-3),
                      [(2, 3, 4, 5), (3,), (3,)]),
    "layer_norm": (lambda m, x, w, b: m.layer_norm(x, [4, 5], w, b, 1e-6),
                   [(2, 3, 4, 5), (4, 5), (4, 5)]),
    "group_norm": (lambda m, x, w, b: m.group_norm(x, 2, w, b), [(3, 4, 2, 3), (4,), (4,)]),
    "group_norm 2d": (lambda m, x, w, b: m.group_norm(x, 1, w, b), [(3, 4), (4,), (4,)]),
    "instance_norm": (lambda m, x, w, b: m.instance_norm(x, weight=w, bias=b),
                      [(2, 3, 4, 5), (3,), (3,)]),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(FORMS))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    fn, shapes = FORMS[name]
    arrays = [_x(*s, scale=2.0, shift=0.5) for s in shapes]
    ours, theirs = _torch_pair(arrays, torch)
    y, ty = fn(F, *ours), fn(torch.nn.functional, *theirs)
    _same(y, ty)
    g = _x(*y.shape)
    y.backward(ta.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        _same(a.grad, b.grad, rtol=1e-9, atol=1e-11)


@pytest.mark.torch
def test_second_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    arrays = [_x(4, 3, 2), _x(3), _x(3)]
    ours, theirs = _torch_pair(arrays, torch)
    y = F.batch_norm(ours[0], None, None, ours[1], ours[2], training=True)
    ty = torch.nn.functional.batch_norm(theirs[0], None, None, theirs[1], theirs[2],
                                        training=True)
    g = _x(4, 3, 2)
    gs = ta.grad(y, ours, ta.tensor(g), create_graph=True)
    tgs = torch.autograd.grad(ty, theirs, torch.tensor(g), create_graph=True)
    for a, b in zip(gs, tgs):
        _same(a, b, rtol=1e-9, atol=1e-11)
    (sum((a * a).sum() for a in gs)).backward()
    sum((b * b).sum() for b in tgs).backward()
    for a, b in zip(ours, theirs):
        if b.grad is None:  # (the bias: its first derivatives do not depend on it)
            assert a.grad is None or not a.grad.numpy().any()
            continue
        _same(a.grad, b.grad, rtol=1e-8, atol=1e-10)


@pytest.mark.torch
def test_a_constant_channel_matches_torch():
    torch = pytest.importorskip("torch")
    x = _x(4, 3)
    x[:, 0] = 2.5
    ours, theirs = _torch_pair([x], torch)
    y = F.batch_norm(ours[0], None, None, training=True)
    ty = torch.nn.functional.batch_norm(theirs[0], None, None, training=True)
    _same(y, ty)
    g = _x(4, 3)
    y.backward(ta.tensor(g))
    ty.backward(torch.tensor(g))
    _same(ours[0].grad, theirs[0].grad, rtol=1e-7, atol=1e-7)


def _torch_module(torch, name, *args, **kw):
    return getattr(torch.nn, name)(*args, **kw).double()


@pytest.mark.torch
@pytest.mark.parametrize("name, shape, kw", [
    ("BatchNorm1d", (6, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
    ("BatchNorm2d", (4, 3, 2, 3), {}),
    ("BatchNorm2d", (4, 3, 2, 3), {"momentum": None, "affine": False}),
    ("BatchNorm2d", (3, 3, 2, 2), {"momentum": 0.3, "bias": False}),
    ("BatchNorm2d", (3, 3, 2, 2), {"track_running_stats": False}),
    ("BatchNorm3d", (2, 2, 2, 2, 3), {}),
    ("InstanceNorm1d", (2, 3, 5), {"track_running_stats": True, "affine": True}),
    ("InstanceNorm2d", (2, 3, 4, 4), {}),
    ("InstanceNorm2d", (3, 4, 4), {"track_running_stats": True}),
])
def test_training_steps_running_statistics_and_eval_match_torch(name, shape, kw):
    torch = pytest.importorskip("torch")
    tm = _torch_module(torch, name, 3 if name != "BatchNorm3d" else 2, **kw)
    ours = getattr(nn, name)(3 if name != "BatchNorm3d" else 2, dtype=np.float64, **kw)
    assert repr(ours) == repr(tm).replace("\n", "")
    ours.load_state_dict(tm.state_dict(), strict=True)
    with torch.no_grad():  # non-trivial parameters
        for p in tm.parameters():
            p.copy_(torch.tensor(_x(*p.shape)))
    ours.load_state_dict(tm.state_dict(), strict=True)
    for step in range(4):
        x = _x(*shape, scale=1 + step, shift=step - 1.0)
        tx, ox = torch.tensor(x, requires_grad=True), ta.tensor(x, requires_grad=True)
        ty, oy = tm(tx), ours(ox)
        _same(oy, ty)
        g = _x(*shape)
        ty.backward(torch.tensor(g))
        oy.backward(ta.tensor(g))
        _same(ox.grad, tx.grad, rtol=1e-9, atol=1e-11)
        for p, tp in zip(ours.parameters(), tm.parameters()):
            _same(p.grad, tp.grad, rtol=1e-9, atol=1e-11)
    theirs = tm.state_dict()
    assert list(ours.state_dict()) == list(theirs)
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, theirs[k].numpy(), rtol=1e-12, atol=1e-14, err_msg=k)
        assert v.dtype == theirs[k].numpy().dtype, k
    tm.eval(), ours.eval()
    x = _x(*shape)
    _same(ours(ta.tensor(x)), tm(torch.tensor(x)))


@pytest.mark.torch
def test_a_torch_state_dict_loads_strictly_and_ours_loads_into_torch():
    torch = pytest.importorskip("torch")
    tm = torch.nn.BatchNorm2d(4)
    tm(torch.randn(8, 4, 3, 3) * 2 + 1)
    tm(torch.randn(8, 4, 3, 3))
    with torch.no_grad():
        tm.weight.mul_(1.5), tm.bias.add_(0.25)
    ours = nn.BatchNorm2d(4)
    print(ours.load_state_dict(tm.state_dict()))
    assert ours.num_batches_tracked.item() == 2 and ours.num_batches_tracked.dtype == np.int64
    tm.eval(), ours.eval()
    x = np.random.default_rng(1).standard_normal((2, 4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ta.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    back = torch.nn.BatchNorm2d(4)
    back.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()}, strict=True)
    assert back.num_batches_tracked.item() == 2


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda m: m.LayerNorm(4), lambda m: m.LayerNorm([2, 3], eps=1e-3, bias=False),
    lambda m: m.LayerNorm(5, elementwise_affine=False), lambda m: m.GroupNorm(3, 6),
    lambda m: m.GroupNorm(2, 4, affine=False), lambda m: m.BatchNorm1d(3, momentum=None),
    lambda m: m.InstanceNorm2d(3, affine=True, bias=False), lambda m: m.BatchNorm2d(2, 1e-3),
])
def test_reprs_and_state_dict_keys_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict(), strict=True)


@pytest.mark.torch
def test_layer_and_group_norm_modules_match_torch():
    torch = pytest.importorskip("torch")
    for make, shape in ((lambda m: m.LayerNorm([3, 4]), (2, 3, 4)),
                        (lambda m: m.GroupNorm(2, 4), (3, 4, 5))):
        tm = make(torch.nn).double()
        with torch.no_grad():
            for p in tm.parameters():
                p.copy_(torch.tensor(_x(*p.shape)))
        ours = make(nn).double()
        ours.load_state_dict(tm.state_dict(), strict=True)
        x = _x(*shape)
        tx, ox = torch.tensor(x, requires_grad=True), ta.tensor(x, requires_grad=True)
        ty, oy = tm(tx), ours(ox)
        _same(oy, ty)
        g = _x(*shape)
        ty.backward(torch.tensor(g))
        oy.backward(ta.tensor(g))
        _same(ox.grad, tx.grad, rtol=1e-9, atol=1e-11)
        for p, tp in zip(ours.parameters(), tm.parameters()):
            _same(p.grad, tp.grad, rtol=1e-9, atol=1e-11)


@pytest.mark.torch
def test_functional_running_statistics_match_torch():
    torch = pytest.importorskip("torch")
    x = _x(4, 3, 5)
    rm, rv = ta.zeros(3, dtype=np.float64), ta.ones(3, dtype=np.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    F.batch_norm(ta.tensor(x), rm, rv, training=True, momentum=0.2)
    torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2)
    _same(rm, trm, rtol=1e-12)
    _same(rv, trv, rtol=1e-12)
    F.instance_norm(ta.tensor(x), rm, rv, momentum=0.3)
    torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    _same(rm, trm, rtol=1e-12)
    _same(rv, trv, rtol=1e-12)
    y = F.instance_norm(ta.tensor(x), rm, rv, use_input_stats=False)
    ty = torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False)
    _same(y, ty)


def test_no_warnings_in_the_common_path():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.BatchNorm2d(2)(ta.randn(2, 2, 3, 3)).sum().backward()
        nn.InstanceNorm2d(2)(ta.randn(2, 2, 3, 3))
