"""compose: devloop's -f/-p/--profile/--project-directory go to `docker compose` as given, and the
compose files are found as `docker compose` finds them (for the project files devloop watches)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devloop.adapters.compose import ComposeOptions, find_compose_files, project_directory


def test_options_are_passed_on_in_order(tmp_path: Path) -> None:
    options = ComposeOptions(
        files=("compose.yaml", "compose.dev.yaml"), project_name="shop", profiles=("workers", "debug"),
        project_directory="app", cwd=tmp_path,
    )  # fmt: skip
    assert options.argv("config", "--format", "json") == [
        "docker", "compose", "-f", "compose.yaml", "-f", "compose.dev.yaml", "-p", "shop",
        "--profile", "workers", "--profile", "debug", "--project-directory", "app",
        "config", "--format", "json",
    ]  # fmt: skip
    assert ComposeOptions(cwd=tmp_path).argv("ps") == ["docker", "compose", "ps"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("COMPOSE_FILE", "COMPOSE_PATH_SEPARATOR", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_several_files_are_the_project_files(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    options = ComposeOptions(files=("compose.yaml", "dev/compose.dev.yaml"), cwd=tmp_path)
    files = find_compose_files(options)
    assert files == (tmp_path / "compose.yaml", tmp_path / "dev/compose.dev.yaml")
    assert project_directory(options, files) == tmp_path  # the first file's folder


def test_the_default_file_and_its_override_from_a_subfolder(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    (tmp_path / "compose.override.yaml").write_text("services: {}\n")
    (tmp_path / "src").mkdir()
    options = ComposeOptions(cwd=tmp_path / "src")
    files = find_compose_files(options)
    assert files == (tmp_path / "compose.yaml", tmp_path / "compose.override.yaml")
    assert project_directory(options, files) == tmp_path


def test_compose_file_from_the_environment(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("COMPOSE_FILE", "a.yaml,b.yaml")
    clean_env.setenv("COMPOSE_PATH_SEPARATOR", ",")
    assert find_compose_files(ComposeOptions(cwd=tmp_path)) == (tmp_path / "a.yaml", tmp_path / "b.yaml")


def test_project_directory_option_wins(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    options = ComposeOptions(files=("deploy/compose.yaml",), project_directory="..", cwd=tmp_path / "x")
    assert project_directory(options, find_compose_files(options)) == tmp_path
