"""interpolate (nearest / nearest-exact / linear / bilinear / trilinear / area) and the
Upsample layers: values and gradients against torch in float64 to 1e-12 over a grid of
sizes, scale factors and align_corners; torch's errors for bad arguments; gradients
against central differences (first and second order) without torch."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

from tests.helpers import check_grads

RNG = np.random.default_rng(7)
LINEAR = {3: "linear", 4: "bilinear", 5: "trilinear"}
SPECS = [dict(size=1), dict(size=4), dict(size=9), dict(scale_factor=2.2),
         dict(scale_factor=0.5), dict(scale_factor=1 / 3), dict(scale_factor=3),
         dict(scale_factor=1.3, recompute_scale_factor=True)]


def _shape(ndim: int, n: int) -> tuple:
    return (2, 3) + ((n,), (n, n + 1), (n, n, n - 1 if n > 1 else 1))[ndim - 3]


def _cases():
    for ndim in (3, 4, 5):
        for n in (1, 2, 3, 7):
            for spec in SPECS:
                yield "nearest", ndim, n, spec, None
                yield "nearest-exact", ndim, n, spec, None
                for align in (None, False, True):
                    yield LINEAR[ndim], ndim, n, spec, align


def _torch_inconsistent(mode: str, ndim: int, n: int, spec: dict) -> bool:
    """torch's 1-d / 3-d nearest backward shortcuts n_out in (n_in, 2 n_in), its forward
    does not: there its gradient is not the transpose of its forward (see nearest_plan)."""
    if mode != "nearest" or ndim == 4 or "scale_factor" not in spec:
        return False
    s = spec["scale_factor"]
    return any(int(np.floor(m * s)) in (m, 2 * m) and s not in (1, 2)
               for m in _shape(ndim, n)[2:])


CASES = list(_cases())


@pytest.mark.torch
@pytest.mark.parametrize("mode, ndim, n, spec, align", CASES,
                         ids=[f"{m}-{d}d-{n}-{s}-{a}" for m, d, n, s, a in CASES])
def test_values_and_gradients_equal_torchs(mode, ndim, n, spec, align):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(_shape(ndim, n))
    tx = torch.tensor(x, requires_grad=True)
    try:
        ty = torch.nn.functional.interpolate(tx, mode=mode, align_corners=align, **spec)
    except RuntimeError as e:    # an output size of 0: the same error
        with pytest.raises(RuntimeError) as ours:
            F.interpolate(ta.tensor(x), mode=mode, align_corners=align, **spec)
        assert str(ours.value) == str(e)
        return
    g = RNG.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ax = ta.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # align_corners=None warns in neither
        ay = F.interpolate(ax, mode=mode, align_corners=align, **spec)
    ay.backward(ta.tensor(g))
    assert ay.shape == tuple(ty.shape) and ay.dtype == np.float64
    np.testing.assert_allclose(ay.numpy(), ty.detach().numpy(), rtol=0, atol=1e-12)
    if not _torch_inconsistent(mode, ndim, n, spec):
        np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=0, atol=1e-12)
    # float32 stays float32, and agrees to float32 rounding
    y32 = F.interpolate(ta.tensor(x.astype(np.float32)), mode=mode, align_corners=align,
                        **spec)
    t32 = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float32), mode=mode,
                                          align_corners=align, **spec)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), t32.numpy(), rtol=0, atol=1e-5)


@pytest.mark.torch
def test_torchs_1d_nearest_gradient_is_not_its_forwards_transpose_ours_is():
    """Pinned: with scale_factor=2.2 on 3 inputs torch picks sources [0,0,0,1,1,2] but
    sends the gradient to [0,0,1,1,2,2]; ours follows the forward's picks."""
    torch = pytest.importorskip("torch")
    g = np.arange(6.0).reshape(1, 1, 6)
    tx = torch.zeros(1, 1, 3, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.interpolate(tx, scale_factor=2.2).backward(torch.tensor(g))
    x = ta.zeros(1, 1, 3, dtype=np.float64, requires_grad=True)
    y = F.interpolate(x, scale_factor=2.2)
    y.backward(ta.tensor(g))
    src = F.interpolate(ta.arange(3.0).reshape(1, 1, 3), scale_factor=2.2).numpy()
    assert src.ravel().tolist() == [0, 0, 0, 1, 1, 2]
    assert x.grad.numpy().ravel().tolist() == [3.0, 7.0, 5.0]     # 0+1+2, 3+4, 5
    assert tx.grad.numpy().ravel().tolist() == [1.0, 5.0, 9.0]     # torch's: 0+1, 2+3, 4+5


# --- gradients without torch -------------------------------------------------------------

GRAD_CASES = [
    ((1, 2, 3, 3), dict(scale_factor=2)),
    ((2, 1, 5), dict(size=3)),
    ((1, 1, 3, 4), dict(size=(5, 2), mode="bilinear")),
    ((1, 1, 3, 4), dict(scale_factor=1.5, mode="bilinear", align_corners=True)),
    ((2, 2, 4), dict(size=9, mode="linear")),
    ((1, 1, 2, 3, 2), dict(scale_factor=(1.5, 1, 2), mode="trilinear")),
    ((1, 1, 2, 3, 2), dict(size=(3, 2, 4), mode="nearest-exact")),
]


@pytest.mark.parametrize("shape, kw", GRAD_CASES)
def test_gradients_match_central_differences(shape, kw):
    check_grads(lambda x: F.interpolate(x, **kw), RNG.standard_normal(shape))


@pytest.mark.parametrize("shape, kw", GRAD_CASES[2:4])
def test_second_order_through_the_transposed_weights(shape, kw):
    x = ta.tensor(RNG.standard_normal(shape), requires_grad=True)
    ta.gradgradcheck(lambda t: F.interpolate(t, **kw), (x,))


def test_nearest_gradient_is_an_index_scatter_add():
    """Downsampling by 2 picks every other input: the others get exactly 0; upsampling by
    2 sends each input the sum of its 2 x 2 block."""
    x = ta.ones(1, 1, 4, 4, requires_grad=True)
    F.interpolate(x, size=2).sum().backward()
    assert x.grad.numpy()[0, 0].tolist() == [[1, 0, 1, 0], [0] * 4, [1, 0, 1, 0], [0] * 4]
    x = ta.ones(1, 1, 2, 2, requires_grad=True)
    (F.interpolate(x, scale_factor=2) * ta.arange(16.0).reshape(1, 1, 4, 4)).sum().backward()
    assert x.grad.numpy()[0, 0].tolist() == [[10, 18], [42, 50]]


def test_linear_keeps_the_corners_and_constants():
    x = ta.tensor(RNG.standard_normal((1, 1, 3, 5)))
    y = F.interpolate(x, size=(7, 4), mode="bilinear", align_corners=True).numpy()
    corners = [(0, 0), (0, -1), (-1, 0), (-1, -1)]
    assert [y[0, 0][c] for c in corners] == [x.numpy()[0, 0][c] for c in corners]
    const = F.interpolate(ta.full((1, 2, 4), 3.5), scale_factor=2.5, mode="linear")
    np.testing.assert_allclose(const.numpy(), 3.5, rtol=0, atol=1e-6)


@pytest.mark.torch
def test_an_inf_spreads_only_to_its_neighbours_as_torchs():
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 2] = np.inf
    ours = F.interpolate(ta.tensor(x), scale_factor=2, mode="bilinear").numpy()
    theirs = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=2,
                                             mode="bilinear").numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert np.isfinite(ours).sum() > 40


@pytest.mark.torch
def test_area_mode_and_dtypes_as_torchs():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((1, 2, 6, 5))
    np.testing.assert_allclose(
        F.interpolate(ta.tensor(x), size=(3, 2), mode="area").numpy(),
        torch.nn.functional.interpolate(torch.tensor(x), size=(3, 2), mode="area").numpy(),
        rtol=0, atol=1e-12)
    u = np.arange(6, dtype=np.uint8).reshape(1, 1, 2, 3)
    ours = F.interpolate(ta.tensor(u), scale_factor=2)
    assert ours.dtype == np.uint8
    assert ours.numpy().tolist() == torch.nn.functional.interpolate(
        torch.tensor(u), scale_factor=2).numpy().tolist()
    empty = F.interpolate(ta.zeros(0, 1, 3, 3), size=2, mode="bilinear")
    assert empty.shape == (0, 1, 2, 2)


# --- errors: torch's type and message ----------------------------------------------------

BAD = [
    ((1, 1, 3), dict(size=3, scale_factor=2)),
    ((1, 1, 3), dict()),
    ((1, 1, 3), dict(size=(2, 3))),
    ((1, 1, 3), dict(scale_factor=(2, 3))),
    ((1, 1, 3), dict(size=4, align_corners=True)),
    ((1, 1, 3), dict(size=4, recompute_scale_factor=True)),
    ((1, 1, 3), dict(size=4, mode="bilinear")),
    ((1, 1, 3, 3), dict(size=4, mode="linear")),
    ((1, 1, 3, 3), dict(size=4, mode="trilinear")),
    ((1, 1, 3), dict(size=4, mode="foo")),
    ((3, 3), dict(size=2)),
    ((3, 3), dict(size=(2,))),
    ((1, 1, 3), dict(scale_factor=0.2)),
    ((1, 1, 3), dict(size=-1)),
    ((1, 1, 3, 3), dict(size=(0, 2))),
    ((1, 1, 3, 3, 3), dict(size=(0, 2, 2))),
    ((1, 1, 3), dict(scale_factor=2, mode="linear", antialias=True)),
]


@pytest.mark.torch
@pytest.mark.parametrize("shape, kw", BAD, ids=[str(kw) for _, kw in BAD])
def test_bad_arguments_raise_torchs_errors(shape, kw):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.interpolate(torch.zeros(shape), **kw)
    with pytest.raises(type(theirs.value)) as ours:
        F.interpolate(ta.zeros(*shape), **kw)
    assert str(ours.value) == str(theirs.value)


def test_refusals_name_the_case():
    with pytest.raises(TypeError, match="expected size"):
        F.interpolate(ta.zeros(1, 1, 3, 3), size=(2.5, 2))
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(ta.zeros(1, 1, 3, 3), size=4, mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="int64"):
        F.interpolate(ta.zeros(1, 1, 3, dtype=np.int64), size=4, mode="linear")
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.interpolate(np.zeros((1, 1, 3)), size=4)


# --- the layers and the deprecated names ------------------------------------------------

@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2),
    lambda m: m.Upsample(size=(3, 5), mode="bilinear", align_corners=True),
    lambda m: m.Upsample(scale_factor=(2, 1.5), mode="bilinear", recompute_scale_factor=True),
    lambda m: m.UpsamplingNearest2d(size=3),
    lambda m: m.UpsamplingBilinear2d(scale_factor=2),
])
def test_upsample_layers_match_torchs(make):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 1, 3, 4))
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert ours.scale_factor == theirs.scale_factor and ours.size == theirs.size
    np.testing.assert_allclose(ours(ta.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).numpy(), rtol=0, atol=1e-12)
    assert not list(ours.parameters()) and ours.state_dict() == {}


@pytest.mark.parametrize("name, same", [
    ("upsample", dict(mode="nearest")),
    ("upsample_nearest", dict(mode="nearest")),
    ("upsample_bilinear", dict(mode="bilinear", align_corners=True)),
])
def test_deprecated_upsample_names_warn_and_interpolate(name, same):
    x = ta.tensor(RNG.standard_normal((1, 1, 2, 3)))
    with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):
        y = getattr(F, name)(x, scale_factor=2)
    np.testing.assert_array_equal(y.numpy(), F.interpolate(x, scale_factor=2, **same).numpy())
