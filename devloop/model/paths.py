"""The one way devloop shows a host path: relative to a base folder (the project) when inside it."""

from __future__ import annotations

import os
from pathlib import Path


def shown(path: Path | str, base: Path | str, *, dot: bool = False) -> str:
    """`path` relative to `base` when inside it, else as it is. `dot=True` shows it as a user
    writes it in a compose file (`./app`, `.`); without, as a `file:line` citation (`app/x.py`)."""
    text, root = str(path), str(base).rstrip(os.sep) or os.sep
    if text == root:
        return "."
    prefix = root if root.endswith(os.sep) else root + os.sep
    if text.startswith(prefix):
        return ("./" if dot else "") + text[len(prefix) :]
    return text
