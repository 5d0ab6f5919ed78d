"""Turn the resolved compose config (`docker compose config --format json`) into the model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from devloop.errors import ComposeError
from devloop.model import Bind, Build, Project, Service, WatchRule


def project_from_config(
    config: Mapping[str, Any],
    directory: Path,
    compose_files: Sequence[Path] = (),
    env_files: Sequence[Path] = (),
) -> Project:
    """Build a Project from resolved compose config (absolute paths, long-form volumes)."""
    name = config.get("name")
    if not isinstance(name, str) or not name:
        raise ComposeError("the resolved compose config has no project name")
    services = config.get("services") or {}
    if not isinstance(services, Mapping):
        raise ComposeError("the resolved compose config has no `services` mapping")
    return Project(
        name=name,
        directory=directory,
        services=tuple(
            service_from_config(name, service_name, raw, directory) for service_name, raw in services.items()
        ),
        compose_files=tuple(compose_files),
        env_files=tuple(env_files),
    )


def service_from_config(project: str, name: str, raw: Mapping[str, Any], directory: Path) -> Service:
    build = _build(raw.get("build"), directory)
    image = raw.get("image") or (f"{project}-{name}" if build else None)
    binds: list[Bind] = []
    volumes: list[PurePosixPath] = []
    for volume in raw.get("volumes") or ():
        target = PurePosixPath(volume.get("target", "/"))
        if volume.get("type") == "bind":
            source = Path(volume["source"])
            if not source.is_absolute():
                source = directory / source
            binds.append(Bind(source=source, target=target, read_only=bool(volume.get("read_only"))))
        elif volume.get("type") in ("volume", None):
            volumes.append(target)
    environment = tuple(
        (key, "" if value is None else str(value)) for key, value in (raw.get("environment") or {}).items()
    )
    return Service(
        name=name,
        image=image,
        build=build,
        binds=tuple(binds),
        volumes=tuple(volumes),
        entrypoint=_argv(raw.get("entrypoint")),
        command=_argv(raw.get("command")),
        environment=environment,
        watch_rules=_watch_rules(raw.get("develop"), directory),
        working_dir=raw.get("working_dir"),
    )


def _argv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        import shlex

        return tuple(shlex.split(value))
    return tuple(str(part) for part in value)


def _build(raw: Any, directory: Path) -> Build | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"context": raw}
    context = Path(raw.get("context") or ".")
    if not context.is_absolute():
        context = (directory / context).resolve()
    dockerfile: Path | None = None
    if not raw.get("dockerfile_inline"):
        dockerfile = context / (raw.get("dockerfile") or "Dockerfile")
    args = tuple(sorted((str(k), "" if v is None else str(v)) for k, v in (raw.get("args") or {}).items()))
    return Build(
        context=context,
        dockerfile=dockerfile,
        target=raw.get("target"),
        args=args,
        dockerignore=_dockerignore_for(context, dockerfile),
    )


def _dockerignore_for(context: Path, dockerfile: Path | None) -> Path | None:
    """BuildKit prefers `<Dockerfile>.dockerignore` beside the Dockerfile over `<context>/.dockerignore`."""
    if dockerfile is not None:
        specific = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if specific.is_file():
            return specific
    generic = context / ".dockerignore"
    return generic if generic.is_file() else None


def _watch_rules(develop: Any, directory: Path) -> tuple[WatchRule, ...]:
    if not isinstance(develop, Mapping):
        return ()
    rules = []
    for rule in develop.get("watch") or ():
        path = Path(rule.get("path", "."))
        rules.append(
            WatchRule(
                action=str(rule.get("action", "")),
                path=path if path.is_absolute() else directory / path,
                target=rule.get("target"),
                ignore=tuple(rule.get("ignore") or ()),
            )
        )
    return tuple(rules)
