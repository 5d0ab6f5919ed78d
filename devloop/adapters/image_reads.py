"""Files read from a local image rather than a container: through a container created (never
started) from the image. What was read is remembered per image id, which names its content."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from devloop.adapters import archives, cache
from devloop.adapters.engine import Engine

# More files than this under one folder are read as one archive of the folder, not one by one.
_ONE_ARCHIVE = 16


def image_file(engine: Engine, name: str, path: str, max_bytes: int = 256 << 10) -> str | None:
    """The text of a file in a local image (a start script only the image has), or None when the
    image or the file is not there, or it is binary."""
    image_id = engine.image_id(name)
    if image_id is None:
        return None
    cached = cache.image_file(image_id, path)
    if cache.is_cached(cached):
        return cached if isinstance(cached, str) else None
    data = None
    with engine.created(image_id) as container:
        if container is not None:
            data = archives.read(engine, container, path, max_bytes)
    text = data.decode(errors="replace") if data is not None and b"\0" not in data else None
    cache.record_image_file(image_id, path, text)
    return text


def image_digests(engine: Engine, image_id: str, paths: Sequence[str]) -> dict[str, str]:
    """SHA-256 of the image's regular files at these absolute paths; a path the image does not
    have as a regular file is left out. Many files under one folder are read in one archive."""
    found: dict[str, str] = {}
    if not paths:
        return found
    with engine.created(image_id) as container:
        if container is None:
            return found
        folder = posixpath.commonpath(paths) if len(paths) >= _ONE_ARCHIVE else "/"
        if folder != "/" and folder not in paths:
            wanted = {posixpath.relpath(p, folder) for p in paths}
            for name, value in archives.digests(engine, container, folder, wanted).items():
                found[posixpath.join(folder, name)] = value
            return found
        for path in paths:
            one = archives.digests(engine, container, path, {""})
            if "" in one:
                found[path] = one[""]
    return found
