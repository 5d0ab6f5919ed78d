"""load.staleness and load.manifest: a build input is stale when its content differs from the
image's, by the manifest of devloop's builds or by the image's own copy; a time is only a filter."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from devloop.adapters import cache
from devloop.load.manifest import record_build
from devloop.load.staleness import baked_differences
from devloop.planning.planner import ServicePlan
from tests.unit.builders import build, make_plan, write

NO_COPY = "changed after its image was built (no COPY of its final stage shows a copy to compare)"
IMAGE = "sha256:" + "ab" * 32
BUILT = 1_700_000_000.0  # when the image was made
DOCKERFILE = 'FROM python:3.12\nWORKDIR /srv\nCOPY app/ ./app/\nCOPY requirements.txt .\nCMD ["python3"]\n'


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def at(path: Path, when: float) -> None:
    os.utime(path, (when, when))


def service(root: Path) -> ServicePlan:
    """A baked service; every file of its context older than its image."""
    write(root, "Dockerfile", DOCKERFILE)
    write(root, ".dockerignore", "tmp/\n")
    write(root, "app/main.py", "print('v1')\n")
    write(root, "app/util.py", "X = 1\n")
    write(root, "requirements.txt", "fastapi\n")
    write(root, "README.md", "# demo\n")
    write(root, "tmp/scratch.txt", "")
    for path in root.rglob("*"):
        at(path, BUILT - 60)
    return make_plan(root, {"api": {"build": build(root), "image": "demo-api"}}).service("api")


class Image:
    """The image's copies of the files, as the engine would hash them; the paths asked for."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.digests = {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files.items()}
        self.asked: list[list[str]] = []

    def __call__(self, paths: Sequence[str]) -> Mapping[str, str]:
        self.asked.append(list(paths))
        return {p: self.digests[p] for p in paths if p in self.digests}


def shown(found: Sequence[object], root: Path) -> dict[str, str]:
    return {str(Path(s.path).relative_to(root)): s.how for s in found}  # type: ignore[attr-defined]


def test_files_older_than_the_image_are_taken_as_built_from_and_remembered(tmp_path: Path) -> None:
    plan = service(tmp_path / "p")
    image = Image({})
    assert baked_differences(plan, IMAGE, BUILT, image) == []
    assert image.asked == []  # nothing newer: the image is not read
    manifest = cache.manifest(IMAGE)
    assert manifest is not None and set(manifest) == {
        "Dockerfile",
        ".dockerignore",
        "app/main.py",
        "app/util.py",
        "requirements.txt",
        "README.md",
    }  # tmp/ is excluded by .dockerignore


def test_touched_files_and_a_new_uncopied_file_are_nothing_with_a_manifest(tmp_path: Path) -> None:
    root = tmp_path / "p"
    plan = service(root)
    record_build(plan, IMAGE, BUILT)
    for path in root.rglob("*"):
        at(path, BUILT + 600)  # `touch` of the whole tree, or a fresh clone
    write(root, "devloop.toml", "[services.api]\n")
    image = Image({})
    found = baked_differences(plan, IMAGE, BUILT, image)
    assert shown(found, root) == {
        "devloop.toml": NO_COPY
    }  # planning.catchup routes it to nothing: no COPY takes it
    assert image.asked == []  # nothing newer that a COPY copies: the image is not read


def test_a_changed_and_a_deleted_file_differ_from_the_manifest(tmp_path: Path) -> None:
    root = tmp_path / "p"
    plan = service(root)
    record_build(plan, IMAGE, BUILT)
    write(root, "app/main.py", "print('v2')\n")
    (root / "app" / "util.py").unlink()
    found = baked_differences(plan, IMAGE, BUILT, Image({}))
    assert shown(found, root) == {
        "app/main.py": "differs from the content its image was built from",
        "app/util.py": "was deleted; its image was built with it",
    }
    # the manifest keeps what the image has: the next start says the same
    assert shown(baked_differences(plan, IMAGE, BUILT, Image({})), root) == shown(found, root)


def test_without_a_manifest_newer_files_are_compared_with_their_copies_in_the_image(tmp_path: Path) -> None:
    root = tmp_path / "p"
    plan = service(root)
    write(root, "app/main.py", "print('v2')\n")  # changed
    at(root / "app" / "util.py", BUILT + 600)  # touched only
    write(root, "app/new.py", "")  # new
    at(root / "Dockerfile", BUILT + 600)  # touched, but no COPY shows it in the image
    image = Image({"/srv/app/main.py": "print('v1')\n", "/srv/app/util.py": "X = 1\n"})
    found = baked_differences(plan, IMAGE, BUILT, image)
    assert shown(found, root) == {
        "app/main.py": "differs from its copy in the image (/srv/app/main.py)",
        "app/new.py": "is not in its image at /srv/app/new.py",
        "Dockerfile": NO_COPY,
    }
    assert image.asked == [["/srv/app/main.py", "/srv/app/new.py", "/srv/app/util.py"]]  # only newer files
    # what matched the image is remembered: it is not read again
    image.asked.clear()
    baked_differences(plan, IMAGE, BUILT, image)
    assert image.asked == [["/srv/app/main.py", "/srv/app/new.py"]]


def test_a_build_remembers_only_files_not_changed_since_it_started(tmp_path: Path) -> None:
    root = tmp_path / "p"
    plan = service(root)
    at(root / "app" / "main.py", BUILT + 5)  # saved while the build ran
    record_build(plan, IMAGE, BUILT)
    manifest = cache.manifest(IMAGE)
    assert manifest is not None and "app/main.py" not in manifest and "app/util.py" in manifest
    other = "sha256:" + "cd" * 32
    record_build(plan, other, BUILT + 10)  # the digests of unchanged files are reused
    assert cache.manifest(other) == {**manifest, "app/main.py": cache.manifest(other)["app/main.py"]}  # type: ignore[index]


HISTORY = [
    'CMD ["python3"]',
    "COPY requirements.txt . # buildkit",
    "COPY app/ ./app/ # buildkit",
    "WORKDIR /srv",
]
COPIES = {
    "/srv/app/main.py": "print('v1')\n",
    "/srv/app/util.py": "X = 1\n",
    "/srv/requirements.txt": "fastapi\n",
}


def checked_out(root: Path) -> ServicePlan:
    """Every file newer than the image, as after a fresh checkout when the image came from the build
    cache (which keeps its old Created time)."""
    plan = service(root)
    for path in root.rglob("*"):
        at(path, BUILT + 600)
    return plan


def test_a_newer_dockerfile_that_built_the_image_is_not_stale(tmp_path: Path) -> None:
    plan = checked_out(tmp_path / "p")
    found = shown(baked_differences(plan, IMAGE, BUILT, Image(COPIES), lambda: HISTORY), tmp_path / "p")
    assert "Dockerfile" not in found and ".dockerignore" not in found  # the history and the copies tell
    assert found == {"README.md": NO_COPY}  # routed to nothing: no COPY takes it
    assert "Dockerfile" in (cache.manifest(IMAGE) or {})  # from now on compared by content


def test_a_newer_dockerfile_that_differs_from_the_history_is_stale(tmp_path: Path) -> None:
    plan = checked_out(tmp_path / "p")
    edited = ['CMD ["python3" "-m" "app"]', *HISTORY[1:]]
    assert "Dockerfile" in shown(
        baked_differences(plan, IMAGE, BUILT, Image(COPIES), lambda: edited), tmp_path / "p"
    )
    assert "Dockerfile" in shown(
        baked_differences(plan, "sha256:" + "cd" * 32, BUILT, Image(COPIES)), tmp_path / "p"
    )


def test_a_newer_dockerignore_is_stale_when_some_file_was_taken_by_its_age(tmp_path: Path) -> None:
    root = tmp_path / "p"
    plan = checked_out(root)
    at(root / "app" / "util.py", BUILT - 60)  # older than the image: not compared by content
    found = shown(baked_differences(plan, IMAGE, BUILT, Image(COPIES), lambda: HISTORY), root)
    assert found.get(".dockerignore") == NO_COPY
