"""Tensors print as torch prints them (tinygrad_acts/printing.py).

- a table of fixed cases, each with torch's output written out (runs without torch);
- the print options: defaults, profiles, sci_mode reset, refusals, the context manager;
- with torch installed, Hypothesis-drawn arrays (float16/32/64 across magnitudes with nan,
  inf, -0.0 and whole numbers; int64/int32/uint8/bool; 0-d to 4-d, empty and summarised;
  every print option) compared with torch's ``repr`` of the same values, "torch." removed
  from dtype names and the project's grad_fn names (``MulBackward``) for torch's
  (``MulBackward0``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_acts as ta
from tinygrad_acts import printing
from tinygrad_acts.printing import tensor_repr

try:
    import torch
except ImportError:  # the fixed table and the option tests still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

NAN, INF = math.nan, math.inf


@pytest.fixture(autouse=True)
def _default_printoptions() -> Iterator[None]:
    """Every test starts and ends with the default options, in both libraries."""
    printing.set_printoptions(profile="default")
    if torch is not None:
        torch.set_printoptions(profile="default")
    yield
    printing.set_printoptions(profile="default")
    if torch is not None:
        torch.set_printoptions(profile="default")
        torch.set_default_dtype(torch.float32)


# --- fixed cases, torch's output written out ---------------------------------------------

def _t(values: Any, dtype: Any = None, **kw: Any) -> Any:
    return ta.tensor(np.asarray(values, dtype=dtype), **kw)


FIXED: list[tuple[str, Any, dict, str]] = [
    ("fixed point", lambda: _t([0.1, 1 / 3], np.float32), {}, "tensor([0.1000, 0.3333])"),
    ("0-d float", lambda: _t(3.14159, np.float32), {}, "tensor(3.1416)"),
    ("0-d int", lambda: _t(-7), {}, "tensor(-7)"),
    ("0-d whole float", lambda: _t(2.0, np.float32), {}, "tensor(2.)"),
    ("whole floats", lambda: _t([1, 2], np.float32), {}, "tensor([1., 2.])"),
    ("whole floats, nan and inf", lambda: _t([NAN, 1, -INF], np.float32), {},
     "tensor([nan, 1., -inf])"),
    ("negative zero", lambda: _t([-0.0, 0.0], np.float32), {}, "tensor([-0., 0.])"),
    ("only nan", lambda: _t([NAN, NAN], np.float32), {}, "tensor([nan, nan])"),
    ("sci by size", lambda: _t([1e10, -1e-10, INF], np.float32), {},
     "tensor([ 1.0000e+10, -1.0000e-10,         inf])"),
    ("sci by ratio", lambda: _t([1.5, 2000], np.float32), {},
     "tensor([1.5000e+00, 2.0000e+03])"),
    ("no sci at ratio 1000", lambda: _t([1.5, 1500], np.float32), {},
     "tensor([   1.5000, 1500.0000])"),
    ("no sci below ratio 1000", lambda: _t([1.5, 1499], np.float32), {},
     "tensor([   1.5000, 1499.0000])"),
    ("whole floats in sci", lambda: _t([1, 1e9], np.float32), {},
     "tensor([1.0000e+00, 1.0000e+09])"),
    ("no sci at 1e8", lambda: _t([1e8], np.float32), {}, "tensor([100000000.])"),
    ("sci above 1e8", lambda: _t([1.5e8], np.float32), {}, "tensor([1.5000e+08])"),
    ("no sci at 1e-4", lambda: _t([1e-4, 2e-4], np.float64), {},
     "tensor([0.0001, 0.0002], dtype=float64)"),
    ("sci below 1e-4 (float32's 1e-4 is)", lambda: _t([1e-4, 2e-4], np.float32), {},
     "tensor([1.0000e-04, 2.0000e-04])"),
    ("float64 suffix", lambda: _t([0.5], np.float64), {}, "tensor([0.5000], dtype=float64)"),
    ("int32 suffix", lambda: _t([1, -20], np.int32), {}, "tensor([  1, -20], dtype=int32)"),
    ("uint8 suffix", lambda: _t([255, 0], np.uint8), {}, "tensor([255,   0], dtype=uint8)"),
    ("bool", lambda: _t([True, False]), {}, "tensor([ True, False])"),
    ("empty", lambda: _t([], np.float32), {}, "tensor([])"),
    ("empty int64", lambda: _t([], np.int64), {}, "tensor([], dtype=int64)"),
    ("empty 2-d bool", lambda: _t(np.zeros((0, 3)), np.bool_), {},
     "tensor([], size=(0, 3), dtype=bool)"),
    ("2-d", lambda: _t([[1, -2.5], [3, 4]], np.float32), {},
     "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])"),
    ("3-d blank line", lambda: _t(np.arange(8).reshape(2, 2, 2)), {},
     "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])"),
    ("wrapped row", lambda: _t(np.arange(30) * 1000), {},
     "tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,\n"
     "        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,\n"
     "        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000])"),
    ("summarised", lambda: _t(np.arange(2000).reshape(2, 1000), np.int32), {},
     "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n"
     "        [1000, 1001, 1002,  ..., 1997, 1998, 1999]], dtype=int32)"),
    ("summarised rows", lambda: _t(np.arange(1010).reshape(1010, 1)), {},
     "tensor([[   0],\n        [   1],\n        [   2],\n        ...,\n"
     "        [1007],\n        [1008],\n        [1009]])"),
    ("requires grad", lambda: _t([1.0], np.float32, requires_grad=True), {},
     "tensor([1.], requires_grad=True)"),
    ("grad_fn", lambda: _t([1.0, 2.0], np.float32, requires_grad=True) * 2, {},
     "tensor([2., 4.], grad_fn=<MulBackward>)"),
    ("suffix on a new line", lambda: _t(np.arange(7) * 1.25 + 10.5, np.float64), {},
     "tensor([10.5000, 11.7500, 13.0000, 14.2500, 15.5000, 16.7500, 18.0000],\n"
     "       dtype=float64)"),
    # NOTE: the one deliberate difference: the suffix is measured as printed, and
    # "dtype=float64" is 6 shorter than torch's "dtype=torch.float64", which wraps here
    ("suffix that fits only without 'torch.'",
     lambda: _t(np.arange(7) * 1.25 + 0.5, np.float64), {},
     "tensor([0.5000, 1.7500, 3.0000, 4.2500, 5.5000, 6.7500, 8.0000], dtype=float64)"),
    ("second suffix on a new line",
     lambda: _t(np.arange(4) * 1.25 + 0.5, np.float64, requires_grad=True) * 3, {},
     "tensor([ 1.5000,  5.2500,  9.0000, 12.7500], dtype=float64,\n"
     "       grad_fn=<MulBackward>)"),
    ("suffix at the line width", lambda: _t([1, 2], np.float32, requires_grad=True),
     {"linewidth": 37}, "tensor([1., 2.], requires_grad=True)"),
    ("suffix past the line width", lambda: _t([1, 2], np.float32, requires_grad=True),
     {"linewidth": 36}, "tensor([1., 2.],\n       requires_grad=True)"),
    ("precision 2", lambda: _t([1.12345], np.float32), {"precision": 2}, "tensor([1.12])"),
    ("precision 0", lambda: _t([1.5, 2.25], np.float32), {"precision": 0}, "tensor([2, 2])"),
    ("threshold 5", lambda: _t(np.arange(10)), {"threshold": 5},
     "tensor([0, 1, 2,  ..., 7, 8, 9])"),
    ("edgeitems 0", lambda: _t(np.arange(10.0), np.float32), {"edgeitems": 0, "threshold": 3},
     "tensor([...], size=(10,))"),
    ("edgeitems 0 2-d", lambda: _t(np.ones((3, 4)), np.float32),
     {"edgeitems": 0, "threshold": 3}, "tensor([...], size=(3, 4))"),
    ("edgeitems 0, small", lambda: _t([0.0, 1.0], np.float32), {"edgeitems": 0},
     "tensor([0., 1.], size=(2,))"),
    ("sci forced", lambda: _t([1.5], np.float32), {"sci_mode": True}, "tensor([1.5000e+00])"),
    ("sci forced, zeros", lambda: _t([0.0, 0.0], np.float32), {"sci_mode": True},
     "tensor([0., 0.])"),
    ("sci off", lambda: _t([1e-6, 1.0], np.float32), {"sci_mode": False},
     "tensor([0.0000, 1.0000])"),
    ("narrow", lambda: _t([1, 2, 3]), {"linewidth": 10},
     "tensor([1,\n        2,\n        3])"),
    ("short profile", lambda: _t(np.arange(1001) / 3, np.float32), {"profile": "short"},
     "tensor([0.00e+00, 3.33e-01,  ..., 3.33e+02, 3.33e+02])"),
]


@pytest.mark.parametrize("make, options, expected", [c[1:] for c in FIXED],
                         ids=[c[0] for c in FIXED])
def test_fixed_cases_print_as_torch(make: Any, options: dict, expected: str) -> None:
    printing.set_printoptions(**options)
    assert tensor_repr(make()) == expected


def test_a_parameter_prints_its_tensor_after_the_header() -> None:
    p = ta.nn.Parameter(ta.tensor([0.25, 1.0]))
    assert tensor_repr(p) == "tensor([0.2500, 1.0000], requires_grad=True)"


def test_a_no_grad_view_changed_in_place_prints_an_invalid_grad_fn() -> None:
    """torch's ``grad_fn=<Invalid>``: the view's graph is ambiguous, printing still works."""
    a = ta.ones(3, requires_grad=True)
    with ta.no_grad():
        v = a[:2]
        v.mul_(2)
    assert tensor_repr(v) == "tensor([2., 2.], grad_fn=<Invalid>)"


def test_the_dtype_suffix_follows_the_default_dtype() -> None:
    ta.set_default_dtype(np.float64)
    assert tensor_repr(_t([0.5], np.float64)) == "tensor([0.5000])"
    assert tensor_repr(_t([0.5], np.float32)) == "tensor([0.5000], dtype=float32)"
    assert tensor_repr(_t([], np.float64)) == "tensor([])"


def test_str_is_repr_and_a_parameter_keeps_its_header() -> None:
    """As in torch: ``print(t)`` shows ``repr(t)``; ``print(p)`` starts with the header."""
    t, p = _t([0.5], np.float32), ta.nn.Parameter(ta.tensor([0.5]))
    assert str(t) == repr(t)
    assert str(p) == repr(p) and str(p).startswith("Parameter containing:\ntensor([0.5")


def test_a_transposed_view_prints_its_logical_layout() -> None:
    t = _t([[1, 2, 3], [4, 5, 6]]).T
    assert tensor_repr(t) == "tensor([[1, 4],\n        [2, 5],\n        [3, 6]])"


# --- the options ------------------------------------------------------------------------

DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
            "sci_mode": None}


def test_the_defaults_are_torchs() -> None:
    assert ta.get_printoptions() == DEFAULTS
    assert ta.set_printoptions is printing.set_printoptions


@pytest.mark.parametrize("profile, expected", [
    ("default", DEFAULTS),
    ("short", {**DEFAULTS, "precision": 2, "edgeitems": 2}),
    ("full", {**DEFAULTS, "threshold": math.inf}),
])
def test_profiles_set_torchs_values(profile: str, expected: dict) -> None:
    printing.set_printoptions(precision=7, edgeitems=1, linewidth=30, threshold=2)
    printing.set_printoptions(profile=profile)
    assert printing.get_printoptions() == expected


def test_an_option_overrides_the_profile_and_sci_mode_resets_on_every_call() -> None:
    printing.set_printoptions(profile="short", precision=6, sci_mode=True)
    assert printing.get_printoptions()["precision"] == 6
    assert printing.get_printoptions()["sci_mode"] is True
    printing.set_printoptions(linewidth=100)  # as in torch: sci_mode goes back to None
    assert printing.get_printoptions() == {**DEFAULTS, "precision": 6, "edgeitems": 2,
                                           "linewidth": 100}


def test_the_full_profile_never_summarises() -> None:
    printing.set_printoptions(profile="full")
    text = tensor_repr(ta.arange(1500))
    assert "..." not in text and text.endswith("1497, 1498, 1499])")


def test_printoptions_restores_the_options_even_after_an_error() -> None:
    with pytest.raises(KeyError), printing.printoptions(precision=1, sci_mode=False):
        assert tensor_repr(_t([0.25], np.float32)) == "tensor([0.2])"
        raise KeyError("inside")
    assert printing.get_printoptions() == DEFAULTS


@pytest.mark.parametrize("options, message", [
    ({"profile": "long"}, "set_printoptions: unknown profile 'long'"),
    ({"precision": -1}, "set_printoptions: precision must be an int >= 0, got -1"),
    ({"precision": 2.5}, "set_printoptions: precision must be an int >= 0, got 2.5"),
])
def test_bad_options_are_refused_by_name(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        printing.set_printoptions(**options)
    assert printing.get_printoptions() == DEFAULTS


# --- against torch: Hypothesis-drawn arrays --------------------------------------------

def torch_repr(a: np.ndarray, requires_grad: bool = False) -> str:
    """torch's repr of the same values."""
    t = torch.from_numpy(np.array(a, order="C"))  # (ascontiguousarray makes 0-d 1-d)
    if requires_grad:
        t.requires_grad_(True)
    return repr(t)


def ours(a: np.ndarray, requires_grad: bool = False) -> str:
    return tensor_repr(ta.tensor(a, requires_grad=requires_grad))


RENAMED = re.compile(r"(dtype|grad_fn)=")
SUFFIX_BREAK = re.compile(r",\n +(?=(size|dtype|grad_fn|requires_grad)=)")


def assert_prints_as_torch(mine: str, theirs: str) -> None:
    """Equal to torch's text spelled with the project's names ("torch." dropped from dtypes,
    ``MulBackward0`` -> ``MulBackward``).

    The suffixes are measured as printed, and the project's names are shorter: where torch
    puts a dtype or grad_fn suffix on a new line, ours may still fit on the line (the fixed
    cases pin both outcomes). Only there are the suffix line breaks ignored."""
    theirs = re.sub(r"Backward\d+>", "Backward>", theirs.replace("torch.", ""))
    if mine == theirs:
        return
    assert RENAMED.search(theirs), f"\nours:  {mine!r}\ntorch: {theirs!r}"
    assert SUFFIX_BREAK.sub(", ", mine) == SUFFIX_BREAK.sub(", ", theirs), \
        f"\nours:  {mine!r}\ntorch: {theirs!r}"


def set_both(options: dict) -> None:
    printing.set_printoptions(**options)
    torch.set_printoptions(**options)


SPECIAL = st.sampled_from([NAN, INF, -INF, 0.0, -0.0])
MAGNITUDE = st.builds(lambda sign, mantissa, power: sign * mantissa * 10.0 ** power,
                      st.sampled_from([1.0, -1.0]), st.floats(1.0, 9.99),
                      st.integers(-10, 10))
WHOLE = st.integers(-10**6, 10**6).map(float)
PLAIN = st.floats(-1000, 1000, allow_nan=False)


@st.composite
def float_arrays(draw: Any, max_side: int = 6) -> np.ndarray:
    """A float array whose values come from a regime drawn per array (one scale, mixed
    scales, whole numbers, plain values), sprinkled or not with nan, inf and zeros."""
    dtype = draw(st.sampled_from([np.float32, np.float64, np.float16]))
    power = draw(st.integers(-10, 10))
    one_scale = st.floats(1.0, 9.99).map(lambda m: m * 10.0 ** power)
    regime = draw(st.sampled_from([MAGNITUDE, WHOLE, PLAIN, one_scale,
                                   st.integers(0, 3).map(float)]))
    elements = st.one_of(regime, SPECIAL) if draw(st.booleans()) else regime
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=max_side))
    with np.errstate(over="ignore"):  # float16 overflows to inf: one more special value
        return draw(hnp.arrays(np.float64, shape, elements=elements)).astype(dtype)


@st.composite
def int_arrays(draw: Any, max_side: int = 6) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from([np.int64, np.int32, np.uint8, np.bool_])))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=max_side))
    if dtype.kind == "b":
        return draw(hnp.arrays(dtype, shape))
    info = np.iinfo(dtype)
    bound = draw(st.sampled_from([9, 1000, int(info.max)]))
    elements = st.integers(max(info.min, -bound), min(info.max, bound))
    return draw(hnp.arrays(dtype, shape, elements=elements))


OPTIONS = st.fixed_dictionaries({}, optional={
    "precision": st.integers(0, 8),
    "threshold": st.sampled_from([0, 1, 3, 5, 8, 12, 20, 1000, math.inf]),
    "edgeitems": st.integers(0, 3),
    "linewidth": st.sampled_from([1, 12, 40, 80, 120]),
    "sci_mode": st.sampled_from([None, True, False]),
    "profile": st.sampled_from(["default", "short", "full"]),
})


@needs_torch
@settings(max_examples=200)
@given(a=float_arrays(), requires_grad=st.booleans())
def test_float_arrays_print_as_torch(a: np.ndarray, requires_grad: bool) -> None:
    assert_prints_as_torch(ours(a, requires_grad), torch_repr(a, requires_grad))


@needs_torch
@settings(max_examples=80)
@given(a=int_arrays())
def test_int_and_bool_arrays_print_as_torch(a: np.ndarray) -> None:
    assert_prints_as_torch(ours(a), torch_repr(a))


@needs_torch
@settings(max_examples=150)
@given(a=st.one_of(float_arrays(max_side=8), int_arrays(max_side=8)), options=OPTIONS)
def test_every_print_option_prints_as_torch(a: np.ndarray, options: dict) -> None:
    set_both(options)
    assert_prints_as_torch(ours(a), torch_repr(a))


@needs_torch
@settings(max_examples=20)
@given(shape=st.sampled_from([(1001,), (2000,), (40, 30), (3, 400), (11, 11, 11),
                              (2, 3, 4, 50), (1, 1001), (1001, 1)]),
       seed=st.integers(0, 2**16), scale=st.sampled_from([1e-6, 1.0, 1e3, 1e9]),
       whole=st.booleans())
def test_large_arrays_summarise_as_torch(shape: tuple, seed: int, scale: float,
                                         whole: bool) -> None:
    a = np.random.default_rng(seed).standard_normal(shape) * scale
    a = np.round(a) if whole else a
    assert_prints_as_torch(ours(a.astype(np.float32)), torch_repr(a.astype(np.float32)))
    assert_prints_as_torch(ours(a.astype(np.int64)), torch_repr(a.astype(np.int64)))


@needs_torch
@pytest.mark.parametrize("default", [np.float32, np.float64])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.int32,
                                   np.uint8, np.bool_])
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 1), (3,), ()])
def test_dtype_and_size_suffixes_as_torch(default: Any, dtype: Any, shape: tuple) -> None:
    ta.set_default_dtype(default)
    torch.set_default_dtype(torch.float64 if default is np.float64 else torch.float32)
    a = np.ones(shape, dtype)
    assert_prints_as_torch(ours(a), torch_repr(a))


GRAD_OPS = {"mul": lambda x: x * 3, "add": lambda x: x + 1, "sum": lambda x: x.sum()}


@needs_torch
@pytest.mark.parametrize("length", [1, 5, 9, 10, 17, 18, 40])
@pytest.mark.parametrize("op", ["mul", "add", "sum"])
def test_grad_fn_suffixes_wrap_as_torch(length: int, op: str) -> None:
    """A grad_fn suffix goes on a new line where torch puts it (rows of lengths around the
    break; with a dtype suffix too, only up to the shorter names)."""
    a = (np.arange(length) * 1.25 + 0.5).astype(np.float64)
    make = GRAD_OPS[op]
    mine, theirs = make(ta.tensor(a, requires_grad=True)), make(torch.tensor(a, requires_grad=True))
    assert_prints_as_torch(tensor_repr(mine), repr(theirs))


@needs_torch
def test_a_parameter_prints_as_torch() -> None:
    a = np.array([[0.5, -1.0], [2.0, 3.0]], np.float32)
    theirs = repr(torch.nn.Parameter(torch.from_numpy(a.copy())))
    assert "Parameter containing:\n" + tensor_repr(ta.nn.Parameter(ta.tensor(a))) == theirs
