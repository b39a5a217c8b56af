"""nn breadth, round 2: affine_grid / grid_sample, the class-margin losses
(multi_margin_loss, multilabel_margin_loss and their modules), and weight / spectral
normalization (the hook-based nn.utils forms and nn.utils.parametrize /
parametrizations), each compared with torch in the same process: values, gradients
(float64 to 1e-10, float32 to 1e-5), result dtypes, errors, state_dict keys, training."""
import itertools
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn
from tinygrad_acts.nn.utils import parametrizations, parametrize

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {np.float64: 1e-10, np.float32: 1e-5}


@pytest.fixture(autouse=True)
def _seeded():
    """torch's random u and v (spectral_norm) are copied into ours: seed for repeatability."""
    torch.manual_seed(0)
    ta.manual_seed(0)


def _close(ours, theirs, dtype):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.detach().numpy() if isinstance(ours, ta.Tensor) else ours
    assert ours.shape == theirs.shape
    scale = max(1.0, float(np.abs(theirs).max())) if theirs.size else 1.0
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL[dtype] * scale)


def _both(*arrays):
    ours = [ta.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    return ours, theirs


def _compare(ours_fn, theirs_fn, arrays, dtype, seed=0):
    """Values, dtype and the gradients of every float input for a random upstream grad."""
    a, b = _both(*arrays)
    y, yt = ours_fn(*a), theirs_fn(*b)
    assert str(y.dtype) == str(yt.dtype).replace("torch.", "")
    _close(y, yt, dtype)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(dtype)
    (y * ta.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for u, v in zip(a, b):
        if v.requires_grad:
            assert u.grad is not None
            _close(u.grad, v.grad, dtype)


def _same_error(ours_fn, theirs_fn):
    with pytest.raises(Exception) as theirs:
        theirs_fn()
    with pytest.raises(type(theirs.value)):
        ours_fn()


# --- affine_grid / grid_sample ---------------------------------------------------------------

MODES = [(nd, mode) for nd in (2, 3) for mode in ("bilinear", "nearest", "bicubic")
         if not (nd == 3 and mode == "bicubic")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("nd, mode", MODES)
def test_grid_sample_matches_torch(nd, mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(nd * 7 + len(mode))
    x = rng.standard_normal((2, 3, *(3, 4, 5)[-nd:])).astype(dtype)
    # coordinates well outside [-1, 1] (several reflections) and exactly on the borders
    g = rng.uniform(-3.5, 3.5, (2, *(3, 2, 4)[-nd:], nd))
    g.reshape(-1, nd)[:6] = [[-1.0] * nd, [1.0] * nd, [0.0] * nd, [-1.0, 1.0, 0.5][:nd],
                             [2.0] * nd, [-3.0] * nd]
    g = g.astype(dtype)
    _compare(lambda a, b: F.grid_sample(a, b, mode, padding_mode, align_corners),
             lambda a, b: TF.grid_sample(a, b, mode, padding_mode, align_corners),
             [x, g], dtype)


def test_grid_sample_nearest_grid_gradient_is_zeros_and_empty_shapes():
    x = ta.randn(1, 2, 3, 3, requires_grad=True)
    g = ta.zeros(1, 2, 2, 2, requires_grad=True)
    F.grid_sample(x, g, "nearest", align_corners=False).sum().backward()
    assert g.grad is not None and not g.grad.numpy().any()
    for xs, gs in [((2, 0, 4, 5), (2, 6, 7, 2)), ((2, 3, 4, 5), (2, 0, 7, 2)),
                   ((0, 3, 4, 5), (0, 6, 7, 2))]:
        y = F.grid_sample(ta.zeros(*xs), ta.zeros(*gs), align_corners=False)
        assert tuple(y.shape) == tuple(TF.grid_sample(torch.zeros(xs), torch.zeros(gs),
                                                      align_corners=False).shape)


def test_grid_sample_gradcheck_and_spatial_transformer_identity():
    rng = np.random.default_rng(3)
    x = ta.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = ta.tensor(rng.uniform(-0.9, 0.9, (1, 2, 3, 2)), requires_grad=True)
    for mode in ("bilinear", "bicubic"):
        assert ta.gradcheck(lambda a, b, m=mode: F.grid_sample(a, b, m, "zeros", True), (x, g))
    # the identity affine grid reads every pixel back exactly
    eye = ta.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=ta.float64)
    for ac in (False, True):
        grid = F.affine_grid(eye, (1, 2, 3, 4), align_corners=ac)
        out = F.grid_sample(x, grid, align_corners=ac)
        np.testing.assert_allclose(out.detach().numpy(), x.detach().numpy(), atol=1e-12)


def test_grid_sample_align_corners_default_warns_as_torch():
    x, g = ta.zeros(1, 1, 2, 2), ta.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="align_corners=False"):
        F.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False"):
        F.affine_grid(ta.zeros(1, 2, 3), (1, 1, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(x, g, align_corners=False)


GRID_ERRORS = [
    ((2, 3, 4, 5), (2, 6, 7, 2), {"mode": "foo"}),
    ((2, 3, 4, 5), (2, 6, 7, 2), {"padding_mode": "foo"}),
    ((2, 3, 4, 5), (1, 6, 7, 2), {}),
    ((2, 3, 4, 5), (2, 6, 7, 3), {}),
    ((2, 3, 0, 5), (2, 6, 7, 2), {}),
    ((2, 3, 4, 4, 4), (2, 1, 1, 1, 3), {"mode": "bicubic"}),
    ((2, 3, 4, 5), (2, 6, 7, 1, 2), {}),
    ((3, 4, 5), (3, 7, 2), {}),
]


@pytest.mark.parametrize("xs, gs, kw", GRID_ERRORS)
def test_grid_sample_errors_as_torch(xs, gs, kw):
    _same_error(lambda: F.grid_sample(ta.zeros(*xs), ta.zeros(*gs), align_corners=False, **kw),
                lambda: TF.grid_sample(torch.zeros(xs), torch.zeros(gs), align_corners=False,
                                       **kw))


def test_grid_sample_dtype_errors():
    x, g = ta.zeros(1, 1, 2, 2), ta.zeros(1, 1, 1, 2, dtype=ta.float64)
    with pytest.raises(RuntimeError, match="grid_sampler"):
        F.grid_sample(x, g, align_corners=False)
    with pytest.raises(RuntimeError, match="grid_sampler"):
        F.grid_sample(x.long(), g.long(), align_corners=False)
    with pytest.raises(TypeError, match="grid_sample"):
        F.grid_sample(np.zeros((1, 1, 2, 2)), g, align_corners=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 3, 1, 5), (2, 1, 3, 4, 2), (2, 1, 1, 1, 3)])
def test_affine_grid_matches_torch(size, align_corners, dtype):
    nd = len(size) - 2
    theta = np.random.default_rng(len(size)).standard_normal((2, nd, nd + 1)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (unit sizes with align_corners warn, as torch)
        _compare(lambda t: F.affine_grid(t, size, align_corners),
                 lambda t: TF.affine_grid(t, size, align_corners), [theta], dtype)


@pytest.mark.parametrize("theta, size", [
    ((2, 2, 3), (2, 3, 4, 5, 6)), ((2, 3, 4), (2, 3, 4, 5)), ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (2, 3, 0, 5)), ((2, 3), (2, 3, 4, 5)), ((2, 2, 3), (3, 3, 4, 5))])
def test_affine_grid_errors_as_torch(theta, size):
    _same_error(lambda: F.affine_grid(ta.zeros(*theta), size, False),
                lambda: TF.affine_grid(torch.zeros(theta), size, False))
    with pytest.raises(ValueError, match="floating point"):
        F.affine_grid(ta.zeros(2, 2, 3).long(), (2, 3, 4, 5), False)


# --- multi_margin_loss / multilabel_margin_loss ---------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("p, margin, weighted", [(1, 1.0, False), (2, 0.7, False),
                                                 (1, 0.3, True), (2, 1.5, True)])
def test_multi_margin_loss_matches_torch(p, margin, weighted, reduction, dtype):
    rng = np.random.default_rng(p)
    x = rng.standard_normal((5, 4)).astype(dtype)
    x[0] = [0.0, 1.0, 0.0, 0.0]  # z = 0 exactly for class 1 vs target 0: no gradient
    y = np.array([1, 3, 0, 0, 2])
    w = rng.random(4).astype(dtype) if weighted else None

    def ours(a):
        return F.multi_margin_loss(a, ta.tensor(y), p, margin,
                                   None if w is None else ta.tensor(w), reduction=reduction)

    def theirs(a):
        return TF.multi_margin_loss(a, torch.tensor(y), p, margin,
                                    None if w is None else torch.tensor(w), reduction=reduction)

    _compare(ours, theirs, [x], dtype)
    module = nn.MultiMarginLoss(p, margin, None if w is None else ta.tensor(w),
                                reduction=reduction)
    _close(module(ta.tensor(x), ta.tensor(y)), theirs(torch.tensor(x)), dtype)


@pytest.mark.parametrize("shape, target, reduction", [
    ((4,), 1, "none"), ((4,), [1], "none"), ((4,), 2, "mean"), ((), 0, "none"),
    ((0, 4), [], "none"), ((1, 3), [2], "sum")])
def test_multi_margin_loss_shapes(shape, target, reduction):
    x = np.random.default_rng(0).standard_normal(shape)
    t = np.array(target, np.int64)
    y = F.multi_margin_loss(ta.tensor(x), ta.tensor(t), reduction=reduction)
    yt = TF.multi_margin_loss(torch.tensor(x), torch.tensor(t), reduction=reduction)
    _close(y, yt, np.float64)


MULTI_MARGIN_ERRORS = [
    ((3, 4), [0, 3, 1], {"p": 3}),
    ((3, 4), [0, 3, 1], {"weight": np.ones((2, 2))}),
    ((3, 4), [0, 3, 1], {"weight": np.ones(3)}),
    ((3, 4), [0, 4, 1], {}),
    ((3, 4), [0, -1, 1], {}),
    ((3, 4), [0, 1], {}),
    ((2, 3, 4), [0, 1], {}),
    ((3, 0), [0, 1, 2], {}),
    ((3, 4), [0, 3, 1], {"reduction": "bad"}),
]


@pytest.mark.parametrize("shape, target, kw", MULTI_MARGIN_ERRORS)
def test_multi_margin_loss_errors_as_torch(shape, target, kw):
    w = kw.pop("weight", None)
    x, t = np.zeros(shape), np.array(target, np.int64)
    _same_error(
        lambda: F.multi_margin_loss(ta.tensor(x), ta.tensor(t),
                                    weight=None if w is None else ta.tensor(w), **kw),
        lambda: TF.multi_margin_loss(torch.tensor(x), torch.tensor(t),
                                     weight=None if w is None else torch.tensor(w), **kw))


def test_multi_margin_loss_type_errors():
    x, y = ta.zeros(3, 4), ta.tensor([0, 1, 2])
    with pytest.raises(RuntimeError, match="Long"):
        F.multi_margin_loss(x, y.float())
    with pytest.raises(RuntimeError, match="weight"):
        F.multi_margin_loss(x, y, weight=ta.ones(4, dtype=ta.float64))
    with pytest.raises(NotImplementedError):
        F.multi_margin_loss(x.long(), y)
    with pytest.raises(RuntimeError, match="weight"):
        F.multi_margin_loss(x, y, weight=ta.ones(4, requires_grad=True))
    with pytest.raises(ValueError):
        nn.MultiMarginLoss(p=3)
    assert list(nn.MultiMarginLoss(weight=ta.ones(4)).state_dict()) == ["weight"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_matches_torch(reduction, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5)).astype(dtype)
    x[0, :2] = [1.0, 0.0]  # a pair exactly at the margin
    # ended by -1 (later entries ignored), repeated labels, a full row, an empty row
    t = np.array([[0, 3, -1, 1, 2], [1, 1, 2, -1, -1], [4, 3, 2, 1, 0], [-1, 0, 1, 2, 3]])

    def ours(a):
        return F.multilabel_margin_loss(a, ta.tensor(t), reduction=reduction)

    def theirs(a):
        return TF.multilabel_margin_loss(a, torch.tensor(t), reduction=reduction)

    _compare(ours, theirs, [x], dtype)
    module = nn.MultiLabelMarginLoss(reduction=reduction)
    _close(module(ta.tensor(x), ta.tensor(t)), theirs(torch.tensor(x)), dtype)


@pytest.mark.parametrize("shape, target, reduction", [
    ((4,), [1, -1, 0, 0], "none"), ((), 0, "none"), ((0, 4), np.zeros((0, 4)), "sum"),
    ((4,), [3, 2, 1, 0], "mean")])
def test_multilabel_margin_loss_shapes(shape, target, reduction):
    x = np.random.default_rng(1).standard_normal(shape)
    t = np.array(target, np.int64)
    y = F.multilabel_margin_loss(ta.tensor(x), ta.tensor(t), reduction=reduction)
    yt = TF.multilabel_margin_loss(torch.tensor(x), torch.tensor(t), reduction=reduction)
    _close(y, yt, np.float64)


@pytest.mark.parametrize("shape, target", [
    ((3, 4), [[0, 3, -1, 1]] * 2), ((3, 4), [[0, 4, -1, 1]] * 3),
    ((3, 4), [[0, -2, -1, 1]] * 3), ((2, 3, 4), np.zeros((2, 3, 4))),
    ((3, 0), np.zeros((3, 0)))])
def test_multilabel_margin_loss_errors_as_torch(shape, target):
    x, t = np.zeros(shape), np.array(target, np.int64)
    _same_error(lambda: F.multilabel_margin_loss(ta.tensor(x), ta.tensor(t)),
                lambda: TF.multilabel_margin_loss(torch.tensor(x), torch.tensor(t)))
    with pytest.raises(RuntimeError, match="Long"):
        F.multilabel_margin_loss(ta.zeros(2, 2), ta.zeros(2, 2))


# --- weight_norm / spectral_norm (hook-based) --------------------------------------------------


def _twins(kind, dtype=np.float64):
    """A torch layer and ours with the same weights."""
    make = {"linear": (lambda m: m.Linear(3, 4)), "conv": (lambda m: m.Conv2d(2, 3, 2)),
            "convt": (lambda m: m.ConvTranspose2d(2, 3, 2))}[kind]
    theirs = make(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = make(nn).to(dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _inputs(kind, dtype):
    shape = (5, 3) if kind == "linear" else (2, 2, 4, 4)
    return np.random.default_rng(2).standard_normal(shape).astype(dtype)


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, dim", [("linear", 0), ("linear", 1), ("linear", None),
                                       ("conv", 0), ("conv", 2), ("conv", -2),
                                       ("linear", -1)])
def test_weight_norm_matches_torch(kind, dim, dtype):
    ours, theirs = _twins(kind, dtype)
    _quiet(nn.utils.weight_norm, ours, dim=dim)
    _quiet(torch.nn.utils.weight_norm, theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert tuple(ours.weight_g.shape) == tuple(theirs.weight_g.shape)
    _close(ours.weight_g, theirs.weight_g, dtype)
    x = _inputs(kind, dtype)
    y, yt = ours(ta.tensor(x)), theirs(torch.tensor(x))
    _close(y, yt, dtype)
    y.sum().backward()
    yt.sum().backward()
    for name in ("weight_g", "weight_v", "bias"):
        _close(getattr(ours, name).grad, getattr(theirs, name).grad, dtype)
    _close(ours.weight, theirs.weight, dtype)


def test_weight_norm_training_updates_g_and_v_and_remove():
    ours, theirs = _twins("linear")
    _quiet(nn.utils.weight_norm, ours)
    _quiet(torch.nn.utils.weight_norm, theirs)
    opt, opt_t = ta.optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(),
                                                                           lr=0.1)
    x = _inputs("linear", np.float64)
    for _ in range(3):
        for model, o, t in ((ours, opt, ta.tensor(x)), (theirs, opt_t, torch.tensor(x))):
            o.zero_grad()
            (model(t) ** 2).mean().backward()
            o.step()
    for name in ("weight_g", "weight_v", "bias"):
        _close(getattr(ours, name), getattr(theirs, name), np.float64)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, nn.Parameter) and not ours._forward_pre_hooks
    _close(ours.weight, theirs.weight, np.float64)


def test_weight_norm_warnings_and_errors():
    m = nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(m)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        _quiet(nn.utils.weight_norm, m)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(m, "bias")
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(m)


def _spectral_twins(kind, dtype=np.float64, **kw):
    ours, theirs = _twins(kind, dtype)
    nn.utils.spectral_norm(ours, **kw)
    torch.nn.utils.spectral_norm(theirs, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, kw", [("linear", {}), ("conv", {"n_power_iterations": 3}),
                                      ("convt", {}), ("conv", {"dim": 1})])
def test_spectral_norm_matches_torch(kind, kw, dtype):
    ours, theirs = _spectral_twins(kind, dtype, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    x = _inputs(kind, dtype)
    for _ in range(2):  # training: the power iteration runs on every call
        y, yt = ours(ta.tensor(x)), theirs(torch.tensor(x))
        _close(y, yt, dtype)
        _close(ours.weight_u, theirs.weight_u, dtype)
        _close(ours.weight_v, theirs.weight_v, dtype)
        (y ** 2).sum().backward()
        (yt ** 2).sum().backward()
        _close(ours.weight_orig.grad, theirs.weight_orig.grad, dtype)
    ours.eval()
    theirs.eval()
    u = ours.weight_u.numpy().copy()
    _close(ours(ta.tensor(x)), theirs(torch.tensor(x)), dtype)
    np.testing.assert_array_equal(ours.weight_u.numpy(), u)  # eval: no power iteration
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _close(ours.weight, theirs.weight, dtype)


def test_spectral_norm_training_updates_weight_orig_and_errors():
    ours, theirs = _spectral_twins("linear")
    opt, opt_t = ta.optim.Adam(ours.parameters(), lr=0.01), torch.optim.Adam(
        theirs.parameters(), lr=0.01)
    x = _inputs("linear", np.float64)
    for _ in range(3):
        for model, o, t in ((ours, opt, ta.tensor(x)), (theirs, opt_t, torch.tensor(x))):
            o.zero_grad()
            (model(t) ** 2).mean().backward()
            o.step()
    assert [n for n, _ in ours.named_parameters()] == ["bias", "weight_orig"]
    _close(ours.weight_orig, theirs.weight_orig, np.float64)
    _close(ours.weight_u, theirs.weight_u, np.float64)
    _close(ours.weight, theirs.weight, np.float64)
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        nn.utils.spectral_norm(ours)
    with pytest.raises(ValueError, match="n_power_iterations"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(KeyError):
        nn.utils.spectral_norm(nn.Linear(2, 2), name="nope")


# --- parametrize and parametrizations ------------------------------------------------------------


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class TorchSymmetric(torch.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class Scale(nn.Module):
    def forward(self, x):
        return x * 2

    def right_inverse(self, x):
        return x / 2


def test_register_parametrization_custom_and_remove():
    ours, theirs = nn.Linear(3, 3).double(), torch.nn.Linear(3, 3).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    parametrize.register_parametrization(ours, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TorchSymmetric())
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert isinstance(ours, nn.Linear)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert parametrize.is_parametrized(ours) and parametrize.is_parametrized(ours, "weight")
    assert not parametrize.is_parametrized(ours, "bias")
    x = np.random.default_rng(0).standard_normal((2, 3))
    y, yt = ours(ta.tensor(x)), theirs(torch.tensor(x))
    _close(y, yt, np.float64)
    y.sum().backward()
    yt.sum().backward()
    _close(ours.parametrizations.weight.original.grad,
           theirs.parametrizations.weight.original.grad, np.float64)
    with parametrize.cached():
        assert ours.weight is ours.weight
    assert ours.weight is not ours.weight
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(ours) is nn.Linear and list(ours.state_dict()) == list(theirs.state_dict())
    _close(ours.weight, theirs.weight, np.float64)


def test_parametrized_module_repr_copy_and_pickle_as_torch():
    import copy
    import pickle

    ours = parametrizations.weight_norm(nn.Linear(3, 2))
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2))
    assert repr(ours) == repr(theirs)
    twin = copy.deepcopy(ours)
    assert type(twin) is type(ours) and twin.parametrizations.weight.original0 is not \
        ours.parametrizations.weight.original0
    np.testing.assert_array_equal(twin.weight.detach().numpy(), ours.weight.detach().numpy())
    for model in (ours, theirs):
        with pytest.raises(RuntimeError, match="only supported through state_dict"):
            pickle.dumps(model)


def test_parametrization_right_inverse_and_chaining():
    m = nn.Linear(2, 2)
    w0 = m.weight.detach().numpy().copy()
    original = m.weight
    parametrize.register_parametrization(m, "weight", Scale())
    assert m.parametrizations.weight.original is original  # the same Parameter object
    np.testing.assert_allclose(m.weight.detach().numpy(), w0, rtol=1e-6)
    m.weight = ta.ones(2, 2)  # the setter runs right_inverse
    np.testing.assert_allclose(original.detach().numpy(), 0.5)
    parametrize.register_parametrization(m, "weight", Scale())  # chained: x * 4
    np.testing.assert_allclose(m.weight.detach().numpy(), 2.0)
    assert len(m.parametrizations.weight) == 2
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_allclose(m.weight.detach().numpy(), 0.5)
    with pytest.raises(ValueError, match="does not have a parametrization"):
        parametrize.remove_parametrizations(m, "weight")
    with pytest.raises(ValueError, match="does not have a parameter"):
        parametrize.register_parametrization(m, "nope", Scale())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, dim", [("linear", 0), ("linear", None), ("conv", 1)])
def test_parametrizations_weight_norm_matches_torch(kind, dim, dtype):
    ours, theirs = _twins(kind, dtype)
    parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        _close(ours.state_dict()[k], v, dtype)
    x = _inputs(kind, dtype)
    y, yt = ours(ta.tensor(x)), theirs(torch.tensor(x))
    _close(y, yt, dtype)
    y.sum().backward()
    yt.sum().backward()
    for i in (0, 1):
        _close(getattr(ours.parametrizations.weight, f"original{i}").grad,
               getattr(theirs.parametrizations.weight, f"original{i}").grad, dtype)
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    _close(ours.weight, theirs.weight, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["conv", "convt", "linear"])
def test_parametrizations_spectral_norm_matches_torch(kind, dtype):
    ours, theirs = _twins(kind, dtype)
    parametrizations.spectral_norm(ours)
    torch.nn.utils.parametrizations.spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = _inputs(kind, dtype)
    for _ in range(2):
        y, yt = ours(ta.tensor(x)), theirs(torch.tensor(x))
        _close(y, yt, dtype)
        (y ** 2).sum().backward()
        (yt ** 2).sum().backward()
        _close(ours.parametrizations.weight.original.grad,
               theirs.parametrizations.weight.original.grad, dtype)
    for name in ("_u", "_v"):
        _close(getattr(ours.parametrizations.weight[0], name),
               getattr(theirs.parametrizations.weight[0], name), dtype)
    ours.eval()
    theirs.eval()
    _close(ours(ta.tensor(x)), theirs(torch.tensor(x)), dtype)


class Counting(nn.Module):
    calls = 0

    def forward(self, x):
        Counting.calls += 1
        return x


@pytest.mark.parametrize("layer", [lambda: nn.Linear(2, 2), lambda: nn.Conv1d(2, 2, 1)])
def test_a_forward_reads_the_parametrized_weight_once(layer):
    m = parametrize.register_parametrization(layer(), "weight", Counting())
    Counting.calls = 0
    m(ta.zeros(1, 2, 1) if isinstance(m, nn.Conv1d) else ta.zeros(1, 2))
    assert Counting.calls == 1  # as torch's layers: spectral_norm's power step runs once


def test_parametrizations_spectral_norm_errors_and_one_dim():
    with pytest.raises(ValueError, match="no parameter or buffer"):
        parametrizations.spectral_norm(nn.Linear(2, 2), name="nope")
    with pytest.raises(IndexError, match="Dimension out of range"):
        parametrizations.spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations"):
        parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    m = parametrizations.spectral_norm(nn.Linear(2, 2), name="bias")  # 1-D: normalized
    np.testing.assert_allclose(np.linalg.norm(m.bias.detach().numpy()), 1, rtol=1e-6)
    assert list(m.state_dict()) == ["weight", "parametrizations.bias.original"]


@pytest.mark.parametrize("triv", [True, False])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder", None])
@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5)])
def test_parametrizations_orthogonal_matches_torch(shape, orthogonal_map, triv):
    theirs = torch.nn.Linear(shape[1], shape[0]).double()
    ours = nn.Linear(shape[1], shape[0]).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map=orthogonal_map,
                                               use_trivialization=triv)
    parametrizations.orthogonal(ours, orthogonal_map=orthogonal_map, use_trivialization=triv)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    for k, v in state.items():  # (a tall or wide base is completed at random: skip it)
        if not (k.endswith("base") and shape[0] != shape[1]):
            _close(ours.state_dict()[k], v, np.float64)
    ours.load_state_dict(state)
    w = ours.weight.detach().numpy()
    small = min(shape)
    np.testing.assert_allclose(w @ w.T if shape[0] < shape[1] else w.T @ w, np.eye(small),
                               atol=1e-12)
    x = np.random.default_rng(0).standard_normal((2, shape[1]))
    y, yt = ours(ta.tensor(x)), theirs(torch.tensor(x))
    _close(y, yt, np.float64)
    (y ** 2).sum().backward()
    (yt ** 2).sum().backward()
    _close(ours.parametrizations.weight.original.grad,
           theirs.parametrizations.weight.original.grad, np.float64)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_parametrizations_orthogonal_batch_of_matrices(orthogonal_map):
    theirs = torch.nn.Module()
    theirs.w = torch.nn.Parameter(torch.randn(2, 4, 3, dtype=torch.float64))
    ours = nn.Module()
    ours.w = nn.Parameter(ta.tensor(theirs.w.detach().numpy()))
    torch.nn.utils.parametrizations.orthogonal(theirs, "w", orthogonal_map)
    parametrizations.orthogonal(ours, "w", orthogonal_map)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    (ours.w ** 3).sum().backward()
    (theirs.w ** 3).sum().backward()
    _close(ours.w, theirs.w, np.float64)
    _close(ours.parametrizations.w.original.grad, theirs.parametrizations.w.original.grad,
           np.float64)


def test_parametrizations_orthogonal_training_stays_orthogonal_and_errors():
    m = parametrizations.orthogonal(nn.Linear(4, 4).double())
    opt = ta.optim.SGD(m.parameters(), lr=0.5)
    x = ta.randn(8, 4, dtype=ta.float64)
    for _ in range(3):
        opt.zero_grad()
        (m(x) - x.flip(1)).pow(2).mean().backward()
        opt.step()
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-12)
    assert [n for n, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0]
    m.weight = ta.tensor(q)  # the setter: right_inverse moves the base
    np.testing.assert_allclose(m.weight.detach().numpy(), q, atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal_map"):
        parametrizations.orthogonal(nn.Linear(2, 2), orthogonal_map="qr")
    with pytest.raises(ValueError, match="matrix or batch"):
        parametrizations.orthogonal(nn.Linear(2, 2), name="bias")
    with pytest.raises(ValueError, match="no parameter or buffer"):
        parametrizations.orthogonal(nn.Linear(2, 2), name="nope")


def test_grid_sample_second_derivatives_match_torch():
    rng = np.random.default_rng(4)
    for mode, padding_mode in [("bilinear", "zeros"), ("bilinear", "reflection"),
                               ("bicubic", "border")]:
        g, x = rng.uniform(-1.5, 1.5, (1, 3, 3, 2)), rng.standard_normal((1, 2, 4, 4))
        (ax, ag), (tx, tg) = _both(x, g)
        out = F.grid_sample(ax, ag, mode, padding_mode, align_corners=False)
        a, b = ta.grad((out ** 2).sum(), (ax, ag), create_graph=True)
        ours = ta.grad((a ** 2).sum() + (b ** 2).sum(), (ax, ag))
        out = TF.grid_sample(tx, tg, mode, padding_mode, align_corners=False)
        a, b = torch.autograd.grad((out ** 2).sum(), (tx, tg), create_graph=True)
        theirs = torch.autograd.grad((a ** 2).sum() + (b ** 2).sum(), (tx, tg))
        for u, v in zip(ours, theirs):
            _close(u, v, np.float64)


# --- ctc_loss ----------------------------------------------------------------------------------

CTC_TARGETS = np.array([[1, 2, 2, 0], [3, 3, 1, 4], [1, 0, 0, 0], [2, 1, 2, 1]])


def _log_probs(shape, dtype, seed=0):
    logits = np.random.default_rng(seed).standard_normal(shape)
    return (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("lengths", [([7, 6, 5, 7], [3, 4, 0, 4]), ([7, 6, 5, 3], [3, 4, 1, 4]),
                                     ([0, 7, 1, 2], [0, 1, 1, 1])])
def test_ctc_loss_matches_torch(lengths, reduction, zero_infinity, dtype):
    """Repeated labels (need a blank between), empty targets and inputs, and (second and
    third rows) impossible ones: inf, nan gradients, or 0 with zero_infinity."""
    il, tl = np.array(lengths[0]), np.array(lengths[1])
    lp = _log_probs((7, 4, 5), dtype)

    def ours(a):
        return F.ctc_loss(a, ta.tensor(CTC_TARGETS), ta.tensor(il), ta.tensor(tl), 0,
                          reduction, zero_infinity)

    def theirs(a):
        return TF.ctc_loss(a, torch.tensor(CTC_TARGETS), torch.tensor(il), torch.tensor(tl),
                           0, reduction, zero_infinity)

    (a,), (b,) = _both(lp)
    y, yt = ours(a), theirs(b)
    assert str(y.dtype) == str(yt.dtype).replace("torch.", "")
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=TOL[dtype])
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    with np.errstate(invalid="ignore"):  # (impossible targets: inf - inf, as torch's)
        (y * ta.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    ga, gb = a.grad.numpy(), b.grad.numpy()
    np.testing.assert_array_equal(np.isnan(ga), np.isnan(gb))
    _close(np.nan_to_num(ga), np.nan_to_num(gb), dtype)


def test_ctc_loss_target_layouts_blank_and_module():
    lp = _log_probs((6, 3, 4), np.float64, seed=2)
    rows = np.array([[1, 3, 3], [2, 0, 0], [3, 1, 0]])  # blank 0 is padding here
    tl = [3, 1, 2]
    flat = np.concatenate([r[:k] for r, k in zip(rows, tl)])
    want = TF.ctc_loss(torch.tensor(lp), torch.tensor(rows), [6, 5, 4], tl, reduction="none")
    for targets, il, lens in [(rows, [6, 5, 4], tl), (flat, (6, 5, 4), tuple(tl)),
                              (rows.astype(np.int32), np.array([6, 5, 4], np.int32),
                               np.array(tl))]:
        got = F.ctc_loss(ta.tensor(lp), ta.tensor(targets),
                         il if not isinstance(il, np.ndarray) else ta.tensor(il),
                         lens if not isinstance(lens, np.ndarray) else ta.tensor(lens),
                         reduction="none")
        _close(got, want, np.float64)
    # unbatched (T, C), and another blank
    _close(F.ctc_loss(ta.tensor(lp[:, 0]), ta.tensor(rows[0]), ta.tensor(6), ta.tensor(3),
                      blank=2, reduction="none"),
           TF.ctc_loss(torch.tensor(lp[:, 0]), torch.tensor(rows[0]), torch.tensor(6),
                       torch.tensor(3), blank=2, reduction="none"), np.float64)
    loss = nn.CTCLoss(blank=0, zero_infinity=True)
    _close(loss(ta.tensor(lp), ta.tensor(rows), [6, 5, 4], tl),
           torch.nn.CTCLoss(zero_infinity=True)(torch.tensor(lp), torch.tensor(rows),
                                                [6, 5, 4], tl), np.float64)


CTC_ERRORS = [
    ({"blank": 5}, [6, 5, 4], [3, 2, 0], (3, 3)),
    ({"blank": -1}, [6, 5, 4], [3, 2, 0], (3, 3)),
    ({}, [7, 5, 4], [3, 2, 0], (3, 3)),
    ({}, [6, 5], [3, 2, 0], (3, 3)),
    ({}, [6, 5, 4], [3, 2], (3, 3)),
    ({}, [6, 5, 4], [4, 2, 0], (3, 3)),
    ({}, [6, 5, 4], [-1, 2, 0], (3, 3)),
    ({}, [-1, 5, 4], [3, 2, 0], (3, 3)),
    ({}, [6, 5, 4], [3, 2, 0], (2, 3)),
    ({}, [6, 5, 4], [3, 2, 0], (4,)),
    ({"reduction": "bad"}, [6, 5, 4], [3, 2, 0], (3, 3)),
]


@pytest.mark.parametrize("kw, il, tl, tshape", CTC_ERRORS)
def test_ctc_loss_errors_as_torch(kw, il, tl, tshape):
    lp = _log_probs((6, 3, 5), np.float64)
    t = np.ones(tshape, np.int64)
    _same_error(lambda: F.ctc_loss(ta.tensor(lp), ta.tensor(t), ta.tensor(il), ta.tensor(tl),
                                   **kw),
                lambda: TF.ctc_loss(torch.tensor(lp), torch.tensor(t), torch.tensor(il),
                                    torch.tensor(tl), **kw))
    with pytest.raises(RuntimeError, match="integral"):
        F.ctc_loss(ta.tensor(lp), ta.tensor(t), ta.tensor([6.0, 5, 4]), ta.tensor(tl))


def test_ctc_loss_trains_a_tiny_model():
    """log_softmax + ctc_loss: the gradient torch's (the extra exp term cancels), and a few
    steps of SGD lower the loss."""
    logits = ta.tensor(np.random.default_rng(3).standard_normal((5, 2, 4)), requires_grad=True)
    opt = ta.optim.SGD([logits], lr=0.5)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = F.ctc_loss(logits.log_softmax(2), ta.tensor([[1, 2], [3, 3]]), [5, 5], [2, 2])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert ta.gradcheck(lambda z: F.ctc_loss(z.log_softmax(2), ta.tensor([[1, 2], [3, 3]]),
                                             [5, 5], [2, 2]), (logits.detach().requires_grad_(),))


SIGNATURES = [
    (F.affine_grid, TF.affine_grid), (F.grid_sample, TF.grid_sample),
    (F.multi_margin_loss, TF.multi_margin_loss),
    (F.multilabel_margin_loss, TF.multilabel_margin_loss), (F.ctc_loss, TF.ctc_loss),
    (nn.MultiMarginLoss, torch.nn.MultiMarginLoss),
    (nn.MultiLabelMarginLoss, torch.nn.MultiLabelMarginLoss), (nn.CTCLoss, torch.nn.CTCLoss),
    (nn.utils.weight_norm, torch.nn.utils.weight_norm),
    (nn.utils.remove_weight_norm, torch.nn.utils.remove_weight_norm),
    (nn.utils.spectral_norm, torch.nn.utils.spectral_norm),
    (nn.utils.remove_spectral_norm, torch.nn.utils.remove_spectral_norm),
    (parametrize.register_parametrization, torch.nn.utils.parametrize.register_parametrization),
    (parametrize.remove_parametrizations, torch.nn.utils.parametrize.remove_parametrizations),
    (parametrize.is_parametrized, torch.nn.utils.parametrize.is_parametrized),
    (parametrizations.weight_norm, torch.nn.utils.parametrizations.weight_norm),
    (parametrizations.spectral_norm, torch.nn.utils.parametrizations.spectral_norm),
    (parametrizations.orthogonal, torch.nn.utils.parametrizations.orthogonal),
]


@pytest.mark.parametrize("ours, theirs", SIGNATURES, ids=[t.__name__ for _, t in SIGNATURES])
def test_signatures_are_torch_s(ours, theirs):
    import inspect

    def shape(f):
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    assert shape(ours) == shape(theirs)


def test_all_new_names_are_exported():
    for name in ("affine_grid", "grid_sample", "multi_margin_loss", "multilabel_margin_loss"):
        assert name in F.__all__ and callable(getattr(F, name))
    assert "ctc_loss" in F.__all__
    for name in ("MultiMarginLoss", "MultiLabelMarginLoss", "CTCLoss"):
        assert name in nn.__all__
    for name in ("weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
                 "parametrize", "parametrizations"):
        assert name in nn.utils.__all__
    assert parametrizations.__all__ == ["weight_norm", "spectral_norm", "orthogonal"]
    assert list(itertools.islice(iter(parametrize.__all__), 3)) == [
        "register_parametrization", "remove_parametrizations", "is_parametrized"]
