"""Files of a container as the engine sees them (`docker cp`'s archive endpoint), read as a stream
with a byte budget: a folder's first entries, one file, or digests of some files."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

import docker.errors

from devloop.adapters.engine import Engine, engine_errors


def digest(handle: BinaryIO) -> str:
    """SHA-256 of a file's content, read in chunks: how devloop compares a file with an image's copy."""
    hasher = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        hasher.update(chunk)
    return hasher.hexdigest()


def entries(
    engine: Engine, container_id: str, path: str, limit: int = 50, max_bytes: int = 8 << 20
) -> ArchiveSample | None:
    """The first `limit` entries (lexical order) directly under a folder as the engine sees it
    (`docker cp`), reading at most `max_bytes` of the archive; None when the path is not there.

    The engine mounts the bind source anew for this, so it shows what the engine sees at the
    source path now, not necessarily what a running container sees."""
    entries: dict[str, int | None] = {}
    complete = True
    with _archive(engine, container_id, path, max_bytes) as members:
        if members is None:
            return None
        try:
            for member in members:
                parts = member.name.split("/")
                if len(parts) < 2 or not parts[1] or parts[1] in entries:
                    continue
                if len(entries) >= limit:
                    complete = False
                    break
                entries[parts[1]] = member.size if member.isfile() else None
        except _ArchiveBudget:
            complete = False
    return ArchiveSample(tuple(sorted(entries.items())), complete)


def read(engine: Engine, container_id: str, path: str, max_bytes: int = 1 << 20) -> bytes | None:
    """Up to `max_bytes` of one file as the engine sees it (`docker cp`); None when the path
    is not there or not a file."""
    with _archive(engine, container_id, path, max_bytes + (64 << 10)) as members:
        if members is None:
            return None
        try:
            for member in members:
                if not member.isfile():
                    return None
                handle = members.extractfile(member)
                return handle.read(max_bytes) if handle is not None else None
        except _ArchiveBudget:
            return None
    return None


def digests(
    engine: Engine, container_id: str, path: str, wanted: set[str], max_bytes: int = 512 << 20
) -> dict[str, str]:
    """SHA-256 of the regular files in the archive of `path` (`docker cp`) whose names (under
    the archive's top folder, with /) are in `wanted`; files not found, or past `max_bytes` of
    archive, are left out."""
    found: dict[str, str] = {}
    with _archive(engine, container_id, path, max_bytes) as members:
        try:
            for member in members if members is not None else ():
                name = member.name.partition("/")[2] if "/" in member.name else ""
                if member.isfile() and (name in wanted or (not name and "" in wanted)):
                    handle = members.extractfile(member)
                    if handle is not None:
                        found[name] = digest(handle)
                if len(found) == len(wanted):
                    break
        except (_ArchiveBudget, tarfile.TarError):
            pass
    return found


@contextmanager
def _archive(engine: Engine, container_id: str, path: str, max_bytes: int) -> Iterator[Any]:
    chunks: Any = None
    with engine_errors("reading files from a container"):
        try:
            chunks, _ = engine.client.api.get_archive(container_id, path, chunk_size=64 << 10)
        except docker.errors.APIError:  # NotFound, or a container that is gone
            chunks = None
    if chunks is None:
        yield None
        return
    reader = _ChunkReader(chunks, max_bytes)
    try:
        try:
            tar = tarfile.open(fileobj=reader, mode="r|")  # type: ignore[call-overload]
        except (tarfile.TarError, _ArchiveBudget):
            yield None
            return
        with tar:
            yield tar
    finally:
        chunks.close()  # drops the response: a partly read archive is not read to its end


@dataclass(frozen=True)
class ArchiveSample:
    """Names directly under a folder with file sizes (None for anything else)."""

    entries: tuple[tuple[str, int | None], ...]
    complete: bool  # False when cut at the entry or byte limit


class _ArchiveBudget(Exception):
    """More of an archive was asked for than allowed."""


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks that stops after `max_bytes`."""

    def __init__(self, chunks: Iterator[bytes], max_bytes: int) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._left = max_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left -= len(chunk)
            if self._left < 0:
                raise _ArchiveBudget()
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
