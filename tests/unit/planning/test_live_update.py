"""Live update under `auto`: which baked edits are copied into the running containers (the final
stage copies them verbatim, nothing after reads them), which rebuild and why, and how the process
picks the copy up (it reloads, devloop sends it a signal, or restarts it)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from devloop.model.dockerfile import parse_dockerfile
from devloop.model.project import Strategy
from devloop.planning.live import LiveUpdate
from devloop.planning.planner import ProjectPlan
from devloop.planning.syncplan import files_to_sync
from tests.unit.builders import actions, build, make_plan, reasons, write

GUNICORN = 'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n'


def baked(
    root: Path,
    dockerfile: str,
    service: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ProjectPlan:
    """A project of one baked service `web` (build context `root`, with app.py in it)."""
    write(root, "Dockerfile", dockerfile)
    write(root, "app.py", "")
    return make_plan(root, {"web": {"build": build(root), **(service or {})}}, settings)


def test_a_file_copied_last_is_live_updated_and_gunicorn_gets_hup(tmp_path: Path) -> None:
    text = "FROM python\nWORKDIR /code\nCOPY req.txt .\nRUN pip install -r req.txt\nCOPY . .\n"
    plan = baked(tmp_path, text + GUNICORN)
    web = plan.service("web")
    assert web.strategy is Strategy.SYNC
    assert web.pickup == "signal" and web.verdict.on_signal == "HUP"
    assert actions(plan, tmp_path, "app.py") == {"web": "sync"}
    files = files_to_sync(web, [tmp_path / "app.py"])
    assert isinstance(files, list) and [str(f.target) for f in files] == ["/code/app.py"]
    # req.txt is read by the RUN after its COPY, and is a dependency file too
    assert actions(plan, tmp_path, "req.txt") == {"web": "rebuild"}


@pytest.mark.parametrize(
    ("dockerfile", "why"),
    [
        ("FROM python\nCOPY . /code\nRUN python -m compileall /code\n",
         "`RUN python -m compileall /code` (Dockerfile:3) runs after `COPY . /code` (Dockerfile:2)"),
        ("FROM python\nCOPY . /code\nUSER app\nRUN chown -R app /code\n",
         "`RUN chown -R app /code` (Dockerfile:4)"),
        ("FROM node AS build\nCOPY . /src\nRUN npm run build\nFROM nginx\nCOPY --from=build /src/dist /www\n",
         "copies it into stage `build`, and the image gets what that stage makes of it"),
        ("FROM python\nCOPY --chmod=0755 . /code\n", "copies it with --chmod"),
        ("FROM python\nARG SRC=.\nCOPY ${SRC} /code\n", "names a build ARG"),
        ("FROM python AS base\nCOPY . /code\nRUN make\nFROM base\nCMD [\"python\"]\n",
         "`RUN make` (Dockerfile:3)"),
    ],
)  # fmt: skip
def test_an_unsafe_copy_rebuilds_with_the_reason(tmp_path: Path, dockerfile: str, why: str) -> None:
    plan = baked(tmp_path, dockerfile)
    assert plan.service("web").strategy is Strategy.REBUILD
    assert why in plan.service("web").reason
    assert actions(plan, tmp_path, "app.py") == {"web": "rebuild"}
    assert why in reasons(plan, tmp_path, "app.py")["web"]


def test_each_file_is_judged_by_every_copy_that_reads_it(tmp_path: Path) -> None:
    text = "FROM python\nWORKDIR /code\nCOPY config.py .\nRUN python config.py\nCOPY . .\n"
    plan = baked(tmp_path, text)
    write(tmp_path, "config.py", "")
    assert plan.service("web").strategy is Strategy.SYNC
    assert actions(plan, tmp_path, "app.py") == {"web": "sync"}
    assert actions(plan, tmp_path, "config.py") == {"web": "rebuild"}  # also read by the RUN on line 4
    assert "`RUN python config.py` (Dockerfile:4)" in reasons(plan, tmp_path, "config.py")["web"]
    assert actions(plan, tmp_path, "Dockerfile") == {"web": "rebuild"}


def test_add_of_an_archive_unpacks_it() -> None:
    live = LiveUpdate(parse_dockerfile("FROM python\nADD . /code\n"))
    assert live.blocker("app.py") is None
    assert live.blocker("vendor/lib.tar.gz") == "`ADD . /code` (Dockerfile:2) unpacks it"
    assert live.blocker("other") is None


def test_settings_turn_live_update_off_globally_or_per_service(tmp_path: Path) -> None:
    text = "FROM python\nCOPY . /code\n" + GUNICORN
    off = baked(tmp_path, text, settings={"live_update": False})
    assert off.service("web").strategy is Strategy.REBUILD
    assert off.service("web").reason.endswith("; live_update = false in the devloop settings")
    assert actions(off, tmp_path, "app.py") == {"web": "rebuild"}
    one = baked(tmp_path, text, settings={"services": {"web": {"live_update": False}}})
    assert one.service("web").strategy is Strategy.REBUILD


def test_pickup_reload_signal_or_restart(tmp_path: Path) -> None:
    text = "FROM python\nWORKDIR /code\nCOPY . .\n"
    assert (
        baked(tmp_path, text, {"command": ["uvicorn", "app:app", "--reload"]}).service("web").pickup
        == "reload"
    )
    assert baked(tmp_path, text, {"command": ["gunicorn", "app:app"]}).service("web").pickup == "signal"
    # preloaded, the master keeps the old code across HUP; behind a shell, PID 1 is not gunicorn
    assert (
        baked(tmp_path, text, {"command": ["gunicorn", "--preload", "app:app"]}).service("web").pickup
        == "restart"
    )
    shell = baked(tmp_path, text, {"command": ["sh", "-c", "gunicorn app:app"]}).service("web")
    assert shell.pickup == "restart" and shell.reason.endswith("devloop restarts it")
    write(tmp_path, "gunicorn.conf.py", "preload_app = True\n")
    assert baked(tmp_path, text, {"command": ["gunicorn", "app:app"]}).service("web").pickup == "restart"
    write(tmp_path, "gunicorn.conf.py", "preload_app = False\n")
    assert baked(tmp_path, text, {"command": ["gunicorn", "app:app"]}).service("web").pickup == "signal"
    # nginx serves what it copied as it is on disk; its configuration it reloads on HUP
    nginx = baked(tmp_path, text, {"command": ["nginx", "-g", "daemon off;"]}).service("web")
    assert (nginx.pickup, nginx.verdict.on_signal) == ("reload", "HUP")
    assert nginx.pickup_for([PurePosixPath("/code/index.html")]) == "reload"
    assert nginx.pickup_for([PurePosixPath("/code/site.conf")]) == "signal"
    assert nginx.pickup_for([PurePosixPath("/etc/nginx/conf.d/site.conf")]) == "signal"
    behind = baked(tmp_path, text, {"command": ["sh", "-c", "nginx -g 'daemon off;'"]}).service("web")
    assert behind.pickup_for([PurePosixPath("/etc/nginx/nginx.conf")]) == "restart"


def test_a_copy_into_a_mount_of_the_container_is_not_synced(tmp_path: Path) -> None:
    volume = {"type": "volume", "source": "deps", "target": "/code/vendor"}
    plan = baked(tmp_path, "FROM python\nWORKDIR /code\nCOPY . .\n", {"volumes": [volume]})
    write(tmp_path, "vendor/x.py", "")
    found = files_to_sync(plan.service("web"), [tmp_path / "vendor/x.py"])
    assert getattr(found, "reason", "") == "x.py lands under /code/vendor, a mount of the container"


def test_a_service_running_the_built_image_keeps_the_rebuild(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python\nCOPY . /code\n")
    services = {"web": {"build": build(tmp_path), "image": "shop/web"}, "cron": {"image": "shop/web"}}
    plan = make_plan(tmp_path, services)
    assert plan.service("web").strategy is Strategy.REBUILD
    assert plan.service("web").reason.endswith("no live update: cron also run the image it builds")


def test_a_copy_outside_what_the_reloader_watches_restarts(tmp_path: Path) -> None:
    command = ["uvicorn", "app.main:app", "--reload", "--reload-dir", "app"]
    web = baked(tmp_path, "FROM python\nWORKDIR /code\nCOPY . .\n", {"command": command}).service("web")
    assert web.strategy is Strategy.SYNC and web.pickup == "reload"
    assert web.pickup_for([PurePosixPath("/code/app/main.py")]) == "reload"
    assert (
        web.pickup_for([PurePosixPath("/code/app/main.py"), PurePosixPath("/code/settings.py")]) == "restart"
    )
