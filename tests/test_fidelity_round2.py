"""The engine and the activations against PyTorch, second round (issue #13: a reviewer's
ported programs and the torch-diff campaign): formatting a 0-d tensor, numpy's ``out=``
into ``.data`` (the ndarray), ``requires_grad`` as an attribute, the small queries and
keyword forms, ``grad_fn.next_functions``, grad mode inside inference mode, the second
derivatives of elu / selu / celu / prelu at 0, hardsigmoid's float32 slope, tanhshrink's
gradient, softmax's layout, RNNBase's missing forward and the recurrent cells' dtypes.

Each case runs in both frameworks where it can (torch is imported lazily: without it those
cases skip) and must agree: the same values and dtype, or the same type of error."""
import itertools
import math

import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts.api import idioms
from tinygrad_acts.ops import OPS
from tinygrad_acts.ops.rnn import cell_dtype

from tests.helpers import same_as_torch


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# --- 1. format: a 0-d tensor formats as its number ------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: f"{m.tensor(1.2345):.2f}",
    lambda m: f"{m.tensor(1.2345)}",
    lambda m: f"{m.tensor(2.0)}",
    lambda m: f"{m.tensor(1 / 3, dtype=m.float64):.10f}",
    lambda m: f"{m.tensor(1.5, requires_grad=True) * 2:.3f}",
    lambda m: f"{m.tensor(7)}|{m.tensor(3, dtype=m.uint8):03d}|{m.tensor(True)}",
    lambda m: f"{m.ones(2, 3)[0, 1]:>6.1f}",
    lambda m: format(m.ones(2), ".2f"),            # not 0-d: a TypeError, as object's
    lambda m: f"{m.ones(1):>10}",
    lambda m: format(m.nn.Parameter(m.tensor(1.5)), ".2f"),   # a subclass: as an object
])
def test_format_as_torch(torch, call):
    same_as_torch(torch, call)


def test_format_of_a_tensor_with_an_empty_spec_is_its_str():
    x = ta.tensor([[1.0, -2.0]])
    assert f"{x}" == str(x) and format(x, "") == repr(x)


# --- 2. numpy's out= into .data (an ndarray): w.data += -lr * w.grad -----------------------------

def _trained(m, update):
    w = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    update(w)
    return w.detach()


@pytest.mark.parametrize("update", [
    lambda w: w.data.__iadd__(-0.1 * w.grad),
    lambda w: w.data.__isub__(0.1 * w.grad),
    lambda w: w.data.__imul__(w.grad * 0 + 0.5),
])
def test_in_place_numpy_arithmetic_on_data_updates_the_values(torch, update):
    ours = _trained(ta, update).numpy()
    theirs = _trained(torch, update).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_data_plus_equals_a_tensor_writes_the_array_itself_with_no_graph():
    w = ta.ones(2, requires_grad=True)
    (w * w).sum().backward()
    before, version = w._array, w._version
    w.data += -0.1 * w.grad
    assert w._array is before and w.requires_grad and w.is_leaf and w.grad_fn is None
    np.testing.assert_allclose(w.data, [0.8, 0.8], rtol=1e-6)
    assert w._version == version  # behind autograd's back, as a write through .data


def test_np_add_with_an_ndarray_out_returns_that_array():
    a = np.ones(3, np.float32)
    t = ta.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = np.add(a, t, out=a)
    assert out is a and a.tolist() == [2.0, 3.0, 4.0]
    b = np.zeros(3)
    assert np.multiply(t, 2, out=(b,)) is b and b.tolist() == [2.0, 4.0, 6.0]


def test_np_ufunc_with_a_tensor_out_is_refused_as_torch(torch):
    for m in (ta, torch):
        with pytest.raises(TypeError):
            np.add(np.ones(2), m.ones(2), out=m.ones(2))
    t = ta.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="numpy.add.*out=Tensor"):
        np.add(t, 1, out=ta.zeros(2))


def test_a_ufunc_without_out_stays_in_the_graph_and_keywords_are_still_refused():
    t = ta.tensor([1.0, 2.0], requires_grad=True)
    assert np.exp(t).grad_fn is not None
    with pytest.raises(TypeError):
        np.add(t, 1, dtype=np.float64)


# --- 3. requires_grad as an attribute, queries, keyword forms, next_functions ----------------

@pytest.mark.parametrize("call", [
    lambda m: setattr(m.tensor([1, 2]), "requires_grad", True),
    lambda m: setattr(m.tensor([True]), "requires_grad", True),
    lambda m: setattr(m.ones(2, requires_grad=True) * 2, "requires_grad", False),
    lambda m: setattr(m.ones(2, requires_grad=True) * 2, "requires_grad", True),
    lambda m: setattr(m.tensor([1, 2]), "requires_grad", False),
])
def test_setting_requires_grad_as_torch(torch, call):
    same_as_torch(torch, call)


def test_setting_requires_grad_on_a_leaf_records_and_unsets_its_views_follow(torch):
    for m in (ta, torch):
        w = m.ones(2)
        v = w[0]  # a view with no graph: it follows its base, as in torch
        w.requires_grad = True
        assert (w * 2).requires_grad and v.requires_grad and v.is_leaf
        w.requires_grad = False
        assert not (w * 2).requires_grad and not v.requires_grad


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, 3).nelement(),
    lambda m: m.ones(2, 3).is_floating_point(),
    lambda m: m.tensor([1, 2]).is_floating_point(),
    lambda m: m.tensor([True]).is_floating_point(),
    lambda m: m.ones(2, dtype=m.float64).is_complex(),
    lambda m: m.ones(2).get_device(),
    lambda m: m.ones(2).is_cuda,
    lambda m: m.ones(2).is_cpu,
    lambda m: len(m.tensor(1.0)),
    lambda m: len(m.ones(3, 2)),
    lambda m: m.ones(2, 3).view(4, 2),
    lambda m: m.ones(2, 3).view(-1, 4),
    lambda m: m.ones(2, 3).t().view(6),
    lambda m: m.ones(2, 3).view(size=(3, 2)),
    lambda m: m.ones(2, 3).view(size=[3, 2]),
    lambda m: m.ones(2, 3).view(3, 2, size=(3, 2)),
    lambda m: m.ones(2, 3).reshape(shape=(3, 2)),
    lambda m: m.ones(2, 3).reshape(3, 2, shape=(3, 2)),
    lambda m: m.arange(6).reshape(2, 3).permute(dims=(1, 0)),
    lambda m: m.arange(6).reshape(2, 3).permute(1, 0, dims=(1, 0)),
    lambda m: m.arange(3).expand(size=(2, 3)),
    lambda m: m.arange(3).expand(size=[2, -1], implicit=False),
    lambda m: m.arange(3).expand(2, 3, size=(2, 3)),
])
def test_queries_and_keyword_forms_as_torch(torch, call):
    same_as_torch(torch, call)


def test_view_names_the_element_counts():
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        ta.ones(2, 3).view(4, 2)
    with pytest.raises(RuntimeError, match="not contiguous.*reshape"):
        ta.ones(2, 3).t().view(6)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ta.tensor(1.0))


def _function(name):
    """ta.<name>, or (until it joins ta.) the function in api/idioms.py."""
    return getattr(ta, name, None) or getattr(idioms, name)


@pytest.mark.parametrize("name, args, kwargs", [
    ("add", ([1.0, 2.0], 1), {"alpha": 2}), ("add", ([1.0, 2.0], [3.0, 4.0]), {}),
    ("sub", ([1.0, 2.0], 1), {"alpha": 3}), ("mul", ([1.0, 2.0], 2.5), {}),
    ("pow", ([1.0, 2.0], 2), {}), ("add", ([1, 2], 3), {}), ("mul", ([1, 2], 0.5), {}),
])
def test_function_forms_as_torch(torch, name, args, kwargs):
    def call(m):
        fn = getattr(m, name) if m is torch else _function(name)
        return fn(m.tensor(args[0]), *[m.tensor(a) if isinstance(a, list) else a
                                       for a in args[1:]], **kwargs)
    same_as_torch(torch, call)


def test_function_forms_take_a_number_first_and_out():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    assert _function("pow")(2, x).tolist() == [2.0, 4.0]
    assert _function("add")(1, x).tolist() == [2.0, 3.0]
    out = ta.zeros(2)
    assert _function("mul")(x.detach(), 3, out=out) is out and out.tolist() == [3.0, 6.0]
    with pytest.raises(RuntimeError, match="out="):
        _function("mul")(x, 3, out=out)
    with pytest.raises(TypeError, match="add"):
        _function("add")(1, 2)
    y = _function("clone")(x)
    assert y.grad_fn is not None and y.tolist() == x.tolist()
    assert _function("clone")(ta.ones(2, 3).t(), memory_format="contiguous_format"
                              ).is_contiguous()


def _edges(node, torch_like):
    """next_functions as names: the node types (AccumulateGrad, or None), and for each
    AccumulateGrad whether its variable is a given leaf."""
    return [None if n is None else "AccumulateGrad" if "AccumulateGrad" in type(n).__name__
            else "node" for n, _ in node.next_functions]


def test_next_functions_as_torch(torch):
    for m in (ta, torch):
        w = m.ones(2, requires_grad=True)
        y = (w * w).sum()
        (mul, i), = y.grad_fn.next_functions
        assert i == 0 and _edges(y.grad_fn, m) == ["node"]
        assert _edges(mul, m) == ["AccumulateGrad", "AccumulateGrad"]
        assert mul.next_functions[0][0].variable is w
        assert _edges((w * 2 + 1).grad_fn, m) == ["node", None]
        assert _edges((w * m.ones(2)).grad_fn, m) == ["AccumulateGrad", None]
    w = ta.ones(2, requires_grad=True)
    a, b = (w * w).grad_fn.next_functions
    assert a == b and a[0].next_functions == () and "AccumulateGrad" in repr(a[0])


def test_a_4d_transpose_made_contiguous_can_be_viewed_in_grad_mode():
    a = ta.randn(2, 3, 4, 5, requires_grad=True)
    y = a.transpose(1, 2).contiguous().view(2, 4, 15)
    y.sum().backward()
    assert a.grad.shape == a.shape and a.grad.tolist() == ta.ones(2, 3, 4, 5).tolist()


# --- 4. grad mode inside inference mode: torch's answers, nothing recorded ----------------------

def _modes(m, inner):
    w = m.ones(2, requires_grad=True)
    with m.inference_mode():
        outer = m.is_grad_enabled()
        with inner(m):
            answer, recorded = m.is_grad_enabled(), (w * 2).requires_grad
        back = m.is_grad_enabled()
    return outer, answer, recorded, back, m.is_grad_enabled()


@pytest.mark.parametrize("inner", [
    lambda m: m.enable_grad(), lambda m: m.set_grad_enabled(True), lambda m: m.no_grad(),
    lambda m: m.inference_mode(False), lambda m: m.set_grad_enabled(False),
])
def test_is_grad_enabled_inside_inference_mode_as_torch(torch, inner):
    assert _modes(ta, inner) == _modes(torch, inner)


def test_inference_mode_false_inside_no_grad_turns_grad_mode_on(torch):
    for m in (ta, torch):
        with m.no_grad(), m.inference_mode(False):
            assert m.is_grad_enabled() and (m.ones(1, requires_grad=True) * 2).requires_grad
        assert m.is_grad_enabled()


def test_the_record_decision_is_is_recording():
    with ta.inference_mode(), ta.enable_grad():
        assert ta.is_grad_enabled() and not ta.autograd.is_recording()
    with ta.enable_grad():
        assert ta.autograd.is_recording()


# --- 5. activations: second derivatives at 0, hardsigmoid's slope, tanhshrink, layouts ---------

def _derivatives(m, f, x, w=None):
    """First and second derivatives of sum(f(x)) at x (float64), w a slope that requires
    grad too when given; the second with respect to each input."""
    x = m.tensor(x, dtype=m.float64, requires_grad=True)
    ins = (x,) if w is None else (x, m.tensor(w, dtype=m.float64, requires_grad=True))
    grad = m.grad if m is ta else m.autograd.grad
    g = grad(f(*ins).sum(), ins, create_graph=True)
    gg = grad(sum(gi.sum() for gi in g), ins, allow_unused=True)
    return [gi.tolist() for gi in g], [None if gi is None else gi.tolist() for gi in gg]


_AT_ZERO = [0.0, -0.0, 1.0, -1.0, -2.5]


@pytest.mark.parametrize("name, f, w", [
    ("elu", lambda F, x: F.elu(x), None),
    ("elu(2)", lambda F, x: F.elu(x, 2.0), None),
    ("selu", lambda F, x: F.selu(x), None),
    ("celu(0.5)", lambda F, x: F.celu(x, 0.5), None),
    ("prelu", lambda F, x, w: F.prelu(x, w), [0.25]),
    ("prelu(-)", lambda F, x, w: F.prelu(x, w), [-0.5]),
])
def test_second_derivatives_at_zero_as_torch(torch, name, f, w):
    import torch.nn.functional as tF
    ours = _derivatives(ta, lambda *a: f(F, *a), _AT_ZERO, w)
    theirs = _derivatives(torch, lambda *a: f(tF, *a), _AT_ZERO, w)
    np.testing.assert_allclose(np.array(ours[0][0]), np.array(theirs[0][0]), rtol=1e-12)
    np.testing.assert_allclose(np.array(ours[1][0]), np.array(theirs[1][0]), rtol=1e-12, atol=0)


def test_prelu_second_derivative_in_the_slope_is_the_derivative_of_the_first():
    """d/dw of dy/dx = w (x <= 0) is 1 at x = 0 too: finite differences of the first
    derivative agree (torch's double backward says 0 there: a known difference)."""
    (gx, _), (ggx, ggw) = _derivatives(ta, F.prelu, _AT_ZERO, [0.25])
    assert gx == [0.25, 0.25, 1.0, 0.25, 0.25] and ggx == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert ggw == [4.0]  # the four x <= 0, each d(g w)/dw = g = 1
    w = ta.tensor([0.25], dtype=ta.float64, requires_grad=True)
    assert ta.gradgradcheck(F.prelu, (ta.zeros(3, dtype=ta.float64, requires_grad=True), w),
                            kinks=(0.0,))  # (x itself at the kink: its own column skipped)


def test_second_derivatives_at_zero_are_zero_and_the_first_keeps_its_left_slope():
    (g,), (gg,) = _derivatives(ta, F.elu, [0.0, -0.0])
    assert g == [1.0, 1.0] and gg == [0.0, 0.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hardsigmoid_slope_is_torchs_float32_sixth(torch, dtype):
    x = [-2.9, 0.0, 1.5, 2.99, -3.0, 3.0, 4.0]
    ours = ta.tensor(x, dtype=getattr(ta, dtype), requires_grad=True)
    theirs = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    F.hardsigmoid(ours).sum().backward()
    torch.nn.functional.hardsigmoid(theirs).sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist()  # the same bits
    assert ours.grad.tolist()[0] == float(np.float32(1 / 6))


def test_hardsigmoid_gives_zero_outside_even_for_an_infinite_gradient(torch):
    for m, fn in ((ta, F.hardsigmoid), (torch, torch.nn.functional.hardsigmoid)):
        x = m.tensor([5.0, 0.0], requires_grad=True)
        y = fn(x)
        y.backward(m.tensor([math.inf, 1.0]))
        assert x.grad.tolist() == [0.0, pytest.approx(1 / 6)]


def test_tanhshrink_gradient_as_torch(torch):
    x = np.linspace(-4, 4, 33).astype(np.float32)
    grads = []
    for m, fn in ((ta, F.tanhshrink), (torch, torch.nn.functional.tanhshrink)):
        t = m.tensor(x, requires_grad=True)
        fn(t).sum().backward()
        grads.append(t.grad.tolist())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5)  # g - g (1 - t^2), as torch
    for m, fn in ((ta, F.tanhshrink), (torch, torch.nn.functional.tanhshrink)):
        t = m.tensor([3e38], requires_grad=True)
        fn(t).backward(m.tensor([math.inf]))  # inf - inf (1 - 1): nan, not inf
        assert math.isnan(t.grad.item())


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("make, dim", [
    (lambda m: m.arange(12.0).reshape(3, 4).t(), 0),
    (lambda m: m.arange(12.0).reshape(3, 4).t(), 1),
    (lambda m: m.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1), 1),
    (lambda m: m.arange(12.0, requires_grad=True).reshape(3, 4).t(), 0),
])
def test_softmax_of_a_transposed_input_is_contiguous_as_torch(torch, fn, make, dim):
    ours = getattr(F, fn)(make(ta), dim)
    theirs = getattr(torch.nn.functional, fn)(make(torch), dim)
    assert ours.stride() == theirs.stride() and ours.is_contiguous()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


# --- 6. recurrent: RNNBase has no forward; the cells' dtypes ----------------------------------

@pytest.mark.parametrize("make, args", [
    (lambda nn: nn.RNNBase("GRU", 2, 3), lambda m: (m.ones(1, 1, 2),)),
    (lambda nn: nn.RNNBase("LSTM", 2, 3), lambda m: (m.ones(1, 1, 2),)),
    (lambda nn: nn.RNNCellBase(2, 3, True, 1), lambda m: (m.ones(1, 2),)),
    (lambda nn: nn.GRU(2, 3), lambda m: (m.ones(1, 1, 2),)),
])
def test_rnnbase_forward_is_not_implemented_as_torch(torch, make, args):
    same_as_torch(torch, lambda m: tuple(make(m.nn)(*args(m))[0].shape))


_CELLS = [  # the name, torch's function, shapes: x, h, (c,) w_ih, w_hh, b_ih, b_hh
    ("lstm", "lstm_cell", [(2, 4), (2, 3), (2, 3), (12, 4), (12, 3), (12,), (12,)]),
    ("gru", "gru_cell", [(2, 4), (2, 3), (9, 4), (9, 3), (9,), (9,)]),
    ("rnn", "rnn_tanh_cell", [(2, 4), (2, 3), (3, 4), (3, 3), (3,), (3,)]),
]


@pytest.mark.parametrize("mode, name, shapes", _CELLS)
def test_cell_dtype_is_what_torch_computes_or_refuses(torch, mode, name, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    for kinds in itertools.product((torch.float32, torch.float64), repeat=len(shapes)):
        ts = [torch.tensor(a, dtype=k) for a, k in zip(arrays, kinds)]
        x, h, *rest = ts
        c, weights = (rest[0], rest[1:]) if mode == "lstm" else (h, rest)
        try:
            out = getattr(torch, name)(x, (h, c) if mode == "lstm" else h, *weights)
            expected = str((out[0] if mode == "lstm" else out).dtype).removeprefix("torch.")
        except RuntimeError:
            expected = "refused"
        ours = [np.asarray(a, np.float32 if k == torch.float32 else np.float64)
                for a, k in zip(arrays, kinds)]
        x, h, *rest = ours
        c, weights = (rest[0], rest[1:]) if mode == "lstm" else (None, rest)
        try:
            got = str(cell_dtype(name, mode, x, h, c, *weights))
        except RuntimeError:
            got = "refused"
        assert got == expected, (kinds, got, expected)


@pytest.mark.parametrize("row", ["lstm(proj_size)", "lstm(packed, proj_size)"])
def test_lstm_with_projections_promotes_as_torch(torch, row):
    spec = OPS[row]
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) * 0.5 for s in spec.cases[0]]
    for kinds in ("fdffdfdd", "ddfddddd", "dffdfdff", "fddfdfdd", "dfddfdfd", "fdffdfdf"):
        def call(m, kinds=kinds):
            dt = {"f": m.float32, "d": m.float64}
            args = [m.tensor(a, dtype=dt[k], requires_grad=True) for a, k in zip(arrays, kinds)]
            y = spec.fn(*args)
            y.sum().backward()
            return m.cat([y.reshape(-1).double()] + [a.grad.reshape(-1).double()
                                                     for a in args]).to(y.dtype)
        same_as_torch(torch, call, rtol=1e-4)


def test_lstm_cell_with_a_float64_cell_state_runs_as_torch(torch):
    def call(m):
        f, d = m.float32, m.float64
        h, c = m.lstm_cell(m.ones(2, 4, dtype=f), (m.ones(2, 3, dtype=f), m.ones(2, 3, dtype=d)),
                           m.ones(12, 4, dtype=f) / 10, m.ones(12, 3, dtype=f) / 10)
        return m.cat([h, c])
    same_as_torch(torch, call, rtol=1e-4)


def test_fmod_by_a_number_saves_nothing_so_backward_runs_twice(torch):
    def call(m):
        x = m.tensor([1.0, -2.0, 2.5], requires_grad=True)
        y = m.fmod(x, 1.5).sum()
        y.backward()
        y.backward()
        return x.grad
    same_as_torch(torch, call)
