"""Differential tests of every ``nn`` module, optimizer, lr scheduler and ``nn.utils``
function against PyTorch: random constructor arguments and inputs, the same weights, and
everything observable compared (outputs, gradients and second derivatives, buffers after
the forward in train and eval mode, state dicts, repr, dtypes, raise versus raise). The
harness is ``tests/torchdiff_nn.py`` (its docstring says what it draws and compares).

- the tables must cover every class and function (a new module, optimizer or scheduler
  without an entry fails here);
- a fast corpus in every run: ``SEEDS`` seeds of each entry, float64 and float32;
- the harness catches planted bugs (a checker that cannot fail proves nothing);
- ``--runslow``: a campaign of ``TORCHDIFF_NN_SEEDS`` (default 200) seeds of everything;
- ``KNOWN``: the differences that are deliberate, or not in these files (each with its
  reason and where the fix belongs), recognised by a predicate; each must still show on
  its example (when it stops, remove it).

By hand::

    python -m tests.torchdiff_nn 0 50 [Name ...]
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_acts as ta  # noqa: E402

from tests import torchdiff_nn as tn  # noqa: E402 - only with torch installed

pytestmark = pytest.mark.torch

SEEDS = range(6)


@dataclass
class Known:
    """A difference the corpus tolerates: why, how to recognise it, an example that shows
    it (subject, seed, dtype), and the file that owns the fix ("" when deliberate)."""

    reason: str
    match: Callable[[tn.Difference], bool]
    example: tuple[str, int, str]
    owner: str = ""


def _subject(*names: str) -> Callable[[tn.Difference], bool]:
    return lambda d: d.subject.rpartition(" ")[2] in names


KNOWN: dict[str, Known] = {
    "in-place activation with an input-based rule": Known(
        "inplace=True needs an output-based rule (the project's teaching point: the rule "
        "reads only the output, so the input may be overwritten); threshold, hardswish and "
        "the other input-based rules refuse it, where torch runs (docs/guarantees.md)",
        lambda d: d.kind == "we-raise" and "inplace=True needs an output-based rule" in d.ours,
        ("Hardswish", 0, "float64")),
    "output-based activation: an ambiguous parameter": Known(
        "an output-based rule needs the output to determine the input: a negative "
        "leaky_relu slope or elu alpha is refused (docs/guarantees.md)",
        lambda d: d.kind == "we-raise" and "output-based rule" in d.ours
        and "inplace" not in d.ours, ("LeakyReLU", 0, "float64")),
    "StepLR refuses step_size < 1": Known(
        "StepLR(step_size=0) is refused at construction; torch accepts it and fails at the "
        "first step with a ZeroDivisionError (lr_scheduler.StepLR's NOTE)",
        lambda d: d.kind == "we-raise" and "step_size must be >= 1" in d.ours,
        ("StepLR", 8, "float64")),
    "loss modules check reduction when built": Known(
        "a loss module refuses an unknown reduction at construction (tests/test_losses.py "
        "pins it); torch's stores it and raises at the first forward",
        lambda d: d.kind == "we-raise" and d.stage == "construct"
        and "reduction must be" in d.ours, ("SmoothL1Loss", 10, "float64")),
    "EmbeddingBag: indices after the last offset": Known(
        "with include_last_offset, indices after the last offset are in no bag, as "
        "documented; torch's CPU kernels disagree with each other there (float64 folds them "
        "into the last bag, float32 counts them in its mean only) (nn/sparse.py's NOTE)",
        lambda d: d.kind == "value" and _subject("EmbeddingBag")(d)
        and "include_last_offset=True" in d.source, ("EmbeddingBag", 8, "float64")),
    "prelu second derivative at 0": Known(
        "at x = 0 torch's prelu double backward gives 0 for the weight's second derivative, "
        "which contradicts finite differences of its own first derivative; the rule here "
        "takes the negative branch there (docs/guarantees.md)",
        lambda d: d.kind == "value" and _subject("PReLU")(d)
        and d.stage.endswith("double backward"), ("PReLU", 16, "float64"),
        "tinygrad_acts/activations.py (prelu)"),
}


def _known(d: tn.Difference) -> str | None:
    return next((name for name, k in KNOWN.items() if k.match(d)), None)


def _check(found: list[tn.Difference]) -> None:
    unknown = [d for d in found if _known(d) is None]
    assert not unknown, f"{len(unknown)} difference(s) from torch:\n\n" + "\n\n".join(
        d.report() for d in unknown[:5])


# --- the tables cover everything -------------------------------------------------------------


def test_every_nn_module_class_has_an_entry():
    classes = tn.module_classes()
    assert len(classes) > 90
    assert sorted(set(classes) - set(tn.MODULES)) == [], "add an Entry to tn.MODULES"
    assert sorted(set(tn.MODULES) - set(classes)) == [], "an entry for no exported class"


def test_a_new_module_without_an_entry_fails(monkeypatch):
    class Brand(ta.nn.Module):
        pass

    monkeypatch.setattr(ta.nn, "Brand", Brand, raising=False)
    monkeypatch.setattr(ta.nn, "__all__", [*ta.nn.__all__, "Brand"])
    assert "Brand" in set(tn.module_classes()) - set(tn.MODULES)


def test_every_optimizer_scheduler_and_util_has_an_entry():
    assert set(tn.optimizer_classes()) == {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
                                           "Adadelta", "Adamax", "NAdam", "RAdam"}
    for name in tn.scheduler_classes():
        tn.draw_scheduler(name, tn.R(name, 0))  # KeyError for a scheduler with no draw
    uncovered = [n for n in tn.utils_functions()
                 if n not in tn.UTILS and n not in tn.COVERED_BY]
    assert uncovered == []


# --- the fast corpus -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(tn.MODULES))
def test_module_against_torch(name):
    _check([d for s in SEEDS for dt in (np.float64, np.float32)
            if (d := tn.compare_module(name, s, dt))])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam"])
def test_optimizer_against_torch(name):
    _check([d for s in range(12) for dt in (np.float64, np.float32)
            if (d := tn.compare_optimizer(name, s, dt))])


@pytest.mark.parametrize("name", tn.scheduler_classes())
def test_scheduler_against_torch(name):
    _check([d for s in range(12) if (d := tn.compare_scheduler(name, s))])


@pytest.mark.parametrize("name", sorted(tn.UTILS))
def test_nn_utils_against_torch(name):
    _check([d for s in range(12) for dt in (np.float64, np.float32)
            if (d := tn.compare_util(name, s, dt))])


# --- known differences stay real --------------------------------------------------------------


def _example(subject: str, seed: int, dtype: str) -> tn.Difference | None:
    if subject in tn.MODULES:
        return tn.compare_module(subject, seed, dtype)
    if subject in tn.optimizer_classes():
        return tn.compare_optimizer(subject, seed, dtype)
    return tn.compare_scheduler(subject, seed)


@pytest.mark.parametrize("name", list(KNOWN))
def test_each_known_difference_still_shows(name):
    d = _example(*KNOWN[name].example)
    assert d is not None and KNOWN[name].match(d), \
        f"{name!r} no longer differs on its example: remove it from KNOWN"


# --- the harness finds planted bugs ----------------------------------------------------------


def _planted(monkeypatch, target, attr, wrap, compare, names):
    monkeypatch.setattr(target, attr, wrap(getattr(target, attr)))
    return [d for n in names for s in range(4) if (d := compare(n, s, np.float64))]


def test_harness_finds_a_wrong_forward(monkeypatch):
    found = _planted(monkeypatch, ta.nn.Linear, "forward",
                     lambda f: lambda self, x: f(self, x) * 1.000001,
                     tn.compare_module, ["Linear"])
    assert found and found[0].kind == "value" and found[0].where == "output"


def test_harness_finds_a_wrong_gradient(monkeypatch):
    def wrap(f):
        def forward(self, x):
            y = f(self, x)
            return y + (y - y.detach()) * 1e-6  # the same values, a gradient 1e-6 too big
        return forward
    found = _planted(monkeypatch, ta.nn.Tanh, "forward", wrap, tn.compare_module, ["Tanh"])
    assert found and found[0].where.startswith("grad of input")


def test_harness_finds_wrong_running_statistics(monkeypatch):
    def wrap(f):
        def forward(self, x):
            out = f(self, x)
            if self.training and self.running_mean is not None:
                with ta.no_grad():
                    self.running_mean.mul_(1.0001)
            return out
        return forward
    found = _planted(monkeypatch, ta.nn.BatchNorm1d, "forward", wrap, tn.compare_module,
                     ["BatchNorm1d"])
    assert any(d.where.startswith("state after train forward") for d in found)


def test_harness_finds_an_error_we_do_not_raise(monkeypatch):
    found = _planted(monkeypatch, ta.nn.Dropout, "__init__",  # p clamped instead of refused
                     lambda f: lambda self, p=0.5, inplace=False: f(self, min(max(p, 0), 1),
                                                                    inplace),
                     tn.compare_module, ["Dropout"] * 3)
    assert any(d.kind == "we-run" and d.stage == "construct" for d in found)


def test_harness_finds_a_wrong_optimizer_step(monkeypatch):
    from tinygrad_acts.optim import adam

    def wrap(f):
        def update(self, p, grad, group, state):
            f(self, p, grad * 1.0001, group, state)
        return update
    found = _planted(monkeypatch, adam.Adam, "_update", wrap, tn.compare_optimizer, ["Adam"])
    assert found and (found[0].where.startswith("parameters after step")
                      or "exp_avg" in found[0].where)


def test_harness_finds_a_wrong_schedule(monkeypatch):
    from tinygrad_acts.optim import lr_scheduler as L
    monkeypatch.setattr(L.StepLR, "get_lr", lambda self: [g["lr"] * 0.99 for g in
                                                          self.optimizer.param_groups])
    found = [d for s in range(4) if (d := tn.compare_scheduler("StepLR", s))]
    assert found and found[0].kind == "state_dict"


def test_a_reproducer_names_the_case_and_the_replay():
    d = tn.Difference("value", "output", "1", "2", "Linear", 3, "float64",
                      "m = nn.Linear(2, 3)\nm(x)", "train forward")
    text = d.report()
    assert "nn.Linear(2, 3)" in text and "python -m tests.torchdiff_nn 3 4 Linear" in text


# --- the campaign ----------------------------------------------------------------------------


@pytest.mark.slow
def test_campaign_against_torch():
    n = int(os.environ.get("TORCHDIFF_NN_SEEDS", "200"))
    _check(tn.campaign(range(100, 100 + n)))
