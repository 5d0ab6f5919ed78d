"""A Python script that starts its own development server: `python app.py` whose
`if __name__ == "__main__":` block calls `app.run(debug=True)` (Flask, and Werkzeug's
`run_simple(..., use_reloader=True)`; Flask-SocketIO's `socketio.run(app, debug=True)` alike) or
`uvicorn.run(..., reload=True)`. Werkzeug's reloader restarts the process when the file of any
module it imported changes (`use_reloader` defaults to `debug`); uvicorn's watches `*.py` in its
working directory. The script itself is such a module, so it is not a file read only at start.

Flask's `app.run()` without `debug` takes debug mode from the environment, as `flask run` does
(`get_debug_flag()`: FLASK_DEBUG, else FLASK_ENV=development before Flask 2.3), and so does
Flask-SocketIO's `socketio.run(app)` through `app.debug`; Werkzeug's `run_simple` never does."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerCall:
    """The call that starts the server: whether it reloads (None: devloop cannot evaluate an
    argument), the line, its source text, the reloader (`werkzeug` or `uvicorn`), and the
    environment variable that decided, if one did."""

    reloads: bool | None
    line: int
    text: str
    reloader: str
    env_key: str | None = None


def flask_debug(env: Mapping[str, str]) -> tuple[bool, str] | None:
    """Flask's debug mode from the environment, as `get_debug_flag()` reads it: (on, the variable
    that decided), or None when neither is set."""
    debug = env.get("FLASK_DEBUG", "")
    if debug:
        return debug.lower() not in ("0", "false", "no"), "FLASK_DEBUG"
    if env.get("FLASK_ENV"):
        return env["FLASK_ENV"] == "development", "FLASK_ENV"
    return None


def server_call(source: str, env: Mapping[str, str] | None = None) -> ServerCall | None:
    """The last server call under the script's `__main__` guard; None when it has none (or the
    source does not parse). `env`: the process's environment."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: ServerCall | None = None
    for node in tree.body:
        if not (isinstance(node, ast.If) and _is_main_guard(node.test)):
            continue
        for call in (n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            found = _server(call, source, env or {}) or found
    return found


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    return names and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _server(call: ast.Call, source: str, env: Mapping[str, str]) -> ServerCall | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    switches: tuple[str, ...]
    if name == "run" and owner == "uvicorn":
        reloader, switches = "uvicorn", ("reload",)
    elif name == "run_simple" or (name == "run" and owner != "asyncio"):  # asyncio.run(debug=) is not one
        reloader, switches = "werkzeug", ("use_reloader", "debug")  # use_reloader wins over debug
    else:
        return None
    decided = next((keywords[k] for k in switches if k in keywords), None)
    from_env = flask_debug(env) if decided is None and name == "run" and reloader == "werkzeug" else None
    key = from_env[1] if from_env else None
    if decided is None:
        reloads: bool | None = bool(from_env and from_env[0])
    elif isinstance(decided, ast.Constant):
        reloads = bool(decided.value)
    else:
        reloads = None
    text = ast.get_source_segment(source, call) or name
    return ServerCall(reloads, call.lineno, " ".join(text.split()), reloader, key)
