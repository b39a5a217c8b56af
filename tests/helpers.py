"""Small test helpers: central differences in float64, independent of the library."""
import numpy as np

import tinygrad_acts as ta


def numeric_grad(f, arrays, i, eps=1e-6, weight=None):
    """d(sum(weight * f(*arrays)))/d(arrays[i]) by central differences."""
    x = arrays[i]
    out = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        fp = np.asarray(f(*arrays), dtype=np.float64)
        x[idx] = old - eps
        fm = np.asarray(f(*arrays), dtype=np.float64)
        x[idx] = old
        w = 1.0 if weight is None else weight
        out[idx] = np.sum(w * (fp - fm)) / (2 * eps)
    return out


def analytic_grads(fn, arrays, weight=None):
    """Gradients of sum(weight * fn(*tensors)) from the library's backward."""
    ts = [ta.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    w = np.ones(out.shape) if weight is None else weight
    out.backward(w)
    return [t.grad.numpy() if t.grad is not None else np.zeros_like(a) for t, a in zip(ts, arrays)]


def check_grads(fn, *arrays, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0):
    """Compare backward with central differences for every input (float64)."""
    arrays = [np.asarray(a, dtype=np.float64).copy() for a in arrays]
    rng = np.random.default_rng(seed)
    out_shape = fn(*[ta.tensor(a) for a in arrays]).shape
    weight = rng.standard_normal(out_shape)   # a random projection catches more than ones
    got = analytic_grads(fn, arrays, weight)

    def f(*xs):
        return fn(*[ta.tensor(x) for x in xs]).numpy()

    for i in range(len(arrays)):
        want = numeric_grad(f, arrays, i, eps, weight)
        np.testing.assert_allclose(got[i], want, atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")


def check_second_grads(fn, *arrays, eps=1e-6, atol=1e-5, rtol=1e-4, seed=1):
    """Second derivatives from ``create_graph=True`` against central differences of the
    first derivative (float64), for every input.

    The first derivative is projected to a scalar, s(x) = sum_i v_i . d(w . fn)/dx_i with
    random w and v_i, so one backward through the graph of the backward gives ds/dx_j.
    """
    arrays = [np.asarray(a, dtype=np.float64).copy() for a in arrays]
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal(fn(*[ta.tensor(a) for a in arrays]).shape)
    vs = [rng.standard_normal(a.shape) for a in arrays]

    def projected_first(ts, create_graph):
        gs = ta.grad(fn(*ts), ts, grad_outputs=ta.tensor(weight), create_graph=create_graph,
                     allow_unused=True)
        return sum((g * ta.tensor(v)).sum() for g, v in zip(gs, vs) if g is not None)

    def s(*xs):
        return projected_first([ta.tensor(x, requires_grad=True) for x in xs], False).numpy()

    ts = [ta.tensor(a, requires_grad=True) for a in arrays]
    first = projected_first(ts, True)
    if isinstance(first, ta.Tensor) and first.requires_grad:
        got = ta.grad(first, ts, allow_unused=True)
    else:  # the first derivative is constant: the second is zero
        got = [None] * len(ts)
    for i, (g, a) in enumerate(zip(got, arrays)):
        want = numeric_grad(s, arrays, i, eps)
        have = np.zeros_like(a) if g is None else g.numpy()
        np.testing.assert_allclose(have, want, atol=atol, rtol=rtol,
                                   err_msg=f"second derivative, input {i}")


def torch_outcome(m, call):
    """What call(m) gives: ("value", type or dtype name, values) or ("error", its type)."""
    try:
        out = call(m)
    except Exception as e:  # noqa: BLE001 (whichever torch raises, ours must raise too)
        return "error", type(e)
    if isinstance(out, (bool, int, float, str, tuple)) or out is None:
        return "value", type(out).__name__, out
    return "value", str(out.dtype).removeprefix("torch."), out.tolist()


def same_as_torch(torch, call, rtol=1e-6):
    """call(torch) and call(ta) agree: both raise (ours a subclass of torch's exception), or
    give the same type or dtype name and values (rtol; exactly for text, tuples, None)."""
    theirs, ours = torch_outcome(torch, call), torch_outcome(ta, call)
    if theirs[0] == "error":
        assert ours[0] == "error" and issubclass(ours[1], theirs[1]), (ours, theirs)
        return
    assert ours[:2] == theirs[:2], (ours, theirs)
    if isinstance(ours[2], str) or ours[2] is None or isinstance(ours[2], tuple):
        assert ours[2] == theirs[2], (ours, theirs)
    else:
        np.testing.assert_allclose(np.asarray(ours[2], float), np.asarray(theirs[2], float),
                                   rtol=rtol)
