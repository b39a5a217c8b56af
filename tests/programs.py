"""Random programs for fuzzing the autograd: a Hypothesis strategy that writes small random
expression graphs, an interpreter that runs them on Tensors, and a gradient check.

A program is a list of inputs (float64 arrays of broadcastable shapes) and a list of steps;
each step applies one op to earlier values (any earlier value, so sub-expressions are
reused and the graph has diamonds). The ops are one table, ``OPS``: the basic ops,
reductions, shape ops and indexing, in-place ops, the losses, and every entry of the
activation registry (so a newly registered activation is fuzzed too).

The program is built while it is evaluated, so each step can be chosen to fit: an operand
that broadcasts, a dimension that exists. A step is dropped if its result is not finite,
grows past ``LIMIT`` or lands within ``MARGIN`` of a kink or a tie (where the derivative
does not exist and finite differences mean nothing). So every program that comes out is
differentiable at its inputs, and the gradient check must pass: any failure is a bug.

``Program.code()`` prints a program as the Python a user would write, to paste into
``tests/test_regressions.py`` once a failure is found.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

import tinygrad_acts as ta
import tinygrad_acts.functional as F

MARGIN = 1e-2          # keep this far from kinks and ties
DOMAIN_MARGIN = 0.1    # keep log / sqrt / 1/x this far from their poles
LIMIT = 1e3            # drop steps whose values grow past this (finite differences lose digits)
MAX_SIZE = 48          # elements per value
EPS = 1e-6             # central-difference step


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
            names = {key: f"v{j}" for key, j in zip("ab", step.args)}
            params = {key: _literal(v) for key, v in step.params.items()}
            lines.append(f"v{len(self.inputs) + k} = " +
                         OPS[step.op].code.format(**names, **params))
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


# --- the op table ------------------------------------------------------------------------------

@dataclass
class Op:
    """``fn(*tensors, **params)``; ``choose(draw, *shapes)`` picks params (None: cannot
    apply); ``margin(*arrays, **params)`` is the distance to the nearest kink or tie."""
    name: str
    arity: int
    fn: Callable
    code: str
    choose: Callable
    margin: Callable | None = None
    pairs: Callable | None = None   # which second operands fit (default: broadcastable)


OPS: dict[str, Op] = {}


def no_params(draw, *shapes):
    return {}


def add_op(name, arity, code, fn, choose=no_params, margin=None, pairs=None):
    OPS[name] = Op(name, arity, fn, code, choose, margin, pairs)


def distance(values, points) -> float:
    values = np.asarray(values, dtype=np.float64)
    if not values.size or not len(points):
        return np.inf
    return float(min(np.abs(values - p).min() for p in points))


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


# binary ops: the second operand broadcasts against the first
add_op("add", 2, "{a} + {b}", lambda a, b: a + b)
add_op("sub", 2, "{a} - {b}", lambda a, b: a - b)
add_op("mul", 2, "{a} * {b}", lambda a, b: a * b)
add_op("div", 2, "{a} / ({b} * {b} + 0.5)", lambda a, b: a / (b * b + 0.5))
add_op("pow", 2, "({a} * {a} + 0.5) ** {b}", lambda a, b: (a * a + 0.5) ** b)
add_op("maximum", 2, "{a}.maximum({b})", lambda a, b: a.maximum(b),
       margin=lambda a, b: float(np.abs(a - b).min()))
add_op("minimum", 2, "ta.minimum({a}, {b})", lambda a, b: ta.minimum(a, b),
       margin=lambda a, b: float(np.abs(a - b).min()))


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

# constants
CONSTANTS = [2.5, -0.5, 3.0]
add_op("scale", 1, "{a} * {c}", lambda a, c: a * c,
       choose=lambda draw, s: {"c": draw(st.sampled_from(CONSTANTS))})
add_op("rsub", 1, "{c} - {a}", lambda a, c: c - a,
       choose=lambda draw, s: {"c": draw(st.sampled_from(CONSTANTS))})
add_op("rdiv", 1, "{c} / ({a} * {a} + 0.5)", lambda a, c: c / (a * a + 0.5),
       choose=lambda draw, s: {"c": draw(st.sampled_from(CONSTANTS))})
add_op("powc", 1, "({a} * {a} + 0.5) ** {p}", lambda a, p: (a * a + 0.5) ** p,
       choose=lambda draw, s: {"p": draw(st.sampled_from([0.5, -1.5, 2.0, 3.0]))})
add_op("square", 1, "{a} ** 2", lambda a: a ** 2)
add_op("rpow", 1, "2.0 ** {a}", lambda a: 2.0 ** a)

# elementwise math
add_op("neg", 1, "-{a}", lambda a: -a)
add_op("exp", 1, "{a}.exp()", lambda a: a.exp())
add_op("expm1", 1, "{a}.expm1()", lambda a: a.expm1())
add_op("erf", 1, "{a}.erf()", lambda a: a.erf())
add_op("log", 1, "{a}.log()", lambda a: a.log(),
       margin=lambda a: float(a.min()) * MARGIN / DOMAIN_MARGIN if a.size else np.inf)
add_op("log1p", 1, "{a}.log1p()", lambda a: a.log1p(),
       margin=lambda a: float(a.min() + 1) * MARGIN / DOMAIN_MARGIN if a.size else np.inf)
add_op("sqrt", 1, "{a}.sqrt()", lambda a: a.sqrt(),
       margin=lambda a: float(a.min()) * MARGIN / DOMAIN_MARGIN if a.size else np.inf)
add_op("abs", 1, "{a}.abs()", lambda a: a.abs(), margin=lambda a: distance(a, [0.0]))
add_op("clamp", 1, "{a}.clamp({lo}, {hi})", lambda a, lo, hi: a.clamp(lo, hi),
       choose=lambda draw, s: {"lo": draw(st.sampled_from([-1.0, -0.3, None])),
                               "hi": draw(st.sampled_from([0.5, 1.2]))},
       margin=lambda a, lo, hi: distance(a, [v for v in (lo, hi) if v is not None]))


# reductions
def choose_dim(draw, s):
    dims = [None] + list(range(-len(s), len(s)))      # None: over everything
    return {"dim": draw(st.sampled_from(dims)), "keepdim": draw(st.booleans())}


def reduce_margin(a, dim, keepdim):
    return tie_gap(a, dim)


add_op("sum", 1, "{a}.sum(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.sum(dim=dim, keepdim=keepdim), choose=choose_dim)
add_op("mean", 1, "{a}.mean(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.mean(dim=dim, keepdim=keepdim), choose=choose_dim)
add_op("max", 1, "{a}.max(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.max(dim=dim, keepdim=keepdim), choose=choose_dim,
       margin=reduce_margin)
add_op("min", 1, "{a}.min(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.min(dim=dim, keepdim=keepdim), choose=choose_dim,
       margin=reduce_margin)
add_op("var", 1, "{a}.var(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.var(dim=dim, keepdim=keepdim), choose=choose_dim)
add_op("std", 1, "{a}.std(dim={dim}, keepdim={keepdim})",
       lambda a, dim, keepdim: a.std(dim=dim, keepdim=keepdim), choose=choose_dim,
       margin=lambda a, dim, keepdim: float(np.var(a, axis=dim, ddof=1).min())
       * MARGIN / DOMAIN_MARGIN if a.size > 1 else np.inf)

# shapes
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
    elif kind == "reverse":
        index = slice(None, None, -1)
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


# activations: every registry entry (elementwise ones shifted so kinks sit away from 0)
SHIFTS = [0.0, 0.3, -0.7]


def activation_op(name: str):
    spec = ta.activations[name]

    def kink_margin(a, shift, params):
        kinks = ta.activations[name].kink_points(**params)
        return distance(a + shift, kinks)

    if spec.elementwise:
        choose = (lambda draw, s: {"shift": draw(st.sampled_from(SHIFTS)),
                                   "params": draw(st.sampled_from(PARAMS.get(name, [{}])))})
        add_op(name, 1, "({a} + {shift})." + name + "(**{params})",
               lambda a, shift, params: ta.activations[name](a + shift, **params),
               choose=choose, margin=kink_margin)
        if spec.inplace_ok:
            add_op(name + "_", 1, "({a} + {shift})." + name + "_(**{params})",
                   lambda a, shift, params: getattr(a + shift, name + "_")(**params),
                   choose=choose, margin=kink_margin)
    elif name in ("softmax", "log_softmax"):
        add_op(name, 1, "{a}." + name + "(dim={dim})",
               lambda a, dim: getattr(a, name)(dim=dim),
               choose=lambda draw, s: {"dim": draw(st.sampled_from(range(-len(s), len(s))))}
               if s else None)
    elif name == "maxout":
        add_op(name, 1, "{a}.maxout({pieces}, dim={dim})",
               lambda a, pieces, dim: a.maxout(pieces, dim=dim),
               choose=choose_maxout, margin=maxout_margin)


PARAMS = {
    "leaky_relu": [{}, {"negative_slope": 0.2}],
    "elu": [{}, {"alpha": 0.5}],
    # NOTE: thresholds below 20 are refused: see test_regressions.py
    "softplus": [{}, {"beta": 2.0}, {"beta": 0.5, "threshold": 25.0}],
    "gelu": [{}, {"approximate": "tanh"}],
    "hardtanh": [{}, {"min_val": -0.5, "max_val": 2.0}],
}


def choose_maxout(draw, s):
    dims = [d for d in range(len(s)) if s[d] % 2 == 0 or s[d] in (3,)]
    if not dims:
        return None
    dim = draw(st.sampled_from(dims))
    return {"pieces": 2 if s[dim] % 2 == 0 else 3, "dim": dim}


def maxout_margin(a, pieces, dim):
    d = dim % a.ndim
    grouped = a.reshape(a.shape[:d] + (a.shape[d] // pieces, pieces) + a.shape[d + 1:])
    s = np.sort(grouped, axis=d + 1)
    return float((np.take(s, -1, d + 1) - np.take(s, -2, d + 1)).min())


def sync_with_registry() -> None:
    """Add table rows for activations registered since (user ones included)."""
    for name in list(ta.activations):
        if name not in OPS:
            activation_op(name)


sync_with_registry()


# losses
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


add_op("cross_entropy", 1, "F.cross_entropy({a}, {labels}, reduction={reduction!r})",
       lambda a, labels, reduction: F.cross_entropy(a, labels, reduction=reduction),
       choose=choose_classes)
add_op("nll_loss", 1, "F.nll_loss({a}.log_softmax(dim=1), {labels}, reduction={reduction!r})",
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
def input_arrays(draw, max_inputs=3):
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
    return arrays


def _quietly(fn: Callable) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"), ta.no_grad():
        warnings.simplefilter("ignore")
        return fn()


def _margin(op: Op, args: list, params: dict) -> float:
    if op.margin is None:
        return np.inf
    return _quietly(lambda: op.margin(*[a.numpy() for a in args], **params))


@st.composite
def programs(draw, max_steps=8, max_inputs=3, ops=None, required=None):
    """Random programs whose gradient exists at their inputs (see the module docstring).

    ``ops`` limits the table; ``required`` names an op every program uses at least once
    (Hypothesis favours the first entries of a list, so a sweep over the table is what
    makes sure that every op is tried).
    """
    sync_with_registry()
    names = [name for name in OPS if ops is None or name in ops]   # "add" first
    inputs = draw(input_arrays(max_inputs))
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
        a = len(values) - 1 - draw(st.integers(0, len(values) - 1))  # recent ones first
        args = [a]
        if op.arity == 2:
            fits = op.pairs or broadcastable
            partners = [j for j in range(len(values)) if fits(values[a].shape, values[j].shape)]
            if not partners:
                continue
            args.append(draw(st.sampled_from(partners)))
        params = op.choose(draw, *[values[j].shape for j in args])
        if params is None:
            continue
        operands = [values[j] for j in args]
        out = _quietly(lambda: op.fn(*operands, **params))
        data = np.asarray(out.numpy(), dtype=np.float64)
        if not 0 < data.size <= MAX_SIZE or not np.isfinite(data).all() or np.abs(
                data).max() > LIMIT or _margin(op, operands, params) < MARGIN:
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
            raise AssertionError("gradient mismatch (atol %.2g, rtol %.2g)\n%s\nprogram:\n%s"
                                 % (atol, rtol, "\n".join(rows[:8]), program.code()))


def check_engine(program: Program, seed: int = 0) -> None:
    """The engine's bookkeeping on a random program: ``ta.grad`` equals what ``backward``
    accumulates; a retained graph gives the same gradient again (no backward rule spoils
    what it saved); backward changes neither the output nor the inputs; and once the graph
    is freed, another backward is refused."""
    xs = [ta.tensor(a, requires_grad=True) for a in program.inputs]
    out = run(program, xs)
    forward = out.numpy().copy()
    weight = np.random.default_rng(seed).standard_normal(out.shape)
    grads = ta.grad(out, xs, grad_outputs=ta.tensor(weight), retain_graph=True,
                    allow_unused=True)
    out.backward(weight, retain_graph=True)
    out.backward(weight)
    for i, (x, g) in enumerate(zip(xs, grads)):
        once = np.zeros(x.shape) if g is None else g.numpy()
        twice = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(twice, 2 * once, rtol=1e-12, atol=1e-300,
                                   err_msg=f"input {i}\nprogram:\n{program.code()}")
        np.testing.assert_array_equal(x.numpy(), program.inputs[i])
    np.testing.assert_array_equal(out.numpy(), forward)
    if out.grad_fn is not None:
        try:
            out.backward(weight)
        except RuntimeError as e:
            assert "second time" in str(e), str(e)
        else:
            raise AssertionError("a backward through a freed graph was not refused\n"
                                 + program.code())


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
