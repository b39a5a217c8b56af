"""A griffe extension for the reference site (mkdocs.yml loads it).

The project's docstrings follow PyTorch's four parts and title their doctests
``Example:``; griffe's Google-style parser reads only ``Examples:`` as the section of
code examples (the singular becomes a plain note, whose ``>>>`` lines render as quotes).
This renames the title while the docs are built, so the examples render as code; the
source is not touched.
"""
from __future__ import annotations

import re
from typing import Any

import griffe

TITLE = re.compile(r"^(?P<indent>[ \t]*)Example:[ \t]*$", re.M)


class ExampleSections(griffe.Extension):
    """Reads an ``Example:`` title as ``Examples:``."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = TITLE.sub(r"\g<indent>Examples:", obj.docstring.value)
