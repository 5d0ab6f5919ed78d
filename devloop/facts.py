"""Read, for each service, what the planner needs from disk and from the engine."""

from __future__ import annotations

from collections.abc import Callable

from devloop.dockerfile import parse_dockerfile, read_dockerfile
from devloop.ignore import read_ignore_file
from devloop.model import Project
from devloop.planner import ServiceFacts
from devloop.process import ImageProcess

ImageLookup = Callable[[str], ImageProcess | None]


def collect_facts(project: Project, image_lookup: ImageLookup | None = None) -> dict[str, ServiceFacts]:
    """Dockerfiles and .dockerignore files once per build; image ENTRYPOINT/CMD once per image."""
    facts: dict[str, ServiceFacts] = {}
    dockerfiles: dict[object, object] = {}
    for service in project.services:
        build = service.build
        dockerfile = None
        ignore: tuple[str, ...] = ()
        if build is not None:
            if build.key not in dockerfiles:
                dockerfiles[build.key] = (
                    read_dockerfile(build.dockerfile) if build.dockerfile else parse_dockerfile("")
                )
            dockerfile = dockerfiles[build.key]
            ignore = read_ignore_file(build.dockerignore)
        image = image_lookup(service.image) if image_lookup and service.image else None
        facts[service.name] = ServiceFacts(dockerfile=dockerfile, dockerignore=ignore, image=image)  # type: ignore[arg-type]
    return facts
