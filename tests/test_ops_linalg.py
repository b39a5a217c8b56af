"""Linear algebra beyond the op table's rows (ops/linalg.py): the API variants (ranks,
dims, dtypes, broadcasting, bad arguments) against torch, raise for raise; gradients at the
points the rows avoid (singular matrices, repeated einsum letters, every matmul rank); and
torch-free checks of the rules and the error messages."""
import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.ops import linalg as L

from tests.helpers import check_grads, check_second_grads

_rng = np.random.default_rng(7)


def U(*shape):
    return _rng.uniform(-2, 2, shape)


def I(*shape, dtype=np.int64):  # noqa: E743 - integer data
    return _rng.integers(-3, 4, shape).astype(dtype)


def B(*shape):
    return _rng.random(shape) < 0.5


# --- torch-free: rules, gradients, messages -----------------------------------------------------


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix():
    a = ta.tensor(np.ones((3, 3)), requires_grad=True)
    ta.det(a).backward()
    np.testing.assert_allclose(a.grad.numpy(), np.zeros((3, 3)), atol=1e-12)
    b = ta.tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    ta.det(b).backward()
    np.testing.assert_allclose(b.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_cofactors_agree_with_det_times_inverse():
    a = U(2, 4, 4)
    want = np.linalg.det(a)[..., None, None] * np.linalg.inv(a).transpose(0, 2, 1)
    np.testing.assert_allclose(L.cofactors(a), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("eq, shapes", [
    ("ii->i", [(3, 3)]), ("iij->j", [(2, 2, 3)]), ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("...i,...i->...", [(2, 1, 3), (4, 3)]), ("ij->j", [(3, 4)]), ("i,i", [(3,), (3,)]),
    ("bi,j->bij", [(2, 3), (4,)]), ("ij,ij->", [(1, 3), (2, 3)]), ("ji", [(2, 3)]),
])
def test_einsum_gradients(eq, shapes):
    xs = [U(*s) for s in shapes]
    np.testing.assert_allclose(ta.einsum(eq, *[ta.tensor(x) for x in xs]).numpy(),
                               np.einsum(eq, *xs), rtol=1e-12)
    check_grads(lambda *ts: ta.einsum(eq, *ts), *xs)
    check_second_grads(lambda *ts: ta.einsum(eq, *ts) ** 2, *xs)


def test_einsum_takes_one_list_of_operands_and_spaces():
    a, b = U(2, 3), U(3, 4)
    got = ta.einsum("ij, jk -> ik", [ta.tensor(a), ta.tensor(b)])
    np.testing.assert_allclose(got.numpy(), a @ b, rtol=1e-12)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (4, 3, 2)), ((4, 2, 3), (3,)),
    ((2, 1, 2, 3), (4, 3, 2)), ((1, 3), (2, 2, 3, 1)),
])
def test_matmul_gradients_at_every_rank(a_shape, b_shape):
    check_grads(lambda a, b: ta.matmul(a, b), U(*a_shape), U(*b_shape))


def test_solve_and_inverse_second_derivatives_and_left_false():
    a = U(3, 3) / 8 + np.eye(3)
    check_second_grads(lambda t: ta.linalg.inv(t).sum(-1) ** 2, a)
    check_grads(lambda t, b: ta.linalg.solve(t, b, left=False), a, U(2, 3))
    check_second_grads(lambda t, b: ta.linalg.solve(t, b) ** 2, a, U(3))
    check_second_grads(lambda t: ta.det(t) ** 2, a)


ERRORS = [
    ("mm", lambda: ta.mm(ta.ones(2, 3), ta.ones(2, 3)), r"mm.*\(2, 3\) and \(2, 3\)"),
    ("mv", lambda: ta.mv(ta.ones(2, 3), ta.ones(2)), r"mv.*\(2, 3\) and \(2,\)"),
    ("bmm", lambda: ta.bmm(ta.ones(2, 2, 3), ta.ones(3, 3, 2)), r"bmm.*\(2, 2, 3\)"),
    ("dot", lambda: ta.dot(ta.ones(3), ta.ones(2)), r"dot.*\(3,\) and \(2,\)"),
    ("inner", lambda: ta.inner(ta.ones(3), ta.ones(2)), r"inner.*\(3,\) and \(2,\)"),
    ("tensordot", lambda: ta.tensordot(ta.ones(2, 3), ta.ones(2, 3), dims=([0], [1])),
     r"tensordot.*\(2, 3\) and \(2, 3\)"),
    ("einsum", lambda: ta.einsum("ij,jk", ta.ones(2, 3), ta.ones(4, 2)), r"einsum.*\(4, 2\)"),
    ("cross", lambda: ta.cross(ta.ones(2, 4), ta.ones(2, 4)), r"cross.*\(2, 4\)"),
    ("det", lambda: ta.det(ta.ones(2, 3)), r"det.*\(2, 3\)"),
    ("solve", lambda: ta.linalg.solve(ta.eye(3), ta.ones(4)), r"solve.*\(3, 3\) and \(4,\)"),
    ("inv singular", lambda: ta.linalg.inv(ta.ones(2, 2)), r"singular"),
    ("dtype", lambda: ta.dot(ta.ones(2), ta.ones(2, dtype=np.float64)), r"dot.*dtype"),
]


@pytest.mark.parametrize("name, make, pattern", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_op_and_the_shapes(name, make, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        make()


def test_slogdet_returns_a_named_tuple_and_logdet_gives_nan_below_zero():
    sign, logabs = ta.slogdet(ta.tensor([[-2.0, 0.0], [0.0, 3.0]], dtype=np.float64))
    assert sign.item() == -1 and abs(logabs.item() - np.log(6)) < 1e-12
    assert type(ta.linalg.slogdet(ta.eye(2))).__name__ == "linalg_slogdet"
    assert np.isnan(ta.logdet(-ta.eye(3)).item())


# --- against torch: values, dtypes, raise for raise ------------------------------------------


def _run(lib, fn, arrays):
    ts = [lib.tensor(a) for a in arrays]
    try:
        return "ok", fn(lib, *ts)
    except Exception as e:  # noqa: BLE001 - any exception: raise versus raise
        return "raised", e


def _torch_dtype(t):
    return str(t.dtype).replace("torch.", "")


def both(fn, *arrays):
    """fn(lib, *tensors) in both libraries: both raise, or both give the same shape,
    dtype and values."""
    torch = pytest.importorskip("torch")
    ours, theirs = _run(ta, fn, arrays), _run(torch, fn, arrays)
    assert ours[0] == theirs[0], f"ours {ours}, torch {theirs}"
    if ours[0] == "raised":
        return
    got, want = ours[1], theirs[1]
    if isinstance(want, tuple):
        assert type(got).__name__ == type(want).__name__.split(".")[-1]
        for g, w in zip(got, want):
            _same(g, w)
    else:
        _same(got, want)


def _same(got, want):
    assert got.shape == tuple(want.shape)
    assert str(got.dtype) == _torch_dtype(want)
    np.testing.assert_allclose(got.numpy().astype(float), want.detach().numpy().astype(float),
                               rtol=1e-6, atol=1e-9)


def _m(n=3):
    return _rng.uniform(-2, 2, (n, n)) + 3 * np.eye(n)


VARIANTS = [
    # dot / vdot / mm / mv / bmm / outer / ger / inner: ranks, dtypes, bools, empty
    ("dot int", lambda t, a, b: t.dot(a, b), [I(3), I(3)]),
    ("dot f32 f64", lambda t, a, b: t.dot(a, b), [U(3).astype(np.float32), U(3)]),
    ("dot bool", lambda t, a, b: t.dot(a, b), [B(3), B(3)]),
    ("dot 2-d", lambda t, a, b: t.dot(a, b), [U(2, 2), U(2, 2)]),
    ("dot 0-d", lambda t, a, b: t.dot(a, b), [U(), U()]),
    ("dot empty", lambda t, a, b: t.dot(a, b), [U(0), U(0)]),
    ("vdot int32", lambda t, a, b: a.vdot(b), [I(3, dtype=np.int32), I(3, dtype=np.int32)]),
    ("mm int", lambda t, a, b: t.mm(a, b), [I(2, 3), I(3, 2)]),
    ("mm 1-d", lambda t, a, b: t.mm(a, b), [U(2, 3), U(3)]),
    ("mm mixed", lambda t, a, b: t.mm(a, b), [U(2, 3), I(3, 2)]),
    ("mm empty", lambda t, a, b: t.mm(a, b), [U(2, 0), U(0, 3)]),
    ("mv", lambda t, a, b: a.mv(b), [U(2, 3), U(3)]),
    ("mv bad", lambda t, a, b: a.mv(b), [U(2, 3), U(2)]),
    ("bmm", lambda t, a, b: a.bmm(b), [U(2, 3, 4), U(2, 4, 1)]),
    ("bmm no broadcast", lambda t, a, b: a.bmm(b), [U(1, 3, 4), U(2, 4, 1)]),
    ("bmm 2-d", lambda t, a, b: a.bmm(b), [U(3, 4), U(4, 1)]),
    ("outer int float", lambda t, a, b: t.outer(a, b), [I(3), U(2)]),
    ("outer bool", lambda t, a, b: t.outer(a, b), [B(3), B(2)]),
    ("outer 2-d", lambda t, a, b: t.outer(a, b), [U(2, 2), U(2)]),
    ("ger int", lambda t, a, b: a.ger(b), [I(3), I(2)]),
    ("inner 0-d int", lambda t, a, b: t.inner(a, b), [U(), I(2, 3)]),
    ("inner mixed", lambda t, a, b: t.inner(a, b), [I(3), U(3)]),
    ("inner bool", lambda t, a, b: t.inner(a, b), [B(3), B(3)]),
    ("inner int", lambda t, a, b: t.inner(a, b), [I(2, 3), I(3)]),
    ("inner empty", lambda t, a, b: t.inner(a, b), [U(0), U(0)]),
    # tensordot
    ("tensordot 0", lambda t, a, b: t.tensordot(a, b, dims=0), [U(2), U(3)]),
    ("tensordot 2", lambda t, a, b: t.tensordot(a, b, dims=2), [U(2, 3), U(2, 3)]),
    ("tensordot 3", lambda t, a, b: t.tensordot(a, b, dims=3), [U(2, 3), U(2, 3)]),
    ("tensordot -1", lambda t, a, b: t.tensordot(a, b, dims=-1), [U(2, 3), U(2, 3)]),
    ("tensordot lists", lambda t, a, b: t.tensordot(a, b, dims=[[0, 1], [1, 0]]),
     [U(2, 3, 4), U(3, 2)]),
    ("tensordot negative", lambda t, a, b: t.tensordot(a, b, dims=([-1], [0])),
     [U(2, 3), U(3, 2)]),
    ("tensordot int", lambda t, a, b: t.tensordot(a, b, dims=1), [I(2, 3), I(3)]),
    ("tensordot mixed", lambda t, a, b: t.tensordot(a, b, dims=1), [I(2, 3), U(3)]),
    # einsum
    ("einsum implicit", lambda t, a, b: t.einsum("ba,ac", a, b), [U(2, 3), U(3, 4)]),
    ("einsum upper", lambda t, a, b: t.einsum("Ba,aB->", a, b), [U(2, 3), U(3, 2)]),
    ("einsum ellipsis implicit", lambda t, a: t.einsum("b...a", a), [U(2, 4, 3)]),
    ("einsum ellipsis sum", lambda t, a: t.einsum("...->", a), [U(2, 4, 3)]),
    ("einsum ellipsis broadcast", lambda t, a, b: t.einsum("i...,i...->i", a, b),
     [U(2, 4), U(2, 3, 1)]),
    ("einsum diag sum", lambda t, a: t.einsum("iij->", a), [U(2, 2, 3)]),
    ("einsum int", lambda t, a, b: t.einsum("ij,j->i", a, b), [I(2, 3), I(3)]),
    ("einsum mixed", lambda t, a, b: t.einsum("i,i", a, b), [I(3), U(3)]),
    ("einsum bool sum", lambda t, a: t.einsum("ij->", a), [B(2, 3)]),
    ("einsum bool permute", lambda t, a: t.einsum("ij->ji", a), [B(2, 3)]),
    ("einsum bool two", lambda t, a, b: t.einsum("i,i", a, b), [B(3), B(3)]),
    ("einsum bad sizes", lambda t, a: t.einsum("ii->", a), [U(2, 3)]),
    ("einsum bad output", lambda t, a: t.einsum("i->j", a), [U(2)]),
    ("einsum repeated output", lambda t, a: t.einsum("ij->ii", a), [U(2, 2)]),
    ("einsum too few dims", lambda t, a: t.einsum("ij", a), [U(2)]),
    ("einsum too few operands", lambda t, a: t.einsum("i,i", a), [U(2)]),
    ("einsum empty", lambda t, a: t.einsum("i->", a), [U(0)]),
    # kron / cross
    ("kron int int64", lambda t, a, b: t.kron(a, b), [I(2, 3, dtype=np.int32), I(2)]),
    ("kron bool", lambda t, a, b: t.kron(a, b), [B(2), B(3)]),
    ("kron empty", lambda t, a, b: t.kron(a, b), [U(0, 3), U(2)]),
    ("kron 3-d", lambda t, a, b: t.kron(a, b), [U(2, 1, 2), U(1, 3, 2)]),
    ("cross default dim", lambda t, a, b: t.cross(a, b), [U(3, 2), U(3, 2)]),
    ("cross default broadcast", lambda t, a, b: t.cross(a, b), [U(2, 3), U(1, 3)]),
    ("cross default bad", lambda t, a, b: t.cross(a, b), [U(3, 3), U(1, 3)]),
    ("cross no 3", lambda t, a, b: t.cross(a, b), [U(2, 4), U(2, 4)]),
    ("cross ranks", lambda t, a, b: t.cross(a, b), [U(3), U(2, 3)]),
    ("cross dim 0", lambda t, a, b: t.cross(a, b, dim=0), [U(3, 3), U(3, 1)]),
    ("cross int", lambda t, a, b: t.cross(a, b), [I(3), I(3)]),
    ("cross mixed", lambda t, a, b: t.cross(a, b), [I(3), U(3)]),
    ("cross bool", lambda t, a, b: t.cross(a, b), [B(3), B(3)]),
    ("cross empty", lambda t, a, b: t.cross(a, b), [U(0, 3), U(0, 3)]),
    ("linalg.cross dim", lambda t, a, b: t.linalg.cross(a, b, dim=1), [U(3), U(3)]),
    ("linalg.cross broadcast", lambda t, a, b: t.linalg.cross(a, b), [U(3, 3), U(1, 3)]),
    # matmul at every rank
    ("matmul 1-d @ 3-d", lambda t, a, b: t.matmul(a, b), [U(3), U(2, 3, 4)]),
    ("matmul 3-d @ 1-d", lambda t, a, b: t.matmul(a, b), [U(2, 3, 4), U(4)]),
    ("matmul 4-d @ 3-d", lambda t, a, b: t.matmul(a, b), [U(2, 1, 3, 4), U(5, 4, 2)]),
    ("matmul mismatch", lambda t, a, b: t.matmul(a, b), [U(2, 3), U(2, 3)]),
    ("matmul batch mismatch", lambda t, a, b: t.matmul(a, b), [U(2, 3, 4), U(3, 4, 2)]),
    ("matmul int", lambda t, a, b: t.matmul(a, b), [I(2, 3), I(3)]),
    ("matmul 0-d", lambda t, a, b: t.matmul(a, b), [U(), U(3)]),
    # addmm / baddbmm
    ("addmm beta 0 nan", lambda t, c, a, b: t.addmm(c, a, b, beta=0),
     [np.full((2, 2), np.nan), U(2, 3), U(3, 2)]),
    ("addmm broadcast", lambda t, c, a, b: c.addmm(a, b, alpha=3), [U(2), U(3, 3), U(3, 2)]),
    ("addmm bad input", lambda t, c, a, b: t.addmm(c, a, b), [U(3), U(3, 3), U(3, 2)]),
    ("baddbmm", lambda t, c, a, b: t.baddbmm(c, a, b, beta=2), [U(2, 1, 1), U(2, 1, 3),
                                                                   U(2, 3, 1)]),
    # det / inverse / solve / slogdet / logdet
    ("det batch", lambda t, a: t.linalg.det(a), [U(2, 3, 3)]),
    ("det empty", lambda t, a: t.linalg.det(a), [U(0, 0)]),
    ("det empty batch", lambda t, a: t.det(a), [U(0, 2, 2)]),
    ("det int", lambda t, a: t.linalg.det(a), [I(2, 2)]),
    ("det 1-d", lambda t, a: a.det(), [U(3)]),
    ("det non-square", lambda t, a: a.det(), [U(2, 3)]),
    ("det float32", lambda t, a: a.det(), [U(3, 3).astype(np.float32)]),
    ("det singular", lambda t, a: a.det(), [np.ones((3, 3))]),
    ("inv", lambda t, a: t.linalg.inv(a), [_m()]),
    ("inv singular", lambda t, a: t.linalg.inv(a), [np.ones((2, 2))]),
    ("inv empty", lambda t, a: t.linalg.inv(a), [U(0, 0)]),
    ("inv int", lambda t, a: a.inverse(), [np.eye(2, dtype=np.int64)]),
    ("solve vector", lambda t, a, b: t.linalg.solve(a, b), [_m(), U(3)]),
    ("solve batch vector", lambda t, a, b: t.linalg.solve(a, b), [np.stack([_m(), _m()]),
                                                                  U(2, 3)]),
    ("solve batch broadcast", lambda t, a, b: t.linalg.solve(a, b), [np.stack([_m(), _m()]),
                                                                     U(3, 2)]),
    ("solve left=False", lambda t, a, b: t.linalg.solve(a, b, left=False), [_m(), U(2, 3)]),
    ("solve bad", lambda t, a, b: t.linalg.solve(a, b), [_m(), U(4)]),
    ("solve dtypes", lambda t, a, b: t.linalg.solve(a, b), [_m(), U(3).astype(np.float32)]),
    ("solve singular", lambda t, a, b: t.linalg.solve(a, b), [np.ones((3, 3)), U(3)]),
    ("slogdet", lambda t, a: t.slogdet(a), [U(2, 3, 3)]),
    ("linalg.slogdet", lambda t, a: t.linalg.slogdet(a), [U(3, 3)]),
    ("logdet negative", lambda t, a: t.logdet(a), [-np.eye(3)]),
    ("logdet batch", lambda t, a: a.logdet(), [np.stack([_m(), -np.eye(3)])]),
]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.parametrize("name, fn, arrays", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_variant_matches_torch(name, fn, arrays):
    both(fn, *arrays)


GRAD_VARIANTS = [
    ("det singular", lambda t, a: t.linalg.det(a), [np.ones((3, 3))]),
    # NOTE: not [[1, 2], [2, 4]]: where LU finds det exactly 0, torch returns a zero
    # gradient; ours is the cofactor matrix, the true derivative (a deliberate difference,
    # test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix)
    ("det batch", lambda t, a: t.linalg.det(a), [U(2, 3, 3)]),
    ("einsum diag", lambda t, a, b: t.einsum("ii,i->i", a, b), [U(3, 3), U(3)]),
    ("einsum broadcast", lambda t, a, b: t.einsum("...i,...i->...", a, b), [U(2, 1, 3),
                                                                            U(4, 3)]),
    ("matmul 1-d @ 4-d", lambda t, a, b: t.matmul(a, b), [U(3), U(2, 2, 3, 4)]),
    ("solve left=False", lambda t, a, b: t.linalg.solve(a, b, left=False), [_m(), U(2, 3)]),
    ("solve batch broadcast", lambda t, a, b: t.linalg.solve(a, b),
     [np.stack([_m(), _m()]), U(3, 2)]),
    ("kron", lambda t, a, b: t.kron(a, b), [U(2, 3), U(3)]),
    ("cross broadcast", lambda t, a, b: t.cross(a, b, dim=-1), [U(2, 3), U(1, 3)]),
    ("logdet", lambda t, a: t.logdet(a), [_m()]),
    ("addmm beta 0", lambda t, c, a, b: t.addmm(c, a, b, beta=0, alpha=2), [U(2, 2), U(2, 3),
                                                                             U(3, 2)]),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, fn, arrays", GRAD_VARIANTS, ids=[v[0] for v in GRAD_VARIANTS])
def test_gradient_matches_torch(name, fn, arrays):
    torch = pytest.importorskip("torch")
    ours = [ta.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(ta, *ours), fn(torch, *theirs)
    w = _rng.standard_normal(out.shape)
    out.backward(ta.tensor(w))
    tout.backward(torch.tensor(w))
    for o, t in zip(ours, theirs):
        got = np.zeros(o.shape) if o.grad is None else o.grad.numpy()
        want = np.zeros(o.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


# --- norms: linalg.norm / matrix_norm / vector_norm / svdvals ------------------------------------

INF = float("inf")
NORM_CASES = [
    # (function name, shape, keyword arguments)
    ("norm", (4,), {}), ("norm", (4,), dict(ord=1)), ("norm", (4,), dict(ord=-INF)),
    ("norm", (4,), dict(ord=0.5)), ("norm", (2, 3, 4), {}), ("norm", (2, 3, 4), dict(dim=1)),
    ("norm", (2, 3, 4), dict(ord=3, dim=-1, keepdim=True)), ("norm", (3, 4), {}),
    ("norm", (3, 4), dict(ord="fro")), ("norm", (3, 4), dict(ord="nuc")),
    ("norm", (3, 4), dict(ord=INF)), ("norm", (3, 4), dict(ord=-INF)),
    ("norm", (3, 4), dict(ord=1)), ("norm", (3, 4), dict(ord=-1)),
    ("norm", (3, 4), dict(ord=2)), ("norm", (4, 3), dict(ord=-2)),
    ("norm", (2, 3, 4), dict(ord=1, dim=(2, 0))), ("norm", (2, 3, 4), dict(ord=INF, dim=(0, 2),
                                                                             keepdim=True)),
    ("norm", (2, 3, 4), dict(ord="nuc", dim=(0, 2), keepdim=True)),
    ("norm", (2, 3, 4), dict(ord=2, dim=(-1, -2))),
    ("matrix_norm", (2, 3, 4), {}), ("matrix_norm", (2, 3, 4), dict(ord="nuc")),
    ("matrix_norm", (2, 3, 4), dict(ord=2, keepdim=True)),
    ("matrix_norm", (2, 4, 3), dict(ord=-2)), ("matrix_norm", (2, 3, 4), dict(ord=-1, dim=(1, 0))),
    ("matrix_norm", (3, 2, 4), dict(ord=INF, dim=(2, 0), keepdim=True)),
    ("vector_norm", (2, 3, 4), dict(ord=INF, dim=(0, 2))),
    ("svdvals", (2, 3, 4), {}), ("svdvals", (4, 2), {}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, shape, kw", NORM_CASES,
                         ids=[f"{n}-{s}-{k}" for n, s, k in NORM_CASES])
def test_norms_equal_torchs_values_and_gradients(name, shape, kw):
    torch = pytest.importorskip("torch")
    a = U(*shape)
    x, tx = ta.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = getattr(ta.linalg, name)(x, **kw), getattr(torch.linalg, name)(tx, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = _rng.standard_normal(y.shape)
    y.backward(ta.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord", ["nuc", 2, -2, 1, -INF, "fro"])
def test_matrix_norm_gradients_match_central_differences(ord):
    check_grads(lambda t: ta.linalg.matrix_norm(t, ord), U(2, 3, 4))


def test_nuclear_norm_gradient_is_u_v_transposed():
    """d||A||_* / dA = U V^T: for an orthogonal Q it is Q itself."""
    q, _ = np.linalg.qr(U(4, 4))
    x = ta.tensor(q, requires_grad=True)
    ta.linalg.norm(x, "nuc").backward()
    np.testing.assert_allclose(x.grad.numpy(), q, atol=1e-12)


def test_svd_norms_refuse_second_derivatives_by_name():
    x = ta.tensor(U(3, 3), requires_grad=True)
    (g,) = ta.grad(ta.linalg.matrix_norm(x, "fro"), [x], create_graph=True)  # fro is fine
    assert g.requires_grad
    with pytest.raises(NotImplementedError, match="svdvals.*second derivatives.*shape"):
        ta.grad(ta.linalg.matrix_norm(x, "nuc"), [x], create_graph=True)


def test_norm_dtype_casts_first_and_refuses_narrowing():
    x = ta.tensor(U(3, 4).astype(np.float32))
    assert ta.linalg.norm(x, "nuc", dtype=np.float64).dtype == np.float64
    assert ta.linalg.matrix_norm(x, 1, dtype=np.float64).dtype == np.float64
    assert ta.linalg.norm(x).dtype == np.float32
    with pytest.raises(RuntimeError, match="narrowing"):
        ta.linalg.matrix_norm(ta.tensor(U(3, 4)), 2, dtype=np.float32)


BAD_NORMS = [
    ("matrix_norm", (2, 3, 4), dict(ord=3)), ("matrix_norm", (2, 3, 4), dict(ord="foo")),
    ("matrix_norm", (4,), dict(ord="fro")), ("matrix_norm", (2, 3, 4), dict(dim=(1, 1))),
    ("matrix_norm", (2, 3, 4), dict(dim=(1, -2))), ("matrix_norm", (2, 3, 4), dict(dim=(0, 1, 2))),
    ("norm", (2, 3, 4), dict(ord=2)), ("norm", (2, 3, 4), dict(ord="fro")),
    ("norm", (2, 3, 4), dict(dim=(0, 1, 2))), ("norm", (4,), dict(ord="fro")),
    ("norm", (3, 4), dict(ord=3)), ("norm", (3, 4), dict(ord=0)), ("svdvals", (3,), {}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, shape, kw", BAD_NORMS, ids=[f"{n}-{k}" for n, _, k in BAD_NORMS])
def test_norms_refuse_what_torch_refuses(name, shape, kw):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch.linalg, name)(torch.ones(shape, dtype=torch.float64), **kw)
    with pytest.raises(RuntimeError) as ours:
        getattr(ta.linalg, name)(ta.ones(*shape, dtype=np.float64), **kw)
    prefix = str(theirs.value).split(":")[0]
    assert str(ours.value).startswith(prefix if name != "svdvals" else "linalg.svd")
    first_words = str(theirs.value).split(":")[1].split()[:3]
    assert str(ours.value).split(":")[1].split()[:3] == first_words


def test_matrix_norm_refuses_integers_naming_the_dtype():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        ta.linalg.matrix_norm(ta.ones(2, 2, dtype=np.int64))
