"""The engine health check, with a fake engine."""

from __future__ import annotations

import threading

import anyio

from devloop import events
from devloop.daemon.health import EngineHealth
from devloop.errors import EngineError


class FakeEngine:
    def __init__(self) -> None:
        self.answers = True
        self.pings = 0

    def ping(self) -> None:
        self.pings += 1
        if not self.answers:
            raise EngineError("the Docker Engine does not answer while checking that it runs: gone")


def notices(seen: list[events.Event], level: str | None = None) -> list[str]:
    return [e.message for e in seen if isinstance(e, events.Notice) and (level is None or e.level == level)]


def test_an_engine_that_stops_is_reported_once_waited_for_and_resumed_once() -> None:
    engine, seen, order = FakeEngine(), [], []

    async def resume() -> None:
        order.append("resume")
        await anyio.sleep(0.05)

    async def main() -> None:
        health = EngineHealth(engine.ping, seen.append, interval=0.02, down_interval=0.02, on_resume=resume)
        async with anyio.create_task_group() as tg:
            tg.start_soon(health.run)
            engine.answers = False
            with anyio.fail_after(5):
                while health.up:
                    await anyio.sleep(0.01)

            async def waiter(name: str) -> None:
                await health.wait_up()
                order.append(name)

            tg.start_soon(waiter, "first action")
            tg.start_soon(waiter, "second action")
            pings = engine.pings
            with anyio.fail_after(5):
                while engine.pings < pings + 10:  # many failed pings: still one report
                    await anyio.sleep(0.01)
            assert order == []
            engine.answers = True
            with anyio.fail_after(5):
                while len(order) < 3:
                    await anyio.sleep(0.01)
            tg.cancel_scope.cancel()

    anyio.run(main)
    assert order[0] == "resume" and sorted(order[1:]) == ["first action", "second action"]
    assert len(notices(seen, "error")) == 1 and "does not answer" in notices(seen, "error")[0]
    assert notices(seen, "info") == ["the Docker Engine answers again; resuming"]


def test_checks_at_the_same_time_resume_once() -> None:
    engine, seen, resumed = FakeEngine(), [], []

    async def resume() -> None:
        resumed.append(1)
        await anyio.sleep(0.1)

    async def main() -> None:
        health = EngineHealth(engine.ping, seen.append, on_resume=resume)
        health.mark_down("gone")
        health.mark_down("still gone")  # said once
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(health.check)
        assert health.up

    anyio.run(main)
    assert resumed == [1]
    assert len(notices(seen, "error")) == 1


def test_while_the_event_stream_is_open_pings_are_rare_and_its_end_pings_at_once() -> None:
    engine, seen = FakeEngine(), []
    open_ = threading.Event()
    open_.set()

    async def main() -> None:
        health = EngineHealth(engine.ping, seen.append, interval=0.02, down_interval=0.02, stream_interval=60)
        ended = health.follow(open_.is_set)
        async with anyio.create_task_group() as tg:
            tg.start_soon(health.run)
            await anyio.sleep(0.3)
            assert engine.pings == 0  # not every `interval` while the stream is open
            engine.answers = False
            open_.clear()
            threading.Thread(target=ended).start()  # the stream's own thread says it ended
            with anyio.fail_after(2):  # long before `stream_interval`
                while health.up:
                    await anyio.sleep(0.01)
            engine.answers = True
            with anyio.fail_after(2):  # the stream is gone: pinged every `down_interval` again
                while not health.up:
                    await anyio.sleep(0.01)
            tg.cancel_scope.cancel()

    anyio.run(main)
    assert len(notices(seen, "error")) == 1


def test_without_an_open_stream_the_engine_is_pinged_every_interval() -> None:
    engine = FakeEngine()

    async def main() -> None:
        health = EngineHealth(engine.ping, lambda _: None, interval=0.02, stream_interval=60)
        health.follow(lambda: False)
        async with anyio.create_task_group() as tg:
            tg.start_soon(health.run)
            with anyio.fail_after(2):
                while engine.pings < 5:
                    await anyio.sleep(0.01)
            tg.cancel_scope.cancel()

    anyio.run(main)
