"""What a program's own command line says it writes: per program, as written, and never a folder
that holds its inputs or its own code."""

from __future__ import annotations

import shlex

import pytest

from devloop.inference.outputs import Written, command_writes


def writes(command: str) -> list[tuple[str, str, bool]]:
    return [(w.option, w.path, w.folder) for w in command_writes(shlex.split(command))]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("celery -A jobs worker -l info --logfile=var/worker.log", [("--logfile", "var/worker.log", False)]),
        ("celery -A shop.jobs worker --logfile var/worker.log", [("--logfile", "var/worker.log", False)]),
        ("python -m celery -A shop.jobs worker -f out/%n%I.txt", [("-f", "out/**.txt", False)]),
        ("celery -A shop.jobs worker --statedb=state/revoked", [("--statedb", "state/revoked", False)]),
        ("celery --workdir /srv -A j worker --pidfile=w.pid", [("--pidfile", "/srv/w.pid", False)]),
        ("celery -A shop.jobs beat -s run/schedule", [("-s", "run/schedule", False)]),
        ("celery -A shop.jobs beat", [("its default --schedule", "celerybeat-schedule", False)]),
        ("celery -A shop.jobs beat -S redbeat.RedBeatScheduler", []),
        ("celery -A jobs worker -B -f w.txt", [("-f", "w.txt", False),
                                               ("its default --schedule", "celerybeat-schedule", False)]),
        ("celery -A j worker --beat -S ids", [("-S", "ids", False),
                                              ("its default --schedule", "celerybeat-schedule", False)]),
        ("celery -A shop.jobs flower --db=flower.state", [("--db", "flower.state", False)]),
        ("gunicorn --chdir /srv --error-logfile err.txt -p g.pid shop:app",
         [("--error-logfile", "/srv/err.txt", False), ("-p", "/srv/g.pid", False)]),
        ("hypercorn --access-logfile access.txt shop:app", [("--access-logfile", "access.txt", False)]),
        ("puma --dir /srv --pidfile tmp/p.pid -S tmp/p.state", [("--pidfile", "/srv/tmp/p.pid", False),
                                                               ("-S", "/srv/tmp/p.state", False)]),
        ("bundle exec rails server -P run/rails.pid", [("-P", "run/rails.pid", False)]),
        ("sidekiq -L var/sidekiq.txt", [("-L", "var/sidekiq.txt", False)]),
        ("esbuild web/entry.ts --outdir=static/bundle --watch", [("--outdir", "static/bundle", True)]),
        ("esbuild web/entry.ts --outfile=static/app.js --watch", [("--outfile", "static/app.js", False)]),
        ("npx tailwindcss -i styles/in.css -o static/site.css --watch", [("-o", "static/site.css", False)]),
        ("sass --watch styles:static/css", [("SRC:DEST", "static/css", True)]),
        ("sass --watch styles/main.scss static/main.css", [("OUTPUT", "static/main.css", False)]),
        ("webpack --watch --output-path static/packs", [("--output-path", "static/packs", True)]),
        ("tsc --watch --outDir build", [("--outDir", "build", True)]),
        ("postcss styles/a.css -d static/css --watch", [("-d", "static/css", True)]),
    ],
)  # fmt: skip
def test_what_a_command_says_it_writes(command: str, expected: list[tuple[str, str, bool]]) -> None:
    assert writes(command) == expected


@pytest.mark.parametrize(
    "command",
    [
        "uvicorn shop:app --reload",  # writes nothing it names
        "gunicorn --access-logfile - --error-logfile /dev/stderr shop:app",  # standard streams
        "celery -A j worker --logfile=$LOG_DIR/w.log",  # a variable devloop did not expand
        "esbuild src/entry.ts --outdir=src --watch",  # the output folder holds the input
        "esbuild entry.ts --outdir=. --watch",  # its own folder
        "esbuild entry.ts --outdir=../up --watch",  # above it
        "sass --watch styles:styles",  # in place
        "tailwindcss -i site.css -o site.css",  # the input itself
        "webpack --watch --output-path web ./web/index.js",
    ],
)
def test_nothing_that_would_hide_an_edit(command: str) -> None:
    assert writes(command) == []


def test_a_written_path_is_a_value() -> None:
    assert command_writes(["celery", "-A", "j", "worker", "-f", "w.log"]) == (Written("-f", "w.log"),)
