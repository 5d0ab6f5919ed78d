"""How `devloop status` and `wait` print an answer, and the exit code it gives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devloop.cli import main
from devloop.commands.status import exit_code
from devloop.ui.status import render


def svc(state: str, **kw: Any) -> dict[str, Any]:
    base = {"strategy": "reload", "state": state, "action": "reload", "outcome": state,
            "edit_to_live_s": None, "error": None, "location": None}  # fmt: skip
    return {**base, **kw}


@pytest.mark.parametrize(
    ("states", "code"),
    [
        (["live", "live"], 0),
        (["live", "failed"], 1),
        (["live", "down"], 1),
        (["acting", "unknown"], 1),
        (["live", "acting"], 2),
        (["starting"], 2),
    ],
)
def test_exit_codes(states: list[str], code: int) -> None:
    answer = {"services": {f"s{i}": svc(s) for i, s in enumerate(states)}}
    assert exit_code(answer) == code


def test_a_failure_is_printed_first_at_its_file_and_line() -> None:
    answer = {
        "services": {
            "api": svc("live", edit_to_live_s=1.234),
            "worker": svc("failed", action="restart", error="NameError: x", location="app/tasks.py:7"),
        }
    }
    assert render(answer, as_json=False, strategy=False).splitlines() == [
        "error: app/tasks.py:7: worker: restart failed: NameError: x",
        "api: live after reload, 1.23s after the edit",
    ]
    assert json.loads(render(answer, as_json=True)) == answer


def test_a_timeout_is_said() -> None:
    text = render({"services": {"api": svc("acting")}, "timed_out": True, "waited_s": 5.0}, False)
    assert text.splitlines() == [
        "api: acting (reload) [reload]",
        "devloop wait: timed out after 5 s; still acting above",
    ]


def test_a_wait_with_no_service_concerned_says_so() -> None:
    answer = {"services": {}, "timed_out": False, "waited_s": 0.2}
    assert render(answer, False) == "devloop wait: the latest edit concerns no service"
    assert exit_code(answer) == 0


@pytest.mark.parametrize("value", ["0", "-1", "nan", "1e9"])
def test_a_bad_timeout_says_what_is_allowed(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wait", "--timeout", value]) == 1
    assert "--timeout must be above 0 and at most 86400 seconds" in capsys.readouterr().err
