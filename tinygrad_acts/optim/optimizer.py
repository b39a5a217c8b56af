"""The Optimizer base: parameter groups, per-parameter state, zero_grad, state_dict."""
from __future__ import annotations

import numbers
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor, from_numpy, get_default_dtype

__all__ = ["Optimizer"]


def lerp_(start: np.ndarray, end: np.ndarray, weight: float,
          out: np.ndarray | None = None) -> None:
    """``start += weight * (end - start)`` in place, as ``torch.lerp_`` computes it; ``out``
    is an optional scratch array of start's shape (no temporaries then).

    NOTE: PyTorch switches form at weight 0.5 (``end - (end - start) * (1 - weight)`` from
    there on) so that weight 1 gives ``end`` exactly; the two forms round differently, so
    the running averages follow it to match torch's last bits."""
    diff = np.subtract(end, start, out=out)
    if weight < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1 - weight
        np.subtract(end, diff, out=start)


#: The largest temporary an in-place update makes, in elements (512 KiB of float32).
CHUNK = 1 << 17


def add_scaled_(p: np.ndarray, alpha: float, g: np.ndarray) -> None:
    """``p += alpha * g`` in place, the product formed in pieces of at most ``CHUNK``
    elements, so updating a large parameter needs no temporary of its size (the step's
    peak memory is its graph's, not the graph's plus a copy of the biggest weight).

    NOTE: the same two roundings as ``p += alpha * g`` (a product, then a sum), whatever
    the pieces: each element's arithmetic is unchanged."""
    if p.size <= CHUNK or not (p.flags.c_contiguous and g.flags.c_contiguous) \
            or g.shape != p.shape:
        p += alpha * g
        return
    flat_p, flat_g = p.reshape(-1), g.reshape(-1)
    scratch = np.empty(CHUNK, dtype=np.result_type(alpha, g))
    for start in range(0, p.size, CHUNK):
        piece = scratch[:min(CHUNK, p.size - start)]
        np.multiply(flat_g[start:start + CHUNK], alpha, out=piece)
        flat_p[start:start + CHUNK] += piece


def signed_decayed(p: Any, grad: np.ndarray, group: dict) -> np.ndarray:
    """The gradient a step uses: negated under ``maximize``, and with weight decay either
    added to it (L2, ``grad + wd * p``) or, with ``decoupled_weight_decay``, applied to the
    parameter itself (``p *= 1 - lr * wd``, AdamW's way), as torch's NAdam and RAdam."""
    if group["maximize"]:
        grad = -grad
    wd = group["weight_decay"]
    if wd:
        if group["decoupled_weight_decay"]:
            p._array *= 1 - group["lr"] * wd
        else:
            grad = grad + wd * p._array
    return grad


def check_number(who: str, name: str, value: Any) -> Any:
    """``value`` if it is a real number, else a TypeError naming the optimizer and the
    hyper-parameter (PyTorch raises a TypeError too, from its range check). As torch's,
    ``lr`` may also be a one-element Tensor (the step reads its value each time)."""
    if name == "lr" and isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{who}: Tensor lr must be 1-element, got shape {value.shape}")
        return value
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    return value


def number(value: Any) -> Any:
    """A hyper-parameter as the step reads it: a Tensor (torch's Tensor lr) as its value,
    a number as it is."""
    return value.item() if isinstance(value, Tensor) else value


def implementation_options(who: str, **options: Any) -> dict:
    """torch's switches between implementations of one same update, with torch's values
    and defaults, so that a torch constructor call runs here unchanged: ``foreach`` (a loop
    over the parameters, or batched kernels), ``fused`` (one kernel per step) and
    ``capturable`` (CUDA graphs) take True, False or None (capturable: a bool) and change
    nothing, since numpy has one implementation (the results are torch's for any of them).
    ``differentiable=True`` (a step that is itself in the autograd graph) is refused: the
    step here updates the arrays in place, outside any graph. Returns the options, which
    go into the param groups as torch's do."""
    for name, value in options.items():
        if name == "differentiable" and value:
            raise ValueError(f"{who}: differentiable=True is not supported (the step updates "
                             "the parameters' arrays in place, outside the autograd graph); "
                             "write the update with Tensor ops to differentiate through it")
        if value not in (None, True, False) or (name != "foreach" and name != "fused"
                                                 and value is None):
            raise TypeError(f"{who}: {name} must be True or False"
                            f"{' (or None: the default)' if name in ('foreach', 'fused') else ''}"
                            f", got {value!r}")
    return options


def check_min(who: str, name: str, value: Any, what: str = "", low: float = 0.0) -> Any:
    """PyTorch's range check ``not low <= value`` (so nan is refused too), with its message
    ``Invalid <what>: <value>`` (``what`` defaults to ``<name> value``)."""
    if not check_number(who, name, value) >= low:
        raise ValueError(f"{who}: Invalid {what or name + ' value'}: {value}")
    return value


def check_betas(who: str, betas: Any) -> None:
    """A pair of numbers (TypeError or ValueError naming the optimizer otherwise)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}")
    for name, b in zip(("betas[0]", "betas[1]"), betas):
        check_number(who, name, b)


def check_betas_range(who: str, betas: Any) -> None:
    """PyTorch's ``0 <= beta < 1`` for both betas, with its message."""
    check_betas(who, betas)
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"{who}: Invalid beta parameter at index {i}: {betas[i]}")


#: the state entries that torch keeps as 0-d tensors of its scalar dtype (float32, or
#: float64 under a float64 default dtype); here they are Python numbers inside the step
SCALAR_STATE = frozenset({"step", "eta", "mu", "mu_product"})


def _shown(key: str, value: Any) -> Any:
    """A state value as torch shows it (in ``opt.state`` and ``state_dict()``): an array
    as a Tensor sharing it (an in-place change of the Tensor changes the optimizer, as in
    torch), ``step`` / ``eta`` / ``mu`` / ``mu_product`` and numpy scalars (LBFGS's
    ``H_diag``, ``ro``) as 0-d Tensors, lists (LBFGS's history) element by element."""
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    if isinstance(value, list):
        return [_shown(key, v) for v in value]
    if key in SCALAR_STATE and isinstance(value, numbers.Real):
        dtype = np.float64 if np.dtype(get_default_dtype()) == np.float64 else np.float32
        return Tensor._wrap(np.asarray(value, dtype))
    if isinstance(value, np.floating):
        return Tensor._wrap(np.asarray(value))
    return value


def _raw(key: str, value: Any) -> Any:
    """``_shown``'s inverse, for a value written into the state: a Tensor's array (a
    Python number for the scalar entries, which the steps keep as numbers)."""
    if isinstance(value, Tensor):
        return value._array.item() if key in SCALAR_STATE and value.ndim == 0 \
            else value._array
    if isinstance(value, list):
        return [_raw(key, v) for v in value]
    return value


class ParamState(MutableMapping):
    """``opt.state[p]`` as torch shows it: array entries (``exp_avg``, ``momentum_buffer``
    ...) as Tensors sharing the optimizer's arrays (so a later step shows through), and
    ``step`` (also ASGD's ``eta`` / ``mu``, NAdam's ``mu_product``) as a 0-d Tensor of
    torch's scalar dtype (see ``_shown``). The step itself reads the plain dict
    underneath, so showing the state costs the step nothing. A Tensor written in is kept
    as its array."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict):
        self._raw = raw

    def __getitem__(self, key: str) -> Any:
        return _shown(key, self._raw[key])

    def __setitem__(self, key: str, value: Any) -> None:
        self._raw[key] = _raw(key, value)

    def __delitem__(self, key: str) -> None:
        del self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class StateView(Mapping):
    """``opt.state``: parameter -> ``ParamState`` over the optimizer's own dict of dicts
    (a defaultdict, as torch's: ``opt.state[p]`` of a parameter not yet stepped is an
    empty state, and is kept)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: defaultdict):
        self._raw = raw

    def __getitem__(self, p: Tensor) -> ParamState:
        return ParamState(self._raw[p])

    def get(self, p: Any, default: Any = None) -> Any:
        return ParamState(self._raw[p]) if p in self._raw else default

    def __contains__(self, p: object) -> bool:
        return p in self._raw

    def __iter__(self) -> Iterator[Tensor]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts, each with its own ``params`` and
    hyper-parameters) and ``state`` (parameter -> dict of arrays, e.g. momentum buffers).

    Subclasses define ``defaults`` (passed to ``__init__``) and ``_update(p, grad, group,
    state)``, which changes ``p``'s array in place for one parameter.

    Args:
        params: an iterable of Tensors (or of ``(name, Tensor)`` pairs, as
            ``model.named_parameters()`` gives: the names are kept in the group's
            ``param_names``), or of dicts ``{"params": [...], "lr": ...}`` to give groups
            their own hyper-parameters.
        defaults: the hyper-parameters a group gets when it does not set them.
    """

    def __init__(self, params: Iterable[Any], defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or "
                            "dicts (e.g. model.parameters()), got a single Tensor; wrap it "
                            "in a list")
        self.defaults = dict(defaults)
        # NOTE: a defaultdict, as in PyTorch: opt.state[p] is {} for a parameter not yet
        # stepped (keyed by the Tensor object: Tensors hash by identity); the steps read
        # it, users read it through ``state`` (Tensors, as torch's)
        self._state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list: did the "
                             "model define its layers in __init__ (after super().__init__())?")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def state(self) -> StateView:
        """parameter -> its state, as torch shows it (see ``ParamState``)."""
        return StateView(self._state)

    @state.setter
    def state(self, value: Mapping) -> None:
        self._state = defaultdict(dict, {p: {k: _raw(k, v) for k, v in dict(st).items()}
                                         for p, st in value.items()})

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (defaults fill the rest).

        As in PyTorch, only the constructor's hyper-parameters are range-checked; a
        group's must be numbers (a group may, say, ascend with a negative lr)."""
        if not isinstance(group, dict):
            raise TypeError(f"{type(self).__name__}.add_param_group: a param group must be a "
                            f"dict, got {type(group).__name__}")
        params = group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: optimizer parameters need to be organized "
                            "in ordered collections, but the ordering of tensors in sets will "
                            "change between runs. Please use a list instead.")
        params = [params] if isinstance(params, Tensor) else list(params)
        names = self._param_names(params)
        if names is not None:
            params = [p for _, p in params]
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)
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
            if id(p) in seen:  # (in another group: torch's error; twice in one: a warning)
                raise ValueError(f"{type(self).__name__}: some parameters appear in more than "
                                 f"one parameter group (one of shape {p.shape})")
        seen.update(id(p) for p in params)
        new = {**self.defaults, **group, "params": params}
        if names is not None:  # PyTorch's key, first in the group as there
            new = {"param_names": names, **new}
        self._check_group(new)
        self.param_groups.append(new)

    def _param_names(self, params: list) -> list[str] | None:
        """The names when ``params`` are ``model.named_parameters()`` pairs (None if they
        are plain Tensors), as PyTorch accepts them: all named or none."""
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                 for p in params]
        if not any(named):
            return None
        if not all(named):
            raise ValueError(f"{type(self).__name__}: all optimizer params should be "
                             "with/without names. Some param names are missing")
        return [name for name, _ in params]

    def _check_group(self, group: dict) -> None:
        """Raise TypeError for a hyper-parameter that is not a number where the default is
        one (subclasses extend this)."""
        for name, default in self.defaults.items():
            if isinstance(default, numbers.Real) and not isinstance(default, bool):
                check_number(type(self).__name__, name, group[name])
        if "betas" in self.defaults:
            check_betas(type(self).__name__, group["betas"])

    # --- the update -----------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given (the
        closure re-evaluates the model and the loss, with grad enabled)."""
        loss = None
        self._opt_called = True  # read by lr_scheduler: warns when it steps before us
        if closure is not None:
            with enable_grad():
                loss = closure()
        update, state = self._update, self._state
        for group in self.param_groups:
            if group.get("capturable"):
                self._refuse_capturable(group)
            read = group if not isinstance(group.get("lr"), Tensor) else \
                {**group, "lr": number(group["lr"])}  # torch's Tensor lr: read as a number
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                update(p, grad._array, read, state[p])
                p._counter[0] += 1  # the data changed in place (p.bump_version())
        return loss

    def _refuse_capturable(self, group: dict) -> None:
        """torch's ``capturable=True`` (steps recorded into CUDA graphs) needs parameters on
        a GPU: its step refuses CPU parameters that have a gradient, and so does this one."""
        if any(p.grad is not None for p in group["params"]):
            raise RuntimeError(f"{type(self).__name__}: capturable=True needs parameters on a "
                               "CUDA (or other graph-capturing) device; these are CPU arrays: "
                               "pass capturable=False")

    def _update(self, p: Tensor, grad: np.ndarray, group: dict, state: dict) -> None:
        raise NotImplementedError  # pragma: no cover

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set ``.grad`` to None (the default, cheapest) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                elif p.grad.requires_grad:  # a graph-connected grad (create_graph): replace
                    p.grad = from_numpy(np.zeros_like(p._array))
                else:
                    p.grad._array.fill(0)
                    p.grad.bump_version()

    # --- saving and restoring ---------------------------------------------------------------

    def state_dict(self) -> dict:
        """PyTorch's layout: ``{"state": {index: {name: value}}, "param_groups": [{...,
        "params": [indices]}]}``, parameters numbered across groups in order. As in torch,
        array state comes as Tensors sharing the optimizer's arrays (an in-place change
        shows in the optimizer: clone them for a snapshot), ``step`` as a 0-d Tensor (see
        ``_shown``). ``ta.save`` can write it to a file."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state: dict[int, dict[str, Any]] = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self._state.get(p):
                    state[index[id(p)]] = {k: _shown(k, v) for k, v in self._state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by ``state_dict()``. As in torch, the
        state's Tensors are kept, not copied, when they have their parameter's dtype (the
        optimizer and the state dict then share them), and cast otherwise (see
        ``_load_value``). The groups must have the same sizes."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or "param_groups" not in state_dict \
                or "state" not in state_dict:
            hint = "; to load a checkpoint file, pass ta.load(path)" \
                if isinstance(state_dict, (str, bytes)) or hasattr(state_dict, "__fspath__") \
                else ""
            raise TypeError(f"{who}: expected an optimizer state dict (a mapping with 'state' "
                            f"and 'param_groups'), got {type(state_dict).__name__}{hint}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{who}: the state has {len(saved_groups)} parameter group(s), "
                             f"this optimizer has {len(self.param_groups)}")
        by_index: dict[int, Tensor] = {}
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
        self._state = defaultdict(dict, new_state)
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})

    @staticmethod
    def _load_value(who: str, key: Any, name: str, value: Any, p: Tensor) -> Any:
        """One loaded state value, as torch takes it: a Tensor of the parameter's dtype is
        kept (the optimizer then shares it with the state dict), any other is cast to that
        dtype (a copy; so is a torch tensor, whose memory stays torch's); ``step`` becomes
        a Python number (the steps' own form); anything else stays as it is."""
        if isinstance(value, Tensor):
            value = value._array
        elif hasattr(value, "__array__") and not isinstance(value, np.ndarray):
            value = np.asarray(value).copy()  # a torch tensor (torch Adam keeps step as one)
        if not isinstance(value, np.ndarray):
            return value
        if name == "step" and value.ndim == 0:
            return value.item()
        if value.ndim > 0 and value.shape != p.shape:
            raise ValueError(f"{who}: state {name!r} of parameter {key} has shape "
                             f"{value.shape}, but the parameter has shape {p.shape}")
        if value.dtype != p.dtype or not value.flags.writeable:
            value = value.astype(p.dtype)
        return value

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
