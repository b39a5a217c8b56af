"""README's generated blocks (scripts/readme.py) agree with the code: the op table by
family and the line budgets exactly; the command outputs are regenerated with
``python scripts/readme.py --run`` (their timings are this machine's)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import readme  # noqa: E402


def test_readme_op_table_and_budgets_are_what_the_code_says():
    text = readme.README.read_text()
    assert readme.render(text, run=False) == text, \
        "README.md is stale: run python scripts/readme.py"


def test_every_generated_block_is_closed_and_known():
    text = readme.README.read_text()
    names = [m["name"] for m in readme.BLOCK.finditer(text)]
    assert "ops" in names and "budgets" in names
    assert text.count("<!-- generated: ") == len(names)
    for name in names:
        assert name in ("ops", "budgets") or name.startswith("run: "), name
