"""Checkpoints: round trips, the key scheme, no pickle ever, atomic writes, corrupt files."""
import json
import os

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn, optim, serialization


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_model_round_trip(tmp_path):
    model = _model()
    path = tmp_path / "model.npz"
    ta.save(model.state_dict(), path)
    loaded = ta.load(path)
    assert list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # order kept
    other = _model()
    other.load_state_dict(loaded)
    x = ta.randn(5, 3)
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())
    assert loaded["0.weight"].dtype == np.float32


def test_flat_files_are_plain_npz_and_the_path_is_used_as_given(tmp_path):
    path = tmp_path / "weights.ckpt"
    ta.save({"w": ta.ones(2, 2), "steps": np.array(3)}, path)
    assert os.listdir(tmp_path) == ["weights.ckpt"]       # no .npz added, no temp left over
    with np.load(path) as f:                               # readable without the library
        assert sorted(f.files) == [serialization.STRUCTURE_KEY, "steps", "w"]
        assert f["steps"] == 3


def test_nested_state_round_trips_with_documented_keys(tmp_path):
    state = {"state": {0: {"step": 3, "exp_avg": np.arange(3.0)}},
             "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "amsgrad": False,
                               "name": None, "params": [0]}]}
    path = tmp_path / "opt.npz"
    ta.save(state, path)
    with np.load(path) as f:
        assert "state/0/exp_avg" in f.files and serialization.STRUCTURE_KEY in f.files
    back = ta.load(path)
    assert back["param_groups"] == state["param_groups"]
    assert list(back["state"]) == [0] and back["state"][0]["step"] == 3
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], np.arange(3.0))


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_optimizer_checkpoint_resumes_training(tmp_path, name):
    def loss_of(model):
        x = ta.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
        return (model(x) ** 2).mean()

    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.01}
    model = _model()
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    for _ in range(3):
        opt.zero_grad(); loss_of(model).backward(); opt.step()
    ta.save(model.state_dict(), tmp_path / "m.npz")
    ta.save(opt.state_dict(), tmp_path / "o.npz")
    resumed = _model()
    resumed.load_state_dict(ta.load(tmp_path / "m.npz"))
    opt2 = getattr(optim, name)(resumed.parameters(), **kwargs)
    opt2.load_state_dict(ta.load(tmp_path / "o.npz"))
    for m, o in ((model, opt), (resumed, opt2)):
        for _ in range(3):
            o.zero_grad(); loss_of(m).backward(); o.step()
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_saving_refuses_objects_that_need_pickle(tmp_path):
    with pytest.raises(TypeError, match="object array"):
        ta.save({"w": np.array([1, "a", None], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot store a set"):
        ta.save({"w": {1, 2}}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


def test_keys_that_flatten_to_the_same_path_both_round_trip(tmp_path):
    state = {"a/b": np.ones(1), "a": {"b": np.zeros(1)}}
    ta.save(state, tmp_path / "x.npz")
    back = ta.load(tmp_path / "x.npz")
    assert list(back) == ["a/b", "a"] and list(back["a"]) == ["b"]
    np.testing.assert_array_equal(back["a/b"], np.ones(1))
    np.testing.assert_array_equal(back["a"]["b"], np.zeros(1))


class _Payload:
    """Unpickling this would create a directory: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def test_loading_never_unpickles(tmp_path):
    marker = str(tmp_path / "code-ran")
    evil = tmp_path / "evil.npz"
    np.savez(evil, w=np.array([_Payload(marker)], dtype=object))   # numpy pickles it
    with pytest.raises(ValueError, match="refused, because unpickling"):
        ta.load(evil)
    assert not os.path.exists(marker)


def test_corrupt_and_truncated_files_are_clear_errors(tmp_path):
    good = tmp_path / "good.npz"
    ta.save({"w": np.arange(1000.0)}, good)
    raw = good.read_bytes()

    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match=r"not an \.npz checkpoint"):
        ta.load(junk)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        ta.load(truncated)
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0xFF                    # inside the array's bytes: CRC fails
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        ta.load(damaged)
    with pytest.raises(FileNotFoundError):
        ta.load(tmp_path / "missing.npz")


def test_a_failure_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    ta.save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def crash(f, array, **kwargs):
        f.write(b"partial")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(OSError, match="disk full"):
        ta.save({"w": np.ones(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]       # the temporary file was removed
    monkeypatch.undo()
    np.testing.assert_array_equal(ta.load(path)["w"], np.zeros(3))


def test_load_state_dict_lists_every_mismatch(tmp_path):
    ta.save({"0.weight": np.zeros((4, 3)), "2.weight": np.zeros((3, 4)),
             "extra": np.zeros(1)}, tmp_path / "bad.npz")
    with pytest.raises(RuntimeError) as info:
        _model().load_state_dict(ta.load(tmp_path / "bad.npz"))
    message = str(info.value)
    for piece in ["2.weight: checkpoint shape (3, 4), model shape (2, 4)",
                  "missing key: 0.bias", "missing key: 2.bias", "unexpected key: extra"]:
        assert piece in message


# --- any key round-trips ------------------------------------------------------------------

AWKWARD_KEYS = ["allow_pickle", "file", serialization.STRUCTURE_KEY, "__tinygrad_acts_0__",
                "", "a b", "é", "../../etc/passwd", "/abs", "x" * 300, "w.npy", "a/b", "A"]


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_any_string_key_round_trips(tmp_path, key):
    state = {"a": np.zeros(2), key: np.arange(3.0), "b": {key: np.ones(1), 7: np.ones(2)}}
    ta.save(state, tmp_path / "x.npz")
    back = ta.load(tmp_path / "x.npz")
    assert list(back) == list(state) and list(back["b"]) == [key, 7]
    np.testing.assert_array_equal(back[key], np.arange(3.0))
    np.testing.assert_array_equal(back["b"][key], np.ones(1))


def test_plain_keys_stay_readable_with_np_load(tmp_path):
    ta.save({"0.weight": np.ones(2), "allow_pickle": np.zeros(1), "a b": np.ones(3),
             "state": {0: {"momentum_buffer": np.ones(4)}}}, tmp_path / "x.npz")
    with np.load(tmp_path / "x.npz") as f:
        assert f["0.weight"].shape == (2,) and f["allow_pickle"].shape == (1,)
        assert f["state/0/momentum_buffer"].shape == (4,)
        assert "a b" not in f.files                     # stored under a generated name


# --- files from before the checksums ------------------------------------------------------

def test_plain_npz_files_and_format_1_files_still_load(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2), b=np.zeros(1))
    assert list(ta.load(tmp_path / "plain.npz")) == ["w", "b"]
    tree = {"dict": [["state", {"dict": [[0, {"dict": [["buf", {"array": "state/0/buf"}]]}]]}],
                     ["lr", {"value": 0.1}]]}
    np.savez(tmp_path / "v1.npz", **{"state/0/buf": np.arange(3.0),
                                     serialization.STRUCTURE_KEY: np.array(json.dumps(tree))})
    back = ta.load(tmp_path / "v1.npz")
    assert back["lr"] == 0.1 and list(back["state"]) == [0]
    np.testing.assert_array_equal(back["state"][0]["buf"], np.arange(3.0))
    np.savez(tmp_path / "empty.npz")
    assert ta.load(tmp_path / "empty.npz") == {}


# --- torch.load's keywords ----------------------------------------------------------------

def test_load_accepts_torchs_map_location_and_weights_only(tmp_path):
    ta.save({"w": np.ones(2)}, tmp_path / "x.npz")
    assert list(ta.load(tmp_path / "x.npz", map_location="cpu", weights_only=True)) == ["w"]
    assert list(ta.load(tmp_path / "x.npz", "cpu")) == ["w"]
    with pytest.raises(RuntimeError, match="cuda"):
        ta.load(tmp_path / "x.npz", map_location="cuda:0")


def test_a_file_from_a_newer_format_says_so(tmp_path):
    record = {"format": "tinygrad_acts", "version": serialization.FORMAT_VERSION + 1,
              "tree": {"value": None}, "arrays": []}
    np.savez(tmp_path / "new.npz", **{serialization.STRUCTURE_KEY: np.array(json.dumps(record))})
    newer = serialization.FORMAT_VERSION + 1
    with pytest.raises(ValueError, match=rf"new\.npz.*format version {newer} by a newer"):
        ta.load(tmp_path / "new.npz")


# --- Tensors round-trip as Tensors; file objects, as torch.save / torch.load take ---------


def test_tensors_come_back_as_tensors_with_dtype_and_requires_grad(tmp_path):
    obj = {"w": ta.ones(2, 3, dtype=ta.float64, requires_grad=True), "i": ta.tensor([1, 2]),
           "nested": [ta.zeros(1), (ta.tensor(True), 3, "s", None)], "a": np.arange(3)}
    ta.save(obj, tmp_path / "t.npz")
    back = ta.load(tmp_path / "t.npz")
    assert isinstance(back["w"], ta.Tensor) and back["w"].dtype == np.float64
    assert back["w"].requires_grad and back["w"].is_leaf
    assert back["i"].dtype == np.int64 and not back["i"].requires_grad
    assert isinstance(back["nested"][0], ta.Tensor) and back["nested"][1][1:] == (3, "s", None)
    assert back["nested"][1][0].dtype == np.bool_
    assert type(back["a"]) is np.ndarray  # an ndarray stays an ndarray
    assert ta.equal(back["w"], obj["w"].detach())


def test_a_bytes_io_round_trips(tmp_path):
    import io
    buffer = io.BytesIO()
    ta.save({"x": ta.arange(4)}, buffer)
    buffer.seek(0)
    assert ta.load(buffer)["x"].tolist() == [0, 1, 2, 3]
    assert not list(tmp_path.iterdir())  # nothing written to disk


def test_a_version_2_file_still_loads_its_arrays(tmp_path):
    record = {"format": "tinygrad_acts", "version": 2, "tree": {"dict": [["w", {"array": 0}]]},
              "arrays": [{"member": "w", "dtype": "<f4", "shape": [2], "sha256":
                          serialization._digest(np.ones(2, np.float32))}]}
    np.savez(tmp_path / "v2.npz", **{serialization.STRUCTURE_KEY: np.array(json.dumps(record)),
                                     "w": np.ones(2, np.float32)})
    back = ta.load(tmp_path / "v2.npz")
    assert type(back["w"]) is np.ndarray and back["w"].tolist() == [1.0, 1.0]


def test_an_integer_tensor_marked_requires_grad_is_a_damaged_file(tmp_path):
    arr = np.arange(2)
    record = {"format": "tinygrad_acts", "version": serialization.FORMAT_VERSION,
              "tree": {"tensor": [0, True]}, "arrays": [{"member": "x", "dtype": arr.dtype.str,
                                                         "shape": [2], "sha256":
                                                         serialization._digest(arr)}]}
    np.savez(tmp_path / "bad.npz", **{serialization.STRUCTURE_KEY: np.array(json.dumps(record)),
                                      "x": arr})
    with pytest.raises(ValueError, match="requires grad"):
        ta.load(tmp_path / "bad.npz")
