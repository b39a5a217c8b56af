"""``torch.autograd.backward``: several roots at once, and ``inputs=`` (accumulate into
the ``.grad`` of those tensors only, leaves or intermediates), built on the engine's
``run_backward`` and the capture ``grad()`` uses. ``Tensor.backward(inputs=...)`` comes
here too."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd
from .engine_sparse import IndexedGrad


def backward(tensors: Any, grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` (weighted by ``grad_tensors``, one per
    tensor; None for a scalar) into ``.grad``: of every leaf, or only of ``inputs``
    (leaves or intermediates) when given, as ``torch.autograd.backward``.

    Example:
        >>> import tinygrad_acts as ta
        >>> a, b = ta.ones(2, requires_grad=True), ta.ones(2, requires_grad=True)
        >>> ta.autograd.backward([(a * 3).sum(), (a * b).sum()], inputs=[a])
        >>> a.grad, b.grad
        (tensor([4., 4.]), None)
    """
    from .tensor import Tensor  # (late: tensor.py imports the engine, which imports this)
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(roots)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(roots):
        raise RuntimeError(f"backward: got {len(roots)} tensors and {len(grad_tensors)} "
                           "gradients; pass one per tensor (None for a scalar)")
    root_grads = [autograd._root_grad(r, g, "backward", create_graph)
                  for r, g in zip(roots, grad_tensors)]
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        return autograd.run_backward(roots, root_grads, keep, create_graph)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("backward: the `inputs` argument cannot be empty")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"backward: an input of shape {t.shape} does not require grad "
                               "(can't retain_grad on a Tensor that has requires_grad=False)")
    keys = {id(t.grad_fn if t.grad_fn is not None else t): t for t in inputs}
    capture: dict = dict.fromkeys(keys)
    autograd.run_backward(roots, root_grads, keep, create_graph, capture)
    for key, t in keys.items():  # (an input no output depends on gets nothing, as torch)
        g = capture[key]
        if t.grad_fn is not None and t._retains_grad:
            continue  # its retain_grad hook has stored the gradient already
        if g is not None:  # (a copy: two inputs may have been handed one array)
            g = g.dense() if type(g) is IndexedGrad else g
            autograd._store_grad(t, g.copy() if type(g) is np.ndarray else g, create_graph, set())
