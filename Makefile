# FOAD 128: `make run` starts the whole stack on this machine, `make test` runs every test.
# Every target installs first; the install is a no-op while .venv/.installed is newer than pyproject.toml.

VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js
PYTEST_ARGS ?=
# Test modules spread over this many processes (a module's tests stay together: they share one server).
TEST_WORKERS ?= 2

# Loopback unless told otherwise (`make api FOAD_API_HOST=0.0.0.0`): the dev secret signs the sessions.
FOAD_API_HOST ?= 127.0.0.1

.PHONY: install chromium run test lint worker api temporal migrate seed check clean

install: $(STAMP) $(AXE)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -e '.[test]'
	touch $@

# axe-core, pinned in package.json and package-lock.json: the browser tests inject it into each page for the
# accessibility audit. Only the tests use it; nothing of it is served or fetched at run time.
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: install
	$(PYTHON) -m cli.devstack run

# The browser tests drive Debian's chromium (Playwright's own browser download does not work here).
chromium:
	test -x /usr/bin/chromium || apt-get install -y chromium || (apt-get update && apt-get install -y chromium)

test: install chromium
	$(PYTHON) -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# ruff, configured in pyproject.toml: the lint rules, then the formatting (`ruff format .` fixes the latter).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The same console scripts the image runs (pyproject [project.scripts]); FOAD_API_PORT etc. as in README.
worker: install
	$(VENV)/bin/foad-worker

api: install
	FOAD_API_HOST=$(FOAD_API_HOST) $(VENV)/bin/foad-api

temporal: install
	$(PYTHON) -m cli.devstack temporal

migrate: install
	$(VENV)/bin/foad-migrate --database-only

seed: install
	$(VENV)/bin/foad-seed

check: install
	$(VENV)/bin/foad-check

clean:
	rm -rf data/
