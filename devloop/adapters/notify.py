"""What the file watcher needs from an OS notifier, and which notifier this machine gets.

A notifier reports raw changes under its target folders as soon as the OS does, and nothing while
nothing changes: waiting costs no CPU. The quiet time, the maximum wait, the filtering and the
recovery from errors are the watcher's (watcher.py)."""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import Protocol


class Change(IntEnum):
    """What happened to a path; the values of watchfiles' `Change`, whose module (and its Rust
    notifier) is loaded only where watchfiles does the watching."""

    added = 1
    modified = 2
    deleted = 3


Changes = set[tuple[Change, str]]


class NotifierError(Exception):
    """The notifier lost events (an overflow, an error of the OS watcher): it must be opened again,
    and what changed meanwhile read from the files' times."""


class Notifier(Protocol):
    def open(self, targets: list[Path]) -> None:
        """Watch these folders recursively; FileNotFoundError if one vanished meanwhile."""

    async def wait(self, timeout_s: float | None) -> Changes:
        """The changes seen since the last call, waiting for the first up to `timeout_s` (None:
        without end); an empty set if none came. Raises NotifierError."""

    def lost(self) -> bool:
        """Whether a target folder itself went away or moved (it must be opened again)."""

    def close(self) -> None: ...


def default_notifier() -> Notifier:
    """Linux: devloop's own inotify notifier, which does not subscribe to reads (a polling reloader
    in a container reading the tree would wake a notifier that does); elsewhere, or when
    WATCHFILES_FORCE_POLLING asks for polling (network file systems), watchfiles'."""
    if sys.platform.startswith("linux") and "WATCHFILES_FORCE_POLLING" not in os.environ:
        from devloop.adapters.notify_inotify import InotifyNotifier

        return InotifyNotifier()
    from devloop.adapters.notify_watchfiles import WatchfilesNotifier

    return WatchfilesNotifier()
