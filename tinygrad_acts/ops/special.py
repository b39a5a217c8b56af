"""Special functions with rules of their own: erfc, the modified Bessel function i0, and
polygamma (the derivatives of digamma).

- erfc x = 1 - erf x, computed without the cancellation (``erf_numpy.erfc``);
  d/dx = -2/sqrt(pi) e^(-x^2).
- i0 x = sum_k (x/2)^(2k) / (k!)^2; d/dx = i1 x = sum_k (x/2)^(2k+1) / (k! (k+1)!).
- polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x) for n >= 1 (Hurwitz zeta);
  d/dx = polygamma(n + 1, x), so every order differentiates again.

Each backward runs on arrays and, under ``create_graph``, on Tensors (through the same
Functions), so second derivatives are those of the formulas.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import erf_numpy
from ..autograd import Function
from .helpers import is_tensor, masked, quiet, unbroadcast
from .indexing import where
from .spec import lib, row

_TWO_OVER_ROOT_PI = 2 / math.sqrt(math.pi)


def _exp(x: Any) -> Any:
    return x.exp() if is_tensor(x) else np.exp(x)


class Erfc(Function):
    """erfc x = 1 - erf x; dx = -g * 2/sqrt(pi) * e^(-x^2)."""

    @quiet
    def forward(self, x):
        self.save(x)
        return erf_numpy.erfc(x)

    @quiet
    def backward(self, g, x):
        return g * (-_TWO_OVER_ROOT_PI) * _exp(-(x * x))


# --- the modified Bessel functions of the first kind, orders 0 and 1 -----------------------

#: past this |x|, i0 and i1 overflow float64 (e^713 / sqrt(2 pi 713) > 1.8e308)
_BESSEL_OVERFLOW = 713.0


def bessel_i1(x: np.ndarray) -> np.ndarray:
    """i1 of a float array, as float64: the power series, whose terms are all of one sign
    (no cancellation: full precision at any |x|), summed until the terms stop counting.

    NOTE: the terms grow until k ~ |x| / 2, so a large |x| takes ~|x| / 2 + 10 sqrt|x|
    passes; past |x| = 713 the value overflows, and is +-inf (as torch); at +-inf itself
    torch's e^|x| / sqrt|x| is inf / inf = nan, and so is ours."""
    a = np.asarray(x, np.float64)
    finite = np.abs(a) < _BESSEL_OVERFLOW
    h = np.where(finite, a / 2, 0.0)
    quarter = h * h
    term, total, k = h.copy(), h.copy(), 0
    while np.any(np.abs(term) > 1e-17 * np.abs(total)):
        k += 1
        term = term * quarter / (k * (k + 1))
        total = total + term
    return np.where(finite, total, np.where(np.isfinite(a), np.copysign(np.inf, a), np.nan))


class I0(Function):
    """i0 x, the modified Bessel function of order 0; dx = g * i1 x (from ``I1``)."""

    @quiet
    def forward(self, x):
        self.save(x)
        return np.i0(x).astype(x.dtype)

    @quiet
    def backward(self, g, x):
        return g * (I1.apply(x) if is_tensor(x) else bessel_i1(x).astype(x.dtype))


class I1(Function):
    """i1 x, the modified Bessel function of order 1 (i0's slope);
    dx = g * (i0 x - i1 x / x), and g / 2 at x = 0."""

    @quiet
    def forward(self, x):
        y = bessel_i1(x).astype(x.dtype)
        self.save(x, y)
        return y

    @quiet
    def backward(self, g, x, y):
        i0 = I0.apply(x) if is_tensor(x) else np.i0(x).astype(x.dtype)
        slope = i0 - y / x
        zero = x == 0
        if is_tensor(slope):
            return g * lib(slope).where(zero, 0.5, slope)
        return g * np.where(zero, 0.5, slope)


# --- polygamma ------------------------------------------------------------------------------

#: B_2j / (2j)!, j = 1..9, the Euler-Maclaurin tail's coefficients
_BERNOULLI = tuple(b / math.factorial(2 * j) for j, b in enumerate(
    (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798),
    start=1))


def hurwitz_zeta(s: Any, q: Any) -> np.ndarray:
    """zeta(s, q) = sum_k (q + k)^-s, elementwise in float64 (s and q broadcast): the first
    terms summed until q + k >= 10 + s, then the Euler-Maclaurin tail (nine Bernoulli terms,
    below float64's resolution from there). As torch's (Cephes'): inf at s = 1 and at the
    poles q = 0, -1, -2, ...; nan for s < 1, and for q < 0 with s not an integer.

    NOTE: a negative q is summed term by term up to the shift (an integer power of a
    negative base is defined), as Cephes' zeta does; below q = -1e4 the result is nan."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    start = 10.0 + s
    with np.errstate(all="ignore"):
        steps = np.clip(np.ceil(start - q), 0, None)
        steps = np.where(np.isfinite(steps), steps, 0)
        total = np.zeros_like(q)
        for k in range(int(min(steps.max(initial=0), 1e4))):
            total = total + np.where(k < steps, (q + k) ** -s, 0.0)
        a = q + steps
        tail = a ** (1 - s) / (s - 1) + a ** -s / 2
        rising, power = s.copy(), a ** (-s - 1)
        for j, coef in enumerate(_BERNOULLI, start=1):
            tail = tail + coef * rising * power
            rising = rising * (s + 2 * j - 1) * (s + 2 * j)
            power = power / (a * a)
        out = total + tail
    out = np.where((q < -1e4) | ((q < 0) & (s != np.floor(s))) | (q == np.inf), np.nan, out)
    out = np.where((q <= 0) & (q == np.floor(q)), np.inf, out)
    return np.where(s == 1, np.inf, np.where(s < 1, np.nan, out))


def polygamma_array(n: int, x: np.ndarray) -> np.ndarray:
    """polygamma(n, x) of an array, n >= 1, in x's dtype."""
    sign = -1.0 if n % 2 == 0 else 1.0
    if n == 1:  # NOTE: below 1/2, torch's trigamma reflects: pi^2 / sin^2(pi x) - psi1(1 - x),
        # so at -1, -2, ... it is the large finite value sin's rounding gives (6.6e32 at -1)
        x64 = np.asarray(x, np.float64)
        high = np.where(x64 == np.inf, 0.0, hurwitz_zeta(2, x64))  # (torch's: 0 at inf)
        low = x64 < 0.5
        if low.any():  # (the sine in x's own dtype, as torch's: so are its poles' values)
            pi = np.asarray(math.pi, x.dtype)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                sine = np.sin(pi * x).astype(np.float64)
                reflected = (pi * pi).astype(np.float64) / sine ** 2 - hurwitz_zeta(2, 1 - x64)
            high = np.where(low, reflected, high)
        return high.astype(x.dtype)
    return (sign * math.factorial(n) * hurwitz_zeta(n + 1, x)).astype(x.dtype)


class Polygamma(Function):
    """y = polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x), n >= 1;
    dx = g * polygamma(n + 1, x)."""

    @quiet
    def forward(self, x, n):
        self.save(x, n)
        return polygamma_array(n, x)

    @quiet
    def backward(self, g, x, n):
        return g * (Polygamma.apply(x, n=n + 1) if is_tensor(x) else polygamma_array(n + 1, x))


# --- the regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P --------------

def _lgamma_one(v: float) -> float:
    return math.lgamma(v) if v > 0 or v != math.floor(v) else (v if v != v else math.inf)


_lgamma = np.vectorize(_lgamma_one, otypes=[np.float64])


def _log(x: Any) -> Any:
    return x.log() if is_tensor(x) else np.log(x)


def incomplete_gamma(a: Any, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """P(a, x) and Q(a, x) in float64: the series where x < a + 1, Lentz's continued fraction
    elsewhere (each to 1e-16), the smaller of the two computed directly and the other as
    1 minus it. NOTE: torch's edges, tested in its order: a negative a or x is nan; a = 0
    gives P = 1 for x > 0 (else nan); x = 0 gives P = 0; an infinite a gives P = 0 (nan if
    x is infinite too); an infinite x gives P = 1 (so a nan in the other argument does not
    always give nan: igammac(nan, 0) is 1, as torch's)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    edges = [((x < 0) | (a < 0), np.nan), (a == 0, np.where(x > 0, 1.0, np.nan)),
             (x == 0, 0.0), (np.isinf(a), np.where(np.isinf(x), np.nan, 0.0)),
             (np.isinf(x), 1.0)]
    on_edge = np.zeros(a.shape, bool)
    edge_p = np.full(a.shape, np.nan)
    for where_, value in reversed(edges):  # (the first edge that holds wins)
        edge_p = np.where(where_, value, edge_p)
        on_edge |= where_
    ok = ~on_edge & ~np.isnan(a) & ~np.isnan(x)
    aa, xx = np.where(ok, a, 1.0), np.where(ok, x, 1.0)
    front = np.exp(aa * np.log(xx) - xx - _lgamma(aa))
    term = total = 1 / aa
    denom = aa
    for _ in range(5000):  # the series: P = front * sum_k x^k / (a (a+1) ... (a+k))
        denom = denom + 1
        term = term * xx / denom
        total = total + term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
    b = xx + 1 - aa
    tiny = 1e-300
    c, d = np.full_like(aa, 1 / tiny), 1 / b
    frac = d
    for i in range(1, 5000):  # the continued fraction: Q = front * frac
        an, b = -i * (i - aa), b + 2
        d = 1 / np.where(an * d + b == 0, tiny, an * d + b)
        c = b + an / c
        frac = frac * d * c
        if np.all(np.abs(d * c - 1) <= 1e-16):
            break
    series = xx < aa + 1
    p = np.where(series, front * total, 1 - front * frac)
    q = np.where(series, 1 - front * total, front * frac)
    p = np.where(ok, p, np.where(on_edge, edge_p, np.nan))
    q = np.where(ok, q, np.where(on_edge, 1 - edge_p, np.nan))
    return p, q


class IGamma(Function):
    """P(a, x) (``upper=False``) or Q(a, x) = 1 - P; dx = +-g x^(a-1) e^-x / Gamma(a).
    As torch, the derivative in a is not implemented: a backward that needs it raises."""

    @quiet
    def forward(self, a, x, upper=False):
        self.save(a, x, upper)
        return incomplete_gamma(a, x)[1 if upper else 0].astype(np.result_type(a, x))

    @quiet
    def backward(self, g, a, x, upper):
        if self.needs_input_grad[0]:
            raise NotImplementedError("IGammaBackward: the derivative for 'igamma' in its "
                                      "first argument (input) is not implemented, as in torch")
        a_arr = a._array if is_tensor(a) else a
        slope = ((a_arr - 1) * _log(x) - x - _lgamma(a_arr).astype(a_arr.dtype)).exp() \
            if is_tensor(x) else np.exp((a - 1) * np.log(x) - x - _lgamma(a))
        return None, unbroadcast((-g if upper else g) * slope, np.shape(x))


class Nextafter(Function):
    """The next float after a towards b (b itself where a == b); da = g where a != b and 0
    where a == b (the result is b there), db = 0: torch's rule."""

    def forward(self, a, b):
        self.save(a != b if self.needs_input_grad[0] else None, a.shape, b.shape)
        return np.nextafter(a, b)

    def backward(self, g, moved, a_shape, b_shape):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(masked(g, moved), a_shape) if need_a else None,
                np.zeros(b_shape, g.dtype) if need_b else None)


# --- the gamma family and erfinv: values from distributions/special.py's series ------------

def _gamma_family() -> Any:
    from ..distributions import special as family  # (late: it builds on Tensor)
    return family


class Lgamma(Function):
    """y = log |Gamma(x)|; dx = g * digamma(x) (from ``Digamma``), so every order
    differentiates again (torch's rule)."""

    @quiet
    def forward(self, x):
        self.save(x)
        return _gamma_family().lgamma_array(x)

    @quiet
    def backward(self, g, x):
        return g * (Digamma.apply(x) if is_tensor(x) else _gamma_family().digamma_array(x))


class Digamma(Function):
    """y = digamma(x); dx = g * polygamma(1, x) (from ``Polygamma``): +inf at the poles
    0, -1, -2, ..., as torch's trigamma at 0."""

    @quiet
    def forward(self, x):
        self.save(x)
        return _gamma_family().digamma_array(x)

    @quiet
    def backward(self, g, x):
        return g * (Polygamma.apply(x, n=1) if is_tensor(x) else polygamma_array(1, x))


_HALF_ROOT_PI = math.sqrt(math.pi) / 2


class Erfinv(Function):
    """y = erfinv(x); dx = g * sqrt(pi)/2 * e^(y^2) (from the output): +inf at x = +-1,
    where y is +-inf, as torch's."""

    @quiet
    def forward(self, x):
        y = _gamma_family().erfinv_array(x)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g * (_HALF_ROOT_PI * _exp(y * y))


class Logit(Function):
    """y = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given;
    dx = g / (x (1 - x)), and 0 outside the clamp (torch's rule: +-inf at 0 and 1)."""

    @quiet
    def forward(self, x, eps=None):
        self.save(x, eps)
        # (torch's clamp order: below eps first, so an eps over 1/2 gives eps there)
        z = x if eps is None else np.where(x < eps, eps, np.where(x > 1 - eps, 1 - eps, x))
        return np.log(z / (1 - z))

    @quiet
    def backward(self, g, x, eps):
        slope = g / (x * (1 - x))
        arr = x._array if is_tensor(x) else x
        if eps is None:  # NOTE: torch's: nan outside [0, 1]
            outside = (arr < 0) | (arr > 1)
            return where(outside, np.nan, slope) if outside.any() else slope
        return where((arr < eps) | (arr > 1 - eps), 0.0, slope)  # (a nan x stays nan)


class Zeta(Function):
    """torch.special.zeta: y = zeta(x, q), the Hurwitz zeta function; dq = -g x zeta(x + 1, q)
    (from ``Zeta``); as torch, the derivative in x is not implemented."""

    @quiet
    def forward(self, x, q):
        self.save(x, q, np.shape(x), np.shape(q))
        return hurwitz_zeta(x, q).astype(np.result_type(x, q))

    @quiet
    def backward(self, g, x, q, x_shape, q_shape):
        if self.needs_input_grad[0]:
            raise NotImplementedError("ZetaBackward: the derivative for 'zeta' in its first "
                                      "argument (input) is not implemented, as in torch")
        if is_tensor(q):
            return None, unbroadcast(g * -x * Zeta.apply(x + 1, q), q_shape)
        return None, unbroadcast(g * -x * hurwitz_zeta(x + 1, q).astype(q.dtype), q_shape)


class Entr(Function):
    """torch.special.entr: y = -x ln x, 0 at 0, -inf below 0; dx = -g (1 + ln x) (torch's
    rule: +inf at 0, nan below)."""

    @quiet
    def forward(self, x):
        self.save(x)
        out = np.where(x > 0, -x * np.log(x), np.where(x == 0, 0.0, -np.inf))
        return np.where(np.isnan(x), x, out).astype(x.dtype)

    @quiet
    def backward(self, g, x):
        return g * -((x.log() if is_tensor(x) else np.log(x)) + 1)


# --- the scaled Bessel functions i0e, i1e and the normal family erfcx, log_ndtr, ndtri -----

#: past this |x|, i0e and i1e come from the asymptotic series (its smallest term, near
#: k = 2|x|, is ~e^(-2|x|): below 1e-17 here), and below it from i0 and i1 times e^(-|x|)
_SCALED_BESSEL_ASYMPTOTIC = 20.0


def _scaled_bessel_i(x: Any, order: int) -> np.ndarray:
    """e^(-|x|) i_order(x) (order 0 or 1) of an array, as float64.

    NOTE: i0 and i1 overflow past |x| = 713 though their scaled forms do not, so large
    |x| uses the asymptotic series e^(-|x|) i_n(x) ~ (2 pi |x|)^(-1/2) sum_k (-1)^k a_k / |x|^k,
    a_k = prod_(j <= k) (4 n^2 - (2j - 1)^2) / (k! 8^k), 30 terms (for |x| >= 20 they are
    below 1e-17 long before they start growing again)."""
    a = np.asarray(x, np.float64)
    big = np.abs(a) >= _SCALED_BESSEL_ASYMPTOTIC
    small = np.where(big, 0.0, a)
    direct = (np.i0(small) if order == 0 else bessel_i1(small)) * np.exp(-np.abs(small))
    t = np.where(big, np.abs(a), _SCALED_BESSEL_ASYMPTOTIC)
    term = total = np.ones_like(t)
    for k in range(1, 31):
        term = term * -(4 * order * order - (2 * k - 1) ** 2) / (8 * k * t)
        total = total + term
    far = total / np.sqrt(2 * math.pi * t)
    far = np.where(np.isinf(a), 0.0, far)  # (e^(-|x|) i_n(x) -> 0, sign kept for i1e)
    far = far if order == 0 else np.copysign(far, a)
    return np.where(big, far, direct)


def _exp_square(x: np.ndarray) -> np.ndarray:
    """e^(x^2), with x^2 split exactly into p + e (Dekker's product) and e^(x^2) =
    e^p (1 + e). NOTE: e^(x*x) alone would carry x*x's rounding, a relative error of up to
    x^2 * 1.1e-16 (8e-14 at x = 26), into the result."""
    c = x * 134217729.0  # 2^27 + 1: hi keeps x's top 26 bits, so hi * hi is exact
    hi = c - (c - x)
    lo = x - hi
    p = x * x
    e = ((hi * hi - p) + 2 * hi * lo) + lo * lo
    return np.exp(p) * (1 + np.where(np.isfinite(e), e, 0.0))  # (e is nan once x^2 is inf)


#: from here on, erfcx is its asymptotic series (terms (2k-1)!! / (2x^2)^k fall below
#: 1e-17 by k = 14 at x = 10); below, erfc(x) e^(x^2) (erfc is relative-accurate there)
_ERFCX_ASYMPTOTIC = 10.0


def erfcx_array(x: Any) -> np.ndarray:
    """erfcx x = e^(x^2) erfc x of an array, as float64: erfc x * e^(x^2) for 0 <= x < 10,
    the asymptotic series (1 / (x sqrt pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k past it, and
    2 e^(x^2) - erfcx(-x) for x < 0 (inf below x = -26.64, where e^(x^2) overflows)."""
    a = np.asarray(x, np.float64)
    t = np.abs(a)
    mid = np.where(t < _ERFCX_ASYMPTOTIC, t, 0.0)
    direct = erf_numpy.erfc(mid) * _exp_square(mid)
    far_t = np.where(t < _ERFCX_ASYMPTOTIC, _ERFCX_ASYMPTOTIC, t)
    w = (1 / far_t) ** 2 / 2  # (1 / (2x^2), never overflowing)
    term = total = np.ones_like(far_t)
    for k in range(1, 16):
        term = term * -(2 * k - 1) * w
        total = total + term
    positive = np.where(t < _ERFCX_ASYMPTOTIC, direct, total / (far_t * math.sqrt(math.pi)))
    return np.where(a < 0, 2 * _exp_square(np.where(a < 0, a, 0.0)) - positive, positive)


def log_ndtr_array(x: Any) -> np.ndarray:
    """log Phi(x), the log of the standard normal CDF, as float64 (torch's two branches):
    log1p(-erfc(x / sqrt 2) / 2) for x >= -1; log(erfcx(-x / sqrt 2) / 2) - x^2 / 2 below,
    which never underflows (log Phi(-1e3) = -500007.83...)."""
    a = np.asarray(x, np.float64)
    t = a * math.sqrt(0.5)
    left = np.log(erfcx_array(-t) / 2) - t * t
    right = np.log1p(-erf_numpy.erfc(t) / 2)
    return np.where(a < -1, left, right)


_LOG_ROOT_TWO_PI = 0.5 * math.log(2 * math.pi)
#: Abramowitz & Stegun 26.2.23: a tail guess for ndtri within 4.5e-4, in t = sqrt(-2 ln q)
_GUESS_NUM = (2.515517, 0.802853, 0.010328)
_GUESS_DEN = (1.0, 1.432788, 0.189269, 0.001308)


def _ndtri_lower(q: np.ndarray) -> np.ndarray:
    """ndtri(q) for 0 < q <= 1/2 (a value <= 0): the A&S guess, then Newton's method.

    NOTE: two forms of the equation, for two kinds of accuracy. In the tail (q < 0.15)
    Newton solves log Phi(x) = log q, whose slope phi / Phi ~ |x| stays tame and whose
    log_ndtr never underflows (q = 5e-324 works). Near the centre the solution is close to
    0, and a relative accuracy there needs erf(x / sqrt 2) = 2q - 1 (2q - 1 is exact for
    q >= 1/4, and erf is relative-accurate near 0), not Phi(x) = q (Phi(x) ~ 1/2 has an
    absolute error of 1e-16 only)."""
    t = np.sqrt(-2 * np.log(q))
    x = -(t - np.polyval(_GUESS_NUM[::-1], t) / np.polyval(_GUESS_DEN[::-1], t))
    log_q = np.log(q)
    for _ in range(4):
        log_cdf, log_pdf = log_ndtr_array(x), -x * x / 2 - _LOG_ROOT_TWO_PI
        x = x - (log_cdf - log_q) * np.exp(log_cdf - log_pdf)  # (Phi / phi: the slope's inverse)
    centre = q >= 0.15
    if centre.any():
        r = 2 * q - 1
        for _ in range(3):
            slope = math.sqrt(2 / math.pi) * np.exp(-x * x / 2)
            x = np.where(centre, x - (erf_numpy.erf(x * math.sqrt(0.5)) - r) / slope, x)
    return x


def ndtri_array(p: Any) -> np.ndarray:
    """ndtri p, the inverse of the standard normal CDF, as float64: -inf at 0, inf at 1,
    nan outside [0, 1]. p > 1/2 is solved as -ndtri(1 - p) (1 - p is exact there), so p
    near 1 is as accurate as p near 0."""
    a = np.asarray(p, np.float64)
    inside = (a > 0) & (a < 1)
    upper = a > 0.5
    q = np.where(inside, np.where(upper, 1 - a, a), 0.5)
    x = _ndtri_lower(q)
    x = np.where(upper, -x, x)
    edge = np.where(a == 0, -np.inf, np.where(a == 1, np.inf, np.nan))
    return np.where(inside, x, np.where(a == 0.5, 0.0, edge))


def _sign(x: Any) -> Any:
    return x.sign() if is_tensor(x) else np.sign(x)


class I0e(Function):
    """i0e x = e^(-|x|) i0 x; dx = g * (i1e x - sgn(x) * y) (torch's rule, from the output
    and ``I1e``)."""

    @quiet
    def forward(self, x):
        y = _scaled_bessel_i(x, 0).astype(x.dtype)
        self.save(x, y)
        return y

    @quiet
    def backward(self, g, x, y):
        i1e = I1e.apply(x) if is_tensor(x) else _scaled_bessel_i(x, 1).astype(x.dtype)
        return g * (i1e - _sign(x) * y)


class I1e(Function):
    """i1e x = e^(-|x|) i1 x; dx = g * (i0e x - y (sgn(x) + 1/x)), and g / 2 where |x| is
    below the dtype's eps (torch's rule: the formula is 0 * inf there)."""

    @quiet
    def forward(self, x):
        y = _scaled_bessel_i(x, 1).astype(x.dtype)
        self.save(x, y)
        return y

    @quiet
    def backward(self, g, x, y):
        arr = x._array if is_tensor(x) else x
        eps = np.finfo(arr.dtype).eps
        tiny = ~(np.abs(arr) > eps)
        safe = where(tiny, eps, x) if tiny.any() else x
        i0e = I0e.apply(safe) if is_tensor(safe) else _scaled_bessel_i(safe, 0).astype(
            arr.dtype)
        slope = i0e - y * (_sign(safe) + 1 / safe)
        return g * (where(tiny, 0.5, slope) if tiny.any() else slope)


class Erfcx(Function):
    """erfcx x = e^(x^2) erfc x; dx = g * (2 x y - 2 / sqrt(pi)) (torch's rule, from the
    output: nan at +inf, where it is inf * 0)."""

    @quiet
    def forward(self, x):
        y = erfcx_array(x).astype(x.dtype)
        self.save(x, y)
        return y

    @quiet
    def backward(self, g, x, y):
        return g * (2 * x * y - _TWO_OVER_ROOT_PI)


class LogNdtr(Function):
    """log_ndtr x = log Phi(x); dx = g * e^(-(y + x^2/2)) / sqrt(2 pi) = g * phi(x) / Phi(x)
    (torch's rule: the exponent stays moderate in the far left tail, where y ~ -x^2/2)."""

    @quiet
    def forward(self, x):
        y = log_ndtr_array(x).astype(x.dtype)
        self.save(x, y)
        return y

    @quiet
    def backward(self, g, x, y):
        return g * (1 / math.sqrt(2 * math.pi)) * _exp(-(y + x * x / 2))


class Ndtri(Function):
    """ndtri p = Phi^-1(p); dp = g * sqrt(2 pi) e^(y^2 / 2) (from the output: inf at 0
    and 1)."""

    @quiet
    def forward(self, x):
        y = ndtri_array(x).astype(x.dtype)
        self.save(y)
        return y

    @quiet
    def backward(self, g, y):
        return g * math.sqrt(2 * math.pi) * _exp(y * y / 2)


# --- the rows -------------------------------------------------------------------------------

_ONE = (((3, 4),), ((2, 3),), ((),))
_UNARY = dict(kind="elementwise", torch=True)
_BCAST = (((3, 1), (1, 4)), ((4,), (3, 4)))

# NOTE: the rule jumps where a == b (the result is b there: torch's da = 0), so the row
# moves b away from a (a program that passes one tensor twice would sit on the jump)
row("nextafter", Nextafter, lambda a, b: lib(a).nextafter(a, b + 8.0),
    lambda a, b: np.nextafter(a, b + 8.0), *_BCAST, kind="broadcast", torch=True, smooth=False)
row("erfc", Erfc, lambda a: a.erfc(), lambda a: erf_numpy.erfc(a), *_ONE, **_UNARY)
row("i0", I0, lambda a: a.i0(), np.i0, *_ONE, **_UNARY)
row("special.i1", I1, lambda a: lib(a).special.i1(a), bessel_i1, *_ONE, **_UNARY)
# NOTE: orders 2 and 3 (one rule for every order): torch's polygamma(1, x) is its own
# trigamma series, good to ~5e-10 only, too coarse for the rows' torch cross-check (ours is
# within 2 ulp, checked against mpmath's values in tests/test_pointwise.py)
row("polygamma(2)", Polygamma, lambda a: lib(a).polygamma(2, a),
    lambda a: -2 * hurwitz_zeta(3, a), *_ONE, domain=("positive",), **_UNARY)
row("polygamma(3)", Polygamma, lambda a: lib(a).polygamma(3, a),
    lambda a: 6 * hurwitz_zeta(4, a), *_ONE, domain=("positive",), **_UNARY)
row("igamma (in x)", IGamma, lambda x: lib(x).igamma(lib(x).ones_like(x) * 1.5, x),
    lambda x: incomplete_gamma(1.5, x)[0], *_ONE, domain=("positive",), **_UNARY)
row("igammac (in x)", IGamma, lambda x: lib(x).igammac(lib(x).ones_like(x) * 2.5, x),
    lambda x: incomplete_gamma(2.5, x)[1], *_ONE, domain=("positive",), **_UNARY)
row("lgamma", Lgamma, lambda a: a.lgamma(), np.vectorize(math.lgamma), *_ONE,
    domain=("positive",), **_UNARY)
# NOTE: not cross-checked here: digamma's gradient is polygamma(1, x), torch's coarse trigamma
# (above); tests/test_special_namespace.py checks it against torch to 1e-7
row("digamma", Digamma, lambda a: a.digamma(), lambda a: _gamma_family().digamma_array(a),
    *_ONE, domain=("positive",), kind="elementwise")
row("erfinv", Erfinv, lambda a: a.erfinv(), lambda a: _gamma_family().erfinv_array(a), *_ONE,
    domain=("unit",), **_UNARY)
row("logit", Logit, lambda a: a.logit(), lambda a: np.log(a / (1 - a)), *_ONE,
    domain=("unit",), **_UNARY)
row("logit(eps)", Logit, lambda a: a.logit(eps=0.2), lambda a: np.log(
    np.clip(a, 0.2, 0.8) / (1 - np.clip(a, 0.2, 0.8))), *_ONE, domain=("unit",),
    kinks=(0.2, 0.8), **_UNARY)
row("special.entr", Entr, lambda a: lib(a).special.entr(a), lambda a: -a * np.log(a), *_ONE,
    domain=("positive",), **_UNARY)
row("special.zeta (in q)", Zeta, lambda q: lib(q).special.zeta(3.0, q),
    lambda q: hurwitz_zeta(3.0, q), *_ONE, domain=("positive",), **_UNARY)
row("special.i0e", I0e, lambda a: lib(a).special.i0e(a),
    lambda a: np.i0(a) * np.exp(-np.abs(a)), *_ONE, kinks=(0.0,), **_UNARY)
row("special.i1e", I1e, lambda a: lib(a).special.i1e(a),
    lambda a: bessel_i1(a) * np.exp(-np.abs(a)), *_ONE, kinks=(0.0,), **_UNARY)
row("special.erfcx", Erfcx, lambda a: lib(a).special.erfcx(a),
    lambda a: np.exp(a * a) * erf_numpy.erfc(a), *_ONE, **_UNARY)
row("special.log_ndtr", LogNdtr, lambda a: lib(a).special.log_ndtr(a),
    lambda a: np.log(erf_numpy.erfc(-a / math.sqrt(2)) / 2), *_ONE, **_UNARY)
row("special.ndtri", Ndtri, lambda a: lib(a).special.ndtri(a),
    lambda a: math.sqrt(2) * _gamma_family().erfinv_array(2 * a - 1), *_ONE, domain=("unit",),
    **_UNARY)
