"""``ta.special``: torch.special's functions, with torch's names, values and gradients.

Most are the framework's own ops under torch.special's name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``, ``multigammaln`` is ``mvlgamma``,
``gammainc`` / ``gammaincc`` are ``igamma`` / ``igammac``). The rest:

- ``entr`` (-x ln x), ``xlog1py`` (x log1p y) and ``zeta`` (Hurwitz's) are rules of the op
  table (``ops/special.py``, ``ops/math.py``), with torch's gradients;
- ``ndtr``, the standard normal CDF, is a composition of ``erfc``;
- ``spherical_bessel_j0``, ``modified_bessel_i0`` / ``_i1`` and the orthogonal
  polynomials (Chebyshev T, U, V, W and their shifted forms, Hermite H and He, Laguerre
  L, Legendre P) have no gradient, as in torch: the result never requires grad. The
  polynomials take a degree ``n`` (a number or an integer tensor, broadcast with x; a
  negative degree gives 0) and run the three-term recurrence of each family in float64.

Missing, for now: airy_ai, the Bessel functions j0 / j1 / y0 / y1, the modified Bessel
functions k0 / k1 and the scaled forms i0e / i1e / k0e / k1e, erfcx, log_ndtr and ndtri.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes
from .api.math import _xlogy
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
    "laguerre_polynomial_l", "legendre_polynomial_p",
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


def round(input: Tensor) -> Tensor:
    """torch.special.round: ``input.round()`` of a float tensor; as torch's, not
    implemented for integers."""
    x = _tensor_arg("special.round", input, "input")
    if x._array.dtype.kind != "f":
        raise NotImplementedError(f"special.round: not implemented for a {x.dtype} input "
                                  f"(shape {x.shape}), as in torch")
    return x.round()


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
        >>> round(ta.special.i1(ta.tensor(1.0)).item(), 6)
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
        >>> round(ta.special.ndtr(ta.tensor(1.0)).item(), 6)
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
        >>> round(ta.special.zeta(ta.tensor(2.0), 1.0).item(), 6)  # pi^2 / 6
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


# --- no gradient: spherical_bessel_j0 and the orthogonal polynomials ------------------------

def _values(name: str, input: Any) -> tuple[np.ndarray, np.dtype]:
    x = _floating(_tensor_arg(f"special.{name}", input, "input"))
    return x._array.astype(np.float64), x._array.dtype


def _result(values: np.ndarray, dtype: np.dtype) -> Tensor:
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
