"""softmax's backward (over the last dim), from the output.

Forward: y = softmax(x) over the last dim: y_i = e^{x_i} / sum_j e^{x_j}. Write the
backward rule from the output: it is given the upstream gradient `grad` and y.

Math: softmax mixes the elements of a row, so its Jacobian is a matrix, not a slope:
dy_i/dx_k = y_i (delta_ik - y_k). Multiplied by the upstream gradient:
dL/dx_k = sum_i grad_i y_i (delta_ik - y_k) = y_k (grad_k - sum_i grad_i y_i).
The sum runs along the last dim and must broadcast back against it: keep that dim
(`keepdims=True`).
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def softmax_backward(grad, y):
    """The gradient of softmax's input (softmax over the last dim), from the output.

    Args:
        grad: the upstream gradient dL/dy (an ndarray, y's shape).
        y: the output softmax(x, dim=-1) (each row sums to 1).

    Returns:
        dL/dx, an ndarray of x's shape.
    """
    raise NotImplementedError("write softmax_backward: y * (grad - the row sum of grad * y)")
'''


def forward(x):
    # NOTE: subtract the row max first: e^x overflows for x > 709, the shift cancels
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    y = e / e.sum(axis=-1, keepdims=True)
    return y, (y,)


def softmax_backward(grad, y):
    return y * (grad - (grad * y).sum(axis=-1, keepdims=True))


TASK = Task(
    function="softmax_backward",
    template=TEMPLATE,
    forward=forward,
    reference=softmax_backward,
    cases=(((3, 4),), ((5,),), ((2, 3, 2),), ((1, 1),)),
    domain=(-4.0, 4.0),
    from_output=True,
    order=4,
    mistakes={"only the diagonal of the Jacobian": lambda grad, y: grad * y * (1 - y)},
    hints={
        "only the diagonal of the Jacobian": "grad * y * (1 - y) treats softmax as if each "
            "output depended on its own input only (sigmoid's rule). Every y_i depends on "
            "every x_k: subtract the row sum, y * (grad - sum(grad * y, -1, keepdims)).",
        "broadcast error": "the row sum lost its dim: sum(..., axis=-1, keepdims=True) "
                           "keeps it, so it broadcasts back along the row.",
    },
)
