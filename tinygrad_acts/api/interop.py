"""Interop: DLPack exchange (Tensor.__dlpack__, ta.from_dlpack) with numpy and torch, and
checkpoints in the safetensors format (ta.save_safetensors / ta.load_safetensors).

DLPack hands over an array's memory, not a copy: ``torch.from_dlpack(t)`` and
``np.from_dlpack(t)`` see (and write) the same bytes as ``t``, and ``ta.from_dlpack(x)``
wraps a torch tensor's or any DLPack producer's memory as a Tensor. CPU only, as the
package is.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..serialization import load_safetensors, save_safetensors
from ..tensor import Tensor, check_device
from . import method

__all__ = ["from_dlpack", "save_safetensors", "load_safetensors"]


@method
def __dlpack__(self: Tensor, *, stream: Any = None, max_version: tuple[int, int] | None = None,
               dl_device: Any = None, copy: bool | None = None) -> Any:
    """The DLPack capsule of this tensor's memory (the consumer shares it, no copy).

    Args:
        stream: must be None (CPU). max_version, dl_device, copy: the DLPack protocol's
            keywords, passed on to numpy's exporter.

    Example:
        >>> import numpy as np, tinygrad_acts as ta
        >>> t = ta.zeros(3)
        >>> view = np.from_dlpack(t)
        >>> view[0] = 7.0
        >>> t
        tensor([7., 0., 0.])
    """
    if self.requires_grad:
        # NOTE: as torch: the consumer's writes would bypass autograd's version counter
        raise BufferError("__dlpack__: can't export tensors that require gradient, use "
                          "tensor.detach()")
    if any(s < 0 for s in self._array.strides):
        # NOTE: DLPack allows negative strides, but torch's importer aborts the process on
        # them (torch 2.13): refuse, rather than hand over a crash
        raise BufferError(f"__dlpack__: the tensor of shape {self.shape} has negative strides "
                          f"{self._array.strides} (a flipped view); export t.contiguous()")
    kwargs: dict[str, Any] = {"stream": stream}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return self._array.__dlpack__(**kwargs)


@method
def __dlpack_device__(self: Tensor) -> tuple[int, int]:
    """(device type, device id) for DLPack: (1, 0), the CPU.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.zeros(1).__dlpack_device__()
        (1, 0)
    """
    kind, index = self._array.__dlpack_device__()
    return int(kind), int(index)


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A Tensor sharing the memory of a DLPack producer (a torch CPU tensor, an ndarray,
    any object with ``__dlpack__``), as ``torch.from_dlpack``; ``copy=True`` copies.

    Args:
        ext_tensor: the producer. device: None or "cpu". copy: True copies, False never
            does, None shares when possible.

    Shape: the producer's.

    Example:
        >>> import numpy as np, tinygrad_acts as ta
        >>> a = np.arange(3.0)
        >>> t = ta.from_dlpack(a)
        >>> a[0] = 5.0
        >>> t
        tensor([5., 1., 2.], dtype=float64)
    """
    check_device(device)
    if isinstance(ext_tensor, Tensor):
        ext_tensor = ext_tensor._array
    array = np.from_dlpack(ext_tensor, copy=copy)
    return Tensor._make(array, False, None)
