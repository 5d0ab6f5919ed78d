"""Where a file of the build context lands in the image, read from the final stage's COPY/ADD
instructions, so a change can be copied into running containers instead of rebuilt."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from devloop.model.dockerfile import Copy, Dockerfile, Stage


@dataclass(frozen=True)
class SyncTarget:
    path: PurePosixPath  # where the file lives in the container
    line: int  # the COPY/ADD line that put it there
    chown: str | None = None


@dataclass(frozen=True)
class NoSync:
    reason: str


def _is_remote(source: str) -> bool:
    return "://" in source or source.startswith("git@")


def _into_directory(copy: Copy) -> bool:
    """COPY treats the destination as a folder when it ends with / or gets several sources."""
    text = str(copy.destination)
    return len(copy.sources) > 1 or text.endswith("/") or any(ch in s for s in copy.sources for ch in "*?[")


def target_for(copy: Copy, relative: str, raw_destination: str | None = None) -> PurePosixPath | None:
    """Where `relative` (a path in the context, with /) lands by this COPY, or None."""
    if copy.from_stage is not None:
        return None
    for source in copy.sources:
        if _is_remote(source):
            continue
        clean = os.path.normpath(source.lstrip("/")).replace(os.sep, "/")
        if clean in (".", ""):
            return copy.destination / relative
        if relative == clean:
            # a single file: into the folder, or as the destination itself
            folder = _into_directory(copy) or (raw_destination or "").endswith(("/", "."))
            return copy.destination / os.path.basename(relative) if folder else copy.destination
        if relative.startswith(clean + "/"):
            return copy.destination / relative[len(clean) + 1 :]
        if any(ch in clean for ch in "*?["):
            head = relative.split("/")[: clean.count("/") + 1]
            matched = "/".join(head)
            if fnmatch.fnmatchcase(matched, clean):
                rest = relative[len(matched) :].lstrip("/")
                base = copy.destination / os.path.basename(matched)
                return base / rest if rest else base
    return None


def sync_targets(stage: Stage | None, context: Path, path: Path) -> tuple[SyncTarget, ...] | NoSync:
    """Every container path a context file is copied to by the final stage (a file can land in
    more than one place: `COPY . .` and `COPY *.py /scripts/`)."""
    if stage is None:
        return NoSync("the Dockerfile could not be read")
    try:
        relative = path.relative_to(context).as_posix()
    except ValueError:
        return NoSync(f"{path.name} is outside the build context")
    targets: dict[PurePosixPath, SyncTarget] = {}
    for copy in stage.copies:
        target = target_for(copy, relative, copy.raw_destination)
        if target is not None:
            targets[target] = SyncTarget(target, copy.line, copy.chown)  # a later COPY wins
    if not targets:
        return NoSync(f"no COPY/ADD of the final stage copies {relative}")
    return tuple(targets.values())


def describe_mapping(stage: Stage | None, dockerfile_name: str = "Dockerfile") -> list[str]:
    """Lines for `devloop plan`: what the final stage copies where."""
    if stage is None:
        return []
    lines = []
    for copy in stage.copies:
        if copy.from_stage is not None:
            continue
        sources = " ".join(copy.sources)
        owner = f" (owner {copy.chown})" if copy.chown else ""
        lines.append(f"{dockerfile_name}:{copy.line} {sources} -> {copy.destination}{owner}")
    return lines


def image_paths(
    dockerfile: Dockerfile | None, target: str | None, relative: str
) -> tuple[PurePosixPath, ...]:
    """Where a context file (relative, with /) is in the image a build of `target` makes: what the
    COPY/ADD of that stage and of the stages it is built FROM put there. A file copied only into a
    stage the image takes files from (`COPY --from`) is not there as such: ()."""
    stage = dockerfile.stage(target) if dockerfile is not None else None
    lineage: list[Stage] = []
    while stage is not None and dockerfile is not None:
        lineage.append(stage)
        stage = dockerfile.stages[stage.parent] if stage.parent is not None else None
    found: dict[PurePosixPath, None] = {}
    for each in reversed(lineage):
        for copy in each.copies:
            landed = target_for(copy, relative, copy.raw_destination)
            if landed is not None:
                found[landed] = None
    return tuple(found)
