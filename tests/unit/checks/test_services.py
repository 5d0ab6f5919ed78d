"""doctor's findings on running services: one that exited or restarts, with its error and where,
and a mount where host edits raise no file event."""

from __future__ import annotations

from devloop.checks.services import down_finding, file_events_finding


def test_an_exited_service_is_an_error_with_its_last_error_and_location() -> None:
    found = down_finding("api", "p-api-1", "exited", 3, "SyntaxError: invalid syntax", "app/main.py:5")
    assert found is not None and (found.level, found.service, found.check) == ("error", "api", "down")
    assert found.message == "p-api-1 exited with code 3: app/main.py:5: SyntaxError: invalid syntax"
    assert "fix app/main.py" in found.hint


def test_a_restarting_service_without_a_known_error_points_to_its_logs() -> None:
    found = down_finding("worker", "p-worker-1", "restarting", 1, None, None)
    assert found is not None and found.message == "p-worker-1 keeps restarting"
    assert found.hint == "see its output: docker compose logs worker"


def test_a_job_that_finished_is_not_down() -> None:
    assert down_finding("migrate", "p-migrate-1", "exited", 0, None, None) is None
    assert down_finding("api", "p-api-1", "running", None, None, None) is None


def test_file_events() -> None:
    assert file_events_finding("web", "./src:/src", "flask run", True) is None
    missing = file_events_finding("web", "./src:/src", "flask run", False)
    assert (
        missing is not None and missing.level == "warning" and "its reloader (flask run)" in missing.message
    )
    assert "relays" in missing.hint
    unknown = file_events_finding("web", "./src:/src", None, None)
    assert unknown is not None and unknown.level == "info" and "not checked" in unknown.message
