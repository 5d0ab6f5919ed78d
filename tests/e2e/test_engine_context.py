"""One engine, the docker CLI's: a second dockerd reachable only through a context in a
DOCKER_CONFIG of the test's own (named by DOCKER_CONTEXT, by currentContext, or by --context).
devloop up must bring the project up there and act there, doctor must name that context and warn
of nothing that is not so, and DOCKER_HOST must win when set, as in the CLI. The engine is in its
own network namespace, so everything is asserted through it (container start times, its files)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.faults import BUSYBOX, busybox_stack, container, read_in
from tests.e2e.second_engine import (
    SecondEngine,
    load_image,
    need,
    start_second_engine,
    stop_second_engine,
)
from tests.e2e.ssh_engine import ssh_in_front_of
from tests.e2e.stack import DevloopProcess, Stack, make_stack, up

CONTEXT = "dl-second"
COMPOSE = f"""\
services:
  mounted:
    image: {BUSYBOX}
    command: ["sleep", "3600"]
    init: true
    network_mode: none
    volumes:
      - ./mounted:/www
"""


@pytest.fixture(scope="module")
def second_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondEngine]:
    """A second dockerd that sees the same files (it hides only an empty folder of its own)."""
    need(all(shutil.which(t) for t in ("dockerd", "unshare", "mount")), "dockerd, unshare and mount")
    need(os.geteuid() == 0, "root to start a second dockerd")
    engine = start_second_engine(tmp_path_factory.mktemp("hidden"))
    try:
        load_image(engine.host, BUSYBOX)
        yield engine
    finally:
        stop_second_engine(engine)


def main_host() -> str:
    """The endpoint of the test bed's engine, as the docker CLI of the test run sees it."""
    return subprocess.run(
        ["docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def docker_config(folder: Path, host: str, name: str = CONTEXT) -> Path:
    """A DOCKER_CONFIG with one context `name` for `host` (made by the docker CLI) and the compose
    plugin of the test bed."""
    folder.mkdir()
    subprocess.run(
        ["docker", "context", "create", name, "--docker", f"host={host}"],
        env={**os.environ, "DOCKER_CONFIG": str(folder)},
        capture_output=True,
        check=True,
    )
    plugins = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "cli-plugins"
    if plugins.is_dir():
        (folder / "cli-plugins").symlink_to(plugins)
    return folder


@dataclass
class ContextStack:
    stack: Stack
    engine: SecondEngine
    args: tuple[str, ...]  # `--context NAME` when the choice is the flag

    def devloop(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "devloop", *args, *self.args],
            cwd=self.stack.directory,
            env={**self.stack.environ(), **(extra or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def doctor(self, extra: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
        done = self.devloop("doctor", "--json", extra=extra)
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout)["findings"]


@pytest.fixture(params=["DOCKER_CONTEXT", "currentContext", "--context"])
def on_context(
    request: pytest.FixtureRequest, tmp_path: Path, second_engine: SecondEngine
) -> Iterator[ContextStack]:
    """The busybox project with the second engine named in one of the CLI's ways; DOCKER_HOST
    is emptied (the CLI, like devloop, takes an empty one as unset)."""
    config = docker_config(tmp_path / "docker-config", second_engine.host)
    stack = busybox_stack(tmp_path, COMPOSE, env={"DOCKER_CONFIG": str(config), "DOCKER_HOST": ""})
    args: tuple[str, ...] = ()
    if request.param == "DOCKER_CONTEXT":
        stack.env["DOCKER_CONTEXT"] = CONTEXT
    elif request.param == "currentContext":
        (config / "config.json").write_text(json.dumps({"currentContext": CONTEXT}))
    else:
        args = ("--context", CONTEXT)
        stack.env["DOCKER_CONTEXT"] = ""
    try:
        yield ContextStack(stack, second_engine, args)
    finally:
        if args:  # the CLI follows no context of its own here: tell compose which engine
            stack.env["DOCKER_CONTEXT"] = CONTEXT
        stack.down()


def on_main_engine(stack: Stack) -> list[str]:
    """Containers of the project on the test bed's engine (there must be none)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_CONTEXT", "DOCKER_CONFIG")}
    listed = subprocess.run(
        [
            "docker",
            "--host",
            main_host(),
            "ps",
            "-aq",
            "--filter",
            f"label=com.docker.compose.project={stack.project}",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return listed.stdout.split()


def test_up_acts_on_the_engine_of_the_context(
    on_context: ContextStack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = on_context.stack
    run = up(stack, devloop_runs, *on_context.args)
    starting = run.wait_event(event="starting", timeout=5)
    assert (starting["context"], starting["endpoint"]) == (CONTEXT, on_context.engine.host)
    # compose brought it up on the second engine, not on the test bed's
    env = {**stack.env, "DOCKER_CONTEXT": CONTEXT}
    there = Stack(stack.directory, stack.project, {}, env)
    before = container(there, "mounted")["State"]["StartedAt"]
    assert on_main_engine(stack) == []
    mark = run.mark()
    (stack.directory / "mounted" / "index.txt").write_text("mounted v2\n")
    run.wait_event(
        after=mark, event="action", service="mounted", action="restart", status="succeeded", timeout=60
    )
    assert container(there, "mounted")["State"]["StartedAt"] != before
    assert read_in(there, "mounted") == "mounted v2\n"
    assert on_main_engine(stack) == []


def test_doctor_names_the_context_and_warns_of_nothing_false(on_context: ContextStack) -> None:
    stack = on_context.stack
    compose_env = {**stack.env, "DOCKER_CONTEXT": CONTEXT}
    subprocess.run(
        ["docker", "compose", "up", "-d"],
        cwd=stack.directory,
        env={**os.environ, **compose_env},
        capture_output=True,
        check=True,
    )
    code, findings = on_context.doctor()
    engine = [f for f in findings if f["check"] == "engine"]
    assert len(engine) == 1 and f"context '{CONTEXT}' ({on_context.engine.host})" in engine[0]["message"]
    source = {
        "DOCKER_CONTEXT": "DOCKER_CONTEXT",
        "currentContext": "currentContext in",
        "--context": "--context",
    }
    assert any(s in engine[0]["message"] for s in source.values())
    project = next(f for f in findings if f["check"] == "project")
    assert "1 running container(s)" in project["message"]  # it looked at the second engine
    sharing = next(f for f in findings if f["check"] == "sharing")
    assert sharing["level"] == "info" and "sees the project's folders (1 bind mount" in sharing["message"]
    assert [f for f in findings if f["level"] != "info"] == [] and code == 0, findings
    assert not any("DOCKER_HOST" in f["message"] + f["hint"] for f in findings)


# --context beats DOCKER_HOST, as `docker --context` does (tests/unit/adapters/test_endpoint.py)
@pytest.mark.parametrize("on_context", ["DOCKER_CONTEXT", "currentContext"], indirect=True)
def test_docker_host_wins_over_the_context(on_context: ContextStack) -> None:
    host = main_host()
    code, findings = on_context.doctor(extra={"DOCKER_HOST": host})
    engine = next(f for f in findings if f["check"] == "engine")
    assert f"at {host}, from DOCKER_HOST" in engine["message"], findings
    assert on_context.engine.host not in json.dumps(findings)


@pytest.mark.parametrize("on_context", ["DOCKER_CONTEXT", "currentContext"], indirect=True)
def test_a_context_that_is_not_there_is_named(on_context: ContextStack) -> None:
    done = on_context.devloop("plan", "--context", "no-such-context")
    assert done.returncode == 1 and "'no-such-context' (from --context)" in done.stderr, done.stderr
    assert "docker context ls" in done.stderr


def test_an_ssh_engine_that_cannot_see_the_project_gets_edits_through_sync(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    """sshd on loopback in front of a second engine that does not see ./site: a remote engine."""
    need(all(shutil.which(t) for t in ("dockerd", "unshare", "mount")), "dockerd, unshare and mount")
    stack = make_stack(tmp_path, "hidden-bind", (), source="fixtures")
    engine = start_second_engine(stack.directory / "site")
    try:
        load_image(engine.host, BUSYBOX)
        with ssh_in_front_of(engine, tmp_path / "ssh") as ssh:
            config = docker_config(tmp_path / "docker-config", ssh.url, "dl-ssh")
            stack.env.update(
                DOCKER_CONFIG=str(config), DOCKER_HOST="", DOCKER_CONTEXT="dl-ssh", PATH=ssh.path
            )
            try:
                remote = ContextStack(stack, engine, ())
                planned = remote.devloop("plan", "--json")
                assert planned.returncode == 0, planned.stderr
                web = json.loads(planned.stdout)["services"]["web"]
                assert web["strategy"] == "sync" and "does not see" in web["reason"], web
                run = up(stack, devloop_runs)
                assert run.wait_event(event="starting", timeout=5)["endpoint"] == ssh.url
                run.wait_event(event="action", service="web", action="sync", status="succeeded", timeout=60)
                assert stack.exec("web", "cat", "/www/index.html") == "hello v1\n"
                mark = run.mark()
                (stack.directory / "site" / "index.html").write_text("hello v2\n")
                run.wait_event(
                    after=mark, event="action", service="web", action="sync", status="succeeded", timeout=60
                )
                assert stack.exec("web", "cat", "/www/index.html") == "hello v2\n"
                _, findings = remote.doctor()
                engine_finding = next(f for f in findings if f["check"] == "engine")
                assert (
                    f"context 'dl-ssh' ({ssh.url})" in engine_finding["message"]
                    and "remote" in engine_finding["message"]
                )
                sharing = next(f for f in findings if f["check"] == "sharing")
                assert sharing["level"] == "warning" and "does not see" in sharing["message"], findings
                for run_ in devloop_runs:
                    run_.stop()
            finally:
                stack.down()
    finally:
        stop_second_engine(engine)
