"""Benchmark the planner: plan a generated N-service project (including the real `docker compose
config --format json` call and the engine's image lookups, as `devloop plan` does), and route a
batch of 10,000 changed paths through that plan. Prints medians, min and max; asserts nothing.

    .venv/bin/python bench/plan_bench.py [--sizes 10,50,200] [--runs 9] [--paths 10000]

Targets (issue 3): planning 200 services under 1 s, routing 10,000 paths under 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.load.context import load_context
from devloop.load.facts import collect_facts
from devloop.load.project import load_project
from devloop.model.ignore import IgnoreRules
from devloop.planning.planner import ProjectPlan, plan_project
from devloop.planning.route import route

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /code
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "main:app"]
"""
DOCKERIGNORE = "**/__pycache__\n.git\ndocs\n*.md\n!CHANGELOG.md\ntests/fixtures\n"
KINDS = ("api", "worker", "baked", "proxy", "store")  # bind+reload, bind+celery, baked, image-only x2


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def generate(root: Path, count: int) -> None:
    """A compose project of `count` services: per group of five, an api under `uvicorn --reload` and a
    Celery worker sharing one build with ./apps/appN/src mounted, a baked service with its own
    context, an nginx with a read-only config file, and a data store."""
    lines, volumes = ["services:"], []
    for i in range(count):
        kind, group = KINDS[i % len(KINDS)], i // len(KINDS)
        app = f"apps/app{group}"
        if kind in ("api", "worker"):
            command = "uvicorn main:app --reload" if kind == "api" else "celery -A tasks worker"
            lines += [f"  {kind}{i}:", f"    build: ./{app}", f"    command: {command}",
                      "    volumes:", f"      - ./{app}/src:/code/src"]  # fmt: skip
            if kind == "api":
                write(root / app / "Dockerfile", DOCKERFILE)
                write(root / app / ".dockerignore", DOCKERIGNORE)
                write(root / app / "requirements.txt", "fastapi\n")
                write(root / app / "src/main.py", "app = None\n")
        elif kind == "baked":
            lines += [
                f"  baked{i}:",
                "    build:",
                f"      context: ./baked/svc{i}",
                "      dockerfile: Dockerfile",
            ]
            write(root / f"baked/svc{i}/Dockerfile", DOCKERFILE)
            write(root / f"baked/svc{i}/.dockerignore", DOCKERIGNORE)
            write(root / f"baked/svc{i}/main.py", "app = None\n")
        elif kind == "proxy":  # every other one mounts a single file, the others a folder
            conf = f"./conf/proxy{i}.conf:/etc/nginx/nginx.conf:ro"
            sites = f"./conf/proxy{i}:/etc/nginx/conf.d:ro"
            command = '["nginx", "-g", "daemon off;"]'
            lines += [f"  proxy{i}:", "    image: nginx:1.27-alpine", f"    command: {command}",
                      "    volumes:", f"      - {conf if group % 2 else sites}"]  # fmt: skip
            write(root / f"conf/proxy{i}.conf", "events {}\n")
            write(root / f"conf/proxy{i}/default.conf", "server {}\n")
        else:
            lines += [f"  store{i}:", f"    image: {'postgres:16' if group % 2 else 'redis:7'}",
                      "    volumes:", f"      - data{i}:/data"]  # fmt: skip
            volumes.append(f"  data{i}: {{}}")
    if volumes:
        lines += ["volumes:", *volumes]
    write(root / "compose.yaml", "\n".join(lines) + "\n")


def changed_paths(root: Path, count: int, services: int, rng: random.Random) -> list[Path]:
    """`count` distinct paths (a batch is a set): mounted code 40%, baked code 15%, noise 10%,
    dockerignored docs 10%, proxy configs 10%, paths no service sees 10%, and the rest dependency
    files and Dockerfiles (as many as there are) and more mounted code."""
    groups = max(1, (services + len(KINDS) - 1) // len(KINDS))
    baked = [i for i in range(services) if KINDS[i % len(KINDS)] == "baked"] or [0]
    proxies = [i for i in range(services) if KINDS[i % len(KINDS)] == "proxy"] or [0]
    dirs = ["", "api", "api/v1", "core/models", "core/services/billing", "tests/unit"]
    names = ["requirements.txt", "Dockerfile", "src/pyproject.toml", ".dockerignore"]
    noise = ["._x.py", ".DS_Store", "__pycache__/x{}.cpython-312.pyc", ".x{}.py.swp", "x{}.py~"]
    found: dict[Path, None] = {}
    while len(found) < count:
        roll, name, sub = rng.random(), f"m{rng.randrange(100_000)}.py", rng.choice(dirs)
        app = root / f"apps/app{rng.randrange(groups)}"
        if roll < 0.40:
            path = app / "src" / sub / name
        elif roll < 0.55:
            path = root / f"baked/svc{rng.choice(baked)}" / sub / name
        elif roll < 0.65:
            path = app / "src" / sub / rng.choice(noise).format(rng.randrange(100_000))
        elif roll < 0.75:
            path = app / "docs" / sub / f"page{rng.randrange(100_000)}.md"
        elif roll < 0.85:
            proxy = rng.choice(proxies)
            path = (
                root / f"conf/proxy{proxy}.conf"
                if rng.random() < 0.02
                else root / f"conf/proxy{proxy}/{name}.conf"
            )
        elif roll < 0.95:
            path = root / "scratch" / sub / name
        else:
            path = app / rng.choice(names) if rng.random() < 0.2 else app / "src" / sub / name
        found[path] = None
    return list(found)


def timed(runs: int, setup: Callable[[], Any], work: Callable[[Any], object]) -> list[float]:
    """Seconds taken by `work(setup())`, `runs` times; the setup, and collecting its garbage, are
    not timed."""
    samples = []
    for _ in range(runs):
        state = setup()
        gc.collect()
        start = time.perf_counter()
        work(state)
        samples.append(time.perf_counter() - start)
    return samples


def fresh(plan: ProjectPlan) -> ProjectPlan:
    """An equal plan with nothing cached (no matcher results, no per-folder memo): a first batch."""

    def new(rules: IgnoreRules) -> IgnoreRules:
        return IgnoreRules(rules.patterns)

    services = tuple(
        replace(
            s, dockerignore=new(s.dockerignore), user_ignore=new(s.user_ignore), rebuild_on=new(s.rebuild_on)
        )
        for s in plan.services
    )
    copy = replace(plan, services=services, ignore=new(plan.ignore))
    copy.watch_index  # noqa: B018 - built by plan_project in real use, not per batch
    return copy


def bench(size: int, runs: int, count: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix=f"devloop-bench-{size}-") as tmp:
        root = Path(tmp)
        generate(root, size)
        options = ComposeOptions(project_name=f"bench-{uuid.uuid4().hex[:8]}", cwd=root)
        engine = Engine()
        context = load_context(options, engine)  # warm-up: imports, the engine connection
        assert len(context.plan.services) == size, len(context.plan.services)
        texts = [str(p) for p in changed_paths(root, count, size, random.Random(size))]
        project, settings = context.project, context.settings
        results = {
            "compose config only": timed(runs, lambda: None, lambda _: load_project(options)),
            "plan (incl. compose config)": timed(runs, lambda: None, lambda _: load_context(options, engine)),
            "plan_project (pure)": timed(
                runs, lambda: collect_facts(project), lambda facts: plan_project(project, settings, facts)
            ),
            # new Path objects and an uncached plan each run, as for a first batch from the watcher
            f"route {count:,} paths": timed(
                runs, lambda: (fresh(context.plan), [Path(t) for t in texts]), lambda state: route(*state)
            ),
        }
        change = route(context.plan, [Path(t) for t in texts])
        pairs = sum(len(d.paths) for d in change.decisions)
        print(f"  {size} services: {len(change.decisions)} affected, {pairs:,} (service, path) decisions, "
              f"{len(change.unseen):,} unseen paths")  # fmt: skip
        return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,50,200", help="service counts (default 10,50,200)")
    parser.add_argument("--runs", type=int, default=9, help="runs per measurement, at least 7 (default 9)")
    parser.add_argument("--paths", type=int, default=10_000, help="changed paths to route (default 10000)")
    args = parser.parse_args()
    runs = max(7, args.runs)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"devloop planner benchmark: {runs} runs each; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {load}")  # fmt: skip
    table = [(size, name, samples) for size in map(int, args.sizes.split(","))
             for name, samples in bench(size, runs, args.paths).items()]  # fmt: skip
    targets = {"plan (incl. compose config)": 1.0, f"route {args.paths:,} paths": 0.050}
    print(
        f"\n{'services':>8}  {'measurement':<28} {'median':>9} {'min':>9} {'max':>9}  target (200 services)"
    )
    for size, name, samples in table:
        median = statistics.median(samples)
        cells = " ".join(f"{v * 1000:>7.1f}ms" for v in (median, min(samples), max(samples)))
        target = targets.get(name) if size == 200 else None
        verdict = (
            "" if target is None else f"< {target * 1000:.0f} ms: {'met' if median < target else 'MISSED'}"
        )
        print(f"{size:>8}  {name:<28} {cells}  {verdict}")


if __name__ == "__main__":
    main()
