"""README's output blocks are generated (scripts/readme.py), never pasted, and agree with
the code: the op table, the budgets, the example files and what README's snippets print,
exactly, on every run; the output of every command README shows, in a slow test that CI
runs (``pytest -m slow tests/test_readme.py``), exactly except the numbers marked ``†``
(timings, and the dying-ReLU runs above lr 0.001, which are chaotic), which it leaves out.
"""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import readme  # noqa: E402

# The pages whose every output block must be generated: README and the docs pages of the
# reference site that this check owns (docs/guarantees.md and the other guides have theirs).
PAGES = [ROOT / "README.md", ROOT / "docs" / "index.md", ROOT / "docs" / "tour.md"]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```$", re.S | re.M)
KINDS = ("ops", "budgets", "file: ", "output: ", "run: ", "performance")


def pages():
    return [p for p in PAGES if p.exists()]


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_fast_blocks_are_what_the_code_says(page):
    text = page.read_text()
    stale = readme.stale_blocks(text, readme.render(text, run=False))
    assert not stale, f"{page.name} is stale in {stale}: run python scripts/readme.py"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_generated_block_is_closed_known_and_filled(page):
    text = page.read_text()
    blocks = list(readme.BLOCK.finditer(text))
    assert text.count("<!-- generated: ") == len(blocks) == text.count("<!-- end: ")
    for m in blocks:
        assert m["name"].startswith(KINDS), m["name"]
        assert m["body"].strip() or m["name"] == "run: python examples/classify2d.py", \
            f"{page.name}: the block {m['name']!r} is empty: python scripts/readme.py --run"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_output_block_is_generated(page):
    """A fenced block that is not code to type (python, bash) is an output: it must sit in
    a generated block. The one hand-written exception is README's package tree."""
    text = page.read_text()
    generated = [m.span() for m in readme.BLOCK.finditer(text)]
    for fence in FENCE.finditer(text):
        if fence["info"] in ("python", "bash") or fence["body"].startswith("tinygrad_acts/\n"):
            continue
        inside = any(a <= fence.start() < b for a, b in generated)
        assert inside, (f"{page.name}: a pasted output block (line "
                        f"{text.count(chr(10), 0, fence.start()) + 1}): generate it")


def test_the_readme_shows_the_commands_it_generates():
    """Each command whose output README shows is also shown to the reader, in prose or in
    a bash block, without the filter (| grep ...) the block may apply."""
    text = readme.README.read_text()
    for m in readme.BLOCK.finditer(text):
        if m["name"].startswith("run: "):
            command = m["name"][len("run: "):].split(" | ")[0]
            script = command.split()[1]
            assert f"`{command}" in text or f"`{script}`" in text, command


def test_marked_numbers_are_left_out_and_the_rest_compared_exactly():
    command = "python examples/lenet.py"
    out = "    1  1.7459    46.2%    86.1%   1.0s\ntest accuracy 97.7% in 7 s\n"
    marked, what = readme.mark_varying(command, out)
    assert marked.count(readme.MARK) == 2 and what == "the times"
    slower = readme.mark_varying(command, out.replace("1.0s", "10.3s").replace("7 s", "12 s"))
    assert readme.comparable(slower[0]) == readme.comparable(marked)
    worse = readme.mark_varying(command, out.replace("86.1%", "86.2%"))
    assert readme.comparable(worse[0]) != readme.comparable(marked)
    unmarked = "a table\n  aligned   1.0\n"   # no marks: compared line by line, spaces too
    assert readme.comparable(unmarked) != readme.comparable(unmarked.replace("   1", "  1"))


def test_the_chaotic_dying_relu_runs_are_marked_and_the_steady_one_is_not():
    out = ("relu         0.001         1.2%     3.1%     7.0%     5.1%      5.1%    90.1%   0.3s\n"
           "relu          0.01         1.2%    19.5%    12.5%    16.0%     16.0%    90.3%   0.3s\n")
    marked, _ = readme.mark_varying("python examples/dying_relu.py", out)
    steady, chaotic = marked.splitlines()
    assert steady.count(readme.MARK) == 1 and "0.3s" + readme.MARK in steady   # the time only
    assert chaotic.count(readme.MARK) == 7


def test_a_stale_snippet_output_is_named():
    text = ("```python\nprint(6 * 7)\n```\n\n<!-- generated: output: answer -->\n```text\n42\n```\n"
            "<!-- end: output: answer -->\n")
    assert readme.render(text, run=False) == text
    broken = text.replace("42", "41")
    assert readme.stale_blocks(broken, readme.render(broken, run=False)) == ["output: answer"]


@pytest.mark.slow
def test_command_outputs_are_what_the_commands_print():
    """Runs every ``run:`` block's command (about three minutes on two cores)."""
    for page in pages():
        text = page.read_text()
        stale = readme.stale_blocks(text, readme.render(text, run=True))
        assert not stale, (f"{page.name} is stale in {stale}: "
                           "run python scripts/readme.py --run")
