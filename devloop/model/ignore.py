"""Which changed paths never matter, and .dockerignore-style matching (docker-py's own matcher)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from docker.utils.build import PatternMatcher
from docker.utils.fnmatch import translate

NOISE_DIRS = frozenset(
    {".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hg", ".svn", ".idea"}
)
_SEP = re.escape(os.sep)
_NOISE_DIR = re.compile(rf"(?:^|{_SEP})({'|'.join(map(re.escape, sorted(NOISE_DIRS)))}){_SEP}")
# Editor temp and swap files: vim (.x.swp, .x.swx, 4913, x~), emacs (.#x, #x#), JetBrains
# (x___jb_tmp___), LibreOffice (.~lock.x#), GNOME and Kate, and atomic-save temp names.
_EDITOR_TEMP_TEXT = (
    r"(^\..*\.sw[a-px]$|^4913$|~$|^\.#|^#.*#$|___jb_(tmp|old)___$|^\.~lock\.|\.tmp\.\d+$|\.crdownload$"
    r"|^\.goutputstream-|\.kate-swp$|^\.devloop-probe-)"
)
_EDITOR_TEMP = re.compile(_EDITOR_TEMP_TEXT)
# Every noise name matches this: one regex call, and only then is the reason worked out.
_MAYBE_NOISE = re.compile(
    rf"^\._|^\.DS_Store$|\.py[co]$|^({'|'.join(map(re.escape, NOISE_DIRS))})$|{_EDITOR_TEMP_TEXT}"
).search


def noise_reason(path: str) -> str | None:
    """Why a path never triggers anything, or None when it may matter."""
    return noise_name_reason(path.rpartition(os.sep)[2]) or noise_folder_reason(path)


def noise_folder_reason(path: str) -> str | None:
    """Why a path inside a noise folder (.git/, __pycache__/, ...) never matters, or None."""
    inside = _NOISE_DIR.search(path)  # the first noise folder on the way, as a plain loop would find
    return f"inside {inside.group(1)}/" if inside is not None else None


# Every noise name starts or ends with one of these: a cheap test before the regex.
_NOISE_FIRST = frozenset(".#4_")
_NOISE_LAST = frozenset("~#_cdop0123456789")


def maybe_noise_name(name: str) -> bool:
    """False for a name that is certainly not noise (most names, without a regex call)."""
    return (name[:1] in _NOISE_FIRST or name[-1:] in _NOISE_LAST) and _MAYBE_NOISE(name) is not None


def noise_name_reason(name: str) -> str | None:
    """Why a file or folder of this name never matters, or None."""
    if not maybe_noise_name(name):
        return None
    if name.startswith("._"):
        return "a macOS AppleDouble file"
    if name == ".DS_Store":
        return "a macOS Finder file"
    if name.startswith(".devloop-probe-"):
        return "a probe file of devloop's mount check"
    if name.endswith((".pyc", ".pyo")):
        return "compiled Python"
    if _EDITOR_TEMP.search(name):
        return "an editor temp file"
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
    """.dockerignore syntax (with `!` negations) over paths relative to a root.

    The patterns are docker-py's own (`docker.utils.build.PatternMatcher`: its normalising and its
    `fnmatch` translation), applied as BuildKit's MatchesOrParentMatches does: the last pattern that
    matches the path or one of its parent folders decides. (docker-py's `matches` checks one parent
    prefix only, so `**/node_modules` would not exclude `web/node_modules/x.js`; BuildKit does.)
    All patterns form one regex, last first, so one call finds the last pattern matching a path;
    folders are cached, so each is matched once."""

    _CACHE_LIMIT = 8192  # paths and folders remembered; a bigger cache only holds memory

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        matcher = PatternMatcher(list(self.patterns)) if self.patterns else None
        compiled = matcher.patterns if matcher else []
        self._exclusion = tuple(p.exclusion for p in compiled)
        self._shown = tuple(p.cleaned_pattern for p in compiled)
        self._dirs = tuple(tuple(part.lower() for part in p.dirs) for p in compiled)
        self._whole: dict[str, bool] = {}
        # docker-py's fnmatch lower-cases both sides; translate() gives ^...$ for one pattern
        regexes = (translate(p.cleaned_pattern.lower())[1:-1] for p in compiled)
        alternatives = [f"(?P<p{i}>{regex})" for i, regex in enumerate(regexes)]
        self._last = re.compile(f"^(?:{'|'.join(reversed(alternatives))})$").match if compiled else None
        self._paths: dict[str, bool] = {}
        self._folders: dict[str, int] = {"": -1}

    def excludes(self, relative: str, remember: bool = True) -> bool:
        """Whether the builder does not get the file at `relative`. A walk of the whole context
        passes `remember=False`: each path is asked once, and a cache of every path of a big tree
        would stay in memory for as long as devloop runs (only its folders are remembered)."""
        if self._last is None:
            return False
        found = self._paths.get(relative)
        if found is None:
            if len(self._paths) > self._CACHE_LIMIT or len(self._folders) > self._CACHE_LIMIT:
                self._paths.clear()
                self._folders = {"": -1}
            text = relative.replace(os.sep, "/").lower()
            last = max(self._folder_last(text.rpartition("/")[0]), self._last_match(text))
            found = last >= 0 and not self._exclusion[last]
            if remember:
                self._paths[relative] = found
        return found

    def named_back(self, relative: str) -> str | None:
        """The `!` pattern that keeps this file by matching the file itself, not a folder of it
        (`*.md` then `!CHANGELOG.md`), else None: a file the context was written to carry on purpose."""
        if self._last is None:
            return None
        text = relative.replace(os.sep, "/").lower()
        own = self._last_match(text)
        if own < 0 or not self._exclusion[own] or own < self._folder_last(text.rpartition("/")[0]):
            return None
        return f"!{self._shown[own]}"

    def excludes_all_in(self, folder: str) -> bool:
        """Whether every file directly in `folder` ("" for the root) is excluded, whatever its name:
        the folder is excluded and no later `!` pattern can match a file in it."""
        if self._last is None:
            return False
        found = self._whole.get(folder)
        if found is None:
            if len(self._whole) > self._CACHE_LIMIT:
                self._whole.clear()
            text = folder.replace(os.sep, "/").lower()
            last = self._folder_last(text)
            found = last >= 0 and not self._exclusion[last]
            parts = text.split("/") if text else []
            for later in range(last + 1, len(self._dirs)) if found else ():
                if self._exclusion[later] and _may_match_child(self._dirs[later], parts):
                    found = False
                    break
            self._whole[folder] = found
        return found

    def _last_match(self, text: str) -> int:
        """The index of the last pattern that matches `text` itself, or -1."""
        assert self._last is not None
        found = self._last(text)
        return int(found.lastgroup[1:]) if found is not None and found.lastgroup else -1

    def _folder_last(self, folder: str) -> int:
        """The index of the last pattern that matches `folder` or one of its parents, or -1."""
        last = self._folders.get(folder)
        if last is None:
            last = max(self._folder_last(folder.rpartition("/")[0]), self._last_match(folder))
            self._folders[folder] = last
        return last

    def __bool__(self) -> bool:
        return bool(self.patterns)


def _may_match_child(pattern: tuple[str, ...], folder: list[str]) -> bool:
    """Whether a pattern (its folder parts) may match a file directly in `folder` (its parts); `**`
    and character classes are taken to match anything."""
    if any("**" in part or "[" in part for part in pattern):
        return True
    if len(pattern) != len(folder) + 1:
        return False  # `*` and `?` never match a `/`
    return all(re.fullmatch(translate(p)[1:-1], f) is not None for p, f in zip(pattern, folder, strict=False))
