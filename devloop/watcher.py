"""Adapter for watchfiles: batches of changed paths under the roots that matter."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import anyio
from watchfiles import Change, awatch

from devloop.ignore import noise_reason


class RootFilter:
    """Keeps changes under a watched folder or to a watched file, minus the noise."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.dirs: tuple[str, ...] = ()
        self.files: frozenset[str] = frozenset()
        dirs, files = [], set()
        for root in roots:
            (dirs.append(str(root)) if root.is_dir() else files.add(str(root)))
        self.dirs = tuple(d.rstrip(os.sep) + os.sep for d in dirs)
        self.files = frozenset(files | {d.rstrip(os.sep) for d in dirs})

    def __call__(self, change: Change, path: str) -> bool:
        if noise_reason(path):
            return False
        return path in self.files or path.startswith(self.dirs)


def watch_targets(roots: Iterable[Path]) -> list[Path]:
    """Folders to hand to the OS watcher: folders as they are, files through their parent (so an
    editor's save-by-rename is seen), nested ones dropped; missing folders through an existing parent."""
    targets: set[Path] = set()
    for root in roots:
        target = root if root.is_dir() else root.parent
        while not target.exists() and target != target.parent:
            target = target.parent
        targets.add(target)
    kept: list[Path] = []
    for target in sorted(targets):
        if not any(k == target or k in target.parents for k in kept):
            kept.append(target)
    return kept


async def watch(
    roots: Iterable[Path], debounce_ms: int, max_wait_ms: int, stop: anyio.Event
) -> AsyncIterator[set[Path]]:
    """Yield sets of changed paths: after `debounce_ms` of quiet, or `max_wait_ms` at the latest."""
    roots = list(roots)
    path_filter = RootFilter(roots)
    async for changes in awatch(
        *watch_targets(roots),
        watch_filter=path_filter,
        step=max(debounce_ms, 1),
        debounce=max(max_wait_ms, debounce_ms, 1),
        stop_event=stop,
        ignore_permission_denied=True,
        raise_interrupt=False,
    ):
        paths = transient_dropped(changes)
        if paths:
            yield paths


def transient_dropped(changes: set[tuple[Change, str]]) -> set[Path]:
    """Paths of a batch, minus files that were created and deleted within it (an editor's or
    `sed -i`'s temp file before the rename): they never held code."""
    added = {path for change, path in changes if change == Change.added}
    deleted = {path for change, path in changes if change == Change.deleted}
    transient = {path for path in added & deleted if not os.path.lexists(path)}
    return {Path(path) for _, path in changes if path not in transient}
