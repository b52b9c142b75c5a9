# Casebook: `make demo` and `make test` work on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 5000
DATA   ?= kb-data
PYTEST_ARGS ?=
BIN = $(VENV)/bin
# The versions the suite passed with: every install below reads them as pip constraints (make constraints refreshes them).
CONSTRAINTS = constraints.txt

.PHONY: demo demo-site test lint install install-test constraints chromium postgresql axe bench audit screenshots clean help

help:
	@echo "make demo   - install, crawl the bundled demo site, index it, serve http://$(HOST):$(PORT)/"
	@echo "make test   - install test dependencies, lint (ruff) and run the whole test suite"
	@echo "make lint   - ruff check (the rules in pyproject.toml)"
	@echo "make bench  - run the benchmarks in bench/ (slow)"
	@echo "make audit  - bandit and pip-audit"
	@echo "make screenshots - build the demo apart and photograph its pages into docs/screenshots/"
	@echo "make demo-site - rebuild kb/demo/site/ from kb/demo/content/ (then commit both)"
	@echo "make constraints - re-resolve the newest versions pyproject.toml allows into constraints.txt (then make test)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) $(VENV)/.installed
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[test]"
	touch $@

# Deliberately, never as a side effect: resolve what pyproject.toml allows (test and bench extras too) in a
# throwaway venv and pin the result; run make test on it (rm -rf $(VENV) first) before committing constraints.txt.
constraints:
	rm -rf $(VENV)-constraints
	$(PYTHON) -m venv $(VENV)-constraints
	$(VENV)-constraints/bin/pip install --quiet --upgrade pip
	$(VENV)-constraints/bin/pip install --quiet -e ".[test,bench]"
	head -3 $(CONSTRAINTS) > $(CONSTRAINTS).new
	$(VENV)-constraints/bin/pip freeze --exclude-editable >> $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf $(VENV)-constraints
	git diff --stat -- $(CONSTRAINTS)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Browser tests drive Debian's Chromium; install it when missing and we are root.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; \
	fi

# The database tests also run on PostgreSQL, in a throwaway cluster of Debian's server that the tests
# start themselves (tests/pgserver.py); install it when missing and we are root.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian postgresql for the tests on PostgreSQL"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL missing and not root: the tests on PostgreSQL will be skipped"; fi; \
	fi

# The accessibility test runs axe-core from the npm registry; npm comes from Debian when missing and we are root.
AXE = tests/webui/.axe/node_modules/axe-core/axe.min.js
axe:
	@if [ ! -f $(AXE) ]; then \
	  if ! command -v npm >/dev/null && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; fi; \
	  if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix tests/webui/.axe axe-core@4; \
	  else echo "npm missing: the axe-core accessibility test will be skipped"; fi; \
	fi

demo: $(VENV)/.installed
	$(BIN)/kb --data $(DATA) demo --host $(HOST) --port $(PORT)

# The demo site is generated, not written: its builder is a build-time tool kept with the tests (the site is
# their fixture), outside the installed packages; tests/kb/test_demo_site.py fails until the result is committed.
demo-site: $(VENV)/.installed
	$(BIN)/python -m tests.demo_site_builder

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# The tests run even when lint fails (a style slip does not hide their results); either failing fails the target.
test: $(VENV)/.installed-test chromium postgresql axe
	lint=0; $(MAKE) --no-print-directory lint || lint=1; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || exit $$?; \
	if [ $$lint -ne 0 ]; then echo "make test: the tests passed, ruff did not (see make lint)" >&2; exit 1; fi

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.crawl

# The README's pictures: a demo built in bench/results/screenshots-data (never kb-data), served on
# 127.0.0.1 and photographed in Chromium; pngquant (Debian's) makes them a third of the size when installed.
screenshots: $(VENV)/.installed-test chromium
	$(BIN)/python -m bench.screenshots

# Security audit: bandit (no high-severity finding allowed) and pip-audit of the installed
# dependencies. pip-audit needs PyPI's vulnerability API; where only the package index is
# reachable it cannot audit, and says so without failing the target.
audit: $(VENV)/.installed-test
	$(BIN)/pip install --quiet bandit pip-audit
	$(BIN)/bandit -q -r kb crawler index webui --severity-level high --confidence-level medium
	$(BIN)/pip freeze --exclude-editable > $(VENV)/audit-requirements.txt
	-timeout 180 $(BIN)/pip-audit --no-deps --disable-pip -r $(VENV)/audit-requirements.txt --progress-spinner off

clean:
	rm -rf $(VENV) build *.egg-info
