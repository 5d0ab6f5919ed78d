"""Asking a running `devloop up` over its socket: one JSON request line, one JSON answer line."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from devloop.errors import DevloopError, NotRunning

ANSWER_LIMIT = 4 * 1024 * 1024  # an answer is a few KB; a runaway peer is cut off


def ask(path: Path, request: dict[str, Any], timeout_s: float, project: str) -> dict[str, Any]:
    """The answer of the `devloop up` listening at `path`. NotRunning when nobody listens there
    (no socket, or one a stopped devloop left)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError) as exc:
            raise NotRunning(
                f"no devloop up runs for project {project}",
                "start it with `devloop up` in this project (in another terminal, or as a background task)",
            ) from exc
        except PermissionError as exc:
            raise DevloopError(
                f"cannot connect to {path}: permission denied",
                "the socket belongs to another user: run devloop as the user who runs `devloop up`",
            ) from exc
        sock.sendall(json.dumps(request).encode() + b"\n")
        answer = _read_line(sock)
    except TimeoutError as exc:
        raise DevloopError(
            f"devloop up did not answer within {timeout_s:.0f} s",
            "it may be stuck: look at its terminal, or restart it",
        ) from exc
    except (ConnectionResetError, BrokenPipeError) as exc:
        raise NotRunning(
            f"devloop up for project {project} stopped while asked", "start it again with `devloop up`"
        ) from exc
    finally:
        sock.close()
    try:
        data = json.loads(answer)
    except json.JSONDecodeError as exc:
        raise DevloopError(f"devloop up answered something that is not JSON: {answer[:200]!r}") from exc
    if not isinstance(data, dict):
        raise DevloopError(f"devloop up answered something unexpected: {answer[:200]!r}")
    if "error" in data:
        raise DevloopError(str(data["error"]), str(data["hint"]) if data.get("hint") else None)
    return data


def _read_line(sock: socket.socket) -> str:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            if not chunks:
                raise ConnectionResetError("closed without an answer")
            break
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk or size > ANSWER_LIMIT:
            break
    return b"".join(chunks).split(b"\n", 1)[0].decode("utf-8", "replace")
