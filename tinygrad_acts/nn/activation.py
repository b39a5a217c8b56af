"""Activation modules: one ``nn`` class per registry entry (``nn.ReLU()``, ``nn.Tanh()``, ...).

The classes are made from the registry by ``activation_module``, so their docstrings,
arguments and ``repr`` always match the entry; a user-registered activation gets its class
the same way (``nn.Softsign()``) through ``nn.__getattr__``. An entry whose ``module_name``
is ``""`` gets no class (maxout: ``nn.Maxout`` is the layer with its own weights).
"""
from __future__ import annotations

from typing import Any

from ..activations import apply, apply_, check_params, registry
from ..tensor import Tensor
from .module import Module

__all__ = ["Activation", "activation_module", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "ELU", "Softplus", "SiLU", "GELU", "Hardtanh"]


class Activation(Module):
    """Base of the activation modules: holds the parameters and calls the registry."""

    name = ""

    def __init__(self, *args: Any, inplace: bool = False, **params: Any):
        super().__init__()
        spec = registry[self.name]
        names = list(spec.params)
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional "
                            f"argument(s) ({', '.join(names) or 'none'}), got {len(args)}")
        params.update(zip(names, args))
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
        parts = [f"{k}={v!r}" for k, v in self.params.items()]
        if self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


def activation_module(name: str) -> type:
    """The ``nn`` class for registry entry ``name``, with a PyTorch-style docstring.

    Raises ValueError for an entry that declares no module (``module_name=""``).
    """
    spec = registry[name]
    if not spec.module_name:
        raise ValueError(f"activation_module: {name!r} has no nn module class (its entry "
                         "has module_name=''); call the function instead")
    args = "\n".join(f"        {k}: default {v!r}" for k, v in spec.params.items()) \
        or "        none"
    call = f"nn.{spec.module_name}()"
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
                                                  "__module__": __name__})


# --- the built-ins: ReLU / LeakyReLU / Sigmoid / Tanh / Softmax / ... ------------------
ReLU = activation_module("relu")
LeakyReLU = activation_module("leaky_relu")
Sigmoid = activation_module("sigmoid")
Tanh = activation_module("tanh")
Softmax = activation_module("softmax")
LogSoftmax = activation_module("log_softmax")
ELU = activation_module("elu")
Softplus = activation_module("softplus")
SiLU = activation_module("silu")
GELU = activation_module("gelu")
Hardtanh = activation_module("hardtanh")
