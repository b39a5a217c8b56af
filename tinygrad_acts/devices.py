"""``ta.device``: torch.device's value type, on a framework whose only device is the CPU.

A device is a ``type`` ("cpu", "cuda", ...) and an optional ``index``. As in torch, any of
torch's device types can be *named* (``ta.device("cuda:0")`` builds, so the tutorial line
``device = ta.device("cuda:0" if ta.cuda.is_available() else "cpu")`` runs); only *using*
one other than the CPU (``x.to(device)``, ``ta.zeros(2, device=device)``) is refused.

Equality is torch's too: two devices are equal when type and index are; a device never
equals a string (``x.device == "cpu"`` is False in torch as well: compare
``x.device.type == "cpu"``).

Example:
    >>> import tinygrad_acts as ta
    >>> d = ta.device("cuda", 0)
    >>> d, str(d), d.type, d.index
    (device(type='cuda', index=0), 'cuda:0', 'cuda', 0)
    >>> ta.device("cpu") == ta.device(type="cpu"), ta.device("cpu") == ta.device("cpu", 0)
    (True, False)
"""
from __future__ import annotations

from typing import Any

__all__ = ["device", "CPU_DEVICE", "DEVICE_TYPES"]

#: the device types torch's parser knows (its error message lists them in this order)
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:
    """torch.device: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 0)``,
    ``device(type="cpu")`` or ``device(other_device)``.

    Args:
        type: a device string ("cpu", "cuda", "cuda:1", ...) or a device (copied).
        index: the device's ordinal, default None (not part of the string then).

    Raises RuntimeError for an unknown type, a malformed or negative index, an index given
    twice, or an integer alone (torch reads that as an accelerator's index, and there is
    none here). ``with ta.device("cpu"):`` is torch's default-device context; on the CPU
    it changes nothing (the CPU is already the default), any other device is refused.
    """

    __slots__ = ("_type", "_index")
    _type: str
    _index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = _copied(type, index)
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        elif not isinstance(type, str):
            raise TypeError(f"device(): argument 'type' must be str or device, not "
                            f"{builtin_type(type).__name__}")
        kind, given = _parse(type)
        if given is not None and index is not None:
            raise RuntimeError("type (string) must not include an index because index was "
                               f"passed explicitly: {type}")
        index = given if index is None else _checked_index(index)
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_index", index)

    @property
    def type(self) -> str:
        """The device type: "cpu", "cuda", ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device's ordinal, or None when none was given."""
        return self._index

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"device: attribute '{name}' is read-only (as torch's)")

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash(("device", self._type, self._index))

    def __reduce__(self) -> tuple:
        return (device, (self._type, self._index))

    def __enter__(self) -> device:
        if self._type != "cpu":
            raise RuntimeError(f"device {str(self)!r}: tinygrad_acts runs on numpy, on the "
                               "CPU only")
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


builtin_type = type


def _copied(other: device, index: int | None) -> tuple[str, int | None]:
    if index is not None:
        raise RuntimeError("device(): an index cannot be given with a device to copy")
    return other.type, other.index


def _parse(text: str) -> tuple[str, int | None]:
    """("cuda", 0) from "cuda:0", ("cpu", None) from "cpu"; torch's errors otherwise."""
    kind, colon, rest = text.partition(":")
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start "
                           f"of device string: {text}")
    if not colon:
        return kind, None
    if not rest.isdigit() or (len(rest) > 1 and rest[0] == "0"):
        raise RuntimeError(f"Invalid device string: '{text}'")
    return kind, int(rest)


def _checked_index(index: Any) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"device(): argument 'index' must be int, not "
                        f"{builtin_type(index).__name__}")
    if index < 0:
        raise RuntimeError(f"Device index must not be negative, got {index}")
    return index


#: the one device tensors live on (``x.device``)
CPU_DEVICE = device("cpu")
