"""The mutation lab: every classic wrong rule is killed by some check or shown equivalent,
and the real rules are back in place afterwards."""
import argparse

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import mutants, ops
from tinygrad_acts.activations import registry


@pytest.fixture(scope="module")
def lab_rows():
    return mutants.run_lab(examples=10)


def test_every_mutant_is_killed_or_equivalent(lab_rows):
    survivors = [(r.target, r.kind) for r in lab_rows if r.outcome == "SURVIVED"]
    assert survivors == []
    assert len(lab_rows) >= 60


def test_the_known_equivalent_mutants_and_no_others(lab_rows):
    equivalent = {(r.target, r.kind) for r in lab_rows if r.outcome == "equivalent"}
    assert equivalent == {("relu", "x used for y"), ("leaky_relu", "x used for y"),
                          ("hardtanh", "x used for y"), ("elu", "kink: >= for >")}
    assert all(r.note for r in lab_rows if r.outcome == "equivalent")


def test_each_issue_mistake_is_in_the_bank(lab_rows):
    kinds = {r.kind for r in lab_rows}
    for kind in ("sign flip", "x used for y", "y used for x", "missing upstream grad",
                 "factor of 2", "no unbroadcast", "gradient to every tie"):
        assert kind in kinds
    targets = {r.target for r in lab_rows}
    assert set(registry) <= targets


def test_tie_and_kink_mutants_need_their_own_property(lab_rows):
    """gradcheck at random points never sees a tie or a kink: the property tests must."""
    by = {(r.target, r.kind): r for r in lab_rows}
    tie = by[("maxout", "gradient to every tie")]
    assert tie.results["gradcheck"][0] == "pass" and tie.results["ties"][0] == "fail"
    kink = by[("relu", "kink: >= for >")]
    assert kink.results["gradcheck"][0] == "pass" and kink.results["kink"][0] == "fail"


def test_broadcast_mutants_are_caught_by_gradcheck_and_shape(lab_rows):
    for op in ("add", "sub", "mul", "div"):
        row = next(r for r in lab_rows if r.target == op)
        assert row.results["gradcheck"][0] in ("fail", "error")
        assert row.results["shape"][0] == "fail"


def test_real_rules_are_restored_after_the_lab(lab_rows):
    from tinygrad_acts.activations import _relu_backward
    assert registry["relu"].backward is _relu_backward
    assert registry["relu"].saves == "output"
    assert "backward" in ops.Add.__dict__ and ops.Add.backward.__qualname__ == "Add.backward"
    x = ta.tensor([[-1.0, 2.0]], dtype=np.float64, requires_grad=True)
    assert ta.gradcheck(lambda t: t.tanh() + t.relu() + t.sigmoid(), x)


def test_rule_is_restored_even_when_the_check_raises():
    spec = registry["tanh"]
    (m,) = [m for m in mutants.mutants_for(mutants.targets(["tanh"])[0])
            if m.kind == "sign flip"]
    with pytest.raises(ZeroDivisionError):
        with m.install():
            assert registry["tanh"] is not spec
            1 / 0
    assert registry["tanh"] is spec


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


def test_equivalence_probe():
    relu = mutants.targets(["relu"])[0]
    tanh = mutants.targets(["tanh"])[0]
    swap = next(m for m in mutants.mutants_for(relu) if m.kind == "x used for y")
    twice = next(m for m in mutants.mutants_for(tanh) if m.kind == "factor of 2")
    assert mutants.is_equivalent(relu, swap)
    assert not mutants.is_equivalent(tanh, twice)


def test_a_weak_check_set_lets_mutants_survive_and_the_command_says_so(capsys):
    args = argparse.Namespace(names=["tanh"], checks=["linear"], examples=5, shrink=False,
                              imports=[], verbose=False, json=False)
    assert mutants.main(args) == 1
    out = capsys.readouterr().out
    assert "SURVIVED: tanh / sign flip" in out


def test_user_activation_gets_the_generic_mutants():
    ta.register_activation("softsign", forward=lambda x: x / (1 + abs(x)),
                           backward=lambda grad, x: grad / (1 + abs(x)) ** 2,
                           saves="input", monotonic=True)
    try:
        rows = mutants.run_lab(["softsign"], examples=5)
    finally:
        ta.unregister_activation("softsign")
    assert [r.kind for r in rows] == ["sign flip", "y used for x", "missing upstream grad",
                                      "factor of 2"]
    assert all(r.outcome == "killed" for r in rows)


def test_command_line_reports_the_score(capsys):
    from tinygrad_acts.__main__ import main
    assert main(["mutants", "relu", "maxout", "add", "--examples", "5"]) == 0
    out = capsys.readouterr().out
    assert "mutation score: 10/10 = 100.0% killed" in out
    assert main(["mutants", "nope"]) == 2


def test_kink_conventions_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = {"relu": torch.relu, "leaky_relu": torch.nn.functional.leaky_relu,
             "hardtanh": torch.nn.functional.hardtanh, "elu": torch.nn.functional.elu}
    for name, fn in cases.items():
        table = mutants.KINK_CONVENTION[name](**registry[name].params)
        x = torch.tensor(list(table), dtype=torch.float64, requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.tolist() == list(table.values()), name
