"""README's generated parts, never pasted by hand.

Blocks between ``<!-- generated: NAME -->`` and ``<!-- end: NAME -->`` are rewritten from
the code:

- ``ops``: the op surface by family (``ta.`` functions, ``F.`` functions, op-table rows);
- ``budgets``: the core's line budgets and what the code uses now (tests/test_structure.py);
- ``run: COMMAND``: the output of running COMMAND from the repository root (slow ones are
  only rewritten with ``--run``).

``python scripts/readme.py`` rewrites the fast blocks, ``--run`` the command outputs too, and
``--check`` exits with 1 (saying which block) when README and the code disagree;
tests/test_readme.py runs the check for the fast blocks.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[^>]*?) -->\n)(?P<body>.*?)"
                   r"(<!-- end: (?P=name) -->)", re.S)

FAMILIES = [  # (family, api module or None, the op-table files whose rows it owns)
    ("arithmetic and elementwise math", "math", ("elementwise", "math")),
    ("reductions", "reduce", ("reduce",)),
    ("sorting, selection and indexing", "selection", ("indexing", "sorting")),
    ("shape and views", "shape", ("shape",)),
    ("linear algebra", "linalg", ("linalg",)),
    ("factories and random fills", "factories", ()),
    ("convolution and pooling (F.)", "conv", ("conv",)),
    ("normalization (F.)", "norm", ("norm",)),
    ("attention (F.)", "attention", ("attention",)),
    ("recurrent cells (F.)", "rnn", ("rnn",)),
    ("functional layers and losses (F.)", None, ("fused", "losses")),
    ("activations (registry)", None, ("activations",)),
]


def _rows_by_file() -> dict[str, list[str]]:
    from tinygrad_acts import ops
    rows: dict[str, list[str]] = defaultdict(list)
    for name, row in ops.OPS.items():
        module = row.node.__module__.rsplit(".", 1)[-1]
        rows["activations" if module == "activations" else module].append(name)
    return rows


def ops_block() -> str:
    import tinygrad_acts as ta
    from tinygrad_acts import api, functional
    rows = _rows_by_file()
    own_f = [n for n in functional.__all__ if n not in ta.activations and not n.endswith("_")
             and n not in set().union(*(getattr(api, m).__all__ for m in
                                        ("conv", "norm", "attention", "rnn")))]
    lines = ["| family | functions | op-table rows |", "|---|---|---|"]
    total_names, total_rows = set(), 0
    for family, module, files in FAMILIES:
        if module is not None:
            names = sorted(getattr(api, module).__all__)
        elif files == ("activations",):
            names = sorted(ta.activations)
        else:
            names = sorted(own_f)
        n_rows = sum(len(rows[f]) for f in files)
        if not names and not n_rows:
            continue
        total_names |= {f"{family}:{n}" for n in names}
        total_rows += n_rows
        shown = ", ".join(f"`{n}`" for n in names)
        lines.append(f"| {family} | {shown} | {n_rows} |")
    lines.append(f"| **all** | **{len(total_names)}** | **{total_rows}** |")
    return "\n".join(lines) + "\n"


def budgets_block() -> str:
    sys.path.insert(0, str(ROOT))
    from tests import test_structure as s
    engine = sum(s.counts(s.ENGINE).values())
    core = sum(s.counts(s.ENGINE + s.RULES + s.SURFACE).values())
    largest = max(s.code_lines(src) for _, _, src in s._function_classes())
    return ("| part | budget | now |\n|---|---|---|\n"
            f"| the engine (`tensor.py`, `autograd.py`) | {s.ENGINE_BUDGET:,} | {engine:,} |\n"
            f"| the whole core (the engine, `ops/`, `activations.py`, `api/`) | "
            f"{s.CORE_BUDGET:,} | {core:,} |\n"
            f"| one Function (forward and backward together) | {s.CLASS_BUDGET} | "
            f"at most {largest} |\n")


def run_block(command: str) -> str:
    out = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return "```text\n" + out.rstrip("\n") + "\n```\n"


def render(text: str, run: bool) -> str:
    def body(m: re.Match) -> str:
        name = m["name"]
        if name == "ops":
            new = ops_block()
        elif name == "budgets":
            new = budgets_block()
        elif name.startswith("run: ") and run:
            new = run_block(name[len("run: "):])
        else:
            new = m["body"]
        return m.group(1) + new + m.group(4)
    return BLOCK.sub(body, text)


def main(argv: list[str]) -> int:
    text = README.read_text()
    new = render(text, run="--run" in argv)
    if "--check" in argv:
        if new != text:
            stale = [m["name"] for m, n in zip(BLOCK.finditer(text), BLOCK.finditer(new))
                     if m["body"] != n["body"]]
            print(f"README.md is stale in: {', '.join(stale)} (python scripts/readme.py)")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
