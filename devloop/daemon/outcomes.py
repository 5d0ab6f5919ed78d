"""The outcome watcher: follows every container's output and state from the start of `devloop up`,
shows the output, and watches every action (reload, restart, sync, rebuild, recreate) until the
service is live again or has failed, judged on what it has seen of the service (daemon/observed.py).
It learns of actions from the events the other parts emit, and of edits from the runner; it never
acts itself. `state(service)` is its answer for others."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from devloop import events
from devloop.adapters.log_files import LogFiles
from devloop.adapters.log_lines import ContainerChange, LogLine
from devloop.adapters.logs import LogFollower
from devloop.daemon.observed import Observed
from devloop.daemon.shared import ENGINE_AWAY, Shared
from devloop.model.project import Action
from devloop.outcome.judge import State, Verdict, Watch, judge, program_for
from devloop.outcome.programs import plain
from devloop.outcome.where import Sources, sources_of
from devloop.planning.planner import Decision
from devloop.planning.syncplan import batch_pickup

TICK_S = 0.2  # how often a pending outcome is judged again without new output
IDLE_WAIT_S = 30.0  # the longest wait for output while nothing is judged (a new watch pokes it)
GIVE_UP_S = 120.0  # an action with no verdict by then is reported as unknown


@dataclass
class ServiceOutcome:
    """What is known of a service now: acting, live or failed (unknown before any action)."""

    state: str = "unknown"  # unknown | acting | live | failed
    action: str | None = None
    error: str | None = None
    location: str | None = None
    edit_to_live_s: float | None = None


@dataclass
class _Watching:
    watch: Watch
    began: float = field(default_factory=time.time)
    judging: bool = False  # False while devloop's own command still runs


class OutcomeWatcher:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.started = time.time()
        self.seen = Observed()
        self.watching: dict[str, _Watching] = {}
        self.edits: dict[str, float] = {}  # service -> first file event of edits not yet live
        self.outcomes: dict[str, ServiceOutcome] = {}
        self.follower: LogFollower | None = None
        self.files = LogFiles()  # log files the services' commands name (read while judging)

    def state(self, service: str) -> ServiceOutcome:
        return self.outcomes.get(service, ServiceOutcome())

    def sign_since(self, service: str, since: float) -> float | None:
        """When the service's program first said, at or after `since`, that its reloader acted or
        that it is ready again; None while it has said neither (or devloop does not know its lines)."""
        known = program_for(self.shared.context.plan.service(service).verdict.program)
        if known is None:
            return None
        for line in self.seen.lines(service, since):
            if any(p.search(plain(line.text)) for p in known.reloading + known.ready):
                return line.at
        return None

    def knows_signs(self, service: str) -> bool:
        """Whether devloop knows the lines by which this service's program shows that it reloaded."""
        known = program_for(self.shared.context.plan.service(service).verdict.program)
        return known is not None and bool(known.reloading or known.ready)

    def judging(self, service: str) -> bool:
        """Whether an action of this service still waits for its outcome."""
        return service in self.watching

    @property
    def shown(self) -> bool | tuple[str, ...]:
        up = self.shared.up.logs
        return self.shared.context.settings.logs if up is None else up

    # -- what the runner and the other parts tell ---------------------------------------
    def edited(self, decisions: list[Decision], first_at: float) -> None:
        """Edits arrived; their first file event is when the clock for edit-to-live starts."""
        for decision in decisions:
            self.edits[decision.service] = min(self.edits.get(decision.service, first_at), first_at)

    def revive(self, decisions: list[Decision]) -> list[Decision]:
        """A service that is down (it crashed on an earlier edit) is restarted by the next edit
        rather than left to a reloader that is not running."""
        revived = []
        for decision in decisions:
            down = self.seen.down(decision.service)
            if decision.action is Action.RELOAD and down is not None:
                reason = f"{decision.reason}; but it is down ({down}): restarting it"
                decision = Decision(decision.service, Action.RESTART, reason, decision.paths)
            revived.append(decision)
        return revived

    def observe(self, event: events.Event) -> None:
        """Every event the daemon emits passes here; actions start and end watches."""
        if (
            not isinstance(event, events.ActionEvent)
            or event.service not in self.shared.context.project.service_names
        ):
            return
        name = event.service
        if event.status == "started":
            self._begin(name, event.action, paths=event.paths)
        elif event.status == "skipped" and event.action == "reload":
            self._begin(name, "reload", reloads=True).judging = True
        elif event.status == "succeeded" and name in self.watching:
            self.shared.start_soon(self._judge_from_now_on, name)
        elif (
            event.status == "failed" and event.detail != ENGINE_AWAY
        ):  # (an action the engine missed is retried)
            self.watching.pop(name, None)
            self._finish(name, event.action, Verdict(State.FAILED, _error_line(event.detail), event.location))

    # -- the loop --------------------------------------------------------------------------
    async def run(self) -> None:
        shared = self.shared
        follower = LogFollower(shared.engine.client, shared.context.project.name, self.started)
        try:
            await anyio.to_thread.run_sync(follower.start)
        except Exception as exc:  # noqa: BLE001 - any engine error; the health check reports it
            shared.emit(
                events.Notice(level="warning", message=f"the services' output is not followed: {exc}")
            )
            return
        self.follower = follower
        self.files.watch(p for s in shared.context.project.service_names for p in self._log_files(s))
        # while the engine's event stream is open, the health check pings seldom; its end pings now
        follower.on_events_end = shared.health.follow(follower.events_alive)
        try:
            while True:
                timeout = TICK_S if self.watching else IDLE_WAIT_S
                if not await anyio.to_thread.run_sync(follower.window.wait, timeout, abandon_on_cancel=True):
                    return
                lines, changes, dropped = follower.window.take()
                self._take(lines, changes, dropped)
                self._read_log_files()
                self._judge_all()
        finally:
            follower.close()

    def _log_files(self, service: str) -> list[str]:
        plan = self.shared.context.plan
        known = service in plan.project.service_names
        return [d.host for d in plan.service(service).writes if d.log] if known else []

    def _read_log_files(self) -> None:
        """A process that writes its lines to a log file (celery --logfile) is judged on them too;
        they are not shown (its output is the file)."""
        for service in list(self.watching):
            for line in self.files.read(service, self._log_files(service)):
                self.seen.add(line)

    def _take(self, lines: list[LogLine], changes: list[ContainerChange], dropped: dict[str, int]) -> None:
        shown = self.shown
        for line in lines:
            self.seen.add(line)
            if shown is True or (isinstance(shown, tuple) and line.service in shown):
                self.shared.emit(
                    events.Log(
                        service=line.service,
                        container=line.container,
                        stream=line.stream,
                        line=line.line,
                        at=line.at,
                    )
                )
        for service, count in dropped.items():
            self.shared.emit(
                events.Notice(
                    level="warning",
                    service=service,
                    message=f"{count} lines of output came faster than shown; skipped",
                )
            )
        for change in changes:
            self.seen.apply(change)

    # -- watches ---------------------------------------------------------------------------
    def _begin(
        self, service: str, action: str, reloads: bool = False, paths: Sequence[str] = ()
    ) -> _Watching:
        plan = self.shared.context.plan.service(service)
        # a sync restarts unless the process reloads (a reloader that watches the files) or reads
        # none of the files (copied in, left running), as the sync itself decides
        how = batch_pickup(plan, [Path(p) for p in paths]) if action == "sync" else None
        reloads = how == "reload" if how is not None else reloads
        since = self.edits.get(service, time.time())
        watch = Watch(action, since, reloads, plan.verdict.program, left_running=how == "none")
        watching = _Watching(watch)
        self.watching[service] = watching
        self.outcomes[service] = ServiceOutcome("acting", action)
        if self.follower is not None:
            self.follower.window.poke()  # judged every TICK_S from now on, not after an idle wait
        return watching

    async def _judge_from_now_on(self, service: str) -> None:
        """devloop's command is done: read the service's containers as they are now, then judge."""
        follower = self.follower
        left_running = service in self.watching and self.watching[service].watch.left_running
        if follower is not None:
            self.seen.replace(service, await anyio.to_thread.run_sync(follower.states, service))
            # the lines read by now are held a moment to go out in order: judge once they are here
            # (an exit judged before its traceback arrived would lose the error and its location);
            # a process left running has no new output to wait for
            if not left_running:
                await anyio.sleep(follower.window.hold + TICK_S)
        watching = self.watching.get(service)
        if watching is not None:
            watching.judging = True
            self._judge_all()

    def _judge_all(self) -> None:
        now = time.time()
        for service, watching in list(self.watching.items()):
            if not watching.judging:
                continue
            watch = watching.watch
            lines, containers = self.seen.lines(service, watch.since), self.seen.containers_of(service)
            verdict = judge(watch, lines, containers, now, self._sources(service))
            if verdict.state is not State.PENDING:
                del self.watching[service]
                self._finish(service, watch.action, verdict, watch)
            elif now - watching.began > GIVE_UP_S:
                del self.watching[service]
                self.outcomes[service] = ServiceOutcome("unknown", watch.action)
                self.shared.emit(
                    events.Notice(
                        level="warning",
                        service=service,
                        message=f"no sign of the {watch.action} in its output or state "
                        f"after {GIVE_UP_S:.0f} s ({verdict.why})",
                    )
                )

    def _finish(self, service: str, action: str, verdict: Verdict, watch: Watch | None = None) -> None:
        took = verdict.edit_to_live(watch) if watch is not None else None
        self.edits.pop(service, None)
        self.outcomes[service] = ServiceOutcome(
            str(verdict.state), action, verdict.error, verdict.location, took
        )
        self.shared.emit(
            events.Outcome(
                service=service,
                action=action,
                state=str(verdict.state),
                edit_to_live_s=took,
                error=verdict.error,
                location=verdict.location,
                why=verdict.why or None,
            )
        )

    def at_start(self, service: str) -> ServiceOutcome:
        """A service no action has touched yet, judged as a start: live when it ran before devloop
        started, else by its output and state since its container started ("acting" meanwhile)."""
        containers = self.seen.containers_of(service)
        running = [c for c in containers if c.status == "running"]
        if not running:
            return ServiceOutcome("down")
        since = min(c.since for c in running)
        if since < self.started:
            return ServiceOutcome("live")
        watch = Watch("start", since, False, self.shared.context.plan.service(service).verdict.program)
        verdict = judge(
            watch, self.seen.lines(service, since), containers, time.time(), self._sources(service)
        )
        state = "acting" if verdict.state is State.PENDING else str(verdict.state)
        return ServiceOutcome(state, "start", verdict.error, verdict.location)

    def down(self, service: str) -> str | None:
        """Why the service is down (its containers exited, died or keep restarting), or None."""
        return self.seen.down(service)

    def _sources(self, service: str) -> Sources:
        context = self.shared.context
        return sources_of(context.plan.service(service), context.project.directory, Path.is_file)


def _error_line(detail: str | None) -> str | None:
    """The line of a failed command's output that says what went wrong."""
    lines = [line.strip() for line in (detail or "").splitlines() if line.strip()]
    said = [line for line in lines if "error" in line.lower() or "failed" in line.lower()]
    found = said or lines
    return found[-1] if found else None
