"""Views as copies, the scatters, diagflat, unravel_index, put and sum_to_size
(tinygrad_acts/view_copies.py) against torch: values, dtypes, gradients, fresh memory,
and the errors torch raises."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_acts as ta

from tests.test_torch_compare_helpers import compare, raises_as_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

RNG = np.random.default_rng(3)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((2, 3, 4))
COL = RNG.standard_normal((3, 1))

COPIES = [
    ("view_copy", lambda m, x: m.view_copy(x, (4, 3)), [A]),
    ("permute_copy", lambda m, x: m.permute_copy(x, (2, 0, 1)), [B]),
    ("t_copy", lambda m, x: m.t_copy(x), [A]),
    ("transpose_copy", lambda m, x: m.transpose_copy(x, 0, 2), [B]),
    ("squeeze_copy", lambda m, x: m.squeeze_copy(x), [COL]),
    ("squeeze_copy dim", lambda m, x: m.squeeze_copy(x, 1), [COL]),
    ("unsqueeze_copy", lambda m, x: m.unsqueeze_copy(x, 1), [A]),
    ("diagonal_copy", lambda m, x: m.diagonal_copy(x, 1), [A]),
    ("diagonal_copy dims", lambda m, x: m.diagonal_copy(x, -1, 1, 2), [B]),
    ("expand_copy", lambda m, x: m.expand_copy(x, (2, 3, 4)), [COL]),
    ("alias_copy", lambda m, x: m.alias_copy(x), [A]),
    ("select_copy", lambda m, x: m.select_copy(x, 1, -1), [B]),
    ("slice_copy", lambda m, x: m.slice_copy(x, 1, 1, 4, 2), [A]),
    ("slice_copy defaults", lambda m, x: m.slice_copy(x), [A]),
    ("split_copy", lambda m, x: m.split_copy(x, 3, 1)[1], [A]),
    ("split_with_sizes_copy", lambda m, x: m.split_with_sizes_copy(x, [1, 3], 1)[1], [A]),
    ("unbind_copy", lambda m, x: m.unbind_copy(x, 1)[2], [A]),
    ("narrow_copy", lambda m, x: m.narrow_copy(x, 1, 1, 2), [A]),
    ("narrow_copy method", lambda m, x: x.narrow_copy(0, 1, 2), [A]),
    ("unfold_copy", lambda m, x: m.unfold_copy(x, 1, 2, 1), [A]),
]

SCATTERS = [
    ("select_scatter", lambda m, x, s: m.select_scatter(x, s, 1, 2), [A, A[:, 0].copy()]),
    ("select_scatter negative", lambda m, x, s: x.select_scatter(s, -1, -1), [B, B[..., 0].copy()]),
    ("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, 1, 0, 4, 2), [A, A[:, :2].copy()]),
    ("slice_scatter defaults", lambda m, x, s: x.slice_scatter(s), [A, A[::-1].copy()]),
    ("diagonal_scatter", lambda m, x, s: m.diagonal_scatter(x, s), [A, A[0, :3].copy()]),
    ("diagonal_scatter offset", lambda m, x, s: m.diagonal_scatter(x, s, 2), [A, A[0, :2].copy()]),
    ("diagonal_scatter below", lambda m, x, s: x.diagonal_scatter(s, -1), [A, A[0, :2].copy()]),
    ("diagonal_scatter dims", lambda m, x, s: m.diagonal_scatter(x, s, 1, 1, 2),
     [B, B[:, 0, :3].copy()]),
    ("diagonal_scatter far dims", lambda m, x, s: m.diagonal_scatter(x, s, 0, 0, 2),
     [B, B[0, :, :2].copy()]),
    ("diagflat", lambda m, x: m.diagflat(x), [A[:2, :2].copy()]),
    ("diagflat offset", lambda m, x: x.diagflat(-2), [A[0].copy()]),
    ("put", lambda m, x, s: x.put(m.tensor([0, 5, -1]), s), [A, A[0, :3].copy()]),
    ("put accumulate", lambda m, x, s: m.put(x, m.tensor([1, 1, -1]), s, accumulate=True),
     [A, A[0, :3].copy()]),
    ("sum_to_size", lambda m, x: x.sum_to_size(3, 1), [A]),
    ("sum_to_size leading", lambda m, x: x.sum_to_size((1, 4)), [B]),
    ("sum_to_size same", lambda m, x: x.sum_to_size(3, 4) * 1, [A]),
    ("index_reduce prod", lambda m, x, s: x.index_reduce(1, m.tensor([0, 3, 0]), s, "prod"),
     [A, A[:, :3] + 0.5]),
    ("index_reduce mean", lambda m, x, s: m.index_reduce(x, 0, m.tensor([2, 2]), s, "mean"),
     [A, A[:2] * 2]),
    ("index_reduce amax", lambda m, x, s: x.index_reduce(1, m.tensor([1, 1, 2]), s, "amax",
                                                         include_self=False), [A, A[:, :3] * 3]),
    ("index_reduce amin", lambda m, x, s: x.index_reduce(0, m.tensor([0, 1]), s, "amin"),
     [A, A[1:3] * -1]),
    ("unravel_index", lambda m: m.unravel_index(m.tensor([[0, 5], [11, -3]]), (3, 4)), []),
    ("unravel_index int", lambda m: m.unravel_index(m.tensor(7), 9), []),
    ("unravel_index wraps", lambda m: m.unravel_index(m.tensor([6, -7, 13]), (2, 3)), []),
    ("view_copy of a transpose", lambda m, x: m.view_copy(x.t(), (12,)), [A]),
    ("select_scatter casts src", lambda m, x, s: m.select_scatter(x, s.float(), 1, 0),
     [A, A[:, 0].copy()]),
]


@pytest.mark.parametrize("name, fn, arrays", COPIES + SCATTERS,
                         ids=[c[0] for c in COPIES + SCATTERS])
def test_same_as_torch(name, fn, arrays):
    compare(torch, fn, arrays)


@pytest.mark.parametrize("name, fn, arrays", COPIES, ids=[c[0] for c in COPIES])
def test_copies_share_no_memory_and_are_row_major(name, fn, arrays):
    x = ta.tensor(arrays[0])
    out = fn(ta, x)
    assert not np.shares_memory(out.numpy(), x.numpy())
    assert out.numpy().flags.c_contiguous


def test_detach_copy_is_outside_the_graph():
    """torch's detach_copy claims to require grad, but has no backward (NotImplemented):
    ours is a plain constant copy."""
    x = ta.tensor(A, requires_grad=True)
    out = ta.detach_copy(x)
    assert not out.requires_grad and not np.shares_memory(out.numpy(), x.numpy())
    np.testing.assert_array_equal(out.numpy(), torch.detach_copy(torch.tensor(A)).numpy())


def test_index_reduce_in_place():
    for m in (ta, torch):
        x = m.ones(2, 3)
        assert x.index_reduce_(1, m.tensor([0, 0]), m.tensor([[2.0, 3.0], [4.0, 5.0]]),
                               "prod") is x
        assert x.tolist() == [[6.0, 1.0, 1.0], [20.0, 1.0, 1.0]]


def test_put_in_place():
    for m in (ta, torch):
        x = m.zeros(2, 3)
        assert x.put_(m.tensor([1, -1]), m.tensor([5.0, 6.0])) is x
        assert x.tolist() == [[0.0, 5.0, 0.0], [0.0, 0.0, 6.0]]
        x.put_(m.tensor([1, 1]), m.tensor([1.0, 1.0]), accumulate=True)
        assert x.tolist()[0][1] == 7.0


def test_put_in_place_is_tracked():
    w = ta.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    x.put_(ta.tensor([0]), ta.tensor([9.0]))
    x.sum().backward()
    assert w.grad.tolist() == [0.0, 1.0, 1.0]


ERRORS = [
    ("select_scatter shape", lambda m, x: m.select_scatter(x, x[0], 1, 0), [A]),
    ("slice_scatter shape", lambda m, x: m.slice_scatter(x, x, 1, 0, 2), [A]),
    ("diagonal_scatter shape", lambda m, x: m.diagonal_scatter(x, x[0]), [A]),
    ("put length", lambda m, x: x.put(m.tensor([0, 1]), x[0, :1]), [A]),
    ("put out of range", lambda m, x: x.put(m.tensor([12]), x[0, :1]), [A]),
    ("put int32 index", lambda m, x: x.put(m.tensor([1], dtype=m.int32), x[0, :1]), [A]),
    ("sum_to_size", lambda m, x: x.sum_to_size(2, 4), [A]),
    ("sum_to_size more dims", lambda m, x: x.sum_to_size(1, 3, 4), [A]),
    ("sum_to_size no size", lambda m, x: x.sum_to_size(), [A]),
    ("unravel_index float", lambda m: m.unravel_index(m.tensor([1.0]), (2,)), []),
    ("unravel_index negative shape", lambda m: m.unravel_index(m.tensor([0]), (2, -3)), []),
    ("index_reduce reduce", lambda m, x: x.index_reduce(0, m.tensor([0]), x[:1], "sum"), [A]),
    ("index_reduce source shape", lambda m, x: x.index_reduce(0, m.tensor([0]), x[:2], "prod"),
     [A]),
    ("index_reduce dtype", lambda m, x: x.index_reduce(0, m.tensor([0]), x[:1].float(), "prod"),
     [A]),
    ("split_with_sizes_copy sum", lambda m, x: m.split_with_sizes_copy(x, [1, 1], 1), [A]),
]


@pytest.mark.parametrize("name, fn, arrays", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_as_torch(name, fn, arrays):
    ours = {"put out of range": IndexError, "unravel_index float": TypeError,
            "index_reduce source shape": (RuntimeError, IndexError)}.get(name)
    raises_as_torch(torch, fn, arrays, ours_type=ours)
