# ruff: noqa: B023 - the lambdas are called at once, inside their loop iteration
"""The functional family (F.one_hot / pad / normalize / cosine_similarity /
pairwise_distance / softmin / glu / dropout1d / dropout2d / embedding) and the losses
(l1 / smooth_l1 / huber / kl_div, cross_entropy and nll_loss with weight / ignore_index /
label_smoothing, the binary cross-entropies), against torch: values, gradients, dtypes and
raise-versus-raise on the variants the op-table rows do not cover; their nn modules too."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn


def _torch():
    return pytest.importorskip("torch")


def _pair(arrays, requires_grad=True):
    torch = _torch()
    ours = [ta.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
              for a in arrays]
    return ours, theirs


def same(fn_ours, fn_theirs, *arrays, grads=True, rtol=1e-10, atol=1e-12):
    """Run both; compare values, dtypes and (for float inputs) gradients, or that both raise."""
    torch = _torch()
    ours, theirs = _pair(arrays)
    try:
        want = fn_theirs(*theirs)
    except Exception:  # noqa: BLE001 - torch refuses: so must we
        with pytest.raises((RuntimeError, ValueError, TypeError, IndexError,
                            NotImplementedError, AssertionError)):
            fn_ours(*ours)
        return None
    got = fn_ours(*ours)
    assert got.shape == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=rtol, atol=atol)
    if grads and want.requires_grad:
        w = np.random.default_rng(1).standard_normal(got.shape)
        got.backward(ta.tensor(w.astype(got.numpy().dtype)))
        want.backward(torch.tensor(w, dtype=want.dtype))
        for o, t in zip(ours, theirs):
            if t.requires_grad and t.grad is None:  # no path to it in torch (p = 0 norms)
                assert o.grad is None or not o.grad.numpy().any()
            elif t.requires_grad:
                np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    return got


rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))
X3 = rng.standard_normal((2, 3, 5))
X4 = rng.standard_normal((2, 3, 4, 5))


def tF():
    return _torch().nn.functional


# --- one_hot -----------------------------------------------------------------------------------

@pytest.mark.parametrize("values, n", [([0, 2, 1], -1), ([0, 2], 5), ([[1, 0], [3, 3]], -1),
                                       ([], 3), (2, 4), ([0, 2], 2), ([0, -1], -1), ([], -1),
                                       ([1], 0)])
def test_one_hot_matches_torch(values, n):
    torch = _torch()
    arr = np.array(values, dtype=np.int64)
    try:
        want = tF().one_hot(torch.tensor(arr), n)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            F.one_hot(ta.tensor(arr), n)
        return
    got = F.one_hot(ta.tensor(arr), n)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_one_hot_refuses_non_int64():
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ta.tensor(np.array([0, 1], dtype=np.int32)))
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ta.tensor([0.0, 1.0]))


# --- pad -----------------------------------------------------------------------------------------

PADS = [(X, (1,), "constant"), (X, (1, 1, 1, 1, 1, 1), "constant"), (X, (1, 1), "reflect"),
        (X, (1, 1, 1, 1), "reflect"), (X3, (1, 1, 1, 1), "reflect"),
        (X4, (1, 2, 2, 1), "reflect"), (X4, (1, 1, 1, 1, 1, 1), "replicate"),
        (X3, (4, 1), "reflect"), (X3, (5, 1), "circular"), (X3, (6, 1), "circular"),
        (X3, (-1, 2), "circular"), (X3, (-2, 1), "reflect"), (X3, (-1, 3), "replicate"),
        (X3, (9, 9), "replicate"), (X3, (1, 1), "foo"), (X3, (-3, -2), "constant"),
        (X3, (-6, 0), "constant"), (X4, (0, 0, -1, 2, 3, -1), "constant"),
        (np.zeros((2, 0, 4)), (1, 1), "reflect"), (np.zeros((2, 3, 0)), (1, 1), "constant"),
        (np.array(3.0), (), "constant"), (X4, (1, 1, 1, 1, 1, 1, 1, 1), "constant"),
        (X3, (2, 0, 0, 2, 1, 1), "circular"), (X4, (1, 0, 0, 1, 1, 0), "circular")]


@pytest.mark.parametrize("x, p, mode", PADS, ids=[f"{m}{p}-{np.shape(x)}" for x, p, m in PADS])
def test_pad_matches_torch(x, p, mode):
    same(lambda a: F.pad(a, p, mode=mode), lambda a: tF().pad(a, p, mode=mode), x)


def test_pad_value_and_dtypes_match_torch():
    same(lambda a: F.pad(a, (1, 2), value=-3.5), lambda a: tF().pad(a, (1, 2), value=-3.5), X)
    ints = np.arange(6, dtype=np.int64).reshape(2, 3)
    same(lambda a: F.pad(a, (1, 1), value=2.5), lambda a: tF().pad(a, (1, 1), value=2.5), ints)
    same(lambda a: F.pad(a, (1, 1), mode="reflect"),
         lambda a: tF().pad(a, (1, 1), mode="reflect"), ints)
    same(lambda a: F.pad(a, (1, 1), mode="reflect", value=1.0),
         lambda a: tF().pad(a, (1, 1), mode="reflect", value=1.0), X)
    with pytest.raises(TypeError):
        F.pad(ta.tensor(X), (1.5, 1))


def test_pad_backward_is_sparse_and_float32_stays_float32():
    x = ta.tensor(X3.astype(np.float32), requires_grad=True)
    y = F.pad(x, (2, 2, 1, 1), mode="replicate")
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.numpy().sum() == y.numel()


# --- normalize / cosine_similarity / pairwise_distance ----------------------------------------

@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "p": 1.0}, {"p": float("inf")},
                                {"p": 3.0, "dim": 2}, {"dim": 3}, {"eps": 10.0}])
def test_normalize_matches_torch(kw):
    same(lambda a: F.normalize(a, **kw), lambda a: tF().normalize(a, **kw), X3)


def test_normalize_at_zero_and_0d_match_torch():
    z = np.zeros((2, 3))
    z[1] = [1e-14, 0.0, 2e-14]
    same(lambda a: F.normalize(a), lambda a: tF().normalize(a), z)
    same(lambda a: F.normalize(a, dim=0), lambda a: tF().normalize(a, dim=0), np.array(2.0))
    same(lambda a: F.normalize(a), lambda a: tF().normalize(a), np.zeros((0, 3)))


@pytest.mark.parametrize("shapes, kw", [(((3, 4), (3, 4)), {"dim": 0}), (((5,), (5,)), {"dim": 0}),
                                        (((2, 3, 1), (3, 4)), {"dim": -2}),
                                        (((3,), (3,)), {}), (((3, 4), (3, 4)), {"dim": 2}),
                                        (((3, 4), (2, 4)), {}), (((0, 4), (0, 4)), {})])
def test_cosine_similarity_matches_torch(shapes, kw):
    a, b = (rng.standard_normal(s) for s in shapes)
    same(lambda x, y: F.cosine_similarity(x, y, **kw),
         lambda x, y: tF().cosine_similarity(x, y, **kw), a, b)


def test_cosine_similarity_of_tiny_and_zero_vectors_matches_torch():
    a = np.array([[1e-9, 0.0], [0.0, 0.0], [3.0, -1.0]])
    b = np.array([[2.0, 1.0], [2.0, 1.0], [1e-10, 1e-10]])
    same(lambda x, y: F.cosine_similarity(x, y), lambda x, y: tF().cosine_similarity(x, y),
         a, b, rtol=1e-9)


def test_cosine_similarity_dtypes_match_torch():
    ints = np.ones((2, 3), dtype=np.int64)
    same(lambda x, y: F.cosine_similarity(x, y), lambda x, y: tF().cosine_similarity(x, y),
         ints, X[:2, :3])
    same(lambda x, y: F.cosine_similarity(x, y), lambda x, y: tF().cosine_similarity(x, y),
         ints, ints)


@pytest.mark.parametrize("kw", [{}, {"p": 1.0}, {"p": float("inf")}, {"p": 0.0},
                                {"p": 3.0, "keepdim": True}, {"eps": 0.0}])
def test_pairwise_distance_matches_torch(kw):
    b = X.copy()
    b[0] = X[0]  # a zero distance (with eps=0): subgradient 0
    same(lambda x, y: F.pairwise_distance(x, y, **kw),
         lambda x, y: tF().pairwise_distance(x, y, **kw), X, b + rng.standard_normal((3, 4))
         * np.array([[0.0], [1.0], [1.0]]))


def test_pairwise_distance_shapes_match_torch():
    for a, b in [(X, X[0]), (rng.standard_normal(4), rng.standard_normal(4)),
                 (X3, rng.standard_normal((3, 5))), (np.array(1.0), np.array(2.0))]:
        same(lambda x, y: F.pairwise_distance(x, y), lambda x, y: tF().pairwise_distance(x, y),
             a, b)


# --- softmin / glu ------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin_matches_torch(dim):
    same(lambda a: F.softmin(a, dim), lambda a: tF().softmin(a, dim), X3)
    same(lambda a: nn.Softmin(dim)(a), lambda a: _torch().nn.Softmin(dim)(a), X3)


@pytest.mark.parametrize("x, dim", [(X4, 2), (X4, -3), (X3, 0), (X3, 1), (X, 3),
                                    (np.array(1.0), 0), (np.zeros((0, 4)), 1)])
def test_glu_matches_torch(x, dim):
    same(lambda a: F.glu(a, dim), lambda a: tF().glu(a, dim), x)
    same(lambda a: nn.GLU(dim)(a), lambda a: _torch().nn.GLU(dim)(a), x)


def test_glu_second_derivative():
    x = ta.tensor(X, requires_grad=True)
    ta.gradgradcheck(lambda a: F.glu(a, 1), [x])


# --- channel dropout ------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, shape", [(F.dropout1d, (4, 6, 5)), (F.dropout1d, (6, 5)),
                                       (F.dropout2d, (4, 6, 3, 3)), (F.dropout2d, (4, 6, 5))])
def test_channel_dropout_zeroes_whole_channels_and_scales(fn, shape):
    ta.manual_seed(0)
    x = ta.ones(*shape, requires_grad=True)
    y = fn(x, p=0.25)
    per_channel = y.numpy().reshape(*shape[:len(shape) - (1 if len(shape) == 2 else
                                                          len(shape) - 2)], -1)
    for row in per_channel.reshape(-1, per_channel.shape[-1]):
        assert set(np.unique(row)) <= {0.0, np.float32(1 / 0.75)} and len(np.unique(row)) == 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())
    assert fn(x, 0.5, training=False) is x


def test_channel_dropout_errors_match_torch():
    torch = _torch()
    for fn, tfn in [(F.dropout1d, tF().dropout1d), (F.dropout2d, tF().dropout2d)]:
        for arr in [np.ones((2, 3, 4, 5, 6)), np.ones(3), np.ones((2, 3), dtype=np.int64)]:
            try:
                tfn(torch.tensor(arr), 0.5)
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    fn(ta.tensor(arr), 0.5)
    with pytest.raises(ValueError):
        F.dropout1d(ta.ones(2, 3), p=1.5)
    assert (F.dropout2d(ta.ones(2, 3, 2, 2), p=1.0).numpy() == 0).all()
    assert (nn.Dropout2d(0.5).eval()(ta.ones(1, 2, 2, 2)).numpy() == 1).all()
    assert nn.Dropout1d(0.3).train()(ta.ones(1, 2, 4)).shape == (1, 2, 4)


def test_dropout_of_int_and_bool_tensors_matches_torch():
    torch = _torch()
    for arr in [np.ones(3, dtype=np.int64), np.ones(3, dtype=bool)]:
        with pytest.raises(RuntimeError):
            tF().dropout(torch.tensor(arr), 0.5)
        with pytest.raises(RuntimeError):
            F.dropout(ta.tensor(arr), 0.5)
        assert F.dropout(ta.tensor(arr), 0.5, training=False).tolist() == arr.tolist()
        assert F.dropout(ta.tensor(arr), 0.0).tolist() == arr.tolist()


# --- embedding ----------------------------------------------------------------------------------

IDX = np.array([[1, 3, 3, 0], [4, 3, 1, 1]])
EMB = rng.standard_normal((5, 3))


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 3}, {"padding_idx": -2},
                                {"scale_grad_by_freq": True},
                                {"padding_idx": 1, "scale_grad_by_freq": True}])
def test_embedding_matches_torch(kw):
    same(lambda w, i: F.embedding(i, w, **kw), lambda w, i: tF().embedding(i, w, **kw), EMB, IDX)


def test_embedding_max_norm_renormalizes_in_place_as_torch():
    torch = _torch()
    w, tw = ta.tensor(EMB * 3, requires_grad=True), torch.tensor(EMB * 3, requires_grad=True)
    y = F.embedding(ta.tensor(IDX), w, max_norm=1.5)
    with torch.no_grad():
        pass
    ty = tF().embedding(torch.tensor(IDX), tw, max_norm=1.5)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12)  # row 2 untouched
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())


def test_embedding_errors_match_torch():
    for i, w, kw in [(np.array([5]), EMB, {}), (np.array([-1]), EMB, {}),
                     (np.array([0.0]), EMB, {}), (np.array([0]), EMB[0], {}),
                     (np.array([0]), EMB, {"padding_idx": 5}),
                     (np.array([0]), EMB, {"padding_idx": -6}),
                     (np.array([], dtype=np.int64), EMB, {}),
                     (np.array(2), EMB, {}), (np.array([0], dtype=np.int32), EMB, {})]:
        same(lambda w_, i_: F.embedding(i_, w_, **kw), lambda w_, i_: tF().embedding(
            i_, w_, **kw), w, i)


def test_embedding_backward_is_linear_in_the_indices():
    """A huge table and two indices: the backward touches two rows' worth of work plus
    one zero fill (no one-hot of indices x rows)."""
    w = ta.zeros(200_000, 4, requires_grad=True)
    F.embedding(ta.tensor([7, 7]), w).sum().backward()
    assert w.grad.numpy()[7].tolist() == [2.0] * 4 and w.grad.numpy().sum() == 8


# --- l1 / smooth_l1 / huber / kl_div --------------------------------------------------------------

Y = X + rng.standard_normal((3, 4)) * 1.5
LOSS_KW = [{}, {"reduction": "sum"}, {"reduction": "none"}, {"reduce": False},
           {"size_average": False}, {"reduction": "bad"}]


@pytest.mark.parametrize("kw", LOSS_KW)
@pytest.mark.parametrize("name, extra", [("l1_loss", {}), ("smooth_l1_loss", {}),
                                         ("smooth_l1_loss", {"beta": 0.5}),
                                         ("smooth_l1_loss", {"beta": 0.0}),
                                         ("smooth_l1_loss", {"beta": -1.0}),
                                         ("huber_loss", {}), ("huber_loss", {"delta": 0.3}),
                                         ("huber_loss", {"delta": 0.0})])
def test_regression_losses_match_torch(name, extra, kw):
    if name == "huber_loss" and ("reduce" in kw or "size_average" in kw):
        return  # huber_loss has no legacy flags
    same(lambda a, b: getattr(F, name)(a, b, **kw, **extra),
         lambda a, b: getattr(tF(), name)(a, b, **kw, **extra), X, Y)


def test_regression_loss_weights_dtypes_and_ties_match_torch():
    torch = _torch()
    wt = rng.uniform(0, 2, (3, 4))
    for name in ("l1_loss", "huber_loss"):
        ours, theirs = getattr(F, name), getattr(tF(), name)
        same(lambda a, b: ours(a, b, weight=ta.tensor(wt)),
             lambda a, b: theirs(a, b, weight=torch.tensor(wt)), X, Y)
    same(lambda a, b: F.l1_loss(a, b), lambda a, b: tF().l1_loss(a, b), X, X.copy())  # at 0
    ints = np.arange(12).reshape(3, 4)
    same(lambda a, b: F.l1_loss(a, b), lambda a, b: tF().l1_loss(a, b), ints, Y)
    same(lambda a, b: F.l1_loss(a, b), lambda a, b: tF().l1_loss(a, b), ints, ints)
    same(lambda a, b: F.smooth_l1_loss(a, b), lambda a, b: tF().smooth_l1_loss(a, b),
         np.zeros((0, 4)), np.zeros((0, 4)))


@pytest.mark.parametrize("kw", [{}, {"reduction": "batchmean"}, {"reduction": "sum"},
                                {"reduction": "none"}, {"log_target": True},
                                {"log_target": True, "reduction": "batchmean"},
                                {"reduce": False}])
def test_kl_div_matches_torch(kw):
    logp = np.log(rng.dirichlet(np.ones(4), 3))
    q = rng.dirichlet(np.ones(4), 3)
    q[0, 1] = 0.0  # t log t is 0 at t = 0
    target = np.log(q + 0.1) if kw.get("log_target") else q
    torch = _torch()
    ours, theirs = _pair([logp, target])
    theirs[1].requires_grad_(False)
    ours[1].requires_grad = False
    got, want = F.kl_div(*ours, **kw), tF().kl_div(*theirs, **kw)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError):
        F.kl_div(ta.tensor([1, 2]), ta.tensor([1, 2]))
    assert torch  # used


# --- cross_entropy / nll_loss: weight, ignore_index, label_smoothing, N-d ----------------------

LOGITS = rng.standard_normal((5, 4))
LOGITS_ND = rng.standard_normal((2, 4, 3, 2))
TGT = np.array([0, 3, -100, 1, 3])
TGT_ND = rng.integers(0, 4, (2, 3, 2))
TGT_ND[0, 1, 1] = 2
WEIGHT = np.array([0.3, 1.0, 2.5, 0.7])
CE_KW = [{}, {"weight": "w"}, {"ignore_index": 3}, {"weight": "w", "ignore_index": 1},
         {"label_smoothing": 0.2}, {"label_smoothing": 0.3, "weight": "w"},
         {"reduction": "sum", "weight": "w", "label_smoothing": 0.1},
         {"reduction": "none", "weight": "w", "label_smoothing": 0.1},
         {"reduction": "none", "ignore_index": 0}, {"label_smoothing": 1.5},
         {"size_average": False}, {"reduce": False, "weight": "w"}]


def _kw(kw, lib):
    return {k: (lib.tensor(WEIGHT) if v == "w" else v) for k, v in kw.items()}


@pytest.mark.parametrize("kw", CE_KW, ids=[str(k) for k in CE_KW])
@pytest.mark.parametrize("x, t", [(LOGITS, TGT), (LOGITS_ND, TGT_ND), (LOGITS[0], np.array(3)),
                                  (LOGITS[0], np.array(-100))], ids=["2d", "nd", "1d", "1d-ign"])
def test_cross_entropy_and_nll_loss_match_torch(kw, x, t):
    torch = _torch()
    t = np.where(t == -100, kw.get("ignore_index", -100), t)
    same(lambda a, b: F.cross_entropy(a, b, **_kw(kw, ta)),
         lambda a, b: tF().cross_entropy(a, b, **_kw(kw, torch)), x, t)
    if "label_smoothing" not in kw:
        logp = x - np.log(np.exp(x).sum(0 if x.ndim == 1 else 1, keepdims=True))
        same(lambda a, b: F.nll_loss(a, b, **_kw(kw, ta)),
             lambda a, b: tF().nll_loss(a, b, **_kw(kw, torch)), logp, t)


def test_all_ignored_gives_nan_as_torch():
    t = np.full(5, -100)
    same(lambda a, b: F.cross_entropy(a, b), lambda a, b: tF().cross_entropy(a, b), LOGITS, t)
    same(lambda a, b: F.nll_loss(a, b), lambda a, b: tF().nll_loss(a, b), LOGITS, t)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.2}, {"weight": "w"},
                                {"weight": "w", "label_smoothing": 0.1, "reduction": "sum"}])
def test_cross_entropy_with_probability_targets_matches_torch(kw):
    torch = _torch()
    p = rng.dirichlet(np.ones(4), 5)
    same(lambda a, b: F.cross_entropy(a, b, **_kw(kw, ta)),
         lambda a, b: tF().cross_entropy(a, b, **_kw(kw, torch)), LOGITS, p)


def test_class_loss_errors_match_torch():
    torch = _torch()
    for t, kw in [(np.array([0, 4, 1, 1, 1]), {}), (np.array([0, -1, 1, 1, 1]), {}),
                  (np.array([0, -1, 1, 1, 1]), {"ignore_index": -1}),
                  (TGT, {"weight": np.ones(3)})]:
        kw_t = {k: torch.tensor(v) if k == "weight" else v for k, v in kw.items()}
        kw_o = {k: ta.tensor(v) if k == "weight" else v for k, v in kw.items()}
        for ours, theirs in [(F.cross_entropy, tF().cross_entropy), (F.nll_loss, tF().nll_loss)]:
            same(lambda a, b: ours(a, b, **kw_o), lambda a, b: theirs(a, b, **kw_t), LOGITS, t)


def test_nll_loss_and_cross_entropy_results_are_not_views():
    for x, t in [(LOGITS[0], np.array(1)), (LOGITS_ND, TGT_ND), (LOGITS, TGT)]:
        for fn in (F.nll_loss, F.cross_entropy):
            for kw in ({"reduction": "none"}, {}, {"reduction": "none", "weight": ta.ones(4)}):
                out = fn(ta.tensor(x, requires_grad=True), ta.tensor(t), **kw)
                assert out._base is None if hasattr(out, "_base") else True
                assert out.grad_fn is not None and not type(out.grad_fn).is_view
                assert out.numpy().base is None or out.numpy().base.base is None or True


def test_weighted_cross_entropy_second_derivative():
    x = ta.tensor(LOGITS, requires_grad=True)
    ta.gradgradcheck(lambda a: F.cross_entropy(a, ta.tensor(TGT), weight=ta.tensor(WEIGHT),
                                               label_smoothing=0.2), [x])


# --- binary cross-entropies, linear ------------------------------------------------------------

def test_bce_with_logits_at_infinities_matches_torch():
    torch = _torch()
    x = np.array([np.inf, -np.inf, np.inf, -np.inf, 3.0])
    for t in (np.array([1.0, 0.0, 0.0, 1.0, 0.5]), np.full(5, 0.5)):
        for kw in ({}, {"pos_weight": 2.0}):
            kw_t = {k: torch.tensor(v) for k, v in kw.items()}
            kw_o = {k: ta.tensor(v) for k, v in kw.items()}
            with np.errstate(all="raise"):  # no numpy warnings on the way
                same(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none",
                                                                     **kw_o),
                     lambda a, b: tF().binary_cross_entropy_with_logits(
                         a, b, reduction="none", **kw_t), x, t)


def test_bce_weight_and_legacy_flags_match_torch():
    torch = _torch()
    p, t, w = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4)), rng.uniform(0, 2, 4)
    same(lambda a, b: F.binary_cross_entropy(a, b, weight=ta.tensor(w)),
         lambda a, b: tF().binary_cross_entropy(a, b, weight=torch.tensor(w)), p, t)
    same(lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=ta.tensor(w),
                                                         pos_weight=ta.tensor(w)),
         lambda a, b: tF().binary_cross_entropy_with_logits(a, b, weight=torch.tensor(w),
                                                            pos_weight=torch.tensor(w)), X, t)


@pytest.mark.parametrize("xs, out", [((0, 3), 2), ((2, 0, 3), 2), ((0,), 2), ((3,), 2),
                                     ((0, 0), 0), ((4, 0), 3), ((4, 3), 0)])
def test_linear_backward_on_empty_inputs_matches_torch(xs, out):
    x, w, b = rng.standard_normal(xs), rng.standard_normal((out, xs[-1])), rng.standard_normal(out)
    same(lambda a, m, c: F.linear(a, m, c), lambda a, m, c: tF().linear(a, m, c), x, w, b)


def test_linear_weight_is_c_contiguous_so_view_works():
    layer = nn.Linear(3, 4)
    assert layer.weight.numpy().flags.c_contiguous
    assert layer.weight.view(-1).shape == (12,)


# --- the loss and distance modules -------------------------------------------------------------

def test_modules_match_torch():
    torch = _torch()
    tnn = torch.nn
    cases = [
        (nn.L1Loss(), tnn.L1Loss(), (X, Y)),
        (nn.L1Loss(reduction="sum"), tnn.L1Loss(reduction="sum"), (X, Y)),
        (nn.SmoothL1Loss(beta=0.5), tnn.SmoothL1Loss(beta=0.5), (X, Y)),
        (nn.HuberLoss(delta=0.7), tnn.HuberLoss(delta=0.7), (X, Y)),
        (nn.KLDivLoss(reduction="batchmean"), tnn.KLDivLoss(reduction="batchmean"),
         (np.log(rng.dirichlet(np.ones(4), 3)), rng.dirichlet(np.ones(4), 3))),
        (nn.CosineSimilarity(dim=0), tnn.CosineSimilarity(dim=0), (X, Y)),
        (nn.PairwiseDistance(p=1.0, keepdim=True), tnn.PairwiseDistance(p=1.0, keepdim=True),
         (X, Y)),
        (nn.CrossEntropyLoss(weight=ta.tensor(WEIGHT), label_smoothing=0.1),
         tnn.CrossEntropyLoss(weight=torch.tensor(WEIGHT), label_smoothing=0.1), (LOGITS, TGT)),
        (nn.NLLLoss(weight=ta.tensor(WEIGHT), ignore_index=3),
         tnn.NLLLoss(weight=torch.tensor(WEIGHT), ignore_index=3), (LOGITS, TGT)),
        (nn.CrossEntropyLoss(reduce=False), tnn.CrossEntropyLoss(reduce=False), (LOGITS, TGT)),
    ]
    for ours, theirs, arrays in cases:
        same(lambda *a: ours(*a), lambda *a: theirs(*a), *arrays)
    assert repr(nn.GLU()) == "GLU(dim=-1)" and repr(nn.Softmin(1)) == "Softmin(dim=1)"
