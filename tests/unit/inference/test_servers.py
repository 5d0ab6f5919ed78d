"""Servers that read what they serve on every request (static servers, PHP): an edit of the content
needs nothing, an edit of their configuration (under /etc, named on the command line, `*.conf`) a
restart; the official images' default commands when the image is not pulled yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devloop.inference.images import official_image
from devloop.inference.reloaders import detect_reload, split_command
from devloop.model.project import Strategy
from tests.unit.builders import actions, bind, covered, make_plan, reasons, strategies, write


@pytest.mark.parametrize(
    ("command", "reloads", "program"),
    [
        ("python -m http.server 8000", True, "python -m http.server"),
        ("python3 -m http.server --directory /srv -b 0.0.0.0", True, "python -m http.server"),
        ("nginx -g 'daemon off;'", True, "nginx"),
        ("nginx-debug -g 'daemon off;'", True, "nginx-debug"),
        ("nginx -c /app/nginx.conf -g 'daemon off;'", True, "nginx"),
        ("nginx -s reload", None, "nginx"),
        ("nginx -t", None, "nginx"),
        ("httpd-foreground", True, "httpd-foreground"),
        ("httpd -D FOREGROUND", True, "httpd"),
        ("busybox httpd -f -p 8080 -h /www", True, "httpd"),
        ("apache2ctl -D FOREGROUND", True, "apache2ctl"),
        ("apachectl configtest", None, "apachectl"),
        ("docker-php-entrypoint apache2-foreground", True, "apache2-foreground"),
        ("docker-php-entrypoint php-fpm", True, "php-fpm"),
        ("php-fpm -F", True, "php-fpm"),
        ("php-fpm8.2 -F -R", True, "php-fpm"),
        ("php-fpm82 -F", True, "php-fpm"),
        ("php-fpm -t", None, "php-fpm"),
        ("php -S 0.0.0.0:8000 -t public", True, "php -S"),
        ("docker-php-entrypoint -S 0.0.0.0:80 -t /app/public", True, "php -S"),
        ("php8.2 -S 0.0.0.0:8000", True, "php -S"),
        ("php artisan serve --host=0.0.0.0 --port=8000", True, "php artisan serve"),
        ("php /var/www/artisan serve", True, "php artisan serve"),
        ("php artisan queue:listen --tries=3", True, "php artisan queue:listen"),
        ("php artisan schedule:work", True, "php artisan schedule:work"),
        ("php artisan queue:work --tries=3", False, "php artisan queue:work"),
        ("php artisan horizon", False, "php artisan horizon"),
        ("php artisan octane:start --host=0.0.0.0", False, "php artisan octane:start"),
        ("php artisan octane:frankenphp --watch", True, "php artisan octane:frankenphp"),
        ("php artisan migrate", None, "php"),
        ("php worker.php", False, "php worker.php"),
        ("php -a", None, "php"),
        ("caddy run --config /etc/caddy/Caddyfile --adapter caddyfile", True, "caddy run"),
        ("caddy file-server --root /srv --listen :8080", True, "caddy file-server"),
        ("caddy reverse-proxy --from :80 --to api:8000", False, "caddy reverse-proxy"),
        ("caddy version", None, "caddy"),
        ("http-server ./public -p 8080", True, "http-server"),
        ("npx http-server -c-1", True, "http-server"),
        ("serve -s build -l 3000", True, "serve"),
        ("lighttpd -D -f /etc/lighttpd/lighttpd.conf", True, "lighttpd"),
        ("static-web-server --root /public", True, "static-web-server"),
        ("darkhttpd /www --port 8080", True, "darkhttpd"),
    ],
)
def test_servers_that_read_per_request(command: str, reloads: bool | None, program: str) -> None:
    verdict = detect_reload(split_command(command))
    assert (verdict.reloads, verdict.program) == (reloads, program), verdict.reason


def test_configuration_is_out_of_what_they_read_afresh() -> None:
    nginx = "nginx -g 'daemon off;'"
    assert covered(nginx, "/srv", "/usr/share/nginx/html/index.html", "/etc/nginx/conf.d/default.conf",
                   "/etc/nginx/nginx.conf", "/srv/site/app.conf", "/var/www/css/site.css") == [
        True, False, False, False, True]  # fmt: skip
    named = "nginx -c /app/conf/main.nginx -g 'daemon off;'"
    assert covered(named, "/srv", "/app/conf/main.nginx", "/app/x.html") == [False, True]
    assert covered("nginx -p /opt/nginx/ -c conf/nginx.cfg", "/srv", "/opt/nginx/conf/nginx.cfg") == [False]
    php = "docker-php-entrypoint php-fpm"
    assert covered(php, "/srv", "/var/www/html/index.php", "/usr/local/etc/php/conf.d/app.ini",
                   "/var/www/html/php.ini", "/usr/local/etc/php-fpm.d/www.conf") == [
        True, False, False, False]  # fmt: skip
    assert covered("php -S 0.0.0.0:80 -c /app/custom.cfg", "/srv", "/app/custom.cfg", "/app/index.php") == [
        False,
        True,
    ]
    apache = "/usr/local/apache2"
    assert covered("httpd-foreground", "/srv", f"{apache}/htdocs/a.html", f"{apache}/conf/httpd.conf",
                   f"{apache}/htdocs/.htaccess") == [True, False, True]  # fmt: skip
    assert covered("httpd -d /opt/apache", "/srv", "/opt/apache/conf/extra.cfg") == [False]
    box = "busybox httpd -f -c /www/httpd.cnf -h /www"
    assert covered(box, "/srv", "/www/httpd.cnf", "/www/index.html") == [False, True]
    caddy = "caddy run --config /config/Caddyfile"
    assert covered(caddy, "/srv", "/config/Caddyfile", "/srv/Caddyfile", "/srv/index.html") == [
        False,
        False,
        True,
    ]
    assert covered("python -m http.server", "/srv", "/srv/anything.conf") == [True]  # it has no configuration


def test_they_reload_their_configuration_on_a_signal() -> None:
    signals = {c: detect_reload(split_command(c)).on_signal for c in ("nginx", "httpd-foreground", "php-fpm")}
    assert signals == {"nginx": "HUP", "httpd-foreground": "HUP", "php-fpm": "USR2"}


def static_site(root: Path) -> Path:
    write(root, "site/index.html", "<h1>v1</h1>\n")
    write(root, "site/app.js", "")
    write(root, "nginx/default.conf", "server { listen 80; root /usr/share/nginx/html; }\n")
    write(root, "nginx/nginx.conf", "events {}\n")
    write(root, "php/index.php", "<?php echo 'v1';\n")
    write(root, "php/php.ini", "memory_limit=256M\n")
    return root


NGINX: dict[str, Any] = {"image": "nginx:1.27-alpine"}


def test_nginx_content_needs_nothing_its_configuration_a_restart(tmp_path: Path) -> None:
    root = static_site(tmp_path)
    plan = make_plan(root, {
        "web": {**NGINX, "volumes": [bind(root / "site", "/usr/share/nginx/html", read_only=True),
                                     bind(root / "nginx", "/etc/nginx/conf.d", read_only=True)]},
        "conf": {**NGINX, "command": ["nginx", "-g", "daemon off;"],
                 "volumes": [bind(root / "nginx/nginx.conf", "/etc/nginx/nginx.conf", read_only=True)]},
        "proxy": {**NGINX, "volumes": [bind(root / "nginx", "/etc/nginx/conf.d")]},
    })  # fmt: skip
    assert strategies(plan) == {"web": "reload", "conf": "restart", "proxy": "restart"}
    web = plan.service("web")
    assert web.reason.endswith(
        "is bind-mounted and it runs `nginx`, which reads the files it serves afresh on every request "
        "(official image nginx:1.27-alpine CMD)"
    )
    assert actions(plan, root, "site/index.html", "site/app.js") == {"web": "reload"}
    assert actions(plan, root, "nginx/default.conf") == {"web": "restart", "proxy": "restart"}
    assert (
        "outside what `nginx` watches (every file, except /etc, *.conf"
        in reasons(plan, root, "nginx/default.conf")["web"]
    )
    assert actions(plan, root, "nginx/nginx.conf") == {
        "conf": "restart",
        "web": "restart",
        "proxy": "restart",
    }
    assert plan.service("proxy").reason.startswith(
        "./nginx:/etc/nginx/conf.d is bind-mounted outside what `nginx` watches "
        "(every file, except /etc, *.conf); it runs `nginx`"
    )


def test_php_apache_and_fpm_images(tmp_path: Path) -> None:
    root = static_site(tmp_path)
    app = [bind(root / "php", "/var/www/html")]
    plan = make_plan(root, {
        "apache": {"image": "php:8.3-apache", "volumes": app},
        "fpm": {"image": "php:8.3-fpm-alpine", "volumes": app},
        "cli": {"image": "php:8.3-cli", "volumes": app},
        "dev": {"image": "php:8.3-cli", "volumes": app, "command": ["-S", "0.0.0.0:8000", "-t", "/var/www"]},
        "worker": {"image": "php:8.3-cli", "volumes": app, "command": ["php", "artisan", "queue:work"]},
    })  # fmt: skip
    expected = {"apache": "reload", "fpm": "reload", "cli": "restart", "dev": "reload", "worker": "restart"}
    assert strategies(plan) == expected
    official = "official image php:8.3-apache"
    assert "it runs `apache2-foreground`, which reads the files and scripts it serves afresh on every " \
        f"request ({official} ENTRYPOINT + {official} CMD)" in plan.service("apache").reason  # fmt: skip
    dev = plan.service("dev").reason
    assert "runs `php -S`, which reads its PHP scripts afresh on every request (PHP's built-in web " \
        "server) (compose command after official image php:8.3-cli ENTRYPOINT)" in dev  # fmt: skip
    assert actions(plan, root, "php/index.php") == expected
    assert actions(plan, root, "php/php.ini") == dict.fromkeys(
        ("apache", "fpm", "cli", "dev", "worker"), "restart"
    )


def test_a_pulled_image_is_what_runs_not_the_official_default(tmp_path: Path) -> None:
    from devloop.inference.process import ImageProcess

    root = static_site(tmp_path)
    service = {**NGINX, "volumes": [bind(root / "site", "/usr/share/nginx/html")]}
    local = {"nginx:1.27-alpine": ImageProcess(("/docker-entrypoint.sh",), ("sleep", "infinity"))}
    plan = make_plan(root, {"web": service}, images=local)
    assert plan.service("web").strategy is Strategy.RESTART


@pytest.mark.parametrize(
    ("reference", "cmd"),
    [
        ("nginx", ("nginx", "-g", "daemon off;")),
        ("nginx:1.27-alpine", ("nginx", "-g", "daemon off;")),
        ("docker.io/library/nginx:latest", ("nginx", "-g", "daemon off;")),
        ("library/httpd:2.4", ("httpd-foreground",)),
        ("php:8.2-apache-bookworm", ("apache2-foreground",)),
        ("php:8.2-fpm", ("php-fpm",)),
        ("php:8.2-zts", ("php", "-a")),
        ("php@sha256:0123", ("php", "-a")),
        ("caddy:2", ("caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile")),
        ("bitnami/nginx:1.27", None),
        ("registry.example.com:5000/nginx", None),
        ("myapp-web", None),
    ],
)
def test_official_images(reference: str, cmd: tuple[str, ...] | None) -> None:
    found = official_image(reference)
    assert (found[1] if found else None) == cmd


def test_a_build_that_keeps_its_official_base_images_command(tmp_path: Path) -> None:
    """A Dockerfile FROM nginx or php-fpm that sets no CMD runs the base image's, as the laravel
    compose shape (nginx.dockerfile, php.dockerfile) does; one that sets its own is followed."""
    write(tmp_path, "nginx.dockerfile", "FROM nginx:stable-alpine\nRUN mkdir -p /var/www/html\n")
    write(tmp_path, "php.dockerfile", "FROM php:8-fpm-alpine AS base\nWORKDIR /var/www/html\nFROM base\n")
    write(tmp_path, "own.dockerfile", 'FROM nginx:1.27\nCMD ["sleep", "infinity"]\n')
    write(tmp_path, "src/public/index.php", "<?php\n")
    code = [bind(tmp_path / "src", "/var/www/html")]

    def built(dockerfile: str) -> dict[str, Any]:
        return {"build": {"context": str(tmp_path), "dockerfile": dockerfile}, "volumes": code}

    plan = make_plan(tmp_path, {"app": built("nginx.dockerfile"), "php": built("php.dockerfile"),
                                "own": built("own.dockerfile")})  # fmt: skip
    assert strategies(plan) == {"app": "reload", "php": "reload", "own": "restart"}
    assert (
        plan.service("app").process.source
        == "nginx.dockerfile: FROM nginx:stable-alpine, the official image's CMD"
    )
    assert plan.service("php").verdict.program == "php-fpm"
    assert actions(plan, tmp_path, "src/public/index.php") == {
        "app": "reload",
        "php": "reload",
        "own": "restart",
    }
