"""What the official images of common web servers run, for a service whose image is not pulled yet
(`devloop plan` on a fresh clone): their Dockerfiles' ENTRYPOINT and CMD (docker-library). Once the
image is local, the engine's answer is used instead. Pure."""

from __future__ import annotations

Process = tuple[tuple[str, ...] | None, tuple[str, ...]]  # (ENTRYPOINT, CMD)

_PHP = ("docker-php-entrypoint",)  # `exec "$@"`, with `php` put before a first argument that is an option
# nginx's ENTRYPOINT /docker-entrypoint.sh runs the /docker-entrypoint.d scripts (templates rendered
# into /etc/nginx/conf.d), then execs its command: what runs is the command.
_OFFICIAL: dict[str, Process] = {
    "nginx": (None, ("nginx", "-g", "daemon off;")),
    "httpd": (None, ("httpd-foreground",)),
    "caddy": (None, ("caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile")),
}
_PHP_VARIANTS: dict[str, Process] = {
    "apache": (_PHP, ("apache2-foreground",)),
    "fpm": (_PHP, ("php-fpm",)),
    "cli": (_PHP, ("php", "-a")),
}


def official_image(reference: str) -> Process | None:
    """The default process of an official image (`nginx:alpine`, `docker.io/library/php:8.2-apache`),
    else None (another registry's or user's image, or one devloop does not know)."""
    ref = reference.partition("@")[0]
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        name = name.removeprefix(prefix)
    if "/" in name:
        return None
    if name == "php":
        return _PHP_VARIANTS[next((v for v in ("apache", "fpm") if v in tag.split("-")), "cli")]
    return _OFFICIAL.get(name)
