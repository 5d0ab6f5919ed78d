"""devloop.outcome: failures found in real-looking output, mapped to host files, and the verdict
on an action from lines and container states."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from devloop.model.dockerfile import Copy
from devloop.model.project import Bind
from devloop.outcome.failures import Frame, failures
from devloop.outcome.judge import Container, Line, State, Watch, judge, program_for
from devloop.outcome.programs import plain, ready_program, reloading_program
from devloop.outcome.where import Sources, location

OUTPUT = Path(__file__).resolve().parents[2] / "fixtures" / "output"
PROJECT = Path("/src/shop")


def output(name: str) -> list[str]:
    return (OUTPUT / name).read_text().splitlines()


def sources(*host_files: str, cwd: str = "/code") -> Sources:
    """The example's shape: ./app bind-mounted at /code/app, ./baked copied to /code by COPY . ."""
    existing = {PROJECT / f for f in host_files}
    return Sources(
        project=PROJECT,
        binds=(Bind(PROJECT / "app", PurePosixPath("/code/app")),),
        copies=(Copy((".",), PurePosixPath("/code"), 6),),
        context=PROJECT / "baked",
        cwd=cwd,
        exists=lambda path: path in existing,
    )


# -- failures ---------------------------------------------------------------------------------


def test_a_syntax_error_under_uvicorn_points_at_the_edited_line() -> None:
    [found] = failures(output("uvicorn_reload_syntax.txt"))
    assert found.kind == "python"
    assert found.error == "SyntaxError: unterminated string literal (detected at line 5)"
    assert found.frames[0] == Frame("/code/app/main.py", 5)
    assert location(found.frames, sources("app/main.py")) == "app/main.py:5"


def test_gunicorn_worker_failure_skips_library_frames() -> None:
    [found] = failures(output("gunicorn_worker_boot.txt"))
    assert found.error == "NameError: name 'TITLE' is not defined"
    # /usr/lib/... is no file of the project; /code/main.py came from baked/main.py by COPY . .
    assert location(found.frames, sources("baked/main.py")) == "baked/main.py:7"


def test_celery_that_cannot_load_its_module() -> None:
    [found] = failures(output("celery_bad_module.txt"))
    assert found.error == "AttributeError: 'Celery' object has no attribute 'tsk'"
    assert location(found.frames, sources("app/tasks.py")) == "app/tasks.py:14"


def test_chained_tracebacks_give_the_last_exception() -> None:
    [found] = failures(output("flask_chained.txt"))
    assert found.error == "RuntimeError: views need missing_module"
    shop = Sources(PROJECT, (Bind(PROJECT / "web", PurePosixPath("/srv")),), exists=lambda p: True)
    assert location(found.frames, shop) == "web/app/views.py:5"


def test_a_python_syntax_error_without_a_traceback_header() -> None:
    lines = ['  File "/code/app.py", line 3', "    x = (", "        ^", "SyntaxError: '(' was never closed"]
    [found] = failures(lines)
    assert (found.error, found.frames) == ("SyntaxError: '(' was never closed", (Frame("/code/app.py", 3),))


def test_node_syntax_error_under_nodemon() -> None:
    [found] = failures(output("node_syntax.txt"))
    assert (found.kind, found.error) == ("node", "SyntaxError: missing ) after argument list")
    assert found.frames[0] == Frame("/usr/src/app/routes.js", 12)
    node = Sources(PROJECT, (Bind(PROJECT, PurePosixPath("/usr/src/app")),), exists=lambda p: True)
    assert location(found.frames, node) == "routes.js:12"
    assert found.closed


def test_node_stack_of_an_es_module() -> None:
    [found] = failures(output("node_runtime.txt"))
    assert found.error == "Error: DATABASE_URL is not set"
    assert found.frames[0] == Frame("/usr/src/app/lib/db.mjs", 8)
    assert Frame("/usr/src/app/server.mjs", 4) in found.frames


def test_a_stack_still_growing_is_not_closed() -> None:
    [found] = failures(["TypeError: x is not a function", "    at main (/app/index.js:3:5)"])
    assert not found.closed
    assert found.frames == (Frame("/app/index.js", 3),)


@pytest.mark.parametrize(
    ("line", "frame"),
    [
        (
            "src/index.ts(10,5): error TS2322: Type 'string' is not assignable to type 'number'.",
            ("src/index.ts", 10),
        ),
        ("src/index.ts:10:5 - error TS2322: Type 'string' is not assignable.", ("src/index.ts", 10)),
        ("main.c:4:12: error: expected ';' before '}' token", ("main.c", 4)),
        ("./main.go:17:2: undefined: handler", ("main.go", 17)),
    ],
)
def test_compiler_errors(line: str, frame: tuple[str, int]) -> None:
    [found] = failures(["building...", line])
    assert (found.kind, found.error, found.frames[0]) == ("compiler", line, Frame(*frame))


def test_rust_and_esbuild_errors_name_the_line_that_follows() -> None:
    rust = ["error[E0308]: mismatched types", " --> src/main.rs:4:18", "  |"]
    assert failures(rust)[0].frames == (Frame("src/main.rs", 4),)
    esbuild = ['✘ [ERROR] Expected ";" but found "}"', "", "    src/App.tsx:12:4:"]
    assert failures(esbuild)[0].frames == (Frame("src/App.tsx", 12),)


def test_ordinary_output_holds_no_failure() -> None:
    lines = [
        "INFO:     Started server process [8]",
        "[2024-05-02 10:11:12,345: WARNING/MainProcess] consumer: Cannot connect to redis: Error 111.",
        "Error: 3 retries left",
        "/code/app/main.py:5",
        '  File "/code/app/main.py", line 5',
        "and then something else",
    ]
    assert failures(lines) == []


def test_relative_frames_are_read_from_the_working_directory() -> None:
    assert location([Frame("app/main.py", 9)], sources("app/main.py")) == "app/main.py:9"
    assert location([Frame("<string>", 1), Frame("node:internal/x", 2)], sources()) is None


# -- programs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "program"),
    [
        ("INFO:     Application startup complete.", "uvicorn"),
        (" * Debugger is active!", "werkzeug"),
        ("Starting development server at http://0.0.0.0:8000/", "django"),
        ("[2024-05-02 10:11:12,345: INFO/MainProcess] celery@4f2a ready.", "celery"),
        ("[nodemon] starting `node server.js`", "nodemon"),
        ("  VITE v5.2.0  ready in 312 ms", "vite"),
        (" ✓ Ready in 2.1s", "next"),
        ("* Listening on http://0.0.0.0:3000", "puma"),
    ],
)
def test_ready_lines(line: str, program: str) -> None:
    found = ready_program(plain(line))
    assert found is not None and found.name == program


@pytest.mark.parametrize(
    ("line", "program"),
    [
        ("WARNING:  WatchFiles detected changes in 'app/main.py'. Reloading...", "uvicorn"),
        ("WARNING:  StatReload detected file change in 'app/main.py'. Reloading...", "uvicorn"),
        (" * Detected change in '/srv/app.py', reloading", "werkzeug"),
        ("/app/shop/views.py changed, reloading.", "django"),
        ("[nodemon] restarting due to changes...", "nodemon"),
        ("[2024-05-02 10:11:12 +0000] [7] [INFO] Worker reloading: /code/main.py modified", "gunicorn"),
    ],
)
def test_reload_lines(line: str, program: str) -> None:
    found = reloading_program(line)
    assert found is not None and found.name == program


def test_colours_do_not_hide_a_line() -> None:
    assert plain("\x1b[32mINFO\x1b[0m:     Application startup complete.  ") == (
        "INFO:     Application startup complete."
    )


def test_inference_names_map_to_programs() -> None:
    assert [getattr(program_for(n), "name", None) for n in ("uvicorn", "flask run", "celery worker")] == [
        "uvicorn",
        "werkzeug",
        "celery",
    ]
    assert program_for("celery beat").name == "celery beat"  # type: ignore[union-attr]
    assert program_for("fastapi dev").name == "uvicorn"  # type: ignore[union-attr]
    assert program_for("python app.py") is None and program_for(None) is None


# -- judge ------------------------------------------------------------------------------------

EDIT = 100.0


def timed(texts: list[str], start: float = EDIT + 0.5, step: float = 0.01) -> list[Line]:
    return [Line(text, start + i * step) for i, text in enumerate(texts)]


def running(since: float = EDIT + 0.4, health: str | None = None, at: float | None = None) -> Container:
    return Container("shop-api-1", "running", since, health=health, health_at=at)


def test_a_broken_reload_fails_at_the_file_and_line() -> None:
    watch = Watch("reload", EDIT, reloads=True, program="uvicorn")
    verdict = judge(
        watch, timed(output("uvicorn_reload_syntax.txt")), [running(1.0)], EDIT + 2, sources("app/main.py")
    )
    assert verdict.state is State.FAILED
    assert verdict.location == "app/main.py:5"
    assert verdict.error is not None and verdict.error.startswith("SyntaxError")
    assert verdict.reloader_acted


def test_a_good_reload_is_live_at_its_ready_line() -> None:
    lines = [
        "WARNING:  WatchFiles detected changes in 'app/main.py'. Reloading...",
        "INFO:     Started server process [42]",
        "INFO:     Waiting for application startup.",
        "INFO:     Application startup complete.",
    ]
    watch = Watch("reload", EDIT, reloads=True, program="uvicorn")
    verdict = judge(watch, timed(lines, step=0.25), [running(1.0)], EDIT + 2, sources())
    assert verdict.state is State.LIVE
    assert verdict.edit_to_live(watch) == 1.25


def test_a_reload_waits_for_the_reloader_and_then_for_ready() -> None:
    watch = Watch("reload", EDIT, reloads=True, program="uvicorn")
    assert judge(watch, [], [running(1.0)], EDIT + 30, sources()).state is State.PENDING
    acted = timed(["WARNING:  StatReload detected file change in 'app/main.py'. Reloading..."])
    pending = judge(watch, acted, [running(1.0)], EDIT + 3, sources())
    assert pending.state is State.PENDING and pending.reloader_acted


def test_a_reload_of_an_unknown_reloader_settles() -> None:
    watch = Watch("reload", EDIT, reloads=True, program="python -m myreloader")
    assert judge(watch, [], [running(1.0)], EDIT + 1, sources()).state is State.PENDING
    verdict = judge(watch, [], [running(1.0)], EDIT + 2.5, sources())
    assert (verdict.state, verdict.edit_to_live(watch)) == (State.LIVE, 0.0)


def test_an_exited_container_fails_even_without_output() -> None:
    watch = Watch("rebuild", EDIT, program="gunicorn")
    gone = Container("shop-baked-1", "exited", EDIT + 3, exit_code=3)
    verdict = judge(watch, [], [gone], EDIT + 3, sources())
    assert (verdict.state, verdict.error, verdict.location) == (
        State.FAILED,
        "shop-baked-1 exited with code 3",
        None,
    )


def test_gunicorn_ready_is_taken_back_by_the_worker_that_fails() -> None:
    watch = Watch("rebuild", EDIT, program="gunicorn")
    lines = timed(output("gunicorn_worker_boot.txt"))
    verdict = judge(watch, lines[:4], [running()], lines[3].at + 0.2, sources("baked/main.py"))
    assert verdict.state is State.PENDING  # "Booting worker" must stand a moment
    verdict = judge(watch, lines, [running()], lines[-1].at + 0.1, sources("baked/main.py"))
    assert (verdict.state, verdict.location) == (State.FAILED, "baked/main.py:7")


def test_a_restart_is_live_at_the_ready_line_of_the_new_process() -> None:
    watch = Watch("restart", EDIT, program="celery worker")
    old = Line("KeyboardInterrupt", EDIT + 0.1)  # what the old process said on its way out
    ready = Line("[2024-05-02 10:11:12,345: INFO/MainProcess] celery@4f2a ready.", EDIT + 2.0)
    verdict = judge(watch, [old, ready], [running(EDIT + 1.0)], EDIT + 2.1, sources())
    assert (verdict.state, verdict.edit_to_live(watch)) == (State.LIVE, 2.0)


def test_a_known_program_without_its_ready_line_is_given_longer() -> None:
    watch = Watch("restart", EDIT, program="celery worker")
    assert judge(watch, [], [running(EDIT + 1)], EDIT + 5, sources()).state is State.PENDING
    assert judge(watch, [], [running(EDIT + 1)], EDIT + 17, sources()).state is State.LIVE


def test_an_unknown_program_is_live_once_it_ran_a_while_without_error() -> None:
    watch = Watch("restart", EDIT, program="python worker.py")
    assert judge(watch, [], [running(EDIT + 1)], EDIT + 2, sources()).state is State.PENDING
    verdict = judge(watch, [], [running(EDIT + 1)], EDIT + 3.5, sources())
    assert (verdict.state, verdict.live_at) == (State.LIVE, EDIT + 1)


def test_a_healthcheck_decides_readiness() -> None:
    watch = Watch("restart", EDIT, program="uvicorn")
    ready = timed(["INFO:     Application startup complete."])
    starting = judge(watch, ready, [running(health="starting")], EDIT + 5, sources())
    assert starting.state is State.PENDING  # the ready line alone does not do
    healthy = judge(watch, ready, [running(health="healthy", at=EDIT + 4)], EDIT + 5, sources())
    assert (healthy.state, healthy.live_at) == (State.LIVE, EDIT + 4)
    sick = judge(watch, ready, [running(health="unhealthy")], EDIT + 5, sources())
    assert (sick.state, sick.error) == (State.FAILED, "shop-api-1: its healthcheck is unhealthy")


def test_a_restarting_container_has_failed() -> None:
    watch = Watch("restart", EDIT)
    verdict = judge(watch, [], [Container("shop-w-1", "restarting", EDIT + 1)], EDIT + 1, sources())
    assert (verdict.state, verdict.error) == (State.FAILED, "shop-w-1 keeps restarting")


def test_a_stack_is_judged_once_quiet() -> None:
    watch = Watch("restart", EDIT, program="node")
    lines = timed(["TypeError: x is not a function", "    at main (/app/index.js:3:5)"])
    assert judge(watch, lines, [running()], lines[-1].at + 0.1, sources()).state is State.PENDING
    assert judge(watch, lines, [running()], lines[-1].at + 0.5, sources()).state is State.FAILED


def test_a_program_that_recovers_after_an_error_is_live() -> None:
    watch = Watch("restart", EDIT, program="uvicorn")
    lines = timed([*output("flask_chained.txt")[4:], "INFO:     Application startup complete."])
    verdict = judge(watch, lines, [running()], EDIT + 5, sources())
    assert verdict.state is State.LIVE


def test_a_sync_that_left_the_process_running_is_live_at_once() -> None:
    watch = Watch("sync", EDIT, program="gunicorn", left_running=True)
    up = Container("shop-web-1", "running", 1.0)  # started long before the edit, not since
    verdict = judge(watch, [], [up], EDIT + 0.2, sources())
    assert (verdict.state, verdict.edit_to_live(watch)) == (State.LIVE, 0.2)
    assert verdict.why == "copied in; the process was left running"
    waiting = judge(Watch("sync", EDIT, program="gunicorn"), [], [up], EDIT + 0.2, sources())
    assert waiting.state is State.PENDING  # a restart is waited for
    gone = Container("shop-web-1", "exited", EDIT + 0.1, exit_code=1)
    assert judge(watch, [], [gone], EDIT + 0.2, sources()).state is State.FAILED
