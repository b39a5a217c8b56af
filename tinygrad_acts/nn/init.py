"""nn.init: PyTorch's parameter initialisers (uniform_, kaiming_normal_, ...).

Each fills its tensor in place under ``no_grad`` (so a Parameter can be filled; its version
counter is bumped, so a graph that saved the old values refuses to backward) and returns
it (``m.weight.data`` too: it shares the weight's memory, as torch's). An ndarray is
filled in place too, and returned.
Random ones draw from the package generator (``ta.manual_seed`` reseeds it) unless a
numpy ``Generator`` is passed as ``generator``. The fans are PyTorch's: for a weight of
shape (out, in, *kernel), fan_in = in * prod(kernel) and fan_out = out * prod(kernel).

Example:
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts import nn
    >>> conv_weight = ta.empty(8, 3, 5, 5)
    >>> nn.init._calculate_fan_in_and_fan_out(conv_weight)
    (75, 200)
    >>> w = nn.init.kaiming_normal_(ta.empty(256, 512), nonlinearity="relu")
    >>> round(float(w.std()) * (512 / 2) ** 0.5, 1)
    1.0
"""
from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..api.factories import _rng
from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_",
           "ones_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_", "orthogonal_"]

F = TypeVar("F", bound=Callable[..., Any])


def _fills_arrays(fill: F) -> F:
    """Let ``fill`` take an ndarray as well as a Tensor: the array is wrapped without a
    copy (so the fill writes into it) and returned itself."""
    @functools.wraps(fill)
    def wrapper(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(tensor, np.ndarray):
            fill(Tensor._make(tensor, False, None), *args, **kwargs)
            return tensor
        return fill(tensor, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for a nonlinearity: 1 (linear, conv, sigmoid), 5/3
    (tanh), sqrt(2) (relu), sqrt(2 / (1 + slope^2)) (leaky_relu, slope ``param``, default
    0.01), 3/4 (selu).

    Example:
        >>> from tinygrad_acts import nn
        >>> nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh")
        (1.4142135623730951, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope: float = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor | np.ndarray) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel): in * prod(kernel), out * prod(kernel)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         "2 dimensions")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _write(tensor: Tensor, values: Any) -> Tensor:
    """Copy ``values`` into ``tensor`` in place (cast to its dtype), outside the graph."""
    with no_grad():
        tensor.copy_(Tensor._wrap(np.asarray(values)))
    return tensor


# --- fills: uniform_ / normal_ / trunc_normal_ / constant_ / zeros_ / ones_ / eye_ / dirac_ ---


@_fills_arrays
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples of U(a, b).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.nn.init.uniform_(ta.empty(100), -1, 1)
        >>> bool(((w >= -1) & (w < 1)).all())
        True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


@_fills_arrays
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None
            ) -> Tensor:
    """Fill with samples of N(mean, std^2).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.init.normal_(ta.empty(2), 3.0, 0.0)
        tensor([3., 3.])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


@_fills_arrays
def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with samples of N(mean, std^2) truncated to [a, b] (bounds in absolute units,
    as PyTorch's), by rejection: redraw the samples outside [a, b] until none is.

    NOTE: when [a, b] holds little of the normal's mass (under 30%, as PyTorch decides),
    proposals are drawn uniformly in [a, b] instead and kept with probability
    pdf(x) / pdf(mode): rejection from the normal itself would take very many rounds.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.nn.init.trunc_normal_(ta.empty(1000), std=1.0, a=-0.5, b=0.5)
        >>> bool(((w >= -0.5) & (w <= 0.5)).all())
        True
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    rng, n = _rng(generator), tensor.numel()
    out = np.empty(n)
    pending = np.arange(n)
    mass = (math.erf((b - mean) / (std * math.sqrt(2))) -
            math.erf((a - mean) / (std * math.sqrt(2)))) / 2
    peak = min(max(mean, a), b)  # the density's highest point inside [a, b]
    while pending.size:
        if mass > 0.3:
            draw = mean + std * rng.standard_normal(pending.size)
            keep = (draw >= a) & (draw <= b)
        else:
            draw = rng.uniform(a, b, pending.size)
            log_ratio = -0.5 * (((draw - mean) / std) ** 2 - ((peak - mean) / std) ** 2)
            keep = np.log(rng.random(pending.size)) <= log_ratio
        out[pending[keep]] = draw[keep]
        pending = pending[~keep]
    return _write(tensor, np.clip(out, a, b).reshape(tensor.shape))


@_fills_arrays
def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.init.constant_(ta.empty(2), 0.5)
        tensor([0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)


@_fills_arrays
def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0)


@_fills_arrays
def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1)


@_fills_arrays
def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity (ones on the main diagonal), which keeps as
    many inputs of a Linear layer as its shape allows.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.init.eye_(ta.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


@_fills_arrays
def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a conv weight (out, in, *kernel), 3 to 5 dims, with the Dirac delta: output
    channel g * (out / groups) + d copies input channel d at the kernel's centre, so the
    convolution keeps as many input channels as it can (per group).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.nn.init.dirac_(ta.empty(2, 2, 3))
        >>> w[:, :, 1]
        tensor([[1., 0.],
                [0., 1.]])
    """
    if tensor.dim() not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_ch, in_ch, *kernel = tensor.shape
    if out_ch % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_ch // groups
    d = np.arange(min(per_group, in_ch))
    rows = (np.arange(groups)[:, None] * per_group + d).ravel()
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in kernel)
    values[(rows, np.tile(d, groups)) + centre] = 1
    return _write(tensor, values)


# --- scaled random fills: xavier_ (Glorot) / kaiming_ (He) / orthogonal_ --------------------


@_fills_arrays
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot & Bengio (2010): U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)),
    so std = gain * sqrt(2 / (fan_in + fan_out)).

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.nn.init.xavier_uniform_(ta.empty(30, 20))
        >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


@_fills_arrays
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot & Bengio (2010): N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.init.xavier_normal_(ta.empty(3, 4)).shape
        torch.Size([3, 4])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """gain / sqrt(fan), or None (with PyTorch's warning) for a tensor with no elements."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


@_fills_arrays
def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He et al. (2015): U(-bound, bound), bound = gain * sqrt(3 / fan), fan = fan_in
    (keeps the forward pass's variance) or fan_out (the backward pass's); gain from
    ``calculate_gain(nonlinearity, a)``, ``a`` the leaky slope.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.nn.init.kaiming_uniform_(ta.empty(4, 6), nonlinearity="relu")
        >>> bool((w.abs() <= 1.0).all())
        True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


@_fills_arrays
def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He et al. (2015): N(0, std^2), std = gain / sqrt(fan) (``mode`` picks fan_in or
    fan_out; gain from ``calculate_gain(nonlinearity, a)``). The He initialisation of a
    relu network is ``kaiming_normal_(w, nonlinearity="relu")``: std = sqrt(2 / fan_in).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.init.kaiming_normal_(ta.empty(8, 3, 5, 5), mode="fan_out").shape
        torch.Size([8, 3, 5, 5])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


@_fills_arrays
def orthogonal_(tensor: Tensor, gain: float = 1, generator: Any = None) -> Tensor:
    """Saxe et al. (2013): a (semi-)orthogonal matrix times ``gain``, from the QR
    factorisation of a standard normal matrix (dims after the first flattened); the signs
    of R's diagonal are folded into Q so that Q is uniform over orthogonal matrices.

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.nn.init.orthogonal_(ta.empty(3, 5))
        >>> bool(((w @ w.T - ta.eye(3)).abs() < 1e-6).all())
        True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # NOTE: a zero on R's diagonal (probability 0) gives 0, as torch
    if rows < cols:
        q = q.T
    return _write(tensor, gain * q.reshape(tensor.shape))
