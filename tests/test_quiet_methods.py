"""numpy stays quiet where torch does, on the Tensor-method surface the op table does not
sweep: each case runs forward and backward under warnings-as-errors (every warning, not
only RuntimeWarning) and must give torch's values and gradients (inf and nan included).

(``tests/test_ops_quiet.py`` sweeps the op table itself on extreme inputs.)
"""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

INF, NAN = float("inf"), float("nan")

#: name -> a program run with ``m`` = tinygrad_acts or torch; the result's sum is
#: backpropagated into the leaf ``x`` when it requires grad
CASES = {
    "log at 0 and -1": (lambda m, x: x.log(), [0.0, -1.0, 2.0]),
    "x / 0": (lambda m, x: x / 0, [1.0, 0.0, -1.0]),
    "1 / x at 0": (lambda m, x: 1 / x, [0.0, -0.0, 2.0]),
    "reciprocal at 0": (lambda m, x: x.reciprocal(), [0.0, -0.0]),
    "sqrt of negatives": (lambda m, x: x.sqrt(), [-1.0, 0.0, 4.0]),
    "x ** -1 at 0": (lambda m, x: x ** -1, [0.0, 2.0]),
    "x ** 0.5 of negatives": (lambda m, x: x ** 0.5, [-1.0, 0.0]),
    "x ** 3 overflow": (lambda m, x: x ** 3, [1e200, -1e200]),
    "log1p at -1": (lambda m, x: x.log1p(), [-1.0, -2.0]),
    "atanh at 1": (lambda m, x: x.atanh(), [1.0, -1.0, 2.0]),
    "rsqrt at 0": (lambda m, x: x.rsqrt(), [0.0, -1.0]),
    "exp overflow": (lambda m, x: x.exp(), [1000.0, -1000.0]),
    "inf * 0": (lambda m, x: x * 0, [INF, -INF]),
    "inf - inf": (lambda m, x: x - x.detach(), [INF]),
    "log2 / log10 at 0": (lambda m, x: x.log2() + x.log10(), [0.0]),
    "xlogy at y = 0": (lambda m, x: m.xlogy(x, x * 0), [1.0, 0.0]),
    "tan / sin of inf": (lambda m, x: x.tan() + x.sin(), [INF]),
    "acos at 1": (lambda m, x: x.acos(), [1.0, -1.0]),
    "prod with a zero": (lambda m, x: x.prod(), [0.0, 2.0]),
    "cumprod with a zero": (lambda m, x: x.cumprod(0), [0.0, 2.0]),
    "logsumexp of -inf": (lambda m, x: x.logsumexp(0), [-INF, -INF]),
    "sum of +-inf": (lambda m, x: x.sum(), [INF, -INF]),
    "cumsum of +-inf": (lambda m, x: x.cumsum(0), [INF, -INF]),
    "hypot at 0": (lambda m, x: m.hypot(x, x), [0.0]),
    "atan2 at 0": (lambda m, x: m.atan2(x, x), [0.0]),
    "frac of inf": (lambda m, x: x.frac(), [INF]),
    "mean of empty": (lambda m, x: x[:0].mean(), [1.0]),
    "mean of empty rows": (lambda m, x: x[:0].reshape(0, 1).mean(0), [1.0]),
    "sum of empty": (lambda m, x: x[:0].sum(), [1.0]),
    "amax with nan": (lambda m, x: x.amax(), [NAN, 1.0]),
    "float32 exp overflow": (lambda m, x: x.float().exp(), [100.0]),
    "float32 square overflow": (lambda m, x: x.float().square(), [1e30]),
    "x % 0": (lambda m, x: x % 0, [1.0]),
    "x // 0": (lambda m, x: x.detach() // 0, [1.0, -1.0, 0.0]),
    "int / 0": (lambda m, x: x.detach().long() / 0, [1.0, 0.0]),
}


def _run(m, fn, values):
    x = m.tensor(values, dtype=m.float64, requires_grad=True)
    y = fn(m, x)
    if y.requires_grad:
        y.sum().backward()
    grad = None if x.grad is None else x.grad.detach().numpy()
    return y.detach().numpy(), grad


@pytest.mark.parametrize("name", sorted(CASES))
def test_quiet_as_torch(name):
    fn, values = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours, our_grad = _run(ta, fn, values)
    torch = pytest.importorskip("torch")
    theirs, their_grad = _run(torch, fn, values)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=0)
    assert ours.dtype == theirs.dtype
    if their_grad is None:
        assert our_grad is None
    else:
        np.testing.assert_allclose(our_grad, their_grad, rtol=1e-10, atol=0)


def test_the_check_can_fail():
    """numpy by itself does warn on these inputs: the quiet is the rules' doing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            np.log(np.zeros(1))


@pytest.mark.parametrize("call", [lambda x: x[:0].var(), lambda x: x[:0].std(),
                                  lambda x: x[:1].var(), lambda x: x.var(correction=3)])
def test_var_with_no_degrees_of_freedom_warns_as_torch(call):
    """torch warns a UserWarning (not numpy's "Mean of empty slice"), gives nan or inf."""
    for m in (ta, pytest.importorskip("torch")):
        x = m.tensor([1.0, 2.0, 4.0], dtype=m.float64)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(x)
        assert not np.isfinite(out.item())
        assert [type(w.message) for w in caught] == [UserWarning], [str(w.message) for w in caught]
        assert "degrees of freedom is <= 0" in str(caught[0].message)


def test_var_with_degrees_of_freedom_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ta.tensor([1.0, 3.0]).var().item() == 2.0
        assert ta.tensor([1.0, 3.0]).var(correction=0).item() == 1.0
