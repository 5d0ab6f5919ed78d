"""Typed events the runner emits; the UI layer alone decides how they are shown."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    at: float = field(default_factory=time.time, kw_only=True)

    kind = "event"

    def to_json(self) -> dict[str, Any]:
        data = {"event": self.kind, **asdict(self)}
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class Starting(Event):
    kind = "starting"
    project: str
    services: list[str]
    strategies: dict[str, str]


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
class Action(Event):
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
class Notice(Event):
    kind = "notice"
    message: str
    level: str = "info"  # info | warning | error
    service: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Stopped(Event):
    kind = "stopped"
    reason: str
    exit_code: int = 0
