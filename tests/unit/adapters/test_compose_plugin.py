"""compose_plugin: the Compose binary is found where the docker CLI finds it, and run directly
with the engine in its environment; without it, devloop runs `docker compose`."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from devloop.adapters import compose_plugin
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.endpoint import Endpoint


def plugin(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    binary = folder / "docker-compose"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "docker-config"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    monkeypatch.setattr(compose_plugin, "SYSTEM_DIRS", (str(tmp_path / "system"),))
    compose_plugin.find_plugin.cache_clear()
    yield folder
    compose_plugin.find_plugin.cache_clear()  # the next tests find the real one


def test_the_users_plugin_comes_before_the_systems(config: Path, tmp_path: Path) -> None:
    plugin(tmp_path / "system")
    assert compose_plugin.find_plugin() == str(tmp_path / "system" / "docker-compose")
    compose_plugin.find_plugin.cache_clear()
    mine = plugin(config / "cli-plugins")
    assert compose_plugin.find_plugin() == str(mine)


def test_extra_dirs_of_config_json_come_first(config: Path, tmp_path: Path) -> None:
    plugin(config / "cli-plugins")
    extra = plugin(tmp_path / "extra")
    (config / "config.json").write_text(json.dumps({"cliPluginsExtraDirs": [str(extra.parent)]}))
    assert compose_plugin.find_plugin() == str(extra)


def test_a_file_that_cannot_run_is_not_the_plugin(config: Path) -> None:
    plugin(config / "cli-plugins").chmod(0o644)
    assert compose_plugin.find_plugin() is None


def test_without_the_plugin_docker_compose_runs(config: Path, tmp_path: Path) -> None:
    options = ComposeOptions(project_name="p", cwd=tmp_path)
    assert options.launch("up", "-d") == (["docker", "compose", "-p", "p", "up", "-d"], None)


def test_the_plugin_gets_the_engine_in_its_environment(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = str(plugin(config / "cli-plugins"))
    monkeypatch.setenv("DOCKER_HOST", "unix:///elsewhere.sock")
    near = Endpoint("compose", "unix:///near.sock", "--context")  # a context may be named anything
    run, environ = ComposeOptions(project_name="p", cwd=tmp_path, endpoint=near).launch("up", "-d")
    assert run == [binary, "-p", "p", "up", "-d"]
    assert environ is not None and environ["DOCKER_CONTEXT"] == "compose" and "DOCKER_HOST" not in environ
    by_host = Endpoint("default", "tcp://10.0.0.2:2375", "DOCKER_HOST")
    run, environ = ComposeOptions(cwd=tmp_path, endpoint=by_host).launch("ps")
    assert run == [binary, "ps"]
    assert environ is not None and environ["DOCKER_HOST"] == "tcp://10.0.0.2:2375"
    assert environ["PATH"] == os.environ["PATH"]
