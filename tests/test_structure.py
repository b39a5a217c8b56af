"""The core's structure, checked rather than hoped for: line budgets, one screen per op,
and imports that run one way.

Counted: lines of code (not blank lines, comments or docstrings). README states the same
numbers.

- The engine (tensor.py, autograd.py): at most ENGINE_BUDGET lines.
- The whole core (the engine, every backward rule in ops/, the op table, the
  activation registry and the op surface in api/): at most CORE_BUDGET lines.
- Each Function (one op, forward and backward together): at most CLASS_BUDGET lines.
"""
import ast
import io
import tokenize
from pathlib import Path

import tinygrad_acts as ta
from tinygrad_acts import ops
from tinygrad_acts.autograd import Function

PACKAGE = Path(ta.__file__).parent
ENGINE = ["tensor.py", "autograd.py"]
RULES = ["activations.py", *sorted(f"ops/{p.name}" for p in (PACKAGE / "ops").glob("*.py"))]
SURFACE = sorted(f"api/{p.name}" for p in (PACKAGE / "api").glob("*.py"))
ENGINE_BUDGET = 1850
CORE_BUDGET = 12000
CLASS_BUDGET = 30


def code_lines(source: str) -> int:
    lines = set()
    prev = tokenize.INDENT
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING and prev in (tokenize.INDENT, tokenize.NEWLINE,
                                                    tokenize.DEDENT, tokenize.NL):
            prev = tok.type  # a docstring (a string standing alone as a statement)
            continue
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):
            lines.update(range(tok.start[0], tok.end[0] + 1))
        prev = tok.type
    return len(lines)


def counts(names: list[str]) -> dict[str, int]:
    return {name: code_lines((PACKAGE / name).read_text()) for name in names}


def test_the_engine_is_within_its_line_budget():
    engine = counts(ENGINE)
    assert sum(engine.values()) <= ENGINE_BUDGET, f"engine past {ENGINE_BUDGET}: {engine}"


def test_the_whole_core_is_within_its_line_budget():
    core = counts(ENGINE + RULES + SURFACE)
    assert sum(core.values()) <= CORE_BUDGET, f"core past {CORE_BUDGET}: {core}"


def _function_classes():
    for name in RULES:
        tree = ast.parse((PACKAGE / name).read_text())
        source = (PACKAGE / name).read_text()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.bases:
                yield name, node.name, ast.get_source_segment(source, node)


def test_every_op_reads_in_one_screen():
    sizes = {f"{file}:{cls}": code_lines(src) for file, cls, src in _function_classes()}
    assert len(sizes) >= 30
    too_long = {k: n for k, n in sizes.items() if n > CLASS_BUDGET}
    assert not too_long, f"Functions over {CLASS_BUDGET} code lines: {too_long}"


def _package_imports(path: Path) -> set[str]:
    """The package modules a file imports at module level (``ops.indexing``, ``tensor``...)."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level + 1])
            mod = base + (node.module.split(".") if node.module else [])
            if node.module:
                found.add(".".join(mod))
            for alias in node.names:  # `from . import autograd` imports a module
                found.add(".".join(mod + [alias.name]))
    return found


def test_imports_run_one_way():
    """ops and activations build on the engine and never on the Tensor class or the
    teaching tools; the Tensor does not import the teaching tools either."""
    teaching = {"viz", "plots", "diagnostics", "report_card", "mutants", "testing",
                "gradcheck", "functional", "nn"}
    autograd = _package_imports(PACKAGE / "autograd.py")
    assert not autograd & ({"tensor", "ops", "activations"} | teaching), autograd
    for name in RULES:
        imported = _package_imports(PACKAGE / name)
        assert not imported & ({"tensor"} | teaching), (name, imported)
    assert not _package_imports(PACKAGE / "tensor.py") & (teaching | {"api"})
    for name in SURFACE:  # the op surface builds on the Tensor and the rules
        imported = _package_imports(PACKAGE / name)
        assert not imported & teaching, (name, imported)


def test_every_function_subclass_lives_under_ops_or_is_made_by_the_registry():
    """The framework's own rules live in ops/ (or come from the activation registry); a
    torch-style custom Function (staticmethod forward/backward, as a user writes one, e.g.
    utils.checkpoint's) may live where it is used."""
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for cls in subclasses(Function):
        module = cls.__module__
        torch_style = isinstance(vars(cls).get("forward"), staticmethod)  # as users write them
        if module.startswith("tinygrad_acts") and not module.startswith("tinygrad_acts.ops") \
                and not torch_style:
            # the Gamma sampler's pathwise gradient is distributions' own (tested there)
            assert module in ("tinygrad_acts.activations", "tinygrad_acts.distributions.special"), \
                f"{cls.__name__} lives in {module}"
    assert ops.OPS, "the op table is empty"
