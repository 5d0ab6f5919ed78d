"""More places to read the process from (issue 15): a start script that only the image has, read
through the real engine, and gunicorn's config found through `-c python:module` with `reload` set
from the environment; `devloop plan --json` against the real `docker compose config`."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_plan import FIXTURES, copy_project, plan, strategies


@pytest.fixture
def base_image() -> Iterator[str]:
    """A locally built base image whose CMD runs /start-reload.sh, a script only the image has."""
    tag = f"dlt-start-reload-{uuid.uuid4().hex[:8]}:1"
    built = subprocess.run(
        ["docker", "build", "-q", "-t", tag, str(FIXTURES / "image-only-script" / "base")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    try:
        yield tag
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=60)


def _readers_left(image: str) -> list[str]:
    """Containers devloop created to read files from `image` and did not remove."""
    found = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=devloop.purpose=read-image-file",
         "--filter", f"ancestor={image}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return found.stdout.split()


def test_a_start_script_only_the_image_has_is_read_from_the_image(tmp_path: Path, base_image: str) -> None:
    directory = copy_project(tmp_path, FIXTURES / "image-only-script")
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "BASE_IMAGE": base_image}
    for _ in range(2):  # the second time from devloop's cache of image files
        data = plan(directory, env=cache)
        api = data["services"]["api"]
        assert strategies(data) == {"api": "reload"}, api["reason"]
        assert api["runs"][:2] == ["uvicorn", "--reload"]
        assert api["reason"] == (
            "./app:/app is bind-mounted and it runs `uvicorn --reload` "
            f"(image {base_image}:/start-reload.sh:10, via image {base_image} CMD)"
        )
    assert (tmp_path / "cache" / "devloop" / "image-files.json").is_file()
    assert _readers_left(base_image) == []
    actions = plan(directory, "app/main.py", env=cache)["actions"]
    assert actions == {"api": "reload"}


def test_without_the_image_devloop_says_it_cannot_read_the_script(tmp_path: Path) -> None:
    directory = copy_project(tmp_path, FIXTURES / "image-only-script")
    (directory / "compose.yaml").write_text(
        "services:\n  api:\n    image: devloop-fixture/start-reload:missing\n"
        "    command: /start-reload.sh\n    volumes:\n      - ./app:/app\n"
    )
    data = plan(directory, env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert data["services"]["api"]["strategy"] == "restart"
    assert "runs `/start-reload.sh`, which devloop cannot read" in data["services"]["api"]["reason"]


def test_gunicorn_config_module_with_reload_from_the_environment(tmp_path: Path) -> None:
    directory = copy_project(tmp_path, FIXTURES / "gunicorn-module")
    data = plan(directory)
    assert strategies(data) == {"web": "reload", "worker": "restart"}
    web, worker = data["services"]["web"]["reason"], data["services"]["worker"]["reason"]
    assert web == (
        './app:/srv/app is bind-mounted and `reload = os.getenv("GUNICORN_RELOAD", "false").lower() in '
        '("1", "true")` in gunicorn.py makes `gunicorn` reload '
        "(settings/gunicorn.py:5, via Dockerfile:6 CMD; GUNICORN_RELOAD from .env:1 via compose.yaml:5)"
    )
    assert "keeps `gunicorn` from reloading (settings/gunicorn.py:5, via compose.yaml:10 command)" in worker
    actions = plan(directory, "settings/gunicorn.py", "app/main.py")["actions"]
    assert actions == {"web": "rebuild", "worker": "rebuild"}  # the config is copied in and read at start
