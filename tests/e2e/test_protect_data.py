"""protect_data: devloop refuses to recreate a container that wrote data outside its volumes,
and without it only warns; the data stays where it was until the user accepts the loss. These are
rebuilds (live_update = false): a live update keeps the container, and so its data."""

from __future__ import annotations

import time

import pytest

from devloop.daemon.executor import READ_AHEAD_S
from tests.e2e.faults import container, docker, wait_content
from tests.e2e.stack import DevloopProcess, Stack, up


# "after the read-ahead": devloop has already read the container's layer (without the data) in a
# quiet moment; the data written since must still be found, not the earlier read reused.
@pytest.mark.parametrize("written", ["at once", "after the read-ahead"])
def test_protect_data_keeps_the_container(
    stack: Stack, devloop_runs: list[DevloopProcess], written: str
) -> None:
    (stack.directory / "devloop.toml").write_text("protect_data = true\nlive_update = false\n")
    run = up(stack, devloop_runs, "baked")
    before = container(stack, "baked")
    if written == "after the read-ahead":  # a layer of some bytes (not data: /tmp), read ahead
        docker(stack, "exec", before["Id"], "sh", "-c", "echo scratch > /tmp/scratch")
        time.sleep(READ_AHEAD_S + 3)
    docker(stack, "exec", before["Id"], "sh", "-c", "mkdir -p /app/.temp && echo precious > /app/.temp/x")
    mark = run.mark()
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    refused = run.wait_event(after=mark, event="action", service="baked", status="failed", timeout=120)
    assert "refused" in refused["detail"] and "at /app" in refused["detail"]  # the topmost folder added
    assert "--accept-data-loss" in refused["command"]
    after = container(stack, "baked")
    assert after["Id"] == before["Id"]
    assert docker(stack, "exec", after["Id"], "cat", "/app/.temp/x") == "precious\n"
    # `init: true` mounts /sbin/docker-init: that alone is not data, and is not named
    assert "/sbin" not in refused["detail"]


def test_without_protect_data_it_warns_and_rebuilds(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    (stack.directory / "devloop.toml").write_text("live_update = false\n")  # a rebuild recreates it
    run = up(stack, devloop_runs, "baked")
    before = container(stack, "baked")
    docker(stack, "exec", before["Id"], "sh", "-c", "mkdir -p /app/.temp && echo precious > /app/.temp/x")
    mark = run.mark()
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    warning = run.wait_event(after=mark, event="notice", level="warning", service="baked", timeout=30)
    assert "at /app" in warning["message"]
    wait_content(stack, "baked", "baked v2\n")
    assert container(stack, "baked")["Id"] != before["Id"]


def test_accept_data_loss_lets_the_rebuild_through(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    (stack.directory / "devloop.toml").write_text("protect_data = true\nlive_update = false\n")
    run = up(stack, devloop_runs, "--accept-data-loss", "baked")
    before = container(stack, "baked")
    docker(stack, "exec", before["Id"], "sh", "-c", "mkdir -p /app/.temp && echo precious > /app/.temp/x")
    mark = run.mark()
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    wait_content(stack, "baked", "baked v2\n")
    assert container(stack, "baked")["Id"] != before["Id"]
    assert not [e for e in run.events[mark:] if e.get("status") == "failed"]
