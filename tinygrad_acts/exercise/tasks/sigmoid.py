"""sigmoid's backward, from the output.

Forward: y = sigmoid(x) = 1 / (1 + e^-x). Write the backward rule from the *output*: it is
given the upstream gradient `grad` and y, never x.

Math: dy/dx = sigmoid(x) * (1 - sigmoid(x)) = y * (1 - y). So the input gradient is
grad * y * (1 - y): no exponential needed, the output already holds sigmoid(x).
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def sigmoid_backward(grad, y):
    """The gradient of sigmoid's input, from the upstream gradient and the output.

    Args:
        grad: the upstream gradient dL/dy (an ndarray, y's shape).
        y: the output sigmoid(x) (an ndarray, values in (0, 1)).

    Returns:
        dL/dx, an ndarray of x's shape.
    """
    raise NotImplementedError("write sigmoid_backward: grad times sigmoid's slope, from y")
'''


def forward(x):
    y = 1.0 / (1.0 + np.exp(-x))
    return y, (y,)


def sigmoid_backward(grad, y):
    return grad * y * (1 - y)


TASK = Task(
    function="sigmoid_backward",
    template=TEMPLATE,
    forward=forward,
    reference=sigmoid_backward,
    cases=(((3, 4),), ((6,),), ((2, 2, 2),), ((),)),
    domain=(-4.0, 4.0),
    from_output=True,
    order=2,
    mistakes={"a factor y missing": lambda grad, y: grad * (1 - y)},
    hints={
        "a factor y missing": "sigmoid' = sigmoid * (1 - sigmoid): both y and (1 - y).",
        "used x for y": "y already is sigmoid(x): the slope is y * (1 - y). Taking "
                        "sigmoid(y) computes the slope at the point y instead of at x.",
        "forgot the upstream gradient": "y * (1 - y) is the slope; multiply it by grad.",
        "factor off": "sigmoid'(x) = y * (1 - y) has no constant in front (it peaks at "
                      "0.25 at x = 0).",
    },
)
