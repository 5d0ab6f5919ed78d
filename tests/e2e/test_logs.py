"""devloop.adapters.logs on a real engine: every line a service prints arrives once, with its
stream, across a restart of its container and a recreation (a new container id)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from devloop.adapters.log_lines import ContainerChange, LogLine
from devloop.adapters.logs import STREAMS, LogFollower
from tests.e2e.faults import busybox_stack, container
from tests.e2e.faults import docker as docker_cli
from tests.e2e.stack import Stack, wait_until

# Numbers go on across runs (the counter lives in a volume); odd ones on stderr. The count is saved
# by rename: `echo > /data/n` empties the file first, and a stop in between made the next run count
# from 1 again (the engine then kept the same numbers twice).
COMPOSE = """\
services:
  counter:
    image: devloop-testbed/busybox:latest
    init: true
    network_mode: none
    volumes: [count:/data]
    command:
      - sh
      - -c
      - |
        n=$$(cat /data/n 2>/dev/null || echo 0)
        while :; do
          n=$$((n+1)); echo $$n > /data/n.new; mv /data/n.new /data/n
          if [ $$((n % 2)) = 1 ]; then echo "line $$n" >&2; else echo "line $$n"; fi
          sleep 0.02
        done
volumes:
  count: {}
"""


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[Stack]:
    stack = busybox_stack(tmp_path, COMPOSE)
    try:
        stack.compose("up", "-d")
        yield stack
    finally:
        stack.down()


class Collected:
    """What a LogFollower hands over, gathered from its ring as a daemon would."""

    def __init__(self, follower: LogFollower) -> None:
        self.follower = follower
        self.lines: list[LogLine] = []
        self.changes: list[ContainerChange] = []

    def pump(self) -> None:
        self.follower.window.wait(0.2)
        lines, changes, dropped = self.follower.window.take()
        assert not dropped
        self.lines += lines
        self.changes += changes

    def until(self, check: object, what: str, timeout: float = 60) -> None:
        def step() -> bool:
            self.pump()
            return bool(check())  # type: ignore[operator]

        wait_until(step, timeout, what, interval=0)


def engine_log(stack: Stack, container_id: str) -> list[tuple[str, str]]:
    """(stream, line) of everything the engine kept for a container, in order."""
    client = docker.from_env()
    out = client.api.logs(container_id, stdout=True, stderr=False, timestamps=True).decode().splitlines()
    err = client.api.logs(container_id, stdout=False, stderr=True, timestamps=True).decode().splitlines()
    stamped = [(s.split(" ", 1)[0], "stdout", s.split(" ", 1)[1]) for s in out]
    stamped += [(s.split(" ", 1)[0], "stderr", s.split(" ", 1)[1]) for s in err]
    return [(stream, line) for _, stream, line in sorted(stamped, key=lambda x: x[0])]


def numbers(lines: list[LogLine]) -> list[int]:
    return [int(re.sub(r"\D", "", x.line)) for x in lines]


def test_every_line_arrives_once_across_a_restart_and_a_recreation(counter: Stack) -> None:
    first = container(counter, "counter")
    follower = LogFollower(docker.from_env(), counter.project, since=time.time())
    seen = Collected(follower)
    follower.start()
    try:
        seen.until(lambda: len(seen.lines) >= 20, "20 lines")
        docker_cli(counter, "restart", "-t", "1", first["Id"])  # the same container again
        seen.until(lambda: len([c for c in seen.changes if c.status == "running"]) >= 1, "the restart")
        seen.until(lambda: len(seen.lines) >= 80, "lines after the restart")
        counter.compose("stop", "-t", "1")
        before = engine_log(counter, first["Id"])  # the old container's whole log, before it goes
        counter.compose("up", "-d", "--force-recreate")
        second = container(counter, "counter")
        assert second["Id"] != first["Id"]
        seen.until(
            lambda: any(x.container == second["Name"].lstrip("/") for x in seen.lines[-5:]), "new lines"
        )
        seen.until(
            lambda: len([x for x in seen.lines if x.container == second["Name"].lstrip("/")]) >= 20, "more"
        )
        counter.compose("stop", "-t", "1")  # the engine's log is final: all of it must arrive
        kept = before + engine_log(counter, second["Id"])
        start = kept.index((seen.lines[0].stream, seen.lines[0].line))
        seen.until(lambda: len(seen.lines) >= len(kept) - start, "the lines up to the stop")
    finally:
        follower.close()
    # exactly what the engine kept of both containers, from the first line devloop saw on
    assert [(x.stream, x.line) for x in seen.lines] == kept[start:]
    got = numbers(seen.lines)
    assert len(got) == len(set(got)), "a line arrived twice"
    # each stream in the order printed; across the streams the order is the engine's times (above):
    # dockerd stamps each pipe as it reads it, and under heavy load it read "line 69" on stderr
    # before "line 68" on stdout, printed 20 ms earlier
    for stream in STREAMS:
        ours = [n for x, n in zip(seen.lines, got, strict=True) if x.stream == stream]
        assert ours == sorted(ours), f"{stream}: lines out of order"
    assert all(x.stream == ("stderr" if n % 2 else "stdout") for x, n in zip(seen.lines, got, strict=True))
    assert {x.service for x in seen.lines} == {"counter"}
    statuses = [(c.id, c.status) for c in seen.changes]
    assert (first["Id"], "exited") in statuses and (second["Id"], "running") in statuses
    assert not [t for t in follower.followers.values() if t.thread.is_alive()] or wait_until(
        lambda: not any(t.thread.is_alive() for t in list(follower.followers.values())),
        10,
        "followers to end",
    )
