"""The shape family beyond its op-table rows (ops/shape.py, api/shape.py): the API variants
(dims, negative dims, sections and indices, int / bool inputs, empty and 0-d tensors, bad
arguments) cross-checked with torch (values, dtypes, gradients, raise-versus-raise); which
results are views (memory and version counter shared, writes go through, gradients after
an in-place write through the view) and which are copies; and torch-free checks of values
and exact gradients.
"""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import ops

from tests.helpers import check_grads

RNG = np.random.default_rng(14)


def _data(shape, dtype):
    if dtype == "bool":
        return RNG.random(shape) > 0.5
    if dtype.startswith("int"):
        return RNG.integers(-5, 6, shape).astype(dtype)
    return RNG.uniform(-2, 2, shape).astype(dtype)


# --- torch-free: values and exact gradients -------------------------------------------------


def test_split_chunk_unbind_tensor_split_pieces():
    x = ta.arange(10)
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.shape for p in x.split([3, 7])] == [(3,), (7,)]
    assert [p.shape for p in x.chunk(4)] == [(3,), (3,), (3,), (1,)]
    assert [p.shape for p in x.tensor_split(4)] == [(3,), (3,), (2,), (2,)]
    assert [p.tolist() for p in x.tensor_split([2, 2, 8])] == [[0, 1], [], [2, 3, 4, 5, 6, 7],
                                                               [8, 9]]
    assert [p.tolist() for p in ta.unbind(x.reshape(2, 5), 0)][1] == [5, 6, 7, 8, 9]


def test_flip_roll_rot90_match_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ta.tensor(a)
    np.testing.assert_array_equal(ta.flip(x, (0, 2)).numpy(), np.flip(a, (0, 2)))
    np.testing.assert_array_equal(x.roll(-3).numpy(), np.roll(a, -3))
    np.testing.assert_array_equal(x.roll((1, 5), (2, 1)).numpy(), np.roll(a, (1, 5), (2, 1)))
    for k in range(-5, 6):
        np.testing.assert_array_equal(x.rot90(k, (2, 1)).numpy(), np.rot90(a, k, (2, 1)))


def test_repeat_tile_repeat_interleave_match_numpy():
    a = np.arange(6.0).reshape(2, 3)
    x = ta.tensor(a)
    np.testing.assert_array_equal(x.repeat(2, 1, 2).numpy(), np.tile(a, (2, 1, 2)))
    np.testing.assert_array_equal(ta.tile(x, (3,)).numpy(), np.tile(a, 3))
    np.testing.assert_array_equal(x.repeat_interleave(2).numpy(), np.repeat(a, 2))
    np.testing.assert_array_equal(x.repeat_interleave(ta.tensor([0, 3, 1]), dim=-1).numpy(),
                                  np.repeat(a, [0, 3, 1], axis=1))
    assert ta.repeat_interleave(ta.tensor([2, 0, 1])).tolist() == [0, 0, 2]


def test_repeat_interleave_gradient_counts_the_copies():
    x = ta.tensor(np.arange(4.0), requires_grad=True)
    counts = np.array([3, 0, 1, 2])
    x.repeat_interleave(ta.tensor(counts)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), counts)
    y = ta.tensor(np.ones((2, 2)), requires_grad=True)
    (y.repeat(3, 2) * 2).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.full((2, 2), 12.0))


def test_diag_diagonal_trace_tril_triu_match_numpy():
    a = np.arange(12.0).reshape(3, 4)
    x = ta.tensor(a)
    for k in (-3, -1, 0, 2, 5):
        np.testing.assert_array_equal(x.diag(k).numpy(), np.diag(a, k))
        np.testing.assert_array_equal(x.diagonal(k).numpy(), np.diagonal(a, k))
        np.testing.assert_array_equal(ta.diag(ta.tensor(a[0]), k).numpy(), np.diag(a[0], k))
        np.testing.assert_array_equal(x.tril(k).numpy(), np.tril(a, k))
        np.testing.assert_array_equal(x.triu(k).numpy(), np.triu(a, k))
    assert x.trace().item() == np.trace(a)


@pytest.mark.parametrize("fn", [
    lambda t: t.diagonal(1, 2, 0) * t.diagonal(-1, 0, 2),
    lambda t: t.diag_embed(-1, 2, 0).sum(1) ** 2,
    lambda t: t[0, 0].diag(1).tril() * t[1].triu(-1).diag().sum(),
    lambda t: ta.meshgrid(t[0, 0], t[1, 1], indexing="ij")[0] * t[0, 2, :, None],
    lambda t: ta.column_stack([t[0, 0], t[1].T]).rot90(3),
], ids=["diagonal", "diag_embed", "diag tril triu", "meshgrid", "column_stack rot90"])
def test_gradients_of_compositions_match_central_differences(fn):
    check_grads(fn, RNG.uniform(-1, 1, (2, 3, 4)))


def test_atleast_returns_the_same_tensor_when_it_has_the_dims():
    x = ta.zeros(2, 3)
    assert ta.atleast_1d(x) is x and ta.atleast_2d(x) is x
    assert ta.atleast_3d(x).shape == (2, 3, 1)
    assert [t.shape for t in ta.atleast_2d(ta.zeros(()), ta.zeros(3))] == [(1, 1), (1, 3)]
    assert ta.atleast_1d() == ()


def test_broadcast_shapes_and_tensors():
    assert ta.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    with pytest.raises(RuntimeError, match="broadcast"):
        ta.broadcast_shapes((2, 1), (3, 4))
    a, b = ta.broadcast_tensors(ta.zeros(2, 1), ta.ones(3))
    assert a.shape == b.shape == (2, 3)


def test_meshgrid_without_indexing_warns_as_torch():
    with pytest.warns(UserWarning, match="indexing"):
        x, _ = ta.meshgrid(ta.zeros(2), ta.zeros(3))
    assert x.shape == (2, 3)


def test_module_functions_for_tensor_methods():
    x = ta.arange(6.0).reshape(2, 3)
    assert ta.reshape(x, (3, 2)).shape == (3, 2) and ta.permute(x, (1, 0)).shape == (3, 2)
    assert ta.transpose(x, 0, 1).shape == ta.swapaxes(x, 0, 1).shape == (3, 2)
    assert ta.swapdims(x, 1, 0).shape == x.moveaxis(0, 1).shape == (3, 2)
    assert ta.squeeze(x[None], 0).shape == (2, 3) and ta.unsqueeze(x, 1).shape == (2, 1, 3)
    assert ta.flatten(x).shape == (6,) and ta.t(x).shape == (3, 2)
    assert ta.concat([x, x], 1).shape == ta.concatenate([x, x], axis=1).shape == (2, 6)
    assert ta.narrow(x, 1, -2, 2).tolist() == [[1.0, 2.0], [4.0, 5.0]]


def test_a_wrong_rule_fails_the_row():
    """The rows have teeth: flip's rule without its flip is caught by the sweep."""
    from tests.test_ops import check_row_gradient
    rule = ops.shape.Flip.backward
    ops.shape.Flip.backward = lambda self, g, dims: g
    try:
        with pytest.raises(AssertionError, match="gradient of input 0"):
            check_row_gradient(ops.OPS["flip"])
    finally:
        ops.shape.Flip.backward = rule


# --- views: memory and the version counter shared, writes go through ------------------------

VIEWS = [
    ("split", lambda x: x.split(2, 1)[1]),
    ("split sections", lambda x: x.split([1, 2], 0)[1]),
    ("chunk", lambda x: x.chunk(2, -1)[0]),
    ("unbind", lambda x: x.unbind(1)[2]),
    ("tensor_split", lambda x: x.tensor_split([1], 1)[1]),
    ("hsplit", lambda x: x.hsplit(2)[1]),
    ("narrow", lambda x: x.narrow(0, 1, 2)),
    ("diagonal", lambda x: x.diagonal(1)),
    ("diagonal of a transpose", lambda x: x.T.diagonal(-1)),
    ("movedim", lambda x: x.movedim(0, 1)),
    ("unflatten", lambda x: x.unflatten(1, (2, 2))),
    ("view_as", lambda x: x.view_as(ta.zeros(4, 3))),
    ("swapdims", lambda x: x.swapdims(0, 1)),
    ("atleast_3d", lambda x: ta.atleast_3d(x)),
]


@pytest.mark.parametrize("make", [v[1] for v in VIEWS], ids=[v[0] for v in VIEWS])
def test_views_share_memory_and_the_version_counter(make):
    x = ta.tensor(np.arange(12.0).reshape(3, 4))
    v = make(x)
    assert np.shares_memory(v.numpy(), x.numpy()) and v._counter is x._counter
    before = x._version
    with ta.no_grad():
        v.mul_(10.0)
    assert x._version == before + 1
    assert np.isclose(x.numpy().sum(), 66 + 9 * v.numpy().sum() / 10)


@pytest.mark.parametrize("make", [
    lambda x: x.expand_as(ta.zeros(2, 3, 4)), lambda x: x.broadcast_to((2, 3, 4)),
    lambda x: ta.broadcast_tensors(x, ta.zeros(2, 1, 1))[0],
    lambda x: ta.meshgrid(x[0], x[1], indexing="ij")[0]], ids=["expand_as", "broadcast_to",
                                                               "broadcast_tensors", "meshgrid"])
def test_broadcasting_views_share_memory(make):
    x = ta.tensor(np.arange(12.0).reshape(3, 4))
    v = make(x)
    assert np.shares_memory(v.numpy(), x.numpy()) and v._counter is x._counter


COPIES = [
    lambda x: x.flip(0), lambda x: x.fliplr(), lambda x: x.flipud(), lambda x: x.roll(1),
    lambda x: x.rot90(), lambda x: x.rot90(0), lambda x: x.repeat(1, 1), lambda x: x.tile(1),
    lambda x: x.repeat_interleave(1, 0), lambda x: x.tril(), lambda x: x.triu(),
    lambda x: x.diag(), lambda x: ta.hstack([x]), lambda x: ta.vstack([x]),
]


@pytest.mark.parametrize("make", COPIES)
def test_copies_share_no_memory(make):
    x = ta.tensor(np.arange(12.0).reshape(3, 4))
    y = make(x)
    assert not np.shares_memory(y.numpy(), x.numpy()) and y._counter is not x._counter


def test_a_write_into_a_diagonal_writes_the_base():
    x = ta.zeros(3, 3)
    x.diagonal().fill_(1.0)
    np.testing.assert_array_equal(x.numpy(), np.eye(3))
    x.diagonal(1)[0] = 5.0
    assert x[0, 1].item() == 5.0


def test_a_leafs_diagonal_cannot_change_in_place_in_grad_mode():
    x = ta.zeros(3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        x.diagonal().mul_(2.0)
    with pytest.raises(RuntimeError, match="leaf"):
        x.tril_()


def test_saved_then_changed_through_a_diagonal_is_caught():
    w = ta.ones(3, 3, requires_grad=True)
    y = w * 1.0
    z = (y * y).sum()  # Mul saves y
    y.diagonal().add_(1.0)
    with pytest.raises(RuntimeError, match="in-place"):
        z.backward()


# --- torch cross-checks: values, dtypes and raise-versus-raise ------------------------------

# (name, fn(lib, x)) run on each shape and dtype below, in both libraries
CALLS = [
    ("split(1)", lambda L, x: x.split(1)), ("split(2, -1)", lambda L, x: x.split(2, -1)),
    ("split(0)", lambda L, x: x.split(0)), ("split(-1)", lambda L, x: x.split(-1)),
    ("split([1, 1])", lambda L, x: x.split([1, 1])), ("split(1, 3)", lambda L, x: x.split(1, 3)),
    ("chunk(2)", lambda L, x: x.chunk(2)), ("chunk(5, -1)", lambda L, x: x.chunk(5, -1)),
    ("chunk(0)", lambda L, x: x.chunk(0)), ("unbind()", lambda L, x: x.unbind()),
    ("unbind(-1)", lambda L, x: x.unbind(-1)),
    ("tensor_split(3)", lambda L, x: x.tensor_split(3)),
    ("tensor_split([1, 9], -1)", lambda L, x: x.tensor_split([1, 9], -1)),
    ("tensor_split(tensor(2))", lambda L, x: x.tensor_split(L.tensor(2))),
    ("tensor_split(tensor([0, 1]))", lambda L, x: x.tensor_split(L.tensor([0, 1]))),
    ("tensor_split(0)", lambda L, x: x.tensor_split(0)),
    ("hsplit(1)", lambda L, x: x.hsplit(1)), ("hsplit([1])", lambda L, x: x.hsplit([1])),
    ("vsplit(1)", lambda L, x: x.vsplit(1)), ("dsplit([1])", lambda L, x: x.dsplit([1])),
    ("narrow(0, 0, 1)", lambda L, x: x.narrow(0, 0, 1)),
    ("narrow(-1, -1, 1)", lambda L, x: x.narrow(-1, -1, 1)),
    ("narrow(0, 1, 5)", lambda L, x: x.narrow(0, 1, 5)),
    ("narrow(0, 0, -1)", lambda L, x: x.narrow(0, 0, -1)),
    ("flip(0)", lambda L, x: x.flip(0)), ("flip(-1, 0)", lambda L, x: x.flip(-1, 0)),
    ("flip(0, 0)", lambda L, x: x.flip(0, 0)), ("flip(())", lambda L, x: x.flip(())),
    ("fliplr", lambda L, x: x.fliplr()), ("flipud", lambda L, x: x.flipud()),
    ("roll(1)", lambda L, x: x.roll(1)), ("roll(-7, 0)", lambda L, x: x.roll(-7, 0)),
    ("roll((1, 2), (0, -1))", lambda L, x: x.roll((1, 2), (0, -1))),
    ("roll((1, 2))", lambda L, x: x.roll((1, 2))), ("roll(1, (0, 1))", lambda L, x: x.roll(
        1, (0, 1))), ("roll(1, 5)", lambda L, x: x.roll(1, 5)),
    ("rot90", lambda L, x: x.rot90()), ("rot90(2, (1, 0))", lambda L, x: x.rot90(2, (1, 0))),
    ("rot90(-1, (0, -1))", lambda L, x: x.rot90(-1, (0, -1))),
    ("rot90(1, (0, 0))", lambda L, x: x.rot90(1, (0, 0))),
    ("repeat(2, 1, 1)", lambda L, x: x.repeat(2, 1, 1)),
    ("repeat((1, 2, 1, 1))", lambda L, x: x.repeat((1, 2, 1, 1))),
    ("repeat(2)", lambda L, x: x.repeat(2)), ("repeat(0, 1, 1)", lambda L, x: x.repeat(0, 1, 1)),
    ("tile(2)", lambda L, x: x.tile(2)), ("tile(())", lambda L, x: x.tile(())),
    ("tile(2, 1, 1, 1)", lambda L, x: x.tile(2, 1, 1, 1)),
    ("repeat_interleave(2)", lambda L, x: x.repeat_interleave(2)),
    ("repeat_interleave(2, -1)", lambda L, x: x.repeat_interleave(2, -1)),
    ("repeat_interleave(tensor)", lambda L, x: x.repeat_interleave(L.tensor([1, 0]), 0)),
    ("repeat_interleave(tensor(3))", lambda L, x: x.repeat_interleave(L.tensor(3), 0)),
    ("repeat_interleave(-1)", lambda L, x: x.repeat_interleave(-1)),
    ("repeat_interleave(tensor([1, -1]))",
     lambda L, x: x.repeat_interleave(L.tensor([1, -1]), 0)),
    ("repeat_interleave output_size", lambda L, x: x.repeat_interleave(
        1, 0, output_size=x.shape[0] if x.ndim else 1)),
    ("movedim(0, -1)", lambda L, x: x.movedim(0, -1)),
    ("movedim((0, 1), (1, 0))", lambda L, x: x.movedim((0, 1), (1, 0))),
    ("movedim((0, 0), (1, 0))", lambda L, x: x.movedim((0, 0), (1, 0))),
    ("moveaxis(-1, 0)", lambda L, x: x.moveaxis(-1, 0)),
    ("swapdims(0, -1)", lambda L, x: x.swapdims(0, -1)),
    ("unflatten(0, (1, -1))", lambda L, x: x.unflatten(0, (1, -1))),
    ("unflatten(-1, (2, 2))", lambda L, x: x.unflatten(-1, (2, 2))),
    ("broadcast_to((2, -1, 4))", lambda L, x: x.broadcast_to((2, -1, 4))),
    ("expand_as", lambda L, x: x.expand_as(L.zeros(2, 3, 4))),
    ("view_as", lambda L, x: x.reshape(-1).view_as(x)),
    ("reshape_as", lambda L, x: x.movedim(0, -1).reshape_as(x)),
    ("atleast_1d", lambda L, x: L.atleast_1d(x)), ("atleast_2d", lambda L, x: L.atleast_2d(x)),
    ("atleast_3d", lambda L, x: L.atleast_3d(x)),
    ("atleast_2d(list)", lambda L, x: L.atleast_2d([x, x])),
    ("hstack", lambda L, x: L.hstack([x, x])), ("vstack", lambda L, x: L.vstack([x, x])),
    ("dstack", lambda L, x: L.dstack([x, x])),
    ("column_stack", lambda L, x: L.column_stack([x, x])),
    ("tril", lambda L, x: x.tril()), ("triu(-1)", lambda L, x: x.triu(-1)),
    ("tril(7)", lambda L, x: x.tril(7)), ("diag", lambda L, x: x.diag()),
    ("diag(1)", lambda L, x: x.diag(1)), ("diag(-9)", lambda L, x: x.diag(-9)),
    ("diagonal", lambda L, x: x.diagonal()), ("diagonal(1, -1, 0)", lambda L, x: x.diagonal(
        1, -1, 0)), ("diagonal(0, 1, 1)", lambda L, x: x.diagonal(0, 1, 1)),
    ("diag_embed", lambda L, x: x.diag_embed()),
    ("diag_embed(1, 0, 2)", lambda L, x: x.diag_embed(1, 0, 2)),
    ("diag_embed(-2, -1, 0)", lambda L, x: x.diag_embed(-2, -1, 0)),
    ("trace", lambda L, x: x.trace()),
    ("meshgrid ij", lambda L, x: L.meshgrid(x.reshape(-1), x.reshape(-1)[:2], indexing="ij")),
    ("meshgrid xy", lambda L, x: L.meshgrid(x.reshape(-1)[:3], x.reshape(-1), x.reshape(-1)[
        :1], indexing="xy")),
    ("broadcast_tensors", lambda L, x: L.broadcast_tensors(x, L.zeros(1, 1))),
]
SHAPES = [(), (4,), (2, 3), (3, 4), (2, 3, 4), (0,), (2, 0), (1, 2, 2)]
DTYPES = ["float64", "float32", "int64", "int32", "bool"]


def _compare(ours, theirs, where):
    torch = pytest.importorskip("torch")
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ta.Tensor), where
        assert ours.shape == tuple(theirs.shape), where
        assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.")), where
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=where)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, where


def _run(fn, lib, x):
    try:
        return fn(lib, x), None
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        return None, e


# NOTE: the framework's expand raises ValueError for shapes that do not broadcast (the
# project's rule for shape mismatches, see tests/test_ops.py SHAPE_ERRORS); torch a
# RuntimeError. broadcast_to and expand_as are expand.
VALUE_ERRORS = {"broadcast_to((2, -1, 4))", "expand_as"}


@pytest.mark.torch
@pytest.mark.parametrize("name, fn", CALLS, ids=[c[0] for c in CALLS])
def test_values_dtypes_and_errors_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    for shape in SHAPES:
        for dtype in DTYPES:
            a = _data(shape, dtype)
            where = f"{name} on {dtype}{list(shape)}"
            ours, our_error = _run(fn, ta, ta.tensor(a))
            theirs, error = _run(fn, torch, torch.tensor(a))
            if error is not None:
                assert our_error is not None, f"{where}: torch raises {error!r}, we run"
                expected = (type(error), ValueError) if name in VALUE_ERRORS else type(error)
                assert isinstance(our_error, expected) or isinstance(
                    error, type(our_error)), f"{where}: {our_error!r} vs {error!r}"
                continue
            assert our_error is None, f"{where}: we raise {our_error!r}, torch runs"
            _compare(ours, theirs, where)


# (name, fn(lib, *tensors), shapes): gradients against torch in float64
GRADS = [
    ("split sections dim=-1", lambda L, x: L.cat(x.split([3, 1], -1)[::-1], -1), [(2, 4)]),
    ("chunk uneven", lambda L, x: x.chunk(3, 1)[-1] * x.chunk(3, 1)[0], [(2, 5, 2)]),
    ("unbind dim=-1", lambda L, x: L.stack(x.unbind(-1)[::-1]), [(2, 3)]),
    ("tensor_split crossing", lambda L, x: L.cat(x.tensor_split([3, 1], 0), 0), [(4, 2)]),
    ("flip 3 dims", lambda L, x: x.flip(0, 1, 2) * x, [(2, 3, 2)]),
    ("roll flat negative", lambda L, x: x.roll(-4) * x, [(2, 3)]),
    ("rot90 k=3 dims (1, 0)", lambda L, x: x.rot90(3, (1, 0)) ** 2, [(2, 3, 4)]),
    ("repeat new dims", lambda L, x: x.repeat(2, 1, 2, 3) ** 2, [(3, 2)]),
    ("tile fewer", lambda L, x: x.tile(2, 1) ** 2, [(2, 3, 1)]),
    ("repeat_interleave 0-d", lambda L, x: x.repeat_interleave(3) * 2, [()]),
    ("repeat_interleave zeros", lambda L, x: x.repeat_interleave(L.tensor([0, 2, 0]), -1) ** 2,
     [(2, 3)]),
    ("movedim negative", lambda L, x: x.movedim(-1, 0) * L.arange(4.0).reshape(4, 1, 1),
     [(2, 3, 4)]),
    ("diagonal offset below", lambda L, x: x.diagonal(-1, 0, 2) ** 2, [(3, 2, 4)]),
    ("diagonal 2-d wide", lambda L, x: x.diagonal(2) ** 2, [(3, 5)]),
    ("diag_embed dims", lambda L, x: x.diag_embed(-1, 0, 2) ** 2, [(2, 3)]),
    ("diag 1-d above", lambda L, x: x.diag(2) ** 2, [(3,)]),
    ("trace wide", lambda L, x: x.trace() ** 2, [(2, 5)]),
    ("tril 4-d", lambda L, x: x.tril(1) ** 2, [(2, 1, 3, 3)]),
    ("triu_ in graph", lambda L, x: (x * 1).triu_(-1) ** 2, [(3, 4)]),
    ("tril_ in graph", lambda L, x: (x * 1).tril_() * x, [(4, 3)]),
    ("diagonal written in place", lambda L, x: _write_diagonal(x), [(3, 3)]),
    ("narrow written in place", lambda L, x: _write_piece(x, lambda y: y.narrow(0, 2, 2)),
     [(4, 2)]),
    ("hstack 1-d", lambda L, x, y: L.hstack([x, y, x]) ** 2, [(3,), (2,)]),
    ("vstack 0-d", lambda L, x, y: L.vstack([x, y]) ** 2, [(), ()]),
    ("dstack 2-d", lambda L, x, y: L.dstack([x, y]) ** 2, [(2, 3), (2, 3)]),
    ("column_stack 0-d", lambda L, x, y: L.column_stack([x, y]) ** 2, [(), (1, 2)]),
    ("meshgrid ij 3", lambda L, x, y: _grid_product(L, x, y), [(2,), (3,)]),
    ("broadcast_tensors 3", lambda L, x, y: L.stack(L.broadcast_tensors(x, y, x)) ** 2,
     [(3, 1), (4,)]),
]


def _write_diagonal(x):
    y = x * 2
    y.diagonal(1).mul_(3)
    return y * y


def _write_piece(x, piece):
    y = x * 1
    piece(y).add_(y[:2] * 3)
    return y


def test_a_split_piece_refuses_in_place_writes_as_torch_and_narrow_allows_them():
    """torch refuses an in-place write to a piece of split / chunk / unbind (outputs of a
    function that returns several views) in grad mode; narrow's view is an ordinary one."""
    a = RNG.uniform(-2, 2, (4, 2))
    for piece in (lambda y: y.split(2)[1], lambda y: y.chunk(2)[1]):
        x = ta.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
            _write_piece(x, piece)
    x = ta.tensor(a, requires_grad=True)
    (_write_piece(x, lambda y: y.narrow(0, 2, 2)) ** 2).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def _grid_product(L, x, y):
    a, b, c = L.meshgrid(x, y, x, indexing="ij")
    return a * b + c ** 2


@pytest.mark.torch
@pytest.mark.parametrize("name, fn, shapes", GRADS, ids=[g[0] for g in GRADS])
def test_gradients_match_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    arrays = [RNG.uniform(-2, 2, s) for s in shapes]
    ours = [ta.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(ta, *ours), fn(torch, *theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    weight = RNG.standard_normal(out.shape)
    out.backward(weight)
    tout.backward(torch.tensor(weight))
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name, fn", [
    ("diagonal", lambda x: x.diagonal()), ("unbind", lambda x: x.unbind(1)[0]),
    ("narrow", lambda x: x.narrow(1, 1, 2)), ("movedim", lambda x: x.movedim(0, 1)),
    ("diag", lambda x: x.diag()), ("flip", lambda x: x.flip(0)), ("tril", lambda x: x.tril()),
    ("repeat", lambda x: x.repeat(1, 1)), ("roll", lambda x: x.roll(1))],
    ids=lambda v: v if isinstance(v, str) else "")
def test_views_where_torch_makes_views(name, fn):
    torch = pytest.importorskip("torch")
    x, tx = ta.zeros(3, 4), torch.zeros(3, 4)
    y, ty = fn(x), fn(tx)
    ty.add_(1.0)
    y.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    assert (y._counter is x._counter) == ty._is_view()


@pytest.mark.torch
def test_in_place_tril_matches_torch_versions_and_values():
    torch = pytest.importorskip("torch")
    a = RNG.uniform(-1, 1, (3, 3))
    x, tx = ta.tensor(a), torch.tensor(a)
    assert x.tril_(-1) is x and tx.tril_(-1) is tx
    assert x.triu_() is x
    tx.triu_()
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    assert x._version == tx._version == 2
    with pytest.raises(RuntimeError):
        ta.zeros(3).tril_()
    with pytest.raises(RuntimeError):
        torch.zeros(3).tril_()
