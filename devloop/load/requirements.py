"""Requirements files that other requirements files include (`-r base.txt`, `-c constraints.txt`):
a build that copies the including file uses the included one too, wherever it lives."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from devloop.model.dockerfile import Copy
from devloop.planning.strategy import is_dependency_file

_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)", re.MULTILINE)
_LIMIT = 256 * 1024


def included_requirements(context: Path, copies: Sequence[Copy]) -> dict[Path, Path]:
    """Included file -> the file that includes it, for the requirements files these COPY/ADD (or RUN
    bind mounts) take from the context, followed transitively; files the copies take themselves are
    left out (they count already)."""
    start = [f for copy in copies for f in _requirements_of(context, copy)]
    found: dict[Path, Path] = {}
    todo = list(dict.fromkeys(start))
    seen = set(todo)
    while todo:
        including = todo.pop()
        for name in _INCLUDE.findall(_read(including)):
            if "$" in name or "://" in name:
                continue
            included = Path(os.path.normpath(including.parent / name))
            if included not in seen:
                seen.add(included)
                found[included] = including
                todo.append(included)
    return {k: v for k, v in found.items() if k not in start}


def _requirements_of(context: Path, copy: Copy) -> list[Path]:
    """The requirements files a COPY takes: a file it names, else those at the top of a folder it
    names (and in its `requirements/` folder)."""
    found: list[Path] = []
    for source in copy.sources:
        if "$" in source or "://" in source or any(ch in source for ch in "*?["):
            continue
        host = Path(os.path.normpath(context / source.lstrip("/")))
        if host.is_file():
            found += [host] if _is_requirements(host) else []
        elif host.is_dir():
            for folder in (host, host / "requirements"):
                found += sorted(p for p in _files(folder) if _is_requirements(p))
    return found


def _is_requirements(path: Path) -> bool:
    return path.suffix in (".txt", ".in") and is_dependency_file(str(path))


def _files(folder: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
    except OSError:
        return []


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace") if path.stat().st_size <= _LIMIT else ""
    except OSError:
        return ""
