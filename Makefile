# grantcheck developer commands. `make run` and `make test` are the README's first two commands.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint typecheck pytest migrate demo worker beat clean screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py import_list grantcheck-yaml seeds/lists
	$(PY) manage.py load_rules
	$(PY) manage.py load_demo
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
	rm -rf $(VENV) db.sqlite3 .mypy_cache .ruff_cache .pytest_cache
