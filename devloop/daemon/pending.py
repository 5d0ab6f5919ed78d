"""What each service still owes an outcome for, learnt from the events the daemon emits (as the
outcome watcher learns of actions): `devloop wait` takes a ticket per service and is answered when
an outcome covers it.

A demand is a batch of changes that concerns the service, or an action begun on it (a catch-up, a
recreate). An action covers every demand made before it began; its outcome answers them."""

from __future__ import annotations

from dataclasses import dataclass

from devloop import events

BACKGROUND = ("image",)  # an image refreshed in the background: the running service is unchanged


@dataclass
class _Owed:
    asked: int = 0
    covered: int = 0  # demands the action being judged covers (0: none is)
    answered: int = 0


class Pending:
    def __init__(self) -> None:
        self.services: dict[str, _Owed] = {}
        self.ready = False  # devloop watches (the start and its catch-up are submitted by then)

    def _of(self, service: str) -> _Owed:
        return self.services.setdefault(service, _Owed())

    def observe(self, event: events.Event) -> None:
        if isinstance(event, events.Ready):
            self.ready = True
        elif isinstance(event, events.Changes):
            for service in event.services:
                self._of(service).asked += 1
        elif isinstance(event, events.ActionEvent) and event.action not in BACKGROUND:
            if event.status == "started" or (event.status == "skipped" and event.action == "reload"):
                owed = self._of(event.service)
                owed.asked += 1
                owed.covered = owed.asked
        elif isinstance(event, events.Outcome):
            owed = self._of(event.service)
            owed.answered = max(owed.answered, owed.covered or owed.asked)  # a refused build: no start
            owed.covered = 0

    def tickets(self, services: list[str]) -> dict[str, int]:
        """The demands made so far, per service: answered once `answered()` says so."""
        return {name: self._of(name).asked for name in services}

    def answered(self, service: str, ticket: int) -> bool:
        return self._of(service).answered >= ticket

    def owes(self, service: str) -> bool:
        owed = self._of(service)
        return owed.answered < owed.asked
