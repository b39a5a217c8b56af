"""Neural-network building blocks in PyTorch's shape: modules, layers, activations.

``nn.functional`` is ``tinygrad_acts.functional`` itself (one module, two names), registered
as a submodule so ``import tinygrad_acts.nn.functional as F`` works as torch's does."""
import sys
from typing import Any

from .. import functional as functional  # nn.functional, as torch.nn.functional
from ..activations import registry as _registry
from . import (
    activation,
    conv,
    init,
    layers,
    losses,
    module,
    modules,  # noqa: F401 (torch.nn.modules.module)
    norm,
    padding,
    rnn,
    sparse,
    transformer,
    upsampling,
    utils,
)
from .activation import *  # noqa: F403
from .conv import *  # noqa: F403
from .layers import *  # noqa: F403
from .losses import *  # noqa: F403
from .module import *  # noqa: F403
from .norm import *  # noqa: F403
from .padding import *  # noqa: F403
from .rnn import *  # noqa: F403
from .sparse import *  # noqa: F403
from .transformer import *  # noqa: F403
from .upsampling import *  # noqa: F403

sys.modules[__name__ + ".functional"] = functional

# each module's __all__ is what nn exports: a new layer or loss is listed there only
__all__ = [*module.__all__, *layers.__all__, *activation.__all__, *losses.__all__,
           *conv.__all__, *norm.__all__, *rnn.__all__, *sparse.__all__, *transformer.__all__,
           *upsampling.__all__, *padding.__all__,
           "init", "utils", "functional"]

_made: dict = {}


def __getattr__(name: str) -> Any:
    """``nn.<ModuleName>`` for activations registered after import (e.g. nn.Softsign)."""
    for spec in list(_registry.values()):
        if spec.module_name == name:
            if name not in _made or _made[name].name != spec.name:
                _made[name] = activation.activation_module(spec.name)
            return _made[name]
    raise AttributeError(f"module 'tinygrad_acts.nn' has no attribute '{name}'")
