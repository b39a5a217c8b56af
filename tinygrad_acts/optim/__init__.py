"""Optimizers in PyTorch's shape: ``optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``,
``Adagrad``, ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam``, ``Rprop``, ``ASGD``,
``LBFGS``, ``Adafactor`` and ``optim.lr_scheduler``.

Each ``step()`` updates ``p``'s array in place with plain numpy (no graph is built) and bumps
the parameter's version counter, so a backward that saved the old values refuses to run.
Each update is PyTorch's, operation for operation, so float64 runs agree with torch's to
the last bits; a ``NOTE:`` in each docstring says where torch departs from the paper.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "Rprop", "ASGD", "LBFGS", "Adafactor",
           "lr_scheduler"]
