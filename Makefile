# `make demo` and `make test` work on a fresh machine: they install devloop into .venv and set up
# the test bed (a Docker Engine, Compose v2 and offline base images; see scripts/testbed).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
EXAMPLE := examples/fastapi-celery

.PHONY: demo test test-on-testbed check-install unit e2e venv testbed testbed-stop bench lint clean-venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

testbed:
	scripts/testbed up

testbed-stop:
	scripts/testbed stop

demo: venv testbed
	@echo "devloop up on $(EXAMPLE): edit files under $(EXAMPLE)/app or $(EXAMPLE)/baked; Ctrl-C stops"
	cd $(EXAMPLE) && ../../$(BIN)/devloop up

# The whole suite on a real engine, after installing devloop as a user does (wheel and sdist, a
# fresh venv, also at the dependency floors). A dockerd started here is stopped again at the end.
test: venv
	scripts/testbed run -- $(MAKE) --no-print-directory test-on-testbed

test-on-testbed:
	PYTHON=$(PYTHON) scripts/check-install
	$(BIN)/python -m pytest

check-install: testbed
	PYTHON=$(PYTHON) scripts/check-install

unit: venv
	$(BIN)/python -m pytest tests/unit

e2e: venv testbed
	$(BIN)/python -m pytest tests/e2e

lint: venv
	$(BIN)/ruff check devloop tests
	$(BIN)/mypy devloop
	$(BIN)/lint-imports

# Benchmarks: they print figures and write docs/benchmarks.md and docs/benchmarks.png; they assert
# nothing. A full run takes 30 minutes or more: run it on a quiet machine. BENCH_ARGS=--quick is a
# smoke run (2 trials, small trees; written to bench/results/quick/).
BENCH_ARGS ?=
bench: venv testbed $(VENV)/.bench-installed
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test,bench]'
	touch $@
