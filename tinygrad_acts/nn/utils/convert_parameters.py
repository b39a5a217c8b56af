"""Parameters as one flat vector and back, as ``torch.nn.utils``."""
from __future__ import annotations

from collections.abc import Iterable

from ...tensor import Tensor, cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All the parameters flattened and joined into one 1-d Tensor (differentiable).

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.nn.utils.parameters_to_vector([ta.ones(2, 2), ta.zeros(1)])
        tensor([1., 1., 1., 1., 0.])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter, in order, the next slice of ``vec`` reshaped to its shape.

    NOTE: as in PyTorch (``param.data = slice``), each parameter then shares memory with
    ``vec`` and takes its dtype; the version counters are bumped.

    Example:
        >>> import tinygrad_acts as ta
        >>> a, b = ta.zeros(2), ta.zeros(1)
        >>> ta.nn.utils.vector_to_parameters(ta.tensor([1.0, 2.0, 3.0]), [a, b]); a, b
        (tensor([1., 2.]), tensor([3.]))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    start = 0
    for p in parameters:
        n = p.numel()
        piece = vec._array[start:start + n]
        if piece.size != n:
            raise RuntimeError(f"vector_to_parameters: the vector of {vec.numel()} elements "
                               f"is too short for the parameters (shape {p.shape} needs "
                               f"{n} more from element {start})")
        p._array = piece.reshape(p.shape)
        p.bump_version()
        start += n
