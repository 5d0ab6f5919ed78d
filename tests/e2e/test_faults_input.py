"""Bad input everywhere: each is a clear message and exit code 1, never a traceback; `up --json`
also ends its output with an `error` event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.faults import busybox_stack, teardown
from tests.e2e.second_engine import need
from tests.e2e.stack import Stack


def devloop(
    cwd: Path, *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "devloop", *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "250", **(env or {})},
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert "unexpected error" not in done.stderr, done.stderr
    return done


def error_event(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The last stdout line of `up --json`: the error event."""
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert last["event"] == "error" and last["exit_code"] == done.returncode, last
    return dict(last)


@pytest.mark.parametrize("command", [["plan"], ["up"], ["doctor"], ["clean"], ["init"]])
def test_no_compose_file(tmp_path: Path, command: list[str]) -> None:
    done = devloop(tmp_path, *command)
    assert done.returncode == 1
    assert "no compose file found" in done.stderr + done.stdout
    assert not (tmp_path / "devloop.toml").exists()


def test_no_compose_file_with_up_json(tmp_path: Path) -> None:
    done = devloop(tmp_path, "up", "--json")
    assert done.returncode == 1 and "no compose file found" in str(error_event(done)["message"])


def test_a_compose_file_given_that_does_not_exist(stack: Stack) -> None:
    done = devloop(stack.directory, "plan", "-f", "nope.yaml", env=stack.env)
    assert done.returncode == 1 and "nope.yaml" in done.stderr


def test_an_unknown_service_on_the_command_line(stack: Stack) -> None:
    done = devloop(stack.directory, "up", "--json", "baked", "nosuch", env=stack.env)
    assert done.returncode == 1
    assert "no such service: nosuch" in done.stderr and "baked, mounted" in done.stderr
    event = error_event(done)
    assert event["message"] == "no such service: nosuch" and "baked, mounted" in str(event["hint"])
    assert not stack.compose("ps", "-q").stdout.strip(), "nothing was started"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("debounce_ms = 'fast'\n", "`debounce_ms` must be a whole number of milliseconds"),
        ("debounce_ms = -1\n", "`debounce_ms` must be a whole number"),
        ("live_update = 'yes'\n", "`live_update` must be true or false"),
        ("profiles = 'dev'\n", "`profiles` must be a list of profile names"),
        ("debounce = 100\n", "unknown key `debounce`"),
        ("[services.baked]\nstrategy = 'fast'\n", "`services.baked.strategy` is 'fast'"),
        ("[services.baked]\nwatchh = []\n", "unknown key `services.baked.watchh`"),
        ("[services.nosuch]\nstrategy = 'restart'\n", "`services.nosuch` is not a service"),
        ("services = 3\n", "`services` must be a table"),
        ("debounce_ms = \n", "is not valid TOML"),
    ],
)
def test_an_invalid_devloop_toml(stack: Stack, toml: str, expected: str) -> None:
    (stack.directory / "devloop.toml").write_text(toml)
    done = devloop(stack.directory, "plan", env=stack.env)
    assert done.returncode == 1
    assert expected in done.stderr and str(stack.directory / "devloop.toml") in done.stderr, done.stderr


def test_an_invalid_devloop_toml_stops_up_before_it_starts_anything(stack: Stack) -> None:
    (stack.directory / "devloop.toml").write_text("[services.nosuch]\n")
    done = devloop(stack.directory, "up", "--json", env=stack.env)
    assert done.returncode == 1 and "services.nosuch" in str(error_event(done)["message"])
    assert not stack.compose("ps", "-aq").stdout.strip(), "nothing was started"


def test_an_invalid_tool_devloop_table_in_pyproject(stack: Stack) -> None:
    (stack.directory / "pyproject.toml").write_text("[tool.devloop]\nmax_wait_ms = [1]\n")
    done = devloop(stack.directory, "plan", env=stack.env)
    assert done.returncode == 1
    assert "pyproject.toml [tool.devloop]: `max_wait_ms` must be" in done.stderr


NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent.sock"}


def test_no_engine_at_all(stack: Stack) -> None:
    done = devloop(stack.directory, "up", env={**stack.env, **NO_ENGINE})
    assert done.returncode == 1
    assert "the Docker Engine does not answer" in done.stderr and "hint:" in done.stderr
    done = devloop(stack.directory, "up", "--json", env={**stack.env, **NO_ENGINE})
    assert done.returncode == 1
    assert "does not answer" in str(error_event(done)["message"])
    done = devloop(stack.directory, "doctor", env={**stack.env, **NO_ENGINE})
    assert done.returncode == 1 and "does not answer" in done.stdout
    # plan works without an engine, from the Dockerfiles, and says so
    done = devloop(stack.directory, "plan", env={**stack.env, **NO_ENGINE})
    assert done.returncode == 0 and "using the Dockerfiles" in done.stdout


@pytest.fixture
def compose_v1_only(tmp_path: Path) -> dict[str, str]:
    """A docker CLI without the compose plugin: here it lives in ~/.docker/cli-plugins, which an
    empty DOCKER_CONFIG hides."""
    empty = tmp_path / "docker-config"
    empty.mkdir()
    env = {"DOCKER_CONFIG": str(empty)}
    plugin = subprocess.run(
        ["docker", "compose", "version"], env={**os.environ, **env}, capture_output=True, text=True
    )
    need(plugin.returncode != 0, "the compose plugin under ~/.docker/cli-plugins, to hide it")
    return env


@pytest.mark.parametrize("command", [["up"], ["up", "--json"], ["plan"], ["clean"], ["init"]])
def test_compose_v1_only(stack: Stack, compose_v1_only: dict[str, str], command: list[str]) -> None:
    done = devloop(stack.directory, *command, env={**stack.env, **compose_v1_only})
    assert done.returncode == 1
    assert "Docker Compose v2 is not installed" in done.stderr, done.stderr
    assert "unknown flag" not in done.stderr
    if "--json" in command:
        assert "Compose v2" in str(error_event(done)["message"])


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../elsewhere.py", "/", os.fsdecode(b"/tmp/caf\xe9-outside.txt")]
)
def test_a_path_outside_the_project(stack: Stack, path: str) -> None:
    done = devloop(stack.directory, "plan", path, env=stack.env)
    assert done.returncode == 1
    assert "is outside the project" in done.stderr


def test_bad_arguments_exit_1_with_usage(stack: Stack) -> None:
    for args in (["up", "--debounce-ms", "soon"], ["frobnicate"], ["plan", "--no-such-flag"]):
        done = devloop(stack.directory, *args, env=stack.env)
        assert done.returncode == 1 and "usage:" in done.stderr and "error:" in done.stderr, args


def test_clean_of_a_path_that_does_not_exist(stack: Stack) -> None:
    done = devloop(stack.directory, "clean", "no/such/folder", env=stack.env)
    assert done.returncode == 1 and "no such path: no/such/folder" in done.stderr


def test_a_stack_that_cannot_start(tmp_path: Path) -> None:
    stack = busybox_stack(tmp_path, "services:\n  ghost:\n    image: localhost:1/no-such-image:never\n")
    try:
        done = devloop(stack.directory, "up", "--json", env=stack.env)
        assert done.returncode == 1
        assert "`docker compose up -d` failed" in done.stderr and "hint:" in done.stderr
        assert "`docker compose up -d` failed" in str(error_event(done)["message"])
    finally:
        teardown(stack)
