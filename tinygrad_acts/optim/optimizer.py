"""The Optimizer base: parameter groups, per-parameter state, zero_grad, state_dict."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts, each with its own ``params`` and
    hyper-parameters) and ``state`` (parameter -> dict of arrays, e.g. momentum buffers).

    Subclasses define ``defaults`` (passed to ``__init__``) and ``_update(p, grad, group,
    state)``, which changes ``p.data`` in place for one parameter.

    Args:
        params: an iterable of Tensors, or of dicts ``{"params": [...], "lr": ...}`` to give
            groups their own hyper-parameters.
        defaults: the hyper-parameters a group gets when it does not set them.
    """

    def __init__(self, params: Iterable[Any], defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or "
                            "dicts (e.g. model.parameters()), got a single Tensor; wrap it "
                            "in a list")
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list: did the "
                             "model define its layers in __init__ (after super().__init__())?")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (defaults fill the rest)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: cannot optimize a non-leaf tensor "
                                 f"(shape {p.shape}); optimize the leaves it was computed from")
            if p.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}: parameters must be floating point, "
                                f"got dtype {p.dtype} (shape {p.shape})")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter (shape {p.shape}) appears "
                                 "twice; each parameter may belong to one group only")
            seen.add(id(p))
        new = {**self.defaults, **group, "params": params}
        self._check_group(new)
        self.param_groups.append(new)

    def _check_group(self, group: dict) -> None:
        """Raise ValueError for hyper-parameters out of range (subclasses extend this)."""
        if group["lr"] < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {group['lr']} "
                             "(must be >= 0)")

    # --- the update -----------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given (the
        closure re-evaluates the model and the loss, with grad enabled)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(p, p.grad.data, group, state)
                p._version[0] += 1  # the data changed in place
        return loss

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict) -> None:
        raise NotImplementedError  # pragma: no cover

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set ``.grad`` to None (the default, cheapest) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                elif p.grad.requires_grad:  # a graph-connected grad (create_graph): replace
                    p.grad = Tensor._make(np.zeros_like(p.data), False, None)
                else:
                    p.grad.data.fill(0)
                    p.grad._version[0] += 1

    # --- saving and restoring ---------------------------------------------------------------

    def state_dict(self) -> dict:
        """PyTorch's layout: ``{"state": {index: {name: value}}, "param_groups": [{...,
        "params": [indices]}]}``, parameters numbered across groups in order. Arrays are
        copies. ``ta.save`` can write it to an .npz file."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {k: v.copy() if isinstance(v, np.ndarray) else v
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by ``state_dict()`` (arrays are copied
        and cast to each parameter's dtype). The groups must have the same sizes."""
        who = f"{type(self).__name__}.load_state_dict"
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{who}: the state has {len(saved_groups)} parameter group(s), "
                             f"this optimizer has {len(self.param_groups)}")
        by_index = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{who}: group {i} has {len(saved['params'])} parameter(s) in "
                                 f"the state but {len(group['params'])} in this optimizer")
            by_index.update(zip(saved["params"], group["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, values in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"{who}: state for parameter {key}, which no group lists")
            new_state[p] = {name: self._load_value(who, key, name, v, p)
                            for name, v in values.items()}
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})

    @staticmethod
    def _load_value(who: str, key: Any, name: str, value: Any, p: Tensor) -> Any:
        if isinstance(value, Tensor):
            value = value.data
        if isinstance(value, np.ndarray) and value.ndim > 0:
            if value.shape != p.shape:
                raise ValueError(f"{who}: state {name!r} of parameter {key} has shape "
                                 f"{value.shape}, but the parameter has shape {p.shape}")
            return value.astype(p.dtype, copy=True)
        return value.item() if isinstance(value, np.ndarray) else value

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
