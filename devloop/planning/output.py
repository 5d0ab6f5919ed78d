"""What the containers write into bind-mounted folders (logs, caches, uploads, pid and SQLite files,
build outputs) is their output, never a reason to act. Pure: the facts about one change (its time,
whether the host user owns it, whether git ignores it) come in as values, and the times of
devloop's own actions are told to `Writes` as they happen.

A change is container output when (any of):
- a service's own command says it writes there (`--logfile=logs/celery.log`, `--outdir=public/assets`:
  see written.py), from its first start;
- its owner is not the host user running devloop (nor the owner of the tree it is in);
- it was written during or right after devloop started, restarted or rebuilt a service that mounts
  it, and it looks like output (a log, a cache, ...) or git ignores it;
- git ignores it and it looks like output (a gitignored config file a user edits still acts);
- it was judged output before and still looks like output or is ignored;
- it made devloop act and was written again with the same content (a service that rewrites a file
  as it starts): acting again would change nothing. A change of content always acts: no edit is
  ever taken for output by timing alone unless it looks like output or git ignores it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from devloop.model.project import Project
from devloop.planning.strategy import is_system_bind

# Folders whose files are what a running program writes: logs, temporary and cache files, uploads,
# and what builds and asset watchers write.
OUTPUT_DIRS = {
    "log": "a log folder",
    "logs": "a log folder",
    "tmp": "a temporary folder",
    "temp": "a temporary folder",
    "cache": "a cache folder",
    ".cache": "a cache folder",
    "upload": "an upload folder",
    "uploads": "an upload folder",
    "storage": "a storage folder",
    "builds": "a build output folder",
    "build": "a build output folder",
    "dist": "a build output folder",
    ".next": "a build output folder",
    ".nuxt": "a build output folder",
    ".parcel-cache": "a cache folder",
    ".sass-cache": "a cache folder",
    "node_modules": "installed dependencies",
    "htmlcov": "a coverage report",
    "coverage": "a coverage report",
}
# Folders of this name under public/ are what asset pipelines compile into (Sprockets and Propshaft
# `assets:precompile`, Webpacker, Vite Ruby); public/ itself holds files people edit.
PUBLIC_OUTPUT = {
    "assets": "a folder of compiled assets",
    "packs": "Webpacker's output folder",
    "packs-test": "Webpacker's output folder",
    "vite": "Vite's output folder",
    "vite-dev": "Vite's output folder",
    "vite-test": "Vite's output folder",
}
OUTPUT_SUFFIXES = {
    ".log": "a log file",
    ".pid": "a pid file",
    ".sqlite": "a SQLite file",
    ".sqlite3": "a SQLite file",
    ".db": "a database file",
    "-journal": "a SQLite journal",
    "-wal": "a SQLite journal",
    "-shm": "a SQLite journal",
    ".sock": "a socket",
    ".rdb": "a Redis dump",
}
OUTPUT_PREFIXES = {
    "celerybeat-schedule": "Celery beat's schedule file",
    "celerybeat.pid": "a pid file",
    "nohup.out": "a log file",
}

WINDOW_S = 10.0  # a service that starts writes its logs and caches within this many seconds
LIVE_LIMIT_S = 600.0  # a service seen live this long after its action began: not that action's start
_CAUSED_KEPT = 1024  # paths remembered for their actions before the spent ones are forgotten


def looks_like_output(relative: str) -> tuple[str, str] | None:
    """(what it looks like, the pattern that matches it) for a path (relative to the project) that
    looks like what a running program writes; None for anything else."""
    parts = relative.split(os.sep)
    name = parts[-1]
    for i, part in enumerate(parts[:-1]):
        what = OUTPUT_DIRS.get(part.lower())
        if what is None and i and parts[i - 1] == "public" and part in PUBLIC_OUTPUT:
            what = PUBLIC_OUTPUT[part]
        if what is not None:
            return f"in {what} ({part}/)", "/".join(parts[: i + 1]) + "/"
    lower = name.lower()
    what = next((w for s, w in OUTPUT_SUFFIXES.items() if lower.endswith(s)), None)
    what = what or next((w for p, w in OUTPUT_PREFIXES.items() if lower.startswith(p)), None)
    return (what, "/".join(parts)) if what is not None else None


def foreign_owner(uid: int, me: int | None, tree_owner: int | None) -> str | None:
    """Why a file owned by `uid` was not written by the host user running devloop (`me`), nor by the
    owner of the folder it is in (devloop run by root over a user's tree), or None."""
    if me is None or uid == me or uid == tree_owner:
        return None
    return f"owned by uid {uid}, not by the user running devloop (uid {me})"


def mounted_by(project: Project, text: str) -> tuple[str, ...]:
    """The services whose bind mounts hold this path (those whose containers can write it)."""
    found = (
        s.name
        for s in project.services
        for b in s.binds
        if not is_system_bind(b, project.directory)
        and (text == str(b.source) or text.startswith(os.path.join(b.source, "")))
    )
    return tuple(dict.fromkeys(found))


def output_anytime(
    relative: str, ignored: bool, foreign: str | None, declared: str | None = None
) -> str | None:
    """Why a change is container output whenever it happens (no action of devloop needed): a
    service's command says it writes it, its owner is not the host user, or it looks like output
    and git ignores it."""
    if declared or foreign:
        return declared or foreign
    looks = looks_like_output(relative)
    return f"{looks[0]}, and git ignores it" if ignored and looks is not None else None


def pattern_for(relative: str) -> str:
    """The `ignore` setting's pattern that makes a path's judgement permanent."""
    looks = looks_like_output(relative)
    return looks[1] if looks is not None else relative.replace(os.sep, "/")


@dataclass(frozen=True)
class Change:
    """One changed path and the facts read about it on the host."""

    path: str  # absolute
    relative: str  # relative to the project folder
    at: float  # its modification time (the time it was seen, when it is gone)
    mounted_by: tuple[str, ...]  # the services that mount it (bind mounts)
    foreign_owner: str | None = None  # "owned by uid 0, not by you (uid 1000)", or None
    ignored: bool = False  # git ignores it
    digest: str | None = None  # of its content, for a path that made devloop act before (small files)
    declared: str | None = None  # "written by worker's command: --logfile=...", see written.py


@dataclass(frozen=True)
class Verdict:
    """A path judged container output: why, and the `ignore` pattern that makes it permanent."""

    path: str
    services: tuple[str, ...]
    reason: str
    pattern: str


@dataclass
class _Window:
    began: float
    ended: float | None = None  # None while the action runs
    action: str = "start"


@dataclass
class Writes:
    """The state the judgement needs: per service its recent actions, per path the services its
    last change acted on, and the paths judged output before."""

    windows: dict[str, list[_Window]] = field(default_factory=dict)
    caused: dict[str, tuple[tuple[str, ...], float]] = field(default_factory=dict)  # path -> services, when
    known: dict[str, str] = field(default_factory=dict)  # path -> why it was judged output
    contents: dict[str, str] = field(default_factory=dict)  # path -> digest when it last made devloop act

    def began(self, service: str, at: float, action: str) -> None:
        recent = self.windows.setdefault(service, [])
        recent.append(_Window(at, None, action))
        del recent[:-4]

    def ended(self, service: str, at: float) -> None:
        running = [w for w in self.windows.get(service, ()) if w.ended is None]
        if running:
            running[-1].ended = at

    def live(self, service: str, at: float) -> None:
        """The service's process is live (or failed) after its last action: its window runs on from
        there, since a process writes its logs and caches as it comes up."""
        recent = self.windows.get(service)
        if recent and recent[-1].ended is not None and at - recent[-1].began < LIVE_LIMIT_S:
            recent[-1].ended = max(recent[-1].ended, at)

    def acted(self, service: str, paths: Iterable[str], at: float) -> None:
        """The paths of a batch made devloop act on `service`. The paths of actions that can no
        longer explain a change are forgotten."""
        if len(self.caused) > _CAUSED_KEPT:
            self.caused = {p: c for p, c in self.caused.items() if not self._spent(c[0], c[1], at)}
        for path in paths:
            services, _ = self.caused.get(path, ((), 0.0))
            self.caused[path] = (tuple(dict.fromkeys((*services, service))), at)

    def _spent(self, services: Iterable[str], since: float, now: float) -> bool:
        """Whether no action of these services begun at `since` or later can still take a change
        back to them (as `_after` does): each has ended more than WINDOW_S ago, or was forgotten."""
        for service in services:
            for window in self.windows.get(service, ()):
                if window.began >= since and (window.ended is None or window.ended + WINDOW_S >= now):
                    return False
        return True

    def _after(
        self, change: Change, services: Iterable[str], slack: float, since: float = 0.0
    ) -> tuple[str, str] | None:
        """(service, action) when the change falls in one of its actions (begun after `since`) or
        `slack` s after it ended."""
        for service in services:
            for window in reversed(self.windows.get(service, ())):
                if window.began < since:
                    continue
                ended = window.ended if window.ended is not None else change.at
                if window.began - 1.0 <= change.at <= ended + slack:
                    return service, window.action
        return None

    def judge(self, change: Change) -> Verdict | None:
        """Whether the change is container output (and remember it), or None: it may be the user's."""
        reason = self._reason(change)
        if reason is None:
            return None
        self.known[change.path] = reason
        self.caused.pop(change.path, None)
        return Verdict(change.path, change.mounted_by, reason, pattern_for(change.relative))

    def _reason(self, change: Change) -> str | None:
        if not change.mounted_by:
            return None  # no container can write it
        anytime = output_anytime(change.relative, change.ignored, change.foreign_owner, change.declared)
        if anytime is not None:
            return anytime
        looks = looks_like_output(change.relative)
        after = self._after(change, change.mounted_by, WINDOW_S)
        if after is not None and (looks is not None or change.ignored):
            what = looks[0] if looks is not None else "git ignores it"
            return f"{what}, written while devloop's {after[1]} of {after[0]} ran or right after it"
        if change.path in self.known and (looks is not None or change.ignored):
            return self.known[change.path]
        return self._unchanged(change)

    def needs_digest(self, path: str) -> bool:
        """Whether the content of this changed path is worth reading: it made devloop act before."""
        return path in self.caused

    def _unchanged(self, change: Change) -> str | None:
        """A path that made devloop act, written again with the very content it had then: whoever
        wrote it (a container as it starts, an editor saving again), acting would change nothing.
        A change of content always acts, so no edit is missed this way."""
        if change.digest is None:
            return None
        before = self.contents.get(change.path)
        self.contents[change.path] = change.digest
        if before != change.digest or change.path not in self.caused:
            return None
        return "written again with the content it had when devloop last acted on it"
