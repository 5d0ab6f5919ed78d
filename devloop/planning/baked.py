"""Baked files the running process does not read (planning/unread.py: documentation, CI settings,
tests of a non-test-runner): a live update copies them in and leaves the process running, and a
rebuild waits for the next one, unless the build makes something of them or the image is what a
static server serves. Pure."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from devloop.model.project import Action, Strategy
from devloop.planning.plans import ServicePlan
from devloop.planning.strategy import copy_text, show
from devloop.planning.unread import build_reads

NOT_RESTARTED = "not restarted"
NEXT_REBUILD = "the image takes it at its next rebuild"
_TOKEN = re.compile(r"[\s/=:;,'\"&|()<>]+")


def baked_outcome(plan: ServicePlan, baked: str) -> tuple[Action, str]:
    """What a file baked into the image (relative to the build context) gets: a sync when live
    update copies it as a rebuild would, else a rebuild (or the strategy set in the settings)."""
    if plan.strategy is Strategy.SYNC and not (plan.service.watch_rules and plan.configured == "auto"):
        if plan.live is not None:
            why = plan.live.blocker(baked)
            if why is not None:
                return Action.REBUILD, f"{baked} is {baked_how(plan, baked)}; no live update: {why}"
            return Action.SYNC, f"{baked} is {baked_how(plan, baked)}; live update copies it in"
        if plan.copy_sources.covering(baked) is None:
            return Action.REBUILD, f"{baked} cannot be synced: no COPY of the image copies it"
        return Action.SYNC, f"{baked} is {baked_how(plan, baked)}; it is copied into the containers"
    action = plan.strategy.action if plan.configured != "auto" else Action.REBUILD
    why = plan.live.blocker(baked) if plan.live is not None and action is Action.REBUILD else None
    return action, f"{baked} is {baked_how(plan, baked)}" + (f"; no live update: {why}" if why else "")


def baked_how(plan: ServicePlan, relative: str) -> str:
    """How the image holds a context file: "baked into the image by `COPY . .` (Dockerfile:5)"."""
    build = plan.service.build
    assert build is not None
    copy = plan.copy_sources.covering(relative)
    if copy is None or plan.dockerfile is None:
        return f"baked into the image (build context {show(build.context, plan.base)})"
    return f"baked into the image by {copy_text(copy, plan.dockerfile)}"


def unread_in_context(plan: ServicePlan, relative: str) -> str | None:
    """Why the process does not read this file of its build context (relative), or None: it may
    read it, or the .dockerignore names it back in (`*.md` then `!CHANGELOG.md`: the image is meant
    to carry it, so something reads it)."""
    unread = plan.unread
    reason = unread.reason(relative) if unread is not None else None
    if reason is None or plan.dockerignore.named_back(relative):
        return None
    return reason


def waits_for_rebuild(plan: ServicePlan, relative: str) -> str | None:
    """Why a baked file that would rebuild the image needs no rebuild now (the image takes it at its
    next one), or None: rebuild. Not when the process may read it (unread_in_context), a service
    that runs the image it builds may, the process serves files as they are (what the image holds
    is what it serves), or a RUN of the build after the COPY that takes it may read it."""
    unread = plan.unread
    reason = unread_in_context(plan, relative)
    kind = unread.kind(relative) if unread is not None else None
    if reason is None or unread is None or kind is None or unread.serves:
        return None
    if any(user is None or user.serves or user.reason(relative) is None for user in plan.users_unread):
        return None
    return None if _built_from(plan, relative, *kind) else reason


def _built_from(plan: ServicePlan, relative: str, kind: str, named: str) -> bool:
    """Whether a RUN of the stages the build includes, at or after the first COPY/ADD that takes the
    file, runs a program that reads its kind (`mkdocs build`, `pytest`, `npm run build` for Markdown)
    or names it (`cp CHANGELOG.md static/`); also when devloop cannot read the Dockerfile."""
    dockerfile, build = plan.dockerfile, plan.service.build
    if dockerfile is None or build is None or not dockerfile.stages:
        return True
    lines = [c.line for c in plan.copy_sources.every_covering(relative.replace(os.sep, "/"))]
    if not lines:
        return False
    first = min(lines)
    runs = {run for stage, _ in dockerfile.chain(build.target) for run in stage.runs if run[0] >= first}
    return any(build_reads(text, kind) or named in _TOKEN.split(text.lower()) for _, text in runs)


def untouched(plan: ServicePlan, paths: Iterable[Path]) -> str | None:
    """Why the process reads none of these files that a sync copies into its containers (the first
    one's reason), or None when it may read one of them: then it picks them up as usual."""
    first = None
    for path in paths:
        why = _unread(plan, str(path))
        if why is None:
            return None
        first = first or why
    return first


def _unread(plan: ServicePlan, text: str) -> str | None:
    if plan.unread is None:
        return None
    for _, inside, _, _ in plan.code_binds:
        if text.startswith(inside):  # a bind the engine does not see: devloop copies it in
            return plan.unread.reason(text[len(inside) :])
    context = plan.context_text
    if context is not None and text.startswith(context + os.sep):
        return unread_in_context(plan, text[len(context) + 1 :])
    return None
