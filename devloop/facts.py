"""Read, for each service, what the planner needs from disk and from the engine."""

from __future__ import annotations

from collections.abc import Callable

from devloop.dockerfile import Dockerfile, parse_dockerfile, read_dockerfile
from devloop.ignore import read_ignore_file
from devloop.model import Project
from devloop.planner import ServiceFacts
from devloop.process import ImageProcess

ImageLookup = Callable[[str], ImageProcess | None]


def collect_facts(project: Project, image_lookup: ImageLookup | None = None) -> dict[str, ServiceFacts]:
    """Dockerfiles and .dockerignore files once per build; image ENTRYPOINT/CMD once per image."""
    facts: dict[str, ServiceFacts] = {}
    builds: dict[object, tuple[Dockerfile | None, tuple[str, ...]]] = {}
    images: dict[str, ImageProcess | None] = {}
    for service in project.services:
        build = service.build
        dockerfile: Dockerfile | None = None
        ignore: tuple[str, ...] = ()
        if build is not None:
            key = (build.key, build.dockerignore)
            if key not in builds:
                parsed = read_dockerfile(build.dockerfile) if build.dockerfile else parse_dockerfile("")
                builds[key] = (parsed, read_ignore_file(build.dockerignore))
            dockerfile, ignore = builds[key]
        image = None
        if image_lookup is not None and service.image:
            if service.image not in images:
                images[service.image] = image_lookup(service.image)
            image = images[service.image]
        facts[service.name] = ServiceFacts(dockerfile=dockerfile, dockerignore=ignore, image=image)
    return facts
