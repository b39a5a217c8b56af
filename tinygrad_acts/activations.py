"""The activation registry: one entry per activation, a forward and a backward rule.

Where an activation is monotonic its output determines its input, so the derivative can be
written from the output y alone and the input need not be kept (``saves="output"``). Where
it is not (silu, gelu), the rule needs the input (``saves="input"``). That choice is
recorded in every entry: it is a teaching point, not an accident.

Every built-in below is installed through the same public ``register_activation`` a user
calls; after it, the activation is a Tensor method, an ``F.`` function, an ``nn`` module,
a registry entry, and part of the generic test sweep.

A backward rule ``backward(grad, saved, **params)`` is written once, in array arithmetic
that works on ndarrays (the fast path) and on Tensors (under ``create_graph=True``):
operators, numpy ufuncs, ``.sum(axis=, keepdims=)``, ``.reshape`` and ``where`` below.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import autograd, dtypes, erf_numpy
from .autograd import Function
from .ops.helpers import is_tensor, masked
from .ops.indexing import where
from .ops.spec import row
from .ops.table import OpSpec, add_row, remove_row

__all__ = ["register_activation", "unregister_activation", "registry", "ActivationSpec",
           "apply", "apply_", "apply_prelu", "inplace_node", "check_params"]


@dataclass
class ActivationSpec:
    """One registry entry. Call it like the function: ``ta.activations["relu"](x)``."""

    name: str
    forward: Callable
    backward: Callable
    saves: str
    params: dict
    doc: str
    module_name: str | None
    kinks: Callable[..., Any]
    ties: bool
    monotonic: bool | None
    elementwise: bool
    validate: Callable[..., None] | None
    inplace_ok: bool
    kink_slopes: Callable[..., dict] | None = None
    grouping: Callable[..., tuple[int, int]] | None = None
    saturation: tuple[Callable[..., Any], str] | None = None
    integers: str = "float"
    twice: bool = True
    node: Any = field(default=None, repr=False)  # the graph node class, made on registering

    def __call__(self, x: Any, **params: Any) -> Any:
        return apply(self.name, x, **params)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"<activation {self.name}({params}) saves={self.saves!r}: {self.doc}>"

    def kink_points(self, **params: Any) -> list:
        """Inputs where the function is not differentiable (for tests and gradcheck)."""
        return list(self.kinks(**{**self.params, **params}))

    def subgradients(self, **params: Any) -> dict:
        """PyTorch's slope at each kink (``{0.0: 0.0}`` for relu); empty if not declared."""
        if self.kink_slopes is None:
            return {}
        return dict(self.kink_slopes(**{**self.params, **params}))

    def group(self, **params: Any) -> tuple[int, int] | None:
        """``(dim, k)`` if the input's size along ``dim`` must be a multiple of ``k`` (and
        the output has 1/k as many there), as for maxout's pieces; else None."""
        if self.grouping is None:
            return None
        return self.grouping(**{**self.params, **params})

    def example_shapes(self, **params: Any) -> list[tuple[int, ...]]:
        """Small input shapes the activation accepts (for tests and the op table)."""
        group = self.group(**params)
        if group is not None:
            dim, k = group
            base = [[3, 4], [2, 3, 4]]
            for s in base:
                s[dim] = 2 * k
            return [tuple(s) for s in base]
        return [(3, 4), (2, 3, 4)] + ([()] if self.elementwise else [])


class Registry(dict):
    """name -> ActivationSpec; ``ta.activations``."""

    def __getitem__(self, name: str) -> ActivationSpec:
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise KeyError(f"no activation named {name!r}; registered: "
                           f"{', '.join(sorted(self))}") from None


registry = Registry()
_BUILTIN: frozenset = frozenset()  # the built-in names, set once they are registered


class ActivationFunction(Function):
    """The graph node of one activation call; ``spec`` is set per activation. It saves
    the output or the input, as the entry says, and the parameters."""

    __slots__ = ()
    spec: ActivationSpec

    def forward(self, x: np.ndarray, **params: Any) -> np.ndarray:
        spec = self.spec
        y = spec.forward(x, **params)
        self.save(y if spec.saves == "output" else x, params)
        return y

    def backward(self, grad: Any, saved: Any, params: dict) -> Any:
        grad_x = self.spec.backward(grad, saved, **params)
        if type(grad_x) is np.ndarray and grad_x.shape == saved.shape:  # the common case
            return grad_x
        if not hasattr(grad_x, "shape"):
            raise TypeError(f"{self.spec.name}: its backward rule returned "
                            f"{type(grad_x).__name__}, not an array (a missing return? a rule "
                            "must return grad times the local slope, shaped like the input)")
        # saved is the input, or an output of the input's shape (all output-based rules here)
        if grad_x.shape != saved.shape:
            raise RuntimeError(f"{self.spec.name}: its backward rule returned a gradient of "
                               f"shape {grad_x.shape}, but the input has shape {saved.shape}")
        return grad_x


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def register_activation(name: str, forward: Callable, backward: Callable, saves: str = "output",
                        *, params: dict | None = None, doc: str | None = None,
                        module_name: str | None = None, kinks: Any = (), ties: bool = False,
                        monotonic: bool | None = None, elementwise: bool = True,
                        validate: Callable[..., None] | None = None,
                        kink_slopes: Callable[..., dict] | None = None,
                        grouping: Callable[..., tuple[int, int]] | None = None,
                        saturation: tuple[Callable[..., Any], str] | None = None,
                        integers: str = "float", twice: bool = True,
                        replace: bool = False) -> ActivationSpec:
    """Install an activation everywhere at once: ``x.name()``, ``F.name(x)``, an ``nn``
    module, ``ta.activations[name]``, the ``check`` command and the generic tests.

    Args:
        name: the function's name (a Python identifier, e.g. ``"my_softsign"``).
        forward: ``forward(x, **params) -> y`` on ndarrays.
        backward: ``backward(grad, saved, **params) -> grad_x``, where ``saved`` is y
            (``saves="output"``) or x (``saves="input"``); written with operators and numpy
            ufuncs so it also runs on Tensors (second derivatives).
        saves: ``"output"`` (the rule needs only y, so the input is not kept and the
            activation can run in place) or ``"input"``.
        params: extra keyword parameters and their defaults, passed to both functions.
        doc: one line giving both rules; defaults to the forward's docstring.
        module_name: the ``nn`` class name (default: CamelCase of name); ``""`` for no
            ``nn`` class (maxout: ``nn.Maxout`` is the layer with its own weights).
        kinks: points (or a function of the params giving them) where the derivative jumps;
            tests and strategies keep away from them.
        ties: True if, like max, the gradient depends on ties among inputs.
        monotonic: whether the function never decreases (None: not elementwise).
        elementwise: False for functions that mix elements (softmax, maxout).
        validate: ``validate(**params)`` raises ValueError for parameters the rule cannot
            handle (e.g. a negative slope, which makes the output ambiguous).
        kink_slopes: ``kink_slopes(**params) -> {x: slope}``, PyTorch's subgradient at each
            kink (relu: ``{0.0: 0.0}``); tests check the rule gives exactly these.
        grouping: ``grouping(**params) -> (dim, k)`` when the size along ``dim`` must be a
            multiple of ``k`` (maxout's pieces).
        saturation: ``(flat(y, **params) -> bool mask, "the rule in words")``: where the
            function is flat, for the activation monitor.
        integers: what an integer or bool input does, as in PyTorch: ``"float"`` (it
            becomes the default float dtype: sigmoid, tanh), ``"float_no_bool"`` (integers
            do, bools are refused: softsign, tanhshrink), ``"keep"`` (integers stay
            integers, bools are refused: relu, hardtanh), ``"refuse"`` (gelu, selu...) or
            ``"refuse_nonempty"`` (refused, but an empty tensor comes back as it is, with
            its dtype: softmax and log_softmax in torch 2.13).
        twice: False where torch has no second derivative (hardsigmoid): the backward
            then wraps its create_graph gradient in ``NotDifferentiable``, and the sweeps
            check that differentiating it raises.
        replace: allow replacing an existing entry.

    Example:
        >>> import tinygrad_acts as ta
        >>> _ = ta.register_activation(
        ...     "my_softsign",
        ...     forward=lambda x: x / (1 + abs(x)),
        ...     backward=lambda grad, x: grad / (1 + abs(x)) ** 2,
        ...     saves="input")
        >>> ta.tensor([1.0, -3.0]).my_softsign()
        tensor([ 0.5000, -0.7500])
        >>> ta.unregister_activation("my_softsign")
    """
    if not name.isidentifier():
        raise ValueError(f"register_activation: name must be an identifier, got {name!r}")
    if integers not in _INTEGER_MODES:
        raise ValueError(f"register_activation({name!r}): integers must be one of "
                         f"{', '.join(map(repr, _INTEGER_MODES))}, got {integers!r}")
    if saves not in ("output", "input"):
        raise ValueError(f"register_activation({name!r}): saves must be 'output' or 'input', "
                         f"got {saves!r}")
    if name in registry and not replace:
        raise ValueError(f"register_activation: {name!r} is already registered "
                         "(pass replace=True to replace it)")
    if name not in _BUILTIN and hasattr(autograd.Tensor, name):  # a method of its own
        raise ValueError(f"register_activation: {name!r} would shadow a Tensor method")
    kink_fn = kinks if callable(kinks) else (lambda _pts=tuple(kinks), **p: _pts)
    node: Any = type(_camel(name), (ActivationFunction,), {
        "__slots__": (), "__doc__": doc or forward.__doc__})
    spec = ActivationSpec(
        name=name, forward=forward, backward=backward, saves=saves, params=dict(params or {}),
        doc=doc or (forward.__doc__ or name).strip().splitlines()[0],
        module_name=_camel(name) if module_name is None else module_name, kinks=kink_fn,
        ties=ties, monotonic=monotonic, elementwise=elementwise, validate=validate,
        inplace_ok=saves == "output" and elementwise, kink_slopes=kink_slopes,
        grouping=grouping, saturation=saturation, integers=integers, twice=twice, node=node)
    node.spec = spec
    registry[name] = spec
    add_row(_table_row(spec), replace=True)
    return spec


def _table_row(spec: ActivationSpec) -> OpSpec:
    """The activation's row in the op table (``ops.OPS``)."""
    name, params = spec.name, spec.params
    return OpSpec(name=name, node=spec.node, fn=lambda x: apply(name, x),
                  ref=lambda x: spec.forward(x, **params),
                  cases=tuple((s,) for s in spec.example_shapes()),
                  kind="elementwise" if spec.elementwise else "fixed",
                  kinks=tuple(spec.kink_points()), ties=spec.ties, twice=spec.twice)


def unregister_activation(name: str) -> None:
    """Remove a user-registered activation (the built-ins may be removed too; beware)."""
    registry.pop(name, None)
    remove_row(name)


def check_params(spec: ActivationSpec, params: dict) -> dict:
    unknown = set(params) - set(spec.params)
    if unknown:
        raise TypeError(f"{spec.name}: unexpected parameter(s) {sorted(unknown)}; "
                        f"it takes {sorted(spec.params) or 'none'}")
    merged = {**spec.params, **params}
    if spec.validate is not None:
        spec.validate(**merged)
    return merged


def apply(name: str, x: Any, **params: Any) -> Any:
    """Apply the registered activation ``name`` to ``x``."""
    spec = registry.get(name) or registry[name]  # .get: fast; [name]: the clear KeyError
    if not isinstance(x, autograd.Tensor):
        x = autograd.Tensor(x)
    if x._array.dtype.kind != "f":
        x = _integer_input(spec, x)
    if params or spec.params:
        return spec.node.apply(x, **check_params(spec, params))
    return spec.node.apply(x)


_INTEGER_MODES = ("float", "float_no_bool", "keep", "refuse", "refuse_nonempty")


class NotForIntegers(NotImplementedError, TypeError):
    """An activation refused for an integer or bool input: torch's NotImplementedError
    ("not implemented for 'Long'"), and a TypeError (the wrong kind of input)."""


def _integer_input(spec: ActivationSpec, x: Any) -> Any:
    """An integer or bool input, as the entry's ``integers`` says (PyTorch's behaviour)."""
    is_bool, mode = x._array.dtype.kind == "b", spec.integers
    if mode == "float" or (mode == "float_no_bool" and not is_bool):
        return x.astype(dtypes.get_default_dtype())
    if (mode == "keep" and not is_bool) or (mode == "refuse_nonempty" and not x._array.size):
        return x
    raise NotForIntegers(f"{spec.name}: not defined for a {x.dtype} input (shape "
                         f"{x.shape}), as in PyTorch; convert it with .float() first")


def inplace_node(name: str, **params: Any) -> tuple[Any, dict]:
    """The node and checked parameters to run ``name`` in place (``Tensor.relu_``): legal
    only for output-based elementwise rules, which never need x."""
    spec = registry[name]
    if not spec.inplace_ok:
        raise RuntimeError(f"{name}_: cannot run in place, because its backward rule needs "
                           f"the input (saves={spec.saves!r}) or it is not elementwise")
    return spec.node, check_params(spec, params)


def apply_(name: str, x: Any, **params: Any) -> Any:
    """Apply ``name`` to the Tensor ``x`` in place (``x.relu_()``)."""
    return getattr(x, name + "_")(**params)


# --- helpers for rules that work on ndarrays and Tensors -------------------------------


def _stable_sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigmoid(x) into ``out`` (a new array by default; ``out=x`` works in place).

    NOTE: torch's formula, 1 / (1 + e^-x), in four in-place passes. It is stable: nothing
    cancels, and e^-x overflows only where the true value is below the smallest normal
    number (x < -88.7 in float32, -709.8 in float64), where 1 / (1 + inf) = 0 is torch's
    answer too (so overflow is silenced, not avoided). +inf gives 1, -inf 0, nan nan,
    -0 0.5. For x < 0 the result keeps full relative precision (e^-x is large, not 1 minus
    a rounding), which the output-based rule y (1 - y) relies on; the tanh spelling
    0.5 tanh(x / 2) + 0.5 is cheaper but rounds y to multiples of 2^-25 there."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)  # integers: float64, as np.exp's
    e = np.negative(x, out=np.empty_like(x) if out is None else out)
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1
    return np.divide(1, e, out=e)


def _sigmoid(x: Any) -> Any:
    return x.sigmoid() if is_tensor(x) else _stable_sigmoid(x)


def _normal_cdf(x: Any) -> Any:
    """Phi(x), the standard normal CDF, for ndarrays and Tensors."""
    if is_tensor(x):
        return 0.5 * (1 + (x * (1 / math.sqrt(2))).erf())
    # NOTE: 0.5 * erfc(-x / sqrt 2) rather than 0.5 * (1 + erf(x / sqrt 2)): for x < -5
    # the 1 + erf(...) cancels to rounding noise, while erfc keeps full relative precision.
    return 0.5 * erf_numpy.erfc(x * (-1 / math.sqrt(2)))


def _dim(x: Any, dim: Any, who: str = "softmax") -> Any:
    """The dim to reduce over; None for a 0-d input (which takes dim 0 or -1, as in torch).
    No dim given: PyTorch's legacy implicit choice (dim 0 for 0-, 1- and 3-d inputs, else
    1), with PyTorch's warning."""
    if dim is None:
        warnings.warn(f"{who}: no dim given, so PyTorch's implicit choice is used (dim 0 for "
                      "0-, 1- and 3-d inputs, else 1); pass dim explicitly", UserWarning,
                      stacklevel=4)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{who}: dim {dim} is out of range for a tensor of shape {x.shape} "
                         f"(expected a dim in [{-n}, {n - 1}])")
    return dim if x.ndim else None


# --- the built-ins: relu / leaky_relu / sigmoid / tanh / softmax / log_softmax ----------


def _relu(x):
    """relu: y = max(0, x); dy/dx = (y > 0) (from the output)"""
    return np.maximum(0, x)  # NOTE: x on a tie: relu(-0.0) is -0.0, as torch's clamp_min


def _relu_backward(grad, y):
    # NOTE: at the kink x = 0 the output is 0, so the rule gives 0: PyTorch's relu'(0) = 0.
    # masked: a product with the mask (np.where only when it made a nan), so an inf or nan
    # upstream gives 0 at an inactive unit and a nan input passes g on, as torch's
    # threshold_backward: where(y <= 0, 0, g).
    return masked(grad, ~(y <= 0))


register_activation("relu", _relu, _relu_backward, "output", module_name="ReLU",
                    kinks=(0.0,), monotonic=True, kink_slopes=lambda: {0.0: 0.0},
                    integers="keep")


def _leaky_relu(x, negative_slope=0.01):
    """leaky_relu: y = x if x > 0 else slope * x; dy/dx = 1 if y > 0 else slope (from the output)"""
    return np.where(x > 0, x, x * negative_slope)


def _leaky_relu_backward(grad, y, negative_slope=0.01):
    # NOTE: y > 0 exactly when x > 0 only for slope >= 0 (a negative slope is refused).
    # At x = 0 the output is 0, so the rule gives the slope: PyTorch's leaky_relu'(0).
    return where(y > 0, grad, grad * negative_slope)


def _leaky_relu_check(negative_slope=0.01):
    if negative_slope < 0:
        raise ValueError(f"leaky_relu: negative_slope={negative_slope} < 0 makes the function "
                         "non-monotonic, so the output no longer determines the input and "
                         "the output-based rule would be wrong; use a slope >= 0")


register_activation("leaky_relu", _leaky_relu, _leaky_relu_backward, "output",
                    params={"negative_slope": 0.01}, module_name="LeakyReLU", kinks=(0.0,),
                    monotonic=True, validate=_leaky_relu_check,
                    kink_slopes=lambda negative_slope=0.01: {0.0: negative_slope},
                    integers="refuse")


def _sigmoid_forward(x, out=None):
    """sigmoid: y = 1 / (1 + e^-x); dy/dx = y * (1 - y) (from the output)"""
    return _stable_sigmoid(x, out)  # NOTE: out=x (numpy's keyword): the scans' gates, in place


def _sigmoid_backward(grad, y):
    # NOTE: y * (1 - y) <= 0.25, reached at y = 0.5 (x = 0): each sigmoid layer shrinks
    # the gradient by at least 4x. For x > ~36.7 in float64 (~16.6 in float32) y rounds to 1,
    # so the output-based slope is exactly 0 although the true slope is ~e^-x; for x < 0 it
    # keeps full precision (y is tiny but exact): see examples/precision_lab.py.
    return grad * y * (1 - y)


register_activation("sigmoid", _sigmoid_forward, _sigmoid_backward, "output",
                    monotonic=True, saturation=(lambda y: (y < 0.01) | (y > 0.99),
                                                "y < 0.01 or y > 0.99"))


def _tanh(x, out=None):
    """tanh: y = tanh(x); dy/dx = 1 - y**2 (from the output)"""
    return np.tanh(x, out=out)


def _tanh_backward(grad, y):
    # NOTE: for |x| >= ~19 (float64) y rounds to +-1 and 1 - y**2 is exactly 0, although
    # the true slope is ~4e^-2|x|: gradient checks there are atol-dominated.
    return grad * (1 - y * y)


# Saturation: the output within 1% of the function's limits, where the slope nearly vanishes.
register_activation("tanh", _tanh, _tanh_backward, "output", monotonic=True,
                    saturation=(lambda y: np.abs(y) > 0.99, "|y| > 0.99"))


def _axis_of(y: Any, dim: Any) -> Any:
    """The axis the forward reduced over (its implicit choice too), for the backward."""
    if not y.ndim:
        return None
    return (0 if y.ndim in (1, 3) else 1) if dim is None else dim


def _row_major(x: np.ndarray) -> np.ndarray:
    """x in row-major (C) order: numpy's results keep a transposed input's layout, torch's
    softmax and log_softmax return a contiguous tensor whatever the input's strides."""
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)


def _softmax(x, dim=None):
    """softmax: y = e^x / sum(e^x); dx = y * (g - sum(g * y)) (from the output)"""
    # NOTE: shifting by the max changes nothing mathematically (the e^-max cancels) and
    # keeps e^x <= 1, so logits like 1000 or 1e4 do not overflow.
    axis = _dim(x, dim)
    if not x.size:  # nothing to normalise (an empty dim): as torch, an empty result
        return x.copy()
    x = _row_major(x)
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _softmax_backward(grad, y, dim=None):
    dim = _axis_of(y, dim)
    return y * (grad - (grad * y).sum(axis=dim, keepdims=True))


# NOTE: torch 2.13 refuses an integer or bool softmax, except on an empty tensor, which
# it returns as it is (dtype kept): hence "refuse_nonempty".
register_activation("softmax", _softmax, _softmax_backward, "output", params={"dim": -1},
                    elementwise=False, integers="refuse_nonempty")


def _log_softmax(x, dim=None):
    """log_softmax: y = x - logsumexp(x); dx = g - e^y * sum(g) (from the output)"""
    axis = _dim(x, dim, "log_softmax")
    if not x.size:
        return x.copy()
    x = _row_major(x)
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _log_softmax_backward(grad, y, dim=None):
    dim = _axis_of(y, dim)
    return grad - np.exp(y) * grad.sum(axis=dim, keepdims=True)


register_activation("log_softmax", _log_softmax, _log_softmax_backward, "output",
                    params={"dim": -1}, module_name="LogSoftmax", elementwise=False,
                    integers="refuse_nonempty")


# --- elu / softplus / hardtanh ---------------------------------------------------------


def _elu(x, alpha=1.0):
    """elu: y = x if x > 0 else alpha * (e^x - 1); dy/dx = 1 if y > 0 else y + alpha (from the output)"""  # noqa: E501 (one line: the registry doc)
    # NOTE: expm1 of min(x, 0), so large positive x cannot overflow in the unused branch.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _negative_only(v: Any, s: Any) -> Any:
    """``v``, held constant (a zero derivative) wherever ``s >= 0``. NOTE: torch's double
    backwards of elu, selu, celu and prelu take the negative side as ``s < 0``, where their
    first derivatives take ``s <= 0``: so at exactly 0 the slope is the left one, but the
    second derivative is 0. Arrays pass as they are: it matters only under create_graph."""
    return where(s < 0, v, v.detach()) if is_tensor(v) else v


def _elu_backward(grad, y, alpha=1.0):
    # NOTE: the test is y <= 0 so that a nan input takes torch's branch (the gradient)
    return where(y <= 0, grad * (_negative_only(y, y) + alpha), grad)


def _elu_check(alpha=1.0):
    if alpha < 0:
        raise ValueError(f"elu: alpha={alpha} < 0 makes y > 0 for some x < 0, so the "
                         "output-based rule cannot tell the branches apart; use alpha >= 0")


register_activation("elu", _elu, _elu_backward, "output", params={"alpha": 1.0},
                    module_name="ELU", kinks=(0.0,), monotonic=True, validate=_elu_check,
                    kink_slopes=lambda alpha=1.0: {0.0: alpha}, integers="refuse",
                    # elu's slope on the left is y + alpha
                    saturation=(lambda y, alpha=1.0: (y <= 0) & (y + alpha < 0.01 * max(
                        alpha, 1e-12)), "y + alpha < 0.01 alpha"))


def _softplus(x, beta=1.0, threshold=20.0):
    """softplus: y = log(1 + e^(beta x)) / beta; dy/dx = 1 - e^(-beta y) (from the output)"""
    # NOTE: logaddexp(0, z) = log(1 + e^z) without overflow; above the threshold softplus
    # is x to float precision, and PyTorch returns x there (we follow it).
    bx = x * beta
    return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)


def _softplus_backward(grad, y, beta=1.0, threshold=20.0):
    # 1 - e^(-beta y) = sigmoid(beta x); -expm1 keeps precision when y is tiny.
    # NOTE: the forward drops by softplus(threshold) - threshold where it switches to x, so
    # beta*y in (threshold, softplus(threshold)] can come from either branch. Taking the
    # linear branch only above softplus(threshold) keeps the rule exact (PyTorch's) up to
    # and at the switch; just above it the slope is sigmoid(beta x), within e^-threshold of 1.
    switch = threshold + math.log1p(math.exp(-threshold))  # softplus(threshold)
    return where(y * beta > switch, grad, grad * -np.expm1(-beta * y))


def _softplus_check(beta=1.0, threshold=20.0):
    if beta <= 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta}")
    # NOTE: above the threshold the forward returns x (PyTorch's choice), a drop of
    # log1p(e^-threshold) / beta; outputs just above the switch then come from two inputs
    # with different slopes, and the output-based rule can be off by up to e^-threshold.
    # From 20 on that is below 2e-9 (under float32's resolution of the slope); below it we
    # refuse rather than return a silently wrong gradient.
    if threshold < 20:
        raise ValueError(f"softplus: threshold={threshold} < 20 makes the output ambiguous "
                         "near the switch to x (the output-based rule would be off by up to "
                         f"e^{-threshold:g}); use threshold >= 20 (the default)")


register_activation("softplus", _softplus, _softplus_backward, "output",
                    params={"beta": 1.0, "threshold": 20.0},
                    kinks=lambda beta=1.0, threshold=20.0: (threshold / beta,),
                    monotonic=True, validate=_softplus_check, integers="refuse",
                    saturation=(lambda y, beta=1.0, threshold=20.0: -np.expm1(-beta * y) < 0.01,
                                "1 - e^-y < 0.01"))


def _hardtanh(x, min_val=-1.0, max_val=1.0):
    """hardtanh: y = clip(x, min_val, max_val); dy/dx = 1 if min_val < y < max_val else 0 (from the output)"""  # noqa: E501 (one line: the registry doc)
    return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)  # ints stay ints


def _hardtanh_backward(grad, y, min_val=-1.0, max_val=1.0):
    # NOTE: at the kinks (x = min_val or max_val) the gradient is 0, as in PyTorch.
    return masked(grad, ~((y <= min_val) | (y >= max_val)))  # torch's: a nan passes g


def _hardtanh_check(min_val=-1.0, max_val=1.0):
    if not min_val < max_val:
        raise ValueError(f"hardtanh: need min_val < max_val, got {min_val} and {max_val}")


register_activation("hardtanh", _hardtanh, _hardtanh_backward, "output",
                    params={"min_val": -1.0, "max_val": 1.0},
                    kinks=lambda min_val=-1.0, max_val=1.0: (min_val, max_val),
                    monotonic=True, validate=_hardtanh_check, integers="keep",
                    kink_slopes=lambda min_val=-1.0, max_val=1.0: {min_val: 0.0, max_val: 0.0},
                    # NOTE: hardtanh is exactly flat outside its bounds: slope 0, not nearly 0.
                    saturation=(lambda y, min_val=-1.0, max_val=1.0: (y <= min_val) | (
                        y >= max_val), "y at min_val or max_val"))


# --- silu / gelu: not monotonic, so their rules keep the input --------------------------


def _silu(x):
    """silu: y = x * sigmoid(x); dy/dx = s * (1 + x * (1 - s)), s = sigmoid(x) (from the input)"""
    return x * _stable_sigmoid(x)


def _silu_backward(grad, x):
    # NOTE: silu dips to -0.278 at x = -1.278 and rises on both sides, so one y comes from
    # two x's: the output cannot determine the slope, and the rule must keep the input.
    s = _sigmoid(x)
    return grad * s * (1 + x * (1 - s))


register_activation("silu", _silu, _silu_backward, "input", module_name="SiLU",
                    monotonic=False, integers="refuse")

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _gelu(x, approximate="none"):
    """gelu: y = x * Phi(x); dy/dx = Phi(x) + x * phi(x) (from the input)"""
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)))
    return x * _normal_cdf(x)


def _gelu_backward(grad, x, approximate="none"):
    # NOTE: like silu, gelu is not monotonic (minimum -0.17 at x = -0.75): keep the input.
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
        dt = (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        return grad * (0.5 * (1 + t) + 0.5 * x * dt)
    cdf = _normal_cdf(x)
    pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return grad * (cdf + x * pdf)


def _gelu_check(approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


register_activation("gelu", _gelu, _gelu_backward, "input", params={"approximate": "none"},
                    module_name="GELU", monotonic=False, validate=_gelu_check,
                    integers="refuse")


# --- maxout: the max over groups of `pieces` ----------------------------------------------


def _groups(shape: tuple, pieces: int, dim: int) -> tuple:
    d = dim % len(shape)
    if pieces < 1 or shape[d] % pieces:
        raise ValueError(f"maxout: dimension {dim} of shape {shape} has size {shape[d]}, "
                         f"which is not a multiple of pieces={pieces}")
    return shape[:d] + (shape[d] // pieces, pieces) + shape[d + 1:], d + 1


def _maxout(x, pieces=2, dim=-1):
    """maxout: y = max over each group of `pieces` inputs; dx = g routed to the max (from the input)"""  # noqa: E501 (one line: the registry doc)
    grouped, axis = _groups(x.shape, pieces, dim)
    xs = x.reshape(grouped)
    # NOTE: elementwise maximum of the pieces, not xs.max(axis): numpy's reduction over a
    # short axis is ~30x slower than a few np.maximum calls on whole slices.
    lead = (slice(None),) * axis
    y = xs[lead + (0,)]
    for i in range(1, pieces):
        y = np.maximum(y, xs[lead + (i,)])
    return y


def _maxout_backward(grad, x, pieces=2, dim=-1):
    # NOTE: routing needs to know which piece won, which the output alone cannot say, so
    # maxout keeps its input. Ties split the gradient evenly, as for max.
    grouped, axis = _groups(x.shape, pieces, dim)
    xs = x.reshape(grouped)
    kept = grouped[:axis] + (1,) + grouped[axis + 1:]
    winners = xs == xs.amax(axis, keepdim=True) if is_tensor(x) \
        else xs == _maxout(x, pieces, dim).reshape(kept)
    share = (winners / winners.sum(axis=axis, keepdims=True)).astype(grad.dtype)
    return (grad.reshape(kept) * share).reshape(x.shape)


register_activation("maxout", _maxout, _maxout_backward, "input",
                    params={"pieces": 2, "dim": -1}, ties=True, elementwise=False,
                    module_name="", grouping=lambda pieces=2, dim=-1: (dim, pieces),
                    integers="refuse")
registry["maxout"].node.masks_only = True  # x is read only to find the winners (as amax)


# --- relu6 / hardsigmoid / softsign / selu / celu: output-based --------------------------


def _relu6(x):
    """relu6: y = min(max(0, x), 6); dy/dx = 1 if 0 < y < 6 else 0 (from the output)"""
    return _hardtanh(x, 0.0, 6.0)  # torch's relu6 is hardtanh(x, 0, 6): so is ours


def _relu6_backward(grad, y):
    # NOTE: 0 at both kinks (x = 0 and x = 6), as torch; "not at or outside the bounds"
    # rather than "inside", so that a nan passes its gradient on, as in torch.
    return masked(grad, ~((y <= 0) | (y >= 6)))


register_activation("relu6", _relu6, _relu6_backward, "output", module_name="ReLU6",
                    kinks=(0.0, 6.0), monotonic=True, integers="keep",
                    kink_slopes=lambda: {0.0: 0.0, 6.0: 0.0},
                    saturation=(lambda y: (y <= 0) | (y >= 6), "y at 0 or 6"))


def _hardsigmoid(x):
    """hardsigmoid: y = relu6(x + 3) / 6; dy/dx = 1/6 if 0 < y < 1 else 0 (from the output)"""
    return np.clip(x + 3, 0, 6) / 6  # torch's order of operations, so the same bits


def _hardsigmoid_backward(grad, y):
    # NOTE: 0 at the kinks x = -3 and x = 3 (y = 0 and 1), as torch; the slope is torch's
    # float32 1/6 in every dtype (float64 too: 1.7e-8 above the exact 1/6, relatively)
    g = masked(grad * _SIXTH, (y > 0) & (y < 1))
    # NOTE: torch never implemented hardsigmoid's second derivative: differentiating this
    # gradient (create_graph) raises, as in torch
    return NotDifferentiable.apply(g, y, name="hardsigmoid_backward") if is_tensor(g) else g


class NotDifferentiable(Function):
    """The value x unchanged, computed from ``inputs``; a backward through it raises: a
    derivative torch never implemented (so ours raises where torch's does)."""

    def forward(self, x, *inputs, name):
        self.save(name)
        return x.copy()

    def backward(self, g, name):
        raise RuntimeError(f"derivative for {name} is not implemented, as in PyTorch "
                           f"(shape {g.shape})")


_SIXTH = float(np.float32(1 / 6))


register_activation("hardsigmoid", _hardsigmoid, _hardsigmoid_backward, "output",
                    kinks=(-3.0, 3.0), monotonic=True, integers="refuse", twice=False,
                    kink_slopes=lambda: {-3.0: 0.0, 3.0: 0.0},
                    saturation=(lambda y: (y <= 0) | (y >= 1), "y at 0 or 1"))


def _softsign(x):
    """softsign: y = x / (1 + |x|); dy/dx = (1 - |y|)**2 (from the output)"""
    with np.errstate(invalid="ignore"):  # NOTE: +-inf / inf is nan, as torch's
        return x / (1 + np.abs(x))


def _softsign_backward(grad, y):
    # NOTE: 1 - |y| = 1 / (1 + |x|) cancels as |y| -> 1: its relative error is about
    # eps * (1 + |x|) (1e-4 in float32 at |x| = 1000), small next to the slope's own size.
    s = 1 - np.abs(y)
    return grad * s * s


# NOTE: kinks=(0,): the slope is continuous at 0, but its derivative jumps there (from 2
# to -2), so second-derivative checks keep away from it.
register_activation("softsign", _softsign, _softsign_backward, "output", monotonic=True,
                    integers="float_no_bool", kinks=(0.0,), kink_slopes=lambda: {0.0: 1.0},
                    saturation=(lambda y: np.abs(y) > 0.9, "|y| > 0.9 (slope < 0.01)"))

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu(x):
    """selu: y = scale * (x if x > 0 else alpha * (e^x - 1)); dy/dx = scale if y > 0 else y + scale * alpha (from the output)"""  # noqa: E501 (one line: the registry doc)
    # NOTE: expm1 of min(x, 0) as elu's, so large x cannot overflow in the unused branch;
    # the constants multiplied in torch's order, so the bits match.
    neg = np.expm1(np.minimum(x, 0)) * (_SELU_ALPHA * _SELU_SCALE)
    return np.where(x > 0, x * _SELU_SCALE, neg)


def _selu_backward(grad, y):
    # NOTE: y > 0 exactly when x > 0 (scale, alpha > 0), so the branch is decided from y;
    # the test is y <= 0 so that a nan input takes torch's branch (grad * scale). For
    # x < ~-37 (float64) y + scale * alpha cancels to 0: the true slope is ~1.76 e^x.
    return where(y <= 0, grad * (_negative_only(y, y) + _SELU_ALPHA * _SELU_SCALE),
                 grad * _SELU_SCALE)


register_activation("selu", _selu, _selu_backward, "output", module_name="SELU",
                    kinks=(0.0,), monotonic=True, integers="refuse",
                    kink_slopes=lambda: {0.0: _SELU_ALPHA * _SELU_SCALE})


def _celu(x, alpha=1.0):
    """celu: y = x if x > 0 else alpha * (e^(x/alpha) - 1); dy/dx = 1 if y > 0 else y / alpha + 1 (from the output)"""  # noqa: E501 (one line: the registry doc)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0) * (1 / alpha)) * alpha)


def _celu_backward(grad, y, alpha=1.0):
    # NOTE: y <= 0 exactly when x <= 0 for any alpha != 0 (for alpha < 0, alpha * expm1 of
    # a positive number is still negative), and there e^(x/alpha) = y / alpha + 1. As
    # elu's, it cancels for x << -alpha, where the true slope is tiny.
    return where(y <= 0, grad * (_negative_only(y, y) * (1 / alpha) + 1), grad)


def _celu_check(alpha=1.0):
    if alpha == 0:
        raise RuntimeError("celu: alpha cannot be 0 (it divides x), as in PyTorch")


register_activation("celu", _celu, _celu_backward, "output", params={"alpha": 1.0},
                    module_name="CELU", kinks=(0.0,), monotonic=True, validate=_celu_check,
                    kink_slopes=lambda alpha=1.0: {0.0: 1.0}, integers="refuse")


# --- softshrink / hardshrink: flat pieces, still decided from the output; threshold ------


def _softshrink(x, lambd=0.5):
    """softshrink: y = x - lambd if x > lambd, x + lambd if x < -lambd, else 0; dy/dx = (y != 0) (from the output)"""  # noqa: E501 (one line: the registry doc)
    return x - np.clip(x, -lambd, lambd)  # the same bits as torch's x - lambd, x + lambd


def _softshrink_backward(grad, y, lambd=0.5):
    # NOTE: not invertible at y = 0 (all of [-lambd, lambd] maps there), but the slope is
    # 0 on all of it, kinks included (torch's), and 1 wherever y != 0: x - lambd > 0 for
    # every float x > lambd, so the output still decides. A nan gives nan, and grad, as torch.
    return masked(grad, y != 0)


def _shrink_check(lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be >= 0, got {lambd}, as in PyTorch")


register_activation("softshrink", _softshrink, _softshrink_backward, "output",
                    params={"lambd": 0.5}, kinks=lambda lambd=0.5: (-lambd, lambd),
                    monotonic=True, validate=_shrink_check, integers="refuse",
                    kink_slopes=lambda lambd=0.5: {-lambd: 0.0, lambd: 0.0},
                    saturation=(lambda y, lambd=0.5: y == 0, "y = 0 (the dead zone)"))


def _hardshrink(x, lambd=0.5):
    """hardshrink: y = x if |x| > lambd else 0; dy/dx = (y != 0) (from the output)"""
    return np.where((x >= -lambd) & (x <= lambd), 0, x)


def _hardshrink_backward(grad, y, lambd=0.5):
    # NOTE: y = 0 on the dead zone [-lambd, lambd] (slope 0, the kinks too, as torch) and
    # nowhere else, except x = 0 itself when lambd < 0: then nothing is shrunk (torch
    # allows it), hardshrink is the identity, and the slope is 1 even where y = 0.
    if lambd < 0:
        return grad * 1
    return masked(grad, y != 0)


register_activation("hardshrink", _hardshrink, _hardshrink_backward, "output",
                    params={"lambd": 0.5}, kinks=lambda lambd=0.5: (-lambd, lambd),
                    monotonic=True, integers="refuse",  # it jumps, but never down
                    kink_slopes=lambda lambd=0.5: {-lambd: 0.0, lambd: 0.0},
                    saturation=(lambda y, lambd=0.5: y == 0, "y = 0 (the dead zone)"))


def _threshold(x, threshold=0.1, value=20.0):
    """threshold: y = x if x > threshold else value; dy/dx = 1 if x > threshold else 0 (from the input)"""  # noqa: E501 (one line: the registry doc)
    if x.dtype.kind in "iu":  # NOTE: torch casts both to the integer type (truncating)
        threshold, value = int(threshold), int(value)
    return np.where(x <= threshold, value, x).astype(x.dtype, copy=False)


def _threshold_backward(grad, x, threshold=0.1, value=20.0):
    # NOTE: with value > threshold (torch's own example: 0.1 and 20) y = value comes both
    # from every x <= threshold (slope 0) and from x = value (slope 1), so the output
    # cannot decide there: the rule keeps the input. "Not x <= threshold" rather than
    # "x > threshold", so that a nan passes its gradient on, as in torch.
    return masked(grad, ~(x <= threshold))


register_activation("threshold", _threshold, _threshold_backward, "input",
                    params={"threshold": 0.1, "value": 20.0},
                    kinks=lambda threshold=0.1, value=20.0: (threshold,), monotonic=False,
                    integers="keep",
                    kink_slopes=lambda threshold=0.1, value=20.0: {threshold: 0.0})


# --- tanhshrink / mish / hardswish: their rules keep the input ---------------------------


def _tanhshrink(x):
    """tanhshrink: y = x - tanh(x); dy/dx = tanh(x)**2 (from the input)"""
    return x - np.tanh(x)


def _tanhshrink_backward(grad, x):
    # NOTE: tanhshrink is increasing, so invertible, but x(y) has no closed form (and
    # y ~ x**3 / 3 near 0 holds x to a cube root's precision): the rule keeps the input.
    # NOTE: torch's tanhshrink is x - tanh(x), so its gradient is g - g * (1 - t**2), not
    # g * t**2: the same but for rounding, and an infinite g gives nan (inf - inf), not inf.
    t = np.tanh(x)
    with np.errstate(invalid="ignore"):
        return grad - grad * (1 - t * t)


register_activation("tanhshrink", _tanhshrink, _tanhshrink_backward, "input",
                    monotonic=True, integers="float_no_bool")


def _softplus1(x: Any) -> Any:
    """log(1 + e^x) for ndarrays (without overflow) and Tensors (in the graph)."""
    return x.softplus() if is_tensor(x) else np.logaddexp(0, x)


def _mish(x):
    """mish: y = x * tanh(softplus(x)); dy/dx = t + x * sigmoid(x) * (1 - t**2), t = tanh(softplus(x)) (from the input)"""  # noqa: E501 (one line: the registry doc)
    with np.errstate(invalid="ignore"):  # NOTE: -inf * tanh(0) is nan, as torch's
        return x * np.tanh(_softplus1(x))


def _mish_backward(grad, x):
    # NOTE: mish dips to -0.309 at x = -1.19 and rises on both sides, so one y comes from
    # two x's: not invertible, and the rule keeps the input.
    with np.errstate(invalid="ignore"):
        t = np.tanh(_softplus1(x))
        return grad * (t + x * _sigmoid(x) * (1 - t * t))


register_activation("mish", _mish, _mish_backward, "input", monotonic=False,
                    integers="refuse")


def _hardswish(x):
    """hardswish: y = x * relu6(x + 3) / 6; dy/dx = 0 if x <= -3, x/3 + 1/2 if x < 3, else 1 (from the input)"""  # noqa: E501 (one line: the registry doc)
    with np.errstate(invalid="ignore"):  # NOTE: -inf * 0 is nan, as torch's
        return x * np.clip(x + 3, 0, 6) / 6


def _hardswish_backward(grad, x):
    # NOTE: hardswish dips to -0.375 at x = -1.5 (not invertible: keep the input). At the
    # kinks torch (2.13) takes the outer slopes: 0 at x = -3 and 1 at x = 3.
    return where(x <= -3, 0.0, where(x < 3, grad * (x * (1 / 3) + 0.5), grad))


register_activation("hardswish", _hardswish, _hardswish_backward, "input",
                    kinks=(-3.0, 3.0), monotonic=False, integers="refuse",
                    kink_slopes=lambda: {-3.0: 0.0, 3.0: 1.0})


# --- logsigmoid: output-based, and exact ---------------------------------------------------


def _logsigmoid(x):
    """logsigmoid: y = -log(1 + e^-x); dy/dx = 1 - e^y (from the output)"""
    # NOTE: min(x, 0) - log1p(e^-|x|), torch's form: e^-|x| <= 1 cannot overflow.
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _logsigmoid_backward(grad, y):
    # NOTE: logsigmoid is increasing, so invertible, and the slope sigmoid(-x) = 1 - e^y
    # is exact from the output when taken as -expm1(y): y ~ -e^-x is held to full relative
    # precision for large x (measured on [-30, 90]: within 1e-6 in float32, 5e-16 in
    # float64, of sigmoid(-x) in float64), so the input need not be kept.
    return grad * -np.expm1(y)


register_activation("logsigmoid", _logsigmoid, _logsigmoid_backward, "output",
                    module_name="LogSigmoid", monotonic=True, integers="refuse")


# --- prelu: a learnable slope per channel (two inputs, so a Function of its own) ---------


def _channels(w: Any, ndim: int) -> Any:
    """The slope shaped to broadcast over an input of ``ndim`` dims along dim 1."""
    if math.prod(w.shape) == 1 or ndim < 2:  # (w.size is a method on Tensors)
        return w.reshape(())
    return w.reshape((-1,) + (1,) * (ndim - 2))


class PReLU(Function):
    """prelu: y = x if x > 0 else w * x, w per channel (dim 1) or one for all;
    dy/dx = 1 if x > 0 else w; dy/dw = sum of g * x over the x <= 0 (and non-channel
    dims). From the output when every slope is positive (then y > 0 exactly when x > 0,
    and x = y / w where y <= 0), else from the input. ``fused``: as torch's one prelu
    kernel, under create_graph each gradient depends on all that is kept (y or x, and w)."""

    __slots__ = ()
    fused = True

    def forward(self, x, w):
        y = np.where(x > 0, x, _channels(w, x.ndim) * x)
        positive = bool(np.all(w > 0))
        # NOTE: a zero slope maps every x <= 0 to 0 and a negative one sends x < 0 above
        # 0: the output no longer tells the sign of x, so those keep the input instead.
        self.save(y if positive else x, w, positive)
        return y

    def backward(self, grad, saved, w, positive):
        wb = _channels(w, saved.ndim)
        negative = ~(saved > 0)  # x <= 0, from y or from x itself; a nan counts (torch)
        # NOTE: at x = 0 the slope w; its derivative in w stays 1 there (torch's double
        # backward says 0, which finite differences of this very slope contradict)
        gx = where(negative, grad * wb, grad) if self.needs_input_grad[0] else None
        gw = None
        if self.needs_input_grad[1]:
            # NOTE: y / w is x to within two roundings (exact unless w * x underflowed).
            x = _negative_only(saved / wb if positive else saved, saved)
            part = where(negative, grad * x, 0.0)
            axes = tuple(a for a in range(part.ndim) if a != 1 or math.prod(w.shape) == 1)
            gw = part.sum(axis=axes).reshape(w.shape) if axes else part.reshape(w.shape)
        return gx, gw


def apply_prelu(x: Any, weight: Any) -> Any:
    """``F.prelu(x, weight)``: checks the arguments as torch does, then runs the node."""
    T = autograd.Tensor
    if not isinstance(x, T) or not isinstance(weight, T):
        raise TypeError(f"prelu(): input and weight must be Tensors, got "
                        f"{type(x).__name__} and {type(weight).__name__}")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim} (shape {weight.shape})")
    if x.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {x.dtype} and "
                           f"{weight.dtype} (input shape {x.shape}, weight {weight.shape})")
    if x._array.dtype.kind != "f":
        raise NotForIntegers(f"prelu: not defined for a {x.dtype} input (shape {x.shape}), "
                             "as in PyTorch; convert it with .float() first")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight._array.size != 1 and weight._array.size != channels:
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                           f"Found parameter numbers = {weight._array.size} and channel size "
                           f"= {channels} (input shape {x.shape})")
    return PReLU.apply(x, weight)


def _prelu_ref(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, _channels(w, x.ndim) * x)


# the slopes positive (the output-based path), then of either sign (the input-based one)
row("prelu", PReLU, lambda a, w: a.prelu(w), _prelu_ref,
    ((3, 4), (4,)), ((2, 3, 4), (3,)), ((3, 4), (1,)),
    domain=("nonzero", "positive"), kinks=(0.0,), torch=True)
row("prelu(any slope)", PReLU, lambda a, w: a.prelu(w), _prelu_ref,
    ((3, 4), (4,)), ((2, 3, 5), (3,)), domain=("nonzero", "real"), kinks=(0.0,), torch=True)


#: The activations above, the built-ins: they may be replaced (the mutation lab does), and
#: any other Tensor attribute is refused as a new name.
_BUILTIN = frozenset(registry)
