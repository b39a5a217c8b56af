"""Clear errors for bad input: one row per mistake a user makes, each asserting that the
message names the op and the shapes or dtypes involved (never an obscure numpy traceback).

A row is (id, the mistake, the exception type, words the message must contain).
"""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim


def backward_twice():
    x = ta.ones(2, 3, requires_grad=True)
    y = (x * 2.0).sum()
    y.backward()
    y.backward()


def modified_after_saving():
    x = ta.ones(3, requires_grad=True)
    h = x * 1.0
    y = (h * h).sum()       # Mul saves h
    h.add_(1.0)
    y.backward()


def load_state(state):
    return lambda: nn.Linear(3, 2).load_state_dict(state)


def gradcheck_on(values):
    x = ta.tensor(values, dtype=np.float64, requires_grad=True)
    return lambda: ta.gradcheck(lambda t: t * 2.0, [x])


X43 = ta.randn(4, 3, requires_grad=True)
GOOD_LINEAR = {"weight": np.zeros((2, 3), np.float32), "bias": np.zeros(2, np.float32)}

CASES = [
    # --- shapes: matmul and broadcasting -----------------------------------------------
    ("matmul-mismatch", lambda: ta.ones(2, 3) @ ta.ones(4, 2),
     ValueError, ["matmul", "(2, 3)", "(4, 2)"]),
    ("matmul-scalar", lambda: ta.tensor(2.0) @ ta.ones(2),
     ValueError, ["matmul", "()", "(2,)"]),
    ("add-broadcast", lambda: ta.ones(2, 3) + ta.ones(4),
     ValueError, ["add", "(2, 3)", "(4,)", "broadcast"]),
    ("mul-broadcast-in-graph", lambda: ta.ones(2, 3, requires_grad=True) * ta.ones(2),
     ValueError, ["mul", "(2, 3)", "(2,)", "broadcast"]),
    ("sub-broadcast", lambda: ta.ones(5, 1, 3) - ta.ones(2, 4, 1),
     ValueError, ["sub", "(5, 1, 3)", "(2, 4, 1)"]),
    ("div-broadcast", lambda: ta.ones(3) / ta.ones(2),
     ValueError, ["div", "(3,)", "(2,)"]),
    ("maximum-broadcast", lambda: ta.ones(3).maximum(ta.ones(2)),
     ValueError, ["maximum", "(3,)", "(2,)"]),
    ("where-broadcast", lambda: ta.where(ta.ones(3) > 0, ta.ones(3), ta.ones(2)),
     ValueError, ["where", "(3,)", "(2,)"]),
    ("expand", lambda: ta.ones(3).expand(2, 4),
     ValueError, ["expand", "(3,)", "(2, 4)"]),
    ("reshape", lambda: ta.ones(2, 3).reshape(4, 2),
     ValueError, ["reshape", "(2, 3)", "(4, 2)"]),
    ("cat", lambda: ta.cat([ta.ones(2, 3), ta.ones(2, 4)], dim=0),
     ValueError, ["cat", "(2, 3)", "(2, 4)"]),
    ("getitem", lambda: ta.ones(2, 3)[5],
     IndexError, ["getitem", "(2, 3)"]),
    ("linear-input", lambda: nn.Linear(3, 2)(ta.ones(4, 5)),
     ValueError, ["Linear(3, 2)", "(4, 5)"]),
    ("maxout-pieces", lambda: ta.ones(2, 5).maxout(2),
     ValueError, ["maxout", "(2, 5)", "pieces=2"]),
    ("softmax-bad-dim", lambda: ta.tensor(1.0).softmax(1),
     IndexError, ["softmax", "dim 1", "shape ()"]),
    ("item", lambda: ta.ones(2, 3).item(),
     ValueError, ["item", "(2, 3)"]),
    # --- backward and its gradient argument ----------------------------------------------
    ("backward-non-scalar", lambda: (ta.ones(2, 3, requires_grad=True) * 2.0).backward(),
     RuntimeError, ["backward", "scalar", "(2, 3)", "gradient="]),
    ("grad-non-scalar",
     lambda: ta.grad(ta.ones(2, 3, requires_grad=True) * 2.0, X43),
     RuntimeError, ["grad", "scalar", "(2, 3)"]),
    ("gradient-wrong-shape",
     lambda: (ta.ones(2, 3, requires_grad=True) * 2.0).backward(ta.ones(3)),
     RuntimeError, ["backward", "(3,)", "(2, 3)"]),
    ("gradient-wrong-dtype",
     lambda: (ta.ones(2, 3, requires_grad=True) * 2.0).backward(np.ones((2, 3), np.int64)),
     TypeError, ["backward", "int64", "float32"]),
    ("backward-without-grad", lambda: ta.ones(2).sum().backward(),
     RuntimeError, ["backward", "does not require grad"]),
    ("backward-twice", backward_twice,
     RuntimeError, ["MulBackward", "second time", "retain_graph=True"]),
    ("inplace-after-save", modified_after_saving,
     RuntimeError, ["MulBackward", "in-place"]),
    ("leaf-inplace", lambda: ta.ones(2, requires_grad=True).add_(1.0),
     RuntimeError, ["add_", "leaf", "(2,)", "no_grad"]),
    # --- integer tensors cannot require grad ----------------------------------------------
    ("int-tensor-requires-grad", lambda: ta.tensor([1, 2], requires_grad=True),
     RuntimeError, ["tensor", "int64", "(2,)", "floating"]),
    ("int-Tensor-requires-grad", lambda: ta.nn.Parameter(ta.tensor(np.arange(3))),
     RuntimeError, ["Tensor", "int64", "(3,)"]),
    ("int-requires_grad_", lambda: ta.tensor([[1, 2]]).requires_grad_(),
     RuntimeError, ["requires_grad_", "int64", "(1, 2)"]),
    ("int-zeros-requires-grad", lambda: ta.zeros(2, dtype=np.int32, requires_grad=True),
     RuntimeError, ["int32", "(2,)"]),
    # --- data that is not a tensor --------------------------------------------------------
    ("ragged", lambda: ta.tensor([[1.0, 2.0], [3.0]]),
     ValueError, ["tensor", "ragged", "[2, 1]"]),
    ("objects", lambda: ta.tensor([None, 1.0]),
     TypeError, ["tensor", "NoneType", "object", "(2,)"]),
    ("strings", lambda: ta.tensor(["a", "b"]),
     TypeError, ["tensor", "<U1"]),
    ("object-ndarray", lambda: ta.tensor(np.array([1, "x"], dtype=object)),
     TypeError, ["tensor", "object"]),
    # --- losses ----------------------------------------------------------------------------
    ("cross_entropy-label-too-big", lambda: F.cross_entropy(X43, ta.tensor([0, 1, 2, 3])),
     IndexError, ["cross_entropy", "3", "(4, 3)", "[0, 2]"]),
    ("cross_entropy-label-negative", lambda: F.cross_entropy(X43, ta.tensor([0, -1, 2, 1])),
     IndexError, ["cross_entropy", "-1", "(4, 3)"]),
    ("cross_entropy-float-labels",
     lambda: F.cross_entropy(X43, ta.tensor([0.0, 1.0, 2.0, 1.0])),
     TypeError, ["cross_entropy", "float32", "(4,)", "(4, 3)"]),
    ("cross_entropy-label-shape", lambda: F.cross_entropy(X43, ta.tensor([0, 1])),
     ValueError, ["cross_entropy", "(4, 3)", "(2,)"]),
    ("nll_loss-label-too-big", lambda: F.nll_loss(X43, ta.tensor([0, 1, 2, 7])),
     IndexError, ["nll_loss", "7", "(4, 3)"]),
    ("dropout-int", lambda: F.dropout(ta.tensor([1, 2, 3]), p=0.3),
     RuntimeError, ["dropout", "int64", "(3,)", ".float()"]),
    ("mse_loss-shapes", lambda: F.mse_loss(X43, ta.zeros(4)),
     ValueError, ["mse_loss", "(4, 3)", "(4,)"]),
    ("bce-not-probabilities",
     lambda: F.binary_cross_entropy(ta.tensor([0.5, 1.5]), ta.tensor([0.0, 1.0])),
     ValueError, ["binary_cross_entropy", "(2,)", "[0, 1]"]),
    # --- load_state_dict ----------------------------------------------------------------
    ("load_state_dict-shape", load_state({**GOOD_LINEAR, "weight": np.zeros((3, 3))}),
     RuntimeError, ["load_state_dict", "weight", "(3, 3)", "(2, 3)"]),
    ("load_state_dict-missing", load_state({"weight": GOOD_LINEAR["weight"]}),
     RuntimeError, ["load_state_dict", "missing", "bias"]),
    ("load_state_dict-unexpected", load_state({**GOOD_LINEAR, "gamma": np.zeros(2)}),
     RuntimeError, ["load_state_dict", "unexpected", "gamma"]),
    ("load_state_dict-dtype", load_state({**GOOD_LINEAR, "bias": np.array(["a", "b"])}),
     RuntimeError, ["load_state_dict", "bias", "<U1", "float32"]),
    # --- gradcheck -------------------------------------------------------------------------
    ("gradcheck-nan-input", gradcheck_on([1.0, np.nan]),
     ValueError, ["gradcheck", "nan", "input 0", "(1,)"]),
    ("gradcheck-inf-input", gradcheck_on([[np.inf, 1.0]]),
     ValueError, ["gradcheck", "inf", "input 0", "(0, 0)"]),
    ("gradcheck-float32", lambda: ta.gradcheck(lambda t: t * 2.0,
                                               [ta.ones(2, requires_grad=True)]),
     TypeError, ["gradcheck", "float32", "float64"]),
    # --- optimizers -------------------------------------------------------------------------
    ("SGD-no-parameters", lambda: optim.SGD([], lr=0.1),
     ValueError, ["SGD", "empty"]),
    ("Adam-no-parameters", lambda: optim.Adam(iter([]), lr=0.1),
     ValueError, ["Adam", "empty"]),
    ("AdamW-no-parameters", lambda: optim.AdamW(nn.Sequential().parameters()),
     ValueError, ["AdamW", "empty"]),
    # --- activations -------------------------------------------------------------------------
    ("leaky_relu-negative-slope", lambda: ta.ones(2).leaky_relu(-0.1),
     ValueError, ["leaky_relu", "-0.1"]),
    ("unknown-activation", lambda: ta.activations["swishy"],
     KeyError, ["swishy", "relu"]),
    ("inplace-gelu", lambda: ta.ones(2).clone().gelu_(),
     RuntimeError, ["gelu_", "input"]),
]


@pytest.mark.parametrize("mistake, error, words", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_clear_error(mistake, error, words):
    with pytest.raises(error) as info:
        mistake()
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"message lacks {missing}: {message}"


def test_the_error_table_can_fail():
    """A row whose words are absent must fail: the check is not vacuous."""
    with pytest.raises(AssertionError, match="message lacks"):
        test_clear_error(lambda: ta.ones(2, 3) @ ta.ones(4, 2), ValueError, ["no such words"])


def test_no_numpy_warning_leaks_from_a_bad_input():
    """Errors come from the library, before numpy gets to warn about anything."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _, mistake, error, _ in CASES:
            with pytest.raises(error):
                mistake()
