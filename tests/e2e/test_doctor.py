"""`devloop doctor` on real containers: each finding shown on a small busybox project of its own,
torn down with `down -v` whatever happens. The empty mount is made real with a second dockerd in
its own mount namespace that sees an empty tmpfs over the project folder (the Colima/ExFAT symptom)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import pytest

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.adapters.mounts import verify_mounts
from devloop.checks.mounts import MountStatus, by_service
from devloop.load.context import load_context
from tests.e2e.faults import container
from tests.e2e.second_engine import load_image, need, start_second_engine, stop_second_engine
from tests.e2e.stack import DevloopProcess, Stack, up, wait_until

BUSYBOX = "devloop-testbed/busybox:latest"
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + b"\x00\x02" + b"\x00" * 40


@dataclass
class Project:
    """A compose project of one test: its folder, a unique name and the engine it runs on."""

    directory: Path
    name: str = field(default_factory=lambda: f"dlt-doc-{uuid.uuid4().hex[:10]}")
    env: dict[str, str] = field(default_factory=dict)

    def write(self, compose: dict[str, Any], files: Mapping[str, str | bytes] | None = None) -> None:
        """compose.yaml (as JSON, which is YAML) and files, relative to the project folder."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "compose.yaml").write_text(json.dumps(compose, indent=2))
        for relative, content in (files or {}).items():
            path = self.directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["docker", "compose", "-p", self.name, *args],
            cwd=self.directory,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def environ(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def doctor(self) -> tuple[int, list[dict[str, Any]], str]:
        """Run `devloop doctor --json`: exit code, findings, stderr."""
        done = subprocess.run(
            [sys.executable, "-m", "devloop", "doctor", "--json", "-p", self.name],
            cwd=self.directory,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stderr, done.stderr
        try:
            findings = json.loads(done.stdout)["findings"]
        except (json.JSONDecodeError, KeyError) as exc:
            raise AssertionError(f"doctor printed no findings JSON:\n{done.stdout}\n{done.stderr}") from exc
        return done.returncode, findings, done.stderr

    def down(self) -> None:
        self.compose("down", "-v", "-t", "1", "--rmi", "local", "--remove-orphans", check=False)


def matching(findings: list[dict[str, Any]], **fields: Any) -> list[dict[str, Any]]:
    return [f for f in findings if all(f.get(k) == v for k, v in fields.items())]


def one_service(*volumes: str, named: tuple[str, ...] = (), **settings: Any) -> dict[str, Any]:
    """A compose project with one fast busybox service `svc`."""
    service = {"image": BUSYBOX, "command": ["sleep", "3600"], "volumes": list(volumes), **settings}
    return {"services": {"svc": service}, "volumes": {name: {} for name in named}}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    stack = Project(tmp_path / "proj")
    try:
        yield stack
    finally:
        stack.down()


@pytest.fixture
def hidden_project(tmp_path: Path) -> Iterator[Project]:
    """A project whose ./app the second engine cannot see, with DOCKER_HOST set to that engine."""
    need(all(shutil.which(tool) for tool in ("dockerd", "unshare", "mount")), "dockerd, unshare and mount")
    need(os.geteuid() == 0, "root to start a second dockerd")
    stack = Project(tmp_path / "proj")
    stack.write(
        one_service("./app:/app", network_mode="none"),
        {"app/main.py": "print('hello')\n", "app/util.py": "X = 1\n"},
    )
    engine = start_second_engine(stack.directory / "app")
    stack.env["DOCKER_HOST"] = engine.host
    try:
        load_image(engine.host, BUSYBOX)
        yield stack
    finally:
        stack.down()
        stop_second_engine(engine)


def test_empty_mount_on_an_engine_that_does_not_see_the_folder(hidden_project: Project) -> None:
    stack = hidden_project
    stack.compose("up", "-d")
    code, findings, _ = stack.doctor()
    empty = matching(findings, level="error", service="svc", check="mount")
    assert code == 1, findings
    assert len(empty) == 1 and "empty" in empty[0]["message"], findings
    assert "main.py" in empty[0]["message"] and empty[0]["hint"]
    # the same verdict without /proc, as on macOS: through exec in the container, and through docker cp
    plan = load_context(ComposeOptions(project_name=stack.name, cwd=stack.directory)).plan
    engine = Engine(docker.DockerClient(base_url=stack.env["DOCKER_HOST"]))
    for via in ("exec", "archive"):
        checks = verify_mounts(engine, stack.name, plan, via=(via,))
        assert [(c.status, c.via) for c in checks] == [(MountStatus.EMPTY, via)], checks
        assert by_service(checks)["svc"].broken
    assert not list((stack.directory / "app").glob(".devloop-probe-*"))


def test_stale_mount_after_the_host_folder_was_replaced(project: Project) -> None:
    project.write(one_service("./app:/app"), {"app/main.py": "print('v1')\n"})
    project.compose("up", "-d")
    app = project.directory / "app"
    app.rename(project.directory / "app.old")
    app.mkdir()
    (app / "new.txt").write_text("x\n")
    code, findings, _ = project.doctor()
    stale = matching(findings, level="error", service="svc", check="mount")
    assert code == 1 and len(stale) == 1 and "stale" in stale[0]["message"], findings
    assert "new.txt" in stale[0]["message"] and "--force-recreate svc" in stale[0]["hint"]
    plan = load_context(ComposeOptions(project_name=project.name, cwd=project.directory)).plan
    checks = verify_mounts(Engine(), project.name, plan, via=("exec",))
    assert [c.status for c in checks] == [MountStatus.STALE]
    assert sorted(p.name for p in app.iterdir()) == ["new.txt"]  # the probe is gone again


def test_bind_source_removed_on_the_host(project: Project) -> None:
    project.write(one_service("./app:/app"), {"app/main.py": "print('v1')\n"})
    project.compose("up", "-d")
    shutil.rmtree(project.directory / "app")
    code, findings, _ = project.doctor()
    missing = matching(findings, level="error", service="svc", check="mount")
    assert code == 1 and len(missing) == 1 and "does not exist" in missing[0]["message"], findings


def test_compose_file_changed_after_the_container_was_created(project: Project) -> None:
    project.write(one_service("./app:/app"), {"app/main.py": "print('v1')\n", "src/main.py": "print('v2')\n"})
    project.compose("up", "-d")
    project.write(one_service("./src:/app"))
    code, findings, _ = project.doctor()
    moved = matching(findings, level="error", service="svc", check="mount")
    assert code == 1 and len(moved) == 1, findings
    assert "./src:/app" in moved[0]["message"] and "/app there" in moved[0]["message"]
    assert "up -d svc" in moved[0]["hint"]


def test_write_outside_every_mount_is_reported(project: Project) -> None:
    project.write(one_service("./app:/app/temp"), {"app/keep.txt": "k\n"})
    project.compose("up", "-d")
    project.compose(
        "exec",
        "-T",
        "svc",
        "sh",
        "-c",
        "mkdir -p /app/.temp && echo data > /app/.temp/x "
        "&& echo in-mount > /app/temp/y && mkdir -p /root/.cache && echo c > /root/.cache/z",
    )
    code, findings, _ = project.doctor()
    lost = matching(findings, level="warning", service="svc", check="lost-writes")
    assert [f["message"].split(":")[0] for f in lost] == ["/app/.temp"], findings
    assert code == 0, findings


def test_env_var_pointing_outside_every_volume(project: Project) -> None:
    env = {"TEMP_DIR": "/app/.temp", "DATA_DIR": "/app/temp/data"}
    project.write(one_service("temp:/app/temp", named=("temp",), environment=env))
    project.compose("up", "-d")
    code, findings, _ = project.doctor()
    found = matching(findings, level="warning", service="svc", check="env-path")
    assert len(found) == 1, findings
    assert "TEMP_DIR" in found[0]["message"] and "/app/.temp" in found[0]["message"]
    assert code == 0, findings


def test_stale_image_when_a_build_input_differs(project: Project) -> None:
    project.write(
        {"services": {"baked": {"build": "./baked"}}},
        {
            "baked/Dockerfile": f'FROM {BUSYBOX}\nCOPY . /code\nCMD ["sleep", "3600"]\n',
            "baked/main.txt": f"v1 {project.name}\n",
        },
    )  # unique: no build cache from earlier runs
    project.compose("up", "-d", "--build")
    code, findings, _ = project.doctor()
    assert not matching(findings, check="stale-image"), findings
    later = time.time() + 120
    main = project.directory / "baked" / "main.txt"
    os.utime(main, (later, later))  # newer than the image, and the same as its copy there
    code, findings, _ = project.doctor()
    assert not matching(findings, check="stale-image"), findings
    main.write_text(f"v2 {project.name}\n")
    code, findings, _ = project.doctor()
    stale = matching(findings, level="warning", service="baked", check="stale-image")
    assert len(stale) == 1, findings
    assert "./baked/main.txt differs from the content its image was built from" in stale[0]["message"]
    assert "--build baked" in stale[0]["hint"] and code == 0


def test_healthy_stack_has_no_error(project: Project) -> None:
    compose = one_service(
        "./app:/app",
        "./conf:/conf:ro",
        "./settings.ini:/etc/settings.ini",
        "data:/data",
        named=("data",),
        environment={"DATA_DIR": "/data"},
    )
    files = {"app/main.py": "print('ok')\n", "conf/app.conf": "a=1\n", "settings.ini": "[x]\n"}
    project.write(compose, files)
    project.compose("up", "-d")
    project.compose("exec", "-T", "svc", "sh", "-c", "echo row > /data/db && echo log > /tmp/log")
    code, findings, _ = project.doctor()
    assert code == 0 and not matching(findings, level="error"), findings
    assert not matching(findings, level="warning"), findings
    assert matching(findings, level="info", check="engine") and matching(findings, check="project")
    for folder in ("app", "conf"):
        assert not list((project.directory / folder).glob(".devloop-probe-*"))


def test_appledouble_files_and_command_override(project: Project) -> None:
    compose = one_service("./app:/app")
    compose["services"]["web"] = {"image": BUSYBOX, "command": ["uvicorn", "app:app", "--reload"]}
    project.write(compose, {"app/main.py": "x = 1\n", "app/._main.py": APPLEDOUBLE})
    project.compose("up", "-d", "svc")
    code, findings, _ = project.doctor()
    apple = matching(findings, level="warning", check="appledouble")
    assert len(apple) == 1 and "./app/._main.py" in apple[0]["message"], findings
    override = matching(findings, check="command-override")
    assert [(f["level"], f["service"]) for f in override] == [("info", "web")], findings
    assert "uvicorn app:app --reload" in override[0]["message"] and "(sh)" in override[0]["message"]
    assert matching(findings, level="info", service="web", check="not-running")
    assert code == 0 and (project.directory / "app" / "._main.py").exists()  # reported, not deleted


def test_unreachable_engine_is_one_error_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DOCKER_HOST": f"unix:///tmp/dl-none-{uuid.uuid4().hex[:8]}.sock"}
    done = subprocess.run(
        [sys.executable, "-m", "devloop", "doctor", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    findings = json.loads(done.stdout)["findings"]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [(f["level"], f["check"]) for f in findings] == [("error", "engine")]
    assert env["DOCKER_HOST"] in findings[0]["message"]
    plain = subprocess.run(
        [sys.executable, "-m", "devloop", "doctor"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plain.returncode == 1 and "error" in plain.stdout and "Traceback" not in plain.stderr


PYTHON = "devloop-testbed/python:bookworm"
JOB = 'import json\n\n\ndef load():\n    return json.loads("{")\n\n\nload()\n'
ASGI = "async def app(scope, receive, send):\n    pass\n"


def test_a_crashed_service_is_reported_at_its_line_and_the_next_edit_brings_it_back(
    project: Project, devloop_runs: list[DevloopProcess]
) -> None:
    web = ["python3", "-m", "uvicorn", "main:app", "--reload", "--app-dir", "/app", "--port", "8000"]
    compose = {
        "services": {
            "job": {"image": PYTHON, "command": ["python3", "/app/job.py"], "volumes": ["./app:/app"]},
            "web": {"image": PYTHON, "command": web, "volumes": ["./app:/app"], "stop_grace_period": "1s"},
        }
    }
    project.write(compose, {"app/job.py": JOB, "app/main.py": ASGI})
    project.compose("up", "-d")
    stack = Stack(project.directory, project.name, {}, {"COMPOSE_PROJECT_NAME": project.name})
    wait_until(lambda: container(stack, "job")["State"]["Status"] == "exited", 60, "the job to fail")
    wait_until(lambda: "Application startup complete" in project.compose("logs", "web").stdout, 60, "uvicorn")

    code, findings, _ = project.doctor()
    down = matching(findings, check="down")
    assert [(f["level"], f["service"]) for f in down] == [("error", "job")], findings
    assert down[0]["message"] == (
        f"{project.name}-job-1 exited with code 1: app/job.py:5: json.decoder.JSONDecodeError: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert code == 1
    assert not matching(findings, check="file-events"), findings  # a host edit raises an event here

    # A reload service that is down is restarted by the next edit, not left to its reloader.
    project.compose("kill", "web")
    run = up(stack, devloop_runs, "--no-start", "web")
    mark = run.mark()
    stack.edit("app/main.py", "    pass\n", "    return None\n")
    back = run.wait_event(event="outcome", service="web", after=mark, timeout=120)
    assert (back["action"], back["state"]) == ("restart", "live"), run.output()[-3000:]
    assert container(stack, "web")["State"]["Status"] == "running"
