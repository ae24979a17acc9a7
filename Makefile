# Two commands for a newcomer (see README.md):
#   make run    set everything up, load the demo data and run web + worker + beat
#   make test   run the test suite
# Needs only Python 3.12+, git and make. PYTHON=/path/to/python3.12 overrides the search.

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
ADDR ?= 127.0.0.1:8000

# The first interpreter of 3.12 or newer: $PYTHON, then python3.13/3.12/python3 on PATH, then
# pyenv's installs (whose shims refuse versions that are not selected).
PYTHON ?= $(shell for c in python3.13 python3.12 python3 $$(ls -d $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] 2>/dev/null | sort -rV); do \
	"$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$c"; break; }; done)

.PHONY: run test setup lint check demo clean

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "No Python 3.12 or newer was found$(if $(PYTHON), ($(PYTHON) is not one)). Install one (e.g. 'apt-get install python3.12 python3.12-venv'," >&2; \
	  echo "'brew install python@3.12' or 'pyenv install 3.12'), or name it: make PYTHON=/path/to/python3.12 ..." >&2; \
	  exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/.installed

demo: setup
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo

run: demo
	DEBUG=1 $(BIN)/python manage.py runportal --addr $(ADDR)

test: setup
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PORTAL_TESTING=1 $(BIN)/mypy .
	PORTAL_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var
