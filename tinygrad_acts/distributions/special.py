"""The special functions the distributions need and the core lacks: lgamma, digamma,
erfinv, and Gamma sampling with an implicit reparameterisation gradient.

lgamma, digamma and erfinv are compositions of the framework's differentiable ops (no new
backward rules): their gradients, to any order, are those of the formulas below, which are
accurate to float64's resolution, so the derivatives are accurate too (lgamma' is digamma's
formula term by term). They compute in float64 and return the input's float dtype. The
gamma-function family uses the textbook recipe: reflect x < 1/2 to 1 - x, shift up to
z >= 8 with the recurrence Gamma(z + 1) = z Gamma(z), then sum the asymptotic series,
whose next terms are below float64's resolution there:

    lgamma(z)   ~ (z - 1/2) log z - z + log(2 pi) / 2 + sum_k B_2k / (2k (2k - 1) z^(2k - 1))
    digamma(z)  ~ log z - 1 / (2z) - sum_k B_2k / (2k z^2k)

erfinv starts from Winitzki's closed form (good to 2e-3) and takes three Halley steps on
erf(x) = y; the steps are differentiable in y, so d erfinv / dy converges with the value.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, no_grad
from ..linalg import cholesky as _linalg_cholesky
from ..ops import special as _rules
from ..tensor import Tensor, where

__all__ = ["lgamma", "digamma", "erfinv", "cholesky", "standard_gamma"]

_SHIFT_TO = 8.0  # the asymptotic series are summed at z >= 8
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Bernoulli numbers B_2, B_4, ..., B_14
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)
_F64 = np.dtype(np.float64)


def _float64(x: Tensor) -> tuple[Tensor, np.dtype]:
    """x in float64 (a differentiable cast) and the float dtype the result goes back to."""
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    return (x if x.dtype == _F64 else x.to(_F64)), dtype


def _back(y: Tensor, dtype: np.dtype) -> Tensor:
    return y if y.dtype == dtype else y.to(dtype)


def _horner(inv2: Tensor, coefs: list[float]) -> Tensor:
    """coefs[0] + coefs[1] inv2 + coefs[2] inv2^2 + ..."""
    acc = inv2 * coefs[-1]
    for c in coefs[-2:0:-1]:
        acc = (acc + c) * inv2
    return acc + coefs[0]


def _split(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(pole, reflect, xr, z): pole marks 0, -1, -2, ...; reflect marks x < 1/2, where
    z = 1 - x (else z = x, so z >= 1/2); xr is x where reflect (and not a pole), else 1/4.

    NOTE: each branch is computed on safe inputs: where() sends a zero gradient to the
    branch it drops, but 0 * inf (a log or a tan at a pole) would still be NaN.
    """
    arr = x.numpy()
    pole = Tensor._wrap((arr <= 0) & (arr == np.floor(arr)))
    reflect = Tensor._wrap(arr < 0.5)
    xr = where(reflect & ~pole, x, 0.25)
    z = where(reflect, 1.0 - where(pole, 0.25, x), x)
    return pole, reflect, xr, z


def _shift_up(z: Tensor) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
    """z raised to >= 8 by unit steps, and per step (mask, value stepped over): the mask
    marks the elements that stepped, the value is 1 where they did not."""
    steps = []
    for _ in range(int(_SHIFT_TO)):
        small = Tensor._wrap(z.numpy() < _SHIFT_TO)
        if not small.numpy().any():
            break
        steps.append((small, where(small, z, 1.0)))
        z = where(small, z + 1.0, z)
    return z, steps


def _lgamma64(x: Tensor) -> Tensor:
    pole, reflect, xr, z = _split(x)
    z, steps = _shift_up(z)
    # NOTE: one log of the product of the (at most 8, each < 8) steps, not 8 logs
    product = steps[0][1] if steps else None
    for _, value in steps[1:]:
        product = product * value
    inv = 1.0 / z
    coefs = [_BERNOULLI[k - 1] / (2 * k * (2 * k - 1)) for k in range(1, len(_BERNOULLI) + 1)]
    out = (z - 0.5) * z.log() - z + _HALF_LOG_2PI + _horner(inv * inv, coefs) * inv
    if product is not None:
        out = out - product.log()
    # NOTE: reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x) for x < 1/2
    reflected = math.log(math.pi) - (math.pi * xr).sin().abs().log() - out
    infinite = pole | Tensor._wrap(x.numpy() == math.inf)  # NOTE: inf - inf above at x = inf
    return where(infinite, math.inf, where(reflect, reflected, out))


def _digamma64(x: Tensor) -> Tensor:
    pole, reflect, xr, z = _split(x)
    z, steps = _shift_up(z)
    inv2 = 1.0 / (z * z)
    coefs = [_BERNOULLI[k - 1] / (2 * k) for k in range(1, len(_BERNOULLI) + 1)]
    out = z.log() - 0.5 / z - _horner(inv2, coefs) * inv2
    for stepped, value in steps:
        out = out - where(stepped, 1.0 / value, 0.0)
    # NOTE: reflection: digamma(x) = digamma(1 - x) - pi / tan(pi x) for x < 1/2
    out = where(reflect, out - math.pi / (math.pi * xr).tan(), out)
    arr = x.numpy()
    at_zero = Tensor._wrap(arr == 0)  # NOTE: -inf at +0 and +inf at -0, as torch's
    return where(at_zero, Tensor._wrap(np.copysign(np.inf, -arr)), where(pole, math.nan, out))


def _apply(fn: Any, x: Any) -> Any:
    """fn (a float64 composition) on a Tensor (in the graph) or an array (plain values)."""
    # NOTE: overflow to inf (lgamma of 1e300) and inf - inf in a dropped branch are expected
    with np.errstate(all="ignore"):
        if isinstance(x, Tensor):
            x64, dtype = _float64(x)
            return _back(fn(x64), dtype)
        arr = np.asarray(x)
        dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float32)
        with no_grad():
            return fn(Tensor._wrap(arr.astype(np.float64))).numpy().astype(dtype, copy=False)


def _rule(node: Any, x: Any, fn: Any) -> Any:
    """A Tensor goes through the op table's rule (``ops/special.py``: torch's gradients,
    which end in the values below); an array is computed directly."""
    if isinstance(x, Tensor):
        return node.apply(x if x.dtype.kind == "f" else x.to(np.float32))
    return _apply(fn, x)


def lgamma(x: Any) -> Any:
    """log |Gamma(x)|, elementwise, of a Tensor (differentiable) or an array: +inf at the
    poles 0, -1, -2, ... (as torch.lgamma).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions.special import lgamma
        >>> round(lgamma(ta.tensor(5.0)).item(), 4)  # log(4!) = log 24
        3.1781
    """
    return _rule(_rules.Lgamma, x, _lgamma64)


def digamma(x: Any) -> Any:
    """digamma(x) = d/dx lgamma(x), of a Tensor (differentiable) or an array: -inf at 0
    and NaN at the negative integers (as torch.digamma)."""
    return _rule(_rules.Digamma, x, _digamma64)


def lgamma_array(x: Any) -> np.ndarray:
    """lgamma of an array, as an array."""
    return _apply(_lgamma64, np.asarray(x))


def digamma_array(x: Any) -> np.ndarray:
    """digamma of an array, as an array."""
    return _apply(_digamma64, np.asarray(x))


# --- erfinv -----------------------------------------------------------------------------------

_WINITZKI_A = 0.147


def _winitzki(y: np.ndarray) -> np.ndarray:
    """Winitzki's closed-form erfinv, to ~2e-3 (a constant starting point)."""
    with np.errstate(all="ignore"):
        log1my2 = np.log1p(-y * y)
        b = 2 / (math.pi * _WINITZKI_A) + 0.5 * log1my2
        return np.copysign(np.sqrt(np.sqrt(b * b - log1my2 / _WINITZKI_A) - b), y)


def _erfinv64(y: Tensor) -> Tensor:
    arr = y.numpy()
    inside = Tensor._wrap(np.abs(arr) < 1)
    ys = where(inside, y, 0.0)  # NOTE: +-1 and beyond are handled below, not iterated
    x = Tensor._wrap(_winitzki(ys.numpy()))
    for _ in range(3):
        slope = (2 / math.sqrt(math.pi)) * (-(x * x)).exp()
        step = (x.erf() - ys) / slope
        x = x - step / (1.0 + x * step)
    edge = np.where(np.abs(arr) == 1, np.copysign(np.inf, arr), np.nan)
    return where(inside, x, Tensor._wrap(edge))


def erfinv(x: Any) -> Any:
    """The inverse error function of a Tensor (differentiable) or an array: +-inf at +-1,
    NaN beyond (as torch.erfinv).

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.distributions.special import erfinv
        >>> round(erfinv(ta.tensor(0.5)).item(), 6)
        0.476936
    """
    return _rule(_rules.Erfinv, x, _erfinv64)


def erfinv_array(x: Any) -> np.ndarray:
    """erfinv of an array, as an array."""
    return _apply(_erfinv64, np.asarray(x))


def cholesky(a: Tensor) -> Tensor:
    """The lower Cholesky factor of (a batch of) symmetric positive-definite matrices
    (``ta.linalg.cholesky``, differentiable), with a RuntimeError naming the shape."""
    try:
        return _linalg_cholesky(a)
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"cholesky: the factorization could not be completed because "
                           f"the input (shape {tuple(a.shape)}) is not positive-definite: "
                           f"{e}") from None


# --- Gamma sampling with an implicit reparameterisation gradient ------------------------------

_SERIES_TOL = 1e-16


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dalpha of a Gamma(alpha, 1) sample x at a fixed quantile (torch's
    _standard_gamma_grad): -(dF/dalpha) / (dF/dx), F the CDF (Figurnov et al. 2018).

    F(alpha, x) = pdf(x) (x / alpha) S with S = sum_n x^n / ((alpha + 1) ... (alpha + n)), so
    dx/dalpha = -(x / alpha) ((log x - digamma(alpha + 1)) S + dS/dalpha), summed until the
    terms fall below 1e-16 of S (about x - alpha + 10 sqrt(alpha) terms).
    """
    a = np.asarray(alpha, dtype=np.float64)
    xs = np.asarray(x, dtype=np.float64)
    flat_a, flat_x = a.ravel(), xs.ravel()
    total = np.ones_like(flat_a)          # S
    dtotal = np.zeros_like(flat_a)        # dS/dalpha
    term = np.ones_like(flat_a)           # t_n
    harmonic = np.zeros_like(flat_a)      # sum_k 1 / (alpha + k), k <= n
    active = np.arange(flat_a.size)
    n = 0
    with np.errstate(all="ignore"):
        while active.size:
            n += 1
            ak, xk = flat_a[active], flat_x[active]
            term[active] *= xk / (ak + n)
            harmonic[active] += 1.0 / (ak + n)
            total[active] += term[active]
            dtotal[active] -= term[active] * harmonic[active]
            # NOTE: terms rise while alpha + n < x, so only stop once they are falling
            done = (term[active] < _SERIES_TOL * total[active]) & (ak + n > xk)
            active = active[~done]
        grad = -(flat_x / flat_a) * ((np.log(flat_x) - digamma_array(flat_a + 1.0)) * total
                                     + dtotal)
    return grad.reshape(a.shape)


class StandardGamma(Function):
    """x ~ Gamma(alpha, 1), drawn by numpy; dalpha = g * dx/dalpha at x's quantile."""

    def forward(self, alpha, rng=None):
        tiny = np.finfo(alpha.dtype).tiny
        x = np.maximum(rng.standard_gamma(alpha.astype(np.float64)), tiny).astype(alpha.dtype)
        self.save(alpha, x)
        return x

    def backward(self, g, alpha, x):
        return g * standard_gamma_grad(np.asarray(alpha), np.asarray(x)).astype(x.dtype)


def standard_gamma(alpha: Any, rng: np.random.Generator) -> Any:
    """Gamma(alpha, 1) samples shaped like the Tensor alpha, clamped to the dtype's tiny
    (as torch); differentiable in alpha (implicit reparameterisation)."""
    return StandardGamma.apply(alpha, rng=rng)
