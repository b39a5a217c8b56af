"""torch's top-level names for functional ops: ``ta.conv2d``, ``ta.pixel_shuffle``,
``ta.pdist`` ... as ``torch.conv2d`` is ``torch.nn.functional.conv2d``.

Most are the ``F.`` function itself. Where torch's top-level form differs from its ``F.``
one, it is written out here with torch's top-level signature: ``ta.dropout(input, p,
train)`` (``train`` required, as torch) and ``ta.adaptive_max_pool1d`` (always the pair
(values, indices), as torch). Names whose top-level signature is a different function in
torch (``torch.batch_norm``, ``torch.embedding``, the losses with integer reductions) are
not aliased.
"""
from __future__ import annotations

from typing import Any

from . import functional as F
from .tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "native_channel_shuffle", "pdist", "pairwise_distance", "prelu", "hardshrink",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d",
           "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "bilinear", "rrelu",
           "rrelu_", "selu", "selu_", "celu", "celu_", "threshold", "threshold_", "relu_",
           "rms_norm", "layer_norm", "group_norm", "dropout", "alpha_dropout",
           "feature_alpha_dropout"]

conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d = F.conv_transpose1d, F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d
pixel_shuffle, pixel_unshuffle = F.pixel_shuffle, F.pixel_unshuffle
channel_shuffle, native_channel_shuffle = F.channel_shuffle, F.native_channel_shuffle
pdist, pairwise_distance, bilinear = F.pdist, F.pairwise_distance, F.bilinear
prelu, hardshrink, selu, celu, threshold = F.prelu, F.hardshrink, F.selu, F.celu, F.threshold
adaptive_avg_pool1d, avg_pool1d = F.adaptive_avg_pool1d, F.avg_pool1d
max_pool1d, max_pool2d, max_pool3d = F.max_pool1d, F.max_pool2d, F.max_pool3d
max_pool1d_with_indices = F.max_pool1d_with_indices
rrelu, rrelu_, relu_ = F.rrelu, F.rrelu_, F.relu_
rms_norm, layer_norm, group_norm = F.rms_norm, F.layer_norm, F.group_norm


def selu_(input: Tensor) -> Tensor:
    """selu in place: ``F.selu(input, inplace=True)``."""
    return F.selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu in place: ``F.celu(input, alpha, inplace=True)``."""
    return F.celu(input, alpha, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold in place: ``F.threshold(input, threshold, value, inplace=True)``."""
    return F.threshold(input, threshold, value, inplace=True)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:
    """torch.adaptive_max_pool1d: always (values, indices), as torch's top-level form."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.dropout(input, p, train): ``F.dropout(input, p, training=train)``."""
    return F.dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.alpha_dropout(input, p, train): ``F.alpha_dropout(input, p, train)``."""
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.feature_alpha_dropout(input, p, train)."""
    return F.feature_alpha_dropout(input, p, train)
