from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.faults import busybox_stack, teardown
from tests.e2e.stack import DevloopProcess, Stack, engine_problem, stack_of


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def real_engine() -> None:
    """e2e tests need a real engine: in CI its absence fails them, elsewhere it skips with the reason."""
    problem = engine_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs a real Docker Engine and Compose v2: {problem}", pytrace=False)
    pytest.skip(problem)


@pytest.fixture
def example_stack(tmp_path: Path) -> Iterator[Stack]:
    """The fastapi-celery example copied under tmp, with its own project name and ports."""
    with stack_of(tmp_path, "fastapi-celery", ("api", "baked"), source="examples") as stack:
        yield stack


@pytest.fixture
def devloop_runs() -> Iterator[list[DevloopProcess]]:
    """devloop processes a test starts; each is ended by its PID when the test ends."""
    started: list[DevloopProcess] = []
    try:
        yield started
    finally:
        for run in started:
            run.stop()


@pytest.fixture
def stack(tmp_path: Path, devloop_runs: list[DevloopProcess]) -> Iterator[Stack]:
    """A small busybox project of the fault tests, torn down (devloop runs first) whatever happens."""
    made = busybox_stack(tmp_path)
    try:
        yield made
    finally:
        teardown(made, devloop_runs)
