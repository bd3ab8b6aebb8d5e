# wijkbrug: `make demo` runs everything embedded with a demo scenario; `make test` runs the checks and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= .demo
DEMO_PORT ?= 8080

.PHONY: install lint typecheck test test-postgres demo bench soak clean

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
	$(BIN)/pytest --durations=15

# The database and end-to-end tests again, against PostgreSQL (WIJKBRUG_TEST_POSTGRES_URL, default local);
# not the tests about processes and the broker (supervision, crashes, outages) nor the browser tests: the
# database behind the pages is the same code, tested on both by the page and API tests.
test-postgres: install
	$(BIN)/pytest --durations=15 --db=postgresql -m "(db or e2e) and not process and not browser"

demo: install
	$(BIN)/wijkbrug demo --data-dir $(DEMO_DIR) --port $(DEMO_PORT)

bench: install
	$(BIN)/python bench/ingest.py

# 30 minutes at 200 events/s: memory of wijkbrug's processes, lag, 202 -> escalation latency, exact counts.
soak: install
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache
