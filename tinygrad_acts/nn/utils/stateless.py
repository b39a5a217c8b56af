"""``nn.utils.stateless.functional_call``: the older name of ``func.functional_call`` (one
dict only), deprecated as in PyTorch 2.0+."""
from __future__ import annotations

import warnings
from typing import Any

from ...func import _call

__all__ = ["functional_call"]


def functional_call(module: Any, parameters_and_buffers: dict, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """As ``tinygrad_acts.func.functional_call`` with one dict (a FutureWarning, as torch's)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch "
                  "2.0 and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _call(module, parameters_and_buffers, args, kwargs, tie_weights, strict)
