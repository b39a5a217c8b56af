"""The Tensor API as PyTorch has it: methods, dunders, indexing, views, in-place ops,
factories and conversions (tinygrad_acts/tensor.py). One test per difference the torch
harness (tests/torchdiff.py) found, written in torch's terms: what torch returns, or what it
raises. ``test_program_matches_torch`` runs each behaviour as a program in both libraries
(with torch installed) and compares everything after every step.
"""
import math

import numpy as np
import pytest

import tinygrad_acts as ta

T = ta.tensor


def raises(exc, fn, match=None):
    with pytest.raises(exc, match=match):
        fn()


# --- 1. all / any over dims -----------------------------------------------------------------


def test_all_any_take_dim_and_keepdim_and_give_bool():
    x = T([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.all(1).tolist() == [False, True] and x.all(1).dtype == np.bool_
    assert x.any(0, True).shape == (1, 3)
    assert x.all((0, 1)).shape == () and x.any(dim=-1, keepdim=True).shape == (2, 1)
    assert x.all(()).shape == (2, 3)  # torch: no dims is no reduction, for all / any
    assert T([1, 0, 3], dtype=np.uint8).all(0).dtype == np.uint8  # torch keeps uint8
    assert T(2.0).any(0).item() is True
    raises(IndexError, lambda: T(2.0).all(1))


# --- 2. maximum / minimum / type_as take a Tensor -------------------------------------------


def test_maximum_minimum_type_as_refuse_a_number():
    x = T([1.0, 2.0])
    raises(TypeError, lambda: ta.maximum(x, 1.5), "must be Tensor")
    raises(TypeError, lambda: x.minimum(2.0), "must be Tensor")
    raises(TypeError, lambda: x.type_as(3), "must be Tensor")
    raises(TypeError, lambda: ta.maximum(1.5, x), "must be Tensor")
    assert x.maximum(T(1.5)).tolist() == [1.5, 2.0]


def test_numpy_maximum_ufunc_still_takes_a_number():
    x = T([1.0, -2.0], requires_grad=True)
    y = np.maximum(x, 0)
    y.sum().backward()
    assert y.tolist() == [1.0, 0.0] and x.grad.tolist() == [1.0, 0.0]


# --- 3. which shape ops return a new view and which the tensor itself -----------------------


def test_squeeze_and_transpose_return_a_new_view():
    x = T([[1.0, 2.0]], requires_grad=True)
    for y in (x.squeeze(1), x.squeeze(()), x.squeeze((0, 1))):
        assert y is not x and not y.is_leaf
    s = T(1.0, requires_grad=True)
    for y in (s.transpose(0, -1), s.swapaxes(0, 0), s.T, s.squeeze(0)):
        assert y is not s and not y.is_leaf
    assert x.squeeze((0, 1)).shape == (2,)
    raises(RuntimeError, lambda: x.squeeze((0, 0)))


def test_flatten_of_one_dim_is_the_tensor_itself():
    x = T([1.0, 2.0], requires_grad=True)
    m = ta.ones(2, 3, requires_grad=True)
    assert x.flatten() is x and m.flatten(1, 1) is m and m.flatten(0, 0) is m
    s = T(1.0, requires_grad=True)
    assert s.flatten() is not s and s.flatten().shape == (1,)
    assert m.flatten() is not m and m.reshape(2, 3) is not m
    raises(IndexError, lambda: s.flatten(5))


# --- 4. views made under no_grad ------------------------------------------------------------


def test_a_no_grad_view_of_a_tensor_requiring_grad_is_a_leaf_requiring_grad():
    x = ta.ones(2, 3, requires_grad=True)
    with ta.no_grad():
        v = x[0]
        w = (x * 2).reshape(6)
    assert v.requires_grad and v.is_leaf and v.grad_fn is None
    (v * 2).sum().backward()  # as torch: its gradient goes nowhere
    assert v.grad is None and x.grad is None
    raises(RuntimeError, lambda: w.backward(ta.ones(6)), "does not require grad")


def test_a_no_grad_view_may_not_change_in_place_in_grad_mode():
    x = ta.ones(2, 3, requires_grad=True)
    h = x * 2
    with ta.no_grad():
        w = h[0]
    raises(RuntimeError, lambda: w.mul_(2), "no_grad")
    assert h.tolist() == [[2.0] * 3] * 2  # refused before writing, as torch
    a = ta.ones(3)
    with ta.no_grad():
        av = a[:2]
    av.add_(1)  # nothing requires grad: runs
    raises(RuntimeError, lambda: av.add_(ta.ones(2, requires_grad=True)), "no_grad")
    with ta.no_grad():
        vv = x[0]
    view_of_it = vv[1:]
    raises(RuntimeError, lambda: view_of_it.mul_(2), "no_grad")


def test_a_no_grad_view_is_unusable_in_a_graph_once_its_memory_changed():
    x = ta.ones(2, 3, requires_grad=True)
    h = x * 3
    with ta.no_grad():
        w = h[0]
    h.add_(1)
    assert w.requires_grad
    raises(RuntimeError, lambda: w + 1, "modified inplace")
    raises(RuntimeError, lambda: w.is_leaf, "modified inplace")
    raises(RuntimeError, lambda: w.grad, "modified inplace")
    with ta.no_grad():
        assert (w * 2).tolist() == [8.0] * 3  # outside a graph it is still a tensor


def test_a_no_grad_view_of_a_plain_tensor_requires_grad_once_its_base_has_a_graph():
    h = T([1.0, 2.0]) * 1
    with ta.no_grad():
        v = h.reshape(1, 2)
    assert not v.requires_grad
    h[...] = T(-0.5, requires_grad=True)
    assert v.requires_grad
    raises(RuntimeError, lambda: v.is_leaf, "modified inplace")


# --- 5. calls torch refuses without arguments -----------------------------------------------


@pytest.mark.parametrize("call", ["softmax", "log_softmax", "transpose", "reshape", "view",
                                  "expand", "permute"])
def test_calls_without_their_arguments_are_type_errors(call):
    x = ta.ones(2, 3)
    raises(TypeError, lambda: getattr(x, call)())
    if call in ("reshape", "view", "permute", "expand"):
        raises(TypeError, lambda: getattr(T(1.0), call)())


def test_shape_arguments_are_ints_as_torch_checks():
    x = ta.ones(2, 3)
    raises(TypeError, lambda: x.transpose(0, 1, 0))
    raises(TypeError, lambda: x.reshape(2.0, 3))
    raises(TypeError, lambda: x.reshape(True, 6))
    raises(TypeError, lambda: x.expand(2.0, 3))
    raises(TypeError, lambda: x.permute(1.0, 0))
    assert x.reshape([3, 2]).shape == (3, 2) and x.reshape(np.int64(6)).shape == (6,)
    assert x.expand([2, 2, 3]).shape == (2, 2, 3) and x.permute([1, 0]).shape == (3, 2)
    assert x.T.shape == (3, 2) and T(1.0).reshape(()).shape == () and x.softmax(0).shape == (2, 3)
    raises(RuntimeError, lambda: x.view(7), "6 elements")


# --- 6. subtraction with bools --------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda b, x: b - b, lambda b, x: b - True, lambda b, x: 1 - b, lambda b, x: x - True,
    lambda b, x: T([1, 2]) - b, lambda b, x: x.sub_(True), lambda b, x: x.__isub__(True),
    lambda b, x: b - np.bool_(True)], ids=range(8))
def test_subtraction_with_a_bool_is_refused(fn):
    raises(RuntimeError, lambda: fn(T([True, False]), T([1.0, 2.0])), "Subtraction")


# --- 7. dims of a 0-d tensor ----------------------------------------------------------------


def test_max_of_a_0d_tensor_over_a_dim_gives_values_and_indices():
    s = T(3.0, requires_grad=True)
    v, i = s.max(0)
    w, _ = s.min(-1, keepdim=True)
    assert v.item() == 3.0 and i.item() == 0 and i.dtype == np.int64 and w.shape == ()
    v.backward()
    assert s.grad.item() == 1.0


@pytest.mark.parametrize("fn", [lambda s: s.sum(1), lambda s: s.argmax(dim=-2),
                                lambda s: s.max(1), lambda s: s.mean(2)], ids=range(4))
def test_a_0d_tensor_has_only_dims_0_and_minus_1(fn):
    raises(IndexError, lambda: fn(T(3.0)))


def test_no_dims_reduces_all_for_sum_and_mean():
    x = ta.ones(2, 3)
    assert x.sum(()).shape == () and x.mean(()).item() == 1.0 and x.amax(()).shape == ()


# --- 8. bool tensors where torch has no kernel ----------------------------------------------


def test_bool_tensors_refused_where_torch_has_no_kernel():
    b = T([True, False])
    raises(RuntimeError, lambda: b.argmax(), "bool")
    raises(RuntimeError, lambda: b.argmin(0), "bool")
    for fn in (lambda: b @ b, lambda: b // b, lambda: b % b, lambda: b ** b, lambda: True % b,
               lambda: T(True) ** b, lambda: b.clamp(min=True), lambda: abs(b)):
        raises(NotImplementedError, fn)
    raises(RuntimeError, lambda: -b)


def test_bool_arithmetic_torch_runs():
    b = T([True, False])
    assert b.square().dtype == np.int64 and (b ** 2).dtype == np.int64
    assert (b ** 2.0).dtype == np.float32 and (2 ** b).tolist() == [2, 1]
    assert (b ** True).tolist() == [True, False] and (b ** False).tolist() == [True, True]
    assert (b // 2).dtype == np.int64 and b.clamp(0, 1).dtype == np.int64
    assert (ta.zeros((0, 3), dtype=np.bool_) @ ta.ones((3, 2), dtype=np.bool_)).shape == (0, 2)


# --- 9. numpy numbers on either side --------------------------------------------------------


def test_a_numpy_number_on_the_left_acts_as_the_python_number():
    x = T([1.0, 2.0], requires_grad=True)
    y = np.float64(2.0) * x
    assert isinstance(y, ta.Tensor) and y.dtype == np.float32 and y.tolist() == [2.0, 4.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    z = T([1.0, 2.5])
    assert (np.int32(3) % z).tolist() == [0.0, 0.5] and (np.float64(3.0) // z).tolist() == [3, 1]
    assert (np.float64(2.0) > z).tolist() == [True, False]
    i = T([1, 2])
    assert (np.int32(3) % i).dtype == np.int64 and (np.int64(3) // i).tolist() == [3, 1]
    assert (np.int32(3) & i).tolist() == [1, 2]


def test_a_numpy_bool_is_a_float_to_torch():
    i = T([1, 2])
    assert (i + np.bool_(True)).dtype == np.float32
    assert ta.full((2,), np.bool_(True)).dtype == np.float32
    raises(RuntimeError, lambda: i.__iadd__(np.bool_(True)), "can't be cast")
    raises(NotImplementedError, lambda: T([True]) & np.bool_(True))


# --- 10. negative slice steps ---------------------------------------------------------------


def test_a_negative_slice_step_is_refused():
    x = ta.ones(3, 2)
    raises(ValueError, lambda: x[::-1], "step must be greater than zero")
    raises(ValueError, lambda: x[:, ::-2], "step must be greater than zero")
    raises(ValueError, lambda: x.__setitem__(slice(None, None, -1), 1.0), "step")


# --- 11. & | ^ with torch's promotion -------------------------------------------------------


def test_bitwise_ops_follow_torch_promotion():
    b, i32 = T([True, False]), T([1, 2], dtype=np.int32)
    assert (b ^ b).tolist() == [False, False] and (True & b).tolist() == [True, False]
    assert (True | b).tolist() == [True, True] and (1 ^ b).dtype == np.int64
    assert (i32 | T(1)).dtype == np.int32 and (b & np.int32(1)).dtype == np.int64
    assert (b & i32).dtype == np.int32 and (i32 ^ np.int64(3)).dtype == np.int32
    raises(NotImplementedError, lambda: T([1.0]) & T([1.0]))
    raises(NotImplementedError, lambda: b & 1.0)


def test_in_place_bitwise_ops_write_into_the_tensor():
    b = T([True, False])
    same = b
    b &= T([True, True])
    assert b is same and b.tolist() == [True, False]
    raises(RuntimeError, lambda: b.__ior__(T([1, 2])), "can't be cast")


# --- 12. cat skips legacy empty 1-d tensors -------------------------------------------------


def test_cat_skips_empty_1d_tensors():
    a, e = ta.ones(2, 3, requires_grad=True), ta.zeros(0, requires_grad=True)
    c = ta.cat([a, e])
    assert c.shape == (2, 3) and ta.cat([e, a], 1).shape == (2, 3)
    assert ta.cat([e, e]).shape == (0,)
    assert ta.cat([a, ta.zeros(0, dtype=np.float64)]).dtype == np.float64
    c.sum().backward()
    assert e.grad.shape == (0,) and a.grad.tolist() == [[1.0] * 3] * 2
    raises(RuntimeError, lambda: ta.cat([ta.ones(2), T(1.0)]), "zero-dimensional")
    raises(IndexError, lambda: ta.cat([ta.ones(2, 3), ta.zeros(0)], 5))


# --- 13. setitem: what is cast, what must match ---------------------------------------------


def test_setitem_into_an_int_tensor_casts_and_records_no_graph():
    i = T([1, 2, 3])
    i[0] = T(2.7, requires_grad=True)
    assert i.tolist() == [2, 2, 3] and not i.requires_grad


def test_index_put_needs_the_same_dtype_but_a_mask_fill_casts():
    raises(RuntimeError, lambda: T([1, 2]).__setitem__([0], T(2.7)), "dtypes match")
    raises(RuntimeError, lambda: ta.ones(2, 3).__setitem__(
        [0], ta.ones(3, dtype=np.float64)), "dtypes match")
    raises(RuntimeError, lambda: ta.zeros(3, 2).__setitem__(
        T([False, True, False]), ta.ones(2, dtype=np.float64)), "dtypes match")
    x = ta.zeros(3, 1, dtype=np.float64)
    x[T([False, True, False]), 0] = T([0.5], dtype=np.float32)  # one value: masked_fill_
    x[0] = ta.ones(1, dtype=np.float32)  # basic indexing: a copy, cast
    assert x.tolist() == [[1.0], [0.5], [0.0]]


def test_setitem_refuses_the_numpy_numbers_torch_refuses():
    x = ta.ones(2, 3)
    for value in (np.float32(2), np.bool_(True), np.float16(1)):
        for index in (0, T([True, False])):
            with pytest.raises(TypeError, match="can't assign"):
                x[index] = value
    x[T([True, False])] = np.float64(2)  # a float (np.float64 is one)
    x[[1]] = np.int64(7)
    assert x.tolist() == [[2.0] * 3, [7.0] * 3]


# --- 14. ints beside array indices apply first ----------------------------------------------


def test_ints_beside_array_indices_apply_first_as_torch():
    z = ta.zeros(2, 3, 4)
    assert z[0, :, [1, 0]].shape == (3, 2) and z[[1, 0], :, 0].shape == (2, 3)
    assert z[T(0), :, [1, 0]].shape == (3, 2) and z[np.int64(0), :, [1, 0]].shape == (3, 2)
    assert z[True, :, [1, 0]].shape == (2, 2, 4) and z[[0, 1], None, 0].shape == (2, 1, 4)
    assert ta.zeros(2, 3, 4, 5)[..., 0, :, [1, 0]].shape == (2, 4, 2)
    # an Ellipsis that stands for no dims leaves the arrays adjacent
    assert z[0:5, T([-2, -1, 2]), ..., T([-1])].shape == (2, 3)


def test_ints_first_index_gets_the_gradient_and_writes_right():
    x = ta.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = x[0, :, [1, 0]]
    assert y.tolist() == [[1.0, 0.0], [5.0, 4.0], [9.0, 8.0]]
    (y * T([[1.0, 10.0]])).sum().backward()
    assert x.grad[0, :, 0].tolist() == [10.0] * 3 and x.grad[0, :, 1].tolist() == [1.0] * 3
    z = ta.zeros(2, 3, 4)
    z[0, :, [1, 0]] = ta.arange(6.0).reshape(3, 2)
    assert z[0, :, 1].tolist() == [0.0, 2.0, 4.0] and z[0, :, 0].tolist() == [1.0, 3.0, 5.0]


def test_list_indices_are_int64_tensors():
    z = ta.zeros(0, 3, requires_grad=True)
    assert z[[], 1].shape == (0,) and ta.zeros(3)[[]].shape == (0,)
    x = T([-1.0, -2.0, -3.0, 4.0], requires_grad=True)
    y = x[[True, False, True, True]]
    y.sum().backward()  # as torch, the graph is freed: the index is a saved tensor
    raises(RuntimeError, lambda: y.sum().backward(), "second time")


# --- 15. clamp promotes ---------------------------------------------------------------------


def test_clamp_gives_torchs_promoted_dtype():
    i = T([0, 1, 2, 5])
    assert i.clamp(0.5, 3.0).dtype == np.float32 and i.clamp(0, 3).dtype == np.int64
    assert i.clamp(T(1.0, dtype=np.float64)).dtype == np.float64
    assert ta.ones(2).clamp(T(1.0, dtype=np.float64)).dtype == np.float32  # 0-d: weaker
    assert ta.ones(2).clamp(ta.ones(2, dtype=np.float64)).dtype == np.float64
    assert i.clamp(True).dtype == np.int64
    raises(TypeError, lambda: ta.ones(2).clamp(1, ta.ones(2)), "both")
    raises(RuntimeError, lambda: i.clamp_(0.5), "can't be cast")


def test_clamp_with_tensor_bounds_keeps_its_gradients():
    x = T([-1.0, 0.5, 2.0], requires_grad=True)
    lo, hi = ta.zeros(3, requires_grad=True), ta.ones(3, requires_grad=True)
    x.clamp(lo, hi).sum().backward()
    assert x.grad.tolist() == [0, 1, 0] and lo.grad.tolist() == [1, 0, 0]
    assert hi.grad.tolist() == [0, 0, 1]


# --- 16. integer division by zero -----------------------------------------------------------


@pytest.mark.parametrize("fn", [lambda i: i // 0, lambda i: i % 0, lambda i: 5 // (i - 1),
                                lambda i: i % T([True, False])], ids=range(4))
def test_integer_division_by_zero_raises(fn):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(T([1, 2]))
    with pytest.raises(ZeroDivisionError):
        fn(T([1, 2]))


def test_integer_division_torch_runs():
    assert (ta.zeros(0, dtype=np.int64) // 0).shape == (0,)
    assert (T([1, 2]) // 0.0).tolist() == [math.inf, math.inf]


def test_integer_powers_with_negative_exponent_tensors():
    b = T([3, 2, 1, 0, -1, -1, -2, 0, 1])
    e = T([-3, -1, -2, -1, -3, -2, -2, 0, 5])
    assert (b ** e).tolist() == [0, 0, 1, 0, -1, 1, 0, 1, 1]
    raises(RuntimeError, lambda: b ** -1, "negative integer powers")


# --- 17. flatten of an empty tensor ---------------------------------------------------------


def test_flatten_of_an_empty_tensor():
    assert ta.zeros(0, 3).flatten(1).shape == (0, 3)
    assert ta.zeros(2, 0, 3).flatten(1).shape == (2, 0) and ta.zeros(0, 3).flatten().shape == (0,)


# --- 18. writes into expand()ed memory ------------------------------------------------------


def test_writes_into_an_expand_that_shares_no_element_run():
    y = ta.ones(1)
    y.expand(1).add_(1)
    z = ta.ones(2, 3)
    z.expand(2, 3).add_(1)
    z.expand(1, 2, 3).mul_(3)
    assert y.tolist() == [2.0] and z.tolist() == [[6.0] * 3] * 2


def test_writes_into_shared_expanded_memory_only_where_torch_allows():
    e = ta.ones(1, 3).expand(2, 3)
    raises(RuntimeError, lambda: e.add_(1), "single memory location")
    raises(RuntimeError, lambda: e.__setitem__((slice(None), 0), T([1.0, 2.0])), "single")
    raises(RuntimeError, lambda: e.__setitem__(Ellipsis, T(2.0)), "single memory location")
    raises(RuntimeError, lambda: e.__setitem__(Ellipsis, -1.0), "single memory location")
    e.zero_()
    e.fill_(2)
    e[0] = T([1.0, 2.0, 3.0])  # that row shares nothing within itself
    assert e.tolist() == [[1.0, 2.0, 3.0]] * 2


def test_an_in_place_change_through_an_expand_updates_the_base_graph():
    x = T([[1.0, 2.0, 3.0]], requires_grad=True)
    h = x * 1
    h.expand(1, 1, 3).mul_(2)
    (h * T([1.0, 10.0, 100.0])).sum().backward()
    assert h.tolist() == [[2.0, 4.0, 6.0]] and x.grad.tolist() == [[2.0, 20.0, 200.0]]


def test_an_operand_that_partly_overlaps_the_written_memory_is_refused():
    x = ta.ones(3, 3)
    x.add_(x)
    x[0] = x[1]
    for fn in (lambda: x.add_(x.T), lambda: x[1:].add_(x[:-1]), lambda: x.mul_(x[0]),
               lambda: x.__setitem__(slice(1, None), x[:-1]), lambda: x.clamp_(x[0], None)):
        raises(RuntimeError, fn, "single memory location")


# --- 19. in-place dtypes and comparison promotion -------------------------------------------


@pytest.mark.parametrize("fn", [lambda i, b: i.__iadd__(1.5), lambda i, b: i.__itruediv__(2),
                                lambda i, b: b.__iadd__(1), lambda i, b: i.mul_(ta.ones(2)),
                                lambda i, b: i.__iadd__(np.bool_(True))], ids=range(5))
def test_in_place_results_must_fit_the_tensors_dtype(fn):
    raises(RuntimeError, lambda: fn(T([1, 2]), T([True, False])), "can't be cast")


def test_in_place_results_torch_casts():
    i, i32, b = T([1, 2]), T([1, 2], dtype=np.int32), T([True, False])
    i += True
    i32 += i
    b *= b
    assert i.tolist() == [2, 3] and i32.dtype == np.int32 and i32.tolist() == [3, 5]
    x = ta.ones(2)
    x += ta.ones(2, dtype=np.float64)
    assert x.dtype == np.float32 and x.tolist() == [2.0, 2.0]


def test_comparisons_promote_first():
    x = T([0.1], dtype=np.float32)
    assert (x >= T(0.1, dtype=np.float64)).tolist() == [True]  # compared in float32
    assert (T([16777217]) > 16777216.5).tolist() == [False]  # in float32, as torch
    assert (T([True, False]) == 1.00000001).tolist() == [True, False]
    assert (x == None) is False and (x != None) is True  # noqa: E711 - torch's answer
    raises(TypeError, lambda: x < None)


# --- 20. retain_grad follows an in-place change ---------------------------------------------


def test_retain_grad_follows_the_new_value_and_runs_after_hooks():
    x = T(1.0, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y[()] = 5.0
    y.backward()
    assert y.grad.item() == 1.0 and x.grad.item() == 0.0
    x = T([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))  # stays with the old value
    y.mul_(3)
    y.register_hook(lambda g: g * 10)  # retain_grad's hook runs last: .grad sees this
    (y * T([1.0, 10.0])).sum().backward()
    assert y.grad.tolist() == [10.0, 100.0] and seen == [[30.0, 300.0]]


def test_retain_grad_of_a_view_whose_base_changed_in_place():
    x = T([1.0, 2.0], requires_grad=True)
    h = x * 1
    v = h[0]
    v.retain_grad()
    h.mul_(3)
    (h.sum() + v * 100).backward()
    assert v.grad.item() == 100.0 and x.grad.tolist() == [303.0, 3.0]


# --- more the harness found -----------------------------------------------------------------


def test_sign_has_a_zero_gradient_and_maps_nan_to_zero():
    x = T([1.0, -2.0, 0.0, math.nan], requires_grad=True)
    y = x.sign()
    assert y.requires_grad and not y.is_leaf and y.tolist() == [1.0, -1.0, 0.0, 0.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 4
    assert T([True, False]).sign().tolist() == [True, False]


def test_requires_grad_true_of_a_non_leaf_is_a_no_op():
    h = ta.ones(2, requires_grad=True) * 2
    assert h.requires_grad_() is h
    raises(RuntimeError, lambda: h.requires_grad_(False), "leaf")


def test_views_with_no_graph_follow_their_bases_requires_grad_():
    x = ta.ones(2, 3)
    v = x.expand(2, 2, 3)
    with ta.no_grad():
        w = x[0]
    x.requires_grad_()
    assert v.requires_grad and w.requires_grad and v.is_leaf and w.is_leaf
    (v * 2).sum().backward()
    (w * 2).sum().backward()
    assert v.grad is None and x.grad is None  # torch: their gradient goes nowhere
    x.requires_grad_(False)
    assert not v.requires_grad and not w.requires_grad


def test_in_place_on_a_view_of_a_leaf_that_stopped_requiring_grad():
    v0 = ta.ones(2, 3, requires_grad=True)
    v2 = v0.unsqueeze(0)
    v0.requires_grad_(False)
    raises(RuntimeError, lambda: v2.__setitem__((0, 0), ta.ones(3, requires_grad=True)),
           "view of a leaf")


def test_a_leaf_changed_into_a_non_leaf_keeps_its_grad():
    x = ta.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    x.requires_grad_(False)
    x[T([False, False])] = ta.zeros(0, requires_grad=True)  # a graph: a leaf no more
    assert not x.is_leaf and x.grad.tolist() == [2.0, 2.0]  # torch keeps (and warns)


def test_fill_of_an_int_tensor_with_a_value_requiring_grad_mirrors_torch():
    i = T([[1, 2], [3, 4]])
    i.fill_(T(0.5, dtype=np.float64, requires_grad=True))
    assert i.requires_grad and i.tolist() == [[0, 0], [0, 0]]  # torch's own quirk
    raises(RuntimeError, lambda: T([1]).fill_(T([1.0])), "0-dimension")


def test_fills_of_an_int_tensor_mirror_torch():
    for index in (Ellipsis, slice(None), (None, Ellipsis), slice(1, 2)):
        i = T([1, 2, 3])
        i[index] = T(2.7, requires_grad=True)  # torch fills i itself: a graph (its quirk)
        assert i.requires_grad and 2 in i.tolist()
        j = T([1, 2, 3])
        j[index] = T([2.7], requires_grad=True)  # a copy: cast, no graph
        assert not j.requires_grad
    b = T([True, False, True])
    b[T([False, True, True])] = T(-0.5, requires_grad=True)  # masked_fill_: a graph
    assert b.requires_grad
    for k, index in enumerate((0, Ellipsis)):  # a 0-d part: torch copies, no graph
        i = T([1, 2, 3]) if k == 0 else T(1)
        i[index] = T(2.7, requires_grad=True)
        assert not i.requires_grad


def test_max_over_a_dim_is_not_a_view():
    x = ta.ones(2, 3)
    with ta.no_grad():
        v = x.max(1).values
    v.add_(ta.ones(2, requires_grad=True))  # refused for a view made under no_grad
    assert v.requires_grad


def test_an_advanced_index_gives_a_contiguous_copy():
    x = ta.tensor(np.arange(12.0).reshape(4, 3))
    y = x[0::3, [2, 0]]
    assert y.numpy().flags.c_contiguous and y.view(1, 4, 1).shape == (1, 4, 1)
    raises(RuntimeError, lambda: x[-2:4, [2, 1, 2]].swapaxes(-1, 0).view(1, 6, -1))


def test_a_zero_d_permute_from_a_backward_rule_still_works():
    x = T(2.0, requires_grad=True)
    (g,) = ta.grad(x.T * x, x, create_graph=True)
    (g2,) = ta.grad(g, x)
    assert g.item() == 4.0 and g2.item() == 2.0


# --- the same behaviours, run in both libraries ---------------------------------------------

PROGRAMS = {
    "all / any": """
        x = $lib.tensor([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
        a = x.all(1)
        b = x.any(0, True)
        c = x.all(())
        u = $lib.tensor([1, 0, 3], dtype=$lib.uint8).all(0)
    """,
    "views and the tensor itself": """
        x = $lib.tensor([[1.0, 2.0]], requires_grad=True)
        a = x.squeeze(1)
        b = x.flatten(1, 1)
        s = $lib.tensor(1.0, requires_grad=True)
        c = s.transpose(0, -1)
        d = s.T
        e = $lib.zeros(0, 3).flatten(1)
    """,
    "no_grad views": """
        x = $lib.ones(2, 3, requires_grad=True)
        h = x * 2
        with $lib.no_grad():
            v = x[0]
            w = h.reshape(6)
            e = h.expand(2, 2, 3)
        vv = v[1:]
        y = (w * 2).sum()
        y.backward()
        h.add_(1)
        k = w.requires_grad
    """,
    "no_grad view refused in place": """
        a = $lib.ones(3)
        with $lib.no_grad():
            av = a[:2]
        av.add_(1)
        g = $lib.ones(2, requires_grad=True)
        av.add_(g)
    """,
    "no_grad view used after a change": """
        x = $lib.ones(2, 3, requires_grad=True)
        h = x * 3
        with $lib.no_grad():
            w = h[0]
        h.add_(1)
        y = w + 1
    """,
    "numpy numbers": """
        x = $lib.tensor([1.0, 2.5], requires_grad=True)
        y = np.float64(2.0) * x
        z = np.int32(3) % x.detach()
        c = np.float64(2.0) > x.detach()
        i = $lib.tensor([1, 2])
        d = np.int32(3) // i
        e = i + np.bool_(True)
        y.sum().backward()
    """,
    "bitwise": """
        b = $lib.tensor([True, False])
        i32 = $lib.tensor([1, 2], dtype=$lib.int32)
        c = (b ^ b, True & b, True | b, 1 ^ b, i32 | $lib.tensor(1), b & np.int32(1), b & i32)
        b &= $lib.tensor([True, True])
    """,
    "cat of legacy empties": """
        a = $lib.ones(2, 3, requires_grad=True)
        e = $lib.zeros(0, requires_grad=True)
        c = $lib.cat([a, e])
        d = $lib.cat([e, a], 1)
        (c.sum() + d.sum()).backward()
    """,
    "torch's index rule": """
        z = $lib.zeros(2, 3, 4, requires_grad=True)
        a = z[0, :, [1, 0]]
        b = z[True, :, [1, 0]]
        c = z[[0, 1], None, 0]
        d = z[0:5, $lib.tensor([-2, -1, 2]), ..., $lib.tensor([-1])]
        (a.sum() * 2 + b.sum() + c.sum() + d.sum()).backward()
        h = $lib.ones(2, 3, 4, requires_grad=True) * 1
        h[0, :, [1, 0]] = $lib.ones(3, 2, requires_grad=True) * 5
        h.sum().backward()
    """,
    "setitem dtypes": """
        i = $lib.tensor([1, 2, 3])
        i[0] = $lib.tensor(2.7, requires_grad=True)
        x = $lib.zeros(3, 1, dtype=$lib.float64)
        m = $lib.tensor([False, True, False])
        x[m, 0] = $lib.tensor([0.39], dtype=$lib.float32)
        b = $lib.tensor([True, False, True])
        b[$lib.tensor([False, True, True])] = $lib.tensor(-0.5, requires_grad=True)
    """,
    "clamp": """
        i = $lib.tensor([0, 1, 2, 5])
        a = i.clamp(0.5, 3.0)
        b = $lib.ones(2).clamp($lib.tensor(1.0, dtype=$lib.float64))
        x = $lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        y = x.clamp($lib.zeros(3, requires_grad=True), $lib.ones(3))
        y.sum().backward()
    """,
    "expand writes": """
        x = $lib.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        h = x * 1
        e = h.expand(1, 1, 3)
        e.mul_(2)
        f = h.expand(2, 3)
        h.mul_(2)
        (f * $lib.tensor([1.0, 10.0, 100.0])).sum().backward()
        g = $lib.ones(1, 3).expand(2, 3)
        g.fill_(2.0)
        g[0] = 3.0
    """,
    "retain_grad and in place": """
        x = $lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        hk = y.register_hook(lambda g: g * 10)
        y.mul_(3)
        (y * $lib.tensor([1.0, 10.0])).sum().backward()
    """,
    "in-place dtypes": """
        i = $lib.tensor([1, 2])
        i += True
        i32 = $lib.tensor([1, 2], dtype=$lib.int32)
        i32 += i
        x = $lib.ones(2)
        x += $lib.ones(2, dtype=$lib.float64)
        i /= 2
    """,
    "comparisons promote": """
        x = $lib.tensor([0.1], dtype=$lib.float32)
        a = x >= $lib.tensor(0.1, dtype=$lib.float64)
        i = $lib.tensor([16777217])
        b = i > 16777216.5
    """,
    "sign": """
        x = $lib.tensor([1.0, -2.0, 0.0, math.nan], dtype=$lib.float64, requires_grad=True)
        y = x.sign()
        y.sum().backward()
    """,
}


@pytest.mark.torch
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_matches_torch(name):
    pytest.importorskip("torch")
    from tests import torchdiff as td

    diff = td.compare(td.Program.parse(PROGRAMS[name], name))
    assert diff is None, td.shrink(diff).report()


# --- 40. a first script's idioms (issue #13 / #14): api/idioms.py, factories, Generator -----


def test_nn_functional_is_an_importable_module_and_the_same_object():
    import importlib
    F = importlib.import_module("tinygrad_acts.nn.functional")
    assert F is ta.functional is ta.nn.functional


@pytest.mark.parametrize("factory, args", [
    (ta.tensor, ([1.0],)), (ta.zeros, (2,)), (ta.ones, (2,)), (ta.randn, (2,)),
    (ta.rand, (2,)), (ta.arange, (3,)), (ta.full, ((2,), 1.0)), (ta.eye, (2,))])
def test_every_factory_takes_device_cpu_and_refuses_cuda(factory, args):
    for device in ("cpu", ta.device("cpu"), None, "cpu:0"):
        assert factory(*args, device=device).shape == factory(*args).shape
    raises(RuntimeError, lambda: factory(*args, device="cuda"), "CPU only")
    if factory is not ta.tensor:
        raises(RuntimeError, lambda: factory(*args, layout="sparse_coo"), "layout")


def test_out_writes_into_the_given_tensor_and_refuses_another_shape():
    out = ta.zeros(3)
    assert ta.arange(3, out=out) is out and out.tolist() == [0.0, 1.0, 2.0]
    raises(RuntimeError, lambda: ta.zeros(4, out=out), "shape")


def test_generator_has_torchs_api_and_reproduces_its_draws():
    g = ta.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5 and str(g.device) == "cpu"
    a = ta.randn(4, generator=g)
    state = g.get_state()
    b = ta.rand(3, generator=g)
    g.set_state(state)
    assert ta.equal(ta.rand(3, generator=g), b)
    assert ta.equal(ta.randn(4, generator=ta.Generator().manual_seed(5)), a)
    assert ta.randint(0, 10, (3,), generator=g).dtype == np.int64
    assert sorted(ta.randperm(4, generator=g).tolist()) == [0, 1, 2, 3]
    assert ta.normal(0.0, 1.0, (2,), generator=g).shape == (2,)
    seed = g.seed()
    assert g.initial_seed() == seed
    raises(TypeError, lambda: ta.randn(2, generator=3), "generator")


def test_a_generator_drives_the_data_pipeline_and_init_reproducibly():
    from tinygrad_acts.data import (
        DataLoader,
        RandomSampler,
        SubsetRandomSampler,
        TensorDataset,
        random_split,
    )
    ds = TensorDataset(ta.arange(10))

    def order(seed):
        loader = DataLoader(ds, batch_size=10, shuffle=True,
                            generator=ta.Generator().manual_seed(seed))
        return next(iter(loader))[0].tolist()
    assert order(1) == order(1) and sorted(order(1)) == list(range(10))
    g = ta.Generator().manual_seed(2)
    assert [len(p) for p in random_split(ds, [6, 4], generator=g)] == [6, 4]
    assert sorted(RandomSampler(range(4), generator=g)) == [0, 1, 2, 3]
    assert sorted(SubsetRandomSampler([7, 8], generator=g)) == [7, 8]
    w1, w2 = ta.zeros(3), ta.zeros(3)
    ta.nn.init.normal_(w1, generator=ta.Generator().manual_seed(0))
    ta.nn.init.normal_(w2, generator=ta.Generator().manual_seed(0))
    assert ta.equal(w1, w2) and not ta.equal(w1, ta.zeros(3))
    # a numpy Generator keeps working
    ta.nn.init.normal_(w1, generator=np.random.default_rng(0))


def test_comparison_methods_functions_and_in_place_forms():
    x, y = T([1.0, 2.0, 3.0]), T([2.0, 2.0, 2.0])
    for name, want in [("lt", [1, 0, 0]), ("le", [1, 1, 0]), ("gt", [0, 0, 1]),
                       ("ge", [0, 1, 1]), ("ne", [1, 0, 1]), ("eq", [0, 1, 0])]:
        assert getattr(x, name)(y).tolist() == [bool(v) for v in want]
        assert getattr(ta, name)(x, y).dtype == np.bool_
        z = x.clone()
        assert getattr(z, name + "_")(y) is z and z.tolist() == [float(v) for v in want]
    assert T([1, 5]).lt_(2).tolist() == [1, 0] and ta.greater(x, 2).tolist() == [0, 0, 1]


def test_logical_ops_function_method_and_in_place():
    a, b = T([1.0, 0.0, 2.0]), T([0, 0, 3])
    assert ta.logical_not(a).tolist() == [False, True, False]
    assert a.logical_and(b).tolist() == [False, False, True]
    assert ta.logical_or(a, b).tolist() == [True, False, True]
    assert ta.logical_xor(a, T([True, True, True])).tolist() == [False, True, False]
    c = a.clone()
    assert c.logical_not_() is c and c.tolist() == [0.0, 1.0, 0.0]
    raises(RuntimeError, lambda: ta.logical_and(T([1, 0]), T([1, 0, 1])), "broadcast")


def test_div_rounding_modes_as_torch():
    assert ta.div(T([-7, 7]), T([2, -2]), rounding_mode="trunc").tolist() == [-3, -3]
    assert ta.div(T([-7, 7]), 2, rounding_mode="floor").tolist() == [-4, 3]
    assert ta.div(T([-7.0, 7.5]), 2, rounding_mode="trunc").tolist() == [-3.0, 3.0]
    assert ta.div(T([1, 2]), 2).dtype == np.float32 and ta.true_divide(T([3]), 2).item() == 1.5
    assert ta.div(T([-6, 6]), 3, rounding_mode="trunc").tolist() == [-2, 2]
    x = T([1.5, -2.5], requires_grad=True)
    ta.div(x, 2.0, rounding_mode="trunc").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # torch: rounding has a zero gradient
    raises(ValueError, lambda: ta.div(x, 2, rounding_mode="round"), "rounding_mode")


def test_new_factories_take_this_tensors_dtype():
    i = T([1, 2])
    assert i.new_zeros(2, 3).dtype == np.int64 and i.new_zeros((2, 3)).shape == (2, 3)
    assert i.new_ones(2).tolist() == [1, 1] and i.new_empty(2).shape == (2,)
    assert i.new_full((2,), 3.5).tolist() == [3, 3]
    assert T([1.0]).new_tensor([1, 2]).dtype == np.float32
    assert i.new_zeros(2, dtype=ta.float64).dtype == np.float64
    assert T([1.0]).new_ones(2, requires_grad=True).requires_grad


def test_type_strings_and_casts():
    assert ta.zeros(1).type() == "torch.FloatTensor"
    assert T([1]).type() == "torch.LongTensor" and T([True]).type() == "torch.BoolTensor"
    assert ta.zeros(1).type(ta.float64).dtype == np.float64
    assert ta.zeros(1).type("torch.IntTensor").dtype == np.int32


def test_matrix_transposes_and_layout_queries():
    x = ta.zeros(2, 3, 4)
    assert x.mT.shape == (2, 4, 3) and x.mH.shape == (2, 4, 3)
    assert ta.zeros(2, 3).H.shape == (3, 2)
    raises(RuntimeError, lambda: x.H, "2-D")
    raises(RuntimeError, lambda: ta.zeros(3).mT, "1-D")
    m = ta.zeros(3, 4)
    assert m.stride() == (4, 1) and m.stride(0) == 4 and m.T.stride() == (1, 4)
    assert m.is_contiguous() and not m.T.is_contiguous()
    assert m[1:, 2:].storage_offset() == 6 and m.storage_offset() == 0
    assert m.element_size() == 4 and m.itemsize == 4 and m.nbytes == 48


def test_in_place_unary_forms_write_back_and_backprop():
    a = T([0.5, 1.0], requires_grad=True)
    b = a * 1
    assert b.sin_() is b
    b.sum().backward()
    assert np.allclose(a.grad.numpy(), np.cos([0.5, 1.0]))  # the old values, as torch
    c = T([4.0, 9.0])
    c.sqrt_()
    assert c.tolist() == [2.0, 3.0] and c._version == 1
    raises(RuntimeError, lambda: T([1, 2]).sqrt_(), "can't be cast")
    raises(RuntimeError, lambda: T([1.0]).atan2_(T([1.0, 2.0])), "shape")
    raises(RuntimeError, lambda: ta.ones(2, requires_grad=True).exp_())


def test_methods_allclose_isclose_equal_bernoulli():
    x = T([1.0, 2.0])
    assert x.allclose(x + 1e-9) and x.isclose(T([1.0, 3.0])).tolist() == [True, False]
    assert x.equal(T([1.0, 2.0])) and not x.equal(T([1.0]))
    assert T([0.0, 1.0]).bernoulli().tolist() == [0.0, 1.0]


def test_size_and_inference_mode():
    s = ta.Size([2, 3])
    assert s == (2, 3) and s.numel() == 6 and repr(s) == "torch.Size([2, 3])"
    assert isinstance(s[1:], ta.Size)
    raises(TypeError, lambda: ta.Size([1.5]), "iterable of 'int'")
    w = ta.ones(2, requires_grad=True)
    with ta.inference_mode():
        assert ta.is_inference_mode_enabled() and not (w * 2).requires_grad
    assert not ta.is_inference_mode_enabled() and (w * 2).requires_grad

    @ta.inference_mode
    def f():
        return ta.is_grad_enabled()
    assert f() is False and ta.is_grad_enabled()
    with ta.inference_mode(False):
        assert ta.is_grad_enabled()


def test_idioms_match_torch():
    torch = pytest.importorskip("torch")
    a, b = np.array([-7.0, 7.5, 3.0]), np.array([2.0, -2.0, 3.0])
    for mode in (None, "trunc", "floor"):
        ours = ta.div(T(a), T(b), rounding_mode=mode).numpy()
        theirs = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode).numpy()
        assert np.array_equal(ours, theirs)
    ai, bi = np.array([-7, 7, -6]), np.array([2, -2, 4])
    assert ta.div(T(ai), T(bi), rounding_mode="trunc").tolist() == torch.div(
        torch.tensor(ai), torch.tensor(bi), rounding_mode="trunc").tolist()
    x = np.arange(12.0).reshape(3, 4)
    tx = torch.tensor(x)
    assert T(x)[:, 1:].stride() == tx[:, 1:].stride()
    assert T(x)[1:, 1:].storage_offset() == tx[1:, 1:].storage_offset()
    assert T(x).type() == tx.type() and T(x).mT.tolist() == tx.mT.tolist()
    for name in ("lt", "le", "gt", "ge", "ne", "eq", "logical_and", "logical_xor"):
        assert getattr(T(a), name)(T(b)).tolist() == getattr(torch.tensor(a), name)(
            torch.tensor(b)).tolist()
