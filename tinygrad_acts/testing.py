"""Hypothesis strategies for property-testing ops, and one-call gradient property tests.

The project's own tests use these, and so can yours::

    from hypothesis import given
    from tinygrad_acts import testing

    @given(testing.tensors(testing.shapes(max_dims=2)))
    def test_my_op(x):
        assert ta.gradcheck(my_op, x)

    testing.check_op(my_op, (3, 4))            # the same in one call (Hypothesis runs it)
    testing.check_activation("softsign")       # a registered activation, away from its kinks

``assert_close`` is torch.testing.assert_close (tolerances by dtype, torch's messages; it
lives in ``compare.py``).

Strategies draw float64 by default, because gradient checks need it. Hypothesis is a
test-time dependency: without it, importing this module works but the strategies raise an
ImportError that says how to install it. ``away_from_kinks`` and ``separate_ties`` are plain
numpy and always work.
"""
from __future__ import annotations

import collections.abc
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .activations import ActivationSpec, registry
from .compare import assert_close
from .gradcheck import CheckResult, GradcheckError, _check, _gradgrad
from .tensor import Tensor, check_device, generator
from .tensor import tensor as new_tensor

try:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover - exercised only without the dev extra
    st = None  # type: ignore[assignment]

__all__ = ["shapes", "arrays", "tensors", "broadcastable_shapes", "activation_inputs",
           "check_op", "check_activation", "sweep", "away_from_kinks", "separate_ties",
           "assert_close", "make_tensor", "assert_allclose"]


def _need_hypothesis() -> None:
    if st is None:
        raise ImportError("tinygrad_acts.testing needs hypothesis for its strategies: "
                          "pip install hypothesis (or pip install -e '.[dev]')")


# --- plain numpy: keep points away from kinks and ties ----------------------------------


def away_from_kinks(x: np.ndarray, kinks: Sequence[float], margin: float = 1e-3) -> np.ndarray:
    """Move every element closer than ``margin`` to a kink out to exactly ``margin`` away
    (on its own side; a point on the kink goes to the right).

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.testing import away_from_kinks
        >>> away_from_kinks(np.array([0.0, -1e-5, 0.5]), kinks=[0.0])
        array([ 0.001, -0.001,  0.5  ])
    """
    x = np.array(x, dtype=np.result_type(x, np.float64) if np.ndim(x) == 0 else None)
    for k in kinks:
        close = np.abs(x - k) < margin
        side = np.where(x >= k, 1.0, -1.0)
        x = np.where(close, k + side * margin, x).astype(x.dtype)
    return x


def separate_ties(x: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    """Make all elements differ by at least ``2 * margin`` (so a max has one clear winner),
    keeping their order: the k-th smallest moves up by ``2 * margin * k``.

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.testing import separate_ties
        >>> separate_ties(np.array([1.0, 1.0, 0.0]))
        array([1.002, 1.004, 0.   ])
    """
    x = np.asarray(x)
    flat = x.reshape(-1)
    ranks = np.empty(flat.size)
    ranks[np.argsort(flat, kind="stable")] = np.arange(flat.size)
    return (flat + 2 * margin * ranks).astype(x.dtype).reshape(x.shape)


def _min_distance(x: np.ndarray, kinks: Sequence[float], ties: bool) -> float:
    d = np.inf
    for k in kinks:
        d = min(d, float(np.min(np.abs(x - k), initial=np.inf)))
    if ties and x.size > 1:
        d = min(d, float(np.min(np.diff(np.sort(x.reshape(-1)))) / 2))
    return d


# --- strategies --------------------------------------------------------------------------


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple]:
    """Array shapes: ``min_dims..max_dims`` dimensions of ``min_side..max_side`` each.

    Args:
        min_dims, max_dims: number of dimensions (0 is a scalar).
        min_side, max_side: size of each dimension.

    Returns:
        A strategy of tuples (it shrinks towards ``()`` or the smallest shape allowed).

    Example:
        >>> from hypothesis import find
        >>> from tinygrad_acts import testing
        >>> find(testing.shapes(max_dims=2), lambda s: len(s) == 2 and s[0] > 2)  # smallest
        (3, 1)
    """
    _need_hypothesis()
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def _floats(dtype: Any, min_value: float, max_value: float) -> st.SearchStrategy[float]:
    width: Literal[32, 64] = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False, width=width)


def arrays(shape: Any = None, dtype: Any = np.float64, elements: Any = None,
           min_value: float = -10.0, max_value: float = 10.0) -> st.SearchStrategy:
    """ndarrays of finite floats.

    Args:
        shape: a tuple, or a strategy of tuples (default ``shapes()``).
        dtype: float64 (default; gradient checks need it) or float32.
        elements: a strategy for the elements (default finite floats in
            ``[min_value, max_value]``, no NaN, inf or subnormals).
        min_value, max_value: bounds of the default elements.

    Returns:
        A strategy of ndarrays.

    Example:
        >>> from hypothesis import find
        >>> from tinygrad_acts import testing
        >>> find(testing.arrays((3,)), lambda a: a.sum() > 1)  # the simplest such array
        array([1., 1., 1.])
    """
    _need_hypothesis()
    elements = elements if elements is not None else _floats(dtype, min_value, max_value)
    return hnp.arrays(np.dtype(dtype), shape if shape is not None else shapes(),
                      elements=elements)


def tensors(shape: Any = None, dtype: Any = np.float64, requires_grad: bool = True,
            elements: Any = None, min_value: float = -10.0,
            max_value: float = 10.0) -> st.SearchStrategy[Tensor]:
    """Tensors over ``arrays(...)``: float64 leaves that require grad by default.

    Args:
        shape, dtype, elements, min_value, max_value: as in ``arrays``.
        requires_grad: whether the tensors require grad (default True, ready for gradcheck).

    Returns:
        A strategy of Tensors.

    Example:
        >>> from hypothesis import find
        >>> from tinygrad_acts import testing
        >>> find(testing.tensors((2,)), lambda t: True)
        tensor([0., 0.], dtype=float64, requires_grad=True)
    """
    return arrays(shape, dtype, elements, min_value, max_value).map(
        lambda a: Tensor._wrap(a, requires_grad=requires_grad))


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 1, max_side: int = 4) -> st.SearchStrategy[tuple]:
    """Tuples of ``num_shapes`` shapes that broadcast together (numpy's rules), e.g.
    ``((3, 1), (4,))``: the inputs of a binary op that must undo broadcasting.

    Returns:
        A strategy of tuples of shapes.

    Example:
        >>> from hypothesis import find
        >>> from tinygrad_acts import testing
        >>> find(testing.broadcastable_shapes(), lambda s: len(s[0]) == 2 and s[0] != s[1])
        ((1, 1), ())
    """
    _need_hypothesis()
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda r: r.input_shapes)


def _accepts(spec: ActivationSpec, shape: tuple, params: dict) -> bool:
    """Can the activation take an input of this shape (softmax needs a dim, maxout a
    multiple of pieces, ...)? Probed once with zeros."""
    try:
        with np.errstate(all="ignore"):
            spec.forward(np.zeros(shape), **params)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not this shape"
        return False


def _default_shapes(spec: ActivationSpec, params: dict) -> st.SearchStrategy[tuple]:
    """Small shapes for the entry: any for an elementwise one, at least 1-D for one that
    mixes elements, and for a grouped one (``spec.group``) a multiple of the group size
    along its dim."""
    group = spec.group(**params)
    if group is None:
        return shapes(min_dims=0 if spec.elementwise else 1)
    dim, k = group
    need = dim + 1 if dim >= 0 else -dim

    def grow(s: tuple) -> tuple:
        out = list(s)
        out[dim] *= k
        return tuple(out)

    return shapes(min_dims=need, max_dims=max(3, need)).map(grow)


def activation_inputs(name: str, shape: Any = None, dtype: Any = np.float64,
                      min_value: float = -10.0, max_value: float = 10.0,
                      margin: float = 1e-3, requires_grad: bool = True,
                      **params: Any) -> st.SearchStrategy[Tensor]:
    """Inputs for the registered activation ``name``, kept at least ``margin`` away from the
    kinks the registry declares (relu's 0, hardtanh's -1 and 1) and, for activations that
    declare ``ties`` (maxout), with no two elements within ``2 * margin``, where the
    derivative jumps and finite differences cannot agree with any single rule.

    Args:
        name: a registry name (``"relu"``, or one you registered).
        shape: a tuple or a strategy of tuples; default: small shapes the activation accepts
            (at least 1-D for softmax-like ones; for a grouped one like maxout, a multiple
            of the group size ``spec.group()`` along its dim).
        dtype, min_value, max_value, requires_grad: as in ``tensors``.
        margin: the smallest distance kept from a kink.
        **params: the activation's parameters (kinks may depend on them).

    Returns:
        A strategy of Tensors.

    Example:
        >>> from hypothesis import find
        >>> from tinygrad_acts import testing
        >>> find(testing.activation_inputs("relu"), lambda t: t.ndim == 1)  # 0 is a kink
        tensor([0.0010], dtype=float64, requires_grad=True)
        >>> find(testing.activation_inputs("maxout"), lambda t: True)  # no tie in the max
        tensor([0.0000, 0.0020], dtype=float64, requires_grad=True)
    """
    _need_hypothesis()
    spec = registry[name]
    merged = {**spec.params, **params}
    kinks = spec.kink_points(**params)
    if shape is None:
        shape = _default_shapes(spec, params).filter(lambda s: _accepts(spec, s, merged))

    def keep_away(x: np.ndarray) -> np.ndarray:
        if spec.ties:
            x = separate_ties(x, margin)
        return away_from_kinks(x, kinks, margin)

    return (arrays(shape, dtype, None, min_value, max_value).map(keep_away)
            .filter(lambda x: _min_distance(x, kinks, spec.ties) >= 0.99 * margin)
            .map(lambda a: Tensor._wrap(a, requires_grad=requires_grad)))


# --- running a property test in one call ------------------------------------------------


@dataclass
class SweepResult:
    """What ``sweep`` found over its examples."""

    ok: bool
    examples: int           # how many examples ran
    max_abs_err: float      # the largest |analytic - numeric| over the passing examples
    error: GradcheckError | None = None   # the failure, on the shrunk example
    example: tuple | None = None          # the (shrunk) failing inputs


def _as_strategy(spec: Any) -> st.SearchStrategy:
    if isinstance(spec, tuple):
        return tensors(spec)
    return spec


def sweep(fn: Callable[..., Any], *inputs: Any, order: int = 1,
          kinks: Sequence[float] | None = None, eps: float = 1e-6, atol: float = 1e-5,
          rtol: float = 1e-3, fast_mode: bool = False, max_examples: int | None = None,
          derandomize: bool | None = None) -> SweepResult:
    """Run ``gradcheck`` (order 1) or ``gradgradcheck`` (order 2) on Hypothesis examples and
    report, without raising: pass/fail, the largest error, and the shrunk failing input.

    Args:
        fn: the function to check.
        *inputs: one strategy of Tensors per argument of fn, or a shape tuple.
        order: 1 for first derivatives, 2 for second.
        kinks, eps, atol, rtol, fast_mode: passed to the check.
        max_examples: default: the active Hypothesis profile's.
        derandomize: default: the active profile's.

    Returns:
        A ``SweepResult``.

    Example:
        >>> from tinygrad_acts import testing
        >>> r = testing.sweep(lambda x: x * x, (3,), max_examples=5)
        >>> r.ok, r.examples
        (True, 5)
    """
    _need_hypothesis()
    strategies = [_as_strategy(s) for s in inputs]
    state: dict = {"examples": 0, "max": 0.0, "last": None}
    base = settings()  # the active profile's
    chosen = settings(
        max_examples=max_examples if max_examples is not None else base.max_examples,
        derandomize=base.derandomize if derandomize is None else derandomize,
        deadline=None, database=None, print_blob=False,
        # NOTE: no "explain" phase: it re-runs a failure many times to annotate which parts
        # of the input matter, which costs seconds and adds little to the shrunk input.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

    @chosen
    @given(st.tuples(*strategies))
    def run(args: tuple) -> None:
        if order == 1:
            result = _check(fn, args, eps, atol, rtol, fast_mode, kinks, 0)
        else:
            result = _gradgrad(fn, args, None, eps, atol, rtol, fast_mode, kinks, 0)
        state["examples"] += 1
        if not result.ok:
            state["last"] = (args, result)
            raise result.error()
        state["max"] = max(state["max"], result.max_abs_err)

    try:
        run()
    except GradcheckError:
        args, result = state["last"]  # Hypothesis replays the shrunk example last
        return SweepResult(False, state["examples"], state["max"],
                           _with_example(result, args), args)
    return SweepResult(True, state["examples"], state["max"])


def _with_example(result: CheckResult, args: tuple) -> GradcheckError:
    shown = "\n".join(f"  input {k}: {a!r}" for k, a in enumerate(args))
    err = result.error()
    err.args = (f"Hypothesis shrank the failure to this input:\n{shown}\n\n{result.message}",)
    err.example = args
    return err


def check_op(fn: Callable[..., Any], *inputs: Any, second_order: bool = False,
             kinks: Sequence[float] | None = None, eps: float = 1e-6, atol: float = 1e-5,
             rtol: float = 1e-3, fast_mode: bool = False,
             max_examples: int | None = None) -> None:
    """Property-test ``fn``'s gradient on Hypothesis examples, in one call.

    Raises the ``GradcheckError`` of the smallest failing input Hypothesis finds (its
    message starts with that input; ``err.example`` holds it). Do not call it inside
    another ``@given`` test.

    Args:
        fn: the function (of Tensors) to check.
        *inputs: one per argument of fn: a shape tuple (float64 tensors in [-10, 10]) or a
            strategy of Tensors (``tensors(...)``, ``activation_inputs(...)``).
        second_order: also run ``gradgradcheck``.
        kinks, eps, atol, rtol, fast_mode: passed to ``gradcheck``.
        max_examples: default: the active Hypothesis profile's.

    Returns:
        None when every example passes.

    Example:
        >>> from tinygrad_acts import testing
        >>> testing.check_op(lambda a, b: a * b.exp(), (2, 3), (3,), max_examples=5)
    """
    for order in (1, 2) if second_order else (1,):
        result = sweep(fn, *inputs, order=order, kinks=kinks, eps=eps, atol=atol, rtol=rtol,
                       fast_mode=fast_mode, max_examples=max_examples)
        if result.error is not None:
            raise result.error


def check_activation(name: str, second_order: bool = True, max_examples: int | None = None,
                     **params: Any) -> None:
    """``check_op`` for the registered activation ``name`` on ``activation_inputs(name)``,
    with its declared kinks; first and (by default) second derivatives.

    Example:
        >>> from tinygrad_acts import testing
        >>> testing.check_activation("tanh", max_examples=5)
    """
    spec = registry[name]
    check_op(lambda x: spec(x, **params), activation_inputs(name, **params),
             second_order=second_order, kinks=spec.kink_points(**params),
             max_examples=max_examples)


# --- torch.testing.make_tensor / assert_allclose -----------------------------------------------


def _low_high(dtype: np.dtype, low: Any, high: Any, lowest: float, highest: float,
              default: tuple[float, float]) -> tuple[Any, Any]:
    """low / high as make_tensor uses them: the defaults, torch's checks, then clamped to
    [lowest, highest) (and rounded up for bool and integer dtypes)."""
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.kind in "fc":
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                      "complex types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, "
                         f"{high}), but {dtype} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype.kind in "biu":
        return math.ceil(low), math.ceil(high)
    return low, high


def _uniform(rng: np.random.Generator, dtype: np.dtype, shape: tuple, low: float,
             high: float) -> np.ndarray:
    """Uniform [low, high) draws in dtype (a complex dtype: both parts so drawn)."""
    real = np.dtype(np.float32 if dtype == np.complex64 else np.float64) \
        if dtype.kind == "c" else dtype
    draws = rng.uniform(low, high, shape + ((2,) if dtype.kind == "c" else ()))
    arr = draws.astype(real)
    if high > low:  # rounding to the dtype may reach high: keep the bound exclusive
        arr = np.where(arr >= high, np.nextafter(real.type(high), real.type(-np.inf)), arr)
    if dtype.kind == "c":
        return (arr[..., 0] + 1j * arr[..., 1]).astype(dtype)
    return arr.astype(dtype)


def _draw(np_dtype: np.dtype, size: tuple, low: Any, high: Any) -> np.ndarray:
    """make_tensor's draws for one dtype from the package generator."""
    rng = generator()
    if np_dtype.kind == "b":
        lo, hi = _low_high(np_dtype, low, high, 0, 2, (0, 2))
        arr = rng.integers(lo, hi, size).astype(np.bool_)
    elif np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        top = info.max + (1 if np_dtype != np.int64 else 0)
        lo, hi = _low_high(np_dtype, low, high, info.min, top, (-9, 10))
        arr = rng.integers(lo, hi, size, dtype=np_dtype)
    else:
        finfo = np.finfo(np_dtype)
        lo, hi = _low_high(np_dtype, low, high, float(finfo.min), float(finfo.max), (-9, 9))
        arr = _uniform(rng, np_dtype, size, lo, hi)
    return arr


def make_tensor(*shape: Any, dtype: Any, device: Any, low: float | None = None,
                high: float | None = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with values drawn uniformly from [low, high)
    (torch.testing.make_tensor; the draws come from the package generator, so
    ``ta.manual_seed`` makes them repeatable, though not torch's numbers).

    Defaults by dtype: bool [0, 2), unsigned [0, 10), signed integers [-9, 10), floating
    and complex [-9, 9); a given low / high is clamped to the dtype's finite range.

    Raises (as torch): ValueError for ``requires_grad`` with a bool or integer dtype, for
    ``low >= high``, a NaN bound, an interval outside the dtype's, or both
    ``noncontiguous`` and ``memory_format``; TypeError for an unsupported dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.testing import make_tensor
        >>> t = make_tensor(2, 3, dtype=ta.float32, device="cpu", low=-1, high=1)
        >>> tuple(t.shape), bool(((t >= -1) & (t < 1)).all())
        ((2, 3), True)
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = tuple(shape[0])
    size = tuple(int(s) for s in shape)
    if any(s < 0 for s in size):
        raise RuntimeError(f"make_tensor: Trying to create tensor with negative dimension "
                           f"{min(size)}: {list(size)}")
    check_device(device)
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        np_dtype = None
    if np_dtype is None or np_dtype.kind not in "biufc":
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor().")
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    if requires_grad and np_dtype.kind in "biu":
        raise ValueError("`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(size) > 1
    if noncontiguous:
        size = size[:-1] + (2 * size[-1],)
    arr = _draw(np_dtype, size, low, high)
    if noncontiguous:
        arr = arr[..., 1::2]
    if exclude_zero:
        arr[arr == 0] = 1 if np_dtype.kind in "biu" else np.finfo(np_dtype).tiny
    result = Tensor._wrap(arr)
    if memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if requires_grad:
        result.requires_grad_(True)
    return result


#: assert_allclose's own default (rtol, atol) per dtype (looser than assert_close's)
_ALLCLOSE_PRECISIONS = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
                        np.dtype(np.float64): (1e-5, 1e-8)}


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True, msg: str = "") -> None:
    """The deprecated torch.testing.assert_allclose (a FutureWarning): ``assert_close``
    with its own defaults: ``expected`` takes actual's dtype, dtypes are not compared, NaNs
    equal by default, and the tolerances are the loosest of the two dtypes' in
    float16 (1e-3, 1e-3), float32 (1e-4, 1e-5), float64 (1e-5, 1e-8), else exact."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = new_tensor(actual)
    if not isinstance(expected, Tensor):
        expected = new_tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_PRECISIONS.get(np.dtype(t.dtype), (0.0, 0.0))
                 for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, check_stride=False, msg=msg or None)
