"""Checkpoints fail safely: a truncated or corrupt file is a clear error, loading never
executes code (object arrays, which need pickle, are refused), and a save that fails
midway leaves the previous checkpoint intact."""
import os
import pathlib

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn, optim


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
    with pytest.raises(ValueError, match="object arrays.*refused"):
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
    real_savez = np.savez

    def half_a_save(file, **arrays):
        real_savez(file, **arrays)
        file.truncate(file.tell() // 2)         # half of the new bytes are on disk...
        raise failure                           # ...when the failure strikes

    monkeypatch.setattr(np, "savez", half_a_save)
    with changed_weights(model):
        with pytest.raises(type(failure)):
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
        self.saved = {k: v.copy() for k, v in self.model.state_dict().items()}
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
