# Casebook: `make demo` and `make test` work on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 5000
DATA   ?= kb-data
PYTEST_ARGS ?=
BIN = $(VENV)/bin

.PHONY: demo test install install-test chromium bench clean help

help:
	@echo "make demo   - install, crawl the bundled demo site, index it, serve http://$(HOST):$(PORT)/"
	@echo "make test   - install test dependencies and run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/ (slow)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

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

demo: $(VENV)/.installed
	$(BIN)/kb --data $(DATA) demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.crawl

clean:
	rm -rf $(VENV) build *.egg-info
