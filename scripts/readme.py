"""README's (and docs/'s) generated parts, never pasted by hand.

Blocks between ``<!-- generated: NAME -->`` and ``<!-- end: NAME -->`` are rewritten from
the code. NAME says what the block is:

- ``ops``: the op surface by family (``ta.`` functions, ``F.`` functions, op-table rows);
- ``budgets``: the core's line budgets and what the code uses now (tests/test_structure.py);
- ``file: PATH``: the file PATH (an example) as a Python code block;
- ``output: LABEL``: what the Python code block just above the marker prints, run in a
  fresh interpreter from the repository root (an uncaught exception shows as its last line,
  ``module.Error: message``, the way Python ends a traceback); LABEL only names the block;
- ``run: COMMAND``: the output of the shell COMMAND (bash, ``pipefail``) run from the
  repository root. These are the slow blocks: rewritten only with ``--run``.

Machine-dependent numbers (timings, and the runs :data:`VARYING` lists as chaotic) are
written with a ``†`` beside them, and the block ends with a line saying what the mark
means. The check compares a block token by token with every ``†`` number left out, and
everything else exactly.

    python scripts/readme.py            rewrite the fast blocks (ops, budgets, file, output)
    python scripts/readme.py --run      rewrite the command outputs too (a few minutes)
    python scripts/readme.py --run --only mutants    only the commands whose block names it
    python scripts/readme.py --check    exit 1, naming the stale blocks, if a file disagrees
    python scripts/readme.py --check --run    the same, running every command
    python scripts/readme.py --images   redraw the committed pictures in docs/img/

tests/test_readme.py runs the fast check always and the ``--run`` check as a slow test.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[^>]*?) -->\n)(?P<body>.*?)"
                   r"(<!-- end: (?P=name) -->)", re.S)
PYTHON_FENCE = re.compile(r"```python\n(?P<code>.*?)```\n", re.S)
MARK = "†"

# The committed pictures and the commands that draw them (``--images``).
IMAGES = [
    "python examples/dying_relu.py --plot docs/img/dying_relu.png",
    "python examples/vanishing_gradients.py --plot docs/img/vanishing_gradients.png",
    "python examples/compare_activations.py --plot docs/img/compare_activations.png",
    "python examples/precision_lab.py --plot docs/img/precision_lab.png",
    "python -m tinygrad_acts plot -o docs/img/activations.png",
]

# Machine-dependent numbers, by the command that prints them (a command's entry is the
# longest key it starts with, so arguments and filters keep it): (what they are, patterns).
# A pattern is (lines, value): on the lines that match ``lines`` (None: every line), every
# match of ``value`` (its group ``v`` where it has one) is a number the check leaves out.
_TIME = (None, r"(?P<v>\d+(?:\.\d+)?(?:s|ms)\b|\d+(?:\.\d+)?(?= (?:s|ms)\b))")
_COST = [(None, r"(?P<v>\d+\.\d+x)$"), (r"^-+ ", r"(?P<v>-+)$"),
         (None, r"relu = (?P<v>[\d.]+) ns"),
         (None, r"pass (?P<v>\d+e-\d+)")]  # the sweeps' worst errors: their draws vary
VARYING: dict[str, tuple[str, list[tuple[str | None, str]]]] = {
    "python examples/mnist_ch9.py": ("the time", [_TIME]),
    "python examples/lenet.py": ("the times", [_TIME]),
    "python examples/relu_converges_faster.py": ("the time", [_TIME]),
    "python examples/classify2d.py": ("the time", [_TIME]),
    "python examples/rnn_vanishing.py": ("the times", [_TIME]),
    "python examples/dying_relu.py": (
        "the times, and the percentages and counts of every run above lr 0.001: those runs "
        "are chaotic, their numbers move with the floating-point summation order (BLAS "
        "version, weight layout, how the loss sums its rows), while the lesson does not",
        [_TIME, (r"^(?!relu +0\.001 )", r"\d+\.\d%(?! at lr=0\.001)"),
         (None, r"all (?P<v>\d+) of"), (None, r"of the (?P<v>\d+) dead")]),
    "python examples/compare_activations.py": (
        "the ms/epoch column", [(None, r"(?<= )(?P<v>\d+)(?= +\d+\.\d% )")]),
    "python examples/precision_lab.py": ("the rules' times",
                                         [_TIME, (None, r"\((?P<v>[\d.]+x)\)")]),
    "python -m tinygrad_acts check": ("the cost column, which varies with the machine's load, "
                                      "and the gradient checks' worst errors, whose Hypothesis "
                                      "draws vary with its version",
                                      _COST),
    "python examples/gradcheck_exercise.py": ("the cost, which varies with the machine's load",
                                              _COST),
    "python -m tinygrad_acts mutants": ("the time", [_TIME]),
}

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


def documents() -> list[Path]:
    """README and every page of docs/ (the files whose generated blocks this script owns)."""
    return [README] + sorted((ROOT / "docs").glob("*.md"))


# --- the fast blocks ------------------------------------------------------------------------

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


def file_block(path: str) -> str:
    return "```python\n" + (ROOT / path).read_text().rstrip("\n") + "\n```\n"


# Runs a README snippet as a script would, and ends an uncaught exception the way Python
# ends its traceback (``module.Error: message``), without the machine's file paths.
_SNIPPET_RUNNER = """\
import sys
source = sys.stdin.read()
try:
    exec(compile(source, "<README>", "exec"), {"__name__": "__main__"})
except Exception as e:
    kind = type(e)
    module = "" if kind.__module__ == "builtins" else kind.__module__ + "."
    print(f"{module}{kind.__qualname__}: {e}")
"""


def output_block(code: str) -> str:
    """What ``code`` prints (stdout), run in a fresh interpreter from the repository root."""
    done = subprocess.run([sys.executable, "-c", _SNIPPET_RUNNER], input=code, cwd=ROOT,
                          capture_output=True, text=True, env=_env())
    if done.returncode:
        raise RuntimeError(f"readme: the snippet failed to run:\n{code}\n{done.stderr}")
    return "```text\n" + done.stdout.rstrip("\n") + "\n```\n"


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", COLUMNS="100")
    env.pop("TQDM_DISABLE", None)
    return env


# --- the slow blocks: command outputs, with their machine-dependent numbers marked ---------

def mark_varying(command: str, text: str) -> tuple[str, str | None]:
    """``text`` with a ``†`` after every machine-dependent number, and what they are."""
    keys = [k for k in VARYING if command == k or command.startswith(k + " ")]
    what, patterns = VARYING[max(keys, key=len)] if keys else ("", [])
    spans, offset = set(), 0
    for line in text.splitlines(keepends=True):
        for lines, value in patterns:
            if lines is None or re.search(lines, line):
                for m in re.finditer(value, line.rstrip("\n")):
                    group = "v" if "v" in m.re.groupindex else 0
                    spans.add((offset + m.start(group), offset + m.end(group)))
        offset += len(line)
    if not spans:
        return text, None
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(text[last:end] + MARK)
        last = end
    out.append(text[last:])
    return "".join(out), what


def run_block(command: str) -> str | None:
    """The command's output as a text block, or None (and a warning) when the example it
    runs does not exist yet: then the block keeps what it had."""
    script = command.split()[1] if len(command.split()) > 1 else ""
    if script.endswith(".py") and not (ROOT / script).exists():
        print(f"readme: skipped `{command}`: {script} does not exist", file=sys.stderr)
        return None
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT,
                          capture_output=True, text=True, env=_env())
    if done.returncode:
        raise RuntimeError(f"readme: `{command}` exited with {done.returncode}:\n"
                           f"{done.stderr[-2000:]}")
    text, what = mark_varying(command, done.stdout.rstrip("\n"))
    body = "```text\n" + text + "\n```\n"
    if what:
        body += (f"\n{MARK} machine-dependent, not compared by the README check "
                 f"(`python scripts/readme.py --check --run`): {what}.\n")
    return body


def comparable(body: str) -> list[str]:
    """A block as the check compares it: its lines exactly, or, where it has ``†`` numbers
    (whose widths may move a column or a line break), its words with those numbers dropped."""
    if MARK not in body:
        return body.splitlines()
    return re.sub(r"[^\s(]*?" + MARK, MARK, body).split()


# --- rewriting and checking -----------------------------------------------------------------

def render(text: str, run: bool, only: str = "") -> str:
    """``text`` with every generated block rewritten (``run: `` blocks only if ``run``, and
    only those whose name contains ``only``). Output blocks come second, so that they run
    the code blocks as rewritten."""
    def first(m: re.Match) -> str:
        name, new = m["name"], m["body"]
        if name == "ops":
            new = ops_block()
        elif name == "budgets":
            new = budgets_block()
        elif name.startswith("file: "):
            new = file_block(name[len("file: "):])
        elif name.startswith("run: ") and run and only in name:
            new = run_block(name[len("run: "):]) or new
        return m.group(1) + new + m.group(4)

    def second(m: re.Match) -> str:
        if not m["name"].startswith("output: "):
            return m.group(0)
        return m.group(1) + output_block(_code_above(text, m.start())) + m.group(4)

    text = BLOCK.sub(first, text)
    return BLOCK.sub(second, text)


def _code_above(text: str, position: int) -> str:
    """The last ```python block that ends before ``position`` (the snippet an output shows)."""
    fences = list(PYTHON_FENCE.finditer(text, 0, position))
    if not fences:
        raise ValueError(f"readme: an output block at offset {position} has no code above it")
    return fences[-1]["code"]


def stale_blocks(text: str, new: str) -> list[str]:
    """Names of the blocks where ``text`` and ``new`` differ (``†`` numbers left out)."""
    return [m["name"] for m, n in zip(BLOCK.finditer(text), BLOCK.finditer(new))
            if comparable(m["body"]) != comparable(n["body"])]


def images() -> int:
    for command in IMAGES:
        print(f"$ {command}", flush=True)
        subprocess.run(command, shell=True, cwd=ROOT, check=True, env=_env(),
                       stdout=subprocess.DEVNULL)
    return 0


def main(argv: list[str]) -> int:
    if "--images" in argv:
        return images()
    run, status = "--run" in argv, 0
    only = argv[argv.index("--only") + 1] if "--only" in argv else ""
    for path in documents():
        text = path.read_text()
        if "<!-- generated: " not in text:
            continue
        new = render(text, run=run, only=only)
        if "--check" in argv:
            stale = stale_blocks(text, new)
            if stale:
                print(f"{path.relative_to(ROOT)} is stale in: {'; '.join(stale)} "
                      f"(python scripts/readme.py{' --run' if run else ''})")
                status = 1
        elif new != text:
            path.write_text(new)
            print(f"rewrote {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
