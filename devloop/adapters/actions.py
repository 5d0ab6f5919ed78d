"""The actions devloop takes on the outside world: compose up/build, container restarts,
AppleDouble cleaning. Each returns an Outcome; none raises for an expected failure."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process

from devloop.adapters.appledouble import CleanReport, clean
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.errors import EngineError

STOP_GRACE_S = 10.0
RUNNING: dict[int, str] = {}  # pid -> command line of every child running now
ENGINE_DOWN_MARKERS = ("Cannot connect to the Docker daemon", "error during connect", "connection refused")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    duration_s: float
    detail: str | None = None
    command: str | None = None
    engine_down: bool = False

    def ended(self) -> dict[str, Any]:
        """The fields of the action event that reports this outcome."""
        return {
            "status": "succeeded" if self.ok else "failed",
            "duration_s": round(self.duration_s, 3),
            "detail": self.detail,
            "command": self.command,
        }


async def stop_process(process: Process, grace: float = STOP_GRACE_S) -> None:
    """SIGINT (compose cancels its build cleanly), then SIGKILL after `grace` seconds."""
    if process.returncode is not None:
        return
    try:
        process.send_signal(signal.SIGINT)
    except ProcessLookupError:
        return
    with anyio.move_on_after(grace):
        await process.wait()
        return
    _kill_group(process.pid)
    await process.wait()


def _kill_group(pid: int) -> None:
    """SIGKILL a child and whatever it started (it leads its own process group)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def kill_running() -> list[str]:
    """SIGKILL every child command still running (a forced exit); returns their command lines."""
    killed = []
    for pid, argv in list(RUNNING.items()):
        _kill_group(pid)
        killed.append(argv)
    return killed


async def run_command(argv: Sequence[str], cwd: Path) -> tuple[int, str]:
    """Run a command (never through a shell), collect its output, and stop it if cancelled."""
    process = await anyio.open_process(
        list(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    chunks: list[bytes] = []
    RUNNING[process.pid] = " ".join(argv)
    try:
        assert process.stdout is not None
        async for chunk in process.stdout:
            chunks.append(chunk)
        await process.wait()
    finally:
        with anyio.CancelScope(shield=True):
            await stop_process(process)
        RUNNING.pop(process.pid, None)
    return int(process.returncode or 0), b"".join(chunks).decode(errors="replace")


async def compose_up(
    options: ComposeOptions, services: Sequence[str], *, build: bool, renew_anon_volumes: bool = False
) -> Outcome:
    """`docker compose up -d [--build] --no-deps SERVICES`: a failed build leaves the running
    containers alone, because compose recreates only after every image has built. With
    `renew_anon_volumes`, anonymous volumes are recreated (from the new image) instead of kept."""
    renew = ["--renew-anon-volumes"] if renew_anon_volumes else []
    args = ["up", "-d", "--no-deps", *(["--build"] if build else []), *renew, *services]
    argv = options.argv(*args)
    started = time.monotonic()
    code, output = await run_command(argv, options.cwd)
    return Outcome(
        ok=code == 0,
        duration_s=time.monotonic() - started,
        detail=None if code == 0 else _tail(output),
        command=" ".join(argv),
        engine_down=code != 0 and any(m in output for m in ENGINE_DOWN_MARKERS),
    )


async def compose_build(options: ComposeOptions, services: Sequence[str]) -> Outcome:
    """`docker compose build SERVICES`: a new image, the running containers untouched."""
    argv = options.argv("build", *services)
    started = time.monotonic()
    code, output = await run_command(argv, options.cwd)
    return Outcome(
        code == 0, time.monotonic() - started, None if code == 0 else _tail(output), " ".join(argv)
    )


async def restart(engine: Engine, project: str, service: str) -> Outcome:
    """Restart all containers of a service through the Docker SDK (in a worker thread)."""
    started = time.monotonic()
    try:
        count = await anyio.to_thread.run_sync(engine.restart, project, service)
    except EngineError as exc:
        return Outcome(False, time.monotonic() - started, exc.message, engine_down=True)
    except Exception as exc:  # noqa: BLE001 - an API error is reported, not fatal
        return Outcome(False, time.monotonic() - started, f"restart failed: {exc}")
    if count == 0:
        return Outcome(False, time.monotonic() - started, f"no running container of {service}")
    return Outcome(True, time.monotonic() - started, f"restarted {count} container(s)")


async def clean_contexts(contexts: Sequence[Path]) -> CleanReport:
    return await anyio.to_thread.run_sync(lambda: clean(contexts))


def _tail(output: str, lines: int = 25) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])
