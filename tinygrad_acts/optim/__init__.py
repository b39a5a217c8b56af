"""Optimizers in PyTorch's shape: ``optim.SGD``, ``optim.Adam``, ``optim.AdamW`` and
``optim.lr_scheduler``.

Each ``step()`` updates ``p.data`` in place with plain numpy (no graph is built) and bumps
the parameter's version counter, so a backward that saved the old values refuses to run.
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
