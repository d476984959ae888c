# The two commands (README.md): `make run` runs the suite against embedded moto and writes
# reports/; `make test` runs the suite's own self-tests. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/cognito-conformance
ARGS ?=
TEST_WORKERS ?= 2   # pytest-xdist processes for the self-tests (75 s with 2, ~5 min with 0)

# Python caches the bytecode of what it imports (in .venv and the tree's __pycache__, both
# ignored by git). uv installs without bytecode, and some environments (this CI's) set
# PYTHONDONTWRITEBYTECODE, so every process compiled its ~870 modules from source again:
# 1.4 s for each run, each generated worker and each of the self-tests' CLI runs, some of it
# inside the first hand-written checks. Empty means unset to Python. Compiling everything at
# install (uv --compile-bytecode) took 27 s instead; this compiles what is imported, once.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test bench run-all clean install lock node-deps client-deps allure-deps allure-report

# cognito-local (npm, pinned) lives in a project-local folder, never installed globally.
NODE_PREFIX := .cache/node
COGNITO_LOCAL_VERSION := 5.3.0
COGNITO_LOCAL_STAMP := $(NODE_PREFIX)/.cognito-local-$(COGNITO_LOCAL_VERSION)

# Python dependencies come from requirements.lock: every package pinned with its hashes
# (uv pip compile --generate-hashes --universal), installed by uv, which is pinned too
# (.ci/uv.txt, hashed) and lives in .cache/uv. Why uv over pip-tools: the same hashed-lock
# format pip reads, but a fresh install took 8 s (uv itself included) against 57 s with pip
# (measured side by side on a 2-core machine, 2026-11-30), and `uv pip
# sync` makes the venv exactly the lock (nothing more, nothing less). `make lock` refreshes
# the lock after a change to pyproject.toml's dependencies.
UV_DIR := .cache/uv
UV := $(UV_DIR)/bin/uv
LOCK := requirements.lock

$(UV): .ci/uv.txt
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-warn-script-location \
		--require-hashes --target $(UV_DIR) --upgrade -r .ci/uv.txt
	touch $@

$(VENV)/.installed: pyproject.toml $(LOCK) $(UV)
	$(PYTHON) -m venv --without-pip --clear $(VENV)
	$(UV) pip sync -q --python $(PY) --require-hashes $(LOCK)
	$(UV) pip install -q --python $(PY) --no-deps -e .
	touch $@

install: $(VENV)/.installed

lock: $(UV)
	$(UV) pip compile -q pyproject.toml --extra ministack --extra clients --generate-hashes --universal \
		--python-version 3.11 -o $(LOCK)

run: $(VENV)/.installed
	$(CLI) run $(ARGS)

test: $(VENV)/.installed node-deps client-deps allure-deps
	$(PY) -m pytest selftest -q -n $(TEST_WORKERS) $(ARGS)

# How fast a run is (not part of `make test`; ~10 min): ci runs on embedded moto, this tree vs
# the reference commit in conformance/bench_baseline.json, side by side -> reports/bench.json.
# ARGS="--repeat 1", ARGS="--reference HEAD~1" (the previous commit), ARGS="--reference none".
bench: $(VENV)/.installed
	$(PY) -m conformance.bench $(ARGS)

node-deps: $(COGNITO_LOCAL_STAMP)

$(COGNITO_LOCAL_STAMP):
	@command -v npm >/dev/null || { echo "make: npm (Node.js >= 18) is needed to install cognito-local" >&2; exit 1; }
	npm install --prefix $(NODE_PREFIX) --no-audit --no-fund --loglevel=error cognito-local@$(COGNITO_LOCAL_VERSION)
	touch $@

# The JS SDK v3 as a client judge (issue 14), pinned, project-local like cognito-local
# (~9 s, 20 MB). The AWS CLI comes from requirements.lock (the `clients` extra).
JS_SDK_PREFIX := .cache/js-sdk
JS_SDK_VERSION := 3.1169.0
JS_SDK_STAMP := $(JS_SDK_PREFIX)/.client-cognito-identity-provider-$(JS_SDK_VERSION)

client-deps: $(JS_SDK_STAMP)

$(JS_SDK_STAMP):
	@command -v npm >/dev/null || { echo "make: npm (Node.js >= 20) is needed to install the JS SDK" >&2; exit 1; }
	npm install --prefix $(JS_SDK_PREFIX) --no-audit --no-fund --loglevel=error --save-exact \
		@aws-sdk/client-cognito-identity-provider@$(JS_SDK_VERSION)
	touch $@

# allure-commandline (npm, pinned; needs Java) also project-local: `allure generate` for the
# reports' allure-results/ (selftest/test_run_output.py checks its Categories tab). ~3 s.
ALLURE_PREFIX := .cache/allure
ALLURE_VERSION := 2.46.1
ALLURE := $(ALLURE_PREFIX)/node_modules/.bin/allure
ALLURE_STAMP := $(ALLURE_PREFIX)/.allure-commandline-$(ALLURE_VERSION)
REPORT ?= reports/moto

allure-deps: $(ALLURE_STAMP)

$(ALLURE_STAMP):
	@command -v npm >/dev/null || { echo "make: npm is needed to install allure-commandline" >&2; exit 1; }
	npm install --prefix $(ALLURE_PREFIX) --no-audit --no-fund --loglevel=error allure-commandline@$(ALLURE_VERSION)
	touch $@

# The HTML report of one target's run: make allure-report REPORT=reports/moto
allure-report: allure-deps
	$(ALLURE) generate $(REPORT)/allure-results -o $(REPORT)/allure-report --clean

# moto, cognito-local and ministack one after another: reports/<target>/ each.
run-all: $(VENV)/.installed node-deps client-deps
	$(CLI) run --target all $(ARGS)

clean:
	rm -rf $(VENV) reports/*/ .hypothesis
