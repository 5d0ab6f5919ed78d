"""A Python script that starts its own development server: `python app.py` whose
`if __name__ == "__main__":` block calls `app.run(debug=True)` (Flask, and Werkzeug's
`run_simple(..., use_reloader=True)`; Flask-SocketIO's `socketio.run(app, debug=True)` alike) or
`uvicorn.run(..., reload=True)`. Werkzeug's reloader restarts the process when the file of any
module it imported changes (`use_reloader` defaults to `debug`); uvicorn's watches `*.py` in its
working directory. The script itself is such a module, so it is not a file read only at start."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerCall:
    """The call that starts the server: whether it reloads (None: devloop cannot evaluate an
    argument), the line, its source text, and the reloader (`werkzeug` or `uvicorn`)."""

    reloads: bool | None
    line: int
    text: str
    reloader: str


def server_call(source: str) -> ServerCall | None:
    """The last server call under the script's `__main__` guard; None when it has none (or the
    source does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: ServerCall | None = None
    for node in tree.body:
        if not (isinstance(node, ast.If) and _is_main_guard(node.test)):
            continue
        for call in (n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            found = _server(call, source) or found
    return found


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    return names and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _server(call: ast.Call, source: str) -> ServerCall | None:
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
    if decided is None:
        reloads: bool | None = False
    elif isinstance(decided, ast.Constant):
        reloads = bool(decided.value)
    else:
        reloads = None
    text = ast.get_source_segment(source, call) or name
    return ServerCall(reloads, call.lineno, " ".join(text.split()), reloader)
