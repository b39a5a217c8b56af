"""Checkpoints: ``ta.save(obj, path)`` and ``ta.load(path)`` as numpy ``.npz`` files.

Safety. Loading never unpickles, and it reads the zip archive itself (not ``np.load``),
checking each member before reading its bytes: only uncompressed ``.npy`` members of
number, bool or string dtypes, whose header accounts for exactly the bytes the member
stores, that do not overlap, so a file can never make ``load`` allocate more than its own
size. The structure record (below) lists every member with its dtype, shape and SHA-256, so
a file with a member missing, added or changed is refused. Every bad file is a
``ValueError`` naming the file. Writing goes to a temporary file next to the target that
replaces it only once complete (a crash mid-save leaves the previous checkpoint intact); an
existing file keeps its permissions, and a symlink is written through, not replaced.

Layout (format version 4). The first member, ``__tinygrad_acts_structure__``, is a JSON
string (a 0-d unicode array)::

    {"format": "tinygrad_acts", "version": 4, "tree": ...,
     "storages": [{"member": ..., "dtype": "<f4", "shape": [2, 3], "sha256": ...}, ...]}

A storage is a block of memory that one or more arrays view, as torch's storages are: the
bytes a group of arrays sharing one owner spans. When one of them is contiguous and spans
exactly those bytes (an array that shares with nothing, or the base of views), the storage
is that array itself, so plain ``np.load`` reads it as saved; else it is the raw bytes.
The tree describes the object, one node per value::

    {"value": JSON value}   {"complex": [re, im]}   {"bytes": base64}   {"dtype": "<f4"}
    {"list" | "tuple" | "set" | "frozenset": [node, ...], "memo": n}
    {"namedtuple": [node, ...], "type": [module, qualname, fields], "memo": n}
    {"size": [node, ...], "memo": n}   (a ta.Size, torch.Size: a tensor's shape)
    {"dict" | "odict": [[key, node], ...], "attrs": [[name, node], ...], "memo": n}
    {"array": leaf, "memo": n}   {"scalar": leaf}   {"ref": n}
    {"tensor" | "parameter": {"data": array node, "requires_grad": bool}, "memo": n}

where a leaf is ``{"storage": i, "offset": bytes, "shape": [...], "strides": [bytes],
"dtype": "<f4"}`` (plus ``"readonly": true`` for a read-only array), a dict key is a str,
an int or a node, and ``{"ref": n}`` is the object remembered as number n (pickle's memo:
an object saved twice comes back once, a list that holds itself holds itself again).
Every leaf is checked to lie inside its storage before a view is made. Each storage is
stored under the key path of the first array using it, joined by ``/`` (``0.weight``,
``state/0/momentum_buffer``) when that is a plain name; any other key (spaces,
``allow_pickle``-style reserved names, two paths that collide) gets a generated member
name ``__tinygrad_acts_<i>__``. The real keys are the tree's.

Older files still load: format 3 (``"arrays"`` instead of storages, ``{"tensor": [i,
requires_grad]}`` leaves, each array its own member, dicts as OrderedDicts), format 2
(Tensors stored as arrays), format 1 (no "version" in the record) and plain ``np.savez``
files of arrays (no record; format 1 and these without checksums).

``path`` may also be a binary file object (``io.BytesIO``, an open file), as torch's:
``save`` writes into it (not atomically: the caller owns it), ``load`` reads it from its
current position. Refused, always: pickled objects of any kind (class instances,
functions, object arrays): a checkpoint holds only data. A named tuple comes back as its
own class when that is already imported (looked up, never imported: loading runs no code
of the file's choosing), else as a named tuple type of the same name and fields.

The safetensors format (``save_safetensors`` / ``load_safetensors``, below) is the other
checkpoint format: a flat name -> array mapping that torch's, JAX's and other frameworks'
loaders read directly. It is written and read here with numpy alone (the ``safetensors``
package is not needed), with the same checks on every offset before anything is read.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import inspect
import io
import json
import math
import os
import re
import secrets
import sys
import zipfile
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping
from typing import IO, Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from .size import Size
from .tensor import Tensor, check_device

__all__ = ["save", "load", "atomic_write", "save_safetensors", "load_safetensors"]

STRUCTURE_KEY = "__tinygrad_acts_structure__"
FORMAT_VERSION = 4
MAX_DEPTH = 100  # containers nested deeper than this are refused (at save and at load)
_RESERVED = "__tinygrad_acts"  # member names with this prefix are ours, never a user's key
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries / an empty zip
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*\Z")
_MAX_NAME = 200
_DTYPE_KINDS = "biufcUSmM"  # bool, ints, floats, complex, strings, datetimes: no objects
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name
_CHUNK = 1 << 24
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# NOTE: on malformed bytes, zipfile, numpy's .npy header parser (which runs tokenize and
# ast.literal_eval) and json raise a dozen exception types (BadZipFile, EOFError,
# struct.error, TokenError, SyntaxError, NotImplementedError, UnicodeDecodeError, ...), each
# of which means "corrupt" here; so load catches them all (MemoryError aside: every size is
# checked against the file before anything is allocated).


class _BadFile(Exception):
    """A problem found in a checkpoint; ``load`` turns it into a ValueError naming the file."""


# --- writing ----------------------------------------------------------------------------


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to
    ``path`` (atomic on POSIX and Windows). On any error the temporary file is removed and
    an existing ``path`` is left untouched.

    An existing file keeps its permission bits (a new one gets the usual 0666 & ~umask);
    if ``path`` is a symlink, its target is replaced and the link kept."""
    # NOTE: os.replace on a symlink would replace the link itself: resolve it first, and
    # write the temporary file in the target's directory (a rename must not cross devices)
    target = os.path.realpath(os.fspath(path))
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _create_temporary(target: str) -> tuple[int, str]:
    """A new, empty file next to ``target``. NOTE: made with os.open's mode 0o666, so the
    kernel applies the umask (tempfile.mkstemp would make it 0600, and reading the umask
    with os.umask is not thread-safe)."""
    directory, base = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f"{base}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"save: could not create a temporary file next to {target!r}")


def save(obj: Any, path: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` (a state dict, an optimizer's, or any nest of containers of Tensors,
    arrays and plain values) to ``path`` as an uncompressed .npz file, atomically, keeping
    everything ``torch.save`` keeps:

    - Tensors come back Tensors (Parameters as Parameters) with their dtype and
      ``requires_grad``; ndarrays as ndarrays, numpy scalars as numpy scalars;
    - entries that share memory come back sharing it: a tensor and its views (with their
      offsets, shapes and strides), tied parameters, ``t`` and ``t.numpy()``; one object
      saved twice (``[t, t]``, a list under two keys) comes back as one object, and a list
      or dict that contains itself comes back so;
    - dict, OrderedDict (with its attributes, such as a state dict's ``_metadata``), list,
      tuple, named tuple, set and frozenset; None, bool, int, float, complex, str, bytes,
      and numpy dtypes. Dict keys may be any of these hashable values.

    NOTE: as in torch, a view is saved with the memory its group shares, so saving a small
    slice of a large array writes the part of the array the slice spans.

    Args:
        obj: e.g. ``model.state_dict()`` or ``{"model": ..., "optimizer": ..., "epoch": 3}``.
        path: the file to write (used exactly as given; no suffix is added), or a binary
            file object. An existing file keeps its permissions; a symlink is written
            through.

    Raises:
        TypeError: ``obj`` holds something a checkpoint cannot store without pickle (an
            object array, a class instance, a function, ...).
        ValueError: ``obj`` is nested more than ``MAX_DEPTH`` levels deep (or contains
            itself through a tuple).

    Example:
        >>> import os, tempfile
        >>> import tinygrad_acts as ta
        >>> model = ta.nn.Linear(3, 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> ta.save(model.state_dict(), path)
        >>> sorted(ta.load(path))
        ['bias', 'weight']
    """
    packer = _Packer()
    tree = packer.node(obj, [])
    storages = _place_storages(packer.leaves)
    names = _member_names([p for _, p in storages])
    record = {"format": "tinygrad_acts", "version": FORMAT_VERSION, "tree": tree,
              "storages": [_describe(a, n) for (a, _), n in zip(storages, names)]}
    text = np.array(json.dumps(record))  # ensure_ascii: the record is plain ASCII

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            _write_member(archive, STRUCTURE_KEY, text)
            for name, (arr, _) in zip(names, storages):
                _write_member(archive, name, arr)

    if hasattr(path, "write"):  # a file object, as torch.save takes
        write(path)  # type: ignore[arg-type]
        return
    atomic_write(path, write)


def _write_member(archive: zipfile.ZipFile, name: str, arr: np.ndarray) -> None:
    with archive.open(name + ".npy", "w", force_zip64=True) as f:
        npy_format.write_array(f, arr, allow_pickle=False)


def _where(path: list) -> str:
    return "/".join(map(str, path)) if path else "the top level"


def _saveable(arr: np.ndarray, path: list) -> np.ndarray:
    if arr.dtype.hasobject:
        raise TypeError(f"save: {_where(path)!r} is an object array (dtype {arr.dtype}); it "
                        "would need pickle, which checkpoints never use. Store numbers or "
                        "strings.")
    if arr.dtype.kind not in _DTYPE_KINDS or arr.dtype.fields is not None \
            or arr.dtype.itemsize == 0:
        raise TypeError(f"save: {_where(path)!r} has dtype {arr.dtype}; checkpoints hold "
                        "arrays of bools, numbers, strings or datetimes (store a structured "
                        "array's fields as separate arrays)")
    return arr


class _Packer:
    """Builds the tree that describes an object (format 4). Every container, Tensor and
    ndarray gets a memo number; meeting the same object again gives ``{"ref": n}``, as
    pickle's memo does. Each array becomes a leaf whose place in memory (storage, offset,
    strides) ``_place_storages`` fills in once every array is known."""

    def __init__(self) -> None:
        self.memo: dict[int, tuple[Any, int]] = {}  # id -> (the object, kept alive; number)
        self.leaves: list[tuple[np.ndarray, list, dict]] = []  # (array, key path, leaf)

    def _remember(self, obj: Any, node: dict) -> dict:
        node["memo"] = len(self.memo)
        self.memo[id(obj)] = (obj, node["memo"])
        return node

    def node(self, obj: Any, path: list) -> dict:
        if len(path) > MAX_DEPTH:
            raise ValueError(f"save: the object is nested more than {MAX_DEPTH} levels deep "
                             f"(at {_where(path[:3])}/...); does it contain itself?")
        seen = self.memo.get(id(obj))
        if seen is not None:
            return {"ref": seen[1]}
        if isinstance(obj, Tensor):
            data = self.node(obj._array, path)
            kind = "parameter" if isinstance(obj, _parameter_class()) else "tensor"
            return self._remember(obj, {kind: {"data": data,
                                               "requires_grad": bool(obj.requires_grad)}})
        if isinstance(obj, np.ndarray):
            return self._remember(obj, {"array": self._leaf(obj, path)})
        if isinstance(obj, Mapping):
            return self._mapping(obj, path)
        if isinstance(obj, list):
            node = self._remember(obj, {"list": []})  # before its items: it may hold itself
            node["list"] += [self.node(v, path + [i]) for i, v in enumerate(obj)]
            return node
        if isinstance(obj, (tuple, set, frozenset)):
            return self._collection(obj, path)
        return self._plain(obj, path)

    def _plain(self, obj: Any, path: list) -> dict:
        """The node of a value that holds no other object (a number, a string, ...)."""
        if isinstance(obj, np.generic):  # (before float: np.float64 is a float)
            return {"scalar": self._leaf(np.array(obj), path)}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return {"value": obj}  # (bool, int, float, str subclasses are stored as these)
        if isinstance(obj, np.dtype):
            return {"dtype": _saveable(np.empty(0, obj), path).dtype.str}
        if isinstance(obj, complex):
            return {"complex": [obj.real, obj.imag]}
        if isinstance(obj, bytes):
            return {"bytes": base64.b64encode(obj).decode("ascii")}
        raise TypeError(f"save: cannot store a {type(obj).__name__} (at {_where(path)}); "
                        "checkpoints hold Tensors, arrays, numbers, strings, bytes, None, and "
                        "dicts/lists/tuples/sets of them")

    def _mapping(self, obj: Mapping, path: list) -> dict:
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        node = self._remember(obj, {kind: []})
        for k, v in obj.items():
            key = k if isinstance(k, str) or (type(k) is int) else self._key(k, path)
            node[kind].append([key, self.node(v, path + [k])])
        attrs = getattr(obj, "__dict__", None)
        if attrs:  # e.g. a state dict's _metadata, which pickle (and so torch.save) keeps
            node["attrs"] = [[name, self.node(v, path + [name])] for name, v in attrs.items()]
        return node

    def _key(self, key: Any, path: list) -> dict:
        """A key that is not a str or int: stored as a node (the tree's pairs hold a raw
        JSON str or int, or a node)."""
        try:
            hash(key)
        except TypeError:
            raise TypeError(f"save: dict key {key!r} at {_where(path)} is not hashable") from None
        return self.node(key, path)

    def _collection(self, obj: tuple | set | frozenset, path: list) -> dict:
        items = [self.node(v, path + [i]) for i, v in enumerate(obj)]
        fields = getattr(type(obj), "_fields", None)
        if isinstance(obj, Size):
            node: dict = {"size": items}
        elif isinstance(obj, tuple) and fields is not None:
            cls = type(obj)
            node = {"namedtuple": items,
                          "type": [cls.__module__, cls.__qualname__, list(fields)]}
        else:
            kind = "tuple" if isinstance(obj, tuple) else type(obj).__name__ \
                if type(obj) in (set, frozenset) else "set"
            node = {kind: items}
        # NOTE: remembered after its items (as pickle does for tuples), so a tuple that
        # contains itself (through a list) recurses to the depth limit: a clear error
        return self._remember(obj, node)

    def _leaf(self, arr: np.ndarray, path: list) -> dict:
        leaf = {"dtype": _saveable(arr, path).dtype.str, "shape": list(arr.shape)}
        if not arr.flags.writeable:
            leaf["readonly"] = True
        self.leaves.append((arr, path, leaf))
        return leaf


def _owner(arr: np.ndarray) -> np.ndarray:
    """The last ndarray in ``arr``'s chain of bases: the one whose memory its views share."""
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _bounds(arr: np.ndarray) -> tuple[int, int]:
    """The first byte address a non-empty array reaches, and one past its last."""
    lo = hi = arr.__array_interface__["data"][0]
    for n, stride in zip(arr.shape, arr.strides):
        if stride < 0:
            lo += (n - 1) * stride
        else:
            hi += (n - 1) * stride
    return lo, hi + arr.itemsize


def _contiguous(arr: np.ndarray) -> bool:
    return bool(arr.flags.c_contiguous or arr.flags.f_contiguous)


def _place_storages(leaves: list[tuple[np.ndarray, list, dict]]) -> list[tuple[np.ndarray,
                                                                               list]]:
    """The storages to write, with the key path each is named after, and each leaf's place
    in one: ``storage`` (index), ``offset`` (bytes) and ``strides`` (bytes).

    Arrays that share an owner share one storage: the bytes their group spans. When one
    of them is contiguous and spans exactly those bytes (the base of the others, or an
    array that shares with nothing, the usual case), the storage is that array itself, so
    plain ``np.load`` reads it as it was; otherwise it is the raw bytes (uint8)."""
    groups: dict[int, list[np.ndarray]] = {}  # id(owner) -> the non-empty arrays viewing it
    for arr, _, _ in leaves:
        owner = _owner(arr)
        if arr.size and _contiguous(owner):
            groups.setdefault(id(owner), []).append(arr)
    storages: list[tuple[np.ndarray, list]] = []
    slots: dict[int, tuple[int, int] | None] = {}  # id(owner) -> (storage, start address)
    for arr, path, leaf in leaves:
        owner = _owner(arr)
        key = id(owner)
        if arr.size and key in groups and key not in slots:
            slots[key] = None
            found = _group_storage(owner, groups[key])
            if found is not None:
                slots[key] = (len(storages), found[1])
                storages.append((found[0], path))
        slot = slots.get(key) if arr.size else None
        if slot is not None:
            first = arr.__array_interface__["data"][0]  # the address of element [0, ...]
            leaf.update(storage=slot[0], offset=first - slot[1], strides=list(arr.strides))
            continue
        copy = np.array(arr, order="C")  # empty, or over memory no ndarray owns contiguously
        leaf.update(storage=len(storages), offset=0, strides=list(copy.strides))
        storages.append((copy, path))
    return storages


def _group_storage(owner: np.ndarray, arrays: list[np.ndarray]
                   ) -> tuple[np.ndarray, int] | None:
    """The storage of the arrays viewing ``owner`` and the address it starts at: one of
    them if it is contiguous and spans all the others, else the bytes of ``owner`` that
    they span (None if that strays outside ``owner``)."""
    bounds = [_bounds(a) for a in arrays]
    span = (min(b[0] for b in bounds), max(b[1] for b in bounds))
    for arr, b in zip(arrays, bounds):
        if b == span and _contiguous(arr):
            return arr, span[0]
    start = _bounds(owner)[0]
    lo, hi = span[0] - start, span[1] - start
    if lo < 0 or hi > owner.nbytes:
        return None
    return owner.ravel(order="K").view(np.uint8)[lo:hi], span[0]  # (a view: contiguous)


def _member_names(paths: list) -> list[str]:
    """The zip member name (without .npy) of each array: its key path when that is a plain
    name, else a generated one. Names are unique, also ignoring case (for unzip on macOS
    and Windows)."""
    used = {STRUCTURE_KEY.lower()}
    names = []
    for i, path in enumerate(paths):
        name = "/".join(map(str, path))
        if (not _PLAIN_NAME.match(name) or len(name) > _MAX_NAME
                or name.startswith(_RESERVED) or name.lower() in used):
            name = f"{_RESERVED}_{i}__"
        used.add(name.lower())
        names.append(name)
    return names


def _digest(arr: np.ndarray) -> str:
    """SHA-256 of the array's elements in C order (whatever its memory layout)."""
    flat = arr.reshape(-1)  # a view if C-contiguous, else a C-order copy
    return hashlib.sha256(flat.view(np.uint8).data if flat.size else b"").hexdigest()


def _describe(arr: np.ndarray, name: str) -> dict:
    return {"member": name, "dtype": arr.dtype.str, "shape": list(arr.shape),
            "sha256": _digest(arr)}


# --- reading ----------------------------------------------------------------------------


def load(path: str | os.PathLike | BinaryIO, map_location: Any = None, *,
         weights_only: bool | None = None) -> Any:
    """Read a checkpoint written by ``save``: everything comes back as it was saved (see
    ``save``): Tensors as Tensors and Parameters as Parameters (dtype and requires_grad
    kept), sharing memory where they shared it, one object where one object was saved
    twice; ndarrays as ndarrays; dicts as dicts and OrderedDicts as OrderedDicts (a state
    dict with its ``_metadata``), ready for ``load_state_dict``. (Files written before
    format version 4 give OrderedDicts for every dict, and before version 3 ndarrays where
    Tensors were saved.)

    Args:
        path: the file, or a binary file object (read from its current position).
        map_location: as torch's: None, a device (``"cpu"``, ``torch.device("cpu")``; any
            other device is refused), a dict from saved locations to devices, or a function
            ``(storage, location) -> storage or None`` called on each storage (a uint8
            Tensor of its bytes; location ``"cpu"``), whose result replaces it.
        weights_only: accepted for PyTorch's sake and ignored: loading never unpickles, so
            it is always weights-only (named tuples and numpy values too, which torch's
            weights-only loading refuses).

    Raises:
        ValueError: the file is not an .npz archive, is truncated or corrupt, fails its
            checksums, holds anything but uncompressed arrays of numbers or strings, or
            holds object arrays (which would need pickle: refused, as loading must not run
            code), or a view that strays outside its storage. The message names the file.
    """
    relocate = _relocation(map_location)
    if hasattr(path, "read"):  # a file object, as torch.load takes
        return _load_from(io.BytesIO(path.read()), "<file object>", relocate)
    path = os.fspath(path)
    with open(path, "rb") as f:
        return _load_from(f, path, relocate)


def _load_from(f: BinaryIO, path: str,
               relocate: Callable[[np.ndarray], np.ndarray] | None = None) -> Any:
    """``load`` of an open binary file (named ``path`` in errors)."""
    head = f.read(4)
    if head not in _ZIP_SIGNATURES:
        raise ValueError(f"load: {path!r} is not an .npz checkpoint (it does not start "
                         f"with the zip signature; first bytes {head!r})")
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    try:
        return _read_archive(f, size, relocate)
    except _BadFile as e:
        raise ValueError(f"load: {path!r} {e}") from None
    except _CallerError as e:
        raise e.error from None
    except MemoryError:
        raise  # not the file's fault: every size was checked against the file first
    except Exception as e:  # noqa: BLE001 (any parser error means corrupt)
        raise ValueError(f"load: {path!r} is truncated or corrupt "
                         f"({type(e).__name__}: {e})") from None


def _read_archive(f: BinaryIO, size: int,
                  relocate: Callable[[np.ndarray], np.ndarray] | None) -> Any:
    with zipfile.ZipFile(f) as archive:
        members = _check_members(archive.infolist(), archive.start_dir, size)
        record_info = members.pop(STRUCTURE_KEY, None)
        if record_info is None:
            return _read_plain(archive, members)
        record = _read_record(archive, record_info)
        if isinstance(record, dict) and record.get("version") == FORMAT_VERSION:
            return _read_v4(archive, members, record, relocate)
        if isinstance(record, dict) and "version" in record:
            return _read_v2(archive, members, record)
        # format version 1: the record is the tree, arrays are named by their key paths
        return _unflatten(record, lambda ref: _take(archive, members, ref))


def _check_members(infos: list[zipfile.ZipInfo], directory: int, size: int
                   ) -> dict[str, zipfile.ZipInfo]:
    """name (without .npy) -> ZipInfo, after checking, from the zip directory alone, that
    every member is a stored .npy file and that they lie, without overlapping, before the
    directory (which starts at byte ``directory``)."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        _check_member(info)
        if info.filename[:-4] in members:
            raise _BadFile(f"is corrupt: it holds two members named {info.filename!r}")
        members[info.filename[:-4]] = info
    _check_layout(infos, min(directory, size))
    return members


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if not name.endswith(".npy"):
        raise _BadFile(f"holds a member {name!r} that is not an .npy array; a checkpoint "
                       "holds arrays only")
    if info.flag_bits & 0x1:
        raise _BadFile(f"holds an encrypted member {name!r}")
    if info.compress_type != zipfile.ZIP_STORED:
        raise _BadFile(f"holds a compressed member {name!r} (method {info.compress_type}); "
                       "ta.save writes uncompressed members only, and a compressed one could "
                       "expand to any size")
    if info.file_size != info.compress_size:
        raise _BadFile(f"is corrupt: member {name!r} is stored uncompressed but its sizes "
                       f"differ ({info.compress_size} stored, {info.file_size})")


def _check_layout(infos: list[zipfile.ZipInfo], end: int) -> None:
    """Each member's header and data end before the next member (and the last one before
    ``end``), so together they claim no more bytes than the file has."""
    if not infos and end != 0:
        # NOTE: a damaged directory can look like an empty one; an empty archive (np.savez
        # of nothing) is only the 22-byte end record, with nothing before it
        raise _BadFile(f"is corrupt: its zip directory lists no members, yet {end} bytes "
                       "precede it")
    limit = end
    for info in sorted(infos, key=lambda i: i.header_offset, reverse=True):
        data_end = info.header_offset + _LOCAL_HEADER + len(info.orig_filename) \
            + info.compress_size
        if info.header_offset < 0 or data_end > limit:
            raise _BadFile(f"is truncated or corrupt: member {info.filename!r} "
                           f"({info.compress_size} bytes) overlaps the next one or runs past "
                           f"the end of the members (byte {end})")
        limit = info.header_offset


def _read_npy(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """The array in one member, after checking that its header accounts for exactly the
    member's size (so nothing is allocated before the bytes are known to be there)."""
    name = info.filename
    with archive.open(info) as f:
        version = npy_format.read_magic(f)
        if version == (1, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_2_0(f)
        else:
            raise _BadFile(f"is corrupt: member {name!r} has .npy format version {version}")
        _check_dtype(dtype, name)
        if any(n < 0 for n in shape):
            raise _BadFile(f"is corrupt: member {name!r} declares shape {shape}")
        count = math.prod(shape)
        header_size = f.tell()
        if header_size + count * dtype.itemsize != info.file_size:
            raise _BadFile(f"is corrupt: member {name!r} declares shape {shape} of {dtype} "
                           f"({count * dtype.itemsize} bytes) but stores "
                           f"{info.file_size - header_size} bytes")
        flat = np.empty(count, dtype)
        _read_into(f, flat.view(np.uint8), name)
        if f.read(1):  # NOTE: reading to the end is also what makes zipfile check the CRC
            raise _BadFile(f"is corrupt: member {name!r} is longer than its header says")
    return flat.reshape(shape[::-1]).T if fortran_order else flat.reshape(shape)


def _check_dtype(dtype: np.dtype, name: str) -> None:
    if dtype.hasobject:
        raise _BadFile(f"holds object arrays (member {name!r}), which only pickle can read; "
                       "refused, because unpickling a file can run arbitrary code")
    if dtype.kind not in _DTYPE_KINDS or dtype.fields is not None or dtype.itemsize == 0:
        raise _BadFile(f"holds member {name!r} of dtype {dtype}; a checkpoint holds arrays "
                       "of bools, numbers, strings or datetimes only")


def _read_into(f: IO[bytes], out: np.ndarray, name: str) -> None:
    view, done = out.data, 0
    while done < out.size:
        chunk = f.read(min(out.size - done, _CHUNK))
        if not chunk:
            raise _BadFile(f"is truncated: member {name!r} ends early")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)


def _read_record(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    arr = _read_npy(archive, info)
    if arr.dtype.kind != "U" or arr.ndim != 0:
        raise _BadFile(f"has a damaged structure record (dtype {arr.dtype}, shape "
                       f"{arr.shape}; expected a JSON string)")
    text = str(arr[()])
    # NOTE: json.loads and _unflatten recurse once per level: bound the nesting first, so
    # a deep record is a clear error, not a RecursionError
    if _json_depth(text) > 3 * MAX_DEPTH + 3:
        raise _BadFile(f"has a structure record nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text)
    except ValueError as e:
        raise _BadFile(f"has a damaged structure record ({e})") from None


def _json_depth(text: str) -> int:
    """The deepest nesting of [ and { in a JSON text (brackets inside strings ignored)."""
    codes = np.frombuffer(_JSON_STRING.sub('""', text).encode("utf-8", "ignore"), np.uint8)
    opens = (codes == ord("[")) | (codes == ord("{"))
    closes = (codes == ord("]")) | (codes == ord("}"))
    steps = opens.astype(np.int64) - closes.astype(np.int64)
    return int(np.cumsum(steps).max(initial=0))


def _read_plain(archive: zipfile.ZipFile, members: dict) -> OrderedDict:
    """A file without a structure record: a plain np.savez archive of arrays."""
    for name in members:
        if name.startswith(_RESERVED):
            raise _BadFile(f"is corrupt: it holds member {name!r} but no structure record")
    return OrderedDict((name, _read_npy(archive, info)) for name, info in members.items())


def _take(archive: zipfile.ZipFile, members: dict, ref: Any) -> np.ndarray:
    """Format version 1: the array a tree leaf names (each member used once)."""
    if not isinstance(ref, str) or ref not in members:
        raise _BadFile(f"has a damaged structure record (no array {ref!r})")
    return _read_npy(archive, members.pop(ref))


def _read_v2(archive: zipfile.ZipFile, members: dict, record: dict) -> Any:
    version = record.get("version")
    if version not in (2, 3):  # (2: the same tree as 3, without "tensor" nodes)
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise _BadFile(f"was written in checkpoint format version {version} by a newer "
                           f"tinygrad_acts; this one reads up to version {FORMAT_VERSION}")
        raise _BadFile(f"has a damaged structure record (format version {version!r})")
    entries = record.get("arrays")
    if not isinstance(entries, list) or "tree" not in record:
        raise _BadFile("has a damaged structure record (no array list or tree)")
    arrays = [_checked_array(archive, members, e) for e in entries]
    if members:
        raise _BadFile(f"holds member(s) {sorted(members)} that its structure record does "
                       "not list")
    used: set[int] = set()

    def fetch(ref: Any) -> np.ndarray:
        if isinstance(ref, bool) or not isinstance(ref, int) or not 0 <= ref < len(arrays) \
                or ref in used:
            raise _BadFile(f"has a damaged structure record (array reference {ref!r})")
        used.add(ref)
        return arrays[ref]

    obj = _unflatten(record["tree"], fetch)
    if len(used) != len(arrays):
        raise _BadFile("has a damaged structure record (it lists arrays its tree never uses)")
    return obj


def _checked_array(archive: zipfile.ZipFile, members: dict, entry: Any) -> np.ndarray:
    """The array one record entry describes, checked against its dtype, shape and hash."""
    if not isinstance(entry, dict) or not isinstance(entry.get("member"), str):
        raise _BadFile(f"has a damaged structure record (array entry {entry!r})")
    name = entry["member"]
    info = members.pop(name, None)
    if info is None:
        raise _BadFile(f"is missing member {name + '.npy'!r}, which its structure record "
                       "lists")
    arr = _read_npy(archive, info)
    found = {"dtype": arr.dtype.str, "shape": list(arr.shape), "sha256": _digest(arr)}
    for what, value in found.items():
        if entry.get(what) != value:
            raise _BadFile(f"fails its checksum: member {name + '.npy'!r} has {what} "
                           f"{value}, the structure record says {entry.get(what)}")
    return arr


def _unflatten(node: Any, fetch: Callable[[Any], np.ndarray]) -> Any:
    """The object a tree node describes (``fetch`` gives the array a leaf refers to)."""
    if not isinstance(node, dict) or len(node) != 1:
        raise _BadFile(f"has a damaged structure record (node {str(node)[:80]})")
    (kind, body), = node.items()
    if kind == "array":
        return fetch(body)
    if kind == "tensor":
        if not (isinstance(body, list) and len(body) == 2 and isinstance(body[1], bool)):
            raise _BadFile(f"has a damaged structure record (tensor {str(body)[:80]})")
        arr = fetch(body[0])
        if body[1] and arr.dtype.kind not in "fc":
            raise _BadFile(f"has a damaged structure record (a {arr.dtype} tensor that "
                           "requires grad)")
        return Tensor._wrap(arr, requires_grad=body[1])
    if kind == "value":
        if body is not None and not isinstance(body, (bool, int, float, str)):
            raise _BadFile(f"has a damaged structure record (value {str(body)[:80]})")
        return body
    if kind in ("list", "tuple") and isinstance(body, list):
        items = [_unflatten(v, fetch) for v in body]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(body, list):
        out: OrderedDict = OrderedDict()
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                    and not isinstance(pair[0], bool) and pair[0] not in out):
                raise _BadFile(f"has a damaged structure record (dict item {str(pair)[:80]})")
            out[pair[0]] = _unflatten(pair[1], fetch)
        return out
    raise _BadFile(f"has a damaged structure record (node kind {kind!r})")


# --- reading format 4 ---------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # a named tuple's (and its fields')
_ATTRIBUTE = re.compile(r"(?!__)[A-Za-z_][A-Za-z0-9_]*\Z")  # an OrderedDict's; no dunders
_NAMEDTUPLES: dict[tuple, type] = {}  # the named tuple types load had to make, reused
_KINDS = {"value": (), "ref": (), "array": ("memo",), "scalar": (), "dtype": (),
          "complex": (), "bytes": (), "tensor": ("memo",), "parameter": ("memo",),
          "list": ("memo",), "tuple": ("memo",), "set": ("memo",), "frozenset": ("memo",),
          "size": ("memo",),
          "namedtuple": ("memo", "type"), "dict": ("memo", "attrs"),
          "odict": ("memo", "attrs")}  # node kind -> the other keys its node may have


def _parameter_class() -> type:
    from .nn.module import Parameter  # (nn imports the package's layers: import it late)
    return Parameter


def _read_v4(archive: zipfile.ZipFile, members: dict, record: dict,
             relocate: Callable[[np.ndarray], np.ndarray] | None) -> Any:
    entries = record.get("storages")
    if not isinstance(entries, list) or "tree" not in record:
        raise _BadFile("has a damaged structure record (no storage list or tree)")
    storages = [_checked_array(archive, members, e) for e in entries]
    if members:
        raise _BadFile(f"holds member(s) {sorted(members)} that its structure record does "
                       "not list")
    if relocate is not None:
        storages = [relocate(s) for s in storages]
    unpacker = _Unpacker(storages)
    obj = unpacker.build(record["tree"])
    if len(unpacker.used) != len(storages):
        raise _BadFile("has a damaged structure record (it lists storages its tree never "
                       "uses)")
    return obj


def _damaged(what: Any) -> _BadFile:
    return _BadFile(f"has a damaged structure record ({str(what)[:80]})")


def _is_int(v: Any, low: int = 0) -> bool:
    return type(v) is int and v >= low


class _Unpacker:
    """Builds the object a format-4 tree describes, checking every node: arrays are views
    of the storages (so arrays that shared memory share it again), and ``{"ref": n}``
    gives back the object remembered as number n."""

    def __init__(self, storages: list[np.ndarray]):
        self.storages = storages
        self.raw: dict[int, np.ndarray] = {}  # storage index -> its bytes (uint8, a view)
        self.whole: set[int] = set()  # storages already given out as themselves
        self.used: set[int] = set()
        self.memo: dict[int, Any] = {}

    def build(self, node: Any) -> Any:
        kinds = [k for k in node if k in _KINDS] if isinstance(node, dict) else []
        if len(kinds) != 1 or not set(node) - {kinds[0]} <= set(_KINDS[kinds[0]]):
            raise _damaged(f"node {node}")
        kind = kinds[0]
        body = node[kind]
        if kind == "ref":
            if type(body) is not int or body not in self.memo:
                raise _damaged(f"reference {body!r}")
            return self.memo[body]
        if kind in ("list", "dict", "odict"):  # remembered before their items (cycles)
            out: Any = [] if kind == "list" else {} if kind == "dict" else OrderedDict()
            self._remember(node, out)
            return self._fill(kind, out, body, node.get("attrs"))
        out = getattr(self, "_" + kind)(body, node)
        if "memo" in node:
            self._remember(node, out)
        return out

    def _remember(self, node: dict, obj: Any) -> None:
        number = node.get("memo")
        if type(number) is not int or number in self.memo:
            raise _damaged(f"memo number {number!r}")
        self.memo[number] = obj

    def _items(self, body: Any) -> list:
        if not isinstance(body, list):
            raise _damaged(f"items {body}")
        return [self.build(v) for v in body]

    def _fill(self, kind: str, out: Any, body: Any, attrs: Any) -> Any:
        if kind == "list":
            out += self._items(body)
            return out
        self._fill_dict(out, body)
        if attrs is not None:
            if kind != "odict" or not isinstance(attrs, list):
                raise _damaged(f"attributes {attrs}")
            for pair in attrs:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                        and _ATTRIBUTE.match(pair[0])):
                    raise _damaged(f"attribute {pair}")
                out.__dict__[pair[0]] = self.build(pair[1])  # (no setattr: no descriptors)
        return out

    def _fill_dict(self, out: dict, body: Any) -> None:
        if not isinstance(body, list):
            raise _damaged(f"dict items {body}")
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise _damaged(f"dict item {pair}")
            key = pair[0]
            if isinstance(key, dict):  # a key that is not a str or int, as a node
                key = self.build(key)
            elif not (isinstance(key, str) or type(key) is int):
                raise _damaged(f"dict key {key!r}")
            try:
                if key in out:
                    raise _damaged(f"dict key {key!r}, twice")
            except TypeError:
                raise _damaged(f"dict key {key!r}, not hashable") from None
            out[key] = self.build(pair[1])

    # --- one method per node kind (that is not a mutable container or a reference) ---

    def _value(self, body: Any, node: dict) -> Any:
        if body is not None and not isinstance(body, (bool, int, float, str)):
            raise _damaged(f"value {body}")
        return body

    def _tuple(self, body: Any, node: dict) -> tuple:
        return tuple(self._items(body))

    def _size(self, body: Any, node: dict) -> Size:
        items = self._items(body)
        if not all(type(n) is int and n >= 0 for n in items):
            raise _damaged(f"Size {items}")
        return Size(items)

    def _set(self, body: Any, node: dict) -> set:
        try:
            return set(self._items(body))
        except TypeError:
            raise _damaged("a set of unhashable items") from None

    def _frozenset(self, body: Any, node: dict) -> frozenset:
        return frozenset(self._set(body, node))

    def _namedtuple(self, body: Any, node: dict) -> tuple:
        items = self._items(body)
        spec = node.get("type")
        if not (isinstance(spec, list) and len(spec) == 3 and all(isinstance(s, str)
                                                                  for s in spec[:2])
                and isinstance(spec[2], list) and len(spec[2]) == len(items)
                and all(isinstance(f, str) and _IDENTIFIER.match(f) for f in spec[2])):
            raise _damaged(f"named tuple type {spec}")
        return tuple.__new__(_namedtuple_class(spec[0], spec[1], tuple(spec[2])), items)

    def _complex(self, body: Any, node: dict) -> complex:
        if not (isinstance(body, list) and len(body) == 2
                and all(isinstance(v, float) for v in body)):
            raise _damaged(f"complex {body}")
        return complex(body[0], body[1])

    def _bytes(self, body: Any, node: dict) -> bytes:
        if not isinstance(body, str):
            raise _damaged(f"bytes {body}")
        return base64.b64decode(body.encode("ascii"), validate=True)

    def _dtype(self, body: Any, node: dict) -> np.dtype:
        dtype = np.dtype(body) if isinstance(body, str) else None
        if dtype is None:
            raise _damaged(f"dtype {body}")
        _check_dtype(dtype, "(a dtype)")
        return dtype

    def _scalar(self, body: Any, node: dict) -> np.generic:
        arr = self._array(body, node)
        if arr.ndim:
            raise _damaged(f"scalar of shape {arr.shape}")
        scalar: np.generic = arr[()]  # type: ignore[assignment]
        return scalar  # (a 0-d array's element is a numpy scalar)

    def _tensor(self, body: Any, node: dict, cls: type = Tensor) -> Tensor:
        if not (isinstance(body, dict) and set(body) == {"data", "requires_grad"}
                and isinstance(body["requires_grad"], bool)):
            raise _damaged(f"tensor {body}")
        data = self.build(body["data"])
        if not isinstance(data, np.ndarray) or data.dtype.kind not in "fiub":
            raise _damaged(f"tensor data of type {type(data).__name__}")
        if body["requires_grad"] and data.dtype.kind != "f":
            raise _BadFile(f"has a damaged structure record (a {data.dtype} tensor that "
                           "requires grad)")
        return (Tensor._wrap if cls is Tensor else cls)(data, requires_grad=body["requires_grad"])

    def _parameter(self, body: Any, node: dict) -> Tensor:
        return self._tensor(body, node, _parameter_class())

    def _array(self, leaf: Any, node: dict) -> np.ndarray:
        """The view of its storage that a leaf describes, checked to lie inside it."""
        try:
            index, offset = leaf["storage"], leaf["offset"]
            shape, strides = tuple(leaf["shape"]), tuple(leaf["strides"])
            dtype = np.dtype(leaf["dtype"])
            readonly = leaf.get("readonly", False)
        except (KeyError, TypeError, ValueError):
            raise _damaged(f"array {leaf}") from None
        if not (_is_int(index) and index < len(self.storages) and _is_int(offset)
                and all(_is_int(n) for n in shape) and len(strides) == len(shape)
                and all(_is_int(s, -(1 << 62)) for s in strides)
                and set(leaf) <= {"storage", "offset", "shape", "strides", "dtype",
                                  "readonly"} and isinstance(readonly, bool)):
            raise _damaged(f"array {leaf}")
        _check_dtype(dtype, f"(array {str(leaf)[:40]})")
        storage = self.storages[index]
        self.used.add(index)
        raw = self.raw.get(index)
        if raw is None:  # (taken before any view is made read-only)
            raw = self.raw[index] = storage.ravel(order="K").view(np.uint8)
        if (index not in self.whole and offset == 0 and dtype == storage.dtype
                and shape == storage.shape and strides == storage.strides):
            self.whole.add(index)  # the usual case: the array is its storage
            arr = storage
        else:
            arr = _view(raw, offset, shape, strides, dtype)
        if readonly:
            arr.flags.writeable = False
        return arr


def _view(raw: np.ndarray, offset: int, shape: tuple, strides: tuple, dtype: np.dtype
          ) -> np.ndarray:
    """The array of ``dtype`` at byte ``offset`` of ``raw`` with these shape and strides,
    refused (a damaged file) if any element would lie outside ``raw``."""
    if 0 in shape:
        if offset > raw.size:
            raise _damaged(f"an empty array at offset {offset} of a {raw.size}-byte storage")
        return np.empty(shape, dtype)
    low = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    high = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0) + dtype.itemsize
    if low < 0 or high > raw.size:
        raise _damaged(f"an array of shape {list(shape)} reaching bytes {low} to {high} of "
                       f"a {raw.size}-byte storage")
    return np.ndarray(shape, dtype, buffer=raw, offset=offset, strides=strides)


def _namedtuple_class(module: str, qualname: str, fields: tuple) -> type:
    """The class a named tuple was saved as, when it is already imported (looked up in
    ``sys.modules`` without importing or running anything) and has the same fields; else
    a named tuple type of the same name, module and fields (made once, then reused)."""
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = vars(found).get(part) if hasattr(found, "__dict__") else None
    if isinstance(found, type) and issubclass(found, tuple) \
            and inspect.getattr_static(found, "_fields", None) == fields:
        return found
    key = (module, qualname, fields)
    if key not in _NAMEDTUPLES:
        name = qualname.rsplit(".", 1)[-1]
        if len(_NAMEDTUPLES) > 256:
            _NAMEDTUPLES.clear()
        try:
            _NAMEDTUPLES[key] = namedtuple(name if _IDENTIFIER.match(name) else "namedtuple",
                                           fields, module=module)
        except ValueError as e:  # a keyword or a repeated field name
            raise _damaged(f"named tuple fields {list(fields)}: {e}") from None
    return _NAMEDTUPLES[key]


def _relocation(map_location: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """``torch.load``'s ``map_location``: None, a device (``"cpu"``, ``torch.device("cpu")``),
    a dict from saved locations to devices, or a function ``(storage, location)`` that
    returns a storage or None. Every storage here was saved on (and stays on) the CPU; the
    function receives each one as a uint8 Tensor of its bytes and ``"cpu"``."""
    if map_location is None:
        return None
    if isinstance(map_location, Mapping):
        check_device(map_location.get("cpu", "cpu"))
        return None
    if not callable(map_location):
        check_device(map_location)
        return None

    def relocate(storage: np.ndarray) -> np.ndarray:
        raw = storage.ravel(order="K").view(np.uint8)
        try:
            out = map_location(Tensor._wrap(raw), "cpu")
        except Exception as e:  # (the caller's function: its error, not the file's)
            raise _CallerError(e) from e
        if out is None or (isinstance(out, Tensor) and out._array is raw):
            return storage  # (lambda storage, location: storage, the usual one)
        new = np.asarray(out._array if isinstance(out, Tensor) else out)
        if new.nbytes != raw.nbytes:
            raise _CallerError(ValueError(
                f"load: map_location returned a storage of {new.nbytes} bytes for one of "
                f"{raw.nbytes}"))
        flat = np.ascontiguousarray(new).reshape(-1).view(np.uint8)
        fortran = storage.flags.f_contiguous and not storage.flags.c_contiguous
        return flat.view(storage.dtype).reshape(storage.shape, order="F" if fortran else "C")

    return relocate


class _CallerError(Exception):
    """An error raised by the caller's ``map_location`` function: ``load`` re-raises it as
    it is (it says nothing about the file)."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


# --- safetensors: a flat name -> array file that other frameworks read ---------------------
# Layout: 8 bytes (little-endian u64) N, then N bytes of JSON header
# {name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
#  "__metadata__": {str: str}}, padded with spaces to a multiple of 8, then the tensors'
# bytes (little-endian, C order), back to back, offsets relative to the end of the header.

_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
              "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
              "BOOL": "?", "C64": "<c8", "C128": "<c16"}
_ST_NAMES = {np.dtype(v): k for k, v in _ST_DTYPES.items()}
_ST_MAX_HEADER = 100_000_000  # the safetensors library's limit


def save_safetensors(tensors: Mapping[str, Any], path: str | os.PathLike,
                     metadata: Mapping[str, str] | None = None) -> None:
    """Write a flat name -> array mapping (``model.state_dict()``) as a .safetensors file,
    atomically; torch reads it with ``safetensors.torch.load_file(path)``.

    Args:
        tensors: str -> Tensor or array (bool, int, uint, float16/32/64, complex).
        path: the file to write. metadata: optional str -> str pairs for the header.

    Example:
        >>> import os, tempfile
        >>> import tinygrad_acts as ta
        >>> model = ta.nn.Linear(3, 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
        >>> ta.save_safetensors(model.state_dict(), path)
        >>> list(ta.load_safetensors(path))
        ['weight', 'bias']
    """
    header: dict[str, Any] = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("save_safetensors: metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    arrays, offset = [], 0
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise TypeError(f"save_safetensors: keys must be str (and not '__metadata__'), "
                            f"got {name!r}")
        arr = np.asarray(value._array if isinstance(value, Tensor) else value)
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        if dtype not in _ST_NAMES:
            raise TypeError(f"save_safetensors: {name!r} has dtype {arr.dtype}, which the "
                            "safetensors format cannot store")
        arr = np.asarray(arr, dtype, order="C")  # (ascontiguousarray makes 0-d 1-d)
        header[name] = {"dtype": _ST_NAMES[dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        arrays.append(arr)
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)

    def write(f: BinaryIO) -> None:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for arr in arrays:
            f.write(arr.reshape(-1).view(np.uint8).data)

    atomic_write(path, write)


def load_safetensors(path: str | os.PathLike) -> OrderedDict[str, np.ndarray]:
    """Read a .safetensors file (torch's ``safetensors.torch.save_file`` writes them) as an
    ``OrderedDict`` of ndarrays in file order, ready for ``model.load_state_dict``.

    NOTE: bfloat16, which numpy lacks, is read as float32 (exactly: a bfloat16 is the top
    half of a float32); the float8 types are refused.

    Raises:
        ValueError: the file is truncated or corrupt (a header that is not JSON, offsets
            that overlap, leave gaps or point past the end, sizes that do not match the
            shape); the message names the file.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        try:
            return _read_safetensors(f, size)
        except _BadFile as e:
            raise ValueError(f"load_safetensors: {path!r} {e}") from None


def _read_safetensors(f: BinaryIO, size: int) -> OrderedDict[str, np.ndarray]:
    head = f.read(8)
    if len(head) < 8:
        raise _BadFile("is too short for a safetensors file")
    n = int.from_bytes(head, "little")
    if n > min(_ST_MAX_HEADER, size - 8):
        raise _BadFile(f"declares a header of {n} bytes, more than the file holds")
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _BadFile(f"has a header that is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise _BadFile("has a header that is not a JSON object")
    header.pop("__metadata__", None)
    entries = sorted(((_st_entry(k, v), k) for k, v in header.items()), key=lambda e: e[0][2])
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    end = 0
    for (dtype, shape, begin, stop), name in entries:
        if begin != end:
            raise _BadFile(f"has a gap or an overlap before {name!r} (offset {begin}, "
                           f"expected {end})")
        end = stop
        if 8 + n + stop > size:
            raise _BadFile(f"is truncated: {name!r} ends past the end of the file")
        raw = np.frombuffer(f.read(stop - begin), np.uint8)
        if dtype == "BF16":
            out[name] = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32
                                                                         ).reshape(shape)
        else:
            stored = np.dtype(_ST_DTYPES[dtype])
            # (a copy in native byte order: writable, unlike the bytes read)
            out[name] = raw.view(stored).astype(stored.newbyteorder("=")).reshape(shape)
    if 8 + n + end != size:
        raise _BadFile(f"has {size - 8 - n - end} bytes after the last tensor")
    return out


def _st_entry(name: str, entry: Any) -> tuple[str, tuple[int, ...], int, int]:
    """(dtype, shape, begin, end) of one header entry, checked."""
    try:
        dtype, shape, (begin, stop) = entry["dtype"], entry["shape"], entry["data_offsets"]
        shape = tuple(shape)
    except (KeyError, TypeError, ValueError):
        raise _BadFile(f"has a malformed header entry for {name!r}: {entry!r}") from None
    if dtype not in _ST_DTYPES and dtype != "BF16":
        raise _BadFile(f"stores {name!r} as {dtype!r}, a dtype numpy cannot read")
    if not all(type(d) is int and d >= 0 for d in (*shape, begin, stop)):
        raise _BadFile(f"has a bad shape or offsets for {name!r}: {entry!r}")
    itemsize = 2 if dtype == "BF16" else np.dtype(_ST_DTYPES[dtype]).itemsize
    if stop - begin != itemsize * math.prod(shape):
        raise _BadFile(f"gives {name!r} {stop - begin} bytes, but shape {list(shape)} of "
                       f"{dtype} needs {itemsize * math.prod(shape)}")
    return dtype, shape, begin, stop
