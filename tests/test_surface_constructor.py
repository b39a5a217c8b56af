"""The Tensor surface as torch's: ``Tensor(...)`` (torch.Tensor's constructor), ``nn.Parameter``,
``ta.Size`` (``x.shape`` / ``x.size()``), each compared with torch itself."""
import pickle

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


# --- Tensor(...): torch.Tensor's constructor -------------------------------------------------

DATA = [
    "[1, 2]", "[True, False]", "[[1, 2], [3, 4]]", "(2, 3)", "[]", "[[]]", "range(3)",
    "np.ones(2)", "np.ones(2, dtype=np.int64)", "np.ones(2, dtype=np.float32)",
    "np.array(2.0)", "np.ones((2, 2))[:, 0]", "[1e40]",
]


@pytest.mark.parametrize("src", DATA)
@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_Tensor_of_data_is_a_copy_in_the_default_float_dtype(src, default):
    ta.set_default_dtype(default)
    torch.set_default_dtype(getattr(torch, np.dtype(default).name))
    try:
        ours, theirs = ta.Tensor(eval(src)), torch.Tensor(eval(src))
    finally:
        ta.set_default_dtype(np.float32)
        torch.set_default_dtype(torch.float32)
    _same(ours, theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert not ours.requires_grad and ours.is_leaf


@pytest.mark.parametrize("src", ["", "2, 3", "3", "0", "np.int64(3)", "Size([2, 3])",
                                 "Size([])", "Size([2])", "tensor(2), 3"])
def test_Tensor_of_sizes_is_a_new_tensor_of_that_shape(src):
    ours = eval(f"ta.Tensor({src.replace('Size', 'ta.Size').replace('tensor', 'ta.tensor')})")
    theirs = eval("torch.Tensor({})".format(
        src.replace("Size", "torch.Size").replace("tensor", "torch.tensor")))
    _same(ours, theirs)
    assert (ours.numpy() == 0).all()  # NOTE: torch's memory is uninitialised; ours zeros


@pytest.mark.parametrize("src, error", [
    ("2.5", TypeError), ("None", TypeError), ("True", TypeError), ("'a'", TypeError),
    ("np.float64(2.0)", TypeError), ("2, 3.0", TypeError), ("2, (3,)", TypeError),
    ("[1, 2], True", TypeError), ("[1, 2], 3", TypeError), ("-1", RuntimeError),
    ("[2, 3], requires_grad=True", TypeError), ("[1, 2], dtype=DT", TypeError),
])
def test_Tensor_refuses_what_torch_refuses(src, error):
    with pytest.raises(error):
        eval(f"torch.Tensor({src.replace('DT', 'torch.float64')})")
    with pytest.raises(error, match="Tensor"):
        eval(f"ta.Tensor({src.replace('DT', 'ta.float64')})")


def test_Tensor_takes_device_and_data_keywords():
    _same(ta.Tensor([1, 2], device="cpu"), torch.Tensor([1, 2], device="cpu"))
    _same(ta.Tensor(2, device="cpu"), torch.Tensor(2, device="cpu"))
    _same(ta.Tensor(data=[1, 2]), torch.Tensor(data=[1, 2]))
    with pytest.raises(RuntimeError, match="CPU"):
        ta.Tensor([1, 2], device="cuda")


def test_Tensor_of_an_ndarray_of_the_default_dtype_shares_it_as_torch():
    a = np.ones(2, np.float32)
    ta.Tensor(a)[0] = 5.0
    b = np.ones(2, np.float32)
    torch.Tensor(b)[0] = 5.0
    assert a.tolist() == b.tolist() == [5.0, 1.0]
    c = np.ones(2)  # float64: converted, so a copy
    ta.Tensor(c)[0] = 5.0
    assert c.tolist() == [1.0, 1.0]


def test_Tensor_of_a_list_of_tensors():
    ours = ta.Tensor([ta.tensor(1.0), ta.tensor(2.0)])
    _same(ours, torch.Tensor([torch.tensor(1.0), torch.tensor(2.0)]))
    assert ours.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_Tensor_of_a_tensor_is_an_alias(dtype):
    a, t = ta.ones(3, dtype=dtype), torch.ones(3, dtype=getattr(torch, dtype))
    b, u = ta.Tensor(a), torch.Tensor(t)
    _same(b, u)
    assert b is not a and u is not t
    b.add_(1)
    u.add_(1)
    assert a.tolist() == t.tolist() == [2, 2, 2]
    assert a._version == t._version == 1 and b._version == u._version == 1


def test_Tensor_of_a_tensor_that_requires_grad_stays_in_its_graph():
    a, t = ta.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    b, u = ta.Tensor(a), torch.Tensor(t)
    assert b.requires_grad == u.requires_grad is True
    assert b.is_leaf == u.is_leaf is False
    (b * ta.tensor([2.0, 3.0])).sum().backward()
    (u * torch.tensor([2.0, 3.0])).sum().backward()
    assert a.grad.tolist() == t.grad.tolist() == [2.0, 3.0]
    with ta.no_grad():
        c = ta.Tensor(a)
    with torch.no_grad():
        v = torch.Tensor(t)
    assert c.requires_grad == v.requires_grad and c.is_leaf == v.is_leaf


# --- nn.Parameter ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_Parameter_keeps_the_data_dtype_and_memory(dtype):
    a, t = ta.ones(2, dtype=dtype), torch.ones(2, dtype=getattr(torch, dtype))
    p, q = ta.nn.Parameter(a), torch.nn.Parameter(t)
    _same(p, q)
    assert p.requires_grad and q.requires_grad and p.is_leaf and q.is_leaf
    with ta.no_grad():
        p.mul_(2)
    with torch.no_grad():
        q.mul_(2)
    assert a.tolist() == t.tolist() == [2.0, 2.0]
    assert a._version == t._version == 1


def test_Parameter_forms():
    _same(ta.nn.Parameter(), torch.nn.Parameter())
    assert ta.nn.Parameter().requires_grad
    p, q = ta.nn.Parameter(ta.tensor(3.0)), torch.nn.Parameter(torch.tensor(3.0))
    _same(p, q)
    p = ta.nn.Parameter(ta.ones(2), requires_grad=False)
    assert not p.requires_grad
    p = ta.nn.Parameter(ta.tensor([1, 2]), False)
    assert p.dtype == np.int64 and not p.requires_grad
    with pytest.raises(RuntimeError):
        torch.nn.Parameter(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="floating point"):
        ta.nn.Parameter(ta.tensor([1, 2]))
    p = ta.nn.Parameter(ta.ones(2, requires_grad=True) * 2)
    assert p.is_leaf and p.requires_grad and p.tolist() == [2.0, 2.0]
    assert ta.nn.Parameter(np.ones(2)).dtype == np.float64  # an ndarray as it is


# --- Size -----------------------------------------------------------------------------------

def test_shape_and_size_are_a_Size_that_prints_as_torch():
    x, t = ta.zeros(2, 3), torch.zeros(2, 3)
    for ours, theirs in [(x.shape, t.shape), (x.size(), t.size()), (ta.zeros(()).shape,
                                                                    torch.zeros(()).shape)]:
        assert isinstance(ours, ta.Size) and isinstance(ours, tuple)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert ours == theirs and ours == tuple(theirs) and hash(ours) == hash(theirs)
    assert x.size(1) == t.size(1) == 3 and type(x.size(1)) is int
    assert x.size(-1) == t.size(-1)
    assert print_form(x.shape) == print_form(t.shape) == "torch.Size([2, 3])"


def print_form(shape):
    import io
    out = io.StringIO()
    print(shape, file=out, end="")
    return out.getvalue()


def test_Size_operations_as_torch():
    s, t = ta.Size([2, 3]), torch.Size([2, 3])
    pairs = [(s[1:], t[1:]), (s[::-1], t[::-1]), (s + (4,), t + (4,)), ((4,) + s, (4,) + t),
             (s * 2, t * 2), (2 * s, 2 * t), (s + ta.Size([4]), t + torch.Size([4]))]
    for ours, theirs in pairs:
        assert type(ours) is ta.Size and repr(ours) == repr(theirs)
    assert s[0] == t[0] and type(s[0]) is int
    assert s.numel() == t.numel() == 6
    assert ta.Size([]).numel() == torch.Size([]).numel() == 1
    assert ta.Size([0, 3]).numel() == 0
    assert s.count(2) == t.count(2) and s.index(3) == t.index(3)
    assert (s == [2, 3]) == (t == [2, 3]) and (s != (2, 3)) == (t != (2, 3))
    with pytest.raises(TypeError):
        t + [4]
    with pytest.raises(TypeError):
        s + [4]


def test_Size_constructor_as_torch():
    for src in ["[2, 3]", "(2, 3)", "", "[-1]", "[True]", "[np.int64(2)]", "[tensor(2)]",
                "[tensor([2])]"]:
        ours = eval(f"ta.Size({src.replace('tensor', 'ta.tensor')})")
        theirs = eval(f"torch.Size({src.replace('tensor', 'torch.tensor')})")
        assert repr(ours) == repr(theirs) and all(type(n) is int for n in ours)
    for src in ["[2.0]", "3", "'ab'", "[tensor(2.)]", "[tensor([2, 3])]"]:
        with pytest.raises(TypeError):
            eval(f"torch.Size({src.replace('tensor', 'torch.tensor')})")
        with pytest.raises(TypeError):
            eval(f"ta.Size({src.replace('tensor', 'ta.tensor')})")


def test_Size_pickles_and_checkpoints():
    s = ta.zeros(2, 3).shape
    back = pickle.loads(pickle.dumps(s))
    assert type(back) is ta.Size and back == s
    assert np.zeros(s).shape == (2, 3)
    assert ta.zeros(s).shape == s and ta.ones(2, 3).reshape(s[::-1]).shape == (3, 2)
