"""conv1d's backward: the gradients of the input and the weight.

Forward (PyTorch's conv1d, no bias, stride 1, no padding): x of shape (N, C_in, L) and a
weight w of shape (C_out, C_in, K) give out of shape (N, C_out, L - K + 1) with
    out[n, o, t] = sum_c sum_k w[o, c, k] * x[n, c, t + k]
(a cross-correlation: the kernel is not flipped).

Math: each tap k is a matrix product between w[:, :, k] and the input window x[:, :, k:k+T]
(T = L - K + 1), so both gradients are sums over the taps:
    dL/dx[:, :, k:k+T] += sum_o grad[:, o, :] w[o, :, k]     (for each k)
    dL/dw[:, :, k]      = sum_n sum_t grad[n, :, t] x[n, :, t + k]
`np.einsum` writes each in one line ("nol,oc->ncl" and "nol,ncl->oc").
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def conv1d_backward(grad, x, w):
    """The gradients of x and w for out = conv1d(x, w) (stride 1, no padding, no bias).

    Args:
        grad: the upstream gradient dL/dout, shape (N, C_out, L - K + 1).
        x: the input, shape (N, C_in, L).
        w: the weight, shape (C_out, C_in, K).

    Returns:
        (dL/dx, dL/dw): ndarrays of x's and w's shapes.
    """
    raise NotImplementedError("write conv1d_backward: return (grad_x, grad_w)")
'''


def forward(x, w):
    taps = w.shape[2]
    steps = x.shape[2] - taps + 1
    out = sum(np.einsum("oc,ncl->nol", w[:, :, k], x[:, :, k:k + steps])
              for k in range(taps))
    return np.asarray(out), (x, w)


def conv1d_backward(grad, x, w):
    taps, steps = w.shape[2], grad.shape[2]
    grad_x = np.zeros_like(x)
    grad_w = np.zeros_like(w)
    for k in range(taps):
        grad_x[:, :, k:k + steps] += np.einsum("nol,oc->ncl", grad, w[:, :, k])
        grad_w[:, :, k] = np.einsum("nol,ncl->oc", grad, x[:, :, k:k + steps])
    return grad_x, grad_w


def _flipped(grad, x, w):
    grad_x, grad_w = conv1d_backward(grad, x, w[:, :, ::-1])
    return grad_x, grad_w[:, :, ::-1]


TASK = Task(
    function="conv1d_backward",
    template=TEMPLATE,
    forward=forward,
    reference=conv1d_backward,
    cases=(((2, 3, 7), (4, 3, 3)), ((1, 1, 5), (1, 1, 2)), ((2, 2, 4), (3, 2, 4)),
           ((1, 2, 6), (2, 2, 1))),
    order=9,
    mistakes={"kernel flipped": _flipped},
    hints={
        "kernel flipped": "conv1d is a cross-correlation: out[t] uses x[t + k] with "
                          "w[k], not w[K - 1 - k]; keep the same k on both sides.",
        "shape error": "dL/dx has x's shape (N, C_in, L): each tap adds into the window "
                       "x[:, :, k:k + T], T = L - K + 1.",
    },
)
