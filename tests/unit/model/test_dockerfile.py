"""dockerfile: stages, their ENTRYPOINT/CMD (with the lines), WORKDIR and COPY/ADD."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from devloop.model.dockerfile import parse_dockerfile, read_dockerfile

MULTI = """\
# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM node:22 AS Assets
WORKDIR /build
COPY package.json package-lock.json ./
COPY web/ ./web/

FROM python:3.12-slim AS base
WORKDIR /code
COPY requirements.txt .
CMD ["gunicorn", "app:app"]

FROM base AS dev
WORKDIR src
ADD --chown=app:app . .
CMD uvicorn app:app --reload

FROM base AS worker
ENTRYPOINT ["celery", "-A", "app"]

FROM base AS final
COPY --from=assets /build/web/dist ./static
ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "app:app", "-w", "4"]
"""


def test_stages_and_target_selection() -> None:
    dockerfile = parse_dockerfile(MULTI, Path("Dockerfile"))
    assert [s.name for s in dockerfile.stages] == ["assets", "base", "dev", "worker", "final"]
    assert dockerfile.stages[0].base == "node:22"  # the --platform flag is not the base
    assert dockerfile.stage() is dockerfile.stages[-1]
    assert dockerfile.stage("DEV") is dockerfile.stages[2]  # stage names are case-insensitive
    assert dockerfile.stage("missing") is None
    assert parse_dockerfile("").stage() is None


def test_cmd_and_entrypoint_with_their_lines() -> None:
    dockerfile = parse_dockerfile(MULTI)
    base, dev, worker, final = (dockerfile.stage(n) for n in ("base", "dev", "worker", "final"))
    assert base is not None and dev is not None and worker is not None and final is not None
    assert (base.process.cmd, base.process.cmd_line) == (("gunicorn", "app:app"), 10)
    assert dev.process.cmd == ("/bin/sh", "-c", "uvicorn app:app --reload")  # shell form
    # ENTRYPOINT resets the CMD inherited from the parent stage
    assert (worker.process.entrypoint, worker.process.entrypoint_line) == (("celery", "-A", "app"), 18)
    assert worker.process.cmd is None
    # ...but keeps one set later in the same stage
    assert final.process.entrypoint == ("tini", "--")
    assert (final.process.cmd, final.process.cmd_line) == (("gunicorn", "app:app", "-w", "4"), 23)


def test_a_cmd_before_the_entrypoint_in_the_same_stage_is_kept() -> None:
    stage = parse_dockerfile('FROM x\nCMD ["serve"]\nENTRYPOINT ["/entry.sh"]\n').stage()
    assert stage is not None
    assert stage.process.entrypoint == ("/entry.sh",)
    assert stage.process.cmd == ("serve",)


def test_workdir_and_copies() -> None:
    dockerfile = parse_dockerfile(MULTI)
    dev, final = dockerfile.stage("dev"), dockerfile.stage("final")
    assert dev is not None and final is not None
    assert dev.workdir == PurePosixPath("/code/src")  # relative WORKDIR joins the inherited one
    inherited, added = dev.copies
    assert (inherited.sources, inherited.destination, inherited.line) == (
        ("requirements.txt",),
        PurePosixPath("/code"),
        9,
    )
    assert (added.instruction, added.sources, added.destination, added.chown) == (
        "ADD",
        (".",),
        PurePosixPath("/code/src"),
        "app:app",
    )
    from_stage = final.copies[-1]
    assert from_stage.from_stage == "assets"
    assert from_stage.sources == ("/build/web/dist",)


def test_read_dockerfile(tmp_path: Path) -> None:
    assert read_dockerfile(tmp_path / "missing") is None
    (tmp_path / "Dockerfile").write_text('FROM x\nCMD ["a"]\n')
    dockerfile = read_dockerfile(tmp_path / "Dockerfile")
    assert dockerfile is not None
    assert dockerfile.path == tmp_path / "Dockerfile"
    assert dockerfile.stage() is not None
