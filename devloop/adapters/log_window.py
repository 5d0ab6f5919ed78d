"""Where the log follower's threads put what they read until the daemon takes it: a bounded ring
of lines per service and the containers' state changes, handed out in engine-time order. The two
streams of a container are two connections read by two threads, and under load one lags the other,
so an item is held briefly for a later-read, older one of the other stream to take its place
(`release`)."""

from __future__ import annotations

import threading
import time
from collections import deque

from devloop.adapters.log_lines import REORDER_S, Batch, ContainerChange, Held, LogLine, release

RING = 2000  # lines kept per service until the daemon takes them
# While one stream of a container connects (at a start), its other stream's lines wait for it, as its
# first lines may be older: at most this long, once per start of a container.
CONNECT_S = 2.0


class LogWindow:
    """Lines and state changes as the threads read them, each held `hold` seconds before it may go
    out; `take()` hands out what may, `wait()` blocks until something may."""

    def __init__(self, ring: int = RING, hold: float = REORDER_S) -> None:
        self.ring = ring
        self.hold = hold
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.lines: dict[str, deque[Held[LogLine]]] = {}  # in the order read
        self.dropped: dict[str, int] = {}
        self.changes: deque[Held[ContainerChange]] = deque(maxlen=ring)
        self.connects: dict[tuple[str, str], float] = {}  # (container name, stream) -> since when
        self.closed = False
        self.poked = False

    def close(self) -> None:
        """End every `wait()`, now and later."""
        with self.lock:
            self.closed = True
            self.changed.notify_all()

    # -- what the threads found -----------------------------------------------------------
    def put(self, line: LogLine) -> None:
        with self.lock:
            ring = self.lines.setdefault(line.service, deque(maxlen=self.ring))
            if len(ring) == self.ring:
                self.dropped[line.service] = self.dropped.get(line.service, 0) + 1
            ring.append((time.monotonic(), line.at, line))
            self.changed.notify_all()

    def put_change(self, change: ContainerChange) -> None:
        with self.lock:  # held like a line: a container's exit never overtakes its last words
            self.changes.append((time.monotonic(), change.at, change))
            self.changed.notify_all()

    def connecting(self, container: str, stream: str, now: bool) -> None:
        with self.lock:
            if now:
                self.connects[(container, stream)] = time.monotonic()
            else:
                self.connects.pop((container, stream), None)
                self.changed.notify_all()

    def _blocked(self, now: float) -> dict[str, float]:
        """Containers whose lines wait for a stream that connects, and until when at most."""
        blocked: dict[str, float] = {}
        for (container, _), began in self.connects.items():
            if now - began < CONNECT_S:
                blocked[container] = max(blocked.get(container, 0.0), began + CONNECT_S)
        return blocked

    # -- what the daemon takes ------------------------------------------------------------
    def take(self) -> Batch:
        """What may go out (`release`) of what arrived: lines in engine-time order, state changes,
        and per service how many lines the ring dropped meanwhile."""
        with self.lock:
            blocked = self._blocked(time.monotonic())
            held: list[Held[LogLine | ContainerChange]] = [*self.changes]
            held += [h for ring in self.lines.values() for h in ring if h[2].container not in blocked]
            waiting = [h for ring in self.lines.values() for h in ring if h[2].container in blocked]
            out, kept = release(held, time.monotonic(), self.hold)
            kept = sorted([*kept, *waiting], key=lambda h: h[0])
            self.changes.clear()
            self.lines.clear()
            for read, at, item in kept:  # each ring stays in the order read
                if isinstance(item, LogLine):
                    ring = self.lines.setdefault(item.service, deque(maxlen=self.ring))
                    ring.append((read, at, item))
                else:
                    self.changes.append((read, at, item))
            lines = [item for item in out if isinstance(item, LogLine)]
            changes = [item for item in out if isinstance(item, ContainerChange)]
            dropped = dict(self.dropped)
            self.dropped.clear()
        return lines, changes, dropped

    def _next(self, now: float) -> float | None:
        """When something held may go out first (monotonic s), or None when nothing is held."""
        blocked = self._blocked(now)
        times = [read + self.hold for read, _, _ in self.changes]
        times += [
            max(read + self.hold, blocked.get(x.container, 0.0))
            for r in self.lines.values()
            for read, _, x in r
        ]
        return min(times, default=None)

    def wait(self, timeout: float) -> bool:
        """Block until something may go out, or `poke()`, or `timeout`; False once closed."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not self.closed and not self.poked:
                now = time.monotonic()
                ready = self._next(now)
                if (ready is not None and now >= ready) or now >= deadline:
                    break
                self.changed.wait(min(deadline, ready if ready is not None else deadline) - now)
            self.poked = False
            return not self.closed

    def poke(self) -> None:
        """End a `wait()` now (its caller has something to do), even with nothing new."""
        with self.lock:
            self.poked = True
            self.changed.notify_all()
