"""One build config shared by five services (tests/fixtures/shared-build): two reload from a bind
mount, two Celery processes restart, one bakes the code by COPY. Per edit of app/main.py, measured
from the write until the published port serves the new text:

- baked: under `devloop up`, against the same work by hand (`docker compose up -d --build --no-deps
  baked`, then `docker compose restart worker beat`, run right after the edit); each edit from a
  quiet state (by hand the commands have returned; under devloop, `devloop wait` has);
- api (a reloading service): under `devloop up` (which also restarts the Celery services and
  rebuilds baked meanwhile), against its own reload with nothing else running, and against its
  reload beside the same work by hand (what sharing the machine with that work costs it).

Prints medians (min-max); no assertions. `python -m bench.shared_build [--trials N]`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import Child, Summary, free_port, say, wait_until

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "shared-build"
PUBLISHED = ("api", "admin", "baked")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only, no proxy


@dataclass
class Stack:
    directory: Path
    name: str
    ports: dict[str, int]
    version: int = 1

    def environ(self) -> dict[str, str]:
        ports = {f"{s.upper()}_PORT": str(p) for s, p in self.ports.items()}
        return {**os.environ, "COMPOSE_PROJECT_NAME": self.name, **ports}

    def compose(self, *args: str) -> None:
        subprocess.run(["docker", "compose", "-p", self.name, *args], cwd=self.directory, env=self.environ(),
                       capture_output=True, check=True, timeout=600)  # fmt: skip

    def message(self, service: str) -> str | None:
        # A short timeout, retried: a request made while a recreated container's network comes up
        # is answered only after a TCP retry (1 s). By hand, polling starts once compose returns,
        # past that moment; under devloop it runs through it. Without this the two differ by 1 s.
        try:
            with _OPENER.open(f"http://127.0.0.1:{self.ports[service]}/", timeout=0.25) as response:
                return str(json.loads(response.read()).get("message"))
        except (OSError, ValueError):
            return None

    def edit(self) -> tuple[str, float]:
        """Write the next version into app/main.py; the text to expect and when it was written."""
        main = self.directory / "app" / "main.py"
        old = f"shared v{self.version}"
        self.version += 1
        new = f"shared v{self.version}"
        text = main.read_text().replace(old, new)
        staged = main.with_name(".main.py.new")
        staged.write_text(text)
        started = time.monotonic()
        os.replace(staged, main)  # whole at once, as editors save: a reloader never reads half a file
        return new, started

    def live(self, service: str, text: str, started: float, timeout: float = 120) -> float | None:
        """Seconds from `started` until the service serves `text`; None when it never does."""
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.message(service) == text:
                return time.monotonic() - started
            time.sleep(0.02)
        return None


@contextmanager
def stack() -> Iterator[Stack]:
    """A copy of the fixture under a temporary folder, up and serving; `down -v --rmi local` after."""
    with tempfile.TemporaryDirectory(prefix="devloop-bench-shared-") as tmp:
        directory = Path(tmp) / "shared-build"
        shutil.copytree(FIXTURE, directory)
        made = Stack(directory, f"dlb-{uuid.uuid4().hex[:10]}", {s: free_port() for s in PUBLISHED})
        try:
            say(f"docker compose up -d --build ({made.name})")
            made.compose("up", "-d", "--build")
            for service in PUBLISHED:
                wait_until(lambda s=service: made.message(s) == "shared v1", 120, f"{service} to serve")
            yield made
        finally:
            subprocess.run(["docker", "compose", "-p", made.name, "down", "-v", "--rmi", "local", "-t", "1"],
                           cwd=directory, env=made.environ(), capture_output=True)  # fmt: skip


def settle(project: Stack, text: str) -> None:
    for service in PUBLISHED:
        wait_until(lambda s=service: project.message(s) == text, 120, f"{service} to serve {text}")
    time.sleep(2.0)  # the reloads are over


def wait_devloop(project: Stack) -> None:
    """Until every action devloop took for the edits so far is over (`devloop wait`): the next edit
    is timed from a quiet state, as by hand, where each command has returned."""
    subprocess.run([sys.executable, "-m", "devloop", "wait", "--timeout", "300"], cwd=project.directory,
                   env=project.environ(), capture_output=True, timeout=330)  # fmt: skip


def by_hand(project: Stack, trials: int) -> tuple[list[float | None], list[float | None], list[float | None]]:
    """(api's own reload, baked, api while that work runs) per trial. Baked gets the same work
    devloop does for the edit, by hand: `up -d --build --no-deps baked`, then `restart worker beat`,
    run right after the write while both ports are polled (as under devloop, which restarts the
    Celery services after the rebuild). The api's reload beside it shows what sharing the machine
    with that work costs it, with no devloop."""
    reloads: list[float | None] = []
    rebuilds: list[float | None] = []
    beside: list[float | None] = []
    compose = ["docker", "compose", "-p", project.name]
    work = " && ".join((" ".join([*compose, "up", "-d", "--build", "--no-deps", "baked"]),
                        " ".join([*compose, "restart", "worker", "beat"])))  # fmt: skip
    for _ in range(trials):
        text, started = project.edit()
        reloads.append(project.live("api", text, started))  # nothing else is running
        time.sleep(1.0)  # admin's reload is over too
        text, started = project.edit()
        chain = subprocess.Popen(["sh", "-c", work], cwd=project.directory, env=project.environ(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        with ThreadPoolExecutor(1) as pool:
            api = pool.submit(project.live, "api", text, started)
            rebuilds.append(project.live("baked", text, started))
            beside.append(api.result())
        chain.wait(timeout=600)
        settle(project, text)
    return reloads, rebuilds, beside


def under_devloop(project: Stack, trials: int) -> tuple[list[float | None], list[float | None]]:
    """(api, baked) per edit while `devloop up --no-start` runs."""
    devloop = Child([sys.executable, "-m", "devloop", "up", "--json", "--no-start"], project.directory,
                    project.environ(), "shared-build-devloop")  # fmt: skip
    try:
        wait_until(lambda: any('"event": "ready"' in line for _, line in devloop.snapshot()), 300, "devloop")
        wait_devloop(project)  # its catch-up of the by-hand edits is over too
        time.sleep(2.0)
        reloads: list[float | None] = []
        rebuilds: list[float | None] = []
        for _ in range(trials):
            text, started = project.edit()
            reloads.append(project.live("api", text, started))
            rebuilds.append(project.live("baked", text, started))
            wait_devloop(project)
            settle(project, text)
        return reloads, rebuilds
    finally:
        devloop.stop()


LABELS = (
    "baked: devloop",
    "baked: by hand (up -d --build --no-deps baked, restart worker beat)",
    "api (reloads): devloop",
    "api (reloads): its own reload",
    "api (reloads): beside the same work by hand",
)


def run_shared(trials: int) -> dict[str, list[float | None]]:
    """The samples by label (make bench's "shared" section)."""
    with stack() as project:
        say("shared build: by hand")
        own_reload, hand, beside = by_hand(project, trials)
        say("shared build: under devloop up")
        reload_dl, baked_dl = under_devloop(project, trials)
    return dict(zip(LABELS, (baked_dl, hand, reload_dl, own_reload, beside), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    trials = parser.parse_args().trials
    rows = [(label, Summary.of(samples)) for label, samples in run_shared(trials).items()]
    print(f"\nedit-to-live on tests/fixtures/shared-build, {trials} trials each (median, min-max):")
    for label, summary in rows:
        print(f"  {label:50} {summary.text()}")
    medians = [s.median for _, s in rows]
    if all(m is not None for m in medians):
        b_dl, b_hand, r_dl, r_own, r_beside = medians  # type: ignore[misc]
        print(f"  baked: devloop / by hand = {b_dl / b_hand:.2f}x ({b_dl - b_hand:+.2f} s)")
        print(f"  api: devloop / its own reload = {r_dl / r_own:.2f}x ({r_dl - r_own:+.2f} s)")
        beside = f"{r_dl / r_beside:.2f}x ({r_dl - r_beside:+.2f} s)"
        print(f"  api: devloop / beside the same work by hand = {beside}")


if __name__ == "__main__":
    main()
