# Two commands for a newcomer: `make run` serves the site (and runs its task
# worker), `make test` runs the suite.
# Both build the virtual environment first, with the Python named in .python-version.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON_VERSION := $(shell cat .python-version)
# pyenv's interpreter for .python-version when pyenv is there, else pythonX.Y on PATH.
BASE_PYTHON ?= $(shell pyenv which python 2>/dev/null || command -v python$(PYTHON_VERSION))
PORT ?= 8000
HOST ?= 127.0.0.1


# The production-like environment under which `check --deploy` must be clean (see README).
DEPLOY_ENV = ENV_FILE= DEBUG=0 HTTPS=1 ALLOWED_HOSTS=awesome.example.org \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	EMAIL_HOST=smtp.example.org DEFAULT_FROM_EMAIL=noreply@awesome.example.org

.PHONY: help install run superuser test lint format deploy-check bench load-test load-test-two lint-export bench-links bench-markdown bench-hostile bench-import ci clean

help:
	@echo "make run        set up everything and serve the site on http://$(HOST):$(PORT)/"
	@echo "make test       run the whole test suite (DATABASE_URL chooses the database)"
	@echo "make superuser  create an admin account interactively"
	@echo "make lint       ruff and the migrations check"
	@echo "make bench      benchmark the public pages (RESOURCES=100000 for a larger catalog)"
	@echo "make load-test  a minute of load with proposals, approvals and a worker restart"
	@echo "make load-test-two  the same on two instances (DATABASE_URL and REDIS_URL)"
	@echo "make ci         what CI runs (.ci/run)"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt .python-version
	@if [ -z "$(BASE_PYTHON)" ]; then \
		echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION)) and retry." >&2; \
		exit 1; \
	fi
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The local settings: production ones over plain HTTP on loopback, with a
# secret of this checkout's own. Written once; edit it freely afterwards.
.env:
	@umask 077 && { \
		echo "# Local settings for make run and manage.py; the environment overrides them."; \
		echo "SECRET_KEY=$$($(BASE_PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
		echo "DEBUG=0"; \
		echo "HTTPS=0"; \
		echo "ALLOWED_HOSTS=127.0.0.1,localhost"; \
	} > $@
	@echo "==> Wrote .env (local settings)"

run: install .env
	@echo "==> Migrating the database"
	@$(PY) manage.py migrate --noinput
	@echo "==> Loading the catalog"
	@$(PY) manage.py load_catalog
	@echo "==> Collecting static files"
	@$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py ensure_superuser
	@echo
	@echo "  Site:  http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/"
	@if [ -z "$$DJANGO_SUPERUSER_USERNAME" ]; then \
		echo "  No admin account? Stop with Ctrl-C and run 'make superuser', or start with"; \
		echo "  DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD='choose-a-long-one' make run"; \
	fi
	@echo
	@# gunicorn and the task worker side by side; Ctrl-C stops both.
	@SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" exec $(PY) manage.py serve --bind $(HOST):$(PORT)

superuser: install .env
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py createsuperuser

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

deploy-check: install
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

# Benchmark the public pages (see scripts/bench.py); RESOURCES=100000 for a larger catalog.
# With DATABASE_URL pointing at a PostgreSQL server, PostgreSQL is measured too.
RESOURCES ?= 10000
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(PY) scripts/bench.py --resources $(RESOURCES)

# Load and fault test (see scripts/load_test.py): a minute of mixed traffic alone, then a
# minute with proposals, approvals and a worker restart; with DATABASE_URL on PostgreSQL,
# on PostgreSQL.
load-test: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(PY) scripts/load_test.py

# The same on two gunicorn instances sharing the database and the cache, as two machines
# would: DATABASE_URL on PostgreSQL and REDIS_URL.
load-test-two: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	@[ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ] || \
		{ echo "load-test-two needs DATABASE_URL (PostgreSQL) and REDIS_URL" >&2; exit 1; }
	$(PY) scripts/load_test.py --instances 2

ci:
	bash .ci/run

# awesome-lint (npm, pinned in the script) on a README exported from a fresh database.
lint-export: install
	PY=$(PY) bash scripts/lint_export.sh

# How long check_links takes on 1,000 URLs served locally, 10% of them slow.
bench-links: install
	ENV_FILE= DEBUG=1 FETCH_ALLOW_PRIVATE_NETWORKS=1 $(PY) scripts/bench_links.py

# Time markdown on the costliest 5,000-character descriptions; fails past 50 ms.
bench-markdown: install
	ENV_FILE= DEBUG=1 $(PY) scripts/bench_markdown.py

# CPU and wall time of the slowest pages of the hostile corpus test, over five runs.
bench-hostile: install
	$(PY) scripts/bench_hostile.py

# Time import_awesome on 100,000 generated items, and on 10,000 to show it grows linearly.
bench-import: install
	ENV_FILE= DEBUG=1 $(PY) scripts/bench_import.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
