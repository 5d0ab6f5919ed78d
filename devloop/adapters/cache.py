"""What devloop remembers between runs: when an image was last confirmed to match its files, and
the content of the files its build read (a manifest per image id).

A fully cached rebuild keeps the image's old Created time, so Created alone would call the
image stale at every start; a build that produced this very image id confirms it instead."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# relative path in the build context -> (size, mtime in ns, SHA-256 of the content)
Manifest = dict[str, tuple[int, int, str]]


def state_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "devloop" / "verified-images.json"


def verified_at(image_id: str) -> float | None:
    try:
        data = json.loads(state_file().read_text())
    except (OSError, ValueError):
        return None
    value = data.get(image_id) if isinstance(data, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def record_verified(image_id: str, at: float) -> None:
    data = _read(state_file())
    data[image_id] = max(at, float(data.get(image_id, 0)))
    if len(data) > 500:  # keep the newest entries only
        data = dict(sorted(data.items(), key=lambda item: item[1])[-500:])
    _write(state_file(), data)  # losing this only costs one cached rebuild at the next start


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)
    except OSError:
        pass


def _times_file() -> Path:
    return state_file().with_name("action-times.json")


def record_duration(project: str, service: str, action: str, seconds: float) -> None:
    """Keep the last 20 durations of each action per service, for `devloop plan` to compare."""
    path = _times_file()
    data = _read(path)
    key = f"{project}/{service}"
    entry = data.setdefault(key, {})
    entry[action] = ([*entry.get(action, []), round(seconds, 3)])[-20:]
    _write(path, data)


def median_durations(project: str, service: str) -> dict[str, float]:
    """Median seconds per action measured for this service on this machine."""
    entry = _read(_times_file()).get(f"{project}/{service}", {})
    result = {}
    for action, times in entry.items():
        if isinstance(times, list) and times:
            ordered = sorted(float(t) for t in times)
            result[action] = ordered[len(ordered) // 2]
    return result


_NOT_CACHED = object()


def _image_files_file() -> Path:
    return state_file().with_name("image-files.json")


def image_file(image_id: str, path: str) -> str | None | object:
    """A file devloop read from an image before (None: the image has no such text file), or
    _NOT_CACHED. An image id names its content, so the answer never goes stale."""
    entry = _read(_image_files_file()).get(image_id)
    if not isinstance(entry, dict) or path not in entry:
        return _NOT_CACHED
    value = entry[path]
    return value if isinstance(value, str) else None


def record_image_file(image_id: str, path: str, text: str | None) -> None:
    data = _read(_image_files_file())
    entry = data.pop(image_id, {})
    entry = entry if isinstance(entry, dict) else {}
    entry[path] = text
    data[image_id] = entry  # the newest last: the oldest images go first
    if len(data) > 100:
        data = dict(list(data.items())[-100:])
    _write(_image_files_file(), data)


def is_cached(value: object) -> bool:
    return value is not _NOT_CACHED


def _manifests() -> Path:
    return state_file().with_name("manifests")


def _manifest_file(image_id: str) -> Path:
    return _manifests() / (image_id.rpartition(":")[2] + ".json")


def manifest(image_id: str) -> Manifest | None:
    """The build inputs an image was made from, as devloop recorded them; None when unknown."""
    data = _read(_manifest_file(image_id))
    files = data.get("files")
    if not isinstance(files, dict):
        return None
    return {
        k: (int(v[0]), int(v[1]), str(v[2])) for k, v in files.items() if isinstance(v, list) and len(v) == 3
    }


def build_manifest(build: str) -> Manifest | None:
    """The newest manifest recorded for a build (its context, Dockerfile and target): the digests of
    files whose size and time did not change since are not computed again."""
    latest = _read(_manifests() / "builds.json").get(build)
    return manifest(latest) if isinstance(latest, str) else None


def record_manifest(image_id: str, build: str, files: Manifest) -> None:
    """Remember the build inputs of an image; the 64 newest images are kept."""
    folder = _manifests()
    _write(_manifest_file(image_id), {"build": build, "files": files})
    index = _read(folder / "builds.json")
    index[build] = image_id
    _write(folder / "builds.json", dict(list(index.items())[-256:]))
    try:
        kept = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in [p for p in kept if p.name != "builds.json"][:-64]:
            old.unlink()
    except OSError:
        pass  # losing a manifest only costs reading the files from the image
