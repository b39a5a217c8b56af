"""nn breadth: the torch.nn.functional forms beyond the basics (pixel / channel shuffle,
local_response_norm, rms_norm, bilinear, pdist, gaussian_nll_loss, the triplet loss with a
distance, max_unpool, lp_pool, the 3-d convolutions and pools, the *_with_indices names,
rrelu, the alpha dropouts, gumbel_softmax), each compared with torch: values, gradients,
result dtypes and errors (float64 to 1e-10)."""
import math

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(arrays):
    ours = [ta.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray)
            else a for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray)
              else a for a in arrays]
    return ours, theirs


def _first(y):
    return y[0] if isinstance(y, tuple) else y


def check(ours, theirs, *arrays, atol=1e-10, seed=0):
    """ours(*ta tensors) against theirs(*torch tensors): values, dtype, input gradients
    (for a random upstream gradient), and second-output indices when a tuple."""
    a, b = _pair(arrays)
    y, yt = ours(*a), theirs(*b)
    if isinstance(yt, tuple):
        assert isinstance(y, tuple) and len(y) == len(yt)
        for u, v in zip(y[1:], yt[1:]):
            assert u.dtype == np.dtype(str(v.dtype).replace("torch.", ""))
            np.testing.assert_array_equal(u.numpy(), v.numpy())
    y, yt = _first(y), _first(yt)
    assert tuple(y.shape) == tuple(yt.shape)
    assert str(y.dtype) == str(yt.dtype).replace("torch.", "")
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    if not yt.requires_grad:
        return
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(y.dtype)
    y.backward(ta.tensor(g))
    yt.backward(torch.tensor(g))
    for u, v in zip(a, b):
        if isinstance(v, torch.Tensor) and v.requires_grad:
            if v.grad is None:
                assert u.grad is None or not u.grad.numpy().any()
            else:
                np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), atol=atol,
                                           rtol=1e-7)


def raises_like(ours, theirs, *arrays):
    """Both raise; ours an exception of torch's type (or a subclass of Python's standard
    type that torch's derives from)."""
    a, b = _pair(arrays)
    with pytest.raises(Exception) as t_err:
        theirs(*b)
    with pytest.raises(Exception) as o_err:
        ours(*a)
    assert isinstance(o_err.value, (type(t_err.value), RuntimeError, ValueError, TypeError,
                                    NotImplementedError, IndexError)), (o_err, t_err)
    return o_err.value


R = np.random.default_rng(7)


def rnd(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


# --- shuffles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((3, 9, 2, 2), 3), ((4, 1, 1), 2),
                                     ((2, 2, 4, 2, 3), 1), ((2, 3, 12, 1, 2), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    check(lambda x: F.pixel_shuffle(x, r), lambda x: TF.pixel_shuffle(x, r), rnd(*shape))
    check(lambda x: ta.pixel_shuffle(x, r), lambda x: torch.pixel_shuffle(x, r), rnd(*shape))


@pytest.mark.parametrize("shape,r", [((1, 2, 4, 6), 2), ((3, 1, 6, 3), 3), ((1, 2, 2), 2),
                                     ((2, 2, 1, 4, 4), 2)])
def test_pixel_unshuffle_matches_torch_and_inverts_pixel_shuffle(shape, r):
    check(lambda x: F.pixel_unshuffle(x, r), lambda x: TF.pixel_unshuffle(x, r), rnd(*shape))
    x = ta.tensor(rnd(*shape))
    np.testing.assert_array_equal(F.pixel_shuffle(F.pixel_unshuffle(x, r), r).numpy(),
                                  x.numpy())


def test_pixel_shuffle_keeps_integer_dtypes():
    x = np.arange(16).reshape(4, 2, 2)
    assert F.pixel_shuffle(ta.tensor(x), 2).tolist() == TF.pixel_shuffle(
        torch.tensor(x), 2).tolist()


@pytest.mark.parametrize("call", [
    lambda f, x: f.pixel_shuffle(x[0, 0], 2),      # 2-D
    lambda f, x: f.pixel_shuffle(x[:, :5], 2),     # channels not divisible by r^2
    lambda f, x: f.pixel_shuffle(x, 0),
    lambda f, x: f.pixel_unshuffle(x[..., :3, :], 2),
    lambda f, x: f.pixel_unshuffle(x[..., :3], 2),
    lambda f, x: f.pixel_unshuffle(x, -1),
    lambda f, x: f.channel_shuffle(x[0, 0], 2),
    lambda f, x: f.channel_shuffle(x[:, :5], 2),
    lambda f, x: f.channel_shuffle(x, 0),
])
def test_shuffle_errors_match_torch(call):
    raises_like(lambda x: call(F, x), lambda x: call(TF, x), rnd(2, 8, 4, 4))


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 2), ((1, 6, 2, 2), 3), ((3, 4, 1, 2, 2), 4),
                                          ((2, 5, 3), 1)])
def test_channel_shuffle_matches_torch(shape, groups):
    check(lambda x: F.channel_shuffle(x, groups), lambda x: TF.channel_shuffle(x, groups),
          rnd(*shape))
    check(lambda x: ta.channel_shuffle(x, groups), lambda x: torch.channel_shuffle(x, groups),
          rnd(*shape))


# --- local response norm, rms norm, bilinear, pdist ------------------------------------------


@pytest.mark.parametrize("shape,size", [((2, 5, 7), 3), ((2, 6, 3, 4), 2), ((1, 4, 2, 3, 2), 5),
                                        ((2, 3, 4), 1)])
def test_local_response_norm_matches_torch(shape, size):
    check(lambda x: F.local_response_norm(x, size, 0.3, 0.6, 2.0),
          lambda x: TF.local_response_norm(x, size, 0.3, 0.6, 2.0), rnd(*shape))


def test_local_response_norm_refuses_2d_as_torch():
    raises_like(lambda x: F.local_response_norm(x, 2), lambda x: TF.local_response_norm(x, 2),
                rnd(2, 3))


@pytest.mark.parametrize("shape,norm", [((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), (5,))])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape, norm, eps):
    check(lambda x: F.rms_norm(x, norm, eps=eps), lambda x: TF.rms_norm(x, norm, eps=eps),
          rnd(*shape))
    check(lambda x, w: F.rms_norm(x, norm, w, eps), lambda x, w: TF.rms_norm(x, norm, w, eps),
          rnd(*shape), rnd(*norm))


def test_rms_norm_eps_none_is_the_dtype_epsilon_as_torch():
    x = np.array([[1e-5, -1e-5]], np.float32)
    check(lambda x: F.rms_norm(x, (2,)), lambda x: TF.rms_norm(x, (2,)), x, atol=1e-6)
    check(lambda x: F.rms_norm(x, (2,)), lambda x: TF.rms_norm(x, (2,)), x.astype(np.float64))


def test_rms_norm_result_has_the_input_dtype_as_torch():
    x, w = rnd(2, 4, dtype=np.float32), rnd(4)
    assert F.rms_norm(ta.tensor(x), (4,), ta.tensor(w)).dtype == np.float32
    assert F.rms_norm(ta.tensor(w[None]), (4,), ta.tensor(x[0])).dtype == np.float64


@pytest.mark.parametrize("call", [
    lambda f, x, w: f.rms_norm(x, (3,)),
    lambda f, x, w: f.rms_norm(x, (4,), w[:3]),
    lambda f, x, w: f.rms_norm(x, []),
    lambda f, x, w: f.rms_norm(x.long(), (4,)),
])
def test_rms_norm_errors_match_torch(call):
    raises_like(lambda x, w: call(F, x, w), lambda x, w: call(TF, x, w), rnd(2, 4), rnd(4))


@pytest.mark.parametrize("lead", [(5,), (3, 2), ()])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(lead, bias):
    arrays = [rnd(*lead, 2), rnd(*lead, 3), rnd(4, 2, 3)] + ([rnd(4)] if bias else [])
    check(F.bilinear, TF.bilinear, *arrays)
    check(ta.bilinear, torch.bilinear, *arrays) if bias else None


@pytest.mark.parametrize("shapes", [
    [(5, 2), (6, 3), (4, 2, 3)],
    [(5, 2), (5, 3), (4, 3, 3)],
    [(5, 2), (5, 4), (4, 2, 3)],
    [(5, 2), (5, 3), (4, 2, 3), (3,)],
    [(5, 2), (5, 3), (2, 3)],
])
def test_bilinear_errors_match_torch(shapes):
    raises_like(F.bilinear, TF.bilinear, *[rnd(*s) for s in shapes])


def test_bilinear_refuses_mixed_dtypes_as_torch():
    raises_like(F.bilinear, TF.bilinear, rnd(5, 2, dtype=np.float32), rnd(5, 3), rnd(4, 2, 3))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 0, math.inf])
def test_pdist_matches_torch(p):
    x = rnd(5, 3)
    x[3] = x[1]  # a zero distance: its gradient is 0, as torch's
    check(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), x)
    check(lambda x: ta.pdist(x, p), lambda x: torch.pdist(x, p), x)


@pytest.mark.parametrize("shape,p", [((4,), 2), ((4, 3, 2), 2), ((4, 3), -1)])
def test_pdist_errors_match_torch(shape, p):
    raises_like(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), rnd(*shape))


def test_pdist_of_one_row_is_empty():
    check(F.pdist, TF.pdist, rnd(1, 3))


# --- losses -----------------------------------------------------------------------------------


@pytest.mark.parametrize("var_shape", [(3, 4), (3, 1), (3,), (1, 4)])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gaussian_nll_loss_matches_torch(var_shape, full, reduction):
    var = np.abs(rnd(*var_shape)) + 0.1
    var.flat[0] = 1e-9  # below eps: the value is clamped, the gradient is var's own
    check(lambda x, t, v: F.gaussian_nll_loss(x, t, v, full, 1e-6, reduction),
          lambda x, t, v: TF.gaussian_nll_loss(x, t, v, full, 1e-6, reduction),
          rnd(3, 4), rnd(3, 4), var, atol=1e-8)


def test_gaussian_nll_loss_float_var_and_broadcast_target():
    check(lambda x, t: F.gaussian_nll_loss(x, t, 0.7), lambda x, t: TF.gaussian_nll_loss(
        x, t, 0.7), rnd(3, 4), rnd(1, 4))


@pytest.mark.parametrize("var", [np.ones(4), np.ones((1, 1)), -np.ones((3, 4)), -2.0, 2])
def test_gaussian_nll_loss_errors_match_torch(var):
    raises_like(lambda x, t, v: F.gaussian_nll_loss(x, t, v),
                lambda x, t, v: TF.gaussian_nll_loss(x, t, v), rnd(3, 4), rnd(3, 4), var)
    raises_like(lambda x, t: F.gaussian_nll_loss(x, t, x.abs(), reduction="x"),
                lambda x, t: TF.gaussian_nll_loss(x, t, x.abs(), reduction="x"),
                rnd(3, 4), rnd(3, 4))


def test_gaussian_nll_loss_promotes_mixed_float_dtypes_as_torch():
    check(lambda x, t, v: F.gaussian_nll_loss(x, t, v), lambda x, t, v: TF.gaussian_nll_loss(
        x, t, v), rnd(3, 4, dtype=np.float32), rnd(3, 4), np.abs(rnd(3, 4, dtype=np.float32)))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_margin_with_distance_loss_matches_torch(swap, reduction):
    arrays = rnd(6, 3), rnd(6, 3), rnd(6, 3)
    check(lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, swap=swap,
                                                              reduction=reduction),
          lambda a, p, n: TF.triplet_margin_with_distance_loss(a, p, n, swap=swap,
                                                               reduction=reduction), *arrays)
    check(lambda a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y), margin=0.5,
        swap=swap, reduction=reduction),
        lambda a, p, n: TF.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda x, y: 1 - TF.cosine_similarity(x, y), margin=0.5,
        swap=swap, reduction=reduction), *arrays)


@pytest.mark.parametrize("kw,shapes", [({"margin": 0}, [(3, 4)] * 3),
                                       ({}, [(3, 4), (4,), (3, 4)]),
                                       ({"reduction": "x"}, [(3, 4)] * 3)])
def test_triplet_margin_with_distance_loss_errors_match_torch(kw, shapes):
    raises_like(lambda *a: F.triplet_margin_with_distance_loss(*a, **kw),
                lambda *a: TF.triplet_margin_with_distance_loss(*a, **kw),
                *[rnd(*s) for s in shapes])


# --- 3-d convolution and pooling, *_with_indices ----------------------------------------------


X3 = rnd(2, 3, 5, 6, 4)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"padding": "same",
                                                                   "dilation": 2},
                                {"stride": (1, 2, 1), "dilation": (1, 1, 2), "padding": (0, 1, 2)}])
def test_conv3d_matches_torch(kw):
    check(lambda x, w, b: F.conv3d(x, w, b, **kw), lambda x, w, b: TF.conv3d(x, w, b, **kw),
          X3, rnd(4, 3, 2, 3, 2), rnd(4))
    check(lambda x, w: F.conv3d(x, w, groups=3, **kw),
          lambda x, w: TF.conv3d(x, w, groups=3, **kw), X3, rnd(6, 1, 2, 2, 2))


def test_conv3d_unbatched_and_errors():
    check(lambda x, w: F.conv3d(x, w), lambda x, w: TF.conv3d(x, w), X3[0], rnd(2, 3, 2, 2, 2))
    raises_like(F.conv3d, TF.conv3d, X3, rnd(2, 2, 2, 2, 2))
    raises_like(F.conv3d, TF.conv3d, X3[0, 0], rnd(2, 3, 2, 2, 2))


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                {"stride": (2, 1, 2), "dilation": 2}])
def test_conv_transpose3d_matches_torch(kw):
    check(lambda x, w, b: F.conv_transpose3d(x, w, b, **kw),
          lambda x, w, b: TF.conv_transpose3d(x, w, b, **kw), X3, rnd(3, 2, 2, 3, 2), rnd(2))


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1,
                                                     "ceil_mode": True},
                                {"kernel_size": 2, "stride": 1, "dilation": 2}])
def test_max_pool3d_matches_torch_with_indices(kw):
    check(lambda x: F.max_pool3d(x, return_indices=True, **kw),
          lambda x: TF.max_pool3d(x, return_indices=True, **kw), X3)
    check(lambda x: F.max_pool3d_with_indices(x, **kw),
          lambda x: TF.max_pool3d_with_indices(x, **kw), X3)


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1,
                                                     "ceil_mode": True,
                                                     "count_include_pad": False},
                                {"kernel_size": 2, "divisor_override": 3}])
def test_avg_pool3d_matches_torch(kw):
    check(lambda x: F.avg_pool3d(x, **kw), lambda x: TF.avg_pool3d(x, **kw), X3)


@pytest.mark.parametrize("size", [1, (2, 4, 3), (None, 2, 3), (5, 6, 4)])
def test_adaptive_pools_3d_match_torch(size):
    check(lambda x: F.adaptive_avg_pool3d(x, size), lambda x: TF.adaptive_avg_pool3d(x, size),
          X3)
    check(lambda x: F.adaptive_max_pool3d(x, size, True),
          lambda x: TF.adaptive_max_pool3d(x, size, True), X3)
    check(lambda x: F.adaptive_max_pool3d_with_indices(x[0], size),
          lambda x: TF.adaptive_max_pool3d_with_indices(x[0], size), X3)


@pytest.mark.parametrize("nd", [1, 2])
def test_with_indices_names_match_torch(nd):
    x = rnd(2, 3, *(7,) * nd)
    check(lambda x: getattr(F, f"max_pool{nd}d_with_indices")(x, 3, 2, 1),
          lambda x: getattr(TF, f"max_pool{nd}d_with_indices")(x, 3, 2, 1), x)
    check(lambda x: getattr(F, f"adaptive_max_pool{nd}d_with_indices")(x, 3),
          lambda x: getattr(TF, f"adaptive_max_pool{nd}d_with_indices")(x, 3), x)


# --- max unpool, lp pool ----------------------------------------------------------------------


@pytest.mark.parametrize("nd,shape,kw", [
    (1, (2, 3, 9), {"kernel_size": 2}),
    (1, (3, 8), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (2, (2, 3, 6, 7), {"kernel_size": 2}),
    (2, (2, 3, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (2, (3, 5, 5), {"kernel_size": 2, "stride": 1}),
    (3, (1, 2, 4, 5, 4), {"kernel_size": 2}),
])
def test_max_unpool_matches_torch(nd, shape, kw):
    x = rnd(*shape)
    pool, unpool = f"max_pool{nd}d", f"max_unpool{nd}d"
    y, i = getattr(TF, pool)(torch.tensor(x), return_indices=True, **kw)
    try:  # the default size may not hold the last winner: then both raise
        getattr(TF, unpool)(y, i, **kw)
    except RuntimeError:
        raises_like(lambda y, i: getattr(F, unpool)(y, i, **kw),
                    lambda y, i: getattr(TF, unpool)(y, i, **kw), y.numpy(), i.numpy())
    else:
        check(lambda y, i: getattr(F, unpool)(y, i, **kw),
              lambda y, i: getattr(TF, unpool)(y, i, **kw), y.numpy(), i.numpy())
    size = tuple(x.shape[-nd:])  # the output_size that undoes the floor
    check(lambda y, i: getattr(F, unpool)(y, i, output_size=size, **kw),
          lambda y, i: getattr(TF, unpool)(y, i, output_size=size, **kw), y.numpy(), i.numpy())


def test_max_unpool_errors_match_torch():
    y, i = rnd(1, 1, 2, 2), np.array([[[[0, 1], [2, 99]]]])
    raises_like(lambda y, i: F.max_unpool2d(y, i, 2), lambda y, i: TF.max_unpool2d(y, i, 2),
                y, i)
    raises_like(lambda y, i: F.max_unpool2d(y, i, 2, output_size=(9, 9)),
                lambda y, i: TF.max_unpool2d(y, i, 2, output_size=(9, 9)), y, i % 4)
    raises_like(lambda y, i: F.max_unpool2d(y, i, 2, output_size=(4,)),
                lambda y, i: TF.max_unpool2d(y, i, 2, output_size=(4,)), y, i % 4)
    raises_like(lambda y, i: F.max_unpool2d(y, i[..., :1], 2),
                lambda y, i: TF.max_unpool2d(y, i[..., :1], 2), y, i % 4)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("p", [2, 1, 3.0, 1.5, math.inf])
@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2,
                                                     "ceil_mode": True}])
def test_lp_pool_matches_torch(nd, p, kw):
    x = np.abs(rnd(2, 3, *(5,) * nd)) + 0.1  # positive: a fractional power of a negative sum is nan
    check(lambda x: getattr(F, f"lp_pool{nd}d")(x, p, **kw),
          lambda x: getattr(TF, f"lp_pool{nd}d")(x, p, **kw), x, atol=1e-9)


def test_lp_pool_of_signed_input_matches_torch_including_nan():
    x = rnd(1, 2, 6)
    a, b = F.lp_pool1d(ta.tensor(x), 3, 2), TF.lp_pool1d(torch.tensor(x), 3, 2)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10)


# --- rrelu, alpha dropouts, gumbel_softmax ----------------------------------------------------


def test_rrelu_in_eval_mode_is_leaky_relu_with_the_mean_slope_exactly():
    x = rnd(4, 5)
    x[0, 0] = 0.0
    check(lambda x: F.rrelu(x, 0.1, 0.3), lambda x: TF.rrelu(x, 0.1, 0.3), x, atol=0)
    check(lambda x: F.rrelu(x), lambda x: TF.rrelu(x), x, atol=0)
    check(lambda x: ta.rrelu(x), lambda x: torch.rrelu(x), x, atol=0)


def test_rrelu_in_training_draws_a_slope_per_negative_element():
    ta.manual_seed(0)
    x = ta.tensor(-np.ones((200, 50)), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), slopes)  # dy/dx is the drawn slope
    pos = ta.tensor(np.ones(5))
    assert F.rrelu(pos, training=True).tolist() == [1.0] * 5


def test_rrelu_errors_and_in_place():
    raises_like(lambda x: F.rrelu(x, 0.5, 0.1, training=True),
                lambda x: TF.rrelu(x, 0.5, 0.1, training=True), rnd(3))
    raises_like(lambda x: F.rrelu(x), lambda x: TF.rrelu(x), np.ones(3, np.int64))
    x = ta.tensor([-2.0, 1.0])
    assert F.rrelu_(x, 0.25, 0.75) is x and x.tolist() == [-1.0, 1.0]


def test_alpha_dropout_is_identity_off_training_and_keeps_moments_in_training():
    x = rnd(4, 5)
    check(lambda x: F.alpha_dropout(x, 0.3), lambda x: TF.alpha_dropout(x, 0.3), x, atol=0)
    check(lambda x: F.feature_alpha_dropout(x, 0.3), lambda x: TF.feature_alpha_dropout(x, 0.3),
          x, atol=0)
    ta.manual_seed(1)
    z = ta.tensor(R.standard_normal((400, 500)))
    y = F.alpha_dropout(z, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    assert np.isclose(y, 1 / math.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8) * (
        -1.7580993408473766) + 1.7580993408473766 * 0.2 / math.sqrt(
        (1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)).mean() == pytest.approx(0.2, abs=0.01)


def test_alpha_dropout_p1_and_errors_match_torch():
    check(lambda x: F.alpha_dropout(x, 1.0, True), lambda x: TF.alpha_dropout(x, 1.0, True),
          rnd(3, 2))
    raises_like(lambda x: F.alpha_dropout(x, 1.5), lambda x: TF.alpha_dropout(x, 1.5), rnd(3))
    raises_like(lambda x: F.feature_alpha_dropout(x, 0.5, True),
                lambda x: TF.feature_alpha_dropout(x, 0.5, True), rnd(3))


def test_feature_alpha_dropout_drops_whole_channels():
    ta.manual_seed(2)
    y = F.feature_alpha_dropout(ta.tensor(np.ones((50, 8, 3, 3))), 0.5, True).numpy()
    assert (y.reshape(50, 8, -1).std(-1) == 0).all()  # one value per channel
    assert len(np.unique(np.round(y, 12))) == 2


def test_gumbel_softmax_soft_and_hard():
    ta.manual_seed(3)
    logits = ta.tensor(np.log([[0.7, 0.2, 0.1]] * 4000), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.numpy().sum(1), 1.0)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(1) == 1).all()
    np.testing.assert_allclose(h.mean(0), [0.7, 0.2, 0.1], atol=0.03)  # Gumbel-max sampling
    # straight-through: the hard sample's gradient is the soft sample's
    g = np.random.default_rng(0).standard_normal(h.shape)
    hard.backward(ta.tensor(g))
    assert np.isfinite(logits.grad.numpy()).all() and np.abs(logits.grad.numpy()).sum() > 0
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(logits, eps=1e-3)
    raises_like(lambda x: F.gumbel_softmax(x), lambda x: TF.gumbel_softmax(x),
                np.ones((2, 3), np.int64))


def test_gumbel_softmax_hard_is_y_hard_minus_detached_soft_plus_soft():
    ta.manual_seed(4)
    x = ta.tensor(rnd(5, 4), requires_grad=True)
    ta.manual_seed(4)
    hard = F.gumbel_softmax(x, hard=True, dim=0)
    assert (hard.detach().numpy().sum(0) == 1).all()
    hard.backward(ta.tensor(np.eye(5, 4)))
    ta.manual_seed(4)
    x2 = ta.tensor(x.detach().numpy(), requires_grad=True)
    F.gumbel_softmax(x2, dim=0).backward(ta.tensor(np.eye(5, 4)))
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), atol=1e-14)


# --- top-level names --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                  "conv_transpose2d", "conv_transpose3d", "pixel_shuffle",
                                  "pixel_unshuffle", "channel_shuffle", "pdist",
                                  "pairwise_distance", "prelu", "hardshrink",
                                  "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d",
                                  "max_pool1d", "max_pool2d", "max_pool3d",
                                  "max_pool1d_with_indices", "bilinear", "rrelu", "rrelu_",
                                  "alpha_dropout", "feature_alpha_dropout", "rms_norm",
                                  "layer_norm", "group_norm", "selu", "celu", "threshold",
                                  "dropout", "native_channel_shuffle", "selu_", "celu_",
                                  "threshold_", "relu_"])
def test_top_level_names_exist_as_in_torch(name):
    assert hasattr(torch, name)
    assert callable(getattr(ta, name))


def test_top_level_conv_is_the_functional_one():
    x, w = rnd(1, 2, 5), rnd(3, 2, 2)
    check(ta.conv1d, torch.conv1d, x, w)
    check(lambda x: ta.adaptive_max_pool1d(x, 2), lambda x: torch.adaptive_max_pool1d(x, 2), x)
    check(lambda x: ta.dropout(x, 0.5, False), lambda x: torch.dropout(x, 0.5, False), x)
    check(lambda x: ta.max_pool1d_with_indices(x, 2),
          lambda x: torch.max_pool1d_with_indices(x, 2), x)
    check(lambda x: ta.hardshrink(x, 0.3), lambda x: torch.hardshrink(x, 0.3), x)
    check(lambda x: ta.avg_pool1d(x, 2), lambda x: torch.avg_pool1d(x, 2), x)


# --- poisson_nll_loss, and the losses' result dtypes --------------------------------------------


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_poisson_nll_loss_matches_torch(log_input, full, reduction):
    x = rnd(3, 4) if log_input else np.abs(rnd(3, 4)) + 0.1
    t = np.abs(rnd(3, 4)) * 3 + 0.5  # some targets <= 1: Stirling's term is masked there
    check(lambda x, t: F.poisson_nll_loss(x, t, log_input, full, reduction=reduction),
          lambda x, t: TF.poisson_nll_loss(x, t, log_input, full, reduction=reduction), x, t)
    check(lambda x, t: ta.nn.PoissonNLLLoss(log_input, full, reduction=reduction)(x, t),
          lambda x, t: torch.nn.PoissonNLLLoss(log_input, full, reduction=reduction)(x, t),
          x, t)


def test_poisson_nll_loss_errors_match_torch():
    raises_like(lambda x, t: F.poisson_nll_loss(x, t, reduction="x"),
                lambda x, t: TF.poisson_nll_loss(x, t, reduction="x"), rnd(3), rnd(3))
    raises_like(F.poisson_nll_loss, TF.poisson_nll_loss, rnd(3, 4), rnd(3, 2))


LOSSES = {
    "mse_loss": lambda f, a, b: f.mse_loss(a, b),
    "l1_loss": lambda f, a, b: f.l1_loss(a, b),
    "smooth_l1_loss": lambda f, a, b: f.smooth_l1_loss(a, b),
    "huber_loss": lambda f, a, b: f.huber_loss(a, b),
    "binary_cross_entropy": lambda f, a, b: f.binary_cross_entropy(a, b),
    "binary_cross_entropy_with_logits": lambda f, a, b: f.binary_cross_entropy_with_logits(a, b),
    "kl_div": lambda f, a, b: f.kl_div(a, b, reduction="batchmean"),
    "soft_margin_loss": lambda f, a, b: f.soft_margin_loss(a, b),
    "poisson_nll_loss": lambda f, a, b: f.poisson_nll_loss(a, b),
    "gaussian_nll_loss": lambda f, a, b: f.gaussian_nll_loss(a, b, b),
    "triplet_margin_loss": lambda f, a, b: f.triplet_margin_loss(a, b, b),
    "cross_entropy (probabilities)": lambda f, a, b: f.cross_entropy(a, b),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.float64, np.float32),
                                    (np.float32, np.int64), (np.float32, np.bool_)])
def test_loss_result_dtypes_and_refusals_match_torch(name, dtypes):
    """Mixed float dtypes promote (or not) as torch's, integer and bool targets run or
    raise as torch's."""
    fn, (da, db) = LOSSES[name], dtypes
    x = R.random((3, 4)) * 0.8 + 0.1
    t = R.random((3, 4)) * 0.8 + 0.1
    tt = (t * 3).astype(db) if db == np.int64 else (t > 0.5) if db == np.bool_ else t.astype(db)
    try:
        theirs = fn(TF, torch.tensor(x.astype(da)), torch.tensor(tt))
    except (RuntimeError, ValueError, TypeError, NotImplementedError):
        with pytest.raises((RuntimeError, ValueError, TypeError, NotImplementedError)):
            fn(F, ta.tensor(x.astype(da)), ta.tensor(tt))
        return
    ours = fn(F, ta.tensor(x.astype(da)), ta.tensor(tt))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype,
                                                                        theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


def test_mse_loss_of_float32_and_float64_is_float64_with_a_float32_input_gradient():
    x = ta.tensor(np.ones(3, np.float32), requires_grad=True)
    loss = F.mse_loss(x, ta.tensor(np.zeros(3)))
    assert loss.dtype == np.float64
    loss.backward()
    assert x.grad.dtype == np.float32 and np.allclose(x.grad.numpy(), 2 / 3)
