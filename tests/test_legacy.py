"""torch's legacy spellings (typed tensor classes, autograd.Variable, version), torch.random
and torch.utils.checkpoint: each against torch when it is installed."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.utils.checkpoint import checkpoint, checkpoint_sequential

try:
    import torch
    import torch.utils.checkpoint as torch_checkpoint
except ImportError:  # pragma: no cover - torch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

CALLS = [
    "m.FloatTensor([1, 2])", "m.FloatTensor(2, 3)", "m.FloatTensor()", "m.FloatTensor(3)",
    "m.FloatTensor(np.array([1.5, 2.0]))", "m.FloatTensor([[1, 2], [3, 4]])",
    "m.FloatTensor(m.ones(2))", "m.FloatTensor(m.ones(2, dtype=m.float64))",
    "m.FloatTensor(2.5)", "m.FloatTensor([1, 2], requires_grad=True)",
    "m.DoubleTensor([1, 2])", "m.LongTensor([1.7, 2])", "m.IntTensor([3])",
    "m.BoolTensor([1, 0])", "m.ByteTensor([1, 2])", "m.HalfTensor([0.5])",
    "m.ShortTensor([1])", "m.CharTensor([-1])", "m.LongTensor(m.Size([2, 3]))",
    "m.ones(2).type(m.DoubleTensor)", "m.ones(2, dtype=m.int64).type(m.FloatTensor)",
]


def _outcome(m, call):
    try:
        out = eval(call, {"m": m, "np": np})
    except Exception as e:  # noqa: BLE001 - the kind of error is what is compared
        return ("error", "TypeError" if isinstance(e, TypeError) else type(e).__name__)
    return ("value", str(out.dtype).replace("torch.", ""), tuple(out.shape),
            out.detach().numpy().tolist() if out.numel() and call != "m.FloatTensor(2, 3)" and
            "Size" not in call else None)


@needs_torch
@pytest.mark.parametrize("call", CALLS)
def test_typed_tensor_constructors_match_torch(call):
    ours, theirs = _outcome(ta, call), _outcome(torch, call)
    if call in ("m.FloatTensor(3)",):  # torch leaves the memory uninitialised: compare shapes
        ours, theirs = ours[:3], theirs[:3]
    assert ours == theirs


@pytest.mark.parametrize("name,dtype", [("FloatTensor", "float32"), ("DoubleTensor", "float64"),
                                        ("LongTensor", "int64"), ("BoolTensor", "bool")])
def test_isinstance_asks_the_dtype(name, dtype):
    cls = getattr(ta, name)
    assert isinstance(ta.zeros(2, dtype=np.dtype(dtype)), cls)
    assert isinstance(ta.zeros(2, dtype=np.dtype(dtype)), ta.Tensor)
    other = "int64" if dtype != "int64" else "float32"
    assert not isinstance(ta.zeros(2, dtype=np.dtype(other)), cls)
    assert not isinstance(np.zeros(2, dtype), cls) and cls.dtype == np.dtype(dtype)


@pytest.mark.parametrize("lib", ["ta", "torch"])
def test_variable_is_a_detached_tensor(lib):
    if lib == "torch" and torch is None:
        pytest.skip("torch is not installed")
    m = ta if lib == "ta" else torch
    x = m.ones(2, requires_grad=True)
    v = m.autograd.Variable(x)
    assert type(v) is m.Tensor and v is not x and not v.requires_grad and v.is_leaf
    w = m.autograd.Variable(m.ones(2), requires_grad=True)
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]
    with pytest.warns(UserWarning, match="volatile"):
        m.autograd.Variable(m.ones(2), volatile=True)


def test_version_module():
    assert ta.version.__version__ == ta.__version__ and ta.version.cuda is None


def test_random_seeds_and_forks_the_package_generator():
    ta.random.manual_seed(5)
    assert ta.initial_seed() == 5 and ta.random.initial_seed() == 5
    first = ta.rand(3)
    ta.manual_seed(5)
    assert ta.equal(ta.rand(3), first)
    ta.manual_seed(-1)
    assert ta.initial_seed() == 2**64 - 1
    with pytest.raises(ValueError, match="64 bits"):
        ta.manual_seed(2**64)
    s = ta.seed()
    assert ta.initial_seed() == s and 0 <= s < 2**64
    before = ta.get_rng_state()
    with ta.random.fork_rng():
        ta.rand(10)
    assert ta.equal(ta.get_rng_state(), before)


def _pair(m, ck, reentrant, w, x_np):
    lin = m.nn.Linear(3, 4).double()
    with m.no_grad():
        lin.weight.copy_(m.tensor(w))
        lin.bias.zero_()
    x = m.tensor(x_np, requires_grad=True)

    def body(t, scale=2.0):
        return lin(t).tanh() * scale, t.sum()

    kwargs = {} if reentrant else {"scale": 3.0}
    y, z = ck(body, x, use_reentrant=reentrant, **kwargs)
    (y.sum() + z * 3).backward()
    return [a.detach().numpy() for a in (y, x.grad, lin.weight.grad, lin.bias.grad)]


@needs_torch
@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_gives_torchs_values_and_gradients(reentrant):
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    ours = _pair(ta, checkpoint, reentrant, w, x)
    theirs = _pair(torch, torch_checkpoint.checkpoint, reentrant, w, x)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_checkpoint_recomputes_dropout_with_the_same_mask():
    ta.manual_seed(0)
    drop = ta.nn.Dropout(0.5)
    x = ta.ones(1000, requires_grad=True)
    y = checkpoint(lambda t: drop(t) * t, x, use_reentrant=False)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * y.detach().numpy())


def test_checkpoint_keeps_nothing_of_the_function_until_backward():
    x = ta.ones(3, 2, requires_grad=True)
    y = checkpoint(lambda t: (t * 2).tanh(), x, use_reentrant=False)
    assert type(y.grad_fn).__name__ != "TanhBackward"  # one node for the whole function
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (1 - np.tanh(2.0) ** 2), rtol=1e-6)


def test_checkpoint_warns_without_use_reentrant_and_without_grad_inputs():
    x = ta.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant"):
        checkpoint(lambda t: t * 2, x)
    lin = ta.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="requires_grad"):
        out = checkpoint(lin, ta.ones(1, 2), use_reentrant=True)
    assert not out.requires_grad  # as torch's reentrant variant: the weights get nothing
    out = checkpoint(lin, ta.ones(1, 2), use_reentrant=False)
    out.sum().backward()
    assert lin.weight.grad is not None
    with pytest.raises(ValueError, match="keyword"):
        checkpoint(lambda t, s: t * s, x, use_reentrant=True, s=2)


def test_checkpoint_sequential_matches_the_plain_model():
    ta.manual_seed(1)
    seq = ta.nn.Sequential(ta.nn.Linear(3, 3), ta.nn.ReLU(), ta.nn.Linear(3, 3), ta.nn.Tanh())
    x = ta.randn(2, 3, requires_grad=True)
    seq(x).sum().backward()
    plain = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in seq.parameters()]
    x.grad = None
    seq.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint_sequential(seq, 2, x, use_reentrant=False).sum().backward()
    again = [x.grad.numpy()] + [p.grad.numpy() for p in seq.parameters()]
    for a, b in zip(plain, again):
        np.testing.assert_allclose(a, b, rtol=1e-6)
