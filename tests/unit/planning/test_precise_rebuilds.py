"""Rebuild precisely: only what a COPY/ADD of the stages a build target includes copies, only the
builds a dependency file or Dockerfile belongs to, each service of a shared build its own action,
image users recreated with the image, volumes_from mounts inherited, data binds not code.
Fixtures: tests/fixtures/precise-rebuilds/ and tests/fixtures/shared-build/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from devloop.inference.process import ImageProcess
from devloop.load.settings_file import find_settings
from devloop.model.dockerfile import read_dockerfile
from devloop.planning.explain import quiet_paths, shared_note, stage_chain
from tests.unit.builders import actions, bind, build, change, make_plan, project, reasons, strategies

CELERY = ["python3", "-m", "celery", "-A", "app.tasks"]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def fixture(tmp_path: Path, name: str) -> Path:
    root = tmp_path / Path(name).name
    shutil.copytree(FIXTURES / name, root)
    return root


# -- stage chains -------------------------------------------------------------------------------


def stages(root: Path) -> dict[str, Any]:
    return {
        "backend": {"build": build(root, target="backend")},
        "frontend": {"build": build(root, target="frontend")},
    }


def test_a_target_includes_its_from_parents_and_copy_from_stages(tmp_path: Path) -> None:
    dockerfile = read_dockerfile(fixture(tmp_path, "precise-rebuilds/stages") / "Dockerfile")
    assert dockerfile is not None
    assert [s.name for s, _ in dockerfile.chain("backend")] == ["backend", "base"]
    assert [s.name for s, _ in dockerfile.chain("frontend")] == ["frontend", "client"]
    assert [s.name for s, _ in dockerfile.chain(None)] == ["frontend", "client"]  # the last stage
    assert dockerfile.chain("missing") == ()


def test_an_edit_rebuilds_only_the_targets_whose_stages_copy_it(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/stages")
    plan = make_plan(root, stages(root))
    assert actions(plan, root, "client/app.js") == {"frontend": "rebuild"}
    assert actions(plan, root, "server/app.py") == {"backend": "sync"}  # copied as it is: live update
    assert actions(plan, root, "requirements.txt") == {"backend": "rebuild"}  # copied by base
    assert reasons(plan, root, "requirements.txt") == {
        "backend": "requirements.txt is a dependency file in the build context"
    }
    assert actions(plan, root, "README.md") == {}


def test_plan_names_the_stage_chain_and_why_a_file_triggers_nothing(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/stages")
    plan = make_plan(root, stages(root))
    chain = stage_chain(plan.service("backend"))
    assert chain is not None
    assert chain.startswith("target backend includes backend, base (backend is built FROM it, Dockerfile:")
    frontend = stage_chain(plan.service("frontend"))
    assert frontend is not None and "client (COPY --from=client in frontend, Dockerfile:16)" in frontend
    readme = root / "README.md"
    quiet = quiet_paths(plan, plan.route([readme]), [readme])
    assert [(q.services, q.reason) for q in quiet] == [
        (
            ("backend",),
            "no COPY/ADD of Dockerfile copies it in the stages the build includes (backend, base)",
        ),
        (
            ("frontend",),
            "no COPY/ADD of Dockerfile copies it in the stages the build includes (frontend, client)",
        ),
    ]
    app = root / "client/app.js"
    assert [q.services for q in quiet_paths(plan, plan.route([app]), [app])] == [("backend",)]


# -- one context, several Dockerfiles; requirements included by requirements ---------------------


def contexts(root: Path) -> dict[str, Any]:
    return {name: {"build": build(root, f"Dockerfile.{name}")} for name in ("api", "worker", "docs")}


def test_a_file_of_a_shared_context_rebuilds_only_the_dockerfiles_that_copy_it(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/contexts")
    plan = make_plan(root, contexts(root))
    assert actions(plan, root, "api/main.py") == {"api": "sync"}
    assert actions(plan, root, "worker/jobs.py") == {"worker": "sync"}
    assert actions(plan, root, "docs/index.html") == {"docs": "sync"}
    assert actions(plan, root, "requirements/api.txt") == {"api": "rebuild"}
    assert actions(plan, root, "Dockerfile.worker") == {"worker": "rebuild"}  # a Dockerfile: its own builds


def test_a_requirements_file_included_by_others_rebuilds_the_builds_that_copy_those(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/contexts")
    plan = make_plan(root, contexts(root))
    # no COPY takes common.txt; api.txt includes it (-r), worker.txt constrains with it (-c)
    assert actions(plan, root, "requirements/common.txt") == {"api": "rebuild", "worker": "rebuild"}
    assert reasons(plan, root, "requirements/common.txt")["api"] == (
        "common.txt is included (-r/-c) by ./requirements/api.txt, which the build copies"
    )


# -- a shared build: each service its own action -----------------------------------------------


def shared(root: Path) -> dict[str, Any]:
    code = [bind(root / "app", "/code/app")]
    uvicorn = ["python3", "-m", "uvicorn", "app.main:app", "--reload"]
    return {
        "api": {"build": build(root), "volumes": code, "command": uvicorn},
        "admin": {"build": build(root), "volumes": code, "command": uvicorn},
        "worker": {"build": build(root), "volumes": code, "command": [*CELERY, "worker"]},
        "beat": {"build": build(root), "volumes": code, "command": [*CELERY, "beat"]},
        "baked": {"build": build(root)},
    }  # fmt: skip


def test_one_edit_of_a_shared_build_gives_reload_restart_and_one_rebuild(tmp_path: Path) -> None:
    root = fixture(tmp_path, "shared-build")  # its devloop.toml turns live update off for baked
    plan = make_plan(root, shared(root), find_settings(root))
    assert plan.service("baked").reason.endswith("; live_update = false in the devloop settings")
    expected = {
        "api": "reload",
        "admin": "reload",
        "worker": "restart",
        "beat": "restart",
        "baked": "rebuild",
    }
    assert actions(plan, root, "app/main.py") == expected
    why = reasons(plan, root, "app/main.py")
    assert why["worker"].endswith("; not rebuilt with baked (same build): it gets the edit by a restart")
    assert why["api"].endswith("; not rebuilt with baked (same build): it gets the edit by itself")
    assert actions(plan, root, "README.md") == {}
    assert actions(plan, root, "notes/todo.md") == {}  # .dockerignore
    # the Dockerfile is an input of every build that uses it
    assert set(actions(plan, root, "Dockerfile").values()) == {"rebuild"}
    note = shared_note(plan, plan.service("beat"))
    assert note == (
        "shares its build with api, admin, worker, baked: an edit under its binds is not rebuilt with baked; "
        "it gets it by a restart"
    )


# -- image users and volumes_from -----------------------------------------------------------------


def image_users(root: Path) -> dict[str, Any]:
    return {
        "web": {"build": build(root), "image": "shop/web", "volumes": [bind(root / "app", "/code/app")],
                "command": ["python3", "-m", "uvicorn", "app.main:app", "--reload"]},
        "worker": {"image": "shop/web", "volumes_from": ["web"],
                   "command": ["python3", "-m", "celery", "-A", "app.tasks", "worker"]},
        "cron": {"image": "shop/web:latest", "command": ["python3", "-m", "app.tasks"]},
    }  # fmt: skip


def test_volumes_from_inherits_the_source_mounts(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/image-users")
    services = image_users(root)
    services["web"]["volumes"].append({"type": "volume", "source": "cache", "target": "/cache"})
    services["reader"] = {"image": "shop/web:other", "volumes_from": ["worker:ro", "container:elsewhere"]}
    model = project(root, services)
    assert [str(b) for b in model.service("worker").binds] == [f"{root}/app:/code/app"]
    assert [str(v) for v in model.service("worker").volumes] == ["/cache"]
    assert [str(b) for b in model.service("reader").binds] == [f"{root}/app:/code/app:ro"]  # transitively


def test_a_service_running_an_image_another_builds_is_recreated_with_it(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/image-users")
    plan = make_plan(root, image_users(root))
    assert strategies(plan) == {"web": "reload", "worker": "restart", "cron": "none"}
    # the code through web's mount: web reloads, worker (volumes_from web) restarts
    assert actions(plan, root, "app/tasks.py") == {"web": "reload", "worker": "restart"}
    # the image is rebuilt: both services running it are recreated by the same command
    assert actions(plan, root, "requirements.txt") == {
        "web": "rebuild",
        "worker": "rebuild",
        "cron": "rebuild",
    }
    assert reasons(plan, root, "requirements.txt")["cron"].startswith(
        "it runs image shop/web, which web builds and is rebuilt ("
    )
    assert plan.action_group("cron") == plan.action_group("web") == plan.action_group("worker")


# -- data binds --------------------------------------------------------------------------------


def test_binds_over_a_declared_volume_or_of_a_data_store_are_not_code(tmp_path: Path) -> None:
    root = fixture(tmp_path, "precise-rebuilds/data")
    services = {
        "store": {"build": build(root), "command": ["python3", "-m", "app.main"],
                  "volumes": [bind(root / "store-data", "/var/lib/store"), bind(root / "app", "/code/app")]},
        "graph": {"image": "graphdb:5", "volumes": [bind(root / "graph-data", "/data")]},
        "cache": {"image": "redis:7", "volumes": [bind(root / "cache-data", "/srv")]},
    }  # fmt: skip
    images = {"graphdb:5": ImageProcess(None, ("graphdb",), ("/data",))}
    plan = make_plan(root, services, images=images)
    assert strategies(plan) == {"store": "restart", "graph": "none", "cache": "none"}
    assert actions(plan, root, "store-data/table.db") == {}  # under the Dockerfile's VOLUME
    assert actions(plan, root, "graph-data/graph.db") == {}  # under the image's VOLUME
    assert actions(plan, root, "cache-data/dump.rdb") == {}  # a known data store
    assert actions(plan, root, "app/main.py") == {"store": "restart"}
    assert root / "store-data" not in plan.service("store").watch


def test_a_copy_with_an_arg_in_its_source_counts_as_the_whole_context(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\nARG SRC=app\nCOPY ${SRC}/ /code/\n")
    (tmp_path / "README.md").write_text("")
    plan = make_plan(tmp_path, {"svc": {"build": build(tmp_path)}})
    assert actions(plan, tmp_path, "README.md") == {"svc": "rebuild"}  # cannot tell: no silent miss
    assert change(plan, tmp_path, "README.md").unseen == ()
