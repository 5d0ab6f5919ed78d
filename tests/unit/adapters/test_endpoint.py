"""The engine choice: the docker CLI's order, read from a DOCKER_CONFIG of the test's own."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.endpoint import DEFAULT_HOST, choose_endpoint
from devloop.errors import DevloopError


def add_context(config: Path, name: str, host: str, tls: bool = False) -> None:
    """A context as `docker context create NAME --docker host=HOST` stores it."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    endpoint = {"Host": host, "SkipTLSVerify": False}
    (meta / "meta.json").write_text(
        json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}})
    )
    if tls:
        material = config / "contexts" / "tls" / digest / "docker"
        material.mkdir(parents=True)
        for part in ("ca", "cert", "key"):
            (material / f"{part}.pem").write_text(part)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    add_context(tmp_path, "far", "ssh://me@build-box")
    add_context(tmp_path, "near", "unix:///tmp/near.sock")
    add_context(tmp_path, "secure", "tcp://10.0.0.5:2376", tls=True)
    return tmp_path


def test_the_cli_order(config: Path) -> None:
    env = {"DOCKER_CONFIG": str(config)}
    assert choose_endpoint(None, env).host == DEFAULT_HOST
    (config / "config.json").write_text(json.dumps({"currentContext": "near"}))
    current = choose_endpoint(None, env)
    assert (current.context, current.host) == ("near", "unix:///tmp/near.sock")
    assert current.source == f"currentContext in {config / 'config.json'}"
    env["DOCKER_CONTEXT"] = "far"
    assert (choose_endpoint(None, env).context, choose_endpoint(None, env).source) == (
        "far",
        "DOCKER_CONTEXT",
    )
    env["DOCKER_HOST"] = "tcp://127.0.0.1:2375"
    host = choose_endpoint(None, env)
    assert (host.context, host.host, host.source) == ("default", "tcp://127.0.0.1:2375", "DOCKER_HOST")
    flag = choose_endpoint("near", env)  # as `docker --context`, the flag beats DOCKER_HOST
    assert (flag.host, flag.source) == ("unix:///tmp/near.sock", "--context")
    assert choose_endpoint("default", env).host == "tcp://127.0.0.1:2375"


def test_what_compose_is_told(config: Path) -> None:
    env = {"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "near"}
    options = ComposeOptions(project_name="p", endpoint=choose_endpoint(None, env))
    assert options.argv("up", "-d") == ["docker", "--context", "near", "compose", "-p", "p", "up", "-d"]
    host = choose_endpoint(None, {**env, "DOCKER_HOST": "unix:///x.sock"})
    assert host.docker_args() == ("--host", "unix:///x.sock")
    assert choose_endpoint(None, {"DOCKER_CONFIG": str(config)}).docker_args() == ("--context", "default")


def test_remote_and_tls(config: Path) -> None:
    env = {"DOCKER_CONFIG": str(config)}
    assert choose_endpoint("far", env).remote and not choose_endpoint("near", env).remote
    secure = choose_endpoint("secure", env)
    assert secure.tls is not None and secure.tls.verify is True
    assert secure.tls.cert == (str(secure_file(config, "cert")), str(secure_file(config, "key")))
    assert choose_endpoint("near", env).tls is None


def secure_file(config: Path, part: str) -> Path:
    digest = hashlib.sha256(b"secure").hexdigest()
    return config / "contexts" / "tls" / digest / "docker" / f"{part}.pem"


def test_through_the_sdk_when_it_can_find_the_store(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config / "config.json").write_text(json.dumps({"currentContext": "secure"}))
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    found = choose_endpoint()
    assert (found.context, found.host) == ("secure", "tcp://10.0.0.5:2376")
    assert found.tls is not None and found.tls.ca_cert == str(secure_file(config, "ca"))


def test_a_missing_context_or_a_broken_config_says_so(config: Path) -> None:
    with pytest.raises(DevloopError) as missing:
        choose_endpoint(None, {"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "gone"})
    assert "'gone' (from DOCKER_CONTEXT)" in missing.value.message and "docker context ls" in (
        missing.value.hint or ""
    )
    (config / "config.json").write_text("{not json")
    with pytest.raises(DevloopError, match="cannot be read"):
        choose_endpoint(None, {"DOCKER_CONFIG": str(config)})
