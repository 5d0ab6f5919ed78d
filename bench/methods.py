"""The ways of getting an edit live that are compared: devloop, Compose Watch, the manual commands a
user types, and the bare command devloop runs (to see what devloop adds to it)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import Project
from bench.kinds import Kind
from bench.tools import write_sync_settings, write_watch_override

ALL = ("reload", "worker", "baked", "dependency")
APP_BUILD = ("api", "celery_worker", "celery_beat")  # the services sharing the app's build


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    kinds: tuple[str, ...]
    watcher: str | None = None  # "devloop" or "compose-watch": a daemon that acts by itself
    prepare: Callable[[Path], None] | None = None
    # The command run right after the write (for manual and bare methods), per kind; None: nothing.
    command: Callable[[Project, Kind], list[str] | None] | None = None
    commands: dict[str, str] | None = None  # per kind, the command as shown in the report

    def argv(self, project: Project, kind: Kind) -> list[str] | None:
        """The command to run right after the write (worked out before it), or None."""
        return self.command(project, kind) if self.command else None

    @staticmethod
    def launch(project: Project, argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            cwd=project.directory,
            env=project.environ(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _restart(project: Project, kind: Kind) -> list[str]:
    return project.compose_argv("restart", kind.service)


def _up_build(project: Project, kind: Kind) -> list[str]:
    return project.compose_argv("up", "-d", "--build", kind.service)


def _down_up(project: Project, kind: Kind) -> list[str]:
    down, up = project.compose_argv("down"), project.compose_argv("up", "-d", "--build")
    return ["sh", "-c", f"{' '.join(down)} && {' '.join(up)}"]


def _bare(project: Project, kind: Kind) -> list[str] | None:
    """What devloop does for this edit, without devloop: for an edit under ./app, a restart of the
    worker and of beat at once (both mount ./app and do not reload; the api reloads itself)."""
    if kind.name in ("reload", "worker"):
        worker, beat = project.container_id("celery_worker"), project.container_id("celery_beat")
        return ["sh", "-c", f"docker restart {worker} & docker restart {beat} & wait"]
    services = APP_BUILD if kind.name == "dependency" else (kind.service,)
    return project.compose_argv("up", "-d", "--build", "--no-deps", *services)


def _bare_sync(project: Project, kind: Kind) -> list[str]:
    container = project.container_id("baked_api")
    return ["sh", "-c", f"docker cp baked/main.py {container}:/code/main.py && docker restart {container}"]


METHODS = {
    m.name: m
    for m in (
        Method("devloop", "devloop up (auto)", ALL, watcher="devloop"),
        Method(
            "devloop-sync",
            "devloop up, baked_api strategy = sync",
            ("baked",),
            watcher="devloop",
            prepare=write_sync_settings,
        ),
        Method(
            "compose-watch",
            "Compose Watch (rules by hand, no bind mounts)",
            ALL,
            watcher="compose-watch",
            prepare=write_watch_override,
        ),
        Method(
            "compose-watch-sync",
            "Compose Watch, baked_api sync+restart",
            ("baked",),
            watcher="compose-watch",
            prepare=lambda d: write_watch_override(d, "sync+restart"),
        ),
        Method("restart", "docker compose restart SERVICE", ALL, command=_restart),
        Method("up-build", "docker compose up -d --build SERVICE", ALL, command=_up_build),
        Method("down-up", "docker compose down && up -d --build", ALL, command=_down_up),
        Method(
            "reloader",
            "no tool (uvicorn --reload alone)",
            ("reload",),
            commands={"reload": "none"},
        ),
        Method(
            "bare",
            "the bare command devloop runs",
            ALL,
            command=_bare,
            commands={
                "reload": "docker restart celery_worker & celery_beat (the api reloads itself)",
                "worker": "docker restart celery_worker & celery_beat",
                "baked": "docker compose up -d --build --no-deps baked_api",
                "dependency": "docker compose up -d --build --no-deps api celery_worker celery_beat",
            },
        ),
        Method(
            "bare-sync",
            "docker cp + docker restart",
            ("baked",),
            command=_bare_sync,
            commands={"baked": "docker cp baked/main.py + docker restart"},
        ),
    )
}
# Which bare measurement each devloop figure is compared with.
COMPARE = {"devloop": "bare", "devloop-sync": "bare-sync"}
