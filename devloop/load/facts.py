"""Read, for each service, what the planner needs from disk and from the engine: Dockerfiles and
.dockerignore files, the image's ENTRYPOINT/CMD, where compose keys and variables are written, and the
files its process runs or reads at start (start scripts, package.json, reloader configs), found through
its bind mounts or the Dockerfile's COPY/ADD. All I/O is here; the planner only gets the values."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath

from devloop.inference.locate import SourceFile, origins
from devloop.inference.process import ImageProcess, effective_process
from devloop.inference.sourcelines import Spots, compose_spots, env_lines, env_origins, key_origin
from devloop.inference.trace import trace_process
from devloop.load.requirements import included_requirements
from devloop.model.dockerfile import Dockerfile, Stage, parse_dockerfile, read_dockerfile
from devloop.model.ignore import IgnoreRules, read_ignore_file
from devloop.model.paths import shown
from devloop.model.project import Project, Service
from devloop.planning.plans import ServiceFacts
from devloop.planning.strategy import SOURCE_SUFFIXES

ImageLookup = Callable[[str], ImageProcess | None]
ImageFiles = Callable[[str, str], str | None]  # (image, container path) -> the file's text
MAX_TEXT = 256 * 1024  # a start script, a package.json or a config is small; anything larger is skipped
_ROUNDS = 8  # a script may run a script that runs `npm run dev`: each round reads what the last wanted


def collect_facts(
    project: Project, image_lookup: ImageLookup | None = None, image_files: ImageFiles | None = None
) -> dict[str, ServiceFacts]:
    """Dockerfiles and .dockerignore files once per build; image ENTRYPOINT/CMD once per image;
    `image_files` reads a file the process needs from the image when no bind or COPY brings it."""
    facts: dict[str, ServiceFacts] = {}
    builds: dict[object, tuple[Dockerfile | None, tuple[str, ...], dict[Path, Path]]] = {}
    images: dict[str, ImageProcess | None] = {}
    base = project.directory
    spots = compose_spots((shown(f, base), _read(f) or "") for f in project.compose_files if f != Path("-"))
    dotenv: dict[str, str] = {}
    for env_file in project.env_files:
        dotenv.update(env_lines(shown(env_file, base), _read(env_file) or ""))
    dotenv.update(dict.fromkeys(os.environ, "the shell environment"))  # it wins over .env in compose
    for service in project.services:
        build = service.build
        dockerfile: Dockerfile | None = None
        ignore: tuple[str, ...] = ()
        included: dict[Path, Path] = {}
        if build is not None:
            key = (build.key, build.dockerignore)
            if key not in builds:
                parsed = read_dockerfile(build.dockerfile) if build.dockerfile else parse_dockerfile("")
                copies = parsed.chain_copies(build.target) if parsed is not None else ()
                builds[key] = (
                    parsed,
                    read_ignore_file(build.dockerignore),
                    included_requirements(build.context, copies),
                )
            dockerfile, ignore, included = builds[key]
        image = None
        if image_lookup is not None and service.image:
            if service.image not in images:
                images[service.image] = image_lookup(service.image)
            image = images[service.image]
        spot = spots.get(service.name)
        found = ServiceFacts(
            dockerfile=dockerfile,
            dockerignore=ignore,
            image=image,
            where=_where(spot, dotenv),
            env_origins=env_origins(spot, dotenv, _env_file_lines(spot, project)),
            file_binds=frozenset(b.source for b in service.binds if b.source.is_file()),
            without_source=frozenset(b.source for b in service.binds if not _has_source(b.source)),
            included=included,
        )
        facts[service.name] = replace(found, files=_process_files(project, service, found, image_files))
    return facts


def _where(spot: Spots | None, dotenv: Mapping[str, str]) -> dict[str, str]:
    """Compose key -> `file:line`; `command` and `entrypoint` with the .env lines they interpolate."""
    where = dict(spot.at) if spot is not None else {}
    for key in ("command", "entrypoint"):
        found = key_origin(spot, key, dotenv)
        if found is not None:
            where[key] = found
    return where


def _env_file_lines(spot: Spots | None, project: Project) -> dict[str, str]:
    found: dict[str, str] = {}
    folder = project.compose_files[0].parent if project.compose_files else project.directory
    for entry in spot.env_files if spot is not None else ():
        path = (folder / entry).resolve() if not entry.startswith("/") else Path(entry)
        found.update(env_lines(shown(path, project.directory), _read(path) or ""))
    return found


def _process_files(
    project: Project, service: Service, facts: ServiceFacts, image_files: ImageFiles | None
) -> dict[str, SourceFile | None]:
    """The files the service's process runs or reads at start, as far as devloop can follow it:
    each round follows the process with what was read so far and reads what it wanted next."""
    dockerfile = facts.dockerfile
    stage = dockerfile.stage(service.build.target if service.build else None) if dockerfile else None
    process = effective_process(service, facts.image, dockerfile, facts.where)
    name = dockerfile.path.name if dockerfile else "Dockerfile"
    ignore = IgnoreRules(facts.dockerignore)
    files: dict[str, SourceFile | None] = {}
    for _ in range(_ROUNDS):
        trace = trace_process(service, process, stage, files, facts.env_origins, project.directory, name)
        wanted = [w for w in trace.wanted if w not in files]
        if not wanted:
            break
        for path in wanted:
            files[path] = _source(service, stage, PurePosixPath(path), ignore)
            if files[path] is None and image_files is not None:
                files[path] = _from_image(service, dockerfile, stage, path, image_files)
    return files


def _from_image(
    service: Service, dockerfile: Dockerfile | None, stage: Stage | None, path: str, read: ImageFiles
) -> SourceFile | None:
    """A file only the image has (a base image's `/start-reload.sh`): read from the service's image,
    else from the base image its Dockerfile stage starts FROM (before the first build)."""
    stages = {s.name for s in dockerfile.stages if s.name} if dockerfile else set()
    base = stage.base if stage is not None and stage.base.lower() not in stages | {"scratch"} else None
    for image in dict.fromkeys(i for i in (service.image, base) if i and "$" not in i):
        text = read(image, path)
        if text is not None:
            return SourceFile(path, Path(path), text, image=image)
    return None


def _source(
    service: Service, stage: Stage | None, path: PurePosixPath, ignore: IgnoreRules
) -> SourceFile | None:
    """The host file the container has at `path`: through a bind, else a COPY the .dockerignore lets in."""
    context = service.build.context if service.build else None
    for origin in origins(path, service.binds, stage.copies if stage else (), context):
        if origin.copy is not None and context is not None:
            try:
                if ignore.patterns and ignore.excludes(origin.host.relative_to(context).as_posix()):
                    continue
            except ValueError:
                continue
        text = _read(origin.host)
        if text is not None:
            return SourceFile(str(path), origin.host, text, origin.bind, origin.copy)
    return None


def _has_source(folder: Path, limit: int = 5000) -> bool:
    """Whether a bind source may hold what a process runs, imports or reads as config: a file, a
    folder not there yet (devloop cannot tell), or one with such a file among its first `limit`
    entries (a folder too big to tell counts as holding one)."""
    if not folder.is_dir():
        return True
    pending, seen = [folder], 0
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > limit or os.path.splitext(entry.name)[1].lower() in SOURCE_SUFFIXES:
                return True
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
    return False


def _read(path: Path) -> str | None:
    """A small text file's content; None when it is missing, a folder, too large or binary."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_TEXT:
            return None
        text = path.read_text(errors="replace")
    except OSError:
        return None
    return None if "\0" in text else text
