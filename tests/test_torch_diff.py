"""Differential tests against PyTorch: the same programs run in tinygrad_acts and in torch on
the same inputs, and everything observable is compared after every step (values, shapes,
dtypes, gradients and second derivatives, requires_grad / is_leaf, raise versus raise).
The harness is ``tests/torchdiff.py`` (its docstring says what it generates and compares).

- a curated corpus in every run: fixed seeds of generated programs, hand-written programs
  for each class of behaviour, and a dtype-promotion sweep of every binary op over every
  pair of operand kinds;
- ``--runslow``: a campaign of ``TORCHDIFF_PROGRAMS`` (default 20000) generated programs,
  and the harness against every mutant of the mutation lab;
- ``KNOWN_DIFFERENCES``: the deliberate differences (docs/guarantees.md), each with how to
  recognise it; a program that hits one is an expected failure, and each still has to
  differ (when it stops, remove it).

A failure prints a minimal reproducer as Python for both libraries. By hand::

    python -m tests.torchdiff 0 2000
"""
import os
import re
from typing import Any

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")

from tests import torchdiff as td  # noqa: E402 - only with torch installed

# --- deliberate differences ------------------------------------------------------------------

KNOWN_DIFFERENCES: dict[str, td.Known] = {
    "output-based activation: its output changed in place": td.Known(
        "relu, leaky_relu, sigmoid, tanh, softmax, log_softmax, elu, softplus and hardtanh "
        "compute their gradient from their output (the project's teaching point; it is what "
        "lets relu_ and friends run in place), so changing that output in place before "
        "backward raises, naming the op, where torch's input-based leaky_relu, elu, softplus "
        "and hardtanh run (docs/guarantees.md)",
        lambda d: d.kind == "we-raise" and "output-based rule" in d.ours
        and "in-place" in d.ours),
    "output-based activation: a parameter that makes it ambiguous": td.Known(
        "an output-based rule needs the output to determine the input: a negative "
        "leaky_relu slope, a negative elu alpha and a softplus threshold below 20 make it "
        "ambiguous, so they are refused instead of giving a silently wrong gradient "
        "(docs/guarantees.md, known limits)",
        lambda d: d.kind == "we-raise" and d.ours.startswith("ValueError")
        and "output-based rule" in d.ours),
    "x.numpy() of a tensor that requires grad": td.Known(
        "numpy() shares the array whether or not the tensor requires grad; torch asks for "
        "x.detach().numpy() (docs/guarantees.md)",
        lambda d: d.kind == "we-run" and d.tag == ".numpy()" and "requires grad" in d.theirs),
    "mse_loss refuses to broadcast": td.Known(
        "input and target of different shapes are refused: torch warns and broadcasts, and a "
        "(N, 1) prediction against a (N,) target silently becomes an (N, N) loss "
        "(functional.mse_loss)",
        lambda d: d.kind == "we-raise" and d.tag == "loss mse_loss"
        and "broadcasting here is almost always a bug" in d.ours),
    "a backward that raises changes no .grad": td.Known(
        "leaves collect their gradient when backward has gone through the whole graph, so "
        "a backward that raises part way (an in-place change torch refuses too) leaves "
        "every .grad as it was; torch has already accumulated into the leaves it reached "
        "(docs/guarantees.md)",
        lambda d: d.kind in ("grad", "grad value") and d.where.endswith(".grad")
        and d.tag == "backward" and d.raised),
    "a hook on an output that is also an input of grad()": td.Known(
        "ta.grad(y, [y, ...]) hands back y's gradient after y's hooks, as for every input; "
        "torch's engine gives the root's gradient before the hooks but runs them for the "
        "inputs below (a corner of torch's capture order)",
        lambda d: d.kind == "value" and d.tag == "grad" and _hooked(d.program)),
    "grad() returns tensors of its own": td.Known(
        "ta.grad builds each gradient it returns; where a rule passes the gradient through "
        "unchanged (an add, a squeeze that squeezes nothing) torch may hand back the very "
        "grad_outputs tensor, a view of it (which then requires grad), or one tensor for two "
        "inputs, so a later in-place write into one gradient changes (or, being a no-grad "
        "view, is refused for) another. The values are the same; only which object it is "
        "differs (docs/guarantees.md)",
        lambda d: _grad_object(d)),
    "inf or nan through a fused kernel": td.Known(
        "matmul, einsum, solve, det, inverse, the normalisations (group_norm, batch_norm, ...) "
        "and the fused cross_entropy gradient, (p - onehot) * g, with an inf or nan in an "
        "input, a parameter or the upstream gradient: where the result is not finite, whether "
        "it is inf or nan (and which entries) depends on the kernel's order of operations "
        "(torch's norms fold the mean into a shift, its cross_entropy backward goes through "
        "log_softmax: inf - inf); the finite entries agree (checked by running the program "
        "again) (docs/guarantees.md)",
        lambda d: _kernel_nonfinite(d)),
    "ldexp's gradient for a negative exponent": td.Known(
        "the gradient of ldexp(x, e) in x is 2^e; torch's backward computes 2^e in integer "
        "arithmetic, so for a negative e it is 0 there (docs/guarantees.md)",
        lambda d: d.kind == "grad value" and _mentions(d, ("ldexp",)) and _torch_zero_where(
            d, lambda a: (a > 0) & (a < 1) & (np.log2(np.where(a > 0, a, 1)) % 1 == 0))),
    "scatter_reduce(prod) has no second derivative here": td.Known(
        "its rule keeps the shares of each product (constants), so a create_graph backward "
        "through it raises NotImplementedError naming it, where torch's runs "
        "(docs/guarantees.md)",
        lambda d: d.kind == "we-raise" and "scatter_reduce(reduce='prod'): second "
        "derivatives are not implemented" in d.ours),
    "torch's spatial nll_loss is a view of its kernel's": td.Known(
        "torch's nll_loss and cross_entropy with reduction='none' over (N, C, d...) return a "
        "view of their 2-d kernel's result; here a tensor of its own. After an in-place "
        "change of it, a hook registered on it before sees the gradient here; torch's view "
        "rebuilds its graph past the hook, which never runs (an accident of torch's kernels)",
        lambda d: re.fullmatch(r"c\d+", d.where) is not None and _mentions(d, (
            "reduction='none'",)) and _mentions(d, ("nll_loss", "cross_entropy"))
        and _hooked(d.program)),
    "grad() may return one tensor for an input and its view": td.Known(
        "grad() with respect to a tensor and a same-shape view of it (an expand to its own "
        "shape) returns one tensor for both here (the view's backward passes its gradient "
        "on as it is); torch's returns two equal tensors",
        lambda d: d.kind == "alias" and d.tag == "grad" and d.theirs == "a new object"
        and re.search(rf"\b{re.escape(d.ours)}\b", str(d.program.steps[d.step].code))
        is not None),
    "float32 digamma near a pole amplifies its input's rounding": td.Known(
        "digamma (lgamma, polygamma) near a pole has a slope of 1 / x^2: a float32 input "
        "that differs in its last bits between the libraries (a matrix_exp's, computed "
        "with cancellation) comes out 1e-4 apart (checked: the inputs are not bit-equal)",
        lambda d: d.kind in ("value", "grad value") and any(w in d.tag for w in (
            "digamma", "lgamma", "polygamma")) and _source_has(d, "float32")
        and _operand_differs(d)),
    "a jump of the op amplifies its operand's last bit": td.Known(
        "0 ** x, digamma and the other ops with a jump or a pole at a point (0 ** x is 0 for "
        "x > 0 and inf for x < 0; digamma(+-0) is -+inf) give different answers where their "
        "operand differs in its last bit or the sign of a zero between the libraries (a "
        "LAPACK solve's or an interpolation's rounding; checked: the operands are not "
        "bit-identical)",
        lambda d: d.kind == "value" and _JUMPS.search(str(d.program.steps[d.step].code))
        is not None and _operands_not_identical(d)),
    "an infinite gradient passed to backward": td.Known(
        "a gradient of +-inf given to backward (or as grad_outputs) meets the terms of a rule "
        "in another order than torch's formula: inf * 0 or inf - inf is nan in one library "
        "and +-inf in the other; the two agree wherever either is finite",
        lambda d: d.kind == "grad value" and d.tag in ("backward", "grad")
        and re.search(r"(backward|grad_outputs=)\W*\[?(\w+)", str(d.program.steps[d.step].code))
        is not None and _infinite_gradient(d) and _differ_where_not_finite(d)),
    "triu_ / tril_ of an expanded tensor": td.Known(
        "an in-place triu_ or tril_ of a tensor whose elements share memory (an expand's): "
        "torch writes through without its overlap check (what the shared element ends up "
        "holding depends on the order of the writes); here it is refused, as torch refuses "
        "every other in-place op there",
        lambda d: d.kind == "we-raise" and re.search(r"\b(triu_|tril_)", d.tag) is not None
        and "refers to a single memory location" in d.ours),
    "mode of a slice holding nan": td.Known(
        "torch's mode sorts each slice with a comparison that is no order once a nan is in "
        "it, so which value it reports (nan, or a number) depends on where the nan sits; "
        "here the nan never counts as a value",
        lambda d: d.kind == "value" and "mode" in d.tag and _source_has(d, "math.nan")),
    "the sign of a nan": td.Known(
        "signbit of a nan reads a bit no arithmetic defines: whether inf - inf or 0 / 0 "
        "comes out as +nan or -nan depends on the kernel's instructions",
        lambda d: d.kind == "value" and "signbit" in d.tag and _operand_nan_where_differ(d)),
    "an in-place op reading a view of its own target": td.Known(
        "x.div_(x.diagonal()) and the like: torch reads the operand while writing the target "
        "(its overlap check does not see a strided view), so the elements after the first "
        "written divisor see new values; here the whole result is computed first "
        "(docs/guarantees.md)",
        lambda d: d.kind == "value" and d.tag.startswith("inplace")
        and _torch_operand_aliases_target(d)),
    "torch's median of an expanded tensor": td.Known(
        "torch's median(dim) (and nanmedian) of a tensor with a zero stride (an expand, a "
        "broadcast_to) reads the wrong elements: values that are not in the input at all "
        "(9e-44 from [-1.5, 1.5, -1.5, -0.5]); of its contiguous copy it agrees with ours. "
        "A torch bug, not followed",
        lambda d: d.kind == "value" and "median" in d.tag and _torch_operand_has_zero_stride(d)),
    "QR of a rank-deficient matrix": td.Known(
        "Q's columns past the rank are any orthonormal completion (LAPACK's choice differs "
        "between numpy's OpenBLAS and torch's MKL); Q R is the matrix in both, and R agrees "
        "in its leading rows up to sign (docs/guarantees.md)",
        lambda d: d.kind == "value" and ("qr" in d.tag.lower()) and _same_product(d)),
    "LAPACK's svd of an infinite input": td.Known(
        "an svd (and what is built on it: pinv, cond, the nuclear and 2-norms, matrix_rank) "
        "of a matrix holding inf: torch's LAPACK (MKL) fails to converge and raises "
        "LinAlgError for some shapes and positions of the inf and returns nan or finite "
        "numbers for others; here an inf gives nan factors, always (a nan raises in both) "
        "(docs/guarantees.md)",
        lambda d: d.kind == "we-run" and "failed to converge" in d.theirs
        and _source_has(d, "math.inf") and not _source_has(d, "math.nan")),
    "hardshrink's, hardtanh's and relu6's gradient at nan": td.Known(
        "the gradient of hardshrink, softshrink, hardtanh and relu6 at nan passes the gradient on "
        "(torch's scalar formula); torch's vectorised loop gives 0 there, so torch's answer "
        "depends on where the nan sits in the tensor (blocks of 8 doubles or 16 floats get 0, "
        "the tail the gradient)",
        lambda d: d.kind == "grad value"
        and _mentions(d, ("hardshrink", "Hardshrink", "hardtanh", "Hardtanh", "relu6", "ReLU6",
                          "softshrink", "Softshrink"))
        and (("nan" in d.ours and "nan" in d.theirs) or _source_has(d, "math.nan")
             or _holds_nan(d))),
    "the pseudo-inverse of a singular float32 matrix": td.Known(
        "pinverse's rcond of 1e-15 is far below float32's rounding, so of a singular float32 "
        "matrix it inverts whichever rounding-noise singular value the SVD leaves (about "
        "1e-8, to 1e8): OpenBLAS's and MKL's noise differ, and so do the two answers; both "
        "agree with the float64 pseudo-inverse where that noise is cut (linalg.pinv's "
        "default tolerance does)",
        lambda d: d.kind in ("value", "grad value") and _mentions(d, ("pinverse",))
        and _source_has(d, "float32") and _singular_operand(d)),
    "soft_margin_loss is finite where torch overflows": td.Known(
        "soft_margin_loss is log(1 + e^-yx) computed stably (as softplus): a margin of 1e3 "
        "gives 1e3, where torch's e^1000 overflows to inf (the guarantee of finite losses at "
        "extreme inputs, docs/guarantees.md); at x = +-inf its gradient is the limit, "
        "-y sigmoid(-yx), where torch's e^inf / (1 + e^inf) is nan",
        lambda d: (d.kind == "value" and "soft_margin_loss" in d.tag and "inf" in d.theirs
                   and "inf" not in d.ours)
        or (d.kind == "grad value" and _mentions(d, ("soft_margin_loss",)) and "nan" in d.theirs
            and _source_has(d, "math.inf"))),
    "embedding_bag(max) propagates nan": td.Known(
        "mode='max' is amax over each bag, so a nan in a bag gives nan (as amax and max do); "
        "torch's kernel keeps a nan only when it comes first in its bag, so its answer "
        "depends on the order of the indices (docs/guarantees.md)",
        lambda d: d.kind == "value" and "embedding_bag" in d.tag and "max" in d.tag
        and _nan_wins(d)),  # a literal math.nan, or one an op made (rsqrt(-2))
    "an empty tensor of a dtype the op refuses": td.Known(
        "an op that refuses a dtype (bernoulli of an integer tensor) refuses it for an empty "
        "tensor too; torch's check sits inside its kernel, which an empty tensor never reaches",
        lambda d: d.kind == "we-raise" and "not implemented for" in d.ours and _empty_operand(d)),
    "decomposition factors are unique up to sign": td.Known(
        "each singular vector pair of svd and each column of qr's Q (with its row of R) is "
        "determined up to its sign; numpy's LAPACK (OpenBLAS) and torch's (MKL) choose "
        "different signs, so the factors agree in absolute value only (their products, and "
        "the singular values, agree exactly)",
        lambda d: d.kind == "value" and _factor_tag(d.tag) and _same_up_to_sign(d)),
    "a setitem that raises writes nothing": td.Known(
        "an index out of bounds in a setitem raises before anything is written, here; torch's "
        "index_put checks inside its loop and has already written the elements before the "
        "bad index when it raises (both raise; only the target's state after differs); "
        "likewise an in-place integer fmod_ / remainder_ / division by zero checks before "
        "writing here, where torch's kernel writes the elements before the zero",
        lambda d: d.kind == "value" and d.raised and (
            d.tag == "setitem" or re.fullmatch(r"inplace (fmod|remainder|floor_divide|div)_",
                                               d.tag) is not None)),
    "gelu of float32 +inf in torch's vectorised kernel": td.Known(
        "gelu(+inf) is inf (x * Phi(x)), as torch's float64 kernel and its scalar float32 tail "
        "give; its vectorised float32 loop gives nan there, so torch's answer depends on "
        "where the inf sits",
        lambda d: d.kind == "value" and "gelu" in d.tag and "inf" in d.ours
        and "nan" in d.theirs and _dtype_of(d, d.where) == "float32"),
    "linalg results are C-contiguous": td.Known(
        "inverse, solve and the other LAPACK results are row-major arrays here (or the "
        "transpose of one, for a solve from the right); torch's follow LAPACK's column-major "
        "layout, so one library's view() refuses what the other's runs, contiguous() copies "
        "in one only and stride() differs (docs/guarantees.md)",
        lambda d: _linalg_layout(d)),
    "svdvals has no second derivative": td.Known(
        "the singular values' gradient (u v^T) is not differentiable again here: create_graph "
        "through svdvals, matrix_norm('nuc') or matrix_norm(2) raises NotImplementedError "
        "naming the op, where torch runs (docs/guarantees.md, known limits)",
        lambda d: d.kind == "we-raise" and d.ours.startswith("NotImplementedError")
        and "linalg.svdvals" in d.ours and "second derivatives are not implemented" in d.ours),
    "a second backward through rules that kept nothing": td.Known(
        "a second backward without retain_graph raises only if a rule on its way kept an array "
        "that the first one freed (torch's rule too: y = x + 1 backpropagates twice there); "
        "our rules keep less (x / 2 keeps nothing, zero_ nothing), so some second backwards "
        "run here, with the right gradient, where torch raises (docs/guarantees.md)",
        lambda d: d.kind == "we-run" and d.tag in ("backward", "grad")
        and "backward through the graph a second time" in d.theirs),
    "an in-place op whose operand overlaps its target": td.Known(
        "x.div_(y) where y shares memory with x computes the whole result before writing it "
        "(numpy buffers overlapping operands), so it is right; torch refuses a partial overlap",
        lambda d: d.kind == "we-run" and "some elements of the input tensor and the written-to "
        "tensor refer to a single memory location" in d.theirs),
    "gradients are dense arrays": td.Known(
        "a gradient here is a plain array of its own; torch's gradient of a sum or mean is "
        "an expanded (stride-0) view, which refuses an in-place write into several "
        "elements at once",
        lambda d: d.kind == "we-run" and "refers to a single memory location" in d.theirs
        and any(w in str(s.code) for s in d.program.steps for w in ("grad(", "backward("))),
    "requires_grad_(False) after the forward": td.Known(
        "the graph reads a tensor itself, so once requires_grad_(False) turns it off after "
        "the forward, create_graph gradients that read it do not require grad; torch's "
        "graph holds its saved value as it was (a view that still requires grad)",
        lambda d: d.kind.endswith("requires_grad")
        and any("requires_grad_(False)" in str(s.code) for s in d.program.steps[:d.step])),
    "det's gradient at an exactly singular matrix": td.Known(
        "the cofactor matrix (the true derivative, from the SVD); torch returns 0 where its LU "
        "finds det exactly 0 (docs/guarantees.md)",
        lambda d: d.kind.startswith("grad") and any(
            "det" in s.tag or "det(" in str(s.code) for s in d.program.steps[:d.step + 1])),
    "scatter_reduce keeps no output": td.Known(
        "scatter_reduce (and scatter(reduce='add')) saves the gradient shares it needs, not "
        "its result, so changing the result in place before backward is allowed, with the "
        "right gradient, where torch raises (docs/guarantees.md)",
        lambda d: d.kind == "we-run" and "output 0 of ScatterReduce" in d.theirs),
    "a value torch keeps and we do not was changed in place": td.Known(
        "each rule keeps only what its own gradient formula needs (an output-based "
        "activation its output, mse_loss nothing of its target, 4 / x only its output), and "
        "the engine version-checks everything it keeps; so an in-place change of a value that "
        "torch would have saved does not touch any number backward reads here: torch "
        "refuses the backward, we give the right gradient (docs/guarantees.md)",
        lambda d: d.kind == "we-run" and d.tag in ("backward", "grad")
        and "modified by an inplace operation" in d.theirs),
    "float64 slope of celu": td.Known(
        "torch computes celu's 1/alpha as a float32 constant even in float64 (about 3e-8 "
        "off); ours is the float64 value",
        lambda d: (d.kind == "grad value" or (d.kind == "value" and d.tag == "grad"))
        and _mentions(d, ("celu", "CELU"))),
    "torch's own internal error": td.Known(
        "not a difference of ours: torch fails its own internal checks (an integer tensor "
        "that fill_ with a tensor requiring grad gave a graph; an INTERNAL ASSERT; kron of a "
        "transposed matrix calling view on it; igammac's backward of a bool tensor "
        "subtracting from it; is_leaf of a chunk / split / unbind view whose "
        "base was changed in place raises), so there is no oracle for the program",
        lambda d: (d.kind == "we-run"
                   and ("INTERNAL ASSERT FAILED" in d.theirs
                        or "Autograd not support dtype" in d.theirs
                        or "ZeroTensors are immutable" in d.theirs
                        or (re.search(r"(with|on) a bool tensor is not supported", d.theirs)
                            and d.tag in ("backward", "grad"))
                        or ("kron" in d.tag and "view size is not compatible" in d.theirs)))
        or (d.kind in ("is_leaf", "requires_grad") and d.theirs.startswith("raises"))),
    "torch's .grad can be the gradient passed to backward": td.Known(
        "x.grad is a tensor of its own; torch's AccumulateGrad may keep the very tensor "
        "passed as backward(gradient) (or a view of it) as .grad, so the next backward's "
        "in-place accumulation changes the caller's tensor (docs/guarantees.md)",
        lambda d: d.kind == "value" and d.tag == "backward" and any(
            f".backward({d.where}" in str(s.code) for s in d.program.steps[:d.step])),
    "in-place acosh_, asinh_ and atanh_ are differentiable": td.Known(
        "x.acosh_(), x.asinh_() and x.atanh_() have the gradient of their out-of-place op; "
        "torch never implemented those three in-place derivatives and raises "
        "NotImplementedError at backward (docs/guarantees.md)",
        lambda d: d.kind == "we-run" and re.search(
            r"derivative for 'inplace version of a(cos|sin|tan)h' is not implemented",
            d.theirs) is not None),
    "x ** False has the gradient of x ** 0": td.Known(
        "torch's pow backward tests for a zero exponent with Scalar::equal, where a bool never "
        "equals 0.0, so False (x ** False is 1) takes the general rule False * x ** -1: nan "
        "at x = 0; here "
        "x ** False is x ** 0, whose gradient is 0 everywhere (docs/guarantees.md)",
        lambda d: d.kind in ("value", "grad value") and d.tag in ("backward", "grad")
        and "nan" in d.theirs and any(re.search(r"\*\* False\b|pow\(False\)", str(s.code))
                                      for s in d.program.steps[:d.step])),
    "a fused rule keeps the inputs torch's composite does not": td.Known(
        "cross_entropy, pairwise_distance, tanhshrink and scaled_dot_product_attention are "
        "one node here, which keeps its "
        "inputs (so that create_graph can differentiate it again); torch composes them "
        "(log_softmax then nll_loss; x1 - x2 then a norm; x - tanh x) and keeps only the "
        "intermediates, so an in-place change of an input before backward raises here, "
        "naming the op, where torch runs (docs/guarantees.md)",
        lambda d: d.kind == "we-raise" and re.search(
            r"An array that (PairwiseDistance|Tanhshrink|CrossEntropy|WeightedCrossEntropy|"
            r"Attention)"
            "Backward saved for backward was modified", d.ours) is not None),
    "output-based activation: a create_graph gradient reads its output": td.Known(
        "leaky_relu, elu, softplus, hardtanh, softshrink and the other output-based rules "
        "whose torch rule reads the input compute their gradient from their output, so a "
        "create_graph gradient through one depends on that output: grad() with respect to it "
        "runs (torch: not used in the graph), and a backward of that gradient runs the hooks "
        "on the output again (torch's does not reach them) (docs/guarantees.md)",
        lambda d: (d.kind == "we-run" and d.tag == "grad"
                   and "appears to not have been used in the graph" in d.theirs
                   and _unused_is_an_activation_output(d))
        or (d.kind in ("type", "value") and re.fullmatch(r"c\d+", d.where) is not None
            and _hook_on_an_activation_output(d))
        or (d.kind == "type" and d.tag == "grad" and d.theirs == "none"
            and _is_an_activation_output(d, _grad_input_of(d, d.where)))),
    "torch's linear or einsum result is a view of its kernel's": td.Known(
        "torch's linear (with a bias, of a 1-d input in grad mode, of a batched one under "
        "no_grad), einsum, tensordot and repeat_interleave (of an int) may return a view of "
        "their kernel's own tensor; here the result is a tensor of its own. So where torch "
        "refuses an in-place change of it in grad mode (a view made under no_grad), finds it "
        "unused by grad() after a change through a view of it (its grad_fn is regenerated), "
        "or skips a hook registered on it before an in-place change (the gradient goes round "
        "the view's old node), ours runs (an accident of torch's kernels, docs/guarantees.md)",
        lambda d: (d.kind == "we-run" and (
            ("A view was created in no_grad mode" in d.theirs
             and _view_of_a_kernel_tensor(d, _written(str(d.program.steps[d.step].code))))
            or (d.tag == "grad" and "appears to not have been used in the graph" in d.theirs
                and _view_of_a_kernel_tensor(d, _unused_input(d)))))
        or (d.kind in ("type", "value") and re.fullmatch(r"c\d+", d.where) is not None
            and _view_of_a_kernel_tensor(d, _hooked_name(d)))),
    "a check an empty tensor never reaches in torch": td.Known(
        "an out-of-range dim of cummin / cummax, and an index out of bounds in an index that "
        "selects nothing (x[0:0, [5]], also as setitem's target), raise here as for any "
        "tensor; torch makes those checks inside its kernels, which a tensor of no elements "
        "never reaches, so it runs (docs/guarantees.md)",
        lambda d: d.kind == "we-raise" and d.ours.startswith("IndexError") and (
            re.search(r"cumm(?:in|ax): dim -?\d+ is out of range for a tensor of shape "
                      r"\((?:\d+, )*0[,)]", d.ours) is not None
            or ("out of bounds" in d.ours and _empty_selection(d)))),
    "the sign of softshrink's zero": td.Known(
        "softshrink is +0 for |x| <= lambd; so is torch's vectorised loop, but its scalar "
        "tail (the last elements of a tensor) computes x * 0, which is -0 for a negative x, "
        "so torch's sign depends on where the element sits. Only an op that tells -0 from +0 "
        "(1 / x, atan2, copysign, signbit) shows it; the magnitudes agree "
        "(docs/guarantees.md)",
        lambda d: d.kind in ("value", "grad value") and _mentions(d, ("softshrink",
                                                                      "Softshrink"))
        and (_same_magnitudes(d) or "signbit" in str(d.program.steps[d.step].code))),
    "a result torch marks differentiable but cannot differentiate": td.Known(
        "unique_consecutive (and bincount's weights, heaviside) return a tensor that does "
        "not require grad here; torch's requires grad, but its backward raises 'not "
        "implemented', so no gradient differs (docs/guarantees.md)",
        lambda d: d.kind == "requires_grad" and d.ours == "False" and d.theirs == "True"
        and any(w in d.tag for w in ("unique_consecutive", "bincount", "heaviside", "histogram",
                                     "detach_copy"))),
    "torch's trigamma is good to 5e-10": td.Known(
        "digamma's gradient (and lgamma's second derivative) is polygamma(1, x); torch's is "
        "its own short series, 3e-10 to 5e-10 off in float64, ours is within 2 ulp (checked "
        "against mpmath in tests/test_pointwise.py); the two agree to 1e-8 "
        "(docs/guarantees.md)",
        lambda d: d.kind in ("value", "grad value") and re.search(
            r"digamma|polygamma\(\s*1|lgamma", "\n".join(
                str(s.code) for s in d.program.steps[:d.step + 1])) is not None
        and _close_to(d, 1e-8)),
    # last, so that a more specific reason wins
    "a constant: whether it requires grad": td.Known(
        "a value that does not depend on anything that requires grad (its derivative with "
        "respect to every leaf is 0 or 0 * inf, or it is all nan) may require grad in one "
        "library and not "
        "the other: each engine decides by its own graph (under create_graph, torch's fused "
        "batch_norm backward marks all its outputs, its var of one element returns a constant "
        "nan; torch's in-place ge_ / eq_ / ... have a zero gradient, ours none). Checked by "
        "running the program again and differentiating that value",
        lambda d: _constant_gradient(d)),
}


def _source_has(d: td.Difference, word: str) -> bool:
    return any(word in str(s.code) for s in d.program.steps[:d.step + 1])


def _binds(code: str, name: str) -> bool:
    """Some line of ``code`` assigns ``name`` (``v3 = ...``, ``v3, v4 = ...``)."""
    for line in code.splitlines():
        lhs, sep, _ = line.partition(" = ")
        if sep and "[" not in lhs and "." not in lhs and name in re.findall(r"\w+", lhs):
            return True
    return False


def _factor_tag(tag: str) -> bool:
    return tag in (".svd()", ".qr()") or tag.startswith(("row linalg.svd", "row linalg.qr",
                                                         "row svd", "row qr"))


def _values_of(x: object) -> np.ndarray:
    """The numbers of a tensor (either library) or of a tuple of them, flattened."""
    if isinstance(x, (tuple, list)):
        return np.concatenate([_values_of(v) for v in x]) if x else np.zeros(0)
    return np.asarray(x.detach().numpy(), dtype=float).ravel()  # type: ignore[attr-defined]


def _same_up_to_sign(d: td.Difference) -> bool:
    """Both runs' values of the differing name agree in absolute value."""
    m = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", d.where)  # v3, or v3[0] of a returned tuple
    if m is None:
        return False
    name, item = m.group(1), m.group(2)
    try:
        ours, theirs = (np.abs(_values_of(env[name] if item is None else env[name][int(item)]))
                        for env in (_rerun(d, td.ta_backend()), _rerun(d, td.torch_backend())))
    except Exception:  # noqa: BLE001 - a value that does not rerun is not this case
        return False
    return ours.shape == theirs.shape and bool(np.allclose(ours, theirs, rtol=1e-4, atol=1e-6,
                                                           equal_nan=True))


def _producer(d: td.Difference, name: str) -> td.Step | None:
    """The last step before the differing one that assigned ``name``."""
    for step in reversed(d.program.steps[:d.step]):
        if _binds(str(step.code), name):
            return step
    return None


def _written(code: str) -> str | None:
    """The name an in-place step writes into (``v6[-3] = v9``, ``v6.sub_(v7)``, ``v6 += 1``)."""
    m = re.match(r"\s*(\w+)(?:\[|\.\w+_\(| [-+*/]= )", code.splitlines()[-1])
    return m.group(1) if m else None


def _grad_object(d: td.Difference) -> bool:
    """Only which object a gradient of ``$grad`` is differs (see the Known entry)."""
    code = str(d.program.steps[d.step].code)
    if d.tag == "grad":
        if d.kind == "requires_grad" and "create_graph=True" not in code:
            return d.ours == "False" or re.search(r"grad_outputs=\[?v\d", code) is not None
        return (d.kind, d.ours) in (("alias", "a new object"), ("is_leaf", "False"))
    target = _written(code)
    producer = _producer(d, target) if target else None
    if producer is None or producer.tag != "grad":
        return False
    if d.kind == "we-run":
        return "A view was created in no_grad mode" in d.theirs
    other = _producer(d, d.where.split(".")[0])
    return d.kind in ("requires_grad", "value") and other is not None and other.tag == "grad"


def _rerun(d: td.Difference, backend: td.Backend) -> dict:
    """The namespace of ``backend`` after the program's steps up to the differing one."""
    import warnings

    env = backend.namespace()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for step in d.program.steps[:d.step + 1]:
                td.execute(step.source(backend), env)
    finally:
        backend.reset()
    return env


def _constant_gradient(d: td.Difference) -> bool:
    """A requires_grad difference of a value (a gradient, say) that is a constant: in the
    library where it requires grad, its derivative with respect to every leaf is zero (or it
    is all nan)."""
    if d.kind not in ("grad requires_grad", "requires_grad"):
        return False
    backend = td.ta_backend() if d.ours == "True" else td.torch_backend()
    grad = backend.lib.grad if backend.name == "ta" else backend.lib.autograd.grad
    env = _rerun(d, backend)
    try:
        g = eval(d.where, env)
        if g is None or not g.requires_grad:
            return False
        values = g.detach().numpy()
        if values.size == 0 or np.isnan(values).all():
            return True
        names: dict[str, Any] = td._program_names(env, backend)
        leaves = [v for v in names.values()
                  if isinstance(v, backend.tensor_type) and v.requires_grad and v.is_leaf]
        weights = backend.lib.arange(1, g.numel() + 1, dtype=g.dtype).reshape(g.shape)
        seconds = grad((g * weights).sum(), leaves, allow_unused=True)
    except Exception:  # noqa: BLE001 - a program that cannot be differentiated again
        return False
    finally:
        backend.reset()
    # (a nan there is 0 * inf from an infinite input: no dependence either)
    return all(s is None or not np.any(np.nan_to_num(s.detach().numpy(), nan=0.0))
               for s in seconds)


#: the activations whose rule is output-based here and input-based in torch (functional,
#: op-table and module spellings)
_INPUT_BASED_IN_TORCH = re.compile(
    r"\b(leaky_?relu|elu|softplus|hardtanh|relu6|hardsigmoid|softsign|selu|celu|softshrink|"
    r"hardshrink|log_?sigmoid|prelu)\b", re.IGNORECASE)


def _grad_inputs(code: str) -> list[str] | None:
    """The names passed as ``inputs`` to the grad() call in ``code``
    (``ta.grad(y, [v5, v6], ...)``: v5, v6)."""
    start = code.find("grad(")
    inputs = re.compile(r", (?:\[([\w, ]*)\]|(\w+))(?=[,)])").search(code, max(start, 0))
    if inputs is None or start < 0:
        return None
    return (inputs.group(1) or inputs.group(2) or "").split(", ")


def _unused_input(d: td.Difference) -> str | None:
    """The name of the input of grad() that torch found unused (``Tensor at index k``)."""
    index = re.search(r"Tensor at index (\d+)", d.theirs)
    names = _grad_inputs(str(d.program.steps[d.step].code))
    if index is None or names is None:
        return None
    k = int(index.group(1))
    return names[k] if k < len(names) else None


def _grad_input_of(d: td.Difference, result: str) -> str | None:
    """The input of the differing grad() call whose gradient is bound to ``result``
    (``(v10, v11) = ta.grad(y, [v5, v6], ...)``: v11 is v6's)."""
    code = str(d.program.steps[d.step].code)
    lhs = re.search(r"\(?([\w, ]+?),?\)? = \S*grad\(", code)
    names = _grad_inputs(code)
    if lhs is None or names is None:
        return None
    outs = [n.strip() for n in lhs.group(1).split(",") if n.strip()]
    return names[outs.index(result)] if result in outs and len(outs) == len(names) else None


def _is_an_activation_output(d: td.Difference, name: str | None) -> bool:
    """``name`` was made by one of ``_INPUT_BASED_IN_TORCH`` (the step that binds it names
    the activation)."""
    producer = _producer(d, name) if name else None
    return producer is not None and _INPUT_BASED_IN_TORCH.search(str(producer.code)) is not None


def _unused_is_an_activation_output(d: td.Difference) -> bool:
    """The input of grad() that torch finds unused was made by one of
    ``_INPUT_BASED_IN_TORCH``."""
    return _is_an_activation_output(d, _unused_input(d))


def _hook_on_an_activation_output(d: td.Difference) -> bool:
    """``d.where`` is the list a hook appends to, the hook is on a tensor made by one of
    ``_INPUT_BASED_IN_TORCH``, and a create_graph backward ran before the differing step."""
    hooked = [re.search(r"(\w+)\.register_hook", str(s.code)) for s in d.program.steps
              if f"{d.where}.append" in str(s.code)]
    producer = _producer(d, hooked[0].group(1)) if hooked and hooked[0] else None
    return producer is not None and _INPUT_BASED_IN_TORCH.search(str(producer.code)) is not None \
        and any("create_graph=True" in str(s.code) for s in d.program.steps[:d.step])


def _hooked_name(d: td.Difference) -> str | None:
    """The tensor whose hook appends to the list ``d.where``."""
    hooked = [re.search(r"(\w+)\.register_hook", str(s.code)) for s in d.program.steps
              if f"{d.where}.append" in str(s.code)]
    return hooked[0].group(1) if hooked and hooked[0] else None


def _view_of_a_kernel_tensor(d: td.Difference, name: str | None) -> bool:
    """``name`` is, in torch, a view of a tensor that no name of the program holds (its
    kernel's own), and here a tensor of its own."""
    if name is None:
        return False
    env, mine = _rerun(d, td.torch_backend()), _rerun(d, td.ta_backend())
    theirs, ours = env.get(name), mine.get(name)
    if not (isinstance(theirs, td.torch_backend().tensor_type)
            and isinstance(ours, td.ta_backend().tensor_type)):
        return False
    if theirs._base is None:  # (torch's _base is the first tensor that is not a view)
        return False
    while ours._base is not None:  # ours: a view of a view of ... a tensor the program holds
        ours = ours._base[0]
    return not any(v is theirs._base for v in env.values()) and any(
        v is ours for v in mine.values())


def _empty_operand(d: td.Difference) -> bool:
    """The differing step's operand (``v6 = v2.bernoulli()``) is an empty tensor."""
    m = re.search(r"=\s*(\w+)\.\w+\(", str(d.program.steps[d.step].code))
    if m is None:
        return False
    t: Any = _rerun(d, td.torch_backend()).get(m.group(1))
    return isinstance(t, td.torch_backend().tensor_type) and t.numel() == 0


def _is_linalg(step: td.Step | None, modules: tuple = (".linalg", ".decompositions")) -> bool:
    """``step`` calls a BLAS / LAPACK op (a row of ops/linalg.py, or of ``modules``)."""
    if step is None:
        return False
    if step.tag.startswith("row "):
        row = td.OPS.get(step.tag[4:])
        return row is not None and row.node.__module__.endswith(modules)
    method = re.fullmatch(r"\.(\w+)\(\)", step.tag)  # a Tensor method defined with them
    fn = getattr(td.ta.Tensor, method.group(1), None) if method else None
    return step.tag in ("matmul", ".det()", ".inverse()", ".slogdet()", ".logdet()", ".svd()",
                        ".qr()", ".pinverse()", ".cholesky()", ".lu()", ".matrix_exp()") or (
        fn is not None and getattr(fn, "__module__", "").endswith(modules))


def _values(d: td.Difference) -> tuple[np.ndarray, np.ndarray]:
    """Both runs' values of the differing name, as float64 arrays (ours, torch's)."""
    ours, theirs = (eval(d.where, _rerun(d, b)) for b in td.backends())
    return tuple(np.asarray(t.detach().numpy(), dtype=np.float64) for t in (ours, theirs))


def _differing(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Where two values differ (nan equals nan); None when their shapes do."""
    return None if a.shape != b.shape else ~((a == b) | (np.isnan(a) & np.isnan(b)))


def _kernel_nonfinite(d: td.Difference) -> bool:
    """A value computed by a BLAS / LAPACK op from an input holding inf or nan, where the two
    libraries differ only at entries that are not finite in one of them."""
    divides_by_zero = any(re.search(r"(div_?\(|/=? ?)(0\.0|0|False)\)?$", str(s.code))
                          for s in d.program.steps[:d.step + 1])
    if d.kind not in ("value", "grad value") or not (_source_has(d, "math.inf")
                                                    or _source_has(d, "math.nan")
                                                    or divides_by_zero):
        return False
    if not any(_is_linalg(s, (".linalg", ".norm", ".decompositions", ".fused"))
               or "cross_entropy" in s.tag for s in d.program.steps[:d.step + 1]):
        return False
    if d.tag in (".slogdet()", ".det()", ".logdet()"):  # (the sign of a non-finite matrix)
        return True
    a, b = _values(d)
    if a.shape != b.shape:
        return False
    finite = np.isfinite(a) & np.isfinite(b)
    return bool((~finite).any()) and bool(np.allclose(a[finite], b[finite], rtol=1e-6))


def _linalg_layout(d: td.Difference) -> bool:
    """contiguous() / view() / stride() of a LAPACK result (row-major here, not in torch)."""
    code = str(d.program.steps[d.step].code)
    written = _written(code)
    if d.kind == "value" and written is not None and d.where != written:
        # a write into a reshape of the result: torch's reshape copied (column-major memory)
        made = _producer(d, written)
        r = re.search(r"=\s*(\w+)\.(?:flatten|reshape|view)\(", str(made.code)) if made else None
        return r is not None and r.group(1) == d.where and _is_linalg(_producer(d, d.where))
    m = re.search(r"=\s*(\w+)\.(\w+)\(", code)
    source = _layout_source(d, m.group(1)) if m else None
    if source is not None and source.tag == "grad":  # a gradient through a LAPACK op
        linalg = any(_is_linalg(s) for s in d.program.steps[:d.step])
    else:
        linalg = _is_linalg(source)
    if m is None or not linalg:
        return False
    method = m.group(2)
    return (d.kind == "alias" and method == "contiguous") or (
        d.kind == "we-run" and method == "view" and "view size is not compatible" in d.theirs
    ) or (d.kind == "we-raise" and method == "view" and "without copying" in d.ours) or (
        d.kind == "value" and method in ("stride", "is_contiguous"))


def _layout_source(d: td.Difference, name: str) -> td.Step | None:
    """The step that made ``name``'s memory layout: its producer, or, through elementwise
    ops of one tensor (``F.mish(v2)``, ``v2.exp()``: both libraries keep the input's
    strides there), the producer of their input."""
    step = _producer(d, name)
    for _ in range(4):
        pair = re.fullmatch(r"\s*\w+ = (\w+) (?:\*\*|\*|\+|-|/|//|%) (\w+)\s*",
                            str(step.code) if step else "")
        sliced = re.fullmatch(r"\s*\w+ = (\w+)\[[^\]]*\]\s*", str(step.code) if step else "")
        if sliced:  # basic indexing keeps the layout
            step = _producer(d, sliced.group(1))
            continue
        if pair:  # a binary elementwise op: torch's result takes a LAPACK operand's layout
            sources = [_layout_source(d, n) for n in pair.groups()]
            return next((s for s in sources if _is_linalg(s)), step)
        m = re.fullmatch(r"\s*\w+ = (?:F\.\w+\((\w+)(?:, inplace=True)?\)|(\w+)\.\w+\(\)"
                         r"|(\w+)\.transpose\((-?\d+), \4\)|\S*nn\.Identity\(\)\((\w+)\))\s*",
                         str(step.code) if step else "")
        row = td.OPS.get(step.tag[4:]) if step and step.tag.startswith("row ") else None
        if m is None or _is_linalg(step) or (row is not None and row.kind != "elementwise"):
            return step
        step = _producer(d, m.group(1) or m.group(2) or m.group(3) or m.group(5))
    return step


def _mentions(d: td.Difference, words: tuple) -> bool:
    """Some step up to the one that differs names one of ``words``."""
    return any(w in str(s.code) or w in s.tag for s in d.program.steps[:d.step + 1]
               for w in words)


def _empty_selection(d: td.Difference) -> bool:
    """The differing step indexes (``v3 = v2[...]``) or assigns into (``v2[...] = v5``) a
    selection of no elements (torch, which ran the step, says so)."""
    line = d.program.steps[d.step].source(td.torch_backend()).splitlines()[-1].strip()
    m = re.match(r"(?:\w+ = )?(\w+\[.*\])(?: = .*)?$", line)
    if m is None:
        return False
    env = _rerun(d, td.torch_backend())
    try:
        selected = eval(m.group(1), env)
    except Exception:  # noqa: BLE001 - not an index torch can evaluate again
        return False
    return isinstance(selected, td.torch_backend().tensor_type) and selected.numel() == 0


def _same_magnitudes(d: td.Difference) -> bool:
    """The two values differ only in signs (of zeros, and what they become: +-inf, +-pi)."""
    ours, theirs = (eval(d.where, _rerun(d, b)) for b in td.backends())
    a, b = (np.abs(np.asarray(t.detach().numpy(), dtype=np.float64)) for t in (ours, theirs))
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _operand_differs(d: td.Difference) -> bool:
    """The differing step's operand (``y = v.f()``) is not bit-equal in the two runs."""
    m = re.search(r"=\s*(\w+)\.\w+\(", str(d.program.steps[d.step].code))
    if m is None:
        return False
    a, b = (_rerun(d, backend).get(m.group(1)) for backend in td.backends())
    if a is None or b is None:
        return False
    return not np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


_JUMPS = re.compile(r"\*\*|\b(?:pow|digamma|lgamma|polygamma|floor|ceil|round|trunc|"
                    r"sign|frac|reciprocal)_?\(")


def _operands_not_identical(d: td.Difference) -> bool:
    """Some tensor the differing step reads is not bit-identical (signs of zeros count) in
    the two runs just before it."""
    step = d.program.steps[d.step]
    before = td.Difference(d.kind, d.step - 1, d.where, d.ours, d.theirs, d.program)
    envs = [(_rerun(before, b) if d.step else b.namespace()) for b in td.backends()]
    for name in set(re.findall(r"\b[A-Za-z_]\w*\b", str(step.code))):
        a, b = (env.get(name) for env in envs)
        if a is None or b is None or not hasattr(a, "detach") or not hasattr(b, "detach"):
            continue
        x, y = a.detach().numpy(), b.detach().numpy()
        if x.shape != y.shape or x.dtype.kind != "f" or y.dtype != x.dtype:
            continue
        if not np.array_equal(x.view(f"u{x.itemsize}"), y.view(f"u{y.itemsize}")):
            return True
    return False


def _dtype_of(d: td.Difference, name: str) -> str:
    value = _rerun(d, td.backends()[0]).get(name.split("[")[0].split(".")[0])
    return str(getattr(value, "dtype", "")).replace("tinygrad_acts.", "")


def _infinite_gradient(d: td.Difference) -> bool:
    """The gradient the differing backward / grad() step passes holds +-inf."""
    code = str(d.program.steps[d.step].code)
    m = re.search(r"(?:backward\(|grad_outputs=\[?)(\w+)", code)
    env = _rerun(d, td.backends()[0])
    g = env.get(m.group(1)) if m else None
    return g is not None and hasattr(g, "detach") and bool(np.isinf(g.detach().numpy()).any())


def _differ_where_not_finite(d: td.Difference) -> bool:
    """The two values differ only where both are inf or nan."""
    a, b = _values(d)
    differ = _differing(a, b)
    if differ is None:
        return False
    return bool(differ.any()) and not (np.isfinite(a[differ]).any() or np.isfinite(b[differ]).any())


def _operand_nan_where_differ(d: td.Difference) -> bool:
    """signbit(v): v is nan wherever the two answers differ (in torch's run)."""
    m = re.search(r"=\s*(\w+)\.signbit\(", str(d.program.steps[d.step].code))
    if m is None:
        return False
    ours, theirs = (eval(d.where, _rerun(d, b)) for b in td.backends())
    v = _rerun(d, td.torch_backend()).get(m.group(1))
    a, b = (np.asarray(t.detach().numpy()) for t in (ours, theirs))
    return v is not None and a.shape == b.shape and bool(
        np.isnan(v.detach().numpy().astype(np.float64))[a != b].all())


def _torch_operand_aliases_target(d: td.Difference) -> bool:
    """``x.op_(y)``: in torch's run, y shares memory with x."""
    m = re.search(r"(\w+)\.\w+_\((\w+)", str(d.program.steps[d.step].code))
    if m is None:
        return False
    env = _rerun(d, td.torch_backend())
    x, y = env.get(m.group(1)), env.get(m.group(2))
    kind = td.torch_backend().tensor_type
    return isinstance(x, kind) and isinstance(y, kind) and \
        x.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()


def _torch_operand_has_zero_stride(d: td.Difference) -> bool:
    """The differing step's tensor operand has a zero stride in torch (an expand's)."""
    code = str(d.program.steps[d.step].code)
    m = re.search(r"\.fn\((\w+)\)|=\s*(\w+)\.\w+\(", code)
    if m is None:
        return False
    t = _rerun(d, td.torch_backend()).get(m.group(1) or m.group(2))
    return isinstance(t, td.torch_backend().tensor_type) and 0 in t.stride() and t.numel() > 1


def _same_product(d: td.Difference) -> bool:
    """A QR's factors: Q R is the same matrix in both libraries."""
    name = d.where.split("[")[0]
    prods = []
    for b in td.backends():
        q, r = eval(name, _rerun(d, b))
        prods.append(np.asarray((q @ r).detach().numpy(), dtype=np.float64))
    return prods[0].shape == prods[1].shape and bool(
        np.allclose(prods[0], prods[1], rtol=1e-6, atol=1e-8, equal_nan=True))


def _torch_zero_where(d: td.Difference, ours_is: Any) -> bool:
    """Where the two values differ, torch's is 0 and ours passes ``ours_is`` (a mask)."""
    a, b = _values(d)
    if a.shape != b.shape:
        return False
    differ = ~np.isclose(a, b, rtol=1e-7, atol=1e-12, equal_nan=True)
    with np.errstate(all="ignore"):
        return bool(differ.any() and np.all(b[differ] == 0) and np.all(ours_is(a[differ])))


def _close_to(d: td.Difference, rtol: float) -> bool:
    """The two values agree to ``rtol`` (nan and inf in the same places)."""
    a, b = _values(d)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=rtol, equal_nan=True))


def _nan_wins(d: td.Difference) -> bool:
    """Where the two values differ, ours is nan (and torch's is not)."""
    a, b = _values(d)
    differ = _differing(a, b)
    if differ is None:
        return False
    return bool(differ.any()) and bool(np.isnan(a[differ]).all())


def _holds_nan(d: td.Difference) -> bool:
    """Some tensor of our run, up to the differing step, holds a nan (made by an op: 0 / 0)."""
    env = _rerun(d, td.backends()[0])
    return any(isinstance(v, ta.Tensor) and v.is_floating_point()
               and bool(np.isnan(v.detach().numpy()).any()) for v in env.values())


def _singular_operand(d: td.Difference) -> bool:
    """Some matrix of our run, up to the differing step, is singular to float32's rounding."""
    for v in _rerun(d, td.backends()[0]).values():
        if isinstance(v, ta.Tensor) and v.dim() >= 2 and v.is_floating_point() \
                and v.numel() and bool(np.isfinite(v.detach().numpy()).all()):
            sv = np.linalg.svd(v.detach().numpy().astype(np.float64), compute_uv=False)
            if bool((sv[..., -1] <= 1e-6 * sv[..., 0]).any()):
                return True
    return False


def _hooked(program: td.Program) -> bool:
    return any("register_hook" in str(step.code) for step in program.steps)


#: a program that hits each known difference (checked: it still differs, and is recognised)
KNOWN_EXAMPLES = {
    "float32 digamma near a pole amplifies its input's rounding": """
        x = $lib.tensor([[-1.0, -2.0, -0.5], [2.0, 2.0, 2.0], [-1.5, -0.5, -1.0]],
                        dtype=$lib.float32)
        y = OPS['linalg.matrix_exp (scaled)'].fn(x)
        z = y.digamma()  # tag: .digamma()
    """,
    "triu_ / tril_ of an expanded tensor": """
        x = $lib.tensor([-1.12, 1.78, 1.96, 0.85], dtype=$lib.float64)
        y = x.expand(2, 4)
        y.triu_()  # tag: inplace triu_
    """,
    "mode of a slice holding nan": """
        x = $lib.tensor([[math.nan, 0.45, 0.16], [1.0, 2.0, 2.0]], dtype=$lib.float64)
        y = x.mode(1).values  # tag: row mode(dim=1).values
    """,
    "the sign of a nan": """
        x = $lib.tensor([[3, -2], [0, -2]], dtype=$lib.int64)
        y = x.div(False)
        z = F.softmax(y, dim=1)
        w = z.signbit()  # tag: .signbit()
    """,
    "an in-place op reading a view of its own target": """
        x = $lib.tensor([[0.49, -1.37, 0.55, 1.06], [-0.18, 0.95, -1.35, 0.08],
                         [-1.52, -0.33, -1.82, -1.28], [0.32, -0.44, -1.53, -0.29]])
        y = x.diagonal()
        x.div_(y)  # tag: inplace div_
    """,
    "grad() may return one tensor for an input and its view": """
        x = $lib.tensor([[-1.26, -0.52], [1.01, -1.92]], dtype=$lib.float64, requires_grad=True)
        y = x.prod()
        z = y.expand(())
        w = z.softmax(-1)
        a, b = $lib.autograd.grad(w, [z, y], create_graph=True)  # tag: grad
    """,
    "torch's spatial nll_loss is a view of its kernel's": """
        x = $lib.tensor([[[-1.36, 1.01], [-1.86, 1.25], [0.09, 1.53]]], dtype=$lib.float64,
                        requires_grad=True)
        y = F.nll_loss(x, $lib.tensor([[1, 1]]), reduction='none')
        c1 = []
        h = y.register_hook(lambda g: c1.append(g.clone()))
        y /= 2.0
        y.sum().backward()  # tag: backward
    """,
    "scatter_reduce(prod) has no second derivative here": """
        x = $lib.tensor([[1.5, -2.0], [2.0, -1.5]], dtype=$lib.float64, requires_grad=True)
        y = x.scatter_reduce(0, $lib.tensor([[0, 1], [0, 0]]), x * 2, reduce="prod")
        y.sum().backward(create_graph=True)  # tag: backward
    """,
    "torch's median of an expanded tensor": """
        x = $lib.tensor([-1.5, 1.5, -1.5, -0.5], dtype=$lib.float32)
        y = x.expand(2, 4, 4)
        z = y.median(1).values  # tag: row median(dim=1).values
    """,
    "QR of a rank-deficient matrix": """
        x = $lib.tensor([[-1.0, -1.0, -2.0, 2.0, 2.0], [-0.5, -0.5, -1.0, 1.0, 1.0],
                         [1.0, 1.0, 2.0, -2.0, -2.0], [0.0, 0.0, 0.0, 0.0, 0.0],
                         [-1.0, -1.0, -2.0, 2.0, 2.0]], dtype=$lib.float64)
        y = x.qr()  # tag: .qr()
    """,
    "ldexp's gradient for a negative exponent": """
        x = $lib.tensor([1.5, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x.ldexp($lib.tensor([-2, 3]))
        y.sum().backward()  # tag: backward
    """,
    "LAPACK's svd of an infinite input": """
        x = $lib.tensor([[0.5, math.inf, -1.0], [1.5, -0.5, 2.0], [-1.0, 0.25, 0.75],
                         [2.0, 1.0, -0.5]], dtype=$lib.float64)
        y = $lib.linalg.svd(x)  # tag: row linalg.svd
    """,
    "torch's trigamma is good to 5e-10": """
        x = $lib.tensor([0.7, 1.3, 2.2], dtype=$lib.float64, requires_grad=True)
        y = x.digamma()
        y.sum().backward()  # tag: backward
    """,
    "decomposition factors are unique up to sign": """
        x = $lib.tensor([[-0.5, 1.0, -0.5], [-1.0, 0.5, 0.5]], dtype=$lib.float64)
        y = x.svd()  # tag: .svd()
    """,
    "a setitem that raises writes nothing": """
        x = $lib.zeros(4, dtype=$lib.float64)
        x[[1, 7]] = 1.0  # tag: setitem
    """,
    "gelu of float32 +inf in torch's vectorised kernel": """
        x = $lib.full((9,), math.inf, dtype=$lib.float32)
        y = F.gelu(x)  # tag: gelu f32
    """,
    "a result torch marks differentiable but cannot differentiate": """
        x = $lib.tensor([[1.0, 1.0], [2.0, 3.0]], dtype=$lib.float64, requires_grad=True)
        y = x.unique_consecutive()  # tag: .unique_consecutive()
    """,
    "a check an empty tensor never reaches in torch": """
        x = $lib.zeros((2, 0), dtype=$lib.float64)
        y = x.cummin(2)  # tag: .cummin(args)
    """,
    "the sign of softshrink's zero": """
        x = $lib.tensor([-0.5, 1.0, 1.0, 0.5], dtype=$lib.float64)
        y = F.softshrink(x, 0.5)
        z = 1 / y  # tag: binary /
    """,
    "in-place acosh_, asinh_ and atanh_ are differentiable": """
        x = $lib.tensor([1.5, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x * 1
        y.acosh_()
        y.sum().backward()  # tag: backward
    """,
    "x ** False has the gradient of x ** 0": """
        x = $lib.tensor([0.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x ** False
        y.sum().backward()  # tag: backward
    """,
    "a fused rule keeps the inputs torch's composite does not": """
        x = $lib.tensor([0.5, -1.0], dtype=$lib.float64, requires_grad=True)
        y = x * 1
        z = F.tanhshrink(y)
        y.add_(1.0)
        z.sum().backward()  # tag: backward
    """,
    "output-based activation: a create_graph gradient reads its output": """
        x = $lib.tensor([1.5, -0.5], dtype=$lib.float64, requires_grad=True)
        y = F.leaky_relu(x, 0.1)
        (g,) = $grad(y.sum(), x, create_graph=True)  # tag: grad
        (h,) = $grad(g.sum(), y)  # tag: grad
    """,
    "torch's linear or einsum result is a view of its kernel's": """
        x = $lib.tensor([[[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]]], dtype=$lib.float64)
        w = $lib.tensor([[0.5, -1.0, 2.0]], dtype=$lib.float64, requires_grad=True)
        c = $lib.tensor([0.25], dtype=$lib.float64)
        with $lib.no_grad():
            y = F.linear(x, w, c)
        b = $lib.tensor([[[1.5]]], dtype=$lib.float64, requires_grad=True)
        y.add_(b)  # tag: inplace add_
    """,
    "output-based activation: its output changed in place": """
        x = $lib.tensor([-1.0, 0.5, 2.0], dtype=$lib.float64, requires_grad=True)
        y = F.leaky_relu(x, 0.2)
        y.mul_(2)
        y.sum().backward()
    """,
    "output-based activation: a parameter that makes it ambiguous": """
        x = $lib.tensor([-1.0, 0.5, 2.0], dtype=$lib.float64, requires_grad=True)
        y = F.softplus(x, beta=1.0, threshold=1.0)
    """,
    "x.numpy() of a tensor that requires grad": """
        x = $lib.tensor([1.0, 2.0], requires_grad=True)
        a = x.numpy()  # tag: .numpy()
    """,
    "a backward that raises changes no .grad": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        w = $lib.tensor([0.5, 1.5], dtype=$lib.float64, requires_grad=True)
        s = x.std()
        s.sigmoid_()
        (s * w).sum().backward()  # tag: backward
    """,
    "a hook on an output that is also an input of grad()": """
        x = $lib.tensor([-0.3, 0.52, -1.46], dtype=$lib.float64, requires_grad=True)
        y = x.amax()
        h = y.register_hook(lambda g: g.sum() + 1)
        gy, gx = $grad(y, [y, x], create_graph=True)  # tag: grad
    """,
    "grad() returns tensors of its own": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x + 1
        gy, gx = $grad(y, [y, x], grad_outputs=$lib.ones(2, dtype=$lib.float64))  # tag: grad
    """,
    "gradients are dense arrays": """
        x = $lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        (g,) = $grad(x.sum(), x)
        g[0] = 5.0
    """,
    "requires_grad_(False) after the forward": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        w = $lib.tensor([[0.5, -1.0]], dtype=$lib.float64, requires_grad=True)
        y = F.linear(x, w)
        w.requires_grad_(False)
        y.sum().backward(create_graph=True)  # tag: backward
    """,
    "det's gradient at an exactly singular matrix": """
        a = $lib.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        d = $lib.linalg.det(a)
        d.backward()  # tag: backward
    """,
    "scatter_reduce keeps no output": """
        x = $lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        s = $lib.tensor([[5.0], [0.5]], dtype=$lib.float64, requires_grad=True)
        y = x.scatter_reduce(1, $lib.tensor([[0], [1]]), s, "amax")
        y.mul_(2)
        y.sum().backward()  # tag: backward
    """,
    "a value torch keeps and we do not was changed in place": """
        x = $lib.tensor([0.5, 2.0], dtype=$lib.float64, requires_grad=True)
        t = $lib.tensor([1.0, 1.0], dtype=$lib.float64)
        loss = F.mse_loss(x, t)
        t.add_(1.0)
        loss.backward()  # tag: backward
    """,
    "float64 slope of celu": """
        x = $lib.tensor([0.5, -0.5], dtype=$lib.float64, requires_grad=True)
        y = F.celu(x, 0.7)
        y.sum().backward()  # tag: backward
    """,
    "torch's .grad can be the gradient passed to backward": """
        x = $lib.tensor(1.5, dtype=$lib.float64, requires_grad=True)
        y = x[None]
        g = $lib.tensor([2.0], dtype=$lib.float64)
        y.backward(g)
        y.sum().backward()  # tag: backward
    """,
    "torch's own internal error": """
        i = $lib.tensor([[3, -2, 1], [-1, 0, 0]])
        v = $lib.tensor(0.5, dtype=$lib.float64, requires_grad=True)
        i.fill_(v)
        t = i.t()
    """,
    "a constant: whether it requires grad": """
        x = $lib.tensor([1.5], dtype=$lib.float64, requires_grad=True)
        v = x.var()
        v.backward(create_graph=True)  # tag: backward
    """,
    "inf or nan through a fused kernel": """
        a = $lib.tensor([[-0.29, 1.35, 0.32], [-0.24, math.inf, -1.89], [1.6, 0.39, -1.36]],
                        dtype=$lib.float64)
        d = a.det()  # tag: .det()
    """,
    "a jump of the op amplifies its operand's last bit": """
        a = $lib.tensor([[1.0, -1.0, 0.0], [-0.5, -1.5, 0.0], [-1.0, 0.0, -0.5]],
                        dtype=$lib.float32, requires_grad=True)
        b = $lib.tensor([[-1.1, -0.0, -0.26], [0.54, 0.85, -1.68]], dtype=$lib.float32)
        x = OPS['linalg.solve_triangular(lower, unitriangular, left=False)'].fn(a, b)
        x.digamma_()  # tag: inplace digamma_
    """,
    "an infinite gradient passed to backward": """
        w = $lib.tensor([[0.81, 0.9, 0.62, -1.36], [1.35, -0.32, -1.59, 1.19]],
                        dtype=$lib.float64, requires_grad=True)
        x = $lib.tensor([[-0.5, -0.5, 1.0, 0.0], [1.5, -1.0, 1.5, -1.5]], dtype=$lib.float64)
        y = F.kl_div(x, w, reduction="batchmean", log_target=True)
        g = $lib.tensor(math.inf, dtype=$lib.float64)
        y.backward(g)  # tag: backward
    """,
    "the pseudo-inverse of a singular float32 matrix": """
        x = $lib.tensor([[1.0, 0.0, 0.0, -1.5, 0.0], [2.0, 0.5, -1.0, 1.0, 2.0],
                         [1.5, 0.0, -2.0, 1.0, 1.0], [1.0, 0.0, -1.5, 0.0, -0.5],
                         [0.5, 0.5, 1.0, 0.0, 1.0]], dtype=$lib.float32)
        y = x.pinverse()  # tag: .pinverse()
    """,
    "hardshrink's, hardtanh's and relu6's gradient at nan": """
        x = $lib.tensor([math.nan] * 8, dtype=$lib.float64, requires_grad=True)
        y = F.hardshrink(x)
        y.sum().backward()  # tag: backward
    """,
    "soft_margin_loss is finite where torch overflows": """
        x = $lib.tensor([1000.0, -1.0], dtype=$lib.float64, requires_grad=True)
        t = $lib.tensor([-1.0, 1.0], dtype=$lib.float64)
        y = F.soft_margin_loss(x, t, reduction='none')  # tag: F.soft_margin_loss
    """,
    "embedding_bag(max) propagates nan": """
        w = $lib.tensor([[1.0, math.nan], [3.0, -1.0]], dtype=$lib.float64)
        y = F.embedding_bag($lib.tensor([[1, 0]]), w, mode='max')  # tag: F.embedding_bag max
    """,
    "an empty tensor of a dtype the op refuses": """
        i = $lib.zeros((1, 0), dtype=$lib.int64)
        b = i.bernoulli()  # tag: .bernoulli()
    """,
    "linalg results are C-contiguous": """
        a = $lib.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], dtype=$lib.float64)
        b = OPS['inverse'].fn(a)  # tag: row inverse
        c = b.contiguous()  # tag: .contiguous()
    """,
    "svdvals has no second derivative": """
        a = $lib.tensor([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]], dtype=$lib.float64,
                        requires_grad=True)
        s = $lib.linalg.svdvals(a)
        (g,) = $grad(s.sum(), a, create_graph=True)  # tag: grad
    """,
    "a second backward through rules that kept nothing": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x.true_divide(True)
        y.sum().backward()
        y.sum().backward()  # tag: backward
    """,
    "an in-place op whose operand overlaps its target": """
        x = $lib.tensor([2.0])
        v = x[::3]
        v.div_(x)  # tag: inplace div_
    """,
    "mse_loss refuses to broadcast": """
        p = $lib.tensor([[1.0], [2.0]], dtype=$lib.float64, requires_grad=True)
        t = $lib.tensor([1.5, 0.5], dtype=$lib.float64)
        loss = F.mse_loss(p, t)  # tag: loss mse_loss
    """,
}


def check(program: td.Program) -> None:
    """Fail with a minimal reproducer if the two libraries differ; an expected failure if
    the difference is a known one."""
    diff = td.compare(program)
    if diff is None:
        return
    name = td.explain(diff, KNOWN_DIFFERENCES)
    if name is not None:
        pytest.xfail(f"known difference: {name}")
    pytest.fail(td.shrink(diff).report(), pytrace=False)


# --- (a) the curated corpus: generated programs at fixed seeds ----------------------------

CORPUS_SEEDS = range(300)


@pytest.mark.torch
@pytest.mark.parametrize("seed", CORPUS_SEEDS)
def test_generated_program(seed):
    check(td.generate(seed))


# --- (a) the curated corpus: hand-written programs, one per class of behaviour --------------
# ``$lib`` is ta or torch, ``$grad`` ta.grad or torch.autograd.grad, F the functional module.

HAND_WRITTEN = {
    # broadcasting and scalars, with gradients
    "broadcast arithmetic": """
        a = $lib.tensor([[1.0], [2.0], [-3.0]], dtype=$lib.float64, requires_grad=True)
        b = $lib.tensor([0.5, -1.0, 2.0, 0.25], dtype=$lib.float64, requires_grad=True)
        y = a * b + a / (b * b + 1) - b ** 2 + 2 ** a - 3 / b
        (y * $lib.tensor([1.0, -2.0, 0.5, 3.0], dtype=$lib.float64)).sum().backward()
    """,
    "0-d tensor against dims": """
        s = $lib.tensor(2.0, dtype=$lib.float64, requires_grad=True)
        x = $lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        y = (x * s - s).sum(dim=0)
        y.backward($lib.tensor([1.0, -1.0], dtype=$lib.float64))
    """,
    # views and in-place ops
    "in-place through an element view": """
        x = $lib.tensor([1.0, 2.0, 3.0], dtype=$lib.float64, requires_grad=True)
        h = x * 1
        e = h[0]
        e.mul_(3)
        (h * h).sum().backward()
    """,
    "in-place through a reshape and a permute": """
        x = $lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=$lib.float64, requires_grad=True)
        h = x * 2
        r = h.reshape(6)
        r[2] = 10.0
        p = h.permute(1, 0)
        p.add_(1)
        (h * x).sum().backward()
    """,
    "in-place on a leaf that requires grad": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        x.mul_(2)
    """,
    "in-place on a leaf under no_grad": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        with $lib.no_grad():
            x.mul_(2)
            x[0] = 5.0
        (x * x).sum().backward()
    """,
    "in-place on a view of a leaf": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        x[0].zero_()
    """,
    "a view made under no_grad changed in grad mode": """
        x = $lib.tensor([1.0, 2.0, 3.0], dtype=$lib.float64, requires_grad=True)
        h = x * 1
        with $lib.no_grad():
            v = h[1:]
        v.mul_(2)
    """,
    "sigmoid's output changed in place": """
        x = $lib.tensor([-1.0, 0.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x.sigmoid()
        y.mul_(2)
        y.sum().backward()
    """,
    "exp's output changed in place": """
        x = $lib.tensor([-1.0, 0.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    """,
    "mul's input changed in place": """
        x = $lib.tensor([-1.0, 0.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x + 0
        y = h * h
        h.add_(1)
        y.sum().backward()
    """,
    "add's input changed in place": """
        x = $lib.tensor([-1.0, 0.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x * 1
        y = h + 1
        h.mul_(2)
        y.sum().backward()
    """,
    "in-place ops of every kind on a non-leaf": """
        x = $lib.tensor([-1.5, 0.0, 0.5, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x * 1
        h.add_(1)
        h.sub_($lib.tensor(0.5, dtype=$lib.float64))
        h *= 2
        h /= 4
        h.clamp_(-0.5, 1.0)
        h.relu_()
        h.tanh_()
        (h * $lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=$lib.float64)).sum().backward()
    """,
    "in-place on an expanded tensor": """
        x = $lib.tensor([[1.0, 2.0]], dtype=$lib.float64)
        e = x.expand(3, 2)
        e.add_(1)
    """,
    "in-place dtype rules": """
        i = $lib.tensor([1, 2, 3])
        i += 2
        i *= True
        f = $lib.tensor([1.0, 2.0], dtype=$lib.float32)
        f += $lib.tensor([0.5, 0.25], dtype=$lib.float64)
        i += 1.5
    """,
    "in-place with broadcasting the wrong way": """
        a = $lib.tensor([1.0, 2.0], dtype=$lib.float64)
        a.add_($lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=$lib.float64))
    """,
    "detach shares memory and the version": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x * 1
        y = h * h
        d = h.detach()
        d.zero_()
        y.sum().backward()
    """,
    # indexing
    "integer array index with repeats": """
        x = $lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=$lib.float64,
                        requires_grad=True)
        y = x[[0, 2, 0]] + x[$lib.tensor([1, 1])].sum(0)
        (y * $lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=$lib.float64)).sum().backward()
    """,
    "bool mask index": """
        x = $lib.tensor([[1.0, -2.0], [-3.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        y = x[x > 0]
        z = x[$lib.tensor([True, False])]
        (y.sum() * 2 + z.sum()).backward()
    """,
    "None, Ellipsis, steps": """
        x = $lib.tensor([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]], dtype=$lib.float64,
                        requires_grad=True)
        a = x[..., None, 1]
        b = x[0, :, ::2]
        c = x[None, ..., -1]
        (a.sum() + (b * 3).sum() + c.sum()).backward()
    """,
    "negative slice step": """
        x = $lib.tensor([1.0, 2.0, 3.0], dtype=$lib.float64)
        y = x[::-1]
    """,
    "advanced indices apart": """
        x = $lib.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], dtype=$lib.float64)
        a = x[[0, 1], :, [1, 0]]
        b = x[0, :, [1, 0]]
        c = x[:, 0, [1, 0, 1]]
    """,
    "index out of range": """
        x = $lib.tensor([1.0, 2.0, 3.0], dtype=$lib.float64)
        y = x[3]
    """,
    "setitem with a broadcast value that requires grad": """
        x = $lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=$lib.float64, requires_grad=True)
        v = $lib.tensor([10.0, 20.0], dtype=$lib.float64, requires_grad=True)
        h = x * 1
        h[:, 1] = v
        h[0] = 7.0
        (h * $lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=$lib.float64)).sum().backward()
    """,
    "setitem into an integer tensor": """
        i = $lib.tensor([1, 2, 3])
        i[0] = 2.7
        i[1:] = $lib.tensor([True, False])
    """,
    "setitem of a tensor that requires grad into one that does not": """
        b = $lib.zeros(3, dtype=$lib.float64)
        v = $lib.tensor(2.0, dtype=$lib.float64, requires_grad=True)
        b[1] = v
        (b * 3).sum().backward()
    """,
    # shapes
    "view of a non-contiguous tensor": """
        x = $lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=$lib.float64)
        y = x.T.view(6)
    """,
    "reshape of a non-contiguous tensor copies": """
        x = $lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=$lib.float64)
        r = x.T.reshape(6)
        r[0] = 100.0
        v = x.T.view(3, 2)
    """,
    "squeeze, unsqueeze and flatten dims": """
        x = $lib.tensor([[[1.0, 2.0, 3.0]]], dtype=$lib.float64, requires_grad=True)
        a = x.squeeze()
        b = x.squeeze(0)
        c = x.squeeze(2)
        d = x.unsqueeze(-1)
        e = x.unsqueeze(3)
        f = x.flatten(1)
        g = x.flatten(0, -2)
        (a.sum() + b.sum() + 2 * c.sum() + d.sum() + e.sum() + f.sum() + g.sum()).backward()
    """,
    "squeeze of a dim out of range": """
        x = $lib.tensor([[1.0, 2.0]], dtype=$lib.float64)
        y = x.squeeze(2)
    """,
    "unsqueeze of a dim out of range": """
        x = $lib.tensor([[1.0, 2.0]], dtype=$lib.float64)
        y = x.unsqueeze(-4)
    """,
    "flatten with start after end": """
        x = $lib.tensor([[1.0, 2.0]], dtype=$lib.float64)
        y = x.flatten(1, 0)
    """,
    "expand with -1 and new dims": """
        x = $lib.tensor([[1.0], [2.0]], dtype=$lib.float64, requires_grad=True)
        y = x.expand(3, -1, 4)
        (y * $lib.arange(24.0, dtype=$lib.float64).reshape(3, 2, 4)).sum().backward()
    """,
    "expand of a non-1 dim": """
        x = $lib.tensor([[1.0], [2.0]], dtype=$lib.float64)
        y = x.expand(3, 4)
    """,
    "0-d tensors with dims": """
        s = $lib.tensor(3.0, dtype=$lib.float64, requires_grad=True)
        a = s.sum(0)
        b = s.sum(-1, keepdim=True)
        c = s.unsqueeze(0)
        d = s.squeeze(0)
        e = s.flatten()
        f = s.reshape(1, 1)
        (a + b + c.sum() + d + e.sum() + f.sum()).backward()
    """,
    "0-d tensor max over dim 0": """
        s = $lib.tensor(3.0, dtype=$lib.float64, requires_grad=True)
        m = s.max(0)
    """,
    "permute and transpose": """
        x = $lib.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], dtype=$lib.float64,
                        requires_grad=True)
        p = x.permute(2, 0, 1)
        t = x.transpose(0, -1)
        (p * $lib.arange(6.0, dtype=$lib.float64).reshape(2, 1, 3)).sum().backward()
        q = x.permute(0, 0, 1)
    """,
    # reductions
    "max(dim) with ties: indices and gradient": """
        x = $lib.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]], dtype=$lib.float64, requires_grad=True)
        v, i = x.max(1)
        w = x.min(dim=0, keepdim=True)
        (v.sum() + w.values.sum() * 2).backward()
    """,
    "amax, amin and max() split ties evenly": """
        x = $lib.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]], dtype=$lib.float64, requires_grad=True)
        (x.amax(1).sum() + x.amin(dim=(0, 1)) + x.max() + x.min()).backward()
    """,
    "reductions over dims": """
        x = $lib.tensor([[[1.0, -2.0], [3.0, 0.5]], [[-1.0, 4.0], [2.0, 2.0]]],
                        dtype=$lib.float64, requires_grad=True)
        a = x.sum((0, 2))
        b = x.mean(-1, keepdim=True)
        c = x.var(1)
        d = x.std(dim=(0, 1), keepdim=True)
        e = x.var(correction=0)
        f = x.argmax(1)
        g = x.argmin()
        (a.sum() + b.sum() + c.sum() + d.sum() + e).backward()
    """,
    "reductions over repeated or missing dims": """
        x = $lib.tensor([[1.0, 2.0]], dtype=$lib.float64)
        y = x.sum((0, 0))
    """,
    "empty tensors": """
        e = $lib.zeros(0, 3, dtype=$lib.float64, requires_grad=True)
        a = e.sum()
        b = e.sum(0)
        c = e.mean()
        d = e.amax(1)
        (a + b.sum()).backward()
        f = e.max()
    """,
    "variance of one element": """
        x = $lib.tensor([1.5], dtype=$lib.float64, requires_grad=True)
        v = x.var()
        s = x.std()
        v.backward()
    """,
    "integer and bool reductions": """
        i = $lib.tensor([[1, 2], [3, 4]], dtype=$lib.int32)
        b = $lib.tensor([True, False, True])
        a = i.sum()
        c = b.sum()
        d = i.amax(0)
        e = b.any()
        f = b.all()
        g = i.max(dim=1)
        m = i.mean()
    """,
    # dtypes
    "promotion with scalars and 0-d tensors": """
        i = $lib.tensor([1, 2], dtype=$lib.int32)
        f = $lib.tensor([1.0, 2.0], dtype=$lib.float32)
        a = i + 1.5
        b = i + $lib.tensor([1, 2])
        c = i + $lib.tensor(1)
        d = f * np.float64(2.0)
        e = f + $lib.tensor(2.0, dtype=$lib.float64)
        g = i / i
        h = i // 2
        k = i % 2
        m = $lib.tensor([True, False]) + $lib.tensor([True, True])
        n = i * True
        o = 2 ** i
    """,
    "bool subtraction and negation": """
        b = $lib.tensor([True, False])
        y = b - b
    """,
    "float math of integers": """
        i = $lib.tensor([1, 2, 4])
        a = i.exp()
        b = i.sqrt()
        c = i.sigmoid()
        d = i.abs()
        e = -i
        f = i.tanh()
        g = i.log()
        h = i.relu()
        k = i.float() * 0.5
        m = i.clamp(0, 3)
        n = i.clamp(0.5, 3)
    """,
    "comparisons": """
        x = $lib.tensor([1.0, 2.0, 3.0], dtype=$lib.float64, requires_grad=True)
        a = x > 2
        b = x == $lib.tensor([1, 0, 3])
        c = 2 <= x
        d = (x > 1) & (x < 3)
        e = (x > 1) | (x > 2)
        f = ~(x > 2)
    """,
    "where with scalars and mixed dtypes": """
        c = $lib.tensor([True, False, True])
        x = $lib.tensor([1.0, 2.0, 3.0], dtype=$lib.float64, requires_grad=True)
        i = $lib.tensor([1, 2, 3], dtype=$lib.int32)
        a = $lib.where(c, x, 0.0)
        b = $lib.where(c, i, 1.5)
        d = $lib.where(c, 1, 2)
        e = $lib.where(c, i, x)
        (a.sum() + e.sum()).backward()
    """,
    "cat and stack with mixed dtypes": """
        f = $lib.tensor([1.0, 2.0], dtype=$lib.float32, requires_grad=True)
        i = $lib.tensor([3, 4])
        d = $lib.tensor([5.0], dtype=$lib.float64, requires_grad=True)
        a = $lib.cat([f, i, d])
        b = $lib.stack([f, $lib.tensor([1.0, 2.0], dtype=$lib.float64)], dim=1)
        (a.sum() + b.sum()).backward()
    """,
    "cat of a 0-d tensor": """
        a = $lib.cat([$lib.tensor(1.0), $lib.tensor(2.0)])
    """,
    "matmul shapes and dtypes": """
        a = $lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        v = $lib.tensor([1.0, -1.0], dtype=$lib.float64, requires_grad=True)
        b = $lib.tensor([[[1.0, 0.0], [0.0, 2.0]]] * 3, dtype=$lib.float64, requires_grad=True)
        y = a @ v + v @ a + (v @ v) * (b @ a).sum(0)[0]
        (y * $lib.tensor([1.0, 3.0], dtype=$lib.float64)).sum().backward()
        z = a @ a.float()
    """,
    # autograd
    "backward twice": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        y.backward()
    """,
    "grad: grad_outputs, allow_unused, create_graph, second derivatives": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        w = $lib.tensor([0.5, -1.0], dtype=$lib.float64, requires_grad=True)
        u = $lib.tensor(3.0, dtype=$lib.float64, requires_grad=True)
        y = x ** 3 * w
        gx, gu = $grad(y, [x, u], grad_outputs=$lib.tensor([1.0, 2.0], dtype=$lib.float64),
                       create_graph=True, allow_unused=True)
        (gxx, gw) = $grad(gx.sum(), [x, w], create_graph=True)
        (gxxx,) = $grad(gxx, x, grad_outputs=$lib.tensor([1.0, 1.0], dtype=$lib.float64))
    """,
    "grad of an unused input": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        u = $lib.tensor(3.0, dtype=$lib.float64, requires_grad=True)
        g = $grad((x * 2).sum(), [x, u])
    """,
    "grad of a non-scalar without grad_outputs": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        g = $grad(x * 2, x)
    """,
    "grad with respect to an intermediate": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x.exp()
        y = (h * h).sum()
        (gh,) = $grad(y, h, retain_graph=True)
        (gx,) = $grad(y, x)
    """,
    "backward with create_graph, then through the gradient": """
        x = $lib.tensor([1.0, -2.0], dtype=$lib.float64, requires_grad=True)
        y = (x ** 3).sum()
        y.backward(create_graph=True)
        g = x.grad
        x.grad = None
        (g * g).sum().backward()
    """,
    "second derivatives of the activations": """
        x = $lib.tensor([-1.5, -0.25, 0.5, 2.0], dtype=$lib.float64, requires_grad=True)
        y = (x.sigmoid() + x.tanh() + F.softplus(x) + F.elu(x) + F.silu(x) + F.gelu(x)
             + x.exp() * x.abs().sqrt().sum())
        (g,) = $grad(y.sum(), x, create_graph=True)
        (h,) = $grad((g * g).sum(), x)
    """,
    "hooks on a leaf and a non-leaf": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x * 3
        log = []
        k1 = x.register_hook(lambda g: g * 10)
        k2 = h.register_hook(lambda g: log.append(g.clone()))
        k3 = h.register_hook(lambda g: g + 1)
        (h * h).sum().backward(retain_graph=True)
        k1.remove()
        (h * h).sum().backward()
    """,
    "a hook returning the wrong shape": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x * 3
        k = h.register_hook(lambda g: g.sum())
        h.sum().backward()
    """,
    "retain_grad on a non-leaf": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        h = x * 3
        h.retain_grad()
        y = (h * h).sum()
        y.backward()
        g = h.grad
    """,
    "grad mode is per thread": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        with $lib.no_grad():
            y = in_thread(lambda: x * 2)
            on = in_thread(lambda: $lib.is_grad_enabled())
        z = in_thread(lambda: $lib.no_grad()(lambda: x * 2)())
        still = $lib.is_grad_enabled()
        y.sum().backward()
    """,
    "set_grad_enabled as a function, a context manager and a decorator": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        with $lib.set_grad_enabled(False):
            a = x * 2
        b = $lib.set_grad_enabled(False)(lambda: x * 2)()
        $lib.set_grad_enabled(False)
        c = x * 2
        $lib.set_grad_enabled(True)
        with $lib.no_grad():
            with $lib.enable_grad():
                d = x * 2
    """,
    "views made under no_grad of a tensor that requires grad": """
        x = $lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=$lib.float64, requires_grad=True)
        with $lib.no_grad():
            a = x[0]
            b = x.view(4)
            c = x.T
            d = x * 2
    """,
    "requires_grad_": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64)
        x.requires_grad_()
        h = x * 2
        h.requires_grad_(True)
        i = $lib.tensor([1, 2])
        i.requires_grad_()
    """,
    "grad of itself does not free the graph": """
        x = $lib.tensor([1.0, 2.0], dtype=$lib.float64, requires_grad=True)
        y = (x * x).sum()
        (g,) = $grad(y, y)
        y.backward()
    """,
    # losses and layers
    "cross_entropy and nll_loss: shapes and reductions": """
        x = $lib.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]], dtype=$lib.float64, requires_grad=True)
        t = $lib.tensor([2, 0])
        a = F.cross_entropy(x, t)
        b = F.cross_entropy(x, t, reduction='sum')
        c = F.cross_entropy(x, t, reduction='none')
        d = F.cross_entropy(x[0], t[0])
        e = F.nll_loss(F.log_softmax(x, dim=1), t)
        x3 = $lib.tensor([[[1.0, 0.5], [2.0, -1.0], [0.0, 0.0]]], dtype=$lib.float64,
                         requires_grad=True)
        f = F.cross_entropy(x3, $lib.tensor([[1, 0]]), reduction='none')
        g = $lib.nn.CrossEntropyLoss()(x, t) + $lib.nn.NLLLoss(reduction='sum')(x, t)
        (a + b + c.sum() + d + e + f.sum() + g).backward()
    """,
    "a class index out of range": """
        x = $lib.tensor([[1.0, 2.0, 0.5]], dtype=$lib.float64)
        a = F.cross_entropy(x, $lib.tensor([3]))
    """,
    "binary cross-entropies with weights": """
        p = $lib.tensor([[0.2, 0.9], [0.5, 0.1]], dtype=$lib.float64, requires_grad=True)
        t = $lib.tensor([[0.0, 1.0], [1.0, 0.5]], dtype=$lib.float64)
        w = $lib.tensor([2.0, 0.5], dtype=$lib.float64)
        a = F.binary_cross_entropy(p, t, weight=w)
        b = F.binary_cross_entropy_with_logits(p, t, pos_weight=w, reduction='sum')
        c = $lib.nn.BCEWithLogitsLoss(weight=w)(p, t) + $lib.nn.BCELoss(reduction='sum')(p, t)
        d = F.mse_loss(p, t) + $lib.nn.MSELoss(reduction='sum')(p, t)
        (a + b + c + d).backward()
    """,
    "binary_cross_entropy of a target that requires grad": """
        p = $lib.tensor([0.2, 0.9], dtype=$lib.float64, requires_grad=True)
        t = $lib.tensor([0.0, 1.0], dtype=$lib.float64, requires_grad=True)
        a = F.binary_cross_entropy(p, t)
    """,
    "Linear, Flatten, Sequential, Dropout": """
        x = $lib.tensor([[[1.0, 2.0], [3.0, -1.0]]], dtype=$lib.float64, requires_grad=True)
        lin = $lib.nn.Linear(4, 2, dtype=$lib.float64)
        with $lib.no_grad():
            lin.weight[...] = $lib.tensor([[0.5, -1.0, 0.25, 2.0], [1.0, 1.0, -0.5, 0.0]])
            lin.bias[...] = $lib.tensor([0.1, -0.2])
        w = lin.weight
        b = lin.bias
        net = $lib.nn.Sequential($lib.nn.Flatten(), lin, $lib.nn.ReLU(),
                                 $lib.nn.Dropout(0.5).eval())
        y = net(x)
        z = F.dropout(y, p=0.0) + F.dropout(y, 0.5, training=False) + F.linear(y, w[:, :2])
        (z * $lib.tensor([[1.0, -2.0]], dtype=$lib.float64)).sum().backward()
    """,
    "activations with parameters, through F, nn and methods": """
        x = $lib.tensor([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]], dtype=$lib.float64,
                        requires_grad=True)
        a = (F.leaky_relu(x, 0.2) + F.elu(x, alpha=0.5) + F.softplus(x, beta=2.0)
             + F.hardtanh(x, -0.5, 0.5))
        b = F.gelu(x, approximate='tanh') + F.silu(x) + F.relu(x) + x.sigmoid() + x.tanh()
        c = (F.softmax(x, dim=0) + x.log_softmax(1) + $lib.nn.Softmax(dim=1)(x)
             + $lib.nn.LeakyReLU(0.1)(x))
        w = $lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=$lib.float64)
        ((a + b + c) * w).sum().backward()
    """,
    "subgradients at kinks and ties": """
        x = $lib.tensor([-1.0, 0.0, 0.5, 1.0], dtype=$lib.float64, requires_grad=True)
        y = $lib.tensor([0.0, 0.0, 0.5, 2.0], dtype=$lib.float64, requires_grad=True)
        z = (x.relu() + F.leaky_relu(x, 0.1) + x.abs() + x.clamp(-1.0, 0.5)
             + F.hardtanh(x, -1.0, 0.5) + x.maximum(y) + $lib.minimum(x, y) + F.elu(x))
        (z * $lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=$lib.float64)).sum().backward()
    """,
    "inf and nan": """
        x = $lib.tensor([math.inf, -math.inf, math.nan, 0.0, -0.0, 1e300], dtype=$lib.float64,
                        requires_grad=True)
        y = (x.exp() + x.relu() + x.sigmoid() + x.tanh() + x.abs() + x.clamp(-1.0, 1.0)
             + F.softplus(x) + x * 0)
        s = x.sign()
        m = x.max()
        (y * $lib.tensor([1.0, 1.0, 1.0, 1.0, 1.0, 0.0], dtype=$lib.float64)).sum().backward()
    """,
    "float32 in, float32 out": """
        x = $lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        y = (x.exp() * 2.5 + x.sigmoid() / 3 + F.gelu(x) + x @ x + x.sum(0)
             + np.float64(2.0) * x).softmax(-1)
        (g,) = $grad(y.sum() + F.cross_entropy(y, $lib.tensor([0, 1])), x, create_graph=True)
        g.sum().backward()
    """,
    "default dtype float64": """
        $lib.set_default_dtype($lib.float64)
        x = $lib.tensor([1.5, 2.0])
        i = $lib.tensor([1, 2]) * 0.5
        z = $lib.zeros(2)
    """,
    "factories": """
        a = $lib.full((2, 2), 3)
        b = $lib.full((2,), 1.5)
        c = $lib.arange(5)
        d = $lib.arange(0.0, 1.0, 0.25)
        e = $lib.eye(2, 3)
        f = $lib.zeros_like(c, dtype=$lib.float64)
        g = $lib.ones((2, 1), dtype=$lib.int32)
        h = $lib.tensor([1, 2.5])
        k = $lib.tensor([[True], [False]])
        m = $lib.tensor(np.arange(3, dtype=np.int32))
    """,
}


@pytest.mark.torch
@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_hand_written_program(name):
    check(td.Program.parse(HAND_WRITTEN[name], name))


def test_hand_written_programs_raise_in_torch_at_their_last_step_only():
    """A typo in a program would make both libraries raise alike, silently: in torch, every
    step but the last must run."""
    import warnings

    theirs = td.torch_backend()
    for name, text in HAND_WRITTEN.items():
        env = theirs.namespace()
        steps = td.Program.parse(text, name).steps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            errors = [td.execute(step.source(theirs), env) for step in steps]
        theirs.reset()
        assert not any(errors[:-1]), (name, errors)


# --- (c) the dtype-promotion sweep ---------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("op", td.SWEEP_OPS)
def test_dtype_promotion(op):
    """Every pair of operand kinds (1-d and 0-d tensors of nine dtypes, Python and numpy
    scalars) for ``op``: the same result dtype and values, or both raise."""
    found = []
    for program in td.sweep_programs(op):
        d = td.compare(program)
        if d is not None and td.explain(d, KNOWN_DIFFERENCES) is None:
            found.append(f"  {program.name:40s} {d.kind}: ours {d.ours}; torch {d.theirs}")
    assert not found, (f"{len(found)} operand pairs differ for {op!r} (int32[2] is "
                       "ta.tensor([1, 2], dtype=ta.int32), int32[] is ta.tensor(2, ...); "
                       "on the right no zeros):\n" + "\n".join(found))


# --- (d) the known differences are still differences -----------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("name", KNOWN_DIFFERENCES)
def test_known_difference_still_differs(name):
    d = td.compare(td.Program.parse(KNOWN_EXAMPLES[name], name))
    assert d is not None, f"{name!r} is no longer a difference: remove it from KNOWN_DIFFERENCES"
    assert td.explain(d, KNOWN_DIFFERENCES) == name, d.report()


# --- the harness itself -------------------------------------------------------------------------


def test_programs_are_deterministic_per_seed():
    ta_side = td.ta_backend()
    for seed in (0, 1, 17):
        assert td.generate(seed).source(ta_side) == td.generate(seed).source(ta_side)


def test_every_row_of_the_op_table_runs_in_torch():
    missing = [name for name in td.OPS if td.torch_row(name) is None
               and name not in td.NO_TORCH_ROW]
    assert not missing, f"op-table rows with no torch spelling in tests/torchdiff.py: {missing}"


def test_the_generator_reaches_every_kind_of_step():
    tags = {step.tag for seed in range(300, 1500) for step in td.generate(seed).steps}
    expected = {"leaf", "index", "setitem", "backward", "grad", "where", "cat", "matmul",
                "hook record", "retain_grad", "view", "reshape", "expand", "permute"}
    expected |= {f"row {name}" for name in ("add", "mul", "exp", "matmul", "cross_entropy")}
    assert expected <= tags, sorted(expected - tags)


def test_a_difference_is_found_shrunk_and_reported():
    """A planted bug (float64 exp off by one part in 1e8) is found, shrunk to a few steps,
    and reported as Python that runs."""
    import numpy as np

    import tinygrad_acts as ta

    real = ta.Tensor.exp
    ta.Tensor.exp = lambda self: real(self) * (1 + 1e-8 * (self.dtype == np.float64))
    try:
        diff = next(d for d in map(td.compare, map(td.generate, range(2000)))
                    if d is not None and d.tag.endswith("exp"))
        small = td.shrink(diff)
    finally:
        ta.Tensor.exp = real
    assert small.cls == diff.cls and len(small.program.steps) <= len(diff.program.steps)
    assert len(small.program.steps) <= 5, small.report()
    text = small.report()
    assert "--- tinygrad_acts ---" in text and "--- torch ---" in text
    exec(compile(small.program.source(td.torch_backend()), "<report>", "exec"), {})


MUTATED_ROWS = ("mul", "div", "exp", "sum(dim=1)", "matmul", "relu", "sigmoid", "softmax",
                "cross_entropy", "maximum", "expand", "getitem repeated", "linear")


def _kills(target, mutant, seeds=range(80)):
    """The first program (using the mutated row) that differs with the mutant in place and
    not without it."""
    for seed in seeds:
        program = td.generate(seed, focus=target.name)
        if td.compare(program) is not None:
            continue
        with mutant.install():
            d = td.compare(program)
        if d is not None:
            return d
    return None


def _mutants(rows=None):
    """The mutation lab's non-equivalent mutants, of the rows a program can call (a row with
    no torch spelling is an engine node, reached only through other ops)."""
    from tinygrad_acts import mutants

    return [(t, m) for t in mutants.targets(rows) if t.name not in td.NO_TORCH_ROW
            for m in mutants.mutants_for(t) if not mutants.is_equivalent(t, m)]


@pytest.mark.torch
def test_the_harness_kills_the_mutation_labs_mutants():
    """Wrong backward rules (the mutation lab's) are found by the harness on its own."""
    survivors = [f"{t.name}: {m.kind}" for t, m in _mutants(list(MUTATED_ROWS))
                 if _kills(t, m) is None]
    assert not survivors, survivors


# --- (b) the campaign -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.torch
def test_campaign():
    """Tens of thousands of generated programs (TORCHDIFF_PROGRAMS, default 20000; seeds from
    TORCHDIFF_SEED, default 100000). A failure lists every class of difference, with counts
    and a minimal reproducer of each."""
    n = int(os.environ.get("TORCHDIFF_PROGRAMS", "20000"))
    start = int(os.environ.get("TORCHDIFF_SEED", "100000"))
    summary = td.campaign(range(start, start + n), KNOWN_DIFFERENCES)
    print(summary.text())
    assert summary.unknown == 0, summary.text(examples=False)


@pytest.mark.slow
@pytest.mark.torch
def test_the_harness_kills_every_mutant():
    survivors = [f"{t.name}: {m.kind}" for t, m in _mutants() if _kills(t, m) is None]
    assert not survivors, survivors
