"""Which changed paths never matter, and .dockerignore-style matching (docker-py's own matcher)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from docker.utils.build import PatternMatcher

NOISE_DIRS = frozenset({".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hg", ".svn", ".idea"})
# Editor temp and swap files: vim (.x.swp, 4913, x~), emacs (.#x, #x#), JetBrains (x___jb_tmp___),
# LibreOffice (.~lock.x#), and atomic-save temp names.
_EDITOR_TEMP = re.compile(
    r"(^\..*\.sw[a-p]$|^4913$|~$|^\.#|^#.*#$|___jb_(tmp|old)___$|^\.~lock\.|\.tmp\.\d+$|\.crdownload$"
    r"|^\.goutputstream-|\.kate-swp$)"
)


def noise_reason(path: str) -> str | None:
    """Why a path never triggers anything, or None when it may matter."""
    name = os.path.basename(path)
    if name.startswith("._"):
        return "a macOS AppleDouble file"
    if name == ".DS_Store":
        return "a macOS Finder file"
    if name.endswith((".pyc", ".pyo")):
        return "compiled Python"
    if _EDITOR_TEMP.search(name):
        return "an editor temp file"
    parts = path.split(os.sep)
    for part in parts[:-1]:
        if part in NOISE_DIRS:
            return f"inside {part}/"
    if name in NOISE_DIRS:
        return f"{name}/ itself"
    return None


def read_ignore_file(path: Path | None) -> tuple[str, ...]:
    """Patterns of a .dockerignore, read the way docker-py reads them."""
    if path is None:
        return ()
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ()
    return tuple(line.strip() for line in lines if line.strip() and not line.strip().startswith("#"))


class IgnoreRules:
    """.dockerignore syntax (with `!` negations) over paths relative to a root."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._matcher = PatternMatcher(list(self.patterns)) if self.patterns else None

    def excludes(self, relative: str) -> bool:
        if self._matcher is None:
            return False
        return _matches(self._matcher, relative)

    def __bool__(self) -> bool:
        return bool(self.patterns)


@lru_cache(maxsize=65536)
def _matches(matcher: PatternMatcher, relative: str) -> bool:
    """BuildKit's MatchesOrParentMatches over the SDK's own patterns: the last pattern that matches
    the path or any of its parent folders wins. (docker-py's `matches` checks one parent prefix only,
    so `**/node_modules` would not exclude `web/node_modules/x.js`, which BuildKit does exclude.)"""
    relative = relative.replace(os.sep, "/")
    parents = relative.split("/")[:-1]
    prefixes = ["/".join(parents[: i + 1]) for i in range(len(parents))]
    matched = False
    for pattern in matcher.patterns:
        if pattern.exclusion != matched:
            continue  # an inclusion cannot change a match, nor an exclusion a non-match
        if pattern.match(relative) or any(pattern.match(prefix) for prefix in prefixes):
            matched = not pattern.exclusion
    return matched
