"""The verdict on one action: live, failed or still pending, from the lines the service printed
since the action and its containers' state. Pure: the caller brings the lines, the states and the
time, and asks again whenever one of them changed (or a settle time ran out)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from devloop.outcome.failures import Failure, failures
from devloop.outcome.programs import PROGRAMS, Program, plain, ready_program, reloading_program
from devloop.outcome.where import Sources, location

SETTLE_S = 2.0  # a program devloop does not know is live when nothing failed this long
QUIET_S = 0.3  # a stack with no line after it for this long is complete
LONG_SETTLE_S = 15.0  # a known program that printed no ready line counts as live after this


class State(str, enum.Enum):
    PENDING = "pending"
    LIVE = "live"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Line:
    """A line a service printed, with the engine's time for it."""

    text: str
    at: float


@dataclass(frozen=True)
class Container:
    """The state of one container of the service, as last seen."""

    name: str
    status: str  # created | running | restarting | exited | dead | paused
    since: float  # when it entered that status
    exit_code: int | None = None
    health: str | None = None  # None without a healthcheck; else starting | healthy | unhealthy
    health_at: float | None = None


@dataclass(frozen=True)
class Watch:
    """What is being judged. `reloads`: the process reloads itself for this action, so its
    reloader must act; `program`: what runs, as devloop.inference names it (e.g. "uvicorn");
    `left_running`: a sync copied in files the process does not read, so it is live as it runs."""

    action: str
    since: float  # the first file event of the batch
    reloads: bool = False
    program: str | None = None
    settle_s: float = SETTLE_S
    left_running: bool = False  # files were copied in and the process left running: nothing to wait for


@dataclass(frozen=True)
class Verdict:
    state: State
    error: str | None = None
    location: str | None = None
    live_at: float | None = None  # when the evidence of life appeared
    reloader_acted: bool = False
    why: str = ""

    def edit_to_live(self, watch: Watch) -> float | None:
        return round(max(0.0, self.live_at - watch.since), 3) if self.live_at is not None else None


_ALIASES = {
    "flask": "werkzeug",
    "runserver": "django",
    "manage.py": "django",
    "next": "next",
    "beat": "celery beat",
    "fastapi": "uvicorn",  # `fastapi dev`/`fastapi run` run uvicorn, whose lines they show
}


def program_for(name: str | None) -> Program | None:
    """The knowledge about a program from devloop.inference's name for it ("flask run", ...)."""
    if not name:
        return None
    words = name.split()
    for word, known in _ALIASES.items():
        if word in words:
            return next(p for p in PROGRAMS if p.name == known)
    return next((p for p in PROGRAMS if p.name in words or p.name == name), None)


def judge(
    watch: Watch, lines: Sequence[Line], containers: Sequence[Container], now: float, sources: Sources
) -> Verdict:
    """Live, failed or pending (the rules are in the README, "Outcomes")."""
    running = [c for c in containers if c.status == "running"]
    if not watch.reloads and running:  # what the stopped process said on its way out is not news
        started = max(c.since for c in running)
        lines = [line for line in lines if line.at >= started]
    texts = [plain(line.text) for line in lines]
    acted = _reloader_acted(texts, lines) if watch.reloads else None
    if acted is not None:  # what the process said before its reloader acted is about an older edit
        kept = [i for i, line in enumerate(lines) if line.at >= acted[1]]
        lines, texts = [lines[i] for i in kept], [texts[i] for i in kept]
    found = [f for f in failures(texts) if f.closed or now - lines[f.end].at >= QUIET_S]
    failure = found[-1] if found else None
    ready = _ready(texts, lines, failure)
    down = next((c for c in containers if c.status in ("exited", "dead", "restarting")), None)
    if down is not None:
        return _failed(failure, sources, _down_error(down), acted is not None)
    sick = next((c for c in running if c.health == "unhealthy"), None)
    if sick is not None:
        return _failed(failure, sources, f"{sick.name}: its healthcheck is unhealthy", acted is not None)
    if watch.left_running and running:
        return Verdict(State.LIVE, live_at=now, why="copied in; the process was left running")
    if failure is not None and ready is None:
        return _failed(failure, sources, failure.error, acted is not None)
    if watch.reloads:
        return _reloaded(watch, acted, ready, running, now)
    if not running:
        return Verdict(State.PENDING, why="waiting for the container to run")
    checked = [c for c in running if c.health is not None]
    if checked:  # a healthcheck decides readiness
        if all(c.health == "healthy" for c in checked):
            return Verdict(State.LIVE, live_at=max(c.health_at or c.since for c in checked), why="healthy")
        return Verdict(State.PENDING, why="waiting for the healthcheck")
    if ready is not None:
        return _when_settled(ready, now, acted=False)
    started = max(c.since for c in running)
    known = program_for(watch.program)
    settle = LONG_SETTLE_S if known is not None and known.ready else watch.settle_s
    if now - max(started, watch.since) >= settle:
        return Verdict(State.LIVE, live_at=started, why=f"running for {settle:g} s without an error")
    return Verdict(State.PENDING, why="settling")


def _reloaded(
    watch: Watch,
    acted: tuple[Program, float] | None,
    ready: tuple[Program, float] | None,
    running: Sequence[Container],
    now: float,
) -> Verdict:
    """A reload: the reloader must act after the edit, then the program must say it is ready
    (or, when it has no ready line, nothing fails for a settle time)."""
    if acted is None:
        known = program_for(watch.program)
        if known is not None and known.reloading:
            return Verdict(State.PENDING, why="waiting for the reloader")
        if running and now - watch.since >= watch.settle_s:  # no reload line to wait for
            return Verdict(State.LIVE, live_at=watch.since, why="no error since the edit")
        return Verdict(State.PENDING, why="settling")
    reloader, acted_at = acted
    if ready is not None and ready[1] >= acted_at:
        return _when_settled(ready, now, acted=True)
    if reloader.ready and now - acted_at < LONG_SETTLE_S:
        return Verdict(State.PENDING, reloader_acted=True, why=f"waiting for {reloader.name} to be ready")
    if now - acted_at >= watch.settle_s:
        return Verdict(State.LIVE, live_at=acted_at, reloader_acted=True, why="reloaded without an error")
    return Verdict(State.PENDING, reloader_acted=True, why="settling")


def _when_settled(ready: tuple[Program, float], now: float, acted: bool) -> Verdict:
    program, at = ready
    if now - at >= program.settle_s:
        return Verdict(State.LIVE, live_at=at, reloader_acted=acted, why=f"{program.name} is ready")
    return Verdict(State.PENDING, reloader_acted=acted, why=f"{program.name} said ready; settling")


def _reloader_acted(texts: Sequence[str], lines: Sequence[Line]) -> tuple[Program, float] | None:
    """The first line in which a reloader says it acted."""
    for index, text in enumerate(texts):
        program = reloading_program(text)
        if program is not None:
            return program, lines[index].at
    return None


def _ready(
    texts: Sequence[str], lines: Sequence[Line], failure: Failure | None
) -> tuple[Program, float] | None:
    """The last ready line, unless the failure came after it."""
    found: tuple[Program, float] | None = None
    for index, text in enumerate(texts):
        program = ready_program(text)
        if program is not None and (failure is None or index > failure.end):
            found = (program, lines[index].at)
    return found


def _down_error(container: Container) -> str:
    if container.status == "restarting":
        return f"{container.name} keeps restarting"
    code = f" with code {container.exit_code}" if container.exit_code is not None else ""
    return f"{container.name} exited{code}"


def _failed(failure: Failure | None, sources: Sources, error: str, acted: bool = False) -> Verdict:
    if failure is None:
        return Verdict(State.FAILED, error=error, reloader_acted=acted, why=error)
    where = location(failure.frames, sources)
    return Verdict(State.FAILED, error=failure.error, location=where, reloader_acted=acted, why=error)
