"""torch.linalg's LU family, the _ex forms, matrix_exp, vecdot, vander, tensorinv /
tensorsolve, cond, diagonal and householder_product against torch: values, gradients
(and gradcheck in float64), result dtypes and errors."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _np(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t.numpy())


def _compare(fn, *arrays, grad=True, tol=1e-10, dtype="float64"):
    """fn(lib, *tensors) in both libraries: the same values (and dtypes, shapes), and the
    same gradients of a fixed weighted sum of the (float) outputs."""
    outs, grads = [], []
    for lib in (torch, ta):
        xs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=grad) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, *xs)
        out = tuple(out) if isinstance(out, tuple) else (out,)
        outs.append(out)
        if grad:
            w = np.random.default_rng(1)
            loss = sum((o * lib.tensor(w.uniform(-1, 1, tuple(o.shape)), dtype=o.dtype)).sum()
                       for o in out if o.dtype in (lib.float32, lib.float64) and o.requires_grad)
            loss.backward()
            grads.append([_np(x.grad) for x in xs])
    for t, o in zip(*outs):
        assert tuple(t.shape) == o.shape
        assert str(t.dtype).removeprefix("torch.") == str(o.dtype)
        np.testing.assert_allclose(_np(o), _np(t), rtol=tol, atol=tol)
    if grad:
        for gt, go in zip(*grads):
            np.testing.assert_allclose(go, gt, rtol=tol, atol=tol)


def _raises_like(fn, *arrays, dtype="float64"):
    kinds = []
    for lib in (torch, ta):
        xs = [lib.tensor(a, dtype=getattr(lib, dtype)) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as e:
                fn(lib, *xs)
        kinds.append(e.type)
    t, o = kinds
    assert issubclass(o, (t, RuntimeError, ValueError, IndexError, TypeError)), (t, o)
    if issubclass(t, NotImplementedError) or t.__name__ == "_LinAlgError":
        assert issubclass(o, NotImplementedError if issubclass(t, NotImplementedError)
                          else ta.linalg.LinAlgError), (t, o)


# --- LU ------------------------------------------------------------------------------------

SHAPES = [(3, 3), (2, 4, 4), (2, 4), (4, 2), (1, 1), (3, 2, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_values_pivots_and_gradient(shape):
    a = RNG.uniform(-2, 2, shape)
    _compare(lambda lib, x: lib.linalg.lu_factor_ex(x), a)
    if shape[-1] == shape[-2]:
        _compare(lambda lib, x: lib.linalg.lu_factor(x), a)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_p_l_u_and_unpack(shape):
    a = RNG.uniform(-2, 2, shape)
    _compare(lambda lib, x: lib.linalg.lu(x), a)
    _compare(lambda lib, x: lib.lu_unpack(*lib.linalg.lu_factor_ex(x)[:2]), a)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_lu_gradcheck_and_gradgradcheck(shape):
    a = ta.tensor(RNG.uniform(-2, 2, shape), dtype=ta.float64, requires_grad=True)
    assert ta.gradcheck(lambda x: ta.linalg.lu_factor_ex(x).LU, (a,))
    assert ta.gradgradcheck(lambda x: ta.linalg.lu_factor_ex(x).LU, (a,))


def test_lu_unpack_parts_not_asked_for_are_empty():
    a = RNG.uniform(-2, 2, (3, 3))
    for kw in ({"unpack_data": False}, {"unpack_pivots": False}):
        _compare(lambda lib, x, kw=kw: lib.lu_unpack(*lib.linalg.lu_factor(x), **kw), a,
                 grad=False)


def test_lu_of_singular_and_pivot_ties():
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    _compare(lambda lib, x: lib.linalg.lu_factor_ex(x), s, grad=False)
    _compare(lambda lib, x: lib.linalg.lu(x), s, grad=False)
    _compare(lambda lib, x: x.lu(get_infos=True), s, grad=False)
    ties = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    _compare(lambda lib, x: lib.linalg.lu_factor(x), ties)
    for lib in (torch, ta):
        with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):
            lib.linalg.lu_factor(lib.tensor(s))
        with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[2,2\] is zero"):
            lib.linalg.lu_factor(lib.tensor(np.stack([np.eye(2), s])))
        with pytest.raises(RuntimeError, match="U\\[2,2\\] is zero"):
            lib.linalg.lu_factor_ex(lib.tensor(s), check_errors=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.linalg.lu_factor(x, pivot=False),
    lambda lib, x: lib.linalg.lu(x, pivot=False),
    lambda lib, x: lib.linalg.lu_factor(x[0]),
    lambda lib, x: lib.linalg.lu_factor(x.long()),
])
def test_lu_errors_as_torch(fn):
    _raises_like(fn, np.eye(3))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_values_and_gradients(left, adjoint):
    a = RNG.uniform(-2, 2, (2, 3, 3)) + 3 * np.eye(3)
    b = RNG.uniform(-2, 2, (2, 3, 2) if left else (2, 2, 3))
    _compare(lambda lib, x, y: lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y, left=left,
                                                   adjoint=adjoint), a, b)


def test_lu_solve_broadcasts_and_old_names():
    a = RNG.uniform(-2, 2, (3, 3)) + 3 * np.eye(3)
    b = RNG.uniform(-2, 2, (4, 3, 1))
    _compare(lambda lib, x, y: lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y), a, b)
    _compare(lambda lib, x, y: lib.lu_solve(y, *lib.linalg.lu_factor(x)), a, b)
    _compare(lambda lib, x, y: y.lu_solve(*x.lu()), a, b)
    x = ta.tensor(a, requires_grad=True)
    y = ta.tensor(b[0], requires_grad=True)
    assert ta.gradcheck(lambda p, q: ta.linalg.lu_solve(*ta.linalg.lu_factor(p), q), (x, y))


@pytest.mark.parametrize("fn,shapes", [
    (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor_ex(a)[:2], b[0]),
     ((3, 3), (3, 1))),
    (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b.float()),
     ((3, 3), (3, 1))),
    (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b), ((3, 3), (2, 1))),
    (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor_ex(a)[:2], b),
     ((3, 2), (3, 1))),
])
def test_lu_solve_errors_as_torch(fn, shapes):
    _raises_like(fn, *(RNG.uniform(1, 2, s) + (np.eye(*s) if s[0] == s[1] else 0)
                       for s in shapes))


# --- the _ex forms ------------------------------------------------------------------------

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
NOT_PD = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_solve_ex_and_inv_ex_of_invertible_match_solve_and_inv():
    a = RNG.uniform(-2, 2, (2, 3, 3)) + 3 * np.eye(3)
    b = RNG.uniform(-2, 2, (2, 3, 2))
    _compare(lambda lib, x, y: lib.linalg.solve_ex(x, y), a, b)
    _compare(lambda lib, x, y: lib.linalg.solve_ex(x, y, left=False), a, b.swapaxes(-1, -2))
    _compare(lambda lib, x, y: lib.linalg.solve_ex(x, y), a, b[..., 0])
    _compare(lambda lib, x: lib.linalg.inv_ex(x), a)


def test_ex_forms_of_singular_report_info_as_torch():
    batch = np.stack([np.eye(2), SINGULAR])
    for lib in (torch, ta):
        r = lib.linalg.solve_ex(lib.tensor(batch), lib.ones(2, 2, 1, dtype=lib.float64))
        assert _np(r.info).tolist() == [0, 2] and str(r.info.dtype).endswith("int32")
        assert not np.isfinite(_np(r.result)[1]).all() and np.isfinite(_np(r.result)[0]).all()
        r = lib.linalg.inv_ex(lib.tensor(batch))
        assert _np(r.info).tolist() == [0, 2]
        with pytest.raises(lib.linalg.LinAlgError, match=r"\(Batch element 1\)"):
            lib.linalg.solve_ex(lib.tensor(batch), lib.ones(2, 2, 1, dtype=lib.float64),
                                check_errors=True)
        with pytest.raises(lib.linalg.LinAlgError, match="diagonal element 2 is zero"):
            lib.linalg.inv_ex(lib.tensor(SINGULAR), check_errors=True)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_as_torch(upper):
    pd = RNG.uniform(-1, 1, (3, 3))
    pd = pd @ pd.T + np.eye(3)
    _compare(lambda lib, x: lib.linalg.cholesky_ex(x, upper=upper), pd)
    _compare(lambda lib, x: lib.linalg.cholesky_ex(x, upper=upper), np.stack([pd, NOT_PD]),
             grad=False)
    _compare(lambda lib, x: lib.linalg.cholesky_ex(x, upper=upper), NOT_PD, grad=False)
    for lib in (torch, ta):
        with pytest.raises(lib.linalg.LinAlgError, match="order 2"):
            lib.linalg.cholesky_ex(lib.tensor(NOT_PD), check_errors=True)


# --- matrix_exp ---------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [0.0, 0.1, 1.0, 5.0, 30.0])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_matrix_exp_values_and_gradients(scale, shape):
    a = RNG.uniform(-1, 1, shape) * scale
    _compare(lambda lib, x: lib.linalg.matrix_exp(x), a, tol=1e-9 * max(1.0, np.exp(
        np.abs(a).sum(-2).max())))


def test_matrix_exp_names_float32_and_second_derivatives():
    a = RNG.uniform(-1, 1, (3, 3))
    _compare(lambda lib, x: lib.matrix_exp(x), a)
    _compare(lambda lib, x: x.matrix_exp(), a, dtype="float32", tol=1e-5)
    x = ta.tensor(a, requires_grad=True)
    assert ta.gradcheck(ta.linalg.matrix_exp, (x,))
    assert ta.gradgradcheck(ta.linalg.matrix_exp, (x,))
    # e^(A) e^(-A) = I and e^0 = I
    e = ta.linalg.matrix_exp(x.detach()) @ ta.linalg.matrix_exp(-x.detach())
    np.testing.assert_allclose(e.numpy(), np.eye(3), atol=1e-12)


@pytest.mark.parametrize("fn,a", [
    (lambda lib, x: lib.linalg.matrix_exp(x.long()), np.eye(2)),
    (lambda lib, x: lib.linalg.matrix_exp(x), np.ones((2, 3))),
    (lambda lib, x: lib.linalg.matrix_exp(x), np.ones(3)),
])
def test_matrix_exp_errors_as_torch(fn, a):
    _raises_like(fn, a)


def test_matrix_exp_empty():
    _compare(lambda lib, x: lib.linalg.matrix_exp(x), np.zeros((0, 0)), grad=False)


# --- vecdot, vander, tensorinv, tensorsolve, diagonal ---------------------------------------

def test_vecdot():
    _compare(lambda lib, x, y: lib.linalg.vecdot(x, y), RNG.uniform(-1, 1, (2, 3)),
             RNG.uniform(-1, 1, (3,)))
    _compare(lambda lib, x, y: lib.linalg.vecdot(x, y, dim=0), RNG.uniform(-1, 1, (3, 2)),
             RNG.uniform(-1, 1, (3, 1)))
    _raises_like(lambda lib, x, y: lib.linalg.vecdot(x, y.float()), np.ones(3), np.ones(3))
    _raises_like(lambda lib, x, y: lib.linalg.vecdot(x.long(), y.long()), np.ones(3),
                 np.ones(3))
    _raises_like(lambda lib, x, y: lib.linalg.vecdot(x, y), np.ones(3), np.ones(4))


def test_vander():
    _compare(lambda lib, x: lib.linalg.vander(x), RNG.uniform(-2, 2, (4,)))
    _compare(lambda lib, x: lib.linalg.vander(x, N=3), np.array([[1.0, 0.0], [-2.0, 3.0]]))
    for lib in (torch, ta):
        out = lib.linalg.vander(lib.tensor([1, 2, 3]))
        assert _np(out).tolist() == [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
        assert str(out.dtype).endswith("int64")
    for n in (0, 1):
        _raises_like(lambda lib, x, n=n: lib.linalg.vander(x, N=n), np.ones(3))
    _raises_like(lambda lib, x: lib.linalg.vander(x.bool()), np.ones(3))
    x = ta.tensor([0.0, 1.5, -2.0], dtype=ta.float64, requires_grad=True)
    assert ta.gradcheck(lambda t: ta.linalg.vander(t, N=4), (x,))


def test_tensorinv_and_tensorsolve():
    a = RNG.uniform(-1, 1, (6, 6)) / 4 + 3 * np.eye(6)
    _compare(lambda lib, x: lib.linalg.tensorinv(x.reshape(2, 3, 6), ind=2), a)
    _compare(lambda lib, x: lib.linalg.tensorinv(x.reshape(6, 2, 3), ind=1), a)
    b = RNG.uniform(-1, 1, (6,))
    _compare(lambda lib, x, y: lib.linalg.tensorsolve(x.reshape(6, 2, 3), y), a, b)
    _compare(lambda lib, x, y: lib.linalg.tensorsolve(x.reshape(2, 3, 6), y, dims=(0, 1)),
             a, b)
    _raises_like(lambda lib, x: lib.linalg.tensorinv(x.reshape(2, 3, 6), ind=1), a)
    _raises_like(lambda lib, x: lib.linalg.tensorinv(x, ind=0), a)
    _raises_like(lambda lib, x, y: lib.linalg.tensorsolve(x.reshape(6, 2, 3), y[:5]), a, b)


def test_linalg_diagonal():
    a = RNG.uniform(-1, 1, (2, 3, 4))
    _compare(lambda lib, x: lib.linalg.diagonal(x), a)
    _compare(lambda lib, x: lib.linalg.diagonal(x, offset=1, dim1=0, dim2=2), a)


# --- cond, householder_product --------------------------------------------------------------

@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"),
                               float("-inf")])
def test_cond(p):
    """NOTE: torch's backward of the norm-based cond raises (its inv_ex output is changed
    in place inside cond: "modified by an inplace operation"); ours runs, gradchecked."""
    a = RNG.uniform(-1, 1, (2, 3, 3)) + 2 * np.eye(3)
    svd_based = p in (None, 2, -2)
    _compare(lambda lib, x: lib.linalg.cond(x, p), a, tol=1e-9, grad=svd_based)
    if not svd_based:
        x = ta.tensor(a, requires_grad=True)
        assert ta.gradcheck(lambda t: ta.linalg.cond(t, p), (x,))
    if p in (None, 2, -2):
        _compare(lambda lib, x: lib.linalg.cond(x, p), RNG.uniform(-1, 1, (3, 4)), tol=1e-9)


def test_cond_of_singular_and_errors():
    for p in ("fro", 1, float("inf")):
        _compare(lambda lib, x, p=p: lib.linalg.cond(x, p), SINGULAR, grad=False)
    _raises_like(lambda lib, x: lib.linalg.cond(x, "fro"), np.ones((2, 3)))
    _raises_like(lambda lib, x: lib.linalg.cond(x, 3), np.eye(2))
    _raises_like(lambda lib, x: lib.linalg.cond(x.long()), np.eye(2))


@pytest.mark.parametrize("shape,k", [((4, 3), 3), ((3, 3), 2), ((2, 5, 2), 2), ((3, 2), 1)])
def test_householder_product_and_orgqr(shape, k):
    a = RNG.uniform(-1, 1, shape)
    tau = RNG.uniform(0, 2, shape[:-2] + (k,))
    _compare(lambda lib, x, t: lib.linalg.householder_product(x, t), a, tau)
    _compare(lambda lib, x, t: lib.orgqr(x, t), a, tau)
    _compare(lambda lib, x, t: x.orgqr(t), a, tau)


def test_householder_product_gives_qr_q_from_geqrf():
    a = RNG.uniform(-1, 1, (4, 3))
    h, tau = torch.geqrf(torch.tensor(a))
    q = ta.linalg.householder_product(ta.tensor(h.numpy()), ta.tensor(tau.numpy()))
    np.testing.assert_allclose(q.numpy(), torch.linalg.qr(torch.tensor(a)).Q.numpy(),
                               atol=1e-12)


@pytest.mark.parametrize("shapes,dtypes", [
    (((2, 3), (2,)), ("float64", "float64")),
    (((3, 2), (3,)), ("float64", "float64")),
    (((2, 3, 2), (3, 2)), ("float64", "float64")),
    (((3, 2), (2,)), ("float64", "float32")),
])
def test_householder_product_errors_as_torch(shapes, dtypes):
    for lib in (torch, ta):
        a = lib.ones(shapes[0], dtype=getattr(lib, dtypes[0]))
        t = lib.ones(shapes[1], dtype=getattr(lib, dtypes[1]))
        with pytest.raises(RuntimeError):
            lib.linalg.householder_product(a, t)


# --- ldl_factor / ldl_solve -------------------------------------------------------------------

def test_ldl_factor_and_solve_match_torch_pivots_and_values():
    rng = np.random.default_rng(3)
    for _ in range(60):
        n = int(rng.integers(1, 7))
        a = rng.uniform(-2, 2, (n, n))
        a = a + a.T
        _compare(lambda lib, x: lib.linalg.ldl_factor_ex(x), a, grad=False)
        b = rng.uniform(-1, 1, (n, 2))
        _compare(lambda lib, x, y: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(x), y), a, b,
                 grad=False, tol=1e-8)


def test_ldl_batched_broadcast_and_errors():
    a = RNG.uniform(-2, 2, (2, 3, 3))
    a = a + a.swapaxes(-1, -2)
    b = RNG.uniform(-1, 1, (2, 3, 1))
    _compare(lambda lib, x: lib.linalg.ldl_factor(x, hermitian=True), a, grad=False)
    _compare(lambda lib, x, y: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(x), y), a, b,
             grad=False, tol=1e-8)
    # NOTE: torch 2.13 crashes (a segfault) broadcasting a batched LD against a B with more
    # batch dims, so that case is checked against the solution itself
    wide = RNG.uniform(-1, 1, (4, 2, 3, 1))
    x = ta.linalg.ldl_solve(*ta.linalg.ldl_factor(ta.tensor(a)), ta.tensor(wide))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, wide), atol=1e-10)
    _raises_like(lambda lib, x: lib.linalg.ldl_factor(x), np.zeros((2, 2)))
    _raises_like(lambda lib, x: lib.linalg.ldl_factor(x), np.ones((2, 3)))
    _raises_like(lambda lib, x: lib.linalg.ldl_factor(x.long()), np.eye(2))
    _raises_like(lambda lib, x, y: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(x), y.float()),
                 np.eye(2), np.ones((2, 1)))
    _raises_like(lambda lib, x, y: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(x), y),
                 np.eye(2), np.ones((3, 1)))
    _raises_like(lambda lib, x, y: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(x), y),
                 np.eye(2), np.ones(2))
    info = ta.linalg.ldl_factor_ex(ta.zeros(2, 2, dtype=ta.float64)).info
    assert info.item() == torch.linalg.ldl_factor_ex(torch.zeros(2, 2)).info.item()
