"""``torch.utils.checkpoint``: trade compute for memory by running a piece of the model
again during backward instead of keeping what its ops saved.

``checkpoint(fn, *args)`` runs ``fn`` under ``no_grad`` (so its ops save nothing), keeps only
its Tensor inputs, and in backward runs ``fn`` again on them with the gradient on, and
backpropagates through that second run: the parameters inside ``fn`` get their gradients
then, the inputs theirs through the returned values. The random state is saved and restored
around the second run (``preserve_rng_state``), so Dropout draws the same mask twice, and
the values and gradients are the ones of plain ``fn(*args)``.

As torch's, ``use_reentrant`` should be passed (a warning says so otherwise). With
``use_reentrant=True`` (torch's old default), as in torch, nothing is recorded when no Tensor
input requires grad (the parameters inside get no gradient, with a warning); with
``use_reentrant=False`` the parameters get theirs anyway: here ``fn`` is then simply run with
the graph recorded (what torch computes; only the memory saving is lost in that case).
A double backward (``create_graph=True``) through a checkpoint is refused, as the reentrant
variant of torch refuses ``grad`` through one.

Example:
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts.utils.checkpoint import checkpoint
    >>> lin = ta.nn.Linear(3, 2)
    >>> x = ta.ones(4, 3, requires_grad=True)
    >>> y = checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False)
    >>> y.sum().backward()
    >>> x.grad.shape, lin.weight.grad.shape
    (torch.Size([4, 3]), torch.Size([2, 3]))
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..autograd import Function, enable_grad, is_grad_enabled, no_grad
from ..runtime import get_rng_state, set_rng_state
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]

_PASS_IT = ("torch.utils.checkpoint: the use_reentrant parameter should be passed "
            "explicitly: use_reentrant=False is the recommended variant")


class _Recompute(Function):
    """forward: ``fn`` without a graph; backward: ``fn`` again with one, backpropagated."""

    @staticmethod
    def forward(ctx: Any, fn: Callable, preserve: bool, kwargs: dict, *args: Any) -> Any:
        ctx.fn, ctx.kwargs, ctx.preserve = fn, kwargs, preserve
        ctx.state = get_rng_state() if preserve else None
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a if isinstance(a, Tensor) else None for a in args))
        return fn(*args, **kwargs)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        if is_grad_enabled():
            raise RuntimeError("checkpoint: a double backward (create_graph=True) through a "
                               "checkpoint is not supported; run the function without it")
        saved = ctx.saved_tensors
        inputs = [o if t is None else t.detach().requires_grad_(t.requires_grad)
                  for o, t in zip(ctx.others, saved)]
        now = get_rng_state() if ctx.preserve else None
        if ctx.preserve:
            set_rng_state(ctx.state)
        try:
            with enable_grad():
                outs = ctx.fn(*inputs, **ctx.kwargs)
        finally:
            if now is not None:
                set_rng_state(now)
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            with enable_grad():
                total = sum((o * g).sum() for o, g in pairs)
            total.backward()
        return (None, None, None, *(i.grad if isinstance(i, Tensor) and i.requires_grad
                                    else None for i in inputs))


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Any = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, with its intermediate values recomputed in backward
    instead of kept (see the module docstring). ``context_fn``, ``determinism_check`` and
    ``debug`` are accepted for torch's signature and change nothing here."""
    if use_reentrant is None:
        warnings.warn(_PASS_IT, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("checkpoint: keyword arguments are only supported with "
                         "use_reentrant=False (as in torch)")
    wants = is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)
    if not wants:
        if use_reentrant and is_grad_enabled():
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          UserWarning, stacklevel=2)
            with no_grad():
                return function(*args, **kwargs)
        return function(*args, **kwargs)
    return _Recompute.apply(function, preserve_rng_state, kwargs, *args)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run ``functions`` (a Sequential or a list of modules) in ``segments`` pieces, each but
    the last checkpointed, as torch's ``checkpoint_sequential``."""
    if use_reentrant is None:
        warnings.warn(_PASS_IT, UserWarning, stacklevel=2)
        use_reentrant = True
    layers = list(functions.children() if hasattr(functions, "children") else functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be at least 1, got {segments}")
    size = len(layers) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(_run(layers, start, end), input, use_reentrant=use_reentrant,
                           **kwargs)
    return _run(layers, end + 1, len(layers) - 1)(input)


def _run(layers: list, start: int, end: int) -> Callable:
    def forward(x: Any) -> Any:
        for layer in layers[start:end + 1]:
            x = layer(x)
        return x
    return forward
