"""A baked file the process does not read (docs, CI settings, tests of a non-test-runner): a live
update copies it in and leaves the process running; a rebuild waits for the image's next one,
unless the build makes something of it, a static server serves it or a service of the image reads
it. Also at start (catch-up) and in `devloop plan`'s explanations."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from devloop.planning.baked import untouched
from devloop.planning.catchup import Stale, catch_up
from devloop.planning.explain import quiet_paths
from devloop.planning.planner import ProjectPlan
from devloop.planning.syncplan import batch_pickup, files_to_sync, pickup
from devloop.planning.unread import build_reads
from tests.unit.builders import actions, bind, build, change, make_plan, reasons, write

GUNICORN = '["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]'


def baked(root: Path, after_copy: str = "", cmd: str = GUNICORN) -> ProjectPlan:
    """One service whose code `COPY . .` bakes in; `after_copy`: what the Dockerfile does next."""
    write(root, "Dockerfile", f"FROM python:3.12\nWORKDIR /code\nCOPY . .\n{after_copy}CMD {cmd}\n")
    for relative in ("app.py", "README.md", "docs/index.html", "tests/test_app.py", ".github/ci.yml"):
        write(root, relative, "x\n")
    return make_plan(root, {"web": {"build": build(root)}})


UNREAD = ["README.md", "CHANGELOG", "docs/index.html", "tests/test_app.py", ".github/ci.yml"]


@pytest.mark.parametrize("relative", UNREAD)
def test_live_update_copies_an_unread_file_in_and_says_it_is_not_restarted(
    tmp_path: Path, relative: str
) -> None:
    plan = baked(tmp_path)
    assert actions(plan, tmp_path, relative) == {"web": "sync"}  # the container's copy matches the host
    reason = reasons(plan, tmp_path, relative)["web"]
    assert reason.startswith(f"{relative} is baked into the image by `COPY . .` (Dockerfile:3); live update")
    assert reason.endswith(": not restarted") and "`gunicorn` does not read " in reason
    web = plan.service("web")
    files = files_to_sync(web, [tmp_path / relative])
    assert isinstance(files, list) and files[0].target == PurePosixPath("/code", relative)
    how, why = pickup(web, [tmp_path / relative], files)
    assert how == "none" and why is not None and why.startswith("`gunicorn` does not read")


def test_a_batch_with_code_in_it_picks_it_up_as_usual(tmp_path: Path) -> None:
    plan = baked(tmp_path)
    web = plan.service("web")
    paths = [tmp_path / "README.md", tmp_path / "app.py"]
    assert "not restarted" not in reasons(plan, tmp_path, "README.md", "app.py")["web"]
    assert untouched(web, paths) is None
    files = files_to_sync(web, paths)
    assert isinstance(files, list)
    assert pickup(web, paths, files) == ("signal", None)  # gunicorn reloads on HUP as PID 1
    only_code = files_to_sync(web, [tmp_path / "app.py"])
    assert isinstance(only_code, list) and pickup(web, [tmp_path / "app.py"], only_code)[0] == "signal"


def test_a_reloader_that_watches_the_file_still_reloads(tmp_path: Path) -> None:
    uvicorn = '["uvicorn", "app:app", "--reload", "--reload-include", "*.md"]'
    web = baked(tmp_path, cmd=uvicorn).service("web")
    files = files_to_sync(web, [tmp_path / "README.md"])
    assert isinstance(files, list)
    assert pickup(web, [tmp_path / "README.md"], files) == ("reload", None)
    docs = files_to_sync(web, [tmp_path / "docs/index.html"])  # not one of the names it watches
    assert isinstance(docs, list) and pickup(web, [tmp_path / "docs/index.html"], docs)[0] == "none"
    # what the outcome watcher expects of a sync: a file the reloader does not watch is restarted
    assert batch_pickup(web, [tmp_path / "static/site.css"]) == "restart"
    assert batch_pickup(web, [tmp_path / "app.py"]) == "reload"
    assert batch_pickup(web, [tmp_path / ".github/ci.yml"]) == "none"


@pytest.mark.parametrize("relative", UNREAD)
def test_without_live_update_an_unread_file_waits_for_the_next_rebuild(tmp_path: Path, relative: str) -> None:
    plan = baked(tmp_path, "RUN python manage.py collectstatic --noinput\n")
    assert actions(plan, tmp_path, "app.py") == {"web": "rebuild"}
    assert actions(plan, tmp_path, relative) == {}
    quiet = quiet_paths(plan, change(plan, tmp_path, relative), [tmp_path / relative])
    assert [q.services for q in quiet] == [("web",)]
    assert quiet[0].reason.startswith(
        "baked into the image by `COPY . .` (Dockerfile:3); `gunicorn` does not"
    )
    assert quiet[0].reason.endswith(": the image takes it at its next rebuild")


def test_live_update_false_and_a_baked_file_outside_the_binds_wait_too(tmp_path: Path) -> None:
    settings = {"services": {"web": {"live_update": False}}}
    write(tmp_path, "Dockerfile", f"FROM python\nWORKDIR /code\nCOPY . .\nCMD {GUNICORN}\n")
    plan = make_plan(tmp_path, {"web": {"build": build(tmp_path)}}, settings)
    assert actions(plan, tmp_path, "README.md") == {}
    assert actions(plan, tmp_path, "app.py") == {"web": "rebuild"}
    # the fastapi-celery shape: the code comes through a bind, the README only through the image
    code = [bind(tmp_path / "app", "/code/app")]
    worker = {"build": build(tmp_path), "volumes": code, "command": ["celery", "-A", "app.tasks", "worker"]}
    shared = make_plan(tmp_path, {"worker": worker})
    assert actions(shared, tmp_path, "README.md") == {}
    assert actions(shared, tmp_path, "main.py") == {"worker": "rebuild"}


@pytest.mark.parametrize(
    ("run", "relative"),
    [
        ("RUN mkdocs build -d /code/site\n", "docs/index.md"),
        ("RUN npm ci && npm run build\n", "README.md"),  # a JavaScript build may bundle Markdown
        ("RUN python -m pytest -q\n", "tests/test_app.py"),  # tests run while building
        ("RUN cp CHANGELOG.md /code/static/\n", "CHANGELOG.md"),  # named by the build
    ],
)
def test_a_build_step_that_may_read_it_keeps_the_rebuild(tmp_path: Path, run: str, relative: str) -> None:
    plan = baked(tmp_path, run)
    assert actions(plan, tmp_path, relative) == {"web": "rebuild"}
    assert actions(plan, tmp_path, ".github/ci.yml") == {}  # what that step does not read still waits


def test_a_static_server_serves_what_the_image_holds(tmp_path: Path) -> None:
    write(
        tmp_path, "Dockerfile", "FROM nginx\nCOPY docs/ /usr/share/nginx/html/\nRUN chmod -R a+r /usr/share\n"
    )
    write(tmp_path, "docs/index.html", "<h1>x</h1>\n")
    plan = make_plan(
        tmp_path, {"site": {"build": build(tmp_path), "command": ["nginx", "-g", "daemon off;"]}}
    )
    assert actions(plan, tmp_path, "docs/index.html") == {"site": "rebuild"}


def test_a_test_runner_or_docs_server_keeps_acting(tmp_path: Path) -> None:
    run = "RUN pip install -e .\n"
    tests = baked(tmp_path, run, cmd='["python", "-m", "pytest", "-f"]')
    assert actions(tests, tmp_path, "tests/test_app.py") == {"web": "rebuild"}
    assert actions(tests, tmp_path, "README.md") == {}
    docs = baked(tmp_path, run, cmd='["mkdocs", "serve"]')
    assert actions(docs, tmp_path, "docs/index.html") == {"web": "rebuild"}


def test_a_service_running_the_image_that_reads_it_keeps_the_rebuild(tmp_path: Path) -> None:
    run = "RUN pip install -e .\n"
    write(tmp_path, "Dockerfile", f"FROM python\nWORKDIR /code\nCOPY . .\n{run}CMD {GUNICORN}\n")
    services: dict[str, Any] = {
        "web": {"build": build(tmp_path), "image": "shop-web"},
        "worker": {"image": "shop-web", "command": ["celery", "-A", "app", "worker"]},
        "tests": {"image": "shop-web", "command": ["pytest", "tests"]},
    }
    plan = make_plan(tmp_path, services)
    assert actions(plan, tmp_path, "tests/test_app.py") == {"web": "rebuild", "worker": "rebuild",
                                                            "tests": "rebuild"}  # fmt: skip
    assert actions(plan, tmp_path, "README.md") == {}  # no service of the image reads it
    del services["tests"]
    assert actions(make_plan(tmp_path, services), tmp_path, "tests/test_app.py") == {}


def test_a_dockerignore_that_names_the_file_back_in_means_it_is_read(tmp_path: Path) -> None:
    write(tmp_path, ".dockerignore", "*.md\n!CHANGELOG.md\n")
    plan = baked(tmp_path)
    assert actions(plan, tmp_path, "CHANGELOG.md") == {"web": "sync"}
    assert "not restarted" not in reasons(plan, tmp_path, "CHANGELOG.md")["web"]
    rebuilt = baked(tmp_path, "RUN pip install -e .\n")
    assert actions(rebuilt, tmp_path, "CHANGELOG.md") == {"web": "rebuild"}
    assert actions(rebuilt, tmp_path, "docs/index.html") == {}


def test_catch_up_copies_in_or_waits_rather_than_rebuilding(tmp_path: Path) -> None:
    how = "differs from its copy in the image (/code/README.md)"
    readme = [Stale(tmp_path / "README.md", how)]
    live = baked(tmp_path)
    found = catch_up(live, {"web": readme}, {})
    assert [(d.service, str(d.action)) for d in found] == [("web", "sync")]
    assert found[0].reason.endswith(": not restarted")
    code = [*readme, Stale(tmp_path / "app.py", how)]
    assert [str(d.action) for d in catch_up(live, {"web": code}, {})] == ["rebuild"]
    rebuilt = baked(tmp_path, "RUN pip install -e .\n")
    assert catch_up(rebuilt, {"web": readme}, {}) == []
    assert [str(d.action) for d in catch_up(rebuilt, {"web": code}, {})] == ["rebuild"]


def test_a_job_worker_s_asset_sources_wait_only_when_no_build_step_follows(tmp_path: Path) -> None:
    sidekiq = '["bundle", "exec", "sidekiq"]'
    write(tmp_path, "app/assets/site.css", "x\n")
    live = baked(tmp_path, cmd=sidekiq)
    reason = reasons(live, tmp_path, "app/assets/site.css")["web"]
    why = "`sidekiq` does not read front-end asset sources (it is under app/assets/)"
    assert reason.endswith(f"; {why}: not restarted")
    precompiled = baked(tmp_path, "RUN bundle exec rails assets:precompile\n", cmd=sidekiq)
    assert actions(precompiled, tmp_path, "app/assets/site.css") == {"web": "rebuild"}  # its digests
    assert actions(precompiled, tmp_path, "README.md") == {}


def test_build_steps_that_read_a_kind() -> None:
    assert build_reads("mkdocs build --strict", "documentation")
    assert build_reads("CI=1 yarn build", "documentation")
    assert not build_reads("npm ci --omit=dev && yarn --frozen-lockfile", "documentation")
    assert not build_reads("python manage.py collectstatic --noinput", "documentation")
    assert build_reads("pip install . && python -m pytest", "tests")
    assert not build_reads("pip install -r requirements.txt", "tests")
