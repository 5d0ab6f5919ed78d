"""The images devloop's builds leave behind: record that a fresh one matches its files (a fully
cached build keeps an older Created time), and remove the ones rebuilds replaced."""

from __future__ import annotations

import contextlib

from devloop.adapters import cache
from devloop.daemon.shared import Shared
from devloop.errors import EngineError


class Images:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def confirm(self, names: list[str], at: float) -> None:
        """These services' images were built at `at` from the files as they are now."""
        context, engine = self.shared.context, self.shared.engine
        known = set(context.project.service_names)
        for name in names:
            if name not in known:  # removed from the compose file meanwhile
                continue
            image = context.plan.service(name).service.image
            image_id = engine.image_id(image) if image else None
            if image_id:
                cache.record_verified(image_id, at)

    def prune(self) -> None:
        """The images rebuilds replaced, once no container uses them: a day of edits would leave
        hundreds of dangling images otherwise."""
        with contextlib.suppress(EngineError):
            self.shared.engine.remove_dangling_images(self.shared.context.project.name)
