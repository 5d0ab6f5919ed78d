"""devloop.adapters.log_window: lines of two streams, read by two threads, going out in
engine-time order."""

from __future__ import annotations

import time

from devloop.adapters.log_lines import ContainerChange, LogLine
from devloop.adapters.log_window import LogWindow


def test_lines_of_two_streams_read_out_of_order_go_out_in_order() -> None:
    window = LogWindow(hold=60.0)
    window.put(LogLine("s", "s-1", "stderr", "line 21", 21.0))
    assert window.take() == ([], [], {})  # held: the other stream may still have an older line
    window.put(LogLine("s", "s-1", "stdout", "line 20", 20.0))  # read late by its thread
    window.put(LogLine("s", "s-1", "stdout", "line 22", 22.0))
    assert window.take() == ([], [], {})
    window.hold = 0.0
    assert window.wait(5.0)
    assert [x.line for x in window.take()[0]] == ["line 20", "line 21", "line 22"]
    assert window.take() == ([], [], {})


def test_wait_wakes_when_a_held_line_may_go_out() -> None:
    window = LogWindow(hold=0.2)
    started = time.monotonic()
    assert window.wait(0.1)  # nothing held: the whole timeout
    assert time.monotonic() - started >= 0.09
    window.put(LogLine("s", "s-1", "stdout", "ready", 1.0))
    started = time.monotonic()
    assert window.wait(30.0)
    assert 0.19 <= time.monotonic() - started < 10.0  # held its time, not the whole timeout
    assert [x.line for x in window.take()[0]] == ["ready"]
    window.close()
    assert not window.wait(1.0)


def test_an_exit_goes_out_after_the_lines_written_before_it() -> None:
    window = LogWindow(hold=0.05)
    window.put_change(ContainerChange("s", "s-1", "id", "exited", 30.0, 1))
    window.put(LogLine("s", "s-1", "stderr", "Traceback", 29.9))
    assert window.wait(5.0)
    lines, changes, _ = window.take()
    assert [x.line for x in lines] == ["Traceback"] and [c.status for c in changes] == ["exited"]


def test_lines_wait_while_the_other_stream_of_their_container_connects() -> None:
    window = LogWindow(hold=0.0)
    window.connecting("s-1", "stdout", True)
    window.put(LogLine("s", "s-1", "stderr", "line 5", 5.0))
    window.put(LogLine("t", "t-1", "stdout", "other", 5.5))  # another container goes on
    assert [x.line for x in window.take()[0]] == ["other"]
    window.connecting("s-1", "stdout", False)
    window.put(LogLine("s", "s-1", "stdout", "line 4", 4.0))  # its first line was older
    assert window.wait(5.0)
    assert [x.line for x in window.take()[0]] == ["line 4", "line 5"]
