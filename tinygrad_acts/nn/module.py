"""Module and Parameter: PyTorch's way of holding a model's parameters and sub-modules."""
from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd import is_recording
from ..dtypes import get_default_dtype
from ..tensor import RemovableHandle, Tensor, cat, check_device, is_dtype_name
from ..views import multi_output

__all__ = ["Module", "Parameter", "Buffer"]


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns, as in PyTorch: unpacks as (missing, unexpected)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")

    def __str__(self) -> str:
        return self.__repr__()


def _typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: module and qualified name of a class, function or
    (for anything else) of its type."""
    named = obj if hasattr(obj, "__qualname__") else type(obj)
    module = getattr(named, "__module__", "") or ""
    return named.__qualname__ if module in ("", "builtins") else \
        f"{module}.{named.__qualname__}"


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
        """As torch's: ``data``'s values and dtype, its memory and version counter shared
        (a detached alias of a Tensor); an ndarray is taken as it is; ``Parameter()`` is an
        empty tensor of the default float dtype."""
        self._init(np.empty(0, get_default_dtype()) if data is None else data, requires_grad,
                   None)
        if isinstance(data, Tensor):
            self._counter = data._counter

    def __deepcopy__(self, memo: dict) -> Parameter:
        """A Parameter over a copy of the values, with the same requires_grad and, as in
        torch, no ``.grad`` (a snapshot of a model does not carry its stale gradients)."""
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._array.copy(), self.requires_grad)
        return memo[id(self)]

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A Tensor that, assigned as a Module attribute, is registered as a buffer (as
    torch 2.5+'s ``nn.Buffer``): ``persistent=False`` keeps it out of ``state_dict``.
    Like torch's it is a detached alias of ``data`` (memory and version counter shared,
    ``requires_grad`` kept); ``Buffer()`` is an empty tensor of the default float dtype.

    Example:
        >>> import tinygrad_acts as ta
        >>> m = ta.nn.Module()
        >>> m.count = ta.nn.Buffer(ta.zeros(1), persistent=False)
        >>> [n for n, _ in m.named_buffers()], list(m.state_dict())
        (['count'], [])
    """

    __slots__ = ("persistent",)
    persistent: bool

    def __init__(self, data: Any = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._wrap(np.empty(0, get_default_dtype()))
        alias = data.detach()  # torch's error for a non-tensor: no attribute 'detach'
        self._init(alias._array, alias.requires_grad or data.requires_grad, None)
        self._counter = alias._counter
        self.persistent = bool(persistent)


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__`` and
    write ``forward``; calling the module runs ``forward`` (and any hooks).

    Parameters and sub-modules assigned as attributes are registered automatically, in
    order, under their attribute names (``state_dict`` keys are PyTorch's: ``0.weight``,
    ``fc1.bias``, ...).
    """

    training: bool
    # set in __init__ (through object.__setattr__, around the registering __setattr__)
    _parameters: OrderedDict[str, Parameter | None]
    _buffers: OrderedDict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: OrderedDict[str, Module | None]
    _forward_pre_hooks: OrderedDict[int, Callable]
    _forward_hooks: OrderedDict[int, Callable]
    _backward_hooks: OrderedDict[int, Callable]
    _backward_pre_hooks: OrderedDict[int, Callable]
    _is_full_backward_hook: bool | None  # None: no backward hook yet; False: legacy ones
    _hooks_with_kwargs: set[int]  # ids of the (pre-)hooks registered with_kwargs=True

    def __init__(self) -> None:
        for name in ("_parameters", "_buffers", "_modules", "_forward_pre_hooks",
                     "_forward_hooks", "_backward_hooks", "_backward_pre_hooks"):
            object.__setattr__(self, name, OrderedDict())
        object.__setattr__(self, "_is_full_backward_hook", None)
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_hooks_with_kwargs", set())
        object.__setattr__(self, "training", True)

    def _registries(self) -> tuple[dict, dict]:
        try:
            return self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                                 "before assigning parameters or modules") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Module) and name in self.__dict__.get("_parameters", ()):
            raise TypeError(f"cannot assign {_typename(value)!r} as parameter {name!r} "
                            "(nn.Parameter or None expected)")
        if isinstance(value, (Parameter, Module)):
            params, modules = self._registries()
            own, other = (params, modules) if isinstance(value, Parameter) else (modules, params)
            other.pop(name, None)
            self._buffers.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            own[name] = value  # a replacement keeps its place in the order, as in PyTorch
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__!r} as buffer {name!r} "
                                "(Tensor or None expected)")
            self._buffers[name] = value  # self.running_mean = new: the buffer is replaced
            if isinstance(value, Buffer):  # an nn.Buffer brings its own persistence
                (self._non_persistent_buffers_set.discard if value.persistent
                 else self._non_persistent_buffers_set.add)(name)
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} "
                                "(use nn.Parameter, or None)")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__!r} as child module "
                                f"{name!r} (nn.Module or None expected)")
            self._modules[name] = None
        elif isinstance(value, Buffer):  # registered as a buffer, as in torch 2.5+
            self.register_buffer(name, value, value.persistent)
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            self.__dict__.get(registry, {}).pop(name, None)
        self.__dict__.get("_non_persistent_buffers_set", set()).discard(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True
                        ) -> None:
        """Register ``tensor`` (or None) as a buffer: state that is not learned but belongs
        to the module (BatchNorm's running mean), as in PyTorch. A persistent buffer is in
        ``state_dict``; ``.to(dtype)`` converts it when it is floating point.

        Example:
            >>> import tinygrad_acts as ta
            >>> m = ta.nn.Module()
            >>> m.register_buffer("count", ta.zeros(1))
            >>> list(m.state_dict()), list(m.parameters())
            (['count'], [])
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__!r} object to buffer "
                            f"{name!r} (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a Parameter, or None for an absent one) under ``name``."""
        params, _ = self._registries()
        self._check_name(name, "parameter", params)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__!r} object to parameter "
                            f"{name!r} (nn.Parameter or None required)")
        params[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as a child under ``name``."""
        _, modules = self._registries()
        self._check_name(name, "module", modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def _check_name(self, name: Any, kind: str, registry: dict) -> None:
        """PyTorch's rules (and exception types) for a registered name."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    # --- calling ------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._forward_hooks and not self._backward_hooks and \
                not self._forward_pre_hooks and not self.__dict__.get("_backward_pre_hooks") \
                and not _global.any:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """torch's order: the global forward pre-hooks, then the module's; the backward
        hooks' wrapping of the inputs; forward; the forward hooks (global first); the
        wrapping of the outputs. If anything raises, the forward hooks registered with
        ``always_call=True`` that have not run yet run (with output None) before the
        error goes on; an error inside one of them becomes a warning."""
        out: Any = None
        called: set[int] = set()
        try:
            for key, hook in [*_global.forward_pre.items(), *self._forward_pre_hooks.items()]:
                args, kwargs = self._run_pre_hook(key, hook, args, kwargs)
            full = [*_global.backward.values(), *self._backward_hooks.values()]
            pre = [*_global.backward_pre.values(),
                   *self.__dict__.get("_backward_pre_hooks", {}).values()]
            tracker = None
            if full or pre:
                tracker = _BackwardHookCall(self, len(args), full, pre)
                args = tracker.wrap_inputs(args)
            out = self.forward(*args, **kwargs)
            for key, hook in [*_global.forward.items(), *self._forward_hooks.items()]:
                called.add(key)
                result = self._run_forward_hook(key, hook, args, kwargs, out)
                if result is not None:
                    out = result
            if tracker is not None:
                out = tracker.wrap_outputs(out)
            return out
        except Exception:
            always = self.__dict__.get("_hooks_always_called", set()) | _global.always_called
            for key, hook in [*_global.forward.items(), *self._forward_hooks.items()]:
                if key not in always or key in called:
                    continue
                try:
                    result = self._run_forward_hook(key, hook, args, kwargs, out)
                    if result is not None:
                        out = result
                except Exception as e:  # noqa: BLE001 (torch's: the first error goes on)
                    where = "global module" if key in _global.forward else "module"
                    warnings.warn(f"{where} forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=3)
            raise

    def _run_forward_hook(self, key: int, hook: Callable, args: tuple, kwargs: dict,
                          out: Any) -> Any:
        if key in self._hooks_with_kwargs or key in _global.with_kwargs:
            return hook(self, args, kwargs, out)
        return hook(self, args, out)

    def _run_pre_hook(self, key: int, hook: Callable, args: tuple, kwargs: dict
                      ) -> tuple[tuple, dict]:
        """PyTorch's return-value rules: None keeps the inputs; a plain hook's non-tuple
        result becomes the one positional input; a with_kwargs hook returns (args, kwargs)."""
        if key in self._hooks_with_kwargs or key in _global.with_kwargs:
            result = hook(self, args, kwargs)
            if result is None:
                return args, kwargs
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                   f"(new_args, new_kwargs), but got {result}.")
            return result[0], result[1]
        result = hook(self, args)
        if result is None:
            return args, kwargs
        return (result if isinstance(result, tuple) else (result,)), kwargs

    # --- hooks --------------------------------------------------------------------------

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before every forward; returning a value replaces the
        positional inputs (a non-tuple is the single input), None keeps them. With
        ``with_kwargs``, ``hook(module, args, kwargs)`` returns None or ``(args, kwargs)``.
        ``prepend`` runs it before the hooks already registered. Returns a handle with
        ``remove()``."""
        return _add_hook(self._forward_pre_hooks, hook, prepend,
                         self._hooks_with_kwargs if with_kwargs else None)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """``hook(module, args, output)`` (with ``with_kwargs``: ``hook(module, args, kwargs,
        output)``) runs after every forward; returning a value replaces the output.
        ``prepend`` runs it first. With ``always_call`` it runs even when forward (or a
        hook) raised, with output None, as torch's. Returns a handle with ``remove()``."""
        if always_call and "_hooks_always_called" not in self.__dict__:
            object.__setattr__(self, "_hooks_always_called", set())
        return _add_hook(self._forward_hooks, hook, prepend,
                         self._hooks_with_kwargs if with_kwargs else None,
                         self.__dict__["_hooks_always_called"] if always_call else None)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to
        the module's positional inputs have been computed, as in PyTorch: both are tuples
        (grad_input: None for a non-tensor argument, zeros for a tensor that needs no grad;
        grad_output: None for an output that got no gradient). Returning a tuple of the
        same length replaces grad_input (for the next hook, and for the graph: gradient
        clipping or scaling); None keeps it. Hooks run in registration order (``prepend``
        puts this one first). If no input requires grad, the hooks fire when the outputs'
        gradients arrive, with a grad_input of Nones (and a warning, as torch's).

        As in torch, the module's inputs and outputs then pass through an identity node
        whose views may not change in place (``nn.ReLU(inplace=True)`` raises), and the
        hooks are the ones registered when the module was called. Returns a handle with
        ``remove()``."""
        self._backward_kind(True)
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients with respect to the
        module's outputs arrive, before the full backward hooks; returning a tuple of the
        same length replaces grad_output (and so every gradient computed from it), None
        keeps it. Returns a handle with ``remove()``."""
        if "_backward_pre_hooks" not in self.__dict__:  # a module unpickled from before
            object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """torch's deprecated hook. NOTE: here it is a full backward hook (torch's gives the
        gradients of the last op inside the module, not of its inputs)."""
        self._backward_kind(False)
        return _add_hook(self._backward_hooks, hook)

    def _backward_kind(self, full: bool) -> None:
        kind = self.__dict__.get("_is_full_backward_hook")
        if kind is not None and kind != full:
            raise RuntimeError("Cannot use both regular backward hooks and full backward "
                               "hooks on a single Module. Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", full)

    # --- walking the tree ---------------------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Every module in the tree, self first, depth first (PyTorch's order). A module
        reachable under several names is listed once unless ``remove_duplicate=False``."""
        seen: set[int] = {id(m) for m in memo} if memo is not None else set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop(0)
            if remove_duplicate:
                if id(m) in seen:
                    continue
                seen.add(id(m))
                if memo is not None:
                    memo.add(m)
            yield name, m
            stack[0:0] = [(f"{name}.{n}" if name else n, c) for n, c in m.named_children()]

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs in PyTorch's order. A parameter shared by several
        modules or names (tied weights) is listed once, under its first name, unless
        ``remove_duplicate=False``."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) pairs in PyTorch's order (persistent or not; None ones skipped)."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mname, m in mods:
            for name, t in getattr(m, registry).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mname}.{name}" if mname else name), t

    def get_submodule(self, target: str) -> Module:
        """The sub-module at a dotted path (``"features.0"``); ``""`` is self."""
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at a dotted path (``"features.0"``), as torch's: the parent must
        exist; an existing attribute there must be a module; with ``strict`` the
        attribute must exist already."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        path, _, name = target.rpartition(".")
        parent = self.get_submodule(path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path (``"fc1.weight"``)."""
        return self._get_member(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path (``"bn.running_mean"``)."""
        return self._get_member(target, "_buffers", "a buffer")

    def _get_member(self, target: str, registry: str, what: str) -> Any:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        if name not in getattr(mod, registry):
            raise AttributeError(f"`{name}` is not {what}")
        return getattr(mod, name)

    def num_parameters(self) -> int:
        """How many numbers the model learns (the lecture's 'parameters' count)."""
        return sum(p.numel() for p in self.parameters())

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first) and then on self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and gradients --------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got "
                             f"{type(mode).__name__} {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (buffers are left alone). Returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to None (the default) or, with
        ``set_to_none=False``, zero it in place (as PyTorch: the grad tensor is kept)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            elif p.grad.requires_grad:  # a graph-connected grad (create_graph): cut it
                p.grad = Tensor._wrap(np.zeros_like(p.grad._array))
            else:
                p.grad._array.fill(0)
                p.grad.bump_version()

    # --- state ------------------------------------------------------------------------

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> Any:
        """name -> each parameter and persistent buffer as a detached Tensor, with
        PyTorch's key names and order (each module's parameters, then its buffers, then
        its children's). A tied parameter (one Parameter under several names) is listed
        under every name, as in PyTorch, so the checkpoint of a tied model loads into torch
        and back.

        As in PyTorch, each value shares memory and the version counter with its parameter
        (``t.detach()``): ``sd["weight"].add_(1)`` changes the model (and a graph that saved
        the old weight then refuses to backward, never silently wrong). Take a snapshot
        with ``{k: v.clone() for k, v in sd.items()}`` (or ``copy.deepcopy``); hand a value
        to torch with ``torch.from_numpy(v.numpy())``.

        Args:
            destination: a mapping to fill and return (default: a new ``OrderedDict``).
            prefix: put before every key (``"model."``).
            keep_vars: give the Parameters and buffers themselves, not detached Tensors.

        The new OrderedDict carries torch's ``_metadata`` attribute (module prefix ->
        ``{"version": module._version}``), which ``ta.save`` keeps. Positional arguments
        (destination, prefix, keep_vars) work with torch's FutureWarning.

        Example:
            >>> import tinygrad_acts as ta
            >>> lin = ta.nn.Linear(2, 1)
            >>> sd = lin.state_dict()
            >>> with ta.no_grad():
            ...     _ = sd["bias"].zero_()
            >>> lin.bias.tolist(), sd["bias"].requires_grad
            ([0.0], False)
        """
        if args:
            destination, prefix, keep_vars = _positional_state_args(
                args, destination, prefix, keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:  # keyed as torch's: the prefix less its last character
            for mname, m in self.named_modules(remove_duplicate=False):
                key = prefix + mname if mname else prefix[:-1]
                metadata[key] = {} if m._version is None else {"version": m._version}
        extra = dict(self._extra_state_modules("get_extra_state"))
        for key, m, _, t in self._state_slots(extra):
            if t is None:  # torch's place for it: after the module's own tensors
                destination[prefix + key] = m.get_extra_state()
            else:
                destination[prefix + key] = t if keep_vars else t.detach()
        return destination

    def get_extra_state(self) -> Any:
        """What ``state_dict`` saves under ``_extra_state`` for this module, when a subclass
        overrides it (with ``set_extra_state`` to load it), as in torch."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should "
                           "never be called: override get_extra_state() in the subclass")

    def set_extra_state(self, state: Any) -> None:
        """Take back what ``get_extra_state`` returned (override both)."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should "
                           "never be called: override set_extra_state() in the subclass")

    def _extra_state_modules(self, method: str) -> list[tuple[str, Module]]:
        """(key, module) for every module (under every name) whose class overrides
        ``method`` (get_extra_state or set_extra_state)."""
        base = getattr(Module, method)
        return [((mname + "." if mname else "") + "_extra_state", m)
                for mname, m in self.named_modules(remove_duplicate=False)
                if getattr(type(m), method) is not base]

    #: torch's version number of a module's state dict layout (saved in ``_metadata``)
    _version: int | None = 1

    def _state_members(self) -> list[tuple[str, Tensor]]:
        """What a state dict holds: every parameter and persistent buffer under every name."""
        return [(key, t) for key, _, _, t in self._state_slots()]

    def _state_slots(self, extra: dict | None = None) -> list[tuple[str, Module, str, Any]]:
        """(key, module, attribute name, tensor) of every parameter and persistent buffer,
        under every name (a tied parameter once per module holding it); with ``extra``
        (keys of extra states), ``(key, module, "_extra_state", None)`` after each such
        module's tensors."""
        out: list[tuple[str, Module, str, Any]] = []
        for mname, m in self.named_modules(remove_duplicate=False):
            dot = mname + "." if mname else ""
            out += [(dot + k, m, k, p) for k, p in m._parameters.items() if p is not None]
            out += [(dot + k, m, k, b) for k, b in m._buffers.items()
                    if b is not None and k not in m._non_persistent_buffers_set]
            if extra and dot + "_extra_state" in extra:
                out.append((dot + "_extra_state", m, "_extra_state", None))
        return out

    def _upgraded(self, state_dict: Mapping[str, Any]) -> Mapping[str, Any]:
        """The state dict after each submodule's ``_upgrade_state_dict`` (torch's rule for
        dicts saved by an older version of a layer, or built by hand with no ``_metadata``:
        BatchNorm fills in ``num_batches_tracked``). Unchanged if no submodule has one."""
        hooks = [(n, m) for n, m in self.named_modules() if hasattr(m, "_upgrade_state_dict")]
        if not hooks:
            return state_dict
        metadata = getattr(state_dict, "_metadata", None) or {}
        out = dict(state_dict)
        for n, m in hooks:
            m._upgrade_state_dict(out, n + "." if n else "", metadata.get(n, {}))
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy the values (Tensors, torch tensors, and ndarrays, which torch refuses; a
        list or a number is an error, as in torch) into the parameters and persistent
        buffers by name, casting to each one's dtype (an integer buffer such as
        ``num_batches_tracked`` stays integer). With ``strict``, missing or unexpected keys
        are an error; a shape mismatch, or a dtype that cannot be cast (``same_kind``),
        always is. The message names every key at fault, with both shapes.

        With ``assign=True`` (torch's), nothing is copied: each parameter becomes a
        Parameter sharing the state dict's value (its dtype too; a Parameter value is used
        as it is), keeping the module's ``requires_grad``, and each buffer becomes the
        value itself.

        All or nothing: everything is checked before the first parameter changes (and if
        a copy still fails, the parameters already written are restored).

        Returns:
            ``(missing_keys, unexpected_keys)``, a named tuple as in PyTorch.

        Example:
            >>> import tinygrad_acts as ta
            >>> lin = ta.nn.Linear(2, 1)
            >>> lin.load_state_dict({"weight": ta.ones(1, 2)}, strict=False)
            _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
            >>> lin.weight.tolist()
            [[1.0, 1.0]]
        """
        if not isinstance(state_dict, Mapping):
            hint = " (a file name?); to load a checkpoint file, pass ta.load(path)" \
                if isinstance(state_dict, (str, bytes)) or hasattr(state_dict, "__fspath__") \
                else ""
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a state dict "
                            f"(a mapping of names to arrays), got {type(state_dict).__name__}"
                            + hint)
        state_dict = self._upgraded(state_dict)
        slots = self._state_slots()
        own = {key: t for key, _, _, t in slots}
        extra = self._extra_state_modules("set_extra_state")
        missing = [k for k in own if k not in state_dict]
        missing += [k for k, _ in extra if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own and k not in dict(extra)]
        values, problems = _checked_values(own, state_dict, assign)
        if strict:
            problems += [f"  missing key: {k}" for k in missing]
            problems += [f"  unexpected key: {k}" for k in unexpected]
        if problems:
            name = type(self).__name__  # (torch's message, after the function's name)
            raise RuntimeError(f"{name}.load_state_dict: Error(s) in loading state_dict for "
                               f"{name}:\n" + "\n".join(problems))
        if assign:
            _assign_all(slots, state_dict, values)
        else:
            _copy_all_or_nothing([(own[k], v) for k, v in values.items()])
        for key, m in extra:
            if key in state_dict:
                m.set_extra_state(state_dict[key])
        return _IncompatibleKeys(missing, unexpected)

    # --- printing -----------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ")
                 for name, m in self._modules.items()]  # (a None child prints, as torch's)
        extra = self.extra_repr()
        if not lines and "\n" not in extra:
            return f"{type(self).__name__}({extra})"
        if extra:  # PyTorch's layout: the arguments first inside, one line each
            lines[0:0] = extra.split("\n")
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    # --- dtype and device ---------------------------------------------------------------
    # Placed last: these names (float, ...) shadow the builtins in the class body.

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``to(dtype)``, ``to("cpu")``, ``to("cpu", dtype)``, ``to(tensor)`` (its
        dtype), ``to(device=..., dtype=...)``: floating-point parameters (and their grads)
        are converted in place, staying the same Parameter objects. Returns self.

        ``dtype`` is a numpy dtype or its name (``ta.float64``, ``np.float32``,
        ``"float64"``); only floating-point dtypes are accepted, as in PyTorch."""
        dtype, device = _to_arguments(args, kwargs)
        check_device(device)
        if dtype is not None:
            self._convert_floats(dtype)
        return self

    def double(self) -> Module:
        return self._convert_floats(np.dtype(np.float64))

    def float(self) -> Module:
        return self._convert_floats(np.dtype(np.float32))

    def half(self) -> Module:
        return self._convert_floats(np.dtype(np.float16))

    def cpu(self) -> Module:
        return self

    def share_memory(self) -> Module:
        """torch's move of the tensors into shared memory, for multiprocessing: a no-op
        here (numpy arrays live in this process). Returns self."""
        return self

    def type(self, dst_type: Any) -> Module:
        """Every parameter and buffer converted to ``dst_type`` (a dtype, its name, or
        torch's type string ``"torch.DoubleTensor"``), as torch's. Returns self."""
        names = {"torch.FloatTensor": np.float32, "torch.DoubleTensor": np.float64,
                 "torch.HalfTensor": np.float16}
        return self._convert_floats(np.dtype(names.get(dst_type, dst_type)), every=True)

    def cuda(self, device: Any = None) -> Module:
        check_device("cuda")
        return self  # pragma: no cover (check_device raises)

    def _convert_floats(self, dtype: np.dtype, every: bool = False) -> Module:
        # NOTE: in place, so an optimizer (or anything else) holding the Parameter keeps it;
        # the version bump makes a graph that saved the old array refuse to backward.
        # Buffers are replaced by converted copies, as in PyTorch; integer ones are kept
        # (unless ``every``: Module.type converts all).
        for m in self.modules():
            for name, b in list(m._buffers.items()):
                if b is not None and (every or b.dtype.kind == "f") and b.dtype != dtype:
                    new = Tensor._wrap(b._array.astype(dtype), requires_grad=b.requires_grad)
                    m._buffers[name] = new
                    object.__setattr__(m, name, new)
        for p in self.parameters():
            if (every or p.dtype.kind == "f") and p.dtype != dtype:
                p._array = p._array.astype(dtype)  # keeps the memory layout (order "K")
                p.bump_version()
                if p.grad is not None and p.grad.dtype.kind == "f":
                    p.grad._array = p.grad._array.astype(dtype)
                    p.grad.bump_version()
        return self


def _to_arguments(args: tuple, kwargs: dict) -> tuple[np.dtype | None, Any]:
    """(dtype, device) from ``Module.to``'s arguments, as PyTorch parses them."""
    unknown = set(kwargs) - {"dtype", "device", "non_blocking", "memory_format"}
    if unknown:
        raise TypeError(f"Module.to() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    if len(args) > 2:
        raise TypeError(f"Module.to() takes at most 2 positional arguments (device, dtype), "
                        f"got {len(args)}")
    for a in args:
        if isinstance(a, Tensor):
            a = a.dtype
        elif (isinstance(a, str) and not is_dtype_name(a)) or type(a).__name__ == "device":
            if device is not None:
                raise TypeError(f"Module.to(): two devices given ({device!r} and {a!r})")
            device = a
            continue
        if dtype is not None:
            raise TypeError(f"Module.to(): two dtypes given ({dtype} and {a})")
        dtype = a
    if dtype is None:
        return None, device
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"Module.to(): {dtype!r} is not a dtype or a device") from None
    if dtype.kind != "f":
        raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired "
                        f"dtype={dtype}")
    return dtype, device


def _positional_state_args(args: tuple, destination: Any, prefix: str, keep_vars: bool
                           ) -> tuple[Any, str, bool]:
    """torch's deprecated ``state_dict(destination, prefix, keep_vars)``, with its warning."""
    if len(args) > 3:
        raise TypeError(f"state_dict() takes at most 3 positional arguments (destination, "
                        f"prefix, keep_vars), got {len(args)}")
    warnings.warn("Positional args are being deprecated, use kwargs instead (state_dict: "
                  "destination=, prefix=, keep_vars=)", FutureWarning, stacklevel=3)
    given = list(args) + [destination, prefix, keep_vars][len(args):]
    return given[0], given[1], given[2]


def _value_array(key: str, value: Any) -> np.ndarray:
    """The ndarray of a state dict value: a Tensor's own array, a torch tensor's memory
    (``detach().cpu().numpy()``, shared) or an ndarray itself. Anything else (a list, a
    number) is refused with torch's words: a checkpoint holds tensors.

    NOTE: torch refuses ndarrays too; they are taken here on purpose (checkpoint files
    from before format 3 load as ndarrays, and ``{k: v.numpy() ...}`` ports torch weights)."""
    if isinstance(value, (Tensor, np.ndarray)):
        return value._array if isinstance(value, Tensor) else value
    if all(hasattr(value, n) for n in ("detach", "cpu", "numpy")):
        return np.asarray(value.detach().cpu().numpy())  # a torch tensor, even one
        # that requires grad (np.asarray refuses those)
    raise TypeError(f'While copying the parameter named "{key}", expected Tensor or '
                    f"Tensor-like object from checkpoint but received {type(value)}")


def _checked_values(own: dict[str, Tensor], state: Mapping[str, Any], assign: bool = False
                    ) -> tuple[dict[str, np.ndarray], list[str]]:
    """The checkpoint's array for each parameter it names, and every reason one of them
    cannot be copied (shape, dtype, unreadable value, read-only parameter) or, with
    ``assign``, assigned (shape; an integer value for a parameter that requires grad)."""
    values: dict[str, np.ndarray] = {}
    problems = []
    for k, p in own.items():
        if k not in state:
            continue
        try:
            value = _value_array(k, state[k])
        except TypeError as e:  # not a tensor: torch's words
            problems.append(f"  {e}")
            continue
        except (ValueError, RuntimeError) as e:  # a torch bfloat16, ...
            problems.append(f"  {k}: cannot read the checkpoint's value ({e})")
            continue
        if value.shape != p.shape:
            problems.append(f"  {k}: checkpoint shape {value.shape}, model shape {p.shape}")
        elif assign:
            if isinstance(p, Parameter) and p.requires_grad and value.dtype.kind != "f":
                problems.append(f"  {k}: cannot assign a {value.dtype} value to a parameter "
                                "that requires grad")
            else:
                values[k] = value
        elif not np.can_cast(value.dtype, p.dtype, casting="same_kind"):
            problems.append(f"  {k}: checkpoint dtype {value.dtype} cannot be copied into "
                            f"the model's {p.dtype}")
        elif not p._array.flags.writeable:
            problems.append(f"  {k}: the parameter's array is read-only")
        else:
            values[k] = value
    return values, problems


def _assign_all(slots: list[tuple[str, Module, str, Tensor]], state: Mapping[str, Any],
                values: dict[str, np.ndarray]) -> None:
    """``load_state_dict(assign=True)``: each parameter becomes a Parameter over the
    state's value (a Parameter value itself), keeping the module's requires_grad; each
    buffer becomes the value (a Tensor over it, for an array)."""
    for key, module, name, old in slots:
        if key not in values:
            continue
        raw = state[key]
        new: Tensor
        if isinstance(old, Parameter):
            new = raw if isinstance(raw, Parameter) else Parameter(values[key])
            new.requires_grad_(old.requires_grad)
        else:
            new = raw if isinstance(raw, Tensor) else Tensor._wrap(values[key])
        setattr(module, name, new)


def _copy_all_or_nothing(pairs: list[tuple[Tensor, np.ndarray]]) -> None:
    """Copy each value into its parameter; if one copy fails (even by KeyboardInterrupt),
    put back the parameters already written, then re-raise."""
    backups: list[tuple[Tensor, np.ndarray]] = []
    try:
        for p, value in pairs:
            backups.append((p, p._array.copy()))
            np.copyto(p._array, value, casting="same_kind")
            p.bump_version()
    except BaseException:
        for p, old in reversed(backups):
            np.copyto(p._array, old)
        raise


_hook_ids = itertools.count()  # never reused, so a stale handle cannot remove a newer hook


class _KeyedHandle(RemovableHandle):
    """A handle whose ``remove()`` drops its hook from a module's id -> hook dict."""

    def __init__(self, hooks: OrderedDict[int, Callable], key: int):
        super().__init__([], hooks[key])
        self._owner, self._key = hooks, key

    def remove(self) -> None:
        self._owner.pop(self._key, None)

    def __enter__(self) -> _KeyedHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _add_hook(hooks: OrderedDict[int, Callable], hook: Callable, prepend: bool = False,
              *flags: set[int] | None) -> RemovableHandle:
    """Add ``hook`` under a fresh key (first with ``prepend``); the key goes into each of
    ``flags`` given (the sets of hooks that take the keyword arguments, that always run)."""
    key = next(_hook_ids)
    hooks[key] = hook
    if prepend:
        hooks.move_to_end(key, last=False)
    for flag in flags:
        if flag is not None:
            flag.add(key)
    return _KeyedHandle(hooks, key)


class _GlobalHooks:
    """The hooks of every module (torch's ``nn.modules.module.register_module_*_hook``),
    run before each module's own."""

    def __init__(self) -> None:
        self.forward_pre: OrderedDict[int, Callable] = OrderedDict()
        self.forward: OrderedDict[int, Callable] = OrderedDict()
        self.backward: OrderedDict[int, Callable] = OrderedDict()
        self.backward_pre: OrderedDict[int, Callable] = OrderedDict()
        self.with_kwargs: set[int] = set()
        self.always_called: set[int] = set()

    @property
    def any(self) -> bool:
        return bool(self.forward_pre or self.forward or self.backward or self.backward_pre)


_global = _GlobalHooks()


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(module, args)`` before the forward of every module (before its own
    pre-hooks), with ``Module.register_forward_pre_hook``'s return rules."""
    return _add_hook(_global.forward_pre, hook)


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """``hook(module, args, output)`` after the forward of every module (before its own
    forward hooks), with ``Module.register_forward_hook``'s rules."""
    return _add_hook(_global.forward, hook, False,
                     _global.with_kwargs if with_kwargs else None,
                     _global.always_called if always_call else None)


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """``hook(module, grad_input, grad_output)`` for every module, before its own (see
    ``Module.register_full_backward_hook``)."""
    return _add_hook(_global.backward, hook)


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(module, grad_output)`` for every module, before its own (see
    ``Module.register_full_backward_pre_hook``)."""
    return _add_hook(_global.backward_pre, hook)


_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module "
    "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
    "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more "
    "details.")
_HOOK_NODE = "BackwardHookFunction"  # torch's node name, in the in-place error


class _Packed:
    """Tensors that require grad, packed into one flat tensor (``cat`` of their
    flattenings, in one float dtype) and handed on as views of it: a hook on the flat
    tensor's node sees all their gradients at once, when every one is complete, and its
    return value replaces all of them (torch's ``BackwardHookFunction``, one node for
    several tensors, from the single-output nodes this engine has). As torch's, the views
    may not change in place (``views.multi_output``).

    NOTE: it keeps shapes and dtypes only: the hook on the flat node refers to it, so a
    tensor kept here would make a reference cycle through the graph."""

    def __init__(self, tensors: list[Tensor]):
        self.specs = [(t.shape, t.dtype, t.numel()) for t in tensors]
        self.dtype = np.result_type(*[t.dtype for t in tensors])

    def pack(self, tensors: list[Tensor], hook: Callable) -> tuple[tuple, list[Tensor]]:
        """(the pieces of the flat tensor, the views handed on), ``hook`` on its node.
        One tensor (the common case) needs no flattening: its copy is the flat tensor."""
        if len(tensors) == 1:
            flat = tensors[0].clone()
            flat.register_hook(hook)
            pieces = multi_output((flat[...],), _HOOK_NODE)
            return pieces, list(pieces)
        flat = cat([_cast(t.reshape(-1), self.dtype) for t in tensors])
        flat.register_hook(hook)
        pieces = multi_output(tuple(flat[o:o + n] for o, n in self._spans()), _HOOK_NODE)
        return pieces, [_cast(p.view(shape), dtype) for p, (shape, dtype, _) in
                        zip(pieces, self.specs)]

    def _spans(self) -> list[tuple[int, int]]:
        offsets = itertools.accumulate([n for _, _, n in self.specs], initial=0)
        return [(o, n) for o, (_, _, n) in zip(offsets, self.specs)]

    def split(self, flat: Tensor) -> list[Tensor]:
        """The flat gradient as one gradient per tensor (its shape and dtype)."""
        if len(self.specs) == 1:
            return [flat]
        return [_cast(flat[o:o + n].reshape(shape), dtype)
                for (o, n), (shape, dtype, _) in zip(self._spans(), self.specs)]

    def join(self, grads: list, what: str, module: Module) -> Tensor:
        """The flat gradient of ``grads`` (None: zeros), each checked against its tensor."""
        parts = []
        for i, (g, (shape, dtype, _)) in enumerate(zip(grads, self.specs)):
            if g is None:
                g = Tensor._wrap(np.zeros(shape, dtype))
            elif not isinstance(g, Tensor):
                raise TypeError(f"{type(module).__name__}: a backward hook returned "
                                f"{type(g).__name__} for {what}[{i}] (a Tensor or None expected)")
            elif g.shape != shape:
                raise RuntimeError(f"{type(module).__name__}: a backward hook changed the size "
                                   f"of {what}[{i}]: {g.shape}, expected {shape}")
            elif g.dtype != dtype:
                raise RuntimeError(f"{type(module).__name__}: a backward hook changed the type "
                                   f"of {what}[{i}]: {g.dtype}, expected {dtype}")
            parts.append(g)
        if len(parts) == 1:
            return parts[0]
        return cat([_cast(g.reshape(-1), self.dtype) for g in parts])


def _cast(t: Tensor, dtype: np.dtype) -> Tensor:
    return t if t.dtype == dtype else t.to(dtype)


class _BackwardHookCall:
    """One forward call of a module with full backward hooks or pre-hooks, as torch's
    ``BackwardHook``: the tensors that go in and come out are packed (``_Packed``). When
    the outputs' gradients arrive, the pre-hooks see ``grad_output`` (a tuple, None for a
    non-tensor output or one that got no gradient) and may replace it; when the inputs'
    gradients are complete, the hooks see ``(grad_input, grad_output)`` (a tuple over the
    positional arguments: None for a non-tensor, zeros for a tensor that needs no grad)
    and each one's return value replaces grad_input for the next and for the graph.
    The hooks are the ones registered when the module was called."""

    def __init__(self, module: Module, n_inputs: int, hooks: list[Callable],
                 pre_hooks: list[Callable]):
        self.module = module
        self.hooks, self.pre_hooks = hooks, pre_hooks
        self.n_inputs = n_inputs
        self.inputs: _Packed | None = None  # None: no input requires grad
        self.input_index: list[int] = []
        self.constants: dict[int, tuple] = {}  # position -> (shape, dtype) of the others
        self.outputs: _Packed | None = None
        self.output_index: list[int] = []
        self.n_outputs = 0
        self.received: set[int] = set()
        self.grad_outputs: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not index or not is_recording():
            return args
        self.input_index = index
        self.constants = {i: (a.shape, a.dtype) for i, a in enumerate(args)
                          if isinstance(a, Tensor) and i not in index}
        tensors = [args[i] for i in index]
        self.inputs = _Packed(tensors)
        _, views = self.inputs.pack(tensors, self._input_hook)
        new = list(args)
        for i, v in zip(index, views):
            new[i] = v
        return tuple(new)

    def wrap_outputs(self, out: Any) -> Any:
        if not isinstance(out, (Tensor, tuple)):
            warnings.warn("For backward hooks to be called, module output should be a Tensor "
                          f"or a tuple of Tensors but received {type(out)}", stacklevel=4)
            return out
        items = (out,) if isinstance(out, Tensor) else tuple(out)
        index = [i for i, a in enumerate(items) if isinstance(a, Tensor) and a.requires_grad]
        if not index or not is_recording():
            return out
        self.n_outputs, self.output_index = len(items), index
        tensors = [items[i] for i in index]
        self.outputs = _Packed(tensors)
        pieces, views = self.outputs.pack(tensors, self._output_hook)
        for k, piece in enumerate(pieces):  # (to know which outputs got a gradient)
            piece.register_hook(self._received(k))
        new = list(items)
        for i, v in zip(index, views):
            new[i] = v
        if isinstance(out, Tensor):
            return new[0]
        return tuple(new) if type(out) is tuple else type(out)(*new)

    def _received(self, k: int) -> Callable:
        def hook(grad: Tensor) -> None:
            self.received.add(k)
        return hook

    def _output_hook(self, flat: Tensor) -> Tensor | None:
        assert self.outputs is not None
        grads: list = [None] * self.n_outputs
        for k, (i, g) in enumerate(zip(self.output_index, self.outputs.split(flat))):
            grads[i] = g if k in self.received else None
        self.received = set()
        grad_outputs = changed = tuple(grads)
        for hook in self.pre_hooks:
            result = hook(self.module, grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(result)}, but expected "
                                   f"{len(grad_outputs)}")
            grad_outputs = result
        self.grad_outputs = grad_outputs
        if self.inputs is None:
            self._fire_without_inputs()
        if changed is grad_outputs:
            return None
        return self.outputs.join([grad_outputs[i] for i in self.output_index],
                                 "grad_output", self.module)

    def _fire_without_inputs(self) -> None:
        """torch's special case: no input requires grad, so the hooks fire now, with a
        grad_input of Nones, and may not return gradients."""
        warnings.warn(_NO_INPUT_GRAD_WARNING, stacklevel=2)
        grad_inputs = (None,) * self.n_inputs
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None and not (isinstance(result, tuple)
                                           and all(r is None for r in result)):
                raise RuntimeError("Backward hook for Modules where no input requires "
                                   "gradient should always return None or None for all "
                                   "gradients.")
        self.grad_outputs = None

    def _input_hook(self, flat: Tensor) -> Tensor | None:
        if self.grad_outputs is None:  # reached without the outputs (double backward)
            return None
        assert self.inputs is not None
        grads: list = [None] * self.n_inputs
        for i, g in zip(self.input_index, self.inputs.split(flat)):
            grads[i] = g
        for i, (shape, dtype) in self.constants.items():
            grads[i] = Tensor._wrap(np.zeros(shape, dtype))
        grad_input: Any = tuple(grads)
        changed = False
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_input)}")
            grad_input, changed = result, True
        self.grad_outputs = None
        if not changed:
            return None
        return self.inputs.join([grad_input[i] for i in self.input_index], "grad_input",
                                self.module)
