"""The built-in exercise tasks, one file each (see ``tinygrad_acts.exercise.task``).

To add a task, copy one of these files, change its docstring (the statement the student
reads), its ``TASK`` (the function to write, its template, forward, reference solution,
shapes, hints), and drop it here or in a folder passed with ``--tasks-dir``.
"""
