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

.PHONY: help run test lint format check-python bench

help:
	@echo "make run    serve PanelApp locally on http://$(HOST):$(PORT)/ with its worker and an embedded AWS (Ctrl-C stops)"
	@echo "make test   lint, then the whole test suite (PostgreSQL, then the SQLite smoke run)"
	@echo "make bench  cold start and warm requests against serverless-wsgi, Mangum and a bare hello; worker overhead"
	@echo "make build | validate | deploy [CONFIG_ENV=staging|prod] | migrate | collectstatic   the AWS stack (docs/deploy.md)"
	@echo "make first-admin USERNAME=ada EMAIL=ada@example.org   the first superuser and a one-time link to set its password"
	@echo "make status | rollback [VERSION=N] | logs [FUNCTION=WorkerFunction] [LEVEL=ERROR] [FILTER=...]   operate the stack"
	@echo "make local-aws, then make local-invoke FUNCTION=WebFunction EVENT=alb_get.json   sam local invoke with env.json"

check-python:
	@test -n "$(PYTHON)" || { echo "error: Python 3.13 not found (looked for python3.13 and /root/.pyenv/versions/3.13.0/bin/python); install it or run make PYTHON=/path/to/python3.13" >&2; exit 1; }

$(BIN)/activate: | check-python
	$(PYTHON) -m venv $(VENV)

# uv (from PyPI, by pip) installs each virtualenv: the same pins as pip, resolved and
# installed in seconds rather than minutes (checkov's and the SAM CLI's trees are large).
UV_VERSION := 0.13.9
UV_INSTALL = $(1)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	&& $(1)/bin/uv pip install --quiet --python $(1)/bin/python

$(VENV)/.installed: requirements.txt requirements-dev.txt $(BIN)/activate
	$(call UV_INSTALL,$(VENV)) -r requirements-dev.txt
	touch $@

# The whole stack on one machine: the web and worker handlers, S3/SQS/SES in moto.
run: $(VENV)/.installed
	PYTHONPATH=shared $(BIN)/python -m serverless.local --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint tools
	bash .ci/ensure-postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-smoke.sqlite3 $(BIN)/pytest -m smoke -q

# Speed, measured as ratios in one run (README, Speed): the benchmark's own virtualenv
# holds only what ships (requirements.txt) plus the peers it is compared with.
BENCH_VENV := .venvs/bench
$(BENCH_VENV)/.installed: requirements.txt bench/requirements.txt | check-python
	$(PYTHON) -m venv $(BENCH_VENV)
	$(call UV_INSTALL,$(BENCH_VENV)) -r bench/requirements.txt
	touch $@

bench: $(VENV)/.installed $(BENCH_VENV)/.installed
	bash .ci/ensure-postgres
	BENCH_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/cold_start.py
	BENCH_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/worker_overhead.py

# Every page and endpoint at the real volume (scratch databases; SCALE=1.0 takes ~25 min to build).
bench-volume: $(VENV)/.installed
	bash .ci/ensure-postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/volume.py --scale $(or $(SCALE),0.1)

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# --- AWS: the SAM CLI and checkov (own virtualenvs), build, validate, deploy ---
# `make build`, `make validate`, `make deploy CONFIG_ENV=prod`, `make migrate`,
# `make collectstatic`, `make manage COMMAND="showmigrations --plan"` (add CONFIRM=1 for a
# destructive form), `make first-admin`, `make status`, `make rollback`, `make logs`.

.PHONY: tools build validate check-stack deploy publish-static migrate collectstatic manage build-SharedLayer lock
.PHONY: first-admin status rollback logs local-aws local-invoke

# This Makefile's directory: sam runs build-SharedLayer from a scratch copy of shared/.
ROOT := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
TOOLS := $(ROOT)/.venvs
CONFIG_ENV ?= default
# sam build needs the runtime's interpreter (python3.13) first on PATH: the SAM venv's own.
SAM := PATH=$(TOOLS)/sam/bin:$$PATH SAM_CLI_TELEMETRY=0 $(TOOLS)/sam/bin/sam

$(TOOLS)/%/.installed: requirements-%.txt | check-python
	$(PYTHON) -m venv $(TOOLS)/$*
	$(call UV_INSTALL,$(TOOLS)/$*) -r $<
	touch $@

tools: $(TOOLS)/sam/.installed $(TOOLS)/checkov/.installed

build: $(TOOLS)/sam/.installed
	$(SAM) build --config-env $(CONFIG_ENV)

validate: $(VENV)/.installed $(TOOLS)/sam/.installed
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --config-env $(CONFIG_ENV)

# The offline checks of the stack alone: template invariants, checkov, and the built artifacts at work.
check-stack: $(VENV)/.installed tools
	bash .ci/ensure-postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q tests/test_template.py tests/test_build.py

# Deploy: first the build's hashed static files to the bucket (beside the live release's:
# hashed names never clash, and nothing is deleted), so the new code never names a file
# CloudFront would find missing and cache as a 404; then the code; then the database and
# the rest of the static files (the unhashed copies, the bucket's manifest).
deploy: build
	$(MAKE) publish-static CONFIG_ENV=$(CONFIG_ENV)
	$(SAM) deploy --config-env $(CONFIG_ENV)
	$(MAKE) migrate collectstatic CONFIG_ENV=$(CONFIG_ENV)

# The static files `make build` collected (.aws-sam/static), uploaded where the live web function keeps them.
publish-static: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/stack publish-static --config-env $(CONFIG_ENV) --directory $(ROOT)/.aws-sam/static

migrate: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/remote-manage --config-env $(CONFIG_ENV) migrate

collectstatic: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/remote-manage --config-env $(CONFIG_ENV) collectstatic --noinput

manage: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/remote-manage --config-env $(CONFIG_ENV) $(if $(CONFIRM),--confirm) $(COMMAND)

# The first superuser of a fresh stack: prints a one-time link at which to choose its password.
first-admin: $(TOOLS)/sam/.installed
	@test -n "$(USERNAME)" -a -n "$(EMAIL)" || { echo "usage: make first-admin USERNAME=ada EMAIL=ada@example.org" >&2; exit 2; }
	$(TOOLS)/sam/bin/python .ci/remote-manage --config-env $(CONFIG_ENV) \
		--event '{"command": "first_admin", "username": "$(USERNAME)", "email": "$(EMAIL)"}'

# Stack outputs, the web alias's version, the DLQ's depth and the last migration applied.
status: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/stack status --config-env $(CONFIG_ENV)

# Point the web alias back at the previous version (or VERSION=N). Migrations are NOT undone.
rollback: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/stack rollback --config-env $(CONFIG_ENV) $(if $(VERSION),--to-version $(VERSION))

# Tail one function's JSON logs: FUNCTION=WebFunction|WorkerFunction|ManageFunction, LEVEL=ERROR
# or FILTER='{ $$.task_name = "send_email" }' (a CloudWatch filter pattern).
FUNCTION ?= WebFunction
logs: $(TOOLS)/sam/.installed
	$(TOOLS)/sam/bin/python .ci/stack logs --config-env $(CONFIG_ENV) --function $(FUNCTION) \
		$(if $(LEVEL),--level $(LEVEL)) $(if $(FILTER),--filter '$(FILTER)')

# sam local invoke (Docker) with env.json: first `make local-aws` in another terminal.
EVENT ?= alb_get.json
local-aws: $(VENV)/.installed
	$(BIN)/python .ci/local-aws

local-invoke: build
	$(SAM) local invoke --env-vars env.json --event events/$(EVENT) \
		--add-host host.docker.internal:host-gateway $(FUNCTION)

# The layer's packages, every one pinned with its hashes for Lambda's platform (arm64,
# CPython 3.13), resolved from requirements.txt by uv. After changing requirements.txt:
#   make lock
lock: $(VENV)/.installed
	$(BIN)/uv pip compile requirements.txt --python-platform aarch64-manylinux_2_28 --python-version 3.13 \
		--generate-hashes --quiet -o requirements.lock

# Called by `sam build` (template.yaml, SharedLayer: BuildMethod makefile) in a copy of
# shared/: the project plus requirements.lock as arm64 (Graviton) CPython 3.13 wheels,
# downloaded for that platform so no Docker is needed on an x86 machine, each checked
# against its locked hash (--require-hashes; --no-deps: the lock names every package).
# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34): any of these wheels loads there.
LAYER_PLATFORMS ?= manylinux2014_aarch64 manylinux_2_28_aarch64 manylinux_2_34_aarch64
# Beside the build directory (.aws-sam/build -> .aws-sam/static): the collected static files,
# for `make publish-static`; never in the layer.
STATIC_BUILD = $(abspath $(ARTIFACTS_DIR)/../../static)
build-SharedLayer:
	mkdir -p "$(ARTIFACTS_DIR)/python"
	cp -R . "$(ARTIFACTS_DIR)/python/"
	find "$(ARTIFACTS_DIR)/python" -name __pycache__ -prune -exec rm -rf {} +
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --require-hashes --no-deps \
		--requirement "$(ROOT)/requirements.lock" --target "$(ARTIFACTS_DIR)/python" \
		$(addprefix --platform ,$(LAYER_PLATFORMS)) --implementation cp --python-version 3.13 --only-binary=:all:
	# The static files manifest ships in the layer: pages name hashed files without reading S3
	# (serverless.storage.manifest; plain local settings, no bytecode written before compileall).
	env -u DATABASE_URL -u AWS_LAMBDA_FUNCTION_NAME USE_S3=FALSE PYTHONDONTWRITEBYTECODE=1 \
		PYTHONPATH="$(ARTIFACTS_DIR)/python" $(PYTHON) -m serverless.storage.manifest \
		"$(ARTIFACTS_DIR)/python/staticfiles.json" "$(STATIC_BUILD)"
	# All bytecode here (pip's own, timestamp-checked, is skipped with --no-compile).
	# unchecked-hash: the bytecode does not depend on file times. sam zips every file with a
	# 1980 timestamp, so timestamp-checked .pyc files never match on Lambda and each cold
	# start would recompile the whole layer (read-only /opt: in memory, every time).
	$(PYTHON) -m compileall -q --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)/python"
