"""Properties of route() over generated batches of changed paths, on a project of many shapes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devloop.model.ignore import noise_reason
from devloop.model.project import Action
from devloop.planning.planner import ProjectPlan, decide
from devloop.planning.route import route
from tests.unit.builders import bind, build, make_plan, write

DIRS = ["", "app", "app/sub", "app/generated", "lib", "baked", "baked/pkg", "baked/secret", "web", "web/src",
        "web/src/tests", "conf", "conf/mail", "pgdata", "docs", "services/api", "services/api/src", "docker",
        "../outside", "../outside/deep", "../elsewhere"]  # fmt: skip
NAMES = ["main.py", "tasks.py", "schema.graphql", "server.log", "requirements.txt", "requirements-dev.txt",
         "package.json", "yarn.lock", "pyproject.toml", "Dockerfile", ".dockerignore", "api.Dockerfile",
         "nginx.conf", "README.md", "KEEP.md", "compose.yaml", ".env", "devloop.toml"]  # fmt: skip
NOISE = ["._main.py", ".DS_Store", ".git/HEAD", "__pycache__/m.cpython-312.pyc", "m.pyc", ".main.py.swp",
         "main.py~", "4913", ".#main.py", "#main.py#", "main.py___jb_tmp___"]  # fmt: skip


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> ProjectPlan:
    return build_plan(tmp_path_factory.mktemp("properties"), with_settings=True)


@pytest.fixture(scope="module")
def plain_plan(tmp_path_factory: pytest.TempPathFactory) -> ProjectPlan:
    """The same project without settings: most folders are decided by the per-folder shortcut."""
    return build_plan(tmp_path_factory.mktemp("plain"), with_settings=False)


def build_plan(base: Path, with_settings: bool) -> ProjectPlan:
    root = base / "proj"
    write(root, "Dockerfile", 'FROM python\nWORKDIR /code\nCOPY . .\nCMD ["gunicorn", "app:app"]\n')
    write(root, ".dockerignore", "baked\nweb\ndocs\nconf\n*.md\n!KEEP.md\npgdata\n")
    write(root, "baked/Dockerfile", "FROM python\nCOPY . /srv\nRUN python -m compileall /srv\n")
    write(root, "baked/.dockerignore", "secret\n")
    write(root, "web/Dockerfile", 'FROM node\nCOPY . .\nCMD ["node", "src/index.js"]\n')
    write(root, "docker/api.Dockerfile", 'FROM python\nCOPY src /srv/src\nCMD ["python", "-m", "src"]\n')
    app = bind(root / "app", "/code/app")
    services: dict[str, Any] = {
        "api": {"build": build(root), "command": ["uvicorn", "app:app", "--reload", "--reload-dir", "app"],
                "volumes": [app, bind(root / "lib", "/code/lib")]},
        "worker": {"build": build(root), "command": ["celery", "-A", "app", "worker"], "volumes": [app]},
        "beat": {"build": build(root), "command": ["celery", "-A", "app", "beat"],
                 "volumes": [app, bind(root / "lib", "/code/lib", read_only=True)]},
        "baked": {"build": build(root / "baked")},
        "web": {"build": build(root / "web"), "develop": {"watch": [
            {"action": "sync", "path": str(root / "web/src"), "target": "/app/src", "ignore": ["tests/"]},
            {"action": "rebuild", "path": str(root / "web/package.json")}]}},
        "proxy": {"image": "nginx", "command": ["nginx"],
                  "volumes": [bind(root / "conf/nginx.conf", "/etc/nginx/nginx.conf", read_only=True)]},
        "db": {"image": "postgres:16", "volumes": [bind(root / "pgdata", "/var/lib/postgresql/data")]},
        "mailer": {"image": "mailer"},
        "ext": {"image": "node", "command": ["node", "--watch", "x.js"],
                "volumes": [bind(base / "outside", "/x")]},
        "custom": {"build": build(root / "services/api", "../../docker/api.Dockerfile")},
    }  # fmt: skip
    settings = {
        "ignore": ["app/generated/**"],
        "services": {
            "beat": {"ignore": ["**/*.log"]},
            "worker": {"rebuild_on": ["app/schema.*"]},
            "mailer": {"watch": ["conf/mail"]},
            "custom": {"strategy": "restart"},
        },
    }
    return make_plan(root, services, settings if with_settings else None)


def paths(plan: ProjectPlan) -> st.SearchStrategy[Path]:
    root = plan.project.directory
    names = st.one_of(
        st.sampled_from(NAMES),
        st.sampled_from(NOISE),
        st.from_regex(r"[a-z]{1,6}\.(py|js|md)", fullmatch=True),
    )
    return st.builds(
        lambda d, n: Path(str(root / d / n).replace("/proj/../", "/")), st.sampled_from(DIRS), names
    )


def actions_of(plan: ProjectPlan, batch: list[Path]) -> dict[str, Action]:
    return {d.service: d.action for d in route(plan, batch).decisions}


def under_any(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == r or r in path.parents for r in roots)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_route_is_deterministic(plan: ProjectPlan, data: st.DataObject) -> None:
    batch = data.draw(st.lists(paths(plan), max_size=30))
    assert route(plan, batch) == route(plan, batch)
    assert actions_of(plan, batch) == actions_of(plan, list(reversed(batch)))  # order does not change actions


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_each_action_is_the_max_over_single_paths(plan: ProjectPlan, data: st.DataObject) -> None:
    batch = data.draw(st.lists(paths(plan), min_size=1, max_size=30))
    expected: dict[str, Action] = {}
    for path in batch:
        for service, action in actions_of(plan, [path]).items():
            expected[service] = max(expected.get(service, Action.NONE), action)
    assert actions_of(plan, batch) == expected


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_no_action_for_a_path_outside_the_service_watch_roots(plan: ProjectPlan, data: st.DataObject) -> None:
    batch = data.draw(st.lists(paths(plan), min_size=1, max_size=30))
    for decision in route(plan, batch).decisions:
        roots = plan.service(decision.service).watch
        assert decision.paths, decision
        assert all(under_any(p, roots) for p in decision.paths), (decision, roots)
    for service_plan in plan.services:
        for path in batch:
            if not under_any(path, service_plan.watch):
                assert decide(service_plan, path) is None


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_noise_never_triggers(plan: ProjectPlan, data: st.DataObject) -> None:
    root = plan.project.directory
    noise = data.draw(
        st.builds(lambda d, n: root / d / n, st.sampled_from(DIRS[:-3]), st.sampled_from(NOISE))
    )
    assert noise_reason(str(noise)) is not None
    result = route(plan, [noise])
    assert (result.decisions, result.unseen, result.project_files) == ((), (), ())
    others = data.draw(st.lists(paths(plan), max_size=10))
    assert route(plan, [*others, noise]).decisions == route(plan, others).decisions


def without_shortcuts(plan: ProjectPlan) -> ProjectPlan:
    """The same plan with the per-folder shortcut off: every (service, path) runs every rule."""
    services = tuple(replace(s) for s in plan.services)
    for service in services:
        service.__dict__["folder_memo"] = None  # what a service with settings patterns gets
    return replace(plan, services=services)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_per_folder_shortcut_changes_nothing(
    plan: ProjectPlan, plain_plan: ProjectPlan, data: st.DataObject
) -> None:
    for project_plan in (plan, plain_plan):
        batch = data.draw(st.lists(paths(project_plan), max_size=40, unique=True))
        reference = without_shortcuts(project_plan)
        assert route(project_plan, batch) == route(reference, batch)
        for service_plan, unshortcut in zip(project_plan.services, reference.services, strict=True):
            for path in batch:
                assert decide(service_plan, path) == decide(unshortcut, path)


def test_the_property_project_has_every_strategy(plan: ProjectPlan) -> None:
    """The generated batches above exercise every kind of service, not a degenerate plan."""
    assert {s.name: str(s.strategy) for s in plan.services} == {
        "api": "reload", "worker": "restart", "beat": "restart", "baked": "rebuild", "web": "sync",
        "proxy": "restart", "db": "none", "mailer": "restart", "ext": "reload", "custom": "restart",
    }  # fmt: skip
    root = plan.project.directory
    batch = [root / "app/main.py", root / "web/src/a.js", root / "baked/main.py", root / "conf/mail/x"]
    assert {k: str(v) for k, v in actions_of(plan, batch).items()} == {
        "api": "reload", "worker": "restart", "beat": "restart", "web": "sync", "baked": "rebuild",
        "mailer": "restart",
    }  # fmt: skip
