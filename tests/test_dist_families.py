"""Geometric, Multinomial, the relaxed (Gumbel-softmax) distributions,
LowRankMultivariateNormal, MixtureSameFamily and Gamma.cdf, against torch.distributions in
the same process: values (float64, to 1e-10), gradients of log_prob / entropy / KL and of
rsample (with the same noise, rebuilt from the package generator), shapes of samples and
expand, validation errors, result dtypes for float32 parameters."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.distributions as D
from tinygrad_acts.distributions import relaxed
from tinygrad_acts.tensor import generator

torch = pytest.importorskip("torch")
TD = torch.distributions
from torch.distributions import relaxed_bernoulli, relaxed_categorical  # noqa: E402

# the relaxed families, ours and torch's (the logit-space bases are not in either namespace)
OURS = {"LogitRelaxedBernoulli": relaxed.LogitRelaxedBernoulli,
        "RelaxedBernoulli": relaxed.RelaxedBernoulli,
        "ExpRelaxedCategorical": relaxed.ExpRelaxedCategorical,
        "RelaxedOneHotCategorical": relaxed.RelaxedOneHotCategorical}
THEIRS = {"LogitRelaxedBernoulli": relaxed_bernoulli.LogitRelaxedBernoulli,
          "RelaxedBernoulli": relaxed_bernoulli.RelaxedBernoulli,
          "ExpRelaxedCategorical": relaxed_categorical.ExpRelaxedCategorical,
          "RelaxedOneHotCategorical": relaxed_categorical.RelaxedOneHotCategorical}

RNG = np.random.default_rng(7)


def _pair(*arrays, grad=True):
    """The same float64 arrays as our Tensors and as torch tensors."""
    ours = [ta.tensor(np.asarray(a, dtype=np.float64), dtype=ta.float64, requires_grad=grad)
            for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)
              for a in arrays]
    return ours, theirs


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=tol, atol=tol)


def _grads_match(ours, theirs, out_ours, out_theirs, tol=1e-9):
    """Backward of sum(out * w) for one fixed weighting w on both sides; grads agree."""
    w = RNG.normal(size=tuple(out_theirs.shape))
    (out_ours * ta.tensor(w, dtype=out_ours.dtype)).sum().backward()
    (out_theirs * torch.tensor(w, dtype=out_theirs.dtype)).sum().backward()
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy())
        else:
            _close(p.grad, q.grad, tol)


def _seeded_uniform(seed, shape, dtype=np.float64):
    """The clamped uniforms the relaxed distributions draw after ta.manual_seed(seed)."""
    ta.manual_seed(seed)
    u = generator().random(shape).astype(dtype)
    eps = np.finfo(dtype).eps
    return np.clip(u, eps, 1 - eps)


# --- Geometric ------------------------------------------------------------------------------

P3 = np.array([0.2, 0.55, 0.9])
K43 = np.array([[0, 1, 2], [3, 0, 5], [7, 2, 0], [1, 1, 1]], dtype=np.float64)


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_geometric_values_and_grads(param):
    arr = P3 if param == "probs" else np.log(P3 / (1 - P3))
    (p,), (q,) = _pair(arr)
    ours, theirs = D.Geometric(**{param: p}), TD.Geometric(**{param: q})
    x, y = _pair(K43, grad=False)
    a, b = ours.log_prob(x[0]), theirs.log_prob(y[0])
    _close(a, b)
    _grads_match([p], [q], a, b)
    for attr in ("mean", "mode", "variance", "stddev"):
        _close(getattr(ours, attr), getattr(theirs, attr))
    (p,), (q,) = _pair(arr)
    ours, theirs = D.Geometric(**{param: p}), TD.Geometric(**{param: q})
    a, b = ours.entropy(), theirs.entropy()
    _close(a, b)
    _grads_match([p], [q], a, b)


def test_geometric_probs_one_and_kl():
    (p,), (q,) = _pair([1.0, 1.0, 0.5], grad=False)
    x, y = _pair([0.0, 2.0, 0.0], grad=False)
    _close(D.Geometric(p).log_prob(x[0]), TD.Geometric(q).log_prob(y[0]))  # 0, -inf, log .5
    (p1, p2), (q1, q2) = _pair(P3, [0.4, 0.3, 0.95])
    a = D.kl_divergence(D.Geometric(p1), D.Geometric(logits=(p2 / (1 - p2)).log()))
    b = TD.kl_divergence(TD.Geometric(q1), TD.Geometric(logits=(q2 / (1 - q2)).log()))
    _close(a, b)
    _grads_match([p1, p2], [q1, q2], a, b)


def test_geometric_sample_expand_and_errors():
    d = D.Geometric(ta.tensor([0.3, 1.0]))
    s = d.sample((2000,))
    assert s.shape == (2000, 2) and s.dtype == np.float32
    assert np.all(s.numpy() % 1 == 0) and np.all(s.numpy() >= 0)
    assert np.all(s.numpy()[:, 1] == 0)
    assert abs(s.numpy()[:, 0].mean() - (1 / 0.3 - 1)) < 0.25
    e = d.expand((4, 2))
    assert e.batch_shape == (4, 2) and e.sample((3,)).shape == (3, 4, 2)
    _close(e.mean, TD.Geometric(torch.tensor([0.3, 1.0])).expand((4, 2)).mean)
    assert not D.Geometric.has_rsample and not D.Geometric.has_enumerate_support
    with pytest.raises(ValueError, match="to be positive"):
        D.Geometric(ta.tensor([0.0, 0.5]))
    with pytest.raises(ValueError, match="Interval"):
        D.Geometric(ta.tensor([1.5, 0.5]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Geometric()
    with pytest.raises(ValueError, match="support"):
        d.log_prob(ta.tensor([0.5, 1.0]))
    D.Geometric(ta.tensor([0.0, 0.5]), validate_args=False)  # no check: as torch


# --- Multinomial ----------------------------------------------------------------------------

W23 = np.array([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]])
COUNTS = np.array([[[2, 1, 2], [0, 5, 0]], [[1, 1, 3], [4, 0, 1]]], dtype=np.float64)


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_multinomial_values_and_grads(param):
    arr = W23 if param == "probs" else np.log(W23) + 0.3
    (p,), (q,) = _pair(arr)
    ours, theirs = D.Multinomial(5, **{param: p}), TD.Multinomial(5, **{param: q})
    assert ours.batch_shape == (2,) and ours.event_shape == (3,)
    x, y = _pair(COUNTS)
    a, b = ours.log_prob(x[0]), theirs.log_prob(y[0])
    _close(a, b)
    _grads_match([p, x[0]], [q, y[0]], a, b)
    for attr in ("mean", "variance", "probs", "logits"):
        _close(getattr(ours, attr), getattr(theirs, attr))
    (p,), (q,) = _pair(arr)
    ours, theirs = D.Multinomial(5, **{param: p}), TD.Multinomial(5, **{param: q})
    a, b = ours.entropy(), theirs.entropy()
    _close(a, b)
    _grads_match([p], [q], a, b)


def test_multinomial_impossible_outcome_sample_expand_errors():
    logits = np.array([0.0, -np.inf, 1.0])
    (p,), (q,) = _pair(logits, grad=False)
    x, y = _pair([2.0, 0.0, 1.0], grad=False)
    _close(D.Multinomial(3, logits=p).log_prob(x[0]), TD.Multinomial(3, logits=q).log_prob(y[0]))
    d = D.Multinomial(7, ta.tensor(W23, dtype=ta.float32))
    s = d.sample((50,))
    assert s.shape == (50, 2, 3) and s.dtype == np.float32
    assert np.all(s.numpy().sum(-1) == 7) and np.all(s.numpy() >= 0)
    assert np.all(D.Multinomial(0, ta.tensor(W23)).sample().numpy() == 0)
    e = d.expand((4, 2))
    assert e.batch_shape == (4, 2) and e.sample().shape == (4, 2, 3)
    _close(e.entropy(), D.Multinomial(7, ta.tensor(W23, dtype=ta.float32)).entropy().expand(
        (4, 2)), 1e-6)
    with pytest.raises(NotImplementedError, match="inhomogeneous"):
        D.Multinomial(ta.tensor(3), ta.tensor(W23))
    with pytest.raises(ValueError, match="Simplex"):
        D.Multinomial(3, ta.tensor([-0.2, 0.3, 0.5]), validate_args=False)  # as torch
    with pytest.raises(ValueError, match="support"):
        d.log_prob(ta.tensor([[8.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="event_shape"):
        d.log_prob(ta.tensor([1.0, 1.0]))


# --- relaxed distributions ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LogitRelaxedBernoulli", "RelaxedBernoulli"])
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_relaxed_bernoulli_log_prob_and_rsample(name, param):
    arr = P3 if param == "probs" else np.log(P3 / (1 - P3))
    (t, p), (tt, q) = _pair([0.7], arr)
    ours, theirs = OURS[name](t, **{param: p}), THEIRS[name](tt, **{param: q})
    assert ours.has_rsample == theirs.has_rsample
    assert ours.batch_shape == (3,) and ours.event_shape == ()
    values = RNG.uniform(0.05, 0.95, (4, 3))
    if name == "LogitRelaxedBernoulli":
        values = np.log(values / (1 - values))
    x, y = _pair(values)
    a, b = ours.log_prob(x[0]), theirs.log_prob(y[0])
    _close(a, b)
    _grads_match([t, p, x[0]], [tt, q, y[0]], a, b)
    # rsample: torch's formula on the same uniforms
    (t, p), (tt, q) = _pair([0.7], arr)
    ours, theirs = OURS[name](t, **{param: p}), THEIRS[name](tt, **{param: q})
    ta.manual_seed(11)
    a = ours.rsample((5,))
    u = torch.tensor(_seeded_uniform(11, (5, 3)))
    probs = TD.utils.clamp_probs(theirs.probs.expand((5, 3)))
    b = (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / tt
    if name == "RelaxedBernoulli":
        b = TD.transforms.SigmoidTransform()(b)
    _close(a, b)
    _grads_match([t, p], [tt, q], a, b)


@pytest.mark.parametrize("name", ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"])
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_relaxed_categorical_log_prob_and_rsample(name, param):
    arr = W23 if param == "probs" else np.log(W23) - 0.2
    (t, p), (tt, q) = _pair([0.6], arr)
    ours, theirs = OURS[name](t, **{param: p}), THEIRS[name](tt, **{param: q})
    assert ours.has_rsample and theirs.has_rsample
    assert ours.batch_shape == (2,) and ours.event_shape == (3,)
    torch.manual_seed(0)
    with torch.no_grad():
        values = theirs.sample((4,)).numpy()
    x, y = _pair(values)
    a, b = ours.log_prob(x[0]), theirs.log_prob(y[0])
    _close(a, b, 1e-9)
    _grads_match([t, p, x[0]], [tt, q, y[0]], a, b, 1e-8)
    (t, p), (tt, q) = _pair([0.6], arr)
    ours, theirs = OURS[name](t, **{param: p}), THEIRS[name](tt, **{param: q})
    ta.manual_seed(12)
    a = ours.rsample((5,))
    u = torch.tensor(_seeded_uniform(12, (5, 2, 3)))
    scores = (theirs.logits - (-u.log()).log()) / tt
    b = scores - scores.logsumexp(-1, keepdim=True)
    if name == "RelaxedOneHotCategorical":
        b = b.exp()
    _close(a, b)
    _grads_match([t, p], [tt, q], a, b)


def test_relaxed_shapes_expand_support_and_errors():
    t32 = ta.tensor([0.5])
    d = D.RelaxedOneHotCategorical(t32, logits=ta.zeros(2, 4))
    s = d.rsample((3,))
    assert s.shape == (3, 2, 4) and s.dtype == np.float32
    np.testing.assert_allclose(s.numpy().sum(-1), 1, rtol=1e-5)
    e = d.expand((5, 2))
    assert e.batch_shape == (5, 2) and e.sample().shape == (5, 2, 4)
    assert isinstance(e, D.RelaxedOneHotCategorical) and e.temperature is t32
    b = D.RelaxedBernoulli(t32, probs=ta.tensor([0.3, 0.6]))
    x = b.sample((10,))
    assert x.shape == (10, 2) and x.dtype == np.float32 and not x.requires_grad
    assert np.all((x.numpy() > 0) & (x.numpy() < 1))
    assert b.expand((3, 2)).rsample().shape == (3, 2)
    assert b.log_prob(ta.tensor([0.3, 0.6])).dtype == np.float32
    assert repr(D.RelaxedBernoulli.support) == repr(TD.RelaxedBernoulli.support)
    with pytest.raises(ValueError, match="Interval"):
        D.RelaxedBernoulli(t32, probs=ta.tensor([1.5]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.RelaxedBernoulli(t32)
    with pytest.raises(ValueError, match="support"):
        b.log_prob(ta.tensor([1.5, 0.5]))
    with pytest.raises(ValueError, match="support"):
        d.log_prob(ta.tensor([0.5, 0.2, 0.2, 0.2]))


# --- LowRankMultivariateNormal ----------------------------------------------------------------

LOC = RNG.normal(size=(2, 3))
FACTOR = RNG.normal(size=(2, 3, 2))
DIAG = RNG.uniform(0.5, 2.0, (1, 3))


def _lowrank_pair():
    ours, theirs = _pair(LOC, FACTOR, DIAG)
    return (D.LowRankMultivariateNormal(*ours), TD.LowRankMultivariateNormal(*theirs),
            ours, theirs)


def test_lowrank_log_prob_entropy_and_grads():
    d, e, ours, theirs = _lowrank_pair()
    assert d.batch_shape == e.batch_shape == (2,) and d.event_shape == (3,)
    x, y = _pair(RNG.normal(size=(4, 2, 3)))
    a, b = d.log_prob(x[0]), e.log_prob(y[0])
    _close(a, b)
    _grads_match(ours + x, theirs + y, a, b)
    d, e, ours, theirs = _lowrank_pair()
    a, b = d.entropy(), e.entropy()
    _close(a, b)
    _grads_match(ours, theirs, a, b)


@pytest.mark.parametrize("attr", ["covariance_matrix", "precision_matrix", "scale_tril",
                                  "variance", "mean", "mode", "stddev"])
def test_lowrank_matrices_and_grads(attr):
    d, e, ours, theirs = _lowrank_pair()
    a, b = getattr(d, attr), getattr(e, attr)
    _close(a, b)
    _grads_match(ours, theirs, a, b)


def test_lowrank_rsample_same_noise():
    d, _, ours, theirs = _lowrank_pair()
    ta.manual_seed(5)
    a = d.rsample((4,))
    ta.manual_seed(5)
    eps_w = torch.tensor(generator().standard_normal((4, 2, 2)))
    eps_d = torch.tensor(generator().standard_normal((4, 2, 3)))
    b = (theirs[0] + (theirs[1] @ eps_w.unsqueeze(-1)).squeeze(-1)
         + theirs[2].sqrt() * eps_d)
    _close(a, b)
    _grads_match(ours, theirs, a, b)
    assert d.sample().shape == (2, 3) and not d.sample().requires_grad


def test_lowrank_kls():
    for pk, qk in (("low", "low"), ("mvn", "low"), ("low", "mvn")):
        p_ours, p_theirs = _pair(LOC, FACTOR, DIAG)
        q_ours, q_theirs = _pair(LOC[0] * 0.5, FACTOR[0] * 0.7, DIAG[0] * 1.3)

        def build(mod, kind, args):
            if kind == "low":
                return mod.LowRankMultivariateNormal(*args)
            w, dg = args[1], args[2]
            cov = w @ w.transpose(-2, -1) + dg.diag_embed()
            return mod.MultivariateNormal(args[0], covariance_matrix=cov)

        a = D.kl_divergence(build(D, pk, p_ours), build(D, qk, q_ours))
        b = TD.kl_divergence(build(TD, pk, p_theirs), build(TD, qk, q_theirs))
        _close(a, b)
        _grads_match(p_ours + q_ours, p_theirs + q_theirs, a, b)


def test_lowrank_expand_dtype_and_errors():
    d = D.LowRankMultivariateNormal(ta.zeros(3), ta.ones(3, 1), ta.ones(3))
    e = d.expand((4,))
    assert e.batch_shape == (4,) and e.rsample((2,)).shape == (2, 4, 3)
    assert e.log_prob(ta.zeros(4, 3)).shape == (4,) and e.entropy().shape == (4,)
    for v in (d.log_prob(ta.zeros(3)), d.entropy(), d.rsample(), d.covariance_matrix,
              d.precision_matrix, d.scale_tril):
        assert v.dtype == np.float32
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        D.LowRankMultivariateNormal(ta.tensor(0.0), ta.ones(1, 1), ta.ones(1))
    with pytest.raises(ValueError, match="cov_factor must be at least two-dimensional"):
        D.LowRankMultivariateNormal(ta.zeros(3), ta.ones(3), ta.ones(3))
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices"):
        D.LowRankMultivariateNormal(ta.zeros(3), ta.ones(2, 1), ta.ones(3))
    with pytest.raises(ValueError, match="cov_diag must be a batch of vectors"):
        D.LowRankMultivariateNormal(ta.zeros(3), ta.ones(3, 1), ta.ones(2))
    with pytest.raises(ValueError, match="Incompatible batch shapes"):
        D.LowRankMultivariateNormal(ta.zeros(2, 3), ta.ones(4, 3, 1), ta.ones(3))
    with pytest.raises(ValueError, match="IndependentConstraint"):
        D.LowRankMultivariateNormal(ta.zeros(3), ta.zeros(3, 1), ta.tensor([-1.0, 1.0, 1.0]))
    # as torch: an indefinite capacitance matrix fails in its Cholesky, before validation
    with pytest.raises(RuntimeError, match="positive-definite"):
        D.LowRankMultivariateNormal(ta.zeros(3), ta.ones(3, 1), -ta.ones(3))
    with pytest.raises(RuntimeError, match="positive-definite"):
        TD.LowRankMultivariateNormal(torch.zeros(3), torch.ones(3, 1), -torch.ones(3))


# --- MixtureSameFamily ------------------------------------------------------------------------


def _mixtures(kind):
    """(ours, theirs, our leaves, their leaves) of one mixture kind."""
    if kind == "normal":
        leaves = [RNG.uniform(0.5, 2, (2, 3)), RNG.normal(size=(2, 3)),
                  RNG.uniform(0.5, 2, (2, 3))]

        def build(mod, w, loc, scale):
            return mod.MixtureSameFamily(mod.Categorical(w), mod.Normal(loc, scale))
    elif kind == "independent":
        leaves = [RNG.uniform(0.5, 2, (3,)), RNG.normal(size=(2, 3, 4)),
                  RNG.uniform(0.5, 2, (2, 3, 4))]

        def build(mod, w, loc, scale):
            return mod.MixtureSameFamily(mod.Categorical(logits=w.log()),
                                         mod.Independent(mod.Normal(loc, scale), 1))
    else:
        leaves = [RNG.uniform(0.5, 2, (3,)), RNG.normal(size=(3, 2)),
                  RNG.uniform(0.5, 2, (3, 2, 2))]

        def build(mod, w, loc, scale):
            return mod.MixtureSameFamily(
                mod.Categorical(w), mod.MultivariateNormal(loc, scale_tril=scale.tril()))
    ours, theirs = _pair(*leaves)
    return build(D, *ours), build(TD, *theirs), ours, theirs


KINDS = ["normal", "independent", "mvn"]


@pytest.mark.parametrize("kind", KINDS)
def test_mixture_log_prob_moments_and_grads(kind):
    d, e, ours, theirs = _mixtures(kind)
    assert d.batch_shape == e.batch_shape and d.event_shape == e.event_shape
    x, y = _pair(RNG.normal(size=(5,) + tuple(e.batch_shape) + tuple(e.event_shape)))
    a, b = d.log_prob(x[0]), e.log_prob(y[0])
    _close(a, b)
    _grads_match(ours + x, theirs + y, a, b)
    for attr in ("mean", "variance", "stddev"):
        d, e, ours, theirs = _mixtures(kind)
        a, b = getattr(d, attr), getattr(e, attr)
        _close(a, b)
        _grads_match(ours, theirs, a, b)


def test_mixture_cdf_sample_expand_and_errors():
    d, e, ours, theirs = _mixtures("normal")
    x, y = _pair(RNG.normal(size=(4, 2)))
    a, b = d.cdf(x[0]), e.cdf(y[0])
    _close(a, b)
    _grads_match(ours + x, theirs + y, a, b)
    assert d.sample((7,)).shape == (7, 2) and not d.has_rsample
    d, e, _, _ = _mixtures("independent")
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        e.sample((6,))  # torch: a mixture batch () cannot gather from components' (2,)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        d.sample((6,))
    d = D.MixtureSameFamily(D.Categorical(ta.ones(2, 3, dtype=ta.float64)),
                            d.component_distribution)
    s = d.sample((6,))
    assert s.shape == (6, 2, 4) and s.dtype == np.float64
    # each sample is one of the components' draws: with tiny scales, one of the locs
    gmm = D.MixtureSameFamily(D.Categorical(ta.tensor([0.5, 0.5])),
                              D.Normal(ta.tensor([-10.0, 10.0]), ta.tensor([1e-3, 1e-3])))
    draws = gmm.sample((200,)).numpy()
    assert np.all(np.abs(np.abs(draws) - 10) < 0.1) and 40 < (draws > 0).sum() < 160
    e = d.expand((5, 2))
    assert e.batch_shape == (5, 2) and e.sample().shape == (5, 2, 4)
    assert e.log_prob(ta.zeros(5, 2, 4, dtype=ta.float64)).shape == (5, 2)
    with pytest.raises(NotImplementedError):
        gmm.rsample()
    with pytest.raises(ValueError, match="Categorical"):
        D.MixtureSameFamily(D.OneHotCategorical(ta.tensor([0.5, 0.5])), D.Normal(0.0, 1.0))
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(ta.ones(3)), D.Normal(ta.zeros(2), ta.ones(2)))
    with pytest.raises(ValueError, match="not compatible"):
        D.MixtureSameFamily(D.Categorical(ta.ones(4, 2)), D.Normal(ta.zeros(3, 2), 1.0))
    with pytest.raises(ValueError, match="support"):
        D.MixtureSameFamily(D.Categorical(ta.ones(2)), D.Gamma(ta.ones(2), 1.0)).log_prob(
            ta.tensor(-1.0))
    f32 = D.MixtureSameFamily(D.Categorical(ta.ones(2)), D.Normal(ta.zeros(2), 1.0))
    for v in (f32.log_prob(ta.tensor(0.5)), f32.mean, f32.variance, f32.cdf(ta.tensor(0.1)),
              f32.sample()):
        assert v.dtype == np.float32


# --- Gamma.cdf ----------------------------------------------------------------------------------


def test_gamma_and_chi2_cdf():
    (c,), (cc,) = _pair(RNG.uniform(0.5, 4, (3,)), grad=False)
    (r, x), (rr, y) = _pair(RNG.uniform(0.5, 2, (3,)), RNG.uniform(0.1, 5, (4, 3)))
    a, b = D.Gamma(c, r).cdf(x), TD.Gamma(cc, rr).cdf(y)
    _close(a, b)
    _grads_match([r, x], [rr, y], a, b)
    _close(D.Chi2(c * 2).cdf(x.detach()), TD.Chi2(cc * 2).cdf(y.detach()))
    assert D.Gamma(ta.tensor(2.0), 1.0).cdf(ta.tensor(1.0)).dtype == np.float32
    with pytest.raises(ValueError, match="support"):
        D.Gamma(ta.tensor(2.0), 1.0).cdf(ta.tensor(-1.0))
    (c,), (cc,) = _pair([2.0])
    with pytest.raises(NotImplementedError):  # torch: igamma's input grad is not implemented
        TD.Gamma(cc, 1.0).cdf(torch.tensor([1.0], dtype=torch.float64)).sum().backward()
    with pytest.raises(NotImplementedError):
        D.Gamma(c, 1.0).cdf(ta.tensor([1.0], dtype=ta.float64)).sum().backward()


# --- dtypes for float32 parameters -------------------------------------------------------------


def test_float32_results_match_torch_dtype():
    p32 = ta.tensor([0.3, 0.6])
    q32 = torch.tensor([0.3, 0.6])
    pairs = [
        (D.Geometric(p32), TD.Geometric(q32), ta.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])),
        (D.Multinomial(3, p32), TD.Multinomial(3, q32), ta.tensor([1.0, 2.0]),
         torch.tensor([1.0, 2.0])),
        (D.RelaxedBernoulli(ta.tensor(0.5), p32), TD.RelaxedBernoulli(torch.tensor(0.5), q32),
         ta.tensor([0.2, 0.7]), torch.tensor([0.2, 0.7])),
        (D.Gamma(p32, 1.0), TD.Gamma(q32, 1.0), ta.tensor([0.5, 1.5]),
         torch.tensor([0.5, 1.5])),
    ]
    for ours, theirs, x, y in pairs:
        a, b = ours.log_prob(x), theirs.log_prob(y)
        assert str(a.dtype) == str(b.dtype).replace("torch.", "")
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
        for method in ("entropy", "mean", "variance", "cdf"):
            try:
                want = getattr(theirs, method)
                want = want(y) if method == "cdf" else want() if callable(want) else want
            except NotImplementedError:
                continue
            got = getattr(ours, method)
            got = got(x) if method == "cdf" else got() if callable(got) else got
            assert str(got.dtype) == str(want.dtype).replace("torch.", ""), method
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


# --- second derivatives (create_graph) ----------------------------------------------------------

SECOND = {
    "geometric_entropy": ((P3,), lambda m, p: m.Geometric(p).entropy()),
    "multinomial_log_prob": ((W23,), lambda m, p: m.Multinomial(5, p).log_prob(
        _as(m, COUNTS))),
    "lowrank_log_prob": ((LOC, FACTOR, DIAG), lambda m, *a: m.LowRankMultivariateNormal(
        *a).log_prob(_as(m, LOC * 0.3 + 0.1))),
    "relaxed_bernoulli_log_prob": (([0.7], P3), lambda m, t, p: _relaxed(m).RelaxedBernoulli(
        t, p).log_prob(_as(m, [0.2, 0.5, 0.9]))),
    "mixture_log_prob": ((W23, LOC, DIAG + LOC * 0), lambda m, w, loc, s: m.MixtureSameFamily(
        m.Categorical(w), m.Normal(loc, s)).log_prob(_as(m, [[0.1, -0.4]]))),
}


def _as(mod, arr):
    arr = np.asarray(arr, dtype=np.float64)
    return ta.tensor(arr, dtype=ta.float64) if mod is D else torch.tensor(arr)


def _relaxed(mod):
    return relaxed if mod is D else relaxed_bernoulli


@pytest.mark.parametrize("case", list(SECOND))
def test_second_derivatives_match_torch(case):
    """grad of |grad f|^2 (a Hessian-vector product) agrees with torch's."""
    arrays, fn = SECOND[case]
    ours, theirs = _pair(*arrays)
    first_ours = ta.grad(fn(D, *ours).sum(), ours, create_graph=True)
    first_theirs = torch.autograd.grad(fn(TD, *theirs).sum(), theirs, create_graph=True)
    for g, h in zip(first_ours, first_theirs):
        _close(g, h, 1e-9)
    second_ours = ta.grad(sum((g * g).sum() for g in first_ours), ours)
    second_theirs = torch.autograd.grad(sum((g * g).sum() for g in first_theirs), theirs)
    for g, h in zip(second_ours, second_theirs):
        _close(g, h, 1e-8)
