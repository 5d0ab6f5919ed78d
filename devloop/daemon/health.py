"""Whether the Docker Engine answers: a light ping every few seconds in a worker thread, so an
engine that stops is reported even when no action runs, and actions wait for it to answer again.
While the engine's event stream is open (the outcome watcher follows it), a ping is rare: the
stream ends when the engine goes away, and its end pings at once."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import anyio
import anyio.from_thread
import anyio.lowlevel

from devloop import events
from devloop.errors import EngineError

HEALTH_INTERVAL_S = 3.0  # between pings while the engine answers
STREAM_INTERVAL_S = 60.0  # between pings while its event stream is open too (an engine that hangs)
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
        stream_interval: float = STREAM_INTERVAL_S,
    ) -> None:
        self.ping = ping
        self.emit = emit
        self.on_resume = on_resume
        self.interval = interval
        self.down_interval = down_interval
        self.stream_interval = stream_interval
        self.stream_alive: Callable[[], bool] | None = None
        self.up = True
        self._woken = anyio.Event()
        self._token: anyio.lowlevel.EventLoopToken | None = None
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

    def follow(self, alive: Callable[[], bool]) -> Callable[[], None]:
        """The engine's event stream is open while `alive()`: pings every `stream_interval` then.
        Returns what to call, from any thread, when the stream ends: a ping at once."""
        self.stream_alive = alive
        return self.wake

    def wake(self) -> None:
        """Ping now rather than at the end of the interval (callable from any thread)."""
        token = self._token
        if token is None:
            return  # not running yet: its first wait asks whether the stream is alive
        with contextlib.suppress(RuntimeError):  # the loop is closing
            anyio.from_thread.run_sync(lambda: self._woken.set(), token=token)

    def next_interval(self) -> float:
        if not self.up:
            return self.down_interval
        if self.stream_alive is not None and self.stream_alive():
            return max(self.interval, self.stream_interval)
        return self.interval

    async def run(self) -> None:
        """Ping forever: every `interval` while it answers (`stream_interval` while the engine's
        event stream is open, or at once when it ends), every `down_interval` while not."""
        self._token = anyio.lowlevel.current_token()
        try:
            while True:
                with anyio.move_on_after(self.next_interval()):
                    await self._woken.wait()
                self._woken = anyio.Event()
                await self.check()
        finally:
            self._token = None
