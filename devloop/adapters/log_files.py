"""Log files that services' commands name (`celery worker --logfile=logs/celery.log`), read on the
host through the bind mount: such a process writes its lines there, not to its output, so the
outcome of an action on it (Celery's `ready.` line) is only in the file."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

from devloop.adapters.log_lines import LogLine

MAX_READ = 256 * 1024  # bytes read from one file in one go; a burst beyond is skipped


class LogFiles:
    """New lines of each file since it was first seen (a file that shrank was rotated: from its
    start), as the lines of the service that writes it."""

    def __init__(self) -> None:
        self.offsets: dict[str, int] = {}
        self.partial: dict[str, bytes] = {}

    def watch(self, paths: Iterable[str]) -> None:
        """Start at the current end of these files (what is there already is old)."""
        for path in paths:
            if path not in self.offsets:
                self.offsets[path] = _size(path)

    def read(self, service: str, paths: Iterable[str]) -> list[LogLine]:
        found: list[LogLine] = []
        for path in paths:
            size, offset = _size(path), self.offsets.get(path, 0)
            if size < offset:
                offset = 0
            if size == offset:
                continue
            start = max(offset, size - MAX_READ)
            try:
                with open(path, "rb") as handle:
                    handle.seek(start)
                    data = self.partial.pop(path, b"") + handle.read(size - start)
            except OSError:
                continue
            self.offsets[path] = size
            *whole, rest = data.split(b"\n")
            if rest:
                self.partial[path] = rest
            now = time.time()
            name = os.path.basename(path)
            for raw in whole:
                found.append(LogLine(service, name, "file", raw.decode(errors="replace").rstrip("\r"), now))
        return found


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
