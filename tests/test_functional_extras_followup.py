"""Follow-up nn breadth, compared with torch: unfold/fold results are fresh tensors."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return (ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))


def test_unfold_under_no_grad_is_no_view():
    x, tx = _pair((1, 2, 4, 4))
    with ta.no_grad():
        y = F.unfold(x, 2, stride=2)
    with torch.no_grad():
        ty = TF.unfold(tx, 2, stride=2)
    v, tv = ta.ones(1, 1, 3, 4, requires_grad=True), torch.ones(1, 1, 3, 4, requires_grad=True)
    y[None, -2::2, 0::3] = v
    ty[None, -2::2, 0::3] = tv
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())


def test_fold_under_no_grad_is_no_view():
    x, tx = _pair((1, 8, 4))
    with ta.no_grad():
        y = F.fold(x, (3, 3), 2)
    with torch.no_grad():
        ty = TF.fold(tx, (3, 3), 2)
    v, tv = ta.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    y[0, 0, 0, :2] = v
    ty[0, 0, 0, :2] = tv
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=2, stride=2),
                                dict(kernel_size=(2, 3), dilation=2, padding=1)])
def test_unfold_fold_grads_and_double_grads(kw):
    x, tx = _pair((2, 3, 5, 6))
    y, ty = F.unfold(x, **kw), TF.unfold(tx, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    w = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (g,) = ta.autograd.grad((y * ta.tensor(w)).pow(2).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty * torch.tensor(w)).pow(2).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), atol=1e-10)
    g.sum().backward()
    tg.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    c, tc = _pair(tuple(ty.shape), 2)
    z, tz = F.fold(c, (5, 6), **kw), TF.fold(tc, (5, 6), **kw)
    np.testing.assert_allclose(z.detach().numpy(), tz.detach().numpy(), atol=1e-12)
    (g,) = ta.autograd.grad(z.pow(2).sum(), c, create_graph=True)
    (tg,) = torch.autograd.grad(tz.pow(2).sum(), tc, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), atol=1e-10)
    g.sum().backward()
    tg.sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), tc.grad.numpy(), atol=1e-10)


_BICUBIC = [dict(size=(7, 9)), dict(size=(2, 3)), dict(scale_factor=1.7),
            dict(scale_factor=(0.6, 2.5)), dict(size=(1, 1)), dict(size=(5, 11))]


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("kw", _BICUBIC)
def test_bicubic_matches_torch(kw, align):
    x, tx = _pair((2, 3, 4, 5))
    y = F.interpolate(x, mode="bicubic", align_corners=align, **kw)
    ty = TF.interpolate(tx, mode="bicubic", align_corners=align, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    w = np.random.default_rng(3).standard_normal(tuple(ty.shape))
    (g,) = ta.autograd.grad((y * ta.tensor(w)).pow(2).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty * torch.tensor(w)).pow(2).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), atol=1e-10)
    g.pow(2).sum().backward()
    tg.pow(2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-9)


def test_bicubic_float32_and_module():
    a = np.random.default_rng(4).standard_normal((1, 2, 6, 3)).astype(np.float32)
    up, tup = ta.nn.Upsample(scale_factor=2.3, mode="bicubic"), \
        torch.nn.Upsample(scale_factor=2.3, mode="bicubic")
    y, ty = up(ta.tensor(a)), tup(torch.tensor(a))
    assert y.dtype == ta.float32 and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-5)
    y = F.interpolate(ta.tensor(a), size=(4, 8), mode="bicubic", align_corners=True)
    ty = TF.interpolate(torch.tensor(a), size=(4, 8), mode="bicubic", align_corners=True)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-5)


@pytest.mark.parametrize("shape,dtype", [((1, 1, 3), "float32"), ((1, 1, 2, 2, 2), "float32"),
                                         ((1, 1, 3, 3), "int64")])
def test_bicubic_refusals_match_torch(shape, dtype):
    a = np.ones(shape, dtype=dtype)
    with pytest.raises(NotImplementedError):
        TF.interpolate(torch.tensor(a), scale_factor=2, mode="bicubic")
    with pytest.raises(NotImplementedError):
        F.interpolate(ta.tensor(a), scale_factor=2, mode="bicubic")
