"""Normalization layers: BatchNorm1d / 2d / 3d, InstanceNorm1d / 2d / 3d, LayerNorm,
GroupNorm, RMSNorm and LocalResponseNorm, as torch.nn's: the same arguments and defaults,
parameters (``weight``, ``bias``) and buffers (``running_mean``, ``running_var``,
``num_batches_tracked``), so their ``state_dict`` keys and values are torch's."""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import no_grad
from ..tensor import Tensor, check_device, get_default_dtype
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


def _affine(m: Module, shape: tuple, affine: bool, bias: bool, dtype: Any) -> None:
    """``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None where not wanted."""
    if affine:
        m.weight = Parameter(np.ones(shape, dtype))
        if bias:
            m.bias = Parameter(np.zeros(shape, dtype))
        else:
            m.register_parameter("bias", None)
    else:
        m.register_parameter("weight", None)
        m.register_parameter("bias", None)


class _NormBase(Module):
    """What batch and instance norm share: the per-channel parameters and the running
    statistics (torch's ``_NormBase``)."""

    dims: tuple[int, ...] = ()  # the input dims the layer takes (batched ones first)
    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        check_device(device)
        dtype = np.dtype(dtype or get_default_dtype())
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    #: torch's state dict version: 2 added ``num_batches_tracked`` (saved in ``_metadata``)
    _version = 2

    def _upgrade_state_dict(self, state_dict: dict, prefix: str,
                            local_metadata: Mapping[str, Any]) -> None:
        """torch's rule for a state dict older than version 2, or with no version at all (a
        dict built by hand or ported from another framework has no ``_metadata``): a
        missing ``num_batches_tracked`` is not an error, this layer's own counter fills in
        (so it keeps its value). With version 2 metadata (``state_dict()``'s), a missing
        counter stays a missing key.

        Example:
            >>> import tinygrad_acts as ta
            >>> bn = ta.nn.BatchNorm1d(2)
            >>> bn.load_state_dict({"weight": ta.ones(2), "bias": ta.zeros(2),
            ...                     "running_mean": ta.zeros(2), "running_var": ta.ones(2)})
            <All keys matched successfully>
        """
        version = local_metadata.get("version")
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats \
                and key not in state_dict:
            counter = self.num_batches_tracked
            state_dict[key] = Tensor._wrap(np.array(0, np.int64)) if counter is None else counter

    def reset_running_stats(self) -> None:
        """running_mean <- 0, running_var <- 1, num_batches_tracked <- 0 (in place)."""
        if self.running_mean is not None and self.running_var is not None:
            self.running_mean.zero_()
            self.running_var.fill_(1)
        if self.num_batches_tracked is not None:
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """The running statistics reset, weight <- 1 and bias <- 0."""
        self.reset_running_stats()
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def _check_input_dim(self, x: Any) -> None:
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: argument 'input' (position 1) must be "
                            f"Tensor, not {type(x).__name__}")
        if x.ndim not in self.dims:
            want = " or ".join(f"{d}D" for d in self.dims)
            raise ValueError(f"{type(self).__name__}: expected {want} input (got {x.ndim}D "
                             f"input of shape {x.shape})")

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, x: Tensor) -> Tensor:
        self._check_input_dim(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            # NOTE: momentum None is the cumulative average: batch k is weighted 1 / k
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a batch of vectors or of sequences:
    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias per channel, with the batch's
    statistics in training (and running averages kept: running <- (1 - momentum) running +
    momentum batch, the variance unbiased) and the running ones in eval mode.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance (default 1e-5).
        momentum: the running averages' weight for a new batch (default 0.1); None for a
            cumulative average (batch k weighted 1 / k).
        affine: learn ``weight`` (ones) and ``bias`` (zeros) (default True).
        track_running_stats: keep the buffers ``running_mean`` (zeros), ``running_var``
            (ones) and ``num_batches_tracked`` (int64); without them eval mode uses the
            batch's statistics too (default True).
        device, dtype: None or "cpu"; the parameters' and buffers' dtype.
        bias: learn ``bias`` when affine (default True).

    Shape:
        Input (N, C) or (N, C, L), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> bn = ta.nn.BatchNorm1d(2)
        >>> y = bn(ta.tensor([[1.0, 2.0], [3.0, 6.0]]))
        >>> bn.running_mean, bn.num_batches_tracked
        (tensor([0.2000, 0.4000]), tensor(1))
    """

    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a batch of images: per channel (dim 1), statistics over
    (N, H, W); everything else as ``BatchNorm1d``.

    Args:
        num_features, eps, momentum, affine, track_running_stats, device, dtype, bias:
            as ``BatchNorm1d``'s.

    Shape:
        Input (N, C, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> bn = ta.nn.BatchNorm2d(3)
        >>> bn(ta.randn(4, 3, 5, 5)).shape
        torch.Size([4, 3, 5, 5])
        >>> list(bn.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization over a batch of volumes: as ``BatchNorm2d`` with (N, C, D, H, W)
    inputs.

    Args:
        as ``BatchNorm1d``'s.

    Shape:
        Input (N, C, D, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.BatchNorm3d(2)(ta.randn(2, 2, 3, 3, 3)).shape
        torch.Size([2, 2, 3, 3, 3])
    """

    dims = (5,)


class _InstanceNorm(_NormBase):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input_dim(x)
        feature_dim = x.ndim - self.dims[0]
        if x.shape[feature_dim] != self.num_features:
            message = (f"{type(self).__name__}: expected input's size at dim={feature_dim} "
                       f"to match num_features ({self.num_features}), but got: "
                       f"{x.shape[feature_dim]} (input of shape {x.shape})")
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + "; num_features is not used because affine=False",
                          stacklevel=2)
        unbatched = x.ndim == self.dims[0]
        y = F.instance_norm(x.unsqueeze(0) if unbatched else x, self.running_mean,
                            self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of sequences: each sample's channel standardised over its
    length, y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias.

    Args:
        num_features: C. eps: added to the variance (default 1e-5).
        momentum: for the running averages (default 0.1).
        affine: learn per-channel ``weight`` and ``bias`` (default False).
        track_running_stats: keep running averages and use them in eval mode (default
            False). device, dtype, bias: as ``BatchNorm1d``'s.

    Shape:
        Input (N, C, L) or (C, L), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.InstanceNorm1d(2)(ta.randn(4, 2, 5)).shape
        torch.Size([4, 2, 5])
    """

    dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of images: each sample's channel standardised over (H, W)
    (style transfer's normalization); arguments as ``InstanceNorm1d``'s.

    Args:
        num_features, eps, momentum, affine, track_running_stats, device, dtype, bias:
            as ``InstanceNorm1d``'s.

    Shape:
        Input (N, C, H, W) or (C, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.InstanceNorm2d(3)
        >>> m.affine, m.track_running_stats, list(m.state_dict())
        (False, False, [])
        >>> m(ta.randn(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """

    dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of volumes: each sample's channel standardised over
    (D, H, W); arguments as ``InstanceNorm1d``'s.

    Args:
        num_features, eps, momentum, affine, track_running_stats, device, dtype, bias:
            as ``InstanceNorm1d``'s.

    Shape:
        Input (N, C, D, H, W) or (C, D, H, W), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.InstanceNorm3d(3)(ta.randn(2, 3, 2, 4, 4)).shape
        torch.Size([2, 3, 2, 4, 4])
    """

    dims = (4, 5)


class LayerNorm(Module):
    """Layer normalization: each sample standardised over its last dims,
    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias (weight and bias elementwise).

    Args:
        normalized_shape: the trailing shape to normalize over (an int or a sequence).
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of
            normalized_shape (default True).
        bias: learn ``bias`` too (default True).
        device, dtype: None or "cpu"; the parameters' dtype.

    Shape:
        Input (*, normalized_shape), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ln = ta.nn.LayerNorm(4)
        >>> ln
        LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> ln(ta.randn(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, bias,
                np.dtype(dtype or get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization: each sample's channels split into num_groups groups, each
    group standardised over its channels and spatial dims,
    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias (weight and bias per channel).

    Args:
        num_groups: groups of channels (num_channels must be divisible by it).
        num_channels: C.
        eps: added to the variance (default 1e-5).
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros) (default True).
        device, dtype: None or "cpu"; the parameters' dtype.
        bias: learn ``bias`` when affine (default True).

    Shape:
        Input (N, C, *), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> gn = ta.nn.GroupNorm(2, 4)
        >>> gn
        GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
        >>> gn(ta.randn(3, 4, 5)).shape
        torch.Size([3, 4, 5])
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        check_device(device)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups, num_channels, eps, affine)
        _affine(self, (num_channels,), affine, bias, np.dtype(dtype or get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization: y = x / sqrt(mean(x^2) + eps) * weight, the mean
    over the last dims of each sample (LayerNorm without centring or bias).

    Args:
        normalized_shape: the trailing shape to normalize over (an int or a sequence).
        eps: added to the mean square; None (default) is the input dtype's machine
            epsilon, as torch.
        elementwise_affine: learn ``weight`` (ones) of normalized_shape (default True).
        device, dtype: None or "cpu"; the parameter's dtype.

    Shape:
        Input (*, normalized_shape), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.RMSNorm(4)
        RMSNorm((4,), eps=None, elementwise_affine=True)
        >>> ta.nn.RMSNorm([2, 3])(ta.randn(5, 2, 3)).shape
        torch.Size([5, 2, 3])
    """

    weight: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape,
                                            np.dtype(dtype or get_default_dtype())))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Local response normalization across channels (AlexNet): y = x / (k + alpha / size *
    sum of x^2 over the ``size`` neighbouring channels)^beta (``F.local_response_norm``).

    Args:
        size: the number of neighbouring channels summed.
        alpha, beta, k: the formula's constants (defaults 1e-4, 0.75, 1.0).

    Shape:
        Input (N, C, *), output the same.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
        >>> ta.nn.LocalResponseNorm(2)(ta.randn(1, 4, 3, 3)).shape
        torch.Size([1, 4, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
