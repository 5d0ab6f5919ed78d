"""`devloop plan --json` as a subprocess against the real `docker compose config`, on the example and
on fixture projects of other shapes. Only `docker compose config` runs: nothing is built or pulled."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import EXAMPLES, REPO

FIXTURES = REPO / "tests" / "fixtures"


def copy_project(tmp_path: Path, source: Path) -> Path:
    directory = tmp_path / source.name
    shutil.copytree(source, directory, ignore=shutil.ignore_patterns("__pycache__", ".vscode"))
    return directory


def devloop(
    directory: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m devloop` in `directory` with its own COMPOSE_PROJECT_NAME and no other COMPOSE_*."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    environ["COMPOSE_PROJECT_NAME"] = f"dlt-plan-{uuid.uuid4().hex[:8]}"
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "devloop", *args],
        cwd=directory, env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def plan(directory: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = devloop(directory, "plan", "--json", *args, env=env)
    assert done.returncode == 0, f"devloop plan failed ({done.returncode}):\n{done.stderr}"
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def strategies(data: dict[str, Any]) -> dict[str, str]:
    return {name: service["strategy"] for name, service in data["services"].items()}


# -- the bundled example -------------------------------------------------------------------------


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_project(tmp_path, EXAMPLES / "fastapi-celery")


def test_example_strategies(example: Path) -> None:
    data = plan(example)
    assert data["project"].startswith("dlt-plan-")  # COMPOSE_PROJECT_NAME is honoured
    assert data["directory"] == str(example)
    assert strategies(data) == {
        "api": "reload", "baked_api": "sync", "celery_beat": "restart", "celery_worker": "restart",
        "redis": "none",
    }  # fmt: skip
    api, baked, worker = (
        data["services"]["api"],
        data["services"]["baked_api"],
        data["services"]["celery_worker"],
    )
    assert api["reason"] == (
        "./app:/code/app is bind-mounted and it runs `uvicorn --reload` (compose.yaml:23 command)"
    )
    assert "`celery worker`, which does not reload" in worker["reason"]
    assert (
        baked["reason"]
        == "its code is baked into the image by `COPY . .` (Dockerfile:6), build context ./baked; "
        "live update: edits are copied into the running containers and devloop sends HUP to `gunicorn`, "
        "which reloads on it"
    )
    assert (baked["process_source"], baked["process"][0], baked["reloads"]) == (
        "Dockerfile:7 CMD",
        "gunicorn",
        False,
    )
    assert data["services"]["redis"]["reason"] == (
        "a data store (runs `redis-server`): its mounts hold data, not code"
    )
    assert data["services"]["redis"]["watch"] == []
    assert api["build_group"] == ["api", "celery_beat", "celery_worker"]
    assert api["watch"] == [str(example / "app"), str(example), str(example / "Dockerfile")]
    assert data["project_files"] == [str(example / ".env"), str(example / "compose.yaml")]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["app/main.py"], {"api": "reload", "celery_beat": "restart", "celery_worker": "restart"}),
        (["baked/main.py"], {"baked_api": "sync"}),  # live update: copied in, then HUP
        (["requirements.txt"], {"api": "rebuild", "celery_beat": "rebuild", "celery_worker": "rebuild"}),
        (
            ["app/requirements-dev.txt"],
            {"api": "rebuild", "celery_beat": "rebuild", "celery_worker": "rebuild"},
        ),
        (["Dockerfile"], {"api": "rebuild", "celery_beat": "rebuild", "celery_worker": "rebuild"}),
        (["baked/requirements.txt", "baked/Dockerfile"], {"baked_api": "rebuild"}),
        (["app/._main.py", "app/__pycache__/main.cpython-311.pyc", ".DS_Store", "app/.main.py.swp"], {}),
        (["README.md", "baked/.git/HEAD"], {}),
        (["compose.yaml", ".env"], {}),
    ],
)
def test_example_paths(example: Path, paths: list[str], expected: dict[str, str]) -> None:
    data = plan(example, *paths)
    assert data["actions"] == expected
    assert set(data["reasons"]) == set(expected)


def test_example_reasons_and_project_files(example: Path) -> None:
    data = plan(example, "app/tasks.py", str(example / "compose.yaml"), "README.md")
    assert data["reasons"]["celery_worker"] == (
        "tasks.py is under bind ./app:/code/app and it runs `celery worker`, which does not reload "
        "(compose.yaml:29 command)"
    )
    assert data["reasons"]["api"] == (
        "tasks.py is under bind ./app:/code/app and it runs `uvicorn --reload` (compose.yaml:23 command)"
    )
    assert data["paths"]["api"] == [str(example / "app/tasks.py")]
    assert data["project_files"] == [str(example / "compose.yaml")]
    assert data["unseen"] == [str(example / "README.md")]  # *.md is in the .dockerignore
    baked = plan(example, "baked/main.py")["reasons"]["baked_api"]
    assert baked == "main.py is baked into the image by `COPY . .` (Dockerfile:6); live update copies it in"
    shared = plan(example, "Dockerfile")["reasons"]
    assert shared["api"] == "Dockerfile is a build input of api"


def test_example_project_name_option_and_paths_outside(example: Path) -> None:
    assert plan(example, "-p", "dlt-named-project")["project"] == "dlt-named-project"
    done = devloop(example, "plan", "--json", "/etc/hosts")
    assert done.returncode == 1
    assert "/etc/hosts is outside the project" in done.stderr


# -- (a) several -f files, a profile, .env interpolation and extends --------------------------------


@pytest.fixture
def multi(tmp_path: Path) -> Path:
    return copy_project(tmp_path, FIXTURES / "multi-file")


DEV = ("-f", "compose.yaml", "-f", "compose.dev.yaml")


def test_multi_file_with_a_profile(multi: Path) -> None:
    data = plan(multi, *DEV, "--profile", "workers", "-p", "dlt-multi")
    assert data["project"] == "dlt-multi"
    assert strategies(data) == {"api": "reload", "worker": "restart"}  # `debug` is in a profile not enabled
    api, worker = data["services"]["api"], data["services"]["worker"]
    assert api["process"] == ["uvicorn", "main:app", "--host", "0.0.0.0", "--reload"]  # --reload from .env
    assert api["reason"] == (
        "./src:/app/src is bind-mounted and it runs `uvicorn --reload` "
        "(compose.dev.yaml:4 command with API_RELOAD_FLAG from .env:1)"
    )
    assert worker["process"][-1] == "--loglevel=debug"  # LOG_LEVEL from .env
    assert "./src:/app/src is bind-mounted and it runs `celery worker`" in worker["reason"]
    assert api["build_group"] == worker["build_group"] == ["api", "worker"]  # one build, from extends
    assert data["project_files"] == sorted(
        str(multi / f) for f in (".env", "compose.yaml", "compose.dev.yaml")
    )


def test_multi_file_without_the_override_bakes_the_code(multi: Path) -> None:
    data = plan(multi, "-f", "compose.yaml")
    assert strategies(data) == {"api": "sync"}  # live update: COPY src ./src, no RUN after it
    assert data["services"]["api"]["reason"] == (
        "its code is baked into the image by `COPY src ./src` (Dockerfile:5), build context .; "
        "live update: edits are copied into the running containers and devloop sends HUP to `gunicorn`, "
        "which reloads on it"
    )
    assert data["services"]["api"]["process"] == ["gunicorn", "-b", "0.0.0.0:8000", "main:app"]
    both = plan(multi, "-f", "compose.yaml", "--profile", "debug", "--profile", "workers")
    assert strategies(both) == {"api": "sync", "worker": "sync", "debug": "none"}


def test_the_shell_environment_overrides_env(multi: Path) -> None:
    data = plan(multi, *DEV, env={"API_RELOAD_FLAG": ""})
    api = data["services"]["api"]
    assert api["strategy"] == "restart"
    assert api["reason"] == (
        "./src:/app/src is bind-mounted and it runs `uvicorn` without `--reload`, which does not reload "
        "(compose.dev.yaml:4 command with API_RELOAD_FLAG from the shell environment)"
    )


def test_multi_file_paths(multi: Path) -> None:
    args = (*DEV, "--profile", "workers")
    assert plan(multi, *args, "src/main.py")["actions"] == {"api": "reload", "worker": "restart"}
    assert plan(multi, *args, "requirements.txt")["actions"] == {"api": "rebuild", "worker": "rebuild"}
    assert plan(multi, *args, "NOTES.md")["actions"] == {}
    data = plan(multi, *args, "compose.dev.yaml", ".env")
    assert data["project_files"] == [str(multi / "compose.dev.yaml"), str(multi / ".env")]
    assert data["actions"] == {}


# -- (b) nodemon, Django runserver and an image-only nginx ---------------------------------------------


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return copy_project(tmp_path, FIXTURES / "node-django-nginx")


def test_node_django_nginx_strategies(shop: Path) -> None:
    data = plan(shop)
    assert strategies(data) == {
        "web": "reload", "admin": "reload", "admin_noreload": "restart", "proxy": "restart", "db": "none",
    }  # fmt: skip
    services = data["services"]
    assert "runs `nodemon`, which restarts on changes (compose.yaml:7 command)" in services["web"]["reason"]
    assert services["web"]["process"] == ["npx", "nodemon", "--watch", "src", "src/server.js"]
    assert services["admin"]["reason"] == (
        "./admin:/srv/admin is bind-mounted and it runs `manage.py runserver`, which reloads by default "
        "(compose.yaml:14 command)"
    )
    assert "`runserver --noreload` does not reload" in services["admin_noreload"]["reason"]
    assert services["proxy"]["reason"] == (
        "./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro is bind-mounted outside what `nginx` watches "
        "(every file, except /etc, *.conf); it runs `nginx`, which reads the files it serves afresh on every "
        "request (compose.yaml:26 command)"
    )
    assert services["proxy"]["watch"] == [str(shop / "nginx/default.conf")]
    assert services["db"]["watch"] == []
    assert services["admin"]["build_group"] == ["admin", "admin_noreload"]


@pytest.mark.parametrize(
    ("path", "expected", "evidence"),
    [
        (
            "web/src/server.js",
            {"web": "reload"},
            "under bind ./web/src:/usr/src/app/src and it runs `nodemon`",
        ),
        ("web/package.json", {"web": "rebuild"}, "package.json is a dependency file of the build"),
        (
            "web/package-lock.json",
            {"web": "rebuild"},
            "package-lock.json is a dependency file in the build context",
        ),
        ("web/Dockerfile", {"web": "rebuild"}, "Dockerfile is a build input of web"),
        (
            "admin/shop/views.py",
            {"admin": "reload", "admin_noreload": "restart"},
            "under bind ./admin:/srv/admin",
        ),
        ("admin/requirements.txt", {"admin": "rebuild", "admin_noreload": "rebuild"}, "dependency file"),
        ("nginx/default.conf", {"proxy": "restart"}, "default.conf is under bind ./nginx/default.conf"),
        ("web/src/._server.js", {}, None),
        ("web/node_modules/left-pad/index.js", {}, None),
    ],
)
def test_node_django_nginx_paths(
    shop: Path, path: str, expected: dict[str, str], evidence: str | None
) -> None:
    data = plan(shop, path)
    assert data["actions"] == expected
    if evidence is not None:
        assert all(evidence in reason for reason in data["reasons"].values()), data["reasons"]


# -- (c) a monorepo: sibling contexts, a Dockerfile outside its context, negations, develop.watch -----


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    return copy_project(tmp_path, FIXTURES / "monorepo")


def test_monorepo_strategies(mono: Path) -> None:
    data = plan(mono, "-p", "dlt-mono")
    assert data["project"] == "dlt-mono"
    # web: `COPY . .` with no RUN after it, so live update copies edits in (a sync)
    assert strategies(data) == {"api": "sync", "worker": "restart", "web": "sync"}
    api, worker, web = (data["services"][n] for n in ("api", "worker", "web"))
    assert api["reason"] == "follows its develop.watch rules (rebuild, sync) (compose.yaml:11)"
    assert (api["process"][0], api["process_source"]) == ("uvicorn", "api.Dockerfile:9 CMD")  # target dev
    # target worker: its ENTRYPOINT resets the CMD inherited from the base stage
    assert worker["process"] == ["celery", "-A", "src.tasks", "worker"]
    assert worker["process_source"] == "api.Dockerfile:12 ENTRYPOINT"
    assert worker["reason"] == (
        "./services/api/src:/app/src is bind-mounted and it runs `celery worker`, which does not reload "
        "(api.Dockerfile:12 ENTRYPOINT)"
    )
    assert web["reason"] == (
        "its code is baked into the image by `COPY . .` (Dockerfile:5), build context ./services/web; "
        "live update: edits are copied into the running containers and devloop restarts it"
    )
    assert str(mono / "docker/api.Dockerfile") in api["watch"]
    assert (api["build_group"], worker["build_group"]) == (["api"], ["worker"])  # two targets, two images


@pytest.mark.parametrize(
    ("path", "expected", "evidence"),
    [
        ("docker/api.Dockerfile", {"api": "rebuild", "worker": "rebuild"}, "api.Dockerfile is a build input"),
        ("services/api/src/main.py", {"api": "sync", "worker": "restart"}, None),
        # tests, notes and a changelog: the worker (not a test runner) reads none of them
        ("services/api/src/tests/test_tasks.py", {}, None),
        ("services/api/src/NOTES.md", {}, None),  # and `src/**/*.md` is in the api's .dockerignore
        ("services/api/src/CHANGELOG.md", {"api": "sync"}, None),  # `!src/CHANGELOG.md`: the api bakes it
        ("services/api/docs/index.md", {}, None),  # `*` and no `!docs`
        ("services/api/requirements.txt", {"api": "rebuild", "worker": "rebuild"}, "requirements.txt"),
        (
            "services/web/src/index.js",
            {"web": "sync"},
            "baked into the image by `COPY . .` (Dockerfile:5); live update copies it in",
        ),
        ("services/web/docs/guide.md", {}, None),  # Dockerfile.dockerignore wins over .dockerignore
        ("services/web/notes/todo.txt", {"web": "sync"}, None),
        ("libs/shared/util.py", {"worker": "restart"}, "under bind ./libs/shared:/app/libs/shared:ro"),
        ("libs/shared/pyproject.toml", {"worker": "restart"}, "is a dependency file read at start"),
    ],
)
def test_monorepo_paths(mono: Path, path: str, expected: dict[str, str], evidence: str | None) -> None:
    data = plan(mono, path)
    assert data["actions"] == expected
    if evidence is not None:
        assert all(evidence in reason for reason in data["reasons"].values()), data["reasons"]
    if not expected:
        assert data["unseen"] == [str(mono / path)]


def test_monorepo_develop_watch_reasons(mono: Path) -> None:
    data = plan(mono, "services/api/src/main.py")
    assert data["reasons"]["api"] == "main.py is under its develop.watch rule `sync` of src (compose.yaml:13)"
    assert plan(mono, "services/api/requirements.txt")["reasons"]["api"] == (
        "requirements.txt is under its develop.watch rule `rebuild` of requirements.txt (compose.yaml:18)"
    )
