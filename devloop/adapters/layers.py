"""What containers wrote in their writable layers, read with `docker diff` only when it may have
changed. The engine reports a layer's size in about 2 ms; a diff costs it half a second or more,
and one run beside a build slows the build on a small machine. So a diff is kept with the size it
was read at, reused while the size stays the same, and devloop reads it ahead in quiet moments."""

from __future__ import annotations

from dataclasses import dataclass, field

from devloop.adapters.engine import Engine

Changes = list[tuple[str, int]]  # (path, kind) as Engine.diff returns them


@dataclass(frozen=True)
class _Read:
    service: str
    size: int
    changes: Changes


@dataclass
class WrittenLayers:
    engine: Engine
    _reads: dict[str, _Read] = field(default_factory=dict)  # container id -> last diff read

    def changes(self, project: str, service: str) -> Changes:
        """The changes of every running container of a service. A layer of 0 bytes holds at most
        empty files and folders (no data to lose) and is not read. Raises EngineError."""
        sizes = self.engine.writable_sizes(project, service)
        for gone in [c for c, r in self._reads.items() if r.service == service and c not in sizes]:
            del self._reads[gone]
        found: Changes = []
        for container, size in sizes.items():
            if size == 0:
                continue
            read = self._reads.get(container)
            if read is None or read.size != size:
                read = _Read(service, size, self.engine.diff(container))
                self._reads[container] = read
            found += read.changes
        return found
