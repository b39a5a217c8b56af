"""Quick runs of the sequence examples: examples/rnn_vanishing.py (the gradient through time
of a plain RNN, an LSTM and a GRU on the adding problem) and examples/tiny_transformer.py
(a transformer encoder reversing digits, with its attention drawn)."""
import importlib.util
import os
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    before = dict(os.environ)
    spec = importlib.util.spec_from_file_location(f"seq_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for key in set(os.environ) - set(before):      # the examples set BLAS thread defaults
        del os.environ[key]
    return module


def test_adding_batches_mark_one_step_in_each_half():
    lab = load("rnn_vanishing")
    x, y = lab.adding_batch(np.random.default_rng(0), 50, 12)
    values, marks = x.numpy()[..., 0], x.numpy()[..., 1]
    assert (marks[:6].sum(0) == 1).all() and (marks[6:].sum(0) == 1).all()
    np.testing.assert_allclose((values * marks).sum(0), y.numpy(), rtol=1e-6)


def test_rnn_vanishing_quick_run(tmp_path, capsys):
    lab = load("rnn_vanishing")
    png = tmp_path / "bptt.png"
    assert lab.main(["--lengths", "4", "12", "--steps", "30", "--test", "100",
                     "--hidden", "8", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "baseline error 0.167" in out
    for kind in ("RNN", "LSTM", "GRU"):
        assert f"  12 {kind}" in out
    assert "at initialisation:" in out and "per step" in out
    assert "saturated gates after training" in out and "LSTM  sigmoid gates" in out
    if importlib.util.find_spec("matplotlib"):
        assert png.stat().st_size > 1000


def test_the_plain_rnns_gradient_vanishes_faster_than_the_grus_after_training():
    lab = load("rnn_vanishing")
    args = lab.argparse.Namespace(hidden=16, steps=300, batch=32, lr=0.01, test=200, seed=0)
    rnn, gru = lab.train("RNN", 20, args), lab.train("GRU", 20, args)
    assert lab.per_step(rnn["before"]) < 0.8            # vanishing from the start
    assert lab.per_step(gru["after"]) > lab.per_step(rnn["after"])
    assert gru["mse"] < rnn["mse"]


def test_tiny_transformer_learns_to_reverse_and_draws_the_anti_diagonal(tmp_path, capsys):
    lab = load("tiny_transformer")
    png = tmp_path / "attn.png"
    assert lab.main(["--steps", "250", "--test", "200", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    final = next(line for line in out.splitlines() if line.strip().startswith("250 "))
    assert float(final.split()[2].rstrip("%")) > 95             # token accuracy
    looks = [line.split(":")[1] for line in out.splitlines() if "query " in line]
    assert len(looks) == 8
    for q, line in enumerate(looks):                            # query i reads key 7 - i
        assert line.split(",")[0].split()[1] == str(7 - q)
    if importlib.util.find_spec("matplotlib"):
        assert png.stat().st_size > 1000


def test_tiny_transformer_sort_task_runs(capsys):
    lab = load("tiny_transformer")
    assert lab.main(["--task", "sort", "--layers", "2", "--steps", "8", "--test", "50"]) == 0
    assert "layer 1:" in capsys.readouterr().out
