"""Loss modules: thin wrappers that hold the options and call the ``F.`` function.

The math (and its gradients) lives in ``functional.py``; each module here only remembers
``reduction`` and the loss's own options, as PyTorch's loss modules do.
"""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor
from .module import Module

__all__ = ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    """Base of the loss modules: checks and stores ``reduction``."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def _checked(self, input: Any) -> Tensor:
        """The input, which must be a Tensor as in PyTorch (targets may also be arrays)."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: argument 'input' (position 1) must be "
                            f"Tensor, not {type(input).__name__}")
        return input

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """Mean squared error: loss = mean((x - y)^2); dloss/dx = 2 (x - y) / N.

    Args:
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.MSELoss()(ta.tensor([0.5, 1.0]), ta.tensor([1.0, 1.0]))
        >>> loss
        tensor(0.125)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(self._checked(input), target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log-likelihood of class indices, fused and stable.

    loss_i = logsumexp(x_i) - x_i[t_i]; dloss/dx = (softmax(x) - onehot(t)) / N.

    Args:
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (N, C) logits, target (N,) integer class indices in [0, C); also (C,) with a
        0-d target and (N, C, d1, ...) with (N, d1, ...). Output a scalar, or the target's
        shape with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> criterion = ta.nn.CrossEntropyLoss()
        >>> round(criterion(ta.tensor([[0.0, 0.0, 0.0, 0.0]]), ta.tensor([3])).item(), 4)
        1.3863
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(self._checked(input), target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities: loss_i = -x_i[t_i].

    Args:
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (N, C) log-probabilities, target (N,) integer class indices in [0, C).

    Example:
        >>> import tinygrad_acts as ta
        >>> logp = ta.tensor([[0.0, 0.0]]).log_softmax(dim=1)
        >>> round(ta.nn.NLLLoss()(logp, ta.tensor([1])).item(), 4)
        0.6931
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(self._checked(input), target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities: loss = -w (t log p + (1 - t) log(1 - p)).

    Args:
        weight: optional rescaling of each element's loss (broadcast).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (*) probabilities in [0, 1], target (*) the same shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.nn.BCELoss()(ta.tensor([0.5]), ta.tensor([1.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(self._checked(input), target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy from logits, stable for any logit.

    loss = -w [p_w t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]; dloss/dx = sigmoid(x) - t.

    Args:
        weight: optional rescaling of each element's loss (broadcast).
        reduction: 'mean' (default), 'sum' or 'none'.
        pos_weight: optional weight of the positive term, broadcast along the last dim.

    Shape:
        Input (*) logits, target (*) the same shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.nn.BCEWithLogitsLoss()(ta.tensor([0.0]), ta.tensor([1.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(self._checked(input), target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
