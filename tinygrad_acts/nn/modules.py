"""``nn.modules``, as torch's package of that name: ``nn.modules.module`` is
``nn.module``, where the global hooks live (``register_module_forward_hook`` and friends)."""
from . import module as module

__all__ = ["module"]
