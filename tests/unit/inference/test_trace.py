"""Following the process to what really runs: start scripts (copied or mounted), package.json scripts,
reloader configs, where each file comes from on the host, and where compose keys are written."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from devloop.inference.locate import origins, script_paths
from devloop.inference.scripts import (
    air_config,
    config_files,
    installed_files,
    nodemon_file,
    package_script,
    script_command,
)
from devloop.inference.sourcelines import compose_spots, env_lines, env_origins, key_origin
from devloop.model.dockerfile import parse_dockerfile
from devloop.model.project import Bind, Strategy
from tests.unit.builders import actions, bind, build, change, make_plan, reasons, write

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
COPY ./docker/start /start
COPY docker/entrypoint.sh /usr/local/bin/
COPY . .
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["/start"]
"""
ENTRYPOINT = '#!/bin/sh\nset -e\nexec "$@"\n'
START = """\
#!/bin/bash
set -o errexit
python manage.py migrate
exec uvicorn app.main:app --reload --reload-dir app
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path, "Dockerfile", DOCKERFILE)
    write(tmp_path, "docker/start", START)
    write(tmp_path, "docker/entrypoint.sh", ENTRYPOINT)
    write(tmp_path, "requirements.txt", "fastapi\n")
    write(tmp_path, "app/main.py", "app = None\n")
    return tmp_path


def service(root: Path, **extra: Any) -> dict[str, Any]:
    return {"build": build(root), "volumes": [bind(root / "app", "/app/app")], **extra}


def test_a_start_script_copied_into_the_image_is_followed(root: Path) -> None:
    plan = make_plan(root, {"api": service(root)})
    api = plan.service("api")
    assert api.strategy is Strategy.RELOAD
    assert api.process.argv == ("/usr/local/bin/entrypoint.sh", "/start")
    assert api.trace is not None and api.trace.argv[:2] == ("uvicorn", "app.main:app")
    assert api.reason == (
        "./app:/app/app is bind-mounted and it runs `uvicorn --reload` "
        "(docker/start:4, via Dockerfile:7 ENTRYPOINT + Dockerfile:8 CMD)"
    )
    assert actions(plan, root, "docker/start", "docker/entrypoint.sh") == {"api": "rebuild"}
    assert reasons(plan, root, "docker/entrypoint.sh") == {
        "api": "entrypoint.sh is the start script, copied to /usr/local/bin/entrypoint.sh by "
        "`COPY docker/entrypoint.sh /usr/local/bin/` (Dockerfile:5): the container uses that copy"
    }


def test_a_followed_file_makes_the_plan_again(root: Path) -> None:
    plan = make_plan(root, {"api": service(root)})
    assert plan.read_files == {root / "docker/start", root / "docker/entrypoint.sh"}
    result = change(plan, root, "docker/start", "app/main.py")
    assert result.project_files == (root / "docker/start",)  # the model is read again
    assert {d.service: str(d.action) for d in result.decisions} == {"api": "rebuild"}  # and it is acted on


def test_a_bind_mounted_start_script_wins_over_the_copy(root: Path) -> None:
    write(root, "dev/start", "#!/bin/sh\nexec celery -A app worker\n")
    volumes = [bind(root / "app", "/app/app"), bind(root / "dev/start", "/start")]
    plan = make_plan(root, {"worker": service(root, volumes=volumes)})
    worker = plan.service("worker")
    assert worker.strategy is Strategy.RESTART
    assert "it runs `celery worker`, which does not reload (dev/start:2" in worker.reason
    assert actions(plan, root, "dev/start") == {"worker": "restart"}
    assert reasons(plan, root, "dev/start")["worker"] == (
        "start is the start script, bind-mounted at /start: the container reads it only at start"
    )


def test_a_script_run_by_a_shell_is_a_path_in_the_working_directory(root: Path) -> None:
    write(root, "app/run.sh", "#!/bin/sh\nexec flask --app main run --debug\n")
    plan = make_plan(root, {"api": service(root, command=["bash", "app/run.sh"])})
    assert plan.service("api").strategy is Strategy.RELOAD
    assert "(app/run.sh:2, via compose command after Dockerfile:7 ENTRYPOINT)" in plan.service("api").reason


def test_a_script_nothing_brings_in_is_a_safe_restart(root: Path) -> None:
    plan = make_plan(root, {"api": service(root, command=["/opt/run.sh"])})
    api = plan.service("api")
    assert api.strategy is Strategy.RESTART
    assert api.verdict.reloads is None
    assert "runs `/opt/run.sh`, which devloop cannot read (no COPY or bind mount brings it)" in api.reason


def test_a_python_script_is_not_read_as_shell(root: Path) -> None:
    write(
        root, "docker/start", "#!/usr/bin/env python3\nimport uvicorn\nuvicorn.run('app:app', reload=True)\n"
    )
    plan = make_plan(root, {"api": service(root, entrypoint=["/start"])})
    assert plan.service("api").verdict.reloads is None
    assert "a `/usr/bin/env python3` script; devloop cannot tell" in plan.service("api").reason


def test_scripts_that_call_each_other_stop(root: Path) -> None:
    write(root, "docker/start", "#!/bin/sh\nexec /start\n")
    plan = make_plan(root, {"api": service(root, entrypoint=["/start"])})
    assert plan.service("api").strategy is Strategy.RESTART


def test_reload_dirs_from_a_script_scope_the_reload(root: Path) -> None:
    write(root, "lib/util.py")
    plan = make_plan(root, {"api": service(root, volumes=[bind(root, "/app")])})
    assert actions(plan, root, "app/main.py", "lib/util.py") == {"api": "restart"}
    assert actions(plan, root, "app/main.py") == {"api": "reload"}
    assert reasons(plan, root, "lib/util.py")["api"] == (
        "util.py is under bind .:/app, outside what `uvicorn` watches (*.py in /app/app; "
        "docker/start:4, via Dockerfile:7 ENTRYPOINT + Dockerfile:8 CMD)"
    )


def test_package_scripts(root: Path) -> None:
    write(root, "web/package.json", '{\n  "scripts": {\n    "dev": "nodemon --ext js src/index.js"\n  }\n}\n')
    write(root, "web/Dockerfile", "FROM node:22\nWORKDIR /srv\nCOPY package.json .\nCOPY . .\n")
    web = {"build": build(root / "web"), "command": "npm run dev -- --inspect",
           "volumes": [bind(root / "web/src", "/srv/src")]}  # fmt: skip
    plan = make_plan(root, {"web": web})
    assert plan.service("web").trace.argv == ("nodemon", "--ext", "js", "src/index.js", "--inspect")  # type: ignore[union-attr]
    assert "(web/package.json:3 scripts.dev, via compose command)" in plan.service("web").reason
    write(root, "web/src/a.js")
    assert actions(plan, root, "web/src/a.js", "web/src/a.css") == {"web": "restart"}
    assert actions(plan, root, "web/src/a.js") == {"web": "reload"}


def test_an_image_only_service_restarts_for_what_it_installs_at_start(root: Path) -> None:
    command = ["sh", "-c", "pip install -r deps/dev.txt && exec flask --app app run --debug"]
    svc = {"image": "python:3.12", "working_dir": "/srv", "command": command, "volumes": [bind(root, "/srv")]}
    plan = make_plan(root, {"web": svc})
    assert actions(plan, root, "deps/dev.txt") == {"web": "restart"}
    assert reasons(plan, root, "deps/dev.txt")["web"] == (
        "dev.txt is installed at start by `pip install -r deps/dev.txt` (compose command): "
        "a restart installs it again"
    )


def test_gunicorn_config_file(root: Path) -> None:
    write(root, "gunicorn.conf.py", "bind = ':8000'\nreload = True\nreload_extra_files = ['app/t.html']\n")
    volumes = [bind(root / "app", "/app/app"), bind(root / "gunicorn.conf.py", "/app/gunicorn.conf.py")]
    plan = make_plan(root, {"api": service(root, command="gunicorn app.main:app", volumes=volumes)})
    api = plan.service("api")
    assert api.strategy is Strategy.RELOAD
    assert "`reload = True` in gunicorn.conf.py makes `gunicorn` reload (gunicorn.conf.py:2" in api.reason
    assert actions(plan, root, "app/t.html", "app/x.py") == {"api": "reload"}
    assert actions(plan, root, "app/other.html") == {"api": "restart"}
    assert actions(plan, root, "gunicorn.conf.py") == {"api": "restart"}


def test_origins_bind_first_then_the_last_copy() -> None:
    dockerfile = parse_dockerfile(
        "FROM x\nWORKDIR /app\nCOPY scripts/ /usr/local/bin/\nCOPY start.sh /start\nCOPY *.sh /bin/\n"
        "COPY --from=build /out /out\nCOPY . .\n"
    )
    copies = dockerfile.stages[0].copies
    context = Path("/ctx")
    hosts = [o.host for o in origins(PurePosixPath("/start"), (), copies, context)]
    assert hosts == [Path("/ctx/start.sh")]
    assert [o.host for o in origins(PurePosixPath("/usr/local/bin/run"), (), copies, context)] == [
        Path("/ctx/scripts/run")
    ]
    assert [o.host for o in origins(PurePosixPath("/bin/go.sh"), (), copies, context)] == [Path("/ctx/go.sh")]
    assert [o.host for o in origins(PurePosixPath("/app/x/y.py"), (), copies, context)] == [
        Path("/ctx/x/y.py")
    ]
    assert origins(PurePosixPath("/out/bin"), (), copies, context) == []
    binds = (
        Bind(Path("/host/dev"), PurePosixPath("/app")),
        Bind(Path("/host/start"), PurePosixPath("/start")),
    )
    assert [o.host for o in origins(PurePosixPath("/start"), binds, copies, context)] == [Path("/host/start")]
    assert [o.host for o in origins(PurePosixPath("/app/x.py"), binds, copies, context)] == [
        Path("/host/dev/x.py")
    ]


def test_script_paths() -> None:
    assert script_paths("/start", "/app") == [PurePosixPath("/start")]
    assert script_paths("./bin/run.sh", "/app") == [PurePosixPath("/app/bin/run.sh")]
    assert script_paths("run", None)[:2] == [
        PurePosixPath("/usr/local/sbin/run"),
        PurePosixPath("/usr/local/bin/run"),
    ]


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        (["npm", "run", "dev"], ("dev", ())),
        (["npm", "run", "dev", "--", "--port", "3000"], ("dev", ("--port", "3000"))),
        (["npm", "start"], ("start", ())),
        (["npm", "run-script", "watch"], ("watch", ())),
        (["yarn", "dev"], ("dev", ())),
        (["yarn", "run", "dev"], ("dev", ())),
        (["pnpm", "dev", "--host"], ("dev", ("--host",))),
        (["bun", "run", "dev"], ("dev", ())),
        (["npm", "install"], None),
        (["yarn", "install"], None),
        (["yarn"], None),
        (["npm", "exec", "vite"], None),
        (["node", "server.js"], None),
    ],
)
def test_package_script(argv: list[str], found: tuple[str, tuple[str, ...]] | None) -> None:
    assert package_script(argv) == found


def test_script_command_and_its_line() -> None:
    text = '{\n  "name": "x",\n  "scripts": {\n    "start": "node a.js",\n    "dev": "vite"\n  }\n}\n'
    assert script_command(text, "dev") == ("vite", 5)
    assert script_command(text, "lint") == (None, 0)
    assert script_command('{"scripts": {}}', "start") == ("node server.js", 0)  # npm's default
    assert script_command("not json", "dev") == (None, 0)


def test_reloader_configs() -> None:
    air = air_config('root = "."\n[build]\n  include_ext = ["go"]\n  include_dir = ["cmd", "internal"]\n')
    assert (air.dirs, air.include, air.line) == (("cmd", "internal"), ("*.go",), 3)
    assert air_config("[build]\n").exclude == ("assets", "tmp", "vendor", "testdata")
    nodemon = nodemon_file('{"watch": ["src"], "ext": "ts,json", "ignore": ["*.test.ts"]}')
    assert (nodemon.dirs, nodemon.include, nodemon.exclude) == (("src",), ("*.ts", "*.json"), ("*.test.ts",))


@pytest.mark.parametrize(
    ("program", "argv", "env", "files"),
    [
        ("uvicorn", ["uvicorn", "a:b", "--env-file", ".env.dev"], {}, (".env.dev",)),
        ("air", ["air"], {}, (".air.toml",)),
        ("nodemon", ["nodemon", "a.js"], {}, ("nodemon.json",)),
        ("celery worker", ["celery", "worker"], {}, ()),
    ],
)
def test_config_files(program: str, argv: list[str], env: dict[str, str], files: tuple[str, ...]) -> None:
    assert config_files(program, argv, env) == files


@pytest.mark.parametrize(
    ("argv", "files"),
    [
        (["pip", "install", "-r", "requirements/dev.txt"], ("requirements/dev.txt",)),
        (
            ["python", "-m", "pip", "install", "--no-cache-dir", "-r", "a.txt", "-c", "c.txt"],
            ("a.txt", "c.txt"),
        ),
        (["pip", "install", "-e", "."], ("pyproject.toml", "setup.py", "setup.cfg")),
        (["uv", "pip", "install", "-r", "r.txt"], ("r.txt",)),
        (["npm", "ci"], ("package.json", "package-lock.json")),
        (["yarn"], ("package.json", "yarn.lock")),
        (["poetry", "install"], ("pyproject.toml", "poetry.lock")),
        (["uv", "sync"], ("pyproject.toml", "uv.lock")),
        (["pip", "--version"], ()),
        (["python", "manage.py", "migrate"], ()),
    ],
)
def test_installed_files(argv: list[str], files: tuple[str, ...]) -> None:
    assert installed_files(argv) == files


COMPOSE = """\
name: shop
x-base: &base
  image: python
services:
  api:
    <<: *base
    command: uvicorn app:app ${RELOAD_FLAG}  # the flag comes from .env
    environment:
      DEBUG: ${DEBUG:-0}
      PLAIN: "1"
    env_file: [.env.api]
    volumes:
      - ./app:/app/app
      - type: bind
        source: ./conf
        target: /etc/app
  worker:
    command: ["celery", "worker", "--pidfile=$$HOME/x.pid"]
    environment:
      - ROLE=worker
    develop:
      watch:
        - action: sync
          path: ./src
        - action: rebuild
          path: requirements.txt
"""


def test_compose_spots() -> None:
    spots = compose_spots(
        [("compose.yaml", COMPOSE), ("override.yaml", "services:\n  worker:\n    command: x\n")]
    )
    api, worker = spots["api"], spots["worker"]
    assert api.at["command"] == "compose.yaml:7"
    assert api.refs["command"] == ("RELOAD_FLAG",)
    assert (api.at["env:DEBUG"], api.refs["env:DEBUG"], api.at["env:PLAIN"]) == (
        "compose.yaml:9",
        ("DEBUG",),
        "compose.yaml:10",
    )
    assert api.env_files == [".env.api"]
    assert (api.at["mount:/app/app"], api.at["mount:/etc/app"]) == ("compose.yaml:13", "compose.yaml:14")
    assert worker.at["command"] == "override.yaml:3"  # a later file wins
    assert worker.at["env:ROLE"] == "compose.yaml:20"
    assert (worker.at["watch:0"], worker.at["watch:1"]) == ("compose.yaml:23", "compose.yaml:25")
    dotenv = env_lines(".env", "# comment\nRELOAD_FLAG=--reload\nexport DEBUG=1\n")
    assert dotenv == {"RELOAD_FLAG": ".env:2", "DEBUG": ".env:3"}
    assert key_origin(api, "command", dotenv) == "compose.yaml:7 command with RELOAD_FLAG from .env:2"
    assert key_origin(api, "entrypoint", dotenv) is None
    origins_found = env_origins(api, dotenv, {"FROM_FILE": ".env.api:1"})
    assert origins_found == {
        "FROM_FILE": ".env.api:1",
        "DEBUG": ".env:3 via compose.yaml:9",
        "PLAIN": "compose.yaml:10",
    }
    assert compose_spots([("c.yaml", COMPOSE)])["worker"].refs["command"] == ()  # `$$` is not interpolated
