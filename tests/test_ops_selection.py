"""Sorting and selection beyond the op table's rows: sort / topk / kthvalue / unique,
gather / scatter / index_* / masked_* / take, nonzero / where(cond) / searchsorted, and
their in-place forms. Cross-checked against torch (values, index dtypes, gradients and
raise-versus-raise) on the variants the rows do not cover: dims, keepdim, negative dims,
int and bool inputs, empty and 0-d tensors, ties, nan, bad arguments.
"""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.api import selection
from tinygrad_acts.ops import sorting

# torch's own warnings (scatter's deprecated reduce=, a non-contiguous searchsorted boundary)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
TIES = np.array([[1.0, 0.0, 1.0, 0.0], [2.0, 2.0, 2.0, -1.0], [0.5, np.nan, 0.5, 3.0]])


def _lib(torch, which):
    return ta if which == "ta" else torch


def _tensor(L, a, grad=False):
    if L is ta:
        return ta.tensor(np.array(a), requires_grad=grad)
    import torch
    return torch.tensor(np.array(a), requires_grad=grad)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def run_both(fn, *arrays, grad=True):
    """fn(L, *tensors) with L = ta and L = torch, on float inputs requiring grad (when
    ``grad``): every output's values, dtype and shape agree, then the gradients of a
    weighted sum of the float outputs."""
    torch = pytest.importorskip("torch")
    results = []
    for L in (ta, torch):
        ins = [_tensor(L, a, grad and np.asarray(a).dtype.kind == "f") for a in arrays]
        results.append((ins, _flat(fn(L, *ins))))
    (ours_in, ours), (theirs_in, theirs) = results
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype) == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-14)
    if not grad:
        return
    pairs = [(o, t) for o, t in zip(ours, theirs) if t.requires_grad]
    if not pairs:
        return
    w = [RNG.standard_normal(tuple(t.shape)) for _, t in pairs]
    sum((o * ta.tensor(wi)).sum() for (o, _), wi in zip(pairs, w)).backward()
    sum((t * torch.tensor(wi)).sum() for (_, t), wi in zip(pairs, w)).backward()
    rtol = 1e-6 if any(str(t.dtype) == "torch.float32" for t in theirs) else 1e-12
    for o, t in zip(ours_in, theirs_in):
        if t.grad is None:
            assert o.grad is None or not np.any(o.grad.numpy())
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-14)


def raise_both(fn, *arrays):
    """fn raises in both libraries, with the same exception type (ours may subclass)."""
    torch = pytest.importorskip("torch")
    errors = []
    for L in (ta, torch):
        ins = [_tensor(L, a) for a in arrays]
        with pytest.raises(Exception) as info:
            fn(L, *ins)
        errors.append(info.type)
    ours, theirs = errors
    assert issubclass(ours, theirs) or (theirs is IndexError and ours is IndexError), \
        (ours, theirs)


def idx(L, a):
    return _tensor(L, np.asarray(a, dtype=np.int64))


# --- sort / argsort / msort / topk / kthvalue / unique ---------------------------------------

SORTS = {
    "sort()": lambda L, x: x.sort(),
    "sort(0)": lambda L, x: x.sort(0),
    "sort(dim=-2, descending)": lambda L, x: L.sort(x, dim=-2, descending=True),
    "sort(stable)": lambda L, x: x.sort(stable=True, dim=1),
    "argsort(descending)": lambda L, x: x.argsort(dim=1, descending=True),
    "argsort(0)": lambda L, x: L.argsort(x, 0),
    "msort": lambda L, x: L.msort(x),
    "topk(3)": lambda L, x: x.topk(3),
    "topk(1, dim=0)": lambda L, x: x.topk(1, dim=0),
    "topk(2, largest=False)": lambda L, x: L.topk(x, 2, largest=False),
    "topk(0)": lambda L, x: x.topk(0),
    "topk(4, sorted)": lambda L, x: x.topk(4, sorted=True),
    "kthvalue(1)": lambda L, x: x.kthvalue(1),
    "kthvalue(3, dim=0, keepdim)": lambda L, x: L.kthvalue(x, 3, dim=0, keepdim=True),
    "kthvalue(4, -1)": lambda L, x: x.kthvalue(4, -1),
}


@pytest.mark.parametrize("name", list(SORTS))
def test_sorts_match_torch_values_indices_and_gradients(name):
    run_both(SORTS[name], X)


@pytest.mark.parametrize("name", ["sort()", "sort(0)", "sort(dim=-2, descending)", "argsort(0)",
                                  "msort"])
def test_sorts_at_ties_and_nan_follow_torch(name):
    """NOTE: torch's CPU sort keeps ties in order (stable) and puts nan last (first when
    descending); the gradient goes to the element each value came from."""
    run_both(SORTS[name], TIES)


@pytest.mark.parametrize("name", ["topk(3)", "topk(2, largest=False)", "topk(1, dim=0)",
                                  "topk(4, sorted)", "kthvalue(1)", "kthvalue(4, -1)",
                                  "kthvalue(3, dim=0, keepdim)"])
def test_topk_and_kthvalue_at_ties_and_nan_pick_torchs_elements(name):
    """NOTE: torch's topk / kthvalue pick among ties by their own selection algorithms;
    tied rows replay them, so the indices and the gradient's place are torch's."""
    run_both(SORTS[name], TIES)


def test_topk_and_kthvalue_on_many_tied_rows_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for _ in range(300):
        shape = tuple(rng.integers(1, 9, rng.integers(1, 4)))
        x = rng.integers(-2, 3, shape).astype(float)
        if rng.random() < 0.3:
            x.flat[rng.integers(0, x.size)] = np.nan
        d = int(rng.integers(-len(shape), len(shape)))
        k = int(rng.integers(1, shape[d] + 1))
        for how in ("topk", "topk smallest", "kthvalue"):
            ours, theirs = (t.kthvalue(k, d) if how == "kthvalue" else t.topk(
                k, d, largest=how == "topk") for t in (ta.tensor(x), torch.tensor(x)))
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
@pytest.mark.parametrize("name", ["sort()", "argsort(0)", "msort", "sort(dim=-2, descending)"])
def test_sorts_of_integers_and_bools_match_torch(name, dtype):
    run_both(SORTS[name], (TIES[:2] * 3).astype(dtype))


@pytest.mark.parametrize("name", ["topk(1, dim=0)", "kthvalue(1)"])
def test_topk_and_kthvalue_of_integers_match_torch(name):
    run_both(SORTS[name], np.array([[5, 1, 4], [2, 8, 0]]))


@pytest.mark.parametrize("shape", [(), (0,), (2, 0), (0, 3)])
@pytest.mark.parametrize("name", ["sort", "argsort", "msort"])
def test_sorts_of_empty_and_0d_tensors(name, shape):
    run_both(lambda L, x: getattr(x, name)(), np.zeros(shape))


def test_topk_and_kthvalue_of_a_0d_tensor():
    run_both(lambda L, x: (x.topk(1), x.kthvalue(1), x.topk(0, dim=-1)), np.array(2.5))


BAD_SORTS = {
    "sort dim 2": lambda L, x: x.sort(2),
    "topk k too big": lambda L, x: x.topk(5),
    "topk k negative": lambda L, x: x.topk(-1),
    "topk bool": lambda L, x: (x > 0).topk(1),
    "kthvalue 0": lambda L, x: x.kthvalue(0),
    "kthvalue too big": lambda L, x: x.kthvalue(5),
    "kthvalue bool": lambda L, x: (x > 0).kthvalue(1),
    "kthvalue dim": lambda L, x: x.kthvalue(1, dim=3),
    "unique dim": lambda L, x: x.unique(dim=2),
}


@pytest.mark.parametrize("name", list(BAD_SORTS))
def test_bad_sort_arguments_raise_as_in_torch(name):
    raise_both(BAD_SORTS[name], X)


def test_sort_returns_torchs_named_tuples():
    values, indices = ta.tensor([2.0, 1.0]).sort()
    assert type(ta.tensor([1.0]).sort()).__name__ == "sort"
    assert type(ta.tensor([1.0]).topk(1)).__name__ == "topk"
    assert type(ta.tensor([1.0]).kthvalue(1)).__name__ == "kthvalue"
    assert indices.dtype == np.int64 and values.tolist() == [1.0, 2.0]


def test_order_is_a_stable_sort_in_both_directions_without_torch():
    x = np.array([1.0, 0.0, 1.0, np.nan, 0.0, 1.0])
    assert sorting.order(x, 0).tolist() == [1, 4, 0, 2, 5, 3]
    assert sorting.order(x, 0, descending=True).tolist() == [3, 0, 2, 5, 1, 4]


def test_sort_gradient_follows_the_values_without_torch():
    x = ta.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    x.sort(descending=True).values.backward(ta.tensor([[10.0, 20.0, 30.0]]))
    assert x.grad.tolist() == [[10.0, 30.0, 20.0]]


UNIQUES = {
    "unique": lambda L, x: x.unique(),
    "unique(sorted=False)": lambda L, x: L.unique(x, sorted=False),
    "unique(inverse, counts)": lambda L, x: x.unique(return_inverse=True, return_counts=True),
    "unique(counts)": lambda L, x: L.unique(x, return_counts=True),
    "unique(dim=0, inverse)": lambda L, x: x.unique(dim=0, return_inverse=True),
    "unique(dim=1, counts)": lambda L, x: x.unique(dim=1, return_counts=True),
}
UNIQUE_INPUTS = {"ints": np.array([[2, 1], [2, 1], [0, 5]]), "bools": np.array([[True, False]]),
                 "floats": np.array([[1.5, 1.5], [0.5, 1.5]]), "0-d": np.array(3)}


@pytest.mark.parametrize("data", list(UNIQUE_INPUTS))
@pytest.mark.parametrize("name", list(UNIQUES))
def test_unique_matches_torch(name, data):
    if data == "0-d" and "dim" in name:
        pytest.skip("unique(dim) of a 0-d tensor")
    run_both(UNIQUES[name], UNIQUE_INPUTS[data], grad=False)


def test_unique_keeps_each_nan_and_has_no_gradient_as_torch():
    torch = pytest.importorskip("torch")
    run_both(lambda L, x: x.unique(return_counts=True), np.array([1.0, np.nan, 1.0, np.nan]),
             grad=False)
    for L in (ta, torch):
        out = _tensor(L, [2.0, 1.0, 2.0], grad=True).unique()
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="not implemented"):
            out.sum().backward()


# --- gather / take_along_dim / index_select / take / masked_select -------------------------

G = np.array([[0, 3], [2, 2], [1, 0]])
PICKS = {
    "gather(1)": lambda L, x: x.gather(1, idx(L, G)),
    "gather(0)": lambda L, x: L.gather(x, 0, idx(L, [[0, 2], [2, 1]])),
    "gather(-1, int32)": lambda L, x: x.gather(-1, idx(L, G).int()),
    "gather(empty)": lambda L, x: x.gather(1, idx(L, np.zeros((0, 2)))),
    "gather(empty 1-d)": lambda L, x: x.gather(1, idx(L, np.zeros(0))),
    "take_along_dim(0)": lambda L, x: L.take_along_dim(x, idx(L, [[2, 0, 1, 1]]), dim=0),
    "take_along_dim(-1, broadcast)": lambda L, x: L.take_along_dim(x, idx(L, [[1], [3], [0]]),
                                                                   dim=-1),
    "take_along_dim(None)": lambda L, x: L.take_along_dim(x, idx(L, [11, 0, 0])),
    "index_select(0)": lambda L, x: x.index_select(0, idx(L, [2, 2, 0])),
    "index_select(-1, int32)": lambda L, x: L.index_select(x, -1, idx(L, [1, 3]).int()),
    "index_select(0-d index)": lambda L, x: x.index_select(1, idx(L, 2)),
    "index_select(empty)": lambda L, x: x.index_select(1, idx(L, np.zeros(0))),
    "take": lambda L, x: L.take(x, idx(L, [[-12, 11], [3, 3]])),
    "take(0-d)": lambda L, x: x.take(idx(L, 5)),
    "masked_select": lambda L, x: x.masked_select(x > 0),
    "masked_select(broadcast)": lambda L, x: L.masked_select(x, _tensor(L, [True, False,
                                                                            True, True])),
    "masked_select(bigger mask)": lambda L, x: x[0].masked_select(x > 0),
}


@pytest.mark.parametrize("name", list(PICKS))
def test_picks_match_torch_values_and_gradients(name):
    run_both(PICKS[name], X)


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float32])
@pytest.mark.parametrize("name", ["gather(1)", "index_select(0)", "take", "masked_select"])
def test_picks_keep_the_dtype(name, dtype):
    run_both(PICKS[name], (X * 3).astype(dtype))


def test_picks_of_a_0d_tensor():
    run_both(lambda L, x: (x.gather(0, idx(L, 0)), x.gather(0, idx(L, [0, 0])),
                           x.index_select(0, idx(L, [0])), x.take(idx(L, [0, -1]))),
             np.array(1.5))


BAD_PICKS = {
    "gather out of range": lambda L, x: x.gather(1, idx(L, [[4]] * 3)),
    "gather negative": lambda L, x: x.gather(1, idx(L, [[-1]])),
    "gather float index": lambda L, x: x.gather(1, _tensor(L, [[0.0]])),
    "gather uint8 index": lambda L, x: x.gather(1, idx(L, [[0]]).to(ta.uint8 if L is ta else
                                                                     L.uint8)),
    "gather ndim": lambda L, x: x.gather(1, idx(L, [0, 1])),
    "gather too big": lambda L, x: x.gather(1, idx(L, np.zeros((4, 1)))),
    "gather dim": lambda L, x: x.gather(2, idx(L, [[0]])),
    "gather list index": lambda L, x: x.gather(1, [[0]]),
    "take out of range": lambda L, x: x.take(idx(L, [12])),
    "take int32": lambda L, x: x.take(idx(L, [1]).int()),
    "take_along_dim int32": lambda L, x: L.take_along_dim(x, idx(L, [[1]]).int(), dim=1),
    "take_along_dim ndim": lambda L, x: L.take_along_dim(x, idx(L, [1]), dim=1),
    "take_along_dim shapes": lambda L, x: L.take_along_dim(x, idx(L, [[1], [1]]), dim=1),
    "index_select 2-d": lambda L, x: x.index_select(1, idx(L, [[0]])),
    "index_select out of range": lambda L, x: x.index_select(1, idx(L, [4])),
    "index_select negative": lambda L, x: x.index_select(1, idx(L, [-1])),
    "index_select float": lambda L, x: x.index_select(1, _tensor(L, [0.0])),
    "masked_select int mask": lambda L, x: x.masked_select((x > 0).int()),
    "masked_select shapes": lambda L, x: x.masked_select(_tensor(L, [True, False])),
}


@pytest.mark.parametrize("name", list(BAD_PICKS))
def test_bad_picks_raise_as_in_torch(name):
    raise_both(BAD_PICKS[name], X)


def test_index_errors_name_the_dim_and_its_size():
    x = ta.tensor(X)
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with "
                                           "size 4"):
        x.gather(1, ta.tensor([[4]]))
    with pytest.raises(IndexError, match="index 12 on a tensor of 12 elements"):
        x.take(ta.tensor([12]))


def test_gather_backward_accumulates_repeats_without_torch():
    x = ta.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    x.gather(1, ta.tensor([[2, 2, 0]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 2.0]]


# --- scatter / scatter_add / scatter_reduce / index_add / index_fill / index_copy ----------

S = np.array([[3, 0], [1, 2], [0, 3]])
SRC = RNG.standard_normal((3, 3))
WRITES = {
    "scatter(src)": lambda L, x, s: x.scatter(1, idx(L, S), s[:, :2]),
    "scatter(0, src)": lambda L, x, s: L.scatter(x, 0, idx(L, [[2, 0, 1]]), s[:1]),
    "scatter(value)": lambda L, x, s: x.scatter(1, idx(L, S), -2.0),
    "scatter(value=)": lambda L, x, s: x.scatter(1, idx(L, S), value=3.0),
    "scatter(reduce=add)": lambda L, x, s: x.scatter(1, idx(L, S), 1.5, reduce="add"),
    "scatter(empty)": lambda L, x, s: x.scatter(1, idx(L, np.zeros(0)), s),
    "scatter(int32)": lambda L, x, s: x.scatter(1, idx(L, S).int(), 0.0),
    "scatter_add": lambda L, x, s: x.scatter_add(1, idx(L, [[0, 0, 3], [2, 2, 2]]), s[:2]),
    "scatter_add(0)": lambda L, x, s: L.scatter_add(x, 0, idx(L, [[0, 0, 2]]), s[:1]),
    "scatter_reduce(sum)": lambda L, x, s: x.scatter_reduce(1, idx(L, S), s[:, :2], "sum"),
    "scatter_reduce(mean, no self)": lambda L, x, s: x.scatter_reduce(
        1, idx(L, [[0, 0], [1, 1], [2, 3]]), s[:, :2], "mean", include_self=False),
    "scatter_reduce(amax)": lambda L, x, s: L.scatter_reduce(
        x, 1, idx(L, [[0, 0, 0], [1, 1, 2], [2, 3, 3]]), s, "amax"),
    "scatter_reduce(amin, no self)": lambda L, x, s: x.scatter_reduce(
        1, idx(L, [[0, 0, 0], [1, 1, 2], [2, 3, 3]]), s, "amin", include_self=False),
    "index_add(0)": lambda L, x, s: x.index_add(0, idx(L, [2, 2, 0]), s[:, :1].expand(3, 4)),
    "index_add(-1, alpha)": lambda L, x, s: L.index_add(x, -1, idx(L, [1, 1, 3]), s,
                                                        alpha=-0.5),
    "index_add(int32)": lambda L, x, s: x.index_add(1, idx(L, [0, 1, 1]).int(), s),
    "index_fill": lambda L, x, s: x.index_fill(0, idx(L, [0, -1]), 4.0),
    "index_fill(tensor)": lambda L, x, s: L.index_fill(x, 1, idx(L, [1, 1]), s[0, 0]),
    "index_copy": lambda L, x, s: x.index_copy(1, idx(L, [3, 0, 1]), s),
    "index_copy(0)": lambda L, x, s: L.index_copy(x, 0, idx(L, [1]), s[:1, :1].expand(1, 4)),
    "masked_fill(tensor)": lambda L, x, s: x.masked_fill(x > 0, s[1, 1]),
    "masked_fill(broadcast)": lambda L, x, s: x[0].masked_fill(x > 0, -1.0),
    "masked_fill(float64 value)": lambda L, x, s: x.float().masked_fill(x > 0, s[0, 0]),
    "masked_scatter": lambda L, x, s: x.masked_scatter(x > 0, s),
    "masked_scatter(broadcast)": lambda L, x, s: x[:1].masked_scatter(x < 0, s.reshape(-1)),
}


# torch: no derivative (reduce=add), or its backward fails (an empty index: wrong shape)
NO_TORCH_GRADIENT = {"scatter(reduce=add)", "scatter_(reduce=add)", "scatter(empty)"}


@pytest.mark.parametrize("name", list(WRITES))
def test_writes_match_torch_values_and_gradients(name):
    run_both(WRITES[name], X, SRC, grad=name not in NO_TORCH_GRADIENT)


def test_scatter_reduce_add_has_scatter_adds_gradient_where_torch_has_none():
    x, s = ta.tensor(X, requires_grad=True), ta.tensor(SRC[:, :2], requires_grad=True)
    x.scatter(1, ta.tensor(S), s, reduce="add").backward(ta.tensor(X))
    np.testing.assert_array_equal(x.grad.numpy(), X)
    np.testing.assert_array_equal(s.grad.numpy(), np.take_along_axis(X, S, 1))


@pytest.mark.parametrize("name", ["scatter(src)", "scatter_add", "index_add(-1, alpha)",
                                  "index_copy", "masked_scatter", "scatter(value)",
                                  "index_fill", "scatter_reduce(mean, no self)",
                                  "scatter_reduce(amax)"])
def test_writes_of_integers_match_torch(name):
    run_both(WRITES[name], (X * 4).astype(np.int64), (SRC * 4).astype(np.int64))


def test_writes_to_a_0d_tensor_match_torch():
    run_both(lambda L, x, s: (x.scatter(0, idx(L, 0), s), x.scatter(0, idx(L, [0]), 2.0),
                              x.scatter_add(0, idx(L, [0, 0]), s.expand(2)),
                              x.scatter_reduce(0, idx(L, [0]), s.reshape(1), "amin"),
                              x.index_add(0, idx(L, 0), s, alpha=3.0),
                              x.index_fill(0, idx(L, [0]), s), x.index_copy(0, idx(L, 0), s),
                              x.masked_fill(_tensor(L, True), -1.0),
                              x.masked_scatter(_tensor(L, True), s.reshape(1))),
             np.array(1.5), np.array(-0.5))


def test_fill_values_are_cast_as_in_torch():
    run_both(lambda L, x: (x.masked_fill(x > 0, np.float32(2.5)), x.long().masked_fill(
        x > 0, 2.7), x.long().index_fill(1, idx(L, [0]), -1.9), (x > 0).scatter(
        1, idx(L, S), True)), X)
    raise_both(lambda L, x: x.long().masked_fill(x > 0, float("inf")), X)
    raise_both(lambda L, x: L.searchsorted(x[0, 0], x), X)


def test_scatter_reduce_ties_share_the_gradient_evenly_as_torch():
    x = np.array([[1.0, 2.0, 0.0]])
    s = np.array([[1.0, 1.0, 2.0, 0.5]])
    for how in ("amax", "amin"):
        for keep in (True, False):
            run_both(lambda L, a, b, h=how, k=keep: a.scatter_reduce(
                1, idx(L, [[0, 0, 1, 1]]), b, h, include_self=k), x, s)


def test_bigger_src_is_cut_to_the_index_as_torch():
    # torch's own backward fails here (a gradient of the index's shape), so values only
    run_both(lambda L, x, s: (x.scatter(1, idx(L, S), s), x.scatter_add(1, idx(L, S), s),
                              x.scatter_reduce(1, idx(L, S), s, "amin")), X, SRC, grad=False)


BAD_WRITES = {
    "scatter dtype": lambda L, x, s: x.scatter(1, idx(L, S), s.float()),
    "scatter out of range": lambda L, x, s: x.scatter(1, idx(L, [[4]]), s),
    "scatter negative": lambda L, x, s: x.scatter(1, idx(L, [[-1]]), s),
    "scatter src too small": lambda L, x, s: x.scatter(1, idx(L, np.zeros((3, 4))), s),
    "scatter ndim": lambda L, x, s: x.scatter(1, idx(L, [0]), s[0]),
    "scatter reduce": lambda L, x, s: x.scatter(1, idx(L, S), s, reduce="max"),
    "scatter_add float index": lambda L, x, s: x.scatter_add(1, _tensor(L, [[0.0]]), s),
    "scatter_add int64 into float": lambda L, x, s: x.scatter_add(1, idx(L, [[0]]), s.long()),
    "scatter_reduce bad": lambda L, x, s: x.scatter_reduce(1, idx(L, [[0]]), s, "median"),
    "index_add shape": lambda L, x, s: x.index_add(1, idx(L, [0, 1]), s),
    "index_add dtype": lambda L, x, s: x.index_add(1, idx(L, [0, 1, 2]), s.float()),
    "index_add out of range": lambda L, x, s: x.index_add(1, idx(L, [0, 1, 4]), s),
    "index_add negative": lambda L, x, s: x.index_add(1, idx(L, [0, 1, -1]), s),
    "index_add uint8": lambda L, x, s: x.index_add(1, idx(L, [0, 1, 2]).to(
        ta.uint8 if L is ta else L.uint8), s),
    "index_fill int32": lambda L, x, s: x.index_fill(1, idx(L, [0]).int(), 1.0),
    "index_fill out of range": lambda L, x, s: x.index_fill(1, idx(L, [4]), 1.0),
    "index_fill 1-d value": lambda L, x, s: x.index_fill(1, idx(L, [0]), s[0]),
    "index_copy int32": lambda L, x, s: x.index_copy(1, idx(L, [0, 1, 2]).int(), s),
    "index_copy negative": lambda L, x, s: x.index_copy(1, idx(L, [0, 1, -1]), s),
    "index_copy shape": lambda L, x, s: x.index_copy(1, idx(L, [0, 1]), s),
    "index_copy dtype": lambda L, x, s: x.index_copy(1, idx(L, [0, 1, 2]), s.float()),
    "masked_fill int mask": lambda L, x, s: x.masked_fill((x > 0).int(), 1.0),
    "masked_fill 1-d value": lambda L, x, s: x.masked_fill(x > 0, s[0]),
    "masked_fill_ broadcast": lambda L, x, s: x[0].clone().masked_fill_(x > 0, 1.0),
    "masked_scatter short": lambda L, x, s: x.masked_scatter(x == x, s[:2]),
    "masked_scatter dtype": lambda L, x, s: x.masked_scatter(x > 0, s.float()),
    "masked_scatter int mask": lambda L, x, s: x.masked_scatter((x > 0).long(), s),
}


@pytest.mark.parametrize("name", list(BAD_WRITES))
def test_bad_writes_raise_as_in_torch(name):
    raise_both(BAD_WRITES[name], X, SRC)


# --- in place: scatter_ / scatter_add_ / index_add_ / index_fill_ / index_copy_ / masked_* --

INPLACE = {
    "scatter_(src)": lambda L, x, s: x.scatter_(1, idx(L, S), s[:, :2]),
    "scatter_(value)": lambda L, x, s: x.scatter_(1, idx(L, S), 2.0),
    "scatter_(reduce=add)": lambda L, x, s: x.scatter_(1, idx(L, S), s[:, :2], reduce="add"),
    "scatter_add_": lambda L, x, s: x.scatter_add_(0, idx(L, [[0, 0, 2]]), s[:1]),
    "index_add_": lambda L, x, s: x.index_add_(1, idx(L, [3, 3, 0]), s, alpha=2.0),
    "index_fill_": lambda L, x, s: x.index_fill_(1, idx(L, [0, 2]), -1.0),
    "index_fill_(tensor)": lambda L, x, s: x.index_fill_(1, idx(L, [0, 2]), s[2, 2]),
    "index_copy_": lambda L, x, s: x.index_copy_(1, idx(L, [3, 0, 1]), s),
    "masked_fill_": lambda L, x, s: x.masked_fill_(x > 0.5, 0.0),
    "masked_fill_(tensor, broadcast)": lambda L, x, s: x.masked_fill_(x[0] > 0, s[0, 1]),
    "masked_scatter_": lambda L, x, s: x.masked_scatter_(x > 0, s),
    "scatter_reduce_(amax)": lambda L, x, s: x.scatter_reduce_(1, idx(L, S), s[:, :2], "amax"),
    "scatter_reduce_(mean, no self)": lambda L, x, s: x.scatter_reduce_(
        0, idx(L, [[0, 0, 2, 2]]), s.reshape(-1)[None, :4], "mean", include_self=False),
    "scatter_reduce_(sum)": lambda L, x, s: x.scatter_reduce_(1, idx(L, S), s[:, :2], "sum"),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_match_torch_on_a_non_leaf(name):
    """In a graph (x = leaf * 1): values, the result is x itself, gradients to both."""
    def fn(L, a, s):
        x = a * 1
        out = INPLACE[name](L, x, s)
        assert out is x
        return x
    run_both(fn, X, SRC, grad=name not in NO_TORCH_GRADIENT)


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_refuse_a_leaf_that_requires_grad_and_bump_the_version(name):
    x, s = ta.tensor(X.copy(), requires_grad=True), ta.tensor(SRC)
    with pytest.raises(RuntimeError, match="leaf"):
        INPLACE[name](ta, x, s)
    with ta.no_grad():
        before = x._version
        INPLACE[name](ta, x, s)
    assert x._version == before + 1


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_on_integer_tensors_match_torch(name):
    run_both(lambda L, x, s: INPLACE[name](L, x.clone(), s), (X * 4).astype(np.int64),
             (SRC * 4).astype(np.int64))


def test_inplace_write_after_save_is_caught():
    x = ta.tensor(X.copy(), requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    y.index_fill_(1, ta.tensor([0]), 0.0)
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        z.backward()


# --- positions: nonzero / argwhere / where(cond) / searchsorted / bucketize ----------------

POSITIONS = {
    "nonzero": lambda L, x: x.nonzero(),
    "nonzero(as_tuple)": lambda L, x: L.nonzero(x, as_tuple=True),
    "argwhere": lambda L, x: L.argwhere(x),
    "where(cond)": lambda L, x: (selection.where if L is ta else L.where)(x != 0),
}
POSITION_INPUTS = {"floats": np.array([[0.0, 1.5], [np.nan, 0.0]]), "0-d": np.array(2.0),
                   "0-d zero": np.array(0), "empty": np.zeros((2, 0)),
                   "bools": np.array([True, False, True]), "3-d": (X > 0).reshape(2, 3, 2)}


@pytest.mark.parametrize("data", list(POSITION_INPUTS))
@pytest.mark.parametrize("name", list(POSITIONS))
def test_positions_match_torch(name, data):
    run_both(POSITIONS[name], POSITION_INPUTS[data], grad=False)


def test_where_with_three_arguments_is_the_differentiable_where():
    run_both(lambda L, a, b: (selection.where if L is ta else L.where)(a > 0, a, b), X, SRC[:, :1])


SEARCHES = {
    "searchsorted": lambda L, s, v: L.searchsorted(s, v),
    "searchsorted(right)": lambda L, s, v: L.searchsorted(s, v, right=True),
    "searchsorted(side=right, int32)": lambda L, s, v: L.searchsorted(s, v, side="right",
                                                                      out_int32=True),
    "searchsorted(scalar)": lambda L, s, v: L.searchsorted(s, 0.5),
    "searchsorted(sorter)": lambda L, s, v: L.searchsorted(s.flip(0), v, sorter=idx(
        L, [3, 2, 1, 0])),
    "searchsorted(2-d)": lambda L, s, v: L.searchsorted(s.expand(2, 4), v.reshape(2, 3)),
    "bucketize": lambda L, s, v: L.bucketize(v, s),
    "bucketize(right, int32)": lambda L, s, v: L.bucketize(v, s, right=True, out_int32=True),
}


@pytest.mark.parametrize("name", list(SEARCHES))
def test_searchsorted_and_bucketize_match_torch(name):
    run_both(SEARCHES[name], np.array([-1.0, 0.0, 0.5, 2.0]),
             np.array([0.5, -3.0, 0.0, 2.0, 9.0, 0.25]), grad=False)


def test_bad_searches_raise_as_in_torch():
    s, v = np.array([0.0, 1.0]), np.array([0.5])
    raise_both(lambda L, a, b: L.searchsorted(a, b, side="middle"), s, v)
    raise_both(lambda L, a, b: L.searchsorted(a, b, side="left", right=True), s, v)
    raise_both(lambda L, a, b: L.bucketize(b, a.expand(2, 2)), s, v)
    raise_both(lambda L, a, b: L.searchsorted(a.expand(2, 2), b.expand(3, 1)), s, v)
