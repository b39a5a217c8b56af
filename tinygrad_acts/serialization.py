"""Checkpoints: ``ta.save(state_dict, path)`` and ``ta.load(path)`` as numpy ``.npz`` files.

Loading never unpickles (``allow_pickle=False``), so opening a checkpoint cannot run code;
writing goes to a temporary file that replaces the target only once it is complete, so a
crash mid-save leaves the previous checkpoint intact.

Key scheme. A flat ``{name: array}`` dict (a model's ``state_dict()``) is stored as it is:
one .npz entry per name, readable with plain ``np.load``. Anything nested (an optimizer's
``state_dict()``: dicts with int keys, lists, Python numbers) is flattened: each array is
stored under its path, the keys joined by ``/`` (``state/0/momentum_buffer``), and a JSON
description of the containers and the plain Python values is stored as a string under
``__tinygrad_acts_structure__``, from which ``load`` rebuilds the same object.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable, Mapping

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "atomic_write"]

STRUCTURE_KEY = "__tinygrad_acts_structure__"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries / an empty zip


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to
    ``path`` (atomic on POSIX and Windows). On any error the temporary file is removed and
    an existing ``path`` is left untouched."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _as_saveable(value: Any, where: str) -> np.ndarray:
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.hasobject:
        raise TypeError(f"save: {where} is an object array (dtype {arr.dtype}); it would need "
                        "pickle, which checkpoints never use. Store numbers or strings.")
    return arr


def _is_flat(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and k != STRUCTURE_KEY and isinstance(v, (np.ndarray, Tensor))
        for k, v in obj.items())


def _flatten(obj: Any, path: str, arrays: dict) -> Any:
    """The JSON description of ``obj``; its arrays go into ``arrays`` under their paths."""
    if isinstance(obj, (np.ndarray, Tensor, np.generic)):
        key = path or "_"
        if key in arrays:
            raise ValueError(f"save: two entries flatten to the same key {key!r}; avoid '/' "
                             "in dict keys")
        arrays[key] = _as_saveable(obj, repr(key))
        return {"array": key}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} "
                                f"at {path or 'the top level'}")
            items.append([k, _flatten(v, f"{path}/{k}" if path else str(k), arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_flatten(v, f"{path}/{i}" if path else str(i), arrays)
                       for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store a {type(obj).__name__} (at {path or 'the top level'});"
                    " checkpoints hold arrays, numbers, strings, None, and dicts/lists of them")


def _unflatten(spec: dict, arrays: dict) -> Any:
    if "array" in spec:
        return arrays[spec["array"]]
    if "value" in spec:
        return spec["value"]
    if "dict" in spec:
        return OrderedDict((k, _unflatten(v, arrays)) for k, v in spec["dict"])
    if "list" in spec:
        return [_unflatten(v, arrays) for v in spec["list"]]
    return tuple(_unflatten(v, arrays) for v in spec["tuple"])


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a state dict (or any nest of dicts/lists of arrays and numbers) to ``path``
    as an uncompressed .npz file, atomically.

    Args:
        obj: e.g. ``model.state_dict()`` or ``optimizer.state_dict()``; Tensors are stored
            as their arrays.
        path: the file to write (used exactly as given; no suffix is added).

    Example:
        >>> import os, tempfile
        >>> import tinygrad_acts as ta
        >>> model = ta.nn.Linear(3, 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> ta.save(model.state_dict(), path)
        >>> sorted(ta.load(path))
        ['bias', 'weight']
    """
    arrays: dict[str, np.ndarray] = {}
    if _is_flat(obj):
        for k, v in obj.items():
            arrays[k] = _as_saveable(v, repr(k))
    else:
        structure = _flatten(obj, "", arrays)
        arrays[STRUCTURE_KEY] = np.array(json.dumps(structure))
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by ``save``: a flat state dict comes back as an
    ``OrderedDict`` of ndarrays (ready for ``load_state_dict``); a nested one as it was.

    Raises:
        ValueError: the file is not an .npz archive, is truncated or corrupt, or holds
            object arrays (which would need pickle: refused, as loading must not run code).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in _ZIP_SIGNATURES:
        raise ValueError(f"load: {path!r} is not an .npz checkpoint (it does not start with "
                         f"the zip signature; first bytes {head!r})")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(f"load: {path!r} holds object arrays, which only pickle can read; "
                             "refused, because unpickling a file can run arbitrary code") from None
        raise ValueError(f"load: {path!r} is corrupt: {e}") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
        raise ValueError(f"load: {path!r} is truncated or corrupt "
                         f"({type(e).__name__}: {e})") from None
    if STRUCTURE_KEY not in arrays:
        return OrderedDict(arrays)
    try:
        structure = json.loads(str(arrays.pop(STRUCTURE_KEY)))
        return _unflatten(structure, arrays)
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"load: {path!r} has a damaged structure record ({e})") from None
