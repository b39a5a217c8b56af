"""The op surface beyond the core Tensor class, one module per family, each op a ``ta.``
function and, where PyTorch has one, a Tensor method of the same name:

- ``math``: sin / cos / atan2 / hypot / floor / round / nan_to_num / isnan ...
- ``reduce``: prod / cumsum / logsumexp / norm / median / mode ...
- ``selection``: sort / topk / gather / scatter_add / index_select / masked_fill ...
- ``shape``: split / chunk / flip / roll / repeat / tril / diagonal ...
- ``linalg``: mm / bmm / dot / einsum / kron / cross, and ``ta.linalg``'s det / inv / solve
- ``factories``: linspace / full_like / randint / randperm, and in-place fills (uniform_ ...)

The rules (the Functions and their op-table rows) live in ``ops/``; these modules check
arguments, apply PyTorch's dtype rules and call the rules. ``@method`` is how a function
here becomes a Tensor method too: ``ta.sin(x)`` and ``x.sin()`` are the same function.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..tensor import Tensor, _tensor_arg

F = TypeVar("F", bound=Callable[..., Any])


def method(fn: F | None = None, *, name: str = "") -> Any:
    """Make ``fn`` a Tensor method as well (under ``name``, by default its own name).

    ``@method`` or ``@method(name="scatter_add_")``. A name the Tensor class defines in its
    own body is refused: one home per op.
    """
    def bind(f: F) -> F:
        attr = name or f.__name__
        old = vars(Tensor).get(attr)
        # (the same function again is fine: a module run twice, as doctest collection does)
        if old is not None and (getattr(old, "__module__", None), getattr(
                old, "__qualname__", None)) != (f.__module__, f.__qualname__):
            raise RuntimeError(f"Tensor.{attr} is defined twice (tensor.py and api/)")
        setattr(Tensor, attr, f)
        return f
    return bind(fn) if fn is not None else bind


def function_of(name: str, doc: str = "") -> Callable[..., Any]:
    """The module-level form of the Tensor method ``name``, as torch has them:
    ``ta.sum(x, ...)`` is ``x.sum(...)`` (x checked to be a Tensor, naming the function)."""
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(_tensor_arg(name, input, "input"), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc or f"``ta.{name}(x, ...)`` is ``x.{name}(...)``."
    return function
