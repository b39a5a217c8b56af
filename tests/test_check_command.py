"""`python -m tinygrad_acts check`: every registered activation (users' too) gets a row; the
four properties are measured, not declared; a failing gradient check fails the command."""
import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts.__main__ import main
from tinygrad_acts.report_card import measure_properties, report_card

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def registered():
    names = []

    def register(name, *args, **kw):
        names.append(name)
        return ta.register_activation(name, *args, replace=True, **kw)

    yield register
    for name in names:
        ta.unregister_activation(name)


def run(capsys, *argv):
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_for_builtins(capsys):
    code, out, _ = run(capsys, "relu", "silu", "--examples", "3", "--no-timing")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["activation", "keeps", "gradient", "2nd", "deriv", "finite",
                                "monotonic", "non-linear", "cost"]
    relu = next(line for line in lines if line.startswith("relu "))
    assert "output" in relu and "bends at 0" in relu and relu.count("pass") == 2
    silu = next(line for line in lines if line.startswith("silu "))
    assert "input" in silu and "no (turns at -1.28)" in silu
    assert "gradient checks pass (2 activations)" in out


def test_json_and_cost_relative_to_relu(capsys):
    code, out, _ = run(capsys, "relu", "tanh", "--examples", "2", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["relu"]["cost"]["relative_to_relu"] == 1.0
    assert rows["tanh"]["cost"]["ns_per_element"] > 0
    assert rows["tanh"]["gradient"] == {"ok": True, "examples": 2,
                                        "max_abs_err": rows["tanh"]["gradient"]["max_abs_err"],
                                        "error": None}
    assert rows["tanh"]["monotonic"] == {"measured": True, "declared": True, "detail": "yes"}


def test_user_activation_shows_up_with_no_edit(registered, capsys):
    registered("t_softsign", lambda x: x / (1 + np.abs(x)),
               lambda g, x: g / (1 + np.abs(x)) ** 2, saves="input", kinks=(0.0,))
    code, out, _ = run(capsys, "--examples", "2", "--no-timing")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    assert set(ta.activations) <= set(names) and "t_softsign" in names


def test_broken_activation_fails_the_command_and_shows_the_report(registered, capsys):
    registered("t_bad_sigmoid", lambda x: 1 / (1 + np.exp(-x)),
               lambda g, y: -g * y * (1 - y), monotonic=True)
    code, out, _ = run(capsys, "t_bad_sigmoid", "relu", "--examples", "5", "--no-timing")
    assert code == 1
    row = next(line for line in out.splitlines() if line.startswith("t_bad_sigmoid"))
    assert "FAIL" in row
    assert "t_bad_sigmoid: gradient check FAILED" in out
    assert "Hypothesis shrank the failure to this input" in out
    assert "sign error" in out and "1 of 2 activations FAILED" in out


def test_report_card_grades_one_activation():
    r = report_card("maxout", examples=2, timing=False)
    assert r["name"] == "maxout" and r["keeps"] == "input" and r["cost"] is None
    assert r["gradient"]["ok"] and r["gradient"]["examples"] == 2
    assert r["monotonic"]["declared"] is None and r["finite"]["measured"]


def test_the_report_card_is_not_called_check_any_more():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tinygrad_acts.check")
    from tinygrad_acts import testing
    assert callable(testing.check_activation)   # the property test keeps its name


def test_a_grouped_user_activation_is_graded_from_its_entry(registered, capsys):
    from tinygrad_acts.activations import _maxout, _maxout_backward
    registered("t_maxout3", _maxout, _maxout_backward, "input",
               params={"pieces": 3, "dim": -1}, ties=True, elementwise=False, module_name="",
               grouping=lambda pieces=3, dim=-1: (dim, pieces))
    code, out, _ = run(capsys, "t_maxout3", "--examples", "2", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["gradient"]["ok"] and row["finite"]["measured"]
    assert row["cost"]["ns_per_element"] > 0    # timed on rows of whole groups of 3


def test_bad_arguments_exit_2(capsys):
    code, _, err = run(capsys, "no_such_activation")
    assert code == 2 and "no activation named 'no_such_activation'" in err
    code, _, err = run(capsys, "--import", "/nonexistent/acts.py")
    assert code == 2 and "cannot import" in err


def test_properties_are_measured_not_declared(registered):
    registered("t_identity", lambda x: x * 1.0, lambda g, y: g)
    registered("t_step", lambda x: np.where(x > 0, x + 1.0, x), lambda g, x: g,
               saves="input", kinks=(0.0,))
    registered("t_exp", np.exp, lambda g, y: g * y)
    registered("t_liar", lambda x: x * x, lambda g, x: 2 * g * x, saves="input",
               monotonic=True)
    ident = measure_properties(ta.activations["t_identity"])
    assert ident["nonlinear"]["measured"] is False and ident["finite"]["measured"]
    step = measure_properties(ta.activations["t_step"])
    assert step["finite"] == {"measured": False, "detail": "no: jumps by 1 at 0"}
    exp = measure_properties(ta.activations["t_exp"])
    assert exp["finite"]["measured"] is False and "inf" in exp["finite"]["detail"]
    liar = measure_properties(ta.activations["t_liar"])
    assert liar["monotonic"]["measured"] is False
    assert liar["monotonic"]["detail"] == "no (turns at 0) (declared True!)"
    hardtanh = measure_properties(ta.activations["hardtanh"])
    assert hardtanh["nonlinear"]["detail"] == "yes (bends at -1, 1)"
    softmax = measure_properties(ta.activations["softmax"])  # along x[0] of a row
    assert softmax["monotonic"]["measured"] and softmax["finite"]["measured"]


def test_command_line_with_a_users_file(tmp_path):
    acts = tmp_path / "my_acts.py"
    acts.write_text(textwrap.dedent("""
        import tinygrad_acts as ta
        ta.register_activation("sq_sign_bug", forward=lambda x: x * abs(x),
                               backward=lambda grad, x: grad * abs(x), saves="input",
                               kinks=(0.0,))
    """))
    proc = subprocess.run(
        [sys.executable, "-m", "tinygrad_acts", "check", "sq_sign_bug", "--import", str(acts),
         "--examples", "5", "--no-timing"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "sq_sign_bug: gradient check FAILED" in proc.stdout
    assert "constant factor: analytic = 1/2 x numeric" in proc.stdout


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`python -m tinygrad_acts check | head`: no BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_acts", "check", "relu", "tanh", "--examples", "2",
         "--no-timing"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()                       # the reader is gone before anything is printed
    err = proc.stderr.read().decode()
    proc.stderr.close()
    code = proc.wait(timeout=300)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert code == 141                        # 128 + SIGPIPE, as for any Unix tool
