"""Read what a Dockerfile's stages run and copy in (via dockerfile-parse)."""

from __future__ import annotations

import io
import json
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dockerfile_parse import DockerfileParser


@dataclass(frozen=True)
class Copy:
    """One COPY/ADD of the build context into the image."""

    sources: tuple[str, ...]
    destination: PurePosixPath  # absolute, WORKDIR applied
    line: int
    chown: str | None = None
    from_stage: str | None = None  # COPY --from=...: not from the context
    raw_destination: str = ""  # as written: a trailing / or . means "into this folder"
    instruction: str = "COPY"  # or ADD
    flags: tuple[str, ...] = ()  # every --flag given, by name (--chmod, --exclude, --link, ...)


@dataclass(frozen=True)
class Process:
    """ENTRYPOINT/CMD of a stage, with the Dockerfile line where each was set."""

    entrypoint: tuple[str, ...] | None = None
    entrypoint_line: int | None = None
    cmd: tuple[str, ...] | None = None
    cmd_line: int | None = None


@dataclass(frozen=True)
class Stage:
    name: str | None
    base: str
    workdir: PurePosixPath
    copies: tuple[Copy, ...]
    process: Process
    workdir_line: int | None = None  # the WORKDIR line that set `workdir` (None: the default `/`)
    env: tuple[tuple[str, str, int], ...] = ()  # ENV name, value, line (inherited from parent stages)
    index: int = 0
    parent: int | None = None  # the index of the stage it is built FROM, if it is one
    line: int = 0  # its FROM line
    mounts: tuple[Copy, ...] = ()  # RUN --mount=type=bind of the context: read by the build, not copied
    volumes: tuple[PurePosixPath, ...] = ()  # VOLUME targets (inherited)
    runs: tuple[tuple[int, str], ...] = ()  # RUN line and text (inherited): they may read what is copied

    @property
    def environment(self) -> dict[str, str]:
        return {name: value for name, value, _ in self.env}


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    stages: tuple[Stage, ...]

    def stage(self, target: str | None = None) -> Stage | None:
        """The stage a build produces: `target` by name, else the last one."""
        if not self.stages:
            return None
        if target is None:
            return self.stages[-1]
        return next((s for s in self.stages if s.name == target.lower()), None)

    def source_stage(self, name: str, before: int) -> Stage | None:
        """The stage a `COPY --from=NAME` in stage `before` reads: by name or index; None for an image."""
        if name.isdigit():
            index = int(name)
            return self.stages[index] if index < before else None
        return next((s for s in reversed(self.stages[:before]) if s.name == name.lower()), None)

    def chain(self, target: str | None = None) -> tuple[tuple[Stage, str], ...]:
        """The stages a build of `target` includes, each with how: the target, the stages it is built
        FROM, and the stages a COPY --from of an included stage reads, followed transitively."""
        start = self.stage(target)
        if start is None:
            return ()
        found: dict[int, tuple[Stage, str]] = {}
        todo: list[tuple[Stage, str]] = [(start, "the target" if target else "the last stage")]
        while todo:
            stage, how = todo.pop(0)
            if stage.index in found:
                continue
            found[stage.index] = (stage, how)
            name = stage_name(stage)
            if stage.parent is not None:
                how = f"{name} is built FROM it, {self.path.name}:{stage.line}"
                todo.append((self.stages[stage.parent], how))
            for copy in (*stage.copies, *stage.mounts):
                source = self.source_stage(copy.from_stage, stage.index) if copy.from_stage else None
                if source is not None:
                    at = f"{self.path.name}:{copy.line}"
                    how = f"{copy.instruction} --from={copy.from_stage} in {name}, {at}"
                    todo.append((source, how))
        return tuple(found.values())

    def chain_copies(self, target: str | None = None) -> tuple[Copy, ...]:
        """The COPY/ADD and RUN bind mounts of the context by every stage the target includes."""
        found = (c for stage, _ in self.chain(target) for c in (*stage.copies, *stage.mounts))
        return tuple(c for c in dict.fromkeys(found) if c.from_stage is None)


def stage_name(stage: Stage) -> str:
    return stage.name or f"stage {stage.index}"


def _exec_form(value: str) -> tuple[str, ...]:
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return tuple(str(part) for part in parsed)
        except json.JSONDecodeError:
            pass
    return ("/bin/sh", "-c", text)


def _copy(value: str, workdir: PurePosixPath, line: int, instruction: str = "COPY") -> Copy | None:
    try:
        words = shlex.split(value)
    except ValueError:
        return None
    flags = {w.split("=", 1)[0]: (w.split("=", 1) + [""])[1] for w in words if w.startswith("--")}
    paths = [w for w in words if not w.startswith("--")]
    if value.strip().lstrip("-").startswith("[") or paths[:1] and paths[0].startswith("["):
        try:
            paths = json.loads(value[value.index("[") :])
        except (json.JSONDecodeError, ValueError):
            return None
    if len(paths) < 2:
        return None
    destination = PurePosixPath(paths[-1])
    if not destination.is_absolute():
        destination = workdir / destination
    return Copy(
        sources=tuple(paths[:-1]),
        destination=destination,
        line=line,
        chown=flags.get("--chown") or None,
        from_stage=flags.get("--from") or None,
        raw_destination=str(paths[-1]),
        instruction=instruction,
        flags=tuple(flags),
    )


def _env_pairs(value: str) -> list[tuple[str, str]]:
    """`ENV A=1 B="x y"` or the legacy `ENV A some value`."""
    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [tuple(w.split("=", 1)) for w in words if "=" in w]  # type: ignore[misc]


def _run_mounts(value: str, workdir: PurePosixPath, line: int) -> list[Copy]:
    """`RUN --mount=type=bind,source=X,target=Y ...`: what the build reads from the context (or a
    stage, with from=) while it runs; cache, secret and tmpfs mounts read nothing of it."""
    found = []
    for word in value.split():
        if not word.startswith("--mount="):
            continue
        spec = dict((part.split("=", 1) + [""])[:2] for part in word[len("--mount=") :].split(","))
        if spec.get("type", "bind") != "bind":
            continue
        target = PurePosixPath(spec.get("target") or spec.get("dst") or spec.get("destination") or "/")
        source = spec.get("source") or spec.get("src") or "."
        found.append(
            Copy((source,), workdir / target, line, from_stage=spec.get("from") or None,
                 raw_destination=str(target), instruction="RUN --mount")
        )  # fmt: skip
    return found


def parse_dockerfile(text: str, path: Path = Path("Dockerfile")) -> Dockerfile:
    """Parse Dockerfile text into stages; a stage built FROM another stage inherits its state."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    stages: list[Stage] = []
    current: dict[str, object] | None = None
    stage_line = 0

    def close() -> None:
        if current is not None:
            stages.append(Stage(**current))  # type: ignore[arg-type]

    for item in parser.structure:
        instruction, value, line = item["instruction"], item["value"], item["startline"] + 1
        if instruction == "FROM":
            close()
            stage_line = line
            words = [w for w in value.split() if not w.startswith("--")]  # e.g. --platform=...
            base = words[0] if words else ""
            # BuildKit matches stage names case-insensitively (`AS Build` is `--target build`)
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            parent = next((s for s in reversed(stages) if s.name == base.lower()), None)
            current = {
                "index": len(stages),
                "parent": parent.index if parent else None,
                "line": line,
                "volumes": parent.volumes if parent else (),
                "name": name,
                "base": base,
                "workdir": parent.workdir if parent else PurePosixPath("/"),
                "copies": parent.copies if parent else (),
                "process": parent.process if parent else Process(),
                "workdir_line": parent.workdir_line if parent else None,
                "env": parent.env if parent else (),
                "runs": parent.runs if parent else (),
            }
        elif current is None:
            continue
        elif instruction == "WORKDIR":
            workdir = PurePosixPath(value.strip())
            current["workdir"] = workdir if workdir.is_absolute() else current["workdir"] / workdir  # type: ignore[operator]
            current["workdir_line"] = line
        elif instruction == "ENV":
            pairs = _env_pairs(value)
            names = {k for k, _ in pairs}
            inherited = [e for e in current["env"] if e[0] not in names]  # type: ignore[attr-defined]
            current["env"] = (*inherited, *((k, v, line) for k, v in pairs))
        elif instruction in ("COPY", "ADD"):
            copy = _copy(value, current["workdir"], line, instruction)  # type: ignore[arg-type]
            if copy is not None:
                current["copies"] = (*current["copies"], copy)  # type: ignore[misc]
        elif instruction == "RUN":
            current["runs"] = (*current["runs"], (line, " ".join(value.split())))  # type: ignore[misc]
            if "--mount=" in value:
                at: PurePosixPath = current["workdir"]  # type: ignore[assignment]
                current["mounts"] = (*current.get("mounts", ()), *_run_mounts(value, at, line))  # type: ignore[misc]
        elif instruction == "VOLUME":
            found = _exec_form(value) if value.strip().startswith("[") else tuple(value.split())
            paths = (PurePosixPath(v) for v in found if v.startswith("/"))
            current["volumes"] = (*current["volumes"], *paths)  # type: ignore[misc]
        elif instruction == "CMD":
            old: Process = current["process"]  # type: ignore[assignment]
            current["process"] = Process(old.entrypoint, old.entrypoint_line, _exec_form(value), line)
        elif instruction == "ENTRYPOINT":
            # ENTRYPOINT resets a CMD inherited from the parent stage or base image, not one set here.
            old = current["process"]  # type: ignore[assignment]
            kept = old.cmd_line is not None and old.cmd_line > stage_line
            current["process"] = Process(
                _exec_form(value), line, old.cmd if kept else None, old.cmd_line if kept else None
            )
    close()
    return Dockerfile(path=path, stages=tuple(stages))


def read_dockerfile(path: Path) -> Dockerfile | None:
    try:
        return parse_dockerfile(path.read_text(errors="replace"), path)
    except OSError:
        return None
