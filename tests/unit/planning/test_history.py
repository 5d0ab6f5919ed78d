"""A Dockerfile against an image's history, as BuildKit (dockerd 20.10) wrote it for real builds."""

from __future__ import annotations

from devloop.planning.history import built_from

SIMPLE = """FROM devloop-testbed/python:bookworm
WORKDIR /code
COPY app/ app/
CMD ["python3", "-m", "uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
SIMPLE_HISTORY = [  # newest first, as the engine lists it; the base image's entries after
    'CMD ["python3" "-m" "uvicorn" "app.main:app" "--host" "0.0.0.0" "--port" "8000"]',
    "COPY app/ app/ # buildkit",
    "WORKDIR /code",
    'CMD ["python3"]',
    "RUN /bin/sh -c set -eux; apt-get update # buildkit",
]

EVERYTHING = """ARG BASE=devloop-testbed/busybox
FROM ${BASE} AS base
ARG X=1
ENV A=b C="d e"
LABEL org.x=y
WORKDIR /w
COPY --chown=1000:1000 Dockerfile ./d
RUN echo $X >/x && \\
    echo hi
FROM base
EXPOSE 8000
RUN ["echo", "exec"]
ADD Dockerfile /e
VOLUME /data
HEALTHCHECK CMD true
STOPSIGNAL SIGINT
SHELL ["/bin/sh", "-c"]
ENTRYPOINT ["/bin/sh"]
CMD ["-c", "sleep 1"]
"""
EVERYTHING_HISTORY = [
    'CMD ["-c" "sleep 1"]',
    'ENTRYPOINT ["/bin/sh"]',
    "SHELL [/bin/sh -c]",
    "STOPSIGNAL SIGINT",
    'HEALTHCHECK &{["CMD-SHELL" "true"] "0s" "0s" "0s" \'\\x00\'}',
    "VOLUME [/data]",
    "ADD Dockerfile /e # buildkit",
    "RUN echo exec # buildkit",
    "EXPOSE map[8000/tcp:{}]",
    "RUN |1 X=1 /bin/sh -c echo $X >/x &&     echo hi # buildkit",
    "COPY Dockerfile ./d # buildkit",
    "WORKDIR /w",
    "LABEL org.x=y",
    "ENV A=b C=d e",
    "ARG X=1",
]


def test_the_dockerfile_that_built_the_image_matches_its_history() -> None:
    assert built_from(SIMPLE, None, SIMPLE_HISTORY) is True
    assert built_from(EVERYTHING, None, EVERYTHING_HISTORY) is True


def test_a_changed_instruction_does_not_match() -> None:
    assert built_from(SIMPLE.replace("COPY app/ app/", "COPY . ."), None, SIMPLE_HISTORY) is False
    assert built_from(SIMPLE.replace('"8000"]', '"9000"]'), None, SIMPLE_HISTORY) is False
    assert built_from(SIMPLE.replace("WORKDIR /code", "WORKDIR /srv"), None, SIMPLE_HISTORY) is False
    changed_run = EVERYTHING.replace("echo hi", "echo bye")
    assert built_from(changed_run, None, EVERYTHING_HISTORY) is False


def test_an_added_instruction_does_not_match() -> None:
    added = SIMPLE.replace("WORKDIR /code\n", "WORKDIR /code\nRUN pip install flask\n")
    assert built_from(added, None, SIMPLE_HISTORY) is False


def test_a_target_compares_its_own_chain() -> None:
    # the base stage alone: its five instructions are the oldest five of the build's entries
    assert built_from(EVERYTHING, "base", EVERYTHING_HISTORY[9:]) is True
    assert built_from(EVERYTHING, "base", EVERYTHING_HISTORY) is False  # the history has more after
    assert built_from(EVERYTHING, "missing", EVERYTHING_HISTORY) is None


def test_histories_that_cannot_tell() -> None:
    legacy = ["/bin/sh -c #(nop)  CMD [\"python3\"]", "/bin/sh -c #(nop) COPY dir:0a1b in /code/app ",
              "/bin/sh -c #(nop) WORKDIR /code"]  # fmt: skip
    assert built_from(SIMPLE, None, legacy) is None
    assert built_from(SIMPLE, None, SIMPLE_HISTORY[:2]) is None  # fewer entries than instructions
