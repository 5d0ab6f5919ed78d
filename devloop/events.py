"""Typed events the runner emits; the UI layer alone decides how they are shown."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from devloop.errors import DevloopError

PATHS_SHOWN = 50  # paths a JSON event lists (a catch-up of 18,000 files made 1.6 MB lines)


@dataclass(frozen=True)
class Event:
    at: float = field(default_factory=time.time, kw_only=True)

    kind = "event"

    def to_json(self) -> dict[str, Any]:
        """The event as one JSON object: None fields left out; a `paths` list cut to its first
        PATHS_SHOWN, with `paths_total` counting them all."""
        data = {"event": self.kind, **asdict(self)}
        paths = data.get("paths")
        if isinstance(paths, list):
            data["paths"], data["paths_total"] = paths[:PATHS_SHOWN], len(paths)
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class Starting(Event):
    kind = "starting"
    project: str
    services: list[str]
    strategies: dict[str, str]
    context: str = ""  # the docker CLI context of the engine devloop acts on
    endpoint: str = ""  # that engine's address


@dataclass(frozen=True)
class Ready(Event):
    """devloop is watching; the VS Code problem matcher ends its begin pattern here."""

    kind = "ready"
    project: str
    services: list[str]
    strategies: dict[str, str]
    watching: list[str]


@dataclass(frozen=True)
class Changes(Event):
    kind = "changes"
    paths: list[str]
    services: dict[str, str]  # service -> action


@dataclass(frozen=True)
class ActionEvent(Event):
    kind = "action"
    service: str
    action: str  # reload | restart | rebuild | sync | recreate
    status: str  # started | succeeded | failed | skipped
    reason: str
    paths: list[str] = field(default_factory=list)
    duration_s: float | None = None
    detail: str | None = None  # failure output, or what was done
    command: str | None = None
    location: str | None = None  # "path/to/Dockerfile:LINE" of a failed build, when known


@dataclass(frozen=True)
class CatchUp(Event):
    kind = "catch_up"
    service: str
    action: str
    reason: str


@dataclass(frozen=True)
class ContainerOutput(Event):
    """A changed path devloop judged to be written by the containers: said once, then never acted on."""

    kind = "container_output"
    path: str
    services: list[str]  # the services that mount it, or the one whose command writes it
    reason: str
    setting: str  # what makes it permanent, e.g. `ignore = ["logs/"]` in devloop.toml; "" if nothing needs to


@dataclass(frozen=True)
class Notice(Event):
    kind = "notice"
    message: str
    level: str = "info"  # info | warning | error
    service: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Log(Event):
    """A line a service's container printed; `at` is the engine's time for it."""

    kind = "log"
    service: str
    container: str
    stream: str  # stdout | stderr
    line: str


@dataclass(frozen=True)
class Outcome(Event):
    """How an action ended in the container: live again, or failed (with where, when known)."""

    kind = "outcome"
    service: str
    action: str  # reload | restart | rebuild | sync | recreate
    state: str  # live | failed
    edit_to_live_s: float | None = None  # from the first file event of the batch
    error: str | None = None
    location: str | None = None  # "path/relative/to/project:LINE"
    why: str | None = None  # what decided it: "celery is ready", "no error since the edit", ...

    def to_json(self) -> dict[str, Any]:
        data = {"event": self.kind, **asdict(self)}  # error and location are always there (null)
        return {
            k: v for k, v in data.items() if v is not None or k in ("error", "location", "edit_to_live_s")
        }


@dataclass(frozen=True)
class Stopped(Event):
    kind = "stopped"
    reason: str
    exit_code: int = 0


@dataclass(frozen=True)
class Error(Event):
    """`devloop up` cannot start or go on: the last line with --json, before the non-zero exit."""

    kind = "error"
    message: str
    hint: str | None = None
    exit_code: int = 1


def error_event(exc: Exception, bug_hint: str, bug_exit_code: int) -> Error:
    """The `error` event for what ends `devloop up`: a problem it explains, or a bug."""
    if isinstance(exc, DevloopError):
        return Error(message=exc.message, hint=exc.hint, exit_code=exc.exit_code)
    message = f"unexpected error: {type(exc).__name__}: {exc}"
    return Error(message=message, hint=bug_hint, exit_code=bug_exit_code)
