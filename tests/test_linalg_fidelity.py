"""The decompositions against torch where the differential campaign found them apart:
cholesky of inputs holding inf / nan (torch's potrf fails or propagates at its own pivots),
the triangle that eigh / cholesky do not read (its inf must not spread), the old
``Tensor.cholesky`` with torch's own checks, and ``.svd()`` / ``.qr()`` shapes."""
import itertools
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

INF, NAN = float("inf"), float("nan")


def _run(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f()
        except Exception as e:  # noqa: BLE001 (the type is what is compared)
            return type(e).__mro__, None
    r = r if isinstance(r, tuple) else (r,)
    return None, [np.asarray(t.detach().numpy() if hasattr(t, "detach") else t.numpy())
                  for t in r]


def _matrices():
    rng = np.random.default_rng(0)
    for bad in (INF, -INF, NAN):
        for i, j in itertools.product(range(3), range(3)):
            m = rng.uniform(-2, 2, (3, 3))
            m = m @ m.T / 4 + np.eye(3)
            m[i, j] = bad
            yield f"{bad}@{i}{j}", m
        yield f"{bad} symmetric", np.where(np.eye(3, k=1) + np.eye(3, k=-1) > 0, bad, np.eye(3))


def _same(name, fn, m):
    (et, vt), (eo, vo) = _run(lambda: fn(torch, m)), _run(lambda: fn(ta, m))
    assert (et is None) == (eo is None), f"{name}: torch {et and et[0]} ours {eo and eo[0]}"
    if et is not None:
        assert torch.linalg.LinAlgError in et and ta.linalg.LinAlgError in eo
        return
    for a, b in zip(vt, vo):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12, err_msg=name)


CHOLESKY = {
    "linalg.cholesky": lambda lib, m: lib.linalg.cholesky(lib.tensor(m)),
    "linalg.cholesky(upper)": lambda lib, m: lib.linalg.cholesky(lib.tensor(m), upper=True),
    "cholesky()": lambda lib, m: lib.tensor(m).cholesky(),
    "cholesky(upper)": lambda lib, m: lib.cholesky(lib.tensor(m), upper=True),
}


@pytest.mark.parametrize("op", CHOLESKY)
def test_cholesky_of_inf_and_nan_fails_and_propagates_as_torch(op):
    for name, m in _matrices():
        _same(f"{op} {name}", CHOLESKY[op], m)


def test_cholesky_batched_inf_names_the_batch_element_and_minor():
    a = np.stack([np.eye(3) * 2] * 3)
    a[1, 2, 0] = INF
    for lib in (torch, ta):
        with pytest.raises(lib.linalg.LinAlgError) as e:
            lib.linalg.cholesky(lib.tensor(a))
        assert "(Batch element 1)" in str(e.value) and "order 3" in str(e.value)


def test_cholesky_random_inf_nan_patterns_match_torch():
    rng = np.random.default_rng(1)
    for _ in range(150):
        n = int(rng.integers(1, 6))
        m = rng.uniform(-2, 2, (n, n))
        m = m @ m.T / 4 + np.eye(n)
        for _ in range(int(rng.integers(1, 3))):
            m[rng.integers(0, n), rng.integers(0, n)] = rng.choice([INF, -INF, NAN])
        _same("linalg.cholesky", CHOLESKY["linalg.cholesky"], m)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_ignores_inf_in_the_triangle_it_does_not_read(uplo):
    m = np.array([[2.0, 0.5, 0.1], [0.5, 3.0, 0.2], [0.1, 0.2, 4.0]])
    m[(0, 2) if uplo == "L" else (2, 0)] = INF
    m[(1, 2) if uplo == "L" else (2, 1)] = NAN
    for fn in (lambda lib, x: lib.linalg.eigvalsh(lib.tensor(x), UPLO=uplo),
               lambda lib, x: lib.linalg.eigh(lib.tensor(x), UPLO=uplo).eigenvalues,
               lambda lib, x: lib.linalg.pinv(lib.tensor(x), hermitian=True)):
        _same("eigh", fn, m)


def test_cholesky_gradient_still_symmetric_and_torchs():
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    g = np.arange(9.0).reshape(3, 3)
    grads = []
    for lib in (torch, ta):
        x = lib.tensor(a, requires_grad=True)
        (lib.cholesky(x) * lib.tensor(g)).sum().backward()
        grads.append(np.asarray(x.grad.numpy()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 0), (0, 2), (0, 0), (3, 0, 0), (0,)])
def test_tensor_cholesky_of_empty_runs_as_torch(shape):
    for dtype in ("float64", "int64"):
        t = torch.zeros(shape, dtype=getattr(torch, dtype)).cholesky()
        o = ta.zeros(shape, dtype=getattr(ta, dtype)).cholesky()
        assert tuple(t.shape) == o.shape and str(t.dtype).endswith(str(o.dtype))
    x = ta.zeros(2, 0, dtype=ta.float64, requires_grad=True)
    assert x.cholesky().requires_grad


@pytest.mark.parametrize("shape,dtype,err", [((3,), "float64", RuntimeError),
                                             ((2, 3), "float64", RuntimeError),
                                             ((2, 2), "int64", NotImplementedError),
                                             ((2, 2), "float16", NotImplementedError)])
def test_tensor_cholesky_errors_as_torch(shape, dtype, err):
    with pytest.raises(err):
        torch.ones(shape, dtype=getattr(torch, dtype)).cholesky()
    with pytest.raises(err):
        ta.ones(shape, dtype=getattr(ta, dtype)).cholesky()


def test_tensor_cholesky_default_is_lower_and_upper_keyword():
    a = [[4.0, 2.0], [2.0, 2.0]]
    np.testing.assert_allclose(ta.tensor(a).cholesky().numpy(), torch.tensor(a).cholesky())
    np.testing.assert_allclose(ta.tensor(a).cholesky(upper=True).numpy(),
                               torch.tensor(a).cholesky(upper=True))


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (2, 2, 3), (2, 4, 3), (0, 3), (3, 0),
                                   (0, 0), (2, 0, 3), (1, 3), (3, 1)])
@pytest.mark.parametrize("op", ["svd", "svd(some=False)", "svd(compute_uv=False)", "qr",
                                "qr(some=False)"])
def test_old_svd_and_qr_shapes_and_values_up_to_sign(shape, op):
    """torch.svd returns V (not Vh) and, with some=True, the reduced factors; the vectors
    are each unique up to its sign (LAPACK builds differ there), so |factors| compare."""
    m = np.random.default_rng(2).standard_normal(shape)
    kw = {"svd(some=False)": {"some": False}, "svd(compute_uv=False)": {"compute_uv": False},
          "qr(some=False)": {"some": False}}.get(op, {})
    name = op.partition("(")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.tensor(m), name)(**kw)
    ours = getattr(ta.tensor(m), name)(**kw)
    for t, o in zip(theirs, ours):
        assert tuple(t.shape) == o.shape
        np.testing.assert_allclose(np.abs(o.numpy()), np.abs(t.numpy()), atol=1e-10)
    if name == "svd" and kw.get("compute_uv", True):
        u, s, v = ours
        np.testing.assert_allclose((u[..., :s.shape[-1]] * s.unsqueeze(-2)
                                    @ v[..., :s.shape[-1]].mT).numpy(), m, atol=1e-10)
