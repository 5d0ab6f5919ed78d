"""Catch-up: what the files that changed while devloop was not running mean, decided by the same
routing as a live edit. Pure: which files differ is found by load/staleness.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from devloop.model.project import Action
from devloop.planning.baked import untouched
from devloop.planning.planner import ProjectPlan
from devloop.planning.plans import Decision
from devloop.planning.strategy import show


@dataclass(frozen=True)
class Stale:
    """A file that changed while devloop was not running, and how devloop knows."""

    path: Path
    how: str  # "differs from its copy in the image (/app/main.py)", "changed after the container started"


def catch_up(
    plan: ProjectPlan, baked: Mapping[str, Sequence[Stale]], mounted: Mapping[str, Sequence[Stale]]
) -> list[Decision]:
    """One decision per service that needs an action at start.

    `baked`: per service with a build, the build inputs that differ from its image: they give what a
    live edit gives (a rebuild, or a sync; nothing for a file no process of the image reads, which
    waits for the next rebuild), also to the services that run that image; a service that
    gets them by reload or restart through a bind is not acted on for them, as its container reads
    the bind. `mounted`: per service, the files under its binds newer than its container: a restart
    where a live edit restarts it (a reloader saw them, or started after them)."""
    best: dict[str, tuple[Decision, Stale]] = {}

    def keep(decision: Decision, stale: Sequence[Stale]) -> None:
        current = best.get(decision.service)
        if current is None or decision.action > current[0].action:
            first = next((s for s in stale if s.path in decision.paths), stale[0])
            best[decision.service] = (decision, first)

    for name, stale in baked.items():
        if not stale:
            continue
        users = plan.image_users.get(name, ())
        for decision in plan.route([s.path for s in stale]).decisions:
            live = plan.service(decision.service)
            baked_code = live.live is not None and not live.unseen_binds
            if decision.action is Action.SYNC and baked_code and untouched(live, decision.paths) is None:
                # the image itself differs: rebuilt at once, rather than copied in and refreshed later
                # (files its process does not read are copied in: a rebuild would restart it)
                decision = replace(
                    decision,
                    action=Action.REBUILD,
                    reason=f"{decision.reason}; at start the image is rebuilt",
                )
            if decision.action in (Action.REBUILD, Action.SYNC) and (
                decision.service == name or decision.service in users
            ):
                keep(decision, stale)
    for name, stale in mounted.items():
        restart = plan.route([s.path for s in stale]).decision(name) if stale else None
        if restart is not None and restart.action is Action.RESTART:
            keep(restart, stale)
    return [_explained(plan, decision, first) for decision, first in (best[n] for n in sorted(best))]


def _explained(plan: ProjectPlan, decision: Decision, first: Stale) -> Decision:
    more = len(decision.paths) - 1
    others = f" (and {more} more file{'s' if more > 1 else ''})" if more > 0 else ""
    what = f"{show(first.path, plan.project.directory)} {first.how}{others}"
    return Decision(decision.service, decision.action, f"{what}: {decision.reason}", decision.paths)
