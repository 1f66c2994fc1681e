# DepotShare: `make run` serves on the embedded SQLite default, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL used by the second pass of `make test`; CI sets REQUIRE_POSTGRES=1 so it cannot be skipped.
TEST_PG_URL ?= postgresql+asyncpg://root@127.0.0.1:5432/test
export DEPOTSHARE_TEST_PG_URL ?= $(TEST_PG_URL)

.PHONY: run test lint test-sqlite test-postgres bench docs clean

# `make run` installs what serving needs; the test and lint tools come with `make test`.
$(BIN)/depotshare: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

DEV := $(VENV)/.dev-installed
$(DEV): $(BIN)/depotshare pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: $(BIN)/depotshare
	$(BIN)/depotshare migrate
ifdef DEMO
	$(BIN)/depotshare import examples/demo-depot.yaml
endif
	$(BIN)/depotshare serve --host $(HOST) --port $(PORT)

lint: $(DEV)
	$(BIN)/ruff check depotshare tests bench
	$(BIN)/ruff format --check depotshare tests bench
	$(BIN)/mypy depotshare
	$(BIN)/lint-imports
	$(BIN)/python -m depotshare.tools.permissions_doc --check docs/permissions.md

# The SQLite pass runs on pytest-xdist workers (a database of its own each); the PostgreSQL pass,
# which runs beside it on the other core, in one process (each worker costs ~7 s of CPU to start).
# The 25 slowest tests are printed so a test that grows expensive shows (docs/development.md).
# Python writes its bytecode cache here even where the environment says not to: compiling the
# package and rewriting the tests' asserts again in every test process cost a fifth of the suite.
SQLITE_WORKERS ?= 2
POSTGRES_WORKERS ?= 0
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest --durations=25

test-sqlite: $(DEV)
	DEPOTSHARE_TEST_DATABASE=sqlite $(PYTEST) -n $(SQLITE_WORKERS)

test-postgres: $(DEV)
	@if $(BIN)/python -m depotshare.tools.pg_ready "$(DEPOTSHARE_TEST_PG_URL)"; then \
		DEPOTSHARE_TEST_DATABASE=postgresql $(PYTEST) -n $(POSTGRES_WORKERS); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(DEPOTSHARE_TEST_PG_URL) is required (REQUIRE_POSTGRES is set) but not reachable"; exit 1; \
	else \
		echo "*** PostgreSQL not reachable at $(DEPOTSHARE_TEST_PG_URL): PostgreSQL pass SKIPPED ***"; \
	fi

# The two database passes are independent (a temporary SQLite file, the PostgreSQL database `test`):
# they run side by side on two cores, each pass's output printed whole when it ends. The input
# fuzzers run once, in the PostgreSQL pass when there is one (tests/conftest.py).
test: lint
	@if $(BIN)/python -m depotshare.tools.pg_ready "$(DEPOTSHARE_TEST_PG_URL)"; then pg=1; else pg=; fi; \
	DEPOTSHARE_TEST_PG_PASS=$$pg $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

docs: $(DEV)
	$(BIN)/python -m depotshare.tools.permissions_doc --write docs/permissions.md

BENCH_DB ?= test_bench
bench: $(DEV)
	@psql -h 127.0.0.1 -U root -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U root -d postgres -qc "CREATE DATABASE $(BENCH_DB)"
	DEPOTSHARE_BENCH_DATABASE_URL=postgresql+asyncpg://root@127.0.0.1:5432/$(BENCH_DB) $(BIN)/python bench/scope_bench.py

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .hypothesis depotshare.db
