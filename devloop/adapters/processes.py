"""Child commands devloop runs (never through a shell): collected output, stopped cleanly when
cancelled, killed with whatever they started on a forced exit."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process

STOP_GRACE_S = 10.0
RUNNING: dict[int, str] = {}  # pid -> command line of every child running now


@dataclass(frozen=True)
class Result:
    """How an action's command (or engine call) ended: not yet whether the service is live."""

    ok: bool
    duration_s: float
    detail: str | None = None
    command: str | None = None
    engine_down: bool = False

    def ended(self) -> dict[str, Any]:
        """The fields of the action event that reports this result."""
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


async def run_command(argv: Sequence[str], environ: Mapping[str, str] | None, cwd: Path) -> tuple[int, str]:
    """Run a command (never through a shell) in `environ` (None: devloop's), collect its output,
    and stop it if cancelled."""
    process = await anyio.open_process(
        list(argv),
        cwd=cwd,
        env=environ,
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


async def run_python(module: str, data: bytes) -> tuple[int, bytes, bytes]:
    """`python -m module` of this very devloop, `data` on its stdin, in a session of its own (a
    Ctrl-C is devloop's to handle); killed if cancelled. Its exit code, output and errors."""
    home = Path(__file__).resolve().parents[2]  # holds this devloop: the project may have its own
    done = await anyio.run_process(
        [sys.executable, "-m", module], input=data, check=False, cwd=home, start_new_session=True
    )
    return done.returncode, done.stdout, done.stderr


def tail(output: str, lines: int = 25) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])
