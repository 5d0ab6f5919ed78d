"""The images devloop builds: their contexts cleaned of AppleDouble files before every build (a
rebuild or a background refresh), a fresh one recorded as matching its files (a fully cached build
keeps an older Created time), and the ones rebuilds replaced removed."""

from __future__ import annotations

import contextlib

import anyio

from devloop import events
from devloop.adapters import cache
from devloop.adapters.appledouble import clean
from devloop.daemon.shared import Shared
from devloop.errors import EngineError
from devloop.load.manifest import record_build
from devloop.planning.planner import ServicePlan


class Images:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def confirm(self, names: list[str], at: float) -> None:
        """These services' images were built by a build started at `at`: recorded as confirmed,
        with the content of the files the build read (load/manifest.py). Blocking: hashing files."""
        context, engine = self.shared.context, self.shared.engine
        known = set(context.project.service_names)
        built: dict[str, ServicePlan] = {}
        for name in names:
            if name not in known:  # removed from the compose file meanwhile
                continue
            plan = context.plan.service(name)
            image_id = engine.image_id(plan.service.image) if plan.service.image else None
            if image_id:
                cache.record_verified(image_id, at)
                built.setdefault(image_id, plan)
        for image_id, plan in built.items():
            record_build(plan, image_id, at)

    def prune(self) -> None:
        """The images rebuilds replaced, once no container uses them: a day of edits would leave
        hundreds of dangling images otherwise."""
        with contextlib.suppress(EngineError):
            self.shared.engine.remove_dangling_images(self.shared.context.project.name)

    async def clean(self, names: list[str]) -> None:
        """Delete genuine AppleDouble files from these services' build contexts, before a build."""
        plan = self.shared.context.plan
        contexts = sorted(
            {plan.service(n).service.build.context for n in names if plan.service(n).service.build}  # type: ignore[union-attr]
        )
        report = await anyio.to_thread.run_sync(clean, contexts)
        for path in report.removed:
            self.shared.emit(events.Notice(message=f"removed AppleDouble file {path} before the build"))
        for path in report.kept:
            self.shared.emit(
                events.Notice(level="warning", message=f"kept {path}: named ._* but not an AppleDouble file")
            )
