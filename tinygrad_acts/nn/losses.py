"""Loss modules: thin wrappers that hold the options and call the ``F.`` function.

The math (and its gradients) lives in ``functional.py``; each module here only remembers
``reduction`` and the loss's own options, as PyTorch's loss modules do.
"""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor, tensor
from .layers import PairwiseDistance
from .module import Module

__all__ = ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "L1Loss",
           "SmoothL1Loss", "HuberLoss", "KLDivLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
           "CosineEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
           "TripletMarginLoss", "GaussianNLLLoss", "TripletMarginWithDistanceLoss",
           "PoissonNLLLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
           "CTCLoss"]


class _Loss(Module):
    """Base of the loss modules: checks and stores ``reduction``."""

    weight: Tensor | None  # the weighted losses' buffer (torch's _WeightedLoss)
    pos_weight: Tensor | None  # BCEWithLogitsLoss's second buffer

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__()
        who = type(self).__name__
        if reduction == "batchmean" and who == "KLDivLoss":
            self.reduction = reduction
            return
        self.reduction = F._legacy(size_average, reduce, reduction, who)

    def _checked(self, input: Any) -> Tensor:
        """The input, which must be a Tensor as in PyTorch (targets may also be arrays)."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: argument 'input' (position 1) must be "
                            f"Tensor, not {type(input).__name__}")
        return input

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""

    def _weights(self, **weights: Any) -> None:
        """Keep each class or element weight as a buffer, as torch's weighted losses do:
        in ``state_dict`` (under torch's key) and converted by ``.to(dtype)``. An array or
        list is made a Tensor first; None registers an empty slot (not in the state)."""
        for name, value in weights.items():
            if value is not None and not isinstance(value, Tensor):
                value = tensor(value)
            self.register_buffer(name, value)


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
        tensor(0.1250)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(self._checked(input), target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log-likelihood of class indices, fused and stable.

    loss_i = logsumexp(x_i) - x_i[t_i]; dloss/dx = (softmax(x) - onehot(t)) / N.

    Args:
        weight: optional class weights (C,); the mean is then weighted, as torch's.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        ignore_index: a target value whose rows count for nothing (default -100).
        reduction: 'mean' (default), 'sum' or 'none'.
        label_smoothing: e in [0, 1]: the target becomes (1 - e) onehot + e / C.

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

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(size_average, reduce, reduction)
        self._weights(weight=weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(self._checked(input), target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities: loss_i = -x_i[t_i].

    Args:
        weight: optional class weights (C,); the mean is then weighted, as torch's.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        ignore_index: a target value whose rows count for nothing (default -100).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Input (N, C) log-probabilities, target (N,) integer class indices in [0, C).

    Example:
        >>> import tinygrad_acts as ta
        >>> logp = ta.tensor([[0.0, 0.0]]).log_softmax(dim=1)
        >>> round(ta.nn.NLLLoss()(logp, ta.tensor([1])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self._weights(weight=weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(self._checked(input), target, weight=self.weight,
                          ignore_index=self.ignore_index, reduction=self.reduction)


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

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self._weights(weight=weight)

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

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Any = None):
        super().__init__(size_average, reduce, reduction)
        self._weights(weight=weight, pos_weight=pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(self._checked(input), target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class L1Loss(_Loss):
    """Mean absolute error: loss = mean(|x - y|); dloss/dx = sign(x - y) / N (0 at x = y).

    Args:
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.L1Loss()(ta.tensor([1.0, 2.0]), ta.tensor([0.0, 4.0]))
        tensor(1.5000)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(self._checked(input), target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, d = x - y (``F.smooth_l1_loss``).

    Args:
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.
        beta: where the quadratic zone ends (default 1).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.SmoothL1Loss()(ta.tensor([0.5, 3.0]), ta.zeros(2))
        tensor(1.3125)
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(self._checked(input), target, reduction=self.reduction,
                                beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = x - y (``F.huber_loss``).

    Args:
        reduction: 'mean' (default), 'sum' or 'none'.
        delta: where the quadratic zone ends (default 1).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.HuberLoss(delta=2.0)(ta.tensor([1.0, 3.0]), ta.zeros(2))
        tensor(2.2500)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(self._checked(input), target, reduction=self.reduction,
                            delta=self.delta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probabilities x from t: t (log t - x)
    (``F.kl_div``); use reduction='batchmean' for the divergence per sample.

    Args:
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default, over every element, as torch), 'batchmean', 'sum' or
            'none'.
        log_target: the target is given as log-probabilities.

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.tensor([[0.25, 0.75]])
        >>> ta.nn.KLDivLoss(reduction="batchmean")(p.log(), p)
        tensor(0.)
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.kl_div(self._checked(input), target, reduction=self.reduction,
                        log_target=self.log_target)


class MarginRankingLoss(_Loss):
    """Ranking hinge: l = max(0, -y (x1 - x2) + margin) for y = 1 or -1 (``F.margin_ranking_loss``).

    Args:
        margin: how far apart the scores must be (default 0).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input1, input2, target (*) with one number of dims; output a scalar, or (*).

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.MarginRankingLoss(margin=1.0)
        >>> loss(ta.tensor([2.0]), ta.tensor([0.5]), ta.tensor([1.0]))
        tensor(0.)
    """

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(self._checked(input1), input2, target,
                                     margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """l = x where y = 1, max(0, margin - x) where y = -1 (``F.hinge_embedding_loss``).

    Args:
        margin: the distance dissimilar pairs are pushed past (default 1).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (*), target broadcasting with it; output a scalar, or the broadcast shape.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.HingeEmbeddingLoss()(ta.tensor([0.25, 0.25]), ta.tensor([1, -1]))
        tensor(0.5000)
    """

    def __init__(self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(self._checked(input), target, margin=self.margin,
                                      reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """l = 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1
    (``F.cosine_embedding_loss``).

    Args:
        margin: in [-1, 1] (default 0).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input1, input2 (N, D), target (N,); or (D,) with a 0-d target.

    Example:
        >>> import tinygrad_acts as ta
        >>> x = ta.tensor([[1.0, 0.0]])
        >>> ta.nn.CosineEmbeddingLoss()(x, x, ta.tensor([1]))
        tensor(0.)
    """

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(self._checked(input1), input2, target,
                                       margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss: l = log(1 + e^(-y x)) for y = 1 or -1 (``F.soft_margin_loss``).

    Args:
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (*), target (*) the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> round(ta.nn.SoftMarginLoss()(ta.tensor([0.0]), ta.tensor([1.0])).item(), 4)
        0.6931
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.soft_margin_loss(self._checked(input), target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """Multi-label one-versus-all logistic loss, the mean over classes of
    -(t log sigmoid(x) + (1 - t) log sigmoid(-x)) (``F.multilabel_soft_margin_loss``).

    Args:
        weight: optional per-class weight (C,).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (N, C), target (N, C) of 0/1 labels; output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.MultiLabelSoftMarginLoss()
        >>> round(loss(ta.tensor([[0.0, 0.0]]), ta.tensor([[0.0, 1.0]])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self._weights(weight=weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multilabel_soft_margin_loss(self._checked(input), target, weight=self.weight,
                                             reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """l = max(0, d(a, p) - d(a, n) + margin), d the pairwise distance
    (``F.triplet_margin_loss``).

    Args:
        margin: how much nearer the positive must be (> 0, default 1).
        p: the norm's exponent (default 2).
        eps: added to each difference (default 1e-6).
        swap: use min(d(a, n), d(p, n)) as the negative's distance.
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        anchor, positive, negative (N, D); output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.TripletMarginLoss(margin=1.0)
        >>> a = ta.tensor([[0.0, 0.0]])
        >>> loss(a, ta.tensor([[0.0, 0.5]]), ta.tensor([[0.0, 1.0]])).item() > 0
        True
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(self._checked(anchor), positive, negative,
                                     margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log likelihood: loss = 0.5 (log(max(var, eps)) + (input -
    target)^2 / max(var, eps)) (+ 0.5 log(2 pi) with ``full``), ``F.gaussian_nll_loss``.

    Args:
        full: add the constant term (default False).
        eps: the clamp of var (default 1e-6); the gradient is var's own, as torch.
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (N, *) or (*); target input's shape (or broadcastable); var input's shape,
        or with one dim of size 1, or without its last dim, or a float.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.GaussianNLLLoss()(ta.zeros(2), ta.ones(2), ta.ones(2))
        tensor(0.5000)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(self._checked(input), target, var, full=self.full,
                                   eps=self.eps, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """l = max(d(a, p) - d(a, n) + margin, 0) with any distance d, default
    ``nn.PairwiseDistance()`` (``F.triplet_margin_with_distance_loss``).

    Args:
        distance_function: (x1, x2) -> distances; None is nn.PairwiseDistance() (a child
            module, as torch).
        margin: a positive margin (default 1). swap: use min(d(a, n), d(p, n)).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        anchor, positive, negative (N, D) or (D,); output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.TripletMarginWithDistanceLoss(margin=2.0)
        >>> loss(ta.zeros(1, 2), ta.zeros(1, 2), ta.ones(1, 2)).item() > 0.5
        True
    """

    def __init__(self, *, distance_function: Any = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            self._checked(anchor), positive, negative,
            distance_function=self.distance_function, margin=self.margin, swap=self.swap,
            reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log likelihood: loss = exp(input) - target * input (log_input), or
    input - target * log(input + eps) (``F.poisson_nll_loss``).

    Args:
        log_input: the input is the log-rate (default True).
        full: add Stirling's approximation of log(target!) where target > 1.
        size_average, reduce: PyTorch's deprecated flags; eps: as F.poisson_nll_loss.
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (*), target broadcastable to it; output a scalar, or (*) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.PoissonNLLLoss()(ta.zeros(2), ta.ones(2))
        tensor(1.)
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average: Any = None,
                 eps: float = 1e-8, reduce: Any = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(self._checked(log_input), target, log_input=self.log_input,
                                  full=self.full, eps=self.eps, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """Multi-class hinge: l = sum_{j != y} w[y] max(0, margin - x[y] + x[j])^p / C
    (``F.multi_margin_loss``).

    Args:
        p: 1 (default) or 2. margin: the wanted gap (default 1).
        weight: optional per-class weight (C,) (a buffer, as torch's).
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (N, C) or (C,), target (N,) int64 class indices; output a scalar, or (N,).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.MultiMarginLoss()(ta.tensor([[0.1, 0.2, 0.4, 0.8]]), ta.tensor([3]))
        tensor(0.3250)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None,
                 size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and getattr(weight, "ndim", 1) != 1:
            raise ValueError("MultiMarginLoss: weight must be one-dimensional")
        self._weights(weight=weight)
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(self._checked(input), target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge: l = sum over target classes j and the other classes i of
    max(0, 1 - (x[j] - x[i])) / C (``F.multilabel_margin_loss``).

    Args:
        size_average, reduce: PyTorch's deprecated flags (they set ``reduction``).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input (N, C) or (C,), target int64 of the same shape (class indices, ended by -1);
        output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.MultiLabelMarginLoss()
        >>> loss(ta.tensor([[0.1, 0.2, 0.4, 0.8]]), ta.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(self._checked(input), target, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification: -log p(target | log_probs), summed over all
    alignments by the forward algorithm (``F.ctc_loss``).

    Args:
        blank: the blank class (default 0).
        reduction: 'mean' (default: per-target-length, then over the batch), 'sum', 'none'.
        zero_infinity: impossible targets cost 0 (and give no gradient) instead of inf.

    Shape:
        log_probs (T, N, C) or (T, C); targets (N, S) or their concatenation;
        input_lengths, target_lengths (N,); output a scalar, or (N,) with 'none'.

    Example:
        >>> import tinygrad_acts as ta
        >>> loss = ta.nn.CTCLoss(reduction="sum")
        >>> loss(ta.zeros(2, 1, 2).log_softmax(2), ta.tensor([[1]]), [2], [1])
        tensor(0.2877)
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return F.ctc_loss(self._checked(log_probs), targets, input_lengths, target_lengths,
                          self.blank, self.reduction, self.zero_infinity)
