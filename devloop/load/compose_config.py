"""Turn the resolved compose config (`docker compose config --format json`) into the model."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from devloop.errors import ComposeError
from devloop.inference.reloaders import split_command
from devloop.model.project import Bind, Build, MountedFile, Project, Service, VolumeMount, WatchRule


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
        services=_inherit_volumes(
            [
                replace(
                    service_from_config(name, key, raw, directory, config.get("volumes")),
                    mounted_files=_mounted_files(raw, config, directory),
                )
                for key, raw in services.items()
            ]
        ),
        compose_files=tuple(compose_files),
        env_files=tuple(env_files),
    )


def service_from_config(
    project: str, name: str, raw: Mapping[str, Any], directory: Path, top_volumes: Any = None
) -> Service:
    build = _build(raw.get("build"), directory)
    image = raw.get("image") or (f"{project}-{name}" if raw.get("build") else None)
    binds: list[Bind] = []
    volumes: list[PurePosixPath] = []
    mounts: list[VolumeMount] = []
    declared = top_volumes if isinstance(top_volumes, Mapping) else {}
    for item in raw.get("volumes") or ():
        volume = _long_volume(item) if isinstance(item, str) else item
        target = PurePosixPath(volume.get("target", "/"))
        if volume.get("type") == "bind":
            source = absolute(volume["source"], directory)
            binds.append(Bind(source=source, target=target, read_only=bool(volume.get("read_only"))))
        elif volume.get("type") in ("volume", None):
            volumes.append(target)
            key = str(volume.get("source") or "") or None
            spec = declared.get(key) if key else None
            spec = spec if isinstance(spec, Mapping) else {}
            volume_name = str(spec.get("name") or f"{project}_{key}") if key else None
            mounts.append(VolumeMount(target, key, volume_name, bool(spec.get("external"))))
    return Service(
        name=name,
        image=image,
        build=build,
        binds=tuple(binds),
        volumes=tuple(volumes),
        entrypoint=_argv(raw.get("entrypoint")),
        command=_argv(raw.get("command")),
        environment=_environment(raw.get("environment")),
        watch_rules=_watch_rules(raw.get("develop"), directory),
        working_dir=raw.get("working_dir"),
        volume_mounts=tuple(mounts),
        volumes_from=tuple(_volumes_from(raw.get("volumes_from"))),
    )


def _mounted_files(
    raw: Mapping[str, Any], config: Mapping[str, Any], directory: Path
) -> tuple[MountedFile, ...]:
    """The service's `secrets:` and `configs:` whose top-level definition has a `file:` source (those
    from an environment variable or an external one have no file to watch)."""
    found: list[MountedFile] = []
    for kind, key, default in (("secret", "secrets", "/run/secrets/"), ("config", "configs", "/")):
        top = config.get(key)
        defined: Mapping[str, Any] = top if isinstance(top, Mapping) else {}
        for item in raw.get(key) or ():
            entry = {"source": item} if isinstance(item, str) else item
            if not isinstance(entry, Mapping):
                continue
            name = str(entry.get("source") or "")
            spec = defined.get(name)
            if not isinstance(spec, Mapping) or not spec.get("file"):
                continue
            target = str(entry.get("target") or name)
            target = target if target.startswith("/") else default + target
            found.append(MountedFile(kind, name, absolute(spec["file"], directory), PurePosixPath(target)))
    return tuple(found)


def _volumes_from(raw: Any) -> list[str]:
    """`SERVICE[:ro|:rw]` entries, as config prints them; `container:NAME[:mode]` ones name
    containers outside the project, which devloop does not model."""
    return [str(item) for item in raw or () if not str(item).startswith("container:")]


def _inherit_volumes(services: list[Service]) -> tuple[Service, ...]:
    """A service with `volumes_from` has its sources' binds and volumes too (read-only with `:ro`),
    followed transitively, so that every decision sees them."""
    by_name = {s.name: s for s in services}

    def mounts(name: str, seen: frozenset[str]) -> tuple[tuple[Bind, ...], tuple[VolumeMount, ...]]:
        service = by_name[name]
        binds, volumes = list(service.binds), list(service.volume_mounts)
        for entry in service.volumes_from:
            source, _, mode = entry.partition(":")
            if source not in by_name or source in seen:
                continue
            more_binds, more_volumes = mounts(source, seen | {source})
            ro = mode == "ro"
            binds += [
                replace(b, read_only=b.read_only or ro) for b in more_binds if b.target not in _targets(binds)
            ]
            volumes += [v for v in more_volumes if v.target not in {m.target for m in volumes}]
        return tuple(binds), tuple(volumes)

    inherited = []
    for service in services:
        if not service.volumes_from:
            inherited.append(service)
            continue
        binds, volumes = mounts(service.name, frozenset({service.name}))
        inherited.append(
            replace(service, binds=binds, volume_mounts=volumes, volumes=tuple(v.target for v in volumes))
        )
    return tuple(inherited)


def _targets(binds: list[Bind]) -> set[PurePosixPath]:
    return {b.target for b in binds}


def absolute(path: str | Path, directory: Path) -> Path:
    """`path` made absolute against `directory` and normalised (`..` folded, symlinks kept), so that
    it compares equal to the paths the watcher reports."""
    return Path(os.path.normpath(os.path.join(directory, os.path.expanduser(str(path)))))


def _long_volume(short: str) -> dict[str, Any]:
    """`SOURCE:TARGET[:MODE]` (as written in a compose file) in the long form config prints."""
    parts = short.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0]}
    kind = "bind" if parts[0].startswith((".", "/", "~")) else "volume"
    read_only = len(parts) > 2 and "ro" in parts[2].split(",")
    return {"type": kind, "source": parts[0], "target": parts[1], "read_only": read_only}


def _environment(raw: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, Mapping):
        return tuple((str(k), "" if v is None else _literal(str(v))) for k, v in raw.items())
    pairs = (str(item).partition("=") for item in raw or ())
    return tuple((key, _literal(value)) for key, _, value in pairs)


def _literal(text: str) -> str:
    """The resolved config keeps compose's `$$` escape; the container gets a single `$`."""
    return text.replace("$$", "$")


def _argv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(_literal(part) for part in split_command(value))
    return tuple(_literal(str(part)) for part in value)


def _is_remote(context: str) -> bool:
    """A Git or HTTP(S) URL build context: nothing local to watch."""
    return "://" in context or context.startswith(("git@", "github.com/"))


def _build(raw: Any, directory: Path) -> Build | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"context": raw}
    if _is_remote(str(raw.get("context") or "")):
        return None
    context = absolute(raw.get("context") or ".", directory)
    dockerfile: Path | None = None
    if not raw.get("dockerfile_inline"):
        dockerfile = absolute(raw.get("dockerfile") or "Dockerfile", context)
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
        rules.append(
            WatchRule(
                action=str(rule.get("action", "")),
                path=absolute(rule.get("path", "."), directory),
                target=rule.get("target"),
                ignore=tuple(rule.get("ignore") or ()),
            )
        )
    return tuple(rules)
