"""Whether the Docker Engine answers: a light ping every few seconds in a worker thread, so an
engine that stops is reported even when no action runs, and actions wait for it to answer again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from devloop import events
from devloop.errors import EngineError

HEALTH_INTERVAL_S = 3.0  # between pings while the engine answers
DOWN_INTERVAL_S = 1.0  # between pings while it does not
REMIND_EVERY = 30  # failed pings between two "still waiting" notices


class EngineHealth:
    """`up` is what the last ping (or a failed action) found; `wait_up()` returns once it answers."""

    def __init__(
        self,
        ping: Callable[[], None],
        emit: Callable[[events.Event], None],
        interval: float = HEALTH_INTERVAL_S,
        down_interval: float = DOWN_INTERVAL_S,
        on_resume: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.ping = ping
        self.emit = emit
        self.on_resume = on_resume
        self.interval = interval
        self.down_interval = down_interval
        self.up = True
        self._answered = anyio.Event()
        self._answered.set()
        self._failed_pings = 0
        self._resuming = anyio.Lock()

    def mark_down(self, why: str) -> None:
        """The engine does not answer (a ping or an action found it): said once, until it answers."""
        if not self.up:
            return
        self.up = False
        self._failed_pings = 0
        self._answered = anyio.Event()
        self.emit(
            events.Notice(
                level="error",
                message=f"the Docker Engine does not answer: {why}",
                hint="devloop waits for it and then acts once on what changed meanwhile",
            )
        )

    def mark_up(self) -> None:
        if self.up:
            return
        self.up = True
        self._answered.set()

    async def wait_up(self) -> None:
        """Return at once when the engine answers, else when it answers again."""
        while not self.up:
            await self._answered.wait()

    async def check(self) -> bool:
        """Ping once (in a worker thread) and update the state; True when it answered."""
        try:
            await anyio.to_thread.run_sync(self.ping, abandon_on_cancel=True)
        except EngineError as exc:
            if self.up:
                self.mark_down(exc.message)
            else:
                self._failed_pings += 1
                if self._failed_pings % REMIND_EVERY == 0:
                    self.emit(
                        events.Notice(
                            level="warning", message="still waiting for the Docker Engine to answer"
                        )
                    )
            return False
        async with self._resuming:  # one resume, whoever pinged
            if not self.up:
                self.emit(events.Notice(message="the Docker Engine answers again; resuming"))
                if self.on_resume is not None:
                    await self.on_resume()  # before the actions that waited go on
                self.mark_up()
        return True

    async def run(self) -> None:
        """Ping forever: every `interval` while it answers, every `down_interval` while not."""
        while True:
            await anyio.sleep(self.interval if self.up else self.down_interval)
            await self.check()
