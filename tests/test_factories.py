"""Factories (api/factories.py): shapes, dtypes and distributions (the random streams are
numpy's, not torch's, so values are compared as distributions), the in-place fills'
autograd rules, and raise for raise against torch."""
import numpy as np
import pytest

import tinygrad_acts as ta

N = 20000  # samples for the distribution checks (means to about 1%)


def test_linspace_and_logspace_values():
    np.testing.assert_allclose(ta.linspace(-1, 1, 5).numpy(), [-1, -0.5, 0, 0.5, 1])
    assert ta.linspace(0, 1, 0).shape == (0,) and ta.linspace(0, 1, 1).tolist() == [0.0]
    assert ta.linspace(0, 1, 3, dtype=ta.float64).dtype == np.float64
    np.testing.assert_allclose(ta.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    assert ta.linspace(ta.tensor(0.0), ta.tensor(2.0), 3).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="non-negative"):
        ta.linspace(0, 1, -1)


def test_empty_and_likes_keep_shape_and_dtype():
    assert ta.empty(2, 3).shape == (2, 3) and ta.empty((2,), dtype=ta.int64).dtype == np.int64
    x = ta.arange(6).reshape(2, 3)
    assert ta.empty_like(x).dtype == np.int64 and ta.empty_like(x).shape == (2, 3)
    assert ta.full_like(x, 2.7).tolist() == [[2, 2, 2], [2, 2, 2]]
    assert ta.full_like(x, 2.5, dtype=ta.float64).dtype == np.float64
    assert ta.empty_like(ta.ones(2), requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating"):
        ta.empty_like(x, requires_grad=True)


def test_random_factories_follow_the_package_generator():
    ta.manual_seed(3)
    a = [ta.rand_like(ta.zeros(4)), ta.randint(10, (4,)), ta.randperm(5), ta.normal(0.0, 1.0,
                                                                                   (3,))]
    ta.manual_seed(3)
    b = [ta.rand_like(ta.zeros(4)), ta.randint(10, (4,)), ta.randperm(5), ta.normal(0.0, 1.0,
                                                                                   (3,))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    np.testing.assert_array_equal(ta.randn_like(ta.zeros(3), generator=g1).numpy(),
                                  ta.randn_like(ta.zeros(3), generator=g2).numpy())
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        ta.randperm(3, generator=42)


def test_distributions():
    ta.manual_seed(0)
    u = ta.rand_like(ta.zeros(N, dtype=ta.float64)).numpy()
    assert abs(u.mean() - 0.5) < 0.01 and u.min() >= 0 and u.max() < 1
    z = ta.normal(ta.full((N,), 2.0), 3.0).numpy()
    assert abs(z.mean() - 2) < 0.1 and abs(z.std() - 3) < 0.1
    r = ta.randint(3, 7, (N,)).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    assert sorted(ta.randperm(10).tolist()) == list(range(10))
    e = ta.zeros(N).exponential_(2.0).numpy()
    assert abs(e.mean() - 0.5) < 0.02 and e.min() >= 0
    b = ta.bernoulli(ta.full((N,), 0.3)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.02
    x = ta.zeros(N).uniform_(-1, 3).numpy()
    assert x.min() >= -1 and x.max() < 3 and abs(x.mean() - 1) < 0.05
    n = ta.zeros(N).normal_(1.0, 0.5).numpy()
    assert abs(n.mean() - 1) < 0.02 and abs(n.std() - 0.5) < 0.02
    k = ta.zeros(N, dtype=ta.int64).random_(2, 5).numpy()
    assert set(np.unique(k)) == {2, 3, 4}
    assert set(np.unique(ta.zeros(100).random_(3).numpy())) <= {0.0, 1.0, 2.0}
    f = ta.zeros(1000).random_().numpy()
    assert f.min() >= 0 and f.max() <= 2 ** 24 and np.all(f == np.round(f))


def test_multinomial_with_and_without_replacement():
    ta.manual_seed(1)
    w = ta.tensor([[0.0, 1.0, 3.0], [2.0, 0.0, 2.0]])
    draws = ta.multinomial(w, N, replacement=True).numpy()
    assert draws.shape == (2, N) and draws.dtype == np.int64
    assert not np.any(draws[0] == 0) and not np.any(draws[1] == 1)
    assert abs(np.mean(draws[0] == 2) - 0.75) < 0.02 and abs(np.mean(draws[1] == 0) - 0.5) < 0.02
    once = ta.multinomial(ta.tensor([1.0, 1.0, 1.0, 1.0]), 4).numpy()
    assert sorted(once.tolist()) == [0, 1, 2, 3]
    # without replacement, the first draw follows the weights too
    first = np.array([ta.multinomial(ta.tensor([1.0, 3.0]), 1).item() for _ in range(2000)])
    assert abs(first.mean() - 0.75) < 0.04
    with pytest.raises(RuntimeError, match="non-negative category"):
        ta.multinomial(ta.tensor([0.0, 1.0]), 2)


def test_inplace_fills_refuse_a_leaf_that_requires_grad_and_bump_the_version():
    for fill in (lambda t: t.uniform_(), lambda t: t.normal_(), lambda t: t.random_(3),
                 lambda t: t.exponential_(), lambda t: t.bernoulli_(), lambda t: t.copy_(
                     ta.ones(3))):
        x = ta.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            fill(x)
        with ta.no_grad():
            v = x._version
            assert fill(x) is x and x._version == v + 1


def test_a_random_fill_of_a_non_leaf_gives_its_old_values_a_zero_gradient():
    x = ta.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_()
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_copy_is_differentiable_in_src_with_broadcasting_and_casting():
    src = ta.tensor([1.0, 2.0], dtype=ta.float64, requires_grad=True)
    z = ta.zeros(3, 2).copy_(src)
    assert z.dtype == np.float32 and z.tolist() == [[1, 2]] * 3
    (z * ta.arange(6.0).reshape(3, 2)).sum().backward()
    assert src.grad.dtype == np.float64 and src.grad.tolist() == [6.0, 9.0]
    i = ta.zeros(3, dtype=ta.int64).copy_(ta.tensor([1.7, 2.2, -1.5]))
    assert i.tolist() == [1, 2, -1]
    with pytest.raises(RuntimeError, match=r"copy_.*\(2,\).*\(3,\)"):
        ta.zeros(3).copy_(ta.ones(2))


def test_normal_and_bernoulli_outputs_require_grad_with_a_zero_gradient():
    m = ta.zeros(3, requires_grad=True)
    out = ta.normal(m, 1.0)
    assert out.requires_grad
    out.sum().backward()
    assert m.grad.tolist() == [0.0, 0.0, 0.0]


# --- against torch: dtypes, shapes, raise for raise ---------------------------------------------


def _outcome(lib, make):
    try:
        out = make(lib)
    except Exception as e:  # noqa: BLE001 - raise versus raise
        return ("raised", type(e).__name__)
    return ("ok", tuple(out.shape), str(out.dtype).replace("torch.", ""), out.requires_grad)


F32 = [1.0, 2.0, 3.0]
CALLS = [
    ("linspace", lambda t: t.linspace(0, 1, 5)),
    ("linspace int", lambda t: t.linspace(0, 10, steps=5, dtype=t.int64)),
    ("linspace requires_grad", lambda t: t.linspace(0, 1, 3, requires_grad=True)),
    ("linspace negative", lambda t: t.linspace(0, 1, -1)),
    ("logspace", lambda t: t.logspace(0, 2, 3, base=2)),
    ("empty", lambda t: t.empty(2, 3)),
    ("empty tuple int", lambda t: t.empty((2, 3), dtype=t.int64)),
    ("empty_like", lambda t: t.empty_like(t.tensor([1, 2]))),
    ("full_like int", lambda t: t.full_like(t.tensor([1, 2]), 2.5)),
    ("full_like bool", lambda t: t.full_like(t.tensor([True]), 2)),
    ("full_like dtype", lambda t: t.full_like(t.tensor([1]), 2.5, dtype=t.float64)),
    ("zeros_like dtype", lambda t: t.zeros_like(t.tensor(F32), dtype=t.int64)),
    ("zeros_like requires_grad", lambda t: t.zeros_like(t.tensor(F32), requires_grad=True)),
    ("ones_like int requires_grad", lambda t: t.ones_like(t.tensor([1]), requires_grad=True)),
    ("rand_like", lambda t: t.rand_like(t.tensor(F32))),
    ("rand_like int", lambda t: t.rand_like(t.tensor([1, 2]))),
    ("rand_like dtype", lambda t: t.rand_like(t.tensor(F32), dtype=t.float64)),
    ("randn_like bool", lambda t: t.randn_like(t.tensor([True]))),
    ("randint high", lambda t: t.randint(10, (3,))),
    ("randint low high", lambda t: t.randint(3, 10, (2, 2))),
    ("randint size kw", lambda t: t.randint(5, size=(2,))),
    ("randint float dtype", lambda t: t.randint(3, 10, (3,), dtype=t.float32)),
    ("randint empty range", lambda t: t.randint(10, 3, (3,))),
    ("randint requires_grad", lambda t: t.randint(10, (3,), requires_grad=True)),
    ("randint_like float", lambda t: t.randint_like(t.tensor(F32), 10)),
    ("randint_like int", lambda t: t.randint_like(t.tensor([1, 2]), 3, 10)),
    ("randint_like bool", lambda t: t.randint_like(t.tensor([True]), 2)),
    ("randperm", lambda t: t.randperm(5)),
    ("randperm 0", lambda t: t.randperm(0)),
    ("randperm float", lambda t: t.randperm(4, dtype=t.float32)),
    ("randperm negative", lambda t: t.randperm(-1)),
    ("normal floats", lambda t: t.normal(0.0, 1.0, (3,))),
    ("normal tensor float", lambda t: t.normal(t.tensor(F32), 1.0)),
    ("normal float tensor", lambda t: t.normal(1.0, t.tensor(F32))),
    ("normal broadcast", lambda t: t.normal(t.tensor(F32), t.ones(2, 1))),
    ("normal bad broadcast", lambda t: t.normal(t.zeros(2, 3), t.ones(6))),
    ("normal int mean", lambda t: t.normal(t.tensor([1, 2]), 1.0)),
    ("normal negative std", lambda t: t.normal(t.tensor(F32), -1.0)),
    ("normal requires_grad", lambda t: t.normal(t.tensor(F32, requires_grad=True), 1.0)),
    ("bernoulli", lambda t: t.bernoulli(t.full((3,), 0.5))),
    ("bernoulli p", lambda t: t.bernoulli(t.full((3,), 0.5, dtype=t.float64), 0.2)),
    ("bernoulli bad", lambda t: t.bernoulli(t.full((3,), 1.5))),
    ("bernoulli int", lambda t: t.bernoulli(t.tensor([1, 0]))),
    ("multinomial", lambda t: t.multinomial(t.tensor(F32), 2)),
    ("multinomial too many", lambda t: t.multinomial(t.tensor(F32), 5)),
    ("multinomial replacement", lambda t: t.multinomial(t.tensor(F32), 5, True)),
    ("multinomial 2-d", lambda t: t.multinomial(t.ones(2, 3), 2)),
    ("multinomial negative", lambda t: t.multinomial(t.tensor([-1.0, 2.0]), 1)),
    ("multinomial int", lambda t: t.multinomial(t.tensor([1, 2]), 1)),
    ("multinomial zeros", lambda t: t.multinomial(t.zeros(3), 1)),
    ("multinomial 3-d", lambda t: t.multinomial(t.ones(2, 2, 2), 1)),
    ("multinomial 0", lambda t: t.multinomial(t.tensor(F32), 0)),
    ("uniform_", lambda t: t.ones(3).uniform_(1, 2)),
    ("uniform_ reversed", lambda t: t.ones(3).uniform_(2, 1)),
    ("uniform_ int", lambda t: t.ones(3, dtype=t.int64).uniform_()),
    ("normal_", lambda t: t.ones(3).normal_(0, 1)),
    ("normal_ negative", lambda t: t.ones(3).normal_(0, -1)),
    ("normal_ int", lambda t: t.ones(3, dtype=t.int64).normal_()),
    ("random_", lambda t: t.ones(3).random_()),
    ("random_ to", lambda t: t.ones(3, dtype=t.int64).random_(5)),
    ("random_ from to", lambda t: t.ones(3).random_(2, 5)),
    ("random_ bool", lambda t: t.ones(3, dtype=t.bool).random_()),
    ("random_ reversed", lambda t: t.ones(3).random_(5, 2)),
    ("random_ kw", lambda t: t.ones(3).random_(**{"from": 1, "to": 4})),
    ("exponential_", lambda t: t.ones(3).exponential_()),
    ("exponential_ 0", lambda t: t.ones(3).exponential_(0)),
    ("exponential_ int", lambda t: t.ones(3, dtype=t.int64).exponential_()),
    ("bernoulli_", lambda t: t.ones(3).bernoulli_(0.2)),
    ("bernoulli_ int", lambda t: t.ones(3, dtype=t.int64).bernoulli_(0.5)),
    ("bernoulli_ bad", lambda t: t.ones(3).bernoulli_(2.0)),
    ("bernoulli_ tensor", lambda t: t.ones(3).bernoulli_(t.full((3,), 0.5))),
    ("copy_ 0-d", lambda t: t.ones(3).copy_(t.tensor(2))),
    ("copy_ bad", lambda t: t.ones(3).copy_(t.ones(2))),
    ("copy_ broadcast cast", lambda t: t.ones(2, 3).copy_(t.ones(3, dtype=t.float64))),
    ("copy_ leaf", lambda t: t.ones(3, requires_grad=True).copy_(t.tensor(F32))),
    ("copy_ requires_grad src", lambda t: t.ones(3).copy_(t.tensor(F32, requires_grad=True))),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, make", CALLS, ids=[c[0] for c in CALLS])
def test_factory_matches_torch_in_dtype_shape_and_raising(name, make):
    torch = pytest.importorskip("torch")
    ours, theirs = _outcome(ta, make), _outcome(torch, make)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "ok":
        assert ours == theirs
