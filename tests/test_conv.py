"""Convolution and pooling: F.conv1d / conv2d / conv_transpose / pools / unfold / fold and
their layers, checked against PyTorch (values, gradients, dtypes, errors, reprs,
state_dict) and by float64 gradient checks through the stride / padding / dilation / groups
variants. (The op-table rows are swept by tests/test_ops.py too.)"""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn
from tinygrad_acts.gradcheck import gradcheck

RNG = np.random.default_rng(0)

# (name, fn(F, *inputs), input shapes): each runs on tinygrad_acts and on torch as written
CASES = [
    ("conv2d", lambda f, x, w, b: f.conv2d(x, w, b), [(2, 3, 6, 5), (4, 3, 3, 2), (4,)]),
    ("conv2d stride padding dilation", lambda f, x, w, b: f.conv2d(
        x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
     [(2, 3, 6, 5), (4, 3, 3, 2), (4,)]),
    ("conv2d groups", lambda f, x, w: f.conv2d(x, w, groups=3, stride=2),
     [(2, 6, 7, 5), (9, 2, 3, 3)]),
    ("conv2d same even", lambda f, x, w: f.conv2d(x, w, padding="same", dilation=2),
     [(2, 3, 7, 6), (4, 3, 2, 3)]),
    ("conv2d valid", lambda f, x, w: f.conv2d(x, w, padding="valid"),
     [(1, 3, 5, 5), (2, 3, 3, 3)]),
    ("conv2d unbatched", lambda f, x, w: f.conv2d(x, w, padding=1), [(3, 5, 5), (2, 3, 3, 3)]),
    ("conv1d", lambda f, x, w, b: f.conv1d(x, w, b, stride=2, padding=1, groups=2),
     [(2, 4, 9), (6, 2, 3), (6,)]),
    ("conv1d unbatched", lambda f, x, w: f.conv1d(x, w), [(4, 9), (6, 4, 3)]),
    ("conv_transpose2d", lambda f, x, w, b: f.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1, groups=2),
     [(2, 4, 3, 4), (4, 3, 3, 2), (6,)]),
    ("conv_transpose2d dilation", lambda f, x, w: f.conv_transpose2d(
        x, w, stride=(1, 2), padding=(0, 1), output_padding=(1, 0), dilation=(2, 1)),
     [(2, 4, 3, 4), (4, 3, 3, 2)]),
    ("conv_transpose1d", lambda f, x, w: f.conv_transpose1d(x, w, stride=3, padding=1),
     [(2, 4, 5), (4, 2, 3)]),
    ("max_pool2d", lambda f, x: f.max_pool2d(x, 3, stride=2, padding=1), [(2, 3, 7, 6)]),
    ("max_pool2d dilation ceil", lambda f, x: f.max_pool2d(
        x, (2, 3), stride=(2, 1), dilation=(2, 1), ceil_mode=True), [(2, 3, 8, 7)]),
    ("max_pool2d unbatched", lambda f, x: f.max_pool2d(x, 2), [(3, 4, 6)]),
    ("max_pool1d", lambda f, x: f.max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
     [(2, 3, 8)]),
    ("avg_pool2d", lambda f, x: f.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
     [(2, 3, 8, 7)]),
    ("avg_pool2d no pad count", lambda f, x: f.avg_pool2d(
        x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [(2, 3, 8, 7)]),
    ("avg_pool2d divisor", lambda f, x: f.avg_pool2d(x, (2, 3), padding=1, divisor_override=5),
     [(2, 3, 8, 7)]),
    ("avg_pool1d", lambda f, x: f.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True,
                                             count_include_pad=False), [(2, 3, 8)]),
    ("adaptive_avg_pool2d", lambda f, x: f.adaptive_avg_pool2d(x, (3, 4)), [(2, 3, 7, 6)]),
    ("adaptive_avg_pool2d None", lambda f, x: f.adaptive_avg_pool2d(x, (None, 2)),
     [(2, 3, 7, 6)]),
    ("adaptive_avg_pool1d", lambda f, x: f.adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    ("adaptive_max_pool2d", lambda f, x: f.adaptive_max_pool2d(x, (3, 4)), [(2, 3, 7, 6)]),
    ("adaptive_max_pool2d upsampling", lambda f, x: f.adaptive_max_pool2d(x, (9, 4)),
     [(2, 3, 7, 6)]),
    ("adaptive_max_pool1d", lambda f, x: f.adaptive_max_pool1d(x, 3), [(2, 3, 7)]),
    ("unfold", lambda f, x: f.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
     [(2, 3, 7, 6)]),
    ("unfold unbatched", lambda f, x: f.unfold(x, 2), [(3, 4, 4)]),
    ("fold", lambda f, x: f.fold(x, (5, 6), (2, 3), padding=1, stride=(2, 1)),
     [(2, 12, 18)]),
]
IDS = [c[0] for c in CASES]


def _inputs(shapes):
    return [RNG.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_values_and_gradients_match_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    arrays = _inputs(shapes)
    ours = [ta.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = fn(F, *ours), fn(torch.nn.functional, *theirs)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(y.shape)
    (y * ta.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_float32_stays_float32_and_matches_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    arrays = [a.astype(np.float32) for a in _inputs(shapes)]
    y = fn(F, *[ta.tensor(a) for a in arrays])
    yt = fn(torch.nn.functional, *[torch.tensor(a) for a in arrays])
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_float64_gradcheck(name, fn, shapes):
    if "max" in name:  # keep the windows' maxima apart (no near-ties)
        arrays = [RNG.permutation(np.prod(s)).reshape(s) / 3.0 for s in shapes]
    else:
        arrays = _inputs(shapes)
    inputs = [ta.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: fn(F, *xs), inputs)


@pytest.mark.parametrize("name, fn, shapes", [c for c in CASES if "max" not in c[0]],
                         ids=[i for i in IDS if "max" not in i])
def test_second_derivatives_match_torch(name, fn, shapes):
    """create_graph through the rules (each backward is itself made of rules)."""
    torch = pytest.importorskip("torch")
    arrays = _inputs(shapes)
    ours = [ta.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = fn(F, *ours), fn(torch.nn.functional, *theirs)
    g = ta.grad((y * y).sum(), ours, create_graph=True)
    gt = torch.autograd.grad((yt * yt).sum(), theirs, create_graph=True)
    mine = ta.grad(sum((gi * gi).sum() for gi in g), ours)
    ref = torch.autograd.grad(sum((gi * gi).sum() for gi in gt), theirs)
    for a, b in zip(mine, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-9)


# --- max pooling: ties, nan, indices, overlapping windows ------------------------------------


def test_max_pool_ties_give_the_whole_gradient_to_the_first_max_as_torch():
    x = ta.tensor([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 3.0, 3.0]]]], requires_grad=True)
    y, index = F.max_pool2d(x, 2, return_indices=True)
    y.sum().backward()
    assert index.tolist() == [[[[1, 2]]]]
    assert x.grad.tolist() == [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_max_pool_overlapping_windows_accumulate_and_match_torch_with_ties():
    torch = pytest.importorskip("torch")
    a = RNG.integers(0, 3, (2, 2, 6, 7)).astype(np.float64)  # many ties
    x, xt = ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for kw in (dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, stride=1),
               dict(kernel_size=3, stride=2, dilation=2, ceil_mode=True)):
        x.grad, xt.grad = None, None
        y, i = F.max_pool2d(x, return_indices=True, **kw)
        yt, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kw)
        (y * y).sum().backward()
        (yt * yt).sum().backward()
        assert (i.numpy() == it.numpy()).all() and i.dtype == np.int64
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_max_pool_nan_wins_as_in_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[[[np.nan, 3.0, np.nan, 0.0], [3.0, np.nan, 3.0, 3.0]]]])
    for kw in (dict(kernel_size=2), dict(kernel_size=(1, 2), stride=1)):
        x, xt = ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, i = F.max_pool2d(x, return_indices=True, **kw)
        yt, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kw)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(i.numpy(), it.numpy())
        np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_adaptive_max_pool_indices_and_ties_match_torch():
    torch = pytest.importorskip("torch")
    a = RNG.integers(0, 3, (2, 2, 7, 5)).astype(np.float64)
    x, xt = ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, i = F.adaptive_max_pool2d(x, (3, 2), return_indices=True)
    yt, it = torch.nn.functional.adaptive_max_pool2d(xt, (3, 2), return_indices=True)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_max_pool1d_indices_match_torch():
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((2, 3, 9))
    _, i = F.max_pool1d(ta.tensor(a), 3, 2, 1, 1, True, True)
    _, it = torch.nn.functional.max_pool1d(torch.tensor(a), 3, 2, 1, 1, True, True)
    np.testing.assert_array_equal(i.numpy(), it.numpy())


# --- dtypes, empty batches, errors -----------------------------------------------------------


@pytest.mark.parametrize("op", ["max_pool2d", "conv2d", "avg_pool2d"])
def test_integer_inputs_run_as_in_torch(op):
    torch = pytest.importorskip("torch")
    a = RNG.integers(-5, 5, (1, 2, 4, 4))
    w = RNG.integers(-2, 3, (3, 2, 2, 2))
    calls = {"max_pool2d": lambda f, x, w: f.max_pool2d(x, 2, stride=1, padding=1),
             "conv2d": lambda f, x, w: f.conv2d(x, w, padding=1),
             "avg_pool2d": lambda f, x, w: f.avg_pool2d(x, 3, stride=1, padding=1)}
    y = calls[op](F, ta.tensor(a), ta.tensor(w))
    yt = calls[op](torch.nn.functional, torch.tensor(a), torch.tensor(w))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


@pytest.mark.parametrize("call", [lambda x: F.max_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2),
                                  lambda x: F.conv2d(x, x), lambda x: F.adaptive_max_pool2d(
                                      x, 1)])
def test_bool_inputs_are_refused(call):
    with pytest.raises(NotImplementedError):
        call(ta.ones(1, 1, 2, 2, dtype=np.bool_))


def test_empty_batches_give_empty_results_and_gradients():
    x = ta.zeros(0, 2, 4, 4, requires_grad=True)
    for fn in (lambda x: F.conv2d(x, ta.ones(4, 1, 2, 2), stride=2, groups=2),
               lambda x: F.conv_transpose2d(x, ta.ones(2, 3, 2, 2), stride=2),
               lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
               lambda x: F.avg_pool2d(x, 2), lambda x: F.unfold(x, 2),
               lambda x: F.adaptive_avg_pool2d(x, 2)):
        x.grad = None
        fn(x).sum().backward()
        assert x.grad.shape == (0, 2, 4, 4)


ERRORS = [
    (lambda m: m.conv2d(m_ones(m, 1, 3, 5, 5), m_ones(m, 2, 2, 3, 3)), "channels"),
    (lambda m: m.conv2d(m_ones(m, 1, 3, 2, 2), m_ones(m, 2, 3, 3, 3)), "kernel"),
    (lambda m: m.conv2d(m_ones(m, 5, 5), m_ones(m, 2, 5, 3, 3)), "input"),
    (lambda m: m.conv2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 3, 2, 3, 3), groups=2), "divisible"),
    (lambda m: m.conv2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 2, 4, 3, 3), stride=0), "stride"),
    (lambda m: m.conv2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 2, 4, 3, 3), padding=-1),
     "padding"),
    (lambda m: m.conv2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 2, 4, 3, 3), padding="same",
                        stride=2), "same"),
    (lambda m: m.conv2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 2, 4, 3, 3), padding="foo"),
     "padding"),
    (lambda m: m.conv2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 2, 4, 3, 3), m_ones(m, 3)), "bias"),
    (lambda m: m.conv_transpose2d(m_ones(m, 1, 4, 5, 5), m_ones(m, 4, 2, 3, 3), stride=2,
                                  output_padding=2), "output padding"),
    (lambda m: m.max_pool2d(m_ones(m, 1, 4, 5, 5), 2, padding=2), "half"),
    (lambda m: m.max_pool2d(m_ones(m, 1, 4, 5, 5), 2, stride=0), "stride"),
    (lambda m: m.avg_pool2d(m_ones(m, 1, 4, 5, 5), 7), "small"),
    (lambda m: m.adaptive_avg_pool2d(m_ones(m, 1, 4, 5, 5), -1), "greater than or equal"),
    (lambda m: m.fold(m_ones(m, 1, 5, 4), (3, 3), 2), "divisible"),
    (lambda m: m.fold(m_ones(m, 1, 4, 5), (3, 3), 2), "blocks"),
    (lambda m: m.unfold(m_ones(m, 1, 4, 5, 5), 7), "blocks"),
]


def m_ones(m, *shape):
    return (ta if m is F else __import__("torch")).ones(*shape, dtype=ta.float64
                                                       if m is F else None)


@pytest.mark.parametrize("call, words", ERRORS)
def test_errors_are_raised_where_torch_raises_and_name_the_op(call, words):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        call(torch.nn.functional)
    with pytest.raises(RuntimeError) as info:
        call(F)
    message = str(info.value)
    assert words in message and message.split(":")[0].isidentifier(), message  # names the op


def test_a_dtype_mismatch_is_refused_as_torch():
    with pytest.raises(RuntimeError, match="conv2d.*dtype"):
        F.conv2d(ta.ones(1, 1, 3, 3, dtype=np.float64), ta.ones(1, 1, 2, 2))


# --- layers ----------------------------------------------------------------------------------


REPRS = [
    ("Conv2d(1, 6, 5)", {}),
    ("Conv2d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False, "
     "padding_mode='reflect')", {}),
    ("Conv2d(2, 4, 3, padding='same')", {}),
    ("Conv1d(2, 3, 3)", {}),
    ("ConvTranspose2d(2, 4, 3, stride=2, output_padding=1)", {}),
    ("ConvTranspose1d(2, 4, 3, groups=2)", {}),
    ("MaxPool2d(2)", {}), ("MaxPool1d(3, 2)", {}), ("AvgPool2d(2)", {}), ("AvgPool1d(2)", {}),
    ("AdaptiveAvgPool2d((2, None))", {}), ("AdaptiveMaxPool2d(1)", {}),
    ("AdaptiveAvgPool1d(3)", {}), ("Unfold(2)", {}), ("Fold((4, 4), 2)", {}),
    ("Unflatten(1, (2, 3))", {}),
]


@pytest.mark.parametrize("spec, _", REPRS, ids=[r[0] for r in REPRS])
def test_layer_reprs_and_state_dict_keys_are_torchs(spec, _):
    torch = pytest.importorskip("torch")
    ours, theirs = eval("nn." + spec), eval("torch.nn." + spec, {"torch": torch})
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_layer_padding_modes_match_torch(mode, padding):
    torch = pytest.importorskip("torch")
    ours = nn.Conv2d(2, 4, (3, 4), padding=padding, padding_mode=mode, dtype=np.float64)
    theirs = torch.nn.Conv2d(2, 4, (3, 4), padding=padding, padding_mode=mode).double()
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                            ours.state_dict().items()}, strict=True)
    a = RNG.standard_normal((2, 2, 5, 6))
    x, xt = ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), atol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               atol=1e-12)


def test_conv_init_is_torchs_bound_and_follows_the_package_seed():
    ta.manual_seed(3)
    a = nn.Conv2d(6, 16, 5)
    ta.manual_seed(3)
    b = nn.Conv2d(6, 16, 5)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    bound = 1 / np.sqrt(6 * 25)
    assert np.abs(a.weight.numpy()).max() <= bound and np.abs(a.bias.numpy()).max() <= bound
    assert np.abs(a.weight.numpy()).max() > 0.9 * bound
    assert a.weight.dtype == np.float32 and a.weight.shape == (16, 6, 5, 5)
    t = nn.ConvTranspose2d(4, 6, 3, groups=2, dtype=np.float64)
    assert t.weight.shape == (4, 3, 3, 3) and t.weight.dtype == np.float64
    assert np.abs(t.weight.numpy()).max() <= 1 / np.sqrt(27)


def test_layers_run_and_pool_layers_return_indices():
    x = ta.randn(2, 3, 8, 8)
    assert nn.MaxPool2d(2, return_indices=True)(x)[1].shape == (2, 3, 4, 4)
    assert nn.AdaptiveMaxPool2d(2, return_indices=True)(x)[1].dtype == np.int64
    assert nn.Fold((8, 8), 2)(nn.Unfold(2)(x)).shape == (2, 3, 8, 8)
    assert nn.Unflatten(1, (3, 64))(x.flatten(1)).shape == (2, 3, 64)
    with pytest.raises(ValueError):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")


def test_fold_of_unfold_counts_each_pixel_once_per_block():
    x = ta.ones(1, 2, 4, 5)
    counts = F.fold(F.unfold(x, 2), (4, 5), 2).numpy()
    assert counts[0, 0].tolist() == [[1, 2, 2, 2, 1], [2, 4, 4, 4, 2], [2, 4, 4, 4, 2],
                                     [1, 2, 2, 2, 1]]


def test_lenet_trains_a_step_and_matches_torch():
    torch = pytest.importorskip("torch")

    def lenet(m):
        return m.Sequential(m.Conv2d(1, 6, 5, padding=2), m.ReLU(), m.MaxPool2d(2),
                            m.Conv2d(6, 16, 5), m.ReLU(), m.MaxPool2d(2), m.Flatten(),
                            m.Linear(400, 10))
    ours, theirs = lenet(nn), lenet(torch.nn)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                            ours.state_dict().items()}, strict=True)
    a = RNG.random((4, 1, 28, 28), dtype=np.float32)
    y, yt = ours(ta.tensor(a)), theirs(torch.tensor(a))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    y.sum().backward()
    yt.sum().backward()
    for (k, p), pt in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=k)


# --- the fast paths against the plain ones ---------------------------------------------------
# conv runs on batch-last columns (ops.conv.windows_last / col2im_last, one GEMM for the whole
# batch), max pooling with disjoint windows writes each cell once through a bit mask: each is
# checked against the plain (N, C, ...) im2col / col2im and the overlapping-window scatter.

CONV_VARIANTS = [  # x shape, w shape, stride, dilation, pads, groups
    ((3, 4, 7, 6), (6, 2, 3, 2), (2, 1), (1, 2), ((1, 2), (0, 1)), 2),
    ((2, 1, 9, 9), (4, 1, 5, 5), (1, 1), (1, 1), ((2, 2), (2, 2)), 1),
    ((2, 3, 8), (4, 3, 3), (3,), (2,), ((1, 1),), 1),
    ((0, 3, 5, 5), (2, 3, 3, 3), (1, 1), (1, 1), ((0, 0), (0, 0)), 1),
]


def _plain_conv(x, w, g, stride, dilation, pads, groups):
    """y, dx, dw by the (N, C, *kernel, *out) im2col and col2im, contracted by einsum."""
    from tinygrad_acts.ops import conv as C
    n, nd = x.shape[0], len(stride)
    cols = C.unfold(x, w.shape[2:], stride, dilation, pads)
    out = cols.shape[2 + nd:]
    cols = cols.reshape(n, groups, x.shape[1] // groups * int(np.prod(w.shape[2:])),
                        int(np.prod(out)))
    wg = w.reshape(groups, w.shape[0] // groups, cols.shape[2])
    y = np.einsum("gok,ngkl->ngol", wg, cols).reshape(n, w.shape[0], *out)
    g4 = g.reshape(n, groups, w.shape[0] // groups, cols.shape[3])
    dcols = np.einsum("gok,ngol->ngkl", wg, g4).reshape(n, x.shape[1], *w.shape[2:], *out)
    dx = C.fold(dcols, x.shape[2:], stride, dilation, pads)
    dw = np.einsum("ngol,ngkl->gok", g4, cols).reshape(w.shape)
    return y, dx, dw


@pytest.mark.parametrize("xs, ws, stride, dilation, pads, groups", CONV_VARIANTS)
def test_conv_batch_last_path_matches_the_plain_im2col_to_rounding(xs, ws, stride, dilation,
                                                                   pads, groups):
    """To rounding, not bit for bit: BLAS sums each output's C*K products in its own blocked
    order, einsum in another; the col2im adds themselves run in the same order (next test)."""
    from tinygrad_acts.ops import conv as C
    x, w = RNG.standard_normal(xs), RNG.standard_normal(ws)
    b = RNG.standard_normal(ws[0])
    node = C.Conv.__new__(C.Conv)
    node.needs_input_grad = (True, True, True)
    y = node.forward(x, w, b, stride=stride, dilation=dilation, pads=pads, groups=groups)
    assert y.flags.c_contiguous
    g = RNG.standard_normal(y.shape)
    dx, dw, db = node.backward(g, *node.saved)
    y_ref, dx_ref, dw_ref = _plain_conv(x, w, g, stride, dilation, pads, groups)
    y_ref = y_ref + b.reshape(-1, *(1,) * len(stride))
    for got, want in ((y, y_ref), (dx, dx_ref), (dw, dw_ref), (db, g.sum((0, *range(2, g.ndim))))):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, dilation", [((1, 1), (1, 1)), ((2, 1), (1, 2)),
                                              ((3, 2), (2, 1))])
def test_batch_last_col2im_is_the_plain_col2im_bit_for_bit(stride, dilation):
    from tinygrad_acts.ops import conv as C
    n, c, kernel, out = 3, 2, (3, 2), (4, 5)
    shape = tuple(s * (o - 1) + d * (k - 1) + 1 for s, o, d, k in zip(stride, out, dilation,
                                                                       kernel))
    dcols = RNG.standard_normal((n, c, *kernel, *out)).astype(np.float32)
    plain = C.col2im(dcols, (n, c, *shape), stride, dilation)
    last = C.col2im_last(np.ascontiguousarray(np.moveaxis(dcols, 0, -1)), (c, *shape, n),
                         stride, dilation, 2)
    np.testing.assert_array_equal(np.moveaxis(last, -1, 0).view(np.int32), plain.view(np.int32))
    xp = RNG.standard_normal((n, c, *shape))  # and the views read the same windows
    np.testing.assert_array_equal(
        np.moveaxis(C.windows_last(np.ascontiguousarray(np.moveaxis(xp, 0, -1)), kernel, stride,
                                   dilation, out), -1, 0),
        C.windows(xp, kernel, stride, dilation, out))


def _scatter_route(g, wins, shape, kernel, stride, dilation):
    """The overlapping-window rule: zeros, then g added where each offset won."""
    acc = np.zeros(shape, g.dtype)
    for i, won in zip(np.ndindex(*kernel), wins):
        at = acc[(slice(None), slice(None)) + tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(i, dilation, stride, g.shape[2:]))]
        np.add(at, g, out=at, where=won)
    return acc


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32])
@pytest.mark.parametrize("kernel, stride, size", [
    ((2, 2), (2, 2), (6, 8)), ((2, 2), (2, 2), (7, 9)), ((3, 2), (4, 3), (9, 8)),
    ((2,), (2,), (9,))])
def test_disjoint_max_pool_routing_is_the_scatter_bit_for_bit(dtype, kernel, stride, size):
    """LeNet's 2x2 pools take the bit-mask path; it must give the scatter's bits exactly,
    with ties (zeros after a relu), -0.0, inf and nan in the gradient (non-winners stay +0)."""
    from tinygrad_acts.ops import conv as C
    x = np.maximum(RNG.integers(-2, 3, (2, 3, *size)), 0).astype(dtype)  # many tied windows
    ones = (1,) * len(kernel)
    pads = ((0, 0),) * len(kernel)
    out = tuple((n - k) // s + 1 for n, k, s in zip(size, kernel, stride))
    taps = C._taps(x, kernel, stride, ones, pads, out)
    y = C.MaxPool.run(x, kernel=kernel, stride=stride, dilation=ones, pads=pads, out=out)
    g = RNG.standard_normal((2, 3, *out)).astype(dtype) if dtype != np.int32 else \
        RNG.integers(-5, 5, (2, 3, *out)).astype(dtype)
    if dtype != np.int32:
        g.flat[:4] = [-0.0, np.inf, -np.inf, np.nan]
    wins = C._first_wins(taps, y)
    got = C._route(g, wins, x.shape, kernel, stride, ones)
    want = _scatter_route(g, wins, x.shape, kernel, stride, ones)
    bits = np.dtype(f"i{x.itemsize}")
    np.testing.assert_array_equal(got.view(bits), want.view(bits))


def test_lenet_pool_gradient_is_torchs_bit_for_bit():
    torch = pytest.importorskip("torch")
    a = np.maximum(RNG.standard_normal((4, 6, 28, 28)), 0).astype(np.float32)
    a[0, 0, :2, :2] = 0.0  # an all-zero window: the first cell takes it
    g = RNG.standard_normal((4, 6, 14, 14)).astype(np.float32)
    x, xt = ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    F.max_pool2d(x, 2).backward(ta.tensor(g))
    torch.nn.functional.max_pool2d(xt, 2).backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy().view(np.int32), xt.grad.numpy().view(np.int32))
