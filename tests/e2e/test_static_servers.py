"""Servers that read what they serve on every request (tests/fixtures/static-servers), on the real
engine: an edit of a page under their bind mount is served at once by the same containers, with no
action; an edit of busybox httpd's configuration restarts it, and what it serves follows it."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up, wait_until


def fetch(stack: Stack, service: str, path: str) -> tuple[str, str] | None:
    """(body, Content-Type) a published service answers, or None when it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.ports[service]}{path}", timeout=5) as response:
            return response.read().decode(), response.headers.get("Content-Type", "")
    except OSError:
        return None


def serves(stack: Stack, service: str, path: str, text: str) -> bool:
    answer = fetch(stack, service, path)
    return answer is not None and text in answer[0]


def test_an_edit_of_served_content_needs_nothing_its_configuration_a_restart(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "static-servers", ("pages", "box"), runs=devloop_runs) as stack:
        run = up(stack, devloop_runs)
        assert run.matching(event="ready")[0]["strategies"] == {"pages": "reload", "box": "reload"}
        for service in ("pages", "box"):
            wait_until(lambda s=service: serves(stack, s, "/index.html", "edition one"), 60, f"{service} up")
        before = stack.snapshot()

        mark = run.mark()
        stack.edit("site/index.html", "edition one", "edition two")
        for service in ("pages", "box"):
            run.wait_event(after=mark, event="action", service=service, action="reload", status="skipped")
            assert serves(stack, service, "/index.html", "edition two"), f"{service} serves the edit at once"
        assert stack.snapshot() == before, "same containers, same starts: nothing was restarted"
        assert not run.matching(event="action", action="restart")

        assert (fetch(stack, "box", "/notes.note") or ("", ""))[1] == "text/x-note-one"
        mark = run.mark()
        stack.edit("box/httpd.conf", "x-note-one", "x-note-two")
        done = run.wait_event(after=mark, event="action", service="box", action="restart", status="succeeded")
        assert "httpd.conf is under bind ./box:/etc/box, outside what `httpd` watches" in done["reason"]
        wait_until(lambda: (fetch(stack, "box", "/notes.note") or ("", ""))[1] == "text/x-note-two", 60,
                   "box to serve .note files with the type its edited configuration says")  # fmt: skip
        after = stack.snapshot()
        assert after["box"][2] != before["box"][2], "box was restarted"
        assert after["pages"] == before["pages"], "pages does not see box's configuration"
