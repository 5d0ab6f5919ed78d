"""The pure planner, per changed path: which service gets which action, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devloop.model.project import Action
from devloop.planning.planner import decide
from devloop.planning.route import route
from tests.unit.builders import actions, bind, build, change, make_plan, reasons, write

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /code
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "app.main:app"]
"""
UVICORN = ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
CELERY = ["celery", "-A", "app.tasks", "worker"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The fastapi-celery shape: api (reload), worker (restart) on one build with ./app mounted,
    baked (its own context, no mount) and redis."""
    write(tmp_path, "Dockerfile", DOCKERFILE)
    write(tmp_path, ".dockerignore", "**/__pycache__\n.git\nbaked\ndocs\nnginx\n*.md\n!CHANGELOG.md\n")
    write(tmp_path, "baked/Dockerfile", DOCKERFILE)
    return tmp_path


def example(root: Path) -> dict[str, dict[str, Any]]:
    app = [bind(root / "app", "/code/app")]
    return {
        "api": {"build": build(root), "command": UVICORN, "volumes": app},
        "worker": {"build": build(root), "command": CELERY, "volumes": app},
        "baked": {"build": build(root / "baked")},
        "redis": {"image": "redis:7", "command": ["redis-server"]},
    }


def test_bind_mounted_code(root: Path) -> None:
    plan = make_plan(root, example(root))
    assert actions(plan, root, "app/main.py") == {"api": "reload", "worker": "restart"}
    why = reasons(plan, root, "app/main.py")
    assert why["api"] == "main.py is under bind ./app:/code/app and it runs `uvicorn --reload`"
    assert (
        why["worker"]
        == "main.py is under bind ./app:/code/app and it runs `celery worker`, which does not reload"
    )


def test_baked_code(root: Path) -> None:
    plan = make_plan(root, example(root))
    assert actions(plan, root, "baked/main.py") == {"baked": "sync"}
    assert reasons(plan, root, "baked/main.py") == {
        "baked": "main.py is baked into the image by `COPY . .` (Dockerfile:5); live update copies it in"
    }
    # a file of the root context outside the bind: baked into api's and worker's image
    assert actions(plan, root, "settings.py") == {"api": "rebuild", "worker": "rebuild"}


def test_the_strongest_action_wins_per_service(root: Path) -> None:
    plan = make_plan(root, example(root))
    result = change(plan, root, "app/main.py", "settings.py", "app/tasks.py")
    assert {d.service: str(d.action) for d in result.decisions} == {"api": "rebuild", "worker": "rebuild"}
    api = result.decision("api")
    assert api is not None
    assert api.paths == (root / "app/main.py", root / "settings.py", root / "app/tasks.py")
    assert api.reason == "settings.py is baked into the image by `COPY . .` (Dockerfile:5)"


@pytest.mark.parametrize(
    "name",
    ["requirements.txt", "requirements-dev.txt", "requirements/base.txt", "pyproject.toml", "setup.py",
     "setup.cfg", "poetry.lock", "uv.lock", "Pipfile", "Pipfile.lock", "package.json", "package-lock.json",
     "yarn.lock", "pnpm-lock.yaml", "go.mod", "go.sum", "Gemfile.lock", "Cargo.toml", "Cargo.lock"],
)  # fmt: skip
def test_dependency_files_rebuild_even_when_bind_mounted(root: Path, name: str) -> None:
    plan = make_plan(root, example(root))
    assert actions(plan, root, f"app/{name}") == {"api": "rebuild", "worker": "rebuild"}
    assert reasons(plan, root, f"app/{name}")["api"] == f"{Path(name).name} is a dependency file of the build"
    assert actions(plan, root, name) == {"api": "rebuild", "worker": "rebuild"}


def test_a_dependency_file_outside_the_build_context_restarts(root: Path) -> None:
    services = {
        "api": {"build": build(root / "api"), "command": UVICORN, "volumes": [bind(root / "libs", "/libs")]},
        "node": {
            "image": "node:22",
            "command": ["node", "server.js"],
            "volumes": [bind(root / "web", "/app")],
        },
    }
    plan = make_plan(root, services)
    assert actions(plan, root, "libs/pyproject.toml") == {"api": "restart"}
    assert reasons(plan, root, "libs/pyproject.toml") == {
        "api": "pyproject.toml is under bind ./libs:/libs and is a dependency file read at start"
    }
    assert actions(plan, root, "web/package.json") == {"node": "restart"}


def test_the_dockerfile_and_dockerignore_are_build_inputs(root: Path) -> None:
    plan = make_plan(root, example(root))
    assert actions(plan, root, "Dockerfile") == {"api": "rebuild", "worker": "rebuild"}
    assert reasons(plan, root, "Dockerfile")["api"] == "Dockerfile is a build input of api"
    assert actions(plan, root, ".dockerignore") == {"api": "rebuild", "worker": "rebuild"}
    assert actions(plan, root, "baked/.dockerignore") == {"baked": "rebuild"}  # a new one, in its context
    # a .dockerignore the builder does not read (not at the context root) is a plain file, and not one
    # of the *.py files `uvicorn --reload` watches
    assert actions(plan, root, "app/sub/.dockerignore") == {"api": "restart", "worker": "restart"}


def test_a_dockerfile_outside_the_context(tmp_path: Path) -> None:
    write(
        tmp_path,
        "docker/api.Dockerfile",
        'FROM python\nWORKDIR /srv\nCOPY src ./src\nCMD ["python", "-m", "src"]\n',
    )
    write(tmp_path, "docker/api.Dockerfile.dockerignore", "src/**/*.md\n")
    services = {"api": {"build": build(tmp_path / "api", "../docker/api.Dockerfile")}}
    plan = make_plan(tmp_path, services)
    api = plan.service("api")
    assert api.service.build is not None
    assert api.service.build.dockerfile == tmp_path / "docker/api.Dockerfile"
    assert api.service.build.dockerignore == tmp_path / "docker/api.Dockerfile.dockerignore"
    assert api.watch == (tmp_path / "api", tmp_path / "docker/api.Dockerfile",
                         tmp_path / "docker/api.Dockerfile.dockerignore")  # fmt: skip
    assert actions(plan, tmp_path, "docker/api.Dockerfile") == {"api": "rebuild"}
    assert actions(plan, tmp_path, "docker/api.Dockerfile.dockerignore") == {"api": "rebuild"}
    assert actions(plan, tmp_path, "api/src/main.py") == {"api": "sync"}
    assert reasons(plan, tmp_path, "api/src/main.py") == {
        "api": "src/main.py is baked into the image by `COPY src ./src` (api.Dockerfile:3); "
        "live update copies it in"
    }
    assert actions(plan, tmp_path, "api/src/notes/README.md") == {}  # excluded by its .dockerignore
    assert actions(plan, tmp_path, "docker/web.Dockerfile") == {}


def test_dockerignore_with_negations(root: Path) -> None:
    plan = make_plan(root, example(root))
    assert actions(plan, root, "README.md") == {}
    assert actions(plan, root, "CHANGELOG.md") == {"api": "rebuild", "worker": "rebuild"}  # `!CHANGELOG.md`
    assert actions(plan, root, "docs/index.rst") == {}
    result = change(plan, root, "README.md", "docs/index.rst")
    assert result.unseen == (root / "README.md", root / "docs/index.rst")


def test_dockerignore_negation_inside_an_excluded_folder(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python\nCOPY . .\n")
    write(
        tmp_path, ".dockerignore", "*\n!src\n!requirements.txt\nsrc/**/*.md\n!src/KEEP.md\n**/node_modules\n"
    )
    plan = make_plan(tmp_path, {"app": {"build": build(tmp_path)}})
    assert actions(plan, tmp_path, "src/app.py") == {"app": "sync"}
    assert actions(plan, tmp_path, "requirements.txt") == {"app": "rebuild"}
    assert actions(plan, tmp_path, "notes.txt") == {}
    assert actions(plan, tmp_path, "src/docs/guide.md") == {}
    assert actions(plan, tmp_path, "src/KEEP.md") == {"app": "sync"}
    assert actions(plan, tmp_path, "src/web/node_modules/left-pad/index.js") == {}  # as BuildKit does
    assert actions(plan, tmp_path, "Dockerfile") == {"app": "rebuild"}  # excluded by `*`, still read


def test_dockerfile_specific_dockerignore_takes_precedence(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python\nCOPY . .\n")
    write(tmp_path, ".dockerignore", "notes\n")
    write(tmp_path, "Dockerfile.dockerignore", "docs\n")
    plan = make_plan(tmp_path, {"app": {"build": build(tmp_path)}})
    assert plan.service("app").service.build.dockerignore == tmp_path / "Dockerfile.dockerignore"  # type: ignore[union-attr]
    assert actions(plan, tmp_path, "docs/a.md") == {}
    assert actions(plan, tmp_path, "notes/a.md") == {"app": "sync"}
    assert actions(plan, tmp_path, "Dockerfile.dockerignore") == {"app": "rebuild"}


def test_nested_and_sibling_contexts(tmp_path: Path) -> None:
    for context in ("", "services/api/", "services/web/"):
        write(tmp_path, context + "Dockerfile", "FROM x\nCOPY . .\n")
    write(tmp_path, ".dockerignore", "services/web\n")
    services = {
        "all": {"build": build(tmp_path)},
        "api": {"build": build(tmp_path / "services/api")},
        "web": {"build": build(tmp_path / "services/web")},
    }
    plan = make_plan(tmp_path, services)
    assert actions(plan, tmp_path, "services/api/main.py") == {"all": "sync", "api": "sync"}
    assert actions(plan, tmp_path, "services/web/index.js") == {"web": "sync"}  # dockerignored by all
    assert actions(plan, tmp_path, "tool.py") == {"all": "sync"}
    assert actions(plan, tmp_path, "services/apiary/x.py") == {"all": "sync"}  # not under services/api


def test_a_shared_build_rebuilds_only_the_services_that_need_it(root: Path) -> None:
    services = example(root)
    services["worker"]["volumes"] = [bind(root / "app", "/code/app"), bind(root / "jobs", "/code/jobs")]
    plan = make_plan(root, services, settings={"services": {"api": {"ignore": ["jobs/**"]}}})
    # api ignores jobs/: only the worker rebuilds for it; api reloads main.py from its bind
    result = change(plan, root, "app/main.py", "jobs/requirements.txt")
    assert {d.service: str(d.action) for d in result.decisions} == {"api": "reload", "worker": "rebuild"}
    api = result.decision("api")
    assert api is not None
    assert api.reason.endswith("; not rebuilt with worker (same build): it gets the edit by itself")
    assert api.paths == (root / "app/main.py",)


def test_a_rebuild_that_is_not_a_build_input_stays_with_its_service(root: Path) -> None:
    services = example(root)
    services["worker"]["volumes"] = [bind(root / "app", "/code/app"), bind(root.parent / "ext", "/ext")]
    plan = make_plan(root, services, settings={"services": {"worker": {"rebuild_on": ["**/*.cfg"]}}})
    assert actions(plan, root.parent, "ext/a.cfg") == {"worker": "rebuild"}
    assert reasons(plan, root.parent, "ext/a.cfg") == {"worker": "a.cfg matches rebuild_on in the settings"}


@pytest.mark.parametrize(
    "noise",
    ["app/._main.py", "._Dockerfile", "app/.DS_Store", ".git/HEAD", ".git/objects/ab/cdef",
     "app/__pycache__/main.cpython-312.pyc", "app/main.pyc", "app/.main.py.swp", "app/main.py~",
     "app/4913", "app/.#main.py", "app/#main.py#", "app/main.py___jb_tmp___", "baked/._requirements.txt",
     ".mypy_cache/x.json", "app/.goutputstream-ABC123"],
)  # fmt: skip
def test_noise_never_triggers(root: Path, noise: str) -> None:
    plan = make_plan(root, example(root))
    result = change(plan, root, noise)
    assert result.decisions == ()
    assert result.unseen == ()
    assert result.project_files == ()


def test_compose_files_and_env_are_project_files(root: Path) -> None:
    plan = make_plan(root, example(root))
    result = change(plan, root, "compose.yaml", ".env", "app/main.py")
    assert result.project_files == (root / "compose.yaml", root / ".env")
    assert {d.service: str(d.action) for d in result.decisions} == {"api": "reload", "worker": "restart"}


def test_settings_in_pyproject_reload_the_model_and_rebuild(root: Path) -> None:
    from devloop.model.settings import parse_settings

    settings = parse_settings({}, root / "pyproject.toml")
    plan = make_plan(root, example(root), settings)
    result = change(plan, root, "pyproject.toml")
    assert result.project_files == (root / "pyproject.toml",)
    assert {d.service: str(d.action) for d in result.decisions} == {"api": "rebuild", "worker": "rebuild"}


def test_paths_no_service_sees(root: Path) -> None:
    plan = make_plan(root, example(root))
    result = route(plan, [root.parent / "elsewhere.py", root / "docs/x.md"])
    assert result.decisions == ()
    assert result.unseen == (root.parent / "elsewhere.py", root / "docs/x.md")
    assert decide(plan.service("api"), root.parent / "elsewhere.py") is None
    assert decide(plan.service("redis"), root / "app/main.py") is None


def test_a_single_file_bind_of_a_reloading_service_restarts(root: Path) -> None:
    services = {
        "api": {"build": build(root), "command": UVICORN,
                "volumes": [bind(root / "app", "/code/app"), bind(root / "config.py", "/code/config.py")]},
    }  # fmt: skip
    plan = make_plan(root, services)
    assert actions(plan, root, "config.py") == {"api": "restart"}
    assert reasons(plan, root, "config.py") == {
        "api": "config.py is under bind ./config.py:/code/config.py, a single-file mount: an editor's save "
        "replaces the file, and the container sees the new one only after a restart"
    }


def test_reload_dirs_relative_to_the_dockerfile_workdir(root: Path) -> None:
    command = ["uvicorn", "app.main:app", "--reload", "--reload-dir", "app"]
    volumes = [bind(root / "app", "/code/app"), bind(root / "lib", "/code/lib")]
    plan = make_plan(root, {"api": {"build": build(root), "command": command, "volumes": volumes}})
    assert actions(plan, root, "app/main.py") == {"api": "reload"}  # /code/app: WORKDIR /code + app
    assert actions(plan, root, "lib/util.py") == {"api": "restart"}
    assert reasons(plan, root, "lib/util.py") == {
        "api": "util.py is under bind ./lib:/code/lib, outside what `uvicorn` watches (*.py in /code/app)"
    }


def test_reload_dirs_relative_to_the_compose_working_dir(root: Path) -> None:
    command = ["nodemon", "--watch", "src", "server.js"]
    volumes = [bind(root / "src", "/srv/web/src")]
    plan = make_plan(root, {"web": {"image": "node:22", "command": command, "volumes": volumes,
                                    "working_dir": "/srv/web"}})  # fmt: skip
    assert actions(plan, root, "src/server.js") == {"web": "reload"}


def test_develop_watch_rules_route_their_paths(root: Path) -> None:
    write(root, "package.json", "{}")
    write(root, ".dockerignore", "app/**/*.md\n")
    watch = [
        {"action": "sync", "path": str(root / "app"), "target": "/code/app", "ignore": ["tests/"]},
        {"action": "rebuild", "path": str(root / "package.json")},
    ]
    services = {
        "web": {"build": build(root), "develop": {"watch": watch}, "volumes": [bind(root / "conf", "/conf")]}
    }
    plan = make_plan(root, services)
    assert actions(plan, root, "app/main.py") == {"web": "sync"}
    assert reasons(plan, root, "app/main.py") == {
        "web": "main.py is under its develop.watch rule `sync` of app"
    }
    assert actions(plan, root, "package.json") == {"web": "rebuild"}
    assert actions(plan, root, "app/tests/test_main.py") == {}  # ignored by its rule
    assert actions(plan, root, "app/README.md") == {}  # Compose Watch skips what the .dockerignore excludes
    # paths outside every rule are still planned: the Dockerfile, a bind, the context
    assert actions(plan, root, "Dockerfile") == {"web": "rebuild"}
    assert actions(plan, root, "conf/web.toml") == {"web": "restart"}
    assert actions(plan, root, "lib/x.py") == {"web": "rebuild"}


def test_settings_ignore_rebuild_on_and_watch(root: Path) -> None:
    settings = {
        "ignore": ["app/generated/**"],
        "services": {
            "api": {"ignore": ["**/*.log"], "rebuild_on": ["app/schema.graphql"]},
            "worker": {"watch": ["docs/seeds"]},
            "proxy": {"ignore": ["nginx/*.bak"], "rebuild_on": ["nginx/mime.types"]},
        },
    }
    services = example(root)
    services["proxy"] = {
        "image": "nginx",
        "command": ["nginx"],
        "volumes": [bind(root / "nginx", "/etc/nginx")],
    }
    plan = make_plan(root, services, settings)
    assert actions(plan, root, "app/generated/schema.py") == {}  # global ignore, relative to the project
    assert actions(plan, root, "app/server.log") == {"worker": "restart"}
    # the worker shares api's build but gets the file through its bind: not rebuilt with api
    assert actions(plan, root, "app/schema.graphql") == {"api": "rebuild", "worker": "restart"}
    assert (
        reasons(plan, root, "app/schema.graphql")["api"]
        == "schema.graphql matches rebuild_on in the settings"
    )
    # docs/ is dockerignored: only the watch path from the settings sees it
    assert actions(plan, root, "docs/seeds/seed.json") == {"worker": "restart"}
    assert reasons(plan, root, "docs/seeds/seed.json") == {
        "worker": "seed.json is under a watch path from the settings"
    }
    assert actions(plan, root, "docs/index.md") == {}
    # an image-only service's patterns are relative to the project folder too
    assert actions(plan, root, "nginx/nginx.conf.bak") == {}
    assert actions(plan, root, "nginx/mime.types") == {"proxy": "restart"}
    assert reasons(plan, root, "nginx/mime.types") == {
        "proxy": "mime.types matches rebuild_on in the settings"
    }
    assert actions(plan, root, "nginx/nginx.conf") == {"proxy": "restart"}


def test_settings_patterns_relative_to_the_build_context(tmp_path: Path) -> None:
    write(tmp_path, "services/api/Dockerfile", "FROM x\nCOPY . .\n")
    settings = {"services": {"api": {"ignore": ["tests"]}}}
    plan = make_plan(tmp_path, {"api": {"build": build(tmp_path / "services/api")}}, settings)
    assert actions(plan, tmp_path, "services/api/tests/test_a.py") == {}
    assert actions(plan, tmp_path, "services/api/main.py") == {"api": "sync"}


def test_a_configured_strategy_applies_to_mounted_and_baked_paths(root: Path) -> None:
    settings = {"services": {"api": {"strategy": "restart"}, "worker": {"strategy": "none"}}}
    plan = make_plan(root, example(root), settings)
    assert actions(plan, root, "app/main.py") == {"api": "restart"}
    assert reasons(plan, root, "app/main.py") == {
        "api": "main.py is under bind ./app:/code/app; strategy restart is set in the settings"
    }
    assert actions(plan, root, "settings.py") == {"api": "restart"}
    assert actions(plan, root, "requirements.txt") == {"api": "rebuild"}  # dependencies still rebuild


def test_read_only_binds_are_routed(root: Path) -> None:
    services = {
        "api": {"build": build(root), "command": UVICORN, "volumes": [bind(root / "app", "/code/app", True)]}
    }
    plan = make_plan(root, services)
    assert actions(plan, root, "app/main.py") == {"api": "reload"}
    assert reasons(plan, root, "app/main.py") == {
        "api": "main.py is under bind ./app:/code/app:ro and it runs `uvicorn --reload`"
    }


def test_the_deepest_bind_decides(root: Path) -> None:
    volumes = [bind(root, "/code"), bind(root / "app/static", "/static")]
    plan = make_plan(root, {"api": {"build": build(root), "command": UVICORN, "volumes": volumes}})
    assert reasons(plan, root, "app/static/site.css") == {  # uvicorn watches *.py files only
        "api": "site.css is under bind ./app/static:/static, outside what `uvicorn` watches (*.py in /code)"
    }
    assert reasons(plan, root, "app/static/site.py") == {
        "api": "site.py is under bind ./app/static:/static, outside what `uvicorn` watches (*.py in /code)"
    }
    assert actions(plan, root, "app/views.py") == {"api": "reload"}


def test_decide_returns_action_and_reason(root: Path) -> None:
    plan = make_plan(root, example(root))
    assert decide(plan.service("worker"), root / "app/tasks.py") == (
        Action.RESTART,
        "tasks.py is under bind ./app:/code/app and it runs `celery worker`, which does not reload",
    )
