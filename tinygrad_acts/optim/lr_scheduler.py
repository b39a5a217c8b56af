"""Learning-rate schedules: change each group's ``lr`` once per ``scheduler.step()``.

As in PyTorch, a scheduler is created after its optimizer, and ``scheduler.step()`` is
called once per epoch after ``optimizer.step()``.
"""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR"]


class LRScheduler:
    """Base class: remembers each group's ``initial_lr`` and sets ``lr`` from ``get_lr()``
    each step. ``last_epoch`` counts the steps taken (0 right after construction)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: param group {i} has no 'initial_lr'; "
                               "resuming (last_epoch != -1) needs the optimizer's saved state")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError  # pragma: no cover

    def step(self) -> None:
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps:
    lr_epoch = initial_lr * gamma ** (epoch // step_size).

    Args:
        optimizer: the optimizer whose groups' ``lr`` to change.
        step_size: steps between decays.
        gamma: the decay factor (default 0.1).
        last_epoch: the index of the last epoch when resuming (default -1: start).

    Example:
        >>> import tinygrad_acts as ta
        >>> opt = ta.optim.SGD([ta.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = ta.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step(); sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1):
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # NOTE: chained (multiply the current lr), as PyTorch does, so the float values match
        # PyTorch's exactly and a manual change to group["lr"] is respected.
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every step: lr_epoch = initial_lr * gamma ** epoch.

    Args:
        optimizer: the optimizer whose groups' ``lr`` to change.
        gamma: the decay factor.
        last_epoch: the index of the last epoch when resuming (default -1: start).

    Example:
        >>> import tinygrad_acts as ta
        >>> opt = ta.optim.SGD([ta.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = ta.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]
