# Developer / CI entry points. `make run` to try the app, `make test` for everything CI runs.
# Every target is safe to re-run. See README.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# The web server listens on this machine only unless asked (HOST=0.0.0.0 make run): the demo has DEBUG on
# and published passwords.
HOST ?= 127.0.0.1
TEST_SETTINGS := config.settings.test

# Short section headers so CI logs are easy to scan.
header = @printf '\n\033[1m==> %s\033[0m\n' "$(1)"

.PHONY: help venv services stop status browser-deps prod-deps run test lint ruff imports fmt mypy check pytest bench faults clean
# Prerequisites run left to right, in this order (test: lint before pytest, ...).
.NOTPARALLEL:

help:
	@echo "make run           migrate, seed demo data and run web + celery worker + beat (HOST=$(HOST) PORT=$(PORT))"
	@echo "make test          everything CI runs: lint, format check, mypy, Django checks, pytest"
	@echo "make services      start the project-local PostgreSQL + Redis (see var/env); make stop stops them"
	@echo "make lint | imports | fmt | mypy | check | pytest | bench | faults | browser-deps | prod-deps | venv | clean"

# --- environment -----------------------------------------------------------------------------------

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(call header,venv: install locked requirements into $(VENV))
	@if [ ! -x $(PY) ]; then $(PYTHON) -m venv $(VENV); fi
	@# (the grep drops pip's notes about this machine's optional local package folders)
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt 2>&1 \
	  | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
	@touch $@

services:
	$(call header,services: PostgreSQL + Redis)
	bash scripts/services.sh start

stop:
	$(call header,services: stop)
	bash scripts/services.sh stop

status:
	@scripts/services.sh status

browser-deps:
	$(call header,browser-deps: Chromium + CJK fonts + WeasyPrint libraries)
	bash scripts/browser-deps.sh

# nginx + openssl for the production-stack test (tests/deploy, marker `prodstack`); never starts the service.
prod-deps:
	$(call header,prod-deps: nginx + openssl)
	bash scripts/prod-deps.sh

# --- run ---------------------------------------------------------------------------------------------

run: venv services browser-deps
	$(call header,run: migrate)
	$(PY) manage.py migrate --noinput
	$(call header,run: seed demo data)
	$(PY) manage.py seed_demo
	$(call header,run: collectstatic)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(call header,run: http://$(HOST):$(PORT)/)
	@if $(PY) manage.py help --commands | grep -qx demo_logins; then $(PY) manage.py demo_logins; fi
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

# --- checks ------------------------------------------------------------------------------------------

test: venv services browser-deps prod-deps lint check pytest

lint: venv ruff imports mypy

# Layer contracts in pyproject [tool.importlinter]: each app imports only downwards; the product never
# imports devtools or tests.
imports: venv
	$(call header,import-linter: layer contracts)
	$(VENV)/bin/lint-imports --no-cache

ruff: venv
	$(call header,ruff check)
	$(VENV)/bin/ruff check .
	$(call header,ruff format --check)
	$(VENV)/bin/ruff format --check .

# mypy runs on the files listed in pyproject [tool.mypy] files; an empty list skips the step.
mypy: venv
	$(call header,mypy)
	@files=$$($(PY) -c 'import tomllib; print(len(tomllib.load(open("pyproject.toml", "rb")).get("tool", {}).get("mypy", {}).get("files", [])))'); \
	if [ "$$files" = 0 ]; then echo "no files listed in [tool.mypy] files: skipped"; \
	else echo "+ mypy ($$files entries from pyproject)"; DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/mypy; fi

check: venv services
	$(call header,manage.py check)
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py check
	$(call header,manage.py makemigrations --check)
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run
	$(call header,OpenAPI schema (spectacular --fail-on-warn))
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py spectacular --fail-on-warn --validate --file /dev/null
	$(call header,manage.py check --deploy under production settings)
	env -u DJANGO_ALLOW_ASYNC_UNSAFE DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_ALLOWED_HOSTS=example.org \
	  DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING

# Extra pytest arguments: PYTEST_ARGS="-k foo -x" or the standard PYTEST_ADDOPTS.
# pytest's exit code is kept as is: "no tests collected" (5) fails.
# Two xdist workers (each with its own test database) halve the suite on a 2-core machine; PYTEST_XDIST= (empty)
# runs it in one process. The fault tests below stay serial: they kill workers and stop Redis.
PYTEST_XDIST ?= -n 2
# The slowest tests are listed at the end: CI machines have run the suite up to three times slower than ours.
pytest: venv services
	$(call header,pytest)
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/pytest $(PYTEST_XDIST) --durations=20 $(PYTEST_ARGS)

fmt: venv
	$(call header,ruff format + ruff check --fix)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv services
	$(call header,bench)
	@bash scripts/bench-deps.sh
	@if $(PY) manage.py help --commands | grep -qx bench; then $(PY) manage.py bench; \
	else echo "manage.py bench does not exist yet: nothing to measure"; fi
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/pytest -m national -s -p no:cacheprovider tests/assessments/test_measures_national.py

# Fault-injection tests (marker `faults`), excluded from `make test`. No such tests yet is not an error.
faults: venv services browser-deps
	$(call header,pytest -m faults)
	@rc=0; DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/pytest -m faults $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc = 5 ]; then echo "no tests marked 'faults' yet: nothing to run"; exit 0; fi; exit $$rc

clean:
	$(call header,clean: stop services then remove var/ and $(VENV))
	-bash scripts/services.sh purge
	rm -rf var $(VENV)
