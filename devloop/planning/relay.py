"""Relaying an edit a reloader did not see (pure): which container paths to touch for the changed
host files, how long to wait for the reloader before relaying, and which of the file events that
come back are devloop's own touches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from devloop.model.project import Bind

FIRST_WAIT_S = 3.0  # before devloop has seen this reloader act: a stat reloader polls every 1 s
MIN_WAIT_S = 1.0
MAX_WAIT_S = 10.0
WAIT_FACTOR = 3.0  # times the slowest of its recent reloads
KEEP_S = 10.0  # a touch comes back as a file event within the watcher's debounce (at most 2 s)


def relay_window(durations: Sequence[float]) -> float:
    """Seconds from an edit to wait for the reloader's sign before relaying: a few times the
    slowest of its recent reloads (edit to reload line), within bounds."""
    if not durations:
        return FIRST_WAIT_S
    return min(MAX_WAIT_S, max(MIN_WAIT_S, WAIT_FACTOR * max(durations)))


def relay_targets(
    binds: Sequence[Bind], paths: Iterable[Path], is_file: Callable[[Path], bool]
) -> list[tuple[Path, PurePosixPath]]:
    """(host file, container path) for each changed file that still exists and that a bind mount
    shows in the container; the innermost bind wins, as in the container."""
    found = []
    for path in sorted(set(paths)):
        covering = [b for b in binds if b.covers(path)]
        if covering and is_file(path):
            bind = max(covering, key=lambda b: len(b.source.parts))
            found.append((path, bind.container_path(path)))
    return found


@dataclass
class Touched:
    """The host files devloop touched through a container, with their modification time right
    after the touch: a change event for such a file whose time is still that one is devloop's own
    (a later edit has another time, and is kept)."""

    keep_s: float = KEEP_S
    times: dict[Path, tuple[float, set[int]]] = field(default_factory=dict)  # path -> (until, mtimes)

    def add(self, path: Path, mtime_ns: int, now: float) -> None:
        until, mtimes = self.times.get(path, (0.0, set()))
        self.times[path] = (now + self.keep_s, {*mtimes, mtime_ns} if until > now else {mtime_ns})

    def ours(self, path: Path, mtime_ns: int | None, now: float) -> bool:
        """Whether this change of `path` (its modification time now; None: it is gone) is a touch."""
        self.times = {p: entry for p, entry in self.times.items() if entry[0] > now}
        entry = self.times.get(path)
        return entry is not None and mtime_ns is not None and mtime_ns in entry[1]

    def recent(self, path: Path) -> bool:
        """Whether devloop touched `path` lately (its touch may have started the batch)."""
        return path in self.times


def edit_began(first_at: float, kept: dict[Path, int | None], touched: Touched) -> float:
    """When the edits of a batch began. A touch's event that came back may have opened a batch
    that a later edit of the same file then joined: such a batch began at that edit (the file's
    modification time), not at the touch."""
    if not kept or not all(touched.recent(p) and t is not None for p, t in kept.items()):
        return first_at
    return max(first_at, min(t for t in kept.values() if t is not None) / 1e9)
