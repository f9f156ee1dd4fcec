# The two commands of the README, and a few more. Everything installs into .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# Prefect must not try the internet.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup demo lint test test-fast bench bench-quick clean

# Re-installs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed

## make demo: one monitoring cycle on the embedded default (SQLite, Prefect local, demo feeds and rules)
demo: setup
	$(BIN)/vigie run --config vigie.yaml

## make lint: pyflakes-level checks (unused imports, undefined names), then the types of src/ and flows/
lint: setup
	$(BIN)/ruff check src flows tests bench
	$(BIN)/mypy

## make test: lint and types, then the whole suite, slow end-to-end tests included (what CI runs)
test: lint
	$(BIN)/python -m pytest -q

## make test-fast: the suite without the slow end-to-end tests
test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

## make bench: the benchmarks, printed as tables and saved under bench/results/
bench: setup
	$(BIN)/python -m bench

bench-quick: setup
	$(BIN)/python -m bench --quick

clean:
	rm -rf .vigie .pytest_cache bench/results
