"""``ta.backends``: torch.backends' switches, for the backends a CPU numpy build has.

``ta.backends.cudnn`` and ``ta.backends.mps`` exist so the reproducibility boilerplate
runs (``ta.backends.cudnn.deterministic = True``, ``ta.backends.cudnn.benchmark = False``,
``if ta.backends.mps.is_available(): ...``); neither library is present, so the switches
are plain settable attributes with torch's defaults and ``is_available()`` is False.
``ta.backends.cuda`` has torch's ``is_built()`` (False) and ``matmul.allow_tf32``.

Example:
    >>> import tinygrad_acts as ta
    >>> ta.backends.cudnn.benchmark, ta.backends.cudnn.enabled, ta.backends.mps.is_available()
    (False, True, False)
"""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
