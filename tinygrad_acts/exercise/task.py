"""One graded task: what the student writes, how it is called, and how it is checked.

A task is one file that defines ``TASK = Task(...)``; the file's docstring is the statement
the student reads (what to implement, and the math). The built-in tasks live in
``tinygrad_acts/exercise/tasks/``; a teacher adds one by dropping a file there, or in a
folder of their own passed with ``--tasks-dir``. Files whose name starts with ``_`` are
skipped.

The student writes one function, ``TASK.function``, with the reference's signature. How it
becomes a backward rule:

- ``forward(*inputs) -> (output, saved)`` runs the op on arrays and says what the rule
  receives: the student's function is called as ``function(grad, *saved)``;
- ``gradients(function, grad, *saved)`` (optional) builds the op's input gradients from the
  student's function when it is only a part of the rule (``unbroadcast`` is called once per
  input of a broadcasting product); by default the function's result *is* the gradients.
"""
from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..testing import away_from_kinks, separate_ties

__all__ = ["Task", "TASKS_DIR", "load_tasks", "load_task_file"]

#: where the built-in task files live
TASKS_DIR = Path(__file__).parent / "tasks"

Shapes = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Task:
    """Everything the grader knows about one task.

    Args:
        function: the name of the function the student writes (``"relu_backward"``).
        template: its starting source: the signature, a docstring, and
            ``raise NotImplementedError("write ...")`` as the body.
        forward: ``(*inputs) -> (output, saved)`` on ndarrays.
        reference: the reference solution (the same signature as the student's function).
        cases: input shapes, one tuple per input, for each case; the first case is the
            one gradcheck and the diagnosis use, the Hypothesis sweep draws from all.
        title: one line for listings.
        domain: ``(low, high)`` of the input values.
        kinks: input values where the forward is not differentiable (relu: 0). The checks
            keep away from them; a probe at them compares with the reference's convention.
        ties: whether tied inputs matter (maxout): a probe full of ties compares with the
            reference's even split.
        from_output: the rule receives the output y = forward(x) (the first saved item)
            where the textbook formula is written in x; enables the "used x for y" diagnosis.
        gradients: ``(function, grad, *saved) -> input gradients`` when the function is
            only part of the rule (default: the function's result).
        mistakes: known wrong answers, name -> a function with the reference's signature;
            a student whose numbers match one is told its name.
        hints: diagnosis name -> the hint printed with it (the grader has a generic one
            for each diagnosis; the task's own is better).
        order: position in listings (then by name).
    """

    function: str
    template: str
    forward: Callable[..., tuple[Any, tuple]]
    reference: Callable[..., Any]
    cases: tuple[Shapes, ...]
    title: str = ""
    domain: tuple[float, float] = (-3.0, 3.0)
    kinks: tuple[float, ...] = ()
    ties: bool = False
    from_output: bool = False
    gradients: Callable[..., Any] | None = None
    mistakes: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    order: int = 100
    name: str = ""        # the file's stem (set by the loader)
    statement: str = ""   # the file's docstring (set by the loader)

    def __post_init__(self) -> None:
        unhinted = [m for m in self.mistakes if m not in self.hints]
        if unhinted:
            raise ValueError(f"exercise: the task writing {self.function} names the mistake "
                             f"{unhinted[0]!r} but gives no hint for it (add it to hints)")
        if not self.cases or any(len(c) != len(self.cases[0]) for c in self.cases):
            raise ValueError(f"exercise: the task writing {self.function} needs cases with "
                             f"the same number of inputs each, got {self.cases}")

    @property
    def arity(self) -> int:
        return len(self.cases[0])

    def input_grads(self, function: Callable[..., Any], grad: Any, saved: Sequence) -> tuple:
        """The op's input gradients when ``function`` is the rule the student wrote."""
        if self.gradients is not None:
            out = self.gradients(function, grad, *saved)
        else:
            out = function(grad, *saved)
        if self.arity == 1 and not isinstance(out, (tuple, list)):
            return (out,)
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)

    def prepare(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The inputs the checks may use: 1e-3 away from the kinks and, where ties matter,
        from each other (central differences cannot see a subgradient)."""
        out = [away_from_kinks(np.asarray(a, dtype=np.float64), self.kinks) for a in arrays]
        if self.ties:
            out = [separate_ties(a.reshape(-1)).reshape(a.shape) for a in out]
        return [np.asarray(a, dtype=np.float64) for a in out]

    def inputs(self, seed: int = 0, case: int = 0) -> list[np.ndarray]:
        """Random inputs for ``case``, uniform in the domain, prepared for the checks."""
        rng = np.random.default_rng(seed)
        low, high = self.domain
        return self.prepare([rng.uniform(low, high, shape) for shape in self.cases[case]])

    def kink_inputs(self) -> list[np.ndarray] | None:
        """The first case's inputs with every other element exactly at a kink."""
        if not self.kinks:
            return None
        arrays = self.inputs(seed=1)
        for a in arrays:
            flat = a.reshape(-1)
            flat[::2] = np.resize(np.asarray(self.kinks, dtype=np.float64), flat[::2].size)
        return arrays

    def tied_inputs(self) -> list[np.ndarray] | None:
        """The first case's shapes filled with just two values, so most groups tie."""
        if not self.ties:
            return None
        rng = np.random.default_rng(2)
        low, high = self.domain
        two = np.array([low + 0.3 * (high - low), low + 0.7 * (high - low)])
        return [two[rng.integers(0, 2, shape)] for shape in self.cases[0]]


# --- loading task files -------------------------------------------------------------------


def _run_file(path: Path, module_name: str) -> types.ModuleType:
    """Execute a Python file as a fresh module (no import cache, no ``__pycache__``
    written next to it)."""
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    sys.modules[module_name] = module  # (a dataclass or a pickle looks its module up here)
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    exec(code, module.__dict__)
    return module


def load_task_file(path: str | Path) -> Task:
    """The ``TASK`` a task file defines, named after the file, its statement its docstring.

    Raises:
        ValueError: the file defines no ``TASK`` (or something else under that name).
    """
    path = Path(path)
    # NOTE: loaded by path under a name outside the package (as a teacher's file is), so a
    # built-in task and a teacher's are treated alike
    module = _run_file(path, f"exercise_tasks.{path.stem}")
    task = getattr(module, "TASK", None)
    if not isinstance(task, Task):
        raise ValueError(f"exercise: task file {path} must define TASK = Task(...); "
                         f"found {type(task).__name__}")
    statement = (module.__doc__ or "").strip()
    title = task.title or (statement.splitlines()[0] if statement else path.stem)
    return replace(task, name=path.stem, statement=statement, title=title)


def load_tasks(tasks_dirs: Sequence[str | Path] = ()) -> dict[str, Task]:
    """The built-in tasks, then those in each of ``tasks_dirs`` (a teacher's file replaces
    a built-in task of the same name), ordered by ``order`` then name.

    Example:
        >>> list(load_tasks())[:3]
        ['relu', 'sigmoid', 'tanh']
    """
    found: dict[str, Task] = {}
    for folder in (TASKS_DIR, *map(Path, tasks_dirs)):
        if not folder.is_dir():
            raise FileNotFoundError(f"exercise: no folder of tasks at {folder}")
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith("_"):
                found[path.stem] = load_task_file(path)
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))
