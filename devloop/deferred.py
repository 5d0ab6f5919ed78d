"""Modules loaded only when something reads them.

The Docker SDK imports paramiko (with cryptography and invoke: about 16 MB of RSS and 80 ms) as it
loads, for ssh:// engines reached without the ssh program. devloop always reaches them through the
ssh program (`use_ssh_client`, as the docker CLI does), so paramiko is left out until an attribute
of it is read, which then imports it for real."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

DEFERRED = ("paramiko",)


class _Deferred(types.ModuleType):
    """Stands in sys.modules for a module not imported yet; the first attribute read imports it."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """Put a stand-in for each installed, not yet imported module of `names`."""
    for name in names:
        if name not in sys.modules and importlib.util.find_spec(name) is not None:
            sys.modules[name] = _Deferred(name)
