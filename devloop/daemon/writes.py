"""Never act on what the containers write: before a batch is routed, the paths the containers wrote
into their bind mounts are taken out of it (see planning.output for the rules). Each time a path is
judged output devloop says so once, with the `ignore` setting that makes it permanent."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterable
from pathlib import Path

from devloop import events
from devloop.adapters.archives import digest
from devloop.adapters.git import GitIgnores
from devloop.adapters.host import file_owner, user_id
from devloop.daemon.shared import Shared
from devloop.planning.output import Change, Writes, foreign_owner, mounted_by

# Actions after which a service's new process writes its logs and caches into its binds.
_STARTS = frozenset({"restart", "rebuild", "recreate"})


DIGESTED = 50  # paths of one action whose content is remembered (not a catch-up of a whole tree)


class ContainerWrites:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.state = Writes()
        self.git = GitIgnores(shared.context.project.directory)
        self.me = user_id()
        self.said: set[str] = set()  # the patterns (and declared outputs) devloop told about
        self._owners: dict[str, int | None] = {}  # bind source -> its owner

    def observe(self, event: events.Event) -> None:
        """Told every event: the actions that start a service's process open its window, which
        closes WINDOW_S after the action ended, or after the service was seen live."""
        if isinstance(event, events.Outcome):  # live (or failed) now: its start-up writes come after
            self.state.live(event.service, event.at)
            return
        if not isinstance(event, events.ActionEvent):
            return
        if event.action == "reload" and event.status == "skipped":  # its own reload starts it anew
            self.state.began(event.service, event.at, "reload")
            self.state.ended(event.service, event.at)
            return
        if event.action not in _STARTS:
            return
        if event.status == "started":
            self.state.began(event.service, event.at, event.action)
            # The paths of a bigger action (a catch-up over a tree) are not remembered: with no
            # content to compare a later write with, they would only be held, 20,000 strings for as
            # long as devloop runs. (Their content was read when the change was judged, in keep():
            # read now, as the action starts, it may already be the next edit's, which would then
            # pass for a rewrite of what devloop acted on, for every service.)
            if len(event.paths) <= DIGESTED:
                self.state.acted(event.service, event.paths, event.at)
        elif event.status in ("succeeded", "failed"):
            self.state.ended(event.service, event.at)

    def starting(self, services: Iterable[str], at: float) -> None:
        """`docker compose up -d` (at devloop's start, or when the engine is back) is running."""
        for service in services:
            self.state.began(service, at, "start")

    def started(self, services: Iterable[str], at: float) -> None:
        for service in services:
            self.state.ended(service, at)

    def keep(self, paths: Iterable[Path]) -> list[Path]:
        """The paths that are not container output; those that are are told about once."""
        context = self.shared.context
        directory = str(context.project.directory)
        project_files = context.plan.remodel_texts
        changes: list[tuple[Path, Change]] = []
        kept: list[Path] = []
        paths = list(paths)
        small = len(paths) <= DIGESTED  # what an edit looks like as it is judged, for a later rewrite
        for path in paths:
            text = str(path)
            services = mounted_by(context.project, text)
            if not services or text in project_files:
                kept.append(path)
                continue
            facts = file_owner(text)
            at, uid = facts if facts is not None else (time.time(), None)
            foreign = None if uid is None else foreign_owner(uid, self.me, self._tree_owner(text))
            digest = content_digest(text) if small or self.state.needs_digest(text) else None
            declared = context.plan.written_by(text)  # its service's command says it writes it
            why = declared.reason if declared is not None else None
            relative = os.path.relpath(text, directory)
            change = Change(text, relative, at, services, foreign, digest=digest, declared=why)
            changes.append((path, change))
        asked = [c.path for _, c in changes if c.foreign_owner is None and c.declared is None]
        ignored = self.git.ignored(asked) if asked else set()
        for path, change in changes:
            if change.path in ignored:
                change = dataclasses.replace(change, foreign_owner=None, ignored=True)
            verdict = self.state.judge(change)
            if verdict is None:
                kept.append(path)
                continue
            # once per ignore pattern; once per option for what a command says it writes (two
            # workers' --logfile under one logs/ share a pattern, not a reason)
            said = change.declared or verdict.pattern
            if said not in self.said:
                self.said.add(said)
                declared = context.plan.written_by(change.path) if change.declared else None
                self.shared.emit(
                    events.ContainerOutput(
                        path=change.relative,
                        services=[declared.service] if declared else list(verdict.services),
                        reason=verdict.reason,  # a command that writes it needs no setting
                        setting="" if declared else f'ignore = ["{verdict.pattern}"] in devloop.toml',
                    )
                )
        return kept

    def _tree_owner(self, text: str) -> int | None:
        """The owner of the project folder, or of the outermost bind source holding the path."""
        directory = str(self.shared.context.project.directory)
        root = directory if text.startswith(directory + os.sep) else os.path.dirname(text)
        if root not in self._owners:
            facts = file_owner(root)
            self._owners[root] = facts[1] if facts is not None else None
        return self._owners[root]


def content_digest(path: str, limit: int = 1 << 20) -> str | None:
    """SHA-256 of a small regular file, or None (gone, unreadable, or larger than `limit`)."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                return None
            return digest(handle)
    except OSError:
        return None
