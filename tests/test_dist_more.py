"""The transforms, TransformedDistribution and the added univariate distributions, against
torch.distributions: log_prob values and gradients (float64), moments, cdf / icdf /
entropy, shapes of samples and expand, validation errors."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.distributions as D
from tinygrad_acts.distributions import transforms as T

torch = pytest.importorskip("torch")
TD = torch.distributions

RNG = np.random.default_rng(0)
POS_A = RNG.uniform(0.5, 3.0, (3,))
POS_B = RNG.uniform(0.5, 3.0, (3,))
REAL_A = RNG.normal(size=(3,))

# name, parameters (arrays), values to score (inside the support)
CASES = [
    ("Cauchy", (REAL_A, POS_A), RNG.normal(size=(4, 3)) * 3),
    ("HalfNormal", (POS_A,), RNG.uniform(0.1, 3.0, (4, 3))),
    ("HalfCauchy", (POS_A,), RNG.uniform(0.1, 3.0, (4, 3))),
    ("Gumbel", (REAL_A, POS_A), RNG.normal(size=(4, 3)) * 2),
    ("Chi2", (POS_A * 2,), RNG.uniform(0.1, 5.0, (4, 3))),
    ("StudentT", (POS_A * 2, REAL_A, POS_B), RNG.normal(size=(4, 3)) * 2),
    ("Weibull", (POS_A, POS_B), RNG.uniform(0.1, 3.0, (4, 3))),
    ("Pareto", (POS_A * 0.5, POS_B), RNG.uniform(1.6, 5.0, (4, 3))),
]


def _both(name, params):
    ours = [ta.tensor(p, dtype=ta.float64, requires_grad=True) for p in params]
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    return getattr(D, name)(*ours), getattr(TD, name)(*theirs), ours, theirs


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64),
                               b.detach().numpy().astype(np.float64), rtol=tol, atol=tol)


@pytest.mark.parametrize("name,params,values", CASES, ids=[c[0] for c in CASES])
def test_log_prob_values_and_grads(name, params, values):
    d, e, ours, theirs = _both(name, params)
    x = ta.tensor(values, dtype=ta.float64, requires_grad=True)
    y = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    a, b = d.log_prob(x), e.log_prob(y)
    _close(a, b)
    a.sum().backward()
    b.sum().backward()
    for p, q in zip(ours + [x], theirs + [y]):
        _close(p.grad, q.grad, 1e-9)


@pytest.mark.parametrize("name,params,values", CASES, ids=[c[0] for c in CASES])
def test_moments_cdf_icdf_entropy(name, params, values):
    d, e, _, _ = _both(name, params)
    for attr in ("mean", "mode", "variance", "stddev"):
        try:
            want = getattr(e, attr)
        except NotImplementedError:
            continue
        _close(getattr(d, attr), want)
    for method, arg in (("cdf", values), ("icdf", RNG.uniform(0.05, 0.95, (4, 3))),
                        ("entropy", None)):
        try:
            want = getattr(e, method)(*(() if arg is None else
                                        (torch.tensor(arg, dtype=torch.float64),)))
        except NotImplementedError:
            continue
        got = getattr(d, method)(*(() if arg is None else (ta.tensor(arg, dtype=ta.float64),)))
        _close(got, want, 1e-9)


@pytest.mark.parametrize("name,params,values", CASES, ids=[c[0] for c in CASES])
def test_sample_shapes_expand_and_rsample_grad(name, params, values):
    d, e, ours, _ = _both(name, params)
    assert d.batch_shape == tuple(e.batch_shape) and d.event_shape == tuple(e.event_shape)
    assert d.has_rsample == e.has_rsample
    assert d.sample((5, 2)).shape == (5, 2, 3)
    assert bool(d.support.check(d.sample((50,))).all())
    big = d.expand((2, 3))
    assert big.batch_shape == (2, 3) and big.sample((4,)).shape == (4, 2, 3)
    _close(big.log_prob(ta.tensor(values[:2], dtype=ta.float64)),
           e.expand((2, 3)).log_prob(torch.tensor(values[:2], dtype=torch.float64)))
    d.rsample((7,)).sum().backward()
    assert all(p.grad is not None for p in ours)


@pytest.mark.parametrize("name,bad", [("Cauchy", (0.0, -1.0)), ("HalfNormal", (-1.0,)),
                                      ("Gumbel", (0.0, 0.0)), ("Chi2", (-2.0,)),
                                      ("StudentT", (-1.0,)), ("Weibull", (1.0, -1.0)),
                                      ("Pareto", (-1.0, 1.0))])
def test_invalid_parameters_raise_as_torch(name, bad):
    with pytest.raises(ValueError):
        getattr(TD, name)(*[torch.tensor(b) for b in bad])
    with pytest.raises(ValueError):
        getattr(D, name)(*[ta.tensor(b) for b in bad])


def test_support_violations_raise_as_torch():
    with pytest.raises(ValueError):
        TD.HalfNormal(torch.tensor(1.0)).log_prob(torch.tensor(-1.0))
    with pytest.raises(ValueError):
        D.HalfNormal(ta.tensor(1.0)).log_prob(ta.tensor(-1.0))
    with pytest.raises(ValueError):
        D.Pareto(ta.tensor(2.0), ta.tensor(1.0)).log_prob(ta.tensor(1.0))


def test_sampling_moments():
    ta.manual_seed(0)
    s = D.Gumbel(ta.tensor(1.0, dtype=ta.float64), ta.tensor(2.0, dtype=ta.float64)).sample(
        (200000,)).numpy()
    assert abs(s.mean() - (1 + 2 * 0.5772156649)) < 0.03
    s = D.Weibull(ta.tensor(2.0, dtype=ta.float64), ta.tensor(1.5, dtype=ta.float64)).sample(
        (200000,)).numpy()
    assert abs(s.mean() - 2.0 * 0.9027452929509) < 0.02
    s = D.StudentT(ta.tensor(5.0, dtype=ta.float64)).sample((200000,)).numpy()
    assert abs(s.var() - 5 / 3) < 0.06


TRANSFORMS = [
    (lambda m: m.ExpTransform(), RNG.normal(size=(4, 3))),
    (lambda m: m.AffineTransform(1.5, -2.0), RNG.normal(size=(4, 3))),
    (lambda m: m.SigmoidTransform(), RNG.normal(size=(4, 3))),
    (lambda m: m.TanhTransform(), RNG.normal(size=(4, 3))),
    (lambda m: m.PowerTransform(2.5), RNG.uniform(0.5, 2, (4, 3))),
    (lambda m: m.ComposeTransform([m.ExpTransform(), m.AffineTransform(0.5, 3.0)]),
     RNG.normal(size=(4, 3))),
    (lambda m: m.ExpTransform().inv, RNG.uniform(0.5, 2, (4, 3))),
]


@pytest.mark.parametrize("make,x", TRANSFORMS)
def test_transforms_match_torch(make, x):
    t, u = make(T), make(TD.transforms)
    a = ta.tensor(x, dtype=ta.float64, requires_grad=True)
    b = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ya, yb = t(a), u(b)
    _close(ya, yb)
    _close(t.inv(ya), u.inv(yb))
    ja, jb = t.log_abs_det_jacobian(a, ya), u.log_abs_det_jacobian(b, yb)
    _close(ja, jb)
    (ya.sum() + ja.sum()).backward()
    (yb.sum() + jb.sum()).backward()
    _close(a.grad, b.grad, 1e-9)
    assert t.bijective == u.bijective and t.domain.event_dim == u.domain.event_dim


def test_softmax_transform_and_transformed_distribution():
    x = RNG.normal(size=(2, 4))
    _close(T.SoftmaxTransform()(ta.tensor(x)), TD.transforms.SoftmaxTransform()(
        torch.tensor(x)))
    loc = RNG.normal(size=(3,))
    d = D.TransformedDistribution(D.Normal(ta.tensor(loc), 1.0),
                                  [T.ExpTransform(), T.AffineTransform(1.0, 2.0)])
    e = TD.TransformedDistribution(TD.Normal(torch.tensor(loc), 1.0),
                                   [TD.ExpTransform(), TD.AffineTransform(1.0, 2.0)])
    v = RNG.uniform(1.5, 4.0, (5, 3))
    _close(d.log_prob(ta.tensor(v)), e.log_prob(torch.tensor(v)))
    _close(d.cdf(ta.tensor(v)), e.cdf(torch.tensor(v)))
    _close(d.icdf(ta.tensor([0.2, 0.5, 0.7])), e.icdf(torch.tensor([0.2, 0.5, 0.7])))
    assert d.sample((2,)).shape == (2, 3) and d.expand((4, 3)).batch_shape == (4, 3)
    with pytest.raises(ValueError):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "exp")
