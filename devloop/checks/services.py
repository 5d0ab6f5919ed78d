"""Running services as `devloop up` sees them: one that exited or keeps restarting (with the error
its output shows, at the host file and line), and a reloader that cannot see host edits because
the engine delivers no file events into its container."""

from __future__ import annotations

from devloop.checks.finding import Finding


def down_finding(
    service: str,
    container: str,
    status: str,
    exit_code: int | None,
    error: str | None,
    location: str | None,
) -> Finding | None:
    """A container that exited with an error, died, or keeps restarting."""
    if status == "restarting":
        state = "keeps restarting"
    elif status == "dead" or (status == "exited" and exit_code not in (None, 0)):
        state = f"exited with code {exit_code}" if exit_code is not None else status
    else:
        return None  # running, or a job that finished its work
    said = f": {location + ': ' if location else ''}{error}" if error else ""
    hint = (
        f"fix {location.rsplit(':', 1)[0]}; devloop up restarts the service on the next edit"
        if location
        else f"see its output: docker compose logs {service}"
    )
    return Finding("error", service, "down", f"{container} {state}{said}", hint)


def file_events_finding(service: str, bind: str, program: str | None, seen: bool | None) -> Finding | None:
    """What the probe found: a file written on the host under `bind` raised an event in the
    container (True: nothing to say), did not (False), or could not be asked (None)."""
    if seen:
        return None
    if seen is None:
        return Finding(
            "info",
            service,
            "file-events",
            f"{bind}: whether host edits raise file events in the container was not checked "
            "(it has neither python3 nor node to watch with)",
        )
    reloader = f"its reloader ({program})" if program else "its reloader"
    return Finding(
        "warning",
        service,
        "file-events",
        f"{bind}: a file written on the host shows no file event in the container, so {reloader} "
        "does not see edits if it waits for events (watchdog, watchfiles, chokidar): the engine "
        "shares files without events, as engines in a VM do (virtiofs, Lima, Podman machine)",
        "devloop up relays every edit into the container (touch -c), or make the reloader poll "
        "(e.g. WATCHFILES_FORCE_POLLING=true for uvicorn, CHOKIDAR_USEPOLLING=1 for nodemon and vite)",
    )
