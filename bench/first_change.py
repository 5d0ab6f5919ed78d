"""How long the watcher takes to see the first change after a quiet spell, over a big tree:
`python -m bench.first_change [FILES] [TRIALS]`. devloop's watch() runs in this process with a 1 ms
quiet time; each trial waits 3 s idle, writes one file of the tree and times the batch from the
write. A polling reader (bench/reader.py) lists the tree meanwhile, as a reloader in a container
would. Prints the median and the range, in milliseconds."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio

from bench.common import REPO
from bench.idle import grow
from devloop.adapters.watcher import watch


async def trials(root: Path, count: int) -> list[float]:
    stop = anyio.Event()
    found: list[float] = []
    written = 0.0
    async with anyio.create_task_group() as tg:

        async def write() -> None:
            nonlocal written
            for i in range(count):
                await anyio.sleep(3)
                written = time.perf_counter()
                (root / "d000" / f"f{i:06}").write_text(str(i))
            await anyio.sleep(1)
            stop.set()

        tg.start_soon(write)
        async for _ in watch([root], 1, 1, stop):
            found.append(1000 * (time.perf_counter() - written))
    return found


def run_first_change(files: int, count: int) -> list[float]:
    """Milliseconds from each write to its batch (make bench's "first" section)."""
    with tempfile.TemporaryDirectory(prefix="devloop-first-change-") as tmp:
        root = Path(tmp)
        grow(root, max(files, 1))
        reader = subprocess.Popen([sys.executable, "-m", "bench.reader", str(root)], cwd=REPO)
        try:
            return anyio.run(trials, root, count)
        finally:
            reader.terminate()
            reader.wait(10)


def main() -> None:
    files, count = (
        (int(sys.argv[1]) if len(sys.argv) > 1 else 100_000),
        (int(sys.argv[2]) if len(sys.argv) > 2 else 7),
    )
    found = run_first_change(files, count)
    print(
        f"first change over {files:,} files (tree read every 0.25 s): "
        f"median {statistics.median(found):.1f} ms, "
        f"{min(found):.1f}-{max(found):.1f} ms over {len(found)} trials"
    )


if __name__ == "__main__":
    main()
