"""Events as `devloop up --json` writes them: a big batch lists its first paths and counts them all."""

from __future__ import annotations

import io
import json

from devloop import events
from devloop.ui.up import JsonSink, describe


def catch_up_paths(count: int) -> list[str]:
    return [f"/src/shop/assets/img/{i:05}.png" for i in range(count)]


def test_a_big_batch_lists_its_first_paths_and_counts_them_all() -> None:
    paths = catch_up_paths(18_000)
    action = events.ActionEvent(service="web", action="rebuild", status="started", reason="r", paths=paths)
    changes = events.Changes(paths=paths, services={"web": "rebuild"})
    out = io.StringIO()
    sink = JsonSink(out)
    sink(action)
    sink(changes)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(len(line) < 5_000 for line in lines)
    for line in lines:
        data = json.loads(line)
        assert data["paths"] == paths[: events.PATHS_SHOWN] and data["paths_total"] == 18_000
    assert describe(changes) == "changes: 18000 path(s) -> web: rebuild"
    assert len(action.paths) == 18_000  # the daemon's own readers of the event still see every path


def test_a_small_batch_lists_every_path() -> None:
    paths = catch_up_paths(events.PATHS_SHOWN)
    data = events.ActionEvent(
        service="web", action="restart", status="started", reason="r", paths=paths
    ).to_json()
    assert (data["paths"], data["paths_total"]) == (paths, events.PATHS_SHOWN)
    recreate = events.ActionEvent(service="web", action="recreate", status="started", reason="r").to_json()
    assert (recreate["paths"], recreate["paths_total"]) == ([], 0)
    assert "paths_total" not in events.Notice(message="m").to_json()
