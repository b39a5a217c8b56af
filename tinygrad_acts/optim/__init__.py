"""Optimizers in PyTorch's shape: ``optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``,
``Adagrad``, ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam`` and ``optim.lr_scheduler``.

Each ``step()`` updates ``p``'s array in place with plain numpy (no graph is built) and bumps
the parameter's version counter, so a backward that saved the old values refuses to run.
Each update is PyTorch's, operation for operation, so float64 runs agree with torch's to
the last bits; a ``NOTE:`` in each docstring says where torch departs from the paper.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "lr_scheduler"]
