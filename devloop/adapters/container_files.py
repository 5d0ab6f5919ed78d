"""Copy changed files into running containers through the Docker SDK (a tar streamed from a
temporary file, modes kept), and remove deleted ones; the adapter behind the `sync` action."""

from __future__ import annotations

import os
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from devloop.adapters.engine import Engine, engine_errors
from devloop.planning.syncplan import FileSync


@dataclass(frozen=True)
class SyncResult:
    copied: int
    removed: int
    containers: int
    error: str | None = None


def _owner(chown: str | None) -> tuple[int, int]:
    """Numeric --chown=UID[:GID]; names cannot be resolved without the image, so root is kept."""
    if not chown:
        return 0, 0
    user, _, group = chown.partition(":")
    uid = int(user) if user.isdigit() else 0
    gid = int(group) if group.isdigit() else uid
    return uid, gid


def build_tar(files: Sequence[FileSync]) -> IO[bytes]:
    """A tar whose member names are the container paths relative to /, with modes and mtimes kept,
    in a temporary file (a big file is streamed through it, never held in memory); at offset 0."""
    buffer = tempfile.TemporaryFile()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for item in files:
            stat = item.host.stat()
            info = tarfile.TarInfo(str(item.target).lstrip("/"))
            info.size = stat.st_size
            info.mode = stat.st_mode & 0o7777
            info.mtime = int(stat.st_mtime)
            info.uid, info.gid = _owner(item.chown)
            with item.host.open("rb") as handle:
                tar.addfile(info, handle)
    buffer.seek(0)
    return buffer


def sync_files(engine: Engine, project: str, service: str, files: Sequence[FileSync]) -> SyncResult:
    """Copy existing files and remove deleted ones in every running container of the service."""
    present = [f for f in files if f.host.is_file()]
    gone = [f for f in files if not os.path.lexists(f.host)]
    containers = engine.containers(project, service)
    if not containers:
        return SyncResult(0, 0, 0, f"no running container of {service}")
    try:
        data = build_tar(present) if present else None
    except OSError as exc:  # a file changed or went away while it was read
        return SyncResult(0, 0, len(containers), f"cannot read the changed files: {exc}")
    try:
        for container in containers:
            error = _sync_one(container, data, gone)
            if error:
                return SyncResult(0, 0, len(containers), error)
    finally:
        if data is not None:
            data.close()
    return SyncResult(len(present), len(gone), len(containers))


def _sync_one(container: Any, data: IO[bytes] | None, gone: Sequence[FileSync]) -> str | None:
    with engine_errors(f"copying into {container.name}"):
        if data is not None:
            data.seek(0)
        if data is not None and not container.put_archive("/", data):
            return f"the engine refused the copy into {container.name}"
        if gone:
            result = container.exec_run(["rm", "-rf", "--", *(str(f.target) for f in gone)])
            if result.exit_code != 0:
                output = result.output.decode(errors="replace").strip()
                return f"removing deleted files in {container.name} failed: {output[:200]}"
    return None


def timed_sync(
    engine: Engine, project: str, service: str, files: Sequence[FileSync]
) -> tuple[SyncResult, float]:
    started = time.monotonic()
    result = sync_files(engine, project, service, files)
    return result, time.monotonic() - started
