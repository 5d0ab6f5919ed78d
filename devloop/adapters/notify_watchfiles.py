"""watchfiles' notifier, through its public `watch()`, where inotify is not used (macOS's FSEvents
reports no reads; polling on file systems without events).

`watch()` blocks and its timeout is fixed per generator, so it runs in a thread of its own for as
long as the notifier is open, and hands its changes over through a queue and a pipe the event loop
waits on: the watcher can wait with a deadline of its own without stopping the notifier."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

import anyio
import watchfiles

from devloop.adapters.notify import Change, Changes, NotifierError

RAW_STEP_MS = 50  # the notifier returns this long after its last new path...
RAW_DEBOUNCE_MS = 200  # ...or this long after its first one
RUST_TIMEOUT_MS = 500  # how often its thread wakes while idle (and how long opening may take)
JOIN_TIMEOUT_S = 5.0

Item = Changes | BaseException


class WatchfilesNotifier:
    def __init__(self, force_polling: bool | None = None) -> None:
        self.force_polling = force_polling
        self.thread: threading.Thread | None = None
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.items: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self.pipe: tuple[int, int] | None = None

    def open(self, targets: list[Path]) -> None:
        self.close()
        for target in targets:
            if not target.is_dir():
                raise FileNotFoundError(target)
        self.stop, self.ready, self.items = threading.Event(), threading.Event(), queue.SimpleQueue()
        self.pipe = os.pipe()
        os.set_blocking(self.pipe[0], False)
        self.thread = threading.Thread(target=self._run, args=(targets,), name="devloop-notify", daemon=True)
        self.thread.start()
        # Watching from the first return of its wait on: what changed before is read by the
        # watcher's rescan, which comes after this.
        self.ready.wait(JOIN_TIMEOUT_S)

    def _run(self, targets: list[Path]) -> None:
        try:
            for changes in watchfiles.watch(
                *targets,
                watch_filter=None,
                debounce=RAW_DEBOUNCE_MS,
                step=RAW_STEP_MS,
                stop_event=self.stop,
                rust_timeout=RUST_TIMEOUT_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
                force_polling=self.force_polling,
                ignore_permission_denied=True,
            ):
                self.ready.set()
                if changes:
                    self._post({(Change(int(kind)), path) for kind, path in changes})
        except Exception as exc:  # noqa: BLE001 - handed to the watcher, which survives it
            self._post(exc)
        finally:
            self.ready.set()

    def _post(self, item: Item) -> None:
        assert self.pipe is not None
        self.items.put(item)
        os.write(self.pipe[1], b"\0")

    async def wait(self, timeout_s: float | None) -> Changes:
        assert self.pipe is not None
        if self.items.empty():
            with anyio.move_on_after(timeout_s):
                await anyio.wait_readable(self.pipe[0])
        return self._drain()

    def _drain(self) -> Changes:
        assert self.pipe is not None
        try:
            os.read(self.pipe[0], 65536)
        except BlockingIOError:
            pass
        changes: Changes = set()
        while not self.items.empty():
            item = self.items.get_nowait()
            if isinstance(item, BaseException):
                raise NotifierError(str(item)) from item
            changes |= item
        return changes

    def lost(self) -> bool:
        return False  # watchfiles reports the target's own deletion; the watcher sees it is gone

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(JOIN_TIMEOUT_S)
            if self.thread.is_alive():
                return  # its pipe stays open: the thread may still write to it
            self.thread = None
        if self.pipe is not None:
            for fd in self.pipe:
                os.close(fd)
            self.pipe = None
