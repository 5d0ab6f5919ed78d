"""Which container paths a batch of changes is synced to, or why it cannot be synced."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from devloop.planning.baked import untouched
from devloop.planning.copymap import NoSync, sync_targets
from devloop.planning.planner import ServicePlan, is_dependency_file


@dataclass(frozen=True)
class FileSync:
    """A host file and where it goes in the container (with COPY's numeric --chown)."""

    host: Path
    target: PurePosixPath
    chown: str | None = None


def files_to_sync(plan: ServicePlan, paths: Iterable[Path]) -> list[FileSync] | NoSync:
    """FileSync items for every path, or the first reason a path needs a rebuild instead."""
    files: list[FileSync] = []
    build = plan.service.build
    for path in paths:
        rule = next(
            (
                r
                for r in plan.service.watch_rules
                if r.target and r.action.startswith("sync") and (path == r.path or r.path in path.parents)
            ),
            None,
        )
        if rule is not None and rule.target:  # the user's own develop.watch sync rule
            files.append(FileSync(path, PurePosixPath(rule.target) / path.relative_to(rule.path)))
            continue
        broken = next((b for b in plan.unseen_binds if b.covers(path)), None)
        if broken is not None:  # the engine does not see this bind: copy into its target
            files.append(FileSync(path, broken.container_path(path)))
            continue
        if build is None:
            return NoSync(f"{path.name} is not in a build context")
        if is_dependency_file(str(path)) or path in (build.dockerfile, build.dockerignore):
            return NoSync(f"{path.name} is a build input: the image must be rebuilt")
        if plan.live is not None:
            why = (
                plan.live.blocker(path.relative_to(build.context).as_posix())
                if path.is_relative_to(build.context)
                else None
            )
            if why is not None:
                return NoSync(f"{path.name}: {why}")
        targets = sync_targets(plan.stage, build.context, path)
        if isinstance(targets, NoSync):
            return targets
        mounted = next(
            (m for t in targets for m in _mounts(plan) if t.path == m or m in t.path.parents), None
        )
        if mounted is not None:  # the copy would land in a mount that hides the image's file
            return NoSync(f"{path.name} lands under {mounted}, a mount of the container")
        files.extend(FileSync(path, t.path, t.chown) for t in targets)
    return files


def pickup(plan: ServicePlan, paths: Iterable[Path], files: Iterable[FileSync]) -> tuple[str, str | None]:
    """How the process picks up a batch copied in (ServicePlan.pickup_for: "reload", "signal" or
    "restart"), or "none" with why, when it reads none of these files: they are copied in and it is
    left running (a reloader that watches one of them reloads as usual)."""
    how = plan.pickup_for(f.target for f in files)
    quiet = untouched(plan, paths) if how != "reload" else None
    return ("none", quiet) if quiet is not None else (how, None)


def batch_pickup(plan: ServicePlan, paths: Sequence[Path]) -> str:
    """pickup() of a batch as the sync will copy it ("restart" when it cannot be synced)."""
    files = files_to_sync(plan, paths)
    return "restart" if isinstance(files, NoSync) else pickup(plan, paths, files)[0]


def _mounts(plan: ServicePlan) -> tuple[PurePosixPath, ...]:
    return (*plan.service.volumes, *(b.target for b in plan.service.binds))
