"""Losses: gradients against central differences (float64), PyTorch cross-checks, the fused
cross-entropy's textbook gradient, extreme logits, and clear errors."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

from tests.helpers import check_grads

RNG = np.random.default_rng(42)
LOGITS = RNG.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 1, 2])
PROBS = RNG.uniform(0.05, 0.95, (3, 4))
BINARY = RNG.uniform(0.0, 1.0, (3, 4))
REDUCTIONS = ["mean", "sum", "none"]


# --- gradient checks, one row per (loss, reduction) ---------------------------------------

GRAD_CASES = {
    "cross_entropy": (lambda x, r: F.cross_entropy(x, LABELS, reduction=r), [LOGITS]),
    "nll_loss": (lambda x, r: F.nll_loss(x, LABELS, reduction=r), [LOGITS]),
    "mse_loss": (lambda x, y, r: F.mse_loss(x, y, reduction=r), [LOGITS, LOGITS[::-1].copy()]),
    "binary_cross_entropy": (lambda p, t, r: F.binary_cross_entropy(p, t, reduction=r),
                             [PROBS, BINARY]),
    "bce_with_logits": (lambda x, t, r: F.binary_cross_entropy_with_logits(x, t, reduction=r),
                        [LOGITS[:3], BINARY[:, :4]]),
    "bce_with_logits_pos_weight": (
        lambda x, t, r: F.binary_cross_entropy_with_logits(
            x, t, reduction=r, pos_weight=np.array([1.0, 2.0, 0.5, 3.0])),
        [LOGITS[:3], BINARY]),
    "bce_weighted": (lambda p, t, r: F.binary_cross_entropy(p, t, weight=np.arange(4.0),
                                                            reduction=r), [PROBS, BINARY]),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_loss_gradients_match_central_differences(name, reduction):
    fn, arrays = GRAD_CASES[name]
    check_grads(lambda *ts: fn(*ts, reduction), *arrays, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_grad_for_class_dims_and_unbatched(reduction):
    x = RNG.standard_normal((2, 3, 4))            # (N, C, d1)
    t = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
    check_grads(lambda x: F.cross_entropy(x, t, reduction=reduction), x)
    check_grads(lambda x: F.cross_entropy(x, np.array(2), reduction=reduction), x[0, :, 0])


def test_cross_entropy_is_one_fused_node_with_the_textbook_gradient():
    x = ta.tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, LABELS)
    assert loss.grad_fn.name == "CrossEntropyBackward"
    assert loss.grad_fn.parents == [x]            # straight to the leaf: no softmax/log nodes
    loss.backward()
    p = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
    onehot = np.eye(4)[LABELS]
    np.testing.assert_allclose(x.grad.numpy(), (p - onehot) / len(LABELS), rtol=1e-12)
    # the book's delta, (labels - prediction) / batch, is the same with the descent sign
    np.testing.assert_allclose(-x.grad.numpy(), (onehot - p) / len(LABELS), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_equals_nll_of_log_softmax(reduction):
    x = ta.tensor(LOGITS)
    a = F.cross_entropy(x, LABELS, reduction=reduction)
    b = F.nll_loss(x.log_softmax(dim=1), LABELS, reduction=reduction)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_cross_entropy_second_derivative_matches_finite_differences():
    x0 = LOGITS[:2].copy()
    v = RNG.standard_normal(x0.shape)

    def grad_dot_v(arr):
        x = ta.tensor(arr, requires_grad=True)
        (g,) = ta.grad(F.cross_entropy(x, LABELS[:2]), x, create_graph=True)
        return g, x

    g, x = grad_dot_v(x0)
    (hv,) = ta.grad((g * v).sum(), x)
    eps = 1e-6
    numeric = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        for sign in (1, -1):
            arr = x0.copy()
            arr[idx] += sign * eps
            numeric[idx] += sign * (grad_dot_v(arr)[0].numpy() * v).sum() / (2 * eps)
    np.testing.assert_allclose(hv.numpy(), numeric, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_extreme_logits_are_exact_and_quiet(dtype):
    x = ta.tensor(np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        losses = F.cross_entropy(x, np.array([0, 0]), reduction="none")
        losses.sum().backward()
    np.testing.assert_allclose(losses.numpy(), [0.0, 2e4])
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0], [-1, 1]])
    assert losses.dtype == dtype and x.grad.dtype == dtype


@pytest.mark.parametrize("n_classes", [3, 33, 200])  # narrow and wide rows take two paths
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_any_memory_layout_and_width(n_classes, layout, reduction):
    rng = np.random.default_rng(n_classes)
    base = rng.standard_normal((7, n_classes)) * 5
    x = {"C": base, "F": np.asfortranarray(base),
         "strided": np.repeat(base, 2, axis=1)[:, ::2]}[layout]
    t = rng.integers(0, n_classes, 7)
    logits = ta.from_numpy(x).requires_grad_()
    losses = F.cross_entropy(logits, t, reduction=reduction)
    shifted = base - base.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(7), t]
    weight = {"mean": 1 / 7, "sum": 1.0, "none": 1.0}[reduction]
    total = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
    np.testing.assert_allclose(losses.numpy(), total, rtol=1e-12)
    losses.sum().backward()
    onehot = np.eye(n_classes)[t]
    np.testing.assert_allclose(logits.grad.numpy(), (np.exp(log_probs) - onehot) * weight,
                               rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(x, base)  # the input was read, not written


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_losses_extreme_inputs_are_finite_and_quiet(dtype):
    logits = ta.tensor(np.array([1e4, -1e4, 0.0], dtype=dtype), requires_grad=True)
    target = np.array([1.0, 0.0, 1.0], dtype=dtype)
    with np.errstate(all="raise"):
        loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [0.0, 0.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(logits.grad.numpy(), [0.0, 0.0, -0.5])
    # probabilities of exactly 0 and 1: each log is clamped at -100, as in PyTorch
    p = ta.tensor(np.array([0.0, 1.0, 1.0], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]), reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0, 0.0])
    assert np.all(np.isfinite(p.grad.numpy()))


def test_mse_and_bce_accept_integer_targets():
    assert F.mse_loss(ta.tensor([1.0, 3.0]), np.array([1, 1])).item() == 2.0
    a = F.binary_cross_entropy(ta.tensor([0.25]), np.array([1]))
    assert a.item() == pytest.approx(np.log(4))


# --- modules ------------------------------------------------------------------------------

MODULES = [(nn.CrossEntropyLoss, F.cross_entropy, LOGITS, LABELS),
           (nn.NLLLoss, F.nll_loss, LOGITS, LABELS),
           (nn.MSELoss, F.mse_loss, LOGITS, LOGITS * 0.5),
           (nn.BCELoss, F.binary_cross_entropy, PROBS, BINARY),
           (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, LOGITS[:3], BINARY)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("module, fn, x, t", MODULES)
def test_loss_modules_call_their_functions(module, fn, x, t, reduction):
    got = module(reduction=reduction)(ta.tensor(x), t)
    np.testing.assert_array_equal(got.numpy(), fn(ta.tensor(x), t, reduction=reduction).numpy())


def test_loss_module_repr_and_bad_reduction():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError, match="reduction must be"):
        nn.NLLLoss(reduction="average")
    with pytest.raises(ValueError, match="cross_entropy: reduction must be"):
        F.cross_entropy(ta.tensor(LOGITS), LABELS, reduction="avg")


# --- clear errors -------------------------------------------------------------------------

def test_cross_entropy_refuses_float_labels_naming_shapes():
    with pytest.raises(TypeError, match=r"int64.*float32.*\(5,\).*\(5, 4\)"):
        F.cross_entropy(ta.tensor(LOGITS), ta.tensor(LABELS.astype(np.float32)))


def test_cross_entropy_takes_class_probabilities_as_torch():
    """A float target of the input's shape holds class probabilities (one-hot rows give
    the class-index loss)."""
    onehot = np.eye(4)[LABELS].astype(LOGITS.dtype)
    soft = F.cross_entropy(ta.tensor(LOGITS), ta.tensor(onehot))
    hard = F.cross_entropy(ta.tensor(LOGITS), ta.tensor(LABELS))
    np.testing.assert_allclose(soft.numpy(), hard.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match=r"float scores \(logits\), got dtype int64"):
        F.cross_entropy(ta.tensor([[1, 2]]), [0])


@pytest.mark.parametrize("bad", [4, -1])
def test_cross_entropy_refuses_labels_out_of_range(bad):
    labels = LABELS.copy()
    labels[2] = bad
    with pytest.raises(IndexError, match=rf"target {bad} is out of range for 4 classes "
                                         r"\(input shape \(5, 4\), target shape \(5,\)\)"):
        F.cross_entropy(ta.tensor(LOGITS), labels)
    with pytest.raises(IndexError, match="nll_loss: target"):
        F.nll_loss(ta.tensor(LOGITS), labels)


def test_loss_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"input of shape \(5, 4\) needs a target of shape "
                                         r"\(5,\), got \(4,\)"):
        F.cross_entropy(ta.tensor(LOGITS), LABELS[:4])
    with pytest.raises(ValueError, match=r"input shape \(3, 1\) and target shape \(3,\)"):
        F.mse_loss(ta.zeros(3, 1), np.zeros(3))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*with_logits"):
        F.binary_cross_entropy(ta.tensor([0.5, 1.5]), np.array([1.0, 0.0]))


# --- PyTorch cross-checks (skipped when torch is absent) --------------------------------

TORCH_CASES = [("cross_entropy", LOGITS, LABELS), ("nll_loss", LOGITS, LABELS),
               ("mse_loss", LOGITS, LOGITS[::-1].copy()),
               ("binary_cross_entropy", PROBS, BINARY),
               ("binary_cross_entropy_with_logits", LOGITS[:3], BINARY)]


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, x, t", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_losses_match_pytorch(name, x, t, reduction):
    torch = pytest.importorskip("torch")
    ours_x = ta.tensor(x, requires_grad=True)
    ours = getattr(F, name)(ours_x, t, reduction=reduction)
    ours.backward(np.ones(ours.shape))
    their_x = torch.tensor(x, requires_grad=True)
    theirs = getattr(torch.nn.functional, name)(their_x, torch.tensor(t), reduction=reduction)
    theirs.backward(torch.ones(theirs.shape, dtype=theirs.dtype))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours_x.grad.numpy(), their_x.grad.numpy(), rtol=1e-10,
                               atol=1e-14)


@pytest.mark.torch
def test_bce_with_logits_pos_weight_matches_pytorch():
    torch = pytest.importorskip("torch")
    pw = np.array([1.0, 2.0, 0.5, 3.0])
    x = ta.tensor(LOGITS[:3], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, BINARY, pos_weight=pw)
    loss.backward()
    tx = torch.tensor(LOGITS[:3], requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(
        tx, torch.tensor(BINARY), pos_weight=torch.tensor(pw))
    tl.backward()
    assert loss.item() == pytest.approx(tl.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint64])
def test_cross_entropy_refuses_labels_torch_refuses(dtype):
    with pytest.raises(TypeError, match="int64"):
        F.cross_entropy(ta.tensor(LOGITS), LABELS.astype(dtype))


@pytest.mark.parametrize("dtype", [np.int64, np.uint8])
def test_cross_entropy_takes_long_and_byte_labels_as_torch(dtype):
    x = ta.tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, LABELS.astype(dtype))
    expected = F.cross_entropy(ta.tensor(LOGITS), LABELS)
    np.testing.assert_allclose(loss.numpy(), expected.numpy(), rtol=1e-15)
    loss.backward()
    assert x.grad.shape == LOGITS.shape


def test_cross_entropy_of_an_empty_batch_is_quiet():
    x = ta.zeros(0, 3, requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(x, np.zeros(0, np.int64))
        loss.backward()
    assert x.grad.shape == (0, 3)


# --- the margin and embedding losses, against torch -----------------------------------------

def _margin_cases():
    """(name, arrays, which get gradients, keyword arguments): every loss, with the
    options that change its formula."""
    rng = np.random.default_rng(3)
    sign = rng.choice([-1.0, 1.0], (5,))
    rows = [rng.standard_normal((5, 3)) for _ in range(3)]
    yield "margin_ranking_loss", [rng.standard_normal(5), rng.standard_normal(5), sign], \
        (0, 1, 2), dict(margin=0.3)
    yield "margin_ranking_loss", [rng.standard_normal((2, 3)), rng.standard_normal((1, 3)),
                                  np.ones((2, 1))], (0, 1), {}
    yield "hinge_embedding_loss", [rng.uniform(0, 2, (5, 4)), rng.choice([-1.0, 1.0], (5, 4))], \
        (0,), dict(margin=1.2)
    yield "hinge_embedding_loss", [rng.uniform(0, 2, (3, 1)), np.array([1, -1, 1])], (0,), {}
    yield "cosine_embedding_loss", [rows[0], rows[1], sign], (0, 1), dict(margin=-0.2)
    yield "cosine_embedding_loss", [rows[0][0], rows[1][0], np.array(-1.0)], (0, 1), {}
    yield "soft_margin_loss", [rng.standard_normal((5, 4)), rng.choice([-1.0, 1.0], (5, 4))], \
        (0,), {}
    yield "multilabel_soft_margin_loss", [rng.standard_normal((5, 4)),
                                          rng.choice([0.0, 1.0], (5, 4))], (0, 1), {}
    yield "multilabel_soft_margin_loss", [rng.standard_normal((5, 4)),
                                          rng.choice([0.0, 1.0], (5, 4)),
                                          rng.uniform(0, 1, 4)], (0, 1), {}
    yield "multilabel_soft_margin_loss", [rng.standard_normal((2, 3, 4)),
                                          rng.uniform(0, 1, (2, 3, 4))], (0, 1), {}
    for swap in (False, True):
        for p in (1.0, 2.0, 3.0):
            yield "triplet_margin_loss", rows, (0, 1, 2), dict(swap=swap, p=p, margin=0.7)
    yield "triplet_margin_loss", [r[0] for r in rows], (0, 1, 2), {}


MARGIN_CASES = list(_margin_cases())


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, arrays, grads, kw", MARGIN_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(MARGIN_CASES)])
def test_margin_losses_equal_torchs(name, arrays, grads, kw, reduction):
    torch = pytest.importorskip("torch")
    ours = [ta.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    out = getattr(F, name)(*ours, reduction=reduction, **kw)
    ref = getattr(torch.nn.functional, name)(*theirs, reduction=reduction, **kw)
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(ta.tensor(g))
    ref.backward(torch.tensor(g))
    for i in grads:
        np.testing.assert_allclose(ours[i].grad.numpy(), theirs[i].grad.numpy(), rtol=1e-12,
                                   atol=1e-12, err_msg=f"{name}: input {i}")


@pytest.mark.parametrize("name, arrays, grads, kw", MARGIN_CASES[::3],
                         ids=[c[0] for c in MARGIN_CASES[::3]])
def test_margin_losses_gradients_match_central_differences(name, arrays, grads, kw):
    def loss(*ts):
        full = list(arrays)
        for i, t in zip(grads, ts):
            full[i] = t
        return getattr(F, name)(*[f if isinstance(f, ta.Tensor) else ta.tensor(f)
                                  for f in full], reduction="sum", **kw)
    check_grads(loss, *[arrays[i] for i in grads])


@pytest.mark.torch
@pytest.mark.parametrize("name, dtypes_in", [
    ("soft_margin_loss", ("float32", "float64")),
    ("soft_margin_loss", ("float32", "int64")),
    ("hinge_embedding_loss", ("float32", "float64")),
    ("hinge_embedding_loss", ("float32", "int64")),
    ("margin_ranking_loss", ("float32", "float64", "float32")),
    ("margin_ranking_loss", ("float32", "float32", "int64")),
    ("cosine_embedding_loss", ("float32", "float64", "int64")),
    ("multilabel_soft_margin_loss", ("float32", "float64")),
    ("multilabel_soft_margin_loss", ("float32", "int64")),
    ("triplet_margin_loss", ("float32", "float64", "float32")),
])
def test_margin_losses_result_dtypes_are_torchs(name, dtypes_in):
    torch = pytest.importorskip("torch")
    shape = (2, 3)
    arrays = [np.ones(shape, d) for d in dtypes_in]
    if name == "cosine_embedding_loss":
        arrays[2] = np.ones(2, dtypes_in[2])
    ours = getattr(F, name)(*[ta.tensor(a) for a in arrays])
    theirs = getattr(torch.nn.functional, name)(*[torch.tensor(a) for a in arrays])
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")


@pytest.mark.torch
@pytest.mark.parametrize("name, shapes", [
    ("soft_margin_loss", ((3,), (4,))),
    ("soft_margin_loss", ((3, 1), (3,))),
    ("hinge_embedding_loss", ((3,), (4,))),
    ("margin_ranking_loss", ((3,), (4,), (3,))),
    ("margin_ranking_loss", ((3,), (3, 1), (3,))),
    ("cosine_embedding_loss", ((2, 3), (2, 4), (2,))),
    ("cosine_embedding_loss", ((2, 3), (2, 3), (3,))),
    ("cosine_embedding_loss", ((2, 3), (2, 3), (2, 1))),
    ("cosine_embedding_loss", ((2, 3), (2, 3), ())),
    ("multilabel_soft_margin_loss", ((2, 3), (2, 4))),
    ("multilabel_soft_margin_loss", ((), ())),
    ("triplet_margin_loss", ((2, 3), (2, 4), (2, 3))),
    ("triplet_margin_loss", ((2, 3), (3,), (2, 3))),
])
def test_margin_losses_refuse_shapes_torch_refuses(name, shapes):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn.functional, name)(*[torch.ones(s) for s in shapes])
    with pytest.raises(type(theirs.value)) as ours:
        getattr(F, name)(*[ta.ones(s) for s in shapes])
    message = str(ours.value)
    assert name in message or "margin_ranking_loss :" in message
    assert any(str(s) in message or str(list(s)) in message for s in shapes), message


def test_margin_losses_refuse_what_torch_refuses():
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_loss(ta.ones(2, 3), ta.ones(2, 3), ta.ones(2, 3), margin=0)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.TripletMarginLoss(margin=-1.0)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument"):
        F.soft_margin_loss(ta.ones(3), ta.ones(3, requires_grad=True))
    with pytest.raises(ValueError, match="reduction"):
        F.hinge_embedding_loss(ta.ones(3), ta.ones(3), reduction="avg")


def test_soft_margin_loss_is_finite_where_torchs_overflows():
    x = ta.tensor([-1000.0, 1000.0], requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.soft_margin_loss(x, ta.tensor([1.0, 1.0]), reduction="sum")
        loss.backward()
    assert loss.item() == pytest.approx(1000.0)
    assert x.grad.tolist() == [-1.0, -0.0]


def test_hinge_and_margin_ranking_subgradients_at_the_hinge_are_torchs():
    """clamp_min passes the gradient where its input is >= 0: at the hinge itself too."""
    x = ta.tensor([1.0], requires_grad=True)
    F.hinge_embedding_loss(x, ta.tensor([-1.0])).backward()
    assert x.grad.tolist() == [-1.0]
    a, b = ta.tensor([0.5], requires_grad=True), ta.tensor([0.5], requires_grad=True)
    F.margin_ranking_loss(a, b, ta.tensor([1.0])).backward()
    assert (a.grad.tolist(), b.grad.tolist()) == ([-1.0], [1.0])


@pytest.mark.torch
@pytest.mark.parametrize("make, n_inputs", [
    (lambda m: m.MarginRankingLoss(margin=0.2), 3),
    (lambda m: m.HingeEmbeddingLoss(margin=0.5, reduction="sum"), 2),
    (lambda m: m.CosineEmbeddingLoss(margin=0.1), 3),
    (lambda m: m.SoftMarginLoss(reduction="none"), 2),
    (lambda m: m.MultiLabelSoftMarginLoss(), 2),
    (lambda m: m.TripletMarginLoss(margin=0.5, p=1.0, swap=True), 3),
])
def test_margin_loss_modules_equal_torchs(make, n_inputs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((4, 3)) for _ in range(n_inputs)]
    if n_inputs == 3 and "Triplet" not in type(make(torch.nn)).__name__:
        arrays[2] = rng.choice([-1.0, 1.0], (4,) if "Cosine" in type(make(torch.nn)).__name__
                               else (4, 3))
    elif "SoftMargin" in type(make(torch.nn)).__name__ or "Hinge" in type(make(torch.nn)).__name__:
        arrays[1] = rng.choice([0.0, 1.0] if "MultiLabel" in type(make(torch.nn)).__name__
                               else [-1.0, 1.0], (4, 3))
    ours = make(nn)(*[ta.tensor(a) for a in arrays])
    theirs = make(torch.nn)(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    assert type(make(nn)).__name__ == type(make(torch.nn)).__name__
