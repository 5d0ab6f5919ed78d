"""The watched tree changes shape while `devloop up` runs: a watched folder deleted and created
again, a branch switch that rewrites 5,000 files, symlink loops, a file without read permission,
file names that are not UTF-8."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.e2e.faults import (
    COMPOSE,
    DOCKERFILE,
    busybox_stack,
    container,
    read_in,
    started,
    teardown,
    wait_content,
)
from tests.e2e.second_engine import need
from tests.e2e.stack import DevloopProcess, Stack, up


def ls(stack: Stack, service: str, folder: str = "/www") -> list[bytes]:
    """Raw names in a folder of the service's container (busybox ls would escape them)."""
    argv = ["docker", "exec", container(stack, service)["Id"], "sh", "-c", f"cd {folder} && printf '%s\\n' *"]
    done = subprocess.run(argv, capture_output=True, env=stack.environ(), timeout=60, check=True)
    return sorted(done.stdout.splitlines())


def test_a_watched_folder_deleted_and_created_again_is_watched_again(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    # the build context lies beside the project folder, so it is watched as a folder of its own
    stack = busybox_stack(tmp_path, COMPOSE.replace("build: ./baked", "build: ../site"))
    site = tmp_path / "site"
    shutil.move(stack.directory / "baked", site)
    try:
        run = up(stack, devloop_runs, "baked")
        wait_content(stack, "baked", "baked v1\n")

        mark = run.mark()
        shutil.rmtree(site)
        run.wait_event(after=mark, event="changes", timeout=30)
        site.mkdir()  # put back, as a `git checkout` or an unpacked archive would
        (site / "Dockerfile").write_text(DOCKERFILE)
        (site / "index.txt").write_text("baked v2\n")
        wait_content(stack, "baked", "baked v2\n")

        mark = run.mark()
        (site / "index.txt").write_text("baked v3\n")
        run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
        wait_content(stack, "baked", "baked v3\n")
        assert run.process.poll() is None
    finally:
        teardown(stack, devloop_runs)


def test_a_branch_switch_of_5000_files_gives_one_action_per_service(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    for service in ("baked", "mounted"):
        for i in range(2000):
            path = stack.directory / service / "src" / f"d{i % 20}" / f"f{i}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"main {i}\n")
    # a checkout that takes longer than the default max_wait_ms would act twice, by design
    (stack.directory / "devloop.toml").write_text("max_wait_ms = 30000\n")
    run = up(stack, devloop_runs)
    before = container(stack, "mounted")

    mark = run.mark()
    for service in ("baked", "mounted"):  # 2 x (500 deleted, 1500 rewritten, 500 added) = 5,000
        root = stack.directory / service / "src"
        for i in range(2000):
            path = root / f"d{i % 20}" / f"f{i}.txt"
            if i < 500:
                path.unlink()
            else:
                path.write_text(f"feature {i}\n")
        for i in range(500):
            path = root / "new" / f"n{i // 100}" / f"g{i}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"new {i}\n")
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=180)
    run.wait_event(after=mark, event="action", service="mounted", status="succeeded", timeout=120)
    time.sleep(3)  # room for an extra action to show up
    assert len(started(run, mark, "baked")) == 1, started(run, mark, "baked")
    assert len(started(run, mark, "mounted")) == 1, started(run, mark, "mounted")
    assert read_in(stack, "baked", "/www/src/d9/f1009.txt") == "feature 1009\n"
    assert read_in(stack, "baked", "/www/src/new/n4/g499.txt") == "new 499\n"
    gone = stack.compose("exec", "-T", "baked", "test", "-e", "/www/src/d1/f1.txt", check=False)
    assert gone.returncode == 1, "a deleted file stays in the image"
    after = container(stack, "mounted")
    assert after["State"]["StartedAt"] != before["State"]["StartedAt"]


def test_symlink_loops_in_watched_folders(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    for service in ("baked", "mounted"):
        folder = stack.directory / service
        os.symlink(".", folder / "self")
        os.symlink("b", folder / "a")
        os.symlink("a", folder / "b")
        os.symlink(str(folder), folder / "up")
    run = up(stack, devloop_runs)
    wait_content(stack, "baked", "baked v1\n")

    mark = run.mark()
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    (stack.directory / "mounted" / "index.txt").write_text("mounted v2\n")
    os.symlink("..", stack.directory / "mounted" / "parent")  # a new loop while watching
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    run.wait_event(after=mark, event="action", service="mounted", status="succeeded", timeout=60)
    wait_content(stack, "baked", "baked v2\n")
    assert os.readlink(stack.directory / "baked" / "self") == "."
    assert b"self" in ls(stack, "baked")  # built as the symlink it is, not followed
    assert run.process.poll() is None
    assert "Traceback" not in run.output()


def test_a_changed_file_without_read_permission_is_not_baked_in_empty(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    need(os.geteuid() == 0 and shutil.which("setpriv") is not None, "root and setpriv")
    # root reads every file: devloop runs as root without the capabilities that allow that
    prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")
    (stack.directory / "devloop.toml").write_text("live_update = false\n")  # what a build would bake
    run = up(stack, devloop_runs, "baked", prefix=prefix)
    wait_content(stack, "baked", "baked v1\n")
    before = container(stack, "baked")

    mark = run.mark()
    secret = stack.directory / "baked" / "secret.txt"
    secret.write_text("secret v1\n")
    os.chown(secret, 65534, 65534)
    secret.chmod(0)
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    failed = run.wait_event(after=mark, event="action", service="baked", status="failed", timeout=60)
    assert "secret.txt cannot be read" in failed["detail"], failed["detail"]
    assert container(stack, "baked")["Id"] == before["Id"]
    assert read_in(stack, "baked") == "baked v1\n"

    mark = run.mark()
    secret.chmod(0o644)  # the fix is a change too
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    wait_content(stack, "baked", "baked v2\n")
    assert read_in(stack, "baked", "/www/secret.txt") == "secret v1\n"


def test_file_names_that_are_not_utf8(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    (stack.directory / "devloop.toml").write_text("live_update = false\n")  # what a build would bake
    run = up(stack, devloop_runs)
    wait_content(stack, "baked", "baked v1\n")
    latin1 = b"caf\xe9.txt"

    # under a bind mount: the restart happens and the container sees the file as it is named
    mark = run.mark()
    bad = os.fsencode(stack.directory / "mounted") + b"/" + latin1
    with open(bad, "wb") as handle:
        handle.write(b"latin-1 name\n")
    (stack.directory / "mounted" / "index.txt").write_text("mounted v2\n")
    run.wait_event(after=mark, event="action", service="mounted", status="succeeded", timeout=60)
    assert latin1 in ls(stack, "mounted")

    # in a build context: BuildKit cannot send the name; devloop says which file, keeps the old
    # container, and the rename is acted on
    mark = run.mark()
    before = container(stack, "baked")
    bad = os.fsencode(stack.directory / "baked") + b"/" + latin1
    with open(bad, "wb") as handle:
        handle.write(b"latin-1 name\n")
    run.wait_event(after=mark, event="action", service="baked", status="failed", timeout=120)
    hints = [e for e in run.matching(event="notice", level="error") if "not valid UTF-8" in e["message"]]
    assert hints and "caf\\xe9.txt" in hints[0]["message"], run.output()[-2000:]
    assert container(stack, "baked")["Id"] == before["Id"]

    mark = run.mark()
    os.rename(bad, os.fsencode(stack.directory / "baked" / "cafe.txt"))
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    assert read_in(stack, "baked", "/www/cafe.txt") == "latin-1 name\n"
    assert run.process.poll() is None and "Traceback" not in run.output()
