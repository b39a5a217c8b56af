"""L-BFGS: a quasi-Newton method that builds its steps from the last few gradient changes;
with ``line_search_fn="strong_wolfe"``, each step's length is searched for (More-Thuente
style bracketing with cubic interpolation), as PyTorch's LBFGS (itself minFunc's)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor
from .optimizer import Optimizer, check_min, check_number, number

__all__ = ["LBFGS"]


def _cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: tuple | None = None) -> Any:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to
    ``bounds`` (default [x1, x2]); the bounds' midpoint where the cubic has none."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(at, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj: Callable, x: list, t: Any, d: np.ndarray, f: float, g: np.ndarray,
                  gtd: Any, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple:
    """A step length t along d meeting the strong Wolfe conditions (sufficient decrease
    c1, curvature c2): first bracket one, then zoom in by cubic interpolation, within
    ``max_ls`` evaluations. Returns (f, g, t, evaluations), torch's steps exactly."""
    d_norm = np.abs(d).max()
    f_new, g_new = obj(x, t, d)
    evals, gtd_new = 1, g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done, it = False, 0
    bracket: list = []
    while it < max_ls:  # --- bracketing
        wolfe = abs(gtd_new) <= -c2 * gtd
        if f_new > (f + c1 * t * gtd) or (it > 1 and f_new >= f_prev) or (
                gtd_new >= 0 and not wolfe):  # (torch's order: decrease, curvature, slope)
            bracket, bf, bg, bgtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        if wolfe:
            bracket, bf, bg, done = [t], [f_new], [g_new], True
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj(x, t, d)
        evals, gtd_new, it = evals + 1, g_new.dot(d), it + 1
    if it == max_ls:
        bracket, bf, bg = [0, t], [f, f_new], [g, g_new]
    insufficient = False
    low, high = (0, 1) if bf[0] <= bf[-1] else (1, 0)
    while not done and it < max_ls:  # --- zoom
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1])
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too near an end: move it in (or note it)
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = obj(x, t, d)
        evals, gtd_new, it = evals + 1, g_new.dot(d), it + 1
        if f_new > (f + c1 * t * gtd) or f_new >= bf[low]:
            bracket[high], bf[high], bg[high], bgtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bf[high], bg[high], bgtd[high] = \
                    bracket[low], bf[low], bg[low], bgtd[low]
            bracket[low], bf[low], bg[low], bgtd[low] = t, f_new, g_new, gtd_new
    return bf[low], bg[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS (Nocedal 1980; Liu & Nocedal 1989), PyTorch's: ``step(closure)`` runs up to
    ``max_iter`` iterations, each a step along d = -H g, H the inverse Hessian estimated by
    the two-loop recursion over the last ``history_size`` pairs (s, y) of parameter and
    gradient changes (a pair is kept only when y.s > 1e-10), scaled by y.s / y.y.

    The closure re-evaluates the model and returns the loss (calling ``zero_grad`` and
    ``backward`` itself); it is called once per iteration (more under the line search).
    The step length is lr (the first iteration: min(1, 1 / |g|_1) lr), or the strong Wolfe
    line search's. An iteration stops the step when |g|_max <= tolerance_grad, when the
    step or the change of the loss is below tolerance_change, or after ``max_eval``
    evaluations of the closure.

    NOTE: all the parameters are one flat vector to it: one parameter group only (as
    torch), and the state lives in ``opt.state[first parameter]``.

    Args:
        params: the parameters (one group).
        lr: learning rate (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure calls per ``step`` (default max_iter * 5 // 4).
        tolerance_grad: stop when every |g_i| <= this (default 1e-7).
        tolerance_change: stop when the step or the loss change is below this (1e-9).
        history_size: pairs kept (default 100).
        line_search_fn: None or "strong_wolfe".

    Example:
        >>> import tinygrad_acts as ta
        >>> w = ta.tensor([3.0, -1.0], dtype=ta.float64, requires_grad=True)
        >>> opt = ta.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - ta.tensor([1.0, 2.0], dtype=ta.float64)) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> _ = opt.step(closure)
        >>> w.detach().numpy().round(6)
        array([1., 2.])
    """

    def __init__(self, params: Iterable[Tensor | dict], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        who = "LBFGS"
        check_min(who, "lr", lr, "learning rate")
        for name, v in (("max_iter", max_iter), ("tolerance_grad", tolerance_grad),
                        ("tolerance_change", tolerance_change),
                        ("history_size", history_size)):
            check_number(who, name, v)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # --- the parameters as one flat vector -------------------------------------------------

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p.numel(), p.dtype) if p.grad is None
                               else p.grad._array.reshape(-1) for p in self._params])

    def _add_grad(self, t: Any, d: np.ndarray) -> None:
        at = 0
        for p in self._params:
            n = p.numel()
            p._array += t * d[at:at + n].reshape(p.shape)
            p._counter[0] += 1
            at += n

    def _set_params(self, xs: list) -> None:
        for p, x in zip(self._params, xs):
            p._array[...] = x
            p._counter[0] += 1

    def _directional_evaluate(self, closure: Callable, x: list, t: Any,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        loss = float(closure())
        g = self._flat_grad()
        self._set_params(x)
        return loss, g

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """One L-BFGS step (up to ``max_iter`` iterations); returns the closure's first
        loss, as torch's."""
        if closure is None:
            raise TypeError("LBFGS.step: a closure that re-evaluates the loss is required")
        group = self.param_groups[0]
        lr, max_iter, max_eval = number(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history, search = group["history_size"], group["line_search_fn"]
        self._opt_called = True

        def evaluate() -> Any:
            with enable_grad():
                return closure()

        state = self._state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = evaluate()
        loss, evals = float(orig_loss), 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss
        d: Any = state.get("d")
        t: Any = state.get("t")
        old_dirs: Any = state.get("old_dirs")
        old_stps: Any = state.get("old_stps")
        ro: Any = state.get("ro")
        h_diag: Any = state.get("H_diag")
        prev_g: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -g, [], [], [], 1
            else:
                d, h_diag = self._direction(g, prev_g, d, t, old_dirs, old_stps, ro, h_diag,
                                            history, state)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)
            if gtd > -tol_change:
                break
            ls_evals = 0
            if search is not None:
                if search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x0 = [p._array.copy() for p in self._params]
                loss, g, t, ls_evals = _strong_wolfe(
                    lambda x, t_, d_: self._directional_evaluate(evaluate, x, t_, d_),
                    x0, t, d, loss, g, gtd, max_ls=max_eval - evals)
                self._add_grad(t, d)
                opt_cond = np.abs(g).max() <= tol_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(evaluate())
                    g = self._flat_grad()
                    opt_cond = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _direction(g: np.ndarray, prev_g: np.ndarray, d: np.ndarray, t: Any, old_dirs: list,
                   old_stps: list, ro: list, h_diag: Any, history: int,
                   state: dict) -> tuple[np.ndarray, Any]:
        """-H g by the two-loop recursion, after adding the newest (s, y) pair."""
        y = g - prev_g
        s = d * t
        ys = y.dot(s)
        if ys > 1e-10:
            if len(old_dirs) == history:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            h_diag = ys / y.dot(y)
        al = state.setdefault("al", [None] * history)
        q = -g
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q += -al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r, h_diag

    @staticmethod
    def _load_value(who: str, key: Any, name: str, value: Any, p: Tensor) -> Any:
        """LBFGS's state is flat vectors and lists of them (torch's layout), not arrays of
        the parameter's shape: taken as arrays, unchecked; a Tensor is kept, not copied,
        as torch's (a 0-d one as the numpy scalar the step itself keeps)."""
        if isinstance(value, (list, tuple)):
            return [LBFGS._load_value(who, key, name, v, p) for v in value]
        if isinstance(value, Tensor):
            return value._array[()] if value.ndim == 0 else value._array
        if hasattr(value, "__array__") and not isinstance(value, np.ndarray):
            value = np.asarray(value)
            return value.item() if value.ndim == 0 else value.copy()
        return value
