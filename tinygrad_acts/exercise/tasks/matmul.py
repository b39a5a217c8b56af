"""matmul's backward: the gradients of both factors.

Forward: out = a @ b with a of shape (m, k) and b of shape (k, n), so out is (m, n).

Math: out_ij = sum_p a_ip b_pj, so dL/da_ip = sum_j grad_ij b_pj and
dL/db_pj = sum_i a_ip grad_ij. In matrix form: dL/da = grad @ b.T (shape (m, k), a's) and
dL/db = a.T @ grad (shape (k, n), b's). Checking the shapes is half the work: each
gradient has its own input's shape.
"""
from tinygrad_acts.exercise import Task

TEMPLATE = '''
def matmul_backward(grad, a, b):
    """The gradients of a and b for out = a @ b (2-d matrices).

    Args:
        grad: the upstream gradient dL/dout, shape (m, n).
        a: the left factor, shape (m, k).
        b: the right factor, shape (k, n).

    Returns:
        (dL/da, dL/db): ndarrays of a's and b's shapes.
    """
    raise NotImplementedError("write matmul_backward: return (grad_a, grad_b)")
'''


def forward(a, b):
    return a @ b, (a, b)


def matmul_backward(grad, a, b):
    return grad @ b.T, a.T @ grad


TASK = Task(
    function="matmul_backward",
    template=TEMPLATE,
    forward=forward,
    reference=matmul_backward,
    cases=(((2, 3), (3, 4)), ((1, 5), (5, 1)), ((3, 3), (3, 3)), ((4, 1), (1, 2))),
    order=8,
    hints={
        "transposed": "a gradient has its own input's shape: dL/db = a.T @ grad is "
                      "(k, n), not grad.T @ a, which is its transpose.",
        "inputs swapped": "return (dL/da, dL/db) in the order of the inputs.",
        "shape error": "write each product with its shapes: grad (m, n) @ b.T (n, k) gives "
                       "(m, k), a's shape; a.T (k, m) @ grad (m, n) gives (k, n), b's.",
    },
)
