"""Edits made while devloop was not running: the build inputs that differ from a service's image,
and the bind-mounted files newer than its container, for planning/catchup.py to route.

A file's time is only a cheap first test; its content is the truth: compared with the manifest
devloop recorded when it built the image (load/manifest.py), else with the file in the image."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from devloop.adapters import cache
from devloop.adapters.engine import Engine
from devloop.adapters.host import file_owner, user_id
from devloop.adapters.image_reads import image_digests
from devloop.errors import EngineError
from devloop.load.manifest import build_files, build_key, entry, stat_file
from devloop.model.ignore import NOISE_DIRS, noise_reason
from devloop.model.project import Strategy
from devloop.planning.catchup import Stale
from devloop.planning.copymap import image_paths
from devloop.planning.history import built_from
from devloop.planning.output import foreign_owner, looks_like_output, mounted_by
from devloop.planning.planner import ProjectPlan, ServicePlan

_DOCKER_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")
SLACK_S = 1.0  # file systems and the engine's clock may round times
# container paths -> SHA-256 of the image's regular files there (missing ones left out)
ImageDigests = Callable[[Sequence[str]], Mapping[str, str]]
History = Callable[[], Sequence[str]]  # the image's history, newest first (Engine.history)


def parse_docker_time(text: str) -> float | None:
    """Docker's RFC 3339 times (nanoseconds, Z or an offset) -> epoch seconds."""
    match = _DOCKER_TIME.match(text or "")
    if match is None or text.startswith("0001-"):
        return None
    seconds, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone
    return datetime.fromisoformat(f"{seconds}.{(fraction or '0')[:6]:0<6}{zone}").timestamp()


def stale_builds(engine: Engine, plans: Sequence[ServicePlan]) -> dict[str, list[Stale]]:
    """Per service with a build and a local image: the build inputs that differ from that image.
    Services of one build and image are compared once."""
    found: dict[str, list[Stale]] = {}
    compared: dict[tuple[str, str], list[Stale]] = {}
    seen: dict[Stale, Stale] = {}
    for plan in plans:
        image = plan.service.image
        image_id = engine.image_id(image) if plan.service.build is not None and image else None
        built = image_time(engine, image or "", image_id) if image_id else None
        if image_id is None or built is None:
            continue
        key = (image_id, build_key(plan))
        if key not in compared:
            read = partial(image_digests, engine, image_id)
            stale = baked_differences(plan, image_id, built, read, partial(engine.history, image_id))
            # the images of services built alike find the same files: held once
            compared[key] = [seen.setdefault(s, s) for s in stale]
            del stale
        found[plan.name] = compared[key]
    return found


def image_time(engine: Engine, image: str, image_id: str) -> float | None:
    """When the image was built, or last confirmed by a build to match its files (a fully cached
    build keeps an older Created time)."""
    created = parse_docker_time(engine.image_created(image) or "")
    confirmed = cache.verified_at(image_id)
    times = [t for t in (created, confirmed) if t is not None]
    return max(times) if times else None


def baked_differences(
    plan: ServicePlan,
    image_id: str,
    image_time: float,
    read: ImageDigests | None,
    history: History | None = None,
) -> list[Stale]:
    """The build inputs whose content differs from what the image was built from. A file in the
    image's manifest is compared with it; one without, older than the image, is taken as built from
    (and added to the manifest); a newer one is compared with its copy in the image (`read`), and
    the Dockerfile with the image's history (`history`)."""
    build = plan.service.build
    assert build is not None
    known = cache.manifest(image_id)
    unseen = set(known or ())
    kept: cache.Manifest = {}
    stale: list[Stale] = []
    newer: list[str] = []  # names only: 100,000 new files are not held with their stat
    by_age = 0  # files taken as built from because they are older than the image
    for file in build_files(plan):  # streamed, never held whole
        unseen.discard(file.relative)
        recorded = known.get(file.relative) if known is not None else None
        if recorded is None and file.mtime > image_time + SLACK_S:
            newer.append(file.relative)
            continue
        by_age += recorded is None
        found = entry(file, recorded)
        if found is None:
            continue  # unreadable: a rebuild would refuse it too (adapters/build_inputs.py)
        if recorded is not None and found[2] != recorded[2]:
            kept[file.relative] = recorded  # the image keeps the old content
            stale.append(Stale(Path(file.path), "differs from the content its image was built from"))
        else:
            kept[file.relative] = found
    for relative in sorted(unseen):
        kept[relative] = (known or {})[relative]  # the image still has it
        stale.append(Stale(build.context / relative, "was deleted; its image was built with it"))
    # when every file was compared by content, a newer .dockerignore changed nothing a COPY took:
    # a file it lets in now would be missing from the image, and found so
    compared_all = known is None and by_age == 0
    stale += _against_image(plan, newer, read, kept, history, compared_all)
    if kept != known:
        cache.record_manifest(image_id, build_key(plan), kept)
    return stale


def _against_image(
    plan: ServicePlan,
    newer: Sequence[str],
    read: ImageDigests | None,
    kept: cache.Manifest,
    history: History | None = None,
    compared_all: bool = False,
) -> list[Stale]:
    """Files newer than the image and not in its manifest (relative to the context): compared with
    their copies in the image; the Dockerfile with the image's history; the .dockerignore is
    unchanged in effect when all the others were compared by content (`compared_all`)."""
    build = plan.service.build
    assert build is not None
    context = str(build.context)
    wanted = sorted({str(p) for r in newer for p in image_paths(plan.dockerfile, build.target, r)})
    theirs = read(wanted) if wanted and read is not None else {}
    del wanted
    stale: list[Stale] = []
    for relative in newer:
        path = os.path.join(context, relative)
        try:
            mine = entry(stat_file(relative, path))
        except OSError:
            continue
        if mine is None:
            continue
        where = image_paths(plan.dockerfile, build.target, relative)
        if not where and history is not None and build.dockerfile and path == str(build.dockerfile):
            if _dockerfile_built(path, build.target, history):
                kept[relative] = mine  # recorded: from now on compared by content
                continue
        if not where and compared_all and build.dockerignore and path == str(build.dockerignore):
            kept[relative] = mine
            continue
        if not where:
            how = "changed after its image was built (no COPY of its final stage shows a copy to compare)"
            stale.append(Stale(Path(path), how))
            continue
        missing = [p for p in where if str(p) not in theirs]
        differing = [p for p in where if theirs.get(str(p), mine[2]) != mine[2]]
        if missing:
            stale.append(Stale(Path(path), f"is not in its image at {missing[0]}"))
        elif differing:
            stale.append(Stale(Path(path), f"differs from its copy in the image ({differing[0]})"))
        else:
            kept[relative] = mine
    return stale


def _dockerfile_built(path: str, target: str | None, history: History) -> bool:
    """Whether the image's history shows this Dockerfile, as it is now, built it."""
    try:
        text = Path(path).read_text(errors="replace")
        return built_from(text, target, history()) is True
    except (OSError, EngineError):
        return False


def stale_files(
    engine: Engine, plan: ProjectPlan, plans: Sequence[ServicePlan], started: Mapping[str, float | None]
) -> tuple[dict[str, list[Stale]], dict[str, list[Stale]]]:
    """Per service of `plans`: the build inputs that differ from its image; the bound files newer
    than its container (`started`: when it started, where it runs), where an edit there may restart
    it; without the files the containers wrote."""
    written = container_written(plan)
    baked = {
        name: [s for s in stale if not written(str(s.path))]
        for name, stale in stale_builds(engine, plans).items()
    }
    mounted: dict[str, list[Stale]] = {}
    for service in plans:
        container_started = started.get(service.name)
        if container_started is not None and service.strategy in (Strategy.RESTART, Strategy.RELOAD):
            newer = mounted_newer(service, container_started)
            mounted[service.name] = [s for s in newer if not written(str(s.path))]
    return baked, mounted


def container_written(plan: ProjectPlan) -> Callable[[str], bool]:
    """Whether a file was written by the containers, as far as the commands, its name and owner
    tell without devloop having watched it: under a bind mount of some service, and a service's
    command says it writes it, or it looks like output (a log, a cache, ...), or neither the host
    user nor the project folder's owner owns it."""
    project = plan.project
    me = user_id()
    directory = str(project.directory)
    tree = file_owner(directory)

    def written(path: str) -> bool:
        if not mounted_by(project, path):
            return False
        if plan.written_by(path) is not None or looks_like_output(os.path.relpath(path, directory)):
            return True
        facts = file_owner(path)
        return facts is not None and foreign_owner(facts[1], me, tree[1] if tree else None) is not None

    return written


def mounted_newer(plan: ServicePlan, started_at: float, limit: int = 20000) -> list[Stale]:
    """Files under the service's code binds changed after its container started."""
    found: list[Stale] = []
    for source, *_ in plan.code_binds:
        for path in iter_files(Path(source), limit):
            try:
                if os.stat(path, follow_symlinks=False).st_mtime > started_at + SLACK_S:
                    found.append(Stale(Path(path), "changed after the container started"))
            except OSError:
                continue
    return found


def files_under(root: Path, limit: int = 20000) -> list[Path]:
    """The files under a folder (or the file itself), without noise, symlinks not followed."""
    return [Path(path) for path in iter_files(root, limit)]


def iter_files(root: Path, limit: int = 20000) -> Iterator[str]:
    """files_under, one at a time and as strings: a walk of a big tree holds no list of it."""
    if root.is_file():
        yield str(root)
        return
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in NOISE_DIRS]
        for name in files:
            path = os.path.join(folder, name)
            if noise_reason(path):
                continue
            yield path
            count += 1
            if count >= limit:
                return
