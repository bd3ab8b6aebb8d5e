# wijkbrug: `make demo` runs everything embedded with a demo scenario; `make test` runs the checks and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= .demo
DEMO_PORT ?= 8080

.PHONY: install lint typecheck test test-postgres demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

# The database and end-to-end tests again, against PostgreSQL (WIJKBRUG_TEST_POSTGRES_URL, default local);
# not the tests about processes and the broker (supervision, crashes, outages): they do not touch the choice.
test-postgres: install
	$(BIN)/pytest --db=postgresql -m "(db or e2e) and not process"

demo: install
	$(BIN)/wijkbrug demo --data-dir $(DEMO_DIR) --port $(DEMO_PORT)

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache
