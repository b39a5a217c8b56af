"""torch.autograd.functional: whole derivatives of a function, by reverse mode.

- ``jacobian(func, inputs)``: J[i][j] = d outputs[i] / d inputs[j], shaped
  ``output.shape + input.shape``.
- ``hessian(func, inputs)``: the Jacobian of the gradient of a scalar function.
- ``vjp(func, inputs, v)``: (outputs, v^T J); ``jvp(func, inputs, v)``: (outputs, J v).
- ``vhp`` / ``hvp``: (output, v^T H) / (output, H v) for a scalar function.

``inputs`` is a Tensor or a tuple of Tensors, and the results nest as torch's: a tuple
level for each of outputs and inputs that was a tuple. As in torch, the results are
detached unless ``create_graph=True`` (then they are differentiable, for higher
derivatives), an output that does not depend on an input gives zeros (``strict=True``
raises instead), and ``vectorize`` / ``strategy="forward-mode"`` are accepted: the values
are the same, computed here one reverse pass per output element (``jvp`` by the
double-backward trick: the vjp is linear in its vector, so differentiating it with respect
to that vector gives J v).

Importable by torch's path: ``from tinygrad_acts.autograd.functional import jacobian``.

Example:
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts.autograd.functional import jacobian, hessian
    >>> jacobian(lambda x: x ** 2, ta.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    >>> hessian(lambda x: (x ** 3).sum(), ta.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]


# --- helpers: tuples in and out, inputs made differentiable ----------------------------------


def _as_tuple(value: Any, what: str, who: str) -> tuple[bool, tuple]:
    """(whether it was a tuple, as a tuple), checking it is a Tensor or a tuple of them."""
    Tensor = autograd.Tensor
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for item in items:
        if not isinstance(item, Tensor):
            given = (f"{what} given to {who} must be either a Tensor or a tuple of Tensors "
                     f"but the given {what} has type {type(value if not is_tuple else item)}")
            raise TypeError(f"The {given}.")
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs to differentiate with respect to: with ``create_graph``, a view of an input
    that requires grad (so results stay connected to it); else a detached copy."""
    return tuple(x.view(x.shape) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(True) for x in inputs)


def _finish(values: tuple, create_graph: bool) -> tuple:
    return tuple(v if create_graph else v.detach() for v in values)


def _nest(values: Any, outer: bool, inner: bool | None = None) -> Any:
    """torch's result nesting: drop the tuple level of each argument that was no tuple."""
    if inner is None:
        return values if outer else values[0]
    if not inner:
        values = tuple(row[0] for row in values)
    return values if outer else values[0]


def _zeros_like(x: Any) -> Any:
    return autograd.Tensor(np.zeros(x.shape, x.dtype))


def _vjp_rows(outputs: tuple, inputs: tuple, vectors: tuple, create_graph: bool,
              strict: bool, who: str, retain: bool = True) -> tuple:
    """v^T J for each input (zeros where unused; strict raises), one backward pass."""
    used = [i for i, out in enumerate(outputs) if out.requires_grad]
    if strict:
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not "
                                   "require gradients. The outputs must be computed in a "
                                   "differentiable manner from the input when running in "
                                   "strict mode.")
    grads: tuple = (None,) * len(inputs)
    if used:
        grads = autograd.grad([outputs[i] for i in used], list(inputs),
                              grad_outputs=[vectors[i] for i in used], retain_graph=retain,
                              create_graph=create_graph, allow_unused=True)
    if strict:
        for j, g in enumerate(grads):
            if g is None:
                raise RuntimeError(f"The output of the user-provided function is independent "
                                   f"of input {j}. This is not allowed in strict mode.")
    return tuple(_zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def _check_vectors(v: Any, like: tuple, who: str, none_message: str) -> tuple:
    """The vectors of a vjp / jvp: given (one per tensor of ``like``, shapes checked), or
    None for a single one-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(none_message)
        return (autograd.Tensor(np.ones(like[0].shape, like[0].dtype)),)
    _, vectors = _as_tuple(v, "v", who)
    if len(vectors) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got "
                           f"{len(vectors)}.")
    for vec, ref in zip(vectors, like):
        if vec.shape != ref.shape:
            raise RuntimeError(f"v has invalid size: should be {ref.shape} but got "
                               f"{vec.shape}.")
    return vectors


# --- jacobian / hessian -----------------------------------------------------------------------


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: entry [i][j] has shape
    ``outputs[i].shape + inputs[j].shape``.

    Args:
        func: Tensors in, a Tensor or a tuple of Tensors out.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the result differentiable (default False: detached).
        strict: raise when an output does not depend on an input (default: zeros).
        vectorize, strategy: torch's performance switches ("reverse-mode" or
            "forward-mode", the latter only with vectorize, as torch); same values here.
    """
    _check_strategy(strategy, vectorize, strict)
    is_in_tuple, raw = _as_tuple(inputs, "inputs", "jacobian")
    with autograd.enable_grad():
        ins = _prepare(raw, create_graph)
        outs_value = func(*ins)
        is_out_tuple, outs = _as_tuple(outs_value, "outputs of the user-provided function",
                                       "jacobian")
        rows = [_jacobian_of(out, i, ins, create_graph, strict) for i, out in enumerate(outs)]
    return _nest(tuple(tuple(r) for r in rows), is_out_tuple, is_in_tuple)


def _check_strategy(strategy: str, vectorize: bool, strict: bool) -> None:
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian is only implemented for `vectorize=True`.")
    if strict and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           "`vectorized=True` are not supported together. Please either set "
                           "`strict=False` or `vectorize=False`.")


def _jacobian_of(out: Any, index: int, ins: tuple, create_graph: bool, strict: bool) -> list:
    """d out / d each input, one reverse pass per element of ``out``."""
    Tensor = autograd.Tensor
    pieces: list[list] = [[] for _ in ins]
    for k in range(out.numel()):
        onehot = np.zeros(out.numel(), out.dtype)
        onehot[k] = 1
        vector = Tensor._wrap(onehot.reshape(out.shape))
        grads = _vjp_rows((out,), ins, (vector,), create_graph, strict, "jacobian")
        for j, g in enumerate(grads):
            pieces[j].append(g)
    result = []
    for j, x in enumerate(ins):
        if not pieces[j]:
            result.append(Tensor._wrap(np.zeros(out.shape + x.shape, x.dtype)))
            continue
        done = _stack(pieces[j]).reshape(out.shape + x.shape)
        result.append(done if create_graph else done.detach())
    return result


def _stack(tensors: list) -> Any:
    from .tensor import stack  # (here: tensor.py imports the engine, which imports us)
    return stack(tensors)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: entry [i][j] has shape
    ``inputs[i].shape + inputs[j].shape``. Arguments as ``jacobian``'s; ``func`` must
    return a single Tensor of one element."""
    is_in_tuple, _ = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*xs: Any) -> Any:
        out = func(*xs)
        _single_element(out, "hessian")
        return out.reshape(())

    def gradient(*xs: Any) -> Any:
        jac = jacobian(scalar, xs, create_graph=True)
        if strict:
            for j, g in enumerate(jac):
                if not g.requires_grad:
                    raise RuntimeError(
                        f"While computing the hessian, found that the jacobian of the "
                        f"user-provided function with respect to input {j} is independent "
                        "of the input. This is not allowed in strict mode. You should "
                        "ensure that your function is twice differentiable and that the "
                        "jacobian depends on the inputs (this would be violated by a "
                        "linear function for example).")
        return jac

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _nest(result, is_in_tuple, is_in_tuple) if is_in_tuple else result[0]


def _single_element(out: Any, who: str) -> None:
    if not isinstance(out, autograd.Tensor):
        raise RuntimeError(f"The function given to {who} should return a single Tensor")
    if out.numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {who} should "
                           "contain a single element")


# --- vector products: vjp / jvp / vhp / hvp ----------------------------------------------------


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass. ``v`` matches
    the outputs (may be None for one output of one element)."""
    is_in_tuple, raw = _as_tuple(inputs, "inputs", "vjp")
    with autograd.enable_grad():
        ins = _prepare(raw, create_graph)
        is_out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function",
                                       "vjp")
        vectors = _check_vectors(v, outs, "vjp", "The vector v can only be None if the "
                                 "user-provided function returns a single Tensor with a "
                                 "single element.")
        grads = _vjp_rows(outs, ins, vectors, create_graph, strict, "vjp")
    return (_nest(_finish(outs, create_graph), is_out_tuple),
            _nest(_finish(grads, create_graph), is_in_tuple))


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), J v): the Jacobian-vector product. ``v`` matches the inputs (may be
    None for one input of one element). Computed by the double-backward trick."""
    _, raw = _as_tuple(inputs, "inputs", "jvp")
    vectors = _check_vectors(v, raw, "jvp", "The vector v can only be None if the input to "
                             "the user-provided function is a single Tensor with a single "
                             "element.")
    with autograd.enable_grad():
        ins = _prepare(raw, create_graph)
        is_out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function",
                                       "jvp")
        dummies = tuple(_zeros_like(o).requires_grad_(True) for o in outs)
        grads = _vjp_rows(outs, ins, dummies, True, strict, "jvp")
        wanted = [g for g in grads if g.requires_grad]
        products: tuple = (None,) * len(outs)
        if wanted:
            products = autograd.grad(wanted, list(dummies),
                                     grad_outputs=[vec for vec, g in zip(vectors, grads)
                                                   if g.requires_grad],
                                     create_graph=create_graph, allow_unused=True)
        result = tuple(_zeros_like(o) if p is None else p for p, o in zip(products, outs))
    return (_nest(_finish(outs, create_graph), is_out_tuple),
            _nest(_finish(result, create_graph), is_out_tuple))


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), v^T H) for a scalar function: the gradient of (grad . v)."""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), H v) for a scalar function.

    NOTE: computed as v^T H, which is H v because the Hessian of a twice continuously
    differentiable function is symmetric (torch computes H v by a double backward; the
    two agree wherever the second derivatives are continuous)."""
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)


def _hessian_product(who: str, func: Callable, inputs: Any, v: Any, create_graph: bool,
                     strict: bool) -> tuple:
    is_in_tuple, raw = _as_tuple(inputs, "inputs", who)
    vectors = _check_vectors(v, raw, who, "The vector v can only be None if the input to "
                             "the user-provided function is a single Tensor with a single "
                             "element.")
    with autograd.enable_grad():
        ins = _prepare(raw, create_graph)
        out = func(*ins)
        _single_element(out, who)
        grads = _vjp_rows((out,), ins, (autograd.Tensor(np.ones(out.shape, out.dtype)),),
                          True, strict, who)
        wanted = [j for j, g in enumerate(grads) if g.requires_grad]
        if strict and len(wanted) != len(grads):
            raise RuntimeError(f"The jacobian of the user-provided function is independent "
                               f"of input {min(set(range(len(grads))) - set(wanted))}. This "
                               "is not allowed in strict mode.")
        second: tuple = (None,) * len(ins)
        if wanted:
            second = autograd.grad([grads[j] for j in wanted], list(ins),
                                   grad_outputs=[vectors[j] for j in wanted],
                                   create_graph=create_graph, allow_unused=True)
        result = tuple(_zeros_like(x) if s is None else s for s, x in zip(second, ins))
    return (_finish((out,), create_graph)[0], _nest(_finish(result, create_graph), is_in_tuple))


# torch's path: ``import tinygrad_acts.autograd.functional`` finds this module
sys.modules[__name__.rsplit(".", 1)[0] + ".autograd.functional"] = sys.modules[__name__]
