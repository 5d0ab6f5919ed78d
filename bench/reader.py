"""A polling reader of a tree, as a polling reloader in a container is (uvicorn's StatReload lists
every folder every 0.25 s): `python -m bench.reader DIR [INTERVAL_S]` opens and lists every folder
under DIR, then sleeps, until it is ended. A bind mount shares the host's inodes, so its reads raise
the same inotify events (IN_OPEN, IN_CLOSE_NOWRITE on each folder) for a watcher on the host; the
files are not stat-ed (that wakes no watcher and would only load the machine)."""

from __future__ import annotations

import os
import sys
import time


def list_all(root: str) -> int:
    folders, stack = 0, [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                folders += 1
                stack += [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    return folders


def main() -> None:
    root, interval = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.25
    while True:
        list_all(root)
        time.sleep(interval)


if __name__ == "__main__":
    main()
