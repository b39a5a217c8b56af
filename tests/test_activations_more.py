"""The activations added for the op surface (relu6 ... logsigmoid, prelu), against PyTorch:
values, gradients, second derivatives, dtypes and raise-versus-raise through F, nn and the
Tensor method, with their parameters; and the softmax fixes (nn.Softmax() without dim,
empty integer inputs). The registry sweep (tests/test_activations.py) covers the rest."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

# name -> (positional parameters for F.<name>, nn class name, its positional arguments)
NEW = {
    "relu6": ((), "ReLU6", ()),
    "hardsigmoid": ((), "Hardsigmoid", ()),
    "softsign": ((), "Softsign", ()),
    "selu": ((), "SELU", ()),
    "celu": ((0.7,), "CELU", (0.7,)),
    "softshrink": ((0.3,), "Softshrink", (0.3,)),
    "hardshrink": ((0.3,), "Hardshrink", (0.3,)),
    "threshold": ((0.1, 20.0), "Threshold", (0.1, 20.0)),
    "tanhshrink": ((), "Tanhshrink", ()),
    "mish": ((), "Mish", ()),
    "hardswish": ((), "Hardswish", ()),
    "logsigmoid": ((), "LogSigmoid", ()),
}
SMOOTH = {"softsign", "selu", "celu", "tanhshrink", "mish", "logsigmoid", "hardswish"}
POINTS = np.array([-40.0, -6.5, -3.0, -2.2, -1.19, -0.7, -0.3, -1e-3, 0.0, 1e-3, 0.3, 0.1,
                   0.7, 1.5, 3.0, 5.9, 6.0, 20.0, 40.0, np.inf, -np.inf, np.nan])


def _kinks_away(name, x, args):
    kinks = ta.activations[name].kink_points(**dict(zip(ta.activations[name].params, args)))
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.05, x + 0.1, x)
    return x


def test_every_new_activation_is_registered_with_what_it_keeps():
    keeps = {n: ta.activations[n].saves for n in NEW}
    assert keeps == {"relu6": "output", "hardsigmoid": "output", "softsign": "output",
                     "selu": "output", "celu": "output", "softshrink": "output",
                     "hardshrink": "output", "threshold": "input", "tanhshrink": "input",
                     "mish": "input", "hardswish": "input", "logsigmoid": "output"}
    assert {"prelu", "prelu(any slope)"} <= set(ta.ops.OPS)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch_at_edge_points(name, dtype):
    torch = pytest.importorskip("torch")
    args, _, _ = NEW[name]
    x = POINTS.astype(dtype)
    g = np.linspace(-1, 1, x.size).astype(dtype)
    ours = ta.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(ours, *args), getattr(torch.nn.functional, name)(theirs, *args)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=2e-6, atol=1e-7)
    y.backward(ta.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("name", NEW)
def test_second_derivatives_match_torch(name):
    torch = pytest.importorskip("torch")
    args, _, _ = NEW[name]
    x = _kinks_away(name, np.random.default_rng(0).uniform(-4, 4, 12), args)
    ours = ta.tensor(x, requires_grad=True)
    (gx,) = ta.grad(getattr(F, name)(ours, *args).sum(), [ours], create_graph=True)
    theirs = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(getattr(torch.nn.functional, name)(theirs, *args).sum(),
                                [theirs], create_graph=True)
    # NOTE: torch's hardsigmoid and celu slopes carry float32 constants (1/6, 1/alpha)
    np.testing.assert_allclose(gx.numpy(), gt.detach().numpy(), rtol=2e-7, atol=1e-12)
    if name in SMOOTH:
        (ggx,) = ta.grad((gx * gx).sum(), [ours])
        (ggt,) = torch.autograd.grad((gt * gt).sum(), [theirs])
        np.testing.assert_allclose(ggx.numpy(), ggt.numpy(), rtol=2e-7, atol=1e-10)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("shape", [(3,), (), (0,)])
def test_integer_and_bool_inputs_as_torch(name, dtype, shape):
    torch = pytest.importorskip("torch")
    args, _, _ = NEW[name]
    data = np.resize(np.array([2, 0, 7, -3]), shape).astype(dtype)
    try:
        want = getattr(torch.nn.functional, name)(torch.tensor(data), *args)
    except (RuntimeError, NotImplementedError, TypeError):
        with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
            getattr(F, name)(ta.tensor(data), *args)
        return
    got = getattr(F, name)(ta.tensor(data), *args)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", NEW)
def test_module_repr_and_values_match_torch(name):
    torch = pytest.importorskip("torch")
    _, cls, margs = NEW[name]
    ours, theirs = getattr(nn, cls)(*margs), getattr(torch.nn, cls)(*margs)
    assert repr(ours) == repr(theirs)
    x = np.linspace(-5, 5, 24).reshape(2, 3, 4)
    np.testing.assert_allclose(ours(ta.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["relu6", "hardsigmoid", "selu", "celu"])
def test_in_place_forms_match_torch(name):
    torch = pytest.importorskip("torch")
    x = np.array([-2.0, -0.5, 0.5, 4.0, 7.0])
    cls = NEW[name][1]
    for make in (lambda lib, h: getattr(lib.nn.functional if lib is torch else F, name)(
                     h, inplace=True),
                 lambda lib, h: getattr(lib.nn, cls)(inplace=True)(h)):
        outs = []
        for lib in (ta, torch):
            t = lib.tensor(x, requires_grad=True)
            h = t * 1
            y = make(lib, h)
            assert y is h
            (y * y).sum().backward()
            outs.append(t.grad.numpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=2e-7)
    if name != "hardsigmoid":  # torch's Hardsigmoid repr leaves inplace out
        assert repr(getattr(nn, cls)(inplace=True)) == repr(getattr(torch.nn, cls)(inplace=True))


@pytest.mark.parametrize("name", ["mish", "hardswish", "threshold"])
def test_input_based_rules_refuse_to_run_in_place(name):
    # a deliberate difference: torch runs these in place; here only output-based rules do
    args = NEW[name][0]
    with pytest.raises(RuntimeError, match="in place"):
        getattr(F, name)(ta.tensor([1.0, -1.0]) * 1, *args, inplace=True)


def test_bad_parameters_raise_as_torch():
    torch = pytest.importorskip("torch")
    x = [1.0, -1.0]
    for name, kw in [("softshrink", {"lambd": -0.5}), ("celu", {"alpha": 0.0})]:
        with pytest.raises(RuntimeError):
            getattr(torch.nn.functional, name)(torch.tensor(x), **kw)
        with pytest.raises(RuntimeError):
            getattr(F, name)(ta.tensor(x), **kw)
    with pytest.raises(TypeError, match="missing"):
        nn.Threshold(0.1)
    with pytest.raises(TypeError):
        F.threshold(ta.tensor(x), 0.1)
    with pytest.raises(TypeError):
        F.relu6([1.0])


def test_negative_lambd_hardshrink_is_the_identity_as_torch():
    torch = pytest.importorskip("torch")
    x = np.array([-1.0, 0.0, -0.0, 0.2])
    ours, theirs = ta.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.hardshrink(ours, -0.5).sum().backward()
    torch.nn.functional.hardshrink(theirs, -0.5).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert ours.hardshrink(0.5).tolist() == theirs.hardshrink(0.5).tolist()


def test_threshold_at_its_value_takes_torchs_gradient():
    # value > threshold: y = value from x <= threshold (slope 0) and from x = value (slope 1)
    torch = pytest.importorskip("torch")
    x = np.array([-1.0, 0.1, 20.0, 3.0])
    ours, theirs = ta.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.threshold(ours, 0.1, 20.0).sum().backward()
    torch.nn.functional.threshold(theirs, 0.1, 20.0).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


# --- prelu -------------------------------------------------------------------------------

PRELU_CASES = [((2, 3, 4), (3,)), ((3, 4), (1,)), ((5,), (1,)), ((), (1,)), ((2, 3), ()),
               ((0, 3), (3,))]


@pytest.mark.parametrize("shapes", PRELU_CASES)
@pytest.mark.parametrize("slopes", ["positive", "mixed"])
def test_prelu_values_and_both_gradients_match_torch(shapes, slopes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, shapes[0])
    w = rng.uniform(0.1, 1, shapes[1]) * (1 if slopes == "positive" else
                                          rng.choice([-1.0, 0.0, 1.0], shapes[1]))
    g = rng.standard_normal(shapes[0])
    outs = []
    for lib in (ta, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        fn = lib.nn.functional.prelu if lib is torch else F.prelu
        y = fn(a, b)
        y.backward(lib.tensor(g))
        outs.append([y.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    for mine, theirs in zip(*outs):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_prelu_keeps_the_output_only_while_every_slope_is_positive():
    x = ta.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    for w, kept in [([0.25, 0.5], "output"), ([0.25, 0.0], "input"), ([-0.1, 0.2], "input")]:
        y = F.prelu(x, ta.tensor(w, requires_grad=True))
        saved = y.grad_fn.saved[0]
        assert (saved is y.numpy()) == (kept == "output"), (w, kept)


def test_prelu_second_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    x, w = np.array([[-1.5, 0.7, -0.2], [0.3, -2.0, 1.1]]), np.array([0.3, 0.6, 1.2])
    res = []
    for lib in (ta, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        fn = lib.nn.functional.prelu if lib is torch else F.prelu
        ga, gb = (ta.grad if lib is ta else torch.autograd.grad)(
            (fn(a, b) ** 2).sum(), [a, b], create_graph=True)
        res.append([t.numpy() for t in (ta.grad if lib is ta else torch.autograd.grad)(
            (ga * ga).sum() + (gb * gb).sum(), [a, b])])
    for mine, theirs in zip(*res):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10)


def test_prelu_module_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    m, mt = nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    assert repr(m) == repr(mt) and repr(nn.PReLU()) == repr(torch.nn.PReLU())
    assert m.weight.shape == (3,) and m.weight.dtype == np.float32
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    x = np.random.default_rng(2).standard_normal((2, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(m(ta.tensor(x)).numpy(), mt(torch.tensor(x)).detach().numpy())
    bad = [((3,), (3,), "float64"), ((2, 3), (2,), "float64"), ((2, 3), (1, 3), "float64"),
           ((2, 3), (3,), "float32")]
    for xs, ws, wdt in bad:
        args = np.ones(xs), np.ones(ws, dtype=wdt)
        with pytest.raises(RuntimeError):
            torch.nn.functional.prelu(*map(torch.tensor, args))
        with pytest.raises(RuntimeError):
            F.prelu(*map(ta.tensor, args))
    with pytest.raises((RuntimeError, TypeError)):
        F.prelu(ta.tensor([1, 2]), ta.tensor([1]))


# --- the softmax fixes -------------------------------------------------------------------


@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_modules_without_dim_take_torchs_implicit_dim(cls, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal(shape)
    with pytest.warns(UserWarning):
        ours = getattr(nn, cls)()(ta.tensor(x)).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, cls)()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert repr(getattr(nn, cls)()) == repr(getattr(torch.nn, cls)())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3), ()])
def test_softmax_of_integers_as_torch(name, dtype, shape):
    torch = pytest.importorskip("torch")
    data = np.zeros(shape, dtype)
    try:
        want = getattr(torch.nn.functional, name)(torch.tensor(data), dim=-1)
    except (RuntimeError, NotImplementedError):
        with pytest.raises(TypeError):
            getattr(F, name)(ta.tensor(data), dim=-1)
        return
    got = getattr(F, name)(ta.tensor(data), dim=-1)
    assert got.shape == tuple(want.shape) and str(got.dtype) == str(want.dtype)[6:]


def test_declared_kink_slopes_are_torchs():
    torch = pytest.importorskip("torch")
    for name in NEW:
        spec = ta.activations[name]
        table = spec.subgradients()
        if not table:
            continue
        x = torch.tensor(list(table), dtype=torch.float64, requires_grad=True)
        params = spec.params
        getattr(torch.nn.functional, name)(x, **params).sum().backward()
        assert x.grad.tolist() == pytest.approx(list(table.values()), rel=1e-15), name
        ours = ta.tensor(np.array(list(table)), requires_grad=True)
        spec(ours).sum().backward()
        assert ours.grad.tolist() == list(table.values()), name
