"""Restart a service's containers (or signal their first process) through the Docker SDK, as an
action with a Result."""

from __future__ import annotations

import time

import anyio

from devloop.adapters.engine import Engine, Held
from devloop.adapters.processes import Result
from devloop.errors import EngineError


async def restart(
    engine: Engine, project: str, service: str, signal: str = "", held: Held | None = None
) -> Result:
    """Restart all containers of a service through the Docker SDK (in a worker thread); with a
    `signal`, send it to their first process instead (gunicorn reloads on HUP); with `held`, do
    not wait for a container whose log shows it holds no work (see engine.stop_idle)."""
    started = time.monotonic()
    try:
        if signal:
            count = await anyio.to_thread.run_sync(engine.signal, project, service, signal)
        else:
            count = await anyio.to_thread.run_sync(lambda: engine.restart(project, service, held=held))
    except EngineError as exc:
        return Result(False, time.monotonic() - started, exc.message, engine_down=True)
    except Exception as exc:  # noqa: BLE001 - an API error is reported, not fatal
        return Result(False, time.monotonic() - started, f"{'signal' if signal else 'restart'} failed: {exc}")
    if count == 0:
        return Result(False, time.monotonic() - started, f"no container of {service}")
    done = f"sent {signal} to" if signal else "restarted"
    return Result(True, time.monotonic() - started, f"{done} {count} container(s)")
