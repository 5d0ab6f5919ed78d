"""Unit tests for devloop.inference.reloaders: does a container's process reload itself on source changes?"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from devloop.inference.reloaders import ReloadVerdict, detect_reload, split_command

Command = str | Sequence[str]


def verdict(command: Command, env: dict[str, str] | None = None) -> ReloadVerdict:
    return detect_reload(split_command(command), env)


# (command as a Compose string or list, reloads, program)
RELOADERS: list[tuple[Command, bool, str]] = [
    ("uvicorn app.main:app --host 0.0.0.0 --reload", True, "uvicorn"),
    (["uvicorn", "app:app", "--reload"], True, "uvicorn"),
    ("/usr/local/bin/uvicorn app:app --reload --port 8000", True, "uvicorn"),
    ("hypercorn app:app --reload", True, "hypercorn"),
    ("gunicorn app:app --reload -b 0.0.0.0:8000", True, "gunicorn"),
    (["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "--reload", "app:app"], True, "gunicorn"),
    ("flask run --debug", True, "flask run"),
    ("flask --debug run --host 0.0.0.0", True, "flask run"),
    ("flask --app app run --reload", True, "flask run"),
    ("flask -A app run --debug", True, "flask run"),
    ("python manage.py runserver 0.0.0.0:8000", True, "manage.py runserver"),
    (["./manage.py", "runserver"], True, "manage.py runserver"),
    ("python /app/src/manage.py runserver_plus", True, "manage.py runserver_plus"),
    ("django-admin runserver", True, "django-admin runserver"),
    ("python -m django runserver", True, "django-admin runserver"),
    ("watchmedo auto-restart -d src -p '*.py' -R -- celery -A app worker", True, "watchmedo auto-restart"),
    ("python -m watchdog.watchmedo auto-restart -- python app.py", True, "watchmedo auto-restart"),
    ("watchfiles 'celery -A app worker' src lib", True, "watchfiles"),
    (["python", "-m", "watchfiles", "--filter", "python", "uvicorn app:app"], True, "watchfiles"),
    ("nodemon server.js", True, "nodemon"),
    ("nodemon --watch src -e js,ts server.js", True, "nodemon"),
    ("node --watch server.js", True, "node server.js"),
    ("node --watch-path=./src server.js", True, "node server.js"),
    ("air", True, "air"),
    ("air -c .air.toml", True, "air"),
    ("ts-node-dev --respawn src/index.ts", True, "ts-node-dev"),
    ("tsx watch src/index.ts", True, "tsx watch"),
    ("next dev", True, "next dev"),
    ("next dev --turbo -p 3000", True, "next dev"),
    ("vite", True, "vite"),
    ("vite dev", True, "vite dev"),
    ("vite serve --port 5173", True, "vite serve"),
    ("vite --host 0.0.0.0 --port 5173", True, "vite"),
]

NON_RELOADERS: list[tuple[Command, bool, str]] = [
    ("celery -A app worker -l info", False, "celery worker"),
    ("celery worker -A app", False, "celery worker"),
    (["celery", "--app=proj", "beat"], False, "celery beat"),
    ("celery -A worker worker", False, "celery worker"),
    ("celery -A beat worker --loglevel INFO", False, "celery worker"),
    ("gunicorn app:app -w 4", False, "gunicorn"),
    ("gunicorn --reload-engine poll app:app", False, "gunicorn"),
    ("uvicorn app:app", False, "uvicorn"),
    ("uvicorn app:app --reload-dir src", False, "uvicorn"),
    ("uvicorn app:app --reload-dir=src", False, "uvicorn"),
    ("uvicorn app:app --reload=true", False, "uvicorn"),
    ("hypercorn app:app", False, "hypercorn"),
    ("python manage.py runserver --noreload", False, "manage.py runserver"),
    ("django-admin runserver 0.0.0.0:8000 --noreload", False, "django-admin runserver"),
    ("flask run", False, "flask run"),
    ("flask --app app run --host 0.0.0.0", False, "flask run"),
    ("flask run --debug --no-reload", False, "flask run"),
    ("node server.js", False, "node server.js"),
    ("node server.js --watch", False, "node server.js"),  # a flag for the script, not for node
    ("node -r dotenv/config dist/main.js", False, "node dist/main.js"),
    ("tsx src/index.ts", False, "tsx"),
    ("next start", False, "next start"),
    ("vite build", False, "vite build"),
    ("vite preview --port 4173", False, "vite preview"),
    ("python app.py", False, "python app.py"),
    ("python3 -u app.py --port 8000", False, "python app.py"),
    ("python -m mypackage", False, "python -m mypackage"),
    ("python3.11 -OO -m mypackage.server", False, "python -m mypackage.server"),
    ("redis-server", False, "redis-server"),
    ("redis-server /usr/local/etc/redis/redis.conf", False, "redis-server"),
    (["postgres", "-c", "max_connections=200"], False, "postgres"),
]


@pytest.mark.parametrize(("command", "reloads", "program"), RELOADERS + NON_RELOADERS)
def test_known_programs(command: Command, reloads: bool, program: str) -> None:
    result = verdict(command)
    assert (result.reloads, result.program) == (reloads, program), result.reason


UNKNOWN: list[tuple[Command, str | None]] = [
    ([], None),
    ("", None),
    ("./start.sh", "./start.sh"),
    ("/entrypoint.sh", "/entrypoint.sh"),
    (["/start"], "/start"),
    ("/docker-entrypoint.sh postgres", "/docker-entrypoint.sh"),
    ("bash start.sh", "start.sh"),
    ("sh -c ./run.sh", "./run.sh"),
    ("sh", "sh"),
    ("npm run dev", "npm"),
    ("yarn dev", "yarn"),
    ("java -jar app.jar", "java"),
    ("python -c 'import app; app.main()'", "python"),
    ("python", "python"),
    ("flask db upgrade", "flask"),
    ("flask", "flask"),
    ("python manage.py migrate", "manage.py"),
    ("celery -A app flower", "celery"),
    ("watchmedo shell-command --command='make' src", "watchmedo"),
    ("watchfiles --version", "watchfiles"),
    ("wait-for-it db:5432", "wait-for-it"),
    ("next lint", "next"),
    ("node", "node"),
    ("tini", "tini"),
]


@pytest.mark.parametrize(("command", "program"), UNKNOWN)
def test_cannot_tell(command: Command, program: str | None) -> None:
    result = verdict(command)
    assert result.reloads is None
    assert result.program == program
    assert "cannot tell" in result.reason


@pytest.mark.parametrize("command", [None, "", []])
def test_empty_command_cannot_tell(command: str | list[str] | None) -> None:
    assert detect_reload(split_command(command)) == ReloadVerdict(
        None, None, "no command; devloop cannot tell whether it reloads"
    )


WRAPPED = "uvicorn app:app --reload"
WRAPPERS: list[Command] = [
    f"sh -c '{WRAPPED}'",
    ["sh", "-c", WRAPPED],
    f"bash -c '{WRAPPED}'",
    ["/bin/sh", "-ec", WRAPPED],
    f"/bin/bash -lc '{WRAPPED}'",
    f"bash -o pipefail -c '{WRAPPED}'",
    f"sh -c 'exec {WRAPPED}'",
    f"exec {WRAPPED}",
    f"exec -a api {WRAPPED}",
    f"env PYTHONUNBUFFERED=1 {WRAPPED}",
    f"env -i PATH=/usr/bin {WRAPPED}",
    f"PYTHONUNBUFFERED=1 {WRAPPED}",
    f"python -m {WRAPPED}",
    f"python3 -m {WRAPPED}",
    f"python3.11 -m {WRAPPED}",
    f"/usr/local/bin/python3 -u -m {WRAPPED}",
    f"python -um {WRAPPED}",
    f"poetry run {WRAPPED}",
    f"poetry run python -m {WRAPPED}",
    f"uv run {WRAPPED}",
    f"uv run --with httpx --no-sync {WRAPPED}",
    f"uv run -- {WRAPPED}",
    f"pipenv run {WRAPPED}",
    f"dumb-init {WRAPPED}",
    f"dumb-init --single-child -- {WRAPPED}",
    f"/usr/bin/dumb-init -r 15:2 {WRAPPED}",
    f"tini -- {WRAPPED}",
    f"tini -s -- {WRAPPED}",
    f"/sbin/tini -g -- {WRAPPED}",
    f"gosu app {WRAPPED}",
    f"su-exec app:app {WRAPPED}",
    f"wait-for-it db:5432 -- {WRAPPED}",
    f"/wait-for-it.sh db:5432 -t 30 -- {WRAPPED}",
    f"ddtrace-run {WRAPPED}",
    f"newrelic-admin run-program {WRAPPED}",
    f"opentelemetry-instrument --traces_exporter console --service_name api {WRAPPED}",
    f"opentelemetry-instrument --traces_exporter=console {WRAPPED}",
    f"npx {WRAPPED}",
    f"python -m debugpy --listen 0.0.0.0:5678 --wait-for-client -m {WRAPPED}",
    f"tini -- gosu app sh -c 'cd /app && exec poetry run {WRAPPED}'",
    f"time {WRAPPED}",
    f"/usr/bin/time -f %e -o /tmp/took {WRAPPED}",
    f"nice -n 10 {WRAPPED}",
    f"ionice -c 3 {WRAPPED}",
    f"stdbuf -oL -e0 {WRAPPED}",
    f"timeout 3600 {WRAPPED}",
    f"timeout -s INT -k 5 1h {WRAPPED}",
    f"chrt -b 0 {WRAPPED}",
    f"taskset -c 0-1 {WRAPPED}",
    f"nohup nice {WRAPPED}",
    f"sh -c 'time exec {WRAPPED}'",
    ["sh", "-c", 'pip install -e . && exec "$@"', "--", *WRAPPED.split()],
    ["/bin/bash", "-c", 'exec "${@}"', "bash", *WRAPPED.split()],
]


@pytest.mark.parametrize("command", WRAPPERS)
def test_wrappers_are_unwrapped(command: Command) -> None:
    result = verdict(command)
    assert (result.reloads, result.program, result.reason) == (True, "uvicorn", "runs `uvicorn --reload`")
    assert (result.include, result.watches_cwd) == (("*.py",), True)  # uvicorn watches *.py in its folder


@pytest.mark.parametrize(
    ("command", "reloads", "program"),
    [
        ("dumb-init celery -A app worker", False, "celery worker"),
        ("tini -- /entrypoint.sh", None, "/entrypoint.sh"),
        ("gosu app python app.py", False, "python app.py"),
        ("npx nodemon server.js", True, "nodemon"),
        ("npx --yes vite", True, "vite"),
        ("poetry run flask --debug run", True, "flask run"),
        ("debugpy --listen 5678 app.py", False, "python app.py"),
    ],
)
def test_wrappers_keep_the_inner_verdict(command: str, reloads: bool | None, program: str) -> None:
    result = verdict(command)
    assert (result.reloads, result.program) == (reloads, program)


SHELL = "<the shell itself: a script whose main command depends on its conditions>"
SCRIPTS: list[tuple[str, bool | None, str]] = [
    ("pip install -r requirements.txt && exec uvicorn app:app --reload", True, "uvicorn"),
    ("python manage.py migrate && python manage.py runserver 0.0.0.0:8000", True, "manage.py runserver"),
    ("python manage.py migrate; gunicorn app:app", False, "gunicorn"),
    ("exec uvicorn app:app --reload; echo unreachable", True, "uvicorn"),
    ("uvicorn app:app --reload 2>&1 | tee /var/log/app.log", True, "uvicorn"),
    ("uvicorn app:app --reload >/dev/null", True, "uvicorn"),
    ("uvicorn app:app --reload || sleep infinity", True, "uvicorn"),
    ("alembic upgrade head\nuvicorn app:app --reload", True, "uvicorn"),
    ("# start the api\nuvicorn app:app \\\n  --reload", True, "uvicorn"),
    ("set -e;cd /app&&flask run", False, "flask run"),
    ("celery -A app worker & uvicorn app:app", False, "uvicorn"),
    ("./wait.sh && ./start.sh", None, "./start.sh"),
    ("celery -A app worker & uvicorn app:app --reload & wait", None, "wait"),
    ('if [ "$DEBUG" = 1 ]; then exec uvicorn app:app --reload; else exec gunicorn app:app; fi', None, SHELL),
    ("while true; do uvicorn app:app --reload; sleep 1; done", None, SHELL),
]


@pytest.mark.parametrize(("script", "reloads", "program"), SCRIPTS)
def test_shell_scripts_use_their_main_command(script: str, reloads: bool | None, program: str) -> None:
    for command in (["sh", "-c", script], ["/bin/bash", "-ec", script]):
        result = detect_reload(command)
        expected = command[0] if program is SHELL else program
        assert (result.reloads, result.program) == (reloads, expected), command


ENV_SWITCHES: list[tuple[Command, dict[str, str], bool]] = [
    ("uvicorn app:app", {"UVICORN_RELOAD": "true"}, True),
    ("uvicorn app:app", {"UVICORN_RELOAD": "1"}, True),
    ("uvicorn app:app", {"UVICORN_RELOAD": "false"}, False),
    ("hypercorn app:app", {"UVICORN_RELOAD": "true"}, False),
    ("gunicorn app:app", {"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 --reload"}, True),
    ("gunicorn app:app", {"GUNICORN_CMD_ARGS": "--reload-engine poll"}, False),
    ("flask run", {"FLASK_DEBUG": "1"}, True),
    ("flask run", {"FLASK_DEBUG": "true"}, True),
    ("flask run", {"FLASK_DEBUG": "YES"}, True),
    ("flask run", {"FLASK_DEBUG": "0"}, False),
    ("flask run", {"FLASK_DEBUG": "false"}, False),
    ("flask run", {"FLASK_ENV": "development"}, True),
    ("flask run", {"FLASK_ENV": "development", "FLASK_DEBUG": "0"}, False),
    ("flask run", {"FLASK_ENV": "production"}, False),
    ("flask run --no-debug", {"FLASK_DEBUG": "1"}, False),
    ("flask run --no-reload", {"FLASK_DEBUG": "1"}, False),
    ("FLASK_DEBUG=1 flask run", {}, True),
    ("env FLASK_DEBUG=1 flask run", {}, True),
    ("FLASK_DEBUG=0 flask run", {"FLASK_DEBUG": "1"}, False),
    ("env UVICORN_RELOAD=yes uvicorn app:app", {}, True),
    (["sh", "-c", "export FLASK_DEBUG=1 && flask run"], {}, True),
    (["sh", "-c", "FLASK_DEBUG=1 flask run"], {}, True),
    ("python app.py", {"FLASK_DEBUG": "1", "UVICORN_RELOAD": "1"}, False),
]


@pytest.mark.parametrize(("command", "env", "reloads"), ENV_SWITCHES)
def test_environment_switches(command: Command, env: dict[str, str], reloads: bool) -> None:
    assert verdict(command, env).reloads is reloads


def test_environment_is_not_mutated() -> None:
    env = {"FLASK_DEBUG": "0"}
    assert verdict("FLASK_DEBUG=1 flask run", env).reloads is True
    assert env == {"FLASK_DEBUG": "0"}


GCA = "GUNICORN_CMD_ARGS"
REASONS: list[tuple[Command, dict[str, str], str]] = [
    ("uvicorn app:app --reload", {}, "runs `uvicorn --reload`"),
    ("celery -A app worker", {}, "runs `celery worker`, which does not reload"),
    ("uvicorn app:app --reload-dir src", {}, "`--reload-dir` without `--reload` does not reload"),
    ("uvicorn app:app --reload-include=*.html", {}, "`--reload-include` without `--reload` does not reload"),
    ("uvicorn app:app", {}, "runs `uvicorn` without `--reload`, which does not reload"),
    ("uvicorn app:app", {"UVICORN_RELOAD": "true"}, "UVICORN_RELOAD=true makes `uvicorn` reload"),
    ("gunicorn app", {"GUNICORN_CMD_ARGS": "-w 2 --reload"}, f"`--reload` in {GCA} makes `gunicorn` reload"),
    ("gunicorn --reload-engine poll app:app", {}, "`--reload-engine` without `--reload` does not reload"),
    ("gunicorn app:app", {}, "runs `gunicorn` without `--reload`, which does not reload"),
    ("flask run", {"FLASK_DEBUG": "1"}, "FLASK_DEBUG=1 makes `flask run` reload"),
    ("flask run", {"FLASK_ENV": "development"}, "FLASK_ENV=development makes `flask run` reload"),
    ("flask --debug run", {}, "runs `flask --debug run`"),
    ("flask run --debug", {}, "runs `flask run --debug`"),
    ("flask run", {}, "runs `flask run` without debug, which does not reload"),
    ("python manage.py runserver --noreload", {}, "`runserver --noreload` does not reload"),
    ("python manage.py runserver", {}, "runs `manage.py runserver`, which reloads by default"),
    ("watchmedo auto-restart -- celery", {}, "runs `watchmedo auto-restart`, which restarts on changes"),
    ("node --watch server.js", {}, "runs `node --watch`"),
    ("python app.py", {}, "runs `python app.py`, which does not reload"),
    ("next dev", {}, "runs `next dev`, a dev server that reloads"),
    ("./start.sh", {}, "runs `./start.sh`; devloop cannot tell whether it reloads"),
    ("npm run dev", {}, "runs `npm run dev`; devloop cannot tell whether it reloads"),
]


@pytest.mark.parametrize(("command", "env", "reason"), REASONS)
def test_reasons(command: Command, env: dict[str, str], reason: str) -> None:
    assert verdict(command, env).reason == reason


RELOAD_DIRS: list[tuple[Command, dict[str, str], tuple[str, ...]]] = [
    ("uvicorn app:app --reload", {}, ()),
    ("uvicorn app:app --reload --reload-dir src --reload-dir=lib", {}, ("src", "lib")),
    ("uvicorn app:app --reload-dir /app/src", {"UVICORN_RELOAD": "1"}, ("/app/src",)),
    ("uvicorn app:app --reload-dir src", {}, ()),  # no reload, so nothing is watched
    ("hypercorn app:app --reload --reload-dir src", {}, ("src",)),
    ("watchmedo auto-restart --directory=./app -d lib -p '*.py' -- python app.py -d x", {}, ("./app", "lib")),
    ("watchfiles 'celery -A app worker' src lib", {}, ("src", "lib")),
    ("watchfiles --filter python --sigint-timeout 5 'uvicorn app:app'", {}, ()),
    ("python -m watchfiles app.main ./src", {}, ("./src",)),
    ("nodemon --watch src -w lib server.js", {}, ("src", "lib")),
    ("nodemon --watch=src server.js", {}, ("src",)),
    ("node --watch-path=./src --watch-path ./lib server.js", {}, ("./src", "./lib")),
    ("gunicorn --reload app:app", {}, ()),
]


@pytest.mark.parametrize(("command", "env", "dirs"), RELOAD_DIRS)
def test_reload_dirs(command: Command, env: dict[str, str], dirs: tuple[str, ...]) -> None:
    assert verdict(command, env).reload_dirs == dirs


ALL_COMMANDS = [c for c, _, _ in RELOADERS + NON_RELOADERS] + [c for c, _ in UNKNOWN] + WRAPPERS


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_reasons_are_short_and_quote_something(command: Command) -> None:
    reason = verdict(command).reason
    assert len(reason) < 90
    assert reason.count("`") >= 2 or reason.startswith("no command")


@pytest.mark.parametrize("command", [c for c, _ in UNKNOWN] + [c for c, _, _ in NON_RELOADERS])
def test_never_guesses_true_under_a_wrapper(command: Command) -> None:
    argv = split_command(command)
    assert detect_reload(["tini", "--", *argv]).reloads is not True
    assert detect_reload(["sh", "-c", " ".join(argv)]).reloads is not True


@pytest.mark.parametrize(
    ("value", "argv"),
    [
        (None, []),
        ("", []),
        ("uvicorn app:app --reload", ["uvicorn", "app:app", "--reload"]),
        ("sh -c 'echo hi && exec app'", ["sh", "-c", "echo hi && exec app"]),
        (["uvicorn", "app:app"], ["uvicorn", "app:app"]),
        (("celery", "worker"), ["celery", "worker"]),
        ('echo "unbalanced', ["echo", '"unbalanced']),
    ],
)
def test_split_command(value: str | Sequence[str] | None, argv: list[str]) -> None:
    assert split_command(value) == argv


def test_verdict_is_frozen() -> None:
    result = verdict("uvicorn app:app --reload")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.reloads = False  # type: ignore[misc]
    assert result.reload_dirs == ()


def test_long_unknown_commands_are_shortened() -> None:
    result = verdict("/opt/some/really/long/path/to/a/custom/entrypoint-script.sh --with many args")
    assert result.reloads is None
    assert "..." in result.reason
    assert len(result.reason) < 90
