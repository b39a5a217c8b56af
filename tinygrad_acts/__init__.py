"""tinygrad_acts: a small, fast, readable autograd framework on numpy.

A Tensor records the computation graph; activations are registered with output-based
backward rules; property tests check every gradient against finite differences.
"""
# tensor first: it pulls in the engine, the ops and the activation registry in order, so the
# order below is deliberate and isort is off for it
# isort: off
from .tensor import (Tensor, cat, from_numpy, generator, get_default_dtype, maximum,
                     minimum, ones_like, set_default_dtype, stack, zeros_like)
# the op surface by family (api/): each module's __all__ joins ta., its methods join Tensor
from .api.math import *  # noqa: F403
from .api.reduce import *  # noqa: F403
from .api.selection import *  # noqa: F403
from .api.shape import *  # noqa: F403
from .api.linalg import *  # noqa: F403
from .api.factories import *  # noqa: F403
from .api.interop import *  # noqa: F403
from .api.rnn import *  # noqa: F403
from .api.common import *  # noqa: F403
from . import api, linalg
from . import decompositions  # torch.linalg's svd, qr, eigh ...; and torch's old names:
from .decompositions import *  # noqa: F403  (svd, qr, cholesky, pinverse ...)
from .activations import register_activation, registry as _registry, unregister_activation
from .autograd import (detect_anomaly, enable_grad, grad, is_anomaly_check_nan_enabled,
                       is_anomaly_enabled, is_grad_enabled, no_grad, set_detect_anomaly,
                       set_grad_enabled)
from . import functional, nn
from . import func
from . import functional_aliases
from .functional_aliases import *  # noqa: F403  (torch's top-level F. names: ta.conv2d ...)
from . import data, optim, utils
from . import distributions  # noqa: F401 (torch.distributions; joins __all__ later)
from . import composites  # torch's functions composed from the ops (addcmul, cdist ...)
from .composites import *  # noqa: F403
from .serialization import load, save
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import diagnostics, plots, viz, whichop  # teaching tools: monitor, plots, graphs, blame
from . import return_types
from .compiler import compile  # torch.compile's name: it shadows the builtin here only
from .dtypes import promote_types, result_type
from .creation import (channels_last, channels_last_3d, contiguous_format,  # noqa: F401
                       memory_format, preserve_format)  # torch's memory formats
from .printing import get_printoptions, set_printoptions  # torch's print options
# torch's legacy spellings (FloatTensor, autograd.Variable, version) and torch.random
from . import autograd, legacy, random
from .legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                     HalfTensor, IntTensor, LongTensor, ShortTensor, version)
from .random import initial_seed, manual_seed, seed
# the PyTorch boilerplate a script types first: devices, seeding, determinism, AMP, testing
from . import accelerator, amp, autograd_functional, backends, cuda, testing
from .amp import GradScaler, autocast, is_autocast_enabled
from .runtime import (are_deterministic_algorithms_enabled, finfo, get_default_device,
                      get_deterministic_debug_mode, get_float32_matmul_precision,
                      get_num_interop_threads, get_num_threads, get_rng_state, iinfo,
                      is_deterministic_algorithms_warn_only_enabled, set_default_device,
                      set_deterministic_debug_mode, set_float32_matmul_precision,
                      set_num_interop_threads, set_num_threads, set_rng_state,
                      use_deterministic_algorithms)
# isort: on

#: The activation registry: ``ta.activations["relu"](x)``; name -> ActivationSpec.
activations = _registry

__version__ = "0.1.0"
version.__version__ = __version__  # type: ignore[attr-defined]
autograd.Variable = legacy.Variable

# PyTorch's dtype names (numpy dtypes here): x.to(ta.int64), ta.zeros(3, dtype=ta.float64)
import numpy as _np  # noqa: E402

float16 = half = _np.dtype("float16")
float32 = float = _np.dtype("float32")
float64 = double = _np.dtype("float64")
int8, uint8, int16, short = (_np.dtype(n) for n in ("int8", "uint8", "int16", "int16"))
int32 = int = _np.dtype("int32")
int64 = long = _np.dtype("int64")
bool = _np.dtype("bool")

__all__ = [
    "Tensor", "from_numpy", "zeros_like", "ones_like", "cat", "stack", "maximum", "minimum",
    "manual_seed", "generator", "set_default_dtype", "get_default_dtype",
    "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled", "grad",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
    "activations", "register_activation", "unregister_activation", "functional", "nn", "func",
    "special",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "diagnostics", "plots", "viz", "whichop", "optim", "data", "utils", "save", "load",
    "return_types", "promote_types", "result_type", "compile",
    "set_printoptions", "get_printoptions",
    "legacy", "random", "seed", "initial_seed", "version", "FloatTensor", "DoubleTensor",
    "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
    "BoolTensor",
    "accelerator", "amp", "autograd_functional", "backends", "cuda", "testing", "GradScaler",
    "autocast",
    "is_autocast_enabled",
    "finfo", "iinfo", "get_rng_state", "set_rng_state", "get_num_threads", "set_num_threads",
    "get_num_interop_threads", "set_num_interop_threads", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "get_deterministic_debug_mode", "set_deterministic_debug_mode", "get_default_device",
    "set_default_device", "get_float32_matmul_precision", "set_float32_matmul_precision",
    "float16", "half", "float32", "float", "float64", "double", "int8", "uint8", "int16",
    "short", "int32", "int", "int64", "long", "bool",
    *api.math.__all__, *api.reduce.__all__, *api.selection.__all__, *api.shape.__all__,
    *api.linalg.__all__, *api.factories.__all__, *api.interop.__all__, *api.rnn.__all__,
    *api.common.__all__, *decompositions.__all__, *composites.__all__, *functional_aliases.__all__,
    "linalg",
]
from . import special  # noqa: E402 (torch.special)
from .pointwise import *  # noqa: E402,F403 (torch's remaining pointwise functions)
from .view_copies import *  # noqa: E402,F403 (views as copies, the scatters, diagflat, put ...)
from .windows import *  # noqa: E402,F403 (windows, histogram, gradient)

# torch's dtype class (numpy's: every dtype here is a numpy dtype), so isinstance(x.dtype,
# ta.dtype) and annotations `dtype: ta.dtype` work; and a few more of torch's functions
dtype = _np.dtype
from .api.factories import range, scalar_tensor  # noqa: E402 (torch's deprecated range)
from .api.idioms import chain_matmul, detach, is_complex, rsub, typename  # noqa: E402

__all__ += ["dtype", "range", "scalar_tensor", "chain_matmul", "detach", "is_complex", "rsub",
            "typename"]
