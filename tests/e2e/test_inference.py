"""Finding the reloader where real projects hide it (issue 10): `devloop plan --json` against the real
`docker compose config` on fixture projects of each shape (start scripts copied into the image or
bind-mounted, Dockerfile-only CMD and build targets, shell wrappers, npm scripts, env switches from
.env, reload scopes, misplaced mounts, single-file mounts, dependency volumes, develop.watch), every
reason citing the file and line of its evidence; then `devloop up` on a real engine for the two things
only an engine shows: renewing a volume that masks the image's dependencies, and restarting a service
whose single-file mount an editor replaced."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up, wait_until
from tests.e2e.test_plan import FIXTURES, copy_project, devloop, plan, strategies


def project(tmp_path: Path, name: str) -> Path:
    return copy_project(tmp_path, FIXTURES / name)


def routed(directory: Path, *args: str) -> tuple[dict[str, str], dict[str, str]]:
    data = plan(directory, *args)
    return data["actions"], data["reasons"]


def check_paths(
    directory: Path, cases: list[tuple[str, dict[str, str], dict[str, str]]], *options: str
) -> None:
    """Per changed path: the actions, and for some services a text their reason must contain."""
    for path, expected, evidence in cases:
        actions, reasons = routed(directory, *options, path)
        assert actions == expected, (path, reasons)
        for service, text in evidence.items():
            assert text in reasons[service], (path, service, reasons[service])


# -- start scripts copied into the image (cookiecutter-django) -------------------------------------


def test_start_scripts_copied_into_the_image(tmp_path: Path) -> None:
    directory = project(tmp_path, "start-scripts")
    data = plan(directory)
    assert strategies(data) == {"django": "reload", "celeryworker": "reload", "celerybeat": "restart"}
    django, worker, beat = (data["services"][n] for n in ("django", "celeryworker", "celerybeat"))
    assert django["process"] == ["/entrypoint", "/start"]
    assert django["runs"][:2] == ["uvicorn", "config.asgi:application"]
    assert django["reason"] == (
        ".:/app is bind-mounted and it runs `uvicorn --reload` (compose/local/django/start:9 after "
        "`[ ${APP_SERVER:-uvicorn} = uvicorn ]` at line 8 with APP_SERVER from .envs/.local/.django:2, "
        "via compose.yaml:13 command after Dockerfile:23 ENTRYPOINT)"
    )
    assert worker["reason"] == (
        ".:/app is bind-mounted and it runs `watchfiles`, which restarts on changes "
        "(compose/local/django/celery/worker/start:6, via compose.yaml:23 command after "
        "Dockerfile:23 ENTRYPOINT)"
    )
    assert (
        "it runs `celery beat`, which does not reload (compose/local/django/celery/beat/start:7"
        in beat["reason"]
    )
    copied = "copied to /start by `COPY ./compose/local/django/start /start` (Dockerfile:12)"
    entry = (
        "copied to /entrypoint by `COPY ./compose/production/django/entrypoint /entrypoint` (Dockerfile:9)"
    )
    rebuild = dict.fromkeys(("django", "celeryworker", "celerybeat"), "rebuild")
    check_paths(directory, [
        ("project/views.py", {"django": "reload", "celeryworker": "reload", "celerybeat": "restart"},
         {"django": "compose/local/django/start:9",
          "celerybeat": "compose/local/django/celery/beat/start:7"}),
        ("project/templates/index.html",
         {"django": "reload", "celeryworker": "restart", "celerybeat": "restart"},
         {"celeryworker": "outside what `watchfiles` watches (*.py, *.pyx, *.pyd in /app; "
                          "compose/local/django/celery/worker/start:6"}),
        ("project/static/site.css", {"django": "restart", "celeryworker": "restart", "celerybeat": "restart"},
         {"django": "outside what `uvicorn` watches (*.py, *.html in /app; compose/local/django/start:9"}),
        # django's own start script: only django runs it; the Celery services of the same build get
        # the file through their bind but never run it: nothing for them
        ("compose/local/django/start", {"django": "rebuild"},
         {"django": f"start is the start script, {copied}: the container uses that copy"}),
        ("compose/production/django/entrypoint", rebuild, dict.fromkeys(rebuild, entry)),
        ("requirements/local.txt", rebuild, {}),
    ])  # fmt: skip


# -- start scripts bind-mounted into image-only services ----------------------------------------------


def test_bind_mounted_start_scripts(tmp_path: Path) -> None:
    directory = project(tmp_path, "mounted-script")
    data = plan(directory)
    assert strategies(data) == {"flask": "reload", "web": "reload", "worker": "reload", "mystery": "restart"}
    services = data["services"]
    assert services["flask"]["reason"] == (
        "./flaskapp:/srv is bind-mounted and FLASK_DEBUG=1 makes `flask run` reload (scripts/run-flask.sh:5, "
        "via compose.yaml:13 command; FLASK_DEBUG from .env:1 via compose.yaml:9)"
    )
    assert services["web"]["reason"] == (
        "./flaskapp:/srv is bind-mounted and it runs `gunicorn --reload` (docker/entrypoint.sh:8 after "
        "`case $role in web)` at line 6 with role from docker/entrypoint.sh:4, "
        "via compose.yaml:18 entrypoint)"
    )
    assert services["worker"]["runs"][:2] == ["watchmedo", "auto-restart"]
    assert services["worker"]["runs"][-2:] == ["--concurrency", "2"]  # "$@" after `shift`
    assert services["mystery"]["reason"] == (
        "./flaskapp:/srv is bind-mounted; runs `/opt/start.sh`, which devloop cannot read (no COPY or bind "
        "mount brings it) (compose.yaml:36 command), so devloop restarts it to be safe"
    )
    assert services["mystery"]["reloads"] is None
    reloading = {"flask": "reload", "web": "reload", "worker": "reload", "mystery": "restart"}
    check_paths(directory, [
        ("flaskapp/app.py", reloading, {}),
        ("flaskapp/page.html", {**reloading, "web": "restart", "worker": "restart"},
         {"web": "outside what `gunicorn` watches (*.py; docker/entrypoint.sh:8",
          "worker": "outside what `watchmedo` watches (*.py in /srv; docker/entrypoint.sh:11"}),
        ("flaskapp/requirements.txt",
         {"flask": "restart", "web": "restart", "worker": "restart", "mystery": "restart"},
         {"flask": "requirements.txt is installed at start by `pip install --no-index -r requirements.txt` "
                   "(scripts/run-flask.sh:4): a restart installs it again"}),
        ("scripts/run-flask.sh", {"flask": "restart"},
         {"flask": "run-flask.sh is the start script, bind-mounted at /usr/local/bin/run-flask: "
                   "the container reads it only at start"}),
        ("docker/entrypoint.sh", {"web": "restart", "worker": "restart"},
         {"web": "bind-mounted at /docker/entrypoint.sh"}),
    ])  # fmt: skip


# -- the Dockerfile's CMD, build targets, wrappers, an env-decided `bash -c`, the image's CMD ---------


def test_dockerfile_commands_targets_and_wrappers(tmp_path: Path) -> None:
    directory = project(tmp_path, "dockerfile-cmd")
    data = plan(directory)
    assert strategies(data) == {
        "dev": "reload", "baked": "sync", "prod_mounted": "restart", "wrapped": "reload",
        "shell": "reload", "busy": "restart",
    }  # fmt: skip
    services = data["services"]
    assert services["dev"]["reason"] == (
        "./src:/app/src is bind-mounted and UVICORN_RELOAD=true makes `uvicorn` reload "
        "(Dockerfile:10 CMD; UVICORN_RELOAD from Dockerfile:9 ENV)"
    )
    assert services["baked"]["process_source"] == "Dockerfile:13 CMD"  # target `baked`
    assert services["prod_mounted"]["reason"].endswith("which does not reload (Dockerfile:6 CMD)")
    assert services["wrapped"]["process"] == ["tini", "--", "/app/docker-entrypoint.sh", "serve"]
    assert services["wrapped"]["runs"][:2] == ["uvicorn", "src.main:app"]  # `gosu nobody` unwrapped
    assert services["wrapped"]["reason"] == (
        "./src:/app/src is bind-mounted and it runs `uvicorn --reload` (docker-entrypoint.sh:8 after "
        "`[ $1 = serve ]` at line 4, via Dockerfile:16 ENTRYPOINT + Dockerfile:17 CMD)"
    )
    assert services["shell"]["reason"] == (
        "./src:/app/src is bind-mounted and it runs `flask run --debug` (compose.yaml:37 command after "
        "`[ $APP_ENV = dev ]` with APP_ENV from .env:1 via compose.yaml:36)"
    )
    assert services["busy"]["process_source"] == "image devloop-testbed/busybox:latest CMD"
    assert "devloop cannot tell whether it reloads" in services["busy"]["reason"]
    main = {"dev": "reload", "baked": "sync", "prod_mounted": "restart", "wrapped": "reload",
            "shell": "reload", "busy": "restart"}  # fmt: skip
    check_paths(directory, [
        ("src/main.py", main,
         {"wrapped": "docker-entrypoint.sh:8",
          "baked": "baked into the image by `COPY . .` (Dockerfile:5); live update copies it in"}),
        ("src/notes.txt", {**main, "dev": "restart", "wrapped": "restart"},
         {"dev": "outside what `uvicorn` watches (*.py in /app; Dockerfile:10 CMD",
          "wrapped": "outside what `uvicorn` watches (*.py in /app/src; docker-entrypoint.sh:8"}),
        ("docker-entrypoint.sh",  # the others' images bake it too, but only wrapped runs it
         {"wrapped": "rebuild"},
         {"wrapped": "the start script, copied to /app/docker-entrypoint.sh by `COPY . .` (Dockerfile:5)"}),
    ])  # fmt: skip


def test_the_environment_decides_the_shell_branch(tmp_path: Path) -> None:
    directory = project(tmp_path, "dockerfile-cmd")
    shell = plan(directory, env={"APP_ENV": "prod"})["services"]["shell"]
    assert shell["strategy"] == "restart"
    assert shell["runs"] == ["gunicorn", "src.main:app"]
    assert "with APP_ENV from the shell environment" in shell["reason"]


# -- npm/yarn/pnpm scripts, nodemon.json, .air.toml -------------------------------------------------------


def test_package_scripts_and_reloader_configs(tmp_path: Path) -> None:
    directory = project(tmp_path, "npm-scripts")
    data = plan(directory)
    assert strategies(data) == {
        "web": "reload", "api": "restart", "watch": "reload", "front": "reload", "next": "reload",
        "missing": "restart", "go": "reload",
    }  # fmt: skip
    services = data["services"]
    assert services["web"]["reason"] == (
        "./web/src:/usr/src/app/src is bind-mounted and it runs `nodemon`, which restarts on changes "
        "(web/nodemon.json:2, via web/package.json:5 scripts.dev, via compose.yaml:6 command)"
    )
    assert (
        "it runs `node src/server.js`, which does not reload (web/package.json:6 scripts.start"
        in (services["api"]["reason"])
    )
    assert (
        "it runs `node --watch` (web/package.json:7 scripts.watch, via compose.yaml:18 command)"
        in (services["watch"]["reason"])
    )
    assert (
        "it runs `vite`, a dev server that reloads (front/package.json:5 scripts.dev"
        in services["front"]["reason"]
    )
    assert services["next"]["runs"] == ["next", "dev", "--turbo", "-p", "3001"]
    assert (
        "web/package.json has no scripts.lint; devloop cannot tell whether it reloads"
        in (services["missing"]["reason"])
    )
    assert (
        "it runs `air`, which restarts on changes (goapp/.air.toml:6, via compose.yaml:42 command)"
        in (services["go"]["reason"])
    )
    nodemon = "outside what `nodemon` watches (*.js, *.json in /usr/src/app/src, except src/**/*.test.js"
    air = "outside what `air` watches (*.go, *.tpl in /app, except assets, tmp, vendor; goapp/.air.toml:6"
    src = {"web": "reload", "api": "restart", "watch": "reload", "missing": "restart"}
    check_paths(directory, [
        ("web/src/server.js", src, {}),
        ("web/src/style.css", {**src, "web": "restart"}, {"web": nodemon}),
        ("web/src/server.test.js", {**src, "web": "restart"}, {"web": nodemon}),
        ("front/src/main.js", {"front": "reload"}, {}),
        ("next/app/page.js", {"next": "reload"}, {"next": "next/package.json:5 scripts.dev"}),
        ("goapp/main.go", {"go": "reload"}, {}),
        ("goapp/README.md", {}, {}),  # no running process reads a README
        ("goapp/tmp/gen.go", {"go": "restart"}, {"go": air}),
        ("goapp/.air.toml", {"go": "restart"},
         {"go": ".air.toml is read by `air`, bind-mounted at /app/.air.toml: the container reads it only "
                "at start"}),
        ("web/nodemon.json", {"web": "rebuild", "api": "rebuild", "watch": "rebuild", "missing": "rebuild"},
         {"web": "nodemon.json is read by `nodemon`, copied to /usr/src/app/nodemon.json by `COPY . .` "
                 "(Dockerfile:5)"}),
    ])  # fmt: skip


# -- environment switches from .env, an env_file and gunicorn.conf.py --------------------------------


def test_environment_switches(tmp_path: Path) -> None:
    directory = project(tmp_path, "env-switches")
    data = plan(directory)
    assert strategies(data) == {
        "api": "reload", "site": "reload", "legacy": "reload", "off": "restart", "gunicorn": "reload",
        "conf": "reload",
    }  # fmt: skip
    reasons = {name: service["reason"] for name, service in data["services"].items()}
    mounted = "./app:/srv/app is bind-mounted and "
    assert reasons["api"] == mounted + (
        "UVICORN_RELOAD=true makes `uvicorn` reload (compose.yaml:11 command; UVICORN_RELOAD from .env:1 "
        "via compose.yaml:13)"
    )
    assert reasons["site"] == mounted + (
        "FLASK_DEBUG=1 makes `flask run` reload (compose.yaml:17 command; FLASK_DEBUG from flask.env:2)"
    )
    assert reasons["legacy"].endswith(
        "FLASK_ENV=development makes `flask run` reload "
        "(compose.yaml:23 command; FLASK_ENV from compose.yaml:25)"
    )
    assert reasons["gunicorn"] == mounted + (
        "`--reload` in GUNICORN_CMD_ARGS makes `gunicorn` reload (compose.yaml:35 command; GUNICORN_CMD_ARGS "
        "from .env:2 via compose.yaml:37)"
    )
    assert reasons["conf"] == mounted + (
        "`reload = True` in gunicorn.conf.py makes `gunicorn` reload (conf/gunicorn.conf.py:3, via "
        "compose.yaml:41 command)"
    )
    check_paths(directory, [
        ("app/main.py", {s: ("restart" if s == "off" else "reload") for s in reasons}, {}),
        ("conf/gunicorn.conf.py", {"conf": "restart"},
         {"conf": "gunicorn.conf.py is read by `gunicorn`, bind-mounted at /srv/gunicorn.conf.py"}),
    ])  # fmt: skip
    off = plan(directory, env={"UVICORN_RELOAD": "false", "OFF_DEBUG": "1"})["services"]
    assert (off["api"]["strategy"], off["off"]["strategy"]) == ("restart", "reload")


# -- reload scopes -------------------------------------------------------------------------------------------


def test_reload_scopes(tmp_path: Path) -> None:
    directory = project(tmp_path, "reload-scopes")
    assert set(strategies(plan(directory)).values()) == {"reload"}
    uvicorn = (
        "outside what `uvicorn` watches (*.py in /app/src, except src/generated/*; compose.yaml:7 command)"
    )
    watchmedo = (
        "outside what `watchmedo` watches (*.py, *.toml in /app/src (not in subfolders); compose.yaml:21"
    )
    watchfiles = "outside what `watchfiles` watches (every file in /app/src/jobs; compose.yaml:27 command)"
    check_paths(directory, [
        ("src/main.py", {"api": "reload", "templates": "reload", "worker": "reload", "jobs": "restart"},
         {"jobs": watchfiles, "api": "it runs `uvicorn --reload` (compose.yaml:7 command)"}),
        ("src/generated/models.py",
         {"api": "restart", "templates": "reload", "worker": "restart", "jobs": "restart"}, {"api": uvicorn}),
        ("src/sub/deep.py", {"api": "reload", "templates": "reload", "worker": "restart", "jobs": "restart"},
         {"worker": watchmedo}),
        ("src/jobs/run.py", {"api": "reload", "templates": "reload", "worker": "restart", "jobs": "reload"},
         {}),
        ("src/settings.toml",
         {"api": "restart", "templates": "reload", "worker": "reload", "jobs": "restart"},
         {}),
        ("lib/util.py", {"api": "restart", "templates": "reload", "worker": "restart", "jobs": "restart"},
         {"api": uvicorn}),
        ("templates/index.html",
         {"api": "restart", "templates": "reload", "worker": "restart", "jobs": "restart"}, {}),
    ])  # fmt: skip


# -- a misplaced mount ---------------------------------------------------------------------------------------


def test_misplaced_mount_rebuilds_and_doctor_says_so(tmp_path: Path) -> None:
    directory = project(tmp_path, "misplaced-mount")
    data = plan(directory)
    assert strategies(data) == {"api": "rebuild", "fixed": "reload", "site": "restart"}
    lands = (
        "lands outside /srv, where `uvicorn` runs from (Dockerfile:2 WORKDIR); it runs the copy "
        "`COPY . /srv` (Dockerfile:5) put at /srv/app"
    )
    assert data["services"]["api"]["reason"].startswith(
        f"./api/app:/code/app {lands}: the mount looks misplaced"
    )
    check_paths(directory, [
        ("api/app/main.py", {"api": "rebuild"},
         {"api": f"main.py is under bind ./api/app:/code/app, which {lands}: the mount looks misplaced"}),
        ("fixed/app/main.py", {"fixed": "reload"}, {}),
        ("site/static/site.css", {"site": "restart"}, {}),
    ])  # fmt: skip
    done = devloop(directory, "doctor", "--json")
    findings = [f for f in json.loads(done.stdout)["findings"] if f["check"] == "mount" and f["service"]]
    assert findings == [
        {
            "level": "warning",
            "service": "api",
            "check": "mount",
            "message": f"./api/app:/code/app (compose.yaml:10) looks misplaced: it {lands}, so edits under "
            "it do not reach the process (devloop rebuilds the service for them)",
            "hint": "mount it where the process reads the code: `./api/app:/srv/app`",
        }
    ]


# -- single-file mounts, dependency volumes, develop.watch ----------------------------------------------


def test_single_file_mount_plan(tmp_path: Path) -> None:
    directory = project(tmp_path, "single-file-mount")
    data = plan(directory)
    assert strategies(data) == {"web": "restart", "control": "none"}
    assert routed(directory, "config.json") == (
        {"web": "restart"},
        {"web": "config.json is under bind ./config.json:/www/config.json:ro, a single-file mount: an "
                "editor's save replaces the file, and the container sees the new one only after a restart"},
    )  # fmt: skip


def test_dependency_volumes_plan(tmp_path: Path) -> None:
    directory = project(tmp_path, "dependency-volumes")
    data = plan(directory, "-p", "dlt-deps", "--profile", "named")
    name = data["project"]
    services = data["services"]
    assert services["api"]["renew_volumes"] == [{"target": "/opt/deps", "volume": None, "why": "PYTHONPATH"}]
    assert services["web"]["renew_volumes"] == [
        {"target": "/usr/src/app/node_modules", "volume": f"{name}_node_modules", "why": "node_modules"}
    ]
    actions, reasons = routed(directory, "-p", name, "--profile", "named", "requirements.txt")
    assert actions == {"api": "rebuild"}
    assert reasons["api"] == (
        "requirements.txt is a dependency file in the build context; the rebuild renews the anonymous volume "
        "at /opt/deps (--renew-anon-volumes)"
    )
    actions, reasons = routed(directory, "-p", name, "--profile", "named", "web/package.json")
    assert actions == {"web": "rebuild"}
    assert reasons["web"].endswith(
        f"the named volume {name}_node_modules at /usr/src/app/node_modules (node_modules) keeps the old "
        f"dependencies: remove it with `docker compose rm -sf web && docker volume rm {name}_node_modules`"
    )


def test_develop_watch_rules_are_followed(tmp_path: Path) -> None:
    directory = project(tmp_path, "develop-watch")
    data = plan(directory)
    assert data["services"]["api"]["reason"] == (
        "follows its develop.watch rules (rebuild, sync, sync+restart) (compose.yaml:6)"
    )
    check_paths(directory, [
        ("src/main.py", {"api": "sync"}, {"api": "main.py is under its develop.watch rule `sync` of src "
                                                 "(compose.yaml:8)"}),
        ("src/tests/test_main.py", {}, {}),  # ignored by the rule
        ("config/settings.toml", {"api": "sync"},
         {"api": "under its develop.watch rule `sync+restart` of config (compose.yaml:13)"}),
        ("requirements.txt", {"api": "rebuild"},
         {"api": "under its develop.watch rule `rebuild` of requirements.txt (compose.yaml:16)"}),
        ("NOTES.md", {}, {}),  # excluded by the .dockerignore: Compose Watch skips it
    ])  # fmt: skip


# -- on a real engine: `devloop up` ------------------------------------------------------------------


@pytest.fixture
def deps_stack(tmp_path: Path) -> Iterator[Stack]:
    with stack_of(tmp_path, "dependency-volumes", ("api", "control")) as stack:
        yield stack


@pytest.fixture
def single_file_stack(tmp_path: Path) -> Iterator[Stack]:
    with stack_of(tmp_path, "single-file-mount", ("web", "control")) as stack:
        yield stack


def has_package(image: str, package: str) -> bool:
    done = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "python3", image, "-c", f"import {package}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode == 0


def test_a_rebuild_renews_the_volume_that_masks_the_dependencies(
    deps_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = deps_stack
    run = up(stack, devloop_runs)
    stack.wait_for("api", "/", {"greet_a": True, "greet_b": False}, timeout=120)
    stack.wait_for("control", "/", {"greet_a": True, "greet_b": False}, timeout=120)
    before = stack.container("api")

    mark = run.mark()
    (stack.directory / "requirements.txt").write_text("greet_a\ngreet_b\n")
    done = run.wait_event(after=mark, event="action", service="api", action="rebuild", status="succeeded",
                          timeout=300)  # fmt: skip
    assert "--renew-anon-volumes" in done["command"]
    assert "renews the anonymous volume at /opt/deps" in done["reason"]
    stack.wait_for("api", "/", {"greet_a": True, "greet_b": True}, timeout=60)  # the new package imports
    after = stack.container("api")
    assert after["Image"] != before["Image"]
    volume = [m["Name"] for m in after["Mounts"] if m["Destination"] == "/opt/deps"]
    assert volume and volume != [m["Name"] for m in before["Mounts"] if m["Destination"] == "/opt/deps"]
    assert not run.matching(service="control", event="action")  # strategy = "none": devloop leaves it alone

    # Without renewal: compose recreates `control` on the new image but hands it its old anonymous volume,
    # which hides the package the image now has.
    stack.compose("up", "-d", "--build", "--no-deps", "control")
    image = stack.container("control")["Config"]["Image"]
    assert has_package(image, "greet_b"), "the rebuilt image has the new package"
    wait_until(lambda: stack.get("control", "/", timeout=5), 60, "control to answer")
    assert stack.get("control", "/") == {"greet_a": True, "greet_b": False}


def test_a_replaced_single_file_mount_is_seen_after_a_restart(
    single_file_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = single_file_stack
    run = up(stack, devloop_runs)
    stack.wait_for("web", "/config.json", {"message": "v1"}, timeout=60)
    stack.wait_for("control", "/config.json", {"message": "v1"}, timeout=60)
    before = stack.snapshot()

    # An editor's save: write a new file and rename it over the old one (a new inode).
    mark = run.mark()
    config = stack.directory / "config.json"
    temporary = stack.directory / ".config.json.tmp"
    temporary.write_text('{"message": "v2"}\n')
    os.replace(temporary, config)
    done = run.wait_event(after=mark, event="action", service="web", action="restart", status="succeeded",
                          timeout=60)  # fmt: skip
    assert "a single-file mount" in done["reason"]
    stack.wait_for("web", "/config.json", {"message": "v2"}, timeout=30)
    after = stack.snapshot()
    assert after["web"][0] == before["web"][0] and after["web"][2] != before["web"][2], "web was restarted"
    # The container devloop left alone (strategy = "none") still sees the old file: only the restart
    # brought the new one in.
    assert after["control"] == before["control"]
    assert stack.get("control", "/config.json") == {"message": "v1"}
    assert not run.matching(service="control", event="action")
