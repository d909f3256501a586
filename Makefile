# grantcheck developer commands. `make run` and `make test` are the README's first two commands.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint typecheck pytest migrate demo worker beat clean screenshots lock

UV_VERSION ?= 0.13.8
LOCK_FLAGS := --universal --generate-hashes --python-version 3.11 --no-header

## Re-resolve requirements/prod.lock and requirements/dev.lock from pyproject.toml (uv, pinned).
## Add --upgrade-package NAME (LOCK_ARGS=...) to move one dependency, --upgrade for all.
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet uv==$(UV_VERSION)
	.lock-venv/bin/uv pip compile pyproject.toml requirements/tools.in --extra prod \
		$(LOCK_FLAGS) $(LOCK_ARGS) -o requirements/prod.lock
	.lock-venv/bin/uv pip compile pyproject.toml requirements/tools.in --extra prod --extra dev \
		-c requirements/prod.lock $(LOCK_FLAGS) $(LOCK_ARGS) -o requirements/dev.lock

# Everything comes from the lock (exact versions, SHA-256 hashes); the project itself is
# installed on top without resolving anything. `make lock` rewrites the locks.
$(VENV)/.installed: pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	$(VENV)/bin/pip check
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py import_list grantcheck-yaml seeds/lists
	$(PY) manage.py import_list csl-csv seeds/lists/csl/csl_demo_sample_2023-11-30.csv
	$(PY) manage.py import_list advisory-csv seeds/demo/advisory_demo_2026-06-01.csv
	$(PY) manage.py load_rules
	$(PY) manage.py demo_history  # load_demo, departments brought on board over six months
	$(PY) manage.py tag_fields
	$(PY) manage.py evaluate

## Set up everything and serve http://127.0.0.1:8000/ with demo data (SQLite, eager Celery).
run: demo
	$(PY) manage.py runserver $(HOST)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

pytest: install
	$(VENV)/bin/pytest

## The whole test suite: lint, format, types, tests.
test: lint typecheck pytest

## PNGs of the main pages in docs/screenshots/ (temporary demo database, system Chromium).
screenshots: install
	$(PY) docs/screenshots.py

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) .lock-venv db.sqlite3 .mypy_cache .ruff_cache .pytest_cache
