"""relu's backward, from the output.

Forward: y = relu(x) = max(0, x). Write the backward rule from the *output*: the rule is
given the upstream gradient `grad` and y, never x (so the framework need not keep x).

Math: dy/dx = 1 where x > 0, 0 where x < 0; at the kink x = 0 PyTorch takes 0. From the
output: y > 0 exactly when x > 0, and y = 0 for the kink and the whole flat side x < 0.
The chain rule: the input gradient is grad * dy/dx.
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def relu_backward(grad, y):
    """The gradient of relu's input, from the upstream gradient and the output.

    Args:
        grad: the upstream gradient dL/dy (an ndarray, y's shape).
        y: the output relu(x) (an ndarray).

    Returns:
        dL/dx, an ndarray of x's shape.
    """
    raise NotImplementedError("write relu_backward: grad times relu's slope, read from y")
'''


def forward(x):
    y = np.maximum(x, 0.0)
    return y, (y,)


def relu_backward(grad, y):
    # NOTE: strict > : y = 0 stands for x <= 0, and PyTorch's relu'(0) is 0
    return grad * (y > 0)


TASK = Task(
    function="relu_backward",
    template=TEMPLATE,
    forward=forward,
    reference=relu_backward,
    cases=(((3, 4),), ((5,),), ((2, 1, 3),), ((),)),
    kinks=(0.0,),
    from_output=True,
    order=1,
    hints={
        "wrong at the kink": "y = 0 means x <= 0: the kink and the whole flat side. Test "
                             "y > 0 (strictly), so the slope is 0 there, as PyTorch's "
                             "relu'(0) = 0.",
        "forgot the upstream gradient": "(y > 0) is relu's slope; the rule returns "
                                        "grad * slope (the chain rule).",
    },
)
