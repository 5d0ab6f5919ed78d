"""The pure planner, per service: which strategy a service's code changes get, and the evidence.

Projects are built from dicts shaped like `docker compose config --format json` output, with real
Dockerfiles and .dockerignore files in tmp_path, as `devloop plan` reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devloop.inference.process import ImageProcess
from devloop.model.project import Strategy
from tests.unit.builders import bind, build, make_plan, strategies, write

PY_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /code
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "app.main:app"]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path, "Dockerfile", PY_DOCKERFILE)
    write(tmp_path, "requirements.txt", "fastapi\n")
    write(tmp_path, "app/main.py", "app = None\n")
    return tmp_path


def code_service(root: Path, command: Any = None, **extra: Any) -> dict[str, Any]:
    """A service built from root with ./app bind-mounted at /code/app, running `command`."""
    service: dict[str, Any] = {"build": build(root), "volumes": [bind(root / "app", "/code/app")], **extra}
    if command is not None:
        service["command"] = command
    return service


# (command as compose prints it (list) or as a string, extra environment, the flag the reason quotes)
RELOADING: list[tuple[Any, dict[str, str], str]] = [
    (["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"], {}, "`uvicorn --reload`"),
    ("uvicorn app.main:app --reload", {}, "`uvicorn --reload`"),
    (["hypercorn", "app.main:app", "--reload"], {}, "`hypercorn --reload`"),
    (["gunicorn", "--reload", "-b", "0.0.0.0:8000", "app.main:app"], {}, "`gunicorn --reload`"),
    (["flask", "run", "--debug"], {}, "`flask run --debug`"),
    (["flask", "--debug", "run", "--host", "0.0.0.0"], {}, "`flask --debug run`"),
    (["flask", "run", "--reload"], {}, "`flask run --reload`"),
    (["flask", "run"], {"FLASK_DEBUG": "1"}, "FLASK_DEBUG=1"),
    (["python", "manage.py", "runserver", "0.0.0.0:8000"], {}, "`manage.py runserver`"),
    (["watchmedo", "auto-restart", "-d", ".", "-p", "*.py", "-R", "--", "celery", "-A", "app", "worker"], {},
     "`watchmedo auto-restart`"),
    (["watchfiles", "celery -A app worker", "app"], {}, "`watchfiles`"),
    (["python", "-m", "watchfiles", "python app/main.py"], {}, "`watchfiles`"),
    (["nodemon", "server.js"], {}, "`nodemon`"),
    (["node", "--watch", "server.js"], {}, "`node --watch`"),
    (["air", "-c", ".air.toml"], {}, "`air`"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "env", "flag"), RELOADING)
def test_a_bind_mounted_reloader_gets_reload(
    root: Path, command: Any, env: dict[str, str], flag: str
) -> None:
    plan = make_plan(root, {"api": code_service(root, command, environment=env)})
    api = plan.service("api")
    assert api.strategy is Strategy.RELOAD
    assert flag in api.reason
    assert "./app:/code/app is bind-mounted" in api.reason
    assert api.process.source == "compose command"
    assert api.verdict.reloads is True


# (command, the words the reason quotes)
NOT_RELOADING: list[tuple[Any, str]] = [
    (["uvicorn", "app.main:app", "--reload-dir", "app"], "`--reload-dir` without `--reload`"),
    (["python", "manage.py", "runserver", "--noreload"], "`runserver --noreload` does not reload"),
    (["flask", "run"], "`flask run` without debug"),
    (["flask", "run", "--debug", "--no-reload"], "`flask run --no-reload`"),
    (["gunicorn", "app.main:app"], "`gunicorn` without `--reload`"),
    (["celery", "-A", "app.tasks", "worker", "--loglevel=info"], "`celery worker`"),
    (["celery", "-A", "app.tasks", "beat"], "`celery beat`"),
    (["python", "app/main.py"], "`python app/main.py`"),
    (["node", "server.js"], "`node server.js`"),
    ("watchmedo shell-command -- make", "devloop cannot tell"),
]


@pytest.mark.parametrize(("command", "evidence"), NOT_RELOADING)
def test_a_bind_mounted_process_that_does_not_reload_gets_restart(
    root: Path, command: Any, evidence: str
) -> None:
    plan = make_plan(root, {"worker": code_service(root, command)})
    worker = plan.service("worker")
    assert worker.strategy is Strategy.RESTART
    assert evidence in worker.reason
    assert "./app:/code/app" in worker.reason


def test_flask_debug_zero_overrides_flask_env(root: Path) -> None:
    env = {"FLASK_DEBUG": "0", "FLASK_ENV": "development"}
    plan = make_plan(root, {"web": code_service(root, ["flask", "run"], environment=env)})
    assert plan.service("web").strategy is Strategy.RESTART


def test_string_and_list_commands_plan_alike(root: Path) -> None:
    as_string = make_plan(root, {"api": code_service(root, "uvicorn app.main:app --port 8000 --reload")})
    as_list = make_plan(
        root, {"api": code_service(root, ["uvicorn", "app.main:app", "--port", "8000", "--reload"])}
    )
    assert as_string.service("api").process.argv == as_list.service("api").process.argv
    assert as_string.service("api").strategy is as_list.service("api").strategy is Strategy.RELOAD


def test_compose_entrypoint_plus_command(root: Path) -> None:
    service = code_service(root, ["exec uvicorn app.main:app --reload"], entrypoint=["/bin/sh", "-c"])
    plan = make_plan(root, {"api": service})
    api = plan.service("api")
    assert api.process.argv == ("/bin/sh", "-c", "exec uvicorn app.main:app --reload")
    assert api.process.source == "compose entrypoint"
    assert api.strategy is Strategy.RELOAD


def test_compose_entrypoint_drops_the_dockerfile_cmd(root: Path) -> None:
    plan = make_plan(root, {"api": code_service(root, entrypoint=["python", "app/main.py"])})
    assert plan.service("api").process.argv == ("python", "app/main.py")
    assert plan.service("api").strategy is Strategy.RESTART


def test_compose_command_follows_the_dockerfile_entrypoint(root: Path) -> None:
    write(
        root,
        "Dockerfile",
        'FROM python:3.12\nWORKDIR /code\nENTRYPOINT ["tini", "--"]\nCMD ["gunicorn", "a:b"]\n',
    )
    plan = make_plan(root, {"api": code_service(root, ["uvicorn", "app.main:app", "--reload"])})
    api = plan.service("api")
    assert api.process.argv == ("tini", "--", "uvicorn", "app.main:app", "--reload")
    assert api.process.source == "compose command after Dockerfile:3 ENTRYPOINT"
    assert api.strategy is Strategy.RELOAD


def test_dockerfile_cmd_is_used_when_compose_sets_no_command(root: Path) -> None:
    plan = make_plan(root, {"api": code_service(root)})
    api = plan.service("api")
    assert api.process.argv == ("gunicorn", "app.main:app")
    assert api.process.source == "Dockerfile:6 CMD"
    assert api.strategy is Strategy.RESTART
    assert "(Dockerfile:6 CMD)" in api.reason


def test_build_target_selects_the_stage_whose_cmd_runs(root: Path) -> None:
    write(
        root,
        "Dockerfile",
        """\
FROM python:3.12 AS Base
WORKDIR /code
COPY . .
CMD ["gunicorn", "app.main:app"]

FROM base AS dev
CMD ["uvicorn", "app.main:app", "--reload"]

FROM base AS prod
""",
    )
    services = {
        "dev": code_service(root, build=build(root, target="dev")),
        "prod": code_service(root, build=build(root, target="prod")),
        "last": code_service(root),
    }
    plan = make_plan(root, services)
    assert plan.service("dev").process.argv == ("uvicorn", "app.main:app", "--reload")
    assert plan.service("dev").process.source == "Dockerfile:7 CMD"
    assert plan.service("prod").process.argv == ("gunicorn", "app.main:app")  # inherited from base
    assert plan.service("last").process.argv == ("gunicorn", "app.main:app")  # no target: the last stage
    assert strategies(plan) == {"dev": "reload", "prod": "restart", "last": "restart"}


def test_an_entrypoint_resets_the_cmd_inherited_from_the_parent_stage(root: Path) -> None:
    write(
        root,
        "Dockerfile",
        """\
FROM python:3.12 AS base
CMD ["uvicorn", "app.main:app", "--reload"]

FROM base AS worker
ENTRYPOINT ["celery", "-A", "app.tasks", "worker"]
""",
    )
    plan = make_plan(root, {"worker": code_service(root, build=build(root, target="worker"))})
    worker = plan.service("worker")
    assert worker.process.argv == ("celery", "-A", "app.tasks", "worker")
    assert worker.process.source == "Dockerfile:5 ENTRYPOINT"
    assert worker.strategy is Strategy.RESTART


def test_a_platform_flag_on_from_keeps_the_stage_name(root: Path) -> None:
    write(
        root,
        "Dockerfile",
        'FROM --platform=$BUILDPLATFORM python:3.12 AS dev\nCMD ["flask", "run", "--debug"]\n'
        'FROM python:3.12 AS prod\nCMD ["gunicorn", "a:b"]\n',
    )
    plan = make_plan(root, {"api": code_service(root, build=build(root, target="dev"))})
    assert plan.service("api").strategy is Strategy.RELOAD


def test_the_local_image_command_wins_over_the_dockerfile(root: Path) -> None:
    images = {"demo-api": ImageProcess(None, ("uvicorn", "app.main:app", "--reload"))}
    plan = make_plan(root, {"api": code_service(root)}, images=images)
    assert plan.service("api").process.source == "image demo-api CMD"
    assert plan.service("api").strategy is Strategy.RELOAD


def test_baked_code_gets_live_update_and_names_the_copy(root: Path) -> None:
    plan = make_plan(root, {"baked": {"build": build(root)}})
    baked = plan.service("baked")
    assert baked.strategy is Strategy.SYNC
    assert baked.reason == (
        "its code is baked into the image by `COPY . .` (Dockerfile:5), build context .; live update: edits "
        "are copied into the running containers and devloop sends HUP to `gunicorn`, which reloads on it"
    )
    assert baked.watch == (root, root / "Dockerfile")


def test_baked_without_a_readable_dockerfile_still_rebuilds(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, {"baked": {"build": build(tmp_path / "missing")}})
    assert plan.service("baked").strategy is Strategy.REBUILD
    assert "build context ./missing" in plan.service("baked").reason


def test_image_only_services(root: Path) -> None:
    write(root, "nginx/default.conf", "server {}\n")
    services = {
        "cache": {"image": "redis:7", "volumes": [{"type": "volume", "source": "data", "target": "/data"}]},
        "db": {"image": "postgres:16", "volumes": [bind(root / "pgdata", "/var/lib/postgresql/data")]},
        "mailer": {"image": "axllent/mailpit"},
        "proxy": {
            "image": "nginx:1.27",
            "command": ["nginx", "-g", "daemon off;"],
            "volumes": [bind(root / "nginx/default.conf", "/etc/nginx/conf.d/default.conf", read_only=True)],
        },
    }
    plan = make_plan(root, services)
    assert strategies(plan) == {"cache": "none", "db": "none", "mailer": "none", "proxy": "restart"}
    assert plan.service("db").watch == ()  # its bind holds data, not code
    assert plan.service("db").reason == "a data store (image postgres:16): its mounts hold data, not code"
    assert plan.service("mailer").reason == "image-only service without code bind mounts: nothing to watch"
    proxy = plan.service("proxy")
    assert proxy.watch == (root / "nginx/default.conf",)
    assert proxy.reason.startswith("./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro is bind-mounted")
    assert "`nginx`" in proxy.reason


def test_system_binds_are_not_code(root: Path) -> None:
    services = {
        "traefik": {
            "image": "traefik:3",
            "volumes": [bind(Path("/var/run/docker.sock"), "/var/run/docker.sock")],
        },
        "exporter": {"image": "prom/node-exporter", "volumes": [bind(Path("/"), "/host", read_only=True)]},
        "baked": {
            "build": build(root),
            "volumes": [bind(Path("/etc/localtime"), "/etc/localtime", read_only=True)],
        },
    }
    plan = make_plan(root, services)
    assert strategies(plan) == {"traefik": "none", "exporter": "none", "baked": "sync"}
    assert plan.service("exporter").watch == ()
    assert Path("/etc/localtime") not in plan.service("baked").watch


def test_read_only_code_bind_still_counts(root: Path) -> None:
    service = {"build": build(root), "command": ["uvicorn", "app.main:app", "--reload"],
               "volumes": [bind(root / "app", "/code/app", read_only=True)]}  # fmt: skip
    plan = make_plan(root, {"api": service})
    assert plan.service("api").strategy is Strategy.RELOAD
    assert "./app:/code/app:ro" in plan.service("api").reason


def test_absolute_and_relative_bind_sources(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("shared")
    write(root, "lib/util.py", "")  # folders with code in them: a folder with none holds data
    write(outside, "shared.py", "")
    services = {
        "api": {
            "build": build(root),
            "command": ["uvicorn", "app.main:app", "--reload"],
            "volumes": [
                {"type": "bind", "source": "./app", "target": "/code/app"},
                {"type": "bind", "source": "../" + root.name + "/lib", "target": "/code/lib"},
                bind(outside, "/shared"),
            ],
        }
    }
    plan = make_plan(root, services)
    assert [b.source for b in plan.service("api").service.binds] == [root / "app", root / "lib", outside]
    assert plan.service("api").watch[:3] == (root / "app", root / "lib", outside)
    assert f"{outside}:/shared" in plan.service("api").reason


def test_develop_watch_rules_set_the_strategy(root: Path) -> None:
    write(root, "package.json", "{}")
    watch = [
        {"action": "sync", "path": str(root / "app"), "target": "/code/app"},
        {"action": "rebuild", "path": str(root / "package.json")},
    ]
    plan = make_plan(root, {"web": {"build": build(root), "develop": {"watch": watch}}})
    web = plan.service("web")
    assert web.strategy is Strategy.SYNC  # what code changes get; package.json is a build input
    assert web.reason == "follows its develop.watch rules (rebuild, sync)"


def test_develop_watch_with_only_a_rebuild_rule(root: Path) -> None:
    watch = [{"action": "rebuild", "path": str(root / "app")}]
    plan = make_plan(root, {"web": {"build": build(root), "develop": {"watch": watch}}})
    assert plan.service("web").strategy is Strategy.REBUILD


def test_services_built_from_one_context_and_dockerfile_form_a_build_group(root: Path) -> None:
    write(root, "other/Dockerfile", "FROM python\nCOPY . .\n")
    services = {
        "api": code_service(root, ["uvicorn", "app.main:app", "--reload"]),
        "worker": code_service(root, ["celery", "-A", "app", "worker"]),
        "dev": code_service(root, build=build(root, target="dev")),
        "other": {"build": build(root / "other")},
        "inline_a": {"build": {"context": str(root), "dockerfile_inline": "FROM python\nCMD a"}},
        "inline_b": {"build": {"context": str(root), "dockerfile_inline": "FROM python\nCMD b"}},
        "redis": {"image": "redis"},
    }
    plan = make_plan(root, services)
    groups = {s.name: s.build_group for s in plan.services}
    assert groups == {
        "api": ("api", "worker"),
        "worker": ("api", "worker"),
        "dev": ("dev",),  # another target is another image
        "other": ("other",),
        "inline_a": ("inline_a",),  # inline Dockerfiles differ: never grouped
        "inline_b": ("inline_b",),
        "redis": (),
    }


def test_project_files_are_the_compose_files_env_and_settings(root: Path) -> None:
    plan = make_plan(root, {"api": code_service(root)}, settings={"debounce_ms": 100})
    assert plan.project_files == {root / "compose.yaml", root / ".env", root / "devloop.toml"}


def test_settings_strategy_overrides_the_inferred_one(root: Path) -> None:
    settings = {"services": {"api": {"strategy": "rebuild"}, "worker": {"strategy": "none"}}}
    services = {
        "api": code_service(root, ["uvicorn", "app.main:app", "--reload"]),
        "worker": code_service(root, ["celery", "-A", "app", "worker"]),
    }
    plan = make_plan(root, services, settings)
    assert strategies(plan) == {"api": "rebuild", "worker": "none"}
    assert plan.service("api").reason == "strategy = 'rebuild' is set in the devloop settings"
    assert plan.service("api").configured == "rebuild"
    assert plan.service("worker").watch == ()


def test_settings_watch_makes_an_image_only_service_restart(root: Path) -> None:
    write(root, "conf/mailer.yaml", "x: 1\n")
    settings = {"services": {"mailer": {"watch": ["conf"]}, "db": {"watch": ["db/init.sql"]}}}
    services = {
        "mailer": {"image": "mailer:1", "command": ["mailer", "--config", "/conf/mailer.yaml"]},
        "db": {"image": "postgres:16", "volumes": [bind(root / "pgdata", "/var/lib/postgresql/data")]},
    }
    plan = make_plan(root, services, settings)
    assert strategies(plan) == {"mailer": "restart", "db": "restart"}
    assert plan.service("mailer").watch == (root / "conf",)
    assert plan.service("db").watch == (root / "db/init.sql",)  # not the data folder
    assert "./conf is watched (`watch` in the devloop settings)" in plan.service("mailer").reason


def test_reload_dirs_are_read_relative_to_the_dockerfile_workdir(root: Path) -> None:
    command = ["uvicorn", "app.main:app", "--reload", "--reload-dir", "app"]
    plan = make_plan(root, {"api": code_service(root, command)})
    assert plan.service("api").workdir is not None
    assert str(plan.service("api").workdir) == "/code"
