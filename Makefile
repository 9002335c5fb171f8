# Two commands a newcomer needs: `make run` (the main job, locally) and `make test` (the whole suite).
# Both set up from nothing into ./venv (the virtualenv Pulumi uses too), each installing only what it needs:
# - `make run`: the runtime dependencies of `hpc` (no npm, no test tools, no Pulumi);
# - `make test` (and lint, bench): everything, with the stack and report extras, the dev tools and the npm validator.
# Versions come from constraints.txt, so a fresh machine resolves what CI resolved; `make lock` renews it.

PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
CONSTRAINTS := constraints.txt
RUN_STAMP := $(VENV)/.installed-run
FULL_STAMP := $(VENV)/.installed-full
# Libraries the workloads declare (REQUIREMENTS in handlers/workloads/*.py): the same pins the stack's Lambda layer holds.
WORKLOAD_LIBRARIES := $(VENV)/workload-requirements.txt

.PHONY: setup setup-run run test lint bench report-images lock clean

# A broken venv (left by a failed set-up with an old Python, say) is detected and rebuilt before anything else.
setup-run:
	@sh tools/ensure-venv "$(PYTHON)" "$(VENV)"
	@$(MAKE) --no-print-directory $(RUN_STAMP) $(WORKLOAD_LIBRARIES)

setup:
	@sh tools/ensure-venv "$(PYTHON)" "$(VENV)"
	@$(MAKE) --no-print-directory $(FULL_STAMP) $(WORKLOAD_LIBRARIES) node_modules/.installed

$(RUN_STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --constraint $(CONSTRAINTS) pip
	$(PIP) install --constraint $(CONSTRAINTS) --editable .
	touch $@

$(FULL_STAMP): $(RUN_STAMP) requirements.txt
	$(PIP) install --constraint $(CONSTRAINTS) --editable '.[stack,report,dev]'
	touch $@

$(WORKLOAD_LIBRARIES): $(RUN_STAMP) $(wildcard handlers/workloads/*.py)
	$(BIN)/hpc workloads --requirements > $@.new
	if [ -s $@.new ]; then $(PIP) install --constraint $(CONSTRAINTS) --requirement $@.new; fi
	mv $@.new $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

run: setup-run
	$(BIN)/hpc run --size 1024

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hpc asl handlers infra tools

bench: setup
	$(BIN)/python -m benchmarks

# The README's two run-report timelines (docs/images/) and their figures in benchmarks/RESULTS.md.
report-images: setup
	$(BIN)/python -m benchmarks.batching_timelines --images docs/images

# Resolve every dependency afresh (within pyproject.toml's bounds) in a scratch venv and pin the result.
lock:
	@sh tools/ensure-venv "$(PYTHON)" .lock-venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip --quiet install --upgrade pip
	.lock-venv/bin/python -m pip --quiet install --editable '.[stack,report,dev]'
	{ echo "# Every package a full set-up installs, pinned: make passes this file to pip as constraints, so a fresh"; \
	  echo "# machine resolves exactly these versions. Regenerate with \`make lock\` after changing dependencies."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^hpc-step-functions' ; } > $(CONSTRAINTS)
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules .hpc .pytest_cache .lock-venv
