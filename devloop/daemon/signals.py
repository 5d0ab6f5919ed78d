"""How `devloop up` stops on SIGINT or SIGTERM: the first signal stops cleanly (the work is
cancelled, running commands are ended, devloop exits 0); a second one while it stops forces
(running commands are killed and devloop exits 130 at once)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

import anyio
from anyio.abc import TaskGroup

from devloop import events
from devloop.adapters import processes
from devloop.daemon.shared import Shared

EXIT_FORCED = 130  # a second Ctrl-C (or SIGTERM) while stopping


def _force_exit(code: int) -> None:  # pragma: no cover - replaced in tests
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Signals:
    """Listens for SIGINT and SIGTERM while `devloop up` runs; `force_exit` ends the process."""

    def __init__(self, shared: Shared, before_forced_exit: Callable[[], None] | None = None) -> None:
        self.shared = shared
        self.before_forced_exit = before_forced_exit
        self.force_exit: Callable[[int], None] = _force_exit

    async def listen(self, work: TaskGroup) -> None:
        """The first signal cancels `work`; a second one kills what still runs and forces the exit."""
        emit = self.shared.emit
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
            async for signum in received:
                name = signal.Signals(signum).name
                if not self.shared.stopping:
                    self.shared.stopping = True
                    emit(
                        events.Notice(
                            message=f"{name}: stopping (running actions are ended cleanly; "
                            "a second Ctrl-C forces)"
                        )
                    )
                    work.cancel_scope.cancel()
                    continue
                emit(events.Notice(level="warning", message=f"{name} again: forcing the exit"))
                killed = processes.kill_running()
                if killed:
                    emit(events.Notice(level="warning", message=f"killed: {'; '.join(killed)}"))
                emit(events.Stopped(reason=f"forced by a second {name}", exit_code=EXIT_FORCED))
                if self.before_forced_exit is not None:
                    self.before_forced_exit()
                self.force_exit(EXIT_FORCED)
                return
