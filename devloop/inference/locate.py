"""Where a file of the container comes from on the host: the reverse of syncmap. A bind mount that
covers the path wins (it hides what the image has there); else a COPY/ADD of the build context, the
last one first. Pure: it gives the candidates, and facts.py reads the first that exists."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from devloop.model.dockerfile import Copy
from devloop.model.project import Bind

PATH_DIRS = tuple(
    PurePosixPath(p) for p in "/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin".split()
)


@dataclass(frozen=True)
class Origin:
    """A host file that may be what the container has at some path, and how it gets there."""

    host: Path
    bind: Bind | None = None
    copy: Copy | None = None


@dataclass(frozen=True)
class SourceFile:
    """A file of the container that devloop read on the host (or, with `image`, in that image)."""

    container: str
    host: Path
    text: str
    bind: Bind | None = None
    copy: Copy | None = None
    image: str | None = None  # read from this image: no COPY or bind brings it from the host


def covering_bind(binds: Sequence[Bind], container: PurePosixPath) -> Bind | None:
    """The deepest bind whose target is `container` or one of its folders."""
    covering = [b for b in binds if b.target == container or b.target in container.parents]
    return max(covering, key=lambda b: len(b.target.parts)) if covering else None


def origins(
    container: PurePosixPath, binds: Sequence[Bind], copies: Sequence[Copy], context: Path | None
) -> list[Origin]:
    """Host files that may be `container` (absolute), in the order the container would see them."""
    bind = covering_bind(binds, container)
    if bind is not None:
        return [Origin(bind.source.joinpath(*container.relative_to(bind.target).parts), bind=bind)]
    if context is None:
        return []
    found: list[Origin] = []
    for copy in reversed(copies):  # the last COPY/ADD to a path wins
        if copy.from_stage is not None:
            continue
        destination = copy.destination
        for source in copy.sources:
            if "://" in source or "$" in source:
                continue
            clean = os.path.normpath(source.lstrip("/")).replace(os.sep, "/")
            whole = clean in (".", "")
            root = context if whole else context / clean
            if any(ch in clean for ch in "*?["):
                folder, pattern = posixpath.split(clean)
                if container.parent == destination and fnmatchcase(container.name, pattern):
                    found.append(Origin(context / folder / container.name, copy=copy))
                continue
            if not whole and container == destination:
                found.append(Origin(root, copy=copy))  # a file copied to its own name
            if not whole and container.parent == destination and container.name == posixpath.basename(clean):
                found.append(Origin(root, copy=copy))  # a file copied into a folder
            if destination in container.parents:  # a folder's content copied into the destination
                found.append(Origin(root.joinpath(*container.relative_to(destination).parts), copy=copy))
    return list(dict.fromkeys(found))


def script_paths(program: str, cwd: str | None) -> list[PurePosixPath]:
    """Container paths a program name may be: itself when absolute, relative to the working
    directory when it has a folder, else the usual PATH folders (and the working directory)."""
    if program.startswith("/"):
        return [PurePosixPath(posixpath.normpath(program))]
    base = PurePosixPath(cwd or "/")
    if "/" in program:
        return [PurePosixPath(posixpath.normpath(str(base / program)))]
    return [d / program for d in PATH_DIRS]
