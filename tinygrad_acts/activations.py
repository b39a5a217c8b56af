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

from . import autograd, dtypes, special
from .autograd import Function
from .ops.helpers import is_tensor
from .ops.indexing import where
from .ops.table import OpSpec, add_row, remove_row

__all__ = ["register_activation", "unregister_activation", "registry", "ActivationSpec",
           "apply", "apply_", "inplace_node", "check_params"]


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
                        integers: str = "float",
                        replace: bool = False) -> ActivationSpec:
    """Install an activation everywhere at once: ``x.name()``, ``F.name(x)``, an ``nn``
    module, ``ta.activations[name]``, the ``check`` command and the generic tests.

    Args:
        name: the function's name (a Python identifier, e.g. ``"softsign"``).
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
            becomes the default float dtype: sigmoid, tanh), ``"keep"`` (integers stay
            integers, bools are refused: relu, hardtanh) or ``"refuse"`` (softmax, gelu...).
        replace: allow replacing an existing entry.

    Example:
        >>> import tinygrad_acts as ta
        >>> _ = ta.register_activation(
        ...     "softsign",
        ...     forward=lambda x: x / (1 + abs(x)),
        ...     backward=lambda grad, x: grad / (1 + abs(x)) ** 2,
        ...     saves="input")
        >>> ta.tensor([1.0, -3.0]).softsign()
        tensor([ 0.5 , -0.75])
        >>> ta.unregister_activation("softsign")
    """
    if not name.isidentifier():
        raise ValueError(f"register_activation: name must be an identifier, got {name!r}")
    if integers not in ("float", "keep", "refuse"):
        raise ValueError(f"register_activation({name!r}): integers must be 'float', 'keep' "
                         f"or 'refuse', got {integers!r}")
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
        grouping=grouping, saturation=saturation, integers=integers, node=node)
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
                  kinks=tuple(spec.kink_points()), ties=spec.ties)


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
    if x.data.dtype.kind != "f":
        x = _integer_input(spec, x)
    if params or spec.params:
        return spec.node.apply(x, **check_params(spec, params))
    return spec.node.apply(x)


def _integer_input(spec: ActivationSpec, x: Any) -> Any:
    """An integer or bool input, as the entry's ``integers`` says (PyTorch's behaviour)."""
    is_bool = x.data.dtype.kind == "b"
    if spec.integers == "float":
        return x.astype(dtypes.get_default_dtype())
    if spec.integers == "keep" and not is_bool:
        return x
    raise TypeError(f"{spec.name}: not defined for a {x.dtype} input (shape {x.shape}), as "
                    "in PyTorch; convert it with .float() first")


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


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # NOTE: two branches, each computed from e = exp(-|x|) <= 1, so nothing overflows:
    # x >= 0: 1 / (1 + e^-x);  x < 0: e^x / (1 + e^x).
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


def _sigmoid(x: Any) -> Any:
    return x.sigmoid() if is_tensor(x) else _stable_sigmoid(x)


def _normal_cdf(x: Any) -> Any:
    """Phi(x), the standard normal CDF, for ndarrays and Tensors."""
    if is_tensor(x):
        return 0.5 * (1 + (x * (1 / math.sqrt(2))).erf())
    # NOTE: 0.5 * erfc(-x / sqrt 2) rather than 0.5 * (1 + erf(x / sqrt 2)): for x < -5
    # the 1 + erf(...) cancels to rounding noise, while erfc keeps full relative precision.
    return 0.5 * special.erfc(x * (-1 / math.sqrt(2)))


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
    return np.maximum(x, 0)


def _relu_backward(grad, y):
    # NOTE: at the kink x = 0 the output is 0, so the rule gives 0: PyTorch's relu'(0) = 0.
    # A product with the mask, not np.where (6x slower on a layer's worth): so an inf or nan
    # upstream gives nan at an inactive unit, where torch gives 0 (docs/guarantees.md).
    return grad * (y > 0)


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


def _sigmoid_forward(x):
    """sigmoid: y = 1 / (1 + e^-x); dy/dx = y * (1 - y) (from the output)"""
    return _stable_sigmoid(x)


def _sigmoid_backward(grad, y):
    # NOTE: y * (1 - y) <= 0.25, reached at y = 0.5 (x = 0): each sigmoid layer shrinks
    # the gradient by at least 4x. For x > ~36.7 in float64 (~16.6 in float32) y rounds to 1,
    # so the output-based slope is exactly 0 although the true slope is ~e^-x; for x < 0 it
    # keeps full precision (y is tiny but exact): see examples/precision_lab.py.
    return grad * y * (1 - y)


register_activation("sigmoid", _sigmoid_forward, _sigmoid_backward, "output",
                    monotonic=True, saturation=(lambda y: (y < 0.01) | (y > 0.99),
                                                "y < 0.01 or y > 0.99"))


def _tanh(x):
    """tanh: y = tanh(x); dy/dx = 1 - y**2 (from the output)"""
    return np.tanh(x)


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


def _softmax(x, dim=None):
    """softmax: y = e^x / sum(e^x); dx = y * (g - sum(g * y)) (from the output)"""
    # NOTE: shifting by the max changes nothing mathematically (the e^-max cancels) and
    # keeps e^x <= 1, so logits like 1000 or 1e4 do not overflow.
    axis = _dim(x, dim)
    if not x.size:  # nothing to normalise (an empty dim): as torch, an empty result
        return x.copy()
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _softmax_backward(grad, y, dim=None):
    dim = _axis_of(y, dim)
    return y * (grad - (grad * y).sum(axis=dim, keepdims=True))


register_activation("softmax", _softmax, _softmax_backward, "output", params={"dim": -1},
                    elementwise=False, integers="refuse")


def _log_softmax(x, dim=None):
    """log_softmax: y = x - logsumexp(x); dx = g - e^y * sum(g) (from the output)"""
    axis = _dim(x, dim, "log_softmax")
    if not x.size:
        return x.copy()
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _log_softmax_backward(grad, y, dim=None):
    dim = _axis_of(y, dim)
    return grad - np.exp(y) * grad.sum(axis=dim, keepdims=True)


register_activation("log_softmax", _log_softmax, _log_softmax_backward, "output",
                    params={"dim": -1}, module_name="LogSoftmax", elementwise=False,
                    integers="refuse")


# --- elu / softplus / hardtanh ---------------------------------------------------------


def _elu(x, alpha=1.0):
    """elu: y = x if x > 0 else alpha * (e^x - 1); dy/dx = 1 if y > 0 else y + alpha (from the output)"""  # noqa: E501 (one line: the registry doc)
    # NOTE: expm1 of min(x, 0), so large positive x cannot overflow in the unused branch.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_backward(grad, y, alpha=1.0):
    return where(y > 0, grad, grad * (y + alpha))


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
    return grad * ((y > min_val) & (y < max_val))  # a product, as relu's


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

#: The activations above: Tensor has a method for each, so they may be replaced (the
#: mutation lab does); any other Tensor attribute is refused as a new name.
_BUILTIN = frozenset(registry)
