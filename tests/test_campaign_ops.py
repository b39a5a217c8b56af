"""Op-side differences from torch found by the differential campaign (issue #13), fixed: each
test runs the campaign's minimal case in both libraries and compares (torch is the oracle;
the module is skipped without it).

The classes left as deliberate differences (torch accidents no program relies on) are not
here: they are ``KNOWN_DIFFERENCES`` in tests/test_torch_diff.py.
"""
import math

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F

torch = pytest.importorskip("torch")


def _same(ours, theirs) -> None:
    """Same dtype name, shape and values (nan where torch has nan, bit for bit elsewhere)."""
    a, b = ours.detach().numpy(), theirs.detach().numpy()
    assert a.dtype == b.dtype and a.shape == b.shape, (a, b)
    np.testing.assert_array_equal(a, b)


# --- kthvalue of a 0-d tensor: itself, whatever its dtype ("we-raise @ .kthvalue(args)") -------


@pytest.mark.parametrize("value, dtype", [(True, "bool"), (3, "int64"), (-1.5, "float64")])
@pytest.mark.parametrize("dim", [0, -1])
def test_kthvalue_of_a_0d_tensor_is_itself(value, dtype, dim):
    ours = ta.tensor(value, dtype=getattr(ta, dtype)).kthvalue(1, dim)
    theirs = torch.tensor(value, dtype=getattr(torch, dtype)).kthvalue(1, dim)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)


@pytest.mark.parametrize("make, k", [(lambda lib: lib.tensor([True, False]), 1),
                                     (lambda lib: lib.tensor(True), 2)])
def test_kthvalue_still_refuses_what_torch_refuses(make, k):
    """a 1-d bool tensor has no kthvalue kernel; k = 2 is out of range even for a 0-d one."""
    for lib in (torch, ta):
        with pytest.raises((NotImplementedError, RuntimeError)):
            make(lib).kthvalue(k)


# --- svdvals and the spectral norms at inf: nan, not an error ("we-raise @ row linalg.*") ------

INF_MATRICES = {
    "wide": [[1.54, 0.1, 0.95, 0.81], [-0.14, -1.66, -0.21, -1.04],
             [-math.inf, -0.97, -1.22, 0.99]],
    "square": [[1.5, -math.inf, 0.0], [2.0, -1.5, -1.0], [1.0, 2.0, 2.0]],
    "batch, one finite": [[[1.0, math.inf]], [[1.0, 2.0]]],
}


def _svd_fns(lib):
    la = lib.linalg
    return {"svdvals": la.svdvals, "matrix_norm(2)": lambda a: la.matrix_norm(a, 2),
            "matrix_norm(-2)": lambda a: la.matrix_norm(a, -2),
            "matrix_norm(nuc)": lambda a: la.matrix_norm(a, "nuc")}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("fn", list(_svd_fns(ta)))
@pytest.mark.parametrize("matrix", list(INF_MATRICES))
def test_svd_of_a_matrix_holding_inf_is_nan_as_torch(fn, matrix):
    """torch's LAPACK scales an inf into nan: each matrix holding one gets all-nan singular
    values; the finite matrices of a batch are unaffected. (torch's gradient there is
    LAPACK's leftovers, nan with stray 0 and -1 entries; ours is all nan.)"""
    results = []
    for lib in (ta, torch):
        a = lib.tensor(INF_MATRICES[matrix], dtype=lib.float64, requires_grad=True)
        y = _svd_fns(lib)[fn](a)
        y.sum().backward()
        results.append((y, a.grad.numpy()))
    (y, g), (ty, tg) = results
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    assert np.isnan(y.detach().numpy()).any()
    bad = np.isinf(np.array(INF_MATRICES[matrix])).any(axis=(-2, -1))
    assert np.isnan(g[bad]).all()
    np.testing.assert_allclose(g[~bad], tg[~bad], rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore")
def test_svd_of_a_matrix_holding_nan_raises_as_torch():
    rows = [[1.0, 2.0], [math.nan, 0.5]]
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.svdvals(torch.tensor(rows, dtype=torch.float64))
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.svd.*shape \(2, 2\).*nan"):
        ta.linalg.svdvals(ta.tensor(rows, dtype=ta.float64))


# --- embedding_bag(mean) divides the sum, as torch ("value @ row fmod(x, 1.5)") ----------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_embedding_bag_mean_divides_the_sum_by_the_count(dtype):
    """(-2 + 1 + 1000) / 3 is 333; times 1 / 3 it is 332.99999999999994, which fmod(., 1.5)
    turns into 1.5 instead of 0."""
    weight = [[-2.0, 1.0], [1.0, 2.0], [1000.0, 999.0], [0.5, 0.25]]
    idx, offsets = [0, 1, 2, 3, 3], [0, 3]
    out = []
    for lib, fn in ((ta, F.embedding_bag), (torch, torch.nn.functional.embedding_bag)):
        w = lib.tensor(weight, dtype=getattr(lib, dtype), requires_grad=True)
        y = fn(lib.tensor(idx), w, lib.tensor(offsets), mode="mean")
        y.backward(lib.tensor([[999.0, 1.0], [7.0, 0.1]], dtype=getattr(lib, dtype)))
        out.append((y, w.grad, y.fmod(1.5)))
    for ours, theirs in zip(*out):
        _same(ours, theirs)


# --- an advanced index's result has torch's C-contiguous strides ("value @ .stride()") --------

INDEXES = {
    "slice, list (size-1 dims)": ((1, 1), (slice(None, None, 2), [0, 0])),
    "slice, list": ((3, 4), (slice(None, None, 2), [0, 0])),
    "list in the middle": ((3, 4, 5), (slice(None), [0, 0, 1], slice(None, None, 2))),
    "ellipsis, list": ((3, 4, 5), (Ellipsis, [1, 2])),
    "two lists apart": ((3, 4, 5), ([1], slice(None), [1, 2])),
    "list, size-1 dim": ((2, 1, 3), ([1, 0, 1], slice(None), slice(None, 1))),
}


@pytest.mark.parametrize("case", list(INDEXES))
def test_advanced_index_results_have_torchs_strides(case):
    shape, index = INDEXES[case]
    data = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    ours, theirs = ta.tensor(data)[index], torch.tensor(data)[index]
    _same(ours, theirs)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() and theirs.is_contiguous()


# --- the functional harness's OPEN list: norm('nuc'), empty nanmedian, scatter_reduce prod ----


@pytest.mark.parametrize("dim, keepdim", [(None, False), ((0, 2), False), ((0, 2), True),
                                          ((-1, -2), False)])
def test_norm_nuc_is_matrix_norms(dim, keepdim):
    data = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4))  # full rank: a unique gradient
    results = []
    for lib in (ta, torch):
        x = lib.tensor(data if dim is not None else data[0], requires_grad=True)
        y = x.norm("nuc", dim=dim, keepdim=keepdim)
        y.sum().backward()
        results.append((y, x.grad))
    (y, g), (ty, tg) = results
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p, dim", [("nuc", None), ("nuc", 1), ("nuc", (1, 1)), ("abc", None)])
def test_norm_refuses_what_matrix_norm_refuses(p, dim):
    """a 3-d input without dim, one dim, twice the same dim, an unknown order."""
    for lib in (torch, ta):
        with pytest.raises(RuntimeError):
            lib.ones(2, 3, 4).norm(p, dim=dim)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "uint8", "float64"])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_of_an_empty_tensor_is_nan_cast_to_its_dtype(dtype, name):
    """nan cast to the dtype: True for bool, the minimum for a signed integer, as torch."""
    ours = getattr(ta.zeros(0, dtype=getattr(ta, dtype)), name)()
    theirs = getattr(torch.zeros(0, dtype=getattr(torch, dtype)), name)()
    _same(ours, theirs)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_and_its_gradient_are_torchs(seed, include_self):
    """zeros on purpose: an x of 0, a single 0 sent to a position, two of them."""
    rng = np.random.default_rng(seed)
    x = rng.choice([0.0, 1.5, -2.0, 0.5, 3.0], size=(3, 4))
    src = rng.choice([0.0, 1.5, -2.0, 0.5, 2.0], size=(2, 4))
    index, weights = rng.integers(0, 3, size=(2, 4)), rng.uniform(-1, 1, (3, 4))
    results = []
    for lib in (ta, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        y = a.scatter_reduce(0, lib.tensor(index), b, "prod", include_self=include_self)
        (y * lib.tensor(weights)).sum().backward()
        results.append((y, a.grad, b.grad))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


def test_scatter_reduce_prod_refuses_a_second_derivative():
    """its shares depend on x and src: a create_graph backward would be silently wrong."""
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = x.scatter_reduce(0, ta.tensor([0, 0]), ta.tensor([3.0, 4.0]), "prod")
    with pytest.raises(NotImplementedError, match=r"scatter_reduce\(reduce='prod'\)"):
        ta.grad(y.sum(), [x], create_graph=True)
    (g,) = ta.grad(y.sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [12.0, 1.0])


# --- ceil_mode: a dilated kernel longer than the input still has a window -------------------


@pytest.mark.parametrize("name, kernel, length, kw", [
    ("max_pool1d", 3, 3, dict(dilation=2)), ("max_pool1d", 2, 3, dict(dilation=3, stride=2)),
    ("avg_pool1d", 3, 2, dict(stride=3)), ("avg_pool1d", 3, 2, dict(count_include_pad=False))])
def test_ceil_mode_keeps_a_window_that_starts_inside_the_input(name, kernel, length, kw):
    """torch's output size rounds (n - d (k - 1) - 1 + s - 1) / s down, negative or not:
    one window here, which starts at 0 and reads the input elements it reaches."""
    data = np.array([[[0.5, -1.0, 2.0]], [[-3.0, 1.5, 0.25]]])[..., :length]
    results = []
    for lib, fns in ((ta, F), (torch, torch.nn.functional)):
        x = lib.tensor(data, requires_grad=True)
        y = getattr(fns, name)(x, kernel, ceil_mode=True, **kw)
        (y * lib.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)))).sum().backward()
        results.append((y, x.grad))
    for ours, theirs in zip(*results):
        _same(ours, theirs)


# --- conv_transpose2d with padding is C-contiguous, as torch's ("we-raise @ view") ------------


def test_conv_transpose2d_with_padding_is_contiguous():
    rng = np.random.default_rng(0)
    x, w = rng.uniform(-1, 1, (1, 2, 2, 3)), rng.uniform(-1, 1, (2, 2, 2, 2))
    kw = dict(stride=2, padding=1, output_padding=1)
    ours = F.conv_transpose2d(ta.tensor(x), ta.tensor(w), **kw)
    theirs = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), **kw)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert ours.is_contiguous() and ours.stride() == theirs.stride()
    assert ours.view(-1).shape == (theirs.numel(),)


# --- cross_entropy of probabilities: a negative ignore_index is accepted and ignored ---------


@pytest.mark.parametrize("ignore_index", [-100, -1, -5, 0, 3])
def test_cross_entropy_of_probabilities_and_ignore_index(ignore_index):
    rng = np.random.default_rng(0)
    x, t = rng.uniform(-1, 1, (2, 4)), rng.uniform(0, 1, (2, 4))
    if ignore_index >= 0:
        for lib, fns in ((torch, torch.nn.functional), (ta, F)):
            with pytest.raises(RuntimeError, match="ignore_index"):
                fns.cross_entropy(lib.tensor(x), lib.tensor(t), ignore_index=ignore_index)
        return
    ours = F.cross_entropy(ta.tensor(x), ta.tensor(t), ignore_index=ignore_index)
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t),
                                               ignore_index=ignore_index)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("lib", [ta, torch], ids=["ta", "torch"])
def test_digammas_gradient_at_inf_is_zero(lib):
    """grad value @ backward: trigamma(+inf) = 0 whether or not some element is below 1/2."""
    x = lib.tensor(math.inf, dtype=lib.float64, requires_grad=True)
    x.digamma().backward()
    assert x.grad.item() == 0.0
    assert lib.special.polygamma(1, lib.tensor([math.inf, 1.0])).tolist()[0] == 0.0


@pytest.mark.parametrize("lib", [ta, torch], ids=["ta", "torch"])
def test_sdpa_adds_its_bool_mask_so_a_masked_inf_score_gives_nan(lib):
    """value @ row scaled_dot_product_attention(is_causal): torch adds -inf where the mask is
    False, so a +inf score there is nan (its row too); a row of -inf scores is 0."""
    q = lib.tensor([[[1.0, 2.0], [math.inf, 0.0]]], dtype=lib.float64)
    k = lib.tensor([[[-1.0, 0.0], [2.0, 0.0]]], dtype=lib.float64)
    v = lib.tensor([[[1.0, 2.0], [3.0, 4.0]]], dtype=lib.float64)
    out = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert np.isnan(out.numpy()[0, 1]).all() and np.isfinite(out.numpy()[0, 0]).all()


@pytest.mark.parametrize("lib", [ta, torch], ids=["ta", "torch"])
def test_qr_of_one_row_holding_nan_has_q_one(lib):
    """value @ .qr(): LAPACK's reflector of one element is the identity."""
    q, r = lib.linalg.qr(lib.tensor([[math.nan, 1.0, 2.0]], dtype=lib.float64))
    assert q.tolist() == [[1.0]] and r.tolist()[0][1:] == [1.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_and_histogram_edges_are_torchs_bit_for_bit(dtype):
    """value @ .histogram(): torch's linspace is a fused multiply-add from each end, so
    linspace(-0.5, 0.5, 101)[50] is 1.1e-8 in float32, not 0 (and zeros fall in bin 49)."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        lo = float(rng.uniform(-3, 1))
        hi, n = lo + float(rng.uniform(0.01, 4)), int(rng.integers(0, 200))
        ours = ta.linspace(lo, hi, n, dtype=getattr(ta, dtype)).numpy()
        assert np.array_equal(ours, torch.linspace(lo, hi, n, dtype=getattr(torch, dtype)).numpy())
    for lib in (ta, torch):
        counts = lib.zeros(3, dtype=getattr(lib, dtype)).histogram().hist
        assert counts.numpy().nonzero()[0].tolist() == ([49] if dtype == "float32" else [50])


@pytest.mark.parametrize("lib", [ta, torch], ids=["ta", "torch"])
def test_relu_keeps_the_sign_of_a_negative_zero(lib):
    """value @ binary //: relu(-0.0) is -0.0 (torch's clamp_min keeps x on a tie), so
    1 // relu(-0.0) is -inf."""
    x = lib.tensor([-0.0, 0.0, -1.0], dtype=lib.float64)
    assert (1 / lib.relu(x)).tolist() == [-math.inf, math.inf, math.inf]
    assert (1 / x.clone().relu_()).tolist() == [-math.inf, math.inf, math.inf]


@pytest.mark.parametrize("lib", [ta, torch], ids=["ta", "torch"])
def test_running_reductions_of_a_transpose_are_row_major(lib):
    """alias @ contiguous: cumsum / cumprod / cummax of a transposed matrix are contiguous."""
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True).T
    for y in (x.cumsum(0), x.cumprod(1), x.cummax(0).values, x.cummin(1).indices):
        assert y.is_contiguous() and y.contiguous() is y


@pytest.mark.parametrize("lib", [ta, torch], ids=["ta", "torch"])
def test_i1_at_infinity_is_nan_and_overflows_to_inf_before(lib):
    """value @ row special.i1: torch's i1(+-inf) is nan (inf / inf), i1(+-800) is +-inf."""
    x = lib.tensor([math.inf, -math.inf, 800.0, -800.0], dtype=lib.float64)
    out = lib.special.i1(x).tolist()
    assert math.isnan(out[0]) and math.isnan(out[1]) and out[2:] == [math.inf, -math.inf]
