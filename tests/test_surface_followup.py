"""The surface helper's second round, each case run in torch and here (``lib`` is the
library; the statements leave their result in ``r``): torch's dtype class and small
functions (``ta.dtype``, ``detach``, ``is_complex``, ``scalar_tensor``, ``rsub``,
``typename``, ``range``, ``chain_matmul``), the checks of ``p.grad = ...``,
``set_default_dtype``, setitem values and ``retain_grad``, the Tensor methods ``new``,
``data_ptr``, ``is_same_size``, ``resize_as_``, ``share_memory_``, ``pin_memory``,
``unsafe_split``, the in-place metadata ops (``t_``, ``transpose_``, ``squeeze_`` ...),
``squeeze(0, 2)``, ``view(dtype)``, ``softmax(dim, dtype)``, ``count_nonzero(0, 1)``, and
a ``Size`` through ``ta.save``. Compared: shape, dtype, values, strides, requires_grad,
gradients, version counts, or the error's type."""
import io
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


def _rounded(v):
    if isinstance(v, list):
        return [_rounded(u) for u in v]
    return float(f"{v:.6g}") if isinstance(v, float) else v


def _describe(r):
    if isinstance(r, (ta.Tensor, torch.Tensor)):
        return ("tensor", tuple(r.shape), str(r.dtype).replace("torch.", ""),
                _rounded(r.tolist()), r.stride(), r.requires_grad)
    if isinstance(r, (tuple, list)):
        return tuple(_describe(v) for v in r)
    if isinstance(r, (ta.Size, torch.Size)):
        return ("size", tuple(r))
    return ("value", repr(r).replace("torch.", ""))


def _run(lib, src):
    env = {"np": np, "lib": lib, "t": lib.tensor}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(src, env)
    except Exception as e:  # noqa: BLE001 (the error's type is what is compared)
        return ("error", type(e).__name__)
    return _describe(env.get("r"))


def _check(src):
    ours, theirs = _run(ta, src), _run(torch, src)
    assert ours == theirs, f"{src}: torch {theirs}, ours {ours}"


# --- 1. torch's dtype class and small functions -------------------------------------------

FUNCTIONS = [
    "r = isinstance(lib.zeros(2).dtype, lib.dtype)",
    "r = isinstance(lib.int8, lib.dtype)",
    "def f(x, d: lib.dtype = lib.float32): return x.to(d)\nr = f(lib.ones(2), lib.float64)",
    "a = lib.ones(2, requires_grad=True); r = lib.detach(a * 2)",
    "r = lib.detach(1)",
    "r = (lib.is_complex(lib.zeros(2)), lib.is_complex(lib.zeros(2, dtype=lib.int64)))",
    "r = lib.is_complex(1)",
    "r = lib.scalar_tensor(1)",
    "r = lib.scalar_tensor(True)",
    "r = lib.scalar_tensor(2, dtype=lib.int64)",
    "r = lib.scalar_tensor(1.5, requires_grad=True)",
    "r = lib.scalar_tensor(t(1.0))",
    "r = lib.scalar_tensor(t([1.0]))",
    "r = lib.rsub(t([1, 2]), 5)",
    "r = lib.rsub(t([1., 2.]), t(5.), alpha=2)",
    "r = lib.rsub(t([1, 2]), 5.5)",
    "r = lib.rsub(5, t([1, 2]))",
    "r = lib.rsub(t([True]), t([True]))",
    "a = t([1., 2.], requires_grad=True); lib.rsub(a, 3., alpha=2).sum().backward(); r = a.grad",
    "r = (lib.typename(lib.zeros(2)), lib.typename(lib.zeros(2, dtype=lib.int64)), "
    "lib.typename(3), lib.typename([1]))",
    "r = lib.range(1, 4)",
    "r = lib.range(0, 1, 0.25)",
    "r = lib.range(1, 4, dtype=lib.int64)",
    "r = lib.range(0, 1, 0.3)",
    "r = lib.range(3, 1, -1)",
    "r = lib.range(3, 1)",
    "r = lib.range(1, 3, 0)",
    "r = lib.range(end=3, start=1)",
    "r = lib.range(1, 4, requires_grad=True)",
    "r = lib.chain_matmul(lib.ones(2, 3), lib.ones(3, 4), lib.ones(4, 1))",
    "r = lib.chain_matmul(lib.ones(2, 3))",
    "r = lib.chain_matmul()",
    "a = lib.ones(2, 3, requires_grad=True); lib.chain_matmul(a, lib.ones(3, 2)).sum()"
    ".backward(); r = a.grad",
]


@pytest.mark.parametrize("src", FUNCTIONS)
def test_functions_as_torch(src):
    _check(src)


def test_range_and_chain_matmul_warn_as_torch():
    with pytest.warns(UserWarning, match="deprecated"):
        ta.range(1, 2)
    with pytest.warns(UserWarning, match="deprecated"):
        ta.chain_matmul(ta.ones(2, 2), ta.ones(2, 2))


# --- 2. the checks torch makes: .grad, set_default_dtype, setitem values, retain_grad -------

CHECKS = [
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = lib.ones(3)",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = lib.ones(2, dtype=lib.float64)",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = lib.ones(2, dtype=lib.int64)",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = lib.ones(1)",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = [1., 2.]",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = p",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = lib.ones(2); r = p.grad",
    "p = lib.nn.Parameter(lib.zeros(2)); p.grad = lib.ones(2); p.grad = None; r = p.grad",
    "x = lib.zeros(2); x.grad = lib.ones(3)",
    "x = lib.zeros(2, dtype=lib.int64); x.grad = lib.ones(2, dtype=lib.int64); r = x.grad",
    "y = lib.ones(2, requires_grad=True) * 2; y.grad = lib.ones(3)",
    "q = lib.zeros(2, 3); q.grad = lib.ones(3, 2).t(); r = q.grad",
    "lib.set_default_dtype(t([1.]))",
    "lib.set_default_dtype('float64')",
    "lib.set_default_dtype(float)",
    "lib.set_default_dtype(None)",
    "lib.set_default_dtype(lib.int64)",
    "x = lib.zeros(3); x[:] = [1, 2, 3]",
    "x = lib.zeros(3); x[:] = (1, 2, 3)",
    "x = lib.zeros(3); x[:] = np.ones(3)",
    "x = lib.zeros(3); x[0] = np.float32(2)",
    "x = lib.zeros(3); x[0] = 1e300",
    "x = lib.zeros(3); x[0] = float('inf'); r = x",
    "x = lib.zeros(3); x.fill_(1e300)",
    "r = lib.full((2,), 1e300)",
    "r = lib.full((2,), 70000., dtype=lib.float16)",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = -0.5",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = -1.0",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = 255.9",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = float('nan')",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = -1; r = x",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = 0.5; r = x",
    "x = lib.zeros(3, dtype=lib.uint8); x[0] = True; r = x",
    "x = lib.zeros(3, dtype=lib.uint8); x[t([True, False, True])] = -0.5",
    "x = lib.zeros(3, dtype=lib.int8); x[0] = 200",
    "x = lib.zeros(3, dtype=lib.bool); x[0] = 5; r = x",
    "x = lib.zeros(3); x[[True, False, True]] = t(5); r = x",
    "x = lib.zeros(3); x[t([True, False, True])] = t(5); r = x",
    "x = lib.zeros(3); x[t([0, 2])] = t(5)",
    "x = lib.zeros(3); x[t([True, False, True])] = t([5, 6])",
    "lib.zeros(2).retain_grad()",
    "a = lib.zeros(2, requires_grad=True); a.retain_grad(); r = a.is_leaf",
    "a = lib.ones(2, requires_grad=True); y = a * 2; y.retain_grad(); y.sum().backward(); "
    "r = y.grad",
]


@pytest.mark.parametrize("src", CHECKS)
def test_checks_as_torch(src):
    default = ta.get_default_dtype()
    try:
        _check(src)
    finally:
        ta.set_default_dtype(default)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_set_default_dtype_takes_the_float_dtypes(name):
    try:
        ta.set_default_dtype(getattr(ta, name))
        assert ta.ones(1).dtype == np.dtype(name)
        ta.set_default_dtype(getattr(np, name))  # numpy's names for the same dtypes
        assert ta.get_default_dtype() == np.dtype(name)
    finally:
        ta.set_default_dtype(ta.float32)


def test_the_engine_still_accumulates_through_the_checked_setter():
    p = ta.nn.Parameter(ta.ones(3))
    for _ in range(2):
        (p * 2).sum().backward()
    assert p.grad.tolist() == [4.0, 4.0, 4.0]


# --- 3. Tensor methods: new, data_ptr, is_same_size, resize_as_, share, pin, unsafe_* --------

METHODS = [
    "x = lib.arange(6.).reshape(2, 3); r = x.new()",
    "x = lib.arange(6.).reshape(2, 3); r = x.new(2, 3).shape",
    "x = lib.arange(6.).reshape(2, 3); r = x.new([1, 2])",
    "x = lib.arange(6.).reshape(2, 3); r = x.new((2, 3))",
    "x = lib.arange(6.).reshape(2, 3); r = x.new(t([1, 2]))",
    "x = lib.arange(6.).reshape(2, 3); r = x.new(lib.Size([2])).shape",
    "r = lib.ones(2, requires_grad=True).new(2).requires_grad",
    "r = t([1]).new([1.5])",
    "x = lib.arange(6.).reshape(2, 3); r = (x.data_ptr() == x[0].data_ptr(), "
    "x.data_ptr() == x[1].data_ptr(), x[1].data_ptr() - x.data_ptr(), "
    "x.view(3, 2).data_ptr() == x.data_ptr(), x.t().data_ptr() == x.data_ptr(), "
    "x.clone().data_ptr() == x.data_ptr())",
    "r = lib.zeros(0).data_ptr()",
    "x = lib.zeros(2, 3); r = (x.is_same_size(lib.zeros(2, 3)), x.is_same_size(lib.ones(3, 2)))",
    "r = lib.zeros(2, 3).is_same_size((2, 3))",
    "y = lib.arange(4.); r = (y.resize_as_(lib.zeros(2, 2)), y.shape)",
    "r = lib.arange(2.).resize_as_(lib.zeros(2, 3)).shape",
    "r = lib.arange(6.).resize_as_(lib.zeros(2))",
    "lib.zeros(2, requires_grad=True).resize_as_(lib.zeros(2, 2))",
    "(lib.zeros(2, requires_grad=True) * 2).resize_as_(lib.zeros(2))",
    "y = lib.arange(4.); v = y.view(2, 2); y.resize_as_(lib.zeros(4, 1)); y[0, 0] = 9; r = v",
    "r = lib.arange(4.).resize_(2, 2)",
    "x = lib.zeros(2); r = (x.is_shared(), x.share_memory_() is x, x.is_shared(), "
    "lib.zeros(2).is_shared())",
    "r = lib.zeros(2).is_pinned()",
    "lib.zeros(2).pin_memory()",
    "x = lib.arange(6.).reshape(2, 3); r = x.unsafe_chunk(2, 1)",
    "x = lib.arange(6.).reshape(2, 3); r = x.unsafe_split(2, 1)",
    "x = lib.arange(6.).reshape(2, 3); r = x.unsafe_split_with_sizes([1, 2], 1)",
    "x = lib.arange(6.).reshape(2, 3); r = lib.unsafe_split(x, 1, 0)",
    "a = lib.arange(4., requires_grad=True); p, q = a.unsafe_split(2); "
    "(p * 2 + q * 3).sum().backward(); r = a.grad",
]


@pytest.mark.parametrize("src", METHODS)
def test_methods_as_torch(src):
    _check(src)


# --- 3b. the in-place metadata ops ------------------------------------------------------------

METADATA_OPS = {"t_": "t_()", "transpose_": "transpose_(0, 1)", "swapaxes_": "swapaxes_(0, 1)",
                "swapdims_": "swapdims_(0, 1)", "squeeze_": "squeeze_()",
                "squeeze_dim": "squeeze_(0)", "unsqueeze_": "unsqueeze_(0)",
                "unsqueeze_end": "unsqueeze_(-1)"}
METADATA_PROGRAMS = [
    # a plain tensor: the same object, new sizes and strides, the version moves
    "b = lib.arange(3.).reshape(1, 3); v0 = b._version; s = b.{op}; "
    "r = (s is b, b.shape, b.stride(), b._version - v0, b)",
    # a leaf that requires grad refuses, in grad mode
    "b = lib.zeros(1, 3, requires_grad=True); b.{op}",
    # ... and runs under no_grad, staying a leaf that requires grad
    "b = lib.zeros(1, 3, requires_grad=True)\nwith lib.no_grad(): b.{op}\n"
    "r = (b.shape, b.is_leaf, b.requires_grad)",
    # a non-leaf: the change joins the graph
    "a = lib.arange(3., requires_grad=True); n = a.reshape(1, 3) * 2; n.{op}; "
    "(n * lib.arange(3.).reshape(n.shape)).sum().backward(); r = (n.shape, a.grad)",
    # second derivatives through it
    "a = lib.arange(3., dtype=lib.float64, requires_grad=True); n = (a * a).reshape(1, 3); "
    "n.{op}; g, = lib.autograd.grad((n * n).sum(), a, create_graph=True); "
    "g.sum().backward(); r = (g, a.grad)",
    # a node that saved the tensor refuses it once its metadata changed in place
    "a = lib.ones(3, requires_grad=True); y = (a * 2).reshape(1, 3); z = y * y; y.{op}; "
    "z.sum().backward()",
    # a view: its base keeps its shape, the memory stays shared
    "x = lib.arange(6.).reshape(2, 3); v = x[0:1]; v.{op}; v.mul_(10); r = (v, x)",
    # views of it made before keep their shape and memory
    "x = lib.arange(3.).reshape(1, 3); w = x[0]; x.{op}; w.add_(1); r = (x, w)",
    # in grad mode, a later in-place change through it reaches its base's graph
    "a = lib.arange(6., requires_grad=True); x = a * 1; v = x.reshape(2, 3)[0:1]; v.{op}; "
    "v.mul_(lib.arange(3.).reshape(v.shape)); x.sum().backward(); r = (x, a.grad)",
]


@pytest.mark.parametrize("program", METADATA_PROGRAMS)
@pytest.mark.parametrize("op", METADATA_OPS.values(), ids=METADATA_OPS.keys())
def test_in_place_metadata_ops_as_torch(program, op):
    _check(program.format(op=op))


@pytest.mark.parametrize("src", [
    "r = lib.zeros(1, 2, 3).t_()",
    "r = lib.zeros(1, 2, 1).squeeze_((0, 2)).shape",
    "r = lib.zeros(2).unsqueeze_(3)",
    "r = lib.zeros(2, 2).transpose_(0, 2)",
])
def test_in_place_metadata_op_errors_as_torch(src):
    _check(src)


# --- 4. spellings: squeeze(0, 2), view(dtype), softmax(dim, dtype), count_nonzero(0, 1) -----

SPELLINGS = [
    "r = lib.zeros(1, 2, 1).squeeze(0, 2).shape",
    "r = lib.zeros(1, 2, 1).squeeze((0, 2)).shape",
    "r = lib.zeros(1, 2, 1).squeeze(0, 1).shape",
    "r = lib.zeros(1, 2, 1).squeeze(0, 0)",
    "r = lib.zeros(1, 2, 1).squeeze(0, 5)",
    "r = lib.squeeze(lib.zeros(1, 2, 1), (0, 2)).shape",
    "r = t([1.0, -2.0]).view(lib.int32)",
    "r = t([1.0, -2.0]).view(dtype=lib.int32)",
    "r = t([1.0], dtype=lib.float64).view(lib.float32)",
    "r = t([1.0], dtype=lib.float64).view(lib.float16)",
    "r = t([1.0, 2.0]).view(lib.float64)",
    "r = t([1.0, 2.0, 3.0]).view(lib.float64)",
    "r = t([[1.0], [2.0]]).view(lib.uint8)",
    "r = t([[1.0], [2.0]]).view(lib.uint8).view(lib.float32)",
    "r = t(1.0).view(lib.int32)",
    "r = t(1.0).view(lib.int16)",
    "r = lib.zeros(2, 2).t().view(lib.int16)",
    "r = lib.zeros(2, 2).t().view(lib.int32)",
    "r = lib.zeros(4)[1:].view(lib.float64)",
    "r = lib.zeros(5)[1:].view(lib.float64)",
    "r = lib.zeros(2, 4)[:, 1:3].view(lib.float64)",
    "r = t([1, 0], dtype=lib.uint8).view(lib.bool)",
    "r = t([1., 2.], requires_grad=True).view(lib.int32)",
    "r = t([1., 2.], requires_grad=True).view(lib.float32)",
    "x = t([1.0, -2.0]); v = x.view(lib.int32); v[0] = 0; r = (x, v)",
    "x = t([1.0, -2.0]); v = x.view(lib.int32); v0 = x._version; v.add_(1); "
    "r = x._version - v0",
    "r = t([1., 2.]).softmax(0, lib.float64)",
    "r = t([1., 2.]).log_softmax(0, lib.float64)",
    "r = t([1., 2.]).softmax(0, dtype=lib.float64)",
    "r = t([1, 2]).softmax(0, lib.float32)",
    "a = t([1., 2.], requires_grad=True); y = a.log_softmax(0, lib.float64); "
    "(y * t([1., 3.], dtype=lib.float64)).sum().backward(); r = (y, a.grad)",
    "r = t([[0., 1.], [2., 0.]]).count_nonzero(0, 1)",
    "r = t([[0., 1.], [2., 0.]]).count_nonzero(0)",
    "r = lib.count_nonzero(t([[0., 1.], [2., 0.]]), (0, 1))",
    "r = lib.count_nonzero(t([[0., 1.], [2., 0.]]), 0, 1)",
    "r = t([[0., 1.], [2., 0.]]).count_nonzero(0, 0)",
]


@pytest.mark.parametrize("src", SPELLINGS)
def test_spellings_as_torch(src):
    _check(src)


# --- 5. a Size through save / load ------------------------------------------------------------

def test_a_saved_size_loads_back_a_size():
    x = ta.zeros(2, 3)
    buf = io.BytesIO()
    ta.save({"s": x.shape, "t": (2, 3), "e": x[0].shape[1:], "l": [x.size(), 4]}, buf)
    buf.seek(0)
    got = ta.load(buf)
    assert type(got["s"]) is ta.Size and got["s"] == (2, 3)
    assert type(got["t"]) is tuple and type(got["e"]) is ta.Size and got["e"] == ()
    assert type(got["l"][0]) is ta.Size and got["l"][1] == 4
    assert repr(got["s"]) == repr(torch.Size([2, 3]))
