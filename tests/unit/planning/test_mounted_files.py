"""Compose secrets and configs with a `file:` source: modelled, watched, and an edit restarts the
services that use them (compose bind-mounts the file; the process reads it at start)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from devloop.load.compose_config import project_from_config
from devloop.load.facts import collect_facts
from devloop.model.project import MountedFile
from devloop.model.settings import Settings
from devloop.planning.planner import plan_project
from devloop.planning.route import route
from tests.unit.builders import bind, write

SECRET = {"source": "db-password", "target": "/run/secrets/db-password"}


def config(root: Path) -> dict[str, object]:
    return {
        "name": "demo",
        "services": {
            "backend": {"image": "node", "command": ["nodemon", "server.js"],
                        "volumes": [bind(root / "src", "/app")],
                        "secrets": [SECRET, {"source": "token", "target": "/run/secrets/token"}],
                        "configs": [{"source": "proxy"}]},
            "db": {"image": "mariadb", "secrets": [SECRET]},
        },
        "secrets": {"db-password": {"name": "demo_db-password", "file": str(root / "db/password.txt")},
                    "token": {"name": "demo_token", "environment": "TOKEN"}},
        "configs": {"proxy": {"name": "demo_proxy", "file": str(root / "proxy.conf")}},
    }  # fmt: skip


def test_secrets_and_configs_with_a_file_are_modelled(tmp_path: Path) -> None:
    project = project_from_config(config(tmp_path), tmp_path)
    assert project.service("backend").mounted_files == (
        MountedFile(
            "secret", "db-password", tmp_path / "db/password.txt", PurePosixPath("/run/secrets/db-password")
        ),
        MountedFile("config", "proxy", tmp_path / "proxy.conf", PurePosixPath("/proxy")),
    )  # the secret from an environment variable has no file


def test_an_edit_of_a_secret_file_restarts_the_services_that_use_it(tmp_path: Path) -> None:
    write(tmp_path, "src/server.js")
    write(tmp_path, "db/password.txt", "pw\n")
    project = project_from_config(config(tmp_path), tmp_path)
    plan = plan_project(project, Settings(), collect_facts(project, None))
    assert tmp_path / "db/password.txt" in plan.service("backend").watch
    change = route(plan, [tmp_path / "db/password.txt"])
    assert {d.service: str(d.action) for d in change.decisions} == {"backend": "restart"}  # db: a data store
    assert (
        "secret db-password, which compose mounts at /run/secrets/db-password" in change.decisions[0].reason
    )
    assert {d.service: str(d.action) for d in route(plan, [tmp_path / "proxy.conf"]).decisions} == {
        "backend": "restart"
    }
