"""nn breadth: the torch.nn modules beyond the basics, each compared with torch's: the
repr, the parameters' names and shapes (a torch state_dict loads strictly), the forward
and backward with torch's weights, and the errors (float64 to 1e-10)."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

R = np.random.default_rng(11)


def rnd(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def same_module(ours, theirs, *inputs, train=False, atol=1e-10, bare_repr=True):
    """Same repr and state_dict keys/shapes; with torch's state loaded strictly, the same
    output and gradients (inputs and parameters) for a random upstream gradient. (A loss
    shows a non-default reduction in its repr, a known difference: ``bare_repr=False``.)"""
    if bare_repr:
        assert repr(ours) == repr(theirs)
    theirs = theirs.double()
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    assert [tuple(v.shape) for v in ours_sd.values()] == [tuple(v.shape) for v in
                                                          theirs_sd.values()]
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ours.to(ta.float64)
    ours.train(train)
    theirs.train(train)
    a = [ta.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    b = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    y, yt = ours(*a), theirs(*b)
    if isinstance(yt, tuple):
        for u, v in zip(y[1:], yt[1:]):
            np.testing.assert_array_equal(u.numpy(), v.numpy())
        y, yt = y[0], yt[0]
    assert tuple(y.shape) == tuple(yt.shape) and str(y.dtype) == str(yt.dtype)[6:]
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    g = R.standard_normal(tuple(yt.shape))
    y.backward(ta.tensor(g))
    yt.backward(torch.tensor(g))
    for u, v in zip(a, b):
        if v.requires_grad:
            np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), atol=atol, rtol=1e-7)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=atol, rtol=1e-7,
                                   err_msg=name)


# --- padding layers -----------------------------------------------------------------------------

PADS = ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"]


@pytest.mark.parametrize("kind", PADS)
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("padding", ["int", "tuple", "negative"])
@pytest.mark.parametrize("batched", [False, True])
def test_padding_layers_match_torch(kind, nd, padding, batched):
    pad = {"int": 2, "tuple": tuple(range(1, 2 * nd + 1)),
           "negative": tuple([-1, 2] * nd)}[padding]
    if kind == "ReflectionPad" and padding == "tuple":
        pad = tuple(min(p, 3) for p in pad)
    args = (pad, 1.5) if kind == "ConstantPad" else (pad,)
    shape = (2,) * batched + (3,) + (5, 4, 4)[:nd]
    ours, theirs, x = getattr(nn, f"{kind}{nd}d")(*args), getattr(tnn, f"{kind}{nd}d")(*args), \
        rnd(*shape)
    try:
        theirs(torch.tensor(x))
    except RuntimeError:  # e.g. circular padding wider than its dim: both refuse
        with pytest.raises(RuntimeError):
            ours(ta.tensor(x))
        return
    same_module(ours, theirs, x)


@pytest.mark.parametrize("kind,nd,pad,shape", [
    ("ReflectionPad", 1, 3, (2, 3)),        # reflect wider than the dim
    ("ReflectionPad", 2, 1, (3,)),          # too few dims
    ("CircularPad", 1, 4, (2, 3)),          # wraps more than once
    ("CircularPad", 2, 1, (3,)),            # circular's own dim check (ValueError)
    ("ReplicationPad", 3, 1, (2, 3)),
    ("ZeroPad", 2, (1, 2, 3), (2, 3, 3)),   # odd padding length
    ("ConstantPad", 1, (-3, -2), (2, 4)),   # crops to a negative size
])
def test_padding_errors_match_torch(kind, nd, pad, shape):
    args = (pad, 0.5) if kind == "ConstantPad" else (pad,)
    x = rnd(*shape)
    with pytest.raises(Exception) as theirs:
        getattr(tnn, f"{kind}{nd}d")(*args)(torch.tensor(x))
    with pytest.raises(Exception) as ours:
        getattr(nn, f"{kind}{nd}d")(*args)(ta.tensor(x))
    assert isinstance(ours.value, (type(theirs.value), RuntimeError, ValueError,
                                   NotImplementedError)), (ours, theirs)
    if isinstance(theirs.value, ValueError):
        assert isinstance(ours.value, ValueError)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, -1, 0, 1), (-1, -1, 1, 2, 1, 0), (0, 0, 0, 0)])
def test_f_pad_matches_torch_in_every_mode_and_dims(mode, pad):
    nd = len(pad) // 2
    for lead in [(2, 3), (3,)]:
        x = rnd(*lead, *(4,) * nd)
        a, b = ta.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        try:
            yt = torch.nn.functional.pad(b, pad, mode)
        except (RuntimeError, NotImplementedError):
            with pytest.raises((RuntimeError, NotImplementedError)):
                ta.functional.pad(a, pad, mode)
            continue
        y = ta.functional.pad(a, pad, mode)
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
        g = R.standard_normal(tuple(yt.shape))
        y.backward(ta.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


# --- shuffles, Softmax2d ------------------------------------------------------------------------


def test_shuffle_modules_and_softmax2d_match_torch():
    same_module(nn.PixelShuffle(2), tnn.PixelShuffle(2), rnd(2, 8, 3, 4))
    same_module(nn.PixelUnshuffle(2), tnn.PixelUnshuffle(2), rnd(2, 2, 4, 6))
    same_module(nn.ChannelShuffle(3), tnn.ChannelShuffle(3), rnd(2, 6, 3))
    same_module(nn.Softmax2d(), tnn.Softmax2d(), rnd(2, 4, 3, 3))
    same_module(nn.Softmax2d(), tnn.Softmax2d(), rnd(4, 3, 3))
    for shape in [(2, 3), (1, 2, 3, 4, 5)]:
        with pytest.raises(ValueError, match="3D or 4D"):
            nn.Softmax2d()(ta.tensor(rnd(*shape)))


# --- norms --------------------------------------------------------------------------------------


@pytest.mark.parametrize("args,kw", [((4,), {}), (([3, 4],), {"eps": 1e-3}),
                                     ((4,), {"elementwise_affine": False})])
def test_rms_norm_module_matches_torch(args, kw):
    theirs = tnn.RMSNorm(*args, **kw)
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
    same_module(nn.RMSNorm(*args, **kw), theirs, rnd(2, 3, 4))


def test_rms_norm_module_in_float32_uses_float32_eps():
    x = (rnd(3, 4) * 1e-4).astype(np.float32)
    y = nn.RMSNorm(4)(ta.tensor(x)).detach().numpy()
    yt = tnn.RMSNorm(4)(torch.tensor(x)).detach().numpy()
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, yt, rtol=1e-5)


def test_local_response_norm_and_instance_norm3d_match_torch():
    same_module(nn.LocalResponseNorm(3, 0.2, 0.7, 1.5), tnn.LocalResponseNorm(3, 0.2, 0.7, 1.5),
                rnd(2, 5, 3, 3))
    same_module(nn.InstanceNorm3d(3), tnn.InstanceNorm3d(3), rnd(2, 3, 2, 3, 4))
    theirs = tnn.InstanceNorm3d(3, affine=True, track_running_stats=True)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    same_module(nn.InstanceNorm3d(3, affine=True, track_running_stats=True), theirs,
                rnd(2, 3, 2, 3, 4), train=True)
    same_module(nn.InstanceNorm3d(3), tnn.InstanceNorm3d(3), rnd(3, 2, 3, 4))  # unbatched
    with pytest.raises(ValueError):
        nn.InstanceNorm3d(3)(ta.tensor(rnd(3, 2, 3)))


# --- Bilinear, LazyLinear -----------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_module_matches_torch(bias):
    same_module(nn.Bilinear(2, 3, 4, bias=bias), tnn.Bilinear(2, 3, 4, bias=bias),
                rnd(5, 2), rnd(5, 3))


def test_bilinear_init_is_uniform_within_one_over_sqrt_in1():
    m = nn.Bilinear(16, 3, 200)
    bound = 1 / math.sqrt(16)
    w, b = m.weight.numpy(), m.bias.numpy()
    assert w.shape == (200, 16, 3) and b.shape == (200,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.01
    assert nn.Bilinear(2, 3, 4, dtype=ta.float64).weight.dtype == np.float64


def test_lazy_linear_takes_in_features_from_its_first_input():
    ta.manual_seed(0)
    m = nn.LazyLinear(3)
    assert repr(m) == repr(tnn.LazyLinear(3))
    y = m(ta.randn(2, 5))
    assert y.shape == (2, 3) and type(m) is nn.Linear and m.in_features == 5
    assert m.weight.shape == (3, 5) and m.bias.shape == (3,)
    assert repr(m) == "Linear(in_features=5, out_features=3, bias=True)"
    bound = 1 / math.sqrt(5)
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.weight.numpy()).max() > 0
    m2 = nn.LazyLinear(4, bias=False, dtype=ta.float64)
    m2(ta.randn(3, 7, dtype=ta.float64))
    assert m2.bias is None and m2.weight.dtype == np.float64 and m2.weight.shape == (4, 7)
    assert list(m2.state_dict()) == ["weight"]
    t = tnn.Linear(7, 4, bias=False).double()
    m2.load_state_dict(t.state_dict())
    x = rnd(3, 7)
    np.testing.assert_allclose(m2(ta.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_lazy_linear_trains_after_the_dry_run():
    m = nn.LazyLinear(1)
    x = ta.randn(8, 4)
    m(x)
    opt = ta.optim.SGD(m.parameters(), lr=0.1)
    loss = m(x).pow(2).mean()
    loss.backward()
    before = m.weight.detach().numpy().copy()
    opt.step()
    assert not np.allclose(before, m.weight.numpy())


# --- losses -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [{}, {"full": True, "reduction": "sum"},
                                {"eps": 0.5, "reduction": "none"}])
def test_gaussian_nll_loss_module_matches_torch(kw):
    same_module(nn.GaussianNLLLoss(**kw), tnn.GaussianNLLLoss(**kw), rnd(4, 3), rnd(4, 3),
                np.abs(rnd(4, 1)), bare_repr="reduction" not in kw)


def test_triplet_margin_with_distance_loss_module_matches_torch():
    same_module(nn.TripletMarginWithDistanceLoss(), tnn.TripletMarginWithDistanceLoss(),
                rnd(5, 3), rnd(5, 3), rnd(5, 3), bare_repr=False)  # PairwiseDistance's repr
    same_module(nn.TripletMarginWithDistanceLoss(
        distance_function=nn.PairwiseDistance(p=1), margin=0.5, swap=True, reduction="sum"),
        tnn.TripletMarginWithDistanceLoss(distance_function=tnn.PairwiseDistance(p=1),
                                          margin=0.5, swap=True, reduction="sum"),
        rnd(5, 3), rnd(5, 3), rnd(5, 3), bare_repr=False)
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)  # keyword-only, as torch


# --- 3-d conv / pool layers, unpool, LP pool ------------------------------------------------------


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "bias": False},
                                {"padding": "same", "padding_mode": "circular"},
                                {"groups": 2, "dilation": (1, 2, 1), "padding_mode": "reflect",
                                 "padding": 1}])
def test_conv3d_module_matches_torch(kw):
    same_module(nn.Conv3d(2, 4, (2, 3, 2), **kw), tnn.Conv3d(2, 4, (2, 3, 2), **kw),
                rnd(2, 2, 5, 6, 4))


def test_conv_transpose3d_module_matches_torch():
    same_module(nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=1),
                tnn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=1),
                rnd(2, 2, 3, 2, 3))
    w = nn.Conv3d(3, 5, (2, 3, 4)).weight.numpy()
    assert w.shape == (5, 3, 2, 3, 4) and np.abs(w).max() <= 1 / math.sqrt(3 * 24)


def test_3d_pool_modules_match_torch():
    x = rnd(2, 3, 5, 6, 4)
    same_module(nn.MaxPool3d(2), tnn.MaxPool3d(2), x)
    same_module(nn.MaxPool3d(3, 2, 1, return_indices=True, ceil_mode=True),
                tnn.MaxPool3d(3, 2, 1, return_indices=True, ceil_mode=True), x)
    same_module(nn.AvgPool3d(2, 1, 1, count_include_pad=False),
                tnn.AvgPool3d(2, 1, 1, count_include_pad=False), x)
    same_module(nn.AdaptiveAvgPool3d((1, None, 2)), tnn.AdaptiveAvgPool3d((1, None, 2)), x)
    same_module(nn.AdaptiveMaxPool3d(2, return_indices=True),
                tnn.AdaptiveMaxPool3d(2, return_indices=True), x)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_modules_match_torch(nd):
    x = torch.tensor(rnd(2, 3, *(6,) * nd))
    y, i = getattr(tnn, f"MaxPool{nd}d")(2, return_indices=True)(x)
    same_module(getattr(nn, f"MaxUnpool{nd}d")(2), getattr(tnn, f"MaxUnpool{nd}d")(2),
                y.numpy(), i.numpy())
    ours = getattr(nn, f"MaxUnpool{nd}d")(2)(ta.tensor(y.numpy()), ta.tensor(i.numpy()),
                                              output_size=(7,) * nd)
    theirs = getattr(tnn, f"MaxUnpool{nd}d")(2)(y, i, output_size=(7,) * nd)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_lp_pool_modules_match_torch(nd):
    x = np.abs(rnd(2, 3, *(5,) * nd)) + 0.1
    same_module(getattr(nn, f"LPPool{nd}d")(2, 2), getattr(tnn, f"LPPool{nd}d")(2, 2), x)
    same_module(getattr(nn, f"LPPool{nd}d")(1.5, 3, 2, ceil_mode=True),
                getattr(tnn, f"LPPool{nd}d")(1.5, 3, 2, ceil_mode=True), x, atol=1e-9)


# --- dropouts and RReLU -------------------------------------------------------------------------


def test_dropout_modules_in_eval_mode_match_torch():
    for ours, theirs, shape in [(nn.Dropout3d(0.3), tnn.Dropout3d(0.3), (2, 3, 2, 2, 2)),
                                (nn.AlphaDropout(0.3), tnn.AlphaDropout(0.3), (4, 5)),
                                (nn.FeatureAlphaDropout(0.3), tnn.FeatureAlphaDropout(0.3),
                                 (2, 3, 4))]:
        x = rnd(*shape)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours.eval()(ta.tensor(x)).numpy(),
                                      theirs.eval()(torch.tensor(x)).numpy())


def test_dropout3d_drops_whole_channels_in_training():
    ta.manual_seed(5)
    y = nn.Dropout3d(0.5)(ta.ones(20, 6, 2, 3, 2)).numpy()
    per_channel = y.reshape(20, 6, -1)
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    unbatched = nn.Dropout3d(0.5)(ta.ones(6, 2, 3, 2)).numpy().reshape(6, -1)
    assert (unbatched.min(-1) == unbatched.max(-1)).all()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ta.functional.dropout3d(ta.ones(3, 4), 0.5)
    assert any("dropout3d" in str(w.message) for w in caught)


def test_alpha_dropout_module_in_training_keeps_selu_statistics():
    ta.manual_seed(6)
    x = ta.tensor(R.standard_normal((300, 400)))
    y = nn.AlphaDropout(0.3)(x).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.015


def test_rrelu_module_eval_matches_torch_and_training_is_random():
    x = rnd(4, 6)
    same_module(nn.RReLU(0.1, 0.3), tnn.RReLU(0.1, 0.3), x, atol=0)
    m = nn.RReLU(0.1, 0.3)
    ta.manual_seed(7)
    y = m(ta.tensor(-np.ones((100, 100)))).numpy()
    assert y.min() >= -0.3 and y.max() <= -0.1 and len(np.unique(y)) > 100


def test_reflect_and_replicate_with_negative_padding_use_the_whole_input_as_torch():
    x = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    for mode, pad in [("reflect", (-2, 3)), ("reflect", (2, -3)), ("replicate", (3, -3)),
                      ("replicate", (-2, 3))]:
        ours = ta.functional.pad(ta.tensor(x), pad, mode).numpy()
        theirs = torch.nn.functional.pad(torch.tensor(x), pad, mode=mode).numpy()
        np.testing.assert_array_equal(ours, theirs)
    assert ta.functional.pad(ta.tensor(x), (-2, 3), "reflect").tolist() == [[[3.0, 4.0, 3.0,
                                                                             2.0, 1.0]]]


def test_circular_padding_that_wraps_past_the_cropped_part_is_refused():
    # torch raises here, or returns memory it never wrote (try F.pad(x, (0, 0, 2, -2),
    # mode="circular") on a (1, 1, 2, 2) tensor): either way no result to match
    x = ta.ones(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match="wraps more than"):
        ta.functional.pad(x, (0, 0, 2, -1), mode="circular")
    assert ta.functional.pad(ta.ones(1, 1, 3, 2), (0, 0, 2, -1), mode="circular").shape == (
        1, 1, 4, 2)


def test_padding_to_an_empty_dim_runs_as_torch_except_for_one_padded_dim():
    for pad, shape in [((0, 0, -1, -1), (1, 1, 2, 3)), ((-1, -2, 0, 0), (1, 1, 2, 3))]:
        assert tuple(ta.functional.pad(ta.ones(*shape), pad, mode="reflect").shape) == tuple(
            torch.nn.functional.pad(torch.ones(shape), pad, mode="reflect").shape)
    with pytest.raises(RuntimeError, match="too small"):
        ta.functional.pad(ta.ones(1, 1, 2), (-1, -1), mode="reflect")


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_lazy_conv_takes_in_channels_from_its_first_input_as_torch(nd):
    ours = getattr(nn, f"LazyConv{nd}d")(4, 3, padding=1, bias=nd != 2)
    theirs = getattr(tnn, f"LazyConv{nd}d")(4, 3, padding=1, bias=nd != 2).double()
    assert repr(ours) == repr(theirs)
    x = rnd(2, 6, *(5,) * nd)
    ours(ta.tensor(x.astype(np.float32)))
    theirs(torch.tensor(x))
    assert type(ours) is getattr(nn, f"Conv{nd}d") and repr(ours) == repr(theirs)
    w = ours.weight.numpy()
    assert w.shape == tuple(theirs.weight.shape) and 0 < np.abs(w).max() <= 1 / math.sqrt(
        6 * 3 ** nd)
    ours.to(ta.float64)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    np.testing.assert_allclose(ours(ta.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)
    unbatched = getattr(nn, f"LazyConv{nd}d")(2, 1)
    unbatched(ta.randn(3, *(4,) * nd))
    assert unbatched.in_channels == 3
    with pytest.raises(ValueError, match="divisible by groups"):
        getattr(nn, f"LazyConv{nd}d")(4, 3, groups=4)(ta.randn(1, 6, *(5,) * nd))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_lazy_conv_transpose_takes_in_channels_from_its_first_input_as_torch(nd):
    kw = {"stride": 2, "padding": 1, "output_padding": 1}
    ours = getattr(nn, f"LazyConvTranspose{nd}d")(4, 3, **kw)
    theirs = getattr(tnn, f"LazyConvTranspose{nd}d")(4, 3, **kw).double()
    assert repr(ours) == repr(theirs)
    ours.to(ta.float64)
    x = rnd(2, 6, *(4,) * nd)
    ours(ta.tensor(x))
    theirs(torch.tensor(x))
    assert type(ours) is getattr(nn, f"ConvTranspose{nd}d") and repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.weight.dtype == np.float64
    ours.load_state_dict(theirs.state_dict(), strict=True)
    np.testing.assert_allclose(ours(ta.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)
