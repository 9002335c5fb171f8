# Two commands a newcomer needs: `make run` (the main job, locally) and `make test` (the whole suite).
# Both set up from nothing: a virtualenv at ./venv (the one Pulumi uses) and the npm tools the tests call.

PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench report-images clean

setup: $(STAMP) node_modules/.installed

$(STAMP): pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[stack,dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

run: setup
	$(BIN)/hpc run --size 1024

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hpc asl handlers infra

bench: setup
	$(BIN)/python -m benchmarks

# The README's two run-report timelines (docs/images/) and their figures in benchmarks/RESULTS.md.
report-images: setup
	$(BIN)/python -m benchmarks.batching_timelines --images docs/images

clean:
	rm -rf $(VENV) node_modules .hpc .pytest_cache
