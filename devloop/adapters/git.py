"""What git says about files of the project's work tree: whether it ignores them. Asked of git
itself (`git check-ignore`), so every .gitignore, .git/info/exclude and core.excludesFile counts."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

TIMEOUT_S = 5.0


class GitIgnores:
    """The work tree holding `directory`, found once; nothing is ignored outside a git work tree or
    when git is not installed or does not answer."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._top: str | None = None
        self._looked = False

    @property
    def top(self) -> str | None:
        if not self._looked:
            self._looked = True
            done = _git(str(self.directory), ["rev-parse", "--show-toplevel"])
            self._top = done.stdout.strip() if done is not None and done.returncode == 0 else None
        return self._top or None

    def ignored(self, paths: Sequence[str]) -> set[str]:
        """The paths (absolute) git ignores; tracked files never are."""
        top = self.top
        inside = [p for p in paths if top is not None and p.startswith(top + os.sep)]
        if top is None or not inside:
            return set()
        relative = [p[len(top) + 1 :] for p in inside]
        done = _git(top, ["check-ignore", "--stdin", "-z"], "\0".join(relative) + "\0")
        if done is None or done.returncode not in (0, 1):
            return set()
        return {os.path.join(top, p) for p in done.stdout.split("\0") if p}


def _git(cwd: str, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", "-C", cwd, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            errors="surrogateescape",
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
