"""The core stays small enough to read in one sitting: a checked budget, not a hope.

Counted: lines of code in the four core files (Tensor, engine, basic ops, activations),
not blank lines, comments or docstrings. README states the same number.
"""
import io
import tokenize
from pathlib import Path

CORE = ["tensor.py", "autograd.py", "ops.py", "activations.py"]
BUDGET = 1500


def code_lines(path: Path) -> int:
    lines = set()
    prev = tokenize.INDENT
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if tok.type == tokenize.STRING and prev in (tokenize.INDENT, tokenize.NEWLINE,
                                                    tokenize.DEDENT, tokenize.NL):
            prev = tok.type  # a docstring (a string standing alone as a statement)
            continue
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):
            lines.update(range(tok.start[0], tok.end[0] + 1))
        prev = tok.type
    return len(lines)


def test_core_is_within_its_line_budget():
    package = Path(__file__).parent.parent / "tinygrad_acts"
    counts = {name: code_lines(package / name) for name in CORE}
    assert sum(counts.values()) <= BUDGET, f"core grew past {BUDGET} code lines: {counts}"
