"""The FastAPI CLI (`fastapi dev`, `fastapi run`, from fastapi-cli; also `python -m fastapi`).

Both commands start uvicorn through `uvicorn.run(...)` (fastapi_cli/cli.py `_run`): `fastapi dev`
with `reload=True` unless `--no-reload`, `fastapi run` with `reload=False` unless `--reload` (typer's
`--reload/--no-reload` pair on each). The reloader is uvicorn's, so it watches what uvicorn watches:
`*.py` in its working directory, since fastapi-cli passes `reload_dirs=None` (uvicorn then takes the
current directory) unless `fastapi dev --reload-dir DIR` names folders (fastapi-cli 0.0.20 on)."""

from __future__ import annotations

from collections.abc import Mapping

from devloop.inference.unwrap import option_values, positionals
from devloop.inference.verdict import Handler, ReloadVerdict, no, unknown

_VALUES = (
    "--host --port --reload-dir --root-path --app --entrypoint -e --workers --forwarded-allow-ips".split()
)
_DEFAULTS = {"dev": True, "run": False}


def _fastapi(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    found = positionals(args, _VALUES)
    sub = args[found[0]] if found else ""
    if sub not in _DEFAULTS:
        return unknown([name, *args[: found[0] + 1]] if found else [name])
    program = f"fastapi {sub}"
    if "--no-reload" in args:
        return no(program, f"runs `{program} --no-reload`, which does not reload")
    if "--reload" in args:
        reason = f"runs `{program} --reload`, which reloads with uvicorn's reloader"
    elif _DEFAULTS[sub]:
        reason = f"runs `{program}`, which reloads with uvicorn's reloader by default"
    else:
        return no(program, f"runs `{program}` without `--reload`, which does not reload")
    dirs = option_values(args, "--reload-dir") if sub == "dev" else ()
    return ReloadVerdict(True, program, reason, dirs, ("*.py",), watches_cwd=True)


HANDLERS: dict[str, Handler] = {"fastapi": _fastapi}
