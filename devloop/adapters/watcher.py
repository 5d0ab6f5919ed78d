"""Batches of changed paths under the roots that matter, on top of an OS notifier (notify.py).

The quiet time is devloop's own: a batch is yielded after `debounce_ms` without any event, or at the
latest `max_wait_ms` after its first one (the notifier alone counts distinct paths, so one file
written for a long time would look quiet). Nothing is lost when the tree changes shape: a folder
that appears is read whole (a `mv` into the tree is a single event), a watched folder that is
deleted and created again is watched again, and an error of the notifier (an overflow, a file name
watchfiles cannot decode) is survived by reading what changed meanwhile from the files' times."""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import anyio

from devloop.adapters.notify import Change, Changes, Notifier, NotifierError, default_notifier
from devloop.model.ignore import NOISE_DIRS, noise_reason

EXPAND_LIMIT = 20000  # files read from one folder that appeared
RESCAN_SLACK_S = 1.0  # file times are compared with this much margin
NOTIFIER_LATENCY_S = 0.2  # the longest a notifier holds an event back (watchfiles': 200 ms)
REPORTED_WITHIN_S = NOTIFIER_LATENCY_S + 0.2  # a file event reaches the watch loop within this,
# with slack for a busy event loop
POLLED_WITHIN_S = 1.0  # the same when the notifier polls (every 300 ms)


def reported_within_s() -> float:
    """How long after a write its event may reach the watch loop."""
    return POLLED_WITHIN_S if "WATCHFILES_FORCE_POLLING" in os.environ else REPORTED_WITHIN_S


class Batch(set[Path]):
    """Changed paths, and when the first of them was seen (seconds since the epoch): the start of
    the edit-to-live time."""

    def __init__(self, paths: Iterable[Path], first_at: float) -> None:
        super().__init__(paths)
        self.first_at = first_at


@dataclass
class WatchProgress:
    """How far the watcher has got with the changes it received (epoch seconds of their receipt):
    the oldest not yet handed out, and the oldest of the batch being handled. `devloop wait` reads
    it to know that every change up to a moment has been routed."""

    pending_since: float | None = None
    handling_since: float | None = None

    def settled(self, cutoff: float) -> bool:
        """Every change received at or before `cutoff` has been handed out and handled."""
        return all(t is None or t > cutoff for t in (self.pending_since, self.handling_since))


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


def edited_at(paths: Iterable[Path], seen: float, sample: int = 50) -> float:
    """When the first edit of a batch was made: the earliest modification time among its files
    that falls in the notifier's latency before `seen` (the notifier reports an event only after
    a short quiet, and a reloader that polls may act before that)."""
    earliest = seen - NOTIFIER_LATENCY_S
    found = seen
    for path in itertools.islice(paths, sample):
        with contextlib.suppress(OSError):
            mtime = path.stat().st_mtime
            if earliest <= mtime < found:
                found = mtime
    return found


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


def walk(root: str, newer_than: float | None = None, limit: int = EXPAND_LIMIT) -> set[str]:
    """Paths under a folder, symlinks not followed and noise folders skipped; with `newer_than`,
    only those whose content or metadata changed since then (folders too: an entry was added or
    removed there)."""
    found: set[str] = set()
    stack = [root]
    while stack and len(found) < limit:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
            if newer_than is not None:
                st = os.lstat(folder)
                if max(st.st_mtime, st.st_ctime) >= newer_than:
                    found.add(folder)
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir and entry.name in NOISE_DIRS:
                    continue
                if is_dir:
                    stack.append(entry.path)
                    continue
                if newer_than is not None:
                    st = entry.stat(follow_symlinks=False)
                    if max(st.st_mtime, st.st_ctime) < newer_than:
                        continue
                found.add(entry.path)
            except OSError:
                continue
    return found


def expand_added(changes: Changes) -> Changes:
    """A folder that was added stands for the files in it: the notifier reports a folder moved into
    the tree, and files written into a new folder before it was watched, as the folder alone. The
    folder itself is no change to any code (a folder that went away is kept: nothing else says so)."""
    expanded: Changes = set()
    for change, path in changes:
        if change == Change.added and os.path.isdir(path) and not os.path.islink(path):
            expanded |= {(Change.added, p) for p in walk(path)}
        else:
            expanded.add((change, path))
    return expanded


def transient_dropped(changes: Changes) -> set[Path]:
    """Paths of a batch, minus files that were created and deleted within it (an editor's or
    `sed -i`'s temp file before the rename): they never held code."""
    added = {path for change, path in changes if change == Change.added}
    deleted = {path for change, path in changes if change == Change.deleted}
    transient = {path for path in added & deleted if not os.path.lexists(path)}
    return {Path(path) for _, path in changes if path not in transient}


def folders_dropped(paths: set[Path]) -> set[Path]:
    """Paths of a batch, minus those with other paths of the batch under them: a folder deleted
    with `rm -r` is reported beside each of its files, and only the files say what changed (a
    folder name would otherwise count as a file no reloader watches)."""
    ordered = sorted(paths, key=lambda p: p.parts)
    return {
        path
        for path, following in zip(ordered, [*ordered[1:], None], strict=True)
        if following is None or following.parts[: len(path.parts)] != path.parts
    }


def rescan(targets: list[Path], since: float) -> Changes:
    """What changed under the targets since `since` (epoch seconds), read from the files' times."""
    found: set[str] = set()
    for target in targets:
        found |= walk(str(target), newer_than=since - RESCAN_SLACK_S)
    return {(Change.modified, p) for p in found}


def open_notifier(
    notifier: Notifier, roots: list[Path], on_error: Callable[[str], None] | None
) -> tuple[Notifier, list[Path]]:
    """The notifier watching the current targets of `roots`, and those targets. A target may vanish
    between looking and watching (looked at again); a notifier that cannot watch them all (inotify's
    limits) is replaced by watchfiles' polling one."""
    for _ in range(20):
        targets = watch_targets(roots)
        try:
            notifier.open(targets)
            return notifier, targets
        except FileNotFoundError:
            time.sleep(0.05)
        except NotifierError as exc:
            notifier.close()
            if on_error is not None:
                on_error(f"{exc}; polling the files instead")
            from devloop.adapters.notify_watchfiles import WatchfilesNotifier

            notifier = WatchfilesNotifier(force_polling=True)
    raise FileNotFoundError(f"cannot watch {', '.join(map(str, watch_targets(roots)))}")


Found = Changes | NotifierError | None


async def _wait(notifier: Notifier, timeout_s: float | None, stop: anyio.Event) -> Found:
    """The notifier's next changes (or its error), or None once `stop` is set."""
    found: Found = None
    async with anyio.create_task_group() as tg:

        async def stopper() -> None:
            await stop.wait()
            tg.cancel_scope.cancel()

        tg.start_soon(stopper)
        try:
            found = await notifier.wait(timeout_s)
        except NotifierError as exc:
            found = exc
        tg.cancel_scope.cancel()
    return found


async def watch(
    roots: Iterable[Path],
    debounce_ms: int,
    max_wait_ms: int,
    stop: anyio.Event,
    on_error: Callable[[str], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    notifier: Notifier | None = None,
    progress: WatchProgress | None = None,
) -> AsyncGenerator[Batch, None]:
    """Yield sets of changed paths: after `debounce_ms` of quiet, or `max_wait_ms` at the latest.
    `on_error` hears about notifier errors that were survived by a rescan; `on_ready` is called
    once the notifier watches (an edit from then on is seen); `progress` is kept up to date. While
    nothing changes, nothing runs: the wait has no timeout unless a batch is pending."""
    progress = progress if progress is not None else WatchProgress()
    roots = list(roots)
    keep = RootFilter(roots)
    notifier, targets = open_notifier(notifier or default_notifier(), roots, on_error)
    if on_ready is not None:
        on_ready()
    pending: Changes = set()
    first = last = 0.0
    debounce_s, max_wait_s = max(debounce_ms, 1) / 1000, max(max_wait_ms, debounce_ms, 1) / 1000
    try:
        while not stop.is_set():
            timeout_s = None
            if pending:
                now = time.monotonic()
                deadline = min(last + debounce_s, first + max_wait_s)
                if now >= deadline:
                    paths = folders_dropped(transient_dropped(pending))
                    pending = set()
                    progress.handling_since, progress.pending_since = progress.pending_since, None
                    if paths:
                        yield Batch(paths, edited_at(paths, time.time() - (now - first)))
                    progress.handling_since = None  # the consumer asks for more once it is done
                    continue
                timeout_s = deadline - now
            since = time.time()
            found = await _wait(notifier, timeout_s, stop)
            if found is None:
                return
            changes: Changes = set()
            if isinstance(found, NotifierError):
                if on_error is not None:
                    on_error(str(found))
                notifier.close()
            else:
                changes = found
            # A watched folder went or came back, or the notifier failed: watch anew and read what
            # changed meanwhile from the files' times.
            if isinstance(found, NotifierError) or notifier.lost() or watch_targets(roots) != targets:
                notifier, targets = open_notifier(notifier, roots, on_error)
                changes |= rescan(targets, since)
            changes = {c for c in expand_added(changes) if keep(*c)}
            if changes:
                now = time.monotonic()
                first = first if pending else now
                last = now
                if not pending:
                    progress.pending_since = time.time()
                pending |= changes
    finally:
        progress.pending_since = progress.handling_since = None
        notifier.close()
