"""The op table's row type, ``OPS`` itself, and ``row()`` to add one.

Each family file under ops/ ends with the rows of its ops (``row(...)`` calls), so an
op, its rule and its row sit together; ``ops/table.py`` holds the rows of the first
families. The generic gradient tests, the program fuzzer, the mutation lab and the torch
cross-checks iterate over ``OPS``.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Shapes = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class OpSpec:
    """One row of the op table.

    Attributes:
        name: unique row name (``"add"``, ``"sum(dim=1)"``, ``"relu"``).
        node: the Function class whose backward the row exercises.
        fn: the op as a user calls it, on Tensors (one argument per input).
        ref: the same math on float64 ndarrays, written with numpy.
        cases: input shapes to try, one tuple of shapes per case; the first is the default.
        kind: which shapes ``fn`` accepts: ``"elementwise"`` (any one shape),
            ``"broadcast"`` (two shapes that broadcast) or ``"fixed"`` (the cases only).
        domain: per input (the last repeats): ``"real"``, ``"positive"`` (log, sqrt,
            divisors), ``"nonzero"`` (kinks at 0) or ``"unit"`` (probabilities).
        kinks: input values where the derivative jumps; tests keep away from them.
        ties: the gradient depends on ties among inputs (max, maximum, maxout).
        smooth: twice differentiable away from kinks (second derivatives are checked).
        twice: False where torch never implemented the second derivative (hardsigmoid):
            differentiating the create_graph gradient raises, as torch's; the sweeps check
            that it does.
        torch: ``fn`` also runs on torch tensors as written (cross-checked when present).
        differentiable: False for an op whose backward refuses, as PyTorch's does
            (floor division): the sweeps check that it raises instead.
    """

    name: str
    node: type
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    cases: tuple[Shapes, ...]
    kind: str = "fixed"
    domain: tuple[str, ...] = ("real",)
    kinks: tuple[float, ...] = ()
    ties: bool = False
    smooth: bool = True
    twice: bool = True
    torch: bool = False
    differentiable: bool = True

    @property
    def arity(self) -> int:
        return len(self.cases[0])

    def inputs(self, rng: np.random.Generator, case: int = 0) -> list[np.ndarray]:
        """Random float64 inputs for case ``case``, inside each input's domain."""
        return [sample(self.domain[min(i, len(self.domain) - 1)], s, rng)
                for i, s in enumerate(self.cases[case])]


def sample(domain: str, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Values for one input: real in [-2, 2]; positive in [0.5, 2]; nonzero at least 0.1
    from 0; unit in [0.05, 0.95]."""
    if domain == "positive":
        return rng.uniform(0.5, 2, shape)
    if domain == "nonzero":
        return rng.uniform(0.1, 2, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "unit":
        return rng.uniform(0.05, 0.95, shape)
    if domain != "real":
        raise ValueError(f"op table: unknown domain {domain!r}")
    return rng.uniform(-2, 2, shape)


OPS: dict[str, OpSpec] = {}


def add_row(spec: OpSpec, replace: bool = False) -> OpSpec:
    """Add ``spec`` to ``OPS`` (the activation registry calls this for each activation)."""
    old = OPS.get(spec.name)
    # (the same module adding its row again is fine: a module run twice, as doctests do)
    if old is not None and not replace and (old.node.__module__, old.node.__qualname__) != (
            spec.node.__module__, spec.node.__qualname__):
        raise ValueError(f"op table: a row named {spec.name!r} exists already")
    OPS[spec.name] = spec
    return spec


def remove_row(name: str) -> None:
    OPS.pop(name, None)


def lib(x: Any) -> Any:
    """The library tensor ``x`` belongs to (``tinygrad_acts`` or ``torch``), so one row's
    ``fn`` runs on both: ``lambda a, b: lib(a).atan2(a, b)``,
    ``lambda a: lib(a).nn.functional.pad(a, (1, 2))``, ``lambda a: lib(a).linalg.det(a)``."""
    return sys.modules[type(x).__module__.partition(".")[0]]


def row(name: str, node: type, fn: Callable, ref: Callable, *cases: Shapes,
        **kw: Any) -> OpSpec:
    """Add the row ``OpSpec(name, node, fn, ref, cases, **kw)`` to ``OPS``."""
    return add_row(OpSpec(name, node, fn, ref, tuple(cases), **kw))
