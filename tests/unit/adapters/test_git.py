"""git check-ignore through the adapter: only in a git work tree, tracked files never ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from devloop.adapters.git import GitIgnores
from tests.unit.builders import write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def test_what_git_ignores(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "logs/\n*.pid\nlocal.toml\n")
    write(tmp_path, "app/main.py")
    write(tmp_path, "forced.pid")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", "forced.pid"], check=True)
    paths = [
        str(tmp_path / p)
        for p in ("logs/celery.log", "app/main.py", "run/app.pid", "local.toml", "forced.pid")
    ]
    assert GitIgnores(tmp_path / "app").ignored(paths) == {
        str(tmp_path / p) for p in ("logs/celery.log", "run/app.pid", "local.toml")
    }
    assert GitIgnores(tmp_path).ignored([str(tmp_path.parent / "elsewhere.log")]) == set()


def test_outside_a_work_tree_nothing_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "logs/\n")
    ignores = GitIgnores(tmp_path)
    assert ignores.top is None or not str(tmp_path).startswith(ignores.top + "/")
    assert GitIgnores(tmp_path).ignored([str(tmp_path / "logs/x.log")]) == set()
