"""Bad edits to the project while `devloop up` runs: a Dockerfile that does not parse, a compose
file made invalid and fixed, a service removed from the compose file and added back."""

from __future__ import annotations

import time

from tests.e2e.faults import (
    COMPOSE,
    DOCKERFILE,
    container,
    read_in,
    started,
    wait_content,
    wait_notice,
    wait_seen,
)
from tests.e2e.stack import DevloopProcess, Stack, up


def test_a_dockerfile_that_does_not_parse_keeps_the_old_container_and_the_fix_recovers(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    run = up(stack, devloop_runs, "baked")
    wait_content(stack, "baked", "baked v1\n")
    before = container(stack, "baked")
    dockerfile = stack.directory / "baked" / "Dockerfile"

    mark = run.mark()
    dockerfile.write_text(DOCKERFILE + "COPPY . /elsewhere\n")
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    failed = run.wait_event(after=mark, event="action", service="baked", status="failed", timeout=120)
    assert "COPPY" in failed["detail"] or "unknown instruction" in failed["detail"].lower(), failed["detail"]
    assert failed["location"] and failed["location"].startswith(str(dockerfile))
    assert read_in(stack, "baked") == "baked v1\n"
    assert container(stack, "baked")["Id"] == before["Id"] and container(stack, "baked")["State"]["Running"]
    assert run.process.poll() is None

    mark = run.mark()
    dockerfile.write_text(DOCKERFILE)
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    wait_content(stack, "baked", "baked v2\n")
    assert "Traceback" not in run.output()


def test_an_invalid_compose_file_keeps_the_last_plan_holds_actions_and_the_fix_is_picked_up(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    run = up(stack, devloop_runs)
    wait_content(stack, "baked", "baked v1\n")
    compose = stack.directory / "compose.yaml"
    baked_before = container(stack, "baked")

    mark = run.mark()
    compose.write_text(COMPOSE.replace("    init: true\n", "    init: [true\n", 1))
    broken = wait_notice(run, mark, "no longer loads", level="error")
    assert "compose.yaml does not load" in broken["message"] and "yaml: line" in broken["message"]
    assert broken.get("hint")
    # an edit meanwhile is planned with the last good plan, but not run: compose cannot run it
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    wait_seen(run, mark, "baked")
    assert not started(run, mark, "baked")
    assert container(stack, "baked")["Id"] == baked_before["Id"]

    # the fixed file, with a real change for `mounted`, is picked up
    fixed = COMPOSE.replace(
        "    volumes:\n      - ./mounted:/www\n",
        "    volumes:\n      - ./mounted:/www\n    environment:\n      GREETING: fixed\n",
    )
    compose.write_text(fixed)
    wait_notice(run, mark, "project reloaded")
    run.wait_event(after=mark, event="action", service="mounted", action="recreate", status="succeeded")
    run.wait_event(after=mark, event="action", service="baked", action="sync", status="succeeded")
    wait_content(stack, "baked", "baked v2\n")  # the held edit, copied in by live update
    assert "GREETING=fixed" in container(stack, "mounted")["Config"]["Env"]
    assert len(started(run, mark, "baked")) == 1, "the held edit is acted on once"
    assert not run.matching(event="action", status="failed")
    assert run.process.poll() is None


def test_a_service_removed_and_added_back(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    run = up(stack, devloop_runs)
    wait_content(stack, "mounted", "mounted v1\n")
    compose = stack.directory / "compose.yaml"
    kept = container(stack, "mounted")

    mark = run.mark()
    without = COMPOSE[: COMPOSE.index("  mounted:\n")]
    compose.write_text(without)
    removed = wait_notice(run, mark, "removed: mounted")
    ready = run.wait_event(after=run.events.index(removed), event="ready", timeout=30)
    assert ready["services"] == ["baked"]

    # an edit to the removed service's files does nothing; the other service still acts
    time.sleep(1.1)  # newer than the container's start beyond file time resolution: caught up later
    (stack.directory / "mounted" / "index.txt").write_text("mounted v2\n")
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    wait_content(stack, "baked", "baked v2\n")
    assert not started(run, mark, "mounted")
    orphan = container(stack, "mounted")
    assert orphan["Id"] == kept["Id"] and orphan["State"]["StartedAt"] == kept["State"]["StartedAt"]

    # added back: recreated as compose sees fit, then caught up (its edit made meanwhile)
    mark = run.mark()
    compose.write_text(COMPOSE)
    wait_notice(run, mark, "added: mounted")
    run.wait_event(after=mark, event="catch_up", service="mounted", timeout=120)
    run.wait_event(after=mark, event="action", service="mounted", action="restart", status="succeeded")
    back = container(stack, "mounted")
    assert back["State"]["Running"] and back["State"]["StartedAt"] != kept["State"]["StartedAt"]
    assert read_in(stack, "mounted") == "mounted v2\n"

    # and it is watched again
    mark = run.mark()
    (stack.directory / "mounted" / "index.txt").write_text("mounted v3\n")
    run.wait_event(after=mark, event="action", service="mounted", action="restart", status="succeeded")
    assert not run.matching(event="action", status="failed")
