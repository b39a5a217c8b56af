"""PyTorch fidelity: each silent difference found by hand or by the differential harness
(tests/test_torch_diff.py) is pinned here, in torch terms. Values are exact numbers where
torch's are known; the torch cross-check at the end of each group runs when torch is
installed."""
import threading

import numpy as np
import pytest

import tinygrad_acts as ta

# --- single-element indexing is a view ------------------------------------------------------


def test_one_element_of_a_tensor_is_a_view_that_writes_through():
    b = ta.tensor(np.arange(4.0).reshape(2, 2))
    b[1, 1].mul_(10)
    assert b[1, 1].item() == 30.0


def test_zeroing_one_weight_under_no_grad_changes_the_weight():
    w = ta.ones(2, 2, requires_grad=True)
    with ta.no_grad():
        w[0, 1].zero_()
    assert w.tolist() == [[1.0, 0.0], [1.0, 1.0]]


def test_iterating_gives_views():
    v = ta.zeros(3)
    for el in v:
        el.add_(1)
    assert v.tolist() == [1.0, 1.0, 1.0]


def test_an_element_sees_a_later_in_place_change_and_its_gradient_follows():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    e = h[0]
    h.mul_(3)
    assert e.item() == 3.0
    e.backward()
    assert x.grad.tolist() == [3.0, 0.0]


# --- grad mode is thread-local; set_grad_enabled is torch's ---------------------------------


def test_another_threads_no_grad_does_not_cut_this_threads_graph():
    w = ta.tensor([1.0, 2.0], requires_grad=True)
    started, release = threading.Event(), threading.Event()

    def other():
        with ta.no_grad():
            started.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    started.wait(5)
    y = (w * w * 3 + w * 6).sum()      # recorded while the other thread is in no_grad
    release.set()
    t.join()
    y.backward()
    assert w.grad.tolist() == [12.0, 18.0]


def test_two_threads_train_independent_models():
    def train(seed, out):
        rng = np.random.default_rng(seed)
        w = ta.tensor(rng.standard_normal(3), requires_grad=True)
        for _ in range(200):
            loss = (w * w).sum()
            loss.backward()
            with ta.no_grad():
                w -= 0.01 * w.grad
            w.grad = None
        out.append(float((w * w).sum().item()))

    out: list = []
    threads = [threading.Thread(target=train, args=(s, out)) for s in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 2 and all(v < 1.0 for v in out)
    assert ta.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_restore_grad_mode():
    barrier = threading.Barrier(2)

    def block():
        with ta.no_grad():
            barrier.wait(5)
        barrier.wait(5)

    threads = [threading.Thread(target=block) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ta.is_grad_enabled()


def test_manual_seed_reseeds_the_generator_users_hold():
    g = ta.generator()
    ta.manual_seed(3)
    a = g.random(3)
    ta.manual_seed(3)
    assert ta.generator() is g
    np.testing.assert_array_equal(g.random(3), a)


def test_set_grad_enabled_is_a_function_a_context_manager_and_a_decorator():
    w = ta.ones(2, requires_grad=True)
    with ta.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert ta.is_grad_enabled()

    @ta.set_grad_enabled(False)
    def f():
        return w * 2

    assert ta.is_grad_enabled() and not f().requires_grad and ta.is_grad_enabled()
    ta.set_grad_enabled(False)
    assert not ta.is_grad_enabled()
    ta.set_grad_enabled(True)

    @ta.no_grad
    def g():
        return w * 2

    assert not g().requires_grad and ta.is_grad_enabled()


# --- hooks, cat/stack of one, grad() arguments ----------------------------------------------


def test_a_leaf_hook_runs_once_on_the_summed_gradient():
    x = ta.tensor([1.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: (calls.append(1), g.clamp(max=1.0))[1])
    (x * 2 + x * 3).sum().backward()
    assert x.grad.tolist() == [1.0] and calls == [1]


def test_a_hook_returning_the_wrong_thing_is_blamed():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: [1.0, 2.0])
    with pytest.raises(TypeError, match="hook"):
        (x * 2).sum().backward()
    y = ta.tensor([1.0, 2.0], requires_grad=True)
    y.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"hook .* shape \(\)"):
        (y * 2).sum().backward()


@pytest.mark.parametrize("join", [ta.cat, ta.stack])
def test_cat_and_stack_of_one_tensor(join):
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ta.grad(join([x]).sum(), x)
    assert g.shape == (2,)
    join([x]).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_grad_refuses_fewer_grad_outputs_than_outputs():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad_outputs"):
        ta.grad([x * 2, x * 3], x, grad_outputs=[np.ones(2)])


def test_grad_takes_one_array_as_the_gradient_of_one_output():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ta.grad(x * x, x, grad_outputs=np.array([1.0, 10.0]))
    assert g.tolist() == [2.0, 40.0]


# --- views made under no_grad ---------------------------------------------------------------


def test_a_view_made_under_no_grad_may_not_change_in_grad_mode():
    b = ta.ones(3, requires_grad=True) * 1
    with ta.no_grad():
        v = b[1:]
    with pytest.raises(RuntimeError, match="no_grad"):
        v.mul_(2)
    c = ta.ones(3)
    with ta.no_grad():
        u = c[1:]
    u.mul_(2)                       # a base that needs no grad: allowed, as in torch
    assert c.tolist() == [1.0, 2.0, 2.0]


def test_deeply_nested_views_rebase_without_recursion():
    x = ta.ones(4, requires_grad=True)
    h = x * 1
    v = h
    for _ in range(1500):
        v = v[:]
    v.mul_(2)
    h.sum().backward()
    assert x.grad.tolist() == [2.0] * 4


# --- numbers at the edges: x ** 0, std at zero spread, means of nothing ---------------------


def test_power_zero_has_zero_gradient_at_zero():
    for exponent in (0, ta.tensor([0.0, 0.0], dtype=np.float64)):
        x = ta.tensor([0.0, 2.0], requires_grad=True)
        (x ** exponent).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]


def test_std_at_zero_spread_has_zero_gradient():
    x = ta.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.std(dim=1).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and x.grad[0].tolist() == [0.0, 0.0, 0.0]


def test_means_of_nothing_are_nan():
    assert np.isnan(ta.zeros(0).mean().item())
    assert ta.zeros(0, 3).mean(0).shape == (3,) and np.all(np.isnan(ta.zeros(0, 3).mean(0)))


# --- dims out of range, view, aliasing outputs ---------------------------------------------


@pytest.mark.parametrize("call, error", [
    (lambda: ta.zeros(2, 3).unsqueeze(5), IndexError),
    (lambda: ta.zeros(2, 3).permute(0, 5), IndexError),
    (lambda: ta.zeros(2, 3).permute(0, 0), RuntimeError),
    (lambda: ta.zeros(2, 3).transpose(0, 7), IndexError),
    (lambda: ta.zeros(2, 3).flatten(0, 9), IndexError),
    (lambda: ta.zeros(3).expand(-1, 3), RuntimeError),
    (lambda: ta.zeros(6).reshape(-2, 3), RuntimeError),
    (lambda: ta.zeros(2, 3).squeeze(5), IndexError),
    (lambda: ta.zeros(2, 3).sum(4), IndexError),
    (lambda: ta.zeros(2, 3).mean(-3), IndexError),
    (lambda: ta.zeros(2, 3).max(2), IndexError),
    (lambda: ta.zeros(2, 3).T.view(-1), RuntimeError),
])
def test_bad_dims_raise_naming_the_op_and_the_shape(call, error):
    with pytest.raises(error, match=r"\(2, 3\)|\(3,\)|\(6,\)|\(3, 2\)"):
        call()


def test_view_of_a_transpose_is_refused_but_reshape_copies():
    x = ta.ones(2, 3)
    with pytest.raises(RuntimeError, match="reshape"):
        x.T.view(-1)
    x.T.reshape(-1).mul_(0)
    assert x.tolist() == [[1.0] * 3] * 2          # reshape copied: x unchanged
    x.view(3, 2).mul_(0)                          # a view of contiguous memory writes through
    assert x.sum().item() == 0


def test_an_activation_output_never_aliases_its_input():
    x = ta.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.maxout(1)
    y.add_(100)
    assert x.tolist() == [[1.0, 2.0]]


# --- max(dim) returns (values, indices) -------------------------------------------------------


def test_max_and_min_along_a_dim_return_values_and_indices():
    x = ta.tensor([[1.0, 3.0, 3.0], [4.0, 0.0, 4.0]], requires_grad=True)
    values, indices = x.max(1)
    assert values.tolist() == [3.0, 4.0] and indices.tolist() == [1, 0]
    assert x.max(1)[1].tolist() == [1, 0] and x.min(dim=1).indices.tolist() == [0, 1]
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]   # to the index returned


def test_amax_and_full_max_split_ties_evenly():
    x = ta.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0, 0.5, 0.5]]
    x.grad = None
    x.max().backward()
    assert x.grad.tolist() == [[0, 0.5, 0.5]]


def test_max_and_min_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 3.0, 3.0], [4.0, 0.0, 4.0]])
    for call in (lambda t: t.max(1).values, lambda t: t.min(0).values, lambda t: t.amax(1),
                 lambda t: t.amin((0, 1)), lambda t: t.max(), lambda t: t.min()):
        ours, theirs = ta.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        call(ours).sum().backward()
        call(theirs).sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert ta.tensor(data).max(1).indices.tolist() == torch.tensor(data).max(1).indices.tolist()


# --- PyTorch's dtype promotion --------------------------------------------------------------


@pytest.mark.parametrize("make, dtype", [
    (lambda: ta.ones(3) * ta.arange(3), np.float32),
    (lambda: ta.ones(3) / np.sum(np.array([True, False])), np.float32),
    (lambda: ta.ones(3) * np.float64(2), np.float32),
    (lambda: ta.ones(3) + ta.tensor(2.0, dtype=np.float64), np.float32),
    (lambda: ta.arange(3) + 0.5, np.float32),
    (lambda: ta.arange(3) / ta.arange(1, 4), np.float32),
    (lambda: ta.arange(3) * 2, np.int64),
    (lambda: ta.ones(3, dtype=np.float64) * ta.ones(3), np.float64),
    (lambda: ta.tensor([True]) + ta.tensor([True]), np.bool_),
    (lambda: ta.tensor([True]) * 2.5, np.float32),
    (lambda: np.maximum(ta.ones(3), 0), np.float32),
    (lambda: ta.where(ta.tensor([True, False]), 1.0, 0.0), np.float32),
    (lambda: ta.where(ta.tensor([True, False]), ta.arange(2), 0.5), np.float32),
    (lambda: ta.cat([ta.arange(2), ta.ones(2)]), np.float32),
    (lambda: ta.arange(3).exp(), np.float32),
    (lambda: ta.arange(3) // 2, np.int64),
    (lambda: ta.arange(3) % 2, np.int64),
])
def test_result_dtypes_follow_pytorch(make, dtype):
    assert make().dtype == dtype


def test_layers_and_matmul_refuse_mixed_float_dtypes():
    with pytest.raises(RuntimeError, match="dtype"):
        ta.ones(2, 3) @ ta.ones(3, 2, dtype=np.float64)


# --- numpy functions on Tensors ---------------------------------------------------------------


def test_numpy_functions_dispatch_or_refuse_a_tensor_that_requires_grad():
    x = ta.tensor([3.0, 1.0, 2.0], requires_grad=True)
    for call in (np.sort, np.cumsum):
        with pytest.raises(TypeError, match=call.__name__):
            call(x)
    y = np.concatenate([x, x])
    assert isinstance(y, ta.Tensor) and y.requires_grad
    (np.sum(y) * 2).backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]
    assert np.sort(ta.tensor([3, 1, 2])).tolist() == [1, 2, 3]   # no grad: numpy's answer


# --- the conversions and device no-ops PyTorch users type -------------------------------------


def test_conversions_and_devices():
    x = ta.tensor([1.5, -2.0], requires_grad=True)
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert not x.long().requires_grad
    assert x.int().dtype == np.int32 and x.bool().dtype == np.bool_
    assert x.half().dtype == np.float16 and x.double().dtype == np.float64
    assert x.to("cpu") is x and x.cpu() is x and x.to(ta.float64).dtype == np.float64
    assert x.to("cpu", ta.float64).dtype == np.float64
    assert x.type_as(ta.tensor([1])).dtype == np.int64
    assert ta.ones(2, 3).t().shape == (3, 2)
    assert ta.ones(2, 3).T.contiguous().numpy().flags.c_contiguous
    with pytest.raises(RuntimeError, match="cuda"):
        x.to("cuda")


def test_iterating_rows_backpropagates_without_a_dense_gradient_per_row():
    """Each x[i] sends back a sparse gradient; the engine sums them linearly (timed in
    benchmarks/bench_ops.py: 32,000 rows take well under a second)."""
    from tinygrad_acts.autograd import IndexedGrad
    x = ta.tensor(np.random.default_rng(0).random((2000, 3)), requires_grad=True)
    assert type(x[5].grad_fn.backward(np.ones(3), *x[5].grad_fn.saved)) is IndexedGrad
    total = ta.tensor(0.0, dtype=np.float64)
    for row in x:
        total = total + row.sum() * 2
    total.backward()
    assert x.grad.numpy().tolist() == np.full((2000, 3), 2.0).tolist()


# --- found by the harness's campaigns (tests/torchdiff.py), in torch's terms ----------------


def _no_grad_view():
    x = ta.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ta.float64, requires_grad=True)
    with ta.no_grad():
        v = x.squeeze(1)
    return x, v


def test_a_no_grad_view_requires_grad_but_its_gradient_goes_nowhere():
    x, v = _no_grad_view()
    y = (v * 2).sum()
    assert v.requires_grad and y.requires_grad
    assert ta.grad(y, [v], allow_unused=True) == (None,)
    y = (v * 2).sum()
    y.backward()
    assert v.grad is None and x.grad is None


def test_a_no_grad_view_is_not_a_root_for_grad_or_backward():
    _, v = _no_grad_view()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ta.grad(v, [v], grad_outputs=[ta.ones(2, 2, dtype=ta.float64)])
    with pytest.raises(RuntimeError, match="does not require grad"):
        v.backward(ta.ones(2, 2, dtype=ta.float64))


def test_create_graph_gives_a_leaf_a_clone_of_the_gradient_in_the_graph():
    x = ta.tensor([1.0, 2.0], dtype=ta.float64, requires_grad=True)
    seed = ta.tensor([3.0, 4.0], dtype=ta.float64, requires_grad=True)
    x.backward(seed, create_graph=True)
    assert x.grad is not seed and not x.grad.is_leaf and x.grad.requires_grad
    assert x.grad.tolist() == [3.0, 4.0]


def test_a_seed_the_caller_holds_is_copied_into_grad_not_shared():
    x = ta.tensor([0.5, -1.0], requires_grad=True)
    seed = ta.tensor([1.0, 2.0], requires_grad=True)
    x.backward(seed)
    x.backward(ta.tensor([1.0, 1.0]))
    assert seed.tolist() == [1.0, 2.0] and x.grad.tolist() == [2.0, 3.0]


def test_grad_runs_no_hook_of_a_node_or_leaf_that_leads_to_no_input():
    calls = []
    a = ta.tensor([1.0, 2.0], requires_grad=True)
    b = ta.tensor([1.0, 2.0], requires_grad=True)
    out = a.log_softmax(0)
    out.register_hook(lambda g: calls.append("node"))
    a.register_hook(lambda g: calls.append("leaf"))
    y = (b * 2)[0]
    ta.grad([out * 1, y], [b], grad_outputs=[ta.ones(2), None])
    assert calls == []


def test_grad_runs_the_hooks_of_its_only_root_as_torch():
    """torch's engine makes a single output the graph root (its hooks run even if it leads
    to no input); several outputs hang under a root node, and unneeded ones are pruned."""
    other = ta.tensor(1.0, requires_grad=True)
    for make_root in (lambda r: r, lambda r: r * 2):
        calls = []
        r = ta.tensor([1.0, 2.0], requires_grad=True)
        root = make_root(r)
        root.register_hook(lambda g, calls=calls: calls.append("root"))
        assert ta.grad(root, [other], grad_outputs=ta.ones(2), allow_unused=True) == (None,)
        assert calls == ["root"]
        ta.grad([root, root * 1], [other], grad_outputs=[ta.ones(2), ta.ones(2)],
                allow_unused=True)
        assert calls == ["root"]


def test_pow_gradient_in_the_exponent_follows_torch_at_zero_and_negative_bases():
    got = []
    for base, e in [(-2.0, 2.0), (0.0, -2.0), (0.0, 0.0), (0.0, 0.5)]:
        x = ta.tensor(e, dtype=ta.float64, requires_grad=True)
        (ta.tensor(base, dtype=ta.float64) ** x).backward()
        got.append(x.grad.item())
    assert np.isnan(got[0]) and got[1:] == [-np.inf, 0.0, 0.0]


def test_a_number_over_a_tensor_keeps_only_its_output():
    x = ta.tensor([0.5, 2.0], dtype=ta.float64, requires_grad=True)
    h = x * 1
    y = 4 / h
    h.add_(1.0)  # torch's 4 / h is h.reciprocal() * 4: h is not saved
    y.sum().backward()
    assert x.grad.tolist() == [-16.0, -1.0]


def test_grad_with_respect_to_a_base_after_an_in_place_change_of_its_view():
    a = ta.tensor(1.99, dtype=ta.float64, requires_grad=True)
    base = a.sum()
    view = base[None]
    view.sigmoid_()
    assert ta.grad(view, [base], grad_outputs=[ta.ones(1, dtype=ta.float64)])[0].item() == 1.0


def test_a_tensor_seed_and_an_indexed_gradient_of_one_leaf_sum():
    x = ta.tensor(1.5, dtype=ta.float64, requires_grad=True)
    seed = ta.tensor(-2.0, dtype=ta.float32, requires_grad=True)
    (g,) = ta.grad([x[()], x], [x], grad_outputs=[ta.tensor(0.5, dtype=ta.float64), seed])
    assert g.item() == -1.5 and g.dtype == np.float64
