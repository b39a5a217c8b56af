"""log_softmax's backward (over the last dim), from the output.

Forward: y = log_softmax(x) = x - logsumexp(x) over the last dim. Write the backward rule
from the output: it is given the upstream gradient `grad` and y.

Math: dy_i/dx_k = delta_ik - p_k, where p = softmax(x) = e^y (the output is a log
probability, so exponentiating it gives the probabilities back). Hence
dL/dx_k = grad_k - p_k * sum_i grad_i = grad - e^y * sum(grad, last dim, keepdims).
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def log_softmax_backward(grad, y):
    """The gradient of log_softmax's input (over the last dim), from the output.

    Args:
        grad: the upstream gradient dL/dy (an ndarray, y's shape).
        y: the output log_softmax(x, dim=-1) (log probabilities, <= 0).

    Returns:
        dL/dx, an ndarray of x's shape.
    """
    raise NotImplementedError("write log_softmax_backward: grad - e^y * the row sum of grad")
'''


def forward(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    y = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return y, (y,)


def log_softmax_backward(grad, y):
    return grad - np.exp(y) * grad.sum(axis=-1, keepdims=True)


TASK = Task(
    function="log_softmax_backward",
    template=TEMPLATE,
    forward=forward,
    reference=log_softmax_backward,
    cases=(((3, 4),), ((5,),), ((2, 2, 3),), ((1, 1),)),
    domain=(-4.0, 4.0),
    from_output=True,
    order=5,
    mistakes={"y used as the probabilities": lambda grad, y: grad - y * grad.sum(
        axis=-1, keepdims=True)},
    hints={
        "y used as the probabilities": "y is a *log* probability: the probabilities are "
                                       "p = np.exp(y).",
        "broadcast error": "the row sum lost its dim: grad.sum(axis=-1, keepdims=True) "
                           "keeps it, so it broadcasts back along the row.",
        "not linear in the upstream gradient": "every term of the rule is multiplied by "
            "grad (or a sum of it): grad - p * sum(grad); a term without grad, such as "
            "grad - p, is not a gradient of anything.",
    },
)
