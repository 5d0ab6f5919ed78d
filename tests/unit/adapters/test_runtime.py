"""The runtime folder of a project: owner-only, refused when it is not ours, one lock holder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from devloop.adapters import runtime
from devloop.errors import DevloopError


def test_the_key_is_readable_and_tells_two_checkouts_apart() -> None:
    one = runtime.project_key("shop", Path("/src/a/shop"))
    assert one.startswith("shop-") and one == runtime.project_key("shop", Path("/src/a/shop"))
    assert one != runtime.project_key("shop", Path("/src/b/shop"))
    assert "/" not in runtime.project_key("a/b c", Path("/x"))


def test_the_folder_is_made_owner_only_and_an_open_one_of_ours_is_closed(tmp_path: Path) -> None:
    folder = runtime.private_folder(tmp_path / "base" / "key")
    for path in (folder, folder.parent):
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o700
    folder.chmod(0o755)
    runtime.private_folder(folder)
    assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700


def test_a_symlink_or_a_file_in_its_place_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "base").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DevloopError, match="is not a folder of yours"):
        runtime.private_folder(tmp_path / "base" / "key")
    (tmp_path / "file").write_text("")
    with pytest.raises(DevloopError, match="is not a folder of yours"):
        runtime.private_folder(tmp_path / "file" / "key")


@pytest.mark.skipif(os.getuid() != 0, reason="handing a folder to another user needs root")
def test_a_folder_another_user_made_in_advance_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir(mode=0o700)
    os.chown(base, 65534, 65534)
    with pytest.raises(DevloopError, match="not a folder of yours"):
        runtime.private_folder(base / "key")


def test_a_second_holder_is_told_the_pid_of_the_first_and_a_released_lock_is_free(tmp_path: Path) -> None:
    first = runtime.take_lock(tmp_path, "shop")
    with pytest.raises(runtime.AlreadyRunning, match=rf"already runs for project shop \(PID {os.getpid()}\)"):
        runtime.take_lock(tmp_path, "shop")
    assert stat.S_IMODE(os.lstat(tmp_path / runtime.LOCK_NAME).st_mode) == 0o600
    first.release()
    runtime.take_lock(tmp_path, "shop").release()


def test_a_runtime_dir_too_long_for_a_socket_path_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = tmp_path / ("x" * 90)
    long.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(long))
    path = runtime.socket_path("shop", Path("/src/shop"))
    assert len(str(path)) <= runtime.MAX_SOCKET_PATH and not str(path).startswith(str(long))
    short = tmp_path / "run"
    short.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short))
    assert runtime.socket_path("shop", Path("/src/shop")).parent.parent == short / "devloop"
