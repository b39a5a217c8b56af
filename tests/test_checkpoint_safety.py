"""Checkpoints fail safely: a truncated or corrupt file is a clear error, loading never
executes code (object arrays, which need pickle, are refused), and a save that fails
midway leaves the previous checkpoint intact."""
import io
import os
import pathlib
import re
import stat
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn, optim, serialization


@pytest.fixture
def checkpoint(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    path = tmp_path / "model.npz"
    ta.save(model.state_dict(), path)
    return model, path


def assert_same_state(loaded, model):
    assert list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded[key], value)


# --- damaged files ------------------------------------------------------------------------

@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_a_truncated_checkpoint_is_a_clear_error(checkpoint, tmp_path, keep):
    _, path = checkpoint
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ValueError, match=r"cut\.npz.*(truncated|corrupt)"):
        ta.load(cut)


def test_a_corrupt_checkpoint_is_a_clear_error(checkpoint, tmp_path):
    _, path = checkpoint
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)        # a zeroed block inside the archive
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"bad\.npz.*(truncated|corrupt)"):
        ta.load(bad)


@pytest.mark.parametrize("content", [b"", b"hello", b"\x80\x04\x95 a pickle, not a zip"])
def test_a_file_that_is_not_a_checkpoint_is_a_clear_error(tmp_path, content):
    path = tmp_path / "other.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"other\.npz.*not an \.npz"):
        ta.load(path)


# --- loading never runs code --------------------------------------------------------------

class Payload:
    """Pickles to a call of ``Path.touch(marker)``: what an attack would look like."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def test_an_object_array_file_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    np.savez(path, weight=np.zeros(3), evil=evil)
    with pytest.raises(ValueError, match=r"object arrays.*refused"):
        ta.load(path)
    assert not marker.exists()
    # the payload is real: numpy with pickle allowed does run it
    with np.load(path, allow_pickle=True) as archive:
        archive["evil"]
    assert marker.exists()


def test_saving_an_object_array_is_refused(tmp_path):
    with pytest.raises(TypeError, match="object array"):
        ta.save({"w": np.array([1, "x"], dtype=object)}, tmp_path / "x.npz")
    assert not any(tmp_path.iterdir())


# --- an interrupted save leaves the old file --------------------------------------------

@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()],
                         ids=["OSError", "KeyboardInterrupt"])
def test_a_save_that_fails_midway_leaves_the_previous_checkpoint(checkpoint, monkeypatch,
                                                                  failure):
    model, path = checkpoint
    before = path.read_bytes()
    real_write_array = np.lib.format.write_array
    calls = []

    def half_a_save(file, array, **kwargs):
        calls.append(1)
        if len(calls) < 3:                      # the record and the first array are written
            return real_write_array(file, array, **kwargs)
        file.write(b"\x00" * 100)               # part of the next one is...
        raise failure                           # ...when the failure strikes

    monkeypatch.setattr(np.lib.format, "write_array", half_a_save)
    with changed_weights(model), pytest.raises(type(failure)):
        ta.save(model.state_dict(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]     # no temporary file left behind
    assert_same_state(ta.load(path), model)


class changed_weights:
    """Change the model's weights for the duration (so a successful save would differ)."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.saved = {k: v.clone() for k, v in self.model.state_dict().items()}
        with ta.no_grad():
            for p in self.model.parameters():
                p[...] = p * 2.0 + 1.0

    def __exit__(self, *exc):
        self.model.load_state_dict(self.saved)


def test_a_save_that_succeeds_replaces_the_file(checkpoint):
    model, path = checkpoint
    with ta.no_grad():
        model[0].weight[...] = 7.0
    ta.save(model.state_dict(), path)
    assert (ta.load(path)["0.weight"] == 7.0).all()
    assert os.listdir(path.parent) == [path.name]


# --- a checkpoint that does not fit -------------------------------------------------------

def test_a_checkpoint_from_another_model_is_a_clear_error(checkpoint):
    _, path = checkpoint
    other = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    with pytest.raises(RuntimeError, match=r"0\.weight.*\(3, 4\).*\(5, 4\)"):
        other.load_state_dict(ta.load(path))


def test_an_optimizer_checkpoint_round_trips(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(ta.randn(4, 3)).sum().backward()
    opt.step()
    ta.save(opt.state_dict(), tmp_path / "opt.npz")
    fresh = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    fresh.load_state_dict(ta.load(tmp_path / "opt.npz"))
    assert fresh.state_dict()["param_groups"][0]["lr"] == 0.1


# --- hostile files: nothing is allocated or parsed beyond what the file holds -------------

def _write_member(path, name, header, payload=b"", compression=zipfile.ZIP_STORED):
    """A one-member archive whose .npy header is ``header`` (descr, shape), then payload."""
    buf = io.BytesIO()
    descr, shape = header
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr(name, buf.getvalue() + payload)


def peak_memory_of(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_compressed_member_is_refused_before_it_is_inflated(tmp_path):
    bomb = tmp_path / "bomb.npz"           # 128 MiB of zeros that deflate to ~130 kB
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("w.npy", "w", force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (2**24,)})
        for _ in range(128):
            f.write(bytes(2**20))
    assert bomb.stat().st_size < 2**20

    def load():
        with pytest.raises(ValueError, match=r"bomb\.npz.*compressed member 'w\.npy'"):
            ta.load(bomb)

    assert peak_memory_of(load) < 2**20


@pytest.mark.parametrize("shape", [(2**40,), (10**30,), (2**62, 2**62), (-1,), (3, 4)])
def test_a_header_declaring_more_than_the_member_holds_is_refused(tmp_path, shape):
    path = tmp_path / "liar.npz"
    _write_member(path, "w.npy", ("<f8", shape), payload=bytes(8))

    def load():
        with pytest.raises(ValueError, match=r"liar\.npz.*corrupt.*'w\.npy'.*shape"):
            ta.load(path)

    assert peak_memory_of(load) < 2**20


@pytest.mark.parametrize("descr, what", [("|O", "object arrays"), ("|V8", "dtype |V8"),
                                         ("|S0", "dtype |S0"),
                                         ([("a", "<f4")], "dtype")])
def test_members_of_other_dtypes_are_refused(tmp_path, descr, what):
    path = tmp_path / "odd.npz"
    _write_member(path, "w.npy", (descr, (1,)), payload=bytes(8))
    with pytest.raises(ValueError, match=rf"odd\.npz.*{re.escape(what)}"):
        ta.load(path)


def _nested_record(levels, version=2):
    tree = '{"list": [' * levels + '{"value": 1}' + "]}" * levels
    if version == 1:
        return np.array(tree)
    return np.array('{"format": "tinygrad_acts", "version": 2, "arrays": [], "tree": '
                    + tree + "}")


@pytest.mark.parametrize("version", [1, 2])
def test_a_deeply_nested_structure_record_is_a_clear_error(tmp_path, version):
    path = tmp_path / "deep.npz"
    with zipfile.ZipFile(path, "w") as archive, \
            archive.open(serialization.STRUCTURE_KEY + ".npy", "w") as f:
        np.lib.format.write_array(f, _nested_record(600, version))
    with pytest.raises(ValueError, match=r"deep\.npz.*nested more than 100 levels"):
        ta.load(path)


def test_nesting_up_to_the_limit_round_trips_and_beyond_it_is_refused_at_save(tmp_path):
    deep = [np.ones(1)]
    for _ in range(serialization.MAX_DEPTH - 1):
        deep = [deep]
    ta.save(deep, tmp_path / "ok.npz")
    back = ta.load(tmp_path / "ok.npz")
    for _ in range(serialization.MAX_DEPTH):
        back = back[0]
    np.testing.assert_array_equal(back, np.ones(1))
    with pytest.raises(ValueError, match="nested more than 100 levels"):
        ta.save([deep], tmp_path / "deep.npz")
    assert not (tmp_path / "deep.npz").exists()
    loop: list = []                                # as torch.save: a list that holds itself
    loop.append(loop)                              # (pickle's memo) comes back so
    ta.save({"state": loop}, tmp_path / "loop.npz")
    back = ta.load(tmp_path / "loop.npz")["state"]
    assert len(back) == 1 and back[0] is back


# --- foreign, missing and altered members -----------------------------------------------

def _rewrite(src, dst, change):
    """Copy archive src to dst, member by member, through change(name, data) -> data|None."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)


@pytest.mark.parametrize("name, data", [("notes.txt", b"hello"), ("w.npy", b"hello"),
                                        ("dir/", b"")])
def test_a_member_that_is_not_an_array_is_refused(tmp_path, name, data):
    path = tmp_path / "foreign.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"foreign\.npz"):
        ta.load(path)


def test_a_member_added_to_a_checkpoint_is_refused(checkpoint):
    _, path = checkpoint
    with zipfile.ZipFile(path, "a") as archive, archive.open("extra.npy", "w") as f:
        np.lib.format.write_array(f, np.zeros(3))
    with pytest.raises(ValueError, match=r"model\.npz.*'extra'.*does not list"):
        ta.load(path)


def test_a_missing_member_is_detected(checkpoint, tmp_path):
    _, path = checkpoint
    bad = tmp_path / "bad.npz"
    _rewrite(path, bad, lambda name, data: None if name == "2.bias.npy" else data)
    with pytest.raises(ValueError, match=r"bad\.npz.*missing member '2\.bias\.npy'"):
        ta.load(bad)


def test_altered_bytes_with_a_valid_crc_fail_the_checksum(checkpoint, tmp_path):
    _, path = checkpoint
    bad = tmp_path / "bad.npz"

    def alter(name, data):
        if name != "0.bias.npy":
            return data
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.zeros(3, np.float32))
        return buf.getvalue()

    _rewrite(path, bad, alter)                 # a well-formed zip: the CRC matches the bytes
    with pytest.raises(ValueError, match=r"bad\.npz.*fails its checksum.*'0\.bias\.npy'"):
        ta.load(bad)


def test_a_reshaped_member_fails_the_checksum(checkpoint, tmp_path):
    _, path = checkpoint
    bad = tmp_path / "bad.npz"

    def transpose(name, data):
        if name != "0.weight.npy":
            return data
        buf = io.BytesIO()
        arr = np.load(io.BytesIO(data))
        np.lib.format.write_array(buf, np.ascontiguousarray(arr).reshape(arr.shape[::-1]))
        return buf.getvalue()

    _rewrite(path, bad, transpose)
    with pytest.raises(ValueError, match=r"bad\.npz.*fails its checksum.*shape"):
        ta.load(bad)


def test_two_members_with_the_same_name_are_refused(checkpoint):
    _, path = checkpoint
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a") as archive, archive.open("0.bias.npy", "w") as f:
            np.lib.format.write_array(f, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match=r"model\.npz.*two members named '0\.bias\.npy'"):
        ta.load(path)


# --- mutation fuzzing: every damaged file loads identically or is a ValueError ----------

def _fuzz_objects():
    ta.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(ta.randn(2, 3)).sum().backward()
    opt.step()
    return {"flat": model.state_dict(),
            "nested": {"model": model.state_dict(), "optimizer": opt.state_dict(),
                       "epoch": 3, "odd key": np.arange(3), "note": ("a", None, 1.5)}}


def _same(a, b):
    """Equal in type, keys, dtypes, shapes, values and (for Tensors) requires_grad."""
    if type(a) is not type(b):
        return False
    if isinstance(a, ta.Tensor):
        return a.requires_grad == b.requires_grad and _same(a.numpy(), b.numpy())
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, dict):
        attrs = [(vars(a)[k], vars(b)[k]) for k in vars(a)] if hasattr(a, "__dict__") else []
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a) and \
            list(getattr(a, "__dict__", ())) == list(getattr(b, "__dict__", ())) and \
            all(_same(x, y) for x, y in attrs)          # (a state dict's _metadata)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _mutate(data, rng):
    data, n = bytearray(data), len(data)
    kind = rng.integers(7)
    if kind == 0:
        data[rng.integers(n)] = rng.integers(256)                 # one byte replaced
    elif kind == 1:
        data[rng.integers(n)] ^= 1 << int(rng.integers(8))        # one bit flipped
    elif kind == 2:
        del data[rng.integers(n):]                                # truncated
    elif kind == 3:
        start = rng.integers(n)                                   # a range deleted
        del data[start:start + rng.integers(1, 64)]
    elif kind == 4:
        start = rng.integers(n)                                   # bytes inserted
        data[start:start] = rng.bytes(int(rng.integers(1, 16)))
    elif kind == 5:
        start = rng.integers(n)                                   # a range zeroed
        data[start:start + rng.integers(1, 64)] = bytes(len(data[start:start + 63]))
    else:
        for _ in range(rng.integers(2, 8)):                       # scattered bytes replaced
            data[rng.integers(n)] = rng.integers(256)
    return bytes(data)


def _fuzz(tmp_path, which, mutations, seed):
    obj = _fuzz_objects()[which]
    good = tmp_path / "good.npz"
    ta.save(obj, good)
    original = good.read_bytes()
    assert _same(ta.load(good), obj)      # everything comes back as it was saved
    rng = np.random.default_rng(seed)
    mutant = tmp_path / "mutant.npz"
    outcomes = {"identical": 0, "ValueError": 0}
    for i in range(mutations):
        mutant.write_bytes(_mutate(original, rng))
        try:
            loaded = ta.load(mutant)
        except ValueError as e:
            assert "mutant.npz" in str(e), f"mutation {i}: the error names no file: {e}"
            outcomes["ValueError"] += 1
            continue
        assert _same(loaded, ta.load(good)), f"mutation {i} loaded a different object"
        outcomes["identical"] += 1
    assert outcomes["ValueError"] > mutations // 2     # the mutations did damage
    return outcomes


@pytest.mark.parametrize("which", ["flat", "nested"])
def test_mutated_checkpoints_load_identically_or_raise_value_error(tmp_path, which):
    _fuzz(tmp_path, which, mutations=300, seed=1)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["flat", "nested"])
def test_many_mutated_checkpoints_load_identically_or_raise_value_error(tmp_path, which):
    _fuzz(tmp_path, which, mutations=5000, seed=2)


# --- the file system: permissions and symlinks ------------------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and symlinks")


@posix_only
def test_resaving_keeps_the_files_permissions(checkpoint):
    model, path = checkpoint
    os.chmod(path, 0o600)
    ta.save(model.state_dict(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@posix_only
def test_a_new_file_gets_the_usual_mode_from_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        ta.save({"w": np.zeros(2)}, tmp_path / "new.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.npz").st_mode) == 0o640


@posix_only
def test_saving_through_a_symlink_updates_its_target(tmp_path):
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir(), link_dir.mkdir()
    target, link = real_dir / "model.npz", link_dir / "latest.npz"
    ta.save({"w": np.zeros(2)}, target)
    link.symlink_to(target)
    ta.save({"w": np.ones(2)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_array_equal(ta.load(target)["w"], np.ones(2))
    assert os.listdir(real_dir) == ["model.npz"] and os.listdir(link_dir) == ["latest.npz"]
