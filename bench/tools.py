"""The two watchers under test, started on a Project: `devloop up --json` and `docker compose watch`
with hand-written `develop.watch` rules. Both are children in their own process group, ended by PID."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Child, Project, wait_until

TERMINAL = ("succeeded", "failed")

# The compose override Compose Watch runs with: the rules a user would write for this stack, and the
# bind mounts removed (with them kept, its syncs rewrite mounted files and it never settles).
_APP_RULES = """\
    volumes: !reset []
    develop:
      watch:
        - {{action: {action}, path: ./app, target: /code/app}}
        - {{action: rebuild, path: ./requirements.txt}}
"""
_BAKED_RULES = {
    "rebuild": """\
    develop:
      watch:
        - {action: rebuild, path: ./baked}
""",
    "sync+restart": """\
    develop:
      watch:
        - {action: rebuild, path: ./baked/requirements.txt}
        - {action: rebuild, path: ./baked/Dockerfile}
        - {action: sync+restart, path: ./baked, target: /code, ignore: [requirements.txt, Dockerfile]}
""",
}


def watch_override(baked: str = "rebuild") -> str:
    """compose.override.yaml for Compose Watch; `baked` is the baked_api rule: rebuild or sync+restart."""
    parts = ["services:"]
    for service, action in (
        ("api", "sync"),
        ("celery_worker", "sync+restart"),
        ("celery_beat", "sync+restart"),
    ):
        parts += [f"  {service}:", _APP_RULES.format(action=action).rstrip("\n")]
    parts += ["  baked_api:", _BAKED_RULES[baked].rstrip("\n")]
    return "\n".join(parts) + "\n"


def write_watch_override(directory: Path, baked: str = "rebuild") -> None:
    (directory / "compose.override.yaml").write_text(watch_override(baked))


def write_sync_settings(directory: Path) -> None:
    (directory / "devloop.toml").write_text('[services.baked_api]\nstrategy = "sync"\n')


class Watcher:
    """A running watcher: when it is ready, whether it is settled, which actions it started."""

    name = "watcher"
    child: Child

    def ready(self, timeout: float) -> float:
        """Wait until it watches; return when (epoch seconds)."""
        raise NotImplementedError

    def busy(self) -> bool:
        return False

    def actions(self, start: int = 0) -> list[tuple[str, str]]:
        """(service, action) for every action started in the output from line `start` on."""
        raise NotImplementedError

    def last_activity(self) -> float:
        return self.child.last_output_at()

    def settle(self, quiet: float, since: float = 0.0, timeout: float = 300) -> None:
        """Wait until nothing is running and nothing was printed for `quiet` seconds, counting from
        `since` (the write) at the earliest, so a watcher that has not reacted yet is waited for."""

        def settled() -> bool:
            if not self.child.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.child.tail()}")
            return not self.busy() and time.time() - max(self.last_activity(), since) >= quiet

        wait_until(settled, timeout, f"{self.name} to settle", interval=0.2)

    def stop(self) -> int | None:
        return self.child.stop()


class DevloopWatcher(Watcher):
    name = "devloop"

    def __init__(self, project: Project, *args: str) -> None:
        argv = [sys.executable, "-m", "devloop", "up", "--json", *args]
        self.child = Child(argv, project.directory, project.environ(), log_name=project.name)

    def events(self, start: int = 0) -> list[tuple[float, dict[str, Any]]]:
        found = []
        for at, line in self.child.snapshot(start):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                found.append((at, event))
        return found

    def ready(self, timeout: float) -> float:
        def seen() -> float | None:
            if not self.child.alive():
                raise RuntimeError(f"devloop exited before it was ready:\n{self.child.tail()}")
            return next((at for at, e in self.events() if e.get("event") == "ready"), None)

        return float(wait_until(seen, timeout, "devloop's ready event"))

    def busy(self) -> bool:
        started = finished = 0
        for _, event in self.events():
            if event.get("event") == "action":
                started += event.get("status") == "started"
                finished += event.get("status") in TERMINAL
        return started > finished

    def actions(self, start: int = 0) -> list[tuple[str, str]]:
        return [
            (str(e["service"]), str(e["action"]))
            for _, e in self.events(start)
            if e.get("event") == "action" and e.get("status") == "started"
        ]

    def action_duration(self, start: int, service: str) -> float | None:
        """devloop's own duration of the last finished action of `service` since line `start`."""
        durations = [
            float(e["duration_s"])
            for _, e in self.events(start)
            if e.get("event") == "action" and e.get("service") == service and "duration_s" in e
        ]
        return durations[-1] if durations else None


_SYNCING = re.compile(r'^Syncing service "([^"]+)"')
_REBUILDING = re.compile(r"^Rebuilding service\(s\) \[(.*?)\]")
_RESTARTED = re.compile(r"service\(s\) \[(.*?)\] restarted")


class ComposeWatcher(Watcher):
    """Compose Watch says when it starts a sync or a rebuild, but a sync+restart's restart only when it
    is over, after every sync of the batch: it is busy from a sync of such a service until the line
    saying it restarted, and from "Rebuilding" until "successfully built" (each for at most
    BUSY_CAP s, so an error line it does not print cannot hang the benchmark)."""

    name = "compose watch"
    BUSY_CAP = 120.0

    def __init__(self, project: Project) -> None:
        config = json.loads(project.compose("config", "--format", "json"))
        self.restarting = {
            name
            for name, service in config["services"].items()
            for rule in (service.get("develop") or {}).get("watch") or []
            if rule.get("action") in ("sync+restart", "restart")
        }
        # --no-up: the stack is already up; the measurement starts at "Watch enabled".
        argv = project.compose_argv("watch", "--no-up")
        self.child = Child(argv, project.directory, project.environ(), log_name=project.name)

    def busy(self) -> bool:
        pending: dict[str, float] = {}
        for at, line in self.child.snapshot():
            if match := _SYNCING.search(line):
                if match.group(1) in self.restarting:
                    pending[match.group(1)] = at
            elif match := _RESTARTED.search(line):
                for name in re.findall(r'"([^"]+)"', match.group(0)):
                    pending.pop(name, None)
            elif _REBUILDING.search(line):
                pending["(build)"] = at
            elif "successfully built" in line or "failed" in line.lower() or "error" in line.lower():
                pending.pop("(build)", None)
        return any(time.time() - at < self.BUSY_CAP for at in pending.values())

    def ready(self, timeout: float) -> float:
        def seen() -> float | None:
            if not self.child.alive():
                raise RuntimeError(f"compose watch exited before it was ready:\n{self.child.tail()}")
            return next((at for at, line in self.child.snapshot() if "watch enabled" in line.lower()), None)

        return float(wait_until(seen, timeout, "compose watch to say 'Watch enabled'"))

    def actions(self, start: int = 0) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for _, line in self.child.snapshot(start):
            for pattern, action in ((_SYNCING, "sync"), (_REBUILDING, "rebuild"), (_RESTARTED, "restart")):
                match = pattern.search(line)
                if match:
                    names = re.findall(r'"([^"]+)"', match.group(0)) or [match.group(1)]
                    found += [(name, action) for name in names]
        return found


def start_watcher(kind: str, project: Project, *args: str) -> Watcher:
    if kind == "devloop":
        return DevloopWatcher(project, *args)
    if kind == "compose-watch":
        return ComposeWatcher(project)
    raise ValueError(kind)
