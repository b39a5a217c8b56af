"""The engine against torch, for the campaign's engine classes (issue #13): views of views
after an in-place change, batched matmul's saved operands, and the dtype a hook sees after a
mixed-dtype in-place op. Each test runs the same snippet in both libraries and compares
what torch shows (values, dtypes, which hooks ran, what raises)."""
import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

BOTH = [pytest.param(ta, id="ta"), pytest.param(torch, id="torch")]


def grad_of(lib):
    return ta.grad if lib is ta else torch.autograd.grad


def values(t) -> list:
    return t.detach().numpy().tolist()


def name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


# --- dtype @ backward: a mixed-dtype in-place op computes in torch's result dtype ------------


MIXED = [(op, other) for op in ("mul_", "add_", "sub_", "div_")
         for other in ("int32", "int64", "float64_0d", "float64", "bool")
         if not (op == "sub_" and other == "bool")]  # (torch refuses - with a bool)


def _mixed_in_place(lib, op: str, other: str) -> list:
    x = lib.tensor([[0.3, -1.7, 2.5]], dtype=lib.float32, requires_grad=True)
    v = x * 1
    seen = []
    v.register_hook(lambda g: seen.append((name(g.dtype), values(g))))
    if other == "float64_0d":
        w = lib.tensor(1.3, dtype=lib.float64, requires_grad=True)
    elif other == "float64":
        w = lib.tensor([1.3, -0.2, 3.0], dtype=lib.float64, requires_grad=True)
    elif other == "bool":
        w = lib.tensor([True, False, True])
    else:
        w = lib.tensor([3, -2, 5], dtype=getattr(lib, other))
    if op == "div_" and other == "bool":
        w = w | True
    getattr(v, op)(w)
    (v * lib.tensor([1.0, 2.0, -3.0], dtype=lib.float32)).sum().backward()
    got = [name(v.dtype), values(v), seen, values(x.grad), name(x.grad.dtype)]
    if w.requires_grad:
        got += [values(w.grad), name(w.grad.dtype)]
    return got


@pytest.mark.parametrize("op, other", MIXED)
def test_a_hook_sees_its_tensors_dtype_after_a_mixed_in_place_op(op, other):
    """Seed 331906: ``v *= int_tensor`` on float32 ``v``: a hook on v's old node saw float64
    (the rule multiplied float32 by int32 in numpy's promotion). torch computes in its
    result dtype and hands each node a gradient of its own dtype."""
    ours, theirs = _mixed_in_place(ta, op, other), _mixed_in_place(torch, op, other)
    assert ours[0] == theirs[0] and [d for d, _ in ours[2]] == [d for d, _ in theirs[2]]
    assert len(ours) == len(theirs) and ours[4::2] == theirs[4::2]  # the dtypes
    for a, b in zip([ours[1], ours[2][0][1], *ours[3::2]], [theirs[1], theirs[2][0][1],
                                                             *theirs[3::2]]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


# --- views of views after an in-place change: each view is regenerated from its root ---------


def _view_chain(lib, kind: str):
    x = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=lib.float64, requires_grad=True)
    b = x * 2
    if kind == "index":
        v = b[:, 1:]
        w = v[1:]
    elif kind == "reshape":
        v = b.unsqueeze(-1)
        w = v.flatten()
    else:  # a mix: a slice of a transpose
        v = b.t()
        w = v[1:]
    return x, b, v, w


def _middle_hook(lib, kind: str) -> tuple:
    x, _, v, w = _view_chain(lib, kind)
    w.mul_(2)
    assert v.grad_fn is not None  # NOTE: torch 2.13's register_hook segfaults without it
    seen = []
    v.register_hook(lambda g: seen.append(values(g)))
    w.sum().backward(retain_graph=True)
    assert seen == []
    first = values(x.grad)
    (v * 3).sum().backward()
    assert len(seen) == 1 and values(x.grad) != first
    return first, values(x.grad), seen


@pytest.mark.parametrize("kind", ["index", "reshape", "mixed"])
def test_a_view_of_a_view_changed_in_place_skips_the_middle_view(kind):
    """Seed 323742: after ``w`` (a view of the view ``v``) changed in place, torch rebuilds
    each view's grad_fn from the root base, so a backward through ``w`` never runs ``v``'s
    node: a hook registered on ``v`` after the change sees nothing (ours ran once)."""
    ours, theirs = _middle_hook(ta, kind), _middle_hook(torch, kind)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("lib", BOTH)
def test_grad_wrt_a_middle_view_after_a_change_of_its_view_is_unused(lib):
    """Seed 329639: ``v6 = v5.flatten(0, 1); v6.sigmoid_()``: torch's v6 is regenerated from
    the root, so grad(v6, v5) finds v5 unused (ours ran, through v5's node)."""
    a = lib.tensor([1.0, 1.5, 1.5], dtype=lib.float64)
    c = lib.tensor([1.34, -1.11, 0.0, 1.49], dtype=lib.float64, requires_grad=True)
    v4 = a[:, None] * c
    v5 = v4.permute(0, 1)
    v6 = v5.flatten(0, 1)
    v6.sigmoid_()
    with pytest.raises(RuntimeError, match="used"):
        grad_of(lib)(v6, [v5], grad_outputs=lib.ones(12, dtype=lib.float64))
    (g,) = grad_of(lib)(v6, [v4], grad_outputs=lib.ones(12, dtype=lib.float64))
    assert g.shape == (3, 4)


@pytest.mark.parametrize("lib", BOTH)
def test_a_hook_on_a_middle_view_registered_before_the_change(lib):
    """A hook on ``v`` registered before ``w`` changed in place runs for the graphs made
    before the change, never for the new ones."""
    _, _, v, w = _view_chain(lib, "index")
    seen = []
    v.register_hook(lambda g: seen.append(values(g)))
    old = (v * 2).sum()
    w.add_(1)
    w.sum().backward(retain_graph=True)
    (v * 5).sum().backward(retain_graph=True)
    assert seen == []
    old.backward()
    assert seen == [[[2.0, 2.0], [2.0, 2.0]]]


# --- batched matmul: torch keeps a copy of an operand it expanded and had to reshape ----------

SHAPES = [((2, 1, 3, 4), (3, 4, 2)), ((3, 4), (2, 4, 5)), ((1, 2, 3), (4, 3, 5)),
          ((4, 2, 3), (1, 3, 5)), ((2, 4, 2, 3), (3, 5)), ((3,), (2, 3, 5)), ((2, 2, 3), (3,)),
          ((1, 1, 2, 3), (2, 4, 3, 5)), ((2, 2, 3), (2, 3, 5)), ((0, 2, 3), (3, 5))]


def _operand(lib, shape: tuple, layout: str, seed: int):
    """A non-leaf operand (so it may change in place) in a given memory layout."""
    rng = np.random.default_rng(seed)
    if layout == "t" and len(shape) >= 2:  # a batched transpose
        arr = rng.uniform(-1, 1, (*shape[:-2], shape[-1], shape[-2])).swapaxes(-1, -2)
    elif layout == "p" and len(shape) >= 3:  # the first two dims swapped
        arr = rng.uniform(-1, 1, (shape[1], shape[0], *shape[2:])).swapaxes(0, 1)
    else:
        arr = rng.uniform(-1, 1, shape)
    leaf = lib.tensor(np.ascontiguousarray(arr), dtype=lib.float64, requires_grad=True)
    return leaf, (leaf.swapaxes(-1, -2).contiguous().swapaxes(-1, -2) if layout == "t" and
                  len(shape) >= 2 else leaf.swapaxes(0, 1).contiguous().swapaxes(0, 1)
                  if layout == "p" and len(shape) >= 3 else leaf * 1)


def _changed_operand(lib, shapes, layouts, grads, which: int) -> list:
    (la, a), (lb, b) = (_operand(lib, s, lay, i) for i, (s, lay) in enumerate(zip(shapes,
                                                                                   layouts)))
    a, b = (a if grads[0] else a.detach()), (b if grads[1] else b.detach())
    c = a @ b
    with lib.no_grad():
        (a, b)[which].mul_(3)
    try:
        c.sum().backward()
    except RuntimeError as e:
        return ["raised", "modified by an inplace operation" in str(e)]
    return [values(t.grad) for t, g in zip((la, lb), grads) if g]


@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("layouts", ["cc", "tc", "ct", "pp"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_an_operand_of_a_batched_matmul_changed_in_place(shapes, layouts, grads):
    """Seeds 324017, 331522: torch's matmul works on a copy of an operand it expands to
    the broadcast batch and cannot reshape as a view (or cannot fold into one matrix): that
    copy is what it saves, so the operand may change in place before backward, which then
    uses the old values; an operand it saves as a view raises. And, as torch, an operand
    is kept only for the other's gradient (``x @ w`` with x constant: w may change)."""
    for which in (0, 1):
        ours = _changed_operand(ta, shapes, layouts, grads, which)
        theirs = _changed_operand(torch, shapes, layouts, grads, which)
        assert len(ours) == len(theirs) and (ours[0] == "raised") == (theirs[0] == "raised")
        if ours[0] != "raised":
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _second_derivative(lib) -> list:
    a = lib.tensor(np.linspace(-1, 1, 12).reshape(2, 1, 2, 3), requires_grad=True)
    b = lib.tensor(np.linspace(0.5, 2, 30).reshape(5, 3, 2), requires_grad=True)
    (ga,) = grad_of(lib)((a @ b).pow(2).sum(), a, create_graph=True)
    (gb,) = grad_of(lib)(ga.sum(), b)
    return values(gb)


def test_a_copied_matmul_operand_keeps_its_second_derivative():
    """The copy is a node of the graph: d/db of (d/da sum((a @ b)^2)) still reaches b."""
    np.testing.assert_allclose(_second_derivative(ta), _second_derivative(torch), rtol=1e-12)


# --- requires_grad of a view made under no_grad follows its base -----------------------------


def _no_grad_view_flags(lib) -> list:
    found = []
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    with lib.no_grad():
        v, w = x[0:1], x.view(2, 1)
    v.requires_grad_(False)
    w.requires_grad = False
    found += [v.requires_grad, w.requires_grad, v.is_leaf]
    x.requires_grad_(False)
    found += [v.requires_grad, w.requires_grad]
    y = lib.tensor([1.0, 2.0], dtype=lib.float64)
    with lib.no_grad():
        u = y[1:]
    u.requires_grad_(True)
    found += [u.requires_grad, y.requires_grad]
    u.requires_grad_(False)
    found += [u.requires_grad]
    return found


def test_requires_grad_of_a_no_grad_view_follows_its_base():
    """Campaign class 'requires_grad @ requires_grad_': requires_grad_(False) on a view made
    under no_grad of a tensor that requires grad leaves it True, as torch's (ours set it)."""
    assert _no_grad_view_flags(ta) == _no_grad_view_flags(torch)
