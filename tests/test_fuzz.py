"""Random-program fuzzing: Hypothesis writes small random expression graphs (basic ops,
every registered activation, broadcasting, reused sub-expressions, reductions, indexing,
in-place ops, losses), and on every one
- backward agrees with central differences (first and second derivatives),
- the engine's bookkeeping holds (``ta.grad`` = ``backward``, a retained graph gives the
  same gradient twice, a freed one is refused, nothing is modified), and
- float32 in gives float32 out, gradients included.

The programs and the checks live in ``tests/programs.py``. CI runs a bounded number of
programs; ``pytest -m slow tests/test_fuzz.py`` runs thousands. Every failure the fuzzer
has found is pinned in ``tests/test_regressions.py``.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_acts as ta
from tests.helpers import check_second_grads
from tests.programs import (OPS, Program, Step, check_dtypes, check_engine,
                            check_program, programs, run,
                            sync_with_registry)

FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=150, **FUZZ)
@given(program=programs(), seed=st.integers(0, 3))
def test_random_programs_have_correct_gradients(program, seed):
    check_program(program, seed)


@pytest.mark.parametrize("op", list(OPS))
@settings(max_examples=12, **FUZZ)
@given(data=st.data())
def test_random_programs_around_every_op(op, data):
    check_program(data.draw(programs(required=op), label="program"), seed=1)


@settings(max_examples=25, **FUZZ)
@given(program=programs(max_steps=5, max_inputs=2))
def test_random_programs_have_correct_second_derivatives(program):
    check_second_grads(lambda *ts: run(program, ts), *program.inputs, atol=1e-4, rtol=1e-3)


@settings(max_examples=60, **FUZZ)
@given(program=programs(), seed=st.integers(0, 3))
def test_random_programs_keep_the_engine_consistent(program, seed):
    check_engine(program, seed)


@settings(max_examples=60, **FUZZ)
@given(program=programs())
def test_random_programs_stay_float32(program):
    check_dtypes(program)


@pytest.mark.slow
@settings(max_examples=2500, **FUZZ)
@given(program=programs(max_steps=12), seed=st.integers(0, 3))
def test_many_random_programs_have_correct_gradients(program, seed):
    check_program(program, seed)


@pytest.mark.slow
@settings(max_examples=400, **FUZZ)
@given(program=programs(max_steps=6, max_inputs=2))
def test_many_random_programs_have_correct_second_derivatives(program):
    check_second_grads(lambda *ts: run(program, ts), *program.inputs, atol=1e-4, rtol=1e-3)


@pytest.mark.slow
@settings(max_examples=1000, **FUZZ)
@given(program=programs(max_steps=12), seed=st.integers(0, 3))
def test_many_random_programs_keep_the_engine_consistent(program, seed):
    check_engine(program, seed)


@pytest.mark.slow
@settings(max_examples=1000, **FUZZ)
@given(program=programs(max_steps=12))
def test_many_random_programs_stay_float32(program):
    check_dtypes(program)


# --- the fuzzer itself -------------------------------------------------------------------

def test_a_newly_registered_activation_is_fuzzed_too():
    ta.register_activation("softsign", forward=lambda x: x / (1 + abs(x)),
                           backward=lambda grad, x: grad / (1 + abs(x)) ** 2, saves="input")
    try:
        sync_with_registry()          # what programs() does before each draw
        assert "softsign" in OPS
        check_program(Program([np.array([0.4, -2.0])],
                              [Step("softsign", (0,), {"shift": 0.0, "params": {}})]))
    finally:
        ta.unregister_activation("softsign")
        OPS.pop("softsign", None)


def test_the_check_catches_a_wrong_gradient():
    """A checker that cannot fail proves nothing: break a rule and it must complain."""
    program = Program([np.array([0.3, -1.2]), np.array([2.0, 0.5])],
                      [Step("mul", (0, 1)), Step("tanh", (2,), {"shift": 0.0, "params": {}})])
    check_program(program)                          # correct as it stands
    spec = ta.activations["tanh"]
    rule = spec.backward
    spec.backward = lambda grad, y: grad * (1 - y)  # a plausible student mistake
    try:
        with pytest.raises(AssertionError, match="gradient mismatch"):
            check_program(program)
    finally:
        spec.backward = rule


def test_a_failing_program_prints_as_code():
    program = Program([np.array([[1.0, 2.0]])],
                      [Step("max", (0,), {"dim": 1, "keepdim": True}),
                       Step("relu", (1,), {"shift": 0.3, "params": {}})])
    assert program.code().splitlines()[1:] == [
        "v1 = v0.max(dim=1, keepdim=True)", "v2 = (v1 + 0.3).relu(**{})"]
