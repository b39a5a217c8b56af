"""The engine's differences from torch that the differential campaign found (issue #13,
``python -m tests.torchdiff``), fixed: each test runs the same snippet in both libraries and
compares what torch shows (values, dtypes, which hooks ran, what raises).

The campaign's class of each is in its test's docstring, so a class that comes back is
found here by name.
"""
import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

BOTH = [pytest.param(ta, id="ta"), pytest.param(torch, id="torch")]


def grad_of(lib):
    return ta.grad if lib is ta else torch.autograd.grad


def values(t) -> list:
    return t.detach().numpy().tolist()


# --- a hook sees a Tensor of an ndarray, never of a numpy scalar ------------------------------


@pytest.mark.parametrize("lib", BOTH)
def test_a_retained_0d_gradient_holds_an_array(lib):
    """The campaign crashed on ``np.array(v.grad.data)``: a 0-d rule's result (numpy hands it
    back as a scalar) reached a hook, so ``retain_grad()`` kept a Tensor of a numpy scalar."""
    x = lib.tensor(0.04, dtype=lib.float64, requires_grad=True)
    s = x.std(correction=0)
    s.retain_grad()
    seen = []
    s.register_hook(lambda g: seen.append(type(g.numpy())))
    s.rsqrt().backward()
    assert type(s.grad.numpy()) is np.ndarray and type(s.grad.data.numpy()) is np.ndarray
    assert seen == [np.ndarray]


@pytest.mark.parametrize("lib", BOTH)
@pytest.mark.parametrize("op", ["logical_not", "logical_or", "logical_and", "logical_xor"])
def test_logical_ops_of_0d_tensors_hold_arrays(lib, op):
    a = lib.tensor(3)
    out = getattr(a, op)() if op == "logical_not" else getattr(a, op)(lib.tensor(0))
    assert type(out.numpy()) is np.ndarray and out.shape == ()


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # (torch's)
@pytest.mark.parametrize("lib", BOTH)
def test_np_array_of_a_tensor_copies_and_np_asarray_shares(lib):
    """numpy 2 passes ``copy=True`` for ``np.array(t)``: it was ignored, so the array shared
    the tensor's memory (and the campaign's snapshots, taken so, changed with the tensor)."""
    t = lib.tensor([1.0, 2.0], dtype=lib.float64)
    copied, shared, cast = np.array(t), np.asarray(t), np.array(t, dtype=np.float32)
    t.add_(1.0)
    assert copied.tolist() == [1.0, 2.0] and shared.tolist() == [2.0, 3.0]
    assert cast.dtype == np.float32 and cast.tolist() == [1.0, 2.0]


# --- dtype @ grad: a create_graph gradient has its input's dtype ------------------------------


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_create_graph_gradient_has_the_inputs_dtype(create_graph):
    """float32 output, float64 input (``y += x``), float32 grad_outputs: the gradient is
    float64, with create_graph too (it was float32 there)."""
    found = []
    for lib in (ta, torch):
        y = lib.tensor([2.0], dtype=lib.float32)
        x = lib.tensor(-0.91, dtype=lib.float64, requires_grad=True)
        y += x
        w = lib.tensor([-1.38], dtype=lib.float32, requires_grad=True)
        (g,) = grad_of(lib)(y, [x], grad_outputs=w, create_graph=create_graph)
        found.append((str(g.dtype).removeprefix("torch."), g.requires_grad, g.item()))
    assert found[0] == found[1]


# --- we-raise @ grad: a grad_outputs that requires grad seeds its values only ----------------


def test_a_grad_output_that_requires_grad_seeds_values_only():
    """Without create_graph the rules get the values of a grad_outputs (or backward's
    gradient) that requires grad, as torch's: a rule that has no second derivative
    (scatter_reduce with 'prod') refused the Tensor it was handed."""
    found = []
    for lib in (ta, torch):
        src = lib.tensor([[2.0, -2.0], [-1.0, 1.0]], dtype=lib.float64, requires_grad=True)
        base = lib.tensor([[-0.5, 0.5, 3.0], [2.0, -1.5, -0.5]], dtype=lib.float64)
        y = base.scatter_reduce(1, lib.tensor([[0, 2], [1, 1]]), src, "prod")
        g = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        (gs,) = grad_of(lib)(y, src, grad_outputs=g)
        (src * 3).backward(g[:, :2])
        found.append((values(gs), gs.requires_grad, values(src.grad), src.grad.requires_grad))
    assert found[0] == found[1]


# --- type @ backward: a view changed in place outside the graph gets a new node ---------------


@pytest.mark.parametrize("lib", BOTH)
def test_a_hook_on_a_view_changed_under_no_grad_misses_older_graphs(lib):
    """As torch regenerates a view's grad_fn once its version moved: a hook registered after
    a no_grad in-place change does not run for a graph made before it, runs for one made
    after, and grad() with respect to the view finds none of its earlier uses."""
    x = lib.tensor([-1.02, 2.0], dtype=lib.float64, requires_grad=True)
    v = x[0:5]
    before = v.mean()
    with lib.no_grad():
        same = lib.nn.functional.relu(v, inplace=True)
    assert same.grad_fn is not None  # NOTE: without this read, torch 2.13's register_hook
    seen = []  # segfaults here (its regenerated grad_fn)
    same.register_hook(lambda g: seen.append(values(g)))
    before.backward()
    assert seen == [] and values(x.grad) == [0.5, 0.5]
    (v * 2).sum().backward()
    assert seen == [[2.0, 2.0]] and values(x.grad) == [2.5, 2.5]
    with pytest.raises(RuntimeError, match="used"):
        grad_of(lib)(x[0:1].sum() + before, v)


@pytest.mark.parametrize("lib", BOTH)
def test_a_view_of_a_leaf_changed_under_no_grad_still_reaches_the_leaf(lib):
    """The view's new node leads to the leaf itself (not to a stand-in for it)."""
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    v = x[1:]
    with lib.no_grad():
        x.mul_(2)
    (v * 3).sum().backward()
    assert values(x.grad) == [0.0, 3.0, 3.0]


@pytest.mark.parametrize("lib", BOTH)
def test_retain_grad_follows_a_view_changed_under_no_grad(lib):
    x = lib.tensor([-1.02, 2.0], dtype=lib.float64, requires_grad=True)
    v = (x * 1)[0:5]
    v.retain_grad()
    before = v.mean()
    with lib.no_grad():
        v.relu_()
    after = (v * 2).sum()  # (torch moves it lazily: when the view's grad_fn is next read)
    before.backward(retain_graph=True)
    assert v.grad is None
    after.backward()
    assert values(v.grad) == [2.0, 2.0] and values(x.grad) == [2.5, 2.5]


# --- grad value @ backward: a hook on a view runs for the graphs made before its change -------


@pytest.mark.parametrize("lib", BOTH)
def test_a_hook_on_a_view_runs_for_graphs_made_before_it_changed_in_place(lib):
    """A view changed in place in grad mode: the new graph skips its old node (torch's
    CopySlices), but a graph made before the change still runs the old node's hooks (they
    were dropped, so a doubling hook was lost)."""
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    b = x * 1
    v = b[1:]
    seen = []
    v.register_hook(lambda g: seen.append(values(g)) or g * 2)
    old = v * 3
    v.mul_(2)
    new = v * 5
    old.sum().backward(retain_graph=True)
    assert seen == [[3.0, 3.0]] and values(x.grad) == [0.0, 6.0, 6.0]
    seen.clear()
    new.sum().backward(retain_graph=True)
    b.sum().backward()
    assert seen == [] and values(x.grad) == [1.0, 18.0, 18.0]


# --- we-raise @ backward: 0 / x keeps 1 / x, as torch's, not x --------------------------------


@pytest.mark.parametrize("lib", BOTH)
@pytest.mark.parametrize("zero", [0.0, 0])
def test_zero_over_x_lets_x_change_in_place(lib, zero):
    """torch's ``0 / x`` is ``x.reciprocal() * 0``: it keeps 1 / x, so x may change in place
    before backward (Div kept x, so backward raised); the same values at 0, +-inf and nan."""
    x = lib.tensor([-0.69, 0.0, 1.0, np.inf, -np.inf, np.nan, -0.0], dtype=lib.float64,
                   requires_grad=True)
    y = x - 1
    q = zero / y
    lib.nn.functional.relu_(y)
    q.sum().backward()
    assert q.dtype == lib.float64
    np.testing.assert_array_equal(q.detach().numpy(), [-0.0, -0.0, np.nan, 0.0, -0.0, np.nan,
                                                       -0.0])
    np.testing.assert_array_equal(x.grad.numpy(), [-0.0, -0.0, np.nan, -0.0, -0.0, np.nan,
                                                   -0.0])


def test_zero_over_x_is_quiet_and_keeps_torchs_dtypes():
    for lib in (ta, torch):
        with np.errstate(all="raise"):
            assert np.isnan((0.0 / lib.tensor([0.0])).numpy()).all()
        assert (0.0 / lib.tensor([1, 2])).dtype == lib.float32
        assert (0 / lib.tensor([2.0], dtype=lib.float64)).dtype == lib.float64


# --- a view made under no_grad, once its base changed -------------------------------------


@pytest.mark.parametrize("lib", BOTH)
def test_a_stale_no_grad_view_refuses_grad_under_no_grad_too(lib):
    """we-run @ grad: grad() with respect to it reads its grad_fn, in any mode."""
    a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    y = a * 2
    with lib.no_grad():
        view = y[..., None]
    y -= 1
    with lib.no_grad(), pytest.raises(RuntimeError, match="no_grad mode"):
        grad_of(lib)(y, view, grad_outputs=lib.ones(2, dtype=lib.float64), allow_unused=True)


@pytest.mark.parametrize("lib", BOTH)
def test_a_view_of_a_no_grad_view_changes_in_place_under_no_grad(lib):
    """we-raise @ inplace floor_: under no_grad nothing is ambiguous; its views go stale."""
    base = lib.tensor(-0.86, dtype=lib.float64, requires_grad=True)
    with lib.no_grad():
        view = base[()]
    twice = view.swapaxes(0, -1)
    with lib.set_grad_enabled(False):
        twice.floor_()
    assert base.item() == view.item() == -1.0
    with pytest.raises(RuntimeError, match="no_grad mode"):
        twice.grad_fn


@pytest.mark.parametrize("lib", BOTH)
def test_a_create_graph_gradient_made_contiguous_keeps_its_graph_under_no_grad(lib):
    """requires_grad @ grad: grad() of cat's input (a slice of the gradient) with
    create_graph=True under no_grad still requires grad."""
    a = lib.tensor([[1.5], [-2.0]], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([[1.5, -2.0], [1.5, 1.0]], dtype=lib.float64, requires_grad=True)
    seed = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
    joined = lib.cat([a, b], 1)
    with lib.no_grad():
        (gb,) = grad_of(lib)(joined, b, grad_outputs=[seed], create_graph=True)
    assert gb.requires_grad


@pytest.mark.parametrize("lib", BOTH)
def test_scatter_reduce_gives_a_left_out_input_zero_even_for_an_inf_gradient(lib):
    """grad value @ backward: include_self=False masks the scattered-into positions."""
    x = lib.tensor([[2.0, 2.0, -0.5]], dtype=lib.float64, requires_grad=True)
    src = lib.tensor([[-1.25, 1.85]], dtype=lib.float64)
    out = x.scatter_reduce(1, lib.tensor([[0, 1]]), src, "amin", include_self=False)
    out.backward(lib.tensor([[float("inf"), 0.5, 1.5]], dtype=lib.float64))
    assert values(x.grad) == [[0.0, 0.0, 1.5]]
