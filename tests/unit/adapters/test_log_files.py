"""Log files that commands name, read on the host: only what is new, whole lines, rotation."""

from __future__ import annotations

from pathlib import Path

from devloop.adapters.log_files import LogFiles


def test_new_whole_lines_of_a_log_file_are_the_services_lines(tmp_path: Path) -> None:
    log = tmp_path / "celery.log"
    log.write_text("old line\n")
    files = LogFiles()
    files.watch([str(log), str(tmp_path / "not-yet.log")])
    assert files.read("worker", [str(log)]) == []  # what was there is old
    with log.open("a") as handle:
        handle.write("[INFO/MainProcess] celery@w ready.\nhalf")
    found = files.read("worker", [str(log)])
    assert [(x.service, x.stream, x.line) for x in found] == [
        ("worker", "file", "[INFO/MainProcess] celery@w ready.")
    ]
    with log.open("a") as handle:
        handle.write(" a line\n")
    assert [x.line for x in files.read("worker", [str(log)])] == ["half a line"]
    log.write_text("rotated\n")  # shorter than before: read from its start
    assert [x.line for x in files.read("worker", [str(log)])] == ["rotated"]
    (tmp_path / "not-yet.log").write_text("first\n")  # created after devloop started: all of it
    assert [x.line for x in files.read("worker", [str(tmp_path / "not-yet.log")])] == ["first"]
