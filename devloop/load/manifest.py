"""The files a build reads (its context minus .dockerignore, the Dockerfile, the .dockerignore) and
their content, remembered per image id after the builds devloop makes, so that at the next start a
file is compared by content, not by time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from devloop.adapters import cache
from devloop.adapters.archives import digest
from devloop.model.ignore import NOISE_DIRS, noise_reason
from devloop.planning.planner import ServicePlan

Entry = tuple[int, int, str]  # size, mtime in ns, SHA-256
FILE_LIMIT = 50000  # a context with more files is compared on its first ones only


def build_key(plan: ServicePlan) -> str:
    build = plan.service.build
    assert build is not None
    return f"{build.context}|{build.dockerfile}|{build.target or ''}"


class BuildFile(NamedTuple):
    """A file the builder gets: its path relative to the context (with /), where it is, its stat."""

    relative: str
    path: str
    size: int
    mtime_ns: int

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


def build_files(plan: ServicePlan) -> Iterator[BuildFile]:
    """The files the builder gets, one at a time (a context of 100,000 files is never held): the
    context without what .dockerignore excludes, noise and symlinks; and the Dockerfile and the
    .dockerignore themselves (`../Dockerfile` when outside the context)."""
    build = plan.service.build
    assert build is not None
    extras = {
        Path(os.path.relpath(extra, build.context)).as_posix(): str(extra)
        for extra in (build.dockerfile, build.dockerignore)
        if extra is not None and extra.is_file()
    }
    yield from (file for file in _walk(plan, str(build.context)) if file.relative not in extras)
    for relative, path in extras.items():
        try:
            yield stat_file(relative, path)
        except OSError:
            continue


def stat_file(relative: str, path: str) -> BuildFile:
    """A BuildFile from a fresh stat (raises OSError)."""
    st = os.stat(path, follow_symlinks=False)
    return BuildFile(relative, path, st.st_size, st.st_mtime_ns)


def _walk(plan: ServicePlan, context: str) -> Iterator[BuildFile]:
    ignore, count = plan.dockerignore, 0
    stack = [""]
    while stack:
        inside = stack.pop()
        try:
            # a folder's entries are listed at once (a walk that yields must not hold a directory
            # open), as names and types only
            entries = list(os.scandir(os.path.join(context, inside) if inside else context))
        except OSError:
            continue
        for entry in entries:
            relative = f"{inside}/{entry.name}" if inside else entry.name
            if noise_reason(entry.path):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in NOISE_DIRS and not ignore.excludes_all_in(relative):
                        stack.append(relative)
                elif entry.is_file(follow_symlinks=False) and not ignore.excludes(relative, remember=False):
                    st = entry.stat(follow_symlinks=False)
                    yield BuildFile(relative, entry.path, st.st_size, st.st_mtime_ns)
                    count += 1
                    if count >= FILE_LIMIT:
                        return
            except OSError:
                continue


def entry(file: BuildFile, known: Entry | None = None) -> Entry | None:
    """A file's (size, mtime, digest); the known digest is kept when size and time are the same.
    None when it cannot be read."""
    if known is not None and known[:2] == (file.size, file.mtime_ns):
        return known
    try:
        with open(file.path, "rb") as handle:
            return file.size, file.mtime_ns, digest(handle)
    except OSError:
        return None


def record_build(plan: ServicePlan, image_id: str, started: float) -> None:
    """After a build that made `image_id`: remember the content of the files it read. A file
    changed after the build started is left out (its copy in the image is not known)."""
    if plan.service.build is None:
        return
    key = build_key(plan)
    previous = cache.manifest(image_id) or cache.build_manifest(key) or {}
    files: cache.Manifest = {}
    for file in build_files(plan):
        if file.mtime <= started:
            found = entry(file, previous.get(file.relative))
            if found is not None:
                files[file.relative] = found
    cache.record_manifest(image_id, key, files)
