"""Shared by the tests that compare one program with torch (pointwise functions, windows,
view copies, BLAS composites): run it on tinygrad_acts and on torch, and compare values,
dtypes, shapes, whether the result requires grad, and the gradients of a random projection
of the first output (float64 to 1e-10, float32 to 1e-5)."""
from __future__ import annotations

import numpy as np

import tinygrad_acts as ta


def dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "")


def outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def leaves(lib, arrays, grad):
    arrays = [np.array(a, order="C") for a in arrays]
    return [lib.tensor(a, requires_grad=bool(grad and a.dtype.kind == "f")) for a in arrays]


def compare(torch, fn, arrays, grad=True, rtol=None, atol=None, seed=0):
    """fn(m, *tensors) on both libraries (m is the library module)."""
    low = any(a.dtype in (np.float32, np.float16) for a in arrays)
    rtol = rtol if rtol is not None else (2e-5 if low else 1e-10)
    atol = atol if atol is not None else (1e-5 if low else 1e-10)
    ours_in, theirs_in = leaves(ta, arrays, grad), leaves(torch, arrays, grad)
    ours, theirs = fn(ta, *ours_in), fn(torch, *theirs_in)
    for o, t in zip(outputs(ours), outputs(theirs), strict=True):
        if not hasattr(t, "dtype"):  # a Python value (a bool, an int)
            assert o == t, (o, t)
            continue
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        assert dtype_name(o) == dtype_name(t), (o.dtype, t.dtype)
        assert o.requires_grad == t.requires_grad, (o.requires_grad, t.requires_grad)
        np.testing.assert_allclose(o.detach().numpy().astype(np.float64),
                                   t.detach().numpy().astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)
    if not outputs(theirs):
        return ours, theirs
    o, t = outputs(ours)[0], outputs(theirs)[0]
    if grad and getattr(t, "requires_grad", False):
        w = np.random.default_rng(seed).standard_normal(tuple(t.shape))
        (o * ta.tensor(w.astype(o.dtype))).sum().backward()
        (t * torch.tensor(w.astype(o.dtype))).sum().backward()
        for a, b in zip(ours_in, theirs_in):
            if b.requires_grad:
                want = None if b.grad is None else b.grad.numpy()
                got = None if a.grad is None else a.grad.numpy()
                if want is None or got is None:  # (None and zeros are the same gradient)
                    assert not np.any(want if got is None else got), (got, want)
                    continue
                np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    return ours, theirs


def raises_as_torch(torch, fn, arrays, ours_type=None):
    """Both libraries raise (ours with torch's type unless ``ours_type`` says otherwise)."""
    import pytest
    with pytest.raises(Exception) as theirs:
        fn(torch, *leaves(torch, arrays, False))
    with pytest.raises(ours_type or type(theirs.value)):
        fn(ta, *leaves(ta, arrays, False))
