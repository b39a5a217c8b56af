"""How a Tensor prints: PyTorch's layout, number for number.

``repr(t)`` is what users read all day (tutorials, doctests, tests that compare printed
output), so it follows torch's rules exactly rather than numpy's ``array2string``:

- **one format for the whole tensor.** A `_Formatter` looks at every shown value once and
  picks one notation and one width for all of them, so the columns line up:
  - integer and bool tensors print their values (``tensor([ True, False])``);
  - a float tensor whose non-zero finite values are all whole numbers prints them with a
    trailing point (``tensor([1., 2.])``), nan and inf without one;
  - otherwise ``precision`` (4) digits after the point (``tensor([0.1000, 0.3333])``);
  - scientific notation (``1.0000e+10``) when the non-zero finite magnitudes span more than
    a factor 1000, or the largest exceeds 1e8, or the smallest is below 1e-4 (``sci_mode``
    forces it on or off);
- **rows wrap** at ``linewidth`` (80) columns, each element counting its width plus ", ";
  a nested dimension opens one more bracket, indented one more column, and dimensions
  above the last two are separated by blank lines;
- **big tensors are summarised**: above ``threshold`` (1000) elements, each dimension
  longer than ``2 * edgeitems`` shows its first and last ``edgeitems`` (3) entries around
  ``...`` (and only those shown values choose the format);
- **suffixes** follow the numbers: ``size=`` for an empty tensor that is not 1-d,
  ``dtype=`` unless the dtype is the default float, int64 or bool (an empty tensor shows any
  dtype but the default float), then ``grad_fn=<...>`` or ``requires_grad=True``; a suffix
  that would pass the line width goes on a new line.

``set_printoptions`` / ``get_printoptions`` / ``printoptions`` change the options, with
torch's defaults and its three profiles (``"default"``, ``"short"``, ``"full"``).

Example:
    >>> import tinygrad_acts as ta
    >>> from tinygrad_acts.printing import tensor_repr
    >>> print(tensor_repr(ta.tensor([0.1, 1 / 3])))
    tensor([0.1000, 0.3333])
    >>> print(tensor_repr(ta.tensor([[1.0, 2.0], [-3.0, 1e10]])))
    tensor([[ 1.0000e+00,  2.0000e+00],
            [-3.0000e+00,  1.0000e+10]])
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import dtypes

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr", "array_str"]


# --- the options -------------------------------------------------------------------------

@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = _PrintOptions()

#: torch's profiles: (precision, threshold, edgeitems, linewidth); sci_mode is not part of one
PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (torch's options, for every tensor, process-wide).

    ``profile`` is applied first, then each option given overrides it; an option left as
    ``None`` keeps its value, except ``sci_mode``, which every call sets (``None``: chosen
    from the values), exactly as in torch.

    Args:
        precision: digits after the point of a float (default 4).
        threshold: more elements than this are summarised (default 1000).
        edgeitems: entries shown at each end of a summarised dimension (default 3).
        linewidth: columns per line before a row wraps (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"``
            (never summarise).
        sci_mode: ``True`` / ``False`` force scientific notation on / off; ``None`` (the
            default) chooses it from the values.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.printing import tensor_repr
        >>> ta.set_printoptions(precision=2)
        >>> print(tensor_repr(ta.tensor([1.12345])))
        tensor([1.12])
        >>> ta.set_printoptions(threshold=5)
        >>> print(tensor_repr(ta.arange(10)))
        tensor([0, 1, 2,  ..., 7, 8, 9])
        >>> ta.set_printoptions(profile="default")
        >>> print(tensor_repr(ta.arange(10)))
        tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r} "
                             f"(choose one of {', '.join(map(repr, PROFILES))})")
        (_OPTIONS.precision, _OPTIONS.threshold, _OPTIONS.edgeitems,
         _OPTIONS.linewidth) = PROFILES[profile]
    if precision is not None:
        if isinstance(precision, bool) or not isinstance(precision, int) or precision < 0:
            raise ValueError(f"set_printoptions: precision must be an int >= 0, got "
                             f"{precision!r}")
        _OPTIONS.precision = precision
    if threshold is not None:
        _OPTIONS.threshold = threshold
    if edgeitems is not None:
        _OPTIONS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTIONS.linewidth = linewidth
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keywords ``set_printoptions`` accepts.

    Example:
        >>> import tinygrad_acts as ta
        >>> ta.get_printoptions()
        {'precision': 4, 'threshold': 1000, 'edgeitems': 3, 'linewidth': 80, 'sci_mode': None}
    """
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**options: Any) -> Iterator[None]:
    """Change the print options inside a ``with`` block, then put the old ones back.

    Example:
        >>> import tinygrad_acts as ta
        >>> from tinygrad_acts.printing import printoptions, tensor_repr
        >>> with printoptions(sci_mode=True):
        ...     print(tensor_repr(ta.tensor([1.5])))
        tensor([1.5000e+00])
    """
    old = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**old)


# --- one format for all the numbers of a tensor ------------------------------------------

class _Formatter:
    """The notation and the common width of one tensor's numbers, chosen from the values
    that will be shown (torch's ``_Formatter``).

    For a float tensor only the non-zero finite values take part: zeros, nan and inf are
    written in the chosen notation but do not widen it (``tensor([nan, 1.])``).
    """

    def __init__(self, shown: np.ndarray, options: _PrintOptions):
        self.precision = options.precision
        self.floating = shown.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max([1] + [len(str(v)) for v in _extremes(shown)])
            return
        values = shown[np.isfinite(shown) & (shown != 0)]
        if values.size == 0:  # NOTE: nothing to measure: plain "0." / "nan", even if sci_mode
            return
        self.int_mode = bool(np.all(values == np.ceil(values)))
        magnitude = np.abs(values.astype(np.float64))
        smallest, largest = float(magnitude.min()), float(magnitude.max())
        if options.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(options.sci_mode)
        self.width = max(self._measure(v) for v in _extremes(values))

    def _measure(self, value: float) -> int:
        """The width ``value`` needs (the whole-number notation adds its trailing point)."""
        if self.sci_mode:
            return len(f"{value:.{self.precision}e}")
        if self.int_mode:
            return len(f"{value:.0f}") + 1
        return len(f"{value:.{self.precision}f}")

    def format(self, value: Any) -> str:
        """One number, right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


def _extremes(values: np.ndarray) -> list[Any]:
    """The values whose text can be the widest: per sign, the largest and the smallest
    magnitude (as Python scalars).

    NOTE: the fixed notations grow with the magnitude (rounding is monotonic) and a minus
    sign adds one; scientific notation grows with the exponent's digits, largest at one end
    of the magnitudes. So four candidates decide the width of any number of values, without
    formatting each one (torch formats them all: the same answer, much slower).
    """
    values = values.ravel()
    if values.dtype.kind == "b":
        return [bool(v) for v in np.unique(values)]
    picked = []
    for part in (values[values > 0], values[values < 0], values[values == 0]):
        if part.size:
            picked += [part.min().item(), part.max().item()]
    return picked


# --- summarising: which entries are shown ------------------------------------------------

def _shown_values(a: np.ndarray, edgeitems: int) -> np.ndarray:
    """The values a summarised tensor shows (they alone choose its format): along each
    dimension longer than ``2 * edgeitems``, the first and last ``edgeitems`` entries.

    NOTE: torch's quirks at ``edgeitems=0``: a 1-d tensor still lets all its values choose
    the format (its slice ``[-0:]`` is the whole tensor), a deeper one lets none.
    """
    if edgeitems == 0:
        return a.ravel() if a.ndim <= 1 else a[:0].ravel()
    for axis, n in enumerate(a.shape):
        if n > 2 * edgeitems:
            keep = np.r_[0:edgeitems, n - edgeitems:n]
            a = np.take(a, keep, axis=axis)
    return a


# --- the layout: rows, nesting, wrapping -------------------------------------------------

def _row_str(row: np.ndarray, indent: int, summarize: bool, fmt: _Formatter,
             options: _PrintOptions) -> str:
    """A 1-d row: as many elements per line as fit in the line width after ``indent``."""
    per_line = max(1, math.floor((options.linewidth - indent) / (fmt.width + 2)))
    edge = options.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and row.shape[0] > 2 * edge:
        items = ([fmt.format(v) for v in row[:edge].tolist()] + [" ..."]
                 + [fmt.format(v) for v in row[-edge:].tolist()])
    else:
        items = [fmt.format(v) for v in row.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter,
                options: _PrintOptions) -> str:
    """An n-d block: one bracket per dimension, each level indented one more column, the
    sub-blocks of dimension d separated by d - 1 blank lines."""
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _row_str(a, indent, summarize, fmt, options)
    n, edge = a.shape[0], options.edgeitems
    if summarize and n > 2 * edge:
        keep: list[int | None] = [*range(edge), None, *range(n - edge, n)]
    else:
        keep = list(range(n))
    blocks = ["..." if i is None else _nested_str(a[i], indent + 1, summarize, fmt, options)
              for i in keep]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(blocks) + "]"


def array_str(a: np.ndarray, indent: int = 0, options: _PrintOptions | None = None) -> str:
    """The bracketed numbers of ``a`` as torch lays them out, continuation lines indented by
    ``indent`` columns (the width of what precedes the first bracket, e.g. ``tensor(``).

    Example:
        >>> import numpy as np
        >>> print(array_str(np.array([[1, -20], [300, 4]]), indent=7))
        [[  1, -20],
                [300,   4]]
    """
    options = options or _OPTIONS
    if a.size == 0:
        return "[]"
    summarize = a.size > options.threshold
    shown = _shown_values(a, options.edgeitems) if summarize else a
    return _nested_str(a, indent, summarize, _Formatter(shown, options), options)


# --- the whole repr ----------------------------------------------------------------------

_PREFIX = "tensor("


def _suffixes(a: np.ndarray, tensor: Any, options: _PrintOptions) -> list[str]:
    """What follows the numbers: size, dtype, then the autograd state (torch's order)."""
    out = []
    default = dtypes.get_default_dtype()
    if a.size == 0:  # no values to tell an int64 from a float: only the default goes unsaid
        if a.ndim != 1:
            out.append(f"size={tuple(a.shape)}")
        if a.dtype != default:
            out.append(f"dtype={a.dtype}")
    else:
        if not options.edgeitems:
            out.append(f"size={tuple(a.shape)}")
        if a.dtype not in (default, np.dtype(np.int64), np.dtype(np.bool_)):
            out.append(f"dtype={a.dtype}")
    try:
        grad_fn = tensor.grad_fn
    except RuntimeError:  # a no_grad view changed in place: its graph is ambiguous (torch)
        out.append("grad_fn=<Invalid>")
        return out
    if grad_fn is not None:
        out.append(f"grad_fn=<{grad_fn.name}>")
    elif tensor.requires_grad:
        out.append("requires_grad=True")
    return out


def _join_suffixes(text: str, suffixes: list[str], indent: int, linewidth: int) -> str:
    """``text, suffix, ...)``: a suffix that would pass the line width starts a new line.

    NOTE: the length of the last line is counted as torch counts it (two more than its
    characters when there is no newline, one more otherwise), so the breaks fall where
    torch's do.
    """
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(tensor: Any) -> str:
    """``repr(tensor)`` as torch writes it: ``tensor(`` + the numbers + the suffixes + ``)``.

    Args:
        tensor: a Tensor (anything with ``numpy()``, ``grad_fn`` and ``requires_grad``).

    Example:
        >>> import tinygrad_acts as ta
        >>> print(tensor_repr(ta.tensor([1.0, 2.0], requires_grad=True) * 2))
        tensor([2., 4.], grad_fn=<MulBackward>)
        >>> print(tensor_repr(ta.zeros(0, 3, dtype=ta.int32)))
        tensor([], size=(0, 3), dtype=int32)
    """
    options = _OPTIONS
    a = tensor.numpy()
    body = _PREFIX + array_str(a, len(_PREFIX), options)
    return _join_suffixes(body, _suffixes(a, tensor, options), len(_PREFIX), options.linewidth)
