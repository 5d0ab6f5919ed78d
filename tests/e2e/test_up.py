"""`devloop up` on the real example stack: what each kind of edit does to real containers."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.faults import descendants
from tests.e2e.stack import DevloopProcess, Stack, up, wait_until

GENUINE_APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + b"\x00\x00" + b"\x00" * 4070


def image_exists(image_id: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image_id], capture_output=True).returncode == 0


def image_id(stack: Stack, service: str) -> str:
    return str(stack.container(service)["Image"])


def test_each_kind_of_edit_gets_its_own_action(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    (stack.directory / "devloop.toml").write_text("live_update = false\n")  # this test is about rebuilds
    run = up(stack, devloop_runs)
    stack.wait_for("api", "/", {"message": "hello from api v1"})
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    stack.wait_for("api", "/task", {"result": "task v1"})
    before = stack.snapshot()

    # An edit under the api's bind mount: the api reloads itself, nothing is restarted.
    mark = run.mark()
    stack.edit("app/main.py", "hello from api v1", "hello from api v2")
    stack.wait_for("api", "/", {"message": "hello from api v2"}, timeout=20)
    run.wait_event(after=mark, event="action", service="api", action="reload", status="skipped", timeout=20)
    # the same bind is mounted in the workers, which do not reload: they are restarted
    run.wait_event(after=mark, event="action", service="celery_worker", status="succeeded", timeout=60)
    run.wait_event(after=mark, event="action", service="celery_beat", status="succeeded", timeout=60)
    after_api = stack.snapshot()
    assert after_api["api"] == before["api"], "the api container must not be restarted"
    assert after_api["baked_api"] == before["baked_api"]
    assert after_api["redis"] == before["redis"]

    # An edit to task code: only the worker and beat restart, on the same image.
    mark = run.mark()
    stack.edit("app/tasks.py", "task v1", "task v2")
    run.wait_event(after=mark, event="action", service="celery_worker", status="succeeded", timeout=60)
    run.wait_event(after=mark, event="action", service="celery_beat", status="succeeded", timeout=60)
    stack.wait_for("api", "/task", {"result": "task v2"}, timeout=30)
    after_task = stack.snapshot()
    for service in ("celery_worker", "celery_beat"):
        container, image, started = after_task[service]
        assert container == after_api[service][0] and image == after_api[service][1]
        assert started != after_api[service][2], f"{service} was not restarted"
    for service in ("api", "baked_api", "redis"):
        assert after_task[service] == after_api[service], f"{service} must not be touched"

    # An edit to the baked service's code: only it is rebuilt, and it serves the new code.
    mark = run.mark()
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")
    run.wait_event(
        after=mark, event="action", service="baked_api", action="rebuild", status="succeeded", timeout=180
    )
    stack.wait_for("baked", "/", {"message": "hello from baked v2"}, timeout=60)
    after_baked = stack.snapshot()
    assert after_baked["baked_api"][1] != after_task["baked_api"][1], "baked_api needs a new image"
    # the image it replaced, now untagged and unused, is removed (not left dangling)
    wait_until(lambda: not image_exists(after_task["baked_api"][1]), 30, "the replaced image to go")
    assert image_exists(after_baked["baked_api"][1])
    for service in ("api", "celery_worker", "celery_beat", "redis"):
        assert after_baked[service] == after_task[service], f"{service} must not be touched"
    assert not run.matching(event="action", status="failed")


def test_requirements_edit_rebuilds_every_service_of_that_build(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    run = up(stack, devloop_runs)
    stack.wait_for("api", "/", {"message": "hello from api v1"})
    before = stack.snapshot()
    mark = run.mark()
    with (stack.directory / "requirements.txt").open("a") as handle:
        handle.write("# pinned later\n")
    for service in ("api", "celery_worker", "celery_beat"):
        run.wait_event(
            after=mark, event="action", service=service, action="rebuild", status="succeeded", timeout=240
        )
    # one compose command rebuilt all three
    commands = {e["command"] for e in run.matching(event="action", action="rebuild", status="succeeded")}
    assert len(commands) == 1 and all(
        s in next(iter(commands)) for s in ("api", "celery_worker", "celery_beat")
    )
    stack.wait_for("api", "/", {"message": "hello from api v1"}, timeout=60)
    after = stack.snapshot()
    for service in ("api", "celery_worker", "celery_beat"):
        assert after[service][0] != before[service][0], f"{service} must be recreated"
    assert after["baked_api"] == before["baked_api"]
    assert after["redis"] == before["redis"]


def test_appledouble_files_are_removed_before_a_build_and_user_files_kept(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    (stack.directory / "devloop.toml").write_text("live_update = false\n")  # this test is about rebuilds
    run = up(stack, devloop_runs, "baked_api")
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    genuine = stack.directory / "baked" / "._main.py"
    notes = stack.directory / "baked" / "._notes"
    genuine.write_bytes(GENUINE_APPLEDOUBLE)
    notes.write_text("my notes, not an AppleDouble file\n")
    mark = run.mark()
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")
    run.wait_event(after=mark, event="action", service="baked_api", status="succeeded", timeout=180)
    stack.wait_for("baked", "/", {"message": "hello from baked v2"}, timeout=60)
    assert not genuine.exists()
    assert notes.read_text() == "my notes, not an AppleDouble file\n"
    listing = stack.compose("exec", "-T", "baked_api", "ls", "-a", "/code").stdout.split()
    assert "._main.py" not in listing and "._notes" in listing and "main.py" in listing
    assert run.matching(event="notice", level="warning")  # the kept file is reported


def test_a_burst_of_2000_writes_gives_one_action_per_service(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    run = up(stack, devloop_runs)
    stack.wait_for("api", "/", {"message": "hello from api v1"})
    mark = run.mark()
    for folder in ("app/generated", "baked/generated"):
        (stack.directory / folder).mkdir()
    for i in range(1000):
        (stack.directory / "app" / "generated" / f"f{i}.py").write_text(f"X = {i}\n")
        (stack.directory / "baked" / "generated" / f"f{i}.txt").write_text(f"{i}\n")
    run.wait_event(after=mark, event="action", service="baked_api", status="succeeded", timeout=240)
    run.wait_event(after=mark, event="action", service="celery_worker", status="succeeded", timeout=120)
    run.wait_event(after=mark, event="action", service="celery_beat", status="succeeded", timeout=120)
    time.sleep(3)  # room for any extra action to show up
    started = [e for e in run.events[mark:] if e.get("event") == "action" and e.get("status") == "started"]
    counts = {
        s: sum(1 for e in started if e["service"] == s) for s in ("baked_api", "celery_worker", "celery_beat")
    }
    assert counts == {"baked_api": 1, "celery_worker": 1, "celery_beat": 1}, counts
    assert not [e for e in started if e["service"] in ("api", "redis")]


def test_an_edit_during_a_build_gives_exactly_one_follow_up(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    dockerfile = stack.directory / "baked" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("COPY . .\n", "COPY . .\nRUN sleep 3\n"))
    run = up(stack, devloop_runs, "baked_api")
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    mark = run.mark()
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")
    run.wait_event(after=mark, event="action", service="baked_api", status="started", timeout=30)
    time.sleep(0.5)
    stack.edit("baked/main.py", "hello from baked v2", "hello from baked v3")
    time.sleep(0.3)
    stack.edit("baked/main.py", "hello from baked v3", "hello from baked v4")
    first = run.wait_event(after=mark, event="action", service="baked_api", status="succeeded", timeout=180)
    second_mark = run.events.index(first) + 1
    run.wait_event(after=second_mark, event="action", service="baked_api", status="succeeded", timeout=180)
    stack.wait_for("baked", "/", {"message": "hello from baked v4"}, timeout=60)
    time.sleep(2)
    builds = run.matching(event="action", service="baked_api", action="rebuild", status="started")
    assert len(builds) == 2, [e.get("reason") for e in builds]


def test_a_broken_dockerfile_keeps_the_old_container_serving(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    run = up(stack, devloop_runs, "baked_api")
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    before = stack.container("baked_api")
    dockerfile = stack.directory / "baked" / "Dockerfile"
    good = dockerfile.read_text()
    mark = run.mark()
    dockerfile.write_text(good.replace("COPY . .\n", "COPY . .\nRUN exit 3\n"))
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")
    failed = run.wait_event(after=mark, event="action", service="baked_api", status="failed", timeout=180)
    assert "exit code: 3" in failed["detail"] or "exit code 3" in failed["detail"], failed["detail"]
    # the command as run: `docker [--context NAME] compose ... up -d --build --no-deps baked_api`
    run_as = r"docker (--(context|host) \S+ )?compose (.* )?up -d --no-deps --build"
    assert re.match(run_as, failed["command"]), failed["command"]
    assert stack.get("baked", "/") == {"message": "hello from baked v1"}
    assert stack.container("baked_api")["Id"] == before["Id"]

    mark = run.mark()
    dockerfile.write_text(good)
    run.wait_event(after=mark, event="action", service="baked_api", status="succeeded", timeout=180)
    stack.wait_for("baked", "/", {"message": "hello from baked v2"}, timeout=60)


def test_an_edit_made_while_devloop_was_stopped_is_caught_up(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    first = up(stack, devloop_runs, "baked_api")
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    assert first.stop() == 0
    time.sleep(1.1)  # mtime resolution of some filesystems
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")
    second = up(stack, devloop_runs, "baked_api")
    second.wait_event(event="catch_up", service="baked_api", timeout=30)
    second.wait_event(event="action", service="baked_api", status="succeeded", timeout=180)
    stack.wait_for("baked", "/", {"message": "hello from baked v2"}, timeout=60)
    assert second.stop() == 0
    # a third start has nothing to catch up
    third = up(stack, devloop_runs, "baked_api")
    time.sleep(1)
    assert not third.matching(event="catch_up")


def _processes_mentioning(text: str) -> list[str]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,args="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if text in line and "pytest" not in line]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_build_leaves_nothing_behind(
    example_stack: Stack, devloop_runs: list[DevloopProcess], sig: signal.Signals
) -> None:
    stack = example_stack
    dockerfile = stack.directory / "baked" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("COPY . .\n", "COPY . .\nRUN sleep 20\n"))
    run = up(stack, devloop_runs, "baked_api")
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    before = stack.container("baked_api")
    mark = run.mark()
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")
    run.wait_event(after=mark, event="action", service="baked_api", status="started", timeout=30)
    wait_until(lambda: descendants(run.process.pid), 10, "the compose child process")
    time.sleep(1)
    started = time.monotonic()
    assert run.stop(sig) == 0
    assert time.monotonic() - started < 30
    wait_until(lambda: not _processes_mentioning(stack.project), 15, "compose processes to end")
    run.wait_event(event="stopped", timeout=1)
    after = stack.container("baked_api")
    assert after["Id"] == before["Id"] and after["State"]["Running"]
    assert stack.get("baked", "/") == {"message": "hello from baked v1"}


def test_unknown_service_is_a_clear_error(example_stack: Stack) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devloop", "up", "no_such_service"],
        cwd=example_stack.directory,
        env=example_stack.environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "no such service: no_such_service" in done.stderr
    assert "Traceback" not in done.stderr
