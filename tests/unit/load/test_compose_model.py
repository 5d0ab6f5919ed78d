"""compose_model: resolved `docker compose config --format json` output -> the model."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from devloop.errors import ComposeError
from devloop.load.compose_config import project_from_config
from devloop.model.project import Bind, Service
from tests.unit.builders import write


def one(root: Path, raw: dict[str, object], name: str = "svc") -> Service:
    """The one service of a project whose resolved config is `raw`."""
    return project_from_config({"name": "demo", "services": {name: raw}}, root).service(name)


def test_a_project_needs_a_name_and_services(tmp_path: Path) -> None:
    with pytest.raises(ComposeError, match="no project name"):
        project_from_config({"services": {}}, tmp_path)
    with pytest.raises(ComposeError, match="no `services` mapping"):
        project_from_config({"name": "x", "services": ["a"]}, tmp_path)
    project = project_from_config({"name": "x", "services": {}}, tmp_path, [tmp_path / "compose.yaml"])
    assert project.services == ()
    assert project.compose_files == (tmp_path / "compose.yaml",)


def test_long_form_volumes(tmp_path: Path) -> None:
    raw = {
        "volumes": [
            {
                "type": "bind",
                "source": str(tmp_path / "app"),
                "target": "/code/app",
                "bind": {"create_host_path": True},
            },
            {"type": "bind", "source": str(tmp_path / "conf"), "target": "/etc/conf", "read_only": True},
            {"type": "volume", "source": "data", "target": "/data", "volume": {}},
            {"type": "volume", "target": "/cache"},
            {"type": "tmpfs", "target": "/tmp"},
        ]
    }
    service = one(tmp_path, raw)
    assert service.binds == (
        Bind(tmp_path / "app", PurePosixPath("/code/app")),
        Bind(tmp_path / "conf", PurePosixPath("/etc/conf"), read_only=True),
    )
    assert service.volumes == (PurePosixPath("/data"), PurePosixPath("/cache"))


def test_relative_sources_are_made_absolute_and_normalised(tmp_path: Path) -> None:
    raw = {"volumes": [{"type": "bind", "source": "./src/../app", "target": "/app"},
                       {"type": "bind", "source": "../shared", "target": "/shared"}]}  # fmt: skip
    service = one(tmp_path, raw)
    assert [b.source for b in service.binds] == [tmp_path / "app", tmp_path.parent / "shared"]


def test_short_syntax_volumes(tmp_path: Path) -> None:
    service = one(tmp_path, {"volumes": ["./app:/code/app:ro", "data:/data", "/abs:/abs", "/anon"]})
    assert service.binds == (
        Bind(tmp_path / "app", PurePosixPath("/code/app"), read_only=True),
        Bind(Path("/abs"), PurePosixPath("/abs")),
    )
    assert service.volumes == (PurePosixPath("/data"), PurePosixPath("/anon"))


def test_build_context_dockerfile_and_target(tmp_path: Path) -> None:
    build = {"context": str(tmp_path / "api"), "dockerfile": "../docker/api.Dockerfile", "target": "dev"}
    raw = {"build": {**build, "args": {"B": "2", "A": None}}}
    service = one(tmp_path, raw, "api")
    assert service.build is not None
    assert service.build.context == tmp_path / "api"
    assert service.build.dockerfile == tmp_path / "docker/api.Dockerfile"  # `..` folded
    assert service.build.target == "dev"
    assert service.build.args == (("A", ""), ("B", "2"))
    assert service.image == "demo-api"


def test_relative_context_and_absolute_dockerfile(tmp_path: Path) -> None:
    raw = {"build": {"context": "web", "dockerfile": str(tmp_path / "Dockerfile.web")}}
    service = one(tmp_path, raw)
    assert service.build is not None
    assert service.build.context == tmp_path / "web"
    assert service.build.dockerfile == tmp_path / "Dockerfile.web"


def test_build_as_a_string_and_inline_dockerfile(tmp_path: Path) -> None:
    assert one(tmp_path, {"build": "./web"}).build.dockerfile == tmp_path / "web/Dockerfile"  # type: ignore[union-attr]
    inline = one(tmp_path, {"build": {"context": str(tmp_path), "dockerfile_inline": "FROM x\n"}})
    assert inline.build is not None
    assert inline.build.dockerfile is None


def test_a_remote_build_context_has_nothing_local(tmp_path: Path) -> None:
    service = one(tmp_path, {"build": {"context": "https://github.com/docker/welcome.git#main"}}, "remote")
    assert service.build is None
    assert service.image == "demo-remote"


def test_the_dockerignore_that_applies(tmp_path: Path) -> None:
    build = {"context": str(tmp_path), "dockerfile": "Dockerfile"}
    assert one(tmp_path, {"build": build}).build.dockerignore is None  # type: ignore[union-attr]
    write(tmp_path, ".dockerignore", "x\n")
    assert one(tmp_path, {"build": build}).build.dockerignore == tmp_path / ".dockerignore"  # type: ignore[union-attr]
    write(tmp_path, "Dockerfile.dockerignore", "y\n")
    assert one(tmp_path, {"build": build}).build.dockerignore == tmp_path / "Dockerfile.dockerignore"  # type: ignore[union-attr]


def test_commands_entrypoints_and_environment(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "command": "uvicorn app:app --reload",
            "entrypoint": ["/entry.sh"],
            "environment": {"A": "1", "EMPTY": None},
            "working_dir": "/srv",
        },
    )
    assert service.command == ("uvicorn", "app:app", "--reload")
    assert service.entrypoint == ("/entry.sh",)
    assert service.env == {"A": "1", "EMPTY": ""}
    assert service.working_dir == "/srv"
    unset = one(tmp_path, {"image": "x", "command": None, "entrypoint": None, "environment": ["B=2", "C"]})
    assert unset.command is None and unset.entrypoint is None
    assert unset.env == {"B": "2", "C": ""}


def test_a_command_with_unbalanced_quotes_does_not_crash(tmp_path: Path) -> None:
    assert one(tmp_path, {"command": "sh -c 'echo hi"}).command == ("sh", "-c", "'echo", "hi")


def test_develop_watch_rules(tmp_path: Path) -> None:
    develop = {"watch": [{"action": "sync", "path": "./src", "target": "/app/src", "ignore": ["tests/"]},
                         {"action": "rebuild", "path": str(tmp_path / "package.json")}]}  # fmt: skip
    rules = one(tmp_path, {"develop": develop}).watch_rules
    assert [(r.action, r.path, r.target, r.ignore) for r in rules] == [
        ("sync", tmp_path / "src", "/app/src", ("tests/",)),
        ("rebuild", tmp_path / "package.json", None, ()),
    ]
