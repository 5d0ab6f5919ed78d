"""The watcher under faults, on a real file system: long writes, names that are not UTF-8, a
watched folder deleted and created again, a folder moved in, noise. Each runs on both notifiers:
devloop's inotify one (Linux) and watchfiles' (elsewhere, or when polling is forced)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest

from devloop.adapters.notify_inotify import InotifyNotifier
from devloop.adapters.notify_watchfiles import WatchfilesNotifier
from devloop.adapters.watcher import watch

Batches = list[tuple[float, set[Path]]]
NOTIFIERS = {"inotify": InotifyNotifier, "watchfiles": WatchfilesNotifier}


@pytest.fixture(params=sorted(NOTIFIERS))
def notifier(request: pytest.FixtureRequest) -> str:
    """The name of the notifier a test runs on."""
    return str(request.param)


def run_watch(
    roots: list[Path],
    act: Callable[[anyio.Event], Awaitable[None]],
    notifier: str,
    debounce_ms: int = 200,
    max_wait_ms: int = 2000,
    errors: list[str] | None = None,
) -> Batches:
    """Watch `roots` while `act` changes files; `act` sets the event when done. Returns the batches
    with the monotonic time each arrived."""
    batches: Batches = []

    async def main() -> None:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:

            async def drive() -> None:
                await anyio.sleep(0.3)  # the notifier is watching
                await act(stop)

            tg.start_soon(drive)
            on_error = errors.append if errors is not None else None
            chosen = NOTIFIERS[notifier]()
            async for paths in watch(roots, debounce_ms, max_wait_ms, stop, on_error, notifier=chosen):
                batches.append((time.monotonic(), paths))

    anyio.run(main)
    return batches


def everything(batches: Batches) -> set[Path]:
    return set().union(*(paths for _, paths in batches))


def test_a_file_written_for_longer_than_the_quiet_time_is_one_batch_once_written(
    tmp_path: Path, notifier: str
) -> None:
    target = tmp_path / "big.bin"
    done: list[float] = []

    async def act(stop: anyio.Event) -> None:
        with target.open("wb") as handle:
            for _ in range(30):  # 3 s of writes (more than twice the quiet time), 0.1 s apart
                handle.write(b"x" * 65536)
                handle.flush()
                await anyio.sleep(0.1)
        done.append(time.monotonic())
        await anyio.sleep(2)
        stop.set()

    batches = run_watch([tmp_path], act, notifier, debounce_ms=1000, max_wait_ms=60000)
    assert [paths for _, paths in batches] == [{target}]
    assert batches[0][0] >= done[0], "a batch came while the file was still being written"


def test_max_wait_bounds_how_long_continuous_writes_are_held(tmp_path: Path, notifier: str) -> None:
    target = tmp_path / "log.txt"
    done: list[float] = []

    async def act(stop: anyio.Event) -> None:
        with target.open("w") as handle:
            for i in range(30):  # 3 s of writes
                handle.write(f"{i}\n")
                handle.flush()
                await anyio.sleep(0.1)
        done.append(time.monotonic())
        await anyio.sleep(1)
        stop.set()

    batches = run_watch([tmp_path], act, notifier, debounce_ms=400, max_wait_ms=800)
    assert len([at for at, _ in batches if at < done[0]]) >= 2


def test_a_name_that_is_not_utf8_loses_no_change(tmp_path: Path, notifier: str) -> None:
    errors: list[str] = []
    bad = os.fsencode(tmp_path) + b"/caf\xe9.txt"

    async def act(stop: anyio.Event) -> None:
        (tmp_path / "good.txt").write_text("x")
        with open(bad, "wb") as handle:
            handle.write(b"x")
        (tmp_path / "also.txt").write_text("x")
        await anyio.sleep(1)
        (tmp_path / "later.txt").write_text("x")  # still watching afterwards
        await anyio.sleep(1)
        stop.set()

    seen = everything(run_watch([tmp_path], act, notifier, errors=errors))
    assert {tmp_path / "good.txt", tmp_path / "also.txt", tmp_path / "later.txt"} <= seen
    assert Path(os.fsdecode(bad)) in seen
    if notifier == "watchfiles":  # it fails on such a name; the rescan reads it
        assert errors and "decode" in errors[0]
    else:  # inotify names are bytes
        assert errors == []


def test_a_watched_folder_deleted_and_created_again_is_watched_again(tmp_path: Path, notifier: str) -> None:
    project, context = tmp_path / "proj", tmp_path / "context"
    project.mkdir()
    context.mkdir()
    (project / "compose.yaml").write_text("services: {}\n")
    (context / "a.txt").write_text("a")

    async def act(stop: anyio.Event) -> None:
        shutil.rmtree(context)
        await anyio.sleep(0.8)
        context.mkdir()
        (context / "b.txt").write_text("b")  # at once: before a new watch could be set up
        await anyio.sleep(0.8)
        (context / "c.txt").write_text("c")
        await anyio.sleep(0.8)
        stop.set()

    seen = everything(run_watch([project / "compose.yaml", context], act, notifier))
    assert {context / "a.txt", context / "b.txt", context / "c.txt"} <= seen


def test_a_folder_moved_into_the_tree_counts_every_file_in_it(tmp_path: Path, notifier: str) -> None:
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    (elsewhere / "pkg" / "sub").mkdir(parents=True)
    for name in ("pkg/a.py", "pkg/sub/b.py", "pkg/sub/c.txt"):
        (elsewhere / name).write_text("x")

    async def act(stop: anyio.Event) -> None:
        os.rename(elsewhere / "pkg", root / "pkg")
        await anyio.sleep(1)
        stop.set()

    seen = everything(run_watch([root], act, notifier))
    assert seen == {root / "pkg/a.py", root / "pkg/sub/b.py", root / "pkg/sub/c.txt"}  # not the folders


def test_noise_symlink_loops_and_unwatched_paths_never_appear(tmp_path: Path, notifier: str) -> None:
    root, other = tmp_path / "root", tmp_path / "other"
    root.mkdir()
    other.mkdir()
    os.symlink(".", root / "loop")
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")

    async def act(stop: anyio.Event) -> None:
        (root / ".DS_Store").write_text("x")
        (root / "__pycache__").mkdir()
        (root / "__pycache__" / "m.cpython-311.pyc").write_text("x")
        (root / "._main.py").write_text("x")
        (other / "main.py").write_text("x")
        (root / "main.py").write_text("x")
        await anyio.sleep(1)
        stop.set()

    seen = everything(run_watch([root], act, notifier))
    assert seen == {root / "main.py"}


def test_a_folder_removed_whole_is_its_files_not_a_path_of_its_own(tmp_path: Path, notifier: str) -> None:
    package = tmp_path / "app" / "pkg"
    (package / "sub").mkdir(parents=True)
    files = [package / "__init__.py", package / "models.py", package / "sub" / "views.py"]
    for path in files:
        path.write_text("X = 1\n")
    (tmp_path / "app" / "pkg.txt").write_text("a sibling whose name starts the same\n")

    async def act(stop: anyio.Event) -> None:
        shutil.rmtree(package)
        (tmp_path / "app" / "pkg.txt").write_text("changed\n")
        await anyio.sleep(1)
        stop.set()

    seen = everything(run_watch([tmp_path], act, notifier))
    assert set(files) <= seen
    assert package not in seen and package / "sub" not in seen
    assert tmp_path / "app" / "pkg.txt" in seen


def test_folders_dropped_keeps_leaves_and_lone_folders() -> None:
    from devloop.adapters.watcher import folders_dropped

    a, b = Path("/p/app"), Path("/p/app-old")  # a sibling that shares the name's start
    paths = {a, a / "x.py", a / "sub", a / "sub" / "y.py", b, Path("/p/gone")}
    assert folders_dropped(paths) == {a / "x.py", a / "sub" / "y.py", b, Path("/p/gone")}


def test_a_batch_starts_when_its_first_file_was_written(tmp_path: Path) -> None:
    from devloop.adapters.watcher import NOTIFIER_LATENCY_S, edited_at

    early, late, old = tmp_path / "early.py", tmp_path / "late.py", tmp_path / "old.py"
    for path in (early, late, old):
        path.write_text("x")
    seen = 1_000_000.0
    os.utime(early, (seen - 0.15, seen - 0.15))  # written before the notifier reported it
    os.utime(late, (seen - 0.05, seen - 0.05))
    os.utime(old, (seen - 3600, seen - 3600))  # copied with its old time: not when it was edited
    assert edited_at([late, early, old, tmp_path / "gone.py"], seen) == pytest.approx(seen - 0.15)
    assert edited_at([old], seen) == seen
    assert NOTIFIER_LATENCY_S > 0.15
