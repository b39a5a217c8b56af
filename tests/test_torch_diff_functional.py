"""Differential tests of the functional API's argument space against PyTorch.

The harness is ``tests/torchdiff_functional.py`` (its docstring says what it draws and what
it compares): for every function of its table, seeded random arguments drawn from torch's
signature, valid and invalid, run in both libraries on the same float64 / float32 data.

- a fixed corpus in every run: ``CORPUS_SEEDS`` seeds of every function (a few seconds);
- ``--runslow``: a campaign of ``FUNCTIONAL_SEEDS`` (default 400) seeds of every function;
- ``KNOWN``: the differences understood so far, each with how to recognise it. The
  deliberate ones (``DELIBERATE``) are what a PyTorch user would call sensible; the others
  (``OPEN``) are still to fix, and say where;
- the harness itself is tested to find a wrong value, a wrong gradient and a wrong
  refusal, and to shrink a reproducer to the argument that matters.

A failure prints a minimal reproducer as Python for both libraries. By hand::

    python -m tests.torchdiff_functional 0 50
"""
import os
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_acts as ta  # noqa: E402
import tinygrad_acts.functional as F  # noqa: E402

from tests import torchdiff as td  # noqa: E402 - only with torch installed
from tests import torchdiff_functional as tf  # noqa: E402

CORPUS_SEEDS = range(12)


def _we_raise(text: str, tag: str = "") -> td.Known:
    return td.Known("", lambda d: d.kind == "we-raise" and text in d.ours
                    and (not tag or d.tag == tag))


def _code(d: td.Difference) -> str:
    return d.program.source(td.ta_backend())


def _tiny(text: str) -> bool:
    """Every number printed in ``text`` is below 1e-4 in magnitude."""
    numbers = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", text)
    return bool(numbers) and all(abs(float(n)) < 1e-4 for n in numbers)


#: Deliberate differences (docs/guarantees.md lists them).
DELIBERATE: dict[str, td.Known] = {
    "regression losses refuse to broadcast": td.Known(
        "mse / l1 / smooth_l1 / huber refuse an input and a target of different shapes, "
        "where torch warns and broadcasts ((N, 1) against (N,) silently becomes (N, N))",
        lambda d: d.kind == "we-raise" and "broadcasting here is almost always a bug"
        in d.ours),
    "zeros where torch's gradient is None": td.Known(
        "a gradient whose rule read the input is a tensor of zeros here (the engine's "
        "create_graph rule, autograd._differentiable_backward), where torch's graph may end "
        "in an undefined gradient (eval-mode batch_norm's double backward, the norm of "
        "order 0)",
        lambda d: d.kind == "zeros-for-None"),
    "torch's double backward of a norm layer fails": td.Known(
        "torch raises from inside its own double backward of batch / layer / instance / "
        "group norm for some argument combinations; ours runs (gradgradcheck-verified)",
        lambda d: d.kind == "we-run" and ("Expected a proper Tensor but got None" in d.theirs
                                          or "tensor does not have a device" in d.theirs)),
    "torch's group_norm backward with a bias and no weight fails": td.Known(
        "torch's native group_norm backward raises (a shape or device error) when a bias "
        "is given without a weight; ours runs (gradcheck-verified)",
        lambda d: d.kind == "we-run" and d.tag.startswith("F.group_norm grad")),
    "the backward of an empty adaptive pool": td.Known(
        "an adaptive pool to output size 0 runs in both; torch's backward then refuses "
        "(non-zero size expected), ours gives the zero gradient",
        lambda d: d.kind == "we-run" and "Expected grad_output to have non-zero size"
        in d.theirs),
    "embedding(max_norm) with an index out of range changes nothing": td.Known(
        "an index past the table is refused before any row is renormalised; torch "
        "renormalises the valid rows in place first, then refuses",
        lambda d: d.kind == "value" and d.tag == "F.embedding" and "max_norm" in _code(d)
        and d.where == "x1"),
    "binary_cross_entropy's second derivative: torch's rounding": td.Known(
        "t / x^2 + (1 - t) / (1 - x)^2 here is within an ulp or two of the exact value "
        "(checked with fractions); torch's double backward is about 1e-10 off near x = 1",
        lambda d: d.kind == "value" and d.tag == "F.binary_cross_entropy grad2"),
    "float32 rounding noise where the exact value is 0": td.Known(
        "a float32 second derivative whose exact value is 0 (normalize over a dim of size "
        "1 is the constant sign(x)): both libraries give rounding noise below 1e-4, of "
        "either sign",
        lambda d: d.kind == "value" and d.tag.endswith("grad2") and "float32" in _code(d)
        and _tiny(d.ours) and _tiny(d.theirs)),
    "cdist has a second derivative here": td.Known(
        "the gradient of cdist is differentiable again (it is built from differentiable "
        "ops); torch's _cdist_backward has no derivative and raises",
        lambda d: d.kind == "we-run" and "'_cdist_backward' is not implemented" in d.theirs),
    "take_along_dim reads no index out of range": td.Known(
        "an index past a size-1 dim is refused (naming the index and the size), where "
        "torch reads through its broadcast view without a bounds check",
        lambda d: d.kind == "we-raise" and d.tag == "ta.take_along_dim"
        and "out of bounds" in d.ours),
}

#: Differences still to fix, and where the fix lies.
OPEN: dict[str, td.Known] = {
    "interpolate(mode='area') of a 5-d input (adaptive_avg_pool3d)": _we_raise(
        "mode 'area' on a 5-d input"),
    "second derivatives of svdvals (nuclear / spectral norms) and scatter_reduce(prod)":
        _we_raise("second derivatives are not implemented"),
    "requires_grad of a create_graph gradient that is constant in a degenerate case": td.Known(
        "prod of a 0-d tensor, var / cumprod of an empty one, det of a 1x1 matrix, circular "
        "pad: torch's gradient is then constant and does not require grad; ours does",
        lambda d: d.kind == "requires_grad" and d.ours == "True" and d.tag in (
            "ta.prod grad", "ta.var grad", "ta.cumprod grad", "ta.linalg.det grad",
            "F.pad grad")),
    "std / var (unbiased=) without dim (tensor.py)": td.Known(
        "torch has no overload (input, unbiased=, keepdim=); ours accepts it",
        lambda d: d.kind == "we-run" and d.tag in ("ta.std", "ta.var")
        and "invalid combination of arguments" in d.theirs),
    "cosine_similarity's second derivative below eps": td.Known(
        "a vector shorter than eps: torch's double backward differs from ours",
        lambda d: d.kind == "value" and d.tag == "F.cosine_similarity grad2"),
}

KNOWN = {**DELIBERATE, **OPEN}


def explain(diff: td.Difference) -> str | None:
    return td.explain(diff, KNOWN)


def _unexplained(names: list[str], seeds: range) -> dict[str, tf.Found]:
    return tf.campaign(seeds, names, known=explain)


def _message(found: dict[str, tf.Found]) -> str:
    return "\n".join(f"=== {cls} ({f.count} case(s))\n{tf.report(f.case, f.diff)}"
                     for cls, f in found.items())


# --- the corpus -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(tf.FUNCS))
def test_fixed_corpus(name):
    found = _unexplained([name], CORPUS_SEEDS)
    assert not found, _message(found)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(tf.FUNCS))
def test_campaign(name):
    found = _unexplained([name], range(int(os.environ.get("FUNCTIONAL_SEEDS", "400"))))
    assert not found, _message(found)


# --- the table stays honest -----------------------------------------------------------------


def _resolve(name: str, lib) -> object:
    obj = {"F": lib.nn.functional if lib is torch else F, "ta": lib}[name.split(".")[0]]
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", sorted(tf.FUNCS))
def test_every_function_of_the_table_exists_in_both(name):
    assert callable(_resolve(name, torch)) and callable(_resolve(name, ta))


@pytest.mark.parametrize("name", sorted(tf.MISSING))
def test_missing_functions_are_still_missing(name):
    """When one lands, move it from MISSING to FUNCS (a generator line)."""
    assert callable(_resolve(name, torch))
    with pytest.raises(AttributeError):
        _resolve(name, ta)


def test_cases_are_deterministic_and_cover_invalid_arguments():
    a, b = tf.make("F.conv2d", 3), tf.make("F.conv2d", 3)
    assert a.program().source(td.ta_backend()) == b.program().source(td.ta_backend())
    refused = sum(tf._run_torch(tf.make("F.conv2d", s).program().steps) is None
                  for s in range(40))
    assert 2 <= refused <= 30  # some invalid combinations, mostly valid ones


def test_programs_have_first_and_second_derivative_steps():
    tags = {s.tag for seed in range(10) for s in tf.make("F.layer_norm", seed).program().steps}
    assert {"F.layer_norm", "F.layer_norm grad", "F.layer_norm grad2"} <= tags


# --- the harness finds what it should ---------------------------------------------------------


def test_the_harness_finds_a_wrong_value(monkeypatch):
    monkeypatch.setattr(F, "normalize", lambda x, **kw: x * 1.0)
    found = _unexplained(["F.normalize"], range(3))
    assert any(cls.startswith("value @ F.normalize") for cls in found), found


def test_the_harness_finds_a_wrong_gradient(monkeypatch):
    from tinygrad_acts.ops import conv as C

    right = C.AdaptiveMaxPool.backward
    monkeypatch.setattr(C.AdaptiveMaxPool, "backward",
                        lambda self, g, *saved: right(self, g, *saved) * 2.0)
    found = _unexplained(["F.adaptive_max_pool2d"], range(4))
    assert any(cls == "grad value @ F.adaptive_max_pool2d grad"
               or cls.startswith("value @ F.adaptive_max_pool2d grad") for cls in found), found


def test_the_harness_finds_a_missing_refusal_and_shrinks_to_it(monkeypatch):
    real = F.softmax

    def lax(x, dim=None, dtype=None, **kw):  # a dim out of range wraps instead of raising
        return real(x, None if dim is None else dim % max(x.ndim, 1), dtype=dtype)
    monkeypatch.setattr(F, "softmax", lax)
    found = _unexplained(["F.softmax"], range(40))
    f = found.get("we-run @ F.softmax")
    assert f is not None, found
    assert set(f.case.call.kwargs) == {"dim"}  # shrunk: only the argument that matters
    assert "F.softmax(" in f.diff.report() and "torch.nn.functional" in f.diff.report()


# --- regressions found by the harness (each once a difference) --------------------------------


def _same(src: str, **names):
    """``src`` evaluated with ``lib`` = ta and torch: the same values."""
    ours = eval(src, {"lib": ta, "F": F, "np": np, **names})
    theirs = eval(src, {"lib": torch, "F": torch.nn.functional, "np": np, **names})
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_cosine_similarity_broadcasts_before_the_norms():
    a, b = np.array([[1.5], [-2.0]]), np.array([[-0.5, -0.7], [0.1, 1.0]])
    _same("F.cosine_similarity(lib.tensor(a), lib.tensor(b))", a=a, b=b)


def test_sum_mean_prod_cumsum_keep_the_dtype_asked_for():
    x = np.array([[1, 2], [3, 4]], np.int32)
    for src in ("lib.sum(lib.tensor(x), dtype=lib.int32)", "lib.sum(lib.tensor(x), 1, "
                "dtype=lib.float64)", "lib.mean(lib.tensor(x), dtype=lib.float32)",
                "lib.prod(lib.tensor(x), 0, dtype=lib.int32)",
                "lib.cumsum(lib.tensor(x), 1, dtype=lib.int32)",
                "lib.nansum(lib.tensor(x), dtype=lib.int32)"):
        _same(src, x=x)


def test_integer_dtype_of_a_tensor_that_requires_grad_is_refused():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    for fn in (ta.sum, ta.prod, ta.nansum):
        with pytest.raises(RuntimeError, match="integer"):
            fn(x, dtype=ta.int64)
    with pytest.raises(RuntimeError, match="integer"):
        ta.cumsum(x, 0, dtype=ta.int64)
    with ta.no_grad():
        assert ta.sum(x, dtype=ta.int64).item() == 3


def test_adaptive_max_pool_gradient_requires_grad_under_create_graph():
    x = ta.tensor(np.random.default_rng(0).random((1, 2, 5, 7)), requires_grad=True)
    (g,) = ta.grad(F.adaptive_max_pool2d(x, (2, 3)).sum(), [x], create_graph=True)
    assert g.requires_grad
    assert ta.gradcheck(lambda t: F.adaptive_max_pool1d(t, 3), [x[0]])


def test_adaptive_pools_to_size_zero_and_one():
    x = np.random.default_rng(1).random((1, 2, 4, 3))
    for src in ("F.adaptive_avg_pool2d(lib.tensor(x), 0)", "F.adaptive_max_pool2d("
                "lib.tensor(x), (0, 2))", "F.adaptive_avg_pool2d(lib.tensor(x), 1)"):
        _same(src, x=x)
    t = ta.tensor(x, requires_grad=True)
    (g,) = ta.grad(F.adaptive_avg_pool2d(t, 1).sum(), [t], create_graph=True)
    assert not g.requires_grad  # a mean's gradient, as torch's


def test_max_pool_padding_is_bounded_by_the_kernel_not_the_dilated_kernel():
    x = ta.zeros(1, 1, 9)
    with pytest.raises(RuntimeError, match="half of kernel size"):
        F.max_pool1d(x, 3, padding=2, dilation=2)


def test_bce_weights_that_require_grad_are_refused():
    x, t, w = ta.tensor([0.3, 0.6]), ta.tensor([0.0, 1.0]), ta.tensor([1.0, 2.0],
                                                                     requires_grad=True)
    for fn in (F.binary_cross_entropy, F.binary_cross_entropy_with_logits):
        with pytest.raises(RuntimeError, match="weight"):
            fn(x, t, weight=w)


def test_cross_entropy_label_smoothing_and_ignore_index_as_torch():
    x = np.random.default_rng(2).normal(size=(3, 4))
    t = np.array([0, 3, 1])
    _same("F.cross_entropy(lib.tensor(x), lib.tensor(t), label_smoothing=-0.1)", x=x, t=t)
    probs = ta.tensor(np.full((3, 4), 0.25))
    with pytest.raises(RuntimeError, match="ignore_index"):
        F.cross_entropy(ta.tensor(x), probs, ignore_index=1)


def test_linear_with_a_vector_weight():
    x, w = np.random.default_rng(3).normal(size=(2, 2, 3)), np.array([0.5, -1.0, 2.0])
    _same("F.linear(lib.tensor(x), lib.tensor(w), lib.tensor(np.array(0.25)))", x=x, w=w)
    _same("F.linear(lib.tensor(x[0]), lib.tensor(w))", x=x, w=w)
    for lib in (ta, torch):
        with pytest.raises(RuntimeError):  # torch's addmm path needs a matrix
            lib.nn.functional.linear(lib.tensor(x[0]), lib.tensor(w), lib.tensor(np.array(1.)))


def test_group_norm_of_one_value_per_group_is_refused():
    with pytest.raises(ValueError, match="more than 1 value"):
        F.group_norm(ta.zeros(1, 1), 1)


def test_float32_second_derivatives_stay_float32():
    x = ta.tensor(np.random.default_rng(4).random((3, 3)).astype(np.float32),
                  requires_grad=True)
    (g,) = ta.grad(F.cross_entropy(x, ta.tensor([0, 1, 2]), label_smoothing=0.1), [x],
                   create_graph=True)
    assert g.dtype == np.float32
    (g,) = ta.grad(F.normalize(x, p=np.inf).sum(), [x], create_graph=True)
    assert g.dtype == np.float32


def test_norm_gradients_depend_on_the_input_under_create_graph():
    a = ta.tensor([[1.0, -2.0, 0.5]], requires_grad=True)
    b = ta.tensor([[0.0, 1.0, 1.5]], requires_grad=True)
    (g,) = ta.grad(F.pairwise_distance(a, b, p=1.0).sum(), [a], create_graph=True)
    assert g.requires_grad  # sign(a - b) read a, as torch's graph says
    w = ta.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    bias = ta.tensor(np.zeros(3), requires_grad=True)
    x = ta.tensor(np.random.default_rng(5).random((2, 3)), requires_grad=True)
    grads = ta.grad((F.layer_norm(x, (3,), w, bias) ** 2).sum(), [x, w, bias],
                    create_graph=True)
    assert all(g.requires_grad for g in grads)
