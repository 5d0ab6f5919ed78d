"""What `devloop plan` says beyond the decisions: which stages a build target includes, why a
service of a shared build is not rebuilt with the others, and why a path in a build context
triggers nothing. Pure, and only for explaining: routing never calls it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devloop.model.dockerfile import stage_name
from devloop.model.project import Strategy
from devloop.planning.baked import NEXT_REBUILD, baked_how, waits_for_rebuild
from devloop.planning.decide import decide, relative
from devloop.planning.output import looks_like_output, mounted_by, output_anytime, pattern_for
from devloop.planning.planner import ProjectPlan
from devloop.planning.plans import ChangePlan, ServicePlan


def stage_chain(plan: ServicePlan) -> str | None:
    """`backend` includes: backend, base (backend is built FROM it, Dockerfile:9), ...; None for a
    single-stage build."""
    build = plan.service.build
    if build is None or plan.dockerfile is None or len(plan.dockerfile.stages) < 2:
        return None
    chain = plan.dockerfile.chain(build.target)
    if not chain:
        return f"target {build.target} is not a stage of {plan.dockerfile.path.name}"
    first, _ = chain[0]
    parts = [stage_name(first)] + [f"{stage_name(s)} ({how})" for s, how in chain[1:]]
    what = f"target {build.target}" if build.target else f"the last stage ({stage_name(first)})"
    return f"{what} includes {', '.join(parts)}; the other stages' COPY/ADD do not rebuild it"


def shared_note(project: ProjectPlan, plan: ServicePlan) -> str | None:
    """For a service of a shared build that gets edits through a bind: it is not rebuilt with the
    services that bake them."""
    others = [o for o in plan.build_group if o != plan.name]
    if not others or plan.strategy in (Strategy.REBUILD, Strategy.NONE) or not plan.code_binds:
        return None
    baked = [o for o in others if project.service(o).strategy is Strategy.REBUILD]
    how = "by itself" if plan.strategy is Strategy.RELOAD else f"by a {plan.strategy}"
    with_ = f" with {', '.join(baked)}" if baked else ""
    shares = f"shares its build with {', '.join(others)}"
    return f"{shares}: an edit under its binds is not rebuilt{with_}; it gets it {how}"


@dataclass(frozen=True)
class Quiet:
    """A path in the build context of some services that none of them acts on, and why."""

    path: Path
    services: tuple[str, ...]
    reason: str


def quiet_paths(project: ProjectPlan, change: ChangePlan, paths: Iterable[Path]) -> list[Quiet]:
    """For each path: the services that see it through a bind or a build context and do nothing for
    it, grouped by reason: their process does not read it (docs, CI settings, tests; baked, it waits
    for the image's next rebuild), their
    .dockerignore excludes it, or no COPY/ADD of the stages the target includes copies it."""
    acted = {(d.service, p) for d in change.decisions for p in d.paths}
    found: list[Quiet] = []
    for path in paths:
        by_reason: dict[str, list[str]] = {}
        text = str(path)
        for plan in project.services:
            if (plan.name, path) in acted or decide(plan, path) is not None:
                continue
            reason = _unread(plan, text)
            context = plan.context_text
            if reason is None and context is not None and text.startswith(context + "/"):
                reason = _why_not(plan, relative(text, context))
            if reason:
                by_reason.setdefault(reason, []).append(plan.name)
        found += [Quiet(path, tuple(names), reason) for reason, names in by_reason.items()]
    return found


def _why_not(plan: ServicePlan, inside: str) -> str | None:
    build = plan.service.build
    assert build is not None
    if plan.dockerignore.excludes(inside):
        ignore = build.dockerignore.name if build.dockerignore else ".dockerignore"
        return f"{ignore} excludes it from the build context"
    if plan.bakes(inside) or plan.dockerfile is None:
        return None
    dockerfile = plan.dockerfile
    reason = f"no COPY/ADD of {dockerfile.path.name} copies it"
    if len(dockerfile.stages) < 2:
        return reason
    stages = ", ".join(stage_name(s) for s, _ in dockerfile.chain(build.target))
    return f"{reason} in the stages the build includes ({stages})"


def _unread(plan: ServicePlan, text: str) -> str | None:
    """Why the service's process does not read this file under one of its code binds, or baked
    into its image (another service's start script, or a file that waits for the next rebuild), or
    None."""
    if plan.unread is None:
        return None
    script = plan.unread.script_reason(text)
    for source, inside, _, _ in plan.code_binds:
        if text.startswith(inside):
            reason = plan.unread.reason(relative(text, source)) or script
            return f"{reason}: an edit needs no restart" if reason else None
    context = plan.context_text
    if context is None or not text.startswith(context + os.sep):
        return None
    inside = relative(text, context)
    if not plan.bakes(inside) or plan.dockerignore.excludes(inside):
        return None
    if script is not None:
        return f"baked but not run by this service's command ({script})"
    why = waits_for_rebuild(plan, inside)
    return f"{baked_how(plan, inside)}; {why}: {NEXT_REBUILD}" if why else None


@dataclass(frozen=True)
class OutputNote:
    """A path under the bind mounts of some services that is (or looks like) what they write."""

    path: Path
    services: tuple[str, ...]  # the services that mount it (or would act on it)
    reason: str
    always: bool  # devloop up never acts on it (else: not when the containers write it)
    setting: str  # what makes it permanent ("" when the command that writes it does)


def output_note(project: ProjectPlan, path: Path, ignored: bool, foreign: str | None) -> OutputNote | None:
    """What `devloop up` does with a changed path the containers may have written: never act on it
    (a service's command says it writes it, its owner is not the host user, or it looks like output
    and git ignores it), or not act on it when it changes as the services start; None for a path
    that does not look like output."""
    services = mounted_by(project.project, str(path))
    if not services:
        return None
    inside = os.path.relpath(path, project.project.directory)
    setting = f'ignore = ["{pattern_for(inside)}"] in devloop.toml'
    declared = project.written_by(str(path))
    anytime = output_anytime(inside, ignored, foreign, declared.reason if declared else None)
    if anytime is not None:
        seeing = (*services, *(d.service for d in project.route([path]).decisions))
        return OutputNote(path, tuple(dict.fromkeys(seeing)), f"container output: {anytime}", True,
                          "" if declared else setting)  # fmt: skip
    looks = looks_like_output(inside)
    if looks is None:
        return None
    who = " or ".join(services)
    reason = (
        f"looks like container output ({looks[0]}): devloop up does not act on it when it changes during "
        f"or right after devloop's start, restart or rebuild of {who}; an edit of yours at another time acts"
    )
    return OutputNote(path, services, reason, False, setting)
