"""Differential fuzzing of the functional API's *argument space* against PyTorch.

``tests/torchdiff.py`` writes random programs over the op table, each row with fixed
parameters. This harness fuzzes the other axis: for each ``F.*`` / ``ta.*`` function it draws
arguments from torch's signature (stride, padding, dilation, groups, ceil_mode, reduction,
weight, ignore_index, label_smoothing, dim / keepdim, dtype=, negative dims, empty and 0-d
inputs, int and bool inputs, broadcastable shapes, and invalid values on purpose) and runs
the same call in both libraries on the same float64 (sometimes float32) data.

``FUNCS`` is the table: one entry per function, a small generator ``gen(g) -> Call`` that
draws from a ``Draw`` (``g.t(2, 3)`` is a float leaf that requires grad, ``g.kw(...)``
picks keyword arguments, valid ones mostly and invalid ones now and then). A new function
is one line there.

A case becomes a ``torchdiff.Program`` of a few steps, so everything torchdiff compares is
compared after each of them (raise versus raise; every named value's Python type, shape,
dtype, values at rtol 1e-10 in float64, ``requires_grad``, ``is_leaf``, aliasing, which
catches in-place changes of the inputs and ``out=``):

1. the leaves (``x0 = $lib.tensor(np.array(...).reshape(...), requires_grad=True)``);
2. the call, ``out = F.conv2d(x0, x1, stride=2)``;
3. the gradient of every leaf that requires grad, ``g = $grad((out * c).sum(), [x0, x1],
   allow_unused=True, create_graph=...)`` with a fixed random cotangent ``c`` per output;
4. for about a third of the cases (``create_graph=True``), the second derivative through
   ``g`` with another fixed cotangent.

``shrink(case)`` drops keyword arguments while the same class of difference remains, so a
report is a minimal reproducer, pasted as Python for both libraries.

Run a campaign by hand::

    python -m tests.torchdiff_functional 0 50            # seeds 0..49, every function
    python -m tests.torchdiff_functional 0 200 F.conv2d  # one function
"""
from __future__ import annotations

import math
import re
import sys
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from tests import torchdiff as td

# --- what a generator draws -----------------------------------------------------------------


class Ref(str):
    """A name in the program (a leaf), written bare."""


@dataclass(frozen=True)
class D:
    """A dtype argument, written ``$lib.<name>`` (``D("float32")``)."""

    name: str


def render(v: Any) -> str:
    """Python source for an argument value (the same for both libraries, ``$lib`` aside)."""
    if isinstance(v, Ref):
        return str(v)
    if isinstance(v, D):
        return f"$lib.{v.name}"
    if isinstance(v, tuple):
        return "(" + ", ".join(map(render, v)) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(map(render, v)) + "]"
    if isinstance(v, float) and not math.isfinite(v):
        return "math.nan" if math.isnan(v) else "math.inf" if v > 0 else "-math.inf"
    return repr(v)


@dataclass
class Call:
    """``fn(*args, **kwargs)``: ``fn`` a template (``F.conv2d``, ``$lib.sum``)."""

    fn: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def text(self) -> str:
        parts = [render(a) for a in self.args]
        parts += [f"{k}={render(v)}" for k, v in self.kwargs.items()]
        return f"{self.fn}({', '.join(parts)})"


@dataclass
class Leaf:
    name: str
    array: np.ndarray
    requires_grad: bool

    def step(self) -> td.Step:
        grad = ", requires_grad=True" if self.requires_grad else ""
        shape = render(tuple(self.array.shape))
        code = (f"{self.name} = $lib.tensor(np.array({td.literal(self.array)}, "
                f"dtype='{self.array.dtype.name}').reshape({shape}){grad})")
        return td.Step(code, "leaf", td.desc(self.array))


class Draw:
    """The random source of one case: leaves, choices and keyword arguments."""

    def __init__(self, name: str, seed: int, dtype: str = "") -> None:
        self.rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        self.dtype = dtype or ("float32" if self.rng.random() < 0.2 else "float64")
        self.leaves: list[Leaf] = []
        self.bad = 0.08    # the chance that a keyword argument takes an invalid value

    # leaves
    def _leaf(self, array: np.ndarray, grad: bool) -> Ref:
        name = f"x{len(self.leaves)}"
        self.leaves.append(Leaf(name, array, grad))
        return Ref(name)

    def t(self, *shape: int, grad: bool = True, lo: float = -2.0, hi: float = 2.0,
          dtype: str = "") -> Ref:
        """A float leaf of ``shape`` (uniform in [lo, hi): no ties, no kinks)."""
        a = self.rng.uniform(lo, hi, shape).astype(dtype or self.dtype)
        return self._leaf(a, grad)

    def long(self, shape: tuple, hi: int, lo: int = 0) -> Ref:
        return self._leaf(self.rng.integers(lo, max(hi, lo + 1), shape).astype(np.int64), False)

    def mask(self, shape: tuple) -> Ref:
        return self._leaf(self.rng.random(shape) < 0.5, False)

    def signs(self, shape: tuple) -> Ref:
        """A float target of +-1 (the margin losses')."""
        return self._leaf(np.where(self.rng.random(shape) < 0.5, -1.0, 1.0).astype(self.dtype),
                          False)

    def any_t(self, shape: tuple, kinds: str = "fffib") -> Ref:
        """A leaf of any dtype kind (f float, i int64, b bool)."""
        kind = self.pick(*kinds)
        if kind == "i":
            return self._leaf(self.rng.integers(-3, 4, shape).astype(np.int64), False)
        if kind == "b":
            return self.mask(shape)
        return self.t(*shape)

    # choices
    def pick(self, *options: Any) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def size(self, lo: int = 1, hi: int = 4) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def shape(self, lo: int = 0, hi: int = 3, empty: float = 0.08) -> tuple:
        """A shape of ``lo..hi`` dims of 1..4 (a dim of 0 with probability ``empty``)."""
        return tuple(0 if self.chance(empty) else self.size() for _ in range(self.size(lo, hi)))

    def dim(self, ndim: int, bad: bool = True) -> int:
        """A dim of an ``ndim``-d tensor, negative half the time; now and then one out of
        range."""
        n = max(ndim, 1)
        if bad and self.chance(self.bad):
            return self.pick(n, -n - 1)
        d = int(self.rng.integers(n))
        return d - n if self.chance(0.5) else d

    def kw(self, bad: dict | None = None, often: float = 0.6, **options: tuple) -> dict:
        """Keyword arguments: each of ``options`` (name -> the valid values) is passed with
        probability ``often``; with probability ``self.bad`` one from ``bad[name]``
        instead."""
        out = {}
        for name, values in options.items():
            if bad and name in bad and self.chance(self.bad):
                out[name] = self.pick(*bad[name])
            elif self.chance(often):
                out[name] = self.pick(*values)
        return out

    def call(self, fn: str, *args: Any, **kwargs: Any) -> Call:
        return Call(fn, args, kwargs)


Gen = Callable[[Draw], Call]

# --- the table: one generator per function --------------------------------------------------

REDUCTIONS = ("mean", "sum", "none")
BAD_REDUCTION = {"reduction": ("avg", "Mean")}
F64, F32 = D("float64"), D("float32")


def _batch(g: Draw, channels: int, spatial: tuple) -> Ref:
    """(N, C, *spatial), or unbatched (C, *spatial) now and then."""
    shape = (channels, *spatial) if g.chance(0.15) else (g.size(1, 2), channels, *spatial)
    return g.t(*shape)


def conv(g: Draw, nd: int) -> Call:
    groups = g.pick(1, 1, 2)
    cin, cout = groups * g.size(1, 2), groups * g.size(1, 2)
    kernel = tuple(g.size(1, 3) for _ in range(nd))
    x = _batch(g, cin, tuple(g.size(3, 6) for _ in range(nd)))
    w = g.t(cout, cin // groups, *kernel)
    b = g.t(cout) if g.chance(0.5) else None
    tup = tuple(g.size(1, 2) for _ in range(nd))
    kw = g.kw(stride=(1, 2, tup), padding=(0, 1, "same", "valid", tup),
              dilation=(1, 2, tup), bad={"stride": (0, -1), "padding": (-1, "full"),
                                         "dilation": (0,)})
    if groups > 1 or g.chance(g.bad):
        kw["groups"] = g.pick(groups, groups, 3, 0)
    return g.call(f"F.conv{nd}d", x, w, b, **kw)


def conv_transpose(g: Draw, nd: int) -> Call:
    groups = g.pick(1, 1, 2)
    cin, cout = groups * g.size(1, 2), groups * g.size(1, 2)
    x = _batch(g, cin, tuple(g.size(2, 4) for _ in range(nd)))
    w = g.t(cin, cout // groups, *(g.size(1, 3) for _ in range(nd)))
    b = g.t(cout) if g.chance(0.5) else None
    stride = g.pick(1, 2, 3)
    kw = g.kw(padding=(0, 1), output_padding=(0, 1), dilation=(1, 2),
              bad={"padding": (-1,), "output_padding": (3, -1)})
    if groups > 1:
        kw["groups"] = groups
    return g.call(f"F.conv_transpose{nd}d", x, w, b, stride=stride, **kw)


def max_pool(g: Draw, nd: int) -> Call:
    x = _batch(g, g.size(1, 2), tuple(g.size(3, 6) for _ in range(nd)))
    k = g.pick(1, 2, 3, tuple(g.size(1, 3) for _ in range(nd)))
    kw = g.kw(stride=(None, 1, 2), padding=(0, 1), dilation=(1, 2),
              ceil_mode=(False, True), return_indices=(False, True),
              bad={"padding": (2, -1), "stride": (0,), "dilation": (0,)})
    if kw.get("padding") == 1 and k == 1:
        kw["padding"] = 0
    return g.call(f"F.max_pool{nd}d", x, k, **kw)


def avg_pool(g: Draw, nd: int) -> Call:
    x = _batch(g, g.size(1, 2), tuple(g.size(3, 6) for _ in range(nd)))
    k = g.pick(1, 2, 3, tuple(g.size(2, 3) for _ in range(nd)))
    extra = {"divisor_override": (None, 3)} if nd > 1 else {}
    kw = g.kw(stride=(None, 1, 2), padding=(0, 1), ceil_mode=(False, True),
              count_include_pad=(True, False), **extra,
              bad={"padding": (2,), "stride": (0,), "divisor_override": (0,)})
    if k == 1 and kw.get("padding"):
        kw["padding"] = 0
    return g.call(f"F.avg_pool{nd}d", x, k, **kw)


def adaptive(g: Draw, nd: int, kind: str) -> Call:
    x = _batch(g, g.size(1, 2), tuple(g.size(2, 7) for _ in range(nd)))
    size = g.pick(1, 2, 3, 5) if nd == 1 else g.pick(1, 3, (2, 3), (None, 2), (4, 1))
    if g.chance(g.bad):
        size = g.pick(0, -1, (1, 2, 3))
    kw = g.kw(return_indices=(False, True)) if kind == "max" else {}
    return g.call(f"F.adaptive_{kind}_pool{nd}d", x, size, **kw)


_MODES = {3: ("nearest", "nearest-exact", "linear", "area"),
          4: ("nearest", "nearest-exact", "bilinear", "bicubic", "area"),
          5: ("nearest", "nearest-exact", "trilinear", "area")}


def interpolate(g: Draw) -> Call:
    nd = g.pick(1, 2, 3)
    x = _batch(g, g.size(1, 2), tuple(g.size(2, 4) for _ in range(nd)))
    mode = g.pick(*_MODES[nd + 2]) if not g.chance(g.bad) else g.pick("linear", "cubic")
    kw: dict = {"mode": mode}
    if g.chance(0.5):
        kw["size"] = g.pick(g.size(1, 6), tuple(g.size(1, 6) for _ in range(nd)))
    else:
        kw["scale_factor"] = g.pick(2, 0.5, 1.7, 2.5, tuple(g.pick(2.0, 0.6, 1.5)
                                                             for _ in range(nd)))
        if g.chance(0.4):
            kw["recompute_scale_factor"] = g.pick(True, False)
    if mode in ("linear", "bilinear", "bicubic", "trilinear") or g.chance(g.bad):
        kw.update(g.kw(align_corners=(True, False)))
    if g.chance(g.bad):
        kw["size"], kw["scale_factor"] = 2, 2.0
    return g.call("F.interpolate", x, **kw)


def pad(g: Draw) -> Call:
    mode = g.pick("constant", "constant", "reflect", "replicate", "circular")
    nd = g.pick(1, 2, 3)
    x = g.t(*(g.size(1, 2) for _ in range(g.pick(1, 2))), *(g.size(2, 4) for _ in range(nd)))
    lo = -1 if mode == "constant" else 0
    pads = tuple(int(g.rng.integers(lo, 3)) for _ in range(2 * g.size(1, nd)))
    kw = g.kw(value=(0.5, -1.0)) if mode == "constant" else {}
    if mode != "constant" and g.chance(g.bad):
        kw["value"] = 1.0
    return g.call("F.pad", x, pads, mode=mode, **kw)


def unfold(g: Draw) -> Call:
    x = _batch(g, g.size(1, 2), (g.size(2, 5), g.size(2, 5)))
    kw = g.kw(dilation=(1, 2, (1, 2)), padding=(0, 1, (1, 0)), stride=(1, 2, (2, 1)),
              bad={"stride": (0,), "padding": (-1,)})
    return g.call("F.unfold", x, g.pick(1, 2, (2, 1)), **kw)


def fold(g: Draw) -> Call:
    k, out = g.pick((1, 1), (2, 2), (2, 1)), (g.size(2, 4), g.size(2, 4))
    s, p = g.pick(1, 2), g.pick(0, 1)
    blocks = math.prod((o + 2 * p - kk) // s + 1 for o, kk in zip(out, k))
    c = g.size(1, 2)
    lead = () if g.chance(0.15) else (g.size(1, 2),)
    x = g.t(*lead, c * k[0] * k[1], blocks + (1 if g.chance(g.bad) else 0))
    return g.call("F.fold", x, out, k, stride=s, padding=p)


# losses -----------------------------------------------------------------------------------


def _classes(g: Draw, probs: bool = False) -> tuple[Ref, Ref, int, tuple]:
    """Logits (N, C, *d) or (C,), and class-index targets (or probabilities)."""
    c = g.size(2, 4)
    layout = g.pick("nc", "nc", "ncd", "c")
    shape = {"nc": (g.size(1, 3), c), "ncd": (g.size(1, 2), c, g.size(1, 3)), "c": (c,)}[layout]
    x = g.t(*shape)
    tshape = shape[:1] + shape[2:] if layout != "c" else ()
    if probs:
        p = g.rng.dirichlet(np.ones(c), size=int(np.prod(tshape, dtype=int)) or 1)
        p = np.moveaxis(p.reshape(*tshape, c), -1, 1 if layout != "c" else 0)
        return x, g._leaf(p.astype(g.dtype).reshape(shape), False), c, tshape
    return x, g.long(tshape, c + (1 if g.chance(g.bad) else 0)), c, tshape


def class_loss(g: Draw, name: str) -> Call:
    soft = name == "cross_entropy" and g.chance(0.25)
    x, target, c, _ = _classes(g, soft)
    kw = g.kw(reduction=REDUCTIONS, ignore_index=(-100, 0, 1), bad=BAD_REDUCTION)
    if g.chance(0.4):
        kw["weight"] = g.t(c, lo=0.1, grad=g.chance(0.3)) if not g.chance(g.bad) else \
            g.t(c + 1, lo=0.1, grad=False)
    if name == "cross_entropy":
        kw.update(g.kw(label_smoothing=(0.0, 0.1, 0.5), bad={"label_smoothing": (-0.1, 1.5)}))
    if name == "nll_loss":
        x = Ref(f"{x}.log_softmax({1 if len(g.leaves[0].array.shape) > 1 else 0})")
    return g.call(f"F.{name}", x, target, **kw)


def pointwise_loss(g: Draw, name: str, **extra: tuple) -> Call:
    shape = g.shape(0, 3)
    other = shape if not g.chance(g.bad) else (shape + (2,) if shape else (3,))
    x, y = g.t(*shape), g.t(*other, grad=g.chance(0.4))
    kw = g.kw(reduction=REDUCTIONS, bad=BAD_REDUCTION, **extra)
    return g.call(f"F.{name}", x, y, **kw)


def bce(g: Draw, logits: bool) -> Call:
    shape = g.shape(0, 3)
    x = g.t(*shape) if logits else g.t(*shape, lo=0.02, hi=0.98)
    y = g.t(*shape, lo=0.0, hi=1.0, grad=g.chance(0.3))
    kw = g.kw(reduction=REDUCTIONS, bad=BAD_REDUCTION)
    if g.chance(0.4):
        kw["weight"] = g.t(*shape[-1:], lo=0.1, grad=g.chance(0.3))
    if logits and g.chance(0.4):
        kw["pos_weight"] = g.t(*shape[-1:], lo=0.1, grad=g.chance(0.3))
    return g.call(f"F.binary_cross_entropy{'_with_logits' if logits else ''}", x, y, **kw)


def kl_div(g: Draw) -> Call:
    shape = g.shape(1, 3)
    x = Ref(f"{g.t(*shape)}.log_softmax(-1)")
    log_target = g.chance(0.5)
    y = g.t(*shape, grad=g.chance(0.3)) if log_target else g.t(*shape, lo=0.0, hi=1.0,
                                                                grad=g.chance(0.3))
    kw = g.kw(reduction=("mean", "sum", "none", "batchmean"), bad=BAD_REDUCTION)
    return g.call("F.kl_div", x, y, log_target=log_target, **kw)


def pair_loss(g: Draw, name: str, **extra: tuple) -> Call:
    n = g.size(1, 4)
    if name == "margin_ranking_loss":
        args: tuple = (g.t(n), g.t(n), g.signs((n,)))
    elif name == "cosine_embedding_loss":  # (d = 1: cos = +-1, ill-conditioned at eps)
        d = g.size(2, 3)
        args = (g.t(n, d), g.t(n, d), g.signs((n,)))
    else:  # hinge_embedding_loss, soft_margin_loss
        shape = g.shape(0, 2)
        args = (g.t(*shape), g.signs(shape))
    kw = g.kw(reduction=REDUCTIONS, bad=BAD_REDUCTION, **extra)
    return g.call(f"F.{name}", *args, **kw)


def multilabel_soft_margin(g: Draw) -> Call:
    n, c = g.size(1, 3), g.size(1, 4)
    y = g._leaf((g.rng.random((n, c)) < 0.5).astype(g.dtype), False)
    kw = g.kw(reduction=REDUCTIONS, bad=BAD_REDUCTION)
    if g.chance(0.4):
        kw["weight"] = g.t(c, lo=0.1, grad=False)
    return g.call("F.multilabel_soft_margin_loss", g.t(n, c), y, **kw)


def multi_margin(g: Draw) -> Call:
    n, c = g.size(1, 3), g.size(2, 4)
    batched = g.chance(0.8)
    x = g.t(n, c) if batched else g.t(c)
    target = g.long((n,) if batched else (), c + (1 if g.chance(g.bad) else 0))
    kw = g.kw(p=(1, 2), margin=(1.0, 0.5, 2.0), reduction=REDUCTIONS,
              bad={**BAD_REDUCTION, "p": (3,)})
    if g.chance(0.4):
        kw["weight"] = g.t(c, lo=0.1, grad=False)
    return g.call("F.multi_margin_loss", x, target, **kw)


def multilabel_margin(g: Draw) -> Call:
    n, c = g.size(1, 3), g.size(1, 4)
    labels = g.rng.integers(-1, c, (n, c))  # (a -1 ends each row's labels)
    target = g._leaf(labels.astype(np.int64), False)
    kw = g.kw(reduction=REDUCTIONS, bad=BAD_REDUCTION)
    return g.call("F.multilabel_margin_loss", g.t(n, c), target, **kw)


def triplet(g: Draw) -> Call:
    shape = g.pick((g.size(1, 3), g.size(1, 3)), (g.size(1, 3),))
    kw = g.kw(margin=(1.0, 0.5), p=(2.0, 1.0, 3.0), eps=(1e-6, 0.1), swap=(False, True),
              reduction=REDUCTIONS, bad={**BAD_REDUCTION, "p": (0.0,)})
    return g.call("F.triplet_margin_loss", g.t(*shape), g.t(*shape), g.t(*shape), **kw)


# normalisation, embeddings, dropout -------------------------------------------------------


def softmax(g: Draw, name: str) -> Call:
    shape = g.shape(0, 3)
    x = g.any_t(shape, "fffi")
    dtype = g.pick(None, None, F64, F32)
    kw: dict = {"dim": g.dim(len(shape))} if shape or g.chance(0.5) else {}
    if dtype is not None:
        kw["dtype"] = dtype
    return g.call(f"F.{name}", x, **kw)


def normalize(g: Draw) -> Call:
    shape = g.shape(1, 3)
    kw = g.kw(p=(2.0, 1.0, 3.0, math.inf), dim=(g.dim(len(shape)),), eps=(1e-12, 0.5))
    return g.call("F.normalize", g.t(*shape), **kw)


def layer_norm(g: Draw) -> Call:
    shape = (g.size(1, 2), g.size(1, 3), g.size(2, 3))
    norm = shape[-g.pick(1, 2):] if not g.chance(g.bad) else (shape[-1] + 1,)
    w = g.t(*norm) if g.chance(0.6) else None
    b = g.t(*norm) if g.chance(0.6) else None
    return g.call("F.layer_norm", g.t(*shape), norm, w, b, **g.kw(eps=(1e-5, 0.1)))


def group_norm(g: Draw) -> Call:
    groups = g.pick(1, 2)
    c = groups * g.size(1, 2)
    # (one value per group normalises to 0 up to rounding: kept out, it only adds noise)
    spatial = g.pick(1, 2) if c == groups else g.pick(0, 1, 2)
    x = g.t(g.size(1, 2), c, *(g.size(2, 3) for _ in range(spatial)))
    w = g.t(c) if g.chance(0.6) else None
    b = g.t(c) if g.chance(0.6) else None
    bad = g.pick(3, 0) if g.chance(g.bad) else groups
    return g.call("F.group_norm", x, bad, w, b, **g.kw(eps=(1e-5, 0.1)))


def batch_norm(g: Draw) -> Call:
    c = g.size(1, 3)
    x = g.t(g.size(2, 3), c, *(g.size(1, 3) for _ in range(g.pick(0, 1, 2))))
    running = g.chance(0.7)
    mean = g.t(c, grad=False) if running else None
    var = g.t(c, lo=0.5, hi=2.0, grad=False) if running else None
    kw = g.kw(weight=(g.t(c),), bias=(g.t(c),), training=(True, False),
              momentum=(0.1, 0.5), eps=(1e-5, 0.1))
    if not running:
        kw["training"] = True
    return g.call("F.batch_norm", x, mean, var, **kw)


def instance_norm(g: Draw) -> Call:
    c = g.size(1, 3)
    x = g.t(g.size(1, 2), c, *(g.size(2, 3) for _ in range(g.pick(1, 2))))
    kw = g.kw(weight=(g.t(c),), bias=(g.t(c),), momentum=(0.1, 0.5), eps=(1e-5, 0.1))
    if g.chance(0.4):
        kw["running_mean"], kw["running_var"] = g.t(c, grad=False), g.t(c, lo=0.5, grad=False)
        kw.update(g.kw(use_input_stats=(True, False)))
    return g.call("F.instance_norm", x, **kw)


def embedding(g: Draw) -> Call:
    v, d = g.size(2, 5), g.size(1, 3)
    idx = g.long(g.shape(0, 2), v + (1 if g.chance(g.bad) else 0))
    kw = g.kw(padding_idx=(None, 0, -1), max_norm=(None, 1.0), norm_type=(2.0, 1.0),
              scale_grad_by_freq=(False, True), bad={"padding_idx": (v, -v - 1)})
    return g.call("F.embedding", idx, g.t(v, d), **kw)


def one_hot(g: Draw) -> Call:
    n = g.size(1, 4)
    kw = g.kw(num_classes=(-1, n, n + 2), bad={"num_classes": (n - 1,)})
    return g.call("F.one_hot", g.long(g.shape(0, 2), n), **kw)


def dropout(g: Draw, name: str) -> Call:
    dims = {"dropout": g.shape(0, 3), "dropout1d": (g.size(1, 2), g.size(1, 3), g.size(1, 3)),
            "dropout2d": (g.size(1, 2), g.size(1, 3), g.size(1, 3), g.size(1, 3))}[name]
    kw = g.kw(training=(True, False))
    p = g.pick(0.0, 1.0) if kw.get("training", True) else g.pick(0.0, 0.5, 1.0)
    if g.chance(g.bad):
        p = g.pick(-0.1, 1.5)
    return g.call(f"F.{name}", g.t(*dims), p, **kw)


def linear(g: Draw) -> Call:
    i, o = g.size(1, 3), g.size(1, 3)
    x = g.t(*g.shape(0, 2, empty=0.1), i if not g.chance(g.bad) else i + 1)
    matrix = g.chance(0.9)
    w = g.t(o, i) if matrix else g.t(i)
    b = (g.t(o) if matrix else g.t()) if g.chance(0.5) else None
    return g.call("F.linear", x, w, b)


def two(g: Draw, name: str, **extra: tuple) -> Call:
    """cosine_similarity / pairwise_distance: two broadcastable inputs."""
    d = g.size(1, 4)
    a = (g.size(1, 3), d)
    b = g.pick(a, a, (1, d), (d,)) if not g.chance(g.bad) else (a[0], d + 1)
    kw = g.kw(eps=(1e-6, 0.5), **extra)
    return g.call(f"F.{name}", g.t(*a), g.t(*b), **kw)


def cdist(g: Draw) -> Call:
    """ta.cdist: (B?, P, M) against (B?, R, M), now and then with M mismatched."""
    m, batch = g.size(1, 4), g.pick((), (2,))
    b_m = m if not g.chance(g.bad) else m + 1
    return g.call("$lib.cdist", g.t(*batch, g.size(1, 4), m), g.t(*batch, g.size(1, 4), b_m),
                  **g.kw(p=(2.0, 1.0, 0.0, 3.0, math.inf)))


# ta.*: reductions, sorting, indexing, linalg -------------------------------------------------


def reduction(g: Draw, name: str, dims: str = "one", dtype: bool = False,
              kinds: str = "fffib", extra: dict | None = None) -> Call:
    """``ta.<name>(x, dim?, keepdim?, dtype=?)``: ``dims`` is "one" (an int or nothing),
    "many" (an int, a tuple, or nothing), "need" (an int, required)."""
    shape = g.shape(0, 3)
    x = g.any_t(shape, kinds)
    kw: dict = {}
    n = len(shape)
    if dims == "need" or g.chance(0.7):
        if dims == "many" and n >= 2 and g.chance(0.4):
            kw["dim"] = g.pick((0, -1), (0,), ()) if n > 1 else (0,)
        else:
            kw["dim"] = g.dim(n)
        kw.update(g.kw(keepdim=(False, True)) if dims != "need" else {})
    if dtype and g.chance(0.4):
        kw["dtype"] = g.pick(F64, F32, D("int64"), D("int32"))
    kw.update(g.kw(**(extra or {})))
    return g.call(f"$lib.{name}", x, **kw)


def var_like(g: Draw, name: str) -> Call:
    shape = g.shape(0, 3)
    kw = g.kw(dim=(g.dim(len(shape)), None), keepdim=(False, True), correction=(0, 1, 2))
    if "correction" not in kw and g.chance(0.3):
        kw["unbiased"] = g.pick(True, False)
    return g.call(f"$lib.{name}", g.any_t(shape, "ffffi"), **kw)


def norm(g: Draw) -> Call:
    shape = g.shape(1, 3)
    n = len(shape)
    ords = ("fro", 2, 1, math.inf, 0.5, 3) if n != 2 else ("fro", "nuc", 2, 1, math.inf)
    kw = g.kw(p=ords, dim=(g.dim(n, bad=False), None), keepdim=(False, True),
              dtype=(F64, F32))
    return g.call("$lib.norm", g.t(*shape), **kw)


def sort_like(g: Draw, name: str) -> Call:
    shape = g.shape(0, 3)
    n = len(shape)
    x = g.any_t(shape, "fffi")
    if name == "sort":
        kw = g.kw(dim=(g.dim(n),), descending=(False, True), stable=(False, True))
        return g.call("$lib.sort", x, **kw)
    size = shape[-1] if shape else 1
    k = g.pick(1, size, max(size - 1, 0)) if not g.chance(g.bad) else size + 1
    if name == "topk":
        kw = g.kw(dim=(-1, g.dim(n, bad=False)), largest=(True, False), sorted=(True,))
        if "dim" in kw and shape:
            k = min(k, shape[kw["dim"]])
        return g.call("$lib.topk", x, k, **kw)
    return g.call("$lib.kthvalue", x, max(k, 1) if not g.chance(g.bad) else 0,
                  **g.kw(keepdim=(False, True)))


def gather_like(g: Draw, name: str) -> Call:
    shape = (g.size(1, 3), g.size(1, 4))
    dim = g.dim(2)
    d = dim % 2 if -2 <= dim < 2 else 0
    ishape = (shape[0], g.size(1, 3)) if d == 1 else (g.size(1, 3), shape[1])
    index = g.long(ishape, shape[d] + (1 if g.chance(g.bad) else 0))
    x = g.t(*shape)
    if name == "gather":
        return g.call("$lib.gather", x, dim, index)
    if name == "take_along_dim":
        return g.call("$lib.take_along_dim", x, index, dim=dim)
    src = g.t(*ishape)
    if name == "scatter":
        kw = {"src": src} if g.chance(0.6) else {"value": g.pick(1.5, -2.0)}
        return g.call("$lib.scatter", x, dim, index, **kw)
    if name == "scatter_add":
        return g.call("$lib.scatter_add", x, dim, index, src)
    reduce = g.pick("sum", "prod", "mean", "amax", "amin")
    kw = g.kw(include_self=(True, False))
    return g.call("$lib.scatter_reduce", x, dim, index, src, reduce, **kw)


def index_like(g: Draw, name: str) -> Call:
    shape = (g.size(1, 3), g.size(1, 4))
    dim = g.dim(2)
    d = dim % 2 if -2 <= dim < 2 else 0
    k = g.size(1, 3)
    x = g.t(*shape)
    hi = shape[d] + (1 if g.chance(g.bad) else 0)
    if name == "index_copy":  # distinct indices
        k = min(k, shape[d])
        index = g._leaf(g.rng.permutation(hi)[:k].astype(np.int64), False)
    else:
        index = g.long((k,), hi)
    src_shape = (k, shape[1]) if d == 0 else (shape[0], k)
    if name == "index_select":
        return g.call("$lib.index_select", x, dim, index)
    if name == "index_fill":
        return g.call("$lib.index_fill", x, dim, index, g.pick(0.5, -1.0))
    if name == "index_add":
        return g.call("$lib.index_add", x, dim, index, g.t(*src_shape), **g.kw(alpha=(1, 2.5)))
    return g.call("$lib.index_copy", x, dim, index, g.t(*src_shape))


def masked(g: Draw, name: str) -> Call:
    shape = g.shape(0, 3)
    mshape = g.pick(shape, shape[1:], shape) if not g.chance(g.bad) else shape + (2,)
    x, m = g.t(*shape), g.mask(mshape)
    if name == "masked_fill":
        return g.call("$lib.masked_fill", x, m, g.pick(0.5, -math.inf, 2))
    if name == "masked_select":
        return g.call("$lib.masked_select", x, m)
    return g.call("$lib.masked_scatter", x, m, g.t(int(np.prod(shape, dtype=int)) + 1))


def take(g: Draw) -> Call:
    shape = g.shape(0, 3)
    n = int(np.prod(shape, dtype=int))
    return g.call("$lib.take", g.t(*shape), g.long(g.shape(0, 2), n, lo=-n))


def square(g: Draw, name: str, rhs: bool = False) -> Call:
    n = g.size(1, 3)
    batch = g.pick((), (), (2,))
    a = g.rng.uniform(-1, 1, (*batch, n, n)) + 2 * np.eye(n)   # well conditioned
    A = g._leaf(a.astype(g.dtype), True)
    if not rhs:
        return g.call(f"$lib.linalg.{name}", A)
    k = g.size(1, 2)
    left = g.chance(0.7)
    b = g.pick((*batch, n, k), (n, k), (*batch, n)) if left else (*batch, k, n)
    if g.chance(g.bad):
        b = (*batch, n + 1, k)
    return g.call("$lib.linalg.solve", A, g.t(*b), **({} if left else {"left": False}))


def cross(g: Draw, fn: str) -> Call:
    shape = g.pick((3,), (2, 3), (3, 2), (2, 3, 3))
    other = g.pick(shape, shape[1:] or shape) if not g.chance(g.bad) else (4,)
    dims = [i for i, s in enumerate(shape) if s == 3]
    kw = {"dim": g.pick(*dims, dims[0] - len(shape))} if g.chance(0.6) else {}
    return g.call(fn, g.t(*shape), g.t(*other), **kw)


def linalg_norm(g: Draw, name: str) -> Call:
    shape = g.shape(1, 3, empty=0.0) if name != "matrix_norm" else (g.size(), g.size(1, 3),
                                                                       g.size(1, 3))
    n = len(shape)
    if name == "vector_norm":
        kw = g.kw(ord=(2, 1, math.inf, -math.inf, 0, 3.5), dim=(g.dim(n), None),
                  keepdim=(False, True), dtype=(F64,))
    elif name == "matrix_norm":
        kw = g.kw(ord=("fro", "nuc", 1, -1, 2, -2, math.inf), keepdim=(False, True))
    else:
        ords = (None, "fro", 2, 1) if n == 2 else (None, 2, 1, math.inf)
        kw = g.kw(ord=ords, keepdim=(False, True), dtype=(F64,))
    return g.call(f"$lib.linalg.{name}", g.t(*shape), **kw)


def logsumexp(g: Draw) -> Call:
    shape = g.shape(0, 3)
    n = len(shape)
    dim = g.pick(g.dim(n), (0, -1) if n > 1 else 0)
    return g.call("$lib.logsumexp", g.any_t(shape, "fffi"), dim, **g.kw(keepdim=(False, True)))


# nn breadth beyond the basics: bilinear, pdist, the Gaussian and Poisson NLL losses -----------


def bilinear(g: Draw) -> Call:
    i1, i2, o = g.size(1, 3), g.size(1, 3), g.size(1, 3)
    lead = g.pick((g.size(1, 3),), (), (2, g.size(1, 2)))
    w = (o, i1, i2) if not g.chance(g.bad) else (o, i1 + 1, i2)
    args = [g.t(*lead, i1), g.t(*lead, i2), g.t(*w)]
    if g.chance(0.6):
        args.append(g.t(o))
    return g.call("F.bilinear", *args)


def pdist(g: Draw) -> Call:
    # NOTE: uniform draws, so no two rows coincide (torch's gradient there is 0, as ours)
    shape = (g.size(1, 4), g.size(1, 3)) if not g.chance(g.bad) else (g.size(2, 3),)
    return g.call("F.pdist", g.t(*shape), **g.kw(p=(2.0, 1.0, 3.0, 0.5), bad={"p": (-1.0,)}))


def gaussian_nll(g: Draw) -> Call:
    shape = (g.size(1, 3), g.size(1, 3))
    var = g.pick(shape, (shape[0], 1), (shape[0],), (1, shape[1]))
    kw = g.kw(full=(False, True), eps=(1e-6, 0.5), reduction=REDUCTIONS, bad=BAD_REDUCTION)
    return g.call("F.gaussian_nll_loss", g.t(*shape), g.t(*shape, grad=g.chance(0.4)),
                  g.t(*var, lo=0.1, hi=2.0), **kw)


def poisson_nll(g: Draw) -> Call:
    shape = g.shape(1, 3)
    log_input = g.chance(0.6)
    x = g.t(*shape) if log_input else g.t(*shape, lo=0.1, hi=3.0)
    kw = g.kw(full=(False, True), reduction=REDUCTIONS, bad=BAD_REDUCTION)
    return g.call("F.poisson_nll_loss", x, g.t(*shape, lo=0.0, hi=4.0, grad=False),
                  log_input=log_input, **kw)


#: name -> generator. ``F.*`` and ``ta.*`` (written ``$lib.*`` in programs).
FUNCS: dict[str, Gen] = {
    **{f"F.conv{nd}d": (lambda g, nd=nd: conv(g, nd)) for nd in (1, 2, 3)},
    **{f"F.conv_transpose{nd}d": (lambda g, nd=nd: conv_transpose(g, nd)) for nd in (1, 2, 3)},
    **{f"F.max_pool{nd}d": (lambda g, nd=nd: max_pool(g, nd)) for nd in (1, 2, 3)},
    **{f"F.avg_pool{nd}d": (lambda g, nd=nd: avg_pool(g, nd)) for nd in (1, 2, 3)},
    "F.bilinear": bilinear,
    "F.pdist": pdist,
    "F.multi_margin_loss": multi_margin,
    "F.multilabel_margin_loss": multilabel_margin,
    "F.gaussian_nll_loss": gaussian_nll,
    "F.poisson_nll_loss": poisson_nll,
    **{f"F.adaptive_{k}_pool{nd}d": (lambda g, nd=nd, k=k: adaptive(g, nd, k))
       for nd in (1, 2) for k in ("avg", "max")},
    "F.interpolate": interpolate,
    "F.pad": pad,
    "F.unfold": unfold,
    "F.fold": fold,
    "F.cross_entropy": lambda g: class_loss(g, "cross_entropy"),
    "F.nll_loss": lambda g: class_loss(g, "nll_loss"),
    "F.mse_loss": lambda g: pointwise_loss(g, "mse_loss"),
    "F.l1_loss": lambda g: pointwise_loss(g, "l1_loss"),
    "F.smooth_l1_loss": lambda g: pointwise_loss(g, "smooth_l1_loss", beta=(1.0, 0.5, 0.0)),
    "F.huber_loss": lambda g: pointwise_loss(g, "huber_loss", delta=(1.0, 0.3)),
    "F.binary_cross_entropy": lambda g: bce(g, False),
    "F.binary_cross_entropy_with_logits": lambda g: bce(g, True),
    "F.kl_div": kl_div,
    "F.margin_ranking_loss": lambda g: pair_loss(g, "margin_ranking_loss", margin=(0.0, 0.5)),
    "F.cosine_embedding_loss": lambda g: pair_loss(g, "cosine_embedding_loss",
                                                   margin=(0.0, 0.3)),
    "F.hinge_embedding_loss": lambda g: pair_loss(g, "hinge_embedding_loss", margin=(1.0, 0.5)),
    "F.soft_margin_loss": lambda g: pair_loss(g, "soft_margin_loss"),
    "F.multilabel_soft_margin_loss": multilabel_soft_margin,
    "F.triplet_margin_loss": triplet,
    "F.softmax": lambda g: softmax(g, "softmax"),
    "F.log_softmax": lambda g: softmax(g, "log_softmax"),
    "F.softmin": lambda g: softmax(g, "softmin"),
    "F.normalize": normalize,
    "F.layer_norm": layer_norm,
    "F.group_norm": group_norm,
    "F.batch_norm": batch_norm,
    "F.instance_norm": instance_norm,
    "F.embedding": embedding,
    "F.one_hot": one_hot,
    "F.dropout": lambda g: dropout(g, "dropout"),
    "F.dropout1d": lambda g: dropout(g, "dropout1d"),
    "F.dropout2d": lambda g: dropout(g, "dropout2d"),
    "F.linear": linear,
    "F.cosine_similarity": lambda g: two(g, "cosine_similarity", dim=(1, -1)),
    "F.pairwise_distance": lambda g: two(g, "pairwise_distance", p=(2.0, 1.0, 3.0),
                                         keepdim=(False, True)),
    "ta.cdist": cdist,
    "ta.sum": lambda g: reduction(g, "sum", "many", dtype=True),
    "ta.mean": lambda g: reduction(g, "mean", "many", dtype=True),
    "ta.nansum": lambda g: reduction(g, "nansum", "many", dtype=True),
    "ta.prod": lambda g: reduction(g, "prod", dtype=True),
    "ta.std": lambda g: var_like(g, "std"),
    "ta.var": lambda g: var_like(g, "var"),
    "ta.median": lambda g: reduction(g, "median"),
    "ta.nanmedian": lambda g: reduction(g, "nanmedian"),
    "ta.mode": lambda g: reduction(g, "mode", kinds="fii"),
    "ta.logsumexp": logsumexp,
    "ta.cumsum": lambda g: reduction(g, "cumsum", "need", dtype=True),
    "ta.cumprod": lambda g: reduction(g, "cumprod", "need", dtype=True),
    "ta.amax": lambda g: reduction(g, "amax", "many"),
    "ta.argmax": lambda g: reduction(g, "argmax", kinds="ffi"),
    "ta.norm": norm,
    "ta.sort": lambda g: sort_like(g, "sort"),
    "ta.topk": lambda g: sort_like(g, "topk"),
    "ta.kthvalue": lambda g: sort_like(g, "kthvalue"),
    **{f"ta.{n}": (lambda g, n=n: gather_like(g, n)) for n in (
        "gather", "take_along_dim", "scatter", "scatter_add", "scatter_reduce")},
    **{f"ta.{n}": (lambda g, n=n: index_like(g, n)) for n in (
        "index_select", "index_fill", "index_add", "index_copy")},
    **{f"ta.{n}": (lambda g, n=n: masked(g, n)) for n in (
        "masked_fill", "masked_select", "masked_scatter")},
    "ta.take": take,
    "ta.cross": lambda g: cross(g, "$lib.cross"),
    "ta.linalg.cross": lambda g: cross(g, "$lib.linalg.cross"),
    "ta.linalg.det": lambda g: square(g, "det"),
    "ta.linalg.inv": lambda g: square(g, "inv"),
    "ta.linalg.solve": lambda g: square(g, "solve", rhs=True),
    "ta.linalg.norm": lambda g: linalg_norm(g, "norm"),
    "ta.linalg.vector_norm": lambda g: linalg_norm(g, "vector_norm"),
    "ta.linalg.matrix_norm": lambda g: linalg_norm(g, "matrix_norm"),
}

#: torch functions in the scope of this harness that tinygrad_acts does not have yet
#: (tests check each is still missing: when one lands, give it a FUNCS entry).
#: functions torch has no second derivative for (its double backward raises
#: NotImplementedError): no oracle there, so their cases stop at the first derivative
NO_SECOND = {"F.pdist", "F.multi_margin_loss", "F.multilabel_margin_loss"}

MISSING: dict[str, str] = {}

# --- cases: a draw made into a program ------------------------------------------------------


@dataclass
class Case:
    name: str
    seed: int
    leaves: list[Leaf]
    call: Call
    second: bool     # also the second derivative (create_graph=True)
    rng_seed: int

    def program(self) -> td.Program:
        """The case as a torchdiff program: leaves, the call, first and second
        derivatives (their cotangents chosen from torch's results)."""
        text = self.call.text()
        used = [lf for lf in self.leaves if re.search(rf"\b{lf.name}\b", text)]
        sig = ", ".join(f"{k}={render(v)}" for k, v in self.call.kwargs.items())
        steps = [lf.step() for lf in used] + [td.Step(f"out = {text}", self.name, sig)]
        grads = [lf.name for lf in used if lf.requires_grad]
        env = _run_torch(steps)
        if env is None or not grads:
            return td.Program(steps, self.seed, self.name)
        rng = np.random.default_rng(self.rng_seed)
        first = _weighted_sum(env["out"], "out", rng)
        if first:
            steps.append(td.Step(f"g = $grad({first}, [{', '.join(grads)}], allow_unused=True"
                                 f"{', create_graph=True' if self.second else ''})",
                                 self.name + " grad", sig))
            env = _run_torch(steps) if self.second else None
        if env is not None and "g" in env:
            second = _weighted_sum(env["g"], "g", rng)
            if second:
                steps.append(td.Step(f"gg = $grad({second}, [{', '.join(grads)}], "
                                     "allow_unused=True)", self.name + " grad2", sig))
        return td.Program(steps, self.seed, self.name)


def _run_torch(steps: list[td.Step]) -> dict | None:
    """torch's namespace after the steps, or None if one raised."""
    theirs = td.torch_backend()
    env = theirs.namespace()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in steps:
                if td.execute(s.source(theirs), env) is not None:
                    return None
    finally:
        theirs.reset()
    return env


def _differentiable(value: Any, path: str) -> list[tuple[str, Any]]:
    import torch
    if isinstance(value, torch.Tensor):
        return [(path, value)] if value.requires_grad and value.is_floating_point() else []
    if isinstance(value, (tuple, list)):
        return [p for i, v in enumerate(value) for p in _differentiable(v, f"{path}[{i}]")]
    return []


def _weighted_sum(value: Any, path: str, rng: np.random.Generator) -> str:
    """``(out[0] * c0).sum() + ...`` over the differentiable tensors in ``value``, with a
    fixed random cotangent for each (in the tensor's dtype); "" if there are none."""
    terms = []
    for p, t in _differentiable(value, path):
        c = rng.uniform(-1, 1, tuple(t.shape)).astype(str(t.dtype).removeprefix("torch."))
        terms.append(f"({p} * $lib.tensor(np.array({td.literal(c)}, dtype='{c.dtype.name}')"
                     f".reshape({render(tuple(c.shape))}))).sum()")
    return " + ".join(terms)


def make(name: str, seed: int, dtype: str = "") -> Case:
    """The case ``seed`` of function ``name`` (deterministic)."""
    g = Draw(name, seed, dtype)
    call = FUNCS[name](g)
    second = g.chance(0.35) and name not in NO_SECOND
    return Case(name, seed, g.leaves, call, second=second,
                rng_seed=int(g.rng.integers(2**31)))


def check(case: Case) -> td.Difference | None:
    """The first difference between the libraries on ``case``, or None. A gradient of
    zeros here where torch's is None is told apart as kind ``zeros-for-None`` (the engine
    keeps a gradient that read its input, even when its derivative there is 0)."""
    program = case.program()
    diff = td.compare(program)
    if diff is not None and diff.kind == "type" and diff.theirs == "none" \
            and diff.ours.startswith("tensor") and _zeros(program, diff):
        return replace(diff, kind="zeros-for-None")
    return diff


def _zeros(program: td.Program, diff: td.Difference) -> bool:
    """Whether our value at ``diff.where`` (``g[0]``) is all zeros."""
    ours = td.ta_backend()
    env = ours.namespace()
    try:
        for s in program.steps[:diff.step + 1]:
            if td.execute(s.source(ours), env) is not None:
                return False
        return not np.any(eval(diff.where, env).numpy())
    finally:
        ours.reset()


def shrink(case: Case, diff: td.Difference) -> tuple[Case, td.Difference]:
    """Drop keyword arguments (and the second derivative) while the class of difference
    stays: a minimal reproducer."""
    changed = True
    while changed:
        changed = False
        options = [replace(case, call=replace(case.call, kwargs={
            k: v for k, v in case.call.kwargs.items() if k != drop}))
            for drop in case.call.kwargs]
        if case.second:
            options.append(replace(case, second=False))
        for smaller in options:
            d = check(smaller)
            if d is not None and d.cls == diff.cls:
                case, diff, changed = smaller, d, True
                break
    return case, diff


def report(case: Case, diff: td.Difference) -> str:
    return f"{case.name}, seed {case.seed}:\n{diff.report()}"


# --- campaigns ------------------------------------------------------------------------------


@dataclass
class Found:
    """Differences of one class: how many, and the smallest reproducer."""

    count: int
    case: Case
    diff: td.Difference


def campaign(seeds: Iterable[int], names: Iterable[str] | None = None,
             known: Callable[[td.Difference], str | None] | None = None,
             stats: Counter | None = None) -> dict[str, Found]:
    """Run every function (or ``names``) on every seed; differences by class, each shrunk
    once. ``known(diff)`` names a deliberate difference (those are counted in ``stats``,
    not returned)."""
    found: dict[str, Found] = {}
    for name in list(names or FUNCS):
        for seed in seeds:
            case = make(name, seed)
            diff = check(case)
            if stats is not None:
                stats["cases"] += 1
            if diff is None:
                continue
            why = known(diff) if known else None
            if why:
                if stats is not None:
                    stats[f"known: {why}"] += 1
                continue
            if diff.cls in found:
                found[diff.cls].count += 1
                continue
            case, diff = shrink(case, diff)
            found[diff.cls] = Found(1, case, diff)
    return found


def main(argv: list[str]) -> None:
    lo, hi = int(argv[0]) if argv else 0, int(argv[1]) if len(argv) > 1 else 20
    names = argv[2:] or None
    stats: Counter = Counter()
    found = campaign(range(lo, hi), names, stats=stats)
    for cls, f in sorted(found.items(), key=lambda kv: -kv[1].count):
        print(f"=== {cls}: {f.count} case(s)\n{report(f.case, f.diff)}")
    print(f"{stats['cases']} cases, {len(found)} classes of difference")


if __name__ == "__main__":
    main(sys.argv[1:])
