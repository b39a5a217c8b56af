"""The engine's remaining corners against PyTorch (issue #13): ``div(rounding_mode=)`` as a
method and in place, ``==`` with a list, Python ints wrapped into an integer tensor's dtype,
``enable_grad()`` inside ``inference_mode()``, partially overlapping in-place ops, in-place
forms given ``dtype=`` / ``out=``, views changed in place, and ``stride()`` of views and
results. Each case runs in both frameworks (torch is imported lazily: without it they skip)
and must agree: the same values and dtype, or the same type of error."""
import threading

import numpy as np
import pytest

import tinygrad_acts as ta

from tests.helpers import same_as_torch


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# --- 1. div / div_ / divide / true_divide with rounding_mode ---------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.tensor([-7.0, 7.0, 5.5]).div(2, rounding_mode="trunc"),
    lambda m: m.tensor([-7.0, 7.0, 5.5]).div(2, rounding_mode="floor"),
    lambda m: m.tensor([-7.0, 7.0, 5.5]).div(2, rounding_mode=None),
    lambda m: m.tensor([-7.0, 7.0]).div(m.tensor([2.0, -2.0]), rounding_mode="floor"),
    lambda m: m.tensor([-7, 7]).div(2, rounding_mode="trunc"),
    lambda m: m.tensor([-7, 7]).div(2),
    lambda m: m.tensor([-7.0, 7.0, 5.5]).div_(2, rounding_mode="floor"),
    lambda m: m.tensor([-7.0, 7.0, 5.5]).div_(2, rounding_mode="trunc"),
    lambda m: m.tensor([-7, 7]).div_(2, rounding_mode="trunc"),
    lambda m: m.tensor([-7, 7]).div_(2, rounding_mode="floor"),
    lambda m: m.tensor([-7, 7]).div_(2),
    lambda m: m.tensor([-7, 7]).div_(2.5, rounding_mode="floor"),
    lambda m: m.tensor([-7.0, 7.0]).divide(2, rounding_mode="floor"),
    lambda m: m.tensor([-7.0, 7.0]).divide_(2, rounding_mode="trunc"),
    lambda m: m.tensor([-7.0, 7.0]).true_divide(2, rounding_mode="floor"),
    lambda m: m.tensor([-7.0, 7.0]).div(2, "floor"),
    lambda m: m.tensor([-7.0, 7.0]).div_(2, "floor")])
def test_div_methods_take_rounding_mode_as_torch(torch, call):
    same_as_torch(torch, call)


def test_a_rounded_div_in_place_has_zero_gradient(torch):
    grads = []
    for m in (ta, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        y = w * 1
        y.div_(2, rounding_mode="trunc")
        assert y.requires_grad and y.grad_fn is not None
        (y * 3).sum().backward()
        grads.append(w.grad.tolist())
    assert grads[0] == grads[1] == [0.0, 0.0]


def test_true_division_by_div_in_place_keeps_its_gradient():
    w = ta.tensor([1.0, 2.0], requires_grad=True)
    y = w * 1
    y.div_(2)
    y.sum().backward()
    assert w.grad.tolist() == [0.5, 0.5]


# --- 2. comparisons: a list operand, and Python ints wrapped into the tensor's dtype ---------

@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1.0, 2.0]) == [1.0, 2.0],
    lambda m: m.tensor([1.0, 2.0]) != [1.0, 2.0],
    lambda m: m.tensor([1.0, 2.0]) == (1.0, 2.0),
    lambda m: m.tensor([1.0, 2.0]) != (1.0, 2.0),
    lambda m: m.tensor([1.0, 2.0]) < [1.0, 2.0],
    lambda m: m.tensor([1.0, 2.0]) >= (1.0, 2.0),
    lambda m: [1.0, 2.0] == m.tensor([1.0, 2.0]),  # noqa: SIM300 (the reflected form)
    lambda m: m.tensor([1.0, 2.0]).eq([1.0, 2.0]),
    lambda m: m.tensor([1.0, 2.0]) == np.array([1.0, 3.0]),
    lambda m: m.tensor([1.0, 2.0]) == "a",
    lambda m: m.tensor([1.0, 2.0]) == None,  # noqa: E711 (what torch does with it)
])
def test_comparison_with_a_list_as_torch(torch, call):
    same_as_torch(torch, call)


_U8 = [0, 255]
_I8 = [-128, 127]


@pytest.mark.parametrize("call", [
    lambda m: m.tensor(_U8, dtype=m.uint8) == -1,
    lambda m: m.tensor(_U8, dtype=m.uint8) != -1,
    lambda m: m.tensor(_U8, dtype=m.uint8) < 256,
    lambda m: m.tensor(_U8, dtype=m.uint8) == 511,
    lambda m: m.tensor(_U8, dtype=m.uint8) > -1,
    lambda m: -1 == m.tensor(_U8, dtype=m.uint8),  # noqa: SIM300 (the reflected form)
    lambda m: -1 < m.tensor(_U8, dtype=m.uint8),  # noqa: SIM300
    lambda m: m.tensor(_U8, dtype=m.uint8).eq(-1),
    lambda m: m.tensor(_U8, dtype=m.uint8) == np.int64(-1),
    lambda m: m.tensor(_U8, dtype=m.uint8) == m.tensor(-1),
    lambda m: m.tensor(_U8, dtype=m.uint8) == -1.0,
    lambda m: m.tensor(_U8, dtype=m.uint8) == True,  # noqa: E712
    lambda m: m.tensor(_I8, dtype=m.int8) == 128,
    lambda m: m.tensor(_I8, dtype=m.int8) > 1000,
    lambda m: m.tensor(_I8, dtype=m.int8) <= -129,
    lambda m: m.tensor(_I8, dtype=m.int8) == 2 ** 70,
    lambda m: m.tensor([1, 2]) == 2 ** 63,
    lambda m: m.tensor([1, 2]) == -2 ** 63 - 1,
    lambda m: m.tensor([1.0, 2.0]) == 2 ** 64,
    lambda m: m.tensor([1.0, 2.0]) == 2 ** 63,
    lambda m: m.tensor([True]) == 256,
])
def test_python_int_comparisons_wrap_as_torch(torch, call):
    same_as_torch(torch, call)


# --- 3. inference mode wins over enable_grad / set_grad_enabled ------------------------------

def _recorded(m, inner):
    w = m.ones(2, requires_grad=True)
    with m.inference_mode(), inner(m):
        y = w * 2
    return y.requires_grad, y.grad_fn is None


@pytest.mark.parametrize("inner", [lambda m: m.enable_grad(), lambda m: m.set_grad_enabled(True),
                                   lambda m: m.no_grad()])
def test_enable_grad_inside_inference_mode_records_nothing(torch, inner):
    assert _recorded(ta, inner) == _recorded(torch, inner) == (False, True)


def test_enable_grad_as_decorator_inside_inference_mode_records_nothing():
    w = ta.ones(2, requires_grad=True)

    @ta.enable_grad()
    def double(x):
        return x * 2

    with ta.inference_mode():
        assert not double(w).requires_grad
    assert double(w).requires_grad


def test_inference_mode_false_inside_records_again_and_exit_restores():
    w = ta.ones(2, requires_grad=True)
    with ta.inference_mode():
        with ta.inference_mode(False):
            assert (w * 2).requires_grad and not ta.is_inference_mode_enabled()
        with ta.enable_grad():
            assert not (w * 2).requires_grad
        assert ta.is_inference_mode_enabled()
    with ta.enable_grad():
        assert (w * 2).requires_grad


def test_inference_mode_is_per_thread():
    w = ta.ones(2, requires_grad=True)
    seen = []
    with ta.inference_mode():
        thread = threading.Thread(target=lambda: seen.append(
            (ta.is_inference_mode_enabled(), (w * 2).requires_grad)))
        thread.start()
        thread.join()
    assert seen == [(False, True)]


# --- 4. partially overlapping in-place ops ----------------------------------------------------

_OVERLAPS = {
    "hypot_": lambda x: x[1:].hypot_(x[:-1]),
    "atan2_": lambda x: x[1:].atan2_(x[:-1]),
    "pow_": lambda x: x[1:].pow_(x[:-1]),
    "lerp_": lambda x: x[1:].lerp_(x[:-1], 0.5),
    "fmod_": lambda x: x[1:].fmod_(x[:-1]),
    "remainder_": lambda x: x[1:].remainder_(x[:-1]),
    "xlogy_": lambda x: x[1:].xlogy_(x[:-1]),
    "floor_divide_": lambda x: x[1:].floor_divide_(x[:-1]),
    "clamp_min_": lambda x: x[1:].clamp_min_(x[:-1]),
    "eq_": lambda x: x[1:].eq_(x[:-1]),
    "lt_": lambda x: x[1:].lt_(x[:-1]),
    "logical_and_": lambda x: x[1:].logical_and_(x[:-1]),
    "add_": lambda x: x[1:].add_(x[:-1]),
    "mul_": lambda x: x[1:].mul_(x[:-1]),
    "sub_": lambda x: x[1:].sub_(x[:-1]),
    "div_": lambda x: x[1:].div_(x[:-1]),
    "clamp_": lambda x: x[1:].clamp_(x[:-1], None),
    "copy_": lambda x: x[1:].copy_(x[:-1]),
    "setitem": lambda x: x.__setitem__(slice(1, None), x[:-1]),
    "copy_ of itself transposed": lambda x: x.view(2, 2).copy_(x.view(2, 2).t()),
    "mul_ by itself transposed": lambda x: x.view(2, 2).mul_(x.view(2, 2).t()),
    "hypot_ by itself transposed": lambda x: x.view(2, 2).hypot_(x.view(2, 2).t()),
    "add_ of an element": lambda x: x[:1].add_(x[0]),
    "copy_ exact": lambda x: x.copy_(x),
    "hypot_ exact": lambda x: x.hypot_(x),
    "add_ exact": lambda x: x.add_(x),
    "copy_ disjoint": lambda x: x[:2].copy_(x[2:]),
    "hypot_ disjoint": lambda x: x[:2].hypot_(x[2:]),
    "copy_ another tensor's transpose": lambda x: x.view(2, 2).copy_(x.view(2, 2).t().clone()),
    "copy_ of an element over two": lambda x: x[:2].copy_(x[0]),
    "copy_ of an element elsewhere": lambda x: x[1:3].copy_(x[0]),
    "setitem of a part": lambda x: x.__setitem__([1, 2], x[:2]),
    "fill_ with an element": lambda x: x.fill_(x[0]),
    "masked_fill_ with an element": lambda x: x.masked_fill_(x > 2, x[0]),
    "index_fill_ with an element": lambda x: x.index_fill_(0, x.new_tensor([1]).long(), x[0]),
    "interleaved add_": lambda x: x[::2].add_(x[1::2]),
    "interleaved copy_": lambda x: x[::2].copy_(x[1::2]),
    "columns add_": lambda x: x.view(2, 2)[:, :1].add_(x.view(2, 2)[:, 1:]),
    "reversed add_": lambda x: x.add_(x.flip(0)),
}


@pytest.mark.parametrize("name", list(_OVERLAPS))
def test_partially_overlapping_inplace_op_as_torch(torch, name):
    same_as_torch(torch, lambda m: _OVERLAPS[name](m.arange(4.0)))


def test_overlap_error_names_the_op():
    x = ta.arange(4.0)
    with pytest.raises(RuntimeError, match=r"hypot_: unsupported operation: some elements of "
                                           r"the input tensor and the written-to tensor"):
        x[1:].hypot_(x[:-1])
    with pytest.raises(RuntimeError, match="copy_: unsupported operation"):
        x[1:].copy_(x[:-1])
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]  # nothing was written


def test_overlap_is_refused_inside_a_graph_too(torch):
    def run(m):
        w = m.arange(4.0, requires_grad=True)
        h = w * 1
        return h[1:].hypot_(h[:-1])
    same_as_torch(torch, run)


# --- 5. in-place forms given dtype= or out= ---------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.arange(4.0).cumsum_(0, dtype=m.float64),
    lambda m: m.arange(4.0).cumsum_(0, dtype=m.float32),
    lambda m: m.arange(4.0).cumprod_(0, dtype=m.float64),
    lambda m: m.arange(4).cumsum_(0, dtype=m.float32),
    lambda m: m.arange(4).cumsum_(0, dtype=m.int32),
    lambda m: m.arange(4).cumsum_(0, dtype=m.int64),
    lambda m: m.tensor([True, False]).cumsum_(0),
    lambda m: m.tensor([True, False]).cumprod_(0),
    lambda m: m.arange(4.0).cumsum_(0, out=m.zeros(4)),
    lambda m: m.arange(4.0).sqrt_(out=m.zeros(4)),
    lambda m: m.arange(4.0).nan_to_num_(out=m.zeros(4)),
    lambda m: m.arange(4.0).add_(1, out=m.zeros(4)),
])
def test_inplace_forms_with_dtype_or_out_as_torch(torch, call):
    same_as_torch(torch, call)


def test_inplace_dtype_error_says_bad_inplace_call():
    with pytest.raises(RuntimeError, match=r"cumsum_: Bad in-place call: input tensor dtype "
                                           r"float32 and output tensor dtype float64"):
        ta.arange(4.0).cumsum_(0, dtype=ta.float64)


# --- 6. views changed in place: made under no_grad, and the pieces of split / chunk / unbind --

_VIEWS = {
    "slice": lambda t: t[1:], "reshape": lambda t: t.view(2, 2), "unsqueeze": lambda t: t[None],
    "transpose": lambda t: t.view(2, 2).t(), "expand of a piece": lambda t: t[:1].expand(1),
}
_WRITES = {
    "add_": lambda v: v.add_(1), "sqrt_": lambda v: v.sqrt_(), "copy_": lambda v: v.copy_(v * 0),
    "setitem": lambda v: v.__setitem__(0, 5.0), "zero_": lambda v: v.zero_(),
    "relu_": lambda v: v.relu_(), "lt_": lambda v: v.lt_(2), "fill_": lambda v: v.fill_(2),
    "clamp_": lambda v: v.clamp_(0, 1), "cumsum_": lambda v: v.cumsum_(0),
}


@pytest.mark.parametrize("write", list(_WRITES))
@pytest.mark.parametrize("view", list(_VIEWS))
@pytest.mark.parametrize("leaf", [True, False])
def test_a_no_grad_view_changed_in_place_in_grad_mode_as_torch(torch, view, write, leaf):
    def run(m):
        w = m.arange(4.0, requires_grad=True)
        t = w if leaf else w * 1
        with m.no_grad():
            v = _VIEWS[view](t)
        return _WRITES[write](v)
    same_as_torch(torch, run)


@pytest.mark.parametrize("write", list(_WRITES))
@pytest.mark.parametrize("split", ["split", "chunk", "unbind", "split_sizes", "tensor_split"])
def test_a_piece_of_a_multi_output_view_changed_in_place_as_torch(torch, split, write):
    pieces = {"split": lambda t: t.split(2), "chunk": lambda t: t.chunk(2),
              "unbind": lambda t: t.view(2, 2).unbind(), "split_sizes": lambda t: t.split([2, 2]),
              "tensor_split": lambda t: t.tensor_split(2)}

    def run(m):
        h = m.arange(4.0, requires_grad=True) * 1
        return _WRITES[write](pieces[split](h)[0])
    same_as_torch(torch, run)


# --- 7. stride() of views and of results ------------------------------------------------------

def _m(m):
    return m.arange(12.0).reshape(3, 4)


_STRIDES = {
    "t": lambda m: _m(m).t(), "t + 1": lambda m: _m(m).t() + 1,
    "t.contiguous": lambda m: _m(m).t().contiguous(), "[:, ::2]": lambda m: _m(m)[:, ::2],
    "[:, ::2] + 1": lambda m: _m(m)[:, ::2] + 1, "expand": lambda m: _m(m)[:1].expand(5, 4),
    "permute": lambda m: _m(m).reshape(3, 2, 2).permute(2, 0, 1),
    "permute * 2": lambda m: _m(m).reshape(3, 2, 2).permute(2, 0, 1) * 2,
    "t.clone": lambda m: _m(m).t().clone(), "[:, ::2].clone": lambda m: _m(m)[:, ::2].clone(),
    "expand.clone": lambda m: _m(m)[:1].expand(5, 4).clone(),
    "t[None]": lambda m: _m(m).t()[None], "[None, :, None]": lambda m: _m(m)[None, :, None],
    "unsqueeze(1)": lambda m: _m(m).unsqueeze(1),
    "t.reshape(4, 3, 1)": lambda m: _m(m).t().reshape(4, 3, 1),
    "(1, 3).t": lambda m: m.zeros(1, 3).t(), "(3, 0)": lambda m: m.zeros(3, 0),
    "(0, 3)": lambda m: m.zeros(0, 3), "(3,).expand(1, 3)": lambda m: m.zeros(3).expand(1, 3),
    "(1, 3).expand(2, 1, 3)": lambda m: m.zeros(1, 3).expand(2, 1, 3),
    "zeros_like(t)": lambda m: m.zeros_like(_m(m).t()),
    "ones_like(t)": lambda m: m.ones_like(_m(m).t()),
    "zeros_like([:, ::2])": lambda m: m.zeros_like(_m(m)[:, ::2]),
    "ones_like(expand)": lambda m: m.ones_like(_m(m)[:1].expand(5, 4)),
    "t.clone in a graph": lambda m: (_m(m).requires_grad_() * 1).t().clone(),
    "t.clone.add_": lambda m: _m(m).t().clone().add_(1),
    "t[:, :1]": lambda m: m.zeros(4, 3).t()[:, :1],
}


@pytest.mark.parametrize("name", list(_STRIDES))
def test_stride_as_torch(torch, name):
    assert _STRIDES[name](ta).stride() == _STRIDES[name](torch).stride()


def test_contiguous_in_a_graph_is_contiguous(torch):
    for m in (ta, torch):
        w = m.arange(12.0, requires_grad=True)
        c = w.reshape(3, 4).t().contiguous()
        assert c.is_contiguous() and c.stride() == (3, 1)
        c.sum().backward()
        assert w.grad.tolist() == [1.0] * 12


# --- 8. found by the differential campaign (python -m tests.torchdiff) ------------------------

def _state(t):
    return t.requires_grad, t.is_leaf, t.grad_fn is None, str(t.dtype).removeprefix("torch.")


@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1.0, 2.0], requires_grad=True).logical_or_(m.tensor([False])),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True).logical_not_(),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True)[::1].logical_and_(m.tensor([True])),
    lambda m: (m.tensor([1.0, 2.0], requires_grad=True) * 1).logical_xor_(m.tensor([True])),
    lambda m: m.tensor([1, 2]).gt_(m.tensor(1.5, dtype=m.float64, requires_grad=True)),
    lambda m: m.tensor([1.0, 2.0]).gt_(m.tensor(1.5, requires_grad=True)),
    lambda m: m.tensor([1, 2]).eq_(m.tensor(1.5, requires_grad=True)),
    lambda m: m.tensor([True]).ne_(m.tensor(1.5, requires_grad=True)),
    lambda m: m.tensor([1.0, 2.0]).less_equal_(m.tensor(1.5, requires_grad=True)),
    lambda m: m.tensor([1, 2]).logical_and_(m.tensor(1.5, requires_grad=True)),
])
def test_logical_and_comparison_inplace_forms_graph_as_torch(torch, call):
    assert _state(call(ta)) == _state(call(torch))


def test_an_inplace_comparison_gives_its_operand_a_zero_gradient(torch):
    grads = []
    for m in (ta, torch):
        w = m.tensor(1.5, requires_grad=True)
        x = m.tensor([1.0, 2.0])
        x.gt_(w)
        (x * 2).sum().backward()
        grads.append(w.grad.item())
    assert grads == [0.0, 0.0]


def test_a_comparison_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="eq_: a leaf tensor that requires grad"):
        ta.tensor([1.0, 2.0], requires_grad=True).eq_(1)


@pytest.mark.parametrize("mode", ["no_grad", "enable_grad"])
@pytest.mark.parametrize("wrt", ["itself", "its input"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_casts_grad_outputs_in_the_callers_grad_mode(torch, mode, wrt, dtype):
    def run(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x * 3
        g = m.tensor([1.0, 1.0], dtype=getattr(m, dtype), requires_grad=True)
        with getattr(m, mode)():
            (d,) = (torch.autograd.grad if m is torch else ta.grad)(
                y, y if wrt == "itself" else x, [g], create_graph=True)
        return d.requires_grad, d.dtype == m.float64
    assert run(ta) == run(torch)


def test_a_leaf_hook_sees_the_gradient_in_the_leafs_dtype(torch):
    seen = []
    for m in (ta, torch):
        x = m.tensor([1.5, 0.0])
        w = m.tensor([0.79], dtype=m.float64, requires_grad=True)
        x -= w
        got: list = []
        w.register_hook(got.append)
        x.sum().backward()
        seen.append((str(got[0].dtype).removeprefix("torch."), got[0].tolist(),
                     str(w.grad.dtype).removeprefix("torch.")))
    assert seen[0] == seen[1] == ("float64", [-2.0], "float64")
