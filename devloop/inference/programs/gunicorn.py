"""gunicorn's config file: which one it reads (`-c FILE`, `-c python:MODULE` found on its import path,
else ./gunicorn.conf.py) and whether it turns `reload` on, also from an environment variable
(`reload = os.getenv("RELOAD", "false") == "true"`). gunicorn chdirs to `--chdir` (default: its
working directory) and puts it first on sys.path before it loads the config (gunicorn/app/base.py
`load_config`), so a module is found there first, then on PYTHONPATH. Its command line also says
what it writes (log and pid files, relative to `--chdir`); hypercorn takes the same options."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from devloop.inference.unwrap import option_values, split_command
from devloop.inference.verdict import Writes, Written, written


@dataclass(frozen=True)
class GunicornConfig:
    reload: bool | None = None  # None: not set, or set from what devloop cannot evaluate
    line: int = 0  # the `reload = ...` line
    text: str = ""  # that line, for the reason
    env_key: str | None = None  # the environment variable it reads, if one
    extra_files: tuple[str, ...] = ()  # reload_extra_files
    preload: bool = False  # `preload_app = True`: HUP does not load changed code


def config_candidates(args: Sequence[str], env: Mapping[str, str]) -> tuple[str, ...]:
    """The paths (relative to the working directory) where the one config gunicorn reads may be, first
    found wins: the command line's `-c`, else the one in GUNICORN_CMD_ARGS, else gunicorn.conf.py."""
    given = option_values(list(args), "-c", "--config")
    given = given or option_values(split_command(env.get("GUNICORN_CMD_ARGS", "")), "-c", "--config")
    if not given:
        return ("gunicorn.conf.py",)
    location = given[-1]
    if not location.startswith("python:"):
        return (location.removeprefix("file:"),)
    module = location.removeprefix("python:").replace(".", "/")
    chdir = (option_values(list(args), "--chdir") or (".",))[-1]
    roots = [chdir, *(p for p in env.get("PYTHONPATH", "").split(":") if p)]
    ends = (".py", "/__init__.py")
    return tuple(posixpath.normpath(posixpath.join(root, module + end)) for root in roots for end in ends)


_EXTRA = re.compile(r"^reload_extra_files\s*=\s*\[([^\]]*)\]", re.MULTILINE)
_PRELOAD = re.compile(r"^preload_app\s*=\s*(\S+)", re.MULTILINE)


def read_config(text: str, env: Mapping[str, str]) -> GunicornConfig:
    """The last top-level `reload = ...` of a gunicorn config, evaluated with the container's
    environment when it reads one (os.environ.get, os.getenv, os.environ[...])."""
    extra = _EXTRA.search(text)
    files = tuple(re.findall(r"['\"]([^'\"]+)['\"]", extra.group(1))) if extra else ()
    preloads = _PRELOAD.search(text)
    preload = preloads is not None and preloads.group(1) not in ("False", "0", "None")  # anything but off
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return GunicornConfig(extra_files=files, preload=preload)
    found: ast.Assign | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "reload" for t in node.targets):
            found = node
    if found is None:
        return GunicornConfig(extra_files=files, preload=preload)
    evaluator = _Evaluator(env)
    value = evaluator.value(found.value)
    shown = text.splitlines()[found.lineno - 1].strip()
    reload = None if value is _UNKNOWN else bool(value)
    return GunicornConfig(reload, found.lineno, shown, evaluator.key, files, preload)


_UNKNOWN = object()
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f", ""})


class _Evaluator:
    """Just enough of Python for a setting: literals, the environment, comparisons, `in`, `not`,
    `and`/`or`, `bool()`, `int()`, `str.lower()`/`.upper()`/`.strip()`, `strtobool()`."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.key: str | None = None  # the environment variable read, if one

    def value(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self.value(e) for e in node.elts]
            return _UNKNOWN if _UNKNOWN in items else items
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.value(node.operand)
            return _UNKNOWN if inner is _UNKNOWN else not inner
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self._compare(node.ops[0], self.value(node.left), self.value(node.comparators[0]))
        if isinstance(node, ast.Subscript) and _dotted(node.value) == "os.environ":
            return self._env(node.slice, None, subscript=True)
        if isinstance(node, ast.Call):
            return self._call(node)
        return _UNKNOWN

    def _bool_op(self, node: ast.BoolOp) -> object:
        result: object = _UNKNOWN
        for operand in node.values:
            result = self.value(operand)
            if result is _UNKNOWN or bool(result) == isinstance(node.op, ast.Or):
                return result
        return result

    def _compare(self, op: ast.cmpop, left: object, right: object) -> object:
        if _UNKNOWN in (left, right):
            return _UNKNOWN
        if isinstance(op, (ast.Eq, ast.NotEq)):
            return (left == right) == isinstance(op, ast.Eq)
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (list, str)):
            return (left in right) == isinstance(op, ast.In)  # type: ignore[operator]
        return _UNKNOWN

    def _call(self, node: ast.Call) -> object:
        name = _dotted(node.func)
        args = node.args
        if name in ("os.environ.get", "os.getenv", "environ.get", "getenv") and args:
            return self._env(args[0], args[1] if len(args) > 1 else None)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper", "strip"):
            inner = self.value(node.func.value)
            return getattr(inner, node.func.attr)() if isinstance(inner, str) else _UNKNOWN
        if name in ("bool", "int", "strtobool", "distutils.util.strtobool") and len(args) == 1:
            inner = self.value(args[0])
            if inner is _UNKNOWN or name == "bool":
                return inner if inner is _UNKNOWN else bool(inner)
            text = str(inner).strip().lower()
            if name == "int":
                return int(text) if text.lstrip("-").isdigit() else _UNKNOWN
            return True if text in _TRUE else False if text in _FALSE else _UNKNOWN
        return _UNKNOWN

    def _env(self, key_node: ast.expr, default: ast.expr | None, subscript: bool = False) -> object:
        key = self.value(key_node)
        if not isinstance(key, str):
            return _UNKNOWN
        self.key = key
        if key in self.env:
            return self.env[key]
        if subscript:
            return _UNKNOWN  # a KeyError: gunicorn would not start
        return None if default is None else self.value(default)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


_WRITES = {
    "--access-logfile": False,
    "--error-logfile": False,
    "--log-file": False,
    "-p": False,
    "--pid": False,
}


def _writes(args: list[str]) -> list[Written]:
    return written(args, _WRITES, (option_values(args, "--chdir") or ("",))[-1])


WRITES: dict[str, Writes] = {"gunicorn": _writes, "hypercorn": _writes}
