"""Checkpoints: round trips, the key scheme, no pickle ever, atomic writes, corrupt files."""
import os
import zipfile

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
        assert sorted(f.files) == ["steps", "w"]
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
    with pytest.raises(ValueError, match="same key 'a/b'"):
        ta.save({"a/b": np.ones(1), "a": {"b": np.ones(1)}}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


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
    with pytest.raises(ValueError, match="not an .npz checkpoint"):
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

    def crash(f, **arrays):
        with zipfile.ZipFile(f, "w") as z:
            z.writestr("w.npy", b"partial")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(serialization.np, "savez", crash)
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
