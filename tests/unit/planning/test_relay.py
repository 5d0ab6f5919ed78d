"""The relay's pure decisions: how long to wait for a reloader, which container paths to touch,
and which file events that come back are devloop's own touches."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from devloop.model.project import Bind
from devloop.planning.relay import (
    FIRST_WAIT_S,
    MAX_WAIT_S,
    MIN_WAIT_S,
    Touched,
    edit_began,
    relay_targets,
    relay_window,
)


def test_the_window_follows_how_fast_the_reloader_usually_acts() -> None:
    assert relay_window([]) == FIRST_WAIT_S
    assert relay_window([0.1, 0.2]) == MIN_WAIT_S  # a fast reloader: never less than the floor
    assert relay_window([0.5, 1.25, 0.4]) == 3.75  # three times its slowest recent reload
    assert relay_window([30.0]) == MAX_WAIT_S


def test_targets_are_the_existing_files_through_the_innermost_bind() -> None:
    binds = (
        Bind(Path("/p/app"), PurePosixPath("/code/app")),
        Bind(Path("/p/app/static"), PurePosixPath("/srv")),
    )
    present = {Path("/p/app/main.py"), Path("/p/app/static/site.css"), Path("/p/other.py")}
    changed = [
        Path("/p/app/main.py"),
        Path("/p/app/static/site.css"),
        Path("/p/app/gone.py"),
        Path("/p/other.py"),
    ]
    assert relay_targets(binds, changed, lambda p: p in present) == [
        (Path("/p/app/main.py"), PurePosixPath("/code/app/main.py")),
        (Path("/p/app/static/site.css"), PurePosixPath("/srv/site.css")),
    ]


def test_a_touch_that_comes_back_is_ours_and_a_later_edit_is_not() -> None:
    touched = Touched(keep_s=10)
    path = Path("/p/app/main.py")
    touched.add(path, 111, now=100.0)
    assert touched.ours(path, 111, now=101.0)
    assert not touched.ours(path, 222, now=101.0)  # edited again after the touch
    assert not touched.ours(path, None, now=101.0)  # deleted since
    assert not touched.ours(Path("/p/app/other.py"), 111, now=101.0)
    assert not touched.ours(path, 111, now=111.0)  # forgotten after keep_s


def test_two_touches_of_one_file_are_both_ours() -> None:
    touched = Touched(keep_s=10)
    path = Path("/p/a.py")
    touched.add(path, 1, now=100.0)  # two services share the bind: one touch each
    touched.add(path, 2, now=100.5)
    assert touched.ours(path, 1, now=101.0) and touched.ours(path, 2, now=101.0)


def test_a_batch_a_touch_opened_begins_at_the_edit_that_joined_it() -> None:
    touched = Touched(keep_s=10)
    path = Path("/p/a.py")
    touched.add(path, 100_000_000_000, now=100.0)
    edited_ns = 101_500_000_000
    assert edit_began(100.2, {path: edited_ns}, touched) == 101.5
    other = Path("/p/b.py")  # another file in the batch: its own time counts, as the watcher said
    assert edit_began(100.2, {path: edited_ns, other: 100_100_000_000}, touched) == 100.2
