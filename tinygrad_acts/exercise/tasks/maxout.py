"""maxout's backward: route the gradient to the winning piece.

Forward: the last dim of x holds groups of `pieces` consecutive values; y takes the max of
each group, so x of shape (..., n * pieces) gives y of shape (..., n). (A maxout layer is a
linear layer with pieces * n outputs followed by this.)

Math: each output is one of its inputs, so its gradient goes to that input, the winner
(the piece equal to y): dL/dx = grad at the winners, 0 at the other pieces. NOTE: when k
pieces tie for the max, each gets grad / k (the convention of max and maxout here, and
of torch's amax): the split keeps the total, so no gradient is made or lost.
"""
import numpy as np

from tinygrad_acts.exercise import Task

TEMPLATE = '''
def maxout_backward(grad, x, y, pieces):
    """The gradient of maxout's input: grad routed to the winner of each group.

    Args:
        grad: the upstream gradient dL/dy, shape (..., n).
        x: the input, shape (..., n * pieces): groups of `pieces` consecutive values.
        y: the output, the max of each group, shape (..., n).
        pieces: the group size.

    Returns:
        dL/dx, an ndarray of x's shape (tied winners share their group's gradient evenly).
    """
    raise NotImplementedError("write maxout_backward: grad to the pieces equal to y")
'''

PIECES = 2


def forward(x):
    groups = x.reshape(x.shape[:-1] + (x.shape[-1] // PIECES, PIECES))
    y = groups.max(axis=-1)
    return y, (x, y, PIECES)


def maxout_backward(grad, x, y, pieces):
    groups = x.reshape(x.shape[:-1] + (x.shape[-1] // pieces, pieces))
    winners = groups == y[..., None]
    share = winners / winners.sum(axis=-1, keepdims=True)   # ties: an even split
    return (grad[..., None] * share).reshape(x.shape)


def _every_winner(grad, x, y, pieces):
    groups = x.reshape(x.shape[:-1] + (x.shape[-1] // pieces, pieces))
    return (grad[..., None] * (groups == y[..., None])).reshape(x.shape)


def _every_piece(grad, x, y, pieces):
    return np.repeat(grad, pieces, axis=-1)


TASK = Task(
    function="maxout_backward",
    template=TEMPLATE,
    forward=forward,
    reference=maxout_backward,
    cases=(((3, 6),), ((4,),), ((2, 2, 4),), ((1, 2),)),
    ties=True,
    order=6,
    mistakes={"gradient to every piece": _every_piece,
              "every tied winner gets all of grad": _every_winner},
    hints={
        "gradient to every piece": "only the winner affects y: the other pieces of the "
                                   "group get 0 (compare x with y, broadcast over pieces).",
        "every tied winner gets all of grad": "with k tied winners, each gets grad / k: "
            "divide the winner mask by its count per group.",
        "ties not split": "tied winners share the gradient evenly: divide the winner mask "
                          "by how many winners the group has (not only the first one).",
    },
)
