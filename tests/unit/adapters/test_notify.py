"""The notifiers on their own (real file system), and the watcher's loop on a scripted notifier."""

from __future__ import annotations

import os
import select
import shutil
from pathlib import Path

import anyio
import pytest

from devloop.adapters.notify import Change, Changes, NotifierError
from devloop.adapters.notify_inotify import InotifyNotifier
from devloop.adapters.watcher import watch


def readable(notifier: InotifyNotifier) -> bool:
    assert notifier.inotify is not None
    return bool(select.select([notifier.inotify.fileno()], [], [], 0)[0])


def tree(root: Path) -> Path:
    (root / "app" / "pkg").mkdir(parents=True)
    (root / "app" / "pkg" / "m.py").write_text("x = 1\n")
    return root / "app"


def test_reading_the_tree_wakes_nothing_and_a_write_does(tmp_path: Path) -> None:
    app = tree(tmp_path)
    notifier = InotifyNotifier()
    notifier.open([app])
    try:
        for _ in range(3):  # what a polling reloader does: list every folder, read the files
            for folder, _, files in os.walk(app):
                for name in files:
                    (Path(folder) / name).read_bytes()
                    os.stat(Path(folder) / name)
        assert not readable(notifier), "a read of the tree reached the notifier"
        (app / "pkg" / "m.py").write_text("x = 2\n")
        assert readable(notifier)
        assert (Change.modified, str(app / "pkg" / "m.py")) in notifier._read()
    finally:
        notifier.close()


def test_folders_moved_within_out_of_and_created_under_the_tree(tmp_path: Path) -> None:
    app, outside = tree(tmp_path), tmp_path / "outside"
    outside.mkdir()
    notifier = InotifyNotifier()
    notifier.open([app])
    try:
        os.rename(app / "pkg", app / "renamed")
        (app / "new" / "deep").mkdir(parents=True)
        notifier._read()
        (app / "renamed" / "m.py").write_text("x = 3\n")
        (app / "new" / "deep" / "n.py").write_text("y = 1\n")  # watched since its folder appeared
        seen = {path for _, path in notifier._read()}
        assert {str(app / "renamed" / "m.py"), str(app / "new" / "deep" / "n.py")} <= seen
        os.rename(app / "renamed", outside / "gone")
        notifier._read()
        (outside / "gone" / "m.py").write_text("x = 4\n")  # no longer in the tree
        assert not any("renamed" in path for _, path in notifier._read())
    finally:
        notifier.close()


def test_a_target_deleted_is_lost_and_a_missing_one_cannot_be_opened(tmp_path: Path) -> None:
    app = tree(tmp_path)
    notifier = InotifyNotifier()
    notifier.open([app])
    try:
        assert not notifier.lost()
        shutil.rmtree(app)
        notifier._read()
        assert notifier.lost()
        with pytest.raises(FileNotFoundError):
            notifier.open([app])
    finally:
        notifier.close()


class Scripted:
    """A notifier that replays a script: each wait returns the next step (changes, or an error to
    raise); once it is played, a wait with a timeout returns nothing when it ends, and the first
    wait without one stops the watcher. It records the timeouts it was given."""

    def __init__(self, steps: list[Changes | NotifierError], stop: anyio.Event) -> None:
        self.steps, self.stop = steps, stop
        self.timeouts: list[float | None] = []
        self.opened = 0

    def open(self, targets: list[Path]) -> None:
        self.opened += 1

    async def wait(self, timeout_s: float | None) -> Changes:
        self.timeouts.append(timeout_s)
        if self.steps:
            step = self.steps.pop(0)
            if isinstance(step, NotifierError):
                raise step
            return step
        if timeout_s is None:
            self.stop.set()
            await anyio.sleep_forever()
            return set()
        await anyio.sleep(timeout_s)
        return set()

    def lost(self) -> bool:
        return False

    def close(self) -> None:
        pass


Step = Changes | NotifierError


def run_scripted(tmp_path: Path, steps: list[Step]) -> tuple[Scripted, list[set[Path]], list[str]]:
    batches: list[set[Path]] = []
    errors: list[str] = []

    async def main() -> None:
        stop = anyio.Event()
        notifier = Scripted(steps, stop)
        scripted.append(notifier)
        async for paths in watch([tmp_path], 1, 1, stop, errors.append, notifier=notifier):
            batches.append(paths)

    scripted: list[Scripted] = []
    anyio.run(main)
    return scripted[0], batches, errors


def test_an_idle_wait_has_no_timeout_and_a_pending_batch_bounds_it(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x")
    notifier, batches, _ = run_scripted(tmp_path, [{(Change.modified, str(tmp_path / "a.py"))}])
    assert batches == [{tmp_path / "a.py"}]
    assert notifier.timeouts[0] is None  # nothing pending: no wake-up of devloop's own
    assert notifier.timeouts[-1] is None  # idle again after the batch
    assert any(t is not None and t <= 0.001 for t in notifier.timeouts[1:-1])  # the quiet time


def test_a_notifier_error_is_reported_and_survived_by_a_rescan(tmp_path: Path) -> None:
    (tmp_path / "written.py").write_text("x")  # during the outage
    notifier, batches, errors = run_scripted(tmp_path, [NotifierError("queue overflowed")])
    assert errors == ["queue overflowed"]
    assert notifier.opened == 2
    assert batches == [{tmp_path / "written.py"}]
