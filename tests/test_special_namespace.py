"""``ta.special`` against ``torch.special``: every name either library shares, on a grid
that includes the edges (0, +-1, poles, inf, nan), in float32, float64 and int64: values,
result dtypes, whether the result requires grad, and the gradient of the sum where torch
has one (nan and inf included, positionally)."""
import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

INF, NAN = float("inf"), float("nan")
GRID = [-3.5, -2.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.25, 0.5, 1.0, 1.5, 2.0, 7.0, 40.0, INF,
        -INF, NAN]
UNIT = [0.0, 1e-6, 0.1, 0.5, 0.9, 1.0, -0.2, 1.3, NAN]

#: name -> (program with m = the library's special module, grid); programs get a tensor x
UNARY = {
    "digamma": GRID, "psi": GRID, "erf": GRID, "erfc": GRID, "erfinv": UNIT, "exp2": GRID,
    "expit": GRID, "expm1": GRID, "gammaln": GRID, "i0": GRID[:-4], "i1": GRID[:-4],
    "log1p": GRID, "logit": UNIT, "modified_bessel_i0": GRID[:-4],
    "modified_bessel_i1": GRID[:-4], "round": GRID, "sinc": GRID, "entr": GRID, "ndtr": GRID,
    "spherical_bessel_j0": GRID,
}

PROGRAMS = {name: (lambda s, x, name=name: getattr(s, name)(x), grid)
            for name, grid in UNARY.items()}
PROGRAMS.update({
    "logit(eps)": (lambda s, x: s.logit(x, eps=0.2), UNIT),
    "polygamma(1)": (lambda s, x: s.polygamma(1, x), GRID),
    "polygamma(2)": (lambda s, x: s.polygamma(2, x), [v for v in GRID if v > 0]),
    "multigammaln(2)": (lambda s, x: s.multigammaln(x, 2), [0.75, 1.0, 2.5, 7.0]),
    "gammainc": (lambda s, x: s.gammainc(x * 0 + 1.5, x), [0.1, 0.5, 2.0, 7.0]),
    "gammaincc": (lambda s, x: s.gammaincc(x * 0 + 2.5, x), [0.1, 0.5, 2.0, 7.0]),
    "xlogy": (lambda s, x: s.xlogy(x, x + 1), GRID),
    "xlog1py": (lambda s, x: s.xlog1py(x, x), GRID),
    "xlog1py(0, y)": (lambda s, x: s.xlog1py(x * 0, x), GRID),
    "zeta(3, q)": (lambda s, x: s.zeta(3.0, x), GRID),
    "zeta(x, 2)": (lambda s, x: s.zeta(x, 2.0), [0.5, 1.0, 1.5, 2.0, 7.0]),
    "zeta(x, q)": (lambda s, x: s.zeta(x + 2, x), GRID),
    "logsumexp": (lambda s, x: s.logsumexp(x.reshape(-1, 1), 1), GRID[:-3]),
    "softmax": (lambda s, x: s.softmax(x.reshape(-1, 1), 0), GRID[:-3]),
    "log_softmax": (lambda s, x: s.log_softmax(x.reshape(-1, 1), 0), GRID[:-3]),
})
POLY_X = [-2.5, -1.0, -0.75, -0.3, 0.0, 0.4, 1.0, 1.7, 3.0]
for family in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
               "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"):
    for n in (-1, 0, 1, 2, 3, 6):
        PROGRAMS[f"{family}(n={n})"] = (
            lambda s, x, f=family, n=n: getattr(s, f)(x, n), POLY_X)
    PROGRAMS[f"{family}(n tensor)"] = (
        lambda s, x, f=family: getattr(s, f)(x, (x.abs() * 3).long() if hasattr(x, "long")
                                             else x), POLY_X)

DTYPES = ["float64", "float32", "int64"]


def builtin(e: Exception) -> str:
    """The nearest built-in exception class (ours may subclass two, as NotForIntegers)."""
    return next(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins")


def run(lib, program, values, dtype):
    special = lib.special
    x = lib.tensor(np.array(values), dtype=getattr(lib, dtype))
    grad = dtype != "int64"
    if grad:
        x.requires_grad_(True)
    try:
        y = program(special, x)
    except Exception as e:  # noqa: BLE001 (the type is compared)
        return ("raised", builtin(e))
    out = {"value": y.detach().numpy().astype(np.float64), "dtype": str(y.dtype).split(".")[-1],
           "requires_grad": y.requires_grad}
    if grad and y.requires_grad:
        try:
            (g,) = lib.autograd.grad(y.sum(), x) if lib is torch else ta.grad(y.sum(), x)
            out["grad"] = g.numpy().astype(np.float64)
        except Exception as e:  # noqa: BLE001
            out["grad"] = ("raised", builtin(e))
    return out


def close(a, b, rtol):
    a, b = np.asarray(a), np.asarray(b)
    big = np.abs(b) > 1e15  # (poles: the last digits of a huge value are rounding's)
    return np.allclose(a[~big], b[~big], rtol=rtol, atol=rtol, equal_nan=True) and \
        np.array_equal(np.isinf(a), np.isinf(b)) and np.array_equal(np.isnan(a), np.isnan(b))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_special_as_torch(name, dtype):
    program, values = PROGRAMS[name]
    if dtype == "int64":
        values = [int(v) for v in values if np.isfinite(v)]
    ours, theirs = run(ta, program, values, dtype), run(torch, program, values, dtype)
    if isinstance(theirs, tuple) or isinstance(ours, tuple):
        assert ours == theirs
        return
    rtol = 1e-9 if dtype == "float64" else 1e-5
    assert ours["dtype"] == theirs["dtype"]
    assert ours["requires_grad"] == theirs["requires_grad"]
    assert close(ours["value"], theirs["value"], rtol), (ours["value"], theirs["value"])
    if "grad" in theirs:
        if isinstance(theirs["grad"], tuple):
            assert ours["grad"] == theirs["grad"]
        else:
            assert close(ours["grad"], theirs["grad"], max(rtol, 1e-7)), \
                (ours["grad"], theirs["grad"])


def test_every_torch_special_name_is_here_or_listed_missing():
    import tinygrad_acts.special as ours
    theirs = {n for n in dir(torch.special) if not n.startswith("_") and
              callable(getattr(torch.special, n)) and n not in ("Tensor",)}
    missing = {n for n in theirs if not hasattr(ours, n)}
    listed = ours.__doc__.split("Missing, for now:")[1]
    stated = {w.strip(" ,.\n") for w in listed.replace("/", " ").split()}
    named = {n for n in missing if n in stated or any(part in stated for part in (
        n.replace("modified_bessel_", ""), n.replace("scaled_modified_bessel_", "") + "e",
        n.replace("bessel_", "")))}
    assert missing == named, f"not in ta.special and not listed as missing: {missing - named}"
