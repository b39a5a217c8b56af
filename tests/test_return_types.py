"""ta.return_types holds torch.return_types' named tuples: the same names, the same
fields in the same order, and the ops return them (so ``.mantissa``, ``.U`` ... work)."""
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ta.return_types.__all__)
def test_named_as_torch(name):
    ours = getattr(ta.return_types, name)
    theirs = getattr(torch.return_types, name)
    assert ours.__name__ == name
    assert list(ours._fields) == [f for f in theirs.__match_args__], name


@pytest.mark.parametrize("call, name", [
    (lambda m: m.frexp(m.tensor([1.0, 3.0])), "frexp"),
    (lambda m: m.histogram(m.tensor([1.0, 2.0]), 2), "histogram"),
    (lambda m: m.linalg.svd(m.eye(2)), "linalg_svd"),
    (lambda m: m.linalg.qr(m.eye(2)), "linalg_qr"),
    (lambda m: m.linalg.lu_factor(m.eye(2)), "linalg_lu_factor"),
    (lambda m: m.tensor([3.0, 1.0]).sort(), "sort"),
    (lambda m: m.tensor([3.0, 1.0]).max(0), "max"),
])
def test_ops_return_them(call, name):
    ours, theirs = call(ta), call(torch)
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert isinstance(ours, getattr(ta.return_types, name))
