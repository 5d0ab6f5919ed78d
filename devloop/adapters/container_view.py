"""Three ways to look into a running container, tried in order until one works:

- `procfs`: /proc/PID/root on a local Linux engine: the container's own view, no tools needed;
- `exec`: `cat` and `ls` run in the container: its own view, if the image has them;
- `archive`: `docker cp`: the engine mounts a bind source anew for it, so it shows an unshared
  folder as empty, but a stale folder (replaced on the host after start) as the new one.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, TypeVar

from devloop.adapters import archives
from devloop.adapters.engine import Engine
from devloop.checks.mounts import SAMPLE, Listing

PROBE_PREFIX = ".devloop-probe-"
VIEWS = ("procfs", "exec", "archive")
T = TypeVar("T")


def is_probe(path: str | os.PathLike[str]) -> bool:
    """A probe file doctor writes for a moment: watchers should ignore it."""
    return os.path.basename(os.fspath(path)).startswith(PROBE_PREFIX)


def folder_listing(folder: Path) -> Listing:
    """The first SAMPLE names in a folder, with sizes of regular files."""
    names = sorted(n for n in os.listdir(folder) if not is_probe(n))
    entries = []
    for name in names[:SAMPLE]:
        try:
            st = os.lstat(folder / name)
            entries.append((name, st.st_size if stat.S_ISREG(st.st_mode) else None))
        except OSError:
            entries.append((name, None))
    return Listing(tuple(entries), len(names) <= SAMPLE)


class Unavailable(Exception):
    """No way of looking into the container works here."""


class _Way(Protocol):
    via: str

    def read(self, target: PurePosixPath, max_bytes: int) -> bytes | None: ...

    def listing(self, target: PurePosixPath) -> Listing | None: ...


class _ProcView:
    via = "procfs"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, target: PurePosixPath) -> Path:
        path = self.root
        for part in target.parts[1:]:
            path = path / part
            if path.is_symlink():  # it would resolve against our root, not the container's
                raise Unavailable()
        return path

    def read(self, target: PurePosixPath, max_bytes: int) -> bytes | None:
        try:
            with open(self._path(target), "rb") as handle:
                return handle.read(max_bytes)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as exc:
            raise Unavailable() from exc

    def listing(self, target: PurePosixPath) -> Listing | None:
        try:
            return folder_listing(self._path(target))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise Unavailable() from exc


class _ExecView:
    via = "exec"

    def __init__(self, engine: Engine, container_id: str) -> None:
        self.engine, self.id = engine, container_id

    def read(self, target: PurePosixPath, max_bytes: int) -> bytes | None:
        done = self.engine.exec_run(self.id, ["cat", str(target)], max_bytes)
        if done is None:
            raise Unavailable()
        return done[1] if done[0] == 0 else None

    def listing(self, target: PurePosixPath) -> Listing | None:
        done = self.engine.exec_run(self.id, ["ls", "-A1", str(target)])
        if done is None:
            raise Unavailable()
        if done[0] != 0:
            return None
        names = sorted(n for n in done[1].decode(errors="replace").splitlines() if n and not is_probe(n))
        return Listing(tuple((n, None) for n in names[:SAMPLE]), len(names) <= SAMPLE)


class _ArchiveView:
    via = "archive"

    def __init__(self, engine: Engine, container_id: str) -> None:
        self.engine, self.id = engine, container_id

    def read(self, target: PurePosixPath, max_bytes: int) -> bytes | None:
        return archives.read(self.engine, self.id, str(target), max_bytes)

    def listing(self, target: PurePosixPath) -> Listing | None:
        sample = archives.entries(self.engine, self.id, str(target), SAMPLE)
        if sample is None:
            return None
        return Listing(tuple(e for e in sample.entries if not is_probe(e[0])), sample.complete)


class ContainerView:
    """The ways to look into one container, in order; one that does not work is dropped."""

    def __init__(self, engine: Engine, attrs: dict[str, Any], via: Sequence[str] = VIEWS) -> None:
        self._views = _make_views(engine, attrs, via)
        self.used = ""  # the way that answered last

    def _first(self, ask: Callable[[_Way], T]) -> T:
        while self._views:
            view = self._views[0]
            try:
                result = ask(view)
            except Unavailable:
                self._views.pop(0)
                continue
            self.used = view.via
            return result
        raise Unavailable()

    def read(self, target: PurePosixPath, max_bytes: int) -> bytes | None:
        """Up to `max_bytes` of a file as the container sees it; None when it is not there."""
        return self._first(lambda view: view.read(target, max_bytes))

    def listing(self, target: PurePosixPath) -> Listing | None:
        """A sample of a folder as the container sees it; None when it is not there."""
        return self._first(lambda view: view.listing(target))


def _make_views(engine: Engine, attrs: dict[str, Any], via: Sequence[str]) -> list[_Way]:
    views: list[_Way] = []
    for name in via:
        if name == "procfs":
            root = _proc_root(attrs)
            if root is not None:
                views.append(_ProcView(root))
        elif name == "exec":
            views.append(_ExecView(engine, attrs["Id"]))
        elif name == "archive":
            views.append(_ArchiveView(engine, attrs["Id"]))
    return views


def _proc_root(attrs: dict[str, Any]) -> Path | None:
    """/proc/PID/root of the container's main process, when it is ours to read: a local Linux
    engine, and the process at that PID is in the container's cgroup."""
    pid = (attrs.get("State") or {}).get("Pid") or 0
    if not sys.platform.startswith("linux") or pid <= 0:
        return None
    try:
        if attrs["Id"] not in Path(f"/proc/{pid}/cgroup").read_text():
            return None
        os.listdir(f"/proc/{pid}/root/")
    except OSError:
        return None
    return Path(f"/proc/{pid}/root")
