"""unbroadcast: sum a gradient back to the shape of a broadcast input.

The op here is a broadcasting product, out = a * b (numpy's rule: shapes aligned from the
right, a size-1 dim or a missing leading dim stretches). Its rule is
dL/da = unbroadcast(grad * b, a.shape) and dL/db = unbroadcast(grad * a, b.shape): you
write `unbroadcast`, the grader calls it once per input.

Math: a value of a that was stretched over k positions of out influenced all k of them, so
its gradient is the sum of those k gradients. Sum over the leading dims that a lacks, and
over each dim where a has size 1 (keeping that dim), so the result has exactly `shape`.
"""

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def unbroadcast(grad, shape):
    """Sum `grad` over the dims that broadcasting stretched, so it has `shape`.

    Args:
        grad: a gradient of the broadcast result's shape (an ndarray).
        shape: the shape of the input it belongs to (a tuple; may have fewer dims).

    Returns:
        an ndarray of exactly `shape`.
    """
    raise NotImplementedError("write unbroadcast: sum the stretched dims of grad away")
'''


def forward(a, b):
    return a * b, (a, b)


def gradients(unbroadcast, grad, a, b):
    return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, b.shape)


def unbroadcast(grad, shape):
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))                # the dims the input lacks
    stretched = tuple(d for d, n in enumerate(shape) if n == 1 and grad.shape[d] != 1)
    return grad.sum(axis=stretched, keepdims=True)          # its size-1 dims, kept


def _leading_only(grad, shape):
    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))


TASK = Task(
    function="unbroadcast",
    template=TEMPLATE,
    forward=forward,
    reference=unbroadcast,
    gradients=gradients,
    cases=(((3, 1), (4,)), ((2, 3), (2, 3)), ((2, 1, 3), (4, 1)), ((), (3,)),
           ((1, 2), (3, 1))),
    order=7,
    mistakes={"only the leading dims summed": _leading_only},
    hints={
        "not summed back": "return a gradient of exactly `shape`: sum grad over every "
                           "dim that broadcasting stretched.",
        "dims dropped": "a size-1 dim of `shape` must stay: sum it with keepdims=True "
                        "(only the leading dims the input lacks disappear).",
        "only the leading dims summed": "after removing the missing leading dims, also "
                                        "sum each dim where `shape` has size 1 "
                                        "(keepdims=True).",
    },
)
