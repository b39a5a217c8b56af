"""tinygrad_acts: a small, fast, readable autograd framework on numpy.

A Tensor records the computation graph; activations are registered with output-based
backward rules; property tests check every gradient against finite differences.
"""
# tensor first: it pulls in the engine, the ops and the activation registry in order
from .tensor import (Tensor, arange, cat, eye, from_numpy, full, generator, get_default_dtype,
                     manual_seed, maximum, minimum, ones, ones_like, rand, randn,
                     set_default_dtype, stack, tensor, where, zeros, zeros_like)
from .activations import register_activation, registry as _registry, unregister_activation
from .autograd import (detect_anomaly, enable_grad, grad, is_anomaly_enabled,
                       is_grad_enabled, no_grad, set_detect_anomaly, set_grad_enabled)
from . import functional, nn  # noqa: E402
from . import data, optim  # noqa: E402
from .serialization import load, save  # noqa: E402
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from . import diagnostics, viz  # noqa: E402  (teaching tools: monitor, graphs)

#: The activation registry: ``ta.activations["relu"](x)``; name -> ActivationSpec.
activations = _registry

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "from_numpy", "zeros", "ones", "zeros_like", "ones_like", "full",
    "randn", "rand", "arange", "eye", "cat", "stack", "where", "maximum", "minimum",
    "manual_seed", "generator", "set_default_dtype", "get_default_dtype",
    "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled", "grad",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
    "activations", "register_activation", "unregister_activation", "functional", "nn",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "diagnostics", "viz", "optim", "data", "save", "load",
]
