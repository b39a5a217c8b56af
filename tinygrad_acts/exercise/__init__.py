"""Graded exercises: write backward rules, and let the checks mark them.

``python -m tinygrad_acts exercise init DIR`` writes a student workspace: one file per task
(the statement as its docstring, the function to write with ``raise NotImplementedError``
as its body) and a README.md saying how to grade. ``python -m tinygrad_acts exercise grade
DIR [TASK ...]`` grades each file: gradcheck (float64, central differences), the rule's
conventions at kinks and ties, a Hypothesis sweep over shapes and values, and, when a check
fails, a diagnosis that names the mistake (sign flipped, factor off, forgot the upstream
gradient, used x for y, wrong at the kink, ties not split, not summed back, ...) with a
hint. It prints PASS / FAIL per task and the score; the exit status is 0 only if every
graded task passes.

A task is one file (``tinygrad_acts.exercise.task``): a teacher adds one by dropping it in
``tinygrad_acts/exercise/tasks/`` or in a folder given with ``--tasks-dir``.

Example:
    >>> import tempfile
    >>> from tinygrad_acts import exercise
    >>> with tempfile.TemporaryDirectory() as work:
    ...     written = [p.name for p in exercise.init_workspace(work, ["relu"])]
    ...     graded = [(r.task, r.status) for r in exercise.grade_workspace(work)]
    >>> written, graded
    (['README.md', 'relu.py'], [('relu', 'not started')])
"""
from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .grader import DIAGNOSES, Result, _last_line, diagnose, grade_rule, op_from_rule
from .task import TASKS_DIR, Task, _run_file, load_task_file, load_tasks

__all__ = ["Task", "Result", "DIAGNOSES", "TASKS_DIR", "load_tasks", "load_task_file",
           "grade_rule", "diagnose", "op_from_rule", "student_file", "init_workspace",
           "grade_workspace", "format_results", "add_arguments", "main"]

_COMMAND = "python -m tinygrad_acts exercise"


def _pick(tasks: dict[str, Task], names: Sequence[str] | None) -> list[Task]:
    missing = [n for n in names or () if n not in tasks]
    if missing:
        raise KeyError(f"exercise: no task named {missing[0]!r}; tasks: {', '.join(tasks)}")
    return [tasks[n] for n in names] if names else list(tasks.values())


def student_file(task: Task) -> str:
    """The starting file of ``task``: its statement, numpy, and the template."""
    statement = task.statement.replace('"""', "'''")
    grade = f"Grade it with: {_COMMAND} grade . {task.name}"
    return (f'"""{statement}\n\n{grade}\n"""\nimport numpy as np  # noqa: F401\n\n\n'
            f"{textwrap.dedent(task.template).strip()}\n")


def _readme(tasks: Sequence[Task], tasks_dirs: Sequence[str | Path]) -> str:
    extra = "".join(f" --tasks-dir {Path(d).resolve()}" for d in tasks_dirs)
    rows = "\n".join(f"| `{t.name}.py` | `{t.function}` | {t.title} |" for t in tasks)
    return f"""# Backward-rule exercises

Each file here asks for one function: a backward rule (or a piece of one). Its docstring
says what to write and the math; replace the `raise NotImplementedError(...)` with your
code. The function receives numpy arrays and returns numpy arrays.

| file | function | task |
|---|---|---|
{rows}

Grade everything, or one task, from this folder:

```
{_COMMAND} grade .{extra}
{_COMMAND} grade .{extra} {tasks[0].name if tasks else "TASK"}
{_COMMAND} grade .{extra} -v      # also gradcheck's table of wrong elements
```

Each task is checked with gradcheck (your rule against central differences, in float64),
at the kinks and ties (against PyTorch's conventions), and by a Hypothesis sweep over
other shapes and values. A failure comes with a diagnosis of the mistake and a hint.
"""


def init_workspace(directory: str | Path, names: Sequence[str] | None = None,
                   tasks_dirs: Sequence[str | Path] = (), force: bool = False) -> list[Path]:
    """Write the student files of the tasks named (default: all) and a README.md.

    Args:
        directory: the workspace (created if missing).
        names: task names (default: every task).
        tasks_dirs: extra folders of task files (a teacher's).
        force: overwrite student files that exist (default: refuse).

    Returns:
        the paths written.

    Raises:
        FileExistsError: a student file exists and ``force`` is not set (nothing written).
    """
    folder = Path(directory)
    tasks = _pick(load_tasks(tasks_dirs), names)
    targets = {folder / f"{t.name}.py": student_file(t) for t in tasks}
    taken = [p for p in targets if p.exists()]
    if taken and not force:
        raise FileExistsError(f"exercise init: {taken[0]} exists (your work?); nothing was "
                              "written. Use another folder, or --force to start over")
    folder.mkdir(parents=True, exist_ok=True)
    targets[folder / "README.md"] = _readme(tasks, tasks_dirs)
    for path, text in targets.items():
        path.write_text(text, encoding="utf-8")
    return sorted(targets)


def _load_rule(task: Task, path: Path) -> object:
    """The student's function from their file, or an error ``Result``."""
    try:
        module = _run_file(path, f"exercise_workspace.{task.name}")
    except Exception as e:  # noqa: BLE001 - a file that does not import is a grade
        return Result(task.name, "FAIL", {"runs": "the file does not import"}, "error",
                      _last_line(e, str(path)), DIAGNOSES["error"])
    rule = getattr(module, task.function, None)
    if not callable(rule):
        return Result(task.name, "FAIL", {"runs": "no function"}, "error",
                      f"{path.name} defines no function {task.function}(...)",
                      f"write def {task.function}(...) in {path.name}")
    return rule


def grade_workspace(directory: str | Path, names: Sequence[str] | None = None,
                    tasks_dirs: Sequence[str | Path] = (), examples: int = 30) -> list[Result]:
    """Grade the student files in ``directory``: one ``Result`` per task named (default:
    every task whose file is there)."""
    folder = Path(directory)
    tasks = _pick(load_tasks(tasks_dirs), names)
    if not names:
        tasks = [t for t in tasks if (folder / f"{t.name}.py").exists()]
    results = []
    for task in tasks:
        path = folder / f"{task.name}.py"
        if not path.exists():
            results.append(Result(task.name, "not started", detail=f"no file {path}"))
            continue
        rule = _load_rule(task, path)
        if isinstance(rule, Result):
            results.append(rule)
        else:
            results.append(grade_rule(task, rule, examples, str(path.resolve())))  # type: ignore[arg-type]
    return results


def format_results(results: Sequence[Result], verbose: bool = False) -> str:
    """The grade sheet: a line per task, its checks, diagnosis and hint, then the score."""
    width = max([len(r.task) for r in results] + [8])
    lines = []
    for r in results:
        checks = ", ".join(f"{k} {v}" for k, v in r.checks.items())
        lines.append(f"{r.task:<{width}}  {r.status:<11}  {checks}".rstrip())
        pad = " " * (width + 2)
        if r.diagnosis and r.status != "not started":
            lines.append(f"{pad}diagnosis: {r.diagnosis}" + (f": {r.detail}" if r.detail else ""))
        if r.hint and r.status != "not started":
            lines += textwrap.wrap(f"hint: {r.hint}", 96, initial_indent=pad,
                                   subsequent_indent=pad + "      ")
        if verbose and r.report:  # (gradcheck's table; the diagnosis above replaces its own)
            table = r.report.split("\n\ndiagnosis:")[0]
            lines += [(pad + line).rstrip() for line in table.splitlines()]
    passed = sum(r.passed for r in results)
    lines.append("")
    lines.append(f"score: {passed}/{len(results)} tasks" + (
        f" ({sum(r.status == 'not started' for r in results)} not started)"
        if any(r.status == "not started" for r in results) else ""))
    return "\n".join(lines)


# --- command line ----------------------------------------------------------------------------


class _IntermixedParser(argparse.ArgumentParser):
    """An action's parser that takes options and positionals in any order, so that
    ``grade DIR --tasks-dir D TASK`` works as ``grade DIR TASK --tasks-dir D`` does.

    NOTE: plain argparse matches all the positionals it can at the first one it meets
    (``DIR`` with no ``TASK``), so a ``TASK`` after an option would be "unrecognized";
    argparse's intermixed parsing (which calls ``parse_known_args`` itself, hence the
    guard) collects the positionals first."""

    _mixing = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._mixing:
            return super().parse_known_args(args, namespace)
        self._mixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION",
                                parser_class=_IntermixedParser)
    tasks_dir = {"action": "append", "default": [], "metavar": "DIR",
                 "help": "also load the task files in DIR (a teacher's); may repeat"}
    init = sub.add_parser("init", help="write a student workspace: a file per task")
    init.add_argument("directory", metavar="DIR")
    init.add_argument("tasks", nargs="*", default=[], metavar="TASK", help="only these tasks")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument("--tasks-dir", dest="tasks_dirs", **tasks_dir)  # type: ignore[arg-type]
    grade = sub.add_parser("grade", help="grade the student files in DIR")
    grade.add_argument("directory", metavar="DIR")
    grade.add_argument("tasks", nargs="*", default=[], metavar="TASK",
                       help="only these tasks")
    grade.add_argument("--tasks-dir", dest="tasks_dirs", **tasks_dir)  # type: ignore[arg-type]
    grade.add_argument("--examples", type=int, default=30,
                       help="Hypothesis examples in each sweep (default 30)")
    grade.add_argument("-v", "--verbose", action="store_true",
                       help="show gradcheck's table of the wrong elements")
    listing = sub.add_parser("list", help="list the tasks")
    listing.add_argument("--tasks-dir", dest="tasks_dirs", **tasks_dir)  # type: ignore[arg-type]


def main(args: argparse.Namespace) -> int:
    """Run ``init``, ``grade`` or ``list``; ``grade`` exits 0 only if every task passes."""
    try:
        if args.action == "list":
            for task in load_tasks(args.tasks_dirs).values():
                print(f"{task.name:<14} {task.function:<22} {task.title}")
            return 0
        if args.action == "init":
            written = init_workspace(args.directory, args.tasks, args.tasks_dirs, args.force)
            extra = "".join(f" --tasks-dir {d}" for d in args.tasks_dirs)
            print(f"wrote {len(written)} files in {args.directory}; see its README.md, then: "
                  f"{_COMMAND} grade {args.directory}{extra}")
            return 0
        start = time.perf_counter()
        results = grade_workspace(args.directory, args.tasks, args.tasks_dirs, args.examples)
    except (KeyError, FileExistsError, FileNotFoundError, ValueError) as e:
        print(e.args[0] if e.args else e, file=sys.stderr)
        return 2
    if not results:
        print(f"exercise grade: no task files in {args.directory} (run init first)",
              file=sys.stderr)
        return 2
    print(format_results(results, args.verbose))
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0 if all(r.passed for r in results) else 1
