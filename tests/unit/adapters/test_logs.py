"""devloop.adapters.logs: the engine's log timestamps, to the nanosecond, and lines of two
streams, read by two threads, going out in engine-time order; the end of its event stream."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

from devloop.adapters.log_lines import ContainerChange, LogLine, engine_time, release, split_stamp
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


def test_lines_of_two_streams_read_out_of_order_go_out_in_order() -> None:
    follower = LogFollower(client=None, project="p", since=0.0, hold=60.0)
    follower.put(LogLine("s", "s-1", "stderr", "line 21", 21.0))
    assert follower.take() == ([], [], {})  # held: the other stream may still have an older line
    follower.put(LogLine("s", "s-1", "stdout", "line 20", 20.0))  # read late by its thread
    follower.put(LogLine("s", "s-1", "stdout", "line 22", 22.0))
    assert follower.take() == ([], [], {})
    follower.hold = 0.0
    assert follower.wait(5.0)
    assert [x.line for x in follower.take()[0]] == ["line 20", "line 21", "line 22"]
    assert follower.take() == ([], [], {})


def test_wait_wakes_when_a_held_line_may_go_out() -> None:
    follower = LogFollower(client=None, project="p", since=0.0, hold=0.2)
    started = time.monotonic()
    assert follower.wait(0.1)  # nothing held: the whole timeout
    assert time.monotonic() - started >= 0.09
    follower.put(LogLine("s", "s-1", "stdout", "ready", 1.0))
    started = time.monotonic()
    assert follower.wait(30.0)
    assert 0.19 <= time.monotonic() - started < 10.0  # held its time, not the whole timeout
    assert [x.line for x in follower.take()[0]] == ["ready"]
    follower.close()
    assert not follower.wait(1.0)


def test_an_exit_goes_out_after_the_lines_written_before_it() -> None:
    follower = LogFollower(client=None, project="p", since=0.0, hold=0.05)
    follower._put_change(ContainerChange("s", "s-1", "id", "exited", 30.0, 1))
    follower.put(LogLine("s", "s-1", "stderr", "Traceback", 29.9))
    assert follower.wait(5.0)
    lines, changes, _ = follower.take()
    assert [x.line for x in lines] == ["Traceback"] and [c.status for c in changes] == ["exited"]


def test_lines_wait_while_the_other_stream_of_their_container_connects() -> None:
    follower = LogFollower(client=None, project="p", since=0.0, hold=0.0)
    follower.connecting("s-1", "stdout", True)
    follower.put(LogLine("s", "s-1", "stderr", "line 5", 5.0))
    follower.put(LogLine("t", "t-1", "stdout", "other", 5.5))  # another container goes on
    assert [x.line for x in follower.take()[0]] == ["other"]
    follower.connecting("s-1", "stdout", False)
    follower.put(LogLine("s", "s-1", "stdout", "line 4", 4.0))  # its first line was older
    assert follower.wait(5.0)
    assert [x.line for x in follower.take()[0]] == ["line 4", "line 5"]


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
        waiter = threading.Thread(target=lambda: waited.append(follower.wait(600)))
        waiter.start()
        follower.poke()  # nothing arrived: the wait ends all the same
        waiter.join(60)
        assert waited == [True] and not follower.poked
        api.end.set()
        assert ended.wait(5)
        follower._watcher.join(5)
        assert not follower.events_alive()
    finally:
        follower.close()
