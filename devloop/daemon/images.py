"""The images devloop's builds leave behind: record that a fresh one matches its files (a fully
cached build keeps an older Created time), and remove the ones rebuilds replaced."""

from __future__ import annotations

import contextlib

from devloop.adapters import cache
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
