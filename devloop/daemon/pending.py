"""What each service still owes an outcome for, learnt from the events the daemon emits (as the
outcome watcher learns of actions): `devloop wait` takes a ticket per service and is answered when
an outcome covers it.

A demand is a batch of changes that concerns the service, or an action begun on it (a catch-up, a
recreate). An action covers every demand made before it began; its outcome answers them. A wait
reports the services its demands concern, not earlier outcomes of the others (`concerned`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from devloop import events

BACKGROUND = ("image",)  # an image refreshed in the background: the running service is unchanged


@dataclass
class _Owed:
    asked: int = 0
    covered: int = 0  # demands the action being judged covers (0: none is)
    answered: int = 0
    edit: int = 0  # the latest batch of changes (counted from 1) it had a demand since


class Pending:
    def __init__(self) -> None:
        self.services: dict[str, _Owed] = {}
        self.ready = False  # devloop watches (the start and its catch-up are submitted by then)
        self.edits = 0  # batches of changes that concerned a service or the project files

    def _of(self, service: str) -> _Owed:
        return self.services.setdefault(service, _Owed())

    def observe(self, event: events.Event) -> None:
        if isinstance(event, events.Ready):
            self.ready = True
        elif isinstance(event, events.Changes):
            self.edits += 1
            for service in event.services:
                owed = self._of(service)
                owed.asked, owed.edit = owed.asked + 1, self.edits
        elif isinstance(event, events.ActionEvent) and event.action not in BACKGROUND:
            if event.status == "started" or (event.status == "skipped" and event.action == "reload"):
                owed = self._of(event.service)
                owed.asked += 1
                owed.covered, owed.edit = owed.asked, self.edits
        elif isinstance(event, events.Outcome):
            owed = self._of(event.service)
            owed.answered = max(owed.answered, owed.covered or owed.asked)  # a refused build: no start
            owed.covered = 0

    def tickets(self, services: list[str]) -> dict[str, int]:
        """The demands made so far, per service: answered once `answered()` says so."""
        return {name: self._of(name).asked for name in services}

    def concerned(self, services: list[str], acting: Collection[str] = ()) -> list[str]:
        """Of `services`, those a wait asked now reports: those that owe an outcome or still act,
        and those of the latest edit (answered already, or acted on since); before any edit, all
        (their start is what there is to wait for)."""
        if not self.edits:
            return list(services)
        return [s for s in services if s in acting or self.owes(s) or self._of(s).edit == self.edits]

    def answered(self, service: str, ticket: int) -> bool:
        return self._of(service).answered >= ticket

    def owes(self, service: str) -> bool:
        owed = self._of(service)
        return owed.answered < owed.asked
