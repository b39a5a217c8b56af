"""``ta.amp``: torch.amp's mixed-precision API (``GradScaler``, ``autocast``), as it behaves
on a CPU.

**GradScaler** is torch's loss scaler, complete: ``scale(loss)`` multiplies by the scale,
``unscale_(optimizer)`` divides the gradients back and looks for inf / nan, ``step``
skips the optimizer's step when it found one, and ``update`` shrinks the scale after an
overflow (``backoff_factor``) or grows it after ``growth_interval`` clean steps. As in
torch, a scaler for "cuda" (the default device, and ``ta.cuda.amp.GradScaler``) warns that
CUDA is not available and disables itself, and a disabled scaler is a pass-through, so the
usual AMP training loop runs unchanged::

    scaler = ta.amp.GradScaler(enabled=use_amp)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()

``GradScaler("cpu")`` is enabled, as torch's, and scales float32 gradients for real.

**autocast** with ``enabled=False`` is a pass-through (context manager and decorator), and
so is one for "cuda" (torch warns and disables it when CUDA is absent).

NOTE (a limitation): an *enabled* CPU autocast is refused with a NotImplementedError.
torch's runs matmuls, convolutions and linear layers in bfloat16 there, a dtype numpy does
not have, and float16 autocasting would need every op to consult the autocast state; this
framework does neither. A dtype CPU autocast does not support (float32, float64) is
disabled with torch's warning.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .autograd import no_grad
from .devices import _parse
from .tensor import Tensor

__all__ = ["GradScaler", "autocast", "is_autocast_available", "is_autocast_enabled",
           "custom_fwd", "custom_bwd"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """torch.amp.GradScaler: dynamic loss scaling for mixed-precision training.

    Args:
        device: the device the scaler serves, default "cuda" (disabled here, with torch's
            warning); "cpu" gives an enabled scaler.
        init_scale: the first scale (default 2**16).
        growth_factor: the scale is multiplied by it after ``growth_interval`` steps
            without inf / nan (default 2.0, must be > 1).
        backoff_factor: the scale is multiplied by it after a step with inf / nan (default
            0.5, must be < 1).
        growth_interval: default 2000.
        enabled: False makes every method a pass-through (``scale`` returns its input,
            ``step`` calls ``optimizer.step()``).

    Example:
        >>> import tinygrad_acts as ta
        >>> p = ta.nn.Parameter(ta.ones(2))
        >>> opt = ta.optim.SGD([p], lr=0.1)
        >>> scaler = ta.amp.GradScaler("cpu", init_scale=4.0)
        >>> scaler.scale((p * p).sum()).backward()
        >>> p.grad
        tensor([8., 8.])
        >>> scaler.step(opt)
        >>> scaler.update()
        >>> p.grad, p.tolist(), scaler.get_scale()
        (tensor([2., 2.]), [0.800000011920929, 0.800000011920929], 4.0)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        if enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled
        if enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale, self._growth_factor = init_scale, growth_factor
        self._backoff_factor, self._growth_interval = backoff_factor, growth_interval
        self._init_growth_tracker = 0
        self._scale: np.float32 | None = None  # made by the first scale(), as torch's
        self._growth_tracker: int | None = None
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    # --- the training-loop calls: scale / unscale_ / step / update -------------------------

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a Tensor, or nested lists / tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = np.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker
        return self._scaled(outputs)

    def _scaled(self, value: Any) -> Any:
        if isinstance(value, Tensor):
            return value * Tensor._wrap(np.array(self._scale, np.float32))
        if isinstance(value, Iterable):
            scaled = map(self._scaled, value)
            return type(value)(scaled) if isinstance(value, (list, tuple)) else scaled
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and
        record whether any is inf or nan. Once per optimizer between two ``update()``s
        (call it before clipping gradients); ``step`` calls it if you did not."""
        if not self._enabled:
            return
        self._check_scale("unscale_")
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # NOTE: torch's inverse scale: the float64 reciprocal, rounded to float32
        inv_scale = float(np.float32(1.0 / np.float64(self._scale)))
        found: dict[str, float] = {}
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.dtype == np.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    p.grad.mul_(inv_scale)
                    found["cpu"] = found.get("cpu", 0.0) + float(
                        not np.isfinite(p.grad._array).all())
        state["found_inf_per_device"] = {k: float(v > 0) for k, v in found.items()}
        state["stage"] = _UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` on the unscaled gradients, skipped when they
        hold an inf or nan; returns what the step returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        self._check_scale("step")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if not state["found_inf_per_device"]:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        if not sum(state["found_inf_per_device"].values()):
            result = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adjust the scale: backoff after a step that found inf / nan, growth after
        ``growth_interval`` clean steps; or set it to ``new_scale``. Ends the iteration
        (every optimizer may be unscaled and stepped again)."""
        if not self._enabled:
            return
        self._check_scale("update")
        if new_scale is not None:
            self._scale = np.float32(_scale_value(new_scale))
        else:
            found = [v for s in self._per_optimizer.values()
                     for v in s["found_inf_per_device"].values()]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            self._grow_or_back_off(sum(found) > 0)
        self._per_optimizer = {}

    def _grow_or_back_off(self, found_inf: bool) -> None:
        assert self._scale is not None and self._growth_tracker is not None
        if found_inf:
            self._scale = np.float32(float(self._scale) * self._backoff_factor)
            self._growth_tracker = 0
            return
        clean = self._growth_tracker + 1
        if clean == self._growth_interval:
            grown = np.float32(float(self._scale) * self._growth_factor)
            if np.isfinite(grown):
                self._scale = grown
            clean = 0
        self._growth_tracker = clean

    def _check_scale(self, who: str) -> None:
        if self._scale is None:
            raise AssertionError(f"Attempted {who} but _scale is None.  This may indicate "
                                 "your script did not use scaler.scale(loss or outputs) "
                                 "earlier in the iteration.")

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(
            id(optimizer), {"stage": _READY, "found_inf_per_device": {}})

    # --- settings and checkpoints -------------------------------------------------------

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (``init_scale`` before the first ``scale``; 1.0 if disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale if self._scale is None else self._scale)

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None \
            else self._growth_tracker

    def state_dict(self) -> dict[str, Any]:
        """torch's keys: scale, growth_factor, backoff_factor, growth_interval,
        _growth_tracker ({} for a disabled scaler)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s values (nothing happens on a disabled scaler)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was "
                               "saved from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._scale is not None:
            self._scale = np.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker


def _scale_value(new_scale: Any) -> float:
    if isinstance(new_scale, Tensor):
        if new_scale.numel() != 1 or new_scale.dtype != np.float32 or new_scale.requires_grad:
            raise AssertionError("new_scale should be a float or a 1-element "
                                 "torch.FloatTensor with requires_grad=False.")
        return float(new_scale.item())
    return float(new_scale)


class autocast:
    """torch.autocast / torch.amp.autocast(device_type, dtype=None, enabled=True,
    cache_enabled=None), as a context manager or a decorator.

    Here it never changes a dtype: ``enabled=False`` is a pass-through, an autocast for a
    device other than the CPU is disabled with torch's warning (there is none here), and an
    enabled CPU autocast raises NotImplementedError (bfloat16, torch's CPU autocast dtype,
    does not exist in numpy; see the module's NOTE).

    Example:
        >>> import tinygrad_acts as ta
        >>> with ta.autocast("cpu", enabled=False):
        ...     y = ta.ones(2, 2) @ ta.ones(2, 2)
        >>> y.dtype
        dtype('float32')
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        self.device = _parse(device_type)[0]
        self.fast_dtype = _dtype_name(dtype, "bfloat16" if self.device == "cpu" else "float16")
        self._cache_enabled = cache_enabled
        self._enabled = enabled and self._supported()

    def _supported(self) -> bool:
        if self.device != "cpu":
            message = ("CUDA is not available or torch_xla is imported. Disabling autocast."
                       if self.device == "cuda" else
                       f"autocast: device_type '{self.device}' is not available (tinygrad_acts "
                       "runs on the CPU). Disabling autocast.")
            warnings.warn(message, UserWarning, stacklevel=3)
            return False
        if self.fast_dtype not in ("bfloat16", "float16"):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", UserWarning, stacklevel=3)
            return False
        raise NotImplementedError(
            f"autocast('cpu', dtype={self.fast_dtype}): mixed precision on the CPU is not "
            "implemented in tinygrad_acts (torch runs matmuls, convolutions and linear layers "
            "in bfloat16 there, a dtype numpy lacks); pass enabled=False (a pass-through), or "
            "convert the model and inputs with .half() / .double() instead")

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return run


def _dtype_name(dtype: Any, default: str) -> str:
    if dtype is None:
        return default
    if isinstance(dtype, str) and dtype.removeprefix("torch.") == "bfloat16":
        return "bfloat16"
    return np.dtype(dtype).name


def is_autocast_available(device_type: str) -> bool:
    """False for every device: autocast never changes a dtype here (torch says True for
    "cpu", where it casts to bfloat16; see the module's NOTE)."""
    _parse(device_type)
    return False


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """torch.is_autocast_enabled: False, always (no autocast region ever casts here)."""
    if device_type is not None:
        _parse(device_type)
    return False


def custom_fwd(fwd: Callable | None = None, *, device_type: str,
               cast_inputs: Any = None) -> Any:
    """torch.amp.custom_fwd for an ``autograd.Function``'s forward. It casts the inputs
    only inside an enabled autocast region, which never exists here, so ``fwd`` runs as it
    is (exactly what torch does outside autocast)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    _parse(device_type)
    return fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Any:
    """torch.amp.custom_bwd for an ``autograd.Function``'s backward: runs the backward under
    the forward's autocast state, which here is always "off", so ``bwd`` runs as it is."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    _parse(device_type)
    return bwd
