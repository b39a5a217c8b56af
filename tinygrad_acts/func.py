"""``torch.func`` in part: ``functional_call``, which runs a module with other tensors in
place of its parameters and buffers (the module is restored afterwards, even on error)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from .tensor import Tensor

__all__ = ["functional_call"]

_MISSING: Any = object()  # the name was no attribute of the module before the swap


def _owner(module: Any, path: str) -> tuple[Any, str]:
    """The sub-module holding the dotted ``path`` and the last name, with torch's errors."""
    from .nn.module import Module
    *mods, name = path.split(".")
    owner = module
    for i, attr in enumerate(mods):
        try:
            child = getattr(owner, attr)
        except AttributeError:
            raise AttributeError(f"{type(owner).__name__} has no attribute `{attr}`") from None
        if not isinstance(child, Module):
            raise TypeError(f"submodule `{'.'.join(mods[:i + 1])}`: {child} is not an "
                            "instance of torch.nn.Module")
        owner = child
    if name == "":
        raise KeyError('tensor name can\'t be empty string ""')
    return owner, name


def _swap(module: Any, path: str, value: Any) -> Any:
    """Put ``value`` (a Tensor, None or _MISSING) at ``path``; return what was there."""
    if value is not _MISSING and value is not None and not isinstance(value, Tensor):
        raise TypeError(f"{value} is not an instance of torch.Tensor")
    owner, name = _owner(module, path)
    for registry in (owner._parameters, owner._buffers):
        if name in registry:
            old = registry[name]
            if value is _MISSING:
                del registry[name]
                owner.__dict__.pop(name, None)
            else:  # past __setattr__'s checks: any tensor may stand in for a parameter
                registry[name] = value
                object.__setattr__(owner, name, value)
            return old
    old = getattr(owner, name, _MISSING)
    if old is not _MISSING and old is not None and not isinstance(old, Tensor):
        raise TypeError(f"attribute `{name}`: {old} is not an instance of torch.Tensor")
    if value is not _MISSING:
        setattr(owner, name, value)
    elif hasattr(owner, name):
        delattr(owner, name)
    return old


def _untied(module: Any, given: dict[str, Any]) -> dict[str, Any]:
    """``given`` with each value also under the other names of a tensor tied to its name."""
    names: dict[int, set[str]] = {}
    for name, t in [*module.named_parameters(remove_duplicate=False),
                    *module.named_buffers(remove_duplicate=False)]:
        names.setdefault(id(t), set()).add(name)
    tied = {n: group for group in names.values() if len(group) > 1 for n in group}
    given_tied = [n for n in given if n in tied]
    for name in given_tied:
        group = tied[name]
        if len(group.intersection(given_tied)) > 1 and \
                len({id(given[n]) for n in group}) != 1:  # KeyError, as torch, if one is not given
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, "
                             "which are tied. Consider using tie_weights=False")
    out = dict(given)
    for name in given_tied:
        for other in tied[name]:
            out[other] = given[name]
    return out


@contextlib.contextmanager
def _reparametrized(module: Any, given: dict[str, Any], tie_weights: bool, strict: bool
                    ) -> Iterator[None]:
    values = _untied(module, given) if tie_weights else given
    if strict:
        valid = {n for n, _ in [*module.named_parameters(remove_duplicate=False),
                                *module.named_buffers(remove_duplicate=False)]}
        msgs = []
        if unexpected := sorted(set(values) - valid):
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing := sorted(valid - set(values)):
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:"
                               "\n\t" + "\n\t".join(msgs))
    originals: dict[str, Any] = {}
    try:
        for name, value in values.items():
            originals[name] = _swap(module, name, value)
        yield
    finally:
        now = {name: _swap(module, name, old) for name, old in originals.items()}
        # a forward that reassigned a buffer (self.count = self.count + 1) writes it back
        given.update({k: now[k] for k in given if k in now})


def _call(module: Any, given: dict[str, Any], args: Any, kwargs: dict | None,
          tie_weights: bool, strict: bool) -> Any:
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrized(module, given, tie_weights, strict):
        return module(*args, **(kwargs or {}))


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Call ``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts``
    (a dict of dotted names, or a sequence of such dicts with distinct keys) in place of
    its parameters and buffers, as ``torch.func.functional_call``; gradients flow to the
    given tensors. ``args`` that is not a tuple is one argument. With ``tie_weights`` a
    value given for one of tied names is used for all of them; ``strict`` requires the
    keys to be exactly the module's parameters and buffers.

    Example:
        >>> import tinygrad_acts as ta
        >>> lin = ta.nn.Linear(2, 1)
        >>> w = ta.ones(1, 2, requires_grad=True)
        >>> out = ta.func.functional_call(lin, {"weight": w, "bias": ta.zeros(1)},
        ...                               ta.tensor([[1.0, 2.0]]))
        >>> out.sum().backward(); out.item(), w.grad.tolist(), lin.weight.grad is None
        (3.0, [[1.0, 2.0]], True)
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        given = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts: dict[str, int] = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        if repeated := [k for k, n in counts.items() if n > 1]:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        given = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    return _call(module, given, args, kwargs, tie_weights, strict)
