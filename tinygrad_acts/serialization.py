"""Checkpoints: ``ta.save(obj, path)`` and ``ta.load(path)`` as numpy ``.npz`` files.

Safety. Loading never unpickles, and it reads the zip archive itself (not ``np.load``),
checking each member before reading its bytes: only uncompressed ``.npy`` members of
number, bool or string dtypes, whose header accounts for exactly the bytes the member
stores, that do not overlap, so a file can never make ``load`` allocate more than its own
size. The structure record (below) lists every array with its dtype, shape and SHA-256, so
a file with a member missing, added or changed is refused. Every bad file is a
``ValueError`` naming the file. Writing goes to a temporary file next to the target that
replaces it only once complete (a crash mid-save leaves the previous checkpoint intact); an
existing file keeps its permissions, and a symlink is written through, not replaced.

Layout (format version 2). The first member, ``__tinygrad_acts_structure__``, is a JSON
string (a 0-d unicode array)::

    {"format": "tinygrad_acts", "version": 2, "tree": ...,
     "arrays": [{"member": ..., "dtype": "<f4", "shape": [2, 3], "sha256": ...}, ...]}

The tree describes the object: ``{"dict": [[key, node], ...]}``, ``{"list": [...]}``,
``{"tuple": [...]}``, ``{"value": a JSON value}``, ``{"array": i}`` for the i-th array (an
ndarray) and ``{"tensor": [i, requires_grad]}`` for a Tensor (version 3: a Tensor comes back
a Tensor, with its dtype and requires_grad, as torch.load gives it; version 2 stored Tensors
as arrays, and such files still load, as arrays).
Each array is stored under its key path joined by ``/`` (``0.weight``,
``state/0/momentum_buffer``), so plain ``np.load`` can read it, when that path is a plain
name; any other key (spaces, ``allow_pickle``-style reserved names, two paths that collide)
gets a generated member name ``__tinygrad_acts_<i>__``. The real keys are the tree's, so
every str or int key round-trips.

``path`` may also be a binary file object (``io.BytesIO``, an open file), as torch's:
``save`` writes into it (not atomically: the caller owns it), ``load`` reads it from its
current position. Refused, always: pickled objects of any kind (class instances, sets,
functions, object arrays): a checkpoint holds only data.

Files of format version 1 (no "version" in the record) and plain ``np.savez`` files of
arrays (no record) still load, without the checksums.

The safetensors format (``save_safetensors`` / ``load_safetensors``, below) is the other
checkpoint format: a flat name -> array mapping that torch's, JAX's and other frameworks'
loaders read directly. It is written and read here with numpy alone (the ``safetensors``
package is not needed), with the same checks on every offset before anything is read.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import secrets
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import IO, Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from .tensor import Tensor, check_device

__all__ = ["save", "load", "atomic_write", "save_safetensors", "load_safetensors"]

STRUCTURE_KEY = "__tinygrad_acts_structure__"
FORMAT_VERSION = 3
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
    """Write a state dict (or any nest of dicts/lists/tuples of arrays, numbers, strings
    and None) to ``path`` as an uncompressed .npz file, atomically.

    Args:
        obj: e.g. ``model.state_dict()`` or ``optimizer.state_dict()``; Tensors are stored
            as their arrays. Dict keys may be any str or int.
        path: the file to write (used exactly as given; no suffix is added). An existing
            file keeps its permissions; a symlink is written through.

    Raises:
        TypeError: ``obj`` holds something a checkpoint cannot store without pickle (an
            object array, a set, a class instance, ...).
        ValueError: ``obj`` is nested more than ``MAX_DEPTH`` levels deep (or contains
            itself).

    Example:
        >>> import os, tempfile
        >>> import tinygrad_acts as ta
        >>> model = ta.nn.Linear(3, 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> ta.save(model.state_dict(), path)
        >>> sorted(ta.load(path))
        ['bias', 'weight']
    """
    arrays: list[np.ndarray] = []
    paths: list[list] = []
    tree = _flatten(obj, [], arrays, paths)
    names = _member_names(paths)
    record = {"format": "tinygrad_acts", "version": FORMAT_VERSION, "tree": tree,
              "arrays": [_describe(a, n) for a, n in zip(arrays, names)]}
    text = np.array(json.dumps(record))  # ensure_ascii: the record is plain ASCII

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            _write_member(archive, STRUCTURE_KEY, text)
            for name, arr in zip(names, arrays):
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


def _as_saveable(value: Any, path: list) -> np.ndarray:
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.hasobject:
        raise TypeError(f"save: {_where(path)!r} is an object array (dtype {arr.dtype}); it "
                        "would need pickle, which checkpoints never use. Store numbers or "
                        "strings.")
    if arr.dtype.kind not in _DTYPE_KINDS or arr.dtype.fields is not None:
        raise TypeError(f"save: {_where(path)!r} has dtype {arr.dtype}; checkpoints hold "
                        "arrays of bools, numbers, strings or datetimes (store a structured "
                        "array's fields as separate arrays)")
    return arr


def _flatten(obj: Any, path: list, arrays: list, paths: list) -> dict:
    """The tree node describing ``obj``; its arrays are appended to ``arrays`` (and their
    key paths to ``paths``)."""
    if len(path) > MAX_DEPTH:
        raise ValueError(f"save: the object is nested more than {MAX_DEPTH} levels deep (at "
                         f"{_where(path[:3])}/...); does it contain itself?")
    if isinstance(obj, (np.ndarray, Tensor, np.generic)):
        arrays.append(_as_saveable(obj, path))
        paths.append(path)
        if isinstance(obj, Tensor):
            return {"tensor": [len(arrays) - 1, bool(obj.requires_grad)]}
        return {"array": len(arrays) - 1}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} "
                                f"at {_where(path)}")
            items.append([k, _flatten(v, path + [k], arrays, paths)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_flatten(v, path + [i], arrays, paths) for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store a {type(obj).__name__} (at {_where(path)}); "
                    "checkpoints hold arrays, numbers, strings, None, and dicts/lists of them")


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
    """Read a checkpoint written by ``save``: everything comes back as it was saved, Tensors
    as Tensors (dtype and requires_grad kept), ndarrays as ndarrays, dicts as OrderedDicts;
    a state dict is an ``OrderedDict`` of Tensors, ready for ``load_state_dict``. (Files
    written before format version 3 give ndarrays where Tensors were saved.)

    Args:
        path: the file, or a binary file object (read from its current position).
        map_location: accepted for PyTorch's sake: None or "cpu" (the only device).
        weights_only: accepted for PyTorch's sake and ignored: loading never unpickles, so
            it is always weights-only.

    Raises:
        ValueError: the file is not an .npz archive, is truncated or corrupt, fails its
            checksums, holds anything but uncompressed arrays of numbers or strings, or
            holds object arrays (which would need pickle: refused, as loading must not run
            code). The message names the file.
    """
    check_device(map_location)
    if hasattr(path, "read"):  # a file object, as torch.load takes
        return _load_from(io.BytesIO(path.read()), "<file object>")
    path = os.fspath(path)
    with open(path, "rb") as f:
        return _load_from(f, path)


def _load_from(f: BinaryIO, path: str) -> Any:
    """``load`` of an open binary file (named ``path`` in errors)."""
    head = f.read(4)
    if head not in _ZIP_SIGNATURES:
        raise ValueError(f"load: {path!r} is not an .npz checkpoint (it does not start "
                         f"with the zip signature; first bytes {head!r})")
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    try:
        return _read_archive(f, size)
    except _BadFile as e:
        raise ValueError(f"load: {path!r} {e}") from None
    except MemoryError:
        raise  # not the file's fault: every size was checked against the file first
    except Exception as e:  # noqa: BLE001 (any parser error means corrupt)
        raise ValueError(f"load: {path!r} is truncated or corrupt "
                         f"({type(e).__name__}: {e})") from None


def _read_archive(f: BinaryIO, size: int) -> Any:
    with zipfile.ZipFile(f) as archive:
        members = _check_members(archive.infolist(), archive.start_dir, size)
        record_info = members.pop(STRUCTURE_KEY, None)
        if record_info is None:
            return _read_plain(archive, members)
        record = _read_record(archive, record_info)
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
    if version not in (2, FORMAT_VERSION):  # (2: the same tree, without "tensor" nodes)
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
        return Tensor(arr, requires_grad=body[1])
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
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
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
