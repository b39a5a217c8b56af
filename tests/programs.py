"""Random programs for fuzzing the autograd: a Hypothesis strategy that writes small random
expression graphs, an interpreter that runs them on Tensors, and a gradient check.

A program is a list of inputs (float64 arrays of broadcastable shapes) and a list of steps;
each step applies one op to earlier values (any earlier value, so sub-expressions are
reused and the graph has diamonds). The fuzzer's ops, ``OPS``, come in two parts:

- one op per row of the op table (``tinygrad_acts.ops.OPS``), named ``"row:<row name>"``:
  a row of kind ``"elementwise"`` applies to any value, ``"broadcast"`` to any pair that
  broadcasts, ``"fixed"`` to values of a case's shapes (the inputs it lacks are fresh
  constants sampled with ``row.inputs``). An input whose domain is not the reals is used
  as it is when it lies inside the domain, or mapped into it (``x * x + 0.5`` for
  positive). The row's ``kinks`` and ``ties`` give the margins. So a new row, or a newly
  registered activation (which adds a row), is fuzzed with no edit here;
- hand-written extras for what a row cannot say: in-place ops, setitem, views and
  indexing chosen per shape, reductions over dims chosen per shape, cat / stack along a
  chosen dim, activations with parameters (groupings read from ``spec.group()``), scalar
  operands on the left, and the losses through ``F.`` with labels drawn per shape.

The program is built while it is evaluated, so each step can be chosen to fit: an operand
that broadcasts, a dimension that exists. A step is dropped if its result is not finite,
grows past ``LIMIT`` or lands within ``MARGIN`` of a kink, a tie or the edge of a domain
(where the derivative does not exist and finite differences mean nothing). So every program
that comes out is differentiable at its inputs, and the gradient check must pass: any
failure is a bug.

``Program.code()`` prints a program as Python (``ops`` is ``tinygrad_acts.ops``), to paste
into ``tests/test_regressions.py`` once a failure is found.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import autograd, ops

MARGIN = 1e-2          # keep this far from kinks and ties
DOMAIN_MARGIN = 0.1    # keep log / sqrt / 1/x this far from their poles
TIE_MARGIN = 1e-3      # keep all pairs of a tie-sensitive row's inputs this far apart
LIMIT = 1e3            # drop steps whose values grow past this (finite differences lose digits)
MAX_SIZE = 48          # elements per value
EPS = 1e-6             # central-difference step
ROW = "row:"           # the fuzzer's name of a table row: ROW + row name

#: Rows the fuzzer leaves out of random programs until the row is fixed (row name -> why).
#: tests/test_fuzz.py checks, strictly, that each still fails.
BROKEN_ROWS: dict[str, str] = {}


# --- programs ------------------------------------------------------------------------------

@dataclass
class Step:
    op: str
    args: tuple
    params: dict = field(default_factory=dict)


@dataclass
class Program:
    inputs: list
    steps: list

    def code(self) -> str:
        """The program as Python, one line per step (v0.. are the inputs)."""
        lines = [f"v{i} = ta.tensor({a.tolist()!r}, dtype=np.float64, requires_grad=True)"
                 for i, a in enumerate(self.inputs)]
        for k, step in enumerate(self.steps):
            op = OPS[step.op]
            names = [f"v{j}" for j in step.args]
            if callable(op.code):
                line = op.code(names, step.params)
            else:
                params = {key: _literal(v) for key, v in step.params.items()}
                line = op.code.format(**dict(zip("ab", names)), **params)
            lines.append(f"v{len(self.inputs) + k} = " + line)
        return "\n".join(lines)


def _literal(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if value is Ellipsis:
        return "..."
    return repr(value)


def run(program: Program, inputs: list) -> ta.Tensor:
    """Evaluate ``program`` on the given input Tensors; returns the last value."""
    values = list(inputs)
    for step in program.steps:
        values.append(OPS[step.op].fn(*[values[j] for j in step.args], **step.params))
    return values[-1]


# --- the fuzzer's ops ---------------------------------------------------------------------

@dataclass
class Op:
    """``fn(*tensors, **params)``; ``choose(draw, *shapes)`` picks params (None: cannot
    apply); ``margin(*arrays, **params)`` is the distance to the nearest kink or tie.

    ``code`` is a format string over ``{a}``, ``{b}`` and the params, or
    ``code(names, params)``. ``pick(draw, shapes)``, when given, chooses the operands too:
    ``(args, params)`` or None. ``row`` / ``activation`` are the table row or registry
    entry the op was made from (so it can follow the table and the registry); ``smooth``
    is False where second derivatives are not checked; ``broken`` says why the op is left
    out of random programs.
    """
    name: str
    arity: int
    fn: Callable
    code: str | Callable
    choose: Callable
    margin: Callable | None = None
    pairs: Callable | None = None   # which second operands fit (default: broadcastable)
    pick: Callable | None = None
    row: Any = None
    activation: Any = None
    smooth: bool = True
    broken: str | None = None


OPS: dict[str, Op] = {}


def no_params(draw, *shapes):
    return {}


def add_op(name, arity, code, fn, choose=no_params, margin=None, pairs=None, **kw):
    OPS[name] = Op(name, arity, fn, code, choose, margin, pairs, **kw)


def distance(values, points) -> float:
    values = np.asarray(values, dtype=np.float64)
    if not values.size or not len(points):
        return np.inf
    return float(min(np.abs(values - p).min() for p in points))


def smallest_spread(x) -> float:
    """The smallest max - min of x along any one axis (std's kink is a constant slice)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 2:
        return np.inf
    return float(min(np.ptp(x, axis=a).min() for a in range(x.ndim) if x.shape[a] > 1))


def tie_gap(x, axis) -> float:
    """Smallest gap between the largest two (and the smallest two) entries along axis."""
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.shape[axis] < 2:
        return np.inf
    s = np.sort(x, axis=axis)
    top = np.take(s, -1, axis) - np.take(s, -2, axis)
    bottom = np.take(s, 1, axis) - np.take(s, 0, axis)
    return float(min(top.min(), bottom.min()))


def pooled_gap(*arrays) -> float:
    """Smallest gap between any two entries of the arrays together (a tie anywhere)."""
    flat = np.sort(np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1)
                                   for a in arrays]))
    return float(np.diff(flat).min()) if flat.size > 1 else np.inf


def group_gap(x, dim: int, k: int) -> float:
    """Smallest gap between the top two of each group of ``k`` along ``dim`` (maxout's)."""
    d = dim % x.ndim
    grouped = x.reshape(x.shape[:d] + (x.shape[d] // k, k) + x.shape[d + 1:])
    s = np.sort(grouped, axis=d + 1)
    return float((np.take(s, -1, d + 1) - np.take(s, -2, d + 1)).min()) if k > 1 else np.inf


# --- one op per row of the op table ---------------------------------------------------------

#: How a program value is brought into an input's domain: the code and the map (on
#: arrays and Tensors alike). "positive" covers "nonzero" too.
DOMAIN_MAPS: dict[str, tuple[str, Callable]] = {
    "positive": ("({v} * {v} + 0.5)", lambda v: v * v + 0.5),
    "nonzero": ("({v} * {v} + 0.5)", lambda v: v * v + 0.5),
    "unit": ("(0.1 + 0.8 / (1 + {v} * {v}))", lambda v: 0.1 + 0.8 / (1 + v * v)),
}


def domain_distance(domain: str, x: np.ndarray) -> float:
    """How far inside its domain ``x`` lies (inf for the reals)."""
    if domain == "real" or not x.size:
        return np.inf
    if domain == "positive":
        return float(x.min())
    if domain == "nonzero":
        return float(np.abs(x).min())
    if domain == "unit":
        return float(min(x.min(), 1 - x.max()))
    raise ValueError(f"fuzzer: unknown domain {domain!r}")


def domain_of(row: ops.OpSpec, i: int) -> str:
    return row.domain[min(i, len(row.domain) - 1)]


def row_args(operands: list, plan: tuple, constant: Callable) -> list:
    """The row's inputs from a step's operands and plan: per input, "" (the next operand
    as it is), a domain name (the next operand mapped into that domain) or an array (a
    constant, passed through ``constant``)."""
    it = iter(operands)
    args = []
    for p in plan:
        if isinstance(p, np.ndarray):
            args.append(constant(p))
        else:
            v = next(it)
            args.append(DOMAIN_MAPS[p][1](v) if p else v)
    return args


def choose_maps(draw, row: ops.OpSpec, slots) -> tuple:
    """For each input slot: mapped into its domain, or (when the value lies inside it)
    as it is; the map comes first, as it always fits."""
    return tuple(draw(st.sampled_from([domain_of(row, i), ""]))
                 if domain_of(row, i) != "real" else "" for i in slots)


def row_op(row: ops.OpSpec) -> None:
    """Add the fuzzer's op for one table row."""
    name = row.name

    def fn(*operands, plan):
        dtype = operands[0].dtype
        args = row_args(list(operands), plan, lambda c: ta.tensor(c.astype(dtype)))
        return ops.OPS[name].fn(*args)

    def code(names, params):
        it = iter(names)
        parts = []
        for p in params["plan"]:
            if isinstance(p, np.ndarray):
                parts.append(f"ta.tensor({_literal(p)})")
            else:
                v = next(it)
                parts.append(DOMAIN_MAPS[p][0].format(v=v) if p else v)
        return f"ops.OPS[{name!r}].fn({', '.join(parts)})"

    def margin(*arrays, plan):
        args = row_args(list(arrays), plan, lambda c: c)
        d = np.inf
        for i, (p, x) in enumerate(zip(plan, args)):
            if isinstance(p, str) and not p:    # used as it is: inside the domain?
                d = min(d, domain_distance(domain_of(row, i), x) * MARGIN / DOMAIN_MARGIN)
            d = min(d, distance(x, row.kinks))
        if row.ties:
            gap = (float(np.abs(args[0] - args[1]).min()) if row.kind == "broadcast"
                   else pooled_gap(*args))
            d = min(d, gap * MARGIN / TIE_MARGIN)
        if row.node.__name__ == "Std":  # sqrt's kink: a slice of zero spread (a cummax's run)
            d = min(d, smallest_spread(args[0]) * MARGIN / TIE_MARGIN)
        return d

    kw: dict[str, Any] = dict(code=code, margin=margin, row=row, smooth=row.smooth and row.twice,
                              broken=BROKEN_ROWS.get(name))
    if row.kind == "elementwise":
        add_op(ROW + name, 1, fn=fn, choose=lambda draw, s: {"plan": choose_maps(draw, row, [0])},
               **kw)
    elif row.kind == "broadcast":
        add_op(ROW + name, 2, fn=fn,
               choose=lambda draw, sa, sb: {"plan": choose_maps(draw, row, [0, 1])}, **kw)
    else:
        add_op(ROW + name, row.arity, fn=fn, choose=no_params,
               pick=lambda draw, shapes: pick_fixed(draw, row, shapes), **kw)


def pick_fixed(draw, row: ops.OpSpec, shapes: list) -> tuple | None:
    """Operands for a row of fixed shapes: a value that has one input's shape in one case
    (recent ones first), then for each other input a value of its shape or a fresh
    constant sampled with ``row.inputs``."""
    fits = [(j, c, i) for j in reversed(range(len(shapes)))
            for c, case in enumerate(row.cases) for i, s in enumerate(case) if s == shapes[j]]
    if not fits:
        return None
    first, c, slot = draw(st.sampled_from(fits))
    seed = draw(st.integers(0, 2**16))
    fresh = row.inputs(np.random.default_rng(seed), c)
    args, plan = [], []
    for i, s in enumerate(row.cases[c]):
        if i == slot:
            j = first
        else:
            same = [j for j in reversed(range(len(shapes))) if shapes[j] == s]
            j = draw(st.sampled_from(same + [None])) if same else None
        if j is None:
            plan.append(fresh[i])
        else:
            args.append(j)
            plan.extend(choose_maps(draw, row, [i]))
    return args, {"plan": tuple(plan)}


def sync_with_registry() -> None:
    """Make ``OPS`` follow the op table and the activation registry: a row or activation
    added since (a user's included) gets its ops, a removed or replaced one loses them."""
    for name, op in list(OPS.items()):
        stale_row = op.row is not None and ops.OPS.get(op.row.name) is not op.row
        stale_activation = (op.activation is not None and
                            ta.activations.get(op.activation.name) is not op.activation)
        if stale_row or stale_activation:
            del OPS[name]
    for row in list(ops.OPS.values()):
        if ROW + row.name not in OPS and row.differentiable:
            row_op(row)
    for spec in list(ta.activations.values()):
        if not any(op.activation is spec for op in OPS.values()):
            activation_op(spec.name)


# the rows first (Hypothesis favours the first ops); not those without a gradient (floor
# division), whose backward refuses, as torch's does: tests/test_ops.py checks that
for _row in list(ops.OPS.values()):
    if _row.differentiable:
        row_op(_row)


# --- extras: what a row cannot say ------------------------------------------------------------

def choose_mask(draw, sa, sb):
    shape = np.broadcast_shapes(sa, sb)
    seed = draw(st.integers(0, 2**16))
    return {"mask": np.random.default_rng(seed).random(shape) > 0.5}


add_op("where", 2, "ta.where({mask}, {a}, {b})", lambda a, b, mask: ta.where(mask, a, b),
       choose=choose_mask)


def matmul_pairs(sa, sb):
    if len(sa) < 1 or len(sb) < 1:
        return False
    inner = sb[-2] if len(sb) >= 2 else sb[0]
    if sa[-1] != inner:
        return False
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return False
    return True


add_op("matmul", 2, "{a} @ {b}", lambda a, b: a @ b, pairs=matmul_pairs)
add_op("gram", 1, "{a} @ {a}.transpose(-1, -2)", lambda a: a @ a.transpose(-1, -2),
       choose=lambda draw, s: {} if len(s) >= 2 else None)


def choose_cat(draw, sa, sb):
    dims = [d for d in range(len(sa)) if sa[:d] + sa[d + 1:] == sb[:d] + sb[d + 1:]]
    return {"dim": draw(st.sampled_from(dims))} if dims and len(sa) == len(sb) else None


add_op("cat", 2, "ta.cat([{a}, {b}], dim={dim})", lambda a, b, dim: ta.cat([a, b], dim=dim),
       choose=choose_cat, pairs=lambda sa, sb: len(sa) == len(sb) and len(sa) > 0)


def choose_stack(draw, sa, sb):
    return {"dim": draw(st.integers(-len(sa) - 1, len(sa)))} if sa == sb else None


add_op("stack", 2, "ta.stack([{a}, {b}], dim={dim})",
       lambda a, b, dim: ta.stack([a, b], dim=dim),
       choose=choose_stack, pairs=lambda sa, sb: sa == sb)


def inplace_mul(a, b):
    c = a.clone()
    c.mul_(b)
    return c


def fits_into(sa, sb):
    try:
        return np.broadcast_shapes(sa, sb) == sa
    except ValueError:
        return False


add_op("mul_", 2, "{a}.clone().mul_({b})", inplace_mul, pairs=fits_into)

# scalar operands the rows do not have: on the left of -, and fractional exponents
CONSTANTS = [2.5, -0.5, 3.0]
add_op("rsub", 1, "{c} - {a}", lambda a, c: c - a,
       choose=lambda draw, s: {"c": draw(st.sampled_from(CONSTANTS))})
add_op("powc", 1, "({a} * {a} + 0.5) ** {p}", lambda a, p: (a * a + 0.5) ** p,
       choose=lambda draw, s: {"p": draw(st.sampled_from([0.5, -1.5, 2.0, 3.0]))})
# clamp with bounds chosen per step, one-sided too
add_op("clamp", 1, "{a}.clamp({lo}, {hi})", lambda a, lo, hi: a.clamp(lo, hi),
       choose=lambda draw, s: {"lo": draw(st.sampled_from([-1.0, -0.3, None])),
                               "hi": draw(st.sampled_from([0.5, 1.2]))},
       margin=lambda a, lo, hi: distance(a, [v for v in (lo, hi) if v is not None]))


# reductions over dims chosen per shape
def choose_dim(draw, s):
    dims = [None] + list(range(-len(s), len(s)))      # None: over everything
    return {"dim": draw(st.sampled_from(dims)), "keepdim": draw(st.booleans())}


def reduce_margin(a, dim, keepdim):
    return tie_gap(a, dim)


add_op("sum", 1, "{a}.sum(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.sum(dim=dim, keepdim=keepdim), choose=choose_dim)
add_op("mean", 1, "{a}.mean(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.mean(dim=dim, keepdim=keepdim), choose=choose_dim)
add_op("max", 1, "{a}.amax(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.amax(dim=dim, keepdim=keepdim), choose=choose_dim,
       margin=reduce_margin)
add_op("min", 1, "{a}.amin(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.amin(dim=dim, keepdim=keepdim), choose=choose_dim,
       margin=reduce_margin)


def choose_one_dim(draw, s):
    if not s:
        return None
    return {"dim": draw(st.integers(-len(s), len(s) - 1)), "keepdim": draw(st.booleans())}


# torch's max(dim) -> (values, indices): the gradient goes to the index returned
add_op("max_values", 1, "{a}.max(dim={dim}, keepdim={keepdim}).values",
       lambda a, dim, keepdim: a.max(dim=dim, keepdim=keepdim).values, choose=choose_one_dim,
       margin=reduce_margin)
add_op("min_values", 1, "{a}.min({dim}, {keepdim})[0]",
       lambda a, dim, keepdim: a.min(dim, keepdim)[0], choose=choose_one_dim,
       margin=reduce_margin)
add_op("var", 1, "{a}.var(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.var(dim=dim, keepdim=keepdim), choose=choose_dim)
add_op("std", 1, "{a}.std(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.std(dim=dim, keepdim=keepdim), choose=choose_dim,
       margin=lambda a, dim, keepdim: float(np.var(a, axis=dim, ddof=1).min())
       * MARGIN / DOMAIN_MARGIN if a.size > 1 else np.inf)

# views and shapes chosen per shape
add_op("flatten", 1, "{a}.reshape(-1)", lambda a: a.reshape(-1))
add_op("reshape_reversed", 1, "{a}.reshape({shape})", lambda a, shape: a.reshape(shape),
       choose=lambda draw, s: {"shape": tuple(reversed(s))})
add_op("transpose", 1, "{a}.T", lambda a: a.T)


def choose_rotation(draw, s):
    # a rotation of the axes: for 3 or more it is not its own inverse, as .T is
    if len(s) < 2:
        return None
    k = draw(st.integers(1, len(s) - 1))
    return {"axes": tuple(range(k, len(s))) + tuple(range(k))}


add_op("permute", 1, "{a}.permute({axes})", lambda a, axes: a.permute(*axes),
       choose=choose_rotation)
add_op("expand", 1, "{a}.expand(2, *{a}.shape)", lambda a: a.expand(2, *a.shape))
add_op("unsqueeze", 1, "{a}.unsqueeze({dim})", lambda a, dim: a.unsqueeze(dim),
       choose=lambda draw, s: {"dim": draw(st.integers(-len(s) - 1, len(s)))})
add_op("squeeze", 1, "{a}.squeeze()", lambda a: a.squeeze())


def choose_index(draw, s):
    if not s:
        return None
    kind = draw(st.sampled_from(["int", "slice", "reverse", "repeat", "mask", "pairs",
                                 "newaxis"]))
    n = s[0]
    if kind == "int":
        index = draw(st.integers(-n, n - 1))
    elif kind == "slice":
        index = (Ellipsis, slice(1, None)) if s[-1] > 1 else slice(0, 1)
    elif kind == "reverse":  # NOTE: as torch, a negative slice step is refused: a list
        index = np.arange(n)[::-1].copy()
    elif kind == "repeat":   # a repeated row: its gradients must accumulate
        rows = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3))
        index = np.array(rows + rows[:1])
    elif kind == "mask":
        seed = draw(st.integers(0, 2**16))
        index = np.random.default_rng(seed).random(s) > 0.4
    elif kind == "pairs" and len(s) >= 2:
        rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
        cols = [draw(st.integers(0, s[1] - 1)) for _ in rows]
        index = (np.array(rows), np.array(cols))
    else:
        index = (None, Ellipsis)
    return {"index": index}


add_op("getitem", 1, "{a}[{index}]", lambda a, index: a[index], choose=choose_index)


def setitem(a, b, index):
    c = a.clone()
    c[index] = b
    return c


def choose_setitem(draw, sa, sb):
    if not sa or sa[0] < 2:
        return None
    index = draw(st.sampled_from([0, slice(0, 1), np.array([1, 0])]))
    target = np.empty(sa)[index].shape
    return {"index": index} if fits_into(target, sb) else None


add_op("setitem", 2, "setitem({a}, {b}, index={index})", setitem, choose=choose_setitem)


# activations with parameters (each entry of the registry that has any, or is not
# elementwise), and in place where the rule allows it (elementwise ones shifted, so kinks
# sit elsewhere); an activation's row covers the plain call
SHIFTS = [0.0, 0.3, -0.7]
PARAMS = {
    "leaky_relu": [{}, {"negative_slope": 0.2}],
    "elu": [{}, {"alpha": 0.5}],
    # NOTE: thresholds below 20 are refused: see test_regressions.py
    "softplus": [{}, {"beta": 2.0}, {"beta": 0.5, "threshold": 25.0}],
    "gelu": [{}, {"approximate": "tanh"}],
    "hardtanh": [{}, {"min_val": -0.5, "max_val": 2.0}],
    "maxout": [{}, {"pieces": 3}],
}


def choose_activation_params(draw, spec, s) -> dict | None:
    """Parameters for one call on a value of shape ``s`` (all of them, so the printed call
    runs as the method too): one of ``PARAMS``, a ``dim`` drawn per shape if the
    activation takes one, and a grouping (``spec.group``) that divides the size along
    its dim."""
    params = {**spec.params, **draw(st.sampled_from(PARAMS.get(spec.name, [{}])))}
    if not spec.elementwise and not s:
        return None
    if "dim" in spec.params:
        params["dim"] = draw(st.integers(-len(s), len(s) - 1))
    group = spec.group(**params)
    if group is not None:
        dim, k = group
        if not -len(s) <= dim < len(s) or s[dim] % k:
            return None
    return params


def activation_margin(spec, a, shift, params) -> float:
    x = a + shift
    d = distance(x, spec.kink_points(**params))
    if spec.ties and x.size > 1:
        group = spec.group(**params)
        d = min(d, group_gap(x, *group) if group is not None
                else pooled_gap(x) * MARGIN / TIE_MARGIN)
    return d


def activation_op(name: str) -> None:
    spec = ta.activations[name]
    kw = dict(activation=spec,
              margin=lambda a, shift, params: activation_margin(spec, a, shift, params))

    def choose(draw, s):
        params = choose_activation_params(draw, spec, s)
        if params is None:
            return None
        shift = draw(st.sampled_from(SHIFTS)) if spec.elementwise else 0.0
        return {"shift": shift, "params": params}

    if spec.params or not spec.elementwise:  # else its row says it all
        add_op(name, 1, "({a} + {shift})." + name + "(**{params})",
               lambda a, shift, params: ta.activations[name](a + shift, **params),
               choose=choose, **kw)
    if spec.inplace_ok:
        add_op(name + "_", 1, "({a} + {shift})." + name + "_(**{params})",
               lambda a, shift, params: getattr(a + shift, name + "_")(**params),
               choose=choose, **kw)


for _name in list(ta.activations):
    activation_op(_name)


# losses through F., with labels and reductions drawn per shape
def seeded(seed, shape, kind):
    rng = np.random.default_rng(seed)
    return rng.random(shape) if kind == "unit" else rng.standard_normal(shape)


def choose_seed(draw, s):
    return {"seed": draw(st.integers(0, 2**16))}


def choose_classes(draw, s):
    if len(s) != 2:
        return None
    labels = draw(st.lists(st.integers(0, s[1] - 1), min_size=s[0], max_size=s[0]))
    return {"labels": np.array(labels), "reduction": draw(st.sampled_from(["mean", "sum"]))}


add_op("cross_entropy", 1, "F.cross_entropy({a}, {labels}, reduction={reduction})",
       lambda a, labels, reduction: F.cross_entropy(a, labels, reduction=reduction),
       choose=choose_classes)
add_op("nll_loss", 1, "F.nll_loss({a}.log_softmax(dim=1), {labels}, reduction={reduction})",
       lambda a, labels, reduction: F.nll_loss(a.log_softmax(dim=1), labels,
                                               reduction=reduction),
       choose=choose_classes)
add_op("mse_loss", 1, "F.mse_loss({a}, seeded({seed}, {a}.shape, 'normal'))",
       lambda a, seed: F.mse_loss(a, seeded(seed, a.shape, "normal")), choose=choose_seed)
add_op("bce_with_logits", 1,
       "F.binary_cross_entropy_with_logits({a}, seeded({seed}, {a}.shape, 'unit'))",
       lambda a, seed: F.binary_cross_entropy_with_logits(a, seeded(seed, a.shape, "unit")),
       choose=choose_seed)


def bce_margin(a, seed):
    p = 1 / (1 + np.exp(-np.clip(a, -50, 50)))
    return float((p * (1 - p)).min()) * 10 if a.size else np.inf


add_op("bce", 1, "F.binary_cross_entropy({a}.sigmoid(), seeded({seed}, {a}.shape, 'unit'))",
       lambda a, seed: F.binary_cross_entropy(a.sigmoid(), seeded(seed, a.shape, "unit")),
       choose=choose_seed, margin=bce_margin)


# --- the strategy --------------------------------------------------------------------------

def broadcastable(sa, sb) -> bool:
    try:
        return int(np.prod(np.broadcast_shapes(sa, sb))) <= MAX_SIZE
    except ValueError:
        return False


@st.composite
def input_arrays(draw, max_inputs=3, fixed=()):
    """1 to ``max_inputs`` arrays of broadcastable shapes; and, for a third of the programs
    (or always, when ``fixed`` holds just one op), the inputs of one case of a row of
    fixed shapes from ``fixed``, sampled in its domains, so that row has operands."""
    # sizes 2 and 3 (size-1 dims come from the broadcasting below): softmax, max and
    # friends have nothing to do along a dimension of size 1
    ndim = draw(st.integers(1, 3) | st.integers(2, 3))   # permutes need 3 dimensions
    base = tuple(draw(st.integers(2, 3)) for _ in range(ndim))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    arrays = []
    for _ in range(draw(st.integers(1, max_inputs))):
        drop = draw(st.integers(0, len(base) - 1))
        shape = tuple(1 if draw(st.booleans()) and draw(st.booleans()) else n
                      for n in base[drop:])
        arrays.append(rng.uniform(-2, 2, shape))
    if fixed and (len(fixed) == 1 or draw(st.integers(0, 2)) == 0):
        row = OPS[draw(st.sampled_from(fixed))].row
        case = draw(st.integers(0, len(row.cases) - 1))
        arrays += row.inputs(rng, case)
    return arrays


def _quietly(fn: Callable) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"), ta.no_grad():
        warnings.simplefilter("ignore")
        return fn()


def _margin(op: Op, args: list, params: dict) -> float:
    if op.margin is None:
        return np.inf
    return _quietly(lambda: op.margin(*[a.numpy() for a in args], **params))


def _operands(draw, op: Op, values: list) -> tuple | None:
    """The operands (indices of earlier values) and params of one step, or None."""
    if op.pick is not None:
        return op.pick(draw, [v.shape for v in values])
    a = len(values) - 1 - draw(st.integers(0, len(values) - 1))  # recent ones first
    args = [a]
    if op.arity == 2:
        fits = op.pairs or broadcastable
        partners = [j for j in range(len(values)) if fits(values[a].shape, values[j].shape)]
        if not partners:
            return None
        args.append(draw(st.sampled_from(partners)))
    params = op.choose(draw, *[values[j].shape for j in args])
    return None if params is None else (args, params)


def _evaluate(op: Op, operands: list, params: dict) -> ta.Tensor | None:
    """The step's value, or None if it is not finite, too large, or too close to a kink,
    a tie or the edge of a domain."""
    out = _quietly(lambda: op.fn(*operands, **params))
    data = np.asarray(out.numpy(), dtype=np.float64)
    if not 0 < data.size <= MAX_SIZE or not np.isfinite(data).all() or np.abs(
            data).max() > LIMIT or _margin(op, operands, params) < MARGIN:
        return None
    return out


@st.composite
def programs(draw, max_steps=8, max_inputs=3, ops=None, required=None):
    """Random programs whose gradient exists at their inputs (see the module docstring).

    ``ops`` limits the table; ``required`` names an op every program uses at least once
    (Hypothesis favours the first entries of a list, so a sweep over the table is what
    makes sure that every op is tried). Broken ops (``Op.broken``) are left out unless
    required.
    """
    sync_with_registry()
    names = [name for name, op in OPS.items()    # the rows first
             if (ops is None or name in ops) and op.broken is None]
    fixed = [required] if required and OPS[required].pick else \
        [name for name in names if OPS[name].pick]
    inputs = draw(input_arrays(max_inputs, tuple(fixed)))
    values = [ta.tensor(a) for a in inputs]
    steps = []
    # about half the programs are long; shrinking still heads for the short ones
    wanted = draw(st.integers(1, max_steps) | st.integers(max(1, max_steps // 2), max_steps))
    force_from = draw(st.integers(0, wanted - 1)) if required else 0
    for _ in range(4 * wanted):      # a dropped step is retried, within reason
        if len(steps) == wanted:
            break
        if required and len(steps) >= force_from and all(s.op != required for s in steps):
            op = OPS[required]       # from step force_from on, until it has been used
        else:
            op = OPS[draw(st.sampled_from(names))]
        picked = _operands(draw, op, values)
        if picked is None:
            continue
        args, params = picked
        out = _evaluate(op, [values[j] for j in args], params)
        if out is None:
            continue
        steps.append(Step(op.name, tuple(args), params))
        values.append(out)
    if required and all(step.op != required for step in steps):
        reject()     # the op never fitted (e.g. it needs a matrix and all were vectors)
    if not steps:   # at least one op: a plain sum
        steps.append(Step("sum", (len(values) - 1,), {"dim": None, "keepdim": False}))
    return Program(inputs, steps)


# --- the check ---------------------------------------------------------------------------

def numeric_gradients(program: Program, weight: np.ndarray) -> list:
    """d(sum(weight * program(inputs)))/d(inputs) by central differences."""
    arrays = [a.copy() for a in program.inputs]

    def f() -> float:
        out = run(program, [ta.tensor(a) for a in arrays]).numpy()
        return float(np.sum(weight * out))

    grads = []
    for x in arrays:
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            old = x[idx]
            x[idx] = old + EPS
            hi = f()
            x[idx] = old - EPS
            lo = f()
            x[idx] = old
            g[idx] = (hi - lo) / (2 * EPS)
        grads.append(g)
    return grads


def check_program(program: Program, seed: int = 0, rtol: float = 1e-5) -> None:
    """Backward must match central differences (and no-grad forward must match)."""
    xs = [ta.tensor(a, requires_grad=True) for a in program.inputs]
    out = run(program, xs)
    with ta.no_grad():
        plain = run(program, [ta.tensor(a) for a in program.inputs])
    np.testing.assert_array_equal(out.numpy(), plain.numpy(),
                                  err_msg="forward differs with and without grad\n" +
                                  program.code())
    weight = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(weight)
    want = numeric_gradients(program, weight)
    # roundoff in f(x + eps) - f(x - eps) is about 1e-16 |f| / eps
    scale = float(np.sum(np.abs(weight * out.numpy())))
    atol = 1e-6 + 1e-8 * scale
    for i, (x, w) in enumerate(zip(xs, want)):
        got = np.zeros_like(w) if x.grad is None else x.grad.numpy()
        assert got.shape == w.shape, (f"gradient of input {i} has shape {got.shape}, the "
                                      f"input {w.shape}\nprogram:\n{program.code()}")
        bad = np.abs(got - w) > atol + rtol * np.abs(w)
        if bad.any():
            rows = [f"  input {i} element {idx}: analytic {got[idx]:.10g}, "
                    f"numeric {w[idx]:.10g}" for idx in zip(*np.nonzero(bad))]
            raise AssertionError(f"gradient mismatch (atol {atol:.2g}, rtol {rtol:.2g})\n"
                                 + "\n".join(rows[:8]) + "\nprogram:\n" + program.code())


def graph_nodes(out: ta.Tensor) -> list:
    """Every Function node ``out`` was computed through."""
    seen: dict[int, Any] = {}
    stack = [out.grad_fn] if out.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack += [p for p in node.parents if isinstance(p, autograd.Function)]
    return list(seen.values())


def check_engine(program: Program, seed: int = 0) -> None:
    """The engine's bookkeeping on a random program: ``ta.grad`` equals what ``backward``
    accumulates; a retained graph gives the same gradient again (no backward rule spoils
    what it saved); backward changes neither the output nor the inputs; and once the graph
    is freed, another backward is refused, unless no node held an array (then, as in
    PyTorch, nothing was freed and the gradient accumulates once more)."""
    xs = [ta.tensor(a, requires_grad=True) for a in program.inputs]
    out = run(program, xs)
    forward = out.numpy().copy()
    weight = np.random.default_rng(seed).standard_normal(out.shape)
    grads = ta.grad(out, xs, grad_outputs=ta.tensor(weight), retain_graph=True,
                    allow_unused=True)
    out.backward(weight, retain_graph=True)
    out.backward(weight)
    once = [np.zeros(x.shape) if g is None else g.numpy() for x, g in zip(xs, grads)]
    for i, x in enumerate(xs):
        twice = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(twice, 2 * once[i], rtol=1e-12, atol=1e-300,
                                   err_msg=f"input {i}\nprogram:\n{program.code()}")
        np.testing.assert_array_equal(x.numpy(), program.inputs[i])
    np.testing.assert_array_equal(out.numpy(), forward)
    if out.grad_fn is None:
        return
    freed = [node.name for node in graph_nodes(out) if node.saved is autograd._FREED]
    try:
        out.backward(weight)
    except RuntimeError as e:
        assert "second time" in str(e), str(e)
        assert freed, f"refused, but no node was freed ({e})\n{program.code()}"
    else:
        assert not freed, ("a backward through a freed graph (" + ", ".join(freed) +
                           ") was not refused\n" + program.code())
        for i, x in enumerate(xs):   # nothing was freed: the gradient accumulates again
            thrice = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
            np.testing.assert_allclose(thrice, 3 * once[i], rtol=1e-12, atol=1e-300,
                                       err_msg=f"input {i}\nprogram:\n{program.code()}")


def check_dtypes(program: Program, dtype=np.float32) -> None:
    """Run in float32: the output and every gradient stay float32 (nothing upcasts)."""
    def go():
        xs = [ta.tensor(a.astype(dtype), requires_grad=True) for a in program.inputs]
        out = run(program, xs)
        out.backward(np.ones(out.shape, dtype))
        return out, xs

    out, xs = _quietly_with_grad(go)
    problems = [f"output is {out.dtype}"] if out.dtype != dtype else []
    problems += [f"gradient of input {i} is {x.grad.dtype}" for i, x in enumerate(xs)
                 if x.grad is not None and x.grad.dtype != dtype]
    assert not problems, "; ".join(problems) + "\nprogram:\n" + program.code()


def _quietly_with_grad(fn: Callable) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn()
