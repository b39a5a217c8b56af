"""Elementwise math (ops/math.py, api/math.py): what the op-table rows do not cover.

The rows (sin ... lerp) get the generic sweeps of test_ops.py. Here: the API variants
against torch (int / bool / mixed dtypes, 0-d and empty tensors, numbers on either side,
keyword arguments), the exact gradients at the special points (atan2 and hypot at the
origin, sinc and rsqrt at 0, xlogy at 0, fmax / fmin at ties and nan, nan_to_num at
inf), raise-versus-raise, and the ops with no gradient (isnan ...). The first tests need
no torch.
"""
import math
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

NAN, INF = float("nan"), float("inf")

UNARY_FLOAT = ["sin", "cos", "tan", "asin", "acos", "atan", "sinc", "sinh", "cosh", "asinh",
               "acosh", "atanh", "exp2", "log2", "log10", "rsqrt", "reciprocal", "deg2rad",
               "rad2deg", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"]
ROUNDING = ["floor", "ceil", "trunc", "round", "fix"]
MASKS = ["isnan", "isinf", "isfinite", "isposinf", "isneginf"]
THIN = ["exp", "expm1", "log", "log1p", "sqrt", "erf", "square", "sign", "abs", "absolute",
        "neg", "negative"]


# --- without torch ------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNARY_FLOAT + ROUNDING + MASKS + ["frac", "nan_to_num"])
def test_function_and_method_are_one(name):
    assert getattr(ta, name) is getattr(ta.Tensor, name)
    assert name in ta.__all__


@pytest.mark.parametrize("name", THIN)
def test_module_level_forms_of_the_tensor_methods(name):
    x = ta.tensor([0.25, 1.5, 3.0])
    np.testing.assert_array_equal(getattr(ta, name)(x).numpy(), getattr(x, name)().numpy())


def test_module_level_clamp_remainder_floor_divide():
    x = ta.tensor([-3.0, 0.5, 3.0])
    assert ta.clamp(x, -1, 1).tolist() == [-1.0, 0.5, 1.0] and ta.clip is ta.clamp
    assert ta.remainder(x, 2).tolist() == [1.0, 0.5, 1.0]
    assert ta.remainder(7, ta.tensor([2, 3])).tolist() == [1, 1]
    assert ta.floor_divide(x, 2).tolist() == [-2.0, 0.0, 1.0]
    with pytest.raises(TypeError):
        ta.remainder(2, 3)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_has_a_zero_gradient_inside_the_graph(name):
    x = ta.tensor([0.3, -1.7, 2.5], requires_grad=True)
    y = getattr(x, name)()
    assert y.requires_grad and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_frac_has_slope_one_and_the_sign_of_x():
    x = ta.tensor([-1.25, 2.75], requires_grad=True)
    y = x.frac()
    assert y.tolist() == [-0.25, 0.75]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_fmod_sign_of_the_dividend_remainder_sign_of_the_divisor():
    x = ta.tensor([-3.0, 3.0, -3.0, 3.0])
    d = ta.tensor([2.0, 2.0, -2.0, -2.0])
    assert x.fmod(d).tolist() == [-1.0, 1.0, -1.0, 1.0]
    assert x.remainder(d).tolist() == [1.0, 1.0, -1.0, -1.0]


def test_logaddexp_is_stable_where_exp_overflows():
    a = ta.tensor([1e4, -1e4, 0.0], dtype=np.float64, requires_grad=True)
    b = ta.tensor([1e4, -1e4, -1e4], dtype=np.float64, requires_grad=True)
    y = a.logaddexp(b)
    np.testing.assert_allclose(y.numpy(), [1e4 + math.log(2), -1e4 + math.log(2), 0.0])
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0.5, 1.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.5, 0.5, 0.0])


def test_second_derivatives_through_the_backward_rules():
    """create_graph: the rules' own backward builds a graph (sin'' = -sin, ...)."""
    for name, second in [("sin", lambda v: -np.sin(v)), ("cosh", np.cosh),
                         ("atan", lambda v: -2 * v / (1 + v * v) ** 2),
                         ("exp2", lambda v: np.exp2(v) * math.log(2) ** 2)]:
        v = np.array([0.3, -1.1])
        x = ta.tensor(v, requires_grad=True)
        (g,) = ta.grad(getattr(x, name)().sum(), [x], create_graph=True)
        (gg,) = ta.grad(g.sum(), [x])
        np.testing.assert_allclose(gg.numpy(), second(v), rtol=1e-12, err_msg=name)


def test_lerp_gradients_for_every_input():
    a = ta.tensor([1.0, 2.0], requires_grad=True)
    b = ta.tensor([3.0, 6.0], requires_grad=True)
    w = ta.tensor([0.25, 0.75], requires_grad=True)
    ta.lerp(a, b, w).sum().backward()
    assert a.grad.tolist() == [0.75, 0.25] and b.grad.tolist() == [0.25, 0.75]
    assert w.grad.tolist() == [2.0, 4.0]
    assert ta.lerp(a, b, 1.0).tolist() == [3.0, 6.0]  # the end exactly, from the near side


def test_nan_to_num_defaults_are_the_dtype_limits():
    for dtype in (np.float16, np.float32, np.float64):
        x = ta.tensor(np.array([NAN, INF, -INF, 1.0], dtype))
        info = np.finfo(dtype)
        assert x.nan_to_num().tolist() == [0.0, float(info.max), float(info.min), 1.0]
        assert x.nan_to_num().dtype == dtype


def test_no_numpy_warnings_at_the_special_points():
    """The suite turns RuntimeWarnings into errors: these must stay quiet."""
    x = ta.tensor([0.0, 1.0], requires_grad=True)
    x.sinc().sum().backward()
    z = ta.tensor([0.0, 0.0], requires_grad=True)
    z.atan2(ta.zeros(2)).sum().backward()
    ta.xlogy(ta.tensor([0.0], requires_grad=True), ta.tensor([0.0])).sum().backward()
    ta.tensor([-1e4], requires_grad=True).logaddexp(ta.tensor([1e4])).sum().backward()
    ta.tensor([0.0, INF]).frac()
    ta.tensor([1e-30], requires_grad=True).rsqrt().sum().backward()


def test_a_wrong_rule_is_caught_here_too():
    """These checks can fail: sin's rule with cos's sign flipped fails the gradient check."""
    from tinygrad_acts.ops import math as M

    from tests.helpers import check_grads
    real = M.Sin.backward
    M.Sin.backward = lambda self, g, x: -g * np.cos(x)
    try:
        with pytest.raises(AssertionError):
            check_grads(lambda t: t.sin(), np.array([0.1, 0.7]))
    finally:
        M.Sin.backward = real


# --- against torch: values, dtypes, gradients, raise versus raise --------------------------


def _arg(L, v):
    """A spec becomes a tensor of library L: (values, dtype) or a plain Python value."""
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str):
        values, dtype = v
        if L.__name__ == "torch":
            return L.tensor(values, dtype=getattr(L, dtype))
        return L.tensor(np.array(values, dtype=dtype))
    return v


def _grad_arg(L, v):
    t = _arg(L, v)
    if hasattr(t, "requires_grad") and str(t.dtype).endswith(("float32", "float64")):
        t.requires_grad_(True)
    return t


def both(fn, *specs, grad=False):
    """fn(lib, *args) in both libraries: both raise, or the same values, dtype and
    (``grad``) gradients of each float input. numpy's warnings at inf and nan are ignored,
    as the differential fuzzer does (the special points are checked quiet above)."""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _both(torch, fn, specs, grad)


def _both(torch, fn, specs, grad):
    results = []
    for L in (ta, torch):
        args = [(_grad_arg if grad else _arg)(L, s) for s in specs]
        try:
            out = fn(L, *args)
        except Exception as e:  # noqa: BLE001 - the exception is the result
            results.append(("raised", e, args))
            continue
        grads = None
        if grad and out.requires_grad:
            out.sum().backward()
            grads = [a.grad for a in args if hasattr(a, "grad")]
        results.append(("ran", out, grads))
    (k1, ours, g1), (k2, theirs, g2) = results
    assert k1 == k2, f"ours {k1} ({ours!r}), torch {k2} ({theirs!r})"
    if k1 == "raised":
        return
    tv = theirs.detach().numpy()
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype,
                                                                        theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), tv, rtol=1e-6 if tv.dtype == np.float32
                               else 1e-12, atol=1e-12, equal_nan=True)
    for a, b in zip(g1 or [], g2 or []):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-12,
                                       equal_nan=True)


F64 = ([0.5, -1.25, 2.0], "float64")
F32 = ([0.5, -1.25, 2.0], "float32")
I64 = ([1, -2, 3], "int64")
I32 = ([1, -2, 3], "int32")
B = ([True, False, True], "bool")
ZERO_D = (0.75, "float64")
EMPTY = ([], "float32")
INPUTS = {"f64": F64, "f32": F32, "i64": I64, "i32": I32, "bool": B, "0-d": ZERO_D,
          "empty": EMPTY}


@pytest.mark.torch
@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize("name", UNARY_FLOAT + ROUNDING + MASKS + ["frac", "nan_to_num"] + THIN)
def test_unary_dtypes_and_values_match_torch(name, kind):
    both(lambda L, x: getattr(L, name)(x), INPUTS[kind])


@pytest.mark.torch
@pytest.mark.parametrize("name", UNARY_FLOAT + ["frac", "nan_to_num", "floor", "round"])
def test_unary_at_the_edges_match_torch(name):
    """0, -0, +-1, inf, -inf and nan: values and gradients."""
    both(lambda L, x: getattr(L, name)(x), ([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 0.5],
                                             "float64"), grad=True)


BINARY = ["atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "fmod", "fmax", "fmin",
          "xlogy"]
PAIRS = {
    "f64,f64": (F64, ([1.5, 0.5, -3.0], "float64")),
    "f32,f64 0-d": (F32, ZERO_D),
    "f32,f64": (F32, ([1.5, 0.5, -3.0], "float64")),
    "i64,f32": (I64, F32),
    "i64,i64": (I64, ([2, 3, -1], "int64")),
    "i32,bool": (I32, B),
    "bool,bool": (B, B),
    "broadcast": (([[0.5], [-2.0]], "float64"), F64),
    "mismatch": (F64, ([1.0, 2.0], "float64")),
    "empty": (EMPTY, EMPTY),
    "f64,number": (F64, 2),
    "i64,float": (I64, 2.5),
    "number,f64": (3, F64),
}


@pytest.mark.torch
@pytest.mark.parametrize("pair", list(PAIRS))
@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes_values_and_refusals_match_torch(name, pair):
    a, b = PAIRS[pair]
    if pair == "mismatch":  # both refuse; the framework's own ValueError names the shapes
        with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
            getattr(ta, name)(_arg(ta, a), _arg(ta, b))
    both(lambda L, x, y: getattr(L, name)(x, y), a, b)


@pytest.mark.torch
@pytest.mark.parametrize("name", BINARY)
def test_binary_methods_match_torch(name):
    if name == "xlogy" or name.startswith("arc"):
        both(lambda L, x, y: getattr(x, name)(y), F64, ([1.5, 0.5, 3.0], "float64"))
    else:
        both(lambda L, x, y: getattr(x, name)(y), F64, ([1.5, 0.5, -3.0], "float64"))


EDGES = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "logaddexp2", "fmod",
                                  "fmax", "fmin", "xlogy"])
def test_binary_at_the_edges_match_torch(name):
    """Every pair of edge values (the origin, ties, inf, nan): values and gradients."""
    a = [x for x in EDGES for _ in EDGES]
    b = [y for _ in EDGES for y in EDGES]
    both(lambda L, x, y: getattr(L, name)(x, y), (a, "float64"), (b, "float64"), grad=True)


@pytest.mark.torch
def test_gradients_at_the_special_points_match_torch_exactly():
    torch = pytest.importorskip("torch")
    cases = [
        ("atan2 origin", lambda L, x, y: L.atan2(x, y), [0.0, 0.0], [0.0, -0.0]),
        ("hypot origin", lambda L, x, y: L.hypot(x, y), [0.0], [0.0]),
        ("fmax tie and nan", lambda L, x, y: L.fmax(x, y), [1.0, 1.0, NAN, 2.0],
         [1.0, NAN, 1.0, NAN]),
        ("fmin tie and nan", lambda L, x, y: L.fmin(x, y), [1.0, 1.0, NAN, 2.0],
         [1.0, NAN, 1.0, NAN]),
        ("xlogy zeros", lambda L, x, y: L.xlogy(x, y), [0.0, 0.0, 1.0, NAN],
         [0.0, NAN, 0.0, 1.0]),
        ("lerp", lambda L, x, y: L.lerp(x, y, 0.3), [1.0, -2.0], [4.0, INF]),
    ]
    for name, fn, a, b in cases:
        ours = [ta.tensor(np.array(v), requires_grad=True) for v in (a, b)]
        theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b)]
        fn(ta, *ours).sum().backward()
        fn(torch, *theirs).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy(), err_msg=name)
            # the sign of a zero too (atan2's -0)
            np.testing.assert_array_equal(np.signbit(o.grad.numpy()),
                                          np.signbit(t.grad.numpy()), err_msg=name)


@pytest.mark.torch
@pytest.mark.parametrize("x", [[0.0, 1.0, -0.0, 1e-30], [0.5, 2.0]])
@pytest.mark.parametrize("name", ["sinc", "rsqrt", "reciprocal"])
def test_poles_and_removable_points_match_torch(name, x):
    both(lambda L, t: getattr(L, name)(t), (x, "float64"), grad=True)
    both(lambda L, t: getattr(L, name)(t), (x, "float32"), grad=True)


@pytest.mark.torch
@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_round_with_decimals_matches_torch(decimals, dtype):
    values = [0.5, 1.5, 2.5, -2.5, 1.2345, 1234.5678, 1250.0, -0.045, 1e10]
    if dtype == "int64":
        values = [1, 15, -25, 1250]
    both(lambda L, x: L.round(x, decimals=decimals), (values, dtype), grad=True)
    both(lambda L, x: x.round(decimals=decimals), (values, dtype))


@pytest.mark.torch
@pytest.mark.parametrize("kw", [{}, {"nan": 1.5}, {"posinf": 7.0}, {"neginf": -7.0},
                                {"nan": None}, {"nan": 2.0, "posinf": 3.0, "neginf": -4.0}])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "bool"])
def test_nan_to_num_arguments_match_torch(kw, dtype):
    values = [NAN, INF, -INF, 1.0] if dtype.startswith("float") else [1, 0, 1]
    both(lambda L, x: L.nan_to_num(x, **kw), (values, dtype), grad=dtype != "float16")
    both(lambda L, x: x.nan_to_num(**kw), (values, dtype))


@pytest.mark.torch
@pytest.mark.parametrize("divisor", [0, 0.0, 2, -2.5, ([0, 2, 3], "int64"),
                                     ([0.0, 2.0, 3.0], "float64")])
@pytest.mark.parametrize("dividend", [I64, F64, B, ([], "int64")])
def test_fmod_by_zero_and_dtypes_match_torch(dividend, divisor):
    both(lambda L, x, y: L.fmod(x, y), dividend, divisor)


LERP = {
    "number": (F64, ([2.0, 2.0, 2.0], "float64"), 0.3),
    "number > 0.5": (F64, ([2.0, 2.0, 2.0], "float64"), 0.8),
    "int weight": (F64, ([2.0, 2.0, 2.0], "float64"), 1),
    "tensor weight": (F64, ([2.0, 2.0, 2.0], "float64"), ([0.1, 0.6, 1.0], "float64")),
    "0-d weight of another dtype": (F32, F32, (0.25, "float64")),
    "0-d int weight": (F32, F32, (1, "int64")),
    "weight of another dtype": (F32, F32, ([0.1, 0.6, 1.0], "float64")),
    "end of another dtype": (F32, F64, 0.5),
    "int input": (I64, I64, 0.5),
    "number end": (F64, 3.0, 0.5),
    "broadcast": (([[1.0], [2.0]], "float64"), F64, ([0.5, 0.25, 0.0], "float64")),
    "empty": (EMPTY, EMPTY, 0.5),
    "0-d": (ZERO_D, ZERO_D, ZERO_D),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(LERP))
def test_lerp_matches_torch(case):
    both(lambda L, a, b, w: L.lerp(a, b, w), *LERP[case], grad=True)
    both(lambda L, a, b, w: a.lerp(b, w), *LERP[case])


@pytest.mark.torch
@pytest.mark.parametrize("bound", [0.5, 1, ([0.0, 0.5, 3.0], "float64"), ([[0.5]], "float64"),
                                   ([[0.5], [1.0]], "float64")])
@pytest.mark.parametrize("x", [F64, I64])
@pytest.mark.parametrize("name", ["clamp_min", "clamp_max"])
def test_clamp_min_max_match_torch(name, x, bound):
    both(lambda L, t, b: getattr(L, name)(t, b), x, bound, grad=True)
    both(lambda L, t, b: getattr(t, name)(b), x, bound)


@pytest.mark.torch
@pytest.mark.parametrize("spec", [F64, 2.0, [1.0]])
def test_xlogy_with_numbers_matches_torch(spec):
    both(lambda L, y: L.xlogy(2, y), spec if isinstance(spec, tuple) else F64)
    both(lambda L, x: L.xlogy(x, 3), F64)
    both(lambda L, x: L.xlogy(x, 3.5), I64)
    both(lambda L: L.xlogy(2, 3))


@pytest.mark.torch
@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "fmax", "fmin"])
def test_a_number_other_is_refused_as_torch(name):
    both(lambda L, x: getattr(L, name)(x, 2.0), F64)
    both(lambda L, x: getattr(L, name)(2.0, x), F64)


@pytest.mark.torch
def test_float32_results_stay_float32_with_weak_scalars():
    torch = pytest.importorskip("torch")
    x = ta.tensor([0.5, 2.0])
    assert ta.xlogy(x, 3).dtype == np.float32 and ta.xlogy(2, x).dtype == np.float32
    assert x.fmod(1.5).dtype == np.float32 and x.lerp(x, 0.5).dtype == np.float32
    assert x.deg2rad().dtype == np.float32
    assert str(torch.xlogy(torch.tensor([0.5]), 3).dtype) == "torch.float32"
