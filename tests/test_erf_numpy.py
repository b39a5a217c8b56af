"""tinygrad_acts.erf_numpy: the vectorized erf / erfc against the C library's math.erf / erfc.

Agreement is measured in ulps (units in the last place, counted exactly on the float64
grid). Inputs under special._MATH_BELOW elements are handed to math.erf itself, so the
accuracy checks pad their inputs past that size to exercise the numpy path.
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_acts import erf_numpy as special

_math_erf = np.frompyfunc(math.erf, 1, 1)
_math_erfc = np.frompyfunc(math.erfc, 1, 1)
FUNCS = [(special.erf, _math_erf), (special.erfc, _math_erfc)]
IDS = ["erf", "erfc"]

# the interval ends of the implementation, and the erfc branch point 1/4
BOUNDARIES = [0.25, 0.84375, 1.25, 1 / 0.35, 6.0, 28.0]
TINY = [0.0, -0.0, 5e-324, -5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, -1e-300,
        1e-20, 2.0 ** -56, 2.0 ** -28, 1e-10, -1e-10, 1e-5]


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many float64 values apart a and b are (0 for two NaNs; -0.0 == 0.0)."""
    def ordered(v):
        i = np.asarray(v, dtype=np.float64).view(np.int64)
        return np.where(i < 0, np.int64(-2 ** 63) - i, i)
    d = np.abs(ordered(a) - ordered(b))
    return np.where(np.isnan(a) & np.isnan(b), 0, d)


def _allowed(fn, x: np.ndarray) -> np.ndarray:
    # NOTE: 2 ulp, but 5 for erfc(x >= 1.25): there glibc's erfc is itself up to 2.6 ulp
    # off the true value and ours up to 2.3 (see test_erfc_tail_against_exact_values), so
    # at rare points the two are 4 ulp apart.
    return np.where((fn is special.erfc) & (x >= 1.25), 5, 2)


def _numpy_path(fn, x) -> np.ndarray:
    """fn(x), padded past the size below which math.erf is used element by element."""
    x = np.asarray(x, dtype=np.float64)
    pad = np.zeros(max(0, special._MATH_BELOW - x.size))
    return fn(np.concatenate([x, pad]))[:x.size]


def _check_against_math(fn, ref, x: np.ndarray) -> None:
    got = _numpy_path(fn, x)
    want = ref(x).astype(np.float64)
    ulps = _ulps(got, want)
    bad = ulps > _allowed(fn, x)
    assert not bad.any(), (f"{fn.__name__}: {bad.sum()} points off, e.g. x={x[bad][:3]!r}: "
                           f"{ulps[bad][:3]} ulp")


# --- agreement with math.erf / math.erfc ----------------------------------------------------

@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_dense_grid(fn, ref):
    _check_against_math(fn, ref, np.linspace(-30, 30, 200_001))


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_interval_boundaries(fn, ref):
    b = np.array(BOUNDARIES)
    b = np.concatenate([b, -b])
    near = np.concatenate([b, b - 1e-12, b + 1e-12, np.nextafter(b, 0), np.nextafter(b, 99)])
    _check_against_math(fn, ref, near)


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_tiny_values_keep_relative_precision(fn, ref):
    _check_against_math(fn, ref, np.array(TINY))


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_erfc_tail_down_to_underflow(fn, ref):
    # erfc(26.5) ~ 2e-307 is still normal; past ~26.55 it is subnormal, past ~27.3 zero
    _check_against_math(fn, ref, np.linspace(20, 28, 4001))


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
@given(x=hnp.arrays(np.float64, st.integers(1, 64),
                    elements=st.floats(min_value=-40, max_value=40, allow_nan=False)))
def test_matches_math_property(fn, ref, x):
    _check_against_math(fn, ref, x)


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_small_inputs_are_math_exactly(fn, ref):
    x = np.array(TINY + BOUNDARIES + [-3.0, 0.5, 27.0])
    assert x.size < special._MATH_BELOW
    np.testing.assert_array_equal(fn(x), ref(x).astype(np.float64))


def test_erfc_tail_against_exact_values():
    mpmath = pytest.importorskip("mpmath")
    x = np.random.default_rng(0).uniform(1.25, 26.5, 2000)
    got = _numpy_path(special.erfc, x)
    with mpmath.workprec(80):
        err = [abs((mpmath.mpf(g) - mpmath.erfc(mpmath.mpf(v))) / mpmath.mpf(np.spacing(g)))
               for v, g in zip(x.tolist(), got.tolist())]
    assert max(err) <= 2.5


# --- dtypes and shapes -----------------------------------------------------------------------

def _ulps32(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """|got - exact| in units of float32's spacing at the exact value (float64 exact)."""
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - exact) / spacing


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_float32_small_inputs_are_the_rounded_float64_result(fn, ref):
    x = np.random.default_rng(1).uniform(-7, 7, 5).astype(np.float32)
    x[:3] = [np.float32(1e-45), np.float32(-3e-39), np.float32(0.5)]
    got = fn(x)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, fn(x.astype(np.float64)).astype(np.float32))


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_float32_short_path_within_one_ulp_of_exact(fn, ref):
    # the short path (float32 and float16 results, see special's docstring): within
    # 1 float32 ulp of math.erf's float64 value (itself 1e-16 off: 1e-9 of a float32 ulp)
    rng = np.random.default_rng(1)
    x = np.concatenate([np.linspace(-11, 11, 40_001), rng.normal(size=20_000),
                        rng.uniform(-0.6, 0.6, 20_000), [1e-45, -3e-39, 1e-30, 0.5, -0.5,
                                                         10.0, 10.5, -10.5, 11.0]])
    x = x.astype(np.float32)
    got = fn(x)
    assert got.dtype == np.float32
    exact = ref(x.astype(np.float64)).astype(np.float64)
    ulps = _ulps32(got, exact)
    assert ulps.max() <= 1.0, f"{fn.__name__}: {ulps.max():.2f} ulp at x={x[ulps.argmax()]!r}"
    # and correctly rounded almost everywhere (the fit's error is 1e-9 relative)
    assert np.mean(got == exact.astype(np.float32)) > 0.98


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_float32_short_path_against_exact_values(fn, ref):
    mpmath = pytest.importorskip("mpmath")
    x = np.random.default_rng(4).uniform(-10, 10, 1500).astype(np.float32)
    got = fn(np.resize(x, 2048))[:1500]  # past _MATH_BELOW: the short path
    exact_fn = mpmath.erf if fn is special.erf else mpmath.erfc
    with mpmath.workdps(30):
        exact = np.array([float(exact_fn(mpmath.mpf(float(v)))) for v in x])
    normal = np.abs(exact) > np.finfo(np.float32).tiny  # subnormal float32: absolute
    assert _ulps32(got[normal], exact[normal]).max() <= 1.0
    assert np.abs(got[~normal] - exact[~normal]).max(initial=0) <= 1.5e-45


@pytest.mark.parametrize("fn", [special.erf, special.erfc], ids=IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.int8, np.uint8, np.bool_])
def test_short_path_dtypes(fn, dtype):
    x = np.resize(np.arange(-4, 5), 3000).astype(dtype)
    got = fn(x)
    assert got.dtype == (x.dtype if x.dtype.kind == "f" else np.float32)
    want = fn(x.astype(np.float64)).astype(got.dtype)  # (float16: erfc(4) is subnormal)
    np.testing.assert_allclose(got, want, rtol=1e-3 if dtype == np.float16 else 1e-7,
                               atol=6e-8 if dtype == np.float16 else 0)


@pytest.mark.parametrize("fn", [special.erf, special.erfc], ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32,
                                   np.int8, np.uint8, np.bool_])
def test_dtype_rule(fn, dtype):
    x = np.arange(-2, 3).astype(dtype)
    got = fn(x)
    # floats keep their dtype (float16 too, as in PyTorch); integers and bools promote
    assert got.dtype == (x.dtype if x.dtype.kind == "f" else np.result_type(x, np.float32))
    np.testing.assert_allclose(got, fn(x.astype(np.float64)),
                               rtol=1e-3 if dtype == np.float16 else 1e-6)


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
def test_ints_and_python_scalars_give_float64(fn, ref):
    got = fn(np.arange(-3, 4))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, ref(np.arange(-3.0, 4.0)).astype(np.float64))
    for v in (0.5, 2, np.float64(0.5), np.int64(2)):
        assert fn(v).dtype == np.float64


@pytest.mark.parametrize("fn, ref", FUNCS, ids=IDS)
@pytest.mark.parametrize("x", [0.3, np.float64(2.5), np.float32(-1.0), np.array(0.9)])
def test_0d_input_gives_0d_ndarray(fn, ref, x):
    got = fn(x)
    assert type(got) is np.ndarray and got.shape == ()
    assert got == np.asarray(ref(np.float64(x)), dtype=got.dtype)


@pytest.mark.parametrize("fn", [special.erf, special.erfc], ids=IDS)
@pytest.mark.parametrize("shape", [(0,), (3, 0, 2), (4, 5), (2, 3, 700)])
def test_shape_preserved(fn, shape):
    x = np.random.default_rng(2).normal(size=shape)
    got = fn(x)
    assert got.shape == shape
    np.testing.assert_array_equal(got.ravel(), fn(x.ravel()))


@pytest.mark.parametrize("fn", [special.erf, special.erfc], ids=IDS)
def test_non_contiguous_input_and_input_untouched(fn):
    x = np.random.default_rng(3).normal(size=(60, 80)) * 3
    keep = x.copy()
    np.testing.assert_array_equal(fn(x.T), fn(x).T)
    np.testing.assert_array_equal(fn(x[:, ::3]), fn(x)[:, ::3])
    np.testing.assert_array_equal(x, keep)


# --- special values and floating-point flags -------------------------------------------------

@pytest.mark.parametrize("path", [lambda fn, x: fn(x), _numpy_path], ids=["math", "numpy"])
def test_special_values(path):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e308, -1e308])
    erf, erfc = path(special.erf, x), path(special.erfc, x)
    np.testing.assert_array_equal(erf, [1, -1, np.nan, 0, 0, 1, -1])
    np.testing.assert_array_equal(erfc, [0, 2, np.nan, 1, 1, 0, 2])
    assert np.signbit(erf[4]) and not np.signbit(erf[3])


@pytest.mark.parametrize("fn", [special.erf, special.erfc], ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_floating_point_errors(fn, dtype):
    fmax = np.finfo(np.float64).max
    edge = [np.inf, -np.inf, np.nan, fmax, -fmax, 1e308, -1e300, 1e20, -1e20, 5e-324,
            -5e-324, 1e-310, 26.6, 27.2, 27.5, -27.5, 28.0, 1e-45]
    with np.errstate(all="ignore"):  # the casts to float32 overflow on purpose
        x = np.concatenate([edge, np.linspace(-50, 50, 2001)]).astype(dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for v in (x, x[:len(edge)], x[0], x.reshape(1, -1)):
            fn(v)


# --- identities ------------------------------------------------------------------------------

def test_erf_plus_erfc_is_one():
    x = np.linspace(-10, 10, 20_001)
    np.testing.assert_allclose(special.erf(x) + special.erfc(x), 1.0, rtol=0, atol=4.5e-16)


def test_erfc_reflection():
    x = np.linspace(0, 30, 20_001)
    np.testing.assert_allclose(special.erfc(-x), 2.0 - special.erfc(x), rtol=0, atol=4.5e-16)
    np.testing.assert_array_equal(special.erf(-x), -special.erf(x))
