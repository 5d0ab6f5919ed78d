"""Catch-up at `devloop up` by content, on the real engine: a fresh copy of a built project (every
file newer than the images), with a new devloop.toml, rebuilds nothing; one baked file changed while
devloop was not running rebuilds exactly the services that bake it, once. An image built by hand is
compared through its own copies of the files."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from tests.e2e.faults import BUSYBOX, container, read_in, teardown
from tests.e2e.stack import DevloopProcess, Stack, up

COMPOSE = """\
services:
  site:
    build: ./site
    command: ["sleep", "3600"]
    init: true
    network_mode: none
  mirror:
    build: ./site
    command: ["sleep", "3600"]
    init: true
    network_mode: none
  other:
    build: ./other
    command: ["sleep", "3600"]
    init: true
    network_mode: none
"""
SITE = f"FROM {BUSYBOX}\nCOPY index.txt /www/\nCOPY lib/ /www/lib/\n"
OTHER = f"FROM {BUSYBOX}\nCOPY . /www\n"


def project(tmp_path: Path) -> Stack:
    """site/ is built by two services, other/ by one; each file unique, so no build cache is shared
    with another run, and devloop's cache is the test's own."""
    directory = tmp_path / "proj"
    name = f"dlt-{uuid.uuid4().hex[:10]}"
    files = {
        "compose.yaml": COMPOSE,
        "site/Dockerfile": SITE,
        "site/index.txt": f"site v1 {name}\n",
        "site/lib/util.txt": "util\n",
        "site/README.md": "not copied\n",
        "other/Dockerfile": OTHER,
        "other/index.txt": f"other v1 {name}\n",
    }
    for relative, text in files.items():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(text)
    env = {"COMPOSE_PROJECT_NAME": name, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return Stack(directory, name, {}, env)


def touch_everything(directory: Path) -> None:
    """`touch` of the whole tree, later than the images (times have a 1 s grain on some systems)."""
    time.sleep(1.1)
    for path in [directory, *directory.rglob("*")]:
        os.utime(path)


def images(stack: Stack) -> dict[str, str]:
    """The image id each service's container runs."""
    return {service: str(container(stack, service)["Image"]) for service in ("site", "mirror", "other")}


def rebuilt_once(stack: Stack, run: DevloopProcess) -> dict[str, str]:
    """site and mirror are rebuilt, each once (then devloop stops); the images after."""
    for service in ("site", "mirror"):
        run.wait_event(event="action", service=service, action="rebuild", status="succeeded", timeout=180)
    assert run.stop() == 0
    rebuilt = [e["service"] for e in run.matching(event="action", action="rebuild", status="started")]
    assert sorted(rebuilt) == ["mirror", "site"]
    return images(stack)


def test_a_fresh_copy_touched_rebuilds_nothing_and_one_changed_file_rebuilds_its_builds_once(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    first = project(tmp_path)
    stack = first
    try:
        run = up(first, devloop_runs)  # devloop starts the stack: compose builds the images
        assert run.stop() == 0
        built = images(first)
        assert built["site"] != built["other"]

        # a fresh copy (every file newer than the images), with a devloop.toml no COPY copies
        copy = tmp_path / "copy"
        shutil.copytree(first.directory, copy, copy_function=shutil.copy)
        (copy / "devloop.toml").write_text("debounce_ms = 200\n")
        stack = Stack(copy, first.project, {}, first.env)
        quiet = up(stack, devloop_runs, "--no-start")
        assert quiet.matching(event="catch_up") == []
        assert quiet.stop() == 0
        assert quiet.matching(event="action") == []
        assert images(stack) == built

        # one file the site build copies changed while devloop was not running: site and mirror are
        # rebuilt, once, by one command; other is left alone
        index = copy / "site" / "index.txt"
        index.write_text(index.read_text().replace("site v1", "site v2"))
        run = up(stack, devloop_runs, "--no-start")
        caught = {e["service"]: e for e in run.matching(event="catch_up")}
        assert set(caught) == {"site", "mirror"}, run.output
        assert caught["site"]["action"] == "rebuild"
        reason = caught["site"]["reason"]
        assert reason.startswith("./site/index.txt differs from the content its image was built from: "), (
            reason
        )
        after = rebuilt_once(stack, run)
        assert after["other"] == built["other"]
        assert after["site"] != built["site"] and after["mirror"] != built["mirror"]
        assert read_in(stack, "site") == read_in(stack, "mirror") == index.read_text()

        # what devloop's rebuild read is known: touching everything again is nothing
        touch_everything(copy)
        third = up(stack, devloop_runs, "--no-start")
        assert third.matching(event="catch_up") == []
        assert third.stop() == 0
        assert images(stack) == after
    finally:
        teardown(stack, devloop_runs)


def test_an_image_built_by_hand_is_compared_through_its_own_files(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    stack = project(tmp_path)
    try:
        stack.compose("up", "-d", "--build")  # devloop has no record of what these images hold
        built = images(stack)
        time.sleep(1.1)  # times have a 1 s grain on some systems
        for relative in ("site/index.txt", "site/README.md", "other/index.txt"):
            os.utime(stack.directory / relative)  # touched, the same content
        (stack.directory / "site" / "lib" / "util.txt").write_text("util v2\n")  # changed
        run = up(stack, devloop_runs, "--no-start")
        caught = {e["service"]: e["reason"] for e in run.matching(event="catch_up")}
        assert set(caught) == {"site", "mirror"}, run.output
        assert caught["site"].startswith(
            "./site/lib/util.txt differs from its copy in the image (/www/lib/util.txt): "
        ), caught
        assert "more file" not in caught["site"]  # the touched files are the image's
        after = rebuilt_once(stack, run)
        assert after["other"] == built["other"] and after["site"] != built["site"]
        assert read_in(stack, "mirror", "/www/lib/util.txt") == "util v2\n"
    finally:
        teardown(stack, devloop_runs)
