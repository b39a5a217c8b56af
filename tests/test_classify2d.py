"""The CS231n 2-D classifier lab (examples/classify2d.py): its two claims hold in the numbers
it prints, and it writes a figure only where --plot says."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load():
    spec = importlib.util.spec_from_file_location("lab_classify2d", ROOT / "examples/classify2d.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lab():
    return load()


@pytest.fixture(scope="module")
def results(lab):
    return lab.main(["--steps", "1500"])


def test_data_are_seeded_and_noisy(lab):
    x, y = lab.moons(200, seed=3, flip=0.1)
    x2, y2 = lab.moons(200, seed=3, flip=0.1)
    assert x.dtype == np.float32 and x.shape == (200, 2) and set(y) == {0, 1}
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    _, clean = lab.moons(200, seed=3, flip=0.0)
    assert 0.03 < (clean != y).mean() < 0.2            # about one label in ten swapped


def test_more_neurons_more_capacity(results):
    width = results["width"]
    assert [r["hidden"] for r in width] == [3, 6, 20]
    assert width[0]["train"] < width[1]["train"] < width[2]["train"]
    assert width[0]["data_loss"] > width[2]["data_loss"]
    assert width[0]["boundary"] < width[2]["boundary"]   # the big net's regions bend more


def test_stronger_l2_smoother_regions(results):
    reg = results["lambda"]
    assert [r["lam"] for r in reg] == [0.001, 0.01, 0.1] and {r["hidden"] for r in reg} == {20}
    shares = [r["boundary"] for r in reg]
    assert shares[0] > shares[1] > shares[2]             # smoother as lambda grows
    assert reg[0]["train"] > reg[2]["train"]             # and the noise is no longer fitted
    assert reg[0]["data_loss"] < reg[1]["data_loss"] < reg[2]["data_loss"]
    assert reg[0] is results["width"][-1]                # the same net, not trained twice


def test_l2_term_is_in_the_gradient(lab):
    """The printed L2 term is the one the step differentiates: with lambda large the
    weights shrink towards zero."""
    x, y = lab.moons(60, seed=0)
    args = type("A", (), {"steps": 300, "lr": 0.02, "seed": 0})()
    small = lab.train(20, 0.0, (x, y, x, y), args)
    large = lab.train(20, 1.0, (x, y, x, y), args)
    norm = [sum(float((m.weight.numpy() ** 2).sum()) for m in r["net"] if hasattr(m, "weight"))
            for r in (small, large)]
    assert norm[1] < 0.2 * norm[0]
    assert small["l2"] == 0.0 and large["l2"] == pytest.approx(0.5 * norm[1], rel=1e-5)


def test_plot_only_where_asked(lab, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "regions.png"
    lab.main(["--steps", "50", "--plot", str(png)])
    assert png.stat().st_size > 1000
    assert f"wrote {png}" in capsys.readouterr().out


def test_default_run_writes_nothing(tmp_path):
    """Neither into the directory it runs in nor into the repository's pictures."""
    def state():
        pictures = sorted((p.name, p.stat().st_mtime_ns) for p in (ROOT / "docs/img").iterdir())
        return sorted(p.name for p in ROOT.iterdir()), pictures
    before = state()
    out = subprocess.run([sys.executable, str(ROOT / "examples/classify2d.py"), "--steps", "20"],
                         cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "CS231n" in out and "wrote" not in out
    assert list(tmp_path.iterdir()) == [] and state() == before
