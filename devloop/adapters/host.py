"""Facts about the host machine that no engine call gives: which filesystem a path lives on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from devloop.checks.filesystems import filesystem_of


def filesystem_lookup() -> Callable[[str], tuple[str, str] | None]:
    """path -> (mount point, filesystem type): /proc/self/mountinfo on Linux, `stat -f` on macOS."""
    if sys.platform.startswith("linux"):
        try:
            table = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return lambda _: None

        def linux(path: str) -> tuple[str, str] | None:
            entry = filesystem_of(os.path.realpath(path), table)
            return (entry.mount_point, entry.fstype) if entry else None

        return linux

    def other(path: str) -> tuple[str, str] | None:
        try:
            done = subprocess.run(["stat", "-f", "%T", path], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return ("", done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None

    return other


def file_owner(path: str) -> tuple[float, int] | None:
    """(modification time, owner uid) of a path, symlinks not followed; None when it is gone."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime, st.st_uid


def user_id() -> int | None:
    """The effective uid devloop runs as (None where the platform has none)."""
    return os.geteuid() if hasattr(os, "geteuid") else None
