"""Changed files a build would get wrong, found before or explained after it: a file devloop (and
so docker) cannot read is baked in by BuildKit as an empty file without an error, and a file name
that is not UTF-8 makes BuildKit fail with a message that names no file."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def unreadable(paths: Iterable[Path]) -> list[Path]:
    """The files (and folders) among `paths` that exist but cannot be read; nothing is read."""
    found: list[Path] = []
    for path in paths:
        try:
            if path.is_symlink() or not path.exists():
                continue
            if path.is_dir():
                with os.scandir(path):
                    pass
            else:
                os.close(os.open(path, _OPEN_FLAGS))
        except PermissionError:
            found.append(path)
        except OSError:
            continue
    return found


FIX = "fix its permissions, or add it to .dockerignore"


def refusal(paths: Iterable[Path]) -> str | None:
    """Why a build of these changed paths is refused: some cannot be read (so docker cannot read
    them either, and BuildKit would bake them in as empty files without an error)."""
    found = unreadable(paths)
    if not found:
        return None
    names = ", ".join(shown(p) for p in found[:5])
    return f"refused: {names} cannot be read (permission denied); the build would bake it in empty"


def is_utf8_name(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes are kept as surrogates, which do not encode
        return False
    return True


def shown(path: Path) -> str:
    """A path as text that can be printed, undecodable bytes as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def failure_hints(output: str, paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(message, hint) for a failed build whose cause the build output does not name."""
    if "invalid UTF-8" not in output:
        return []
    bad = [shown(p) for p in paths if not is_utf8_name(p)]
    what = ", ".join(bad[:5]) if bad else "a file name in the build context"
    return [
        (
            f"the build failed because {what} is not valid UTF-8, which BuildKit cannot send",
            "rename it, or add it to .dockerignore",
        )
    ]
