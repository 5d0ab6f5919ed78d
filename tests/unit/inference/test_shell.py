"""devloop.inference.shell.run: which command a start script finally runs, decided by its environment
and arguments."""

from __future__ import annotations

import pytest

from devloop.inference.shell.run import run_script

COOKIECUTTER_ENTRYPOINT = """\
#!/bin/bash

set -o errexit
set -o pipefail
set -o nounset

if [ -z "${POSTGRES_USER:-}" ]; then
    base_postgres_image_default_user='postgres'
    export POSTGRES_USER="${base_postgres_image_default_user}"
fi
export DATABASE_URL="postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD:-}@postgres:5432/app"

postgres_ready() {
python << END
import sys
if True:
    sys.exit(0)
END
}
until postgres_ready; do
  >&2 echo 'Waiting for PostgreSQL to become available...'
  sleep 1
done
>&2 echo 'PostgreSQL is available'

exec "$@"
"""

BRANCHES = """\
#!/bin/sh
set -e
if [ "$APP_ENV" = "dev" ]; then
    exec uvicorn app:app --reload
elif [ "$APP_ENV" = "test" ]; then
    exec pytest
else
    exec gunicorn app:app
fi
"""

CASE = """\
case "$1" in
  web|api)
    shift
    exec gunicorn --reload app:app "$@"
    ;;
  worker) exec celery -A app worker ;;
  *)
    exec "$@"
    ;;
esac
"""


@pytest.mark.parametrize(
    ("env", "argv", "line"),
    [
        ({"APP_ENV": "dev"}, ("uvicorn", "app:app", "--reload"), 4),
        ({"APP_ENV": "test"}, ("pytest",), 6),
        ({"APP_ENV": "prod"}, ("gunicorn", "app:app"), 8),
    ],
)
def test_if_elif_else_is_decided_by_the_environment(
    env: dict[str, str], argv: tuple[str, ...], line: int
) -> None:
    run = run_script(BRANCHES, env)
    assert (run.argv, run.line) == (argv, line)
    assert run.decided[-1][0] in (3, 5)


def test_an_unknown_variable_in_a_condition_cannot_be_told() -> None:
    run = run_script(BRANCHES, {})
    assert run.argv is None
    assert run.why == "line 3: devloop cannot evaluate `[ $APP_ENV = dev ]`"


def test_a_condition_whose_branches_only_set_variables_does_not_matter() -> None:
    run = run_script(COOKIECUTTER_ENTRYPOINT, {}, ["/start"])
    assert (run.argv, run.line) == (("/start",), 26)  # here-document, function and wait loop skipped
    assert run.env["DATABASE_URL"].startswith("postgres://")


@pytest.mark.parametrize(
    ("args", "argv"),
    [
        (["web", "-w", "2"], ("gunicorn", "--reload", "app:app", "-w", "2")),
        (["api"], ("gunicorn", "--reload", "app:app")),
        (["worker"], ("celery", "-A", "app", "worker")),
        (["python", "manage.py", "shell"], ("python", "manage.py", "shell")),
    ],
)
def test_case_on_the_first_argument(args: list[str], argv: tuple[str, ...]) -> None:
    assert run_script(CASE, {}, args).argv == argv


@pytest.mark.parametrize(
    ("script", "env", "argv"),
    [
        ('exec "$@"', {}, ("a", "b")),
        ('set -- python "$@"\nexec "$@"', {}, ("python", "a", "b")),
        ('if [ "${1#-}" != "$1" ]; then set -- node "$@"; fi\nexec "$@"', {}, ("a", "b")),
        ('[ "$#" -eq 2 ] && echo two\nexec "$@"', {}, ("a", "b")),
        ("export FLASK_DEBUG=1\nflask run", {}, ("flask", "run")),
        ("cd /srv && exec uvicorn app:app", {}, ("uvicorn", "app:app")),
        ("uvicorn app:app --reload 2>&1 | tee /var/log/app.log", {}, ("uvicorn", "app:app", "--reload")),
        ("python manage.py migrate || exit 1\npython manage.py runserver", {},
         ("python", "manage.py", "runserver")),
        ("celery -A app worker &\nexec uvicorn app:app", {}, ("uvicorn", "app:app")),
        ('exec uvicorn "${APP_MODULE:-main:app}" --port "$PORT"', {"PORT": "80"},
         ("uvicorn", "main:app", "--port", "80")),
        ("exec \\\n  uvicorn app:app \\\n  --reload", {}, ("uvicorn", "app:app", "--reload")),
        ("echo '# not a comment'; exec app # a comment", {}, ("app",)),
        ("[[ $MODE == dev* ]] && exec dev-server\nexec prod", {"MODE": "development"}, ("dev-server",)),
        ("[[ $MODE == dev* ]] && exec dev-server\nexec prod", {"MODE": "production"}, ("prod",)),
        ('[ -n "$DEBUG" ] || exec prod\nexec dev', {"DEBUG": ""}, ("prod",)),
        ('[ -n "$DEBUG" ] || exec prod\nexec dev', {"DEBUG": "1"}, ("dev",)),
        ('[ -z "$X" ] && X=1\nexec app', {}, ("app",)),
    ],
)  # fmt: skip
def test_main_commands(script: str, env: dict[str, str], argv: tuple[str, ...]) -> None:
    assert run_script(script, env, ["a", "b"]).argv == argv


def test_what_runs_before_the_main_command_and_the_environment_it_gets() -> None:
    run = run_script("set -e\ncd /srv\npip install -r requirements.txt\nexport A=1\nB=2 exec app", {"C": "3"})
    assert run.argv == ("app",)
    assert [r.argv for r in run.before] == [("pip", "install", "-r", "requirements.txt")]
    assert run.before[0].line == 3
    assert run.cwd == "/srv"
    assert run.env == {"C": "3", "A": "1", "B": "2"}
    assert run.env_lines == {"A": 4, "B": 5}


@pytest.mark.parametrize(
    ("script", "why"),
    [
        ("while true; do uvicorn app:app --reload; sleep 1; done", "line 1: a `while` loop runs last"),
        ('case "$ROLE" in web) exec a ;; *) exec b ;; esac', "line 1: devloop cannot evaluate `case $ROLE`"),
        ("if [ -f /app/dev ]; then exec a; fi\nexec b", "line 1: devloop cannot evaluate `[ -f /app/dev ]`"),
        ("if [ x ]; then exec a", "line 1: `if` without `fi`"),
        ('echo "unbalanced', "line 1: No closing quotation"),
        (
            '[ "$MODE" = dev ] && exec dev-server\nexec prod',
            "line 1: devloop cannot evaluate `[ $MODE = dev ]`",
        ),
    ],
)
def test_what_devloop_cannot_tell_says_why(script: str, why: str) -> None:
    run = run_script(script, {})
    assert run.argv is None
    assert run.why == why


def test_an_empty_script_runs_nothing() -> None:
    assert run_script("#!/bin/sh\n# nothing\n").argv == ()


# -- functions called by name (issue 15) -----------------------------------------------------------

FUNCTIONS = """\
#!/bin/sh
set -e

dev_scheduler() {
    echo "starting the scheduler"
    exec watchmedo auto-restart --directory=./app --pattern='*.py' -R -- python -m app.scheduler "$@"
}

web() { exec gunicorn app:app --bind 0.0.0.0:8000; }

function migrate {
    python -m app.migrate
    return
    echo never
}

migrate
dev_scheduler --verbose
"""


def test_a_function_called_by_name_runs_its_body_with_its_own_arguments() -> None:
    run = run_script(FUNCTIONS, {}, ["outer"])
    assert run.argv is not None and run.argv[:2] == ("watchmedo", "auto-restart")
    assert run.argv[-1] == "--verbose"  # "$@" inside the function is the function's arguments
    assert run.line == 6  # the exec inside the function, not the call
    assert [r.argv for r in run.before] == [("python", "-m", "app.migrate")]  # `return` ends it
    assert (18, "dev_scheduler()") in run.decided


DISPATCH = """\
#!/bin/bash
web() {
    exec uvicorn app.main:app --host 0.0.0.0 --reload
}
worker() {
    exec celery -A app.tasks worker
}
case "$1" in
    web|api) web ;;
    worker) worker ;;
    *) "$@" ;;
esac
"""


@pytest.mark.parametrize(
    ("args", "argv", "line"),
    [
        (["web"], ("uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"), 3),
        (["worker"], ("celery", "-A", "app.tasks", "worker"), 6),
        (["sleep", "1"], ("sleep", "1"), 11),
    ],
)
def test_a_function_chosen_by_case_on_the_first_argument(
    args: list[str], argv: tuple[str, ...], line: int
) -> None:
    run = run_script(DISPATCH, {}, args)
    assert (run.argv, run.line) == (argv, line)


def test_a_function_named_by_the_first_argument_is_called() -> None:
    text = 'serve() {\n  exec node --watch server.js\n}\n"$@"\n'
    assert run_script(text, {}, ["serve"]).argv == ("node", "--watch", "server.js")
    assert run_script(text, {}, ["npm", "start"]).argv == ("npm", "start")


def test_a_recursive_function_cannot_be_told() -> None:
    run = run_script("loop() {\n  loop\n}\nloop\n")
    assert run.argv is None and "nested too deep" in run.why


TASK_RUNNER = """\
#!/usr/bin/env bash
set -o errexit

_dc() {
  docker compose "${DC}" "${@}"
}

assets:watch() {
  # the watcher's flags depend on the environment, collected in an array
  local args=()

  if [ "${NODE_ENV:-}" == "production" ]; then
    args=(--minify)
  elif [ "${APP_ENV:-}" == "dev" ]; then
    args=(--sourcemap --watch)
  fi

  bundler-cli src/*.js --outdir=public "${args[@]}"
}

TIMEFORMAT=$'\\nTask completed in %3lR'
time "${@:-help}"
"""


@pytest.mark.parametrize(
    ("env", "flags"),
    [({"APP_ENV": "dev"}, ("--sourcemap", "--watch")), ({"NODE_ENV": "production"}, ("--minify",)), ({}, ())],
)
def test_a_task_runner_timing_a_function_that_fills_an_array(
    env: dict[str, str], flags: tuple[str, ...]
) -> None:
    """`time "$@"` calls the function named by the first argument; `"${args[@]}"` is the array's words."""
    run = run_script(TASK_RUNNER, env, ["assets:watch"])
    assert run.argv == ("bundler-cli", "src/*.js", "--outdir=public", *flags)
    assert (22, "assets:watch()") in run.decided


def test_an_array_element_and_a_plain_variable_as_an_array() -> None:
    text = 'opts=(-p 8000)\nname=web\nexec serve "$opts" "${name[@]}" "${opts[*]}"\n'
    assert run_script(text).argv == ("serve", "-p", "web", "-p", "8000")


def test_return_outside_a_function_ends_the_script() -> None:
    found = run_script("echo start\nreturn\nexec uvicorn app:app --reload\n")
    assert found.argv != ("uvicorn", "app:app", "--reload")
