"""Activation modules: one ``nn`` class per registry entry (``nn.ReLU()``, ``nn.Tanh()``, ...).

The classes are made from the registry by ``activation_module``, so their docstrings,
arguments and ``repr`` always match the entry; a user-registered activation gets its class
the same way (``nn.Softsign()``) through ``nn.__getattr__``. An entry whose ``module_name``
is ``""`` gets no class (maxout: ``nn.Maxout`` is the layer with its own weights).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..activations import apply, apply_, apply_prelu, check_params, registry
from ..tensor import Tensor, check_device, get_default_dtype
from .module import Module, Parameter

__all__ = ["Activation", "activation_module", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "ELU", "Softplus", "SiLU", "GELU", "Hardtanh",
           "ReLU6", "Hardsigmoid", "Softsign", "SELU", "CELU", "Softshrink", "Hardshrink",
           "Threshold", "Tanhshrink", "Mish", "Hardswish", "LogSigmoid", "PReLU", "RReLU",
           "Softmax2d"]


class Activation(Module):
    """Base of the activation modules: holds the parameters and calls the registry."""

    name = ""
    #: the module's own defaults where they differ from the entry's (torch's nn.Softmax:
    #: dim=None), and the parameters torch requires (nn.Threshold's threshold and value)
    defaults: ClassVar[dict] = {}
    required: ClassVar[tuple] = ()
    bare_repr: ClassVar[bool] = False  # torch's Softshrink(0.5): values without names
    inplace_in_repr: ClassVar[bool] = True  # False: torch's Hardsigmoid(), even in place
    #: torch's class takes ``inplace`` as its last positional parameter (``nn.ReLU(True)``,
    #: ``nn.LeakyReLU(0.2, True)``); the others take it by keyword only (an extension here)
    inplace_arg: ClassVar[bool] = False

    def __init__(self, *args: Any, inplace: bool = False, **params: Any):
        super().__init__()
        spec = registry[self.name]
        names = list(spec.params) + (["inplace"] if self.inplace_arg else [])
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}.__init__() takes at most {len(names)} "
                            f"positional argument(s) ({', '.join(names) or 'none'}), got "
                            f"{len(args)}")
        given = dict(zip(names, args))
        if "inplace" in given:
            if "inplace" in params or inplace:
                raise TypeError(f"{type(self).__name__}.__init__() got multiple values for "
                                "argument 'inplace'")
            inplace = given.pop("inplace")
        twice = sorted(given.keys() & params.keys())
        if twice:
            raise TypeError(f"{type(self).__name__}.__init__() got multiple values for "
                            f"argument(s) {twice}")
        params.update(given)
        missing = [p for p in self.required if p not in params]
        if missing:
            raise TypeError(f"{type(self).__name__}.__init__() missing {len(missing)} "
                            f"required argument(s): {', '.join(map(repr, missing))}")
        params = {**self.defaults, **params}
        if inplace and not spec.inplace_ok:
            raise ValueError(f"{type(self).__name__}: inplace=True needs an output-based rule; "
                             f"{self.name} keeps its {spec.saves}")
        self.params = check_params(spec, params)
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: input must be a Tensor, not "
                            f"{type(x).__name__} (wrap it: ta.tensor(data)), as in PyTorch")
        if self.inplace:
            return apply_(self.name, x, **self.params)
        return apply(self.name, x, **self.params)

    def extra_repr(self) -> str:
        parts = [f"{v!r}" if self.bare_repr else f"{k}={v!r}" for k, v in self.params.items()]
        if self.inplace and self.inplace_in_repr:
            parts.append("inplace=True")
        return ", ".join(parts)


def activation_module(name: str, defaults: dict | None = None, required: tuple = (),
                      bare_repr: bool = False, inplace_in_repr: bool = True,
                      inplace_arg: bool = False) -> type:
    """The ``nn`` class for registry entry ``name``, with a PyTorch-style docstring;
    ``defaults`` overrides the entry's defaults and ``required`` lists the parameters that
    must be given (both as in the PyTorch class); ``bare_repr`` and ``inplace_in_repr``
    shape the repr as the PyTorch class's; ``inplace_arg`` makes ``inplace`` the last
    positional parameter, after the entry's own (torch's order: ``LeakyReLU(0.2, True)``).

    Raises ValueError for an entry that declares no module (``module_name=""``).
    """
    spec = registry[name]
    if not spec.module_name:
        raise ValueError(f"activation_module: {name!r} has no nn module class (its entry "
                         "has module_name=''); call the function instead")
    defaults = dict(defaults or {})
    args = "\n".join(f"        {k}: required" if k in required else
                     f"        {k}: default {defaults.get(k, v)!r}"
                     for k, v in spec.params.items()) or "        none"
    call = f"nn.{spec.module_name}({', '.join(repr(spec.params[k]) for k in required)})"
    group = spec.group()
    shrinks = f" (dim {group[0]} divided by {group[1]})" if group is not None else ""
    example = ", ".join(map(str, spec.example_shapes()[0]))
    doc = (f"{spec.doc}\n\n    Applied {'elementwise' if spec.elementwise else 'along dim'}; "
           f"the backward rule keeps the {spec.saves}.\n\n"
           f"    Args:\n{args}\n        inplace: overwrite the input "
           f"(output-based rules only), default False\n\n"
           f"    Shape:\n        Input (*), output (*){shrinks}\n\n"
           f"    Example:\n        >>> import tinygrad_acts as ta\n"
           f"        >>> m = ta.{call}\n        >>> y = m(ta.randn({example}))\n")
    return type(spec.module_name, (Activation,), {"name": name, "__doc__": doc,
                                                  "__module__": __name__,
                                                  "defaults": defaults,
                                                  "required": tuple(required),
                                                  "bare_repr": bare_repr,
                                                  "inplace_in_repr": inplace_in_repr,
                                                  "inplace_arg": inplace_arg})


# --- the built-ins: ReLU / LeakyReLU / Sigmoid / Tanh / Softmax / ... ------------------
# NOTE: inplace_arg=True exactly where torch's class has an ``inplace`` parameter
ReLU = activation_module("relu", inplace_arg=True)
LeakyReLU = activation_module("leaky_relu", inplace_arg=True)
Sigmoid = activation_module("sigmoid")
Tanh = activation_module("tanh")
# NOTE: torch's nn.Softmax() and nn.LogSoftmax() default to dim=None: the legacy implicit
# dim (0 for 0-, 1- and 3-d inputs, else 1), with its warning, as F.softmax without a dim.
Softmax = activation_module("softmax", defaults={"dim": None})
LogSoftmax = activation_module("log_softmax", defaults={"dim": None})
ELU = activation_module("elu", inplace_arg=True)
Softplus = activation_module("softplus")
SiLU = activation_module("silu", inplace_arg=True)
GELU = activation_module("gelu")
Hardtanh = activation_module("hardtanh", inplace_arg=True)


# --- ReLU6 / Hardsigmoid / Softsign / SELU / CELU / ... / LogSigmoid -------------------
ReLU6 = activation_module("relu6", inplace_arg=True)
# NOTE: torch's Hardsigmoid and Hardswish have no extra_repr: Hardsigmoid(), even in place
Hardsigmoid = activation_module("hardsigmoid", inplace_in_repr=False, inplace_arg=True)
Softsign = activation_module("softsign")
SELU = activation_module("selu", inplace_arg=True)
CELU = activation_module("celu", inplace_arg=True)
Softshrink = activation_module("softshrink", bare_repr=True)
Hardshrink = activation_module("hardshrink", bare_repr=True)
Threshold = activation_module("threshold", required=("threshold", "value"), inplace_arg=True)
Tanhshrink = activation_module("tanhshrink")
Mish = activation_module("mish", inplace_arg=True)
Hardswish = activation_module("hardswish", inplace_in_repr=False, inplace_arg=True)
LogSigmoid = activation_module("logsigmoid")


# --- PReLU: an activation with a learnable slope -------------------------------------------


class PReLU(Module):
    """prelu: y = x if x > 0 else a * x, with a learnable slope a (one, or one per channel).

    The gradient for the slope is computed from the output while every slope is positive
    (x = y / a where y <= 0), from the input otherwise (see ``activations.PReLU``).

    Args:
        num_parameters: the number of slopes: 1 (default), or the input's channels (dim 1).
        init: the slopes' initial value, default 0.25.
        device: None or "cpu" (the only device).
        dtype: the slopes' dtype (default: the default float dtype).

    Shape:
        Input (*) with the channels at dim 1 when num_parameters > 1; output (*), the same.
        ``weight`` is (num_parameters,).

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.PReLU()
        >>> m(ta.tensor([-2.0, 3.0]))
        tensor([-0.5000,  3.0000], grad_fn=<PReLUBackward>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None):
        super().__init__()
        check_device(device)
        if num_parameters < 1:
            raise RuntimeError(f"PReLU: num_parameters must be >= 1, got {num_parameters}")
        # NOTE: not self.num_parameters (torch's attribute): here that is Module's method
        self.init = init
        self.weight = Parameter(np.full(num_parameters, init, dtype or get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        return apply_prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.weight.shape[0]}"


# --- RReLU and Softmax2d: torch's activation modules built on F. ---------------------------


class RReLU(Module):
    """rrelu: y = x if x > 0 else a * x, a ~ U(lower, upper) per element in training, and
    a = (lower + upper) / 2 in eval mode (``F.rrelu``).

    Args:
        lower, upper: the slope's range (defaults 1/8 and 1/3).
        inplace: overwrite the input (default False).

    Shape:
        Input (*), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.RReLU(0.25, 0.75).eval()
        >>> m(ta.tensor([-2.0, 3.0]))
        tensor([-1.,  3.])
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, x: Tensor) -> Tensor:
        from .. import functional as F

        return F.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                            else "")


class Softmax2d(Module):
    """softmax over the channels of each pixel: y = softmax(x, dim=-3).

    Shape:
        Input (N, C, H, W) or (C, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.Softmax2d()(ta.zeros(1, 2, 1, 1)).flatten()
        tensor([0.5000, 0.5000])
    """

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"Softmax2d: argument 'input' must be Tensor, not "
                            f"{type(x).__name__}")
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D "
                             f"instead (shape {x.shape})")
        return x.softmax(-3)
