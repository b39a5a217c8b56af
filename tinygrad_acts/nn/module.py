"""Module and Parameter: PyTorch's way of holding a model's parameters and sub-modules."""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Callable, Iterator

import numpy as np

from ..tensor import RemovableHandle, Tensor

__all__ = ["Module", "Parameter"]


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its parameters (requires grad by default).

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.nn.Parameter(ta.zeros(2))
        >>> p.requires_grad, p.is_leaf
        (True, True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True):
        super().__init__(np.empty(0, np.float32) if data is None else data, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__`` and
    write ``forward``; calling the module runs ``forward`` (and any hooks).

    Parameters and sub-modules assigned as attributes are registered automatically, in
    order, under their attribute names (``state_dict`` keys are PyTorch's: ``0.weight``,
    ``fc1.bias``, ...).
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    def _registries(self) -> tuple[dict, dict]:
        try:
            return self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                                 "before assigning parameters or modules") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (Parameter, Module)):
            params, modules = self._registries()
            own, other = (params, modules) if isinstance(value, Parameter) else (modules, params)
            other.pop(name, None)
            own[name] = value  # a replacement keeps its place in the order, as in PyTorch
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} "
                                "(use nn.Parameter, or None)")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            self._modules.pop(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__.get("_parameters", {}).pop(name, None)
        self.__dict__.get("_modules", {}).pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: "Module | None") -> None:
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # --- calling ------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._forward_hooks and not self._backward_hooks:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        if self._backward_hooks:
            args, tracker = _BackwardHookCall.wrap_inputs(self, args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        if self._backward_hooks and isinstance(out, Tensor) and out.requires_grad:
            out = tracker.watch_output(out)
        return out

    # --- hooks --------------------------------------------------------------------------

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs, output)`` runs after every forward; returning a value
        replaces the output. Returns a handle with ``remove()``."""
        return _add_hook(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to
        the module's inputs have been computed (grad_input holds None for inputs that do
        not require grad). Returns a handle with ``remove()``.

        NOTE: unlike PyTorch, the hook's return value is ignored: it observes, it cannot
        replace grad_input (use ``Tensor.register_hook`` on the input for that)."""
        return _add_hook(self._backward_hooks, hook)

    register_backward_hook = register_full_backward_hook

    # --- walking the tree ---------------------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop(0)
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            stack[0:0] = [(f"{name}.{n}" if name else n, c) for n, c in m.named_children()]

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in mods:
            for pname, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def num_parameters(self) -> int:
        """How many numbers the model learns (the lecture's 'parameters' count)."""
        return sum(p.numel() for p in self.parameters())

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn`` on every sub-module (children first) and then on self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and gradients --------------------------------------------------------------

    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor._make(np.zeros_like(p.data), False, None)

    # --- state ------------------------------------------------------------------------

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """name -> a copy of the array, with PyTorch's key names."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state: dict, strict: bool = True) -> tuple[list, list]:
        """Copy arrays into the parameters by name. With ``strict``, missing or unexpected
        keys are an error; a shape mismatch always is. Returns (missing, unexpected)."""
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        problems = []
        for k, p in own.items():
            if k in state:
                value = np.asarray(state[k].data if isinstance(state[k], Tensor) else state[k])
                if value.shape != p.shape:
                    problems.append(f"  {k}: checkpoint shape {value.shape}, "
                                    f"model shape {p.shape}")
                if not np.can_cast(value.dtype, p.dtype, casting="same_kind"):
                    problems.append(f"  {k}: checkpoint dtype {value.dtype} cannot be copied "
                                    f"into the model's {p.dtype}")
        if strict and (missing or unexpected):
            problems += [f"  missing key: {k}" for k in missing]
            problems += [f"  unexpected key: {k}" for k in unexpected]
        if problems:
            raise RuntimeError(f"load_state_dict: the state does not fit "
                               f"{type(self).__name__}:\n" + "\n".join(problems))
        for k, p in own.items():
            if k in state:
                value = state[k].data if isinstance(state[k], Tensor) else state[k]
                np.copyto(p.data, np.asarray(value), casting="same_kind")
                p._version[0] += 1
        return missing, unexpected

    # --- printing -----------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ")
                 for name, m in self.named_children()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        if extra:  # PyTorch's layout: the arguments on the first line inside
            lines.insert(0, extra)
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


_hook_ids = itertools.count()  # never reused, so a stale handle cannot remove a newer hook


def _add_hook(hooks: "OrderedDict[int, Callable]", hook: Callable) -> RemovableHandle:
    key = next(_hook_ids)
    hooks[key] = hook
    handle = RemovableHandle([], hook)
    handle.remove = lambda: hooks.pop(key, None)  # type: ignore[method-assign]
    return handle


class _BackwardHookCall:
    """One forward call of a module with backward hooks: it records grad_output when the
    output's gradient arrives and calls the hooks once the inputs' gradients are known.

    Each backward pass through the call starts afresh when the output's gradient arrives
    (so ``retain_graph=True`` and a second backward report the second pass's gradients)."""

    def __init__(self, module: Module, n_inputs: int):
        self.module, self.grad_output = module, None
        self.grad_input: list = [None] * n_inputs
        self.needed = self.waiting = 0
        self.input_nodes: list = []

    @classmethod
    def wrap_inputs(cls, module: Module, args: tuple) -> tuple[tuple, "_BackwardHookCall"]:
        call = cls(module, len(args))
        wrapped = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a.requires_grad:
                a = a.clone()  # a node of our own, so the hook sees only this call's gradient
                a.register_hook(call._input_hook(i))
                # NOTE: the id, not the node: the node's hooks hold this call, and a
                # reference back would make a cycle that only gc.collect() frees
                call.input_nodes.append(id(a.grad_fn))
                call.needed += 1
            wrapped.append(a)
        call.waiting = call.needed
        return tuple(wrapped), call

    def watch_output(self, out: Tensor) -> Tensor:
        if id(out.grad_fn) in self.input_nodes:  # the wrapped inputs are alive here
            out = out.clone()  # forward returned its input (Identity): give the output a node
        out.register_hook(self._output_hook)
        return out

    def _output_hook(self, grad: Tensor) -> None:
        self.grad_output = grad
        self.grad_input = [None] * len(self.grad_input)
        self.waiting = self.needed
        if self.waiting == 0:
            self._fire()

    def _input_hook(self, i: int) -> Callable:
        def hook(grad: Tensor) -> None:
            self.grad_input[i] = grad
            self.waiting -= 1
            if self.waiting == 0:
                self._fire()
        return hook

    def _fire(self) -> None:
        for hook in list(self.module._backward_hooks.values()):
            hook(self.module, tuple(self.grad_input), (self.grad_output,))
