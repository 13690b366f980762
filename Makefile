# FOAD 128: `make run` starts the whole stack on this machine, `make test` runs every test.
# Every target installs first; the install is a no-op while .venv/.installed is newer than pyproject.toml.

VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Test modules spread over this many processes (a module's tests stay together: they share one server).
TEST_WORKERS ?= 2

.PHONY: install chromium run test worker api temporal migrate seed clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -e '.[test]'
	touch $@

run: install
	$(PYTHON) -m foad.devstack run

# The browser tests drive Debian's chromium (Playwright's own browser download does not work here).
chromium:
	test -x /usr/bin/chromium || apt-get install -y chromium || (apt-get update && apt-get install -y chromium)

test: install chromium
	$(PYTHON) -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

worker: install
	$(PYTHON) worker.py

api: install
	$(PYTHON) -m uvicorn api.main:app --host 0.0.0.0 --port 8000

temporal: install
	$(PYTHON) -m foad.devstack temporal

migrate: install
	$(PYTHON) -m alembic upgrade head

seed: install
	$(PYTHON) -m foad.seed

clean:
	rm -rf data/
