# The two commands of the README: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# The install stamp changes whenever the pinned requirements do, so `make` reinstalls only then.
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt | sha1sum | cut -c1-12)

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run stack stack-deps test lint lint-workflows lint-docker format migrate requirements clean-db browser-deps screenshots

help:
	@echo "make run    - install, start embedded PostgreSQL, migrate, seed demo tenants, serve on :8000"
	@echo "make test   - install, then ruff, workflow/Dockerfile/compose lint, makemigrations --check and pytest"
	@echo "make stack  - the production topology here: nginx :8080, gunicorn, PgBouncer, Redis, PostgreSQL, worker"
	@echo "make requirements - recompile requirements/*.txt from requirements/*.in"
	@echo "make screenshots - PNGs of the main pages at 1440 px and 390 px (owner, viewer) in screenshots/"

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-projectmeats.settings.development} bash deploy/migrate.sh

# The job worker runs beside the web server and stops with it.
run: migrate
	$(MANAGE) seed_demo
	$(MANAGE) procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 0.0.0.0:8000

# The production topology on this machine (deploy/stack): nginx → gunicorn → PgBouncer → PostgreSQL,
# Redis, the job worker; demo tenants at http://acme.localhost:8080/. Ctrl-C stops it all.
stack: install stack-deps
	$(BIN)/python -m deploy.stack

# PgBouncer, Redis and nginx come from Debian (make stack and the stack tests). As root (CI) we install
# them; otherwise say exactly what to install.
stack-deps:
	@missing=$$($(BIN)/python -c "from deploy.stack import missing_packages; print(*missing_packages())"); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "make stack needs Debian packages: sudo apt-get install -y $$missing" >&2; exit 1; fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# GitHub workflows: schema (check-jsonschema's vendored schema) and security audit (zizmor, offline).
lint-workflows: install
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --config .github/zizmor.yml --quiet .github/workflows

# The image and the compose stack, without a Docker engine: hadolint, the compose schema, shell syntax.
lint-docker: install
	$(BIN)/hadolint deploy/Dockerfile
	$(BIN)/hadolint deploy/pgbouncer/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	bash -n deploy/migrate.sh

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here). As root (CI) we
# install it; otherwise say how.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; \
	fi

# Awkward instants for the date-dependent tests (marker `clock`, see conftest.py): 00:30 UTC on New Year's
# Eve is still the 30th in Chicago; 23:30 in Chicago on 31 January is already February in UTC.
CLOCK_INSTANTS := 2026-12-31T00:30:00+00:00 2027-01-31T23:30:00-06:00

test: lint lint-workflows lint-docker browser-deps stack-deps
	DJANGO_SETTINGS_MODULE=projectmeats.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -m "not browser"
	@logs=$$(mktemp -d); pids=""; \
	for instant in $(CLOCK_INSTANTS); do \
	  PM_CLOCK_AT=$$instant $(BIN)/pytest -q -m "clock and not browser" >"$$logs/$$instant.log" 2>&1 & pids="$$pids $$!"; \
	done; \
	status=0; for pid in $$pids; do wait $$pid || status=1; done; \
	for instant in $(CLOCK_INSTANTS); do \
	  echo "== date-dependent tests with the clock at $$instant =="; cat "$$logs/$$instant.log"; \
	done; \
	rm -rf "$$logs"; exit $$status
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest -m browser

# The acceptance page walk (tests/browser/test_pages.py) in a throwaway database with the demo tenants,
# saving a full-page PNG of every page per width and role, plus the measured figures as JSON.
SCREENSHOTS_DIR ?= screenshots
screenshots: install browser-deps
	rm -rf $(SCREENSHOTS_DIR) && mkdir -p $(SCREENSHOTS_DIR)
	SCREENSHOTS_DIR=$(abspath $(SCREENSHOTS_DIR)) UI_REPORT=$(abspath $(SCREENSHOTS_DIR))/figures.json \
	  CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest -m browser tests/browser/test_pages.py -q
	@echo "Screenshots in $(SCREENSHOTS_DIR)/1440/ and $(SCREENSHOTS_DIR)/390/"

requirements:
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/dev.txt requirements/dev.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/prod.txt requirements/prod.in

clean-db:
	rm -rf .data/postgres
