"""The problem devloop exists to solve, shown on the real example stack without devloop:
`docker compose restart` does not bring baked code up to date, while a bind mount plus
`uvicorn --reload` does, and a Celery worker keeps its old task code until restarted."""

from __future__ import annotations

from tests.e2e.stack import Stack, wait_until


def test_restart_keeps_old_baked_code_while_reload_serves_new(example_stack: Stack) -> None:
    stack = example_stack
    stack.compose("up", "-d", "--build")
    stack.wait_for("api", "/", {"message": "hello from api v1"})
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})
    stack.wait_for("api", "/task", {"result": "task v1"})
    api_before = stack.container("api")
    baked_before = stack.container("baked_api")

    stack.edit("app/main.py", "hello from api v1", "hello from api v2")
    stack.edit("app/tasks.py", "task v1", "task v2")
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")

    # The bind-mounted api reloads itself: new code, same container, never restarted.
    stack.wait_for("api", "/", {"message": "hello from api v2"}, timeout=20)
    api_after = stack.container("api")
    assert api_after["Id"] == api_before["Id"]
    assert api_after["State"]["StartedAt"] == api_before["State"]["StartedAt"]
    # The worker sees the new file through its mount but still runs the old task code.
    assert stack.get("api", "/task") == {"result": "task v1"}

    stack.compose("restart")
    stack.wait_for("api", "/task", {"result": "task v2"}, timeout=60)
    wait_until(lambda: stack.get("baked", "/", timeout=5), 60, "baked_api to answer after restart")
    # The baked service was restarted (new StartedAt) on the same image: still the old code.
    baked_after = stack.container("baked_api")
    assert baked_after["State"]["StartedAt"] != baked_before["State"]["StartedAt"]
    assert baked_after["Image"] == baked_before["Image"]
    assert stack.get("baked", "/") == {"message": "hello from baked v1"}
