"""What devloop has seen of each service since `devloop up` started, as the log follower reports
it: the last lines of its output and the state of each of its containers. The outcome watcher
judges actions on this record; nothing here judges."""

from __future__ import annotations

from collections import deque

from devloop.adapters.log_lines import ContainerChange, LogLine
from devloop.outcome.judge import Container, Line

HISTORY = 1000  # lines kept per service for judging


class Observed:
    """Per service: its recent output lines and its containers (by id) as last seen."""

    def __init__(self) -> None:
        self.history: dict[str, deque[Line]] = {}
        self.containers: dict[str, dict[str, Container]] = {}

    def add(self, line: LogLine) -> None:
        self.history.setdefault(line.service, deque(maxlen=HISTORY)).append(Line(line.line, line.at))

    def lines(self, service: str, since: float) -> list[Line]:
        """The service's output lines written at or after `since`."""
        return [line for line in self.history.get(service, ()) if line.at >= since]

    def containers_of(self, service: str) -> list[Container]:
        return list(self.containers.get(service, {}).values())

    def apply(self, change: ContainerChange) -> None:
        """A container started, died, was removed or changed health."""
        known = self.containers.setdefault(change.service, {})
        current = known.get(change.id)
        if change.status == "removed":
            known.pop(change.id, None)
            return
        if current is None and change.status != "running":
            return  # a container that went before it was seen (the one a rebuild replaced)
        if current is not None and change.at < current.since:
            return  # older than what a snapshot showed
        if current is not None and change.health is not None and change.status == "running":
            if current.status == "running":
                known[change.id] = Container(
                    current.name, "running", current.since, None, change.health, change.at
                )
                return
        health_at = change.at if change.health is not None else None
        known[change.id] = Container(
            change.container, change.status, change.at, change.exit_code, change.health, health_at
        )

    def replace(self, service: str, states: list[ContainerChange]) -> None:
        """The service's containers as the engine shows them now, instead of what was seen."""
        self.containers[service] = {
            s.id: Container(s.container, s.status, s.at, s.exit_code, s.health, s.at) for s in states
        }

    def down(self, service: str) -> str | None:
        """Why the service is down (its containers exited, died or keep restarting), or None."""
        containers = self.containers_of(service)
        down = [c for c in containers if c.status in ("exited", "dead", "restarting")]
        if not down or any(c.status == "running" for c in containers):
            return None
        first = down[0]
        return (
            f"{first.name} exited with code {first.exit_code}"
            if first.exit_code is not None
            else first.status
        )
