"""tanh's backward, from the output.

Forward: y = tanh(x). Write the backward rule from the *output*: it is given the upstream
gradient `grad` and y, never x.

Math: d tanh(x)/dx = 1 - tanh(x)^2 = 1 - y^2. The input gradient is grad * (1 - y^2).
NOTE: where tanh saturates (|x| > 20) 1 - y^2 is exactly 0 in float64, although the true
slope is about 1e-17: the price of the output-based rule, and harmless.
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def tanh_backward(grad, y):
    """The gradient of tanh's input, from the upstream gradient and the output.

    Args:
        grad: the upstream gradient dL/dy (an ndarray, y's shape).
        y: the output tanh(x) (an ndarray, values in (-1, 1)).

    Returns:
        dL/dx, an ndarray of x's shape.
    """
    raise NotImplementedError("write tanh_backward: grad times tanh's slope, read from y")
'''


def forward(x):
    y = np.tanh(x)
    return y, (y,)


def tanh_backward(grad, y):
    return grad * (1 - y * y)


TASK = Task(
    function="tanh_backward",
    template=TEMPLATE,
    forward=forward,
    reference=tanh_backward,
    cases=(((3, 4),), ((6,),), ((2, 3, 1),), ((),)),
    domain=(-3.0, 3.0),
    from_output=True,
    order=3,
    mistakes={"1 + y^2 (sign inside)": lambda grad, y: grad * (1 + y * y),
              "(1 - y)^2 (square outside)": lambda grad, y: grad * (1 - y) ** 2},
    hints={
        "used x for y": "y already is tanh(x): the slope is 1 - y**2. Writing "
                        "1 - tanh(y)**2 evaluates the slope at the point y, not at x.",
        "1 + y^2 (sign inside)": "tanh' = 1 - tanh^2 (it is at most 1, at x = 0); "
                                 "1 + y^2 is the slope of tan, not tanh.",
        "(1 - y)^2 (square outside)": "square y first: 1 - y**2, not (1 - y)**2.",
    },
)
