"""Interop: DLPack exchange with numpy and torch (shared memory, both directions),
safetensors checkpoints that torch's loader reads and that load torch's files, and
``tinygrad_acts.utils.data`` at torch's import path."""
import doctest
import json

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import nn, serialization
from tinygrad_acts.api import interop

# --- DLPack -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_, np.uint8])
def test_numpy_shares_memory_both_ways(dtype):
    t = ta.tensor(np.zeros((2, 3), dtype))
    a = np.from_dlpack(t)
    assert a.dtype == dtype and np.shares_memory(a, t.numpy())
    a[0, 1] = 1
    assert t[0, 1].item() == 1
    back = ta.from_dlpack(a)
    assert back.dtype == dtype and np.shares_memory(back.numpy(), a)
    with ta.no_grad():
        back[1, 2] = 1
    assert t[1, 2].item() == 1 and a[1, 2] == 1


def test_torch_shares_memory_both_ways():
    torch = pytest.importorskip("torch")
    t = ta.zeros(2, 3)
    tt = torch.from_dlpack(t)
    assert tt.dtype == torch.float32 and tt.shape == (2, 3)
    tt[0, 0] = 5.0
    assert t[0, 0].item() == 5.0
    ours = ta.from_dlpack(tt)
    with ta.no_grad():
        ours[1, 1] = 7.0
    assert tt[1, 1].item() == 7.0 and t[1, 1].item() == 7.0
    src = torch.arange(6, dtype=torch.int64).reshape(2, 3).t()  # a strided torch view
    view = ta.from_dlpack(src)
    assert view.tolist() == src.tolist() and view.dtype == np.int64
    src[0, 0] = 42
    assert view[0, 0].item() == 42


def test_dlpack_refusals_and_copies():
    with pytest.raises(BufferError, match="require gradient"):
        np.from_dlpack(ta.zeros(2, requires_grad=True))
    flipped = ta.from_numpy(np.arange(3.0)[::-1])
    with pytest.raises(BufferError, match="negative strides"):
        flipped.__dlpack__()
    assert np.from_dlpack(flipped.contiguous()).tolist() == [2.0, 1.0, 0.0]
    a = np.arange(3.0)
    copied = ta.from_dlpack(a, copy=True)
    a[0] = 9.0
    assert copied[0].item() == 0.0
    assert ta.zeros(1).__dlpack_device__() == (1, 0)
    assert ta.from_dlpack(ta.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError):
        ta.from_dlpack(a, device="cuda")


def test_from_numpy_shares_memory():
    a = np.zeros(3, np.float32)
    t = ta.from_numpy(a)
    a[1] = 2.0
    assert t.tolist() == [0.0, 2.0, 0.0]


# --- safetensors ------------------------------------------------------------------------------


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("count", ta.tensor(5, dtype=ta.int64))
        self.register_buffer("flags", ta.tensor([True, False]))


def test_safetensors_round_trip(tmp_path):
    model = Small()
    path = tmp_path / "m.safetensors"
    ta.save_safetensors(model.state_dict(), path, metadata={"epoch": "3"})
    state = ta.load_safetensors(path)
    assert list(state) == ["count", "flags", "fc.weight", "fc.bias"]  # own state first
    assert state["count"].dtype == np.int64 and state["count"].shape == ()
    assert state["flags"].tolist() == [True, False]
    assert state["fc.weight"].flags.writeable
    other = Small()
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.fc.weight.numpy(), model.fc.weight.numpy())
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    assert n % 8 == 0 and json.loads(raw[8:8 + n])["__metadata__"] == {"epoch": "3"}
    ta.save_safetensors({"empty": np.zeros((0, 4)), "big": np.arange(3, dtype=">f8")}, path)
    back = ta.load_safetensors(path)
    assert back["empty"].shape == (0, 4) and back["big"].tolist() == [0.0, 1.0, 2.0]


def test_safetensors_refuses_what_it_cannot_store(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="cannot store"):
        ta.save_safetensors({"s": np.array(["a"])}, path)
    with pytest.raises(TypeError, match="keys must be str"):
        ta.save_safetensors({1: np.zeros(1)}, path)
    with pytest.raises(TypeError, match="metadata must map str to str"):
        ta.save_safetensors({"a": np.zeros(1)}, path, metadata={"a": 1})
    assert not path.exists()


def _file(tmp_path, header, data=b""):
    text = json.dumps(header).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(len(text).to_bytes(8, "little") + text + data)
    return path


@pytest.mark.parametrize("header, data, match", [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4, "truncated"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "needs 8"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, "gap"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "bytes after"),
    ({"a": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\0", "cannot read"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "bad shape"),
    ({"a": {"shape": [1]}}, b"", "malformed"),
    ([1, 2], b"", "not a JSON object"),
])
def test_safetensors_bad_files_are_clear_errors(tmp_path, header, data, match):
    with pytest.raises(ValueError, match=match):
        ta.load_safetensors(_file(tmp_path, header, data))


def test_safetensors_truncated_headers(tmp_path):
    path = tmp_path / "short.safetensors"
    path.write_bytes(b"\1\0")
    with pytest.raises(ValueError, match="too short"):
        ta.load_safetensors(path)
    path.write_bytes((10 ** 6).to_bytes(8, "little") + b"{}")
    with pytest.raises(ValueError, match="more than the file holds"):
        ta.load_safetensors(path)
    path.write_bytes((4).to_bytes(8, "little") + b"{{{{")
    with pytest.raises(ValueError, match="not JSON"):
        ta.load_safetensors(path)


def test_bfloat16_reads_as_float32(tmp_path):
    values = np.array([1.0, -2.5, 3.140625], np.float32)
    halves = (values.view(np.uint32) >> 16).astype("<u2")
    path = _file(tmp_path, {"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}},
                 halves.tobytes())
    loaded = ta.load_safetensors(path)["w"]
    assert loaded.dtype == np.float32 and loaded.tolist() == values.tolist()


def test_torch_safetensors_files_load_both_ways(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    tm(torch.randn(5, 3))
    st.save_file(tm.state_dict(), str(tmp_path / "torch.safetensors"))

    class Norm(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight, self.bias = nn.Parameter(ta.ones(4)), nn.Parameter(ta.zeros(4))
            self.register_buffer("running_mean", ta.zeros(4))
            self.register_buffer("running_var", ta.ones(4))
            self.register_buffer("num_batches_tracked", ta.tensor(0, dtype=ta.int64))

    ours = nn.Sequential(nn.Linear(3, 4), Norm())
    ours.load_state_dict(ta.load_safetensors(tmp_path / "torch.safetensors"))
    np.testing.assert_array_equal(ours[0].weight.numpy(), tm[0].weight.detach().numpy())
    assert ours[1].num_batches_tracked.item() == 1
    ta.save_safetensors(ours.state_dict(), tmp_path / "ours.safetensors")
    back = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    back.load_state_dict(st.load_file(str(tmp_path / "ours.safetensors")))
    for k, v in tm.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k
    bf = {"h": torch.tensor([1.5, -0.25], dtype=torch.bfloat16),
          "i8": torch.tensor([-3, 4], dtype=torch.int8)}
    st.save_file(bf, str(tmp_path / "bf.safetensors"))
    loaded = ta.load_safetensors(tmp_path / "bf.safetensors")
    assert loaded["h"].tolist() == [1.5, -0.25] and loaded["i8"].tolist() == [-3, 4]


# --- torch.utils.data's path ------------------------------------------------------------------


def test_utils_data_is_the_data_module_at_torchs_path():
    import tinygrad_acts.utils.data as udata
    from tinygrad_acts.utils.data import DataLoader, Dataset, TensorDataset

    assert DataLoader is ta.data.DataLoader and Dataset is ta.data.Dataset
    assert set(udata.__all__) == set(ta.data.__all__)
    assert all(getattr(udata, n) is getattr(ta.data, n) for n in udata.__all__)
    batches = list(DataLoader(TensorDataset(ta.arange(4.0)), batch_size=2))
    assert [b[0].tolist() for b in batches] == [[0.0, 1.0], [2.0, 3.0]]


@pytest.mark.parametrize("mod", [interop, serialization])
def test_doctests_pass(mod):
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
