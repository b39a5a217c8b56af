"""torch's remaining pointwise functions (tinygrad_acts/pointwise.py) against torch:
values, dtypes, gradients (and gradcheck in float64 where differentiable), the in-place
forms and the operators, and the errors torch raises."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_acts as ta

from tests.test_torch_compare_helpers import compare, raises_as_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

RNG = np.random.default_rng(7)
REAL = RNG.uniform(-3, 3, (3, 4))
POS = RNG.uniform(0.2, 4, (3, 4))
INTS = RNG.integers(-20, 20, (3, 4))
SMALL = RNG.integers(0, 5, (3, 4))

CASES = [
    ("erfc", lambda m, x: m.erfc(x), [REAL]),
    ("erfc float32", lambda m, x: x.erfc(), [REAL.astype(np.float32)]),
    ("erfc of ints", lambda m, x: m.erfc(x), [INTS]),
    ("erfc tails", lambda m, x: m.erfc(x), [np.array([-30.0, -5, 0, 5, 26, 30, np.inf])]),
    ("i0", lambda m, x: m.i0(x), [REAL * 3]),
    ("i0 float32", lambda m, x: x.i0(), [REAL.astype(np.float32)]),
    ("i0 large", lambda m, x: m.i0(x), [np.array([-700.0, 100.0, 713.0, 800.0, 0.0])]),
    ("polygamma 0", lambda m, x: m.polygamma(0, x), [POS]),
    ("polygamma 1", lambda m, x: m.polygamma(1, x), [POS]),
    ("polygamma 2", lambda m, x: x.polygamma(2), [POS]),
    ("polygamma 3 negative x", lambda m, x: m.polygamma(3, x), [REAL - 0.5]),
    ("polygamma 1 of ints", lambda m, x: m.polygamma(1, x), [SMALL + 1]),
    ("mvlgamma", lambda m, x: m.mvlgamma(x, 3), [POS + 1.5]),
    ("mvlgamma p=1", lambda m, x: x.mvlgamma(1), [POS]),
    ("mvlgamma at its poles", lambda m, x: m.mvlgamma(x.detach(), 3), [np.array([0.5, 1.0, 2.0])]),
    ("igamma", lambda m, a, x: m.igamma(a.detach(), x), [POS, POS[::-1] * 2]),
    ("igammac", lambda m, a, x: m.igammac(a.detach(), x), [POS, POS[::-1] * 2]),
    ("igamma large", lambda m, a, x: a.detach().igamma(x), [POS * 30, POS[::-1] * 40]),
    ("igamma small", lambda m, a, x: m.igammac(a.detach(), x), [POS / 50, POS[::-1] / 30]),
    ("igamma edges", lambda m, a, x: torch_pair(m, a.detach(), x),
     [np.array([0.0, -1.0, 1.0, 1.0, 2.0, 0.0]), np.array([1.0, 1.0, 0.0, np.inf, -1.0, 0.0])]),
    ("bitwise_and", lambda m, a, b: m.bitwise_and(a, b), [INTS, INTS.T.reshape(3, 4)]),
    ("bitwise_or bool", lambda m, a, b: a.bitwise_or(b), [INTS > 0, INTS < 3]),
    ("bitwise_xor number", lambda m, a: m.bitwise_xor(a, 6), [INTS]),
    ("bitwise_not", lambda m, a: m.bitwise_not(a), [INTS]),
    ("bitwise_not bool", lambda m, a: a.bitwise_not(), [INTS > 0]),
    ("bitwise_not uint8", lambda m, a: ~a, [SMALL.astype(np.uint8)]),
    ("left_shift", lambda m, a, b: m.bitwise_left_shift(a, b), [INTS, SMALL]),
    ("right_shift", lambda m, a, b: a.bitwise_right_shift(b), [INTS, SMALL]),
    ("shift out of range", lambda m, a, b: (a << b, a >> b),
     [np.array([1, -8, 3, 5]), np.array([1, 2, 64, -1])]),
    ("<< >> numbers", lambda m, a: (a << 2, a >> 1, 3 << a.abs() % 4, 64 >> a.abs() % 4), [INTS]),
    ("shift bool by int", lambda m, a: m.bitwise_left_shift(a, 1), [INTS > 0]),
    ("shift int8", lambda m, a: (a << 7, a << 9, a >> 9), [INTS.astype(np.int8)]),
    ("shift promotes", lambda m, a, b: a << b, [INTS.astype(np.int32), SMALL.astype(np.int64)]),
    ("gcd", lambda m, a, b: m.gcd(a, b), [INTS, INTS[::-1]]),
    ("lcm", lambda m, a, b: a.lcm(b), [INTS, INTS[::-1]]),
    ("lcm int8 wraps", lambda m, a, b: m.lcm(a, b),
     [np.array([4, 100], np.int8), np.array([100, 3], np.int8)]),
    ("ldexp", lambda m, x, e: m.ldexp(x, e), [REAL, SMALL]),
    ("ldexp float exponent", lambda m, x, e: x.ldexp(e), [REAL, POS]),
    ("ldexp ints", lambda m, x, e: m.ldexp(x, e), [INTS, SMALL]),
    ("ldexp float32 x float64", lambda m, x, e: m.ldexp(x, e), [REAL.astype(np.float32), POS]),
    ("frexp", lambda m, x: m.frexp(x), [REAL * 100]),
    ("frexp float32 method", lambda m, x: x.frexp(), [REAL.astype(np.float32)]),
    ("frexp edges", lambda m, x: m.frexp(x), [np.array([8.0, 0.0, -0.0, np.inf, -np.inf, np.nan])]),
    ("nextafter", lambda m, a, b: m.nextafter(a, b), [REAL, REAL[::-1]]),
    ("nextafter float32 to float64", lambda m, a, b: a.nextafter(b),
     [REAL.astype(np.float32), REAL[::-1]]),
    ("isreal", lambda m, a: m.isreal(a), [REAL]),
    ("predicates", lambda m, a: (m.is_floating_point(a), m.is_signed(a), a.is_signed(),
                                 a.ndimension(), m.is_nonzero(a[0, :1])), [REAL]),
    ("predicates uint8", lambda m, a: (m.is_floating_point(a), a.is_signed(),
                                       m.is_nonzero(a.flatten()[:1] * 0)),
     [SMALL.astype(np.uint8)]),
    ("is_nonzero nan", lambda m, a: m.is_nonzero(a), [np.array(np.nan)]),
    ("is_nonzero bool", lambda m, a: a.is_nonzero(), [np.array([True])]),
]


def torch_pair(m, a, x):
    return m.igamma(a, x), m.igammac(a, x)


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_same_as_torch(name, fn, arrays):
    rtol = 1e-8 if name.startswith(("polygamma", "igamma", "i0 large")) else None
    compare(torch, fn, [np.asarray(a) for a in arrays], rtol=rtol)


GRADCHECKED = [
    (lambda x: ta.erfc(x), REAL),
    (lambda x: ta.i0(x), REAL),
    (lambda x: ta.polygamma(1, x), POS),
    (lambda x: ta.polygamma(2, x), POS),
    (lambda x: ta.mvlgamma(x, 2), POS + 1),
    (lambda x: ta.ldexp(x, ta.tensor(SMALL[:2, :3] - 2)), REAL),
    (lambda x: ta.ldexp(ta.tensor(REAL[:2, :3]), x), POS),
    (lambda x: ta.igamma(ta.tensor(POS[:2, :3]), x), POS),
    (lambda x: ta.igammac(ta.tensor(POS[:2, :3]), x), POS),
    (lambda x: ta.frexp(x).mantissa, REAL * 10),
]


@pytest.mark.parametrize("k", range(len(GRADCHECKED)))
def test_gradcheck_float64(k):
    fn, arr = GRADCHECKED[k]
    x = ta.tensor(arr[:2, :3].copy(), requires_grad=True)
    assert ta.gradcheck(fn, (x,))
    assert ta.gradgradcheck(fn, (x,))


def test_i0_second_derivative_matches_torch():
    for m in (ta, torch):
        x = m.tensor([0.0, 0.5, -2.0, 4.0], dtype=m.float64, requires_grad=True)
        (g,) = m.autograd.grad(m.i0(x).sum(), x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        if m is ta:
            ours = (g.detach().numpy(), h.numpy())
        else:
            np.testing.assert_allclose(ours[0], g.detach().numpy(), rtol=1e-12)
            np.testing.assert_allclose(ours[1], h.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["erfc", "i0", "bitwise_not"])
def test_unary_inplace(name):
    for arr in (REAL, INTS) if name == "bitwise_not" else (REAL,):
        if name == "bitwise_not" and arr is REAL:
            continue
        ours, theirs = ta.tensor(arr.copy()), torch.tensor(arr.copy())
        assert getattr(ours, name + "_")() is ours
        getattr(theirs, name + "_")()
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, other", [
    ("bitwise_and_", INTS[::-1]), ("bitwise_or_", INTS[::-1]), ("bitwise_xor_", INTS[::-1]),
    ("bitwise_left_shift_", SMALL), ("bitwise_right_shift_", SMALL), ("gcd_", INTS[::-1]),
    ("lcm_", INTS[::-1])])
def test_binary_inplace(name, other):
    ours, theirs = ta.tensor(INTS.copy()), torch.tensor(INTS.copy())
    assert getattr(ours, name)(ta.tensor(other.copy())) is ours
    getattr(theirs, name)(torch.tensor(other.copy()))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_shift_assignment_operators():
    for m in (ta, torch):
        x = m.tensor([1, 2, -8], dtype=m.int32)
        y = x
        x <<= 2
        x >>= 1
        assert x is y and x.dtype == m.int32
        assert x.tolist() == [2, 4, -16]


def test_float_inplace_forms():
    for name, args in [("ldexp_", (ta.tensor([1, 2]),)), ("polygamma_", (1,)),
                       ("mvlgamma_", (2,)), ("nextafter_", (ta.tensor([0.0, 9.0]),)),
                       ("igamma_", (ta.tensor([1.0, 2.0]),)),
                       ("igammac_", (ta.tensor([1.0, 2.0]),))]:
        ours = ta.tensor([1.5, 2.5], dtype=ta.float64)
        theirs = torch.tensor([1.5, 2.5], dtype=torch.float64)
        targs = [torch.tensor(a.numpy()) if isinstance(a, ta.Tensor) else a for a in args]
        assert getattr(ours, name)(*args) is ours
        getattr(theirs, name)(*targs)
        # (torch's trigamma is good to ~5e-10 only)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-8, err_msg=name)


ERRORS = [
    ("bitwise_and float", lambda m, a, b: m.bitwise_and(a, b), [REAL, REAL]),
    ("bitwise_not float", lambda m, a: m.bitwise_not(a), [REAL]),
    ("shift float", lambda m, a: a << 2.0, [INTS]),
    ("shift bool", lambda m, a: a << a, [INTS > 0]),
    ("gcd float", lambda m, a, b: m.gcd(a, b), [REAL, REAL]),
    ("gcd bool", lambda m, a, b: m.gcd(a, b), [INTS > 0, INTS > 0]),
    ("gcd number", lambda m, a: m.gcd(a, 2), [INTS]),
    ("frexp ints", lambda m, a: m.frexp(a), [INTS]),
    ("nextafter ints", lambda m, a: m.nextafter(a, a), [INTS]),
    ("nextafter number", lambda m, a: m.nextafter(a, 2.0), [REAL]),
    ("igamma ints", lambda m, a: m.igamma(a, a), [INTS]),
    ("polygamma negative n", lambda m, a: m.polygamma(-1, a), [POS]),
    ("mvlgamma p=0", lambda m, a: m.mvlgamma(a, 0), [POS]),
    ("is_nonzero many", lambda m, a: m.is_nonzero(a), [REAL]),
    ("is_nonzero empty", lambda m, a: m.is_nonzero(a[:0]), [REAL]),
    ("bool in place takes an int", lambda m, a, b: a.bitwise_and_(b), [INTS > 0, INTS]),
]


@pytest.mark.parametrize("name, fn, arrays", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_as_torch(name, fn, arrays):
    raises_as_torch(torch, fn, [np.asarray(a) for a in arrays])


def test_ldexp_gradient_with_a_negative_integer_exponent():
    """d/dx x * 2**e = 2**e, also for e < 0; torch computes 2**e in the integer dtype there
    (0), so its gradient is 0: ours is the true one (gradcheck above covers it)."""
    x = ta.tensor([1.5, -2.0], dtype=ta.float64, requires_grad=True)
    ta.ldexp(x, ta.tensor([-2, 1])).sum().backward()
    assert x.grad.tolist() == [0.25, 2.0]


def test_igamma_backward_in_input_raises_as_torch():
    for m in (ta, torch):
        a = m.tensor([1.0], requires_grad=True)
        with pytest.raises((NotImplementedError, RuntimeError)):
            m.igamma(a, m.tensor([2.0])).sum().backward()


def test_poles_are_torchs():
    """polygamma at 0 and the negative integers is a pole: torch's trigamma gives inf at 0
    but a huge finite number (6.6e32) at -1 (its reflection's sin(pi x)); so do we."""
    x = [0.0, -1.0, -2.0]
    out = ta.polygamma(1, ta.tensor(x, dtype=ta.float64)).numpy()
    want = torch.polygamma(1, torch.tensor(x, dtype=torch.float64)).numpy()
    assert np.isposinf(out[0]) and np.allclose(out[1:], want[1:], rtol=1e-12)
    assert np.isneginf(ta.polygamma(2, ta.tensor([0.0, -3.0])).numpy()).all()


def test_lerp_with_a_number_weight_backpropagates_twice_as_torch():
    """torch's lerp keeps a number weight as a parameter, not a saved tensor, so a second
    backward runs (found by the torch differential campaign, seed 600196)."""
    for m in (ta, torch):
        a = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        b = m.tensor(3.0, dtype=m.float64, requires_grad=True)
        y = m.lerp(a, b, 0.7)
        y.sum().backward()
        y.sum().backward()
        assert a.grad.tolist() == pytest.approx([0.6, 0.6])
        assert b.grad.item() == pytest.approx(2.8)
        w = m.tensor(0.7, dtype=m.float64, requires_grad=True)
        z = m.lerp(a, b, w)
        z.sum().backward()
        with pytest.raises(RuntimeError, match="second time"):
            z.sum().backward()
