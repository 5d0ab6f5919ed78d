"""`devloop clean` and the cleaning before a build delete genuine AppleDouble files under the build
contexts and bind sources only: never another file, never through a symlink, never elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.faults import read_in, wait_content
from tests.e2e.stack import DevloopProcess, Stack, up
from tests.e2e.stack import run_devloop as devloop

GENUINE = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + b"\x00\x00" + b"\x00" * 100
SHORT = GENUINE[:20]  # the magic, but shorter than any AppleDouble header: user data


def layout(stack: Stack) -> dict[str, list[Path]]:
    """AppleDouble files and look-alikes in and around the project: which must go, which stay."""
    root = stack.directory
    outside = root.parent / "outside"
    shared = root.parent / "shared"
    for folder in (outside, shared, root / "docs", root / "baked" / ".git", root / "baked" / "sub"):
        folder.mkdir(parents=True, exist_ok=True)
    files = {
        "removed": [
            root / "baked" / "._index.txt",
            root / "baked" / "sub" / "._deep",
            root / "mounted" / "._x",
        ],
        "kept": [
            root / "baked" / "._notes",  # a user file named ._*
            root / "baked" / "._short",  # the magic, too short
            root / "baked" / ".git" / "._HEAD",  # inside .git
            root / "docs" / "._readme",  # in the project, but in no context and no bind source
            shared / "._y",  # an extra watch path of devloop.toml: watched, not cleaned
            outside / "._behind_link",  # reachable only through a symlink in the context
            outside / "._link_target",  # the target of a symlink named ._link
            outside / "._hardlinked",  # the other name of a hard link in the context
        ],
    }
    for path in files["removed"] + files["kept"]:
        path.write_bytes(GENUINE)
    (root / "baked" / "._notes").write_text("my notes\n")
    (root / "baked" / "._short").write_bytes(SHORT)
    os.symlink(outside, root / "baked" / "outside")
    os.symlink(outside / "._link_target", root / "baked" / "._link")
    os.link(outside / "._hardlinked", root / "baked" / "._hardlinked")
    files["removed"].append(root / "baked" / "._hardlinked")  # the name in the context only
    files["kept"].append(root / "baked" / "._link")  # a symlink is never touched
    (root / "devloop.toml").write_text('[services.mounted]\nwatch = ["../shared"]\n')
    return files


def snapshot(root: Path) -> dict[str, tuple[bool, bytes | None]]:
    """Every path under `root` (symlinks not followed): (is a symlink, content of a file)."""
    found: dict[str, tuple[bool, bytes | None]] = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder, name)
            link = path.is_symlink()
            found[str(path)] = (link, path.read_bytes() if path.is_file() and not link else None)
    return found


def test_clean_deletes_genuine_appledouble_files_in_contexts_and_bind_sources_only(stack: Stack) -> None:
    files = layout(stack)
    everything = snapshot(stack.directory.parent)

    dry = devloop(stack, "clean", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert snapshot(stack.directory.parent) == everything, "--dry-run deleted something"

    done = devloop(stack, "clean", "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for path in files["removed"]:
        assert not os.path.lexists(path), f"{path} should be removed"
    for path in files["kept"]:
        assert os.path.lexists(path), f"{path} must be kept"
    assert (stack.directory.parent / "outside" / "._hardlinked").read_bytes() == GENUINE
    assert (stack.directory / "baked" / "._notes").read_text() == "my notes\n"
    # nothing else changed anywhere: exactly the removed files are gone
    after = snapshot(stack.directory.parent)
    assert set(everything) - set(after) == {str(p) for p in files["removed"]}
    assert all(after[p] == everything[p] for p in after)


def test_cleaning_before_a_build_touches_the_build_context_only(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    files = layout(stack)
    settings = stack.directory / "devloop.toml"  # a rebuild (cleaned before it), not a live update
    settings.write_text("live_update = false\n" + settings.read_text())
    run = up(stack, devloop_runs, "baked", "mounted")
    wait_content(stack, "baked", "baked v1\n")
    # the start itself cleans nothing: compose built the image, devloop did not
    mounted_apple = stack.directory / "mounted" / "._x"
    everything = snapshot(stack.directory.parent)

    mark = run.mark()
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    run.wait_event(after=mark, event="action", service="baked", status="succeeded", timeout=120)
    wait_content(stack, "baked", "baked v2\n")
    in_context = {p for p in files["removed"] if (stack.directory / "baked") in p.parents}
    after = snapshot(stack.directory.parent)
    assert set(everything) - set(after) == {str(p) for p in in_context}
    assert mounted_apple.exists(), "a bind source is not a build context: not cleaned before a build"
    assert read_in(stack, "baked", "/www/._notes") == "my notes\n"
    gone = stack.compose("exec", "-T", "baked", "test", "-e", "/www/._index.txt", check=False)
    assert gone.returncode == 1, "the AppleDouble file was built into the image"
