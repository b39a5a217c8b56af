"""Checkpoints: round trips, the key scheme, no pickle ever, atomic writes, corrupt files."""
import collections
import io
import json
import os
import sys

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
    with pytest.raises(TypeError, match="cannot store a _Payload"):
        ta.save({"w": [_Payload("x")]}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot store a function"):
        ta.save({"w": lambda x: x}, tmp_path / "x.npz")
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


def _storage_entry(arr):
    return {"member": "x", "dtype": arr.dtype.str, "shape": list(arr.shape),
            "sha256": serialization._digest(arr)}


def test_an_integer_tensor_marked_requires_grad_is_a_damaged_file(tmp_path):
    arr = np.arange(2)
    v3 = {"format": "tinygrad_acts", "version": 3, "tree": {"tensor": [0, True]},
          "arrays": [_storage_entry(arr)]}
    leaf = {"storage": 0, "offset": 0, "shape": [2], "strides": [8], "dtype": "<i8"}
    v4 = {"format": "tinygrad_acts", "version": 4, "storages": [_storage_entry(arr)],
          "tree": {"tensor": {"data": {"array": leaf, "memo": 0}, "requires_grad": True},
                   "memo": 1}}
    for record in (v3, v4):
        np.savez(tmp_path / "bad.npz", **{serialization.STRUCTURE_KEY:
                                          np.array(json.dumps(record)), "x": arr})
        with pytest.raises(ValueError, match="requires grad"):
            ta.load(tmp_path / "bad.npz")
    leaf["strides"] = [16]                         # the view would reach past the storage
    v4["tree"]["tensor"]["requires_grad"] = False
    np.savez(tmp_path / "bad.npz", **{serialization.STRUCTURE_KEY: np.array(json.dumps(v4)),
                                      "x": arr})
    with pytest.raises(ValueError, match=r"bad\.npz.*reaching bytes 0 to 24 of a 16-byte"):
        ta.load(tmp_path / "bad.npz")


# --- nothing a torch user relies on is lost: checked against torch.save / torch.load -----

Pair = collections.namedtuple("Pair", ["first", "second"])


def _round_trip(save, load, obj, **load_kwargs):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer, **load_kwargs)


def _tricky(lib, nn_lib):
    """The same object built with tinygrad_acts or torch: views, a tensor saved twice, a
    tied pair, a parameter, every dtype family, and every container and plain value."""
    t = lib.arange(12.0).reshape(3, 4)
    p = nn_lib.Parameter(lib.ones(2))
    return collections.OrderedDict(
        t=t, again=t, row=t[1], column=t[:, 2], transposed=t.T, pair=[t, t.detach()],
        expanded=lib.ones(3).expand(2, 3), p=p, p_again={"p": p},
        grad=lib.ones(3, requires_grad=True), ints=lib.tensor([1, 2]),
        flags=lib.tensor([True, False]), half=lib.zeros(2, dtype=lib.float16),
        plain=(1, 2.5, "s", None, True, 1 + 2j, b"\x00xy", float("inf")),
        named=Pair(first=t, second=[1]), sets=[{1, 2}, frozenset({"a"})],
        keys={(1, 2): "tuple key", 3: "int key", None: "none key", 2.5: "float key"},
        inner=dict(a=[], b=collections.OrderedDict(c=0)))


def _fingerprint(obj, torch=None):
    """What a round trip must keep, in terms both libraries share: the containers' types
    and items; each tensor's class, dtype, shape, strides (in elements), requires_grad and
    values; which tensors are the same object; which share memory."""
    objects, memories = [], []

    def number(items, key):
        """The first-appearance number of ``key`` (an object, by identity; or an address)."""
        for i, k in enumerate(items):
            if k is key or (type(k) is int and k == key):
                return i
        items.append(key)
        return len(items) - 1

    def memory(x):
        if torch is not None:
            return x.untyped_storage().data_ptr()
        arr = x.numpy()
        while isinstance(arr.base, np.ndarray):
            arr = arr.base
        return id(arr)

    def walk(x):
        if isinstance(x, ta.Tensor if torch is None else torch.Tensor):
            arr = x.detach().numpy()
            return (type(x).__name__, str(x.dtype).replace("torch.", ""), tuple(x.shape),
                    tuple(s // arr.itemsize for s in arr.strides), x.requires_grad,
                    arr.tolist(), number(objects, x), number(memories, memory(x)))
        if isinstance(x, dict):
            attrs = walk(x._metadata) if hasattr(x, "_metadata") else None
            return (type(x).__name__, [(walk(k), walk(v)) for k, v in x.items()], attrs,
                    number(objects, x))
        if isinstance(x, (list, tuple)):
            return (type(x).__name__, getattr(x, "_fields", None), [walk(v) for v in x],
                    number(objects, x) if isinstance(x, list) else None)
        if isinstance(x, (set, frozenset)):
            return (type(x).__name__, sorted(map(repr, x)))
        return (type(x).__name__, x)

    return walk(obj)


def test_a_round_trip_keeps_identity_sharing_views_dtypes_and_containers():
    obj = _tricky(ta, nn)
    back = _round_trip(ta.save, ta.load, obj)
    assert _fingerprint(back) == _fingerprint(obj)
    assert back["t"] is back["again"] is back["named"].first and back["p"] is back["p_again"]["p"]
    assert back["pair"][1] is not back["t"] and np.shares_memory(back["pair"][1].numpy(),
                                                                 back["t"].numpy())
    with ta.no_grad():
        back["t"][1, 2] = 100.0             # memory shared as it was: the views all see it
    assert back["row"][2].item() == back["column"][1].item() == back["transposed"][2, 1].item() \
        == 100.0
    assert type(back["named"]) is Pair and type(back["inner"]) is dict
    assert isinstance(back["p"], nn.Parameter) and back["expanded"].numpy().strides == (0, 4)


@pytest.mark.torch
def test_a_round_trip_keeps_what_torch_save_and_load_keep():
    torch = pytest.importorskip("torch")
    ours = _fingerprint(_round_trip(ta.save, ta.load, _tricky(ta, nn)))
    # NOTE: weights_only=False only because torch's default refuses named tuples; ta.load
    # never unpickles, so it reads them safely
    theirs = _fingerprint(_round_trip(torch.save, torch.load, _tricky(torch, torch.nn),
                                      weights_only=False), torch)
    assert ours == theirs


def _tied_pair(lib, nn_lib):
    model = nn_lib.Sequential(nn_lib.Linear(3, 3), nn_lib.Tanh(), nn_lib.Linear(3, 3))
    model[2].weight = model[0].weight
    return model


@pytest.mark.torch
def test_state_dicts_and_optimizer_state_round_trip_as_torchs():
    torch = pytest.importorskip("torch")
    prints = []
    for lib, nn_lib, optim_lib, save, load in [(ta, nn, optim, ta.save, ta.load),
                                               (torch, torch.nn, torch.optim, torch.save,
                                                torch.load)]:
        model = _tied_pair(lib, nn_lib)
        with lib.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(lib.full(p.shape, float(i))) if lib is torch else p.fill_(float(i))
        opt = optim_lib.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(lib.ones(2, 3)).sum().backward()
        opt.step()
        state = {"model": model.state_dict(), "keep": model.state_dict(keep_vars=True),
                 "opt": opt.state_dict(), "epoch": 3}
        back = _round_trip(save, load, state)
        tensors = back["model"]
        assert type(back["model"]) is collections.OrderedDict
        assert np.shares_memory(tensors["0.weight"].numpy(), tensors["2.weight"].numpy())
        prints.append((_fingerprint(back["model"], None if lib is ta else torch),
                       _fingerprint(back["keep"], None if lib is ta else torch),
                       back["model"]._metadata, back["epoch"],
                       sorted(back["opt"]["state"]), back["opt"]["param_groups"][0]["params"]))
    assert prints[0] == prints[1]


@pytest.mark.torch
def test_map_location_is_torchs():
    torch = pytest.importorskip("torch")
    obj = {"w": ta.arange(4.0)}
    for location in ["cpu", torch.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s,
                     lambda s, loc: None]:
        assert _round_trip(ta.save, ta.load, obj, map_location=location)["w"].tolist() == \
            [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="cuda"):
        _round_trip(ta.save, ta.load, obj, map_location=torch.device("cuda"))


def test_map_location_functions_and_dicts():
    base = ta.arange(3.0)
    obj = {"w": base, "v": base[1:]}
    seen = []

    def zero(storage, location):
        seen.append((storage.dtype, storage.shape, location))
        return ta.zeros(storage.shape, dtype=storage.dtype)   # a storage of the same bytes

    back = _round_trip(ta.save, ta.load, obj, map_location=zero)
    assert seen == [(np.uint8, (12,), "cpu")] and back["v"].tolist() == [0.0, 0.0]
    assert np.shares_memory(back["w"].numpy(), back["v"].numpy())
    with pytest.raises(ValueError, match="map_location returned a storage of 4 bytes for one "
                                         "of 12"):
        _round_trip(ta.save, ta.load, obj, map_location=lambda s, loc: ta.zeros(1))
    with pytest.raises(KeyError, match="their own error"):
        _round_trip(ta.save, ta.load, obj,
                    map_location=lambda s, loc: (_ for _ in ()).throw(KeyError("their own error")))
    with pytest.raises(RuntimeError, match="cuda"):
        _round_trip(ta.save, ta.load, obj, map_location={"cpu": "cuda:1"})
    for weights_only in (True, False, None):
        assert list(_round_trip(ta.save, ta.load, obj, weights_only=weights_only)) == ["w", "v"]


def test_named_tuples_come_back_as_their_class_or_one_like_it():
    back = _round_trip(ta.save, ta.load, [ta.tensor([[1.0, 5.0]]).max(1), Pair(1, 2)])
    assert type(back[0]) is ta.return_types.max and type(back[1]) is Pair
    buffer = io.BytesIO()
    ta.save(Pair(1, 2), buffer)
    raw = buffer.getvalue().replace(b"test_serialization", b"not_imported_anywhere")
    again = ta.load(io.BytesIO(raw))                  # its module is not imported: it never is
    assert type(again).__name__ == "Pair" and again._fields == ("first", "second")
    assert again == (1, 2) and again.second == 2 and "not_imported_anywhere" not in sys.modules


def test_numpy_scalars_dtypes_and_odd_arrays_round_trip():
    obj = [np.float32(1.5), np.float64(2.5), np.int8(-3), np.bool_(True), ta.float64,
           np.dtype("<U3"), np.arange(10.0)[::-3], np.asfortranarray(np.ones((2, 3))),
           np.zeros((0, 3)), np.array("text"), np.array(7), np.broadcast_to(np.ones(2), (3, 2))]
    back = _round_trip(ta.save, ta.load, obj)
    for a, b in zip(obj, back):
        assert type(a) is type(b) and (np.array_equal(a, b) if isinstance(a, np.ndarray) else
                                       a == b and repr(a) == repr(b))
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.strides == b.strides and \
                a.flags.writeable == b.flags.writeable


def test_a_small_view_saves_only_the_memory_it_spans(tmp_path):
    big = np.arange(100_000.0)
    ta.save({"slice": ta.tensor(big)[10:13]}, tmp_path / "small.npz")
    assert os.path.getsize(tmp_path / "small.npz") < 4_000     # not the 800 kB of big
    assert ta.load(tmp_path / "small.npz")["slice"].tolist() == [10.0, 11.0, 12.0]


def test_a_view_that_strays_outside_its_storage_is_a_damaged_file(tmp_path):
    base = ta.arange(4.0)
    ta.save({"t": base, "v": base[1:]}, tmp_path / "ok.npz")
    with np.load(tmp_path / "ok.npz") as f:
        record = json.loads(str(f[serialization.STRUCTURE_KEY]))
        arrays = {k: f[k] for k in f.files if k != serialization.STRUCTURE_KEY}
    record["tree"]["dict"][1][1]["tensor"]["data"]["array"]["offset"] = 8
    np.savez(tmp_path / "bad.npz", **{serialization.STRUCTURE_KEY:
                                      np.array(json.dumps(record)), **arrays})
    with pytest.raises(ValueError, match=r"bad\.npz.*reaching bytes 8 to 20 of a 16-byte"):
        ta.load(tmp_path / "bad.npz")
