"""Container output: what looks like it, and the judgement over a history of devloop's actions."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from devloop.planning.output import (
    WINDOW_S,
    Change,
    Writes,
    foreign_owner,
    looks_like_output,
    pattern_for,
)


@pytest.mark.parametrize(
    ("relative", "pattern"),
    [
        ("project/logs/celery.log", "project/logs/"),
        ("log/development.log", "log/"),
        ("tmp/cache/x", "tmp/"),
        ("app/assets/builds/application.js", "app/assets/builds/"),
        ("upload/x.png", "upload/"),
        ("celerybeat-schedule", "celerybeat-schedule"),
        ("celerybeat-schedule.db", "celerybeat-schedule.db"),
        ("db.sqlite3", "db.sqlite3"),
        ("run/app.pid", "run/app.pid"),
        ("backend/server.log", "backend/server.log"),
        ("public/assets/application-1f2e.js", "public/assets/"),
        ("web/public/packs/js/app.js", "web/public/packs/"),
    ],
)
def test_what_looks_like_output(relative: str, pattern: str) -> None:
    relative = relative.replace("/", os.sep)
    assert looks_like_output(relative) is not None
    assert pattern_for(relative) == pattern


@pytest.mark.parametrize(
    "relative",
    [
        "app/main.py",
        "cache.py",
        "app/logging.py",
        "config/settings.toml",
        "README.md",
        "poetry.lock",
        "public/robots.txt",
        "app/assets/stylesheets/site.css",
        "assets/js/app.js",
    ],
)
def test_what_does_not_look_like_output(relative: str) -> None:
    assert looks_like_output(relative.replace("/", os.sep)) is None


def test_a_foreign_owner_is_neither_the_user_nor_the_owner_of_the_tree() -> None:
    assert foreign_owner(0, 1000, 1000) == "owned by uid 0, not by the user running devloop (uid 1000)"
    assert foreign_owner(1000, 1000, 1000) is None
    assert foreign_owner(1000, 0, 1000) is None  # devloop run by root over a user's tree: the user's edit
    assert foreign_owner(999, 0, 1000) is not None  # a container running as another user
    assert foreign_owner(5, None, None) is None  # no user ids on this platform


def change(relative: str, at: float, services: tuple[str, ...] = ("worker",), **facts: object) -> Change:
    return Change("/p/" + relative, relative, at, services, **facts)  # type: ignore[arg-type]


def test_written_while_a_service_that_mounts_it_starts_and_it_looks_like_output() -> None:
    writes = Writes()
    writes.began("worker", 100.0, "restart")
    assert writes.judge(change("logs/celery.log", 101.0)) is not None  # while it runs
    writes.ended("worker", 103.0)
    verdict = writes.judge(change("logs/celery.log", 103.0 + WINDOW_S - 1))
    assert verdict is not None and verdict.pattern == "logs/" and verdict.services == ("worker",)
    assert "restart of worker" in verdict.reason
    # not by a service that does not mount it, nor long after
    assert Writes().judge(change("logs/x.log", 101.0)) is None
    other = Writes()
    other.began("web", 100.0, "restart")
    other.ended("web", 101.0)
    assert other.judge(change("logs/x.log", 102.0)) is None
    assert writes.judge(change("logs/other.log", 103.0 + WINDOW_S + 5)) is None


def test_a_user_file_right_after_a_start_still_acts_unless_git_ignores_it() -> None:
    writes = Writes()
    writes.began("worker", 100.0, "restart")
    writes.ended("worker", 101.0)
    assert writes.judge(change("app/tasks.py", 102.0)) is None
    assert writes.judge(change("app/local.json", 102.0, ignored=True)) is not None


def test_gitignored_counts_only_with_an_output_look_outside_the_windows() -> None:
    local_config = change("config/local.py", 50.0, ignored=True)  # a gitignored file a user edits
    assert Writes().judge(local_config) is None
    assert Writes().judge(change("log/development.log", 50.0, ignored=True)) is not None
    assert Writes().judge(change("log/development.log", 50.0)) is None  # no action, not ignored: may be yours


def test_a_foreign_owner_is_output_at_any_time() -> None:
    verdict = Writes().judge(change("data/export.csv", 5.0, foreign_owner="owned by uid 0"))
    assert verdict is not None and verdict.reason == "owned by uid 0"
    assert Writes().judge(change("data/export.csv", 5.0, services=(), foreign_owner="owned by uid 0")) is None


def test_once_judged_it_stays_output_while_it_looks_like_output() -> None:
    writes = Writes()
    writes.began("worker", 100.0, "start")
    writes.ended("worker", 101.0)
    assert writes.judge(change("logs/celery.log", 102.0)) is not None
    assert writes.judge(change("logs/celery.log", 500.0)) is not None  # a task logged later


def test_a_path_written_again_with_the_content_that_made_devloop_act_is_nothing() -> None:
    """A service that rewrites a file as it starts: the same bytes again change nothing."""
    writes = Writes()
    assert writes.judge(change("state.json", 10.0)) is None  # first seen: it acts
    writes.acted("worker", ["/p/state.json"], 11.0)
    writes.contents["/p/state.json"] = "aaa"  # its content when devloop acted (told by the daemon)
    assert writes.needs_digest("/p/state.json")
    verdict = writes.judge(replace(change("state.json", 12.0), digest="aaa"))
    assert verdict is not None and "the content it had" in verdict.reason
    assert writes.judge(replace(change("state.json", 20.0), digest="bbb")) is None  # new content: acts


def test_edits_right_after_each_result_always_act() -> None:
    """A script that edits as soon as the service is live again, many times in a row: every edit acts."""
    writes = Writes()
    for start in range(10, 100, 5):
        writes.acted("worker", ["/p/app/tasks.py"], float(start))
        writes.began("worker", float(start), "restart")
        writes.ended("worker", start + 2.0)
        writes.live("worker", start + 3.0)
        edited = replace(change("app/tasks.py", start + 4.0), digest=f"v{start}")  # each save new content
        assert writes.judge(edited) is None


def test_the_user_saving_again_right_after_the_restart_it_caused_acts() -> None:
    """Edit, restart, the result shows an error, the fix is saved a few seconds later: it acts."""
    writes = Writes()
    writes.acted("worker", ["/p/app/tasks.py"], 10.0)
    writes.began("worker", 10.0, "restart")
    writes.ended("worker", 13.0)
    assert writes.judge(change("app/tasks.py", 15.0)) is None


def test_the_user_editing_the_same_file_again_later_acts() -> None:
    writes = Writes()
    writes.acted("worker", ["/p/app/tasks.py"], 10.0)
    writes.began("worker", 10.0, "restart")
    writes.ended("worker", 12.0)
    assert writes.judge(change("app/tasks.py", 12.0 + WINDOW_S + 20)) is None
    assert writes.judge(change("app/tasks.py", 12.0 + 90)) is None


def test_the_window_runs_on_from_when_the_service_is_live() -> None:
    writes = Writes()
    writes.began("worker", 100.0, "restart")
    writes.ended("worker", 101.0)
    writes.live("worker", 120.0)  # Celery took its time to come up, then logged
    assert writes.judge(change("logs/celery.log", 120.0 + WINDOW_S - 1)) is not None
    assert writes.judge(change("logs/other.log", 120.0 + WINDOW_S + 5)) is None


def test_the_paths_of_actions_long_over_are_forgotten_and_those_of_a_running_one_kept() -> None:
    writes = Writes()
    many = [f"/p/tree/f{i}" for i in range(2000)]  # a catch-up over a big tree
    writes.began("worker", 100.0, "restart")
    writes.acted("worker", many, 100.0)
    writes.ended("worker", 102.0)
    writes.began("beat", 150.0, "restart")  # still running
    writes.acted("beat", many[:1500], 150.0)
    writes.began("api", 200.0, "restart")
    writes.acted("api", ["/p/x"], 200.0)
    assert set(writes.caused) == {*many[:1500], "/p/x"}  # beat's action may still bring them back
    writes.ended("beat", 160.0)
    writes.ended("api", 201.0)
    writes.began("web", 300.0, "restart")
    writes.acted("web", ["/p/y"], 300.0)
    assert set(writes.caused) == {"/p/y"}
