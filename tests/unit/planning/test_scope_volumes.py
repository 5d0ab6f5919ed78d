"""What a reloader watches (scope), mounts that land outside where the code runs (placement), volumes
over the image's dependencies (renewed on rebuild), and the doctor finding for a misplaced mount."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import anyio
import pytest

from devloop.adapters import compose
from devloop.adapters.compose import ComposeOptions
from devloop.checks.images import misplaced_findings
from devloop.inference.reloaders import detect_reload, split_command
from devloop.inference.scope import Scope, scope_of
from devloop.model.project import Strategy
from devloop.planning.depvolumes import volume_notices
from tests.unit.builders import actions as routed
from tests.unit.builders import bind, build, make_plan, reasons, write

P = PurePosixPath


@pytest.mark.parametrize(
    ("command", "env", "include", "exclude", "dirs", "recursive"),
    [
        ("uvicorn a:b --reload", {}, ("*.py",), (), (), True),
        ("uvicorn a:b --reload --reload-include '*.html' --reload-exclude 'tests/*'", {},
         ("*.py", "*.html"), ("tests/*",), (), True),
        ("gunicorn --reload --reload-extra-file conf/a.yaml a:b", {}, ("*.py", "conf/a.yaml"), (), (), True),
        ("gunicorn a:b", {"GUNICORN_CMD_ARGS": "--reload --reload-extra-file x.txt"},
         ("*.py", "x.txt"), (), (), True),
        ("watchfiles --filter python 'celery -A x worker' src", {},
         ("*.py", "*.pyx", "*.pyd"), (), ("src",), True),
        ("watchfiles --ignore-paths a,b app", {}, (), ("a", "b"), (), True),
        ("watchmedo auto-restart -d src -p '*.py;*.txt' -- celery", {},
         ("*.py", "*.txt"), (), ("src",), False),
        ("watchmedo auto-restart --pattern='*.py' --recursive -- celery", {}, ("*.py",), (), (), True),
        ("nodemon src/index.ts", {}, ("*.js", "*.mjs", "*.cjs", "*.json", "*.ts"), (), (), True),
        ("nodemon -e js,hbs -i 'test/*' -w src a.js", {}, ("*.js", "*.hbs"), ("test/*",), ("src",), True),
    ],
)  # fmt: skip
def test_what_reloaders_watch(
    command: str, env: dict[str, str], include: tuple[str, ...], exclude: tuple[str, ...],
    dirs: tuple[str, ...], recursive: bool,
) -> None:  # fmt: skip
    verdict = detect_reload(split_command(command), env)
    assert verdict.reloads is True
    assert (verdict.include, verdict.exclude, verdict.reload_dirs, verdict.recursive) == (
        include, exclude, dirs, recursive
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "reloads", "key"),
    [
        ({"FLASK_RUN_RELOAD": "true"}, True, "FLASK_RUN_RELOAD"),
        ({"FLASK_RUN_RELOAD": "false", "FLASK_DEBUG": "1"}, False, None),
        ({"FLASK_DEBUG": "1"}, True, "FLASK_DEBUG"),
    ],
)
def test_flask_environment_switches_name_their_variable(
    env: dict[str, str], reloads: bool, key: str | None
) -> None:
    verdict = detect_reload(["flask", "run"], env)
    assert (verdict.reloads, verdict.env_key) == (reloads, key)


def test_scope_matching() -> None:
    scope = Scope.build(
        (P("/app/src"),), ("*.py", "templates/*.html"), ("generated", "**/*_test.py"), True, P("/app")
    )
    assert scope.covers(P("/app/src/main.py"))
    assert scope.covers(P("/app/src/templates/index.html"))
    assert not scope.covers(P("/app/src/static/index.html"))
    assert not scope.covers(P("/app/src/generated/models.py"))  # an excluded folder, under each root
    assert not scope.covers(P("/app/src/a/b_test.py"))
    assert not scope.covers(P("/app/lib/util.py"))
    assert scope.folder(P("/app/lib")) is False
    test = scope.folder(P("/app/src/pkg"))
    assert callable(test) and test("x.py") and not test("x.css")
    assert Scope.build((P("/app"),), recursive=False).folder(P("/app/sub")) is False
    assert Scope.build((P("/app"),)).folder(P("/app/sub")) is True


def test_scope_of_uses_the_working_directory() -> None:
    verdict = detect_reload(["uvicorn", "a:b", "--reload"])
    scope = scope_of(verdict, P("/code"))
    assert scope is not None and scope.roots == (P("/code"),)
    assert scope_of(verdict, None) is not None and scope_of(verdict, None).roots == ()  # type: ignore[union-attr]
    assert scope_of(detect_reload(["python", "manage.py", "runserver"]), P("/code")) is None  # every file
    assert scope_of(detect_reload(["celery", "worker"]), P("/code")) is None


MISPLACED = 'FROM python\nWORKDIR /srv\nCOPY . /srv\nCMD ["gunicorn", "app.main:app"]\n'


def misplaced_plan(root: Path, volumes: list[dict[str, Any]], **extra: Any) -> Any:
    write(root, "Dockerfile", MISPLACED)
    write(root, "app/main.py", "app = None\n")
    service = {"build": build(root), "command": ["uvicorn", "app.main:app", "--reload"], "volumes": volumes}
    return make_plan(root, {"api": {**service, **extra}})


def test_a_mount_outside_where_the_code_runs_is_misplaced(tmp_path: Path) -> None:
    plan = misplaced_plan(tmp_path, [bind(tmp_path / "app", "/code/app")])
    api = plan.service("api")
    assert api.strategy is Strategy.REBUILD
    assert [(m.runs_from, m.baked_at, m.evidence) for m in api.misplaced] == [
        (P("/srv"), P("/srv/app"), "Dockerfile:2 WORKDIR")
    ]
    assert routed(plan, tmp_path, "app/main.py") == {"api": "rebuild"}
    assert "the mount looks misplaced, so it is rebuilt" in reasons(plan, tmp_path, "app/main.py")["api"]
    [finding] = misplaced_findings(plan)
    assert (finding.level, finding.service, finding.check) == ("warning", "api", "mount")
    assert finding.message.startswith("./app:/code/app looks misplaced: it lands outside /srv")
    assert finding.hint == "mount it where the process reads the code: `./app:/srv/app`"


@pytest.mark.parametrize(
    ("volumes", "extra"),
    [
        ([("app", "/srv/app")], {}),  # where the process looks
        ([("app", "/code/app")], {"working_dir": "/code"}),  # the working directory moved with it
        ([("app", "/code/app")], {"environment": {"PYTHONPATH": "/code"}}),  # on the import path
        ([(".", "/srv"), ("app/static", "/static")], {}),  # static files elsewhere, the code is live
        ([("app/static", "/var/www")], {}),  # not where the entry point lives
    ],
)
def test_mounts_that_are_not_misplaced(
    tmp_path: Path, volumes: list[tuple[str, str]], extra: dict[str, Any]
) -> None:
    plan = misplaced_plan(tmp_path, [bind(tmp_path / s, t) for s, t in volumes], **extra)
    assert plan.service("api").misplaced == ()
    assert misplaced_findings(plan) == []


def test_dependency_volumes_are_renewed_on_rebuild(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        'FROM node\nWORKDIR /app\nENV VIRTUAL_ENV=/opt/env\nCOPY . .\nCMD ["node", "a.js"]\n',
    )
    write(tmp_path, "package.json", "{}")
    volumes = [
        {"type": "volume", "target": "/app/node_modules"},
        {"type": "volume", "source": "env", "target": "/opt/env"},
        {"type": "volume", "source": "data", "target": "/data"},
    ]
    plan = make_plan(tmp_path, {"web": {"build": build(tmp_path), "volumes": volumes}})
    web = plan.service("web")
    assert [(str(v.target), v.name, v.why) for v in web.dependency_volumes] == [
        ("/app/node_modules", None, "node_modules"),
        ("/opt/env", "demo_env", "VIRTUAL_ENV"),
    ]
    assert web.renews_anon_volumes
    assert reasons(plan, tmp_path, "package.json")["web"] == (
        "package.json is a dependency file in the build context; the rebuild renews the anonymous volume "
        "at /app/node_modules (--renew-anon-volumes); the named volume demo_env at /opt/env (VIRTUAL_ENV) "
        "keeps the old dependencies: remove it with `docker compose rm -sf web && docker volume rm demo_env`"
    )
    [(message, hint)] = volume_notices("web", web.dependency_volumes)
    assert message.startswith("web: the named volume demo_env at /opt/env (VIRTUAL_ENV) hides")
    assert hint == "remove it with `docker compose rm -sf web && docker volume rm demo_env`, then " \
        "`docker compose up -d web`"  # fmt: skip


def test_image_only_services_have_no_dependency_volumes_to_renew(tmp_path: Path) -> None:
    service = {"image": "node", "volumes": [{"type": "volume", "target": "/app/node_modules"}]}
    assert make_plan(tmp_path, {"web": service}).service("web").dependency_volumes == ()


def test_compose_up_renews_anonymous_volumes_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[list[str]] = []

    async def fake_run(argv: list[str], environ: object, cwd: Path) -> tuple[int, str]:
        seen.append(list(argv))
        return 0, ""

    monkeypatch.setattr(compose, "run_command", fake_run)
    options = ComposeOptions(project_name="p", cwd=tmp_path)
    anyio.run(lambda: compose.up(options, ["api"], build=True, renew_anon_volumes=True))
    anyio.run(lambda: compose.up(options, ["api"], build=True))
    assert "--renew-anon-volumes" in seen[0]
    assert seen[0][-1] == "api"
    assert "--renew-anon-volumes" not in seen[1]
