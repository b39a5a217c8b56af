"""Neural-network building blocks in PyTorch's shape: modules, layers, activations."""
from typing import Any

from ..activations import registry as _registry
from .activation import (
    ELU,
    GELU,
    Activation,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    activation_module,
)
from .layers import Dropout, Flatten, Identity, Linear, Maxout, ModuleList, Sequential
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module, Parameter

__all__ = ["Module", "Parameter", "Linear", "Dropout", "Maxout", "Identity", "Flatten",
           "Sequential", "ModuleList", "Activation", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "ELU", "Softplus", "SiLU", "GELU", "Hardtanh",
           "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]

_made: dict = {}


def __getattr__(name: str) -> Any:
    """``nn.<ModuleName>`` for activations registered after import (e.g. nn.Softsign)."""
    for spec in list(_registry.values()):
        if spec.module_name == name:
            if name not in _made or _made[name].name != spec.name:
                _made[name] = activation_module(spec.name)
            return _made[name]
    raise AttributeError(f"module 'tinygrad_acts.nn' has no attribute '{name}'")
