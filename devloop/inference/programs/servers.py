"""Servers that read what they serve from disk on every request, so that an edit of it is served at
once and needs nothing: static file servers, and PHP, whose scripts run afresh per request.

- `python -m http.server` (http/server.py: SimpleHTTPRequestHandler opens the file per request),
  node's `http-server` and `serve`, `caddy file-server`, lighttpd, static-web-server, darkhttpd.
- nginx (`root`/`alias` files are opened per request; the image's CMD is `nginx -g 'daemon off;'`),
  Apache (`httpd`, `httpd-foreground` of the httpd image, `apache2-foreground` of the php:*-apache
  images, `apache2ctl -D FOREGROUND`; mod_php runs scripts per request, `.htaccess` is read per
  request) and busybox `httpd`; `caddy run`, which serves what its Caddyfile says.
- PHP: `php-fpm`, `php -S` (the built-in server), `php artisan serve` (Laravel runs `php -S`). Each
  request compiles the script, or takes it from opcache, which by default (`opcache.validate_timestamps
  = 1`, `revalidate_freq = 2`) checks the file's time at most every 2 s and recompiles a changed one.
  Laravel's `queue:listen` and `schedule:work` run each job or minute in a new PHP process (Laravel
  docs, "Queues": with queue:listen "you don't have to manually restart the worker when you want to
  reload your updated code"); `queue:work`, `horizon` and Octane without `--watch` keep code loaded.

Their configuration is read once at start, and an edit of it needs a restart (or the signal the
server reloads it on: nginx, Apache and busybox httpd HUP, php-fpm USR2): the verdict's scope keeps
it out. What is configuration: anything under /etc (every official image keeps it there, Debian's
too), the php images' /usr/local/etc (php.ini, php-fpm.d), the httpd image's
/usr/local/apache2/conf, a file the command names (`-c`, `-f`, `-y`, `--config`), a ServerRoot's
conf/, and files named like one anywhere (`*.conf`; `*.ini` for PHP and Apache's mod_php;
`Caddyfile`, `serve.json`).
Everything else a server reads is content: the folders it serves, PHP code."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence

from devloop.inference.unwrap import option_values, positionals
from devloop.inference.verdict import Handler, ReloadVerdict, no, unknown

_ETC = ("/etc",)
_PHP_CONFIG = ("/etc", "/usr/local/etc", "*.ini", "*.conf")
_FILES = "the files it serves"
_SCRIPTS = "its PHP scripts"
_VERSIONED = re.compile(r"(php|php-fpm)\d+(\.\d+)*")  # Debian's php-fpm8.2, Alpine's php82


def canonical(name: str) -> str:
    """A program's name without the PHP version some distributions add (`php-fpm8.2` -> `php-fpm`)."""
    found = _VERSIONED.fullmatch(name)
    return found.group(1) if found else name


def _serves(
    program: str, what: str, config: Sequence[str] = (), signal: str = "", why: str = ""
) -> ReloadVerdict:
    reason = f"runs `{program}`, which reads {what} afresh on every request{why}"
    return ReloadVerdict(True, program, reason, exclude=tuple(dict.fromkeys(config)), on_signal=signal)


def _named(paths: Sequence[str], base: str = "") -> list[str]:
    """Config files a command names: absolute ones as they are, relative ones under `base` when the
    program resolves them there, else by their name wherever they are."""
    return [
        p if p.startswith("/") else posixpath.join(base, p) if base else posixpath.basename(p) for p in paths
    ]


def _http_server(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    return _serves("python -m http.server", _FILES)


def _node_server(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    return _serves(name, _FILES, ("serve.json",) if name == "serve" else ())


def _static(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """lighttpd (`-f FILE`), static-web-server (`-w/--config-file`), darkhttpd (no configuration)."""
    named = _named(option_values(args, "-f", "-w", "--config-file"))
    return _serves(name, _FILES, [*_ETC, "*.conf", *named] if name != "darkhttpd" else named)


def _nginx(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    if any(a in args for a in ("-s", "-t", "-T", "-v", "-V", "-h", "-?")):
        return unknown([name, *args])
    prefix = (option_values(args, "-p") or ("/etc/nginx/",))[-1]  # a relative -c is under the prefix
    config = [*_ETC, "*.conf", *_named(option_values(args, "-c"), prefix)]
    if name == "openresty":
        config.append("/usr/local/openresty/nginx/conf")
    return _serves(name, _FILES, config, "HUP")


_APACHE_CONF = "/usr/local/apache2/conf"  # the httpd image's ServerRoot is /usr/local/apache2
_NOT_SERVING = frozenset("configtest stop graceful-stop status fullstatus -t -S -v -V -M -L -l".split())


def _apache(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """Apache (`-f FILE`, `-d SERVERROOT`) and busybox httpd (`-c FILE`) share the name `httpd`."""
    if _NOT_SERVING & set(args):
        return unknown([name, *args])
    named = [*_named(option_values(args, "-f", "-c")), *(f"{r}/conf" for r in option_values(args, "-d"))]
    config = [*_PHP_CONFIG, _APACHE_CONF, *named]  # mod_php reads php.ini (/usr/local/etc in php images)
    return _serves(name, "the files and scripts it serves", config, "HUP")


def _php_fpm(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    if any(a in args for a in ("-t", "--test", "-v", "--version", "-i", "--info", "-m", "--modules")):
        return unknown([name, *args])
    config = [*_PHP_CONFIG, *_named(option_values(args, "-y", "--fpm-config", "-c", "--php-ini"))]
    return _serves("php-fpm", _SCRIPTS, config, "USR2")


_PHP_VALUES = "-c -d -z -t -S -f -r -B -R -E -F".split()
_ARTISAN_NEW_PROCESS = {
    "queue:listen": "runs each job in a new PHP process",
    "schedule:work": "runs the scheduler each minute in a new PHP process",
}
_ARTISAN_KEEPS = frozenset("queue:work horizon reverb:start pulse:check pulse:work".split())
_OCTANE = re.compile(r"octane:(start|frankenphp|swoole|roadrunner)")


def _php(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    config = [*_PHP_CONFIG, *_named(option_values(args, "-c"))]
    if option_values(args, "-S"):
        return _serves("php -S", _SCRIPTS, config, why=" (PHP's built-in web server)")
    found = positionals(args, _PHP_VALUES)
    if not found:
        return unknown([name, *args])
    script = args[found[0]]
    if posixpath.basename(script) == "artisan":
        return _artisan(args[found[0] + 1 :], config)
    return no(f"php {posixpath.basename(script)}")


def _artisan(args: list[str], config: list[str]) -> ReloadVerdict:
    found = positionals(args, ["--host", "--port", "--queue", "--env"])
    command = args[found[0]] if found else ""
    program = f"php artisan {command}".strip()
    if command == "serve":  # Laravel's ServeCommand runs `php -S` (and restarts it when .env changes)
        return _serves(program, _SCRIPTS, config, why=" (it runs PHP's built-in web server)")
    if command in _ARTISAN_NEW_PROCESS:
        reason = f"runs `{program}`, which {_ARTISAN_NEW_PROCESS[command]}: it loads changed code"
        return ReloadVerdict(True, program, reason, exclude=tuple(config))
    if _OCTANE.fullmatch(command):
        if "--watch" in args:  # Octane restarts its workers when a file in config('octane.watch') changes
            dirs = ("app", "bootstrap", "config", "database", "public", "resources", "routes")
            reason = f"runs `{program} --watch`, which restarts its workers on changes"
            return ReloadVerdict(True, program, reason, dirs, ("*.php",), watches_cwd=True)
        return no(program, f"runs `{program}` without `--watch`: its workers keep the code they loaded")
    if command in _ARTISAN_KEEPS:
        return no(program, f"runs `{program}`, a long-running worker that keeps the code it loaded")
    return unknown(["php", "artisan", command] if command else ["php", "artisan"])


def _artisan_file(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    return _artisan(args, [*_PHP_CONFIG])


def _caddy(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    sub = args[0] if args else ""
    if sub == "file-server":
        return _serves("caddy file-server", _FILES)
    if sub == "run":  # its config: --config (else ./Caddyfile), read at start
        config = [*_ETC, "Caddyfile", "*.caddyfile", *_named(option_values(args, "--config", "-c"))]
        return _serves("caddy run", _FILES, config, why=" (what its Caddyfile serves)")
    if sub == "reverse-proxy":
        return no("caddy reverse-proxy")
    return unknown([name, *args[:1]])


HANDLERS: dict[str, Handler] = {
    "http.server": _http_server,
    "http-server": _node_server,
    "serve": _node_server,
    "lighttpd": _static,
    "static-web-server": _static,
    "darkhttpd": _static,
    "nginx": _nginx,
    "nginx-debug": _nginx,
    "openresty": _nginx,
    "httpd": _apache,
    "apache2": _apache,
    "httpd-foreground": _apache,
    "apache2-foreground": _apache,
    "apache2ctl": _apache,
    "apachectl": _apache,
    "php-fpm": _php_fpm,
    "php": _php,
    "artisan": _artisan_file,
    "caddy": _caddy,
}

# the programs that serve files as they are, per request (PHP's run its scripts: not these)
FILE_SERVERS = frozenset(HANDLERS) - {"php-fpm", "php", "artisan"}
