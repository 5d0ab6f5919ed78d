"""Pure pieces behind the fault suite: telling Compose v1 from v2, printing names that are not
UTF-8, syncing without holding files in memory, files a build would get wrong, bad usage, the
JSON error event, what `devloop clean` cleans, killing what runs on a forced exit."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

import anyio
import pytest

from devloop import cli, events
from devloop.adapters import build_inputs as buildguard
from devloop.adapters import container_files as sync
from devloop.adapters import processes
from devloop.adapters.compose import compose_failure
from devloop.commands.clean import clean_roots
from devloop.errors import ComposeFailed
from devloop.ui.up import JsonSink, PlainSink, printable
from tests.unit.builders import bind, build, make_plan

DOCKER_USAGE = (
    "unknown flag: --format\n\nUsage:  docker [OPTIONS] COMMAND [ARG...]\n\n"
    "Run 'docker --help' for more information\n"
)


@pytest.mark.parametrize(
    "output",
    [
        DOCKER_USAGE,  # `docker compose config --format json` without the plugin
        "docker: 'compose' is not a docker command.\nSee 'docker --help'",
        "docker: unknown command: docker compose\n\nRun 'docker --help' for more information",
    ],
)
def test_a_docker_cli_without_compose_v2_is_named(output: str) -> None:
    error = compose_failure(["docker", "compose", "config", "--format", "json"], 125, output)
    assert error.message.startswith("Docker Compose v2 is not installed")
    assert error.hint and "v1 is not supported" in error.hint


def test_other_compose_failures_keep_their_output() -> None:
    error = compose_failure(["docker", "compose", "config"], 1, "yaml: line 4: did not find expected ']'")
    assert isinstance(error, ComposeFailed) and error.output.startswith("yaml: line 4")


def test_names_that_are_not_utf8_are_printed_as_escapes() -> None:
    name = os.fsdecode(b"/src/caf\xe9.txt")
    assert printable(name) == "/src/caf\\xe9.txt"
    assert printable("/src/café.txt") == "/src/café.txt"
    assert printable("\ud800") == "\\ud800"  # a surrogate that stands for no byte
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    sink = PlainSink(stream)
    sink(events.Changes(paths=[name], services={"web": "rebuild"}))
    sink(events.ActionEvent(service="web", action="rebuild", status="started", reason=f"{name} changed"))
    assert b"caf\\xe9.txt changed" in stream.buffer.getvalue()  # type: ignore[attr-defined]


def test_the_json_error_event() -> None:
    out = io.StringIO()
    JsonSink(out)(events.Error(message="no such service: nope", hint="services: web"))
    line = json.loads(out.getvalue())
    assert line["event"] == "error" and line["exit_code"] == 1 and line["hint"] == "services: web"


def test_a_sync_streams_files_through_a_temporary_file(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (3 << 20))
    data = sync.build_tar([sync.FileSync(big, PurePosixPath("/www/big.bin"))])
    with data:
        assert not isinstance(data, (bytes, bytearray)) and data.fileno() >= 0
        with tarfile.open(fileobj=data) as tar:
            assert tar.getmember("www/big.bin").size == 3 << 20


class OneContainer:
    name = "web-1"

    def __init__(self) -> None:
        self.archives: list[bytes] = []

    def put_archive(self, path: str, data: Any) -> bool:
        self.archives.append(data.read())
        return True


class FakeEngine:
    def __init__(self) -> None:
        self.container = OneContainer()

    def containers(self, project: str, service: str | None = None) -> list[Any]:
        return [self.container]


def test_a_file_that_goes_away_while_it_is_synced_is_a_result_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gone.txt"
    path.write_text("x")

    def vanish(files: Any) -> Any:
        raise FileNotFoundError(2, "No such file or directory", str(path))

    monkeypatch.setattr(sync, "build_tar", vanish)
    result = sync.sync_files(FakeEngine(), "p", "web", [sync.FileSync(path, PurePosixPath("/www/gone.txt"))])  # type: ignore[arg-type]
    assert result.error and "cannot read the changed files" in result.error


def test_files_that_cannot_be_read_refuse_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readable, secret, folder = tmp_path / "ok.txt", tmp_path / "secret.txt", tmp_path / "closed"
    readable.write_text("x")
    secret.write_text("x")
    folder.mkdir()
    real_open, real_scandir = os.open, os.scandir

    def guarded_open(path: Any, flags: int, *args: Any) -> int:
        if Path(path) == secret:  # root reads anything: deny it as the kernel would to a user
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    def guarded_scandir(path: Any) -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    assert buildguard.unreadable([readable, secret, folder, tmp_path / "deleted.txt"]) == [secret, folder]
    why = buildguard.refusal([readable, secret])
    assert why and "secret.txt cannot be read" in why and "empty" in why
    assert buildguard.refusal([readable]) is None


def test_a_build_that_fails_on_a_name_that_is_not_utf8_names_it() -> None:
    bad = Path(os.fsdecode(b"/src/caf\xe9.txt"))
    output = "failed to solve: rpc error: code = Internal desc = grpc: error while marshaling: string field contains invalid UTF-8"  # noqa: E501
    [(message, hint)] = buildguard.failure_hints(output, [Path("/src/ok.py"), bad])
    assert "caf\\xe9.txt is not valid UTF-8" in message and ".dockerignore" in hint
    assert buildguard.failure_hints("exit code: 3", [bad]) == []


@pytest.mark.parametrize(
    "argv", [["up", "--debounce-ms", "soon"], ["frobnicate"], ["plan", "--nope"], ["clean", "--dry-runs"]]
)
def test_bad_usage_exits_1(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == cli.EXIT_USER_ERROR
    assert "usage:" in capsys.readouterr().err


def test_clean_cleans_build_contexts_and_bind_sources_only(tmp_path: Path) -> None:
    for folder in ("app", "web", "conf", "extra", "docs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM node\nCOPY . .\n")
    plan = make_plan(
        tmp_path,
        {
            "web": {"build": build(tmp_path / "web"), "volumes": [bind(tmp_path / "app", "/app")]},
            "proxy": {"image": "nginx", "volumes": [bind(tmp_path / "conf", "/etc/nginx", read_only=True)]},
        },
        {"services": {"proxy": {"watch": ["extra"]}}},
    )
    assert tmp_path / "extra" in {p for s in plan.services for p in s.watch}
    assert clean_roots(plan) == [tmp_path / "app", tmp_path / "conf", tmp_path / "web"]


def test_a_forced_exit_kills_the_children_that_run(tmp_path: Path) -> None:
    results: list[tuple[int, str]] = []

    async def main() -> None:
        async with anyio.create_task_group() as tg:

            async def child() -> None:
                results.append(await processes.run_command(["sleep", "30"], None, tmp_path))

            tg.start_soon(child)
            with anyio.fail_after(5):
                while not processes.RUNNING:
                    await anyio.sleep(0.01)
            started = time.monotonic()
            assert processes.kill_running() == ["sleep 30"]
            with anyio.fail_after(5):
                while not results:
                    await anyio.sleep(0.01)
            assert time.monotonic() - started < 5

    anyio.run(main)
    assert results[0][0] == -9 and not processes.RUNNING
