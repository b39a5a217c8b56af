"""``ta.special``: torch.special's functions, with torch's names, values and gradients.

Most are the framework's own ops under torch.special's name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``, ``multigammaln`` is ``mvlgamma``,
``gammainc`` / ``gammaincc`` are ``igamma`` / ``igammac``). The rest:

- ``entr`` (-x ln x), ``xlog1py`` (x log1p y), ``zeta`` (Hurwitz's), the scaled Bessel
  functions ``i0e`` / ``i1e`` (e^-|x| i0, e^-|x| i1) and the normal family ``erfcx``
  (e^(x^2) erfc x), ``log_ndtr`` (log of the normal CDF) and ``ndtri`` (its inverse) are
  rules of the op table (``ops/special.py``, ``ops/math.py``), with torch's gradients;
- ``ndtr``, the standard normal CDF, is a composition of ``erfc``;
- ``spherical_bessel_j0``, the Bessel functions ``bessel_j0`` / ``_j1`` / ``_y0`` / ``_y1``,
  the modified ones ``modified_bessel_i0`` / ``_i1`` / ``_k0`` / ``_k1`` (and
  ``scaled_modified_bessel_k0`` / ``_k1``, e^x k), ``airy_ai`` and the orthogonal
  polynomials (Chebyshev T, U, V, W and their shifted forms, Hermite H and He, Laguerre
  L, Legendre P) have no gradient, as in torch: the result never requires grad. The
  polynomials take a degree ``n`` (a number or an integer tensor, broadcast with x; a
  negative degree gives 0) and run the three-term recurrence of each family in float64.

Missing, for now: nothing (every function of torch.special is here).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes
from .api.math import _xlogy
from .autograd import Function
from .ops import special as _rules
from .tensor import Tensor, _floating, _operand, _tensor_arg

__all__ = [
    "digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammainc",
    "gammaincc", "gammaln", "i0", "i1", "log1p", "log_softmax", "logit", "logsumexp",
    "multigammaln", "polygamma", "round", "sinc", "softmax", "xlogy", "xlog1py", "entr",
    "ndtr", "zeta", "spherical_bessel_j0", "modified_bessel_i0", "modified_bessel_i1",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u",
    "chebyshev_polynomial_v", "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
    "laguerre_polynomial_l", "legendre_polynomial_p", "i0e", "i1e", "erfcx", "log_ndtr",
    "ndtri", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
    "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "airy_ai",
]


def _top(name: str) -> Callable:
    """The top-level function ``ta.<name>`` (looked up when called: ta imports this module
    while it is still being built)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        import tinygrad_acts
        return getattr(tinygrad_acts, name)(*args, **kwargs)
    return call


def _alias(torch_name: str, name: str) -> Callable:
    fn = _top(name)
    fn.__name__ = fn.__qualname__ = torch_name
    fn.__doc__ = f"torch.special.{torch_name}: ``ta.{name}`` (the same op and gradient)."
    return fn


digamma = _alias("digamma", "digamma")
psi = _alias("psi", "digamma")
erf = _alias("erf", "erf")
erfc = _alias("erfc", "erfc")
erfinv = _alias("erfinv", "erfinv")
exp2 = _alias("exp2", "exp2")
expit = _alias("expit", "sigmoid")
expm1 = _alias("expm1", "expm1")
gammainc = _alias("gammainc", "igamma")
gammaincc = _alias("gammaincc", "igammac")
gammaln = _alias("gammaln", "lgamma")
i0 = _alias("i0", "i0")
log1p = _alias("log1p", "log1p")
logit = _alias("logit", "logit")
logsumexp = _alias("logsumexp", "logsumexp")
multigammaln = _alias("multigammaln", "mvlgamma")
polygamma = _alias("polygamma", "polygamma")


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """torch.special.round: ``input.round(decimals=decimals)`` of a float tensor; as
    torch's, not implemented for integers."""
    x = _tensor_arg("special.round", input, "input")
    if x._array.dtype.kind != "f":
        raise NotImplementedError(f"special.round: not implemented for a {x.dtype} input "
                                  f"(shape {x.shape}), as in torch")
    return x.round(decimals=decimals)


sinc = _alias("sinc", "sinc")
xlogy = _alias("xlogy", "xlogy")


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """torch.special.softmax: ``input.softmax(dim, dtype=dtype)`` (dim required, as torch)."""
    return _tensor_arg("special.softmax", input, "input").softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """torch.special.log_softmax: ``input.log_softmax(dim, dtype=dtype)`` (dim required)."""
    return _tensor_arg("special.log_softmax", input, "input").log_softmax(dim, dtype=dtype)


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 1 (the slope of ``ta.i0``),
    differentiable; integers become the default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.i1(ta.tensor(1.0)).item():.6f}")
        0.565159
    """
    return _rules.I1.apply(_floating(_tensor_arg("special.i1", input, "input")))


def entr(input: Tensor) -> Tensor:
    """-x ln x elementwise: 0 at 0, -inf below 0; the gradient is torch's, -(1 + ln x).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.special.entr(ta.tensor([0.0, 1.0, -1.0])).tolist()
        [0.0, -0.0, -inf]
    """
    return _rules.Entr.apply(_floating(_tensor_arg("special.entr", input, "input")))


def xlog1py(input: Any, other: Any) -> Tensor:
    """x * log1p(y), 0 where x = 0 (nan where y is nan), in torch's promoted float dtype;
    the gradient is torch's."""
    return _xlogy("special.xlog1py", input, other, plus_one=True)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, (1 + erf(x / sqrt 2)) / 2, computed as erfc(-x / sqrt 2) / 2
    (no cancellation in the left tail).

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.ndtr(ta.tensor(1.0)).item():.6f}")
        0.841345
    """
    x = _floating(_tensor_arg("special.ndtr", input, "input"))
    return (x * -math.sqrt(0.5)).erfc() * 0.5


def zeta(input: Any, other: Any) -> Tensor:
    """The Hurwitz zeta function zeta(x, q) = sum_k (q + k)^-x, elementwise (x and q
    broadcast; either may be a number): inf at x = 1 and at q = 0, -1, -2, ...; nan for
    x < 1. Differentiable in q (torch's rule); in x, as torch, not implemented.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.zeta(ta.tensor(2.0), 1.0).item():.6f}")  # pi^2 / 6
        1.644934
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"special.zeta(): one of input and other must be a Tensor, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    x, q = _operand(input), _operand(other)
    dtype = dtypes.result_type(x, q)
    dtype = dtype if dtype.kind == "f" else dtypes.get_default_dtype()
    x, q = (v.to(dtype) if isinstance(v, Tensor) else np.asarray(v, dtype) for v in (x, q))
    return _rules.Zeta.apply(x, q)


def _unary(name: str, rule: type[Function], input: Any) -> Tensor:
    return rule.apply(_floating(_tensor_arg(f"special.{name}", input, "input")))


def i0e(input: Tensor) -> Tensor:
    """e^(-|x|) i0(x), the exponentially scaled i0 (finite for every x: (2 pi |x|)^(-1/2)
    for large |x|); differentiable, dx = i1e(x) - sgn(x) i0e(x).

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([0.0, 1e3], dtype=ta.float64)
        >>> print(*(f"{v:.12f}" for v in ta.special.i0e(x).tolist()))
        1.000000000000 0.012617240456
    """
    return _unary("i0e", _rules.I0e, input)


def i1e(input: Tensor) -> Tensor:
    """e^(-|x|) i1(x), the exponentially scaled i1 (odd, finite for every x);
    differentiable, dx = i0e(x) - i1e(x) (sgn(x) + 1/x), 1/2 at 0.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.i1e(ta.tensor(1.0)).item():.6f}")
        0.207910
    """
    return _unary("i1e", _rules.I1e, input)


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function e^(x^2) erfc(x): ~1 / (x sqrt pi) for large
    x (no underflow), 2 e^(x^2) for very negative x (inf below -26.64); differentiable,
    dx = 2 x erfcx(x) - 2 / sqrt(pi).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.special.erfcx(ta.tensor([0.0, 1e3], dtype=ta.float64)).tolist()
        [1.0, 0.0005641893014533876]
    """
    return _unary("erfcx", _rules.Erfcx, input)


def log_ndtr(input: Tensor) -> Tensor:
    """log Phi(x), the log of the standard normal CDF, accurate in the far left tail
    (~ -x^2/2 - log(-x sqrt(2 pi)), where Phi itself underflows); differentiable,
    dx = phi(x) / Phi(x).

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.log_ndtr(ta.tensor(-40.0, dtype=ta.float64)).item():.4f}")
        -804.6084
    """
    return _unary("log_ndtr", _rules.LogNdtr, input)


def ndtri(input: Tensor) -> Tensor:
    """Phi^-1(p), the inverse of the standard normal CDF: -inf at 0, inf at 1, nan outside
    [0, 1], accurate for tiny p and p near 1; differentiable, dp = sqrt(2 pi) e^(y^2/2).

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.tensor([0.025, 0.5, 1e-300], dtype=ta.float64)
        >>> print(*(f"{v:.6f}" for v in ta.special.ndtri(p).tolist()))
        -1.959964 0.000000 -37.047096
    """
    return _unary("ndtri", _rules.Ndtri, input)


# --- no gradient: spherical_bessel_j0 and the orthogonal polynomials ------------------------

def _values(name: str, input: Any) -> tuple[np.ndarray, np.dtype]:
    x = _floating(_tensor_arg(f"special.{name}", input, "input"))
    return x._array.astype(np.float64), x._array.dtype


def _result(values: np.ndarray, dtype: np.dtype) -> Tensor:
    with np.errstate(over="ignore"):  # (past float32's range: inf, as torch's float32 value)
        return Tensor._wrap(np.asarray(values, dtype))


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """sin(x) / x, 1 at 0 (a series below |x| = 1/2); no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.special.spherical_bessel_j0(ta.tensor([0.0, 2.0])).tolist()
        [1.0, 0.4546487033367157]
    """
    x, dtype = _values("spherical_bessel_j0", input)
    with np.errstate(all="ignore"):
        x2 = x * x
        series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110))))
        out = np.where(np.abs(x) < 0.5, series, np.sin(x) / x)
    return _result(np.where(np.isinf(x), 0.0, out), dtype)


def modified_bessel_i0(input: Tensor) -> Tensor:
    """i0 (as ``ta.i0``) with no gradient, as torch's modified_bessel_i0."""
    x, dtype = _values("modified_bessel_i0", input)
    return _result(np.i0(x), dtype)


def modified_bessel_i1(input: Tensor) -> Tensor:
    """i1 (as ``ta.special.i1``) with no gradient, as torch's modified_bessel_i1."""
    x, dtype = _values("modified_bessel_i1", input)
    return _result(_rules.bessel_i1(x), dtype)


def _polynomial(name: str, first: Callable, step: Callable, shift: bool = False) -> Callable:
    """A family p_0 = 1, p_1 = first(x), p_(k+1) = step(k, x, p_k, p_(k-1)), evaluated at
    each element's own degree n (n < 0 gives 0; a fractional n counts as its integer
    part, as torch casts it). ``shift``: the shifted family, p(2x - 1)."""
    def polynomial(input: Tensor, n: Any) -> Tensor:
        x, dtype = _values(name, input)
        if isinstance(n, Tensor):
            dtype = np.result_type(dtype, n._array.dtype) if n._array.dtype.kind == "f" \
                else dtype
            n = n._array
        degree = np.trunc(np.asarray(n, np.float64))
        x, degree = np.broadcast_arrays(2 * x - 1 if shift else x, degree)
        top = int(np.nan_to_num(degree, posinf=0).max(initial=0))
        with np.errstate(all="ignore"):
            prev, cur = np.ones_like(x), first(x)
            out = np.where(degree == 0, prev, np.where(degree == 1, cur, 0.0))
            for k in range(1, top):
                prev, cur = cur, step(k, x, cur, prev)
                out = np.where(degree == k + 1, cur, out)
        return _result(np.where(np.isnan(degree), np.nan, out), dtype)
    polynomial.__name__ = polynomial.__qualname__ = name
    polynomial.__doc__ = (f"torch.special.{name}(input, n): the degree-n polynomial at each "
                          "element (n a number or an integer tensor, broadcast; n < 0 gives "
                          "0); no gradient, as in torch.")
    return polynomial


def _chebyshev(k: int, x: np.ndarray, cur: np.ndarray, prev: np.ndarray) -> np.ndarray:
    return 2 * x * cur - prev  # (every Chebyshev family; they differ in p_1)


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", lambda x: x, _chebyshev)
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", lambda x: 2 * x,
                                     _chebyshev)
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", lambda x: 2 * x - 1,
                                     _chebyshev)
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", lambda x: 2 * x + 1,
                                     _chebyshev)
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t", lambda x: x,
                                             _chebyshev, shift=True)
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u",
                                             lambda x: 2 * x, _chebyshev, shift=True)
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v",
                                             lambda x: 2 * x - 1, _chebyshev, shift=True)
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w",
                                             lambda x: 2 * x + 1, _chebyshev, shift=True)
# physicists' H: H_(k+1) = 2x H_k - 2k H_(k-1); probabilists' He: He_(k+1) = x He_k - k He_(k-1)
hermite_polynomial_h = _polynomial("hermite_polynomial_h", lambda x: 2 * x,
                                   lambda k, x, cur, prev: 2 * x * cur - 2 * k * prev)
hermite_polynomial_he = _polynomial("hermite_polynomial_he", lambda x: x,
                                    lambda k, x, cur, prev: x * cur - k * prev)
# Laguerre: (k + 1) L_(k+1) = (2k + 1 - x) L_k - k L_(k-1)
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", lambda x: 1 - x,
                                    lambda k, x, cur, prev: ((2 * k + 1 - x) * cur - k * prev)
                                    / (k + 1))
# Legendre: (k + 1) P_(k+1) = (2k + 1) x P_k - k P_(k-1)
legendre_polynomial_p = _polynomial("legendre_polynomial_p", lambda x: x,
                                    lambda k, x, cur, prev: ((2 * k + 1) * x * cur - k * prev)
                                    / (k + 1))


# --- no gradient: the Bessel functions J, Y, K of orders 0 and 1, and Airy's Ai ------------
#
# Each is a power series near 0 and, from |x| = 2 on, one integral evaluated by the
# trapezoid rule. For orders nu = 0, 1 and x > 0 (a Hankel-type representation),
#
#     H_nu(x) = J_nu + i Y_nu = sqrt(2 / (pi x)) e^(i (x - nu pi/2 - pi/4)) S_nu(x, i),
#     e^x K_nu(x)                  = sqrt(pi / (2 x)) S_nu(x, 1),
#     S_nu(x, z) = (1 / Gamma(nu + 1/2)) int_R e^(-s^2) s^(2 nu) (1 + z s^2 / (2x))^(nu - 1/2) ds
#
# (from int_0^inf e^-u u^(nu-1/2) (1 + z u / 2x)^(nu-1/2) du with u = s^2). The integrand is
# even, analytic in a strip of half-width at least sqrt(x) and decays like e^(-s^2), so the
# trapezoid rule is exact to rounding with a step of 1/5 (its error falls like e^(-2 pi d / h)
# for a strip of half-width d: below 1e-16 from x = 2 on, checked against mpmath).
# S -> 1 as x -> inf: the leading factor is the familiar large-x asymptote.

_STEP = 0.2
_NODES = np.arange(0.0, 7.0 + _STEP / 2, _STEP)  # (s >= 0; s > 7 adds below 1e-18)
_WEIGHTS = np.where(_NODES == 0, _STEP, 2 * _STEP)  # (the even integrand: both halves)
_SERIES_END = 2.0  # below this |x|, the power series (no cancellation worth a digit)
_EULER = 0.57721566490153286061


def _hankel_sum(x: np.ndarray, order: int, z: complex) -> np.ndarray:
    """S_order(x, z) above, for x >= 2, by the trapezoid rule (one pass per node)."""
    total: Any = 0.0
    for s, w in zip(_NODES, _WEIGHTS):
        base = 1 + z * (s * s) / (2 * x)
        inner = np.sqrt(base) * (s * s) if order == 1 else 1 / np.sqrt(base)
        total = total + (w * math.exp(-s * s)) * inner
    return total / (math.sqrt(math.pi) / 2 if order == 1 else math.sqrt(math.pi))


def _bessel_series(x: np.ndarray, order: int, sign: float) -> tuple[np.ndarray, np.ndarray]:
    """For |x| <= 2: the power series of J_order (sign = -1) or I_order (sign = +1),
    sum_k (sign q)^k (x/2)^order / (k! (k + order)!) with q = x^2 / 4, and its partner with
    each term times psi(k + 1) + psi(k + order + 1), which Y's and K's series need
    (DLMF 10.8.1, 10.31.1)."""
    q = sign * (x * x / 4)
    term = x / 2 if order else np.ones_like(x)
    psi_a, psi_b = -_EULER, -_EULER + order  # psi(1) = -gamma, psi(2) = 1 - gamma
    plain, partner = term, term * (psi_a + psi_b)
    for k in range(1, 25):  # (|q| <= 1: the terms fall like 1 / (k!)^2, past 1e-17 by 20)
        term = term * q / (k * (k + order))
        psi_a, psi_b = psi_a + 1 / k, psi_b + 1 / (k + order)
        plain, partner = plain + term, partner + term * (psi_a + psi_b)
    return plain, partner


def _bessel(name: str, input: Any) -> tuple[np.ndarray, np.dtype, np.ndarray, np.ndarray]:
    """x as float64, the result dtype, and masks: the series' |x| <= 2 and the rest."""
    x, dtype = _values(name, input)
    near = np.abs(x) <= _SERIES_END
    return x, dtype, near, np.isfinite(x) & ~near


def _bessel_jy(name: str, input: Any, order: int, kind: str) -> Tensor:
    """J (kind "j": even or odd in x; nan at +-inf, as torch) or Y (kind "y": nan below 0,
    -inf at 0) of order 0 or 1."""
    x, dtype, near, far = _bessel(name, input)
    t = np.where(far, np.abs(x), 3.0)
    with np.errstate(all="ignore"):
        # NOTE: the phase is x - pi/4 (or x - 3 pi/4) rounded to float64, as torch's (Cephes')
        # asymptotic form computes it: past x ~ 1e15 that rounding is torch's value
        phase = t - (0.75 if order else 0.25) * math.pi
        h = np.sqrt(2 / (math.pi * t)) * (np.cos(phase) + 1j * np.sin(phase)) \
            * _hankel_sum(t, order, 1j)
        small = np.where(near, x, 1.0)
        j, partner = _bessel_series(small, order, -1.0)
        if kind == "j":
            big = h.real if order == 0 else np.where(x < 0, -h.real, h.real)  # (odd)
            out = np.where(near, j, np.where(far, big, np.nan))
        else:
            log_half = np.log(small) - math.log(2)  # (not log(x / 2): x / 2 may underflow)
            y = 2 / math.pi * log_half * j - partner / math.pi
            y = y - 2 / (math.pi * small) if order else y
            out = np.where(near, y, np.where(far, h.imag, np.nan))
            out = np.where(x == 0, -np.inf, np.where(x < 0, np.nan, out))
    return _result(out, dtype)


def _bessel_k(name: str, input: Any, order: int, scaled: bool) -> Tensor:
    """K of order 0 or 1 (``scaled``: e^x K): inf at 0, nan below 0, 0 at inf."""
    x, dtype, near, far = _bessel(name, input)
    t = np.where(far & (x > 0), x, 3.0)
    with np.errstate(all="ignore"):
        big = np.sqrt(math.pi / (2 * t)) * _hankel_sum(t, order, 1.0).real
        big = big if scaled else big * np.exp(-t)
        small = np.where(near & (x > 0), x, 1.0)
        i, partner = _bessel_series(small, order, 1.0)
        log_half = np.log(small / 2)
        # K_1 = 1/x + ln(x/2) I_1 - partner / 2; K_0 = -ln(x/2) I_0 + partner / 2
        k = 1 / small + log_half * i - partner / 2 if order else partner / 2 - log_half * i
        k = k * np.exp(small) if scaled else k
        out = np.where(near, k, np.where(far, big, np.where(x == np.inf, 0.0, np.nan)))
        out = np.where(x == 0, np.inf, np.where(x < 0, np.nan, out))
    return _result(out, dtype)


def bessel_j0(input: Tensor) -> Tensor:
    """J_0(x), the Bessel function of the first kind of order 0 (even; 1 at 0); no
    gradient, as in torch (nan at +-inf, as torch's).

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.bessel_j0(ta.tensor(1.0)).item():.6f}")
        0.765198
    """
    return _bessel_jy("bessel_j0", input, 0, "j")


def bessel_j1(input: Tensor) -> Tensor:
    """J_1(x), the Bessel function of the first kind of order 1 (odd; -J_0's slope); no
    gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.bessel_j1(ta.tensor(1.0)).item():.6f}")
        0.440051
    """
    return _bessel_jy("bessel_j1", input, 1, "j")


def bessel_y0(input: Tensor) -> Tensor:
    """Y_0(x), the Bessel function of the second kind of order 0: -inf at 0, nan below;
    no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.bessel_y0(ta.tensor(1.0)).item():.6f}")
        0.088257
    """
    return _bessel_jy("bessel_y0", input, 0, "y")


def bessel_y1(input: Tensor) -> Tensor:
    """Y_1(x), the Bessel function of the second kind of order 1: -inf at 0, nan below;
    no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.bessel_y1(ta.tensor(1.0)).item():.6f}")
        -0.781213
    """
    return _bessel_jy("bessel_y1", input, 1, "y")


def modified_bessel_k0(input: Tensor) -> Tensor:
    """K_0(x), the modified Bessel function of the second kind of order 0: inf at 0, nan
    below, ~ e^-x sqrt(pi / 2x) (0 past x ~ 745); no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.modified_bessel_k0(ta.tensor(1.0)).item():.6f}")
        0.421024
    """
    return _bessel_k("modified_bessel_k0", input, 0, scaled=False)


def modified_bessel_k1(input: Tensor) -> Tensor:
    """K_1(x), the modified Bessel function of the second kind of order 1: inf at 0, nan
    below; no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.modified_bessel_k1(ta.tensor(1.0)).item():.6f}")
        0.601907
    """
    return _bessel_k("modified_bessel_k1", input, 1, scaled=False)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:
    """e^x K_0(x) (no underflow: ~ sqrt(pi / 2x) for large x); inf at 0, nan below; no
    gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.scaled_modified_bessel_k0(ta.tensor(1.0)).item():.6f}")
        1.144463
    """
    return _bessel_k("scaled_modified_bessel_k0", input, 0, scaled=True)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:
    """e^x K_1(x); inf at 0, nan below; no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(f"{ta.special.scaled_modified_bessel_k1(ta.tensor(1.0)).item():.6f}")
        1.636153
    """
    return _bessel_k("scaled_modified_bessel_k1", input, 1, scaled=True)


# Airy's Ai. Near 0 (-2 <= x <= 1) its Maclaurin series, Ai = Ai(0) f(x) + Ai'(0) g(x) with
# f = sum_k 3^k (1/3)_k x^3k / (3k)!, g = sum_k 3^k (2/3)_k x^(3k+1) / (3k+1)!. Beyond, from
# Ai(x) = e^-zeta / pi int_0^inf e^(-t^2 sqrt x) cos(t^3 / 3) dt, zeta = (2/3) x^(3/2), with
# t = s x^(-1/4) (an even integrand again, for the same trapezoid rule as the Bessel ones):
#
#     Ai(x)  = e^-zeta / (2 pi x^(1/4)) int_R e^(-s^2) cos(s^3 / (3 x^(3/4))) ds,     x > 0,
#     Ai(-x) = 2 Re[e^(i pi/3) Ai(x e^(i pi/3))]   (Ai(z) + w Ai(w z) + w^2 Ai(w^2 z) = 0,
#                                                   w = e^(2 pi i / 3), for real Ai),
#
# where x e^(i pi/3) turns e^-zeta into the phase e^(-i (2/3) x^(3/2)), and e^(-s^2) into
# e^(-s^2 e^(i pi/6)) (still decaying like e^(-0.87 s^2)).

_AI_ZERO = 0.35502805388781723926  # Ai(0) = 1 / (3^(2/3) Gamma(2/3))
_AI_SLOPE_ZERO = -0.25881940379280679840  # Ai'(0) = -1 / (3^(1/3) Gamma(1/3))
#: past this x, Ai(x) < 2.3e-308, and torch's is 0
_AI_UNDERFLOW = 103.892


def _airy_series(x: np.ndarray) -> np.ndarray:
    cube = x * x * x
    f, g = np.ones_like(x), x.copy()
    f_sum, g_sum = f, g
    for k in range(1, 16):  # (|x| <= 2: the terms fall like 8^k / (3k)!)
        f = f * cube / ((3 * k - 1) * 3 * k)
        g = g * cube / (3 * k * (3 * k + 1))
        f_sum, g_sum = f_sum + f, g_sum + g
    return _AI_ZERO * f_sum + _AI_SLOPE_ZERO * g_sum


def airy_ai(input: Tensor) -> Tensor:
    """Ai(x), Airy's function of the first kind (the solution of y'' = x y that decays
    as x -> inf): oscillating for x < 0, 0 past x = 103.892 and nan at +-inf (as torch's);
    no gradient, as in torch.

    Example:
        >>> import tinygrad_acts as ta
        >>> print(*(f"{v:.6f}" for v in ta.special.airy_ai(ta.tensor([0.0, 1.0, -1.0])).tolist()))
        0.355028 0.135292 0.535561
    """
    x, dtype = _values("airy_ai", input)
    near = (x >= -2) & (x <= 1)  # (the series: no cancellation worth a digit there)
    far = np.isfinite(x) & ~near & (x <= _AI_UNDERFLOW)
    a = np.where(far, np.abs(x), 2.0)
    with np.errstate(all="ignore"):
        root = np.sqrt(a)
        zeta_x = 2 * a * root / 3  # NOTE: rounded as torch's (Cephes') zeta, its phase below 0
        width = np.where(x > 0, 1.0, np.exp(1j * math.pi / 6))
        cubic = 3 * root * np.sqrt(root)  # 3 x^(3/4)
        total: Any = 0.0
        for s, w in zip(_NODES, _WEIGHTS):
            total = total + w * np.exp(-(s * s) * width) * np.cos(s ** 3 / cubic)
        scale = 1 / (2 * math.pi * np.sqrt(root))
        # e^(i pi/3) e^(-i zeta) = e^(-i theta) e^(i 7 pi / 12), theta = zeta + pi/4 (torch's)
        theta = zeta_x + math.pi / 4
        turn = (np.cos(theta) - 1j * np.sin(theta)) * np.exp(7j * math.pi / 12)
        left = 2 * (turn * total).real * scale
        right = np.exp(-zeta_x) * total.real * scale
        out = np.where(x > 0, right, left)
        out = np.where(near, _airy_series(np.where(near, x, 0.0)), out)
        out = np.where(x > _AI_UNDERFLOW, 0.0, out)
        out = np.where(np.isfinite(x), out, np.nan)
    return _result(out, dtype)
