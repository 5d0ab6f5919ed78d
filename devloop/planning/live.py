"""Live update: whether a rebuild would do no more to a changed file of the build context than copy
it verbatim into the image, so that copying it into the running containers is the same thing; and
how the process then picks it up. Pure: reads the parsed Dockerfile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from devloop.inference.reloaders import ReloadVerdict
from devloop.model.dockerfile import Copy, Dockerfile, Stage, stage_name
from devloop.model.project import Bind, Service, Strategy
from devloop.planning.strategy import CopySources, copy_text

# ADD unpacks a local archive: what lands in the image is not the file.
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")
# COPY flags that leave the copied bytes and mode as they are (--chown is applied by the copy in).
_VERBATIM_FLAGS = frozenset({"--chown", "--link", "--from"})
_RUN_SHOWN = 48


@dataclass(frozen=True)
class LiveUpdate:
    """What the Dockerfile does with each file it copies from the build context of a build `target`."""

    dockerfile: Dockerfile
    target: str | None = None

    @cached_property
    def final(self) -> Stage | None:
        return self.dockerfile.stage(self.target)

    @cached_property
    def sources(self) -> CopySources:
        return CopySources(self.dockerfile.chain_copies(self.target))

    @cached_property
    def _stage_of(self) -> dict[Copy, Stage]:
        return {
            c: stage
            for stage, _ in self.dockerfile.chain(self.target)
            for c in (*stage.copies, *stage.mounts)
        }

    @cached_property
    def _blockers(self) -> dict[Copy, str | None]:
        return {copy: self._copy_blocker(copy) for copy in self.sources.copies}

    def blocker(self, relative: str) -> str | None:
        """Why copying this context file (relative, with /) into the containers is not what a
        rebuild does, or None when it is: every COPY/ADD that reads it is one of the final stage's,
        copies it verbatim, and no RUN comes after it."""
        found = False
        for copy in self.sources.every_covering(relative):
            found = True
            why = self._blockers[copy]
            if why is None and copy.instruction == "ADD" and relative.endswith(ARCHIVES):
                why = f"{copy_text(copy, self.dockerfile)} unpacks it"
            if why is not None:
                return why
        return None if found else "no COPY/ADD of the image copies it"

    @cached_property
    def applies(self) -> str | None:
        """None when live update applies to some file the final stage copies, else why not (the
        first reason met)."""
        reasons = [why for why in self._blockers.values()]
        if not reasons:
            return "no COPY/ADD of the image copies the build context"
        return None if None in reasons else reasons[0]

    def _copy_blocker(self, copy: Copy) -> str | None:
        final = self.final
        shown = copy_text(copy, self.dockerfile)
        name = self.dockerfile.path.name
        if final is None:
            return "devloop cannot tell which stage is built"
        if any("$" in part for part in (*copy.sources, copy.raw_destination)):
            return f"{shown} names a build ARG: devloop cannot tell what it copies where"
        if copy.instruction == "RUN --mount":
            return f"{shown} reads it while building"
        if copy not in final.copies:
            stage = self._stage_of.get(copy)
            which = (
                f"stage `{stage.name}`" if stage and stage.name else stage_name(stage) if stage else "a stage"
            )
            return f"{shown} copies it into {which}, and the image gets what that stage makes of it"
        odd = next((f for f in copy.flags if f not in _VERBATIM_FLAGS), None)
        if odd is not None:
            return f"{shown} copies it with {odd}"
        run = next(((line, text) for line, text in final.runs if line > copy.line), None)
        if run is not None:
            line, text = run
            text = text if len(text) <= _RUN_SHOWN else text[: _RUN_SHOWN - 3] + "..."
            return f"`RUN {text}` ({name}:{line}) runs after {shown} and may read what it copies"
        return None


def pickup(verdict: ReloadVerdict, signal_pid1: bool) -> str:
    """How the process picks up copied files: "reload" (it reloads by itself), "signal" (devloop
    signals it: `verdict.on_signal` to PID 1), or "restart"."""
    if verdict.reloads:
        return "reload"
    return "signal" if verdict.on_signal and signal_pid1 else "restart"


def pickup_text(verdict: ReloadVerdict, how: str) -> str:
    """The pickup for a reason: "it reloads by itself", "`gunicorn` reloads on HUP, ..."."""
    if how == "reload":
        return f"{(verdict.program or 'it').split()[0]} reloads by itself"
    if how == "signal":
        program = (verdict.program or "").split()[0]
        return f"devloop sends {verdict.on_signal} to `{program}`, which reloads on it"
    return "devloop restarts it"


def sync_strategy(
    service: Service,
    strategy: Strategy,
    reason: str,
    base: Path,
    dockerfile: Dockerfile | None,
    live_update: bool,
    unseen: Sequence[Bind],
    verdict: ReloadVerdict,
    how: str,
    image_users: Sequence[str] = (),
) -> tuple[Strategy, str]:
    """Where `auto` becomes `sync`: binds the engine does not see (their changes are copied into the
    container instead), and baked code that a COPY of the final stage copies verbatim, with no RUN
    after it (live update, unless `live_update = false`); `how` the process picks it up (pickup()).
    Services that run the image it builds (`image_users`) would keep the old code: it rebuilds."""
    if unseen:
        where = ", ".join(b.shown(base) for b in unseen)
        return Strategy.SYNC, f"the engine does not see {where}; devloop copies changes in"
    if (
        strategy is not Strategy.REBUILD
        or service.build is None
        or dockerfile is None
        or not dockerfile.stages
    ):
        return strategy, reason
    if not live_update:
        return strategy, f"{reason}; live_update = false in the devloop settings"
    why = LiveUpdate(dockerfile, service.build.target).applies
    if image_users:
        why = f"{', '.join(image_users)} also run the image it builds"
    if why is not None:
        return strategy, f"{reason}; no live update: {why}"
    return Strategy.SYNC, f"{reason}; live update: edits are copied into the running containers and " \
        f"{pickup_text(verdict, how)}"  # fmt: skip
