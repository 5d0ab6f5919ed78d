"""devloop.adapters.logs: the engine's log timestamps, to the nanosecond, and the order of items
held; the end of its event stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace

from devloop.adapters.log_lines import engine_time, release, split_stamp
from devloop.adapters.logs import LogFollower


def test_engine_timestamps_keep_nanoseconds() -> None:
    assert engine_time("2024-05-02T10:11:12.123456789Z") == 1714644672_123456789
    assert engine_time("2024-05-02T10:11:12.1Z") == 1714644672_100000000  # trailing zeros dropped
    assert engine_time("2024-05-02T10:11:12Z") == 1714644672_000000000
    assert engine_time("2024-05-02T12:11:12.5+02:00") == 1714644672_500000000
    assert split_stamp(b"2024-05-02T10:11:12.000000001Z hello world\r") == (
        1714644672_000000001,
        "hello world",
    )
    assert split_stamp(b"not a time") is None


def test_a_held_item_goes_out_with_everything_older_in_engine_time_order() -> None:
    # (read at, engine time, item): "b" was read before "a" although the engine wrote "a" first
    held = [(10.0, 5.2, "b"), (10.1, 5.1, "a"), (10.2, 5.3, "c")]
    assert release(held, now=10.2, hold=0.3) == ([], held)  # nothing held long enough yet
    assert release(held, now=10.3, hold=0.3) == (["a", "b"], [(10.2, 5.3, "c")])  # "a" is released early
    assert release(held, now=10.5, hold=0.3) == (["a", "b", "c"], [])
    assert release([], now=1.0) == ([], [])
    ties = [(0.0, 1.0, "x"), (0.0, 1.0, "y")]
    assert release(ties, now=1.0, hold=0.3)[0] == ["x", "y"]  # equal times keep the order read


class _StreamApi:
    """An engine whose event stream stays open until `end` is set; no containers."""

    def __init__(self) -> None:
        self.end = threading.Event()

    def events(self, **_: object) -> Iterator[dict[str, object]]:
        self.end.wait(10)
        yield from ()

    def containers(self, **_: object) -> list[dict[str, object]]:
        return []


def test_the_end_of_the_engine_event_stream_is_told_and_a_poke_ends_a_wait() -> None:
    api = _StreamApi()
    follower = LogFollower(SimpleNamespace(api=api), "demo", since=0.0)
    ended = threading.Event()
    follower.on_events_end = ended.set
    follower.start()
    try:
        assert follower.events_alive()
        waited: list[bool] = []
        waiter = threading.Thread(target=lambda: waited.append(follower.window.wait(600)))
        waiter.start()
        follower.window.poke()  # nothing arrived: the wait ends all the same
        waiter.join(60)
        assert waited == [True] and not follower.window.poked
        api.end.set()
        assert ended.wait(5)
        follower._watcher.join(5)
        assert not follower.events_alive()
    finally:
        follower.close()
