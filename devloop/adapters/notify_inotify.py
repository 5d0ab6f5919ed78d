"""Linux's inotify, subscribed to changes only.

watchfiles' notifier (the `notify` crate) also subscribes to IN_OPEN, so every read of a watched
folder wakes it, and a polling reloader in a container (uvicorn's StatReload lists every folder
every 0.25 s) keeps devloop busy. Here the mask names changes only (no IN_OPEN, IN_ACCESS or
IN_CLOSE_NOWRITE): the kernel drops reads before they reach devloop, and the event loop waits on the
inotify descriptor, so an idle tree costs nothing at all."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import anyio
from inotify_simple import INotify, flags

from devloop.adapters.notify import Change, Changes, NotifierError
from devloop.model.ignore import NOISE_DIRS

CHANGES = (
    flags.CREATE
    | flags.DELETE
    | flags.MODIFY  # every write: a file written for long stays busy, not quiet
    | flags.CLOSE_WRITE
    | flags.ATTRIB  # touch, chmod (and the `touch -c` a VM's file sharing relies on)
    | flags.MOVED_FROM
    | flags.MOVED_TO
    | flags.DELETE_SELF
    | flags.MOVE_SELF
)
TARGET = CHANGES | flags.ONLYDIR | flags.EXCL_UNLINK
BELOW = TARGET | flags.DONT_FOLLOW  # a symlink to a folder is a file here, as in walk()
ADDED = flags.CREATE | flags.MOVED_TO
DELETED = flags.DELETE | flags.MOVED_FROM
LIMITS = (errno.ENOSPC, errno.EMFILE)  # fs.inotify.max_user_watches / max_user_instances


class InotifyNotifier:
    """One inotify instance, a watch per folder under the targets (noise folders skipped); folders
    that appear are watched before they are read, so no file written into them is missed."""

    def __init__(self) -> None:
        self.inotify: INotify | None = None
        self.folders: dict[int, str] = {}  # watch descriptor -> folder
        self.targets: frozenset[str] = frozenset()
        self.gone = False

    def open(self, targets: list[Path]) -> None:
        self.close()
        self.inotify = INotify()
        self.targets = frozenset(str(t) for t in targets)
        for target in sorted(self.targets):
            self._watch_tree(target, top=True)

    def _watch(self, folder: str, mask: int) -> bool:
        assert self.inotify is not None
        try:
            self.folders[self.inotify.add_watch(folder, mask)] = folder
            return True
        except OSError as exc:
            if exc.errno in LIMITS:
                raise NotifierError(f"inotify's limit is reached at {folder} ({exc.strerror})") from exc
            return False  # gone meanwhile, not a folder, or not readable: nothing to watch

    def _watch_tree(self, root: str, top: bool = False) -> None:
        if not self._watch(root, TARGET if top else BELOW):
            if top:
                raise FileNotFoundError(root)
            return
        stack = [root]
        while stack:
            try:
                with os.scandir(stack.pop()) as entries:
                    found = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
            except OSError:
                continue
            stack += [f for f in found if os.path.basename(f) not in NOISE_DIRS and self._watch(f, BELOW)]

    def _unwatch_tree(self, root: str) -> None:
        """A folder moved away: its watches would go on reporting it under its old name."""
        assert self.inotify is not None
        for wd, folder in list(self.folders.items()):
            if folder == root or folder.startswith(root + os.sep):
                del self.folders[wd]
                try:
                    self.inotify.rm_watch(wd)
                except OSError:
                    pass  # already gone with its folder

    async def wait(self, timeout_s: float | None) -> Changes:
        assert self.inotify is not None
        with anyio.move_on_after(timeout_s):
            await anyio.wait_readable(self.inotify.fileno())
        return self._read()

    def _read(self) -> Changes:
        assert self.inotify is not None
        changes: Changes = set()
        for event in self.inotify.read(timeout=0):
            if event.mask & flags.Q_OVERFLOW:
                raise NotifierError("inotify's event queue overflowed")
            folder = self.folders.get(event.wd)
            if event.mask & flags.IGNORED:
                self.folders.pop(event.wd, None)
            if folder is None or event.mask & (flags.IGNORED | flags.DELETE_SELF | flags.MOVE_SELF):
                self.gone = self.gone or folder in self.targets
                continue
            path = os.path.join(folder, event.name)
            if event.mask & flags.ISDIR and event.name not in NOISE_DIRS:
                if event.mask & flags.MOVED_FROM:
                    self._unwatch_tree(path)
                elif event.mask & ADDED:
                    self._watch_tree(path)
            changes.add((_kind(event.mask), path))
        return changes

    def lost(self) -> bool:
        return self.gone

    def close(self) -> None:
        if self.inotify is not None:
            self.inotify.close()
            self.inotify = None
        self.folders.clear()
        self.gone = False


def _kind(mask: int) -> Change:
    if mask & ADDED:
        return Change.added
    return Change.deleted if mask & DELETED else Change.modified
