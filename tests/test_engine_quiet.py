"""``ops.helpers.quiet`` (the decorator every rule that may meet 0, inf or nan runs under)
enters exactly the state ``np.errstate(divide="ignore", invalid="ignore", over="ignore")``
would, from whatever state the caller is in, and leaves the caller's state as it was."""
import warnings

import numpy as np
import pytest

from tinygrad_acts.ops.helpers import QUIET, quiet


@quiet
def _inside(fail: bool = False) -> tuple:
    state = (np.geterr(), np.geterrcall(), np.getbufsize())
    if fail:
        raise KeyError("boom")
    return state


def _expected() -> tuple:
    with np.errstate(**QUIET):
        return np.geterr(), np.geterrcall(), np.getbufsize()


def _log(kind, flag):  # an error callback (for all="call")
    pass


OUTER = [{}, {"all": "raise"}, {"all": "warn", "under": "raise"}, {"all": "ignore"},
         {"divide": "raise", "over": "warn", "invalid": "print"}, {"all": "call", "call": _log}]


@pytest.mark.parametrize("outer", OUTER)
def test_quiet_enters_errstates_quiet_state_and_restores_the_callers(outer):
    with np.errstate(**outer):
        before = np.geterr(), np.geterrcall()
        for _ in range(3):  # the first call computes the state, the next ones reuse it
            assert _inside() == _expected()
            assert (np.geterr(), np.geterrcall()) == before
        with pytest.raises(KeyError):
            _inside(fail=True)
        assert (np.geterr(), np.geterrcall()) == before
        assert _quiet_twice() == _expected()[0]


@quiet
def _quiet_twice() -> dict:
    return _inner()


@quiet
def _inner() -> dict:
    return np.geterr()


def test_a_quiet_rule_warns_nothing_and_an_outer_raise_still_raises():
    @quiet
    def rule(x):
        return np.log(x), 1.0 / x, np.exp(-x * 1000)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            log, inv, big = rule(np.array([0.0, -1.0]))
            with pytest.raises(FloatingPointError):
                np.log(np.array([0.0]))
    assert np.isneginf(log[0]) and np.isnan(log[1]) and np.isinf(inv[0]) and np.isinf(big[1])


def test_seterr_changes_are_seen_by_later_calls():
    old = np.seterr(under="raise")
    try:
        assert _inside()[0]["under"] == "raise"
        np.seterr(under="warn")
        assert _inside()[0]["under"] == "warn"
    finally:
        np.seterr(**old)
    assert _inside() == _expected()
