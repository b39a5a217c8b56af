"""The decompositions (ta.linalg.svd / qr / eigh / cholesky / solve_triangular / pinv /
lstsq / matrix_rank / matrix_power / multi_dot, and torch's older names).

Their rows in the op table (ops/decompositions.py, decompositions.py) already get the
generic sweeps: forward, float32, gradients and second derivatives against central
differences, and values and gradients against torch. Here: the invariants the factors
must satisfy, values against torch up to the sign of each vector (compared through
gauge-free quantities: U S Vh, |U|, products of pairs), gradients of gauge-invariant losses
against torch, the extra outputs and modes, and torch's errors.
"""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

RNG = np.random.default_rng(7)


def _t(a, requires_grad=False):
    return ta.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def _torch():
    return pytest.importorskip("torch")


def _sym(n, batch=()):
    a = RNG.standard_normal(batch + (n, n))
    return a + np.swapaxes(a, -1, -2)


def _eyes(q):
    """Identities, one per matrix of q's batch, of q's column count."""
    return np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2)


def _spd(n, batch=()):
    a = RNG.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# --- invariants ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3), (2, 1, 5, 2)])
@pytest.mark.parametrize("full", [True, False])
def test_svd_factors_rebuild_the_matrix_and_are_orthonormal(shape, full):
    a = RNG.standard_normal(shape)
    U, S, Vh = ta.linalg.svd(_t(a), full_matrices=full)
    m, n = shape[-2:]
    k = min(m, n)
    assert U.shape == shape[:-2] + ((m, m) if full else (m, k))
    assert Vh.shape == shape[:-2] + ((n, n) if full else (k, n))
    u, s, vh = U.numpy(), S.numpy(), Vh.numpy()
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, atol=1e-12)
    for q in (u, np.swapaxes(vh, -1, -2)):
        np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, _eyes(q), atol=1e-12)
    assert np.all(np.diff(s, axis=-1) <= 0)


def test_qr_is_orthonormal_times_upper_triangular():
    for shape in [(5, 3), (3, 5), (2, 4, 4)]:
        a = RNG.standard_normal(shape)
        for mode in ("reduced", "complete"):
            Q, R = ta.linalg.qr(_t(a), mode)
            q, r = Q.numpy(), R.numpy()
            np.testing.assert_allclose(q @ r, a, atol=1e-12)
            np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, _eyes(q), atol=1e-12)
            np.testing.assert_array_equal(r, np.triu(r))


def test_eigh_reads_one_triangle_and_diagonalises():
    a = RNG.standard_normal((2, 4, 4))
    for uplo, tri in (("L", np.tril), ("U", np.triu)):
        w, v = ta.linalg.eigh(_t(a), UPLO=uplo)
        s = tri(a) + np.swapaxes(tri(a, -1 if uplo == "L" else 1), -1, -2)
        np.testing.assert_allclose(v.numpy() @ (w.numpy()[..., None] * np.swapaxes(
            v.numpy(), -1, -2)), s, atol=1e-12)
        np.testing.assert_allclose(ta.linalg.eigvalsh(_t(a), UPLO=uplo).numpy(), w.numpy())


def test_cholesky_lower_and_upper():
    a = _spd(4, (3,))
    lo = ta.linalg.cholesky(_t(a)).numpy()
    up = ta.linalg.cholesky(_t(a), upper=True).numpy()
    np.testing.assert_allclose(lo @ np.swapaxes(lo, -1, -2), a, atol=1e-12)
    np.testing.assert_array_equal(lo, np.tril(lo))
    np.testing.assert_allclose(up, np.swapaxes(lo, -1, -2), atol=1e-14)
    # only the triangle is read: garbage in the other one changes nothing
    np.testing.assert_allclose(ta.linalg.cholesky(_t(np.tril(a) + np.triu(
        np.ones_like(a), 1) * 9)).numpy(), lo, rtol=1e-15, atol=1e-15)


def test_factors_keep_float32():
    a = ta.tensor(RNG.standard_normal((3, 3)).astype(np.float32))
    spd = ta.tensor(_spd(3).astype(np.float32))
    outs = [*ta.linalg.svd(a), *ta.linalg.qr(a), *ta.linalg.eigh(a),
            ta.linalg.cholesky(spd), ta.linalg.pinv(a), ta.linalg.lstsq(a, a).solution,
            ta.linalg.solve_triangular(a, a, upper=True), ta.linalg.matrix_power(a, -2)]
    assert all(o.dtype == np.float32 for o in outs)
    assert ta.linalg.matrix_rank(a).dtype == np.int64


def test_named_tuples_are_torchs():
    a = _t(RNG.standard_normal((3, 3)))
    assert type(ta.linalg.svd(a)).__name__ == "linalg_svd"
    assert ta.linalg.svd(a)._fields == ("U", "S", "Vh")
    assert ta.linalg.qr(a)._fields == ("Q", "R")
    assert ta.linalg.eigh(a)._fields == ("eigenvalues", "eigenvectors")
    assert ta.linalg.lstsq(a, a)._fields == ("solution", "residuals", "rank", "singular_values")
    assert ta.svd(a)._fields == ("U", "S", "V") and type(ta.svd(a)).__name__ == "svd"
    assert ta.triangular_solve(a, a)._fields == ("solution", "cloned_coefficient")


# --- against torch: values (gauge-free) and gradients of gauge-invariant losses -------------


@pytest.mark.torch
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_svd_matches_torch_up_to_signs_and_its_gradients(shape):
    torch = _torch()
    a = RNG.standard_normal(shape)
    ours, theirs = _t(a, True), torch.tensor(a, requires_grad=True)
    U, S, Vh = ta.linalg.svd(ours, full_matrices=False)
    tU, tS, tVh = torch.linalg.svd(theirs, full_matrices=False)
    np.testing.assert_allclose(S.numpy(), tS.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(U.abs().numpy(), tU.abs().detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(Vh.abs().numpy(), tVh.abs().detach().numpy(), atol=1e-12)
    w = RNG.standard_normal(U.shape)

    def loss(u, s, vh, lib):  # gauge-invariant: |U|, S^2 and the first pair's outer product
        tw = lib.tensor(w)
        return ((u * u) * tw).sum() + (s ** 2).sum() + (u[..., :, :1] * vh[..., :1, :]).sum()

    loss(U, S, Vh, ta).backward()
    loss(tU, tS, tVh, torch).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.torch
def test_svd_full_matrices_ignores_the_extra_vectors_gradients_as_torch():
    torch = _torch()
    a = RNG.standard_normal((5, 2))
    ours, theirs = _t(a, True), torch.tensor(a, requires_grad=True)
    U, _S, _Vh = ta.linalg.svd(ours)
    tU, _tS, _tVh = torch.linalg.svd(theirs)
    (U * U).sum().backward()   # the extra columns' share would change the gradient
    (tU * tU).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


@pytest.mark.torch
def test_qr_eigh_cholesky_match_torch():
    torch = _torch()
    a, s, p = RNG.standard_normal((2, 4, 3)), _sym(4), _spd(4)
    Q, R = ta.linalg.qr(_t(a))
    tQ, tR = torch.linalg.qr(torch.tensor(a))
    np.testing.assert_allclose(R.abs().numpy(), tR.abs().numpy(), atol=1e-12)
    np.testing.assert_allclose(Q.abs().numpy(), tQ.abs().numpy(), atol=1e-12)
    w, v = ta.linalg.eigh(_t(s))
    tw, tv = torch.linalg.eigh(torch.tensor(s))
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(v.abs().numpy(), tv.abs().numpy(), atol=1e-12)
    for upper in (False, True):
        np.testing.assert_allclose(ta.linalg.cholesky(_t(p), upper=upper).numpy(),
                                   torch.linalg.cholesky(torch.tensor(p), upper=upper).numpy(),
                                   rtol=1e-12)


def _grads_match(fn_ours, fn_torch, *arrays, rtol=1e-9, atol=1e-11):
    torch = _torch()
    ours = [_t(a, True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_ours(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = RNG.standard_normal(out.shape)
    out.backward(w)
    tout.backward(torch.tensor(w))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.torch
def test_gradients_on_non_symmetric_inputs_are_torchs():
    """eigh and cholesky read one triangle but give the symmetric gradient, as torch;
    cholesky_solve and cholesky_inverse give all of the factor a gradient, not only its
    triangle; pinv with hermitian=True gives the general rule's (NOTE: torch's takes the
    matrix as given, ours the symmetric one it reads: they differ when A is not)."""
    torch = _torch()
    a, p = RNG.standard_normal((3, 3)), _spd(3) + np.triu(RNG.standard_normal((3, 3)), 1)
    lo = np.linalg.cholesky(_spd(3))  # (its zero triangle gets a gradient too, as torch's)
    b = RNG.standard_normal((3, 2))
    _grads_match(lambda x: (ta.linalg.eigh(x).eigenvectors ** 2).sum(-1) +
                 ta.linalg.eigvalsh(x), lambda x: (torch.linalg.eigh(x).eigenvectors ** 2)
                 .sum(-1) + torch.linalg.eigvalsh(x), a)
    _grads_match(ta.linalg.cholesky, torch.linalg.cholesky, p)
    _grads_match(lambda x: ta.linalg.cholesky(x, upper=True),
                 lambda x: torch.linalg.cholesky(x, upper=True), p.T.copy())
    _grads_match(lambda x: ta.linalg.pinv(x, hermitian=True),
                 lambda x: torch.linalg.pinv(x, hermitian=True), _sym(3))
    _grads_match(ta.cholesky_solve, torch.cholesky_solve, b, lo)
    _grads_match(lambda x, c: ta.cholesky_solve(x, c.mT, upper=True),
                 lambda x, c: torch.cholesky_solve(x, c.mT, upper=True), b, lo)
    _grads_match(ta.cholesky_inverse, torch.cholesky_inverse, lo)


@pytest.mark.torch
@pytest.mark.parametrize("upper, left, unit", [(True, True, False), (False, True, True),
                                               (True, False, True), (False, False, False)])
def test_solve_triangular_matches_torch(upper, left, unit):
    torch = _torch()
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((3, 4) if left else (4, 3))
    _grads_match(lambda x, y: ta.linalg.solve_triangular(x, y, upper=upper, left=left,
                                                         unitriangular=unit),
                 lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper, left=left,
                                                            unitriangular=unit), a, b)


@pytest.mark.torch
def test_solve_triangular_computes_in_as_dtype_as_torch():
    torch = _torch()
    for da, db in ((np.float32, np.float64), (np.float64, np.float32)):
        a, b = np.eye(3, dtype=da) * 2, np.ones((3, 2), dtype=db)
        x = ta.tensor(b, requires_grad=True)
        out = ta.linalg.solve_triangular(ta.tensor(a), x, upper=True)
        tx = torch.tensor(b, requires_grad=True)
        tout = torch.linalg.solve_triangular(torch.tensor(a), tx, upper=True)
        out.sum().backward()
        tout.sum().backward()
        assert out.dtype.name == str(tout.dtype)[6:] and x.grad.dtype.name == str(
            tx.grad.dtype)[6:]


@pytest.mark.torch
def test_solve_triangular_with_a_zero_on_the_diagonal_gives_inf_and_nan_as_torch():
    torch = _torch()
    a, b = np.array([[0.0, 1.0], [0.0, 1.0]]), np.ones((2, 1))
    ours = ta.linalg.solve_triangular(_t(a), _t(b), upper=True).numpy()
    np.testing.assert_array_equal(ours, torch.linalg.solve_triangular(
        torch.tensor(a), torch.tensor(b), upper=True).numpy())


@pytest.mark.torch
@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 4, 3), (2, 4)),
                                    ((4, 3), (4,))])
def test_lstsq_returns_what_torchs_driver_returns(driver, shapes):
    torch = _torch()
    a, b = (RNG.standard_normal(s) for s in shapes)
    ours = ta.linalg.lstsq(_t(a), _t(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for name, o, t in zip(ours._fields, ours, theirs):
        assert o.shape == tuple(t.shape) and o.dtype.name == str(t.dtype)[6:], name
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.torch
def test_lstsq_of_a_rank_deficient_matrix_is_the_minimum_norm_solution():
    torch = _torch()
    a = RNG.standard_normal((5, 3))
    a[:, 2] = a[:, 0] - a[:, 1]
    b = RNG.standard_normal((5, 2))
    for driver in ("gelsy", "gelsd"):
        ours = ta.linalg.lstsq(_t(a), _t(b), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        np.testing.assert_allclose(ours.solution.numpy(), theirs.solution.numpy(), atol=1e-10)
        assert ours.rank.item() == theirs.rank.item() == 2
        assert ours.residuals.shape == tuple(theirs.residuals.shape) == (0,)
    _grads_match(lambda x, y: ta.linalg.lstsq(x, y).solution,
                 lambda x, y: torch.linalg.lstsq(x, y).solution, a[:, :2].copy(), b)


@pytest.mark.torch
def test_pinv_and_matrix_rank_tolerances_are_torchs():
    torch = _torch()
    a = np.diag([4.0, 1.0, 1e-3])[None].repeat(2, 0)
    for kw in ({}, {"atol": 0.5}, {"rtol": 0.1}, {"atol": 2.0, "rtol": 0.1},
               {"atol": np.array([0.5, 2.0])}, {"hermitian": True}, {"rtol": 0.0}):
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        okw = {k: ta.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        np.testing.assert_allclose(ta.linalg.pinv(_t(a), **okw).numpy(),
                                   torch.linalg.pinv(torch.tensor(a), **tkw).numpy())
        np.testing.assert_array_equal(ta.linalg.matrix_rank(_t(a), **okw).numpy(),
                                      torch.linalg.matrix_rank(torch.tensor(a), **tkw).numpy())
    np.testing.assert_allclose(ta.pinverse(_t(a), rcond=0.1).numpy(),
                               torch.pinverse(torch.tensor(a), rcond=0.1).numpy())


@pytest.mark.torch
@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5, 8])
def test_matrix_power_matches_torch(n):
    torch = _torch()
    a = RNG.standard_normal((2, 3, 3)) / 2 + np.eye(3)
    _grads_match(lambda x: ta.linalg.matrix_power(x, n),
                 lambda x: torch.linalg.matrix_power(x, n), a)
    ints = np.arange(4).reshape(2, 2)
    if n >= 0:
        assert ta.matrix_power(ta.tensor(ints), n).tolist() == \
            torch.matrix_power(torch.tensor(ints), n).tolist()


@pytest.mark.torch
@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(3,), (3, 4), (4, 5), (5,)],
                                    [(10, 30), (30, 5), (5, 60), (60, 2)]])
def test_multi_dot_matches_torch(shapes):
    torch = _torch()
    arrays = [RNG.standard_normal(s) for s in shapes]
    _grads_match(lambda *xs: ta.linalg.multi_dot(xs), lambda *xs: torch.linalg.multi_dot(xs),
                 *arrays)


def test_multi_dot_picks_the_cheapest_order():
    from tinygrad_acts.decompositions import _chain_order
    # the textbook chain 10x100, 100x5, 5x50: (AB)C costs 7500, A(BC) 75000
    assert _chain_order([10, 100, 5, 50])[0][2] == 1
    assert _chain_order([50, 5, 100, 10])[0][2] == 0


@pytest.mark.torch
def test_the_old_names_match_torch():
    torch = _torch()
    a = RNG.standard_normal((4, 3))
    _U, _S, V = ta.svd(_t(a))
    _tU, _tS, tV = torch.svd(torch.tensor(a))
    np.testing.assert_allclose(V.abs().numpy(), tV.abs().numpy(), atol=1e-12)
    assert ta.svd(_t(a), some=False).U.shape == (4, 4)
    z = ta.svd(_t(a), compute_uv=False)
    tz = torch.svd(torch.tensor(a), compute_uv=False)
    assert [x.shape for x in z] == [tuple(x.shape) for x in tz] and not z.U.numpy().any()
    np.testing.assert_allclose(z.S.numpy(), tz.S.numpy(), rtol=1e-12)
    # (torch deprecates these and warns once per process: an earlier test may have had it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tQ, _tR = torch.qr(torch.tensor(a), some=False)
    assert ta.qr(_t(a), some=False).Q.shape == tuple(tQ.shape)
    p = _spd(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tl = torch.cholesky(torch.tensor(p))
    np.testing.assert_allclose(ta.cholesky(_t(p)).numpy(), tl.numpy(), rtol=1e-12)
    x = ta.triangular_solve(_t(a[:3, :2]), _t(p), upper=False, transpose=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tx = torch.triangular_solve(torch.tensor(a[:3, :2]), torch.tensor(p), upper=False,
                                    transpose=True)
    np.testing.assert_allclose(x.solution.numpy(), tx.solution.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(x.cloned_coefficient.numpy(), p)


def test_the_tensor_methods_are_the_functions():
    a, p = _t(RNG.standard_normal((3, 3))), _t(_spd(3))
    np.testing.assert_array_equal(a.svd().S.numpy(), ta.svd(a).S.numpy())
    np.testing.assert_array_equal(a.qr().R.numpy(), ta.qr(a).R.numpy())
    np.testing.assert_array_equal(p.cholesky().numpy(), ta.cholesky(p).numpy())
    np.testing.assert_array_equal(a.pinverse().numpy(), ta.pinverse(a).numpy())
    np.testing.assert_array_equal(a.matrix_power(3).numpy(), ta.matrix_power(a, 3).numpy())
    lo = ta.cholesky(p)
    np.testing.assert_array_equal(a.cholesky_solve(lo).numpy(), ta.cholesky_solve(a, lo).numpy())
    np.testing.assert_array_equal(lo.cholesky_inverse().numpy(), ta.cholesky_inverse(lo).numpy())
    np.testing.assert_array_equal(a.triangular_solve(p).solution.numpy(),
                                  ta.triangular_solve(a, p).solution.numpy())


# --- gradients, second derivatives, refusals -----------------------------------------------


def test_gradcheck_and_gradgradcheck_on_gauge_invariant_losses():
    a = _t(RNG.standard_normal((4, 3)) / 4 + np.eye(4, 3) * [3.0, 2.0, 1.0], True)
    s = _t(_sym(3) / 8 + np.diag([1.5, 0.5, -0.5]), True)

    def svd_loss(x):
        u, sv, vh = ta.linalg.svd(x, full_matrices=False)
        return (u * u).sum(0) * sv + (vh * vh).sum(0)

    def eigh_loss(x):  # (eigh reads one triangle: the loss sees a symmetric matrix)
        w, v = ta.linalg.eigh(x + x.mT)
        return (v * v).sum(1) * w

    def qr_loss(x):
        q, r = ta.linalg.qr(x)
        return (q * q) @ (r * r)

    for fn, x in ((svd_loss, a), (eigh_loss, s), (qr_loss, a), (qr_loss, a.mT.detach())):
        x.requires_grad_(True)
        assert ta.gradcheck(fn, (x,))
        assert ta.gradgradcheck(fn, (x,))


def test_a_wrong_rule_fails_gradcheck(monkeypatch):
    """The checks can fail: drop the (I - U U^T) term of a tall matrix's svd rule."""
    from tinygrad_acts.ops import decompositions as D
    a = _t(RNG.standard_normal((5, 2)), True)

    def loss(x):
        return ta.linalg.svd(x, full_matrices=False).U.abs()

    assert ta.gradcheck(loss, (a,))
    real = D.Svd.backward

    def wrong(self, g, y, mn):  # the real rule minus its (I - U U^T) gU S^-1 Vh term
        shapes = ((5, 2), (2,), (2, 2))
        (u, s, vh), gu = D.unpack(y, shapes), D.unpack(g, shapes)[0]
        return real(self, g, y, mn) - ((gu - u @ (u.T @ gu)) / s) @ vh

    monkeypatch.setattr(D.Svd, "backward", wrong)
    with pytest.raises(ta.GradcheckError):
        ta.gradcheck(loss, (a,))


def test_qr_refuses_the_backwards_torch_refuses():
    a = _t(RNG.standard_normal((4, 3)), True)
    Q, R = ta.linalg.qr(a, mode="r")
    assert Q.shape == (0,)
    with pytest.raises(RuntimeError, match="mode='r'"):
        R.sum().backward()
    with pytest.raises(RuntimeError, match="nrows > ncols"):
        ta.linalg.qr(a, mode="complete").Q.sum().backward()
    ta.linalg.qr(a.mT, mode="complete").Q.sum().backward()  # m <= n: fine
    assert a.grad is not None


def test_an_in_place_change_of_a_factor_is_refused_in_backward():
    a = _t(RNG.standard_normal((3, 3)), True)
    U, S, _Vh = ta.linalg.svd(a)
    loss = (U * U).sum()
    with ta.no_grad():
        S.mul_(2)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


# --- errors ----------------------------------------------------------------------------------


def test_cholesky_of_a_matrix_that_is_not_positive_definite_raises_linalgerror():
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ta.linalg.LinAlgError, match="leading minor of order 2"):
        ta.linalg.cholesky(_t(bad))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\).*order 2"):
        ta.linalg.cholesky(_t(np.stack([np.eye(2), bad])))
    with pytest.raises(np.linalg.LinAlgError):  # numpy's except catches it too
        ta.linalg.cholesky(_t(-np.eye(3)))
    assert issubclass(ta.linalg.LinAlgError, RuntimeError)


@pytest.mark.torch
def test_errors_are_torchs():
    torch = _torch()
    from tests.helpers import same_as_torch, torch_outcome
    cases = [
        lambda m: m.linalg.svd(m.ones(3, 3, dtype=m.int64)),
        lambda m: m.linalg.svd(m.ones(3)),
        lambda m: m.linalg.svd(m.full((2, 2), float("nan"))),
        lambda m: m.linalg.svd(m.eye(2), driver="gesvd"),
        lambda m: m.linalg.qr(m.eye(2), mode="x"),
        lambda m: m.linalg.eigh(m.ones(2, 3)),
        lambda m: m.linalg.eigh(m.eye(2), UPLO="X"),
        lambda m: m.linalg.eigh(m.eye(2, dtype=m.int64)),
        lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(2, 2), upper=True),
        lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(3), upper=True),
        lambda m: m.linalg.lstsq(m.ones(4, 3), m.ones(3, 2)),
        lambda m: m.linalg.lstsq(m.ones(4, 3), m.ones(4, 2), driver="foo"),
        lambda m: m.linalg.pinv(m.ones(2)),
        lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
        lambda m: m.linalg.matrix_power(m.eye(2), 1.5),
        lambda m: m.linalg.multi_dot([m.ones(2, 2)]),
        lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(3, 2)]),
        lambda m: m.cholesky_solve(m.ones(3), m.eye(3)),
    ]
    for call in cases:  # (ours is not a subclass of torch's LinAlgError: each is its own)
        theirs, ours = torch_outcome(torch, call), torch_outcome(ta, call)
        if theirs[0] == "error" and issubclass(theirs[1], torch.linalg.LinAlgError):
            assert ours[0] == "error" and issubclass(ours[1], ta.linalg.LinAlgError), ours
        else:
            same_as_torch(torch, call)
    with pytest.raises(RuntimeError, match=r"linalg.svd: Expected a floating point.*\(shape"):
        ta.linalg.svd(ta.ones(3, 3, dtype=ta.int64))
    with pytest.raises(RuntimeError, match="tensors 0 and 1 with shapes"):
        ta.linalg.multi_dot([ta.ones(2, 2), ta.ones(3, 2)])
