"""devloop: the right reload, restart or rebuild for every Docker Compose service, on every edit."""

__version__ = "0.1.0"

from devloop.deferred import defer

defer()  # before anything imports the Docker SDK (see deferred.py)
