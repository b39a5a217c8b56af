"""The mutation lab: every row of the op table is a target, every classic wrong rule is
killed by some check or shown equivalent, and the real rules are back in place afterwards."""
import argparse

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import mutants, ops
from tinygrad_acts.activations import registry
from tinygrad_acts.ops.table import OpSpec

# the mutants that are not mistakes, and why (mutants.WHY_EQUIVALENT says it in full)
KNOWN_EQUIVALENT = {
    ("relu", "x used for y"),        # x > 0 exactly when y > 0
    ("leaky_relu", "x used for y"),  # likewise, for a slope >= 0
    ("hardtanh", "x used for y"),    # clipping never moves a point across the bounds
    ("elu", "kink: wrong side"),     # alpha = 1: slope 1 on both sides of 0
    ("cast", "sign flip"),           # the row casts twice: the two flips cancel
    ("relu6", "x used for y"),       # as hardtanh
    ("softsign", "kink: wrong side"),  # the slope is continuous at 0
    ("celu", "kink: wrong side"),    # slope 1 on both sides
    *{(op, kind) for op in ("floor", "ceil", "trunc", "round")   # a zero gradient
      for kind in ("sign flip", "missing upstream grad", "factor of 2")},
}


def _node_attrs():
    """Each row's node class and the backward / spec it defines itself."""
    return {name: (row.node, row.node.__dict__.get("backward"), row.node.__dict__.get("spec"))
            for name, row in ops.OPS.items()}


@pytest.fixture(scope="module")
def lab():
    before = _node_attrs()
    return mutants.run_lab(examples=10), before


@pytest.fixture(scope="module")
def lab_rows(lab):
    return lab[0]


def _by(rows):
    return {(r.target, r.kind): r for r in rows}


def test_every_row_of_the_table_is_a_target(lab_rows):
    rows = [name for name, row in ops.OPS.items() if row.differentiable]
    assert [t.name for t in mutants.targets()] == rows
    assert {r.target for r in lab_rows} == set(rows)


def test_every_mutant_is_killed_or_equivalent(lab_rows):
    survivors = [(r.target, r.kind) for r in lab_rows if r.outcome == "SURVIVED"]
    assert survivors == []
    assert len(lab_rows) >= 3 * len(mutants.targets())


def test_the_known_equivalent_mutants_and_no_others(lab_rows):
    equivalent = {(r.target, r.kind) for r in lab_rows if r.outcome == "equivalent"}
    assert equivalent == KNOWN_EQUIVALENT
    for r in lab_rows:
        if r.outcome == "equivalent":
            assert r.note == mutants.WHY_EQUIVALENT[(r.target, r.kind)]


def test_each_row_gets_the_mutants_its_metadata_calls_for(lab_rows):
    kinds: dict = {}
    for r in lab_rows:
        kinds.setdefault(r.target, []).append(r.kind)
    for name, row in ops.OPS.items():
        if not row.differentiable:
            continue
        got = kinds[name]
        assert got[:3] == ["sign flip", "missing upstream grad", "factor of 2"], name
        assert ("inputs swapped" in got) == (row.arity >= 2), name
        assert ("no unbroadcast" in got) == (row.kind == "broadcast"), name
        assert ("gradient to every tie" in got) == _tieable(name), name
        spec = getattr(row.node, "spec", None)
        if spec is None:
            assert not {"x used for y", "y used for x", "kink: wrong side"} & set(got), name
            continue
        assert ("x used for y" if spec.saves == "output" else "y used for x") in got, name
        assert ("kink: wrong side" in got) == bool(spec.subgradients()), name
    for name in mutants.CLASSIC:
        assert name in ops.OPS  # the table of one-activation mistakes names real rows
    assert "sum without keepdims" in kinds["softmax"] + kinds["log_softmax"]


def _tieable(name):
    """A row whose gradient depends on ties and whose inputs the lab can tie (inputs of one
    shape, or broadcasting); scatter_reduce's x and src are not (its ties are checked against
    torch in tests/test_ops_selection.py)."""
    row = ops.OPS[name]
    return row.ties and row.differentiable and \
        mutants._tie_shapes(mutants.targets([name])[0]) is not None


def test_tie_and_kink_mutants_need_their_own_property(lab_rows):
    """gradcheck at random points never sees a tie or a kink: the property tests must."""
    tie_rows = [r for r in lab_rows if r.kind == "gradient to every tie"]
    assert {r.target for r in tie_rows} == {n for n in ops.OPS if _tieable(n)}
    for r in tie_rows:
        assert r.results["gradcheck"][0] == "pass" and r.results["ties"][0] == "fail", r.target
    kink_rows = [r for r in lab_rows if r.kind == "kink: wrong side" and r.outcome == "killed"]
    assert {r.target for r in kink_rows} >= {"relu", "leaky_relu", "hardtanh"}
    for r in kink_rows:
        assert r.results["gradcheck"][0] == "pass" and r.results["kink"][0] == "fail", r.target


def test_broadcast_mutants_are_caught_by_gradcheck_and_shape(lab_rows):
    rows = [r for r in lab_rows if r.kind == "no unbroadcast"]
    assert {r.target for r in rows} == {n for n, row in ops.OPS.items()
                                        if row.kind == "broadcast" and row.differentiable}
    for r in rows:
        assert r.results["gradcheck"][0] in ("fail", "error"), r.target
        assert r.results["shape"][0] in ("fail", "error"), r.target


def test_every_row_is_checked_with_the_usual_difference_step(lab_rows):
    assert {r.eps for r in lab_rows} == {1e-6}


def test_real_rules_are_restored_after_the_lab(lab):
    _, before = lab
    assert _node_attrs() == before
    from tinygrad_acts.activations import _relu_backward
    assert registry["relu"].backward is _relu_backward
    assert ops.OPS["relu"].node.spec is registry["relu"]
    assert ops.Add.__dict__["backward"].__qualname__ == "Add.backward"
    assert "backward" not in ops.Minimum.__dict__  # inherited from Maximum, and still so
    x = ta.tensor([[-1.0, 2.0]], dtype=np.float64, requires_grad=True)
    assert ta.gradcheck(lambda t: t.tanh() + t.relu() + t.sigmoid() + t.maximum(t * 0.5), x)


@pytest.mark.parametrize("name", ["tanh", "add", "minimum"])
def test_rule_is_restored_even_when_the_check_raises(name):
    before = _node_attrs()[name]
    (m,) = [m for m in mutants.mutants_for(mutants.targets([name])[0])
            if m.kind == "sign flip"]
    with pytest.raises(ZeroDivisionError), m.install():
        assert _node_attrs()[name] != before
        1 / 0
    assert _node_attrs()[name] == before


def test_mutant_changes_every_route_to_the_activation():
    (m,) = [m for m in mutants.mutants_for(mutants.targets(["sigmoid"])[0])
            if m.kind == "factor of 2"]
    x = ta.tensor([0.0], requires_grad=True)
    with m.install():
        ta.nn.Sigmoid()(x).sum().backward()
        assert x.grad.item() == pytest.approx(0.5)
        x.grad = None
        ta.functional.sigmoid(x).sum().backward()
        assert x.grad.item() == pytest.approx(0.5)
        x.grad = None
        registry["sigmoid"](x).sum().backward()
        assert x.grad.item() == pytest.approx(0.5)


def test_equivalence_probe():
    relu = mutants.targets(["relu"])[0]
    tanh = mutants.targets(["tanh"])[0]
    swap = next(m for m in mutants.mutants_for(relu) if m.kind == "x used for y")
    twice = next(m for m in mutants.mutants_for(tanh) if m.kind == "factor of 2")
    assert mutants.is_equivalent(relu, swap)
    assert not mutants.is_equivalent(tanh, twice)


def test_probe_and_check_inputs_stay_in_the_domain():
    log = mutants.targets(["log"])[0]
    for arrays in mutants._probe_inputs(log):
        assert all(np.all(a > 0) for a in arrays)
    assert np.all(log.inputs(np.random.default_rng(0))[0] > 0)


def test_a_weak_check_set_lets_mutants_survive_and_the_command_says_so(capsys):
    args = argparse.Namespace(names=["tanh"], checks=["linear"], examples=5, shrink=False,
                              imports=[], verbose=False, json=False)
    assert mutants.main(args) == 1
    out = capsys.readouterr().out
    assert "SURVIVED: tanh / sign flip" in out


def test_user_activation_gets_the_generic_mutants():
    ta.register_activation("my_softsign", forward=lambda x: x / (1 + abs(x)),
                           backward=lambda grad, x: grad / (1 + abs(x)) ** 2,
                           saves="input", monotonic=True)
    try:
        rows = mutants.run_lab(["my_softsign"], examples=5)
    finally:
        ta.unregister_activation("my_softsign")
    assert [r.kind for r in rows] == ["sign flip", "missing upstream grad", "factor of 2",
                                      "y used for x"]
    assert all(r.outcome == "killed" for r in rows)


def test_a_new_row_in_the_table_is_covered_with_no_edit():
    ops.add_row(OpSpec("x * x - x", ops.Mul, lambda a: a * a - a, lambda a: a * a - a,
                       (((3, 4),), ((),)), kind="elementwise"))
    try:
        rows = mutants.run_lab(["x * x - x"], examples=5)
    finally:
        ops.remove_row("x * x - x")
    assert [r.kind for r in rows] == ["sign flip", "missing upstream grad", "factor of 2"]
    assert all(r.outcome == "killed" for r in rows)


def test_command_line_reports_the_score(capsys):
    from tinygrad_acts.__main__ import main
    assert main(["mutants", "relu", "maxout", "add", "--examples", "5"]) == 0
    out = capsys.readouterr().out
    assert "mutation score: 14/14 = 100.0% killed (15 mutants, 1 equivalent" in out
    assert main(["mutants", "nope"]) == 2
    assert "no row named 'nope'" in capsys.readouterr().out


def test_kink_conventions_match_pytorch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    cases = {"relu": torch.relu, "leaky_relu": tF.leaky_relu, "hardtanh": tF.hardtanh,
             "elu": tF.elu, "relu6": tF.relu6, "hardsigmoid": tF.hardsigmoid,
             "softsign": tF.softsign, "selu": tF.selu, "celu": tF.celu,
             "softshrink": tF.softshrink, "hardshrink": tF.hardshrink,
             "hardswish": tF.hardswish, "threshold": lambda x: tF.threshold(x, 0.1, 20.0)}
    declared = {name for name, spec in registry.items() if spec.subgradients()}
    assert declared == set(cases)
    for name, fn in cases.items():
        table = registry[name].subgradients()
        x = torch.tensor(list(table), dtype=torch.float64, requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.tolist() == list(table.values()), name
