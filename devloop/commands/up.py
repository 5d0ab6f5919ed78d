"""`devloop up`: bring the services up, then watch and act on every change until stopped."""

from __future__ import annotations

import argparse
import os
import sys

from devloop import events
from devloop.adapters.compose import ComposeOptions
from devloop.daemon.runner import UpOptions, run_up
from devloop.errors import BUG_HINT, EXIT_UNEXPECTED, DevloopError
from devloop.ui import up as ui_up


def up_options(args: argparse.Namespace) -> UpOptions:
    return UpOptions(
        tuple(args.services),
        start=not args.no_start,
        down=args.down,
        debounce_ms=args.debounce_ms,
        accept_data_loss=args.accept_data_loss,
        logs=False if args.no_logs else _services(args.logs) if args.logs is not None else None,
    )


def _services(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise DevloopError("--logs needs service names, e.g. --logs api,worker", "or --no-logs for none")
    return names


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    if args.json:
        sink: ui_up.JsonSink | ui_up.PlainSink | ui_up.LiveSink = ui_up.JsonSink()
    elif sys.stdout.isatty() and os.environ.get("TERM") != "dumb":
        sink = ui_up.LiveSink()
    else:
        sink = ui_up.PlainSink()
    try:
        code = run_up(options, up_options(args), sink, before_forced_exit=sink.close)
    except Exception as exc:
        if args.json:  # tools reading stdout see why devloop stops
            sink(events.error_event(exc, BUG_HINT, EXIT_UNEXPECTED))
        raise
    finally:
        sink.close()
    # Stopped: leave at once. Worker threads still blocked in an engine call (a ping, a log wait)
    # would hold the interpreter's exit for seconds, and a Ctrl-C then would kill it by signal.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
