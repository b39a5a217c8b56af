"""erf and erfc for numpy arrays: vectorized, to full float64 precision.

numpy has no error function. The fallback used so far, ``np.frompyfunc(math.erf, 1, 1)``, is
exact but makes one Python call per element, which made erf-based code (the exact gelu, the
normal CDF) two orders of magnitude slower than tanh. Here erf and erfc are computed with
whole-array numpy operations from the classic piecewise rational approximations in |x|:

    |x| < 0.84375          erf(x) = x + x * P(x^2) / Q(x^2)
    0.84375 <= |x| < 1.25  erf(|x|) = ERX + P(s) / Q(s),  s = |x| - 1
    1.25 <= |x| < 28       erfc(|x|) = exp(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / |x|
                           (two coefficient sets, split at |x| = 1/0.35)

with erf(-x) = -erf(x), erfc(-x) = 2 - erfc(x), and erf = 1 - erfc in the tail. Each piece is
evaluated only on the elements in its interval.

Precision: below |x| = 1.25 the results are glibc's erf / erfc bit for bit (same fits, same
operations). In the tail erf is within 1 ulp of glibc's, and erfc(x), x > 0, within 2.3 ulp
of the true value (glibc's own erfc: 2.6).

Inputs of fewer than ``_MATH_BELOW`` elements go to ``math.erf`` / ``math.erfc`` instead:
the numpy path has a fixed cost of some 150 numpy calls, more than that many Python calls.

float32 and float16 results (the dtypes models train in: the exact gelu of a transformer's
feed-forward layer) need only 24 bits, and take a short path with no pieces and no masks:
one formula for the whole line, evaluated in float64 in place,

    erfc(a) = exp(-a^2) r G(u),   a = |x|,  r = 1 / (a + 3),  u = 1.6 - 7.8 r  in [-1, 1]

where G(u) = erfcx(a) (a + 3) (erfcx(a) = e^(a^2) erfc(a), smooth and slowly varying) is a
degree-10 polynomial: the Chebyshev interpolant at 11 points over a in [0, 10] (past 10,
erfc(a) < 2e-45 is zero in float32), found with mpmath in 50 digits and written in powers
of u. Its error is 1e-9 relative, 60 times below float32's resolution, so the results are
within 1 ulp of the exact values (correctly rounded for about 92% of inputs); erf(x) is
1 - erfc(|x|) with x's sign, and x S(x^2) for |x| < 1/2 (S: the same kind of fit, degree
5). About 40 whole-array passes, six times faster than the pieces.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["erf", "erfc"]

Piece = Callable[[np.ndarray], np.ndarray]  # one interval's formula, on its elements

# Coefficients: the rational approximations of Sun's fdlibm s_erf.c (1993; as in FreeBSD's
# msun). Each decimal literal is the exact double of the 64-bit pattern listed there.

# erf(1) rounded to 24 bits, so that 1 - ERX is exact
_ERX = 8.45062911510467529297e-01

# |x| < 0.84375: erf(x) = x + x * P(x^2) / Q(x^2)
_P_SMALL = (1.28379167095512558561e-01, -3.25042107247001499370e-01,
            -2.84817495755985104766e-02, -5.77027029648944159157e-03,
            -2.37630166566501626084e-05)
_Q_SMALL = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02,
            5.08130628187576562776e-03, 1.32494738004321644526e-04,
            -3.96022827877536812320e-06)

# 0.84375 <= |x| < 1.25: erf(|x|) = ERX + P(s) / Q(s), s = |x| - 1
_P_ONE = (-2.36211856075265944077e-03, 4.14856118683748331666e-01,
          -3.72207876035701323847e-01, 3.18346619901161753674e-01,
          -1.10894694282396677476e-01, 3.54783043256182359371e-02,
          -2.16637559486879084300e-03)
_Q_ONE = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01,
          7.18286544141962662868e-02, 1.26171219808761642112e-01,
          1.36370839120290507362e-02, 1.19844998467991074170e-02)

# 1.25 <= a < 1/0.35: log(a erfc(a)) + a^2 + 0.5625 = R(1/a^2) / S(1/a^2)
_R_MID = (-9.86494403484714822705e-03, -6.93858572707181764372e-01,
          -1.05586262253232909814e+01, -6.23753324503260060396e+01,
          -1.62396669462573470355e+02, -1.84605092906711035994e+02,
          -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_S_MID = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02,
          4.34565877475229228821e+02, 6.45387271733267880336e+02,
          4.29008140027567833386e+02, 1.08635005541779435134e+02,
          6.57024977031928170135e+00, -6.04244152148580987438e-02)

# 1/0.35 <= a < 28: the same function, second fit
_R_FAR = (-9.86494292470009928597e-03, -7.99283237680523006574e-01,
          -1.77579549177547519889e+01, -1.60636384855821916062e+02,
          -6.37566443368389627722e+02, -1.02509513161107724954e+03,
          -4.83519191608651397019e+02)
_S_FAR = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02,
          1.53672958608443695994e+03, 3.19985821950859553908e+03,
          2.55305040643316442583e+03, 4.74528541206955367215e+02,
          -2.24409524465858183362e+01)

_SMALL_END = 0.84375
_ONE_END = 1.25
_MID_END = 1 / 0.35
# From |x| = 6 on erf(|x|) rounds to 1, and erfc(|x|) has underflowed to 0 before 28:
# clamping |x| there keeps inf out of the arithmetic without changing any result.
_ERF_CLAMP = 6.0
_ERFC_CLAMP = 28.0
# keeps the sign, the exponent and the top 20 stored mantissa bits of a float64
_HIGH_BITS = np.uint64(0xFFFFFFFF00000000)
# below this many elements math.erf / math.erfc per element is the faster path
_MATH_BELOW = 1024


# --- arithmetic helpers -------------------------------------------------------------------
# NOTE: the helpers work in place where they can: fewer live temporaries leave glibc's
# malloc less memory to hand back to the OS after a call and fault in again on the next,
# which for 32k-element inputs can cost more than the arithmetic.

def _even_powers(t: np.ndarray, count: int) -> list[np.ndarray]:
    """[t^2, t^4, t^6, t^8][:count], with t^6 = t^4 t^2 and t^8 = t^4 t^4."""
    t2 = t * t
    powers = [t2, t2 * t2]
    if count > 2:
        powers.append(powers[1] * t2)
    if count > 3:
        powers.append(powers[1] * powers[1])
    return powers[:count]


def _poly(t: np.ndarray, coefs: tuple[float, ...], powers: list[np.ndarray],
          term: np.ndarray) -> np.ndarray:
    """coefs[0] + coefs[1] t + coefs[2] t^2 + ..., grouped as
    (c0 + c1 t) + t^2 (c2 + c3 t) + t^4 (c4 + c5 t) + ... and summed left to right
    (powers: from _even_powers; term: scratch space shaped like t)."""
    # NOTE: the grouping glibc's erf/erfc use for these same fits (rather than Horner's
    # rule): rounding the same operations, the results agree with math.erf bit for bit
    # wherever no exp is involved.
    acc = t * coefs[1]
    acc += coefs[0]
    for i in range(2, len(coefs), 2):
        power = powers[i // 2 - 1]
        if i + 1 < len(coefs):
            np.multiply(t, coefs[i + 1], out=term)
            term += coefs[i]
            term *= power
        else:
            np.multiply(power, coefs[i], out=term)
        acc += term
    return acc


def _ratio(t: np.ndarray, num: tuple[float, ...], den: tuple[float, ...]) -> np.ndarray:
    """num(t) / den(t) for coefficient tuples num and den (lowest degree first)."""
    powers = _even_powers(t, (max(len(num), len(den)) - 1) // 2)
    term = np.empty_like(t)
    out = _poly(t, num, powers, term)
    out /= _poly(t, den, powers, term)
    return out


def _horner(t: np.ndarray, coefs: tuple[float, ...]) -> np.ndarray:
    """coefs[0] + coefs[1] t + coefs[2] t^2 + ... by Horner's rule, in a single buffer: for
    the tail, where matching glibc bit for bit is out of reach anyway (exp is involved)."""
    acc = t * coefs[-1]
    for c in coefs[-2:0:-1]:
        acc += c
        acc *= t
    acc += coefs[0]
    return acc


def _horner_ratio(t: np.ndarray, num: tuple[float, ...], den: tuple[float, ...]) -> np.ndarray:
    out = _horner(t, num)
    out /= _horner(t, den)
    return out


def _high(v: np.ndarray) -> np.ndarray:
    """v with its low 32 mantissa bits cleared: 21 significant bits, so high(v)^2 is exact."""
    return (v.view(np.uint64) & _HIGH_BITS).view(np.float64)


def _apply(mask: np.ndarray, x: np.ndarray, out: np.ndarray,
           f: Piece) -> None:
    """out[mask] = f(x[mask]); no copies when the mask is all True or all False.
    f gets x itself in the first case, so it must not write to its argument."""
    # NOTE: integer indices (flatnonzero + take + put) cost about a third of two boolean
    # indexing passes on large arrays.
    count = np.count_nonzero(mask)
    if count == x.size:
        out[...] = f(x)
    elif count:
        idx = np.flatnonzero(mask)
        out[idx] = f(x.take(idx))


# --- the pieces ---------------------------------------------------------------------------

def _small_ratio(x: np.ndarray) -> np.ndarray:
    """y with erf(x) = x + x y, for |x| < 0.84375."""
    return _ratio(x * x, _P_SMALL, _Q_SMALL)


def _one_ratio(a: np.ndarray) -> np.ndarray:
    """erf(a) - ERX, for 0.84375 <= a < 1.25."""
    return _ratio(a - 1.0, _P_ONE, _Q_ONE)


def _tail_log(a: np.ndarray) -> np.ndarray:
    """log(a erfc(a)) + a^2 + 0.5625, for 1.25 <= a <= 28: between -0.22 and -0.0099."""
    s = a * a
    np.divide(1.0, s, out=s)
    out = np.empty_like(a)
    mid = a < _MID_END
    _apply(mid, s, out, lambda t: _horner_ratio(t, _R_MID, _S_MID))
    _apply(~mid, s, out, lambda t: _horner_ratio(t, _R_FAR, _S_FAR))
    return out


def _tail_erfc(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 1.25 <= a <= 28, to within 2 ulp (measured against mpmath)."""
    # NOTE: exp(-a*a) in plain double arithmetic would be off by up to a^2 ulp (the
    # rounding of a*a, magnified by exp); with hi = a's leading bits, hi*hi is exact and
    # exp(-a^2) = exp(-hi^2) exp((hi - a)(hi + a)), the second factor's argument small.
    hi = _high(a)
    e = np.multiply(hi, hi)
    e += 0.5625
    np.negative(e, out=e)
    np.exp(e, out=e)
    small = _tail_log(a)
    small += (hi - a) * (hi + a)
    e *= np.exp(small, out=small)
    e /= a
    return e


# --- erf and erfc of a flat float64 array -------------------------------------------------

def _erf_small(x: np.ndarray) -> np.ndarray:
    y = _small_ratio(x)
    y *= x
    y += x
    return y


def _erf_one(x: np.ndarray) -> np.ndarray:
    e = _one_ratio(np.abs(x))
    e += _ERX
    return np.copysign(e, x, out=e)


def _erf_tail(x: np.ndarray) -> np.ndarray:
    e = _tail_erfc(np.minimum(np.abs(x), _ERF_CLAMP))
    np.subtract(1.0, e, out=e)
    return np.copysign(e, x, out=e)


def _erfc_small(x: np.ndarray) -> np.ndarray:
    xy = _small_ratio(x)
    xy *= x
    # NOTE: from x = 1/4 on, 0.5 - ((x - 0.5) + x y) loses less to rounding than
    # 1 - (x + x y): x - 0.5 is exact there.
    return np.where(x < 0.25, 1.0 - (x + xy), 0.5 - ((x - 0.5) + xy))


def _erfc_one(x: np.ndarray) -> np.ndarray:
    r = _one_ratio(np.abs(x))
    return np.where(x > 0, (1.0 - _ERX) - r, 1.0 + (_ERX + r))


def _erfc_tail(x: np.ndarray) -> np.ndarray:
    e = _tail_erfc(np.minimum(np.abs(x), _ERFC_CLAMP))
    return np.subtract(2.0, e, out=e, where=x < 0)


def _piecewise(x: np.ndarray, small: Piece, one: Piece, tail: Piece) -> np.ndarray:
    """A 1-d float64 array through the piece for each element's |x|: below 0.84375, below
    1.25, or beyond (expects underflow to be ignored)."""
    out = np.abs(x)  # NOTE: NaN is in no interval below, so it stays NaN
    is_small = out < _SMALL_END
    is_tail = out >= _ONE_END
    _apply(is_small, x, out, small)
    _apply(~(is_small | is_tail), x, out, one)
    _apply(is_tail, x, out, tail)
    return out


# --- the short path for float32 and float16 results -----------------------------------------

# erfc(a) = exp(-a^2) r G(u), r = 1 / (a + 3), u = 1.6 - 7.8 r: G's coefficients, lowest first
_G_SHORT = (1.3134711776777686, -0.9320437242289448, 0.5009238172150234,
            -0.19775740575542997, 0.05186290377069025, -0.005785639697629826,
            -0.0013657497883615532, 0.0005341723141007824, 2.4656880261460185e-05,
            -3.095188075197625e-05, -3.5298074848728973e-07)
# erf(x) = x S(x^2) for |x| < 1/2
_S_SHORT = (1.1283791670824095, -0.37612638525650693, 0.11283774013179539,
            -0.026863143032249386, 0.005200413724335493, -0.0007694534279142308)
_SHORT_K, _SHORT_SCALE, _SHORT_SHIFT = 3.0, -7.8, 1.6  # u = 1.6 - 7.8 / (a + 3)
_SHORT_CLAMP = 10.5  # erfc(10.5) ~ 1e-49: zero in float32, and nothing overflows
_SHORT_SMALL_END = 0.5


def _erfc_abs_short(a: np.ndarray) -> np.ndarray:
    """erfc(a) for a float64 array a >= 0 (overwritten) to 1e-9 relative."""
    # NOTE: exp(-a*a) here loses up to a^2 ulp of float64 (a*a is rounded): 1e-14
    # relative at a = 10, far below float32's 6e-8, so no split of a is needed.
    np.minimum(a, _SHORT_CLAMP, out=a)
    r = a + _SHORT_K
    np.divide(1.0, r, out=r)
    u = r * _SHORT_SCALE
    u += _SHORT_SHIFT
    g = _horner(u, _G_SHORT)
    g *= r
    np.multiply(a, a, out=a)
    np.negative(a, out=a)
    g *= np.exp(a, out=a)
    return g


def _erfc_short(x: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    g = _erfc_abs_short(np.abs(x, dtype=np.float64))
    # NOTE: erfc(-a) = 2 - erfc(a); |g - 2| is that for negative x and g for the rest,
    # in two arithmetic passes (a masked subtract is ten times slower)
    g -= np.signbit(x) * 2.0
    return np.abs(g, out=g).astype(out_dtype)


def _erf_short(x: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    x64 = x.astype(np.float64)
    a = np.abs(x64)
    small = a < _SHORT_SMALL_END
    e = _erfc_abs_short(a)
    np.subtract(1.0, e, out=e)
    np.copysign(e, x64, out=e)
    x2 = np.multiply(x64, x64)
    s = _horner(x2, _S_SHORT)
    s *= x64
    np.copyto(e, s, where=small)
    return e.astype(out_dtype)


# --- public API ---------------------------------------------------------------------------

# one call of the C library's erf / erfc per element, for small inputs
_ERF_EACH = np.frompyfunc(math.erf, 1, 1)
_ERFC_EACH = np.frompyfunc(math.erfc, 1, 1)


ShortPath = Callable[[np.ndarray, np.dtype], np.ndarray]


def _evaluate(x: ArrayLike, pieces: tuple[Piece, Piece, Piece], short: ShortPath,
              each: np.ufunc) -> np.ndarray:
    arr = np.asarray(x)
    out_dtype = arr.dtype if arr.dtype.kind == "f" else np.result_type(arr, np.float32)
    # NOTE: underflow is expected and harmless (erf of a tiny x, x^2 of a tiny x, exp(-x^2)
    # in erfc's tail, a tiny float64 cast to float32); nothing overflows, divides by zero
    # or is invalid for any input, inf and NaN included.
    with np.errstate(under="ignore"):
        if arr.size < _MATH_BELOW:
            return np.asarray(each(arr), dtype=out_dtype)
        if out_dtype.itemsize < 8:  # float32 and float16 results: 24 bits are enough
            return short(arr, out_dtype)
        res = _piecewise(arr.astype(np.float64, copy=False).ravel(), *pieces)
        return res.reshape(arr.shape).astype(out_dtype, copy=False)


def erf(x: ArrayLike) -> np.ndarray:
    """The error function, elementwise, as an ndarray of x's float dtype (integers and bools:
    result_type(x, float32), so float64 for int64)."""
    return _evaluate(x, (_erf_small, _erf_one, _erf_tail), _erf_short, _ERF_EACH)


def erfc(x: ArrayLike) -> np.ndarray:
    """1 - erf(x), elementwise and without the cancellation: full relative precision in
    the tail, down to erfc(26.5) ~ 2e-307. Same dtype rule as erf."""
    return _evaluate(x, (_erfc_small, _erfc_one, _erfc_tail), _erfc_short, _ERFC_EACH)
