"""The graded exercises: reference solutions pass, typical wrong answers fail with the
right diagnosis, untouched templates score 0, and a teacher's task file is picked up."""
import re
import subprocess
import sys
import textwrap

import pytest

from tinygrad_acts import exercise
from tinygrad_acts.exercise import DIAGNOSES, grade_rule, grade_workspace, init_workspace

pytest.importorskip("hypothesis")

TASKS = exercise.load_tasks()
EXAMPLES = 10  # Hypothesis examples per sweep (the CLI's default is 30)


def _grade(tmp_path, task, body):
    """Grade ``body`` (the student's function, as source) written over the template."""
    init_workspace(tmp_path, [task], force=True)
    (tmp_path / f"{task}.py").write_text("import numpy as np\n\n" + textwrap.dedent(body))
    (result,) = grade_workspace(tmp_path, [task], examples=EXAMPLES)
    return result


def test_the_required_tasks_exist():
    assert {"relu", "sigmoid", "tanh", "softmax", "log_softmax", "maxout", "unbroadcast",
            "matmul", "conv1d"} <= set(TASKS)


@pytest.mark.parametrize("name", list(TASKS))
def test_the_reference_solution_passes(name):
    task = TASKS[name]
    result = grade_rule(task, task.reference, examples=EXAMPLES)
    assert result.status == "PASS", result
    assert result.checks["gradcheck"] == "ok" and result.checks["sweep"].startswith("ok")
    if task.kinks:
        assert result.checks["kink"] == "ok"
    if task.ties:
        assert result.checks["ties"] == "ok"


@pytest.mark.parametrize("name", list(TASKS))
def test_the_reference_passes_from_a_student_file(tmp_path, name):
    import inspect
    task = TASKS[name]
    source = inspect.getsource(task.reference)
    helper = task.reference.__name__
    if helper != task.function:
        source += f"\n\n{task.function} = {helper}\n"
    assert _grade(tmp_path, name, source).status == "PASS"


# (task, the student's function, the diagnosis it must get)
WRONG = [
    ("relu", "def relu_backward(grad, y):\n    return grad * (y >= 0)\n", "wrong at the kink"),
    ("relu", "def relu_backward(grad, y):\n    return (y > 0) * 1.0\n",
     "forgot the upstream gradient"),
    ("relu", "def relu_backward(grad, y):\n    return -grad * (y > 0)\n", "sign flipped"),
    ("relu", "def relu_backward(grad, y):\n    grad[y <= 0] = 0\n    return grad\n",
     "changed an argument in place"),
    ("sigmoid", """
     def sigmoid_backward(grad, y):
         s = 1 / (1 + np.exp(-y))
         return grad * s * (1 - s)
     """, "used x for y"),
    ("sigmoid", "def sigmoid_backward(grad, y):\n    return y * (1 - y)\n",
     "forgot the upstream gradient"),
    ("sigmoid", "def sigmoid_backward(grad, y):\n    return 2 * grad * y * (1 - y)\n",
     "factor off"),
    ("sigmoid", "def sigmoid_backward(grad, y):\n    return grad - grad * y\n",
     "a factor y missing"),
    ("tanh", "def tanh_backward(grad, y):\n    return grad * (1 - np.tanh(y) ** 2)\n",
     "used x for y"),
    ("tanh", "def tanh_backward(grad, y):\n    return grad * (1 + y ** 2)\n",
     "1 + y^2 (sign inside)"),
    ("tanh", "def tanh_backward(grad, y):\n    return grad ** 2 * (1 - y ** 2)\n",
     "not linear in the upstream gradient"),
    ("tanh", "def tanh_backward(grad, y):\n    return grad * (1 - y * y) / 2\n", "factor off"),
    ("softmax", "def softmax_backward(grad, y):\n    return y * (grad - (grad * y).sum(-1))\n",
     "broadcast error"),
    ("softmax", "def softmax_backward(grad, y):\n    return grad * y * (1 - y)\n",
     "only the diagonal of the Jacobian"),
    ("softmax", """
     def softmax_backward(grad, y):
         return y * ((grad * y).sum(axis=-1, keepdims=True) - grad)
     """, "sign flipped"),
    ("log_softmax", """
     def log_softmax_backward(grad, y):
         return grad - y * grad.sum(axis=-1, keepdims=True)
     """, "y used as the probabilities"),
    ("log_softmax", "def log_softmax_backward(grad, y):\n    return grad - np.exp(y)\n",
     "not linear in the upstream gradient"),
    ("log_softmax", """
     def log_softmax_backward(grad, y):
         return grad - np.exp(y) * grad.sum(axis=-1)
     """, "broadcast error"),
    ("maxout", """
     def maxout_backward(grad, x, y, pieces):
         groups = x.reshape(x.shape[:-1] + (-1, pieces))
         return (grad[..., None] * (groups == y[..., None])).reshape(x.shape)
     """, "every tied winner gets all of grad"),
    ("maxout", """
     def maxout_backward(grad, x, y, pieces):
         groups = x.reshape(x.shape[:-1] + (-1, pieces))
         first = groups.argmax(axis=-1)[..., None] == np.arange(pieces)
         return (grad[..., None] * first).reshape(x.shape)
     """, "ties not split"),
    ("maxout", """
     def maxout_backward(grad, x, y, pieces):
         return np.repeat(grad, pieces, axis=-1)
     """, "gradient to every piece"),
    ("maxout", "def maxout_backward(grad, x, y, pieces):\n    return grad\n", "wrong shape"),
    ("unbroadcast", "def unbroadcast(grad, shape):\n    return grad\n", "not summed back"),
    ("unbroadcast", """
     def unbroadcast(grad, shape):
         grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
         ones = tuple(d for d, n in enumerate(shape) if n == 1)
         return grad.sum(axis=ones)
     """, "dims dropped"),
    ("unbroadcast", """
     def unbroadcast(grad, shape):
         return grad.sum(axis=tuple(range(grad.ndim - len(shape))))
     """, "only the leading dims summed"),
    ("matmul", "def matmul_backward(grad, a, b):\n    return grad @ b.T, grad.T @ a\n",
     "transposed"),
    ("matmul", "def matmul_backward(grad, a, b):\n    return a.T @ grad, grad @ b.T\n",
     "inputs swapped"),
    ("matmul", "def matmul_backward(grad, a, b):\n    return grad @ b, a.T @ grad\n",
     "shape error"),
    ("matmul", """
     def matmul_backward(grad, a, b):
         ones = np.ones_like(grad)
         return ones @ b.T, a.T @ ones
     """, "forgot the upstream gradient"),
    ("conv1d", """
     def conv1d_backward(grad, x, w):
         taps, steps = w.shape[2], grad.shape[2]
         grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
         for k in range(taps):
             grad_x[:, :, k:k + steps] += np.einsum("nol,oc->ncl", grad, w[:, :, taps - 1 - k])
             grad_w[:, :, taps - 1 - k] = np.einsum("nol,ncl->oc", grad, x[:, :, k:k + steps])
         return grad_x, grad_w
     """, "kernel flipped"),
    ("conv1d", """
     def conv1d_backward(grad, x, w):
         taps, steps = w.shape[2], grad.shape[2]
         grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
         for k in range(taps):
             grad_x[:, :, k:k + steps] += np.einsum("nol,oc->ncl", grad, w[:, :, k])
             grad_w[:, :, k] = np.einsum("nol,ncl->oc", grad, x[:, :, k:k + steps])
         return grad_x, -grad_w
     """, "sign flipped"),
    ("conv1d", "def conv1d_backward(grad, x, w):\n    return np.zeros_like(x)\n",
     "wrong number of gradients"),
]


@pytest.mark.parametrize("name, body, diagnosis", WRONG,
                         ids=[f"{t}-{d}" for t, _, d in WRONG])
def test_a_typical_wrong_answer_fails_with_the_right_diagnosis(tmp_path, name, body,
                                                               diagnosis):
    result = _grade(tmp_path, name, body)
    assert result.status == "FAIL"
    assert result.diagnosis == diagnosis, result
    assert result.hint == TASKS[name].hints.get(diagnosis, DIAGNOSES.get(diagnosis))
    assert result.hint


# wrong only at shapes other than the first case's: the Hypothesis sweep finds them
SWEEP_ONLY = [
    ("softmax", """
     def softmax_backward(grad, y):
         return y * (grad - (grad * y).sum(axis=1, keepdims=True))
     """, "axis error"),
    ("matmul", """
     def matmul_backward(grad, a, b):
         return grad @ b.T, (a.T @ grad if a.shape[0] > 1 else 2 * a.T @ grad)
     """, "factor off"),
]


@pytest.mark.parametrize("name, body, diagnosis", SWEEP_ONLY,
                         ids=[f"{t}-{d}" for t, _, d in SWEEP_ONLY])
def test_the_sweep_finds_a_rule_wrong_only_at_other_shapes(tmp_path, name, body, diagnosis):
    result = _grade(tmp_path, name, body)
    assert result.checks["gradcheck"] == "ok"
    assert "at inputs of shape" in result.checks["sweep"]
    assert (result.status, result.diagnosis) == ("FAIL", diagnosis)


def test_every_task_has_several_wrong_answers_tested():
    counts = {name: sum(t == name for t, _, _ in WRONG) for name in TASKS}
    assert min(counts.values()) >= 3, counts


def test_a_crash_reports_its_last_line_and_where(tmp_path):
    result = _grade(tmp_path, "tanh", "def tanh_backward(grad, y):\n    return grad * slope\n")
    assert result.diagnosis == "error"
    assert result.detail.startswith("NameError: name 'slope' is not defined")
    assert "(tanh.py, line 4, in tanh_backward)" in result.detail


def test_a_file_that_does_not_import_is_an_error_not_a_traceback(tmp_path):
    result = _grade(tmp_path, "relu", "def relu_backward(grad, y)\n    return grad\n")
    assert (result.status, result.diagnosis) == ("FAIL", "error")
    assert "SyntaxError" in result.detail


def test_init_then_grade_the_templates_scores_zero(tmp_path):
    written = init_workspace(tmp_path)
    assert {p.name for p in written} == {f"{n}.py" for n in TASKS} | {"README.md"}
    results = grade_workspace(tmp_path)
    assert [r.status for r in results] == ["not started"] * len(TASKS)
    sheet = exercise.format_results(results)
    assert sheet.endswith(f"score: 0/{len(TASKS)} tasks ({len(TASKS)} not started)")
    assert "Traceback" not in sheet


def test_init_refuses_to_overwrite_a_student_file(tmp_path):
    init_workspace(tmp_path, ["relu"])
    (tmp_path / "relu.py").write_text("# my work\n")
    with pytest.raises(FileExistsError, match="relu.py exists"):
        init_workspace(tmp_path)
    assert (tmp_path / "relu.py").read_text() == "# my work\n"
    assert not (tmp_path / "sigmoid.py").exists()        # nothing written at all
    init_workspace(tmp_path, force=True)
    assert "NotImplementedError" in (tmp_path / "relu.py").read_text()


TEACHER_TASK = '''
"""square's backward: y = x ** 2, so dL/dx = 2 x grad."""
from tinygrad_acts.exercise import Task

TEMPLATE = """
def square_backward(grad, x):
    raise NotImplementedError("write square_backward")
"""


def forward(x):
    return x * x, (x,)


def square_backward(grad, x):
    return 2 * x * grad


TASK = Task(function="square_backward", template=TEMPLATE, forward=forward,
            reference=square_backward, cases=(((3, 2),), ((4,),)),
            hints={"forgot the upstream gradient": "2 x times grad"})
'''


def test_a_teacher_task_file_is_picked_up(tmp_path):
    tasks_dir = tmp_path / "mine"
    tasks_dir.mkdir()
    (tasks_dir / "square.py").write_text(TEACHER_TASK)
    work = tmp_path / "work"
    init_workspace(work, ["square"], tasks_dirs=[tasks_dir])
    assert "square's backward" in (work / "square.py").read_text()
    assert f"--tasks-dir {tasks_dir}" in (work / "README.md").read_text()
    (result,) = grade_workspace(work, tasks_dirs=[tasks_dir], examples=EXAMPLES)
    assert result.status == "not started"
    (work / "square.py").write_text("def square_backward(grad, x):\n    return 2 * x\n")
    (result,) = grade_workspace(work, tasks_dirs=[tasks_dir], examples=EXAMPLES)
    assert (result.diagnosis, result.hint) == ("forgot the upstream gradient", "2 x times grad")
    (work / "square.py").write_text("def square_backward(grad, x):\n    return 2 * x * grad\n")
    assert grade_workspace(work, tasks_dirs=[tasks_dir], examples=EXAMPLES)[0].passed


def test_a_task_file_without_a_task_is_refused(tmp_path):
    (tmp_path / "broken.py").write_text("X = 1\n")
    with pytest.raises(ValueError, match="must define TASK"):
        exercise.load_tasks([tmp_path])


def test_the_command_line_grades_through_python_m(tmp_path):
    init_workspace(tmp_path)
    (tmp_path / "relu.py").write_text("def relu_backward(grad, y):\n    return grad * (y > 0)\n")
    (tmp_path / "tanh.py").write_text("def tanh_backward(grad, y):\n    return 1 - y ** 2\n")
    graded = subprocess.run([sys.executable, "-m", "tinygrad_acts", "exercise", "grade",
                             str(tmp_path), "relu", "tanh", "sigmoid", "--examples", "5"],
                            capture_output=True, text=True)
    assert graded.returncode == 1, graded.stderr
    out = graded.stdout
    assert re.search(r"^relu +PASS +runs ok, gradcheck ok, kink ok, sweep ok", out, re.M)
    assert re.search(r"^tanh +FAIL ", out, re.M)
    assert "diagnosis: forgot the upstream gradient" in out and "hint: " in out
    assert re.search(r"^sigmoid +not started$", out, re.M)
    assert "score: 1/3 tasks (1 not started)" in out


def test_the_command_line_exit_status(tmp_path, capsys):
    from tinygrad_acts.__main__ import main
    work = str(tmp_path)
    assert main(["exercise", "init", work, "relu"]) == 0
    assert main(["exercise", "init", work, "relu"]) == 2          # refuses to overwrite
    assert "exists" in capsys.readouterr().err
    assert main(["exercise", "grade", work]) == 1                # not started: not a pass
    (tmp_path / "relu.py").write_text("def relu_backward(grad, y):\n    return grad * (y > 0)\n")
    assert main(["exercise", "grade", work, "--examples", "5"]) == 0
    assert "score: 1/1 tasks" in capsys.readouterr().out
    assert main(["exercise", "grade", work, "nosuchtask"]) == 2
    assert "no task named 'nosuchtask'" in capsys.readouterr().err
    assert main(["exercise", "list"]) == 0
    assert "relu_backward" in capsys.readouterr().out


@pytest.mark.parametrize("order", [
    "{work} --tasks-dir {mine} square relu",      # a task after an option (was refused)
    "--tasks-dir {mine} {work} square relu",
    "{work} square --tasks-dir {mine} relu",
    "{work} square relu --tasks-dir {mine}",
])
def test_the_command_line_takes_options_and_tasks_in_any_order(tmp_path, capsys, order):
    from tinygrad_acts.__main__ import main
    mine, work = tmp_path / "mine", tmp_path / "work"
    mine.mkdir()
    (mine / "square.py").write_text(TEACHER_TASK)
    init_args = order.format(work=work, mine=mine).split()
    assert main(["exercise", "init", *init_args]) == 0
    assert sorted(p.name for p in work.glob("*.py")) == ["relu.py", "square.py"]
    (work / "square.py").write_text("def square_backward(grad, x):\n    return 2 * x * grad\n")
    (work / "relu.py").write_text("def relu_backward(grad, y):\n    return grad * (y > 0)\n")
    capsys.readouterr()
    grade_args = order.format(work=work, mine=mine).split()
    assert main(["exercise", "grade", *grade_args, "--examples", "3"]) == 0
    assert "score: 2/2 tasks" in capsys.readouterr().out
    assert main(["exercise", "grade", str(work), "--examples", "3", "nosuchtask"]) == 2
    assert "no task named 'nosuchtask'" in capsys.readouterr().err
