# The two commands a newcomer needs: `make run` and `make test`.
# Everything installs from this repository's own files into .venv/.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 (the Lambda runtime): PYTHON=... overrides the search.
PYTHON ?= $(shell for p in python3.13 /root/.pyenv/versions/3.13.0/bin/python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/panelapp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test lint format check-python

help:
	@echo "make run    serve PanelApp locally on http://$(HOST):$(PORT)/ (embedded defaults)"
	@echo "make test   lint, then the whole test suite (PostgreSQL, then the SQLite smoke run)"

check-python:
	@test -n "$(PYTHON)" || { echo "error: Python 3.13 not found (looked for python3.13 and /root/.pyenv/versions/3.13.0/bin/python); install it or run make PYTHON=/path/to/python3.13" >&2; exit 1; }

$(BIN)/activate: | check-python
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	bash .ci/ensure-postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-smoke.sqlite3 $(BIN)/pytest -m smoke -q

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
