"""Binds that hold data, not code (issue 15): a model folder next to baked code, data-store images."""

from __future__ import annotations

from pathlib import Path

import pytest

from devloop.model.project import Strategy
from tests.unit.builders import actions, bind, build, make_plan, write

# -- binds that hold data, not code ---------------------------------------------------------------


@pytest.fixture
def baked(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "Dockerfile",
        'FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "app.serve"]\n',
    )
    write(tmp_path, "app/serve.py", "")
    write(tmp_path, "models/encoder.safetensors", "weights")
    write(tmp_path, "models/tokenizer.json", "{}")
    (tmp_path / "data").mkdir()
    return tmp_path


def test_a_model_folder_next_to_baked_code_is_data(baked: Path) -> None:
    volumes = [bind(baked / "models", "/app/models"), bind(baked / "data", "/data")]
    plan = make_plan(baked, {"api": {"build": build(baked), "volumes": volumes}})
    api = plan.service("api")
    assert api.strategy is Strategy.SYNC
    assert api.reason.startswith(
        "its code is baked into the image by `COPY . .` (Dockerfile:3), build context .; "
        "./models:/app/models, ./data:/data hold data, not code; live update: "
    )
    assert actions(plan, baked, "models/encoder.safetensors", "data/cache.db") == {}
    assert actions(plan, baked, "app/serve.py") == {"api": "sync"}


def test_a_folder_with_source_files_or_where_the_process_runs_is_code(baked: Path) -> None:
    write(baked, "models/loader.py", "")  # code the process may import
    volumes = [bind(baked / "models", "/app/models")]
    assert make_plan(baked, {"api": {"build": build(baked), "volumes": volumes}}).service("api").strategy is (
        Strategy.RESTART
    )
    (baked / "models/loader.py").unlink()
    here = [bind(baked / "data", "/app")]  # the working directory itself, empty or not
    assert make_plan(baked, {"api": {"build": build(baked), "volumes": here}}).service("api").strategy is (
        Strategy.RESTART
    )
    watched = {"build": build(baked), "command": "watchmedo auto-restart -R -d /app -- python -m app.serve",
               "volumes": [bind(baked / "models", "/app/models")]}  # fmt: skip
    assert (
        make_plan(baked, {"api": watched}).service("api").strategy is Strategy.RELOAD
    )  # it watches every file


@pytest.mark.parametrize(
    "image", ["neo4j:5", "opensearchproject/opensearch:2", "clickhouse/clickhouse-server",
              "confluentinc/cp-kafka", "bitnami/zookeeper:3.9", "nats:2", "influxdb:2", "mariadb:11",
              "cassandra:5"],
)  # fmt: skip
def test_data_store_images(tmp_path: Path, image: str) -> None:
    write(tmp_path, "data/notes.conf", "")
    plan = make_plan(tmp_path, {"db": {"image": image, "volumes": [bind(tmp_path / "data", "/data")]}})
    assert plan.service("db").strategy is Strategy.NONE
    assert plan.service("db").reason == f"a data store (image {image}): its mounts hold data, not code"
