"""How `devloop up` shows its events: a rich live view on a terminal, plain timestamped lines
otherwise, JSON lines with --json. The single place that writes to the terminal while up runs."""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from devloop import events


def printable(text: str) -> str:
    """A file name that is not UTF-8 (undecodable bytes kept as surrogates) shown as \\xNN escapes,
    so writing it to a UTF-8 terminal or pipe cannot fail."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def describe(event: events.Event) -> str | None:
    """One plain line for an event; the VS Code problem matcher reads these (see the README)."""
    if isinstance(event, events.Starting):
        engine = f" on context {event.context!r} ({event.endpoint})" if event.endpoint else ""
        return f"devloop: starting {event.project}{engine}: " + ", ".join(
            f"{s} ({event.strategies[s]})" for s in event.services
        )
    if isinstance(event, events.Ready):
        return f"devloop: watching {len(event.watching)} path(s) for {event.project}; ready"
    if isinstance(event, events.Changes):
        acts = ", ".join(f"{s}: {a}" for s, a in sorted(event.services.items())) or "project files"
        return f"changes: {len(event.paths)} path(s) -> {acts}"
    if isinstance(event, events.ActionEvent):
        took = f" in {event.duration_s:.2f}s" if event.duration_s is not None else ""
        if event.status == "skipped":
            return f"{event.service}: reloads itself ({event.reason})"
        line = f"{event.service}: {event.action} {event.status}{took}"
        if event.status == "started":
            line += f" ({event.reason})"
        if event.status == "failed":
            where = f"{event.location}: " if event.location else ""
            line = (
                f"error: {where}{event.service}: {event.action} failed{took}: {event.command or ''}".rstrip(
                    ": "
                )
            )
            if event.detail:
                line += "\n" + "\n".join("  | " + part for part in event.detail.splitlines())
        return line
    if isinstance(event, events.Log):
        return f"{event.service} | {event.line}"
    if isinstance(event, events.Outcome):
        if event.state == "live":
            took = f", {event.edit_to_live_s:.2f}s after the edit" if event.edit_to_live_s is not None else ""
            return f"{event.service}: live after {event.action}{took}"
        where = f"{event.location}: " if event.location else ""
        return f"error: {where}{event.service}: {event.action} failed: {event.error or 'not live'}"
    if isinstance(event, events.CatchUp):
        return f"{event.service}: catch-up {event.action}: {event.reason}"
    if isinstance(event, events.ContainerOutput):
        if not event.setting:  # its writer's command names it: permanent already
            return f"{event.path}: {event.reason}; devloop never acts on it"
        return (
            f"{event.path}: written by {', '.join(event.services)} ({event.reason}); devloop does not "
            f"act on it (to make this permanent: {event.setting})"
        )
    if isinstance(event, events.Notice):
        prefix = {"info": "", "warning": "warning: ", "error": "error: "}[event.level]
        hint = f" (hint: {event.hint})" if event.hint else ""
        return f"{prefix}{event.service + ': ' if event.service else ''}{event.message}{hint}"
    if isinstance(event, events.Stopped):
        return f"devloop: stopped ({event.reason})"
    return None


class JsonSink:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out

    def __call__(self, event: events.Event) -> None:
        self.out.write(json.dumps(event.to_json()) + "\n")
        self.out.flush()

    def close(self) -> None:
        pass


class PlainSink:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self._failed: tuple[str, str, str | None] | None = None

    def __call__(self, event: events.Event) -> None:
        line = describe(event)
        if line is not None and not self._said_already(event):
            self.out.write(f"[{_clock(event.at)}] {printable(line)}\n")
            self.out.flush()

    def _said_already(self, event: events.Event) -> bool:
        """A failed build's outcome repeats the build failure just shown: one problem, not two."""
        said = self._failed
        if isinstance(event, events.ActionEvent):
            self._failed = (event.service, event.action, event.location) if event.status == "failed" else None
        return isinstance(event, events.Outcome) and said == (event.service, event.action, event.location)

    def close(self) -> None:
        pass


@dataclass
class Row:
    strategy: str
    state: str = "watching"
    last: str = "-"
    took: str = "-"
    outcome: str = "-"


PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")


class LiveSink:
    """A table of services and a short log of recent events, redrawn on every event."""

    STATES = {"rebuild": "building", "restart": "restarting", "recreate": "recreating", "sync": "syncing"}

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.rows: dict[str, Row] = {}
        self.log: deque[str] = deque(maxlen=8)
        self.colours: dict[str, str] = {}
        self.title = "devloop"
        self.live = Live(self._render(), console=self.console, auto_refresh=False, transient=False)
        self.live.start()

    def __call__(self, event: events.Event) -> None:
        if isinstance(event, events.Log):  # above the table, which stays where it is
            self.live.console.print(
                self._prefix(event.service) + Text(printable(event.line)), highlight=False
            )
            return
        if isinstance(event, (events.Starting, events.Ready)):
            self.title = f"devloop: {event.project}" + (
                " - watching" if isinstance(event, events.Ready) else ""
            )
            for name in event.services:
                row = self.rows.setdefault(name, Row(event.strategies[name]))
                row.strategy = event.strategies[name]
                if row.strategy == "none":
                    row.state = "not watched"
        if isinstance(event, events.ActionEvent) and event.service in self.rows:
            self._action(self.rows[event.service], event)
        if isinstance(event, events.Outcome) and event.service in self.rows:
            row = self.rows[event.service]
            row.state = event.state
            if event.state == "live":
                took = (
                    f" {event.edit_to_live_s:.2f}s after the edit" if event.edit_to_live_s is not None else ""
                )
                row.outcome = f"live{took}"
            else:
                row.outcome = " ".join(filter(None, (event.location, event.error))) or "failed"
        line = describe(event)
        if line is not None:
            first, *rest = printable(line).splitlines()
            self.log.append(f"{_clock(event.at)} {first}")
            if isinstance(event, events.ActionEvent) and event.status == "failed" and rest:
                self.live.console.print(Text("\n".join(rest), style="red"))
        self.live.update(self._render(), refresh=True)

    def _action(self, row: Row, event: events.ActionEvent) -> None:
        if event.status == "started":
            row.state = self.STATES.get(event.action, event.action)
        elif event.status == "skipped":
            row.state, row.last = "reloading", f"reloads itself at {_clock(event.at)}"
        else:
            row.state = "failed" if event.status == "failed" else "starting"  # until its outcome
            row.last = f"{event.action} {event.status} at {_clock(event.at)}"
            row.took = f"{event.duration_s:.2f}s" if event.duration_s is not None else "-"

    def _prefix(self, service: str) -> Text:
        if service not in self.colours:
            self.colours[service] = PALETTE[len(self.colours) % len(PALETTE)]
        width = max((len(name) for name in self.rows), default=len(service))
        return Text(f"{service.ljust(width)} | ", style=self.colours[service])

    def _render(self) -> Group:
        table = Table(title=self.title, title_justify="left", expand=False)
        for column in ("service", "strategy", "state", "last action", "took", "outcome"):
            table.add_column(column)
        colour = {"failed": "red", "watching": "green", "live": "green", "not watched": "dim"}
        for name, row in sorted(self.rows.items()):
            state = f"[{colour.get(row.state, 'yellow')}]{row.state}[/]"
            table.add_row(name, row.strategy, state, row.last, row.took, Text(row.outcome))
        return Group(table, Text("\n".join(self.log), style="dim"))

    def close(self) -> None:
        self.live.stop()
