"""ta.distributions against torch.distributions: a table of distributions, each built from
the same random parameters in both frameworks (float32 and float64, broadcast parameter
shapes), whose values (log_prob, cdf, icdf, entropy, mean, mode, variance, stddev) and
gradients must agree; the KL table likewise. Sampling is checked by shapes, dtypes and
moments (the random streams are numpy's, not torch's). The special functions are checked
against torch and by gradcheck; validation errors against torch's messages.
"""
from __future__ import annotations

import doctest
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.distributions as D
from tinygrad_acts.distributions import constraints, special

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-9, atol=1e-9)}
DTYPES = [np.float32, np.float64]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# --- parameter and value makers -----------------------------------------------------------------

def _uniform(lo: float, hi: float) -> Callable:
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _pd(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random symmetric positive-definite matrices of shape (..., k, k)."""
    a = rng.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _tril(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    low = np.tril(rng.normal(size=shape), -1)
    return low + np.eye(shape[-1]) * rng.uniform(0.5, 2.0, shape[:-1])[..., None]


def _simplex(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.dirichlet(np.ones(shape[-1]), shape[:-1])


def _one_hot(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]


@dataclass
class Case:
    """One row: how to build the distribution from a module (ta's or torch's) and a dict of
    parameter tensors; the parameters' shapes and makers; the values scored."""

    name: str
    make: Callable
    params: dict
    value: Callable            # (rng, shape) -> ndarray, shape = (2,) + batch + event
    quantile: bool = False     # also compare icdf (and cdf)
    event: tuple = ()
    skip: tuple = field(default_factory=tuple)  # methods not compared
    var_rtol: float = 0.1      # of the sample variance of 40000 draws


CASES = [
    Case("Normal", lambda M, p: M.Normal(p["loc"], p["scale"]),
         {"loc": ((3, 1), _uniform(-2, 2)), "scale": ((4,), _uniform(0.5, 2))},
         _uniform(-3, 3), quantile=True),
    Case("LogNormal", lambda M, p: M.LogNormal(p["loc"], p["scale"]),
         {"loc": ((3,), _uniform(-1, 1)), "scale": ((3,), _uniform(0.5, 1.5))},
         _uniform(0.1, 4), quantile=True, var_rtol=0.4),  # NOTE: heavy right tail
    Case("Uniform", lambda M, p: M.Uniform(p["low"], p["high"]),
         {"low": ((3,), _uniform(-2, -1)), "high": ((2, 1), _uniform(1, 2))},
         _uniform(-0.9, 0.9), quantile=True),
    Case("Exponential", lambda M, p: M.Exponential(p["rate"]),
         {"rate": ((4,), _uniform(0.5, 3))}, _uniform(0.01, 3), quantile=True),
    Case("Laplace", lambda M, p: M.Laplace(p["loc"], p["scale"]),
         {"loc": ((2, 3), _uniform(-1, 1)), "scale": ((3,), _uniform(0.5, 2))},
         _uniform(-3, 3), quantile=True),
    Case("Gamma", lambda M, p: M.Gamma(p["concentration"], p["rate"]),
         {"concentration": ((3,), _uniform(0.5, 4)), "rate": ((2, 1), _uniform(0.5, 2))},
         _uniform(0.05, 5), skip=("cdf",)),
    Case("Beta", lambda M, p: M.Beta(p["c1"], p["c0"]),
         {"c1": ((3,), _uniform(0.5, 4)), "c0": ((2, 3), _uniform(0.5, 4))},
         _uniform(0.05, 0.95)),
    Case("Dirichlet", lambda M, p: M.Dirichlet(p["concentration"]),
         {"concentration": ((2, 4), _uniform(0.5, 3))}, _simplex, event=(4,)),
    Case("Bernoulli(probs)", lambda M, p: M.Bernoulli(probs=p["probs"]),
         {"probs": ((3,), _uniform(0.1, 0.9))},
         lambda rng, s: rng.integers(0, 2, s).astype(float)),
    Case("Bernoulli(logits)", lambda M, p: M.Bernoulli(logits=p["logits"]),
         {"logits": ((2, 3), _uniform(-3, 3))},
         lambda rng, s: rng.integers(0, 2, s).astype(float)),
    Case("Categorical(probs)", lambda M, p: M.Categorical(probs=p["probs"]),
         {"probs": ((2, 5), _uniform(0.1, 1))},
         lambda rng, s: rng.integers(0, 5, s).astype(float)),
    Case("Categorical(logits)", lambda M, p: M.Categorical(logits=p["logits"]),
         {"logits": ((3, 4), _uniform(-2, 2))},
         lambda rng, s: rng.integers(0, 4, s).astype(float)),
    Case("OneHotCategorical", lambda M, p: M.OneHotCategorical(logits=p["logits"]),
         {"logits": ((2, 4), _uniform(-2, 2))}, _one_hot, event=(4,)),
    Case("Binomial(probs)", lambda M, p: M.Binomial(5, probs=p["probs"]),
         {"probs": ((3,), _uniform(0.1, 0.9))},
         lambda rng, s: rng.integers(0, 6, s).astype(float)),
    Case("Binomial(logits, counts)", lambda M, p: M.Binomial(p["n"], logits=p["logits"]),
         {"n": ((3,), lambda rng, s: rng.integers(6, 9, s).astype(float)),
          "logits": ((3,), _uniform(-2, 2))},
         lambda rng, s: rng.integers(0, 6, s).astype(float)),
    Case("Poisson", lambda M, p: M.Poisson(p["rate"]),
         {"rate": ((3,), _uniform(0.5, 5))},
         lambda rng, s: rng.integers(0, 8, s).astype(float)),
    Case("MultivariateNormal(cov)",
         lambda M, p: M.MultivariateNormal(p["loc"], covariance_matrix=p["cov"]),
         {"loc": ((3,), _uniform(-1, 1)), "cov": ((2, 3, 3), _pd)},
         _uniform(-2, 2), event=(3,)),
    Case("MultivariateNormal(scale_tril)",
         lambda M, p: M.MultivariateNormal(p["loc"], scale_tril=p["tril"]),
         {"loc": ((2, 3), _uniform(-1, 1)), "tril": ((3, 3), _tril)},
         _uniform(-2, 2), event=(3,)),
    Case("MultivariateNormal(precision)",
         lambda M, p: M.MultivariateNormal(p["loc"], precision_matrix=p["prec"]),
         {"loc": ((3,), _uniform(-1, 1)), "prec": ((3, 3), _pd)},
         _uniform(-2, 2), event=(3,)),
    Case("Independent(Normal)",
         lambda M, p: M.Independent(M.Normal(p["loc"], p["scale"]), 1),
         {"loc": ((3, 2), _uniform(-1, 1)), "scale": ((3, 2), _uniform(0.5, 2))},
         _uniform(-2, 2), event=(2,)),
]
CASE_IDS = [c.name for c in CASES]
INTEGER_PARAMS = {"n"}  # parameters without a gradient


def _arrays(case: Case, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {k: make(rng, shape) for k, (shape, make) in case.params.items()}


def _both(case: Case, dtype: type, torch, seed: int = 0) -> tuple:
    """(ta distribution, torch distribution, ta params, torch params)."""
    arrays = _arrays(case, seed)
    grad = {k: k not in INTEGER_PARAMS for k in arrays}
    ours = {k: ta.tensor(v.astype(dtype), requires_grad=grad[k]) for k, v in arrays.items()}
    theirs = {k: torch.tensor(v.astype(dtype), requires_grad=grad[k])
              for k, v in arrays.items()}
    return case.make(D, ours), case.make(torch.distributions, theirs), ours, theirs


def _close(mine, theirs, dtype: type, what: str) -> None:
    a = np.asarray(mine.numpy() if isinstance(mine, ta.Tensor) else mine)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch's {b.shape}"
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), equal_nan=True,
                               err_msg=what, **TOL[dtype])


def _evaluations(case: Case, rng: np.random.Generator, d, dtype: type) -> dict:
    """name -> (callable on a distribution and a module, the value it needs)."""
    shape = (2,) + tuple(d.batch_shape) + case.event
    value = case.value(rng, shape).astype(dtype)
    quantile = rng.uniform(0.05, 0.95, (2,) + tuple(d.batch_shape)).astype(dtype)
    evals = {"log_prob": ("log_prob", value), "entropy": ("entropy", None),
             "mean": ("mean", None), "mode": ("mode", None), "variance": ("variance", None),
             "stddev": ("stddev", None)}
    if case.quantile:
        evals["cdf"] = ("cdf", value)
        evals["icdf"] = ("icdf", quantile)
    return {k: v for k, v in evals.items() if k not in case.skip}


def _evaluate(d, method: str, value, lib):
    attr = getattr(type(d), method)
    if isinstance(attr, property) or not callable(getattr(d, method)):
        return getattr(d, method)
    if value is None:
        return getattr(d, method)()
    return getattr(d, method)(lib.tensor(value))


def _try(fn: Callable):
    try:
        return fn(), None
    except NotImplementedError as e:
        return None, e


# --- the table sweeps -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_values_and_gradients_match_torch(case, dtype, torch):
    ours, theirs, p_ours, p_theirs = _both(case, dtype, torch)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    rng = np.random.default_rng(1)
    for name, (method, value) in _evaluations(case, rng, ours, dtype).items():
        t_out, t_err = _try(lambda m=method, v=value: _evaluate(theirs, m, v, torch))
        o_out, o_err = _try(lambda m=method, v=value: _evaluate(ours, m, v, ta))
        if t_err is not None:
            assert o_err is not None, f"{case.name}.{name}: torch raises NotImplementedError"
            continue
        assert o_err is None, f"{case.name}.{name}: {o_err}"
        assert o_out.dtype == np.dtype(dtype) or o_out.dtype.kind == "i", f"{name} dtype"
        _close(o_out, t_out, dtype, f"{case.name}.{name}")
        assert o_out.requires_grad == t_out.requires_grad, f"{case.name}.{name}: graph"
        if not t_out.requires_grad:
            continue
        weights = rng.uniform(0.5, 1.5, o_out.shape).astype(dtype)
        grads_o = ta.grad((o_out * ta.tensor(weights)).sum(),
                          [p for p in p_ours.values() if p.requires_grad], allow_unused=True,
                          retain_graph=True)
        grads_t = torch.autograd.grad((t_out * torch.tensor(weights)).sum(),
                                      [p for p in p_theirs.values() if p.requires_grad],
                                      allow_unused=True, retain_graph=True)
        for k, go, gt in zip([k for k, p in p_ours.items() if p.requires_grad], grads_o,
                             grads_t):
            if gt is None:
                assert go is None or not np.any(go.numpy()), f"{name}: d/d{k} should be 0"
                continue
            _close(go, gt, dtype, f"{case.name}.{name}: d/d{k}")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_sample_shapes_dtypes_and_support(case):
    d = case.make(D, {k: ta.tensor(v.astype(np.float32)) for k, v in _arrays(case).items()})
    for sample_shape in [(), (5,), (2, 3)]:
        x = d.sample(sample_shape)
        assert x.shape == tuple(sample_shape) + d.batch_shape + d.event_shape
        assert not x.requires_grad
        assert bool(d.support.check(x).numpy().all()), f"{case.name}: a sample off the support"
        if not isinstance(d, D.Categorical):
            assert x.dtype == np.float32
        assert d.log_prob(x).shape == tuple(sample_shape) + d.batch_shape
    if d.has_rsample:
        assert d.rsample((4,)).shape == (4,) + d.batch_shape + d.event_shape


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_sample_moments(case):
    """The mean and variance of 40000 draws agree with the distribution's own."""
    arrays = _arrays(case)
    d = case.make(D, {k: ta.tensor(v, dtype=ta.float64) for k, v in arrays.items()})
    x = d.sample((40000,)).numpy().astype(np.float64)
    mean, var = d.mean.numpy(), d.variance.numpy()
    if np.isnan(mean).any():  # Categorical: no mean; compare the frequencies instead
        probs = d.probs.numpy()
        freq = np.stack([(x == i).mean(0) for i in range(probs.shape[-1])], -1)
        np.testing.assert_allclose(freq, probs, atol=0.015)
        return
    se = np.sqrt(var / x.shape[0])
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se + 1e-12), case.name
    np.testing.assert_allclose(x.var(0), var, rtol=case.var_rtol)


def test_manual_seed_makes_sampling_reproducible():
    d = D.Normal(ta.zeros(3), 1.0)
    ta.manual_seed(7)
    a = d.sample((4,)).numpy().copy()
    ta.manual_seed(7)
    np.testing.assert_array_equal(a, d.sample((4,)).numpy())


# --- reparameterised sampling -------------------------------------------------------------------

def test_normal_rsample_is_differentiable():
    loc = ta.tensor([0.5, -1.0], requires_grad=True)
    scale = ta.tensor([2.0, 0.5], requires_grad=True)
    ta.manual_seed(3)
    x = D.Normal(loc, scale).rsample((10,))
    x.sum().backward()
    eps = (x.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [10.0, 10.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-5)
    assert not D.Normal(loc, scale).sample().requires_grad


@pytest.mark.parametrize("name, make", [
    ("LogNormal", lambda p: D.LogNormal(p, 0.5)), ("Uniform", lambda p: D.Uniform(p, p + 2)),
    ("Exponential", lambda p: D.Exponential(p)), ("Laplace", lambda p: D.Laplace(p, 1.0)),
    ("Gamma", lambda p: D.Gamma(p, 1.0)), ("Beta", lambda p: D.Beta(p, 2.0)),
    ("Dirichlet", lambda p: D.Dirichlet(p.expand(3))),
    ("MultivariateNormal", lambda p: D.MultivariateNormal(p.expand(2),
                                                          ta.eye(2, dtype=ta.float64))),
])
def test_rsample_gradient_matches_the_mean_gradient(name, make):
    """d/dp E[x] estimated pathwise (mean of d x / dp over draws) equals d mean / dp."""
    p = ta.tensor(1.5, dtype=ta.float64, requires_grad=True)
    d = make(p)
    (g_path,) = ta.grad(d.rsample((40000,)).mean(), [p])
    (g_mean,) = ta.grad(d.mean.mean(), [p])
    assert abs(g_path.item() - g_mean.item()) < 0.03 * max(1.0, abs(g_mean.item())), name


def test_standard_gamma_gradient_matches_torch(torch):
    """The implicit gradient dx/dalpha agrees with torch's own (an approximation good to
    ~1e-3; ours sums the series to 1e-16)."""
    alpha = np.repeat([0.05, 0.3, 1.0, 2.5, 10.0, 150.0], 50)
    x = np.maximum(np.random.default_rng(0).standard_gamma(alpha), 1e-30)
    mine = special.standard_gamma_grad(alpha, x)
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=2e-3)


def test_standard_gamma_gradient_keeps_the_quantile():
    """F(alpha + h, x + h dx/dalpha) = F(alpha, x): the CDF (from the same series) stays."""
    def cdf(a, x):  # regularised lower incomplete gamma, by its series
        term, total = np.ones_like(x), np.ones_like(x)
        for n in range(1, 400):
            term = term * x / (a + n)
            total += term
        return np.exp(a * np.log(x) - x - special.lgamma_array(a + 1)) * total
    a = np.array([0.5, 1.0, 3.0, 7.0])
    x = np.array([0.2, 1.5, 2.0, 9.0])
    h = 1e-6
    dx = special.standard_gamma_grad(a, x)
    np.testing.assert_allclose(cdf(a + h, x + h * dx), cdf(a, x), rtol=1e-9)


# --- the special functions ------------------------------------------------------------------

GRID = np.concatenate([np.linspace(-7.7, 25, 600), [1.0, 2.0, 0.5, 1e-6, 150.0, 3e4]])


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gamma_functions_match_torch(name, dtype, torch):
    ours = {"lgamma": special.lgamma_array, "digamma": special.digamma_array}[name]
    theirs = {"lgamma": torch.lgamma, "digamma": torch.digamma}[name]
    x = GRID.astype(dtype)
    got, want = ours(x), theirs(torch.tensor(x)).numpy()
    assert got.dtype == dtype
    scale = np.maximum(1.0, np.abs(want))
    tol = 2e-6 if dtype == np.float32 else 1e-11
    assert np.max(np.abs(got - want) / scale) < tol


def test_gamma_function_poles_are_torchs(torch):
    x = np.array([0.0, -1.0, -3.0])
    assert np.all(special.lgamma_array(np.append(x, np.inf)) == np.inf)
    np.testing.assert_array_equal(special.digamma_array(x),
                                  torch.digamma(torch.tensor(x)).numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_erfinv_matches_torch(dtype, torch):
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 999), [0.0, 1.0, -1.0, 1.5]])
    y = y.astype(dtype)
    got, want = special.erfinv_array(y), torch.erfinv(torch.tensor(y)).numpy()
    np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"] * 10, atol=0)
    assert got.dtype == dtype


@pytest.mark.parametrize("fn, lo, hi", [
    (special.lgamma, 0.3, 6.0), (special.lgamma, -2.7, -2.2), (special.digamma, 0.3, 12.0),
    (special.digamma, -3.7, -3.2), (special.erfinv, -0.95, 0.95)])
def test_special_gradients_pass_gradcheck(fn, lo, hi):
    """First and second derivatives (they are compositions of the framework's ops)."""
    x = ta.tensor(np.linspace(lo, hi, 7), requires_grad=True)
    assert ta.gradcheck(fn, (x,))
    assert ta.gradgradcheck(fn, (x,))


def test_lgamma_gradient_is_digamma_and_float32_stays_float32(torch):
    x = np.linspace(0.2, 9.0, 11).astype(np.float32)
    t = ta.tensor(x, requires_grad=True)
    y = special.lgamma(t)
    y.sum().backward()
    assert y.dtype == np.float32 and t.grad.dtype == np.float32
    np.testing.assert_allclose(t.grad.numpy(), torch.digamma(torch.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_cholesky_matches_torch_and_passes_gradcheck(torch):
    a = _pd(np.random.default_rng(2), (2, 3, 3))
    w = np.random.default_rng(3).normal(size=(2, 3, 3))
    x = ta.tensor(a, requires_grad=True)
    (g,) = ta.grad((special.cholesky(x) * ta.tensor(w)).sum(), [x])
    xt = torch.tensor(a, requires_grad=True)
    (gt,) = torch.autograd.grad((torch.linalg.cholesky(xt) * torch.tensor(w)).sum(), [xt])
    np.testing.assert_allclose(special.cholesky(x).numpy(),
                               torch.linalg.cholesky(xt).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), gt.numpy(), rtol=1e-10, atol=1e-12)

    def symmetric_input(m):  # gradcheck perturbs entries one at a time: keep A symmetric
        return special.cholesky((m + m.transpose(-1, -2)) / 2)
    assert ta.gradcheck(symmetric_input, (ta.tensor(a[0], requires_grad=True),))
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\)\) is not positive-definite"):
        special.cholesky(ta.tensor(-np.eye(2)))


# --- KL divergences ---------------------------------------------------------------------------

def _pos(rng, shape):
    return rng.uniform(0.5, 3, shape)


def _real(rng, shape):
    return rng.uniform(-1, 1, shape)


KL_CASES = [
    ("Normal", lambda M, a, b: (M.Normal(a[0], a[1]), M.Normal(b[0], b[1])), [_real, _pos]),
    ("LogNormal", lambda M, a, b: (M.LogNormal(a[0], a[1]), M.LogNormal(b[0], b[1])),
     [_real, _pos]),
    ("Bernoulli", lambda M, a, b: (M.Bernoulli(logits=a[0]), M.Bernoulli(logits=b[0])),
     [_real]),
    ("Categorical", lambda M, a, b: (M.Categorical(logits=a[0]), M.Categorical(b[0])),
     [lambda r, s: r.uniform(0.1, 1, s + (4,))]),
    ("OneHotCategorical", lambda M, a, b: (M.OneHotCategorical(logits=a[0]),
                                           M.OneHotCategorical(logits=b[0])),
     [lambda r, s: r.normal(size=s + (4,))]),
    ("Binomial", lambda M, a, b: (M.Binomial(4, logits=a[0]), M.Binomial(4, logits=b[0])),
     [_real]),
    ("Poisson", lambda M, a, b: (M.Poisson(a[0]), M.Poisson(b[0])), [_pos]),
    ("Uniform", lambda M, a, b: (M.Uniform(a[0] - 1, a[1]), M.Uniform(b[0] - 3, b[1] + 3)),
     [_real, _pos]),
    ("Exponential", lambda M, a, b: (M.Exponential(a[0]), M.Exponential(b[0])), [_pos]),
    ("Laplace", lambda M, a, b: (M.Laplace(a[0], a[1]), M.Laplace(b[0], b[1])),
     [_real, _pos]),
    ("Gamma", lambda M, a, b: (M.Gamma(a[0], a[1]), M.Gamma(b[0], b[1])), [_pos, _pos]),
    ("Beta", lambda M, a, b: (M.Beta(a[0], a[1]), M.Beta(b[0], b[1])), [_pos, _pos]),
    ("Dirichlet", lambda M, a, b: (M.Dirichlet(a[0]), M.Dirichlet(b[0])),
     [lambda r, s: r.uniform(0.5, 3, s + (3,))]),
    ("MultivariateNormal", lambda M, a, b: (M.MultivariateNormal(a[0], scale_tril=a[1]),
                                            M.MultivariateNormal(b[0], covariance_matrix=b[2])),
     [lambda r, s: r.normal(size=s + (3,)), lambda r, s: _tril(r, s + (3, 3)),
      lambda r, s: _pd(r, s + (3, 3))]),
    ("Independent", lambda M, a, b: (M.Independent(M.Normal(a[0], a[1]), 1),
                                     M.Independent(M.Normal(b[0], b[1]), 1)), [_real, _pos]),
    ("Exponential-Gamma", lambda M, a, b: (M.Exponential(a[0]), M.Gamma(b[0], b[1])),
     [_pos, _pos]),
    ("Gamma-Exponential", lambda M, a, b: (M.Gamma(a[0], a[1]), M.Exponential(b[0])),
     [_pos, _pos]),
    ("Uniform-Normal", lambda M, a, b: (M.Uniform(a[0], a[0] + a[1]), M.Normal(b[0], b[1])),
     [_real, _pos]),
    ("Normal-Laplace", lambda M, a, b: (M.Normal(a[0], a[1]), M.Laplace(b[0], b[1])),
     [_real, _pos]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, make, makers", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_divergence_matches_torch(name, make, makers, dtype, torch):
    rng = np.random.default_rng(5)
    # p batched (2, 3), q (3,): the KL broadcasts (NOTE: torch's Bernoulli KL cannot: its
    # masked assignment needs equal shapes)
    a = [m(rng, (2, 3)).astype(dtype) for m in makers]
    b = [m(rng, (2, 3) if name == "Bernoulli" else (3,)).astype(dtype) for m in makers]
    ours = [[ta.tensor(v, requires_grad=True) for v in vs] for vs in (a, b)]
    theirs = [[torch.tensor(v, requires_grad=True) for v in vs] for vs in (a, b)]
    kl_o = D.kl_divergence(*make(D, *ours))
    kl_t = torch.distributions.kl_divergence(*make(torch.distributions, *theirs))
    _close(kl_o, kl_t, dtype, f"KL {name}")
    leaves_o = [t for vs in ours for t in vs]
    leaves_t = [t for vs in theirs for t in vs]
    w = rng.uniform(0.5, 1.5, kl_o.shape).astype(dtype)
    g_o = ta.grad((kl_o * ta.tensor(w)).sum(), leaves_o, allow_unused=True)
    g_t = torch.autograd.grad((kl_t * torch.tensor(w)).sum(), leaves_t, allow_unused=True)
    for i, (go, gt) in enumerate(zip(g_o, g_t)):
        if gt is None:
            assert go is None or not np.any(go.numpy())
        else:
            _close(go, gt, dtype, f"KL {name}: grad of leaf {i}")


def test_kl_infinite_cases_match_torch(torch):
    pairs = [
        (lambda M, T: (M.Uniform(T([0.0]), T([2.0])), M.Uniform(T([0.5]), T([3.0])))),
        (lambda M, T: (M.Bernoulli(T([0.3, 0.0])), M.Bernoulli(T([0.0, 0.5])))),
        (lambda M, T: (M.Categorical(T([0.5, 0.5, 0.0])), M.Categorical(T([1.0, 0.0, 1.0])))),
        (lambda M, T: (M.Binomial(5, T([0.3])), M.Binomial(3, T([0.3])))),
    ]
    for make in pairs:
        mine = D.kl_divergence(*make(D, ta.tensor)).numpy()
        theirs = torch.distributions.kl_divergence(*make(torch.distributions,
                                                         torch.tensor)).numpy()
        np.testing.assert_allclose(mine, theirs)


def test_register_kl_dispatch():
    class Narrow(D.Normal):
        pass

    p, q = Narrow(0.0, 1.0), D.Normal(1.0, 2.0)
    # a subclass uses its base's formula until it registers its own
    assert D.kl_divergence(p, q).item() == pytest.approx(D.kl_divergence(
        D.Normal(0.0, 1.0), q).item())

    @D.register_kl(Narrow, D.Normal)
    def _kl(p, q):
        return ta.tensor(42.0)
    assert D.kl_divergence(p, q).item() == 42.0
    assert D.kl_divergence(q, D.Normal(0.0, 1.0)).item() != 42.0
    with pytest.raises(NotImplementedError, match="Poisson"):
        D.kl_divergence(D.Poisson(1.0), D.Normal(0.0, 1.0))
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


def test_register_kl_warns_when_ambiguous():
    class A(D.Normal):
        pass

    class B(D.Normal):
        pass

    @D.register_kl(A, D.Normal)
    def _left(p, q):
        return ta.tensor(1.0)

    @D.register_kl(D.Normal, B)
    def _right(p, q):
        return ta.tensor(2.0)
    with pytest.warns(RuntimeWarning, match="Ambiguous"):
        D.kl_divergence(A(0.0, 1.0), B(0.0, 1.0))


# --- validation and torch's messages ----------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda M, T: M.Normal(0.0, -1.0),
    lambda M, T: M.Uniform(1.0, 0.0),
    lambda M, T: M.Bernoulli(),
    lambda M, T: M.Bernoulli(probs=T([0.5]), logits=T([0.0])),
    lambda M, T: M.Categorical(probs=T(1.0)),
    lambda M, T: M.MultivariateNormal(T([0.0, 0.0])),
    lambda M, T: M.MultivariateNormal(T(0.0), scale_tril=T([[1.0]])),
    lambda M, T: M.Dirichlet(T(1.0)),
    lambda M, T: M.Exponential(T(-2.0)),
    lambda M, T: M.Normal(0.0, 1.0).log_prob(1.0),
    lambda M, T: M.Independent(M.Normal(T([0.0]), T([1.0])), 2),
])
def test_bad_arguments_raise_torchs_value_error(build, torch):
    with pytest.raises(ValueError) as theirs:
        build(torch.distributions, torch.tensor)
    with pytest.raises(ValueError) as ours:
        build(D, ta.tensor)
    assert str(ours.value) == str(theirs.value)


def test_bad_values_raise_value_errors_naming_shapes_and_support():
    d = D.Normal(ta.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"not broadcastable .* \(2,\) vs \(3,\)"):
        d.log_prob(ta.zeros(2))
    with pytest.raises(ValueError, match=r"support \(Boolean\(\)\)"):
        D.Bernoulli(ta.tensor([0.5])).log_prob(ta.tensor([0.3]))
    with pytest.raises(ValueError, match=r"right-most size of value must match event_shape"):
        D.Dirichlet(ta.ones(3)).log_prob(ta.ones(2) / 2)
    with pytest.raises(ValueError, match=r"PositiveDefinite"):
        D.MultivariateNormal(ta.zeros(2), covariance_matrix=-ta.eye(2))
    with pytest.raises(ValueError, match="needs 3 x 3 matrices"):
        D.MultivariateNormal(ta.zeros(3), covariance_matrix=ta.eye(2))
    # validate_args=False turns the checks off, as in torch
    with np.errstate(invalid="ignore"):
        bad = D.Normal(0.0, -1.0, validate_args=False).log_prob(ta.tensor(0.0))
    assert np.isnan(bad.item())


def test_set_default_validate_args():
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args(2)


def test_repr_is_torchs(torch):
    cases = [lambda M, T: M.Normal(0.0, 1.0), lambda M, T: M.Normal(T([0.0, 1.0]), 1.0),
             lambda M, T: M.Beta(T(2.0), T(3.0)),
             lambda M, T: M.Categorical(T([1.0, 1.0])),
             lambda M, T: M.Uniform(0.0, 1.0).support]
    for make in cases:
        theirs = repr(make(torch.distributions, torch.tensor)).replace("torch.Size([2])",
                                                                        "(2,)")
        assert repr(make(D, ta.tensor)) == theirs


# --- shapes: expand, enumerate_support, constraints --------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_expand_broadcasts_the_batch(case):
    d = case.make(D, {k: ta.tensor(v.astype(np.float32)) for k, v in _arrays(case).items()})
    e = d.expand((5,) + d.batch_shape)
    assert e.batch_shape == (5,) + d.batch_shape and e.event_shape == d.event_shape
    rng = np.random.default_rng(0)
    value = ta.tensor(case.value(rng, d.batch_shape + case.event).astype(np.float32))
    np.testing.assert_allclose(e.log_prob(value).numpy(),
                               np.broadcast_to(d.log_prob(value).numpy(), e.batch_shape),
                               rtol=1e-6)
    assert e.sample().shape == e.batch_shape + e.event_shape


@pytest.mark.parametrize("expand", [True, False])
@pytest.mark.parametrize("make", [
    lambda M, T: M.Bernoulli(T([0.2, 0.7])), lambda M, T: M.Categorical(T([[1.0, 2, 3]] * 2)),
    lambda M, T: M.OneHotCategorical(T([[1.0, 2, 3]] * 2)),
    lambda M, T: M.Binomial(3, T([0.2, 0.7]))])
def test_enumerate_support_matches_torch(make, expand, torch):
    mine = make(D, ta.tensor).enumerate_support(expand)
    theirs = make(torch.distributions, torch.tensor).enumerate_support(expand)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert mine.shape == tuple(theirs.shape)


def test_binomial_entropy_refuses_inhomogeneous_counts():
    with pytest.raises(NotImplementedError, match="Inhomogeneous"):
        D.Binomial(ta.tensor([2.0, 3.0]), ta.tensor([0.5, 0.5])).entropy()


@pytest.mark.parametrize("name, value", [
    ("real", [0.0, np.nan, np.inf]), ("positive", [1.0, 0.0, -1.0]),
    ("nonnegative", [1.0, 0.0, -1.0]), ("unit_interval", [0.0, 1.0, 1.5]),
    ("boolean", [0.0, 1.0, 0.5]), ("nonnegative_integer", [0.0, 2.0, 1.5]),
    ("positive_integer", [0.0, 2.0, -1.0]), ("simplex", [[0.2, 0.8], [0.5, 0.6]]),
    ("real_vector", [[0.0, np.nan], [1.0, 2.0]]), ("one_hot", [[0.0, 1.0], [1.0, 1.0]]),
    ("lower_cholesky", [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("positive_definite", [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("lower_triangular", [[[1.0, 0.0], [2.0, -1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
])
def test_constraints_match_torch(name, value, torch):
    ours = getattr(constraints, name)
    theirs = getattr(torch.distributions.constraints, name)
    v = np.array(value)
    np.testing.assert_array_equal(ours.check(ta.tensor(v)).numpy(),
                                  theirs.check(torch.tensor(v)).numpy())
    assert (ours.event_dim, ours.is_discrete) == (theirs.event_dim, theirs.is_discrete)
    assert repr(ours) == repr(theirs)


def test_dependent_constraints():
    assert constraints.is_dependent(D.Uniform.support)
    assert not constraints.is_dependent(D.Uniform(0.0, 1.0).support)
    with pytest.raises(ValueError, match="dependent"):
        constraints.dependent.check(ta.tensor(0.0))
    assert repr(constraints.interval(0.0, 2.0)) == "Interval(lower_bound=0.0, upper_bound=2.0)"


# --- a policy-gradient and a VAE step -------------------------------------------------------------

def test_reinforce_step_moves_probability_to_the_rewarded_action():
    logits = ta.zeros(3, requires_grad=True)
    opt = ta.optim.SGD([logits], lr=0.5)
    rewards = np.array([0.0, 1.0, 0.0])
    for _ in range(200):
        policy = D.Categorical(logits=logits)
        action = policy.sample((16,))
        loss = -(policy.log_prob(action) * ta.tensor(rewards[action.numpy()])).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert D.Categorical(logits=logits).probs.numpy().argmax() == 1


def test_vae_style_kl_and_rsample_gradients():
    mu = ta.tensor([0.5, -0.3], requires_grad=True)
    log_sigma = ta.tensor([0.1, -0.2], requires_grad=True)
    q = D.Normal(mu, log_sigma.exp())
    kl = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum()
    z = q.rsample((3,))
    (kl + (z ** 2).mean()).backward()
    assert mu.grad is not None and log_sigma.grad is not None
    # the KL's own gradient: d/dmu = mu, d/dlog_sigma = sigma^2 - 1
    (g_mu, g_ls) = ta.grad(D.kl_divergence(D.Normal(mu, log_sigma.exp()),
                                           D.Normal(0.0, 1.0)).sum(), [mu, log_sigma])
    np.testing.assert_allclose(g_mu.numpy(), mu.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(g_ls.numpy(), np.exp(2 * log_sigma.detach().numpy()) - 1,
                               rtol=1e-5)


# --- docs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["__init__", "constraints", "continuous", "discrete",
                                    "multivariate", "independent", "kl", "special", "utils",
                                    "transforms", "transformed", "univariate"])
def test_doctests_pass(module):
    import importlib
    name = "tinygrad_acts.distributions" + ("" if module == "__init__" else "." + module)
    mod = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert math.isfinite(result.attempted)
