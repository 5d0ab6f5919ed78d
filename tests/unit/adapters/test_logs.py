"""devloop.adapters.logs: the engine's log timestamps, to the nanosecond."""

from __future__ import annotations

from devloop.adapters.logs import engine_time, split_stamp


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
