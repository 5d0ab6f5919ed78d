"""Per service, what its code changes get (a strategy) and the evidence for it: pure functions."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from docker.utils.fnmatch import translate

from devloop.inference.process import EffectiveProcess
from devloop.inference.reloaders import ReloadVerdict
from devloop.model.dockerfile import Copy, Dockerfile
from devloop.model.paths import shown
from devloop.model.project import Action, Bind, Service, Strategy
from devloop.planning.placement import Misplaced

DEPENDENCY_FILES = frozenset(
    {
        ".dockerignore", "pyproject.toml", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "Pipfile",
        "Pipfile.lock", "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
        "pnpm-lock.yaml", "bun.lockb", "bun.lock", "go.mod", "go.sum", "Gemfile", "Gemfile.lock",
        "Cargo.toml", "Cargo.lock", "composer.json", "composer.lock",
    }
)  # fmt: skip
_REQUIREMENTS = re.compile(r"^requirements.*\.(txt|in)$")
# Images (by name prefix, after any `cp-` of Confluent's) whose mounts hold data, never code.
DATA_STORES = (
    "postgres", "postgis", "timescaledb", "mysql", "mariadb", "percona", "redis", "valkey", "keydb", "mongo",
    "elasticsearch", "opensearch", "solr", "meilisearch", "typesense", "neo4j", "clickhouse", "cassandra",
    "scylla", "couchdb", "couchbase", "cockroach", "influxdb", "questdb", "minio", "rabbitmq", "kafka",
    "zookeeper", "nats", "memcached", "etcd", "qdrant", "weaviate", "milvus", "chroma", "dynamodb-local",
)  # fmt: skip
# Host paths that are never the user's code: binds of them are not watched (`/` alone included).
SYSTEM_SOURCES = ("/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/docker", "/etc")
WATCH_ACTIONS = {
    "rebuild": Action.REBUILD,
    "sync": Action.SYNC,
    "sync+restart": Action.SYNC,
    "sync+exec": Action.SYNC,
    "restart": Action.RESTART,
}


def is_dependency_file(path: str) -> bool:
    """A file that package managers read at build or start: requirements*.txt (also under a
    requirements/ folder), lockfiles, package.json, pyproject.toml, ..."""
    folder, _, name = path.rpartition(os.sep)
    if name in DEPENDENCY_FILES:
        return True
    if not name.endswith((".txt", ".in")):
        return False
    return bool(_REQUIREMENTS.match(name)) or folder.rpartition(os.sep)[2] == "requirements"


def show(path: Path | str, base: Path) -> str:
    """A path as the user wrote it (see model.paths.shown)."""
    return shown(path, base, dot=True)


def is_system_bind(bind: Bind, base: Path) -> bool:
    """A bind of a host system path (the Docker socket, /etc/localtime, /proc, `/`): not code."""
    source = str(bind.source)
    if source == "/":
        return True
    inside_project = source == str(base) or source.startswith(str(base) + os.sep)
    return not inside_project and any(source == s or source.startswith(s + "/") for s in SYSTEM_SOURCES)


def code_binds(service: Service, base: Path, data: Sequence[Bind] = ()) -> list[Bind]:
    """The binds that may hold code (not `data`): writable ones first choice, else the read-only ones."""
    binds = [b for b in service.binds if not is_system_bind(b, base) and b not in data]
    return [b for b in binds if not b.read_only] or binds


# Files a process runs, imports, renders or reads as its configuration: a folder with none is data.
SOURCE_SUFFIXES = frozenset(
    ".py .pyx .pyi .js .mjs .cjs .jsx .ts .tsx .vue .svelte .rb .erb .go .php .java .kt .scala .rs .ex .exs "
    ".cs .lua .pl .sh .html .htm .jinja .j2 .tmpl .tpl .hbs .ejs .pug .conf .ini .toml .yaml .yml .cfg .env "
    ".css .scss .sass .less".split()
)  # fmt: skip


def data_binds(
    service: Service,
    base: Path,
    without_source: frozenset[Path],
    roots: Sequence[PurePosixPath],
    entries: Sequence[PurePosixPath],
    watched: Sequence[PurePosixPath] = (),
) -> tuple[Bind, ...]:
    """Folder binds that hold data, not code (`./models:/app/models`, `./data:/data`): no source file
    in them (`without_source`, read by load/facts.py), and not where the process runs or imports
    from: not a code root (working directory, import path) or a folder above one, holding no entry
    point (`uvicorn app.main:app` -> /app/app/main) and no folder its reloader watches."""
    found = []
    for bind in service.binds:
        if bind.source not in without_source or is_system_bind(bind, base):
            continue
        target = bind.target
        if any(p == target or target in p.parents for p in (*roots, *entries, *watched)):
            continue  # where it runs or imports from, or above a folder its reloader watches
        if any(w in target.parents for w in watched):
            continue  # inside a folder its reloader watches: a change there reloads it
        found.append(bind)
    return tuple(found)


def data_note(binds: Sequence[Bind], base: Path) -> str:
    """What the strategy reason says of data binds."""
    if not binds:
        return ""
    where = ", ".join(b.shown(base) for b in binds)
    verb = "holds" if len(binds) == 1 else "hold"
    return f"; {where} {verb} data, not code"


def volume_binds(service: Service, volumes: Iterable[PurePosixPath]) -> tuple[Bind, ...]:
    """Binds at or under a VOLUME the image declares: where the image keeps its data, not code."""
    declared = tuple(volumes)
    return tuple(b for b in service.binds if any(b.target == v or v in b.target.parents for v in declared))


def _image_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":")[0].split("@")[0].removeprefix("cp-")


def is_data_store(service: Service, process: EffectiveProcess, base_image: str = "") -> str:
    """What makes a service a data store (`image neo4j:5`, "runs `redis-server`", "built FROM
    neo4j:5" for a build), or ""."""
    if service.build is not None:
        name = _image_name(base_image)
        return f"built FROM {base_image}" if name and any(name.startswith(s) for s in DATA_STORES) else ""
    image = _image_name(service.image or "")
    program = os.path.basename(process.argv[0]) if process.argv else ""
    if image and any(image.startswith(name) for name in DATA_STORES):
        return f"image {service.image}"
    return f"runs `{program}`" if program and any(program.startswith(name) for name in DATA_STORES) else ""


def strongest_rule(service: Service) -> Strategy:
    """The strongest action of the develop.watch rules on code; rules on a build input (a dependency
    file, the Dockerfile) only count when there are no others, as they are not what code edits get."""
    dockerfile = service.build.dockerfile if service.build else None
    code = [r for r in service.watch_rules if not is_dependency_file(str(r.path)) and r.path != dockerfile]
    action = max(WATCH_ACTIONS.get(r.action, Action.RESTART) for r in code or service.watch_rules)
    return Strategy[action.name]


def context_copies(dockerfile: Dockerfile | None, target: str | None) -> tuple[Copy, ...]:
    """COPY/ADD instructions (and RUN bind mounts) that read the build context in the stages the
    target includes (see Dockerfile.chain): the target stage's first."""
    return dockerfile.chain_copies(target) if dockerfile is not None else ()


class CopySources:
    """The COPY/ADD instructions that read a build context, compiled once: which one copies a path.
    Sources are relative to the context root (`./app/` is `app`; `.` and `/` are all of it); a URL
    covers nothing, a source with an ARG in it everything."""

    def __init__(self, copies: Sequence[Copy]) -> None:
        self.copies = tuple(copies)
        # a source with an ARG in it could be any path: it counts as the whole context
        self._tests = [
            (copy, [None if "$" in s else _source_test(s) for s in _sources(copy) if "://" not in s])
            for copy in self.copies
        ]

    def covering(self, relative: str) -> Copy | None:
        """The first COPY/ADD whose sources include `relative` (a path relative to the context)."""
        return next(self.every_covering(relative), None)

    def every_covering(self, relative: str) -> Iterator[Copy]:
        """Every COPY/ADD whose sources include `relative`, in the order of `copies`."""
        prefixes: list[str] | None = None
        for copy, tests in self._tests:
            for test in tests:
                if test is None:
                    yield copy
                    break
                if isinstance(test, str):
                    if relative == test or relative.startswith(test + "/"):
                        yield copy
                        break
                    continue
                if prefixes is None:
                    parts = relative.split("/")
                    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
                if any(test(prefix) for prefix in prefixes):
                    yield copy
                    break


def _source_test(source: str) -> str | Callable[[str], object] | None:
    """None for the whole context, the source itself when it has no wildcard, else a matcher."""
    if source == ".":
        return None
    if not any(ch in source for ch in "*?["):
        return source
    return re.compile(translate(source)).match  # COPY wildcards: `*` stays within one folder


def copy_covering(copies: Sequence[Copy], relative: str) -> Copy | None:
    """The COPY/ADD whose sources include `relative` (a path relative to the build context)."""
    return CopySources(copies).covering(relative)


def _sources(copy: Copy) -> list[str]:
    """Sources relative to the context root: `./app/` is `app`, `.` and `/` the whole context."""
    return [os.path.normpath(s).lstrip("/") or "." for s in copy.sources]


def copy_text(copy: Copy, dockerfile: Dockerfile) -> str:
    if copy.instruction == "RUN --mount":
        return f"`RUN --mount=type=bind,source={copy.sources[0]}` ({dockerfile.path.name}:{copy.line})"
    destination = copy.raw_destination or str(copy.destination)
    return f"`{copy.instruction} {' '.join(copy.sources)} {destination}` ({dockerfile.path.name}:{copy.line})"


def _baked_evidence(service: Service, dockerfile: Dockerfile | None, base: Path) -> str:
    assert service.build is not None
    where = f"build context {show(service.build.context, base)}"
    copies = context_copies(dockerfile, service.build.target)
    if not copies or dockerfile is None:
        return f"its code is baked into the image ({where})"
    whole = next((c for c in copies if "." in _sources(c)), copies[-1])
    return f"its code is baked into the image by {copy_text(whole, dockerfile)}, {where}"


def clause(reason: str) -> str:
    """A verdict's reason after "and": `it runs uvicorn --reload`, `FLASK_DEBUG=1 makes ...`."""
    return f"it {reason}" if reason.startswith("runs ") else reason


def service_strategy(
    service: Service,
    process: EffectiveProcess,
    verdict: ReloadVerdict,
    configured: str,
    base: Path,
    dockerfile: Dockerfile | None = None,
    extra_watch: Sequence[Path] = (),
    evidence: str = "",
    misplaced: Sequence[Misplaced] = (),
    develop_at: str = "",
    data: Sequence[Bind] = (),
) -> tuple[Strategy, str]:
    """What the service's code changes get, with the evidence: a bind mount and what the process
    does (`evidence`: where that was read), a develop.watch section (`develop_at`: its line), the COPY
    that bakes the code in (also when every code bind is `misplaced`), or the settings."""
    if configured != "auto":
        return Strategy(configured), f"strategy = {configured!r} is set in the devloop settings"
    if service.watch_rules:
        actions = ", ".join(sorted({r.action for r in service.watch_rules}))
        at = f" ({develop_at})" if develop_at else ""
        return strongest_rule(service), f"follows its develop.watch rules ({actions}){at}"
    runs = f"{clause(verdict.reason)} ({evidence or process.source})"
    away = {m.bind: m for m in misplaced}
    binds = [b for b in code_binds(service, base, data) if b not in away]
    data_store = is_data_store(service, process)
    if not data_store and data and set(data) == set(service.binds):
        data_store = "every bind holds its data"
    if binds and not data_store:
        where = ", ".join(b.shown(base) for b in binds)
        if verdict.reloads:
            return Strategy.RELOAD, f"{where} is bind-mounted and {runs}"
        if verdict.reloads is None:
            unknown = f"{verdict.reason} ({evidence or process.source})"
            return Strategy.RESTART, f"{where} is bind-mounted; {unknown}, so devloop restarts it to be safe"
        return Strategy.RESTART, f"{where} is bind-mounted and {runs}"
    if away and service.build is not None:
        first = next(iter(away.values()))
        program = (verdict.program or "the process").split()[0]
        text = f"{first.bind.shown(base)} {first.lands(program)}"
        return (
            Strategy.REBUILD,
            f"{text}: the mount looks misplaced, so {_baked_evidence(service, dockerfile, base)}",
        )
    if service.build is not None:
        return Strategy.REBUILD, _baked_evidence(service, dockerfile, base)
    if extra_watch:
        where = ", ".join(show(p, base) for p in extra_watch)
        return Strategy.RESTART, f"{where} is watched (`watch` in the devloop settings) and it {runs}"
    if data_store:
        return Strategy.NONE, f"a data store ({data_store}): its mounts hold data, not code"
    return Strategy.NONE, "image-only service without code bind mounts: nothing to watch"
