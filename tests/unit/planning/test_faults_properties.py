"""The one planner property the property suite did not state: ignored files never trigger
(devloop.toml's `ignore`, a service's own `ignore`, and what a baked service's .dockerignore
keeps out of its image)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devloop.model.project import Action
from devloop.planning.planner import ProjectPlan
from devloop.planning.route import route
from tests.unit.planning.test_planner_properties import NAMES, build_plan

FOLDERS = ["", "sub", "sub/deeper"]
NAME = st.one_of(st.sampled_from(NAMES), st.from_regex(r"[a-z]{1,6}\.(py|js|md|txt)", fullmatch=True))


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> ProjectPlan:
    return build_plan(tmp_path_factory.mktemp("ignored"), with_settings=True)


def under(root: Path, folder: str) -> st.SearchStrategy[Path]:
    return st.builds(lambda f, n: root / folder / f / n, st.sampled_from(FOLDERS), NAME)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_ignored_files_never_trigger(plan: ProjectPlan, data: st.DataObject) -> None:
    root = plan.project.directory
    # `ignore = ["app/generated/**"]` in the settings: nothing, for any service, even bind-mounted
    generated = data.draw(under(root, "app/generated"))
    assert route(plan, [generated]).decisions == ()
    # beat's own `ignore = ["**/*.log"]`: beat acts only when its shared build is rebuilt for
    # worker (one image), never for its own sake
    log = data.draw(st.builds(lambda d, n: root / d / f"{n}.log", st.sampled_from(["app", "lib"]), NAME))
    acts = {d.service: d.action for d in route(plan, [log]).decisions}
    assert "beat" not in acts or acts["beat"] == acts.get("worker") == Action.REBUILD, acts
    # baked/.dockerignore keeps `secret` out of the image, and nothing mounts it: never baked
    secret = data.draw(under(root, "baked/secret"))
    assert "baked" not in {d.service for d in route(plan, [secret]).decisions}
    # and an ignored path in a batch changes nothing about the rest of the batch
    others = [root / "app/main.py", root / "baked/main.py"]
    assert route(plan, [*others, generated, secret]).decisions == route(plan, others).decisions
